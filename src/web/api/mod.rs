//! The JSON API under `/api/v1/`, plus `/healthz` and `/metrics`: the route table and its
//! handlers.
//!
//! Routes are added through `Api::add`, which records each (method, path, access) in
//! [`Api::routes`]: the OpenAPI document is checked against that table, and the tests walk it
//! to prove that every route needs the role it declares. `query.rs` parses the query string
//! of the accounts list.

mod query;

use super::auth::{self, ClientIp, Principal, Role};
use super::{ApiError, AppState, blocking, metrics, openapi};
use crate::extract::Kind;
use crate::schedule::now_ms;
use crate::store::{Account, AuditRecord, Db, Link, Review, Sighting, Status, Token};
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, Path, RawQuery, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::time::{Duration, UNIX_EPOCH};

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health check, login).
    Public,
    /// Any session or token, at least this role.
    Role(Role),
}

/// One route of the table.
#[derive(Clone, Debug)]
pub struct Route {
    pub method: Method,
    /// In axum and OpenAPI syntax: `/api/v1/accounts/{kind}/{value}`.
    pub path: &'static str,
    pub access: Access,
}

/// The API's router and the table of what it routes.
#[derive(Debug)]
pub struct Api {
    pub router: Router<AppState>,
    pub routes: Vec<Route>,
}

/// The most accounts one page of `GET /api/v1/accounts` returns, and the most changes one
/// `GET /api/v1/watchlist` returns.
pub const MAX_LIMIT: usize = 1000;

/// The most accounts one `POST /api/v1/reviews` may change.
pub const MAX_BULK: usize = 1000;

/// Every route of the API, health and metrics.
pub fn routes() -> Api {
    use Access::{Public, Role as At};
    let viewer = At(Role::Viewer);
    let reviewer = At(Role::Reviewer);
    let admin = At(Role::Admin);
    Api { router: Router::new(), routes: Vec::new() }
        .add(Method::GET, "/healthz", Public, get(super::healthz))
        .add(Method::GET, "/metrics", viewer, get(metrics::handler))
        .add(Method::GET, "/api/v1/openapi.json", viewer, get(openapi_json))
        .add(Method::POST, "/api/v1/session", Public, post(login))
        .add(Method::GET, "/api/v1/session", viewer, get(whoami))
        .add(Method::DELETE, "/api/v1/session", viewer, delete(logout))
        .add(Method::GET, "/api/v1/accounts", viewer, get(list_accounts))
        .add(Method::GET, "/api/v1/accounts/{kind}/{value}", viewer, get(one_account))
        .add(Method::POST, "/api/v1/accounts/{kind}/{value}/review", reviewer, post(review_one))
        .add(Method::POST, "/api/v1/reviews", reviewer, post(review_many))
        .add(Method::GET, "/api/v1/watchlist", viewer, get(watchlist))
        .add(Method::GET, "/api/v1/sites", viewer, get(sites))
        .add(Method::GET, "/api/v1/tokens", admin, get(list_tokens))
        .add(Method::POST, "/api/v1/tokens", admin, post(create_token))
        .add(Method::DELETE, "/api/v1/tokens/{id}", admin, delete(revoke_token))
        .add(Method::GET, "/api/v1/users", admin, get(users))
}

impl Api {
    /// Routes `method path` to `handler` and records it. `handler` must be for `method`.
    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Api {
        self.router = self.router.route(path, handler);
        self.routes.push(Route { method, path, access });
        self
    }
}

/// A JSON body whose rejections are the API's JSON errors.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(JsonBody(value))
    }
}

/// A kind from a path or query, or a 400 that lists the kinds.
pub fn parse_kind(text: &str) -> Result<Kind, ApiError> {
    text.parse::<Kind>()
        .map_err(|error| ApiError::bad_request(error, "use one of the kinds listed, in lower case"))
}

/// An account with its times as RFC 3339, as the API shows it.
pub fn account_json(account: &Account) -> Value {
    json!({
        "kind": account.kind,
        "value": account.value,
        "status": account.status,
        "status_reason": account.status_reason,
        "reviewer": account.reviewer,
        "reviewed": account.reviewed_ms.map(rfc3339),
        "note": account.note,
        "tags": account.tags,
        "otc": account.otc,
        "score": round(account.score),
        "first_seen": rfc3339(account.first_seen_ms),
        "last_seen": rfc3339(account.last_seen_ms),
        "sightings": account.sightings,
        "sites": account.sites,
    })
}

