//! What reviewers and exporters read: accounts, their sightings, a URL's change history, and
//! the dashboard counts. Read-only; the writes happen in `commit.rs`.

use super::{
    Account, AccountFilter, ChangeRecord, Counts, Db, Error, Sighting, codec, keys, storage,
};
use crate::extract::Kind;

impl Db {
    /// The account of this identifier, if it was ever seen.
    pub fn account(&self, kind: Kind, value: &str) -> Result<Option<Account>, Error> {
        let key = keys::account(kind, value);
        let bytes = self.inner.accounts.get(&key).map_err(storage("read account"))?;
        bytes.map(|bytes| codec::decode_json("accounts", &key, &bytes)).transpose()
    }

    /// The accounts matching `filter`, ordered by (kind, value). Scans the accounts of the
    /// filter's kind, or all of them.
    pub fn accounts(&self, filter: &AccountFilter) -> Result<Vec<Account>, Error> {
        let text = filter.text.as_ref().map(|text| text.to_lowercase());
        let scan = match filter.kind {
            Some(kind) => self.inner.accounts.scan_prefix(keys::accounts_prefix(kind)),
            None => self.inner.accounts.iter(),
        };
        let mut out = Vec::new();
        for item in scan {
            let (key, bytes) = item.map_err(storage("scan accounts"))?;
            let account: Account = codec::decode_json("accounts", &key, &bytes)?;
            if matches(filter, text.as_deref(), &account) {
                out.push(account);
            }
        }
        // Key order is the kinds' stable codes; the API promises `Kind`'s own order.
        out.sort_by(|a, b| (a.kind, &a.value).cmp(&(b.kind, &b.value)));
        Ok(out)
    }

    /// Every sighting of an identifier, by site then page.
    pub fn sightings(&self, kind: Kind, value: &str) -> Result<Vec<Sighting>, Error> {
        keys::check("identifier value", value)?;
        let mut out = Vec::new();
        for item in self.inner.sightings.scan_prefix(keys::sightings_prefix(kind, value)) {
            let (key, bytes) = item.map_err(storage("scan sightings"))?;
            out.push(codec::decode_json("sightings", &key, &bytes)?);
        }
        Ok(out)
    }

    /// The appeared/disappeared history of a URL, oldest first.
    pub fn changes(&self, url: &str) -> Result<Vec<ChangeRecord>, Error> {
        keys::check("url", url)?;
        let mut out = Vec::new();
        for item in self.inner.changes.scan_prefix(keys::changes_prefix(url)) {
            let (key, bytes) = item.map_err(storage("scan changes"))?;
            out.push(codec::decode_json("changes", &key, &bytes)?);
        }
        Ok(out)
    }

    /// Accounts by kind, queue entries over all sites, distinct bodies stored, fetches and
    /// failures by kind. Reads counters, not records: O(kinds + sites + failure kinds).
    pub fn counts(&self) -> Result<Counts, Error> {
        let mut counts = Counts::default();
        for kind in Kind::ALL {
            let key = keys::account_count(kind);
            let bytes = self.inner.meta.get(key).map_err(storage("read counts"))?;
            let n = codec::decode_count(&key, bytes.as_deref())?;
            counts.accounts.insert(kind, n);
            counts.accounts_total += n;
        }
        for item in self.inner.meta.scan_prefix(keys::QLEN_PREFIX) {
            let (key, bytes) = item.map_err(storage("read counts"))?;
            counts.queued += codec::decode_count(&key, Some(&bytes))?;
        }
        let bytes = self.inner.meta.get(keys::PAGES).map_err(storage("read counts"))?;
        counts.pages = codec::decode_count(keys::PAGES, bytes.as_deref())?;
        let bytes = self.inner.meta.get(keys::FETCHES).map_err(storage("read counts"))?;
        counts.fetches = codec::decode_count(keys::FETCHES, bytes.as_deref())?;
        for item in self.inner.meta.scan_prefix(keys::FAILURES_PREFIX) {
            let (key, bytes) = item.map_err(storage("read counts"))?;
            let kind = String::from_utf8_lossy(&key[keys::FAILURES_PREFIX.len()..]).into_owned();
            counts.failures.insert(kind, codec::decode_count(&key, Some(&bytes))?);
        }
        Ok(counts)
    }
}

/// Whether `account` passes every set field of `filter`; `text` is the lower-cased needle.
fn matches(filter: &AccountFilter, text: Option<&str>, account: &Account) -> bool {
    if filter.status.is_some_and(|status| account.status != status) {
        return false;
    }
    if filter.otc_only && !account.otc {
        return false;
    }
    if filter.min_score.is_some_and(|min| account.score < min) {
        return false;
    }
    if let Some(site) = &filter.site
        && !account.sites.iter().any(|s| s == site)
    {
        return false;
    }
    if let Some(text) = text
        && !account.value.to_lowercase().contains(text)
    {
        return false;
    }
    true
}
