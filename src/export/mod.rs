//! Exports: the accounts in the store, with their sightings, as files other systems read —
//! CSV for spreadsheets, JSONL for scripts, a STIX 2.1 bundle and a MISP feed folder for
//! threat-intelligence platforms. `docs/exports.md` describes every format for the people who
//! consume them.
//!
//! The input is read once through the store's public API ([`load`]: `Db::accounts` then
//! `Db::sightings` per account; page bodies are never read), and each format is a pure
//! function of that input: `csv.rs`, `jsonl.rs`, `stix.rs`, `misp.rs`. Nothing reads the
//! clock or a random source, so two exports of the same data are identical byte for byte: ids
//! are UUIDv5 of what they identify and timestamps come from the data.
//!
//! Values and evidence come from hostile pages. Every format escapes them for its own syntax
//! (CSV quoting plus formula neutralisation, JSON strings, STIX pattern literals); none of
//! them is safe to paste into another syntax unescaped.

pub mod csv;
pub mod jsonl;
pub mod misp;
pub mod stix;

use crate::extract::Kind;
use crate::store::{self, Account, AccountFilter, Db, Sighting};
use std::time::{Duration, UNIX_EPOCH};
use uuid::Uuid;

/// The review statuses an account can have, as `Account.status` displays them.
pub const STATUSES: [&str; 4] = ["new", "confirmed", "dismissed", "watchlisted"];

/// One account and every sighting of it: the unit every format exports.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub account: Account,
    /// By site, then page (the store's order).
    pub sightings: Vec<Sighting>,
}

/// Which accounts to export; every set field must match.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Review status, one of [`STATUSES`].
    pub status: Option<String>,
    pub kind: Option<Kind>,
    /// Keeps accounts whose last sighting is at or after this time (ms since the Unix epoch).
    pub since_ms: Option<u64>,
}

impl Filter {
    /// Whether `account` passes the fields that the store's own filter does not check.
    fn keeps(&self, account: &Account) -> bool {
        // `to_string` so this works with the status as a string and as the review enum.
        let status = account.status.to_string();
        self.status.as_ref().is_none_or(|wanted| *wanted == status)
            && self.kind.is_none_or(|kind| kind == account.kind)
            && self.since_ms.is_none_or(|since| account.last_seen_ms >= since)
    }
}

/// The accounts matching `filter`, ordered by (kind, value), each with its sightings.
///
/// Holds every selected account and its sightings (evidence snippets, not page bodies) in
/// memory: the STIX bundle and the MISP events need them together.
pub fn load(db: &Db, filter: &Filter) -> Result<Vec<Entry>, store::Error> {
    let accounts = db.accounts(&AccountFilter { kind: filter.kind, ..AccountFilter::default() })?;
    let mut entries = Vec::new();
    for account in accounts.into_iter().filter(|account| filter.keeps(account)) {
        let sightings = db.sightings(account.kind, &account.value)?;
        entries.push(Entry { account, sightings });
    }
    Ok(entries)
}

/// Where a sighting was made: the post's permalink for a social post, else the page URL.
pub(crate) fn place(sighting: &Sighting) -> &str {
    sighting.post.as_ref().map_or(&sighting.url, |post| &post.permalink)
}

