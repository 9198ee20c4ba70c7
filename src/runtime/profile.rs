//! What a runtime is, as data: one [`RuntimeProfile`] per runtime, declared next to its
//! adapter (`runtime/<name>.rs`) and read by everything that needs a fact about a runtime —
//! the adapter's parsing and answers, approvals, `policy compile` coverage, install, the
//! doctor's self-test, and the evaluation's inventory and draft policy.
//!
//! The facts come from ../shared/docs/hook-protocols.md (verified in the real CLIs where that
//! document says so). A profile is a `static`: looking one up allocates nothing.

use super::Adapter;
use crate::event::{Boundary, RuntimeKind, ToolKind};
use serde_json::Value;

/// Everything hookwarden knows about one runtime.
pub struct RuntimeProfile {
    pub kind: RuntimeKind,
    /// The other names users type for it (`--runtime claude-code`); the canonical name is
    /// [`RuntimeKind::as_str`].
    pub aliases: &'static [&'static str],
    /// The product name (`Claude Code`).
    pub display: &'static str,
    /// Parses its payloads and renders its answers.
    pub adapter: &'static dyn Adapter,
    /// The hook events it sends, each with the boundary it maps to and how install wires it.
    /// Events not listed parse to [`Boundary::Other`].
    pub events: &'static [HookEvent],
    /// Keys only this runtime's payloads carry: how a payload without `--runtime` is told
    /// apart from another runtime's with the same event names.
    pub marker_keys: &'static [&'static str],
    /// Whether exit code 2 blocks a pre-tool call (Copilot reads it as a warning only).
    pub exit2_blocks: bool,
    /// What its hook answers can do, with the texts `policy compile` shows.
    pub caps: Caps,
    /// Whether its payloads carry the model name (for `model` conditions).
    pub sends_model: bool,
    /// The `permission_mode`s of its payloads in which an `ask` answer is not shown to a
    /// person (accepted unseen, or treated as a deny without a word on how to approve):
    /// there hookwarden denies with an approval code, as where the runtime cannot ask.
    pub unshown_ask_modes: &'static [&'static str],
    /// Its tool names and what each is: the one place they are written. A name another
    /// runtime also uses has the same kind there; the cross-runtime table that classifies
    /// where the runtime is not known ([`crate::event::tool::RUNTIME_TOOLS`]) is generated
    /// from these (`tests/runtime_files.rs`).
    pub tools: &'static [(&'static str, ToolKind)],
    /// How its MCP tool names start (`mcp__`, `mcp_`, `MCP:`); empty: not documented.
    pub mcp_prefix: &'static str,
    /// Where it keeps its configuration.
    pub config: ConfigFiles,
    /// How install wires hookwarden into it.
    pub install: Install,
    /// The doctor's self-test: a pre-tool `rm -rf /` in this runtime's shape.
    pub selftest: SelfTest,
}

impl RuntimeProfile {
    /// What most runtimes share, for a runtime's file to complete with what is its own:
    /// `RuntimeProfile { events: …, ..RuntimeProfile::base(kind, display, &ADAPTER) }`.
    ///
    /// Shared: no aliases, no marker keys, exit code 2 blocks, payloads carry no model, every
    /// `ask` an event allows is shown, MCP tools are named `mcp__server__tool`. Left empty,
    /// because only the runtime can say them: its events, capabilities, tools, config files,
    /// install and self-test; the registry's tests fail on a profile that leaves any of them
    /// so (`runtime::tests`).
    pub const fn base(
        kind: RuntimeKind,
        display: &'static str,
        adapter: &'static dyn Adapter,
    ) -> RuntimeProfile {
        const UNSAID: Cap = Cap::No("");
        RuntimeProfile {
            kind,
            aliases: &[],
            display,
            adapter,
            events: &[],
            marker_keys: &[],
            exit2_blocks: true,
            caps: Caps {
                pre_deny: UNSAID,
                ask: UNSAID,
                post_replace: UNSAID,
                prompt_block: UNSAID,
                final_block: UNSAID,
                stop_session: UNSAID,
                pre_stop: UNSAID,
            },
            sends_model: false,
            unshown_ask_modes: &[],
            tools: &[],
            mcp_prefix: "mcp__",
            config: ConfigFiles::in_project_and_home(&[]),
            install: Install::in_file("", ""),
            selftest: SelfTest {
                payload: |_, _| Value::Null,
                deny: &[],
            },
        }
    }

