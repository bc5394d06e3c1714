//! Value encodings: every stored value starts with a version byte, then its encoding.
//!
//! Records people read (sites, URL records, accounts, sightings, changes) are JSON after the
//! version byte: self-describing, and tolerant of new optional fields. The hot frontier values
//! (queue entries, dedup epochs, counters) use a fixed compact layout, because there are
//! millions of them. Bodies are lz4 blocks with the raw size prepended. A value whose version
//! byte is unknown is reported as `Error::Decode`, never guessed at; a future `migrate.rs`
//! upgrades old versions in place.

use super::Error;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The version byte written in front of every value today.
const V1: u8 = 1;

/// A record as JSON behind the version byte.
pub(crate) fn encode_json<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, Error> {
    let mut out = vec![V1];
    serde_json::to_writer(&mut out, value).map_err(|source| Error::Encode { what, source })?;
    Ok(out)
}

/// The record behind the version byte; `tree` and `key` only name it in errors.
pub(crate) fn decode_json<T: DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T, Error> {
    let body = payload(tree, key, bytes)?;
    serde_json::from_slice(body).map_err(|error| decode_error(tree, key, error.to_string()))
}

/// A queue entry: epoch (u32 BE), depth (u16 BE), then the URL.
pub(crate) fn encode_queued(epoch: u32, depth: u16, url: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(7 + url.len());
    out.push(V1);
    out.extend_from_slice(&epoch.to_be_bytes());
    out.extend_from_slice(&depth.to_be_bytes());
    out.extend_from_slice(url.as_bytes());
    out
}

/// The (epoch, depth, URL) of a queue entry.
pub(crate) fn decode_queued(key: &[u8], bytes: &[u8]) -> Result<(u32, u16, String), Error> {
    let body = payload("queue", key, bytes)?;
    let bad = || decode_error("queue", key, "entry shorter than 6 bytes".to_string());
    let epoch = u32::from_be_bytes(body.get(..4).ok_or_else(bad)?.try_into().map_err(|_| bad())?);
    let depth = u16::from_be_bytes(body.get(4..6).ok_or_else(bad)?.try_into().map_err(|_| bad())?);
    let url = std::str::from_utf8(&body[6..])
        .map_err(|error| decode_error("queue", key, error.to_string()))?;
    Ok((epoch, depth, url.to_string()))
}

/// A dedup entry: the last epoch in which the URL was queued or fetched (u32 BE).
pub(crate) fn encode_epoch(epoch: u32) -> [u8; 5] {
    let [a, b, c, d] = epoch.to_be_bytes();
    [V1, a, b, c, d]
}

/// The epoch of a dedup entry.
pub(crate) fn decode_epoch(key: &[u8], bytes: &[u8]) -> Result<u32, Error> {
    let body = payload("seen", key, bytes)?;
    let array: [u8; 4] = body
        .try_into()
        .map_err(|_| decode_error("seen", key, format!("{} bytes, not 4", body.len())))?;
    Ok(u32::from_be_bytes(array))
}

/// A counter (u64 BE).
pub(crate) fn encode_count(count: u64) -> [u8; 9] {
    let mut out = [V1; 9];
    out[1..].copy_from_slice(&count.to_be_bytes());
    out
}

/// The value of a counter; a missing counter is zero.
pub(crate) fn decode_count(key: &[u8], bytes: Option<&[u8]>) -> Result<u64, Error> {
    let Some(bytes) = bytes else { return Ok(0) };
    let body = payload("meta", key, bytes)?;
    let array: [u8; 8] = body
        .try_into()
        .map_err(|_| decode_error("meta", key, format!("{} bytes, not 8", body.len())))?;
    Ok(u64::from_be_bytes(array))
}

/// A page body, lz4-compressed.
pub(crate) fn encode_body(raw: &[u8]) -> Vec<u8> {
    let compressed = lz4_flex::compress_prepend_size(raw);
    let mut out = Vec::with_capacity(1 + compressed.len());
    out.push(V1);
    out.extend_from_slice(&compressed);
    out
}

/// The raw page body.
pub(crate) fn decode_body(key: &[u8], bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let body = payload("bodies", key, bytes)?;
    lz4_flex::decompress_size_prepended(body)
        .map_err(|error| decode_error("bodies", key, error.to_string()))
}

/// The bytes after a known version byte.
fn payload<'a>(tree: &'static str, key: &[u8], bytes: &'a [u8]) -> Result<&'a [u8], Error> {
    match bytes.split_first() {
        Some((&V1, body)) => Ok(body),
        Some((version, _)) => Err(decode_error(tree, key, format!("unknown version {version}"))),
        None => Err(decode_error(tree, key, "empty value".to_string())),
    }
}

fn decode_error(tree: &'static str, key: &[u8], reason: String) -> Error {
    Error::Decode { tree, key: String::from_utf8_lossy(key).escape_debug().to_string(), reason }
}
