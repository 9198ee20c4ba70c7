//! `hookwarden policy compile --runtime R [--strict] [FILE]`: what a policy becomes on one
//! runtime (per-rule coverage) and the hook config to wire it.

use anyhow::{Context as _, Result};
use clap::Args;
use hookwarden::event::RuntimeKind;
use hookwarden::policy;
use hookwarden::runtime::coverage;
use std::path::PathBuf;

#[derive(Args)]
pub struct CompileArgs {
    /// claude, codex, gemini, cursor, copilot, qwen, factory (also windsurf, kiro: protocol only).
    #[arg(long)]
    runtime: String,
    /// Exit 1 when any rule cannot be enforced on this runtime.
    #[arg(long)]
    strict: bool,
    /// Print the rule table as Markdown (for docs).
    #[arg(long)]
    markdown: bool,
    /// The policy file (default: the effective policy of the current directory).
    file: Option<PathBuf>,
}

pub fn run(a: CompileArgs) -> Result<i32> {
    let target = coverage::target(&a.runtime).with_context(|| {
        format!(
            "unknown runtime `{}` (one of: {})",
            a.runtime,
            coverage::target_names()
        )
    })?;
    let (compiled, source) = match &a.file {
        Some(f) => {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read {}", f.display()))?;
            let layer =
                policy::parse_layer(policy::Scope::Project, &f.display().to_string(), text)?;
            (policy::compile(&[layer])?, f.display().to_string())
        }
        None => {
            let cwd = std::env::current_dir()?;
            let root = hookwarden::signals::find_repo_root(&cwd).unwrap_or(cwd.clone());
            let compiled = policy::load_effective(&cwd, &root)?;
            // The hook's compiled-policy cache for this policy, written now so that no hook
            // call pays for compiling it (its regex DFAs above all). Best effort.
            let _ = policy::pin::prewarm(&policy::Locations::discover(&cwd, &root));
            (compiled, "effective policy".to_string())
        }
    };
    let report = coverage::cover(&compiled, &target);
    if a.markdown {
        print_markdown(&report);
        return Ok(exit_code(&a, &report));
    }
    println!(
        "hookwarden policy compile: {} for {} (policy version {}, {} rules)",
        source,
        target.display,
        compiled.version,
        compiled.rules.len()
    );
    println!();
    let w_rule = report
        .lines
        .iter()
        .map(|l| l.rule_id.len())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:<w_rule$}  {:<14}  {:<9}  {:<15}  HOW / WHY",
        "RULE", "BOUNDARY", "EFFECT", "COVERAGE"
    );
    for l in &report.lines {
        println!(
            "{:<w_rule$}  {:<14}  {:<9}  {:<15}  {}",
            l.rule_id,
            l.boundary.as_str(),
            l.effect.as_str(),
            l.level.to_string(),
            l.how
        );
    }
    println!();
    println!(
        "summary: {} enforced, {} degraded, {} not enforceable, {} inactive",
        report.count(coverage::Level::Enforced),
        report.count(coverage::Level::Degraded),
        report.count(coverage::Level::NotEnforceable),
        report.count(coverage::Level::Inactive)
    );
    if !report.warnings.is_empty() {
        println!("warnings:");
        for w in &report.warnings {
            println!("  - {w}");
        }
    }
    if let Some(kind) = target.kind {
        print_snippet(kind);
    }
    Ok(exit_code(&a, &report))
}

fn exit_code(a: &CompileArgs, report: &coverage::Report) -> i32 {
    if a.strict && report.count(coverage::Level::NotEnforceable) > 0 {
        1
    } else {
        0
    }
}

fn print_markdown(report: &coverage::Report) {
    println!("| Rule | Boundary | Effect | Coverage | How / why |");
    println!("|---|---|---|---|---|");
    for l in &report.lines {
        println!(
            "| `{}` | {} | {} | {} | {} |",
            l.rule_id,
            l.boundary.as_str(),
            l.effect.as_str(),
            l.level,
            l.how.replace('|', "\\|")
        );
    }
}

fn print_snippet(kind: RuntimeKind) {
    use hookwarden::runtime::profile::UserBase;
    let Some(profile) = hookwarden::runtime::profile(kind) else {
        return;
    };
    let Some(snippet) = hookwarden::install::snippet(kind) else {
        return;
    };
    let scope = hookwarden::install::default_scope(profile);
    let target = match (scope, profile.config.user_base) {
        (hookwarden::install::Scope::User, UserBase::CodexHome) => {
            format!("$CODEX_HOME/{}", profile.install.user_file)
        }
        (hookwarden::install::Scope::User, UserBase::Home) => {
            format!("~/{}", profile.install.user_file)
        }
        (hookwarden::install::Scope::Local, _) => profile
            .install
            .local_file
            .unwrap_or(profile.install.project_file)
            .to_string(),
        (hookwarden::install::Scope::Project, _) => profile.install.project_file.to_string(),
    };
    // A project's config runs `hookwarden` from each machine's PATH, as the snippet does; a
    // user's config names this machine's binary by its path.
    let how = match scope {
        hookwarden::install::Scope::Project => {
            "as it is (`hookwarden` found on each machine's PATH)"
        }
        _ => "with the absolute binary path",
    };
    println!();
    println!(
        "hook config snippet (hooks/{}; `hookwarden install --runtime {}` writes it into {} {}):",
        snippet_file(kind),
        kind,
        target,
        how
    );
    print!("{snippet}");
    if kind == RuntimeKind::Codex {
        println!("and in $CODEX_HOME/config.toml (hooks/codex.config.toml):");
        print!("{}", hookwarden::install::codex_toml::SNIPPET);
    }
}

/// The file in `hooks/` holding a runtime's snippet.
pub fn snippet_file(kind: RuntimeKind) -> String {
    format!("{}.json", kind.as_str())
}
