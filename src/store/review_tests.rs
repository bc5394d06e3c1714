//! Tests of the review model against a real sled in a temp dir: reviews and their audit
//! trail, the watchlist cursor under concurrent reviews, reopening on new evidence, related
//! accounts, and the webhook outbox.

use super::*;

fn open() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("db")).unwrap();
    (dir, db)
}

fn finding(kind: Kind, value: &str, score: f32) -> FindingRecord {
    FindingRecord {
        kind,
        value: value.to_string(),
        raw: value.to_string(),
        otc: true,
        score,
        context: format!("pay to {value}"),
        span: (7, 7 + value.len()),
        validation: None,
        warning: None,
        post: None,
    }
}

/// Queues `url` on `site` in a fresh epoch and commits a fetch of it with `findings`.
fn crawl(db: &Db, site: &str, url: &str, findings: Vec<FindingRecord>, at_ms: u64) {
    let mut state = db
        .site(site)
        .unwrap()
        .unwrap_or_else(|| SiteState { name: site.to_string(), ..SiteState::default() });
    state.epoch += 1;
    db.put_site(&state).unwrap();
    db.enqueue(site, state.epoch, url, 0, at_ms).unwrap();
    let queued = db.due(site, at_ms, 100).unwrap().into_iter().find(|q| q.url == url).unwrap();
    let body = format!("{url} {at_ms} {findings:?}");
    let commit = PageCommit {
        queued,
        record: UrlRecord { status: Some(200), ..UrlRecord::default() },
        body: Some(body.into_bytes()),
        findings,
        fetched_ms: at_ms,
        final_url: url.to_string(),
    };
    db.commit_page(commit).unwrap();
}

fn review(status: Status) -> Review {
    Review { status, reviewer: "alice".to_string(), note: None, tags: Vec::new() }
}

const PHONE: &str = "+8613912340001";
const TRON: &str = "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP";

#[test]
fn status_round_trips_and_unknown_names_list_the_valid_ones() {
    for status in Status::ALL {
        assert_eq!(status.to_string().parse::<Status>(), Ok(status));
        assert_eq!(serde_json::to_string(&status).unwrap(), format!("\"{status}\""));
    }
    let error = "approved".parse::<Status>().unwrap_err().to_string();
    assert!(error.contains("'approved'"), "{error}");
    assert!(error.contains("new, confirmed, dismissed, watchlisted"), "{error}");
}

#[test]
fn accounts_stored_before_the_review_model_still_decode() {
    let old = r#"{"kind":"phone","value":"+8613912340001","otc":true,"score":0.9,
        "first_seen_ms":1,"last_seen_ms":2,"sightings":1,"sites":["a"],"status":"new"}"#;
    let account: Account = serde_json::from_str(old).unwrap();
    assert_eq!(account.status, Status::New);
    assert_eq!((account.reviewer, account.note, account.tags), (None, None, Vec::new()));
}

#[test]
fn a_review_updates_the_account_and_appends_one_audit_record_and_change() {
    let (_dir, db) = open();
    crawl(&db, "a", "https://a.example/1", vec![finding(Kind::Phone, PHONE, 0.9)], 100);
    let mut confirm = review(Status::Confirmed);
    confirm.note = Some("seen on two boards".to_string());
    confirm.tags = vec!["usdt".to_string(), " usdt ".to_string(), "fraud".to_string()];
    let record = db.review(Kind::Phone, PHONE, &confirm, 200).unwrap();
    assert_eq!(record.cursor, 1);
    assert_eq!((record.before, record.after), (Status::New, Status::Confirmed));
    assert_eq!(record.tags, ["usdt", "fraud"]);

    let watch = review(Status::Watchlisted);
    db.review(Kind::Phone, PHONE, &watch, 300).unwrap();
    let account = db.account(Kind::Phone, PHONE).unwrap().unwrap();
    assert_eq!(account.status, Status::Watchlisted);
    assert_eq!(account.reviewer.as_deref(), Some("alice"));
    assert_eq!(account.reviewed_ms, Some(300));
    assert_eq!(account.note.as_deref(), Some("seen on two boards"), "no note keeps the old one");
    assert_eq!(account.tags, ["fraud", "usdt"]);

    let audit = db.audit(Kind::Phone, PHONE).unwrap();
    let steps: Vec<_> = audit.iter().map(|r| (r.cursor, r.before, r.after, r.at_ms)).collect();
    assert_eq!(
        steps,
        [
            (1, Status::New, Status::Confirmed, 200),
            (2, Status::Confirmed, Status::Watchlisted, 300)
        ]
    );
    let (changes, next) = db.watchlist_changes(0, 10).unwrap();
    assert_eq!(changes, audit);
    assert_eq!(next, 2);
    assert_eq!(db.watchlist_changes(2, 10).unwrap(), (Vec::new(), 2));
    assert_eq!(db.watchlist_changes(0, 1).unwrap().1, 1, "the limit is respected");
}

