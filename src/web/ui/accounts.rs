//! `/accounts`: the accounts list with filters (kind, status, site, minimum score, first and
//! last seen, text), sorting and pagination, and the bulk review form (`POST
//! /accounts/bulk`, reviewer role, CSRF). Filters come from the query string and are checked
//! here; a bad one is shown above the list with what to fix, and the list is not filtered by
//! it.

use super::text::{parse_date, path_segment, when};
use super::{Layout, PageError, authorize_form, blocking, field, fields, render, see_other};
use crate::extract::Kind;
use crate::store::{Account, AccountFilter, Db, Review, Status};
use crate::web::AppState;
use crate::web::auth::{Principal, Role};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use std::cmp::Reverse;

/// Rows per page.
pub(crate) const PAGE_SIZE: usize = 50;
/// The most accounts one bulk review may change.
const BULK_MAX: usize = 500;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/accounts", get(page)).route("/accounts/bulk", post(bulk))
}

/// How the list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sort {
    /// Highest score first (the default: what most needs review).
    Score,
    /// Most recently seen first.
    LastSeen,
    /// Most recently found first.
    FirstSeen,
    /// Most sightings first.
    Sightings,
    /// By kind, then value.
    Value,
}

/// The list's filters as checked values, with the problems of the ones that were not.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListQuery {
    /// Kind, status, site, minimum score, text and OTC only: the store filters those.
    pub(crate) store: AccountFilter,
    pub(crate) first_from_ms: Option<u64>,
    pub(crate) last_from_ms: Option<u64>,
    pub(crate) sort: Option<Sort>,
    /// 1-based.
    pub(crate) page: usize,
    /// The form's values as typed, to show them again.
    pub(crate) raw: RawFilters,
    pub(crate) errors: Vec<String>,
}

/// The filter form's fields as the user typed them.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawFilters {
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) site: String,
    pub(crate) min_score: String,
    pub(crate) first_from: String,
    pub(crate) last_from: String,
    pub(crate) q: String,
    pub(crate) sort: String,
    /// `1` when only accounts advertised for OTC are wanted.
    pub(crate) otc: String,
}

/// One row of the list.
#[derive(Debug, Clone)]
struct Row {
    /// `kind:value`, the bulk form's checkbox value.
    id: String,
    kind: &'static str,
    value: String,
    href: String,
    status: &'static str,
    score: String,
    otc: bool,
    sightings: u32,
    sites: String,
    first_seen: String,
    last_seen: String,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    layout: Layout,
    filters: RawFilters,
    errors: Vec<String>,
    rows: Vec<Row>,
    total: usize,
    from: usize,
    to: usize,
    prev: Option<String>,
    next: Option<String>,
    /// The query string of this view, for the bulk form to come back to.
    back: String,
    kinds: Vec<&'static str>,
    statuses: Vec<&'static str>,
    sorts: Vec<(&'static str, &'static str)>,
    reviewer: bool,
}

impl Sort {
    const ALL: [(Sort, &'static str, &'static str); 5] = [
        (Sort::Score, "score", "Score (highest first)"),
        (Sort::LastSeen, "last_seen", "Last seen (newest first)"),
        (Sort::FirstSeen, "first_seen", "First seen (newest first)"),
        (Sort::Sightings, "sightings", "Sightings (most first)"),
        (Sort::Value, "value", "Kind and value"),
    ];
}

