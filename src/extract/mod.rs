//! Document → findings: every payment account identifier in a document, validated, normalised,
//! judged for whether it is advertised for an OTC trade, and tied to its evidence.
//!
//! The path, each step its own file:
//! `normalize` folds obfuscations away → `vocab` finds labels and trade words (`terms`) and
//! the words of the text in one pass (`search`) → `scan` finds candidates by shape →
//! `resolve` reads each with its labels into identifiers (the family files validate) →
//! `score` judges OTC → `warninglist` vetoes known non-accounts. Synchronous, no IO, never
//! fails.

pub(crate) mod alipay;
pub(crate) mod bank_card;
pub(crate) mod crypto;
pub(crate) mod email;
pub(crate) mod normalize;
pub(crate) mod phone;
pub(crate) mod qq;
pub(crate) mod resolve;
pub(crate) mod scan;
pub(crate) mod score;
pub(crate) mod search;
pub(crate) mod telegram;
pub(crate) mod terms;
pub mod value;
pub(crate) mod vocab;
pub mod warninglist;
pub(crate) mod wechat;

#[cfg(test)]
mod tests;

use crate::parse::Document;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::ops::Range;
pub use warninglist::Warninglist;

/// The closed set of identifier kinds: stored, shown and exported, so every `match` covers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Alipay,
    Wechat,
    Qq,
    Phone,
    Email,
    BankCard,
    Btc,
    Eth,
    Tron,
    Telegram,
}

impl Kind {
    /// Every kind, in display order.
    pub const ALL: [Kind; 10] = [
        Kind::Alipay,
        Kind::Wechat,
        Kind::Qq,
        Kind::Phone,
        Kind::Email,
        Kind::BankCard,
        Kind::Btc,
        Kind::Eth,
        Kind::Tron,
        Kind::Telegram,
    ];

    /// The name used in output, the CLI and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Alipay => "alipay",
            Kind::Wechat => "wechat",
            Kind::Qq => "qq",
            Kind::Phone => "phone",
            Kind::Email => "email",
            Kind::BankCard => "bank_card",
            Kind::Btc => "btc",
            Kind::Eth => "eth",
            Kind::Tron => "tron",
            Kind::Telegram => "telegram",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl std::str::FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Kind, String> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
            format!("unknown kind '{s}': expected one of {}", names.join(", "))
        })
    }
}

/// One identifier found in a document, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    /// The normal form (E.164 phone, lower-case e-mail, digits, address as the family says).
    pub value: String,
    /// The identifier as it appeared in the visible text (full-width digits, zero-width
    /// characters and all).
    pub raw: String,
    /// True when the identifier is advertised for an OTC trade.
    pub otc: bool,
    /// Confidence that this is an OTC payment account, 0..1 (see `score.rs`).
    pub score: f32,
    /// A short snippet of visible text around the identifier.
    pub context: String,
    /// Byte range of the first occurrence in the decoded source document.
    pub span: Range<usize>,
    /// Set when reported despite a failed check: `luhn_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<&'static str>,
    /// Why it is on the warninglist of known non-accounts, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// Why the OTC judgement came out as it did.
    pub reasons: Vec<String>,
    /// How many times the identifier occurs in the document.
    pub occurrences: u32,
}

/// A candidate that was not reported, and why: the `--explain` view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    pub raw: String,
    pub span: Range<usize>,
    pub reason: String,
}

/// Everything extraction has to say about one document.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Extraction {
    pub findings: Vec<Finding>,
    pub rejected: Vec<Rejected>,
}

/// Characters of visible text kept either side of an identifier in `context`.
const CONTEXT_CHARS: usize = 40;

