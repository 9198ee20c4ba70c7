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

pub mod code;
pub mod parse;

use super::egress::{self, StdinKind, DOWNLOADERS};
use super::{paths, Context, Flag, PathFact, Signal};
use crate::event::{Event, ToolKind};
use parse::{Budget, Node, RedirOp, Simple, Word};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

pub const FLAGS: &[&str] = &[
    "shell.exec",
    "shell.recursive_delete",
    "shell.dynamic_command",
    "shell.pipe_to_shell",
    "shell.fork_bomb",
    "shell.disk_write",
    "shell.parse_limit",
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
    };
    let tree = parse::parse(cmd, &mut a.budget, 0);
    a.node(&tree, &[], &Input::None, 0);
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

pub(crate) const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish", "csh", "tcsh", "yash", "rbash",
];

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
        // `$TMPDIR` is a temp dir whatever its value.
        let expanded = ["${TMPDIR}", "$TMPDIR", "${TMPDIR:-/tmp}"]
            .iter()
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
        if f.has("glob") {
            // `cat .env*`: the name without wildcards says what the glob reaches.
            let bare: String = f
                .resolved
                .chars()
                .filter(|c| !matches!(c, '*' | '?'))
                .collect();
            for c in paths::sensitive_classes(&bare) {
                if !f.has(c) {
                    f.classes.push(c.to_string());
                }
            }
        }
        if is_backup_name(&f.resolved) {
            f.classes.push("backup".into());
        }
        f
    }

    fn facts(&self, raws: &[String]) -> Vec<PathFact> {
        raws.iter().map(|r| self.fact(r)).collect()
    }

    fn node(&mut self, n: &Node, via: &[String], input: &Input, depth: usize) {
        if !self.budget.step() {
            return;
        }
        match n {
            Node::Simple(s) => self.simple(s, via, input, depth),
            Node::Pipeline(stages) => {
                let mut prev = input.clone();
                for (i, st) in stages.iter().enumerate() {
                    let inp = if i == 0 {
                        input.clone()
                    } else {
                        carried(self.source_of(&stages[i - 1]), &prev)
                    };
                    self.node(st, via, &inp, depth);
                    prev = inp;
                }
            }
            Node::List(v) => {
                for n in v {
                    self.node(n, via, input, depth);
                }
            }
            Node::Group(body, redirs) => {
                let inp = self
                    .redirections(redirs, "(group)")
                    .unwrap_or_else(|| input.clone());
                self.node(body, via, &inp, depth);
            }
            Node::Function(name, body) => {
                self.funcs.push(name.clone());
                if calls_itself_in_pipeline(name, body) {
                    self.out.push(
                        Flag::new("shell.fork_bomb")
                            .detail(format!("function `{name}` pipes into itself")),
                    );
                }
                let mut v = via.to_vec();
                v.push(format!("function {name}"));
                self.node(body, &v, &Input::None, depth);
            }
        }
    }

    /// What a pipeline stage produces on stdout, for the next stage.
    fn source_of(&self, n: &Node) -> Input {
        match n {
            Node::Simple(s) => {
                let words: Vec<&Word> = s.words.iter().collect();
                let argv = strip_wrappers(&words);
                let Some(first) = argv.first() else {
                    return Input::Other(String::new());
                };
                if first.dynamic {
                    return Input::Decoded(first.text.clone());
                }
                let prog = basename(&first.text);
                let args: Vec<String> = argv[1..].iter().map(|w| w.text.clone()).collect();
                match prog {
                    "echo" | "printf" => {
                        let skip_opts: Vec<&String> = args
                            .iter()
                            .skip_while(|a| prog == "echo" && a.starts_with('-') && a.len() <= 3)
                            .collect();
                        if argv[1..].iter().any(|w| w.dynamic) {
                            // The text has expansions; still readable as code.
                            let text = skip_opts
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(" ");
                            return Input::Literal(text);
                        }
                        let text = skip_opts
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(" ");
                        let text = if prog == "printf" || args.iter().any(|a| a == "-e") {
                            text.replace("\\n", "\n")
                        } else {
                            text
                        };
                        Input::Literal(text)
                    }
                    p if DOWNLOADERS.contains(&p) => {
                        let mut tmp = Vec::new();
                        let mut reads = Vec::new();
                        let facts = egress::analyze_command(
                            p,
                            &args,
                            StdinKind::None,
                            "",
                            self.ctx,
                            &mut tmp,
                            &mut reads,
                        );
                        let mut hosts = facts.hosts;
                        if hosts.is_empty() {
                            hosts.push("(unknown)".into());
                        }
                        Input::Download(hosts)
                    }
                    "base64" | "base32" | "xxd" | "openssl" | "gpg" | "gunzip" | "zcat"
                    | "gzip" | "bzcat" | "xzcat" | "uudecode" | "rev" | "tr" | "sed" | "awk"
                    | "perl" | "python" | "python3" | "node" | "ruby" | "eval" | "jq" => {
                        Input::Decoded(prog.to_string())
                    }
                    "cat" => match args.iter().find(|a| !a.starts_with('-')) {
                        Some(f) => Input::File(f.clone()),
                        // `cat <<EOF | sh`: the heredoc is what flows on.
                        None => s
                            .redirs
                            .iter()
                            .rev()
                            .find_map(|r| match r.op {
                                RedirOp::HereDoc | RedirOp::HereString => {
                                    Some(Input::Text(r.body.clone().unwrap_or_default()))
                                }
                                RedirOp::In => Some(Input::File(r.target.text.clone())),
                                _ => None,
                            })
                            .unwrap_or(Input::Other("cat".into())),
                    },
                    "find" | "fd" => Input::Find(find_roots(&args)),
                    p => Input::Other(p.to_string()),
                }
            }
            Node::Pipeline(v) | Node::List(v) => v
                .last()
                .map(|n| self.source_of(n))
                .unwrap_or(Input::Other(String::new())),
            Node::Group(b, _) => self.source_of(b),
            Node::Function(..) => Input::Other(String::new()),
        }
    }

    /// Raises file flags for redirections; returns the stdin they set, if any.
    fn redirections(&mut self, redirs: &[parse::Redir], text: &str) -> Option<Input> {
        let mut input = None;
        for r in redirs {
            for sub in &r.target.subs {
                self.node(sub, &["redirection".to_string()], &Input::None, 1);
            }
            let t = r.target.text.as_str();
            let dev_ok = matches!(
                t,
                "/dev/null"
                    | "/dev/stdout"
                    | "/dev/stderr"
                    | "/dev/tty"
                    | "/dev/zero"
                    | "/dev/random"
                    | "/dev/urandom"
            ) || t.starts_with("/dev/fd/")
                || t.starts_with("/dev/pts/");
            match r.op {
                RedirOp::HereDoc | RedirOp::HereString => {
                    input = Some(Input::Text(r.body.clone().unwrap_or_default()));
                }
                RedirOp::In | RedirOp::ReadWrite if !r.target.procsub => {
                    if let Some(host) = dev_net_host(t) {
                        self.out
                            .push(Flag::new("net.download").detail(text).hosts(vec![host]));
                    } else if !dev_ok {
                        self.out.push(
                            Flag::new("file.read")
                                .detail(text)
                                .paths(vec![self.fact(t)]),
                        );
                    }
                    input = Some(Input::File(t.to_string()));
                    if r.op == RedirOp::ReadWrite && !dev_ok {
                        self.out.push(
                            Flag::new("file.write")
                                .detail(text)
                                .paths(vec![self.fact(t)]),
                        );
                    }
                }
                RedirOp::Out | RedirOp::Append if !r.target.procsub => {
                    if let Some(host) = dev_net_host(t) {
                        self.out
                            .push(Flag::new("net.upload").detail(text).hosts(vec![host]));
                    } else if is_block_device(t) {
                        self.out.push(
                            Flag::new("shell.disk_write")
                                .detail(text)
                                .attr("kind", "redirect")
                                .paths(vec![self.fact(t)]),
                        );
                    } else if !dev_ok
                        && !t.is_empty()
                        && (r.op != RedirOp::Out
                            || !t.chars().all(|c| c.is_ascii_digit() || c == '-'))
                    {
                        self.out.push(
                            Flag::new("file.write")
                                .detail(text)
                                .paths(vec![self.fact(t)]),
                        );
                    }
                }
                _ => {}
            }
        }
        input
    }

    fn simple(&mut self, s: &Simple, via: &[String], input: &Input, depth: usize) {
        let mut sub_via = via.to_vec();
        sub_via.push("$()".into());
        for w in s.assigns.iter().map(|a| &a.1).chain(s.words.iter()) {
            for sub in &w.subs {
                let mut v = via.to_vec();
                v.push(if w.procsub {
                    "<()".into()
                } else {
                    "$()".into()
                });
                self.node(sub, &v, &Input::None, depth);
            }
        }
        for (name, value) in &s.assigns {
            if value.text == parse::SUBST && value.subs.first().is_some_and(is_mktemp) {
                // `tmp=$(mktemp -d)`: a fresh path under the temp dir.
                self.vars.insert(name.clone(), "/tmp/(mktemp)".into());
            } else if value.dynamic {
                self.vars.remove(name);
            } else {
                self.vars.insert(name.clone(), value.text.clone());
            }
        }
        let redirected = self.redirections(&s.redirs, &s.text);
        if s.words.is_empty() {
            return;
        }
        let input = redirected.unwrap_or_else(|| input.clone());
        let argv: Vec<Word> = s.words.clone();
        self.exec(&argv, via, &input, &s.text, &[], depth);
        // `curl -s URL > install.sh`: the redirection target holds the download.
        let words: Vec<&Word> = s.words.iter().collect();
        let stripped = strip_wrappers(&words);
        // `echo 'rm -rf /' > x.sh`, `cat > x.sh <<EOF`: the file holds that text.
        if let Some(content) = literal_output(&Node::Simple(Simple {
            redirs: Vec::new(),
            ..s.clone()
        }))
        .or_else(|| {
            (s.words.len() == 1 && s.words[0].text == "cat")
                .then(|| {
                    s.redirs.iter().find_map(|r| match r.op {
                        RedirOp::HereDoc | RedirOp::HereString => r.body.clone(),
                        _ => None,
                    })
                })
                .flatten()
        }) {
            for r in &s.redirs {
                if matches!(r.op, RedirOp::Out | RedirOp::Append) && !r.target.dynamic {
                    let resolved = self.fact(&r.target.text).resolved;
                    self.written.push((resolved, content.clone()));
                }
            }
        }
        if let Some(first) = stripped.first() {
            let prog = basename(&first.text);
            if DOWNLOADERS.contains(&prog) {
                let outs: Vec<String> = s
                    .redirs
                    .iter()
                    .filter(|r| matches!(r.op, RedirOp::Out | RedirOp::Append))
                    .map(|r| r.target.text.clone())
                    .filter(|t| !t.is_empty() && !t.starts_with("/dev/"))
                    .collect();
                if !outs.is_empty() {
                    let args: Vec<String> = stripped[1..].iter().map(|w| w.text.clone()).collect();
                    self.record_fetch(prog, &args, &outs);
                }
            }
        }
    }

    /// The text of a word whose expansions are all known here: variables assigned a literal
    /// earlier, and `$(echo …)` / `$(printf …)` of literals.
    fn static_text(&self, w: &Word) -> Option<String> {
        let mut outputs = w.subs.iter().map(literal_output);
        let mut text = String::new();
        let mut rest = w.text.as_str();
        while let Some(i) = rest.find('$') {
            text.push_str(&rest[..i]);
            rest = &rest[i..];
            if let Some(r) = rest.strip_prefix(parse::SUBST) {
                text.push_str(&outputs.next()??);
                rest = r;
                continue;
            }
            let (name, r) = if let Some(b) = rest.strip_prefix("${") {
                let end = b.find('}')?;
                (&b[..end], &b[end + 1..])
            } else {
                let b = &rest[1..];
                let end = b
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(b.len());
                (&b[..end], &b[end..])
            };
            if !parse_is_name(name) {
                return None;
            }
            text.push_str(self.vars.get(name)?);
            rest = r;
        }
        text.push_str(rest);
        if text.is_empty() || text.contains('`') {
            return None;
        }
        Some(text)
    }

    /// Remembers the files a downloader writes (`-o`, `-O`, wget's default name, `> file`).
    fn record_fetch(&mut self, program: &str, args: &[String], redirect_outs: &[String]) {
        let urls: Vec<&String> = args.iter().filter(|a| a.contains("://")).collect();
        let hosts: Vec<String> = urls
            .iter()
            .filter_map(|u| u.split("://").nth(1))
            .map(|r| {
                r.split(['/', '?', '#'])
                    .next()
                    .unwrap_or("")
                    .rsplit('@')
                    .next()
                    .unwrap_or("")
                    .split(':')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .filter(|h| !h.is_empty())
            .collect();
        if hosts.is_empty() {
            return;
        }
        let remote_name = || {
            urls.iter()
                .filter_map(|u| u.split(['?', '#']).next())
                .filter_map(|u| u.rsplit('/').next())
                .find(|n| !n.is_empty() && !n.contains(':'))
                .map(str::to_string)
        };
        let mut outs: Vec<String> = redirect_outs.to_vec();
        let mut explicit = false;
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            let next = args.get(i + 1).cloned();
            match (program, a) {
                ("curl" | "curlie", "-o" | "--output") | ("wget", "-O" | "--output-document") => {
                    explicit = true;
                    outs.extend(next.filter(|n| n != "-"));
                    i += 1;
                }
                ("curl" | "curlie", "-O" | "--remote-name" | "--remote-name-all") => {
                    explicit = true;
                    outs.extend(remote_name());
                }
                ("wget", _) if a.starts_with('-') && !a.starts_with("--") && a.ends_with('O') => {
                    explicit = true;
                    outs.extend(next.filter(|n| n != "-"));
                    i += 1;
                }
                _ => {
                    if let Some(v) = a
                        .strip_prefix("--output=")
                        .or_else(|| a.strip_prefix("--output-document="))
                    {
                        explicit = true;
                        if v != "-" {
                            outs.push(v.to_string());
                        }
                    } else if program == "curl" && a.starts_with("-o") && a.len() > 2 {
                        explicit = true;
                        outs.push(a[2..].to_string());
                    }
                }
            }
            i += 1;
        }
        if program == "wget" && !explicit {
            outs.extend(remote_name());
        }
        for o in outs {
            let resolved = self.fact(&o).resolved;
            self.fetched.push((resolved, hosts.clone()));
        }
    }

    /// Running a file downloaded earlier in the same command line.
    fn run_fetched(&mut self, path: &str, program: &str, text: &str) {
        if self.fetched.is_empty() && self.written.is_empty() {
            return;
        }
        let resolved = self.fact(path).resolved;
        if let Some(i) = self.written.iter().rposition(|(p, _)| *p == resolved) {
            // Taken out so that a script running itself is read once. Only shells run the
            // text as shell code; interpreters get their own scan.
            let (_, body) = self.written.remove(i);
            if SHELLS.contains(&program) || program == "source" || program == "exec" {
                self.run_script(&body, &[], format!("{program} {path}"), &Input::None, 0);
            } else if let Some(lang) = code::interpreter(program) {
                let f = code::scan_code(&body, lang);
                for s in &f.shell {
                    self.run_script(s, &[], format!("{program} {path}"), &Input::None, 0);
                }
                for t in &f.recursive_deletes {
                    let facts = t.iter().map(|t| self.fact(t)).collect();
                    self.out.push(
                        Flag::new("shell.recursive_delete")
                            .detail(text)
                            .paths(facts)
                            .attr("program", program),
                    );
                }
            }
        }
        if let Some((_, hosts)) = self.fetched.iter().find(|(p, _)| *p == resolved) {
            let hosts = hosts.clone();
            self.out.push(
                Flag::new("shell.pipe_to_shell")
                    .detail(text)
                    .hosts(hosts)
                    .attr("via", format!("{program} (downloaded file)")),
            );
        }
    }

    /// awk programs run shell commands through `system()`, `print | "cmd"` and
    /// `"cmd" | getline`.
    fn awk(&mut self, args: &[String], via: &[String], text: &str, depth: usize) {
        let mut i = 0;
        let mut prog = None;
        while i < args.len() {
            let a = args[i].as_str();
            if a == "-f" || a.starts_with("--file") {
                return;
            }
            if matches!(a, "-F" | "-v" | "--assign" | "--field-separator") {
                i += 2;
                continue;
            }
            if a == "--" {
                prog = args.get(i + 1);
                break;
            }
            if !a.starts_with('-') {
                prog = Some(&args[i]);
                break;
            }
            i += 1;
        }
        let Some(prog) = prog else {
            return;
        };
        let calls = code::scan_awk(prog);
        for c in &calls.shell {
            self.run_script(c, via, "awk system()".into(), &Input::None, depth);
        }
        if calls.dynamic {
            self.out.push(
                Flag::new("shell.dynamic_command")
                    .detail(text)
                    .attr("program", "awk")
                    .attr("source", "awk program"),
            );
        }
    }

    /// Parses a string as shell code and walks it.
    fn run_script(
        &mut self,
        code: &str,
        via: &[String],
        label: String,
        input: &Input,
        depth: usize,
    ) {
        if depth + 1 >= self.budget.max_depth {
            self.budget.limit.get_or_insert("depth");
            return;
        }
        let tree = parse::parse(code, &mut self.budget, depth + 1);
        let mut v = via.to_vec();
        v.push(label);
        self.node(&tree, &v, input, depth + 1);
    }

    fn push_exec(
        &mut self,
        program: &str,
        args: &[String],
        via: &[String],
        text: &str,
        extra: Option<(&str, Value)>,
    ) {
        let mut f = Flag::new("shell.exec")
            .detail(text)
            .attr("program", program)
            .attr(
                "args",
                Value::Array(args.iter().map(|a| Value::String(a.clone())).collect()),
            )
            .attr(
                "via",
                Value::Array(via.iter().map(|a| Value::String(a.clone())).collect()),
            );
        if let Some(sub) = subcommand(program, args) {
            f = f.attr("subcommand", sub);
        }
        if let Some((k, v)) = extra {
            f = f.attr(k, v);
        }
        self.out.push(f);
    }

    /// One simple command's argv (after assignments and redirections).
    #[allow(clippy::too_many_lines)]
    fn exec(
        &mut self,
        argv: &[Word],
        via: &[String],
        input: &Input,
        text: &str,
        fill: &[String],
        depth: usize,
    ) {
        if !self.budget.step() || argv.is_empty() {
            return;
        }
        self.execs += 1;
        if self.execs > MAX_COMMANDS {
            self.budget.limit.get_or_insert("work");
            return;
        }
        let first = &argv[0];
        if first.dynamic {
            // `$a$b`, `"$(echo rm)"`: built only from literals known here.
            if let Some(t) = self.static_text(first) {
                let mut words = vec![lit(&t)];
                if !first.quoted && t.contains(' ') {
                    words = t.split_whitespace().map(lit).collect();
                }
                words.extend(argv[1..].iter().cloned());
                return self.exec(&words, via, input, text, fill, depth);
            }
            // A variable assigned a literal earlier is known.
            let name = first
                .text
                .trim_start_matches('$')
                .trim_start_matches('{')
                .trim_end_matches('}');
            if first.subs.is_empty() && parse_is_name(name) {
                if let Some(v) = self.vars.get(name).cloned() {
                    let mut words = vec![lit(&v)];
                    // `CMD="rm -rf"; $CMD x`: unquoted expansion splits.
                    if !first.quoted && v.contains(' ') {
                        words = v.split_whitespace().map(lit).collect();
                    }
                    words.extend(argv[1..].iter().cloned());
                    return self.exec(&words, via, input, text, fill, depth);
                }
            }
            // `$HOME/bin/tool`, `$(pwd)/run.sh`: the program name itself is static.
            let base = basename(&first.text);
            if !(first.text.contains('/')
                && !base.contains('$')
                && !base.is_empty()
                && !base.contains('`'))
            {
                let args: Vec<String> = argv[1..].iter().map(|w| w.text.clone()).collect();
                self.push_exec(&first.text, &args, via, text, None);
                let hosts = downloads_in(&first.subs);
                if !hosts.is_empty() {
                    self.out.push(
                        Flag::new("shell.pipe_to_shell")
                            .detail(text)
                            .hosts(hosts)
                            .attr("via", "command substitution"),
                    );
                }
                self.out.push(
                    Flag::new("shell.dynamic_command")
                        .detail(text)
                        .attr("program", first.text.clone())
                        .attr("source", "expansion"),
                );
                return;
            }
        }
        if first.text.contains('/') {
            self.run_fetched(&first.text, "exec", text);
        }
        let program = basename(&first.text).to_string();
        // `X=/; rm -rf $X`, `tmp=$(mktemp -d); rm -rf "$tmp"`: arguments built from values
        // known here are those values.
        let resolved: Vec<Word>;
        let words = if argv[1..].iter().any(|w| w.dynamic) {
            resolved = argv[1..]
                .iter()
                .map(|w| match (w.dynamic, self.static_text(w)) {
                    (true, Some(t)) => Word {
                        text: t,
                        dynamic: false,
                        quoted: w.quoted,
                        subs: w.subs.clone(),
                        procsub: w.procsub,
                    },
                    _ => w.clone(),
                })
                .collect();
            &resolved[..]
        } else {
            &argv[1..]
        };
        let args: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
        if args.iter().any(|a| a == "--help")
            && !matches!(program.as_str(), "sudo" | "env" | "xargs" | "bash" | "sh")
        {
            // Help output only: the command does nothing else.
            self.push_exec(
                &program,
                &["--help".to_string()],
                via,
                text,
                Some(("help", Value::Bool(true))),
            );
            return;
        }
        self.push_exec(&program, &args, via, text, None);
        if self.funcs.contains(&program) {
            return;
        }
        let mut v = via.to_vec();
        match program.as_str() {
            // ---- wrappers that run the rest of their argv
            "sudo" | "doas" | "nohup" | "builtin" | "exec" | "time" | "nice" | "ionice"
            | "timeout" | "stdbuf" | "setsid" | "chroot" | "env" | "command" | "npx" | "bunx"
            | "pnpx" | "busybox" | "toybox" | "unbuffer" | "caffeinate" | "flock" | "runuser"
            | "torsocks" | "proxychains" | "proxychains4" | "chronic" | "systemd-run"
            | "strace" | "ltrace" | "gtimeout" | "with-contenv" => {
                if program == "command" && args.iter().any(|a| a == "-v" || a == "-V") {
                    return;
                }
                if program == "env" {
                    if let Some(i) = args.iter().position(|a| a == "-S" || a == "--split-string") {
                        if let Some(s) = args.get(i + 1) {
                            v.push("env -S".into());
                            self.run_script(s, via, "env -S".into(), input, depth);
                            return;
                        }
                    }
                    if let Some(s) = args.iter().find_map(|a| {
                        a.strip_prefix("-S")
                            .filter(|r| !r.is_empty())
                            .or_else(|| a.strip_prefix("--split-string="))
                    }) {
                        self.run_script(s, via, "env -S".into(), input, depth);
                        return;
                    }
                }
                if let Some(start) = wrapped_start(&program, words) {
                    if start < words.len() {
                        v.push(program.clone());
                        self.exec(&words[start..], &v, input, text, fill, depth + 1);
                    } else if matches!(program.as_str(), "sudo" | "doas")
                        && args.iter().any(|a| a == "-s" || a == "-i")
                    {
                        // A root shell reading stdin.
                        self.stdin_shell(&program, input, via, text, depth);
                    }
                }
            }
            "su" => {
                if let Some(i) = args.iter().position(|a| a == "-c" || a == "--command") {
                    if let Some(c) = args.get(i + 1) {
                        self.run_script(c, via, "su -c".into(), &Input::None, depth);
                    }
                }
            }
            "watch" => {
                let mut i = 0;
                let mut exec_mode = false;
                while i < words.len() {
                    let a = words[i].text.as_str();
                    if a == "-x" || a == "--exec" {
                        exec_mode = true;
                    } else if matches!(a, "-n" | "--interval" | "-q" | "--equexit") {
                        i += 1;
                    } else if !a.starts_with('-') {
                        break;
                    }
                    i += 1;
                }
                if i < words.len() {
                    if exec_mode {
                        v.push("watch".into());
                        self.exec(&words[i..], &v, input, text, fill, depth + 1);
                    } else {
                        let s = join_words(&words[i..]);
                        self.run_script(&s, via, "watch".into(), &Input::None, depth);
                    }
                }
            }
            "ssh" | "mosh" | "autossh" => {
                let mut i = 0;
                const SSH_VALUE: &[&str] = &[
                    "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O",
                    "-o", "-p", "-Q", "-R", "-S", "-W", "-w", "-B",
                ];
                while i < words.len() {
                    let a = words[i].text.as_str();
                    if a == "--" {
                        i += 1;
                        break;
                    }
                    if !a.starts_with('-') {
                        break;
                    }
                    if SSH_VALUE.contains(&a) {
                        i += 1;
                    }
                    i += 1;
                }
                let host = words.get(i).map(|w| w.text.clone()).unwrap_or_default();
                let label = format!("ssh {host}");
                let mut cmd_start = i + 1;
                if words.get(cmd_start).is_some_and(|w| w.text == "--") {
                    cmd_start += 1;
                }
                if cmd_start < words.len() {
                    let s = join_words(&words[cmd_start..]);
                    self.run_script(&s, via, label, &Input::None, depth);
                } else if let Input::Text(body) | Input::Literal(body) = input {
                    let body = body.clone();
                    self.run_script(&body, via, label, &Input::None, depth);
                }
            }
            "eval" => {
                let hosts = downloads_in_words(words);
                if !hosts.is_empty() {
                    self.out.push(
                        Flag::new("shell.pipe_to_shell")
                            .detail(text)
                            .hosts(hosts)
                            .attr("via", "eval"),
                    );
                } else if words.iter().any(|w| w.text.contains(parse::SUBST))
                    && !words.iter().all(|w| w.subs.iter().all(is_env_setup))
                {
                    self.out.push(
                        Flag::new("shell.dynamic_command")
                            .detail(text)
                            .attr("program", "eval")
                            .attr("source", "command substitution"),
                    );
                }
                let mut s = join_words(words);
                if words.iter().all(|w| w.subs.iter().all(is_env_setup)) {
                    // The setup output itself is not analysed (see `is_env_setup`).
                    s = s.replace(parse::SUBST, "");
                }
                self.run_script(&s, via, "eval".into(), &Input::None, depth);
            }
            "source" | "." => {
                if let Some(w) = words.first() {
                    if w.procsub {
                        self.code_from_subs(w, text, "source");
                    } else {
                        self.run_fetched(&w.text, "source", text);
                        let f = self.fact(&w.text);
                        self.out
                            .push(Flag::new("file.read").detail(text).paths(vec![f]));
                    }
                }
            }
            "xargs" => self.xargs(words, via, input, text, depth),
            "find" => self.find(&args, words, via, text, depth),
            "fd" | "fdfind" => {
                if let Some(i) = args
                    .iter()
                    .position(|a| a == "-x" || a == "--exec" || a == "-X" || a == "--exec-batch")
                {
                    v.push("fd -x".into());
                    let roots = find_roots(&args[..i]);
                    self.exec(&words[i + 1..], &v, &Input::None, text, &roots, depth + 1);
                }
            }
            "parallel" => {
                let end = args
                    .iter()
                    .position(|a| a.starts_with(":::"))
                    .unwrap_or(args.len());
                let mut i = 0;
                while i < end && args[i].starts_with('-') {
                    if matches!(
                        args[i].as_str(),
                        "-j" | "-S"
                            | "--jobs"
                            | "--sshlogin"
                            | "-a"
                            | "--arg-file"
                            | "-d"
                            | "--delimiter"
                            | "--joblog"
                            | "--results"
                            | "-I"
                    ) {
                        i += 1;
                    }
                    i += 1;
                }
                let cmd = &words[i.min(end)..end];
                if cmd.len() == 1 && cmd[0].text.contains(' ') {
                    self.run_script(
                        &cmd[0].text.clone(),
                        via,
                        "parallel".into(),
                        &Input::None,
                        depth,
                    );
                } else if !cmd.is_empty() {
                    v.push("parallel".into());
                    let operands: Vec<String> =
                        args.get(end + 1..).map(|s| s.to_vec()).unwrap_or_default();
                    self.exec(cmd, &v, &Input::None, text, &operands, depth + 1);
                }
            }
            "bundle" | "poetry" | "pipenv" | "pdm" | "uv" | "rye" | "hatch" | "npm" | "pnpm"
            | "yarn" | "conda" | "mamba" | "micromamba" | "nix-shell"
                if matches!(
                    args.first().map(|s| s.as_str()),
                    Some("exec" | "run" | "dlx" | "x")
                ) =>
            {
                // `bundle exec rails …`, `poetry run alembic …`: the rest is the command.
                let rest = &words[1..];
                let skip = rest
                    .iter()
                    .take_while(|w| w.text.starts_with('-') && w.text != "--")
                    .count();
                let mut start = skip;
                if rest.get(start).is_some_and(|w| w.text == "--") {
                    start += 1;
                }
                if program == "npm" || program == "pnpm" || program == "yarn" {
                    // `npm run build` runs a package script, not a program.
                    if args.first().map(|s| s.as_str()) == Some("run") {
                        return;
                    }
                }
                if start < rest.len() {
                    v.push(format!("{program} {}", args[0]));
                    self.exec(&rest[start..], &v, input, text, fill, depth + 1);
                }
            }
            "docker" | "podman" | "docker-compose" | "kubectl" | "oc" => {
                self.container_exec(&program, words, via, input, text, depth)
            }
            p if SHELLS.contains(&p) => self.shell(&program, words, via, input, text, depth),
            _ => self.program(&program, words, &args, via, input, text, fill, depth),
        }
    }

    fn stdin_shell(
        &mut self,
        program: &str,
        input: &Input,
        via: &[String],
        text: &str,
        depth: usize,
    ) {
        match input {
            Input::Text(body) | Input::Literal(body) => {
                let body = body.clone();
                self.run_script(
                    &body,
                    via,
                    format!("{program} (stdin)"),
                    &Input::None,
                    depth,
                );
            }
            Input::Download(hosts) => {
                self.out.push(
                    Flag::new("shell.pipe_to_shell")
                        .detail(text)
                        .hosts(hosts.clone())
                        .attr("via", program),
                );
            }
            Input::Decoded(src) | Input::Other(src) => {
                self.out.push(
                    Flag::new("shell.dynamic_command")
                        .detail(text)
                        .attr("program", program)
                        .attr("source", src.clone()),
                );
            }
            Input::None | Input::File(_) | Input::Find(_) => {}
        }
    }

    fn code_from_subs(&mut self, w: &Word, text: &str, program: &str) {
        let hosts = downloads_in(&w.subs);
        if !hosts.is_empty() {
            self.out.push(
                Flag::new("shell.pipe_to_shell")
                    .detail(text)
                    .hosts(hosts)
                    .attr("via", program),
            );
        } else {
            self.out.push(
                Flag::new("shell.dynamic_command")
                    .detail(text)
                    .attr("program", program)
                    .attr("source", "process substitution"),
            );
        }
    }

    fn shell(
        &mut self,
        program: &str,
        words: &[Word],
        via: &[String],
        input: &Input,
        text: &str,
        depth: usize,
    ) {
        let mut i = 0;
        let mut has_c = false;
        let mut stdin_flag = false;
        while i < words.len() {
            let a = words[i].text.as_str();
            if a == "--" {
                i += 1;
                break;
            }
            if a.starts_with("--") {
                if matches!(a, "--rcfile" | "--init-file") {
                    i += 1;
                }
                i += 1;
                continue;
            }
            if (a.starts_with('-') || a.starts_with('+')) && a.len() > 1 && !words[i].procsub {
                if a.contains('c') {
                    has_c = true;
                }
                if a.contains('s') {
                    stdin_flag = true;
                }
                if a.ends_with('o') || a.ends_with('O') {
                    i += 1;
                }
                i += 1;
                continue;
            }
            break;
        }
        if has_c {
            if let Some(code) = words.get(i) {
                let hosts = downloads_in(&code.subs);
                if !hosts.is_empty() {
                    self.out.push(
                        Flag::new("shell.pipe_to_shell")
                            .detail(text)
                            .hosts(hosts)
                            .attr("via", format!("{program} -c")),
                    );
                }
                let code = self.static_text(code).unwrap_or_else(|| code.text.clone());
                self.run_script(&code, via, format!("{program} -c"), &Input::None, depth);
            }
            return;
        }
        match words.get(i) {
            Some(w) if w.procsub => self.code_from_subs(w, text, program),
            Some(w) if w.text == "-" => self.stdin_shell(program, input, via, text, depth),
            Some(w) if !stdin_flag => {
                // A script file: its content is not known here, unless it was just downloaded.
                self.run_fetched(&w.text, program, text);
            }
            _ => self.stdin_shell(program, input, via, text, depth),
        }
    }

    fn container_exec(
        &mut self,
        program: &str,
        words: &[Word],
        via: &[String],
        input: &Input,
        text: &str,
        depth: usize,
    ) {
        let args: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        let mut v = via.to_vec();
        if matches!(program, "kubectl" | "oc") {
            if args.first() == Some(&"exec") {
                if let Some(p) = args.iter().position(|a| *a == "--") {
                    v.push(format!("{program} exec"));
                    self.exec(&words[p + 1..], &v, input, text, &[], depth + 1);
                }
            }
            return;
        }
        // docker [compose] exec [opts] CONTAINER cmd...
        let mut i = 0;
        if args.first() == Some(&"compose") {
            i = 1;
        }
        if args.get(i) != Some(&"exec") {
            return;
        }
        i += 1;
        while i < args.len() && args[i].starts_with('-') {
            if matches!(
                args[i],
                "-e" | "--env"
                    | "-u"
                    | "--user"
                    | "-w"
                    | "--workdir"
                    | "--env-file"
                    | "--detach-keys"
                    | "--index"
            ) {
                i += 1;
            }
            i += 1;
        }
        i += 1; // the container
        if i < words.len() {
            v.push(format!("{program} exec"));
            self.exec(&words[i..], &v, input, text, &[], depth + 1);
        }
    }

    fn xargs(&mut self, words: &[Word], via: &[String], input: &Input, text: &str, depth: usize) {
        let mut i = 0;
        let mut replace = None;
        while i < words.len() {
            let a = words[i].text.as_str();
            if !a.starts_with('-') {
                break;
            }
            if a == "--" {
                i += 1;
                break;
            }
            if matches!(a, "-I" | "--replace") {
                replace = words.get(i + 1).map(|w| w.text.clone());
                i += 2;
                continue;
            }
            if matches!(
                a,
                "-n" | "-L"
                    | "-P"
                    | "-d"
                    | "-E"
                    | "-s"
                    | "-a"
                    | "--arg-file"
                    | "--delimiter"
                    | "--max-args"
                    | "--max-procs"
                    | "--max-lines"
                    | "--eof"
            ) {
                i += 2;
                continue;
            }
            if let Some(r) = a.strip_prefix("-I") {
                replace = Some(r.to_string());
            }
            i += 1;
        }
        let fill = match input {
            Input::Find(roots) => roots.clone(),
            Input::File(f) => vec![format!("(names listed in {f})")],
            _ => vec!["(arguments from stdin)".to_string()],
        };
        let _ = replace;
        let mut v = via.to_vec();
        v.push(if matches!(input, Input::Find(_)) {
            "xargs (find)".into()
        } else {
            "xargs".into()
        });
        if i < words.len() {
            self.exec(&words[i..], &v, &Input::None, text, &fill, depth + 1);
        }
    }

    fn find(&mut self, args: &[String], words: &[Word], via: &[String], text: &str, depth: usize) {
        let mut roots = find_roots(args);
        let filtered = args.iter().any(|a| {
            matches!(
                a.as_str(),
                "-name" | "-iname" | "-path" | "-ipath" | "-wholename" | "-regex" | "-iregex"
            )
        });
        if filtered {
            // `find /tmp -name '*.tmp' -delete` deletes entries inside the temp dir, never
            // the dir itself.
            for r in &mut roots {
                if self.fact(r).has("temp_root") {
                    *r = format!("{}/(matches)", r.trim_end_matches('/'));
                }
            }
        }
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            match a {
                "-delete" => {
                    let mut facts = self.facts(&roots);
                    for f in &mut facts {
                        f.classes.push("find_delete".into());
                    }
                    self.out.push(
                        Flag::new("shell.recursive_delete")
                            .detail(text)
                            .paths(facts)
                            .attr("program", "find"),
                    );
                }
                "-exec" | "-execdir" | "-ok" | "-okdir" => {
                    let start = i + 1;
                    let mut end = start;
                    while end < args.len() && args[end] != ";" && args[end] != "+" {
                        end += 1;
                    }
                    if start < end {
                        let mut v = via.to_vec();
                        v.push(format!("find {a}"));
                        self.exec(
                            &words[start..end],
                            &v,
                            &Input::None,
                            text,
                            &roots,
                            depth + 1,
                        );
                    }
                    i = end;
                }
                _ => {}
            }
            i += 1;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn program(
        &mut self,
        program: &str,
        words: &[Word],
        args: &[String],
        via: &[String],
        input: &Input,
        text: &str,
        fill: &[String],
        depth: usize,
    ) {
        // Operands that stand for the paths `find`/`xargs` fill in.
        let expand = |ops: Vec<String>| -> Vec<String> {
            let mut out = Vec::new();
            for o in ops {
                if o.contains("{}") && !fill.is_empty() {
                    out.extend(fill.iter().cloned());
                } else {
                    out.push(o);
                }
            }
            out
        };
        match program {
            "rm" | "rimraf" | "del" | "trash-put" | "unlink" | "shred" | "srm" => {
                let mut recursive = program == "rimraf";
                let mut ops = Vec::new();
                let mut opts_done = false;
                for a in args {
                    if !opts_done && a == "--" {
                        opts_done = true;
                    } else if !opts_done && a.starts_with("--") {
                        if a == "--recursive" {
                            recursive = true;
                        }
                    } else if !opts_done && a.starts_with('-') && a.len() > 1 {
                        if a.contains('r') || a.contains('R') {
                            recursive = recursive || program != "shred";
                        }
                    } else {
                        ops.push(a.clone());
                    }
                }
                let mut ops = expand(ops);
                if ops.is_empty() && !fill.is_empty() {
                    ops = fill.to_vec();
                }
                // `find DIR … -exec rm {} +`, `find DIR | xargs rm`: find walks the whole tree,
                // so the deletion is recursive whatever rm's own flags say.
                if via.last().is_some_and(|v| {
                    v.starts_with("find ") || v.starts_with("fd ") || v == "xargs (find)"
                }) {
                    recursive = true;
                }
                let facts = self.facts(&ops);
                if program == "shred" && ops.iter().any(|o| is_block_device(o)) {
                    self.out.push(
                        Flag::new("shell.disk_write")
                            .detail(text)
                            .attr("kind", "shred")
                            .paths(facts),
                    );
                    return;
                }
                if recursive {
                    self.out.push(
                        Flag::new("shell.recursive_delete")
                            .detail(text)
                            .paths(facts)
                            .attr("program", program),
                    );
                } else if !facts.is_empty() {
                    self.out
                        .push(Flag::new("file.delete").detail(text).paths(facts));
                }
            }
            // `rsync -a --delete empty/ DIR` empties DIR: a recursive deletion of its content.
            "rsync"
                if args
                    .iter()
                    .any(|a| a.starts_with("--delete") || a == "--remove-source-files") =>
            {
                let ops: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
                if let Some(dest) = ops
                    .last()
                    .filter(|d| ops.len() >= 2 && egress_remote(d).is_none())
                {
                    let dest = dest.trim_end_matches('/');
                    let target = if dest.is_empty() {
                        "/".to_string()
                    } else {
                        format!("{dest}/*")
                    };
                    let mut f = self.fact(&target);
                    f.raw = dest.to_string();
                    self.out.push(
                        Flag::new("shell.recursive_delete")
                            .detail(text)
                            .paths(vec![f])
                            .attr("program", "rsync --delete"),
                    );
                }
            }
            "cd" | "pushd" => match words.iter().find(|w| !w.text.starts_with('-')) {
                Some(w) if !w.dynamic => {
                    let f = self.fact(&w.text);
                    self.cwd = Some(PathBuf::from(f.resolved));
                }
                Some(_) => self.cwd = None,
                None => self.cwd = self.ctx.home.clone(),
            },
            "dd" => {
                for a in args {
                    if let Some(t) = a.strip_prefix("of=") {
                        if is_block_device(t) {
                            self.out.push(
                                Flag::new("shell.disk_write")
                                    .detail(text)
                                    .attr("kind", "dd")
                                    .paths(vec![self.fact(t)]),
                            );
                        } else {
                            self.out.push(
                                Flag::new("file.write")
                                    .detail(text)
                                    .paths(vec![self.fact(t)]),
                            );
                        }
                    }
                    if let Some(t) = a.strip_prefix("if=") {
                        if !t.starts_with("/dev/") {
                            self.out.push(
                                Flag::new("file.read")
                                    .detail(text)
                                    .paths(vec![self.fact(t)]),
                            );
                        }
                    }
                }
            }
            p if p.starts_with("mkfs")
                || matches!(
                    p,
                    "mke2fs"
                        | "mkswap"
                        | "wipefs"
                        | "fdisk"
                        | "sfdisk"
                        | "cfdisk"
                        | "parted"
                        | "sgdisk"
                        | "gdisk"
                        | "blkdiscard"
                        | "badblocks"
                        | "hdparm"
                ) =>
            {
                let readonly = matches!(p, "fdisk" | "sfdisk" | "parted" | "sgdisk" | "gdisk")
                    && args
                        .iter()
                        .any(|a| a == "-l" || a == "--list" || a == "print" || a == "-p");
                // `mkfs.ext4 disk.img`, `mkswap swapfile`: formatting an image file.
                let image_only = args.iter().any(|a| !a.starts_with('-'))
                    && args.iter().all(|a| {
                        a.starts_with('-')
                            || (!a.starts_with("/dev/") && !a.contains('$') && a.contains('.'))
                            || (p == "mkswap" && !a.starts_with("/dev/") && !a.contains('$'))
                    });
                if !readonly && !image_only {
                    let devs: Vec<PathFact> = args
                        .iter()
                        .filter(|a| a.starts_with("/dev/"))
                        .map(|a| self.fact(a))
                        .collect();
                    self.out.push(
                        Flag::new("shell.disk_write")
                            .detail(text)
                            .attr("kind", p)
                            .paths(devs),
                    );
                }
            }
            "psql" | "mysql" | "mariadb" | "sqlite3" | "sqlite" | "duckdb"
            | "clickhouse-client" | "clickhouse" | "sqlcmd" | "cockroach" | "mongosh" | "mongo"
            | "redis-cli" | "cqlsh" | "snowsql" | "bq" | "usql" | "pgcli" | "mycli" | "litecli" => {
                self.sql_client(program, args, input, text);
            }
            _ => {}
        }
        if let Some(lang) = code::interpreter(program) {
            match words.iter().find(|w| !w.text.starts_with('-')) {
                // `python3 <(curl …)`: the script is another command's output.
                Some(w) if w.procsub => self.code_from_subs(w, text, program),
                Some(w) if code::code_source(lang, args) == code::CodeSource::Script => {
                    self.run_fetched(&w.text, program, text);
                }
                _ => {}
            }
            self.interpreter(program, lang, args, via, input, text, depth);
        }
        if matches!(program, "awk" | "gawk" | "mawk" | "nawk" | "busybox-awk") {
            self.awk(args, via, text, depth);
        }
        // Files the command reads and writes.
        let (reads, writes) = file_roles(program, args);
        let reads = expand(reads);
        let writes = expand(writes);
        if !reads.is_empty() {
            let f = self.facts(&reads);
            self.out.push(Flag::new("file.read").detail(text).paths(f));
        }
        if !writes.is_empty() {
            let f = self.facts(&writes);
            self.out.push(Flag::new("file.write").detail(text).paths(f));
        }
        // Network egress.
        let mut sent = Vec::new();
        let before = self.out.len();
        let mut net_out = Vec::new();
        egress::analyze_command(
            program,
            args,
            input.kind(),
            text,
            self.ctx,
            &mut net_out,
            &mut sent,
        );
        for f in &mut net_out {
            for p in &mut f.paths {
                if is_backup_name(&p.resolved) {
                    p.classes.push("backup".into());
                }
            }
        }
        self.out.extend(net_out);
        let _ = before;
        if DOWNLOADERS.contains(&program) {
            self.record_fetch(program, args, &[]);
        }
        if !sent.is_empty() {
            let f = self.facts(&sent);
            self.out.push(Flag::new("file.read").detail(text).paths(f));
        }
    }

    fn sql_client(&mut self, program: &str, args: &[String], input: &Input, text: &str) {
        let mut sql = Vec::new();
        let mut i = 0;
        let mut operands = Vec::new();
        while i < args.len() {
            let a = args[i].as_str();
            let value_flag = match program {
                "psql" | "pgcli" => matches!(a, "-c" | "--command"),
                "mysql" | "mariadb" | "cockroach" | "mycli" => matches!(a, "-e" | "--execute"),
                "clickhouse-client" | "clickhouse" => matches!(a, "-q" | "--query"),
                "sqlcmd" => matches!(a, "-Q" | "-q"),
                "mongosh" | "mongo" => a == "--eval",
                "duckdb" => a == "-c",
                "snowsql" => matches!(a, "-q" | "--query"),
                "usql" => matches!(a, "-c" | "--command"),
                "cqlsh" => matches!(a, "-e" | "--execute"),
                _ => false,
            };
            if value_flag {
                if let Some(v) = args.get(i + 1) {
                    sql.push(v.clone());
                }
                i += 2;
                continue;
            }
            if let Some((k, v)) = a.split_once('=') {
                if matches!(k, "--command" | "--execute" | "--query" | "--eval") {
                    sql.push(v.to_string());
                }
            } else if a.len() > 2
                && ((a.starts_with("-e") && matches!(program, "mysql" | "mariadb"))
                    || (a.starts_with("-c") && program == "psql"))
            {
                sql.push(a[2..].to_string());
            } else if !a.starts_with('-') {
                operands.push(a.to_string());
            } else if a == "-p" && matches!(program, "mysql" | "mariadb" | "mycli") {
                // `-p` alone prompts for the password; a value must be attached.
            } else if matches!(
                a,
                "-U" | "-h"
                    | "-p"
                    | "-d"
                    | "-u"
                    | "-P"
                    | "-H"
                    | "-f"
                    | "--host"
                    | "--port"
                    | "--user"
                    | "--dbname"
                    | "--username"
                    | "-D"
                    | "--database"
                    | "-S"
                    | "-n"
                    | "-a"
                    | "--format"
                    | "-F"
            ) {
                i += 1;
            }
            i += 1;
        }
        match program {
            // `sqlite3 db.sqlite "DROP TABLE t"`
            "sqlite3" | "sqlite" | "duckdb" | "litecli" => {
                sql.extend(operands.iter().skip(1).cloned())
            }
            "redis-cli" | "bq" => sql.push(operands.join(" ")),
            _ => {}
        }
        if let Input::Text(t) | Input::Literal(t) = input {
            sql.push(t.clone());
        }
        for s in &sql {
            for verb in code::sql_verbs(s) {
                self.out.push(
                    Flag::new("sql.statement")
                        .detail(text)
                        .attr("verb", verb)
                        .attr("client", program),
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn interpreter(
        &mut self,
        program: &str,
        lang: &str,
        args: &[String],
        via: &[String],
        input: &Input,
        text: &str,
        depth: usize,
    ) {
        let codes = match code::code_source(lang, args) {
            code::CodeSource::Inline(c) => c,
            code::CodeSource::Script => return,
            code::CodeSource::Stdin => match input {
                Input::Text(t) | Input::Literal(t) => vec![t.clone()],
                Input::Download(hosts) => {
                    self.out.push(
                        Flag::new("shell.pipe_to_shell")
                            .detail(text)
                            .hosts(hosts.clone())
                            .attr("via", program),
                    );
                    return;
                }
                Input::Decoded(src) => {
                    self.out.push(
                        Flag::new("shell.dynamic_command")
                            .detail(text)
                            .attr("program", program)
                            .attr("source", src.clone()),
                    );
                    return;
                }
                _ => return,
            },
        };
        let label = format!("{program} code");
        for c in codes {
            let f = code::scan_code(&c, lang);
            if f.fork_bomb {
                self.out.push(Flag::new("shell.fork_bomb").detail(text));
            }
            for target in &f.recursive_deletes {
                let facts = target.iter().map(|t| self.fact(t)).collect();
                self.out.push(
                    Flag::new("shell.recursive_delete")
                        .detail(text)
                        .paths(facts)
                        .attr("program", program),
                );
            }
            if !f.reads.is_empty() {
                let facts = self.facts(&f.reads);
                self.out
                    .push(Flag::new("file.read").detail(text).paths(facts));
            }
            let (devs, files): (Vec<String>, Vec<String>) =
                f.writes.iter().cloned().partition(|w| is_block_device(w));
            if !devs.is_empty() {
                let facts = self.facts(&devs);
                self.out.push(
                    Flag::new("shell.disk_write")
                        .detail(text)
                        .attr("kind", "interpreter")
                        .paths(facts),
                );
            }
            if !files.is_empty() {
                let facts = self.facts(&files);
                self.out
                    .push(Flag::new("file.write").detail(text).paths(facts));
            }
            if f.dynamic_exec && code::fetches_code(&c) {
                // `exec(urlopen(URL).read())`: downloaded code run in-process.
                let hosts = code::url_hosts(&c);
                self.out.push(
                    Flag::new("shell.pipe_to_shell")
                        .detail(text)
                        .hosts(if hosts.is_empty() {
                            vec!["(unknown)".into()]
                        } else {
                            hosts
                        })
                        .attr("via", format!("{program} code")),
                );
            }
            if f.dynamic_exec {
                self.out.push(
                    Flag::new("shell.dynamic_command")
                        .detail(text)
                        .attr("program", program)
                        .attr("source", "interpreter"),
                );
            }
            for s in &f.shell {
                self.run_script(s, via, label.clone(), &Input::None, depth);
            }
            for argv in &f.argv {
                let words: Vec<Word> = argv.iter().map(|a| lit(a)).collect();
                let mut v = via.to_vec();
                v.push(label.clone());
                self.exec(&words, &v, &Input::None, text, &[], depth + 1);
            }
        }
    }
}

/// What a pipeline stage passes on when it only filters its input: content downloaded
/// and then decoded, decompressed or copied (`tee`) is still the download.
fn carried(out: Input, prev_in: &Input) -> Input {
    match (&out, prev_in) {
        (Input::Decoded(_), Input::Download(h)) => Input::Download(h.clone()),
        (Input::Other(p), Input::Download(h))
            if matches!(
                p.as_str(),
                "tee" | "cat" | "head" | "tail" | "dos2unix" | "iconv" | "col" | "cut" | "grep"
            ) =>
        {
            Input::Download(h.clone())
        }
        _ => out,
    }
}

/// `$(mktemp …)` without a directory of its own.
fn is_mktemp(n: &Node) -> bool {
    let Node::Simple(s) = n else {
        return false;
    };
    s.words
        .first()
        .is_some_and(|w| basename(&w.text) == "mktemp")
        && !s.words.iter().any(|w| {
            w.dynamic || w.text == "-p" || w.text.starts_with("--tmpdir=") || w.text.contains('/')
        })
}

/// The output of `echo`/`printf` with literal words only.
fn literal_output(n: &Node) -> Option<String> {
    let Node::Simple(s) = n else {
        return None;
    };
    let (first, rest) = s.words.split_first()?;
    if first.dynamic || rest.iter().any(|w| w.dynamic) || !s.redirs.is_empty() {
        return None;
    }
    let args: Vec<&str> = rest.iter().map(|w| w.text.as_str()).collect();
    match first.text.as_str() {
        "echo" => Some(
            args.iter()
                .skip_while(|a| matches!(**a, "-n" | "-e" | "-E"))
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "printf" => match args.as_slice() {
            [fmt] if !fmt.contains('%') => Some(fmt.replace("\\n", "\n")),
            ["%s", a] | ["%s\\n", a] => Some((*a).to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// `eval "$(ssh-agent -s)"`, `eval "$(pyenv init -)"`: tools whose whole purpose is printing
/// shell setup for eval. Their output is not attacker-controlled input.
fn is_env_setup(n: &Node) -> bool {
    const TOOLS: &[&str] = &[
        "ssh-agent",
        "pyenv",
        "rbenv",
        "nodenv",
        "goenv",
        "jenv",
        "plenv",
        "direnv",
        "starship",
        "zoxide",
        "fnm",
        "mise",
        "rtx",
        "conda",
        "micromamba",
        "opam",
        "dircolors",
        "thefuck",
        "keychain",
        "gpg-agent",
        "luarocks",
        "fzf",
        "atuin",
        "register-python-argcomplete",
        "kubectl",
        "helm",
        "gh",
        "rustup",
        "poetry",
        "pipenv",
        "uv",
        "just",
        "brew",
        "docker-machine",
        "minikube",
        "aws-vault",
        "op",
    ];
    match n {
        Node::Simple(s) => {
            s.words
                .first()
                .is_some_and(|w| !w.dynamic && TOOLS.contains(&basename(&w.text)))
                && s.words.iter().all(|w| w.subs.is_empty())
        }
        Node::List(v) => !v.is_empty() && v.iter().all(is_env_setup),
        _ => false,
    }
}

fn parse_is_name(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && cs.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn join_words(words: &[Word]) -> String {
    words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_block_device(t: &str) -> bool {
    let Some(d) = t.strip_prefix("/dev/") else {
        return false;
    };
    [
        "sd", "hd", "vd", "xvd", "nvme", "mmcblk", "disk", "rdisk", "md", "dm-", "mapper/", "loop",
        "sr",
    ]
    .iter()
    .any(|p| d.starts_with(p))
}

/// The start paths of a `find` command (before the first expression).
fn find_roots(args: &[String]) -> Vec<String> {
    let mut roots = Vec::new();
    for a in args {
        if a.starts_with('-') && !roots.is_empty()
            || a == "("
            || a == "!"
            || a.starts_with("-") && !matches!(a.as_str(), "-H" | "-L" | "-P")
        {
            if a.starts_with('-') && matches!(a.as_str(), "-H" | "-L" | "-P") {
                continue;
            }
            break;
        }
        roots.push(a.clone());
    }
    if roots.is_empty() {
        roots.push(".".into());
    }
    roots
}

/// Where a wrapper's wrapped command starts in its argv (after options and operands it owns).
fn wrapped_start(program: &str, words: &[Word]) -> Option<usize> {
    let value_opts: &[&str] = match program {
        "sudo" => &[
            "-u",
            "-g",
            "-C",
            "-D",
            "-h",
            "-p",
            "-r",
            "-t",
            "-T",
            "-U",
            "--user",
            "--group",
            "--chdir",
            "--prompt",
            "--role",
            "--type",
            "--host",
            "--close-from",
            "--other-user",
        ],
        "doas" => &["-u", "-C"],
        "env" => &[
            "-u",
            "--unset",
            "-C",
            "--chdir",
            "-P",
            "--default-signal",
            "--ignore-signal",
            "--block-signal",
        ],
        "exec" => &["-a"],
        "time" => &["-f", "--format", "-o", "--output"],
        "nice" => &["-n", "--adjustment"],
        "ionice" => &["-c", "-n", "--class", "--classdata"],
        "timeout" | "gtimeout" => &["-s", "--signal", "-k", "--kill-after"],
        "stdbuf" => &["-i", "-o", "-e", "--input", "--output", "--error"],
        "chroot" => &["--userspec", "--groups"],
        "npx" | "bunx" | "pnpx" => &["-p", "--package", "-c", "--call"],
        "flock" => &["-w", "--timeout", "-E", "--conflict-exit-code"],
        "runuser" => &["-u", "--user", "-g", "--group"],
        "systemd-run" => &[
            "-p",
            "--property",
            "--unit",
            "-u",
            "--description",
            "--uid",
            "--gid",
            "-E",
            "--setenv",
        ],
        "strace" | "ltrace" => &["-o", "-e", "-p", "-s", "-u", "-E", "-P"],
        _ => &[],
    };
    let mut i = 0;
    while i < words.len() {
        let a = words[i].text.as_str();
        if a == "--" {
            i += 1;
            break;
        }
        if a.starts_with('-') && a.len() > 1 {
            if program == "ionice" && (a == "-p" || a == "-P" || a == "-u") {
                // Applies to an existing process: nothing runs.
                return None;
            }
            if program == "npx" && (a == "-c" || a == "--call") {
                return Some(words.len());
            }
            if value_opts.contains(&a) {
                i += 1;
            }
            i += 1;
            continue;
        }
        if matches!(program, "env" | "sudo" | "doas")
            && a.contains('=')
            && parse_is_name(a.split('=').next().unwrap_or(""))
        {
            i += 1;
            continue;
        }
        break;
    }
    // Operands the wrapper itself owns.
    match program {
        "timeout" | "gtimeout" | "chroot" | "flock" => i += 1,
        "busybox" | "toybox" => {}
        _ => {}
    }
    Some(i)
}

/// The argv a pipeline stage really runs, for classifying its output.
fn strip_wrappers<'w>(words: &[&'w Word]) -> Vec<&'w Word> {
    let mut cur: Vec<&Word> = words.to_vec();
    for _ in 0..8 {
        let Some(first) = cur.first() else { break };
        let p = basename(&first.text);
        if !matches!(
            p,
            "sudo"
                | "doas"
                | "nohup"
                | "time"
                | "nice"
                | "timeout"
                | "stdbuf"
                | "env"
                | "command"
                | "exec"
                | "builtin"
        ) {
            break;
        }
        let owned: Vec<Word> = cur[1..].iter().map(|w| (*w).clone()).collect();
        match wrapped_start(p, &owned) {
            Some(i) if i < owned.len() => cur = cur[1 + i..].to_vec(),
            _ => break,
        }
    }
    cur
}

/// Hosts of download commands inside substitutions.
fn downloads_in(subs: &[Node]) -> Vec<String> {
    let mut hosts = Vec::new();
    for n in subs {
        collect_downloads(n, &mut hosts, 0);
    }
    hosts
}

fn downloads_in_words(words: &[Word]) -> Vec<String> {
    let mut hosts = Vec::new();
    for w in words {
        hosts.extend(downloads_in(&w.subs));
    }
    hosts
}

fn collect_downloads(n: &Node, hosts: &mut Vec<String>, depth: usize) {
    if depth > 64 {
        return;
    }
    match n {
        Node::Simple(s) => {
            let words: Vec<&Word> = s.words.iter().collect();
            let argv = strip_wrappers(&words);
            if let Some(first) = argv.first() {
                if DOWNLOADERS.contains(&basename(&first.text)) {
                    let found: Vec<String> = argv[1..]
                        .iter()
                        .filter_map(|w| {
                            if w.text.contains("://")
                                || w.text.contains('.') && !w.text.starts_with('-')
                            {
                                egress::host_of(&w.text)
                            } else {
                                None
                            }
                        })
                        .collect();
                    if found.is_empty() {
                        hosts.push("(unknown)".into());
                    } else {
                        hosts.extend(found);
                    }
                }
            }
            for w in &s.words {
                for sub in &w.subs {
                    collect_downloads(sub, hosts, depth + 1);
                }
            }
        }
        Node::Pipeline(v) | Node::List(v) => v
            .iter()
            .for_each(|n| collect_downloads(n, hosts, depth + 1)),
        Node::Group(b, _) | Node::Function(_, b) => collect_downloads(b, hosts, depth + 1),
    }
}

fn calls_itself_in_pipeline(name: &str, body: &Node) -> bool {
    fn walk(name: &str, n: &Node, in_pipe: bool, depth: usize) -> bool {
        if depth > 64 {
            return false;
        }
        match n {
            Node::Simple(s) => in_pipe && s.words.first().is_some_and(|w| w.text == name),
            Node::Pipeline(v) => v.iter().any(|n| walk(name, n, true, depth + 1)),
            Node::List(v) => v.iter().any(|n| walk(name, n, in_pipe, depth + 1)),
            Node::Group(b, _) | Node::Function(_, b) => walk(name, b, in_pipe, depth + 1),
        }
    }
    walk(name, body, false, 0)
}

/// The subcommand of tools with global options before it (`git -C x push`, `kubectl -n ns delete`).
fn subcommand(program: &str, args: &[String]) -> Option<String> {
    let value_opts: &[&str] = match program {
        "git" => &[
            "-C",
            "-c",
            "--git-dir",
            "--work-tree",
            "--namespace",
            "--exec-path",
            "--config-env",
        ],
        "kubectl" | "oc" => &[
            "-n",
            "--namespace",
            "--context",
            "--kubeconfig",
            "--cluster",
            "--user",
            "-s",
            "--server",
            "--token",
            "--as",
            "-l",
            "--selector",
            "-f",
            "--filename",
            "-o",
            "--output",
        ],
        "helm" => &[
            "-n",
            "--namespace",
            "--kube-context",
            "--kubeconfig",
            "--repository-config",
            "--registry-config",
        ],
        "docker" | "podman" => &[
            "-H",
            "--host",
            "-c",
            "--context",
            "--config",
            "-l",
            "--log-level",
        ],
        "terraform" | "tofu" | "terragrunt" => &[],
        "aws" => &[
            "--profile",
            "--region",
            "--output",
            "--endpoint-url",
            "--query",
            "--cli-read-timeout",
        ],
        "gcloud" | "gsutil" => &["--project", "--account", "--configuration", "-o"],
        "npm" | "pnpm" | "yarn" => &[
            "--prefix",
            "-w",
            "--workspace",
            "-C",
            "--dir",
            "--filter",
            "--cwd",
        ],
        "cargo" => &["-Z", "--config", "--color"],
        "gh" => &["-R", "--repo"],
        "fly" | "flyctl" => &["-a", "--app", "-c", "--config"],
        _ => return None,
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a.starts_with('-') {
            if value_opts.contains(&a) {
                i += 1;
            }
            i += 1;
            continue;
        }
        if program.starts_with("terra") || program == "tofu" {
            // `terraform -chdir=x destroy`: single-token global options.
            return Some(a.to_string());
        }
        return Some(a.to_string());
    }
    None
}

/// Files a program reads and writes, from its operands.
fn file_roles(program: &str, args: &[String]) -> (Vec<String>, Vec<String>) {
    // Options that take a value, per program: their value is not a file operand.
    let value_opts: &[&str] = match program {
        "head" | "tail" => &["-n", "-c", "--lines", "--bytes", "--pid", "-s"],
        "grep" | "egrep" | "fgrep" | "rg" | "ag" | "ack" | "zgrep" => &[
            "-e",
            "-f",
            "-A",
            "-B",
            "-C",
            "-m",
            "-d",
            "-D",
            "--include",
            "--exclude",
            "--exclude-dir",
            "-g",
            "--glob",
            "-t",
            "--type",
            "-T",
            "--type-not",
            "--max-count",
            "--context",
            "--after-context",
            "--before-context",
            "--regexp",
            "--file",
            "-j",
            "--threads",
            "-M",
            "--max-columns",
            "--encoding",
            "--colors",
            "--replace",
            "--sort",
            "--sortr",
        ],
        "sort" => &[
            "-k",
            "-t",
            "-o",
            "-S",
            "-T",
            "--key",
            "--field-separator",
            "--output",
        ],
        "cut" => &["-d", "-f", "-c", "-b", "--delimiter", "--fields"],
        "xxd" => &["-l", "-s", "-c", "-g", "-o", "-n"],
        "od" | "hexdump" => &["-n", "-j", "-t", "-N", "-s", "-e", "-f"],
        "sed" => &["-e", "-f", "--expression", "--file", "-l"],
        "awk" | "gawk" | "mawk" => &["-F", "-v", "-f"],
        "jq" | "yq" => &[
            "--arg",
            "--argjson",
            "--slurpfile",
            "--rawfile",
            "-f",
            "--from-file",
            "--indent",
        ],
        "cp" | "mv" | "install" | "ln" => &[
            "-t",
            "--target-directory",
            "-S",
            "--suffix",
            "-m",
            "--mode",
            "-o",
            "-g",
            "--backup",
        ],
        "tar" | "bsdtar" => &[
            "-f",
            "--file",
            "-C",
            "--directory",
            "-T",
            "--files-from",
            "-X",
            "--exclude-from",
            "--exclude",
            "--transform",
            "--owner",
            "--group",
            "--mode",
            "-I",
            "--use-compress-program",
        ],
        "zip" => &["-x", "-i", "-P", "--password", "-b", "-n"],
        "less" | "more" | "bat" | "cat" | "nl" | "tac" => &[
            "-n",
            "--line-range",
            "-r",
            "-l",
            "--language",
            "-p",
            "--style",
            "--theme",
            "-b",
            "-s",
        ],
        "base64" | "base32" => &["-w", "--wrap"],
        "strings" => &["-n", "-t", "-e"],
        "diff" | "cmp" => &["-U", "-C", "--label", "-L", "-x", "-X", "--exclude"],
        "tee" => &[],
        "openssl" => &[
            "-in",
            "-out",
            "-pass",
            "-passin",
            "-passout",
            "-k",
            "-K",
            "-iv",
            "-inkey",
            "-key",
            "-certfile",
        ],
        _ => &[],
    };
    let mut ops: Vec<String> = Vec::new();
    let mut i = 0;
    let mut opts_done = false;
    let mut pattern_given = false;
    let mut option_files: Vec<String> = Vec::new();
    while i < args.len() {
        let a = &args[i];
        if !opts_done && a == "--" {
            opts_done = true;
        } else if !opts_done && a.starts_with('-') && a.len() > 1 {
            if matches!(
                program,
                "grep" | "egrep" | "fgrep" | "rg" | "ag" | "ack" | "zgrep"
            ) && (a == "-e"
                || a == "-f"
                || a == "--regexp"
                || a == "--file"
                || a.starts_with("--regexp=")
                || a.starts_with("-e"))
            {
                pattern_given = true;
            }
            if program == "openssl" && matches!(a.as_str(), "-in" | "-inkey" | "-key") {
                if let Some(v) = args.get(i + 1) {
                    option_files.push(v.clone());
                }
            }
            if program == "sort" && (a == "-o" || a == "--output") {
                // handled below via writes
            }
            if value_opts.contains(&a.as_str()) {
                i += 1;
            }
        } else {
            ops.push(a.clone());
        }
        i += 1;
    }
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    match program {
        "cat" | "tac" | "less" | "more" | "head" | "tail" | "nl" | "od" | "hexdump" | "base64"
        | "base32" | "strings" | "wc" | "uniq" | "paste" | "column" | "diff" | "cmp" | "md5sum"
        | "sha1sum" | "sha256sum" | "sha512sum" | "shasum" | "md5" | "bat" | "batcat" | "view"
        | "vim" | "vi" | "nvim" | "nano" | "emacs" | "pico" | "xxd" | "source" | "."
        | "strings " | "fold" | "fmt" | "pr" | "expand" | "iconv" | "zcat" | "gunzip" | "bzcat"
        | "xzcat" | "lzcat" | "zless" | "zmore" | "cksum" | "sum" | "b2sum" | "look" | "rev"
        | "tr" | "unexpand" | "dos2unix" | "file" | "clip" | "pbcopy" | "xclip" | "xsel"
        | "wl-copy" | "gpg" | "age" | "sops" | "split" | "csplit" => {
            if program == "xxd" && ops.len() > 1 {
                reads.push(ops[0].clone());
                writes.push(ops[1].clone());
            } else {
                reads = ops;
            }
        }
        "sort" => {
            reads = ops;
            if let Some(i) = args.iter().position(|a| a == "-o" || a == "--output") {
                writes.extend(args.get(i + 1).cloned());
            }
        }
        "grep" | "egrep" | "fgrep" | "rg" | "ag" | "ack" | "zgrep" => {
            reads = if pattern_given {
                ops
            } else {
                ops.into_iter().skip(1).collect()
            };
        }
        "sed" => {
            let script_given = args
                .iter()
                .any(|a| a == "-e" || a == "-f" || a.starts_with("--expression"));
            let files: Vec<String> = if script_given {
                ops
            } else {
                ops.into_iter().skip(1).collect()
            };
            let in_place = args.iter().any(|a| {
                a.starts_with("-i")
                    || a.starts_with("--in-place")
                    || (a.starts_with('-') && !a.starts_with("--") && a.contains('i'))
            });
            if in_place {
                writes = files.clone();
            }
            reads = files;
        }
        "awk" | "gawk" | "mawk" => {
            let prog_given = args.iter().any(|a| a == "-f");
            reads = if prog_given {
                ops
            } else {
                ops.into_iter().skip(1).collect()
            };
            reads.retain(|a| !a.contains('=') || a.contains('/'));
        }
        "jq" | "yq" => {
            reads = ops.into_iter().skip(1).collect();
        }
        "cut" | "join" | "comm" | "tsort" | "expand " => reads = ops,
        "cp" | "install" | "rsync" => {
            if let Some((dest, srcs)) = ops.split_last() {
                if program != "rsync" || !dest.contains(':') {
                    writes.push(dest.clone());
                }
                reads.extend(
                    srcs.iter()
                        .filter(|s| !s.contains(':') || s.starts_with('/'))
                        .cloned(),
                );
            }
        }
        "mv" => {
            if let Some((dest, srcs)) = ops.split_last() {
                writes.push(dest.clone());
                reads.extend(srcs.iter().cloned());
                writes.extend(srcs.iter().cloned());
            }
        }
        "scp" => {
            reads.extend(
                ops.iter()
                    .rev()
                    .skip(1)
                    .filter(|s| egress_remote(s).is_none())
                    .cloned(),
            );
            if let Some(d) = ops.last() {
                if egress_remote(d).is_none() {
                    writes.push(d.clone());
                }
            }
        }
        "ln" if ops.len() >= 2 => writes.extend(ops.last().cloned()),
        "tee" | "touch" | "truncate" => writes = ops,
        "tar" | "bsdtar" => {
            let flags: String = args.first().cloned().unwrap_or_default();
            let create = args.iter().any(|a| {
                a == "--create"
                    || a == "-c"
                    || (a.starts_with('-') && !a.starts_with("--") && a.contains('c'))
            }) || (!flags.starts_with('-') && flags.contains('c'));
            let archive = args
                .iter()
                .position(|a| {
                    a == "-f"
                        || a == "--file"
                        || (a.starts_with('-') && !a.starts_with("--") && a.ends_with('f'))
                })
                .and_then(|i| args.get(i + 1))
                .cloned();
            if create {
                reads = ops
                    .into_iter()
                    .filter(|o| Some(o) != archive.as_ref() && o != &flags)
                    .collect();
                writes.extend(archive);
            } else {
                reads.extend(archive);
            }
        }
        "zip" | "7z" => {
            let mut it = ops.into_iter();
            if program == "7z" {
                it.next();
            }
            if let Some(a) = it.next() {
                writes.push(a);
            }
            reads = it.collect();
        }
        "openssl" => {
            reads = option_files;
            if let Some(i) = args.iter().position(|a| a == "-out") {
                writes.extend(args.get(i + 1).cloned());
            }
        }
        "chmod" | "chown" | "chgrp" => {}
        _ => {}
    }
    reads.retain(|r| r != "-" && !r.is_empty() && !r.starts_with("/dev/std"));
    writes.retain(|r| r != "-" && !r.is_empty() && r != "/dev/null");
    (reads, writes)
}

fn egress_remote(a: &str) -> Option<String> {
    if a.starts_with('/') || a.starts_with('.') {
        return None;
    }
    let (host, _) = a.split_once(':')?;
    if host.contains('/') || host.is_empty() {
        None
    } else {
        Some(host.to_string())
    }
}

/// The host of bash's `/dev/tcp/HOST/PORT` (or `/dev/udp/…`) pseudo-path: a redirection to it
/// is a network connection, not a file.
fn dev_net_host(target: &str) -> Option<String> {
    let net = target
        .strip_prefix("/dev/tcp/")
        .or_else(|| target.strip_prefix("/dev/udp/"))?;
    Some(net.split('/').next().unwrap_or("").to_string())
}

#[cfg(test)]
mod tests;
