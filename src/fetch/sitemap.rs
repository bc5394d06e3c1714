//! Sitemaps (sitemaps.org): a `<urlset>` of page URLs, a `<sitemapindex>` of further sitemaps,
//! or plain text with one URL per line; gzip is detected by its magic bytes and inflated with a
//! cap. Parsing never fails: malformed or truncated XML yields what was read before the error.
//! Only `<loc>` elements directly inside `<url>` or `<sitemap>` count (not `<image:loc>` and
//! the like), and only absolute http(s) URLs are kept.

use std::io::Read as _;

use quick_xml::Reader;
use quick_xml::events::Event;
use url::Url;

use super::{Client, Failure, FailureKind};

/// Most URLs read from one sitemap (the protocol's own limit), page and sitemap URLs together.
pub const MAX_URLS: usize = 50_000;

/// Most bytes a sitemap is read or inflated to (the protocol's own limit, uncompressed).
pub const MAX_BYTES: usize = 50 << 20;

/// What one sitemap lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sitemap {
    /// Page URLs, from `<urlset>` or a text sitemap, in document order.
    pub urls: Vec<Url>,
    /// Further sitemaps, from a `<sitemapindex>`.
    pub sitemaps: Vec<Url>,
}

/// Parses a sitemap or sitemap index: XML, gzipped XML or text. At most [`MAX_URLS`] URLs.
/// Never fails.
pub fn parse(body: &[u8]) -> Sitemap {
    let inflated;
    let body = if body.starts_with(&[0x1f, 0x8b]) {
        inflated = gunzip(body);
        &inflated[..]
    } else {
        body
    };
    // The protocol requires UTF-8; anything else is read lossily rather than refused.
    let text = String::from_utf8_lossy(body);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('<') { parse_xml(text) } else { parse_text(text) }
}

/// GETs a sitemap through the client (same guard and limits, at most [`MAX_BYTES`]) and parses
/// it. A status other than 2xx is a [`FailureKind::Status`] failure. Parsing runs inline: for
/// the largest sitemaps that is tens of milliseconds of CPU.
pub async fn fetch(client: &Client, url: &Url) -> Result<Sitemap, Failure> {
    let (status, _, body) = client.get_bytes(url, MAX_BYTES).await?;
    if !(200..=299).contains(&status) {
        let message = format!("HTTP {status} for {url}");
        return Err(Failure { kind: FailureKind::Status, message, retry_after: None });
    }
    Ok(parse(&body))
}

/// Where the reader is: only `<loc>` directly inside `<url>` or `<sitemap>` is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Url,
    Sitemap,
    Loc,
    Other,
}

fn parse_xml(text: &str) -> Sitemap {
    let mut sitemap = Sitemap::default();
    let mut reader = Reader::from_str(text);
    // Sitemaps in the wild close tags sloppily; keep reading rather than stop.
    reader.config_mut().check_end_names = false;
    let mut stack: Vec<Tag> = Vec::new();
    let mut loc = String::new();
    while sitemap.urls.len() + sitemap.sitemaps.len() < MAX_URLS {
        let in_loc = stack.last() == Some(&Tag::Loc);
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                let tag = match start.local_name().as_ref() {
                    "url" => Tag::Url,
                    "sitemap" => Tag::Sitemap,
                    "loc" => Tag::Loc,
                    _ => Tag::Other,
                };
                loc.clear();
                stack.push(tag);
            }
            Ok(Event::End(_)) => {
                if stack.pop() == Some(Tag::Loc) {
                    let list = match stack.last() {
                        Some(Tag::Url) => &mut sitemap.urls,
                        Some(Tag::Sitemap) => &mut sitemap.sitemaps,
                        _ => continue,
                    };
                    list.extend(web_url(&loc));
                }
            }
            Ok(Event::Text(text)) if in_loc => loc.push_str(&text),
            Ok(Event::CData(cdata)) if in_loc => loc.push_str(&cdata),
            Ok(Event::GeneralRef(reference)) if in_loc => {
                let resolved = match &*reference {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => reference.resolve_char_ref().ok().flatten(),
                };
                loc.extend(resolved);
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    sitemap
}

fn parse_text(text: &str) -> Sitemap {
    let urls = text.lines().filter_map(web_url).take(MAX_URLS).collect();
    Sitemap { urls, sitemaps: Vec::new() }
}

/// An absolute http(s) URL, or nothing.
fn web_url(text: &str) -> Option<Url> {
    let url = Url::parse(text.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// Inflates gzip (all members) up to [`MAX_BYTES`]; a corrupt or truncated stream yields
/// what was inflated before the damage.
fn gunzip(body: &[u8]) -> Vec<u8> {
    let mut inflated = Vec::new();
    let decoder = flate2::read::MultiGzDecoder::new(body);
    // On error, `read_to_end` has already appended everything read before it.
    let _ = decoder.take(MAX_BYTES as u64).read_to_end(&mut inflated);
    inflated
}
