//! Transcripts of every runtime (tests/fixtures/eval/transcripts: Claude Code and Codex;
//! tests/fixtures/transcripts: Gemini CLI chat JSON and session JSONL) read the same way by
//! `policy replay` and `evaluate`: one reader, the same calls, the same commands.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Sandbox;
use hookwarden::event::RuntimeKind;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every fixture transcript: (file, runtime, calls, commands).
fn cases() -> Vec<(PathBuf, RuntimeKind, usize, Vec<&'static str>)> {
    let f = fixtures();
    vec![
        (
            f.join("eval/transcripts/claude-session.jsonl"),
            RuntimeKind::Claude,
            8,
            vec!["npm test"],
        ),
        (
            f.join("eval/transcripts/codex-rollout.jsonl"),
            RuntimeKind::Codex,
            3,
            vec!["kubectl get pods -n payments", "cat deploy/keys/id_rsa"],
        ),
        (
            f.join("transcripts/gemini-chat.json"),
            RuntimeKind::Gemini,
            3,
            vec!["git push --force origin main"],
        ),
        (
            f.join("transcripts/gemini-session.jsonl"),
            RuntimeKind::Gemini,
            3,
            vec!["rm -rf ./build"],
        ),
    ]
}

#[test]
fn replay_takes_every_call_of_every_runtime_with_session_and_time() {
    for (path, runtime, n, commands) in cases() {
        let read = hookwarden::transcript::read(&path).unwrap();
        assert_eq!(read.bad_lines, 0, "{}", path.display());
        let (events, bad) = hookwarden::replay::from_transcript(&path, None).unwrap();
        assert_eq!(bad, 0);
        assert_eq!(events.len(), n, "{}", path.display());
        assert_eq!(read.calls.len(), n, "{}", path.display());
        for (e, c) in events.iter().zip(&read.calls) {
            assert_eq!(e.event.runtime, runtime, "{}", path.display());
            assert!(!e.event.session_id.is_empty(), "{}", path.display());
            assert_eq!(e.event.tool_input, c.input);
            assert_eq!(
                e.event.transcript_path.as_deref(),
                Some(path.to_str().unwrap())
            );
            if runtime != RuntimeKind::Claude {
                assert!(e.time.is_some(), "{}: a call without time", path.display());
            }
        }
        let seen: Vec<&str> = events
            .iter()
            .filter_map(|e| e.event.command.as_deref())
            .collect();
        for c in commands {
            assert!(seen.contains(&c), "{}: {c} not in {seen:?}", path.display());
        }
    }
}

#[test]
fn evaluate_counts_the_same_calls_replay_reads() {
    let env = Sandbox::new();
    let dir = env.mkdir("transcripts");
    let mut total = 0;
    for (i, (path, _, n, _)) in cases().into_iter().enumerate() {
        let name = path.file_name().unwrap().to_str().unwrap();
        std::fs::copy(&path, dir.join(format!("{i}-{name}"))).unwrap();
        total += n;
    }
    let repo = fixtures().join("eval/payments-api");
    let r = env.run(&[
        "evaluate",
        "--no-user",
        "--json",
        "--repo",
        repo.to_str().unwrap(),
        "--transcripts",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let obs = &r.json()["observed"];
    assert_eq!(obs["transcript_calls"], total as u64);
    let count = |list: &str, name: &str| -> u64 {
        obs[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["count"].as_u64().unwrap())
            .unwrap_or(0)
    };
    // Gemini's calls count like the others: a push (Claude's and Gemini's), an MCP post, a
    // secret file read.
    assert_eq!(count("commands", "git push"), 2);
    assert_eq!(count("commands", "kubectl get"), 1);
    assert_eq!(count("mcp_calls", "slack/post_message"), 1);
    assert!(count("sensitive_paths", "/home/dev/payments-api/.env") >= 1);
    let tools: Vec<&Value> = obs["tools"].as_array().unwrap().iter().collect();
    assert!(tools.iter().any(|t| t["name"] == "run_shell_command"));
}
