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
    #[command(flatten)]
    filter: super::FilterArgs,
    /// An audit log to read; repeat for several (default: the configured log and its rotated
    /// files).
    #[arg(long)]
    file: Vec<PathBuf>,
}

pub fn run(a: ReportArgs) -> Result<i32> {
    let files = super::export::logs(&a.file)?;
    let filter = a.filter.filter(true)?;
    let mut report = Report::new();
    let bad = hookwarden::export::for_each_record(&files, &filter, |r, _| {
        report.add(&r);
        Ok(())
    })
    .context("cannot read the audit log")?;
    report.unreadable += bad;
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
