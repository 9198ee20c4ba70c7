//! The rule index: which rules an event can meet, by boundary, flag name and program.
//!
//! Built by compile next to the rules it indexes, and the one way rules are selected: evaluation
//! asks it for the rules of an event (and tests only those), and the hook's compiled-policy cache
//! asks it which rules to read at all. A rule whose `when` tests flags can only match when one
//! raised flag has one of its flag names and, when it tests them, a program and a subcommand its
//! globs match; a rule that tests no flag is a candidate for every event of its boundaries.
//!
//! Like execpolicy's rules by program: a plain name (`git`, `secret.detected`) is a key looked
//! up by the raised flags; a glob (`helm*`, `secret.*`) puts its rule in a short list tested one
//! by one.

use super::glob;
use super::typed::{CompiledCondition, FlagCheck, Globs};
use crate::event::Boundary;
use crate::signals::Flag;
use serde::{Deserialize, Serialize};

/// A flag the event raised, as the index selects by it: its name and, for a command, its
/// program and subcommand.
#[derive(Debug, Clone, Copy)]
pub struct Raised<'a> {
    pub name: &'a str,
    pub program: Option<&'a str>,
    pub subcommand: Option<&'a str>,
}

/// The raised flags of an event, for [`RuleIndex::candidates`].
pub fn raised(flags: &[Flag]) -> Vec<Raised<'_>> {
    flags
        .iter()
        .map(|f| Raised {
            name: f.name.as_str(),
            program: f.attrs.get("program").and_then(|v| v.as_str()),
            subcommand: super::eval::flag_subcommand(f),
        })
        .collect()
}

/// What a rule needs raised to match: one flag with one of `names` (any name when empty) whose
/// program and subcommand match the globs the rule tests them with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needs<'a> {
    pub names: &'a Globs,
    pub programs: Option<&'a Globs>,
    pub subcommands: Option<&'a Globs>,
}

impl<'a> Needs<'a> {
    /// The needs of a `when`; `None` when it tests no flag (it can match without one).
    pub fn of(when: &'a CompiledCondition) -> Option<Needs<'a>> {
        let flag = when.flag.as_ref()?;
        let mut needs = Needs {
            names: &flag.names,
            programs: None,
            subcommands: None,
        };
        for check in &flag.checks {
            match check {
                FlagCheck::Program(g) => needs.programs = Some(g),
                FlagCheck::Subcommand(g) => needs.subcommands = Some(g),
                _ => {}
            }
        }
        Some(needs)
    }
}

/// Rule positions (into `CompiledPolicy::rules`) by what they need.
///
/// Laid out for the hook's cache, which reads it on every call: every name and glob is stored
/// once in one string and referred to by number, so reading the index back costs a handful of
/// allocations, not one per name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RuleIndex {
    /// Every name and glob, concatenated.
    text: String,
    /// End of each string in `text`: string `i` is `text[ends[i - 1]..ends[i]]`.
    ends: Vec<u32>,
    /// String ids, referred to by the ranges below.
    ids: Vec<u32>,
    /// Per rule: what it needs raised; `None` for a rule that needs no flag.
    needs: Vec<Option<NeedsAt>>,
    /// One per boundary, in [`slot`] order.
    boundaries: Vec<BoundaryIndex>,
}

/// A range of [`RuleIndex::ids`] or of [`BoundaryIndex::rules`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Span(u32, u32);

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct NeedsAt {
    names: Span,
    programs: Option<Span>,
    subcommands: Option<Span>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct BoundaryIndex {
    /// Rules that need no flag.
    always: Vec<u32>,
    /// Rules that need a flag of exactly this name (string id, sorted by the name), as a span
    /// of `rules`.
    by_flag: Vec<(u32, Span)>,
    /// Rules that need a flag with exactly this program, likewise.
    by_program: Vec<(u32, Span)>,
    /// Rules whose flag names and programs are globs: tested against every raised flag.
    scanned: Vec<u32>,
    /// Rule positions the spans above refer to.
    rules: Vec<u32>,
}

const SLOTS: usize = 5;

fn slot(b: Boundary) -> usize {
    match b {
        Boundary::Prompt => 0,
        Boundary::ToolRequest => 1,
        Boundary::ToolOutput => 2,
        Boundary::FinalResponse => 3,
        Boundary::Other => 4,
    }
}

const SLOT_BOUNDARIES: [Boundary; SLOTS] = [
    Boundary::Prompt,
    Boundary::ToolRequest,
    Boundary::ToolOutput,
    Boundary::FinalResponse,
    Boundary::Other,
];

/// What the index needs to know of a rule.
pub struct Entry<'a> {
    pub boundaries: &'a [Boundary],
    pub when: &'a CompiledCondition,
    /// A disabled rule is in no list.
    pub disabled: bool,
}

