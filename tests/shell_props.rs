//! Property tests for the shell analysis: no input makes it panic, and limits never let a
//! command through silently.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hookwarden::signals::shell::analyze;
use hookwarden::signals::Context;
use proptest::prelude::*;

fn ctx() -> Context {
    Context::fixed("/home/dev/project", Some("/home/dev"))
}

/// Fragments that exercise every construct of the parser, so random strings are mostly
/// near-valid shell rather than noise.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("$(".to_string()),
        Just(")".to_string()),
        Just("`".to_string()),
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("<<EOF\n".to_string()),
        Just("\nEOF\n".to_string()),
        Just("<<<".to_string()),
        Just("<(".to_string()),
        Just("${".to_string()),
        Just("}".to_string()),
        Just("{ ".to_string()),
        Just("; ".to_string()),
        Just(" | ".to_string()),
        Just(" && ".to_string()),
        Just("\\".to_string()),
        Just("$'\\x".to_string()),
        Just("case x in ".to_string()),
        Just("esac".to_string()),
        Just("f() ".to_string()),
        Just("bash -c ".to_string()),
        Just("eval ".to_string()),
        Just("sudo ".to_string()),
        Just("xargs ".to_string()),
        Just("find . -exec ".to_string()),
        Just("python3 -c ".to_string()),
        Just("rm -rf / ".to_string()),
        Just("((".to_string()),
        Just("[[ ".to_string()),
        Just("for i in ".to_string()),
        "[a-z ./-]{0,8}",
        any::<char>().prop_map(|c| c.to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn never_panics_on_fragments(parts in proptest::collection::vec(fragment(), 0..60)) {
        let cmd: String = parts.concat();
        let _ = analyze(&cmd, &ctx());
    }

    #[test]
    fn never_panics_on_any_string(cmd in ".{0,400}") {
        let _ = analyze(&cmd, &ctx());
    }

    #[test]
    fn a_dangerous_command_inside_any_nesting_is_seen(depth in 0usize..30, kind in 0usize..6) {
        let (open, close) = match kind {
            0 => ("$(", ")"),
            1 => ("(", ")"),
            2 => ("{ ", "; }"),
            3 => ("bash -c \"$(", ")\""),
            4 => ("echo \"$(", ")\""),
            _ => ("if true; then ", "; fi"),
        };
        let cmd = format!("{}rm -rf /{}", open.repeat(depth), close.repeat(depth));
        let names: Vec<String> = analyze(&cmd, &ctx()).into_iter().map(|f| f.name).collect();
        // Either the deletion is found, or the depth limit is reported: never silence.
        prop_assert!(
            names.iter().any(|n| n == "shell.recursive_delete" || n == "shell.parse_limit"),
            "{cmd}: {names:?}"
        );
    }
}

#[test]
fn deep_nesting_hits_the_limit_not_the_stack() {
    for open in ["$(", "(", "{ ", "`", "<(", "bash -c '", "\"$(", "${x:-$("] {
        let cmd = open.repeat(20_000);
        let names: Vec<String> = analyze(&cmd, &ctx()).into_iter().map(|f| f.name).collect();
        assert!(
            names.iter().any(|n| n == "shell.parse_limit") || open == "`" || open == "bash -c '",
            "{open}: {names:?}"
        );
    }
}

#[test]
fn huge_inputs_are_bounded() {
    let big = "echo a; ".repeat(300_000);
    let flags = analyze(&big, &ctx());
    assert!(flags.iter().any(|f| f.name == "shell.parse_limit"));
    let unclosed = format!("echo $({}", "x ".repeat(200_000));
    let _ = analyze(&unclosed, &ctx());
    let nested_eval = format!("{}rm -rf /", "eval ".repeat(5_000));
    let names: Vec<String> = analyze(&nested_eval, &ctx())
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert!(names
        .iter()
        .any(|n| n == "shell.recursive_delete" || n == "shell.parse_limit"));
}

#[test]
fn nested_code_strings_are_followed() {
    // bash -c 'bash -c '…'' with shell quoting: each level is a re-parse of a string.
    // (Quoting grows the text fourfold per level, so depth here stays modest; linear nesting
    // of re-parses is covered by the `eval` chain above.)
    let mut cmd = "rm -rf /".to_string();
    for _ in 0..6 {
        cmd = format!("bash -c {}", shell_quote(&cmd));
    }
    let names: Vec<String> = analyze(&cmd, &ctx()).into_iter().map(|f| f.name).collect();
    assert!(
        names.iter().any(|n| n == "shell.recursive_delete"),
        "{names:?}"
    );
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
