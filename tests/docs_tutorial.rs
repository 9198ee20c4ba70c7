//! docs/policy.md's tutorial runs as written: every command of its `console` blocks is run by
//! `sh` in one [`Sandbox`] (in order, `hookwarden` first on PATH), after each
//! ```` ```toml FILE ```` block before it is written to FILE.
//!
//! In a `console` block a line `$ COMMAND` is a command; the lines after it, up to the next
//! command, are output it must print (stdout then stderr), in order, with any lines between
//! them: key lines, not the whole output. A line `...` stands for lines left out (it is only a
//! reminder for the reader), and `[..]` matches any text within a line. A command exits 0,
//! unless its first output line is `decision: deny` (then 1, as `check` does), or it ends in a
//! comment `# exits N`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Sandbox;
use std::path::Path;

enum Block {
    File(String, String),
    Console(Vec<(String, Vec<String>)>),
}

/// The blocks of the `## Tutorial` section, in order.
fn tutorial(doc: &str) -> Vec<Block> {
    let start = doc
        .find("\n## Tutorial\n")
        .expect("docs/policy.md has a `## Tutorial`");
    let rest = &doc[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    let section = &rest[..end];
    let mut blocks = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        let mut words = info.split_whitespace();
        match (words.next(), words.next()) {
            (Some("toml"), Some(file)) => {
                blocks.push(Block::File(file.to_string(), body.join("\n") + "\n"))
            }
            (Some("console"), _) => {
                let mut cmds: Vec<(String, Vec<String>)> = Vec::new();
                for l in body {
                    match l.strip_prefix("$ ") {
                        Some(c) => cmds.push((c.to_string(), Vec::new())),
                        None => cmds
                            .last_mut()
                            .expect("a console block starts with a `$ ` command")
                            .1
                            .push(l.to_string()),
                    }
                }
                blocks.push(Block::Console(cmds));
            }
            _ => {}
        }
    }
    blocks
}

/// Whether `line` matches `pat`, where `[..]` matches any text.
fn line_matches(pat: &str, line: &str) -> bool {
    let parts: Vec<&str> = pat.split("[..]").collect();
    if parts.len() == 1 {
        return pat == line;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !line.starts_with(first) || line.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &line[first.len()..line.len() - last.len()];
    if !line.ends_with(last) {
        return false;
    }
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

/// The expected lines appear in `output`, in order (other lines between them).
fn shows(expected: &[String], output: &str) -> Result<(), String> {
    let mut lines = output.lines();
    for want in expected.iter().filter(|l| l.as_str() != "...") {
        if !lines.by_ref().any(|l| line_matches(want, l)) {
            return Err(want.clone());
        }
    }
    Ok(())
}

fn expected_status(cmd: &str, expected: &[String]) -> i32 {
    if let Some((_, n)) = cmd.rsplit_once("# exits ") {
        return n.trim().parse().unwrap();
    }
    match expected.first().map(String::as_str) {
        Some("decision: deny") => 1,
        _ => 0,
    }
}

#[test]
fn the_policy_tutorial_runs_as_written() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/policy.md"))
        .unwrap();
    let blocks = tutorial(&doc);
    let env = Sandbox::new().with_cwd("work");
    std::fs::create_dir_all(env.p("work/.git")).unwrap();
    std::fs::write(env.p("work/.git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let mut ran = 0;
    for block in blocks {
        match block {
            Block::File(name, text) => {
                std::fs::write(env.p("work").join(name), text).unwrap();
            }
            Block::Console(cmds) => {
                for (cmd, expected) in cmds {
                    let run = env.shell(&cmd).run();
                    let status = expected_status(&cmd, &expected);
                    let out = run.all();
                    assert_eq!(run.code, status, "`{cmd}` exited {}:\n{out}", run.code);
                    if let Err(line) = shows(&expected, &out) {
                        panic!("`{cmd}` does not print, in order, the line\n  {line}\nit printed:\n{out}");
                    }
                    ran += 1;
                }
            }
        }
    }
    assert!(ran >= 10, "only {ran} tutorial commands");
}

#[test]
fn wildcards() {
    assert!(line_matches(
        "deployed v1 [..] at [..] (user scope)",
        "deployed v1 (x) at /a/b (user scope)"
    ));
    assert!(!line_matches("deployed v1 [..]", "deployed v2 (x)"));
    assert!(line_matches("a", "a"));
    assert!(shows(&["b".into(), "...".into(), "d".into()], "a\nb\nc\nd\n").is_ok());
    assert!(shows(&["d".into(), "b".into()], "a\nb\nc\nd\n").is_err());
}
