//! How often the catalogue misses a random secret of each kind: every generator of
//! `common::fake` drawn with N seeds (default 20000), each secret placed alone in a line, and
//! a miss counted when any 8-byte piece of it survives redaction. A measurement, not a check:
//! run it in release with `N=200000 cargo test --release --test secrets_miss_rate -- --ignored
//! --nocapture`.

#![allow(clippy::unwrap_used)]
mod common;
use common::fake::{self, Rng};
use hookwarden::redact;
use std::collections::BTreeMap;

#[test]
#[ignore]
fn miss_rate_per_kind() {
    let n: u64 = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20000);
    let mut misses: BTreeMap<String, (u64, Vec<String>)> = BTreeMap::new();
    let mut total = 0u64;
    for seed in 0..n {
        let mut r = Rng::new(seed.wrapping_mul(0x9E3779B97F4A7C15));
        for f in fake::all(&mut r) {
            total += 1;
            let text = format!(" {} ", f.text);
            let (out, _) = redact::redact_text(&text);
            let s = f.secret.as_bytes();
            if s.windows(8)
                .any(|w| out.contains(std::str::from_utf8(w).unwrap_or("\u{0}")))
            {
                let e = misses.entry(f.kind.to_string()).or_insert((0, Vec::new()));
                e.0 += 1;
                if e.1.len() < 6 {
                    e.1.push(f.text.clone());
                }
            }
        }
    }
    eprintln!("total {total}");
    for (k, (c, ex)) in &misses {
        eprintln!("{k}: {c} e.g. {ex:?}");
    }
}
