//! Path facts shared by the file-tool and shell signals: where a path points (root, home,
//! system, temp, inside or outside the project) and whether it names sensitive material.
//!
//! Purely lexical: no `stat`, no symlink resolution, no directory walk — the hook must not
//! touch the file system on the hot path, and a path that does not exist yet still has a class.

use super::{Context, PathFact};
use std::path::{Component, Path, PathBuf};

/// Lexically normalizes an absolute path: removes `.`, folds `..`, never goes above `/`.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(s) => out.push(s),
        }
    }
    out
}

/// Resolves a path as a shell or tool would see it: `~`, `~/x`, `$HOME`, `${HOME}`, relative to cwd.
pub fn resolve(raw: &str, ctx: &Context) -> PathBuf {
    let home = ctx.home.clone().unwrap_or_else(|| PathBuf::from("/root"));
    let expanded: PathBuf = if raw == "~" || raw == "$HOME" || raw == "${HOME}" {
        home
    } else if let Some(rest) = raw
        .strip_prefix("~/")
        .or_else(|| raw.strip_prefix("$HOME/"))
        .or_else(|| raw.strip_prefix("${HOME}/"))
    {
        home.join(rest)
    } else if raw.starts_with('/') {
        PathBuf::from(raw)
    } else {
        ctx.cwd.join(raw)
    };
    normalize(&expanded)
}

const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/opt",
    "/proc",
    "/root",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/System",
    "/Library",
    "/Applications",
    "/private",
];

/// Builds the fact for one path operand.
pub fn fact(raw: &str, ctx: &Context) -> PathFact {
    let resolved = resolve(raw, ctx);
    let mut classes = Vec::new();
    let s = resolved.to_string_lossy().to_string();
    let is_glob = raw.contains('*') || raw.contains('?') || raw.contains('[');
    // A glob's fixed prefix decides where it can reach: `/*` reaches everything under root.
    let anchor = if is_glob {
        classes.push("glob".to_string());
        glob_anchor(&resolved)
    } else {
        resolved.clone()
    };
    let anchor_s = anchor.to_string_lossy().to_string();
    if anchor_s == "/" {
        classes.push("root".to_string());
    }
    if let Some(home) = &ctx.home {
        if anchor == *home {
            classes.push("home".to_string());
        }
        if anchor.starts_with(home) {
            classes.push("in_home".to_string());
        }
    }
    let in_temp = ctx
        .temp_dirs
        .iter()
        .any(|t| anchor.starts_with(t) && anchor != *t);
    if in_temp {
        classes.push("temp".to_string());
    }
    if ctx.temp_dirs.contains(&anchor) {
        classes.push("temp_root".to_string());
    }
    let in_project = anchor.starts_with(&ctx.project_root) || anchor.starts_with(&ctx.cwd);
    // A path above the project (its parent, `/`) contains the project: deleting it deletes it.
    let contains_project = ctx.project_root.starts_with(&anchor) || ctx.cwd.starts_with(&anchor);
    if in_project || contains_project {
        classes.push("project".to_string());
    }
    if contains_project {
        classes.push("project_ancestor".to_string());
    }
    if !in_project {
        classes.push("outside_project".to_string());
    }
    if !in_temp
        && SYSTEM_DIRS
            .iter()
            .any(|d| anchor_s == *d || anchor_s.starts_with(&format!("{d}/")))
    {
        classes.push("system".to_string());
    }
    if s.split('/').any(|seg| seg == ".git") {
        classes.push("git_dir".to_string());
    }
    classes.extend(sensitive_classes(&s).iter().map(|c| c.to_string()));
    PathFact {
        raw: raw.to_string(),
        resolved: s,
        classes,
    }
}

/// The longest leading part of a glob without wildcard characters.
fn glob_anchor(p: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        if let Component::Normal(s) = c {
            let s = s.to_string_lossy();
            if s.contains('*') || s.contains('?') || s.contains('[') {
                break;
            }
            out.push(s.as_ref());
        }
    }
    out
}

