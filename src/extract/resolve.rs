//! Candidates + labels → identifiers. A candidate's labels are the labels chained right before
//! it (`支付宝微信同号：138…` gives Alipay and WeChat) and a label right after it in brackets or
//! with `同号` (`138… (微信同号)`). The labels decide the kind: a mobile number labelled Alipay is
//! an `alipay` account, unlabelled it is a `phone`; a QQ number exists only with its label.

use super::scan::{Candidate, Shape, hit_ending_at, hit_starting_at};
use super::vocab::{self, Hit, Label};
use super::{Kind, alipay, bank_card, phone, qq, telegram, wechat};
use std::ops::Range;

/// One identifier read from a candidate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    pub(crate) kind: Kind,
    pub(crate) value: String,
    /// The folded-text range of the identifier itself.
    pub(crate) range: Range<usize>,
    /// How sure the shape and checksum make us, 0..1, before any OTC judgement.
    pub(crate) confidence: f32,
    /// Set when the identifier is reported despite failing a check (`luhn_failed`).
    pub(crate) validation: Option<&'static str>,
    /// True when a label named its payment service or channel.
    pub(crate) labelled: bool,
}

/// The labels attached to a candidate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Labels {
    /// All of them.
    pub(crate) set: Vec<Label>,
    /// Those written before the candidate (or over its table column): they name a run's first
    /// number (`支付宝：138… 159…`).
    before: Vec<Label>,
    /// Those written after it: they name a run's last number (`7.25 138… 微信同号`).
    after: Vec<Label>,
}

impl Labels {
    pub(crate) fn has(&self, label: Label) -> bool {
        self.set.contains(&label)
    }

    fn add(&mut self, label: Label, after: bool) {
        let side = if after { &mut self.after } else { &mut self.before };
        if !side.contains(&label) {
            side.push(label);
        }
        if !self.set.contains(&label) {
            self.set.push(label);
        }
    }

    fn payment(&self) -> bool {
        self.set
            .iter()
            .any(|l| matches!(l, Label::Alipay | Label::Wechat | Label::Qq | Label::Bank))
    }
}

/// Longest stretch of glue (spaces, colons, brackets, arrows, emoji) between a label and its
/// value, in bytes, not counting connector words and further labels.
const MAX_GLUE: usize = 24;

/// The labels that name the candidate at `range`. `tables` says whether `text` holds a tab at
/// all: without one there are no table rows to read column headers from.
pub(crate) fn labels(text: &str, hits: &[Hit], range: &Range<usize>, tables: bool) -> Labels {
    let mut labels = Labels::default();
    let mut pos = range.start;
    let mut glue = 0;
    let mut newlines = 0;
    'walk: loop {
        while let Some(c) = text[..pos].chars().next_back() {
            // A label may end in a symbol that is glue elsewhere (`V❤`, `🐧`, `✈`).
            if !is_glue(c) || hit_ending_at(hits, pos).is_some_and(|h| h.term.label.is_some()) {
                break;
            }
            glue += c.len_utf8();
            newlines += usize::from(c == '\n');
            // A label may stand on the line before its value (`支付宝：⏎138…`), but a chain
            // of labels does not reach back across lines.
            if glue > MAX_GLUE || newlines > 1 || c == '\n' && !labels.set.is_empty() {
                break 'walk;
            }
            pos -= c.len_utf8();
        }
        // A label's index (`支付宝1：`, `微信(2)：`) stands between it and the value.
        if labels.set.is_empty()
            && glue > 0
            && let Some(start) = index_mark(text, hits, pos)
        {
            pos = start;
        }
        match hit_ending_at(hits, pos) {
            // A trader's own service desk (`承兑客服微信：`) is not a shop's customer service.
            Some(hit)
                if hit.term.label == Some(Label::Service)
                    && labels.payment()
                    && trade_word_before(text, hits, hit) =>
            {
                pos = hit.start;
            }
            // The nearest label names the value: an order-number label further back does not
            // overrule `联系电话：` right before it.
            Some(hit) if hit.term.label == Some(Label::NotAccount) && !labels.set.is_empty() => {
                break;
            }
            Some(hit) if hit.term.label.is_some() || hit.term.connector => {
                if let Some(label) = hit.term.label {
                    labels.add(label, false);
                }
                pos = hit.start;
            }
            _ => match vocab::english_connector_ending_at(text, pos) {
                Some(start) => pos = start,
                None => break,
            },
        }
        if labels.set.len() > 4 {
            break;
        }
    }
    trailing(text, hits, range.end, &mut labels);
    if labels.set.is_empty() && tables {
        column_header(text, hits, range, &mut labels);
    }
    labels
}

