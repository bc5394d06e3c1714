//! The HTTP client: one GET with bounded time and size, redirects followed by hand so that
//! every hop passes the address guard, conditional requests, and the decision "is this a
//! document?" made from the response head before any of the body is read. Everything that can
//! happen comes back as an [`Outcome`]; nothing here panics on what a server sends.
//!
//! The guard is enforced in two places, both built here: the DNS resolver
//! (`guard::GuardedResolver`) for host names, and `Client::check_host` for IP-literal hosts,
//! which reqwest connects to without resolving. Proxies from the environment are disabled, or the guard would check the
//! proxy's address instead of the target's.

use std::collections::HashSet;
use std::error::Error as _;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{StatusCode, redirect};
use tokio::time::Instant;
use url::{Host, Url};

use super::guard::{Guard, GuardedResolver, ResolveError};
use super::{
    Error, Failure, FailureKind, FetchConfig, Outcome, Page, SkipReason, Validators, charset,
};

/// The crawler's HTTP client: cheap to clone (the connection pool is shared).
#[derive(Debug, Clone)]
pub struct Client {
    /// Redirects off, the guarded resolver, no proxy, gzip/br/deflate, connect timeout, UA.
    http: reqwest::Client,
    /// Checks IP-literal hosts, which never reach the resolver.
    guard: Guard,
    cfg: Arc<FetchConfig>,
}

