//! STIX 2.1: one bundle holding, per account, the observable (an SCO), an `observed-data`
//! that counts its sightings, an `indicator` whose pattern matches it, and a `based-on`
//! relationship from the indicator to the observed data; once per bundle, the `identity` that
//! created them and the `extension-definition` of the observables STIX has no core object for.
//!
//! # Observables
//!
//! - E-mail: the core `email-addr` (`value`).
//! - Alipay, WeChat, QQ and Telegram accounts: the core `user-account`, with `account_type`
//!   `alipay`, `wechat`, `qq` or `telegram` (the vocabulary is open) and `account_login`.
//! - Phone numbers, bank cards and wallets: STIX 2.1 has no core object for them, so one
//!   extension definition ([`EXTENSION_ID`], `extension_types: ["new-sco"]`) defines three new
//!   SCO types: `phone-number` (`number`, E.164), `bank-card` (`number`, digits) and
//!   `cryptocurrency-wallet` (`address`, plus `chain`: `bitcoin`, `ethereum` or `tron`). Each
//!   such object names the definition in `extensions`. The names and the `number`/`address`
//!   properties follow the community definitions other STIX tools publish, so their patterns
//!   read the same.
//!
//! # Determinism
//!
//! SCO ids are UUIDv5 in the STIX namespace of the JCS-canonical JSON of their ID
//! contributing properties (the spec's rule; for the new types, every property but `chain`).
//! Every other id is a UUIDv5 in otcwatch's namespace of what it identifies, and the bundle's
//! of its content. `created`/`modified` come from the account's first and last sighting, never
//! from the clock, so exporting the same data twice gives the same bytes.
//!
//! Bank cards are exported with the full number because the team's watchlist matches on it.

use super::{Entry, OTCWATCH_NAMESPACE, clip, confidence, kind_label, place, rfc3339_ms, uuid5};
use crate::extract::Kind;
use crate::store::Account;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::io::{self, Write};
use uuid::Uuid;

/// The namespace STIX 2.1 fixes for SCO ids (section 2.9), as the OASIS `stix2` library and
/// other producers use it; `sco_ids_match_the_oasis_library` checks ids computed with it.
pub const STIX_NAMESPACE: Uuid = Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);

/// The extension definition of `phone-number`, `bank-card` and `cryptocurrency-wallet`.
/// Fixed: consumers key their handling on it.
pub const EXTENSION_ID: &str = "extension-definition--fc479198-a620-4b35-8f90-5852439396dc";

/// The identity that creates every object (`created_by_ref`).
pub const IDENTITY_ID: &str = "identity--e87fb782-0e8d-45de-9389-d82d0d91f826";

/// When the identity and the extension definition were written; they never change with data.
const DEFINITIONS_CREATED: &str = "2026-11-24T00:00:00.000Z";

/// How many sightings an indicator cites in `external_references` and in its description.
const MAX_REFERENCES: usize = 20;
const MAX_DESCRIBED: usize = 3;
/// How much of a sighting's context an indicator quotes.
const CONTEXT_CHARS: usize = 300;

/// Writes the bundle as pretty-printed JSON and a final newline.
pub fn write<W: Write>(mut out: W, entries: &[Entry]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, &bundle(entries))?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The bundle of `entries`.
pub fn bundle(entries: &[Entry]) -> Value {
    let mut objects = vec![identity(), extension_definition()];
    for entry in entries {
        objects.extend(account_objects(entry));
    }
    // The bundle's id is that of its content, so it changes exactly when the content does.
    let content = serde_json::to_string(&objects).unwrap_or_default();
    let id = Uuid::new_v5(&OTCWATCH_NAMESPACE, content.as_bytes());
    json!({ "type": "bundle", "id": format!("bundle--{id}"), "objects": objects })
}

/// A STIX observable: its type, its ID contributing properties and any others.
#[derive(Debug)]
struct Observable {
    object_type: &'static str,
    contributing: BTreeMap<&'static str, String>,
    other: Vec<(&'static str, &'static str)>,
    /// Defined by [`EXTENSION_ID`] rather than the core specification.
    extension: bool,
}

