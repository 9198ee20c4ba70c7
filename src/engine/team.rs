//! Team approvals: an `ask` the org routes to a shared approval service (`hookwarden-serve`)
//! instead of this machine's state file.
//!
//! Where the org policy names a service (`[approvals.service]`, read from the org scope only:
//! a user or project file, or the environment, could point the hook at a service that
//! approves everything), an enforced `ask` at pre-tool is filed there with this machine's
//! credential, and the answer is what the service says about this exact action (the
//! fingerprint of [`super::approvals::action_hash`]): approved (a once-grant is used up by
//! this call) passes, recording who approved and in which role; rejected is denied with the
//! approver's note; pending says where the request waits (denied where the runtime cannot
//! ask, an `ask` naming the inbox where it can, unless the org makes it strict). The
//! service cannot be reached within the time budget: denied, naming the URL (fail closed).
//!
//! Nothing local decides: the machine credential can only file requests and read their
//! outcomes, and no local record is consulted, so editing local state grants nothing.
//! The client is a few lines of HTTP/1.1 over [`std::net::TcpStream`] with a deadline: used
//! only when such an ask fires, it adds nothing to the hook's start-up.

use crate::decision::{Decision, Effect, Fire, Mode};
use crate::event::Event;
use crate::policy::model::ServiceSettings;
use crate::policy::CompiledPolicy;

use serde::Deserialize;
use serde_json::json;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::{Duration, Instant};

/// The rule id of every fire this step adds.
pub const TEAM_RULE: &str = "hookwarden.team-approval";
/// The default time budget for one exchange with the service.
pub const DEFAULT_TIMEOUT_MS: u64 = 300;
/// The command or diff sent for the approver to read is cut at this many bytes.
const DETAIL_MAX: usize = 16 * 1024;

/// The service the org policy names, if any.
pub fn service(policy: &CompiledPolicy) -> Option<&ServiceSettings> {
    policy.approvals.as_ref()?.service.as_ref()
}

/// What the service says about an action.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Outcome {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub approver_role: Option<String>,
    #[serde(default)]
    pub decided_by: Option<String>,
    #[serde(default)]
    pub decided_role: Option<String>,
    #[serde(default)]
    pub decided_at: Option<i64>,
    #[serde(default)]
    pub until: Option<i64>,
    #[serde(default)]
    pub once: bool,
    #[serde(default)]
    pub note: Option<String>,
    /// What the request was filed for (see [`describes`]).
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

/// Whether an approved request describes the action this hook would file now: the same
/// runtime, session, tool, command or diff as shown to the approver, rules and role. The
/// machine credential is readable by the agent's user, so the agent could file a request for
/// this action's fingerprint that shows the approver something harmless; this hook computes
/// what it files itself, so such a request does not match and grants nothing. `Err` names
/// the first field that differs.
pub fn describes(o: &Outcome, filing: &serde_json::Value) -> Result<(), &'static str> {
    let text = |k: &str| filing.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let rules: Vec<&str> = filing
        .get("rule_ids")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|r| r.as_str()).collect())
        .unwrap_or_default();
    let role = filing.get("approver_role").and_then(|v| v.as_str());
    if o.runtime != text("runtime") {
        return Err("runtime");
    }
    if o.session_id != text("session_id") {
        return Err("session");
    }
    if o.tool != text("tool") {
        return Err("tool");
    }
    if o.summary != text("summary") || o.detail != text("detail") {
        return Err("command");
    }
    if o.rule_ids != rules {
        return Err("rules");
    }
    if o.approver_role.as_deref() != role {
        return Err("approver role");
    }
    Ok(())
}

