//! Key layouts, one function per tree: every byte of every key is built here.
//!
//! Integers are big-endian so that byte order is numeric order and a prefix scan yields records
//! in the order the callers need (due time, then insertion order). Variable-length parts are
//! separated by a `0x00` byte, so site names, URLs and identifier values must not contain NUL;
//! [`check`] refuses them before any key is built (canonical URLs percent-encode it and
//! normalised identifiers never hold it).
//!
//! | tree        | key                                                   | value (see `codec.rs`)            |
//! | ----------- | ----------------------------------------------------- | --------------------------------- |
//! | `sites`     | site name                                             | `SiteState` (JSON)                |
//! | `queue`     | site `00` due_ms:u64 batch:u64                        | up to 32 URLs (compact)           |
//! | `seen`      | 18-bit bucket of blake3(site `00` URL), 3 bytes       | fingerprint → last epoch (compact) |
//! | `urls`      | URL                                                   | `UrlRecord` (JSON)                |
//! | `idents`    | URL                                                   | (kind, value) set of the last body |
//! | `changes`   | URL `00` at_ms:u64 commit:u64 idx:u32                 | `ChangeRecord` (JSON)             |
//! | `accounts`  | kind code:u8, value                                   | `Account` (JSON)                  |
//! | `sightings` | kind code:u8, value `00` site `00` URL-or-permalink   | `Sighting` (JSON)                 |
//! | `meta`      | `qlen` `00` site / `pages` / `accounts` `00` code:u8  | counter (compact u64)             |
//! | `meta`      | `fetches` / `failures` `00` kind                      | counter (compact u64)             |
//! | `users`     | user name                                             | user with argon2id hash (JSON)    |
//! | `tokens`    | token id (12 hex digits)                              | token with SHA-256 of it (JSON)   |
//! | `sessions`  | SHA-256 hex of the session id                         | `Session` (JSON)                  |
//! | `meta`      | `cursor` / `receiver_seq`                             | counter (compact u64)             |
//! | `meta`      | `receivers`                                           | receiver ids (JSON)               |
//! | `links`     | code:u8 value `00` code:u8 other value `00` place     | empty (version byte)              |
//! | `watch`     | cursor:u64                                            | `AuditRecord` (JSON)              |
//! | `audit`     | code:u8 value `00` cursor:u64                         | empty (version byte)              |
//! | `receivers` | id:u64                                                | `Receiver` (JSON)                 |
//! | `outbox`    | receiver id:u64 cursor:u64                            | `OutboxEntry` (JSON)              |
//!
//! The review model: every review (and every automatic reopen) gets the next `cursor`, and is
//! stored once, in `watch`; `audit` indexes it by account. `links` holds one key per pair of
//! identifiers per place they appeared together (both directions), so a pair's place count is
//! a prefix scan and re-crawls are idempotent. The outbox is ordered by receiver, then cursor:
//! each receiver's changes go out in order, and only its first entry's retry time matters.
//!
//! Page bodies are not in sled: they are appended to segment files under `<db>/bodies/`, and
//! the `body_index` tree maps a body's blake3 (32 bytes) to its segment, offset and length
//! (see `bodies.rs`).
//!
//! Why the frontier packs URLs: sled keeps a few hundred bytes of bookkeeping in memory for
//! every tree page (a page holds at most 16 entries), paged out or not, so one entry per URL
//! would make RSS grow by about 50 bytes per queued URL whatever the cache size. Instead:
//! - the queue stores the links of one `enqueue_many` call together, up to `BATCH_MAX` per
//!   entry, keyed by (site, due time, batch id); a URL's `Queued::seq` is
//!   `batch << 16 | idx`, its position in the batch, which stays put when others leave;
//! - the dedup index (`seen`) hashes (site, URL) with blake3 into one of 2^18 buckets (the
//!   first 18 bits) and keeps, sorted in the bucket's value, a 64-bit fingerprint (the next
//!   8 bytes) and the last epoch, 12 bytes per URL. At 5 million URLs a bucket holds about 19
//!   (230 bytes); a false duplicate needs two URLs of a site with equal 82-bit hashes, which
//!   becomes likely only around 2^41 URLs.
//!
//! `urls` (one entry per *fetched* URL) is keyed by the URL itself so it stays readable and
//! scannable.

use super::Error;
use crate::extract::Kind;

/// Separates the variable-length parts of a key.
const SEP: u8 = 0;

/// Refuses a key part that would break the layout (it contains the separator).
pub(crate) fn check(what: &'static str, value: &str) -> Result<(), Error> {
    if value.as_bytes().contains(&SEP) {
        return Err(Error::InvalidKey { what, value: value.escape_debug().to_string() });
    }
    Ok(())
}

