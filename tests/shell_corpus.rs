//! Runs the shell corpus (`tests/corpus/shell/*.jsonl`) through the default policy and reports,
//! per category, how many dangerous commands were stopped and how many safe ones were allowed.
//!
//! One JSON object a line: `{"cmd": ..., "expect": "deny|ask|alert|allow", "category": ...,
//! "cwd": optional, "home": optional, "rule": optional}`. Any line whose effect differs from
//! `expect` fails the test; with `rule`, that rule must be among those that fired. A line may
//! name a file-tool read (`"read": PATH`) instead of a command.
//!
//! Most lines are analysed in a fixed, imaginary place (`/home/dev/project`). Lines about what
//! is on disk (symlinks, hard links, globs) run in a fixture this test builds: a home with fake
//! keys and credentials, a project with links into it, and a temp root. Such a line says
//! `"cwd": "$PROJECT"` (the fixture project, home is the fixture home) or names fixture places
//! with `@ROOT@` (the fixture) and `@TMP@` (its temp root) in `cmd`, `read`, `cwd` and `home`;
//! `home` moves the home dir (under the temp root, or onto it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hookwarden::decision::{Decision, Effect};
use hookwarden::event::{Event, RuntimeKind};
use hookwarden::policy::{self, eval, model::PolicyTest, testing, CompiledPolicy};
use hookwarden::runtime;
use hookwarden::signals::{self, Context};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[derive(Default)]
struct Tally {
    dangerous: usize,
    stopped: usize,
    safe: usize,
    allowed: usize,
}

fn stops(e: Effect) -> bool {
    matches!(e, Effect::Ask | Effect::Deny | Effect::Terminate)
}

/// One corpus line.
struct Line {
    file: String,
    line: usize,
    cmd: Option<String>,
    read: Option<String>,
    expect: Effect,
    category: String,
    cwd: Option<String>,
    home: Option<String>,
    rule: Option<String>,
}

impl Line {
    /// Whether the line runs in the fixture.
    fn in_fixture(&self) -> bool {
        let marked = |s: &Option<String>| {
            s.as_deref()
                .is_some_and(|s| s.contains("@ROOT@") || s.contains("@TMP@"))
        };
        self.cwd
            .as_deref()
            .is_some_and(|c| c.starts_with("$PROJECT"))
            || marked(&self.cwd)
            || marked(&self.cmd)
            || marked(&self.read)
            || self.home.is_some()
    }

    fn shown(&self) -> &str {
        self.cmd.as_deref().or(self.read.as_deref()).unwrap_or("")
    }
}

fn lines() -> Vec<Line> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/shell");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("shell corpus missing at {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", file.display(), n + 1));
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
            let l = Line {
                file: name.clone(),
                line: n + 1,
                cmd: s("cmd"),
                read: s("read"),
                expect: serde_json::from_value(v["expect"].clone()).unwrap(),
                category: s("category").unwrap_or_else(|| "uncategorized".into()),
                cwd: s("cwd"),
                home: s("home"),
                rule: s("rule"),
            };
            assert!(
                l.cmd.is_some() != l.read.is_some(),
                "{name}:{}: a line has either `cmd` or `read`",
                n + 1
            );
            out.push(l);
        }
    }
    out
}

/// The fixture: a home with fake secrets, a project linking into it, a temp root.
struct Fixture {
    root: PathBuf,
}

