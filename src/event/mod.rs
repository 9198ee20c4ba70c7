//! The normalized event: what every runtime adapter produces and every signal reads.
//!
//! Flow: `stdin JSON -> runtime adapter -> Event -> signals -> flags -> policy -> Decision`.
//! Adapters translate each runtime's payload into this model; [`tool`] classifies tool names
//! (each runtime's own names come from its profile in `runtime/`) and reads the command,
//! paths and content from a tool's input, whatever the runtime's field names.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

mod runtime_tools;
pub mod tool;

pub use tool::{classify_tool, classify_tool_in, fill_from_input, patch_paths};

/// Where in an agent's turn the event sits. Rules name the boundary they apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Boundary {
    /// The user's prompt, before the model sees it.
    Prompt,
    /// A tool call, before it runs (pre-tool).
    ToolRequest,
    /// A tool's result, before the model sees it (post-tool).
    ToolOutput,
    /// The agent's final answer for the turn.
    FinalResponse,
    /// An event hookwarden has no boundary for (session start, compaction, ...).
    Other,
}

impl Boundary {
    pub const ALL: [Boundary; 4] = [
        Boundary::Prompt,
        Boundary::ToolRequest,
        Boundary::ToolOutput,
        Boundary::FinalResponse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Boundary::Prompt => "prompt",
            Boundary::ToolRequest => "tool_request",
            Boundary::ToolOutput => "tool_output",
            Boundary::FinalResponse => "final_response",
            Boundary::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Boundary> {
        Some(match s {
            "prompt" => Boundary::Prompt,
            "tool_request" => Boundary::ToolRequest,
            "tool_output" => Boundary::ToolOutput,
            "final_response" => Boundary::FinalResponse,
            "other" => Boundary::Other,
            _ => return None,
        })
    }
}

impl fmt::Display for Boundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a tool does, independent of what a runtime calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolKind {
    Shell,
    FileRead,
    FileWrite,
    FileEdit,
    Patch,
    Search,
    WebFetch,
    Mcp,
    Other,
}

impl ToolKind {
    /// Every kind, `Other` last.
    pub const ALL: [ToolKind; 9] = [
        ToolKind::Shell,
        ToolKind::FileRead,
        ToolKind::FileWrite,
        ToolKind::FileEdit,
        ToolKind::Patch,
        ToolKind::Search,
        ToolKind::WebFetch,
        ToolKind::Mcp,
        ToolKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ToolKind::Shell => "shell",
            ToolKind::FileRead => "file_read",
            ToolKind::FileWrite => "file_write",
            ToolKind::FileEdit => "file_edit",
            ToolKind::Patch => "patch",
            ToolKind::Search => "search",
            ToolKind::WebFetch => "web_fetch",
            ToolKind::Mcp => "mcp",
            ToolKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<ToolKind> {
        Some(match s {
            "shell" => ToolKind::Shell,
            "file_read" => ToolKind::FileRead,
            "file_write" => ToolKind::FileWrite,
            "file_edit" => ToolKind::FileEdit,
            "patch" => ToolKind::Patch,
            "search" => ToolKind::Search,
            "web_fetch" => ToolKind::WebFetch,
            "mcp" => ToolKind::Mcp,
            "other" => ToolKind::Other,
            _ => return None,
        })
    }

    /// Tools whose effect is writing to the file system.
    pub fn writes_files(self) -> bool {
        matches!(
            self,
            ToolKind::FileWrite | ToolKind::FileEdit | ToolKind::Patch
        )
    }
}

/// The runtimes hookwarden has an adapter for, as `(Variant, module, "name")`: the
/// [`RuntimeKind`] variant, its file `runtime/<module>.rs` (which holds the adapter and the
/// `PROFILE`), and the canonical name that `--runtime`, policies and audit lines write. The
/// order is the order reports list them in.
///
/// This list is the registry: it is written once, here, and every place that needs every
/// runtime expands it (`runtimes!(callback)` calls `callback!` with the list): the
/// [`RuntimeKind`] enum with its names, and in `runtime/` the `pub mod` lines, the exhaustive
/// `profile()` match and `PROFILES`. Adding a runtime is its file and its line here.
macro_rules! runtimes {
    ($callback:ident) => {
        $callback! {
            (Claude, claude, "claude"),
            (Codex, codex, "codex"),
            (Gemini, gemini, "gemini"),
            (Cursor, cursor, "cursor"),
            (Copilot, copilot, "copilot"),
            (Qwen, qwen, "qwen"),
            (Factory, factory, "factory"),
        }
    };
}
pub(crate) use runtimes;

/// [`RuntimeKind`] from the registry: a variant per runtime, then `None`.
macro_rules! runtime_kind {
    ($(($variant:ident, $module:ident, $name:literal)),* $(,)?) => {
        /// The runtime that called the hook. Each one but `None` has a profile in `runtime/`;
        /// `None` stays last (the runtime registry is sized by it).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum RuntimeKind {
            $(
                #[serde(rename = $name)]
                $variant,
            )*
            /// Evaluation without a runtime (`hookwarden check`, replay).
            #[serde(rename = "none")]
            None,
        }

        impl RuntimeKind {
            /// Every runtime hookwarden has an adapter for, in registry order (not `None`).
            pub const RUNTIMES: [RuntimeKind; RuntimeKind::None as usize] =
                [$(RuntimeKind::$variant),*];

            /// Every kind, `None` last.
            pub const ALL: [RuntimeKind; RuntimeKind::None as usize + 1] =
                [$(RuntimeKind::$variant,)* RuntimeKind::None];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(RuntimeKind::$variant => $name,)*
                    RuntimeKind::None => "none",
                }
            }

