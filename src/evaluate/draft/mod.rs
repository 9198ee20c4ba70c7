//! Draft generation: a candidate policy from an evaluation, in the normal policy language.
//!
//! Every proposed control is evidence-led: it exists only when the evaluation shows what it
//! protects (a secret file, an MCP server that can post to Slack, a recorded `terraform apply`)
//! and carries that evidence as `[rule.lineage]`. The risk class and an org preset decide each
//! control's effect; the use-case context adds lists, exceptions (`unless`) and activation.
//! Each control comes with `[[test]]`s, checked here against the draft itself, so the file
//! passes `hookwarden policy test` as written. The output is TOML meant to be read and edited:
//! a comment block per control says what it addresses, where it applies, when, and how well
//! each target runtime can enforce it.
//!
//! [`inputs`] holds what a draft is made from, [`controls`] the generators, [`render`] the
//! text (written by the shared policy renderer, [`crate::policy::render`]).

mod controls;
mod inputs;
mod render;

pub use inputs::{
    DraftInput, Exception, InputError, Preset, PresetMeta, RiskClass, SensitiveData, Trusted,
    UseCase, FAMILIES,
};
pub use render::coverage;

use crate::decision::Effect;
use std::collections::BTreeSet;

pub struct DraftOutput {
    pub text: String,
    pub controls: usize,
    pub tests: usize,
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error(
        "the generated draft does not parse ({0}); this is a hookwarden bug, please report it"
    )]
    Generated(String),
}

/// Generates the draft policy text.
pub fn generate(input: &DraftInput) -> Result<DraftOutput, DraftError> {
    let mut b = controls::build(input);
    let ev = input.evaluation;
    // A draft is tested two ways: alone (`policy test FILE`) and over the default policy it
    // will be layered on (`policy validate`, deployment). The strictest effect wins when
    // layered, so a control weaker than a default rule for the same action is raised to match:
    // the file then means what it will do, and its tests hold both ways.
    let text = render::render(input, &b.controls, &b.lists, ev)
        .map_err(|e| DraftError::Generated(e.to_string()))?;
    let (_, layered) = compile_both(&text)?;
    for c in &mut b.controls {
        let mut raised_by: BTreeSet<String> = BTreeSet::new();
        let mut strictest = c.effect;
        for t in c.tests.iter().filter(|t| t.fires.contains(&c.id)) {
            let d = crate::policy::testing::decide(&layered, &crate::policy::testing::event_for(t));
            if d.rule_ids.contains(&c.id)
                && d.would_effect > strictest
                && c.effect != Effect::Redact
            {
                strictest = d.would_effect;
                raised_by.extend(
                    d.fired
                        .iter()
                        .filter(|f| f.effect == d.would_effect && f.rule_id != c.id)
                        .map(|f| f.rule_id.clone()),
                );
            }
        }
        if strictest > c.effect {
            c.notes.push(format!(
                "effect raised from {} to {}: the default policy's {} already gives {} here, and the strictest effect wins",
                c.effect,
                strictest,
                raised_by.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", "),
                strictest
            ));
            c.effect = strictest;
        }
    }
    let text = render::render(input, &b.controls, &b.lists, ev)
        .map_err(|e| DraftError::Generated(e.to_string()))?;
    let (alone, layered) = compile_both(&text)?;
    for c in &mut b.controls {
        let id = c.id.clone();
        let mut kept = Vec::new();
        for mut t in std::mem::take(&mut c.tests) {
            let ev_t = crate::policy::testing::event_for(&t);
            let d1 = crate::policy::testing::decide(&alone, &ev_t);
            let d2 = crate::policy::testing::decide(&layered, &ev_t);
            let ok = |d: &crate::decision::Decision| {
                t.fires.iter().all(|r| d.rule_ids.contains(r))
                    && t.not_fires.iter().all(|r| !d.rule_ids.contains(r))
            };
            if ok(&d1) && ok(&d2) && d1.would_effect == d2.would_effect {
                t.expect = d1.would_effect;
                kept.push(t);
            } else if !ok(&d1) {
                b.warnings.push(format!(
                    "test `{}` of `{id}` dropped: the control {} in the test environment (check its activation or exceptions)",
                    t.name,
                    if t.fires.contains(&id) { "does not fire" } else { "fires" }
                ));
            } else {
                b.warnings.push(format!(
                    "test `{}` of `{id}` dropped: over the default policy it gets {} ({}), alone {}",
                    t.name,
                    d2.would_effect,
                    d2.rule_ids.join(", "),
                    d1.would_effect
                ));
            }
        }
        if kept.is_empty() {
            b.warnings.push(format!(
                "control `{id}` has no test; add one when you review it"
            ));
        }
        c.tests = kept;
    }
    let text = render::render(input, &b.controls, &b.lists, ev)
        .map_err(|e| DraftError::Generated(e.to_string()))?;
    compile_both(&text)?;
    let tests = b.controls.iter().map(|c| c.tests.len()).sum();
    Ok(DraftOutput {
        text,
        controls: b.controls.len(),
        tests,
        warnings: b.warnings,
    })
}

/// The draft alone, and layered over the embedded default policy as a project policy.
fn compile_both(
    text: &str,
) -> Result<(crate::policy::CompiledPolicy, crate::policy::CompiledPolicy), DraftError> {
    let layer =
        crate::policy::parse_layer(crate::policy::Scope::Project, "<draft>", text.to_string())
            .map_err(|e| DraftError::Generated(e.to_string()))?;
    let alone = crate::policy::compile(std::slice::from_ref(&layer))
        .map_err(|e| DraftError::Generated(e.to_string()))?;
    let default =
        crate::policy::default_layer().map_err(|e| DraftError::Generated(e.to_string()))?;
    let layered = crate::policy::compile(&[default, layer])
        .map_err(|e| DraftError::Generated(e.to_string()))?;
    Ok((alone, layered))
}
