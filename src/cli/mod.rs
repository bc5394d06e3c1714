//! The command line: clap types, one file per subcommand, and the one place that turns results
//! into exit codes (0 success, 1 runtime failure, 2 usage or configuration error).

mod accounts;
mod crawl;
mod demo;
mod export;
mod extract;
mod review;
mod serve;
mod show;
mod status;
mod token;
mod user;
mod webhook;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Find payment accounts advertised for OTC crypto trades, with their evidence.
#[derive(Debug, Parser)]
#[command(name = "otcwatch", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log format for diagnostics on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start bundled sample sites on 127.0.0.1, crawl them, and serve the UI on the findings.
    Demo(demo::Args),
    /// Extract payment identifiers from one document (HTML or text, any common charset).
    Extract(extract::Args),
    /// Crawl the sites of a seeds file into the database.
    Crawl(crawl::Args),
    /// List the accounts found, with their sightings.
    Accounts(accounts::Args),
    /// Show each site's crawl state.
    Status(status::Args),
    /// Set the review status of an account (or of KIND:VALUE lines on stdin).
    Review(review::Args),
    /// Show one account: sightings, related accounts, audit history.
    Show(show::Args),
    /// Manage webhook receivers of watchlist changes and deliver to them.
    #[command(subcommand_required = true)]
    Webhook(webhook::Args),
    /// Export accounts as CSV, JSONL, a STIX 2.1 bundle or a MISP feed folder.
    Export(export::Args),
    /// Serve the web UI and JSON API.
    Serve(serve::Args),
    /// Manage the users who log in to the web UI.
    User(user::Args),
    /// Manage API tokens.
    Token(token::Args),
}

/// An error that is the user's to fix (bad input, bad configuration): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct UsageError(String);

/// Parses the command line, runs the command and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Long-running commands log their progress at info; the others only warn.
    let verbose = matches!(
        cli.command,
        Command::Crawl(_) | Command::Demo(_) | Command::Webhook(_) | Command::Serve(_)
    );
    init_tracing(cli.log_format, verbose);
    let result = match &cli.command {
        Command::Demo(args) => demo::run(args, cli.log_format == LogFormat::Text),
        Command::Extract(args) => extract::run(args),
        Command::Crawl(args) => crawl::run(args, cli.log_format == LogFormat::Text),
        Command::Accounts(args) => accounts::run(args),
        Command::Status(args) => status::run(args),
        Command::Review(args) => review::run(args),
        Command::Show(args) => show::run(args),
        Command::Webhook(args) => webhook::run(args),
        Command::Export(args) => export::run(args),
        Command::Serve(args) => serve::run(args),
        Command::User(args) => user::run(args),
        Command::Token(args) => token::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            let usage = error.downcast_ref::<UsageError>().is_some();
            eprintln!("error: {error:#}");
            if usage { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}

fn init_tracing(format: LogFormat, verbose: bool) {
    let default = if verbose { "otcwatch=info,warn" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("OTCWATCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// The kinds that have accounts, with their counts: `alipay 3, btc 12`.
pub(crate) fn kind_counts(counts: &crate::store::Counts) -> String {
    let kinds: Vec<String> = counts
        .accounts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect();
    kinds.join(", ")
}

/// Opens the store, saying how to fix the usual problems.
pub(crate) fn open_db(path: &std::path::Path) -> anyhow::Result<crate::store::Db> {
    crate::store::Db::open(path).map_err(|error| {
        anyhow::Error::new(UsageError(format!(
            "cannot open the database at {}: {error} (is another otcwatch using it? pass --db DIR or set OTCWATCH_DB)",
            path.display()
        )))
    })
}

/// A store error the user can fix (a name that exists or does not, an invalid value) as a
/// usage error; anything else as is.
pub(crate) fn usage_if_callers(error: crate::store::Error) -> anyhow::Error {
    match error {
        crate::store::Error::Exists { .. }
        | crate::store::Error::NotFound { .. }
        | crate::store::Error::Invalid { .. } => anyhow::Error::new(UsageError(error.to_string())),
        other => anyhow::Error::new(other),
    }
}

/// A closed pipe (`otcwatch … | head`) is not an error.
pub(crate) fn ignore_broken_pipe(error: std::io::Error) -> std::io::Result<()> {
    if error.kind() == std::io::ErrorKind::BrokenPipe { Ok(()) } else { Err(error) }
}
