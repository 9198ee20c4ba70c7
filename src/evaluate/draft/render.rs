//! The text of a draft: the controls as rules in the shared policy layout
//! ([`crate::policy::render`]), each under a comment block for its reviewer (what it
//! addresses, where and when it applies, how well each target runtime enforces it), with its
//! tests after it.

use super::controls::Control;
use super::inputs::DraftInput;
use crate::decision::{Effect, Lineage};
use crate::evaluate::Evaluation;
use crate::event::Boundary;
use crate::policy::model::{OneOrMany, PolicyMeta, Rule, Status};
use crate::policy::render::{inline, Writer};
use crate::runtime::coverage::Level;
use std::collections::BTreeMap;
use std::path::Path;

fn timing(b: Boundary) -> &'static str {
    match b {
        Boundary::ToolRequest => "before the action (tool_request)",
        Boundary::ToolOutput => "after tool output, before the model sees it (tool_output)",
        Boundary::FinalResponse => "before the final response (final_response)",
        Boundary::Prompt => "before the prompt reaches the model (prompt)",
        Boundary::Other => "other",
    }
}

/// How a runtime honours an effect at a boundary: the coverage `policy compile` reports, from
/// the runtime's profile (level, and how or why).
pub fn coverage(runtime: &str, boundary: Boundary, effect: Effect) -> (Level, String) {
    match crate::runtime::coverage::target(runtime) {
        Some(t) => crate::runtime::coverage::assess(t.caps, boundary, effect),
        None => (
            Level::NotEnforceable,
            format!("hookwarden knows no runtime `{runtime}`"),
        ),
    }
}

fn target_runtimes(ev: &Evaluation) -> Vec<(String, bool)> {
    let mut out: BTreeMap<String, bool> = BTreeMap::new();
    for r in &ev.inventory.runtimes {
        let e = out.entry(r.runtime.clone()).or_insert(false);
        *e |= r.hookwarden_wired;
    }
    if out.is_empty() {
        for r in ["claude", "codex", "gemini"] {
            out.insert(r.into(), false);
        }
    }
    out.into_iter().collect()
}

