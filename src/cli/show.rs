//! `otcwatch show KIND:VALUE`: one account with its sightings (place, site, author, time,
//! context with the identifier marked), its related accounts and its audit history, as text or
//! JSON.

use super::UsageError;
use super::accounts::rfc3339;
use crate::store::{self, Sighting};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The database directory.
    #[arg(long, env = "OTCWATCH_DB", default_value = "./data")]
    db: PathBuf,
    /// The account, as KIND:VALUE (`phone:13912340001`).
    target: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let (kind, value) = super::review::parse_target(&args.target).map_err(UsageError)?;
    let db = super::open_db(&args.db)?;
    let Some(account) = db.account(kind, &value)? else {
        return Err(UsageError(format!(
            "no account {kind}:{value}; `otcwatch accounts` lists the accounts found"
        ))
        .into());
    };
    let sightings = db.sightings(kind, &value)?;
    let links = db.links(kind, &value)?;
    let audit = db.audit(kind, &value)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Json => {
            let sightings: Vec<serde_json::Value> = sightings
                .iter()
                .map(|sighting| {
                    let mut json = serde_json::to_value(sighting)?;
                    json["context_span"] = serde_json::json!(mark(sighting).map(|m| [m.0, m.1]));
                    Ok(json)
                })
                .collect::<Result<_, serde_json::Error>>()?;
            let json = serde_json::json!({
                "account": account,
                "sightings": sightings,
                "links": links,
                "audit": audit,
            });
            writeln!(out, "{json}").or_else(super::ignore_broken_pipe)?;
        }
        Format::Text => write_text(&mut out, &account, &sightings, &links, &audit)
            .or_else(super::ignore_broken_pipe)?,
    }
    out.flush().or_else(super::ignore_broken_pipe)?;
    Ok(ExitCode::SUCCESS)
}

fn write_text(
    out: &mut impl Write,
    account: &store::Account,
    sightings: &[Sighting],
    links: &[store::Link],
    audit: &[store::AuditRecord],
) -> std::io::Result<()> {
    writeln!(out, "{}:{}", account.kind, account.value)?;
    write!(out, "  status     {}", account.status)?;
    if let (Some(reviewer), Some(at)) = (&account.reviewer, account.reviewed_ms) {
        write!(out, " (by {reviewer} at {})", rfc3339(at))?;
    }
    writeln!(out)?;
    if let Some(reason) = &account.status_reason {
        writeln!(out, "  reason     {reason}")?;
    }
    if let Some(note) = &account.note {
        writeln!(out, "  note       {note}")?;
    }
    if !account.tags.is_empty() {
        writeln!(out, "  tags       {}", account.tags.join(", "))?;
    }
    writeln!(
        out,
        "  otc        {}, score {:.2}",
        if account.otc { "yes" } else { "no" },
        account.score
    )?;
    writeln!(
        out,
        "  seen       {} to {}, {} sighting(s) on {}",
        rfc3339(account.first_seen_ms),
        rfc3339(account.last_seen_ms),
        account.sightings,
        account.sites.join(", ")
    )?;

    writeln!(out, "\nSightings ({})", sightings.len())?;
    for sighting in sightings {
        let place = sighting.post.as_ref().map_or(&sighting.url, |post| &post.permalink);
        let author = sighting.post.as_ref().and_then(|post| post.author.as_deref()).unwrap_or("-");
        writeln!(out, "  {place}")?;
        writeln!(
            out,
            "    site {}, author {author}, seen {} to {}, score {:.2}{}",
            sighting.site,
            rfc3339(sighting.first_seen_ms),
            rfc3339(sighting.last_seen_ms),
            sighting.score,
            if sighting.otc { ", otc" } else { "" }
        )?;
        let context = match mark(sighting) {
            Some((start, end)) => format!(
                "{}[[{}]]{}",
                &sighting.context[..start],
                &sighting.context[start..end],
                &sighting.context[end..]
            ),
            None => format!("{} (span {}..{})", sighting.context, sighting.span.0, sighting.span.1),
        };
        writeln!(out, "    {context}")?;
        if let Some(hash) = &sighting.page_hash {
            writeln!(out, "    page body {hash}")?;
        }
    }

    writeln!(out, "\nLinks ({})", links.len())?;
    for link in links {
        writeln!(
            out,
            "  {}:{}  {} place(s), e.g. {}",
            link.kind, link.value, link.places, link.example_place
        )?;
    }

    writeln!(out, "\nAudit ({})", audit.len())?;
    for record in audit {
        write!(
            out,
            "  #{} {}  {}  {} -> {}",
            record.cursor,
            rfc3339(record.at_ms),
            record.reviewer,
            record.before,
            record.after
        )?;
        if let Some(reason) = &record.reason {
            write!(out, "  reason: {reason}")?;
        }
        if let Some(note) = &record.note {
            write!(out, "  note: {note}")?;
        }
        if !record.tags.is_empty() {
            write!(out, "  tags: {}", record.tags.join(", "))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Where the identifier is in the sighting's context (byte range), if it can be found: the
/// context is the visible text around it with whitespace collapsed, so `raw` is looked up
/// collapsed the same way.
fn mark(sighting: &Sighting) -> Option<(usize, usize)> {
    let raw = sighting.raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if raw.is_empty() {
        return None;
    }
    let start = sighting.context.find(&raw)?;
    Some((start, start + raw.len()))
}