/// A watchlist change (an audit record) as the API shows it. The cursor is a string of
/// digits: pass it back as `since` unchanged.
pub fn change_json(change: &AuditRecord) -> Value {
    json!({
        "cursor": change.cursor.to_string(),
        "kind": change.kind,
        "value": change.value,
        "before": change.before,
        "after": change.after,
        "reviewer": change.reviewer,
        "note": change.note,
        "tags": change.tags,
        "reason": change.reason,
        "at": rfc3339(change.at_ms),
    })
}

/// RFC 3339 (UTC, seconds) for milliseconds since the epoch.
pub fn rfc3339(ms: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

async fn openapi_json(_: Principal) -> Json<Value> {
    Json(openapi::document(&routes().routes))
}

#[derive(Deserialize)]
struct LoginBody {
    user: String,
    password: String,
}

/// `POST /api/v1/session`: logs in; sets the session cookie and returns the CSRF token.
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody<LoginBody>,
) -> Response {
    match auth::login(&state, &body.user, &body.password, ip).await {
        Ok(cookie) => {
            let body = json!({ "user": cookie.user, "role": cookie.role, "csrf": cookie.csrf });
            (cookie, Json(body)).into_response()
        }
        Err(error) => error.into_response(),
    }
}

async fn whoami(principal: Principal) -> Json<Value> {
    Json(json!({ "user": principal.name, "role": principal.role, "csrf": principal.csrf }))
}

async fn logout(State(state): State<AppState>, principal: Principal) -> Result<Response, ApiError> {
    let cookie = auth::logout(&state, &principal).await?;
    Ok((cookie, StatusCode::NO_CONTENT).into_response())
}

/// `GET /api/v1/accounts`: filter, sort, page.
async fn list_accounts(
    State(state): State<AppState>,
    _: Principal,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = query::parse(query.as_deref().unwrap_or_default())?;
    let (offset, limit) = (query.offset, query.limit);
    let db = state.db.clone();
    let (page, total) = blocking(move || {
        let mut accounts = db.accounts(&query.filter)?;
        accounts.retain(|account| query::keep(&query, account));
        query::sort(&mut accounts, query.sort, query.descending);
        let total = accounts.len();
        let page: Vec<Value> =
            accounts.iter().skip(query.offset).take(query.limit).map(account_json).collect();
        Ok((page, total))
    })
    .await?;
    let next_offset = (offset.saturating_add(limit) < total).then(|| offset + limit);
    Ok(Json(json!({
        "accounts": page,
        "total": total,
        "offset": offset,
        "limit": limit,
        "next_offset": next_offset,
    })))
}

/// `GET /api/v1/accounts/{kind}/{value}`: one account with its sightings.
async fn one_account(
    State(state): State<AppState>,
    _: Principal,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path((kind, value)) = path.map_err(ApiError::from)?;
    let kind = parse_kind(&kind)?;
    let db = state.db.clone();
    let found = blocking(move || {
        let value = stored_value(&db, kind, &value)?;
        let Some(account) = db.account(kind, &value)? else {
            return Err(ApiError::not_found(
                format!("no {kind} account {value:?}"),
                "search with GET /api/v1/accounts?q=TEXT",
            ));
        };
        let sightings = db.sightings(kind, &value)?;
        let links = db.links(kind, &value)?;
        let audit = db.audit(kind, &value)?;
        Ok((account, sightings, links, audit))
    })
    .await?;
    let (account, sightings, links, audit) = found;
    Ok(Json(json!({
        "account": account_json(&account),
        "sightings": sightings.iter().map(sighting_json).collect::<Vec<_>>(),
        "links": links.iter().map(link_json).collect::<Vec<_>>(),
        "audit": audit.iter().map(change_json).collect::<Vec<_>>(),
    })))
}

/// The body of a review: the decision, and for `POST /api/v1/reviews` the accounts.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewBody {
    status: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    /// Only in `POST /api/v1/reviews`.
    #[serde(default)]
    accounts: Option<Vec<Target>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Target {
    kind: String,
    value: String,
}

