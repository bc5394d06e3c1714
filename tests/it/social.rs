//! Social sources end to end: the fixtures in `tests/fixtures/social/` served on 127.0.0.1 as
//! feeds, a t.me/s channel preview and a Mastodon instance's REST API, crawled into a real sled
//! store; the stored findings are checked post by post, with the "only new posts" re-crawl.

use crate::crawl::crawl_once;
use crate::support::site::{RunningSite, Site};
use axum::extract::{Path as AxumPath, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use otcwatch::config::Seeds;
use otcwatch::crawl;
use otcwatch::extract::Kind;
use otcwatch::store::{Db, Sighting};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const TRON: &str = "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP";
const ETH: &str = "0xeedb3483e3b36b2cf395344d0fd05a88277fe8c5";

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/social/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Requests per path and query, in order.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, request: String) {
        self.0.lock().expect("log lock").push(request);
    }
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().expect("log lock"))
    }
}

fn seeds(sites: &str) -> Seeds {
    let text = format!(
        "[defaults]\ndelay = \"0s\"\ninterval = \"0s\"\ntimeout = \"5s\"\nconcurrency_per_host = 4\n\n{sites}"
    );
    Seeds::parse(&text).expect("valid test seeds")
}

fn progress<'a>(report: &'a crawl::Report, site: &str) -> &'a crawl::SiteProgress {
    report.sites.iter().find(|p| p.site == site).unwrap_or_else(|| panic!("{site} in {report:?}"))
}

/// The sightings of an identifier, which must exist.
#[track_caller]
fn sightings(db: &Db, kind: Kind, value: &str) -> Vec<Sighting> {
    let found = db.sightings(kind, value).expect("sightings read");
    assert!(!found.is_empty(), "no sighting of {kind}:{value}");
    found
}

