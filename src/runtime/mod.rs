//! Runtime adapters: parse a runtime's hook stdin into an [`Event`], render a [`Decision`] in
//! that runtime's answer shape. One file per runtime; each implements [`Adapter`].
//!
//! What each runtime honours is recorded in ../shared/docs/hook-protocols.md; the rules that
//! matter most here: never send `allow` (it would bypass the runtime's own permission
//! prompts), never send Codex a field it does not know (it then runs the tool), never send
//! `ask` to Codex or Gemini (the tool runs, or the CLI hangs).

pub mod claude;
pub mod codex;
pub mod copilot;
pub mod cursor;
pub mod factory;
pub mod gemini;
pub mod qwen;
#[cfg(test)]
pub(crate) mod testutil;

use crate::decision::{Decision, Effect};
use crate::event::{Boundary, Event, RuntimeKind, Tool, ToolKind};
use serde_json::{json, Map, Value};

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
        Answer {
            stdout: v.to_string(),
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
    fn kind(&self) -> RuntimeKind;
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
        match boundary {
            Some(Boundary::ToolRequest) | None => Answer::block_exit2(message),
            _ => Answer {
                stderr: message.to_string(),
                ..Answer::default()
            },
        }
    }
}

pub fn adapter(kind: RuntimeKind) -> &'static dyn Adapter {
    match kind {
        RuntimeKind::Codex => &codex::Codex,
        RuntimeKind::Gemini => &gemini::Gemini,
        RuntimeKind::Cursor => &cursor::Cursor,
        RuntimeKind::Copilot => &copilot::Copilot,
        RuntimeKind::Qwen => &qwen::Qwen,
        RuntimeKind::Factory => &factory::Factory,
        _ => &claude::Claude,
    }
}

/// Guesses the runtime from a payload when `--runtime` is not given. Installed configs always
/// pass the flag; this is for people piping events by hand.
pub fn infer(raw: &Value) -> RuntimeKind {
    let event = raw
        .get("hook_event_name")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if matches!(
        event,
        "BeforeTool" | "AfterTool" | "BeforeAgent" | "AfterAgent" | "BeforeModel" | "AfterModel"
    ) {
        return RuntimeKind::Gemini;
    }
    // Copilot's camelCase payloads carry no event name; Cursor's event names are camelCase.
    if raw.get("sessionId").is_some() || raw.get("toolName").is_some() {
        return RuntimeKind::Copilot;
    }
    if raw.get("conversation_id").is_some() && event.starts_with(|c: char| c.is_ascii_lowercase()) {
        return RuntimeKind::Cursor;
    }
    if raw.get("turn_id").is_some() || raw.get("tool_response").is_some_and(|v| v.is_string()) {
        return RuntimeKind::Codex;
    }
    RuntimeKind::Claude
}

/// Tool names to kinds, across runtimes.
pub fn classify_tool(name: &str) -> Tool {
    if let Some(rest) = name.strip_prefix("mcp__") {
        let (server, tool) = rest.split_once("__").unwrap_or((rest, ""));
        return Tool::mcp(name, server, tool);
    }
    if let Some(rest) = name.strip_prefix("mcp_") {
        let (server, tool) = rest.split_once('_').unwrap_or((rest, ""));
        return Tool::mcp(name, server, tool);
    }
    if let Some(rest) = name.strip_prefix("MCP:") {
        return Tool::mcp(name, "", rest);
    }
    let kind = match name {
        "Bash" | "run_shell_command" | "Shell" | "shell" | "bash" | "exec_command" | "Execute"
        | "local_shell" | "execute_bash" | "launch-process" | "powershell" => ToolKind::Shell,
        "Read" | "read_file" | "read_many_files" | "view" | "Read File" | "NotebookRead" => {
            ToolKind::FileRead
        }
        "Write" | "write_file" | "create" | "save-file" | "Create" => ToolKind::FileWrite,
        "Edit" | "MultiEdit" | "replace" | "edit" | "NotebookEdit" | "str-replace-editor"
        | "Edit File" => ToolKind::FileEdit,
        "apply_patch" | "ApplyPatch" => ToolKind::Patch,
        "Grep" | "Glob" | "grep_search" | "glob" | "list_directory" | "LS" | "grep" => {
            ToolKind::Search
        }
        "WebFetch" | "web_fetch" | "WebSearch" | "google_web_search" | "web-fetch" | "FetchUrl" => {
            ToolKind::WebFetch
        }
        _ => ToolKind::Other,
    };
    Tool::new(name, kind)
}

