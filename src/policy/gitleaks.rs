//! A gitleaks configuration as policy detectors: `hookwarden policy import --gitleaks FILE`.
//!
//! Each `[[rules]]` entry (id, regex, keywords, entropy, secretGroup, allowlists) becomes one
//! `[[detector]]` ([`super::model::DetectorDef`]), so a team keeps the secret formats it already
//! wrote. What cannot be carried over is reported with the reason, never dropped silently: a
//! rule whose regex uses Go syntax the Rust regex engine lacks (`\Q…\E`, octal escapes, `\C`)
//! or is too big for it, a rule that matches file paths only, a rule with no keyword and no
//! literal to look for. What changes meaning is noted: allowlists over file paths or commits
//! (tool output has neither) are left out, so the detector finds more, never less.
//!
//! Rules are read leniently (gitleaks adds fields between versions); the detectors written
//! are checked as the policy compiler checks them.

use super::model::{DetectorDef, PolicyFile, PolicyMeta};
use crate::decision::Effect;
use crate::signals::secrets::custom::{Detector, DetectorSpec};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Config {
    title: Option<String>,
    extend: Option<toml::Value>,
    allowlist: Option<Allowlist>,
    allowlists: Vec<Allowlist>,
    rules: Vec<GlRule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct GlRule {
    id: String,
    description: String,
    regex: Option<String>,
    secret_group: Option<usize>,
    entropy: Option<f64>,
    keywords: Vec<String>,
    path: Option<String>,
    allowlist: Option<Allowlist>,
    allowlists: Vec<Allowlist>,
    skip_report: bool,
    required: Vec<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Allowlist {
    condition: Option<String>,
    regex_target: Option<String>,
    regexes: Vec<String>,
    stopwords: Vec<String>,
    paths: Vec<String>,
    commits: Vec<String>,
}

/// What an import gives: the detectors, the rules left out and why, and notes on rules whose
/// meaning changed.
#[derive(Debug, Default)]
pub struct Import {
    pub title: Option<String>,
    pub detectors: Vec<DetectorDef>,
    /// `(rule id, reason)` of every rule not imported.
    pub skipped: Vec<(String, String)>,
    /// `(rule id or "config", note)`.
    pub notes: Vec<(String, String)>,
}

/// Why a gitleaks file could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: not a gitleaks configuration: {message}")]
pub struct ImportError {
    pub origin: String,
    pub message: String,
}

/// Translates a gitleaks configuration's text.
pub fn import(text: &str, origin: &str) -> Result<Import, ImportError> {
    let config: Config = toml::from_str(text).map_err(|e| ImportError {
        origin: origin.to_string(),
        message: e.message().to_string(),
    })?;
    let mut out = Import {
        title: config.title.clone(),
        ..Import::default()
    };
    if config.extend.is_some() {
        out.notes.push((
            "config".into(),
            "[extend] is not followed: gitleaks' own default rules are not imported (hookwarden's built-in catalogue covers the providers it knows)".into(),
        ));
    }
    let global: Vec<&Allowlist> = config
        .allowlist
        .iter()
        .chain(config.allowlists.iter())
        .collect();
    let mut global_allow = Vec::new();
    for a in &global {
        global_allow.extend(allow_patterns(a, "config", &mut out.notes));
    }
    let builtin = crate::signals::known_kinds();
    for rule in &config.rules {
        match translate(rule, &global_allow, &mut out.notes) {
            Err(reason) => out.skipped.push((rule.id.clone(), reason)),
            Ok(mut def) => {
                let mut id = def.id.clone();
                if builtin.contains(&id.as_str()) {
                    id = format!("gitleaks.{id}");
                    out.notes.push((
                        rule.id.clone(),
                        format!("named `{id}`: `{}` is a built-in finding kind", def.id),
                    ));
                }
                let base = id.clone();
                let mut n = 2;
                while out.detectors.iter().any(|d| d.id == id) {
                    id = format!("{base}-{n}");
                    n += 1;
                }
                def.id = id;
                out.detectors.push(def);
            }
        }
    }
    Ok(out)
}

/// One rule as a detector, or why it cannot be one.
fn translate(
    rule: &GlRule,
    global_allow: &[String],
    notes: &mut Vec<(String, String)>,
) -> Result<DetectorDef, String> {
    let rid = rule.id.as_str();
    if rid.trim().is_empty() {
        return Err("the rule has no id".into());
    }
    if rule.skip_report {
        return Err("skipReport: it only serves gitleaks' composite rules".into());
    }
    let Some(regex) = rule.regex.as_deref().filter(|r| !r.is_empty()) else {
        return Err(match &rule.path {
            Some(_) => "it matches file paths only, and tool output has no file path".into(),
            None => "it has no regex".into(),
        });
    };
    if let Some(why) = go_only_syntax(regex) {
        return Err(why);
    }
    if rule.path.is_some() {
        notes.push((
            rid.into(),
            "its `path` condition is left out: it runs on every text".into(),
        ));
    }
    if !rule.required.is_empty() {
        notes.push((
            rid.into(),
            "its `required` companion rules are left out: it reports on its own".into(),
        ));
    }
    let mut keywords: Vec<String> = rule
        .keywords
        .iter()
        .map(|k| k.to_ascii_lowercase())
        .filter(|k| k.len() >= 2)
        .collect();
    if keywords.len() < rule.keywords.len() {
        // A one-character keyword cannot be searched for; dropping it would hide matches.
        keywords.clear();
    }
    if keywords.is_empty() {
        keywords = literal_prefixes(regex).ok_or_else(|| {
            "it has no keyword of two or more characters, and its regex no literal prefix to look for: add `keywords`".to_string()
        })?;
        notes.push((
            rid.into(),
            format!(
                "no usable keywords: its regex's literal prefixes are used ({})",
                keywords.join(", ")
            ),
        ));
    }
    let mut allow = global_allow.to_vec();
    for a in rule.allowlist.iter().chain(rule.allowlists.iter()) {
        allow.extend(allow_patterns(a, rid, notes));
    }
    let def = DetectorDef {
        id: sanitize(rid),
        description: rule.description.clone(),
        regex: regex.to_string(),
        keywords,
        entropy: rule.entropy.filter(|e| *e > 0.0),
        secret_group: rule.secret_group.filter(|g| *g > 0),
        allow,
        effect: Effect::Redact,
        examples: Vec::new(),
        not_examples: Vec::new(),
    };
    let spec = DetectorSpec {
        id: def.id.clone(),
        regex: def.regex.clone(),
        keywords: def.keywords.clone(),
        entropy: def.entropy.map(|e| e as f32),
        secret_group: def.secret_group,
        allow: def.allow.clone(),
    };
    Detector::new(&spec).map_err(|e| {
        let m = e.to_string();
        let m = m
            .split_once(": ")
            .map_or(m.as_str(), |(_, r)| r)
            .to_string();
        format!(
            "the Rust regex engine refuses it: {}",
            m.lines()
                .rfind(|l| !l.trim().is_empty())
                .unwrap_or(&m)
                .trim()
        )
    })?;
    Ok(def)
}

/// Go regex syntax the Rust engine has no equivalent of, named.
fn go_only_syntax(regex: &str) -> Option<String> {
    let b = regex.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'\\' {
            match b[i + 1] {
                b'Q' => return Some("Go's `\\Q…\\E` quoting is not Rust regex syntax".into()),
                b'C' => return Some("Go's `\\C` (any byte) is not Rust regex syntax".into()),
                b'0'..=b'7' if b.get(i + 2).is_some_and(u8::is_ascii_digit) => {
                    return Some("Go's octal escapes (`\\123`) are not Rust regex syntax".into())
                }
                _ => {}
            }
            i += 2;
            continue;
        }
        i += 1;
    }
    None
}

/// The literal prefixes every match starts with, lowercased, when there are few enough and
/// each is long enough to be worth searching for.
fn literal_prefixes(regex: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(regex)
        .ok()?;
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    let mut out: Vec<String> = seq
        .literals()?
        .iter()
        .map(|l| String::from_utf8_lossy(l.as_bytes()).to_ascii_lowercase())
        .collect();
    out.sort();
    out.dedup();
    (!out.is_empty() && out.len() <= 64 && out.iter().all(|l| l.len() >= 3)).then_some(out)
}

/// A gitleaks allowlist's patterns over the secret; what does not apply to a tool's output is
/// noted.
fn allow_patterns(a: &Allowlist, rid: &str, notes: &mut Vec<(String, String)>) -> Vec<String> {
    let and = a
        .condition
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("and"));
    let has_paths = !a.paths.is_empty() || !a.commits.is_empty();
    if has_paths {
        notes.push((
            rid.into(),
            "allowlist paths and commits are left out: tool output has neither".into(),
        ));
    }
    if and && has_paths {
        notes.push((
            rid.into(),
            "an AND allowlist that needs a path or a commit is left out whole".into(),
        ));
        return Vec::new();
    }
    let mut out = Vec::new();
    match a.regex_target.as_deref() {
        Some("match") | Some("line") if !a.regexes.is_empty() => notes.push((
            rid.into(),
            format!(
                "allowlist regexes over the {} are left out: detectors allow by the secret",
                a.regex_target.as_deref().unwrap_or("match")
            ),
        )),
        _ => out.extend(a.regexes.iter().cloned()),
    }
    out.extend(
        a.stopwords
            .iter()
            .filter(|w| !w.is_empty())
            .map(|w| format!("(?i){}", regex::escape(w))),
    );
    out
}

