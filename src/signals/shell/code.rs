//! Text that is code for another language: SQL handed to a database client, and interpreter
//! one-liners (`python -c`, `node -e`, `perl -e`, `ruby -e`, `php -r`) scanned for shell-outs,
//! recursive deletion APIs, file reads and fork loops.
//!
//! Regexes are compiled once per process on first use; a keyword prefilter keeps ordinary
//! one-liners from reaching them.

use regex::Regex;
use std::sync::OnceLock;

/// SQL verbs rules care about, as `sql.statement` `verb` attributes.
pub fn sql_verbs(sql: &str) -> Vec<&'static str> {
    static RES: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    let lower = sql.to_ascii_lowercase();
    const KEYS: &[&str] = &[
        "drop",
        "truncate",
        "delete",
        "copy",
        "flush",
        "dropdatabase",
        "into outfile",
        "deletemany",
        "remove(",
    ];
    if !KEYS.iter().any(|k| lower.contains(k)) {
        return Vec::new();
    }
    let res = RES.get_or_init(|| {
        let pats: &[(&str, &str)] = &[
            (r"\bdrop\s+(database|schema)\b", "drop_database"),
            (r"\bdropdatabase\s*\(", "drop_database"),
            (r"\bflushall\b", "drop_database"),
            (r"\bflushdb\b", "drop_table"),
            (r"\bdrop\s+table\b", "drop_table"),
            (r"\.drop\s*\(\s*\)", "drop_table"),
            (r"\btruncate\b", "truncate"),
            (r"\bdelete\s+from\s+[\w.`\x22\[\]]+\s*(;|$)", "delete_all"),
            (
                r"\.(deletemany|remove)\s*\(\s*(\{\s*\})?\s*\)",
                "delete_all",
            ),
            (r"\\?\bcopy\b[^;]*\bto\b", "copy_to"),
            (r"\binto\s+outfile\b", "copy_to"),
        ];
        pats.iter()
            .filter_map(|(p, v)| Regex::new(&format!("(?m){p}")).ok().map(|r| (r, *v)))
            .collect()
    });
    let mut out = Vec::new();
    for (re, verb) in res {
        if re.is_match(&lower) && !out.contains(verb) {
            out.push(*verb);
        }
    }
    out
}

/// The language of an interpreter program, if it is one.
pub fn interpreter(program: &str) -> Option<&'static str> {
    let p = program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    Some(match p {
        "python" | "pypy" | "python3" | "python2" | "py" => "python",
        "node" | "nodejs" | "bun" | "deno" => "node",
        "perl" => "perl",
        "ruby" | "jruby" => "ruby",
        "php" => "php",
        _ => return None,
    })
}

fn short_cluster(a: &str) -> bool {
    a.len() > 1
        && !a.starts_with("--")
        && !a.starts_with("-M")
        && !a.starts_with("-m")
        && !a.starts_with("-I")
        && a[1..].chars().all(|c| c.is_ascii_alphabetic())
}

/// Shell commands an awk program runs.
#[derive(Debug, Default, PartialEq)]
pub struct AwkCalls {
    /// Literal command strings (`system("…")`, `print | "…"`, `"…" | getline`).
    pub shell: Vec<String>,
    /// A command built at run time (`system("rm " $1)`, `print | "sh"`).
    pub dynamic: bool,
}

