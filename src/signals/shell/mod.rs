//! Shell analysis signal: turns a command line into every simple command that would run and
//! raises flags about them.
//!
//! Contract with the policy (see docs/policy.md): for every simple command that would execute
//! the signal raises `shell.exec` with attrs `program` (basename, quotes removed), `args`
//! (argv after the program), `via` (the wrappers it was found behind). It raises `file.read` /
//! `file.write` with path facts for operands a command reads or writes, and
//! `shell.recursive_delete` with the deletion targets. Richer facts are further flags.
//!
//! This first version is a small quote-aware splitter; the full parser replaces it.

use super::{paths, Context, Flag, Signal};
use crate::event::{Event, ToolKind};
use serde_json::Value;

pub const FLAGS: &[&str] = &[
    "shell.exec",
    "shell.recursive_delete",
    "file.read",
    "file.write",
];

pub struct ShellSignal;

impl Signal for ShellSignal {
    fn name(&self) -> &'static str {
        "shell"
    }

    fn applies(&self, event: &Event) -> bool {
        event.boundary == crate::event::Boundary::ToolRequest
            && event.tool_kind() == Some(ToolKind::Shell)
            && event.command.is_some()
    }

    fn inspect(&self, event: &Event, ctx: &Context, out: &mut Vec<Flag>) {
        let Some(cmd) = event.command.as_deref() else {
            return;
        };
        for argv in split_commands(cmd) {
            let Some(first) = argv.first() else { continue };
            let program = first.rsplit('/').next().unwrap_or(first).to_string();
            let args: Vec<Value> = argv[1..].iter().map(|a| Value::String(a.clone())).collect();
            out.push(
                Flag::new("shell.exec")
                    .detail(argv.join(" "))
                    .attr("program", program.clone())
                    .attr("args", Value::Array(args)),
            );
            let operands: Vec<&String> = argv[1..].iter().filter(|a| !a.starts_with('-')).collect();
            match program.as_str() {
                "rm" => {
                    let recursive = argv[1..].iter().any(|a| {
                        a == "--recursive"
                            || (a.starts_with('-')
                                && !a.starts_with("--")
                                && (a.contains('r') || a.contains('R')))
                    });
                    if recursive {
                        let facts = operands.iter().map(|p| paths::fact(p, ctx)).collect();
                        out.push(
                            Flag::new("shell.recursive_delete")
                                .detail(argv.join(" "))
                                .paths(facts),
                        );
                    }
                }
                "cat" | "less" | "more" | "head" | "tail" => {
                    let facts: Vec<_> = operands.iter().map(|p| paths::fact(p, ctx)).collect();
                    if !facts.is_empty() {
                        out.push(Flag::new("file.read").detail(argv.join(" ")).paths(facts));
                    }
                }
                _ => {}
            }
        }
    }
}

/// Splits a command line into simple commands' argv, honouring quotes.
fn split_commands(cmd: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut argv: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = cmd.chars().peekable();
    let flush_word = |word: &mut String, in_word: &mut bool, argv: &mut Vec<String>| {
        if *in_word {
            argv.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                word.push(n);
                            }
                        }
                        _ => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            ';' | '|' | '&' | '\n' | '(' | ')' => {
                flush_word(&mut word, &mut in_word, &mut argv);
                if !argv.is_empty() {
                    out.push(std::mem::take(&mut argv));
                }
            }
            c if c.is_whitespace() => flush_word(&mut word, &mut in_word, &mut argv),
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    flush_word(&mut word, &mut in_word, &mut argv);
    if !argv.is_empty() {
        out.push(argv);
    }
    out
}
