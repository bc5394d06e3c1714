//! De-obfuscation: the visible text → a "folded" text in which identifiers are written plainly,
//! with a map back, so a finding found in the folded text can still point at what was on the
//! page. Folding never changes ASCII and only ever shrinks or keeps a character's length.
//!
//! Handled: full-width letters, digits and `＠＋＃－．＿` (`１３８`, `ＺＦＢ`), ideographic and no-break spaces, zero-width
//! and other invisible format characters, variation selectors and keycap marks (`1️⃣`), circled and
//! mathematical digits (`①`, `❶`, `𝟏`), the heavy plus sign (`➕V`), and runs of Chinese numerals
//! long enough to be an account number (`一三八…`, with `幺` for one and `〇/零` for zero).

use super::search::char_bit;
use crate::parse::SourceMap;
use std::borrow::Cow;
use std::sync::LazyLock;

/// The folded text and its map back to the text it was folded from.
#[derive(Debug)]
pub(crate) struct Folded<'a> {
    pub(crate) text: Cow<'a, str>,
    pub(crate) map: SourceMap,
}

/// A run of Chinese numerals (mixed with digits) is read as a number only from this many
/// characters on: short runs are ordinary words (`一二`, `第一`, `三五成群`).
const MIN_NUMERAL_RUN: usize = 7;

/// Folds `text`. Borrows when there is nothing to fold, which is the common case for
/// ASCII-only pages.
pub(crate) fn fold(text: &str) -> Folded<'_> {
    let Some(first) = first_foldable(text, 0) else {
        return Folded { text: Cow::Borrowed(text), map: SourceMap::identity() };
    };
    let mut out = String::with_capacity(text.len());
    let mut map = SourceMap::default();
    let mut pos = 0;
    let mut next = Some(first);
    loop {
        // Copy what cannot change in one piece, then fold the character (or numeral run)
        // that may.
        let run_end = next.unwrap_or(text.len());
        if run_end > pos {
            map.push_copy(out.len(), pos);
            out.push_str(&text[pos..run_end]);
            pos = run_end;
        }
        let Some(c) = text[pos..].chars().next() else { break };
        let numerals_end = if is_numeral(c) { numeral_run(text, pos) } else { pos };
        if numerals_end > pos {
            for (offset, c) in text[pos..numerals_end].char_indices() {
                let at = pos + offset;
                map.push_replaced(out.len(), at..at + c.len_utf8());
                out.push(numeral_digit(c).unwrap_or(c));
            }
            pos = numerals_end;
        } else {
            let len = c.len_utf8();
            match fold_char(c) {
                Fold::Keep => {
                    map.push_copy(out.len(), pos);
                    out.push(c);
                }
                Fold::Drop => {}
                Fold::To(ascii) => {
                    map.push_replaced(out.len(), pos..pos + len);
                    out.push(ascii);
                }
            }
            pos += len;
        }
        next = first_foldable(text, pos);
    }
    Folded { text: Cow::Owned(out), map }
}

enum Fold {
    Keep,
    Drop,
    To(char),
}

/// The byte offset of the first character at or after `from` that folding might change.
/// ASCII never changes, so it is skipped eight bytes at a time without decoding; three-byte
/// characters (CJK text and its punctuation) are each looked up in one bit per code point
/// ([`MAY_FOLD`]), and only those that may fold are looked at closer.
fn first_foldable(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let may_fold = &*MAY_FOLD;
    let mut pos = from;
    while pos < bytes.len() {
        let lead = bytes[pos];
        if lead < 0x80 {
            pos += 1;
            while let Some(chunk) =
                bytes.get(pos..pos + 8).and_then(|c| <[u8; 8]>::try_from(c).ok())
                && u64::from_ne_bytes(chunk) & 0x8080_8080_8080_8080 == 0
            {
                pos += 8;
            }
            continue;
        }
        // A run of three-byte characters none of which may fold, in a loop of its own.
        let run_from = pos;
        for chunk in bytes[pos..].chunks_exact(3) {
            let &[lead, b1, b2] = chunk else { break };
            if lead & 0xF0 != 0xE0 || char_bit(may_fold, lead, b1, b2) {
                break;
            }
            pos += 3;
        }
        if pos > run_from {
            continue;
        }
        let c = text[pos..].chars().next()?;
        if !matches!(fold_char(c), Fold::Keep) || is_numeral(c) && numeral_run(text, pos) > pos {
            return Some(pos);
        }
        pos += c.len_utf8();
    }
    None
}

