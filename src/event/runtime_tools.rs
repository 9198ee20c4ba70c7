//! Every tool name a runtime profile lists (`tools` in `runtime/<name>.rs`), with its kind:
//! generated from the profiles by `tests/runtime_files.rs`, which fails when it is stale.
//! Do not edit: `HOOKWARDEN_BLESS=1 cargo test --test runtime_files` rewrites it.

use super::ToolKind;

/// The names of kind `other` are left out: a name not found is `other`.
pub const RUNTIME_TOOLS: &[(&str, ToolKind)] = &[
    ("Bash", ToolKind::Shell),
    ("shell", ToolKind::Shell),
    ("exec_command", ToolKind::Shell),
    ("local_shell", ToolKind::Shell),
    ("run_shell_command", ToolKind::Shell),
    ("Shell", ToolKind::Shell),
    ("bash", ToolKind::Shell),
    ("powershell", ToolKind::Shell),
    ("Execute", ToolKind::Shell),
    ("Read", ToolKind::FileRead),
    ("NotebookRead", ToolKind::FileRead),
    ("read_file", ToolKind::FileRead),
    ("read_many_files", ToolKind::FileRead),
    ("view", ToolKind::FileRead),
    ("Write", ToolKind::FileWrite),
    ("write_file", ToolKind::FileWrite),
    ("Delete", ToolKind::FileWrite),
    ("create", ToolKind::FileWrite),
    ("Create", ToolKind::FileWrite),
    ("Edit", ToolKind::FileEdit),
    ("MultiEdit", ToolKind::FileEdit),
    ("NotebookEdit", ToolKind::FileEdit),
    ("replace", ToolKind::FileEdit),
    ("edit", ToolKind::FileEdit),
    ("apply_patch", ToolKind::Patch),
    ("ApplyPatch", ToolKind::Patch),
    ("Glob", ToolKind::Search),
    ("Grep", ToolKind::Search),
    ("LS", ToolKind::Search),
    ("glob", ToolKind::Search),
    ("grep_search", ToolKind::Search),
    ("list_directory", ToolKind::Search),
    ("grep", ToolKind::Search),
    ("WebFetch", ToolKind::WebFetch),
    ("WebSearch", ToolKind::WebFetch),
    ("web_search", ToolKind::WebFetch),
    ("web_fetch", ToolKind::WebFetch),
    ("google_web_search", ToolKind::WebFetch),
    ("FetchUrl", ToolKind::WebFetch),
];
