//! Tool calls as the policy sees them: a runtime's tool name classified into a [`ToolKind`],
//! and the command, paths, written content and URLs filled from the tool's input, whatever
//! the runtime's field names.

use super::{Event, Tool, ToolKind};
use serde_json::Value;

/// Tool names to kinds, across runtimes: the union of every runtime profile's tool table
/// (`runtime/<name>.rs`; a test there keeps the two in step), plus the names of runtimes
/// hookwarden has no adapter for yet. It is what classifies a tool when the runtime is not
/// known (policy tests, transcripts) and a name from another runtime's table when runtimes
/// share one config (Cursor and Copilot CLI also run `.claude/settings.json` hooks).
pub const KNOWN_TOOLS: &[(&str, ToolKind)] = &[
    ("Bash", ToolKind::Shell),
    ("run_shell_command", ToolKind::Shell),
    ("Shell", ToolKind::Shell),
    ("shell", ToolKind::Shell),
    ("bash", ToolKind::Shell),
    ("exec_command", ToolKind::Shell),
    ("Execute", ToolKind::Shell),
    ("local_shell", ToolKind::Shell),
    ("execute_bash", ToolKind::Shell),
    ("launch-process", ToolKind::Shell),
    ("powershell", ToolKind::Shell),
    ("Read", ToolKind::FileRead),
    ("read_file", ToolKind::FileRead),
    ("read_many_files", ToolKind::FileRead),
    ("view", ToolKind::FileRead),
    ("Read File", ToolKind::FileRead),
    ("NotebookRead", ToolKind::FileRead),
    ("Write", ToolKind::FileWrite),
    ("write_file", ToolKind::FileWrite),
    ("create", ToolKind::FileWrite),
    ("save-file", ToolKind::FileWrite),
    ("Create", ToolKind::FileWrite),
    ("Delete", ToolKind::FileWrite),
    ("Edit", ToolKind::FileEdit),
    ("MultiEdit", ToolKind::FileEdit),
    ("replace", ToolKind::FileEdit),
    ("edit", ToolKind::FileEdit),
    ("NotebookEdit", ToolKind::FileEdit),
    ("str-replace-editor", ToolKind::FileEdit),
    ("Edit File", ToolKind::FileEdit),
    ("apply_patch", ToolKind::Patch),
    ("ApplyPatch", ToolKind::Patch),
    ("Grep", ToolKind::Search),
    ("Glob", ToolKind::Search),
    ("grep_search", ToolKind::Search),
    ("glob", ToolKind::Search),
    ("list_directory", ToolKind::Search),
    ("LS", ToolKind::Search),
    ("grep", ToolKind::Search),
    ("WebFetch", ToolKind::WebFetch),
    ("web_fetch", ToolKind::WebFetch),
    ("WebSearch", ToolKind::WebFetch),
    ("web_search", ToolKind::WebFetch),
    ("google_web_search", ToolKind::WebFetch),
    ("web-fetch", ToolKind::WebFetch),
    ("FetchUrl", ToolKind::WebFetch),
];

/// A tool name classified without knowing the runtime: MCP names by their prefix, the rest
/// through [`KNOWN_TOOLS`].
pub fn classify_tool(name: &str) -> Tool {
    classify_tool_in(name, &[])
}

/// A tool name classified for a runtime: MCP names by their prefix (`mcp__server__tool`,
/// `mcp_server_tool`, `MCP:tool`), then the runtime's own table (its profile's `tools`), then
/// every runtime's names; anything else is [`ToolKind::Other`].
pub fn classify_tool_in(name: &str, own: &[(&str, ToolKind)]) -> Tool {
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
    let kind = own
        .iter()
        .chain(KNOWN_TOOLS)
        .find(|(n, _)| *n == name)
        .map_or(ToolKind::Other, |(_, k)| *k);
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
