//! What the service keeps and the rules for changing it: machines file approval requests and
//! read their own outcomes, approvers with the request's role decide them, and every step is
//! an event in the audit trail.
//!
//! Each operation is one transaction ([`crate::db::Conn::transact`]). Filing is idempotent per
//! machine and action (a unique index admits one pending request per action), so a hook that
//! retries, or two replicas that receive the same filing at once, yield one request. A
//! decision is an update conditioned on the request still pending: of two approvers acting at
//! once exactly one wins, the other is told who did. A once-grant is consumed by an update
//! conditioned on it being unused, so it allows exactly one retry.

use crate::auth::{self, Approver, Machine};
use crate::db::{Conn, DbError, Row, Tx, Val};
use serde::{Deserialize, Serialize};

/// How long a request waits for a person.
pub const REQUEST_TTL: i64 = 24 * 3600;
/// How long a once-grant waits for the retry.
pub const ONCE_TTL: i64 = 3600;
/// The longest grant for a duration.
pub const MAX_GRANT: i64 = 7 * 24 * 3600;
/// How long a person stays logged in.
pub const SESSION_TTL: i64 = 12 * 3600;

/// The role that may grant any request.
pub const ANY_ROLE: &str = "*";

/// What a hook sends: the action and everything a person needs to judge it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Filing {
    /// The action's fingerprint: runtime, session, tool and normalized input, hashed.
    pub action: String,
    pub runtime: String,
    pub session_id: String,
    pub tool: String,
    /// One line: the command, or what the tool does.
    pub summary: String,
    /// The command or diff in full (bounded by the hook).
    pub detail: String,
    pub rule_ids: Vec<String>,
    pub approver_role: Option<String>,
    pub reason: String,
    pub risk: i64,
    pub repo: String,
    pub cwd: String,
    /// The OS user the agent runs as.
    pub user: String,
}

impl Filing {
    /// Bounds every field, so one filing cannot fill the database.
    pub fn validate(&mut self) -> Result<(), String> {
        if self.action.is_empty()
            || self.action.len() > 128
            || !self.action.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(
                "`action` must be the action's fingerprint (1-128 letters and digits)".into(),
            );
        }
        for (name, v, max) in [
            ("runtime", &mut self.runtime, 64),
            ("session_id", &mut self.session_id, 256),
            ("tool", &mut self.tool, 256),
            ("summary", &mut self.summary, 1024),
            ("detail", &mut self.detail, 32 * 1024),
            ("reason", &mut self.reason, 4096),
            ("repo", &mut self.repo, 1024),
            ("cwd", &mut self.cwd, 1024),
            ("user", &mut self.user, 256),
        ] {
            if v.len() > max {
                return Err(format!("`{name}` is longer than {max} bytes"));
            }
        }
        if self.rule_ids.len() > 64 || self.rule_ids.iter().any(|r| r.len() > 256) {
            return Err("`rule_ids`: at most 64 ids of at most 256 bytes".into());
        }
        if self.approver_role.as_ref().is_some_and(|r| r.len() > 128) {
            return Err("`approver_role` is longer than 128 bytes".into());
        }
        self.risk = self.risk.clamp(0, 100);
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Approved,
    Rejected,
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Expired => "expired",
        }
    }

    fn parse(s: &str) -> Status {
        match s {
            "approved" => Status::Approved,
            "rejected" => Status::Rejected,
            "expired" => Status::Expired,
            _ => Status::Pending,
        }
    }
}

/// A request as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub id: String,
    pub machine: String,
    pub action: String,
    pub runtime: String,
    pub session_id: String,
    pub tool: String,
    pub summary: String,
    pub detail: String,
    pub rule_ids: Vec<String>,
    pub approver_role: Option<String>,
    pub reason: String,
    pub risk: i64,
    pub repo: String,
    pub cwd: String,
    pub requested_by: String,
    pub status: Status,
    pub filed_at: i64,
    pub expires_at: i64,
    pub decided_by: Option<String>,
    pub decided_role: Option<String>,
    pub decided_at: Option<i64>,
    pub grant_until: Option<i64>,
    pub once: bool,
    pub note: Option<String>,
    pub used_at: Option<i64>,
    pub uses: i64,
}

