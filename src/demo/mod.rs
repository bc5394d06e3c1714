//! The bundled demo: a sample of key websites and social sources served on 127.0.0.1, and the
//! seeds file that crawls them. `otcwatch demo` (in `cli/demo.rs`) starts the sites, crawls
//! them, and serves the UI on what was found.
//!
//! The pages live in `demo/sites/` and are embedded in the binary (rust-embed): an OTC forum
//! board with Chinese and English advertisements (obfuscated numbers, one GBK-encoded thread,
//! several replies per page), a news section of look-alikes that must not be flagged (a fraud
//! report, a shop's contact page, a list of token contracts), a Weibo feed through an RSS
//! bridge (with an item carrying script and markup injection), and a t.me/s-style channel
//! preview two pages deep. One server answers for all of them; each site is a path prefix.

use crate::config::Seeds;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The demo's pages, embedded at build time.
#[derive(rust_embed::Embed)]
#[folder = "demo/sites/"]
struct Pages;

/// The demo sites, running; stopped when dropped.
#[derive(Debug)]
pub struct Sites {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Sites {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves the demo sites on `listener` (bind it to 127.0.0.1).
pub fn serve_sites(listener: TcpListener) -> std::io::Result<Sites> {
    let addr = listener.local_addr()?;
    let app = Router::new().route("/s/{channel}", get(channel)).fallback(get(page));
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the demo sites stopped");
        }
    });
    Ok(Sites { addr, task })
}

/// The seeds file that crawls the demo sites at `addr`.
pub fn seeds(addr: SocketAddr) -> Result<Seeds, String> {
    let origin = format!("http://{addr}");
    let escaped = origin.replace('.', "\\\\.");
    let text = format!(
        r#"
[defaults]
delay = "20ms"
concurrency_per_host = 4
interval = "6h"
max_pages = 200

[[site]]
name = "otc-forum"
url = "{origin}/bbs/"
allow = ["^{escaped}/bbs/"]
post_selector = "div.post"
author_selector = ".author .name"
time_selector = "em.posted"

[[site]]
name = "news"
url = "{origin}/news/"
allow = ["^{escaped}/news/"]

[[site]]
name = "weibo-feed"
kind = "feed"
url = "{origin}/feeds/weibo.xml"

[[site]]
name = "tg-channel"
kind = "telegram"
url = "{origin}/s/usdt_demo_otc"
"#
    );
    Seeds::parse(&text)
}

/// A page of the demo sites by path (`/bbs/` → `bbs/index.html`).
async fn page(uri: axum::http::Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_owned()
    };
    file(&path)
}

/// A channel preview: `tg/<channel>.html`, or `tg/<channel>.before-<n>.html` for `?before=n`;
/// before the first message, an empty history, as t.me answers.
async fn channel(
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let path = match query.get("before") {
        Some(before) => format!("tg/{name}.before-{before}.html"),
        None => format!("tg/{name}.html"),
    };
    if query.contains_key("before") && Pages::get(&path).is_none() {
        let empty = r#"<html><body><section class="tgme_channel_history"></section></body></html>"#;
        return ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], empty).into_response();
    }
    file(&path)
}

fn file(path: &str) -> Response {
    let Some(found) = Pages::get(path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    // No charset for HTML: the pages say theirs (one is GBK), as old forums do.
    let content_type = match path.rsplit('.').next() {
        Some("html") => "text/html",
        Some("xml") => "application/rss+xml",
        _ => "text/plain; charset=utf-8",
    };
    ([(header::CONTENT_TYPE, content_type)], found.data.into_owned()).into_response()
}
