//! Which operands a command reads when no role in [`super::programs::FILE_ROLES`] says so.
//!
//! The stance is that a word naming a sensitive path is read, unless the program is known
//! not to read it: programs that only list, stat, move or delete ([`NOT_READERS`]), programs
//! that use a credential as a credential ([`CREDENTIAL_USERS`]: `ssh -i KEY`), wrappers and
//! dispatchers (the command they run is analysed by itself; only their own file options
//! count, `xargs -a FILE`). `gzip -c .env`, `perl -ne print .env`, `python -m json.tool
//! ~/.docker/config.json` read; so do git's content commands on object paths (`git show
//! HEAD~1:.env`, `git log -p -- .env`) and container mounts (`docker run -v ~/.aws:/x`).
//!
//! Words are looked up on disk (a link named `notes.md` may lead to a key) only when they look
//! like paths; git object paths are names in the repository, never looked up. A command
//! without such words (`git status`, `cargo test`) costs no system call here.
//!
//! Also here: what a `find` filter or a `grep --include` narrows a recursive walk to (`find .
//! -name .env -exec cat {} \;` reads `./**/.env`), and the links `ln` makes, so that a later
//! operand through one of them is classified where it leads.

use super::programs::{
    lookup, wrapper_named, CONTAINER_COPY_SUBCOMMANDS, CONTAINER_MOUNT_OPTS, CONTAINER_TOOLS,
    CREDENTIAL_USERS, CREDENTIAL_USER_PRINTS, DISPATCHER_FILE_OPTS, FD_PROGRAMS, FILE_ROLES,
    FIND_FILTERS, GIT_CONTENT_SUBCOMMANDS, GIT_NAMES_ONLY_OPTS, GIT_PATCH_OPTS,
    GIT_PATCH_SUBCOMMANDS, GREP_NAME_FILTERS, GREP_RECURSIVE, NOT_READERS, RECURSIVE_GREPS,
    REMOTE_SHELLS, RUNNERS, RUNNER_SUBCOMMANDS, SHELLS, TAR_DIR_OPTS,
};
use super::{effects, Analyzer};
use crate::signals::{paths, Flag, PathFact};
use std::path::{Path, PathBuf};

/// Programs the walker hands the rest of their argv to (besides wrappers, shells, runners).
const DISPATCHERS: &[&str] = &[
    "xargs", "find", "parallel", "watch", "eval", "su", "source", ".",
];

