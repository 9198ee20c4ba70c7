//! The policy's regexes in a fresh process: artifact load plus matching, for a generated
//! table of 150 patterns of the shapes teams write (case-insensitive, word boundaries,
//! alternations, no literal prefix), per strategy, against `regex::RegexSet` compiled in the
//! process. Every iteration starts from the artifact bytes, so nothing compiled survives
//! from one iteration to the next, as nothing survives between two hook calls.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use hookwarden::policy::regexes::{Matcher, RegexTable, Strategy};
use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::{Input, MatchKind, PatternSet};
use std::hint::black_box;
use std::time::Duration;

const WORDS: [&str; 30] = [
    "falcon",
    "orion",
    "vega",
    "atlas",
    "nebula",
    "quasar",
    "pulsar",
    "zephyr",
    "kestrel",
    "osprey",
    "lyra",
    "draco",
    "phoenix",
    "hydra",
    "cygnus",
    "aquila",
    "perseus",
    "andromeda",
    "cassini",
    "juno",
    "titan",
    "rhea",
    "europa",
    "ganymede",
    "callisto",
    "io",
    "triton",
    "nereid",
    "proteus",
    "miranda",
];

/// `n` patterns of ten hard shapes; `scripts/bench.sh` writes the same ones into
/// `policy-500-hard.toml`.
fn hard_patterns(n: usize) -> Vec<String> {
    let w = |i: usize| WORDS[i % WORDS.len()];
    (0..n)
        .map(|i| match i % 10 {
            0 => format!(r"(?i)[a-z0-9-]+\.{}{}\.corp\.example", w(i), i),
            1 => format!(
                r"(?i)\b(project|codename)[-_ ]?({}|{}|{})\b",
                w(i),
                w(i + 1),
                w(i + 2)
            ),
            2 if i % 20 == 2 => format!(r"\b[A-Z]{{2,{}}}-\d{{3,6}}\b", 5 + i / 20),
            2 => format!(r"\b{}-\d{{3,6}}\b", w(i).to_uppercase()),
            3 => format!(r"(?i)(drop|truncate)\s+table\s+{}_\w+", w(i)),
            4 => format!(
                r"(?i)\b(ignore|disregard)\s+(all\s+)?(previous|prior)\s+{}\b",
                w(i)
            ),
            5 => format!(r"(?i)internal[-_ ]use[-_ ]only[-_ ]{}", w(i)),
            6 => format!(r"(?i)\bcustomer[_-]?{}[_-]?id\s*[:=]\s*\d{{6,}}", w(i)),
            7 => format!(r"(?i)https?://[a-z0-9.-]*{}\.internal\b", w(i)),
            8 => format!(r"10\.{}\.\d{{1,3}}\.\d{{1,3}}", i % 250),
            _ => format!(r"(?i)(secret|confidential)[-_ ]{}[-_ ]\w+", w(i)),
        })
        .collect()
}

const LINES: [&str; 9] = [
    "   Compiling serde_json v1.0.140",
    "   Compiling hookwarden v0.1.0 (/home/dev/src/hookwarden)",
    "test policy::eval::tests::strictest_effect_wins ... ok",
    "test runtime::codex::tests::apply_patch_paths ... ok",
    "warning: unused variable: `ctx` --> src/signals/paths.rs:42:9",
    "2026-11-23T10:15:02.331Z INFO request completed status=200 latency_ms=12 route=/api/v1/items",
    "{\"id\": 4711, \"name\": \"widget\", \"tags\": [\"a\", \"b\"], \"price\": 12.5, \"active\": true}",
    "drwxr-xr-x  5 dev dev 4096 Nov 23 10:14 Cargo.lock  README.md  benches  src  tests",
    "Finished `test` profile [unoptimized + debuginfo] target(s) in 4.21s; all 128 tests passed",
];

/// About 100 KB of build and test output; `hits` lines that match some patterns are spread
/// through it, and `prefix` starts every line (a non-ASCII mark makes the text non-ASCII).
fn output(hits: &[&str], prefix: &str) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < 100 * 1024 {
        if !hits.is_empty() && i % 400 == 200 {
            s.push_str(hits[(i / 400) % hits.len()]);
        } else {
            s.push_str(prefix);
            s.push_str(LINES[i % LINES.len()]);
        }
        s.push('\n');
        i += 1;
    }
    s
}