fn observable(kind: Kind, value: &str) -> Observable {
    let one = |name: &'static str| BTreeMap::from([(name, value.to_string())]);
    let account = |account_type: &str| {
        BTreeMap::from([
            ("account_type", account_type.to_string()),
            ("account_login", value.to_string()),
        ])
    };
    let wallet = |chain: &'static str| Observable {
        object_type: "cryptocurrency-wallet",
        contributing: one("address"),
        other: vec![("chain", chain)],
        extension: true,
    };
    let core = |object_type, contributing| Observable {
        object_type,
        contributing,
        other: Vec::new(),
        extension: false,
    };
    let new_sco = |object_type, contributing| Observable {
        object_type,
        contributing,
        other: Vec::new(),
        extension: true,
    };
    match kind {
        Kind::Email => core("email-addr", one("value")),
        Kind::Alipay => core("user-account", account("alipay")),
        Kind::Wechat => core("user-account", account("wechat")),
        Kind::Qq => core("user-account", account("qq")),
        Kind::Telegram => core("user-account", account("telegram")),
        Kind::Phone => new_sco("phone-number", one("number")),
        Kind::BankCard => new_sco("bank-card", one("number")),
        Kind::Btc => wallet("bitcoin"),
        Kind::Eth => wallet("ethereum"),
        Kind::Tron => wallet("tron"),
    }
}

impl Observable {
    /// `type--UUIDv5`: the STIX namespace and the canonical JSON of the contributing
    /// properties. A `BTreeMap` serialises with sorted keys and serde_json escapes strings as
    /// RFC 8785 (JCS) does, so this is the canonical form.
    fn id(&self) -> String {
        let canonical = serde_json::to_string(&self.contributing).unwrap_or_default();
        format!("{}--{}", self.object_type, Uuid::new_v5(&STIX_NAMESPACE, canonical.as_bytes()))
    }

    fn object(&self) -> Value {
        let mut object = Map::new();
        object.insert("type".into(), self.object_type.into());
        object.insert("spec_version".into(), "2.1".into());
        object.insert("id".into(), self.id().into());
        for (name, value) in &self.contributing {
            object.insert((*name).into(), value.as_str().into());
        }
        for (name, value) in &self.other {
            object.insert((*name).into(), (*value).into());
        }
        if self.extension {
            object.insert(
                "extensions".into(),
                json!({ EXTENSION_ID: { "extension_type": "new-sco" } }),
            );
        }
        Value::Object(object)
    }

    /// `[type:prop = 'value' AND …]`, over the contributing properties.
    fn pattern(&self) -> String {
        let comparisons: Vec<String> = self
            .contributing
            .iter()
            .map(|(name, value)| format!("{}:{name} = '{}'", self.object_type, escape(value)))
            .collect();
        format!("[{}]", comparisons.join(" AND "))
    }
}

/// A value as a STIX pattern string literal's content: `\` and `'` escaped with `\`.
pub fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\'', "\\'")
}

/// The SCO, observed-data, indicator and relationship of one account.
fn account_objects(entry: &Entry) -> [Value; 4] {
    let account = &entry.account;
    let observable = observable(account.kind, &account.value);
    let sco_id = observable.id();
    let created = rfc3339_ms(account.first_seen_ms);
    let modified = rfc3339_ms(account.last_seen_ms.max(account.first_seen_ms));
    let observed_id = format!("observed-data--{}", uuid5(&["stix", "observed-data", &sco_id]));
    let indicator_id = format!("indicator--{}", uuid5(&["stix", "indicator", &sco_id]));
    let relationship_id =
        format!("relationship--{}", uuid5(&["stix", "based-on", &indicator_id, &observed_id]));
    let observed = json!({
        "type": "observed-data",
        "spec_version": "2.1",
        "id": observed_id,
        "created_by_ref": IDENTITY_ID,
        "created": created,
        "modified": modified,
        "first_observed": created,
        "last_observed": modified,
        "number_observed": account.sightings.clamp(1, 999_999_999),
        "object_refs": [sco_id],
    });
    let indicator = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": indicator_id,
        "created_by_ref": IDENTITY_ID,
        "created": created,
        "modified": modified,
        "name": format!("{} {}", kind_label(account.kind), account.value),
        "description": description(entry),
        "indicator_types": [indicator_type(account)],
        "pattern": observable.pattern(),
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": created,
        "confidence": confidence(account.score),
        "labels": labels(account),
        "external_references": entry.sightings.iter().take(MAX_REFERENCES).map(|sighting| json!({
            "source_name": "otcwatch",
            "url": place(sighting),
            "description": clip(&sighting.context, CONTEXT_CHARS),
        })).collect::<Vec<_>>(),
    });
    let relationship = json!({
        "type": "relationship",
        "spec_version": "2.1",
        "id": relationship_id,
        "created_by_ref": IDENTITY_ID,
        "created": created,
        "modified": modified,
        "relationship_type": "based-on",
        "source_ref": indicator_id,
        "target_ref": observed_id,
    });
    [observable.object(), observed, indicator, relationship]
}

