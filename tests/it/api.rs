//! The web server through HTTP: the real router served on 127.0.0.1:0 over a real sled store
//! filled through `Db::commit_page`. Covers auth
//! on every route, roles, tokens, sessions and their cookies, CSRF, the login rate limit, the
//! account filters, the watchlist cursor under concurrent reviews, the OpenAPI document, the
//! error bodies and the security headers. The real binary is in `serve.rs`.

use otcwatch::extract::Kind;
use otcwatch::store::{Db, FindingRecord, PageCommit, Role, UrlRecord};
use otcwatch::web::api::{Access, routes};
use otcwatch::web::{AppState, Options};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

/// How long one HTTP exchange may take before the test fails: only catches hangs.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// 2023-11-14T22:13:20Z, the first crawl of the fixture.
const T0: u64 = 1_700_000_000_000;
const DAY: u64 = 86_400_000;

/// A server on 127.0.0.1:0 over a filled store, with a token per role.
struct Server {
    base: String,
    db: Db,
    viewer: String,
    reviewer: String,
    admin: String,
    client: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

/// Fills the store: four accounts on three pages of two sites, on three days.
pub(crate) fn fill(db: &Db) {
    let finding = |kind, value: &str, score, otc| FindingRecord {
        kind,
        value: value.to_string(),
        raw: value.to_string(),
        otc,
        score,
        context: format!("收U 出U 联系 {value}"),
        span: (12, 12 + value.len()),
        validation: None,
        warning: None,
        post: None,
    };
    let pages = [
        (
            "forum",
            "http://forum.test/a",
            T0,
            vec![
                finding(Kind::Alipay, "13800138000", 0.9, true),
                finding(Kind::Tron, "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8", 0.8, true),
            ],
        ),
        (
            "blog",
            "http://blog.test/b",
            T0 + DAY,
            vec![finding(Kind::Email, "dealer@example.com", 0.4, false)],
        ),
        (
            "forum",
            "http://forum.test/c",
            T0 + 2 * DAY,
            vec![finding(Kind::Wechat, "wx_dealer88", 0.7, true)],
        ),
    ];
    for (site, url, at_ms, findings) in pages {
        db.enqueue(site, 1, url, 0, at_ms).expect("test setup");
        let queued = db
            .due(site, at_ms, 10)
            .expect("test setup")
            .into_iter()
            .find(|q| q.url == url)
            .expect("the URL is due");
        let commit = PageCommit {
            queued,
            record: UrlRecord { status: Some(200), ..UrlRecord::default() },
            body: Some(format!("<p>{url}</p>").into_bytes()),
            findings,
            fetched_ms: at_ms,
            final_url: url.to_string(),
        };
        db.commit_page(commit).expect("test setup");
    }
    db.flush().expect("test setup");
}

async fn start(options: Options) -> Server {
    let dir = tempfile::tempdir().expect("test setup");
    let db = Db::open(&dir.path().join("db")).expect("test setup");
    fill(&db);
    let token = |role| db.create_token("test", role, T0).expect("test setup").1;
    let (viewer, reviewer, admin) =
        (token(Role::Viewer), token(Role::Reviewer), token(Role::Admin));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("test setup");
    let addr = listener.local_addr().expect("test setup");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::new(db.clone(), &options);
    let shutdown = async {
        let _ = stopped.await;
    };
    tokio::spawn(otcwatch::web::serve_listener(listener, state, shutdown));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("test setup");
    Server {
        base: format!("http://{addr}"),
        db,
        viewer,
        reviewer,
        admin,
        client,
        _stop: stop,
        _dir: dir,
    }
}

/// What a response said: status, headers, body as JSON (`Null` when it is not JSON) and text.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: header::HeaderMap,
    pub(crate) json: Value,
    pub(crate) text: String,
}

impl Server {
    /// Sends `method path` with a Bearer `token` (none when empty) and an optional JSON body.
    async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Answer {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = with_json(request, &body);
        }
        send(request).await
    }

    async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, token, None).await
    }
}

pub(crate) fn with_json(request: reqwest::RequestBuilder, body: &Value) -> reqwest::RequestBuilder {
    request.header(header::CONTENT_TYPE, "application/json").body(body.to_string())
}