/// Sensitive-file classes of a path, by name. `secret_file` is set on every sensitive kind so
/// one rule can cover them all; the specific class says which.
pub fn sensitive_classes(path: &str) -> Vec<&'static str> {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let mut out = Vec::new();
    let mut add = |c: &'static str| {
        if !out.contains(&"secret_file") {
            out.push("secret_file");
        }
        out.push(c);
    };
    if is_env_file(name) {
        add("env_file");
    }
    if is_private_key_name(name) {
        add("private_key");
    }
    if lower.ends_with("/.aws/credentials")
        || lower.ends_with("/.aws/config")
        || lower.contains("/.aws/sso/cache/")
        || lower.contains("/.config/gcloud/")
        || lower.ends_with("application_default_credentials.json")
        || lower.contains("/.azure/")
        || lower.ends_with("/.kube/config")
        || name == "kubeconfig"
        || name.ends_with(".kubeconfig")
        || lower.ends_with("/.docker/config.json")
        || lower.ends_with("/.config/gh/hosts.yml")
        || lower.ends_with("/.terraform.d/credentials.tfrc.json")
        || lower.ends_with("/.config/doctl/config.yaml")
        || lower.ends_with("/.oci/config")
    {
        add("cloud_credentials");
    }
    if matches!(
        name,
        ".netrc"
            | "_netrc"
            | ".pypirc"
            | ".npmrc"
            | ".yarnrc.yml"
            | ".git-credentials"
            | ".pgpass"
            | ".my.cnf"
            | ".vault-token"
            | ".htpasswd"
            | ".terraformrc"
            | "credentials.json"
            | "secrets.json"
            | "secrets.yml"
            | "secrets.yaml"
            | "secrets.toml"
            | "master.key"
            | "credentials.yml.enc"
    ) || lower.ends_with("/.cargo/credentials")
        || lower.ends_with("/.cargo/credentials.toml")
        || lower.ends_with("/.gem/credentials")
        || lower.ends_with("/.m2/settings-security.xml")
        || name.ends_with(".kdbx")
    {
        add("credential_file");
    }
    // Whole credential stores: archiving or copying the directory reads every key in it.
    let dir = lower.trim_end_matches('/');
    if [
        "/.ssh",
        "/.aws",
        "/.gnupg",
        "/.kube",
        "/.docker",
        "/.azure",
        "/.config/gcloud",
        "/.password-store",
    ]
    .iter()
    .any(|d| dir.ends_with(d))
        || matches!(dir, "/etc/shadow" | "/etc/gshadow" | "/etc/master.passwd")
        || (dir.starts_with("/etc/ssh/ssh_host_") && dir.ends_with("_key"))
    {
        add("credential_store");
    }
    if name.ends_with(".tfstate") || name.ends_with(".tfstate.backup") {
        add("terraform_state");
    }
    if (name.contains("service-account")
        || name.contains("service_account")
        || name.contains("serviceaccount")
        || name.contains("sa-key")
        || name.contains("gcp-key")
        || name.contains("gcp_key"))
        && name.ends_with(".json")
    {
        add("service_account");
    }
    out
}

/// `.env`, `.env.local`, `prod.env`, but not `.env.example` / `.sample` / `.template` / `.dist`.
pub fn is_env_file(name: &str) -> bool {
    let is_env =
        name == ".env" || name == ".envrc" || name.starts_with(".env.") || name.ends_with(".env");
    if !is_env {
        return false;
    }
    const SAFE: &[&str] = &[
        "example", "sample", "template", "dist", "defaults", "schema", "tpl",
    ];
    !name
        .split('.')
        .any(|part| SAFE.contains(&part) || part.ends_with("example"))
}

