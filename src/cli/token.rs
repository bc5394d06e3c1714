//! `otcwatch token create|list|revoke`: API tokens for other systems. A token's secret is
//! printed once; only its SHA-256 is stored.

use crate::store::Role;
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
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Create a token; prints it once.
    Create {
        /// viewer reads, reviewer also reviews, admin also manages tokens.
        #[arg(long, value_parser = super::user::parse_role)]
        role: Role,
        /// What the token is for, shown in `token list` and in audit records.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by its id (the `ID` column of `token list`).
    Revoke { id: String },
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(&args.db)?;
    let mut out = std::io::stdout().lock();
    match &args.command {
        Command::Create { role, name } => {
            let (token, secret) = db
                .create_token(name, *role, crate::schedule::now_ms())
                .map_err(super::usage_if_callers)?;
            db.flush().context("flushing the database")?;
            writeln!(out, "{secret}")?;
            eprintln!(
                "created token {} ({}); the line above is shown once: store it now",
                token.id, token.role
            );
        }
        Command::List => {
            writeln!(
                out,
                "{:<12} {:<20} {:<9} {:<20} {:<20} STATE",
                "ID", "NAME", "ROLE", "CREATED", "LAST USED"
            )?;
            for token in db.tokens()? {
                let state = if token.revoked { "revoked" } else { "active" };
                let last_used =
                    token.last_used_ms.map_or("never".to_string(), super::accounts::rfc3339);
                writeln!(
                    out,
                    "{:<12} {:<20} {:<9} {:<20} {:<20} {state}",
                    token.id,
                    token.name,
                    token.role,
                    super::accounts::rfc3339(token.created_ms),
                    last_used
                )
                .or_else(super::ignore_broken_pipe)?;
            }
        }
        Command::Revoke { id } => {
            let token = db.revoke_token(id).map_err(super::usage_if_callers)?;
            db.flush().context("flushing the database")?;
            writeln!(out, "revoked {}", token.id)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
