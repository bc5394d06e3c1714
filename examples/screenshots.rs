//! Regenerates `docs/screenshots/{accounts,account,dashboard}.png`: serves the UI over a temp
//! store filled with sample crawled pages, logs in with headless Chromium and saves the
//! pages. Run it with `scripts/screenshots`; it needs no network and is not part of
//! `cargo test`.

#[path = "../tests/it/support/browser.rs"]
mod browser;
#[path = "../tests/it/support/ui_app.rs"]
mod ui_app;

use browser::{Browser, within};
use fantoccini::Locator;
use otcwatch::extract::Kind;
use otcwatch::store::{PostRef, Review, Role, SiteState, Status};
use std::path::Path;
use ui_app::{App, CrawledPage, Found, PASSWORD};

const DAY_MS: u64 = 24 * 3600 * 1000;

#[tokio::main]
async fn main() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&out).expect("creating docs/screenshots");
    let app = App::start(&[("rita", Role::Reviewer)]).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| u64::try_from(since.as_millis()).unwrap_or(0));
    fill(&app, now);
    let browser = Browser::start(1280, 1000).await;
    let client = &browser.client;
    within("login page", client.goto(&app.url("/login"))).await;
    within("user", client.find(Locator::Id("user"))).await.send_keys("rita").await.expect("typing");
    within("password", client.find(Locator::Id("password")))
        .await
        .send_keys(PASSWORD)
        .await
        .expect("typing");
    within("log in", client.find(Locator::Id("login"))).await.click().await.expect("clicking");
    within("logged in", client.wait().for_element(Locator::Css("header nav"))).await;
    for (name, path) in [
        ("dashboard", "/".to_owned()),
        ("accounts", "/accounts".to_owned()),
        ("account", "/accounts/alipay/13812345678".to_owned()),
    ] {
        within("open", client.goto(&app.url(&path))).await;
        within("page", client.wait().for_element(Locator::Css("main h1"))).await;
        let png = within("screenshot", client.screenshot()).await;
        let file = out.join(format!("{name}.png"));
        std::fs::write(&file, png).expect("writing a screenshot");
        println!("wrote {}", file.display());
    }
    browser.close().await;
}

/// Sample pages over the last two weeks: OTC adverts on a forum and a Telegram-style channel,
/// a shop's customer-service page, and a few reviews.
fn fill(app: &App, now: u64) {
    let advert = "<html><head><meta charset=\"utf-8\"></head><body><p>长期出U 汇率7.25 秒结 \
                  支付宝 13812345678 微信 otc_king88 TRC20 TQrZ9wBzhBqYVfCkN9qT4Pb7uVpmaGmzmX \
                  量大从优</p></body></html>";
    app.crawl(&CrawledPage {
        site: "forum",
        url: "https://forum.example/t/8841",
        body: advert,
        findings: vec![
            found(
                Kind::Alipay,
                "13812345678",
                "长期出U 汇率7.25 秒结 支付宝 13812345678 微信 otc_king88",
                0.94,
            ),
            found(Kind::Wechat, "otc_king88", "支付宝 13812345678 微信 otc_king88 TRC20", 0.88),
            found(
                Kind::Tron,
                "TQrZ9wBzhBqYVfCkN9qT4Pb7uVpmaGmzmX",
                "微信 otc_king88 TRC20 TQrZ9wBzhBqYVfCkN9qT4Pb7uVpmaGmzmX 量大从优",
                0.86,
            ),
        ],
        at_ms: now - 12 * DAY_MS,
    });
    let channel = "<p>收U 承兑 7.18 工行卡 6222021234567890128 联系 @usdt_fast_cn</p>";
    let post = PostRef {
        permalink: "https://t.me/s/usdt_otc_cn/512".into(),
        author: Some("USDT承兑".into()),
        posted: Some("2026-11-18T09:12:00Z".into()),
        text: "收U 承兑 7.18 工行卡 6222021234567890128 联系 @usdt_fast_cn".into(),
    };
    let in_post = |kind, value, context, score| {
        let mut found = found(kind, value, context, score);
        found.post = Some(post.clone());
        found
    };
    let findings = vec![
        in_post(
            Kind::BankCard,
            "6222021234567890128",
            "收U 承兑 7.18 工行卡 6222021234567890128 联系",
            0.9,
        ),
        in_post(Kind::Telegram, "usdt_fast_cn", "6222021234567890128 联系 @usdt_fast_cn", 0.8),
    ];
    app.crawl(&CrawledPage {
        site: "tg-usdt",
        url: "https://t.me/s/usdt_otc_cn",
        body: channel,
        findings,
        at_ms: now - 5 * DAY_MS,
    });
    for (idx, value) in
        ["13700001111", "15911112222", "18633334444", "17755556666"].iter().enumerate()
    {
        let body = format!("<p>出币 USDT 价格7.2 支付宝 {value} 日结</p>");
        let context = format!("出币 USDT 价格7.2 支付宝 {value} 日结");
        let url = format!("https://forum.example/t/{}", 9000 + idx);
        let day = u64::try_from(idx).unwrap_or(0) * 2 + 1;
        app.crawl(&CrawledPage {
            site: "forum",
            url: &url,
            body: &body,
            findings: vec![found(Kind::Alipay, value, &context, 0.7 + 0.05 * idx as f32)],
            at_ms: now - day * DAY_MS,
        });
    }
    app.crawl(&CrawledPage {
        site: "shop",
        url: "https://shop.example/contact",
        body: "<p>售后客服 QQ 2850012345 邮箱 service@shop.example</p>",
        findings: vec![
            found(Kind::Qq, "2850012345", "售后客服 QQ 2850012345 邮箱", 0.15),
            found(
                Kind::Email,
                "service@shop.example",
                "QQ 2850012345 邮箱 service@shop.example",
                0.1,
            ),
        ],
        at_ms: now - 2 * DAY_MS,
    });
    for (name, pages, errors) in [("forum", 412, 3), ("tg-usdt", 57, 0), ("shop", 19, 1)] {
        let state = SiteState {
            name: name.into(),
            epoch: 4,
            crawl_started_ms: Some(now - 3_600_000),
            crawl_finished_ms: Some(now - 3_000_000),
            next_crawl_ms: Some(now + 6 * 3_600_000),
            pages,
            errors,
            findings: pages / 20,
            ..SiteState::default()
        };
        app.db.put_site(&state).expect("put_site");
    }
    let review = |status, note: &str| Review {
        status,
        reviewer: "rita".into(),
        note: Some(note.into()),
        tags: vec!["otc".into()],
    };
    let reviews = [
        (Kind::Alipay, "13812345678", Status::Confirmed, "matches the bank's complaint #4471"),
        (
            Kind::Tron,
            "TQrZ9wBzhBqYVfCkN9qT4Pb7uVpmaGmzmX",
            Status::Watchlisted,
            "same advert as 13812345678",
        ),
        (Kind::Qq, "2850012345", Status::Dismissed, "shop customer service"),
    ];
    for (kind, value, status, note) in reviews {
        app.db.review(kind, value, &review(status, note), now - DAY_MS).expect("review");
    }
    app.db.flush().expect("flush");
}

fn found<'a>(kind: Kind, value: &'a str, context: &'a str, score: f32) -> Found<'a> {
    Found { kind, value, context, score, post: None }
}
