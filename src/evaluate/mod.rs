//! Build-time evaluation: what the agents of a repository can reach, what sensitive material
//! the repository holds, and what agents actually did in recorded sessions.
//!
//! `hookwarden evaluate` assembles an [`Evaluation`] from four parts — [`inventory`] (runtimes,
//! built-in tools, MCP servers), [`exposure`] (a bounded static walk of the repo), [`observed`]
//! (the audit log and runtime transcripts) and [`priorities`] (the few findings that matter
//! most) — and `hookwarden policy draft` turns it into a candidate policy whose every control
//! cites the finding ids here. Secret values never enter this model: files are named, secrets
//! counted by kind, MCP `env` and headers kept by key only.

pub mod draft;
pub mod exposure;
pub mod inventory;
pub mod observed;
pub mod priorities;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The evaluation file format version. Readers refuse newer versions instead of guessing.
pub const SCHEMA_VERSION: u32 = 1;

/// What a tool or MCP server can do, as far as configuration and names tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    ExecutesCode,
    ReadsFiles,
    WritesFiles,
    NetworkEgress,
    /// Mail, chat, issue trackers: actions other people see.
    ExternalCommunication,
    DataStore,
    DeploymentInfra,
    SecretsAccess,
}

impl Capability {
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::ExecutesCode => "executes_code",
            Capability::ReadsFiles => "reads_files",
            Capability::WritesFiles => "writes_files",
            Capability::NetworkEgress => "network_egress",
            Capability::ExternalCommunication => "external_communication",
            Capability::DataStore => "data_store",
            Capability::DeploymentInfra => "deployment_infra",
            Capability::SecretsAccess => "secrets_access",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The whole report; serialized as the evaluation file `policy draft` reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evaluation {
    pub schema_version: u32,
    /// `hookwarden <version>` that wrote it.
    pub generator: String,
    pub repo: String,
    pub inventory: inventory::Inventory,
    pub exposure: exposure::Exposure,
    pub observed: observed::Observed,
    pub priorities: Vec<priorities::Priority>,
    /// Problems met on the way (a malformed config, an unreadable transcript): the report is
    /// partial where these say so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Inputs of one evaluation.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub repo: PathBuf,
    /// The user's home, for user-level configs; `None` skips them.
    pub home: Option<PathBuf>,
    /// `$CODEX_HOME` when set.
    pub codex_home: Option<PathBuf>,
    pub audit: Option<PathBuf>,
    pub transcripts: Option<PathBuf>,
    pub limits: exposure::Limits,
}

/// Errors that stop an evaluation: only an unusable repo. Everything else is a warning.
#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    #[error("repository {0} is not a readable directory")]
    BadRepo(String),
    #[error("transcripts {path}: {message}")]
    Transcripts { path: String, message: String },
    #[error("audit log {path}: {message}")]
    Audit { path: String, message: String },
}

/// Runs every part of the evaluation.
pub fn evaluate(opts: &Options) -> Result<Evaluation, EvaluateError> {
    if !opts.repo.is_dir() {
        return Err(EvaluateError::BadRepo(opts.repo.display().to_string()));
    }
    let mut warnings = Vec::new();
    let inventory = inventory::scan(
        &opts.repo,
        opts.home.as_deref(),
        opts.codex_home.as_deref(),
        &mut warnings,
    );
    let exposure = exposure::scan(&opts.repo, &opts.limits, &mut warnings);
    let mut observed = observed::Observed::default();
    if let Some(a) = &opts.audit {
        // An audit log that was asked for and cannot be read is an error: the user would
        // otherwise read "nothing observed" as "nothing happened".
        observed::add_audit(&mut observed, a, &mut warnings).map_err(|e| EvaluateError::Audit {
            path: a.display().to_string(),
            message: e.to_string(),
        })?;
    }
    if let Some(t) = &opts.transcripts {
        observed::add_transcripts(&mut observed, t, &mut warnings).map_err(|e| {
            EvaluateError::Transcripts {
                path: t.display().to_string(),
                message: e.to_string(),
            }
        })?;
    }
    observed.finish();
    let priorities = priorities::rank(&inventory, &exposure, &observed);
    Ok(Evaluation {
        schema_version: SCHEMA_VERSION,
        generator: format!("hookwarden {}", env!("CARGO_PKG_VERSION")),
        repo: opts.repo.display().to_string(),
        inventory,
        exposure,
        observed,
        priorities,
        warnings,
    })
}

/// Errors reading an evaluation file back.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read evaluation {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("evaluation {path} is not valid JSON: {message} (write it with `hookwarden evaluate --json -o FILE`)")]
    Json { path: String, message: String },
    #[error("evaluation {path} has schema_version {found}, newer than this hookwarden understands ({supported}); upgrade hookwarden or re-run `hookwarden evaluate` with this version")]
    Newer {
        path: String,
        found: u64,
        supported: u32,
    },
    #[error("evaluation {path} does not match the evaluation format: {message}")]
    Shape { path: String, message: String },
}

/// Reads an evaluation file, refusing versions newer than [`SCHEMA_VERSION`].
pub fn load(path: &Path) -> Result<Evaluation, LoadError> {
    let p = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: p.clone(),
        source,
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| LoadError::Json {
        path: p.clone(),
        message: e.to_string(),
    })?;
    // The version is checked before the shape: a newer file may have a shape we cannot read,
    // and "upgrade" is the useful message then.
    let found = value
        .get("schema_version")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| LoadError::Shape {
            path: p.clone(),
            message: "no numeric `schema_version`".into(),
        })?;
    if found > u64::from(SCHEMA_VERSION) {
        return Err(LoadError::Newer {
            path: p,
            found,
            supported: SCHEMA_VERSION,
        });
    }
    serde_json::from_value(value).map_err(|e| LoadError::Shape {
        path: p,
        message: e.to_string(),
    })
}

/// Text of an id: lowercase, `/` and spaces kept readable, nothing that breaks a TOML string.
pub(crate) fn id_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '@') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Hides credentials a URL or argument may carry (`postgres://user:pass@host`, tokens) so
/// commands and URLs from configs can be shown.
pub fn scrub(s: &str) -> String {
    // Userinfo first: a URL without its password is still a useful URL to show, where the
    // secret masker would hide the whole connection string.
    crate::audit::mask(&scrub_userinfo(s))
}

fn scrub_userinfo(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("[REDACTED:userinfo]@");
                out.push_str(&authority[at + 1..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    // Query parameters named like credentials.
    mask_query_secrets(&out)
}

fn mask_query_secrets(s: &str) -> String {
    const KEYS: &[&str] = &[
        "token",
        "access_token",
        "api_key",
        "apikey",
        "key",
        "secret",
        "password",
        "sig",
    ];
    let mut out = String::with_capacity(s.len());
    for (i, part) in s.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        let key_start = part.rfind(['?', ' ']).map(|p| p + 1).unwrap_or(0);
        match part[key_start..].split_once('=') {
            Some((k, _)) if KEYS.contains(&k.to_ascii_lowercase().as_str()) => {
                out.push_str(&part[..key_start]);
                out.push_str(k);
                out.push_str("=[REDACTED]");
            }
            _ => out.push_str(part),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_hides_userinfo_and_tokens() {
        let s = scrub("postgresql://app:hunter2@db.internal:5432/payments");
        assert!(!s.contains("hunter2"), "{s}");
        assert!(s.contains("db.internal:5432/payments"));
        let s = scrub("https://mcp.example.com/sse?token=abc123&x=1");
        assert!(!s.contains("abc123"), "{s}");
        assert!(s.contains("x=1"));
    }
}
