//! Runtime profiles and adapters: what each runtime is, how its hook stdin becomes an
//! [`Event`], and how a [`Decision`] is rendered in its answer shape.
//!
//! `stdin JSON -> adapter.parse -> Event -> ... -> Decision -> adapter.render -> answer`.
//!
//! One file per runtime (`runtime/<name>.rs`) holds its adapter and its [`RuntimeProfile`]:
//! names, hook events and their boundaries, capabilities, tools, config files, install and
//! self-test. [`profile`] and [`PROFILES`] are the registry, expanded from the one list of
//! runtimes in `event` ([`crate::event::runtimes`]); everything else reads the profiles.
//! Adding a runtime is its file and its line in that list.
//!
//! What each runtime honours is recorded in ../shared/docs/hook-protocols.md; the rules that
//! matter most here: never send `allow` (it would bypass the runtime's own permission
//! prompts), never send Codex a field it does not know (it then runs the tool), never send
//! `ask` to Codex or Gemini (the tool runs, or the CLI hangs).

pub mod coverage;
pub mod profile;
#[cfg(test)]
pub(crate) mod testutil;

pub use profile::RuntimeProfile;

use crate::decision::{Decision, Effect};
use crate::event::{Boundary, Event, RuntimeKind};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

/// The registry, expanded from the one list of runtimes ([`crate::event::runtimes`]): each
/// runtime's module, [`profile`] and [`PROFILES`].
macro_rules! registry {
    ($(($variant:ident, $module:ident, $name:literal)),* $(,)?) => {
        $(pub mod $module;)*

        /// The profile of a runtime; `None` only for [`RuntimeKind::None`] (evaluation
        /// without a runtime). The match is exhaustive, and a runtime in the registry whose
        /// file has no `PROFILE` does not compile.
        pub fn profile(kind: RuntimeKind) -> Option<&'static RuntimeProfile> {
            Some(match kind {
                $(RuntimeKind::$variant => &$module::PROFILE,)*
                RuntimeKind::None => return None,
            })
        }

        /// Every runtime hookwarden has an adapter for, in the order reports list them.
        pub static PROFILES: [&RuntimeProfile; RuntimeKind::None as usize] =
            [$(&$module::PROFILE),*];

        // A profile describes the runtime its registry line names.
        $(const _: () = assert!(
            matches!($module::PROFILE.kind, RuntimeKind::$variant),
            concat!("runtime/", stringify!($module), ".rs: PROFILE.kind is not RuntimeKind::", stringify!($variant)),
        );)*
    };
}

crate::event::runtimes!(registry);

pub fn profiles() -> &'static [&'static RuntimeProfile] {
    &PROFILES
}

/// The runtime a user-typed name (canonical or alias, any case) names.
pub fn by_name(name: &str) -> Option<&'static RuntimeProfile> {
    PROFILES.iter().copied().find(|p| p.is_named(name))
}

/// [`by_name`], or an error that lists the names it knows.
pub fn parse_name(name: &str) -> Result<&'static RuntimeProfile, UnknownRuntime> {
    by_name(name).ok_or_else(|| UnknownRuntime(name.to_string()))
}

/// A runtime name no profile has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown runtime `{0}` (known: {known})", known = known_names())]
pub struct UnknownRuntime(pub String);

