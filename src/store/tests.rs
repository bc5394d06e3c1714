//! Store tests against a real sled in a temp dir: the frontier, page commits, accounts and
//! durability across a reopen.

use super::*;
use std::collections::HashSet;

const SITE: &str = "example";

fn open() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("db")).unwrap();
    (dir, db)
}

fn finding(kind: Kind, value: &str, score: f32, otc: bool) -> FindingRecord {
    FindingRecord {
        kind,
        value: value.to_string(),
        raw: value.to_string(),
        otc,
        score,
        context: format!("pay to {value}"),
        span: (7, 7 + value.len()),
        validation: None,
        warning: None,
        post: None,
    }
}

/// Queues `url` on `site` in epoch 1 and commits a fetch of it at `at_ms`.
fn crawl(
    db: &Db,
    site: &str,
    url: &str,
    body: Option<&str>,
    findings: Vec<FindingRecord>,
    at_ms: u64,
) -> PageChange {
    let epoch = db.site(site).unwrap().map_or(1, |state| state.epoch);
    db.enqueue(site, epoch, url, 0, at_ms).unwrap();
    let queued = db.due(site, at_ms, 100).unwrap().into_iter().find(|q| q.url == url).unwrap();
    let record = UrlRecord { status: Some(200), ..UrlRecord::default() };
    let commit = PageCommit {
        queued,
        record,
        body: body.map(|body| body.as_bytes().to_vec()),
        findings,
        fetched_ms: at_ms,
        final_url: url.to_string(),
    };
    db.commit_page(commit).unwrap()
}

/// Starts a new crawl epoch for `site`, so its URLs can be queued again.
fn next_epoch(db: &Db, site: &str) {
    let mut state = db.site(site).unwrap().unwrap_or_else(|| SiteState {
        name: site.to_string(),
        epoch: 1,
        ..SiteState::default()
    });
    state.epoch += 1;
    db.put_site(&state).unwrap();
}

fn urls(queued: &[Queued]) -> Vec<&str> {
    queued.iter().map(|q| q.url.as_str()).collect()
}

#[test]
fn enqueue_dedups_within_an_epoch_and_requeues_in_a_new_one() {
    let (_dir, db) = open();
    assert!(db.enqueue(SITE, 1, "https://e.com/a", 0, 10).unwrap());
    assert!(!db.enqueue(SITE, 1, "https://e.com/a", 1, 20).unwrap());
    assert_eq!(db.queue_len(SITE).unwrap(), 1);

    // Fetched in epoch 1: still refused in epoch 1, accepted in epoch 2.
    let queued = db.due(SITE, 10, 10).unwrap().remove(0);
    let commit = PageCommit {
        queued,
        record: UrlRecord::default(),
        body: None,
        findings: Vec::new(),
        fetched_ms: 11,
        final_url: "https://e.com/a".to_string(),
    };
    db.commit_page(commit).unwrap();
    assert_eq!(db.queue_len(SITE).unwrap(), 0);
    assert!(!db.enqueue(SITE, 1, "https://e.com/a", 0, 30).unwrap());
    assert!(db.enqueue(SITE, 2, "https://e.com/a", 0, 30).unwrap());
    // An older epoch never re-queues.
    assert!(!db.enqueue(SITE, 1, "https://e.com/a", 0, 30).unwrap());
    // Dedup is per site.
    assert!(db.enqueue("other", 2, "https://e.com/a", 0, 30).unwrap());
    assert_eq!(db.queue_len(SITE).unwrap(), 1);
    assert_eq!(db.queue_len("other").unwrap(), 1);
}

#[test]
fn enqueue_many_dedups_within_the_batch_and_against_the_queue() {
    let (_dir, db) = open();
    db.enqueue(SITE, 1, "https://e.com/a", 0, 5).unwrap();
    let links: Vec<(String, u16)> =
        ["a", "b", "c", "b"].iter().map(|path| (format!("https://e.com/{path}"), 1)).collect();
    assert_eq!(db.enqueue_many(SITE, 1, &links, 5).unwrap(), 2);
    assert_eq!(db.queue_len(SITE).unwrap(), 3);
    let due = db.due(SITE, 5, 10).unwrap();
    assert_eq!(urls(&due), ["https://e.com/a", "https://e.com/b", "https://e.com/c"]);
    assert_eq!(due[1].depth, 1);
    assert!(due.iter().all(|q| q.epoch == 1 && q.site == SITE && q.due_ms == 5));
}

