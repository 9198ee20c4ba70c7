//! `policy validate`: everything that can be known about a policy file before it is deployed.
//!
//! Errors (the file must not be deployed): schema, regexes that do not compile, flags no signal
//! raises, duplicate rule ids, `@list` references to lists that do not exist, rules that can
//! never fire, failing inline tests. Warnings: rules fully shadowed by a higher scope, disabled
//! rules, rules no inline test makes fire. Every problem carries file:line:col.

use super::glob;
use super::model::{Condition, OneOrMany, PolicyFile, Rule};
use super::testing::{self, TestResult};
use super::{Layer, PolicyError, Scope};
use crate::event::{Boundary, RuntimeKind, ToolKind};
use std::collections::{BTreeSet, HashMap};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{sev}: {}:{}:{}: {}",
            self.path, self.line, self.col, self.message
        )
    }
}

/// The outcome of validating one file.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub problems: Vec<Problem>,
    /// The file's own inline tests, evaluated with the layers it sits on.
    pub tests: Vec<TestResult>,
    /// The policy version the file compiles to (with the layers it sits on).
    pub version: String,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.problems.len() - self.errors()
    }

    pub fn tests_failed(&self) -> usize {
        self.tests.iter().filter(|t| !t.passed).count()
    }

    /// Whether the file may be deployed: no errors (failing tests are errors).
    pub fn ok(&self) -> bool {
        self.errors() == 0
    }

    /// The human report: one line per problem, then a summary line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for p in &self.problems {
            out.push_str(&p.to_string());
            out.push('\n');
        }
        let passed = self.tests.len() - self.tests_failed();
        out.push_str(&format!(
            "{} error(s), {} warning(s); inline tests: {} passed, {} failed\n",
            self.errors(),
            self.warnings(),
            passed,
            self.tests_failed()
        ));
        out
    }
}

/// Where things are in the source text, for messages.
struct Locator<'a> {
    lines: Vec<&'a str>,
}

impl<'a> Locator<'a> {
    fn new(text: &'a str) -> Self {
        Locator {
            lines: text.lines().collect(),
        }
    }

    /// Line of the `n`th (0-based) `id = "<id>"` line.
    fn rule(&self, id: &str, n: usize) -> usize {
        let needle = format!("\"{id}\"");
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                let t = l.trim_start();
                t.starts_with("id") && t[2..].trim_start().starts_with('=') && l.contains(&needle)
            })
            .nth(n)
            .map(|(i, _)| i + 1)
            .unwrap_or(1)
    }

    /// Line of the `n`th (0-based) `[[test]]` header.
    fn test(&self, n: usize) -> usize {
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim() == "[[test]]")
            .nth(n)
            .map(|(i, _)| i + 1)
            .unwrap_or(1)
    }

    /// First occurrence of `needle` at or after `from` (1-based line), as (line, col). The
    /// search stops at the next `[[rule]]`/`[[test]]` header after the first line.
    fn find(&self, from: usize, needle: &str) -> (usize, usize) {
        let start = from.saturating_sub(1);
        for (i, l) in self.lines.iter().enumerate().skip(start) {
            if i > start && l.trim_start().starts_with("[[") {
                break;
            }
            if let Some(pos) = l.find(needle) {
                return (i + 1, l[..pos].chars().count() + 1);
            }
        }
        (from, 1)
    }
}

struct Ctx<'a> {
    origin: &'a str,
    loc: Locator<'a>,
    problems: Vec<Problem>,
    lists: BTreeSet<String>,
    known_flags: Vec<&'static str>,
}

impl Ctx<'_> {
    fn push(&mut self, severity: Severity, (line, col): (usize, usize), message: String) {
        self.problems.push(Problem {
            severity,
            path: self.origin.to_string(),
            line,
            col,
            message,
        });
    }
}

