//! Bytes → text: picks the encoding of a document (byte order mark, then the HTTP header, then
//! a `<meta>` prescan of the first 1024 bytes, then detection) and decodes it. It never fails:
//! malformed sequences become U+FFFD and the caller is told so. This is the only place where
//! byte streams become text.

use encoding_rs::{
    BIG5, Encoding, GB18030, GBK, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED,
};
use memchr::{memchr, memmem};

/// Where the encoding came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetSource {
    /// A byte order mark at the start of the body.
    Bom,
    /// The `charset` parameter of the HTTP `Content-Type` header.
    Header,
    /// A `<meta charset>` or `<meta http-equiv="Content-Type">` in the first 1024 bytes.
    Meta,
    /// Guessed from the bytes themselves.
    Detected,
}

/// A document decoded to text, with how its encoding was chosen.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The decoded text, without any byte order mark.
    pub text: String,
    /// The encoding used (GBK and its aliases are reported as GB18030, which was used instead).
    pub encoding: &'static Encoding,
    /// Which step chose the encoding.
    pub source: CharsetSource,
    /// True when malformed sequences were replaced with U+FFFD.
    pub had_errors: bool,
}

/// How many bytes the `<meta>` prescan looks at, as in the WHATWG encoding sniffing algorithm.
const PRESCAN_LEN: usize = 1024;

/// How many bytes (after any pure-ASCII prefix) the detector is fed.
const DETECT_LEN: usize = 64 * 1024;

/// Decodes a document. A byte order mark (UTF-8, UTF-16LE/BE) wins; then the HTTP header label
/// `header_charset` (a bare label such as `gbk`, or a whole `Content-Type` value); then a
/// `<meta>` found by a prescan of the first 1024 bytes; then detection. GBK labels decode as
/// GB18030, its superset; a `<meta>` that says UTF-16 means UTF-8; unknown labels fall through
/// to the next step. Never fails.
pub fn decode(bytes: &[u8], header_charset: Option<&str>) -> Decoded {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return decode_with(encoding, bytes.get(bom_len..).unwrap_or_default(), CharsetSource::Bom);
    }
    if let Some(encoding) = header_charset.and_then(header_encoding) {
        return decode_declared(encoding, bytes, CharsetSource::Header);
    }
    if let Some(encoding) = prescan_meta(bytes.get(..PRESCAN_LEN).unwrap_or(bytes)) {
        return decode_declared(encoding, bytes, CharsetSource::Meta);
    }
    // Valid UTF-8 (including pure ASCII, which the detector would call windows-1252) is
    // almost never anything else, and this check also saves a second validation pass.
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Decoded {
            text: text.to_owned(),
            encoding: UTF_8,
            source: CharsetSource::Detected,
            had_errors: false,
        };
    }
    decode_with(detect(bytes), bytes, CharsetSource::Detected)
}

/// Decodes with a declared encoding, unless the bytes plainly say the declaration is wrong:
/// sites converted to UTF-8 keep their old `gb2312` meta, servers default their header to
/// `iso-8859-1`, and GBK pages are served from templates that say `utf-8`. Either way every
/// label on the page would be lost, and labels are what extraction reads.
/// - A legacy declaration, but the body is valid UTF-8 with non-ASCII text: UTF-8. Text in a
///   legacy CJK or single-byte encoding is almost never valid UTF-8 as well.
/// - A UTF-8 declaration, but more than [`MISDECLARED_SHARE`] of the non-ASCII characters
///   (and at least [`MISDECLARED_MIN`]) are malformed: detection, when it names another encoding that decodes cleanly. A stray
///   byte or a body cut mid-character stays UTF-8.
fn decode_declared(encoding: &'static Encoding, bytes: &[u8], source: CharsetSource) -> Decoded {
    if encoding != UTF_8 {
        let non_ascii = Encoding::ascii_valid_up_to(bytes) < bytes.len();
        if non_ascii && let Ok(text) = std::str::from_utf8(bytes) {
            let text = text.to_owned();
            return Decoded {
                text,
                encoding: UTF_8,
                source: CharsetSource::Detected,
                had_errors: false,
            };
        }
        return decode_with(encoding, bytes, source);
    }
    let declared = decode_with(UTF_8, bytes, source);
    if !declared.had_errors {
        return declared;
    }
    let malformed = declared.text.matches('\u{FFFD}').count();
    let non_ascii = declared.text.chars().filter(|c| !c.is_ascii()).count();
    if malformed < MISDECLARED_MIN || (malformed as f64) <= MISDECLARED_SHARE * non_ascii as f64 {
        return declared;
    }
    let guess = detect(bytes);
    if guess == UTF_8 {
        return declared;
    }
    let detected = decode_with(guess, bytes, CharsetSource::Detected);
    if detected.had_errors { declared } else { detected }
}