#[test]
fn reviews_of_unknown_accounts_or_bad_reviews_write_nothing() {
    let (_dir, db) = open();
    crawl(&db, "a", "https://a.example/1", vec![finding(Kind::Phone, PHONE, 0.9)], 100);
    let error = db.review(Kind::Tron, TRON, &review(Status::Confirmed), 200).unwrap_err();
    assert!(matches!(error, Error::UnknownAccount { kind: Kind::Tron, .. }), "{error}");

    let targets = [(Kind::Phone, PHONE.to_string()), (Kind::Tron, TRON.to_string())];
    let error = db.review_many(&targets, &review(Status::Dismissed), 200).unwrap_err();
    assert!(matches!(error, Error::UnknownAccount { .. }), "{error}");
    assert_eq!(db.account(Kind::Phone, PHONE).unwrap().unwrap().status, Status::New);

    let mut nobody = review(Status::Confirmed);
    nobody.reviewer = "  ".to_string();
    let error = db.review(Kind::Phone, PHONE, &nobody, 200).unwrap_err();
    assert!(matches!(error, Error::InvalidReview { .. }), "{error}");
    let mut bad_tag = review(Status::Confirmed);
    bad_tag.tags = vec!["a\u{7}".to_string()];
    assert!(matches!(
        db.review(Kind::Phone, PHONE, &bad_tag, 200),
        Err(Error::InvalidReview { .. })
    ));

    assert_eq!(db.watchlist_cursor().unwrap(), 0);
    assert!(db.audit(Kind::Phone, PHONE).unwrap().is_empty());
}

#[test]
fn review_many_is_one_change_per_account() {
    let (_dir, db) = open();
    let findings = vec![finding(Kind::Phone, PHONE, 0.9), finding(Kind::Tron, TRON, 0.9)];
    crawl(&db, "a", "https://a.example/1", findings, 100);
    let targets = [(Kind::Phone, PHONE.to_string()), (Kind::Tron, TRON.to_string())];
    let records = db.review_many(&targets, &review(Status::Confirmed), 200).unwrap();
    let cursors: Vec<u64> = records.iter().map(|r| r.cursor).collect();
    assert_eq!(cursors, [1, 2]);
    assert_eq!(db.account(Kind::Tron, TRON).unwrap().unwrap().status, Status::Confirmed);
    db.review(Kind::Tron, TRON, &review(Status::Dismissed), 300).unwrap();
    let in_status = |status| {
        let filter = AccountFilter { status: Some(status), ..AccountFilter::default() };
        db.accounts(&filter).unwrap().into_iter().map(|a| a.value).collect::<Vec<_>>()
    };
    assert_eq!(in_status(Status::Confirmed), [PHONE]);
    assert_eq!(in_status(Status::Dismissed), [TRON]);
    assert!(in_status(Status::New).is_empty());
}

#[test]
fn a_poller_sees_every_change_exactly_once_in_order_under_concurrent_reviews() {
    const WRITERS: usize = 4;
    const REVIEWS: usize = 50;
    let (_dir, db) = open();
    let values: Vec<String> = (0..WRITERS).map(|i| format!("+86139123400{i:02}")).collect();
    let findings = values.iter().map(|v| finding(Kind::Phone, v, 0.9)).collect();
    crawl(&db, "a", "https://a.example/1", findings, 100);

    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writers: Vec<_> = values
        .iter()
        .map(|value| {
            let (db, value, done) = (db.clone(), value.clone(), done.clone());
            std::thread::spawn(move || {
                for i in 0..REVIEWS {
                    let status = Status::ALL[i % 4];
                    db.review(Kind::Phone, &value, &review(status), 1000 + i as u64).unwrap();
                }
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            })
        })
        .collect();
    let mut seen: Vec<WatchlistChange> = Vec::new();
    let mut cursor = 0;
    loop {
        // Read the flag before polling: after the last writer is done, one more poll drains.
        let finished = done.load(std::sync::atomic::Ordering::SeqCst) == WRITERS;
        let (changes, next) = db.watchlist_changes(cursor, 7).unwrap();
        seen.extend(changes);
        cursor = next;
        if finished && db.watchlist_changes(cursor, 1).unwrap().0.is_empty() {
            break;
        }
        std::thread::yield_now();
    }
    for writer in writers {
        writer.join().unwrap();
    }
    let cursors: Vec<u64> = seen.iter().map(|change| change.cursor).collect();
    let expected: Vec<u64> = (1..=(WRITERS * REVIEWS) as u64).collect();
    assert_eq!(cursors, expected, "every change once, in cursor order");
    // Per account, the feed holds the reviews in the order they were made.
    for value in &values {
        let times: Vec<u64> = seen.iter().filter(|c| &c.value == value).map(|c| c.at_ms).collect();
        assert_eq!(times, (1000..1000 + REVIEWS as u64).collect::<Vec<_>>());
    }
}

