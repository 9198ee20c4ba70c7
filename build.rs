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
    // A position-independent executable is relocated by the loader at every start: about
    // 11,000 relocations that write (and so copy) some 50 pages of the binary, in a process
    // that lives a few milliseconds. A fixed-address binary starts without them (about a
    // tenth of a pre-tool hook call, measured with scripts/bench.sh). The cost is ASLR for the
    // binary's own code, in a memory-safe process that reads one event and exits; a build
    // that wants it anyway sets HOOKWARDEN_PIE=1. Linux with glibc only, where `-no-pie` is a
    // linker driver flag; elsewhere the platform default stands. A static build
    // (scripts/release-build.sh) chooses its own executable kind: `-no-pie` on top of a
    // static-pie link makes a binary that crashes at start, so it is left out there.
    println!("cargo:rerun-if-env-changed=HOOKWARDEN_PIE");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let static_crt = features.split(',').any(|f| f == "crt-static");
    let pie = std::env::var("HOOKWARDEN_PIE").is_ok_and(|v| v == "1");
    if os == "linux" && env == "gnu" && !pie && !static_crt {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    hot_symbols_first(&os, &env);
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

/// Asks the linker to place the functions a hook call runs (link/hot-symbols.txt, made by
/// scripts/hot-symbols.sh) together: a call then faults in a few 64 KB windows of code
/// instead of some 40 spread over 5 MB (about a tenth of a pre-tool call). Only where the
/// linker is known to take the option: LLD, which Rust uses by default for
/// x86_64-unknown-linux-gnu since 1.90, unless the build names its own linker. Off with
/// HOOKWARDEN_SYMBOL_ORDER=0.
fn hot_symbols_first(os: &str, env: &str) {
    println!("cargo:rerun-if-changed=link/hot-symbols.txt");
    println!("cargo:rerun-if-env-changed=HOOKWARDEN_SYMBOL_ORDER");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if std::env::var("HOOKWARDEN_SYMBOL_ORDER").is_ok_and(|v| v == "0")
        || (arch.as_str(), os, env) != ("x86_64", "linux", "gnu")
        || std::env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_some()
    {
        return;
    }
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if flags.contains("linker") || flags.contains("fuse-ld") {
        return;
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let minor = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .ok()
        .and_then(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            let release = text.lines().find_map(|l| l.strip_prefix("release: "))?;
            let mut parts = release.split('.');
            let major: u32 = parts.next()?.parse().ok()?;
            let minor: u32 = parts.next()?.parse().ok()?;
            (major == 1).then_some(minor)
        });
    let list = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("link/hot-symbols.txt");
    if minor.is_some_and(|m| m >= 90) && list.is_file() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            list.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}
