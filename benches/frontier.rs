//! Frontier throughput and memory: how fast `store::Db` queues, deduplicates and hands out URLs,
//! and how much resident memory millions of queued URLs cost.
//!
//! Two modes:
//! - with `OTCWATCH_FRONTIER_N=5000000` (what `bench/frontier.sh` runs): one measured pass over a
//!   fresh database in a temp dir. It enqueues N distinct URLs of one site in page-sized batches
//!   (`enqueue_many`, 100 links each), re-offers a sample of them (all refused as duplicates),
//!   drains the queue in due order (`due` + `commit_page` for the first `COMMITTED` entries, as
//!   the crawler does, then `due` + `remove_queued`), and prints the rates, the peak RSS (VmHWM
//!   from /proc/self/status) and the size on disk;
//! - without it (`cargo bench --bench frontier`): criterion micro-benchmarks with a small sample
//!   on a database pre-filled with `PREFILL` URLs.

use criterion::{BatchSize, Criterion};
use otcwatch::extract::Kind;
use otcwatch::store::{Db, FindingRecord, PageCommit, Queued, UrlRecord};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

const SITE: &str = "bench";
/// Links per `enqueue_many` call: a link-heavy page.
const BATCH: usize = 100;
/// Entries per `due` call while draining.
const DRAIN: usize = 1_000;
/// Entries drained through a full `commit_page` (small body, one finding) before the rest are
/// dropped with `remove_queued`.
const COMMITTED: usize = 100_000;
/// Already-seen URLs offered again to measure the duplicate path.
const REOFFERED: usize = 1_000_000;
/// URLs in the database behind the criterion micro-benchmarks.
const PREFILL: usize = 100_000;

fn main() {
    match std::env::var("OTCWATCH_FRONTIER_N") {
        Ok(n) => {
            let n: usize = n.parse().expect("OTCWATCH_FRONTIER_N is a number of URLs");
            measure(n);
        }
        Err(_) => micro(),
    }
}

/// The n-th URL: a realistic shape, spread over sections so keys do not arrive sorted.
fn url(i: usize) -> String {
    format!("https://www.bench.example/forum/section-{}/thread-{i}.html?page=1", i % 997)
}

fn links(from: usize, count: usize) -> Vec<(String, u16)> {
    (from..from + count).map(|i| (url(i), 1)).collect()
}

/// The one-shot measurement `bench/frontier.sh` records.
fn measure(n: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&dir.path().join("db")).expect("open db");
    println!("frontier: N = {n} URLs on one site, batches of {BATCH}, sled cache 64 MiB");

    let start = Instant::now();
    let mut queued = 0;
    for from in (0..n).step_by(BATCH) {
        queued += db.enqueue_many(SITE, 1, &links(from, BATCH.min(n - from)), 0).expect("enqueue");
    }
    db.flush().expect("flush");
    assert_eq!(queued, n);
    assert_eq!(db.queue_len(SITE).expect("queue_len"), n as u64);
    report("enqueue", n, start.elapsed());
    report_rss("after enqueue");
    println!("disk after enqueue: {:.0} MB", dir_size(dir.path()) as f64 / 1e6);

    let sample = n.min(REOFFERED);
    let start = Instant::now();
    let mut refused = 0;
    for from in (0..sample).step_by(BATCH) {
        let batch = links(from, BATCH.min(sample - from));
        refused += batch.len() - db.enqueue_many(SITE, 1, &batch, 0).expect("re-enqueue");
    }
    assert_eq!(refused, sample);
    report("duplicate enqueue", sample, start.elapsed());

    let start = Instant::now();
    let committed = drain(&db, n.min(COMMITTED), commit);
    report("dequeue (due + commit_page)", committed, start.elapsed());
    let start = Instant::now();
    let removed = drain(&db, n - committed, |db, batch| {
        db.remove_queued(&batch).expect("remove");
    });
    db.flush().expect("flush");
    assert_eq!(db.queue_len(SITE).expect("queue_len"), 0);
    report("dequeue (due + remove_queued)", removed, start.elapsed());
    report_rss("at the end");
    println!("disk at the end: {:.0} MB", dir_size(dir.path()) as f64 / 1e6);
}

/// Takes up to `count` entries off the queue in due order, `DRAIN` at a time.
fn drain(db: &Db, count: usize, take: impl Fn(&Db, Vec<Queued>)) -> usize {
    let mut done = 0;
    while done < count {
        let batch = db.due(SITE, u64::MAX, DRAIN.min(count - done)).expect("due");
        if batch.is_empty() {
            break;
        }
        done += batch.len();
        take(db, batch);
    }
    done
}

/// Commits each entry as a fetched page with a small body and one finding.
fn commit(db: &Db, batch: Vec<Queued>) {
    for queued in batch {
        let body =
            format!("<html><p>thread {}: pay via QQ {}</p></html>", queued.seq, queued.seq % 5_000);
        let finding = FindingRecord {
            kind: Kind::Qq,
            value: (10_000 + queued.seq % 5_000).to_string(),
            raw: String::new(),
            otc: true,
            score: 0.7,
            context: body.clone(),
            span: (0, 5),
            validation: None,
            warning: None,
            post: None,
        };
        let final_url = queued.url.clone();
        let page = PageCommit {
            queued,
            record: UrlRecord { status: Some(200), ..UrlRecord::default() },
            body: Some(body.into_bytes()),
            findings: vec![finding],
            fetched_ms: 1,
            final_url,
        };
        db.commit_page(page).expect("commit");
    }
}

fn report(what: &str, count: usize, elapsed: Duration) {
    let rate = count as f64 / elapsed.as_secs_f64();
    println!("{what}: {count} in {:.1} s = {rate:.0}/s", elapsed.as_secs_f64());
}

fn report_rss(when: &str) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        let line = status.lines().find(|line| line.starts_with(name))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb as f64 / 1024.0)
    };
    match (field("VmHWM:"), field("VmRSS:")) {
        (Some(peak), Some(now)) => println!("rss {when}: peak {peak:.0} MiB, current {now:.0} MiB"),
        _ => println!("rss {when}: unavailable (no /proc/self/status)"),
    }
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else { return 0 };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => dir_size(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Criterion micro-benchmarks, small sample, on a pre-filled database.
fn micro() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&dir.path().join("db")).expect("open db");
    for from in (0..PREFILL).step_by(BATCH) {
        db.enqueue_many(SITE, 1, &links(from, BATCH), 0).expect("prefill");
    }
    let mut criterion = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut next = PREFILL;
    criterion.bench_function("enqueue_many 100 new links", |b| {
        b.iter_batched(
            || {
                next += BATCH;
                links(next - BATCH, BATCH)
            },
            |batch| db.enqueue_many(SITE, 1, &batch, 0).expect("enqueue"),
            BatchSize::SmallInput,
        );
    });
    let seen = links(0, BATCH);
    criterion.bench_function("enqueue_many 100 duplicate links", |b| {
        b.iter(|| db.enqueue_many(SITE, 1, black_box(&seen), 0).expect("enqueue"));
    });
    criterion.bench_function("due 100", |b| {
        b.iter(|| db.due(SITE, u64::MAX, black_box(100)).expect("due"));
    });
    criterion.bench_function("commit_page (body + 1 finding)", |b| {
        b.iter_batched(
            || db.due(SITE, u64::MAX, 1).expect("due"),
            |batch| commit(&db, batch),
            BatchSize::SmallInput,
        );
    });
    criterion.final_summary();
}