/// Builds the string table.
#[derive(Default)]
struct Interner {
    text: String,
    ends: Vec<u32>,
    seen: std::collections::HashMap<String, u32>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.seen.get(s) {
            return i;
        }
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
        let i = self.ends.len() as u32 - 1;
        self.seen.insert(s.to_string(), i);
        i
    }
}

impl RuleIndex {
    pub fn build<'a>(rules: impl IntoIterator<Item = Entry<'a>>) -> RuleIndex {
        let mut strings = Interner::default();
        let mut ids: Vec<u32> = Vec::new();
        let mut needs_all = Vec::new();
        // Per slot: always, by flag name, by program, scanned.
        type Keyed = Vec<(String, Vec<u32>)>;
        let mut slots: Vec<(Vec<u32>, Keyed, Keyed, Vec<u32>)> = vec![Default::default(); SLOTS];
        for (i, rule) in rules.into_iter().enumerate() {
            let pos = i as u32;
            let needs = Needs::of(rule.when);
            let mut span = |g: &Globs| {
                let start = ids.len() as u32;
                ids.extend(g.0.iter().map(|s| strings.id(s)));
                Span(start, ids.len() as u32)
            };
            needs_all.push(needs.as_ref().map(|n| NeedsAt {
                names: span(n.names),
                programs: n.programs.map(&mut span),
                subcommands: n.subcommands.map(&mut span),
            }));
            if rule.disabled {
                continue;
            }
            for b in SLOT_BOUNDARIES {
                if !(rule.boundaries.is_empty() || rule.boundaries.contains(&b)) {
                    continue;
                }
                let (always, by_flag, by_program, scanned) = &mut slots[slot(b)];
                let Some(n) = &needs else {
                    always.push(pos);
                    continue;
                };
                let push = |map: &mut Keyed, keys: &Globs| {
                    for k in &keys.0 {
                        match map.iter_mut().find(|(name, _)| name == k) {
                            Some((_, v)) if v.last() == Some(&pos) => {}
                            Some((_, v)) => v.push(pos),
                            None => map.push((k.clone(), vec![pos])),
                        }
                    }
                };
                match n.programs {
                    Some(p) if !p.is_empty() && p.all_literal() => push(by_program, p),
                    _ if !n.names.is_empty() && n.names.all_literal() => push(by_flag, n.names),
                    _ => scanned.push(pos),
                }
            }
        }
        let boundaries = slots
            .into_iter()
            .map(|(always, mut by_flag, mut by_program, scanned)| {
                let mut rules = Vec::new();
                let mut keyed = |map: &mut Keyed| {
                    map.sort_by(|x, y| x.0.cmp(&y.0));
                    map.iter()
                        .map(|(k, v)| {
                            let start = rules.len() as u32;
                            rules.extend(v);
                            (strings.id(k), Span(start, rules.len() as u32))
                        })
                        .collect()
                };
                let by_flag = keyed(&mut by_flag);
                let by_program = keyed(&mut by_program);
                BoundaryIndex {
                    always,
                    by_flag,
                    by_program,
                    scanned,
                    rules,
                }
            })
            .collect();
        RuleIndex {
            text: strings.text,
            ends: strings.ends,
            ids,
            needs: needs_all,
            boundaries,
        }
    }

    fn string(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 {
            0
        } else {
            self.ends.get(i - 1).copied().unwrap_or(0)
        };
        let end = self.ends.get(i).copied().unwrap_or(0);
        self.text.get(start as usize..end as usize).unwrap_or("")
    }

    fn globs(&self, span: Span) -> impl Iterator<Item = &str> {
        self.ids
            .get(span.0 as usize..span.1 as usize)
            .unwrap_or(&[])
            .iter()
            .map(|&id| self.string(id))
    }

    fn met_by(&self, n: &NeedsAt, raised: &[Raised]) -> bool {
        let any = |span: Span, v: &str| self.globs(span).any(|g| glob::matches(g, v));
        raised.iter().any(|f| {
            (n.names.0 == n.names.1 || any(n.names, f.name))
                && n.programs
                    .is_none_or(|s| f.program.is_some_and(|p| any(s, p)))
                && n.subcommands
                    .is_none_or(|s| f.subcommand.is_some_and(|v| any(s, v)))
        })
    }

    fn lookup<'s>(&'s self, bi: &'s BoundaryIndex, map: &[(u32, Span)], key: &str) -> &'s [u32] {
        match map.binary_search_by(|(k, _)| self.string(*k).cmp(key)) {
            Ok(i) => {
                let Span(a, z) = map[i].1;
                bi.rules.get(a as usize..z as usize).unwrap_or(&[])
            }
            Err(_) => &[],
        }
    }

    /// The rules an event of `boundary` that raised `raised` can match, in rule order; with
    /// `None`, every rule of the boundary.
    pub fn candidates(&self, boundary: Boundary, raised: Option<&[Raised]>) -> Vec<u32> {
        let Some(bi) = self.boundaries.get(slot(boundary)) else {
            return Vec::new();
        };
        let mut out = bi.always.clone();
        let Some(raised) = raised else {
            out.extend(&bi.rules);
            out.extend(&bi.scanned);
            out.sort_unstable();
            out.dedup();
            return out;
        };
        let test = |ids: &[u32], out: &mut Vec<u32>| {
            for &i in ids {
                let met = self
                    .needs
                    .get(i as usize)
                    .and_then(|n| n.as_ref())
                    .is_some_and(|n| self.met_by(n, raised));
                if met {
                    out.push(i);
                }
            }
        };
        for f in raised {
            test(self.lookup(bi, &bi.by_flag, f.name), &mut out);
            if let Some(p) = f.program {
                test(self.lookup(bi, &bi.by_program, p), &mut out);
            }
        }
        test(&bi.scanned, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether the index lists rule `pos` for `boundary`.
    pub fn lists(&self, boundary: Boundary, pos: u32) -> bool {
        self.candidates(boundary, None).contains(&pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::typed::FlagTest;

    fn cond(names: &[&str], programs: Option<&[&str]>) -> CompiledCondition {
        let g = |v: &[&str]| Globs(v.iter().map(|s| s.to_string()).collect());
        let mut checks = Vec::new();
        if let Some(p) = programs {
            checks.push(FlagCheck::Program(g(p)));
        }
        CompiledCondition {
            event: Vec::new(),
            flag: Some(FlagTest {
                names: g(names),
                checks,
            }),
        }
    }

    fn exec<'a>(program: &'a str) -> Raised<'a> {
        Raised {
            name: "shell.exec",
            program: Some(program),
            subcommand: None,
        }
    }

    #[test]
    fn selects_by_name_program_glob_and_boundary() {
        let conds = [
            CompiledCondition::default(),
            cond(&["shell.exec"], Some(&["git"])),
            cond(&["shell.exec"], Some(&["helm*"])),
            cond(&["secret.*"], None),
            cond(&["secret.detected"], None),
            cond(&["shell.exec"], Some(&["git"])),
        ];
        let tool = [Boundary::ToolRequest];
        let entries = conds.iter().enumerate().map(|(i, c)| Entry {
            boundaries: if i == 4 { &[] } else { &tool },
            when: c,
            disabled: i == 5,
        });
        let index = RuleIndex::build(entries);
        let at = |index: &RuleIndex, b, r: &[Raised]| index.candidates(b, Some(r));
        assert_eq!(at(&index, Boundary::ToolRequest, &[]), [0]);
        assert_eq!(at(&index, Boundary::ToolRequest, &[exec("git")]), [0, 1]);
        assert_eq!(
            at(&index, Boundary::ToolRequest, &[exec("helmfile")]),
            [0, 2]
        );
        let secret = Raised {
            name: "secret.detected",
            program: None,
            subcommand: None,
        };
        assert_eq!(at(&index, Boundary::ToolRequest, &[secret]), [0, 3, 4]);
        assert_eq!(at(&index, Boundary::Prompt, &[secret, exec("git")]), [4]);
        assert_eq!(
            index.candidates(Boundary::ToolRequest, None),
            [0, 1, 2, 3, 4]
        );
        assert!(index.lists(Boundary::Prompt, 4));
        assert!(!index.lists(Boundary::Prompt, 0));
    }
}
