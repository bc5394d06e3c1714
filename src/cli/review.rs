//! `otcwatch review`: set the status of one account (`KIND:VALUE`), or of every account listed
//! on stdin (`-`), with a note and tags, all or nothing. Also home of the `KIND:VALUE` parser
//! the other account commands share.

use super::UsageError;
use crate::extract::{self, Kind};
use crate::store::{self, Review, Status};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The database directory.
    #[arg(long, env = "OTCWATCH_DB", default_value = "./data")]
    db: PathBuf,
    /// The account, as KIND:VALUE (`phone:13912340001`, `tron:T…`), or `-` to read one
    /// KIND:VALUE per line from stdin (blank lines and `#` comments are skipped).
    target: String,
    /// The new status: new, confirmed, dismissed or watchlisted.
    #[arg(long)]
    status: Status,
    /// A note kept with the account and in its audit history (replaces the previous note).
    #[arg(long)]
    note: Option<String>,
    /// A tag to add; repeat for several (`--tag usdt --tag scam-ring`).
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Who decides; defaults to $USER, or `cli`.
    #[arg(long)]
    reviewer: Option<String>,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    // Each target with where it came from, for error messages.
    let lines = if args.target == "-" {
        read_targets(std::io::stdin().lock())?
    } else {
        vec![(None, parse_target(&args.target).map_err(UsageError)?)]
    };
    let targets: Vec<(Kind, String)> = lines.iter().map(|(_, target)| target.clone()).collect();
    if targets.is_empty() {
        return Err(UsageError("no KIND:VALUE lines on stdin; nothing reviewed".to_string()).into());
    }
    let reviewer = args.reviewer.clone().unwrap_or_else(|| {
        std::env::var("USER")
            .ok()
            .filter(|user| !user.trim().is_empty())
            .unwrap_or_else(|| "cli".to_string())
    });
    let review =
        Review { status: args.status, reviewer, note: args.note.clone(), tags: args.tags.clone() };
    let db = super::open_db(&args.db)?;
    let records = db.review_many(&targets, &review, crate::schedule::now_ms()).map_err(
        |error| match error {
            store::Error::UnknownAccount { kind, ref value } => {
                let line = lines.iter().find(|(_, target)| target.0 == kind && &target.1 == value);
                let place = match line {
                    Some((Some(line_no), _)) => format!("stdin line {line_no}: "),
                    _ => String::new(),
                };
                anyhow::Error::new(UsageError(format!("{place}{error}; nothing was changed")))
            }
            store::Error::InvalidReview { .. } => {
                anyhow::Error::new(UsageError(format!("{error}; nothing was changed")))
            }
            other => anyhow::Error::new(other).context("recording the review"),
        },
    )?;
    db.flush()?;
    let mut out = std::io::stdout().lock();
    for record in &records {
        writeln!(
            out,
            "{}:{}  {} -> {}  (cursor {})",
            record.kind, record.value, record.before, record.after, record.cursor
        )
        .or_else(super::ignore_broken_pipe)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Parses `KIND:VALUE`, normalising the value as extraction does; the error says what is
/// wrong and lists the kinds when the kind is unknown.
pub(crate) fn parse_target(text: &str) -> Result<(Kind, String), String> {
    let Some((kind, value)) = text.trim().split_once(':') else {
        return Err(format!("{text:?} is not KIND:VALUE (for example phone:13912340001)"));
    };
    let kind: Kind = kind.trim().to_ascii_lowercase().parse()?;
    let value = extract::value::normalize(kind, value)?;
    Ok((kind, value))
}

/// An account to review and the stdin line it came from (`None` for the argument).
type Line = (Option<usize>, (Kind, String));

/// One target per line with its line number, every line checked before anything is written.
fn read_targets(input: impl BufRead) -> anyhow::Result<Vec<Line>> {
    let mut targets = Vec::new();
    for (idx, line) in input.lines().enumerate() {
        let line =
            line.map_err(|error| UsageError(format!("reading stdin line {}: {error}", idx + 1)))?;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let target = parse_target(line).map_err(|error| {
            UsageError(format!("stdin line {}: {error}; nothing was changed", idx + 1))
        })?;
        targets.push((Some(idx + 1), target));
    }
    Ok(targets)
}
