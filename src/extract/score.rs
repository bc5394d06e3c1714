//! The OTC judgement: is this identifier advertised for an over-the-counter crypto trade?
//!
//! The answer comes from the identifier's surroundings, not from the page's mere mention of
//! crypto. Two sums are weighed against each other:
//!
//! - **trade evidence**: OTC vocabulary (`vocab.rs`, weight 1 for a bare coin name up to 4 for
//!   `收U`, `承兑`, `OTC`), counted in full on the identifier's own line and with a linear decay
//!   out to [`WINDOW`] bytes either side; plus a little for the rest of the page (an ad page
//!   repeats itself) and for the title. A payment label on the identifier adds to it when some
//!   trade word is near: "支付宝：…" under "收U" is the advertisement's point. Each distinct
//!   word counts once near an identifier (its nearest occurrence): a list repeating "USDT" on
//!   every row says no more than one "USDT". A coin name right after a number (`639,379,089
//!   USDT`) is an amount, not trade talk: it weighs 1, as a mere mention does, unless a buy
//!   or sell verb stands before the amount (`收 5000 USDT`).
//! - **examples**: an identifier right after `示例`, `例如`, `e.g.` (on its line, with no
//!   payment label between) is documentation, whatever the page says elsewhere.
//! - **evidence against**: the vocabulary of news, anti-fraud warnings, shops and customer
//!   service, block explorers and documentation, counted the same way but with the page-wide
//!   part weighing more, because these are properties of the whole page (a news story quotes
//!   traders' words; a warning quotes scammers'). A service label on the identifier itself
//!   (`客服电话`, `Press enquiries`) counts heavily: that number is not a trader's. A page with many
//!   wallet addresses and transaction hashes is an explorer.
//!
//! `otc` is true when the trade evidence exceeds the evidence against by [`THRESHOLD`] and some
//! of it is local. The score multiplies the identifier's validation confidence by a logistic
//! function of that margin, so it is above one half of the confidence for OTC findings and
//! below it for the rest.

use super::vocab::{Hit, Label, Special};
use std::ops::Range;

/// Distance in bytes (of folded text) over which a word's weight decays to zero. About 80 CJK
/// characters or 40 English words.
pub(crate) const WINDOW: usize = 260;

/// Margin of trade evidence over evidence against at which an identifier is called OTC.
pub(crate) const THRESHOLD: f32 = 3.0;

/// Page-wide facts, computed once per document.
#[derive(Debug, Clone, Default)]
pub(crate) struct Page {
    pub(crate) trade: f32,
    pub(crate) against: f32,
    pub(crate) title_trade: f32,
    pub(crate) title_against: f32,
    /// Distinct wallet addresses on the page.
    pub(crate) n_wallets: usize,
    /// 64-hex-digit words (transaction hashes).
    pub(crate) n_hashes: usize,
}

impl Page {
    /// Sums the page-wide vocabulary. `title` is the folded range of the title line, if any.
    pub(crate) fn new(hits: &[Hit], title: Option<&Range<usize>>) -> Page {
        let mut page = Page::default();
        for hit in hits {
            let in_title = title.is_some_and(|t| hit.start < t.end);
            page.trade += f32::from(hit.term.trade);
            page.against += f32::from(hit.term.against);
            if in_title {
                page.title_trade += f32::from(hit.term.trade);
                page.title_against += f32::from(hit.term.against);
            }
        }
        page
    }
}

/// The judgement on one identifier.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Judgement {
    pub(crate) otc: bool,
    /// Trade evidence minus evidence against.
    pub(crate) margin: f32,
    /// Human-readable reasons, most telling first.
    pub(crate) reasons: Vec<String>,
}