#[test]
fn due_yields_earliest_first_up_to_the_limit_and_not_future_entries() {
    let (_dir, db) = open();
    for (path, due) in [("late", 300), ("early", 100), ("mid", 200), ("later", 400)] {
        db.enqueue(SITE, 1, &format!("https://e.com/{path}"), 0, due).unwrap();
    }
    // Another site's entries never leak into this one's scan.
    db.enqueue("example2", 1, "https://x.com/", 0, 0).unwrap();
    assert_eq!(
        urls(&db.due(SITE, 300, 10).unwrap()),
        ["https://e.com/early", "https://e.com/mid", "https://e.com/late"]
    );
    assert_eq!(
        urls(&db.due(SITE, 1_000, 2).unwrap()),
        ["https://e.com/early", "https://e.com/mid"]
    );
    assert!(db.due(SITE, 99, 10).unwrap().is_empty());
    assert_eq!(db.next_due(SITE).unwrap(), Some(100));
    assert_eq!(db.next_due("nobody").unwrap(), None);
    // `due` does not remove.
    assert_eq!(db.queue_len(SITE).unwrap(), 4);

    let in_flight: HashSet<u64> = db.due(SITE, 1_000, 2).unwrap().iter().map(|q| q.seq).collect();
    let rest = db.due_skipping(SITE, 1_000, 10, &in_flight).unwrap();
    assert_eq!(urls(&rest), ["https://e.com/late", "https://e.com/later"]);
}

#[test]
fn links_queued_together_keep_their_order_and_seq_when_others_leave() {
    let (_dir, db) = open();
    // More links than one stored batch holds.
    let links: Vec<(String, u16)> = (0..70).map(|i| (format!("https://e.com/{i}"), 1)).collect();
    assert_eq!(db.enqueue_many(SITE, 1, &links, 0).unwrap(), 70);
    let all = db.due(SITE, 0, 100).unwrap();
    assert_eq!(urls(&all), links.iter().map(|(url, _)| url.as_str()).collect::<Vec<_>>());
    assert_eq!(all.iter().map(|q| q.seq).collect::<HashSet<_>>().len(), 70);

    let (gone, kept): (Vec<_>, Vec<_>) = all.iter().cloned().partition(|q| q.url.ends_with('0'));
    assert_eq!(db.remove_queued(&gone).unwrap(), gone.len());
    assert_eq!(db.remove_queued(&gone).unwrap(), 0);
    assert_eq!(db.due(SITE, 0, 100).unwrap(), kept);
    assert_eq!(db.queue_len(SITE).unwrap(), kept.len() as u64);
}

#[test]
fn requeued_urls_of_one_batch_move_together_and_stay_distinct() {
    let (_dir, db) = open();
    let links: Vec<(String, u16)> =
        ["a", "b", "c"].iter().map(|p| (format!("https://e.com/{p}"), 0)).collect();
    db.enqueue_many(SITE, 1, &links, 0).unwrap();
    let all = db.due(SITE, 0, 10).unwrap();
    db.requeue(&all[1], 500).unwrap();
    db.requeue(&all[0], 500).unwrap();
    // Requeueing to the same due time again changes nothing.
    db.requeue(&all[2], 0).unwrap();
    assert_eq!(db.queue_len(SITE).unwrap(), 3);
    let moved = db.due(SITE, 1_000, 10).unwrap();
    assert_eq!(urls(&moved), ["https://e.com/c", "https://e.com/a", "https://e.com/b"]);
    assert_eq!(
        moved.iter().map(|q| q.seq).collect::<Vec<_>>(),
        [all[2].seq, all[0].seq, all[1].seq]
    );
    assert_eq!(moved[1].due_ms, 500);
    let commit = PageCommit {
        queued: moved[1].clone(),
        record: UrlRecord::default(),
        body: None,
        findings: Vec::new(),
        fetched_ms: 600,
        final_url: moved[1].url.clone(),
    };
    db.commit_page(commit).unwrap();
    assert_eq!(urls(&db.due(SITE, 1_000, 10).unwrap()), ["https://e.com/c", "https://e.com/b"]);
    assert_eq!(db.queue_len(SITE).unwrap(), 2);
}

