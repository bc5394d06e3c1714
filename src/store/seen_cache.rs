//! A small in-memory cache in front of the `seen` tree: which (site, URL) pairs are known to
//! be seen, and in which crawl epoch. A page links to dozens of URLs, nearly all of them seen
//! already; answering those from memory keeps them out of the commit transaction, where each
//! one cost a tree read and a bucket decode (about 10 % of a crawl's CPU, bench/RESULTS.md).
//!
//! Direct-mapped and lossy: a fixed number of slots, each holding one URL's identity (the
//! same 82 bits the `seen` tree keys on) and the epoch it was seen in; a newcomer simply
//! replaces what was in its slot. Memory is fixed ([`SLOTS`] × 16 bytes) however many URLs a
//! crawl queues.
//!
//! Sound because the `seen` tree only ever raises a URL's epoch: a slot is written only
//! after the transaction that marked its URL seen at that epoch (or found it so) has
//! committed, so the tree's epoch is never below the cached one, and "seen in `epoch` or
//! later" answered from the cache is what the tree would answer. A miss says nothing; the
//! caller asks the tree. The cache lives and dies with the process, like uncommitted state.

use super::keys;
use std::sync::Mutex;

/// Slots in the cache: 4 MiB of memory, room for a site of a few hundred thousand URLs
/// before collisions evict much.
const SLOTS: usize = 1 << 18;

/// Set in a slot's `tag` when it holds an entry.
const OCCUPIED: u64 = 1 << 63;

#[derive(Debug)]
pub(crate) struct SeenCache {
    /// (fingerprint, OCCUPIED | bucket bits << 32 | epoch) per slot.
    slots: Mutex<Box<[(u64, u64)]>>,
}

/// A URL's identity in the `seen` tree, computed once for the cache and the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeenId {
    pub(crate) bucket: [u8; 3],
    pub(crate) fingerprint: u64,
}

impl SeenId {
    pub(crate) fn new(site: &str, url: &str) -> SeenId {
        let (bucket, fingerprint) = keys::seen(site, url);
        SeenId { bucket, fingerprint }
    }

    fn slot(self) -> usize {
        // The fingerprint is a slice of a blake3 hash: its low bits are as good as any.
        (self.fingerprint as usize) & (SLOTS - 1)
    }

    fn tag(self, epoch: u32) -> u64 {
        let bucket =
            u64::from(u32::from_be_bytes([0, self.bucket[0], self.bucket[1], self.bucket[2]]));
        OCCUPIED | bucket << 32 | u64::from(epoch)
    }
}

impl Default for SeenCache {
    fn default() -> SeenCache {
        SeenCache { slots: Mutex::new(vec![(0, 0); SLOTS].into_boxed_slice()) }
    }
}

impl SeenCache {
    /// True if `id` is known to be seen in `epoch` or later; false if unknown.
    #[cfg(test)]
    fn seen(&self, id: SeenId, epoch: u32) -> bool {
        let slots = self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        holds(slots[id.slot()], id, epoch)
    }

    /// Keeps the items of `items` whose id (`id_of`) is not known to be seen in `epoch` or
    /// later: one lock for a page's links.
    pub(crate) fn retain_unknown<T>(
        &self,
        items: &mut Vec<T>,
        id_of: impl Fn(&T) -> SeenId,
        epoch: u32,
    ) {
        let slots = self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        items.retain(|item| {
            let id = id_of(item);
            !holds(slots[id.slot()], id, epoch)
        });
    }

    /// Records that each id is seen in `epoch` (or later): call only once that is committed.
    pub(crate) fn insert(&self, ids: impl IntoIterator<Item = SeenId>, epoch: u32) {
        let mut slots = self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for id in ids {
            let slot = &mut slots[id.slot()];
            // Never lower a cached epoch: an older crawl's enqueue may commit after a newer one.
            if !holds(*slot, id, epoch) {
                *slot = (id.fingerprint, id.tag(epoch));
            }
        }
    }
}

/// Whether `slot` says that `id` is seen in `epoch` or later: the fingerprint, bucket bits and
/// occupancy must match; the epoch part may be higher.
fn holds((fingerprint, tag): (u64, u64), id: SeenId, epoch: u32) -> bool {
    fingerprint == id.fingerprint
        && tag >> 32 == id.tag(0) >> 32
        && (tag & u64::from(u32::MAX)) >= u64::from(epoch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_seen_in_its_epoch_and_earlier_ones_only() {
        let cache = SeenCache::default();
        let id = SeenId::new("site", "https://example.org/a");
        assert!(!cache.seen(id, 1), "nothing is known before an insert");
        cache.insert([id], 3);
        assert!(cache.seen(id, 1));
        assert!(cache.seen(id, 3));
        assert!(!cache.seen(id, 4), "a later crawl has not seen it yet");
        cache.insert([id], 2);
        assert!(cache.seen(id, 3), "an older epoch never lowers the cached one");
    }

    #[test]
    fn sites_and_urls_do_not_share_entries() {
        let cache = SeenCache::default();
        cache.insert([SeenId::new("a", "https://example.org/x")], 1);
        assert!(!cache.seen(SeenId::new("b", "https://example.org/x"), 1));
        assert!(!cache.seen(SeenId::new("a", "https://example.org/y"), 1));
    }

    #[test]
    fn a_colliding_url_replaces_the_slot_without_answering_for_it() {
        let cache = SeenCache::default();
        let first = SeenId { bucket: [1, 2, 0], fingerprint: 7 };
        let same_slot = SeenId { bucket: [1, 2, 0], fingerprint: 7 + SLOTS as u64 };
        let other_bucket = SeenId { bucket: [9, 2, 0], fingerprint: 7 };
        cache.insert([first], 1);
        assert!(!cache.seen(same_slot, 1));
        assert!(!cache.seen(other_bucket, 1), "the bucket bits are part of the identity");
        cache.insert([same_slot], 1);
        assert!(cache.seen(same_slot, 1));
        assert!(!cache.seen(first, 1), "evicted: the tree answers for it again");
    }
}
