//! `otcwatch status`: each site's crawl state — last crawl, pages, errors, findings, queue,
//! next due.

use super::accounts::rfc3339;
use crate::config::Seeds;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The database directory.
    #[arg(long, env = "OTCWATCH_DB", default_value = "./data")]
    db: PathBuf,
    /// Also list the seeds file's sites that have never been crawled.
    #[arg(long)]
    seeds: Option<PathBuf>,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(&args.db)?;
    let mut sites = db.sites()?;
    if let Some(path) = &args.seeds {
        let seeds = Seeds::load(path).map_err(|e| super::UsageError(e.to_string()))?;
        for site in &seeds.sites {
            if !sites.iter().any(|s| s.name == site.name) {
                sites.push(crate::store::SiteState {
                    name: site.name.clone(),
                    ..Default::default()
                });
            }
        }
    }
    let counts = db.counts()?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<16} {:<8} {:<21} {:>7} {:>6} {:>8} {:>7}  NEXT DUE",
        "SITE", "STATE", "LAST CRAWL", "PAGES", "ERRORS", "FINDINGS", "QUEUED"
    )?;
    for site in &sites {
        let state = match (site.crawl_started_ms, site.crawl_finished_ms) {
            (None, _) => "never",
            (Some(_), None) => "running",
            (Some(_), Some(_)) if site.paused => "paused",
            (Some(_), Some(_)) => "idle",
        };
        let last = site.crawl_started_ms.map_or_else(|| "-".to_owned(), rfc3339);
        let next = site.next_crawl_ms.map_or_else(|| "now".to_owned(), rfc3339);
        let queued = db.queue_len(&site.name)?;
        writeln!(
            out,
            "{:<16} {:<8} {:<21} {:>7} {:>6} {:>8} {:>7}  {}",
            site.name, state, last, site.pages, site.errors, site.findings, queued, next
        )?;
    }
    if sites.is_empty() {
        writeln!(out, "(no crawls yet; run `otcwatch crawl --seeds seeds/sites.toml --once`)")?;
    }
    writeln!(
        out,
        "\naccounts {} ({}), queued {}, page bodies {}",
        counts.accounts_total,
        super::kind_counts(&counts),
        counts.queued,
        counts.pages
    )?;
    Ok(ExitCode::SUCCESS)
}
