//! Getting documents: HTTP with timeouts, size limits and manual redirects (`client.rs`),
//! the address guard that refuses private networks after DNS and on every redirect
//! (`guard.rs`), robots.txt (`robots.rs`), sitemaps (`sitemap.rs`) and charset decoding
//! (`charset.rs`). The only module that talks to the network or turns bytes into text.
//!
//! Everything that can happen to a request is an [`Outcome`]: data to store and show, not an
//! error. [`Error`] is only for building a client from a bad configuration.

pub mod charset;
pub mod client;
pub mod guard;
pub mod robots;
pub mod sitemap;

use std::time::{Duration, SystemTime};
use url::Url;

pub use client::Client;

/// How the fetcher behaves; one per crawler, from the seeds file's defaults.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Sent as `User-Agent`; its product token (`otcwatch`) is matched in robots.txt.
    pub user_agent: String,
    /// Connecting, including DNS.
    pub connect_timeout: Duration,
    /// From sending the request to the response head.
    pub first_byte_timeout: Duration,
    /// The whole body.
    pub body_timeout: Duration,
    /// Bodies are cut at this size and the page marked truncated.
    pub max_body: usize,
    /// Redirect hops followed before giving up.
    pub max_redirects: usize,
}

impl Default for FetchConfig {
    fn default() -> FetchConfig {
        FetchConfig {
            user_agent: concat!(
                "otcwatch/",
                env!("CARGO_PKG_VERSION"),
                " (+https://example.org/otcwatch)"
            )
            .to_owned(),
            connect_timeout: Duration::from_secs(10),
            first_byte_timeout: Duration::from_secs(20),
            body_timeout: Duration::from_secs(60),
            max_body: 5 << 20,
            max_redirects: 10,
        }
    }
}

/// Validators from the last fetch of a URL, sent as `If-None-Match` / `If-Modified-Since`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What happened to one request.
#[derive(Debug)]
pub enum Outcome {
    /// A document (HTML, XHTML, XML feed, JSON or plain text) with a 2xx status.
    Page(Page),
    /// 304: unchanged since the validators were issued.
    NotModified { url: Url },
    /// Not fetched, on purpose.
    Skipped { url: Url, reason: SkipReason },
    /// Tried and failed.
    Failed { url: Url, failure: Failure },
}

/// A fetched document.
#[derive(Debug, Clone)]
pub struct Page {
    /// The URL asked for.
    pub requested: Url,
    /// The URL after redirects (the page's own address).
    pub url: Url,
    pub status: u16,
    /// The `Content-Type` header, lower-cased, as sent.
    pub content_type: String,
    /// The body as received (after content-encoding), possibly cut at `max_body`.
    pub body: Vec<u8>,
    /// The body decoded to text by `charset::decode`, with the header charset first.
    pub text: String,
    /// The encoding used, e.g. `GB18030`.
    pub encoding: &'static str,
    pub truncated: bool,
    pub validators: Validators,
    pub fetched_at: SystemTime,
}

/// Why a URL was not fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The content type is not one we read (images, archives, video…); known from the head.
    NotDocument { content_type: String },
    /// The address guard refused the host's address (or a redirect's).
    AddressRefused { host: String, address: String },
    /// robots.txt disallows it.
    Robots,
}

/// Why a fetch failed; `retry_after` is set when the server asked us to wait (429/503).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
    pub retry_after: Option<Duration>,
}

/// A small, stored classification of failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Dns,
    Connect,
    Timeout,
    /// A 4xx or 5xx status (the status is in the message).
    Status,
    /// 429 or 503: back off.
    Throttled,
    TooManyRedirects,
    RedirectLoop,
    /// A redirect to a URL that cannot be fetched (bad location, unsupported scheme).
    BadRedirect,
    /// The connection broke mid-body, or the body could not be decoded.
    Body,
}

/// A client that cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}
