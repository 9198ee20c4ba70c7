//! `hookwarden check`: evaluate an action without a runtime and show why.

use anyhow::Result;
use clap::Args;
use hookwarden::decision::Effect;
use hookwarden::event::RuntimeKind;
use hookwarden::policy::model::PolicyTest;
use hookwarden::policy::testing;
use hookwarden::policy::{self, eval};
use hookwarden::signals::Context;
use serde_json::json;

#[derive(Args)]
pub struct CheckArgs {
    /// Evaluate as this runtime would send it (affects rules that test the runtime); `none`
    /// for no runtime.
    #[arg(long, default_value = "claude")]
    runtime: String,
    /// A file-read tool call on this path.
    #[arg(long, conflicts_with_all = ["write", "output", "prompt"])]
    read: Option<String>,
    /// A file-write tool call on this path.
    #[arg(long)]
    write: Option<String>,
    /// Content for --write.
    #[arg(long)]
    content: Option<String>,
    /// A tool output (post-tool) to scan; `@FILE` reads it from a file.
    #[arg(long)]
    output: Option<String>,
    /// A user prompt to scan.
    #[arg(long)]
    prompt: Option<String>,
    /// The working directory the action happens in (default: the current one).
    #[arg(long)]
    cwd: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
    /// The shell command, after `--`.
    #[arg(last = true)]
    command: Vec<String>,
}

pub fn run(a: CheckArgs) -> Result<i32> {
    let runtime = if a.runtime == "none" {
        RuntimeKind::None
    } else {
        hookwarden::runtime::parse_name(&a.runtime)?.kind
    };
    let cwd = match &a.cwd {
        Some(c) => c.clone(),
        None => std::env::current_dir()?.display().to_string(),
    };
    let output = match &a.output {
        Some(o) => Some(match o.strip_prefix('@') {
            Some(f) => std::fs::read_to_string(f)?,
            None => o.clone(),
        }),
        None => None,
    };
    let command = (!a.command.is_empty()).then(|| a.command.join(" "));
    if a.read.is_none()
        && a.write.is_none()
        && output.is_none()
        && a.prompt.is_none()
        && command.is_none()
    {
        anyhow::bail!(
            "nothing to check: give `-- <command>`, --read, --write, --output or --prompt"
        );
    }
    // `check` describes an action the way an inline policy test does.
    let spec = PolicyTest {
        command: if output.is_some() { None } else { command },
        read: a.read.clone(),
        write: a.write.clone(),
        content: a.content.clone(),
        output,
        prompt: a.prompt.clone(),
        runtime: Some(runtime.as_str().to_string()),
        ..PolicyTest::default()
    };
    let mut ev = testing::event_for(&spec);
    ev.cwd = cwd;
    ev.session_id = "check".into();
    let ctx = Context::for_cwd(&ev.cwd);
    let env = eval::ProcessEnv::new(ctx.project_root.clone());
    let compiled =
        policy::load_effective(&ctx.cwd, &ctx.project_root).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (d, flags) = hookwarden::engine::decide(&compiled, &ev, &ctx, &env, None);
    if a.json {
        let v = json!({ "decision": d, "flags": flags });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "decision: {}{}",
            d.effect,
            if d.would_effect != d.effect {
                format!(" (would be {} outside audit mode)", d.would_effect)
            } else {
                String::new()
            }
        );
        println!("risk: {}", d.risk);
        println!("policy version: {}", d.policy_version);
        if let Some(r) = &d.approver_role {
            println!("approver role: {r}");
        }
        println!("flags:");
        if flags.is_empty() {
            println!("  (none)");
        }
        for f in &flags {
            let mut line = format!("  {}", f.name);
            if !f.detail.is_empty() {
                line.push_str(&format!("  {}", hookwarden::audit::mask(&f.detail)));
            }
            println!("{line}");
            if f.name == "shell.exec" {
                // The parsed structure: what runs, with which argv, behind which wrappers.
                let list = |k: &str| -> Vec<String> {
                    f.attrs
                        .get(k)
                        .and_then(|v| v.as_array())
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str())
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let program = f
                    .attrs
                    .get("program")
                    .and_then(|v| v.as_str())
                    .unwrap_or("");
                let via = list("via");
                println!(
                    "    runs {program} {:?}{}",
                    list("args"),
                    if via.is_empty() {
                        String::new()
                    } else {
                        format!(" via {}", via.join(" > "))
                    }
                );
            } else if !f.attrs.is_empty() {
                let attrs: Vec<String> = f
                    .attrs
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            v.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string())
                        )
                    })
                    .collect();
                println!("    {}", attrs.join(" "));
            }
            for p in &f.paths {
                println!(
                    "    path {} -> {} [{}]",
                    p.raw,
                    p.resolved,
                    p.classes.join(", ")
                );
            }
            if !f.hosts.is_empty() {
                println!("    hosts {}", f.hosts.join(", "));
            }
            for x in &f.findings {
                println!(
                    "    finding {} at {}..{} #{}",
                    x.kind, x.start, x.end, x.hash
                );
            }
        }
        println!("fired:");
        if d.fired.is_empty() {
            println!("  (no rule matched)");
        }
        for f in &d.fired {
            println!(
                "  {} -> {} (risk {}, {} scope{})",
                f.rule_id,
                f.effect,
                f.risk,
                f.scope,
                if f.mode == hookwarden::decision::Mode::Audit {
                    ", audit only"
                } else {
                    ""
                }
            );
            println!("    reason: {}", f.reason);
            if let Some(l) = &f.lineage {
                println!("    lineage: {}", serde_json::to_string(l)?);
            }
        }
        if !d.exceptions.is_empty() {
            println!("excepted:");
        }
        for x in &d.exceptions {
            println!(
                "  {} {} -> {} by a {} exception",
                x.rule_id, x.rule_effect, x.effect, x.scope
            );
            println!("    reason: {}", x.reason);
        }
        if d.effect == Effect::Redact {
            if let Some(out) = &ev.output {
                println!(
                    "redacted output:\n{}",
                    hookwarden::runtime::redacted_output(&ev, &d)
                );
                let _ = out;
            }
        }
    }
    Ok(match d.effect {
        Effect::Deny | Effect::Terminate => 1,
        _ => 0,
    })
}
