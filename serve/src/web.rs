//! The HTTP side: the JSON API hooks call and the server-rendered inbox people use.
//!
//! `hook --(POST /api/v1/requests, machine token)--> store::file_or_check --> outcome`
//! `person --(login form -> session cookie; forms with CSRF token)--> store::decide --> event`
//!
//! A fixed pool of worker threads each owns one database connection and serves requests from
//! one listening socket. Pages are plain HTML forms: no script, nothing loaded from elsewhere,
//! and a Content-Security-Policy that forbids both.

use crate::auth::{self, Approver, Machine};
use crate::db::{Conn, Location};
use crate::store::{self, Filing, Filter, Status, StoreError, Verdict};
use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    pub database: Location,
    pub threads: usize,
    /// Requests a machine may file per minute (a burst of as many is allowed).
    pub intake_per_minute: u32,
    /// Mark the session cookie `Secure` (behind a TLS proxy).
    pub secure_cookies: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: "127.0.0.1:8470".into(),
            database: Location::Sqlite("hookwarden-serve.db".into()),
            threads: 8,
            intake_per_minute: 120,
            secure_cookies: false,
        }
    }
}

/// Per-machine token buckets for intake. Each replica counts its own: behind N replicas a
/// machine gets at most N times the rate, still bounded.
pub struct Limiter {
    per_minute: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Limiter {
    pub fn new(per_minute: u32) -> Limiter {
        Limiter {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn allow(&self, key: &str) -> bool {
        let Ok(mut b) = self.buckets.lock() else {
            return false;
        };
        let now = Instant::now();
        let cap = self.per_minute;
        let e = b.entry(key.to_string()).or_insert((cap, now));
        let refill = now.duration_since(e.1).as_secs_f64() * cap / 60.0;
        e.0 = (e.0 + refill).min(cap);
        e.1 = now;
        if e.0 >= 1.0 {
            e.0 -= 1.0;
            true
        } else {
            false
        }
    }
}

/// A running service.
pub struct Running {
    server: Arc<tiny_http::Server>,
    workers: Vec<std::thread::JoinHandle<()>>,
    pub addr: SocketAddr,
}

impl Running {
    /// Stops accepting, lets the workers finish, and returns.
    pub fn stop(self) {
        for _ in &self.workers {
            self.server.unblock();
        }
        for w in self.workers {
            let _ = w.join();
        }
    }

    /// Serves until the process ends.
    pub fn wait(self) {
        for w in self.workers {
            let _ = w.join();
        }
    }
}

/// Migrates the database, binds the address and starts the workers.
pub fn start(cfg: &Config) -> anyhow::Result<Running> {
    let mut first = Conn::open(&cfg.database)?;
    crate::db::migrate(&mut first)?;
    let server = tiny_http::Server::http(&cfg.listen)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.listen))?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| anyhow::anyhow!("{} is not an IP address", cfg.listen))?;
    let server = Arc::new(server);
    let limiter = Arc::new(Limiter::new(cfg.intake_per_minute));
    let mut workers = Vec::new();
    let mut conns = vec![first];
    for _ in 1..cfg.threads.max(1) {
        conns.push(Conn::open(&cfg.database)?);
    }
    for conn in conns {
        let server = server.clone();
        let limiter = limiter.clone();
        let cfg = cfg.clone();
        workers.push(std::thread::spawn(move || {
            let mut conn = conn;
            while let Ok(mut rq) = server.recv() {
                let resp = {
                    let mut ctx = Ctx {
                        conn: &mut conn,
                        limiter: &limiter,
                        cfg: &cfg,
                    };
                    handle(&mut ctx, &mut rq)
                };
                let _ = rq.respond(resp.into_tiny());
            }
        }));
    }
    Ok(Running {
        server,
        workers,
        addr,
    })
}

struct Ctx<'a> {
    conn: &'a mut Conn,
    limiter: &'a Limiter,
    cfg: &'a Config,
}

/// A response before it is written.
pub struct Resp {
    status: u16,
    ctype: &'static str,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
}

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

impl Resp {
    fn json(status: u16, v: &serde_json::Value) -> Resp {
        Resp {
            status,
            ctype: "application/json",
            body: v.to_string().into_bytes(),
            headers: Vec::new(),
        }
    }

    fn error(status: u16, msg: &str) -> Resp {
        Resp::json(status, &serde_json::json!({ "error": msg }))
    }

