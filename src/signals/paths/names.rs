//! Which file names and places hold secrets, as tables: exact names, path endings, whole
//! directories, extensions. [`sensitive_classes`] reads a path against them; the sample names
//! ([`SAMPLES`]) let a glob that cannot be expanded be tested against them (`.e*` reaches
//! `.env`).
//!
//! Each entry says the class it gives. `secret_file` is added to every one, so one rule can
//! cover them all; the specific class says which: `env_file`, `private_key`,
//! `cloud_credentials`, `agent_credentials` (the coding agents' own logins),
//! `credential_file`, `credential_store` (a directory of them), `terraform_state`,
//! `service_account`.

/// Exact file names (lower case), wherever they are.
const NAMES: &[(&str, &str)] = &[
    (".netrc", "credential_file"),
    ("_netrc", "credential_file"),
    (".pypirc", "credential_file"),
    (".npmrc", "credential_file"),
    (".yarnrc.yml", "credential_file"),
    (".git-credentials", "credential_file"),
    (".pgpass", "credential_file"),
    (".my.cnf", "credential_file"),
    (".mylogin.cnf", "credential_file"),
    (".vault-token", "credential_file"),
    (".htpasswd", "credential_file"),
    (".terraformrc", "credential_file"),
    ("credentials.tfrc.json", "credential_file"),
    ("credentials.json", "credential_file"),
    ("secrets.json", "credential_file"),
    ("secrets.yml", "credential_file"),
    ("secrets.yaml", "credential_file"),
    ("secrets.toml", "credential_file"),
    ("master.key", "credential_file"),
    ("credentials.yml.enc", "credential_file"),
    (".s3cfg", "cloud_credentials"),
    ("rclone.conf", "cloud_credentials"),
    (".boto", "cloud_credentials"),
    (".databrickscfg", "cloud_credentials"),
    (".dockercfg", "credential_file"),
    ("kubeconfig", "cloud_credentials"),
    (".dev.vars", "env_file"),
    ("logins.json", "credential_file"),
    ("key3.db", "credential_file"),
    ("key4.db", "credential_file"),
    ("cookies.sqlite", "credential_file"),
    ("login data", "credential_file"),
    ("secring.gpg", "private_key"),
    ("private-keys-v1.d", "private_key"),
];

/// Path endings (lower case): the file at that place under any directory, usually the home.
const SUFFIXES: &[(&str, &str)] = &[
    ("/.aws/credentials", "cloud_credentials"),
    ("/.aws/config", "cloud_credentials"),
    ("application_default_credentials.json", "cloud_credentials"),
    ("/.kube/config", "cloud_credentials"),
    (".kubeconfig", "cloud_credentials"),
    ("/.docker/config.json", "cloud_credentials"),
    ("/.config/gh/hosts.yml", "cloud_credentials"),
    ("/.config/glab-cli/config.yml", "credential_file"),
    ("/.config/hub", "credential_file"),
    ("/.config/git/credentials", "credential_file"),
    ("/.terraform.d/credentials.tfrc.json", "cloud_credentials"),
    ("/.config/doctl/config.yaml", "cloud_credentials"),
    ("/.oci/config", "cloud_credentials"),
    ("/.config/hcloud/cli.toml", "cloud_credentials"),
    ("/.snowsql/config", "cloud_credentials"),
    ("/.fly/config.yml", "cloud_credentials"),
    ("/.config/netlify/config.json", "cloud_credentials"),
    ("/com.vercel.cli/auth.json", "cloud_credentials"),
    ("/.railway/config.json", "cloud_credentials"),
    ("/.supabase/access-token", "cloud_credentials"),
    (
        "/.config/configstore/firebase-tools.json",
        "cloud_credentials",
    ),
    ("/.wrangler/config/default.toml", "cloud_credentials"),
    ("/.cloudflared/cert.pem", "cloud_credentials"),
    ("/.config/ngrok/ngrok.yml", "credential_file"),
    ("/.ngrok2/ngrok.yml", "credential_file"),
    ("/.pulumi/credentials.json", "cloud_credentials"),
    ("/.circleci/cli.yml", "credential_file"),
    ("/.config/containers/auth.json", "credential_file"),
    ("/containers/auth.json", "credential_file"),
    ("/.composer/auth.json", "credential_file"),
    ("/.config/composer/auth.json", "credential_file"),
    ("/.m2/settings.xml", "credential_file"),
    ("/.m2/settings-security.xml", "credential_file"),
    ("/.gradle/gradle.properties", "credential_file"),
    ("/.ivy2/.credentials", "credential_file"),
    ("/.sbt/credentials", "credential_file"),
    ("/.nuget/nuget/nuget.config", "credential_file"),
    ("/.cargo/credentials", "credential_file"),
    ("/.cargo/credentials.toml", "credential_file"),
    ("/.gem/credentials", "credential_file"),
    ("/.config/sops/age/keys.txt", "private_key"),
    ("/.claude/.credentials.json", "agent_credentials"),
    ("/.claude.json", "agent_credentials"),
    ("/.codex/auth.json", "agent_credentials"),
    ("/.gemini/oauth_creds.json", "agent_credentials"),
    ("/.gemini/google_accounts.json", "agent_credentials"),
    ("/.config/github-copilot/hosts.json", "agent_credentials"),
    ("/.config/github-copilot/apps.json", "agent_credentials"),
    ("/web data", "credential_file"),
];