fn is_private_key_name(name: &str) -> bool {
    if name.ends_with(".pub") {
        return false;
    }
    matches!(
        name,
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "id_ecdsa_sk" | "id_ed25519_sk"
    ) || name.ends_with(".key")
        || name.ends_with(".p12")
        || name.ends_with(".pfx")
        || name.ends_with(".keystore")
        || name.ends_with(".jks")
        || name.ends_with("_rsa")
        || name.ends_with(".ppk")
        || (name.ends_with(".pem") && (name.contains("key") || name.contains("priv")))
        || name.ends_with(".p8")
        || (name.ends_with(".asc") && name.contains("secret"))
        || matches!(name, "secring.gpg" | "private-keys-v1.d")
}

/// Paths whose modification changes how code runs later: flagged on writes.
pub fn persistence_class(path: &str) -> Option<&'static str> {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if lower.ends_with("/.ssh/authorized_keys")
        || lower.ends_with("/.ssh/authorized_keys2")
        || lower.ends_with("/.ssh/config")
        || lower.ends_with("/.ssh/rc")
        || lower.ends_with("/.ssh/environment")
    {
        return Some("ssh_config");
    }
    if matches!(
        name,
        ".bashrc"
            | ".bash_profile"
            | ".profile"
            | ".zshrc"
            | ".zprofile"
            | ".zshenv"
            | ".bash_login"
            | ".bash_logout"
            | ".zlogin"
            | ".zlogout"
            | ".cshrc"
            | ".tcshrc"
            | ".kshrc"
            | ".inputrc"
    ) || lower.contains("/.config/fish/")
        || lower.starts_with("/etc/profile")
        || lower == "/etc/bash.bashrc"
        || lower == "/etc/zshrc"
        || lower.contains("/.oh-my-zsh/custom/")
    {
        return Some("shell_rc");
    }
    if lower.contains("/.git/hooks/") || lower.contains("/.husky/") {
        return Some("git_hook");
    }
    // `core.hooksPath`, `core.fsmonitor` and aliases in a git config run code later.
    if lower.ends_with("/.git/config") || lower.ends_with("/.gitconfig") {
        return Some("git_config");
    }
    if lower.contains("/.config/autostart/")
        || lower.contains("/library/launchagents/")
        || lower.contains("/library/launchdaemons/")
        || lower.contains("/.config/systemd/user/")
        || lower.starts_with("/etc/systemd/")
        || lower.starts_with("/etc/cron")
        || lower.starts_with("/var/spool/cron")
    {
        return Some("autostart");
    }
    None
}

/// Flags this module raises.
pub const FLAGS: &[&str] = &["file.read", "file.write", "file.search", "file.persistence"];

/// The path signal: what file tools (Read, Write, Edit, apply_patch, read_file, Grep, Glob...)
/// touch. Shell operands get the same facts from the shell signal through [`fact`].
pub struct PathSignal;