/// The request a hook files: the action and what a person needs to judge it, secrets masked.
pub fn filing(
    ev: &Event,
    d: &Decision,
    action: &str,
    repo: &Path,
    user: &str,
) -> serde_json::Value {
    let asks = enforced_asks(d);
    let reason = asks
        .iter()
        .map(|f| f.reason.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let detail = match (
        &ev.command,
        ev.tool_input.get("command").and_then(|c| c.as_str()),
    ) {
        (Some(c), _) => c.clone(),
        (None, Some(c)) => c.to_string(),
        (None, None) => serde_json::to_string_pretty(&ev.tool_input).unwrap_or_default(),
    };
    json!({
        "action": action,
        "runtime": ev.runtime.as_str(),
        "session_id": ev.session_id,
        "tool": ev.tool_name().unwrap_or(""),
        "summary": super::approvals::summary(ev),
        "detail": crate::audit::cut(&crate::audit::mask(&detail), DETAIL_MAX),
        "rule_ids": asks.iter().map(|f| f.rule_id.as_str()).collect::<Vec<_>>(),
        "approver_role": d.approver_role,
        "reason": crate::audit::cut(&crate::audit::mask(&reason), 4000),
        "risk": d.risk,
        "repo": repo.display().to_string(),
        "cwd": ev.cwd,
        "user": user,
    })
}

fn enforced_asks(d: &Decision) -> Vec<&Fire> {
    d.fired
        .iter()
        .filter(|f| f.effect == Effect::Ask && f.mode == Mode::Enforce)
        .collect()
}

/// Files the request (or finds the one filed) and returns what the service says.
pub fn consult(s: &ServiceSettings, body: &serde_json::Value) -> Result<Outcome, String> {
    let token = std::fs::read_to_string(&s.credential_file).map_err(|e| {
        format!(
            "cannot read the machine credential {}: {e}",
            s.credential_file
        )
    })?;
    let token = token.trim();
    if token.is_empty() || token.contains(['\r', '\n']) {
        return Err(format!(
            "the machine credential {} is empty or not one line",
            s.credential_file
        ));
    }
    let budget = Duration::from_millis(s.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS));
    let (status, text) = post(&s.url, "/api/v1/requests", token, &body.to_string(), budget)?;
    match status {
        200 | 201 => serde_json::from_str(&text)
            .map_err(|e| format!("the service's answer is not understood ({e})")),
        401 => Err(format!(
            "the service refused this machine's credential ({})",
            s.credential_file
        )),
        429 => Err("the service is rate-limiting this machine; retry in a minute".into()),
        code => {
            let msg = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(String::from))
                .unwrap_or_default();
            Err(format!("the service answered HTTP {code} {msg}")
                .trim()
                .to_string())
        }
    }
}

/// One HTTP/1.1 POST with a deadline over the whole exchange: connect, send, read.
pub fn post(
    base: &str,
    path: &str,
    token: &str,
    body: &str,
    budget: Duration,
) -> Result<(u16, String), String> {
    let deadline = Instant::now() + budget;
    let left = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| format!("no answer within {} ms", budget.as_millis()))
    };
    let rest = base
        .strip_prefix("http://")
        .ok_or_else(|| format!("`{base}` is not an http:// URL"))?;
    let (host, prefix) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    let with_port = if host
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        host.to_string()
    } else {
        format!("{host}:80")
    };
    let addrs: Vec<_> = with_port
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let mut stream = None;
    let mut why = format!("{host} has no address");
    for a in addrs {
        match TcpStream::connect_timeout(&a, left()?) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => why = format!("cannot connect to {a}: {e}"),
        }
    }
    let mut s = stream.ok_or(why)?;
    let io = |e: std::io::Error| {
        if matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ) {
            format!("no answer within {} ms", budget.as_millis())
        } else {
            e.to_string()
        }
    };
    s.set_write_timeout(Some(left()?)).map_err(io)?;
    let req = format!(
        "POST {prefix}{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: hookwarden/{}\r\n\r\n{body}",
        body.len(),
        env!("CARGO_PKG_VERSION")
    );
    s.write_all(req.as_bytes()).map_err(io)?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        s.set_read_timeout(Some(left()?)).map_err(io)?;
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                if raw.len() > 1 << 20 {
                    return Err("the service's answer is larger than 1 MiB".into());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        }
    }
    parse_response(&raw)
}

