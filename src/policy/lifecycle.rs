//! The policy lifecycle over the [`store`](super::store): draft, validate, deploy (with a dry
//! run), rollback, deprecate, diff, export and import.
//!
//! Every change takes the store lock without waiting and checks, under the lock, that the
//! state it was planned against has not moved; it writes the index last, atomically, so a
//! refused or failed change leaves the store as it was.

use super::store::{
    self, content_hash, current_author, Export, ExportedVersion, Index, LogEntry, Placement, Store,
    StoreError, VersionRecord, VersionStatus,
};
use super::validate::{self, Report};
use super::{compile, load_layers, parse_layer, CompiledPolicy, Layer, Locations, Scope};
use std::path::{Path, PathBuf};

/// The layers of scopes more authoritative than `scope`, as the hook would load them.
pub fn higher_layers(scope: Scope, loc: &Locations) -> Vec<Layer> {
    let mut l = loc.clone();
    match scope {
        Scope::Org | Scope::Default => {
            l.org = None;
            l.user = None;
            l.project = None;
        }
        Scope::User => {
            l.user = None;
            l.project = None;
        }
        Scope::Project | Scope::Session => l.project = None,
    }
    load_layers(&l)
        .map(|v| {
            v.into_iter()
                .filter(|x| x.scope != Scope::Default)
                .collect()
        })
        .unwrap_or_default()
}

/// The effective policy if `text` were deployed at `scope`: the scope's current layer replaced.
pub fn effective_with(
    text: &str,
    origin: &str,
    scope: Scope,
    loc: &Locations,
) -> Result<CompiledPolicy, super::PolicyError> {
    let mut l = loc.clone();
    match scope {
        Scope::Org => l.org = None,
        Scope::User => l.user = None,
        _ => l.project = None,
    }
    let mut layers: Vec<Layer> = load_layers(&l)?
        .into_iter()
        .filter(|x| x.scope != Scope::Default)
        .collect();
    layers.push(parse_layer(scope, origin, text.to_string())?);
    if super::keeps_default(&layers) {
        layers.insert(0, super::default_layer()?);
    }
    compile(&layers)
}

