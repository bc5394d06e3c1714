//! Tidy checks over the source tree, as `#[test]`s so that `cargo test` stays the whole gate
//! (after rust-analyzer's `xtask/src/tidy.rs`). They enforce the invariants ARCHITECTURE.md
//! writes as absences: module docs everywhere, each dependency in its one module, tasks spawned
//! in one place, bounded channels, no skipped tests, no oversized files. Each check lists every
//! offender, not just the first.

use std::path::{Path, PathBuf};

/// Files may grow to this many lines; past it, split them (style guide §4.5).
const MAX_LINES: usize = 800;

/// Files allowed past [`MAX_LINES`], with why. Keep it short: an entry is a debt, not a licence.
const ALLOW_LARGE: &[(&str, &str)] = &[
    // Both were over the limit when this list was written; each entry should go when its file
    // is split (tests to a sibling `tests.rs` would be the first step).
    ("src/crawl/mod.rs", "the task graph: pipeline wiring, shutdown and their tests"),
    ("src/parse/html/mod.rs", "the hand-written HTML scanner"),
];

/// Where each dependency may be used: the modules that own a boundary.
const DEPENDENCY_HOMES: &[(&str, &[&str])] = &[
    ("sled", &["src/store/"]),
    ("axum", &["src/web/", "src/demo/"]),
    // notify.rs posts webhooks to admin-configured receivers, outside the crawler's guard.
    ("reqwest", &["src/fetch/", "src/notify.rs"]),
    // HTML is written by the UI's templates only.
    ("askama", &["src/web/ui/"]),
];

/// The only places that may spawn tasks.
const SPAWN_HOMES: &[&str] = &["src/crawl/", "src/web/", "src/demo/"];

#[test]
fn every_source_file_starts_with_module_docs() {
    let offenders: Vec<String> = rust_files("src")
        .into_iter()
        .filter(|file| !file.text.starts_with("//!"))
        .map(|file| format!("{}: first line is {:?}", file.rel, file.text.lines().next()))
        .collect();
    report(
        &offenders,
        "files without module docs; start each with `//!` saying what it owns (§4.5)",
    );
}

#[test]
fn dependencies_stay_in_their_modules() {
    let files = rust_files("src");
    let mut offenders = Vec::new();
    for &(krate, homes) in DEPENDENCY_HOMES {
        for file in files.iter().filter(|file| !homes.iter().any(|home| file.rel.starts_with(home)))
        {
            for (line_no, line) in code_lines(&file.text) {
                if uses_crate(line, krate) {
                    offenders.push(format!(
                        "{}:{line_no}: `{krate}` belongs in {}: {}",
                        file.rel,
                        homes.join(" or "),
                        line.trim()
                    ));
                }
            }
        }
    }
    report(&offenders, "dependencies used outside the module that owns them");
}

#[test]
fn tasks_are_spawned_only_in_crawl_and_web() {
    let offenders = grep("src", &["tokio::spawn", "tokio::task::spawn"], |rel| {
        SPAWN_HOMES.iter().any(|home| rel.starts_with(home))
    });
    report(&offenders, "tasks spawned outside src/crawl/ and src/web/");
}

#[test]
fn every_channel_is_bounded() {
    // Spelled in two pieces so that this file does not match itself.
    let needle = concat!("unbounded", "_channel");
    let mut offenders = grep("src", &[needle], |_| false);
    offenders.extend(grep("tests", &[needle], |_| false));
    report(&offenders, "unbounded channels; give every channel a capacity");
}

#[test]
fn no_ignored_or_should_panic_tests() {
    // Spelled in pieces so that this file does not match itself.
    let needles = [concat!("#[", "ignore"), concat!("#[", "should_panic")];
    let mut offenders = grep("src", &needles, |_| false);
    offenders.extend(grep("tests", &needles, |_| false));
    report(
        &offenders,
        "skipped or panic-expecting tests; assert the current behaviour with a FIXME instead (§4.13)",
    );
}

#[test]
fn no_file_is_over_the_size_limit() {
    let mut files = rust_files("src");
    files.extend(rust_files("tests"));
    let mut offenders = Vec::new();
    for file in &files {
        let lines = file.text.lines().count();
        let allowed = ALLOW_LARGE.iter().any(|(rel, _)| *rel == file.rel);
        if lines > MAX_LINES && !allowed {
            offenders.push(format!("{}: {lines} lines", file.rel));
        }
    }
    for (rel, _) in ALLOW_LARGE {
        let stale = files
            .iter()
            .find(|file| file.rel == *rel)
            .is_none_or(|file| file.text.lines().count() <= MAX_LINES);
        if stale {
            // Not a failure (another change may be mid-way), but the entry should go.
            eprintln!("note: {rel} is on ALLOW_LARGE but no longer over {MAX_LINES} lines");
        }
    }
    report(
        &offenders,
        &format!(
            "files over {MAX_LINES} lines; split them, or add a flat catalogue to ALLOW_LARGE \
             in tests/it/tidy.rs with a reason (§4.5)"
        ),
    );
}

/// A Rust source file: its path relative to the package root, with `/` separators, and text.
struct SourceFile {
    rel: String,
    text: String,
}

/// Every `.rs` file under `dir` (relative to the package root), sorted by path. A directory
/// that does not exist yet has none.
fn rust_files(dir: &str) -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    collect(&root.join(dir), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel: Vec<String> =
                rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            SourceFile { rel: rel.join("/"), text }
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap_or_else(|e| panic!("list {}: {e}", dir.display())).path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Numbered lines that are not `//` comments: prose may name a crate or an API it forbids.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(idx, line)| (idx + 1, line))
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
}

/// `path:line: text` for every code line under `dir` containing one of `needles`, in files
/// that `exempt` (given the relative path) does not exempt.
fn grep(dir: &str, needles: &[&str], exempt: impl Fn(&str) -> bool) -> Vec<String> {
    let mut hits = Vec::new();
    for file in rust_files(dir).iter().filter(|file| !exempt(&file.rel)) {
        for (line_no, line) in code_lines(&file.text) {
            if needles.iter().any(|needle| line.contains(needle)) {
                hits.push(format!("{}:{line_no}: {}", file.rel, line.trim()));
            }
        }
    }
    hits
}

/// True when `line` uses the crate `krate` as a path (`krate::…`, `use krate`,
/// `extern crate krate`), not merely as part of another identifier.
fn uses_crate(line: &str, krate: &str) -> bool {
    line.match_indices(krate).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = &line[at + krate.len()..];
        let starts_path = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'));
        let ends_word = after.chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let item = line.trim_start().trim_start_matches("pub ");
        let as_path = after.starts_with("::")
            || item.starts_with("use ")
            || item.starts_with("extern crate ");
        starts_path && ends_word && as_path
    })
}

/// Fails with every offender on its own line, under a heading that says what to do.
#[track_caller]
fn report(offenders: &[String], heading: &str) {
    assert!(
        offenders.is_empty(),
        "\n{heading}:\n{}\n",
        offenders.iter().map(|o| format!("  {o}")).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn uses_crate_matches_paths_only() {
    assert!(uses_crate("use sled::Db;", "sled"));
    assert!(uses_crate("    let db = sled::open(path)?;", "sled"));
    assert!(uses_crate("extern crate sled;", "sled"));
    assert!(uses_crate("use {serde, sled};", "sled"));
    assert!(!uses_crate("use crate::store::sled_tree;", "sled"));
    assert!(!uses_crate("let sledge = 1;", "sled"));
    assert!(!uses_crate("let tx = crate::store::sled_tree();", "sled"));
    assert!(!uses_crate("my_axum::Router", "axum"));
}
