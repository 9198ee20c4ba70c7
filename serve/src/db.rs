//! The service's storage: one SQL text for SQLite and PostgreSQL, run in transactions, and the
//! versioned schema both share.
//!
//! Queries are written with PostgreSQL's numbered parameters (`$1`, `$2`, ...); for SQLite they
//! become its numbered form (`?1`, `?2`, ...), so the same text means the same on both. Values
//! cross the boundary as [`Val`]: integers, text and NULL are all the schema uses.
//!
//! Every worker thread of the server owns one connection ([`Conn`]); correctness between
//! threads and between service replicas rests on the database alone: transactions, unique
//! constraints, and updates that name the state they expect (`... WHERE status = 'pending'`),
//! so that of two approvers deciding one request at once exactly one succeeds.

use std::time::Duration;

/// A value of a parameter or a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Int(i64),
    Text(String),
    Null,
}

impl Val {
    pub fn int(&self) -> i64 {
        match self {
            Val::Int(i) => *i,
            Val::Text(t) => t.parse().unwrap_or(0),
            Val::Null => 0,
        }
    }

    pub fn opt_int(&self) -> Option<i64> {
        match self {
            Val::Null => None,
            v => Some(v.int()),
        }
    }

    pub fn text(&self) -> String {
        match self {
            Val::Int(i) => i.to_string(),
            Val::Text(t) => t.clone(),
            Val::Null => String::new(),
        }
    }

    pub fn opt_text(&self) -> Option<String> {
        match self {
            Val::Null => None,
            v => Some(v.text()),
        }
    }
}

impl From<i64> for Val {
    fn from(i: i64) -> Val {
        Val::Int(i)
    }
}

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::Text(s.to_string())
    }
}

impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::Text(s)
    }
}

impl From<&String> for Val {
    fn from(s: &String) -> Val {
        Val::Text(s.clone())
    }
}

impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(o: Option<T>) -> Val {
        o.map(Into::into).unwrap_or(Val::Null)
    }
}

pub type Row = Vec<Val>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database URL `{0}` is not understood: use sqlite:PATH or postgres://USER@HOST/DB")]
    Url(String),
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("the database schema is at version {found}, newer than this service knows ({known}): upgrade hookwarden-serve")]
    Newer { found: i64, known: i64 },
}

/// What a transaction body sees: run a query, or a statement.
pub trait Tx {
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, DbError>;
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, DbError>;
    fn is_postgres(&self) -> bool;
}

/// One connection to the service's database.
pub enum Conn {
    Sqlite(rusqlite::Connection),
    /// The client, and the statements it prepared (each query text is prepared once per
    /// connection, as SQLite's `prepare_cached` does).
    Postgres(Box<postgres::Client>, Statements),
}

pub type Statements = std::collections::HashMap<String, postgres::Statement>;

/// Where the data lives, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(String),
    Postgres(String),
}

impl Location {
    pub fn parse(url: &str) -> Result<Location, DbError> {
        if let Some(p) = url.strip_prefix("sqlite://") {
            return Ok(Location::Sqlite(p.to_string()));
        }
        if let Some(p) = url.strip_prefix("sqlite:") {
            if !p.is_empty() {
                return Ok(Location::Sqlite(p.to_string()));
            }
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Location::Postgres(url.to_string()));
        }
        Err(DbError::Url(url.to_string()))
    }
}

impl Conn {
    pub fn open(loc: &Location) -> Result<Conn, DbError> {
        match loc {
            Location::Sqlite(path) => {
                let c = rusqlite::Connection::open(path)?;
                c.busy_timeout(Duration::from_secs(15))?;
                // WAL: readers do not wait for the writer; NORMAL sync is durable across a
                // process crash (a power loss may lose the last transactions, not corrupt).
                c.pragma_update(None, "journal_mode", "WAL")?;
                c.pragma_update(None, "synchronous", "NORMAL")?;
                c.pragma_update(None, "foreign_keys", "ON")?;
                Ok(Conn::Sqlite(c))
            }
            Location::Postgres(url) => {
                let mut cfg: postgres::Config = url.parse()?;
                cfg.connect_timeout(Duration::from_secs(10));
                cfg.application_name("hookwarden-serve");
                Ok(Conn::Postgres(
                    Box::new(cfg.connect(postgres::NoTls)?),
                    Statements::new(),
                ))
            }
        }
    }