#[test]
fn dedup_holds_across_thousands_of_urls() {
    let (_dir, db) = open();
    let links: Vec<(String, u16)> =
        (0..5_000).map(|i| (format!("https://e.com/p/{i}"), 2)).collect();
    for chunk in links.chunks(100) {
        assert_eq!(db.enqueue_many(SITE, 1, chunk, 0).unwrap(), chunk.len());
    }
    for chunk in links.chunks(100) {
        assert_eq!(db.enqueue_many(SITE, 1, chunk, 0).unwrap(), 0);
    }
    assert_eq!(db.enqueue_many(SITE, 2, &links, 0).unwrap(), 5_000);
    assert_eq!(db.queue_len(SITE).unwrap(), 10_000);
}

#[test]
fn requeue_moves_an_entry_to_its_new_due_time() {
    let (_dir, db) = open();
    db.enqueue(SITE, 1, "https://e.com/a", 0, 100).unwrap();
    db.enqueue(SITE, 1, "https://e.com/b", 0, 200).unwrap();
    let first = db.due(SITE, 100, 1).unwrap().remove(0);
    db.requeue(&first, 500).unwrap();
    assert_eq!(db.queue_len(SITE).unwrap(), 2);
    assert_eq!(db.next_due(SITE).unwrap(), Some(200));
    let all = db.due(SITE, 1_000, 10).unwrap();
    assert_eq!(urls(&all), ["https://e.com/b", "https://e.com/a"]);
    assert_eq!((all[1].due_ms, all[1].seq, all[1].epoch), (500, first.seq, 1));
    // A requeue after the entry left (a stale handle) queues it again.
    db.remove_queued(&all[1..]).unwrap();
    assert_eq!(db.queue_len(SITE).unwrap(), 1);
    db.requeue(&all[1], 600).unwrap();
    assert_eq!(db.queue_len(SITE).unwrap(), 2);
}

#[test]
fn commit_removes_its_queue_entry_and_adds_sightings() {
    let (_dir, db) = open();
    db.enqueue(SITE, 1, "https://e.com/other", 0, 10).unwrap();
    let findings =
        vec![finding(Kind::Alipay, "pay@e.com", 0.9, true), finding(Kind::Qq, "12345", 0.2, false)];
    let change = crawl(&db, SITE, "https://e.com/a", Some("<p>pay</p>"), findings, 50);
    assert_eq!(change.new_accounts, 2);
    assert_eq!(urls(&db.due(SITE, 100, 10).unwrap()), ["https://e.com/other"]);
    assert_eq!(db.queue_len(SITE).unwrap(), 1);

    let sightings = db.sightings(Kind::Alipay, "pay@e.com").unwrap();
    assert_eq!(sightings.len(), 1);
    let sighting = &sightings[0];
    assert_eq!((sighting.site.as_str(), sighting.url.as_str()), (SITE, "https://e.com/a"));
    assert_eq!((sighting.first_seen_ms, sighting.last_seen_ms, sighting.otc), (50, 50, true));
    let hash = sighting.page_hash.clone().unwrap();
    assert_eq!(db.page_body(&hash).unwrap().unwrap(), b"<p>pay</p>");

    let account = db.account(Kind::Alipay, "pay@e.com").unwrap().unwrap();
    assert_eq!(
        (account.sightings, account.sites.clone(), account.status.as_str()),
        (1, vec![SITE.to_string()], "new")
    );
    let record = db.url("https://e.com/a").unwrap().unwrap();
    assert_eq!(
        (record.site.as_str(), record.epoch_seen, record.fetches, record.fetched_ms),
        (SITE, 1, 1, Some(50))
    );
    assert_eq!(record.content_hash, Some(hash));
}

