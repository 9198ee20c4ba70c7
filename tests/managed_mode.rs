//! Managed mode from the command line: `install --managed` (into an image directory given with
//! `--root`, so the host's /etc stays untouched), its refusal without root, and `doctor`
//! telling the truth about decoys, environment prefixes, disabled hooks, wrapper scripts and a
//! broken audit chain. The attacks of an unprivileged user on a real managed machine run in
//! tests/managed/run.sh (as root, in a private mount namespace).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Sandbox, BIN};
use serde_json::Value;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A sandbox with a project in `proj/` and Codex's home in `codex-home/`.
fn sandbox() -> Sandbox {
    let sb = Sandbox::new().with_cwd("proj");
    let codex_home = sb.mkdir("codex-home");
    sb.with_env("CODEX_HOME", codex_home)
}

/// An image directory that root owns, `0755`, as `/` is.
fn image(sb: &Sandbox) -> std::path::PathBuf {
    let root = sb.mkdir("image");
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    root
}

#[test]
fn install_managed_refuses_without_root() {
    let sb = sandbox();
    let root = image(&sb);
    let r = root.display().to_string();
    let args = [
        "install",
        "--managed",
        "--runtime",
        "claude",
        "--root",
        r.as_str(),
    ];
    let out = if is_root() {
        // Drop to nobody for this one command.
        if which("setpriv").is_none() {
            return;
        }
        let mut full = vec![
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            BIN,
        ];
        full.extend_from_slice(&args);
        let o = std::process::Command::new("setpriv")
            .args(&full)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    } else {
        let o = sb.run(&args);
        (Some(o.code), o.stderr)
    };
    assert_eq!(out.0, Some(2), "{}", out.1);
    assert!(out.1.contains("run it as root"), "{}", out.1);
    assert!(!root.join("etc/claude-code").exists());
}

fn which(cmd: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(cmd))
            .find(|f| f.is_file())
    })
}

#[test]
fn install_managed_writes_each_runtimes_admin_config_with_a_root_owned_binary() {
    if !is_root() {
        return;
    }
    let sb = sandbox();
    let root = image(&sb);
    let r = root.display().to_string();
    for runtime in ["claude", "codex", "gemini", "cursor"] {
        let out = sb.run(&["install", "--managed", "--runtime", runtime, "--root", &r]);
        assert!(out.success(), "{}", out.all());
        let again = sb.run(&["install", "--managed", "--runtime", runtime, "--root", &r]);
        assert!(again.stdout.contains("unchanged"), "{}", again.all());
    }
    let cmd = |rt: &str| format!("/usr/local/bin/hookwarden hook --runtime {rt}");
    // The binary: copied, root's, 0755.
    let bin = root.join("usr/local/bin/hookwarden");
    let meta = std::fs::metadata(&bin).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o7777), (0, 0o755));
    // The org directory turns managed mode on.
    let org = root.join("etc/hookwarden");
    assert_eq!(std::fs::metadata(&org).unwrap().mode() & 0o7777, 0o755);
    assert!(org.join("managed.toml").is_file());
    // Claude Code managed settings, with only managed hooks allowed.
    let claude: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("etc/claude-code/managed-settings.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(claude["allowManagedHooksOnly"], true);
    assert_eq!(
        claude["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
        cmd("claude").as_str()
    );
    // Codex requirements.toml: managed hooks, managed-only, hooks pinned on.
    let codex: toml::Value =
        toml::from_str(&std::fs::read_to_string(root.join("etc/codex/requirements.toml")).unwrap())
            .unwrap();
    assert_eq!(codex["allow_managed_hooks_only"].as_bool(), Some(true));
    assert_eq!(codex["features"]["hooks"].as_bool(), Some(true));
    assert_eq!(
        codex["hooks"]["PreToolUse"][0]["hooks"][0]["command"].as_str(),
        Some(cmd("codex").as_str())
    );
    // Gemini CLI system settings and Cursor's system hooks.json.
    let gemini: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("etc/gemini-cli/settings.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        gemini["hooks"]["BeforeTool"][0]["hooks"][0]["command"],
        cmd("gemini").as_str()
    );
    let cursor: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("etc/cursor/hooks.json")).unwrap())
            .unwrap();
    assert_eq!(
        cursor["hooks"]["preToolUse"][0]["command"],
        cmd("cursor").as_str()
    );
    for f in [
        "etc/claude-code/managed-settings.json",
        "etc/codex/requirements.toml",
        "etc/gemini-cli/settings.json",
        "etc/cursor/hooks.json",
    ] {
        let m = std::fs::metadata(root.join(f)).unwrap();
        assert_eq!((m.uid(), m.mode() & 0o7777), (0, 0o644), "{f}");
    }

    // doctor reads the image: managed mode, managed wiring, root-owned binary.
    let out = sb.run(&["doctor", "--root", &r, "--runtime", "claude"]);
    assert!(out.stdout.contains("managed mode:"), "{}", out.stdout);
    assert!(
        out.stdout.contains("Claude Code (managed)"),
        "{}",
        out.stdout
    );
    assert!(out
        .stdout
        .contains("binary /usr/local/bin/hookwarden: only root can replace it"));
    // A user's disableAllHooks does not turn managed hooks off; the managed one does.
    write(
        &sb.p("proj/.claude/settings.json"),
        "{\"disableAllHooks\": true}",
    );
    let out = sb.run(&["doctor", "--root", &r, "--runtime", "claude"]);
    assert!(
        out.stdout.contains("turns off only non-managed hooks"),
        "{}",
        out.stdout
    );
    let managed = root.join("etc/claude-code/managed-settings.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&managed).unwrap()).unwrap();
    v["disableAllHooks"] = Value::Bool(true);
    write(&managed, &v.to_string());
    let out = sb.run(&["doctor", "--root", &r, "--runtime", "claude"]);
    assert!(!out.success());
    assert!(out.stdout.contains("runs no hook at all"), "{}", out.stdout);

    // Uninstall takes out exactly what install added: created files go.
    for runtime in ["codex", "gemini", "cursor"] {
        let out = sb.run(&["uninstall", "--managed", "--runtime", runtime, "--root", &r]);
        assert!(out.success(), "{}", out.all());
    }
    assert!(!root.join("etc/codex/requirements.toml").exists());
    assert!(!root.join("etc/cursor/hooks.json").exists());
    assert!(
        org.join("managed.toml").is_file(),
        "the org directory stays"
    );
}

