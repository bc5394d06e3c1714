//! `otcwatch demo`: the whole product in one command. Starts the bundled sample sites on
//! 127.0.0.1, crawls them into `./demo-data` with a progress bar, prints what was found, then
//! creates an admin user (password printed once) and serves the UI until Ctrl-C.

use super::UsageError;
use super::crawl::ProgressView;
use crate::crawl;
use crate::demo;
use crate::store::{self, AccountFilter, Db};
use crate::web;
use anyhow::Context;
use std::io::IsTerminal;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Marks a directory as made by `otcwatch demo`, so a later demo may replace it.
const MARKER: &str = ".otcwatch-demo";

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Where the demo's database goes. A previous demo's directory is replaced; any other
    /// non-empty directory is refused.
    #[arg(long, default_value = "./demo-data")]
    data: PathBuf,
    /// Where the web UI listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Crawl and print the summary, then exit without serving the UI.
    #[arg(long)]
    no_serve: bool,
}

pub(crate) fn run(args: &Args, bars: bool) -> anyhow::Result<ExitCode> {
    prepare(&args.data)?;
    let db = super::open_db(&args.data)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .context("binding the demo sites to 127.0.0.1")?;
        let sites = demo::serve_sites(listener).context("starting the demo sites")?;
        eprintln!(
            "demo sites: http://{}/ (forum, news, a feed and a Telegram-style channel)",
            sites.addr
        );
        let seeds = demo::seeds(sites.addr).map_err(|problems| anyhow::anyhow!("{problems}"))?;
        let view = ProgressView::new(bars && std::io::stderr().is_terminal());
        let options = crawl::Options { once: true, site: None };
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        crawl::run(&seeds, db.clone(), &options, &|p| view.show(p), shutdown).await?;
        view.finish();
        summary(&db)?;
        if args.no_serve {
            return anyhow::Ok(());
        }
        // The sites keep running while the UI is up, so the evidence links work.
        serve(&db, args.listen).await
    })?;
    db.flush().context("flushing the database")?;
    Ok(ExitCode::SUCCESS)
}

/// Creates the demo's admin user, prints how to log in, and serves the UI until Ctrl-C.
async fn serve(db: &Db, listen: SocketAddr) -> anyhow::Result<()> {
    let password = store::generate_password()?;
    db.add_user("admin", store::Role::Admin, &password, crate::schedule::now_ms())?;
    db.flush().context("flushing the database")?;
    let listen = free_or_fallback(listen);
    println!("\nlog in as   admin");
    println!("password    {password}   (shown once; `otcwatch user add` makes more users)");
    let options = web::Options { listen, ..web::Options::default() };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("stopping the demo");
    };
    web::serve(db.clone(), options, shutdown).await?;
    Ok(())
}

/// `listen`, or a free port on the same address when it is taken (another service on 8080).
fn free_or_fallback(listen: SocketAddr) -> SocketAddr {
    if std::net::TcpListener::bind(listen).is_ok() {
        return listen;
    }
    let free = std::net::TcpListener::bind(SocketAddr::new(listen.ip(), 0))
        .and_then(|listener| listener.local_addr());
    match free {
        Ok(addr) => {
            eprintln!("{listen} is taken; the UI uses {addr} instead");
            addr
        }
        Err(_) => listen,
    }
}

/// Makes `dir` an empty demo directory: created, or replaced if an earlier demo made it.
fn prepare(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .next()
            .is_none();
        if !empty && !dir.join(MARKER).exists() {
            return Err(UsageError(format!(
                "{} exists and was not made by `otcwatch demo`; pass --data with a new directory",
                dir.display()
            ))
            .into());
        }
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("removing the previous demo at {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(dir.join(MARKER), "made by `otcwatch demo`; the next demo replaces it\n")
        .with_context(|| format!("writing {}", dir.join(MARKER).display()))?;
    Ok(())
}

/// Prints what the crawl found: accounts by kind, and how many are advertised for OTC.
fn summary(db: &Db) -> anyhow::Result<()> {
    let otc = db.accounts(&AccountFilter { otc_only: true, ..AccountFilter::default() })?.len();
    // The store keeps the per-kind totals; every kind is listed, found ones are shown.
    let counts = db.counts()?;
    println!(
        "found {} accounts ({otc} advertised for OTC trades): {}",
        counts.accounts_total,
        super::kind_counts(&counts)
    );
    Ok(())
}
