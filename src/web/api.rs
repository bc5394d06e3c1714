//! The JSON API under `/api/v1/`, plus `/healthz` and `/metrics`: the route table and its
//! handlers.
//!
//! Routes are added through [`Api::add`], which records each (method, path, access) in
//! [`Api::routes`]: the OpenAPI document is checked against that table, and the tests walk it
//! to prove that every route needs the role it declares.

use super::auth::{self, ClientIp, Principal, Role};
use super::{ApiError, AppState, blocking, metrics, now_ms, openapi};
use crate::extract::Kind;
use crate::store::{Account, AccountFilter, Sighting, Token};
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

/// The review statuses an account can have.
pub const STATUSES: [&str; 4] = ["new", "confirmed", "dismissed", "watchlisted"];

/// The most accounts one page of `GET /api/v1/accounts` returns.
pub const MAX_LIMIT: usize = 1000;

/// Every route of the API, health and metrics.
pub fn routes() -> Api {
    use Access::{Public, Role as At};
    let viewer = At(Role::Viewer);
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
        "otc": account.otc,
        "score": round(account.score),
        "first_seen": rfc3339(account.first_seen_ms),
        "last_seen": rfc3339(account.last_seen_ms),
        "sightings": account.sightings,
        "sites": account.sites,
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

/// The filters, sort and page of `GET /api/v1/accounts`.
#[derive(Debug, Default)]
struct ListQuery {
    filter: AccountFilter,
    status: Option<String>,
    first_seen: (Option<u64>, Option<u64>),
    last_seen: (Option<u64>, Option<u64>),
    sort: Sort,
    descending: bool,
    limit: usize,
    offset: usize,
}

#[derive(Debug, Default, Clone, Copy)]
enum Sort {
    #[default]
    Value,
    Score,
    FirstSeen,
    LastSeen,
    Sightings,
}

/// The query parameters `GET /api/v1/accounts` takes.
const LIST_PARAMS: &str = "kind, status, site, min_score, q, otc, first_seen_after, \
     first_seen_before, last_seen_after, last_seen_before, sort, limit, offset";

/// `GET /api/v1/accounts`: filter, sort, page.
async fn list_accounts(
    State(state): State<AppState>,
    _: Principal,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = parse_list_query(query.as_deref().unwrap_or_default())?;
    let (offset, limit) = (query.offset, query.limit);
    let db = state.db.clone();
    let (page, total) = blocking(move || {
        let mut accounts = db.accounts(&query.filter)?;
        accounts.retain(|account| keep(&query, account));
        sort(&mut accounts, query.sort, query.descending);
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
        let Some(account) = db.account(kind, &value)? else {
            return Err(ApiError::not_found(
                format!("no {kind} account {value:?}"),
                "values are stored normalised (e-mail lower-case, phone digits without +86); \
                 search with GET /api/v1/accounts?q=TEXT",
            ));
        };
        let sightings = db.sightings(kind, &value)?;
        Ok((account, sightings))
    })
    .await?;
    let (account, sightings) = found;
    let sightings: Vec<Value> = sightings.iter().map(sighting_json).collect();
    Ok(Json(json!({ "account": account_json(&account), "sightings": sightings })))
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

fn sighting_json(sighting: &Sighting) -> Value {
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

/// Parses the query string of `GET /api/v1/accounts`; every problem is a 400 saying which
/// parameter and what it takes.
fn parse_list_query(raw: &str) -> Result<ListQuery, ApiError> {
    let mut query = ListQuery { limit: 100, ..ListQuery::default() };
    for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let value = value.into_owned();
        match &*name {
            "kind" => query.filter.kind = Some(parse_kind(&value)?),
            "status" => {
                if !STATUSES.contains(&value.as_str()) {
                    return Err(ApiError::bad_request(
                        format!("unknown status {value:?}"),
                        format!("use one of {}", STATUSES.join(", ")),
                    ));
                }
                query.status = Some(value);
            }
            "site" => query.filter.site = Some(value),
            "q" => query.filter.text = Some(value),
            "min_score" => {
                let score = value.parse::<f32>().ok().filter(|s| (0.0..=1.0).contains(s));
                query.filter.min_score = Some(score.ok_or_else(|| {
                    bad_param("min_score", &value, "a number from 0 to 1, such as 0.5")
                })?);
            }
            "otc" => {
                query.filter.otc_only = match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad_param("otc", &value, "true or false")),
                }
            }
            "first_seen_after" => query.first_seen.0 = Some(parse_time(&name, &value)?),
            "first_seen_before" => query.first_seen.1 = Some(parse_time(&name, &value)?),
            "last_seen_after" => query.last_seen.0 = Some(parse_time(&name, &value)?),
            "last_seen_before" => query.last_seen.1 = Some(parse_time(&name, &value)?),
            "sort" => {
                let (descending, key) = match value.strip_prefix('-') {
                    Some(key) => (true, key),
                    None => (false, value.as_str()),
                };
                query.descending = descending;
                query.sort = match key {
                    "value" => Sort::Value,
                    "score" => Sort::Score,
                    "first_seen" => Sort::FirstSeen,
                    "last_seen" => Sort::LastSeen,
                    "sightings" => Sort::Sightings,
                    _ => {
                        return Err(bad_param(
                            "sort",
                            &value,
                            "value, score, first_seen, last_seen or sightings, with a leading \
                             `-` for descending",
                        ));
                    }
                };
            }
            "limit" => {
                let limit = value.parse::<usize>().ok().filter(|n| (1..=MAX_LIMIT).contains(n));
                query.limit = limit.ok_or_else(|| {
                    bad_param("limit", &value, &format!("a whole number from 1 to {MAX_LIMIT}"))
                })?;
            }
            "offset" => {
                query.offset = value
                    .parse()
                    .map_err(|_| bad_param("offset", &value, "a whole number, 0 or more"))?;
            }
            other => {
                return Err(ApiError::bad_request(
                    format!("unknown query parameter {other:?}"),
                    format!("the parameters are {LIST_PARAMS}"),
                ));
            }
        }
    }
    Ok(query)
}

