//! Required literals of a regex: a set of strings one of which every match contains.
//!
//! Read from the pattern's HIR at build time. Not only prefixes count: a run of literal
//! pieces anywhere in a concatenation does (`(?i)[a-z0-9-]+\.atlas7\.corp` requires
//! `.atlas7.corp`), and so does each branch of an alternation when every branch has one. The
//! strings are ASCII-lowercased and searched ignoring ASCII case, so a case-sensitive
//! pattern's literal is only a looser filter, never a wrong one. A small class becomes one
//! string per member (`[-_ ]`, or `(?i)s` which also matches `ſ`), so case folding beyond
//! ASCII stays exact.

use regex_syntax::hir::{Class, Hir, HirKind};
use std::cmp::Reverse;

/// A set of ASCII-lowercased byte strings.
pub type Set = Vec<Vec<u8>>;

/// The shortest literal worth searching: shorter ones occur in almost any text.
pub const MIN_LEN: usize = 3;
/// Above this many strings a product is dropped or a run split: each string is one more
/// literal for the hook to load and look for, and a shorter run with fewer variants filters
/// about as well.
const MAX_SET: usize = 8;
/// Above this many strings an alternation's set is dropped.
const MAX_UNION: usize = 64;
/// A class with more members than this is no literal.
const MAX_CLASS: u32 = 10;

/// What a sub-expression tells about its matches: the exact strings it matches when they are
/// few (`exact`), and a set one of which each of its matches contains (`req`).
struct Info {
    exact: Option<Set>,
    req: Option<Set>,
}

/// The best required set of `hir`, if every string in it has at least [`MIN_LEN`] bytes.
pub fn required(hir: &Hir) -> Option<Set> {
    let i = info(hir, 0);
    let set = better(i.req, i.exact)?;
    set.iter().all(|l| l.len() >= MIN_LEN).then_some(set)
}

/// A set is as selective as its shortest string; among equals, fewer strings are better.
fn score(s: &Set) -> (usize, Reverse<usize>) {
    (
        s.iter().map(|l| l.len()).min().unwrap_or(0),
        Reverse(s.len()),
    )
}

fn better(a: Option<Set>, b: Option<Set>) -> Option<Set> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if score(&b) > score(&a) { b } else { a }),
        (a, None) => a,
        (None, b) => b,
    }
}

fn one(bytes: &[u8]) -> Set {
    vec![bytes.to_ascii_lowercase()]
}

fn dedup(mut s: Set) -> Set {
    s.sort();
    s.dedup();
    s
}

fn product(a: &Set, b: &Set) -> Set {
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            out.push(s);
        }
    }
    dedup(out)
}

fn class_set(class: &Class) -> Option<Set> {
    let mut out = Vec::new();
    let mut n = 0u32;
    match class {
        Class::Unicode(u) => {
            for r in u.ranges() {
                n += r.end() as u32 - r.start() as u32 + 1;
                if n > MAX_CLASS {
                    return None;
                }
                for c in r.start()..=r.end() {
                    out.push(one(c.encode_utf8(&mut [0; 4]).as_bytes()).remove(0));
                }
            }
        }
        Class::Bytes(b) => {
            for r in b.ranges() {
                n += u32::from(r.end()) - u32::from(r.start()) + 1;
                if n > MAX_CLASS {
                    return None;
                }
                for c in r.start()..=r.end() {
                    out.push(vec![c.to_ascii_lowercase()]);
                }
            }
        }
    }
    (!out.is_empty()).then(|| dedup(out))
}