/// The stable one-byte code of a kind in keys. Codes never change once written: a new kind gets
/// a new code, whatever its place in the enum.
pub(crate) fn kind_code(kind: Kind) -> u8 {
    match kind {
        Kind::Alipay => 1,
        Kind::Wechat => 2,
        Kind::Qq => 3,
        Kind::Phone => 4,
        Kind::Email => 5,
        Kind::BankCard => 6,
        Kind::Btc => 7,
        Kind::Eth => 8,
        Kind::Tron => 9,
        Kind::Telegram => 10,
    }
}

/// The kind of a stable code (see [`kind_code`]); `None` for a code no kind has.
pub(crate) fn kind_from_code(code: u8) -> Option<Kind> {
    Kind::ALL.into_iter().find(|kind| kind_code(*kind) == code)
}

/// `queue`: every entry of `site`, in due order.
pub(crate) fn queue_prefix(site: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(site.len() + 17);
    key.extend_from_slice(site.as_bytes());
    key.push(SEP);
    key
}

/// The most URLs one queue entry holds: large enough to pack a page's links into a few
/// entries, small enough that removing one URL (a rewrite of its entry) stays cheap.
pub(crate) const BATCH_MAX: usize = 32;

/// `queue`: one entry.
pub(crate) fn queue(site: &str, due_ms: u64, batch: u64) -> Vec<u8> {
    let mut key = queue_prefix(site);
    key.extend_from_slice(&due_ms.to_be_bytes());
    key.extend_from_slice(&batch.to_be_bytes());
    key
}

/// `queue`: the (due_ms, batch) of a key that starts with `queue_prefix(site)` of `prefix_len`.
pub(crate) fn parse_queue(key: &[u8], prefix_len: usize) -> Option<(u64, u64)> {
    let rest = key.get(prefix_len..)?;
    let due: [u8; 8] = rest.get(..8)?.try_into().ok()?;
    let batch: [u8; 8] = rest.get(8..16)?.try_into().ok()?;
    (rest.len() == 16).then(|| (u64::from_be_bytes(due), u64::from_be_bytes(batch)))
}

/// The `Queued::seq` of item `idx` of batch `batch`.
pub(crate) fn seq(batch: u64, idx: u16) -> u64 {
    batch << 16 | u64::from(idx)
}

/// The (batch, idx) of a `Queued::seq`.
pub(crate) fn split_seq(seq: u64) -> (u64, u16) {
    (seq >> 16, seq as u16)
}

/// `seen`: the bucket key and the fingerprint of `url` within `site`.
pub(crate) fn seen(site: &str, url: &str) -> ([u8; 3], u64) {
    let mut hasher = blake3::Hasher::new();
    hasher.update(site.as_bytes());
    hasher.update(&[SEP]);
    hasher.update(url.as_bytes());
    let hash = hasher.finalize();
    let bytes = hash.as_bytes();
    let bucket = [bytes[0], bytes[1], bytes[2] & 0b1100_0000];
    let mut fingerprint = [0; 8];
    fingerprint.copy_from_slice(&bytes[3..11]);
    (bucket, u64::from_be_bytes(fingerprint))
}

/// `urls` and `idents`: the URL itself.
pub(crate) fn url(url: &str) -> &[u8] {
    url.as_bytes()
}

/// `changes`: every change of `url`, oldest first.
pub(crate) fn changes_prefix(url: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(url.len() + 21);
    key.extend_from_slice(url.as_bytes());
    key.push(SEP);
    key
}

/// `changes`: change `idx` of commit `commit` at `at_ms`.
pub(crate) fn change(url: &str, at_ms: u64, commit: u64, idx: u32) -> Vec<u8> {
    let mut key = changes_prefix(url);
    key.extend_from_slice(&at_ms.to_be_bytes());
    key.extend_from_slice(&commit.to_be_bytes());
    key.extend_from_slice(&idx.to_be_bytes());
    key
}

/// `accounts`: every account of `kind`.
pub(crate) fn accounts_prefix(kind: Kind) -> [u8; 1] {
    [kind_code(kind)]
}

/// `accounts`: one account.
pub(crate) fn account(kind: Kind, value: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(value.len() + 1);
    key.push(kind_code(kind));
    key.extend_from_slice(value.as_bytes());
    key
}

/// `sightings`: every sighting of one account.
pub(crate) fn sightings_prefix(kind: Kind, value: &str) -> Vec<u8> {
    let mut key = account(kind, value);
    key.push(SEP);
    key
}

