//! Webhook delivery from the store's outbox to a receiver served by the test on 127.0.0.1:
//! a receiver that is down (port closed, then answering 503) and then up gets every change
//! exactly once after its 2xx, in order, signed, with one idempotency key per change.

use crate::support::seed::{self, finding};
use crate::support::{Run, run};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use otcwatch::extract::Kind;
use otcwatch::notify::{self, DeliveryReport};
use otcwatch::store::{Db, Review, Status};
use sha2::Sha256;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

const PHONE: &str = "+8613912340001";
const SECRET: &str = "correct horse battery staple";
/// Every await on IO is bounded by this, so a hang fails instead of stalling the suite.
const IO_TIMEOUT: Duration = Duration::from_secs(30);
const HOUR_MS: u64 = 3_600_000;

/// One request the receiver got: its status answer, headers that matter, and the body.
#[derive(Clone, Debug)]
struct Received {
    answered: u16,
    signature: String,
    idempotency_key: String,
    body: Vec<u8>,
}

/// The receiver's state: what to answer, and what it got.
#[derive(Clone)]
struct Receiver {
    answer: Arc<AtomicU16>,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn new(answer: u16) -> Receiver {
        Receiver { answer: Arc::new(AtomicU16::new(answer)), got: Arc::default() }
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().expect("receiver lock").clone()
    }

    /// Serves on `listener` until the test ends.
    fn serve(&self, listener: TcpListener) {
        let app = Router::new().route("/hook", post(receive)).with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
    }
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_string()
    };
    let answered = receiver.answer.load(Ordering::SeqCst);
    receiver.got.lock().expect("receiver lock").push(Received {
        answered,
        signature: header("x-otcwatch-signature"),
        idempotency_key: header("idempotency-key"),
        body: body.to_vec(),
    });
    StatusCode::from_u16(answered).expect("a valid status")
}