/// Labels right after the value: `138… (微信同号)`, `138…【微信/支付宝】`, `138… 微信同号`, or
/// labels that end the line (`138… 微信`). Several may chain with `/`, `、` or `&`.
fn trailing(text: &str, hits: &[Hit], end: usize, labels: &mut Labels) {
    let rest = &text[end..];
    let gap: usize = rest
        .chars()
        .take_while(|c| matches!(c, ' ' | '(' | '（' | '[' | '【'))
        .map(char::len_utf8)
        .sum();
    if gap > 6 {
        return;
    }
    let bracketed = rest[..gap].contains(['(', '（', '[', '【']);
    let mut found = Vec::new();
    let mut pos = end + gap;
    while let Some(hit) = hit_starting_at(hits, pos) {
        let Some(label) = hit.term.label else { break };
        found.push(label);
        pos = hit.end;
        let sep: usize = text[pos..]
            .chars()
            .take_while(|c| matches!(c, '/' | '、' | '&' | ' '))
            .map(char::len_utf8)
            .sum();
        // Labels chain with a separator, or glued (`（支付宝微信同号）`).
        let glued_label =
            sep == 0 && hit_starting_at(hits, pos).is_some_and(|h| h.term.label.is_some());
        if (sep == 0 && !glued_label) || found.len() > 3 {
            break;
        }
        pos += sep;
    }
    let Some(last) = found.last().and(hit_ending_at(hits, pos).or_else(|| {
        // The loop stopped after a separator: step back over it.
        let trimmed = text[..pos].trim_end_matches(['/', '、', '&', ' ']).len();
        hit_ending_at(hits, trimmed)
    })) else {
        return;
    };
    let after = &text[last.end..];
    let same_number = after.starts_with("同号")
        || hit_starting_at(hits, last.end)
            .is_some_and(|h| h.term.connector && text[h.start..h.end].ends_with("同号"));
    let line_ends = after.trim_start_matches(' ').chars().next().is_none_or(|c| {
        matches!(c, '\n' | '\t' | '。' | ',' | '，' | ';' | '；' | ')' | '）' | ']' | '】')
    });
    if bracketed || same_number || line_ends {
        for label in found {
            labels.add(label, true);
        }
    }
}

/// Labels from a table's header row: in `微信\t支付宝` over `abc123\t139…`, the cell under
/// `支付宝` is an Alipay account. Cells are `\t`-separated; the header is the first line of the
/// run of tabbed lines that holds the candidate, looked for within a bounded distance.
fn column_header(text: &str, hits: &[Hit], range: &Range<usize>, labels: &mut Labels) {
    const MAX_TABLE_BYTES: usize = 8192;
    let Some(row) = row_around(text, range.start, range.end) else { return };
    if !text[row.clone()].contains('\t') {
        return;
    }
    let column = text[row.start..range.start].matches('\t').count();
    let mut header = row.clone();
    while header.start > 0 && row.start - header.start < MAX_TABLE_BYTES {
        let prev_end = header.start - 1;
        let Some(prev) = row_around(text, prev_end, prev_end) else { break };
        if !text[prev.clone()].contains('\t') {
            break;
        }
        header = prev;
    }
    if header == row {
        return;
    }
    let Some(cell) = cell_range(text, header, column) else { return };
    let first = hits.partition_point(|hit| hit.start < cell.start);
    for hit in hits[first..].iter().take_while(|hit| hit.end <= cell.end) {
        if let Some(label) = hit.term.label {
            labels.add(label, false);
        }
    }
}

