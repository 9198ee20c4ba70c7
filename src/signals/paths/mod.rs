//! Path facts shared by the file-tool and shell signals: where a path points (root, home,
//! system, temp, inside or outside the project) and whether it names sensitive material.
//!
//! A path is classified twice: as written (`~`, `$HOME`, `..` and the cwd resolved lexically,
//! so a path that does not exist yet still has a class) and as the file system resolves it
//! ([`disk::locate`]: symbolic links followed, the link count read). A link named
//! `config/settings.txt` that leads to `~/.ssh/id_rsa` is a private key; a link in `/tmp`
//! that leads home is home. The fact carries the classes of both, the more dangerous way:
//! every class either path has, except `temp`, which holds only when both are scratch space.
//! Globs are expanded against the file system within bounds; one that cannot be (its
//! directory is missing, or it reaches through `**`) is tested against sample secret names
//! ([`names::SAMPLES`]): `.e*` reaches `.env`.
//!
//! The home dir, its ancestors and the temp roots themselves are never `temp`, nor is anything
//! in a home that lies under a temp root (containers and CI often put `HOME` in `/tmp`), nor
//! anything in the project or the cwd (a checkout under `/tmp` is work).
//!
//! Outside the project, `/root` is a home (root's), `/opt`, `/srv` and `/var/www` hold
//! deployments (`deployment`), and the rest of the operating system's dirs, `/var` included,
//! are `system`.

pub mod disk;
pub mod names;
pub mod regenerable;

pub use names::{is_env_file, sensitive_classes};

use super::{Context, PathFact};
use std::path::{Component, Path, PathBuf};

/// Lexically normalizes an absolute path: removes `.`, folds `..`, never goes above `/`.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(s) => out.push(s),
        }
    }
    out
}

/// A path as a shell or tool would see it before normalizing: `~`, `~/x`, `$HOME`, `${HOME}`
/// expanded, relative paths joined to the cwd.
fn absolute(raw: &str, ctx: &Context) -> PathBuf {
    let home = ctx.home.clone().unwrap_or_else(|| PathBuf::from("/root"));
    if raw == "~" || raw == "$HOME" || raw == "${HOME}" {
        home
    } else if let Some(rest) = raw
        .strip_prefix("~/")
        .or_else(|| raw.strip_prefix("$HOME/"))
        .or_else(|| raw.strip_prefix("${HOME}/"))
    {
        home.join(rest)
    } else if raw.starts_with('/') {
        PathBuf::from(raw)
    } else {
        ctx.cwd.join(raw)
    }
}

/// Resolves a path as a shell or tool would see it: `~`, `~/x`, `$HOME`, `${HOME}`, relative to cwd.
pub fn resolve(raw: &str, ctx: &Context) -> PathBuf {
    normalize(&absolute(raw, ctx))
}

/// Dirs of the operating system and its data (class `system`). `/var` is system data
/// (`/var/lib`, `/var/log`) except what [`DEPLOYMENT_DIRS`] and the temp dirs name.
pub(crate) const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/proc",
    "/sbin",
    "/sys",
    "/usr",
    "/var",
    "/System",
    "/Library",
    "/Applications",
    "/private",
];

/// Dirs that hold installed or served applications (class `deployment`): what runs in
/// production on a server, not the project's source.
pub(crate) const DEPLOYMENT_DIRS: &[&str] = &["/opt", "/srv", "/var/www"];

/// Home dirs that are not in `/home` or `/Users` and that no `HOME` names: root's.
pub(crate) const OTHER_HOMES: &[&str] = &["/root", "/var/root"];

/// Whether `s` is `dir` or lies below it.
fn at_or_under(s: &str, dir: &str) -> bool {
    s == dir || (s.starts_with(dir) && s.as_bytes().get(dir.len()) == Some(&b'/'))
}

