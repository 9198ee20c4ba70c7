//! Who is approving, and whether they may: the OS user behind `hookwarden approve`, and the
//! approver roles an administrator configured.
//!
//! The approver is the process's real user (or, under `sudo`, the user who ran sudo), named
//! from `/etc/passwd` — never an environment variable the agent could set. A rule can name an
//! `approver_role`; when `<system dir>/approvers.toml` exists, only its members can grant an
//! action that rule asked about:
//!
//! ```toml
//! [roles.release-manager]
//! users = ["alice", "bob"]
//! groups = ["release"]
//! ```
//!
//! The file lives in the system dir (`/etc/hookwarden`, root-owned) on purpose: a roles file
//! in the user's own config could be rewritten by the agent running as that user. Without the
//! file, any person at a terminal can approve. A role a rule names that the file does not
//! define has no members: nobody can approve until it is added (fail closed).

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The person approving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approver {
    pub uid: u32,
    /// From `/etc/passwd`; `uid <n>` for a user it does not list (NSS-only accounts).
    pub name: String,
    /// Set when approving through `sudo`: the root process acts for this user.
    pub via_sudo: bool,
}

/// One passwd entry: name, uid, primary gid.
fn passwd_entries(text: &str) -> impl Iterator<Item = (&str, u32, u32)> {
    text.lines().filter_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let _pw = f.next()?;
        let uid = f.next()?.parse().ok()?;
        let gid = f.next()?.parse().ok()?;
        Some((name, uid, gid))
    })
}

fn read_small(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The name of a uid from `/etc/passwd`.
pub fn user_name(uid: u32) -> Option<String> {
    let text = read_small("/etc/passwd");
    let found = passwd_entries(&text).find(|(_, u, _)| *u == uid);
    found.map(|(n, _, _)| n.to_string())
}

/// The approver of this process: the real uid, or `SUDO_UID` when root runs for a sudoer
/// (sudo sets it; only root can run as root, so it is no weaker than root itself).
pub fn current() -> Approver {
    let uid = rustix::process::getuid().as_raw();
    let sudo_uid = std::env::var("SUDO_UID")
        .ok()
        .and_then(|s| s.parse::<u32>().ok());
    let (uid, via_sudo) = match (uid, sudo_uid) {
        (0, Some(u)) if u != 0 => (u, true),
        (u, _) => (u, false),
    };
    Approver {
        uid,
        name: user_name(uid).unwrap_or_else(|| format!("uid {uid}")),
        via_sudo,
    }
}

/// The home directory of a uid from `/etc/passwd`.
pub fn home_of(uid: u32) -> Option<std::path::PathBuf> {
    let text = read_small("/etc/passwd");
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 6 && f[2].parse::<u32>().ok() == Some(uid)).then(|| f[5].into())
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproversFile {
    #[serde(default)]
    pub roles: BTreeMap<String, Role>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    #[serde(default)]
    pub users: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    #[error("{path}: {message}")]
    Config { path: String, message: String },
    #[error("this action needs approval from the role `{role}`, which {path} does not define; an administrator must add it")]
    Undefined { role: String, path: String },
    #[error(
        "this action needs approval from the role `{role}`; {user} is not a member (see {path})"
    )]
    NotMember {
        role: String,
        user: String,
        path: String,
    },
}

/// Reads the roles file; `None` when there is none (roles are not configured).
pub fn load(path: &Path) -> Result<Option<ApproversFile>, RoleError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(RoleError::Config {
                path: path.display().to_string(),
                message: e.to_string(),
            })
        }
    };
    toml::from_str(&text)
        .map(Some)
        .map_err(|e| RoleError::Config {
            path: path.display().to_string(),
            message: e.to_string(),
        })
}

/// The groups a user is in: the primary group of their passwd entry, and every group of
/// `/etc/group` that lists them.
fn groups_of(user: &str, passwd: &str, group: &str) -> Vec<String> {
    let primary = passwd_entries(passwd)
        .find(|(n, _, _)| *n == user)
        .map(|(_, _, g)| g);
    group
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 4 {
                return None;
            }
            let gid = f[2].parse::<u32>().ok();
            let listed = f[3].split(',').any(|m| m.trim() == user);
            (listed || (gid.is_some() && gid == primary)).then(|| f[0].to_string())
        })
        .collect()
}

/// Whether `who` may approve for `role` (`None`: no role named, anyone may).
pub fn check(
    cfg: Option<&ApproversFile>,
    cfg_path: &Path,
    role: Option<&str>,
    who: &Approver,
) -> Result<(), RoleError> {
    let (Some(cfg), Some(role)) = (cfg, role) else {
        return Ok(());
    };
    let path = cfg_path.display().to_string();
    let Some(r) = cfg.roles.get(role) else {
        return Err(RoleError::Undefined {
            role: role.to_string(),
            path,
        });
    };
    if r.users.contains(&who.name) {
        return Ok(());
    }
    if !r.groups.is_empty() {
        let groups = groups_of(
            &who.name,
            &read_small("/etc/passwd"),
            &read_small("/etc/group"),
        );
        if r.groups.iter().any(|g| groups.contains(g)) {
            return Ok(());
        }
    }
    Err(RoleError::NotMember {
        role: role.to_string(),
        user: who.name.clone(),
        path,
    })
}