pub(crate) async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = tokio::time::timeout(IO_TIMEOUT, request.send())
        .await
        .expect("the server hung")
        .expect("HTTP request");
    let status = response.status();
    let headers = response.headers().clone();
    let text = tokio::time::timeout(IO_TIMEOUT, response.text())
        .await
        .expect("the body hung")
        .expect("HTTP body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, headers, json, text }
}

/// Asserts an error answer: this status and a JSON body with `error` and `hint`.
#[track_caller]
fn assert_error(answer: &Answer, status: StatusCode) -> (String, String) {
    assert_eq!(answer.status, status, "{}", answer.text);
    let error =
        answer.json["error"].as_str().unwrap_or_else(|| panic!("no error: {}", answer.text));
    let hint = answer.json["hint"].as_str().unwrap_or_else(|| panic!("no hint: {}", answer.text));
    assert!(!error.is_empty() && !hint.is_empty());
    (error.to_string(), hint.to_string())
}

/// A route's path with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{kind}", "alipay")
        .replace("{value}", "13800138000")
        .replace("{id}", "000000000000")
}

/// The bodies that get a valid request past the extractors of each write route.
fn body_for(method: &Method, path: &str) -> Option<Value> {
    match (method.as_str(), path) {
        ("POST", "/api/v1/session") => Some(json!({ "user": "nobody", "password": "x" })),
        ("POST", "/api/v1/tokens") => Some(json!({ "role": "viewer", "name": "walk" })),
        ("POST", "/api/v1/reviews") => Some(json!({
            "status": "confirmed",
            "accounts": [{ "kind": "alipay", "value": "13800138000" }],
        })),
        ("POST", _) => Some(json!({ "status": "confirmed" })),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_but_health_and_login_needs_auth_and_its_role() {
    let server = start(Options::default()).await;
    let table = routes().routes;
    assert!(table.len() >= 15, "the table lists the routes: {table:?}");
    for route in &table {
        let path = concrete(route.path);
        let body = body_for(&route.method, route.path);
        let anonymous = server.call(route.method.clone(), &path, "", body.clone()).await;
        let forged = server
            .call(route.method.clone(), &path, "otcw_0123456789ab_forged", body.clone())
            .await;
        match route.access {
            Access::Public => {
                // Login answers 401 to a wrong password, so only check that it is routed.
                let unrouted = [StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED];
                assert!(!unrouted.contains(&anonymous.status), "{route:?}: {}", anonymous.text);
            }
            Access::Role(need) => {
                assert_error(&anonymous, StatusCode::UNAUTHORIZED);
                assert_error(&forged, StatusCode::UNAUTHORIZED);
                for (role, token) in [
                    (Role::Viewer, &server.viewer),
                    (Role::Reviewer, &server.reviewer),
                    (Role::Admin, &server.admin),
                ] {
                    let answer =
                        server.call(route.method.clone(), &path, token, body.clone()).await;
                    if role < need {
                        let (error, _) = assert_error(&answer, StatusCode::FORBIDDEN);
                        assert!(error.contains(need.as_str()), "{error}");
                    } else {
                        // Past auth, and routed with this method: the table matches the router.
                        let refused = [
                            StatusCode::UNAUTHORIZED,
                            StatusCode::FORBIDDEN,
                            StatusCode::METHOD_NOT_ALLOWED,
                        ];
                        assert!(
                            !refused.contains(&answer.status),
                            "{route:?} as {role}: {}",
                            answer.text
                        );
                        let unrouted = answer.status == StatusCode::NOT_FOUND
                            && answer.json["error"]
                                .as_str()
                                .is_some_and(|e| e.starts_with("no route"));
                        assert!(!unrouted, "{route:?} is not routed");
                    }
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_matches_the_routes_both_ways() {
    let server = start(Options::default()).await;
    let doc = server.get("/api/v1/openapi.json", &server.viewer).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.json["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc.json["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let routed: BTreeSet<(String, String)> =
        routes().routes.iter().map(|r| (r.method.to_string(), r.path.to_string())).collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(undocumented.is_empty(), "routes missing from the document: {undocumented:?}");
    assert!(unrouted.is_empty(), "documented but not routed: {unrouted:?}");
    // Every `$ref` points at something the document defines.
    let mut refs = Vec::new();
    collect_refs(&doc.json, &mut refs);
    assert!(refs.len() > 20, "{refs:?}");
    for reference in refs {
        let pointer =
            reference.strip_prefix('#').unwrap_or_else(|| panic!("external $ref {reference}"));
        assert!(doc.json.pointer(pointer).is_some(), "dangling $ref {reference}");
    }
    // Security in the document is what the server enforces (the walk above checks that).
    assert_eq!(doc.json["paths"]["/healthz"]["get"]["security"], json!([]));
    assert_eq!(doc.json["paths"]["/api/v1/reviews"]["post"]["x-required-role"], "reviewer");
}

/// Every `$ref` value in `value`.
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item.as_str()) {
                    ("$ref", Some(reference)) => out.push(reference.to_string()),
                    _ => collect_refs(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_filter_sort_and_page() {
    let server = start(Options::default()).await;
    let values = |answer: &Answer| -> Vec<String> {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        answer.json["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["value"].as_str().unwrap().to_string())
            .collect()
    };
    let list =
        async |query: &str| server.get(&format!("/api/v1/accounts{query}"), &server.viewer).await;
    assert_eq!(values(&list("").await).len(), 4);
    assert_eq!(values(&list("?kind=wechat").await), ["wx_dealer88"]);
    assert_eq!(values(&list("?site=blog").await), ["dealer@example.com"]);
    assert_eq!(values(&list("?otc=false").await).len(), 4);
    assert_eq!(
        values(&list("?otc=true&sort=value").await),
        ["13800138000", "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8", "wx_dealer88"]
    );
    assert_eq!(
        values(&list("?min_score=0.75&sort=-score").await),
        ["13800138000", "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"]
    );
    assert_eq!(values(&list("?q=DEALER&sort=value").await), ["dealer@example.com", "wx_dealer88"]);
    assert_eq!(
        values(&list("?first_seen_after=2023-11-15T12:00:00Z&sort=first_seen").await),
        ["dealer@example.com", "wx_dealer88"]
    );
    assert_eq!(
        values(&list("?last_seen_before=2023-11-15T00:00:00Z&kind=tron").await),
        ["TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"]
    );
    let first = list("?sort=-last_seen&limit=3").await;
    assert_eq!(values(&first)[0], "wx_dealer88");
    assert_eq!(
        (first.json["total"].as_u64(), first.json["next_offset"].as_u64()),
        (Some(4), Some(3))
    );
    let second = list("?sort=-last_seen&limit=3&offset=3").await;
    assert_eq!(values(&second).len(), 1);
    assert_eq!(second.json["next_offset"], Value::Null);

    // Status: after a review, the filter sees it.
    let review = json!({ "status": "dismissed", "note": "a shop" });
    let answer = server
        .call(
            Method::POST,
            "/api/v1/accounts/email/dealer@example.com/review",
            &server.reviewer,
            Some(review),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(values(&list("?status=dismissed").await), ["dealer@example.com"]);
    assert_eq!(values(&list("?status=new").await).len(), 3);

    for (query, needle) in [
        ("?kind=paypal", "bank_card"),
        ("?status=maybe", "watchlisted"),
        ("?min_score=high", "0 to 1"),
        ("?sort=colour", "sightings"),
        ("?limit=0", "1 to 1000"),
        ("?first_seen_after=yesterday", "RFC 3339"),
        ("?colour=red", "min_score"),
    ] {
        let answer = list(query).await;
        let (error, hint) = assert_error(&answer, StatusCode::BAD_REQUEST);
        assert!(format!("{error} {hint}").contains(needle), "{query}: {error} / {hint}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_has_sightings_links_and_audit() {
    let server = start(Options::default()).await;
    let path = "/api/v1/accounts/alipay/13800138000";
    let review = json!({ "status": "confirmed", "tags": ["otc"] });
    let answer =
        server.call(Method::POST, &format!("{path}/review"), &server.reviewer, Some(review)).await;
    assert_eq!(answer.json["change"]["reviewer"], "token:test");
    let answer = server.get(path, &server.viewer).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json["account"]["status"], "confirmed");
    assert_eq!(answer.json["sightings"][0]["url"], "http://forum.test/a");
    assert_eq!(answer.json["links"][0]["value"], "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8");
    let audit = answer.json["audit"].as_array().unwrap();
    // A value as a person types it finds the stored normal form.
    let typed = server.get("/api/v1/accounts/email/%20Dealer@EXAMPLE.com", &server.viewer).await;
    assert_eq!(typed.status, StatusCode::OK, "{}", typed.text);
    assert_eq!(typed.json["account"]["value"], "dealer@example.com");
    assert_eq!(
        (audit.len(), &audit[0]["before"], &audit[0]["after"]),
        (1, &json!("new"), &json!("confirmed"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_a_json_error_that_says_what_to_fix() {
    let options = Options { body_limit: 4096, ..Options::default() };
    let server = start(options).await;
    let review = async |path: &str, body| {
        server.call(Method::POST, path, &server.reviewer, Some(body)).await
    };

    let answer = server.get("/api/v1/accounts/paypal/x", &server.viewer).await;
    let (error, _) = assert_error(&answer, StatusCode::BAD_REQUEST);
    assert!(error.contains("alipay, wechat, qq"), "lists the kinds: {error}");
    let answer = server.get("/api/v1/accounts/alipay/nobody", &server.viewer).await;
    assert_error(&answer, StatusCode::NOT_FOUND);
    let answer =
        review("/api/v1/accounts/alipay/13800138000/review", json!({ "status": "great" })).await;
    let (error, _) = assert_error(&answer, StatusCode::BAD_REQUEST);
    assert!(error.contains("confirmed"), "{error}");
    let answer =
        review("/api/v1/accounts/alipay/13800138000/review", json!({ "stat": "new" })).await;
    assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY);

    let raw = |body: &'static str, content_type: &'static str| {
        server
            .client
            .post(format!("{}/api/v1/reviews", server.base))
            .bearer_auth(&server.reviewer)
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
    };
    let (_, hint) = assert_error(
        &send(raw("{\"status\": ", "application/json")).await,
        StatusCode::BAD_REQUEST,
    );
    assert!(hint.contains("well-formed JSON"), "{hint}");
    let (_, hint) =
        assert_error(&send(raw("{}", "text/plain")).await, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(hint.contains("application/json"), "{hint}");
    let huge = json!({ "status": "confirmed", "note": "x".repeat(10_000) });
    let (_, hint) =
        assert_error(&review("/api/v1/reviews", huge).await, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(hint.contains("limit"), "{hint}");

    let (error, hint) = assert_error(
        &server.get("/api/v1/watchlist?since=abc", &server.viewer).await,
        StatusCode::BAD_REQUEST,
    );
    assert!(error.contains("malformed cursor") && hint.contains("digits"), "{error} / {hint}");
    assert_error(
        &server.get("/api/v1/watchlist?since=-1", &server.viewer).await,
        StatusCode::BAD_REQUEST,
    );
    assert_error(
        &server.get("/api/v1/watchlist?since=99999999999999999999999", &server.viewer).await,
        StatusCode::BAD_REQUEST,
    );
    assert_error(&server.get("/api/v1/nothing", &server.viewer).await, StatusCode::NOT_FOUND);
    assert_error(
        &server.call(Method::PUT, "/api/v1/accounts", &server.viewer, None).await,
        StatusCode::METHOD_NOT_ALLOWED,
    );
    let answer =
        server.call(Method::DELETE, "/api/v1/tokens/ffffffffffff", &server.admin, None).await;
    assert_error(&answer, StatusCode::NOT_FOUND);

    // A bulk review naming one unknown account writes nothing, not even for the known ones.
    let bulk = json!({
        "status": "watchlisted",
        "accounts": [{ "kind": "alipay", "value": "13800138000" }, { "kind": "qq", "value": "404404" }],
    });
    let answer = review("/api/v1/reviews", bulk).await;
    let (error, _) = assert_error(&answer, StatusCode::NOT_FOUND);
    assert!(error.contains("qq:404404"), "{error}");
    assert_eq!(server.db.watchlist_cursor().unwrap(), 0);
    let account = server.db.account(Kind::Alipay, "13800138000").unwrap().unwrap();
    assert_eq!(account.status.as_str(), "new");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watchlist_cursor_misses_and_repeats_nothing_under_concurrent_reviews() {
    let server = std::sync::Arc::new(start(Options::default()).await);
    let accounts = [
        ("alipay", "13800138000"),
        ("tron", "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"),
        ("email", "dealer@example.com"),
        ("wechat", "wx_dealer88"),
    ];
    const PER_WRITER: usize = 15;
    let mut writers = Vec::new();
    for (writer, (kind, value)) in accounts.into_iter().enumerate() {
        let server = server.clone();
        writers.push(tokio::spawn(async move {
            let mut cursors = Vec::new();
            for n in 0..PER_WRITER {
                let status = ["confirmed", "watchlisted", "dismissed", "new"][(n + writer) % 4];
                let path = format!("/api/v1/accounts/{kind}/{value}/review");
                let body = json!({ "status": status, "note": format!("writer {writer} #{n}") });
                let answer = server.call(Method::POST, &path, &server.reviewer, Some(body)).await;
                assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
                cursors.push(
                    answer.json["change"]["cursor"].as_str().unwrap().parse::<u64>().unwrap(),
                );
            }
            cursors
        }));
    }
    // Poll while the writers run, in small pages, passing back each `next`.
    let mut seen: Vec<u64> = Vec::new();
    let mut since = "0".to_string();
    let poll = async |since: &mut String, seen: &mut Vec<u64>| {
        let answer =
            server.get(&format!("/api/v1/watchlist?since={since}&limit=7"), &server.viewer).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        for change in answer.json["changes"].as_array().unwrap() {
            seen.push(change["cursor"].as_str().unwrap().parse().unwrap());
        }
        *since = answer.json["next"].as_str().unwrap().to_string();
        answer.json["changes"].as_array().unwrap().len()
    };
    while !writers.iter().all(|writer| writer.is_finished()) {
        poll(&mut since, &mut seen).await;
    }
    let mut written = Vec::new();
    for writer in writers {
        written.extend(writer.await.unwrap());
    }
    while poll(&mut since, &mut seen).await > 0 {}
    let total = (accounts.len() * PER_WRITER) as u64;
    assert_eq!(seen, (1..=total).collect::<Vec<_>>(), "every change once, in order");
    written.sort_unstable();
    assert_eq!(written, seen, "the poller saw exactly the changes the writers made");
    assert_eq!(since, total.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_set_strict_cookies_require_csrf_and_end_at_logout() {
    let server = start(Options::default()).await;
    server.db.add_user("rita", Role::Reviewer, "correct horse", T0).unwrap();
    let login = json!({ "user": "rita", "password": "correct horse" });
    let answer = server.call(Method::POST, "/api/v1/session", "", Some(login)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let set_cookie = answer.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP without --tls-terminated: {set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let csrf = answer.json["csrf"].as_str().unwrap().to_string();
    assert_eq!(
        (answer.json["user"].as_str(), answer.json["role"].as_str()),
        (Some("rita"), Some("reviewer"))
    );

    let with_cookie = |method: Method, path: &str| {
        server
            .client
            .request(method, format!("{}{path}", server.base))
            .header(header::COOKIE, &cookie)
    };
    let whoami = send(with_cookie(Method::GET, "/api/v1/session")).await;
    assert_eq!(whoami.json["user"], "rita");
    let path = "/api/v1/accounts/wechat/wx_dealer88/review";
    let body = json!({ "status": "confirmed" });
    let no_csrf = send(
        with_cookie(Method::POST, path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_string()),
    )
    .await;
    let (error, _) = assert_error(&no_csrf, StatusCode::FORBIDDEN);
    assert!(error.contains("CSRF"), "{error}");
    let wrong = send(
        with_cookie(Method::POST, path)
            .header("x-csrf-token", "nope")
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_string()),
    )
    .await;
    assert_error(&wrong, StatusCode::FORBIDDEN);
    assert_eq!(server.db.watchlist_cursor().unwrap(), 0, "refused writes wrote nothing");
    let ok = send(
        with_cookie(Method::POST, path)
            .header("x-csrf-token", &csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_string()),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.json["change"]["reviewer"], "rita");

    let logout =
        send(with_cookie(Method::DELETE, "/api/v1/session").header("x-csrf-token", &csrf)).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT, "{}", logout.text);
    assert!(logout.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    assert_error(
        &send(with_cookie(Method::GET, "/api/v1/session")).await,
        StatusCode::UNAUTHORIZED,
    );

    // Behind a TLS proxy the cookie is Secure.
    let tls = start(Options { tls_terminated: true, ..Options::default() }).await;
    tls.db.add_user("rita", Role::Viewer, "correct horse", T0).unwrap();
    let login = json!({ "user": "rita", "password": "correct horse" });
    let answer = tls.call(Method::POST, "/api/v1/session", "", Some(login)).await;
    assert!(answer.headers[header::SET_COOKIE].to_str().unwrap().contains("; Secure"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_are_rate_limited_per_user_and_per_address() {
    let server = start(Options::default()).await;
    server.db.add_user("ana", Role::Viewer, "the password", T0).unwrap();
    server.db.add_user("ben", Role::Viewer, "his password", T0).unwrap();
    let login = |user: &str, password: &str| {
        server.call(
            Method::POST,
            "/api/v1/session",
            "",
            Some(json!({ "user": user, "password": password })),
        )
    };
    for _ in 0..otcwatch::web::auth::USER_FAILURES {
        assert_error(&login("ana", "guess").await, StatusCode::UNAUTHORIZED);
    }
    let limited = login("ana", "the password").await;
    let (error, hint) = assert_error(&limited, StatusCode::TOO_MANY_REQUESTS);
    assert!(error.contains("too many") && hint.contains("wait"), "{error} / {hint}");
    let retry: u64 = limited.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(
        login("ben", "his password").await.status,
        StatusCode::OK,
        "other users are not locked out"
    );
    let metrics = server.get("/metrics", &server.viewer).await;
    assert!(
        metrics.text.contains("otcwatch_logins_total{outcome=\"limited\"} 1"),
        "{}",
        metrics.text
    );

    // Per address: failures for many names from one address lock that address out.
    let server = start(Options::default()).await;
    server.db.add_user("ana", Role::Viewer, "the password", T0).unwrap();
    for n in 0..otcwatch::web::auth::IP_FAILURES {
        let login = json!({ "user": format!("guess{n}"), "password": "x" });
        let answer = server.call(Method::POST, "/api/v1/session", "", Some(login)).await;
        assert_error(&answer, StatusCode::UNAUTHORIZED);
    }
    let login = json!({ "user": "ana", "password": "the password" });
    let answer = server.call(Method::POST, "/api/v1/session", "", Some(login)).await;
    assert_error(&answer, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_are_on_every_response() {
    let server = start(Options::default()).await;
    for answer in [
        server.get("/healthz", "").await,
        server.get("/api/v1/accounts", "").await,
        server.get("/api/v1/accounts", &server.viewer).await,
        server.get("/no/such/page", "").await,
    ] {
        let csp = answer.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert_eq!(csp, otcwatch::web::CONTENT_SECURITY_POLICY);
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        assert_eq!(answer.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(answer.headers[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(answer.headers[header::X_FRAME_OPTIONS], "DENY");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_prometheus_text() {
    let server = start(Options::default()).await;
    let answer = server.get("/metrics", &server.viewer).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    for line in [
        "otcwatch_accounts{kind=\"alipay\"} 1",
        "otcwatch_pages_stored 3",
        "otcwatch_pages_fetched_total 3",
        "# TYPE otcwatch_fetch_errors_total counter",
        "otcwatch_watchlist_changes_total 0",
        "# TYPE otcwatch_logins_total counter",
    ] {
        assert!(answer.text.lines().any(|l| l == line), "missing {line:?} in\n{}", answer.text);
    }
    // Every sample line is `name{labels} value` after its family's HELP and TYPE.
    for line in answer.text.lines().filter(|l| !l.starts_with('#')) {
        let (_, value) = line.rsplit_once(' ').unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_without_a_session_is_sent_to_the_login_page() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("db")).unwrap();
    let state = AppState::new(db, &Options::default());
    // A page handler as the UI writes them.
    let page = axum::Router::new()
        .route("/accounts", axum::routing::get(|_: otcwatch::web::Principal| async { "page" }))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, page).await });
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let request =
        client.get(format!("http://{addr}/accounts?kind=qq")).header(header::ACCEPT, "text/html");
    let answer = send(request).await;
    assert!(answer.status.is_redirection(), "{}", answer.status);
    assert_eq!(answer.headers[header::LOCATION], "/login?next=%2Faccounts%3Fkind%3Dqq");
    let answer = send(client.get(format!("http://{addr}/accounts"))).await;
    assert_error(&answer, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_gets_a_4xx_and_never_a_5xx() {
    let server = start(Options::default()).await;
    let (viewer, reviewer, admin) = (&server.viewer, &server.reviewer, &server.admin);
    let get_cases = [
        ("/api/v1/accounts/alipay/%00", viewer.as_str()),
        ("/api/v1/accounts/alipay/%FF%FE", viewer),
        ("/api/v1/accounts/%00/x", viewer),
        ("/api/v1/accounts?kind=%00", viewer),
        ("/api/v1/accounts?offset=18446744073709551615&limit=1000", viewer),
        ("/api/v1/accounts?limit=18446744073709551616", viewer),
        ("/api/v1/accounts?min_score=NaN", viewer),
        ("/api/v1/watchlist?since=18446744073709551615", viewer),
        ("/api/v1/watchlist?since=%F0%9F%98%80", viewer),
        ("/api/v1/accounts", "otcw_zzzzzzzzzzzz_x"),
        ("/api/v1/accounts", "otcw__"),
    ];
    for (path, token) in get_cases {
        let answer = server.get(path, token).await;
        assert!(answer.status.as_u16() < 500, "{path}: {} {}", answer.status, answer.text);
    }
    let requests = [
        ("Cookie", "otcwatch_session=%%%; otcwatch_session="),
        ("Authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"),
        ("Authorization", "Bearer "),
        ("Accept", "text/html"),
    ];
    for (name, value) in requests {
        let request =
            server.client.get(format!("{}/api/v1/sites", server.base)).header(name, value);
        assert_error(&send(request).await, StatusCode::UNAUTHORIZED);
    }
    let post_cases = [
        (
            "/api/v1/reviews",
            reviewer.as_str(),
            json!({ "status": "new", "accounts": [{ "kind": "qq", "value": "1\u{0}2" }] }),
        ),
        (
            "/api/v1/accounts/qq/12345/review",
            reviewer,
            json!({ "status": "confirmed", "tags": ["a\u{7}b"] }),
        ),
        (
            "/api/v1/accounts/alipay/13800138000/review",
            reviewer,
            json!({ "status": "confirmed", "tags": ["\u{0}"] }),
        ),
        ("/api/v1/reviews", reviewer, json!({ "status": "new", "accounts": [] })),
        ("/api/v1/reviews", reviewer, json!([1, 2, 3])),
        ("/api/v1/tokens", admin, json!({ "role": "god" })),
        ("/api/v1/session", "", json!({ "user": "\u{0}", "password": "" })),
        ("/api/v1/session", "", json!({ "user": "x".repeat(100_000), "password": "y" })),
    ];
    for (path, token, body) in post_cases {
        let answer = server.call(Method::POST, path, token, Some(body)).await;
        assert!(answer.status.is_client_error(), "{path}: {} {}", answer.status, answer.text);
        assert!(answer.json["error"].is_string(), "{path}: {}", answer.text);
    }
    assert_eq!(server.db.watchlist_cursor().unwrap(), 0, "no hostile request wrote a change");
}