/// Classes that say where a path is rather than what it holds: a glob's come from its fixed
/// prefix, not from its matches.
const PLACE_CLASSES: &[&str] = &[
    "root",
    "home",
    "in_home",
    "home_ancestor",
    "temp",
    "temp_root",
    "project",
    "project_ancestor",
    "outside_project",
    "system",
    "deployment",
];

/// The places a context names (home, temp roots, project, cwd), as written and, once a path
/// resolved elsewhere, as the file system resolves them.
struct Places {
    home: Vec<PathBuf>,
    temp: Vec<PathBuf>,
    project: Vec<PathBuf>,
    cwd: Vec<PathBuf>,
}

impl Places {
    fn of(ctx: &Context) -> Places {
        Places {
            home: ctx.home.iter().cloned().collect(),
            temp: ctx.temp_dirs.clone(),
            project: vec![ctx.project_root.clone()],
            cwd: vec![ctx.cwd.clone()],
        }
    }

    /// The same places with their resolved forms added (`/tmp` is `/private/tmp` on macOS).
    fn resolved(ctx: &Context) -> Places {
        let mut p = Places::of(ctx);
        for v in [&mut p.home, &mut p.temp, &mut p.project, &mut p.cwd] {
            let real: Vec<PathBuf> = v
                .iter()
                .filter_map(|x| disk::locate(x).map(|d| d.real))
                .filter(|r| !v.contains(r))
                .collect();
            v.extend(real);
        }
        p
    }
}

/// Where a path is: root, home, temp, project, system.
fn place_classes(p: &Path, places: &Places, out: &mut Vec<String>) {
    let mut push = |c: &str| {
        if !out.iter().any(|x| x == c) {
            out.push(c.to_string());
        }
    };
    let s = p.to_string_lossy();
    if s == "/" {
        push("root");
    }
    // Root's home is a home whoever the user is.
    for other in OTHER_HOMES {
        if places.home.iter().all(|h| h != Path::new(other)) {
            if s == *other {
                push("home");
            } else if at_or_under(&s, other) {
                push("in_home");
            }
        }
    }
    for home in &places.home {
        if p == home {
            push("home");
        }
        if p.starts_with(home) {
            push("in_home");
        }
        if home.starts_with(p) && p != home {
            push("home_ancestor");
        }
    }
    let is_temp_root = places.temp.iter().any(|t| p == t);
    let in_temp = places.temp.iter().any(|t| p.starts_with(t) && p != t);
    // Scratch space is below a temp root, and neither the home dir, one of its ancestors, nor
    // inside a home that lies below a temp root (`HOME=/tmp/u`; `HOME=/tmp` itself is a temp
    // root, and its content is scratch space).
    let home_guard = places
        .home
        .iter()
        .any(|h| h.starts_with(p) || (p.starts_with(h) && !places.temp.iter().any(|t| t == h)));
    let in_project = places
        .project
        .iter()
        .chain(&places.cwd)
        .any(|r| p.starts_with(r));
    // A path above the project (its parent, `/`) contains the project: deleting it deletes it.
    let contains_project = places
        .project
        .iter()
        .chain(&places.cwd)
        .any(|r| r.starts_with(p));
    // A project checked out below a temp root (`/tmp/checkout`) is work, not scratch space.
    if in_temp && !is_temp_root && !home_guard && !in_project && !contains_project {
        push("temp");
    }
    if is_temp_root {
        push("temp_root");
    }
    if in_project || contains_project {
        push("project");
    }
    if contains_project {
        push("project_ancestor");
    }
    if !in_project {
        push("outside_project");
    }
    if !in_temp {
        if DEPLOYMENT_DIRS.iter().any(|d| at_or_under(&s, d)) {
            push("deployment");
        } else if SYSTEM_DIRS.iter().any(|d| at_or_under(&s, d)) {
            push("system");
        }
    }
}

