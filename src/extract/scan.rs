//! One pass over the folded text that finds every candidate identifier by its shape: digit
//! runs (with the separators people put inside numbers), address-like words, e-mail addresses,
//! Telegram links and handles, and the words that follow a WeChat or Telegram label. Nothing
//! here decides what a candidate is; `resolve.rs` does, with the labels around it.

use super::search::Word;
use super::vocab::{self, Hit, Label, Special};
use super::{crypto, email, resolve, telegram};
use std::ops::Range;

/// A candidate identifier: where it is in the folded text and what it looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) range: Range<usize>,
    pub(crate) shape: Shape,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A run of digit groups; `groups` are the groups' ranges (one for an unbroken run).
    Digits {
        groups: Vec<Range<usize>>,
    },
    /// A validated e-mail address (normal form).
    Email(String),
    /// A validated wallet address (normal form).
    Btc(String),
    Eth(String),
    Tron(String),
    /// A Telegram handle (normal form); `link` when written as a t.me link.
    Telegram {
        handle: String,
        link: bool,
    },
    /// A word that follows a label (a WeChat ID or a Telegram handle, to be checked).
    Word,
}

/// A candidate that failed validation, for `--explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    pub(crate) range: Range<usize>,
    pub(crate) reason: &'static str,
}

/// What the scan found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub(crate) candidates: Vec<Candidate>,
    pub(crate) refused: Vec<Refused>,
    /// How many 64-hex-digit words (transaction hashes) the text holds: block explorers are
    /// full of them.
    pub(crate) n_hashes: usize,
}

/// At most this many bytes of separators may stand between two digit groups of one number
/// (`189 - 8744 - 1266`).
const MAX_DIGIT_GAP: usize = 3;

/// Scans `text` (folded) with its vocabulary `hits` (sorted, non-overlapping) and the words
/// kept by the same pass.
pub(crate) fn scan(text: &str, hits: &[Hit], all_words: &[Word]) -> Scan {
    let mut scan = Scan::default();
    words(text, hits, all_words, &mut scan);
    emails_and_handles(text, hits, &mut scan);
    telegram_links(text, hits, &mut scan);
    labelled_words(text, hits, &mut scan);
    for range in resolve::ids_before_labels(text, hits) {
        scan.candidates.push(Candidate { range, shape: Shape::Word });
    }
    // Where candidates overlap, the longest one that starts first stands: an e-mail address
    // over the digits of its local part, a link over its handle.
    scan.candidates.sort_by_key(|c| (c.range.start, std::cmp::Reverse(c.range.end)));
    scan.candidates.dedup_by(|later, earlier| later.range.start < earlier.range.end);
    scan
}

fn is_word(b: u8) -> bool {
    WORD_BYTES[usize::from(b)]
}

/// `[A-Za-z0-9_]`, as a table: the word loop below looks up every byte of the text.
static WORD_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || byte == b'_';
        b += 1;
    }
    table
};

/// The hit that ends exactly at `pos`, if any.
pub(crate) fn hit_ending_at(hits: &[Hit], pos: usize) -> Option<&Hit> {
    let idx = hits.partition_point(|hit| hit.end < pos);
    hits.get(idx).filter(|hit| hit.end == pos)
}

/// The hit that starts exactly at `pos`, if any.
pub(crate) fn hit_starting_at(hits: &[Hit], pos: usize) -> Option<&Hit> {
    let idx = hits.partition_point(|hit| hit.start < pos);
    hits.get(idx).filter(|hit| hit.start == pos)
}

/// Whether `words` needs to see `word`: a digit run, a label glued to digits, or a word as
/// long as an address. The common word, short and all letters, is not kept.
pub(crate) fn wanted(word: &Word) -> bool {
    word.digits_from == word.start
        || word.digits_from < word.end && word.digits_from - word.start >= 2
        || word.end - word.start >= MIN_ADDRESS_LEN
}

