//! Detectors built at run time, from a policy's `[[detector]]` table (or an imported rule file):
//! the same facts as a catalogue entry ([`super::rules::RuleDef`]) in owned form — an id, a
//! regex, keywords, an optional entropy floor, which capture group holds the secret, and allow
//! patterns for values that are known not to be secrets.
//!
//! The built-in catalogue is `const` so its keyword tables are built by the compiler; a
//! detector from a policy cannot be, so it brings its own prefilter: its keywords, searched
//! case-blind, gate its regex, and a text without any of them costs one keyword search. A
//! policy compiles its detectors once ([`Detectors::new`] reports a bad regex or a missing
//! keyword with the detector's id) and the secret signal runs them with the catalogue through
//! [`super::scan_with`]. The keyword search has no table to fill: a few keywords are searched
//! one by one, many at once in one pass over the text (a [`regex::bytes::RegexSet`] of them),
//! so any number of detectors may bring any number of keywords.
//!
//! A redact rule's `text_regex` is a detector too ([`Detector::unguarded`], named after the
//! rule, with no keyword): so what the rule matched is found again, and masked, wherever a
//! boundary's text is redacted (the runtime's answer, the audit log).

use super::values::{entropy, is_placeholder, is_reference};
use crate::signals::Finding;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// A detector as a policy declares it, before it is compiled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DetectorSpec {
    pub id: String,
    pub regex: String,
    /// Words one of which must occur (any case) for the regex to run.
    pub keywords: Vec<String>,
    /// Minimum Shannon entropy of the secret, in bits per byte.
    pub entropy: Option<f32>,
    /// The capture group that holds the secret; the first group that matched when absent,
    /// the whole match when there is none.
    pub secret_group: Option<usize>,
    /// Regexes for secrets to leave alone (test keys, known public values).
    pub allow: Vec<String>,
}

/// Why a detector could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DetectorError {
    #[error("detector {id}: regex does not compile: {source}")]
    Regex {
        id: String,
        #[source]
        source: regex::Error,
    },
    #[error("detector {id}: allow pattern {pattern:?} does not compile: {source}")]
    Allow {
        id: String,
        pattern: String,
        #[source]
        source: regex::Error,
    },
    #[error("detector {id}: needs at least one keyword of two or more characters, so it runs only on text that may hold its secret")]
    NoKeyword { id: String },
    #[error("detector {id}: entropy {entropy} is out of range 0..=8 (bits per byte)")]
    Entropy { id: String, entropy: f32 },
    #[error("detector {id}: secret_group {group} is not a group of its regex (it has {groups})")]
    Group {
        id: String,
        group: usize,
        groups: usize,
    },
}

/// A run-time detector. Its regexes are compiled when a text first holds one of its keywords
/// ([`Detector::prepare`]), or at once by [`Detector::new`], which checks them: a policy's
/// detectors are checked when it compiles, and a hook call builds only those its text needs.
#[derive(Debug)]
pub struct Detector {
    id: String,
    spec: DetectorSpec,
    keywords: Vec<String>,
    /// The regex and the allow patterns, once built (`None`: they do not compile).
    built: OnceLock<Option<Built>>,
}

#[derive(Debug)]
struct Built {
    regex: Regex,
    allow: Vec<Regex>,
}

