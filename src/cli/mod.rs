//! Command-line front end. One file per command family; `hook` has its own fast path.

pub mod approve;
pub mod audit_cmd;
pub mod check;
pub mod compile;
pub mod doctor;
pub mod evaluate;
pub mod hook;
pub mod install;
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
    /// The monitor view of the audit log: what fired, where, with what effect.
    Audit(audit_cmd::AuditArgs),
    /// Policy tools: test, show, validate.
    Policy {
        #[command(subcommand)]
        command: policy_cmd::PolicyCommand,
    },
    /// Approve an action a runtime could not ask about, by the code in the agent's message.
    Approve(approve::ApproveArgs),
    /// List pending and granted approvals.
    Approvals(approve::ApprovalsArgs),
    /// Wire hookwarden into a runtime's hook config (merges, idempotent, backs up).
    Install(install::InstallArgs),
    /// Remove exactly what `install` added.
    Uninstall(install::InstallArgs),
    /// Check every runtime config found: wiring, decoys, disabled hooks, binaries, managed mode,
    /// the audit chain, and a self-test event per runtime.
    Doctor(doctor::DoctorArgs),
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
    quiet_on_closed_stdout();
    let result = match cli.command {
        Command::Hook { runtime } => {
            let args: Vec<String> = runtime
                .map(|r| vec!["--runtime".into(), r])
                .unwrap_or_default();
            return hook::run(&args);
        }
        Command::Check(a) => check::run(a),
        Command::Audit(a) => audit_cmd::run(a),
        Command::Policy { command } => policy_cmd::run(command),
        Command::Approve(a) => approve::approve(a),
        Command::Approvals(a) => approve::list(a),
        Command::Install(a) => install::run_install(a),
        Command::Uninstall(a) => install::run_uninstall(a),
        Command::Doctor(a) => doctor::run(a),
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

/// `hookwarden audit | head` closes our stdout early; `println!` then panics with a backtrace.
/// A reader that stopped reading is not an error for a report command: exit quietly.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
