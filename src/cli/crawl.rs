//! `otcwatch crawl`: crawl the seeds file's sites into the store, once or on their schedule,
//! with progress bars on a terminal and structured logs otherwise.

use super::UsageError;
use crate::config::Seeds;
use crate::crawl::{self, SiteProgress};
use anyhow::Context;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The seeds file listing the sites to crawl (see seeds/sites.toml).
    #[arg(long, default_value = "seeds/sites.toml")]
    seeds: PathBuf,
    /// The database directory.
    #[arg(long, env = "OTCWATCH_DB", default_value = "./data")]
    db: PathBuf,
    /// Crawl each due site to completion, then exit; without it, keep re-crawling each site
    /// when its interval comes due.
    #[arg(long)]
    once: bool,
    /// Crawl only this site (by its `name` in the seeds file).
    #[arg(long)]
    site: Option<String>,
}

pub(crate) fn run(args: &Args, bars: bool) -> anyhow::Result<ExitCode> {
    let seeds = Seeds::load(&args.seeds).map_err(|e| UsageError(e.to_string()))?;
    if let Some(name) = args.site.as_ref().filter(|name| seeds.site(name).is_none()) {
        {
            let names: Vec<&str> = seeds.sites.iter().map(|s| s.name.as_str()).collect();
            return Err(UsageError(format!(
                "no site named '{name}' in {}; sites: {}",
                args.seeds.display(),
                names.join(", ")
            ))
            .into());
        }
    }
    let db = super::open_db(&args.db)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let options = crawl::Options { once: args.once, site: args.site.clone() };
    let view = ProgressView::new(bars && std::io::stderr().is_terminal());
    let report = runtime.block_on(async {
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        crawl::run(&seeds, db, &options, &|p| view.show(p), shutdown).await
    })?;
    view.finish();
    for site in &report.sites {
        tracing::info!(site = %site.site, pages = site.pages, errors = site.errors, findings = site.findings, "site done");
    }
    Ok(ExitCode::SUCCESS)
}

/// Progress: one bar per site on a terminal, else a log line per site every few seconds.
pub(crate) struct ProgressView {
    multi: Option<MultiProgress>,
    bars: Mutex<HashMap<String, ProgressBar>>,
    last_log: Mutex<HashMap<String, std::time::Instant>>,
}

impl ProgressView {
    pub(crate) fn new(bars: bool) -> ProgressView {
        let multi = bars.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        ProgressView {
            multi,
            bars: Mutex::new(HashMap::new()),
            last_log: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn show(&self, p: &SiteProgress) {
        let Some(multi) = &self.multi else {
            let mut last = self.last_log.lock().unwrap_or_else(|e| e.into_inner());
            let due =
                last.get(&p.site).is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(1));
            if due || p.done {
                last.insert(p.site.clone(), std::time::Instant::now());
                tracing::info!(site = %p.site, pages = p.pages, queued = p.queued, errors = p.errors, findings = p.findings, done = p.done, "progress");
            }
            return;
        };
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        let bar = bars.entry(p.site.clone()).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new(0));
            bar.set_style(
                ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} pages  {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(p.site.clone());
            bar
        });
        bar.set_length(p.pages + p.queued);
        bar.set_position(p.pages);
        bar.set_message(format!(
            "queued {}  errors {}  findings {}",
            p.queued, p.errors, p.findings
        ));
        if p.done {
            bar.finish();
        }
    }

    pub(crate) fn finish(&self) {
        for bar in self.bars.lock().unwrap_or_else(|e| e.into_inner()).values() {
            bar.finish();
        }
    }
}
