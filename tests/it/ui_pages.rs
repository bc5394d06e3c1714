//! The HTML pages over HTTP, without a browser: roles and CSRF on every form, the admin site
//! actions, the login rate limit as the form shows it, filters that say what is wrong, 404
//! pages, bulk review, and the versioned static files. The browser tests (`browser.rs`)
//! cover what needs a real browser: script that must not run, and the reviewer's journey.

use otcwatch::extract::Kind;
use otcwatch::store::{Role, SiteState, Status};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};

use crate::support::ui_app::{App, CrawledPage, Found, PASSWORD};

/// A client that does not follow redirects, so each 303 can be checked.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

/// A logged-in user: the session cookie and the CSRF token the pages carry.
struct Session {
    cookie: String,
    csrf: String,
}

async fn start() -> App {
    let app =
        App::start(&[("vera", Role::Viewer), ("rita", Role::Reviewer), ("ada", Role::Admin)]).await;
    app.crawl(&CrawledPage {
        site: "forum",
        url: "https://forum.example/t/1",
        body: "<p>出U 支付宝 13812345678 QQ 123456789</p>",
        findings: vec![
            Found {
                kind: Kind::Alipay,
                value: "13812345678",
                context: "出U 支付宝 13812345678",
                score: 0.9,
                post: None,
            },
            Found {
                kind: Kind::Qq,
                value: "123456789",
                context: "QQ 123456789",
                score: 0.6,
                post: None,
            },
        ],
        at_ms: 1_795_161_600_000,
    });
    app.db
        .put_site(&SiteState { name: "forum".into(), epoch: 1, ..SiteState::default() })
        .expect("put_site");
    app
}

/// Posts the login form as a browser does: the form page first, for its CSRF cookie and token.
async fn login_post(app: &App, form: &[(&str, &str)]) -> reqwest::Response {
    let page = client().get(app.url("/login")).send().await.expect("GET /login");
    let cookie =
        page.headers()[SET_COOKIE].to_str().expect("ASCII").split(';').next().expect("pair");
    let cookie = cookie.to_owned();
    let html = page.text().await.expect("the login form");
    let token = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the login form carries a CSRF token")
        .to_owned();
    let mut fields = vec![("csrf", token.as_str())];
    fields.extend_from_slice(form);
    client()
        .post(app.url("/login"))
        .header(COOKIE, cookie)
        .form(&fields)
        .send()
        .await
        .expect("POST /login")
}

