//! `hookwarden audit export` and `audit report` on the binary: decisions made by real hook
//! calls, read back as OTLP/JSON requests, JSON Lines and CSV, and drawn as an HTML page.
//! (tests/otel/ runs the same against the real OpenTelemetry Collector.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Sandbox;
use serde_json::{json, Value};

/// A sandbox whose audit log holds: an allowed command, a denied one, an allowed prompt.
fn with_decisions() -> Sandbox {
    let env = Sandbox::new();
    let cwd = env.work();
    for cmd in ["git status", "rm -rf /"] {
        let mut p = common::fixture("claude", "PreToolUse_Bash", &cwd);
        p["tool_input"]["command"] = json!(cmd);
        env.hook("claude", &p);
    }
    env.hook(
        "claude",
        &common::fixture("claude", "UserPromptSubmit", &cwd),
    );
    assert_eq!(env.audit_lines().len(), 3);
    env
}

fn attr<'a>(rec: &'a Value, key: &str) -> Option<&'a Value> {
    rec["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == key)
        .map(|a| &a["value"])
}

#[test]
fn otlp_json_is_one_export_request_per_batch() {
    let env = with_decisions();
    let out = env
        .run(&[
            "audit",
            "export",
            "--format",
            "otlp-json",
            "--host",
            "ci-1",
            "--batch",
            "2",
        ])
        .ok();
    let reqs: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reqs.len(), 2, "3 records in batches of 2: {}", out.stdout);
    let rl = &reqs[0]["resourceLogs"][0];
    assert_eq!(
        rl["resource"]["attributes"],
        json!([
            {"key": "service.name", "value": {"stringValue": "hookwarden"}},
            {"key": "host.name", "value": {"stringValue": "ci-1"}}
        ])
    );
    assert_eq!(rl["scopeLogs"][0]["scope"]["name"], "hookwarden.audit");
    let records: Vec<&Value> = reqs
        .iter()
        .flat_map(|r| {
            r["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
                .as_array()
                .unwrap()
        })
        .collect();
    let lines = env.audit_lines();
    for (rec, line) in records.iter().zip(&lines) {
        assert_eq!(
            attr(rec, "hookwarden.decision_id").unwrap()["stringValue"],
            line["decision_id"]
        );
        assert_eq!(rec["severityText"], line["effect"]);
        assert!(
            rec["timeUnixNano"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                > 0
        );
        assert_eq!(
            attr(rec, "hookwarden.user").unwrap()["stringValue"],
            common::USER
        );
    }
    let deny = records[1];
    assert_eq!(deny["severityNumber"], 17);
    assert_eq!(
        attr(deny, "hookwarden.command").unwrap()["stringValue"],
        "rm -rf /"
    );
    assert_eq!(
        attr(deny, "hookwarden.tool").unwrap()["stringValue"],
        "Bash"
    );
    assert!(deny["body"]["stringValue"]
        .as_str()
        .unwrap()
        .starts_with("deny tool_request Bash (claude): fs.recursive-delete"));
    let prompt = records[2];
    assert_eq!(prompt["severityNumber"], 9);
    assert!(attr(prompt, "hookwarden.tool").is_none());
    assert!(attr(prompt, "hookwarden.command").is_none());
}

#[test]
fn jsonl_keeps_lines_as_stored_and_windows_select() {
    let env = with_decisions();
    let stored = env.audit_text();
    let out = env.run(&["audit", "export", "--format", "jsonl"]).ok();
    assert_eq!(out.stdout, stored);
    let out = env
        .run(&[
            "audit",
            "export",
            "--format",
            "jsonl",
            "--until",
            "2000-01-01",
        ])
        .ok();
    assert_eq!(out.stdout, "");
    let out = env
        .run(&["audit", "export", "--format", "jsonl", "--since", "1h"])
        .ok();
    assert_eq!(out.stdout.lines().count(), 3);
    let bad = env.run(&["audit", "export", "--format", "jsonl", "--since", "soon"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--since `soon`"), "{}", bad.stderr);
}

#[test]
fn csv_has_a_header_and_a_row_per_decision() {
    let env = with_decisions();
    let out = env.run(&["audit", "export", "--format", "csv"]).ok();
    let rows: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(rows.len(), 4);
    assert!(rows[0].starts_with("timestamp,decision_id,effect,would_effect,rule_ids,risk,"));
    assert!(
        rows[2].contains(",deny,deny,fs.recursive-delete"),
        "{}",
        rows[2]
    );
}

#[test]
fn report_writes_one_page() {
    let env = with_decisions();
    let page = env.p("report.html");
    let out = env
        .run(&["audit", "report", "--html", page.to_str().unwrap()])
        .ok();
    assert!(out.stdout.contains("3 decision(s)"), "{}", out.stdout);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"));
    assert!(html.contains("<code>rm -rf /</code>"));
    assert!(!html.contains("<script"));
}

#[test]
fn the_monitor_view_is_unchanged_beside_the_subcommands() {
    let env = with_decisions();
    let out = env.run(&["audit"]).ok();
    assert!(out.stdout.contains("fs.recursive-delete"), "{}", out.stdout);
    let out = env.run(&["audit", "--json", "--all"]).ok();
    assert_eq!(out.stdout.lines().count(), 3);
}

#[test]
fn a_named_log_that_is_missing_is_an_error() {
    let env = Sandbox::new();
    let out = env.run(&["audit", "export", "--format", "csv", "--file", "nope.jsonl"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no audit log at nope.jsonl"),
        "{}",
        out.stderr
    );
}