/// Word runs (`[A-Za-z0-9_]+`, found by `vocab`'s pass, the [`wanted`] ones): digit runs and
/// address-like words.
fn words(text: &str, hits: &[Hit], words: &[Word], scan: &mut Scan) {
    // A digit run may take in the words after it (`189 - 8744`): they are passed over.
    let mut pos = 0;
    for &Word { start, digits_from, end } in words {
        if start < pos {
            continue;
        }
        if digits_from == start {
            pos = digit_run(text, start, end, scan);
            continue;
        }
        pos = end;
        // A label glued to its number: `ZFB18912345678`, `QQ12345678`. A one-letter label
        // (`q`, `v`) glued to digits is as likely the start of an ID (`q89191890`): not split.
        // The label must be the whole prefix of the word.
        if digits_from < end
            && digits_from - start >= 2
            && hit_ending_at(hits, digits_from)
                .is_some_and(|hit| hit.start == start && hit.term.label.is_some())
        {
            pos = digit_run(text, digits_from, end, scan);
            continue;
        }
        // Shorter than any address (and than a 64-digit hash): the common case, a word.
        if end - start >= MIN_ADDRESS_LEN {
            address(text, start..end, scan);
        }
    }
}

/// Extends the digit group `first_start..first_end` over separators into a whole run, records
/// it, and returns where scanning goes on.
fn digit_run(text: &str, first_start: usize, first_end: usize, scan: &mut Scan) -> usize {
    let bytes = text.as_bytes();
    let mut groups = Vec::with_capacity(4);
    groups.push(first_start..first_end);
    let mut end = first_end;
    loop {
        let gap = bytes[end..]
            .iter()
            .take(MAX_DIGIT_GAP + 1)
            .take_while(|b| matches!(b, b' ' | b'-' | b'.'))
            .count();
        // An emoji between the groups is a separator too (`138🔸1234🔸5679`).
        let gap = if gap == 0 { emoji_gap(&text[end..]) } else { gap };
        if gap == 0 || gap > MAX_DIGIT_GAP && !bytes[end..end + gap].iter().any(|b| *b >= 0x80) {
            break;
        }
        let next = end + gap;
        let next_end = next + bytes[next..].iter().take_while(|b| b.is_ascii_digit()).count();
        if next_end == next || bytes.get(next_end).is_some_and(|b| is_word(*b)) {
            break;
        }
        groups.push(next..next_end);
        end = next_end;
    }
    // A leading `+` belongs to the number (`+86 138…`).
    let start = if first_start > 0 && bytes[first_start - 1] == b'+' {
        first_start - 1
    } else {
        first_start
    };
    scan.candidates.push(Candidate { range: start..end, shape: Shape::Digits { groups } });
    end
}

/// The length of one pictograph (`🔸`, `⭐`, `✨`) and a space either side of it at the start of
/// `rest`, or 0.
fn emoji_gap(rest: &str) -> usize {
    let spaces = |s: &str| s.bytes().take(1).take_while(|b| *b == b' ').count();
    let lead = spaces(rest);
    match rest[lead..].chars().next() {
        Some(c) if matches!(c as u32, 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x1F300..=0x1FAFF) => {
            let end = lead + c.len_utf8();
            end + spaces(&rest[end..])
        }
        _ => 0,
    }
}

/// The shortest word [`address`] looks at: a bech32 address's minimum.
const MIN_ADDRESS_LEN: usize = 14;

/// A word that may be a wallet address.
fn address(text: &str, range: Range<usize>, scan: &mut Scan) {
    let word = &text[range.clone()];
    let len = word.len();
    let first = word.as_bytes()[0];
    let result = if len == 42 && (word.starts_with("0x") || word.starts_with("0X")) {
        Some(crypto::eth(word).map(Shape::Eth))
    } else if (14..=90).contains(&len)
        && word.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("bc1"))
        || (25..=35).contains(&len) && matches!(first, b'1' | b'3') && is_base58(word)
    {
        Some(crypto::btc(word).map(Shape::Btc))
    } else if len == 34 && first == b'T' && is_base58(word) {
        Some(crypto::tron(word).map(Shape::Tron))
    } else {
        if len == 64 && word.bytes().all(|b| b.is_ascii_hexdigit()) {
            scan.n_hashes += 1;
        }
        None
    };
    match result {
        Some(Ok(shape)) => scan.candidates.push(Candidate { range, shape }),
        Some(Err(reason)) => scan.refused.push(Refused { range, reason }),
        None => {}
    }
}

