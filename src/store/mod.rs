//! The database: sites, the crawl frontier, URL records, page bodies, accounts and their
//! sightings, kept in sled.
//!
//! This is the only module that imports sled, and no sled type appears in its public API, so a
//! PostgreSQL or Redis backend can later implement the same methods. [`Db`] is a cheap `Clone`
//! handle. One tree per record type (layouts in `keys.rs`, encodings in `codec.rs`); every
//! mutating method is one sled transaction over the trees it touches, so a `kill -9` never
//! leaves half of an operation. The crawler is the single writer, so read-modify-write needs no
//! further locking. Nothing is durable until [`Db::flush`] returns: report findings only after.
//!
//! All methods block; call them from `spawn_blocking` or a dedicated thread in async code.
//!
//! Files: `frontier.rs` (queue and dedup), `commit.rs` (one fetch result), `touch.rs` (an
//! unchanged re-crawl), `accounts.rs` (the queries reviewers and exporters read),
//! `review.rs` (the review model: status, audit trail, watchlist feed), `links.rs` (related
//! accounts), `outbox.rs` (webhook receivers and the durable delivery outbox), `auth.rs`
//! (users, API tokens, sessions), `sites_admin.rs` (pause, resume, re-crawl and add sites
//! from the UI).

mod accounts;
mod auth;
mod bodies;
mod codec;
mod commit;
mod frontier;
mod keys;
mod links;
mod outbox;
mod review;
mod seen_cache;
mod sites_admin;
mod touch;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod bodies_tests;
#[cfg(test)]
mod review_tests;

pub use auth::{Role, Session, Token, User, generate_password};

