//! Throughput of the extraction path, in bytes of input per second on one core.
//!
//! Groups:
//! - `html_full`: `charset::decode` → `Document::parse` → `extract::findings`, per page;
//! - `parse_only`: `Document::parse` of the already decoded pages;
//! - `text_only`: `extract::findings` on `Document::plain` of each page's visible text.
//!
//! Each group runs over two batches: `gen_pages` (up to 50 pages from
//! `../shared/bench/gen_site.py`) and `corpus` (the HTML documents of `../shared/corpus/dev`).
//! One iteration processes every document of the batch once, each as its own document.
//!
//! Pages come from `$OTCWATCH_BENCH_PAGES` (a directory of `.html` files, searched
//! recursively) when it is set; otherwise the bench runs `python3 gen_site.py TMPDIR 200` itself
//! and deletes the pages afterwards. Without `../shared` or `python3` it says so on stderr and
//! benchmarks what it has.
//!
//! Time is the measuring thread's time on a CPU (`/proc/thread-self/schedstat`), not wall time,
//! so builds and tests running beside the bench on a shared machine do not count against it and
//! the figures are per core. Set `OTCWATCH_BENCH_CLOCK=wall` for wall time (also the fallback
//! where that file is missing).
//!
//! Run with `cargo bench --bench extract`; results are in `bench/RESULTS.md`.

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use otcwatch::extract::{self, Warninglist};
use otcwatch::fetch::charset;
use otcwatch::parse::Document;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Pages of the generated site used per iteration: enough to mix pages with and without
/// planted identifiers, few enough to keep an iteration short.
const GEN_PAGES: usize = 50;
/// Pages generated when `$OTCWATCH_BENCH_PAGES` is not set.
const GEN_SITE_N: &str = "200";

/// One set of documents processed together in an iteration.
struct Batch {
    name: &'static str,
    /// The raw bytes of each document, as fetched.
    raw: Vec<Vec<u8>>,
    /// Each document decoded.
    decoded: Vec<String>,
    /// The visible text of each document.
    visible: Vec<String>,
}

impl Batch {
    fn new(name: &'static str, raw: Vec<Vec<u8>>) -> Batch {
        let decoded: Vec<String> = raw.iter().map(|b| charset::decode(b, None).text).collect();
        let visible = decoded.iter().map(|d| Document::parse(d).text).collect();
        Batch { name, raw, decoded, visible }
    }

    fn raw_bytes(&self) -> u64 {
        self.raw.iter().map(|d| d.len() as u64).sum()
    }

    fn decoded_bytes(&self) -> u64 {
        self.decoded.iter().map(|d| d.len() as u64).sum()
    }

    fn visible_bytes(&self) -> u64 {
        self.visible.iter().map(|d| d.len() as u64).sum()
    }
}

fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// Every `.html` file under `dir`, sorted by path so runs see the same pages.
fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "html") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn read_all(paths: &[PathBuf]) -> Vec<Vec<u8>> {
    paths.iter().filter_map(|path| std::fs::read(path).ok()).collect()
}

/// `n` of `paths`, spread evenly over the list.
fn spread(paths: &[PathBuf], n: usize) -> Vec<PathBuf> {
    if paths.len() <= n {
        return paths.to_vec();
    }
    (0..n).map(|i| paths[i * paths.len() / n].clone()).collect()
}