/// Where the label ends whose index ends at `pos`: the index is one or two digits, maybe in
/// brackets or after `#`, right after a label other than a service's (`支付宝1`, `微信(2`,
/// `卡#3`, `订单号1`).
fn index_mark(text: &str, hits: &[Hit], pos: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let digits = bytes[..pos].iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if !(1..=2).contains(&digits) {
        return None;
    }
    let start = pos - digits;
    let open = ["(", "（", "#", "No.", "no."].iter().find(|o| text[..start].ends_with(**o));
    let label_end = start - open.map_or(0, |o| o.len());
    hit_ending_at(hits, label_end)
        .filter(|hit| hit.term.label.is_some_and(|l| l != Label::Service))
        .map(|_| label_end)
}

/// The end of a label's index that starts at `pos` (right after the label): one or two digits,
/// maybe in brackets or after `#`, then a colon (`微信2：`, `微信(2)：`).
pub(crate) fn index_after(text: &str, pos: usize) -> Option<usize> {
    let rest = &text[pos..];
    let open = ["(", "（", "#"].iter().find(|o| rest.starts_with(**o)).map_or(0, |o| o.len());
    let digits = rest[open..].bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=2).contains(&digits) {
        return None;
    }
    let after = &rest[open + digits..];
    let close =
        [")", "）"].iter().find(|c| open > 0 && after.starts_with(**c)).map_or(0, |c| c.len());
    after[close..].starts_with([':', '：']).then_some(pos + open + digits + close)
}

/// Whether a strong trade word (`承兑`, `U商`, `OTC`) stands right before the label `hit`,
/// across spaces at most.
fn trade_word_before(text: &str, hits: &[Hit], hit: &Hit) -> bool {
    let end = text[..hit.start].trim_end_matches(' ').len();
    hit.start - end <= 2 && hit_ending_at(hits, end).is_some_and(|h| h.term.trade >= 3)
}

/// WeChat IDs and Telegram handles written before their label in brackets: `abc123（微信）`,
/// `otc_desk [TG]`. The brackets hold labels and connectors only (`Win10（微信PC版）` is not
/// one), and the ID needs a digit, `_` or `-` (`Contact (WeChat)` names no ID).
pub(crate) fn ids_before_labels(text: &str, hits: &[Hit]) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let is_id = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut out = Vec::new();
    for (idx, hit) in hits.iter().enumerate() {
        if !matches!(hit.term.label, Some(Label::Wechat | Label::Telegram)) {
            continue;
        }
        let mut close = hit.end;
        for next in &hits[idx + 1..] {
            let sep = text[close..next.start].trim_start_matches(['/', '、', ' ']);
            if !sep.is_empty() || next.term.label.is_none() && !next.term.connector {
                break;
            }
            close = next.end;
        }
        if !text[close..].trim_start_matches(' ').starts_with([')', '）', ']', '】']) {
            continue;
        }
        let before = &text[..hit.start];
        let Some(open) = ["(", "（", "[", "【"].iter().find(|o| before.ends_with(**o)) else {
            continue;
        };
        let end = before[..before.len() - open.len()].trim_end_matches(' ').len();
        if before.len() - open.len() - end > 1 {
            continue;
        }
        let start = end - bytes[..end].iter().rev().take_while(|b| is_id(**b)).count();
        let word = &bytes[start..end];
        let marked = start > 0 && matches!(bytes[start - 1], b'@' | b'.' | b'/' | b'#');
        if word.first().is_some_and(u8::is_ascii_alphabetic)
            && word.iter().any(|b| !b.is_ascii_alphabetic())
            && !marked
        {
            out.push(start..end);
        }
    }
    out
}

/// The line holding `start..end`, when it is short enough to be a table row; looking no
/// further than [`MAX_ROW_BYTES`] either way keeps a huge one-line document linear.
fn row_around(text: &str, start: usize, end: usize) -> Option<Range<usize>> {
    const MAX_ROW_BYTES: usize = 2048;
    let lo = text.floor_char_boundary(start.saturating_sub(MAX_ROW_BYTES));
    let hi = text.ceil_char_boundary(end.saturating_add(MAX_ROW_BYTES).min(text.len()));
    let row_start = match text[lo..start].rfind('\n') {
        Some(i) => lo + i + 1,
        None if lo == 0 => 0,
        None => return None,
    };
    let row_end = match text[end..hi].find('\n') {
        Some(i) => end + i,
        None if hi == text.len() => hi,
        None => return None,
    };
    Some(row_start..row_end)
}

