//! Commands that run other commands: wrappers (`sudo`, `env`, `timeout`), runners (`bundle
//! exec`, `poetry run`), containers (`docker exec`), remote and nested shells (`ssh host cmd`,
//! `bash -c`, `eval`, `su -c`, `watch`), per-item runners (`xargs`, `find -exec`, `fd -x`,
//! `parallel`), and scripts a command line writes or downloads and then runs. Each finds the
//! command it runs and hands it back to the walker ([`Analyzer::exec`] or
//! [`Analyzer::run_script`]); which programs these are, and how their options are shaped,
//! is in [`super::programs`].

use super::parse::{self, Word};
use super::programs::{
    Wrapper, CONTAINER_EXEC_VALUE_OPTS, ENV_SPLIT_OPTS, FD_EXEC_OPTS, FIND_EXEC_ACTIONS,
    FIND_FILTERS, FIND_LEADING_OPTS, PARALLEL_VALUE_OPTS, POD_TOOLS, ROOT_SHELL_OPTS,
    ROOT_SHELL_WRAPPERS, SCRIPT_RUNNERS, SHELLS, SSH_VALUE_OPTS, SU_CODE_OPTS, WATCH_EXEC_OPTS,
    WATCH_VALUE_OPTS, XARGS_REPLACE_OPTS, XARGS_VALUE_OPTS,
};
use super::walk::{downloads_in, downloads_in_words, is_env_setup, join_words, parse_is_name};
use super::{code, Analyzer, Input};
use crate::signals::{egress, Flag};

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
        if program == "env" {
            if let Some(i) = args
                .iter()
                .position(|a| ENV_SPLIT_OPTS.contains(&a.as_str()))
            {
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
            if start < words.len() {
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
        depth: usize,
    ) {
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
    pub(super) fn source(&mut self, words: &[Word], text: &str) {
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
        if POD_TOOLS.contains(&program) {
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
            if w.value_opts.contains(&a) {
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