/// Judges the identifier at `range` of `text` (folded), with its labels.
pub(crate) fn judge(
    text: &str,
    hits: &[Hit],
    page: &Page,
    range: &Range<usize>,
    labels: &[Label],
) -> Judgement {
    let line = line_of(text, range);
    let lo = range.start.saturating_sub(WINDOW);
    let hi = range.end + WINDOW;
    let first = hits.partition_point(|hit| hit.end <= lo);
    // Each distinct word near the identifier, with its largest weighted trade and against.
    let mut seen: Vec<(&str, f32, f32)> = Vec::new();
    let mut strongest: Option<(f32, &Hit)> = None;
    let mut example = false;
    for hit in hits[first..].iter().take_while(|hit| hit.start < hi) {
        if hit.term.special == Some(Special::Example) {
            example |= introduces(text, hits, hit, range, &line);
        }
        let weight = if hit.start >= line.start && hit.end <= line.end {
            1.0
        } else {
            let distance = if hit.end <= range.start {
                range.start - hit.end
            } else {
                hit.start.saturating_sub(range.end)
            };
            1.0 - distance as f32 / WINDOW as f32
        };
        if weight <= 0.0 {
            continue;
        }
        let word = &text[hit.start..hit.end];
        // An amount's unit is a mere mention of crypto.
        let trade =
            weight * if is_amount_unit(text, hit) { 1.0 } else { f32::from(hit.term.trade) };
        let against = weight * f32::from(hit.term.against);
        match seen.iter_mut().find(|(seen, _, _)| seen.eq_ignore_ascii_case(word)) {
            Some(entry) => {
                entry.1 = entry.1.max(trade);
                entry.2 = entry.2.max(against);
            }
            None => seen.push((word, trade, against)),
        }
        if trade > 0.0 && strongest.is_none_or(|(best, _)| trade > best) {
            strongest = Some((trade, hit));
        }
    }
    let local_trade: f32 = seen.iter().map(|(_, trade, _)| trade).sum();
    let local_against: f32 = seen.iter().map(|(_, _, against)| against).sum();
    let mut reasons = Vec::new();
    let mut trade =
        local_trade.min(12.0) + (page.trade * 0.1).min(2.0) + page.title_trade.min(4.0) * 0.5;
    let payment_label = labels.iter().any(|l| {
        matches!(l, Label::Alipay | Label::Wechat | Label::Qq | Label::Bank | Label::Telegram)
    });
    if payment_label && local_trade >= 1.0 {
        trade += 1.5;
        reasons.push("payment label near trade words".to_owned());
    }
    if let Some((_, hit)) = strongest {
        reasons.push(format!("trade word '{}'", &text[hit.start..hit.end]));
    }
    let mut against =
        local_against.min(10.0) + (page.against * 0.3).min(6.0) + page.title_against.min(4.0) * 0.5;
    if labels.contains(&Label::Service) {
        against += 6.0;
        reasons.push("labelled as customer service, press or complaints".to_owned());
    }
    if example {
        against += 8.0;
        reasons.push("written as an example".to_owned());
    }
    if page.n_wallets >= 4 && page.n_hashes >= 2 {
        against += 4.0;
        reasons.push("page lists many addresses and transaction hashes (explorer)".to_owned());
    }
    if against >= 3.0 {
        reasons.push(format!("evidence against {against:.1}"));
    }
    let margin = trade - against;
    let otc = margin >= THRESHOLD && local_trade >= 1.0;
    if !otc && trade < THRESHOLD {
        reasons.push("no trade vocabulary near it".to_owned());
    }
    Judgement { otc, margin, reasons }
}

/// Bytes before an identifier within which an example word (`示例：`) introduces it.
const EXAMPLE_REACH: usize = 40;

/// Whether the example word `hit` introduces the identifier at `range`: it stands on the
/// identifier's `line` at most [`EXAMPLE_REACH`] bytes before it, with no payment label between
/// (`例如 支付宝：…` is not an example of an address).
fn introduces(
    text: &str,
    hits: &[Hit],
    hit: &Hit,
    range: &Range<usize>,
    line: &Range<usize>,
) -> bool {
    if hit.start < line.start || hit.end > range.start || range.start - hit.end > EXAMPLE_REACH {
        return false;
    }
    let between = hits.partition_point(|h| h.start < hit.end);
    let labelled = hits[between..].iter().take_while(|h| h.end <= range.start).any(|h| {
        matches!(h.term.label, Some(Label::Alipay | Label::Wechat | Label::Qq | Label::Bank))
    });
    !labelled && !text[hit.end..range.start].contains('\n')
}

/// Whether the weak trade word `hit` (a coin name, weight 2 at most) is the unit of an amount
/// written right before it: `639,379,089 USDT`, `0.5BTC`. Not when a buy or sell verb
/// stands right before the amount: `收 5000 USDT`, `sell 1000 USDT` is an offer.
fn is_amount_unit(text: &str, hit: &Hit) -> bool {
    let before = text[..hit.start].trim_end_matches(' ');
    let is_amount = hit.term.trade <= 2
        && text[hit.start..hit.end].bytes().all(|b| b.is_ascii_alphanumeric())
        && before.bytes().next_back().is_some_and(|b| b.is_ascii_digit());
    if !is_amount {
        return false;
    }
    let number = before.trim_end_matches(|c: char| c.is_ascii_digit() || matches!(c, ',' | '.'));
    let verb = number.trim_end_matches(' ');
    const VERBS: [&str; 8] = ["收", "出", "买", "卖", "求购", "回收", "buy", "sell"];
    !VERBS.iter().any(|v| {
        verb.len() >= v.len()
            && verb.is_char_boundary(verb.len() - v.len())
            && verb[verb.len() - v.len()..].eq_ignore_ascii_case(v)
    })
}

/// The score of an identifier of validation `confidence` judged with `margin`: logistic in the
/// margin, centred on the threshold.
pub(crate) fn score(confidence: f32, margin: f32) -> f32 {
    let p = 1.0 / (1.0 + (-(margin - THRESHOLD) / 1.5).exp());
    (confidence * p * 100.0).round() / 100.0
}

/// The line around `range`, looked for no further than [`WINDOW`] bytes either side so that a
/// huge one-line document stays linear.
fn line_of(text: &str, range: &Range<usize>) -> Range<usize> {
    let lo = text.floor_char_boundary(range.start.saturating_sub(WINDOW));
    let hi = text.ceil_char_boundary(range.end + WINDOW);
    let start = text[lo..range.start].rfind('\n').map_or(lo, |i| lo + i + 1);
    let end = text[range.end..hi].find('\n').map_or(hi, |i| range.end + i);
    start..end
}