            /// The runtime a canonical name names, as audit lines and policy `runtime`
            /// conditions write it (`claude`, `none`). The names users type, aliases
            /// included, are in each runtime's profile (`runtime::by_name`).
            pub fn parse(s: &str) -> Option<RuntimeKind> {
                Some(match s {
                    $($name => RuntimeKind::$variant,)*
                    "none" => RuntimeKind::None,
                    _ => return None,
                })
            }
        }
    };
}

runtimes!(runtime_kind);

impl fmt::Display for RuntimeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tool as the runtime named it, plus what kind of tool it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// The name exactly as the runtime sent it (`Bash`, `run_shell_command`, `mcp__github__create_issue`).
    pub name: String,
    pub kind: ToolKind,
    /// For MCP tools: the server and tool parts of the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp_server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp_tool: Option<String>,
}

impl Tool {
    pub fn new(name: &str, kind: ToolKind) -> Tool {
        Tool {
            name: name.to_string(),
            kind,
            mcp_server: None,
            mcp_tool: None,
        }
    }

    /// Splits `mcp__server__tool` (Claude, Codex) or `mcp_server_tool` (Gemini) names.
    pub fn mcp(name: &str, server: &str, tool: &str) -> Tool {
        Tool {
            name: name.to_string(),
            kind: ToolKind::Mcp,
            mcp_server: Some(server.to_string()),
            mcp_tool: Some(tool.to_string()),
        }
    }
}

/// One hook call, normalized. Built by a runtime adapter, read by signals and rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub runtime: RuntimeKind,
    pub boundary: Boundary,
    /// The runtime's own event name (`PreToolUse`, `BeforeTool`, ...), kept for the audit log.
    pub event_name: String,
    #[serde(default)]
    pub session_id: String,
    /// The runtime's id for this tool call (`tool_use_id`), when it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    #[serde(default)]
    pub cwd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The runtime's permission mode for the session (`default`, `bypassPermissions`, ...),
    /// which decides whether an `ask` answer reaches a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<Tool>,
    /// The tool's arguments as sent; rules may address any field by JSON pointer.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub tool_input: Value,
    /// The shell command line, for shell tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Every file path the tool touches (file tools, every file of an `apply_patch` patch).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Content the tool writes (Write content, Edit new string, added patch lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_content: Option<String>,
    /// URLs the tool fetches (web fetch tools).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// The tool's output text as the model would see it (post-tool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// The user's prompt (prompt boundary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// The agent's final answer (final-response boundary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// A final-response event that a hook's earlier block already forced; blocking it again
    /// would loop the agent, so it is only recorded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub continuation: bool,
    /// The structured tool response, kept so the adapter can answer in the tool's own shape.
    #[serde(skip)]
    pub tool_response: Value,
}