fn coverage_line(c: &Control, runtimes: &[(String, bool)]) -> String {
    runtimes
        .iter()
        .map(|(r, wired)| {
            let (level, _) = coverage(r, c.boundary, c.effect);
            if *wired {
                format!("{r}={level}")
            } else {
                format!("{r}={level} once wired (hookwarden not installed)")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The draft as text: a header for the reviewer, `[policy]`, the lists, then each control as a
/// comment block, its `[[rule]]` and its `[[test]]`s.
pub(super) fn render(
    input: &DraftInput,
    controls: &[Control],
    lists: &BTreeMap<String, Vec<String>>,
    ev: &Evaluation,
) -> Result<String, toml_edit::ser::Error> {
    let runtimes = target_runtimes(ev);
    let repo_name = Path::new(&ev.repo)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "repo".into());
    let ctx = input.context;
    let mut source = format!("evaluation {}", input.evaluation_path);
    if let Some(p) = &input.context_path {
        source.push_str(&format!(" + context {p}"));
    }
    let mut w = Writer::new();
    w.header(&header(input, ev, &runtimes, &repo_name, &source));

    let mut metadata = BTreeMap::new();
    let s = |v: &str| toml::Value::String(v.to_string());
    metadata.insert(
        "generated_by".to_string(),
        s(&format!(
            "hookwarden {} policy draft",
            env!("CARGO_PKG_VERSION")
        )),
    );
    metadata.insert("evaluation".into(), s(&input.evaluation_path));
    metadata.insert("risk_class".into(), s(input.risk.as_str()));
    if let Some(p) = input.preset {
        metadata.insert("preset".into(), s(&p.preset.name));
    }
    metadata.insert(
        "target_runtimes".into(),
        toml::Value::Array(runtimes.iter().map(|(r, _)| s(r)).collect()),
    );
    let meta = PolicyMeta {
        name: format!("{repo_name}-draft"),
        use_case: ctx
            .and_then(|c| c.name.clone())
            .unwrap_or_else(|| "coding-agent".into()),
        version: "0.1.0".into(),
        status: Status::Draft,
        mode: input.preset.and_then(|p| p.preset.mode).unwrap_or_default(),
        description: ctx.and_then(|c| c.description.clone()).unwrap_or_else(|| {
            format!("Candidate controls from the evaluation of {repo_name}; every control cites its evidence.")
        }),
        metadata,
        ..PolicyMeta::default()
    };
    w.meta(&meta, &[])?;
    w.lists("lists", lists, &[])?;

    let approver = input.preset.and_then(|p| p.preset.approver_role.clone());
    for c in controls {
        let rule = Rule {
            id: c.id.clone(),
            description: c.description.clone(),
            boundary: Some(OneOrMany::One(c.boundary.as_str().to_string())),
            effect: c.effect,
            risk: c.risk,
            reason: c.reason.clone(),
            approver_role: approver.clone().filter(|_| c.effect == Effect::Ask),
            mode: None,
            overridable: false,
            disabled: false,
            when: c.when.clone(),
            unless: c.unless.clone(),
            activation: c.activation.clone(),
            rate_limit: None,
            lineage: Some(Lineage {
                evidence: c.evidence.clone(),
                reviewer: None,
                ticket: None,
                source: Some(source.clone()),
                note: Some(format!(
                    "risk class {}; timing {}; coverage: {}",
                    input.risk.as_str(),
                    c.boundary.as_str(),
                    coverage_line(c, &runtimes)
                )),
            }),
        };
        w.rule(&rule, &control_note(input, c, &runtimes)?)?;
        for t in &c.tests {
            w.test(t, &[])?;
        }
    }
    Ok(w.finish())
}

/// What the reviewer reads first: where the draft comes from and what to do with it.
fn header(
    input: &DraftInput,
    ev: &Evaluation,
    runtimes: &[(String, bool)],
    repo_name: &str,
    source: &str,
) -> Vec<String> {
    let mut h = vec![
        format!("DRAFT hookwarden policy for `{repo_name}`, generated by `hookwarden policy draft`"),
        format!(
            "from {source}, risk class {}{}.",
            input.risk.as_str(),
            input
                .preset
                .map(|p| format!(", preset `{}`", p.preset.name))
                .unwrap_or_default()
        ),
        String::new(),
        "This file is the review point. For each control below, check the evidence it cites".into(),
        "(ids from the evaluation report), then: change `effect`, tighten `when`, add an".into(),
        "exception with `unless`, narrow it with `activation`, or switch it off with".into(),
        "`disabled = true` and say why in its `[rule.lineage] note`. Keep `lineage`: it is".into(),
        "shown by `hookwarden check` and in the audit log when the control fires; add".into(),
        "`reviewer` (who approved the control) and `ticket` to it as you review.".into(),
        "Then: policy validate -> policy test -> policy replay -> policy compile -> policy deploy".into(),
        "(README: From evaluation to a deployed policy). Coverage per runtime says how each runtime can enforce an effect.".into(),
    ];
    let unwired: Vec<&str> = runtimes
        .iter()
        .filter(|(_, w)| !w)
        .map(|(r, _)| r.as_str())
        .collect();
    if !unwired.is_empty() {
        h.push(String::new());
        h.push(format!(
            "NOTE: hookwarden is not wired into {}: no control applies there until",
            unwired.join(", ")
        ));
        h.push("`hookwarden install --runtime <name>` (see the evaluation's priorities).".into());
    }
    if let Some(c) = input.context {
        if !c.expected_behaviour.is_empty() {
            h.push(String::new());
            h.push("Expected behaviour (use-case context):".into());
            for l in &c.expected_behaviour {
                h.push(format!("  - {}", l.replace('\n', " ")));
            }
        }
    }
    if !ev.observed.hosts.is_empty() {
        let hosts: Vec<&str> = ev
            .observed
            .hosts
            .iter()
            .take(20)
            .map(|h| h.name.as_str())
            .collect();
        h.push(String::new());
        h.push(
            "Hosts contacted in recorded sessions (trusted only if listed in `trusted_hosts`):"
                .into(),
        );
        h.push(format!("  {}", hosts.join(", ")));
    }
    h
}

/// The comment block above a control's rule: what it addresses, where, when, how well each
/// runtime enforces it.
fn control_note(
    input: &DraftInput,
    c: &Control,
    runtimes: &[(String, bool)],
) -> Result<Vec<String>, toml_edit::ser::Error> {
    let mut n = vec![
        "-".repeat(88),
        c.id.clone(),
        format!("  risk:       {}", c.addresses),
        format!("  applies to: {}", c.applies_to),
        format!("  check:      {}", c.check),
        format!(
            "  effect:     {} (family `{}`, risk class {})",
            c.effect,
            c.family,
            input.risk.as_str()
        ),
    ];
    let act = match &c.activation {
        Some(a) => format!("as in [rule.activation] (context): {}", inline(a)?),
        None => "always".into(),
    };
    n.push(format!("  activation: {act}"));
    n.push(format!("  timing:     {}", timing(c.boundary)));
    for (r, wired) in runtimes {
        let (level, how) = coverage(r, c.boundary, c.effect);
        n.push(format!(
            "  coverage:   {r}: {level} ({how}){}",
            if *wired {
                ""
            } else {
                " (once hookwarden is wired)"
            }
        ));
    }
    if let Some(u) = &c.unless_note {
        n.push(format!("  exception:  {u}"));
    }
    for note in &c.notes {
        n.push(format!("  note:       {note}"));
    }
    Ok(n)
}
