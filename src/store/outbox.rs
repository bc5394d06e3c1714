//! Webhook receivers and the durable outbox of deliveries owed to them.
//!
//! Every watchlist change is queued for every receiver in the transaction that makes the
//! change (see `review.rs`), so a change is never committed without its deliveries. An entry
//! leaves the outbox only when [`Db::delivered`] says a receiver answered 2xx; a failure
//! keeps it with a later retry time ([`Db::retry_later`]), however long the receiver is down.
//! Entries are ordered by receiver, then cursor, and each receiver's are handed out in order
//! up to the first one not yet due: a receiver that is down gets one attempt per back-off
//! period, not one per change, and sees changes in cursor order once it is back.
//!
//! The secret is stored as given: it signs every delivery (HMAC), so it cannot be hashed.

use super::frontier::{TxResult, add_count};
use super::{Db, Error, WatchlistChange, abort, codec, keys, storage, tx_error};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::TransactionalTree;

/// A system that receives every watchlist change as a signed POST.
#[derive(Serialize, Deserialize, Clone, PartialEq, Eq)]
pub struct Receiver {
    /// Allocated by [`Db::add_webhook`], starting at 1, never reused.
    pub id: u64,
    pub url: String,
    /// The HMAC-SHA256 key of the `X-Otcwatch-Signature` header.
    pub secret: String,
    pub created_ms: u64,
    /// A disabled receiver keeps its entries and gets nothing until enabled again.
    pub enabled: bool,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret stays out of logs.
        f.debug_struct("Receiver")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("created_ms", &self.created_ms)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// One change owed to one receiver.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    pub receiver: u64,
    /// The watchlist change (see [`Db::change`]).
    pub cursor: u64,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Not to be tried before this time, in ms since the Unix epoch.
    pub next_attempt_ms: u64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// A delivery that is due: where to, what, and its outbox entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub receiver: Receiver,
    pub entry: OutboxEntry,
    pub change: WatchlistChange,
}

