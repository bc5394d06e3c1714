//! The words that matter around an identifier, found in one pass by one Aho-Corasick
//! automaton: labels that say what an identifier is (`支付宝`, `VX`, `扣扣`…), connectors between a
//! label and its value (`账号`, `ID`, `同号`…), the vocabulary of OTC trading (`收U`, `承兑`,
//! `汇率`…) and the vocabulary of pages that are not advertisements (news, anti-fraud warnings,
//! shops, block explorers, documentation).
//!
//! The lists are data: extend them here, with a test in `extract/tests.rs`. Weights are read by
//! `score.rs`, which explains them.

use super::scan;
use super::search::{Searcher, Word};
use super::terms::*;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// What a label says its value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Label {
    Alipay,
    Wechat,
    Qq,
    Bank,
    Telegram,
    /// A plain phone label ("电话", "tel").
    Phone,
    /// A plain e-mail label ("邮箱").
    Email,
    /// A contact role that is not a trader's account: customer service, press, complaints.
    Service,
    /// A number that is not an account: order, tracking, transaction, ID-card numbers, prices.
    NotAccount,
}

/// What a pattern means. One pattern may mean several things: `客服` is a label (the number is
/// customer service's) and also says the page is a shop's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Term {
    pub(crate) label: Option<Label>,
    /// Glue that may stand between a label and its value (`账号`, `ID`, `同号`).
    pub(crate) connector: bool,
    /// Vocabulary of OTC trading, weight 1 (mere crypto mention) to 4 (unambiguous); 0 if none.
    pub(crate) trade: u8,
    /// Vocabulary of pages that are not advertisements, weight 1 to 4; 0 if none.
    pub(crate) against: u8,
    pub(crate) special: Option<Special>,
}

/// Patterns that the candidate scanners act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Special {
    /// `[at]`, `(at)`: an obfuscated `@`.
    EmailAt,
    /// `[dot]`, `(dot)`: an obfuscated `.`.
    EmailDot,
    /// `t.me/`, `telegram.me/`: a Telegram link; the handle follows.
    TgLink,
    /// `示例`, `e.g.`: the identifier right after is an example (`score.rs`).
    Example,
}

/// One occurrence of a term in the folded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) term: Term,
}

/// Finds every term in `text`, leftmost-longest, keeping only matches that stand on word
/// boundaries where they are made of ASCII letters (so `eth` in `method` is not a hit), and
/// single-character labels only where a value follows at once (`V：abc`, not the `V` of `V 2`).
/// The same pass collects the words that `scan::words` looks at ([`scan::wanted`]).
pub(crate) fn hits_and_words(text: &str) -> (Vec<Hit>, Vec<Word>) {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut words = Vec::new();
    let on_word = |word: Word| {
        if scan::wanted(&word) {
            words.push(word);
        }
    };
    let on_match = |pattern: usize, start: usize, end: usize| {
        if !on_word_boundaries(bytes, start, end) {
            return;
        }
        let Some(entry) = VOCABULARY.entries.get(pattern) else { return };
        let mut term = entry.term;
        if entry.strict && !value_follows(bytes, end) {
            term.label = None;
        }
        // A label written in letters right after a digit is the inside of a word (the `q` of
        // `…05q6` in a bech32 address), not a label. Trade words may follow digits (`100usdt`).
        let after_digit = start > 0 && bytes[start - 1].is_ascii_digit();
        if after_digit && bytes[start].is_ascii_alphabetic() {
            term.label = None;
        }
        if term != Term::default() {
            out.push(Hit { start, end, term });
        }
    };
    VOCABULARY.searcher.search(text, on_match, on_word);
    (out, words)
}

#[cfg(test)]
pub(crate) fn hits(text: &str) -> Vec<Hit> {
    hits_and_words(text).0
}

struct Entry {
    term: Term,
    /// The label is valid only when a value follows directly (a colon, or an ASCII letter or
    /// digit).
    strict: bool,
}

struct Vocabulary {
    searcher: Searcher,
    entries: Vec<Entry>,
}

