//! Alerts: decisions a security team wants to hear about, sent to the sinks a policy names.
//!
//! A fire whose effect is listed in `[alerts] on` (default: `alert`) becomes one JSON alert,
//! deduplicated per rule and session within `dedup_window` (the state store keeps the marks),
//! and goes to every configured sink: a JSONL file, a command that reads the alert on stdin
//! (to forward it to chat or a SIEM), syslog. Sinks never hold the hook: the command is
//! spawned detached and not waited for, syslog is one non-blocking datagram, and a failing
//! sink is a warning on stderr.

use crate::decision::{Decision, Effect, Mode};
use crate::event::Event;
use crate::policy::eval::EvalEnv;
use crate::policy::model::AlertSettings;
use crate::policy::CompiledPolicy;

use serde_json::{json, Value};
use std::path::PathBuf;

/// The settings in force: the policy's, plus `HOOKWARDEN_ALERTS_FILE` as a file sink.
pub fn settings(policy: &CompiledPolicy) -> Option<AlertSettings> {
    let env_file = crate::managed::env_str("HOOKWARDEN_ALERTS_FILE");
    let mut s = match (&policy.alerts, env_file) {
        (None, None) => return None,
        (Some(a), f) => {
            let mut a = a.clone();
            if f.is_some() {
                a.file = f;
            }
            a
        }
        (None, f) => AlertSettings {
            file: f,
            ..AlertSettings::default()
        },
    };
    if !s.has_sink() {
        return None;
    }
    s.on.sort();
    Some(s)
}

/// The rules of a decision that raise an alert.
pub fn alertable(s: &AlertSettings, d: &Decision) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in &d.fired {
        if f.mode == Mode::Enforce && s.on.contains(&f.effect) && !out.contains(&f.rule_id) {
            out.push(f.rule_id.clone());
        }
    }
    out
}

/// The alert for one rule of a decision: enough to act on, secrets masked, bounded.
pub fn alert_json(ev: &Event, d: &Decision, rule_id: &str, env: &dyn EvalEnv) -> Value {
    let fire = d.fired.iter().find(|f| f.rule_id == rule_id);
    let cut = |s: &str, n: usize| crate::audit::cut(&crate::audit::mask(s), n).to_string();
    json!({
        "source": "hookwarden",
        "timestamp": d.timestamp,
        "rule_id": rule_id,
        "effect": fire.map(|f| f.effect).unwrap_or(d.effect),
        "decision_effect": d.effect,
        "risk": fire.map(|f| f.risk).unwrap_or(d.risk),
        "reason": cut(fire.map(|f| f.reason.as_str()).unwrap_or(""), 1000),
        "matched": fire.map(|f| f.matched.iter().map(|m| cut(m, 300)).collect::<Vec<_>>()).unwrap_or_default(),
        "decision_id": d.decision_id,
        "runtime": ev.runtime,
        "boundary": ev.boundary,
        "session_id": ev.session_id,
        "tool": ev.tool_name(),
        "command": ev.command.as_deref().map(|c| cut(c, 1000)),
        "cwd": ev.cwd,
        "user": env.user(),
        "policy_version": d.policy_version,
    })
}

/// Sends the alerts for these rules to every sink. Returns warnings for sinks that failed.
pub fn send(
    s: &AlertSettings,
    ev: &Event,
    d: &Decision,
    rule_ids: &[String],
    env: &dyn EvalEnv,
) -> Vec<String> {
    let mut warnings = Vec::new();
    for rule_id in rule_ids {
        let alert = alert_json(ev, d, rule_id, env).to_string();
        if let Some(f) = &s.file {
            let path = sink_path(f);
            if let Err(e) = crate::audit::append_line(&path, &alert) {
                warnings.push(format!("alert file {}: {e}", path.display()));
            }
        }
        if s.syslog {
            let severity = if d.effect == Effect::Terminate { 2 } else { 4 };
            if let Err(e) = syslog(&alert, severity) {
                warnings.push(format!("alert syslog: {e}"));
            }
        }
        if let Some(cmd) = &s.command {
            if let Err(e) = spawn_command(cmd, &alert) {
                warnings.push(format!(
                    "alert command `{}`: {e}",
                    cmd.first().map(String::as_str).unwrap_or("")
                ));
            }
        }
    }
    warnings
}

fn sink_path(f: &str) -> PathBuf {
    let p = PathBuf::from(f);
    if p.is_absolute() {
        return p;
    }
    crate::dirs::data_dir()
        .unwrap_or_else(|| std::env::temp_dir().join("hookwarden"))
        .join(p)
}

/// One RFC 3164 datagram to the local syslog socket, never blocking.
#[cfg(unix)]
fn syslog(msg: &str, severity: u8) -> std::io::Result<()> {
    use std::os::unix::net::UnixDatagram;
    const FACILITY_AUTH: u8 = 4;
    let socket = crate::managed::env("HOOKWARDEN_SYSLOG_SOCKET")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/dev/log"));
    let sock = UnixDatagram::unbound()?;
    sock.set_nonblocking(true)?;
    let line = format!(
        "<{}>hookwarden[{}]: {msg}",
        FACILITY_AUTH * 8 + severity,
        std::process::id()
    );
    sock.send_to(line.as_bytes(), socket).map(|_| ())
}

#[cfg(not(unix))]
fn syslog(_msg: &str, _severity: u8) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "syslog is only available on Unix",
    ))
}

/// Starts the command with the alert on stdin and does not wait for it. Its stdout and
/// stderr go nowhere: the runtime waits for the hook's pipes to close, and a child holding
/// them would hold the hook.
fn spawn_command(cmd: &[String], alert: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let Some((prog, args)) = cmd.split_first() else {
        return Ok(());
    };
    let mut c = Command::new(prog);
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group: a signal to the hook's group does not reach it, and it
        // outlives the hook without holding it.
        c.process_group(0);
    }
    let mut child = c.spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        // The alert is a few KiB at most, well under a pipe's buffer: this write does not
        // wait for the reader. A command that exits without reading is not an error.
        let _ = stdin.write_all(alert.as_bytes());
        let _ = stdin.write_all(b"\n");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn settings_parse_strictly() {
        let s: AlertSettings =
            toml::from_str("on = [\"alert\", \"deny\"]\nfile = \"alerts.jsonl\"\nsyslog = true")
                .unwrap();
        assert_eq!(s.on, vec![Effect::Alert, Effect::Deny]);
        assert!(toml::from_str::<AlertSettings>("fille = \"x\"").is_err());
        let bad = AlertSettings {
            dedup_window: Some("soon".into()),
            ..AlertSettings::default()
        };
        assert!(bad.validate().is_err());
    }

    #[cfg(unix)]
    #[test]
    fn syslog_datagram_reaches_the_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sock");
        let server = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        // Env is process-wide; only this test sets this variable.
        std::env::set_var("HOOKWARDEN_SYSLOG_SOCKET", &path);
        syslog("{\"rule_id\":\"x\"}", 4).unwrap();
        let mut buf = [0u8; 256];
        let n = server.recv(&mut buf).unwrap();
        let got = String::from_utf8_lossy(&buf[..n]).to_string();
        assert!(got.starts_with("<36>hookwarden["), "{got}");
        assert!(got.ends_with("{\"rule_id\":\"x\"}"));
    }

    #[test]
    fn a_missing_command_is_a_warning_not_a_failure() {
        let err = spawn_command(&["/nonexistent/hookwarden-sink".into()], "{}");
        assert!(err.is_err());
    }
}
