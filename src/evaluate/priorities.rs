//! Remediation priorities: the few findings that matter most, ranked, each with its evidence.
//!
//! Severity is a fixed ordering of what the evidence shows, highest first: things agents were
//! seen doing beat things they could do; credentials in reach beat code in reach; an unguarded
//! runtime raises the stakes of everything else. Ties keep a stable order.

use super::exposure::{Category, Exposure};
use super::inventory::Inventory;
use super::observed::Observed;
use super::Capability;
use serde::{Deserialize, Serialize};

/// How many priorities the report keeps.
pub const MAX_PRIORITIES: usize = 10;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Priority {
    pub rank: usize,
    /// `prio:<topic>`.
    pub id: String,
    pub title: String,
    /// 0..=100.
    pub severity: u8,
    /// Finding ids from the inventory, exposure and observed sections.
    pub evidence: Vec<String>,
    /// What to do about it.
    pub action: String,
}

const EVIDENCE_CAP: usize = 12;

fn cap(mut v: Vec<String>) -> Vec<String> {
    v.truncate(EVIDENCE_CAP);
    v
}

pub fn rank(inv: &Inventory, exp: &Exposure, obs: &Observed) -> Vec<Priority> {
    let mut out: Vec<Priority> = Vec::new();
    let mut add = |id: &str, title: String, severity: u8, evidence: Vec<String>, action: &str| {
        out.push(Priority {
            rank: 0,
            id: format!("prio:{id}"),
            title,
            severity,
            evidence: cap(evidence),
            action: action.to_string(),
        });
    };

    if !obs.sensitive_paths.is_empty() {
        let n: usize = obs.sensitive_paths.iter().map(|c| c.count).sum();
        add(
            "observed-secret-access",
            format!("agents touched secret material {n} time(s) in recorded sessions"),
            95,
            obs.sensitive_paths.iter().map(|c| c.id.clone()).collect(),
            "deny reads of secret files and keys at tool request; redact secrets in tool output",
        );
    }

    let mut creds: Vec<String> = exp
        .of(Category::SecretInConfig)
        .map(|i| i.id.clone())
        .collect();
    creds.extend(
        inv.mcp_servers
            .iter()
            .filter(|s| !s.inline_credentials.is_empty())
            .map(|s| s.id.clone()),
    );
    if !creds.is_empty() {
        add(
            "credentials-in-config",
            format!("{} config file(s) or MCP server(s) carry credentials written inline", creds.len()),
            90,
            creds,
            "move the values to the environment or a secret manager and rotate them; deny agent reads of these files meanwhile",
        );
    }

    let unwired: Vec<&super::inventory::RuntimeInfo> = inv
        .runtimes
        .iter()
        .filter(|r| !r.hookwarden_wired)
        .collect();
    if !unwired.is_empty() {
        let sensitive = exp.items.iter().any(|i| {
            matches!(
                i.category,
                Category::SecretFile | Category::PrivateKey | Category::SecretInConfig
            )
        });
        let names: Vec<String> = unwired
            .iter()
            .map(|r| format!("{} ({})", r.runtime, r.scope))
            .collect();
        add(
            "unguarded-runtimes",
            format!("hookwarden is not wired into {}", names.join(", ")),
            if sensitive { 85 } else { 60 },
            unwired.iter().map(|r| r.id.clone()).collect(),
            "run `hookwarden install --runtime <name>` for each; a policy only protects runtimes that call the hook",
        );
    }

    let secrets: Vec<String> = exp
        .items
        .iter()
        .filter(|i| matches!(i.category, Category::SecretFile | Category::PrivateKey))
        .map(|i| i.id.clone())
        .collect();
    if !secrets.is_empty() {
        add(
            "secret-files",
            format!(
                "{} secret file(s) and private key(s) in the repository",
                secrets.len()
            ),
            80,
            secrets,
            "deny agent reads and writes of secret files; keep keys out of the working tree",
        );
    }

    let mut mcp_sev = 0u8;
    let mut mcp_ev = Vec::new();
    let mut mcp_names = Vec::new();
    for s in &inv.mcp_servers {
        let risky: Vec<&str> = s
            .labels
            .iter()
            .filter(|l| {
                matches!(
                    l,
                    Capability::DeploymentInfra
                        | Capability::ExternalCommunication
                        | Capability::DataStore
                        | Capability::ExecutesCode
                        | Capability::SecretsAccess
                )
            })
            .map(|l| l.as_str())
            .collect();
        if risky.is_empty() {
            continue;
        }
        let mut sev: u8 = if s.labels.contains(&Capability::DeploymentInfra) {
            75
        } else {
            70
        };
        if !s.auto_approved.is_empty() {
            sev += 10;
        }
        let used: Vec<String> = obs
            .mcp_calls
            .iter()
            .filter(|c| c.name.split('/').next() == Some(s.name.as_str()))
            .map(|c| c.id.clone())
            .collect();
        if !used.is_empty() {
            sev += 5;
        }
        mcp_sev = mcp_sev.max(sev);
        mcp_ev.push(s.id.clone());
        mcp_ev.extend(used);
        mcp_names.push(format!(
            "{} ({}{})",
            s.name,
            risky.join(", "),
            if s.auto_approved.is_empty() {
                ""
            } else {
                "; runs without asking"
            }
        ));
    }
    if !mcp_names.is_empty() {
        add(
            "mcp-servers",
            format!("MCP servers act outside the repo: {}", mcp_names.join("; ")),
            mcp_sev.min(100),
            mcp_ev,
            "ask before their write/send/deploy tools run; allow only the destinations the use case needs",
        );
    }

    let permissive: Vec<&super::inventory::RuntimeInfo> = inv
        .runtimes
        .iter()
        .filter(|r| !r.permissive.is_empty())
        .collect();
    if !permissive.is_empty() {
        let what: Vec<String> = permissive
            .iter()
            .map(|r| format!("{}: {}", r.runtime, r.permissive.join(", ")))
            .collect();
        add(
            "permissive-settings",
            format!(
                "runtime settings let tools run without asking ({})",
                what.join("; ")
            ),
            70,
            permissive.iter().map(|r| r.id.clone()).collect(),
            "keep these only with hookwarden wired and the draft policy deployed",
        );
    }

    if obs.blocked > 0 || !obs.rules_fired.is_empty() {
        add(
            "observed-fired-rules",
            format!(
                "{} action(s) were blocked in recorded sessions; {} rule(s) fired",
                obs.blocked,
                obs.rules_fired.len()
            ),
            65,
            obs.rules_fired.iter().map(|c| c.id.clone()).collect(),
            "review whether these actions are expected behaviour (then add an exception) or need a stricter control",
        );
    }

    if !obs.hosts.is_empty() {
        add(
            "observed-hosts",
            format!("agents contacted {} host(s)", obs.hosts.len()),
            60,
            obs.hosts.iter().map(|c| c.id.clone()).collect(),
            "list the trusted destinations in the use-case context; alert or ask on the rest",
        );
    }

    let change: Vec<String> = exp
        .items
        .iter()
        .filter(|i| {
            matches!(
                i.category,
                Category::InfraCode | Category::CiCd | Category::Migration
            )
        })
        .map(|i| i.id.clone())
        .collect();
    if !change.is_empty() {
        add(
            "infra-ci-migrations",
            format!(
                "{} infrastructure, CI/CD or migration file(s) an agent can change",
                change.len()
            ),
            55,
            change,
            "ask before infra apply commands; ask on edits of CI workflows and migrations",
        );
    }

    let code: Vec<String> = exp
        .items
        .iter()
        .filter(|i| {
            matches!(
                i.category,
                Category::AuthCode | Category::PaymentCode | Category::ProductionConfig
            )
        })
        .map(|i| i.id.clone())
        .collect();
    if !code.is_empty() {
        add(
            "sensitive-code",
            format!("{} auth, payment or production config file(s)", code.len()),
            50,
            code,
            "alert on edits so a person reviews them; ask under a high risk class",
        );
    }

    // Stable: by severity, then as added.
    out.sort_by_key(|p| std::cmp::Reverse(p.severity));
    out.truncate(MAX_PRIORITIES);
    for (i, p) in out.iter_mut().enumerate() {
        p.rank = i + 1;
    }
    out
}