#[test]
fn recrawl_of_the_same_page_updates_last_seen_not_sightings() {
    let (_dir, db) = open();
    let url = "https://e.com/a";
    crawl(&db, SITE, url, Some("v1"), vec![finding(Kind::Wechat, "wx_otc", 0.4, false)], 100);
    next_epoch(&db, SITE);
    let change =
        crawl(&db, SITE, url, Some("v2"), vec![finding(Kind::Wechat, "wx_otc", 0.8, true)], 200);
    assert_eq!(change, PageChange::default());

    let sightings = db.sightings(Kind::Wechat, "wx_otc").unwrap();
    assert_eq!(sightings.len(), 1);
    assert_eq!((sightings[0].first_seen_ms, sightings[0].last_seen_ms), (100, 200));
    // The better score brings its evidence along.
    assert_eq!((sightings[0].score, sightings[0].otc), (0.8, true));
    assert_eq!(sightings[0].page_hash, Some(blake3::hash(b"v2").to_hex().to_string()));
    let account = db.account(Kind::Wechat, "wx_otc").unwrap().unwrap();
    assert_eq!((account.sightings, account.first_seen_ms, account.last_seen_ms), (1, 100, 200));
    assert_eq!((account.score, account.otc), (0.8, true));

    let record = db.url(url).unwrap().unwrap();
    assert_eq!((record.fetches, record.changes, record.epoch_seen), (2, 1, 2));
}

#[test]
fn accounts_sum_their_sightings_across_pages_and_sites() {
    let (_dir, db) = open();
    crawl(
        &db,
        "b-site",
        "https://b.com/",
        Some("x"),
        vec![finding(Kind::Btc, "1Abc", 0.3, false)],
        300,
    );
    crawl(
        &db,
        "a-site",
        "https://a.com/",
        Some("y"),
        vec![finding(Kind::Btc, "1Abc", 0.7, true)],
        100,
    );
    crawl(
        &db,
        "a-site",
        "https://a.com/2",
        Some("z"),
        vec![finding(Kind::Btc, "1Abc", 0.1, false)],
        200,
    );
    let account = db.account(Kind::Btc, "1Abc").unwrap().unwrap();
    assert_eq!(account.sightings, 3);
    assert_eq!(account.sites, ["a-site", "b-site"]);
    assert_eq!(
        (account.otc, account.score, account.first_seen_ms, account.last_seen_ms),
        (true, 0.7, 100, 300)
    );
    assert_eq!(db.sightings(Kind::Btc, "1Abc").unwrap().len(), 3);
}

#[test]
fn social_posts_are_sightings_of_their_own() {
    let (_dir, db) = open();
    let post = |n: u32| {
        let mut record = finding(Kind::Telegram, "@otcdesk", 0.6, true);
        let text = format!("post {n}");
        record.post = Some(PostRef {
            permalink: format!("https://t.me/x/{n}"),
            author: None,
            posted: None,
            text,
        });
        record
    };
    crawl(&db, SITE, "https://t.me/s/x", Some("feed"), vec![post(1), post(2)], 10);
    let sightings = db.sightings(Kind::Telegram, "@otcdesk").unwrap();
    assert_eq!(sightings.len(), 2);
    assert_eq!(sightings[0].post.as_ref().unwrap().permalink, "https://t.me/x/1");
    assert_eq!(db.account(Kind::Telegram, "@otcdesk").unwrap().unwrap().sightings, 2);
}

#[test]
fn a_new_body_logs_identifiers_that_appeared_and_disappeared() {
    let (_dir, db) = open();
    let url = "https://e.com/list";
    let first = crawl(
        &db,
        SITE,
        url,
        Some("v1"),
        vec![finding(Kind::Qq, "111", 0.5, true), finding(Kind::Qq, "222", 0.5, true)],
        100,
    );
    assert_eq!(first.appeared, [(Kind::Qq, "111".to_string()), (Kind::Qq, "222".to_string())]);

    next_epoch(&db, SITE);
    // A 304: no body, no change, the identifier set is kept.
    let unchanged = crawl(&db, SITE, url, None, Vec::new(), 150);
    assert_eq!(unchanged, PageChange::default());

    next_epoch(&db, SITE);
    let second = crawl(
        &db,
        SITE,
        url,
        Some("v2"),
        vec![finding(Kind::Qq, "222", 0.5, true), finding(Kind::Qq, "333", 0.5, true)],
        200,
    );
    assert_eq!(second.appeared, [(Kind::Qq, "333".to_string())]);
    assert_eq!(second.disappeared, [(Kind::Qq, "111".to_string())]);
    assert_eq!(second.new_accounts, 1);

    let changes = db.changes(url).unwrap();
    let log: Vec<(u64, &str, bool)> =
        changes.iter().map(|c| (c.at_ms, c.value.as_str(), c.appeared)).collect();
    assert_eq!(
        log,
        [(100, "111", true), (100, "222", true), (200, "333", true), (200, "111", false)]
    );
    // A URL that shares a prefix has its own history.
    assert!(db.changes("https://e.com/lis").unwrap().is_empty());
}