    fn html(status: u16, body: String) -> Resp {
        Resp {
            status,
            ctype: "text/html; charset=utf-8",
            body: body.into_bytes(),
            headers: Vec::new(),
        }
    }

    fn redirect(to: &str) -> Resp {
        Resp {
            status: 303,
            ctype: "text/plain",
            body: Vec::new(),
            headers: vec![("Location".into(), to.into())],
        }
    }

    fn header(mut self, k: &str, v: String) -> Resp {
        self.headers.push((k.into(), v));
        self
    }

    fn into_tiny(self) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
        let mut r = tiny_http::Response::from_data(self.body).with_status_code(self.status);
        let mut add = |k: &str, v: &str| {
            if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
                r.add_header(h);
            }
        };
        add("Content-Type", self.ctype);
        add("Cache-Control", "no-store");
        add("X-Content-Type-Options", "nosniff");
        add("Referrer-Policy", "no-referrer");
        add("X-Frame-Options", "DENY");
        add("Content-Security-Policy", CSP);
        for (k, v) in &self.headers {
            add(k, v);
        }
        r
    }
}

fn header<'r>(rq: &'r tiny_http::Request, name: &str) -> Option<&'r str> {
    rq.headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

fn cookie<'r>(rq: &'r tiny_http::Request, name: &str) -> Option<&'r str> {
    header(rq, "Cookie")?
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

const MAX_BODY: u64 = 256 * 1024;

fn body(rq: &mut tiny_http::Request) -> Result<Vec<u8>, Resp> {
    let mut buf = Vec::new();
    rq.as_reader()
        .take(MAX_BODY + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Resp::error(400, &format!("cannot read the request body: {e}")))?;
    if buf.len() as u64 > MAX_BODY {
        return Err(Resp::error(413, "request body too large"));
    }
    Ok(buf)
}

/// Decodes `a=1&b=x+y` (query strings and form bodies).
pub fn form(s: &str) -> HashMap<String, String> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let h = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match h {
                    Some(x) => {
                        out.push(x);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn store_error(e: StoreError) -> Resp {
    match e {
        StoreError::NotFound => Resp::error(404, "no such request"),
        StoreError::Forbidden(m) => Resp::error(403, &m),
        StoreError::Conflict(m) => Resp::error(409, &m),
        StoreError::Invalid(m) => Resp::error(400, &m),
        StoreError::Db(e) => {
            eprintln!("hookwarden-serve: database: {e}");
            Resp::error(500, "database error (see the service's log)")
        }
    }
}

enum Caller {
    Machine(Machine),
    Approver(Approver),
}

fn caller(ctx: &mut Ctx, rq: &tiny_http::Request) -> Result<Caller, Resp> {
    let Some(token) = auth::bearer(header(rq, "Authorization")) else {
        return Err(Resp::error(401, "missing `Authorization: Bearer TOKEN`"));
    };
    let found = if token.starts_with(auth::MACHINE_PREFIX) {
        store::machine_by_token(ctx.conn, token).map(|m| m.map(Caller::Machine))
    } else if token.starts_with(auth::APPROVER_PREFIX) {
        store::approver_by_token(ctx.conn, token).map(|a| a.map(Caller::Approver))
    } else {
        Ok(None)
    };
    match found {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(Resp::error(401, "unknown or disabled credential")),
        Err(e) => Err(store_error(e)),
    }
}

fn handle(ctx: &mut Ctx, rq: &mut tiny_http::Request) -> Resp {
    let method = rq.method().as_str().to_ascii_uppercase();
    let url = rq.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let query = form(query);
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["healthz"]) => Resp::json(
            200,
            &serde_json::json!({ "ok": true, "schema": crate::db::schema_version() }),
        ),
        ("POST", ["api", "v1", "requests"]) => api_file(ctx, rq),
        ("GET", ["api", "v1", "requests"]) => api_list(ctx, rq, &query),
        ("GET", ["api", "v1", "requests", id]) => api_get(ctx, rq, id),
        ("POST", ["api", "v1", "requests", id, "decision"]) => api_decide(ctx, rq, id),
        ("GET", ["api", "v1", "history"]) => api_history(ctx, rq, &query),
        ("GET", [""]) => Resp::redirect("/requests"),
        ("GET", ["login"]) => login_page(ctx, None),
        ("POST", ["login"]) => login(ctx, rq),
        ("POST", ["logout"]) => logout(ctx, rq),
        ("GET", ["requests"]) => with_session(ctx, rq, |ctx, a, csrf| inbox(ctx, a, csrf, &query)),
        ("GET", ["requests", id]) => {
            let id = id.to_string();
            with_session(ctx, rq, |ctx, a, csrf| detail(ctx, a, csrf, &id, None))
        }
        ("POST", ["requests", id, "decide"]) => {
            let id = id.to_string();
            match body(rq) {
                Ok(b) => {
                    let f = form(&String::from_utf8_lossy(&b));
                    with_session(ctx, rq, |ctx, a, csrf| decide_form(ctx, a, csrf, &id, &f))
                }
                Err(r) => r,
            }
        }
        ("GET", ["history"]) => with_session(ctx, rq, history_page),
        (_, _) => Resp::html(404, page("Not found", None, "", "<p>Nothing here.</p>")),
    }
}