/// One argv element as a shell word.
fn shell_quote(a: &str) -> String {
    let plain = !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// Fills command, paths, content and URLs from a tool input, whatever the runtime.
pub fn fill_from_input(ev: &mut Event, input: &Value) {
    let kind = ev.tool_kind().unwrap_or(ToolKind::Other);
    let s = |k: &str| input.get(k).and_then(|v| v.as_str()).map(|s| s.to_string());
    match kind {
        ToolKind::Shell => {
            ev.command = s("command").or_else(|| s("cmd")).or_else(|| {
                // Codex's `shell` tool sends an argv (`["bash", "-lc", "…"]`): quote each
                // element so the script stays one word, as the shell will receive it.
                input.get("command").and_then(|v| v.as_array()).map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .map(shell_quote)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
            });
        }
        ToolKind::Patch => {
            let text = s("command").or_else(|| s("patch")).or_else(|| s("input"));
            if let Some(t) = &text {
                let (paths, added) = patch_paths(t);
                ev.paths = paths;
                ev.write_content = Some(added);
            }
        }
        _ => {}
    }
    for key in [
        "file_path",
        "path",
        "absolute_path",
        "notebook_path",
        "filePath",
        "dir_path",
    ] {
        if let Some(p) = s(key) {
            if !ev.paths.contains(&p) {
                ev.paths.push(p);
            }
        }
    }
    if let Some(arr) = input.get("paths").and_then(|v| v.as_array()) {
        for p in arr.iter().filter_map(|v| v.as_str()) {
            ev.paths.push(p.to_string());
        }
    }
    if kind.writes_files() && ev.write_content.is_none() {
        let mut content = Vec::new();
        for key in ["content", "new_string", "newText", "new_str", "file_text"] {
            if let Some(c) = s(key) {
                content.push(c);
            }
        }
        if let Some(edits) = input.get("edits").and_then(|v| v.as_array()) {
            for e in edits {
                if let Some(c) = e.get("new_string").and_then(|v| v.as_str()) {
                    content.push(c.to_string());
                }
            }
        }
        if !content.is_empty() {
            ev.write_content = Some(content.join("\n"));
        }
    }
    if let Some(u) = s("url") {
        ev.urls.push(u);
    }
}

/// Every file an `apply_patch` patch touches, and the text of its added lines.
pub fn patch_paths(patch: &str) -> (Vec<String>, String) {
    let mut paths = Vec::new();
    let mut added = String::new();
    for line in patch.lines() {
        for prefix in [
            "*** Add File: ",
            "*** Update File: ",
            "*** Delete File: ",
            "*** Move to: ",
        ] {
            if let Some(p) = line.strip_prefix(prefix) {
                let p = p.trim().to_string();
                if !paths.contains(&p) {
                    paths.push(p);
                }
            }
        }
        if let Some(a) = line.strip_prefix('+') {
            added.push_str(a);
            added.push('\n');
        }
    }
    (paths, added)
}

/// The tool response with every string leaf redacted of the kinds the decision redacts.
/// The shape is unchanged, which is what Claude requires of `updatedToolOutput`.
pub fn redact_response(v: &Value, d: &Decision) -> Value {
    let kinds: Vec<&str> = d.redactions.iter().map(|r| r.kind.as_str()).collect();
    map_strings(v, &mut |s| {
        let findings = crate::redact::scan_kinds(s, &kinds);
        crate::redact::apply(s, &findings)
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
pub fn parse_claude_like(raw: &Value, runtime: RuntimeKind) -> Result<Event, ParseError> {
    let response = CLAUDE_RESPONSE.iter().find_map(|k| raw.get(*k)).cloned();
    claude_like(raw, runtime, response)
}

/// [`parse_claude_like`] of a payload the caller is done with (see [`Adapter::parse_owned`]).
pub fn parse_claude_like_owned(mut raw: Value, runtime: RuntimeKind) -> Result<Event, ParseError> {
    let response = take_first(&mut raw, CLAUDE_RESPONSE);
    claude_like(&raw, runtime, response)
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
    runtime: RuntimeKind,
    response: Option<Value>,
) -> Result<Event, ParseError> {
    let obj = raw.as_object().ok_or(ParseError::NotObject)?;
    let name = obj
        .get("hook_event_name")
        .and_then(|v| v.as_str())
        .ok_or(ParseError::NoEventName)?;
    let boundary = match name {
        "PreToolUse" => Boundary::ToolRequest,
        "PostToolUse" | "PostToolUseFailure" => Boundary::ToolOutput,
        "UserPromptSubmit" => Boundary::Prompt,
        "Stop" | "SubagentStop" => Boundary::FinalResponse,
        _ => Boundary::Other,
    };
    let mut ev = Event::new(runtime, boundary, name);
    let s = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(|s| s.to_string());
    ev.session_id = s("session_id").unwrap_or_default();
    ev.cwd = s("cwd").unwrap_or_default();
    ev.transcript_path = s("transcript_path");
    ev.model = s("model");
    ev.turn_id = s("turn_id");
    ev.action_id = s("tool_use_id");
    if let Some(tool) = s("tool_name") {
        ev.tool = Some(classify_tool(&tool));
        let input = obj.get("tool_input").cloned().unwrap_or(Value::Null);
        fill_from_input(&mut ev, &input);
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
