//! Evaluation: every rule is tested; every match is recorded; the strictest effect wins.

use super::glob;
use super::model::{Condition, InputCondition, OneOrMany};
use super::{CompiledPolicy, CompiledRule};
use crate::decision::Mode;
use crate::decision::{self, Decision, Effect, Fire, Redaction};
use crate::event::Event;
use crate::signals::Flag;
use regex::Regex;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;

/// What the evaluation may ask of the world beyond the event: the clock, the environment,
/// the git branch, identity, and stateful checks (rate limits). Tests inject their own.
pub trait EvalEnv {
    /// Seconds since the Unix epoch.
    fn now(&self) -> i64;
    fn env_var(&self, name: &str) -> Option<String>;
    fn branch(&self) -> Option<String>;
    fn user(&self) -> Option<String>;
    fn team(&self) -> Option<String>;
    /// Records one matching action for a rate-limited rule and says whether the limit is
    /// now exceeded. Without state (`check`), a limit is never exceeded.
    fn rate_exceeded(&self, _rule: &CompiledRule, _event: &Event) -> bool {
        false
    }
}

/// The environment of the hook process itself.
pub struct ProcessEnv {
    pub project_root: std::path::PathBuf,
    branch: std::sync::OnceLock<Option<String>>,
}

impl ProcessEnv {
    pub fn new(project_root: std::path::PathBuf) -> ProcessEnv {
        ProcessEnv {
            project_root,
            branch: std::sync::OnceLock::new(),
        }
    }
}

impl EvalEnv for ProcessEnv {
    fn now(&self) -> i64 {
        crate::time::now_secs()
    }

    fn env_var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn branch(&self) -> Option<String> {
        self.branch
            .get_or_init(|| read_branch(&self.project_root))
            .clone()
    }

    fn user(&self) -> Option<String> {
        // Managed hook calls: the OS user, not whatever `USER` the agent set.
        if crate::managed::locked() {
            return crate::approvers::user_name(rustix::process::geteuid().as_raw());
        }
        crate::managed::env_str("HOOKWARDEN_USER").or_else(|| std::env::var("USER").ok())
    }

    fn team(&self) -> Option<String> {
        crate::managed::env_str("HOOKWARDEN_TEAM")
    }
}

/// Reads the current branch from `.git/HEAD` (one small file read; no git process).
pub fn read_branch(root: &std::path::Path) -> Option<String> {
    let git = root.join(".git");
    let head_path = if git.is_file() {
        // A worktree: `.git` is a file naming the real git dir.
        let s = std::fs::read_to_string(&git).ok()?;
        let dir = s.trim().strip_prefix("gitdir:")?.trim().to_string();
        std::path::PathBuf::from(dir).join("HEAD")
    } else {
        git.join("HEAD")
    };
    let head = std::fs::read_to_string(head_path).ok()?;
    head.trim()
        .strip_prefix("ref: refs/heads/")
        .map(|s| s.to_string())
}

/// Whether `text` can hold a match of `pattern`, answered without compiling it where its
/// literal prefixes say no. Every match of a regex whose prefixes are a finite set of
/// non-empty literals starts with one of them, so a text holding none cannot match. Parsing
/// costs a tenth of compiling, and most prompt or output rules name words a given text lacks:
/// a policy of 100 prompt rules with distinct regexes no longer compiles 100 regexes per
/// prompt. Anything the extraction cannot bound (an unparsable or too case-rich pattern, an
/// empty prefix) is left to the regex.
fn may_match(pattern: &str, text: &str) -> bool {
    /// Per pattern, its literal prefixes, or `None` when they do not bound its matches.
    type Prefixes = HashMap<String, Option<Vec<Vec<u8>>>>;
    static PREFIXES: std::sync::OnceLock<Mutex<Prefixes>> = std::sync::OnceLock::new();
    let cache = PREFIXES.get_or_init(|| Mutex::new(HashMap::new()));
    let Ok(mut map) = cache.lock() else {
        return true;
    };
    let prefixes = map.entry(pattern.to_string()).or_insert_with(|| {
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(pattern)
            .ok()?;
        let seq = regex_syntax::hir::literal::Extractor::new().extract(&hir);
        let lits: Vec<Vec<u8>> = seq
            .literals()?
            .iter()
            .map(|l| l.as_bytes().to_vec())
            .collect();
        (!lits.is_empty() && lits.iter().all(|l| !l.is_empty())).then_some(lits)
    });
    match prefixes {
        None => true,
        Some(lits) => lits
            .iter()
            .any(|l| memchr::memmem::find(text.as_bytes(), l).is_some()),
    }
}

