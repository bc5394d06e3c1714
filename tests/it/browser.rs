//! The web UI in a real browser: headless Chromium over WebDriver against the whole
//! application on 127.0.0.1 (see `support/browser.rs`). A reviewer logs in, filters, opens an
//! account, confirms it and finds it in the watchlist API; crawled text carrying script,
//! event handlers, `javascript:` links and attribute-breaking quotes is shown literally and
//! runs nothing; a form post without the CSRF token is refused and changes nothing.
//!
//! The tests take turns (one Chromium at a time: the machines have two cores), each on its own
//! runtime, so the lock below is never held across an await.

use std::sync::{Mutex, MutexGuard, PoisonError};

use fantoccini::Locator;
use otcwatch::extract::Kind;
use otcwatch::store::{PostRef, Role, SiteState, Status};
use serde_json::Value;

use crate::support::browser::{Browser, within};
use crate::support::ui_app::{App, CrawledPage, Found, PASSWORD};

static ONE_BROWSER_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    ONE_BROWSER_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// 2026-11-20 08:00 UTC.
const T0: u64 = 1_795_161_600_000;

/// Two ordinary sites: an OTC advert with an Alipay number and a TRON address, and a shop.
fn crawl_ordinary_pages(app: &App) {
    app.crawl(&CrawledPage {
        site: "forum",
        url: "https://forum.example/t/1",
        body: "<html><head><meta charset=\"utf-8\"></head><body><p>出U 汇率7.2 支付宝 13812345678 \
               TRC20 TQrZ9wBzhBqYVfCkN9qT4Pb7uVpmaGmzmX</p></body></html>",
        findings: vec![
            Found {
                kind: Kind::Alipay,
                value: "13812345678",
                context: "出U 汇率7.2 支付宝 13812345678 TRC20",
                score: 0.92,
                post: None,
            },
            Found {
                kind: Kind::Tron,
                value: "TQrZ9wBzhBqYVfCkN9qT4Pb7uVpmaGmzmX",
                context: "13812345678 TRC20 TQrZ9wBzhBqYVfCkN9qT4Pb7uVpmaGmzmX",
                score: 0.81,
                post: None,
            },
        ],
        at_ms: T0,
    });
    app.crawl(&CrawledPage {
        site: "shop",
        url: "https://shop.example/contact",
        body: "<p>客服QQ 123456789</p>",
        findings: vec![Found {
            kind: Kind::Qq,
            value: "123456789",
            context: "客服QQ 123456789",
            score: 0.2,
            post: None,
        }],
        at_ms: T0 + 3_600_000,
    });
    for name in ["forum", "shop"] {
        app.db
            .put_site(&SiteState {
                name: name.into(),
                epoch: 1,
                crawl_started_ms: Some(T0),
                crawl_finished_ms: Some(T0 + 60_000),
                pages: 1,
                findings: 1,
                ..SiteState::default()
            })
            .expect("put_site");
    }
}

async fn log_in(browser: &Browser, app: &App, user: &str, path: &str) {
    let client = &browser.client;
    within("open a page", client.goto(&app.url(path))).await;
    // Not logged in: the browser is sent to the login form, which remembers the page.
    let at = within("current url", client.current_url()).await;
    assert_eq!(at.path(), "/login", "an anonymous visit must go to the login page, got {at}");
    within("user field", client.find(Locator::Id("user")))
        .await
        .send_keys(user)
        .await
        .expect("typing");
    let password = within("password field", client.find(Locator::Id("password"))).await;
    password.send_keys(PASSWORD).await.expect("typing");
    within("log in", client.find(Locator::Id("login"))).await.click().await.expect("clicking");
    within("the page after login", client.wait().for_element(Locator::Css("header nav"))).await;
    let at = within("current url", client.current_url()).await;
    assert_eq!(at.path(), path, "after login the browser must be back on {path}");
}

