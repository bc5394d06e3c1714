//! Accounts in a real store without a crawl: commits a fetched page with chosen findings
//! through `Db::commit_page`, the same write path the crawler uses.

use otcwatch::extract::Kind;
use otcwatch::store::{Db, FindingRecord, PageCommit, PostRef, SiteState, UrlRecord};

/// A finding of `kind:value` as extraction would report it, in a context that contains it.
pub(crate) fn finding(kind: Kind, value: &str) -> FindingRecord {
    let context = format!("长期收U 出U，秒结 {value} 联系我");
    let start = context.find(value).expect("value is in its context");
    FindingRecord {
        kind,
        value: value.to_string(),
        raw: value.to_string(),
        otc: true,
        score: 0.9,
        context,
        span: (start, start + value.len()),
        validation: None,
        warning: None,
        post: None,
    }
}

/// The same finding, seen in a social post at `permalink` by `author`.
pub(crate) fn in_post(mut finding: FindingRecord, permalink: &str, author: &str) -> FindingRecord {
    finding.post = Some(PostRef {
        permalink: permalink.to_string(),
        author: Some(author.to_string()),
        posted: None,
        text: finding.context.clone(),
    });
    finding
}

/// Commits a fetch of `url` on `site` at `at_ms` that found `findings`, in a new crawl epoch.
pub(crate) fn page(db: &Db, site: &str, url: &str, findings: Vec<FindingRecord>, at_ms: u64) {
    let mut state = db
        .site(site)
        .expect("read site")
        .unwrap_or_else(|| SiteState { name: site.to_string(), ..SiteState::default() });
    state.epoch += 1;
    db.put_site(&state).expect("write site");
    db.enqueue(site, state.epoch, url, 0, at_ms).expect("enqueue");
    let queued = db
        .due(site, at_ms, 1000)
        .expect("due")
        .into_iter()
        .find(|queued| queued.url == url)
        .expect("the page is queued");
    let body = format!("<p>{url} {at_ms}</p>");
    let commit = PageCommit {
        queued,
        record: UrlRecord { status: Some(200), ..UrlRecord::default() },
        body: Some(body.into_bytes()),
        findings,
        fetched_ms: at_ms,
        final_url: url.to_string(),
    };
    db.commit_page(commit).expect("commit page");
    db.flush().expect("flush");
}