/// Validates a policy text as it would be deployed at `scope`: over the embedded default
/// (unless it says `inherit_default = false`). `higher` are the layers of more authoritative
/// scopes it will sit under (may be empty).
pub fn validate_text(text: &str, origin: &str, scope: Scope, higher: &[Layer]) -> Report {
    let mut report = Report::default();
    let file = match super::parse(text, origin) {
        Ok(f) => f,
        Err(e) => {
            report.problems.push(problem_from(e, origin));
            return report;
        }
    };
    let mut lists: BTreeSet<String> = file.lists.keys().cloned().collect();
    let mut layers: Vec<Layer> = higher.to_vec();
    // The embedded default validated on its own is the base, not a layer over itself.
    if file.policy.inherit_default
        && text != super::DEFAULT_POLICY
        && higher.iter().all(|l| l.file.policy.inherit_default)
        && !layers.iter().any(|l| l.scope == Scope::Default)
    {
        if let Ok(d) = super::default_layer() {
            layers.insert(0, d);
        }
    }
    for l in &layers {
        lists.extend(l.file.lists.keys().cloned());
    }
    let mut cx = Ctx {
        origin,
        loc: Locator::new(text),
        problems: Vec::new(),
        lists,
        known_flags: crate::signals::known_flags(),
    };
    check_rules(&mut cx, &file);

    // Merge with the layers above: what is shadowed, and the tests.
    layers.push(Layer {
        scope,
        origin: origin.to_string(),
        text: text.to_string(),
        file: file.clone(),
    });
    match super::compile(&layers) {
        Ok(compiled) => {
            for w in &compiled.warnings {
                if let Some(rest) = w.strip_prefix(&format!("{origin}: rule `")) {
                    let id = rest.split('`').next().unwrap_or("");
                    let line = cx.loc.rule(id, 0);
                    cx.push(
                        Severity::Warning,
                        (line, 1),
                        format!("rule `{id}` is fully shadowed: {}", after_colon(w, origin)),
                    );
                } else if w.starts_with(origin) {
                    cx.push(Severity::Warning, (1, 1), after_colon(w, origin));
                }
            }
            let results: Vec<TestResult> = testing::run_tests(&compiled)
                .into_iter()
                .filter(|r| r.origin == origin)
                .collect();
            for (i, r) in results.iter().enumerate() {
                if let Some(p) = &r.problem {
                    let line = cx.loc.test(i);
                    cx.push(
                        Severity::Error,
                        (line, 1),
                        format!(
                            "inline test `{}` fails: {p} (rules fired: [{}])",
                            r.name,
                            r.fired.join(", ")
                        ),
                    );
                }
            }
            let fired: BTreeSet<&str> = results
                .iter()
                .flat_map(|r| r.fired.iter().map(|s| s.as_str()))
                .collect();
            for rule in &file.rules {
                if !rule.disabled && !fired.contains(rule.id.as_str()) {
                    let line = cx.loc.rule(&rule.id, 0);
                    cx.push(
                        Severity::Warning,
                        (line, 1),
                        format!(
                            "rule `{}` has no example: add a [[test]] that makes it fire (and one that must not)",
                            rule.id
                        ),
                    );
                }
            }
            report.tests = results;
            report.version = compiled.version;
        }
        Err(e) => {
            // Duplicate ids and bad boundaries are reported above with a position already.
            let msg = e.to_string();
            if !cx.problems.iter().any(|p| p.severity == Severity::Error) {
                cx.push(Severity::Error, (1, 1), msg);
            }
        }
    }
    cx.problems.sort_by_key(|p| (p.line, p.col, p.severity));
    report.problems = cx.problems;
    report
}

fn after_colon(w: &str, origin: &str) -> String {
    w.strip_prefix(origin)
        .and_then(|r| r.strip_prefix(": "))
        .unwrap_or(w)
        .to_string()
}

fn problem_from(e: PolicyError, origin: &str) -> Problem {
    match e {
        PolicyError::Parse {
            path,
            line,
            col,
            message,
            snippet,
        } => Problem {
            severity: Severity::Error,
            path,
            line,
            col,
            message: if snippet.trim().is_empty() {
                message.trim().to_string()
            } else {
                format!("{}\n    | {snippet}", message.trim())
            },
        },
        other => Problem {
            severity: Severity::Error,
            path: origin.to_string(),
            line: 1,
            col: 1,
            message: other.to_string(),
        },
    }
}

fn check_rules(cx: &mut Ctx<'_>, file: &PolicyFile) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for rule in &file.rules {
        let n = seen.entry(rule.id.as_str()).or_insert(0);
        let line = cx.loc.rule(&rule.id, *n);
        if *n > 0 {
            cx.push(
                Severity::Error,
                cx.loc.find(line, &format!("\"{}\"", rule.id)),
                format!(
                    "duplicate rule id `{}` (first defined on line {}); give each rule its own id",
                    rule.id,
                    cx.loc.rule(&rule.id, 0)
                ),
            );
        }
        *n += 1;
        check_rule(cx, rule, line);
    }
}