/// The canonical runtime names, comma-separated.
pub fn known_names() -> String {
    PROFILES
        .iter()
        .map(|p| p.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Guesses the runtime from a payload when `--runtime` is not given. Installed configs
/// always pass the flag; this is for people piping events by hand. The runtimes whose
/// profile lists the payload's event name are the candidates, and one whose marker keys the
/// payload carries wins (Codex's `turn_id` among the Claude-shaped ones); a payload without
/// an event name is recognised by marker keys alone (Copilot's camelCase). `None`: the
/// payload looks like no runtime hookwarden knows.
pub fn infer(raw: &Value) -> Option<RuntimeKind> {
    let marked = |p: &RuntimeProfile| p.marker_keys.iter().any(|k| raw.get(k).is_some());
    match raw.get("hook_event_name").and_then(Value::as_str) {
        Some(name) => {
            let mut candidates = PROFILES.iter().filter(|p| p.event(name).is_some());
            let first = candidates.clone().next()?;
            Some(candidates.find(|p| marked(p)).unwrap_or(first).kind)
        }
        None => PROFILES.iter().find(|p| marked(p)).map(|p| p.kind),
    }
}

/// The runtime a payload looks like when it is not one the named runtime sends: its event
/// name is not in that runtime's profile, or it has none, and [`infer`] recognises another
/// runtime in it (a Cursor `beforeShellExecution` sent with `--runtime claude`). Such an
/// event would otherwise be read as an event with no boundary and let through.
pub fn mismatch(kind: RuntimeKind, raw: &Value) -> Option<&'static RuntimeProfile> {
    let named = profile(kind)?;
    let known = raw
        .get("hook_event_name")
        .and_then(Value::as_str)
        .is_some_and(|name| named.event(name).is_some());
    if known {
        return None;
    }
    infer(raw).filter(|k| *k != kind).and_then(profile)
}

/// What the hook process prints and how it exits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

impl Answer {
    pub fn silent() -> Answer {
        Answer::default()
    }

    pub fn json(v: Value) -> Answer {
        // Sized up front: an answer that carries a redacted megabyte of output would
        // otherwise be grown a dozen times, each time copied into fresh pages.
        let mut stdout = String::with_capacity(json_size_hint(&v));
        let _ = write!(stdout, "{v}");
        Answer {
            stdout,
            ..Answer::default()
        }
    }

    /// Exit 2 with the reason on stderr: every supported runtime reads this as "block" at
    /// pre-tool, which is why internal errors use it to fail closed.
    pub fn block_exit2(reason: &str) -> Answer {
        Answer {
            stdout: String::new(),
            stderr: reason.to_string(),
            exit_code: 2,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("the hook input is not a JSON object")]
    NotObject,
    #[error("the hook input has no `hook_event_name`")]
    NoEventName,
}

/// A runtime's hook protocol.
pub trait Adapter: Sync {
    /// Parses the hook payload. Unknown events parse to [`Boundary::Other`].
    fn parse(&self, raw: &Value) -> Result<Event, ParseError>;
    /// [`Adapter::parse`] of a payload the caller is done with: the tool response (megabytes,
    /// for a big output) moves into the event instead of being copied. Same event.
    fn parse_owned(&self, raw: Value) -> Result<Event, ParseError> {
        self.parse(&raw)
    }
    /// The answer for a decision.
    fn render(&self, ev: &Event, d: &Decision) -> Answer;
    /// The answer when hookwarden itself failed at this boundary (fail closed at pre-tool).
    fn render_failure(&self, boundary: Option<Boundary>, message: &str) -> Answer {
        default_failure(boundary, message)
    }
}

/// The failure answer of runtimes that block on exit 2, and of a payload no runtime is known
/// for: exit 2 with the message at pre-tool (or when the boundary is unknown), the message
/// on stderr elsewhere.
pub fn default_failure(boundary: Option<Boundary>, message: &str) -> Answer {
    match boundary {
        Some(Boundary::ToolRequest) | None => Answer::block_exit2(message),
        _ => Answer {
            stderr: message.to_string(),
            ..Answer::default()
        },
    }
}

/// About how long `v`'s JSON text is: its strings with room for some escapes, and a little
/// per value for keys and punctuation.
fn json_size_hint(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len() + s.len() / 8 + 2,
        Value::Array(a) => a.iter().map(|x| json_size_hint(x) + 1).sum::<usize>() + 2,
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| k.len() + 4 + json_size_hint(x))
            .sum::<usize>()
            .saturating_add(2),
        _ => 24,
    }
}

