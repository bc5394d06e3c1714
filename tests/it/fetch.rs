//! The `fetch` stage against real sites on 127.0.0.0/8 (see `support/site.rs`): pages and
//! charsets, content codings, conditional requests, redirects, time and size limits, content
//! types, throttling, the address guard in both directions, robots.txt and sitemaps. Every
//! await is under a timeout, and the clients under test use timeouts of a second or two.

use std::future::Future;
use std::io::Write as _;
use std::net::Ipv4Addr;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse as _;
use axum::routing::get;
use otcwatch::fetch::guard::Guard;
use otcwatch::fetch::robots::{self, Robots, RobotsFetch};
use otcwatch::fetch::{
    Client, Failure, FailureKind, FetchConfig, Outcome, Page, SkipReason, Validators, sitemap,
};
use url::Url;

use crate::support::site::{self, Coding, RunningSite, Site, Stream};

/// Any single await in these tests; only a hang gets near it.
const HANG: Duration = Duration::from_secs(15);

/// Small limits, so that the slow-server tests finish in about a second.
fn config() -> FetchConfig {
    FetchConfig {
        connect_timeout: Duration::from_secs(2),
        first_byte_timeout: Duration::from_secs(2),
        body_timeout: Duration::from_secs(2),
        max_body: 1 << 20,
        max_redirects: 5,
        ..FetchConfig::default()
    }
}

#[track_caller]
fn within<F: Future>(future: F) -> impl Future<Output = F::Output> {
    let caller = std::panic::Location::caller();
    async move {
        tokio::time::timeout(HANG, future)
            .await
            .unwrap_or_else(|_| panic!("hung for {HANG:?} at {caller}"))
    }
}

/// A client whose guard allows what `seed`'s host allows, as the crawler builds it.
async fn client_seeded(seed: &Url, cfg: &FetchConfig) -> Client {
    let guard = Guard::new(within(Guard::seed_pairs(seed)).await);
    Client::new(cfg, guard).expect("client builds")
}

async fn fetch(site: &RunningSite, path: &str) -> Outcome {
    fetch_with(site, path, &config()).await
}

async fn fetch_with(site: &RunningSite, path: &str, cfg: &FetchConfig) -> Outcome {
    let client = client_seeded(&site.origin(), cfg).await;
    within(client.get(&site.url(path), &Validators::default())).await
}

#[track_caller]
fn page(outcome: Outcome) -> Page {
    match outcome {
        Outcome::Page(page) => page,
        other => panic!("expected a page, got {other:?}"),
    }
}