async fn log_in(app: &App, user: &str) -> Session {
    let response =
        login_post(app, &[("user", user), ("password", PASSWORD), ("next", "/accounts")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "login as {user}");
    assert_eq!(response.headers()[LOCATION], "/accounts");
    let set_cookie = response.headers()[SET_COOKIE].to_str().expect("an ASCII cookie");
    let cookie = set_cookie.split(';').next().expect("a cookie pair").to_owned();
    let page = get(app, &cookie, "/").await;
    assert_eq!(page.0, StatusCode::OK);
    let csrf = page
        .1
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the logout form carries the CSRF token")
        .to_owned();
    Session { cookie, csrf }
}

async fn get(app: &App, cookie: &str, path: &str) -> (StatusCode, String) {
    let response = client()
        .get(app.url(path))
        .header(COOKIE, cookie)
        .header(ACCEPT, "text/html")
        .send()
        .await
        .expect("GET");
    let status = response.status();
    (status, response.text().await.expect("a body"))
}

async fn post(
    app: &App,
    session: &Session,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut fields = vec![("csrf", session.csrf.as_str())];
    fields.extend_from_slice(form);
    client()
        .post(app.url(path))
        .header(COOKIE, &session.cookie)
        .form(&fields)
        .send()
        .await
        .expect("POST")
}

#[tokio::test]
async fn an_anonymous_browser_is_sent_to_login_and_back() {
    let app = start().await;
    let response = client()
        .get(app.url("/accounts?kind=qq"))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login?next=%2Faccounts%3Fkind%3Dqq");
    let (status, form) = get(&app, "", "/login?next=%2Faccounts%3Fkind%3Dqq").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("name=\"next\" value=\"/accounts?kind=qq\""), "{form}");
    // A `next` with text a header cannot carry is percent-encoded, not a failure.
    let response = login_post(
        &app,
        &[("user", "rita"), ("password", PASSWORD), ("next", "/accounts?q=微信 号")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/accounts?q=%E5%BE%AE%E4%BF%A1%20%E5%8F%B7");
    // A `next` that leaves the server is replaced by the dashboard.
    let (_, form) = get(&app, "", "/login?next=%2F%2Fevil.example%2F").await;
    assert!(form.contains("name=\"next\" value=\"/\""), "{form}");
}

#[tokio::test]
async fn failed_logins_say_so_and_the_rate_limit_is_shown_on_the_form() {
    let app = start().await;
    for _ in 0..otcwatch::web::auth::USER_FAILURES {
        let response = login_post(&app, &[("user", "rita"), ("password", "wrong")]).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let page = response.text().await.expect("a body");
        assert!(page.contains("Wrong user name or password"), "{page}");
    }
    // Past the limit even the right password is refused, and the form says for how long.
    let response = login_post(&app, &[("user", "rita"), ("password", PASSWORD)]).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // No session: the only cookie is the re-shown form's CSRF token.
    assert!(response.headers().get_all(SET_COOKIE).iter().all(|c| {
        !c.to_str().unwrap_or_default().starts_with(otcwatch::web::auth::SESSION_COOKIE)
    }));
    let page = response.text().await.expect("a body");
    assert!(page.contains("Too many failed logins. Wait"), "{page}");
    assert!(page.contains("value=\"rita\""), "the user name is kept: {page}");
}

#[tokio::test]
async fn a_viewer_reads_but_cannot_review() {
    let app = start().await;
    let vera = log_in(&app, "vera").await;
    let (status, page) = get(&app, &vera.cookie, "/accounts/alipay/13812345678").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("13812345678") && !page.contains("id=\"review-form\""), "{page}");
    let response =
        post(&app, &vera, "/accounts/alipay/13812345678/review", &[("status", "confirmed")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.expect("a body").contains("reviewer role"));
    let response =
        post(&app, &vera, "/accounts/bulk", &[("status", "dismissed"), ("id", "qq:123456789")])
            .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    for account in app.db.accounts(&Default::default()).expect("accounts") {
        assert_eq!(account.status, Status::New);
    }
}

#[tokio::test]
async fn a_bulk_review_changes_every_selected_account_and_returns_to_the_list() {
    let app = start().await;
    let rita = log_in(&app, "rita").await;
    let form = [
        ("status", "dismissed"),
        ("note", "shop numbers"),
        ("id", "alipay:13812345678"),
        ("id", "qq:123456789"),
        ("back", "kind=qq&sort=value"),
    ];
    let response = post(&app, &rita, "/accounts/bulk", &form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/accounts?kind=qq&sort=value&updated=2&to=dismissed");
    for (kind, value) in [(Kind::Alipay, "13812345678"), (Kind::Qq, "123456789")] {
        let account = app.db.account(kind, value).expect("read").expect("an account");
        assert_eq!(
            (account.status, account.note.as_deref()),
            (Status::Dismissed, Some("shop numbers"))
        );
        assert_eq!(app.db.audit(kind, value).expect("audit").len(), 1);
    }
    let (_, page) = get(&app, &rita.cookie, "/accounts?updated=2&to=dismissed").await;
    assert!(page.contains("2 account(s) set to dismissed."), "{page}");
    // Nothing selected, or an id that is not KIND:VALUE: a 400 that says what to do.
    let response = post(&app, &rita, "/accounts/bulk", &[("status", "confirmed")]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.expect("a body").contains("no account selected"));
    let response =
        post(&app, &rita, "/accounts/bulk", &[("status", "confirmed"), ("id", "paypal:x")]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn logout_needs_the_token_and_ends_the_session() {
    let app = start().await;
    let rita = log_in(&app, "rita").await;
    let forged = Session { cookie: rita.cookie.clone(), csrf: "forged".into() };
    let response = post(&app, &forged, "/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(get(&app, &rita.cookie, "/").await.0, StatusCode::OK, "still logged in");
    let response = post(&app, &rita, "/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login");
    let cleared = response.headers()[SET_COOKIE].to_str().expect("ascii");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let (status, _) = get(&app, &rita.cookie, "/").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the old cookie no longer works");
}

#[tokio::test]
async fn bad_filters_get_a_400_that_says_what_to_fix() {
    let app = start().await;
    let rita = log_in(&app, "rita").await;
    let (status, page) =
        get(&app, &rita.cookie, "/accounts?kind=paypal&min_score=high&first_from=soon").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("unknown kind"), "{page}");
    assert!(page.contains("give a number from 0 to 1"), "{page}");
    assert!(page.contains("give a date as YYYY-MM-DD"), "{page}");
    let (status, page) = get(&app, &rita.cookie, "/accounts?kind=qq&sort=value").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("123456789") && !page.contains("13812345678"), "{page}");
}

#[tokio::test]
async fn the_list_pages_filters_by_date_and_keeps_the_filters_across_pages() {
    let app = start().await;
    let values: Vec<String> = (0..60).map(|n| format!("{}", 100_000_000 + n)).collect();
    let body = values.join(" ");
    let day = 24 * 3600 * 1000;
    app.crawl(&CrawledPage {
        site: "board",
        url: "https://board.example/list",
        body: &body,
        findings: values
            .iter()
            .map(|value| Found { kind: Kind::Qq, value, context: "QQ", score: 0.3, post: None })
            .collect(),
        at_ms: 1_795_161_600_000 + 3 * day,
    });
    let rita = log_in(&app, "rita").await;
    // 61 QQ accounts: 50 on the first page, the next link keeps the kind.
    let (status, page) = get(&app, &rita.cookie, "/accounts?kind=qq&sort=value").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Showing 1–50 of 61."), "{page}");
    assert!(page.contains("href=\"/accounts?kind=qq&#38;sort=value&#38;page=2\""), "{page}");
    let (_, page) = get(&app, &rita.cookie, "/accounts?kind=qq&sort=value&page=2").await;
    assert!(page.contains("Showing 51–61 of 61.") && page.contains("rel=\"prev\""), "{page}");
    // A page past the end shows the last one.
    let (_, page) = get(&app, &rita.cookie, "/accounts?kind=qq&page=9").await;
    assert!(page.contains("Showing 51–61 of 61."), "{page}");
    // First seen from the board's day: only its 60; the forum's QQ number is older.
    let (_, page) = get(&app, &rita.cookie, "/accounts?kind=qq&first_from=2026-11-23").await;
    assert!(page.contains("of 60.") && !page.contains(">123456789<"), "{page}");
    // OTC only: the forum's advert (Alipay and QQ), not the board's QQ numbers.
    let (_, page) = get(&app, &rita.cookie, "/accounts?otc=1").await;
    assert!(page.contains("Showing 1–2 of 2."), "{page}");
    assert!(page.contains(">13812345678<") && !page.contains(">100000000<"), "{page}");
}

#[tokio::test]
async fn unknown_accounts_and_kinds_are_404_pages() {
    let app = start().await;
    let rita = log_in(&app, "rita").await;
    for path in ["/accounts/qq/999999", "/accounts/paypal/x", "/accounts/qq/%00"] {
        let (status, page) = get(&app, &rita.cookie, path).await;
        assert!(status.is_client_error(), "{path}: {status}");
        assert!(page.contains("<h1>"), "{path}: an HTML page: {page}");
    }
    let response =
        post(&app, &rita, "/accounts/qq/999999/review", &[("status", "confirmed")]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(app.db.account(Kind::Qq, "999999").expect("read").is_none());
}

#[tokio::test]
async fn admins_pause_resume_recrawl_and_add_sites_and_others_cannot() {
    let app = start().await;
    let rita = log_in(&app, "rita").await;
    let response = post(&app, &rita, "/sites/forum/pause", &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (_, page) = get(&app, &rita.cookie, "/sites").await;
    assert!(!page.contains("/sites/forum/pause"), "no admin forms for a reviewer: {page}");

    let ada = log_in(&app, "ada").await;
    let response = post(&app, &ada, "/sites/forum/pause", &[]).await;
    assert_eq!(response.headers()[LOCATION], "/sites?done=pause");
    assert!(app.db.site("forum").expect("read").expect("a site").paused);
    post(&app, &ada, "/sites/forum/resume", &[]).await;
    assert!(!app.db.site("forum").expect("read").expect("a site").paused);
    let before = otcwatch_now();
    post(&app, &ada, "/sites/forum/recrawl", &[]).await;
    let due = app.db.site("forum").expect("read").expect("a site").next_crawl_ms.expect("due");
    assert!(due >= before, "re-crawl is due now");
    let response = post(&app, &ada, "/sites/nosuch/pause", &[]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(app.db.site("nosuch").expect("read").is_none(), "no state made up");

    let response =
        post(&app, &ada, "/sites/add", &[("name", "shop"), ("url", "https://shop.example/")]).await;
    assert_eq!(response.headers()[LOCATION], "/sites?done=added");
    let added = app.db.added_sites().expect("added sites");
    assert_eq!((added[0].name.as_str(), added[0].added_by.as_str()), ("shop", "ada"));
    for (name, url) in [
        ("shop2", "javascript:alert(1)"),
        ("bad name", "https://x.example/"),
        ("forum", "https://x.example/"),
    ] {
        let response = post(&app, &ada, "/sites/add", &[("name", name), ("url", url)]).await;
        assert!(response.status().is_client_error(), "{name} {url}: {}", response.status());
    }
    assert_eq!(app.db.added_sites().expect("added sites").len(), 1);
    // Without the token nothing happens.
    let response = client()
        .post(app.url("/sites/forum/pause"))
        .header(COOKIE, &ada.cookie)
        .form(&[("csrf", "")])
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(!app.db.site("forum").expect("read").expect("a site").paused);
}

#[tokio::test]
async fn static_files_are_versioned_by_content() {
    let app = start().await;
    let rita = log_in(&app, "rita").await;
    let (_, page) = get(&app, &rita.cookie, "/").await;
    let css = page
        .split("href=\"")
        .find_map(|rest| {
            rest.split('"').next().filter(|href| href.starts_with("/static/ui.css?v="))
        })
        .expect("the page links the stylesheet")
        .to_owned();
    let response = client().get(app.url(&css)).send().await.expect("GET css");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(response.headers()[CACHE_CONTROL].to_str().expect("ascii").contains("immutable"));
    let stale = client().get(app.url("/static/ui.css?v=old")).send().await.expect("GET css");
    assert_eq!(stale.headers()[CACHE_CONTROL], "no-cache");
    let missing = client().get(app.url("/static/nope.js")).send().await.expect("GET");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

fn otcwatch_now() -> u64 {
    let since =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
    u64::try_from(since.as_millis()).expect("ms fit u64")
}

#[tokio::test]
async fn a_login_post_without_the_forms_token_is_refused() {
    let app = start().await;
    // As another site would send it: the right password, no token, no cookie.
    let response = client()
        .post(app.url("/login"))
        .form(&[("user", "rita"), ("password", PASSWORD)])
        .send()
        .await
        .expect("POST /login");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get_all(SET_COOKIE).iter().all(|c| {
        !c.to_str().unwrap_or_default().starts_with(otcwatch::web::auth::SESSION_COOKIE)
    }));
    let page = response.text().await.expect("a body");
    assert!(page.contains("This login form expired"), "{page}");
    // A token in the field that does not match the cookie is refused as well.
    let response = client()
        .post(app.url("/login"))
        .header(COOKIE, "otcwatch_login_csrf=aaaa")
        .form(&[("csrf", "bbbb"), ("user", "rita"), ("password", PASSWORD)])
        .send()
        .await
        .expect("POST /login");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