/// The share of malformed characters above which a UTF-8 declaration is not believed…
const MISDECLARED_SHARE: f64 = 0.2;
/// …when there are at least this many: a few bad bytes say little about a page.
const MISDECLARED_MIN: usize = 16;

fn decode_with(encoding: &'static Encoding, body: &[u8], source: CharsetSource) -> Decoded {
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    Decoded { text: text.into_owned(), encoding, source, had_errors }
}

/// The encoding for a label, with GBK widened to GB18030. The "replacement" encoding (for
/// labels such as `iso-2022-kr`) would turn the whole page into one U+FFFD, so it counts as
/// unknown.
fn encoding_for_label(label: &[u8]) -> Option<&'static Encoding> {
    let is_quote = |byte: &u8| matches!(byte, b'"' | b'\'');
    let mut label = label.trim_ascii();
    while let Some((first, inner)) = label.split_first()
        && is_quote(first)
    {
        label = inner;
    }
    while let Some((last, inner)) = label.split_last()
        && is_quote(last)
    {
        label = inner;
    }
    let encoding = match Encoding::for_label_no_replacement(label) {
        Some(encoding) => encoding,
        None => non_whatwg_alias(label)?,
    };
    Some(if encoding == GBK { GB18030 } else { encoding })
}

/// Windows and legacy names that Chinese pages use but the WHATWG label list lacks.
fn non_whatwg_alias(label: &[u8]) -> Option<&'static Encoding> {
    const GB: [&[u8]; 6] = [b"cp936", b"ms936", b"windows-936", b"euc-cn", b"x-euc-cn", b"gb-2312"];
    const BIG5_ALIASES: [&[u8]; 4] = [b"cp950", b"ms950", b"windows-950", b"x-big5"];
    if GB.iter().any(|alias| alias.eq_ignore_ascii_case(label)) {
        Some(GB18030)
    } else if BIG5_ALIASES.iter().any(|alias| alias.eq_ignore_ascii_case(label)) {
        Some(BIG5)
    } else {
        None
    }
}

/// The encoding named by a header value: a bare label, or a `Content-Type` value with a
/// `charset=` parameter.
fn header_encoding(value: &str) -> Option<&'static Encoding> {
    let value = value.as_bytes();
    match charset_from_content(value) {
        Some(label) => encoding_for_label(label),
        None => encoding_for_label(value),
    }
}

/// The WHATWG "extract a character encoding from a meta element" algorithm: the value of the
/// first `charset=` parameter in a `Content-Type`-style string.
fn charset_from_content(content: &[u8]) -> Option<&[u8]> {
    let finder = memmem::Finder::new(b"charset");
    let lower = content.to_ascii_lowercase();
    let mut pos = 0;
    loop {
        pos += finder.find(lower.get(pos..)?)? + b"charset".len();
        let rest = content.get(pos..)?.trim_ascii_start();
        let Some(rest) = rest.strip_prefix(b"=") else { continue };
        let rest = rest.trim_ascii_start();
        return match rest.first()? {
            &quote @ (b'"' | b'\'') => {
                let inner = rest.get(1..)?;
                inner.get(..memchr(quote, inner)?)
            }
            _ => {
                let end = rest.iter().position(|&b| b.is_ascii_whitespace() || b == b';');
                rest.get(..end.unwrap_or(rest.len()))
            }
        };
    }
}