#[track_caller]
fn failure(outcome: Outcome) -> Failure {
    match outcome {
        Outcome::Failed { failure, .. } => failure,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[track_caller]
fn skip_reason(outcome: Outcome) -> SkipReason {
    match outcome {
        Outcome::Skipped { reason, .. } => reason,
        other => panic!("expected a skip, got {other:?}"),
    }
}

/* Pages and charsets */

/// Chinese text long enough for encoding detection, in a page with an optional `<meta>`.
fn chinese_page(meta: &str) -> String {
    let sentence = "本店长期收购比特币和泰达币，支付宝与微信转账均可，价格公道，当面交易安全可靠。";
    format!(
        "<html><head>{meta}<title>场外交易</title></head><body><p>{}</p></body></html>",
        sentence.repeat(8)
    )
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "test text is GBK");
    bytes.into_owned()
}

#[tokio::test]
async fn plain_page_is_fetched() {
    let site = Site::new().page("/", "text/html", "<p>hello</p>").start().await;
    let page = page(fetch(&site, "/").await);
    assert_eq!(page.status, 200);
    assert_eq!(page.url, site.url("/"));
    assert_eq!(page.requested, site.url("/"));
    assert_eq!(page.content_type, "text/html");
    assert_eq!(page.text, "<p>hello</p>");
    assert_eq!(page.encoding, "UTF-8");
    assert!(!page.truncated);
}

#[tokio::test]
async fn header_charset_beats_meta_charset() {
    let body = gbk(&chinese_page(r#"<meta charset="utf-8">"#));
    let site = Site::new().page("/", "text/html; charset=GBK", body).start().await;
    let page = page(fetch(&site, "/").await);
    assert_eq!(page.content_type, "text/html; charset=gbk");
    assert_eq!(page.encoding, encoding_rs::GB18030.name());
    assert!(page.text.contains("收购比特币"), "{}", page.text);
}

#[tokio::test]
async fn gbk_page_with_meta_charset_is_decoded_as_gb18030() {
    let body = gbk(&chinese_page(
        r#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#,
    ));
    let site = Site::new().page("/", "text/html", body).start().await;
    let page = page(fetch(&site, "/").await);
    assert_eq!(page.encoding, encoding_rs::GB18030.name());
    assert!(page.text.contains("支付宝与微信转账"), "{}", page.text);
}

#[tokio::test]
async fn gbk_page_without_any_charset_is_detected() {
    let site = Site::new().page("/", "text/html", gbk(&chinese_page(""))).start().await;
    let page = page(fetch(&site, "/").await);
    assert_eq!(page.encoding, encoding_rs::GB18030.name());
    assert!(page.text.contains("当面交易安全可靠"), "{}", page.text);
}

#[tokio::test]
async fn compressed_bodies_are_decoded() {
    let html = chinese_page(r#"<meta charset="utf-8">"#);
    let site = Site::new()
        .encoded("/gzip", "text/html", Coding::Gzip, html.as_bytes())
        .encoded("/deflate", "text/html", Coding::Deflate, html.as_bytes())
        .encoded("/br", "text/html", Coding::Br, html.as_bytes())
        .start()
        .await;
    for path in ["/gzip", "/deflate", "/br"] {
        let page = page(fetch(&site, path).await);
        assert_eq!(page.text, html, "{path}");
    }
}

/* Conditional requests */

#[tokio::test]
async fn etag_makes_the_next_fetch_not_modified() {
    let site = Site::new()
        .raw(
            "/",
            get(|headers: HeaderMap| async move {
                let etag = [("etag", "\"v1\"")];
                if headers.get("if-none-match").is_some_and(|value| value == "\"v1\"") {
                    (StatusCode::NOT_MODIFIED, etag).into_response()
                } else {
                    (etag, [("content-type", "text/html")], "<p>v1</p>").into_response()
                }
            }),
        )
        .start()
        .await;
    let client = client_seeded(&site.origin(), &config()).await;
    let first = page(within(client.get(&site.url("/"), &Validators::default())).await);
    assert_eq!(first.validators.etag.as_deref(), Some("\"v1\""));
    let second = within(client.get(&site.url("/"), &first.validators)).await;
    assert!(matches!(&second, Outcome::NotModified { url } if *url == site.url("/")), "{second:?}");
}

/* Redirects */

#[tokio::test]
async fn redirect_chain_is_followed_and_the_final_url_reported() {
    let site = Site::new()
        .redirect("/start", "/middle")
        .response("/middle", 301, &[("location", "end?x=1#frag")], "")
        .page("/end", "text/html", "<p>end</p>")
        .start()
        .await;
    let page = page(fetch(&site, "/start").await);
    assert_eq!(page.requested, site.url("/start"));
    assert_eq!(page.url, site.url("/end?x=1"));
    assert_eq!(page.text, "<p>end</p>");
}

#[tokio::test]
async fn redirect_loop_is_detected() {
    let site = Site::new().redirect("/a", "/b").redirect("/b", "/a").start().await;
    let outcome = fetch(&site, "/a").await;
    assert!(matches!(&outcome, Outcome::Failed { url, .. } if *url == site.url("/a")));
    assert_eq!(failure(outcome).kind, FailureKind::RedirectLoop);
}

#[tokio::test]
async fn too_many_redirects_fail() {
    let mut site = Site::new();
    for hop in 0..8 {
        site = site.redirect(&format!("/r{hop}"), &format!("/r{}", hop + 1));
    }
    let site = site.page("/r8", "text/html", "<p>far</p>").start().await;
    let cfg = FetchConfig { max_redirects: 3, ..config() };
    assert_eq!(failure(fetch_with(&site, "/r0", &cfg).await).kind, FailureKind::TooManyRedirects);
    // Within the limit, the same chain is fine.
    let cfg = FetchConfig { max_redirects: 8, ..config() };
    assert_eq!(page(fetch_with(&site, "/r0", &cfg).await).url, site.url("/r8"));
}

#[tokio::test]
async fn redirect_to_another_scheme_is_a_bad_redirect() {
    let site = Site::new().redirect("/", "ftp://example.org/file").start().await;
    assert_eq!(failure(fetch(&site, "/").await).kind, FailureKind::BadRedirect);
}

/* Time and size limits */

#[tokio::test]
async fn slow_response_head_times_out() {
    let site = site::stream_site(Stream::SlowHead(Duration::from_secs(10))).await;
    let cfg = FetchConfig {
        connect_timeout: Duration::from_millis(300),
        first_byte_timeout: Duration::from_millis(300),
        ..config()
    };
    assert_eq!(failure(fetch_with(&site, "/", &cfg).await).kind, FailureKind::Timeout);
}

#[tokio::test]
async fn trickling_body_times_out() {
    let trickle =
        Stream::Trickle { interval: Duration::from_millis(100), content_type: "text/html" };
    let site = site::stream_site(trickle).await;
    let cfg = FetchConfig { body_timeout: Duration::from_millis(700), ..config() };
    assert_eq!(failure(fetch_with(&site, "/", &cfg).await).kind, FailureKind::Timeout);
}

#[tokio::test]
async fn endless_body_is_truncated_at_max_body() {
    let site = site::stream_site(Stream::Endless { content_type: "text/html" }).await;
    let cfg = FetchConfig { max_body: 100_000, ..config() };
    let page = page(fetch_with(&site, "/", &cfg).await);
    assert!(page.truncated);
    assert_eq!(page.body.len(), 100_000);
    assert_eq!(page.text.len(), 100_000);
}

/* Content types */

#[tokio::test]
async fn non_document_is_skipped_without_reading_the_body() {
    // The body trickles forever: a client that read it would fail with a body timeout.
    let trickle =
        Stream::Trickle { interval: Duration::from_millis(50), content_type: "image/png" };
    let site = site::stream_site(trickle).await;
    let cfg = FetchConfig { body_timeout: Duration::from_millis(500), ..config() };
    let reason = skip_reason(fetch_with(&site, "/", &cfg).await);
    assert_eq!(reason, SkipReason::NotDocument { content_type: "image/png".to_owned() });
}

#[tokio::test]
async fn missing_content_type_is_sniffed() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01".to_vec();
    let site = Site::new()
        .page("/text", "", "<p>no type</p>")
        .page("/png", "", png)
        .page("/feed", "application/rss+xml; charset=utf-8", "<rss/>")
        .start()
        .await;
    assert_eq!(page(fetch(&site, "/text").await).text, "<p>no type</p>");
    assert_eq!(
        skip_reason(fetch(&site, "/png").await),
        SkipReason::NotDocument { content_type: String::new() }
    );
    assert_eq!(page(fetch(&site, "/feed").await).text, "<rss/>");
}

/* Statuses */

#[tokio::test]
async fn too_many_requests_carries_retry_after() {
    let site = Site::new()
        .response("/", 429, &[("retry-after", "7")], "slow down")
        .response("/date", 503, &[("retry-after", "Thu, 01 Jan 1970 00:00:00 GMT")], "")
        .start()
        .await;
    let throttled = failure(fetch(&site, "/").await);
    assert_eq!(throttled.kind, FailureKind::Throttled);
    assert_eq!(throttled.retry_after, Some(Duration::from_secs(7)));
    let dated = failure(fetch(&site, "/date").await);
    assert_eq!(dated.kind, FailureKind::Throttled);
    assert_eq!(dated.retry_after, Some(Duration::ZERO), "a date in the past means now");
}

#[tokio::test]
async fn not_found_is_a_status_failure() {
    let site = Site::new().start().await;
    let failure = failure(fetch(&site, "/missing").await);
    assert_eq!(failure.kind, FailureKind::Status);
    assert!(failure.message.contains("404"), "{}", failure.message);
}

/* The address guard */

#[tokio::test]
async fn loopback_seed_is_allowed_and_refused_without_the_seed() {
    let site = Site::new().page("/", "text/html", "<p>local</p>").start().await;
    // Allowed: the seed's own address.
    assert_eq!(page(fetch(&site, "/").await).text, "<p>local</p>");
    assert_eq!(site.hits(), 1);
    // Refused: the same URL with a guard that allows public addresses only.
    let client = Client::new(&config(), Guard::default()).expect("client builds");
    let outcome = within(client.get(&site.url("/"), &Validators::default())).await;
    let expected = SkipReason::AddressRefused {
        host: "127.0.0.1".to_owned(),
        address: "127.0.0.1".to_owned(),
    };
    assert_eq!(skip_reason(outcome), expected);
    assert_eq!(site.hits(), 1, "a refused address receives no request");
}

#[tokio::test]
async fn loopback_name_is_refused_after_dns() {
    let site = Site::new().page("/", "text/html", "<p>local</p>").start().await;
    let client = Client::new(&config(), Guard::default()).expect("client builds");
    let url = Url::parse(&format!("http://localhost:{}/", site.addr.port())).expect("url");
    let reason = skip_reason(within(client.get(&url, &Validators::default())).await);
    assert!(
        matches!(&reason, SkipReason::AddressRefused { host, .. } if host == "localhost"),
        "{reason:?}"
    );
    assert_eq!(site.hits(), 0);
}

#[tokio::test]
async fn redirect_to_localhost_is_refused() {
    let listener = site::bind(Ipv4Addr::LOCALHOST).await;
    let port = listener.local_addr().expect("address").port();
    let site = Site::new()
        .redirect("/", &format!("http://localhost:{port}/inside"))
        .page("/inside", "text/html", "<p>inside</p>")
        .serve(listener);
    let reason = skip_reason(fetch(&site, "/").await);
    assert!(
        matches!(&reason, SkipReason::AddressRefused { host, .. } if host == "localhost"),
        "{reason:?}"
    );
    assert_eq!(site.hits(), 1, "only the redirect itself was served");
}

#[tokio::test]
async fn redirect_to_another_loopback_address_is_refused() {
    let other = Site::new()
        .page("/", "text/html", "<p>other</p>")
        .serve(site::bind(Ipv4Addr::new(127, 0, 0, 2)).await);
    let site = Site::new().redirect("/", other.url("/").as_str()).start().await;
    let expected = SkipReason::AddressRefused {
        host: "127.0.0.2".to_owned(),
        address: "127.0.0.2".to_owned(),
    };
    assert_eq!(skip_reason(fetch(&site, "/").await), expected);
    assert_eq!(other.hits(), 0, "no request may reach the refused address");
}

#[tokio::test]
async fn seed_by_name_allows_that_name_only() {
    let listener = site::bind(Ipv4Addr::LOCALHOST).await;
    let port = listener.local_addr().expect("address").port();
    let site = Site::new()
        .page("/", "text/html", "<p>by name</p>")
        .redirect("/to-ip", &format!("http://127.0.0.1:{port}/"))
        .serve(listener);
    let seed = Url::parse(&format!("http://localhost:{port}/")).expect("url");
    let client = client_seeded(&seed, &config()).await;
    let page = page(within(client.get(&seed, &Validators::default())).await);
    assert_eq!(page.text, "<p>by name</p>");
    let to_ip = seed.join("/to-ip").expect("url");
    let reason = skip_reason(within(client.get(&to_ip, &Validators::default())).await);
    assert!(
        matches!(&reason, SkipReason::AddressRefused { host, .. } if host == "127.0.0.1"),
        "{reason:?}"
    );
    assert_eq!(site.hits(), 2, "the page and the redirect, not the refused hop");
}

/* robots.txt */

fn allowed(robots: &Robots, path: &str) -> bool {
    robots.allowed(&Url::parse("https://example.org").expect("url").join(path).expect("url"))
}

#[test]
fn robots_group_for_our_token_beats_star() {
    let robots = Robots::parse(
        b"User-agent: *\nDisallow: /\n\nUser-agent: OtcWatch\nDisallow: /private\n",
        "otcwatch",
    );
    assert!(allowed(&robots, "/public"));
    assert!(!allowed(&robots, "/private/x"));
    let other =
        Robots::parse(b"User-agent: *\nDisallow: /\n\nUser-agent: somebot\nAllow: /\n", "otcwatch");
    assert!(!allowed(&other, "/public"), "the `*` group applies when ours is absent");
}

#[test]
fn robots_longest_match_wins() {
    let robots = Robots::parse(
        b"User-agent: *\nDisallow: /shop\nAllow: /shop/public\nDisallow: /shop/public/secret\n",
        "otcwatch",
    );
    assert!(!allowed(&robots, "/shop/cart"));
    assert!(allowed(&robots, "/shop/public/item"));
    assert!(!allowed(&robots, "/shop/public/secret/1"));
    assert!(allowed(&robots, "/elsewhere"));
    // Equal length: Allow wins.
    let tie = Robots::parse(b"User-agent: *\nDisallow: /page\nAllow: /page\n", "otcwatch");
    assert!(allowed(&tie, "/page"));
}

#[test]
fn robots_wildcards_and_end_anchor() {
    let robots = Robots::parse(
        b"User-agent: *\nDisallow: /*.php$\nDisallow: /*?session=\nAllow: /a*z\nDisallow: /a\n",
        "otcwatch",
    );
    assert!(!allowed(&robots, "/index.php"));
    assert!(allowed(&robots, "/index.php?page=2"), "`$` anchors at the end");
    assert!(!allowed(&robots, "/list?session=abc"));
    assert!(allowed(&robots, "/abcz"));
    assert!(!allowed(&robots, "/abc"));
}

#[test]
fn robots_crawl_delay_and_sitemaps() {
    let robots = Robots::parse(
        b"Sitemap: https://example.org/sitemap.xml\nUser-agent: otcwatch\nCrawl-delay: 2.5\n\
          Disallow:\nUser-agent: *\nCrawl-delay: 30\nSitemap: https://example.org/news.xml.gz\n\
          Sitemap: not a url\n",
        "otcwatch",
    );
    assert_eq!(robots.crawl_delay(), Some(Duration::from_millis(2500)));
    let sitemaps: Vec<String> = robots.sitemaps().iter().map(Url::to_string).collect();
    assert_eq!(sitemaps, ["https://example.org/sitemap.xml", "https://example.org/news.xml.gz"]);
    assert!(allowed(&robots, "/anything"), "an empty Disallow allows everything");
}

#[tokio::test]
async fn robots_are_fetched_and_4xx_allows_all_and_5xx_is_unavailable() {
    let ok = Site::new()
        .redirect("/robots.txt", "/real-robots.txt")
        .page("/real-robots.txt", "text/plain", "User-agent: *\nDisallow: /private\n")
        .start()
        .await;
    let missing = Site::new().start().await;
    let down =
        Site::new().response("/robots.txt", 503, &[("retry-after", "120")], "").start().await;
    let failing = Site::new().response("/robots.txt", 500, &[], "").start().await;

    let client = client_seeded(&ok.origin(), &config()).await;
    let RobotsFetch::Rules(rules) = within(robots::fetch(&client, &ok.origin(), "otcwatch")).await
    else {
        panic!("expected rules");
    };
    assert!(!rules.allowed(&ok.url("/private/1")));
    assert!(rules.allowed(&ok.url("/public")));

    let client = client_seeded(&missing.origin(), &config()).await;
    let fetched = within(robots::fetch(&client, &missing.origin(), "otcwatch")).await;
    assert!(matches!(fetched, RobotsFetch::AllowAll), "{fetched:?}");

    let client = client_seeded(&down.origin(), &config()).await;
    let fetched = within(robots::fetch(&client, &down.origin(), "otcwatch")).await;
    let RobotsFetch::Unavailable(failure) = fetched else { panic!("expected unavailable") };
    assert_eq!(failure.kind, FailureKind::Throttled);
    assert_eq!(failure.retry_after, Some(Duration::from_secs(120)));

    let client = client_seeded(&failing.origin(), &config()).await;
    let fetched = within(robots::fetch(&client, &failing.origin(), "otcwatch")).await;
    assert!(
        matches!(&fetched, RobotsFetch::Unavailable(failure) if failure.kind == FailureKind::Status),
        "{fetched:?}"
    );
}

/* Sitemaps */

fn urls(list: &[Url]) -> Vec<&str> {
    list.iter().map(Url::as_str).collect()
}

const URLSET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc>https://example.org/</loc><lastmod>2024-01-01</lastmod></url>
  <url>
    <loc>
      https://example.org/a?x=1&amp;y=2
    </loc>
    <image:image><image:loc>https://example.org/img.png</image:loc></image:image>
  </url>
  <url><loc><![CDATA[https://example.org/cdata]]></loc></url>
  <url><loc>ftp://example.org/not-web</loc></url>
  <url><loc>/relative</loc></url>
</urlset>"#;

#[test]
fn sitemap_urlset_lists_page_urls() {
    let parsed = sitemap::parse(URLSET.as_bytes());
    assert_eq!(
        urls(&parsed.urls),
        ["https://example.org/", "https://example.org/a?x=1&y=2", "https://example.org/cdata"]
    );
    assert!(parsed.sitemaps.is_empty());
}

#[test]
fn sitemap_index_lists_sitemaps() {
    let index = r#"<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://example.org/sitemap-1.xml</loc><lastmod>2024-01-01</lastmod></sitemap>
  <sitemap><loc>https://example.org/sitemap-2.xml.gz</loc></sitemap>
</sitemapindex>"#;
    let parsed = sitemap::parse(index.as_bytes());
    assert!(parsed.urls.is_empty());
    assert_eq!(
        urls(&parsed.sitemaps),
        ["https://example.org/sitemap-1.xml", "https://example.org/sitemap-2.xml.gz"]
    );
}

#[test]
fn sitemap_truncated_or_malformed_yields_what_came_before() {
    let cut = &URLSET[..URLSET.find("<![CDATA[").expect("marker")];
    assert_eq!(
        urls(&sitemap::parse(cut.as_bytes()).urls),
        ["https://example.org/", "https://example.org/a?x=1&y=2"]
    );
    let broken = "<urlset><url><loc>https://example.org/1</loc></url><url><loc>https://e<x</loc>\
                  </url><url><loc>https://example.org/2</loc></url></urlset>";
    let parsed = sitemap::parse(broken.as_bytes());
    assert_eq!(urls(&parsed.urls).first(), Some(&"https://example.org/1"));
    assert_eq!(sitemap::parse(b"\0\xff garbage").urls, []);
}

#[test]
fn sitemap_in_plain_text() {
    let text = "\u{feff}https://example.org/one\r\n\n  https://example.org/two  \nnot a url\n";
    let parsed = sitemap::parse(text.as_bytes());
    assert_eq!(urls(&parsed.urls), ["https://example.org/one", "https://example.org/two"]);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

#[test]
fn sitemap_gzipped_and_cut_short() {
    let gzipped = gzip(URLSET.as_bytes());
    assert_eq!(sitemap::parse(&gzipped).urls.len(), 3);
    // A gzip stream cut in the middle yields the URLs inflated before the cut.
    let many: String =
        (0..2000).map(|n| format!("<url><loc>https://example.org/{n}</loc></url>")).collect();
    let gzipped = gzip(format!("<urlset>{many}</urlset>").as_bytes());
    let partial = sitemap::parse(&gzipped[..gzipped.len() / 2]).urls;
    assert!(!partial.is_empty() && partial.len() < 2000, "{}", partial.len());
    assert_eq!(partial[0].as_str(), "https://example.org/0");
}

#[test]
fn sitemap_stops_at_fifty_thousand_urls() {
    let text: String = (0..50_010).map(|n| format!("https://example.org/{n}\n")).collect();
    assert_eq!(sitemap::parse(text.as_bytes()).urls.len(), sitemap::MAX_URLS);
}

#[tokio::test]
async fn sitemaps_listed_in_robots_are_fetched_gzipped() {
    let listener = site::bind(Ipv4Addr::LOCALHOST).await;
    let port = listener.local_addr().expect("address").port();
    let robots_txt =
        format!("User-agent: *\nAllow: /\nSitemap: http://127.0.0.1:{port}/sitemap.xml.gz\n");
    let site = Site::new()
        .page("/robots.txt", "text/plain", robots_txt)
        .page("/sitemap.xml.gz", "application/gzip", gzip(URLSET.as_bytes()))
        .serve(listener);
    let client = client_seeded(&site.origin(), &config()).await;
    let RobotsFetch::Rules(rules) =
        within(robots::fetch(&client, &site.origin(), "otcwatch")).await
    else {
        panic!("expected rules");
    };
    let [sitemap_url] = &rules.sitemaps()[..] else { panic!("one sitemap: {rules:?}") };
    let parsed = within(sitemap::fetch(&client, sitemap_url)).await.expect("sitemap fetched");
    assert_eq!(parsed.urls.len(), 3);
    let missing = site.url("/nope.xml");
    let failure = within(sitemap::fetch(&client, &missing)).await.expect_err("404");
    assert_eq!(failure.kind, FailureKind::Status);
}
