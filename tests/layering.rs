//! The layering of src/: every top-level module imports only from modules listed before it
//! in [`ORDER`], so the flow `event -> decision -> ... -> cli` has no cycle and a change has
//! one obvious room. This test reads the sources and fails on any import that points up or
//! sideways, naming the file and the line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// The one written form of the layering. A module may use any module before it, none after.
#[rustfmt::skip]
const ORDER: &[&str] = &[
    // Leaves: byte helpers and test helpers that know nothing of the product.
    "hex", "testutil", "managed", "dirs",
    // Grant keys and OS randomness; who is approving and for which role.
    "keys", "approvers",
    // What happened, what is decided about it, and when.
    "event", "time", "decision", "keywords",
    // The pure state store: records and locking.
    "state",
    // Facts about an event (flags and findings), and masking what they find.
    "signals", "redact",
    // Rules: model, compile, evaluate, store and lifecycle.
    "policy",
    // Runtime profiles and adapters: payload in, answer out.
    "runtime",
    "audit",
    // What is read back from the audit log: OTel export and the HTML report.
    "export", "report",
    // Tool calls read back from the runtimes' own session transcripts.
    "transcript",
    // One hook call, end to end, with its stateful step.
    "engine",
    // What is built on hook calls: replay, build-time evaluation, install, the command line.
    "replay", "evaluate", "install", "cli",
];

fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// How many directory levels below src/ a file's module sits (src/a.rs and src/a/mod.rs: 1,
/// src/a/b.rs: 2), so `super::` chains can be resolved to the module they reach.
fn depth(src: &Path, file: &Path) -> usize {
    let rel = file.strip_prefix(src).unwrap();
    let parts: Vec<_> = rel.components().collect();
    let last = parts.last().unwrap().as_os_str().to_str().unwrap();
    if last == "mod.rs" {
        parts.len() - 1
    } else {
        parts.len()
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules a path expression names after `crate::` (or `hookwarden::`): one
/// for `crate::a::b`, each group member for `crate::{a, b::c}`.
fn named_after(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut names = Vec::new();
        let mut depth = 0;
        let mut start = true;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => start = true,
                _ if start && (c.is_ascii_alphabetic() || c == '_') => {
                    let word: String = group[i..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    names.push(word);
                    start = false;
                }
                _ => {}
            }
        }
        return names;
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    vec![word]
}

fn imports(text: &str, depth: usize) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for prefix in ["crate::", "hookwarden::"] {
            let mut from = 0;
            while let Some(i) = code[from..].find(prefix) {
                let at = from + i;
                let before = code[..at].chars().last();
                from = at + prefix.len();
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                for m in named_after(&code[from..]) {
                    out.push((n + 1, m));
                }
            }
        }
        // `super::super::x` from deep enough reaches the crate root and names `x`.
        let mut from = 0;
        while let Some(i) = code[from..].find("super::") {
            let at = from + i;
            let mut rest = &code[at..];
            let mut ups = 0;
            while let Some(r) = rest.strip_prefix("super::") {
                ups += 1;
                rest = r;
            }
            from = code.len() - rest.len();
            if ups >= depth {
                for m in named_after(rest) {
                    out.push((n + 1, m));
                }
            }
        }
    }
    out
}

#[test]
fn every_module_imports_only_from_modules_before_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let rank = |m: &str| ORDER.iter().position(|x| *x == m);
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for file in &files {
        let Some(top) = top_module(&src, file) else {
            continue;
        };
        seen.insert(top.clone());
        let Some(own) = rank(&top) else {
            problems.push(format!(
                "{}: module `{top}` is not in the layering (ORDER in tests/layering.rs)",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (line, m) in imports(&text, depth(&src, file)) {
            if m == top || m == "self" || m.is_empty() {
                continue;
            }
            match rank(&m) {
                Some(r) if r < own => {}
                Some(_) => problems.push(format!(
                    "{}:{line}: `{top}` imports `{m}`, which comes after it",
                    file.display()
                )),
                // Macros and items defined in lib.rs itself (e.g. `crate::byte_table`).
                None if m.chars().next().is_some_and(|c| c.is_ascii_uppercase()) => {}
                None if src.join(format!("{m}.rs")).exists() || src.join(&m).is_dir() => problems
                    .push(format!(
                        "{}:{line}: `{top}` imports `{m}`, which is not in the layering",
                        file.display()
                    )),
                None => {}
            }
        }
    }
    for m in ORDER {
        assert!(
            seen.contains(*m),
            "ORDER names `{m}`, which is not a module in src/: keep the list true"
        );
    }
    assert!(
        problems.is_empty(),
        "imports against the layering:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_reader_sees_grouped_and_nested_imports() {
    let text = "use crate::{event::Event, policy::{self, eval}};\nuse super::super::audit;\n";
    let found: Vec<String> = imports(text, 2).into_iter().map(|(_, m)| m).collect();
    assert_eq!(found, ["event", "policy", "audit"]);
    assert!(imports("// crate::engine in a comment\n", 1).is_empty());
}
