//! `hookwarden approve <code>` and `hookwarden approvals`: a person grants an action that a
//! runtime could not ask about, and sees what is waiting.

use anyhow::Result;
use clap::Args;
use hookwarden::approvals::{self, Approval, GrantRequest, Status};
use hookwarden::state::Store;
use hookwarden::time::rfc3339;

#[derive(Args)]
pub struct ApproveArgs {
    /// The code from the agent's message (`hookwarden approve K7M2QX`).
    code: String,
    /// Allow the action once, within the next hour (the default).
    #[arg(long, conflicts_with = "for_")]
    once: bool,
    /// Allow the same action repeatedly for this long (`30m`, `2h`, `1d`).
    #[arg(long = "for", value_name = "DURATION")]
    for_: Option<String>,
    /// Why it was approved; recorded in the audit log.
    #[arg(long)]
    note: Option<String>,
}

#[derive(Args)]
pub struct ApprovalsArgs {
    /// Also list expired, used and lapsed entries.
    #[arg(long)]
    all: bool,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn approver() -> String {
    std::env::var("HOOKWARDEN_USER")
        .or_else(|_| std::env::var("USER"))
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

pub fn approve(a: ApproveArgs) -> Result<i32> {
    let for_secs =
        match &a.for_ {
            Some(d) => Some(hookwarden::time::parse_duration(d).ok_or_else(|| {
                anyhow::anyhow!("--for `{d}` is not a duration (e.g. 30m, 2h, 1d)")
            })?),
            None => None,
        };
    let store = Store::open_default()?;
    let mut warnings = Vec::new();
    let req = GrantRequest {
        code: a.code.clone(),
        by: approver(),
        for_secs,
        note: a.note.clone(),
    };
    let res = approvals::grant(&store, &req, now(), &mut warnings);
    for w in &warnings {
        eprintln!("hookwarden: warning: {w}");
    }
    let granted = match res {
        Ok(g) => g,
        Err(e) => {
            eprintln!("hookwarden: {e}");
            return Ok(1);
        }
    };
    if let Some(rec) = approvals::audit_record(&granted) {
        if let Err(e) = hookwarden::audit::write(&rec) {
            eprintln!("hookwarden: {e}");
        }
    }
    let Some(g) = &granted.grant else {
        return Ok(1);
    };
    let scope = if g.once {
        format!("once, until {}", rfc3339(g.until, 0))
    } else {
        format!("repeatedly until {}", rfc3339(g.until, 0))
    };
    println!(
        "Approved {} for {} in {} session {}: {}\nAllowed {scope}. The agent can now retry the same action unchanged.",
        granted.code, granted.tool, granted.runtime, granted.session_id, granted.summary
    );
    Ok(0)
}

pub fn list(a: ApprovalsArgs) -> Result<i32> {
    let store = Store::open_default()?;
    let mut warnings = Vec::new();
    let st = store.read(&mut warnings)?;
    for w in &warnings {
        eprintln!("hookwarden: warning: {w}");
    }
    let now = now();
    let mut items: Vec<&Approval> = st
        .approvals
        .values()
        .filter(|x| a.all || matches!(x.status(now), Status::Pending | Status::Granted))
        .collect();
    items.sort_by_key(|x| (x.requested_at, x.code.clone()));
    if a.json {
        let out: Vec<serde_json::Value> = items
            .iter()
            .map(|x| {
                let mut v = serde_json::to_value(x).unwrap_or_default();
                v["status"] = x.status(now).as_str().into();
                v
            })
            .collect();
        println!("{}", serde_json::Value::Array(out));
        return Ok(0);
    }
    if items.is_empty() {
        println!(
            "No {}approval requests.",
            if a.all { "" } else { "pending or granted " }
        );
        return Ok(0);
    }
    println!(
        "{:<7} {:<8} {:<20} {:<7} {:<20} {:<16} ACTION",
        "CODE", "STATUS", "REQUESTED", "RUNTIME", "EXPIRES", "APPROVED BY"
    );
    for x in items {
        let status = x.status(now);
        let expires = match (&x.grant, status) {
            (Some(g), _) => g.until,
            (None, _) => x.request_expires_at,
        };
        let by = x.grant.as_ref().map(|g| g.by.as_str()).unwrap_or("-");
        println!(
            "{:<7} {:<8} {:<20} {:<7} {:<20} {:<16} {}: {}",
            x.code,
            status.as_str(),
            short_time(x.requested_at),
            x.runtime.as_str(),
            short_time(expires),
            by,
            x.tool,
            x.summary
        );
    }
    Ok(0)
}

/// `2026-11-23 11:30:00Z`: readable in a table.
fn short_time(t: i64) -> String {
    let s = rfc3339(t, 0);
    format!("{} {}Z", &s[..10], &s[11..19])
}