fn api_file(ctx: &mut Ctx, rq: &mut tiny_http::Request) -> Resp {
    let m = match caller(ctx, rq) {
        Ok(Caller::Machine(m)) => m,
        Ok(Caller::Approver(_)) => {
            return Resp::error(403, "requests are filed with a machine credential")
        }
        Err(r) => return r,
    };
    if !ctx.limiter.allow(&m.id) {
        return Resp::error(429, "too many requests from this machine; retry later")
            .header("Retry-After", "30".into());
    }
    let b = match body(rq) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut f: Filing = match serde_json::from_slice(&b) {
        Ok(f) => f,
        Err(e) => return Resp::error(400, &format!("the filing is not valid JSON: {e}")),
    };
    if let Err(m) = f.validate() {
        return Resp::error(400, &m);
    }
    match store::file_or_check(ctx.conn, &m, &f, crate::now()) {
        Ok(o) => Resp::json(
            if o.filed { 201 } else { 200 },
            &serde_json::to_value(&o).unwrap_or_default(),
        ),
        Err(e) => store_error(e),
    }
}

fn api_get(ctx: &mut Ctx, rq: &tiny_http::Request, id: &str) -> Resp {
    match caller(ctx, rq) {
        Ok(Caller::Machine(m)) => match store::outcome_for(ctx.conn, &m, id) {
            Ok(o) => Resp::json(200, &serde_json::to_value(&o).unwrap_or_default()),
            Err(e) => store_error(e),
        },
        Ok(Caller::Approver(_)) => match store::get(ctx.conn, id) {
            Ok(r) => Resp::json(200, &serde_json::to_value(&r).unwrap_or_default()),
            Err(e) => store_error(e),
        },
        Err(r) => r,
    }
}

fn api_list(ctx: &mut Ctx, rq: &tiny_http::Request, q: &HashMap<String, String>) -> Resp {
    match caller(ctx, rq) {
        Ok(Caller::Approver(_)) => {}
        Ok(Caller::Machine(_)) => {
            return Resp::error(403, "a machine credential reads only its own requests")
        }
        Err(r) => return r,
    }
    match store::list(ctx.conn, &filter_of(q), crate::now()) {
        Ok(rs) => Resp::json(200, &serde_json::to_value(&rs).unwrap_or_default()),
        Err(e) => store_error(e),
    }
}

fn api_history(ctx: &mut Ctx, rq: &tiny_http::Request, q: &HashMap<String, String>) -> Resp {
    match caller(ctx, rq) {
        Ok(Caller::Approver(_)) => {}
        Ok(Caller::Machine(_)) => {
            return Resp::error(403, "a machine credential cannot read the audit trail")
        }
        Err(r) => return r,
    }
    let limit = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(500);
    match store::history(ctx.conn, q.get("request").map(String::as_str), limit) {
        Ok(ev) => Resp::json(200, &serde_json::to_value(&ev).unwrap_or_default()),
        Err(e) => store_error(e),
    }
}