fn check_rule(cx: &mut Ctx<'_>, rule: &Rule, line: usize) {
    let id = rule.id.as_str();
    if rule.id.trim().is_empty() {
        cx.push(
            Severity::Error,
            (line, 1),
            "a rule needs a non-empty `id`".into(),
        );
    }
    if rule.risk > 100 {
        cx.push(
            Severity::Error,
            cx.loc.find(line, "risk"),
            format!("rule `{id}`: risk {} is out of range 0..=100", rule.risk),
        );
    }
    if rule.description.trim().is_empty() {
        cx.push(
            Severity::Warning,
            (line, 1),
            format!("rule `{id}` has no description: say why it exists"),
        );
    }
    if rule.disabled {
        cx.push(
            Severity::Warning,
            (line, 1),
            format!("rule `{id}` is disabled and never fires"),
        );
    }
    let mut boundaries = Vec::new();
    if let Some(b) = &rule.boundary {
        for s in b.as_slice() {
            match Boundary::parse(s) {
                Some(b) => boundaries.push(b),
                None => cx.push(
                    Severity::Error,
                    cx.loc.find(line, &format!("\"{s}\"")),
                    format!("rule `{id}`: unknown boundary `{s}` (expected prompt, tool_request, tool_output, final_response)"),
                ),
            }
        }
    }
    check_condition(cx, id, "when", &rule.when, line);
    if let Some(u) = &rule.unless {
        check_condition(cx, id, "unless", u, line);
    }
    if let Some(act) = &rule.activation {
        check_activation(cx, id, act, line);
    }
    never_fires(cx, rule, &boundaries, line);
}

fn check_condition(cx: &mut Ctx<'_>, id: &str, part: &str, c: &Condition, line: usize) {
    for (field, re) in [("text_regex", &c.text_regex), ("args_regex", &c.args_regex)] {
        if let Some(re) = re {
            if let Err(e) = regex::Regex::new(re) {
                cx.push(
                    Severity::Error,
                    cx.loc.find(line, field),
                    format!(
                        "rule `{id}`: `{part}.{field}` is not a valid regex: {}",
                        first_line(&e.to_string())
                    ),
                );
            }
        }
    }
    for ic in &c.input {
        if !ic.pointer.is_empty() && !ic.pointer.starts_with('/') {
            cx.push(
                Severity::Error,
                cx.loc.find(line, &ic.pointer),
                format!(
                    "rule `{id}`: input pointer `{}` must start with `/` (a JSON pointer like `/amount`)",
                    ic.pointer
                ),
            );
        }
        if let Some(re) = &ic.regex {
            if let Err(e) = regex::Regex::new(re) {
                cx.push(
                    Severity::Error,
                    cx.loc.find(line, "regex"),
                    format!(
                        "rule `{id}`: input regex for `{}` is not a valid regex: {}",
                        ic.pointer,
                        first_line(&e.to_string())
                    ),
                );
            }
        }
        let low = ic.gt.or(ic.gte);
        let high = ic.lt.or(ic.lte);
        if let (Some(lo), Some(hi)) = (low, high) {
            let empty = lo > hi || (lo == hi && (ic.gt.is_some() || ic.lt.is_some()));
            if empty {
                cx.push(
                    Severity::Error,
                    cx.loc.find(line, &ic.pointer),
                    format!(
                        "rule `{id}`: no number is both above {lo} and below {hi} for `{}`: the condition can never hold",
                        ic.pointer
                    ),
                );
            }
        }
    }
    if let Some(kinds) = &c.tool_kind {
        for k in kinds.as_slice() {
            if ToolKind::parse(k).is_none() {
                cx.push(
                    Severity::Error,
                    cx.loc.find(line, &format!("\"{k}\"")),
                    format!("rule `{id}`: unknown tool_kind `{k}` (expected shell, file_read, file_write, file_edit, patch, search, web_fetch, mcp, other)"),
                );
            }
        }
    }
    if let Some(rts) = &c.runtime {
        for r in rts.as_slice() {
            if RuntimeKind::parse(r).is_none() {
                cx.push(
                    Severity::Error,
                    cx.loc.find(line, &format!("\"{r}\"")),
                    format!("rule `{id}`: unknown runtime `{r}`"),
                );
            }
        }
    }
    if let Some(flags) = &c.flag {
        for f in flags.as_slice() {
            if !cx.known_flags.iter().any(|k| glob::matches(f, k)) {
                let mut known = cx.known_flags.clone();
                known.sort_unstable();
                known.dedup();
                cx.push(
                    Severity::Error,
                    cx.loc.find(line, &format!("\"{f}\"")),
                    format!(
                        "rule `{id}`: no signal raises flag `{f}` (known flags: {}; see `hookwarden policy flags`)",
                        known.join(", ")
                    ),
                );
            }
        }
    }
    let mut refs: Vec<&str> = Vec::new();
    let globs: [&Option<OneOrMany>; 14] = [
        &c.tool,
        &c.mcp_server,
        &c.mcp_tool,
        &c.model,
        &c.session,
        &c.branch,
        &c.user,
        &c.team,
        &c.program,
        &c.subcommand,
        &c.path_glob,
        &c.hosts_any,
        &c.hosts_outside,
        &c.kinds,
    ];
    for g in globs.into_iter().flatten() {
        refs.extend(g.as_slice().iter().map(|s| s.as_str()));
    }
    for v in c.env.values() {
        refs.extend(v.as_slice().iter().map(|s| s.as_str()));
    }
    for r in refs {
        if let Some(name) = r.strip_prefix('@') {
            if !cx.lists.contains(name) {
                let known: Vec<&str> = cx.lists.iter().map(|s| s.as_str()).collect();
                cx.push(
                    Severity::Error,
                    cx.loc.find(line, &format!("\"{r}\"")),
                    format!(
                        "rule `{id}`: `{r}` refers to a list that does not exist (lists: {}); define it under [lists]",
                        if known.is_empty() { "none".to_string() } else { known.join(", ") }
                    ),
                );
            }
        }
    }
}

