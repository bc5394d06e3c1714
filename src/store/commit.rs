//! Committing one fetch result: the queue entry, the URL record, the body, the findings as
//! sightings and accounts, and the URL's entity-level change, all in one transaction.
//!
//! A sighting is identified by (kind, value, site, page-or-permalink): re-crawling the same
//! page updates its `last_seen_ms` (and its evidence when the score is better), never adds a
//! new one. Accounts are maintained incrementally from their sightings. Bodies are stored once
//! per blake3 hash and never deleted (no garbage collection yet).
//!
//! The same transaction links the identifiers of each place with each other (`links.rs`) and
//! reopens a dismissed account that turns up on a site it was not seen on before: its status
//! goes back to `new` with the reason, and the change gets an audit record, a watchlist cursor
//! and its webhook deliveries (`review.rs`), like a reviewer's.

use super::frontier::{Link, TxResult, add_count, enqueue_tx, mark_seen, take};
use super::links::{self, AtPlace};
use super::review::{self, ChangeTx, Status};
use super::seen_cache::SeenId;
use super::{
    Account, ChangeRecord, Db, Error, FindingRecord, PageChange, PageCommit, PageWork, Sighting,
    UrlRecord, abort, codec, keys, tx_error,
};
use crate::extract::Kind;
use sled::Transactional;
use sled::transaction::TransactionalTree;
use std::collections::{BTreeMap, BTreeSet};

/// The identifiers last seen on a URL's body.
type IdentSet = BTreeSet<(Kind, String)>;

/// The trees `commit_page` writes, by position in its transaction.
const QUEUE: usize = 0;
const SEEN: usize = 1;
const URLS: usize = 2;
const IDENTS: usize = 3;
const CHANGES: usize = 4;
const ACCOUNTS: usize = 5;
const SIGHTINGS: usize = 6;
const META: usize = 7;
const LINKS: usize = 8;
const WATCH: usize = 9;
const AUDIT: usize = 10;
const OUTBOX: usize = 11;

impl Db {
    /// Commits one fetch result atomically and returns what it changed on the URL.
    ///
    /// Removes the queue entry, marks the final URL seen for the entry's epoch, stores the body
    /// (lz4, keyed by the blake3 hash of the raw bytes, stored once), records every finding as
    /// a sighting of its account, and, when there is a body, compares the set of (kind, value)
    /// on it with the URL's previous body and appends the difference to [`Db::changes`].
    ///
    /// The URL record is `commit.record` with these fields derived by the store: `site`,
    /// `epoch_seen`, `depth`, `fetched_ms`, `fetches` (+1), `failures` (consecutive: +1 when
    /// `record.failure` is set, else 0), `changes` (+1 when the body hash differs from the
    /// previous one), and, without a body, `content_hash`, `etag` and `last_modified` fall
    /// back to the previous record's when the caller leaves them `None`.
    pub fn commit_page(&self, commit: PageCommit) -> Result<PageChange, Error> {
        let page = PageWork {
            commit,
            links: Vec::new(),
            links_due_ms: 0,
            stored_body: None,
            track_changes: true,
        };
        let mut changes = self.commit_pages(vec![page])?;
        Ok(changes.pop().unwrap_or_default())
    }

    /// Commits several fetch results, each with the links it queues, in one transaction, and
    /// returns what each changed, in order.
    ///
    /// Each page is committed as by [`Db::commit_page`], then its links are queued as by
    /// [`Db::enqueue_many`] (for the page's site and epoch, due at `links_due_ms`). One
    /// transaction for many pages is what makes the crawler's write path cheap: counters,
    /// dedup buckets and accounts touched by several pages are written once.
    pub fn commit_pages(&self, pages: Vec<PageWork>) -> Result<Vec<PageChange>, Error> {
        let mut prepared = Vec::with_capacity(pages.len());
        for page in pages {
            prepared.push(self.prepare(page)?);
        }
        let trees = [
            &self.inner.queue,
            &self.inner.seen,
            &self.inner.urls,
            &self.inner.idents,
            &self.inner.changes,
            &self.inner.accounts,
            &self.inner.sightings,
            &self.inner.meta,
            &self.inner.links,
            &self.inner.watch,
            &self.inner.audit,
            &self.inner.outbox,
        ];
        let changes = trees
            .transaction(|tx| {
                let mut changes = Vec::with_capacity(prepared.len());
                for page in &prepared {
                    changes.push(commit_one(tx, page)?);
                    let queued = &page.work.commit.queued;
                    enqueue_tx(
                        (&tx[SEEN], &tx[QUEUE], &tx[META]),
                        &queued.site,
                        queued.epoch,
                        &page.unseen,
                        page.work.links_due_ms,
                    )?;
                }
                Ok(changes)
            })
            .map_err(tx_error("commit page"))?;
        for page in &prepared {
            let ids = page.unseen.iter().map(|link| link.id).chain(page.mark.iter().copied());
            self.inner.seen_cache.insert(ids, page.work.commit.queued.epoch);
        }
        Ok(changes)
    }

