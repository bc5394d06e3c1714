//! Body store tests against a real sled in a temp dir: concurrent stores, segments, reopen.

use super::*;

fn open() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("db")).unwrap();
    (dir, db)
}

#[test]
fn a_body_stored_from_many_threads_at_once_is_new_exactly_once() {
    let (dir, db) = open();
    let body = "<html>收U 出U 支付宝 13812345678</html>".repeat(200).into_bytes();
    let news: Vec<bool> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            (0..8).map(|_| scope.spawn(|| db.store_body(&body).unwrap().new)).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(news.iter().filter(|new| **new).count(), 1, "{news:?}");
    let hash = db.store_body(&body).unwrap().hash;
    assert_eq!(db.page_body(&hash).unwrap().unwrap(), body);
    let leftovers: Vec<_> = walk(&dir.path().join("db/bodies"))
        .into_iter()
        .filter(|path| path.extension().is_some_and(|e| e == "tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}

#[test]
fn bodies_span_segments_and_read_back_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    // Incompressible bodies of 20 KB: a few fill a test segment (64 KB).
    let bodies: Vec<Vec<u8>> = (0..12u64)
        .map(|n| {
            let mut state = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            (0..20_000)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect()
        })
        .collect();
    let hashes: Vec<String> = {
        let db = Db::open(&path).unwrap();
        let stored: Vec<StoredBody> = bodies.iter().map(|b| db.store_body(b).unwrap()).collect();
        assert!(stored.iter().all(|s| s.new));
        assert!(!db.store_body(&bodies[3]).unwrap().new, "stored once");
        db.flush().unwrap();
        stored.into_iter().map(|s| s.hash).collect()
    };
    let segments = std::fs::read_dir(path.join("bodies")).unwrap().count();
    assert!(segments >= 3, "{segments} segment files");
    let db = Db::open(&path).unwrap();
    for (hash, body) in hashes.iter().zip(&bodies) {
        assert_eq!(db.page_body(hash).unwrap().as_ref(), Some(body));
    }
    // Appending goes on in the last segment after the reopen.
    assert!(db.store_body(b"one more page").unwrap().new);
    assert_eq!(std::fs::read_dir(path.join("bodies")).unwrap().count(), segments);
    assert_eq!(db.page_body(&"0".repeat(64)).unwrap(), None);
    assert_eq!(db.page_body("../etc/passwd").unwrap(), None);
}