/// Guesses the encoding of bytes that are not valid UTF-8.
fn detect(bytes: &[u8]) -> &'static Encoding {
    // The detector skips a pure-ASCII prefix cheaply, so start the window where the non-ASCII
    // bytes start: a page with 64 KiB of inline script before its first Chinese character is
    // common, and a window over ASCII alone would guess windows-1252.
    let end = Encoding::ascii_valid_up_to(bytes).saturating_add(DETECT_LEN).min(bytes.len());
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes.get(..end).unwrap_or(bytes), end == bytes.len());
    let encoding = detector.guess(None, chardetng::Utf8Detection::Allow);
    if encoding == GBK { GB18030 } else { encoding }
}

/// The WHATWG prescan for a `<meta>` that declares the encoding, over `window` (the first
/// 1024 bytes). Comments are skipped; other tags are stepped over attribute by attribute so
/// that a `>` inside a quoted value does not end them.
fn prescan_meta(window: &[u8]) -> Option<&'static Encoding> {
    let mut pos = 0;
    while let Some(offset) = memchr(b'<', window.get(pos..)?) {
        pos += offset;
        let rest = window.get(pos..)?;
        if rest.starts_with(b"<!--") {
            // The `-->` may overlap the opening `<!--`, as in `<!-->`.
            pos += 2 + memmem::find(rest.get(2..)?, b"-->")? + 3;
        } else if starts_with_ignore_case(rest, b"<meta")
            && rest.get(5).is_some_and(|&b| is_space(b) || b == b'/')
        {
            pos += 5;
            match meta_encoding(window, &mut pos) {
                MetaScan::Declares(encoding) => return Some(encoding),
                MetaScan::Nothing => {}
                MetaScan::Eof => return None,
            }
        } else if rest.get(1).is_some_and(u8::is_ascii_alphabetic)
            || (rest.get(1) == Some(&b'/') && rest.get(2).is_some_and(u8::is_ascii_alphabetic))
        {
            pos += 2;
            while window.get(pos).is_some_and(|&b| !is_space(b) && b != b'>') {
                pos += 1;
            }
            while let Attribute::Found { .. } = next_attribute(window, &mut pos) {}
        } else if matches!(rest.get(1), Some(b'!' | b'/' | b'?')) {
            pos += memchr(b'>', rest)? + 1;
        } else {
            pos += 1;
        }
    }
    None
}

/// What one `<meta>` tag told the prescan.
enum MetaScan {
    Declares(&'static Encoding),
    Nothing,
    /// The window ended inside the tag, which ends the prescan.
    Eof,
}

/// Reads the attributes of one `<meta>` tag, from just after its name.
fn meta_encoding(window: &[u8], pos: &mut usize) -> MetaScan {
    let mut seen_http_equiv = false;
    let mut seen_content = false;
    let mut seen_charset = false;
    let mut got_pragma = false;
    let mut need_pragma = None;
    let mut charset = None;
    loop {
        let (name, value) = match next_attribute(window, pos) {
            Attribute::Found { name, value } => (name, value),
            Attribute::End => break,
            Attribute::Eof => return MetaScan::Eof,
        };
        if name.eq_ignore_ascii_case(b"http-equiv") && !seen_http_equiv {
            seen_http_equiv = true;
            got_pragma = value.eq_ignore_ascii_case(b"content-type");
        } else if name.eq_ignore_ascii_case(b"content") && !seen_content {
            seen_content = true;
            if charset.is_none()
                && let Some(encoding) = charset_from_content(value).and_then(encoding_for_label)
            {
                charset = Some(encoding);
                need_pragma = Some(true);
            }
        } else if name.eq_ignore_ascii_case(b"charset") && !seen_charset {
            seen_charset = true;
            if let Some(encoding) = encoding_for_label(value) {
                charset = Some(encoding);
                need_pragma = Some(false);
            }
        }
    }
    let declared = match need_pragma {
        None => None,
        Some(true) if !got_pragma => None,
        Some(_) => charset,
    };
    // A page whose meta was readable as ASCII can't be UTF-16 (WHATWG rule).
    match declared {
        None => MetaScan::Nothing,
        Some(encoding) if encoding == UTF_16BE || encoding == UTF_16LE => MetaScan::Declares(UTF_8),
        Some(encoding) if encoding == X_USER_DEFINED => MetaScan::Declares(WINDOWS_1252),
        Some(encoding) => MetaScan::Declares(encoding),
    }
}

/// One step of the WHATWG "get an attribute" algorithm.
enum Attribute<'a> {
    Found {
        name: &'a [u8],
        value: &'a [u8],
    },
    /// The tag ended (`pos` is on its `>`).
    End,
    /// The window ended inside the tag.
    Eof,
}

