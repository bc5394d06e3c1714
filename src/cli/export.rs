//! `otcwatch export`: the accounts in the store as CSV, JSONL, a STIX 2.1 bundle or a MISP feed
//! folder, filtered by review status, kind and last sighting. The formats are in
//! `crate::export`; this file reads the flags, checks them and picks where the bytes go.

use crate::export::{self, Filter};
use crate::extract::Kind;
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The database directory.
    #[arg(long, env = "OTCWATCH_DB", default_value = "./data")]
    db: PathBuf,
    /// csv (spreadsheets), jsonl (scripts), stix (a STIX 2.1 bundle) or misp (a MISP feed
    /// folder; needs --out DIR). See docs/exports.md.
    #[arg(long, value_enum)]
    format: Format,
    /// Only accounts with this review status.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(export::STATUSES))]
    status: Option<String>,
    /// Only this kind (alipay, wechat, qq, phone, email, bank_card, btc, eth, tron, telegram).
    #[arg(long)]
    kind: Option<Kind>,
    /// Only accounts last seen at or after this time, RFC 3339: 2026-11-01T00:00:00Z or
    /// 2026-11-01T08:00:00+08:00.
    #[arg(long, value_parser = parse_since)]
    since: Option<u64>,
    /// Write here instead of standard output: a file for csv, jsonl and stix; a folder
    /// (created if missing) for misp.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Csv,
    Jsonl,
    Stix,
    Misp,
}

/// `--since`: RFC 3339 with any offset → ms since the Unix epoch (earlier times keep all).
fn parse_since(text: &str) -> Result<u64, String> {
    let time = chrono::DateTime::parse_from_rfc3339(text).map_err(|error| {
        format!(
            "{error}: expected an RFC 3339 time such as 2026-11-01T00:00:00Z or \
             2026-11-01T08:00:00+08:00"
        )
    })?;
    Ok(u64::try_from(time.timestamp_millis()).unwrap_or(0))
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if let Some(out) = &args.out {
        check_out(out, args.format)?;
    }
    match args.format {
        Format::Csv => stream(args, export::csv::write),
        Format::Jsonl => stream(args, export::jsonl::write),
        Format::Stix => stream(args, export::stix::write),
        Format::Misp => {
            let Some(dir) = &args.out else {
                return Err(super::UsageError(
                    "--format misp writes a feed folder (manifest.json, one file per event, \
                     hashes.csv): pass --out DIR"
                        .into(),
                )
                .into());
            };
            let entries = entries(args)?;
            export::misp::write_feed(dir, &export::misp::feed(&entries))
                .with_context(|| format!("writing the MISP feed to {}", dir.display()))?;
            eprintln!("{} account(s) exported to {}", entries.len(), dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The accounts the flags select.
fn entries(args: &Args) -> anyhow::Result<Vec<export::Entry>> {
    let db = super::open_db(&args.db)?;
    let filter = Filter { status: args.status.clone(), kind: args.kind, since_ms: args.since };
    export::load(&db, &filter).context("reading accounts")
}

/// Writes a one-file format to `--out` or standard output.
fn stream(
    args: &Args,
    write: fn(Box<dyn Write>, &[export::Entry]) -> std::io::Result<()>,
) -> anyhow::Result<ExitCode> {
    let entries = entries(args)?;
    match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            write(Box::new(std::io::BufWriter::new(file)), &entries)
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("{} account(s) exported to {}", entries.len(), path.display());
        }
        None => {
            let stdout = std::io::BufWriter::new(std::io::stdout().lock());
            write(Box::new(stdout), &entries).or_else(super::ignore_broken_pipe)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses an `--out` of the wrong sort before anything is read or written.
fn check_out(out: &Path, format: Format) -> anyhow::Result<()> {
    let usage = |message: String| anyhow::Error::new(super::UsageError(message));
    match format {
        Format::Misp if out.exists() && !out.is_dir() => Err(usage(format!(
            "--out {} is a file, but --format misp writes a folder: pass a folder path",
            out.display()
        ))),
        Format::Csv | Format::Jsonl | Format::Stix if out.is_dir() => Err(usage(format!(
            "--out {} is a folder, but this format writes one file: pass a file path",
            out.display()
        ))),
        _ => Ok(()),
    }
}
