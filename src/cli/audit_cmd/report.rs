//! `hookwarden audit report --html FILE`: one self-contained HTML page of what fires
//! (src/report.rs builds it).

use anyhow::{Context as _, Result};
use clap::Args;
use hookwarden::report::Report;
use std::path::PathBuf;

#[derive(Args)]
pub struct ReportArgs {
    /// Where to write the page.
    #[arg(long)]
    html: PathBuf,
    /// Only decisions at or after this time: a duration back from now (`7d`) or a time.
    #[arg(long)]
    since: Option<String>,
    /// Only decisions at or before this time.
    #[arg(long)]
    until: Option<String>,
    /// An audit log to read; repeat for rotated files (default: the configured log).
    #[arg(long)]
    file: Vec<PathBuf>,
}

pub fn run(a: ReportArgs) -> Result<i32> {
    let files = super::export::logs(&a.file)?;
    let window = super::export::window(a.since.as_deref(), a.until.as_deref())?;
    let mut report = Report::new();
    for f in &files {
        report.unreadable += hookwarden::export::for_each_line(f, |r, _| {
            if window.contains(&r.decision.timestamp) {
                report.add(&r);
            }
            Ok(())
        })
        .with_context(|| format!("cannot read {}", f.display()))?;
    }
    let source = if files.is_empty() {
        "no audit log".to_string()
    } else {
        files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let html = report.render_html(&source, &hookwarden::time::now_rfc3339());
    std::fs::write(&a.html, html).with_context(|| format!("cannot write {}", a.html.display()))?;
    println!("wrote {}: {} decision(s)", a.html.display(), report.total());
    Ok(0)
}
