//! The CLI's wording kept as data: every `tests/cli/**/*.case` file is a transcript of
//! commands run in a fresh [`Sandbox`] with the output each must print, so a change of wording
//! is a reviewed diff of a case file, not an edit buried in a test.
//!
//! A case file is a list of sections, each opened by a line starting with `== `:
//!
//! | section            | meaning                                                         |
//! |--------------------|-----------------------------------------------------------------|
//! | `# text`           | (before the first section) what the case shows                  |
//! | `== file REL`      | the lines up to the next section are written to `<root>/REL`    |
//! | `== env KEY=VALUE` | sets a variable for every later command                         |
//! | `== cwd REL`       | later commands run in `<root>/REL` (created)                     |
//! | `== sh`            | the lines up to the next section run in `sh -e` in the cwd, with |
//! |                    | `HOME=<root>/home`: setup (`git init`, `ln -s`), must succeed     |
//! | `== run ARGS`      | runs `hookwarden ARGS` (words split on blanks, `'…'` quotes one) |
//! | `== stdin`         | the lines up to the next section are the last run's stdin       |
//! | `== status N`      | the last run's exit status (0 when not given)                    |
//! | `== stdout`        | the lines up to the next section are the last run's stdout      |
//! | `== stderr`        | the same for stderr                                              |
//!
//! A run whose `stdout` or `stderr` section is missing must print nothing there. In expected
//! output and in files, `[ROOT]` stands for the sandbox root and `[BIN]` for the hookwarden
//! binary under test (in `env`, `sh` and `run` too); in expected output a line `...`
//! matches any number of lines and `[..]` any text within one line.
//! `HOOKWARDEN_BLESS=1 cargo test --test cli_cases` rewrites the outputs of failing cases
//! from what the binary printed (then put back the wildcards a varying value needs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Sandbox, BIN};
use std::path::{Path, PathBuf};

#[derive(Default)]
struct Run {
    args: Vec<String>,
    stdin: Option<String>,
    status: i32,
    stdout: String,
    stderr: String,
}

enum Step {
    File(String, String),
    Env(String, String),
    Cwd(String),
    Sh(String),
    Run(Run),
}

/// Splits a `== run` line into words: blanks separate, `'…'` keeps one word with blanks.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    out.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            c => {
                cur.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(cur);
    }
    out
}

fn parse(text: &str, path: &Path) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next_if(|l| !l.starts_with("== ")) {
        assert!(
            l.starts_with('#') || l.trim().is_empty(),
            "{}: text before the first section must be a # comment: {l}",
            path.display()
        );
    }
    while let Some(head) = lines.next() {
        let head = head.strip_prefix("== ").unwrap_or(head);
        let (kind, rest) = head.split_once(' ').unwrap_or((head, ""));
        let mut body = String::new();
        while let Some(l) = lines.next_if(|l| !l.starts_with("== ")) {
            body.push_str(l);
            body.push('\n');
        }
        match kind {
            "file" => steps.push(Step::File(rest.to_string(), body)),
            "env" => {
                let (k, v) = rest.split_once('=').expect("== env KEY=VALUE");
                steps.push(Step::Env(k.to_string(), v.to_string()));
            }
            "cwd" => steps.push(Step::Cwd(rest.to_string())),
            "sh" => steps.push(Step::Sh(body)),
            "run" => steps.push(Step::Run(Run {
                args: words(rest),
                ..Run::default()
            })),
            "stdin" | "stdout" | "stderr" | "status" => {
                let Some(Step::Run(r)) = steps.last_mut() else {
                    panic!("{}: `== {kind}` must follow a `== run`", path.display())
                };
                match kind {
                    "stdin" => r.stdin = Some(body),
                    "stdout" => r.stdout = body,
                    "stderr" => r.stderr = body,
                    _ => r.status = rest.trim().parse().expect("== status N"),
                }
            }
            other => panic!("{}: unknown section `== {other}`", path.display()),
        }
    }
    steps
}

/// Whether one line matches a pattern line with `[..]` wildcards.
fn line_matches(pat: &str, line: &str) -> bool {
    let parts: Vec<&str> = pat.split("[..]").collect();
    if parts.len() == 1 {
        return pat == line;
    }
    let mut rest = line;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Whether `text` matches `pattern`, line by line, with `...` lines and `[..]` wildcards.
fn matches(pattern: &[&str], text: &[&str]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((&"...", rest)) => (0..=text.len()).any(|skip| matches(rest, &text[skip..])),
        Some((p, rest)) => match text.split_first() {
            Some((t, trest)) => line_matches(p, t) && matches(rest, trest),
            None => false,
        },
    }
}

fn render(steps: &[Step], header: &str) -> String {
    let mut out = header.to_string();
    for s in steps {
        match s {
            Step::File(rel, body) => out.push_str(&format!("== file {rel}\n{body}")),
            Step::Env(k, v) => out.push_str(&format!("== env {k}={v}\n")),
            Step::Cwd(rel) => out.push_str(&format!("== cwd {rel}\n")),
            Step::Sh(script) => out.push_str(&format!("== sh\n{script}")),
            Step::Run(r) => {
                let args: Vec<String> = r
                    .args
                    .iter()
                    .map(|a| {
                        if a.contains(char::is_whitespace) || a.is_empty() {
                            format!("'{a}'")
                        } else {
                            a.clone()
                        }
                    })
                    .collect();
                out.push_str(&format!("== run {}\n", args.join(" ")));
                if let Some(stdin) = &r.stdin {
                    out.push_str(&format!("== stdin\n{stdin}"));
                }
                if r.status != 0 {
                    out.push_str(&format!("== status {}\n", r.status));
                }
                if !r.stdout.is_empty() {
                    out.push_str(&format!("== stdout\n{}", r.stdout));
                }
                if !r.stderr.is_empty() {
                    out.push_str(&format!("== stderr\n{}", r.stderr));
                }
            }
        }
    }
    out
}