impl Analyzer<'_> {
    /// Raises `file.read` for the sensitive paths a command's words name, for programs whose
    /// file operands no role describes (see the module doc).
    pub(super) fn operand_reads(&mut self, program: &str, args: &[String], text: &str) {
        if args.is_empty() || lookup(FILE_ROLES, program).is_some() {
            return;
        }
        let sub = effects::subcommand(program, args);
        let sub = sub.as_deref().unwrap_or("");
        let facts: Vec<PathFact> = if program == "git" {
            git_object_paths(sub, args)
                .iter()
                .map(|p| self.named_fact(p))
                .filter(|f| f.has("secret_file"))
                .collect()
        } else if CONTAINER_TOOLS.contains(&program) {
            let words = container_host_paths(sub, args);
            self.secret_facts(&words, true)
        } else if let Some(opts) = lookup(DISPATCHER_FILE_OPTS, program) {
            let words = option_values(args, opts);
            self.secret_facts(&words, true)
        } else if NOT_READERS.contains(&program)
            || is_dispatcher(program, args)
            || (CREDENTIAL_USERS.contains(&program)
                && !lookup(CREDENTIAL_USER_PRINTS, program).is_some_and(|s| s.contains(&sub)))
        {
            return;
        } else {
            let words = path_words(args);
            self.secret_facts(&words, false)
        };
        if !facts.is_empty() {
            self.out.push(
                Flag::new("file.read")
                    .detail(text)
                    .paths(facts)
                    .attr("reader", program),
            );
        }
    }

    /// Facts of the words that name secrets: every word by name, and those that look like
    /// paths (or all, with `all_paths`) also on disk.
    fn secret_facts(&self, words: &[String], all_paths: bool) -> Vec<PathFact> {
        words
            .iter()
            .filter_map(|w| {
                let f = if all_paths || looks_like_path(w) {
                    self.fact(w)
                } else {
                    self.named_fact(w)
                };
                f.has("secret_file").then_some(f)
            })
            .collect()
    }

    /// The fact of a path by its name only (no file-system lookup): git object paths, words
    /// that do not look like paths.
    fn named_fact(&self, raw: &str) -> PathFact {
        let resolved = paths::resolve(raw, self.ctx).to_string_lossy().to_string();
        let mut classes: Vec<String> = paths::sensitive_classes(&resolved)
            .iter()
            .map(|c| c.to_string())
            .collect();
        if raw.contains(['*', '?', '[']) {
            // `git log -p -- '.env*'`: the glob's names, as for any operand.
            classes = self
                .fact(&format!("{}/**/{raw}", self.ctx.cwd.display()))
                .classes;
        }
        PathFact {
            raw: raw.to_string(),
            resolved,
            real: None,
            classes,
        }
    }

    /// Remembers the links `ln` makes (`ln -s TARGET LINK`, `ln TARGET DIR/`): a later
    /// operand through one of them is classified where it leads too.
    pub(super) fn record_links(&mut self, args: &[String]) {
        let mut symbolic = false;
        let mut ops = Vec::new();
        let mut target_dir = None;
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            if a == "-t" || a == "--target-directory" {
                target_dir = args.get(i + 1).cloned();
                i += 2;
                continue;
            }
            if let Some(d) = a.strip_prefix("--target-directory=") {
                target_dir = Some(d.to_string());
            } else if a == "--symbolic"
                || (a.starts_with('-') && !a.starts_with("--") && a.contains('s'))
            {
                symbolic = true;
            } else if a == "-S" || a == "--suffix" {
                i += 1;
            } else if !a.starts_with('-') || a == "-" {
                ops.push(a.to_string());
            }
            i += 1;
        }
        let (targets, dest): (Vec<String>, Option<String>) = match (target_dir, ops.len()) {
            (Some(d), _) => (ops, Some(format!("{d}/"))),
            (None, 0) => return,
            (None, 1) => (ops, None),
            (None, _) => {
                let dest = ops.pop();
                (ops, dest)
            }
        };
        let into_dir = targets.len() > 1 || dest.as_deref().is_some_and(|d| d.ends_with('/'));
        for t in &targets {
            let name = t.trim_end_matches('/').rsplit('/').next().unwrap_or(t);
            let link_raw = match &dest {
                Some(d) if into_dir => format!("{}/{name}", d.trim_end_matches('/')),
                Some(d) => d.clone(),
                None => name.to_string(),
            };
            let link = PathBuf::from(self.fact(&link_raw).resolved);
            let target =
                if symbolic && !t.starts_with('/') && !t.starts_with('~') && !t.starts_with('$') {
                    // A relative symbolic link is relative to the directory it is in.
                    let dir = link.parent().unwrap_or(Path::new("/"));
                    paths::normalize(&dir.join(t))
                } else {
                    PathBuf::from(self.fact(t).resolved)
                };
            self.links.push((link, target));
        }
    }
}

/// The argv a command really gets from `find -exec … {}` (each `{}` is a path found) or from
/// `xargs` (the paths are appended, or stand where `-I` puts them).
pub(super) fn with_fill(args: &[String], fill: &[String]) -> Vec<String> {
    if fill.is_empty() {
        return args.to_vec();
    }
    if args.iter().any(|a| a.contains("{}")) {
        let mut out = Vec::new();
        for a in args {
            if a.contains("{}") {
                // `{}` inside a word (`{}/.env`, `{}:.env`) is filled in where it stands.
                out.extend(fill.iter().map(|f| a.replace("{}", f)));
            } else {
                out.push(a.clone());
            }
        }
        return out;
    }
    args.iter().chain(fill).cloned().collect()
}

/// Whether the walker runs the rest of this command's argv as a command of its own.
fn is_dispatcher(program: &str, args: &[String]) -> bool {
    wrapper_named(program).is_some()
        || SHELLS.contains(&program)
        || DISPATCHERS.contains(&program)
        || FD_PROGRAMS.contains(&program)
        || REMOTE_SHELLS.contains(&program)
        || (RUNNERS.contains(&program)
            && args
                .first()
                .is_some_and(|a| RUNNER_SUBCOMMANDS.contains(&a.as_str())))
}

/// Whether a word looks like a path worth a file-system lookup: it has a `/`, starts with
/// `.`, `~` or `$HOME`, or has an extension.
fn looks_like_path(w: &str) -> bool {
    w.contains('/') || w.starts_with(['.', '~']) || w.starts_with("$HOME") || w.contains('.')
}