fn is_base58(word: &str) -> bool {
    word.bytes().all(|b| b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l'))
}

/// E-mail addresses around `@`, `#` and `[at]`, and `@handles` where an `@` has no local part.
fn emails_and_handles(text: &str, hits: &[Hit], scan: &mut Scan) {
    let bytes = text.as_bytes();
    let dots: Vec<Range<usize>> = hits
        .iter()
        .filter(|hit| hit.term.special == Some(Special::EmailDot))
        .map(|hit| hit.start..hit.end)
        .collect();
    let ats = memchr::memchr2_iter(b'@', b'#', bytes).map(|pos| pos..pos + 1).chain(
        hits.iter()
            .filter(|hit| hit.term.special == Some(Special::EmailAt))
            .map(|hit| hit.start..hit.end),
    );
    for at in ats {
        match email::around(text, at.clone(), &dots) {
            Ok(Some(found)) => scan
                .candidates
                .push(Candidate { range: found.range, shape: Shape::Email(found.value) }),
            Ok(None) if bytes[at.start] == b'@' => handle_after_at(text, at.start, scan),
            Ok(None) => {}
            Err(reason) => scan.refused.push(Refused { range: at, reason }),
        }
    }
}

fn handle_after_at(text: &str, at: usize, scan: &mut Scan) {
    let bytes = text.as_bytes();
    if at > 0 && is_word(bytes[at - 1]) {
        return;
    }
    let end = at + 1 + bytes[at + 1..].iter().take_while(|b| is_word(**b)).count();
    if end == at + 1
        || bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(|b| is_word(*b))
    {
        return;
    }
    match telegram::handle(&text[at + 1..end]) {
        Ok(handle) => scan
            .candidates
            .push(Candidate { range: at..end, shape: Shape::Telegram { handle, link: false } }),
        Err(reason) => scan.refused.push(Refused { range: at..end, reason }),
    }
}

/// `t.me/name` links.
fn telegram_links(text: &str, hits: &[Hit], scan: &mut Scan) {
    for hit in hits.iter().filter(|hit| hit.term.special == Some(Special::TgLink)) {
        let path = &text[hit.end..];
        // Take in the scheme and `www.` before the host, so the evidence shows the whole link.
        let bytes = text.as_bytes();
        let mut start = hit.start;
        while start > 0
            && hit.start - start < 12
            && matches!(bytes[start - 1], b'a'..=b'z' | b'A'..=b'Z' | b':' | b'/' | b'.')
        {
            start -= 1;
        }
        match telegram::link_path(path) {
            Ok(range) => {
                let end = hit.end + range.end;
                match telegram::handle(&path[range]) {
                    Ok(handle) => scan.candidates.push(Candidate {
                        range: start..end,
                        shape: Shape::Telegram { handle, link: true },
                    }),
                    Err(reason) => scan.refused.push(Refused { range: hit.start..end, reason }),
                }
            }
            Err(reason) => scan.refused.push(Refused { range: hit.start..hit.end, reason }),
        }
    }
}

/// The word right after a WeChat or Telegram label, when it starts with a letter: WeChat IDs
/// and Telegram handles have no shape of their own, only their label.
fn labelled_words(text: &str, hits: &[Hit], scan: &mut Scan) {
    let bytes = text.as_bytes();
    for (idx, hit) in hits.iter().enumerate() {
        if !matches!(hit.term.label, Some(Label::Wechat | Label::Telegram)) {
            continue;
        }
        // A label's index (`微信2：`) stands between it and the ID.
        let mut pos = resolve::index_after(text, hit.end).unwrap_or(hit.end);
        let mut next_hit = idx + 1;
        // Whether a connector word or label was skipped (`微信号`, `WeChat ID`): it binds.
        let mut bound = false;
        // Skip glue: connector characters, connector words and further labels (`微信号：`).
        loop {
            let skipped: usize = text[pos..]
                .chars()
                .take(4)
                .take_while(|c| resolve::is_glue(*c))
                .map(char::len_utf8)
                .sum();
            pos += skipped;
            match hits.get(next_hit) {
                Some(next)
                    if next.start == pos
                        && (next.term.connector || next.term.label.is_some())
                        && !glued_letter(bytes, next) =>
                {
                    pos = next.end;
                    next_hit += 1;
                    bound = true;
                }
                _ if let Some(end) = vocab::english_connector_starting_at(text, pos) => {
                    const BINDING_WORDS: &[&str] =
                        &["id", "no", "number", "acc", "account", "is", "add", "me"];
                    let word = &text[pos..end];
                    bound |= BINDING_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word));
                    pos = end;
                }
                _ if skipped > 0 => {}
                _ => break,
            }
            if pos - hit.end > 24 {
                break;
            }
        }
        if !bytes.get(pos).is_some_and(u8::is_ascii_alphabetic)
            || (pos > 0 && is_word(bytes[pos - 1]) && pos != hit.end)
        {
            continue;
        }
        let end = pos + bytes[pos..].iter().take_while(|b| is_word(**b) || **b == b'-').count();
        let letters_only = bytes[pos..end].iter().all(u8::is_ascii_alphabetic);
        if letters_only && !binds(&text[hit.start..hit.end], &text[hit.end..pos], bound) {
            continue;
        }
        // A URL's scheme (`Telegram: https://t.me/…`) is not an ID.
        if text[end..].starts_with("://") {
            continue;
        }
        // An e-mail's local part or a link is scanned elsewhere.
        if matches!(bytes.get(end), Some(b'@' | b'.' | b'/'))
            && bytes.get(end + 1).is_some_and(|b| is_word(*b))
        {
            continue;
        }
        scan.candidates.push(Candidate { range: pos..end, shape: Shape::Word });
    }
}

