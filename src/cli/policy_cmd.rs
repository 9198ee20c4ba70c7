//! `hookwarden policy ...`: test, show, flags, validate, replay, and the lifecycle in the
//! local store (draft, deploy, history, diff, rollback, deprecate, export, import).

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, Subcommand};
use hookwarden::policy::lifecycle::{self, DeployRequest};
use hookwarden::policy::store::{self, Store, VersionStatus};
use hookwarden::policy::{self, render, testing, validate, Locations, Scope};
use hookwarden::replay;
use std::path::{Path, PathBuf};

#[derive(Args, Clone)]
pub struct StoreArg {
    /// The policy store (default: `<config dir>/store`); a repo-managed store may live anywhere.
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Run the inline tests of a policy file, with the layers `policy validate` gives it
    /// (default: the effective policy).
    Test {
        file: Option<PathBuf>,
        /// The scope the file is meant for (which layers sit above it).
        #[arg(long, default_value = "user")]
        scope: String,
        #[arg(long)]
        cwd: Option<PathBuf>,
    },
    /// Print the effective policy, with the scope and file each rule came from.
    Show {
        /// The merged policy of every scope (the default, and the only view today).
        #[arg(long)]
        effective: bool,
        /// The directory whose project policy applies (default: the current one).
        #[arg(long)]
        cwd: Option<PathBuf>,
        /// Print the merged policy as TOML, each rule annotated with where it came from.
        #[arg(long)]
        toml: bool,
    },
    /// List the flags the built-in signals can raise (what `flag = ...` may name).
    Flags,
    /// Print the JSON Schema of policy files (for editors: see docs/policy.md).
    Schema,
    /// Check a policy file: schema, regexes, flags, lists, ids, dead rules, inline tests.
    Validate {
        /// The file (default: every policy file of the effective policy).
        file: Option<PathBuf>,
        /// The scope the file is meant for (which layers sit above it).
        #[arg(long, default_value = "user")]
        scope: String,
        #[arg(long)]
        cwd: Option<PathBuf>,
    },
    /// Relax a rule with evidence: write an `[[exception]]` (with its reason) into the org or
    /// user policy, replay it against the audit log, and deploy it once confirmed.
    Except(ExceptArgs),
    /// Re-evaluate recorded events under a candidate policy; show which decisions change.
    Replay(ReplayArgs),
    /// Per-rule coverage on one runtime (enforced / degraded / not enforceable) and its hook config snippet.
    Compile(crate::cli::compile::CompileArgs),
    /// The coverage of a policy on every runtime, as the Markdown tables the README holds.
    Coverage {
        /// The policy file, compiled alone (default: the effective policy here).
        file: Option<PathBuf>,
        /// The embedded default policy alone (what the README and docs/install.md show).
        #[arg(long, conflicts_with = "file")]
        default: bool,
    },
    /// Drafts: new, clone, delete; or `--evaluation FILE` to draft from an evaluation.
    #[command(args_conflicts_with_subcommands = true)]
    Draft {
        #[command(subcommand)]
        command: Option<DraftCommand>,
        #[command(flatten)]
        from_evaluation: super::evaluate::DraftArgs,
    },
    /// Validate, test and activate a policy (a file or a draft id) for its use case.
    Deploy(DeployArgs),
    /// Sessions pinned to the policy they started with: session, version, since, runtime.
    Pins {
        /// Remove the pins (of one session when given): the sessions take the policy files
        /// as they are at their next call.
        #[arg(long, value_name = "SESSION", num_args = 0..=1, default_missing_value = "")]
        clear: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Every version in the store, newest first, and the activation log.
    History {
        #[arg(long)]
        use_case: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Compare two policies (store version ids or files): metadata, lists, rules, tests.
    Diff {
        a: String,
        b: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Reactivate the version that was active before the current one.
    Rollback {
        #[arg(long)]
        use_case: Option<String>,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Mark a version that is no longer active as deprecated.
    Deprecate {
        id: String,
        #[arg(short, long, default_value = "")]
        message: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Write versions (all, or the given ids) with their texts as JSON.
    Export {
        ids: Vec<String>,
        #[arg(short, long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Add the versions of an export to the store (none is activated); with `--gitleaks`,
    /// write a gitleaks configuration's rules as a policy file of `[[detector]]` entries.
    Import {
        file: PathBuf,
        /// FILE is a gitleaks configuration (`.gitleaks.toml`): print (or `--out`) the policy
        /// of its rules; rules that cannot be translated are listed with the reason.
        #[arg(long)]
        gitleaks: bool,
        /// With `--gitleaks`: write the policy here instead of printing it.
        #[arg(short, long, requires = "gitleaks")]
        out: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArg,
    },
}

#[derive(Subcommand)]
pub enum DraftCommand {
    /// A new draft, from the template or `--from FILE`.
    New {
        #[arg(long, default_value = "my-policy")]
        name: String,
        #[arg(long, default_value = "default")]
        use_case: String,
        #[arg(long)]
        from: Option<PathBuf>,
        #[arg(short, long, default_value = "")]
        message: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// A new draft with the text of a version (its parent).
    Clone {
        id: String,
        #[arg(short, long, default_value = "")]
        message: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Delete a draft (only drafts can be deleted).
    Delete {
        id: String,
        #[command(flatten)]
        store: StoreArg,
    },
}

#[derive(Args)]
pub struct ReplayArgs {
    /// The candidate policy file (or a store version id).
    candidate: String,
    /// Only events from this recent period (`30m`, `12h`, `7d`); `all` for everything.
    #[arg(long, default_value = "7d")]
    since: String,
    /// The audit log (default: the configured one).
    #[arg(long)]
    audit: Option<PathBuf>,
    /// Agent transcripts (Claude/Codex/Gemini) to take tool calls from; repeatable.
    #[arg(long)]
    transcript: Vec<PathBuf>,
    /// The scope the candidate would be deployed at.
    #[arg(long, default_value = "user")]
    scope: String,
    #[arg(long)]
    cwd: Option<PathBuf>,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    store: StoreArg,
}

#[derive(Args)]
pub struct ExceptArgs {
    /// The id of the rule to relax (see `hookwarden policy show`).
    rule: String,
    /// Where the rule does not fire (or takes `--effect`): a condition as in a rule's `when`,
    /// e.g. `{ flag = "shell.recursive_delete", path_glob_all = "**/node_modules" }`.
    #[arg(long, value_name = "CONDITION")]
    when: Option<String>,
    /// The effect the rule has instead (where `--when` holds, or always); default allow.
    #[arg(long)]
    effect: Option<String>,
    /// Disable the rule altogether.
    #[arg(long, conflicts_with_all = ["when", "effect"])]
    disable: bool,
    /// Why this is safe, and on what evidence (required; shown by `policy show`, `doctor` and
    /// in the audit record of every decision it changes).
    #[arg(long)]
    reason: String,
    /// org or user (default: org when an org policy exists, else user).
    #[arg(long)]
    scope: Option<String>,
    /// Deploy without asking (for scripts). Without a terminal to ask on, it is required.
    #[arg(long)]
    yes: bool,
    /// Replay window (`30m`, `12h`, `7d`, `all`).
    #[arg(long, default_value = "7d")]
    since: String,
    /// The audit log to replay (default: the configured one).
    #[arg(long)]
    audit: Option<PathBuf>,
    #[command(flatten)]
    store: StoreArg,
}

#[derive(Args)]
pub struct DeployArgs {
    /// A policy file, or the id of a draft in the store.
    file: String,
    /// Show the diff against the active version and the replay impact; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// The use case (default: the file's `[policy] use_case`).
    #[arg(long)]
    use_case: Option<String>,
    /// org, user or project (default: the use case's scope, else user). Fixed after the first
    /// activation.
    #[arg(long)]
    scope: Option<String>,
    /// For the project scope: the project whose `.hookwarden/policy.toml` is written
    /// (default: the repository of the current directory).
    #[arg(long)]
    project_dir: Option<PathBuf>,
    #[arg(short, long, default_value = "")]
    message: String,
    /// Replay window for the dry run.
    #[arg(long, default_value = "7d")]
    since: String,
    /// Audit log for the dry run's replay.
    #[arg(long)]
    audit: Option<PathBuf>,
    /// Running sessions take the new version at their next call (their pins are cleared).
    #[arg(long)]
    now: bool,
    #[command(flatten)]
    store: StoreArg,
}

fn cwd_or(c: Option<PathBuf>) -> Result<(PathBuf, PathBuf)> {
    let cwd = match c {
        Some(c) => c,
        None => std::env::current_dir()?,
    };
    let root = hookwarden::signals::find_repo_root(&cwd).unwrap_or(cwd.clone());
    Ok((cwd, root))
}

fn scope_arg(s: &str) -> Result<Scope> {
    store::parse_scope(s)
        .ok_or_else(|| anyhow!("unknown scope `{s}` (expected org, user or project)"))
}

fn open(s: &StoreArg) -> Result<Store> {
    Ok(lifecycle::open_store(s.store.clone())?)
}

/// A policy text by file path or store version id, with a name for messages.
fn resolve(st: &Store, what: &str) -> Result<(String, String, Option<store::VersionRecord>)> {
    let p = Path::new(what);
    if p.is_file() {
        let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {what}"))?;
        return Ok((text, what.to_string(), None));
    }
    let index = st.read_index()?;
    match index.get(what) {
        Some(rec) => Ok((st.text_of(rec)?, format!("{} ({})", rec.id, rec.status.as_str()), Some(rec.clone()))),
        None => bail!("`{what}` is neither a file nor a version in the store {} (see `hookwarden policy history`)", st.dir.display()),
    }
}

pub fn run(cmd: PolicyCommand) -> Result<i32> {
    match cmd {
        PolicyCommand::Compile(a) => crate::cli::compile::run(a),
        PolicyCommand::Coverage { file, default } => {
            let compiled = match (file, default) {
                (Some(f), _) => {
                    let text = std::fs::read_to_string(&f)
                        .with_context(|| format!("cannot read {}", f.display()))?;
                    policy::compile(&[policy::parse_layer(
                        Scope::Project,
                        &f.display().to_string(),
                        text,
                    )?])?
                }
                (None, true) => policy::compile(&[policy::default_layer()?])?,
                (None, false) => {
                    let (cwd, root) = cwd_or(None)?;
                    policy::load_effective(&cwd, &root)?
                }
            };
            print!("{}", hookwarden::runtime::coverage::markdown(&compiled));
            Ok(0)
        }
        PolicyCommand::Test { file, scope, cwd } => test(file, &scope, cwd),
        PolicyCommand::Show {
            effective: _,
            cwd,
            toml,
        } => show(cwd, toml),
        PolicyCommand::Schema => {
            print!("{}", policy::schema::policy_schema());
            Ok(0)
        }
        PolicyCommand::Flags => {
            let mut flags = hookwarden::signals::known_flags();
            flags.sort_unstable();
            flags.dedup();
            for f in flags {
                println!("{f}");
            }
            Ok(0)
        }
        PolicyCommand::Validate { file, scope, cwd } => validate_cmd(file, &scope, cwd),
        PolicyCommand::Replay(a) => replay_cmd(a),
        PolicyCommand::Except(a) => except(a),
        PolicyCommand::Draft {
            command: Some(command),
            ..
        } => draft(command),
        PolicyCommand::Draft {
            command: None,
            from_evaluation,
        } => super::evaluate::run_draft(from_evaluation),
        PolicyCommand::Deploy(a) => deploy(a),
        PolicyCommand::Pins { clear, json } => pins(clear, json),
        PolicyCommand::History {
            use_case,
            json,
            store,
        } => history(&open(&store)?, use_case.as_deref(), json),
        PolicyCommand::Diff { a, b, store } => {
            let st = open(&store)?;
            let (ta, na, _) = resolve(&st, &a)?;
            let (tb, nb, _) = resolve(&st, &b)?;
            print!("{}", lifecycle::diff(&ta, &na, &tb, &nb)?);
            Ok(0)
        }
        PolicyCommand::Rollback { use_case, store } => {
            let st = open(&store)?;
            let (from, to) = lifecycle::rollback(&st, use_case.as_deref())?;
            println!(
                "rolled back use case `{}`: {} -> {} ({}@{}); new sessions use it now, running sessions keep their pinned version",
                to.use_case, from.id, to.id, to.name, to.declared_version
            );
            Ok(0)
        }
        PolicyCommand::Deprecate { id, message, store } => {
            let rec = lifecycle::deprecate(&open(&store)?, &id, &message)?;
            println!(
                "{} ({}@{}) is deprecated",
                rec.id, rec.name, rec.declared_version
            );
            Ok(0)
        }
        PolicyCommand::Export { ids, out, store } => {
            let data = lifecycle::export(&open(&store)?, &ids)?;
            let json = serde_json::to_string_pretty(&data)?;
            match out {
                Some(p) => {
                    store::write_atomic(&p, json.as_bytes())
                        .with_context(|| format!("cannot write {}", p.display()))?;
                    println!(
                        "exported {} version(s) to {}",
                        data.versions.len(),
                        p.display()
                    );
                }
                None => println!("{json}"),
            }
            Ok(0)
        }
        PolicyCommand::Import {
            file,
            gitleaks: true,
            out,
            ..
        } => import_gitleaks(&file, out.as_deref()),
        PolicyCommand::Import { file, store, .. } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let data: store::Export = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a hookwarden policy export", file.display()))?;
            let map = lifecycle::import(&open(&store)?, &data)?;
            println!("imported {} version(s)", map.len());
            for (new, old) in map {
                println!("  {new} (was {old})");
            }
            Ok(0)
        }
    }
}

fn test(file: Option<PathBuf>, scope: &str, cwd: Option<PathBuf>) -> Result<i32> {
    let (cwd, root) = cwd_or(cwd)?;
    let results = match file {
        Some(f) => {
            // Exactly what `policy validate` runs: the file over the layers it will sit on.
            let text = std::fs::read_to_string(&f)
                .with_context(|| format!("cannot read {}", f.display()))?;
            let scope = scope_arg(scope)?;
            let higher = lifecycle::higher_layers(scope, &Locations::discover(&cwd, &root));
            let report = validate::validate_text(&text, &f.display().to_string(), scope, &higher);
            if report.tests.is_empty() && !report.ok() {
                print!("{}", report.render());
                return Ok(1);
            }
            report.tests
        }
        None => testing::run_tests(&policy::load_effective(&cwd, &root)?),
    };
    let failed = results.iter().filter(|r| !r.passed).count();
    for r in &results {
        if let Some(p) = &r.problem {
            println!(
                "FAIL {} ({}): {p}; fired: [{}]",
                r.name,
                r.origin,
                r.fired.join(", ")
            );
        }
    }
    println!("{} passed, {} failed", results.len() - failed, failed);
    Ok(if failed == 0 { 0 } else { 1 })
}

/// The effective policy as one policy file: every layer merged (the default included, so it
/// says `inherit_default = false`), each rule under a comment naming the scope and file:line it
/// came from, the tests of every layer at the end. It compiles, as an org policy, to the same
/// rules.
fn effective_toml(
    compiled: &policy::CompiledPolicy,
    cwd: &Path,
    line_of: impl Fn(&str, &str) -> usize,
) -> Result<String> {
    use hookwarden::decision::Mode;
    use policy::model::{PolicyFile, PolicyMeta};
    let mut w = render::Writer::new();
    let mut header = vec![format!(
        "effective policy {} for {}",
        compiled.version,
        cwd.display()
    )];
    for (scope, name, origin) in &compiled.layers {
        header.push(format!("layer {scope}: {name} ({origin})"));
    }
    for warning in &compiled.warnings {
        header.push(format!("warning: {warning}"));
    }
    w.header(&header);
    let meta = PolicyMeta {
        name: "effective".into(),
        version: compiled.version.clone(),
        description: "Every layer merged, as `hookwarden policy show --effective` shows it.".into(),
        inherit_default: false,
        escalation: compiled.escalation.clone(),
        ..PolicyFile::default().policy
    };
    w.meta(&meta, &[])?;
    w.lists("lists", &compiled.lists, &[])?;
    w.lists("teams", &compiled.teams, &[])?;
    if let Some(a) = &compiled.alerts {
        w.alerts(a, &[])?;
    }
    if let Some(a) = &compiled.audit {
        w.audit(a, &[])?;
    }
    // A detector's own rule (`detector.<id>`) is made again from the detector.
    let made: Vec<String> = compiled
        .detectors
        .iter()
        .filter(|d| d.effect != hookwarden::decision::Effect::Redact)
        .map(|d| format!("detector.{}", d.spec.id))
        .collect();
    for r in &compiled.rules {
        let Some(mut rule) = r.source.as_deref().cloned() else {
            continue;
        };
        if made.contains(&r.id) {
            continue;
        }
        // The mode in force: the rule's own or its layer's; this file's own mode is enforce.
        rule.mode = (r.mode == Mode::Audit).then_some(Mode::Audit);
        let from = format!(
            "from {} scope, {}:{}",
            r.scope,
            r.origin,
            line_of(&r.origin, &r.id)
        );
        w.rule(&rule, &[from])?;
    }
    for x in &compiled.relaxations {
        if let Some(exc) = x.source.as_deref() {
            w.exception(exc, &[format!("from {} scope, {}", x.scope, x.at)])?;
        }
    }
    for d in &compiled.detectors {
        let def = policy::model::DetectorDef {
            id: d.spec.id.clone(),
            description: d.description.clone(),
            regex: d.spec.regex.clone(),
            keywords: d.spec.keywords.clone(),
            entropy: d.entropy,
            secret_group: d.spec.secret_group,
            allow: d.spec.allow.clone(),
            effect: d.effect,
            examples: Vec::new(),
            not_examples: Vec::new(),
        };
        let from = format!(
            "from {} scope, {}:{}",
            d.scope,
            d.origin,
            line_of(&d.origin, &d.spec.id)
        );
        w.detector(&def, &[from])?;
    }
    let mut origin = None;
    for (from, t) in &compiled.tests {
        let note = if origin != Some(from) {
            origin = Some(from);
            vec![format!("tests from {from}")]
        } else {
            Vec::new()
        };
        w.test(t, &note)?;
    }
    Ok(w.finish())
}

fn show(cwd: Option<PathBuf>, as_toml: bool) -> Result<i32> {
    let (cwd, root) = cwd_or(cwd)?;
    let loc = Locations::discover(&cwd, &root);
    let layers = policy::load_layers(&loc)?;
    let compiled = policy::compile(&layers)?;
    let line_of = |origin: &str, id: &str| {
        layers
            .iter()
            .find(|l| l.origin == origin)
            .map(|l| policy::rule_line(&l.text, id))
            .unwrap_or(1)
    };
    if as_toml {
        print!("{}", effective_toml(&compiled, &cwd, line_of)?);
        return Ok(0);
    }
    println!(
        "effective policy {} for {}",
        compiled.version,
        cwd.display()
    );
    println!("layers (most authoritative first):");
    for (scope, name, origin) in &compiled.layers {
        println!("  {scope:<8} {name}  {origin}");
    }
    for w in &compiled.warnings {
        println!("warning: {w}");
    }
    print!("{}", relaxations(&compiled));
    for e in edited_in_place() {
        println!("warning: {}", e.describe());
    }
    match &compiled.audit {
        Some(a) => println!(
            "audit log: rotated at {} bytes, {} rotated file(s) kept{}",
            a.rotate_bytes,
            a.keep,
            a.max_age
                .as_deref()
                .map(|m| format!(", none older than {m}"))
                .unwrap_or_default()
        ),
        None => {
            println!("audit log: not rotated (set [audit] rotate_bytes in the org or user policy)")
        }
    }
    println!("rules ({}):", compiled.rules.len());
    for r in &compiled.rules {
        let Some(rule) = r.source.as_deref() else {
            continue;
        };
        let mut tags = vec![format!("risk {}", rule.risk)];
        if r.mode == hookwarden::decision::Mode::Audit {
            tags.push("audit-only".into());
        }
        if rule.overridable {
            tags.push("overridable".into());
        }
        if r.disabled && !rule.disabled {
            tags.push("disabled by exception".into());
        } else if rule.disabled {
            tags.push("disabled".into());
        }
        if !r.exceptions.is_empty() {
            tags.push("excepted".into());
        }
        if rule.activation.is_some() {
            tags.push("activation".into());
        }
        let boundary = match &rule.boundary {
            Some(b) => b.as_slice().join("|"),
            None => "any boundary".into(),
        };
        println!(
            "  {:<32} {:<9} {:<14} [{}]  from {} {}:{}",
            rule.id,
            rule.effect.as_str(),
            boundary,
            tags.join(", "),
            r.scope,
            r.origin,
            line_of(&r.origin, &rule.id)
        );
        println!("      when   {}", render::inline(&rule.when)?);
        if let Some(u) = &rule.unless {
            println!("      unless {}", render::inline(u)?);
        }
    }
    if !compiled.detectors.is_empty() {
        println!("detectors ({}):", compiled.detectors.len());
        for d in &compiled.detectors {
            let mut tags = vec![format!("{} keyword(s)", d.spec.keywords.len())];
            if let Some(e) = d.spec.entropy {
                tags.push(format!("entropy >= {e}"));
            }
            if let Some(g) = d.spec.secret_group {
                tags.push(format!("group {g}"));
            }
            if !d.spec.allow.is_empty() {
                tags.push(format!("{} allow pattern(s)", d.spec.allow.len()));
            }
            println!(
                "  {:<32} {:<9} [{}]  from {} {}:{}",
                d.spec.id,
                d.effect.as_str(),
                tags.join(", "),
                d.scope,
                d.origin,
                detector_line(&layers, &d.origin, &d.spec.id)
            );
            println!("      regex  {}", d.spec.regex);
            println!("      keywords {}", d.spec.keywords.join(", "));
        }
    }
    if !compiled.lists.is_empty() {
        // A lower scope's additions to a list: counted for its own rules and for alerts.
        let added = |name: &str, base: &[String]| -> String {
            let mut seen: Vec<&String> = base.iter().collect();
            let mut out = String::new();
            for l in &layers {
                let new: Vec<&String> = l
                    .file
                    .lists
                    .get(name)
                    .into_iter()
                    .flatten()
                    .filter(|i| !seen.contains(i))
                    .collect();
                if !new.is_empty() {
                    out.push_str(&format!("; {} scope adds {}", l.scope, new.len()));
                    seen.extend(new);
                }
            }
            out
        };
        println!(
            "lists: {}",
            compiled
                .lists
                .iter()
                .map(|(k, v)| format!("{k} ({}{})", v.len(), added(k, v)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !compiled.teams.is_empty() {
        println!(
            "teams: {}",
            compiled
                .teams
                .iter()
                .map(|(k, v)| format!("{k} ({})", v.join(", ")))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    Ok(0)
}

/// Every rule an exception disabled, gave another effect or excepted, with its reason: what
/// `policy show` and `doctor` list.
pub fn relaxations(compiled: &policy::CompiledPolicy) -> String {
    let mut out = String::new();
    if compiled.relaxations.is_empty() {
        return out;
    }
    out.push_str(&format!(
        "exceptions ({}): rules relaxed, each with its reason\n",
        compiled.relaxations.len()
    ));
    for x in &compiled.relaxations {
        out.push_str(&format!(
            "  {} ({} rule) {} by the {} policy, {}\n",
            x.rule, x.rule_scope, x.what, x.scope, x.at
        ));
        if let Some(w) = &x.when {
            out.push_str(&format!("      when   {w}\n"));
        }
        out.push_str(&format!("      reason {}\n", x.reason));
    }
    out
}

/// Deployed policy files of the default store that differ from their version.
pub(crate) fn edited_in_place() -> Vec<lifecycle::EditedInPlace> {
    lifecycle::open_store(None)
        .ok()
        .and_then(|st| st.read_index().ok())
        .map(|i| lifecycle::edited_in_place(&i))
        .unwrap_or_default()
}

/// `policy import --gitleaks`: the policy text of a gitleaks configuration's rules, each rule
/// left out listed on stderr with the reason (and as a comment in the policy).
fn import_gitleaks(file: &Path, out: Option<&Path>) -> Result<i32> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let origin = file.display().to_string();
    let imp = policy::gitleaks::import(&text, &origin)?;
    let policy_text = imp.policy_text(&origin)?;
    match out {
        Some(p) => {
            store::write_atomic(p, policy_text.as_bytes())
                .with_context(|| format!("cannot write {}", p.display()))?;
            eprintln!(
                "wrote {} detector(s) to {}",
                imp.detectors.len(),
                p.display()
            );
        }
        None => print!("{policy_text}"),
    }
    for (id, why) in &imp.skipped {
        eprintln!("left out rule `{id}`: {why}");
    }
    for (id, note) in &imp.notes {
        eprintln!("note on `{id}`: {note}");
    }
    eprintln!(
        "{} rule(s) imported, {} left out",
        imp.detectors.len(),
        imp.skipped.len()
    );
    Ok(0)
}

/// The line of a detector's `id` in the layer it comes from.
fn detector_line(layers: &[policy::Layer], origin: &str, id: &str) -> usize {
    layers
        .iter()
        .find(|l| l.origin == origin)
        .map(|l| policy::rule_line(&l.text, id))
        .unwrap_or(1)
}

fn validate_cmd(file: Option<PathBuf>, scope: &str, cwd: Option<PathBuf>) -> Result<i32> {
    let (cwd, root) = cwd_or(cwd)?;
    let loc = Locations::discover(&cwd, &root);
    let mut targets: Vec<(PathBuf, Scope)> = Vec::new();
    match file {
        Some(f) => targets.push((f, scope_arg(scope)?)),
        None => {
            for (s, p) in [
                (Scope::Org, &loc.org),
                (Scope::User, &loc.user),
                (Scope::Project, &loc.project),
            ] {
                if let Some(p) = p.as_ref().filter(|p| p.is_file()) {
                    targets.push((p.clone(), s));
                }
            }
            if targets.is_empty() {
                println!("no policy files: the embedded default policy applies");
                let r = validate::validate_text(
                    policy::DEFAULT_POLICY,
                    "<embedded default>",
                    Scope::Org,
                    &[],
                );
                print!("{}", r.render());
                return Ok(if r.ok() { 0 } else { 1 });
            }
        }
    }
    let mut errors = 0;
    for (path, scope) in targets {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let higher = lifecycle::higher_layers(scope, &loc);
        let r = validate::validate_text(&text, &path.display().to_string(), scope, &higher);
        println!("{} ({} scope):", path.display(), scope);
        print!("{}", r.render());
        errors += r.errors();
    }
    Ok(if errors == 0 { 0 } else { 1 })
}

fn since_secs(s: &str) -> Result<Option<i64>> {
    if s == "all" {
        return Ok(None);
    }
    let d = hookwarden::time::parse_duration(s)
        .ok_or_else(|| anyhow!("--since `{s}`: expected a duration like 30m, 12h, 7d, or `all`"))?;
    Ok(Some(hookwarden::time::now_secs() - d))
}

fn replay_cmd(a: ReplayArgs) -> Result<i32> {
    let st = open(&a.store)?;
    let (text, name, _) = resolve(&st, &a.candidate)?;
    let scope = scope_arg(&a.scope)?;
    let (cwd, root) = cwd_or(a.cwd)?;
    let loc = Locations::discover(&cwd, &root);
    let candidate = lifecycle::effective_with(&text, &name, scope, &loc)?;
    let current = policy::load_layers(&loc)
        .and_then(|l| policy::compile(&l))
        .unwrap_or_default();
    let since = since_secs(&a.since)?;
    let mut events = Vec::new();
    let audit = a.audit.unwrap_or_else(hookwarden::dirs::audit_path);
    let mut skipped = 0;
    if audit.is_file() || a.transcript.is_empty() {
        let (ev, bad) = replay::from_audit(&audit, since)
            .with_context(|| format!("cannot read the audit log {}", audit.display()))?;
        events.extend(ev);
        skipped = bad;
    }
    let mut skipped_lines = 0;
    for t in &a.transcript {
        let (ev, bad) = replay::from_transcript(t, since)
            .with_context(|| format!("cannot read transcript {}", t.display()))?;
        events.extend(ev);
        skipped_lines += bad;
    }
    let report = replay::replay(&candidate, &current, &events);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render());
        if skipped > 0 {
            println!("({skipped} audit line(s) could not be read and were skipped)");
        }
        if skipped_lines > 0 {
            println!("({skipped_lines} transcript line(s) are not JSON and were skipped)");
        }
    }
    Ok(0)
}

fn draft(cmd: DraftCommand) -> Result<i32> {
    match cmd {
        DraftCommand::New {
            name,
            use_case,
            from,
            message,
            store,
        } => {
            let st = open(&store)?;
            let text = match &from {
                Some(f) => Some(
                    std::fs::read_to_string(f)
                        .with_context(|| format!("cannot read {}", f.display()))?,
                ),
                None => None,
            };
            let rec = lifecycle::draft_new(&st, text, &name, &use_case, &message)?;
            println!(
                "created draft {} ({} for use case `{}`); edit {}",
                rec.id,
                rec.name,
                rec.use_case,
                st.draft_path(&rec.id).display()
            );
            Ok(0)
        }
        DraftCommand::Clone { id, message, store } => {
            let st = open(&store)?;
            let rec = lifecycle::draft_clone(&st, &id, &message)?;
            println!(
                "created draft {} from {id}; edit {}",
                rec.id,
                st.draft_path(&rec.id).display()
            );
            Ok(0)
        }
        DraftCommand::Delete { id, store } => {
            lifecycle::draft_delete(&open(&store)?, &id)?;
            println!("deleted draft {id}");
            Ok(0)
        }
    }
}

fn deploy(a: DeployArgs) -> Result<i32> {
    let st = open(&a.store)?;
    let (text, origin, rec) = resolve(&st, &a.file)?;
    let draft_id = match &rec {
        Some(r) if r.status == VersionStatus::Draft => Some(r.id.clone()),
        Some(r) if st.read_index()?.active.get(&r.use_case) == Some(&r.id) => bail!(
            "{} is already the active version of use case `{}`; nothing to deploy. `hookwarden policy draft clone {}` to change it",
            r.id,
            r.use_case,
            r.id
        ),
        Some(r) => bail!(
            "{} is {}: a version that was deployed is not deployed again as it is. To make it active again, `hookwarden policy draft clone {}` and deploy the clone (`policy rollback` only goes back to the version active before the current one)",
            r.id,
            r.status.as_str(),
            r.id
        ),
        None => None,
    };
    let scope = a.scope.as_deref().map(scope_arg).transpose()?;
    let (cwd, root) = cwd_or(None)?;
    let project_dir = a.project_dir.clone().unwrap_or(root.clone());
    let loc = Locations::discover(&cwd, &root);
    let req = DeployRequest {
        text,
        origin: origin.clone(),
        draft_id,
        use_case: a.use_case.clone(),
        scope,
        project_dir,
        message: a.message.clone(),
    };
    let plan = lifecycle::plan(&st, &req, &loc)?;
    let warnings = plan.validation.warnings();
    if a.dry_run {
        println!(
            "dry run: would deploy {origin} as the active policy of use case `{}` ({} scope, {})",
            plan.use_case,
            plan.scope,
            plan.target.display()
        );
        print!("{}", plan.validation.render());
        match &plan.replaces {
            Some((r, old)) => {
                println!("\ndiff against the active version {}:", r.id);
                print!("{}", lifecycle::diff(old, &r.id, &req.text, &origin)?);
            }
            None => println!("\nno active version for this use case yet: everything is new"),
        }
        let since = since_secs(&a.since)?;
        let audit = a.audit.unwrap_or_else(hookwarden::dirs::audit_path);
        println!("\nreplay impact ({}):", audit.display());
        if audit.is_file() {
            let (events, _) = replay::from_audit(&audit, since)?;
            print!(
                "{}",
                replay::replay(&plan.candidate, &plan.current, &events).render()
            );
        } else {
            println!("no audit log yet: nothing to replay");
        }
        println!("\nnothing was changed (dry run)");
        return Ok(0);
    }
    let rec = lifecycle::apply(&st, &req, &plan)?;
    // The hook's compiled-policy cache for the new policy, written now so that no hook call
    // pays for compiling it (its regex DFAs above all). Best effort.
    let _ = policy::pin::prewarm(&Locations::discover(&cwd, &root));
    if req.project_dir != root {
        let project = Locations::discover(&req.project_dir, &req.project_dir);
        let _ = policy::pin::prewarm(&project);
    }
    println!(
        "deployed {} ({}@{}, sha256 {}) as the active policy of use case `{}` at {} ({} scope){}",
        rec.id,
        rec.name,
        rec.declared_version,
        &rec.hash[..12],
        rec.use_case,
        plan.target.display(),
        plan.scope,
        match &plan.replaces {
            Some((r, _)) => format!("; replaces {}", r.id),
            None => String::new(),
        }
    );
    if warnings > 0 {
        println!("{warnings} validation warning(s): see `hookwarden policy validate`");
    }
    if plan.scope == Scope::Org {
        // Pins hold only user and project layers: the org policy is read from its file.
        println!(
            "new and running sessions use it at their next call (the org policy is never pinned)"
        );
        return Ok(0);
    }
    if a.now {
        let cleared = policy::pin::clear(None).context("cannot clear the session pins")?;
        println!(
            "new sessions use it now; {cleared} running session(s) take it at their next call (pins cleared)"
        );
    } else {
        match policy::pin::list().len() {
            0 => println!("new sessions use it now; no running session is pinned"),
            n => println!(
                "new sessions use it now; {n} running session(s) stay pinned to the version they started with (`hookwarden policy pins`; `policy deploy --now` or `policy pins --clear` moves them)"
            ),
        }
    }
    Ok(0)
}

/// `policy pins [--clear [SESSION]]`.
fn pins(clear: Option<String>, json: bool) -> Result<i32> {
    if let Some(session) = clear {
        let session = (!session.is_empty()).then_some(session);
        let n = policy::pin::clear(session.as_deref()).context("cannot clear the session pins")?;
        match (&session, n) {
            (Some(s), 0) => {
                println!("no pin for session {s}");
                return Ok(1);
            }
            (Some(s), _) => {
                println!("cleared the pin of session {s}: it takes the policy files as they are at its next call")
            }
            (None, n) => println!(
                "cleared {n} pin(s): every session takes the policy files as they are at its next call"
            ),
        }
        return Ok(0);
    }
    let pins = policy::pin::list();
    if json {
        println!("{}", serde_json::to_string_pretty(&pins)?);
        return Ok(0);
    }
    if pins.is_empty() {
        println!("no pinned sessions");
        return Ok(0);
    }
    println!(
        "{:<24} {:<32} {:<26} {:<8} project",
        "session", "version", "since", "runtime"
    );
    let dash = |s: &str| {
        if s.is_empty() {
            "-".to_string()
        } else {
            s.to_string()
        }
    };
    for p in &pins {
        println!(
            "{:<24} {:<32} {:<26} {:<8} {}",
            dash(&p.session),
            dash(&p.version),
            p.since,
            dash(&p.runtime),
            dash(&p.project)
        );
    }
    println!(
        "{} pinned session(s); a pin ends with its session or after 24 h. `hookwarden policy pins --clear [SESSION]` moves sessions to the current files",
        pins.len()
    );
    Ok(0)
}

/// The `[[exception]]` table `policy except` appends, as TOML.
fn exception_text(a: &ExceptArgs) -> Result<String> {
    use hookwarden::decision::Effect;
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct When {
        when: policy::model::Condition,
    }
    let when = match &a.when {
        Some(w) => {
            let w = w.trim();
            let w = if w.starts_with('{') {
                w.to_string()
            } else {
                format!("{{ {w} }}")
            };
            let parsed: When = toml::from_str(&format!("when = {w}")).map_err(|e| {
                anyhow!(
                    "--when `{w}` is not a condition: {}",
                    e.message().trim_end()
                )
            })?;
            Some(parsed.when)
        }
        None => None,
    };
    let effect = match &a.effect {
        Some(e) => Some(
            serde_json::from_value::<Effect>(serde_json::Value::String(e.clone())).map_err(
                |_| {
                    anyhow!("--effect `{e}`: expected allow, alert, redact, ask, deny or terminate")
                },
            )?,
        ),
        None => None,
    };
    if when.is_none() && effect.is_none() && !a.disable {
        bail!("say what the exception does: --when CONDITION (where the rule does not fire), --effect EFFECT (its effect instead) or --disable");
    }
    let exc = policy::model::Exception {
        rule: a.rule.clone(),
        reason: a.reason.clone(),
        disable: a.disable,
        effect,
        when,
    };
    let mut w = render::Writer::new();
    w.exception(
        &exc,
        &[format!(
            "added by `hookwarden policy except` on {} by {}",
            hookwarden::time::now_rfc3339().get(..10).unwrap_or(""),
            store::current_author()
        )],
    )?;
    Ok(w.finish())
}

fn except(a: ExceptArgs) -> Result<i32> {
    use std::io::{BufRead, IsTerminal, Write};
    let (cwd, root) = cwd_or(None)?;
    let loc = Locations::discover(&cwd, &root);
    let org_exists = loc.org.as_ref().is_some_and(|p| p.is_file());
    let scope = match a.scope.as_deref() {
        Some(s) => scope_arg(s)?,
        None if org_exists => Scope::Org,
        None => Scope::User,
    };
    if !matches!(scope, Scope::Org | Scope::User) {
        bail!("a {scope} policy can only add rules: exceptions go in the user or org policy (--scope user|org)");
    }
    let target = store::scope_target(scope, &root)
        .ok_or_else(|| anyhow!("no policy file for the {scope} scope"))?;
    let old = match std::fs::read_to_string(&target) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", target.display())),
    };
    let entry = exception_text(&a)?;
    let text = if old.trim().is_empty() {
        entry.clone()
    } else {
        format!("{}\n{entry}", old.trim_end())
    };
    let st = open(&a.store)?;
    let origin = target.display().to_string();
    let req = DeployRequest {
        text,
        origin: origin.clone(),
        draft_id: None,
        use_case: None,
        scope: Some(scope),
        project_dir: root.clone(),
        message: format!("exception to {}: {}", a.rule, a.reason),
    };
    println!(
        "exception to rule `{}` for the {scope} policy {origin}:",
        a.rule
    );
    for l in entry.lines() {
        println!("  {l}");
    }
    let plan = match lifecycle::plan(&st, &req, &loc) {
        Ok(p) => p,
        Err(e) => {
            println!("{e}");
            return Ok(1);
        }
    };
    if plan.validation.warnings() > 0 {
        print!("{}", plan.validation.render());
    }
    if plan.target != target {
        bail!(
            "use case `{}` is deployed to {}, not {}: add the exception there (or to a draft) and `hookwarden policy deploy` it",
            plan.use_case,
            plan.target.display(),
            target.display()
        );
    }
    let audit = a.audit.clone().unwrap_or_else(hookwarden::dirs::audit_path);
    println!("\nreplay against {}:", audit.display());
    if audit.is_file() {
        let (events, _) = replay::from_audit(&audit, since_secs(&a.since)?)
            .with_context(|| format!("cannot read the audit log {}", audit.display()))?;
        print!(
            "{}",
            replay::replay(&plan.candidate, &plan.current, &events).render()
        );
    } else {
        println!("no audit log yet: nothing to replay");
    }
    if !a.yes {
        if !std::io::stdin().is_terminal() {
            println!("\nnot deployed: no terminal to confirm on; run it again with --yes to deploy without asking. Nothing was changed");
            return Ok(1);
        }
        print!("\ndeploy this exception to {origin}? [y/N] ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("not deployed; nothing was changed");
            return Ok(1);
        }
    }
    let rec = lifecycle::apply(&st, &req, &plan)?;
    let _ = policy::pin::prewarm(&Locations::discover(&cwd, &root));
    println!(
        "\ndeployed {} (sha256 {}) to {origin} ({scope} scope): the exception to `{}` is in force",
        rec.id,
        rec.hash.get(..12).unwrap_or(&rec.hash),
        a.rule
    );
    println!("new sessions use it now; running sessions keep the version they started with");
    Ok(0)
}

fn history(st: &Store, use_case: Option<&str>, json: bool) -> Result<i32> {
    let index = st.read_index()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&index)?);
        return Ok(0);
    }
    let versions: Vec<&store::VersionRecord> = index
        .versions
        .iter()
        .rev()
        .filter(|v| use_case.is_none_or(|u| v.use_case == u))
        .collect();
    if versions.is_empty() {
        println!("no versions in {}", st.dir.display());
        return Ok(0);
    }
    println!(
        "{:<5} {:<10} {:<16} {:<8} {:<24} {:<12} {:<6} {:<12} {:<24} message",
        "id",
        "status",
        "use case",
        "scope",
        "name@version",
        "sha256",
        "parent",
        "author",
        "created"
    );
    for v in versions {
        println!(
            "{:<5} {:<10} {:<16} {:<8} {:<24} {:<12} {:<6} {:<12} {:<24} {}",
            v.id,
            v.status.as_str(),
            v.use_case,
            v.scope.as_deref().unwrap_or("-"),
            format!("{}@{}", v.name, v.declared_version),
            &v.hash[..v.hash.len().min(12)],
            v.parent.as_deref().unwrap_or("-"),
            v.author,
            v.created,
            v.message
        );
    }
    let log: Vec<_> = index
        .log
        .iter()
        .filter(|e| use_case.is_none_or(|u| e.use_case == u))
        .collect();
    if !log.is_empty() {
        println!("\nlog:");
        for e in log {
            println!(
                "  {} {:<9} {:<16} {} -> {}  by {}",
                e.time,
                e.action,
                e.use_case,
                e.from.as_deref().unwrap_or("-"),
                e.to.as_deref().unwrap_or("-"),
                e.author
            );
        }
    }
    Ok(0)
}