static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    let mut merged: BTreeMap<String, Entry> = BTreeMap::new();
    for (pattern, part, strict) in table() {
        let entry = merged
            .entry(pattern.to_ascii_lowercase())
            .or_insert(Entry { term: Term::default(), strict: false });
        let term = &mut entry.term;
        term.label = term.label.or(part.label);
        term.connector |= part.connector;
        term.trade = term.trade.max(part.trade);
        term.against = term.against.max(part.against);
        term.special = term.special.or(part.special);
        entry.strict |= strict;
    }
    // A full DFA: a few hundred KiB built once, and the fastest search (bench/RESULTS.md).
    let searcher =
        Searcher::new(merged.keys()).expect("the vocabulary is a fixed, valid pattern set");
    Vocabulary { searcher, entries: merged.into_values().collect() }
});

fn on_word_boundaries(bytes: &[u8], start: usize, end: usize) -> bool {
    let letter = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_alphabetic);
    let starts_with_letter = letter(start);
    let ends_with_letter = end > 0 && letter(end - 1);
    let glued_before = starts_with_letter && start > 0 && letter(start - 1);
    let glued_after = ends_with_letter && letter(end);
    !glued_before && !glued_after
}

/// A value follows a single-character label: directly an ASCII letter, digit or `@`, or a
/// colon after optional spaces.
fn value_follows(bytes: &[u8], end: usize) -> bool {
    let rest = bytes.get(end..).unwrap_or_default();
    if rest.first().is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'@') {
        return true;
    }
    let rest = &rest[rest.iter().take_while(|b| **b == b' ').count()..];
    rest.first() == Some(&b':') || rest.starts_with("：".as_bytes())
}

/// The whole vocabulary as (pattern, meaning, strict): every pattern as listed, and in
/// Traditional characters where it has any that differ ([`traditional`]).
pub(super) fn table() -> Vec<(Cow<'static, str>, Term, bool)> {
    let mut table = Vec::new();
    let mut add = |patterns: &[&'static str], term: Term, strict: bool| {
        for pattern in patterns {
            table.push((Cow::Borrowed(*pattern), term, strict));
            if let Some(variant) = traditional(pattern) {
                table.push((Cow::Owned(variant), term, strict));
            }
        }
    };
    let label = |label: Label| Term { label: Some(label), ..Term::default() };
    let special = |special: Special| Term { special: Some(special), ..Term::default() };
    use Label::*;
    add(ALIPAY, label(Alipay), false);
    add(&["支", "吱"], label(Alipay), true);
    add(WECHAT, label(Wechat), false);
    add(&["v", "微", "薇", "威"], label(Wechat), true);
    add(QQ, label(Qq), false);
    add(&["q", "扣"], label(Qq), true);
    add(BANK, label(Bank), false);
    add(&["银行", "卡"], label(Bank), true);
    add(TELEGRAM, label(Telegram), false);
    add(PHONE, label(Phone), false);
    add(EMAIL, label(Email), false);
    add(SERVICE, label(Service), false);
    add(NOT_ACCOUNT, label(NotAccount), false);
    add(CONNECTORS, Term { connector: true, ..Term::default() }, false);
    for (weight, words) in (1..).zip(TRADE) {
        add(words, Term { trade: weight, ..Term::default() }, false);
    }
    for (weight, words) in (1..).zip(AGAINST) {
        add(words, Term { against: weight, ..Term::default() }, false);
    }
    add(
        &["[at]", "(at)", "{at}", "【at】", "（at）", "[艾特]", "艾特"],
        special(Special::EmailAt),
        false,
    );
    add(
        &["[dot]", "(dot)", "{dot}", "【dot】", "（dot）", "[点]"],
        special(Special::EmailDot),
        false,
    );
    add(&["t.me/", "telegram.me/", "telegram.dog/"], special(Special::TgLink), false);
    add(EXAMPLE, special(Special::Example), false);
    table
}

/// `pattern` in Traditional characters ([`TRADITIONAL`]), when that differs.
fn traditional(pattern: &str) -> Option<String> {
    let mut changed = false;
    let variant = pattern
        .chars()
        .map(|c| match SIMPLIFIED.chars().position(|s| s == c) {
            Some(idx) => {
                changed = true;
                TRADITIONAL.chars().nth(idx).unwrap_or(c)
            }
            None => c,
        })
        .collect();
    changed.then_some(variant)
}