    /// The canonical name (`claude`), as `--runtime`, policies and audit lines write it.
    pub fn name(&self) -> &'static str {
        self.kind.as_str()
    }

    /// Every name a user may type for it: the canonical one first.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.kind.as_str()).chain(self.aliases.iter().copied())
    }

    /// Whether a user-typed name (any case) names this runtime.
    pub fn is_named(&self, name: &str) -> bool {
        self.names().any(|n| n.eq_ignore_ascii_case(name))
    }

    pub fn event(&self, name: &str) -> Option<&'static HookEvent> {
        self.events.iter().find(|e| e.name == name)
    }

    /// The boundary of one of its events; events it does not list are [`Boundary::Other`].
    pub fn boundary_of(&self, event: &str) -> Boundary {
        self.event(event).map_or(Boundary::Other, |e| e.boundary)
    }

    /// Whether an `ask` answer to this event, for this kind of tool, is shown to a person.
    /// Where it is not, hookwarden denies with an approval code instead.
    pub fn can_ask(&self, event: &str, tool: Option<ToolKind>) -> bool {
        self.event(event).is_some_and(|e| {
            e.asks
                && e.boundary == Boundary::ToolRequest
                && e.tool_kind.is_none_or(|k| Some(k) == tool)
        })
    }

    /// Whether an `ask` answer to this event is shown to a person: the event can ask
    /// ([`RuntimeProfile::can_ask`]) and the payload's permission mode does not skip prompts.
    pub fn shows_ask(&self, ev: &crate::event::Event) -> bool {
        self.can_ask(&ev.event_name, ev.tool_kind())
            && !ev
                .permission_mode
                .as_deref()
                .is_some_and(|m| self.unshown_ask_modes.contains(&m))
    }

    /// The events install wires, in the order it writes them.
    pub fn installed(&self) -> impl Iterator<Item = (&'static HookEvent, &'static Wiring)> {
        self.events
            .iter()
            .filter_map(|e| e.install.as_ref().map(|w| (e, w)))
    }

    /// The installed event for a boundary.
    pub fn installed_at(&self, b: Boundary) -> Option<(&'static HookEvent, &'static Wiring)> {
        self.installed().find(|(e, _)| e.boundary == b)
    }

    /// A tool name as this runtime sends it, classified: its own table first (see
    /// [`crate::event::classify_tool_in`]).
    pub fn classify_tool(&self, name: &str) -> crate::event::Tool {
        crate::event::classify_tool_in(name, self.tools)
    }

    /// Every administrator-owned file it reads: the one `install --managed` writes, then the
    /// others ([`ConfigFiles::managed`]).
    pub fn managed_files(&self) -> impl Iterator<Item = &'static str> {
        let installed = self.install.managed.as_ref().map(|m| m.path);
        installed
            .into_iter()
            .chain(self.config.managed.iter().copied())
    }

    /// The kind of one of its tools, by exact name.
    pub fn tool_kind(&self, name: &str) -> Option<ToolKind> {
        self.tools.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }
}

impl std::fmt::Debug for RuntimeProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeProfile")
            .field("kind", &self.kind)
            .field("display", &self.display)
            .finish_non_exhaustive()
    }
}

/// One hook event of a runtime.
#[derive(Debug, Clone, Copy)]
pub struct HookEvent {
    /// As the runtime names it in payloads and configs (`PreToolUse`, `BeforeTool`).
    pub name: &'static str,
    pub boundary: Boundary,
    /// An `ask` answer to it reaches a person (verified per runtime).
    pub asks: bool,
    /// The one kind of tool this event is sent for (Cursor's `beforeShellExecution`), or
    /// `None` when it is sent for every tool.
    pub tool_kind: Option<ToolKind>,
    /// How install wires it; `None`: read when it arrives, never installed.
    pub install: Option<Wiring>,
}