/// Regexes from rules, compiled on first use and shared for the process.
fn regex(pattern: &str) -> Option<Regex> {
    static CACHE: std::sync::OnceLock<Mutex<HashMap<String, Option<Regex>>>> =
        std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache.lock().ok()?;
    map.entry(pattern.to_string())
        .or_insert_with(|| Regex::new(pattern).ok())
        .clone()
}

fn any_glob(patterns: &OneOrMany, value: &str, policy: &CompiledPolicy) -> bool {
    patterns
        .as_slice()
        .iter()
        .any(|p| expand(p, policy).iter().any(|p| glob::matches(p, value)))
}

/// `@name` refers to a named list of the policy.
pub(super) fn expand<'a>(pattern: &'a str, policy: &'a CompiledPolicy) -> Vec<&'a str> {
    match pattern.strip_prefix('@') {
        Some(name) => policy
            .lists
            .get(name)
            .map(|v| v.iter().map(|s| s.as_str()).collect())
            .unwrap_or_default(),
        None => vec![pattern],
    }
}

/// The subcommand a `subcommand` condition tests: the flag's own, else its first argument
/// that is no option.
pub(crate) fn flag_subcommand(flag: &Flag) -> Option<&str> {
    flag.attrs
        .get("subcommand")
        .and_then(|v| v.as_str())
        .or_else(|| {
            flag.attrs
                .get("args")?
                .as_array()?
                .iter()
                .filter_map(|v| v.as_str())
                .find(|a| !a.starts_with('-'))
        })
}

impl Condition {
    /// Whether the condition names any flag-level test.
    pub fn has_flag_conditions(&self) -> bool {
        self.flag.is_some()
            || self.program.is_some()
            || self.subcommand.is_some()
            || self.args_any.is_some()
            || self.args_all.is_some()
            || self.args_regex.is_some()
            || self.paths_any.is_some()
            || self.paths_all.is_some()
            || self.paths_none.is_some()
            || self.path_glob.is_some()
            || self.hosts_any.is_some()
            || self.hosts_outside.is_some()
            || self.kinds.is_some()
            || !self.attrs.is_empty()
    }

    pub fn has_event_conditions(&self) -> bool {
        self.tool_kind.is_some()
            || self.tool.is_some()
            || self.mcp_server.is_some()
            || self.mcp_tool.is_some()
            || self.runtime.is_some()
            || self.model.is_some()
            || self.text_regex.is_some()
            || !self.input.is_empty()
            || !self.env.is_empty()
            || self.branch.is_some()
            || self.user.is_some()
            || self.team.is_some()
            || self.session.is_some()
    }

    /// The flag names this condition considers.
    pub fn flag_names(&self) -> Vec<&str> {
        match &self.flag {
            Some(f) => f.as_slice().iter().map(|s| s.as_str()).collect(),
            None if self.program.is_some()
                || self.subcommand.is_some()
                || self.args_any.is_some()
                || self.args_all.is_some()
                || self.args_regex.is_some() =>
            {
                vec!["shell.exec"]
            }
            None => Vec::new(),
        }
    }