/// Directories (lower case, as path parts) everything inside of which is a secret, except the
/// names listed with them.
const DIRS: &[(&str, &str, &[&str])] = &[
    (
        "/.ssh/",
        "private_key",
        &[
            "config",
            "known_hosts",
            "known_hosts.old",
            "authorized_keys",
            "authorized_keys2",
            "environment",
            "rc",
            "config.d",
        ],
    ),
    ("/.aws/", "cloud_credentials", &[]),
    ("/.config/gcloud/", "cloud_credentials", &[]),
    ("/.azure/", "cloud_credentials", &[]),
    ("/.gnupg/private-keys-v1.d/", "private_key", &[]),
    ("/.password-store/", "credential_file", &[]),
    ("/.local/share/keyrings/", "credential_file", &[]),
    ("/.config/op/", "credential_file", &[]),
];

/// Directories that are credential stores as a whole: archiving or copying one reads every
/// key in it.
const STORES: &[&str] = &[
    "/.ssh",
    "/.aws",
    "/.gnupg",
    "/.kube",
    "/.docker",
    "/.azure",
    "/.config/gcloud",
    "/.password-store",
    "/.claude",
    "/.codex",
    "/.gemini",
    "/.config/gh",
    "/.config/rclone",
    "/.terraform.d",
    "/.local/share/keyrings",
];

/// Name endings: the kind of file a name's extension says.
const ENDINGS: &[(&str, &str)] = &[
    (".kdbx", "credential_file"),
    (".tfvars", "credential_file"),
    (".tfvars.json", "credential_file"),
    (".tfstate", "terraform_state"),
    (".tfstate.backup", "terraform_state"),
];

/// Name parts that make a file an example or a template rather than the real thing.
const TEMPLATE_PARTS: &[&str] = &[
    "example", "sample", "template", "dist", "defaults", "schema", "tpl",
];

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
        if !out.contains(&c) {
            out.push(c);
        }
    };
    if is_env_file(name) {
        add("env_file");
    }
    if is_private_key_name(name) {
        add("private_key");
    }
    for (n, class) in NAMES {
        if name == *n {
            add(class);
        }
    }
    for (suffix, class) in SUFFIXES {
        if lower.ends_with(suffix) {
            add(class);
        }
    }
    for (dir, class, except) in DIRS {
        if let Some(i) = lower.find(dir) {
            let inside = &lower[i + dir.len()..];
            let first = inside.split('/').next().unwrap_or("");
            if !inside.is_empty() && !except.contains(&first) && !first.ends_with(".pub") {
                add(class);
            }
        }
    }
    if !is_template(name) {
        for (ending, class) in ENDINGS {
            if name.ends_with(ending) {
                add(class);
            }
        }
    }
    let dir = lower.trim_end_matches('/');
    if STORES.iter().any(|d| dir.ends_with(d))
        || matches!(dir, "/etc/shadow" | "/etc/gshadow" | "/etc/master.passwd")
        || (dir.starts_with("/etc/ssh/ssh_host_") && dir.ends_with("_key"))
    {
        add("credential_store");
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

fn is_template(name: &str) -> bool {
    name.split('.')
        .any(|part| TEMPLATE_PARTS.contains(&part) || part.ends_with("example"))
}

/// `.env`, `.env.local`, `prod.env`, but not `.env.example` / `.sample` / `.template` / `.dist`.
pub fn is_env_file(name: &str) -> bool {
    let is_env =
        name == ".env" || name == ".envrc" || name.starts_with(".env.") || name.ends_with(".env");
    is_env && !is_template(name)
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
}

/// Whether a name looks like it holds a key or a credential though no table lists it
/// (`backup-key.txt`, `prod-token`): said of hard-linked files, whose other name may be one.
pub fn looks_like_credential(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "key", "secret", "cred", "token", "passw", "id_rsa", "id_ed", "id_ecdsa", ".env",
    ];
    // Source and documentation named after the concept are not the thing.
    const CODE: &[&str] = &[
        ".rs", ".go", ".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".rb", ".java", ".kt",
        ".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".php", ".swift", ".md", ".rst", ".html", ".css",
        ".d.ts", ".map", ".snap",
    ];
    let lower = name.to_ascii_lowercase();
    WORDS.iter().any(|w| lower.contains(w)) && !CODE.iter().any(|e| lower.ends_with(e))
}

