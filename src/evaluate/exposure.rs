//! Static exposure: the sensitive material an agent working in the repository can reach —
//! secret files, private keys, infrastructure code, CI/CD definitions, migrations, auth and
//! payment code, production configs.
//!
//! A bounded walk: build and dependency dirs are skipped, symlinks are not followed, and the
//! number of files and bytes read is capped (the report says when a cap was hit). Small config
//! files are scanned for secrets, which are counted by kind; their values never leave
//! [`crate::signals::secrets::scan`].

use super::id_part;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Caps of the walk.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_files: usize,
    pub max_depth: usize,
    /// Files larger than this are classified by name only.
    pub max_file_bytes: u64,
    /// Total bytes read for secret scanning.
    pub max_total_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_files: 50_000,
            max_depth: 16,
            max_file_bytes: 256 * 1024,
            max_total_bytes: 32 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    SecretFile,
    PrivateKey,
    /// A config or source file with a credential written in it.
    SecretInConfig,
    InfraCode,
    CiCd,
    Migration,
    AuthCode,
    PaymentCode,
    ProductionConfig,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::SecretFile,
        Category::PrivateKey,
        Category::SecretInConfig,
        Category::InfraCode,
        Category::CiCd,
        Category::Migration,
        Category::AuthCode,
        Category::PaymentCode,
        Category::ProductionConfig,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::SecretFile => "secret_file",
            Category::PrivateKey => "private_key",
            Category::SecretInConfig => "secret_in_config",
            Category::InfraCode => "infra_code",
            Category::CiCd => "ci_cd",
            Category::Migration => "migration",
            Category::AuthCode => "auth_code",
            Category::PaymentCode => "payment_code",
            Category::ProductionConfig => "production_config",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Category::SecretFile => "secret files",
            Category::PrivateKey => "private keys",
            Category::SecretInConfig => "secrets written in config files",
            Category::InfraCode => "infrastructure code",
            Category::CiCd => "CI/CD definitions",
            Category::Migration => "database migrations",
            Category::AuthCode => "authentication code",
            Category::PaymentCode => "payment code",
            Category::ProductionConfig => "production configs",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExposureItem {
    /// `exp:<category>:<path>`.
    pub id: String,
    pub category: Category,
    /// Relative to the repo root, `/`-separated.
    pub path: String,
    /// Path classes from [`crate::signals::paths::sensitive_classes`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    /// Secrets found in the file, by kind and count: never the values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secret_kinds: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Exposure {
    pub items: Vec<ExposureItem>,
    pub files_seen: usize,
    pub bytes_scanned: u64,
    /// A cap was hit: the list may be incomplete.
    pub truncated: bool,
}

impl Exposure {
    pub fn of(&self, c: Category) -> impl Iterator<Item = &ExposureItem> {
        self.items.iter().filter(move |i| i.category == c)
    }
}

const SKIP_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    "vendor",
    ".venv",
    "venv",
    "__pycache__",
    ".terraform",
    ".next",
    ".cache",
    "dist",
    ".tox",
    ".gradle",
];

/// Walks the repo and classifies what it finds.
pub fn scan(repo: &Path, limits: &Limits, warnings: &mut Vec<String>) -> Exposure {
    let mut out = Exposure::default();
    let mut stack = vec![(repo.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                warnings.push(format!("{}: cannot list ({e})", dir.display()));
                continue;
            }
        };
        let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let Ok(ft) = entry.file_type() else { continue };
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if ft.is_dir() {
                if SKIP_DIRS.contains(&name.as_str()) {
                    continue;
                }
                if depth + 1 >= limits.max_depth {
                    out.truncated = true;
                    continue;
                }
                stack.push((path, depth + 1));
                continue;
            }
            if !ft.is_file() {
                continue;
            }
            out.files_seen += 1;
            if out.files_seen > limits.max_files {
                out.truncated = true;
                warnings.push(format!(
                    "repository walk stopped after {} files; exposure is partial",
                    limits.max_files
                ));
                return finish(out);
            }
            let rel = path
                .strip_prefix(repo)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            classify(&path, &rel, limits, &mut out);
        }
    }
    finish(out)
}

fn finish(mut out: Exposure) -> Exposure {
    out.items
        .sort_by(|a, b| (a.category, &a.path).cmp(&(b.category, &b.path)));
    out
}

fn push(
    out: &mut Exposure,
    c: Category,
    rel: &str,
    classes: Vec<String>,
    kinds: BTreeMap<String, usize>,
) {
    out.items.push(ExposureItem {
        id: format!("exp:{}:{}", c.as_str(), id_part(rel)),
        category: c,
        path: rel.to_string(),
        classes,
        secret_kinds: kinds,
    });
}