/// Every class of a path as written (no file-system access).
fn lexical_classes(p: &Path, places: &Places) -> Vec<String> {
    let mut classes = Vec::new();
    place_classes(p, places, &mut classes);
    let s = p.to_string_lossy();
    if s.split('/').any(|seg| seg == ".git") {
        classes.push("git_dir".to_string());
    }
    classes.extend(sensitive_classes(&s).iter().map(|c| c.to_string()));
    classes
}

/// Adds the classes of a second view of the same path (its real path, a glob's match), the
/// more dangerous way: `temp` holds only when both views are scratch space.
fn merge(into: &mut Vec<String>, other: &[String]) {
    if !other.iter().any(|c| c == "temp") {
        into.retain(|c| c != "temp");
    }
    for c in other {
        if c != "temp" && !into.contains(c) {
            into.push(c.clone());
        }
    }
}

/// Adds to a fact the classes of another view of the same operand (where a link made earlier
/// in the command line leads), the more dangerous way (see [`merge`]).
pub fn merge_view(f: &mut PathFact, other: &PathFact) {
    merge(&mut f.classes, &other.classes);
    if f.real.is_none() {
        f.real = Some(other.real.clone().unwrap_or_else(|| other.resolved.clone()));
    }
}

fn add(classes: &mut Vec<String>, c: &str) {
    if !classes.iter().any(|x| x == c) {
        classes.push(c.to_string());
    }
}

/// Whether a path holds glob characters.
fn has_glob(raw: &str) -> bool {
    raw.contains(['*', '?', '['])
}

/// Whether part of a path is only known when the command runs (`$VAR`, `$(...)`, backticks).
fn is_dynamic(s: &str) -> bool {
    s.contains(['$', '`'])
}

/// Builds the fact for one path operand.
pub fn fact(raw: &str, ctx: &Context) -> PathFact {
    let lexical = resolve(raw, ctx);
    let s = lexical.to_string_lossy().to_string();
    let alternatives = braces(&s);
    let mut f = if alternatives.len() > 1 {
        // `cat ~/.ssh/id_{rsa,ed25519}`: every alternative is an operand.
        let mut f: Option<PathFact> = None;
        for alt in &alternatives {
            let one = fact_of(raw, alt, &PathBuf::from(alt), ctx, has_glob(alt));
            match &mut f {
                None => f = Some(one),
                Some(f) => merge(&mut f.classes, &one.classes),
            }
        }
        f.unwrap_or_else(|| fact_of(raw, &s, &absolute(raw, ctx), ctx, has_glob(&s)))
    } else {
        fact_of(raw, &s, &absolute(raw, ctx), ctx, has_glob(&s))
    };
    f.raw = raw.to_string();
    f.resolved = s;
    f
}

/// The fact for one path, `s` normalized and `abs` as written (for the file system); `glob`
/// when its wildcards are to be expanded (not for a match, whose name may hold `*` or `[`).
fn fact_of(raw: &str, s: &str, abs: &Path, ctx: &Context, glob: bool) -> PathFact {
    let lexical = PathBuf::from(s);
    let places = Places::of(ctx);
    // A glob's fixed prefix decides where it can reach: `/*` reaches everything under root.
    let anchor = if glob {
        glob_anchor(&lexical)
    } else {
        lexical.clone()
    };
    let mut classes = Vec::new();
    if glob {
        classes.push("glob".to_string());
    }
    place_classes(&anchor, &places, &mut classes);
    if s.split('/').any(|seg| seg == ".git") {
        classes.push("git_dir".to_string());
    }
    if !glob {
        classes.extend(sensitive_classes(s).iter().map(|c| c.to_string()));
    }
    let mut f = PathFact {
        raw: raw.to_string(),
        resolved: s.to_string(),
        real: None,
        classes,
    };
    if is_dynamic(s) {
        if glob {
            glob_names(&mut f.classes, &lexical, ctx);
        }
        return f;
    }
    let at = if glob {
        anchor.clone()
    } else {
        abs.to_path_buf()
    };
    if let Some(d) = disk::locate(&at) {
        if d.real != normalize(&at) {
            let real = lexical_classes(&d.real, &Places::resolved(ctx));
            if glob {
                let places: Vec<String> = real
                    .into_iter()
                    .filter(|c| PLACE_CLASSES.contains(&c.as_str()))
                    .collect();
                merge(&mut f.classes, &places);
            } else {
                merge(&mut f.classes, &real);
                f.real = Some(d.real.to_string_lossy().to_string());
            }
        }
        if !glob && d.is_file && d.nlink > 1 {
            hard_link_classes(&mut f.classes, &lexical, &d.real);
        }
    }
    if glob {
        glob_classes(&mut f.classes, &lexical, ctx);
    }
    f
}