const REQUEST_COLUMNS: &str = "r.id, m.name, r.action, r.runtime, r.session_id, r.tool, r.summary, r.detail, r.rule_ids, r.approver_role, r.reason, r.risk, r.repo, r.cwd, r.requested_by, r.status, r.filed_at, r.expires_at, r.decided_by, r.decided_role, r.decided_at, r.grant_until, r.once, r.note, r.used_at, r.uses";

fn request_of(r: &Row) -> Request {
    let g = |i: usize| r.get(i).cloned().unwrap_or(Val::Null);
    Request {
        id: g(0).text(),
        machine: g(1).text(),
        action: g(2).text(),
        runtime: g(3).text(),
        session_id: g(4).text(),
        tool: g(5).text(),
        summary: g(6).text(),
        detail: g(7).text(),
        rule_ids: serde_json::from_str(&g(8).text()).unwrap_or_default(),
        approver_role: g(9).opt_text(),
        reason: g(10).text(),
        risk: g(11).int(),
        repo: g(12).text(),
        cwd: g(13).text(),
        requested_by: g(14).text(),
        status: Status::parse(&g(15).text()),
        filed_at: g(16).int(),
        expires_at: g(17).int(),
        decided_by: g(18).opt_text(),
        decided_role: g(19).opt_text(),
        decided_at: g(20).opt_int(),
        grant_until: g(21).opt_int(),
        once: g(22).int() != 0,
        note: g(23).opt_text(),
        used_at: g(24).opt_int(),
        uses: g(25).int(),
    }
}

/// What a machine is told about its request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub id: String,
    pub status: Status,
    /// Path of the request in the inbox.
    pub path: String,
    /// A new request was filed by this call.
    #[serde(default)]
    pub filed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
    #[serde(default)]
    pub once: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What the request says it is for, as filed: the hook checks that an approved request
    /// describes the action it is about to allow, so a request filed with the machine
    /// credential by anything else (an agent that read the credential) grants nothing.
    #[serde(default)]
    pub runtime: String,
    #[serde(default)]
    pub session_id: String,
    #[serde(default)]
    pub tool: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub rule_ids: Vec<String>,
}

impl Outcome {
    fn of(r: &Request, filed: bool) -> Outcome {
        Outcome {
            id: r.id.clone(),
            status: r.status,
            path: format!("/requests/{}", r.id),
            filed,
            approver_role: r.approver_role.clone(),
            decided_by: r.decided_by.clone(),
            decided_role: r.decided_role.clone(),
            decided_at: r.decided_at,
            until: r.grant_until,
            once: r.once,
            note: r.note.clone(),
            runtime: r.runtime.clone(),
            session_id: r.session_id.clone(),
            tool: r.tool.clone(),
            summary: r.summary.clone(),
            detail: r.detail.clone(),
            rule_ids: r.rule_ids.clone(),
        }
    }
}

/// What an approver decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    ApproveOnce,
    ApproveFor(i64),
    Reject,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no such request")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

fn new_id(prefix: &str) -> Result<String, DbError> {
    auth::random_id(prefix).map_err(|e| DbError::Url(format!("random source: {e}")))
}

/// Appends one event to the audit trail.
#[allow(clippy::too_many_arguments)]
fn event(
    tx: &mut dyn Tx,
    request: Option<&str>,
    actor_kind: &str,
    actor: &str,
    role: Option<&str>,
    what: &str,
    note: Option<&str>,
) -> Result<(), DbError> {
    tx.exec(
        "INSERT INTO events (id, at_ms, request_id, actor_kind, actor, actor_role, what, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            new_id("e")?.into(),
            crate::now_ms().into(),
            request.into(),
            actor_kind.into(),
            actor.into(),
            role.into(),
            what.into(),
            note.into(),
        ],
    )?;
    Ok(())
}

