//! Properties of the text path, generated with proptest: any bytes go through `charset::decode`
//! → `Document::parse` → `extract::findings` without panicking and with spans that point into
//! the decoded text; mutated advertisements (typos, tags, zero-width and full-width characters)
//! do too; and every identifier reported is one the extractor finds again on its own, in a
//! well-formed normal form. `found_regressions` keeps the minimal cases the properties found.

use expect_test::{Expect, expect};
use otcwatch::extract::{self, Extraction, Finding, Kind, Warninglist};
use otcwatch::fetch::charset;
use otcwatch::parse::Document;
use proptest::prelude::*;
use proptest::sample::Index;
use std::ops::Range;
use std::sync::LazyLock;

/// Moderate case counts keep the whole suite fast on two cores; the generators are biased
/// towards advertisement-like input, so a few hundred cases reach the interesting paths.
/// `PROPTEST_CASES=20000 cargo test --release --test it extract_props` searches harder.
const CASES: u32 = 256;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok());
    ProptestConfig { cases: cases.unwrap_or(CASES), ..ProptestConfig::default() }
}

static WARNINGLIST: LazyLock<Warninglist> = LazyLock::new(Warninglist::embedded);

/// Hand-written OTC advertisements, Chinese and English, plain text and HTML, with the kinds
/// of identifier the extractor reports. The addresses are valid (checksums and all).
const ADS: [&str; 6] = [
    "长期收U出U，汇率7.25，秒结。支付宝：13912340001 微信：otc_trader88 QQ：91764351",
    "Buy/Sell USDT OTC, instant release. TRC20: TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP \
     ERC20: 0xeeDB3483e3B36B2cf395344D0Fd05A88277fe8C5 Telegram @OTC_desk88",
    "出BTC 收U 比特币地址 1LUJNo6b33zkeVQ4b7cnxw82YPSkFUefjF 或 \
     bc1p4psz5rgnjeljjyuwxujqdm6cc5w0fpey4d88gzn2g65uuz3dg5nsc4ns74，联系电话 +86 159-1234-0004",
    "<div><p>承兑商 量大从优</p><p>银行卡：6259 6579 9778 7591 865</p>\
     <p>ZFB：Otc.Desk@163.com 飞机：fastu_otc</p></div>",
    "场外收U 加V：Jj3c_yw5v34c4 扣扣 7948164349 支付宝ID 2088102146225135 邮箱 deal#qq.com",
    "<html><head><title>USDT承兑</title></head><body><p>收U 支付宝微信同号：\
     １８９１９１８９０４８</p><p>t.me/otc_channel9</p></body></html>",
];

