//! Scores the secret detector on the shared development corpus, when it is present.
//!
//! `../shared/corpora/secrets-dev.jsonl` (relative to the crate root) holds labeled lines:
//! positives that must be redacted and look-alikes that must be left alone. The corpus is not
//! part of this repository; without it the test says so and passes. Run with
//! `cargo test --test secrets_corpus -- --nocapture` to see recall and false positives per kind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hookwarden::signals::secrets;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Default)]
struct Tally {
    pos: usize,
    hit: usize,
    neg: usize,
    touched: usize,
}

#[test]
fn dev_corpus_recall_and_false_positives() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/secrets-dev.jsonl");
    let Ok(data) = std::fs::read_to_string(&path) else {
        eprintln!("secrets corpus not found at {}; skipping", path.display());
        return;
    };
    let mut per_kind: BTreeMap<String, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut false_positives = Vec::new();
    for line in data.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("corpus line is JSON");
        let text = v["text"].as_str().unwrap_or("");
        let expect = v["expect_secret"].as_bool().unwrap_or(false);
        let kind = v["kind"].as_str().unwrap_or("?").to_string();
        let found = secrets::scan(text);
        let t = per_kind.entry(kind.clone()).or_default();
        if expect {
            t.pos += 1;
            if found.is_empty() {
                misses.push(format!("{kind}: {}", short(text)));
            } else {
                t.hit += 1;
            }
        } else {
            t.neg += 1;
            if !found.is_empty() {
                t.touched += 1;
                let kinds: Vec<&str> = found.iter().map(|f| f.kind.as_str()).collect();
                false_positives.push(format!("{kind} as {kinds:?}: {}", short(text)));
            }
        }
    }
    let (mut pos, mut hit, mut neg, mut touched) = (0, 0, 0, 0);
    println!("{:<46} {:>9} {:>9}", "corpus kind", "recall", "touched");
    for (k, t) in &per_kind {
        pos += t.pos;
        hit += t.hit;
        neg += t.neg;
        touched += t.touched;
        let recall = if t.pos == 0 {
            "-".to_string()
        } else {
            format!("{}/{}", t.hit, t.pos)
        };
        let fp = if t.neg == 0 {
            "-".to_string()
        } else {
            format!("{}/{}", t.touched, t.neg)
        };
        println!("{k:<46} {recall:>9} {fp:>9}");
    }
    let recall = hit as f64 / pos.max(1) as f64;
    let fp_rate = touched as f64 / neg.max(1) as f64;
    println!(
        "\nTOTAL recall {hit}/{pos} = {:.1}%   look-alikes touched {touched}/{neg} = {:.1}%",
        recall * 100.0,
        fp_rate * 100.0
    );
    println!("\nmissed positives:");
    for m in &misses {
        println!("  {m}");
    }
    println!("\nlook-alikes flagged:");
    for f in &false_positives {
        println!("  {f}");
    }
    // Floors the detector must keep (the misses are mostly placeholder test values such as
    // `AKCxxxxxxxxxx` that hookwarden suppresses on purpose, and public IP addresses, which are
    // not secrets).
    assert!(recall >= 0.87, "recall fell to {:.1}%", recall * 100.0);
    assert!(
        fp_rate <= 0.08,
        "false positives rose to {:.1}%",
        fp_rate * 100.0
    );
}

fn short(t: &str) -> String {
    let one_line = t.replace('\n', "\\n");
    one_line.chars().take(140).collect()
}
