//! MISP feed: a folder a MISP instance can pull as a feed of type "MISP Feed": one
//! `<uuid>.json` per event (`{"Event": {…, "Attribute": […], "Object": […]}}`), a
//! `manifest.json` that summarises every event under its uuid, and `hashes.csv` (the MD5 of
//! every attribute value, object attributes included, and the event's uuid: the lines PyMISP's
//! feed generator writes).
//!
//! # Events
//!
//! One event per site: "payment accounts advertised on SITE", holding every exported account
//! seen on that site. A site is what a reviewer investigates and what changes together, and
//! its event keeps its uuid (UUIDv5 of the site name) from one export to the next, so a MISP
//! that pulls the feed again updates the event instead of adding another. An account seen on
//! two sites is in both events (MISP correlates them). The event's `timestamp` is the latest
//! `last_seen` of its accounts; its `date` the earliest `first_seen`.
//!
//! # Attributes
//!
//! Category "Financial fraud", except e-mail addresses: MISP does not allow type `email` in
//! that category, so they go under "Social network". Types: `btc`; `phone-number`; `email`;
//! `cc-number` for bank cards that pass Luhn and `bank-account-nr` for the labelled numbers
//! that do not (they are not card numbers); `text` with the platform in the comment and a tag
//! for Alipay, WeChat, QQ and Telegram accounts (MISP has no attribute type for them). ETH and
//! TRON addresses are `coin-address` objects (`address-crypto` and `symbol` ETH or TRX), since
//! MISP's `btc` type is for Bitcoin only. `to_ids` is set for confirmed and watchlisted
//! accounts. Every uuid is a UUIDv5 of what it identifies, and timestamps come from the data.
//!
//! Bank cards are exported with the full number because the team's watchlist matches on it.

use super::{Entry, clip, kind_label, place, rfc3339_ms, unix_seconds, uuid5};
use crate::extract::{Kind, bank_card};
use md5::{Digest, Md5};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

/// The `coin-address` object template of MISP's object library, and the version these
/// objects follow.
const COIN_ADDRESS_TEMPLATE: &str = "d0e6997e-78da-4815-a6a1-cfc1c1cb8a46";
const COIN_ADDRESS_VERSION: &str = "7";

/// The category of every attribute but e-mail addresses (see the module docs).
pub const CATEGORY: &str = "Financial fraud";

/// How much of a sighting's context an attribute's comment quotes.
const CONTEXT_CHARS: usize = 300;

/// A feed in memory: what [`write_feed`] puts in the folder.
#[derive(Clone, Debug, PartialEq)]
pub struct Feed {
    /// `manifest.json`: event uuid → summary.
    pub manifest: Value,
    /// `(uuid, {"Event": …})`, by site.
    pub events: Vec<(String, Value)>,
    /// `hashes.csv`: `md5,event-uuid` lines.
    pub hashes: String,
}

/// The feed of `entries`: one event per site (see the module docs).
pub fn feed(entries: &[Entry]) -> Feed {
    let mut by_site: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for entry in entries {
        for site in &entry.account.sites {
            by_site.entry(site).or_default().push(entry);
        }
    }
    let mut manifest = Map::new();
    let mut events = Vec::new();
    let mut hashes = String::new();
    for (site, entries) in by_site {
        let (uuid, event) = event(site, &entries);
        for value in attribute_values(&event) {
            hashes.push_str(&format!("{:x},{uuid}\n", Md5::digest(value.as_bytes())));
        }
        manifest.insert(uuid.clone(), summary(&event));
        events.push((uuid, json!({ "Event": event })));
    }
    Feed { manifest: Value::Object(manifest), events, hashes }
}

/// Writes the feed into `dir` (created if missing): the event files, `hashes.csv`, then
/// `manifest.json`. Each file is written beside its name and renamed into place, so a MISP
/// pulling the feed meanwhile reads the old file or the new one, never half of one. Event files
/// of an earlier export that this one no longer lists are left alone: MISP reads the manifest.
pub fn write_feed(dir: &Path, feed: &Feed) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (uuid, event) in &feed.events {
        replace(dir, &format!("{uuid}.json"), &serde_json::to_vec_pretty(event)?)?;
    }
    replace(dir, "hashes.csv", feed.hashes.as_bytes())?;
    replace(dir, "manifest.json", &serde_json::to_vec_pretty(&feed.manifest)?)
}

