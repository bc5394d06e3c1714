//! `/accounts/{kind}/{value}`: one account with its status and review form (reviewer role,
//! CSRF), every sighting with the identifier highlighted in its context, the post it came
//! from, the stored page body as escaped text, linked accounts and the audit history.
//! `POST /accounts/{kind}/{value}/review` applies the form.

use super::accounts::account_href;
use super::text::{BodyExcerpt, Highlighted, body_excerpt, highlight_context, http_href, when};
use super::{Layout, PageError, authorize_form, blocking, field, fields, render, see_other};
use crate::extract::Kind;
use crate::store::{Account, Db, Review, Status};
use crate::web::AppState;
use crate::web::auth::{Principal, Role};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use std::collections::HashSet;

/// Page bodies shown on one account page; each is capped at `text::BODY_CAP`.
const MAX_BODIES: usize = 10;
/// Most tags one review may add.
const MAX_TAGS: usize = 16;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/{kind}/{value}", get(page))
        .route("/accounts/{kind}/{value}/review", post(review))
}

/// One sighting as the page shows it.
#[derive(Debug, Clone)]
struct SightingView {
    site: String,
    url: String,
    /// Set only for http(s) URLs.
    href: Option<String>,
    context: Highlighted,
    first_seen: String,
    last_seen: String,
    score: String,
    otc: bool,
    validation: Option<String>,
    warning: Option<String>,
    post: Option<PostView>,
    /// The stored body, for the first sightings of each distinct body.
    body: Option<BodyExcerpt>,
}

#[derive(Debug, Clone)]
struct PostView {
    permalink: String,
    href: Option<String>,
    author: Option<String>,
    posted: Option<String>,
}

#[derive(Debug, Clone)]
struct LinkView {
    kind: &'static str,
    value: String,
    href: String,
    places: u32,
    example: String,
    example_href: Option<String>,
}

#[derive(Debug, Clone)]
struct AuditView {
    at: String,
    reviewer: String,
    before: &'static str,
    after: &'static str,
    note: Option<String>,
    tags: String,
    reason: Option<String>,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    kind: &'static str,
    value: String,
    /// This page's path, for the review form's action.
    path: String,
    status: &'static str,
    score: String,
    otc: bool,
    sites: String,
    first_seen: String,
    last_seen: String,
    reviewer: Option<String>,
    reviewed: Option<String>,
    note: Option<String>,
    tags: String,
    status_reason: Option<String>,
    sightings: Vec<SightingView>,
    bodies_left_out: usize,
    links: Vec<LinkView>,
    audit: Vec<AuditView>,
    statuses: Vec<&'static str>,
    can_review: bool,
}

/// What the page reads from the store.
struct Loaded {
    account: Account,
    sightings: Vec<SightingView>,
    bodies_left_out: usize,
    links: Vec<LinkView>,
    audit: Vec<AuditView>,
}

