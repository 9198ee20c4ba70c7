//! The embedded default policy is loaded from a JSON form made by build.rs (fast on every
//! hook call); it must be exactly the policy `policies/default.toml` says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hookwarden::policy::{self, PolicyFile, DEFAULT_POLICY, DEFAULT_POLICY_JSON};

#[test]
fn compiled_default_is_the_toml_policy() {
    assert!(
        !DEFAULT_POLICY_JSON.is_empty(),
        "build.rs did not convert policies/default.toml"
    );
    let fast: PolicyFile =
        serde_json::from_str(DEFAULT_POLICY_JSON).expect("compiled default deserializes");
    let slow = policy::parse(DEFAULT_POLICY, "default.toml").expect("default.toml parses");
    assert_eq!(
        serde_json::to_value(&fast).unwrap(),
        serde_json::to_value(&slow).unwrap()
    );
    let layer = policy::default_layer().unwrap();
    assert_eq!(
        serde_json::to_value(&layer.file).unwrap(),
        serde_json::to_value(&slow).unwrap()
    );
    assert_eq!(layer.text, DEFAULT_POLICY);
}

#[test]
fn compiled_default_keeps_every_rule_and_test() {
    let slow = policy::parse(DEFAULT_POLICY, "default.toml").unwrap();
    let layer = policy::default_layer().unwrap();
    assert!(!slow.rules.is_empty());
    let ids = |f: &PolicyFile| f.rules.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&layer.file), ids(&slow));
    assert_eq!(layer.file.tests.len(), slow.tests.len());
}