    /// Checks a page's keys, writes its body file and picks its findings, outside the
    /// transaction.
    fn prepare(&self, mut work: PageWork) -> Result<Prepared, Error> {
        // Taken out so that the raw body is not kept beside its compressed copy.
        let raw_body = work.commit.body.take();
        let commit = &work.commit;
        keys::check("site", &commit.queued.site)?;
        keys::check("url", &commit.queued.url)?;
        keys::check("url", &commit.final_url)?;
        for (url, _) in &work.links {
            keys::check("url", url)?;
        }
        let findings = best_per_place(commit)?;
        // The body file is written before the transaction that refers to it (see bodies.rs).
        let body = match (raw_body.as_deref(), work.stored_body.take()) {
            (_, Some(stored)) => Some((stored.hash, stored.new)),
            (Some(raw), None) => {
                let stored = self.store_body(raw)?;
                Some((stored.hash, stored.new))
            }
            (None, None) => None,
        };
        let commit_id = self.inner.db.generate_id().map_err(super::storage("generate id"))?;
        // What the transaction must ask the `seen` tree about: the rest is known seen.
        let queued = &commit.queued;
        let links: Vec<(&str, u16)> =
            work.links.iter().map(|(url, depth)| (url.as_str(), *depth)).collect();
        let unseen = self
            .unseen_links(&queued.site, queued.epoch, &links)
            .into_iter()
            .map(|link| Link { url: link.url.to_owned(), depth: link.depth, id: link.id })
            .collect();
        let mut mark = vec![SeenId::new(&queued.site, &queued.url)];
        if commit.final_url != queued.url {
            mark.push(SeenId::new(&queued.site, &commit.final_url));
        }
        self.inner.seen_cache.retain_unknown(&mut mark, |id| *id, queued.epoch);
        Ok(Prepared { work, findings, body, commit_id, unseen, mark })
    }
}

/// A page ready for the transaction.
struct Prepared {
    work: PageWork,
    /// The best finding per (place, kind, value), as its index in `commit.findings`.
    findings: BTreeMap<(String, Kind, String), usize>,
    /// The body's hash and whether this commit stored it first.
    body: Option<(String, bool)>,
    commit_id: u64,
    /// The page's links that the seen cache does not know as seen.
    unseen: Vec<Link<String>>,
    /// The URL fetched and the one it ended at, unless the cache knows them as seen.
    mark: Vec<SeenId>,
}

/// One page's part of a commit transaction.
fn commit_one(tx: &[TransactionalTree], page: &Prepared) -> TxResult<PageChange> {
    let Prepared { work, findings, body, commit_id, mark, .. } = page;
    let commit = &work.commit;
    let queued = &commit.queued;
    take(&tx[QUEUE], &tx[META], queued)?;
    for id in mark {
        mark_seen(&tx[SEEN], *id, queued.epoch)?;
    }
    if body.as_ref().is_some_and(|(_, new)| *new) {
        add_count(&tx[META], keys::PAGES, 1)?;
    }
    add_count(&tx[META], keys::FETCHES, 1)?;
    if let Some(failure) = &commit.record.failure {
        add_count(&tx[META], &keys::failures(&failure_kind(failure)), 1)?;
    }
    let page_hash = body.as_ref().map(|(hash, _)| hash.as_str());
    let mut change = match page_hash {
        Some(_) if work.track_changes => diff_idents(tx, commit, *commit_id)?,
        Some(_) => PageChange::default(),
        None => PageChange::default(),
    };
    let appeared: BTreeSet<(Kind, &str)> =
        change.appeared.iter().map(|(kind, value)| (*kind, value.as_str())).collect();
    let mut at_place: Vec<AtPlace<'_>> = Vec::new();
    let mut places = findings.iter().peekable();
    while let Some(((place, _, _), &idx)) = places.next() {
        let finding = &commit.findings[idx];
        let sighting = Found { commit, place, finding, page_hash };
        let recorded = record_sighting(tx, &sighting)?;
        change.new_accounts += recorded.new_account as usize;
        at_place.push(AtPlace {
            kind: finding.kind,
            value: &finding.value,
            score: finding.score,
            fresh: recorded.new_sighting
                || appeared.contains(&(finding.kind, finding.value.as_str())),
        });
        if places.peek().is_none_or(|((next, _, _), _)| next != place) {
            links::write(&tx[LINKS], place, std::mem::take(&mut at_place))?;
        }
    }
    let previous = read_url(&tx[URLS], &queued.url)?;
    let record = url_record(commit, previous, page_hash);
    let value = codec::encode_json("url record", &record).map_err(abort)?;
    tx[URLS].insert(keys::url(&queued.url), value)?;
    Ok(change)
}