fn api_decide(ctx: &mut Ctx, rq: &mut tiny_http::Request, id: &str) -> Resp {
    let a = match caller(ctx, rq) {
        Ok(Caller::Approver(a)) => a,
        Ok(Caller::Machine(_)) => {
            return Resp::error(403, "a machine credential cannot decide requests")
        }
        Err(r) => return r,
    };
    let b = match body(rq) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let v: serde_json::Value = match serde_json::from_slice(&b) {
        Ok(v) => v,
        Err(e) => return Resp::error(400, &format!("not valid JSON: {e}")),
    };
    let verdict = match (
        v.get("decision").and_then(|d| d.as_str()),
        v.get("for_secs").and_then(|s| s.as_i64()),
    ) {
        (Some("approve"), None) => Verdict::ApproveOnce,
        (Some("approve"), Some(s)) => Verdict::ApproveFor(s),
        (Some("reject"), _) => Verdict::Reject,
        _ => {
            return Resp::error(
                400,
                "`decision` is `approve` (with `for_secs` for a duration) or `reject`",
            )
        }
    };
    let note = v.get("note").and_then(|n| n.as_str());
    match store::decide(ctx.conn, &a, id, &verdict, note, crate::now()) {
        Ok(r) => Resp::json(200, &serde_json::to_value(&r).unwrap_or_default()),
        Err(e) => store_error(e),
    }
}

