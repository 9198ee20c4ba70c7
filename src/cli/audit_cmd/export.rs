//! `hookwarden audit export`: the audit log for other systems, for backfills and for teams
//! without a collector. `otlp-json` writes OTLP/JSON `ExportLogsServiceRequest`s, one per line
//! (each can be POSTed to an OTLP/HTTP `/v1/logs` endpoint as is); `jsonl` the records as
//! stored; `csv` one row per decision. The mapping is the collector's (docs/otel.md).

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, ValueEnum};
use hookwarden::audit::AuditRecord;
use hookwarden::export::{self, Window};
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// OTLP/JSON ExportLogsServiceRequest, one request of up to --batch records per line.
    OtlpJson,
    /// The audit records as stored, one per line.
    Jsonl,
    /// A header and one row per decision.
    Csv,
}

#[derive(Args)]
pub struct ExportArgs {
    #[arg(long, value_enum)]
    format: Format,
    #[command(flatten)]
    filter: super::FilterArgs,
    /// An audit log to read; repeat for several (default: the configured log and its rotated
    /// files).
    #[arg(long)]
    file: Vec<PathBuf>,
    /// Records per OTLP/JSON request line.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    batch: u32,
    /// The resource's host.name (default: HOOKWARDEN_HOST_NAME, else this machine's name).
    #[arg(long)]
    host: Option<String>,
}

/// The logs to read: the ones named, or the configured one and its rotated files, oldest first.
pub(super) fn logs(files: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let (logs, path) = super::view_files(files);
    if files.is_empty() {
        if logs.is_empty() {
            eprintln!("hookwarden: no audit log at {} yet", path.display());
        }
        return Ok(logs);
    }
    for f in files {
        if !f.is_file() {
            bail!("no audit log at {}", f.display());
        }
    }
    Ok(logs)
}

pub(super) fn window(since: Option<&str>, until: Option<&str>) -> Result<Window> {
    let now = hookwarden::time::now_secs();
    let bound = |flag: &str, s: &str| {
        export::parse_bound(s, now).ok_or_else(|| {
            anyhow!("{flag} `{s}`: expected a duration like 30m or 7d, or a time like 2026-01-31T18:00:00Z")
        })
    };
    Ok(Window {
        since: since.map(|s| bound("--since", s)).transpose()?,
        until: until.map(|s| bound("--until", s)).transpose()?,
    })
}

/// A reader that closed our stdout (`| head`) ends the export quietly.
fn closed(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

pub fn run(a: ExportArgs) -> Result<i32> {
    let files = logs(&a.file)?;
    let filter = a.filter.filter(true)?;
    let host = a.host.clone().unwrap_or_else(export::host_name);
    let observed = hookwarden::time::now_nanos().to_string();
    let batch = a.batch as usize;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut pending: Vec<AuditRecord> = Vec::with_capacity(batch.min(10_000));
    let mut bad = 0;
    let result = (|| -> std::io::Result<()> {
        if let Format::Csv = a.format {
            writeln!(out, "{}", export::CSV_COLUMNS.join(","))?;
        }
        bad += export::for_each_record(&files, &filter, |r, line| match a.format {
            Format::Jsonl => writeln!(out, "{line}"),
            Format::Csv => writeln!(out, "{}", export::csv_row(&r)),
            Format::OtlpJson => {
                pending.push(r);
                if pending.len() >= batch {
                    export::write_request(&mut out, &host, &pending, &observed)?;
                    pending.clear();
                }
                Ok(())
            }
        })?;
        if !pending.is_empty() {
            export::write_request(&mut out, &host, &pending, &observed)?;
        }
        out.flush()
    })();
    match result {
        Err(e) if closed(&e) => return Ok(0),
        Err(e) => return Err(e).context("cannot export the audit log"),
        Ok(()) => {}
    }
    if bad > 0 {
        eprintln!("hookwarden: {bad} line(s) could not be read and were not exported");
    }
    Ok(0)
}