/// Checks the query string's filters.
pub(crate) fn parse_query(query: &[(String, String)]) -> ListQuery {
    let mut out = ListQuery { page: 1, ..ListQuery::default() };
    let get = |name: &str| field(query, name).unwrap_or_default().to_owned();
    out.raw = RawFilters {
        kind: get("kind"),
        status: get("status"),
        site: get("site"),
        min_score: get("min_score"),
        first_from: get("first_from"),
        last_from: get("last_from"),
        q: get("q"),
        sort: get("sort"),
        otc: get("otc"),
    };
    let raw = &out.raw;
    if !raw.kind.is_empty() {
        match raw.kind.parse::<Kind>() {
            Ok(kind) => out.store.kind = Some(kind),
            Err(error) => out.errors.push(format!("kind: {error}")),
        }
    }
    if !raw.status.is_empty() {
        match raw.status.parse::<Status>() {
            Ok(status) => out.store.status = Some(status),
            Err(error) => out.errors.push(format!("status: {error}")),
        }
    }
    if !raw.site.is_empty() {
        out.store.site = Some(raw.site.clone());
    }
    if !raw.min_score.is_empty() {
        match raw.min_score.parse::<f32>() {
            Ok(score) if (0.0..=1.0).contains(&score) => out.store.min_score = Some(score),
            _ => out.errors.push(format!(
                "minimum score {:?}: give a number from 0 to 1, such as 0.5",
                raw.min_score
            )),
        }
    }
    for (value, target, label) in [
        (&raw.first_from, &mut out.first_from_ms, "first seen from"),
        (&raw.last_from, &mut out.last_from_ms, "last seen from"),
    ] {
        if value.is_empty() {
            continue;
        }
        match parse_date(value) {
            Some(ms) => *target = Some(ms),
            None => out.errors.push(format!("{label} {value:?}: give a date as YYYY-MM-DD")),
        }
    }
    if !raw.q.is_empty() {
        out.store.text = Some(raw.q.clone());
    }
    out.store.otc_only = raw.otc == "1";
    if !raw.sort.is_empty() {
        match Sort::ALL.iter().find(|(_, name, _)| *name == raw.sort) {
            Some((sort, _, _)) => out.sort = Some(*sort),
            None => out.errors.push(format!(
                "sort {:?}: use one of score, last_seen, first_seen, sightings, value",
                raw.sort
            )),
        }
    }
    if let Some(page) = field(query, "page") {
        match page.parse::<usize>() {
            Ok(n) if n >= 1 => out.page = n,
            _ => out.errors.push(format!("page {page:?}: give a page number from 1")),
        }
    }
    out
}

/// The accounts passing `query`, sorted.
pub(crate) fn list(db: &Db, query: &ListQuery) -> Result<Vec<Account>, crate::store::Error> {
    let mut accounts = db.accounts(&query.store)?;
    accounts.retain(|account| {
        query.first_from_ms.is_none_or(|from| account.first_seen_ms >= from)
            && query.last_from_ms.is_none_or(|from| account.last_seen_ms >= from)
    });
    match query.sort.unwrap_or(Sort::Score) {
        Sort::Score => accounts.sort_by(|a, b| b.score.total_cmp(&a.score)),
        Sort::LastSeen => accounts.sort_by_key(|a| Reverse(a.last_seen_ms)),
        Sort::FirstSeen => accounts.sort_by_key(|a| Reverse(a.first_seen_ms)),
        Sort::Sightings => accounts.sort_by_key(|a| Reverse(a.sightings)),
        // The store returns (kind, value) order; the sorts above are stable on it.
        Sort::Value => {}
    }
    Ok(accounts)
}

/// The URL of an account's page.
pub(crate) fn account_href(kind: Kind, value: &str) -> String {
    format!("/accounts/{}/{}", kind.as_str(), path_segment(value))
}

