//! hookwarden-serve: the team approval service.
//!
//! A hook whose policy asks for approval files the request here (JSON API, machine
//! credential); an approver who holds the request's role decides it in a web inbox (approve
//! once, approve for a time, reject with a note); the hook's retry of the same action reads
//! the outcome. The credential that grants never exists on the agent's machine.
//!
//! `db` (SQLite or PostgreSQL, one SQL text, versioned schema) -> `store` (the rules of
//! filing and deciding, the audit trail) -> `web` (HTTP: the API and the inbox); `auth` holds
//! the credentials.

pub mod auth;
pub mod db;
pub mod store;
pub mod web;

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
