//! The crawl engine end to end: a site served by the test on 127.0.0.1, a real sled store in a
//! temp dir, and `crawl::run` (or the real binary, for kill -9 and resume).

use crate::support::site::{RunningSite, Site};
use axum::extract::{Path as AxumPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use otcwatch::config::Seeds;
use otcwatch::crawl;
use otcwatch::extract::Kind;
use otcwatch::store::{AccountFilter, Db};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A whole test crawl may take this long before the test fails.
const CRAWL_TIMEOUT: Duration = Duration::from_secs(60);

/// Counts requests per path.
#[derive(Clone, Default)]
struct Hits(Arc<Mutex<HashMap<String, usize>>>);

impl Hits {
    fn hit(&self, path: &str) {
        *self.0.lock().expect("hits lock").entry(path.to_owned()).or_default() += 1;
    }
    fn get(&self, path: &str) -> usize {
        self.0.lock().expect("hits lock").get(path).copied().unwrap_or(0)
    }
    fn max(&self) -> usize {
        self.0.lock().expect("hits lock").values().copied().max().unwrap_or(0)
    }
    fn total(&self) -> usize {
        self.0.lock().expect("hits lock").values().sum()
    }
}

/// The mobile number planted on page `n`.
fn phone(n: usize) -> String {
    format!("1591234{n:04}")
}

/// An OTC advertisement page that links to `links`.
fn ad_page(n: usize, links: &[String]) -> String {
    let anchors: String = links.iter().map(|l| format!("<a href=\"{l}\">next</a> ")).collect();
    format!(
        "<html><head><title>收U 出U {n}</title></head><body><p>长期收U出U，汇率7.2，支付宝：{}</p><p>{anchors}</p></body></html>",
        phone(n)
    )
}

/// A site of `n` ad pages under /p/N, a tree from `/`, robots.txt that disallows /private/,
/// and one private page linked from every page.
fn tree_site(n: usize, hits: Hits) -> Site {
    let index_hits = hits.clone();
    let page_hits = hits.clone();
    let private_hits = hits;
    Site::new()
        .page("/robots.txt", "text/plain", "User-agent: *\nDisallow: /private/\n")
        .raw(
            "/",
            get(move || {
                let hits = index_hits.clone();
                async move {
                    hits.hit("/");
                    let links: Vec<String> = (0..5.min(n)).map(|i| format!("/p/{i}")).collect();
                    axum::response::Html(ad_page(9999, &links))
                }
            }),
        )
        .raw(
            "/p/{n}",
            get(move |AxumPath(i): AxumPath<usize>| {
                let hits = page_hits.clone();
                async move {
                    hits.hit(&format!("/p/{i}"));
                    if i >= n {
                        return StatusCode::NOT_FOUND.into_response();
                    }
                    // A 5-ary tree, plus links back up and to the private area.
                    let mut links: Vec<String> = (1..=5)
                        .map(|k| 5 * i + k)
                        .filter(|c| *c < n)
                        .map(|c| format!("/p/{c}"))
                        .collect();
                    links.push("/".to_owned());
                    links.push(format!("/p/{}#frag", i / 5));
                    links.push("/private/secret".to_owned());
                    axum::response::Html(ad_page(i, &links)).into_response()
                }
            }),
        )
        .raw(
            "/private/secret",
            get(move || {
                let hits = private_hits.clone();
                async move {
                    hits.hit("/private/secret");
                    axum::response::Html(ad_page(8888, &[]))
                }
            }),
        )
}

fn seeds_for(site: &RunningSite, extra: &str) -> Seeds {
    let text = format!(
        "[defaults]\ndelay = \"0s\"\nconcurrency_per_host = 8\ninterval = \"0s\"\ntimeout = \"5s\"\n{extra}\n\n[[site]]\nname = \"t\"\nurl = \"{}\"\n",
        site.origin()
    );
    Seeds::parse(&text).expect("valid test seeds")
}

/// Runs `crawl --once` in-process, failing the test if it does not finish in time.
pub(crate) async fn crawl_once(seeds: &Seeds, db: &Db) -> crawl::Report {
    let options = crawl::Options { once: true, site: None };
    let run = crawl::run(seeds, db.clone(), &options, &|_| {}, std::future::pending());
    tokio::time::timeout(CRAWL_TIMEOUT, run)
        .await
        .expect("the crawl finishes")
        .expect("the crawl runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_once_fetches_every_page_exactly_once_and_stores_findings() {
    let hits = Hits::default();
    let site = tree_site(40, hits.clone()).start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let report = crawl_once(&seeds_for(&site, ""), &db).await;

    assert_eq!(report.sites[0].pages, 41, "index + 40 pages: {report:?}");
    assert_eq!(hits.get("/"), 1);
    assert_eq!(hits.max(), 1, "no page fetched twice in one crawl");
    assert_eq!(hits.get("/private/secret"), 0, "robots.txt disallows /private/");
    let accounts = db
        .accounts(&AccountFilter { kind: Some(Kind::Alipay), ..AccountFilter::default() })
        .unwrap();
    assert_eq!(accounts.len(), 41);
    let account =
        db.account(Kind::Alipay, &format!("+86{}", phone(7))).unwrap().expect("page 7's account");
    assert!(account.otc);
    let sightings = db.sightings(Kind::Alipay, &account.value).unwrap();
    assert_eq!(sightings.len(), 1);
    assert_eq!(sightings[0].url, site.url("/p/7").to_string());
    assert!(sightings[0].context.contains("支付宝"));
    let body = db.page_body(sightings[0].page_hash.as_deref().unwrap()).unwrap().unwrap();
    assert!(
        String::from_utf8(body).unwrap().contains(&phone(7)),
        "the page body is kept as evidence"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_depth_and_max_pages_bound_the_crawl() {
    let hits = Hits::default();
    let site = tree_site(200, hits.clone()).start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let report = crawl_once(&seeds_for(&site, "max_depth = 1"), &db).await;
    assert_eq!(report.sites[0].pages, 6, "the index and its five children");

    let hits = Hits::default();
    let site = tree_site(200, hits.clone()).start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    crawl_once(&seeds_for(&site, "max_pages = 25"), &db).await;
    assert_eq!(hits.total(), 25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawler_traps_are_bounded() {
    // A calendar that links to the next month forever, a path that nests itself, and very
    // long URLs.
    let site = Site::new()
        .raw(
            "/",
            get(|| async {
                axum::response::Html(
                    "<a href=\"/cal?month=1\">cal</a> <a href=\"/a/b/\">loop</a> <a href=\"/long\">long</a> 收U 支付宝 15912340001",
                )
            }),
        )
        .raw(
            "/cal",
            get(|axum::extract::Query(q): axum::extract::Query<HashMap<String, u64>>| async move {
                let month = q.get("month").copied().unwrap_or(0);
                axum::response::Html(format!("<a href=\"/cal?month={}\">next</a>", month + 1))
            }),
        )
        .raw("/a/{*rest}", get(|| async { axum::response::Html("<a href=\"a/b/\">deeper</a>") }))
        .raw("/long", get(|| async { axum::response::Html(format!("<a href=\"/x?{}\">x</a>", "q".repeat(2000))) }))
        .start()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let report =
        crawl_once(&seeds_for(&site, "max_depth = 1000\nmax_query_variants = 10"), &db).await;
    let pages = report.sites[0].pages;
    assert!(pages <= 20, "traps were followed: {pages} pages");
    assert!(db.account(Kind::Alipay, "+8615912340001").unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_loops_and_errors_do_not_stop_the_crawl() {
    let site = Site::new()
        .page(
            "/",
            "text/html",
            "<a href=\"/loop\">l</a> <a href=\"/gone\">g</a> <a href=\"/ok\">ok</a>",
        )
        .redirect("/loop", "/loop2")
        .redirect("/loop2", "/loop")
        .response("/gone", 500, &[], "boom")
        .page("/ok", "text/html; charset=utf-8", "收U出U 支付宝 15912340002")
        .start()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let report = crawl_once(&seeds_for(&site, ""), &db).await;
    assert_eq!(report.sites[0].errors, 2, "{report:?}");
    assert!(db.account(Kind::Alipay, "+8615912340002").unwrap().is_some());
    let record = db.url(site.url("/loop").as_str()).unwrap().unwrap();
    assert!(record.failure.unwrap().contains("RedirectLoop"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_pages_are_retried_after_retry_after() {
    let calls = Arc::new(AtomicUsize::new(0));
    let site = Site::new()
        .page("/", "text/html", "<a href=\"/busy\">b</a>")
        .raw(
            "/busy",
            get(move || {
                let calls = calls.clone();
                async move {
                    if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                        (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "slow down")
                            .into_response()
                    } else {
                        axum::response::Html("收U出U 支付宝 15912340003").into_response()
                    }
                }
            }),
        )
        .start()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    crawl_once(&seeds_for(&site, ""), &db).await;
    assert!(db.account(Kind::Alipay, "+8615912340003").unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sitemaps_from_robots_txt_are_crawled() {
    let sitemap = "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>ORIGINorphan</loc></url></urlset>";
    let listener = crate::support::site::bind(std::net::Ipv4Addr::LOCALHOST).await;
    let origin = format!("http://{}/", listener.local_addr().unwrap());
    let site = Site::new()
        .page(
            "/robots.txt",
            "text/plain",
            format!("User-agent: *\nAllow: /\nSitemap: {origin}sitemap.xml\n"),
        )
        .page("/sitemap.xml", "application/xml", sitemap.replace("ORIGIN", &origin))
        .page("/", "text/html", "nothing links to the orphan")
        .page("/orphan", "text/html", "收U出U 支付宝 15912340004")
        .serve(listener);
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    crawl_once(&seeds_for(&site, ""), &db).await;
    assert!(db.account(Kind::Alipay, "+8615912340004").unwrap().is_some());
}

/// Serves `/` with an ETag; the body can change between crawls.
#[derive(Clone)]
struct Changing {
    body: Arc<Mutex<String>>,
    conditional_hits: Arc<AtomicUsize>,
}

async fn changing_page(State(state): State<Changing>, headers: HeaderMap) -> Response {
    let body = state.body.lock().expect("body lock").clone();
    let etag = format!("\"{}\"", blake3::hash(body.as_bytes()).to_hex());
    if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        state.conditional_hits.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::NOT_MODIFIED, [("etag", etag)]).into_response();
    }
    ([("etag", etag), ("content-type", "text/html; charset=utf-8".to_owned())], body)
        .into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recrawls_are_conditional_and_record_entity_changes() {
    let state = Changing {
        body: Arc::new(Mutex::new("收U出U 支付宝 15912340005 微信：trader_aa1".to_owned())),
        conditional_hits: Arc::new(AtomicUsize::new(0)),
    };
    let router_state = state.clone();
    let site = Site::new()
        .raw(
            "/",
            get(move |headers: HeaderMap| changing_page(State(router_state.clone()), headers)),
        )
        .start()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    // Every re-crawl revisits the page (no adaptive wait).
    let seeds = seeds_for(&site, "min_revisit = \"0s\"\nmax_revisit = \"0s\"");
    crawl_once(&seeds, &db).await;
    let first = db.account(Kind::Alipay, "+8615912340005").unwrap().unwrap();

    // Unchanged: a 304, the sighting's last_seen moves on, no new sighting.
    tokio::time::sleep(Duration::from_millis(20)).await;
    crawl_once(&seeds, &db).await;
    assert_eq!(state.conditional_hits.load(Ordering::SeqCst), 1, "the re-crawl sent If-None-Match");
    let second = db.account(Kind::Alipay, "+8615912340005").unwrap().unwrap();
    assert_eq!(second.sightings, 1);
    assert!(second.last_seen_ms > first.last_seen_ms, "{first:?} → {second:?}");

    // Changed: the WeChat ID is gone and a new card appeared.
    *state.body.lock().unwrap() =
        "收U出U 支付宝 15912340005 银行卡：6259657997787591865".to_owned();
    crawl_once(&seeds, &db).await;
    let changes = db.changes(site.origin().as_str()).unwrap();
    assert!(changes.iter().any(|c| c.kind == Kind::Wechat && !c.appeared), "{changes:?}");
    assert!(changes.iter().any(|c| c.kind == Kind::BankCard && c.appeared), "{changes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gbk_page_is_decoded_before_extraction() {
    let (body, _, _) = encoding_rs::GBK.encode("<html><head><meta charset=\"gbk\"></head><body>长期收U出U 支付宝：15912340006</body></html>");
    let site = Site::new().page("/", "text/html", body.into_owned()).start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    crawl_once(&seeds_for(&site, ""), &db).await;
    assert!(db.account(Kind::Alipay, "+8615912340006").unwrap().unwrap().otc);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_pages_wait_for_their_revisit_interval_but_their_links_are_followed() {
    let hits = Hits::default();
    let site = tree_site(12, hits.clone()).start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let seeds = seeds_for(&site, "min_revisit = \"1h\"");
    let first = crawl_once(&seeds, &db).await;
    assert_eq!(first.sites[0].pages, 13);
    let fetched = hits.total();
    // The next crawl comes at once (interval 0s), but no page is due for a revisit yet: none is
    // fetched again, and the crawl still walks the whole tree from the stored bodies.
    let second = crawl_once(&seeds, &db).await;
    assert_eq!(hits.total(), fetched, "an unchanged page was fetched before its revisit time");
    assert_eq!(second.sites[0].pages, 13);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sites_paused_resumed_or_added_from_the_ui_are_honoured() {
    let hits = Hits::default();
    let site = tree_site(3, hits.clone())
        .page("/extra/", "text/html; charset=utf-8", ad_page(9001, &[]))
        .start()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let seeds = seeds_for(&site, "");
    let added = otcwatch::store::AddedSite {
        name: "extra".to_owned(),
        url: site.url("/extra/").to_string(),
        added_by: "admin".to_owned(),
        added_ms: 1,
    };
    assert!(db.add_site(&added).unwrap());
    db.pause_site("t").unwrap();

    let report = crawl_once(&seeds, &db).await;
    assert_eq!(hits.get("/"), 0, "a site paused from the UI is not crawled: {report:?}");
    let extra = report.sites.iter().find(|p| p.site == "extra").expect("the added site ran");
    assert_eq!(extra.pages, 1);
    assert!(db.account(Kind::Alipay, &format!("+86{}", phone(9001))).unwrap().is_some());
    assert!(db.site("t").unwrap().unwrap().paused, "the pause is kept");

    db.resume_site("t").unwrap();
    crawl_once(&seeds, &db).await;
    assert_eq!(hits.get("/"), 1, "resumed, it is crawled");
    assert!(!db.site("t").unwrap().unwrap().paused);
}
