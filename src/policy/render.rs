//! Policy files as text: the model ([`PolicyFile`], [`Rule`], [`PolicyTest`], ...) written back
//! as TOML in the layout policies/default.toml uses, so what hookwarden writes reads like what
//! people write. Conditions, activation and rate limits stay inline tables on one line; lineage
//! and policy metadata get their own `[rule.lineage]` / `[policy.metadata]` tables; long lists
//! break one item per line; tests read "given ..., expect ...". Comments can precede any table.
//!
//! Used by `policy show --effective --toml` and `policy draft`. What it writes parses under
//! the strict schema and compiles to the policy it was rendered from (tests/policy_render.rs).
//!
//! Every field comes from the model's serde form, so a field added to the model is rendered
//! without a change here; only the layout choices below are by name.

use crate::decision::Mode;
use crate::policy::model::{
    AlertSettings, AuditSettings, DetectorDef, Exception, PolicyFile, PolicyMeta, PolicyTest, Rule,
};
use serde::Serialize;
use std::collections::BTreeMap;
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

pub use toml_edit::ser::Error;

/// Arrays longer than this on one line are written one item per line.
const MAX_INLINE_ARRAY: usize = 96;

/// A policy file being written: tables appear in the order they are added, each with the
/// comment lines given for it.
#[derive(Debug, Default)]
pub struct Writer {
    doc: DocumentMut,
    tables: usize,
    header: bool,
}

impl Writer {
    pub fn new() -> Writer {
        Writer::default()
    }

    /// Comment lines at the top of the file (each without its `# `; an empty line is `#`).
    pub fn header(&mut self, lines: &[String]) {
        if !lines.is_empty() {
            self.header = true;
            self.doc.decor_mut().set_prefix(comments(lines));
        }
    }

    /// `[policy]`, with `[policy.metadata]` and `[policy.escalation]` below it. Fields at their
    /// default (`mode = "enforce"`, `inherit_default = true`) are left out.
    pub fn meta(&mut self, meta: &PolicyMeta, note: &[String]) -> Result<(), Error> {
        let mut t = table_of(meta)?;
        if meta.mode == Mode::Enforce {
            t.remove("mode");
        }
        if meta.inherit_default {
            t.remove("inherit_default");
        }
        if meta.user_exceptions {
            t.remove("user_exceptions");
        }
        for sub in ["metadata", "escalation"] {
            promote(&mut t, sub);
        }
        self.place("policy", t, note, false);
        Ok(())
    }

    /// A table of named string lists: `[lists]` or `[teams]`.
    pub fn lists(
        &mut self,
        name: &str,
        lists: &BTreeMap<String, Vec<String>>,
        note: &[String],
    ) -> Result<(), Error> {
        if lists.is_empty() {
            return Ok(());
        }
        let t = table_of(lists)?;
        self.place(name, t, note, false);
        Ok(())
    }

    /// One `[[rule]]`, lineage as `[rule.lineage]` below it. `overridable` and `disabled` are
    /// written only when true.
    pub fn rule(&mut self, rule: &Rule, note: &[String]) -> Result<(), Error> {
        let mut t = table_of(rule)?;
        for flag in ["overridable", "disabled"] {
            if t.get(flag).and_then(|v| v.as_bool()) == Some(false) {
                t.remove(flag);
            }
        }
        promote(&mut t, "lineage");
        self.place("rule", t, note, true);
        Ok(())
    }

    /// One `[[exception]]`: the rule it relaxes first, then what it does, then its reason.
    pub fn exception(&mut self, exc: &Exception, note: &[String]) -> Result<(), Error> {
        let mut t = table_of(exc)?;
        let order = |k: &str| match k {
            "rule" => 0,
            "reason" => 2,
            _ => 1,
        };
        t.sort_values_by(|k1, _, k2, _| order(k1.get()).cmp(&order(k2.get())));
        self.place("exception", t, note, true);
        Ok(())
    }

    /// One `[[test]]`: its name first, then the event, the content, the expected effect and the
    /// rules that must (not) fire.
    pub fn test(&mut self, test: &PolicyTest, note: &[String]) -> Result<(), Error> {
        let mut t = table_of(test)?;
        let order = |k: &str| match k {
            "name" => 0,
            "content" | "tool_input" => 2,
            "expect" => 3,
            "fires" | "not_fires" => 4,
            _ => 1,
        };
        t.sort_values_by(|k1, _, k2, _| order(k1.get()).cmp(&order(k2.get())));
        self.place("test", t, note, true);
        Ok(())
    }

    /// One `[[detector]]`.
    pub fn detector(&mut self, detector: &DetectorDef, note: &[String]) -> Result<(), Error> {
        let t = table_of(detector)?;
        self.place("detector", t, note, true);
        Ok(())
    }

    /// `[alerts]`.
    pub fn alerts(&mut self, alerts: &AlertSettings, note: &[String]) -> Result<(), Error> {
        let mut t = table_of(alerts)?;
        if !alerts.syslog {
            t.remove("syslog");
        }
        self.place("alerts", t, note, false);
        Ok(())
    }

    /// `[audit]`.
    pub fn audit(&mut self, audit: &AuditSettings, note: &[String]) -> Result<(), Error> {
        let t = table_of(audit)?;
        self.place("audit", t, note, false);
        Ok(())
    }