fn filter_of(q: &HashMap<String, String>) -> Filter {
    let nonempty = |k: &str| {
        q.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let status = match q.get("status").map(String::as_str) {
        None | Some("pending") => Some(Status::Pending),
        Some("approved") => Some(Status::Approved),
        Some("rejected") => Some(Status::Rejected),
        Some("expired") => Some(Status::Expired),
        Some(_) => None,
    };
    Filter {
        status,
        role: nonempty("role"),
        repo: nonempty("repo"),
        machine: nonempty("machine"),
        text: nonempty("q"),
        limit: q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(200),
    }
}

// ---- the inbox -------------------------------------------------------------------------

const SESSION_COOKIE: &str = "hw_session";
const LOGIN_COOKIE: &str = "hw_login";

fn with_session(
    ctx: &mut Ctx,
    rq: &tiny_http::Request,
    f: impl FnOnce(&mut Ctx, &Approver, &str) -> Resp,
) -> Resp {
    let Some(secret) = cookie(rq, SESSION_COOKIE) else {
        return Resp::redirect("/login");
    };
    match store::session(ctx.conn, secret, crate::now()) {
        Ok(Some((a, csrf))) => f(ctx, &a, &csrf),
        Ok(None) => Resp::redirect("/login"),
        Err(e) => store_error(e),
    }
}

fn cookie_attrs(ctx: &Ctx, max_age: i64) -> String {
    let secure = if ctx.cfg.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
}

fn login_page(ctx: &mut Ctx, error: Option<&str>) -> Resp {
    let nonce = match auth::new_token("l_") {
        Ok(n) => n,
        Err(e) => return Resp::error(500, &e),
    };
    let err = error
        .map(|e| format!("<p class=\"error\">{}</p>", esc(e)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign in</h1>{err}
<form method=\"post\" action=\"/login\" class=\"card\">
<input type=\"hidden\" name=\"login\" value=\"{nonce}\">
<label for=\"token\">Approver token</label>
<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" placeholder=\"hwa_…\" required>
<button type=\"submit\" id=\"signin\">Sign in</button>
</form>
<p class=\"muted\">Tokens are issued by <code>hookwarden-serve add-approver NAME --role ROLE</code>.</p>"
    );
    let status = if error.is_some() { 401 } else { 200 };
    Resp::html(status, page("Sign in", None, "", &body)).header(
        "Set-Cookie",
        format!("{LOGIN_COOKIE}={nonce}{}", cookie_attrs(ctx, 600)),
    )
}

fn login(ctx: &mut Ctx, rq: &mut tiny_http::Request) -> Resp {
    let b = match body(rq) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let f = form(&String::from_utf8_lossy(&b));
    let nonce_ok = match (cookie(rq, LOGIN_COOKIE), f.get("login")) {
        (Some(c), Some(v)) => auth::same_secret(c, v),
        _ => false,
    };
    if !nonce_ok {
        return login_page(ctx, Some("The sign-in form expired; try again."));
    }
    let token = f.get("token").map(|t| t.trim()).unwrap_or("");
    if !token.starts_with(auth::APPROVER_PREFIX) {
        return login_page(ctx, Some("That is not an approver token."));
    }
    let a = match store::approver_by_token(ctx.conn, token) {
        Ok(Some(a)) => a,
        Ok(None) => return login_page(ctx, Some("Unknown or disabled token.")),
        Err(e) => return store_error(e),
    };
    match store::login(ctx.conn, &a, crate::now()) {
        Ok((secret, _)) => Resp::redirect("/requests").header(
            "Set-Cookie",
            format!(
                "{SESSION_COOKIE}={secret}{}",
                cookie_attrs(ctx, store::SESSION_TTL)
            ),
        ),
        Err(e) => store_error(e),
    }
}

fn logout(ctx: &mut Ctx, rq: &mut tiny_http::Request) -> Resp {
    let b = match body(rq) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let f = form(&String::from_utf8_lossy(&b));
    let Some(secret) = cookie(rq, SESSION_COOKIE).map(String::from) else {
        return Resp::redirect("/login");
    };
    match store::session(ctx.conn, &secret, crate::now()) {
        Ok(Some((_, csrf))) if f.get("csrf").is_some_and(|c| auth::same_secret(c, &csrf)) => {
            if let Err(e) = store::logout(ctx.conn, &secret) {
                return store_error(e);
            }
            Resp::redirect("/login").header(
                "Set-Cookie",
                format!("{SESSION_COOKIE}=gone{}", cookie_attrs(ctx, 0)),
            )
        }
        Ok(_) => Resp::html(
            403,
            page("Refused", None, "", "<p>Missing or wrong form token.</p>"),
        ),
        Err(e) => store_error(e),
    }
}

fn inbox(ctx: &mut Ctx, a: &Approver, csrf: &str, q: &HashMap<String, String>) -> Resp {
    let filter = filter_of(q);
    let rows = match store::list(ctx.conn, &filter, crate::now()) {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    let sel = |v: &str| {
        if q.get("status").map(String::as_str).unwrap_or("pending") == v {
            " selected"
        } else {
            ""
        }
    };
    let val = |k: &str| esc(q.get(k).map(String::as_str).unwrap_or(""));
    let mut body = format!(
        "<h1>Approval requests</h1>
<form method=\"get\" action=\"/requests\" class=\"filters\">
<label>Status <select name=\"status\">
<option value=\"pending\"{}>pending</option><option value=\"approved\"{}>approved</option>
<option value=\"rejected\"{}>rejected</option><option value=\"expired\"{}>expired</option>
<option value=\"all\"{}>all</option></select></label>
<label>Role <input name=\"role\" value=\"{}\" size=\"14\"></label>
<label>Repo <input name=\"repo\" value=\"{}\" size=\"14\"></label>
<label>Machine <input name=\"machine\" value=\"{}\" size=\"12\"></label>
<label>Text <input name=\"q\" value=\"{}\" size=\"14\"></label>
<button type=\"submit\">Filter</button></form>",
        sel("pending"),
        sel("approved"),
        sel("rejected"),
        sel("expired"),
        sel("all"),
        val("role"),
        val("repo"),
        val("machine"),
        val("q"),
    );
    if rows.is_empty() {
        body.push_str("<p class=\"muted\" id=\"empty\">No requests match.</p>");
    } else {
        body.push_str("<table id=\"requests\"><thead><tr><th>Filed</th><th>Action</th><th>Rule</th><th>Risk</th><th>Role</th><th>Repo</th><th>Who</th><th>Status</th></tr></thead><tbody>");
        for r in &rows {
            let mine = store::may_decide(a, r.approver_role.as_deref());
            body.push_str(&format!(
                "<tr class=\"{}\"><td>{}</td><td><a href=\"/requests/{}\">{} <code>{}</code></a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}@{}</td><td><span class=\"st {}\">{}</span></td></tr>",
                if mine { "mine" } else { "other" },
                esc(&ago(r.filed_at)),
                esc(&r.id),
                esc(&r.tool),
                esc(&r.summary),
                esc(&r.rule_ids.join(", ")),
                risk_badge(r.risk),
                esc(r.approver_role.as_deref().unwrap_or("any")),
                esc(&short_repo(&r.repo)),
                esc(&r.requested_by),
                esc(&r.machine),
                r.status.as_str(),
                r.status.as_str(),
            ));
        }
        body.push_str("</tbody></table>");
    }
    Resp::html(200, page("Approval requests", Some(a), csrf, &body))
}

fn detail(ctx: &mut Ctx, a: &Approver, csrf: &str, id: &str, flash: Option<&str>) -> Resp {
    let r = match store::get(ctx.conn, id) {
        Ok(r) => r,
        Err(StoreError::NotFound) => {
            return Resp::html(
                404,
                page("Not found", Some(a), csrf, "<p>No such request.</p>"),
            )
        }
        Err(e) => return store_error(e),
    };
    let events = store::history(ctx.conn, Some(id), 200).unwrap_or_default();
    let now = crate::now();
    let mut status = r.status;
    if status == Status::Pending && r.expires_at <= now {
        status = Status::Expired;
    }
    let flash = flash
        .map(|f| format!("<p class=\"error\" id=\"flash\">{}</p>", esc(f)))
        .unwrap_or_default();
    let role = r.approver_role.as_deref().unwrap_or("any approver");
    let decided = match (&r.decided_by, r.decided_at) {
        (Some(by), Some(at)) => {
            let scope = match (r.status, r.once, r.grant_until) {
                (Status::Approved, true, _) => " (once)".to_string(),
                (Status::Approved, false, Some(u)) => format!(" (until {})", rfc3339(u)),
                _ => String::new(),
            };
            format!(
                "<tr><th>Decided</th><td>{} by <b>{}</b> ({}) at {}{}{}</td></tr>",
                r.status.as_str(),
                esc(by),
                esc(r.decided_role.as_deref().unwrap_or("")),
                rfc3339(at),
                esc(&scope),
                r.note
                    .as_deref()
                    .map(|n| format!("<br>Note: {}", esc(n)))
                    .unwrap_or_default()
            )
        }
        _ => String::new(),
    };
    let mut body = format!(
        "<p><a href=\"/requests\">← all requests</a></p>
<h1>{} <code>{}</code></h1>{flash}
<p><span class=\"st {}\" id=\"status\">{}</span> {} · needs <b>{}</b></p>
<table class=\"kv\">
<tr><th>Request</th><td><code>{}</code></td></tr>
<tr><th>Rule</th><td><code>{}</code></td></tr>
<tr><th>Reason</th><td>{}</td></tr>
<tr><th>Risk</th><td>{}</td></tr>
<tr><th>Repo</th><td><code>{}</code></td></tr>
<tr><th>Directory</th><td><code>{}</code></td></tr>
<tr><th>Who</th><td>{} on machine {}</td></tr>
<tr><th>Agent</th><td>{} session <code>{}</code></td></tr>
<tr><th>Filed</th><td>{} (expires {})</td></tr>{decided}
</table>
<h2>Command or change</h2><pre id=\"detail\">{}</pre>",
        esc(&r.tool),
        esc(&r.summary),
        status.as_str(),
        status.as_str(),
        risk_badge(r.risk),
        esc(role),
        esc(&r.id),
        esc(&r.rule_ids.join(", ")),
        esc(&r.reason),
        r.risk,
        esc(&r.repo),
        esc(&r.cwd),
        esc(&r.requested_by),
        esc(&r.machine),
        esc(&r.runtime),
        esc(&r.session_id),
        rfc3339(r.filed_at),
        rfc3339(r.expires_at),
        esc(if r.detail.is_empty() {
            &r.summary
        } else {
            &r.detail
        }),
    );
    if status == Status::Pending {
        if store::may_decide(a, r.approver_role.as_deref()) {
            let id = esc(&r.id);
            let csrf = esc(csrf);
            body.push_str(&format!(
                "<h2>Decide</h2><div class=\"decide\">
<form method=\"post\" action=\"/requests/{id}/decide\" class=\"card\">
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"verdict\" value=\"once\">
<label>Note (optional) <input name=\"note\" size=\"28\"></label>
<button type=\"submit\" id=\"approve-once\" class=\"ok\">Approve once</button></form>
<form method=\"post\" action=\"/requests/{id}/decide\" class=\"card\">
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"verdict\" value=\"for\">
<label>For <select name=\"duration\" id=\"duration\"><option value=\"900\">15 minutes</option><option value=\"3600\" selected>1 hour</option><option value=\"14400\">4 hours</option><option value=\"28800\">8 hours</option><option value=\"86400\">1 day</option><option value=\"604800\">7 days</option></select></label>
<label>Note (optional) <input name=\"note\" size=\"20\"></label>
<button type=\"submit\" id=\"approve-for\" class=\"ok\">Approve for this time</button></form>
<form method=\"post\" action=\"/requests/{id}/decide\" class=\"card\">
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"verdict\" value=\"reject\">
<label>Note (required) <input name=\"note\" id=\"reject-note\" size=\"28\" required></label>
<button type=\"submit\" id=\"reject\" class=\"no\">Reject</button></form></div>"
            ));
        } else {
            body.push_str(&format!(
                "<p class=\"muted\" id=\"not-yours\">You hold {}; this request needs the role <b>{}</b>.</p>",
                esc(&a.roles.join(", ")),
                esc(role)
            ));
        }
    }
    body.push_str("<h2>History</h2><table id=\"history\"><thead><tr><th>When</th><th>Who</th><th>What</th><th>Note</th></tr></thead><tbody>");
    for e in &events {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{} {}{}</td><td>{}</td><td>{}</td></tr>",
            rfc3339(e.at_ms / 1000),
            esc(&e.actor_kind),
            esc(&e.actor),
            e.actor_role
                .as_deref()
                .map(|r| format!(" ({})", esc(r)))
                .unwrap_or_default(),
            esc(&e.what),
            esc(e.note.as_deref().unwrap_or("")),
        ));
    }
    body.push_str("</tbody></table>");
    Resp::html(
        200,
        page(&format!("Request {}", r.id), Some(a), csrf, &body),
    )
}

fn decide_form(
    ctx: &mut Ctx,
    a: &Approver,
    csrf: &str,
    id: &str,
    f: &HashMap<String, String>,
) -> Resp {
    if !f.get("csrf").is_some_and(|c| auth::same_secret(c, csrf)) {
        return Resp::html(
            403,
            page("Refused", Some(a), csrf, "<p id=\"csrf-refused\">Missing or wrong form token: the decision was not recorded. Reload the request and try again.</p>"),
        );
    }
    let verdict = match f.get("verdict").map(String::as_str) {
        Some("once") => Verdict::ApproveOnce,
        Some("for") => match f.get("duration").and_then(|d| d.parse::<i64>().ok()) {
            Some(s) => Verdict::ApproveFor(s),
            None => return detail(ctx, a, csrf, id, Some("Choose how long the grant lasts.")),
        },
        Some("reject") => Verdict::Reject,
        _ => return detail(ctx, a, csrf, id, Some("Unknown decision.")),
    };
    match store::decide(
        ctx.conn,
        a,
        id,
        &verdict,
        f.get("note").map(String::as_str),
        crate::now(),
    ) {
        Ok(r) => Resp::redirect(&format!("/requests/{}", r.id)),
        Err(StoreError::NotFound) => Resp::html(
            404,
            page("Not found", Some(a), csrf, "<p>No such request.</p>"),
        ),
        Err(StoreError::Db(e)) => store_error(StoreError::Db(e)),
        Err(e) => {
            let mut r = detail(ctx, a, csrf, id, Some(&e.to_string()));
            if matches!(e, StoreError::Forbidden(_)) {
                r.status = 403;
            }
            r
        }
    }
}

fn history_page(ctx: &mut Ctx, a: &Approver, csrf: &str) -> Resp {
    let events = match store::history(ctx.conn, None, 500) {
        Ok(e) => e,
        Err(e) => return store_error(e),
    };
    let mut body = String::from("<h1>History</h1><table id=\"history\"><thead><tr><th>When</th><th>Who</th><th>What</th><th>Request</th><th>Note</th></tr></thead><tbody>");
    for e in &events {
        let req = e
            .request_id
            .as_deref()
            .map(|r| format!("<a href=\"/requests/{0}\"><code>{0}</code></a>", esc(r)))
            .unwrap_or_default();
        body.push_str(&format!(
            "<tr><td>{}</td><td>{} {}{}</td><td>{}</td><td>{req}</td><td>{}</td></tr>",
            rfc3339(e.at_ms / 1000),
            esc(&e.actor_kind),
            esc(&e.actor),
            e.actor_role
                .as_deref()
                .map(|r| format!(" ({})", esc(r)))
                .unwrap_or_default(),
            esc(&e.what),
            esc(e.note.as_deref().unwrap_or("")),
        ));
    }
    body.push_str("</tbody></table>");
    Resp::html(200, page("History", Some(a), csrf, &body))
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:10px 24px;display:flex;gap:18px;align-items:center}
header a{color:#cfe0ff;text-decoration:none}header .who{margin-left:auto;color:#aab}
header form{margin:0}header button{background:none;border:1px solid #667;color:#dde;border-radius:4px;padding:2px 8px}
main{padding:16px 24px;max-width:1200px}h1{font-size:20px}h2{font-size:16px;margin-top:22px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e3e5ea;vertical-align:top}
th{background:#eef0f4;font-weight:600}table.kv th{width:130px}
tr.other td{color:#778}code{font:12px ui-monospace,monospace;background:#eef0f4;padding:1px 4px;border-radius:3px}
pre{background:#0f1420;color:#e6e9ef;padding:12px;border-radius:6px;overflow:auto;max-height:420px;white-space:pre-wrap}
.st{padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}.pending{background:#fff1c2}.approved{background:#cdeccf}.rejected{background:#f7c9c9}.expired{background:#ddd}
.risk{padding:1px 6px;border-radius:4px;font-size:12px}.r-hi{background:#f7c9c9}.r-mid{background:#ffe3b8}.r-lo{background:#e3ecf7}
.card{background:#fff;border:1px solid #dde;border-radius:6px;padding:10px;display:flex;flex-direction:column;gap:8px}
.decide{display:flex;gap:12px;flex-wrap:wrap}button{padding:6px 12px;border-radius:4px;border:1px solid #889;background:#fff;cursor:pointer}
button.ok{background:#1f7a3a;color:#fff;border-color:#1f7a3a}button.no{background:#a52a2a;color:#fff;border-color:#a52a2a}
.filters{display:flex;gap:10px;flex-wrap:wrap;align-items:end;margin-bottom:12px}.muted{color:#778}.error{color:#a52a2a;font-weight:600}";

fn page(title: &str, a: Option<&Approver>, csrf: &str, body: &str) -> String {
    let nav = match a {
        Some(a) => format!(
            "<a href=\"/requests\">Inbox</a><a href=\"/history\">History</a><span class=\"who\" id=\"who\">{} · {}</span><form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">Sign out</button></form>",
            esc(&a.name),
            esc(&a.roles.join(", ")),
            esc(csrf)
        ),
        None => String::new(),
    };
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{} · hookwarden</title><style>{STYLE}</style></head><body><header><b>hookwarden</b> team approvals {nav}</header><main>{body}</main></body></html>",
        esc(title)
    )
}

/// HTML-escapes text for element content and quoted attributes.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn risk_badge(risk: i64) -> String {
    let class = if risk >= 70 {
        "r-hi"
    } else if risk >= 40 {
        "r-mid"
    } else {
        "r-lo"
    };
    format!("<span class=\"risk {class}\">risk {risk}</span>")
}

fn short_repo(repo: &str) -> String {
    repo.rsplit('/').next().unwrap_or(repo).to_string()
}

fn ago(t: i64) -> String {
    let d = crate::now() - t;
    if d < 60 {
        format!("{}s ago", d.max(0))
    } else if d < 3600 {
        format!("{}m ago", d / 60)
    } else if d < 86400 {
        format!("{}h ago", d / 3600)
    } else {
        rfc3339(t)
    }
}

/// `900` -> `15 minutes`.
pub fn duration_text(secs: i64) -> String {
    match secs {
        s if s % 86400 == 0 => plural(s / 86400, "day"),
        s if s % 3600 == 0 => plural(s / 3600, "hour"),
        s if s % 60 == 0 => plural(s / 60, "minute"),
        s => plural(s, "second"),
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(t: i64) -> String {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_durations() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_256_000), "2026-12-03T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(duration_text(900), "15 minutes");
        assert_eq!(duration_text(3600), "1 hour");
        assert_eq!(duration_text(86400 * 7), "7 days");
    }

    #[test]
    fn forms_decode_and_html_escapes() {
        let f = form("a=1&b=x+y%21&c=%zz&d");
        assert_eq!(f["b"], "x y!");
        assert_eq!(f["c"], "%zz");
        assert_eq!(f["d"], "");
        assert_eq!(
            esc("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
    }

    #[test]
    fn the_limiter_allows_a_burst_then_refuses() {
        let l = Limiter::new(3);
        assert!(l.allow("m"));
        assert!(l.allow("m"));
        assert!(l.allow("m"));
        assert!(!l.allow("m"));
        assert!(l.allow("other"));
    }
}