/// Status and body of an HTTP/1.1 response (`Content-Length` or chunked).
fn parse_response(raw: &[u8]) -> Result<(u16, String), String> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("the service's answer is not HTTP")?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .filter(|l| l.starts_with("HTTP/1."))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or("the service's answer is not HTTP")?;
    let chunked = lines.any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")
        })
    });
    if !chunked {
        return Ok((status, body.to_string()));
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| "a malformed chunk in the service's answer")?;
        if n == 0 {
            break;
        }
        let chunk = after
            .get(..n)
            .ok_or("the service's answer ended inside a chunk")?;
        out.push_str(chunk);
        rest = after[n..].strip_prefix("\r\n").unwrap_or(&after[n..]);
    }
    Ok((status, out))
}

/// The decision once the service was consulted (or could not be).
pub fn apply(
    policy: &CompiledPolicy,
    ev: &Event,
    d: Decision,
    s: &ServiceSettings,
    filing: &serde_json::Value,
    consulted: Result<Outcome, String>,
    can_ask: bool,
) -> Decision {
    let base = s.url.trim_end_matches('/');
    let asks: Vec<String> = enforced_asks(&d)
        .iter()
        .map(|f| f.rule_id.clone())
        .collect();
    let why = enforced_asks(&d)
        .iter()
        .map(|f| f.reason.trim().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let role = d
        .approver_role
        .clone()
        .unwrap_or_else(|| "an approver".into());
    let mut fired = d.fired.clone();
    let fire = |effect: Effect, reason: String, role: Option<String>| Fire {
        rule_id: TEAM_RULE.into(),
        effect,
        risk: if effect == Effect::Allow { 0 } else { d.risk },
        mode: Mode::Enforce,
        scope: "org".into(),
        reason,
        matched: Vec::new(),
        approver_role: role,
        lineage: None,
    };
    match consulted {
        Err(e) => fired.push(fire(
            Effect::Deny,
            format!(
                "{why} This action needs a team approval from {role}, and the team approval service at {base} cannot be reached: {e}. It is blocked until the service answers (fail closed)."
            ),
            d.approver_role.clone(),
        )),
        Ok(o) if o.status == "approved" && describes(&o, filing).is_err() => {
            let field = describes(&o, filing).err().unwrap_or("content");
            fired.push(fire(
                Effect::Deny,
                format!(
                    "{why} The approved request {base}/requests/{} does not describe this action (its {field} differs): it was not filed by hookwarden for it, so it grants nothing. Ask for a new approval of this exact action.",
                    o.id
                ),
                d.approver_role.clone(),
            ));
        }
        Ok(o) if o.status == "approved" => {
            for f in &mut fired {
                if f.effect == Effect::Ask && asks.contains(&f.rule_id) {
                    // Kept in the record as what would have happened without the approval.
                    f.mode = Mode::Audit;
                }
            }
            let by = o.decided_by.as_deref().unwrap_or("an approver");
            let in_role = o.decided_role.as_deref().unwrap_or("?");
            let when = o
                .decided_at
                .map(|t| format!(" at {}", crate::time::rfc3339(t, 0)))
                .unwrap_or_default();
            let scope = match (o.once, o.until) {
                (true, _) => "once".to_string(),
                (false, Some(u)) => format!("until {}", crate::time::rfc3339(u, 0)),
                (false, None) => "for a time".to_string(),
            };
            let note = o
                .note
                .as_deref()
                .map(|n| format!("; note: {}", crate::audit::mask(n)))
                .unwrap_or_default();
            fired.push(fire(
                Effect::Allow,
                format!(
                    "Approved by {by} (role {in_role}){when} in the team inbox, request {base}/requests/{} ({scope}){note}.",
                    o.id
                ),
                o.decided_role.clone(),
            ));
        }
        Ok(o) if o.status == "rejected" => {
            let by = o.decided_by.as_deref().unwrap_or("an approver");
            let in_role = o.decided_role.as_deref().unwrap_or("?");
            fired.push(fire(
                Effect::Deny,
                format!(
                    "{why} Rejected by {by} (role {in_role}) in the team inbox: {} (request {base}/requests/{}). Do not retry this action unchanged.",
                    o.note.as_deref().unwrap_or("no note"),
                    o.id
                ),
                o.decided_role.clone(),
            ));
        }
        Ok(o) => {
            let effect = if can_ask && !s.strict {
                Effect::Ask
            } else {
                Effect::Deny
            };
            let then = if effect == Effect::Ask {
                "Wait for it, or decline here."
            } else {
                "Retry this exact action unchanged once it is approved."
            };
            fired.push(fire(
                effect,
                format!(
                    "{why} Team approval pending: {base}/requests/{} (needs {role}). {then}",
                    o.id
                ),
                d.approver_role.clone(),
            ));
        }
    }
    let mut out = crate::policy::eval::decide(policy, ev, fired, d.redactions.clone());
    out.errors = d.errors;
    out.decision_id = d.decision_id;
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::event::{Boundary, RuntimeKind};
    use std::net::TcpListener;

    fn ev() -> Event {
        let mut e = Event::new(RuntimeKind::Codex, Boundary::ToolRequest, "PreToolUse");
        e.session_id = "s1".into();
        e.tool = Some(crate::event::classify_tool("Bash"));
        e.tool_input =
            json!({ "command": "make deploy TOKEN=ghp_Zk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5cA3eKu" });
        e.command = Some("make deploy TOKEN=ghp_Zk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5cA3eKu".into());
        e.cwd = "/w".into();
        e
    }

    fn asked() -> Decision {
        let fire = Fire {
            rule_id: "deploy".into(),
            effect: Effect::Ask,
            risk: 50,
            mode: Mode::Enforce,
            scope: "org".into(),
            reason: "Deploys need approval.".into(),
            matched: Vec::new(),
            approver_role: Some("release-manager".into()),
            lineage: None,
        };
        crate::policy::eval::decide(&CompiledPolicy::default(), &ev(), vec![fire], Vec::new())
    }

    fn filed() -> serde_json::Value {
        filing(&ev(), &asked(), "a1b2", Path::new("/w"), "dev")
    }

    /// The service's answer about the request this hook filed.
    fn bound(status: &str) -> Outcome {
        let f = filed();
        let text = |k: &str| f[k].as_str().unwrap().to_string();
        Outcome {
            id: "rabc".into(),
            status: status.into(),
            approver_role: Some("release-manager".into()),
            decided_by: Some("alice".into()),
            decided_role: Some("release-manager".into()),
            decided_at: Some(1_800_000_000),
            until: Some(1_800_003_600),
            once: true,
            note: Some("ticket 42".into()),
            runtime: text("runtime"),
            session_id: text("session_id"),
            tool: text("tool"),
            summary: text("summary"),
            detail: text("detail"),
            rule_ids: vec!["deploy".into()],
        }
    }

    /// A request filed with the machine credential by something else, showing the approver
    /// another command or rule or role than this action's, grants nothing.
    #[test]
    fn an_approved_request_that_describes_another_action_grants_nothing() {
        let (_d, p) = cred();
        let s = settings("http://127.0.0.1:9", &p);
        assert_eq!(describes(&bound("approved"), &filed()), Ok(()));
        let forged = [
            Outcome {
                detail: "ls".into(),
                ..bound("approved")
            },
            Outcome {
                summary: "ls".into(),
                ..bound("approved")
            },
            Outcome {
                rule_ids: vec![],
                ..bound("approved")
            },
            Outcome {
                approver_role: Some("intern".into()),
                ..bound("approved")
            },
            Outcome {
                approver_role: None,
                ..bound("approved")
            },
            Outcome {
                session_id: "other".into(),
                ..bound("approved")
            },
            Outcome {
                tool: "Read".into(),
                ..bound("approved")
            },
            Outcome {
                runtime: "claude".into(),
                ..bound("approved")
            },
        ];
        for o in forged {
            let d = apply(
                &CompiledPolicy::default(),
                &ev(),
                asked(),
                &s,
                &filed(),
                Ok(o.clone()),
                true,
            );
            assert_eq!(d.effect, Effect::Deny, "{o:?}");
            assert!(
                d.message().contains("does not describe this action"),
                "{}",
                d.message()
            );
        }
    }

    fn settings(url: &str, cred: &Path) -> ServiceSettings {
        ServiceSettings {
            url: url.into(),
            credential_file: cred.display().to_string(),
            strict: false,
            timeout_ms: Some(300),
        }
    }

    /// A one-shot server: answers the next connection with `answer`, returns what it read.
    fn serve_once(answer: &'static str) -> (String, std::thread::JoinHandle<String>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        let h = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_millis(500)))
                .unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            // Read the head and the body announced by Content-Length.
            loop {
                let n = s.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                let t = String::from_utf8_lossy(&got).to_string();
                if let Some((head, body)) = t.split_once("\r\n\r\n") {
                    let len = head
                        .lines()
                        .find_map(|l| l.strip_prefix("Content-Length: "))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if body.len() >= len {
                        break;
                    }
                }
            }
            s.write_all(answer.as_bytes()).unwrap();
            String::from_utf8_lossy(&got).to_string()
        });
        (url, h)
    }

    fn cred() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("machine.token");
        std::fs::write(&p, "hwm_secret\n").unwrap();
        (dir, p)
    }

    #[test]
    fn files_with_the_machine_credential_and_masks_secrets() {
        let (_d, p) = cred();
        let (url, h) = serve_once(
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 57\r\n\r\n{\"id\":\"rabc\",\"status\":\"pending\",\"path\":\"/requests/rabc\"}",
        );
        let s = settings(&url, &p);
        let body = filing(&ev(), &asked(), "a1b2", Path::new("/w"), "dev");
        let o = consult(&s, &body).unwrap();
        assert_eq!(o.id, "rabc");
        let sent = h.join().unwrap();
        assert!(
            sent.starts_with("POST /api/v1/requests HTTP/1.1\r\n"),
            "{sent}"
        );
        assert!(sent.contains("Authorization: Bearer hwm_secret\r\n"));
        assert!(
            !sent.contains("ghp_Zk3x"),
            "a secret left the machine: {sent}"
        );
        assert!(sent.contains("\"rule_ids\":[\"deploy\"]"));
        assert!(sent.contains("\"approver_role\":\"release-manager\""));

        let d = apply(
            &CompiledPolicy::default(),
            &ev(),
            asked(),
            &s,
            &filed(),
            Ok(o.clone()),
            false,
        );
        assert_eq!(d.effect, Effect::Deny);
        let m = d.message();
        assert!(
            m.contains(&format!("Team approval pending: {url}/requests/rabc")),
            "{m}"
        );
        assert!(m.contains("Deploys need approval."), "{m}");
        // A runtime that asks shows the ask, saying where the request waits; strict denies.
        let d = apply(
            &CompiledPolicy::default(),
            &ev(),
            asked(),
            &s,
            &filed(),
            Ok(o.clone()),
            true,
        );
        assert_eq!(d.effect, Effect::Ask);
        assert!(d.message().contains("Team approval pending"));
        let strict = ServiceSettings {
            strict: true,
            ..s.clone()
        };
        let d = apply(
            &CompiledPolicy::default(),
            &ev(),
            asked(),
            &strict,
            &filed(),
            Ok(o),
            true,
        );
        assert_eq!(d.effect, Effect::Deny);
    }

    #[test]
    fn approved_passes_naming_the_approver_and_rejected_carries_the_note() {
        let (_d, p) = cred();
        let s = settings("http://127.0.0.1:9", &p);
        let approved = bound("approved");
        let d = apply(
            &CompiledPolicy::default(),
            &ev(),
            asked(),
            &s,
            &filed(),
            Ok(approved.clone()),
            false,
        );
        assert_eq!(d.effect, Effect::Allow);
        assert_eq!(d.would_effect, Effect::Ask);
        let f = d.fired.iter().find(|f| f.rule_id == TEAM_RULE).unwrap();
        assert!(
            f.reason
                .contains("Approved by alice (role release-manager)"),
            "{}",
            f.reason
        );
        assert!(f.reason.contains("(once); note: ticket 42"), "{}", f.reason);
        assert_eq!(f.approver_role.as_deref(), Some("release-manager"));

        let rejected = Outcome {
            status: "rejected".into(),
            decided_by: Some("bob".into()),
            note: Some("not on a Friday".into()),
            ..approved
        };
        let d = apply(
            &CompiledPolicy::default(),
            &ev(),
            asked(),
            &s,
            &filed(),
            Ok(rejected),
            true,
        );
        assert_eq!(d.effect, Effect::Deny);
        assert!(d.message().contains("Rejected by bob"), "{}", d.message());
        assert!(d.message().contains("not on a Friday"));
    }

    #[test]
    fn an_unreachable_service_fails_closed_within_the_budget() {
        let (_d, p) = cred();
        // A listener that never answers.
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        let s = settings(&url, &p);
        let t = Instant::now();
        let e = consult(&s, &json!({})).unwrap_err();
        assert!(
            t.elapsed() < Duration::from_millis(1500),
            "{:?}",
            t.elapsed()
        );
        assert!(e.contains("no answer within 300 ms"), "{e}");
        let d = apply(
            &CompiledPolicy::default(),
            &ev(),
            asked(),
            &s,
            &filed(),
            Err(e),
            true,
        );
        assert_eq!(d.effect, Effect::Deny);
        let m = d.message();
        assert!(
            m.contains(&format!("team approval service at {url} cannot be reached")),
            "{m}"
        );
        drop(l);
        // Nothing listening; no credential file.
        let e = consult(&settings("http://127.0.0.1:9", &p), &json!({})).unwrap_err();
        assert!(e.contains("cannot connect"), "{e}");
        let e = consult(&settings(&url, Path::new("/nonexistent/t")), &json!({})).unwrap_err();
        assert!(
            e.contains("cannot read the machine credential /nonexistent/t"),
            "{e}"
        );
    }

    #[test]
    fn chunked_answers_and_errors() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        assert_eq!(parse_response(raw).unwrap(), (200, "hello world".into()));
        assert!(parse_response(b"garbage").is_err());
        let (_d, p) = cred();
        let (url, _h) = serve_once("HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\n{}");
        let e = consult(&settings(&url, &p), &json!({})).unwrap_err();
        assert!(e.contains("refused this machine's credential"), "{e}");
    }
}