use crate::extract::{self, Kind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use links::{LINK_CAP, Link};
pub use outbox::{Delivery, OutboxEntry, Receiver};
pub use review::{AuditRecord, Review, SYSTEM_REVIEWER, Status, UnknownStatus, WatchlistChange};
pub use sites_admin::AddedSite;

/// sled's page cache. The frontier holds millions of URLs; with this cap the working set stays
/// bounded and the rest is read back from disk (through the OS page cache) on demand.
pub const CACHE_CAPACITY: u64 = 64 * 1024 * 1024;

/// A boxed backend error, so that sled's error type stays out of the public API.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What can go wrong in the store. Each variant is something a caller handles differently.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database could not be created or opened (permissions, another process holds it).
    #[error("opening database at {path}")]
    Open { path: PathBuf, source: BoxError },
    /// The backend failed during an operation (IO error, corruption): abort the crawl.
    #[error("database {op} failed")]
    Storage { op: &'static str, source: BoxError },
    /// A stored value could not be read back (unknown version byte, truncated, bad JSON).
    #[error("corrupt value in {tree} at key {key:?}: {reason}")]
    Decode { tree: &'static str, key: String, reason: String },
    /// A record could not be encoded.
    #[error("encoding {what}")]
    Encode { what: &'static str, source: serde_json::Error },
    /// A site name, URL or identifier value that cannot be part of a key (it contains NUL).
    #[error("{what} {value:?} cannot be stored: it contains a NUL byte")]
    InvalidKey { what: &'static str, value: String },
    /// A user (or other named record) that already exists.
    #[error("{what} {name:?} already exists")]
    Exists { what: &'static str, name: String },
    /// A user, token or other record that does not exist.
    #[error("no {what} {name:?}")]
    NotFound { what: &'static str, name: String },
    /// A value the caller must fix; `reason` says how.
    #[error("invalid {what}: {reason}")]
    Invalid { what: &'static str, reason: String },
    /// A review or a list of reviews names an account that was never seen: nothing was
    /// written (the API answers 404).
    #[error("no account {kind}:{value}; only identifiers the crawler has seen can be reviewed")]
    UnknownAccount { kind: Kind, value: String },
    /// A review that cannot be recorded as given (empty reviewer, control characters in a
    /// tag): nothing was written.
    #[error("invalid review: {reason}")]
    InvalidReview { reason: String },
    /// No webhook receiver has this id.
    #[error("no webhook receiver with id {id}; `otcwatch webhook list` shows them")]
    UnknownWebhook { id: u64 },
    /// A webhook URL that is not an absolute http(s) URL.
    #[error("invalid webhook URL {url:?}: {reason}")]
    InvalidWebhook { url: String, reason: String },
}

/// A handle to the database; clones share it.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Trees>,
}

/// An entry of the frontier: a URL waiting to be fetched for a site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queued {
    pub site: String,
    /// The site's crawl epoch the URL was queued in.
    pub epoch: u32,
    pub url: String,
    /// Links followed from the site's seed to reach the URL.
    pub depth: u16,
    /// When the URL may be fetched, in ms since the Unix epoch.
    pub due_ms: u64,
    /// Unique among queued URLs and kept across `requeue`: the key callers use to track
    /// entries in flight (see [`Db::due_skipping`]). Opaque: it encodes where the URL is
    /// stored (see `keys.rs`).
    pub seq: u64,
}

/// The crawl state of one site, written by the crawler with [`Db::put_site`].
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
pub struct SiteState {
    pub name: String,
    /// The current crawl; URLs are deduplicated within an epoch.
    pub epoch: u32,
    pub crawl_started_ms: Option<u64>,
    pub crawl_finished_ms: Option<u64>,
    pub next_crawl_ms: Option<u64>,
    pub pages: u64,
    pub errors: u64,
    pub findings: u64,
    pub paused: bool,
    pub last_error: Option<String>,
    /// Social sources: the newest post id seen by the last finished crawl; the next crawl
    /// reads only posts above it.
    #[serde(default)]
    pub post_cursor: Option<u64>,
    /// The newest post id seen by the crawl under way; it becomes `post_cursor` when the
    /// crawl finishes.
    #[serde(default)]
    pub post_newest: Option<u64>,
}

/// What is known about one fetched URL. [`Db::commit_page`] derives the bookkeeping fields
/// (see there); the caller provides the HTTP facts.
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
pub struct UrlRecord {
    pub site: String,
    /// The last epoch in which the URL was fetched.
    pub epoch_seen: u32,
    pub depth: u16,
    pub status: Option<u16>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// blake3 hex of the last body stored; the key of [`Db::page_body`].
    pub content_hash: Option<String>,
    pub fetched_ms: Option<u64>,
    /// Consecutive failed fetches (reset by a success).
    pub failures: u32,
    /// Why the last fetch failed, if it did.
    pub failure: Option<String>,
    /// Fetches whose body differed from the previous body.
    pub changes: u32,
    pub fetches: u32,
    /// When the crawler plans to fetch it again.
    pub revisit_ms: Option<u64>,
}

/// One fetch result, committed atomically by [`Db::commit_page`].
#[derive(Clone, Debug, PartialEq)]
pub struct PageCommit {
    /// The queue entry that was fetched; it is removed.
    pub queued: Queued,
    pub record: UrlRecord,
    /// The raw body; `None` for 304, failures and skips: the previous identifier set is kept
    /// and no change is computed.
    pub body: Option<Vec<u8>>,
    pub findings: Vec<FindingRecord>,
    pub fetched_ms: u64,
    /// The URL after redirects: sightings point at it, and it is marked seen for the epoch.
    pub final_url: String,
}

/// A fetch result with the links it queues, for [`Db::commit_pages`].
#[derive(Clone, Debug, PartialEq)]
pub struct PageWork {
    pub commit: PageCommit,
    /// Links to queue for the commit's site and epoch: (canonical URL, depth).
    pub links: Vec<(String, u16)>,
    /// When the links fall due.
    pub links_due_ms: u64,
    /// The body, already stored with [`Db::store_body`] (the commit's own `body` is then
    /// `None`): the crawler stores bodies from its fetch tasks, off the committing thread.
    pub stored_body: Option<StoredBody>,
    /// Whether to log which identifiers appeared on or disappeared from the URL
    /// ([`Db::changes`]). Off for feeds and social timelines: their findings are only the new
    /// posts', so every older identifier would read as "disappeared".
    pub track_changes: bool,
}

/// A page body in the store, by its blake3 hex hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBody {
    pub hash: String,
    /// Whether this call stored it (no equal body was there before).
    pub new: bool,
}

/// A finding as stored: `extract::Finding` plus what a social post adds.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FindingRecord {
    pub kind: Kind,
    pub value: String,
    pub raw: String,
    pub otc: bool,
    pub score: f32,
    pub context: String,
    pub span: (usize, usize),
    pub validation: Option<String>,
    pub warning: Option<String>,
    /// Set when the identifier was found in a social post: the post is the sighting's place.
    pub post: Option<PostRef>,
}

/// A social post an identifier was found in.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PostRef {
    pub permalink: String,
    pub author: Option<String>,
    pub posted: Option<String>,
    pub text: String,
}

/// What a committed body changed, at the entity level, on its URL.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageChange {
    /// Identifiers on this body that were not on the URL's previous body.
    pub appeared: Vec<(Kind, String)>,
    /// Identifiers on the previous body that are gone.
    pub disappeared: Vec<(Kind, String)>,
    /// Accounts seen for the first time anywhere.
    pub new_accounts: usize,
}

/// One identifier, summed over all its sightings.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Account {
    pub kind: Kind,
    pub value: String,
    /// True if any sighting is OTC.
    pub otc: bool,
    /// The best sighting's score.
    pub score: f32,
    pub first_seen_ms: u64,
    pub last_seen_ms: u64,
    /// Distinct sightings (kind, value, site, page or post).
    pub sightings: u32,
    /// Distinct sites, sorted.
    pub sites: Vec<String>,
    /// Review status; changed by [`Db::review`], and put back to `new` by a commit that brings
    /// a dismissed account evidence from a new site.
    #[serde(default)]
    pub status: Status,
    /// Who set the status last (a person, or `otcwatch` for an automatic reopen).
    #[serde(default)]
    pub reviewer: Option<String>,
    /// When the status was set last, in ms since the Unix epoch.
    #[serde(default)]
    pub reviewed_ms: Option<u64>,
    /// The last review's note.
    #[serde(default)]
    pub note: Option<String>,
    /// Every tag any review gave, sorted and distinct.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Why the status is what it is when otcwatch set it (`new evidence on site X`); `None`
    /// after a person's review.
    #[serde(default)]
    pub status_reason: Option<String>,
}