/// `[ROOT]` and `[BIN]` filled in.
fn fill(text: &str, root: &Path) -> String {
    text.replace("[ROOT]", &root.display().to_string())
        .replace("[BIN]", BIN)
}

fn normalize(text: &str, root: &Path) -> String {
    let mut t = text
        .replace(BIN, "[BIN]")
        .replace(&root.display().to_string(), "[ROOT]");
    if !t.is_empty() && !t.ends_with('\n') {
        t.push('\n');
    }
    t
}

/// Runs one case; returns the failures (empty when it passes) and the case as printed.
fn run_case(path: &Path) -> (Vec<String>, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let header: String = text
        .lines()
        .take_while(|l| !l.starts_with("== "))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut steps = parse(&text, path);
    let sb = Sandbox::new();
    let root = sb.path().to_path_buf();
    let mut env: Vec<(String, String)> = Vec::new();
    let mut cwd: Option<PathBuf> = None;
    let mut failures = Vec::new();
    for step in steps.iter_mut() {
        match step {
            Step::File(rel, body) => {
                sb.write(rel, &fill(body, &root));
            }
            Step::Env(k, v) => env.push((k.clone(), fill(v, &root))),
            Step::Cwd(rel) => cwd = Some(sb.mkdir(rel)),
            Step::Sh(script) => {
                let out = std::process::Command::new("sh")
                    .arg("-ec")
                    .arg(fill(script, &root))
                    .current_dir(cwd.as_deref().unwrap_or(&root))
                    .env("HOME", sb.home())
                    .env("GIT_CONFIG_NOSYSTEM", "1")
                    .env("GIT_AUTHOR_NAME", "t")
                    .env("GIT_AUTHOR_EMAIL", "t@example.com")
                    .env("GIT_COMMITTER_NAME", "t")
                    .env("GIT_COMMITTER_EMAIL", "t@example.com")
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{}: `== sh` failed: {}",
                    path.display(),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            Step::Run(r) => {
                let args: Vec<String> = r.args.iter().map(|a| fill(a, &root)).collect();
                let argv: Vec<&str> = args.iter().map(String::as_str).collect();
                let mut c = sb.cmd(&argv);
                for (k, v) in &env {
                    c = c.env(k, v);
                }
                if let Some(d) = &cwd {
                    c = c.current_dir(d);
                }
                if let Some(stdin) = &r.stdin {
                    c = c.stdin(fill(stdin, &root).as_bytes());
                }
                let got = c.run();
                let status = got.code;
                let stdout = normalize(&got.stdout, &root);
                let stderr = normalize(&got.stderr, &root);
                let mut bad = Vec::new();
                if status != r.status {
                    bad.push(format!("status {status}, expected {}", r.status));
                }
                for (name, want, got) in [
                    ("stdout", &r.stdout, &stdout),
                    ("stderr", &r.stderr, &stderr),
                ] {
                    let w: Vec<&str> = want.lines().collect();
                    let g: Vec<&str> = got.lines().collect();
                    if !matches(&w, &g) {
                        bad.push(format!("{name}:\n--- expected\n{want}--- got\n{got}"));
                    }
                }
                if !bad.is_empty() {
                    failures.push(format!(
                        "{}: `hookwarden {}`: {}",
                        path.display(),
                        r.args.join(" "),
                        bad.join("\n")
                    ));
                    r.status = status;
                    r.stdout = stdout;
                    r.stderr = stderr;
                }
            }
        }
    }
    (failures, render(&steps, &header))
}

fn case_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            case_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "case") {
            out.push(p);
        }
    }
}

#[test]
fn cli_cases_print_what_their_files_say() {
    let dir = common::repo_root().join("tests/cli");
    let mut files = Vec::new();
    case_files(&dir, &mut files);
    assert!(!files.is_empty(), "no case files under {}", dir.display());
    let bless = std::env::var_os("HOOKWARDEN_BLESS").is_some();
    let mut failures = Vec::new();
    for f in &files {
        let (bad, printed) = run_case(f);
        if !bad.is_empty() && bless {
            std::fs::write(f, printed).unwrap();
        }
        failures.extend(bad);
    }
    assert!(
        failures.is_empty(),
        "{} of {} case files failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn wildcards_match_as_documented() {
    assert!(line_matches("a [..] c", "a b b c"));
    assert!(!line_matches("a [..] c", "a b d"));
    assert!(matches(&["x", "...", "z"], &["x", "1", "2", "z"]));
    assert!(matches(&["x", "...", "z"], &["x", "z"]));
    assert!(!matches(&["x"], &["x", "y"]));
    assert_eq!(
        words("policy except 'a b' c"),
        ["policy", "except", "a b", "c"]
    );
}
