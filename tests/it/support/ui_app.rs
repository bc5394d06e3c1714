//! The whole web application on 127.0.0.1:0 over a temp sled store, with users and crawled
//! pages committed through the store's own commit path: what the browser tests and the
//! screenshot script (`examples/screenshots.rs` includes this file) look at.

use std::net::{Ipv4Addr, SocketAddr};

use otcwatch::extract::Kind;
use otcwatch::store::{Db, FindingRecord, PageCommit, PostRef, Role, UrlRecord};
use otcwatch::web::{AppState, Options};

/// A password for every test user (long enough for any policy).
pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// A running server and its store.
pub(crate) struct App {
    pub(crate) db: Db,
    pub(crate) addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

/// One crawled page: where, what body, which identifiers with which context.
pub(crate) struct CrawledPage<'a> {
    pub(crate) site: &'a str,
    pub(crate) url: &'a str,
    pub(crate) body: &'a str,
    pub(crate) findings: Vec<Found<'a>>,
    pub(crate) at_ms: u64,
}

/// One identifier on a crawled page.
pub(crate) struct Found<'a> {
    pub(crate) kind: Kind,
    pub(crate) value: &'a str,
    pub(crate) context: &'a str,
    pub(crate) score: f32,
    pub(crate) post: Option<PostRef>,
}

impl App {
    /// Opens a store in a temp dir, adds `users` (name, role) with [`PASSWORD`], and serves the
    /// application on a free 127.0.0.1 port (on the current tokio runtime).
    pub(crate) async fn start(users: &[(&str, Role)]) -> App {
        let dir = tempfile::tempdir().expect("a temp dir");
        let db = Db::open(&dir.path().join("db")).expect("opening the store");
        for (name, role) in users {
            db.add_user(name, *role, PASSWORD, 0).expect("adding a user");
        }
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("binding 127.0.0.1:0");
        let addr = listener.local_addr().expect("a bound address");
        let state = AppState::new(db.clone(), &Options { listen: addr, ..Options::default() });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            otcwatch::web::serve_listener(listener, state, shutdown)
                .await
                .expect("the server failed");
        });
        App { db, addr, stop: Some(stop), _dir: dir }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Commits `page` as the crawler would after fetching it: the identifiers' spans are
    /// where their values first occur in the body.
    pub(crate) fn crawl(&self, page: &CrawledPage<'_>) {
        let epoch = 1;
        self.db.enqueue(page.site, epoch, page.url, 0, page.at_ms).expect("enqueue");
        let queued = self
            .db
            .due(page.site, page.at_ms, 1000)
            .expect("due")
            .into_iter()
            .find(|queued| queued.url == page.url)
            .expect("the page was queued");
        let findings = page
            .findings
            .iter()
            .map(|found| {
                let start = page.body.find(found.value).unwrap_or(0);
                let end = if start == 0 { 0 } else { start + found.value.len() };
                FindingRecord {
                    kind: found.kind,
                    value: found.value.to_owned(),
                    raw: found.value.to_owned(),
                    otc: found.score >= 0.5,
                    score: found.score,
                    context: found.context.to_owned(),
                    span: (start, end),
                    validation: None,
                    warning: None,
                    post: found.post.clone(),
                }
            })
            .collect();
        let commit = PageCommit {
            queued,
            record: UrlRecord { status: Some(200), ..UrlRecord::default() },
            body: Some(page.body.as_bytes().to_vec()),
            findings,
            fetched_ms: page.at_ms,
            final_url: page.url.to_owned(),
        };
        self.db.commit_page(commit).expect("commit_page");
        self.db.flush().expect("flush");
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
