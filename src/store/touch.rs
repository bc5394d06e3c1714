//! Re-crawls that find a page unchanged (a 304, or the same body hash) skip extraction, but the
//! identifiers on the page were seen again: their sightings' and accounts' `last_seen_ms` move
//! on, so reviewers see that an advertisement is still up.

use super::{Account, Db, Error, Sighting, codec, keys, storage};
use crate::extract::Kind;
use std::collections::BTreeSet;

impl Db {
    /// Marks every identifier last seen on `url` (of `site`) as seen again at `at_ms`.
    /// Returns how many sightings were touched.
    pub fn touch_unchanged(&self, site: &str, url: &str, at_ms: u64) -> Result<usize, Error> {
        keys::check("site", site)?;
        keys::check("url", url)?;
        let key = keys::url(url);
        let Some(bytes) = self.inner.idents.get(key).map_err(storage("read identifier set"))?
        else {
            return Ok(0);
        };
        let idents: BTreeSet<(Kind, String)> = codec::decode_json("idents", key, &bytes)?;
        let mut touched = 0;
        for (kind, value) in &idents {
            let sighting_key = keys::sighting(*kind, value, site, url);
            if let Some(bytes) =
                self.inner.sightings.get(&sighting_key).map_err(storage("read sighting"))?
            {
                let mut sighting: Sighting =
                    codec::decode_json("sightings", &sighting_key, &bytes)?;
                if sighting.last_seen_ms < at_ms {
                    sighting.last_seen_ms = at_ms;
                    let value = codec::encode_json("sighting", &sighting)?;
                    self.inner
                        .sightings
                        .insert(sighting_key, value)
                        .map_err(storage("write sighting"))?;
                    touched += 1;
                }
            }
            let account_key = keys::account(*kind, value);
            if let Some(bytes) =
                self.inner.accounts.get(&account_key).map_err(storage("read account"))?
            {
                let mut account: Account = codec::decode_json("accounts", &account_key, &bytes)?;
                if account.last_seen_ms < at_ms {
                    account.last_seen_ms = at_ms;
                    let value = codec::encode_json("account", &account)?;
                    self.inner
                        .accounts
                        .insert(account_key, value)
                        .map_err(storage("write account"))?;
                }
            }
        }
        Ok(touched)
    }
}