/// The indicator type a review status implies: confirmed and watchlisted accounts are
/// `malicious-activity`, dismissed ones `benign`, unreviewed ones `unknown`.
fn indicator_type(account: &Account) -> &'static str {
    match account.status.to_string().as_str() {
        "confirmed" | "watchlisted" => "malicious-activity",
        "dismissed" => "benign",
        _ => "unknown",
    }
}

fn labels(account: &Account) -> Vec<String> {
    let mut labels = vec![
        "otcwatch".to_string(),
        format!("kind:{}", account.kind),
        format!("status:{}", account.status),
    ];
    if account.otc {
        labels.push("otc".to_string());
    }
    labels
}

/// What a reviewer reads first: what the identifier is, where it was seen, and the evidence
/// of the first few sightings.
fn description(entry: &Entry) -> String {
    let account = &entry.account;
    let mut text = format!(
        "{} found by otcwatch{}: {} sighting(s) on {}.",
        kind_label(account.kind),
        if account.otc { ", advertised for OTC crypto trades" } else { "" },
        account.sightings,
        account.sites.join(", "),
    );
    for sighting in entry.sightings.iter().take(MAX_DESCRIBED) {
        text.push_str(&format!(
            "\n- {}: {}",
            place(sighting),
            clip(&sighting.context, CONTEXT_CHARS)
        ));
    }
    text
}

fn identity() -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": IDENTITY_ID,
        "created": DEFINITIONS_CREATED,
        "modified": DEFINITIONS_CREATED,
        "name": "otcwatch",
        "description": "Finds payment accounts advertised for OTC crypto trades on websites and social posts.",
        "identity_class": "system",
    })
}

fn extension_definition() -> Value {
    json!({
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": EXTENSION_ID,
        "created_by_ref": IDENTITY_ID,
        "created": DEFINITIONS_CREATED,
        "modified": DEFINITIONS_CREATED,
        "name": "otcwatch payment identifiers",
        "description": "Observables for payment identifiers that STIX 2.1 has no core object for.",
        "schema": "Three new SCO types. phone-number: number (string, E.164, required, ID contributing). \
                   bank-card: number (string, digits only, required, ID contributing). \
                   cryptocurrency-wallet: address (string, required, ID contributing) and chain \
                   (string: bitcoin, ethereum or tron). See docs/exports.md in otcwatch.",
        "version": "1.0.0",
        "extension_types": ["new-sco"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sco_ids_match_the_oasis_library() {
        // The ids the OASIS Python library (stix2 3.0.2) gives the same objects:
        // `stix2.EmailAddress(value="john@example.com").id` and
        // `stix2.UserAccount(account_type="wechat", account_login="bad\\wx'id").id`.
        let email = observable(Kind::Email, "john@example.com");
        assert_eq!(email.id(), "email-addr--7165e2a9-671f-585d-b1e1-ca59c671d934");
        let wechat = observable(Kind::Wechat, r"bad\wx'id");
        assert_eq!(wechat.id(), "user-account--cf24471a-9e19-5e7a-81f9-13e88956994f");
    }

    #[test]
    fn the_review_status_sets_the_indicator_type() {
        use crate::export::sample_account;
        for (status, want) in [
            ("new", "unknown"),
            ("confirmed", "malicious-activity"),
            ("watchlisted", "malicious-activity"),
            ("dismissed", "benign"),
        ] {
            let account = sample_account(Kind::Qq, "12345", status, 2_000);
            assert_eq!(indicator_type(&account), want, "{status}");
            assert!(labels(&account).contains(&format!("status:{status}")));
        }
    }

    #[test]
    fn patterns_escape_quotes_and_backslashes() {
        let wechat = observable(Kind::Wechat, r"o'brien\x");
        assert_eq!(
            wechat.pattern(),
            r"[user-account:account_login = 'o\'brien\\x' AND user-account:account_type = 'wechat']"
        );
    }
}