/// Sent with every document request: documents first, anything else accepted so that a
/// server without negotiation still answers (and is then judged by its `Content-Type`).
const ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,\
                      application/json;q=0.8,text/plain;q=0.8,*/*;q=0.5";

/// Media types read as documents; anything else is skipped from the response head.
const DOCUMENT_TYPES: &[&str] = &[
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "application/xml",
    "text/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
];

/// How much of a body without `Content-Type` is looked at to decide whether it is text.
const SNIFF_LEN: usize = 512;

impl Client {
    /// Builds the client. Fails only if the TLS backend cannot be initialised or the user
    /// agent is not a valid header value.
    pub fn new(cfg: &FetchConfig, guard: Guard) -> Result<Client, Error> {
        let http = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver { guard: guard.clone() }))
            .no_proxy()
            .connect_timeout(cfg.connect_timeout)
            .user_agent(cfg.user_agent.as_str())
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .build()
            .map_err(|error| Error::Build(error_chain(&error)))?;
        Ok(Client { http, guard, cfg: Arc::new(cfg.clone()) })
    }

    /// GETs a document. Redirects are followed by hand (each hop through the guard, a loop is
    /// detected by revisiting a URL, at most `max_redirects` hops); validators make the request
    /// conditional (304 → [`Outcome::NotModified`]). The content type is judged from the head:
    /// a non-document is skipped without reading its body, and a missing type is decided by
    /// sniffing the first bytes. The body is read under `body_timeout` and cut at `max_body`.
    ///
    /// In every outcome but `Page`, `url` is the URL asked for, so that the caller can match
    /// it to its job; where a redirect was involved, the failure's message or the skip reason
    /// names the hop.
    pub async fn get(&self, url: &Url, validators: &Validators) -> Outcome {
        let failed = |failure| Outcome::Failed { url: url.clone(), failure };
        let (final_url, mut response) = match self.follow(url, Some(validators)).await {
            Ok(landed) => landed,
            Err(Stop::Skipped(reason)) => return Outcome::Skipped { url: url.clone(), reason },
            Err(Stop::Failed(failure)) => return failed(failure),
        };
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Outcome::NotModified { url: url.clone() };
        }
        if let Some(failure) = throttled(&response) {
            return failed(failure);
        }
        if !status.is_success() {
            return failed(failure(FailureKind::Status, format!("HTTP {status} at {final_url}")));
        }
        let content_type = content_type(response.headers());
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        let known_document = DOCUMENT_TYPES.contains(&media_type);
        if !known_document && !media_type.is_empty() {
            let reason = SkipReason::NotDocument { content_type: content_type.clone() };
            return Outcome::Skipped { url: url.clone(), reason };
        }
        let validators = Validators {
            etag: header_string(response.headers(), header::ETAG),
            last_modified: header_string(response.headers(), header::LAST_MODIFIED),
        };

        let deadline = Instant::now() + self.cfg.body_timeout;
        let max_body = self.cfg.max_body;
        let mut body = Vec::new();
        if !known_document {
            let sniffed = read_body(&mut response, &mut body, SNIFF_LEN.min(max_body), deadline);
            if let Err(failure) = sniffed.await {
                return failed(failure);
            }
            if !looks_like_text(&body) {
                let reason = SkipReason::NotDocument { content_type };
                return Outcome::Skipped { url: url.clone(), reason };
            }
        }
        let truncated = match read_body(&mut response, &mut body, max_body, deadline).await {
            Ok(truncated) => truncated,
            Err(failure) => return failed(failure),
        };
        let decoded =
            charset::decode(&body, Some(content_type.as_str()).filter(|ct| !ct.is_empty()));
        Outcome::Page(Page {
            requested: url.clone(),
            url: final_url,
            status: status.as_u16(),
            content_type,
            body,
            text: decoded.text,
            encoding: decoded.encoding.name(),
            truncated,
            validators,
            fetched_at: SystemTime::now(),
        })
    }

    /// GETs any resource (robots.txt, a sitemap) under the same guard, redirects and time
    /// limits, whatever its content type; returns the final status, the `Content-Type`
    /// (lower-cased, empty when missing) and the body cut at `max` bytes. 429 and 503 come
    /// back as a [`FailureKind::Throttled`] failure carrying `Retry-After`; other statuses are
    /// the caller's to judge. A host refused by the guard is a [`FailureKind::Connect`] failure
    /// whose message says so.
    pub async fn get_bytes(
        &self,
        url: &Url,
        max: usize,
    ) -> Result<(u16, String, Vec<u8>), Failure> {
        let (_, mut response) = self.follow(url, None).await.map_err(|stop| match stop {
            Stop::Failed(failure) => failure,
            Stop::Skipped(SkipReason::AddressRefused { host, address }) => {
                let message = format!("refused by the address guard: {host} is {address}");
                failure(FailureKind::Connect, message)
            }
            Stop::Skipped(reason) => failure(FailureKind::Connect, format!("skipped: {reason:?}")),
        })?;
        if let Some(failure) = throttled(&response) {
            return Err(failure);
        }
        let status = response.status().as_u16();
        let content_type = content_type(response.headers());
        let deadline = Instant::now() + self.cfg.body_timeout;
        let mut body = Vec::new();
        read_body(&mut response, &mut body, max, deadline).await?;
        Ok((status, content_type, body))
    }

    /// Sends the request and follows redirects until a response that is not a followable
    /// redirect (3xx without `Location`, 304 and 300 are returned as they are).
    async fn follow(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<(Url, reqwest::Response), Stop> {
        let mut current = without_fragment(url);
        if !matches!(current.scheme(), "http" | "https") {
            let message = format!("unsupported URL scheme `{}`", current.scheme());
            return Err(Stop::Failed(failure(FailureKind::Connect, message)));
        }
        let mut seen = HashSet::from([current.clone()]);
        let mut hops = 0;
        loop {
            self.check_host(&current)?;
            let response = self.send(&current, validators).await?;
            let followable = matches!(response.status().as_u16(), 301 | 302 | 303 | 307 | 308);
            let location = response.headers().get(header::LOCATION);
            let Some(location) = location.filter(|_| followable) else {
                return Ok((current, response));
            };
            let location = String::from_utf8_lossy(location.as_bytes()).into_owned();
            let bad = |why: &str| {
                let message = format!("redirect from {current} to {location:?}: {why}");
                Stop::Failed(failure(FailureKind::BadRedirect, message))
            };
            let next = match current.join(location.trim()) {
                Ok(next) => without_fragment(&next),
                Err(error) => return Err(bad(&error.to_string())),
            };
            if !matches!(next.scheme(), "http" | "https") {
                return Err(bad("unsupported scheme"));
            }
            if !seen.insert(next.clone()) {
                let message = format!("redirect loop: {current} → {next}, seen before");
                return Err(Stop::Failed(failure(FailureKind::RedirectLoop, message)));
            }
            hops += 1;
            if hops > self.cfg.max_redirects {
                let message =
                    format!("more than {} redirects, last to {next}", self.cfg.max_redirects);
                return Err(Stop::Failed(failure(FailureKind::TooManyRedirects, message)));
            }
            current = next;
        }
    }

    /// Refuses an IP-literal host whose address the guard does not permit; names are left to
    /// the resolver.
    fn check_host(&self, url: &Url) -> Result<(), Stop> {
        let ip: IpAddr = match url.host() {
            Some(Host::Ipv4(v4)) => v4.into(),
            Some(Host::Ipv6(v6)) => v6.into(),
            Some(Host::Domain(_)) => return Ok(()),
            None => {
                let message = format!("no host in {url}");
                return Err(Stop::Failed(failure(FailureKind::BadRedirect, message)));
            }
        };
        if self.guard.permits(&ip.to_string(), ip) {
            return Ok(());
        }
        Err(Stop::Skipped(SkipReason::AddressRefused {
            host: ip.to_string(),
            address: ip.to_string(),
        }))
    }

    /// One request, bounded by `connect_timeout + first_byte_timeout` until the head arrives.
    async fn send(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<reqwest::Response, Stop> {
        let mut request = self.http.get(url.as_str()).header(header::ACCEPT, ACCEPT);
        if let Some(validators) = validators {
            let conditional = [
                (header::IF_NONE_MATCH, &validators.etag),
                (header::IF_MODIFIED_SINCE, &validators.last_modified),
            ];
            for (name, value) in conditional {
                // A stored validator that is not a valid header value is dropped, not fatal.
                if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                    request = request.header(name, value);
                }
            }
        }
        let limit = self.cfg.connect_timeout + self.cfg.first_byte_timeout;
        match tokio::time::timeout(limit, request.send()).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(error)) => Err(request_stop(&error, url)),
            Err(_elapsed) => {
                let message = format!("no response head from {url} within {limit:?}");
                Err(Stop::Failed(failure(FailureKind::Timeout, message)))
            }
        }
    }
}

/// Why following a URL stopped before a response worth reading.
enum Stop {
    Skipped(SkipReason),
    Failed(Failure),
}

fn failure(kind: FailureKind, message: String) -> Failure {
    Failure { kind, message, retry_after: None }
}

/// 429 and 503 as a throttling failure carrying `Retry-After`; `None` for other statuses.
fn throttled(response: &reqwest::Response) -> Option<Failure> {
    let status = response.status();
    if status != StatusCode::TOO_MANY_REQUESTS && status != StatusCode::SERVICE_UNAVAILABLE {
        return None;
    }
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| retry_after(value, SystemTime::now()));
    let message = format!("HTTP {status} at {}", response.url());
    Some(Failure { kind: FailureKind::Throttled, message, retry_after })
}

/// Appends body chunks to `body` until it holds `limit` bytes or the body ends; the body is
/// then cut to `limit`. Returns true when the body was cut (or reached exactly `limit` with
/// more possibly to come). All reads share `deadline`.
async fn read_body(
    response: &mut reqwest::Response,
    body: &mut Vec<u8>,
    limit: usize,
    deadline: Instant,
) -> Result<bool, Failure> {
    while body.len() < limit {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
            Ok(Ok(None)) => return Ok(false),
            Ok(Err(error)) => {
                let message =
                    format!("reading the body of {}: {}", response.url(), error_chain(&error));
                return Err(failure(FailureKind::Body, message));
            }
            Err(_elapsed) => {
                let message = format!("the body of {} took too long", response.url());
                return Err(failure(FailureKind::Timeout, message));
            }
        }
    }
    body.truncate(limit);
    Ok(true)
}

/// Maps a reqwest error from sending a request: the guard's refusal (found in the source
/// chain) is a skip; DNS failures, timeouts and the rest are failures.
fn request_stop(error: &reqwest::Error, url: &Url) -> Stop {
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(resolve) = cause.downcast_ref::<ResolveError>() {
            return match resolve {
                ResolveError::Refused { host, address } => {
                    Stop::Skipped(SkipReason::AddressRefused {
                        host: host.clone(),
                        address: address.to_string(),
                    })
                }
                ResolveError::Lookup { .. } => {
                    Stop::Failed(failure(FailureKind::Dns, resolve.to_string()))
                }
            };
        }
        source = cause.source();
    }
    let kind = if error.is_timeout() { FailureKind::Timeout } else { FailureKind::Connect };
    Stop::Failed(failure(kind, format!("{url}: {}", error_chain(error))))
}

/// An error and its causes, joined with ": " (reqwest's own `Display` omits the cause).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

fn content_type(headers: &HeaderMap) -> String {
    header_string(headers, header::CONTENT_TYPE).unwrap_or_default().trim().to_ascii_lowercase()
}

fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers.get(name).map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
}

fn without_fragment(url: &Url) -> Url {
    let mut url = url.clone();
    url.set_fragment(None);
    url
}

/// The WHATWG sniffing rule for text: no "binary data bytes" (C0 controls other than tab,
/// newlines, form feed and escape) in the first bytes.
fn looks_like_text(prefix: &[u8]) -> bool {
    let prefix = prefix.get(..SNIFF_LEN).unwrap_or(prefix);
    !prefix.iter().any(|&byte| matches!(byte, 0x00..=0x08 | 0x0b | 0x0e..=0x1a | 0x1c..=0x1f))
}

/// A `Retry-After` value: delay-seconds or an HTTP-date (IMF-fixdate, RFC 850 or asctime),
/// as a delay from `now`. A date in the past is a zero delay.
fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Absurd values saturate; the scheduler caps the delay it honours.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(http_date(value)?);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Seconds since the Unix epoch of an HTTP-date in any of the three formats RFC 9110 §5.6.7
/// requires recipients to accept:
/// `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 08:49:37 GMT`, `Sun Nov  6 08:49:37 1994`.
fn http_date(value: &str) -> Option<u64> {
    const MONTHS: [&str; 12] =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let tokens: Vec<&str> =
        value.split([' ', ',', '-']).filter(|token| !token.is_empty()).skip(1).collect();
    let mut month = None;
    let mut time = None;
    let mut numbers = Vec::new();
    for token in tokens {
        if token.contains(':') {
            time = Some(token);
        } else if token.bytes().all(|b| b.is_ascii_digit()) {
            numbers.push(token);
        } else if let Some(idx) = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(token)) {
            month = Some(idx as u64 + 1);
        } else if !token.eq_ignore_ascii_case("gmt") {
            return None;
        }
    }
    let [day, year] = numbers[..] else { return None };
    let day: u64 = day.parse().ok()?;
    let year: u64 = match year.parse().ok()? {
        // RFC 850's two-digit years: RFC 9110 reads them as at most 50 years ahead.
        short @ 0..=69 if year.len() == 2 => 2000 + short,
        short @ 70..=99 if year.len() == 2 => 1900 + short,
        full => full,
    };
    let mut hms = time?.split(':').map(|part| part.parse::<u64>().ok());
    let (hour, minute, second) = (hms.next()??, hms.next()??, hms.next()??);
    let month = month?;
    let valid = (1970..=9999).contains(&year)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second < 61
        && hms.next().is_none();
    valid.then(|| days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`),
/// for years from 1970 on.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12; // March = 0
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1994-11-06 08:49:37 UTC, the RFC's example date.
    const RFC_EXAMPLE: u64 = 784_111_777;

    #[test]
    fn http_date_accepts_the_three_formats() {
        for value in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "sun, 06 nov 1994 08:49:37 gmt",
        ] {
            assert_eq!(http_date(value), Some(RFC_EXAMPLE), "{value}");
        }
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(http_date("Tue, 29 Feb 2028 12:00:00 GMT"), Some(1_835_438_400));
    }

    #[test]
    fn http_date_rejects_garbage() {
        for value in [
            "",
            "soon",
            "Sun, 06 Nov 1994",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:00:00 GMT",
        ] {
            assert_eq!(http_date(value), None, "{value}");
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(RFC_EXAMPLE);
        assert_eq!(retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(retry_after("-5", now), None);
        assert_eq!(retry_after("later", now), None);
    }

    #[test]
    fn sniffing_tells_text_from_binary() {
        assert!(looks_like_text(b"<!doctype html><p>hi"));
        assert!(looks_like_text("纯文本\r\n\tline".as_bytes()));
        assert!(!looks_like_text(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"));
        assert!(!looks_like_text(b"GIF89a\x01\x00\x01\x00\x00"));
    }
}
