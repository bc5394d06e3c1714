//! `otcwatch accounts`: what the crawler found, one account per identifier with its sightings,
//! as a table, JSONL or CSV.

use crate::extract::Kind;
use crate::store::{self, AccountFilter, Status};
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The database directory.
    #[arg(long, env = "OTCWATCH_DB", default_value = "./data")]
    db: PathBuf,
    /// Only this kind (alipay, wechat, qq, phone, email, bank_card, btc, eth, tron, telegram).
    #[arg(long)]
    kind: Option<Kind>,
    /// Only accounts advertised for OTC trades.
    #[arg(long)]
    otc: bool,
    /// Only accounts seen on this site.
    #[arg(long)]
    site: Option<String>,
    /// Only accounts in this review status (new, confirmed, dismissed, watchlisted).
    #[arg(long)]
    status: Option<Status>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Table,
    Jsonl,
    Csv,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(&args.db)?;
    let filter = AccountFilter {
        kind: args.kind,
        otc_only: args.otc,
        site: args.site.clone(),
        status: args.status,
        ..AccountFilter::default()
    };
    let accounts = db.accounts(&filter).context("reading accounts")?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Jsonl => {
            for account in &accounts {
                let sightings = db.sightings(account.kind, &account.value)?;
                let line = serde_json::json!({
                    "kind": account.kind,
                    "value": account.value,
                    "otc": account.otc,
                    "score": round(account.score),
                    "status": account.status,
                    "first_seen": rfc3339(account.first_seen_ms),
                    "last_seen": rfc3339(account.last_seen_ms),
                    "sightings": account.sightings,
                    "sites": account.sites,
                    "sources": sightings.iter().map(source_json).collect::<Vec<_>>(),
                });
                writeln!(out, "{line}").or_else(super::ignore_broken_pipe)?;
            }
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record([
                "kind",
                "value",
                "otc",
                "score",
                "status",
                "first_seen",
                "last_seen",
                "sightings",
                "sites",
                "sources",
            ])?;
            for account in &accounts {
                let sightings = db.sightings(account.kind, &account.value)?;
                let sources: Vec<&str> = sightings.iter().map(|s| s.url.as_str()).collect();
                csv.write_record([
                    account.kind.as_str(),
                    &account.value,
                    if account.otc { "true" } else { "false" },
                    &format!("{:.2}", account.score),
                    account.status.as_str(),
                    &rfc3339(account.first_seen_ms),
                    &rfc3339(account.last_seen_ms),
                    &account.sightings.to_string(),
                    &account.sites.join(" "),
                    &sources.join(" "),
                ])?;
            }
            csv.flush().or_else(super::ignore_broken_pipe)?;
            return Ok(ExitCode::SUCCESS);
        }
        Format::Table => {
            writeln!(
                out,
                "{:<10} {:<44} {:<11} {:<4} {:>5} {:>5}  {:<20} SITES",
                "KIND", "VALUE", "STATUS", "OTC", "SCORE", "SEEN", "LAST SEEN"
            )?;
            for a in &accounts {
                let otc = if a.otc { "yes" } else { "no" };
                writeln!(
                    out,
                    "{:<10} {:<44} {:<11} {:<4} {:>5.2} {:>5}  {:<20} {}",
                    a.kind,
                    a.value,
                    a.status,
                    otc,
                    a.score,
                    a.sightings,
                    rfc3339(a.last_seen_ms),
                    a.sites.join(",")
                )
                .or_else(super::ignore_broken_pipe)?;
            }
            if accounts.is_empty() {
                writeln!(
                    out,
                    "(no accounts{}; run `otcwatch crawl` first)",
                    if args.kind.is_some()
                        || args.otc
                        || args.site.is_some()
                        || args.status.is_some()
                    {
                        " match"
                    } else {
                        ""
                    }
                )?;
            }
        }
    }
    out.flush().or_else(super::ignore_broken_pipe)?;
    Ok(ExitCode::SUCCESS)
}

/// A sighting as JSON: the same object the API's account route gives.
fn source_json(sighting: &store::Sighting) -> serde_json::Value {
    crate::web::api::sighting_json(sighting)
}

/// RFC 3339 (UTC, seconds) for milliseconds since the epoch, as the API writes it.
pub(crate) fn rfc3339(ms: u64) -> String {
    crate::web::api::rfc3339(ms)
}

/// A score as JSON shows it: two decimals, not the float's binary expansion.
fn round(score: f32) -> f64 {
    (f64::from(score) * 100.0).round() / 100.0
}