    /// Event-level part.
    pub fn event_matches(&self, ev: &Event, env: &dyn EvalEnv, policy: &CompiledPolicy) -> bool {
        if let Some(k) = &self.tool_kind {
            let Some(kind) = ev.tool_kind() else {
                return false;
            };
            if !k.as_slice().iter().any(|s| s == kind.as_str()) {
                return false;
            }
        }
        if let Some(t) = &self.tool {
            match ev.tool_name() {
                Some(name) if any_glob(t, name, policy) => {}
                _ => return false,
            }
        }
        if let Some(s) = &self.mcp_server {
            match ev.tool.as_ref().and_then(|t| t.mcp_server.as_deref()) {
                Some(v) if any_glob(s, v, policy) => {}
                _ => return false,
            }
        }
        if let Some(s) = &self.mcp_tool {
            match ev.tool.as_ref().and_then(|t| t.mcp_tool.as_deref()) {
                Some(v) if any_glob(s, v, policy) => {}
                _ => return false,
            }
        }
        if let Some(r) = &self.runtime {
            if !r.as_slice().iter().any(|s| s == ev.runtime.as_str()) {
                return false;
            }
        }
        if let Some(m) = &self.model {
            match &ev.model {
                Some(v) if any_glob(m, v, policy) => {}
                _ => return false,
            }
        }
        if let Some(s) = &self.session {
            if !any_glob(s, &ev.session_id, policy) {
                return false;
            }
        }
        if let Some(re) = &self.text_regex {
            let text = ev.boundary_text().unwrap_or("");
            if !may_match(re, text) {
                return false;
            }
            match regex(re) {
                Some(re) if re.is_match(text) => {}
                _ => return false,
            }
        }
        for c in &self.input {
            if !input_matches(c, &ev.tool_input) {
                return false;
            }
        }
        for (name, pats) in &self.env {
            match env.env_var(name) {
                Some(v) if any_glob(pats, &v, policy) => {}
                _ => return false,
            }
        }
        if let Some(b) = &self.branch {
            match env.branch() {
                Some(v) if any_glob(b, &v, policy) => {}
                _ => return false,
            }
        }
        if let Some(u) = &self.user {
            match env.user() {
                Some(v) if any_glob(u, &v, policy) => {}
                _ => return false,
            }
        }
        if let Some(t) = &self.team {
            let explicit = env.team().is_some_and(|v| any_glob(t, &v, policy));
            // Membership from the org policy's [teams] table.
            let member = || {
                env.user().is_some_and(|u| {
                    policy
                        .teams
                        .iter()
                        .any(|(team, members)| members.contains(&u) && any_glob(t, team, policy))
                })
            };
            if !explicit && !member() {
                return false;
            }
        }
        true
    }

