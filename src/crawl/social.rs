//! Paging through social sources, and the "only posts newer than the last one seen" rule.
//!
//! - Telegram: the crawl starts at `t.me/s/<channel>` (the newest messages) and pages back with
//!   `?before=<oldest id on the page>` until a page reaches the last message seen at the
//!   previous crawl, the channel's start, or the site's `max_pages`.
//! - Mastodon: an account is looked up (`/api/v1/accounts/lookup?acct=`) for its id, then its
//!   statuses are read (`/api/v1/accounts/:id/statuses`); a hashtag is read from
//!   `/api/v1/timelines/tag/:tag`. The first crawl pages back with `max_id`; later crawls ask
//!   only for what is newer than the last status seen with `min_id` and page forward with it.
//!   Paging stops at an empty page or `max_pages`.
//!
//! In both, a post whose id is not above the last one seen is dropped before extraction. The
//! last id seen is kept in the site's state (`SiteState::post_cursor`), advanced when a crawl
//! finishes; a crawl that dies half-way re-reads its posts next time (sightings are
//! idempotent), it never skips any.

use crate::config::{Site, SourceKind, Timeline};
use crate::fetch::{self, Failure, FailureKind};
use crate::parse::Post;
use crate::parse::social::{mastodon_account_id, mastodon_statuses, telegram_page};
use crate::schedule::canon;
use url::Url;

/// Statuses asked for per Mastodon request (the API's maximum).
const MASTODON_LIMIT: &str = "40";

/// What a social page gave.
#[derive(Debug, Default)]
pub(super) struct Social {
    /// The posts newer than the last one seen.
    pub(super) posts: Vec<Post>,
    /// The next page to fetch, if paging goes on.
    pub(super) next: Vec<Url>,
    /// The newest post id on the page.
    pub(super) newest: Option<u64>,
}

/// The URL a crawl of `site` starts at.
pub(super) fn start_url(site: &Site, since: Option<u64>) -> Url {
    match (site.kind, &site.timeline) {
        (SourceKind::Mastodon, Some(Timeline::Account(acct))) => {
            let mut url = api_url(&site.url, &["api", "v1", "accounts", "lookup"]);
            url.query_pairs_mut().append_pair("acct", acct);
            url
        }
        (SourceKind::Mastodon, Some(Timeline::Tag(tag))) => {
            timeline_url(api_url(&site.url, &["api", "v1", "timelines", "tag", tag]), since)
        }
        (SourceKind::Telegram, _) => site.url.clone(),
        _ => canon::canonical(&site.url, site.sort_query),
    }
}

/// Reads a fetched Telegram preview page or Mastodon API response.
pub(super) fn read(page: &fetch::Page, site: &Site, since: Option<u64>) -> Result<Social, Failure> {
    match site.kind {
        SourceKind::Mastodon => mastodon(page, site, since),
        _ => telegram(page, since),
    }
}

fn telegram(page: &fetch::Page, since: Option<u64>) -> Result<Social, Failure> {
    let preview = telegram_page(&page.text);
    if preview.not_a_channel {
        return Err(failure(format!(
            "{} is not a channel preview (answered with {}): the channel is deleted, private or renamed",
            page.requested, page.url
        )));
    }
    for warning in &preview.warnings {
        tracing::info!(url = %page.url, warning, "telegram");
    }
    let next = match preview.oldest {
        Some(oldest) if oldest > 1 && since.is_none_or(|seen| oldest > seen + 1) => {
            let mut url = page.url.clone();
            url.set_query(None);
            url.query_pairs_mut().append_pair("before", &oldest.to_string());
            vec![url]
        }
        _ => Vec::new(),
    };
    Ok(Social { posts: newer(preview.posts, since), next, newest: preview.newest })
}