/// A gitleaks id as a finding kind: lowercase letters, digits, `-`, `_`, `.`.
fn sanitize(id: &str) -> String {
    id.trim()
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

impl Import {
    /// The policy file of the imported detectors, with what was left out and why as comments
    /// at its top.
    pub fn policy_text(&self, origin: &str) -> Result<String, super::render::Error> {
        let file = PolicyFile {
            policy: PolicyMeta {
                name: "gitleaks-import".into(),
                description: format!(
                    "Detectors imported from the gitleaks configuration {origin}{}.",
                    self.title
                        .as_deref()
                        .map(|t| format!(" ({t})"))
                        .unwrap_or_default()
                ),
                ..PolicyMeta::default()
            },
            detectors: self.detectors.clone(),
            ..PolicyFile::default()
        };
        let mut header = vec![format!(
            "Imported by `hookwarden policy import --gitleaks {origin}`: {} detector(s), {} rule(s) left out.",
            self.detectors.len(),
            self.skipped.len()
        )];
        for (id, why) in &self.skipped {
            header.push(format!("left out `{id}`: {why}"));
        }
        for (id, note) in &self.notes {
            header.push(format!("note on `{id}`: {note}"));
        }
        let mut w = super::render::Writer::new();
        w.header(&header);
        let body = super::render::policy_file(&file)?;
        Ok(format!("{}{body}", w.finish()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const CONFIG: &str = r#"
title = "acme secrets"

[extend]
useDefault = true

[allowlist]
description = "global"
stopwords = ["example"]
paths = ['''^vendor/''']

[[rules]]
id = "acme-api-token"
description = "ACME API token"
regex = '''(?i)\b(acme_[a-z0-9]{32})\b'''
secretGroup = 1
entropy = 3.0
keywords = ["acme_"]
[[rules.allowlists]]
regexTarget = "secret"
regexes = ['''^acme_0{32}$''']

[[rules]]
id = "Widget Key"
regex = '''wk-[0-9A-F]{24}'''

[[rules]]
id = "quoted"
regex = '''\Qsk.\E[0-9]{10}'''
keywords = ["sk."]

[[rules]]
id = "pem-file"
path = '''\.pem$'''

[[rules]]
id = "octal"
regex = '''tok\101[0-9]{8}'''
keywords = ["tok"]

[[rules]]
id = "no-literal"
regex = '''[A-Z]{3}[0-9]{20}'''

[[rules]]
id = "github-pat"
regex = '''ghp_[0-9a-zA-Z]{36}'''
keywords = ["ghp_"]
"#;

    #[test]
    fn rules_become_detectors_and_the_rest_is_reported() {
        let imp = import(CONFIG, "gitleaks.toml").unwrap();
        let ids: Vec<&str> = imp.detectors.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["acme-api-token", "widget-key", "gitleaks.github-pat"]);
        let acme = &imp.detectors[0];
        assert_eq!(acme.secret_group, Some(1));
        assert_eq!(acme.entropy, Some(3.0));
        assert_eq!(acme.keywords, ["acme_"]);
        assert_eq!(acme.allow, ["(?i)example", "^acme_0{32}$"]);
        // No keyword: the regex's literal prefix gates it.
        assert_eq!(imp.detectors[1].keywords, ["wk-"]);
        let skipped: Vec<(&str, &str)> = imp
            .skipped
            .iter()
            .map(|(id, why)| (id.as_str(), why.as_str()))
            .collect();
        assert_eq!(skipped.len(), 4, "{skipped:?}");
        assert!(skipped[0].0 == "quoted" && skipped[0].1.contains("\\Q"));
        assert!(skipped[1].0 == "pem-file" && skipped[1].1.contains("file paths only"));
        assert!(skipped[2].0 == "octal" && skipped[2].1.contains("octal"));
        assert!(skipped[3].0 == "no-literal" && skipped[3].1.contains("add `keywords`"));
        let notes = format!("{:?}", imp.notes);
        assert!(
            notes.contains("[extend]") && notes.contains("paths and commits"),
            "{notes}"
        );
    }

    #[test]
    fn the_imported_policy_compiles_and_finds_its_secrets() {
        let imp = import(CONFIG, "gitleaks.toml").unwrap();
        let text = imp.policy_text("gitleaks.toml").unwrap();
        assert!(text.contains("# left out `quoted`"), "{text}");
        let layer =
            crate::policy::parse_layer(crate::policy::Scope::User, "imported.toml", text).unwrap();
        let p = crate::policy::compile(&[layer]).unwrap();
        assert_eq!(p.detectors.len(), 3);
        let d = p.compiled_detectors();
        let tok = "acme_Zk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5cA";
        let found = d.scan(&format!(
            "key={tok} wk-0123456789ABCDEF01234567 acme_00000000000000000000000000000000 acme_example0000000000000000000000"
        ));
        let kinds: Vec<&str> = found.iter().map(|f| f.kind.as_str()).collect();
        assert_eq!(kinds, ["acme-api-token", "widget-key"], "{found:?}");
        assert_eq!(found[0].end - found[0].start, tok.len());
    }

    #[test]
    fn a_file_that_is_no_toml_is_an_error() {
        let e = import("rules = [", "x.toml").unwrap_err();
        assert!(e
            .to_string()
            .starts_with("x.toml: not a gitleaks configuration"));
    }
}