impl Detector {
    /// Compiles a spec and checks it; every error names the detector.
    pub fn new(spec: &DetectorSpec) -> Result<Detector, DetectorError> {
        let d = Detector::prepare(spec)?;
        let id = spec.id.clone();
        let regex = Regex::new(&spec.regex).map_err(|source| DetectorError::Regex {
            id: id.clone(),
            source,
        })?;
        if let Some(entropy) = spec.entropy.filter(|e| !(0.0..=8.0).contains(e)) {
            return Err(DetectorError::Entropy { id, entropy });
        }
        if let Some(group) = spec.secret_group {
            let groups = regex.captures_len() - 1;
            if group > groups {
                return Err(DetectorError::Group { id, group, groups });
            }
        }
        let allow = spec
            .allow
            .iter()
            .map(|p| {
                Regex::new(p).map_err(|source| DetectorError::Allow {
                    id: id.clone(),
                    pattern: p.clone(),
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let _ = d.built.set(Some(Built { regex, allow }));
        Ok(d)
    }

    /// A detector of a spec already checked (by [`Detector::new`], when its policy compiled),
    /// with nothing compiled yet: only its keywords are read.
    pub fn prepare(spec: &DetectorSpec) -> Result<Detector, DetectorError> {
        let keywords: Vec<String> = spec
            .keywords
            .iter()
            .filter(|k| k.len() >= 2)
            .map(|k| k.to_ascii_lowercase())
            .collect();
        if keywords.is_empty() {
            return Err(DetectorError::NoKeyword {
                id: spec.id.clone(),
            });
        }
        Ok(Detector {
            id: spec.id.clone(),
            spec: spec.clone(),
            keywords,
            built: OnceLock::new(),
        })
    }

    fn built(&self) -> Option<&Built> {
        self.built
            .get_or_init(|| {
                Some(Built {
                    regex: Regex::new(&self.spec.regex).ok()?,
                    allow: self
                        .spec
                        .allow
                        .iter()
                        .map(|p| Regex::new(p))
                        .collect::<Result<_, _>>()
                        .ok()?,
                })
            })
            .as_ref()
    }

    /// A detector with no keyword, whose every match is a finding of kind `id`: what a redact
    /// rule's `text_regex` matched. Its regex already compiled in the policy, so an error here
    /// is unexpected; it is reported all the same.
    pub fn unguarded(id: &str, pattern: &str) -> Result<Detector, DetectorError> {
        let regex = Regex::new(pattern).map_err(|source| DetectorError::Regex {
            id: id.to_string(),
            source,
        })?;
        Ok(Detector {
            id: id.to_string(),
            spec: DetectorSpec {
                id: id.to_string(),
                regex: pattern.to_string(),
                secret_group: Some(0),
                ..DetectorSpec::default()
            },
            keywords: Vec::new(),
            built: OnceLock::from(Some(Built {
                regex,
                allow: Vec::new(),
            })),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Adds this detector's findings in `text` to `out`.
    fn scan_into(&self, text: &str, out: &mut Vec<Finding>) {
        let Some(built) = self.built() else {
            return;
        };
        for caps in built.regex.captures_iter(text) {
            let secret = match self.spec.secret_group {
                Some(g) => caps.get(g),
                None => (1..caps.len())
                    .find_map(|i| caps.get(i))
                    .or_else(|| caps.get(0)),
            };
            let Some(m) = secret else {
                continue;
            };
            let value = m.as_str();
            if value.is_empty() {
                continue;
            }
            // A rule's regex says what to mask; a detector's match is checked as a value.
            if !self.keywords.is_empty()
                && (is_placeholder(value)
                    || is_reference(value)
                    || self.spec.entropy.is_some_and(|min| entropy(value) < min)
                    || built.allow.iter().any(|a| a.is_match(value)))
            {
                continue;
            }
            out.push(super::scan::finding(&self.id, m.start(), m.end(), value));
        }
    }
}

/// Keywords are searched one by one while that reads at most this many bytes (keywords times
/// text length); beyond, all at once in one pass, with a set built on first need.
const ONE_BY_ONE_BYTES: usize = 4 << 20;

/// Compiled run-time detectors with the prefilter of their keywords.
#[derive(Debug, Default)]
pub struct Detectors {
    detectors: Vec<Detector>,
    /// Every distinct keyword (lowercase), and for each the detectors it gates.
    keywords: Vec<(String, Vec<usize>)>,
    /// All keywords in one set, built when a text is too big to search them one by one.
    set: OnceLock<Option<regex::bytes::RegexSet>>,
}

impl Detectors {
    /// Compiles every spec; the first error (naming its detector) is returned.
    pub fn new(specs: &[DetectorSpec]) -> Result<Detectors, DetectorError> {
        let detectors = specs
            .iter()
            .map(Detector::new)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Detectors::from_detectors(detectors))
    }

    /// The set of `detectors` as compiled; an unguarded one runs on every text.
    pub fn from_detectors(detectors: Vec<Detector>) -> Detectors {
        let mut keywords: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, d) in detectors.iter().enumerate() {
            for k in &d.keywords {
                match keywords.iter_mut().find(|(w, _)| w == k) {
                    Some((_, owners)) if owners.last() != Some(&i) => owners.push(i),
                    Some(_) => {}
                    None => keywords.push((k.clone(), vec![i])),
                }
            }
        }
        Detectors {
            detectors,
            keywords,
            set: OnceLock::new(),
        }
    }

    fn set(&self) -> Option<&regex::bytes::RegexSet> {
        self.set
            .get_or_init(|| {
                regex::bytes::RegexSetBuilder::new(
                    self.keywords.iter().map(|(k, _)| regex::escape(k)),
                )
                .unicode(false)
                .size_limit(64 << 20)
                .dfa_size_limit(16 << 20)
                .build()
                .ok()
            })
            .as_ref()
    }

    pub fn is_empty(&self) -> bool {
        self.detectors.is_empty()
    }

    pub fn len(&self) -> usize {
        self.detectors.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Detector> {
        self.detectors.iter()
    }

    /// Which detectors may match `lowered` (a text, ASCII-lowercased): those without keywords
    /// and those one of whose keywords occurs.
    fn gated(&self, lowered: &[u8]) -> Vec<bool> {
        let mut run: Vec<bool> = self
            .detectors
            .iter()
            .map(|d| d.keywords.is_empty())
            .collect();
        let mut open = |owners: &[usize]| {
            for &i in owners {
                if let Some(r) = run.get_mut(i) {
                    *r = true;
                }
            }
        };
        let one_by_one = self.keywords.len().saturating_mul(lowered.len()) <= ONE_BY_ONE_BYTES;
        match self.set().filter(|_| !one_by_one) {
            Some(set) => {
                for k in set.matches(lowered).iter() {
                    if let Some((_, owners)) = self.keywords.get(k) {
                        open(owners);
                    }
                }
            }
            None => {
                for (k, owners) in &self.keywords {
                    if memchr::memmem::find(lowered, k.as_bytes()).is_some() {
                        open(owners);
                    }
                }
            }
        }
        run
    }

    /// The findings of these detectors in `text` (at most [`super::MAX_SCAN_BYTES`] of it).
    pub fn scan(&self, text: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        if self.detectors.is_empty() || text.is_empty() {
            return out;
        }
        let head =
            &text[..super::scan::floor_boundary(text, text.len().min(super::MAX_SCAN_BYTES))];
        let lowered = head.as_bytes().to_ascii_lowercase();
        for (d, run) in self.detectors.iter().zip(self.gated(&lowered)) {
            if run {
                d.scan_into(head, &mut out);
            }
        }
        out
    }
}

/// The findings of run-time detectors in `text` (at most [`super::MAX_SCAN_BYTES`] of it).
pub fn scan_detectors(text: &str, detectors: &Detectors) -> Vec<Finding> {
    detectors.scan(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn spec(regex: &str, keywords: &[&str]) -> DetectorSpec {
        DetectorSpec {
            id: "acme-token".into(),
            regex: regex.into(),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            ..DetectorSpec::default()
        }
    }

    #[test]
    fn a_policy_detector_finds_redacts_and_allows() {
        let mut s = spec(r"acme_(?:live|test)_([A-Za-z0-9]{24})", &["acme_"]);
        s.entropy = Some(3.0);
        s.allow = vec!["^0{24}$".into()];
        let d = Detectors::new(std::slice::from_ref(&s)).unwrap();
        let tok = "acme_live_Zk3xQ9mW2vB7nR4tY8pL1sD6";
        let text = format!("export ACME={tok}\nacme_test_000000000000000000000000\n");
        let f = super::super::scan_with(&text, &d);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, "acme-token");
        assert_eq!(&text[f[0].start..f[0].end], &tok[10..]);
        // No keyword: the regex never runs.
        assert!(scan_detectors("ACME live Zk3xQ9mW2vB7nR4tY8pL1sD6", &d).is_empty());
    }

    #[test]
    fn bad_detectors_are_refused_with_their_id() {
        let e = Detector::new(&spec("acme_(", &["acme_"])).unwrap_err();
        assert!(
            e.to_string().starts_with("detector acme-token: regex"),
            "{e}"
        );
        let e = Detector::new(&spec("acme_x", &[])).unwrap_err();
        assert!(matches!(e, DetectorError::NoKeyword { .. }), "{e}");
        let mut s = spec("acme_(x)", &["acme"]);
        s.secret_group = Some(2);
        assert!(matches!(
            Detector::new(&s).unwrap_err(),
            DetectorError::Group { .. }
        ));
        let mut s = spec("acme_x", &["acme"]);
        s.entropy = Some(9.5);
        assert!(matches!(
            Detector::new(&s).unwrap_err(),
            DetectorError::Entropy { .. }
        ));
        let mut s = spec("acme_x", &["acme"]);
        s.allow = vec!["(".into()];
        assert!(matches!(
            Detector::new(&s).unwrap_err(),
            DetectorError::Allow { .. }
        ));
    }

    /// Any number of detectors, each with its own keywords, are gated exactly: past a few
    /// keywords the search is one pass over the text, with no table that could fill up. (The
    /// catalogue's keyword table is built by the compiler, which refuses one over its slots.)
    #[test]
    fn many_detectors_with_many_keywords_are_each_gated_exactly() {
        println!(
            "catalogue keywords: {} (the table holds {})",
            super::super::scan::KEYWORD_COUNT,
            2048 / 2
        );
        let specs: Vec<DetectorSpec> = (0..1500)
            .map(|i| DetectorSpec {
                id: format!("team-{i}"),
                regex: format!(r"tk{i}x_([0-9a-f]{{16}})\b"),
                keywords: vec![format!("tk{i}x_"), format!("TEAM{i}-")],
                ..DetectorSpec::default()
            })
            .collect();
        let d = Detectors::new(&specs).unwrap();
        // Big enough a text to search all 3000 keywords in one pass.
        let pad = " filler".repeat(300);
        let text = format!(
            "a tk7x_0123456789abcdef b{pad} tk1499x_fedcba9876543210 tk11x_00112233445566ff"
        );
        let text = text.as_str();
        let kinds: Vec<String> = d.scan(text).into_iter().map(|f| f.kind).collect();
        assert!(
            d.set.get().is_some_and(Option::is_some),
            "searched in one pass"
        );
        assert_eq!(kinds, ["team-7", "team-11", "team-1499"], "{kinds:?}");
        let one_by_one: Vec<String> = specs
            .iter()
            .filter_map(|s| {
                let d = Detectors::new(std::slice::from_ref(s)).unwrap();
                d.scan(text).into_iter().next().map(|f| f.kind)
            })
            .collect();
        assert_eq!(one_by_one, ["team-7", "team-11", "team-1499"]);
    }

    #[test]
    fn an_unguarded_detector_reports_its_whole_match() {
        let d = Detectors::from_detectors(vec![
            Detector::unguarded("rule.acme", "ACME-[0-9]{4}").unwrap()
        ]);
        let f = d.scan("id ACME-1234 and ACME-99");
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].kind.as_str(), f[0].start, f[0].end),
            ("rule.acme", 3, 12)
        );
    }
}
