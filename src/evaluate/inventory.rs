//! Inventory: which agent runtimes a repository and its user have configured, whether
//! hookwarden is wired into each, the built-in tools they expose and every MCP server declared,
//! with capability labels.
//!
//! Configs are read, never executed; a malformed file becomes a warning and the runtime is still
//! listed (partial result). MCP `env` and `headers` are kept by key only: their values are
//! credentials more often than not.

use super::{id_part, scrub, Capability};
use crate::event::ToolKind;
use crate::runtime::profile::UserBase;
use crate::runtime::{profiles, RuntimeProfile};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Inventory {
    pub runtimes: Vec<RuntimeInfo>,
    pub mcp_servers: Vec<McpServer>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuntimeInfo {
    /// `runtime:<name>:<scope>`.
    pub id: String,
    pub runtime: String,
    /// `project` or `user`.
    pub scope: String,
    pub config_files: Vec<String>,
    /// A hook command in these configs runs hookwarden.
    pub hookwarden_wired: bool,
    /// Hook events that have any hook configured (hookwarden's or another).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hook_events: Vec<String>,
    /// Permission settings worth a reviewer's eye (`defaultMode=bypassPermissions`, `allow Bash(*)`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
    /// Settings that widen what the agent may do without asking.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissive: Vec<String>,
    pub builtin_tools: Vec<ToolInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub labels: Vec<Capability>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct McpServer {
    /// `mcp:<name>`; a name declared twice with different commands gets `mcp:<name>@<runtime>`.
    pub id: String,
    pub name: String,
    /// Runtimes whose configs declare it.
    pub runtimes: Vec<String>,
    pub declared_in: Vec<String>,
    /// `stdio` or `http`.
    pub transport: String,
    /// Command line with credentials masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// URL with credentials masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_keys: Vec<String>,
    /// Env or header keys whose value is written inline in the config (not a `${VAR}`
    /// reference): a credential stored in the repo.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inline_credentials: Vec<String>,
    /// Tools, from the config (`tools`, `includeTools`, `enabled_tools`, `autoApprove`) or
    /// from what is known of the package; empty when unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
    /// Tools the config lets run without asking.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auto_approved: Vec<String>,
    pub labels: Vec<Capability>,
}

/// Config files above this size are not parsed (a `~/.claude.json` with years of history can
/// be large; the parts we need are near the top and small).
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// Scans project configs under `repo` and user configs under `home` (and `codex_home`), at
/// the places each runtime's profile lists.
pub fn scan(
    repo: &Path,
    home: Option<&Path>,
    codex_home: Option<&Path>,
    warnings: &mut Vec<String>,
) -> Inventory {
    let mut inv = Inventory::default();
    let mut servers: Vec<McpServer> = Vec::new();
    for p in profiles() {
        let files: Vec<&str> = p
            .config
            .project
            .iter()
            .chain(p.config.local)
            .copied()
            .collect();
        let found = found_files(repo, &files, p.config.project_dirs);
        if !found.is_empty() {
            let shown = (repo, "");
            add_runtime(
                p,
                "project",
                shown,
                &found,
                &mut inv,
                &mut servers,
                warnings,
            );
        }
    }
    for p in profiles() {
        let base = match p.config.user_base {
            UserBase::Home => home.map(|h| (h.to_path_buf(), "~/")),
            UserBase::CodexHome => match (codex_home, home) {
                (Some(c), _) => Some((c.to_path_buf(), "$CODEX_HOME/")),
                (None, Some(h)) => Some((h.join(".codex"), "~/.codex/")),
                _ => None,
            },
        };
        let Some((dir, prefix)) = base else { continue };
        let found = found_files(&dir, p.config.user, p.config.user_dirs);
        if !found.is_empty() {
            add_runtime(
                p,
                "user",
                (&dir, prefix),
                &found,
                &mut inv,
                &mut servers,
                warnings,
            );
        }
    }
    inv.mcp_servers = servers;
    inv
}

/// The files among `files` that exist under `base`, then the `*.json` files of `dirs`.
fn found_files(base: &Path, files: &[&str], dirs: &[&str]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = files
        .iter()
        .map(|f| base.join(f))
        .filter(|p| p.is_file())
        .collect();
    for d in dirs {
        if let Ok(rd) = std::fs::read_dir(base.join(d)) {
            let mut found: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
                .collect();
            found.sort();
            out.extend(found);
        }
    }
    out
}

/// Reads a config as JSON (TOML configs are converted), or says why it cannot.
fn read_config(path: &Path) -> Result<Value, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(format!("larger than {MAX_CONFIG_BYTES} bytes, skipped"));
    }
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    if path.extension().is_some_and(|x| x == "toml") {
        let v: toml::Value = toml::from_str(&text).map_err(|e| e.message().to_string())?;
        return serde_json::to_value(v).map_err(|e| e.to_string());
    }
    if text.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// A config path as the report shows it: relative to the repo, or under `~/`.
fn display(base: &Path, prefix: &str, path: &Path) -> String {
    match path.strip_prefix(base) {
        Ok(rel) => format!("{prefix}{}", rel.display()),
        Err(_) => path.display().to_string(),
    }
}

fn add_runtime(
    profile: &RuntimeProfile,
    scope: &str,
    (base, prefix): (&Path, &str),
    files: &[PathBuf],
    inv: &mut Inventory,
    servers: &mut Vec<McpServer>,
    warnings: &mut Vec<String>,
) {
    let runtime = profile.name();
    let mut info = RuntimeInfo {
        id: format!("runtime:{runtime}:{scope}"),
        runtime: runtime.to_string(),
        scope: scope.to_string(),
        config_files: files.iter().map(|p| display(base, prefix, p)).collect(),
        hookwarden_wired: false,
        hook_events: Vec::new(),
        permissions: Vec::new(),
        permissive: Vec::new(),
        builtin_tools: builtin_tools(profile),
    };
    let mut events = BTreeSet::new();
    for path in files {
        let shown = display(base, prefix, path);
        let v = match read_config(path) {
            Ok(v) => v,
            Err(e) => {
                warnings.push(format!(
                    "{shown}: cannot parse ({e}); {runtime} is listed without what this file declares"
                ));
                continue;
            }
        };
        let is_hooks_file = path
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|d| d == "hooks")
            || path.file_name().is_some_and(|n| n == "hooks.json");
        let hooks = if is_hooks_file {
            v.get("hooks").unwrap_or(&v)
        } else {
            v.get("hooks").unwrap_or(&Value::Null)
        };
        if let Some(obj) = hooks.as_object() {
            for (event, cfg) in obj {
                if !cfg.is_null() {
                    events.insert(event.clone());
                }
            }
        }
        if mentions_hookwarden(hooks) {
            info.hookwarden_wired = true;
        }
        permissions(&v, &mut info);
        for key in ["mcpServers", "mcp_servers"] {
            if let Some(map) = v.get(key).and_then(|m| m.as_object()) {
                for (name, cfg) in map {
                    add_server(servers, name, cfg, runtime, &shown);
                }
            }
        }
    }
    info.hook_events = events.into_iter().collect();
    // The same runtime and scope from two sources (e.g. `~/.codex` via CODEX_HOME) merge.
    if let Some(existing) = inv
        .runtimes
        .iter_mut()
        .find(|r| r.runtime == info.runtime && r.scope == info.scope)
    {
        existing.config_files.extend(info.config_files);
        existing.hookwarden_wired |= info.hookwarden_wired;
        existing.hook_events.extend(info.hook_events);
        existing.permissions.extend(info.permissions);
        existing.permissive.extend(info.permissive);
    } else {
        inv.runtimes.push(info);
    }
}

