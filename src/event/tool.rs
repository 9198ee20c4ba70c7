//! Tool calls as the policy sees them: a runtime's tool name classified into a [`ToolKind`],
//! and the command, paths, written content and URLs filled from the tool's input, whatever
//! the runtime's field names.

pub use super::runtime_tools::RUNTIME_TOOLS;
use super::{Event, Tool, ToolKind};
use serde_json::Value;

/// Tool names of agents hookwarden has no adapter for, classified like the runtimes' own
/// (every runtime profile's names are in [`RUNTIME_TOOLS`], generated from the profiles).
pub const OTHER_AGENT_TOOLS: &[(&str, ToolKind)] = &[
    ("execute_bash", ToolKind::Shell),
    ("launch-process", ToolKind::Shell),
    ("Read File", ToolKind::FileRead),
    ("save-file", ToolKind::FileWrite),
    ("str-replace-editor", ToolKind::FileEdit),
    ("Edit File", ToolKind::FileEdit),
    ("web-fetch", ToolKind::WebFetch),
];

/// A tool name classified without knowing the runtime (policy tests, transcripts): MCP names
/// by their prefix, then every runtime's names ([`RUNTIME_TOOLS`]) and [`OTHER_AGENT_TOOLS`].
pub fn classify_tool(name: &str) -> Tool {
    classify_tool_in(name, &[])
}

/// A tool name classified for a runtime: MCP names by their prefix (`mcp__server__tool`,
/// `mcp_server_tool`, `MCP:tool`), then the runtime's own table (its profile's `tools`), then
/// every runtime's names (a name from another runtime's table reaches a runtime when they
/// share one config: Cursor and Copilot CLI also run `.claude/settings.json` hooks); anything
/// else is [`ToolKind::Other`].
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
        .chain(RUNTIME_TOOLS)
        .chain(OTHER_AGENT_TOOLS)
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