/// The one sighting of an identifier in the post with this permalink.
#[track_caller]
fn in_post(db: &Db, kind: Kind, value: &str, permalink: &str) -> Sighting {
    let all = sightings(db, kind, value);
    all.iter()
        .find(|s| s.post.as_ref().is_some_and(|post| post.permalink == permalink))
        .cloned()
        .unwrap_or_else(|| panic!("{kind}:{value} not in post {permalink}: {all:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_give_one_sighting_per_item_with_its_author_and_time() {
    let rss = fixture("rss2.xml");
    // A feed cut off mid-item, as a dying server sends it: what can be read is kept.
    let broken = &rss[..rss.find("</item>").unwrap() + 40];
    let site = Site::new()
        .page("/weibo.xml", "application/rss+xml; charset=utf-8", rss.clone())
        .page("/forum.atom", "application/atom+xml", fixture("atom.xml"))
        .page("/board.json", "application/feed+json", fixture("feed.json"))
        .page("/broken.xml", "application/rss+xml", broken.to_owned())
        .start()
        .await;
    let mut sites = String::new();
    for (name, path) in [
        ("weibo", "/weibo.xml"),
        ("atom", "/forum.atom"),
        ("board", "/board.json"),
        ("broken", "/broken.xml"),
    ] {
        sites += &format!(
            "[[site]]\nname = \"{name}\"\nkind = \"feed\"\nurl = \"{}\"\n\n",
            site.url(path)
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let report = crawl_once(&seeds(&sites), &db).await;
    for name in ["weibo", "atom", "board", "broken"] {
        assert_eq!(progress(&report, name).errors, 0, "{name}: {report:?}");
        assert_eq!(progress(&report, name).pages, 1, "a feed is one fetch: {report:?}");
    }

    // RSS 2.0 (an RSSHub Weibo bridge): the item's link, author and date are the evidence.
    let wechat = sightings(&db, Kind::Wechat, "zhang_usdt88");
    let item = "https://weibo.com/5823641907/OaBcD1234";
    let in_item = |s: &&Sighting| s.site == "weibo" && s.post.as_ref().unwrap().permalink == item;
    let weibo = wechat.iter().find(in_item).expect("a sighting in the weibo feed's first item");
    let post = weibo.post.as_ref().expect("found in a post");
    assert_eq!(post.posted.as_deref(), Some("2024-05-01T08:12:45Z"));
    assert_eq!(post.author.as_deref(), Some("币圈老张"));
    // The same account in another item of the feed is another sighting.
    assert!(wechat.iter().any(|s| s.post.as_ref().unwrap().permalink.ends_with("/OaAwV1111")));
    assert!(post.text.contains("zhang_usdt88"));
    assert!(wechat.iter().any(|s| s.site == "broken"), "the cut feed's first item is read");
    assert_eq!(weibo.url, site.url("/weibo.xml").to_string(), "the page it came from");
    // The channel header is not a post: its contact address is not an advertised identifier.
    assert!(db.account(Kind::Email, "contact@rsshub.app").unwrap().is_none());

    // The same wallet advertised by different authors on different sites: every one is kept.
    let tron = sightings(&db, Kind::Tron, TRON);
    let authors: std::collections::BTreeSet<_> =
        tron.iter().filter_map(|s| s.post.as_ref()?.author.clone()).collect();
    assert!(tron.iter().any(|s| s.site == "atom") && tron.iter().any(|s| s.site == "board"));
    assert!(authors.len() >= 2, "{tron:#?}");
    let account = db.account(Kind::Tron, TRON).unwrap().unwrap();
    assert!(account.otc);
    assert!(
        account.sites.contains(&"atom".to_owned()) && account.sites.contains(&"board".to_owned())
    );

    // JSON Feed: the item's own URL and author.
    let wechat = sightings(&db, Kind::Wechat, "otc_dahai_2024");
    let post = wechat[0].post.as_ref().unwrap();
    assert!(post.permalink.contains("88231") || post.permalink.contains("thread"), "{post:?}");
    assert!(post.author.is_some());
}

/// One message of a t.me/s preview, in the real markup's shape.
fn tme_message(number: u64, text: &str) -> String {
    format!(
        r#"<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message js-widget_message" data-post="usdt_otc_cn/{number}">
<div class="tgme_widget_message_bubble"><div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>
<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info"><span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="https://t.me/usdt_otc_cn/{number}"><time datetime="2024-05-02T09:00:00+00:00" class="time">09:00</time></a></span></div></div>
</div></div></div>
"#
    )
}

#[derive(Clone)]
struct Channel {
    log: Log,
    new_post: Arc<AtomicBool>,
}

async fn channel_page(
    State(channel): State<Channel>,
    AxumPath(name): AxumPath<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let before = query.get("before").cloned();
    channel.log.push(format!("/s/{name}?before={}", before.as_deref().unwrap_or("")));
    if name != "usdt_otc_cn" {
        // t.me answers a deleted or private channel with its home page.
        return axum::response::Redirect::to("/").into_response();
    }
    let body = match before.as_deref() {
        None => {
            let page = fixture("tme_page1.html");
            if channel.new_post.load(Ordering::SeqCst) {
                let message = tme_message(1207, "USDT 承兑 新号 微信：otc_new_2024 电话：159 1234 0882");
                page.replacen("</section>", &format!("{message}</section>"), 1)
            } else {
                page
            }
        }
        Some("1201") => fixture("tme_page2.html"),
        // Before the channel's first message: the history is empty.
        Some(_) => r#"<html><body><section class="tgme_channel_history js-message_history"></section></body></html>"#.to_owned(),
    };
    Html(body).into_response()
}

async fn start_channel() -> (RunningSite, Channel) {
    let channel = Channel { log: Log::default(), new_post: Arc::new(AtomicBool::new(false)) };
    let router = get(channel_page).with_state(channel.clone());
    let site =
        Site::new().raw("/s/{name}", router).page("/", "text/html", fixture("tme_home.html"));
    (site.start().await, channel)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_channel_is_paged_back_and_recrawls_read_only_new_posts() {
    let (site, channel) = start_channel().await;
    let seeds = seeds(&format!(
        "[[site]]\nname = \"tg\"\nkind = \"telegram\"\nurl = \"{}\"\n\n[[site]]\nname = \"gone\"\nkind = \"telegram\"\nurl = \"{}\"\n",
        site.url("/usdt_otc_cn"),
        site.url("/s/deleted_channel"),
    ));
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();

    let report = crawl_once(&seeds, &db).await;
    let mut requests = channel.log.take();
    requests.sort();
    assert_eq!(
        requests,
        [
            "/s/deleted_channel?before=",
            "/s/usdt_otc_cn?before=",
            "/s/usdt_otc_cn?before=1196",
            "/s/usdt_otc_cn?before=1201",
        ],
        "newest page, then back with ?before= until the history is empty"
    );
    assert_eq!(progress(&report, "tg").errors, 0);
    // A message on page 1, with the message's author signature and time.
    let phone = in_post(&db, Kind::Phone, "+8615912340879", "https://t.me/usdt_otc_cn/1201");
    let post = phone.post.as_ref().unwrap();
    assert!(post.posted.as_deref().is_some_and(|t| t.starts_with("2024-")), "{post:?}");
    assert!(post.author.is_some());
    assert!(post.text.contains("otc_usdt_666"));
    assert_eq!(phone.url, site.url("/s/usdt_otc_cn").to_string());
    // A message on page 2.
    in_post(&db, Kind::Qq, "2851736490", "https://t.me/usdt_otc_cn/1196")
        .post
        .expect("page 2 message");
    // The deleted channel: a logged failure, not a crash, and nothing stored from t.me's home.
    assert_eq!(progress(&report, "gone").errors, 1, "{report:?}");
    let record = db.url(site.url("/s/deleted_channel").as_str()).unwrap().unwrap();
    assert!(record.failure.as_deref().is_some_and(|f| f.contains("deleted")), "{record:?}");
    assert!(db.account(Kind::Telegram, "messenger").unwrap().is_none());
    let before = db.account(Kind::Phone, "+8615912340879").unwrap().unwrap();

    // Re-crawl after one new message: only the first page is read, only the new post stored.
    channel.new_post.store(true, Ordering::SeqCst);
    crawl_once(&seeds, &db).await;
    let requests: Vec<String> =
        channel.log.take().into_iter().filter(|r| r.contains("usdt_otc_cn")).collect();
    assert_eq!(requests, ["/s/usdt_otc_cn?before="], "no paging back past the last post seen");
    let new = in_post(&db, Kind::Wechat, "otc_new_2024", "https://t.me/usdt_otc_cn/1207");
    assert_eq!(new.post.unwrap().posted.as_deref(), Some("2024-05-02T09:00:00Z"));
    let after = db.account(Kind::Phone, "+8615912340879").unwrap().unwrap();
    assert_eq!(after.last_seen_ms, before.last_seen_ms, "old posts are not read again");
    // Older posts are not re-read, and that is not logged as their identifiers disappearing.
    let changes = db.changes(site.url("/s/usdt_otc_cn").as_str()).unwrap();
    assert!(changes.iter().all(|change| change.appeared), "{changes:?}");
}

/// A Mastodon instance: account lookup and a statuses timeline with `min_id`/`max_id`, two
/// statuses per page (an instance may cap `limit`), and a 429 on the first statuses request.
#[derive(Clone)]
struct Instance {
    log: Log,
    statuses: Arc<Mutex<Vec<Value>>>,
    throttled: Arc<AtomicUsize>,
    broken: Arc<AtomicBool>,
}

async fn statuses(
    State(instance): State<Instance>,
    AxumPath(id): AxumPath<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut keys: Vec<_> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    keys.sort();
    instance.log.push(format!("statuses {id} {}", keys.join("&")));
    if instance.broken.load(Ordering::SeqCst) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "{\"error\":\"boom\"}").into_response();
    }
    if instance.throttled.fetch_add(1, Ordering::SeqCst) == 0 {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "0")],
            "{\"error\":\"Too many requests\"}",
        )
            .into_response();
    }
    let id_of = |status: &Value| {
        status["id"].as_str().and_then(|id| id.parse::<u64>().ok()).expect("numeric status id")
    };
    let param = |key: &str| query.get(key).map(|v| v.parse::<u64>().expect("numeric paging id"));
    let mut all: Vec<Value> = instance.statuses.lock().expect("statuses lock").clone();
    all.sort_by_key(|s| std::cmp::Reverse(id_of(s)));
    let page: Vec<Value> = match (param("min_id"), param("max_id")) {
        (Some(min), _) => {
            let mut newer: Vec<Value> = all.into_iter().filter(|s| id_of(s) > min).collect();
            newer.reverse();
            newer.truncate(2);
            newer.reverse();
            newer
        }
        (None, Some(max)) => all.into_iter().filter(|s| id_of(s) < max).take(2).collect(),
        (None, None) => all.into_iter().take(2).collect(),
    };
    ([("content-type", "application/json; charset=utf-8")], Value::Array(page).to_string())
        .into_response()
}

