//! `otcwatch webhook`: add, list and remove the receivers of watchlist changes, and deliver
//! what the outbox holds (once, or until Ctrl-C).

use super::UsageError;
use super::accounts::rfc3339;
use crate::notify;
use crate::store;
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The database directory.
    #[arg(long, env = "OTCWATCH_DB", default_value = "./data", global = true)]
    db: PathBuf,
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Send every watchlist change from now on to URL, signed with the secret.
    Add {
        /// Where to POST: an http:// or https:// URL.
        url: String,
        /// The shared secret of the `X-Otcwatch-Signature` HMAC (or set
        /// OTCWATCH_WEBHOOK_SECRET, which keeps it out of the shell history).
        #[arg(long, env = "OTCWATCH_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
    },
    /// List the receivers, with what is still owed to each.
    List,
    /// Remove a receiver (by the id `list` shows) and everything still owed to it.
    Remove { id: u64 },
    /// Deliver due changes until Ctrl-C; with --once, one round, then exit (exit code 1 if a
    /// delivery failed: it stays in the outbox and is retried later).
    Deliver {
        #[arg(long)]
        once: bool,
    },
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(&args.db)?;
    let mut out = std::io::stdout().lock();
    match &args.action {
        Action::Add { url, secret } => {
            let receiver = db.add_webhook(url, secret, crate::schedule::now_ms()).map_err(
                |error| match error {
                    store::Error::InvalidWebhook { .. } => anyhow::Error::new(UsageError(format!(
                        "{error}; for example https://hooks.example.org/otcwatch"
                    ))),
                    other => anyhow::Error::new(other).context("adding the webhook"),
                },
            )?;
            db.flush()?;
            writeln!(out, "added webhook {} -> {}", receiver.id, receiver.url)?;
        }
        Action::List => {
            writeln!(
                out,
                "{:>4}  {:<7}  {:<20}  {:>7}  {:<48}  LAST ERROR",
                "ID", "ENABLED", "CREATED", "PENDING", "URL"
            )?;
            let receivers = db.webhooks()?;
            for receiver in &receivers {
                let pending = db.outbox(receiver.id)?;
                let last_error =
                    pending.first().and_then(|entry| entry.last_error.as_deref()).unwrap_or("-");
                writeln!(
                    out,
                    "{:>4}  {:<7}  {:<20}  {:>7}  {:<48}  {last_error}",
                    receiver.id,
                    if receiver.enabled { "yes" } else { "no" },
                    rfc3339(receiver.created_ms),
                    pending.len(),
                    receiver.url
                )
                .or_else(super::ignore_broken_pipe)?;
            }
            if receivers.is_empty() {
                writeln!(out, "(no webhooks; add one with `otcwatch webhook add URL --secret S`)")?;
            }
        }
        Action::Remove { id } => {
            db.remove_webhook(*id).map_err(|error| match error {
                store::Error::UnknownWebhook { .. } => {
                    anyhow::Error::new(UsageError(error.to_string()))
                }
                other => anyhow::Error::new(other).context("removing the webhook"),
            })?;
            db.flush()?;
            writeln!(out, "removed webhook {id}")?;
        }
        Action::Deliver { once } => {
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            if *once {
                let client = notify::Client::new()?;
                let report = runtime.block_on(notify::deliver_due(&db, &client))?;
                db.flush()?;
                writeln!(
                    out,
                    "delivered {}, failed {}, deferred {}",
                    report.delivered, report.failed, report.deferred
                )?;
                if report.failed > 0 {
                    return Ok(ExitCode::FAILURE);
                }
            } else {
                let shutdown = async {
                    let _ = tokio::signal::ctrl_c().await;
                };
                runtime.block_on(notify::run(db.clone(), shutdown));
                db.flush()?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
