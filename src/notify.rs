//! Webhook delivery: every watchlist change, POSTed as JSON to every receiver from the
//! store's durable outbox, signed, retried with back-off until the receiver answers 2xx.
//!
//! Each POST carries:
//! - the change as JSON ([`store::WatchlistChange`]: cursor, kind, value, before, after,
//!   reviewer, note, tags, reason, at_ms);
//! - `X-Otcwatch-Signature: sha256=<hex HMAC-SHA256 of the body keyed with the secret>`;
//! - `Idempotency-Key: otcwatch-<receiver>-<cursor>`, the same on every retry, so a receiver
//!   that answered 2xx but whose answer was lost can drop the repeat;
//! - `X-Otcwatch-Cursor: <cursor>`.
//!
//! A change leaves the outbox only after a 2xx. Anything else (refused connection, timeout,
//! 3xx, 4xx, 5xx) keeps it, with exponential back-off (from [`BACKOFF_BASE`], doubling, at
//! most [`BACKOFF_MAX`], with jitter); the receiver's later changes wait behind it, so it gets
//! one attempt per back-off period while it is down and every change in order once it is back.
//! Receivers are configured by an admin, so loopback and private addresses are allowed (the
//! crawler's address guard does not apply); redirects are not followed.
//!
//! Store calls block for a moment each (one sled read or write); they run on the calling task.

use crate::schedule;
use crate::store::{self, Db, Delivery};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Otcwatch-Signature";
/// The idempotency key header: one value per (receiver, change), stable across retries.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
/// The change's cursor, for receivers that track their position.
pub const CURSOR_HEADER: &str = "X-Otcwatch-Cursor";
/// How long one POST may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The wait after a first failure.
pub const BACKOFF_BASE: Duration = Duration::from_secs(5);
/// The longest wait between two attempts (before jitter).
pub const BACKOFF_MAX: Duration = Duration::from_secs(3600);
/// Deliveries taken from the outbox per receiver per round.
const BATCH: usize = 100;
/// How often [`run`] looks for due deliveries.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// What can stop a delivery round (a receiver failing is not an error: it is retried).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Store(#[from] store::Error),
    /// The HTTP client could not be built (TLS setup).
    #[error("building the webhook HTTP client")]
    Client(#[source] reqwest::Error),
    #[error("encoding a watchlist change")]
    Encode(#[source] serde_json::Error),
}

/// The HTTP client deliveries go through; cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
}

impl Client {
    /// A client with [`TIMEOUT`] and no redirects.
    pub fn new() -> Result<Client, Error> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("otcwatch/", env!("CARGO_PKG_VERSION"), " (webhook)"))
            .build()
            .map_err(Error::Client)?;
        Ok(Client { http })
    }
}

/// What one round of [`deliver_due`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Changes a receiver accepted (2xx); they left the outbox.
    pub delivered: usize,
    /// Attempts that failed; those changes stay, due again later.
    pub failed: usize,
    /// Due changes not attempted because an earlier one to the same receiver failed.
    pub deferred: usize,
}

/// Delivers every change that is due now, receiver by receiver in cursor order; a failure
/// reschedules that change and skips the receiver's later ones for this round.
pub async fn deliver_due(db: &Db, client: &Client) -> Result<DeliveryReport, Error> {
    deliver_due_at(db, client, crate::schedule::now_ms()).await
}

