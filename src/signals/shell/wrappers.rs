//! Commands that run other commands: wrappers (`sudo`, `env`, `timeout`), runners (`bundle
//! exec`, `poetry run`), containers (`docker exec`), remote and nested shells (`ssh host cmd`,
//! `bash -c`, `eval`, `su -c`, `watch`), per-item runners (`xargs`, `find -exec`, `fd -x`,
//! `parallel`), and scripts a command line writes or downloads and then runs. Each finds the
//! command it runs and hands it back to the walker ([`Analyzer::exec`] or
//! [`Analyzer::run_script`]); which programs these are, and how their options are shaped,
//! is in [`super::programs`].

use super::parse::{self, Node, Word};
use super::programs::{
    self, is_disk_tool, lookup, Wrapper, AT_VALUE_OPTS, AWKS, COMMAND_ENV_VARS, COMMAND_OPTS,
    COMPOSE_TOOLS, CONTAINER_BIND_OPT, CONTAINER_ENTRYPOINT_OPT, CONTAINER_EXEC_VALUE_OPTS,
    CONTAINER_MOUNT_OPTS, CONTAINER_RUN_SUBCOMMANDS, CONTAINER_RUN_VALUE_OPTS, CONTAINER_TOOLS,
    CONTAINER_WORKDIR_OPTS, DATA_PROGRAMS, DEBUGGERS, DEBUGGER_PYTHON, DEBUGGER_SHELL, DECODERS,
    DELETERS, ENV_SETUP_TOOLS, ENV_SPLIT_OPTS, FD_EXEC_OPTS, FD_PROGRAMS, FILE_ROLES,
    FIND_EXEC_ACTIONS, FIND_FILTERS, FIND_LEADING_OPTS, GIT_BOOLEAN_VALUES, GIT_CODE_PATH_KEYS,
    GIT_COMMAND_KEYS, GIT_COMMAND_SUBOPTS, GIT_CONFIG_READ_OPTS, GIT_CONFIG_VALUE_OPTS,
    GIT_PUSH_VALUE_OPTS, GUESS_HEADS, GUESS_STOP, KEYED_COMMAND_OPTS, MAKEFILE_NAMES,
    MAKE_EVAL_OPTS, MAKE_FILE_OPTS, MESSAGE_OPTS, PARALLEL_VALUE_OPTS, PASS_THROUGH, POD_TOOLS,
    REMOTE_SHELLS, ROOT_SHELL_OPTS, ROOT_SHELL_WRAPPERS, RUNNERS, SCREEN_NO_COMMAND,
    SCREEN_VALUE_OPTS, SCRIPT_RUNNERS, SHELLS, SQL_CLIENTS, SSH_VALUE_OPTS, STRING_FLAG_WRAPPERS,
    SUBCOMMAND_TOOLS, SU_CODE_OPTS, TMUX_COMMAND_SUBCOMMANDS, TMUX_KEYS_SUBCOMMANDS,
    TMUX_KEY_NAMES, TMUX_SWITCHES, TMUX_VALUE_OPTS, VIM_COMMAND_OPTS, VIM_PROGRAMS,
    WATCH_EXEC_OPTS, WATCH_VALUE_OPTS, XARGS_REPLACE_OPTS, XARGS_VALUE_OPTS,
};
use super::walk::{
    downloads_in, downloads_in_words, is_env_setup, join_words, parse_is_name, Mounts,
};
use super::{basename, code, lit, Analyzer, Input};
use crate::signals::{egress, paths, Flag, PathFact};

