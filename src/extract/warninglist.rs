//! Known non-accounts: token contracts, burn addresses, documentation examples, placeholder and
//! test numbers. They are never someone's payment account, so they are reported with
//! `otc: false` at most. The list is data (`config/warninglist.toml`, embedded); a team adds its own
//! file of the same shape.

use super::{Kind, bank_card, email};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// The warninglist: (kind, normal form) → why it is not an account.
#[derive(Debug, Clone, Default)]
pub struct Warninglist {
    entries: HashMap<(Kind, String), String>,
}

/// A warninglist file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read warninglist {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("warninglist {path} is not valid: {source}")]
    Parse { path: String, source: toml::de::Error },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    entry: Vec<FileEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    kind: Kind,
    value: String,
    reason: String,
}

const EMBEDDED: &str = include_str!("../../config/warninglist.toml");

impl Warninglist {
    /// The list shipped with otcwatch.
    pub fn embedded() -> Warninglist {
        let mut list = Warninglist::default();
        list.add_toml(EMBEDDED, "embedded warninglist").expect("the embedded warninglist parses");
        list
    }

    /// Adds the entries of a team's own file.
    pub fn extend_from_file(&mut self, path: &Path) -> Result<(), Error> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::Read { path: name.clone(), source })?;
        self.add_toml(&text, &name)
    }

    fn add_toml(&mut self, text: &str, name: &str) -> Result<(), Error> {
        let file: File = toml::from_str(text)
            .map_err(|source| Error::Parse { path: name.to_owned(), source })?;
        for entry in file.entry {
            let value = normal_form(entry.kind, entry.value.trim());
            self.entries.insert((entry.kind, value), entry.reason);
        }
        Ok(())
    }

    /// Why `value` of `kind` is a known non-account, or `None`. A listed phone number is
    /// listed under every kind that carries it (an "Alipay" account on 13800138000 is still the
    /// carrier's service number).
    pub fn check(&self, kind: Kind, value: &str) -> Option<String> {
        if let Some(reason) = self.entries.get(&(kind, value.to_owned())) {
            return Some(reason.clone());
        }
        if let Some(reason) = value
            .starts_with("+86")
            .then(|| self.entries.get(&(Kind::Phone, value.to_owned())))
            .flatten()
        {
            return Some(reason.clone());
        }
        match kind {
            Kind::BankCard if bank_card::is_test_card(value) => {
                Some("a well-known test card number".to_owned())
            }
            Kind::Email | Kind::Alipay if email::is_reserved_domain(value) => {
                Some("an address at a reserved documentation domain".to_owned())
            }
            _ => None,
        }
    }
}

/// The normal form of a listed value, so a team may write addresses as they appear.
fn normal_form(kind: Kind, value: &str) -> String {
    match kind {
        Kind::Eth | Kind::Email | Kind::Wechat | Kind::Telegram => value.to_ascii_lowercase(),
        Kind::Btc if value.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("bc1")) => {
            value.to_ascii_lowercase()
        }
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_list_knows_the_usdt_contracts() {
        let list = Warninglist::embedded();
        assert!(list.check(Kind::Tron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t").is_some());
        assert!(list.check(Kind::Eth, "0xdac17f958d2ee523a2206206994597c13d831ec7").is_some());
        assert!(list.check(Kind::Tron, "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP").is_none());
    }

    #[test]
    fn every_embedded_entry_is_a_valid_identifier_in_its_normal_form() {
        let file: toml::Table =
            toml::from_str(include_str!("../../config/warninglist.toml")).unwrap();
        let entries = file["entry"].as_array().unwrap();
        let mut seen = std::collections::HashSet::new();
        for entry in entries {
            let kind: Kind = entry["kind"].as_str().unwrap().parse().unwrap();
            let value = entry["value"].as_str().unwrap();
            assert!(seen.insert((kind, value)), "{kind}:{value} is listed twice");
            assert_eq!(
                crate::extract::value::normalize(kind, value).as_deref(),
                Ok(value),
                "{kind}:{value} must be a valid identifier written in its normal form"
            );
        }
    }

    #[test]
    fn listed_phones_are_listed_for_every_kind() {
        let list = Warninglist::embedded();
        assert!(list.check(Kind::Alipay, "+8613800138000").is_some());
    }

    #[test]
    fn test_cards_and_reserved_domains_are_listed() {
        let list = Warninglist::embedded();
        assert!(list.check(Kind::BankCard, "4111111111111111").is_some());
        assert!(list.check(Kind::Email, "sales@example.com").is_some());
    }

    #[test]
    fn a_team_file_extends_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ours.toml");
        std::fs::write(&path, "[[entry]]\nkind = \"wechat\"\nvalue = \"OurSupport01\"\nreason = \"our own support account\"\n").unwrap();
        let mut list = Warninglist::embedded();
        list.extend_from_file(&path).unwrap();
        assert_eq!(
            list.check(Kind::Wechat, "oursupport01").as_deref(),
            Some("our own support account")
        );
    }

    #[test]
    fn a_broken_file_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "[[entry]]\nkind = \"paypal\"\nvalue = \"x\"\nreason = \"y\"\n")
            .unwrap();
        let err = Warninglist::embedded().extend_from_file(&path).unwrap_err();
        assert!(matches!(err, Error::Parse { .. }), "{err}");
        assert!(err.to_string().contains("paypal"), "{err}");
    }
}