#[test]
fn install_managed_keeps_an_existing_config_and_uninstall_restores_it() {
    if !is_root() {
        return;
    }
    let sb = sandbox();
    let root = image(&sb);
    let r = root.display().to_string();
    let req = root.join("etc/codex/requirements.toml");
    let original = "# org\nallowed_sandbox_modes = [\"read-only\"]\n";
    write(&req, original);
    assert!(sb
        .run(&["install", "--managed", "--runtime", "codex", "--root", &r])
        .success());
    let text = std::fs::read_to_string(&req).unwrap();
    assert!(text.starts_with("# org\n"), "{text}");
    assert!(text.contains("allow_managed_hooks_only = true"));
    let out = sb.run(&["uninstall", "--managed", "--runtime", "codex", "--root", &r]);
    assert!(out.stdout.contains("restored from backup"), "{}", out.all());
    assert_eq!(std::fs::read_to_string(&req).unwrap(), original);
}

#[test]
fn install_managed_refuses_a_bin_dir_others_can_write() {
    if !is_root() {
        return;
    }
    let sb = sandbox();
    let root = image(&sb);
    let r = root.display().to_string();
    let open = root.join("opt/open");
    std::fs::create_dir_all(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = sb.run(&[
        "install",
        "--managed",
        "--runtime",
        "claude",
        "--root",
        &r,
        "--bin-dir",
        "/opt/open",
    ]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("writable by group or others"),
        "{}",
        out.stderr
    );
    assert!(!root.join("etc/claude-code/managed-settings.json").exists());
}

#[test]
fn doctor_flags_wrapper_scripts_programs_that_are_not_hookwarden_and_codex_hooks_off() {
    let sb = sandbox();
    // A wrapper script named like hookwarden.
    let wrapper = sb.write(
        "bin/hookwarden-wrap",
        &format!("#!/bin/sh\nexec {BIN} \"$@\"\n"),
    );
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Another program named hookwarden.
    let fake = sb.write("fake/hookwarden", "");
    std::fs::copy("/bin/true", &fake).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let hooks = |bin: &Path| {
        format!(
            "{{\"hooks\":{{\"PreToolUse\":[{{\"matcher\":\"*\",\"hooks\":[{{\"type\":\"command\",\"command\":\"{} hook --runtime claude\"}}]}}]}}}}",
            bin.display()
        )
    };
    write(&sb.p("proj/.claude/settings.json"), &hooks(&wrapper));
    let out = sb.run(&["doctor", "--runtime", "claude"]);
    assert!(!out.success());
    assert!(
        out.stdout.contains("is a script, not hookwarden"),
        "{}",
        out.stdout
    );

    write(&sb.p("proj/.claude/settings.json"), &hooks(&fake));
    let out = sb.run(&["doctor", "--runtime", "claude"]);
    assert!(!out.success());
    assert!(
        out.stdout.contains("does not run `--version`") || out.stdout.contains("is not hookwarden"),
        "{}",
        out.stdout
    );

    // A matcher narrower than install's.
    write(
        &sb.p("proj/.claude/settings.json"),
        &hooks(Path::new(BIN)).replace("\"*\"", "\"Bash\""),
    );
    let out = sb.run(&["doctor", "--runtime", "claude"]);
    assert!(!out.success());
    assert!(out.stdout.contains("matcher `Bash`"), "{}", out.stdout);

    // Codex with hooks turned off in its config.
    let dir = sb.p("proj").display().to_string();
    let out = sb.run(&[
        "install",
        "--runtime",
        "codex",
        "--binary",
        BIN,
        "--dir",
        &dir,
    ]);
    assert!(out.success(), "{}", out.all());
    write(
        &sb.p("codex-home/config.toml"),
        "[features]\nhooks = false\n",
    );
    let out = sb.run(&["doctor", "--runtime", "codex"]);
    assert!(!out.success());
    assert!(
        out.stdout
            .contains("[features] hooks = false: Codex runs no hook"),
        "{}",
        out.stdout
    );
}

#[test]
fn doctor_flags_env_prefixes_decoys_and_a_broken_audit_chain() {
    let sb = sandbox();
    let dir = sb.p("proj").display().to_string();
    let out = sb.run(&[
        "install",
        "--runtime",
        "claude",
        "--binary",
        BIN,
        "--dir",
        &dir,
    ]);
    assert!(out.success(), "{}", out.all());
    let out = sb.run(&["doctor", "--runtime", "claude"]);
    assert!(out.success(), "{}", out.stdout);
    assert!(out.stdout.contains("personal mode"), "{}", out.stdout);

    // Hook calls write the audit chain; the self-test does not.
    let ev = common::fixture("claude", "PreToolUse_Bash", &sb.work());
    sb.hook("claude", &ev);
    sb.hook("claude", &ev);
    let out = sb.run(&["doctor", "--runtime", "claude"]);
    assert!(out.stdout.contains("hash chain intact"), "{}", out.stdout);
    let audit = sb.audit_path();
    let text = std::fs::read_to_string(&audit).unwrap();
    let first = text.lines().next().unwrap().to_string();
    std::fs::write(
        &audit,
        text.replacen(&first, &first.replace("\"seq\":1", "\"seq\":7"), 1),
    )
    .unwrap();
    let out = sb.run(&["doctor", "--runtime", "claude"]);
    assert!(!out.success());
    assert!(out.stdout.contains("is BROKEN"), "{}", out.stdout);
    std::fs::write(&audit, &text).unwrap();

    let settings = sb.p("proj/.claude/settings.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    let ours = format!("{BIN} hook --runtime claude");
    v["hooks"]["PreToolUse"][0]["hooks"][0]["command"] =
        Value::String(format!("HOOKWARDEN_ORG_POLICY=/dev/null {ours}"));
    v["hooks"]["Stop"][0]["hooks"][0]["command"] = Value::String(format!("{ours} || true"));
    v["hooks"]["PostToolUse"][0]["hooks"][0]["command"] =
        Value::String(format!("{BIN} hook --runtime gemini"));
    write(&settings, &v.to_string());
    let out = sb.run(&["doctor", "--runtime", "claude"]);
    let s = &out.stdout;
    assert!(!out.success());
    assert!(
        s.contains("sets HOOKWARDEN_ORG_POLICY before hookwarden"),
        "{s}"
    );
    assert!(s.contains("`|| true` lets every failed check pass"), "{s}");
    assert!(s.contains("as a Gemini CLI hook"), "{s}");
    assert!(s.contains("no pre-tool hook"), "{s}");
}