/// Scans an awk program for the commands it runs.
pub fn scan_awk(prog: &str) -> AwkCalls {
    let mut calls = AwkCalls::default();
    if !(prog.contains("system") || prog.contains('|')) {
        return calls;
    }
    static RES: OnceLock<Option<(Regex, Regex, Regex)>> = OnceLock::new();
    let Some((system, pipe_to, getline)) = RES.get_or_init(|| {
        Some((
            Regex::new(r#"\bsystem\s*\(\s*("((?:[^"\\]|\\.)*)"\s*\)|)"#).ok()?,
            Regex::new(r#"\|&?\s*("((?:[^"\\]|\\.)*)"|[A-Za-z_(])"#).ok()?,
            Regex::new(r#""((?:[^"\\]|\\.)*)"\s*\|&?\s*getline"#).ok()?,
        ))
    }) else {
        calls.dynamic = true;
        return calls;
    };
    for c in system.captures_iter(prog) {
        match c.get(2) {
            Some(m) => calls.shell.push(m.as_str().replace("\\\"", "\"")),
            None => calls.dynamic = true,
        }
    }
    let mut consumed = Vec::new();
    for c in getline.captures_iter(prog) {
        if let (Some(all), Some(m)) = (c.get(0), c.get(1)) {
            consumed.push(all.end());
            calls.shell.push(m.as_str().replace("\\\"", "\""));
        }
    }
    for c in pipe_to.captures_iter(prog) {
        let Some(all) = c.get(0) else { continue };
        if prog[all.end()..].trim_start().starts_with("getline")
            || consumed
                .iter()
                .any(|e| *e >= all.start() && *e <= all.end())
            || prog[..all.start()].ends_with('|')
            || prog[all.end()..].starts_with('|')
        {
            continue;
        }
        match c.get(2) {
            // `print … | "sort -u"`: a command reading awk's output.
            Some(m) => {
                let cmd = m.as_str().replace("\\\"", "\"");
                let head = cmd.split_whitespace().next().unwrap_or("");
                if super::programs::SHELLS.contains(&head) || interpreter(head).is_some() {
                    calls.dynamic = true;
                } else {
                    calls.shell.push(cmd);
                }
            }
            None => calls.dynamic = true,
        }
    }
    calls
}

/// Interpreter code that downloads something (to run it, when it also evals).
pub fn fetches_code(code: &str) -> bool {
    const APIS: &[&str] = &[
        "urlopen",
        "urllib",
        "requests.get",
        "httpx.get",
        "http.get(",
        "https.get(",
        "fetch(",
        "axios",
        "Net::HTTP",
        "LWP::",
        "open-uri",
        "URI.open",
        "HTTP::Tiny",
        "curl_exec",
        "file_get_contents('http",
        "file_get_contents(\"http",
    ];
    APIS.iter().any(|a| code.contains(a))
}

/// Where an interpreter's code comes from.
#[derive(Debug, PartialEq)]
pub enum CodeSource {
    /// Inline code (`-c`, `-e`, ...): the strings.
    Inline(Vec<String>),
    /// A script file, a module, or a REPL-less invocation: nothing to scan.
    Script,
    /// Code read from stdin.
    Stdin,
}

/// Finds the code an interpreter runs from its arguments.
pub fn code_source(lang: &str, args: &[String]) -> CodeSource {
    let mut inline = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a == "--" {
            return if inline.is_empty() {
                match args.get(i + 1) {
                    Some(s) if s != "-" => CodeSource::Script,
                    _ => CodeSource::Stdin,
                }
            } else {
                CodeSource::Inline(inline)
            };
        }
        if a == "-" {
            return if inline.is_empty() {
                CodeSource::Stdin
            } else {
                CodeSource::Inline(inline)
            };
        }
        if !a.starts_with('-') {
            if lang == "node" && a == "eval" {
                // `deno eval CODE`
                if let Some(c) = args.get(i + 1) {
                    inline.push(c.clone());
                }
                return CodeSource::Inline(inline);
            }
            return if inline.is_empty() {
                CodeSource::Script
            } else {
                CodeSource::Inline(inline)
            };
        }
        let code_flag = match lang {
            "python" => {
                if a == "-m" {
                    return CodeSource::Script;
                }
                a == "-c" || (!a.starts_with("--") && a.ends_with('c') && a.len() > 2)
            }
            "node" => matches!(a, "-e" | "--eval" | "-p" | "--print" | "-pe"),
            // Clustered switches (`-e`, `-lne`, `-wE`); `-MFile::Path=remove_tree` is a
            // module import that merely ends in `e`.
            "perl" => short_cluster(a) && (a.ends_with('e') || a.ends_with('E')),
            "ruby" => short_cluster(a) && a.ends_with('e') && !a.starts_with("-r"),
            "php" => a == "-r",
            _ => false,
        };
        if code_flag {
            if let Some(c) = args.get(i + 1) {
                inline.push(c.clone());
            }
            i += 2;
            if lang == "python" {
                return CodeSource::Inline(inline);
            }
            continue;
        }
        if let Some(v) = a
            .strip_prefix("--eval=")
            .or_else(|| a.strip_prefix("--print="))
        {
            inline.push(v.to_string());
        }
        // Options with a value.
        let takes = match lang {
            "python" => matches!(a, "-W" | "-X" | "-Q"),
            "node" => matches!(
                a,
                "-r" | "--require" | "--import" | "--loader" | "--input-type"
            ),
            "perl" => matches!(a, "-I" | "-M") && a.len() == 2,
            "ruby" => matches!(a, "-I" | "-r" | "-C") && a.len() == 2,
            "php" => matches!(a, "-d" | "-c" | "-f"),
            _ => false,
        };
        if lang == "php" && a == "-f" {
            return CodeSource::Script;
        }
        i += if takes { 2 } else { 1 };
    }
    if inline.is_empty() {
        CodeSource::Stdin
    } else {
        CodeSource::Inline(inline)
    }
}

/// What an interpreter one-liner does that the policy cares about.
#[derive(Debug, Default, PartialEq)]
pub struct CodeFacts {
    /// Shell command lines it runs (`os.system("…")`, backticks).
    pub shell: Vec<String>,
    /// argv lists it runs (`subprocess.run(["rm", "-rf", "x"])`).
    pub argv: Vec<Vec<String>>,
    /// A process is spawned from a non-literal: unknowable.
    pub dynamic_exec: bool,
    /// Recursive deletions: the literal target when there is one.
    pub recursive_deletes: Vec<Option<String>>,
    pub reads: Vec<String>,
    pub writes: Vec<String>,
    pub fork_bomb: bool,
}

const CODE_KEYS: &[&str] = &[
    "system",
    "popen",
    "subprocess",
    "exec",
    "spawn",
    "rmtree",
    "rm",
    "remove",
    "fork",
    "open",
    "read",
    "`",
    "%x",
    "passthru",
    "child_process",
    "rimraf",
    "unlink",
    "write",
];

/// Scans interpreter code.
pub fn scan_code(code: &str, lang: &str) -> CodeFacts {
    let mut f = CodeFacts::default();
    if !CODE_KEYS.iter().any(|k| code.contains(k)) {
        return f;
    }
    static RES: OnceLock<Option<CodeRes>> = OnceLock::new();
    let Some(r) = RES.get_or_init(CodeRes::build) else {
        // Patterns failed to build: be conservative.
        f.dynamic_exec = true;
        return f;
    };
    if r.fork.is_match(code) {
        f.fork_bomb = true;
    }
    for m in r.rmtree.find_iter(code) {
        let tail = &code[m.end()..];
        let recursive_needed = lang == "node" && !m.as_str().contains("rimraf");
        let call = call_args(tail);
        if recursive_needed && !(call.contains("recursive") && call.contains("true")) {
            continue;
        }
        f.recursive_deletes.push(first_literal(call));
    }
    if lang == "python"
        && code.contains("walk(")
        && (code.contains("remove(") || code.contains("unlink(") || code.contains("rmdir("))
    {
        // `for r, _, fs in os.walk(D): os.remove(…)`: a hand-written recursive delete.
        if let Some(i) = code.find("walk(") {
            f.recursive_deletes
                .push(first_literal(call_args(&code[i + 5..])));
        }
    }
    for m in r.shellout.find_iter(code) {
        if lang == "node" && !m.as_str().ends_with('(') {
            // `const {execSync} = require(…)`: a name, not a call.
            continue;
        }
        let name = m
            .as_str()
            .trim_end_matches(|c: char| c == '(' || c.is_whitespace());
        let tail = &code[m.end()..];
        let call = call_args(tail);
        let trimmed = call.trim_start();
        let shell_string = name.contains("system")
            || name.contains("popen")
            || name.contains("getoutput")
            || name.contains("execSync")
            || name.contains("shell_exec")
            || name.contains("passthru")
            || (name.ends_with("exec") && lang == "node")
            || call.contains("shell=True")
            || call.contains("shell: true");
        if trimmed.starts_with('[') {
            let list = trimmed.split(']').next().unwrap_or("");
            let items = literals(list);
            if items.is_empty() {
                f.dynamic_exec = true;
            } else if shell_string && items.len() == 1 {
                f.shell.push(items[0].clone());
            } else {
                f.argv.push(items);
            }
        } else if let Some(lit) = leading_literal(trimmed) {
            if shell_string || lang == "perl" || lang == "ruby" || lang == "php" {
                // Perl/Ruby `system("rm -rf x")` with one string goes through a shell;
                // with several strings it is an argv.
                let rest = literals(call);
                if rest.len() > 1 && (!shell_string || matches!(lang, "perl" | "ruby")) {
                    f.argv.push(rest);
                } else {
                    f.shell.push(lit);
                }
            } else {
                // `spawn("rm", ["-rf", "x"])`, `execFileSync("rm", [...])`
                let mut argv = vec![lit];
                if let Some(open) = call.find('[') {
                    argv.extend(literals(call[open..].split(']').next().unwrap_or("")));
                }
                f.argv.push(argv);
            }
        } else {
            f.dynamic_exec = true;
        }
    }
    if matches!(lang, "perl" | "ruby" | "php") {
        for c in r.backtick.captures_iter(code) {
            if let Some(m) = c.get(1).or_else(|| c.get(2)).or_else(|| c.get(3)) {
                f.shell.push(m.as_str().to_string());
            }
        }
    }
    for c in r.read.captures_iter(code) {
        let mode = c.get(2).map(|m| m.as_str()).unwrap_or("");
        if let Some(p) = c.get(1) {
            if mode.contains('w') || mode.contains('a') {
                f.writes.push(p.as_str().to_string());
            } else {
                f.reads.push(p.as_str().to_string());
            }
        }
    }
    f
}

struct CodeRes {
    fork: Regex,
    rmtree: Regex,
    shellout: Regex,
    backtick: Regex,
    read: Regex,
}

impl CodeRes {
    fn build() -> Option<CodeRes> {
        Some(CodeRes {
            fork: Regex::new(
                r"fork\s*(\(\s*\))?\s*while\s*fork|while\s*[(:]?\s*(true|1|True)\s*\)?\s*[:{]?\s*(os\.|Process\.|pcntl_)?fork|loop\s*\{\s*fork|\bfork\s*\(?\)?\s*until\s*false|(for|while)\s*\(\s*;\s*;\s*\)\s*\{?\s*(pcntl_)?fork",
            )
            .ok()?,
            rmtree: Regex::new(
                r"\b(shutil\.rmtree|rmtree|remove_tree|FileUtils\.(rm_rf|rm_r|remove_dir|remove_entry_secure|remove_entry|rmtree)|rimraf(\.sync)?|fs(\.promises)?\.(rmSync|rm|rmdirSync|rmdir)|rmSync|rmdirSync|Deno\.removeSync|Deno\.remove)\s*\(?",
            )
            .ok()?,
            shellout: Regex::new(
                r"\b(os\.system|os\.popen|os\.exec\w*|subprocess\.(run|call)|(\w+\.)?(check_call|check_output|Popen|getoutput|getstatusoutput)|commands\.getoutput|(child_process\.)?(execSync|execFileSync|spawnSync|spawn|execFile|exec)|system|shell_exec|passthru|proc_open|popen|IO\.popen|Open3\.\w+|Kernel\.(system|exec|spawn)|Process\.spawn)\s*\(?",
            )
            .ok()?,
            backtick: Regex::new(r"`([^`]+)`|%x\(([^)]*)\)|%x\{([^}]*)\}").ok()?,
            read: Regex::new(
                r#"(?:\bopen|readFileSync|readFile|File\.read|File\.open|IO\.read|file_get_contents|Path|read_text|read_bytes)\s*\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([rwab+]+)['"])?"#,
            )
            .ok()?,
        })
    }
}

/// The argument text of a call: up to the matching `)` (or the line end without parens).
fn call_args(tail: &str) -> &str {
    let mut level = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in tail.char_indices() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' | '{' => level += 1,
                ')' | ']' | '}' => {
                    if level == 0 {
                        return &tail[..i];
                    }
                    level -= 1;
                }
                ';' | '\n' if level == 0 => return &tail[..i],
                _ => {}
            },
        }
    }
    tail
}