#[test]
fn ads_yield_their_identifiers() {
    // The mutation properties start from these; if an ad stops yielding its identifiers the
    // properties below quietly test less, so pin what each one gives.
    check_ads(&expect![[r#"
        ad 0: alipay +8613912340001 otc
        ad 0: wechat otc_trader88 otc
        ad 0: qq 91764351 otc
        ad 1: tron TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP otc
        ad 1: eth 0xeedb3483e3b36b2cf395344d0fd05a88277fe8c5 otc
        ad 1: telegram otc_desk88 otc
        ad 2: btc 1LUJNo6b33zkeVQ4b7cnxw82YPSkFUefjF otc
        ad 2: btc bc1p4psz5rgnjeljjyuwxujqdm6cc5w0fpey4d88gzn2g65uuz3dg5nsc4ns74 otc
        ad 2: phone +8615912340004 otc
        ad 3: bank_card 6259657997787591865 otc
        ad 3: alipay otc.desk@163.com otc
        ad 3: telegram fastu_otc otc
        ad 4: wechat jj3c_yw5v34c4 otc
        ad 4: qq 7948164349 otc
        ad 4: alipay 2088102146225135 otc
        ad 4: email deal@qq.com otc
        ad 5: alipay +8618919189048 otc
        ad 5: wechat +8618919189048 otc
        ad 5: telegram otc_channel9 otc
    "#]]);
}

#[track_caller]
fn check_ads(expect: &Expect) {
    let mut out = String::new();
    for (n, ad) in ADS.iter().enumerate() {
        for f in extract::findings(&Document::parse(ad), &WARNINGLIST).findings {
            let otc = if f.otc { "otc" } else { "-" };
            out.push_str(&format!("ad {n}: {} {} {otc}\n", f.kind, f.value));
        }
    }
    expect.assert_eq(&out);
}

proptest! {
    #![proptest_config(config())]

    /// (a) Any bytes, with any header label: decoding, parsing and extraction never panic, and
    /// every span lies within the decoded text, on character boundaries.
    #[test]
    fn any_bytes_never_panic_and_spans_are_in_bounds(
        bytes in document_bytes(),
        header in prop::option::of(prop::sample::select(HEADERS.to_vec())),
    ) {
        let decoded = charset::decode(&bytes, header);
        let doc = Document::parse(&decoded.text);
        if let Some(title) = &doc.title {
            check_range(&doc.text, title, "title");
        }
        let extraction = extract::findings(&doc, &WARNINGLIST);
        check_extraction(&decoded.text, &extraction);
        for f in &extraction.findings {
            check_revalidates(f);
        }
    }

    /// (b) Mutated advertisements never panic, through every input path, and their spans are
    /// in bounds; in a plain-text document a span holds exactly the raw identifier.
    #[test]
    fn mutated_ads_never_panic(ad in mutated_ad()) {
        let plain = extract::findings(&Document::plain(&ad), &WARNINGLIST);
        check_extraction(&ad, &plain);
        for f in &plain.findings {
            prop_assert_eq!(&ad[f.span.clone()], f.raw.as_str(), "{:?}", f);
        }
        check_extraction(&ad, &extract::findings(&Document::parse(&ad), &WARNINGLIST));
        let (gb, _, _) = encoding_rs::GB18030.encode(&ad);
        for (bytes, header) in [(ad.as_bytes(), None), (&gb[..], Some("gb18030")), (&gb[..], None)] {
            let decoded = charset::decode(bytes, header);
            let doc = Document::parse(&decoded.text);
            check_extraction(&decoded.text, &extract::findings(&doc, &WARNINGLIST));
        }
    }

    /// (c) Every identifier reported in a mutated advertisement is found again, with the same
    /// kind and value, when written plainly after trade words and its label.
    #[test]
    fn reported_identifiers_revalidate(ad in mutated_ad()) {
        for doc in [Document::plain(&ad), Document::parse(&ad)] {
            for f in extract::findings(&doc, &WARNINGLIST).findings {
                check_revalidates(&f);
            }
        }
    }
}

/// Library bugs the properties found, as minimal regression cases.
#[test]
fn found_regressions() {
    let found = |text: &str| -> Vec<String> {
        extract::findings(&Document::plain(text), &WARNINGLIST)
            .findings
            .iter()
            .map(|f| format!("{} {}", f.kind, f.value))
            .collect()
    };
    // Regressions found by the properties above. A QQ value on a mobile is the national number.
    assert_eq!(found("收U QQ：8613912340001"), ["qq 13912340001"]);
    assert_eq!(found("收U QQ 008613912340001"), ["qq 13912340001"]);
    // A WeChat ID that starts with a one-letter label (`q`, `v`) is an ID, not label + number.
    assert_eq!(found("收U 微信：q89191890"), ["wechat q89191890"]);
    assert_eq!(found("收U 微信：v12345678"), ["wechat v12345678"]);
    assert_eq!(found("收U 微信✈Q189191"), ["wechat q189191"]);
}

/// Every reported identifier of an unmutated ad revalidates too (the property's base cases).
#[test]
fn ad_identifiers_revalidate() {
    for ad in ADS {
        for f in extract::findings(&Document::parse(ad), &WARNINGLIST).findings {
            check_revalidates(&f);
        }
    }
}

// Checks.

/// Spans of findings and rejections lie within `source` on character boundaries, scores are in
/// 0..=1, and every value is in its kind's normal form.
#[track_caller]
fn check_extraction(source: &str, extraction: &Extraction) {
    for f in &extraction.findings {
        check_range(source, &f.span, &format!("span of {f:?}"));
        assert!((0.0..=1.0).contains(&f.score), "score out of 0..=1: {f:?}");
        assert!(f.occurrences >= 1, "{f:?}");
        assert!(!f.raw.is_empty(), "empty raw: {f:?}");
        check_normal_form(f);
    }
    for (n, f) in extraction.findings.iter().enumerate() {
        let twin = extraction.findings[..n].iter().find(|g| g.kind == f.kind && g.value == f.value);
        assert!(twin.is_none(), "one identifier reported twice: {f:?} and {twin:?}");
    }
    for r in &extraction.rejected {
        check_range(source, &r.span, &format!("span of {r:?}"));
    }
}

#[track_caller]
fn check_range(text: &str, range: &Range<usize>, what: &str) {
    assert!(
        range.start <= range.end && range.end <= text.len(),
        "{what} is outside the text (length {})",
        text.len()
    );
    assert!(
        text.is_char_boundary(range.start) && text.is_char_boundary(range.end),
        "{what} is not on character boundaries in {text:?}"
    );
}

/// The value is in the normal form its kind promises, not in an obviously broken one.
#[track_caller]
fn check_normal_form(f: &Finding) {
    let v = f.value.as_str();
    let ok = match f.kind {
        Kind::Phone => is_e164_mobile(v),
        Kind::Qq => is_qq(v),
        Kind::Wechat => is_e164_mobile(v) || is_wechat_id(v),
        Kind::Alipay => is_e164_mobile(v) || is_alipay_id(v) || is_email(v),
        Kind::Email => is_email(v),
        Kind::BankCard => is_digits(v, 13..=19),
        Kind::Btc => is_btc(v),
        Kind::Eth => is_eth(v),
        Kind::Tron => v.len() == 34 && v.starts_with('T') && is_base58(v),
        Kind::Telegram => is_telegram(v),
    };
    assert!(ok, "{} value {v:?} is not in normal form: {f:?}", f.kind);
}

/// Writes `f`'s value plainly, after trade words and the label its kind needs, and checks
/// that the extractor reports the same kind and value.
#[track_caller]
fn check_revalidates(f: &Finding) {
    let value = match f.kind {
        // Phone-number accounts are written as people write them: the national 11 digits.
        Kind::Phone | Kind::Wechat | Kind::Alipay => {
            f.value.strip_prefix("+86").unwrap_or(&f.value)
        }
        _ => &f.value,
    };
    let label = match f.kind {
        Kind::Wechat => "微信：",
        Kind::Qq => "QQ：",
        Kind::Alipay => "支付宝：",
        // A Luhn-failing card is only reported with its label, so give every card one.
        Kind::BankCard => "银行卡：",
        Kind::Telegram => "@",
        Kind::Phone | Kind::Email | Kind::Btc | Kind::Eth | Kind::Tron => "",
    };
    let text = format!("收U 出U {label}{value}");
    let again = extract::findings(&Document::plain(&text), &WARNINGLIST).findings;
    assert!(
        again.iter().any(|g| g.kind == f.kind && g.value == f.value),
        "{} {:?} (raw {:?}) is not found again in {text:?}; found {:?}",
        f.kind,
        f.value,
        f.raw,
        again.iter().map(|g| (g.kind, g.value.as_str())).collect::<Vec<_>>()
    );
}

fn is_qq(s: &str) -> bool {
    is_digits(s, 5..=11) && !s.starts_with('0')
}

fn is_digits(s: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// `+86` then 11 digits starting `1[3-9]`.
fn is_e164_mobile(s: &str) -> bool {
    s.strip_prefix("+861")
        .is_some_and(|rest| is_digits(rest, 10..=10) && matches!(rest.as_bytes()[0], b'3'..=b'9'))
}

fn is_wechat_id(s: &str) -> bool {
    (6..=20).contains(&s.len())
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn is_alipay_id(s: &str) -> bool {
    is_digits(s, 16..=16) && s.starts_with("2088")
}

/// One `@`, something either side, a dot in the domain, no upper case or whitespace.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(|c| c.is_uppercase() || c.is_whitespace())
}

fn is_base58(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l'))
}

/// Base58 `1…`/`3…` of 25-35 characters, or lower-case bech32 `bc1…`.
fn is_btc(s: &str) -> bool {
    let bech32 = s.strip_prefix("bc1").is_some_and(|rest| {
        (11..=87).contains(&rest.len())
            && rest.bytes().all(|b| b"qpzry9x8gf2tvdw0s3jn54khce6mua7l".contains(&b))
    });
    let base58 =
        (25..=35).contains(&s.len()) && matches!(s.as_bytes()[0], b'1' | b'3') && is_base58(s);
    bech32 || base58
}

/// `0x` then 40 lower-case hex digits.
fn is_eth(s: &str) -> bool {
    s.strip_prefix("0x").is_some_and(|hex| {
        hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// 5-32 lower-case letters, digits and `_`, a letter first, no `_` last.
fn is_telegram(s: &str) -> bool {
    (5..=32).contains(&s.len())
        && s.as_bytes()[0].is_ascii_lowercase()
        && !s.ends_with('_')
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

// Generators.

/// Header labels, sensible and not.
const HEADERS: [&str; 7] =
    ["gbk", "utf-8", "utf-16le", "big5", "text/html; charset=gb2312", "klingon", "charset="];

/// Pieces of pages and advertisements that random bytes would almost never hit.
const FRAGMENTS: [&str; 32] = [
    "<html>",
    "<head><title>",
    "</title></head>",
    "<body>",
    "<p>",
    "</p>",
    "<div hidden>",
    "<script>",
    "</script>",
    "<!--",
    "-->",
    "<br>",
    "<a href=\"t.me/otc_x\">",
    "&#xFF1A;",
    "&amp;",
    "&#",
    "<meta charset=gbk>",
    "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=big5\">",
    "收U 出U ",
    "支付宝：",
    "微信：",
    "QQ ",
    "银行卡 ",
    "飞机 @",
    "13912340001",
    "159-1234-0004",
    "６２５９６５７９９７７８７５９１８６５",
    "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP",
    "0xeeDB3483e3B36B2cf395344D0Fd05A88277fe8C5",
    "bc1p4psz5rgnjeljjyuwxujqdm6cc5w0fpey4d88gzn2g65uuz3dg5nsc4ns74",
    "Otc.Desk#163.com",
    "\u{200b}\u{feff}\u{fe0f}\u{20e3}",
];

/// Documents as bytes: random bytes mixed with page fragments in UTF-8, GB18030 and UTF-16,
/// and byte order marks, so decoding, markup and extraction all get exercised.
fn document_bytes() -> impl Strategy<Value = Vec<u8>> {
    let fragment = || prop::sample::select(FRAGMENTS.to_vec());
    let chunk = prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..12),
        4 => fragment().prop_map(|s| s.as_bytes().to_vec()),
        1 => fragment().prop_map(|s| encoding_rs::GB18030.encode(s).0.into_owned()),
        1 => fragment().prop_map(|s| s.encode_utf16().flat_map(u16::to_le_bytes).collect()),
        1 => prop::sample::select(vec![&b"\xEF\xBB\xBF"[..], b"\xFF\xFE", b"\xFE\xFF", b"\0"])
            .prop_map(<[u8]>::to_vec),
    ];
    prop::collection::vec(chunk, 0..24).prop_map(|chunks| chunks.concat())
}

/// One edit to an advertisement.
#[derive(Debug, Clone)]
enum Mutation {
    Insert(Index, char),
    Delete(Index),
    Replace(Index, char),
    /// Inserts markup, often splitting an identifier.
    Tag(Index, &'static str),
    /// Inserts an invisible character.
    ZeroWidth(Index, char),
    /// Converts up to this many ASCII characters from the index on to their full-width forms.
    FullWidth(Index, usize),
    /// Inserts a label, a country code or another piece of an advertisement.
    Piece(Index, &'static str),
}

/// Pieces that move an identifier into another family's rules.
const PIECES: [&str; 20] = [
    "QQ",
    "QQ：",
    "支付宝",
    "ZFB",
    "微信",
    "VX",
    "V：",
    "银行卡",
    "卡号",
    "TG",
    "飞机",
    "@",
    "t.me/",
    "+86 ",
    "0086",
    "86",
    "#",
    "同号",
    "（微信同号）",
    "订单号",
];

/// Characters worth inserting: mostly the ones identifiers, labels and separators are made of.
fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        2 => any::<char>(),
        3 => prop::char::range('0', '9'),
        2 => prop::char::range('a', 'z'),
        1 => prop::char::range('A', 'Z'),
        3 => prop::sample::select(vec![
            ' ', '-', '.', ':', '：', '@', '#', '_', '+', '\n', '\t', '<', '>', '&', '/', '(', '（',
            '收', '出', 'U', '微', '信', '支', '付', '宝', 'Q', 'V', '卡', '号', '一', '三', '八',
            '①', '１', '❤', '➕', '✈',
        ]),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), interesting_char()).prop_map(|(at, c)| Mutation::Insert(at, c)),
        2 => any::<Index>().prop_map(Mutation::Delete),
        2 => (any::<Index>(), interesting_char()).prop_map(|(at, c)| Mutation::Replace(at, c)),
        1 => (
            any::<Index>(),
            prop::sample::select(vec!["<b>", "</b>", "<br>", "<p>", "<span>", "<!-- x -->", "&nbsp;", "<script>x</script>", "<"]),
        )
            .prop_map(|(at, tag)| Mutation::Tag(at, tag)),
        1 => (
            any::<Index>(),
            prop::sample::select(vec!['\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}', '\u{fe0f}', '\u{20e3}', '\u{3000}']),
        )
            .prop_map(|(at, c)| Mutation::ZeroWidth(at, c)),
        1 => (any::<Index>(), 1..12usize).prop_map(|(at, n)| Mutation::FullWidth(at, n)),
        2 => (any::<Index>(), prop::sample::select(PIECES.to_vec()))
            .prop_map(|(at, piece)| Mutation::Piece(at, piece)),
    ]
}

/// One of [`ADS`] with up to eight mutations applied.
fn mutated_ad() -> impl Strategy<Value = String> {
    (prop::sample::select(ADS.to_vec()), prop::collection::vec(mutation(), 0..12))
        .prop_map(|(ad, mutations)| mutate(ad, &mutations))
}

fn mutate(ad: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = ad.chars().collect();
    for m in mutations {
        // Insertions may go at the end; edits need a character to edit.
        let insert_at = |at: &Index, len: usize| at.index(len + 1);
        match m {
            Mutation::Insert(at, c) | Mutation::ZeroWidth(at, c) => {
                chars.insert(insert_at(at, chars.len()), *c);
            }
            Mutation::Tag(at, tag) | Mutation::Piece(at, tag) => {
                let at = insert_at(at, chars.len());
                chars.splice(at..at, tag.chars());
            }
            Mutation::Delete(at) if !chars.is_empty() => {
                chars.remove(at.index(chars.len()));
            }
            Mutation::Replace(at, c) if !chars.is_empty() => {
                let at = at.index(chars.len());
                chars[at] = *c;
            }
            Mutation::FullWidth(at, n) if !chars.is_empty() => {
                let at = at.index(chars.len());
                for c in chars.iter_mut().skip(at).take(*n) {
                    *c = full_width(*c);
                }
            }
            Mutation::Delete(_) | Mutation::Replace(..) | Mutation::FullWidth(..) => {}
        }
    }
    chars.into_iter().collect()
}

/// The full-width form of a printable ASCII character (U+FF01..U+FF5E, ideographic space).
fn full_width(c: char) -> char {
    match c {
        ' ' => '\u{3000}',
        '!'..='~' => char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c),
        _ => c,
    }
}