/// The signature computed here, independently of `notify::signature`.
fn expected_signature(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// A store with one account, reviewed `n` times after a webhook to `url` was added.
fn store_with_changes(path: &std::path::Path, url: &str, n: usize) -> Db {
    let db = Db::open(path).expect("open store");
    seed::page(&db, "a", "https://a.example/ad", vec![finding(Kind::Alipay, PHONE)], 1_000);
    db.add_webhook(url, SECRET, 2_000).expect("add webhook");
    for i in 0..n {
        let status = [Status::Confirmed, Status::Watchlisted, Status::Dismissed][i % 3];
        let review = Review { status, reviewer: "bob".into(), note: None, tags: vec![] };
        db.review(Kind::Alipay, PHONE, &review, 3_000 + i as u64).expect("review");
    }
    db
}

async fn deliver(db: &Db, client: &notify::Client, now_ms: u64) -> DeliveryReport {
    tokio::time::timeout(IO_TIMEOUT, notify::deliver_due_at(db, client, now_ms))
        .await
        .expect("a delivery round finishes")
        .expect("a delivery round succeeds")
}

#[tokio::test]
async fn a_receiver_down_then_up_gets_each_change_exactly_once_signed_and_in_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Reserve a port, then close it: the receiver is down.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    let db = store_with_changes(&dir.path().join("db"), &format!("http://{addr}/hook"), 3);
    let client = notify::Client::new().expect("client");
    let now = 10_000;

    // Port closed: the first change fails and the other two wait behind it.
    let report = deliver(&db, &client, now).await;
    assert_eq!(report, DeliveryReport { delivered: 0, failed: 1, deferred: 2 });
    let outbox = db.outbox(1).expect("outbox");
    assert_eq!(outbox.len(), 3, "nothing is dropped");
    assert_eq!(outbox[0].attempts, 1);
    assert!(outbox[0].next_attempt_ms > now, "retried later, not now");
    assert!(outbox[0].last_error.is_some());
    assert_eq!(deliver(&db, &client, now).await, DeliveryReport::default(), "backing off");

    // Up, but answering 503: still kept.
    let receiver = Receiver::new(503);
    receiver.serve(TcpListener::bind(addr).await.expect("rebind the receiver's port"));
    let report = deliver(&db, &client, now + HOUR_MS).await;
    assert_eq!((report.delivered, report.failed), (0, 1));
    let outbox = db.outbox(1).expect("outbox");
    assert_eq!((outbox.len(), outbox[0].attempts), (3, 2));
    assert_eq!(outbox[0].last_error.as_deref(), Some("HTTP 503 Service Unavailable"));

    // Up and accepting: everything arrives, in cursor order.
    receiver.answer.store(200, Ordering::SeqCst);
    let report = deliver(&db, &client, now + 3 * HOUR_MS).await;
    assert_eq!(report, DeliveryReport { delivered: 3, failed: 0, deferred: 0 });
    assert!(db.outbox(1).expect("outbox").is_empty());
    // A later round sends nothing again.
    assert_eq!(deliver(&db, &client, now + 10 * HOUR_MS).await, DeliveryReport::default());

    let got = receiver.got();
    let accepted: Vec<&Received> = got.iter().filter(|r| r.answered == 200).collect();
    let cursors: Vec<u64> = accepted
        .iter()
        .map(|r| {
            let change: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON body");
            assert_eq!(change["kind"], "alipay");
            assert_eq!(change["value"], PHONE);
            change["cursor"].as_u64().expect("cursor")
        })
        .collect();
    assert_eq!(cursors, [1, 2, 3], "each change exactly once after a 2xx, in order");
    for received in &got {
        assert_eq!(received.signature, expected_signature(&received.body), "signed");
    }
    let keys: Vec<&str> = accepted.iter().map(|r| r.idempotency_key.as_str()).collect();
    assert_eq!(keys, ["otcwatch-1-1", "otcwatch-1-2", "otcwatch-1-3"]);
    // The failed attempt carried the same key as the accepted one for the same change.
    assert_eq!(got[0].answered, 503);
    assert_eq!(got[0].idempotency_key, "otcwatch-1-1");
    assert_eq!(got[0].body, accepted[0].body);
    let first: serde_json::Value = serde_json::from_slice(&accepted[0].body).unwrap();
    assert_eq!(
        (first["before"].as_str(), first["after"].as_str()),
        (Some("new"), Some("confirmed"))
    );
}

#[tokio::test]
async fn run_delivers_in_the_background_until_shutdown() {
    let dir = tempfile::tempdir().expect("temp dir");
    let receiver = Receiver::new(200);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    receiver.serve(listener);
    let db = store_with_changes(&dir.path().join("db"), &url, 2);

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(notify::run(db.clone(), async move {
        let _ = stopped.await;
    }));
    tokio::time::timeout(IO_TIMEOUT, async {
        while receiver.got().len() < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("both changes arrive");
    stop.send(()).expect("the loop is running");
    tokio::time::timeout(IO_TIMEOUT, task).await.expect("run stops on shutdown").expect("no panic");
    assert_eq!(receiver.got().len(), 2);
    assert!(db.outbox(1).expect("outbox").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_deliver_once_through_the_binary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("db");
    let receiver = Receiver::new(200);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    receiver.serve(listener);
    drop(store_with_changes(&path, &url, 2));

    let db_arg = path.to_str().expect("UTF-8 path").to_string();
    let deliver_once =
        move || -> Run { run(&["webhook", "deliver", "--once", "--db", &db_arg], None) };
    let first = tokio::task::spawn_blocking(deliver_once.clone()).await.expect("no panic");
    assert_eq!(first.code(), 0, "{first:#?}");
    assert_eq!(first.stdout, "delivered 2, failed 0, deferred 0\n");
    let again = tokio::task::spawn_blocking(deliver_once).await.expect("no panic");
    assert_eq!(again.stdout, "delivered 0, failed 0, deferred 0\n");
    assert_eq!(receiver.got().len(), 2);
}