#[test]
fn bodies_are_stored_once_per_hash_and_round_trip() {
    let (_dir, db) = open();
    let body = "<html>同一页面</html>".repeat(100);
    crawl(&db, SITE, "https://e.com/1", Some(&body), Vec::new(), 1);
    crawl(&db, SITE, "https://e.com/2", Some(&body), Vec::new(), 2);
    assert_eq!(db.counts().unwrap().pages, 1);
    let hash = db.url("https://e.com/1").unwrap().unwrap().content_hash.unwrap();
    assert_eq!(db.url("https://e.com/2").unwrap().unwrap().content_hash.as_ref(), Some(&hash));
    assert_eq!(hash, blake3::hash(body.as_bytes()).to_hex().to_string());
    assert_eq!(db.page_body(&hash).unwrap().unwrap(), body.as_bytes());
    assert_eq!(db.page_body("0000").unwrap(), None);
    crawl(&db, SITE, "https://e.com/3", Some("other"), Vec::new(), 3);
    assert_eq!(db.counts().unwrap().pages, 2);
}

#[test]
fn url_records_keep_bookkeeping_across_failures_and_304s() {
    let (_dir, db) = open();
    let url = "https://e.com/a";
    crawl(&db, SITE, url, Some("v1"), Vec::new(), 1);
    for (epoch, failure) in [(2, Some("timeout")), (3, Some("timeout")), (4, None)] {
        next_epoch(&db, SITE);
        db.enqueue(SITE, epoch, url, 0, 0).unwrap();
        let queued = db.due(SITE, 0, 1).unwrap().remove(0);
        let etag = failure.is_none().then(|| "\"e1\"".to_string());
        let record =
            UrlRecord { failure: failure.map(str::to_string), etag, ..UrlRecord::default() };
        let commit = PageCommit {
            queued,
            record,
            body: None,
            findings: Vec::new(),
            fetched_ms: 10,
            final_url: url.to_string(),
        };
        db.commit_page(commit).unwrap();
        let record = db.url(url).unwrap().unwrap();
        assert_eq!(record.failures, if failure.is_some() { epoch - 1 } else { 0 });
    }
    let record = db.url(url).unwrap().unwrap();
    assert_eq!((record.fetches, record.changes, record.etag.as_deref()), (4, 0, Some("\"e1\"")));
    assert_eq!(record.content_hash, Some(blake3::hash(b"v1").to_hex().to_string()));
}

#[test]
fn a_redirect_target_is_seen_for_the_epoch() {
    let (_dir, db) = open();
    db.enqueue(SITE, 1, "https://e.com/old", 0, 0).unwrap();
    let queued = db.due(SITE, 0, 1).unwrap().remove(0);
    let commit = PageCommit {
        queued,
        record: UrlRecord::default(),
        body: Some(b"moved".to_vec()),
        findings: vec![finding(Kind::Email, "a@b.cn", 0.5, false)],
        fetched_ms: 5,
        final_url: "https://e.com/new".to_string(),
    };
    db.commit_page(commit).unwrap();
    assert!(!db.enqueue(SITE, 1, "https://e.com/new", 0, 0).unwrap());
    assert_eq!(db.sightings(Kind::Email, "a@b.cn").unwrap()[0].url, "https://e.com/new");
    // The record and the change log are kept under the queued URL.
    assert!(db.url("https://e.com/old").unwrap().is_some());
    assert_eq!(db.changes("https://e.com/old").unwrap().len(), 1);
}