/// English connector words are not in the automaton: they are among the commonest words of
/// English text, and every match costs. `english_connector_*` look for them only where a
/// label walk needs them.
const ENGLISH_CONNECTORS: &[&str] = &[
    "id", "no", "number", "acc", "account", "is", "me", "add", "on", "via", "to", "or", "and",
    "contact", "at",
];

/// The start of an English connector word that ends exactly at `pos` (`ID` in `WeChat ID: x`).
pub(crate) fn english_connector_ending_at(text: &str, pos: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let start = pos - bytes[..pos].iter().rev().take_while(|b| b.is_ascii_alphabetic()).count();
    if start == pos || start > 0 && bytes[start - 1].is_ascii_alphanumeric() {
        return None;
    }
    let word = &text[start..pos];
    ENGLISH_CONNECTORS.iter().any(|c| c.eq_ignore_ascii_case(word)).then_some(start)
}

/// The end of an English connector word that starts exactly at `pos`.
pub(crate) fn english_connector_starting_at(text: &str, pos: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let end = pos + bytes[pos..].iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if end == pos
        || pos > 0 && bytes[pos - 1].is_ascii_alphanumeric()
        || bytes.get(end).is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    let word = &text[pos..end];
    ENGLISH_CONNECTORS.iter().any(|c| c.eq_ignore_ascii_case(word)).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<(&str, Term)> {
        hits(text).into_iter().map(|hit| (&text[hit.start..hit.end], hit.term)).collect()
    }

    fn labels(text: &str) -> Vec<(&str, Label)> {
        hits(text)
            .into_iter()
            .filter_map(|hit| Some((&text[hit.start..hit.end], hit.term.label?)))
            .collect()
    }

    #[test]
    fn labels_are_found_case_insensitively() {
        assert_eq!(labels("ZFB:1"), [("ZFB", Label::Alipay)]);
        assert_eq!(labels("WeChat ID: abc"), [("WeChat ID", Label::Wechat)]);
    }

    #[test]
    fn ascii_words_need_word_boundaries() {
        assert!(terms("method hotcake").is_empty(), "{:?}", terms("method hotcake"));
        assert_eq!(terms("eth, otc")[1].1.trade, 4);
    }

    #[test]
    fn a_term_inside_a_word_does_not_hide_the_next() {
        assert_eq!(terms("Bali pay")[..], [("pay", Term { trade: 2, ..Term::default() })]);
    }

    #[test]
    fn single_character_labels_need_a_value_next() {
        assert_eq!(labels("V: abc"), [("V", Label::Wechat)]);
        assert_eq!(labels("V：abc"), [("V", Label::Wechat)]);
        assert_eq!(labels("Vabc1"), []);
        assert_eq!(labels("ERC20 V 2"), []);
        assert_eq!(labels("微博"), []);
    }

    #[test]
    fn longest_label_wins() {
        assert_eq!(labels("微信号：abc"), [("微信号", Label::Wechat)]);
        assert_eq!(labels("物流单号：1"), [("物流单号", Label::NotAccount)]);
    }

    #[test]
    fn traditional_spellings_mean_what_simplified_ones_do() {
        assert_eq!(SIMPLIFIED.chars().count(), TRADITIONAL.chars().count());
        assert_eq!(labels("微信號：abc"), [("微信號", Label::Wechat)]);
        assert_eq!(labels("支付寶帳號：1"), [("支付寶帳號", Label::Alipay)]);
        assert!(hits("支付寶 帳號")[1].term.connector);
        assert_eq!(labels("聯繫電話：1"), [("聯繫電話", Label::Phone)]);
        assert_eq!(terms("騙子")[0].1.against, 4);
        assert_eq!(terms("承兌")[0].1.trade, 4);
    }

    #[test]
    fn a_word_can_be_a_label_and_vocabulary() {
        let hit = hits("客服电话")[0];
        assert_eq!(hit.term.label, Some(Label::Service));
        let hit = hits("客服")[0];
        assert_eq!((hit.term.label, hit.term.against), (Some(Label::Service), 1));
    }
}
