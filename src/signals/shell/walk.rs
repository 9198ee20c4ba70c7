//! The tree walker: follows a parsed command line node by node — lists, pipelines (what
//! each stage feeds the next), groups, functions, redirections, substitutions, variables
//! assigned a literal — and hands every simple command to [`Analyzer::exec`], which
//! dispatches it to the wrapper or effect code that knows its program.

use super::parse::{self, Node, RedirOp, Simple, Word};
use super::programs::{
    self, wrapper_named, CONTAINER_TOOLS, DECODERS, ENV_SETUP_TOOLS, FD_PROGRAMS, HARMLESS_DEVICES,
    HARMLESS_DEVICE_DIRS, HELP_OF_WRAPPED, PASS_THROUGH, REMOTE_SHELLS, RUNNERS,
    RUNNER_SUBCOMMANDS, SHELLS,
};
use super::{basename, effects, lit, reads, wrappers, Analyzer, Input, MAX_COMMANDS};
use crate::signals::egress::{self, StdinKind, DOWNLOADERS};
use crate::signals::Flag;
use serde_json::Value;

impl Analyzer<'_> {
    pub(super) fn node(&mut self, n: &Node, via: &[String], input: &Input, depth: usize) {
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
            Node::Group(b, _) => self.source_of(b),
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
                    input = Some(Input::Text(r.body.clone().unwrap_or_default()));
                }
                RedirOp::In | RedirOp::ReadWrite if !r.target.procsub => {
                    if let Some(host) = effects::dev_net_host(t) {
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
            return;
        }
        self.operand_reads(&program, &reads::with_fill(&args, fill), text);
        if let Some(w) = programs::wrapper_named(&program) {
            return self.wrapper(w, words, &args, via, input, text, fill, depth);
        }
        match program.as_str() {
            "su" => self.su(&args, via, depth),
            "watch" => self.watch(words, via, input, text, fill, depth),
            p if REMOTE_SHELLS.contains(&p) => self.remote_shell(words, via, input, depth),
            "eval" => self.eval(words, via, text, depth),
            "source" | "." => self.source(words, text),
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
            p if CONTAINER_TOOLS.contains(&p) => {
                self.container_exec(&program, words, via, input, text, depth)
            }
            p if SHELLS.contains(&p) => self.shell(&program, words, via, input, text, depth),
            _ => self.program(&program, words, &args, via, input, text, fill, depth),
        }
    }
}

/// What a pipeline stage passes on when it only filters its input: content downloaded
/// and then decoded, decompressed or copied (`tee`) is still the download.
pub(super) fn carried(out: Input, prev_in: &Input) -> Input {
    match (&out, prev_in) {
        (Input::Decoded(_), Input::Download(h)) => Input::Download(h.clone()),
        (Input::Other(p), Input::Download(h)) if PASS_THROUGH.contains(&p.as_str()) => {
            Input::Download(h.clone())
        }
        _ => out,
    }
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

/// The output of `echo`/`printf` with literal words only.
pub(super) fn literal_output(n: &Node) -> Option<String> {
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
        Node::Group(b, _) | Node::Function(_, b) => collect_downloads(b, hosts, depth + 1),
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
            Node::Group(b, _) | Node::Function(_, b) => walk(name, b, in_pipe, depth + 1),
        }
    }
    walk(name, body, false, 0)
}
