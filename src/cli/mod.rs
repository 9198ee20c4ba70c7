//! Command-line front end. One file per command family; `hook` has its own fast path.

pub mod check;
pub mod evaluate;
pub mod hook;
pub mod policy_cmd;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "hookwarden",
    version,
    about = "A policy hook for coding agents: allow, deny, ask, redact, alert or stop, with every decision explained and audited."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run as a runtime's hook: one event JSON on stdin, the runtime's answer on stdout.
    Hook {
        #[arg(long)]
        runtime: Option<String>,
    },
    /// Evaluate a command or file access without a runtime and explain the decision.
    Check(check::CheckArgs),
    /// Policy tools: test, show, validate.
    Policy {
        #[command(subcommand)]
        command: policy_cmd::PolicyCommand,
    },
    /// Build-time review: runtimes, MCP servers, exposure and observed actions of a repo.
    Evaluate(evaluate::EvaluateArgs),
}

pub fn main(args: Vec<String>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let result = match cli.command {
        Command::Hook { runtime } => {
            let args: Vec<String> = runtime
                .map(|r| vec!["--runtime".into(), r])
                .unwrap_or_default();
            return hook::run(&args);
        }
        Command::Check(a) => check::run(a),
        Command::Policy { command } => policy_cmd::run(command),
        Command::Evaluate(a) => evaluate::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hookwarden: {e:#}");
            2
        }
    }
}