fn mastodon(page: &fetch::Page, site: &Site, since: Option<u64>) -> Result<Social, Failure> {
    let path = page.url.path().trim_end_matches('/');
    if path.ends_with("/api/v1/accounts/lookup") {
        let Some(id) = mastodon_account_id(&page.text) else {
            return Err(failure(format!("{}: no such account on the instance", page.url)));
        };
        let statuses = api_url(&site.url, &["api", "v1", "accounts", &id, "statuses"]);
        return Ok(Social { next: vec![timeline_url(statuses, since)], ..Social::default() });
    }
    let (posts, warnings) = mastodon_statuses(&page.text, &site.url);
    for warning in &warnings {
        tracing::info!(url = %page.url, warning, "mastodon");
    }
    // Paging goes by the timeline's own ids: a reblog's post carries the reblogged status's
    // (older) id. The instance answers `min_id` with newer statuses only, so no post is
    // filtered here.
    let ids = timeline_ids(&page.text);
    let (oldest, newest) = (ids.iter().copied().min(), ids.iter().copied().max());
    let next = match (since, oldest, newest) {
        (None, Some(oldest), _) => vec![with_param(&page.url, "max_id", oldest)],
        (Some(_), _, Some(newest)) => vec![with_param(&page.url, "min_id", newest)],
        _ => Vec::new(),
    };
    Ok(Social { posts, next, newest })
}

/// The numeric `id` of every status in a timeline response.
fn timeline_ids(json: &str) -> Vec<u64> {
    let Ok(serde_json::Value::Array(statuses)) = serde_json::from_str(json) else {
        return Vec::new();
    };
    statuses.iter().filter_map(|status| status.get("id")?.as_str()?.parse().ok()).collect()
}

/// The posts whose numeric id is above `since` (all of them on a first crawl).
fn newer(posts: Vec<Post>, since: Option<u64>) -> Vec<Post> {
    let Some(since) = since else { return posts };
    posts.into_iter().filter(|post| post.id.parse::<u64>().is_ok_and(|id| id > since)).collect()
}

/// `path` on the site's instance.
fn api_url(instance: &Url, path: &[&str]) -> Url {
    let mut url = instance.clone();
    url.set_query(None);
    url.set_fragment(None);
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.clear().extend(path);
    }
    url
}

/// A statuses URL with the page size, and `min_id` on a re-crawl.
fn timeline_url(mut url: Url, since: Option<u64>) -> Url {
    url.query_pairs_mut().append_pair("limit", MASTODON_LIMIT);
    match since {
        Some(since) => with_param(&url, "min_id", since),
        None => url,
    }
}

/// `url` with `key` set to `value` and the other paging keys removed.
fn with_param(url: &Url, key: &str, value: u64) -> Url {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !matches!(k.as_ref(), "min_id" | "max_id" | "since_id"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut out = url.clone();
    out.set_query(None);
    {
        let mut query = out.query_pairs_mut();
        query.extend_pairs(kept);
        query.append_pair(key, &value.to_string());
    }
    out
}

fn failure(message: String) -> Failure {
    Failure { kind: FailureKind::Status, message, retry_after: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Seeds;

    fn site(kind: &str, url: &str) -> Site {
        let text = format!("[[site]]\nname = \"s\"\nkind = \"{kind}\"\nurl = \"{url}\"\n");
        Seeds::parse(&text).unwrap().sites.remove(0)
    }

    #[test]
    fn mastodon_crawls_start_at_the_lookup_or_the_tag_timeline() {
        let account = site("mastodon", "https://mastodon.example/@otc_desk");
        assert_eq!(
            start_url(&account, Some(9)).as_str(),
            "https://mastodon.example/api/v1/accounts/lookup?acct=otc_desk"
        );
        let tag = site("mastodon", "https://mastodon.example/tags/usdt");
        assert_eq!(
            start_url(&tag, None).as_str(),
            "https://mastodon.example/api/v1/timelines/tag/usdt?limit=40"
        );
        assert_eq!(
            start_url(&tag, Some(110)).as_str(),
            "https://mastodon.example/api/v1/timelines/tag/usdt?limit=40&min_id=110"
        );
    }

    #[test]
    fn telegram_handles_become_preview_urls() {
        for spec in ["@otc_channel", "t.me/otc_channel", "https://t.me/s/otc_channel"] {
            assert_eq!(
                start_url(&site("telegram", spec), None).as_str(),
                "https://t.me/s/otc_channel"
            );
        }
        let local = site("telegram", "http://127.0.0.1:8080/otc_channel");
        assert_eq!(start_url(&local, None).as_str(), "http://127.0.0.1:8080/s/otc_channel");
    }

    #[test]
    fn paging_parameters_replace_each_other() {
        let url = Url::parse("https://m.example/api/v1/timelines/tag/x?limit=40&max_id=5").unwrap();
        assert_eq!(
            with_param(&url, "min_id", 7).as_str(),
            "https://m.example/api/v1/timelines/tag/x?limit=40&min_id=7"
        );
    }
}
