//! `GET /metrics`: Prometheus text exposition format (version 0.0.4) of what the store knows
//! (fetches, fetch errors by kind, pages, errors and findings per site, accounts per kind,
//! queue sizes) and of what
//! this server counted since it started (logins by outcome, reviews by status), the number of
//! watchlist changes and the webhook backlog per receiver.
//!
//! Store figures are read from counters and site records, never by scanning pages, so a
//! scrape costs O(kinds + sites).

use super::{ApiError, AppState, Principal, blocking};
use crate::store::Status;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// The exposition format's content type.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Counters kept by the server process.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    logins_ok: AtomicU64,
    logins_failed: AtomicU64,
    logins_limited: AtomicU64,
    /// Reviews made through this server, by the status they set (in `Status::ALL` order).
    reviews: [AtomicU64; 4],
}

impl Counters {
    /// Counts a login by outcome: `ok`, `failed` or `limited`.
    pub(crate) fn login(&self, outcome: &str) {
        let counter = match outcome {
            "ok" => &self.logins_ok,
            "failed" => &self.logins_failed,
            _ => &self.logins_limited,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a review that set `status`.
    pub(crate) fn review(&self, status: Status) {
        let idx = Status::ALL.iter().position(|s| *s == status).unwrap_or_default();
        self.reviews[idx].fetch_add(1, Ordering::Relaxed);
    }
}

/// `GET /metrics` (any role).
pub(crate) async fn handler(
    State(state): State<AppState>,
    _: Principal,
) -> Result<impl IntoResponse, ApiError> {
    let db = state.db.clone();
    let (counts, sites, changes, backlog) = blocking(move || {
        let counts = db.counts()?;
        let mut sites = Vec::new();
        for site in db.sites()? {
            let queued = db.queue_len(&site.name)?;
            sites.push((site, queued));
        }
        let changes = db.watchlist_cursor()?;
        let mut backlog = Vec::new();
        for receiver in db.webhooks()? {
            let waiting = db.outbox(receiver.id)?.len() as u64;
            backlog.push((receiver.id.to_string(), waiting));
        }
        Ok((counts, sites, changes, backlog))
    })
    .await?;
    let mut out = String::new();
    family(&mut out, "otcwatch_pages_stored", "gauge", "Distinct page bodies stored.");
    sample(&mut out, "otcwatch_pages_stored", &[], counts.pages);
    family(&mut out, "otcwatch_pages_fetched_total", "counter", "Fetch results committed.");
    sample(&mut out, "otcwatch_pages_fetched_total", &[], counts.fetches);
    family(
        &mut out,
        "otcwatch_fetch_errors_total",
        "counter",
        "Failed or skipped fetches, by kind.",
    );
    for (kind, n) in &counts.failures {
        sample(&mut out, "otcwatch_fetch_errors_total", &[("kind", kind)], *n);
    }
    family(&mut out, "otcwatch_queue_size", "gauge", "URLs waiting in the crawl frontier.");
    sample(&mut out, "otcwatch_queue_size", &[], counts.queued);
    family(&mut out, "otcwatch_accounts", "gauge", "Accounts found, by identifier kind.");
    for (kind, n) in &counts.accounts {
        sample(&mut out, "otcwatch_accounts", &[("kind", kind.as_str())], *n);
    }
    let per_site: [(&str, &str, &str); 4] = [
        ("otcwatch_site_pages_fetched", "gauge", "Pages fetched in the site's current crawl."),
        ("otcwatch_site_fetch_errors", "gauge", "Failed fetches in the site's current crawl."),
        ("otcwatch_site_findings", "gauge", "Findings in the site's current crawl."),
        ("otcwatch_site_queue_size", "gauge", "URLs of the site waiting in the frontier."),
    ];
    for (idx, (name, kind, help)) in per_site.iter().enumerate() {
        family(&mut out, name, kind, help);
        for (site, queued) in &sites {
            let value = [site.pages, site.errors, site.findings, *queued][idx];
            sample(&mut out, name, &[("site", &site.name)], value);
        }
    }
    family(
        &mut out,
        "otcwatch_watchlist_changes_total",
        "counter",
        "Review decisions and automatic reopens recorded (the last watchlist cursor).",
    );
    sample(&mut out, "otcwatch_watchlist_changes_total", &[], changes);
    family(
        &mut out,
        "otcwatch_api_reviews_total",
        "counter",
        "Reviews made through this server since it started, by the status they set.",
    );
    for (status, counter) in Status::ALL.iter().zip(&state.metrics.reviews) {
        let value = counter.load(Ordering::Relaxed);
        sample(&mut out, "otcwatch_api_reviews_total", &[("status", status.as_str())], value);
    }
    family(
        &mut out,
        "otcwatch_webhook_backlog",
        "gauge",
        "Watchlist changes waiting to be delivered, per webhook receiver.",
    );
    for (receiver, waiting) in &backlog {
        sample(&mut out, "otcwatch_webhook_backlog", &[("receiver", receiver)], *waiting);
    }
    family(&mut out, "otcwatch_logins_total", "counter", "Logins since the server started.");
    let logins = &state.metrics;
    for (outcome, counter) in [
        ("ok", &logins.logins_ok),
        ("failed", &logins.logins_failed),
        ("limited", &logins.logins_limited),
    ] {
        let value = counter.load(Ordering::Relaxed);
        sample(&mut out, "otcwatch_logins_total", &[("outcome", outcome)], value);
    }
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], out))
}

/// The `# HELP` and `# TYPE` lines of a metric family.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// One sample line, label values escaped as the format requires.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: u64) {
    out.push_str(name);
    if !labels.is_empty() {
        let labels: Vec<String> =
            labels.iter().map(|(key, value)| format!("{key}=\"{}\"", escape(value))).collect();
        let _ = write!(out, "{{{}}}", labels.join(","));
    }
    let _ = writeln!(out, " {value}");
}

/// A label value: backslash, double quote and line feed escaped.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn label_values_are_escaped() {
        let mut out = String::new();
        super::sample(&mut out, "m", &[("site", "a\"b\\c\nd")], 3);
        assert_eq!(out, "m{site=\"a\\\"b\\\\c\\nd\"} 3\n");
    }
}