fn next_attribute<'a>(window: &'a [u8], pos: &mut usize) -> Attribute<'a> {
    while window.get(*pos).is_some_and(|&b| is_space(b) || b == b'/') {
        *pos += 1;
    }
    let Some(&first) = window.get(*pos) else { return Attribute::Eof };
    if first == b'>' {
        return Attribute::End;
    }
    let name_start = *pos;
    *pos += 1;
    while window.get(*pos).is_some_and(|&b| !is_space(b) && !matches!(b, b'/' | b'>' | b'=')) {
        *pos += 1;
    }
    let name = window.get(name_start..*pos).unwrap_or_default();
    while window.get(*pos).is_some_and(|&b| is_space(b)) {
        *pos += 1;
    }
    if window.get(*pos) != Some(&b'=') {
        return if *pos < window.len() {
            Attribute::Found { name, value: b"" }
        } else {
            Attribute::Eof
        };
    }
    *pos += 1;
    while window.get(*pos).is_some_and(|&b| is_space(b)) {
        *pos += 1;
    }
    match window.get(*pos) {
        None => Attribute::Eof,
        Some(b'>') => Attribute::Found { name, value: b"" },
        Some(&quote @ (b'"' | b'\'')) => {
            let start = *pos + 1;
            let Some(len) = window.get(start..).and_then(|rest| memchr(quote, rest)) else {
                return Attribute::Eof;
            };
            *pos = start + len + 1;
            Attribute::Found { name, value: window.get(start..start + len).unwrap_or_default() }
        }
        Some(_) => {
            let start = *pos;
            while window.get(*pos).is_some_and(|&b| !is_space(b) && b != b'>') {
                *pos += 1;
            }
            if *pos == window.len() {
                return Attribute::Eof;
            }
            Attribute::Found { name, value: window.get(start..*pos).unwrap_or_default() }
        }
    }
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r')
}