/// The tool response with every string leaf redacted of the kinds the decision redacts.
/// The shape is unchanged, which is what Claude requires of `updatedToolOutput`.
///
/// The decision's redactions are spans of the event's output text, which is the response's
/// string leaves joined in order (`event::response_text`): each leaf takes the spans that lie
/// in it, so a megabyte of output is not scanned a second time. A leaf that is not where the
/// text says, or that a span crosses the edge of, is scanned on its own.
pub fn redact_response(ev: &Event, d: &Decision) -> Value {
    let kinds: Vec<&str> = d.redactions.iter().map(|r| r.kind.as_str()).collect();
    let rescan = |s: &str| {
        let findings = crate::redact::scan_kinds(s, &kinds);
        crate::redact::apply(s, &findings)
    };
    let Some(text) = ev.output.as_deref() else {
        return map_strings(&ev.tool_response, &mut |s| rescan(s));
    };
    // Where the next leaf starts in `text`, as `response_text` joins them.
    let mut joined = 0usize;
    map_strings(&ev.tool_response, &mut |s| {
        let at = if joined > 0 { joined + 1 } else { 0 };
        joined = at + s.len();
        if text.get(at..joined) != Some(s) {
            return rescan(s);
        }
        let mut inside = Vec::new();
        for r in &d.redactions {
            if r.end <= at || r.start >= joined {
                continue;
            }
            if r.start < at || r.end > joined {
                return rescan(s);
            }
            inside.push(crate::signals::Finding {
                kind: r.kind.clone(),
                start: r.start - at,
                end: r.end - at,
                hash: r.hash.clone(),
            });
        }
        crate::redact::apply(s, &inside)
    })
}

/// The tool response with its content replaced by a message (output withheld).
pub fn withhold_response(v: &Value, message: &str) -> Value {
    const CONTENT_KEYS: &[&str] = &[
        "stdout",
        "stderr",
        "content",
        "output",
        "text",
        "result",
        "llmContent",
        "returnDisplay",
    ];
    let mut first = true;
    match v {
        Value::String(_) => Value::String(message.to_string()),
        Value::Object(_) => {
            let mut replaced_any = false;
            let out = map_keyed(v, &mut |key, s| {
                if CONTENT_KEYS.contains(&key) {
                    replaced_any = true;
                    if std::mem::take(&mut first) {
                        return message.to_string();
                    }
                    return String::new();
                }
                s.to_string()
            });
            if replaced_any {
                out
            } else {
                map_strings(v, &mut |_| message.to_string())
            }
        }
        _ => Value::String(message.to_string()),
    }
}

fn map_strings(v: &Value, f: &mut dyn FnMut(&str) -> String) -> Value {
    match v {
        Value::String(s) => Value::String(f(s)),
        Value::Array(a) => Value::Array(a.iter().map(|x| map_strings(x, f)).collect()),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                out.insert(k.clone(), map_strings(x, f));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn map_keyed(v: &Value, f: &mut dyn FnMut(&str, &str) -> String) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                let nx = match x {
                    Value::String(s) => Value::String(f(k, s)),
                    other => map_keyed(other, f),
                };
                out.insert(k.clone(), nx);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| map_keyed(x, f)).collect()),
        other => other.clone(),
    }
}

/// The redacted flat output text (for runtimes that take the output as a reason string).
pub fn redacted_output(ev: &Event, d: &Decision) -> String {
    let text = ev.output.as_deref().unwrap_or("");
    let findings: Vec<crate::signals::Finding> = d
        .redactions
        .iter()
        .map(|r| crate::signals::Finding {
            kind: r.kind.clone(),
            start: r.start,
            end: r.end,
            hash: r.hash.clone(),
        })
        .collect();
    crate::redact::apply(text, &findings)
}

/// Common fields of the Claude-shaped payloads (Claude, Codex, Qwen, Factory, Copilot's
/// PascalCase mode).
pub fn parse_claude_like(
    raw: &Value,
    profile: &'static RuntimeProfile,
) -> Result<Event, ParseError> {
    let response = CLAUDE_RESPONSE.iter().find_map(|k| raw.get(*k)).cloned();
    claude_like(raw, profile, response)
}

/// [`parse_claude_like`] of a payload the caller is done with (see [`Adapter::parse_owned`]).
pub fn parse_claude_like_owned(
    mut raw: Value,
    profile: &'static RuntimeProfile,
) -> Result<Event, ParseError> {
    let response = take_first(&mut raw, CLAUDE_RESPONSE);
    claude_like(&raw, profile, response)
}

/// Where Claude-like payloads carry a tool's result: its response, else its error.
const CLAUDE_RESPONSE: &[&str] = &["tool_response", "error"];

/// Moves out the value of the first of `keys` the object has, leaving null in its place.
pub fn take_first(raw: &mut Value, keys: &[&str]) -> Option<Value> {
    let obj = raw.as_object_mut()?;
    let key = keys.iter().find(|k| obj.contains_key(**k))?;
    obj.get_mut(*key).map(Value::take)
}

