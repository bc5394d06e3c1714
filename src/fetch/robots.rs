//! robots.txt: fetching it (through the guarded client, capped at 512 KiB) and reading the
//! rules for our product token with `texting_robots` (groups by user-agent token, the longest
//! matching Allow/Disallow wins, `*` and `$`, Crawl-delay, Sitemap lines). Caching per host,
//! expiry and back-off belong to the scheduler; this file only says what one fetch found.

use std::sync::Arc;
use std::time::Duration;

use texting_robots::Robot;
use url::Url;

use super::{Client, Failure, FailureKind};

/// Bytes of robots.txt read; the rest is ignored (Google reads 500 KiB).
pub const MAX_ROBOTS_BYTES: usize = 512 * 1024;

/// The rules of one robots.txt for our agent token.
#[derive(Debug, Clone)]
pub struct Robots {
    /// The parsed group for our token (or `*`); `None` when nothing usable was found, which
    /// allows everything.
    rules: Option<Arc<Robot>>,
    crawl_delay: Option<Duration>,
    sitemaps: Vec<Url>,
}

/// What fetching robots.txt found.
#[derive(Debug, Clone)]
pub enum RobotsFetch {
    /// A 2xx robots.txt, parsed.
    Rules(Robots),
    /// No robots.txt that applies: a 4xx (other than 429), a redirect that leads nowhere, or
    /// too many redirects. Everything is allowed.
    AllowAll,
    /// A 5xx, 429, timeout or connection failure: the caller must not crawl the host yet and
    /// backs off (`retry_after` is set when the server said how long).
    Unavailable(Failure),
}

impl Robots {
    /// Reads the rules that apply to `agent_token` (see [`product_token`]), matched
    /// case-insensitively against the product token of each `User-agent` line (so
    /// `User-agent: otcwatch/1.0` names us too); the `*` group applies when no group names us.
    /// Never fails: garbage allows everything, and a rule the matcher cannot compile (a
    /// pathological wildcard pattern) is dropped rather than discarding the whole file.
    pub fn parse(body: &[u8], agent_token: &str) -> Robots {
        let body = with_agent_tokens(body);
        let robot = Robot::new(agent_token, &body)
            .or_else(|_| Robot::new(agent_token, &without_bad_lines(&body)))
            .ok();
        let crawl_delay = robot
            .as_ref()
            .and_then(|robot| robot.delay)
            .and_then(|secs| Duration::try_from_secs_f32(secs).ok());
        let mut sitemaps: Vec<Url> = Vec::new();
        for sitemap in robot.iter().flat_map(|robot| &robot.sitemaps) {
            let Ok(url) = Url::parse(sitemap.trim()) else { continue };
            if matches!(url.scheme(), "http" | "https") && !sitemaps.contains(&url) {
                sitemaps.push(url);
            }
        }
        Robots { rules: robot.map(Arc::new), crawl_delay, sitemaps }
    }

    /// True when the rules allow fetching `url` (its path and query are matched).
    pub fn allowed(&self, url: &Url) -> bool {
        self.rules.as_ref().is_none_or(|robot| robot.allowed(url.as_str()))
    }

    /// The `Crawl-delay` for our group (or one given before any group).
    pub fn crawl_delay(&self) -> Option<Duration> {
        self.crawl_delay
    }

    /// The absolute http(s) `Sitemap` URLs, which apply to every agent, without duplicates.
    pub fn sitemaps(&self) -> Vec<Url> {
        self.sitemaps.clone()
    }
}

/// The product token of a user agent, which robots.txt groups name (RFC 9309: letters, `_`
/// and `-`): `otcwatch/0.1 (+https://example.org/otcwatch)` → `otcwatch`.
pub fn product_token(user_agent: &str) -> &str {
    let is_token = |c: char| c.is_ascii_alphabetic() || c == '_' || c == '-';
    let end = user_agent.find(|c: char| !is_token(c)).unwrap_or(user_agent.len());
    &user_agent[..end]
}

