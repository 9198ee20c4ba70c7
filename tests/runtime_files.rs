//! Files written from the runtime profiles: the ready-made hook configs in `hooks/` (what
//! `hookwarden install --runtime R` writes into an empty project) and the table of every
//! runtime's tool names in `src/event/runtime_tools.rs` (what classifies a tool where the
//! runtime is not known). Each is compared with what the profiles say now, so a runtime
//! added or changed fails here until they are regenerated:
//! `HOOKWARDEN_BLESS=1 cargo test --test runtime_files` rewrites them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hookwarden::event::ToolKind;
use hookwarden::runtime::profiles;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every file the profiles generate, with the text it should have.
fn generated() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for p in profiles() {
        let snippet = hookwarden::install::snippet(p.kind).unwrap();
        out.push((root().join(format!("hooks/{}.json", p.name())), snippet));
    }
    out.push((
        root().join("hooks/codex.config.toml"),
        hookwarden::install::codex_toml::SNIPPET.to_string(),
    ));
    out.push((root().join("src/event/runtime_tools.rs"), runtime_tools()));
    out
}

/// The tool names of every profile, each once, grouped by kind in the order the registry
/// lists the runtimes. Names of kind `other` are left out: a name not found is `other`.
fn runtime_tools() -> String {
    let mut names: Vec<(&str, ToolKind)> = Vec::new();
    for kind in ToolKind::ALL.into_iter().filter(|k| *k != ToolKind::Other) {
        for p in profiles() {
            for (name, k) in p.tools {
                if *k == kind && !names.iter().any(|(n, _)| n == name) {
                    names.push((name, *k));
                }
            }
        }
    }
    let mut text = String::from(
        "//! Every tool name a runtime profile lists (`tools` in `runtime/<name>.rs`), with its kind:\n\
         //! generated from the profiles by `tests/runtime_files.rs`, which fails when it is stale.\n\
         //! Do not edit: `HOOKWARDEN_BLESS=1 cargo test --test runtime_files` rewrites it.\n\
         \n\
         use super::ToolKind;\n\
         \n\
         /// The names of kind `other` are left out: a name not found is `other`.\n\
         pub const RUNTIME_TOOLS: &[(&str, ToolKind)] = &[\n",
    );
    for (name, kind) in names {
        text.push_str(&format!("    ({name:?}, ToolKind::{kind:?}),\n"));
    }
    text.push_str("];\n");
    text
}

#[test]
fn files_generated_from_the_profiles_are_current() {
    let bless = std::env::var_os("HOOKWARDEN_BLESS").is_some();
    let mut stale = Vec::new();
    for (path, text) in generated() {
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if bless {
            std::fs::write(&path, text).unwrap();
        } else {
            stale.push(path.strip_prefix(root()).unwrap().display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} differ from what the runtime profiles say: run `HOOKWARDEN_BLESS=1 cargo test --test runtime_files` and commit them"
    );
}

/// A snippet in `hooks/` whose runtime is gone is not left behind as if it still worked.
#[test]
fn every_hook_snippet_belongs_to_a_runtime() {
    let expected: Vec<PathBuf> = generated().into_iter().map(|(p, _)| p).collect();
    let mut strays = Vec::new();
    for entry in std::fs::read_dir(root().join("hooks")).unwrap() {
        let path = entry.unwrap().path();
        let generated = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("json" | "toml")
        );
        if generated && !expected.contains(&path) {
            strays.push(path.display().to_string());
        }
    }
    assert!(strays.is_empty(), "no runtime writes {strays:?}");
}

#[test]
fn the_tool_table_has_every_profiles_names_once() {
    let text = runtime_tools();
    for p in profiles() {
        for (name, kind) in p.tools {
            let line = format!("    ({name:?}, ToolKind::{kind:?}),\n");
            let expect = usize::from(*kind != ToolKind::Other);
            assert_eq!(text.matches(&line).count(), expect, "{} {name}", p.name());
        }
    }
}
