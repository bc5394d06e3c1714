//! The review model: an account's status, the append-only audit trail, and the watchlist
//! change feed with its cursor.
//!
//! Every review, and every automatic reopen of a dismissed account (see `commit.rs`), is one
//! [`AuditRecord`]. It gets the next cursor from a counter in `meta`, allocated in the same
//! transaction that changes the account, so cursors are dense (1, 2, 3, …) and their order is
//! commit order. The record is stored once, in `watch` under its cursor (the feed), and
//! indexed by account in `audit`; the same transaction puts one outbox entry per webhook
//! receiver (see `outbox.rs`). Nothing here deletes: an account's history only grows.
//!
//! Why a poller never misses or repeats a change: sled runs every transaction under one
//! global write lock, and a plain read waits for a running transaction to finish. So when
//! [`Db::watchlist_changes`] reads the cursor counter and sees `n`, every change up to `n` is
//! already fully written; it returns changes up to `n` only, in cursor order.

use super::frontier::{TxResult, add_count};
use super::{Account, Db, Error, abort, codec, keys, outbox, storage, tx_error};
use crate::extract::Kind;
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::TransactionalTree;
use std::fmt;

/// Where a reviewer put an account.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not reviewed yet, or reopened by new evidence.
    #[default]
    New,
    /// A real OTC payment account.
    Confirmed,
    /// A false positive; it stays dismissed unless it turns up on a new site.
    Dismissed,
    /// Confirmed and fed to other systems.
    Watchlisted,
}

impl Status {
    /// Every status, in workflow order.
    pub const ALL: [Status; 4] =
        [Status::New, Status::Confirmed, Status::Dismissed, Status::Watchlisted];

    /// The name used in storage, the CLI and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Confirmed => "confirmed",
            Status::Dismissed => "dismissed",
            Status::Watchlisted => "watchlisted",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A status name that is not one of [`Status::ALL`]; its message lists the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status '{0}': expected one of new, confirmed, dismissed, watchlisted")]
pub struct UnknownStatus(pub String);

impl std::str::FromStr for Status {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Status, UnknownStatus> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

/// One reviewer decision, applied by [`Db::review`] or [`Db::review_many`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    pub status: Status,
    /// Who decided: a user name. Must not be empty.
    pub reviewer: String,
    /// Replaces the account's note when set.
    pub note: Option<String>,
    /// Added to the account's tags (which stay sorted and distinct); tags are never removed.
    pub tags: Vec<String>,
}

/// One entry of an account's audit trail, which is also one entry of the watchlist feed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the watchlist feed: dense, starting at 1, in commit order.
    pub cursor: u64,
    pub kind: Kind,
    pub value: String,
    /// The status before this change.
    pub before: Status,
    /// The status after it (equal to `before` for a review that only adds a note or tags).
    pub after: Status,
    /// A user name, or `otcwatch` for an automatic reopen.
    pub reviewer: String,
    pub note: Option<String>,
    /// The tags this review added (not the account's whole set).
    pub tags: Vec<String>,
    /// Why otcwatch made the change (`new evidence on site X`); `None` for a person's review.
    pub reason: Option<String>,
    /// When, in ms since the Unix epoch.
    pub at_ms: u64,
}

/// A watchlist change is an audit record: every status change (and every review) of every
/// account, in cursor order. Pollers pass the last cursor they saw to
/// [`Db::watchlist_changes`]; webhooks receive the same records.
pub type WatchlistChange = AuditRecord;

/// The reviewer name of changes otcwatch makes itself.
pub const SYSTEM_REVIEWER: &str = "otcwatch";

/// Longest tag, in characters.
const MAX_TAG_CHARS: usize = 64;
/// Longest reviewer name, in characters.
const MAX_REVIEWER_CHARS: usize = 128;
/// Longest note, in characters.
const MAX_NOTE_CHARS: usize = 8192;

impl Db {
    /// Applies `review` to the account `kind:value` at `at_ms`, in one transaction: updates the
    /// account, appends its audit record and watchlist change (with the next cursor), and
    /// queues the change for every webhook receiver. Returns the record once it is durable.
    ///
    /// [`Error::UnknownAccount`] if the account was never seen, [`Error::InvalidReview`] if
    /// the review is malformed; in both cases nothing is written.
    pub fn review(
        &self,
        kind: Kind,
        value: &str,
        review: &Review,
        at_ms: u64,
    ) -> Result<AuditRecord, Error> {
        let mut records = self.review_many(&[(kind, value.to_string())], review, at_ms)?;
        records.pop().ok_or(Error::UnknownAccount { kind, value: value.to_string() })
    }