fn load(tx: &mut dyn Tx, id: &str) -> Result<Option<Request>, DbError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM requests r JOIN machines m ON m.id = r.machine_id WHERE r.id = $1"
    );
    Ok(tx.query(&sql, &[id.into()])?.first().map(request_of))
}

/// Files the action's request, or tells the outcome of the one already filed: a live grant
/// (a once-grant is consumed by this call), a rejection while its request would have lived,
/// or the pending request. A new request is filed only when none of these exists.
pub fn file_or_check(
    conn: &mut Conn,
    machine: &Machine,
    f: &Filing,
    now: i64,
) -> Result<Outcome, StoreError> {
    let rules = serde_json::to_string(&f.rule_ids).unwrap_or_else(|_| "[]".into());
    Ok(conn.transact(|tx| {
        if tx.is_postgres() {
            // Holds the pending request, if any, until this filing commits: a decision on
            // it waits, so the filing cannot miss the grant and file the action anew (the
            // unique index admits a new pending row as soon as the old one is decided).
            // SQLite's write lock, taken when the transaction begins, does the same.
            tx.exec(
                "SELECT id FROM requests WHERE machine_id = $1 AND action = $2 AND status = 'pending' FOR UPDATE",
                &[machine.id.as_str().into(), f.action.as_str().into()],
            )?;
        }
        tx.exec(
            "UPDATE requests SET status = 'expired' WHERE machine_id = $1 AND action = $2 AND status = 'pending' AND expires_at <= $3",
            &[machine.id.as_str().into(), f.action.as_str().into(), now.into()],
        )?;
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests r JOIN machines m ON m.id = r.machine_id
             WHERE r.machine_id = $1 AND r.action = $2 AND r.status = 'approved' AND r.grant_until > $3
             ORDER BY r.decided_at DESC"
        );
        let grants = tx.query(&sql, &[machine.id.as_str().into(), f.action.as_str().into(), now.into()])?;
        for g in grants.iter().map(request_of) {
            let used = if g.once {
                tx.exec(
                    "UPDATE requests SET used_at = $1, uses = uses + 1 WHERE id = $2 AND used_at IS NULL",
                    &[now.into(), g.id.as_str().into()],
                )?
            } else {
                tx.exec(
                    "UPDATE requests SET uses = uses + 1 WHERE id = $1",
                    &[g.id.as_str().into()],
                )?
            };
            if used == 1 {
                event(tx, Some(&g.id), "machine", &machine.name, None, "used", None)?;
                return Ok(Outcome::of(&g, false));
            }
        }
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests r JOIN machines m ON m.id = r.machine_id
             WHERE r.machine_id = $1 AND r.action = $2 AND r.status = 'rejected' AND r.expires_at > $3
             ORDER BY r.decided_at DESC"
        );
        let rejected = tx.query(&sql, &[machine.id.as_str().into(), f.action.as_str().into(), now.into()])?;
        if let Some(r) = rejected.first().map(request_of) {
            return Ok(Outcome::of(&r, false));
        }
        let id = new_id("r")?;
        let inserted = tx.exec(
            "INSERT INTO requests (id, machine_id, action, runtime, session_id, tool, summary, detail, rule_ids, approver_role, reason, risk, repo, cwd, requested_by, status, filed_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'pending', $16, $17)
             ON CONFLICT DO NOTHING",
            &[
                id.as_str().into(),
                machine.id.as_str().into(),
                f.action.as_str().into(),
                f.runtime.as_str().into(),
                f.session_id.as_str().into(),
                f.tool.as_str().into(),
                f.summary.as_str().into(),
                f.detail.as_str().into(),
                rules.as_str().into(),
                f.approver_role.as_deref().into(),
                f.reason.as_str().into(),
                f.risk.into(),
                f.repo.as_str().into(),
                f.cwd.as_str().into(),
                f.user.as_str().into(),
                now.into(),
                (now + REQUEST_TTL).into(),
            ],
        )?;
        if inserted == 1 {
            event(tx, Some(&id), "machine", &machine.name, None, "filed", None)?;
        }
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests r JOIN machines m ON m.id = r.machine_id
             WHERE r.machine_id = $1 AND r.action = $2 AND r.status = 'pending'"
        );
        let pending = tx.query(&sql, &[machine.id.as_str().into(), f.action.as_str().into()])?;
        match pending.first().map(request_of) {
            Some(r) => Ok(Outcome::of(&r, inserted == 1)),
            // Unreachable: the insert either added the row or met the one pending row.
            None => Err(DbError::Url("the pending request vanished".into())),
        }
    })?)
}