impl HookEvent {
    pub const fn new(name: &'static str, boundary: Boundary) -> HookEvent {
        HookEvent {
            name,
            boundary,
            asks: false,
            tool_kind: None,
            install: None,
        }
    }

    /// An `ask` answer to it reaches a person.
    pub const fn asks(self) -> HookEvent {
        HookEvent { asks: true, ..self }
    }

    /// Sent for this kind of tool only.
    pub const fn only(self, kind: ToolKind) -> HookEvent {
        HookEvent {
            tool_kind: Some(kind),
            ..self
        }
    }

    /// Installed with this matcher and timeout (in the runtime's own unit).
    pub const fn wired(self, matcher: Option<&'static str>, timeout: u64) -> HookEvent {
        HookEvent {
            install: Some(Wiring {
                matcher,
                timeout,
                fail_closed: false,
            }),
            ..self
        }
    }

    /// Installed so that the runtime blocks the action when the hook itself fails: the
    /// runtime's [`OnFailure::fail_closed_key`] is set on the entry (Cursor's `failClosed`).
    pub const fn fail_closed(self) -> HookEvent {
        let install = match self.install {
            Some(w) => Some(Wiring {
                fail_closed: true,
                ..w
            }),
            None => None,
        };
        HookEvent { install, ..self }
    }
}

/// How install writes one hook entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wiring {
    /// A matcher that covers every tool (file tools and MCP too, not just the shell), or
    /// none for events that have no matcher.
    pub matcher: Option<&'static str>,
    /// In the runtime's own unit ([`Install::timeout_unit`]).
    pub timeout: u64,
    /// Set the runtime's [`OnFailure::fail_closed_key`] on the entry, so that the action is
    /// blocked when the hook itself fails (Cursor only).
    pub fail_closed: bool,
}

/// How a runtime lays out its hook entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookFormat {
    /// `{"hooks":{Event:[{"matcher":M,"hooks":[{"type":"command","command":C,"timeout":T}]}]}}`
    /// (Claude Code, Codex, Gemini CLI, Qwen Code, Factory Droid).
    Nested,
    /// `{"version":1,"hooks":{event:[{"command":C,"timeout":T,"failClosed":true}]}}`.
    Cursor,
    /// `{"version":1,"hooks":{event:[{"type":"command","bash":C,"timeoutSec":T}]}}`.
    Copilot,
}

/// Where install scope `user` is rooted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserBase {
    Home,
    /// `$CODEX_HOME`, else `~/.codex`.
    CodexHome,
}

/// Where install scope defaults to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultScope {
    Project,
    User,
}

/// How hookwarden is wired into the runtime.
#[derive(Debug, Clone, Copy)]
pub struct Install {
    pub format: HookFormat,
    /// The hooks file install writes, relative to the project root (scope `project`).
    pub project_file: &'static str,
    /// The hooks file of scope `local`, relative to the project root: the runtime's own
    /// settings file for one person's settings in a project, kept out of version control
    /// (Claude Code's `.claude/settings.local.json`). `None`: the runtime documents none.
    pub local_file: Option<&'static str>,
    /// The hooks file install writes, relative to [`ConfigFiles::user_base`] (scope `user`).
    pub user_file: &'static str,
    pub timeout_unit: &'static str,
    pub default_scope: DefaultScope,
    /// What the runtime does with a tool call when the hook itself fails, as installed.
    pub on_failure: OnFailure,
    /// What the user must know after installing (trust review, trusted folders).
    pub notes: &'static [&'static str],
    /// Where `sudo hookwarden install --managed` wires it for every user of the machine;
    /// `None`: the runtime documents no administrator-owned hook config.
    pub managed: Option<ManagedInstall>,
}

