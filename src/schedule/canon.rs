//! URL canonicalisation, so no page is fetched twice in one crawl: the fragment dropped, scheme
//! and host lower-cased, the default port dropped (the `url` crate does those), percent-escapes
//! of unreserved characters decoded and the others upper-cased, session-id parameters and path
//! parameters stripped, an empty query dropped, and the query sorted when the site asks.

use url::Url;

/// Query parameters that carry a session or tracking id and never change the page.
const SESSION_PARAMS: &[&str] = &[
    "jsessionid",
    "phpsessid",
    "sid",
    "sessionid",
    "session_id",
    "aspsessionid",
    "cfid",
    "cftoken",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "fbclid",
    "gclid",
    "spm",
];

/// The canonical form of `url`.
pub fn canonical(url: &Url, sort_query: bool) -> Url {
    let mut url = url.clone();
    url.set_fragment(None);
    // Only escapes and path parameters change a path; most have neither, and setting a path
    // re-parses the URL.
    if url.path().contains(['%', ';']) {
        let path = normalise_escapes(strip_path_params(url.path()));
        if path != url.path() {
            url.set_path(&path);
        }
    }
    if let Some(query) = url.query() {
        let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .filter(|(key, _)| !SESSION_PARAMS.contains(&key.to_ascii_lowercase().as_str()))
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        if sort_query {
            pairs.sort();
        }
        if pairs.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    url
}

/// Drops `;jsessionid=…`-style path parameters.
fn strip_path_params(path: &str) -> &str {
    match path.find(';') {
        Some(idx) if path[idx + 1..].to_ascii_lowercase().contains("sessionid") => &path[..idx],
        _ => path,
    }
}

/// Decodes escapes of unreserved characters (`%7E` → `~`) and upper-cases the rest (`%2f` → `%2F`).
fn normalise_escapes(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut idx = 0;
    while idx < bytes.len() {
        if bytes[idx] == b'%' && idx + 2 < bytes.len() && path.is_char_boundary(idx + 3) {
            let hex = &path[idx + 1..idx + 3];
            if let Ok(value) = u8::from_str_radix(hex, 16) {
                if value.is_ascii_alphanumeric() || matches!(value, b'-' | b'.' | b'_' | b'~') {
                    out.push(value as char);
                } else {
                    out.push('%');
                    out.push_str(&hex.to_ascii_uppercase());
                }
                idx += 3;
                continue;
            }
        }
        let ch = path[idx..].chars().next().unwrap_or('\u{FFFD}');
        out.push(ch);
        idx += ch.len_utf8().max(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, sort: bool, expect: &str) {
        assert_eq!(canonical(&Url::parse(input).unwrap(), sort).as_str(), expect);
    }

    #[test]
    fn fragments_default_ports_and_case_are_normalised() {
        check("HTTP://Forum.Example:80/a#top", false, "http://forum.example/a");
        check("https://forum.example:443/", false, "https://forum.example/");
    }

    #[test]
    fn session_ids_are_stripped() {
        check(
            "http://a.example/t?id=3&PHPSESSID=abc&utm_source=x",
            false,
            "http://a.example/t?id=3",
        );
        check("http://a.example/t;jsessionid=ABC?id=3", false, "http://a.example/t?id=3");
        check("http://a.example/t?sid=1", false, "http://a.example/t");
    }

    #[test]
    fn escapes_are_normalised() {
        check("http://a.example/%7euser/%2fx", false, "http://a.example/~user/%2Fx");
    }

    #[test]
    fn queries_sort_only_when_asked() {
        check("http://a.example/?b=2&a=1", false, "http://a.example/?b=2&a=1");
        check("http://a.example/?b=2&a=1", true, "http://a.example/?a=1&b=2");
    }
}