    /// Runs `f` in one transaction: committed when it returns `Ok`, rolled back otherwise.
    /// SQLite takes the write lock at the start (`BEGIN IMMEDIATE`), so two connections never
    /// deadlock upgrading a read to a write.
    pub fn transact<R>(
        &mut self,
        f: impl FnOnce(&mut dyn Tx) -> Result<R, DbError>,
    ) -> Result<R, DbError> {
        match self {
            Conn::Sqlite(c) => {
                let mut tx =
                    c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let r = f(&mut SqliteTx(&mut tx))?;
                tx.commit()?;
                Ok(r)
            }
            Conn::Postgres(c, statements) => {
                let mut tx = c.transaction()?;
                let r = f(&mut PgTx(&mut tx, statements))?;
                tx.commit()?;
                Ok(r)
            }
        }
    }
}

struct SqliteTx<'a, 'c>(&'a mut rusqlite::Transaction<'c>);

/// `$1` -> `?1`: SQLite's numbered parameters.
fn sqlite_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

fn sqlite_params(params: &[Val]) -> Vec<rusqlite::types::Value> {
    params
        .iter()
        .map(|v| match v {
            Val::Int(i) => rusqlite::types::Value::Integer(*i),
            Val::Text(t) => rusqlite::types::Value::Text(t.clone()),
            Val::Null => rusqlite::types::Value::Null,
        })
        .collect()
}

impl Tx for SqliteTx<'_, '_> {
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, DbError> {
        let mut st = self.0.prepare_cached(&sqlite_sql(sql))?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(sqlite_params(params)))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Integer(i) => Val::Int(i),
                    rusqlite::types::ValueRef::Real(f) => Val::Int(f as i64),
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        Val::Text(String::from_utf8_lossy(t).into_owned())
                    }
                    rusqlite::types::ValueRef::Null => Val::Null,
                });
            }
            out.push(row);
        }
        Ok(out)
    }

    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, DbError> {
        let mut st = self.0.prepare_cached(&sqlite_sql(sql))?;
        Ok(st.execute(rusqlite::params_from_iter(sqlite_params(params)))? as u64)
    }

    fn is_postgres(&self) -> bool {
        false
    }
}