/// What a runtime does with a pre-tool call when the hook itself fails, as
/// ../shared/docs/hook-protocols.md documents it and as install wires it. hookwarden answers
/// every error it can catch with a block (exit 2 or a deny, in the runtime's shape); these are
/// the failures it cannot answer: the process crashes or is not found, or it runs out of time.
#[derive(Debug, Clone, Copy)]
pub struct OnFailure {
    /// The hook ends with a code that is no answer: a crash (a panic exits 101, a kill 128+n),
    /// or a command the shell cannot find (127).
    pub crash: Outcome,
    /// The hook does not answer within the timeout install sets.
    pub timeout: Outcome,
    /// The key install sets to `true` on the entries whose [`Wiring::fail_closed`] is set, so
    /// that the runtime blocks on both; `None`: the runtime documents no such setting.
    pub fail_closed_key: Option<&'static str>,
}

impl OnFailure {
    /// Whether both a crash and a timeout block the call.
    pub fn closed(&self) -> bool {
        self.crash == Outcome::Blocks && self.timeout == Outcome::Blocks
    }

    /// One sentence for people: what a failed hook does in this runtime.
    pub fn describe(&self, display: &str) -> String {
        let how = match self.fail_closed_key {
            Some(k) => format!(" (install sets `{k}: true`)"),
            None => String::new(),
        };
        match (self.crash, self.timeout) {
            (Outcome::Blocks, Outcome::Blocks) => format!(
                "{display} blocks the call when the hook crashes, cannot be run or times out{how}"
            ),
            (Outcome::Blocks, t) => format!(
                "{display} blocks the call when the hook crashes or cannot be run (an exit code of 2 or more), but {} when it times out",
                t.verb()
            ),
            (Outcome::Undocumented, Outcome::Undocumented) => format!(
                "what {display} does when the hook crashes, cannot be run or times out is not documented: count on the call running"
            ),
            (c, t) if c == t => format!(
                "{display} {} when the hook crashes, cannot be run or times out: it has no setting that makes it block",
                c.verb()
            ),
            (c, t) => format!(
                "{display} {} when the hook crashes or cannot be run, and {} when it times out",
                c.verb(),
                t.verb()
            ),
        }
    }
}

/// What a runtime does with the call when its hook failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Blocks,
    /// The call runs as if no hook were wired.
    Proceeds,
    /// Not documented (count on the call running).
    Undocumented,
}

impl Outcome {
    /// What the runtime does, as a verb phrase (`lets the call run`).
    pub fn verb(self) -> &'static str {
        match self {
            Outcome::Blocks => "blocks the call",
            Outcome::Proceeds => "lets the call run",
            Outcome::Undocumented => "may let the call run (not documented)",
        }
    }
}

impl OnFailure {
    /// What a runtime whose documentation says nothing of a failed hook is taken to do.
    pub const UNDOCUMENTED: OnFailure = OnFailure {
        crash: Outcome::Undocumented,
        timeout: Outcome::Undocumented,
        fail_closed_key: None,
    };
}

impl Install {
    /// One hooks `file`, the same path at project and at user scope, in Claude's nested
    /// layout, installed in the project by default; no local file, no notes, no managed
    /// config, a failed hook's outcome undocumented. Timeouts are
    /// in `timeout_unit`.
    pub const fn in_file(file: &'static str, timeout_unit: &'static str) -> Install {
        Install {
            format: HookFormat::Nested,
            project_file: file,
            local_file: None,
            user_file: file,
            timeout_unit,
            default_scope: DefaultScope::Project,
            on_failure: OnFailure::UNDOCUMENTED,
            notes: &[],
            managed: None,
        }
    }
}

/// A runtime's administrator-owned config: a root-owned file its users cannot edit, whose
/// hooks run for every user (`install --managed`).
#[derive(Debug, Clone, Copy)]
pub struct ManagedInstall {
    /// Absolute path of the file.
    pub path: &'static str,
    pub format: ManagedFormat,
    /// Top-level switches install sets to `true` next to the hooks: the runtime then ignores
    /// hooks from its user and project configs (`allowManagedHooksOnly`), so the agent cannot
    /// add a hook of its own that runs beside (or instead of) hookwarden.
    pub locks: &'static [&'static str],
    /// What the administrator must know after installing.
    pub notes: &'static [&'static str],
}

/// How a managed config is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagedFormat {
    /// The runtime's own hooks file layout ([`Install::format`]) in a JSON file.
    Json,
    /// Codex `requirements.toml`: the hooks as inline `[[hooks.<Event>]]` tables, and
    /// `[features] hooks = true` pinned so no user config can turn hooks off.
    CodexRequirements,
}

