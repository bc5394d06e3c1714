//! Related accounts: identifiers that appeared together in one post or on one page (an
//! Alipay account and a TRON address in one advertisement; one number used as Alipay and
//! WeChat), so a reviewer can follow the network.
//!
//! `commit.rs` writes them in the page's transaction: one key per (identifier, other
//! identifier, place), both directions, so re-crawls rewrite the same keys and a pair's place
//! count is the length of a prefix scan. Only pairs with at least one identifier new at the
//! place are written, which keeps an unchanged re-crawl free. A place links at most
//! [`LINK_CAP`] identifiers (its best-scoring ones): a directory page with hundreds of
//! numbers says little about who works with whom, and must not cost a quadratic commit.

use super::frontier::TxResult;
use super::{Db, Error, codec, keys, storage};
use crate::extract::Kind;
use serde::Serialize;
use sled::transaction::TransactionalTree;

/// The most identifiers of one place that are linked with each other: at most
/// `LINK_CAP * (LINK_CAP - 1)` keys per place.
pub const LINK_CAP: usize = 32;

/// Another account seen together with the one asked about.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub kind: Kind,
    pub value: String,
    /// Distinct places (pages or posts) where both appeared.
    pub places: u32,
    /// One of them (the first in key order).
    pub example_place: String,
}

/// An identifier at a place, as `commit.rs` hands it over.
pub(super) struct AtPlace<'a> {
    pub(super) kind: Kind,
    pub(super) value: &'a str,
    pub(super) score: f32,
    /// New at this place in this commit (a new sighting, or back on the page's body).
    pub(super) fresh: bool,
}

/// Links the identifiers of one place with each other (see the module docs).
pub(super) fn write(
    links: &TransactionalTree,
    place: &str,
    mut ids: Vec<AtPlace<'_>>,
) -> TxResult<()> {
    if ids.len() < 2 || !ids.iter().any(|id| id.fresh) {
        return Ok(());
    }
    if ids.len() > LINK_CAP {
        ids.sort_by(|a, b| {
            b.score.total_cmp(&a.score).then_with(|| (a.kind, a.value).cmp(&(b.kind, b.value)))
        });
        ids.truncate(LINK_CAP);
    }
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            if !(a.fresh || b.fresh) {
                continue;
            }
            let marker = codec::encode_marker();
            links.insert(keys::link(a.kind, a.value, b.kind, b.value, place), &marker)?;
            links.insert(keys::link(b.kind, b.value, a.kind, a.value, place), &marker)?;
        }
    }
    Ok(())
}

impl Db {
    /// The accounts seen together with `kind:value` in at least one post or page, most
    /// shared places first, then by kind and value.
    pub fn links(&self, kind: Kind, value: &str) -> Result<Vec<Link>, Error> {
        keys::check("identifier value", value)?;
        let prefix = keys::account_prefix(kind, value);
        let mut out: Vec<Link> = Vec::new();
        for item in self.inner.links.scan_prefix(&prefix) {
            let (key, _) = item.map_err(storage("scan links"))?;
            let (other_kind, other, place) =
                keys::parse_link(&key, prefix.len()).ok_or_else(|| Error::Decode {
                    tree: "links",
                    key: String::from_utf8_lossy(&key).escape_debug().to_string(),
                    reason: "key is not account, other account, place".to_string(),
                })?;
            match out.last_mut() {
                Some(last) if last.kind == other_kind && last.value == other => {
                    last.places = last.places.saturating_add(1);
                }
                _ => out.push(Link {
                    kind: other_kind,
                    value: other.to_string(),
                    places: 1,
                    example_place: place.to_string(),
                }),
            }
        }
        out.sort_by(|a, b| {
            b.places.cmp(&a.places).then_with(|| (a.kind, &a.value).cmp(&(b.kind, &b.value)))
        });
        Ok(out)
    }
}
