//! The vocabulary search (`vocab::hits`), which is where extraction spends most of its time:
//! aho-corasick's DFA, walked by a loop of our own over its public `Automaton` methods instead
//! of `find_iter`'s generic one. It reports the same leftmost-longest, non-overlapping matches
//! (a test below compares the two on the real vocabulary).

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::{Builder, DFA};
use aho_corasick::{Anchored, BuildError, MatchKind, PatternID, StartKind};

/// A DFA for leftmost-longest, ASCII case-insensitive searches of `patterns`. Unanchored
/// searches only, and no prefilter: with a vocabulary this size it would not skip much, and
/// [`for_each_match`] does not consult one.
pub(crate) fn build<I, P>(patterns: I) -> Result<DFA, BuildError>
where
    I: IntoIterator<Item = P>,
    P: AsRef<[u8]>,
{
    Builder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .start_kind(StartKind::Unanchored)
        .prefilter(false)
        .build(patterns)
}

/// Calls `f(pattern, start, end)` for each leftmost-longest, non-overlapping match of `dfa`
/// in `haystack`, in order: what `AhoCorasick::find_iter` reports, with the DFA's transitions
/// taken in a tighter loop than the crate's generic one (no prefilter, no per-byte checks of
/// the search's configuration), which is most of the time extraction spends in this file.
pub(crate) fn for_each_match(dfa: &DFA, haystack: &[u8], mut f: impl FnMut(usize, usize, usize)) {
    let Ok(start_state) = dfa.start_state(Anchored::No) else { return };
    let mut at = 0;
    while let Some((pattern, end)) =
        haystack.get(at..).and_then(|rest| search(dfa, start_state, rest))
    {
        let end = at + end;
        let pattern_len = dfa.pattern_len(pattern);
        f(pattern.as_usize(), end - pattern_len, end);
        // Patterns are never empty, so this always moves on.
        at = end.max(at + 1);
    }
}

/// One unanchored search of `haystack`: the pattern and end of the leftmost-longest match.
/// The DFA goes dead once the leftmost match can grow no longer; the last match state seen
/// holds the longest. A function of its own, so the loop keeps the DFA's tables in registers,
/// and eight bytes a step, which the compiler unrolls: no loop test between them.
#[inline(never)]
fn search(dfa: &DFA, start_state: StateID, haystack: &[u8]) -> Option<(PatternID, usize)> {
    let mut state = start_state;
    let mut found = None;
    // Takes the transition on `byte`, which ends at `end`; false once the search is over.
    let mut step = |state: &mut StateID, byte: u8, end: usize| {
        *state = dfa.next_state(Anchored::No, *state, byte);
        if dfa.is_special(*state) {
            if dfa.is_dead(*state) {
                return false;
            } else if dfa.is_match(*state) {
                found = Some((dfa.match_pattern(*state, 0), end));
            }
        }
        true
    };
    let chunks = haystack.chunks_exact(8);
    let rest = chunks.remainder();
    'search: {
        for (n, chunk) in chunks.enumerate() {
            for (i, &byte) in chunk.iter().enumerate() {
                if !step(&mut state, byte, 8 * n + i + 1) {
                    break 'search;
                }
            }
        }
        let done = haystack.len() - rest.len();
        for (i, &byte) in rest.iter().enumerate() {
            if !step(&mut state, byte, done + i + 1) {
                break 'search;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `for_each_match` reports exactly what the crate's own iterator does.
    #[test]
    fn the_search_loop_matches_find_iter() {
        let patterns: std::collections::BTreeSet<String> = super::super::vocab::table()
            .iter()
            .map(|(pattern, _, _)| pattern.to_ascii_lowercase())
            .collect();
        let reference = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .unwrap();
        let automaton = build(&patterns).unwrap();
        let pieces: Vec<&str> = patterns
            .iter()
            .map(String::as_str)
            .chain([" ", "a", "Q", "x", "1", "号", "：", "信", "\n", "@", "-", ".", "支付"])
            .collect();
        // A fixed pseudo-random walk over pattern pieces and glue, cut at character edges.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize % n
        };
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..next(12) {
                let piece = pieces[next(pieces.len())];
                let cut = piece.char_indices().map(|(i, _)| i).nth(next(4)).unwrap_or(0);
                text.push_str(if next(3) == 0 { &piece[cut..] } else { piece });
                if next(2) == 0 {
                    text.push_str(&piece.to_ascii_uppercase());
                }
            }
            let expected: Vec<(usize, usize, usize)> = reference
                .find_iter(&text)
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect();
            let mut got = Vec::new();
            for_each_match(&automaton, text.as_bytes(), |p, s, e| got.push((p, s, e)));
            assert_eq!(got, expected, "{text:?}");
        }
    }
}