fn leading_literal(s: &str) -> Option<String> {
    let s = s.trim_start();
    let s = s.strip_prefix('f').unwrap_or(s);
    let q = s.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let body = &s[1..];
    let end = body.find(q)?;
    Some(body[..end].to_string())
}

fn first_literal(s: &str) -> Option<String> {
    literals(s).into_iter().next()
}

/// String literals in source text, in order (single or double quoted, no escapes).
fn literals(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = s.char_indices();
    while let Some((_, c)) = chars.next() {
        if c == '\'' || c == '"' {
            let mut lit = String::new();
            for (_, d) in chars.by_ref() {
                if d == c {
                    break;
                }
                lit.push(d);
            }
            out.push(lit);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_verbs_found() {
        assert_eq!(sql_verbs("DROP DATABASE prod;"), vec!["drop_database"]);
        assert_eq!(sql_verbs("truncate table users"), vec!["truncate"]);
        assert_eq!(sql_verbs("COPY users TO '/tmp/u.csv'"), vec!["copy_to"]);
        assert!(sql_verbs("select * from t where x = 'drop'").is_empty());
        assert_eq!(sql_verbs("DELETE FROM users;"), vec!["delete_all"]);
        assert_eq!(sql_verbs("db.orders.deleteMany({})"), vec!["delete_all"]);
        assert!(sql_verbs("db.orders.deleteMany({status: 'old'})").is_empty());
        assert!(sql_verbs("DELETE FROM users WHERE id = 3").is_empty());
    }

    #[test]
    fn interpreter_code() {
        let f = scan_code("import shutil; shutil.rmtree('/home/u')", "python");
        assert_eq!(f.recursive_deletes, vec![Some("/home/u".to_string())]);
        let f = scan_code("import os; os.system('rm -rf ~')", "python");
        assert_eq!(f.shell, vec!["rm -rf ~".to_string()]);
        let f = scan_code(
            "require('fs').rmSync('dist', {recursive: true, force: true})",
            "node",
        );
        assert_eq!(f.recursive_deletes.len(), 1);
        let f = scan_code("require('fs').rmSync('a.txt')", "node");
        assert!(f.recursive_deletes.is_empty());
        assert_eq!(
            code_source(
                "perl",
                &["-MFile::Path=remove_tree".into(), "-e".into(), "x".into()]
            ),
            CodeSource::Inline(vec!["x".into()])
        );
        let f = scan_code("require('fs').rmSync('a.txt')", "node");
        assert!(f.recursive_deletes.is_empty());
        let f = scan_code("print(open('.env').read())", "python");
        assert_eq!(f.reads, vec![".env".to_string()]);
        assert!(scan_code("fork while fork", "perl").fork_bomb);
        let f = scan_code("subprocess.run(['git','push','-f'])", "python");
        assert_eq!(f.argv[0], vec!["git", "push", "-f"]);
        assert_eq!(
            code_source("python", &["-c".into(), "print(1)".into()]),
            CodeSource::Inline(vec!["print(1)".into()])
        );
        assert_eq!(code_source("python", &["x.py".into()]), CodeSource::Script);
        assert_eq!(code_source("python", &[]), CodeSource::Stdin);
    }
}

#[cfg(test)]
mod awk_tests {
    use super::*;

    #[test]
    fn awk_commands_found() {
        let c = scan_awk(r#"BEGIN { system("rm -rf /home/dev") }"#);
        assert_eq!(c.shell, vec!["rm -rf /home/dev".to_string()]);
        assert!(scan_awk(r#"{ system("rm -rf " $1) }"#).dynamic);
        assert!(scan_awk(r#"{ print "rm " $1 | "sh" }"#).dynamic);
        let c = scan_awk(r#"{ print $1 | "sort -u" }"#);
        assert_eq!(c.shell, vec!["sort -u".to_string()]);
        let c = scan_awk(r#"BEGIN { "date +%s" | getline t; print t }"#);
        assert_eq!(c.shell, vec!["date +%s".to_string()]);
        assert_eq!(
            scan_awk(r#"BEGIN { print "rm -rf /" }"#),
            AwkCalls::default()
        );
        assert_eq!(
            scan_awk(r#"$3 > 0 || $4 > 0 { print }"#),
            AwkCalls::default()
        );
    }
}
