//! `/sites`: every site's crawl state (also the dashboard's crawl health table), and the
//! admin forms: add a site, pause or resume one, ask for a re-crawl (see
//! `store/sites_admin.rs` for what each writes and what the crawler reads).

use super::text::{http_href, path_segment, when};
use super::{Layout, PageError, authorize_form, blocking, field, fields, render, see_other};
use crate::store::{AddedSite, Db};
use crate::web::AppState;
use crate::web::auth::{Principal, Role};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

/// Longest site name accepted from the add form.
const MAX_NAME: usize = 64;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/sites", get(page))
        .route("/sites/add", post(add))
        .route("/sites/{name}/{action}", post(act))
}

/// One site as the crawl health table shows it.
#[derive(Debug, Clone)]
pub(crate) struct SiteRow {
    pub(crate) name: String,
    /// `name` as a URL path segment, for the admin forms.
    pub(crate) path: String,
    /// `crawling`, `paused`, `idle` or `never crawled`.
    pub(crate) state: &'static str,
    pub(crate) paused: bool,
    pub(crate) last_crawl: String,
    pub(crate) pages: u64,
    pub(crate) errors: u64,
    pub(crate) findings: u64,
    pub(crate) next_due: String,
    pub(crate) queued: u64,
    pub(crate) last_error: Option<String>,
}

/// A site added from the UI (crawled with the defaults unless the seeds file names it).
#[derive(Debug, Clone)]
struct AddedRow {
    name: String,
    url: String,
    href: Option<String>,
    added_by: String,
    added: String,
}

#[derive(Template)]
#[template(path = "sites.html")]
struct SitesPage {
    layout: Layout,
    rows: Vec<SiteRow>,
    added: Vec<AddedRow>,
    admin: bool,
}

/// Every stored site's row, by name.
pub(crate) fn site_rows(db: &Db, now_ms: u64) -> Result<Vec<SiteRow>, crate::store::Error> {
    let mut rows = Vec::new();
    for site in db.sites()? {
        let state = if site.paused {
            "paused"
        } else if site.crawl_started_ms.is_some() && site.crawl_finished_ms.is_none() {
            "crawling"
        } else if site.crawl_started_ms.is_none() {
            "never crawled"
        } else {
            "idle"
        };
        let last = site.crawl_finished_ms.or(site.crawl_started_ms);
        let next_due = match site.next_crawl_ms {
            Some(due) if due > now_ms => when(due),
            Some(_) | None => "now".to_owned(),
        };
        rows.push(SiteRow {
            path: path_segment(&site.name),
            queued: db.queue_len(&site.name)?,
            state,
            paused: site.paused,
            last_crawl: last.map_or_else(|| "never".to_owned(), when),
            pages: site.pages,
            errors: site.errors,
            findings: site.findings,
            next_due,
            last_error: site.last_error,
            name: site.name,
        });
    }
    Ok(rows)
}

async fn page(
    State(state): State<AppState>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let db = state.db.clone();
    let now = crate::schedule::now_ms();
    let (rows, added) = blocking(move || Ok((site_rows(&db, now)?, db.added_sites()?)))
        .await
        .map_err(|error| error.framed(&principal))?;
    let added = added
        .into_iter()
        .map(|site| AddedRow {
            href: http_href(&site.url),
            added: when(site.added_ms),
            name: site.name,
            url: site.url,
            added_by: site.added_by,
        })
        .collect();
    let mut layout = Layout::new("Sites", &principal, "sites");
    let query = fields(query.unwrap_or_default().as_bytes());
    layout.notice = match field(&query, "done") {
        Some("added") => Some("Site added.".to_owned()),
        Some("pause") => Some("Site paused.".to_owned()),
        Some("resume") => Some("Site resumed.".to_owned()),
        Some("recrawl") => Some("Re-crawl requested.".to_owned()),
        _ => None,
    };
    let admin = principal.role >= Role::Admin;
    Ok(render(&SitesPage { layout, rows, added, admin }))
}

async fn add(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = fields(&body);
    authorize_form(&principal, Role::Admin, &form)?;
    let bad = |error: String, hint: &str| {
        PageError::new(StatusCode::BAD_REQUEST, error, hint).framed(&principal)
    };
    let name = field(&form, "name").unwrap_or_default().to_owned();
    let valid_name = !name.is_empty()
        && name.chars().count() <= MAX_NAME
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid_name {
        return Err(bad(
            format!("invalid site name {name:?}"),
            "use 1 to 64 letters, digits, '-', '_' or '.', as in the seeds file",
        ));
    }
    let url = field(&form, "url").unwrap_or_default().to_owned();
    let Some(url) = http_href(&url) else {
        return Err(bad(
            format!("invalid seed URL {url:?}"),
            "give an absolute http:// or https:// URL",
        ));
    };
    let db = state.db.clone();
    let site = AddedSite {
        name,
        url,
        added_by: principal.name.clone(),
        added_ms: crate::schedule::now_ms(),
    };
    let known = site.name.clone();
    let added = blocking(move || {
        if db.site(&known)?.is_some() {
            return Ok(false);
        }
        db.add_site(&site)
    })
    .await
    .map_err(|error| error.framed(&principal))?;
    if !added {
        return Err(PageError::new(
            StatusCode::CONFLICT,
            "a site of that name exists already",
            "choose another name; pause or re-crawl the existing site from its row",
        )
        .framed(&principal));
    }
    Ok(see_other("/sites?done=added"))
}

async fn act(
    State(state): State<AppState>,
    principal: Principal,
    Path((name, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = fields(&body);
    authorize_form(&principal, Role::Admin, &form)?;
    if !matches!(action.as_str(), "pause" | "resume" | "recrawl") {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            format!("no site action {action:?}"),
            "the actions are pause, resume and recrawl",
        )
        .framed(&principal));
    }
    let db = state.db.clone();
    let site = name.clone();
    let done = action.clone();
    let found = blocking(move || {
        if db.site(&site)?.is_none() {
            return Ok(false);
        }
        match done.as_str() {
            "pause" => db.pause_site(&site)?,
            "resume" => db.resume_site(&site)?,
            _ => db.request_recrawl(&site, crate::schedule::now_ms())?,
        };
        Ok(true)
    })
    .await
    .map_err(|error| error.framed(&principal))?;
    if !found {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            format!("no site {name:?}"),
            "sites appear here once the crawler has stored their state",
        )
        .framed(&principal));
    }
    Ok(see_other(&format!("/sites?done={action}")))
}
