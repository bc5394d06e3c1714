//! The crawl frontier: per-site queues in due order, deduplicated per crawl epoch.
//!
//! Nothing about the frontier is held in memory: the queue, the dedup index and the per-site
//! length counters all live in sled (`queue`, `seen`, `meta`), so millions of URLs cost disk,
//! not RAM. Both the queue and the dedup index pack many URLs per sled entry (why and how:
//! `keys.rs`). Each mutating call is one transaction over those trees. `due` reads without
//! removing: a URL leaves the queue when its fetch is committed (`commit_page`), is requeued,
//! or is dropped with `remove_queued`.

use super::codec::QueueItem;
use super::seen_cache::SeenId;
use super::{Db, Error, Queued, abort, codec, keys, storage, tx_error};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use std::collections::HashSet;

impl Db {
    /// Queues `url` (already canonical) for `site` unless it was already queued or fetched in
    /// `epoch` (or a later one); returns whether it was queued. Marks it seen for the epoch.
    pub fn enqueue(
        &self,
        site: &str,
        epoch: u32,
        url: &str,
        depth: u16,
        due_ms: u64,
    ) -> Result<bool, Error> {
        let queued = self.enqueue_items(site, epoch, &[(url, depth)], due_ms)?;
        Ok(queued == 1)
    }

    /// Queues a page's links with the semantics of [`Db::enqueue`], in one transaction;
    /// returns how many were queued (duplicates within `items` count once). Prefer it to
    /// `enqueue` in a loop: links queued together are stored together.
    pub fn enqueue_many(
        &self,
        site: &str,
        epoch: u32,
        items: &[(String, u16)],
        due_ms: u64,
    ) -> Result<usize, Error> {
        let items: Vec<(&str, u16)> =
            items.iter().map(|(url, depth)| (url.as_str(), *depth)).collect();
        self.enqueue_items(site, epoch, &items, due_ms)
    }

    /// Up to `limit` entries of `site` due at or before `now_ms`, earliest first. Does not
    /// remove them.
    pub fn due(&self, site: &str, now_ms: u64, limit: usize) -> Result<Vec<Queued>, Error> {
        self.due_skipping(site, now_ms, limit, &HashSet::new())
    }

    /// [`Db::due`], skipping the entries whose `seq` is in `skip` (the caller's in-flight set).
    pub fn due_skipping(
        &self,
        site: &str,
        now_ms: u64,
        limit: usize,
        skip: &HashSet<u64>,
    ) -> Result<Vec<Queued>, Error> {
        keys::check("site", site)?;
        let prefix = keys::queue_prefix(site);
        let mut out = Vec::new();
        for entry in self.inner.queue.scan_prefix(&prefix) {
            if out.len() >= limit {
                break;
            }
            let (key, value) = entry.map_err(storage("scan queue"))?;
            let (due_ms, batch) = parse_key(&key, prefix.len())?;
            if due_ms > now_ms {
                break;
            }
            for item in codec::decode_batch(&key, &value)? {
                let seq = keys::seq(batch, item.idx);
                if out.len() >= limit || skip.contains(&seq) {
                    continue;
                }
                let QueueItem { epoch, depth, url, .. } = item;
                let url = url.to_owned();
                out.push(Queued { site: site.to_string(), epoch, url, depth, due_ms, seq });
            }
        }
        Ok(out)
    }

    /// The earliest due time queued for `site`.
    pub fn next_due(&self, site: &str) -> Result<Option<u64>, Error> {
        keys::check("site", site)?;
        let prefix = keys::queue_prefix(site);
        let Some(entry) = self.inner.queue.scan_prefix(&prefix).next() else { return Ok(None) };
        let (key, _) = entry.map_err(storage("scan queue"))?;
        let (due_ms, _) = parse_key(&key, prefix.len())?;
        Ok(Some(due_ms))
    }

    /// How many URLs `site` has queued; O(1), from a counter kept with the queue.
    pub fn queue_len(&self, site: &str) -> Result<u64, Error> {
        let key = keys::qlen(site);
        let value = self.inner.meta.get(&key).map_err(storage("read queue length"))?;
        codec::decode_count(&key, value.as_deref())
    }