fn check_activation(cx: &mut Ctx<'_>, id: &str, act: &super::model::Activation, line: usize) {
    use crate::time::{parse_rfc3339, zone};
    if let Some(tz) = &act.timezone {
        if zone(tz).is_none() {
            cx.push(
                Severity::Error,
                cx.loc.find(line, "timezone"),
                format!("rule `{id}`: timezone `{tz}` is not understood (use `UTC`, an IANA name like `Europe/Berlin` or a fixed offset like `+02:00`)"),
            );
        }
    }
    for d in act.days.iter().flatten() {
        let ok = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .any(|w| d.to_ascii_lowercase().starts_with(w));
        if !ok {
            cx.push(
                Severity::Error,
                cx.loc.find(line, &format!("\"{d}\"")),
                format!("rule `{id}`: unknown day `{d}` (use mon..sun)"),
            );
        }
    }
    for h in act.hours.iter().flatten() {
        let ok = h
            .split_once('-')
            .is_some_and(|(a, b)| hhmm_ok(a) && hhmm_ok(b));
        if !ok {
            cx.push(
                Severity::Error,
                cx.loc.find(line, &format!("\"{h}\"")),
                format!("rule `{id}`: hours `{h}` must look like \"09:00-17:30\""),
            );
        }
    }
    let from = act.from.as_deref().map(|s| (s, parse_rfc3339(s)));
    let until = act.until.as_deref().map(|s| (s, parse_rfc3339(s)));
    for (field, v) in [("from", &from), ("until", &until)] {
        if let Some((s, None)) = v {
            cx.push(
                Severity::Error,
                cx.loc.find(line, field),
                format!("rule `{id}`: activation.{field} `{s}` is not an RFC 3339 time (2026-01-31T18:00:00Z)"),
            );
        }
    }
    if let (Some((_, Some(f))), Some((_, Some(u)))) = (&from, &until) {
        if f > u {
            cx.push(
                Severity::Error,
                cx.loc.find(line, "until"),
                format!("rule `{id}`: activation.from is after activation.until: the rule can never fire"),
            );
        }
    }
    if let Some((s, Some(u))) = &until {
        if *u < crate::time::now_secs() {
            cx.push(
                Severity::Warning,
                cx.loc.find(line, "until"),
                format!("rule `{id}`: activation ended at {s}; the rule no longer fires"),
            );
        }
    }
}

fn hhmm_ok(s: &str) -> bool {
    s.trim().split_once(':').is_some_and(|(h, m)| {
        matches!((h.parse::<u32>(), m.parse::<u32>()), (Ok(h), Ok(m)) if h <= 24 && m < 60)
    })
}

/// Flags the built-in signals raise only for tool requests.
fn request_only(flag: &str) -> bool {
    flag.starts_with("shell.") || flag.starts_with("file.")
}

