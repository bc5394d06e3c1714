//! `/`: the dashboard. Findings (new sightings) per day and accounts per kind as SVG bar charts, crawl
//! health per site, queue sizes and the review backlog by status. The per-day chart and the
//! backlog read every account once (no counters for them exist yet), which is fine at the
//! scale of one inspection team's store.

use super::chart::{self, BarChart};
use super::sites::{SiteRow, site_rows};
use super::{Layout, PageError, blocking, render};
use crate::extract::Kind;
use crate::store::{AccountFilter, Db, Status};
use crate::web::AppState;
use crate::web::auth::Principal;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use std::collections::BTreeMap;

/// Days shown in the per-day chart, today included.
const DAYS: u64 = 30;
const DAY_MS: u64 = 24 * 3600 * 1000;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/", get(page))
}

/// What the dashboard shows.
#[derive(Debug)]
pub(crate) struct Dashboard {
    pub(crate) accounts_total: u64,
    pub(crate) otc_total: u64,
    pub(crate) queued: u64,
    pub(crate) pages: u64,
    /// Findings per day, then accounts per kind.
    pub(crate) charts: Vec<BarChart>,
    pub(crate) sites: Vec<SiteRow>,
    /// Accounts per review status, every status present, in workflow order.
    pub(crate) backlog: Vec<(&'static str, u64)>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    dash: Dashboard,
    /// The crawl health table (`site_table.html` reads `rows`).
    rows: Vec<SiteRow>,
}

/// Builds the dashboard as of `now_ms`.
pub(crate) fn dashboard(db: &Db, now_ms: u64) -> Result<Dashboard, crate::store::Error> {
    let counts = db.counts()?;
    let accounts = db.accounts(&AccountFilter::default())?;
    let today = now_ms / DAY_MS;
    let first_day = today.saturating_sub(DAYS - 1);
    let mut per_day: BTreeMap<u64, u64> = (first_day..=today).map(|day| (day, 0)).collect();
    let mut backlog: BTreeMap<Status, u64> = Status::ALL.into_iter().map(|s| (s, 0)).collect();
    let mut otc_total = 0;
    for account in &accounts {
        // A finding is a sighting: an identifier on a page or post, counted on the day it
        // was first seen there (re-crawls of the same page do not count again).
        if account.last_seen_ms / DAY_MS >= first_day {
            for sighting in db.sightings(account.kind, &account.value)? {
                if let Some(n) = per_day.get_mut(&(sighting.first_seen_ms / DAY_MS)) {
                    *n += 1;
                }
            }
        }
        *backlog.entry(account.status).or_default() += 1;
        otc_total += u64::from(account.otc);
    }
    let day_points: Vec<(String, u64)> = per_day
        .into_iter()
        .map(|(day, n)| {
            (super::text::date(day * DAY_MS).get(5..).unwrap_or_default().to_owned(), n)
        })
        .collect();
    let kind_points: Vec<(String, u64)> = Kind::ALL
        .into_iter()
        .map(|kind| (kind.as_str().to_owned(), counts.accounts.get(&kind).copied().unwrap_or(0)))
        .collect();
    Ok(Dashboard {
        accounts_total: counts.accounts_total,
        otc_total,
        queued: counts.queued,
        pages: counts.pages,
        charts: vec![
            chart::bar_chart(
                "per-day",
                &format!("Findings per day (new sightings, last {DAYS} days, UTC)"),
                &day_points,
                5,
            ),
            chart::bar_chart("per-kind", "Accounts per kind", &kind_points, 1),
        ],
        sites: site_rows(db, now_ms)?,
        backlog: backlog.into_iter().map(|(status, n)| (status.as_str(), n)).collect(),
    })
}

async fn page(State(state): State<AppState>, principal: Principal) -> Result<Response, PageError> {
    let db = state.db.clone();
    let now = crate::schedule::now_ms();
    let mut dash = blocking(move || dashboard(&db, now)).await.map_err(|e| e.framed(&principal))?;
    let rows = std::mem::take(&mut dash.sites);
    let layout = Layout::new("Dashboard", &principal, "dashboard");
    Ok(render(&DashboardPage { layout, dash, rows }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FindingRecord, PageCommit, UrlRecord};

    /// Commits a page of `site` at `url` with one finding of `value`, at `at_ms`.
    fn page(db: &Db, url: &str, value: &str, at_ms: u64) {
        db.enqueue("forum", 1, url, 0, at_ms).unwrap();
        let queued =
            db.due("forum", at_ms, 10).unwrap().into_iter().find(|q| q.url == url).unwrap();
        let finding = FindingRecord {
            kind: Kind::Qq,
            value: value.to_owned(),
            raw: value.to_owned(),
            otc: true,
            score: 0.8,
            context: format!("QQ {value}"),
            span: (3, 3 + value.len()),
            validation: None,
            warning: None,
            post: None,
        };
        let commit = PageCommit {
            final_url: url.to_owned(),
            queued,
            record: UrlRecord::default(),
            body: None,
            findings: vec![finding],
            fetched_ms: at_ms,
        };
        db.commit_page(commit).unwrap();
    }

    #[test]
    fn the_per_day_chart_counts_findings_not_accounts() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let today = 20_000 * DAY_MS + 3_600_000;
        // One account found on two pages today, another once yesterday.
        page(&db, "https://forum.example/1", "123456789", today);
        page(&db, "https://forum.example/2", "123456789", today);
        page(&db, "https://forum.example/3", "987654321", today - DAY_MS);
        let dash = dashboard(&db, today).unwrap();
        let days = &dash.charts[0].bars;
        assert_eq!(days.len() as u64, DAYS);
        assert_eq!(days[days.len() - 1].value, 2, "two findings today");
        assert_eq!(days[days.len() - 2].value, 1, "one yesterday");
        assert_eq!(dash.accounts_total, 2);
    }
}
