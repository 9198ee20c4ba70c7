//! Detectors built at run time, from a policy's `[[detector]]` table (or an imported rule file):
//! the same facts as a catalogue entry ([`super::rules::RuleDef`]) in owned form — an id, a
//! regex, keywords, an optional entropy floor, which capture group holds the secret, and allow
//! patterns for values that are known not to be secrets.
//!
//! The built-in catalogue is `const` so its keyword tables are built by the compiler; a
//! detector from a policy cannot be, so it brings its own prefilter: its keywords, searched
//! case-blind, gate its regex, and a text without any of them costs one keyword search. A
//! policy compiles its detectors once ([`Detector::new`] reports a bad regex or a missing
//! keyword with the detector's id) and the secret signal runs them with the catalogue through
//! [`super::scan_with`].

use super::values::{entropy, is_placeholder, is_reference};
use crate::signals::Finding;
use regex::Regex;

/// A detector as a policy declares it, before it is compiled.
#[derive(Debug, Clone, Default, PartialEq)]
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
    #[error("detector {id}: secret_group {group} is not a group of its regex (it has {groups})")]
    Group {
        id: String,
        group: usize,
        groups: usize,
    },
}

/// A compiled run-time detector.
#[derive(Debug)]
pub struct Detector {
    id: String,
    regex: Regex,
    keywords: Vec<String>,
    entropy: Option<f32>,
    secret_group: Option<usize>,
    allow: Vec<Regex>,
}

impl Detector {
    /// Compiles a spec; every error names the detector.
    pub fn new(spec: &DetectorSpec) -> Result<Detector, DetectorError> {
        let id = spec.id.clone();
        let regex = Regex::new(&spec.regex).map_err(|source| DetectorError::Regex {
            id: id.clone(),
            source,
        })?;
        let keywords: Vec<String> = spec
            .keywords
            .iter()
            .filter(|k| k.len() >= 2)
            .map(|k| k.to_ascii_lowercase())
            .collect();
        if keywords.is_empty() {
            return Err(DetectorError::NoKeyword { id });
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
        Ok(Detector {
            id,
            regex,
            keywords,
            entropy: spec.entropy,
            secret_group: spec.secret_group,
            allow,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether one of the keywords occurs in `lowered` (the text, ASCII-lowercased).
    fn gated(&self, lowered: &[u8]) -> bool {
        self.keywords
            .iter()
            .any(|k| memchr::memmem::find(lowered, k.as_bytes()).is_some())
    }

    /// Adds this detector's findings in `text` to `out`; `lowered` is `text` ASCII-lowercased.
    fn scan_into(&self, text: &str, lowered: &[u8], out: &mut Vec<Finding>) {
        if !self.gated(lowered) {
            return;
        }
        for caps in self.regex.captures_iter(text) {
            let secret = match self.secret_group {
                Some(g) => caps.get(g),
                None => (1..caps.len())
                    .find_map(|i| caps.get(i))
                    .or_else(|| caps.get(0)),
            };
            let Some(m) = secret else {
                continue;
            };
            let value = m.as_str();
            if value.is_empty()
                || is_placeholder(value)
                || is_reference(value)
                || self.entropy.is_some_and(|min| entropy(value) < min)
                || self.allow.iter().any(|a| a.is_match(value))
            {
                continue;
            }
            out.push(super::scan::finding(&self.id, m.start(), m.end(), value));
        }
    }
}

/// The findings of run-time detectors in `text` (at most [`super::MAX_SCAN_BYTES`] of it).
pub fn scan_detectors(text: &str, detectors: &[Detector]) -> Vec<Finding> {
    let mut out = Vec::new();
    if detectors.is_empty() {
        return out;
    }
    let head = &text[..super::scan::floor_boundary(text, text.len().min(super::MAX_SCAN_BYTES))];
    let lowered = head.as_bytes().to_ascii_lowercase();
    for d in detectors {
        d.scan_into(head, &lowered, &mut out);
    }
    out
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
        let d = Detector::new(&s).unwrap();
        let tok = "acme_live_Zk3xQ9mW2vB7nR4tY8pL1sD6";
        let text = format!("export ACME={tok}\nacme_test_000000000000000000000000\n");
        let f = super::super::scan_with(&text, std::slice::from_ref(&d));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, "acme-token");
        assert_eq!(&text[f[0].start..f[0].end], &tok[10..]);
        // No keyword: the regex never runs.
        assert!(scan_detectors("ACME live Zk3xQ9mW2vB7nR4tY8pL1sD6", &[d]).is_empty());
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
        s.allow = vec!["(".into()];
        assert!(matches!(
            Detector::new(&s).unwrap_err(),
            DetectorError::Allow { .. }
        ));
    }
}
