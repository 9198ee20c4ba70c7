//! `hookwarden hook [--runtime R]`: the hook itself. Reads one event on stdin, prints the
//! runtime's answer, exits as the runtime expects.

use hookwarden::engine::{self as hook, MAX_INPUT};
use std::io::{Read, Write};

pub fn run(args: &[String]) -> i32 {
    hookwarden::managed::enter_hook_call();
    let mut runtime = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if matches!(a, "-h" | "--help") {
            print!("{}", help());
            return 0;
        }
        let value = if let Some(v) = a.strip_prefix("--runtime=") {
            Some(v.to_string())
        } else if a == "--runtime" {
            i += 1;
            args.get(i).cloned()
        } else {
            eprintln!("hookwarden hook: unknown argument `{a}` (usage: hookwarden hook [--runtime claude|codex|gemini|...])");
            // Fail closed: a miswired hook must not let pre-tool calls through silently.
            return 2;
        };
        // Fail closed: a hook wired with a name no runtime has must not guess one.
        match hookwarden::runtime::parse_name(value.as_deref().unwrap_or_default()) {
            Ok(p) => runtime = Some(p.kind),
            Err(e) => {
                eprintln!("hookwarden hook: {e}");
                return 2;
            }
        }
        i += 1;
    }
    let (input, oversized) = read_stdin();
    let outcome = hook::handle(&input, runtime, oversized);
    if let Some(rec) = &outcome.record {
        if let Err(e) = hookwarden::audit::write_rotating(rec, outcome.rotation.as_ref()) {
            eprintln!("hookwarden: {e}");
        }
    }
    for w in &outcome.warnings {
        eprintln!("hookwarden: warning: {w}");
    }
    let a = outcome.answer;
    let mut out = std::io::stdout().lock();
    if !a.stdout.is_empty() {
        let _ = out.write_all(a.stdout.as_bytes());
        let _ = out.write_all(b"\n");
        let _ = out.flush();
    }
    if !a.stderr.is_empty() {
        eprintln!("{}", a.stderr);
    }
    a.exit_code
}

/// `hookwarden hook --help`: what the hook reads, answers and how it fails. (The hook skips
/// the full argument parser, so its help is written here.)
fn help() -> String {
    format!(
        "Run as a runtime's hook: one event JSON on stdin, the runtime's answer on stdout

Usage: hookwarden hook [--runtime <RUNTIME>]

Options:
      --runtime <RUNTIME>  The runtime calling: {} (default: inferred from the payload)
  -h, --help               Print help

`hookwarden install --runtime <RUNTIME>` writes the hook config that runs this; try a
command without a runtime with `hookwarden check -- <COMMAND>`. The answer is in the
runtime's own shape (JSON on stdout, exit status 0, or 2 for a block where the runtime reads
it so). The hook fails closed: an unknown argument or runtime, an unreadable policy or a
payload it cannot read blocks a pre-tool call. Every decision is appended to the audit log.
",
        hookwarden::runtime::known_names()
    )
}

/// Reads stdin up to [`MAX_INPUT`]; the rest is drained (so the writer never blocks) and
/// the input is marked oversized.
fn read_stdin() -> (Vec<u8>, bool) {
    // Reserved, not touched: the allocator maps it lazily, and a big payload then fills it
    // in place instead of being copied at every doubling (each copy lands in fresh pages,
    // which this process pays a fault for each).
    let mut buf = Vec::with_capacity(1 << 20);
    let stdin = std::io::stdin();
    let mut lock = stdin.lock();
    let mut limited = (&mut lock).take(MAX_INPUT as u64 + 1);
    if limited.read_to_end(&mut buf).is_err() {
        return (buf, false);
    }
    if buf.len() > MAX_INPUT {
        let _ = std::io::copy(&mut lock, &mut std::io::sink());
        return (Vec::new(), true);
    }
    (buf, false)
}
