//! Reading a runtime's hook config back the way the runtime will run it, for `doctor` and
//! `uninstall --managed`: every handler at every event, and what each command really runs.
//!
//! A config can look wired and still not protect anything: a handler with an environment
//! prefix (`HOOKWARDEN_ORG_POLICY=/dev/null hookwarden hook ...`), one that swallows
//! hookwarden's answer (`hookwarden hook ... || true`), one wired with another runtime's name,
//! or a matcher narrower than the one install writes. [`classify`] tells those apart from
//! hookwarden's own `<binary> hook --runtime <r>`.

use super::{codex_requirements, copilot, cursor, json, InstallError, Ours};
use crate::event::{Boundary, RuntimeKind};
use crate::runtime::profile::{HookFormat, ManagedFormat};
use crate::runtime::RuntimeProfile;
use serde_json::Value;
use std::path::Path;

/// One handler of a hook config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    pub event: String,
    /// The boundary of the event (`Other` for events install does not wire).
    pub boundary: Boundary,
    /// The matcher of its group, if it has one.
    pub matcher: Option<String>,
    pub command: String,
    /// The runtime's fail-closed key is `true` on it ([`OnFailure::fail_closed_key`]).
    ///
    /// [`OnFailure::fail_closed_key`]: crate::runtime::profile::OnFailure::fail_closed_key
    pub fail_closed: bool,
}

/// Every handler in a config's text. `managed` is the format of a managed config (Codex's
/// `requirements.toml` is TOML); `None` for the hooks files install writes per user.
pub fn handlers_in(
    profile: &RuntimeProfile,
    managed: Option<ManagedFormat>,
    path: &Path,
    text: &str,
) -> Result<Vec<Handler>, InstallError> {
    let root = match managed {
        Some(ManagedFormat::CodexRequirements) => codex_requirements::hooks_as_json(path, text)?,
        _ => Value::Object(json::parse(path, text)?),
    };
    Ok(handlers(profile, &root))
}

/// Every handler under a parsed config's `hooks` object.
pub fn handlers(profile: &RuntimeProfile, root: &Value) -> Vec<Handler> {
    let mut out = Vec::new();
    let Some(Value::Object(hooks)) = root.get("hooks") else {
        return out;
    };
    let format = profile.install.format;
    for (event, entries) in hooks {
        let Some(entries) = entries.as_array() else {
            continue;
        };
        let boundary = profile
            .installed()
            .find(|(h, _)| h.name == event)
            .map_or(Boundary::Other, |(h, _)| h.boundary);
        for entry in entries {
            let matcher = entry
                .get("matcher")
                .and_then(Value::as_str)
                .map(str::to_string);
            let fail_closed = profile
                .install
                .on_failure
                .fail_closed_key
                .is_some_and(|k| entry.get(k) == Some(&Value::Bool(true)));
            let commands: Vec<&str> = match format {
                HookFormat::Nested => super::nested::commands(entry),
                HookFormat::Cursor => entry
                    .get(cursor::COMMAND_KEY)
                    .and_then(Value::as_str)
                    .into_iter()
                    .collect(),
                HookFormat::Copilot => entry
                    .get(copilot::COMMAND_KEY)
                    .and_then(Value::as_str)
                    .into_iter()
                    .collect(),
            };
            for c in commands {
                out.push(Handler {
                    event: event.clone(),
                    boundary,
                    matcher: matcher.clone(),
                    command: c.to_string(),
                    fail_closed,
                });
            }
        }
    }
    out
}

/// What a hook command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// hookwarden's own command: `<binary> hook --runtime <this runtime>`.
    Ours { binary: String },
    /// hookwarden with environment assignments before it: the hook's settings come from
    /// whoever wrote the config, not from the machine.
    EnvPrefix { vars: Vec<String> },
    /// Mentions hookwarden but does not run it as a hook of this runtime, or wraps it in
    /// something that can change its answer.
    Decoy(String),
    /// Another tool's hook.
    Foreign,
}

fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else {
        return false;
    };
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Classifies one hook command of a runtime.
pub fn classify(command: &str, runtime: RuntimeKind) -> Verdict {
    let ours = Ours {
        runtime,
        binary: None,
    };
    if let Some(binary) = ours.binary_of(command) {
        return Verdict::Ours { binary };
    }
    if !command.to_ascii_lowercase().contains("hookwarden") {
        return Verdict::Foreign;
    }
    let words: Vec<&str> = command.split_whitespace().collect();
    let skip_env = usize::from(words.first() == Some(&"env"));
    let vars: Vec<String> = words
        .iter()
        .skip(skip_env)
        .take_while(|w| is_assignment(w))
        .map(|w| w.split('=').next().unwrap_or_default().to_string())
        .collect();
    if !vars.is_empty() {
        return Verdict::EnvPrefix { vars };
    }
    for other in crate::runtime::profiles() {
        if other.kind != runtime
            && (Ours {
                runtime: other.kind,
                binary: None,
            })
            .binary_of(command)
            .is_some()
        {
            return Verdict::Decoy(format!(
                "it runs hookwarden as a {} hook (`--runtime {}`): this runtime's events would be read as another's",
                other.display,
                other.name()
            ));
        }
    }
    if ["||", "&&", ";", "|", "&", "`", "$("]
        .iter()
        .any(|op| command.contains(op))
    {
        return Verdict::Decoy(
            "it wraps hookwarden in shell operators, which can replace its answer or exit code (`|| true` lets every failed check pass)".into(),
        );
    }
    let first = words
        .first()
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .unwrap_or_default();
    if [
        "sh", "bash", "zsh", "dash", "exec", "nohup", "timeout", "sudo",
    ]
    .contains(&first)
    {
        return Verdict::Decoy(format!(
            "it runs hookwarden through `{first}` instead of as the command itself"
        ));
    }
    Verdict::Decoy("it mentions hookwarden but is not `<binary> hook --runtime <name>`".to_string())
}

/// Whether a matcher covers every tool (empty, `*`, `.*`), as the matchers install writes do.
pub fn covers_all(matcher: Option<&str>) -> bool {
    matches!(
        matcher.map(str::trim),
        None | Some("" | "*" | ".*" | "^.*$")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_what_a_command_really_runs() {
        let k = RuntimeKind::Claude;
        assert_eq!(
            classify("/usr/local/bin/hookwarden hook --runtime claude", k),
            Verdict::Ours {
                binary: "/usr/local/bin/hookwarden".into()
            }
        );
        assert_eq!(
            classify(
                "HOOKWARDEN_ORG_POLICY=/dev/null hookwarden hook --runtime claude",
                k
            ),
            Verdict::EnvPrefix {
                vars: vec!["HOOKWARDEN_ORG_POLICY".into()]
            }
        );
        assert!(matches!(
            classify("env A=1 B=2 hookwarden hook --runtime claude", k),
            Verdict::EnvPrefix { vars } if vars == ["A", "B"]
        ));
        for decoy in [
            "hookwarden hook --runtime claude || true",
            "hookwarden hook --runtime gemini",
            "sh -c 'hookwarden hook --runtime claude'",
            "echo hookwarden",
        ] {
            assert!(matches!(classify(decoy, k), Verdict::Decoy(_)), "{decoy}");
        }
        assert_eq!(classify("/opt/lint-guard --fast", k), Verdict::Foreign);
        assert!(covers_all(Some("*")) && covers_all(None) && !covers_all(Some("Bash")));
    }
}