/// A file with more than one name: its other names cannot be found cheaply, so a name that
/// looks like a key or credentials, or a start that reads like one, makes it a secret.
fn hard_link_classes(classes: &mut Vec<String>, lexical: &Path, real: &Path) {
    add(classes, "hard_linked");
    if classes.iter().any(|c| c == "secret_file") {
        return;
    }
    let name = lexical
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let class = disk::sniff(real)
        .or_else(|| names::looks_like_credential(&name).then_some("credential_file"));
    if let Some(c) = class {
        add(classes, "secret_file");
        add(classes, c);
        add(classes, "hard_link_secret");
    }
}

/// What a glob reaches: its matches on disk when it can be expanded, else the secret names it
/// could match.
fn glob_classes(classes: &mut Vec<String>, pattern: &Path, ctx: &Context) {
    // `**` (from `find -name`, `grep --include`) reaches any depth: never expanded here.
    let recursive = pattern.components().any(|c| c.as_os_str() == "**");
    let exp = if recursive {
        disk::Expansion::default()
    } else {
        disk::expand(pattern)
    };
    for (i, m) in exp.matches.iter().enumerate() {
        // Matches are classified by name; the first ones also on disk (links, hard links).
        let s = m.to_string_lossy().to_string();
        let one = if i < MATCHES_ON_DISK {
            fact_of(&s, &s, m, ctx, false).classes
        } else {
            sensitive_classes(&s)
                .iter()
                .map(|c| c.to_string())
                .collect()
        };
        for c in one {
            if !PLACE_CLASSES.contains(&c.as_str()) && c != "glob" {
                add(classes, &c);
            }
        }
    }
    if !exp.complete || exp.matches.is_empty() {
        glob_names(classes, pattern, ctx);
    }
}

/// Matches of a glob looked up on disk (links, hard links); the rest by name only.
const MATCHES_ON_DISK: usize = 32;

/// The secret names a glob that cannot be expanded could match: the name without wildcards
/// (`.env*` is `.env`), and every sample secret the pattern matches (`.e*`, `id_?sa`).
fn glob_names(classes: &mut Vec<String>, pattern: &Path, _ctx: &Context) {
    let s = pattern.to_string_lossy();
    let bare: String = s.chars().filter(|c| !matches!(c, '*' | '?')).collect();
    for c in sensitive_classes(&bare) {
        add(classes, c);
    }
    let segs: Vec<String> = pattern
        .components()
        .filter_map(|c| match c {
            Component::Normal(x) => Some(x.to_string_lossy().to_string()),
            _ => None,
        })
        .collect();
    for sample in names::SAMPLES {
        let anchored = sample.starts_with('/');
        let tail: Vec<&str> = sample.trim_start_matches('/').split('/').collect();
        if reaches(&segs, &tail, anchored) {
            let at = if anchored {
                sample.to_string()
            } else {
                format!("/x/{sample}")
            };
            for c in sensitive_classes(&at) {
                add(classes, c);
            }
        }
    }
}

