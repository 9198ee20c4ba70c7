//! `hookwarden policy ...`: test, show.

use anyhow::Result;
use clap::Subcommand;
use hookwarden::policy::{self, testing};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Run the inline tests of a policy file (default: the effective policy).
    Test { file: Option<PathBuf> },
    /// Print the effective policy, with the scope each rule came from.
    Show {
        #[arg(long)]
        effective: bool,
        #[arg(long)]
        cwd: Option<PathBuf>,
    },
    /// Draft a candidate policy from an evaluation (`hookwarden evaluate --json -o FILE`).
    Draft(super::evaluate::DraftArgs),
}

pub fn run(cmd: PolicyCommand) -> Result<i32> {
    match cmd {
        PolicyCommand::Draft(a) => super::evaluate::run_draft(a),
        PolicyCommand::Test { file } => {
            let compiled = match file {
                Some(f) => {
                    let text = std::fs::read_to_string(&f)?;
                    let layer = policy::parse_layer(
                        policy::Scope::Project,
                        &f.display().to_string(),
                        text,
                    )?;
                    policy::compile(&[layer])?
                }
                None => {
                    let cwd = std::env::current_dir()?;
                    let root = hookwarden::signals::find_repo_root(&cwd).unwrap_or(cwd.clone());
                    policy::load_effective(&cwd, &root)?
                }
            };
            let results = testing::run_tests(&compiled);
            let failed = results.iter().filter(|r| !r.passed).count();
            for r in &results {
                if let Some(p) = &r.problem {
                    println!(
                        "FAIL {} ({}): {p}; fired: [{}]",
                        r.name,
                        r.origin,
                        r.fired.join(", ")
                    );
                }
            }
            println!("{} passed, {} failed", results.len() - failed, failed);
            Ok(if failed == 0 { 0 } else { 1 })
        }
        PolicyCommand::Show { effective: _, cwd } => {
            let cwd = match cwd {
                Some(c) => c,
                None => std::env::current_dir()?,
            };
            let root = hookwarden::signals::find_repo_root(&cwd).unwrap_or(cwd.clone());
            let compiled = policy::load_effective(&cwd, &root)?;
            println!("policy version {}", compiled.version);
            for (scope, name, origin) in &compiled.layers {
                println!("layer {scope}: {name} ({origin})");
            }
            for w in &compiled.warnings {
                println!("warning: {w}");
            }
            for r in &compiled.rules {
                println!(
                    "[{}] {} -> {} (risk {}{})",
                    r.scope,
                    r.rule.id,
                    r.rule.effect,
                    r.rule.risk,
                    if r.mode == policy::Mode::Audit {
                        ", audit"
                    } else {
                        ""
                    }
                );
            }
            Ok(0)
        }
    }
}