/// The Claude-like event of `raw`, with the tool `response` already taken from it.
fn claude_like(
    raw: &Value,
    profile: &'static RuntimeProfile,
    response: Option<Value>,
) -> Result<Event, ParseError> {
    let obj = raw.as_object().ok_or(ParseError::NotObject)?;
    let name = obj
        .get("hook_event_name")
        .and_then(|v| v.as_str())
        .ok_or(ParseError::NoEventName)?;
    let boundary = profile.boundary_of(name);
    let mut ev = Event::new(profile.kind, boundary, name);
    let s = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(|s| s.to_string());
    ev.session_id = s("session_id").unwrap_or_default();
    ev.cwd = s("cwd").unwrap_or_default();
    ev.transcript_path = s("transcript_path");
    ev.model = s("model");
    ev.turn_id = s("turn_id");
    ev.action_id = s("tool_use_id");
    ev.permission_mode = s("permission_mode");
    if let Some(tool) = s("tool_name") {
        ev.tool = Some(profile.classify_tool(&tool));
        let input = obj.get("tool_input").cloned().unwrap_or(Value::Null);
        crate::event::fill_from_input(&mut ev, &input);
        ev.tool_input = input;
    }
    match boundary {
        Boundary::ToolOutput => {
            let resp = response.unwrap_or(Value::Null);
            ev.output = Some(match &resp {
                Value::String(s) => s.clone(),
                other => crate::event::response_text(other),
            });
            ev.tool_response = resp;
        }
        Boundary::Prompt => ev.prompt = s("prompt"),
        Boundary::FinalResponse => ev.response = s("last_assistant_message"),
        _ => {}
    }
    ev.continuation = stop_hook_active(raw);
    Ok(ev)
}