/// Whether the glue between a label and an all-letter word makes the word the label's value.
/// A list mark (`WeChat Pay, escrow OK`) separates; after an English label (`WeChat`, `TG`)
/// it takes a colon-like mark or a connector word (`WeChat ID`), because English prose puts
/// ordinary words there (`pay by WeChat instantly`). After a Chinese label a space is enough
/// (`微信 zhangsan`). IDs with a digit, `_` or `-` do not need this: words rarely have them.
fn binds(label: &str, glue: &str, bound: bool) -> bool {
    const LIST: &[char] =
        &[',', '，', '、', ';', '；', '/', '／', '|', '｜', '&', ')', '）', ']', '】', '\n'];
    const BINDING: &[char] = &[':', '：', '=', '＝', '>', '＞', '→', '⇒', '#'];
    if glue.contains(LIST) {
        return false;
    }
    // A label that is itself "… ID" (`WeChat ID`, `TG id`) binds like a connector word.
    let label_binds = label.len() > 2
        && label.get(label.len() - 2..).is_some_and(|end| end.eq_ignore_ascii_case("id"));
    !label.is_ascii() || bound || label_binds || glue.contains(BINDING)
}

/// An ASCII label or connector hit glued to a word character after it (`q` in `q89191890`,
/// `wx` in `wx_otc_8899`): the start of an ID, not glue before one.
fn glued_letter(bytes: &[u8], hit: &Hit) -> bool {
    let ascii = bytes[hit.start..hit.end].iter().all(u8::is_ascii_alphabetic);
    ascii && bytes.get(hit.end).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
}