fn cell_range(text: &str, line: Range<usize>, column: usize) -> Option<Range<usize>> {
    let mut start = line.start;
    for (idx, cell) in text[line.clone()].split('\t').enumerate() {
        if idx == column {
            return Some(start..start + cell.len());
        }
        start += cell.len() + 1;
    }
    None
}

/// Glue between a label and its value.
pub(crate) fn is_glue(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\n'
            | ':'
            | '：'
            | '；'
            | ';'
            | '．'
            | '＝'
            | '＞'
            | '｜'
            | '／'
            | '-'
            | '='
            | '>'
            | '|'
            | '/'
            | '\\'
            | '、'
            | ','
            | '，'
            | '('
            | ')'
            | '（'
            | '）'
            | '【'
            | '】'
            | '['
            | ']'
            | '「'
            | '」'
            | '<'
            | '《'
            | '》'
            | '"'
            | '\''
            | '“'
            | '”'
            | '‘'
            | '’'
            | '*'
            | '~'
            | '#'
            | '→'
            | '⇒'
            | '～'
    ) || matches!(c as u32, 0x2190..=0x21FF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x1F000..=0x1FAFF)
}

/// Reads the identifiers in one candidate, or says why there are none.
pub(crate) fn resolve(
    text: &str,
    candidate: &Candidate,
    labels: &Labels,
) -> Result<Vec<Resolved>, &'static str> {
    let range = candidate.range.clone();
    let one = |kind, value: &str, confidence| {
        Ok(vec![Resolved {
            kind,
            value: value.to_owned(),
            range: range.clone(),
            confidence,
            validation: None,
            labelled: labels.payment() || labels.has(Label::Telegram),
        }])
    };
    match &candidate.shape {
        Shape::Digits { groups } => digits(text, groups, labels, range.clone()),
        Shape::Email(value) if labels.has(Label::Alipay) => one(Kind::Alipay, value, 0.9),
        Shape::Email(value) => one(Kind::Email, value, 0.85),
        Shape::Btc(value) => one(Kind::Btc, value, 0.95),
        Shape::Eth(value) => {
            let mixed = text[range.clone()].bytes().any(|b| b.is_ascii_uppercase())
                && text[range.clone()][2..].bytes().any(|b| b.is_ascii_lowercase());
            one(Kind::Eth, value, if mixed { 0.95 } else { 0.85 })
        }
        Shape::Tron(value) => one(Kind::Tron, value, 0.95),
        Shape::Telegram { handle, link: true } => one(Kind::Telegram, handle, 0.85),
        Shape::Telegram { handle, link: false } if labels.has(Label::Telegram) => {
            one(Kind::Telegram, handle, 0.85)
        }
        Shape::Telegram { handle, link: false } => one(Kind::Telegram, handle, 0.6),
        Shape::Word => {
            let word = &text[range.clone()];
            if labels.has(Label::Wechat) {
                wechat::id(word).and_then(|id| one(Kind::Wechat, &id, 0.8))
            } else if labels.has(Label::Telegram) {
                telegram::handle(word).and_then(|handle| one(Kind::Telegram, &handle, 0.8))
            } else {
                Err("a word with no wechat or telegram label")
            }
        }
    }
}

/// Reads a digit run: the whole run first, then, when the whole is nothing, its groups, so
/// `QQ 12345678 13812345678` gives a QQ number and a phone.
fn digits(
    text: &str,
    groups: &[Range<usize>],
    labels: &Labels,
    range: Range<usize>,
) -> Result<Vec<Resolved>, &'static str> {
    let all: String = groups.iter().map(|g| &text[g.clone()]).collect();
    let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    let whole = number(&all, &lens, labels, range);
    if whole.is_ok() || groups.len() == 1 {
        return whole;
    }
    // Try sub-runs of consecutive groups, longest first from the left. Only the first sub-run
    // carries the labels before the run.
    let mut found = Vec::new();
    let mut idx = 0;
    while idx < groups.len() {
        let mut taken = false;
        for last in (idx..groups.len()).rev() {
            let sub: String = groups[idx..=last].iter().map(|g| &text[g.clone()]).collect();
            let sub_labels = sub_labels(labels, idx == 0, last + 1 == groups.len());
            if let Ok(mut ids) =
                number(&sub, &lens[idx..=last], &sub_labels, groups[idx].start..groups[last].end)
            {
                found.append(&mut ids);
                idx = last + 1;
                taken = true;
                break;
            }
        }
        if !taken {
            idx += 1;
        }
    }
    if found.is_empty() { whole } else { Ok(found) }
}