#[test]
fn everything_survives_a_reopen_after_flush() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("db");
    let site = SiteState {
        name: SITE.to_string(),
        epoch: 3,
        pages: 7,
        paused: true,
        ..SiteState::default()
    };
    {
        let db = Db::open(&path).unwrap();
        db.put_site(&site).unwrap();
        crawl(
            &db,
            SITE,
            "https://e.com/a",
            Some("body"),
            vec![finding(Kind::Phone, "+8613800000000", 0.9, true)],
            42,
        );
        db.enqueue(SITE, 3, "https://e.com/b", 2, 77).unwrap();
        db.flush().unwrap();
    }
    let db = Db::open(&path).unwrap();
    assert_eq!(db.sites().unwrap(), [site]);
    assert_eq!(db.queue_len(SITE).unwrap(), 1);
    let queued = db.due(SITE, 100, 10).unwrap();
    assert_eq!(
        (queued[0].url.as_str(), queued[0].depth, queued[0].epoch),
        ("https://e.com/b", 2, 3)
    );
    assert!(!db.enqueue(SITE, 3, "https://e.com/b", 0, 0).unwrap());
    let account = db.account(Kind::Phone, "+8613800000000").unwrap().unwrap();
    assert_eq!(account.first_seen_ms, 42);
    assert_eq!(db.sightings(Kind::Phone, "+8613800000000").unwrap().len(), 1);
    assert_eq!(db.changes("https://e.com/a").unwrap().len(), 1);
    assert_eq!(db.page_body(blake3::hash(b"body").to_hex().as_str()).unwrap().unwrap(), b"body");
    assert_eq!(db.counts().unwrap().accounts_total, 1);
}

#[test]
fn accounts_filter_by_kind_otc_site_score_and_text() {
    let (_dir, db) = open();
    crawl(
        &db,
        "s1",
        "https://a.com/",
        Some("a"),
        vec![
            finding(Kind::Qq, "10001", 0.9, true),
            finding(Kind::Alipay, "Shop@Mail.cn", 0.5, true),
            finding(Kind::Alipay, "13900000000", 0.2, false),
        ],
        1,
    );
    crawl(
        &db,
        "s2",
        "https://b.com/",
        Some("b"),
        vec![finding(Kind::Eth, "0xabc", 0.95, false)],
        2,
    );
    let values = |filter: AccountFilter| -> Vec<String> {
        db.accounts(&filter).unwrap().into_iter().map(|account| account.value).collect()
    };
    // Ordered by Kind's order (Alipay < Qq < Eth), then value.
    assert_eq!(values(AccountFilter::default()), ["13900000000", "Shop@Mail.cn", "10001", "0xabc"]);
    assert_eq!(
        values(AccountFilter { kind: Some(Kind::Alipay), ..AccountFilter::default() }),
        ["13900000000", "Shop@Mail.cn"]
    );
    assert_eq!(
        values(AccountFilter { otc_only: true, ..AccountFilter::default() }),
        ["Shop@Mail.cn", "10001"]
    );
    assert_eq!(
        values(AccountFilter { site: Some("s2".to_string()), ..AccountFilter::default() }),
        ["0xabc"]
    );
    assert_eq!(
        values(AccountFilter { min_score: Some(0.9), ..AccountFilter::default() }),
        ["10001", "0xabc"]
    );
    assert_eq!(
        values(AccountFilter { text: Some("mail".to_string()), ..AccountFilter::default() }),
        ["Shop@Mail.cn"]
    );
    let both = AccountFilter {
        kind: Some(Kind::Qq),
        otc_only: true,
        min_score: Some(0.95),
        ..AccountFilter::default()
    };
    assert!(values(both).is_empty());
}

#[test]
fn counts_report_accounts_by_kind_queue_and_pages() {
    let (_dir, db) = open();
    crawl(
        &db,
        SITE,
        "https://e.com/",
        Some("p"),
        vec![
            finding(Kind::Qq, "1", 0.5, true),
            finding(Kind::Qq, "2", 0.5, true),
            finding(Kind::Btc, "1A", 0.5, true),
        ],
        1,
    );
    db.enqueue(SITE, 1, "https://e.com/x", 0, 0).unwrap();
    db.enqueue("other", 1, "https://o.com/x", 0, 0).unwrap();
    db.enqueue("other", 1, "https://o.com/y", 0, 0).unwrap();
    let counts = db.counts().unwrap();
    assert_eq!(
        (counts.accounts[&Kind::Qq], counts.accounts[&Kind::Btc], counts.accounts[&Kind::Eth]),
        (2, 1, 0)
    );
    assert_eq!(counts.accounts.len(), Kind::ALL.len());
    assert_eq!((counts.accounts_total, counts.queued, counts.pages), (3, 3, 1));
}