    /// Applies `review` to every account of `targets`, all or nothing: one transaction, one
    /// audit record per target (in the order given; a target listed twice gets two).
    /// If any target is unknown, nothing is written and the error names the first one.
    pub fn review_many(
        &self,
        targets: &[(Kind, String)],
        review: &Review,
        at_ms: u64,
    ) -> Result<Vec<AuditRecord>, Error> {
        let review = validate(review)?;
        for (_, value) in targets {
            keys::check("identifier value", value)?;
        }
        let inner = &self.inner;
        let trees = [&inner.accounts, &inner.meta, &inner.watch, &inner.audit, &inner.outbox];
        let records = trees
            .transaction(|tx| {
                let changes =
                    ChangeTx { meta: &tx[1], watch: &tx[2], audit: &tx[3], outbox: &tx[4] };
                let mut records = Vec::with_capacity(targets.len());
                for (kind, value) in targets {
                    records.push(apply(&tx[0], &changes, *kind, value, &review, at_ms)?);
                }
                Ok(records)
            })
            .map_err(tx_error("review"))?;
        // A review is a person's decision: it is on disk before anyone is told it was made.
        self.flush()?;
        Ok(records)
    }

    /// The audit trail of an account, oldest first (empty for an account never reviewed).
    pub fn audit(&self, kind: Kind, value: &str) -> Result<Vec<AuditRecord>, Error> {
        keys::check("identifier value", value)?;
        let mut out = Vec::new();
        for item in self.inner.audit.scan_prefix(keys::account_prefix(kind, value)) {
            let (key, _) = item.map_err(storage("scan audit"))?;
            let cursor = keys::parse_cursor(&key).ok_or_else(|| Error::Decode {
                tree: "audit",
                key: String::from_utf8_lossy(&key).escape_debug().to_string(),
                reason: "key does not end with a cursor".to_string(),
            })?;
            if let Some(record) = self.change(cursor)? {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// The watchlist change at `cursor`, if there is one.
    pub fn change(&self, cursor: u64) -> Result<Option<WatchlistChange>, Error> {
        let key = keys::watch(cursor);
        let bytes = self.inner.watch.get(key).map_err(storage("read change"))?;
        bytes.map(|bytes| codec::decode_json("watch", &key, &bytes)).transpose()
    }

    /// The last cursor handed out (0 before the first change).
    pub fn watchlist_cursor(&self) -> Result<u64, Error> {
        let bytes = self.inner.meta.get(keys::CURSOR).map_err(storage("read cursor"))?;
        codec::decode_count(keys::CURSOR, bytes.as_deref())
    }

    /// Up to `limit` watchlist changes after cursor `since`, oldest first, and the cursor to
    /// pass next time (the last one returned, or `since` when there is nothing new).
    ///
    /// Start with `since = 0`. A poller that always passes back the cursor it got sees every
    /// change exactly once, in order, even while reviews are being committed concurrently
    /// (see the module docs), and every change returned is durable (the store is flushed
    /// before returning). A `since` beyond the last cursor returns nothing.
    pub fn watchlist_changes(
        &self,
        since: u64,
        limit: usize,
    ) -> Result<(Vec<WatchlistChange>, u64), Error> {
        // Read the high-water mark first: every change up to it is completely written.
        let last = self.watchlist_cursor()?;
        let mut out = Vec::new();
        if since >= last || limit == 0 {
            return Ok((out, since));
        }
        let range = keys::watch(since + 1)..=keys::watch(last);
        for item in self.inner.watch.range(range).take(limit) {
            let (key, bytes) = item.map_err(storage("scan watchlist"))?;
            out.push(codec::decode_json::<WatchlistChange>("watch", &key, &bytes)?);
        }
        // Only durable changes leave: a change the crawler committed moments ago (a reopened
        // account) is flushed before a poller sees its cursor, so a crash cannot hand the
        // same cursor to another change later.
        if !out.is_empty() {
            self.flush()?;
        }
        let next = out.last().map_or(since, |change| change.cursor);
        Ok((out, next))
    }
}

/// The trees a change is written to, inside a transaction.
pub(super) struct ChangeTx<'a> {
    pub(super) meta: &'a TransactionalTree,
    pub(super) watch: &'a TransactionalTree,
    pub(super) audit: &'a TransactionalTree,
    pub(super) outbox: &'a TransactionalTree,
}

impl ChangeTx<'_> {
    /// Gives `record` the next cursor, stores it in the feed and the account's audit trail,
    /// and queues it for every webhook receiver. Returns it with its cursor.
    pub(super) fn append(&self, mut record: AuditRecord) -> TxResult<AuditRecord> {
        record.cursor = add_count(self.meta, keys::CURSOR, 1)?;
        let value = codec::encode_json("watchlist change", &record).map_err(abort)?;
        self.watch.insert(&keys::watch(record.cursor), value)?;
        let audit_key = keys::audit(record.kind, &record.value, record.cursor);
        self.audit.insert(audit_key, &codec::encode_marker())?;
        outbox::enqueue(self.meta, self.outbox, record.cursor, record.at_ms)?;
        Ok(record)
    }
}

/// Reopens a dismissed account that turned up on `site`, where it was not seen before;
/// returns the audit record to append (its cursor is set by [`ChangeTx::append`]).
pub(super) fn reopen(account: &mut Account, site: &str, at_ms: u64) -> AuditRecord {
    let reason = format!("new evidence on site {site}");
    let record = AuditRecord {
        cursor: 0,
        kind: account.kind,
        value: account.value.clone(),
        before: account.status,
        after: Status::New,
        reviewer: SYSTEM_REVIEWER.to_string(),
        note: None,
        tags: Vec::new(),
        reason: Some(reason.clone()),
        at_ms,
    };
    account.status = Status::New;
    account.reviewer = Some(SYSTEM_REVIEWER.to_string());
    account.reviewed_ms = Some(at_ms);
    account.status_reason = Some(reason);
    record
}

/// Applies one review to one account inside the transaction.
fn apply(
    accounts: &TransactionalTree,
    changes: &ChangeTx<'_>,
    kind: Kind,
    value: &str,
    review: &Review,
    at_ms: u64,
) -> TxResult<AuditRecord> {
    let key = keys::account(kind, value);
    let Some(bytes) = accounts.get(&key)? else {
        return Err(abort(Error::UnknownAccount { kind, value: value.to_string() }));
    };
    let mut account: Account = codec::decode_json("accounts", &key, &bytes).map_err(abort)?;
    let record = AuditRecord {
        cursor: 0,
        kind,
        value: value.to_string(),
        before: account.status,
        after: review.status,
        reviewer: review.reviewer.clone(),
        note: review.note.clone(),
        tags: review.tags.clone(),
        reason: None,
        at_ms,
    };
    account.status = review.status;
    account.reviewer = Some(review.reviewer.clone());
    account.reviewed_ms = Some(at_ms);
    account.status_reason = None;
    if review.note.is_some() {
        account.note = review.note.clone();
    }
    for tag in &review.tags {
        if let Err(idx) = account.tags.binary_search(tag) {
            account.tags.insert(idx, tag.clone());
        }
    }
    accounts.insert(key, codec::encode_json("account", &account).map_err(abort)?)?;
    changes.append(record)
}

/// The review as it will be stored (reviewer and tags trimmed, tags distinct), or why it
/// cannot be.
fn validate(review: &Review) -> Result<Review, Error> {
    let invalid = |reason: String| Error::InvalidReview { reason };
    let reviewer = review.reviewer.trim();
    if reviewer.is_empty() {
        return Err(invalid("the reviewer name is empty".to_string()));
    }
    if reviewer.chars().count() > MAX_REVIEWER_CHARS || reviewer.chars().any(char::is_control) {
        return Err(invalid(format!(
            "reviewer {reviewer:?} must be at most {MAX_REVIEWER_CHARS} characters, without control characters"
        )));
    }
    if let Some(note) = &review.note
        && (note.chars().count() > MAX_NOTE_CHARS
            || note.chars().any(|c| c.is_control() && c != '\n' && c != '\t'))
    {
        return Err(invalid(format!(
            "the note must be at most {MAX_NOTE_CHARS} characters, without control characters other than newlines and tabs"
        )));
    }
    let mut tags: Vec<String> = Vec::with_capacity(review.tags.len());
    for tag in &review.tags {
        let tag = tag.trim();
        if tag.is_empty()
            || tag.chars().count() > MAX_TAG_CHARS
            || tag.chars().any(char::is_control)
        {
            return Err(invalid(format!(
                "tag {tag:?} must be 1 to {MAX_TAG_CHARS} characters, without control characters"
            )));
        }
        if !tags.iter().any(|seen| seen == tag) {
            tags.push(tag.to_string());
        }
    }
    Ok(Review {
        status: review.status,
        reviewer: reviewer.to_string(),
        note: review.note.clone(),
        tags,
    })
}