/// One bit per code point of the Basic Multilingual Plane: set for the characters that
/// [`fold_char`] changes and for the Chinese numerals.
static MAY_FOLD: LazyLock<Box<[u64; 0x10000 / 64]>> = LazyLock::new(|| {
    let mut bits = Box::new([0; 0x10000 / 64]);
    for code in 0..0x10000u32 {
        if let Some(c) = char::from_u32(code)
            && (!matches!(fold_char(c), Fold::Keep) || is_numeral(c))
        {
            bits[code as usize / 64] |= 1 << (code % 64);
        }
    }
    bits
});

fn fold_char(c: char) -> Fold {
    let code = c as u32;
    match code {
        0..=0x7F => Fold::Keep,
        // No-break space, ideographic space and the typographic spaces.
        0xA0 | 0x3000 | 0x2002..=0x200A | 0x202F | 0x205F => Fold::To(' '),
        // Soft hyphen, Mongolian vowel separator, zero-width space/joiners, directional marks
        // and embeddings, word joiner and invisible operators, BOM, variation selectors,
        // combining grapheme joiner, keycap mark.
        0xAD
        | 0x180E
        | 0x200B..=0x200F
        | 0x202A..=0x202E
        | 0x2060..=0x2064
        | 0x2066..=0x2069
        | 0xFEFF
        | 0xFE00..=0xFE0F
        | 0x34F
        | 0x20E3 => Fold::Drop,
        // Full-width letters, digits and the symbols that occur inside identifiers. Full-width
        // punctuation (`：`, `，`) stays: it is everywhere in Chinese text, and glue either way.
        0xFF10..=0xFF19
        | 0xFF21..=0xFF3A
        | 0xFF41..=0xFF5A
        | 0xFF20
        | 0xFF0B
        | 0xFF03
        | 0xFF0D
        | 0xFF0E
        | 0xFF3F => char::from_u32(code - 0xFF01 + 0x21).map_or(Fold::Keep, Fold::To),
        // Circled, parenthesised, full-stop and dingbat digits 1-9, and circled zero.
        0x2460..=0x2468 => digit(code - 0x2460 + 1),
        0x2474..=0x247C => digit(code - 0x2474 + 1),
        0x2488..=0x2490 => digit(code - 0x2488 + 1),
        0x2776..=0x277E => digit(code - 0x2776 + 1),
        0x2780..=0x2788 => digit(code - 0x2780 + 1),
        0x278A..=0x2792 => digit(code - 0x278A + 1),
        0x24EA | 0x24FF | 0x1F10B | 0x1F10C => Fold::To('0'),
        // Mathematical bold, double-struck, sans-serif, monospace digits.
        0x1D7CE..=0x1D7FF => digit((code - 0x1D7CE) % 10),
        // Heavy plus sign, full-width-like dashes and the middle dot inside numbers.
        0x2795 => Fold::To('+'),
        0x2010..=0x2015 | 0x2212 | 0x30FC => Fold::To('-'),
        0xB7 | 0x2022 | 0x30FB => Fold::To('.'),
        _ => Fold::Keep,
    }
}

fn digit(value: u32) -> Fold {
    char::from_digit(value, 10).map_or(Fold::Keep, Fold::To)
}

/// Chinese numerals used to spell out account numbers, financial forms included.
const fn numeral_digit(c: char) -> Option<char> {
    Some(match c {
        '0'..='9' => c,
        '〇' | '零' => '0',
        '一' | '幺' | '壹' => '1',
        '二' | '贰' | '貳' => '2',
        '三' | '叁' | '參' => '3',
        '四' | '肆' => '4',
        '五' | '伍' => '5',
        '六' | '陆' | '陸' => '6',
        '七' | '柒' => '7',
        '八' | '捌' => '8',
        '九' | '玖' => '9',
        '０'..='９' => match char::from_u32(c as u32 - 0xFF10 + 0x30) {
            Some(c) => c,
            None => return None,
        },
        _ => return None,
    })
}

fn is_numeral(c: char) -> bool {
    !c.is_ascii() && !matches!(c, '０'..='９') && numeral_digit(c).is_some()
}

