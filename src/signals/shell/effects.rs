//! What a simple command does by itself: deletions (`rm -r`, `rsync --delete`), disk writes
//! (`dd of=/dev/sda`, `mkfs`), SQL statements (`psql -c`), inline interpreter and awk code,
//! the files it reads and writes, and its network egress. Which programs do what is in
//! [`super::programs`]; commands that run other commands are in [`super::wrappers`].

use super::parse::Word;
use super::programs::{
    is_disk_tool, lookup, Role, SqlClient, SqlOperands, AWKS, BLOCK_DEVICES, DELETERS,
    FILE_FORMATTERS, FILE_ROLES, FILE_VALUE_OPTS, OPENSSL_INPUT_OPTS, OPENSSL_OUTPUT_OPT,
    OVERWRITERS, PARTITION_LIST_ARGS, PARTITION_TOOLS, SQL_CLIENTS, SQL_LONG_OPTS, SQL_VALUE_OPTS,
    SUBCOMMAND_TOOLS, TREE_DELETERS,
};
use super::{code, is_backup_name, lit, Analyzer, Input};
use crate::signals::egress::{self, DOWNLOADERS};
use crate::signals::{Flag, PathFact};
use std::path::PathBuf;

impl Analyzer<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn program(
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
                    out.extend(fill.iter().map(|f| o.replace("{}", f)));
                } else {
                    out.push(o);
                }
            }
            out
        };
        match program {
            p if DELETERS.contains(&p) => {
                let mut recursive = TREE_DELETERS.contains(&program);
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
                            recursive = recursive || !OVERWRITERS.contains(&program);
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
                if OVERWRITERS.contains(&program) && ops.iter().any(|o| is_block_device(o)) {
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
            p if is_disk_tool(p) => {
                let readonly = PARTITION_TOOLS.contains(&p)
                    && args
                        .iter()
                        .any(|a| PARTITION_LIST_ARGS.contains(&a.as_str()));
                // `mkfs.ext4 disk.img`, `mkswap swapfile`: formatting an image file.
                let image_only = args.iter().any(|a| !a.starts_with('-'))
                    && args.iter().all(|a| {
                        a.starts_with('-')
                            || (!a.starts_with("/dev/") && !a.contains('$') && a.contains('.'))
                            || (FILE_FORMATTERS.contains(&p)
                                && !a.starts_with("/dev/")
                                && !a.contains('$'))
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
            p => {
                if let Some(client) = SQL_CLIENTS.iter().find(|c| c.name == p) {
                    self.sql_client(client, args, input, text);
                }
            }
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
        if AWKS.contains(&program) {
            self.awk(args, via, text, depth);
        }
        if program == "ln" {
            self.record_links(args);
        }
        // Files the command reads and writes; `xargs` appends what it reads to the argv.
        let from_xargs = via.last().is_some_and(|v| v.starts_with("xargs"));
        let (reads, writes) = if from_xargs {
            file_roles(program, &super::reads::with_fill(args, fill))
        } else {
            file_roles(program, args)
        };
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

    /// A database client: the statements it is given, by option, operand or stdin.
    pub(super) fn sql_client(
        &mut self,
        client: &SqlClient,
        args: &[String],
        input: &Input,
        text: &str,
    ) {
        let mut sql = Vec::new();
        let mut i = 0;
        let mut operands = Vec::new();
        while i < args.len() {
            let a = args[i].as_str();
            if client.sql_opts.contains(&a) {
                if let Some(v) = args.get(i + 1) {
                    sql.push(v.clone());
                }
                i += 2;
                continue;
            }
            if let Some((k, v)) = a.split_once('=') {
                if SQL_LONG_OPTS.contains(&k) {
                    sql.push(v.to_string());
                }
            } else if let Some(v) = client
                .attached
                .and_then(|p| a.strip_prefix(p))
                .filter(|v| !v.is_empty())
            {
                sql.push(v.to_string());
            } else if !a.starts_with('-') {
                operands.push(a.to_string());
            } else if a == "-p" && client.bare_password_flag {
                // `-p` alone prompts for the password; a value must be attached.
            } else if SQL_VALUE_OPTS.contains(&a) {
                i += 1;
            }
            i += 1;
        }
        match client.operands {
            // `sqlite3 db.sqlite "DROP TABLE t"`
            SqlOperands::AfterDatabase => sql.extend(operands.iter().skip(1).cloned()),
            SqlOperands::Joined => sql.push(operands.join(" ")),
            SqlOperands::None => {}
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
                        .attr("client", client.name),
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn interpreter(
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
            if code::fetches_code(&c) {
                // `urlopen("https://host/x")`, `fetch(URL)`: the code talks to these hosts.
                let hosts = egress::hosts_in(&c);
                let hosts = if hosts.is_empty() {
                    vec!["(unknown)".to_string()]
                } else {
                    hosts
                };
                egress::push_connect(&mut self.out, text, hosts, &label);
            }
            if f.dynamic_exec && code::fetches_code(&c) {
                // `exec(urlopen(URL).read())`: downloaded code run in-process.
                let hosts = egress::hosts_in(&c);
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

    /// awk programs run shell commands through `system()`, `print | "cmd"` and
    /// `"cmd" | getline`.
    pub(super) fn awk(&mut self, args: &[String], via: &[String], text: &str, depth: usize) {
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
}

/// Whether `t` names a block device (a disk, partition or volume).
pub(super) fn is_block_device(t: &str) -> bool {
    let Some(d) = t.strip_prefix("/dev/") else {
        return false;
    };
    BLOCK_DEVICES.iter().any(|p| d.starts_with(p))
}

/// The subcommand of tools with global options before it (`git -C x push`, `kubectl -n ns
/// delete`); see [`SUBCOMMAND_TOOLS`].
pub(super) fn subcommand(program: &str, args: &[String]) -> Option<String> {
    let value_opts = lookup(SUBCOMMAND_TOOLS, program)?;
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
        return Some(a.to_string());
    }
    None
}

/// Files a program reads and writes, from its operands (see [`FILE_ROLES`]).
pub(super) fn file_roles(program: &str, args: &[String]) -> (Vec<String>, Vec<String>) {
    let Some(role) = lookup(FILE_ROLES, program) else {
        return (Vec::new(), Vec::new());
    };
    let value_opts = lookup(FILE_VALUE_OPTS, program).unwrap_or(&[]);
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
            if role == Role::PatternThenReads
                && (a == "-e"
                    || a == "-f"
                    || a == "--regexp"
                    || a == "--file"
                    || a.starts_with("--regexp=")
                    || a.starts_with("-e"))
            {
                pattern_given = true;
            }
            if role == Role::OptionFiles && OPENSSL_INPUT_OPTS.contains(&a.as_str()) {
                if let Some(v) = args.get(i + 1) {
                    option_files.push(v.clone());
                }
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
    match role {
        Role::Reads => reads = ops,
        Role::ReadsThenWrites => {
            if ops.len() > 1 {
                reads.push(ops[0].clone());
                writes.push(ops[1].clone());
            } else {
                reads = ops;
            }
        }
        Role::ReadsToOutputOpt => {
            reads = ops;
            if let Some(i) = args.iter().position(|a| a == "-o" || a == "--output") {
                writes.extend(args.get(i + 1).cloned());
            }
        }
        Role::PatternThenReads => {
            reads = if pattern_given {
                ops
            } else {
                ops.into_iter().skip(1).collect()
            };
            // `grep -r "" --include='.env*' .` reads exactly the files the filter names.
            if let Some(narrowed) = super::reads::grep_reach(program, args, &reads) {
                reads = narrowed;
            }
        }
        Role::ScriptThenReads => {
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
        Role::ProgramThenReads => {
            let prog_given = args.iter().any(|a| a == "-f");
            reads = if prog_given {
                ops
            } else {
                ops.into_iter().skip(1).collect()
            };
            reads.retain(|a| !a.contains('=') || a.contains('/'));
        }
        Role::FilterThenReads => {
            reads = ops.into_iter().skip(1).collect();
        }
        Role::CopyTo { remote_dest } => {
            if let Some((dest, srcs)) = ops.split_last() {
                if !remote_dest || !dest.contains(':') {
                    writes.push(dest.clone());
                }
                reads.extend(
                    srcs.iter()
                        .filter(|s| !s.contains(':') || s.starts_with('/'))
                        .cloned(),
                );
            }
        }
        Role::MoveTo => {
            if let Some((dest, srcs)) = ops.split_last() {
                writes.push(dest.clone());
                reads.extend(srcs.iter().cloned());
                writes.extend(srcs.iter().cloned());
            }
        }
        Role::RemoteCopy => {
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
        Role::LinkTo => {
            if ops.len() >= 2 {
                writes.extend(ops.last().cloned());
            }
        }
        Role::Writes => writes = ops,
        Role::Archive => {
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
                // `tar -C ~/.aws -cf - .` archives the directory `-C` names.
                if let Some(dir) = super::reads::tar_dir(args) {
                    for r in &mut reads {
                        if !r.starts_with('/') && !r.starts_with('~') {
                            *r = format!("{}/{r}", dir.trim_end_matches('/'));
                        }
                    }
                }
                writes.extend(archive);
            } else {
                let extract = args.iter().any(|a| {
                    a == "--extract"
                        || a == "--get"
                        || (a.starts_with('-') && !a.starts_with("--") && a.contains('x'))
                }) || (!flags.starts_with('-') && flags.contains('x'));
                if extract {
                    // Members land in the `-C` directory (or here), any name the archive holds.
                    let dir = super::reads::tar_dir(args).unwrap_or_else(|| ".".to_string());
                    writes.push(dir);
                }
                reads.extend(archive);
            }
        }
        Role::ArchiveFirst { skip } => {
            let mut it = ops.into_iter().skip(skip);
            if let Some(a) = it.next() {
                writes.push(a);
            }
            reads = it.collect();
        }
        Role::OptionFiles => {
            reads = option_files;
            if let Some(i) = args.iter().position(|a| a == OPENSSL_OUTPUT_OPT) {
                writes.extend(args.get(i + 1).cloned());
            }
        }
    }
    reads.retain(|r| r != "-" && !r.is_empty() && !r.starts_with("/dev/std"));
    writes.retain(|r| r != "-" && !r.is_empty() && r != "/dev/null");
    (reads, writes)
}

/// The host of an `scp`/`rsync` operand `host:path` (not a local path with a colon).
pub(super) fn egress_remote(a: &str) -> Option<String> {
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
pub(super) fn dev_net_host(target: &str) -> Option<String> {
    let net = target
        .strip_prefix("/dev/tcp/")
        .or_else(|| target.strip_prefix("/dev/udp/"))?;
    Some(net.split('/').next().unwrap_or("").to_string())
}
