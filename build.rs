//! Build step: embeds the default policy in a form that is fast to load.
//!
//! Every hook call starts from the embedded default policy. Parsing its TOML was the
//! largest single cost of a whole hook process (more than starting the process), so the
//! build converts `policies/default.toml` to JSON once; the hook deserializes that into the
//! same model. `policies/default.toml` stays the source of truth: the TOML text is still
//! embedded (policy hash, `policy show`, error positions), and if the conversion fails here
//! the runtime falls back to parsing the TOML, which reports the error with line and column.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=policies/default.toml");
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let text = std::fs::read_to_string("policies/default.toml").unwrap_or_default();
    let json = match toml::from_str::<toml::Value>(&text) {
        Ok(v) => serde_json::to_string(&v).unwrap_or_default(),
        Err(e) => {
            println!(
                "cargo:warning=policies/default.toml does not parse ({}); the binary will parse it at run time and report the error",
                e.message()
            );
            String::new()
        }
    };
    if let Err(e) = std::fs::write(out.join("default_policy.json"), json) {
        println!("cargo:warning=cannot write the compiled default policy: {e}");
    }
}
