//! `policy validate`: everything that can be known about a policy file before it is deployed.
//!
//! Validate is compile (the file with the layers it will sit on) plus lints. Errors (the file
//! must not be deployed): schema, every compile error (regexes that do not parse, names no
//! runtime or signal knows, duplicate rule ids, `@list` references to lists that do not exist),
//! rules that can never fire, failing inline tests. Warnings: rules fully shadowed by a higher
//! scope, disabled rules, rules no inline test makes fire. Every problem carries file:line:col.

use super::model::{PolicyFile, Rule};
use super::testing::{self, TestResult};
use super::{Layer, PolicyError, Scope};
use crate::event::Boundary;
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

/// The layers a file is compiled with when deployed at `scope` under `higher`: the embedded
/// default first (unless an opt-out says otherwise), the higher layers, then the file. `policy
/// validate` and `policy test` both use these.
pub fn layers_for(file: Layer, higher: &[Layer]) -> Vec<Layer> {
    let mut layers: Vec<Layer> = higher.to_vec();
    // The embedded default validated on its own is the base, not a layer over itself.
    let with_file: Vec<Layer> = higher.iter().cloned().chain([file.clone()]).collect();
    if file.text != super::DEFAULT_POLICY
        && super::keeps_default(&with_file)
        && !layers.iter().any(|l| l.scope == Scope::Default)
    {
        if let Ok(d) = super::default_layer() {
            layers.insert(0, d);
        }
    }
    layers.push(file);
    layers
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
    let mut cx = Ctx {
        origin,
        loc: Locator::new(text),
        problems: Vec::new(),
    };
    lint_rules(&mut cx, &file);
    let layers = layers_for(
        Layer {
            scope,
            origin: origin.to_string(),
            text: text.to_string(),
            file: file.clone(),
        },
        higher,
    );
    // Merge with the layers above: what is shadowed, and the tests.
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
        Err(PolicyError::Compile(diagnostics)) => {
            for d in diagnostics {
                cx.problems.push(Problem {
                    severity: Severity::Error,
                    path: d.path,
                    line: d.line,
                    col: d.col,
                    message: d.message,
                });
            }
        }
        Err(e) => cx.push(Severity::Error, (1, 1), e.to_string()),
    }
    cx.problems.sort_by_key(|p| (p.line, p.col, p.severity));
    cx.problems.dedup();
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

/// Lints over the file as written; what makes a rule unloadable is compile's to say.
fn lint_rules(cx: &mut Ctx<'_>, file: &PolicyFile) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for rule in &file.rules {
        let n = seen.entry(rule.id.as_str()).or_insert(0);
        let line = cx.loc.rule(&rule.id, *n);
        *n += 1;
        lint_rule(cx, rule, line);
    }
}

fn lint_rule(cx: &mut Ctx<'_>, rule: &Rule, line: usize) {
    let id = rule.id.as_str();
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
    let boundaries: Vec<Boundary> = rule
        .boundary
        .iter()
        .flat_map(|b| b.as_slice())
        .filter_map(|s| Boundary::parse(s))
        .collect();
    if let Some(act) = &rule.activation {
        lint_activation(cx, id, act, line);
    }
    never_fires(cx, rule, &boundaries, line);
}

fn lint_activation(cx: &mut Ctx<'_>, id: &str, act: &super::model::Activation, line: usize) {
    use crate::time::parse_rfc3339;
    let from = act.from.as_deref().and_then(parse_rfc3339);
    let until = act.until.as_deref().map(|s| (s, parse_rfc3339(s)));
    if let (Some(f), Some((_, Some(u)))) = (from, &until) {
        if f > *u {
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
