//! Freshly generated fake secrets of every kind, in the places they show up (env files, JSON,
//! YAML, command lines, URLs): each is found with its kind and masked whole, over many seeds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::fake::{self, Rng};
use hookwarden::redact;
use hookwarden::signals::secrets;
use std::collections::BTreeMap;

#[test]
fn every_kind_is_found_and_masked_whole() {
    let mut per_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for seed in 0..40 {
        let mut r = Rng::new(seed);
        for f in fake::all(&mut r) {
            let found = secrets::scan(&f.text);
            let at = f.text.find(&f.secret).expect("secret is in its text");
            let covered = found
                .iter()
                .any(|x| x.start <= at && x.end >= at + f.secret.len());
            let right_kind = found.iter().any(|x| x.kind == f.kind);
            let (redacted, _) = redact::redact_text(&f.text);
            let gone = !redacted.contains(&f.secret);
            let e = per_kind.entry(f.kind).or_default();
            e.0 += 1;
            if covered && right_kind && gone {
                e.1 += 1;
            } else {
                let kinds: Vec<&str> = found.iter().map(|x| x.kind.as_str()).collect();
                failures.push(format!(
                    "{} (seed {seed}) found {kinds:?}: {}",
                    f.kind, f.text
                ));
            }
        }
    }
    for (k, (n, ok)) in &per_kind {
        println!("{k:<28} {ok}/{n}");
    }
    assert!(
        per_kind.len() >= 40,
        "only {} kinds generated",
        per_kind.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn look_alikes_stay_untouched() {
    let clean = [
        "commit 3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39\nAuthor: Dev <dev@users.noreply.github.com>",
        "\"integrity\": \"sha512-3Dpl8yPLnRZ4ZaLhtOMzHpTt5M3p7+QtGvmEy8hp0lsS4ApBZE9j6zEN7ufo8phTbY0bPvuthV/ULIrMr1Fjg==\"",
        "FROM node@sha256:0f3b2a1d9c8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1",
        "request-id: 6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq8rQ0n1v1q4Zk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5c dev@laptop",
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJRTES\n-----END CERTIFICATE-----",
        "API_KEY=your-api-key-here\nSECRET=<secret>\nTOKEN=${TOKEN}\nPASSWORD=changeme",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "password = os.environ[\"DB_PASSWORD\"]\ntoken = get_token()\nsecret_name = \"prod/db\"",
        "postgres://user:password@localhost:5432/db",
        "test result: ok. 215 passed; 0 failed; 0 ignored; finished in 3.21s",
        "   Compiling regex-automata v0.4.19\n   Compiling hookwarden v0.1.0 (/work)",
        "tokens: 1532, max_tokens: 4096, api_key_name: \"prod\"",
    ];
    for t in clean {
        let f = secrets::scan(t);
        assert!(f.is_empty(), "{t}\n -> {f:?}");
    }
}