fn mentions_hookwarden(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("hookwarden"),
        Value::Array(a) => a.iter().any(mentions_hookwarden),
        Value::Object(m) => m.values().any(mentions_hookwarden),
        _ => false,
    }
}

fn permissions(v: &Value, info: &mut RuntimeInfo) {
    let str_list = |v: Option<&Value>| -> Vec<String> {
        v.and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(p) = v.get("permissions") {
        if let Some(mode) = p.get("defaultMode").and_then(|m| m.as_str()) {
            info.permissions.push(format!("defaultMode={mode}"));
            if mode == "bypassPermissions" || mode == "acceptEdits" {
                info.permissive.push(format!("defaultMode={mode}"));
            }
        }
        for kind in ["allow", "ask", "deny"] {
            for rule in str_list(p.get(kind)) {
                let broad = kind == "allow"
                    && (rule == "Bash"
                        || rule == "Bash(*)"
                        || (rule.starts_with("mcp__")
                            && rule.get(5..).is_some_and(|r| !r.contains("__"))));
                if broad {
                    info.permissive.push(format!("allow {rule}"));
                }
                info.permissions.push(format!("{kind} {rule}"));
            }
        }
    }
    // Codex.
    for key in ["approval_policy", "sandbox_mode"] {
        if let Some(s) = v.get(key).and_then(|m| m.as_str()) {
            info.permissions.push(format!("{key}={s}"));
            if s == "never" || s == "danger-full-access" {
                info.permissive.push(format!("{key}={s}"));
            }
        }
    }
    // Gemini / Qwen.
    if let Some(tools) = v.get("tools") {
        for rule in str_list(tools.get("allowed")) {
            info.permissions.push(format!("allow {rule}"));
            if rule == "run_shell_command" {
                info.permissive.push(format!("allow {rule}"));
            }
        }
        if tools.get("autoAccept").and_then(|b| b.as_bool()) == Some(true) {
            info.permissions.push("autoAccept=true".into());
            info.permissive.push("autoAccept=true".into());
        }
    }
    if v.get("yolo").and_then(|b| b.as_bool()) == Some(true) {
        info.permissive.push("yolo=true".into());
    }
}

fn add_server(servers: &mut Vec<McpServer>, name: &str, cfg: &Value, runtime: &str, file: &str) {
    let s = |k: &str| cfg.get(k).and_then(|v| v.as_str()).map(String::from);
    let args: Vec<String> = cfg
        .get("args")
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let command = s("command").map(|c| {
        let mut line = c;
        for a in &args {
            line.push(' ');
            line.push_str(a);
        }
        line
    });
    let url = s("url").or_else(|| s("httpUrl")).or_else(|| s("serverUrl"));
    let mut env_keys = Vec::new();
    let mut inline = Vec::new();
    for key in ["env", "headers", "http_headers"] {
        if let Some(m) = cfg.get(key).and_then(|m| m.as_object()) {
            for (k, v) in m {
                env_keys.push(k.clone());
                let val = v.as_str().unwrap_or("");
                if looks_inline_credential(k, val) {
                    inline.push(k.clone());
                }
            }
        }
    }
    let list = |keys: &[&str]| -> Vec<String> {
        let mut out = Vec::new();
        for k in keys {
            if let Some(a) = cfg.get(*k).and_then(|a| a.as_array()) {
                out.extend(a.iter().filter_map(|x| x.as_str().map(String::from)));
            }
        }
        out
    };
    // A connection string with a password in the arguments is a credential in the config.
    if args.iter().any(|a| has_userinfo_password(a)) {
        inline.push("args (connection string)".to_string());
    }
    let auto_approved = list(&["autoApprove", "alwaysAllow", "trust_tools"]);
    let mut tools = list(&["tools", "includeTools", "enabled_tools"]);
    let haystack = format!(
        "{} {} {}",
        name,
        command.clone().unwrap_or_default(),
        url.clone().unwrap_or_default()
    )
    .to_ascii_lowercase();
    if tools.is_empty() {
        tools = known_tools(&haystack)
            .iter()
            .map(|t| t.to_string())
            .collect();
    }
    for t in &auto_approved {
        if !tools.contains(t) {
            tools.push(t.clone());
        }
    }
    let transport = if url.is_some() && command.is_none() {
        "http"
    } else {
        "stdio"
    };
    let mut labels = labels_for(&haystack);
    if transport == "http" && !labels.contains(&Capability::NetworkEgress) {
        labels.push(Capability::NetworkEgress);
        labels.sort();
    }
    let command = command.map(|c| scrub(&c));
    let url = url.map(|u| scrub(&u));
    if let Some(existing) = servers
        .iter_mut()
        .find(|x| x.name == name && x.command == command && x.url == url)
    {
        if !existing.runtimes.iter().any(|r| r == runtime) {
            existing.runtimes.push(runtime.to_string());
        }
        if !existing.declared_in.iter().any(|f| f == file) {
            existing.declared_in.push(file.to_string());
        }
        return;
    }
    let taken = servers.iter().any(|x| x.name == name);
    let id = if taken {
        format!("mcp:{}@{}", id_part(name), runtime)
    } else {
        format!("mcp:{}", id_part(name))
    };
    servers.push(McpServer {
        id,
        name: name.to_string(),
        runtimes: vec![runtime.to_string()],
        declared_in: vec![file.to_string()],
        transport: transport.to_string(),
        command,
        url,
        env_keys,
        inline_credentials: inline,
        tools,
        auto_approved,
        labels,
    });
}

fn has_userinfo_password(s: &str) -> bool {
    s.split_once("://")
        .map(|(_, rest)| {
            let authority = rest.split('/').next().unwrap_or("");
            authority
                .rsplit_once('@')
                .is_some_and(|(userinfo, _)| userinfo.contains(':'))
        })
        .unwrap_or(false)
}

fn looks_inline_credential(key: &str, value: &str) -> bool {
    let k = key.to_ascii_uppercase();
    let credential_name = [
        "TOKEN",
        "KEY",
        "SECRET",
        "PASSWORD",
        "PASS",
        "AUTH",
        "CREDENTIAL",
    ]
    .iter()
    .any(|w| k.contains(w));
    let value = value.trim();
    let reference = value.is_empty()
        || value.starts_with('$')
        || value.starts_with("{env:")
        || value.starts_with("env:")
        || value.contains("${");
    (credential_name && !reference) || !crate::signals::secrets::scan(value).is_empty()
}

/// Capability labels from a server's name, command and URL. Heuristic by design: a reviewer
/// corrects them in the draft, and an unknown server gets no label rather than a guess.
pub fn labels_for(haystack: &str) -> Vec<Capability> {
    use Capability::*;
    let h = haystack.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
    let mut out = BTreeSet::new();
    if has(&[
        "github",
        "gitlab",
        "bitbucket",
        "jira",
        "linear",
        "slack",
        "discord",
        "teams",
        "gmail",
        "mail",
        "smtp",
        "sendgrid",
        "mailgun",
        "twilio",
        "notion",
        "confluence",
        "atlassian",
        "asana",
        "zendesk",
        "intercom",
        "telegram",
        "whatsapp",
    ]) {
        out.insert(ExternalCommunication);
        out.insert(NetworkEgress);
    }
    if has(&[
        "postgres",
        "mysql",
        "mariadb",
        "sqlite",
        "mongo",
        "redis",
        "supabase",
        "bigquery",
        "snowflake",
        "dynamo",
        "elasticsearch",
        "clickhouse",
        "database",
        "neon",
        "prisma",
    ]) {
        out.insert(DataStore);
        if !h.contains("sqlite") {
            out.insert(NetworkEgress);
        }
    }
    if has(&[
        "kubernetes",
        "k8s",
        "kubectl",
        "aws",
        "gcloud",
        "gcp",
        "azure",
        "terraform",
        "pulumi",
        "helm",
        "docker",
        "vercel",
        "netlify",
        "heroku",
        "cloudflare",
        "fly.io",
        "flyctl",
    ]) {
        out.insert(DeploymentInfra);
        out.insert(NetworkEgress);
    }
    if has(&["filesystem", "server-fs", "mcp-fs", "file-system"]) {
        out.insert(ReadsFiles);
        out.insert(WritesFiles);
    }
    if has(&["mcp-server-git", "server-git", "git-mcp"]) {
        out.insert(ReadsFiles);
        out.insert(WritesFiles);
    }
    if has(&[
        "fetch",
        "browser",
        "puppeteer",
        "playwright",
        "http",
        "brave",
        "tavily",
        "exa",
        "search",
        "scrape",
        "crawl",
    ]) {
        out.insert(NetworkEgress);
    }
    if has(&[
        "shell",
        "exec",
        "terminal",
        "command",
        "code-runner",
        "python",
        "jupyter",
        "sandbox",
        "desktop-commander",
        "e2b",
    ]) {
        out.insert(ExecutesCode);
    }
    if has(&[
        "vault",
        "secret",
        "1password",
        "onepassword",
        "keychain",
        "bitwarden",
        "doppler",
        "infisical",
    ]) {
        out.insert(SecretsAccess);
    }
    if has(&["aws", "gcloud", "azure"]) {
        // Cloud CLIs read credential files and can fetch secrets from managers.
        out.insert(SecretsAccess);
    }
    if has(&["docker", "kubernetes", "kubectl", "k8s"]) {
        out.insert(ExecutesCode);
    }
    out.into_iter().collect()
}

/// Tools of well-known servers, for "which tools" when the config does not list them.
fn known_tools(haystack: &str) -> &'static [&'static str] {
    if haystack.contains("server-github") || haystack.contains("github-mcp-server") {
        &[
            "create_issue",
            "create_pull_request",
            "push_files",
            "create_or_update_file",
            "merge_pull_request",
            "search_code",
            "get_file_contents",
        ]
    } else if haystack.contains("server-postgres") || haystack.contains("postgres-mcp") {
        &["query"]
    } else if haystack.contains("server-slack") || haystack.contains("slack-mcp") {
        &[
            "slack_list_channels",
            "slack_post_message",
            "slack_reply_to_thread",
            "slack_get_channel_history",
        ]
    } else if haystack.contains("server-filesystem") {
        &[
            "read_file",
            "write_file",
            "edit_file",
            "list_directory",
            "search_files",
            "move_file",
        ]
    } else if haystack.contains("mcp-server-kubernetes") || haystack.contains("kubernetes-mcp") {
        &[
            "kubectl_get",
            "kubectl_apply",
            "kubectl_delete",
            "exec_in_pod",
        ]
    } else if haystack.contains("mcp-server-fetch") || haystack.contains("server-fetch") {
        &["fetch"]
    } else {
        &[]
    }
}