#[test]
fn keys_with_nul_bytes_are_refused() {
    let (_dir, db) = open();
    let err = db.enqueue("bad\0site", 1, "https://e.com/", 0, 0).unwrap_err();
    assert!(matches!(err, Error::InvalidKey { what: "site", .. }));
    let err = db.enqueue(SITE, 1, "https://e.com/\0", 0, 0).unwrap_err();
    assert!(matches!(err, Error::InvalidKey { what: "url", .. }));
    assert_eq!(db.queue_len(SITE).unwrap(), 0);
}

#[test]
fn a_corrupt_value_is_a_decode_error_naming_its_tree() {
    let (_dir, db) = open();
    db.inner.sites.insert(SITE, &[9, b'{', b'}']).unwrap();
    let err = db.site(SITE).unwrap_err();
    assert!(matches!(err, Error::Decode { tree: "sites", .. }), "{err}");
}

#[test]
fn open_names_the_path_when_it_fails() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "not a directory").unwrap();
    let err = Db::open(&file.join("db")).unwrap_err();
    assert!(matches!(&err, Error::Open { path, .. } if path == &file.join("db")));
    assert!(err.to_string().contains("file/db"), "{err}");
}

#[test]
fn kind_codes_are_distinct() {
    let codes: HashSet<u8> = Kind::ALL.into_iter().map(keys::kind_code).collect();
    assert_eq!(codes.len(), Kind::ALL.len());
}

#[test]
fn a_commit_that_fails_midway_leaves_nothing_behind() {
    let (_dir, db) = open();
    // A corrupt account makes the transaction abort after it has staged other writes.
    db.inner.accounts.insert(keys::account(Kind::Qq, "2"), &[9]).unwrap();
    db.enqueue(SITE, 1, "https://e.com/a", 0, 0).unwrap();
    let queued = db.due(SITE, 0, 1).unwrap().remove(0);
    let commit = PageCommit {
        queued,
        record: UrlRecord::default(),
        body: Some(b"page".to_vec()),
        findings: vec![finding(Kind::Qq, "1", 0.5, true), finding(Kind::Qq, "2", 0.5, true)],
        fetched_ms: 1,
        final_url: "https://e.com/a".to_string(),
    };
    let err = db.commit_page(commit).unwrap_err();
    assert!(matches!(err, Error::Decode { tree: "accounts", .. }), "{err}");
    assert_eq!(db.queue_len(SITE).unwrap(), 1);
    assert_eq!(db.due(SITE, 0, 10).unwrap().len(), 1);
    assert_eq!(db.account(Kind::Qq, "1").unwrap(), None);
    assert!(db.sightings(Kind::Qq, "1").unwrap().is_empty());
    assert!(db.url("https://e.com/a").unwrap().is_none());
    assert!(db.changes("https://e.com/a").unwrap().is_empty());
    assert_eq!(db.counts().unwrap().pages, 0);
}

#[test]
fn touching_an_unchanged_page_moves_last_seen_on() {
    let (_dir, db) = open();
    let url = "https://e.com/a";
    let findings = vec![finding(Kind::Qq, "777", 0.5, true), finding(Kind::Btc, "1B", 0.5, false)];
    crawl(&db, SITE, url, Some("v1"), findings, 100);
    assert_eq!(db.touch_unchanged(SITE, url, 300).unwrap(), 2);
    assert_eq!(db.touch_unchanged(SITE, url, 200).unwrap(), 0);
    let sighting = &db.sightings(Kind::Qq, "777").unwrap()[0];
    assert_eq!((sighting.first_seen_ms, sighting.last_seen_ms), (100, 300));
    let account = db.account(Kind::Qq, "777").unwrap().unwrap();
    assert_eq!((account.last_seen_ms, account.sightings), (300, 1));
    assert_eq!(db.touch_unchanged(SITE, "https://e.com/never", 300).unwrap(), 0);
}