/// Sensitive places by their last path segments, for testing globs that cannot be expanded:
/// a glob reaching one of these reaches a secret. A leading `/` anchors the sample at the root.
pub const SAMPLES: &[&str] = &[
    ".env",
    ".env.local",
    ".env.production",
    ".env.development",
    ".envrc",
    ".dev.vars",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".ssh/id_rsa",
    ".ssh/id_ed25519",
    ".ssh/id_ecdsa",
    "server.key",
    "private.key",
    "privkey.pem",
    "private-key.pem",
    "cert.p12",
    "keystore.jks",
    ".netrc",
    ".pgpass",
    ".npmrc",
    ".pypirc",
    ".git-credentials",
    ".my.cnf",
    ".vault-token",
    ".s3cfg",
    ".boto",
    "rclone.conf",
    "credentials.json",
    "secrets.json",
    "secrets.yaml",
    "secrets.yml",
    "master.key",
    "terraform.tfstate",
    "terraform.tfvars",
    "credentials.tfrc.json",
    "service-account.json",
    ".aws/credentials",
    ".aws/config",
    ".kube/config",
    ".docker/config.json",
    ".config/gh/hosts.yml",
    ".config/gcloud/application_default_credentials.json",
    ".config/gcloud/credentials.db",
    ".azure/accesstokens.json",
    ".claude/.credentials.json",
    ".claude.json",
    ".codex/auth.json",
    ".gemini/oauth_creds.json",
    ".config/rclone/rclone.conf",
    ".terraform.d/credentials.tfrc.json",
    ".cargo/credentials.toml",
    "/etc/shadow",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sample is itself sensitive: a glob that reaches one reaches a secret.
    #[test]
    fn samples_are_sensitive() {
        for s in SAMPLES {
            let p = if s.starts_with('/') {
                s.to_string()
            } else {
                format!("/home/u/{s}")
            };
            assert!(sensitive_classes(&p).contains(&"secret_file"), "{s}");
        }
    }

    #[test]
    fn the_agents_own_logins_are_secrets() {
        for p in [
            "/home/u/.claude/.credentials.json",
            "/home/u/.codex/auth.json",
            "/home/u/.gemini/oauth_creds.json",
            "/home/u/.config/github-copilot/hosts.json",
        ] {
            assert!(sensitive_classes(p).contains(&"agent_credentials"), "{p}");
        }
        for p in [
            "/home/u/.claude/settings.json",
            "/home/u/.codex/config.toml",
            "/home/u/.gemini/settings.json",
        ] {
            assert!(sensitive_classes(p).is_empty(), "{p}");
        }
    }

    #[test]
    fn anything_in_the_ssh_dir_but_public_files_is_a_key() {
        assert!(sensitive_classes("/home/u/.ssh/deploy_key").contains(&"private_key"));
        assert!(sensitive_classes("/home/u/.ssh/github").contains(&"private_key"));
        for p in [
            "/home/u/.ssh/config",
            "/home/u/.ssh/known_hosts",
            "/home/u/.ssh/id_ed25519.pub",
            "/home/u/.ssh/authorized_keys",
        ] {
            assert!(sensitive_classes(p).is_empty(), "{p}");
        }
    }

    #[test]
    fn terraform_variables_but_not_their_examples() {
        assert!(sensitive_classes("/p/infra/terraform.tfvars").contains(&"secret_file"));
        assert!(sensitive_classes("/p/prod.auto.tfvars").contains(&"secret_file"));
        assert!(sensitive_classes("/p/terraform.tfvars.example").is_empty());
        assert!(sensitive_classes("/p/example.tfvars").is_empty());
    }

    #[test]
    fn credential_like_names() {
        assert!(looks_like_credential("backup-key.txt"));
        assert!(looks_like_credential("prod-token"));
        assert!(!looks_like_credential("package.json"));
        assert!(!looks_like_credential("keyboard.rs"));
        assert!(!looks_like_credential("notes.txt"));
    }
}
