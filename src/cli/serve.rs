//! `otcwatch serve`: the web UI and JSON API over a database, until Ctrl-C.

use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The database directory.
    #[arg(long, env = "OTCWATCH_DB", default_value = "./data")]
    db: PathBuf,
    /// The address to listen on. Loopback by default; anything else is reachable from other
    /// machines, so put it behind a TLS proxy.
    #[arg(long, default_value_t = crate::web::DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// A TLS-terminating proxy is in front: session cookies are marked Secure and the login
    /// rate limit uses the last X-Forwarded-For address.
    #[arg(long)]
    tls_terminated: bool,
    /// How long a login session lasts, such as `12h` or `30m`.
    #[arg(long, default_value = "12h", value_parser = humantime::parse_duration)]
    session_ttl: std::time::Duration,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(&args.db)?;
    let options = crate::web::Options {
        listen: args.listen,
        tls_terminated: args.tls_terminated,
        session_ttl: args.session_ttl,
        ..crate::web::Options::default()
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
            eprintln!("stopping: finishing requests in flight");
        };
        crate::web::serve(db.clone(), options, shutdown).await.map_err(|error| match error {
            crate::web::Error::Bind { .. } => anyhow::Error::new(super::UsageError(format!(
                "{error}: {}",
                std::error::Error::source(&error).map(ToString::to_string).unwrap_or_default()
            ))),
            other => anyhow::Error::new(other),
        })
    })?;
    db.flush().context("flushing the database")?;
    Ok(ExitCode::SUCCESS)
}
