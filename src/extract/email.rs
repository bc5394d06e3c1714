//! E-mail addresses, plain (`a@b.com`) and obfuscated (`a#qq.com` for the big Chinese mail
//! providers, `a [at] qq [dot] com`). Local parts and domains are ASCII, so an address ends at
//! CJK text: `联系我12345678@qq.com谢谢` is `12345678@qq.com`. The normal form is lower case.

use std::ops::Range;

/// An address found around an `@` (or its stand-in) in `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// The address's range in `text`, from the local part to the end of the domain.
    pub(crate) range: Range<usize>,
    /// The normal form.
    pub(crate) value: String,
}

/// Why the text around an `@` is not an address.
pub(crate) type Reject = &'static str;

/// Reads an address whose `@` (or `#`, `[at]`…) occupies `at` in `text`. `dots` are the ranges
/// of `[dot]`-style stand-ins for `.` after it. Returns `Ok(None)` when there is no local part
/// at all (a `@handle`, a lone `#`).
pub(crate) fn around(
    text: &str,
    at: Range<usize>,
    dots: &[Range<usize>],
) -> Result<Option<Found>, Reject> {
    let bytes = text.as_bytes();
    let spaced = at.len() > 1;
    let mut local_end = at.start;
    if spaced {
        local_end = skip_back_spaces(bytes, local_end);
    }
    let mut local_start = local_end;
    while local_start > 0 && local_end - local_start < 64 && is_local(bytes[local_start - 1]) {
        local_start -= 1;
    }
    while local_start < local_end && bytes[local_start] == b'.' {
        local_start += 1;
    }
    if local_start == local_end {
        return Ok(None);
    }
    let local = &text[local_start..local_end];
    let mut domain = String::new();
    let mut pos = if spaced { skip_spaces(bytes, at.end) } else { at.end };
    let mut domain_end = pos;
    loop {
        let label_start = pos;
        while pos < bytes.len() && (bytes[pos].is_ascii_alphanumeric() || bytes[pos] == b'-') {
            pos += 1;
        }
        if pos == label_start {
            break;
        }
        domain.push_str(&text[label_start..pos]);
        domain_end = pos;
        if bytes.get(pos) == Some(&b'.')
            && bytes.get(pos + 1).is_some_and(u8::is_ascii_alphanumeric)
        {
            domain.push('.');
            pos += 1;
            continue;
        }
        // `。` for `.` before a top-level domain (`name@qq。com`).
        if let Some(tld) = text[pos..].strip_prefix('。')
            && is_common_tld(&tld[..tld.bytes().take_while(u8::is_ascii_alphanumeric).count()])
        {
            domain.push('.');
            pos += '。'.len_utf8();
            continue;
        }
        let after_spaces = skip_spaces(bytes, pos);
        match dots.iter().find(|dot| dot.start == pos || dot.start == after_spaces) {
            Some(dot) => {
                domain.push('.');
                pos = skip_spaces(bytes, dot.end);
            }
            None => break,
        }
    }
    if domain.is_empty() {
        return Ok(None);
    }
    // `#` stands for `@` only before a known mail provider; anything else is a hashtag, an
    // anchor or a number sign, and not worth a word in `--explain`.
    if &text[at.clone()] == "#" && !PROVIDERS.contains(&domain.to_ascii_lowercase().as_str()) {
        return Ok(None);
    }
    validate(local, &domain)?;
    let value = format!("{local}@{domain}").to_ascii_lowercase();
    Ok(Some(Found { range: local_start..domain_end, value }))
}

/// True when `value` (lower case) is an address at a documentation or test domain.
pub(crate) fn is_reserved_domain(value: &str) -> bool {
    let domain = value.rsplit('@').next().unwrap_or("");
    ["example.com", "example.org", "example.net", "test.com", "localhost"].contains(&domain)
        || [".example", ".test", ".invalid", ".localhost"].iter().any(|tld| domain.ends_with(tld))
}

