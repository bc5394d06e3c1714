//! Which discovered URLs a site's crawl follows: the site's allow patterns (by default the
//! seed's host), minus its deny patterns, minus crawler traps — over-long URLs, query-parameter
//! explosions, and paths that repeat their own segments (`/a/b/a/b/…`).

use crate::config::Site;
use url::Url;

/// Why a URL is not followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutOfScope {
    Scheme,
    Host,
    Allow,
    Deny,
    TooLong,
    TooManyParams,
    RepeatedPath,
    Binary,
}

/// Decides whether `site`'s crawl follows `url` (already canonical).
pub fn check(site: &Site, url: &Url) -> Result<(), OutOfScope> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(OutOfScope::Scheme);
    }
    let text = url.as_str();
    if text.len() > site.max_url_length {
        return Err(OutOfScope::TooLong);
    }
    if site.allow.is_empty() {
        if url.host_str() != site.url.host_str()
            || url.port_or_known_default() != site.url.port_or_known_default()
        {
            return Err(OutOfScope::Host);
        }
    } else if !site.allow.iter().any(|pattern| pattern.is_match(text)) {
        return Err(OutOfScope::Allow);
    }
    if site.deny.iter().any(|pattern| pattern.is_match(text)) {
        return Err(OutOfScope::Deny);
    }
    if url.query_pairs().count() > site.max_query_params {
        return Err(OutOfScope::TooManyParams);
    }
    if repeats_itself(url.path()) {
        return Err(OutOfScope::RepeatedPath);
    }
    if binary_extension(url.path()) {
        return Err(OutOfScope::Binary);
    }
    Ok(())
}

/// True when a path repeats a segment three times, or a run of two or more segments twice in a
/// row (`/a/b/a/b/`): the marks of relative-link loops and calendar traps.
fn repeats_itself(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() < 3 {
        return false;
    }
    // Paths have a handful of segments: comparing each with those before it is cheaper than
    // hashing them (every link of every page comes through here). Long paths, rare and
    // possibly hostile, are counted in a map instead.
    if segments.len() <= 32 {
        let thrice = segments.iter().enumerate().any(|(idx, segment)| {
            segments[..idx].iter().filter(|earlier| *earlier == segment).nth(1).is_some()
        });
        if thrice {
            return true;
        }
    } else {
        let mut counts = std::collections::HashMap::new();
        for segment in &segments {
            let count = counts.entry(*segment).or_insert(0);
            *count += 1;
            if *count >= 3 {
                return true;
            }
        }
    }
    (2..=segments.len() / 2).any(|len| segments.windows(2 * len).any(|w| w[..len] == w[len..]))
}

/// File types that are never documents, known from the path alone so they are not even
/// requested.
fn binary_extension(path: &str) -> bool {
    let Some((_, ext)) = path.rsplit_once('.') else { return false };
    const BINARY: &[&str] = &[
        "jpg", "jpeg", "png", "gif", "webp", "svg", "ico", "bmp", "tif", "tiff", "mp4", "mp3",
        "avi", "mov", "wmv", "flv", "webm", "wav", "ogg", "zip", "rar", "7z", "gz", "tgz", "bz2",
        "xz", "tar", "exe", "dmg", "apk", "msi", "iso", "bin", "pdf", "doc", "docx", "xls", "xlsx",
        "ppt", "pptx", "css", "js", "woff", "woff2", "ttf", "eot", "otf",
    ];
    BINARY.iter().any(|binary| binary.eq_ignore_ascii_case(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        let mut site = Site::new("t", Url::parse("http://a.example/otc/").unwrap());
        site.deny = vec![regex::Regex::new("logout").unwrap()];
        site
    }

    fn check_url(url: &str) -> Result<(), OutOfScope> {
        check(&site(), &Url::parse(url).unwrap())
    }

    #[test]
    fn same_host_is_the_default_scope() {
        assert_eq!(check_url("http://a.example/thread/1"), Ok(()));
        assert_eq!(check_url("http://b.example/thread/1"), Err(OutOfScope::Host));
        assert_eq!(check_url("http://a.example:8080/"), Err(OutOfScope::Host));
        assert_eq!(check_url("mailto:x@a.example"), Err(OutOfScope::Scheme));
    }

    #[test]
    fn allow_patterns_replace_the_host_rule() {
        let mut site = site();
        site.allow = vec![regex::Regex::new("^http://a\\.example/otc/").unwrap()];
        assert_eq!(check(&site, &Url::parse("http://a.example/otc/2").unwrap()), Ok(()));
        assert_eq!(
            check(&site, &Url::parse("http://a.example/news").unwrap()),
            Err(OutOfScope::Allow)
        );
    }

    #[test]
    fn deny_patterns_and_traps_are_refused() {
        assert_eq!(check_url("http://a.example/logout"), Err(OutOfScope::Deny));
        assert_eq!(
            check_url(&format!("http://a.example/{}", "x".repeat(600))),
            Err(OutOfScope::TooLong)
        );
        assert_eq!(
            check_url("http://a.example/?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9"),
            Err(OutOfScope::TooManyParams)
        );
        assert_eq!(check_url("http://a.example/a/b/a/b/"), Err(OutOfScope::RepeatedPath));
        assert_eq!(check_url("http://a.example/x/x/x"), Err(OutOfScope::RepeatedPath));
        assert_eq!(check_url("http://a.example/x/y/x/z/x"), Err(OutOfScope::RepeatedPath));
        assert_eq!(check_url("http://a.example/x/y/x/z"), Ok(()), "twice, apart, is allowed");
        // Past 32 segments the count is kept in a map: the same rule.
        let long: String = (0..40).map(|n| format!("/s{n}")).collect();
        assert_eq!(
            check_url(&format!("http://a.example{long}/s3/s3")),
            Err(OutOfScope::RepeatedPath)
        );
        assert_eq!(check_url(&format!("http://a.example{long}/s3")), Ok(()));
        assert_eq!(check_url("http://a.example/img/logo.PNG"), Err(OutOfScope::Binary));
        assert_eq!(check_url("http://a.example/2024/07/17/post"), Ok(()));
    }
}