/// Whether a Stop-style event is already a continuation forced by a hook; blocking again
/// would loop, so such events are only recorded.
pub fn stop_hook_active(raw: &Value) -> bool {
    raw.get("stop_hook_active")
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// The message for an approval that a runtime cannot ask for: deny, and say how to approve.
pub fn approval_message(d: &Decision) -> String {
    let role = d
        .approver_role
        .clone()
        .unwrap_or_else(|| "an approver".to_string());
    let mut msg = format!("{}\nApproval required from {role}.", d.message());
    if let Some(code) = d.approval_code() {
        msg.push_str(&format!(
            " A person can allow this exact action with `hookwarden approve {code}`; then retry it unchanged."
        ));
    }
    msg
}

/// A short warning for the model's context (alerts on PII or injected instructions).
pub fn context_warning(d: &Decision) -> Option<String> {
    if d.effect != Effect::Alert {
        return None;
    }
    let msg = d.message();
    Some(format!("hookwarden notice: {msg}"))
}

/// `json!` helper for the common hookSpecificOutput shape.
pub fn hook_specific(event: &str, fields: Value) -> Value {
    let mut m = Map::new();
    m.insert("hookEventName".into(), json!(event));
    if let Value::Object(f) = fields {
        m.extend(f);
    }
    json!({ "hookSpecificOutput": Value::Object(m) })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::event::{classify_tool, ToolKind};
    use crate::runtime::testutil::decision;

    /// Redacting a structured response by the decision's spans of the joined output gives
    /// what scanning each leaf gives: leaves nested, empty, with a secret each, and one span
    /// that crosses from one leaf into the next (that leaf is scanned on its own).
    #[test]
    fn redaction_by_spans_of_the_output_matches_a_scan_of_each_leaf() {
        let aws = "AKIAQ3EGUWXR7NFZ4KPD";
        let gh = "ghp_R8kXv2LmQ9wZt4YpN7cJ3bH6gF1dS5aE0uIo";
        let resp = json!({
            "stderr": "",
            "stdout": format!("building\naws_access_key_id = {aws}\ndone"),
            "more": [format!("export GITHUB_TOKEN={gh}"), "plain", {"deep": format!("again {aws} end")}],
        });
        let mut ev = Event::new(RuntimeKind::Claude, Boundary::ToolOutput, "PostToolUse");
        let text = crate::event::response_text(&resp);
        let findings = crate::signals::secrets::scan(&text);
        assert!(findings.len() >= 3, "{findings:?}");
        ev.output = Some(text);
        ev.tool_response = resp.clone();
        let mut d = testutil::decision(Effect::Redact, Boundary::ToolOutput);
        d.redactions = findings
            .iter()
            .map(|f| crate::decision::Redaction {
                kind: f.kind.clone(),
                start: f.start,
                end: f.end,
                hash: f.hash.clone(),
            })
            .collect();
        let kinds: Vec<&str> = d.redactions.iter().map(|r| r.kind.as_str()).collect();
        let each_leaf = map_strings(&resp, &mut |s| {
            crate::redact::apply(s, &crate::redact::scan_kinds(s, &kinds))
        });
        let by_spans = redact_response(&ev, &d);
        assert_eq!(by_spans, each_leaf);
        let shown = by_spans.to_string();
        assert!(!shown.contains(aws) && !shown.contains(gh), "{shown}");
        assert!(
            shown.contains("building") && shown.contains("plain"),
            "{shown}"
        );

        // A span no scanner finds (a redact rule's own regex) is masked where it lies.
        let mut by_rule = d.clone();
        let at = ev.output.as_deref().unwrap().find("building").unwrap();
        by_rule.redactions.insert(
            0,
            crate::decision::Redaction {
                kind: "team.codename".into(),
                start: at,
                end: at + "building".len(),
                hash: "abcd".into(),
            },
        );
        let shown = redact_response(&ev, &by_rule).to_string();
        assert!(
            !shown.contains("building") && shown.contains("plain"),
            "{shown}"
        );

        // A span that crosses a leaf edge, and an output that is not the leaves joined.
        let mut crossing = d.clone();
        let edge = ev.output.as_deref().unwrap().find("done").unwrap();
        crossing.redactions.push(crate::decision::Redaction {
            kind: d.redactions[0].kind.clone(),
            start: edge,
            end: edge + 8,
            hash: "x".into(),
        });
        assert_eq!(redact_response(&ev, &crossing), each_leaf);
        ev.output = Some("something else".into());
        assert_eq!(redact_response(&ev, &d), each_leaf);
    }

    #[test]
    fn the_registry_finds_every_profile_by_kind_and_by_every_name() {
        let mut names = Vec::new();
        for p in profiles() {
            assert!(std::ptr::eq(profile(p.kind).unwrap(), *p), "{}", p.name());
            for n in p.names() {
                assert!(!names.contains(&n), "`{n}` names two runtimes");
                names.push(n);
                assert_eq!(by_name(n).unwrap().kind, p.kind);
                assert_eq!(by_name(&n.to_ascii_uppercase()).unwrap().kind, p.kind);
            }
        }
        let kinds: Vec<RuntimeKind> = profiles().iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            RuntimeKind::RUNTIMES,
            "PROFILES is in registry order"
        );
        assert!(profile(RuntimeKind::None).is_none());
        assert!(by_name("none").is_none());
        let err = parse_name("nosuch").unwrap_err().to_string();
        assert!(
            err.starts_with("unknown runtime `nosuch` (known: claude, codex"),
            "{err}"
        );
    }

    /// Tool kinds have one source per runtime (its profile); a name two runtimes use has one
    /// kind, so the cross-runtime table generated from them classifies it the same way.
    #[test]
    fn every_profile_tool_classifies_to_its_kind_everywhere() {
        for p in profiles() {
            for (name, kind) in p.tools {
                assert_eq!(classify_tool(name).kind, *kind, "{} {name}", p.name());
                assert_eq!(p.classify_tool(name).kind, *kind);
                assert_eq!(p.tool_kind(name), Some(*kind));
            }
            if !p.mcp_prefix.is_empty() {
                let mcp = format!("{}github_create_issue", p.mcp_prefix);
                assert_eq!(p.classify_tool(&mcp).kind, ToolKind::Mcp, "{mcp}");
            }
        }
    }

    #[test]
    fn geminis_grep_tool_has_one_name() {
        let names: Vec<&str> = gemini::PROFILE.tools.iter().map(|(n, _)| *n).collect();
        assert!(names.contains(&"grep_search"));
        assert!(!names.contains(&"search_file_content"));
        assert_eq!(
            gemini::PROFILE.tool_kind("grep_search"),
            Some(ToolKind::Search)
        );
    }

    /// What the profile says about `ask` is what the adapter does: at each pre-tool event it
    /// renders an ask exactly where the profile says a person sees one.
    #[test]
    fn adapters_ask_exactly_where_their_profile_says() {
        let mut d = decision(Effect::Ask, Boundary::ToolRequest);
        d.approval_code = None;
        for p in profiles() {
            for e in p
                .events
                .iter()
                .filter(|e| e.boundary == Boundary::ToolRequest)
            {
                let kind = e.tool_kind.unwrap_or(ToolKind::Shell);
                let mut ev = Event::new(p.kind, Boundary::ToolRequest, e.name);
                ev.tool = Some(crate::event::Tool::new("x", kind));
                let a = p.adapter.render(&ev, &d);
                let asked = a.stdout.contains("\"ask\"");
                assert_eq!(
                    asked,
                    p.can_ask(e.name, Some(kind)),
                    "{} {}",
                    p.name(),
                    e.name
                );
            }
            let wired_pre = p.installed_at(Boundary::ToolRequest).unwrap().0;
            assert_eq!(
                p.caps.ask.is_yes(),
                wired_pre.asks,
                "{}: the ask capability is the installed pre-tool event's",
                p.name()
            );
        }
        // Cursor asks for shell and MCP only, never at preToolUse.
        let c = &cursor::PROFILE;
        assert!(c.can_ask("beforeShellExecution", Some(ToolKind::Shell)));
        assert!(c.can_ask("beforeMCPExecution", Some(ToolKind::Mcp)));
        assert!(!c.can_ask("preToolUse", Some(ToolKind::Shell)));
        assert!(!c.can_ask("preToolUse", Some(ToolKind::FileRead)));
    }

    /// The failure answer blocks a pre-tool call the way the runtime reads answers, and a
    /// deny of the self-test payload is read as a block.
    #[test]
    fn failures_and_denials_block_the_way_each_runtime_reads_them() {
        for p in profiles() {
            let f = p
                .adapter
                .render_failure(Some(Boundary::ToolRequest), "broken");
            assert!(p.answer_blocks(&f.stdout, f.exit_code), "{}", p.name());
            assert_eq!(f.exit_code == 2, p.exit2_blocks, "{}", p.name());
            let raw = p.selftest_payload("/w");
            assert_eq!(mismatch(p.kind, &raw).map(|p| p.kind), None, "{}", p.name());
            let ev = p.adapter.parse(&raw).unwrap();
            assert_eq!(ev.boundary, Boundary::ToolRequest, "{}", p.name());
            assert_eq!(ev.command.as_deref(), Some("rm -rf /"), "{}", p.name());
            let a = p
                .adapter
                .render(&ev, &decision(Effect::Deny, Boundary::ToolRequest));
            assert!(p.answer_blocks(&a.stdout, a.exit_code), "{}", p.name());
            let allow = p
                .adapter
                .render(&ev, &decision(Effect::Allow, Boundary::ToolRequest));
            assert!(
                !p.answer_blocks(&allow.stdout, allow.exit_code),
                "{}",
                p.name()
            );
        }
    }

    /// What [`RuntimeProfile::base`] leaves empty, every profile says: its capabilities, each
    /// with the text `policy compile` shows, and its tools. (Events, install and self-test
    /// are checked by the tests around this one.) A managed file is written in one place.
    #[test]
    fn every_profile_says_what_only_it_can() {
        for p in profiles() {
            let c = &p.caps;
            let caps = [
                c.pre_deny,
                c.ask,
                c.post_replace,
                c.prompt_block,
                c.final_block,
                c.stop_session,
                c.pre_stop,
            ];
            assert!(caps.iter().all(|c| !c.text().is_empty()), "{}", p.name());
            assert!(!p.tools.is_empty(), "{}", p.name());
            assert!(!p.display.is_empty(), "{}", p.name());
            let mut managed: Vec<&str> = p.managed_files().collect();
            let all = managed.len();
            managed.sort_unstable();
            managed.dedup();
            assert_eq!(
                managed.len(),
                all,
                "{}: a managed file listed twice",
                p.name()
            );
        }
    }

    #[test]
    fn install_writes_one_listed_config_per_boundary() {
        for p in profiles() {
            let mut seen = Vec::new();
            for (e, _) in p.installed() {
                assert!(!seen.contains(&e.boundary), "{} {}", p.name(), e.name);
                seen.push(e.boundary);
            }
            assert!(seen.contains(&Boundary::ToolRequest), "{}", p.name());
            let c = &p.config;
            let listed = |f: &str, files: &[&str], dirs: &[&str]| {
                files.contains(&f) || dirs.iter().any(|d| f.starts_with(&format!("{d}/")))
            };
            let project: Vec<&str> = c.project.iter().chain(c.local).copied().collect();
            assert!(
                listed(p.install.project_file, &project, c.project_dirs),
                "{}",
                p.name()
            );
            assert!(
                listed(p.install.user_file, c.user, c.user_dirs),
                "{}",
                p.name()
            );
            // The local hooks file is one the runtime keeps out of version control (and so
            // one the guard protects as a local config).
            if let Some(local) = p.install.local_file {
                assert!(c.local.contains(&local), "{}", p.name());
            }
        }
    }

    #[test]
    fn a_fail_closed_setting_is_set_at_pre_tool_and_only_where_the_runtime_has_one() {
        use profile::Outcome;
        for p in profiles() {
            let f = &p.install.on_failure;
            let (pre, wiring) = p.installed_at(Boundary::ToolRequest).unwrap();
            match f.fail_closed_key {
                Some(_) => {
                    assert!(wiring.fail_closed, "{} {}", p.name(), pre.name);
                    assert!(f.closed(), "{}", p.name());
                }
                None => {
                    assert!(
                        p.installed().all(|(_, w)| !w.fail_closed),
                        "{}: fail_closed wiring without a key to write",
                        p.name()
                    );
                    // Without a setting a timeout is never documented to block.
                    assert_ne!(f.timeout, Outcome::Blocks, "{}", p.name());
                }
            }
        }
        let text = |k| profile(k).unwrap().install.on_failure.describe("X");
        assert_eq!(
            text(RuntimeKind::Claude),
            "X lets the call run when the hook crashes, cannot be run or times out: it has no setting that makes it block"
        );
        assert_eq!(
            text(RuntimeKind::Cursor),
            "X blocks the call when the hook crashes, cannot be run or times out (install sets `failClosed: true`)"
        );
        assert!(text(RuntimeKind::Gemini).contains("but lets the call run when it times out"));
    }

    #[test]
    fn payloads_are_told_apart_by_event_names_and_marker_keys() {
        let gemini = json!({ "hook_event_name": "BeforeTool", "session_id": "s" });
        assert_eq!(infer(&gemini), Some(RuntimeKind::Gemini));
        let codex = json!({ "hook_event_name": "PreToolUse", "turn_id": "t" });
        assert_eq!(infer(&codex), Some(RuntimeKind::Codex));
        let claude = json!({ "hook_event_name": "PreToolUse", "session_id": "s" });
        assert_eq!(infer(&claude), Some(RuntimeKind::Claude));
        let copilot = json!({ "sessionId": "s", "toolName": "bash" });
        assert_eq!(infer(&copilot), Some(RuntimeKind::Copilot));
        // Nothing a runtime sends: no guess, and no Claude by default.
        assert_eq!(infer(&json!({ "hook_event_name": "BeforeShell" })), None);
        assert_eq!(infer(&json!({ "tool_name": "Bash" })), None);
        let cursor_shell = json!({ "hook_event_name": "beforeShellExecution",
            "conversation_id": "c", "command": "ls" });
        let looks = |k: RuntimeKind, raw: &Value| mismatch(k, raw).map(|p| p.kind);
        assert_eq!(
            looks(RuntimeKind::Claude, &cursor_shell),
            Some(RuntimeKind::Cursor)
        );
        assert_eq!(looks(RuntimeKind::Cursor, &cursor_shell), None);
        assert_eq!(looks(RuntimeKind::Claude, &codex), None);
        assert_eq!(
            looks(RuntimeKind::Claude, &copilot),
            Some(RuntimeKind::Copilot)
        );
        // An event nobody lists is left to the named runtime (recorded, boundary other).
        let unknown = json!({ "hook_event_name": "Notification", "session_id": "s" });
        assert_eq!(looks(RuntimeKind::Claude, &unknown), None);
    }
}