async fn page(
    State(state): State<AppState>,
    principal: Principal,
    Path((kind, value)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let kind = parse_kind(&kind).map_err(|error| error.framed(&principal))?;
    let db = state.db.clone();
    let wanted = value.clone();
    let loaded =
        blocking(move || load(&db, kind, &wanted)).await.map_err(|e| e.framed(&principal))?;
    let Some(loaded) = loaded else {
        return Err(unknown(kind, &value).framed(&principal));
    };
    let account = loaded.account;
    let mut layout = Layout::new(format!("{kind} {value}"), &principal, "accounts");
    let query = fields(query.unwrap_or_default().as_bytes());
    if field(&query, "reviewed").is_some() {
        layout.notice = Some(format!("Status is now {}.", account.status));
    }
    let page = AccountPage {
        layout,
        kind: kind.as_str(),
        path: account_href(kind, &account.value),
        value: account.value.clone(),
        status: account.status.as_str(),
        score: format!("{:.2}", account.score),
        otc: account.otc,
        sites: account.sites.join(", "),
        first_seen: when(account.first_seen_ms),
        last_seen: when(account.last_seen_ms),
        reviewer: account.reviewer.clone(),
        reviewed: account.reviewed_ms.map(when),
        note: account.note.clone(),
        tags: account.tags.join(", "),
        status_reason: account.status_reason.clone(),
        sightings: loaded.sightings,
        bodies_left_out: loaded.bodies_left_out,
        links: loaded.links,
        audit: loaded.audit,
        statuses: Status::ALL.iter().map(|status| status.as_str()).collect(),
        can_review: principal.role >= Role::Reviewer,
    };
    Ok(render(&page))
}

async fn review(
    State(state): State<AppState>,
    principal: Principal,
    Path((kind, value)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = fields(&body);
    authorize_form(&principal, Role::Reviewer, &form)?;
    let kind = parse_kind(&kind).map_err(|error| error.framed(&principal))?;
    let bad = |error: String, hint: &str| {
        PageError::new(StatusCode::BAD_REQUEST, error, hint).framed(&principal)
    };
    let status = super::form_status(&form, &principal)?;
    let tags: Vec<String> = field(&form, "tags")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
        .map(str::to_owned)
        .collect();
    if tags.len() > MAX_TAGS {
        return Err(bad(
            format!("{} tags; at most {MAX_TAGS} per review", tags.len()),
            "add fewer tags at once",
        ));
    }
    let review = Review {
        status,
        reviewer: principal.name.clone(),
        note: field(&form, "note").map(str::to_owned),
        tags,
    };
    let db = state.db.clone();
    let target = value.clone();
    let result =
        blocking(move || match db.review(kind, &target, &review, crate::schedule::now_ms()) {
            Ok(_) => Ok(Ok(())),
            Err(crate::store::Error::UnknownAccount { .. }) => Ok(Err(None)),
            Err(error @ crate::store::Error::InvalidReview { .. }) => {
                Ok(Err(Some(error.to_string())))
            }
            Err(error) => Err(error),
        })
        .await
        .map_err(|error| error.framed(&principal))?;
    match result {
        Ok(()) => Ok(see_other(&format!("{}?reviewed=1", account_href(kind, &value)))),
        Err(None) => Err(unknown(kind, &value).framed(&principal)),
        Err(Some(message)) => {
            Err(bad(message, "shorten the note or tags, without control characters"))
        }
    }
}

fn load(db: &Db, kind: Kind, value: &str) -> Result<Option<Loaded>, crate::store::Error> {
    let Some(account) = db.account(kind, value)? else { return Ok(None) };
    let mut bodies_seen = HashSet::new();
    let mut bodies_left_out = 0;
    let mut sightings = Vec::new();
    for sighting in db.sightings(kind, value)? {
        let mut body = None;
        if let Some(hash) = &sighting.page_hash
            && bodies_seen.insert(hash.clone())
        {
            if bodies_seen.len() <= MAX_BODIES {
                body = db.page_body(hash)?.map(|bytes| body_excerpt(&bytes, sighting.span));
            } else {
                bodies_left_out += 1;
            }
        }
        sightings.push(SightingView {
            href: http_href(&sighting.url),
            context: highlight_context(&sighting.context, &sighting.raw, &sighting.value),
            first_seen: when(sighting.first_seen_ms),
            last_seen: when(sighting.last_seen_ms),
            score: format!("{:.2}", sighting.score),
            otc: sighting.otc,
            validation: sighting.validation.clone(),
            warning: sighting.warning.clone(),
            post: sighting.post.as_ref().map(|post| PostView {
                href: http_href(&post.permalink),
                permalink: post.permalink.clone(),
                author: post.author.clone(),
                posted: post.posted.clone(),
            }),
            body,
            site: sighting.site,
            url: sighting.url,
        });
    }
    let links = db
        .links(kind, value)?
        .into_iter()
        .map(|link| LinkView {
            kind: link.kind.as_str(),
            href: account_href(link.kind, &link.value),
            value: link.value,
            places: link.places,
            example_href: http_href(&link.example_place),
            example: link.example_place,
        })
        .collect();
    let audit = db
        .audit(kind, value)?
        .into_iter()
        .rev()
        .map(|record| AuditView {
            at: when(record.at_ms),
            reviewer: record.reviewer,
            before: record.before.as_str(),
            after: record.after.as_str(),
            note: record.note,
            tags: record.tags.join(", "),
            reason: record.reason,
        })
        .collect();
    Ok(Some(Loaded { account, sightings, bodies_left_out, links, audit }))
}

fn parse_kind(kind: &str) -> Result<Kind, PageError> {
    kind.parse::<Kind>().map_err(|error| {
        PageError::new(
            StatusCode::NOT_FOUND,
            error.to_string(),
            "account pages are /accounts/KIND/VALUE",
        )
    })
}

fn unknown(kind: Kind, value: &str) -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        format!("no account {kind}:{value}"),
        "only identifiers the crawler has seen have pages; search for it on /accounts",
    )
}