/// RFC 3339 in UTC with millisecond precision (`2026-11-24T04:23:44.000Z`), the form STIX
/// requires for `created` and `modified`.
pub(crate) fn rfc3339_ms(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

/// Whole seconds since the Unix epoch, as MISP writes timestamps.
pub(crate) fn unix_seconds(ms: u64) -> u64 {
    ms / 1000
}

/// A score as the exports show it: two decimals, not the float's binary expansion; a score
/// that is not a number (never stored, but the type allows it) is 0.
pub(crate) fn round_score(score: f32) -> f64 {
    if score.is_finite() { (f64::from(score) * 100.0).round() / 100.0 } else { 0.0 }
}

/// The score as a 0–100 confidence (STIX `confidence`).
pub(crate) fn confidence(score: f32) -> u8 {
    let percent = round_score(score.clamp(0.0, 1.0)) * 100.0;
    // In 0..=100 after the clamp, so the cast neither truncates nor wraps.
    percent.round() as u8
}

/// The namespace of otcwatch's own UUIDv5 ids (STIX SDOs and SROs, MISP events, attributes
/// and objects). Fixed forever: changing it changes every exported id.
pub(crate) const OTCWATCH_NAMESPACE: Uuid =
    Uuid::from_u128(0x6f7c_8e0a_3b1d_4c52_9a47_d2e5_b8f1_0c63);

/// A UUIDv5 in otcwatch's namespace of the parts, joined by NUL (which no part contains: the
/// store refuses NUL in keys), so that ("a", "bc") and ("ab", "c") differ.
pub(crate) fn uuid5(parts: &[&str]) -> Uuid {
    Uuid::new_v5(&OTCWATCH_NAMESPACE, parts.join("\0").as_bytes())
}

/// What the people who read an export call an identifier of this kind.
pub(crate) fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Alipay => "Alipay account",
        Kind::Wechat => "WeChat ID",
        Kind::Qq => "QQ number",
        Kind::Phone => "Phone number",
        Kind::Email => "E-mail address",
        Kind::BankCard => "Bank card number",
        Kind::Btc => "Bitcoin address",
        Kind::Eth => "Ethereum address",
        Kind::Tron => "TRON address",
        Kind::Telegram => "Telegram account",
    }
}

/// At most `max` characters of `text`, with `…` when cut (evidence in comments and
/// descriptions stays readable however long the page's context was).
pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// An account for unit tests, built from JSON so that it works whatever fields the store's
/// `Account` gains (the review branch adds some, with serde defaults) and with the status as a
/// string or as the review enum.
#[cfg(test)]
pub(crate) fn sample_account(kind: Kind, value: &str, status: &str, last_seen_ms: u64) -> Account {
    serde_json::from_value(serde_json::json!({
        "kind": kind,
        "value": value,
        "otc": true,
        "score": 0.9,
        "first_seen_ms": 1_000,
        "last_seen_ms": last_seen_ms,
        "sightings": 1,
        "sites": ["site"],
        "status": status,
    }))
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_keeps_by_status_kind_and_last_sighting() {
        let account = sample_account(Kind::Qq, "12345", "watchlisted", 5_000);
        let keeps = |filter: Filter| filter.keeps(&account);
        assert!(keeps(Filter::default()));
        assert!(keeps(Filter { status: Some("watchlisted".into()), ..Filter::default() }));
        assert!(!keeps(Filter { status: Some("new".into()), ..Filter::default() }));
        assert!(keeps(Filter { kind: Some(Kind::Qq), ..Filter::default() }));
        assert!(!keeps(Filter { kind: Some(Kind::Wechat), ..Filter::default() }));
        assert!(keeps(Filter { since_ms: Some(5_000), ..Filter::default() }));
        assert!(!keeps(Filter { since_ms: Some(5_001), ..Filter::default() }));
    }

    #[test]
    fn confidence_is_a_percentage_of_the_score() {
        assert_eq!(confidence(0.0), 0);
        assert_eq!(confidence(0.874), 87);
        assert_eq!(confidence(1.0), 100);
        assert_eq!(confidence(1.7), 100);
        assert_eq!(confidence(-0.2), 0);
        assert_eq!(confidence(f32::NAN), 0);
    }

    #[test]
    fn uuid5_separates_its_parts() {
        assert_ne!(uuid5(&["a", "bc"]), uuid5(&["ab", "c"]));
        assert_eq!(uuid5(&["a", "bc"]), uuid5(&["a", "bc"]));
        assert_eq!(uuid5(&["a"]).get_version_num(), 5);
    }

    #[test]
    fn clip_cuts_on_characters() {
        assert_eq!(clip("支付宝账号", 3), "支付宝…");
        assert_eq!(clip("abc", 3), "abc");
    }

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        assert_eq!(rfc3339_ms(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(unix_seconds(1_700_000_000_999), 1_700_000_000);
    }
}