    /// Moves `entry` to a new due time (after a 429, say), keeping its epoch and `seq`. Queues
    /// it again if it was no longer queued.
    pub fn requeue(&self, entry: &Queued, due_ms: u64) -> Result<(), Error> {
        keys::check("site", &entry.site)?;
        let trees = [&self.inner.queue, &self.inner.meta];
        trees
            .transaction(|tx| {
                let (queue, meta) = (&tx[0], &tx[1]);
                take(queue, meta, entry)?;
                put(queue, meta, entry, due_ms)
            })
            .map_err(tx_error("requeue"))
    }

    /// Drops entries from the queue without a fetch (a removed site, a scope change); returns
    /// how many were still queued. A fetched entry leaves through `commit_page` instead.
    pub fn remove_queued(&self, entries: &[Queued]) -> Result<usize, Error> {
        for entry in entries {
            keys::check("site", &entry.site)?;
        }
        let trees = [&self.inner.queue, &self.inner.meta];
        trees
            .transaction(|tx| {
                let (queue, meta) = (&tx[0], &tx[1]);
                let mut removed = 0;
                for entry in entries {
                    removed += usize::from(take(queue, meta, entry)?);
                }
                Ok(removed)
            })
            .map_err(tx_error("remove queued"))
    }

    fn enqueue_items(
        &self,
        site: &str,
        epoch: u32,
        items: &[(&str, u16)],
        due_ms: u64,
    ) -> Result<usize, Error> {
        keys::check("site", site)?;
        for (url, _) in items {
            keys::check("url", url)?;
        }
        let links = self.unseen_links(site, epoch, items);
        let trees = [&self.inner.seen, &self.inner.queue, &self.inner.meta];
        let queued = trees
            .transaction(|tx| enqueue_tx((&tx[0], &tx[1], &tx[2]), site, epoch, &links, due_ms))
            .map_err(tx_error("enqueue"))?;
        self.inner.seen_cache.insert(links.iter().map(|link| link.id), epoch);
        Ok(queued)
    }

    /// The links of `items` that the seen cache does not already know as seen in `epoch`,
    /// each with its identity in the `seen` tree. The rest need not be asked about in the
    /// transaction: they are seen, and `enqueue_tx` would skip them.
    pub(super) fn unseen_links<'a>(
        &self,
        site: &str,
        epoch: u32,
        items: &[(&'a str, u16)],
    ) -> Vec<Link<&'a str>> {
        let mut links: Vec<Link<&'a str>> = items
            .iter()
            .map(|&(url, depth)| Link { url, depth, id: SeenId::new(site, url) })
            .collect();
        self.inner.seen_cache.retain_unknown(&mut links, |link| link.id, epoch);
        links
    }
}

/// A URL to queue, with its identity in the `seen` tree.
pub(super) struct Link<U> {
    pub(super) url: U,
    pub(super) depth: u16,
    pub(super) id: SeenId,
}

/// Queues `links` for `site` in `epoch` inside a transaction over (seen, queue, meta), as
/// [`Db::enqueue_many`] does; returns how many were queued.
pub(super) fn enqueue_tx(
    (seen, queue, meta): (&TransactionalTree, &TransactionalTree, &TransactionalTree),
    site: &str,
    epoch: u32,
    links: &[Link<impl AsRef<str>>],
    due_ms: u64,
) -> TxResult<usize> {
    let mut fresh = Vec::new();
    for link in links {
        if mark_seen(seen, link.id, epoch)? {
            fresh.push((link.url.as_ref(), link.depth));
        }
    }
    for chunk in fresh.chunks(keys::BATCH_MAX) {
        let batch = queue.generate_id()?;
        let items: Vec<QueueItem<&str>> = (0..)
            .zip(chunk)
            .map(|(idx, &(url, depth))| QueueItem { idx, epoch, depth, url })
            .collect();
        queue.insert(keys::queue(site, due_ms, batch), codec::encode_batch(&items))?;
    }
    if !fresh.is_empty() {
        add_count(meta, &keys::qlen(site), fresh.len() as i64)?;
    }
    Ok(fresh.len())
}