/// One identifier on one page (or post) of one site, across re-crawls.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Sighting {
    pub kind: Kind,
    pub value: String,
    pub site: String,
    /// The page (final URL after redirects) it was found on.
    pub url: String,
    pub first_seen_ms: u64,
    pub last_seen_ms: u64,
    /// The evidence below is from the best-scoring fetch so far.
    pub raw: String,
    pub context: String,
    pub span: (usize, usize),
    pub otc: bool,
    pub score: f32,
    /// The body the evidence was found in (see [`Db::page_body`]).
    pub page_hash: Option<String>,
    pub post: Option<PostRef>,
    pub validation: Option<String>,
    pub warning: Option<String>,
}

/// An identifier appearing on or disappearing from a URL.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ChangeRecord {
    pub at_ms: u64,
    pub kind: Kind,
    pub value: String,
    pub appeared: bool,
}

/// Which accounts [`Db::accounts`] returns; every set field must match.
#[derive(Clone, Debug, Default)]
pub struct AccountFilter {
    pub kind: Option<Kind>,
    pub otc_only: bool,
    /// Seen on this site.
    pub site: Option<String>,
    pub min_score: Option<f32>,
    /// Case-insensitive substring of the value.
    pub text: Option<String>,
    /// In this review status.
    pub status: Option<Status>,
}

/// Totals for dashboards.
#[derive(Serialize, Clone, Debug, Default, PartialEq)]
pub struct Counts {
    /// Accounts per kind, every kind present.
    pub accounts: BTreeMap<Kind, u64>,
    pub accounts_total: u64,
    /// Queue entries over all sites.
    pub queued: u64,
    /// Distinct page bodies stored.
    pub pages: u64,
    /// Fetch results committed (pages, 304s, failures, skips), ever.
    pub fetches: u64,
    /// Failed or skipped fetches by kind (`timeout`, `status`, `dns`, …), ever.
    pub failures: BTreeMap<String, u64>,
}

impl From<&extract::Finding> for FindingRecord {
    fn from(finding: &extract::Finding) -> FindingRecord {
        FindingRecord {
            kind: finding.kind,
            value: finding.value.clone(),
            raw: finding.raw.clone(),
            otc: finding.otc,
            score: finding.score,
            context: finding.context.clone(),
            span: (finding.span.start, finding.span.end),
            validation: finding.validation.map(str::to_string),
            warning: finding.warning.clone(),
            post: None,
        }
    }
}

impl Db {
    /// Opens the database at `path`, creating the directory if needed.
    pub fn open(path: &Path) -> Result<Db, Error> {
        let open_error = |source: BoxError| Error::Open { path: path.to_path_buf(), source };
        std::fs::create_dir_all(path).map_err(|error| open_error(error.into()))?;
        let db = open_sled(path).map_err(|error| open_error(error.into()))?;
        let tree = |name: &str| db.open_tree(name).map_err(|error| open_error(error.into()));
        let inner = Trees {
            sites: tree("sites")?,
            queue: tree("queue")?,
            seen: tree("seen")?,
            seen_cache: seen_cache::SeenCache::default(),
            urls: tree("urls")?,
            idents: tree("idents")?,
            changes: tree("changes")?,
            bodies: bodies::Bodies::open(path, &db)?,
            accounts: tree("accounts")?,
            sightings: tree("sightings")?,
            meta: tree("meta")?,
            users: tree("users")?,
            tokens: tree("tokens")?,
            sessions: tree("sessions")?,
            links: tree("links")?,
            watch: tree("watch")?,
            audit: tree("audit")?,
            receivers: tree("receivers")?,
            outbox: tree("outbox")?,
            path: path.to_path_buf(),
            db,
        };
        Ok(Db { inner: Arc::new(inner) })
    }

