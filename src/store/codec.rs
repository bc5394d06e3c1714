//! Value encodings: every stored value starts with a version byte, then its encoding.
//!
//! Records people read (sites, URL records, accounts, sightings, changes) are JSON after the
//! version byte: self-describing, and tolerant of new optional fields. The hot frontier values
//! (queue entries, dedup buckets, counters) use a fixed compact layout, because they hold
//! millions of URLs. Bodies are lz4 blocks with the raw size prepended. A value whose version
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

/// One URL inside a queue entry; decoded with the URL borrowed from the entry's bytes
/// (`QueueItem<&str>`), so that reading or rewriting an entry copies no URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct QueueItem<U = String> {
    /// Position in the entry's original batch: the low bits of `Queued::seq`.
    pub(crate) idx: u16,
    pub(crate) epoch: u32,
    pub(crate) depth: u16,
    pub(crate) url: U,
}

/// A queue entry: its items in `idx` order, each as idx (u16 BE), epoch (u32 BE), depth
/// (u16 BE), URL length (u32 BE), URL.
pub(crate) fn encode_batch<U: AsRef<str>>(items: &[QueueItem<U>]) -> Vec<u8> {
    let size: usize = items.iter().map(|item| 12 + item.url.as_ref().len()).sum();
    let mut out = Vec::with_capacity(1 + size);
    out.push(V1);
    for item in items {
        out.extend_from_slice(&item.idx.to_be_bytes());
        out.extend_from_slice(&item.epoch.to_be_bytes());
        out.extend_from_slice(&item.depth.to_be_bytes());
        let url = item.url.as_ref();
        out.extend_from_slice(&(url.len() as u32).to_be_bytes());
        out.extend_from_slice(url.as_bytes());
    }
    out
}

/// The items of a queue entry, their URLs borrowed from `bytes`.
pub(crate) fn decode_batch<'a>(
    key: &[u8],
    bytes: &'a [u8],
) -> Result<Vec<QueueItem<&'a str>>, Error> {
    let mut rest = payload("queue", key, bytes)?;
    let mut items = Vec::new();
    while !rest.is_empty() {
        let truncated = || decode_error("queue", key, "truncated entry".to_string());
        let (head, tail) = rest.split_at_checked(12).ok_or_else(truncated)?;
        let [i0, i1, e0, e1, e2, e3, d0, d1, l0, l1, l2, l3] =
            head.try_into().map_err(|_| truncated())?;
        let len = u32::from_be_bytes([l0, l1, l2, l3]) as usize;
        let (url, tail) = tail.split_at_checked(len).ok_or_else(truncated)?;
        let url = std::str::from_utf8(url)
            .map_err(|error| decode_error("queue", key, error.to_string()))?;
        items.push(QueueItem {
            idx: u16::from_be_bytes([i0, i1]),
            epoch: u32::from_be_bytes([e0, e1, e2, e3]),
            depth: u16::from_be_bytes([d0, d1]),
            url,
        });
        rest = tail;
    }
    Ok(items)
}

/// A dedup bucket: (fingerprint u64 BE, last epoch u32 BE) pairs sorted by fingerprint.
pub(crate) fn encode_bucket(entries: &[(u64, u32)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + 12 * entries.len());
    out.push(V1);
    for (fingerprint, epoch) in entries {
        out.extend_from_slice(&fingerprint.to_be_bytes());
        out.extend_from_slice(&epoch.to_be_bytes());
    }
    out
}

/// The (fingerprint, epoch) pairs of a dedup bucket.
pub(crate) fn decode_bucket(key: &[u8], bytes: &[u8]) -> Result<Vec<(u64, u32)>, Error> {
    let body = payload("seen", key, bytes)?;
    if body.len() % 12 != 0 {
        return Err(decode_error(
            "seen",
            key,
            format!("{} bytes, not a multiple of 12", body.len()),
        ));
    }
    let pairs = body.chunks_exact(12).map(|chunk| {
        let (fingerprint, epoch) = chunk.split_at(8);
        let fingerprint = u64::from_be_bytes(fingerprint.try_into().unwrap_or_default());
        let epoch = u32::from_be_bytes(epoch.try_into().unwrap_or_default());
        (fingerprint, epoch)
    });
    Ok(pairs.collect())
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
    // The layout of `lz4_flex::compress_prepend_size` (the raw length as u32 LE, then the
    // block) after the version byte, compressed in place rather than copied after it.
    let header = 1 + 4;
    let mut out = vec![0; header + lz4_flex::block::get_maximum_output_size(raw.len())];
    out[0] = V1;
    out[1..header].copy_from_slice(&(raw.len() as u32).to_le_bytes());
    match lz4_flex::block::compress_into(raw, &mut out[header..]) {
        Ok(len) => out.truncate(header + len),
        // Cannot happen with a buffer of the maximum size; the copying path is still right.
        Err(_) => {
            out.truncate(1);
            out.extend_from_slice(&lz4_flex::compress_prepend_size(raw));
        }
    }
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

/// A value that carries nothing but its presence (index entries): the version byte alone.
pub(crate) fn encode_marker() -> [u8; 1] {
    [V1]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bodies written before and after compressing in place read the same: the layout is
    /// `lz4_flex::compress_prepend_size`'s after the version byte.
    #[test]
    fn bodies_keep_their_layout_and_round_trip() {
        let page = "<p>收U 出U 微信同号 13812345678</p>".repeat(300);
        for raw in [&b""[..], b"x", page.as_bytes()] {
            let encoded = encode_body(raw);
            let mut expected = vec![V1];
            expected.extend_from_slice(&lz4_flex::compress_prepend_size(raw));
            assert_eq!(encoded, expected);
            assert_eq!(decode_body(b"key", &encoded).unwrap(), raw);
        }
    }
}
