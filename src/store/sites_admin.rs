//! What admins change about sites from the UI: pause, resume, ask for a re-crawl, add a site.
//!
//! Pause and re-crawl edit the [`SiteState`] the crawler reads (`paused`, `next_crawl_ms`) in
//! one transaction each, so a concurrent crawler write is never half-merged; the crawler keeps
//! them when it writes the state back. Added sites are kept in their own tree (`added_sites`,
//! keyed by name); the crawler crawls them as web sites with the defaults from its next start,
//! unless the seeds file names the site (the seeds file stays the source of crawl settings).

use super::{Db, Error, SiteState, abort, codec, keys, storage, tx_error};
use serde::{Deserialize, Serialize};

/// A site an admin added from the UI.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct AddedSite {
    pub name: String,
    /// The seed URL (http or https; the caller validates it).
    pub url: String,
    /// The user who added it.
    pub added_by: String,
    pub added_ms: u64,
}

impl Db {
    /// Marks site `name` paused (creating its state if it has none) and returns the new state.
    pub fn pause_site(&self, name: &str) -> Result<SiteState, Error> {
        self.edit_site(name, |state| state.paused = true)
    }

    /// Clears the pause of site `name` and returns the new state.
    pub fn resume_site(&self, name: &str) -> Result<SiteState, Error> {
        self.edit_site(name, |state| state.paused = false)
    }

    /// Makes site `name` due for a new crawl at `now_ms` (the crawler starts one when the site
    /// is not being crawled) and returns the new state.
    pub fn request_recrawl(&self, name: &str, now_ms: u64) -> Result<SiteState, Error> {
        self.edit_site(name, |state| state.next_crawl_ms = Some(now_ms))
    }

    /// Records an added site; false (and nothing written) when a site of that name was
    /// already added.
    pub fn add_site(&self, site: &AddedSite) -> Result<bool, Error> {
        keys::check("site", &site.name)?;
        let tree = self.added_sites_tree()?;
        let value = codec::encode_json("added site", site)?;
        let previous = tree
            .compare_and_swap(site.name.as_bytes(), None::<&[u8]>, Some(value))
            .map_err(storage("add site"))?;
        Ok(previous.is_ok())
    }

    /// Every added site, by name.
    pub fn added_sites(&self) -> Result<Vec<AddedSite>, Error> {
        let mut out = Vec::new();
        for item in self.added_sites_tree()?.iter() {
            let (key, value) = item.map_err(storage("scan added sites"))?;
            out.push(codec::decode_json("added_sites", &key, &value)?);
        }
        Ok(out)
    }

    /// Reads, changes and writes one site state in a transaction.
    fn edit_site(&self, name: &str, change: impl Fn(&mut SiteState)) -> Result<SiteState, Error> {
        keys::check("site", name)?;
        self.inner
            .sites
            .transaction(|tx| {
                let key = name.as_bytes();
                let mut state: SiteState = match tx.get(key)? {
                    Some(bytes) => codec::decode_json("sites", key, &bytes).map_err(abort)?,
                    None => SiteState { name: name.to_owned(), ..SiteState::default() },
                };
                change(&mut state);
                tx.insert(key, codec::encode_json("site", &state).map_err(abort)?)?;
                Ok(state)
            })
            .map_err(tx_error("edit site"))
    }

    /// sled keeps opened trees, so opening on use costs a map lookup.
    fn added_sites_tree(&self) -> Result<sled::Tree, Error> {
        self.inner.db.open_tree("added_sites").map_err(storage("open added sites"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_resume_and_recrawl_edit_only_their_fields() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        db.put_site(&SiteState {
            name: "forum".into(),
            epoch: 3,
            pages: 9,
            ..SiteState::default()
        })
        .unwrap();
        assert!(db.pause_site("forum").unwrap().paused);
        let state = db.request_recrawl("forum", 1234).unwrap();
        assert_eq!(
            (state.paused, state.next_crawl_ms, state.epoch, state.pages),
            (true, Some(1234), 3, 9)
        );
        assert!(!db.resume_site("forum").unwrap().paused);
        assert_eq!(db.site("forum").unwrap().unwrap().next_crawl_ms, Some(1234));
        // A site without a state gets one.
        assert!(db.pause_site("new").unwrap().paused);
        assert!(db.pause_site("bad\0name").is_err());
    }

    #[test]
    fn a_site_is_added_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let site = AddedSite {
            name: "shop".into(),
            url: "https://shop.example/".into(),
            added_by: "ada".into(),
            added_ms: 5,
        };
        assert!(db.add_site(&site).unwrap());
        assert!(
            !db.add_site(&AddedSite { url: "https://other.example/".into(), ..site.clone() })
                .unwrap()
        );
        assert_eq!(db.added_sites().unwrap(), vec![site]);
    }
}