/// Fetches and reads `origin`'s robots.txt (`origin` is `scheme://host:port/`; redirects are
/// followed by the client, each hop through the address guard).
pub async fn fetch(client: &Client, origin: &Url, agent_token: &str) -> RobotsFetch {
    let Ok(robots_url) = origin.join("/robots.txt") else { return RobotsFetch::AllowAll };
    match client.get_bytes(&robots_url, MAX_ROBOTS_BYTES).await {
        Ok((200..=299, _, body)) => RobotsFetch::Rules(Robots::parse(&body, agent_token)),
        Ok((status @ 500.., ..)) => RobotsFetch::Unavailable(Failure {
            kind: FailureKind::Status,
            message: format!("HTTP {status} for {robots_url}"),
            retry_after: None,
        }),
        // 4xx, and 3xx that could not be followed: as if there were no robots.txt.
        Ok(_) => RobotsFetch::AllowAll,
        Err(failure) => match failure.kind {
            FailureKind::TooManyRedirects
            | FailureKind::RedirectLoop
            | FailureKind::BadRedirect => RobotsFetch::AllowAll,
            _ => RobotsFetch::Unavailable(failure),
        },
    }
}

/// `body` with each `User-agent: token/version …` line cut to its product token, which is
/// how RFC 9309 and Google match groups; texting_robots compares the whole value.
fn with_agent_tokens(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    for line in body.split_inclusive(|&byte| byte == b'\n') {
        match agent_token_line(line) {
            Some(token) => {
                out.extend_from_slice(b"User-agent: ");
                out.extend_from_slice(token);
                out.push(b'\n');
            }
            None => out.extend_from_slice(line),
        }
    }
    out
}

/// The product token of a `User-agent:` line whose value is more than a token (`*` and bare
/// tokens are left alone).
fn agent_token_line(line: &[u8]) -> Option<&[u8]> {
    const KEY: &[u8] = b"user-agent";
    let line = line.trim_ascii_start();
    if !line.get(..KEY.len())?.eq_ignore_ascii_case(KEY) {
        return None;
    }
    let value = line.get(KEY.len()..)?.trim_ascii_start().strip_prefix(b":")?;
    let value = value.split(|&byte| byte == b'#').next()?.trim_ascii();
    let is_token = |byte: &u8| byte.is_ascii_alphabetic() || matches!(byte, b'_' | b'-');
    let len = value.iter().position(|byte| !is_token(byte)).unwrap_or(value.len());
    (len > 0 && len < value.len()).then(|| &value[..len])
}

/// `body` without the lines that `texting_robots` cannot handle on their own, for a second
/// attempt after the whole file was rejected (one oversized wildcard rule fails the file).
fn without_bad_lines(body: &[u8]) -> Vec<u8> {
    let mut kept = Vec::with_capacity(body.len());
    for line in body.split(|&byte| byte == b'\n') {
        if Robot::new("probe", line).is_ok() {
            kept.extend_from_slice(line);
            kept.push(b'\n');
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pathological_rule_drops_only_itself() {
        // 2,000 wildcards and a `$` need a regex over texting_robots's size limit.
        let huge = format!("Disallow: /{}x$\n", "a*".repeat(2000));
        let body = format!("User-agent: *\n{huge}Disallow: /private\n");
        assert!(Robot::new("otcwatch", body.as_bytes()).is_err(), "precondition: the file fails");
        let robots = Robots::parse(body.as_bytes(), "otcwatch");
        let url = |path: &str| Url::parse(&format!("https://example.org{path}")).expect("url");
        assert!(!robots.allowed(&url("/private/page")));
        assert!(robots.allowed(&url("/public")));
    }

    #[test]
    fn product_token_is_the_agent_name() {
        assert_eq!(product_token("otcwatch/0.1 (+https://example.org/otcwatch)"), "otcwatch");
        assert_eq!(product_token("otcwatch"), "otcwatch");
        assert_eq!(product_token("Otc_Watch-bot 2"), "Otc_Watch-bot");
    }

    #[test]
    fn agent_lines_with_versions_name_their_token() {
        let body = b"User-agent: OtcWatch/1.0 (compatible)\r\nDisallow: /x\n\nUser-agent: *\nDisallow: /\n";
        let robots = Robots::parse(body, "otcwatch");
        let url = |path: &str| Url::parse(&format!("https://example.org{path}")).expect("url");
        assert!(!robots.allowed(&url("/x")));
        assert!(robots.allowed(&url("/y")));
        assert_eq!(agent_token_line(b"user-agent : *\n"), None);
        assert_eq!(agent_token_line(b"User-Agent: bot # comment\n"), None);
        assert_eq!(agent_token_line(b"Disallow: /a/b\n"), None);
    }

    #[test]
    fn garbage_allows_everything() {
        let robots = Robots::parse(b"\xff\xfe\0<html><body>Not here</body></html>", "otcwatch");
        assert!(robots.allowed(&Url::parse("https://example.org/x").expect("url")));
        assert_eq!(robots.crawl_delay(), None);
        assert!(robots.sitemaps().is_empty());
    }
}