/// Whether the last segments of a glob can match `tail` (all of it, from the root when
/// `anchored`), with at least one segment specific enough to mean it: `*.yml` reaches
/// `secrets.yml` only by accident, `.e*` reaches `.env` by intent.
fn reaches(pattern: &[String], tail: &[&str], anchored: bool) -> bool {
    fn go(p: &[String], t: &[&str], anchored: bool, specific: bool) -> bool {
        let Some((last_t, rest_t)) = t.split_last() else {
            let rest_ok = !anchored || p.iter().all(|s| s == "**");
            return rest_ok && specific;
        };
        let Some((last_p, rest_p)) = p.split_last() else {
            return false;
        };
        if last_p == "**" {
            return go(rest_p, t, anchored, specific) || go(p, rest_t, anchored, specific);
        }
        let lower = last_p.to_ascii_lowercase();
        let ok = if disk::is_wild(&lower) {
            disk::segment_pattern(&lower)
                .is_some_and(|pat| pat.matches_with(last_t, disk::shell_match()))
        } else {
            lower == *last_t
        };
        ok && go(rest_p, rest_t, anchored, specific || is_specific(&lower))
    }
    go(pattern, tail, anchored, false)
}

/// Whether a glob segment says something of the name beyond "any" or "any with this
/// extension": `.e*`, `id_*`, `cred*`, `.ssh` do; `*`, `*.yml`, `[a-z]*` do not.
fn is_specific(seg: &str) -> bool {
    let mut literal = String::new();
    let mut in_class = false;
    for c in seg.chars() {
        match c {
            '[' => in_class = true,
            ']' if in_class => in_class = false,
            '*' | '?' => {}
            c if !in_class => literal.push(c),
            _ => {}
        }
    }
    let extension_only =
        seg.starts_with('*') && literal.starts_with('.') && !literal[1..].contains('.');
    !literal.is_empty() && !extension_only
}

/// The alternatives of a brace expansion (`a{b,c}` is `ab ac`), at most [`MAX_BRACES`];
/// the path itself when it has none.
fn braces(s: &str) -> Vec<String> {
    let mut out = vec![s.to_string()];
    for _ in 0..4 {
        let mut next = Vec::new();
        let mut changed = false;
        for p in &out {
            match brace_split(p) {
                Some(alts) => {
                    changed = true;
                    next.extend(alts);
                }
                None => next.push(p.clone()),
            }
            if next.len() > MAX_BRACES {
                return out;
            }
        }
        out = next;
        if !changed {
            break;
        }
    }
    out
}

/// Alternatives a path has for brace expansion.
const MAX_BRACES: usize = 32;

/// The first `{a,b}` group of `p` expanded, or `None`.
fn brace_split(p: &str) -> Option<Vec<String>> {
    let open = p.find('{')?;
    let close = open + p[open..].find('}')?;
    let inner = &p[open + 1..close];
    if !inner.contains(',') || inner.contains('{') {
        return None;
    }
    Some(
        inner
            .split(',')
            .map(|alt| format!("{}{alt}{}", &p[..open], &p[close + 1..]))
            .collect(),
    )
}

/// The longest leading part of a glob without wildcard characters.
fn glob_anchor(p: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        if let Component::Normal(s) = c {
            let s = s.to_string_lossy();
            if s.contains('*') || s.contains('?') || s.contains('[') {
                break;
            }
            out.push(s.as_ref());
        }
    }
    out
}

