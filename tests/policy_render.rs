//! Policies written back as TOML round-trip: what `policy::render` writes (and so what
//! `policy show --effective --toml` prints) parses under the strict schema and compiles to the
//! same policy: the same rules, the same decisions on the inline tests. Checked on the default
//! policy and on tests/fixtures/policy/every-feature.toml, which uses every field of the model.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Sandbox;
use hookwarden::policy::model::PolicyFile;
use hookwarden::policy::{self, render, testing, CompiledPolicy, Scope};
use serde_json::Value;
use std::path::Path;

fn every_feature() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policy/every-feature.toml");
    std::fs::read_to_string(p).unwrap()
}

fn compile(scope: Scope, text: &str) -> CompiledPolicy {
    let layer = policy::parse_layer(scope, "<test>", text.to_string())
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    policy::compile(&[layer]).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// A compiled rule without where it (and its exceptions) came from: rendered as one file,
/// every rule and exception is the org's.
fn rule_json(r: &hookwarden::policy::CompiledRule) -> Value {
    let mut v = serde_json::to_value(r).unwrap();
    let m = v.as_object_mut().unwrap();
    m.remove("scope");
    m.remove("origin");
    for e in m["exceptions"].as_array_mut().unwrap() {
        let e = e.as_object_mut().unwrap();
        e.remove("scope");
        e.remove("origin");
    }
    v
}

/// What the exceptions relax, and why, without where they are written.
fn relaxations(p: &CompiledPolicy) -> Vec<(String, String, Option<String>, String)> {
    p.relaxations
        .iter()
        .map(|x| {
            (
                x.rule.clone(),
                x.what.clone(),
                x.when.clone(),
                x.reason.clone(),
            )
        })
        .collect()
}

/// Same rules, lists, teams, settings; the same decision on every test of `tests`.
fn assert_same_policy(a: &CompiledPolicy, b: &CompiledPolicy, tests: &CompiledPolicy) {
    let ids = |p: &CompiledPolicy| p.rules.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(a), ids(b));
    for (x, y) in a.rules.iter().zip(&b.rules) {
        assert_eq!(rule_json(x), rule_json(y), "rule {}", x.id);
    }
    assert_eq!(
        serde_json::to_value(&a.regexes).unwrap(),
        serde_json::to_value(&b.regexes).unwrap()
    );
    assert_eq!(relaxations(a), relaxations(b));
    assert_eq!(a.lists, b.lists);
    assert_eq!(a.teams, b.teams);
    assert_eq!(a.escalation, b.escalation);
    assert_eq!(a.alerts, b.alerts);
    assert_eq!(a.env_names, b.env_names);
    assert!(!tests.tests.is_empty());
    for (origin, t) in &tests.tests {
        let ev = testing::event_for(t);
        let (da, db) = (testing::decide(a, &ev), testing::decide(b, &ev));
        assert_eq!(
            (da.effect, da.would_effect, &da.rule_ids),
            (db.effect, db.would_effect, &db.rule_ids),
            "test {:?} of {origin}",
            t.name
        );
    }
}

/// The file as the model reads it, for comparing two texts.
fn model_json(text: &str) -> Value {
    let f: PolicyFile = toml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    serde_json::to_value(f).unwrap()
}

#[test]
fn the_default_policy_renders_to_itself() {
    let text = policy::DEFAULT_POLICY;
    let file: PolicyFile = toml::from_str(text).unwrap();
    let out = render::policy_file(&file).unwrap();
    assert_eq!(model_json(&out), model_json(text));
    let before = compile(Scope::Default, text);
    let after = compile(Scope::Default, &out);
    assert_same_policy(&before, &after, &before);
    assert_eq!(after.tests.len(), before.tests.len());
    // Readable as the original: conditions inline, one blank line between tables.
    assert!(out.contains("\nwhen = { flag = \"shell.recursive_delete\" }\n"));
    assert!(!out.contains("\n\n\n"));
    assert!(!out.contains("[rule.when]"));
}