/// The runtime's configuration files: what `evaluate` reads to find MCP servers, hooks and
/// permissions, and where the hooks file install writes sits among them.
#[derive(Debug, Clone, Copy)]
pub struct ConfigFiles {
    /// Relative to the project root, checked in.
    pub project: &'static [&'static str],
    /// Relative to the project root, kept out of version control.
    pub local: &'static [&'static str],
    /// Directories under the project root whose `*.json` files are configs too.
    pub project_dirs: &'static [&'static str],
    /// Relative to [`ConfigFiles::user_base`].
    pub user: &'static [&'static str],
    /// Directories under the user base whose `*.json` files are configs too.
    pub user_dirs: &'static [&'static str],
    pub user_base: UserBase,
    /// Absolute, set by an administrator (where documented), besides the file
    /// `install --managed` writes ([`Install::managed`], not repeated here): all of them are
    /// [`RuntimeProfile::managed_files`].
    pub managed: &'static [&'static str],
    /// Files that set the environment the runtime (and so its hooks) runs in, such as the
    /// `.env` files it loads: relative to the project root, or to the home with `~/`.
    pub env_files: &'static [&'static str],
}

impl ConfigFiles {
    /// The same `files` under the project root and under the home, and nothing else.
    pub const fn in_project_and_home(files: &'static [&'static str]) -> ConfigFiles {
        ConfigFiles {
            project: files,
            local: &[],
            project_dirs: &[],
            user: files,
            user_dirs: &[],
            user_base: UserBase::Home,
            managed: &[],
            env_files: &[],
        }
    }
}

/// The doctor's self-test for a runtime.
#[derive(Debug, Clone, Copy)]
pub struct SelfTest {
    /// A pre-tool shell call of `rm -rf /` in `cwd`, as the runtime (whose profile is
    /// given) sends it.
    pub payload: fn(profile: &RuntimeProfile, cwd: &str) -> Value,
    /// Printed answers that block a pre-tool call: a JSON pointer and the values that block.
    pub deny: &'static [(&'static str, &'static [&'static str])],
}

impl RuntimeProfile {
    /// The doctor's self-test payload: a pre-tool `rm -rf /` in `cwd`.
    pub fn selftest_payload(&self, cwd: &str) -> Value {
        (self.selftest.payload)(self, cwd)
    }

    /// Whether a hook answer blocks a pre-tool call in this runtime.
    pub fn answer_blocks(&self, stdout: &str, exit_code: i32) -> bool {
        if self.exit2_blocks && exit_code == 2 {
            return true;
        }
        let v: Value = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
        self.selftest.deny.iter().any(|(pointer, values)| {
            v.pointer(pointer)
                .and_then(Value::as_str)
                .is_some_and(|s| values.contains(&s))
        })
    }
}

/// What a runtime can do with one kind of answer, and how hookwarden's adapter answers there.
#[derive(Debug, Clone, Copy)]
pub enum Cap {
    Yes(&'static str),
    /// Works, but not the way the rule says (the text says how).
    Partial(&'static str),
    No(&'static str),
}

impl Cap {
    pub fn text(self) -> &'static str {
        match self {
            Cap::Yes(s) | Cap::Partial(s) | Cap::No(s) => s,
        }
    }

    pub fn is_yes(self) -> bool {
        matches!(self, Cap::Yes(_))
    }
}

/// A runtime's hook capabilities: the protocol matrix of ../shared/docs/hook-protocols.md.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    pub pre_deny: Cap,
    /// An `ask` at pre-tool, at the events install wires.
    pub ask: Cap,
    /// Replacing or masking a tool's output before the model sees it.
    pub post_replace: Cap,
    pub prompt_block: Cap,
    pub final_block: Cap,
    pub stop_session: Cap,
    /// `stop_session` at pre-tool, where the call must be blocked as well. Claude Code
    /// 2.1.197 ignores `continue:false` next to a deny (and runs the tool without one), so a
    /// runtime can stop sessions in general and still not while blocking a call.
    pub pre_stop: Cap,
}