/// `sightings`: the sighting of an account on `site` at `place` (page URL or post permalink).
pub(crate) fn sighting(kind: Kind, value: &str, site: &str, place: &str) -> Vec<u8> {
    let mut key = sightings_prefix(kind, value);
    key.extend_from_slice(site.as_bytes());
    key.push(SEP);
    key.extend_from_slice(place.as_bytes());
    key
}

/// `meta`: the queue length counters of every site.
pub(crate) const QLEN_PREFIX: &[u8] = b"qlen\0";

/// `meta`: the queue length counter of `site`.
pub(crate) fn qlen(site: &str) -> Vec<u8> {
    let mut key = QLEN_PREFIX.to_vec();
    key.extend_from_slice(site.as_bytes());
    key
}

/// `meta`: how many distinct bodies are stored.
pub(crate) const PAGES: &[u8] = b"pages";

/// `meta`: how many fetch results were committed.
pub(crate) const FETCHES: &[u8] = b"fetches";

/// `meta`: the failed-fetch counters of every kind of failure.
pub(crate) const FAILURES_PREFIX: &[u8] = b"failures\0";

/// `meta`: how many fetches failed with `kind` (a snake_case label, see `commit.rs`).
pub(crate) fn failures(kind: &str) -> Vec<u8> {
    let mut key = FAILURES_PREFIX.to_vec();
    key.extend_from_slice(kind.as_bytes());
    key
}

/// `meta`: how many accounts of `kind` exist.
pub(crate) fn account_count(kind: Kind) -> [u8; 10] {
    let mut key = *b"accounts\0\0";
    key[9] = kind_code(kind);
    key
}

/// `meta`: the last watchlist cursor handed out.
pub(crate) const CURSOR: &[u8] = b"cursor";

/// `meta`: the last webhook receiver id handed out.
pub(crate) const RECEIVER_SEQ: &[u8] = b"receiver_seq";

/// `meta`: the ids of every webhook receiver (JSON), read inside the transactions that
/// enqueue deliveries (a transaction cannot scan a tree).
pub(crate) const RECEIVERS: &[u8] = b"receivers";

/// `links` and `audit`: everything of one account.
pub(crate) fn account_prefix(kind: Kind, value: &str) -> Vec<u8> {
    let mut key = account(kind, value);
    key.push(SEP);
    key
}

/// `links`: `(kind, value)` and `(other_kind, other)` appeared together at `place`.
pub(crate) fn link(kind: Kind, value: &str, other_kind: Kind, other: &str, place: &str) -> Vec<u8> {
    let mut key = account_prefix(kind, value);
    key.push(kind_code(other_kind));
    key.extend_from_slice(other.as_bytes());
    key.push(SEP);
    key.extend_from_slice(place.as_bytes());
    key
}

/// `links`: the (other kind, other value, place) of a key that starts with an
/// `account_prefix` of `prefix_len`.
pub(crate) fn parse_link(key: &[u8], prefix_len: usize) -> Option<(Kind, &str, &str)> {
    let (&code, rest) = key.get(prefix_len..)?.split_first()?;
    let sep = rest.iter().position(|&b| b == SEP)?;
    let other = std::str::from_utf8(&rest[..sep]).ok()?;
    let place = std::str::from_utf8(&rest[sep + 1..]).ok()?;
    Some((kind_from_code(code)?, other, place))
}

/// `watch`: one change.
pub(crate) fn watch(cursor: u64) -> [u8; 8] {
    cursor.to_be_bytes()
}

/// `watch` and `outbox`: the cursor in the last 8 bytes of a key.
pub(crate) fn parse_cursor(key: &[u8]) -> Option<u64> {
    let tail = key.len().checked_sub(8).and_then(|start| key.get(start..))?;
    Some(u64::from_be_bytes(tail.try_into().ok()?))
}

/// `audit`: the change `cursor` of an account.
pub(crate) fn audit(kind: Kind, value: &str, cursor: u64) -> Vec<u8> {
    let mut key = account_prefix(kind, value);
    key.extend_from_slice(&cursor.to_be_bytes());
    key
}

/// `receivers`: one receiver; `outbox`: every entry of a receiver.
pub(crate) fn receiver(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

/// `outbox`: the delivery of change `cursor` to receiver `receiver`.
pub(crate) fn outbox(receiver: u64, cursor: u64) -> [u8; 16] {
    let mut key = [0; 16];
    key[..8].copy_from_slice(&receiver.to_be_bytes());
    key[8..].copy_from_slice(&cursor.to_be_bytes());
    key
}