pub fn persistence_class(path: &str) -> Option<&'static str> {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    // Who may log in, and with which keys and hosts trusted: any file under `~/.ssh/` (keys,
    // `authorized_keys`, `config`, `known_hosts`, `rc`), and the system's own. A public key
    // (`id_ed25519.pub`) grants nothing.
    if (lower.contains("/.ssh/") || lower.starts_with("/etc/ssh/"))
        && !lower.split('/').any(|c| c.ends_with(".pub"))
    {
        return Some("ssh_config");
    }
    // Accounts, privileges and what every process loads: who is root, who may sudo.
    if matches!(
        lower.as_str(),
        "/etc/sudoers"
            | "/etc/passwd"
            | "/etc/shadow"
            | "/etc/group"
            | "/etc/gshadow"
            | "/etc/ld.so.preload"
            | "/etc/environment"
            | "/etc/rc.local"
            | "/etc/hosts"
    ) || [
        "/etc/sudoers.d/",
        "/etc/pam.d/",
        "/etc/security/",
        "/etc/init.d/",
        "/etc/ld.so.conf",
    ]
    .iter()
    .any(|d| lower.starts_with(d))
    {
        return Some("system_auth");
    }
    if matches!(
        name,
        ".bashrc"
            | ".bash_profile"
            | ".profile"
            | ".zshrc"
            | ".zprofile"
            | ".zshenv"
            | ".bash_login"
            | ".bash_logout"
            | ".zlogin"
            | ".zlogout"
            | ".cshrc"
            | ".tcshrc"
            | ".kshrc"
            | ".inputrc"
    ) || lower.contains("/.config/fish/")
        || lower.starts_with("/etc/profile")
        || lower == "/etc/bash.bashrc"
        || lower == "/etc/zshrc"
        || lower.contains("/.oh-my-zsh/custom/")
    {
        return Some("shell_rc");
    }
    if lower.contains("/.git/hooks/") || lower.contains("/.husky/") {
        return Some("git_hook");
    }
    // `core.hooksPath`, `core.fsmonitor` and aliases in a git config run code later.
    if lower.ends_with("/.git/config") || lower.ends_with("/.gitconfig") {
        return Some("git_config");
    }
    if lower.contains("/.config/autostart/")
        || lower.contains("/library/launchagents/")
        || lower.contains("/library/launchdaemons/")
        || lower.contains("/.config/systemd/user/")
        || lower.starts_with("/etc/systemd/")
        || lower.starts_with("/etc/cron")
        || lower.starts_with("/var/spool/cron")
    {
        return Some("autostart");
    }
    None
}

/// Flags this module raises.
pub const FLAGS: &[&str] = &["file.read", "file.write", "file.search", "file.persistence"];

/// The path signal: what file tools (Read, Write, Edit, apply_patch, read_file, Grep, Glob...)
/// touch. Shell operands get the same facts from the shell signal through [`fact`].
pub struct PathSignal;

