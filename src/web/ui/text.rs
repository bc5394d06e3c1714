//! Turning stored, hostile text into the pieces the templates show: highlights split into
//! three plain strings (before, hit, after) that the template escapes one by one, links only
//! for http(s) URLs, page bodies as size-capped text, times and path segments. Nothing here
//! produces markup: the templates are the only place HTML is written, and they escape every
//! value (askama's HTML escaper).

use crate::fetch::charset;
use url::Url;

/// The most bytes of a stored page body shown on a page; the rest is left out around the hit.
pub(crate) const BODY_CAP: usize = 32 * 1024;

/// A text with one highlighted part. The template writes `before`, `<mark>`, `hit`, `</mark>`,
/// `after`, escaping each: no part is ever markup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Highlighted {
    pub(crate) before: String,
    pub(crate) hit: String,
    pub(crate) after: String,
}

/// A stored page body as text, cut to [`BODY_CAP`] bytes around the identifier.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BodyExcerpt {
    pub(crate) text: Highlighted,
    /// Bytes of decoded text left out before and after the excerpt.
    pub(crate) omitted_before: usize,
    pub(crate) omitted_after: usize,
    /// The decoded body's length in bytes.
    pub(crate) total: usize,
    /// The charset the body was decoded from.
    pub(crate) encoding: String,
}

/// The identifier highlighted in a context snippet. The snippet's whitespace is collapsed
/// (see `extract::context`), so `raw` is looked up the same way; when neither the raw form nor
/// the normal form occurs, the snippet is shown without a highlight.
pub(crate) fn highlight_context(context: &str, raw: &str, value: &str) -> Highlighted {
    let raw = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let found = [raw.as_str(), value]
        .into_iter()
        .filter(|needle| !needle.is_empty())
        .find_map(|needle| context.find(needle).map(|start| start..start + needle.len()));
    match found {
        Some(range) => split(context, range),
        None => Highlighted { before: context.to_owned(), ..Highlighted::default() },
    }
}

/// A stored body decoded to text (BOM, `<meta>` charset or detection; the HTTP header is not
/// stored) with the identifier at `span` (a byte range of the decoded source) highlighted.
/// A span that does not fit the decoded text (another charset guess) gives no highlight.
pub(crate) fn body_excerpt(bytes: &[u8], span: (usize, usize)) -> BodyExcerpt {
    let decoded = charset::decode(bytes, None);
    let text = decoded.text.as_str();
    let total = text.len();
    let (start, end) = span;
    let valid =
        start <= end && end <= total && text.is_char_boundary(start) && text.is_char_boundary(end);
    let (hit_start, hit_end) = if valid { (start, end) } else { (0, 0) };
    // A window of BODY_CAP bytes centred on the hit, moved back inside the text.
    let hit_len = hit_end - hit_start;
    let margin = BODY_CAP.saturating_sub(hit_len) / 2;
    let mut from = hit_start.saturating_sub(margin);
    let mut to = (hit_end + margin).min(total);
    if to - from < BODY_CAP {
        from = to.saturating_sub(BODY_CAP);
        to = (from + BODY_CAP).min(total);
    }
    let from = floor_boundary(text, from.min(hit_start));
    let to = ceil_boundary(text, to.max(hit_end));
    let highlighted = if valid && hit_len > 0 {
        Highlighted {
            before: text[from..hit_start].to_owned(),
            hit: text[hit_start..hit_end].to_owned(),
            after: text[hit_end..to].to_owned(),
        }
    } else {
        Highlighted { before: text[from..to].to_owned(), ..Highlighted::default() }
    };
    BodyExcerpt {
        text: highlighted,
        omitted_before: from,
        omitted_after: total - to,
        total,
        encoding: decoded.encoding.name().to_owned(),
    }
}

/// `url` as an href if it is an absolute http or https URL; anything else (`javascript:`,
/// `data:`, relative, unparsable) is shown as text only.
pub(crate) fn http_href(url: &str) -> Option<String> {
    let parsed = Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.into())
}

/// `value` percent-encoded as one URL path segment: everything but RFC 3986's unreserved
/// characters is escaped, so `/`, `?`, `#` and `%` in an identifier stay inside the segment.
pub(crate) fn path_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A time in ms since the Unix epoch as `2026-11-24 04:23 UTC`.
pub(crate) fn when(ms: u64) -> String {
    let rfc = crate::web::api::rfc3339(ms);
    // `2026-11-24T04:23:00Z` → `2026-11-24 04:23 UTC`.
    match (rfc.get(..10), rfc.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => rfc,
    }
}