/// The generated pages: from `$OTCWATCH_BENCH_PAGES`, else generated into a temporary
/// directory. Empty, with a note on stderr, when neither works.
fn generated_pages() -> Vec<Vec<u8>> {
    if let Some(dir) = std::env::var_os("OTCWATCH_BENCH_PAGES") {
        let files = html_files(Path::new(&dir));
        if files.is_empty() {
            eprintln!(
                "note: OTCWATCH_BENCH_PAGES={} has no .html files",
                Path::new(&dir).display()
            );
        }
        return read_all(&spread(&files, GEN_PAGES));
    }
    let script = shared_dir().join("bench/gen_site.py");
    if !script.is_file() {
        eprintln!("note: {} is missing; skipping the generated pages", script.display());
        return Vec::new();
    }
    let tmp = match tempfile::tempdir() {
        Ok(tmp) => tmp,
        Err(e) => {
            eprintln!("note: no temporary directory ({e}); skipping the generated pages");
            return Vec::new();
        }
    };
    let site = tmp.path().join("site");
    let status = Command::new("python3").arg(&script).arg(&site).arg(GEN_SITE_N).output();
    match status {
        Ok(output) if output.status.success() => read_all(&spread(&html_files(&site), GEN_PAGES)),
        Ok(output) => {
            eprintln!(
                "note: {} failed ({}): {}; skipping the generated pages",
                script.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
            Vec::new()
        }
        Err(e) => {
            eprintln!("note: cannot run python3 ({e}); skipping the generated pages");
            Vec::new()
        }
    }
}

fn corpus_docs() -> Vec<Vec<u8>> {
    let dir = shared_dir().join("corpus/dev");
    let files = html_files(&dir);
    if files.is_empty() {
        eprintln!("note: no HTML documents in {}; skipping the corpus", dir.display());
    }
    read_all(&files)
}

fn batches() -> Vec<Batch> {
    let mut out = Vec::new();
    for (name, raw) in [("gen_pages", generated_pages()), ("corpus", corpus_docs())] {
        if raw.is_empty() {
            continue;
        }
        let batch = Batch::new(name, raw);
        eprintln!(
            "batch {}: {} documents, {} bytes of HTML, {} bytes of visible text",
            batch.name,
            batch.raw.len(),
            batch.raw_bytes(),
            batch.visible_bytes()
        );
        out.push(batch);
    }
    if out.is_empty() {
        eprintln!("note: no input documents at all; nothing to benchmark");
    }
    out
}

/// What a sample's duration is measured with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clock {
    /// Time the measuring thread spent on a CPU.
    ThreadCpu,
    Wall,
}

impl Clock {
    fn from_env() -> Clock {
        let wall = std::env::var("OTCWATCH_BENCH_CLOCK").is_ok_and(|v| v == "wall");
        if wall || thread_cpu_ns().is_none() {
            eprintln!("clock: wall time");
            Clock::Wall
        } else {
            eprintln!("clock: CPU time of the measuring thread");
            Clock::ThreadCpu
        }
    }
}

/// Nanoseconds the current thread has run on a CPU. The kernel updates the figure at least
/// every scheduler tick, so samples should be far longer than a tick (flat sampling, below).
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Criterion's own formatter for durations in nanoseconds.
static WALL_TIME: WallTime = WallTime;

impl Measurement for Clock {
    type Intermediate = (Instant, u64);
    type Value = Duration;

    fn start(&self) -> (Instant, u64) {
        let cpu = if *self == Clock::ThreadCpu { thread_cpu_ns().unwrap_or(0) } else { 0 };
        (Instant::now(), cpu)
    }

    fn end(&self, (wall, cpu): (Instant, u64)) -> Duration {
        match self {
            Clock::ThreadCpu => {
                Duration::from_nanos(thread_cpu_ns().unwrap_or(cpu).saturating_sub(cpu))
            }
            Clock::Wall => wall.elapsed(),
        }
    }

    fn add(&self, v1: &Duration, v2: &Duration) -> Duration {
        *v1 + *v2
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        WALL_TIME.formatter()
    }
}

/// Short runs (six benchmarks in about a minute on two cores) of equal samples of about 250 ms,
/// each far longer than a scheduler tick.
fn configure(group: &mut BenchmarkGroup<'_, Clock>) {
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.sample_size(20);
}

fn extract_benches(c: &mut Criterion<Clock>) {
    let batches = batches();
    let warninglist = Warninglist::embedded();

    let mut group = c.benchmark_group("html_full");
    configure(&mut group);
    for batch in &batches {
        group.throughput(Throughput::BytesDecimal(batch.raw_bytes()));
        group.bench_function(batch.name, |b| {
            b.iter(|| {
                for raw in &batch.raw {
                    let decoded = charset::decode(black_box(raw), None);
                    let doc = Document::parse(&decoded.text);
                    black_box(extract::findings(&doc, &warninglist));
                }
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("parse_only");
    configure(&mut group);
    for batch in &batches {
        group.throughput(Throughput::BytesDecimal(batch.decoded_bytes()));
        group.bench_function(batch.name, |b| {
            b.iter(|| {
                for decoded in &batch.decoded {
                    black_box(Document::parse(black_box(decoded)));
                }
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("text_only");
    configure(&mut group);
    for batch in &batches {
        let docs: Vec<Document> = batch.visible.iter().map(|t| Document::plain(t)).collect();
        group.throughput(Throughput::BytesDecimal(batch.visible_bytes()));
        group.bench_function(batch.name, |b| {
            b.iter(|| {
                for doc in &docs {
                    black_box(extract::findings(black_box(doc), &warninglist));
                }
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(Clock::from_env());
    targets = extract_benches
}
criterion_main!(benches);