fn validate(local: &str, domain: &str) -> Result<(), Reject> {
    if local.ends_with('.') || local.contains("..") {
        return Err("e-mail local part has misplaced dots");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err("e-mail domain has no top-level domain");
    }
    if labels.iter().any(|label| label.is_empty() || label.starts_with('-') || label.ends_with('-'))
    {
        return Err("e-mail domain has an empty or hyphen-edged label");
    }
    let tld = labels.last().copied().unwrap_or("").to_ascii_lowercase();
    let country_code = tld.len() == 2 && tld.bytes().all(|b| b.is_ascii_alphabetic());
    if !country_code && !TLDS.contains(&tld.as_str()) {
        return Err("e-mail domain ends in an unknown top-level domain");
    }
    Ok(())
}

/// A generic top-level domain, or `cn`.
fn is_common_tld(label: &str) -> bool {
    let label = label.to_ascii_lowercase();
    label == "cn" || TLDS.contains(&label.as_str())
}

fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn skip_spaces(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos) == Some(&b' ') {
        pos += 1;
    }
    pos
}

fn skip_back_spaces(bytes: &[u8], mut pos: usize) -> usize {
    while pos > 0 && bytes[pos - 1] == b' ' {
        pos -= 1;
    }
    pos
}

/// Mail providers for which `name#domain` is read as an address ("#换成@").
const PROVIDERS: &[&str] = &[
    "qq.com",
    "foxmail.com",
    "163.com",
    "126.com",
    "yeah.net",
    "sina.com",
    "sina.cn",
    "sohu.com",
    "aliyun.com",
    "139.com",
    "189.cn",
    "wo.cn",
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "yahoo.com",
    "icloud.com",
    "protonmail.com",
    "proton.me",
    "tutanota.com",
];

/// Generic and common top-level domains; any two-letter country code is accepted as well.
const TLDS: &[&str] = &[
    "com",
    "net",
    "org",
    "edu",
    "gov",
    "mil",
    "int",
    "info",
    "biz",
    "name",
    "pro",
    "mobi",
    "asia",
    "xyz",
    "top",
    "club",
    "online",
    "site",
    "shop",
    "store",
    "vip",
    "app",
    "dev",
    "io",
    "me",
    "cc",
    "tv",
    "ltd",
    "group",
    "tech",
    "cloud",
    "email",
    "live",
    "life",
    "world",
    "today",
    "link",
    "work",
    "fun",
    "icu",
    "cyou",
    "buzz",
    "space",
    "website",
    "press",
    "news",
    "money",
    "finance",
    "exchange",
    "trade",
    "market",
    "cash",
    "bet",
    "win",
    "games",
    "network",
    "systems",
    "services",
    "solutions",
    "company",
    "center",
    "global",
    "digital",
    "media",
    "studio",
    "zone",
    "plus",
    "wang",
    "ren",
    "xin",
    "red",
    "kim",
    "ink",
    "love",
    "pub",
    "run",
    "best",
    "ooo",
    "one",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str) -> Result<Option<String>, Reject> {
        let at = text.find('@').or_else(|| text.find('#')).expect("an @ or #");
        around(text, at..at + 1, &[]).map(|found| found.map(|f| f.value))
    }

    #[test]
    fn addresses_stop_at_cjk_text() {
        assert_eq!(find("联系我12345678@qq.com谢谢"), Ok(Some("12345678@qq.com".to_owned())));
    }

    #[test]
    fn addresses_are_lower_cased_and_trailing_dots_dropped() {
        assert_eq!(find("Mail: Otc5474@163.COM."), Ok(Some("otc5474@163.com".to_owned())));
    }

    #[test]
    fn hash_is_an_at_only_for_known_providers() {
        assert_eq!(find("abc123#qq.com"), Ok(Some("abc123@qq.com".to_owned())));
        assert_eq!(find("page#section.html"), Ok(None));
    }

    #[test]
    fn bracketed_at_and_dot_are_read() {
        let text = "name [at] qq [dot] com";
        let at = text.find("[at]").unwrap();
        let dot = text.find("[dot]").unwrap();
        let dots = vec![dot..dot + 5; 1];
        let found = around(text, at..at + 4, &dots).unwrap().unwrap();
        assert_eq!(found.value, "name@qq.com");
        assert_eq!(&text[found.range], text);
    }

    #[test]
    fn a_handle_has_no_local_part() {
        assert_eq!(find("TG @otc_desk"), Ok(None));
    }

    #[test]
    fn file_names_and_unknown_tlds_are_not_addresses() {
        assert!(find("logo@2x.png").is_err());
        assert!(find("a@localhost").is_err());
    }
}
