//! `hookwarden approve <code>` and `hookwarden approvals`: a person grants an action that a
//! runtime could not ask about, and sees what is waiting.
//!
//! Only a person at a terminal can approve. `approve` refuses (exit 1) when stdin is not a
//! terminal or when the environment shows a coding agent's tool call (see
//! [`hookwarden::approvers::agent_marker`]). Otherwise it shows the pending request and asks
//! the person to type a fresh nonce from the OS random source, shown only on that terminal
//! (`Type <NONCE> to approve: `); a wrong answer refuses with exit 1. The approver recorded
//! is the OS user (uid and name), and the grant is signed ([`hookwarden::keys`]). With a
//! managed key pair in `/etc/hookwarden`, approving needs `sudo hookwarden approve <code>`.
//!
//! Honest limit: an agent running as the same user can strip those variables and drive a
//! pseudo-terminal of its own; the nonce then only slows it. Managed mode, where signing needs
//! root, is the boundary an agent without root cannot cross.

use anyhow::Result;
use clap::Args;
use hookwarden::approvers::{self, Approver};
use hookwarden::engine::approvals::{self, GrantRequest};
use hookwarden::keys::{self, Signer};
use hookwarden::state::Store;
use hookwarden::state::{Approval, Status};
use hookwarden::time::rfc3339;
use std::io::{BufRead, IsTerminal, Write};

#[derive(Args)]
pub struct ApproveArgs {
    /// The code from the agent's message (`hookwarden approve K7M2QX`).
    #[arg(required_unless_present = "init_managed_key")]
    code: Option<String>,
    /// Allow the action once, within the next hour (the default).
    #[arg(long, conflicts_with = "for_")]
    once: bool,
    /// Allow the same action repeatedly for this long (`30m`, `2h`, `1d`).
    #[arg(long = "for", value_name = "DURATION")]
    for_: Option<String>,
    /// Why it was approved; recorded in the audit log.
    #[arg(long)]
    note: Option<String>,
    /// Create the managed approver key pair in /etc/hookwarden (run with sudo): from then on
    /// only grants signed by root count, and approving needs `sudo hookwarden approve`.
    #[arg(long, conflicts_with_all = ["code", "once", "for_", "note"])]
    init_managed_key: bool,
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
    hookwarden::time::now_secs()
}

const NOT_A_PERSON: &str =
    "approvals must be given by a person at a terminal, outside the agent session";

/// Refuses with exit 1 and says why.
fn refuse(why: &str) -> Result<i32> {
    eprintln!("hookwarden: {why}");
    Ok(1)
}

/// Under `sudo`, the state and audit log are the invoking user's, not root's.
fn use_invoking_users_data_dir(who: &Approver) {
    if !who.via_sudo || std::env::var_os("HOOKWARDEN_DATA_DIR").is_some() {
        return;
    }
    let Some(home) = approvers::home_of(who.uid) else {
        return;
    };
    let dir = if cfg!(target_os = "macos") {
        home.join("Library/Application Support/hookwarden")
    } else {
        home.join(".local/share/hookwarden")
    };
    // Single-threaded here, before anything reads the environment.
    std::env::set_var("HOOKWARDEN_DATA_DIR", dir);
}

/// The terminal to talk to: `/dev/tty`, else stderr and stdin.
struct Tty {
    file: Option<std::fs::File>,
}

impl Tty {
    fn open() -> Tty {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok();
        Tty { file }
    }

    fn say(&mut self, text: &str) {
        match &mut self.file {
            Some(f) => {
                let _ = f.write_all(text.as_bytes());
                let _ = f.flush();
            }
            None => {
                eprint!("{text}");
            }
        }
    }

    fn read_line(&mut self) -> String {
        let mut line = String::new();
        match &self.file {
            Some(f) => {
                let _ = std::io::BufReader::new(f).read_line(&mut line);
            }
            None => {
                let _ = std::io::stdin().lock().read_line(&mut line);
            }
        }
        line
    }
}

fn describe(a: &Approval, scope: &str) -> String {
    let mut out = format!("Approval request {}\n", a.code);
    let mut row = |k: &str, v: &str| {
        if !v.is_empty() {
            out.push_str(&format!("  {k:<10} {v}\n"));
        }
    };
    row("runtime", a.runtime.as_str());
    row("session", &a.session_id);
    row("action", &format!("{}: {}", a.tool, a.summary));
    row("rule", &a.rule_ids.join(", "));
    row("reason", &a.reason);
    row("risk", &a.risk.to_string());
    row("role", a.approver_role.as_deref().unwrap_or(""));
    row(
        "requested",
        &format!(
            "{} (the request expires {})",
            rfc3339(a.requested_at, 0),
            rfc3339(a.request_expires_at, 0)
        ),
    );
    row("grant", scope);
    out
}