/// The words of an argv that may be paths: operands, option values (`--file=X`), the value
/// of `NAME=X`, the path of a `file://` URL; not words with spaces (code, messages) nor
/// other URLs.
fn path_words(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for a in args {
        if a.is_empty() || a.chars().any(char::is_whitespace) || a == "-" || a == "--" {
            continue;
        }
        if let Some(p) = a.strip_prefix("file://") {
            out.push(p.to_string());
            continue;
        }
        if a.contains("://") {
            continue;
        }
        let word = if a.starts_with('-') {
            match a.split_once('=') {
                Some((_, v)) => v,
                None => continue,
            }
        } else {
            match a.split_once('=') {
                Some((k, v)) if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => v,
                _ => a.as_str(),
            }
        };
        if let Some(p) = word.strip_prefix("file://") {
            out.push(p.to_string());
        } else if !word.is_empty() {
            out.push(word.to_string());
        }
    }
    out
}

/// The values of the given options (`-a FILE`, `--arg-file=FILE`).
fn option_values(args: &[String], opts: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, a) in args.iter().enumerate() {
        if opts.contains(&a.as_str()) {
            out.extend(args.get(i + 1).cloned());
        } else if let Some((k, v)) = a.split_once('=') {
            if opts.contains(&k) {
                out.push(v.to_string());
            }
        }
    }
    out
}

/// The repository paths a git content command prints: `REV:path` operands, and the operands
/// of `show`, `diff`, `blame`, `archive`, ... (after `--`, everything), for `log` and its
/// relatives only with a patch option.
fn git_object_paths(sub: &str, args: &[String]) -> Vec<String> {
    let patch = GIT_PATCH_SUBCOMMANDS.contains(&sub)
        && args.iter().any(|a| GIT_PATCH_OPTS.contains(&a.as_str()));
    let names_only = args
        .iter()
        .any(|a| GIT_NAMES_ONLY_OPTS.contains(&a.as_str()))
        && !args.iter().any(|a| GIT_PATCH_OPTS.contains(&a.as_str()));
    if (!GIT_CONTENT_SUBCOMMANDS.contains(&sub) && !patch) || names_only {
        return Vec::new();
    }
    let Some(start) = args.iter().position(|a| a == sub) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut paths_only = false;
    for a in &args[start + 1..] {
        if !paths_only && a == "--" {
            paths_only = true;
            continue;
        }
        if !paths_only && a.starts_with('-') {
            continue;
        }
        let path = match a.split_once(':') {
            Some((_, p)) if !paths_only => p,
            _ => a.as_str(),
        };
        if !path.is_empty() {
            out.push(path.to_string());
        }
    }
    out
}

/// The host paths a container command mounts or copies in: `-v SRC:DST`, `--mount
/// source=SRC,...`, `cp SRC CONTAINER:DST`. Named volumes (`data:/var/lib/x`) are not paths.
fn container_host_paths(sub: &str, args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let host_path = |v: &str| -> Option<String> {
        let src = v.split(':').next().unwrap_or(v);
        (src.starts_with(['/', '~', '.']) || src.starts_with("$HOME")).then(|| src.to_string())
    };
    let mount_source = |v: &str| -> Option<String> {
        v.split(',').find_map(|kv| {
            kv.strip_prefix("source=")
                .or_else(|| kv.strip_prefix("src="))
                .map(str::to_string)
        })
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let (opt, value) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k, Some(v.to_string())),
            _ if a.starts_with("-v") && a.len() > 2 && !a.starts_with("--") => {
                // `-vSRC:DST`, `-v=SRC:DST`
                ("-v", Some(a[2..].trim_start_matches('=').to_string()))
            }
            _ => (a, args.get(i + 1).cloned()),
        };
        if CONTAINER_MOUNT_OPTS.contains(&opt) {
            if let Some(v) = value {
                let found = if opt == "--mount" {
                    mount_source(&v)
                } else {
                    host_path(&v)
                };
                out.extend(found);
            }
        }
        i += 1;
    }
    if CONTAINER_COPY_SUBCOMMANDS.contains(&sub) {
        let ops: Vec<&String> = args
            .iter()
            .skip_while(|a| a.as_str() != sub)
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        if let Some((_, srcs)) = ops.split_last() {
            for s in srcs {
                if effects::egress_remote(s).is_none() {
                    out.push((*s).clone());
                }
            }
        }
    }
    out
}

