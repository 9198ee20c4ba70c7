//! `hookwarden evaluate` and `hookwarden policy draft` on the fixture repo
//! tests/fixtures/eval/payments-api (configs of Claude Code, Codex, Gemini and a broken Cursor
//! file, MCP servers of every transport, fake secrets, infra, CI, migrations, auth/payment code),
//! its recorded audit log and transcripts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Sandbox;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval")
}

fn repo() -> PathBuf {
    fixtures().join("payments-api")
}

/// Every secret value planted in the fixtures. None may appear in any output.
const SECRETS: &[&str] = &[
    "sk_live_51FAKEfixtureKeyDoNotUse0000000000",
    "ghp_Zq8Xw2Vn4Lm6Kp0Jh3Gf5Dd7Ss9Aa1Bb2Cc4",
    "Tr0ub4dor-prod-77",
    "xoxb-2211-FAKE-slack-bot-token-9f8e7d",
    "AKIAQ3FIXTUREFAKE7XZ",
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
    "docs-4f1e2d3c",
    "sk_test_fixture",
];

fn assert_no_secrets(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} leaks a secret value `{s}`");
    }
}

/// Runs `evaluate` on the fixture repo with the fixture home for user configs.
fn evaluate(env: &Sandbox, extra: &[&str]) -> common::Run {
    let repo = repo();
    let audit = fixtures().join("audit.jsonl");
    let transcripts = fixtures().join("transcripts");
    let mut args = vec![
        "evaluate",
        "--repo",
        repo.to_str().unwrap(),
        "--audit",
        audit.to_str().unwrap(),
        "--transcripts",
        transcripts.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    // The sandbox leaves CODEX_HOME unset, so Codex's user config is read from this HOME.
    env.cmd(&args).env("HOME", fixtures().join("home")).run()
}

fn evaluation_json(env: &Sandbox) -> Value {
    let r = evaluate(env, &["--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.json()
}

fn runtime<'a>(ev: &'a Value, name: &str, scope: &str) -> &'a Value {
    ev["inventory"]["runtimes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["runtime"] == name && r["scope"] == scope)
        .unwrap_or_else(|| panic!("runtime {name} ({scope}) missing"))
}

fn server<'a>(ev: &'a Value, name: &str) -> &'a Value {
    ev["inventory"]["mcp_servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("MCP server {name} missing"))
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn inventory_lists_runtimes_and_wiring() {
    let env = Sandbox::new();
    let ev = evaluation_json(&env);
    assert_eq!(ev["schema_version"], 1);
    let claude = runtime(&ev, "claude", "project");
    assert_eq!(claude["hookwarden_wired"], true);
    assert_eq!(
        strs(&claude["config_files"]),
        vec![".claude/settings.json", ".mcp.json"]
    );
    assert!(strs(&claude["hook_events"]).contains(&"PreToolUse".to_string()));
    assert!(strs(&claude["permissive"]).contains(&"defaultMode=acceptEdits".to_string()));
    let tools: Vec<&str> = claude["builtin_tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(tools.contains(&"Bash") && tools.contains(&"WebFetch"));
    let bash = &claude["builtin_tools"][0];
    assert!(strs(&bash["labels"]).contains(&"executes_code".to_string()));

    let codex = runtime(&ev, "codex", "project");
    assert_eq!(codex["hookwarden_wired"], false);
    assert!(strs(&codex["permissive"]).contains(&"approval_policy=never".to_string()));
    assert_eq!(runtime(&ev, "gemini", "project")["hookwarden_wired"], false);
    // User-level configs from $HOME.
    assert_eq!(runtime(&ev, "claude", "user")["hookwarden_wired"], true);
    assert_eq!(
        strs(&runtime(&ev, "gemini", "user")["config_files"]),
        vec!["~/.gemini/settings.json"]
    );
    // The broken Cursor file: listed, with a warning naming the file (partial result).
    runtime(&ev, "cursor", "project");
    let warnings = strs(&ev["warnings"]);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains(".cursor/hooks.json") && w.contains("cannot parse")),
        "{warnings:?}"
    );
}

#[test]
fn mcp_servers_with_labels_commands_and_urls() {
    let env = Sandbox::new();
    let ev = evaluation_json(&env);
    let github = server(&ev, "github");
    // Declared for Claude (.mcp.json) and Codex (config.toml): one server, both runtimes.
    assert_eq!(strs(&github["runtimes"]), vec!["claude", "codex"]);
    assert_eq!(github["transport"], "stdio");
    assert_eq!(
        github["command"],
        "npx -y @modelcontextprotocol/server-github"
    );
    let labels = strs(&github["labels"]);
    assert!(
        labels.contains(&"external_communication".into())
            && labels.contains(&"network_egress".into())
    );
    assert!(strs(&github["tools"]).contains(&"create_pull_request".into()));
    assert!(
        github["inline_credentials"].is_null(),
        "a ${{VAR}} reference is not an inline credential"
    );

    let pg = server(&ev, "postgres");
    assert!(strs(&pg["labels"]).contains(&"data_store".into()));
    assert!(pg["command"]
        .as_str()
        .unwrap()
        .contains("db.payments.internal:5432/payments"));
    assert_eq!(
        strs(&pg["inline_credentials"]),
        vec!["args (connection string)"]
    );

    let slack = server(&ev, "slack");
    assert_eq!(slack["transport"], "http");
    assert_eq!(slack["url"], "https://mcp.slack-bridge.example.com/mcp");
    assert!(strs(&slack["labels"]).contains(&"external_communication".into()));
    assert_eq!(strs(&slack["auto_approved"]), vec!["slack_post_message"]);
    assert_eq!(strs(&slack["inline_credentials"]), vec!["Authorization"]);

    assert!(strs(&server(&ev, "k8s")["labels"]).contains(&"deployment_infra".into()));
    let files = strs(&server(&ev, "files")["labels"]);
    assert!(files.contains(&"reads_files".into()) && files.contains(&"writes_files".into()));
    let docs = server(&ev, "docs");
    assert_eq!(docs["transport"], "http");
    assert_eq!(strs(&docs["tools"]), vec!["search_docs", "get_page"]);
    assert!(strs(&server(&ev, "jira")["labels"]).contains(&"external_communication".into()));
}

#[test]
fn static_exposure_finds_each_category() {
    let env = Sandbox::new();
    let ev = evaluation_json(&env);
    let items = ev["exposure"]["items"].as_array().unwrap();
    let paths = |cat: &str| -> Vec<String> {
        items
            .iter()
            .filter(|i| i["category"] == cat)
            .map(|i| i["path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(paths("secret_file"), vec![".env"]);
    assert_eq!(paths("private_key"), vec!["deploy/keys/id_rsa"]);
    assert_eq!(
        paths("secret_in_config"),
        vec![
            ".gemini/settings.json",
            ".mcp.json",
            "config/production.yaml"
        ]
    );
    assert_eq!(
        paths("infra_code"),
        vec![
            "infra/main.tf",
            "infra/variables.tf",
            "k8s/deployment.yaml",
            "k8s/production/values.yaml"
        ]
    );
    assert_eq!(
        paths("ci_cd"),
        vec![".github/workflows/ci.yml", ".github/workflows/deploy.yml"]
    );
    assert_eq!(
        paths("migration"),
        vec![
            "db/migrations/0001_init.sql",
            "db/migrations/0002_refunds.sql"
        ]
    );
    assert_eq!(
        paths("auth_code"),
        vec!["src/auth/jwt.ts", "src/auth/session.ts"]
    );
    assert_eq!(
        paths("payment_code"),
        vec!["src/payments/refunds.ts", "src/payments/stripe_client.ts"]
    );
    assert_eq!(
        paths("production_config"),
        vec!["config/production.yaml", "k8s/production/values.yaml"]
    );
    // The example env file is not a secret file.
    assert!(!items.iter().any(|i| i["path"] == ".env.example"));
    // Secrets are counted by kind.
    let env_item = items.iter().find(|i| i["path"] == ".env").unwrap();
    assert_eq!(env_item["secret_kinds"]["github-pat"], 1);
}

#[test]
fn observed_actions_from_audit_log_and_transcripts() {
    let env = Sandbox::new();
    let ev = evaluation_json(&env);
    let obs = &ev["observed"];
    assert_eq!(obs["audit_records"], 16);
    assert_eq!(obs["transcript_calls"], 11);
    assert_eq!(obs["blocked"], 3);
    assert_eq!(obs["secret_outputs"], 1);
    let count = |list: &str, name: &str| -> u64 {
        obs[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["count"].as_u64().unwrap())
            .unwrap_or(0)
    };
    assert_eq!(count("commands", "git push"), 2);
    assert_eq!(count("commands", "terraform apply"), 1);
    // Codex's `bash -lc <script>` is unwrapped to the script.
    assert_eq!(count("commands", "kubectl get"), 1);
    assert_eq!(count("mcp_calls", "slack/slack_post_message"), 2);
    assert_eq!(count("rules_fired", "secrets.read-secret-file"), 2);
    assert_eq!(count("sensitive_paths", "/home/dev/payments-api/.env"), 2);
    assert_eq!(
        count(
            "sensitive_paths",
            "/home/dev/payments-api/deploy/keys/id_rsa"
        ),
        1
    );
    assert_eq!(count("hosts", "hooks.untrusted-example.net"), 1);
    assert_eq!(count("hosts", "api.stripe.com"), 1);
    // Priorities are ranked, with evidence that points into the report.
    let prios = ev["priorities"].as_array().unwrap();
    assert_eq!(prios[0]["id"], "prio:observed-secret-access");
    assert_eq!(prios[0]["rank"], 1);
    assert!(prios
        .windows(2)
        .all(|w| w[0]["severity"].as_u64() >= w[1]["severity"].as_u64()));
    assert!(prios.iter().any(|p| p["id"] == "prio:unguarded-runtimes"
        && strs(&p["evidence"]).contains(&"runtime:codex:project".to_string())));
}

#[test]
fn secret_values_never_appear_in_reports() {
    let env = Sandbox::new();
    let text = evaluate(&env, &[]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(text.stdout.contains("== Remediation priorities"));
    assert_no_secrets("text report", &text.stdout);
    assert_no_secrets("stderr", &text.stderr);
    let json = evaluate(&env, &["--json"]);
    assert_no_secrets("JSON report", &json.stdout);
    // And so never in a draft built from it, with or without context.
    let eval_path = env.path().join("eval.json");
    std::fs::write(&eval_path, &json.stdout).unwrap();
    let ctx = fixtures().join("context.toml");
    for extra in [vec![], vec!["--context", ctx.to_str().unwrap()]] {
        let mut args = vec![
            "policy",
            "draft",
            "--evaluation",
            eval_path.to_str().unwrap(),
        ];
        args.extend(extra);
        let d = env.run(&args);
        assert_eq!(d.code, 0, "{}", d.stderr);
        assert_no_secrets("draft", &d.stdout);
    }
}

fn write_evaluation(env: &Sandbox) -> PathBuf {
    let json = evaluate(env, &["--json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let p = env.path().join("eval.json");
    std::fs::write(&p, &json.stdout).unwrap();
    p
}

fn draft(env: &Sandbox, eval: &Path, extra: &[&str]) -> (PathBuf, String) {
    let out = env.path().join("draft.toml");
    let mut args = vec![
        "policy",
        "draft",
        "--evaluation",
        eval.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let r = env.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    (out.clone(), std::fs::read_to_string(&out).unwrap())
}

#[test]
fn draft_passes_policy_test_and_every_control_has_lineage() {
    let env = Sandbox::new();
    let eval = write_evaluation(&env);
    let ctx = fixtures().join("context.toml");
    let preset = fixtures().join("org-preset.toml");
    for extra in [
        vec![],
        vec!["--risk", "low"],
        vec![
            "--risk",
            "high",
            "--context",
            ctx.to_str().unwrap(),
            "--preset",
            preset.to_str().unwrap(),
        ],
    ] {
        let (path, text) = draft(&env, &eval, &extra);
        // Parses under the strict schema, status draft.
        let file: hookwarden::policy::model::PolicyFile = toml::from_str(&text).unwrap();
        assert_eq!(file.policy.status, hookwarden::policy::model::Status::Draft);
        assert!(file.rules.len() >= 10, "{} rules", file.rules.len());
        for r in &file.rules {
            let l = r
                .lineage
                .as_ref()
                .unwrap_or_else(|| panic!("{} has no lineage", r.id));
            assert!(!l.evidence.is_empty(), "{} has no evidence", r.id);
            assert!(
                l.source.as_deref().unwrap().starts_with("evaluation "),
                "{}",
                r.id
            );
            assert!(
                l.note.as_deref().unwrap().contains("coverage: claude="),
                "{}",
                r.id
            );
            assert!(
                file.tests.iter().any(|t| t.fires.contains(&r.id)),
                "{} has no firing test",
                r.id
            );
            // Timing is explicit on every control.
            assert!(r.boundary.is_some(), "{}", r.id);
        }
        let v = env.run(&[
            "policy",
            "validate",
            "--scope",
            "project",
            path.to_str().unwrap(),
        ]);
        assert_eq!(
            v.code, 0,
            "policy validate failed for {extra:?}:\n{}\n{}",
            v.stdout, v.stderr
        );
        assert!(v.stdout.contains("0 error(s)"), "{}", v.stdout);
        let t = env.run(&["policy", "test", path.to_str().unwrap()]);
        assert_eq!(
            t.code, 0,
            "policy test failed for {extra:?}:\n{}\n{}",
            t.stdout, t.stderr
        );
        assert!(t.stdout.contains(" 0 failed"), "{}", t.stdout);
    }
}

fn rule<'a>(
    file: &'a hookwarden::policy::model::PolicyFile,
    id: &str,
) -> &'a hookwarden::policy::model::Rule {
    file.rules
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
}

#[test]
fn risk_class_preset_and_context_set_strictness_and_exceptions() {
    use hookwarden::decision::Effect;
    let env = Sandbox::new();
    let eval = write_evaluation(&env);
    let (_, low_text) = draft(&env, &eval, &["--risk", "low"]);
    let low: hookwarden::policy::model::PolicyFile = toml::from_str(&low_text).unwrap();
    assert_eq!(rule(&low, "draft.comms.slack").effect, Effect::Alert);
    // Never weaker than the default policy it is layered on: low risk would alert on
    // `terraform apply`, the default asks, so the draft says ask and why.
    assert_eq!(rule(&low, "draft.infra.apply").effect, Effect::Ask);
    assert!(low_text.contains("effect raised from alert to ask"));
    let (_, high) = draft(&env, &eval, &["--risk", "high"]);
    let high: hookwarden::policy::model::PolicyFile = toml::from_str(&high).unwrap();
    assert_eq!(rule(&high, "draft.comms.slack").effect, Effect::Ask);
    assert_eq!(rule(&high, "draft.infra.apply").effect, Effect::Deny);
    assert_eq!(
        rule(&high, "draft.secrets.read-secret-files").effect,
        Effect::Deny
    );

    let ctx = fixtures().join("context.toml");
    let preset = fixtures().join("org-preset.toml");
    let (_, text) = draft(
        &env,
        &eval,
        &[
            "--context",
            ctx.to_str().unwrap(),
            "--preset",
            preset.to_str().unwrap(),
        ],
    );
    let f: hookwarden::policy::model::PolicyFile = toml::from_str(&text).unwrap();
    // Preset: git push is ask at every risk class, with the org's approver.
    let push = rule(&f, "draft.git.push");
    assert_eq!(push.effect, Effect::Ask);
    assert_eq!(push.approver_role.as_deref(), Some("security-oncall"));
    // Context: trusted hosts become a list and exceptions; sensitive data becomes a control.
    assert_eq!(f.lists["trusted_hosts"][0], "api.stripe.com");
    let egress = rule(&f, "draft.net.egress");
    assert!(egress.when.hosts_outside.is_some());
    assert!(egress
        .lineage
        .as_ref()
        .unwrap()
        .evidence
        .contains(&"context:trusted.hosts".to_string()));
    let gh = rule(&f, "draft.comms.github");
    assert!(gh
        .lineage
        .as_ref()
        .unwrap()
        .evidence
        .contains(&"context:exception[1]".to_string()));
    assert!(text.contains("# Expected behaviour (use-case context):"));
    assert_eq!(
        rule(&f, "draft.data.sensitive-paths")
            .lineage
            .as_ref()
            .unwrap()
            .evidence,
        vec!["context:sensitive_data.paths"]
    );
    assert!(rule(&f, "draft.code.edit-sensitive").activation.is_some());
    assert!(f.policy.metadata.contains_key("preset"));
}

#[test]
fn deployed_draft_shows_lineage_in_check_and_audit() {
    let env = Sandbox::new();
    let eval = write_evaluation(&env);
    let (path, _) = draft(&env, &eval, &[]);
    let work = env.work();
    std::fs::create_dir_all(work.join(".git")).unwrap();
    std::fs::create_dir_all(work.join(".hookwarden")).unwrap();
    std::fs::copy(&path, work.join(".hookwarden/policy.toml")).unwrap();
    let r = env.run(&[
        "check",
        "--cwd",
        work.to_str().unwrap(),
        "--",
        "terraform",
        "apply",
        "-auto-approve",
    ]);
    assert!(
        r.stdout.contains("draft.infra.apply"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    assert!(
        r.stdout.contains("lineage") && r.stdout.contains("exp:infra_code:infra/main.tf"),
        "{}",
        r.stdout
    );
    // The hook records the lineage of fired controls in the audit log.
    let payload = serde_json::json!({
        "session_id": "s1", "cwd": work.to_str().unwrap(), "hook_event_name": "PreToolUse",
        "tool_name": "mcp__slack__slack_post_message", "tool_input": {"channel": "#x", "text": "hi"},
        "tool_use_id": "t1"
    });
    let h = env.hook("claude", &payload);
    assert_eq!(h.code, 0, "{}", h.stderr);
    let lines = env.audit_lines();
    let fired = lines[0]["fired"].as_array().unwrap();
    let slack = fired
        .iter()
        .find(|f| f["rule_id"] == "draft.comms.slack")
        .expect("draft.comms.slack fired");
    assert!(strs(&slack["lineage"]["evidence"]).contains(&"mcp:slack".to_string()));
}

#[test]
fn evaluation_from_a_newer_version_is_refused_clearly() {
    let env = Sandbox::new();
    let eval = write_evaluation(&env);
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&eval).unwrap()).unwrap();
    v["schema_version"] = 99.into();
    v["inventory"] = Value::String("a shape this version cannot read".into());
    std::fs::write(&eval, v.to_string()).unwrap();
    let r = env.run(&["policy", "draft", "--evaluation", eval.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("schema_version 99") && r.stderr.contains("upgrade hookwarden"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn bad_inputs_give_clear_errors() {
    let env = Sandbox::new();
    // Not JSON.
    let bad = env.path().join("bad.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let r = env.run(&["policy", "draft", "--evaluation", bad.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is not valid JSON"), "{}", r.stderr);
    // Missing evaluation file.
    let r = env.run(&["policy", "draft", "--evaluation", "/nonexistent/eval.json"]);
    assert!(
        r.code == 2 && r.stderr.contains("cannot read evaluation"),
        "{}",
        r.stderr
    );
    // A context with a typo is an error with file:line, not silently ignored.
    let eval = write_evaluation(&env);
    let ctx = env.path().join("ctx.toml");
    std::fs::write(&ctx, "name = \"x\"\n[trusted]\nhost = [\"a.com\"]\n").unwrap();
    let r = env.run(&[
        "policy",
        "draft",
        "--evaluation",
        eval.to_str().unwrap(),
        "--context",
        ctx.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("ctx.toml:3:") && r.stderr.contains("unknown field `host`"),
        "{}",
        r.stderr
    );
    // An unknown family in a preset.
    let preset = env.path().join("preset.toml");
    std::fs::write(&preset, "[effects]\nsecretz = \"deny\"\n").unwrap();
    let r = env.run(&[
        "policy",
        "draft",
        "--evaluation",
        eval.to_str().unwrap(),
        "--preset",
        preset.to_str().unwrap(),
    ]);
    assert!(
        r.code == 2 && r.stderr.contains("unknown control family `secretz`"),
        "{}",
        r.stderr
    );
    // Bad risk class.
    let r = env.run(&[
        "policy",
        "draft",
        "--evaluation",
        eval.to_str().unwrap(),
        "--risk",
        "extreme",
    ]);
    assert!(
        r.code == 2 && r.stderr.contains("--risk must be low, medium or high"),
        "{}",
        r.stderr
    );
    // A missing repo or audit log.
    let r = env.run(&["evaluate", "--repo", "/nonexistent/repo"]);
    assert!(
        r.code == 2 && r.stderr.contains("not a readable directory"),
        "{}",
        r.stderr
    );
    let repo = repo();
    let r = env.run(&[
        "evaluate",
        "--repo",
        repo.to_str().unwrap(),
        "--audit",
        "/nonexistent/audit.jsonl",
    ]);
    assert!(
        r.code == 2 && r.stderr.contains("audit log /nonexistent/audit.jsonl"),
        "{}",
        r.stderr
    );
}

#[test]
fn unreadable_transcripts_give_partial_results() {
    let env = Sandbox::new();
    let dir = env.path().join("transcripts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        fixtures().join("transcripts/claude-session.jsonl"),
        dir.join("good.jsonl"),
    )
    .unwrap();
    std::fs::write(dir.join("binary.jsonl"), [0xff, 0xfe, 0x00, 0x01]).unwrap();
    std::fs::write(
        dir.join("mixed.jsonl"),
        "not json\n{\"type\":\"tool_use\",\"name\":\"Bash\",\"input\":{\"command\":\"ls\"}}\n",
    )
    .unwrap();
    std::fs::write(dir.join("broken.json"), "{").unwrap();
    // A malformed audit line is skipped and counted.
    let audit = env.path().join("audit.jsonl");
    let mut log = std::fs::read_to_string(fixtures().join("audit.jsonl")).unwrap();
    log.push_str("{\"truncated\": \n");
    std::fs::write(&audit, log).unwrap();
    let repo = repo();
    let r = env.run(&[
        "evaluate",
        "--no-user",
        "--json",
        "--repo",
        repo.to_str().unwrap(),
        "--transcripts",
        dir.to_str().unwrap(),
        "--audit",
        audit.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ev = r.json();
    assert_eq!(
        ev["observed"]["transcript_calls"], 9,
        "good file (8 calls) + the good line of mixed.jsonl"
    );
    assert_eq!(ev["observed"]["audit_records"], 16);
    let w = strs(&ev["warnings"]);
    assert!(
        w.iter()
            .any(|w| w.contains("binary.jsonl") && w.contains("not UTF-8")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.contains("broken.json") && w.contains("not JSON")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.contains("mixed.jsonl") && w.contains("1 line(s)")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.contains("audit.jsonl") && w.contains("1 line(s) are not audit records")),
        "{w:?}"
    );
    // A transcripts dir that does not exist is an error.
    let r = env.run(&[
        "evaluate",
        "--no-user",
        "--repo",
        repo.to_str().unwrap(),
        "--transcripts",
        "/nonexistent/t",
    ]);
    assert!(
        r.code == 2 && r.stderr.contains("transcripts /nonexistent/t"),
        "{}",
        r.stderr
    );
}

#[test]
fn text_report_is_stable_and_readable() {
    let env = Sandbox::new();
    let a = evaluate(&env, &[]);
    let b = evaluate(&env, &[]);
    assert_eq!(a.stdout, b.stdout, "two runs differ");
    for section in [
        "== Runtimes",
        "== MCP servers",
        "== Static exposure",
        "== Observed",
        "== Remediation priorities",
        "== Warnings",
    ] {
        assert!(a.stdout.contains(section), "missing {section}");
    }
    assert!(a.stdout.contains("codex (project): hookwarden NOT WIRED"));
    assert!(a
        .stdout
        .contains("CREDENTIAL WRITTEN INLINE: Authorization"));
    // -o writes the file and says so.
    let out = env.path().join("report.txt");
    let r = evaluate(&env, &["-o", out.to_str().unwrap()]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("evaluation written to"));
    assert_eq!(std::fs::read_to_string(out).unwrap(), a.stdout);
}