fn replace(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let temporary = dir.join(format!(".{name}.partial"));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, dir.join(name))
}

/// The organisation that creates the events.
fn orgc() -> Value {
    json!({ "name": "otcwatch", "uuid": uuid5(&["misp", "org", "otcwatch"]).to_string() })
}

/// The event of `site` (its entries are non-empty) and its uuid.
fn event(site: &str, entries: &[&Entry]) -> (String, Value) {
    let uuid = uuid5(&["misp", "event", site]).to_string();
    let first_ms = entries.iter().map(|e| e.account.first_seen_ms).min().unwrap_or_default();
    let last_ms = entries.iter().map(|e| e.account.last_seen_ms).max().unwrap_or_default();
    let mut attributes = Vec::new();
    let mut objects = Vec::new();
    for entry in entries {
        match entry.account.kind {
            Kind::Eth => objects.push(coin_address(site, entry, "ETH")),
            Kind::Tron => objects.push(coin_address(site, entry, "TRX")),
            _ => attributes.push(attribute(site, entry)),
        }
    }
    let timestamp = unix_seconds(last_ms).to_string();
    let event = json!({
        "uuid": uuid,
        "info": format!("otcwatch: payment accounts advertised on {site}"),
        "date": date(first_ms),
        "threat_level_id": "3",
        "analysis": "1",
        "published": true,
        "timestamp": timestamp,
        "publish_timestamp": timestamp,
        "Orgc": orgc(),
        "Tag": [{ "name": "otcwatch" }],
        "Attribute": attributes,
        "Object": objects,
    });
    (uuid, event)
}

/// The manifest entry of an event: the fields MISP lists before fetching the event itself.
fn summary(event: &Value) -> Value {
    let mut summary = Map::new();
    for key in ["Orgc", "Tag", "info", "date", "analysis", "threat_level_id", "timestamp"] {
        summary.insert(key.to_string(), event[key].clone());
    }
    Value::Object(summary)
}

/// `YYYY-MM-DD` of a time, in UTC.
fn date(ms: u64) -> String {
    rfc3339_ms(ms).chars().take(10).collect()
}

/// The MISP attribute type and category of an account that is not a `coin-address`.
pub fn attribute_type(kind: Kind, value: &str) -> (&'static str, &'static str) {
    match kind {
        Kind::Btc => ("btc", CATEGORY),
        Kind::Phone => ("phone-number", CATEGORY),
        Kind::Email => ("email", "Social network"),
        Kind::BankCard if bank_card::luhn(value) => ("cc-number", CATEGORY),
        Kind::BankCard => ("bank-account-nr", CATEGORY),
        Kind::Alipay | Kind::Wechat | Kind::Qq | Kind::Telegram | Kind::Eth | Kind::Tron => {
            ("text", CATEGORY)
        }
    }
}

/// The fields every attribute of an account shares: uuid, value, timestamps, `to_ids`, tags.
fn common(site: &str, entry: &Entry, relation: &str) -> Map<String, Value> {
    let account = &entry.account;
    let status = account.status.to_string();
    let uuid = uuid5(&["misp", "attribute", site, account.kind.as_str(), &account.value, relation]);
    let mut attribute = Map::new();
    attribute.insert("uuid".into(), uuid.to_string().into());
    attribute.insert("value".into(), account.value.clone().into());
    attribute
        .insert("to_ids".into(), matches!(status.as_str(), "confirmed" | "watchlisted").into());
    attribute.insert("timestamp".into(), unix_seconds(account.last_seen_ms).to_string().into());
    attribute.insert("first_seen".into(), rfc3339_ms(account.first_seen_ms).into());
    attribute.insert("last_seen".into(), rfc3339_ms(account.last_seen_ms).into());
    attribute.insert("comment".into(), comment(site, entry).into());
    attribute.insert("disable_correlation".into(), false.into());
    attribute.insert(
        "Tag".into(),
        json!([
            { "name": format!("otcwatch:kind=\"{}\"", account.kind) },
            { "name": format!("otcwatch:status=\"{status}\"") },
        ]),
    );
    attribute
}