fn refused(msg: impl Into<String>) -> StoreError {
    StoreError::Refused(msg.into())
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// A template for `draft new`.
pub fn template(name: &str, use_case: &str) -> String {
    format!(
        r#"# Draft policy: edit, then `hookwarden policy validate` and `hookwarden policy deploy`.
# The language is documented in docs/policy.md.

[policy]
name = "{name}"
use_case = "{use_case}"
version = "0.1.0"
status = "draft"
description = "What this policy protects, and for whom."

# [[rule]]
# id = "team.example"
# description = "Why the rule exists."
# boundary = "tool_request"
# effect = "deny"
# risk = 50
# reason = "What the agent should do instead."
# when = {{ program = "curl", hosts_outside = "@allowed_hosts" }}
#
# [[test]]
# command = "curl https://example.invalid/x.sh"
# expect = "deny"
# fires = ["team.example"]
"#
    )
}

/// `draft new`: a new draft from `text` (or the template).
pub fn draft_new(
    st: &Store,
    text: Option<String>,
    name: &str,
    use_case: &str,
    message: &str,
) -> Result<VersionRecord, StoreError> {
    let text = text.unwrap_or_else(|| template(name, use_case));
    let (name, use_case, declared) = match super::parse(&text, "draft") {
        Ok(f) => (f.policy.name, f.policy.use_case, f.policy.version),
        Err(_) => (name.to_string(), use_case.to_string(), "0".to_string()),
    };
    let mut locked = st.lock()?;
    let id = locked.index.new_id();
    let rec = VersionRecord {
        id: id.clone(),
        name,
        use_case,
        declared_version: declared,
        status: VersionStatus::Draft,
        scope: None,
        hash: content_hash(&text),
        parent: None,
        author: current_author(),
        created: crate::time::now_rfc3339(),
        message: message.to_string(),
        activated: None,
    };
    let p = st.draft_path(&id);
    store::write_atomic(&p, text.as_bytes()).map_err(io_err(&p))?;
    locked.index.versions.push(rec.clone());
    if let Err(e) = locked.commit() {
        let _ = std::fs::remove_file(&p);
        return Err(e);
    }
    Ok(rec)
}

/// `draft clone <id>`: a new draft with the text of a version, its parent recorded.
pub fn draft_clone(st: &Store, from: &str, message: &str) -> Result<VersionRecord, StoreError> {
    let index = st.read_index()?;
    let src = index.require(from)?.clone();
    let text = st.text_of(&src)?;
    let mut locked = st.lock()?;
    let id = locked.index.new_id();
    let rec = VersionRecord {
        id: id.clone(),
        name: src.name.clone(),
        use_case: src.use_case.clone(),
        declared_version: src.declared_version.clone(),
        status: VersionStatus::Draft,
        scope: src.scope.clone(),
        hash: content_hash(&text),
        parent: Some(src.id.clone()),
        author: current_author(),
        created: crate::time::now_rfc3339(),
        message: if message.is_empty() {
            format!("clone of {}", src.id)
        } else {
            message.to_string()
        },
        activated: None,
    };
    let p = st.draft_path(&id);
    store::write_atomic(&p, text.as_bytes()).map_err(io_err(&p))?;
    locked.index.versions.push(rec.clone());
    if let Err(e) = locked.commit() {
        let _ = std::fs::remove_file(&p);
        return Err(e);
    }
    Ok(rec)
}

/// `draft delete <id>`: only drafts can be deleted.
pub fn draft_delete(st: &Store, id: &str) -> Result<(), StoreError> {
    let mut locked = st.lock()?;
    let rec = locked.index.require(id)?.clone();
    if rec.status != VersionStatus::Draft {
        return Err(refused(format!(
            "{id} is {}: only drafts can be deleted (versions that were deployed are kept; use `policy deprecate {id}`)",
            rec.status.as_str()
        )));
    }
    locked.index.versions.retain(|v| v.id != id);
    locked.commit()?;
    let _ = std::fs::remove_file(st.draft_path(id));
    Ok(())
}

/// What to deploy.
pub struct DeployRequest {
    /// The policy text and where it came from (a file path, or a draft id).
    pub text: String,
    pub origin: String,
    /// Set when the text is a draft of the store: the draft becomes the version.
    pub draft_id: Option<String>,
    pub use_case: Option<String>,
    pub scope: Option<Scope>,
    /// Where a project-scoped policy is materialized (`<dir>/.hookwarden/policy.toml`).
    pub project_dir: PathBuf,
    pub message: String,
}

/// The plan of a deploy: checked, not yet applied.
pub struct Plan {
    pub use_case: String,
    pub scope: Scope,
    pub target: PathBuf,
    pub validation: Report,
    /// The active version it replaces, and its text.
    pub replaces: Option<(VersionRecord, String)>,
    pub candidate: CompiledPolicy,
    pub current: CompiledPolicy,
}

/// Plans a deploy: resolves use case, scope and target; validates and runs the inline tests.
/// Refuses (changing nothing) when the policy is invalid or its tests fail.
pub fn plan(st: &Store, req: &DeployRequest, loc: &Locations) -> Result<Plan, StoreError> {
    let file = super::parse(&req.text, &req.origin).map_err(|e| {
        refused(format!(
            "{e}\npolicy not deployed: it does not parse; nothing was changed"
        ))
    })?;
    let use_case = req
        .use_case
        .clone()
        .unwrap_or_else(|| file.policy.use_case.clone());
    let index = st.read_index()?;
    let placement = index.placements.get(&use_case).cloned();
    let scope = match (req.scope, &placement) {
        (Some(s), Some(p)) if s.as_str() != p.scope => {
            return Err(refused(format!(
                "use case `{use_case}` is fixed to the {} scope since its first activation; it cannot be deployed at the {} scope. Nothing was changed",
                p.scope,
                s.as_str()
            )))
        }
        (_, Some(p)) => store::parse_scope(&p.scope).unwrap_or(Scope::User),
        (Some(s), None) => s,
        (None, None) => Scope::User,
    };
    let target = match &placement {
        Some(p) => PathBuf::from(&p.target),
        None => store::scope_target(scope, &req.project_dir)
            .ok_or_else(|| refused(format!("no policy file for the {scope} scope")))?,
    };
    for (other, p) in &index.placements {
        if other != &use_case && Path::new(&p.target) == target && index.active.contains_key(other)
        {
            return Err(refused(format!(
                "{} already holds the active policy of use case `{other}`; one file serves one use case. Nothing was changed. To replace that policy, deploy this one as `--use-case {other}`; to add its rules beside it, deploy it at another scope (`--scope project` for this repository, `--scope org`), or merge its rules into the active policy (`hookwarden policy draft clone` the active version)",
                target.display()
            )));
        }
    }
    let mut loc = loc.clone();
    match scope {
        Scope::Org => loc.org = Some(target.clone()),
        Scope::User => loc.user = Some(target.clone()),
        _ => loc.project = Some(target.clone()),
    }
    let higher = higher_layers(scope, &loc);
    let validation = validate::validate_text(&req.text, &req.origin, scope, &higher);
    if !validation.ok() {
        return Err(refused(format!(
            "{}policy not deployed: validation found {} error(s) ({} failing inline test(s)); nothing was changed",
            validation.render(),
            validation.errors(),
            validation.tests_failed()
        )));
    }
    let candidate = effective_with(&req.text, &req.origin, scope, &loc)
        .map_err(|e| refused(format!("{e}\npolicy not deployed; nothing was changed")))?;
    let current = load_layers(&loc)
        .and_then(|l| compile(&l))
        .unwrap_or_default();
    let replaces = match index.active_for(&use_case) {
        Some(r) => Some((r.clone(), st.text_of(r)?)),
        None => None,
    };
    Ok(Plan {
        use_case,
        scope,
        target,
        validation,
        replaces,
        candidate,
        current,
    })
}

/// Applies a plan: one atomic switch of the active version.
pub fn apply(st: &Store, req: &DeployRequest, plan: &Plan) -> Result<VersionRecord, StoreError> {
    let mut locked = st.lock()?;
    let expected = plan.replaces.as_ref().map(|(r, _)| r.id.clone());
    let now_active = locked.index.active.get(&plan.use_case).cloned();
    if now_active != expected {
        return Err(refused(format!(
            "the active version of use case `{}` changed to {} while this deploy was being checked (another deploy won); nothing was changed. Review `hookwarden policy history` and deploy again",
            plan.use_case,
            now_active.as_deref().unwrap_or("none")
        )));
    }
    let hash = locked.put_version_text(&req.text)?;
    let now = crate::time::now_rfc3339();
    let author = current_author();
    let file = super::parse(&req.text, &req.origin).ok();
    let idx = &mut locked.index;
    let id = match &req.draft_id {
        Some(d) => {
            let rec = idx.require(d)?.clone();
            if rec.status != VersionStatus::Draft {
                return Err(refused(format!(
                    "{d} is {}, not a draft; clone it to change it",
                    rec.status.as_str()
                )));
            }
            d.clone()
        }
        None => {
            let id = idx.new_id();
            idx.versions.push(VersionRecord {
                id: id.clone(),
                name: String::new(),
                use_case: String::new(),
                declared_version: String::new(),
                status: VersionStatus::Draft,
                scope: None,
                hash: String::new(),
                parent: expected.clone(),
                author: author.clone(),
                created: now.clone(),
                message: String::new(),
                activated: None,
            });
            id
        }
    };
    if let Some(old) = &expected {
        if let Some(r) = idx.get_mut(old) {
            r.status = VersionStatus::Inactive;
        }
    }
    let rec = idx
        .get_mut(&id)
        .ok_or_else(|| refused(format!("version {id} vanished")))?;
    rec.status = VersionStatus::Active;
    rec.hash = hash;
    rec.use_case = plan.use_case.clone();
    rec.scope = Some(plan.scope.as_str().to_string());
    rec.activated = Some(now.clone());
    if let Some(f) = &file {
        rec.name = f.policy.name.clone();
        rec.declared_version = f.policy.version.clone();
    }
    if rec.parent.is_none() && rec.id != expected.clone().unwrap_or_default() {
        rec.parent = expected.clone();
    }
    if !req.message.is_empty() {
        rec.message = req.message.clone();
    }
    let rec = rec.clone();
    idx.active.insert(plan.use_case.clone(), id.clone());
    idx.placements
        .entry(plan.use_case.clone())
        .or_insert_with(|| Placement {
            scope: plan.scope.as_str().to_string(),
            target: plan.target.display().to_string(),
        });
    idx.log.push(LogEntry {
        time: now,
        action: "deploy".into(),
        use_case: plan.use_case.clone(),
        from: expected,
        to: Some(id.clone()),
        author,
    });
    switch(&locked, &plan.target, &req.text)?;
    if req.draft_id.is_some() {
        let _ = std::fs::remove_file(st.draft_path(&id));
    }
    Ok(rec)
}

/// Materializes `text` at `target` and commits the index; if the commit fails the previous
/// file content is put back, so the store and the file the hook reads never disagree.
fn switch(locked: &store::Locked<'_>, target: &Path, text: &str) -> Result<(), StoreError> {
    let previous = std::fs::read(target).ok();
    store::write_atomic(target, text.as_bytes()).map_err(io_err(target))?;
    if let Err(e) = locked.commit() {
        match previous {
            Some(p) => {
                let _ = store::write_atomic(target, &p);
            }
            None => {
                let _ = std::fs::remove_file(target);
            }
        }
        return Err(e);
    }
    Ok(())
}

/// The activation stack of a use case: deploys push, rollbacks pop.
fn activation_stack(index: &Index, use_case: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    for e in index.log.iter().filter(|e| e.use_case == use_case) {
        match e.action.as_str() {
            "deploy" => stack.extend(e.to.clone()),
            "rollback" => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack
}

/// `rollback`: reactivates the version that was active before the current one.
pub fn rollback(
    st: &Store,
    use_case: Option<&str>,
) -> Result<(VersionRecord, VersionRecord), StoreError> {
    let mut locked = st.lock()?;
    let use_case = match use_case {
        Some(u) => u.to_string(),
        None => {
            let cases: Vec<&String> = locked.index.active.keys().collect();
            match cases.as_slice() {
                [one] => (*one).clone(),
                [] => {
                    return Err(refused(
                        "nothing is deployed from this store; nothing to roll back",
                    ))
                }
                many => {
                    return Err(refused(format!(
                        "several use cases are active ({}); say which with --use-case",
                        many.iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )))
                }
            }
        }
    };
    let current_id = locked
        .index
        .active
        .get(&use_case)
        .cloned()
        .ok_or_else(|| refused(format!("use case `{use_case}` has no active version")))?;
    let stack = activation_stack(&locked.index, &use_case);
    let Some(prev_id) = stack
        .len()
        .checked_sub(2)
        .and_then(|i| stack.get(i))
        .cloned()
    else {
        return Err(refused(format!(
            "nothing to roll back to: {current_id} is the first version deployed for use case `{use_case}`; nothing was changed"
        )));
    };
    let prev = locked.index.require(&prev_id)?.clone();
    if prev.status == VersionStatus::Deprecated {
        return Err(refused(format!(
            "the previous version {prev_id} is deprecated, so it is not rolled back to. To activate an earlier version, `hookwarden policy draft clone ID` and deploy the clone (`hookwarden policy history` lists them). Nothing was changed"
        )));
    }
    let text = st.text_of(&prev)?;
    let placement = locked
        .index
        .placements
        .get(&use_case)
        .cloned()
        .ok_or_else(|| refused(format!("use case `{use_case}` has no placement recorded")))?;
    let now = crate::time::now_rfc3339();
    let idx = &mut locked.index;
    if let Some(r) = idx.get_mut(&current_id) {
        r.status = VersionStatus::Inactive;
    }
    if let Some(r) = idx.get_mut(&prev_id) {
        r.status = VersionStatus::Active;
        r.activated = Some(now.clone());
    }
    idx.active.insert(use_case.clone(), prev_id.clone());
    idx.log.push(LogEntry {
        time: now,
        action: "rollback".into(),
        use_case,
        from: Some(current_id.clone()),
        to: Some(prev_id.clone()),
        author: current_author(),
    });
    let from = idx.require(&current_id)?.clone();
    let to = idx.require(&prev_id)?.clone();
    switch(&locked, Path::new(&placement.target), &text)?;
    Ok((from, to))
}

/// `deprecate <id>`: marks a version that is no longer deployed as not to be used again.
pub fn deprecate(st: &Store, id: &str, message: &str) -> Result<VersionRecord, StoreError> {
    let mut locked = st.lock()?;
    let rec = locked.index.require(id)?.clone();
    match rec.status {
        VersionStatus::Draft => {
            return Err(refused(format!(
                "{id} is a draft: delete it with `hookwarden policy draft delete {id}`"
            )))
        }
        VersionStatus::Active => {
            return Err(refused(format!(
                "{id} is the active version of use case `{}`: deploy its replacement (or roll back) first, then deprecate it",
                rec.use_case
            )))
        }
        VersionStatus::Deprecated => return Err(refused(format!("{id} is already deprecated"))),
        VersionStatus::Inactive => {}
    }
    let now = crate::time::now_rfc3339();
    if let Some(r) = locked.index.get_mut(id) {
        r.status = VersionStatus::Deprecated;
        if !message.is_empty() {
            r.message = format!("{} (deprecated: {message})", r.message);
        }
    }
    locked.index.log.push(LogEntry {
        time: now,
        action: "deprecate".into(),
        use_case: rec.use_case.clone(),
        from: Some(id.to_string()),
        to: None,
        author: current_author(),
    });
    locked.commit()?;
    Ok(locked.index.require(id)?.clone())
}

/// `export [ids]`: versions with their texts, as JSON.
pub fn export(st: &Store, ids: &[String]) -> Result<Export, StoreError> {
    let index = st.read_index()?;
    let mut versions = Vec::new();
    for rec in &index.versions {
        if !ids.is_empty() && !ids.contains(&rec.id) {
            continue;
        }
        versions.push(ExportedVersion {
            record: rec.clone(),
            content: st.text_of(rec)?,
        });
    }
    for id in ids {
        index.require(id)?;
    }
    Ok(Export {
        format: 1,
        exported: crate::time::now_rfc3339(),
        versions,
    })
}

/// `import FILE`: adds exported versions (never activating one). Every version is checked
/// against its hash before anything is written. Returns (new id, original id) pairs.
pub fn import(st: &Store, data: &Export) -> Result<Vec<(String, String)>, StoreError> {
    if data.format != 1 {
        return Err(refused(format!("unknown export format {}", data.format)));
    }
    for v in &data.versions {
        if v.record.status != VersionStatus::Draft && content_hash(&v.content) != v.record.hash {
            return Err(refused(format!(
                "version {} in the import does not match its recorded hash (edited after export?); nothing was imported",
                v.record.id
            )));
        }
    }
    let mut locked = st.lock()?;
    let mut mapping: Vec<(String, String)> = Vec::new();
    let mut drafts: Vec<(String, String)> = Vec::new();
    for v in &data.versions {
        let dup = locked.index.versions.iter().any(|x| {
            x.hash == v.record.hash
                && x.created == v.record.created
                && x.status != VersionStatus::Draft
        });
        if dup {
            continue;
        }
        let mut rec = v.record.clone();
        let new_id = locked.index.new_id();
        mapping.push((new_id.clone(), rec.id.clone()));
        rec.id = new_id.clone();
        rec.status = match rec.status {
            VersionStatus::Active => VersionStatus::Inactive,
            s => s,
        };
        rec.message = if rec.message.is_empty() {
            format!("imported (was {})", v.record.id)
        } else {
            format!("{} (imported; was {})", rec.message, v.record.id)
        };
        if rec.status == VersionStatus::Draft {
            drafts.push((new_id, v.content.clone()));
        } else {
            locked.put_version_text(&v.content)?;
        }
        locked.index.versions.push(rec);
    }
    // Parents that were imported too point at their new ids.
    for rec in locked.index.versions.iter_mut() {
        if let Some(p) = &rec.parent {
            if let Some((new, _)) = mapping.iter().find(|(new, old)| old == p && new != &rec.id) {
                if mapping.iter().any(|(n, _)| n == &rec.id) {
                    rec.parent = Some(new.clone());
                }
            }
        }
    }
    for (id, text) in &drafts {
        let p = st.draft_path(id);
        store::write_atomic(&p, text.as_bytes()).map_err(io_err(&p))?;
    }
    locked.commit()?;
    Ok(mapping)
}

/// A reviewer's diff of two policy texts: metadata, lists, rules by id (changed rules line by
/// line), test counts.
pub fn diff(a: &str, a_name: &str, b: &str, b_name: &str) -> Result<String, super::PolicyError> {
    let fa = super::parse(a, a_name)?;
    let fb = super::parse(b, b_name)?;
    let mut out = format!("--- {a_name}\n+++ {b_name}\n");
    let meta = |f: &super::PolicyFile| toml::to_string(&f.policy).unwrap_or_default();
    line_diff(&mut out, "[policy]", &meta(&fa), &meta(&fb));
    let mut names: Vec<&String> = fa.lists.keys().chain(fb.lists.keys()).collect();
    names.sort();
    names.dedup();
    for n in names {
        let (x, y) = (fa.lists.get(n), fb.lists.get(n));
        if x == y {
            continue;
        }
        let empty = Vec::new();
        let (x, y) = (x.unwrap_or(&empty), y.unwrap_or(&empty));
        out.push_str(&format!("list {n}:\n"));
        for i in x.iter().filter(|i| !y.contains(i)) {
            out.push_str(&format!("-   {i}\n"));
        }
        for i in y.iter().filter(|i| !x.contains(i)) {
            out.push_str(&format!("+   {i}\n"));
        }
    }
    if fa.teams != fb.teams {
        line_diff(
            &mut out,
            "[teams]",
            &toml::to_string(&fa.teams).unwrap_or_default(),
            &toml::to_string(&fb.teams).unwrap_or_default(),
        );
    }
    let rule_text = |r: &super::Rule| toml::to_string(r).unwrap_or_default();
    for r in &fa.rules {
        match fb.rules.iter().find(|x| x.id == r.id) {
            None => out.push_str(&format!(
                "rule {} removed (was {}, risk {})\n",
                r.id,
                r.rule_effect(),
                r.risk
            )),
            Some(n) => {
                let (x, y) = (rule_text(r), rule_text(n));
                if x != y {
                    line_diff(&mut out, &format!("rule {} changed", r.id), &x, &y);
                }
            }
        }
    }
    for r in fb
        .rules
        .iter()
        .filter(|r| !fa.rules.iter().any(|x| x.id == r.id))
    {
        out.push_str(&format!("rule {} added:\n", r.id));
        for l in rule_text(r).lines() {
            out.push_str(&format!("+   {l}\n"));
        }
    }
    if fa.tests.len() != fb.tests.len() {
        out.push_str(&format!(
            "inline tests: {} -> {}\n",
            fa.tests.len(),
            fb.tests.len()
        ));
    }
    Ok(out)
}

impl super::Rule {
    fn rule_effect(&self) -> &'static str {
        self.effect.as_str()
    }
}

/// Lines only in `a` as `-`, lines only in `b` as `+`, under a heading, when they differ.
fn line_diff(out: &mut String, heading: &str, a: &str, b: &str) {
    if a == b {
        return;
    }
    let al: Vec<&str> = a.lines().collect();
    let bl: Vec<&str> = b.lines().collect();
    out.push_str(&format!("{heading}:\n"));
    for l in al.iter().filter(|l| !bl.contains(l)) {
        out.push_str(&format!("-   {l}\n"));
    }
    for l in bl.iter().filter(|l| !al.contains(l)) {
        out.push_str(&format!("+   {l}\n"));
    }
}

/// A deployed policy file whose text is no longer the version deployed there: edited in
/// place (or removed). The hook loads the file as it is, so decisions follow the edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditedInPlace {
    pub use_case: String,
    pub target: PathBuf,
    /// The active version's id and text hash.
    pub version: String,
    pub deployed_hash: String,
    /// The file's text hash now; `None` when the file is gone.
    pub file_hash: Option<String>,
}

impl EditedInPlace {
    /// One line for `policy show` and `doctor`.
    pub fn describe(&self) -> String {
        let short = |h: &str| h[..h.len().min(12)].to_string();
        match &self.file_hash {
            Some(h) => format!(
                "{} was edited in place: its sha256 is {}, the deployed version {} of use case `{}` is sha256 {}. Hook calls use the edited file; `hookwarden policy deploy {}` makes it a version, `policy rollback` or a new deploy replaces it",
                self.target.display(),
                short(h),
                self.version,
                self.use_case,
                short(&self.deployed_hash),
                self.target.display()
            ),
            None => format!(
                "{} is gone: the deployed version {} of use case `{}` (sha256 {}) no longer applies. Deploy again to restore it",
                self.target.display(),
                self.version,
                self.use_case,
                short(&self.deployed_hash)
            ),
        }
    }
}

/// Every active version whose file differs from it.
pub fn edited_in_place(index: &store::Index) -> Vec<EditedInPlace> {
    let mut out = Vec::new();
    for (use_case, id) in &index.active {
        let (Some(rec), Some(place)) = (index.get(id), index.placements.get(use_case)) else {
            continue;
        };
        let target = PathBuf::from(&place.target);
        let file_hash = std::fs::read_to_string(&target)
            .ok()
            .map(|t| store::content_hash(&t));
        if file_hash.as_deref() != Some(rec.hash.as_str()) {
            out.push(EditedInPlace {
                use_case: use_case.clone(),
                target,
                version: rec.id.clone(),
                deployed_hash: rec.hash.clone(),
                file_hash,
            });
        }
    }
    out
}

/// The store to use: `--store DIR` or the default.
pub fn open_store(dir: Option<PathBuf>) -> Result<Store, StoreError> {
    match dir.or_else(store::default_dir) {
        Some(d) => Ok(Store::open(d)),
        None => Err(refused(
            "no config dir to keep the policy store in; pass --store DIR",
        )),
    }
}
