//! Re-crawls that find a page unchanged (a 304, or the same body hash) skip extraction, but the
//! identifiers on the page were seen again: their sightings' and accounts' `last_seen_ms` move
//! on, so reviewers see that an advertisement is still up.

use super::frontier::TxResult;
use super::{Account, Db, Error, Sighting, abort, codec, keys, tx_error};
use crate::extract::Kind;
use sled::Transactional;
use sled::transaction::TransactionalTree;
use std::collections::BTreeSet;

impl Db {
    /// Marks every identifier of the last body committed for `url` (of `site`) as seen again on
    /// that page at `at_ms`, in one transaction; returns how many sightings moved on.
    ///
    /// `url` names both the identifier set (kept under the queued URL) and the sightings (kept
    /// under the final URL), so a page reached through a redirect is not touched; nor are
    /// sightings in social posts, which live under their permalinks.
    pub fn touch_unchanged(&self, site: &str, url: &str, at_ms: u64) -> Result<usize, Error> {
        keys::check("site", site)?;
        keys::check("url", url)?;
        let trees = [&self.inner.idents, &self.inner.sightings, &self.inner.accounts];
        trees
            .transaction(|tx| {
                let (idents, sightings, accounts) = (&tx[0], &tx[1], &tx[2]);
                let key = keys::url(url);
                let Some(bytes) = idents.get(key)? else { return Ok(0) };
                let set: BTreeSet<(Kind, String)> =
                    codec::decode_json("idents", key, &bytes).map_err(abort)?;
                let mut touched = 0;
                for (kind, value) in &set {
                    let sighting_key = keys::sighting(*kind, value, site, url);
                    if !bump::<Sighting>(sightings, "sightings", &sighting_key, at_ms)? {
                        continue;
                    }
                    touched += 1;
                    bump::<Account>(accounts, "accounts", &keys::account(*kind, value), at_ms)?;
                }
                Ok(touched)
            })
            .map_err(tx_error("touch unchanged"))
    }
}

/// A record with a last-seen time.
trait LastSeen: serde::Serialize + serde::de::DeserializeOwned {
    fn last_seen_ms(&mut self) -> &mut u64;
}

impl LastSeen for Sighting {
    fn last_seen_ms(&mut self) -> &mut u64 {
        &mut self.last_seen_ms
    }
}

impl LastSeen for Account {
    fn last_seen_ms(&mut self) -> &mut u64 {
        &mut self.last_seen_ms
    }
}

/// Moves the record at `key` to last seen at `at_ms` if it exists and was seen before then;
/// returns whether it moved.
fn bump<T: LastSeen>(
    tree: &TransactionalTree,
    name: &'static str,
    key: &[u8],
    at_ms: u64,
) -> TxResult<bool> {
    let Some(bytes) = tree.get(key)? else { return Ok(false) };
    let mut record: T = codec::decode_json(name, key, &bytes).map_err(abort)?;
    if *record.last_seen_ms() >= at_ms {
        return Ok(false);
    }
    *record.last_seen_ms() = at_ms;
    tree.insert(key, codec::encode_json(name, &record).map_err(abort)?)?;
    Ok(true)
}
