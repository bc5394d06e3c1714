//! `kill -9` in the middle of a crawl, then a restart: nothing already reported is lost, no
//! finding is duplicated, and the crawl goes on where it stopped. Runs the real binary against
//! a slow site served by the test.

use crate::support::otcwatch as otcwatch_cmd;
use crate::support::site::Site;
use axum::extract::Path as AxumPath;
use axum::routing::get;
use otcwatch::extract::Kind;
use otcwatch::store::{AccountFilter, Db};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PAGES: usize = 240;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_crawl_loses_nothing_and_resumes() {
    let hits: Arc<Mutex<HashMap<usize, usize>>> = Arc::default();
    let page_hits = hits.clone();
    let site = Site::new()
        .raw(
            "/",
            get(|| async {
                let links: String =
                    (0..PAGES).map(|i| format!("<a href=\"/p/{i}\">{i}</a> ")).collect();
                axum::response::Html(links)
            }),
        )
        .raw(
            "/p/{n}",
            get(move |AxumPath(n): AxumPath<usize>| {
                let hits = page_hits.clone();
                async move {
                    *hits.lock().unwrap().entry(n).or_default() += 1;
                    tokio::time::sleep(Duration::from_millis(40)).await;
                    axum::response::Html(format!("长期收U出U 汇率7.2 支付宝：1591234{n:04}"))
                }
            }),
        )
        .start()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("sites.toml");
    std::fs::write(
        &seeds,
        format!(
            "[defaults]\ndelay = \"0s\"\nconcurrency_per_host = 4\ntimeout = \"5s\"\n\n[[site]]\nname = \"slow\"\nurl = \"{}\"\n",
            site.origin()
        ),
    )
    .unwrap();
    let db_dir = dir.path().join("db");
    let crawl = move |db: &std::path::Path| {
        let mut cmd = otcwatch_cmd();
        cmd.args(["crawl", "--log-format", "json", "--once", "--seeds"])
            .arg(&seeds)
            .arg("--db")
            .arg(db)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        cmd
    };

    // First run: kill -9 once a good part of the site has been fetched.
    let mut child = crawl(&db_dir).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let reported = Arc::new(Mutex::new(0u64));
    let reader_reported = reported.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let Ok(json) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
            if let Some(findings) = json["fields"]["findings"].as_u64() {
                *reader_reported.lock().unwrap() = findings;
            }
        }
    });
    let started = Instant::now();
    loop {
        let fetched = hits.lock().unwrap().len();
        if fetched >= PAGES / 2 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the crawl made no progress");
        assert!(child.try_wait().unwrap().is_none(), "the crawl ended before it could be killed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    reader.join().unwrap();
    let reported = *reported.lock().unwrap();
    let fetched_before = hits.lock().unwrap().len();
    assert!(fetched_before < PAGES, "killed too late to test a resume");

    // What was reported survived the kill.
    {
        let db = Db::open(&db_dir).unwrap();
        let stored = db
            .accounts(&AccountFilter { kind: Some(Kind::Alipay), ..AccountFilter::default() })
            .unwrap()
            .len() as u64;
        assert!(stored >= reported, "reported {reported} findings but only {stored} survived");
        assert!(reported > 0, "nothing was reported before the kill; the test proves nothing");
    }

    // Second run: finishes the crawl without starting over.
    let mut child = crawl(&db_dir).stderr(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("the resumed crawl did not finish");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success());
    let hits = hits.lock().unwrap().clone();
    assert_eq!(hits.len(), PAGES, "every page was fetched");
    let refetched = hits.values().filter(|n| **n > 1).count();
    assert!(refetched <= 8, "{refetched} pages were fetched twice: the crawl started over");
    let db = Db::open(&db_dir).unwrap();
    let accounts = db
        .accounts(&AccountFilter { kind: Some(Kind::Alipay), ..AccountFilter::default() })
        .unwrap();
    assert_eq!(accounts.len(), PAGES);
    assert!(accounts.iter().all(|a| a.sightings == 1), "a finding was duplicated");
}
