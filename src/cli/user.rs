//! `otcwatch user add|list|disable`: the people who log in to the web UI.

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
    /// Add a user; prints a generated password once (only its argon2id hash is stored).
    Add {
        name: String,
        /// viewer reads, reviewer also decides, admin also manages users, tokens and sites.
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// List users.
    List,
    /// Disable a user: their password and sessions stop working.
    Disable { name: String },
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(&args.db)?;
    let mut out = std::io::stdout().lock();
    match &args.command {
        Command::Add { name, role } => {
            let password = crate::store::generate_password().context("generating a password")?;
            let user = db
                .add_user(name, *role, &password, crate::schedule::now_ms())
                .map_err(super::usage_if_callers)?;
            db.flush().context("flushing the database")?;
            writeln!(out, "added {} ({})", user.name, user.role)?;
            writeln!(out, "password: {password}")?;
            writeln!(out, "(shown once: store it now; it cannot be recovered)")?;
        }
        Command::List => {
            writeln!(out, "{:<24} {:<9} {:<20} STATE", "NAME", "ROLE", "CREATED")?;
            for user in db.users()? {
                let state = if user.disabled { "disabled" } else { "active" };
                let created = super::accounts::rfc3339(user.created_ms);
                writeln!(out, "{:<24} {:<9} {:<20} {state}", user.name, user.role, created)
                    .or_else(super::ignore_broken_pipe)?;
            }
        }
        Command::Disable { name } => {
            let user = db.disable_user(name).map_err(super::usage_if_callers)?;
            db.flush().context("flushing the database")?;
            writeln!(out, "disabled {}", user.name)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn parse_role(text: &str) -> Result<Role, String> {
    text.parse()
}