async fn start_instance() -> (RunningSite, Instance) {
    let all: Value =
        serde_json::from_str(&fixture("mastodon_statuses.json")).expect("fixture is JSON");
    let instance = Instance {
        log: Log::default(),
        statuses: Arc::new(Mutex::new(all.as_array().expect("an array").clone())),
        throttled: Arc::new(AtomicUsize::new(0)),
        broken: Arc::new(AtomicBool::new(false)),
    };
    let lookup = fixture("mastodon_lookup.json");
    let site = Site::new()
        .page("/api/v1/accounts/lookup", "application/json", lookup)
        .raw("/api/v1/accounts/{id}/statuses", get(statuses).with_state(instance.clone()));
    (site.start().await, instance)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mastodon_account_is_read_through_the_api_with_max_id_then_min_id() {
    let (site, instance) = start_instance().await;
    let n_statuses = instance.statuses.lock().unwrap().len();
    let seeds = seeds(&format!(
        "[[site]]\nname = \"masto\"\nkind = \"mastodon\"\nurl = \"{}\"\n",
        site.url("/@usdt_otc")
    ));
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();

    let report = crawl_once(&seeds, &db).await;
    assert_eq!(progress(&report, "masto").errors, 0, "the 429 is retried: {report:?}");
    let requests = instance.log.take();
    let account = "109876543210987654";
    assert_eq!(requests[0], format!("statuses {account} limit=40"), "{requests:#?}");
    assert_eq!(requests[1], requests[0], "retried after the 429");
    assert!(requests[2..].iter().all(|r| r.contains("max_id=")), "{requests:#?}");
    // Two per page, and one empty page to know the history ended.
    assert_eq!(requests.len(), 2 + n_statuses.div_ceil(2), "{requests:#?}");

    let wechat = sightings(&db, Kind::Wechat, "otc_usdt_666");
    let post = wechat[0].post.as_ref().unwrap();
    assert_eq!(post.permalink, "https://mastodon.example/@usdt_otc/112345678901234570");
    assert_eq!(post.posted.as_deref(), Some("2024-05-01T08:20:11Z"));
    assert!(post.author.as_deref().is_some_and(|a| a.starts_with("@usdt_otc")), "{post:?}");
    sightings(&db, Kind::Eth, ETH);
    let old = db.account(Kind::Wechat, "otc_usdt_666").unwrap().unwrap();

    // Re-crawl with one new status: asked for with min_id, nothing older read again.
    let newest = "112345678901234570";
    let mut status = instance.statuses.lock().unwrap()[0].clone();
    status["id"] = Value::from("112345678901234999");
    status["url"] = Value::from("https://mastodon.example/@usdt_otc/112345678901234999");
    status["content"] = Value::from("<p>USDT 承兑 新微信：otc_usdt_999 电话：159 1234 0883</p>");
    instance.statuses.lock().unwrap().push(status);
    crawl_once(&seeds, &db).await;
    let requests = instance.log.take();
    assert_eq!(
        requests,
        [
            format!("statuses {account} limit=40&min_id={newest}"),
            format!("statuses {account} limit=40&min_id=112345678901234999"),
        ]
    );
    in_post(
        &db,
        Kind::Wechat,
        "otc_usdt_999",
        "https://mastodon.example/@usdt_otc/112345678901234999",
    );
    let same = db.account(Kind::Wechat, "otc_usdt_666").unwrap().unwrap();
    assert_eq!(same.last_seen_ms, old.last_seen_ms, "old statuses are not read again");

    // The instance fails: a logged error, and everything stored stays.
    instance.broken.store(true, Ordering::SeqCst);
    let accounts_before = db.counts().unwrap().accounts_total;
    let report = crawl_once(&seeds, &db).await;
    assert_eq!(progress(&report, "masto").errors, 1, "{report:?}");
    assert_eq!(db.counts().unwrap().accounts_total, accounts_before);
    let site_state = db.site("masto").unwrap().unwrap();
    assert!(site_state.post_cursor.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forum_post_selectors_point_findings_at_the_reply_and_its_author() {
    let thread = r#"<html><head><title>USDT 场外交易 - 讨论区</title></head><body>
<h1>USDT 场外 承兑 收U</h1>
<article class="reply" id="post-1"><b class="who">老张</b><time datetime="2026-11-20T10:00:00Z">11-20</time>
<div class="msg">长期收U，支付宝秒到，微信：zhang_otc_88 电话 159 1234 0884</div></article>
<article class="reply" id="post-2"><b class="who">小李</b><time datetime="2026-11-21T11:30:00Z">11-21</time>
<div class="msg">我也收，同上 微信：zhang_otc_88，另外出U 电话 159 1234 0885</div></article>
<footer>客服热线 400-800-1234</footer></body></html>"#;
    let site = Site::new().page("/thread/1", "text/html; charset=utf-8", thread).start().await;
    let seeds = seeds(&format!(
        "[[site]]\nname = \"forum\"\nurl = \"{}\"\nmax_depth = 0\npost_selector = \"article.reply\"\nauthor_selector = \".who\"\ntime_selector = \"time\"\n",
        site.url("/thread/1")
    ));
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    crawl_once(&seeds, &db).await;

    let page = site.url("/thread/1");
    let first = in_post(&db, Kind::Wechat, "zhang_otc_88", &format!("{page}#post-1"));
    let second = in_post(&db, Kind::Wechat, "zhang_otc_88", &format!("{page}#post-2"));
    assert_eq!(first.post.as_ref().unwrap().author.as_deref(), Some("老张"));
    assert_eq!(second.post.as_ref().unwrap().author.as_deref(), Some("小李"));
    assert_eq!(second.post.as_ref().unwrap().posted.as_deref(), Some("2026-11-21T11:30:00Z"));
    assert_eq!(first.url, page.to_string());
    let phone = in_post(&db, Kind::Phone, "+8615912340885", &format!("{page}#post-2"));
    assert!(phone.post.unwrap().text.contains("出U"));

    // `otcwatch accounts --format jsonl` shows every post and author.
    let db_path = dir.path().to_str().unwrap().to_owned();
    drop(db);
    let run = crate::support::run(&["accounts", "--db", &db_path, "--format", "jsonl"], None);
    let lines = run.findings();
    let account = lines.iter().find(|a| a["value"] == "zhang_otc_88").expect("the account");
    let authors: Vec<&str> = account["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["post"]["author"].as_str())
        .collect();
    assert_eq!(authors.len(), 2, "{account:#}");
    assert!(authors.contains(&"老张") && authors.contains(&"小李"));
}