fn info(hir: &Hir, depth: usize) -> Info {
    const NONE: Info = Info {
        exact: None,
        req: None,
    };
    // The parser bounds nesting already; this keeps the walk bounded whatever it is given.
    if depth > 300 {
        return NONE;
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Info {
            exact: Some(vec![Vec::new()]),
            req: None,
        },
        HirKind::Literal(l) => Info {
            exact: Some(one(&l.0)),
            req: None,
        },
        HirKind::Class(c) => Info {
            exact: class_set(c),
            req: None,
        },
        HirKind::Capture(c) => info(&c.sub, depth + 1),
        HirKind::Repetition(r) => {
            let sub = info(&r.sub, depth + 1);
            if r.min == 0 {
                return Info {
                    exact: (r.max == Some(0)).then(|| vec![Vec::new()]),
                    req: None,
                };
            }
            let exact = match (&sub.exact, r.max) {
                (Some(e), Some(max)) if max == r.min && r.min <= 8 => {
                    let mut acc: Option<Set> = Some(vec![Vec::new()]);
                    for _ in 0..r.min {
                        acc = acc
                            .filter(|a| a.len() * e.len() <= MAX_SET)
                            .map(|a| product(&a, e));
                    }
                    acc
                }
                _ => None,
            };
            Info {
                exact,
                req: better(sub.req, sub.exact),
            }
        }
        HirKind::Concat(subs) => {
            // `run` is the product of the exact pieces since the last inexact one.
            let mut run: Set = vec![Vec::new()];
            let mut whole = true;
            let mut req: Option<Set> = None;
            for s in subs {
                let i = info(s, depth + 1);
                match i.exact {
                    Some(e) if run.len() * e.len() <= MAX_SET => run = product(&run, &e),
                    Some(e) => {
                        whole = false;
                        req = better(req, Some(std::mem::replace(&mut run, e)));
                    }
                    None => {
                        whole = false;
                        req = better(req, Some(std::mem::replace(&mut run, vec![Vec::new()])));
                        req = better(req, i.req);
                    }
                }
            }
            if whole {
                Info {
                    exact: Some(run),
                    req,
                }
            } else {
                Info {
                    exact: None,
                    req: better(req, Some(run)),
                }
            }
        }
        HirKind::Alternation(subs) => {
            let infos: Vec<Info> = subs.iter().map(|s| info(s, depth + 1)).collect();
            let exact = infos
                .iter()
                .map(|i| i.exact.clone())
                .collect::<Option<Vec<Set>>>()
                .map(|v| dedup(v.concat()))
                .filter(|s| s.len() <= MAX_UNION);
            let req = infos
                .into_iter()
                .map(|i| better(i.req, i.exact))
                .collect::<Option<Vec<Set>>>()
                .map(|v| dedup(v.concat()))
                .filter(|s| s.len() <= MAX_UNION);
            Info { exact, req }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn req(p: &str) -> Option<Vec<String>> {
        let hir = regex_syntax::Parser::new().parse(p).unwrap();
        required(&hir).map(|s| {
            s.into_iter()
                .map(|l| String::from_utf8_lossy(&l).into_owned())
                .collect()
        })
    }

    #[test]
    fn inner_and_suffix_literals_count() {
        assert_eq!(
            req(r"[a-z0-9-]+\.atlas7\.corp\.example"),
            Some(vec![".atlas7.corp.example".into()])
        );
        assert_eq!(
            req(r"(drop|truncate)\s+table\s+\w+"),
            Some(vec!["table".into()])
        );
        assert_eq!(req(r"\b[A-Z]{2,5}-\d{3,6}\b"), None);
    }

    #[test]
    fn case_folding_beyond_ascii_is_kept() {
        // `(?i)s` also matches U+017F LATIN SMALL LETTER LONG S.
        let got = req(r"(?i)atlas").unwrap();
        assert!(got.contains(&"atlas".to_string()));
        assert!(got.contains(&"atla\u{17f}".to_string()));
    }

    #[test]
    fn alternations_give_sets() {
        assert_eq!(
            req(r"(?i)\b(project|codename)[-_ ]?(falcon|orion|vega)\b"),
            Some(vec!["codename".into(), "project".into()])
        );
        assert_eq!(req(r"foo|\w+"), None);
        assert_eq!(req(r"a?bcd"), Some(vec!["bcd".into()]));
    }
}
