//! Shell analysis signal: turns a command line into every simple command that would run and
//! raises flags about them.
//!
//! Flow: `command line -> parse (bounded) -> walk (unwrap wrappers, re-parse code strings) ->
//! flags`. For every simple command that would execute it raises `shell.exec` with attrs
//! `program` (basename, quotes removed), `args` (argv after the program), `via` (the wrappers
//! it was found behind) and, for tools with global options, `subcommand`. It raises
//! `file.read` / `file.write` with path facts for operands and redirections,
//! `shell.recursive_delete` with deletion targets, and the further flags in [`FLAGS`]. Policy
//! rules in `policies/default.toml` decide what each means.
//!
//! # Why a parser of our own
//! Two real parsers were considered. brush-parser (a PEG grammar for bash) is faithful, but
//! rejects incomplete input such as an unclosed `$(` (we must still analyse it: an error that
//! lets the command through is a bypass), and its generated recursive descent has no depth
//! bound of ours. tree-sitter-bash recovers from errors, but brings a C build, FFI, large parse
//! tables loaded at start-up, and a concrete syntax tree we would walk anyway. The hook runs
//! once per tool call, so start-up counts. What analysis needs is narrower than a full AST:
//! the simple commands, their quote-removed words, pipes (what feeds a stage's stdin),
//! redirections, heredoc bodies and substitutions. [`parse`] does exactly that with a recursion
//! bound and a step budget, treats reserved words as transparent (every branch may run), and
//! never fails: what it cannot read it still walks conservatively, and a limit hit raises
//! `shell.parse_limit`, which the default policy denies.
//!
//! # Layout
//! [`parse`] reads the command line into a tree; `walk` walks it (pipelines, redirections,
//! substitutions, variables, what feeds each stage's stdin) and dispatches each simple
//! command; `wrappers` follows commands that run other commands or code strings (`sudo`,
//! `xargs`, `find -exec`, `bash -c`, `ssh host cmd`, scripts written or downloaded earlier);
//! `effects` raises what a program does itself (deletes, disk writes, SQL, inline code,
//! file reads and writes, network egress); `programs` holds what is known about each
//! program as tables; [`code`] reads interpreter code and SQL.

pub mod code;
mod effects;
pub mod parse;
mod programs;
mod reads;
mod walk;
mod wrappers;

use super::egress::StdinKind;
use super::{paths, Context, Flag, PathFact, Signal};
use crate::event::{Event, ToolKind};
use parse::{Budget, Word};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const FLAGS: &[&str] = &[
    "shell.exec",
    "shell.recursive_delete",
    "shell.dynamic_command",
    "shell.pipe_to_shell",
    "shell.fork_bomb",
    "shell.disk_write",
    "shell.parse_limit",
    "shell.guessed_command",
    "file.read",
    "file.write",
    "file.delete",
    "sql.statement",
    "net.download",
    "net.upload",
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
        out.extend(analyze(cmd, ctx));
    }
}

/// Analyses one command line; the flags it raises.
pub fn analyze(cmd: &str, ctx: &Context) -> Vec<Flag> {
    let mut a = Analyzer {
        ctx,
        budget: Budget::default(),
        out: Vec::new(),
        funcs: Vec::new(),
        vars: HashMap::new(),
        cwd: Some(ctx.cwd.clone()),
        execs: 0,
        fetched: Vec::new(),
        written: Vec::new(),
        state: walk::ShellState::default(),
        links: Vec::new(),
    };
    let tree = parse::parse(cmd, &mut a.budget, 0);
    a.node(&tree, &[], &Input::None, 0);
    mark_regenerable(&mut a.out, ctx);
    if let Some(limit) = a.budget.limit {
        let detail = format!(
            "command not fully analysed ({limit} limit); first 80 chars: {}",
            cmd.chars().take(80).collect::<String>()
        );
        a.out.push(
            Flag::new("shell.parse_limit")
                .detail(detail)
                .attr("limit", limit),
        );
    }
    a.out
}

/// Gives the targets of recursive deletions that are regenerable artifacts of the project the
/// class `regenerable` ([`paths::regenerable`]); only deletions do this work.
fn mark_regenerable(out: &mut [Flag], ctx: &Context) {
    for f in out
        .iter_mut()
        .filter(|f| f.name == "shell.recursive_delete")
    {
        for p in f.paths.iter_mut() {
            if !p.has("regenerable") && paths::regenerable::is_regenerable(p, ctx) {
                p.classes.push("regenerable".into());
            }
        }
    }
}

/// What feeds a command's stdin.
#[derive(Debug, Clone, PartialEq)]
enum Input {
    None,
    /// Heredoc or here-string text (literal).
    Text(String),
    /// `echo`/`printf` of literal words.
    Literal(String),
    /// Downloaded content from these hosts.
    Download(Vec<String>),
    /// Decoded or generated content (`base64 -d`, `xxd -r`): unknowable.
    Decoded(String),
    /// Text decoded from a literal (`echo cm0g… | base64 -d`): known, and hidden on purpose.
    Unveiled(String),
    /// A file's content (`< f`, `cat f |`).
    File(String),
    /// `find` output: these start paths.
    Find(Vec<String>),
    /// Another program's output.
    Other(String),
}

