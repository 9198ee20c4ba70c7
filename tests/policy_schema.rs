//! The JSON Schema of policy files: docs/policy.schema.json is what `policy::schema` generates
//! from the model's types (`HOOKWARDEN_BLESS=1 cargo test --test policy_schema` rewrites it),
//! and every policy the project ships or tests with validates against it, while a misspelt
//! field or a wrong word does not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hookwarden::policy::{self, schema};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&schema::policy_schema()).unwrap();
    jsonschema::draft7::new(&schema).unwrap()
}

/// A policy text as the JSON the schema describes.
fn as_json(text: &str) -> Value {
    serde_json::to_value(toml::from_str::<toml::Value>(text).unwrap()).unwrap()
}

fn errors(v: &jsonschema::Validator, text: &str) -> Vec<String> {
    v.iter_errors(&as_json(text))
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let path = root().join("docs/policy.schema.json");
    let generated = schema::policy_schema();
    if std::env::var_os("HOOKWARDEN_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/policy.schema.json differs from `hookwarden policy schema`: run `HOOKWARDEN_BLESS=1 cargo test --test policy_schema` and commit it"
    );
}

/// Every policy TOML under tests/ that the parser accepts.
fn test_policies(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            test_policies(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            let text = std::fs::read_to_string(&p).unwrap();
            if policy::parse(&text, "t").is_ok() {
                out.push(p);
            }
        }
    }
}

#[test]
fn shipped_and_test_policies_validate() {
    let v = validator();
    assert_eq!(errors(&v, policy::DEFAULT_POLICY), Vec::<String>::new());
    let mut files = Vec::new();
    test_policies(&root().join("tests"), &mut files);
    assert!(
        files.iter().any(|f| f.ends_with("every-feature.toml")),
        "{files:?}"
    );
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert_eq!(errors(&v, &text), Vec::<String>::new(), "{}", f.display());
    }
}

#[test]
fn what_the_parser_refuses_the_schema_refuses() {
    let v = validator();
    for text in [
        "[[rule]]\nidd = \"x\"\neffect = \"deny\"\n",
        "[[rule]]\nid = \"x\"\neffect = \"block\"\n",
        "[[rule]]\nid = \"x\"\neffect = \"deny\"\nwhen = { flagg = \"shell.exec\" }\n",
        "[[rule]]\nid = \"x\"\neffect = \"deny\"\nrisk = 101\n",
        "[[exception]]\nrule = \"fs.recursive-delete\"\ndisable = true\n",
        "[policy]\nmode = \"loud\"\n",
    ] {
        assert!(!errors(&v, text).is_empty(), "{text}");
        if !text.contains("risk") {
            assert!(policy::parse(text, "t").is_err(), "{text}");
        }
    }
}