/// `POST /api/v1/accounts/{kind}/{value}/review` (reviewer): one decision.
async fn review_one(
    State(state): State<AppState>,
    principal: Principal,
    path: Result<Path<(String, String)>, PathRejection>,
    JsonBody(body): JsonBody<ReviewBody>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Reviewer)?;
    let Path((kind, value)) = path.map_err(ApiError::from)?;
    let kind = parse_kind(&kind)?;
    if body.accounts.is_some() {
        return Err(ApiError::bad_request(
            "`accounts` is not taken here: the account is in the path",
            "to review many accounts at once, POST them to /api/v1/reviews",
        ));
    }
    let review = to_review(&body, &principal)?;
    let db = state.db.clone();
    let (change, account) = blocking(move || {
        let value = stored_value(&db, kind, &value)?;
        let change = db.review(kind, &value, &review, now_ms())?;
        let account = db.account(kind, &value)?;
        Ok((change, account))
    })
    .await?;
    state.metrics.review(change.after);
    Ok(Json(json!({
        "change": change_json(&change),
        "account": account.as_ref().map(account_json),
    })))
}

/// `POST /api/v1/reviews` (reviewer): one decision for many accounts, all or nothing.
async fn review_many(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(body): JsonBody<ReviewBody>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Reviewer)?;
    let review = to_review(&body, &principal)?;
    let Some(accounts) = body.accounts.filter(|accounts| !accounts.is_empty()) else {
        return Err(ApiError::bad_request(
            "no accounts to review",
            r#"send "accounts": [{"kind": "alipay", "value": "..."}, ...]"#,
        ));
    };
    if accounts.len() > MAX_BULK {
        return Err(ApiError::bad_request(
            format!("{} accounts in one request; at most {MAX_BULK}", accounts.len()),
            "split the list into several requests",
        ));
    }
    let targets = accounts
        .into_iter()
        .map(|target| Ok((parse_kind(&target.kind)?, target.value)))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let db = state.db.clone();
    let changes = blocking(move || {
        let targets = targets
            .into_iter()
            .map(|(kind, value)| Ok((kind, stored_value(&db, kind, &value)?)))
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(db.review_many(&targets, &review, now_ms())?)
    })
    .await?;
    for change in &changes {
        state.metrics.review(change.after);
    }
    Ok(Json(json!({ "changes": changes.iter().map(change_json).collect::<Vec<_>>() })))
}

/// `GET /api/v1/watchlist?since=CURSOR&limit=N`: every change after the cursor, oldest
/// first, and the cursor to pass next time.
async fn watchlist(
    State(state): State<AppState>,
    _: Principal,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let (mut since, mut limit) = (0, 100);
    for (name, value) in
        url::form_urlencoded::parse(query.as_deref().unwrap_or_default().as_bytes())
    {
        match &*name {
            "since" => {
                since = parse_cursor(&value)?;
            }
            "limit" => {
                limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        query::bad_param(
                            "limit",
                            &value,
                            &format!("a whole number from 1 to {MAX_LIMIT}"),
                        )
                    })?;
            }
            other => {
                return Err(ApiError::bad_request(
                    format!("unknown query parameter {other:?}"),
                    "the parameters are since and limit",
                ));
            }
        }
    }
    let db = state.db.clone();
    let (changes, next) = blocking(move || Ok(db.watchlist_changes(since, limit)?)).await?;
    Ok(Json(json!({
        "changes": changes.iter().map(change_json).collect::<Vec<_>>(),
        "next": next.to_string(),
    })))
}

/// `GET /api/v1/sites`: every site's crawl state.
async fn sites(State(state): State<AppState>, _: Principal) -> Result<Json<Value>, ApiError> {
    let db = state.db.clone();
    let sites = blocking(move || Ok(db.sites()?)).await?;
    let sites: Vec<Value> = sites
        .iter()
        .map(|site| {
            json!({
                "name": site.name,
                "epoch": site.epoch,
                "crawl_started": site.crawl_started_ms.map(rfc3339),
                "crawl_finished": site.crawl_finished_ms.map(rfc3339),
                "next_crawl": site.next_crawl_ms.map(rfc3339),
                "pages": site.pages,
                "errors": site.errors,
                "findings": site.findings,
                "paused": site.paused,
                "last_error": site.last_error,
            })
        })
        .collect();
    Ok(Json(json!({ "sites": sites })))
}