impl Event {
    /// An event with nothing but a runtime, boundary and event name; adapters fill in the rest.
    pub fn new(runtime: RuntimeKind, boundary: Boundary, event_name: &str) -> Event {
        Event {
            runtime,
            boundary,
            event_name: event_name.to_string(),
            session_id: String::new(),
            action_id: None,
            turn_id: None,
            cwd: String::new(),
            transcript_path: None,
            model: None,
            permission_mode: None,
            tool: None,
            tool_input: Value::Null,
            command: None,
            paths: Vec::new(),
            write_content: None,
            urls: Vec::new(),
            output: None,
            prompt: None,
            response: None,
            continuation: false,
            tool_response: Value::Null,
        }
    }

    pub fn tool_kind(&self) -> Option<ToolKind> {
        self.tool.as_ref().map(|t| t.kind)
    }

    pub fn tool_name(&self) -> Option<&str> {
        self.tool.as_ref().map(|t| t.name.as_str())
    }

    /// The text a boundary carries: what text signals (secrets, PII, injection) scan.
    pub fn boundary_text(&self) -> Option<&str> {
        match self.boundary {
            Boundary::Prompt => self.prompt.as_deref(),
            Boundary::ToolOutput => self.output.as_deref(),
            Boundary::FinalResponse => self.response.as_deref(),
            Boundary::ToolRequest => self.command.as_deref().or(self.write_content.as_deref()),
            Boundary::Other => None,
        }
    }

    /// The texts that text signals (secrets, personal data, injection) scan at this event's
    /// boundary: the prompt; at a tool request the command line, the written content, or for
    /// an MCP or unknown tool the string values it is sent; the tool output; the final
    /// response. Borrowed from the event (a big output is never copied); only an MCP or
    /// unknown tool's input is assembled, from its JSON.
    pub fn scan_texts(&self) -> Vec<Cow<'_, str>> {
        match self.boundary_text() {
            Some(t) => vec![Cow::Borrowed(t)],
            None if self.boundary == Boundary::ToolRequest
                && matches!(self.tool_kind(), Some(ToolKind::Mcp | ToolKind::Other)) =>
            {
                vec![Cow::Owned(response_text(&self.tool_input))]
            }
            None => Vec::new(),
        }
    }
}

/// The text of a structured tool response, for scanning: every string leaf, in order.
pub fn response_text(v: &Value) -> String {
    // Sized first: a megabyte of output grown by doubling is copied into fresh pages again
    // and again.
    let mut out = String::with_capacity(strings_len(v));
    collect_strings(v, &mut out);
    out
}

/// The bytes [`collect_strings`] writes for `v`, separators included (an upper bound).
fn strings_len(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len() + 1,
        Value::Array(a) => a.iter().map(strings_len).sum(),
        Value::Object(m) => m.values().map(strings_len).sum(),
        _ => 0,
    }
}

fn collect_strings(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(s);
        }
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// `ToolKind::ALL` lists every kind once: the match below stops compiling when a kind is
    /// added, and says where it stands in the list.
    #[test]
    fn tool_kind_all_is_every_kind() {
        let at = |k: ToolKind| match k {
            ToolKind::Shell => 0,
            ToolKind::FileRead => 1,
            ToolKind::FileWrite => 2,
            ToolKind::FileEdit => 3,
            ToolKind::Patch => 4,
            ToolKind::Search => 5,
            ToolKind::WebFetch => 6,
            ToolKind::Mcp => 7,
            ToolKind::Other => 8,
        };
        for (i, k) in ToolKind::ALL.into_iter().enumerate() {
            assert_eq!(at(k), i, "{k:?}");
            assert_eq!(ToolKind::parse(k.as_str()), Some(k));
        }
    }

    /// One name per runtime kind: what `as_str` prints, `parse` reads and serde writes.
    #[test]
    fn every_runtime_kind_has_one_name() {
        assert_eq!(RuntimeKind::ALL.last(), Some(&RuntimeKind::None));
        assert_eq!(
            &RuntimeKind::ALL[..RuntimeKind::RUNTIMES.len()],
            &RuntimeKind::RUNTIMES
        );
        for k in RuntimeKind::ALL {
            let name = k.as_str();
            assert_eq!(RuntimeKind::parse(name), Some(k), "{name}");
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{name}\""));
            assert_eq!(
                serde_json::from_str::<RuntimeKind>(&format!("\"{name}\"")).unwrap(),
                k
            );
        }
        assert_eq!(RuntimeKind::parse("Claude"), None);
    }
}
