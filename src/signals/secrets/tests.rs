#![allow(clippy::unwrap_used)]

use super::*;

fn kinds_in(text: &str) -> Vec<String> {
    scan(text).into_iter().map(|f| f.kind).collect()
}

#[test]
fn finds_prefixed_tokens_with_exact_spans() {
    let tok = "ghp_Zk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5cA3eKu";
    let text = format!("token: {tok}\n");
    let f = scan(&text);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].kind, "github-pat");
    assert_eq!(&text[f[0].start..f[0].end], tok);
    assert!(!f[0].hash.is_empty());
}

#[test]
fn placeholders_and_examples_are_not_secrets() {
    for t in [
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "API_KEY=${API_KEY}",
        "password = changeme",
        "token: <your-token-here>",
        "postgres://user:password@localhost/db",
    ] {
        assert!(kinds_in(t).is_empty(), "{t}: {:?}", scan(t));
    }
}

#[test]
fn hashes_uuids_and_public_keys_are_not_secrets() {
    for t in [
        "commit 43fc912ef59a83054ea7f6706df4d53a7dea4d80",
        "integrity sha512-Zk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5cA3eKuZk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5cA3eKu==",
        "image@sha256:eaaa7b11777babe28e6133a8b19ff71cea687e0d7f05158dee95a71f76ce3d00",
        "request_id: 0736f5ef-7e88-499a-80cc-90c85d2a5180",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----",
    ] {
        assert!(kinds_in(t).is_empty(), "{t}: {:?}", scan(t));
    }
}

#[test]
fn over_the_bound_the_rest_is_withheld() {
    let mut text = "a".repeat(MAX_SCAN_BYTES + 100);
    text.push_str(" ghp_Zk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5cA3eKu");
    let f = scan(&text);
    let last = f.last().unwrap();
    assert_eq!(last.kind, UNSCANNED);
    assert_eq!(last.end, text.len());
    assert!(last.start <= MAX_SCAN_BYTES);
}

#[test]
fn url_hosts() {
    assert_eq!(
        url_host("https://u:p@Evil.example:8443/x?y").as_deref(),
        Some("evil.example")
    );
    assert_eq!(
        arg_host("git@github.com:o/r.git").as_deref(),
        Some("github.com")
    );
    assert_eq!(arg_host("-H"), None);
}

#[test]
fn every_rule_compiles() {
    for r in rules::RULES {
        assert!(
            regex::Regex::new(r.pattern).is_ok(),
            "{}: {:?}",
            r.kind,
            regex::Regex::new(r.pattern).err()
        );
    }
    assert!(generic_regex().is_some());
}