#[test]
fn open_waits_for_a_lock_that_is_being_released() {
    let dir = tempfile::tempdir().unwrap();
    let first = Db::open(dir.path()).unwrap();
    let releaser = std::thread::spawn(move || {
        // Hold the database a moment, then let it go (a channel timeout as the delay).
        let (_keep, delay) = std::sync::mpsc::channel::<()>();
        let _ = delay.recv_timeout(std::time::Duration::from_millis(300));
        drop(first);
    });
    let second = Db::open(dir.path());
    releaser.join().unwrap();
    assert!(second.is_ok(), "{:?}", second.err());
}

#[test]
fn a_batch_of_pages_commits_together_and_queues_their_links() {
    let (_dir, db) = open();
    let urls = ["https://a.example/1", "https://a.example/2", "https://a.example/3"];
    let items: Vec<(String, u16)> = urls.iter().map(|u| (u.to_string(), 0)).collect();
    db.enqueue_many(SITE, 1, &items, 10).unwrap();
    let queued = db.due(SITE, 10, 100).unwrap();
    assert_eq!(queued.len(), 3);
    let wallet = "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP";
    let pages: Vec<PageWork> = queued
        .into_iter()
        .enumerate()
        .map(|(n, queued)| PageWork {
            commit: PageCommit {
                final_url: queued.url.clone(),
                queued,
                record: UrlRecord { status: Some(200), ..UrlRecord::default() },
                body: Some(format!("page {n} {wallet}").into_bytes()),
                findings: vec![finding(Kind::Tron, wallet, 0.5 + n as f32 / 10.0, true)],
                fetched_ms: 20 + n as u64,
            },
            // Every page links to the next new page and to page 1, already seen.
            links: vec![(format!("https://a.example/new{n}"), 1), (urls[0].to_string(), 1)],
            links_due_ms: 30,
            stored_body: None,
            track_changes: true,
        })
        .collect();
    let changes = db.commit_pages(pages).unwrap();

    assert_eq!(changes.len(), 3);
    assert_eq!(changes[0].new_accounts, 1, "the first page finds the account");
    assert_eq!(changes[1].new_accounts, 0, "later pages in the batch see it");
    let account = db.account(Kind::Tron, wallet).unwrap().unwrap();
    assert_eq!(account.sightings, 3);
    assert!((account.score - 0.7).abs() < 1e-6);
    let due: Vec<String> = db.due(SITE, 30, 100).unwrap().into_iter().map(|q| q.url).collect();
    assert_eq!(due, ["https://a.example/new0", "https://a.example/new1", "https://a.example/new2"]);
    assert_eq!(db.queue_len(SITE).unwrap(), 3, "fetched entries left, new links counted");
    assert_eq!(db.counts().unwrap().pages, 3);
}

#[test]
fn counts_report_fetches_and_failures_by_kind() {
    let (_dir, db) = open();
    crawl(&db, SITE, "http://example.test/ok", Some("<p>ok</p>"), vec![], 1000);
    for (url, failure) in [
        ("http://example.test/a", "Timeout: no answer in 30s"),
        ("http://example.test/b", "TooManyRedirects: 11 hops"),
        ("http://example.test/c", "Timeout: no answer in 30s"),
        ("http://example.test/d", "NotDocument { content_type: \"image/png\" }"),
        ("http://example.test/e", "?"),
    ] {
        db.enqueue(SITE, 1, url, 0, 2000).unwrap();
        let queued = db.due(SITE, 2000, 100).unwrap().into_iter().find(|q| q.url == url).unwrap();
        let record = UrlRecord { failure: Some(failure.to_string()), ..UrlRecord::default() };
        let commit = PageCommit {
            queued,
            record,
            body: None,
            findings: vec![],
            fetched_ms: 2000,
            final_url: url.to_string(),
        };
        db.commit_page(commit).unwrap();
    }
    let counts = db.counts().unwrap();
    assert_eq!(counts.fetches, 6);
    let failures: Vec<(&str, u64)> =
        counts.failures.iter().map(|(kind, n)| (kind.as_str(), *n)).collect();
    assert_eq!(
        failures,
        [("not_document", 1), ("other", 1), ("timeout", 2), ("too_many_redirects", 1)]
    );
}