/// Waits until the browser is on a page whose URL passes `arrived` (a form post or a link
/// may still be loading when the click returns); fails after [`NAVIGATION_WAIT`].
async fn wait_for_url(browser: &Browser, what: &str, arrived: impl Fn(&url::Url) -> bool) {
    let started = std::time::Instant::now();
    loop {
        let at = within("current url", browser.client.current_url()).await;
        if arrived(&at) {
            return;
        }
        assert!(started.elapsed() < NAVIGATION_WAIT, "never reached {what}; still on {at}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// How long a navigation may take before the test fails: it only catches hangs.
const NAVIGATION_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The text of the whole page.
async fn page_text(browser: &Browser) -> String {
    let body = within("body", browser.client.find(Locator::Css("body"))).await;
    within("body text", body.text()).await
}

#[test]
fn reviewer_logs_in_filters_confirms_sees_it_in_the_watchlist_api_and_bulk_dismisses() {
    let _turn = serial();
    runtime().block_on(async {
        let app = App::start(&[("rita", Role::Reviewer)]).await;
        crawl_ordinary_pages(&app);
        let browser = Browser::start(1280, 900).await;
        let client = &browser.client;
        log_in(&browser, &app, "rita", "/accounts").await;

        // All three accounts, then only the Alipay one after filtering by kind.
        let rows = within("rows", client.find_all(Locator::Css("#accounts tbody tr"))).await;
        assert_eq!(rows.len(), 3, "{}", page_text(&browser).await);
        let kind = within("kind filter", client.find(Locator::Id("kind"))).await;
        within("choose alipay", kind.select_by_value("alipay")).await;
        within("apply filter", client.find(Locator::Id("apply"))).await.click().await.unwrap();
        wait_for_url(&browser, "the filtered list", |at| {
            at.query_pairs().any(|(key, value)| key == "kind" && value == "alipay")
        })
        .await;
        let rows = within("rows", client.find_all(Locator::Css("#accounts tbody tr"))).await;
        assert_eq!(rows.len(), 1);
        let link = within("account link", client.find(Locator::LinkText("13812345678"))).await;
        link.click().await.unwrap();

        // The account page: the identifier highlighted in its context, then the review.
        within("account page", client.wait().for_element(Locator::Id("review-form"))).await;
        let mark = within("highlight", client.find(Locator::Css(".context mark"))).await;
        assert_eq!(within("highlight text", mark.text()).await, "13812345678");
        let status = within("status select", client.find(Locator::Id("review-status"))).await;
        within("choose confirmed", status.select_by_value("confirmed")).await;
        let note = within("note", client.find(Locator::Id("review-note"))).await;
        note.send_keys("paid by a victim on 11-19").await.unwrap();
        within("save", client.find(Locator::Id("review-save"))).await.click().await.unwrap();
        within("notice", client.wait().for_element(Locator::Css("p.notice"))).await;
        let badge = within("status badge", client.find(Locator::Id("status"))).await;
        assert_eq!(within("status text", badge.text()).await, "confirmed");
        let audit = within("audit table", client.find(Locator::Id("audit"))).await;
        let audit = within("audit text", audit.text()).await;
        assert!(audit.contains("rita") && audit.contains("new → confirmed"), "{audit}");
        let account = app.db.account(Kind::Alipay, "13812345678").unwrap().unwrap();
        assert_eq!(account.status, Status::Confirmed);

        // The same session reads the watchlist feed: the confirmation is in it.
        let feed = within(
            "fetch the watchlist",
            client.execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch('/api/v1/watchlist').then(r => r.json().then(j => done([r.status, j])))
                     .catch(e => done([0, String(e)]));",
                vec![],
            ),
        )
        .await;
        assert_eq!(feed[0], 200, "{feed}");
        let changes = feed[1]["changes"].as_array().unwrap_or_else(|| panic!("no changes: {feed}"));
        let confirmed: Vec<&Value> = changes
            .iter()
            .filter(|change| change["kind"] == "alipay" && change["value"] == "13812345678")
            .collect();
        assert_eq!(confirmed.len(), 1, "{feed}");
        assert_eq!(confirmed[0]["after"], "confirmed", "{feed}");
        assert_eq!(confirmed[0]["reviewer"], "rita", "{feed}");

        // Bulk review with the page's script (loaded from /static under the CSP): "select
        // all" ticks every row and the count follows; "/" jumps to the search box.
        within("open the list", client.goto(&app.url("/accounts?kind=qq"))).await;
        let focused = within(
            "press /",
            client.execute(
                "document.dispatchEvent(new KeyboardEvent('keydown', {key: '/', bubbles: true}));
                 return document.activeElement.id;",
                vec![],
            ),
        )
        .await;
        assert_eq!(focused, "q", "the / shortcut focuses the search box");
        within("select all", client.find(Locator::Id("select-all"))).await.click().await.unwrap();
        let count = within("count", client.find(Locator::Id("selected-count"))).await;
        assert_eq!(within("count text", count.text()).await, "1 selected");
        let bulk = within("bulk status", client.find(Locator::Id("bulk-status"))).await;
        within("choose dismissed", bulk.select_by_value("dismissed")).await;
        within("apply", client.find(Locator::Id("bulk-apply"))).await.click().await.unwrap();
        wait_for_url(&browser, "the list after the bulk review", |at| {
            at.path() == "/accounts" && at.query_pairs().any(|(key, _)| key == "updated")
        })
        .await;
        let notice = within("notice", client.find(Locator::Css("p.notice"))).await;
        assert_eq!(within("notice text", notice.text()).await, "1 account(s) set to dismissed.");
        let qq = app.db.account(Kind::Qq, "123456789").unwrap().unwrap();
        assert_eq!(qq.status, Status::Dismissed);
        browser.close().await;
    });
}

/// Crawled text that would run script if it reached the page as markup. Each payload sets
/// `window.__xss` (to a number saying which one ran) or the title.
const SCRIPT: &str = "<script>window.__xss=1;document.title='XSS'</script>";
const IMG: &str = "<img src=x onerror=\"window.__xss=2\">";
const QUOTES: &str = "\"' onmouseover='window.__xss=4' x=\"";
const JS_URL: &str = "javascript:window.__xss=3";
const AUTHOR: &str = "\"><img src=x onerror=window.__xss=6>";
const WECHAT: &str = "x\"><svg onload=window.__xss=7>";

fn crawl_hostile_pages(app: &App) {
    let context = format!("{SCRIPT} 支付宝 13912345678 {IMG} {QUOTES}");
    let body = format!(
        "<html><head><meta charset=\"utf-8\"><title>t</title></head><body>{SCRIPT}<p>支付宝 \
         13912345678</p>{IMG}<a href=\"{JS_URL}\">{QUOTES}</a><p>微信 {WECHAT}</p></body></html>"
    );
    app.crawl(&CrawledPage {
        site: "evil",
        url: JS_URL,
        body: &body,
        findings: vec![
            Found {
                kind: Kind::Alipay,
                value: "13912345678",
                context: &context,
                score: 0.9,
                post: Some(PostRef {
                    permalink: "javascript:window.__xss=5".into(),
                    author: Some(AUTHOR.into()),
                    posted: Some(format!("2026-11-20 {QUOTES}")),
                    text: context.clone(),
                }),
            },
            Found {
                kind: Kind::Wechat,
                value: WECHAT,
                context: &format!("微信 {WECHAT} {SCRIPT}"),
                score: 0.7,
                post: None,
            },
        ],
        at_ms: T0,
    });
    app.db
        .put_site(&SiteState {
            name: "evil".into(),
            epoch: 1,
            crawl_started_ms: Some(T0),
            last_error: Some(format!("{SCRIPT}{IMG}")),
            ..SiteState::default()
        })
        .expect("put_site");
}

/// Fails if any payload ran or became markup on the current page.
async fn assert_inert(browser: &Browser, page: &str) {
    let found = within(
        "inspect the page",
        browser.client.execute(
            "return {
                xss: window.__xss === undefined ? null : String(window.__xss),
                title: document.title,
                injected: document.querySelectorAll(
                    '[onerror], [onload], [onmouseover], img, svg:not(.chart), script:not([src])'
                ).length,
                jsLinks: Array.from(document.querySelectorAll('a[href]'))
                    .filter(a => !/^https?:$/.test(new URL(a.href, location.href).protocol)).length,
            };",
            vec![],
        ),
    )
    .await;
    assert_eq!(found["xss"], Value::Null, "a payload ran on {page}: {found}");
    assert!(!found["title"].as_str().unwrap_or_default().contains("XSS"), "{page}: {found}");
    assert_eq!(found["injected"], 0, "crawled text became elements on {page}: {found}");
    assert_eq!(found["jsLinks"], 0, "a non-http link on {page}: {found}");
}

#[test]
fn crawled_script_handlers_and_javascript_links_are_shown_as_text_and_run_nothing() {
    let _turn = serial();
    runtime().block_on(async {
        let app = App::start(&[("rita", Role::Reviewer)]).await;
        crawl_hostile_pages(&app);
        let browser = Browser::start(1280, 900).await;
        let client = &browser.client;
        log_in(&browser, &app, "rita", "/accounts").await;
        assert_inert(&browser, "/accounts").await;
        let text = page_text(&browser).await;
        assert!(text.contains(WECHAT), "the hostile value is shown literally: {text}");

        // The account page: context, post, page body and URL, all literal.
        let link = within("account link", client.find(Locator::LinkText("13912345678"))).await;
        link.click().await.unwrap();
        within("account page", client.wait().for_element(Locator::Css("details summary"))).await;
        within("open the body", client.find(Locator::Css("details summary")))
            .await
            .click()
            .await
            .unwrap();
        assert_inert(&browser, "the account page").await;
        let context = within("context", client.find(Locator::Css(".context"))).await;
        let context = within("context text", context.text()).await;
        assert!(context.contains(SCRIPT) && context.contains(IMG), "{context}");
        assert!(context.contains(QUOTES.trim()), "{context}");
        let body = within("body", client.find(Locator::Css("pre.body"))).await;
        let body = within("body text", body.text()).await;
        assert!(body.contains(SCRIPT) && body.contains(JS_URL), "the body is text: {body}");
        let body_mark = within("body highlight", client.find(Locator::Css("pre.body mark"))).await;
        assert_eq!(within("mark", body_mark.text()).await, "13912345678");
        let text = page_text(&browser).await;
        assert!(text.contains(JS_URL) && text.contains(AUTHOR), "shown as text: {text}");

        // The hostile WeChat value: its link in the list must reach its own page.
        within("open the list", client.goto(&app.url("/accounts"))).await;
        let link = within("wechat link", client.find(Locator::LinkText(WECHAT))).await;
        link.click().await.unwrap();
        within("wechat page", client.wait().for_element(Locator::Id("identifier"))).await;
        let shown = within("identifier", client.find(Locator::Id("identifier"))).await;
        assert_eq!(within("identifier text", shown.text()).await, WECHAT);
        assert_inert(&browser, "the WeChat account page").await;

        for path in ["/", "/sites"] {
            within("open", client.goto(&app.url(path))).await;
            assert_inert(&browser, path).await;
        }
        let text = page_text(&browser).await;
        assert!(text.contains(SCRIPT), "the site's last error is shown literally: {text}");
        browser.close().await;
    });
}

#[test]
fn a_review_form_posted_without_its_csrf_token_is_refused_and_changes_nothing() {
    let _turn = serial();
    runtime().block_on(async {
        let app = App::start(&[("rita", Role::Reviewer)]).await;
        crawl_ordinary_pages(&app);
        let browser = Browser::start(1280, 900).await;
        let client = &browser.client;
        log_in(&browser, &app, "rita", "/accounts/alipay/13812345678").await;
        for (what, script) in [
            (
                "without a token",
                "document.querySelector('#review-form input[name=csrf]').remove();",
            ),
            (
                "with a wrong token",
                "document.querySelector('#review-form input[name=csrf]').value = 'forged';",
            ),
        ] {
            within("open the account", client.goto(&app.url("/accounts/alipay/13812345678"))).await;
            within("tamper", client.execute(script, vec![])).await;
            let status = within("status select", client.find(Locator::Id("review-status"))).await;
            within("choose confirmed", status.select_by_value("confirmed")).await;
            within("save", client.find(Locator::Id("review-save"))).await.click().await.unwrap();
            wait_for_url(&browser, "the review post", |at| at.path().ends_with("/review")).await;
            let heading = within("error page", client.find(Locator::Css("h1"))).await;
            assert_eq!(within("heading", heading.text()).await, "403 Forbidden", "{what}");
            assert!(page_text(&browser).await.contains("CSRF"), "{what}: the page says why");
            let account = app.db.account(Kind::Alipay, "13812345678").unwrap().unwrap();
            assert_eq!(account.status, Status::New, "{what}: nothing changed");
            assert!(app.db.audit(Kind::Alipay, "13812345678").unwrap().is_empty(), "{what}");
        }
        // The bulk form is guarded the same way.
        within("open the list", client.goto(&app.url("/accounts"))).await;
        within(
            "tamper",
            client
                .execute("document.querySelector('#bulk-form input[name=csrf]').remove();", vec![]),
        )
        .await;
        within("select all", client.find(Locator::Id("select-all"))).await.click().await.unwrap();
        let status = within("bulk status", client.find(Locator::Id("bulk-status"))).await;
        within("choose dismissed", status.select_by_value("dismissed")).await;
        within("apply", client.find(Locator::Id("bulk-apply"))).await.click().await.unwrap();
        wait_for_url(&browser, "the bulk post", |at| at.path() == "/accounts/bulk").await;
        let heading = within("error page", client.find(Locator::Css("h1"))).await;
        assert_eq!(within("heading", heading.text()).await, "403 Forbidden");
        for account in app.db.accounts(&Default::default()).unwrap() {
            assert_eq!(account.status, Status::New, "{}", account.value);
        }
        browser.close().await;
    });
}