impl Analyzer<'_> {
    /// A wrapper: the rest of its argv, after its options and operands, is the command.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn wrapper(
        &mut self,
        w: &Wrapper,
        words: &[Word],
        args: &[String],
        via: &[String],
        input: &Input,
        text: &str,
        fill: &[String],
        depth: usize,
    ) {
        let program = w.name;
        if program == "command" && args.iter().any(|a| a == "-v" || a == "-V") {
            return;
        }
        if let Some((_, flag)) = STRING_FLAG_WRAPPERS.iter().find(|(p, _)| *p == program) {
            // `entr -s 'make test'`: the first operand is a command line.
            if args.iter().any(|a| a == flag) {
                if let Some(c) = args.iter().find(|a| !a.starts_with('-')) {
                    let c = c.clone();
                    self.run_script(&c, via, format!("{program} {flag}"), &Input::None, depth);
                }
                return;
            }
        }
        if w.assignments {
            // `sudo GOPROXY=https://host go get …`: the assignments before the command.
            let end = wrapped_start(w, words)
                .unwrap_or(words.len())
                .min(words.len());
            for word in &words[..end] {
                if let Some((name, value)) = word.text.split_once('=') {
                    if parse_is_name(name) {
                        egress::index_variable(name, value, text, &mut self.out);
                    }
                }
            }
        }
        if program == "env" {
            for a in args {
                if let Some((name, value)) = a.split_once('=') {
                    if COMMAND_ENV_VARS.contains(&name) {
                        let value = value.trim_start_matches('|').to_string();
                        self.run_script(&value, via, format!("env {name}"), &Input::None, depth);
                    }
                }
            }
            if let Some(i) = args.iter().position(|a| {
                ENV_SPLIT_OPTS.contains(&a.as_str())
                    || (a.len() > 2
                        && !a.starts_with("--")
                        && a.starts_with('-')
                        && a.ends_with('S'))
            }) {
                if let Some(s) = args.get(i + 1) {
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
        if let Some(start) = wrapped_start(w, words) {
            if start + 1 == words.len() && words[start].text.contains(' ') && words[start].quoted {
                // One quoted word with spaces: a command line for the wrapped program's shell.
                let line = words[start].text.clone();
                self.run_script(&line, via, program.to_string(), input, depth);
            } else if start < words.len() {
                let mut v = via.to_vec();
                v.push(program.to_string());
                self.exec(&words[start..], &v, input, text, fill, depth + 1);
            } else if ROOT_SHELL_WRAPPERS.contains(&program)
                && args.iter().any(|a| ROOT_SHELL_OPTS.contains(&a.as_str()))
            {
                // A root shell reading stdin.
                self.stdin_shell(program, input, via, text, depth);
            }
        }
    }

    /// `su -c CODE`.
    pub(super) fn su(&mut self, args: &[String], via: &[String], depth: usize) {
        if let Some(i) = args.iter().position(|a| SU_CODE_OPTS.contains(&a.as_str())) {
            if let Some(c) = args.get(i + 1) {
                self.run_script(c, via, "su -c".into(), &Input::None, depth);
            }
        }
    }

    /// `watch CMD LINE`, `watch -x ARGV`.
    pub(super) fn watch(
        &mut self,
        words: &[Word],
        via: &[String],
        input: &Input,
        text: &str,
        fill: &[String],
        depth: usize,
    ) {
        let mut i = 0;
        let mut exec_mode = false;
        while i < words.len() {
            let a = words[i].text.as_str();
            if WATCH_EXEC_OPTS.contains(&a) {
                exec_mode = true;
            } else if WATCH_VALUE_OPTS.contains(&a) {
                i += 1;
            } else if !a.starts_with('-') {
                break;
            }
            i += 1;
        }
        if i < words.len() {
            if exec_mode {
                let mut v = via.to_vec();
                v.push("watch".into());
                self.exec(&words[i..], &v, input, text, fill, depth + 1);
            } else {
                let s = join_words(&words[i..]);
                self.run_script(&s, via, "watch".into(), &Input::None, depth);
            }
        }
    }

    /// `ssh [opts] HOST CMD…`: the command line runs there; without one, a heredoc or
    /// literal on stdin is the script.
    pub(super) fn remote_shell(
        &mut self,
        words: &[Word],
        via: &[String],
        input: &Input,
        text: &str,
        depth: usize,
    ) {
        let args: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
        egress::ssh_forwards(&args, text, &mut self.out);
        egress::remote_shell_connect(&args, text, &mut self.out);
        let mut i = 0;
        while i < words.len() {
            let a = words[i].text.as_str();
            if a == "--" {
                i += 1;
                break;
            }
            if !a.starts_with('-') {
                break;
            }
            if SSH_VALUE_OPTS.contains(&a) {
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

    /// `eval WORDS`: the words joined are a command line.
    pub(super) fn eval(&mut self, words: &[Word], via: &[String], text: &str, depth: usize) {
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

    /// `source FILE`, `. FILE`, `source <(…)`.
    pub(super) fn source(
        &mut self,
        words: &[Word],
        via: &[String],
        input: &Input,
        text: &str,
        depth: usize,
    ) {
        if let Some(w) = words.first() {
            if w.procsub {
                self.code_from_subs(w, text, "source");
            } else if matches!(
                w.text.as_str(),
                "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0" | "-"
            ) {
                self.stdin_shell("source", input, via, text, depth);
            } else {
                self.run_fetched(&w.text, "source", text);
                let f = self.fact(&w.text);
                self.out
                    .push(Flag::new("file.read").detail(text).paths(vec![f]));
            }
        }
    }

    /// `fd … -x CMD`: the command runs on every match under fd's start paths.
    pub(super) fn fd(
        &mut self,
        args: &[String],
        words: &[Word],
        via: &[String],
        text: &str,
        depth: usize,
    ) {
        if let Some(i) = args.iter().position(|a| FD_EXEC_OPTS.contains(&a.as_str())) {
            let mut v = via.to_vec();
            v.push("fd -x".into());
            let roots = find_roots(&args[..i]);
            self.exec(&words[i + 1..], &v, &Input::None, text, &roots, depth + 1);
        }
    }

    /// `parallel [opts] CMD ::: ARGS`.
    pub(super) fn parallel(
        &mut self,
        args: &[String],
        words: &[Word],
        via: &[String],
        text: &str,
        depth: usize,
    ) {
        let end = args
            .iter()
            .position(|a| a.starts_with(":::"))
            .unwrap_or(args.len());
        let mut i = 0;
        while i < end && args[i].starts_with('-') {
            if PARALLEL_VALUE_OPTS.contains(&args[i].as_str()) {
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
            let mut v = via.to_vec();
            v.push("parallel".into());
            let operands: Vec<String> = args.get(end + 1..).map(|s| s.to_vec()).unwrap_or_default();
            self.exec(cmd, &v, &Input::None, text, &operands, depth + 1);
        }
    }

    /// `bundle exec rails …`, `poetry run alembic …`: the rest is the command.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn runner(
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
        let rest = &words[1..];
        let skip = rest
            .iter()
            .take_while(|w| w.text.starts_with('-') && w.text != "--")
            .count();
        let mut start = skip;
        if rest.get(start).is_some_and(|w| w.text == "--") {
            start += 1;
        }
        if SCRIPT_RUNNERS.contains(&program) && args.first().map(|s| s.as_str()) == Some("run") {
            // `npm run build` runs a package script, not a program.
            return;
        }
        if start < rest.len() {
            let mut v = via.to_vec();
            v.push(format!("{program} {}", args[0]));
            self.exec(&rest[start..], &v, input, text, fill, depth + 1);
        }
    }

    /// `op run -- CMD`, `aws-vault exec PROFILE -- CMD`, `direnv exec DIR CMD`
    /// ([`programs::EXEC_SUBCOMMANDS`]): the command after `--`, or after the options and the tool's
    /// own operands.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn exec_subcommand(
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
        let Some((sub, own)) = programs::exec_subcommand(program, args) else {
            return;
        };
        let rest = if sub.is_empty() { words } else { &words[1..] };
        let start = match rest.iter().position(|w| w.text == "--") {
            Some(i) => i + 1,
            None => {
                let mut i = 0;
                let mut operands = 0;
                while let Some(w) = rest.get(i) {
                    if w.text.starts_with('-') {
                        i += 1;
                    } else if operands < own {
                        operands += 1;
                        i += 1;
                    } else {
                        break;
                    }
                }
                i
            }
        };
        if start < rest.len() {
            let mut v = via.to_vec();
            v.push(format!("{program} {sub}").trim_end().to_string());
            self.exec(&rest[start..], &v, input, text, fill, depth + 1);
        }
    }

    pub(super) fn stdin_shell(
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
            // Code hidden on purpose and run: read what it does, and say it was hidden.
            Input::Unveiled(body) => {
                let body = body.clone();
                self.out.push(
                    Flag::new("shell.dynamic_command")
                        .detail(text)
                        .attr("program", program)
                        .attr("source", super::walk::BASE64_DECODE),
                );
                self.run_script(
                    &body,
                    via,
                    format!("{program} (stdin, decoded)"),
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
            // `bash < x.sh` after `curl -o x.sh …`.
            Input::File(f) => {
                let f = f.clone();
                self.run_fetched(&f, program, text);
            }
            Input::None | Input::Find(_) => {}
        }
    }

    pub(super) fn code_from_subs(&mut self, w: &Word, text: &str, program: &str) {
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

    pub(super) fn shell(
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

    pub(super) fn container_exec(
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
        // Global options before the subcommand (`kubectl -n prod exec`, `docker -H x exec`).
        let mut i = subcommand_index(program, &args);
        if POD_TOOLS.contains(&program) {
            if args.get(i) == Some(&"exec") {
                if let Some(p) = args[i..].iter().position(|a| *a == "--") {
                    v.push(format!("{program} exec"));
                    self.exec(&words[i + p + 1..], &v, input, text, &[], depth + 1);
                }
            }
            return;
        }
        // docker [compose|container] exec|run [opts] CONTAINER|IMAGE cmd...
        if args.get(i) == Some(&"compose") {
            i += 1;
            i += subcommand_index("docker-compose", &args[i..]);
        } else if args.get(i) == Some(&"container") {
            i += 1;
        }
        let compose = args.get(..i).is_some_and(|a| a.contains(&"compose"))
            || COMPOSE_TOOLS.contains(&program);
        match args.get(i) {
            Some(&"exec") => {}
            Some(s) if CONTAINER_RUN_SUBCOMMANDS.contains(s) => {
                return self.container_run(
                    program,
                    &words[i + 1..],
                    compose,
                    via,
                    input,
                    text,
                    depth,
                );
            }
            _ => return,
        }
        i += 1;
        while i < args.len() && args[i].starts_with('-') {
            if CONTAINER_EXEC_VALUE_OPTS.contains(&args[i]) {
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

    /// `docker run [opts] IMAGE CMD…`: the command runs in a fresh container, which sees the
    /// host only through its mounts: paths under a mount are the host paths behind it.
    #[allow(clippy::too_many_arguments)]
    fn container_run(
        &mut self,
        program: &str,
        words: &[Word],
        compose: bool,
        via: &[String],
        input: &Input,
        text: &str,
        depth: usize,
    ) {
        let mut mounts = Mounts {
            binds: Vec::new(),
            workdir: "/".into(),
        };
        let mut entrypoint = None;
        let mut interactive = false;
        let mut i = 0;
        while i < words.len() {
            let a = words[i].text.as_str();
            if a == "--" {
                i += 1;
                break;
            }
            if !a.starts_with('-') {
                break;
            }
            let (name, inline) = match a.split_once('=') {
                Some((n, v)) if a.starts_with("--") => (n, Some(v.to_string())),
                _ => (a, None),
            };
            let takes = CONTAINER_RUN_VALUE_OPTS.contains(&name) && inline.is_none();
            let value_word = if takes { words.get(i + 1) } else { None };
            let value = inline.or_else(|| value_word.map(|w| self.host_word(w)));
            if let Some(value) = value {
                if CONTAINER_MOUNT_OPTS.contains(&name) && name != CONTAINER_BIND_OPT {
                    let mut parts = value.splitn(3, ':');
                    if let (Some(src), Some(dst)) = (parts.next(), parts.next()) {
                        mounts.binds.push((dst.to_string(), src.to_string()));
                    }
                } else if name == CONTAINER_BIND_OPT {
                    let field = |keys: &[&str]| {
                        value.split(',').find_map(|kv| {
                            let (k, v) = kv.split_once('=')?;
                            keys.contains(&k).then(|| v.to_string())
                        })
                    };
                    if let (Some(src), Some(dst)) = (
                        field(&["source", "src"]),
                        field(&["target", "dst", "destination"]),
                    ) {
                        mounts.binds.push((dst, src));
                    }
                } else if CONTAINER_WORKDIR_OPTS.contains(&name) {
                    mounts.workdir = value.clone();
                } else if name == CONTAINER_ENTRYPOINT_OPT {
                    entrypoint = Some(value.clone());
                }
            }
            if !a.starts_with("--") && a.len() > 1 && a[1..].contains('i') && !takes {
                interactive = true;
            }
            i += if takes { 2 } else { 1 };
        }
        // The image (or the compose service), then the command.
        let mut cmd: Vec<Word> = words.get(i + 1..).map(|w| w.to_vec()).unwrap_or_default();
        if let Some(e) = entrypoint {
            let mut head: Vec<Word> = e.split_whitespace().map(lit).collect();
            head.append(&mut cmd);
            cmd = head;
        }
        if cmd.is_empty() {
            return;
        }
        let _ = compose;
        mounts
            .binds
            .sort_by_key(|(dst, _)| std::cmp::Reverse(dst.len()));
        let saved = self.state.mounts.replace(mounts);
        let mut v = via.to_vec();
        v.push(format!("{program} run"));
        let inp = if interactive {
            input.clone()
        } else {
            Input::None
        };
        self.exec(&cmd, &v, &inp, text, &[], depth + 1);
        self.state.mounts = saved;
    }

    /// A mount source as the host sees it: `$(pwd)`, `$PWD` and `${PWD}` are the cwd.
    fn host_word(&self, w: &Word) -> String {
        let pwd_sub = w.subs.len() == 1
            && matches!(&w.subs[0], Node::Simple(s) if s.words.first().is_some_and(|f| f.text == "pwd"));
        let mut t = w.text.clone();
        if pwd_sub {
            t = t.replacen(parse::SUBST, ".", 1);
        }
        for v in ["${PWD}", "$PWD"] {
            t = t.replace(v, ".");
        }
        self.static_text(&Word {
            text: t.clone(),
            ..w.clone()
        })
        .filter(|_| t.contains('$'))
        .unwrap_or(t)
    }

    /// Inside `docker run`: where a path the command names really is. `None` outside a
    /// container; a host path (to classify as usual) under a bind mount; otherwise the
    /// container's own file system (scratch: `temp`) or a named volume.
    pub(super) fn container_path(&self, raw: &str) -> Option<ContainerPath> {
        let m = self.state.mounts.as_ref()?;
        let joined = if raw.starts_with('/') {
            raw.to_string()
        } else if raw == "~" || raw.starts_with("~/") {
            format!("/root{}", &raw[1..])
        } else {
            format!("{}/{raw}", m.workdir.trim_end_matches('/'))
        };
        let p = paths::normalize(std::path::Path::new(&joined))
            .to_string_lossy()
            .to_string();
        for (dst, src) in &m.binds {
            let dst = dst.trim_end_matches('/');
            let rest = if dst.is_empty() {
                Some(p.as_str())
            } else if p == dst {
                Some("")
            } else {
                p.strip_prefix(dst).filter(|r| r.starts_with('/'))
            };
            let Some(rest) = rest else { continue };
            let host_path = src.starts_with(['/', '.', '~', '$']);
            if !host_path {
                return Some(ContainerPath::Inside(PathFact {
                    real: None,
                    raw: raw.to_string(),
                    resolved: format!("(volume {src}){rest}"),
                    classes: vec!["volume".into(), "outside_project".into()],
                }));
            }
            let src = src.trim_end_matches('/');
            let host = if src.is_empty() {
                format!("/{}", rest.trim_start_matches('/'))
            } else {
                format!("{src}{rest}")
            };
            return Some(ContainerPath::Host(host));
        }
        Some(ContainerPath::Inside(PathFact {
            real: None,
            raw: raw.to_string(),
            resolved: format!("(container){p}"),
            classes: vec!["temp".into(), "container".into()],
        }))
    }

    pub(super) fn xargs(
        &mut self,
        words: &[Word],
        via: &[String],
        input: &Input,
        text: &str,
        depth: usize,
    ) {
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
            if XARGS_REPLACE_OPTS.contains(&a) {
                replace = words.get(i + 1).map(|w| w.text.clone());
                i += 2;
                continue;
            }
            if XARGS_VALUE_OPTS.contains(&a) {
                i += 2;
                continue;
            }
            if let Some(r) = a.strip_prefix("-I") {
                replace = Some(r.to_string());
            }
            i += 1;
        }
        if self.xargs_shell(
            &words[i.min(words.len())..],
            replace.as_deref(),
            via,
            input,
            text,
            depth,
        ) {
            return;
        }
        let fill = match input {
            Input::Find(roots) => roots.clone(),
            Input::File(f) => vec![format!("(names listed in {f})")],
            Input::Literal(t) | Input::Text(t) if !t.trim().is_empty() => {
                t.split_whitespace().map(str::to_string).collect()
            }
            _ => vec!["(arguments from stdin)".to_string()],
        };
        let mut v = via.to_vec();
        v.push(if matches!(input, Input::Find(_)) {
            "xargs (find)".into()
        } else {
            "xargs".into()
        });
        if i < words.len() {
            // `-I %`: the items stand where `%` is, as `{}` does for the rest of the walk.
            let cmd: Vec<Word> = match replace.as_deref().filter(|r| !r.is_empty() && *r != "{}") {
                Some(r) => words[i..]
                    .iter()
                    .map(|w| {
                        let mut w = w.clone();
                        w.text = w.text.replace(r, "{}");
                        w
                    })
                    .collect(),
                None => words[i..].to_vec(),
            };
            self.exec(&cmd, &v, &Input::None, text, &fill, depth + 1);
        }
    }

    pub(super) fn find(
        &mut self,
        args: &[String],
        words: &[Word],
        via: &[String],
        text: &str,
        depth: usize,
    ) {
        let mut roots = find_roots(args);
        let filtered = args.iter().any(|a| FIND_FILTERS.contains(&a.as_str()));
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
                a if FIND_EXEC_ACTIONS.contains(&a) => {
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
                            &super::reads::find_reach(&roots, args),
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

    /// Running a file downloaded earlier in the same command line.
    pub(super) fn run_fetched(&mut self, path: &str, program: &str, text: &str) {
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

    /// Remembers the files a downloader writes (`-o`, `-O`, wget's default name, `> file`).
    pub(super) fn record_fetch(
        &mut self,
        program: &str,
        args: &[String],
        redirect_outs: &[String],
    ) {
        let urls: Vec<&String> = args.iter().filter(|a| a.contains("://")).collect();
        if urls.is_empty() {
            return;
        }
        // A URL whose host is not known here (`https://$HOST/x.sh`) is still a download.
        let hosts: Vec<String> = urls
            .iter()
            .map(|u| egress::url_host(u).unwrap_or_else(|| "(unknown)".into()))
            .collect();
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
                    } else if program == "curl"
                        && a.starts_with('-')
                        && !a.starts_with("--")
                        && a.len() > 2
                        && a[1..].chars().all(|c| c.is_ascii_alphabetic())
                    {
                        // A cluster: `-fsSLo FILE`, `-fsSLO`.
                        if a.ends_with('o') {
                            explicit = true;
                            outs.extend(next.filter(|n| n != "-"));
                            i += 1;
                        } else if a.contains('O') {
                            explicit = true;
                            outs.extend(remote_name());
                        }
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
}

/// Where a wrapper's wrapped command starts in its argv (after options and operands it owns);
/// `None` when no command follows.
pub(super) fn wrapped_start(w: &Wrapper, words: &[Word]) -> Option<usize> {
    let mut i = 0;
    while i < words.len() {
        let a = words[i].text.as_str();
        if a == "--" {
            i += 1;
            break;
        }
        if a.starts_with('-') && a.len() > 1 {
            if w.no_command.contains(&a) {
                // Applies to an existing process, or takes a string: no argv follows.
                return None;
            }
            let cluster_value = a.len() > 2
                && !a.starts_with("--")
                && a[1..].chars().all(|c| c.is_ascii_alphabetic())
                && w.value_opts
                    .contains(&format!("-{}", &a[a.len() - 1..]).as_str());
            if w.value_opts.contains(&a) || cluster_value {
                i += 1;
            }
            i += 1;
            continue;
        }
        if w.assignments && a.contains('=') && parse_is_name(a.split('=').next().unwrap_or("")) {
            i += 1;
            continue;
        }
        break;
    }
    Some(i + w.operands)
}

/// The start paths of a `find` command (before the first expression).
pub(super) fn find_roots(args: &[String]) -> Vec<String> {
    let mut roots = Vec::new();
    for a in args {
        if a.starts_with('-') && !roots.is_empty()
            || a == "("
            || a == "!"
            || a.starts_with("-") && !FIND_LEADING_OPTS.contains(&a.as_str())
        {
            if a.starts_with('-') && FIND_LEADING_OPTS.contains(&a.as_str()) {
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

/// Where a path named inside `docker run` really is.
pub(super) enum ContainerPath {
    /// On the host, behind a bind mount: this host path.
    Host(String),
    /// In the container's own file system or a named volume.
    Inside(PathFact),
}

/// The index of a tool's subcommand after its global options (see [`SUBCOMMAND_TOOLS`]).
fn subcommand_index(program: &str, args: &[&str]) -> usize {
    let value_opts = lookup(SUBCOMMAND_TOOLS, program).unwrap_or(&[
        "-f",
        "--file",
        "-p",
        "--project-name",
        "--profile",
        "--project-directory",
        "--env-file",
    ]);
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') {
        if value_opts.contains(&args[i]) {
            i += 1;
        }
        i += 1;
    }
    i
}

/// Whether the signal knows what `program` does with its arguments: only unknown programs
/// are guessed at.
fn is_known(p: &str) -> bool {
    DATA_PROGRAMS.contains(&p)
        || SHELLS.contains(&p)
        || programs::wrapper_named(p).is_some()
        || RUNNERS.contains(&p)
        || CONTAINER_TOOLS.contains(&p)
        || REMOTE_SHELLS.contains(&p)
        || lookup(FILE_ROLES, p).is_some()
        || lookup(SUBCOMMAND_TOOLS, p).is_some()
        || lookup(COMMAND_OPTS, p).is_some()
        || SQL_CLIENTS.iter().any(|c| c.name == p)
        || DELETERS.contains(&p)
        || is_disk_tool(p)
        || AWKS.contains(&p)
        || ENV_SETUP_TOOLS.contains(&p)
        || DECODERS.contains(&p)
        || PASS_THROUGH.contains(&p)
        || FD_PROGRAMS.contains(&p)
        || egress::DOWNLOADERS.contains(&p)
        || code::interpreter(p).is_some()
        || matches!(
            p,
            "su" | "watch" | "eval" | "source" | "." | "xargs" | "find" | "parallel" | "dd" | "git"
        )
}

/// Whether a parsed command line runs a program worth a guess ([`GUESS_HEADS`]).
fn names_a_head(n: &Node, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    match n {
        Node::Simple(s) => s.words.first().is_some_and(|w| {
            let b = basename(&w.text);
            GUESS_HEADS.contains(&b) || b.starts_with("mkfs")
        }),
        Node::Pipeline(v) | Node::List(v) => v.iter().any(|n| names_a_head(n, depth + 1)),
        Node::Group(b, _) | Node::Subshell(b, _) | Node::Function(_, b) => {
            names_a_head(b, depth + 1)
        }
    }
}

/// The value of option `opt` at `args[i]`: `OPT VALUE`, `--opt=VALUE`, `-oVALUE`, or a short
/// option last in a cluster (`-qc VALUE`); with how many words it used.
fn option_value<'a>(args: &'a [String], i: usize, opt: &str) -> Option<(&'a str, usize)> {
    let a = args[i].as_str();
    if a == opt {
        return args.get(i + 1).map(|v| (v.as_str(), 2));
    }
    if opt.starts_with("--") {
        return a
            .strip_prefix(opt)
            .and_then(|r| r.strip_prefix('='))
            .map(|v| (v, 1));
    }
    if opt.len() == 2 && !a.starts_with("--") && a.len() > 2 {
        if let Some(v) = a.strip_prefix(opt) {
            return Some((v, 1));
        }
        let letter = &opt[1..];
        if a.starts_with('-')
            && a.ends_with(letter)
            && a[1..].chars().all(|c| c.is_ascii_alphabetic())
        {
            return args.get(i + 1).map(|v| (v.as_str(), 2));
        }
    }
    None
}

impl Analyzer<'_> {
    /// `xargs sh -c` (code from stdin), `xargs -I{} sh -c '{}'`: the shell runs what xargs
    /// reads. True when handled.
    pub(super) fn xargs_shell(
        &mut self,
        cmd: &[Word],
        replace: Option<&str>,
        via: &[String],
        input: &Input,
        text: &str,
        depth: usize,
    ) -> bool {
        let Some(first) = cmd.first() else {
            return false;
        };
        let prog = basename(&first.text);
        if !SHELLS.contains(&prog) {
            return false;
        }
        let Some(c) = cmd
            .iter()
            .position(|w| w.text.starts_with('-') && w.text.contains('c'))
        else {
            return false;
        };
        let code = cmd.get(c + 1).map(|w| w.text.as_str());
        let from_stdin = match (code, replace) {
            (None, _) => true,
            (Some(code), Some(r)) => code.trim() == r,
            (Some(code), None) => code.trim() == "{}",
        };
        if from_stdin {
            let prog = prog.to_string();
            self.stdin_shell(&format!("xargs {prog} -c"), input, via, text, depth);
        }
        from_stdin
    }

    /// Options whose value is a command line ([`COMMAND_OPTS`], [`KEYED_COMMAND_OPTS`]).
    pub(super) fn command_opts(
        &mut self,
        program: &str,
        args: &[String],
        via: &[String],
        depth: usize,
    ) {
        let plain = lookup(COMMAND_OPTS, program);
        let keyed = KEYED_COMMAND_OPTS
            .iter()
            .find(|(p, _, _)| p.contains(&program));
        if plain.is_none() && keyed.is_none() {
            return;
        }
        let mut found: Vec<(String, String)> = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let mut used = 1;
            for opt in plain.unwrap_or(&[]) {
                if let Some((v, n)) = option_value(args, i, opt) {
                    found.push((format!("{program} {opt}"), v.to_string()));
                    used = n;
                }
            }
            if let Some((_, opts, keys)) = keyed {
                for opt in *opts {
                    let Some((v, n)) = option_value(args, i, opt) else {
                        continue;
                    };
                    used = n;
                    for key in *keys {
                        let head = v.get(..key.len());
                        if head.is_some_and(|h| h.eq_ignore_ascii_case(key)) {
                            let rest = &v[key.len()..];
                            if let Some(cmd) = rest.strip_prefix(['=', ' ']) {
                                found.push((format!("{program} {opt} {key}"), cmd.to_string()));
                            }
                        }
                    }
                }
            }
            i += used;
        }
        for (label, cmd) in found {
            self.run_script(&cmd, via, label, &Input::None, depth);
        }
    }

    /// `vim -c '!cmd'`, `vim +'r !cmd'`, `less '+!cmd'`: editor and pager commands that run a
    /// shell.
    pub(super) fn editor_commands(
        &mut self,
        program: &str,
        args: &[String],
        via: &[String],
        depth: usize,
    ) {
        let vim = VIM_PROGRAMS.contains(&program);
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            let cmd = if vim && VIM_COMMAND_OPTS.contains(&a) {
                i += 1;
                args.get(i).map(|s| s.as_str())
            } else {
                a.strip_prefix('+')
            };
            let shell = cmd.and_then(|c| {
                if vim {
                    code::ex_shell(c)
                } else {
                    c.strip_prefix('!').map(str::to_string)
                }
            });
            if let Some(sh) = shell {
                self.run_script(&sh, via, format!("{program} !"), &Input::None, depth);
            }
            i += 1;
        }
    }

    /// `gdb -ex CMD`, `lldb -o CMD`: a debugger command that runs a shell or Python, or calls
    /// `system("…")` in the debugged process, runs that command line or code.
    pub(super) fn debugger_commands(
        &mut self,
        program: &str,
        args: &[String],
        via: &[String],
        text: &str,
        depth: usize,
    ) {
        let Some(opts) = lookup(DEBUGGERS, program) else {
            return;
        };
        let mut i = 0;
        while i < args.len() {
            let Some((cmd, n)) = opts.iter().find_map(|o| option_value(args, i, o)) else {
                i += 1;
                continue;
            };
            let cmd = cmd.trim().to_string();
            i += n;
            let label = format!("{program} command");
            let code = if let Some(sh) = DEBUGGER_SHELL.iter().find_map(|p| cmd.strip_prefix(p)) {
                self.run_script(sh, via, label, &Input::None, depth);
                continue;
            } else if let Some(py) = DEBUGGER_PYTHON.iter().find_map(|p| cmd.strip_prefix(p)) {
                py.to_string()
            } else if cmd.contains("system") || cmd.contains("exec") || cmd.contains("popen") {
                // `call system("rm -rf ~")`, `expr (int)system("…")`: C calls in the debuggee,
                // read as code of their shape.
                cmd.clone()
            } else {
                continue;
            };
            let mut v = via.to_vec();
            v.push(label);
            let code_args = ["-c".to_string(), code];
            self.interpreter(program, "python", &code_args, &v, &Input::None, text, depth);
        }
    }

    /// `sed` scripts: `e CMD` and `s/…/CMD/e` run commands, `w FILE` writes, `r FILE` reads.
    pub(super) fn sed(&mut self, args: &[String], via: &[String], text: &str, depth: usize) {
        let mut scripts = Vec::new();
        let mut given = false;
        let mut first = None;
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            if a == "-f" || a == "--file" {
                given = true;
                i += 2;
                continue;
            }
            if let Some((v, n)) =
                option_value(args, i, "-e").or_else(|| option_value(args, i, "--expression"))
            {
                if !a.starts_with("-i") {
                    scripts.push(v.to_string());
                    given = true;
                    i += n;
                    continue;
                }
            }
            if a == "-l" {
                i += 2;
                continue;
            }
            if !a.starts_with('-') && first.is_none() {
                first = Some(a.to_string());
            }
            i += 1;
        }
        if !given {
            scripts.extend(first);
        }
        for s in scripts {
            let f = code::scan_sed(&s);
            for c in &f.commands {
                self.run_script(c, via, "sed e".into(), &Input::None, depth);
            }
            if f.dynamic {
                self.out.push(
                    Flag::new("shell.dynamic_command")
                        .detail(text)
                        .attr("program", "sed")
                        .attr("source", "sed e"),
                );
            }
            if !f.writes.is_empty() {
                let facts = self.facts(&f.writes);
                self.out
                    .push(Flag::new("file.write").detail(text).paths(facts));
            }
            if !f.reads.is_empty() {
                let facts = self.facts(&f.reads);
                self.out
                    .push(Flag::new("file.read").detail(text).paths(facts));
            }
        }
    }

    /// `make -f -`, `make --eval=…`, a makefile this command line wrote: the recipes run.
    pub(super) fn make(
        &mut self,
        args: &[String],
        input: &Input,
        via: &[String],
        text: &str,
        depth: usize,
    ) {
        let mut texts = Vec::new();
        let mut files = Vec::new();
        let mut dir: Option<String> = None;
        let mut i = 0;
        while i < args.len() {
            let mut used = 1;
            for opt in MAKE_FILE_OPTS {
                if let Some((v, n)) = option_value(args, i, opt) {
                    files.push(v.to_string());
                    used = n;
                }
            }
            for opt in MAKE_EVAL_OPTS {
                if let Some((v, n)) = option_value(args, i, opt) {
                    texts.push(v.to_string());
                    used = n;
                }
            }
            if let Some((v, n)) = option_value(args, i, "-C") {
                dir = Some(v.to_string());
                used = n;
            }
            i += used;
        }
        if files.is_empty() && !self.written.is_empty() {
            let d = dir
                .map(|d| format!("{}/", d.trim_end_matches('/')))
                .unwrap_or_default();
            files.extend(MAKEFILE_NAMES.iter().map(|n| format!("{d}{n}")));
        }
        for f in &files {
            if f == "-" || f == "/dev/stdin" {
                if let Input::Text(t) | Input::Literal(t) = input {
                    texts.push(t.clone());
                }
                continue;
            }
            let resolved = self.fact(f).resolved;
            if let Some((_, body)) = self.written.iter().rev().find(|(p, _)| *p == resolved) {
                texts.push(body.clone());
            }
        }
        let _ = text;
        for t in texts {
            for recipe in code::make_recipes(&t) {
                self.run_script(&recipe, via, "make recipe".into(), &Input::None, depth);
            }
        }
    }

    /// `tmux new 'cmd'`, `tmux send-keys 'cmd' Enter`: a shell runs the words.
    pub(super) fn tmux(&mut self, args: &[String], via: &[String], depth: usize) {
        let mut i = 0;
        while i < args.len() && args[i].starts_with('-') {
            if matches!(args[i].as_str(), "-L" | "-S" | "-f" | "-c" | "-T") {
                i += 1;
            }
            i += 1;
        }
        let Some(sub) = args.get(i).map(|s| s.as_str()) else {
            return;
        };
        let keys = TMUX_KEYS_SUBCOMMANDS.contains(&sub);
        if !keys && !TMUX_COMMAND_SUBCOMMANDS.contains(&sub) {
            return;
        }
        let rest = &args[i + 1..];
        let mut j = 0;
        while j < rest.len() && rest[j].starts_with('-') && rest[j].len() > 1 {
            let a = rest[j].as_str();
            if a == "--" {
                j += 1;
                break;
            }
            let last = &a[a.len() - 1..];
            let opt = format!("-{last}");
            let switch = TMUX_SWITCHES.contains(&opt.as_str()) || (keys && last == "l");
            if !switch && TMUX_VALUE_OPTS.contains(&opt.as_str()) {
                j += 1;
            }
            j += 1;
        }
        let words = rest.get(j..).unwrap_or(&[]);
        let line = if keys {
            words
                .iter()
                .map(|w| {
                    if TMUX_KEY_NAMES.contains(&w.as_str()) {
                        "\n".to_string()
                    } else {
                        w.clone()
                    }
                })
                .collect::<String>()
        } else if matches!(sub, "if-shell" | "if") {
            words.first().cloned().unwrap_or_default()
        } else {
            words.join(" ")
        };
        if !line.trim().is_empty() {
            self.run_script(&line, via, format!("tmux {sub}"), &Input::None, depth);
        }
    }

    /// `screen -dmS name CMD…`, `screen -X stuff 'cmd\n'`.
    pub(super) fn screen(
        &mut self,
        words: &[Word],
        via: &[String],
        input: &Input,
        text: &str,
        depth: usize,
    ) {
        let mut i = 0;
        while i < words.len() {
            let a = words[i].text.as_str();
            if SCREEN_NO_COMMAND.contains(&a) {
                return;
            }
            if a == "-X" {
                match words.get(i + 1).map(|w| w.text.as_str()) {
                    Some("stuff") => {
                        if let Some(t) = words.get(i + 2) {
                            let line = t.text.replace("\\n", "\n").replace("^M", "\n");
                            self.run_script(&line, via, "screen stuff".into(), &Input::None, depth);
                        }
                    }
                    Some("exec" | "screen") => {
                        let mut v = via.to_vec();
                        v.push("screen".into());
                        self.exec(&words[i + 2..], &v, &Input::None, text, &[], depth + 1);
                    }
                    _ => {}
                }
                return;
            }
            if !a.starts_with('-') {
                break;
            }
            let cluster_value = a.len() > 2 && !a.starts_with("--") && a.ends_with('S');
            if SCREEN_VALUE_OPTS.contains(&a) || cluster_value {
                i += 1;
            }
            i += 1;
        }
        if i < words.len() {
            let mut v = via.to_vec();
            v.push("screen".into());
            self.exec(&words[i..], &v, input, text, &[], depth + 1);
        }
    }

    /// `at`/`batch`: the job is the script on stdin, or the file of `-f`.
    pub(super) fn at(
        &mut self,
        args: &[String],
        via: &[String],
        input: &Input,
        text: &str,
        depth: usize,
    ) {
        if args
            .iter()
            .any(|a| matches!(a.as_str(), "-l" | "-d" | "-r" | "-c"))
        {
            return;
        }
        let mut i = 0;
        while i < args.len() {
            if let Some((f, _)) = option_value(args, i, "-f") {
                let f = f.to_string();
                self.run_fetched(&f, "sh", text);
                return;
            }
            if AT_VALUE_OPTS.contains(&args[i].as_str()) {
                i += 1;
            }
            i += 1;
        }
        self.stdin_shell("at", input, via, text, depth);
    }

    /// git: config that runs code (`-c core.pager=…`, `-c alias.x='!…'`), aliases defined in
    /// the same command line, config files written with code keys, remotes added and pushed
    /// to, and transports that run commands. True when the command was an alias, handled by
    /// what it expands to.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn git(
        &mut self,
        words: &[Word],
        args: &[String],
        via: &[String],
        input: &Input,
        text: &str,
        fill: &[String],
        depth: usize,
    ) -> bool {
        let global_value_opts = lookup(SUBCOMMAND_TOOLS, "git").unwrap_or(&[]);
        let mut configs: Vec<(String, String)> = Vec::new();
        let mut i = 0;
        while i < args.len() && args[i].starts_with('-') {
            if args[i] == "-c" {
                if let Some(kv) = args.get(i + 1) {
                    let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), "true"));
                    configs.push((k.to_ascii_lowercase(), v.to_string()));
                }
            }
            if global_value_opts.contains(&args[i].as_str()) {
                i += 1;
            }
            i += 1;
        }
        let Some(sub) = args.get(i).cloned() else {
            return false;
        };
        let rest = &args[i + 1..];
        for (k, v) in &configs {
            self.git_config_value(k, v, via, depth);
        }
        for a in rest {
            if let Some(spec) = a.strip_prefix("ext::") {
                let words: Vec<Word> = ext_argv(spec).iter().map(|a| lit(a)).collect();
                let mut v = via.to_vec();
                v.push("git ext::".into());
                self.exec(&words, &v, &Input::None, text, &[], depth + 1);
            }
        }
        let mut j = 0;
        while j < rest.len() {
            for opt in GIT_COMMAND_SUBOPTS {
                if let Some((v, _)) = option_value(rest, j, opt) {
                    let v = v.to_string();
                    self.run_script(&v, via, format!("git {opt}"), &Input::None, depth);
                }
            }
            j += 1;
        }
        // An alias: from `-c alias.X=…` on this command, or `git config alias.X …` before it.
        let alias_key = format!("alias.{}", sub.to_ascii_lowercase());
        let alias = configs
            .iter()
            .rev()
            .find(|(k, _)| *k == alias_key)
            .map(|(_, v)| v.clone())
            .or_else(|| {
                self.state
                    .git_aliases
                    .get(&sub.to_ascii_lowercase())
                    .cloned()
            });
        if let Some(value) = alias {
            if depth + 2 >= self.budget.max_depth || self.state.calling.contains(&alias_key) {
                return true;
            }
            self.state.calling.push(alias_key.clone());
            if let Some(shell) = value.strip_prefix('!') {
                let line = format!("{shell} {}", rest.join(" "));
                self.run_script(&line, via, format!("git {alias_key}"), &Input::None, depth);
            } else {
                let mut argv: Vec<Word> = words[..i].to_vec();
                argv.insert(0, lit("git"));
                argv.extend(value.split_whitespace().map(lit));
                argv.extend(words[i + 1..].iter().cloned());
                let mut v = via.to_vec();
                v.push(format!("git {alias_key}"));
                self.exec(&argv, &v, input, text, fill, depth + 1);
            }
            self.state.calling.pop();
            return true;
        }
        match sub.as_str() {
            "config" => self.git_config(rest, text),
            "remote" => {
                let ops: Vec<&String> = rest.iter().filter(|a| !a.starts_with('-')).collect();
                if let [verb, name, url, ..] = ops.as_slice() {
                    if matches!(verb.as_str(), "add" | "set-url") {
                        self.state
                            .git_remotes
                            .insert((*name).clone(), (*url).clone());
                    }
                }
            }
            "push" => self.git_push(rest, &configs, via, text),
            _ => {}
        }
        false
    }

    /// A config value git runs as a command (`core.pager`, `alias.x=!…`, `core.fsmonitor`).
    fn git_config_value(&mut self, key: &str, value: &str, via: &[String], depth: usize) {
        let key = key.to_ascii_lowercase();
        let command = if key.starts_with("alias.") {
            value.strip_prefix('!')
        } else if GIT_COMMAND_KEYS.iter().any(|k| git_key_matches(k, &key))
            && !GIT_BOOLEAN_VALUES.contains(&value.to_ascii_lowercase().as_str())
        {
            Some(value.strip_prefix('!').unwrap_or(value))
        } else {
            None
        };
        if let Some(cmd) = command {
            self.run_script(cmd, via, format!("git -c {key}"), &Input::None, depth);
        }
    }

    /// `git config [scope] KEY VALUE`: aliases and push refspecs are remembered for later
    /// git commands; a key that runs code writes the config file (a persistence path).
    fn git_config(&mut self, rest: &[String], text: &str) {
        let mut file = ".git/config".to_string();
        let mut ops: Vec<String> = Vec::new();
        let mut i = 0;
        while i < rest.len() {
            let a = rest[i].as_str();
            if GIT_CONFIG_READ_OPTS.contains(&a) && (a.starts_with('-') || ops.is_empty()) {
                return;
            }
            match a {
                "--global" => file = "~/.gitconfig".into(),
                "--system" => file = "/etc/gitconfig".into(),
                "--worktree" => file = ".git/config.worktree".into(),
                _ => {}
            }
            if let Some((v, n)) =
                option_value(rest, i, "--file").or_else(|| option_value(rest, i, "-f"))
            {
                file = v.to_string();
                i += n;
                continue;
            }
            if a.starts_with('-') {
                if GIT_CONFIG_VALUE_OPTS.contains(&a) {
                    i += 1;
                }
            } else {
                ops.push(a.to_string());
            }
            i += 1;
        }
        if ops.first().is_some_and(|o| o == "set") {
            ops.remove(0);
        }
        let [key, value, ..] = ops.as_slice() else {
            return;
        };
        let key = key.to_ascii_lowercase();
        if let Some(name) = key.strip_prefix("alias.") {
            self.state
                .git_aliases
                .insert(name.to_string(), value.clone());
        }
        if git_key_matches("remote.*.push", &key) || git_key_matches("remote.*.mirror", &key) {
            self.state.git_config.push((key.clone(), value.clone()));
        }
        let runs_code = (key.starts_with("alias.") && value.starts_with('!'))
            || (GIT_COMMAND_KEYS.iter().any(|k| git_key_matches(k, &key))
                && !GIT_BOOLEAN_VALUES.contains(&value.to_ascii_lowercase().as_str()))
            || GIT_CODE_PATH_KEYS.iter().any(|k| git_key_matches(k, &key));
        if runs_code {
            let f = self.fact(&file);
            self.out.push(
                Flag::new("file.write")
                    .detail(text)
                    .paths(vec![f])
                    .attr("git_config", key),
            );
        }
    }

    /// `git push URL`, `git push NAME` to a remote added in this command line: an upload to
    /// that host. A push refspec or mirror set in config is the push's own.
    fn git_push(
        &mut self,
        rest: &[String],
        configs: &[(String, String)],
        via: &[String],
        text: &str,
    ) {
        let mut ops: Vec<&str> = Vec::new();
        let mut repo = None;
        let mut i = 0;
        while i < rest.len() {
            let a = rest[i].as_str();
            if let Some((v, n)) = option_value(rest, i, "--repo") {
                repo = Some(v.to_string());
                i += n;
                continue;
            }
            if a.starts_with('-') {
                if GIT_PUSH_VALUE_OPTS.contains(&a) {
                    i += 1;
                }
            } else {
                ops.push(a);
            }
            i += 1;
        }
        let remote = repo.or_else(|| ops.first().map(|s| s.to_string()));
        let url = remote.as_ref().and_then(|r| {
            if r.contains("://") || egress::arg_host(r).is_some() {
                Some(r.clone())
            } else {
                self.state.git_remotes.get(r).cloned()
            }
        });
        if let Some(url) = url {
            let host = egress::arg_host(&url)
                .or_else(|| egress::host_of(&url))
                .unwrap_or_else(|| "(unknown)".into());
            self.out.push(
                Flag::new("net.upload")
                    .detail(text)
                    .hosts(vec![host])
                    .attr("program", "git push"),
            );
        }
        let remote_name = remote.unwrap_or_else(|| "origin".into());
        let all: Vec<(String, String)> = configs
            .iter()
            .cloned()
            .chain(self.state.git_config.iter().cloned())
            .collect();
        for (k, v) in all {
            let parts: Vec<&str> = k.split('.').collect();
            let [_, name, field] = parts.as_slice() else {
                continue;
            };
            if parts[0] != "remote" || (*name != remote_name && ops.len() > 1) {
                continue;
            }
            let extra = match *field {
                "push" => v.clone(),
                "mirror" if v == "true" => "--mirror".into(),
                _ => continue,
            };
            let mut args = vec!["push".to_string(), remote_name.clone(), extra];
            args.extend(ops.iter().skip(1).map(|s| s.to_string()));
            let mut v = via.to_vec();
            v.push(format!("git config {k}"));
            self.push_exec("git", &args, &v, text, None);
        }
    }

    /// An unknown program handed something that reads as a command: the rest of its argv
    /// from a word naming a dangerous program (`nsenter -t 1 rm -rf /`), or an argument that
    /// parses as a command line running one (`runner --cmd 'curl … | sh'`). What it finds is
    /// analysed as a command, behind `guess: PROGRAM`, and `shell.guessed_command` says so.
    pub(super) fn guess(
        &mut self,
        program: &str,
        words: &[Word],
        args: &[String],
        via: &[String],
        text: &str,
        depth: usize,
    ) {
        let interesting = args
            .iter()
            .any(|a| a.contains(' ') || GUESS_HEADS.contains(&basename(a)));
        if !interesting
            || is_known(program)
            || args.iter().any(|a| GUESS_STOP.contains(&a.as_str()))
            || via.iter().filter(|v| v.starts_with("guess")).count() >= 2
        {
            return;
        }
        let label = format!("guess: {program}");
        let mut v = via.to_vec();
        v.push(label.clone());
        let mut skip = false;
        for (i, w) in words.iter().enumerate() {
            let a = w.text.as_str();
            if std::mem::take(&mut skip) {
                continue;
            }
            if MESSAGE_OPTS.contains(&a) {
                skip = true;
                continue;
            }
            let candidate = match a.split_once('=') {
                Some((opt, value)) if opt.starts_with("--") => {
                    if MESSAGE_OPTS.contains(&opt) {
                        continue;
                    }
                    value
                }
                _ if a.starts_with('-') => continue,
                _ => a,
            };
            if candidate.contains(' ') {
                let tree = parse::parse(candidate, &mut self.budget, depth + 1);
                if names_a_head(&tree, 0) {
                    self.out.push(
                        Flag::new("shell.guessed_command")
                            .detail(text)
                            .attr("program", program)
                            .attr("argument", candidate),
                    );
                    self.node(&tree, &v, &Input::None, depth + 1);
                }
            } else if candidate == a && GUESS_HEADS.contains(&basename(a)) {
                self.out.push(
                    Flag::new("shell.guessed_command")
                        .detail(text)
                        .attr("program", program)
                        .attr("argument", join_words(&words[i..])),
                );
                self.exec(&words[i..], &v, &Input::None, text, &[], depth + 1);
                return;
            }
        }
    }
}

/// Whether a git config key matches a pattern whose `*` stands for one segment (or, in the
/// middle, a subsection that may itself hold dots).
fn git_key_matches(pattern: &str, key: &str) -> bool {
    match pattern.split_once(".*.") {
        Some((head, tail)) => {
            key.len() > head.len() + tail.len() + 2
                && key.starts_with(&format!("{head}."))
                && key.ends_with(&format!(".{tail}"))
        }
        None => match pattern.strip_suffix(".*") {
            Some(head) => key.starts_with(&format!("{head}.")),
            None => pattern == key,
        },
    }
}

/// The argv a git `ext::` remote runs: git splits the text on spaces into arguments, `% `
/// being a space inside one and `%%` a percent sign (`ext::sh -c rm% -rf% ~` runs `sh` with
/// `-c` and `rm -rf ~`).
fn ext_argv(spec: &str) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => match chars.next() {
                Some(' ') => cur.push(' '),
                Some('%') => cur.push('%'),
                // `%s`, `%S`: the service name.
                Some('s' | 'S') => cur.push_str("git-upload-pack"),
                Some(o) => {
                    cur.push('%');
                    cur.push(o);
                }
                None => {}
            },
            ' ' => args.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    args.push(cur);
    args.retain(|a| !a.is_empty());
    args
}