    /// Flag-level part, for one flag. Name tests are done by the caller.
    pub fn flag_matches(&self, flag: &Flag, policy: &CompiledPolicy) -> bool {
        let args: Vec<&str> = flag
            .attrs
            .get("args")
            .and_then(|a| a.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        if let Some(p) = &self.program {
            match flag.attrs.get("program").and_then(|v| v.as_str()) {
                Some(prog) if any_glob(p, prog, policy) => {}
                _ => return false,
            }
        }
        if let Some(s) = &self.subcommand {
            match flag_subcommand(flag) {
                Some(v) if any_glob(s, v, policy) => {}
                _ => return false,
            }
        }
        if let Some(pats) = &self.args_any {
            if !pats
                .iter()
                .any(|p| args.iter().any(|a| glob::matches(p, a)))
            {
                return false;
            }
        }
        if let Some(pats) = &self.args_all {
            if !pats
                .iter()
                .all(|p| args.iter().any(|a| glob::matches(p, a)))
            {
                return false;
            }
        }
        if let Some(re) = &self.args_regex {
            let joined = args.join(" ");
            match regex(re) {
                Some(re) if re.is_match(&joined) => {}
                _ => return false,
            }
        }
        if let Some(classes) = &self.paths_any {
            if !flag.paths.iter().any(|p| classes.iter().any(|c| p.has(c))) {
                return false;
            }
        }
        if let Some(classes) = &self.paths_all {
            // An exception needs evidence: no paths means "not all of them are safe".
            if flag.paths.is_empty() || !flag.paths.iter().all(|p| classes.iter().any(|c| p.has(c)))
            {
                return false;
            }
        }
        if let Some(classes) = &self.paths_none {
            if flag.paths.iter().any(|p| classes.iter().any(|c| p.has(c))) {
                return false;
            }
        }
        if let Some(g) = &self.path_glob {
            if !flag.paths.iter().any(|p| any_glob(g, &p.resolved, policy)) {
                return false;
            }
        }
        if let Some(h) = &self.hosts_any {
            if !flag.hosts.iter().any(|host| any_glob(h, host, policy)) {
                return false;
            }
        }
        if let Some(h) = &self.hosts_outside {
            if !flag.hosts.iter().any(|host| !any_glob(h, host, policy)) {
                return false;
            }
        }
        if let Some(k) = &self.kinds {
            let kinds_attr: Vec<&str> = flag
                .attrs
                .get("kinds")
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            let any = flag.findings.iter().any(|f| any_glob(k, &f.kind, policy))
                || kinds_attr.iter().any(|kind| any_glob(k, kind, policy));
            if !any {
                return false;
            }
        }
        for (key, want) in &self.attrs {
            match flag.attrs.get(key) {
                Some(have) if attr_matches(have, want) => {}
                _ => return false,
            }
        }
        true
    }
}

fn attr_matches(have: &Value, want: &toml::Value) -> bool {
    let want_json = toml_to_json(want);
    match have {
        Value::Array(items) if !want_json.is_array() => items.contains(&want_json),
        Value::String(s) => match &want_json {
            Value::String(w) => glob::matches(w, s),
            _ => false,
        },
        Value::Number(n) => match (&want_json, n.as_f64()) {
            (Value::Number(w), Some(h)) => w.as_f64() == Some(h),
            _ => false,
        },
        other => *other == want_json,
    }
}

pub fn toml_to_json(v: &toml::Value) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn input_matches(c: &InputCondition, input: &Value) -> bool {
    let found = input.pointer(&c.pointer);
    if let Some(want) = c.exists {
        if found.is_some() != want {
            return false;
        }
    }
    let needs_value = c.equals.is_some()
        || c.glob.is_some()
        || c.regex.is_some()
        || c.gt.is_some()
        || c.gte.is_some()
        || c.lt.is_some()
        || c.lte.is_some();
    if !needs_value {
        return true;
    }
    let Some(v) = found else { return false };
    if let Some(eq) = &c.equals {
        let want = toml_to_json(eq);
        let same = match (v, &want) {
            (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
            _ => *v == want,
        };
        if !same {
            return false;
        }
    }
    let as_text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Some(g) = &c.glob {
        if !glob::matches(g, &as_text) {
            return false;
        }
    }
    if let Some(re) = &c.regex {
        match regex(re) {
            Some(re) if re.is_match(&as_text) => {}
            _ => return false,
        }
    }
    let num = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let cmp = |bound: Option<f64>, ok: fn(f64, f64) -> bool| match bound {
        None => true,
        Some(b) => num.is_some_and(|n| ok(n, b)),
    };
    cmp(c.gt, |n, b| n > b)
        && cmp(c.gte, |n, b| n >= b)
        && cmp(c.lt, |n, b| n < b)
        && cmp(c.lte, |n, b| n <= b)
}

/// The flags of `flags` that a condition selects, or `None` when it does not match the event.
/// A condition without flag tests selects no flag but matches.
fn select<'f>(
    cond: &Condition,
    ev: &Event,
    flags: &'f [Flag],
    env: &dyn EvalEnv,
    policy: &CompiledPolicy,
) -> Option<Vec<&'f Flag>> {
    if !cond.event_matches(ev, env, policy) {
        return None;
    }
    if !cond.has_flag_conditions() {
        return Some(Vec::new());
    }
    let names = cond.flag_names();
    let picked: Vec<&Flag> = flags
        .iter()
        .filter(|f| names.is_empty() || names.iter().any(|n| glob::matches(n, &f.name)))
        .filter(|f| cond.flag_matches(f, policy))
        .collect();
    if picked.is_empty() {
        None
    } else {
        Some(picked)
    }
}

/// Does the rule match; if so, which flags made it.
pub fn rule_matches<'f>(
    rule: &CompiledRule,
    ev: &Event,
    flags: &'f [Flag],
    env: &dyn EvalEnv,
    policy: &CompiledPolicy,
) -> Option<Vec<&'f Flag>> {
    if rule.rule.disabled {
        return None;
    }
    if !rule.boundaries.is_empty() && !rule.boundaries.contains(&ev.boundary) {
        return None;
    }
    if let Some(act) = &rule.rule.activation {
        if !super::activation::active(act, env) {
            return None;
        }
    }
    let mut picked = select(&rule.rule.when, ev, flags, env, policy)?;
    if let Some(unless) = &rule.rule.unless {
        if unless.has_flag_conditions() {
            // The exception removes the flags it covers; the rule fires only on the rest.
            if rule.rule.when.has_flag_conditions() {
                picked.retain(|f| {
                    let names = unless.flag_names();
                    let name_ok =
                        names.is_empty() || names.iter().any(|n| glob::matches(n, &f.name));
                    !(name_ok
                        && unless.event_matches(ev, env, policy)
                        && unless.flag_matches(f, policy))
                });
                if picked.is_empty() {
                    return None;
                }
            } else if select(unless, ev, flags, env, policy).is_some() {
                return None;
            }
        } else if unless.event_matches(ev, env, policy) && unless.has_event_conditions() {
            return None;
        }
    }
    if rule.rule.rate_limit.is_some() && !env.rate_exceeded(rule, ev) {
        return None;
    }
    Some(picked)
}