/// Result type inside a transaction.
pub(super) type TxResult<T> = Result<T, ConflictableTransactionError<Error>>;

/// Marks the URL of `id` seen for `epoch`; false if it already was (in `epoch` or later).
pub(super) fn mark_seen(seen: &TransactionalTree, id: SeenId, epoch: u32) -> TxResult<bool> {
    let (key, fingerprint) = (id.bucket, id.fingerprint);
    let mut bucket = match seen.get(key)? {
        Some(bytes) => codec::decode_bucket(&key, &bytes).map_err(abort)?,
        None => Vec::new(),
    };
    match bucket.binary_search_by_key(&fingerprint, |&(fingerprint, _)| fingerprint) {
        Ok(at) if bucket[at].1 >= epoch => return Ok(false),
        Ok(at) => bucket[at].1 = epoch,
        Err(at) => bucket.insert(at, (fingerprint, epoch)),
    }
    seen.insert(key.as_slice(), codec::encode_bucket(&bucket))?;
    Ok(true)
}

/// Removes `entry` from the queue and decrements its site's counter; false if it was not
/// queued.
pub(super) fn take(
    queue: &TransactionalTree,
    meta: &TransactionalTree,
    entry: &Queued,
) -> TxResult<bool> {
    let (batch, idx) = keys::split_seq(entry.seq);
    let key = keys::queue(&entry.site, entry.due_ms, batch);
    let Some(bytes) = queue.get(&key)? else { return Ok(false) };
    let mut items = codec::decode_batch(&key, &bytes).map_err(abort)?;
    let Some(at) = items.iter().position(|item| item.idx == idx) else { return Ok(false) };
    items.remove(at);
    if items.is_empty() {
        queue.remove(key)?;
    } else {
        queue.insert(key, codec::encode_batch(&items))?;
    }
    add_count(meta, &keys::qlen(&entry.site), -1)?;
    Ok(true)
}

/// Queues `entry` at `due_ms` under its own `seq`: it joins the entry of its batch at that
/// due time, if another URL of its batch was moved there before.
fn put(
    queue: &TransactionalTree,
    meta: &TransactionalTree,
    entry: &Queued,
    due_ms: u64,
) -> TxResult<()> {
    let (batch, idx) = keys::split_seq(entry.seq);
    let key = keys::queue(&entry.site, due_ms, batch);
    let old = queue.get(&key)?;
    let mut items = match &old {
        Some(bytes) => codec::decode_batch(&key, bytes).map_err(abort)?,
        None => Vec::new(),
    };
    let item = QueueItem { idx, epoch: entry.epoch, depth: entry.depth, url: entry.url.as_str() };
    match items.binary_search_by_key(&idx, |item| item.idx) {
        Ok(at) => items[at] = item,
        Err(at) => {
            items.insert(at, item);
            add_count(meta, &keys::qlen(&entry.site), 1)?;
        }
    }
    queue.insert(key, codec::encode_batch(&items))?;
    Ok(())
}

/// Adds `delta` to the counter at `key` (saturating at zero); returns the new value.
pub(super) fn add_count(meta: &TransactionalTree, key: &[u8], delta: i64) -> TxResult<u64> {
    let old = meta.get(key)?;
    let old = codec::decode_count(key, old.as_deref()).map_err(abort)?;
    let new = old.saturating_add_signed(delta);
    meta.insert(key, codec::encode_count(new).as_slice())?;
    Ok(new)
}

fn parse_key(key: &[u8], prefix_len: usize) -> Result<(u64, u64), Error> {
    keys::parse_queue(key, prefix_len).ok_or_else(|| Error::Decode {
        tree: "queue",
        key: String::from_utf8_lossy(key).escape_debug().to_string(),
        reason: "key is not site, due, batch".to_string(),
    })
}