    pub fn finish(self) -> String {
        self.doc.to_string()
    }

    fn place(&mut self, key: &str, mut t: Table, note: &[String], array: bool) {
        let first = self.tables == 0 && !self.header;
        let blank = if first { "" } else { "\n" };
        t.decor_mut()
            .set_prefix(format!("{blank}{}", comments(note)));
        self.tables += 1;
        t.set_position(self.tables);
        let root = self.doc.as_table_mut();
        if array {
            let entry = root
                .entry(key)
                .or_insert_with(|| Item::ArrayOfTables(Default::default()));
            if let Some(a) = entry.as_array_of_tables_mut() {
                a.push(t);
            }
        } else {
            root.insert(key, Item::Table(t));
        }
    }
}

/// Renders a whole policy file: `[policy]`, `[lists]`, `[teams]`, `[alerts]`, the rules, the
/// exceptions, detectors, then the tests.
pub fn policy_file(file: &PolicyFile) -> Result<String, Error> {
    let mut w = Writer::new();
    w.meta(&file.policy, &[])?;
    w.lists("lists", &file.lists, &[])?;
    w.lists("teams", &file.teams, &[])?;
    if let Some(a) = &file.alerts {
        w.alerts(a, &[])?;
    }
    if let Some(a) = &file.audit {
        w.audit(a, &[])?;
    }
    for r in &file.rules {
        w.rule(r, &[])?;
    }
    for e in &file.exceptions {
        w.exception(e, &[])?;
    }
    for d in &file.detectors {
        w.detector(d, &[])?;
    }
    for t in &file.tests {
        w.test(t, &[])?;
    }
    Ok(w.finish())
}

/// A value on one line, as conditions are written (`{ program = "git", subcommand = "push" }`).
pub fn inline<T: Serialize + ?Sized>(v: &T) -> Result<String, Error> {
    Ok(value_of(v)?.to_string().trim().to_string())
}

fn value_of<T: Serialize + ?Sized>(v: &T) -> Result<Value, Error> {
    v.serialize(toml_edit::ser::ValueSerializer::new())
}

/// The fields of a struct or map as a table: nested values stay inline, long arrays break.
fn table_of<T: Serialize + ?Sized>(v: &T) -> Result<Table, Error> {
    let inline = match value_of(v)? {
        Value::InlineTable(t) => t,
        _ => return Err(Error::UnsupportedType(None)),
    };
    let mut t = inline.into_table();
    for (_, item) in t.iter_mut() {
        if let Some(Value::Array(a)) = item.as_value_mut() {
            wrap(a);
        }
    }
    Ok(t)
}

/// Makes the inline table at `key` a table of its own (`[policy.metadata]`, `[rule.lineage]`).
fn promote(t: &mut Table, key: &str) {
    let Some(Item::Value(Value::InlineTable(_))) = t.get(key) else {
        return;
    };
    if let Some(Item::Value(Value::InlineTable(it))) = t.remove(key) {
        let mut sub = sub_table(it);
        sub.decor_mut().set_prefix("\n");
        t.insert(key, Item::Table(sub));
    }
}

fn sub_table(it: InlineTable) -> Table {
    let mut t = it.into_table();
    for (_, item) in t.iter_mut() {
        if let Some(Value::Array(a)) = item.as_value_mut() {
            wrap(a);
        }
    }
    t
}

/// One item per line when the array is long.
fn wrap(a: &mut Array) {
    if a.to_string().len() <= MAX_INLINE_ARRAY {
        return;
    }
    for v in a.iter_mut() {
        v.decor_mut().set_prefix("\n  ");
        v.decor_mut().set_suffix("");
    }
    a.set_trailing_comma(true);
    a.set_trailing("\n");
}

fn comments(lines: &[String]) -> String {
    lines
        .iter()
        .flat_map(|l| l.split('\n'))
        .map(|l| {
            if l.is_empty() {
                "#\n".to_string()
            } else {
                format!("# {l}\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn conditions_stay_inline_and_lineage_gets_its_table() {
        let text = r#"
[policy]
name = "p"

[[rule]]
id = "r"
effect = "deny"
when = { program = "git", subcommand = "push" }

[rule.lineage]
evidence = ["a"]
"#;
        let file: PolicyFile = toml::from_str(text).unwrap();
        let out = policy_file(&file).unwrap();
        assert!(
            out.contains(r#"when = { program = "git", subcommand = "push" }"#),
            "{out}"
        );
        assert!(
            out.contains("\n[rule.lineage]\nevidence = [\"a\"]\n"),
            "{out}"
        );
        assert!(!out.contains("overridable"), "{out}");
        assert!(!out.contains("mode"), "{out}");
    }

    #[test]
    fn comments_precede_their_table() {
        let mut w = Writer::new();
        w.header(&["top".into(), String::new(), "more".into()]);
        w.meta(&PolicyMeta::default(), &[]).unwrap();
        let rule: Rule =
            toml::from_str("id = \"r\"\neffect = \"alert\"\nwhen = { flag = \"x\" }").unwrap();
        w.rule(&rule, &["about r".into()]).unwrap();
        let out = w.finish();
        assert!(out.starts_with("# top\n#\n# more\n\n[policy]\n"), "{out}");
        assert!(out.contains("\n# about r\n[[rule]]\nid = \"r\""), "{out}");
    }
}