impl Fixture {
    fn get() -> &'static Fixture {
        static F: OnceLock<Fixture> = OnceLock::new();
        F.get_or_init(Fixture::build)
    }

    fn build() -> Fixture {
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(&base).unwrap();
        // Fixtures of earlier runs whose process is gone.
        for e in std::fs::read_dir(&base).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if let Some(pid) = name.strip_prefix("shell-corpus-") {
                if !Path::new("/proc").join(pid).exists() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let root = base.join(format!("shell-corpus-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let home = root.join("home/dev");
        let project = home.join("project");
        let tmp = root.join("tmp");
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
        let files: &[(&Path, &str, &str)] = &[
            (&home, ".ssh/id_rsa", key),
            (&home, ".ssh/id_ed25519", key),
            (&home, ".ssh/deploy_key", key),
            (&home, ".ssh/id_rsa.pub", "ssh-rsa AAAAB3Nza dev@host\n"),
            (&home, ".ssh/known_hosts", "github.com ssh-ed25519 AAAA\n"),
            (&home, ".ssh/config", "Host *\n  AddKeysToAgent yes\n"),
            (
                &home,
                ".aws/credentials",
                "[default]\naws_access_key_id = AKIAFIXTURE\n",
            ),
            (&home, ".aws/config", "[default]\nregion = eu-west-1\n"),
            (
                &home,
                ".claude/.credentials.json",
                "{\"claudeAiOauth\":{}}\n",
            ),
            (&home, ".claude/settings.json", "{}\n"),
            (&home, ".codex/auth.json", "{}\n"),
            (&home, ".gemini/oauth_creds.json", "{}\n"),
            (
                &home,
                ".config/gh/hosts.yml",
                "github.com:\n  oauth_token: x\n",
            ),
            (&home, ".config/gh/config.yml", "git_protocol: ssh\n"),
            (&home, ".docker/config.json", "{\"auths\":{}}\n"),
            (&home, ".kube/config", "apiVersion: v1\n"),
            (&home, ".bashrc", "export PATH\n"),
            (&home, "notes.txt", "notes\n"),
            (&home, ".cache/pip/x", "x\n"),
            (&project, ".env", "API_TOKEN=fixture-secret\n"),
            (&project, ".env.example", "API_TOKEN=\n"),
            (&project, "README.md", "# fixture\n"),
            (&project, "Cargo.toml", "[package]\nname = \"fixture\"\n"),
            (&project, "src/main.rs", "fn main() {}\n"),
            (&project, "src/config.rs", "pub struct Config;\n"),
            (&project, "docs/guide.md", "guide\n"),
            (&project, "infra/main.tf", "terraform {}\n"),
            (&project, "infra/terraform.tfvars", "db_password = \"x\"\n"),
            (&project, "build/out.bin", "bin\n"),
            (&project, "package.json", "{}\n"),
            (&project, "data.json", "{}\n"),
            (&tmp, "build-cache/out.txt", "cache\n"),
            (&tmp, "scratch/old.log", "log\n"),
            (&tmp, "home/.ssh/id_rsa", key),
            (&tmp, "home/.bashrc", "export PATH\n"),
            (&root, "store/package.json", "{\"name\":\"left-pad\"}\n"),
            (&root, "store/index.js", "module.exports = 1;\n"),
            (&root, "work/project/README.md", "# work\n"),
        ];
        for (dir, rel, content) in files {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, content).unwrap();
        }
        for d in [project.join(".git"), root.join("work/project/.git")] {
            std::fs::create_dir_all(d).unwrap();
        }
        let links: &[(PathBuf, PathBuf)] = &[
            (
                home.join(".ssh/id_rsa"),
                project.join("config/settings.txt"),
            ),
            (
                home.join(".ssh/id_ed25519"),
                project.join("docs/deploy-key.txt"),
            ),
            (PathBuf::from(".env"), project.join("app.conf")),
            (home.join(".aws"), project.join("vendor-keys")),
            (home.join(".ssh"), project.join("linked-dir")),
            (PathBuf::from("README.md"), project.join("link-to-readme")),
            (
                PathBuf::from("guide.md"),
                project.join("docs/link-to-guide.md"),
            ),
            (home.clone(), tmp.join("link-to-home")),
            (project.clone(), tmp.join("link-to-project")),
            (home.join(".ssh"), tmp.join("ssh-link")),
            (home.join(".ssh"), tmp.join("link-to-ssh")),
            (tmp.join("build-cache"), tmp.join("safe-link")),
        ];
        for (target, link) in links {
            std::fs::create_dir_all(link.parent().unwrap()).unwrap();
            symlink(target, link).unwrap();
        }
        let hard: &[(PathBuf, PathBuf)] = &[
            (home.join(".ssh/id_rsa"), project.join("notes-hardlink.txt")),
            (home.join(".ssh/id_ed25519"), project.join("backup-key.txt")),
            (
                root.join("store/package.json"),
                project.join("node_modules/left-pad/package.json"),
            ),
            (
                root.join("store/index.js"),
                project.join("node_modules/left-pad/index.js"),
            ),
        ];
        for (target, link) in hard {
            std::fs::create_dir_all(link.parent().unwrap()).unwrap();
            std::fs::hard_link(target, link).unwrap();
        }
        Fixture { root }
    }

    fn expand(&self, s: &str) -> String {
        let root = self.root.to_string_lossy();
        s.replace("@TMP@", &format!("{root}/tmp"))
            .replace("@ROOT@", &root)
    }

    fn project(&self) -> PathBuf {
        self.root.join("home/dev/project")
    }

    fn context(&self, line: &Line) -> Context {
        let cwd = match line.cwd.as_deref() {
            Some(c) if c.starts_with("$PROJECT") => {
                PathBuf::from(c.replacen("$PROJECT", &self.project().to_string_lossy(), 1))
            }
            Some(c) => PathBuf::from(self.expand(c)),
            None => self.project(),
        };
        let home = match line.home.as_deref() {
            Some(h) => PathBuf::from(self.expand(h)),
            None => self.root.join("home/dev"),
        };
        let mut temp_dirs = vec![self.root.join("tmp")];
        for t in ["/tmp", "/var/tmp"] {
            if !self.root.starts_with(t) {
                temp_dirs.push(PathBuf::from(t));
            }
        }
        Context {
            project_root: signals::find_repo_root(&cwd).unwrap_or_else(|| cwd.clone()),
            cwd,
            home: Some(home),
            temp_dirs,
        }
    }
}

/// The event a line describes (a Claude `Bash` or `Read` call), before any fixture expansion.
fn event_of(line: &Line) -> Event {
    let fixture = line.in_fixture().then(Fixture::get);
    let ex = |s: &str| fixture.map_or(s.to_string(), |f| f.expand(s));
    let t = PolicyTest {
        command: line.cmd.as_deref().map(ex),
        read: line.read.as_deref().map(ex),
        cwd: if fixture.is_some() {
            None
        } else {
            line.cwd.clone()
        },
        expect: line.expect,
        ..PolicyTest::default()
    };
    testing::event_for(&t)
}

/// The decision for an event of a line: in the fixture when the line runs there.
fn decide(compiled: &CompiledPolicy, line: &Line, ev: &mut Event) -> Decision {
    if !line.in_fixture() {
        return testing::decide(compiled, ev);
    }
    let ctx = Fixture::get().context(line);
    ev.cwd = ctx.cwd.to_string_lossy().to_string();
    let flags = signals::run(ev, &ctx);
    eval::evaluate(compiled, ev, &flags, &testing::TestEnv)
}

#[test]
fn shell_corpus() {
    let layer = policy::default_layer().unwrap();
    let compiled = policy::compile(&[layer]).unwrap();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut total = 0;
    for line in lines() {
        let mut ev = event_of(&line);
        let d = decide(&compiled, &line, &mut ev);
        let got = d.would_effect;
        let expect = line.expect;
        let category = &line.category;
        total += 1;
        let tally = tallies.entry(category.clone()).or_default();
        let rule_missing = line
            .rule
            .as_ref()
            .filter(|r| !d.rule_ids.contains(r))
            .map(|r| format!(" (rule `{r}` did not fire)"));
        if stops(expect) {
            tally.dangerous += 1;
            tally.stopped += usize::from(stops(got));
        } else {
            tally.safe += 1;
            tally.allowed += usize::from(!stops(got));
        }
        if got != expect || rule_missing.is_some() {
            failures.push(format!(
                "{}:{} [{category}] expected {expect}, got {got}{} (rules: {}): {}",
                line.file,
                line.line,
                rule_missing.unwrap_or_default(),
                d.rule_ids.join(", "),
                line.shown()
            ));
        }
    }
    let (mut d_all, mut s_all, mut safe_all, mut a_all) = (0, 0, 0, 0);
    println!(
        "\n{:<28} {:>16} {:>16}",
        "category", "dangerous stopped", "safe allowed"
    );
    for (cat, t) in &tallies {
        let pct = |a: usize, b: usize| {
            if b == 0 {
                "-".to_string()
            } else {
                format!("{a}/{b} {:.0}%", 100.0 * a as f64 / b as f64)
            }
        };
        println!(
            "{:<28} {:>16} {:>16}",
            cat,
            pct(t.stopped, t.dangerous),
            pct(t.allowed, t.safe)
        );
        d_all += t.dangerous;
        s_all += t.stopped;
        safe_all += t.safe;
        a_all += t.allowed;
    }
    println!(
        "{:<28} {:>16} {:>16}\n{total} commands; catch rate {:.1}%, false-positive rate {:.1}%",
        "TOTAL",
        format!("{s_all}/{d_all}"),
        format!("{a_all}/{safe_all}"),
        100.0 * s_all as f64 / d_all.max(1) as f64,
        100.0 * (safe_all - a_all) as f64 / safe_all.max(1) as f64
    );
    assert!(total >= 400, "corpus has only {total} commands");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn recorded(runtime: &str, name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(runtime)
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["cwd"] = json!(testing::TEST_CWD);
    v
}

/// The same command reaches the same decision whichever runtime sends it, in the payload
/// shapes recorded from the real CLIs: Codex's `Bash` (a string) and `shell` (an argv such as
/// `["bash", "-lc", cmd]`), and Gemini's `run_shell_command`. Fixture lines run in the fixture
/// whichever runtime sends them.
#[test]
fn every_runtime_decides_the_corpus_alike() {
    let layer = policy::default_layer().unwrap();
    let compiled = policy::compile(&[layer]).unwrap();
    let codex = recorded("codex", "PreToolUse_Bash");
    let gemini = recorded("gemini", "BeforeTool_run_shell_command");
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in lines() {
        let Some(template) = &line.cmd else { continue };
        let cmd = if line.in_fixture() {
            Fixture::get().expand(template)
        } else {
            template.clone()
        };
        let cwd = line.cwd.clone().unwrap_or_else(|| testing::TEST_CWD.into());
        let mut shapes: Vec<(&str, RuntimeKind, Value)> = Vec::new();
        let mut v = codex.clone();
        v["tool_input"]["command"] = json!(cmd);
        shapes.push(("codex Bash", RuntimeKind::Codex, v));
        let mut v = codex.clone();
        v["tool_name"] = json!("shell");
        v["tool_input"] = json!({ "command": ["bash", "-lc", cmd] });
        shapes.push(("codex shell argv", RuntimeKind::Codex, v));
        let mut v = gemini.clone();
        v["tool_input"]["command"] = json!(cmd);
        shapes.push(("gemini run_shell_command", RuntimeKind::Gemini, v));
        for (label, kind, mut raw) in shapes {
            if !line.in_fixture() {
                raw["cwd"] = json!(cwd);
            }
            let mut ev = runtime::profile(kind).unwrap().adapter.parse(&raw).unwrap();
            let got = decide(&compiled, &line, &mut ev).would_effect;
            checked += 1;
            if got != line.expect {
                failures.push(format!(
                    "{}:{} via {label}: expected {}, got {got}: {template}",
                    line.file, line.line, line.expect
                ));
            }
        }
    }
    println!("{checked} runtime payloads checked");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
