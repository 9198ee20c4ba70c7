//! The coverage tables in README.md and docs/install.md are what `hookwarden policy coverage
//! --default` prints: the text between their `<!-- coverage:begin ... -->` and
//! `<!-- coverage:end -->` markers is compared with the command's output, so a rule added to
//! the default policy or a runtime that changes fails here until the docs are regenerated
//! (`HOOKWARDEN_BLESS=1 cargo test --test docs_coverage` rewrites them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Sandbox;
use std::path::Path;

const BEGIN: &str = "<!-- coverage:begin";
const END: &str = "<!-- coverage:end -->";

/// The file's text with the generated block replaced by `table`, and whether it changed.
fn with_table(text: &str, table: &str) -> (String, bool) {
    let begin = text.find(BEGIN).expect("a coverage:begin marker");
    let body = begin + text[begin..].find('\n').unwrap() + 1;
    let end = text[body..].find(END).expect("a coverage:end marker") + body;
    let out = format!("{}{table}{}", &text[..body], &text[end..]);
    let changed = out != text;
    (out, changed)
}

#[test]
fn coverage_tables_in_the_docs_are_generated() {
    let env = Sandbox::new();
    let table = env.run(&["policy", "coverage", "--default"]).ok().stdout;
    assert!(table.contains("| Runtime | enforced |"), "{table}");
    assert!(table.contains("| `fs.recursive-delete` |"), "{table}");
    let bless = std::env::var_os("HOOKWARDEN_BLESS").is_some();
    let mut stale = Vec::new();
    for rel in ["README.md", "docs/install.md"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        let (updated, changed) = with_table(&text, &table);
        if changed {
            if bless {
                std::fs::write(&path, updated).unwrap();
            } else {
                stale.push(rel);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?}: the coverage table is not what `hookwarden policy coverage --default` prints; run `HOOKWARDEN_BLESS=1 cargo test --test docs_coverage`"
    );
}

#[test]
fn the_block_between_the_markers_is_replaced() {
    let text = "a\n<!-- coverage:begin x -->\nold\n<!-- coverage:end -->\nb\n";
    let (out, changed) = with_table(text, "new\n");
    assert!(changed);
    assert_eq!(
        out,
        "a\n<!-- coverage:begin x -->\nnew\n<!-- coverage:end -->\nb\n"
    );
    assert!(!with_table(&out, "new\n").1);
}