#[test]
fn dismissed_stays_dismissed_on_known_sites_and_reopens_on_a_new_one() {
    let (_dir, db) = open();
    crawl(&db, "a", "https://a.example/1", vec![finding(Kind::Phone, PHONE, 0.9)], 100);
    db.review(Kind::Phone, PHONE, &review(Status::Dismissed), 200).unwrap();

    // Seen again on the same page and on another page of the same site: still dismissed.
    crawl(&db, "a", "https://a.example/1", vec![finding(Kind::Phone, PHONE, 0.95)], 300);
    crawl(&db, "a", "https://a.example/2", vec![finding(Kind::Phone, PHONE, 0.9)], 400);
    assert_eq!(db.account(Kind::Phone, PHONE).unwrap().unwrap().status, Status::Dismissed);
    assert_eq!(db.watchlist_cursor().unwrap(), 1);

    // A new site brings it back, with the reason, an audit record and a watchlist change.
    crawl(&db, "b", "https://b.example/x", vec![finding(Kind::Phone, PHONE, 0.9)], 500);
    let account = db.account(Kind::Phone, PHONE).unwrap().unwrap();
    assert_eq!(account.status, Status::New);
    assert_eq!(account.status_reason.as_deref(), Some("new evidence on site b"));
    assert_eq!(account.sites, ["a", "b"]);
    let audit = db.audit(Kind::Phone, PHONE).unwrap();
    let last = audit.last().unwrap();
    assert_eq!((last.cursor, last.before, last.after), (2, Status::Dismissed, Status::New));
    assert_eq!(last.reviewer, SYSTEM_REVIEWER);
    assert_eq!(last.reason.as_deref(), Some("new evidence on site b"));
    assert_eq!(last.at_ms, 500);
    assert_eq!(db.watchlist_changes(1, 10).unwrap().0, vec![last.clone()]);

    // Confirmed accounts are not touched by new sites.
    db.review(Kind::Phone, PHONE, &review(Status::Confirmed), 600).unwrap();
    crawl(&db, "c", "https://c.example/x", vec![finding(Kind::Phone, PHONE, 0.9)], 700);
    assert_eq!(db.account(Kind::Phone, PHONE).unwrap().unwrap().status, Status::Confirmed);
    assert_eq!(db.watchlist_cursor().unwrap(), 3);
}

#[test]
fn identifiers_on_one_place_are_linked_and_counted_per_place() {
    let (_dir, db) = open();
    let ad = || vec![finding(Kind::Alipay, PHONE, 0.9), finding(Kind::Tron, TRON, 0.9)];
    crawl(&db, "a", "https://a.example/1", ad(), 100);
    crawl(&db, "a", "https://a.example/1", ad(), 200);
    let links = db.links(Kind::Alipay, PHONE).unwrap();
    let expected = Link {
        kind: Kind::Tron,
        value: TRON.to_string(),
        places: 1,
        example_place: "https://a.example/1".to_string(),
    };
    assert_eq!(links, vec![expected.clone()], "a re-crawl does not count twice");

    let mut post = finding(Kind::Tron, TRON, 0.8);
    post.post = Some(PostRef {
        permalink: "https://social.example/@x/1".to_string(),
        author: None,
        posted: None,
        text: String::new(),
    });
    let mut alipay_post = finding(Kind::Alipay, PHONE, 0.8);
    alipay_post.post = post.post.clone();
    let wechat = finding(Kind::Wechat, PHONE, 0.7);
    crawl(&db, "b", "https://b.example/feed", vec![post, alipay_post, wechat], 300);
    let links = db.links(Kind::Alipay, PHONE).unwrap();
    assert_eq!(links[0], Link { places: 2, ..expected });
    // The WeChat one was on the feed page, not in the post: linked with nothing.
    assert_eq!(links.len(), 1, "{links:?}");
    assert!(db.links(Kind::Wechat, PHONE).unwrap().is_empty());
    let back = db.links(Kind::Tron, TRON).unwrap();
    assert_eq!((back[0].kind, back[0].value.as_str(), back[0].places), (Kind::Alipay, PHONE, 2));
}