impl super::Signal for PathSignal {
    fn name(&self) -> &'static str {
        "file"
    }

    fn applies(&self, event: &crate::event::Event) -> bool {
        event.boundary == crate::event::Boundary::ToolRequest
            && !event.paths.is_empty()
            && event.tool_kind() != Some(crate::event::ToolKind::Shell)
    }

    fn inspect(&self, event: &crate::event::Event, ctx: &Context, out: &mut Vec<super::Flag>) {
        use crate::event::ToolKind;
        let facts: Vec<PathFact> = event.paths.iter().map(|p| fact(p, ctx)).collect();
        let name = match event.tool_kind() {
            Some(ToolKind::FileRead) => "file.read",
            Some(ToolKind::Search) => "file.search",
            Some(k) if k.writes_files() => "file.write",
            // Unknown tools that name a path: treat as a read, the weaker claim, so secret-file
            // rules still see them.
            _ => "file.read",
        };
        let detail = format!(
            "{} {}",
            event.tool_name().unwrap_or("tool"),
            event.paths.join(" ")
        );
        if name == "file.write" {
            let persistent: Vec<PathFact> = facts
                .iter()
                .filter_map(|f| {
                    // Written through a link, the file written is the one it leads to.
                    let real = f.real.as_deref().and_then(persistence_class);
                    persistence_class(&f.resolved).or(real).map(|c| {
                        let mut f = f.clone();
                        f.classes.push(c.to_string());
                        f
                    })
                })
                .collect();
            if !persistent.is_empty() {
                out.push(
                    super::Flag::new("file.persistence")
                        .detail(detail.clone())
                        .paths(persistent),
                );
            }
        }
        out.push(super::Flag::new(name).detail(detail).paths(facts));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ctx() -> Context {
        Context {
            cwd: PathBuf::from("/home/u/proj"),
            project_root: PathBuf::from("/home/u/proj"),
            home: Some(PathBuf::from("/home/u")),
            temp_dirs: vec![PathBuf::from("/tmp"), PathBuf::from("/var/tmp")],
        }
    }

    #[test]
    fn env_files_but_not_examples() {
        assert!(is_env_file(".env"));
        assert!(is_env_file(".env.local"));
        assert!(is_env_file(".env.production"));
        assert!(!is_env_file(".env.example"));
        assert!(!is_env_file(".env.sample"));
        assert!(!is_env_file(".env.template"));
        assert!(!is_env_file("environment.ts"));
    }

    #[test]
    fn classes_after_resolution() {
        let c = ctx();
        assert!(fact("/", &c).has("root"));
        assert!(fact("/*", &c).has("root"));
        assert!(fact("~", &c).has("home"));
        assert!(fact("$HOME", &c).has("home"));
        assert!(fact("./src", &c).has("project"));
        assert!(fact("../", &c).has("project_ancestor"));
        assert!(fact("../other", &c).has("outside_project"));
        assert!(fact("/tmp/build", &c).has("temp"));
        assert!(!fact("/tmp", &c).has("temp"));
        assert!(fact("/etc/passwd", &c).has("system"));
        assert!(fact(".git/config", &c).has("git_dir"));
        assert!(fact("~/.aws/credentials", &c).has("cloud_credentials"));
        assert!(fact("/tmp/../etc", &c).has("system"));
    }

    #[test]
    fn sensitive_files_and_persistence() {
        let c = ctx();
        for p in [
            "~/.ssh/id_rsa",
            "deploy/server.key",
            "certs/client.p12",
            "~/.aws/credentials",
            "~/.config/gcloud/application_default_credentials.json",
            "~/.azure/accessTokens.json",
            "~/.kube/config",
            "~/.docker/config.json",
            "~/.netrc",
            "~/.pypirc",
            ".npmrc",
            "infra/terraform.tfstate",
            "keys/my-service-account.json",
            "~/.config/gh/hosts.yml",
            "~/.ssh",
            "~/.aws/",
            "/etc/shadow",
            ".envrc",
        ] {
            assert!(fact(p, &c).has("secret_file"), "{p}");
        }
        for p in [
            "~/.ssh/id_rsa.pub",
            ".env.example",
            "src/main.rs",
            "docs/keys.md",
            "~/.ssh/known_hosts",
            "~/.config",
        ] {
            assert!(!fact(p, &c).has("secret_file"), "{p}");
        }
        assert_eq!(
            persistence_class("/home/u/.ssh/authorized_keys"),
            Some("ssh_config")
        );
        assert_eq!(persistence_class("/home/u/.zshrc"), Some("shell_rc"));
        assert_eq!(
            persistence_class("/home/u/proj/.git/hooks/pre-push"),
            Some("git_hook")
        );
        assert_eq!(
            persistence_class("/home/u/proj/.git/config"),
            Some("git_config")
        );
        assert_eq!(persistence_class("/home/u/proj/src/lib.rs"), None);
    }

    /// Home under a temp root (`HOME=/tmp/u` in CI): the home, its ancestors, the temp roots
    /// and what is in the home are never scratch space; with `HOME=/tmp` itself, its content
    /// is, but the home is not.
    #[test]
    fn a_home_under_temp_is_not_scratch_space() {
        let mut c = ctx();
        c.home = Some(PathBuf::from("/tmp/u"));
        for p in [
            "~",
            "~/",
            "$HOME",
            "/tmp",
            "/tmp/",
            "~/projects",
            "~/.ssh",
            "/tmp/u/..",
        ] {
            assert!(!fact(p, &c).has("temp"), "{p}");
        }
        assert!(fact("/tmp", &c).has("home_ancestor"));
        assert!(fact("/tmp/build", &c).has("temp"));
        c.home = Some(PathBuf::from("/tmp"));
        assert!(!fact("~", &c).has("temp"));
        assert!(fact("~/build", &c).has("temp"));
        assert!(fact("/tmp/build", &c).has("temp"));
    }

    /// A path is classified as written and where the file system leads it, the more
    /// dangerous way: a link to a key is a key, a link in a temp dir to the home is home.
    #[test]
    fn links_are_classified_where_they_lead() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        let home = root.join("home");
        let project = home.join("proj");
        let tmp = root.join("tmp");
        for dir in [home.join(".ssh"), project.clone(), tmp.clone()] {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(home.join(".ssh/id_rsa"), "k").unwrap();
        std::os::unix::fs::symlink(home.join(".ssh/id_rsa"), project.join("notes.txt")).unwrap();
        std::os::unix::fs::symlink(&home, tmp.join("h")).unwrap();
        std::fs::hard_link(home.join(".ssh/id_rsa"), project.join("deploy-key.txt")).unwrap();
        let c = Context {
            cwd: project.clone(),
            project_root: project.clone(),
            home: Some(home.clone()),
            temp_dirs: vec![tmp.clone()],
        };
        let f = fact("notes.txt", &c);
        assert!(f.has("private_key") && f.has("project"), "{f:?}");
        assert_eq!(
            f.real.as_deref(),
            Some(&*home.join(".ssh/id_rsa").to_string_lossy())
        );
        let f = fact(&format!("{}/h/", tmp.display()), &c);
        assert!(f.has("home") && !f.has("temp"), "{f:?}");
        let f = fact("deploy-key.txt", &c);
        assert!(f.has("hard_linked") && f.has("secret_file"), "{f:?}");
        assert!(!fact("missing.txt", &c).has("secret_file"));
    }

    /// A glob is what it expands to on disk; one that cannot be expanded is tested against
    /// sample secret names.
    #[test]
    fn globs_reach_what_they_match() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        std::fs::write(root.join(".env"), "A=1").unwrap();
        std::fs::write(root.join("a.md"), "").unwrap();
        let c = Context::fixed(&root.to_string_lossy(), Some("/nonexistent/home"));
        for p in [".e*", ".en?", ".[e]nv", "*/../.e*"] {
            assert!(fact(p, &c).has("env_file"), "{p}");
        }
        assert!(!fact("*.md", &c).has("secret_file"));
        assert!(!fact("*", &c).has("secret_file"));
        // Nothing on disk to expand: the pattern is tested against sample names.
        for p in [
            "~/.ssh/id_*",
            "~/.a*/cred*",
            "missing/.e??",
            "~/.ssh/*",
            "/x/**/.env*",
        ] {
            assert!(fact(p, &c).has("secret_file"), "{p}");
        }
        for p in ["missing/*.yml", "missing/*", "~/.ssh/*.pub", "/x/**/*.json"] {
            assert!(!fact(p, &c).has("secret_file"), "{p}");
        }
        assert!(fact("~/.ssh/id_{rsa,ed25519}.pub", &c)
            .classes
            .iter()
            .all(|c| c != "secret_file"));
        assert!(fact("~/.ssh/id_{rsa.pub,ed25519}", &c).has("private_key"));
    }

    #[test]
    fn project_under_tmp_is_still_project() {
        let c = Context {
            cwd: PathBuf::from("/tmp/work"),
            project_root: PathBuf::from("/tmp/work"),
            home: None,
            temp_dirs: vec![PathBuf::from("/tmp")],
        };
        let f = fact("./src", &c);
        // A checkout under a temp root is work: project, and not scratch space.
        assert!(f.has("project") && !f.has("temp"), "{f:?}");
        let other = fact("/tmp/other", &c);
        assert!(
            other.has("outside_project") && other.has("temp"),
            "{other:?}"
        );
    }
}
