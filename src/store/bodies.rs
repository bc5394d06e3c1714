//! Page bodies as files beside the database, `<db>/bodies/ab/<blake3 hex>.lz4`, written once
//! per hash. sled stores any value over its node size as a separate blob and rewrites it as
//! nodes change, which made bodies most of a crawl's CPU and IO (bench/RESULTS.md, "Crawl");
//! a content-addressed file is written once and never touched again.
//!
//! A body is written (to a temporary name, then linked into place) before the transaction
//! that refers to it, so a crash can leave an unreferenced body but never a reference without
//! its body. The crawler stores bodies from its fetch tasks ([`Db::store_body`]), in parallel,
//! and commits only their hashes.

use super::{Error, codec};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

/// This process's id, in temporary file names (asked once: it is a system call).
static PID: LazyLock<u32> = LazyLock::new(std::process::id);

/// The body directory of a database.
#[derive(Debug, Clone)]
pub(crate) struct Bodies {
    dir: PathBuf,
    /// Which of the 256 `ab/` subdirectories are known to exist, so that storing a body
    /// does not ask the file system again every time.
    made: Arc<[AtomicBool; 256]>,
}

impl Bodies {
    pub(crate) fn open(db_path: &Path) -> Result<Bodies, std::io::Error> {
        let dir = db_path.join("bodies");
        std::fs::create_dir_all(&dir)?;
        Ok(Bodies { dir, made: Arc::new(std::array::from_fn(|_| AtomicBool::new(false))) })
    }

    /// Stores `raw` under `hash` (the blake3 hex of `raw`) unless it is there; true if new.
    ///
    /// Safe to call from several threads at once for the same body: each writes its own
    /// temporary file and links it into place; exactly one of them gets `true`.
    pub(crate) fn put(&self, hash: &str, raw: &[u8]) -> Result<bool, Error> {
        static TMP: AtomicU64 = AtomicU64::new(0);
        let path = self.path(hash)?;
        if path.exists() {
            return Ok(false);
        }
        let io =
            |source: std::io::Error| Error::Storage { op: "write body", source: source.into() };
        let shard = usize::from_str_radix(&hash[..2], 16).unwrap_or(0) % 256;
        if !self.made[shard].load(Ordering::Relaxed) {
            std::fs::create_dir_all(path.parent().unwrap_or(&self.dir)).map_err(io)?;
            self.made[shard].store(true, Ordering::Relaxed);
        }
        let unique = TMP.fetch_add(1, Ordering::Relaxed);
        let tmp = path.with_extension(format!("{}-{unique}.tmp", *PID));
        let mut file = std::fs::File::create(&tmp).map_err(io)?;
        file.write_all(&codec::encode_body(raw)).map_err(io)?;
        drop(file);
        // A hard link fails if the body is there already (another thread stored it first).
        let linked = std::fs::hard_link(&tmp, &path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(error) => Err(io(error)),
        }
    }

    /// The raw body stored under `hash`; none for a hash that cannot name a body.
    pub(crate) fn get(&self, hash: &str) -> Result<Option<Vec<u8>>, Error> {
        let Ok(path) = self.path(hash) else { return Ok(None) };
        match std::fs::read(&path) {
            Ok(bytes) => codec::decode_body(hash.as_bytes(), &bytes).map(Some),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(Error::Storage { op: "read body", source: error.into() }),
        }
    }

    /// The file of `hash`; only a 64-digit lower-case hex hash names one, so a hash from
    /// outside can never reach another path.
    fn path(&self, hash: &str) -> Result<PathBuf, Error> {
        let valid =
            hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !valid {
            return Err(Error::InvalidKey { what: "body hash", value: hash.to_owned() });
        }
        Ok(self.dir.join(&hash[..2]).join(format!("{hash}.lz4")))
    }
}
