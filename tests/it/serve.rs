//! `otcwatch serve`, `token` and `webhook` through the real binary: a token created by the CLI
//! works until `token revoke`, Ctrl-C stops the server cleanly, and a review made through the
//! API reaches a webhook receiver on 127.0.0.1 from the delivery task `serve` runs.

use crate::api::{IO_TIMEOUT, fill, send, with_json};
use crate::support::{otcwatch, run};
use otcwatch::store::Db;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_tokens_from_the_cli_until_revoked_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let db = db.to_str().unwrap();
    let created = run(&["token", "create", "--role", "viewer", "--name", "siem", "--db", db], None);
    assert_eq!(created.code(), 0, "{created:?}");
    let token = created.stdout.trim().to_string();
    assert!(token.starts_with("otcw_") && created.stderr.contains("shown once"), "{created:?}");
    let listed = run(&["token", "list", "--db", db], None);
    let id = listed.stdout.lines().nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    assert!(
        listed.stdout.contains("siem") && !listed.stdout.contains(&token[18..]),
        "{}",
        listed.stdout
    );

    let status_with = async |token: &str| {
        let mut server = Serve::start(db);
        let url = format!("http://{}/api/v1/sites", server.addr);
        let answer = send(reqwest::Client::new().get(url).bearer_auth(token)).await;
        server.interrupt();
        answer.status
    };
    assert_eq!(status_with(&token).await, StatusCode::OK);
    let revoked = run(&["token", "revoke", &id, "--db", db], None);
    assert_eq!(revoked.code(), 0, "{revoked:?}");
    assert_eq!(status_with(&token).await, StatusCode::UNAUTHORIZED);
    let again = run(&["token", "revoke", "ffffffffffff", "--db", db], None);
    assert!(again.usage_error().contains("no token"), "{again:?}");
    let role = run(&["user", "add", "x", "--role", "boss", "--db", db], None);
    assert!(role.usage_error().contains("viewer, reviewer, admin"), "{role:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_delivers_a_review_made_through_the_api_to_webhooks() {
    // A receiver on 127.0.0.1 that hands each POST's cursor header and body to the test.
    let (got, mut received) = tokio::sync::mpsc::channel::<(String, Value)>(16);
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let got = got.clone();
            async move {
                let cursor = headers["x-otcwatch-cursor"].to_str().unwrap_or_default().to_string();
                let _ =
                    got.send((cursor, serde_json::from_str(&body).unwrap_or(Value::Null))).await;
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the receiver");
    let hook = format!("http://{}/hook", listener.local_addr().expect("receiver address"));
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let db = Db::open(&path).unwrap();
        fill(&db);
    }
    let db = path.to_str().unwrap();
    let added = run(&["webhook", "add", &hook, "--secret", "s3", "--db", db], None);
    assert_eq!(added.code(), 0, "{added:?}");
    let token =
        run(&["token", "create", "--role", "reviewer", "--db", db], None).stdout.trim().to_string();
    let mut server = Serve::start(db);
    let url = format!("http://{}/api/v1/accounts/wechat/wx_dealer88/review", server.addr);
    let review = json!({ "status": "watchlisted" });
    let answer =
        send(with_json(reqwest::Client::new().post(url).bearer_auth(&token), &review)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let (cursor, change) = tokio::time::timeout(IO_TIMEOUT, received.recv())
        .await
        .expect("no delivery")
        .expect("a delivery");
    assert_eq!(cursor, "1");
    assert_eq!(
        (change["value"].as_str(), change["after"].as_str()),
        (Some("wx_dealer88"), Some("watchlisted"))
    );
    server.interrupt();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_added_by_the_cli_logs_in_until_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let db = db.to_str().unwrap();
    let added = run(&["user", "add", "rita", "--role", "reviewer", "--db", db], None);
    assert_eq!(added.code(), 0, "{added:?}");
    let password = added
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("password: "))
        .unwrap_or_else(|| panic!("no password line: {added:?}"))
        .to_string();
    assert!(password.len() >= 20, "{password}");
    let again = run(&["user", "add", "rita", "--role", "admin", "--db", db], None);
    assert!(again.usage_error().contains("already exists"), "{again:?}");
    let listed = run(&["user", "list", "--db", db], None);
    assert!(listed.stdout.contains("rita") && !listed.stdout.contains(&password), "{listed:?}");

    let login_status = async |password: &str| {
        let mut server = Serve::start(db);
        let url = format!("http://{}/api/v1/session", server.addr);
        let body = json!({ "user": "rita", "password": password });
        let answer = send(with_json(reqwest::Client::new().post(url), &body)).await;
        server.interrupt();
        answer.status
    };
    assert_eq!(login_status(&password).await, StatusCode::OK);
    let disabled = run(&["user", "disable", "rita", "--db", db], None);
    assert_eq!(disabled.code(), 0, "{disabled:?}");
    assert!(run(&["user", "list", "--db", db], None).stdout.contains("disabled"));
    assert_eq!(login_status(&password).await, StatusCode::UNAUTHORIZED);
}

/// `otcwatch serve` on 127.0.0.1:0, its address read from the line it prints.
struct Serve {
    child: std::process::Child,
    addr: SocketAddr,
}

impl Serve {
    fn start(db: &str) -> Serve {
        let mut child = otcwatch()
            .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn otcwatch serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("test setup"))
            .read_line(&mut line)
            .expect("read the listening line");
        let addr =
            line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("{line:?}"));
        Serve { addr: addr.parse().expect("test setup"), child }
    }

    /// Ctrl-C: the server stops cleanly, with exit code 0.
    fn interrupt(&mut self) {
        let pid = self.child.id().to_string();
        let kill =
            std::process::Command::new("kill").args(["-INT", &pid]).status().expect("test setup");
        assert!(kill.success());
        let deadline = std::time::Instant::now() + IO_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("test setup") {
                assert_eq!(status.code(), Some(0), "serve stops cleanly on Ctrl-C");
                return;
            }
            assert!(std::time::Instant::now() < deadline, "serve did not stop on Ctrl-C");
            std::thread::park_timeout(Duration::from_millis(10));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