fn starts_with_ignore_case(haystack: &[u8], prefix: &[u8]) -> bool {
    haystack.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::SHIFT_JIS;

    const PARAGRAPH: &str = "本平台长期收购USDT，支持支付宝、微信、银行卡多种方式付款，\
        价格公道，当面交易安全可靠。我们已经在本地经营了五年多，累计为上万名客户提供了\
        快速便捷的兑换服务，从未出现过任何纠纷。如果您有大额需求，请提前联系客服预约时间，\
        我们会安排专人为您办理。小额交易随时可以进行，一般十分钟之内完成到账。请注意识别\
        假冒网站，认准本站唯一域名，谨防上当受骗。工作时间为每天早上九点到晚上十一点，\
        节假日照常营业，欢迎新老客户前来咨询洽谈。";

    fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        let (bytes, _, had_errors) = encoding.encode(text);
        assert!(!had_errors, "test text must be representable in {}", encoding.name());
        bytes.into_owned()
    }

    #[track_caller]
    fn check(
        bytes: &[u8],
        header: Option<&str>,
        text: &str,
        encoding: &'static Encoding,
        source: CharsetSource,
    ) {
        let decoded = decode(bytes, header);
        assert_eq!(decoded.text, text);
        assert_eq!(decoded.encoding, encoding, "got {}", decoded.encoding.name());
        assert_eq!(decoded.source, source);
        assert!(!decoded.had_errors);
    }

    #[test]
    fn a_gbk_page_that_says_utf8_is_decoded_as_gbk() {
        let html = format!("<meta charset=\"utf-8\"><p>{PARAGRAPH}</p>");
        let bytes = encode(GB18030, &html);
        check(&bytes, None, &html, GB18030, CharsetSource::Detected);
        check(&bytes, Some("text/html; charset=UTF-8"), &html, GB18030, CharsetSource::Detected);
    }

    #[test]
    fn a_utf8_page_that_says_gb2312_or_latin1_is_decoded_as_utf8() {
        let html = format!("<meta charset=\"gb2312\"><p>{PARAGRAPH}</p>");
        check(html.as_bytes(), None, &html, UTF_8, CharsetSource::Detected);
        let html = "<p>café 收U</p>";
        check(
            html.as_bytes(),
            Some("text/html; charset=iso-8859-1"),
            html,
            UTF_8,
            CharsetSource::Detected,
        );
    }

    #[test]
    fn a_declaration_holds_when_the_bytes_do_not_contradict_it() {
        // Pure ASCII is valid UTF-8 too: the declaration stands.
        check(
            b"<meta charset=gbk><p>138 0013 8000</p>",
            None,
            "<meta charset=gbk><p>138 0013 8000</p>",
            GB18030,
            CharsetSource::Meta,
        );
        // A UTF-8 page with one stray byte, or cut inside its last character, stays UTF-8.
        let mut bytes = format!("<meta charset=utf-8><p>{PARAGRAPH}</p>").into_bytes();
        bytes.insert(20, 0xFF);
        bytes.extend_from_slice(&"支".as_bytes()[..2]);
        let decoded = decode(&bytes, None);
        assert_eq!(decoded.encoding, UTF_8);
        assert_eq!(decoded.source, CharsetSource::Meta);
        assert!(decoded.had_errors);
        let start: String = PARAGRAPH.chars().take(20).collect();
        assert!(decoded.text.contains(&start));
    }

    #[test]
    fn utf8_bom_is_removed() {
        check(b"\xEF\xBB\xBF<p>h\xC3\xA9</p>", None, "<p>hé</p>", UTF_8, CharsetSource::Bom);
    }

    #[test]
    fn utf16le_bom_decodes_utf16() {
        let text = "<p>支付宝 189</p>";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        check(&bytes, None, text, UTF_16LE, CharsetSource::Bom);
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        check(&bytes, None, text, UTF_16BE, CharsetSource::Bom);
    }

    #[test]
    fn gbk_with_meta_charset_decodes_as_gb18030() {
        let html = "<html><head><meta charset=\"gbk\"><title>收款</title></head>\
            <body><p>联系方式：微信 otc8888</p></body></html>";
        check(&encode(GBK, html), None, html, GB18030, CharsetSource::Meta);
        for meta in ["<META CHARSET=GB2312>", "<meta charset='x-gbk'/>", "<meta  charset = cp936 >"]
        {
            let html = format!("{meta}<p>联系方式</p>");
            check(&encode(GBK, &html), None, &html, GB18030, CharsetSource::Meta);
        }
    }

    #[test]
    fn gbk_with_http_equiv_meta() {
        let html = "<head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">\
            </head><p>银行卡收款</p>";
        check(&encode(GBK, html), None, html, GB18030, CharsetSource::Meta);
        // A `content` without the pragma is not a declaration.
        let html = "<meta content=\"text/html; charset=big5\"><p>银行卡收款</p>";
        assert_eq!(decode(&encode(GBK, html), None).source, CharsetSource::Detected);
    }

    #[test]
    fn gbk_without_meta_is_detected() {
        let html = format!("<html><body><p>{PARAGRAPH}</p></body></html>");
        let decoded = decode(&encode(GBK, &html), None);
        assert!(decoded.encoding == GB18030 || decoded.encoding == GBK);
        assert_eq!(decoded.source, CharsetSource::Detected);
        assert_eq!(decoded.text, html);
        assert!(!decoded.had_errors);
    }

    #[test]
    fn detection_looks_past_a_long_ascii_prefix() {
        let script = "<script>var x = 1;</script>\n".repeat(3000);
        let html = format!("<html><head>{script}</head><body><p>{PARAGRAPH}</p></body></html>");
        assert!(html.find('本').is_some_and(|at| at > DETECT_LEN));
        let decoded = decode(&encode(GBK, &html), None);
        assert_eq!(decoded.encoding, GB18030);
        assert_eq!(decoded.text, html);
    }

    #[test]
    fn big5_with_meta() {
        let html = "<meta charset=big5><p>聯絡方式：支付寶 請加微信</p>";
        check(&encode(BIG5, html), None, html, BIG5, CharsetSource::Meta);
        let html = "<meta charset=\"CP950\"><p>聯絡方式</p>";
        check(&encode(BIG5, html), None, html, BIG5, CharsetSource::Meta);
    }

    #[test]
    fn header_charset_beats_meta() {
        let html = "<meta charset=\"big5\"><p>联系方式</p>";
        let bytes = encode(GBK, html);
        check(&bytes, Some("gbk"), html, GB18030, CharsetSource::Header);
        check(&bytes, Some("text/html; charset=\"GBK\""), html, GB18030, CharsetSource::Header);
        // An unknown or replacement label falls through to the meta.
        let html = "<meta charset=\"gbk\"><p>联系方式</p>";
        let bytes = encode(GBK, html);
        check(&bytes, Some("klingon"), html, GB18030, CharsetSource::Meta);
        check(&bytes, Some("iso-2022-kr"), html, GB18030, CharsetSource::Meta);
    }

    #[test]
    fn bom_beats_header() {
        check(b"\xEF\xBB\xBFh\xC3\xA9", Some("gbk"), "hé", UTF_8, CharsetSource::Bom);
    }

    #[test]
    fn meta_saying_utf16_means_utf8() {
        let html = "<meta charset=utf-16le><p>支付宝</p>";
        check(html.as_bytes(), None, html, UTF_8, CharsetSource::Meta);
    }

    #[test]
    fn prescan_skips_comments_and_quoted_gt() {
        let html = "<!-- <meta charset=big5> --><div title='a>b <meta charset=big5>'>\
            <meta charset=shift_jis><p>連絡</p>";
        check(&encode(SHIFT_JIS, html), None, html, SHIFT_JIS, CharsetSource::Meta);
    }

    #[test]
    fn prescan_stops_at_1024_bytes() {
        let html = format!("{}<meta charset=big5><p>联系</p>", " ".repeat(PRESCAN_LEN));
        let decoded = decode(html.as_bytes(), None);
        assert_eq!(decoded.source, CharsetSource::Detected);
        assert_eq!(decoded.encoding, UTF_8);
    }

    #[test]
    fn invalid_utf8_sets_had_errors() {
        for (bytes, header) in [
            (&b"<meta charset=utf-8><p>a\xFF\xFEb</p>"[..], None),
            (&b"<p>a\xC3</p>"[..], Some("utf-8")),
        ] {
            let decoded = decode(bytes, header);
            assert!(decoded.had_errors);
            assert_eq!(decoded.encoding, UTF_8);
            assert!(decoded.text.contains('\u{FFFD}'));
        }
    }

    #[test]
    fn empty_and_truncated_input_never_fail() {
        check(b"", None, "", UTF_8, CharsetSource::Detected);
        let inputs: [&[u8]; 8] = [
            b"<",
            b"<meta",
            b"<meta charset",
            b"<meta charset=",
            b"<meta charset='gbk",
            b"<!--",
            b"\xFF",
            b"\xEF\xBB",
        ];
        for bytes in inputs {
            let _ = decode(bytes, Some(""));
            let _ = decode(bytes, Some("charset="));
        }
    }
}
