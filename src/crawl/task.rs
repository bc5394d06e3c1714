//! One fetch task: fetch a URL, then parse and extract off the scheduler (on the blocking
//! pool), shaped by the site's kind. Web pages give links and page findings (or post findings
//! when the site names a `post_selector`); feeds, Telegram previews and Mastodon statuses give
//! posts, each extracted on its own and stored with its permalink, author and time; the social
//! kinds also give the next page to fetch and the newest post id, for the "only posts newer than
//! the last one seen" rule (see `social.rs`).

use super::social;
use crate::config::{Site, SourceKind};
use crate::extract::{self, Warninglist};
use crate::fetch::{self, Outcome, Validators};
use crate::parse::{self, Document, Post};
use crate::schedule::canon;
use crate::store::{self, FindingRecord, PostRef, StoredBody, UrlRecord};
use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use url::Url;

/// A fetch's result, processed off the scheduler.
#[derive(Debug)]
#[expect(clippy::large_enum_variant, reason = "it travels boxed (`Done::Fetched`)")]
pub(super) enum Fetched {
    Page {
        final_url: Url,
        status: u16,
        validators: Validators,
        /// The body, stored by the task (see `process`).
        body: StoredBody,
        /// Links to follow within the site's scope (web sites).
        links: Vec<Url>,
        /// The next page of a social source, queued whatever the scope rules say.
        next: Vec<Url>,
        /// The newest post id on the page (Telegram, Mastodon).
        newest: Option<u64>,
        /// `None` when the body is the one stored last time (extraction skipped).
        findings: Option<Vec<FindingRecord>>,
    },
    NotModified {
        links: Vec<Url>,
    },
    /// Not fetched: the page's adaptive revisit interval has not run out. Its links come from
    /// the stored body so the crawl still reaches what is behind it.
    NotDue {
        links: Vec<Url>,
        fetched_ms: u64,
    },
    Skipped {
        reason: String,
    },
    Failed {
        failure: fetch::Failure,
    },
}

/// The fetch and processing of one URL, run as a task.
pub(super) struct FetchTask {
    pub(super) client: fetch::Client,
    pub(super) db: store::Db,
    pub(super) warninglist: Arc<Warninglist>,
    pub(super) url: Url,
    pub(super) previous: Option<UrlRecord>,
    pub(super) site: Arc<Site>,
    /// Social sources: the newest post id of the last finished crawl; older posts are skipped.
    pub(super) since: Option<u64>,
}

impl FetchTask {
    pub(super) async fn run(self) -> Fetched {
        if let Some((fetched_ms, hash)) = self.not_due() {
            let links = self.stored_links(hash).await;
            return Fetched::NotDue { links, fetched_ms };
        }
        let validators = self
            .previous
            .as_ref()
            .map(|r| Validators { etag: r.etag.clone(), last_modified: r.last_modified.clone() })
            .unwrap_or_default();
        match self.client.get(&self.url, &validators).await {
            Outcome::Page(page) => {
                let previous_hash = self.previous.and_then(|r| r.content_hash);
                let (warninglist, site, since) = (self.warninglist, self.site, self.since);
                let db = self.db;
                // Run here, on the runtime's worker, not handed to the blocking pool: a page
                // takes a fraction of a millisecond, less than the hand-off to another thread
                // and back cost (bench/RESULTS.md), and the runtime has one worker per core.
                // A panic on a hostile page fails this page, not the crawl.
                let processed = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    process(&db, page, previous_hash.as_deref(), &warninglist, &site, since)
                }));
                processed.unwrap_or_else(|panic| Fetched::Failed {
                    failure: fetch::Failure {
                        kind: fetch::FailureKind::Body,
                        message: format!("processing failed: {}", panic_message(&*panic)),
                        retry_after: None,
                    },
                })
            }
            Outcome::NotModified { .. } => {
                // Unchanged: its links come from the stored body, so the crawl goes on. A social
                // page that did not change has no new posts, so no next page either.
                let hash = self.previous.as_ref().and_then(|r| r.content_hash.clone());
                Fetched::NotModified { links: self.stored_links(hash).await }
            }
            Outcome::Skipped { reason, .. } => Fetched::Skipped { reason: format!("{reason:?}") },
            Outcome::Failed { failure, .. } => Fetched::Failed { failure },
        }
    }

    /// When the page was fetched and its body hash, if its revisit interval has not run out.
    /// Web pages only: a feed or a social timeline is read at every crawl of its site.
    fn not_due(&self) -> Option<(u64, Option<String>)> {
        if self.site.kind != SourceKind::Web {
            return None;
        }
        let previous = self.previous.as_ref()?;
        let (fetched, revisit) = (previous.fetched_ms?, previous.revisit_ms?);
        let ok = previous.failure.is_none() && previous.content_hash.is_some();
        let due = fetched.saturating_add(revisit) <= super::now_ms();
        (ok && !due).then(|| (fetched, previous.content_hash.clone()))
    }

    /// The links of the body stored under `hash`, resolved against this task's URL.
    async fn stored_links(&self, hash: Option<String>) -> Vec<Url> {
        if self.site.kind != SourceKind::Web {
            return Vec::new();
        }
        let (db, url, sort_query) = (self.db.clone(), self.url.clone(), self.site.sort_query);
        tokio::task::spawn_blocking(move || {
            let body = hash.and_then(|h| db.page_body(&h).ok().flatten()).unwrap_or_default();
            let text = fetch::charset::decode(&body, None).text;
            links(&Document::parse(&text), &url, sort_query)
        })
        .await
        .unwrap_or_default()
    }
}