fn classify(path: &Path, rel: &str, limits: &Limits, out: &mut Exposure) {
    let lower = rel.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower).to_string();
    let segs: Vec<&str> = lower.split('/').collect();
    let dirs = &segs[..segs.len().saturating_sub(1)];
    // `sensitive_classes` matches on path suffixes like `/.aws/credentials`: give it a rooted path.
    let classes: Vec<String> = crate::signals::paths::sensitive_classes(&format!("/{lower}"))
        .iter()
        .map(|c| c.to_string())
        .collect();
    let kinds = if wants_content_scan(&name) {
        scan_secrets(path, limits, out)
    } else {
        BTreeMap::new()
    };
    let has_key_content = kinds.contains_key("private-key");
    if classes.iter().any(|c| c == "private_key") || has_key_content {
        push(
            out,
            Category::PrivateKey,
            rel,
            classes.clone(),
            kinds.clone(),
        );
    } else if !classes.is_empty() {
        push(
            out,
            Category::SecretFile,
            rel,
            classes.clone(),
            kinds.clone(),
        );
    } else if !kinds.is_empty() {
        push(
            out,
            Category::SecretInConfig,
            rel,
            Vec::new(),
            kinds.clone(),
        );
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let in_dir = |words: &[&str]| dirs.iter().any(|d| words.contains(d));
    if matches!(ext, "tf" | "tfvars" | "hcl")
        || name == "pulumi.yaml"
        || name == "chart.yaml"
        || name == "serverless.yml"
        || name.starts_with("docker-compose")
        || (matches!(ext, "yaml" | "yml" | "json")
            && in_dir(&[
                "k8s",
                "kubernetes",
                "helm",
                "charts",
                "manifests",
                "ansible",
                "cloudformation",
                "deploy",
            ]))
    {
        push(out, Category::InfraCode, rel, Vec::new(), BTreeMap::new());
    }
    if (lower.starts_with(".github/workflows/") && matches!(ext, "yml" | "yaml"))
        || name == ".gitlab-ci.yml"
        || name == "jenkinsfile"
        || lower.starts_with(".circleci/")
        || name == "azure-pipelines.yml"
        || name == "bitbucket-pipelines.yml"
        || lower.starts_with(".buildkite/")
    {
        push(out, Category::CiCd, rel, Vec::new(), BTreeMap::new());
    }
    if in_dir(&["migrations", "migrate", "migration"]) || lower.contains("alembic/versions/") {
        push(out, Category::Migration, rel, Vec::new(), BTreeMap::new());
    }
    const CODE: &[&str] = &[
        "rs", "py", "ts", "tsx", "js", "jsx", "go", "java", "kt", "rb", "php", "cs", "swift",
        "scala", "ex",
    ];
    if CODE.contains(&ext) {
        let stem_and_dirs = lower.as_str();
        let has = |words: &[&str]| words.iter().any(|w| stem_and_dirs.contains(w));
        if has(&[
            "auth",
            "login",
            "oauth",
            "jwt",
            "session",
            "password",
            "rbac",
            "permission",
            "sso",
        ]) {
            push(out, Category::AuthCode, rel, Vec::new(), BTreeMap::new());
        }
        if has(&[
            "payment",
            "billing",
            "stripe",
            "checkout",
            "invoice",
            "charge",
            "refund",
            "subscription",
        ]) {
            push(out, Category::PaymentCode, rel, Vec::new(), BTreeMap::new());
        }
    }
    const CONFIG: &[&str] = &[
        "yaml",
        "yml",
        "json",
        "toml",
        "ini",
        "conf",
        "cfg",
        "properties",
        "env",
        "py",
        "rb",
        "js",
        "ts",
    ];
    let prod_name = name.contains("prod") || dirs.iter().any(|d| d.contains("prod"));
    let config_place = in_dir(&[
        "config",
        "configs",
        "settings",
        "environments",
        "env",
        "deploy",
        "k8s",
        "helm",
    ]) || name.starts_with("application")
        || name.starts_with("appsettings")
        || name.starts_with("config");
    if prod_name
        && (CONFIG.contains(&ext) || classes.iter().any(|c| c == "env_file"))
        && (config_place || !CODE.contains(&ext))
    {
        push(
            out,
            Category::ProductionConfig,
            rel,
            Vec::new(),
            BTreeMap::new(),
        );
    }
}

/// Files worth reading for secrets: configs, env and key files — not source trees.
fn wants_content_scan(name: &str) -> bool {
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    matches!(
        ext,
        "env"
            | "json"
            | "yaml"
            | "yml"
            | "toml"
            | "ini"
            | "cfg"
            | "conf"
            | "properties"
            | "tf"
            | "tfvars"
            | "pem"
            | "key"
            | "npmrc"
            | "pypirc"
            | "netrc"
            | "xml"
            | "sh"
    ) || name.starts_with(".env")
        || crate::signals::paths::sensitive_classes(&format!("/{name}")).contains(&"private_key")
        || matches!(
            name,
            ".npmrc" | ".pypirc" | ".netrc" | ".git-credentials" | "credentials"
        )
}

fn scan_secrets(path: &Path, limits: &Limits, out: &mut Exposure) -> BTreeMap<String, usize> {
    let mut kinds = BTreeMap::new();
    let Ok(meta) = std::fs::metadata(path) else {
        return kinds;
    };
    if meta.len() > limits.max_file_bytes {
        return kinds;
    }
    if out.bytes_scanned + meta.len() > limits.max_total_bytes {
        out.truncated = true;
        return kinds;
    }
    let Ok(bytes) = std::fs::read(path) else {
        return kinds;
    };
    out.bytes_scanned += bytes.len() as u64;
    let text = String::from_utf8_lossy(&bytes);
    for f in crate::signals::secrets::scan(&text) {
        *kinds.entry(f.kind).or_insert(0) += 1;
    }
    // `KEY=value` lines with credential-like names in env files: the secret catalogue may
    // not know the vendor's format, but the name says what it is.
    if path
        .file_name()
        .map(|n| crate::signals::paths::is_env_file(&n.to_string_lossy().to_ascii_lowercase()))
        .unwrap_or(false)
    {
        let n = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(k, v)| {
                let k = k.trim().to_ascii_uppercase();
                let v = v.trim().trim_matches('"');
                !v.is_empty()
                    && !v.starts_with('$')
                    && [
                        "TOKEN",
                        "KEY",
                        "SECRET",
                        "PASSWORD",
                        "PASS",
                        "DSN",
                        "CREDENTIAL",
                    ]
                    .iter()
                    .any(|w| k.contains(w))
            })
            .count();
        if n > 0 {
            *kinds.entry("credential-variable".to_string()).or_insert(0) += n;
        }
    }
    kinds
}