/// The labels of a sub-run: those before the run if it comes first, those after it if last.
fn sub_labels(labels: &Labels, first: bool, last: bool) -> Labels {
    let mut out = Labels::default();
    for label in labels.before.iter().filter(|_| first) {
        out.add(*label, false);
    }
    for label in labels.after.iter().filter(|_| last) {
        out.add(*label, true);
    }
    out
}

/// Reads one number (`digits` with separators removed) under `labels`.
fn number(
    digits: &str,
    groups: &[usize],
    labels: &Labels,
    range: Range<usize>,
) -> Result<Vec<Resolved>, &'static str> {
    if labels.has(Label::NotAccount) {
        return Err("labelled as an order, tracking, transaction or ID number");
    }
    let payment = labels.payment() || labels.has(Label::Telegram);
    let make = |kind, value: String, confidence, validation| Resolved {
        kind,
        value,
        range: range.clone(),
        confidence,
        validation,
        labelled: payment,
    };
    if let Some(e164) = phone::mobile(digits) {
        let mut out = Vec::new();
        if labels.has(Label::Alipay) {
            out.push(make(Kind::Alipay, e164.clone(), 0.9, None));
        }
        if labels.has(Label::Wechat) {
            out.push(make(Kind::Wechat, e164.clone(), 0.9, None));
        }
        if labels.has(Label::Qq) {
            // A QQ number on a mobile is the national number, without a country code.
            out.push(make(Kind::Qq, e164.trim_start_matches("+86").to_owned(), 0.7, None));
        }
        if out.is_empty() {
            out.push(make(Kind::Phone, e164, 0.8, None));
        }
        return Ok(out);
    }
    if labels.has(Label::Qq) {
        return qq::number(digits).map(|n| vec![make(Kind::Qq, n, 0.8, None)]);
    }
    if labels.has(Label::Alipay) && alipay::is_user_id(digits) {
        return Ok(vec![make(Kind::Alipay, digits.to_owned(), 0.85, None)]);
    }
    if !(13..=19).contains(&digits.len()) {
        return Err(if labels.payment() {
            "labelled number is not a mobile, qq, alipay id or card"
        } else {
            "not a mobile number or card"
        });
    }
    if digits.len() == 18 && bank_card::resident_id(digits) {
        return Err("a resident id number, not a card");
    }
    let network = bank_card::network(digits);
    if bank_card::luhn(digits) && network.is_some() {
        // Without a card label, a 16-digit number is as likely an order number that passes
        // Luhn by chance (one in ten do): take UnionPay numbers (what these ads use) or numbers
        // written in the 4-digit groups of a card, and no other.
        let card_like = network == Some("unionpay") || groups_like_card(groups);
        if !labels.has(Label::Bank) && !card_like {
            return Err("an unlabelled number that is not grouped like a card");
        }
        let confidence = if labels.has(Label::Bank) { 0.9 } else { 0.7 };
        return Ok(vec![make(Kind::BankCard, digits.to_owned(), confidence, None)]);
    }
    // Some real UnionPay debit cards fail Luhn: report those only when labelled as a card.
    if labels.has(Label::Bank) && digits.starts_with("62") && (16..=19).contains(&digits.len()) {
        return Ok(vec![make(Kind::BankCard, digits.to_owned(), 0.3, Some("luhn_failed"))]);
    }
    Err(if network.is_none() {
        "no card network has this prefix and length"
    } else {
        "fails the luhn check"
    })
}

/// Digit groups of four, the last of one to four (`6222 0212 3456 7890 123`), as cards are
/// printed.
fn groups_like_card(groups: &[usize]) -> bool {
    groups.len() >= 4
        && groups
            .split_last()
            .is_some_and(|(last, rest)| rest.iter().all(|len| *len == 4) && (1..=4).contains(last))
}