/// What a caught panic said, for the failure message.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic")
}

/// Stores the body, then parses and extracts a fetched page (CPU work and one append to the
/// body store, run by the fetch task so that the scheduler only commits hashes).
fn process(
    db: &store::Db,
    page: fetch::Page,
    previous_hash: Option<&str>,
    warninglist: &Warninglist,
    site: &Site,
    since: Option<u64>,
) -> Fetched {
    let body = match db.store_body(&page.body) {
        Ok(body) => body,
        Err(error) => {
            let message = format!("storing the body failed: {error}");
            return Fetched::Failed {
                failure: fetch::Failure {
                    kind: fetch::FailureKind::Body,
                    message,
                    retry_after: None,
                },
            };
        }
    };
    let changed = previous_hash != Some(body.hash.as_str());
    let mut read = Read::default();
    match site.kind {
        SourceKind::Web => {
            let doc = Document::parse(&page.text);
            read.links = links(&doc, &page.url, site.sort_query);
            if changed {
                read.findings = Some(web_findings(&doc, &page, site, warninglist));
            }
        }
        SourceKind::Feed => {
            let feed = parse::feed::parse(&page.body, &page.url);
            for warning in &feed.warnings {
                tracing::info!(url = %page.url, warning, "feed");
            }
            read.findings = changed.then(|| posts_findings(&feed.posts, warninglist));
        }
        SourceKind::Telegram | SourceKind::Mastodon => {
            let social = match social::read(&page, site, since) {
                Ok(social) => social,
                Err(failure) => return Fetched::Failed { failure },
            };
            read.next = social.next;
            read.newest = social.newest;
            read.findings = changed.then(|| posts_findings(&social.posts, warninglist));
        }
    }
    Fetched::Page {
        final_url: page.url,
        status: page.status,
        validators: page.validators,
        body,
        links: read.links,
        next: read.next,
        newest: read.newest,
        findings: read.findings,
    }
}

/// What `process` read from a page, whatever its kind.
#[derive(Default)]
struct Read {
    links: Vec<Url>,
    next: Vec<Url>,
    newest: Option<u64>,
    findings: Option<Vec<FindingRecord>>,
}

/// A web page's findings: per post when the site names a `post_selector`, and the page's own
/// for identifiers outside every post.
fn web_findings(
    doc: &Document,
    page: &fetch::Page,
    site: &Site,
    warninglist: &Warninglist,
) -> Vec<FindingRecord> {
    let page_findings = extract::findings(doc, warninglist).findings;
    let Some(selectors) = &site.posts else {
        return page_findings.iter().map(FindingRecord::from).collect();
    };
    let posts = parse::forum::forum_posts(&page.text, &page.url, selectors);
    let mut findings = posts_findings(&posts, warninglist);
    let in_posts: HashSet<(extract::Kind, String)> =
        findings.iter().map(|f| (f.kind, f.value.clone())).collect();
    findings.extend(
        page_findings
            .iter()
            .filter(|f| !in_posts.contains(&(f.kind, f.value.clone())))
            .map(FindingRecord::from),
    );
    findings
}

/// Longest post text kept as evidence with each finding, in characters.
const MAX_POST_TEXT: usize = 4000;

/// Every post's findings, each pointing at its post.
pub(super) fn posts_findings(posts: &[Post], warninglist: &Warninglist) -> Vec<FindingRecord> {
    let mut out = Vec::new();
    for post in posts {
        // The title is part of what the author wrote (feeds put whole ads in it).
        let html = match &post.title {
            Some(title) => format!("<h1>{}</h1>\n{}", parse::feed::escape_html(title), post.html),
            None => post.html.clone(),
        };
        let doc = Document::parse(&html);
        let findings = extract::findings(&doc, warninglist).findings;
        if findings.is_empty() {
            continue;
        }
        let post_ref = PostRef {
            permalink: post.permalink.clone(),
            author: post.author.clone(),
            posted: post.published.clone(),
            text: doc.text.trim().chars().take(MAX_POST_TEXT).collect(),
        };
        out.extend(findings.iter().map(|finding| FindingRecord {
            post: Some(post_ref.clone()),
            ..FindingRecord::from(finding)
        }));
    }
    out
}

/// A document's links, resolved against its URL (or its `<base href>`) and canonicalised.
pub(super) fn links(doc: &Document, page_url: &Url, sort_query: bool) -> Vec<Url> {
    // The same href often appears several times on a page (navigation, "more" links):
    // resolving a URL costs more than comparing strings, so each href is resolved once.
    let mut hrefs = HashSet::new();
    let mut seen = HashSet::new();
    doc.links
        .iter()
        .map(|href| href.trim())
        .filter(|href| hrefs.insert(*href))
        .filter_map(|href| page_url.join(href).ok())
        .map(|url| canon::canonical(&url, sort_query))
        .filter(|url| seen.insert(url.as_str().to_owned()))
        .collect()
}