/// The outcome of one of the machine's own requests, without consuming it. Another
/// machine's request, and an id that does not exist, are the same answer: not found.
pub fn outcome_for(conn: &mut Conn, machine: &Machine, id: &str) -> Result<Outcome, StoreError> {
    let r = conn.transact(|tx| load(tx, id))?;
    match r {
        Some(r) if r.machine == machine.name => Ok(Outcome::of(&r, false)),
        _ => Err(StoreError::NotFound),
    }
}

/// Whether `a` may decide a request that asks for `role`.
pub fn may_decide(a: &Approver, role: Option<&str>) -> bool {
    match role {
        None => !a.roles.is_empty(),
        Some(r) => a.roles.iter().any(|have| have == r || have == ANY_ROLE),
    }
}

/// An approver decides a pending request. Refusals (no role) are audited too.
pub fn decide(
    conn: &mut Conn,
    a: &Approver,
    id: &str,
    verdict: &Verdict,
    note: Option<&str>,
    now: i64,
) -> Result<Request, StoreError> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if *verdict == Verdict::Reject && note.is_none() {
        return Err(StoreError::Invalid(
            "a rejection needs a note: the developer is told why".into(),
        ));
    }
    if let Verdict::ApproveFor(s) = verdict {
        if *s <= 0 || *s > MAX_GRANT {
            return Err(StoreError::Invalid(format!(
                "a grant lasts between 1 second and {} days",
                MAX_GRANT / 86400
            )));
        }
    }
    if note.is_some_and(|n| n.len() > 2000) {
        return Err(StoreError::Invalid(
            "the note is longer than 2000 bytes".into(),
        ));
    }
    let outcome = conn.transact(|tx| {
        let Some(r) = load(tx, id)? else {
            return Ok(Err(StoreError::NotFound));
        };
        let role_used = match &r.approver_role {
            Some(role) if a.roles.iter().any(|h| h == role) => Some(role.clone()),
            Some(_) if a.roles.iter().any(|h| h == ANY_ROLE) => Some(ANY_ROLE.to_string()),
            Some(role) => {
                let why = format!(
                    "{} does not hold the role `{role}` this request needs (holds: {})",
                    a.name,
                    a.roles.join(", ")
                );
                event(tx, Some(&r.id), "approver", &a.name, None, "refused", Some(&why))?;
                return Ok(Err(StoreError::Forbidden(why)));
            }
            None => a.roles.first().cloned(),
        };
        let (status, until, once) = match verdict {
            Verdict::ApproveOnce => ("approved", Some(now + ONCE_TTL), 1),
            Verdict::ApproveFor(s) => ("approved", Some(now + s), 0),
            Verdict::Reject => ("rejected", None, 0),
        };
        let changed = tx.exec(
            "UPDATE requests SET status = $1, decided_by = $2, decided_role = $3, decided_at = $4, grant_until = $5, once = $6, note = $7
             WHERE id = $8 AND status = 'pending' AND expires_at > $9",
            &[
                status.into(),
                a.name.as_str().into(),
                role_used.as_deref().into(),
                now.into(),
                until.into(),
                Val::Int(once),
                note.into(),
                r.id.as_str().into(),
                now.into(),
            ],
        )?;
        if changed != 1 {
            let why = match (r.status, &r.decided_by) {
                (Status::Pending, _) => "the request expired".to_string(),
                (s, Some(by)) => format!("the request was already {} by {by}", s.as_str()),
                (s, None) => format!("the request is {}", s.as_str()),
            };
            return Ok(Err(StoreError::Conflict(why)));
        }
        let what = match verdict {
            Verdict::ApproveOnce => "approved once".to_string(),
            Verdict::ApproveFor(s) => format!("approved for {}", crate::web::duration_text(*s)),
            Verdict::Reject => "rejected".to_string(),
        };
        event(tx, Some(&r.id), "approver", &a.name, role_used.as_deref(), &what, note)?;
        Ok(load(tx, id)?.ok_or(StoreError::NotFound))
    })?;
    outcome
}