#[test]
fn every_field_of_the_model_renders_and_compiles_the_same() {
    let text = every_feature();
    let file: PolicyFile = toml::from_str(&text).unwrap();
    let out = render::policy_file(&file).unwrap();
    assert_eq!(model_json(&out), model_json(&text), "{out}");
    let before = compile(Scope::Org, &text);
    let after = compile(Scope::Org, &out);
    assert_same_policy(&before, &after, &before);
    let results = testing::run_tests(&after);
    assert!(results.iter().all(|r| r.passed), "{results:?}");
}

/// Runs `policy show --effective --toml` and compiles its output alone, as an org policy.
fn show_round_trip(env: &Sandbox) -> (String, CompiledPolicy) {
    let out = env
        .run(&["policy", "show", "--effective", "--toml"])
        .ok()
        .stdout;
    let compiled = compile(Scope::Org, &out);
    (out, compiled)
}

fn effective(env: &Sandbox) -> CompiledPolicy {
    let loc = policy::Locations {
        org: Some(env.org_policy()),
        user: Some(env.user_policy()),
        project: None,
    };
    policy::compile(&policy::load_layers(&loc).unwrap()).unwrap()
}

#[test]
fn show_effective_toml_round_trips_the_default_policy() {
    let env = Sandbox::new();
    let (out, shown) = show_round_trip(&env);
    let default = compile(Scope::Default, policy::DEFAULT_POLICY);
    assert_same_policy(&default, &shown, &default);
    assert!(
        out.contains("# from default scope, <embedded default>:"),
        "{out}"
    );
    assert!(out.contains("inherit_default = false"), "{out}");
    // Every test of the layers comes along, and passes in the rendered file.
    assert_eq!(shown.tests.len(), default.tests.len());
    assert!(testing::run_tests(&shown).iter().all(|r| r.passed));
}

#[test]
fn show_effective_toml_round_trips_every_feature_over_the_default() {
    let env = Sandbox::new();
    // Kept on the default, with a user layer on top: three layers merged into one file.
    let org = every_feature()
        .replace("inherit_default = false\n", "")
        .replace("user_exceptions = false\n", "")
        .replace("mode = \"audit\"\ndescription", "description");
    env.write("org-policy.toml", &org);
    env.write(
        "user-policy.toml",
        r#"[policy]
name = "mine"
mode = "audit"

[lists]
internal_hosts = ["evil.example"]

[[rule]]
id = "user.curl"
description = "Watch curl."
effect = "alert"
when = { program = "curl" }

[[exception]]
rule = "git.force-push"
when = { program = "git", args_any = ["feature/*"] }
reason = "Feature branches are mine to rewrite."

[[test]]
command = "curl https://example.com"
expect = "alert"
"#,
    );
    let (out, shown) = show_round_trip(&env);
    let merged = effective(&env);
    assert_same_policy(&merged, &shown, &merged);
    // The exceptions of both layers come along, each under a note naming its scope.
    assert_eq!(merged.relaxations.len(), 4);
    assert!(out.contains("# from user scope, "), "{out}");
    assert!(
        out.contains("[[exception]]\nrule = \"git.force-push\""),
        "{out}"
    );
    // The user's addition to the org's `internal_hosts` counts for the org's alert rule (its
    // host conditions name it beside the list) and leaves the list itself as the org wrote it.
    assert!(
        out.contains(r#"internal_hosts = ["*.internal.example.com", "api.stripe.com"]"#),
        "{out}"
    );
    assert!(
        out.contains(r#"hosts_outside = ["@internal_hosts", "evil.example"]"#),
        "{out}"
    );
    // The user layer's audit mode stays on its rule.
    let curl = out.find("id = \"user.curl\"").unwrap();
    assert!(out[curl..].contains("mode = \"audit\""), "{out}");
    assert!(out.contains("[policy.escalation]") && out.contains("[alerts]"));
}