const PROMPT: &str =
    "Refactor the argument parser into its own module, keep the public API, and run the tests.";
const HITS: [&str; 3] = [
    "connected to db-3.falcon0.corp.example:5432",
    "ran: DROP TABLE atlas_users; -- see ticket ABC-1234",
    "header says Internal-Use-Only-quasar",
];

fn bench(c: &mut Criterion) {
    let patterns = hard_patterns(150);
    let table = RegexTable::build(&patterns).unwrap();
    let bytes = table.to_bytes();
    eprintln!("regexes: {:?}", table.report());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("regexes.bin");
    std::fs::write(&path, &bytes).unwrap();

    let clean = output(&[], "");
    let hits = output(&HITS, "");
    let unicode_hits = output(&HITS, "✓ ");
    let texts: [(&str, &str); 4] = [
        ("prompt", PROMPT),
        ("100k_clean", &clean),
        ("100k_3_hits", &hits),
        ("100k_3_hits_non_ascii", &unicode_hits),
    ];
    // Every strategy agrees with the regex crate on these texts.
    let set = regex::RegexSet::new(&patterns).unwrap();
    for (_, t) in texts {
        let want: Vec<usize> = set.matches(t).into_iter().collect();
        let m = Matcher::from_bytes(&bytes).unwrap();
        assert_eq!(m.matches(t), want);
    }

    let mut g = c.benchmark_group("regexes");
    g.sample_size(20).measurement_time(Duration::from_secs(3));
    g.bench_function("build_artifact", |b| {
        b.iter(|| black_box(RegexTable::build(&patterns).unwrap().to_bytes()))
    });
    g.bench_function("load/memory", |b| {
        b.iter(|| black_box(Matcher::from_bytes(black_box(&bytes)).unwrap()))
    });
    g.bench_function("load/file", |b| {
        b.iter(|| black_box(Matcher::open(&path).unwrap()))
    });
    g.bench_function("is_match/command", |b| {
        b.iter(|| {
            let m = Matcher::open(&path).unwrap();
            black_box(m.is_match(3, black_box("psql -c 'drop table atlas_users'")))
        })
    });
    for (name, text) in texts {
        for (sname, strategy) in [
            ("tiered", Strategy::Tiered),
            ("dfas", Strategy::Dfas),
            ("literals_then_regex", Strategy::LiteralsThenRegex),
            ("regexes", Strategy::Regexes),
        ] {
            g.bench_function(format!("{name}/{sname}"), |b| {
                b.iter(|| {
                    let m = Matcher::open(&path).unwrap().with_strategy(strategy);
                    black_box(m.matches(black_box(text)))
                })
            });
        }
        g.bench_function(format!("{name}/regexset_per_process"), |b| {
            b.iter(|| {
                let set = regex::RegexSet::new(&patterns).unwrap();
                black_box(set.matches(black_box(text)).matched_any())
            })
        });
    }
    // One combined multi-pattern DFA (serialized, loaded with the safe `from_bytes`): only
    // the first 10 patterns, as more take seconds to build and megabytes to store.
    let first: Vec<&str> = patterns.iter().take(10).map(|s| s.as_str()).collect();
    let mut config = dense::DFA::config()
        .start_kind(StartKind::Unanchored)
        .unicode_word_boundary(true)
        .match_kind(MatchKind::All);
    for q in 0x80..=0xffu8 {
        config = config.quit(q, true);
    }
    let dfa = dense::Builder::new()
        .configure(config)
        .build_many(&first)
        .unwrap();
    let (dfa_bytes, pad) = dfa.to_bytes_little_endian();
    eprintln!(
        "combined DFA of 10 patterns: {} bytes",
        dfa_bytes.len() - pad
    );
    for (name, text) in [("prompt", PROMPT), ("100k_clean", clean.as_str())] {
        g.bench_function(format!("{name}/combined_dfa_10_patterns"), |b| {
            b.iter(|| {
                let (d, _) = dense::DFA::from_bytes(&dfa_bytes[pad..]).unwrap();
                let mut set = PatternSet::new(d.pattern_len());
                let _ = d.try_which_overlapping_matches(&Input::new(black_box(text)), &mut set);
                black_box(set.len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