/// What a `find` walk reaches once its name filters are applied: `find . -name .env` reaches
/// `./**/.env`, `-path '*/.aws/*'` reaches `./**/.aws/*`. Negated filters (`! -name`, `-not
/// -name`) and regular expressions narrow nothing that can be told here: the roots stand.
pub(super) fn find_reach(roots: &[String], args: &[String]) -> Vec<String> {
    let mut filters = Vec::new();
    for (i, a) in args.iter().enumerate() {
        if !FIND_FILTERS.contains(&a.as_str()) || a.contains("regex") {
            continue;
        }
        let negated = i > 0 && matches!(args[i - 1].as_str(), "!" | "-not");
        if let (false, Some(v)) = (negated, args.get(i + 1)) {
            let v = if a.contains("path") || a == "-wholename" {
                v.trim_start_matches("*/")
                    .trim_start_matches('*')
                    .to_string()
            } else {
                v.clone()
            };
            let whole_path = a.contains("path") || a == "-wholename";
            if !v.is_empty() && (whole_path || !v.contains('/')) {
                filters.push(v);
            }
        }
    }
    if filters.is_empty() {
        return roots.to_vec();
    }
    let mut out = Vec::new();
    for r in roots {
        for f in &filters {
            out.push(format!("{}/**/{f}", r.trim_end_matches('/')));
        }
    }
    out
}

/// What a recursive grep reads once `--include`/`-g` narrows it: `grep -r "" --include='.env*'
/// .` reads `./**/.env*`. `None` when no name filter applies.
pub(super) fn grep_reach(program: &str, args: &[String], reads: &[String]) -> Option<Vec<String>> {
    let filters: Vec<String> = option_values(args, GREP_NAME_FILTERS)
        .into_iter()
        .filter(|f| !f.starts_with('!'))
        .collect();
    if filters.is_empty() {
        return None;
    }
    let recursive = RECURSIVE_GREPS.contains(&program)
        || args.iter().any(|a| {
            GREP_RECURSIVE.contains(&a.as_str())
                || (a.starts_with('-') && !a.starts_with("--") && a.contains(['r', 'R']))
        });
    if !recursive {
        return None;
    }
    let roots: Vec<String> = if reads.is_empty() {
        vec![".".to_string()]
    } else {
        reads.to_vec()
    };
    let mut out = Vec::new();
    for r in &roots {
        for f in &filters {
            out.push(format!("{}/**/{f}", r.trim_end_matches('/')));
        }
    }
    Some(out)
}

/// `tar -C DIR`: the directory a tar's operands are relative to.
pub(super) fn tar_dir(args: &[String]) -> Option<String> {
    option_values(args, TAR_DIR_OPTS).pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn find_filters_narrow_the_walk() {
        assert_eq!(find_reach(&v("."), &v(". -name .env")), ["./**/.env"]);
        assert_eq!(
            find_reach(&v("~"), &v("~ -path */.aws/* -type f")),
            ["~/**/.aws/*"]
        );
        assert_eq!(find_reach(&v("."), &v(". ! -name *.rs")), ["."]);
        assert_eq!(find_reach(&v("src"), &v("src -type f")), ["src"]);
    }

    #[test]
    fn git_object_paths_of_content_commands() {
        assert_eq!(git_object_paths("show", &v("show HEAD~1:.env")), [".env"]);
        assert_eq!(git_object_paths("log", &v("log -p -- .env")), [".env"]);
        assert!(git_object_paths("log", &v("log --oneline -- .env")).is_empty());
        assert!(git_object_paths("add", &v("add .env")).is_empty());
        assert_eq!(
            git_object_paths("diff", &v("diff HEAD~1 -- .env")),
            ["HEAD~1", ".env"]
        );
    }

    #[test]
    fn container_mounts_name_host_paths() {
        assert_eq!(
            container_host_paths("run", &v("run -v ~/.aws:/x alpine")),
            ["~/.aws"]
        );
        assert_eq!(
            container_host_paths(
                "run",
                &v("run --mount type=bind,source=/h/.ssh,target=/k a")
            ),
            ["/h/.ssh"]
        );
        assert!(container_host_paths("run", &v("run -v data:/var/lib/x a")).is_empty());
        assert_eq!(
            container_host_paths("run", &v("run -v=$HOME/.aws:/a a")),
            ["$HOME/.aws"]
        );
        assert_eq!(
            container_host_paths("cp", &v("cp ~/.ssh/id_rsa web:/tmp/")),
            ["~/.ssh/id_rsa"]
        );
    }
}