fn never_fires(cx: &mut Ctx<'_>, rule: &Rule, boundaries: &[Boundary], line: usize) {
    let id = rule.id.as_str();
    let names = rule.when.flag_names();
    let all_request_only = !names.is_empty() && names.iter().all(|n| request_only(n));
    if all_request_only && !boundaries.is_empty() && !boundaries.contains(&Boundary::ToolRequest) {
        cx.push(
            Severity::Error,
            cx.loc.find(line, "boundary"),
            format!(
                "rule `{id}` can never fire: flags {} are raised only at tool_request, but the rule applies to {}",
                names.join(", "),
                boundaries
                    .iter()
                    .map(|b| b.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    if !names.is_empty() && names.iter().all(|n| n.starts_with("shell.")) {
        if let Some(kinds) = &rule.when.tool_kind {
            if !kinds.as_slice().iter().any(|k| k == "shell") {
                cx.push(
                    Severity::Error,
                    cx.loc.find(line, "tool_kind"),
                    format!("rule `{id}` can never fire: shell flags come only from shell tools, but `tool_kind` excludes `shell`"),
                );
            }
        }
    }
    if let Some(u) = &rule.unless {
        let same = serde_json::to_value(&rule.when).ok() == serde_json::to_value(u).ok();
        if same && (u.has_flag_conditions() || u.has_event_conditions()) {
            cx.push(
                Severity::Error,
                cx.loc.find(line, "unless"),
                format!("rule `{id}` can never fire: `unless` is the same as `when`"),
            );
        }
    }
    if let (Some(any), Some(none)) = (&rule.when.paths_all, &rule.when.paths_none) {
        if any.iter().all(|c| none.contains(c)) {
            cx.push(
                Severity::Error,
                cx.loc.find(line, "paths_none"),
                format!("rule `{id}` can never fire: every class in `paths_all` is excluded by `paths_none`"),
            );
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn v(text: &str) -> Report {
        validate_text(text, "p.toml", Scope::User, &[])
    }

    #[test]
    fn default_policy_is_clean_of_errors() {
        let r = validate_text(super::super::DEFAULT_POLICY, "default", Scope::Org, &[]);
        assert_eq!(r.errors(), 0, "{}", r.render());
        assert!(!r.tests.is_empty());
    }

    #[test]
    fn positions_point_at_the_problem() {
        let r = v(r#"
[[rule]]
id = "a"
description = "d"
effect = "deny"
when = { args_regex = "(unclosed", program = "x" }
"#);
        let p = r
            .problems
            .iter()
            .find(|p| p.severity == Severity::Error)
            .unwrap();
        assert_eq!((p.line, p.col), (6, 10), "{}", r.render());
        assert!(p.message.contains("not a valid regex"), "{}", p.message);
    }

    #[test]
    fn unknown_flag_list_and_duplicate() {
        let r = v(r#"
[[rule]]
id = "a"
description = "d"
effect = "deny"
when = { flag = "shell.teleport", hosts_any = "@nowhere" }

[[rule]]
id = "a"
description = "d"
effect = "deny"
when = { flag = "secret.*" }
"#);
        let text = r.render();
        assert!(
            text.contains("p.toml:6:17: no signal raises flag")
                || text.contains("flag `shell.teleport`"),
            "{text}"
        );
        assert!(
            text.contains("`@nowhere` refers to a list that does not exist"),
            "{text}"
        );
        assert!(text.contains("p.toml:9:6: duplicate rule id `a`"), "{text}");
    }

    #[test]
    fn never_firing_and_failing_tests() {
        let r = v(r#"
[[rule]]
id = "a"
description = "d"
boundary = "prompt"
effect = "deny"
when = { program = "curl" }

[[test]]
command = "echo hi"
expect = "deny"
"#);
        let text = r.render();
        assert!(text.contains("can never fire"), "{text}");
        assert!(text.contains("p.toml:9:1: inline test"), "{text}");
        assert!(!r.ok());
    }

    #[test]
    fn shadowing_a_default_rule_is_a_warning() {
        let r = v(r#"
[[rule]]
id = "git.force-push"
description = "weaker"
effect = "allow"
when = { program = "git" }

[[test]]
command = "git status"
expect = "allow"
"#);
        let text = r.render();
        assert!(text.contains("fully shadowed"), "{text}");
        assert!(r.ok(), "{text}");
    }
}
