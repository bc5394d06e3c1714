//! The UI's static files, embedded in the binary with `include_str!` and served from
//! `/static/…`. The CSP allows scripts and styles from our own origin only (no inline code), so
//! every style and script lives here. Pages link them as `/static/ui.css?v=<hash>`: the hash
//! of the content, so a browser may cache a versioned URL forever and a new build is fetched
//! at once.

use axum::Router;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use std::sync::LazyLock;

/// One embedded file.
#[derive(Debug)]
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "ui.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("static/ui.css"),
    },
    Asset {
        name: "ui.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("static/ui.js"),
    },
];

/// The first 12 hex digits of the blake3 hash of every asset, in [`ASSETS`] order.
static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| blake3::hash(asset.body.as_bytes()).to_hex()[..12].to_owned())
        .collect()
});

/// The versioned URL of the stylesheet.
pub(crate) fn css_url() -> String {
    url("ui.css")
}

/// The versioned URL of the script.
pub(crate) fn js_url() -> String {
    url("ui.js")
}

/// The routes of the static files; they need no session (the login page uses them).
pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/static/{name}", get(serve))
}

#[derive(Debug, Deserialize)]
struct Version {
    v: Option<String>,
}

async fn serve(Path(name): Path<String>, Query(version): Query<Version>) -> Response {
    let Some(idx) = ASSETS.iter().position(|asset| asset.name == name) else {
        return (StatusCode::NOT_FOUND, "no such static file").into_response();
    };
    let asset = &ASSETS[idx];
    let current = version.v.as_deref() == VERSIONS.get(idx).map(String::as_str);
    let cache = if current { "public, max-age=31536000, immutable" } else { "no-cache" };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        asset.body,
    )
        .into_response()
}

fn url(name: &str) -> String {
    let idx = ASSETS.iter().position(|asset| asset.name == name);
    let version = idx.and_then(|idx| VERSIONS.get(idx)).map_or("", String::as_str);
    format!("/static/{name}?v={version}")
}
