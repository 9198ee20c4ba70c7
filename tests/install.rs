//! `hookwarden install` / `uninstall` / `doctor` / `policy compile`, driving the built binary
//! with HOME, CODEX_HOME and --dir pointed at temp dirs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Run, Sandbox, BIN};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A sandbox for install tests: commands run in `proj/`, and Codex's home is `codex-home/`.
fn sandbox() -> Sandbox {
    let sb = Sandbox::new().with_cwd("proj");
    let codex_home = sb.mkdir("codex-home");
    sb.with_env("CODEX_HOME", codex_home)
}

/// Where the install tests put things in a [`sandbox`].
trait InstallSandbox {
    fn proj(&self) -> PathBuf;
    fn codex_home(&self) -> PathBuf;
    /// install/uninstall with the built binary wired, project scope in `proj/`.
    fn hw(&self, verb: &str, runtime: &str, extra: &[&str]) -> Run;
}

impl InstallSandbox for Sandbox {
    fn proj(&self) -> PathBuf {
        self.p("proj")
    }
    fn codex_home(&self) -> PathBuf {
        self.p("codex-home")
    }
    fn hw(&self, verb: &str, runtime: &str, extra: &[&str]) -> Run {
        let dir = self.proj().display().to_string();
        let mut args = vec![verb, "--runtime", runtime, "--binary", BIN, "--dir", &dir];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert!(out.success(), "{verb} {runtime} failed: {}", out.all());
        out
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap()
}

/// Every command string anywhere in a JSON value.
fn commands(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if (k == "command" || k == "bash") && x.is_string() {
                        out.push(x.as_str().unwrap().to_string());
                    }
                    walk(x, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(v, &mut out);
    out
}

/// The backup install keeps of `config` in the data dir (`<data>/backups/<key>/backup`, the
/// slot whose `path` names the config), if there is one.
fn data_backup(sb: &Sandbox, config: &Path) -> Option<PathBuf> {
    let want = format!("{}\n", config.canonicalize().unwrap().display());
    let slots = std::fs::read_dir(sb.data_dir().join("backups")).ok()?;
    slots
        .map(|e| e.unwrap().path())
        .find(|d| std::fs::read_to_string(d.join("path")).ok().as_deref() == Some(&want))
        .map(|d| d.join("backup"))
}

/// The backup older installs kept beside a config.
fn beside(config: &Path) -> PathBuf {
    PathBuf::from(format!("{}.hookwarden.bak", config.display()))
}

fn ours(runtime: &str) -> String {
    format!("{BIN} hook --runtime {runtime}")
}

/// Existing configs with other hooks and other keys, per runtime: (runtime, file under proj,
/// content, events install must add).
fn existing_configs() -> Vec<(&'static str, &'static str, &'static str, Vec<&'static str>)> {
    vec![
        (
            "claude",
            ".claude/settings.json",
            "{\n  \"permissions\": {\n    \"allow\": [\"Bash(npm test)\"],\n    \"deny\": []\n  },\n  \"hooks\": {\n    \"PreToolUse\": [\n      {\n        \"matcher\": \"Bash\",\n        \"hooks\": [{ \"type\": \"command\", \"command\": \"/opt/lint-guard hook --runtime claude\", \"timeout\": 5 }]\n      }\n    ],\n    \"SessionStart\": [{ \"hooks\": [{ \"type\": \"command\", \"command\": \"echo hi\" }] }]\n  },\n  \"env\": { \"FOO\": \"bar\" }\n}\n",
            vec!["PreToolUse", "PostToolUse", "UserPromptSubmit", "Stop"],
        ),
        (
            "codex",
            ".codex/hooks.json",
            "{\"hooks\":{\"Stop\":[{\"hooks\":[{\"type\":\"command\",\"command\":\"notify-send done\"}]}]}}",
            vec!["PreToolUse", "PostToolUse", "UserPromptSubmit", "Stop"],
        ),
        (
            "gemini",
            ".gemini/settings.json",
            "{\n    \"general\": {\"vimMode\": true},\n    \"hooks\": {\n        \"BeforeTool\": [\n            {\"matcher\": \"write_file\", \"hooks\": [{\"type\": \"command\", \"command\": \"./fmt.sh\", \"timeout\": 3000}]}\n        ]\n    },\n    \"ui\": {\"theme\": \"Dracula\"}\n}",
            vec!["BeforeTool", "AfterTool", "BeforeAgent", "AfterAgent"],
        ),
        (
            "cursor",
            ".cursor/hooks.json",
            "{\n  \"version\": 1,\n  \"hooks\": {\n    \"afterFileEdit\": [{ \"command\": \"./format.sh\" }],\n    \"preToolUse\": [{ \"command\": \"./audit.sh\", \"matcher\": \"Shell\" }]\n  }\n}\n",
            vec!["preToolUse", "postToolUse", "beforeSubmitPrompt", "afterAgentResponse"],
        ),
        (
            "qwen",
            ".qwen/settings.json",
            "{\n  \"model\": {\"name\": \"qwen3-coder\"},\n  \"hooks\": {\"PostToolUse\": [{\"matcher\": \"edit\", \"hooks\": [{\"type\": \"command\", \"command\": \"prettier -w\"}]}]}\n}\n",
            vec!["PreToolUse", "PostToolUse", "UserPromptSubmit", "Stop"],
        ),
        (
            "factory",
            ".factory/hooks.json",
            "{\n  \"hooks\": {\n    \"PreToolUse\": [\n      {\"matcher\": \"Execute\", \"hooks\": [{\"type\": \"command\", \"command\": \"~/bin/droid-guard\"}]}\n    ]\n  },\n  \"other\": [1, 2, 3]\n}\n",
            vec!["PreToolUse", "PostToolUse", "UserPromptSubmit", "Stop"],
        ),
    ]
}

#[test]
fn install_merges_into_existing_configs_is_idempotent_and_backs_out_byte_for_byte() {
    for (runtime, rel, original, events) in existing_configs() {
        let sb = sandbox();
        let path = sb.proj().join(rel);
        write(&path, original);
        let before: Value = serde_json::from_str(original).unwrap();
        let other_commands = commands(&before);

        // Codex defaults to the user scope; the project file is tested here.
        let scope: &[&str] = &["--scope", "project"];
        sb.hw("install", runtime, scope);
        let after = json(&path);
        // the user's other keys and hooks are still there
        for (k, v) in before.as_object().unwrap() {
            if k != "hooks" {
                assert_eq!(&after[k], v, "{runtime}: key {k} changed");
            }
        }
        let cmds = commands(&after);
        for c in &other_commands {
            assert!(cmds.contains(c), "{runtime}: lost the user's hook {c}");
        }
        for ev in &events {
            let arr = after["hooks"][ev].as_array().unwrap();
            assert_eq!(
                commands(&Value::Array(arr.clone()))
                    .iter()
                    .filter(|c| **c == ours(runtime))
                    .count(),
                1,
                "{runtime}: {ev} must hold hookwarden once"
            );
        }
        let bak = data_backup(&sb, &path).expect("a backup in the data dir");
        assert_eq!(read(&bak), original, "{runtime}: backup is the original");
        assert!(
            !beside(&path).exists(),
            "{runtime}: no backup beside the config, in the repository"
        );

        // a second run changes nothing, byte for byte
        let installed = read(&path);
        let out = sb.hw("install", runtime, &[]);
        assert_eq!(
            read(&path),
            installed,
            "{runtime}: second install changed the file"
        );
        assert!(out.stdout.contains("unchanged"));

        sb.hw("uninstall", runtime, scope);
        assert_eq!(
            read(&path),
            original,
            "{runtime}: uninstall is not byte-for-byte"
        );
        assert!(
            !bak.exists(),
            "{runtime}: backup left behind after a clean restore"
        );
    }
}

#[test]
fn matchers_cover_every_tool_and_timeouts_use_the_runtime_units() {
    let sb = sandbox();
    sb.hw("install", "claude", &[]);
    sb.hw("install", "gemini", &[]);
    let c = json(&sb.proj().join(".claude/settings.json"));
    assert_eq!(c["hooks"]["PreToolUse"][0]["matcher"], "*");
    assert_eq!(c["hooks"]["PreToolUse"][0]["hooks"][0]["timeout"], 60);
    assert!(c["hooks"]["Stop"][0].get("matcher").is_none());
    let g = json(&sb.proj().join(".gemini/settings.json"));
    assert_eq!(g["hooks"]["BeforeTool"][0]["matcher"], ".*");
    assert_eq!(g["hooks"]["BeforeTool"][0]["hooks"][0]["timeout"], 60000);
}

#[test]
fn codex_user_scope_enables_the_feature_flag_keeping_the_toml_as_written() {
    let sb = sandbox();
    let cfg = sb.codex_home().join("config.toml");
    let original = "# my codex config\nmodel = \"gpt-5\"   # pinned\n\n[features]\n# web search on\nweb_search_request = true\n\n[profiles.fast]\nmodel = \"gpt-5-mini\"\n";
    write(&cfg, original);
    let hooks = sb.codex_home().join("hooks.json");
    // no --scope: Codex defaults to the user config
    let out = sb.hw("install", "codex", &[]);
    let stdout = &out.stdout;
    assert!(
        stdout.contains("review and trust"),
        "tells about hook trust: {stdout}"
    );
    let toml = read(&cfg);
    assert!(toml.starts_with("# my codex config\nmodel = \"gpt-5\"   # pinned\n"));
    assert!(toml.contains("# web search on\nweb_search_request = true\nhooks = true\n"));
    assert!(toml.contains("[profiles.fast]\nmodel = \"gpt-5-mini\"\n"));
    let h = json(&hooks);
    assert_eq!(
        h["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
        ours("codex")
    );
    assert!(
        !sb.proj().join(".codex").exists(),
        "user scope writes no project file"
    );

    let toml_installed = read(&cfg);
    sb.hw("install", "codex", &["--scope", "user"]);
    assert_eq!(read(&cfg), toml_installed);

    sb.hw("uninstall", "codex", &["--scope", "user"]);
    assert_eq!(read(&cfg), original, "config.toml restored byte for byte");
    assert!(!hooks.exists(), "hooks.json install created is removed");
}

#[test]
fn codex_flag_already_on_is_left_alone_on_uninstall() {
    let sb = sandbox();
    let cfg = sb.codex_home().join("config.toml");
    let original = "[features]\nhooks = true\n";
    write(&cfg, original);
    sb.hw("install", "codex", &["--scope", "project"]);
    assert_eq!(read(&cfg), original);
    assert!(sb.proj().join(".codex/hooks.json").exists());
    sb.hw("uninstall", "codex", &["--scope", "project"]);
    assert_eq!(read(&cfg), original);
    assert!(!sb.proj().join(".codex/hooks.json").exists());
}

#[test]
fn copilot_gets_its_own_file_and_uninstall_deletes_it() {
    let sb = sandbox();
    let other = sb.proj().join(".github/hooks/team.json");
    write(&other, "{\"version\":1,\"hooks\":{}}\n");
    sb.hw("install", "copilot", &[]);
    let path = sb.proj().join(".github/hooks/hookwarden.json");
    let v = json(&path);
    assert_eq!(v["version"], 1);
    assert_eq!(v["hooks"]["preToolUse"][0]["bash"], ours("copilot"));
    assert_eq!(v["hooks"]["preToolUse"][0]["timeoutSec"], 30);
    assert!(
        v["hooks"].get("userPromptSubmitted").is_none(),
        "Copilot ignores prompt hook answers"
    );
    sb.hw("uninstall", "copilot", &[]);
    assert!(!path.exists());
    assert_eq!(read(&other), "{\"version\":1,\"hooks\":{}}\n");
}

#[test]
fn user_scope_claude_goes_to_home() {
    let sb = sandbox();
    sb.hw("install", "claude", &["--scope", "user"]);
    let path = sb.home().join(".claude/settings.json");
    assert_eq!(
        json(&path)["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
        ours("claude")
    );
    assert!(!sb.proj().join(".claude").exists());
    sb.hw("uninstall", "claude", &["--scope", "user"]);
    assert!(!path.exists());
}

#[test]
fn malformed_config_is_reported_with_position_and_left_untouched() {
    let sb = sandbox();
    let path = sb.proj().join(".claude/settings.json");
    let broken = "{\n  \"hooks\": {\n    \"PreToolUse\": [,]\n  }\n}\n";
    write(&path, broken);
    let dir = sb.proj().display().to_string();
    let out = sb.run(&[
        "install",
        "--runtime",
        "claude",
        "--binary",
        BIN,
        "--dir",
        &dir,
    ]);
    assert!(!out.success());
    let err = &out.stderr;
    assert!(
        err.contains(&format!("{}:3:20", path.display())),
        "file:line:col in {err}"
    );
    assert_eq!(read(&path), broken);
    assert!(!beside(&path).exists());
    assert_eq!(data_backup(&sb, &path), None);

    // Codex: a broken config.toml stops the install before hooks.json is written
    let cfg = sb.codex_home().join("config.toml");
    write(&cfg, "[features\nhooks = true\n");
    let out = sb.run(&[
        "install",
        "--runtime",
        "codex",
        "--binary",
        BIN,
        "--dir",
        &dir,
    ]);
    assert!(!out.success());
    let err = &out.stderr;
    assert!(err.contains(&format!("{}:1:", cfg.display())), "{err}");
    assert_eq!(read(&cfg), "[features\nhooks = true\n");
    assert!(!sb.codex_home().join("hooks.json").exists());

    // hooks that are not an object: a shape error, untouched
    let g = sb.proj().join(".gemini/settings.json");
    write(&g, "{\"hooks\": []}");
    let out = sb.run(&[
        "install",
        "--runtime",
        "gemini",
        "--binary",
        BIN,
        "--dir",
        &dir,
    ]);
    assert!(!out.success());
    assert!(out.stderr.contains("`hooks` is not an object"));
    assert_eq!(read(&g), "{\"hooks\": []}");
}

#[test]
fn uninstall_after_the_user_edited_the_file_removes_only_our_entries() {
    let sb = sandbox();
    let path = sb.proj().join(".claude/settings.json");
    write(
        &path,
        "{\n  \"hooks\": {\n    \"PreToolUse\": [\n      {\"matcher\": \"Bash\", \"hooks\": [{\"type\": \"command\", \"command\": \"guard\"}]}\n    ]\n  }\n}\n",
    );
    sb.hw("install", "claude", &[]);
    let mut v = json(&path);
    v["model"] = Value::String("sonnet".into());
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
    sb.hw("uninstall", "claude", &[]);
    let after = json(&path);
    assert_eq!(after["model"], "sonnet", "the user's later edit stays");
    assert_eq!(commands(&after), vec!["guard".to_string()]);
    assert!(after["hooks"].get("PostToolUse").is_none());
    assert_eq!(
        read(&path),
        "{\n  \"hooks\": {\n    \"PreToolUse\": [\n      {\n        \"matcher\": \"Bash\",\n        \"hooks\": [\n          {\n            \"type\": \"command\",\n            \"command\": \"guard\"\n          }\n        ]\n      }\n    ]\n  },\n  \"model\": \"sonnet\"\n}\n"
    );
}

#[test]
fn reinstall_with_a_moved_binary_updates_in_place_and_events_can_be_chosen() {
    let sb = sandbox();
    let dir = sb.proj().display().to_string();
    let moved = sb.p("bin dir/hookwarden");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::copy(BIN, &moved).unwrap();
    let m = moved.display().to_string();
    let out = sb.run(&[
        "install",
        "--runtime",
        "claude",
        "--binary",
        &m,
        "--dir",
        &dir,
        "--events",
        "pre",
    ]);
    assert!(out.success());
    let path = sb.proj().join(".claude/settings.json");
    let v = json(&path);
    assert_eq!(
        v["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
        format!("'{m}' hook --runtime claude"),
        "a path with a space is quoted for the shell"
    );
    assert!(v["hooks"].get("PostToolUse").is_none());
    sb.hw("install", "claude", &["--events", "pre"]);
    let v = json(&path);
    let pre = v["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(pre.len(), 1, "updated in place, not duplicated");
    assert_eq!(pre[0]["hooks"][0]["command"], ours("claude"));
    let out = sb.run(&[
        "install",
        "--runtime",
        "copilot",
        "--binary",
        BIN,
        "--dir",
        &dir,
        "--events",
        "prompt",
    ]);
    assert!(!out.success(), "Copilot has no prompt hook to wire");
}

#[test]
fn doctor_reports_wiring_runs_the_self_test_and_fails_on_a_missing_binary() {
    let sb = sandbox();
    let out = sb.run(&["doctor"]);
    assert!(!out.success(), "nothing wired is a problem");
    sb.hw("install", "claude", &[]);
    sb.hw("install", "copilot", &[]);
    sb.hw("install", "codex", &["--scope", "user"]);
    let out = sb.run(&["doctor"]);
    let stdout = &out.stdout;
    assert!(out.success(), "{stdout}");
    assert!(stdout.contains("wired at PreToolUse, PostToolUse, UserPromptSubmit, Stop"));
    assert_eq!(
        stdout
            .matches("self-test: pre-tool `rm -rf /` is denied")
            .count(),
        3,
        "{stdout}"
    );
    assert!(stdout.contains("[features] hooks = true set"));

    // a binary that no longer exists
    let path = sb.proj().join(".gemini/settings.json");
    write(
        &path,
        "{\"hooks\":{\"BeforeTool\":[{\"matcher\":\".*\",\"hooks\":[{\"type\":\"command\",\"command\":\"/nonexistent/hookwarden hook --runtime gemini\"}]}]}}",
    );
    let out = sb.run(&["doctor"]);
    let stdout = &out.stdout;
    assert!(!out.success());
    assert!(stdout.contains("binary /nonexistent/hookwarden does not exist"));
    assert!(stdout.contains("fix: hookwarden install --runtime gemini"));
}

#[test]
fn compile_reports_coverage_per_runtime_and_strict_fails_when_unenforceable() {
    let sb = sandbox();
    let out = sb.run(&["policy", "compile", "--runtime", "codex", "--strict"]);
    let stdout = &out.stdout;
    assert!(out.success(), "{stdout}");
    assert!(stdout.contains("secrets.redact-tool-output"));
    assert!(stdout.contains("degraded"));
    assert!(stdout.contains("block reason"));
    assert!(stdout.contains(&read(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/codex.json")
    )));

    let out = sb.run(&["policy", "compile", "--runtime", "copilot", "--strict"]);
    let stdout = &out.stdout;
    assert_eq!(out.code, 1, "{stdout}");
    assert!(stdout.contains("not enforceable"));
    let out = sb.run(&["policy", "compile", "--runtime", "copilot"]);
    assert!(out.success(), "without --strict it only reports");

    let policy = sb.p("p.toml");
    write(
        &policy,
        "[[rule]]\nid = \"x.approve-deploys\"\nboundary = \"tool_request\"\neffect = \"ask\"\nwhen = { program = \"kubectl\" }\n",
    );
    let p = policy.display().to_string();
    let out = sb.run(&["policy", "compile", "--runtime", "gemini", &p]);
    let stdout = &out.stdout;
    assert!(stdout.contains("x.approve-deploys"));
    assert!(
        stdout.contains("ask→deny with an approval code"),
        "{stdout}"
    );
}

#[test]
fn doctor_accepts_wiring_at_either_scope_and_flags_a_runtime_left_unwired() {
    let sb = sandbox();
    write(
        &sb.home().join(".claude/settings.json"),
        "{\"theme\": \"dark\"}\n",
    );
    sb.hw("install", "claude", &[]);
    let out = sb.run(&["doctor"]);
    let stdout = &out.stdout;
    assert!(out.success(), "{stdout}");
    assert!(stdout.contains("not wired in this file (it is at another scope)"));

    write(&sb.home().join(".gemini/settings.json"), "{\"ui\": {}}\n");
    let out = sb.run(&["doctor"]);
    let stdout = &out.stdout;
    assert!(!out.success(), "{stdout}");
    assert!(stdout.contains("hookwarden is not wired here"));
    assert!(stdout.contains("fix: hookwarden install --runtime gemini"));
}

#[test]
fn symlinked_crlf_and_bom_configs_keep_their_form() {
    let sb = sandbox();
    // dotfiles: the settings file is a symlink; install writes through it
    let target = sb.p("dotfiles/claude-settings.json");
    let original = "\u{feff}{\r\n    \"theme\": \"dark\"\r\n}\r\n";
    write(&target, original);
    let link = sb.home().join(".claude/settings.json");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    sb.hw("install", "claude", &["--scope", "user"]);
    assert!(link.is_symlink(), "the link survives");
    let installed = read(&target);
    assert!(installed.starts_with("\u{feff}{\r\n    \"theme\": \"dark\",\r\n    \"hooks\": {\r\n"));
    assert!(
        !installed.replace("\r\n", "").contains('\n'),
        "CRLF kept throughout"
    );
    sb.hw("uninstall", "claude", &["--scope", "user"]);
    assert!(link.is_symlink());
    assert_eq!(read(&target), original);
}

/// The report's wording is reviewed as a diff: `tests/cmd/compile_<runtime>.txt` holds the
/// expected table and warnings for `tests/cmd/compile_policy.toml`.
#[test]
fn compile_report_matches_the_stored_snapshot() {
    let sb = sandbox();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cmd");
    let policy = root.join("compile_policy.toml").display().to_string();
    for runtime in ["copilot", "codex"] {
        let out = sb.run(&["policy", "compile", "--runtime", runtime, &policy]);
        let stdout = out.stdout.clone();
        let start = stdout.find("RULE").unwrap();
        let end = stdout.find("hook config snippet").unwrap();
        let expected = read(&root.join(format!("compile_{runtime}.txt")));
        assert_eq!(&stdout[start..end], expected, "{runtime}");
    }
}