/// Extracts every identifier in `doc`. Never fails: anything that is not an identifier is
/// simply not reported (see `Extraction::rejected` for why).
pub fn findings(doc: &Document, warninglist: &Warninglist) -> Extraction {
    let folded = normalize::fold(&doc.text);
    let text: &str = &folded.text;
    let (hits, words) = vocab::hits_and_words(text);
    let scan = scan::scan(text, &hits, &words);
    let title = doc.title.as_ref().map(|_| 0..text.find('\n').unwrap_or(text.len()));
    let mut page = score::Page::new(&hits, title.as_ref());
    page.n_hashes = scan.n_hashes;
    page.n_wallets = scan
        .candidates
        .iter()
        .filter(|c| {
            matches!(c.shape, scan::Shape::Btc(_) | scan::Shape::Eth(_) | scan::Shape::Tron(_))
        })
        .count();

    let to_source = |range: &Range<usize>| doc.map.span(folded.map.span(range.clone()));
    let to_text = |range: &Range<usize>| folded.map.span(range.clone());
    let mut out = Extraction::default();
    let mut index: HashMap<(Kind, String), usize> = HashMap::new();
    // Column headers label the cells of tables, whose cells the parser separates with tabs.
    let tables = memchr::memchr(b'\t', text.as_bytes()).is_some();
    for refused in &scan.refused {
        out.rejected.push(rejected(
            doc,
            to_text(&refused.range),
            to_source(&refused.range),
            refused.reason,
        ));
    }
    for candidate in &scan.candidates {
        let labels = resolve::labels(text, &hits, &candidate.range, tables);
        let ids = match resolve::resolve(text, candidate, &labels) {
            Ok(ids) => ids,
            Err(reason) => {
                let range = to_text(&candidate.range);
                out.rejected.push(rejected(doc, range, to_source(&candidate.range), reason));
                continue;
            }
        };
        for id in ids {
            let judgement = score::judge(text, &hits, &page, &id.range, &labels.set);
            // `raw` and `context` are filled in below, and only when they are kept: a later
            // occurrence keeps neither unless it scores higher (`merge`).
            let mut finding = Finding {
                kind: id.kind,
                raw: String::new(),
                otc: judgement.otc,
                score: score::score(id.confidence, judgement.margin),
                context: String::new(),
                span: to_source(&id.range),
                validation: id.validation,
                warning: warninglist.check(id.kind, &id.value),
                reasons: judgement.reasons,
                occurrences: 1,
                value: id.value,
            };
            if finding.warning.is_some() {
                finding.otc = false;
                finding.score = finding.score.min(0.1);
            }
            let text_range = to_text(&id.range);
            match index.entry((finding.kind, finding.value.clone())) {
                Entry::Occupied(slot) => {
                    let first = &mut out.findings[*slot.get()];
                    if finding.score > first.score {
                        finding.context = context(&doc.text, text_range);
                    }
                    merge(first, finding);
                }
                Entry::Vacant(slot) => {
                    finding.raw = doc.text.get(text_range.clone()).unwrap_or_default().to_owned();
                    finding.context = context(&doc.text, text_range);
                    slot.insert(out.findings.len());
                    out.findings.push(finding);
                }
            }
        }
    }
    out
}

/// Folds a later occurrence into the first: the best judgement wins, the first span stays.
fn merge(first: &mut Finding, later: Finding) {
    first.occurrences += 1;
    if later.score > first.score {
        first.otc |= later.otc;
        first.score = later.score;
        first.reasons = later.reasons;
        first.context = later.context;
    }
    first.otc |= later.otc && first.warning.is_none();
}

fn rejected(
    doc: &Document,
    text_range: Range<usize>,
    span: Range<usize>,
    reason: &str,
) -> Rejected {
    Rejected {
        raw: doc.text.get(text_range).unwrap_or_default().to_owned(),
        span,
        reason: reason.to_owned(),
    }
}

/// Up to [`CONTEXT_CHARS`] characters either side of `range`, on one line: whitespace runs
/// become one space, and none is left at either end.
fn context(text: &str, range: Range<usize>) -> String {
    let start = text[..range.start]
        .char_indices()
        .rev()
        .take(CONTEXT_CHARS)
        .last()
        .map_or(range.start, |(i, _)| i);
    let end = text[range.end..]
        .char_indices()
        .nth(CONTEXT_CHARS)
        .map_or(text.len(), |(i, _)| range.end + i);
    let mut snippet = String::with_capacity(end - start);
    for word in text[start..end].split_whitespace() {
        if !snippet.is_empty() {
            snippet.push(' ');
        }
        snippet.push_str(word);
    }
    snippet
}
