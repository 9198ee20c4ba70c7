//! hookwarden: a policy hook for coding agents.
//!
//! `runtime event -> signal -> flag -> policy -> effect`: a runtime adapter turns a hook's
//! stdin into an [`event::Event`]; [`signals`] raise [`signals::Flag`]s; the [`policy`]
//! matches rules against the event and its flags; the strictest effect wins and becomes a
//! [`decision::Decision`], rendered as the runtime's answer and as an [`audit`] line.

/// A `[T; 256]` indexed by byte value, built by the compiler from `|b| value`: the byte
/// classes the scanners test per byte, one load instead of a chain of comparisons.
macro_rules! byte_table {
    ($zero:expr, |$b:ident| $value:expr) => {{
        let mut t = [$zero; 256];
        let mut i = 0;
        while i < 256 {
            let $b = i as u8;
            t[i] = $value;
            i += 1;
        }
        t
    }};
}

pub mod approvers;
pub mod audit;
pub mod decision;
pub mod dirs;
pub mod engine;
pub mod evaluate;
pub mod event;
pub mod export;
pub mod hex;
pub mod install;
pub mod keys;
pub mod keywords;
pub mod managed;
pub mod policy;
pub mod redact;
pub mod replay;
pub mod report;
pub mod runtime;
pub mod signals;
pub mod state;
#[cfg(test)]
pub(crate) mod testutil;
pub mod time;
pub mod transcript;