#[test]
fn a_directory_page_links_only_its_best_identifiers() {
    let (_dir, db) = open();
    let findings: Vec<FindingRecord> = (0..LINK_CAP + 20)
        .map(|i| finding(Kind::Qq, &format!("{}", 100_000 + i), if i == 0 { 0.1 } else { 0.9 }))
        .collect();
    crawl(&db, "a", "https://a.example/dir", findings, 100);
    assert_eq!(db.links(Kind::Qq, "100001").unwrap().len(), LINK_CAP - 1);
    assert!(db.links(Kind::Qq, "100000").unwrap().is_empty(), "the lowest score is left out");
}

#[test]
fn the_outbox_holds_each_change_per_receiver_until_delivered() {
    let (_dir, db) = open();
    crawl(&db, "a", "https://a.example/1", vec![finding(Kind::Phone, PHONE, 0.9)], 100);
    db.review(Kind::Phone, PHONE, &review(Status::Confirmed), 150).unwrap();
    assert!(matches!(db.add_webhook("ftp://x", "s", 1), Err(Error::InvalidWebhook { .. })));
    assert!(matches!(
        db.add_webhook("http://127.0.0.1:9/", "", 1),
        Err(Error::InvalidWebhook { .. })
    ));
    let one = db.add_webhook("http://127.0.0.1:9/hook", "s1", 160).unwrap();
    let two = db.add_webhook("https://example.org/hook", "s2", 170).unwrap();
    assert_eq!((one.id, two.id), (1, 2));
    assert_eq!(db.webhooks().unwrap(), vec![one.clone(), two.clone()]);

    db.review(Kind::Phone, PHONE, &review(Status::Watchlisted), 200).unwrap();
    db.review(Kind::Phone, PHONE, &review(Status::Dismissed), 210).unwrap();
    let due = db.due_deliveries(300, 10).unwrap();
    let pairs: Vec<(u64, u64)> = due.iter().map(|d| (d.receiver.id, d.change.cursor)).collect();
    assert_eq!(
        pairs,
        [(1, 2), (1, 3), (2, 2), (2, 3)],
        "only changes after the receiver was added"
    );
    assert_eq!(due[0].change.after, Status::Watchlisted);
    assert!(db.due_deliveries(199, 10).unwrap().is_empty(), "nothing is due before it happened");

    // Receiver 1 fails on its first change: its later changes wait behind it.
    let entry = db.retry_later(1, 2, 1000, "connection refused").unwrap().unwrap();
    assert_eq!((entry.attempts, entry.last_error.as_deref()), (1, Some("connection refused")));
    db.delivered(2, 2).unwrap();
    let pairs: Vec<(u64, u64)> = db
        .due_deliveries(300, 10)
        .unwrap()
        .iter()
        .map(|d| (d.receiver.id, d.change.cursor))
        .collect();
    assert_eq!(pairs, [(2, 3)]);
    let pairs: Vec<(u64, u64)> = db
        .due_deliveries(1000, 10)
        .unwrap()
        .iter()
        .map(|d| (d.receiver.id, d.change.cursor))
        .collect();
    assert_eq!(pairs, [(1, 2), (1, 3), (2, 3)]);

    db.remove_webhook(1).unwrap();
    assert!(db.outbox(1).unwrap().is_empty());
    assert!(matches!(db.remove_webhook(1), Err(Error::UnknownWebhook { id: 1 })));
    db.review(Kind::Phone, PHONE, &review(Status::New), 400).unwrap();
    let cursors: Vec<u64> = db.outbox(2).unwrap().iter().map(|e| e.cursor).collect();
    assert_eq!(cursors, [3, 4]);
}

#[test]
fn reviews_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let db = Db::open(&path).unwrap();
        crawl(&db, "a", "https://a.example/1", vec![finding(Kind::Phone, PHONE, 0.9)], 100);
        db.add_webhook("http://127.0.0.1:9/", "s", 1).unwrap();
        db.review(Kind::Phone, PHONE, &review(Status::Watchlisted), 200).unwrap();
        db.flush().unwrap();
    }
    let db = Db::open(&path).unwrap();
    assert_eq!(db.account(Kind::Phone, PHONE).unwrap().unwrap().status, Status::Watchlisted);
    assert_eq!(db.watchlist_changes(0, 10).unwrap().1, 1);
    assert_eq!(db.outbox(1).unwrap().len(), 1);
    db.review(Kind::Phone, PHONE, &review(Status::Confirmed), 300).unwrap();
    assert_eq!(db.watchlist_cursor().unwrap(), 2, "the cursor continues after a reopen");
}
