//! Profiling harness for the extraction path, for instruction counts that hold still on a
//! shared machine (bench/RESULTS.md, "The `perf` branch").
//!
//! ```text
//! cargo build --release --example prof_extract
//! valgrind --tool=callgrind --toggle-collect='prof_extract::run_text' \
//!     $CARGO_TARGET_DIR/release/examples/prof_extract text 3
//! valgrind --tool=callgrind --toggle-collect='prof_extract::run_html' \
//!     $CARGO_TARGET_DIR/release/examples/prof_extract html 2
//! ```
//!
//! `text` runs `extract::findings` on `Document::plain` of each page's visible text (the
//! bench's `text_only`); `html` runs `charset::decode` → `Document::parse` →
//! `extract::findings` on the raw bytes (`html_full`). The second argument is the number of
//! passes. Pages: 50 `.html` files spread over `$PAGES` (searched recursively; default
//! `/var/tmp/otcbench/site/p`, a site from `../shared/bench/gen_site.py`). Set
//! `PAGES=../shared/corpus/dev` for the dev corpus. Only the `run_*` functions are counted
//! with `--toggle-collect`, so reading the pages and building the automaton are left out;
//! divide the count by `bytes_processed` (printed on stderr) for instructions per byte.

use otcwatch::extract::{self, Warninglist};
use otcwatch::fetch::charset;
use otcwatch::parse::Document;
use std::hint::black_box;
use std::path::{Path, PathBuf};

/// Pages per pass, as in `benches/extract.rs`.
const PAGES: usize = 50;

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

/// `text_only`: extraction on visible text. Returns the number of findings.
#[inline(never)]
fn run_text(docs: &[Document], warninglist: &Warninglist, passes: usize) -> usize {
    let mut n = 0;
    for _ in 0..passes {
        for doc in docs {
            n += black_box(extract::findings(black_box(doc), warninglist)).findings.len();
        }
    }
    n
}

/// `html_full`: decoding, parsing and extraction. Returns the number of findings.
#[inline(never)]
fn run_html(raw: &[Vec<u8>], warninglist: &Warninglist, passes: usize) -> usize {
    let mut n = 0;
    for _ in 0..passes {
        for bytes in raw {
            let decoded = charset::decode(black_box(bytes), None);
            let doc = Document::parse(&decoded.text);
            n += black_box(extract::findings(&doc, warninglist)).findings.len();
        }
    }
    n
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "text".to_owned());
    let passes: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let dir = std::env::var("PAGES").unwrap_or_else(|_| "/var/tmp/otcbench/site/p".to_owned());
    let files = html_files(Path::new(&dir));
    let n = PAGES.min(files.len());
    let picked: Vec<&PathBuf> = (0..n).map(|i| &files[i * files.len() / n]).collect();
    let raw: Vec<Vec<u8>> =
        picked.iter().map(|path| std::fs::read(path).expect("a readable page")).collect();
    let visible: Vec<String> =
        raw.iter().map(|bytes| Document::parse(&charset::decode(bytes, None).text).text).collect();
    let docs: Vec<Document> = visible.iter().map(|text| Document::plain(text)).collect();
    let warninglist = Warninglist::embedded();
    // Build the vocabulary automaton outside the counted functions.
    black_box(extract::findings(&Document::plain("支付宝 13812345678"), &warninglist));
    let raw_bytes: usize = raw.iter().map(Vec::len).sum();
    let visible_bytes: usize = visible.iter().map(String::len).sum();
    let (found, per_pass) = match mode.as_str() {
        "html" => (run_html(&raw, &warninglist, passes), raw_bytes),
        "text" => (run_text(&docs, &warninglist, passes), visible_bytes),
        other => {
            eprintln!("unknown mode '{other}': expected text or html");
            std::process::exit(2);
        }
    };
    eprintln!(
        "mode={mode} passes={passes} docs={n} raw_bytes={raw_bytes} visible_bytes={visible_bytes} \
         findings={found} bytes_processed={}",
        passes * per_pass
    );
}
