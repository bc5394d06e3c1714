//! Page bodies, compressed, appended to segment files beside the database
//! (`<db>/bodies/seg-000001.bin`, a new segment every [`SEGMENT_MAX`] bytes), with an index in
//! sled from the body's blake3 hash to (segment, offset, length). Each body is stored once.
//!
//! Why not in sled: sled stores any value over its node size as a separate blob and rewrites it
//! as nodes change, which made bodies most of a crawl's CPU and IO. Why not one file per body
//! (session 1's layout, still read): creating, writing, linking and closing a file per page
//! cost a third of a crawl's CPU, most of it in the kernel (bench/RESULTS.md, "Crawl"). An
//! append is one `write`.
//!
//! A body is appended and indexed before the transaction that refers to it, so a crash can
//! leave an unreferenced body, or unindexed bytes at a segment's end (skipped: the next append
//! goes after them), but never a reference without its body. Appends are serialised by one
//! lock; compression happens before it, on the caller's thread.

use super::{Error, codec, storage};
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A segment is closed and a new one started past this size (small in unit tests, so that
/// they cross segments).
pub(crate) const SEGMENT_MAX: u64 = if cfg!(test) { 64 << 10 } else { 256 << 20 };

/// The body store of a database.
#[derive(Debug, Clone)]
pub(crate) struct Bodies {
    dir: PathBuf,
    /// blake3 (32 bytes) → segment:u32, offset:u64, length:u32, big-endian.
    index: sled::Tree,
    writer: Arc<Mutex<Segment>>,
}

/// The segment being appended to.
#[derive(Debug)]
struct Segment {
    number: u32,
    file: File,
    len: u64,
}

/// Where a body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Location {
    segment: u32,
    offset: u64,
    len: u32,
}

impl Bodies {
    pub(crate) fn open(db_path: &Path, db: &sled::Db) -> Result<Bodies, Error> {
        let io =
            |source: std::io::Error| Error::Storage { op: "open bodies", source: source.into() };
        let dir = db_path.join("bodies");
        std::fs::create_dir_all(&dir).map_err(io)?;
        let index = db.open_tree("body_index").map_err(storage("open body index"))?;
        let last = std::fs::read_dir(&dir)
            .map_err(io)?
            .filter_map(|entry| segment_number(&entry.ok()?.file_name().to_string_lossy()))
            .max()
            .unwrap_or(1);
        let segment = Segment::open(&dir, last).map_err(io)?;
        Ok(Bodies { dir, index, writer: Arc::new(Mutex::new(segment)) })
    }

    /// Stores `raw` under `hash` (the blake3 hex of `raw`) unless it is there; true if new.
    /// Safe from several threads at once: exactly one of them stores a given body.
    pub(crate) fn put(&self, hash: &str, raw: &[u8]) -> Result<bool, Error> {
        let key = key(hash)?;
        if self.index.contains_key(key).map_err(storage("read body index"))? {
            return Ok(false);
        }
        let encoded = codec::encode_body(raw);
        let len = u32::try_from(encoded.len()).map_err(|_| Error::Storage {
            op: "write body",
            source: format!("a body of {} bytes compressed is too large", encoded.len()).into(),
        })?;
        let io =
            |source: std::io::Error| Error::Storage { op: "write body", source: source.into() };
        let mut segment = self.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Checked again under the lock: another thread may have stored it meanwhile.
        if self.index.contains_key(key).map_err(storage("read body index"))? {
            return Ok(false);
        }
        if segment.len > 0 && segment.len + u64::from(len) > SEGMENT_MAX {
            *segment = Segment::open(&self.dir, segment.number + 1).map_err(io)?;
        }
        let offset = segment.len;
        segment.file.write_all(&encoded).map_err(io)?;
        segment.len += u64::from(len);
        let location = Location { segment: segment.number, offset, len };
        self.index.insert(key, &location.encode()).map_err(storage("write body index"))?;
        Ok(true)
    }

    /// The raw body stored under `hash`; none for a hash that cannot name a body.
    pub(crate) fn get(&self, hash: &str) -> Result<Option<Vec<u8>>, Error> {
        let Ok(key) = key(hash) else { return Ok(None) };
        let io = |source: std::io::Error| Error::Storage { op: "read body", source: source.into() };
        let Some(bytes) = self.index.get(key).map_err(storage("read body index"))? else {
            return self.get_file(hash);
        };
        let location = Location::decode(&bytes).ok_or_else(|| Error::Decode {
            tree: "body_index",
            key: hash.to_owned(),
            reason: "not segment, offset, length".to_owned(),
        })?;
        let file = File::open(segment_path(&self.dir, location.segment)).map_err(io)?;
        let mut encoded = vec![0; location.len as usize];
        file.read_exact_at(&mut encoded, location.offset).map_err(io)?;
        codec::decode_body(hash.as_bytes(), &encoded).map(Some)
    }

    /// A body stored as its own file by session 1's layout, `<ab>/<hash>.lz4`.
    fn get_file(&self, hash: &str) -> Result<Option<Vec<u8>>, Error> {
        let path = self.dir.join(&hash[..2]).join(format!("{hash}.lz4"));
        match std::fs::read(&path) {
            Ok(bytes) => codec::decode_body(hash.as_bytes(), &bytes).map(Some),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(Error::Storage { op: "read body", source: error.into() }),
        }
    }
}

impl Segment {
    /// Opens segment `number` for appending, creating it if needed.
    fn open(dir: &Path, number: u32) -> std::io::Result<Segment> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(segment_path(dir, number))?;
        let len = file.metadata()?.len();
        Ok(Segment { number, file, len })
    }
}

impl Location {
    fn encode(self) -> [u8; 16] {
        let mut out = [0; 16];
        out[..4].copy_from_slice(&self.segment.to_be_bytes());
        out[4..12].copy_from_slice(&self.offset.to_be_bytes());
        out[12..].copy_from_slice(&self.len.to_be_bytes());
        out
    }

    fn decode(bytes: &[u8]) -> Option<Location> {
        let bytes: &[u8; 16] = bytes.try_into().ok()?;
        Some(Location {
            segment: u32::from_be_bytes(bytes[..4].try_into().ok()?),
            offset: u64::from_be_bytes(bytes[4..12].try_into().ok()?),
            len: u32::from_be_bytes(bytes[12..].try_into().ok()?),
        })
    }
}

/// The index key of a hash: its 32 bytes. Only a 64-digit lower-case hex hash names a body.
fn key(hash: &str) -> Result<[u8; 32], Error> {
    let invalid = || Error::InvalidKey { what: "body hash", value: hash.to_owned() };
    if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(invalid());
    }
    let mut out = [0; 32];
    for (idx, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hash[2 * idx..2 * idx + 2], 16).map_err(|_| invalid())?;
    }
    Ok(out)
}

fn segment_path(dir: &Path, number: u32) -> PathBuf {
    dir.join(format!("seg-{number:06}.bin"))
}

/// The number of a segment file's name.
fn segment_number(name: &str) -> Option<u32> {
    name.strip_prefix("seg-")?.strip_suffix(".bin")?.parse().ok()
}