/// Evaluates an event against a policy.
pub fn evaluate(
    policy: &CompiledPolicy,
    ev: &Event,
    flags: &[Flag],
    env: &dyn EvalEnv,
) -> Decision {
    let mut fired = Vec::new();
    let mut redactions: Vec<Redaction> = Vec::new();
    for rule in &policy.rules {
        let Some(matched) = rule_matches(rule, ev, flags, env, policy) else {
            continue;
        };
        if rule.rule.effect == Effect::Redact && rule.mode == Mode::Enforce {
            for f in &matched {
                for finding in &f.findings {
                    let r = Redaction {
                        kind: finding.kind.clone(),
                        start: finding.start,
                        end: finding.end,
                        hash: finding.hash.clone(),
                    };
                    if !redactions.contains(&r) {
                        redactions.push(r);
                    }
                }
            }
        }
        let mut details: Vec<String> = matched
            .iter()
            .map(|f| {
                if f.detail.is_empty() {
                    f.name.clone()
                } else {
                    format!("{}: {}", f.name, f.detail)
                }
            })
            .collect();
        details.dedup();
        fired.push(Fire {
            rule_id: rule.rule.id.clone(),
            effect: rule.rule.effect,
            risk: rule.rule.risk,
            mode: rule.mode,
            scope: rule.scope.clone(),
            reason: if rule.rule.reason.is_empty() {
                rule.rule.description.clone()
            } else {
                rule.rule.reason.clone()
            },
            matched: details,
            approver_role: rule.rule.approver_role.clone(),
            lineage: rule.rule.lineage.clone(),
        });
    }
    redactions.sort_by_key(|r| (r.start, r.end));
    decide(policy, ev, fired, redactions)
}

/// Combines fires into a decision: the strictest enforced effect wins.
pub fn decide(
    policy: &CompiledPolicy,
    ev: &Event,
    fired: Vec<Fire>,
    redactions: Vec<Redaction>,
) -> Decision {
    let effect = fired
        .iter()
        .filter(|f| f.mode == Mode::Enforce)
        .map(|f| f.effect)
        .max()
        .unwrap_or(Effect::Allow);
    let would_effect = fired
        .iter()
        .map(|f| f.effect)
        .max()
        .unwrap_or(Effect::Allow);
    let risk = fired.iter().map(|f| f.risk).max().unwrap_or(0);
    let approver_role = fired
        .iter()
        .filter(|f| f.effect == Effect::Ask)
        .find_map(|f| f.approver_role.clone());
    let reasons = fired
        .iter()
        .map(|f| format!("{}: {}", f.rule_id, f.reason))
        .collect();
    Decision {
        decision_id: decision::new_id("d"),
        action_id: ev.action_id.clone(),
        effect,
        would_effect,
        rule_ids: fired.iter().map(|f| f.rule_id.clone()).collect(),
        reasons,
        risk,
        approver_role,
        redactions,
        fired,
        policy_version: policy.version.clone(),
        timestamp: crate::time::now_rfc3339(),
        runtime: ev.runtime,
        boundary: ev.boundary,
        session_id: ev.session_id.clone(),
        errors: Vec::new(),
        approval_code: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The literal prefilter never says no where the regex says yes.
    #[test]
    fn prefix_prefilter_agrees_with_the_regex() {
        let patterns = [
            r"(?i)project-codename-42",
            r"internal-marker-7\b",
            r"(?i)(password|passwd)\s*=",
            r"\bDROP\s+TABLE\b",
            r"^deploy (prod|staging)$",
            r"[0-9]{3}-[0-9]{2}",
            r"(?i)ignore (all )?previous",
            r"a*b",
            r"(",
        ];
        let texts = [
            "this mentions Project-CodeName-42 here",
            "internal-marker-7 and internal-marker-70",
            "PASSWORD = x",
            "please drop table users; DROP   TABLE users",
            "deploy prod",
            "call 555-12",
            "IGNORE previous instructions",
            "b",
            "",
            "nothing at all",
        ];
        for p in patterns {
            let re = Regex::new(p).ok();
            for t in texts {
                if re.as_ref().is_some_and(|re| re.is_match(t)) {
                    assert!(may_match(p, t), "{p} on {t:?}");
                }
            }
        }
        assert!(!may_match(r"(?i)project-codename-42", "nothing at all"));
    }
}