/// [`deliver_due`] as if the time were `now_ms`: what is due then is attempted, and retries
/// are scheduled from then. Tests use it to step over back-off periods without waiting.
pub async fn deliver_due_at(
    db: &Db,
    client: &Client,
    now_ms: u64,
) -> Result<DeliveryReport, Error> {
    let mut report = DeliveryReport::default();
    let mut failing: HashSet<u64> = HashSet::new();
    for delivery in db.due_deliveries(now_ms, BATCH)? {
        let (receiver, cursor) = (delivery.receiver.id, delivery.entry.cursor);
        if failing.contains(&receiver) {
            report.deferred += 1;
            continue;
        }
        match post(client, &delivery).await? {
            Ok(()) => {
                db.delivered(receiver, cursor)?;
                report.delivered += 1;
            }
            Err(reason) => {
                let attempts = delivery.entry.attempts.saturating_add(1);
                let seed = receiver.rotate_left(32) ^ cursor ^ u64::from(attempts) ^ now_ms;
                let wait = backoff(attempts, seed);
                let next = now_ms.saturating_add(wait.as_millis() as u64);
                tracing::warn!(
                    receiver,
                    cursor,
                    attempts,
                    error = %reason,
                    retry_in = ?wait,
                    "webhook delivery failed"
                );
                db.retry_later(receiver, cursor, next, &reason)?;
                failing.insert(receiver);
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// Delivers due changes until `shutdown` resolves, looking every second. Store errors are
/// logged and the loop goes on (the outbox keeps everything for the next round).
pub async fn run(db: Db, shutdown: impl Future) {
    let client = match Client::new() {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(error = %error, "webhook delivery cannot start");
            return;
        }
    };
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        match deliver_due(&db, &client).await {
            Ok(report) if report.delivered + report.failed > 0 => {
                tracing::info!(
                    delivered = report.delivered,
                    failed = report.failed,
                    "webhook round"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::error!(error = %error, "webhook round failed"),
        }
        tokio::select! {
            _ = &mut shutdown => return,
            () = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `body` keyed with `secret`: the signature header.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + 2 * digest.len());
    out.push_str("sha256=");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// The idempotency key of change `cursor` for receiver `receiver`.
pub fn idempotency_key(receiver: u64, cursor: u64) -> String {
    format!("otcwatch-{receiver}-{cursor}")
}

/// The wait after `attempts` failures: [`BACKOFF_BASE`] doubled per further failure, at most
/// [`BACKOFF_MAX`], then ±10% jitter from `seed` so that receivers do not retry in step.
pub fn backoff(attempts: u32, seed: u64) -> Duration {
    let doublings = attempts.saturating_sub(1).min(20);
    let wait = BACKOFF_BASE.saturating_mul(1 << doublings).min(BACKOFF_MAX);
    schedule::jitter(wait, seed)
}

/// POSTs one change; the inner error is why the receiver did not take it.
async fn post(client: &Client, delivery: &Delivery) -> Result<Result<(), String>, Error> {
    let body = serde_json::to_vec(&delivery.change).map_err(Error::Encode)?;
    let receiver = &delivery.receiver;
    let request = client
        .http
        .post(&receiver.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature(&receiver.secret, &body))
        .header(IDEMPOTENCY_HEADER, idempotency_key(receiver.id, delivery.entry.cursor))
        .header(CURSOR_HEADER, delivery.entry.cursor.to_string())
        .body(body);
    Ok(match request.send().await {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(format!("HTTP {}", response.status())),
        Err(error) => Err(describe(&error)),
    })
}

/// A reqwest error with its causes, on one line.
fn describe(error: &reqwest::Error) -> String {
    let mut out = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hex_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_then_stays_near_an_hour() {
        let secs = |attempts| backoff(attempts, 0).as_secs_f64();
        assert!((4.5..=5.5).contains(&secs(1)), "{}", secs(1));
        assert!((9.0..=11.0).contains(&secs(2)), "{}", secs(2));
        for attempts in [11, 12, 30, u32::MAX] {
            let wait = secs(attempts);
            assert!((3240.0..=3960.0).contains(&wait), "{attempts}: {wait}");
        }
        assert_ne!(backoff(3, 1), backoff(3, 2), "jitter varies with the seed");
    }

    #[test]
    fn idempotency_keys_name_receiver_and_change() {
        assert_eq!(idempotency_key(3, 42), "otcwatch-3-42");
        assert_ne!(idempotency_key(1, 23), idempotency_key(12, 3));
    }
}