pub fn approve(a: ApproveArgs) -> Result<i32> {
    let who = approvers::current();
    use_invoking_users_data_dir(&who);
    if a.init_managed_key {
        let (private, public) = keys::init_managed()?;
        println!(
            "Created the managed approver key {} (root only) and {}.\nFrom now on only grants signed with it count: approve with `sudo hookwarden approve <code>`.",
            private.display(),
            public.display()
        );
        return Ok(0);
    }
    let for_secs =
        match &a.for_ {
            Some(d) => Some(hookwarden::time::parse_duration(d).ok_or_else(|| {
                anyhow::anyhow!("--for `{d}` is not a duration (e.g. 30m, 2h, 1d)")
            })?),
            None => None,
        };
    if let Some(var) = approvers::agent_marker(std::env::vars_os().map(|(k, _)| k)) {
        return refuse(&format!(
            "{NOT_A_PERSON} ({var} is set: this runs under a coding agent). Run `hookwarden approve` in a terminal of your own."
        ));
    }
    if !std::io::stdin().is_terminal() {
        return refuse(&format!(
            "{NOT_A_PERSON} (stdin is not a terminal). Run `hookwarden approve` in a terminal of your own."
        ));
    }
    let code = approvals::normalize_code(a.code.as_deref().unwrap_or(""));
    let store = Store::open_default()?;
    let mut warnings = Vec::new();
    let state = store.read(&mut warnings)?;
    for w in warnings.drain(..) {
        eprintln!("hookwarden: warning: {w}");
    }
    let now = now();
    let Some(pending) = state.approvals.get(&code) else {
        return refuse(&approvals::ApproveError::Unknown(code).to_string());
    };
    if let Err(e) = approvals::grantable(pending, now) {
        return refuse(&e.to_string());
    }
    let roles_path = hookwarden::dirs::approvers_path();
    let roles = match approvers::load(&roles_path) {
        Ok(r) => r,
        Err(e) => return refuse(&e.to_string()),
    };
    let authorize = |x: &Approval| {
        approvers::check(
            roles.as_ref(),
            &roles_path,
            x.approver_role.as_deref(),
            &who,
        )
        .map_err(|e| e.to_string())
    };
    if let Err(e) = authorize(pending) {
        return refuse(&e);
    }
    if who.via_sudo && !keys::managed() {
        // Root would create or read the personal key as root, and the user's hooks could then
        // verify nothing.
        return refuse(
            "this machine has no managed approver key: run `hookwarden approve` without sudo, or set up managed approvals with `sudo hookwarden approve --init-managed-key`",
        );
    }
    let signer = match Signer::load(store.dir()) {
        Ok(s) => s,
        Err(e) => return refuse(&e.to_string()),
    };
    let scope = match &a.for_ {
        Some(d) => format!("repeatedly for {d}"),
        None => "once, within the next hour".to_string(),
    };
    let nonce = keys::random_code(6)?;
    let mut tty = Tty::open();
    tty.say(&describe(pending, &scope));
    tty.say(&format!("Type {nonce} to approve: "));
    let typed = tty.read_line();
    if !typed.trim().eq_ignore_ascii_case(&nonce) {
        return refuse("the confirmation did not match; nothing was approved.");
    }
    let req = GrantRequest {
        code: code.clone(),
        by: who.name.clone(),
        uid: Some(who.uid),
        via_sudo: who.via_sudo,
        for_secs,
        note: a.note.clone(),
    };
    let res = approvals::grant(&store, &req, now, &signer, &authorize, &mut warnings);
    for w in &warnings {
        eprintln!("hookwarden: warning: {w}");
    }
    let granted = match res {
        Ok(g) => g,
        Err(e) => return refuse(&e.to_string()),
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
        "Approved {} for {} in {} session {}: {}\nAllowed {scope}, approved by {} (uid {}{}). The agent can now retry the same action unchanged.",
        granted.code,
        granted.tool,
        granted.runtime,
        granted.session_id,
        granted.summary,
        g.by,
        who.uid,
        if signer.is_managed() { ", managed key" } else { "" }
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