/// Variables the coding agents set in the processes their shell tools start: Claude Code
/// (`CLAUDECODE`, `CLAUDE_CODE_ENTRYPOINT`), Gemini CLI (`GEMINI_CLI`), Qwen Code (`QWEN_CODE`),
/// OpenCode, Augment, and the generic `AI_AGENT`.
const AGENT_VARS: &[&str] = &[
    "CLAUDECODE",
    "CLAUDE_CODE_ENTRYPOINT",
    "GEMINI_CLI",
    "QWEN_CODE",
    "OPENCODE",
    "AUGMENT_AGENT",
    "AI_AGENT",
];

/// Prefixes of variables set by agents whose exact names vary by version: Codex
/// (`CODEX_SANDBOX`, `CODEX_SANDBOX_NETWORK_DISABLED`, `CODEX_THREAD_ID`, `CODEX_CI`,
/// `CODEX_MANAGED_BY_NPM` from its launcher), Cursor (`CURSOR_AGENT`, and `CURSOR_TRACE_ID` in
/// every terminal of the Cursor editor, where its agent runs commands too), Copilot CLI
/// (`COPILOT_*`), Factory Droid (`FACTORY_*`, `DROID_*`).
const AGENT_PREFIXES: &[&str] = &["CODEX_", "CURSOR_", "COPILOT_", "FACTORY_", "DROID_"];

/// Set by people in their own shell profiles, so not a sign of an agent on its own:
/// `CODEX_HOME` (where Codex keeps its config).
const PERSON_VARS: &[&str] = &["CODEX_HOME"];

/// The first variable that shows this process runs under a coding agent, if any.
pub fn agent_marker<I, K>(vars: I) -> Option<String>
where
    I: IntoIterator<Item = K>,
    K: AsRef<std::ffi::OsStr>,
{
    let mut found: Vec<String> = vars
        .into_iter()
        .filter_map(|k| {
            let k = k.as_ref().to_str()?;
            if PERSON_VARS.contains(&k) {
                return None;
            }
            let hit = AGENT_VARS.contains(&k) || AGENT_PREFIXES.iter().any(|p| k.starts_with(p));
            hit.then(|| k.to_string())
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn groups_come_from_the_primary_gid_and_member_lists() {
        let passwd = "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n";
        let group = "root:x:0:\nalice:x:1000:\nrelease:x:2000:bob,alice\nops:x:3000:bob\n";
        let g = groups_of("alice", passwd, group);
        assert_eq!(g, vec!["alice".to_string(), "release".to_string()]);
    }

    #[test]
    fn roles_are_checked_only_when_configured() {
        let who = Approver {
            uid: 1000,
            name: "alice".into(),
            via_sudo: false,
        };
        let p = Path::new("/etc/hookwarden/approvers.toml");
        assert!(check(None, p, Some("release-manager"), &who).is_ok());
        let cfg: ApproversFile = toml::from_str(
            "[roles.release-manager]\nusers = [\"alice\"]\n[roles.dba]\nusers = [\"carol\"]\n",
        )
        .unwrap();
        assert!(check(Some(&cfg), p, None, &who).is_ok());
        assert!(check(Some(&cfg), p, Some("release-manager"), &who).is_ok());
        assert!(matches!(
            check(Some(&cfg), p, Some("dba"), &who),
            Err(RoleError::NotMember { .. })
        ));
        assert!(matches!(
            check(Some(&cfg), p, Some("security"), &who),
            Err(RoleError::Undefined { .. })
        ));
        let typo: Result<ApproversFile, _> = toml::from_str("[roles.x]\nuser = [\"a\"]\n");
        assert!(typo.is_err());
    }

    #[test]
    fn agent_sessions_are_recognized_by_their_variables() {
        assert_eq!(agent_marker(["PATH", "HOME", "CODEX_HOME"]), None);
        assert_eq!(
            agent_marker(["PATH", "CLAUDECODE"]).as_deref(),
            Some("CLAUDECODE")
        );
        assert_eq!(
            agent_marker(["CODEX_SANDBOX_NETWORK_DISABLED"]).as_deref(),
            Some("CODEX_SANDBOX_NETWORK_DISABLED")
        );
        assert_eq!(
            agent_marker(["CODEX_THREAD_ID", "CODEX_HOME"]).as_deref(),
            Some("CODEX_THREAD_ID")
        );
        assert_eq!(agent_marker(["GEMINI_CLI"]).as_deref(), Some("GEMINI_CLI"));
        assert_eq!(agent_marker(["GEMINI_API_KEY"]), None);
        assert_eq!(
            agent_marker(["CURSOR_AGENT"]).as_deref(),
            Some("CURSOR_AGENT")
        );
        assert_eq!(agent_marker(["QWEN_CODE"]).as_deref(), Some("QWEN_CODE"));
    }

    #[test]
    fn the_current_user_has_a_name() {
        let me = current();
        assert!(!me.name.is_empty());
    }
}