/// Filters of the inbox list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub role: Option<String>,
    pub repo: Option<String>,
    pub machine: Option<String>,
    /// Text in the summary, tool or rule ids.
    pub text: Option<String>,
    pub limit: i64,
}

pub fn list(conn: &mut Conn, f: &Filter, now: i64) -> Result<Vec<Request>, StoreError> {
    let mut sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM requests r JOIN machines m ON m.id = r.machine_id WHERE 1 = 1"
    );
    let mut params: Vec<Val> = Vec::new();
    let add = |clause: &str, v: Val, params: &mut Vec<Val>, sql: &mut String| {
        params.push(v);
        sql.push_str(&clause.replace("$?", &format!("${}", params.len())));
    };
    match f.status {
        Some(Status::Pending) => {
            add(
                " AND r.status = 'pending' AND r.expires_at > $?",
                now.into(),
                &mut params,
                &mut sql,
            );
        }
        Some(Status::Expired) => {
            add(
                " AND (r.status = 'expired' OR (r.status = 'pending' AND r.expires_at <= $?))",
                now.into(),
                &mut params,
                &mut sql,
            );
        }
        Some(s) => add(
            " AND r.status = $?",
            s.as_str().into(),
            &mut params,
            &mut sql,
        ),
        None => {}
    }
    if let Some(role) = &f.role {
        add(
            " AND r.approver_role = $?",
            role.into(),
            &mut params,
            &mut sql,
        );
    }
    if let Some(repo) = &f.repo {
        add(
            " AND r.repo LIKE $?",
            format!("%{}%", like_escape(repo)).into(),
            &mut params,
            &mut sql,
        );
    }
    if let Some(m) = &f.machine {
        add(" AND m.name = $?", m.into(), &mut params, &mut sql);
    }
    if let Some(t) = &f.text {
        let pat = format!("%{}%", like_escape(t));
        add(
            " AND (r.summary LIKE $? ESCAPE '!'",
            pat.clone().into(),
            &mut params,
            &mut sql,
        );
        add(
            " OR r.tool LIKE $? ESCAPE '!'",
            pat.clone().into(),
            &mut params,
            &mut sql,
        );
        add(
            " OR r.rule_ids LIKE $? ESCAPE '!')",
            pat.into(),
            &mut params,
            &mut sql,
        );
    }
    sql.push_str(" ORDER BY r.filed_at DESC, r.id");
    let limit = if f.limit <= 0 { 200 } else { f.limit.min(1000) };
    add(" LIMIT $?", limit.into(), &mut params, &mut sql);
    let rows = conn.transact(|tx| tx.query(&sql, &params))?;
    let mut out: Vec<Request> = rows.iter().map(request_of).collect();
    for r in &mut out {
        if r.status == Status::Pending && r.expires_at <= now {
            r.status = Status::Expired;
        }
    }
    Ok(out)
}

fn like_escape(s: &str) -> String {
    s.replace('!', "!!").replace('%', "!%").replace('_', "!_")
}