async fn page(
    State(state): State<AppState>,
    principal: Principal,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, PageError> {
    let pairs = fields(raw_query.as_deref().unwrap_or_default().as_bytes());
    let query = parse_query(&pairs);
    let db = state.db.clone();
    let filter = query.clone();
    let accounts = blocking(move || list(&db, &filter)).await.map_err(|e| e.framed(&principal))?;
    let total = accounts.len();
    let last_page = total.div_ceil(PAGE_SIZE).max(1);
    let page_no = query.page.min(last_page);
    let start = (page_no - 1) * PAGE_SIZE;
    let rows: Vec<Row> = accounts.iter().skip(start).take(PAGE_SIZE).map(row).collect();
    let page_link = |n: usize| {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in pairs.iter().filter(|(key, value)| key != "page" && !value.is_empty()) {
            serializer.append_pair(key, value);
        }
        serializer.append_pair("page", &n.to_string());
        format!("/accounts?{}", serializer.finish())
    };
    let mut layout = Layout::new("Accounts", &principal, "accounts");
    if let (Some(n), Some(status)) = (field(&pairs, "updated"), field(&pairs, "to")) {
        // Built from the parsed number and status only, never from the raw text.
        if let (Ok(n), Ok(status)) = (n.parse::<usize>(), status.parse::<Status>()) {
            layout.notice = Some(format!("{n} account(s) set to {status}."));
        }
    }
    let back = {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in pairs
            .iter()
            .filter(|(key, value)| !matches!(key.as_str(), "updated" | "to") && !value.is_empty())
        {
            serializer.append_pair(key, value);
        }
        serializer.finish()
    };
    let status = if query.errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let page = AccountsPage {
        layout,
        filters: query.raw.clone(),
        errors: query.errors.clone(),
        from: if rows.is_empty() { 0 } else { start + 1 },
        to: start + rows.len(),
        rows,
        total,
        prev: (page_no > 1).then(|| page_link(page_no - 1)),
        next: (page_no < last_page).then(|| page_link(page_no + 1)),
        back,
        kinds: Kind::ALL.iter().map(|kind| kind.as_str()).collect(),
        statuses: Status::ALL.iter().map(|status| status.as_str()).collect(),
        sorts: Sort::ALL.iter().map(|(_, name, label)| (*name, *label)).collect(),
        reviewer: principal.role >= Role::Reviewer,
    };
    Ok((status, render(&page)).into_response())
}

fn row(account: &Account) -> Row {
    Row {
        id: format!("{}:{}", account.kind.as_str(), account.value),
        kind: account.kind.as_str(),
        href: account_href(account.kind, &account.value),
        value: account.value.clone(),
        status: account.status.as_str(),
        score: format!("{:.2}", account.score),
        otc: account.otc,
        sightings: account.sightings,
        sites: account.sites.join(", "),
        first_seen: when(account.first_seen_ms),
        last_seen: when(account.last_seen_ms),
    }
}

async fn bulk(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = fields(&body);
    authorize_form(&principal, Role::Reviewer, &form)?;
    let bad = |error: String, hint: &str| {
        PageError::new(StatusCode::BAD_REQUEST, error, hint).framed(&principal)
    };
    let status = super::form_status(&form, &principal)?;
    let mut targets = Vec::new();
    for (_, id) in form.iter().filter(|(key, _)| key == "id") {
        let parsed =
            id.split_once(':').and_then(|(kind, value)| Some((kind.parse::<Kind>().ok()?, value)));
        match parsed {
            Some((kind, value)) if !value.is_empty() => targets.push((kind, value.to_owned())),
            _ => {
                return Err(bad(
                    format!("bad account id {id:?}"),
                    "ids are KIND:VALUE, as the list sends them",
                ));
            }
        }
    }
    if targets.is_empty() {
        return Err(bad(
            "no account selected".into(),
            "tick the accounts to change, then submit again",
        ));
    }
    if targets.len() > BULK_MAX {
        return Err(bad(
            format!("{} accounts selected; at most {BULK_MAX} per change", targets.len()),
            "filter the list further and change it in parts",
        ));
    }
    let review = Review {
        status,
        reviewer: principal.name.clone(),
        note: field(&form, "note").map(str::to_owned),
        tags: Vec::new(),
    };
    let n = targets.len();
    let db = state.db.clone();
    blocking(move || db.review_many(&targets, &review, crate::schedule::now_ms()))
        .await
        .map_err(|error| error.framed(&principal))?;
    let back = field(&form, "back").unwrap_or_default();
    // `back` is re-encoded pair by pair, so it cannot leave /accounts.
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in fields(back.as_bytes()) {
        serializer.append_pair(&key, &value);
    }
    serializer.append_pair("updated", &n.to_string()).append_pair("to", status.as_str());
    Ok(see_other(&format!("/accounts?{}", serializer.finish())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> ListQuery {
        let pairs: Vec<(String, String)> =
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        parse_query(&pairs)
    }

    #[test]
    fn good_filters_are_typed() {
        let parsed = query(&[
            ("kind", "alipay"),
            ("status", "confirmed"),
            ("min_score", "0.5"),
            ("first_from", "2026-11-01"),
            ("sort", "last_seen"),
            ("page", "3"),
            ("q", "138"),
        ]);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.store.kind, Some(Kind::Alipay));
        assert_eq!(parsed.store.status, Some(Status::Confirmed));
        assert_eq!(parsed.store.min_score, Some(0.5));
        assert_eq!(parsed.first_from_ms, parse_date("2026-11-01"));
        assert_eq!(parsed.sort, Some(Sort::LastSeen));
        assert_eq!(parsed.page, 3);
        assert_eq!(parsed.store.text.as_deref(), Some("138"));
    }

    #[test]
    fn bad_filters_say_what_to_fix_and_are_not_applied() {
        let parsed = query(&[
            ("kind", "paypal"),
            ("status", "maybe"),
            ("min_score", "2"),
            ("last_from", "yesterday"),
            ("sort", "random"),
            ("page", "0"),
        ]);
        assert_eq!(parsed.errors.len(), 6, "{:?}", parsed.errors);
        assert!(parsed.errors[0].contains("alipay"), "lists the kinds: {}", parsed.errors[0]);
        assert!(parsed.errors[2].contains("0 to 1"));
        assert_eq!(parsed.store.kind, None);
        assert_eq!(parsed.store.status, None);
        assert_eq!(parsed.page, 1);
    }
}