/// Built-in tools of a runtime (its profile's) and what each can do, by kind; tools of no
/// file, shell or network kind are left out.
pub fn builtin_tools(profile: &RuntimeProfile) -> Vec<ToolInfo> {
    profile
        .tools
        .iter()
        .map(|(name, kind)| ToolInfo {
            name: name.to_string(),
            labels: kind_labels(*kind).to_vec(),
        })
        .filter(|t| !t.labels.is_empty())
        .collect()
}

/// What a built-in tool of a kind can do.
fn kind_labels(kind: ToolKind) -> &'static [Capability] {
    use Capability::*;
    match kind {
        ToolKind::Shell => &[ExecutesCode, ReadsFiles, WritesFiles, NetworkEgress],
        ToolKind::FileRead | ToolKind::Search => &[ReadsFiles],
        ToolKind::FileWrite | ToolKind::FileEdit | ToolKind::Patch => &[WritesFiles],
        ToolKind::WebFetch => &[NetworkEgress],
        ToolKind::Mcp | ToolKind::Other => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_from_names_and_packages() {
        use Capability::*;
        let l = labels_for("github npx -y @modelcontextprotocol/server-github");
        assert!(l.contains(&ExternalCommunication) && l.contains(&NetworkEgress));
        assert!(labels_for("db npx @modelcontextprotocol/server-postgres").contains(&DataStore));
        assert!(labels_for("slack").contains(&ExternalCommunication));
        let fs = labels_for("files npx @modelcontextprotocol/server-filesystem /srv");
        assert!(fs.contains(&ReadsFiles) && fs.contains(&WritesFiles));
        assert!(labels_for("k8s mcp-server-kubernetes").contains(&DeploymentInfra));
        assert!(labels_for("weather ./weather-server").is_empty());
    }

    #[test]
    fn credential_detection_ignores_references() {
        assert!(looks_inline_credential("GITHUB_TOKEN", "abc"));
        assert!(!looks_inline_credential("GITHUB_TOKEN", "${GITHUB_TOKEN}"));
        assert!(!looks_inline_credential("LOG_LEVEL", "debug"));
    }
}