impl Db {
    /// Adds a webhook receiver for every change from now on (earlier changes are not sent).
    /// `url` must be an absolute http or https URL; `secret` must not be empty.
    pub fn add_webhook(&self, url: &str, secret: &str, at_ms: u64) -> Result<Receiver, Error> {
        let invalid = |reason: &str| Error::InvalidWebhook {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let parsed = url::Url::parse(url).map_err(|error| invalid(&error.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(invalid("it must be an http:// or https:// URL with a host"));
        }
        if secret.is_empty() {
            return Err(invalid("the secret is empty; pass --secret with a shared secret"));
        }
        let trees = [&self.inner.receivers, &self.inner.meta];
        trees
            .transaction(|tx| {
                let (receivers, meta) = (&tx[0], &tx[1]);
                let id = add_count(meta, keys::RECEIVER_SEQ, 1)?;
                let receiver = Receiver {
                    id,
                    url: parsed.to_string(),
                    secret: secret.to_string(),
                    created_ms: at_ms,
                    enabled: true,
                };
                let value = codec::encode_json("receiver", &receiver).map_err(abort)?;
                receivers.insert(&keys::receiver(id), value)?;
                let mut ids = receiver_ids(meta)?;
                ids.push(id);
                meta.insert(
                    keys::RECEIVERS,
                    codec::encode_json("receiver ids", &ids).map_err(abort)?,
                )?;
                Ok(receiver)
            })
            .map_err(tx_error("add webhook"))
    }

    /// Every webhook receiver, by id.
    pub fn webhooks(&self) -> Result<Vec<Receiver>, Error> {
        let mut out = Vec::new();
        for item in self.inner.receivers.iter() {
            let (key, bytes) = item.map_err(storage("scan receivers"))?;
            out.push(codec::decode_json("receivers", &key, &bytes)?);
        }
        Ok(out)
    }

    /// Removes a receiver and everything still owed to it.
    pub fn remove_webhook(&self, id: u64) -> Result<(), Error> {
        let trees = [&self.inner.receivers, &self.inner.meta];
        trees
            .transaction(|tx| {
                let (receivers, meta) = (&tx[0], &tx[1]);
                if receivers.remove(&keys::receiver(id))?.is_none() {
                    return Err(abort(Error::UnknownWebhook { id }));
                }
                let mut ids = receiver_ids(meta)?;
                ids.retain(|other| *other != id);
                meta.insert(
                    keys::RECEIVERS,
                    codec::encode_json("receiver ids", &ids).map_err(abort)?,
                )?;
                Ok(())
            })
            .map_err(tx_error("remove webhook"))?;
        // No new entry can be queued for it now, so the rest can go outside the transaction.
        for item in self.inner.outbox.scan_prefix(keys::receiver(id)) {
            let (key, _) = item.map_err(storage("scan outbox"))?;
            self.inner.outbox.remove(key).map_err(storage("remove outbox entry"))?;
        }
        Ok(())
    }

    /// Everything still owed to receiver `id`, in cursor order.
    pub fn outbox(&self, id: u64) -> Result<Vec<OutboxEntry>, Error> {
        let mut out = Vec::new();
        for item in self.inner.outbox.scan_prefix(keys::receiver(id)) {
            let (key, bytes) = item.map_err(storage("scan outbox"))?;
            out.push(codec::decode_json("outbox", &key, &bytes)?);
        }
        Ok(out)
    }

    /// The deliveries due at `now_ms`: for each enabled receiver, its entries in cursor order
    /// up to the first one that is not due yet, at most `limit` per receiver.
    pub fn due_deliveries(&self, now_ms: u64, limit: usize) -> Result<Vec<Delivery>, Error> {
        let mut out = Vec::new();
        for receiver in self.webhooks()? {
            if !receiver.enabled {
                continue;
            }
            for item in self.inner.outbox.scan_prefix(keys::receiver(receiver.id)).take(limit) {
                let (key, bytes) = item.map_err(storage("scan outbox"))?;
                let entry: OutboxEntry = codec::decode_json("outbox", &key, &bytes)?;
                if entry.next_attempt_ms > now_ms {
                    break;
                }
                let change = self.change(entry.cursor)?.ok_or_else(|| Error::Decode {
                    tree: "outbox",
                    key: format!("{}/{}", entry.receiver, entry.cursor),
                    reason: "the watchlist change it refers to is missing".to_string(),
                })?;
                out.push(Delivery { receiver: receiver.clone(), entry, change });
            }
        }
        Ok(out)
    }

    /// Removes a delivered entry (the receiver answered 2xx). Removing one that is already
    /// gone (its receiver was removed) is not an error.
    pub fn delivered(&self, receiver: u64, cursor: u64) -> Result<(), Error> {
        self.inner.outbox.remove(keys::outbox(receiver, cursor)).map_err(storage("deliver"))?;
        Ok(())
    }

    /// Records a failed attempt: the entry stays, with one more attempt, `error`, and no
    /// retry before `next_ms`. Returns the updated entry (`None` if it is gone).
    pub fn retry_later(
        &self,
        receiver: u64,
        cursor: u64,
        next_ms: u64,
        error: &str,
    ) -> Result<Option<OutboxEntry>, Error> {
        let key = keys::outbox(receiver, cursor);
        self.inner
            .outbox
            .transaction(|outbox| {
                let Some(bytes) = outbox.get(key)? else { return Ok(None) };
                let mut entry: OutboxEntry =
                    codec::decode_json("outbox", &key, &bytes).map_err(abort)?;
                entry.attempts = entry.attempts.saturating_add(1);
                entry.next_attempt_ms = next_ms;
                entry.last_error = Some(error.to_string());
                outbox.insert(&key, codec::encode_json("outbox entry", &entry).map_err(abort)?)?;
                Ok(Some(entry))
            })
            .map_err(tx_error("retry delivery"))
    }
}

/// Queues change `cursor` for every receiver, due at `at_ms`; inside the change's transaction.
pub(super) fn enqueue(
    meta: &TransactionalTree,
    outbox: &TransactionalTree,
    cursor: u64,
    at_ms: u64,
) -> TxResult<()> {
    for receiver in receiver_ids(meta)? {
        let entry =
            OutboxEntry { receiver, cursor, attempts: 0, next_attempt_ms: at_ms, last_error: None };
        let value = codec::encode_json("outbox entry", &entry).map_err(abort)?;
        outbox.insert(&keys::outbox(receiver, cursor), value)?;
    }
    Ok(())
}

/// The ids of every receiver, kept in `meta` so that a transaction can read them.
fn receiver_ids(meta: &TransactionalTree) -> TxResult<Vec<u64>> {
    match meta.get(keys::RECEIVERS)? {
        Some(bytes) => codec::decode_json("meta", keys::RECEIVERS, &bytes).map_err(abort),
        None => Ok(Vec::new()),
    }
}