impl super::Signal for PathSignal {
    fn name(&self) -> &'static str {
        "file"
    }

    fn applies(&self, event: &crate::event::Event) -> bool {
        event.boundary == crate::event::Boundary::ToolRequest
            && !event.paths.is_empty()
            && event.tool_kind() != Some(crate::event::ToolKind::Shell)
    }

    fn inspect(&self, event: &crate::event::Event, ctx: &Context, out: &mut Vec<super::Flag>) {
        use crate::event::ToolKind;
        let facts: Vec<PathFact> = event.paths.iter().map(|p| fact(p, ctx)).collect();
        let name = match event.tool_kind() {
            Some(ToolKind::FileRead) => "file.read",
            Some(ToolKind::Search) => "file.search",
            Some(k) if k.writes_files() => "file.write",
            // Unknown tools that name a path: treat as a read, the weaker claim, so secret-file
            // rules still see them.
            _ => "file.read",
        };
        let detail = format!(
            "{} {}",
            event.tool_name().unwrap_or("tool"),
            event.paths.join(" ")
        );
        if name == "file.write" {
            let persistent: Vec<PathFact> = facts
                .iter()
                .filter_map(|f| {
                    persistence_class(&f.resolved).map(|c| {
                        let mut f = f.clone();
                        f.classes.push(c.to_string());
                        f
                    })
                })
                .collect();
            if !persistent.is_empty() {
                out.push(
                    super::Flag::new("file.persistence")
                        .detail(detail.clone())
                        .paths(persistent),
                );
            }
        }
        out.push(super::Flag::new(name).detail(detail).paths(facts));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            cwd: PathBuf::from("/home/u/proj"),
            project_root: PathBuf::from("/home/u/proj"),
            home: Some(PathBuf::from("/home/u")),
            temp_dirs: vec![PathBuf::from("/tmp"), PathBuf::from("/var/tmp")],
        }
    }

    #[test]
    fn env_files_but_not_examples() {
        assert!(is_env_file(".env"));
        assert!(is_env_file(".env.local"));
        assert!(is_env_file(".env.production"));
        assert!(!is_env_file(".env.example"));
        assert!(!is_env_file(".env.sample"));
        assert!(!is_env_file(".env.template"));
        assert!(!is_env_file("environment.ts"));
    }

    #[test]
    fn classes_after_resolution() {
        let c = ctx();
        assert!(fact("/", &c).has("root"));
        assert!(fact("/*", &c).has("root"));
        assert!(fact("~", &c).has("home"));
        assert!(fact("$HOME", &c).has("home"));
        assert!(fact("./src", &c).has("project"));
        assert!(fact("../", &c).has("project_ancestor"));
        assert!(fact("../other", &c).has("outside_project"));
        assert!(fact("/tmp/build", &c).has("temp"));
        assert!(!fact("/tmp", &c).has("temp"));
        assert!(fact("/etc/passwd", &c).has("system"));
        assert!(fact(".git/config", &c).has("git_dir"));
        assert!(fact("~/.aws/credentials", &c).has("cloud_credentials"));
        assert!(fact("/tmp/../etc", &c).has("system"));
    }

    #[test]
    fn sensitive_files_and_persistence() {
        let c = ctx();
        for p in [
            "~/.ssh/id_rsa",
            "deploy/server.key",
            "certs/client.p12",
            "~/.aws/credentials",
            "~/.config/gcloud/application_default_credentials.json",
            "~/.azure/accessTokens.json",
            "~/.kube/config",
            "~/.docker/config.json",
            "~/.netrc",
            "~/.pypirc",
            ".npmrc",
            "infra/terraform.tfstate",
            "keys/my-service-account.json",
            "~/.config/gh/hosts.yml",
            "~/.ssh",
            "~/.aws/",
            "/etc/shadow",
            ".envrc",
        ] {
            assert!(fact(p, &c).has("secret_file"), "{p}");
        }
        for p in [
            "~/.ssh/id_rsa.pub",
            ".env.example",
            "src/main.rs",
            "docs/keys.md",
            "~/.ssh/known_hosts",
            "~/.config",
        ] {
            assert!(!fact(p, &c).has("secret_file"), "{p}");
        }
        assert_eq!(
            persistence_class("/home/u/.ssh/authorized_keys"),
            Some("ssh_config")
        );
        assert_eq!(persistence_class("/home/u/.zshrc"), Some("shell_rc"));
        assert_eq!(
            persistence_class("/home/u/proj/.git/hooks/pre-push"),
            Some("git_hook")
        );
        assert_eq!(
            persistence_class("/home/u/proj/.git/config"),
            Some("git_config")
        );
        assert_eq!(persistence_class("/home/u/proj/src/lib.rs"), None);
    }

    #[test]
    fn project_under_tmp_is_still_project() {
        let c = Context {
            cwd: PathBuf::from("/tmp/work"),
            project_root: PathBuf::from("/tmp/work"),
            home: None,
            temp_dirs: vec![PathBuf::from("/tmp")],
        };
        let f = fact("./src", &c);
        assert!(f.has("temp") && f.has("project"));
        assert!(fact("/tmp/other", &c).has("outside_project"));
    }
}