async fn list_tokens(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Admin)?;
    let db = state.db.clone();
    let tokens = blocking(move || Ok(db.tokens()?)).await?;
    Ok(Json(json!({ "tokens": tokens.iter().map(token_json).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    #[serde(default)]
    name: String,
    role: Role,
}

/// `POST /api/v1/tokens`: the secret is in this response only.
async fn create_token(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(body): JsonBody<NewToken>,
) -> Result<Response, ApiError> {
    principal.require(Role::Admin)?;
    let db = state.db.clone();
    let (token, secret) =
        blocking(move || Ok(db.create_token(&body.name, body.role, now_ms())?)).await?;
    tracing::info!(by = %principal.name, id = %token.id, role = %token.role, "token created");
    let body = json!({ "token": token_json(&token), "secret": secret });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    principal: Principal,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Admin)?;
    let Path(id) = path.map_err(ApiError::from)?;
    let db = state.db.clone();
    let token = blocking(move || Ok(db.revoke_token(&id)?)).await?;
    tracing::info!(by = %principal.name, id = %token.id, "token revoked");
    Ok(Json(json!({ "token": token_json(&token) })))
}

async fn users(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Admin)?;
    let db = state.db.clone();
    let users = blocking(move || Ok(db.users()?)).await?;
    let users: Vec<Value> = users
        .iter()
        .map(|user| {
            json!({
                "name": user.name,
                "role": user.role,
                "created": rfc3339(user.created_ms),
                "disabled": user.disabled,
            })
        })
        .collect();
    Ok(Json(json!({ "users": users })))
}

fn token_json(token: &Token) -> Value {
    json!({
        "id": token.id,
        "name": token.name,
        "role": token.role,
        "created": rfc3339(token.created_ms),
        "last_used": token.last_used_ms.map(rfc3339),
        "revoked": token.revoked,
    })
}

fn link_json(link: &Link) -> Value {
    json!({
        "kind": link.kind,
        "value": link.value,
        "places": link.places,
        "example_place": link.example_place,
    })
}

/// The value under which `kind:value` is stored: `value` itself if there is such an account,
/// else its normal form (`+86 139-1234-0001` → `+8613912340001`), else `value` unchanged
/// when it has no normal form (the lookup then fails with a 404 that says so).
/// Blocks: call it on the blocking pool.
fn stored_value(db: &Db, kind: Kind, value: &str) -> Result<String, ApiError> {
    if value.contains('\0') || db.account(kind, value)?.is_some() {
        return Ok(value.to_string());
    }
    match crate::extract::value::normalize(kind, value) {
        Ok(normal) => Ok(normal),
        Err(reason) => Err(ApiError::not_found(
            format!("no {kind} account {value:?}"),
            format!("{reason}; search with GET /api/v1/accounts?q=TEXT"),
        )),
    }
}

/// A review from a request body; the reviewer is the principal.
fn to_review(body: &ReviewBody, principal: &Principal) -> Result<Review, ApiError> {
    let status = body.status.parse::<Status>().map_err(|error| {
        ApiError::bad_request(error.to_string(), "set \"status\" to one of the statuses listed")
    })?;
    Ok(Review {
        status,
        reviewer: principal.name.clone(),
        note: body.note.clone(),
        tags: body.tags.clone(),
    })
}

/// A watchlist cursor: the digits a previous answer gave as `next` (`0` to start).
fn parse_cursor(value: &str) -> Result<u64, ApiError> {
    let valid = !value.is_empty() && value.len() <= 20 && value.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| value.parse::<u64>().ok()).flatten().ok_or_else(|| {
        ApiError::bad_request(
            format!("malformed cursor {value:?}"),
            "a cursor is the string of digits a previous answer gave as `next`, such as \"42\"; \
             start with since=0",
        )
    })
}

/// A sighting as the API (and `otcwatch accounts --format jsonl`) shows it.
pub fn sighting_json(sighting: &Sighting) -> Value {
    json!({
        "site": sighting.site,
        "url": sighting.url,
        "first_seen": rfc3339(sighting.first_seen_ms),
        "last_seen": rfc3339(sighting.last_seen_ms),
        "raw": sighting.raw,
        "context": sighting.context,
        "span": [sighting.span.0, sighting.span.1],
        "otc": sighting.otc,
        "score": round(sighting.score),
        "page": sighting.page_hash,
        "post": sighting.post,
        "validation": sighting.validation,
        "warning": sighting.warning,
    })
}

/// A score as JSON shows it: two decimals, not the float's binary expansion.
fn round(score: f32) -> f64 {
    (f64::from(score) * 100.0).round() / 100.0
}