struct PgTx<'a, 'c>(&'a mut postgres::Transaction<'c>, &'a mut Statements);

impl PgTx<'_, '_> {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, DbError> {
        if let Some(st) = self.1.get(sql) {
            return Ok(st.clone());
        }
        let st = self.0.prepare(sql)?;
        if self.1.len() > 256 {
            self.1.clear();
        }
        self.1.insert(sql.to_string(), st.clone());
        Ok(st)
    }
}

impl postgres::types::ToSql for Val {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match self {
            Val::Null => Ok(postgres::types::IsNull::Yes),
            Val::Int(i) if *ty == Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
            Val::Int(i) if *ty == Type::TEXT || *ty == Type::VARCHAR => {
                i.to_string().to_sql(ty, out)
            }
            Val::Int(i) => i.to_sql(ty, out),
            Val::Text(t) if *ty == Type::INT8 => t.parse::<i64>()?.to_sql(ty, out),
            Val::Text(t) => t.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn pg_params(params: &[Val]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

impl Tx for PgTx<'_, '_> {
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, DbError> {
        use postgres::types::Type;
        let st = self.statement(sql)?;
        let rows = self.0.query(&st, &pg_params(params))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut row = Vec::with_capacity(r.len());
            for (i, col) in r.columns().iter().enumerate() {
                let t = col.type_();
                row.push(if *t == Type::INT8 {
                    r.try_get::<_, Option<i64>>(i)?.into()
                } else if *t == Type::INT4 {
                    r.try_get::<_, Option<i32>>(i)?.map(i64::from).into()
                } else if *t == Type::BOOL {
                    r.try_get::<_, Option<bool>>(i)?.map(i64::from).into()
                } else {
                    r.try_get::<_, Option<String>>(i)?.into()
                });
            }
            out.push(row);
        }
        Ok(out)
    }

    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, DbError> {
        let st = self.statement(sql)?;
        Ok(self.0.execute(&st, &pg_params(params))?)
    }

    fn is_postgres(&self) -> bool {
        true
    }
}

/// The schema, one step per version. A step is applied once, in the transaction that records
/// it in `schema_version`; a database at a version newer than the last step is refused.
const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    "CREATE TABLE approvers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        roles TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE machines (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        token_hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        approver_id TEXT NOT NULL REFERENCES approvers(id),
        csrf TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    CREATE TABLE requests (
        id TEXT PRIMARY KEY,
        machine_id TEXT NOT NULL REFERENCES machines(id),
        action TEXT NOT NULL,
        runtime TEXT NOT NULL,
        session_id TEXT NOT NULL,
        tool TEXT NOT NULL,
        summary TEXT NOT NULL,
        detail TEXT NOT NULL,
        rule_ids TEXT NOT NULL,
        approver_role TEXT,
        reason TEXT NOT NULL,
        risk BIGINT NOT NULL,
        repo TEXT NOT NULL,
        cwd TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        status TEXT NOT NULL,
        filed_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        decided_by TEXT,
        decided_role TEXT,
        decided_at BIGINT,
        grant_until BIGINT,
        once INTEGER,
        note TEXT,
        used_at BIGINT,
        uses BIGINT NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX requests_one_open ON requests (machine_id, action) WHERE status = 'pending';
    CREATE INDEX requests_by_status ON requests (status, filed_at);
    CREATE INDEX requests_by_action ON requests (machine_id, action, status);
    CREATE TABLE events (
        id TEXT PRIMARY KEY,
        at_ms BIGINT NOT NULL,
        request_id TEXT,
        actor_kind TEXT NOT NULL,
        actor TEXT NOT NULL,
        actor_role TEXT,
        what TEXT NOT NULL,
        note TEXT
    );
    CREATE INDEX events_by_time ON events (at_ms);
    CREATE INDEX events_by_request ON events (request_id);",
)];

/// The newest schema version this service knows.
pub fn schema_version() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

/// Brings the schema to the newest version. Safe when several replicas start at once: on
/// PostgreSQL an advisory lock held for the transaction serializes them, on SQLite the
/// write lock does.
pub fn migrate(conn: &mut Conn) -> Result<i64, DbError> {
    conn.transact(|tx| {
        if tx.is_postgres() {
            tx.exec("SELECT pg_advisory_xact_lock(8470)", &[])?;
        }
        tx.exec(
            "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
            &[],
        )?;
        let rows = tx.query("SELECT MAX(version) FROM schema_version", &[])?;
        let found = rows
            .first()
            .and_then(|r| r.first())
            .and_then(Val::opt_int)
            .unwrap_or(0);
        if found > schema_version() {
            return Err(DbError::Newer {
                found,
                known: schema_version(),
            });
        }
        for (v, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
            for stmt in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                tx.exec(stmt, &[])?;
            }
            tx.exec(
                "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
                &[Val::Int(*v), Val::Int(crate::now())],
            )?;
        }
        Ok(schema_version())
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn numbered_parameters_become_sqlites() {
        assert_eq!(
            sqlite_sql("SELECT $1, $12 WHERE a = '$x'"),
            "SELECT ?1, ?12 WHERE a = '$x'"
        );
    }

    #[test]
    fn database_urls() {
        assert_eq!(
            Location::parse("sqlite:/tmp/a.db").unwrap(),
            Location::Sqlite("/tmp/a.db".into())
        );
        assert!(matches!(
            Location::parse("postgres://u@h/db").unwrap(),
            Location::Postgres(_)
        ));
        assert!(Location::parse("mysql://x").is_err());
        assert!(Location::parse("sqlite:").is_err());
    }

    #[test]
    fn migrating_twice_is_a_no_op() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::Sqlite(dir.path().join("t.db").display().to_string());
        let mut c = Conn::open(&loc).unwrap();
        assert_eq!(migrate(&mut c).unwrap(), schema_version());
        assert_eq!(migrate(&mut c).unwrap(), schema_version());
        let n = c
            .transact(|tx| tx.query("SELECT COUNT(*) FROM schema_version", &[]))
            .unwrap();
        assert_eq!(n[0][0], Val::Int(1));
    }
}