fn attribute(site: &str, entry: &Entry) -> Value {
    let (kind, category) = attribute_type(entry.account.kind, &entry.account.value);
    let mut attribute = common(site, entry, "");
    attribute.insert("type".into(), kind.into());
    attribute.insert("category".into(), category.into());
    Value::Object(attribute)
}

fn coin_address(site: &str, entry: &Entry, symbol: &str) -> Value {
    let account = &entry.account;
    let mut address = common(site, entry, "address-crypto");
    address.insert("object_relation".into(), "address-crypto".into());
    address.insert("type".into(), "text".into());
    address.insert("category".into(), CATEGORY.into());
    let symbol_uuid =
        uuid5(&["misp", "attribute", site, account.kind.as_str(), &account.value, "symbol"]);
    let symbol = json!({
        "uuid": symbol_uuid.to_string(),
        "object_relation": "symbol",
        "type": "text",
        "category": "Other",
        "value": symbol,
        "to_ids": false,
        "disable_correlation": true,
        "timestamp": unix_seconds(account.last_seen_ms).to_string(),
    });
    json!({
        "uuid": uuid5(&["misp", "object", site, account.kind.as_str(), &account.value]).to_string(),
        "name": "coin-address",
        "meta-category": "financial",
        "description": "An address used in a cryptocurrency",
        "template_uuid": COIN_ADDRESS_TEMPLATE,
        "template_version": COIN_ADDRESS_VERSION,
        "timestamp": unix_seconds(account.last_seen_ms).to_string(),
        "first_seen": rfc3339_ms(account.first_seen_ms),
        "last_seen": rfc3339_ms(account.last_seen_ms),
        "comment": comment(site, entry),
        "Attribute": [Value::Object(address), symbol],
    })
}

/// What the identifier is, how often it was seen on the site, and the best evidence there.
fn comment(site: &str, entry: &Entry) -> String {
    let account = &entry.account;
    let on_site = entry.sightings.iter().filter(|s| s.site == site);
    let count = on_site.clone().count();
    let best = on_site.max_by(|a, b| a.score.total_cmp(&b.score));
    let mut text = format!(
        "{}{}; {count} sighting(s) on {site}",
        kind_label(account.kind),
        if account.otc { " advertised for OTC crypto trades" } else { "" },
    );
    if let Some(best) = best {
        text.push_str(&format!("; {}: {}", place(best), clip(&best.context, CONTEXT_CHARS)));
    }
    text
}

/// Every attribute value of an event, object attributes included, in file order.
fn attribute_values(event: &Value) -> Vec<&str> {
    let attributes = event["Attribute"].as_array().into_iter().flatten();
    let objects = event["Object"].as_array().into_iter().flatten();
    let in_objects =
        objects.flat_map(|object| object["Attribute"].as_array().into_iter().flatten());
    attributes.chain(in_objects).filter_map(|attribute| attribute["value"].as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_cards_are_cc_numbers_only_when_luhn_passes() {
        assert_eq!(attribute_type(Kind::BankCard, "6222021234567890128").0, "cc-number");
        assert_eq!(attribute_type(Kind::BankCard, "6222021234567890123").0, "bank-account-nr");
        assert_eq!(attribute_type(Kind::Email, "a@b.cn"), ("email", "Social network"));
    }

    #[test]
    fn only_confirmed_and_watchlisted_accounts_are_for_detection() {
        for (status, to_ids) in
            [("new", false), ("confirmed", true), ("watchlisted", true), ("dismissed", false)]
        {
            let account = crate::export::sample_account(Kind::Btc, "1Boat", status, 2_000);
            let entry = Entry { account, sightings: Vec::new() };
            assert_eq!(attribute("site", &entry)["to_ids"], to_ids, "{status}");
        }
    }

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(date(1_700_000_000_000), "2023-11-14");
    }
}