impl Input {
    fn kind(&self) -> StdinKind {
        match self {
            Input::None => StdinKind::None,
            _ => StdinKind::Data,
        }
    }
}

struct Analyzer<'c> {
    ctx: &'c Context,
    budget: Budget,
    out: Vec<Flag>,
    funcs: Vec<String>,
    /// Literal shell variables assigned earlier in the command line.
    vars: HashMap<String, String>,
    /// The cwd after literal `cd`s; `None` once a `cd` went somewhere unknown.
    cwd: Option<PathBuf>,
    /// Simple commands analysed so far.
    execs: usize,
    /// Files a downloader wrote earlier in the command line (resolved path, hosts): running
    /// one of them is the same as piping the download into the interpreter.
    fetched: Vec<(String, Vec<String>)>,
    /// Files written with literal text earlier in the command line (resolved path, text).
    written: Vec<(String, String)>,
    /// What the command line defined for later commands: aliases, functions, git config,
    /// remotes, and the mounts of a container being entered.
    state: walk::ShellState,
    /// Links made earlier in the command line (`ln -s TARGET LINK`): link, target.
    links: Vec<(PathBuf, PathBuf)>,
}

/// More simple commands than this in one command line is not a command an agent types; the
/// rest is not analysed and the limit flag is raised.
const MAX_COMMANDS: usize = 2_000;

fn lit(s: &str) -> Word {
    Word {
        text: s.to_string(),
        ..Word::default()
    }
}

fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Character classes of backup-like names: deleting them removes the way back.
fn is_backup_name(resolved: &str) -> bool {
    let lower = resolved.to_ascii_lowercase();
    let tail: Vec<&str> = lower.rsplit('/').take(2).collect();
    tail.iter().any(|seg| {
        seg.contains("backup")
            || seg.contains("snapshot")
            || seg.contains("dump")
            || seg.ends_with(".bak")
            || seg.ends_with(".bkp")
            || *seg == "bak"
            || seg.starts_with("bkp")
    })
}

impl Analyzer<'_> {
    fn fact(&self, raw: &str) -> PathFact {
        // Inside `docker run`, a path is the container's own or a host path behind a mount.
        match self.container_path(raw) {
            Some(wrappers::ContainerPath::Inside(f)) => f,
            Some(wrappers::ContainerPath::Host(host)) => {
                let mut f = self.host_fact(&host);
                f.raw = raw.to_string();
                f
            }
            None => self.host_fact(raw),
        }
    }

    fn host_fact(&self, raw: &str) -> PathFact {
        // `$TMPDIR` is a temp dir whatever its value, unless the command line set it.
        let expanded = ["${TMPDIR}", "$TMPDIR", "${TMPDIR:-/tmp}"]
            .iter()
            .filter(|_| !self.state.assigned.iter().any(|v| v == "TMPDIR"))
            .find_map(|p| raw.strip_prefix(p).map(|rest| format!("/tmp{rest}")));
        let raw_eff = expanded.as_deref().unwrap_or(raw);
        let mut f = match &self.cwd {
            Some(cwd)
                if cwd != &self.ctx.cwd
                    && !raw_eff.starts_with('/')
                    && !raw_eff.starts_with('~')
                    && !raw_eff.starts_with("$HOME")
                    && !raw_eff.starts_with("${HOME}") =>
            {
                let abs = cwd.join(raw_eff);
                let mut f = paths::fact(&abs.to_string_lossy(), self.ctx);
                f.raw = raw.to_string();
                f
            }
            _ => {
                let mut f = paths::fact(raw_eff, self.ctx);
                f.raw = raw.to_string();
                f
            }
        };
        if raw.contains('$') || raw.contains(parse::SUBST) {
            f.classes.push("dynamic".into());
        }
        // `ln -s ~ /tmp/h && rm -rf /tmp/h/`: a link made earlier in the command line leads
        // where it was made to lead, though it does not exist yet.
        let made = self.links.iter().rev().find_map(|(link, target)| {
            Path::new(&f.resolved)
                .strip_prefix(link)
                .ok()
                .map(|rest| target.join(rest))
        });
        if let Some(to) = made {
            let via = paths::fact(&to.to_string_lossy(), self.ctx);
            paths::merge_view(&mut f, &via);
        }
        if is_backup_name(&f.resolved) {
            f.classes.push("backup".into());
        }
        f
    }

    fn facts(&self, raws: &[String]) -> Vec<PathFact> {
        raws.iter().map(|r| self.fact(r)).collect()
    }
}

#[cfg(test)]
mod tests;