pub fn get(conn: &mut Conn, id: &str) -> Result<Request, StoreError> {
    conn.transact(|tx| load(tx, id))?
        .ok_or(StoreError::NotFound)
}

/// One line of the audit trail.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: String,
    pub at_ms: i64,
    pub request_id: Option<String>,
    pub actor_kind: String,
    pub actor: String,
    pub actor_role: Option<String>,
    pub what: String,
    pub note: Option<String>,
}

pub fn history(
    conn: &mut Conn,
    request: Option<&str>,
    limit: i64,
) -> Result<Vec<Event>, StoreError> {
    let limit = limit.clamp(1, 5000);
    let rows = conn.transact(|tx| match request {
        Some(id) => tx.query(
            "SELECT id, at_ms, request_id, actor_kind, actor, actor_role, what, note FROM events WHERE request_id = $1 ORDER BY at_ms, id LIMIT $2",
            &[id.into(), limit.into()],
        ),
        None => tx.query(
            "SELECT id, at_ms, request_id, actor_kind, actor, actor_role, what, note FROM events ORDER BY at_ms DESC, id LIMIT $1",
            &[limit.into()],
        ),
    })?;
    Ok(rows
        .iter()
        .map(|r| {
            let g = |i: usize| r.get(i).cloned().unwrap_or(Val::Null);
            Event {
                id: g(0).text(),
                at_ms: g(1).int(),
                request_id: g(2).opt_text(),
                actor_kind: g(3).text(),
                actor: g(4).text(),
                actor_role: g(5).opt_text(),
                what: g(6).text(),
                note: g(7).opt_text(),
            }
        })
        .collect())
}

/// Adds an approver; returns the token, shown once.
pub fn add_approver(conn: &mut Conn, name: &str, roles: &[String]) -> Result<String, StoreError> {
    check_name(name)?;
    if roles.is_empty() || roles.iter().any(|r| r.is_empty() || r.contains(',')) {
        return Err(StoreError::Invalid(
            "give at least one role (--role NAME; `*` grants any role)".into(),
        ));
    }
    let token = auth::new_token(auth::APPROVER_PREFIX).map_err(StoreError::Invalid)?;
    let id = new_id("a")?;
    let n = conn.transact(|tx| {
        let n = tx.exec(
            "INSERT INTO approvers (id, name, roles, token_hash, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[id.as_str().into(), name.into(), roles.join(",").into(), auth::hash(&token).into(), crate::now().into()],
        )?;
        if n == 1 {
            event(tx, None, "admin", name, Some(&roles.join(",")), "approver added", None)?;
        }
        Ok(n)
    })?;
    if n != 1 {
        return Err(StoreError::Conflict(format!(
            "an approver named `{name}` exists"
        )));
    }
    Ok(token)
}

/// Adds a machine; returns its token, shown once.
pub fn add_machine(conn: &mut Conn, name: &str) -> Result<String, StoreError> {
    check_name(name)?;
    let token = auth::new_token(auth::MACHINE_PREFIX).map_err(StoreError::Invalid)?;
    let id = new_id("m")?;
    let n = conn.transact(|tx| {
        let n = tx.exec(
            "INSERT INTO machines (id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[id.as_str().into(), name.into(), auth::hash(&token).into(), crate::now().into()],
        )?;
        if n == 1 {
            event(tx, None, "admin", name, None, "machine added", None)?;
        }
        Ok(n)
    })?;
    if n != 1 {
        return Err(StoreError::Conflict(format!(
            "a machine named `{name}` exists"
        )));
    }
    Ok(token)
}