/// The UTC date (`2026-11-24`) of a time in ms since the Unix epoch.
pub(crate) fn date(ms: u64) -> String {
    crate::web::api::rfc3339(ms).chars().take(10).collect()
}

/// The start of a UTC date given as `YYYY-MM-DD` (what `<input type=date>` sends), in ms.
pub(crate) fn parse_date(date: &str) -> Option<u64> {
    if date.len() != 10 || !date.is_ascii() {
        return None;
    }
    let time = humantime::parse_rfc3339(&format!("{date}T00:00:00Z")).ok()?;
    let since = time.duration_since(std::time::UNIX_EPOCH).ok()?;
    u64::try_from(since.as_millis()).ok()
}

fn split(text: &str, range: std::ops::Range<usize>) -> Highlighted {
    Highlighted {
        before: text[..range.start].to_owned(),
        hit: text[range.clone()].to_owned(),
        after: text[range.end..].to_owned(),
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_highlight_keeps_markup_as_plain_parts() {
        let context = "<script>x()</script> 支付宝 alipay@evil.cn \"><img onerror=1>";
        let parts = highlight_context(context, "alipay@evil.cn", "alipay@evil.cn");
        assert_eq!(parts.before, "<script>x()</script> 支付宝 ");
        assert_eq!(parts.hit, "alipay@evil.cn");
        assert_eq!(parts.after, " \"><img onerror=1>");
    }

    #[test]
    fn context_highlight_finds_raw_with_collapsed_spaces_or_falls_back() {
        let parts =
            highlight_context("call 138 0013 8000 now", "138  0013\n8000", "+8613800138000");
        assert_eq!(parts.hit, "138 0013 8000");
        let none = highlight_context("nothing here", "zzz", "yyy");
        assert_eq!(none, Highlighted { before: "nothing here".into(), ..Highlighted::default() });
    }

    #[test]
    fn body_excerpt_highlights_the_span_and_caps_the_size() {
        let mut body = "é".repeat(BODY_CAP);
        let start = body.len();
        body.push_str("TQrZ9wBzhBqYVfCkN9qT4Pb7uVpmaGmzmX");
        let end = body.len();
        body.push_str(&"ü".repeat(BODY_CAP));
        let excerpt = body_excerpt(body.as_bytes(), (start, end));
        assert_eq!(excerpt.text.hit, "TQrZ9wBzhBqYVfCkN9qT4Pb7uVpmaGmzmX");
        let shown = excerpt.text.before.len() + excerpt.text.hit.len() + excerpt.text.after.len();
        assert!(shown <= BODY_CAP + 2, "shown {shown} bytes");
        assert_eq!(excerpt.omitted_before + shown + excerpt.omitted_after, body.len());
    }

    #[test]
    fn body_excerpt_with_a_span_that_does_not_fit_shows_no_highlight() {
        let excerpt = body_excerpt("短文本".as_bytes(), (1, 400));
        assert_eq!(excerpt.text.hit, "");
        assert_eq!(excerpt.text.before, "短文本");
    }

    #[test]
    fn only_http_urls_become_links() {
        assert_eq!(
            http_href("https://a.example/x?y=1").as_deref(),
            Some("https://a.example/x?y=1")
        );
        assert_eq!(http_href("javascript:alert(1)"), None);
        assert_eq!(http_href("JaVaScRiPt:alert(1)"), None);
        assert_eq!(http_href("data:text/html,<b>"), None);
        assert_eq!(http_href("/relative"), None);
    }

    #[test]
    fn path_segments_escape_separators() {
        assert_eq!(path_segment("a/b?c#d%e f+g@h"), "a%2Fb%3Fc%23d%25e%20f%2Bg%40h");
        assert_eq!(path_segment("微信"), "%E5%BE%AE%E4%BF%A1");
    }

    #[test]
    fn dates_round_trip() {
        let ms = parse_date("2026-11-24").unwrap();
        assert_eq!(date(ms), "2026-11-24");
        assert_eq!(when(ms + 3_600_000), "2026-11-24 01:00 UTC");
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
    }
}