    /// Makes every write before it durable. Blocks on disk IO.
    pub fn flush(&self) -> Result<(), Error> {
        self.inner.db.flush().map_err(storage("flush"))?;
        Ok(())
    }

    /// The state of site `name`, if it was ever stored.
    pub fn site(&self, name: &str) -> Result<Option<SiteState>, Error> {
        let key = name.as_bytes();
        let value = self.inner.sites.get(key).map_err(storage("read site"))?;
        value.map(|bytes| codec::decode_json("sites", key, &bytes)).transpose()
    }

    /// Stores the state of `state.name`, replacing the previous one.
    pub fn put_site(&self, state: &SiteState) -> Result<(), Error> {
        let value = codec::encode_json("site", state)?;
        self.inner.sites.insert(state.name.as_bytes(), value).map_err(storage("write site"))?;
        Ok(())
    }

    /// Every stored site, by name.
    pub fn sites(&self) -> Result<Vec<SiteState>, Error> {
        let mut sites = Vec::new();
        for item in self.inner.sites.iter() {
            let (key, value) = item.map_err(storage("scan sites"))?;
            sites.push(codec::decode_json("sites", &key, &value)?);
        }
        Ok(sites)
    }

    /// The record of a fetched URL.
    pub fn url(&self, url: &str) -> Result<Option<UrlRecord>, Error> {
        let key = keys::url(url);
        let value = self.inner.urls.get(key).map_err(storage("read url"))?;
        value.map(|bytes| codec::decode_json("urls", key, &bytes)).transpose()
    }

    /// The raw body whose blake3 hex hash is `hash`.
    pub fn page_body(&self, hash: &str) -> Result<Option<Vec<u8>>, Error> {
        self.inner.bodies.get(hash)
    }

    /// Stores a page body (compressed, once per content) and returns its hash; a commit that
    /// refers to it passes it as [`PageWork::stored_body`]. Callable from any thread.
    pub fn store_body(&self, raw: &[u8]) -> Result<StoredBody, Error> {
        let hash = blake3::hash(raw).to_hex().to_string();
        let new = self.inner.bodies.put(&hash, raw)?;
        Ok(StoredBody { hash, new })
    }
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db").field("path", &self.inner.path).finish_non_exhaustive()
    }
}

/// The open database and one tree per record type (see `keys.rs`).
struct Trees {
    db: sled::Db,
    path: PathBuf,
    sites: sled::Tree,
    queue: sled::Tree,
    seen: sled::Tree,
    /// What `seen` is known to hold, in memory (`seen_cache.rs`).
    seen_cache: seen_cache::SeenCache,
    urls: sled::Tree,
    idents: sled::Tree,
    changes: sled::Tree,
    bodies: bodies::Bodies,
    accounts: sled::Tree,
    sightings: sled::Tree,
    meta: sled::Tree,
    users: sled::Tree,
    tokens: sled::Tree,
    sessions: sled::Tree,
    links: sled::Tree,
    watch: sled::Tree,
    audit: sled::Tree,
    receivers: sled::Tree,
    outbox: sled::Tree,
}

/// How long `Db::open` waits for a lock that a just-dropped handle of this same process (or
/// one exiting) still holds: sled releases its file lock from background threads.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Opens sled, waiting out a lock that is being released.
#[expect(
    clippy::disallowed_methods,
    reason = "opening is synchronous and happens before any runtime work"
)]
fn open_sled(path: &Path) -> sled::Result<sled::Db> {
    let started = std::time::Instant::now();
    loop {
        let result = sled::Config::new()
            .path(path)
            .cache_capacity(CACHE_CAPACITY)
            .mode(sled::Mode::HighThroughput)
            .open();
        match result {
            Err(sled::Error::Io(ref error))
                if error.to_string().contains("could not acquire lock")
                    && started.elapsed() < LOCK_WAIT =>
            {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// Maps a sled error to `Error::Storage` for operation `op`.
fn storage(op: &'static str) -> impl Fn(sled::Error) -> Error {
    move |error| Error::Storage { op, source: error.into() }
}

/// The error of a failed transaction.
fn tx_error(op: &'static str) -> impl Fn(sled::transaction::TransactionError<Error>) -> Error {
    move |error| match error {
        sled::transaction::TransactionError::Abort(error) => error,
        sled::transaction::TransactionError::Storage(error) => {
            Error::Storage { op, source: error.into() }
        }
    }
}

/// Turns one of our errors into a transaction abort, so `?` works inside transactions.
fn abort(error: Error) -> sled::transaction::ConflictableTransactionError<Error> {
    sled::transaction::ConflictableTransactionError::Abort(error)
}
