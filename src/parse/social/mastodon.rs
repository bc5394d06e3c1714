//! Mastodon through an instance's public REST API: the statuses JSON of
//! `/api/v1/accounts/:id/statuses` and `/api/v1/timelines/tag/:tag`, and the account id from
//! `/api/v1/accounts/lookup?acct=`. Read as `serde_json::Value` rather than typed structs, so
//! one odd status (a missing field, a number where a string should be) costs that status, not
//! the page.

use std::collections::HashSet;

use serde_json::Value;
use url::Url;

use crate::parse::Post;
use crate::parse::feed::{MAX_ITEMS, Warnings, absolute_http, clip, links_in, utc_timestamp};

/// Mastodon: an array of statuses → posts (id: status id, permalink: `url` or `uri`, author:
/// `account.acct` as `@acct@host` (the instance's host when the acct has none), published:
/// `created_at`, title: the content warning, html: `content`, links: hrefs in the content).
/// A reblog becomes the reblogged status: all its fields, id included, come from `reblog`.
/// Broken JSON, or an API error object, → no posts and a warning.
pub fn mastodon_statuses(json: &str, instance: &Url) -> (Vec<Post>, Vec<String>) {
    let mut warnings = Warnings::default();
    let statuses = match serde_json::from_str::<Value>(json) {
        Ok(Value::Array(statuses)) => statuses,
        Ok(Value::Object(object)) if object.contains_key("error") => {
            let error = object.get("error").and_then(Value::as_str).unwrap_or_default();
            warnings.push(format!("instance answered with an error: {:?}", clip(error)));
            return (Vec::new(), warnings.finish());
        }
        Ok(_) => {
            warnings.push("expected a JSON array of statuses".to_owned());
            return (Vec::new(), warnings.finish());
        }
        Err(error) => {
            warnings.push(format!("not JSON: {error}"));
            return (Vec::new(), warnings.finish());
        }
    };
    let host = instance.host_str().unwrap_or_default();
    let mut seen = HashSet::new();
    let mut posts = Vec::new();
    for (idx, status) in statuses.iter().enumerate() {
        if posts.len() == MAX_ITEMS {
            warnings.push(format!("more than {MAX_ITEMS} statuses; kept the first"));
            break;
        }
        let number = idx + 1;
        let status = status.get("reblog").filter(|reblog| reblog.is_object()).unwrap_or(status);
        let Some(id) = string(status, "id") else {
            warnings.push(format!("status {number} has no id: skipped"));
            continue;
        };
        if !seen.insert(id.clone()) {
            warnings.push(format!("status {number}: {:?} again: kept the first", clip(&id)));
            continue;
        }
        let created_at = string(status, "created_at");
        let published = created_at.as_deref().and_then(utc_timestamp);
        if published.is_none() {
            warnings.push(format!("status {number}: unreadable created_at {created_at:?}"));
        }
        let permalink = ["url", "uri"]
            .iter()
            .filter_map(|key| string(status, key))
            .find_map(|link| absolute_http(&link, instance))
            .unwrap_or_else(|| instance.to_string());
        let html = status.get("content").and_then(Value::as_str).unwrap_or_default().to_owned();
        posts.push(Post {
            links: links_in(&html, instance),
            id,
            permalink,
            author: status.get("account").and_then(|account| string(account, "acct")).map(|acct| {
                if acct.contains('@') { format!("@{acct}") } else { format!("@{acct}@{host}") }
            }),
            published,
            title: status
                .get("spoiler_text")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|warning| !warning.is_empty())
                .map(str::to_owned),
            html,
        });
    }
    (posts, warnings.finish())
}

/// The account id from `/api/v1/accounts/lookup?acct=` JSON; None for an error object, broken
/// JSON, or an id that is not plain letters and digits (it goes into a URL path).
pub fn mastodon_account_id(json: &str) -> Option<String> {
    let account: Value = serde_json::from_str(json).ok()?;
    string(&account, "id").filter(|id| id.bytes().all(|byte| byte.is_ascii_alphanumeric()))
}

/// A non-empty string field (or a number, which some servers send for ids), trimmed.
fn string(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(text) => Some(text.trim().to_owned()).filter(|text| !text.is_empty()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}