/// The end of the numeral run starting at `start` when it is long enough to be a number and
/// holds at least two Chinese numerals; else `start`.
fn numeral_run(text: &str, start: usize) -> usize {
    let mut end = start;
    let mut n_chars = 0;
    let mut n_chinese = 0;
    for c in text[start..].chars() {
        if numeral_digit(c).is_none() {
            break;
        }
        n_chars += 1;
        n_chinese += usize::from(is_numeral(c));
        end += c.len_utf8();
    }
    if n_chars >= MIN_NUMERAL_RUN && n_chinese >= 2 { end } else { start }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expect: &str) {
        assert_eq!(fold(input).text, expect);
    }

    #[test]
    fn ascii_is_borrowed_unchanged() {
        let folded = fold("VX: abc_123 13812345678");
        assert!(matches!(folded.text, Cow::Borrowed(_)));
    }

    #[test]
    fn cjk_without_obfuscation_is_borrowed() {
        assert!(matches!(fold("支付宝：13812345678，诚信第一").text, Cow::Borrowed(_)));
    }

    #[test]
    fn full_width_becomes_ascii() {
        check("ＺＦＢ：１８９１９１８９０４８", "ZFB：18919189048");
        check("ｃｔ４ｗｒｐｍ３７＠ｑｑ．ｃｏｍ", "ct4wrpm37@qq.com");
    }

    #[test]
    fn invisible_characters_are_dropped() {
        check("176\u{200b}534\u{feff}226\u{200c}20", "17653422620");
        check("1\u{2060}3\u{00ad}8", "138");
    }

    #[test]
    fn keycaps_circled_and_math_digits_become_digits() {
        check("1\u{fe0f}\u{20e3}3\u{fe0f}\u{20e3}8\u{fe0f}\u{20e3}", "138");
        check("①③⑧❶➀⓪", "138110");
        check("𝟏𝟑𝟖", "138");
    }

    #[test]
    fn long_chinese_numeral_runs_become_digits() {
        check("支付宝：一三八一二三四五六七八", "支付宝：13812345678");
        check("幺三八〇〇幺三八〇〇〇", "13800138000");
        check("138一二三四五六七八", "13812345678");
    }

    #[test]
    fn the_may_fold_bits_agree_with_fold_char_and_numerals() {
        for code in 0..0x10000u32 {
            let Some(c) = char::from_u32(code) else { continue };
            let bit = MAY_FOLD[code as usize / 64] >> (code % 64) & 1 == 1;
            let folds = !matches!(fold_char(c), Fold::Keep) || is_numeral(c);
            assert_eq!(bit, folds, "{c} U+{code:04X}");
        }
    }

    /// `first_foldable` as it was before it skipped anything: every character looked at.
    fn first_foldable_one_by_one(text: &str) -> Option<usize> {
        text.char_indices().map(|(pos, _)| pos).find(|&pos| {
            let c = text[pos..].chars().next().unwrap();
            !matches!(fold_char(c), Fold::Keep) || is_numeral(c) && numeral_run(text, pos) > pos
        })
    }

    #[test]
    fn first_foldable_finds_what_a_look_at_every_character_finds() {
        // Among the pieces from the 16th on are characters that fold on their own (`１`, `①`…).
        let pieces: Vec<&str> =
            "一|二|三|〇|幺|零|九|壹|文|字|中|国|1|23|a| |，|：|１|\u{200b}|①|Ｖ|é|🐧|一二三四五六七"
                .split('|')
                .collect();
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize % n
        };
        let mut found = 0;
        for n in 0..20_000 {
            // Half of the strings without the characters that always fold: numeral runs decide.
            let choices = if n % 2 == 0 { pieces.len() } else { 15 };
            let text: String = (0..next(24)).map(|_| pieces[next(choices)]).collect();
            let expected = first_foldable_one_by_one(&text);
            assert_eq!(first_foldable(&text, 0), expected, "{text:?}");
            found += usize::from(expected.is_some());
        }
        assert!(found > 2000, "only {found} strings with something to fold");
    }

    #[test]
    fn short_numeral_words_stay() {
        check("诚信第一，一二三", "诚信第一，一二三");
    }

    #[test]
    fn spaces_and_plus_fold() {
        check("➕Ｖ\u{3000}abc", "+V abc");
    }

    #[test]
    fn map_points_back_at_the_original_characters() {
        let text = "支付宝：１７６\u{200b}５３４";
        let folded = fold(text);
        let start = folded.text.find('1').unwrap();
        let span = folded.map.span(start..folded.text.len());
        assert_eq!(&text[span], "１７６\u{200b}５３４");
    }
}