#[cfg(test)]
mod scope_tests {
    #![allow(clippy::unwrap_used)]
    use crate::policy::{compile, parse_layer, Scope};

    const TEXT: &str = "[approvals.service]\nurl = \"http://approvals.internal:8470\"\ncredential_file = \"/etc/hookwarden/machine.token\"\n";

    /// Only the org policy names the service: a user or project file cannot.
    #[test]
    fn the_service_is_read_from_the_org_policy_only() {
        let org = parse_layer(Scope::Org, "org.toml", TEXT.into()).unwrap();
        let p = compile(&[org]).unwrap();
        let s = super::service(&p).unwrap();
        assert_eq!(s.url, "http://approvals.internal:8470");
        for scope in [Scope::User, Scope::Project] {
            let l = parse_layer(scope, "p.toml", TEXT.into()).unwrap();
            let p = compile(&[l]).unwrap();
            assert!(super::service(&p).is_none(), "{scope:?}");
            assert!(
                p.warnings
                    .iter()
                    .any(|w| w.contains("[approvals] is only read from the org policy")),
                "{:?}",
                p.warnings
            );
        }
        let bad = TEXT.replace("http://", "https://");
        let org = parse_layer(Scope::Org, "org.toml", bad).unwrap();
        let err = compile(&[org]).unwrap_err();
        assert!(
            format!("{err:?}").contains("must start with http://"),
            "{err:?}"
        );
        let typo = format!("{TEXT}urll = \"x\"\n");
        assert!(parse_layer(Scope::Org, "org.toml", typo).is_err());
    }
}
