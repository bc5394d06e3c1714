//! The one pass over the folded text that `vocab::hits_and_words` makes: it finds the
//! vocabulary's leftmost-longest, non-overlapping matches (ASCII case-insensitive) and, on the
//! way, every word (`[A-Za-z0-9_]+`) with where its trailing digits begin, for `scan.rs`.
//!
//! A match is looked for, by an anchored walk of aho-corasick's DFA, only where one can start
//! and be kept, instead of walking the DFA over every byte:
//!
//! - at an ASCII letter that does not follow another letter (a word start), and only when its
//!   run of letters is, ignoring case, the leading run of letters of some pattern (a Bloom
//!   filter of those runs, by hash). A pattern that starts with a letter inside a word is never
//!   a hit (`vocab::on_word_boundaries`), so the letters inside a word are skipped unread; and
//!   a pattern whose letters stop before the word's do could only match to be dropped for
//!   being glued to the rest of the word, consuming nothing but those letters;
//! - at a three-byte character with which some pattern begins (one bit per code point),
//!   when it is a pattern or it and the next character may begin one (a Bloom filter);
//! - at any other byte with which some pattern begins (`@`, `+`, `[`, `🐧`'s lead byte…).
//!
//! From each such position in order, the longest match starting there is reported and the
//! search goes on after it; with none, at the next position. That is `find_iter`'s
//! leftmost-longest search with the matches that start inside a word left out, and left out
//! before they can consume the text after them (`ali pay` inside `Bali pay` no longer hides
//! `pay`); the tests below compare it with aho-corasick's own searches.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::{Builder, DFA};
use aho_corasick::{Anchored, BuildError, MatchKind, StartKind};

/// A maximal run of word bytes (`[A-Za-z0-9_]+`) and where its trailing digits begin (`start`
/// when it is all digits, `end` when it ends in something else).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Word {
    pub(crate) start: usize,
    pub(crate) digits_from: usize,
    pub(crate) end: usize,
}

/// Byte classes for the main loop: nothing starts here.
const SKIP: u8 = 0;
/// `[A-Za-z0-9_]`.
const WORD: u8 = 1;
/// A byte other than a word byte or a three-byte lead byte with which a pattern begins.
const TRY: u8 = 2;
/// The lead byte of a three-byte character.
const LEAD3: u8 = 3;

/// Eight bytes at a time: `LO` has a one in every byte, `HI` a high bit in every byte.
const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;
/// Or-ed in, it lower-cases ASCII letters (and changes other bytes alike).
const CASE: u64 = LO * 0x20;

/// A pattern set ready for [`Searcher::search`].
#[derive(Debug)]
pub(crate) struct Searcher {
    dfa: DFA,
    start: StateID,
    classes: [u8; 256],
    /// A Bloom filter of the leading letter runs of the patterns that start with a letter:
    /// one bit each ([`run_hash`]).
    letter_runs: Box<[u64; 0x10000 / 64]>,
    /// One bit per code point below U+10000: set when a pattern starts with that character.
    first_chars: Box<[u64; 0x10000 / 64]>,
    /// One bit per code point below U+10000: set when that character is a pattern.
    whole_chars: Box<[u64; 0x10000 / 64]>,
    /// A Bloom filter of the first two characters of the patterns that start with a
    /// three-byte character ([`pair_hash`]).
    char_pairs: Box<[u64; 0x10000 / 64]>,
}

fn set_bit(bits: &mut [u64], index: usize) {
    if let Some(word) = bits.get_mut(index / 64) {
        *word |= 1 << (index % 64);
    }
}

/// Bit `index` (below 2^16) of `bits`.
fn bit(bits: &[u64; 1024], index: usize) -> bool {
    bits[index >> 6 & 1023] >> (index & 63) & 1 == 1
}