/// Revokes an approver (their token and every session) or a machine (its token). Rows stay:
/// the audit trail keeps naming them.
pub fn revoke(conn: &mut Conn, kind: &str, name: &str) -> Result<(), StoreError> {
    let n = conn.transact(|tx| {
        let n = match kind {
            "approver" => {
                tx.exec(
                    "DELETE FROM sessions WHERE approver_id IN (SELECT id FROM approvers WHERE name = $1)",
                    &[name.into()],
                )?;
                tx.exec(
                    "UPDATE approvers SET disabled = 1 WHERE name = $1",
                    &[name.into()],
                )?
            }
            _ => tx.exec(
                "UPDATE machines SET disabled = 1 WHERE name = $1",
                &[name.into()],
            )?,
        };
        if n == 1 {
            event(tx, None, "admin", name, None, &format!("{kind} revoked"), None)?;
        }
        Ok(n)
    })?;
    if n != 1 {
        return Err(StoreError::Invalid(format!("no {kind} is named `{name}`")));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c))
    {
        return Err(StoreError::Invalid(format!(
            "`{name}`: a name is 1-64 letters, digits, `-`, `_`, `.` or `@`"
        )));
    }
    Ok(())
}

/// How many approvers exist.
pub fn approver_count(conn: &mut Conn) -> Result<i64, StoreError> {
    let rows = conn.transact(|tx| tx.query("SELECT COUNT(*) FROM approvers", &[]))?;
    Ok(rows
        .first()
        .and_then(|r| r.first())
        .map(Val::int)
        .unwrap_or(0))
}

pub fn machine_by_token(conn: &mut Conn, token: &str) -> Result<Option<Machine>, StoreError> {
    let rows = conn.transact(|tx| {
        tx.query(
            "SELECT id, name FROM machines WHERE token_hash = $1 AND disabled = 0",
            &[auth::hash(token).into()],
        )
    })?;
    Ok(rows.first().map(|r| Machine {
        id: r[0].text(),
        name: r[1].text(),
    }))
}

fn approver_of(r: &Row) -> Approver {
    Approver {
        id: r[0].text(),
        name: r[1].text(),
        roles: r[2]
            .text()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
    }
}

pub fn approver_by_token(conn: &mut Conn, token: &str) -> Result<Option<Approver>, StoreError> {
    let rows = conn.transact(|tx| {
        tx.query(
            "SELECT id, name, roles FROM approvers WHERE token_hash = $1 AND disabled = 0",
            &[auth::hash(token).into()],
        )
    })?;
    Ok(rows.first().map(approver_of))
}

/// Opens a browser session for an approver; returns the session secret and its CSRF token.
pub fn login(conn: &mut Conn, a: &Approver, now: i64) -> Result<(String, String), StoreError> {
    let secret = auth::new_token("s_").map_err(StoreError::Invalid)?;
    let csrf = auth::new_token("c_").map_err(StoreError::Invalid)?;
    conn.transact(|tx| {
        tx.exec("DELETE FROM sessions WHERE expires_at <= $1", &[now.into()])?;
        tx.exec(
            "INSERT INTO sessions (id_hash, approver_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            &[auth::hash(&secret).into(), a.id.as_str().into(), csrf.as_str().into(), now.into(), (now + SESSION_TTL).into()],
        )?;
        event(tx, None, "approver", &a.name, None, "logged in", None)
    })?;
    Ok((secret, csrf))
}

/// The approver and CSRF token of a live session.
pub fn session(
    conn: &mut Conn,
    secret: &str,
    now: i64,
) -> Result<Option<(Approver, String)>, StoreError> {
    let rows = conn.transact(|tx| {
        tx.query(
            "SELECT a.id, a.name, a.roles, s.csrf FROM sessions s JOIN approvers a ON a.id = s.approver_id
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND a.disabled = 0",
            &[auth::hash(secret).into(), now.into()],
        )
    })?;
    Ok(rows.first().map(|r| (approver_of(r), r[3].text())))
}

pub fn logout(conn: &mut Conn, secret: &str) -> Result<(), StoreError> {
    conn.transact(|tx| {
        tx.exec(
            "DELETE FROM sessions WHERE id_hash = $1",
            &[auth::hash(secret).into()],
        )
    })?;
    Ok(())
}
