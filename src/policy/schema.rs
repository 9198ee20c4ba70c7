//! The JSON Schema of a policy file, generated from the model's own types ([`model`]), so
//! that it cannot drift from what the parser accepts. Editors use it to complete and check
//! policy TOML (docs/policy.md, "Editor support"); the repository ships it as
//! docs/policy.schema.json and a test keeps that copy equal to this output.
//!
//! It describes the file's shape (fields, types, allowed words, no unknown fields). What needs
//! the other layers or the signals — a flag or path class no signal knows, an `@list` that
//! does not exist, a regex that does not parse — is checked by `policy validate`.

use super::model::PolicyFile;

/// The schema, as pretty JSON with a final newline: what `hookwarden policy schema` prints.
pub fn policy_schema() -> String {
    let mut schema = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<PolicyFile>();
    schema.insert("title".into(), "hookwarden policy file".into());
    schema.insert(
        "description".into(),
        "A hookwarden policy (TOML): [policy], [lists], [teams], [[rule]], [[exception]], [[test]], [alerts]. See docs/policy.md.".into(),
    );
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