/// The bit of the three-byte character `lead b1 b2` in `bits` (one bit per code point below
/// U+10000), without putting its code point together.
pub(crate) fn char_bit(bits: &[u64; 1024], lead: u8, b1: u8, b2: u8) -> bool {
    bits[usize::from(lead & 0x0F) << 6 | usize::from(b1 & 0x3F)] >> (b2 & 0x3F) & 1 == 1
}

/// The hash, to 16 bits, of a run of `len` letters (1 to 8; 8 stands for 8 or more) whose
/// first eight bytes are `x` (little-endian), ignoring case and the bytes after the run.
fn run_hash(x: u64, len: usize) -> usize {
    let run = (x | CASE) & (u64::MAX >> (64 - 8 * len));
    (run.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize
}

/// The code point of the three-byte character `bytes`.
fn code3(lead: u8, b1: u8, b2: u8) -> usize {
    usize::from(lead & 0x0F) << 12 | usize::from(b1 & 0x3F) << 6 | usize::from(b2 & 0x3F)
}

/// The character at `pos` when it is ASCII (lower-cased) or three bytes long.
fn char_at(bytes: &[u8], pos: usize) -> Option<usize> {
    match *bytes.get(pos..pos + 3).unwrap_or(bytes.get(pos..).unwrap_or_default()) {
        [b, ..] if b.is_ascii() => Some(usize::from(b.to_ascii_lowercase())),
        [lead @ 0xE0..=0xEF, b1, b2] => Some(code3(lead, b1, b2)),
        _ => None,
    }
}

/// The hash, to 16 bits, of two code points below U+10000.
fn pair_hash(first: usize, second: usize) -> usize {
    ((first << 16 | second) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) as usize >> 48
}

/// The eight bytes at `pos` and how many of them, from the first, are ASCII letters; `None`
/// within eight bytes of the end.
fn letters_at(bytes: &[u8], pos: usize) -> Option<(u64, usize)> {
    let chunk = bytes.get(pos..pos + 8).and_then(|c| <[u8; 8]>::try_from(c).ok())?;
    let x = u64::from_le_bytes(chunk);
    // Lower-cased with the high bits cleared: a letter is in `a..=z`. Each byte's high bit
    // says `>= a`, then `>= {`; neither sum carries into the next byte.
    let lower = (x | CASE) & !HI;
    let at_least_a = lower + LO * u64::from(0x80 - b'a');
    let past_z = lower + LO * u64::from(0x80 - b'z' - 1);
    let letters = at_least_a & !past_z & !x & HI;
    Some((x, (!letters & HI).trailing_zeros() as usize / 8))
}

impl Searcher {
    /// A searcher for leftmost-longest, ASCII case-insensitive matches of `patterns`, which
    /// must not be empty nor start with an ASCII digit or `_` (such a pattern is never found).
    pub(crate) fn new<I, P>(patterns: I) -> Result<Searcher, BuildError>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<str>,
    {
        let patterns: Vec<P> = patterns.into_iter().collect();
        let dfa = Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .prefilter(false)
            .build(patterns.iter().map(|p| p.as_ref().as_bytes()))?;
        let start = dfa
            .start_state(Anchored::Yes)
            .expect("a DFA built with StartKind::Anchored has an anchored start state");
        let mut classes = [SKIP; 256];
        for (byte, class) in (0..=255u8).zip(classes.iter_mut()) {
            if byte.is_ascii_alphanumeric() || byte == b'_' {
                *class = WORD;
            } else if (0xE0..=0xEF).contains(&byte) {
                *class = LEAD3;
            }
        }
        let mut letter_runs = Box::new([0u64; 0x10000 / 64]);
        let mut first_chars = Box::new([0u64; 0x10000 / 64]);
        let mut whole_chars = Box::new([0u64; 0x10000 / 64]);
        let mut char_pairs = Box::new([0u64; 0x10000 / 64]);
        for pattern in &patterns {
            let bytes = pattern.as_ref().as_bytes();
            let Some(&first) = bytes.first() else { continue };
            if classes[usize::from(first)] == SKIP {
                classes[usize::from(first)] = TRY;
            }
            let run = bytes.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            if run > 0 {
                let mut eight = [0u8; 8];
                for (to, from) in eight.iter_mut().zip(bytes) {
                    *to = *from;
                }
                set_bit(&mut letter_runs[..], run_hash(u64::from_le_bytes(eight), run.min(8)));
            }
            let mut chars = pattern.as_ref().chars();
            if let Some(c) = chars.next() {
                set_bit(&mut first_chars[..], c as usize);
                match chars.next() {
                    None => set_bit(&mut whole_chars[..], c as usize),
                    Some(second) => set_bit(
                        &mut char_pairs[..],
                        pair_hash(c as usize, second.to_ascii_lowercase() as usize),
                    ),
                }
            }
        }
        Ok(Searcher { dfa, start, classes, letter_runs, first_chars, whole_chars, char_pairs })
    }

    /// Calls `on_match(pattern, start, end)` for each match in `haystack`, in order (see the
    /// module docs for which), and `on_word` for each word, in order.
    pub(crate) fn search(
        &self,
        haystack: &str,
        mut on_match: impl FnMut(usize, usize, usize),
        mut on_word: impl FnMut(Word),
    ) {
        let bytes = haystack.as_bytes();
        // No match starts before `next`: the end of the last one.
        let mut next = 0;
        let mut try_at = |pos: usize, next: &mut usize| {
            if pos >= *next
                && let Some((pattern, end)) = self.longest_at(bytes, pos)
            {
                on_match(pattern, pos, end);
                *next = end;
            }
        };
        let mut pos = 0;
        while let Some(&byte) = bytes.get(pos) {
            match self.classes[usize::from(byte)] {
                WORD => {
                    let start = pos;
                    let mut digits_from = pos;
                    // The byte before a word is no letter.
                    let mut after_letter = false;
                    loop {
                        // Letters eight at a time, the rest (and near the end) one by one.
                        if let Some((x, letters)) = letters_at(bytes, pos)
                            && letters > 0
                        {
                            if !after_letter && bit(&self.letter_runs, run_hash(x, letters)) {
                                try_at(pos, &mut next);
                            }
                            after_letter = true;
                            pos += letters;
                            digits_from = pos;
                            if letters == 8 {
                                continue;
                            }
                        }
                        let Some(&b) = bytes.get(pos) else { break };
                        if b.is_ascii_alphabetic() {
                            if !after_letter {
                                try_at(pos, &mut next);
                            }
                            after_letter = true;
                            digits_from = pos + 1;
                        } else if self.classes[usize::from(b)] == WORD {
                            after_letter = false;
                            if b == b'_' {
                                digits_from = pos + 1;
                            }
                        } else {
                            break;
                        }
                        pos += 1;
                    }
                    on_word(Word { start, digits_from, end: pos });
                    // The common case, one space before the next word: no round through the
                    // `match` for it.
                    if bytes.get(pos) == Some(&b' ') && self.classes[usize::from(b' ')] == SKIP {
                        pos += 1;
                    }
                }
                LEAD3 => {
                    // A run of three-byte characters (CJK text) in a loop of its own.
                    let run_from = pos;
                    for chunk in bytes.get(pos..).unwrap_or_default().chunks_exact(3) {
                        let &[lead, b1, b2] = chunk else { break };
                        if lead & 0xF0 != 0xE0 {
                            break;
                        }
                        if char_bit(&self.first_chars, lead, b1, b2)
                            && self.may_start_here(bytes, pos, code3(lead, b1, b2))
                        {
                            try_at(pos, &mut next);
                        }
                        pos += 3;
                    }
                    // Not a whole character: only in a broken text, which a `&str` is not.
                    if pos == run_from {
                        pos += 1;
                    }
                }
                TRY => {
                    try_at(pos, &mut next);
                    pos += 1;
                }
                _ => pos += 1,
            }
        }
    }

    /// Whether a pattern may start with the three-byte character `code` at `pos`, one of the
    /// [`Searcher::first_chars`]: it is a pattern, or it and the character after it may begin
    /// one (a character neither ASCII nor three bytes long is not looked up).
    fn may_start_here(&self, bytes: &[u8], pos: usize, code: usize) -> bool {
        bit(&self.whole_chars, code)
            || char_at(bytes, pos + 3)
                .is_none_or(|second| bit(&self.char_pairs, pair_hash(code, second)))
    }

    /// The pattern and end of the longest match that starts at `start`. The anchored DFA goes
    /// dead once no pattern can grow longer; the last match state seen holds the longest.
    fn longest_at(&self, bytes: &[u8], start: usize) -> Option<(usize, usize)> {
        let dfa = &self.dfa;
        let mut state = self.start;
        let mut found = None;
        for (i, &byte) in bytes.get(start..)?.iter().enumerate() {
            state = dfa.next_state(Anchored::Yes, state, byte);
            if dfa.is_special(state) {
                if dfa.is_dead(state) {
                    break;
                } else if dfa.is_match(state) {
                    found = Some((dfa.match_pattern(state, 0).as_usize(), start + i + 1));
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, Input};

    fn letter_at(text: &str, pos: usize) -> bool {
        text.as_bytes().get(pos).is_some_and(u8::is_ascii_alphabetic)
    }

    /// Whether a match may start at `pos`: a character boundary, and not a letter right after
    /// a letter.
    fn allowed_start(text: &str, pos: usize) -> bool {
        text.is_char_boundary(pos) && !(pos > 0 && letter_at(text, pos) && letter_at(text, pos - 1))
    }

    /// Generated strings over the real vocabulary: a fixed pseudo-random walk over pattern
    /// pieces and glue, cut at character edges, some upper-cased.
    fn generated(patterns: &[String]) -> Vec<String> {
        let pieces: Vec<&str> = patterns
            .iter()
            .map(String::as_str)
            .chain([
                " ", "a", "Q", "x", "1", "号", "：", "信", "\n", "@", "-", ".", "支付", "B", "_",
                "42",
            ])
            .chain(["wordsinarow", "🐧", "é"])
            .collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize % n
        };
        (0..4000)
            .map(|_| {
                let mut text = String::new();
                for _ in 0..next(12) {
                    let piece = pieces[next(pieces.len())];
                    let cut = piece.char_indices().map(|(i, _)| i).nth(next(4)).unwrap_or(0);
                    text.push_str(if next(3) == 0 { &piece[cut..] } else { piece });
                    if next(2) == 0 {
                        text.push_str(&piece.to_ascii_uppercase());
                    }
                }
                text
            })
            .collect()
    }

    fn vocabulary() -> Vec<String> {
        let patterns: std::collections::BTreeSet<String> = super::super::vocab::table()
            .iter()
            .map(|(pattern, _, _)| pattern.to_ascii_lowercase())
            .collect();
        patterns.into_iter().collect()
    }

    fn matches(searcher: &Searcher, text: &str) -> Vec<(usize, usize, usize)> {
        let mut got = Vec::new();
        searcher.search(text, |p, s, e| got.push((p, s, e)), |_| {});
        got
    }

    /// Every word of `text`, by a byte loop.
    fn words_of(text: &str) -> Vec<Word> {
        let bytes = text.as_bytes();
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let mut words = Vec::new();
        let mut pos = 0;
        while pos < bytes.len() {
            if !is_word(bytes[pos]) {
                pos += 1;
                continue;
            }
            let start = pos;
            let mut digits_from = pos;
            while pos < bytes.len() && is_word(bytes[pos]) {
                pos += 1;
                if !bytes[pos - 1].is_ascii_digit() {
                    digits_from = pos;
                }
            }
            words.push(Word { start, digits_from, end: pos });
        }
        words
    }

    #[test]
    fn no_pattern_starts_with_a_digit_or_underscore() {
        for pattern in vocabulary() {
            assert!(!pattern.starts_with(|c: char| c.is_ascii_digit() || c == '_'), "{pattern}");
        }
    }

    /// The same pass reports every word, with its trailing digits.
    #[test]
    fn every_word_is_reported() {
        let patterns = vocabulary();
        let searcher = Searcher::new(&patterns).unwrap();
        let mut texts = generated(&patterns);
        texts.extend(
            [
                "",
                "a",
                "abc_12",
                "x1y22",
                "12ab",
                "__",
                "abcdefghijklmnopqrstu9",
                "支付宝zfb123 vx_a1",
            ]
            .map(String::from),
        );
        for text in texts {
            let mut got = Vec::new();
            searcher.search(&text, |_, _, _| {}, |word| got.push(word));
            assert_eq!(got, words_of(&text), "{text:?}");
        }
    }

    /// A match of letters only that a letter follows: glued to the rest of its word, never a
    /// hit. The search may leave it out (it consumes only letters inside a word).
    fn glued(text: &str, &(_, start, end): &(usize, usize, usize)) -> bool {
        text.as_bytes()[start..end].iter().all(u8::is_ascii_alphabetic) && letter_at(text, end)
    }

    /// The search is the crate's anchored leftmost-longest search tried at every allowed
    /// start in turn, going on after each match; and where `find_iter` reports no match
    /// starting inside a word, exactly `find_iter`: in both cases, once matches of letters
    /// glued to the rest of their word are left out.
    #[test]
    fn the_search_matches_the_crates_own() {
        let patterns = vocabulary();
        let reference = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Both)
            .build(&patterns)
            .unwrap();
        let searcher = Searcher::new(&patterns).unwrap();
        let mut same_as_find_iter = 0;
        let mut glued_left_out = 0;
        for text in generated(&patterns) {
            let mut expected = Vec::new();
            let mut pos = 0;
            while pos < text.len() {
                let input = Input::new(&text).range(pos..).anchored(Anchored::Yes);
                match reference.find(input).filter(|_| allowed_start(&text, pos)) {
                    Some(m) => {
                        expected.push((m.pattern().as_usize(), m.start(), m.end()));
                        pos = m.end();
                    }
                    None => pos += 1,
                }
            }
            let mut got = matches(&searcher, &text);
            got.retain(|m| !glued(&text, m));
            glued_left_out += expected.iter().filter(|m| glued(&text, m)).count();
            expected.retain(|m| !glued(&text, m));
            assert_eq!(got, expected, "{text:?}");
            let mut unanchored: Vec<(usize, usize, usize)> = reference
                .find_iter(&text)
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect();
            if unanchored.iter().all(|&(_, start, _)| allowed_start(&text, start)) {
                unanchored.retain(|m| !glued(&text, m));
                assert_eq!(got, unanchored, "{text:?}");
                same_as_find_iter += 1;
            }
        }
        // Enough of the strings exercise both.
        assert!(same_as_find_iter > 1000, "{same_as_find_iter}");
        assert!(glued_left_out > 100, "{glued_left_out}");
    }

    /// A match inside a word no longer hides the match after it: `ali pay` in `Bali pay`.
    #[test]
    fn a_match_inside_a_word_does_not_consume_the_next_word() {
        let patterns = vocabulary();
        let searcher = Searcher::new(&patterns).unwrap();
        let text = "Bali pay";
        let found: Vec<&str> =
            matches(&searcher, text).iter().map(|&(p, _, _)| patterns[p].as_str()).collect();
        assert_eq!(found, ["pay"]);
        let unanchored = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .unwrap();
        let old: Vec<&str> =
            unanchored.find_iter(text).map(|m| patterns[m.pattern()].as_str()).collect();
        assert_eq!(old, ["ali pay"], "find_iter swallows `pay` into the match inside `Bali`");
    }
}