fn bad_param(name: &str, value: &str, expected: &str) -> ApiError {
    ApiError::bad_request(format!("bad {name} {value:?}"), format!("{name} takes {expected}"))
}

/// An RFC 3339 time as ms since the epoch.
fn parse_time(name: &str, value: &str) -> Result<u64, ApiError> {
    let time = humantime::parse_rfc3339_weak(value)
        .map_err(|_| bad_param(name, value, "an RFC 3339 time, such as 2026-01-31T08:00:00Z"))?;
    let ms = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    Ok(u64::try_from(ms).unwrap_or(u64::MAX))
}

/// The filters [`AccountFilter`] does not do itself.
fn keep(query: &ListQuery, account: &Account) -> bool {
    let within = |ms: u64, (after, before): (Option<u64>, Option<u64>)| {
        after.is_none_or(|after| ms >= after) && before.is_none_or(|before| ms < before)
    };
    query.status.as_ref().is_none_or(|status| account.status == *status)
        && within(account.first_seen_ms, query.first_seen)
        && within(account.last_seen_ms, query.last_seen)
}

fn sort(accounts: &mut [Account], key: Sort, descending: bool) {
    // Accounts arrive ordered by (kind, value); a stable sort keeps that as the tie-break.
    match key {
        Sort::Value => accounts.sort_by(|a, b| a.value.cmp(&b.value)),
        Sort::Score => accounts.sort_by(|a, b| a.score.total_cmp(&b.score)),
        Sort::FirstSeen => accounts.sort_by_key(|a| a.first_seen_ms),
        Sort::LastSeen => accounts.sort_by_key(|a| a.last_seen_ms),
        Sort::Sightings => accounts.sort_by_key(|a| a.sightings),
    }
    if descending {
        accounts.reverse();
    }
}

/// A score as JSON shows it: two decimals, not the float's binary expansion.
fn round(score: f32) -> f64 {
    (f64::from(score) * 100.0).round() / 100.0
}