/// The kind of a failure for the counters: the leading word of the crawler's message
/// (`Timeout: …`, `TooManyRedirects: …`, `NotDocument { … }`) in snake_case, at most 32
/// characters; `other` when there is none.
fn failure_kind(failure: &str) -> String {
    let word: String = failure.chars().take_while(char::is_ascii_alphanumeric).take(32).collect();
    if word.is_empty() {
        return "other".to_string();
    }
    let mut out = String::with_capacity(word.len() + 4);
    for (idx, c) in word.chars().enumerate() {
        if c.is_ascii_uppercase() && idx > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// One finding being recorded: where, what, and the body it came from.
struct Found<'a> {
    commit: &'a PageCommit,
    /// The page URL or the post permalink: the last part of the sighting's identity.
    place: &'a str,
    finding: &'a FindingRecord,
    page_hash: Option<&'a str>,
}

/// The findings of a commit by sighting identity, keeping the best-scoring one of each.
/// Each finding is named by its index in `commit.findings`.
fn best_per_place(commit: &PageCommit) -> Result<BTreeMap<(String, Kind, String), usize>, Error> {
    let mut best: BTreeMap<(String, Kind, String), usize> = BTreeMap::new();
    for (idx, finding) in commit.findings.iter().enumerate() {
        keys::check("identifier value", &finding.value)?;
        let place = finding.post.as_ref().map_or(&commit.final_url, |post| &post.permalink);
        keys::check("url", place)?;
        let key = (place.clone(), finding.kind, finding.value.clone());
        match best.get(&key) {
            Some(&seen) if commit.findings[seen].score >= finding.score => {}
            _ => {
                best.insert(key, idx);
            }
        }
    }
    Ok(best)
}

/// What recording one sighting created.
struct Recorded {
    new_account: bool,
    new_sighting: bool,
}

/// Adds or refreshes a sighting and its account, reopening a dismissed account seen on a new
/// site.
fn record_sighting(tx: &[TransactionalTree], found: &Found<'_>) -> TxResult<Recorded> {
    let (finding, commit) = (found.finding, found.commit);
    let site = &commit.queued.site;
    let at = commit.fetched_ms;
    let score = finite(finding.score);
    let sighting_key = keys::sighting(finding.kind, &finding.value, site, found.place);
    let old = match tx[SIGHTINGS].get(&sighting_key)? {
        Some(bytes) => Some(decode::<Sighting>("sightings", &sighting_key, &bytes)?),
        None => None,
    };
    let is_new_sighting = old.is_none();
    let sighting = match old {
        Some(mut old) => {
            old.first_seen_ms = old.first_seen_ms.min(at);
            old.last_seen_ms = old.last_seen_ms.max(at);
            old.otc |= finding.otc;
            if score > old.score {
                old.raw = finding.raw.clone();
                old.context = finding.context.clone();
                old.span = finding.span;
                old.score = score;
                old.page_hash = found.page_hash.map(str::to_string);
                old.post = finding.post.clone();
                old.validation = finding.validation.clone();
                old.warning = finding.warning.clone();
            }
            old
        }
        None => Sighting {
            kind: finding.kind,
            value: finding.value.clone(),
            site: site.clone(),
            url: commit.final_url.clone(),
            first_seen_ms: at,
            last_seen_ms: at,
            raw: finding.raw.clone(),
            context: finding.context.clone(),
            span: finding.span,
            otc: finding.otc,
            score,
            page_hash: found.page_hash.map(str::to_string),
            post: finding.post.clone(),
            validation: finding.validation.clone(),
            warning: finding.warning.clone(),
        },
    };
    let value = codec::encode_json("sighting", &sighting).map_err(abort)?;
    tx[SIGHTINGS].insert(sighting_key, value)?;

    let account_key = keys::account(finding.kind, &finding.value);
    let old = match tx[ACCOUNTS].get(&account_key)? {
        Some(bytes) => Some(decode::<Account>("accounts", &account_key, &bytes)?),
        None => None,
    };
    let is_new_account = old.is_none();
    let mut account = old.unwrap_or_else(|| Account {
        kind: finding.kind,
        value: finding.value.clone(),
        otc: false,
        score: 0.0,
        first_seen_ms: at,
        last_seen_ms: at,
        sightings: 0,
        sites: Vec::new(),
        status: Status::New,
        reviewer: None,
        reviewed_ms: None,
        note: None,
        tags: Vec::new(),
        status_reason: None,
    });
    account.otc |= sighting.otc;
    account.score = account.score.max(sighting.score);
    account.first_seen_ms = account.first_seen_ms.min(at);
    account.last_seen_ms = account.last_seen_ms.max(at);
    account.sightings += is_new_sighting as u32;
    if let Err(idx) = account.sites.binary_search(site) {
        if account.status == Status::Dismissed {
            let changes = ChangeTx {
                meta: &tx[META],
                watch: &tx[WATCH],
                audit: &tx[AUDIT],
                outbox: &tx[OUTBOX],
            };
            changes.append(review::reopen(&mut account, site, at))?;
        }
        account.sites.insert(idx, site.clone());
    }
    let value = codec::encode_json("account", &account).map_err(abort)?;
    tx[ACCOUNTS].insert(account_key, value)?;
    if is_new_account {
        add_count(&tx[META], &keys::account_count(finding.kind), 1)?;
    }
    Ok(Recorded { new_account: is_new_account, new_sighting: is_new_sighting })
}

/// Replaces the URL's identifier set with this body's and logs the difference (the returned
/// change has no `new_accounts` yet).
fn diff_idents(
    tx: &[TransactionalTree],
    commit: &PageCommit,
    commit_id: u64,
) -> TxResult<PageChange> {
    let url = &commit.queued.url;
    let key = keys::url(url);
    let previous: IdentSet = match tx[IDENTS].get(key)? {
        Some(bytes) => decode("idents", key, &bytes)?,
        None => IdentSet::new(),
    };
    let current: IdentSet =
        commit.findings.iter().map(|finding| (finding.kind, finding.value.clone())).collect();
    let appeared: Vec<_> = current.difference(&previous).cloned().collect();
    let disappeared: Vec<_> = previous.difference(&current).cloned().collect();
    let logged = appeared.iter().map(|ident| (ident, true));
    let logged = logged.chain(disappeared.iter().map(|ident| (ident, false)));
    for (idx, ((kind, value), appeared)) in logged.enumerate() {
        let record =
            ChangeRecord { at_ms: commit.fetched_ms, kind: *kind, value: value.clone(), appeared };
        let change_key = keys::change(url, commit.fetched_ms, commit_id, idx as u32);
        tx[CHANGES].insert(change_key, codec::encode_json("change", &record).map_err(abort)?)?;
    }
    if previous != current {
        tx[IDENTS].insert(key, codec::encode_json("identifier set", &current).map_err(abort)?)?;
    }
    Ok(PageChange { appeared, disappeared, new_accounts: 0 })
}

/// The URL record to store: the caller's HTTP facts plus the bookkeeping the store derives.
fn url_record(
    commit: &PageCommit,
    previous: Option<UrlRecord>,
    page_hash: Option<&str>,
) -> UrlRecord {
    let previous = previous.unwrap_or_default();
    let mut record = commit.record.clone();
    record.site = commit.queued.site.clone();
    record.epoch_seen = commit.queued.epoch;
    record.depth = commit.queued.depth;
    record.fetched_ms = Some(commit.fetched_ms);
    record.fetches = previous.fetches.saturating_add(1);
    record.failures = match record.failure {
        Some(_) => previous.failures.saturating_add(1),
        None => 0,
    };
    match page_hash {
        Some(hash) => {
            let changed = previous.content_hash.as_deref().is_some_and(|old| old != hash);
            record.changes = previous.changes.saturating_add(changed as u32);
            record.content_hash = Some(hash.to_string());
        }
        None => {
            record.changes = previous.changes;
            record.content_hash = record.content_hash.or(previous.content_hash);
            record.etag = record.etag.or(previous.etag);
            record.last_modified = record.last_modified.or(previous.last_modified);
        }
    }
    record
}

fn read_url(urls: &TransactionalTree, url: &str) -> TxResult<Option<UrlRecord>> {
    let key = keys::url(url);
    match urls.get(key)? {
        Some(bytes) => Ok(Some(decode("urls", key, &bytes)?)),
        None => Ok(None),
    }
}

fn decode<T: serde::de::DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> TxResult<T> {
    codec::decode_json(tree, key, bytes).map_err(abort)
}

/// A score that survives JSON: NaN and infinities (which JSON cannot hold) become 0.
fn finite(score: f32) -> f32 {
    if score.is_finite() { score } else { 0.0 }
}
