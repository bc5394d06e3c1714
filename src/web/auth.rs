//! Who is asking: the [`Principal`] extractor (a session cookie or `Authorization: Bearer`),
//! roles, login and logout with a rate limit, session cookies and CSRF checks.
//!
//! Cookies are `HttpOnly; SameSite=Strict; Path=/`, and `Secure` when the server runs with
//! `--tls-terminated` (only that flag decides: `X-Forwarded-Proto` is not trusted). A session
//! carries a CSRF token: HTML forms send it in the `csrf` field and handlers call
//! [`check_csrf`]; JSON API writes made with a session cookie must send it in the
//! `X-CSRF-Token` header (the extractor checks that). Token-authenticated calls carry no
//! cookie, so they need no CSRF token.
//!
//! Login failures are counted per user name (5 per minute) and per client address (20 per
//! minute) in a bounded map; past either limit, logins are refused with 429 until the minute
//! since the first failure is over, without checking the password.

use super::{ApiError, AppState, blocking};
use crate::schedule::now_ms;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, IntoResponseParts, Redirect, Response, ResponseParts};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

pub use crate::store::Role;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "otcwatch_session";
/// The header that carries the CSRF token on JSON writes made with a session cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field that carries the CSRF token on HTML form posts.
pub const CSRF_FIELD: &str = "csrf";

/// Failed logins allowed per user name within [`LOGIN_WINDOW`].
pub const USER_FAILURES: u32 = 5;
/// Failed logins allowed per client address within [`LOGIN_WINDOW`] (higher: an office may
/// share one address).
pub const IP_FAILURES: u32 = 20;
/// The window of the login rate limit, from the first failure.
pub const LOGIN_WINDOW: Duration = Duration::from_secs(60);

/// An authenticated caller: a logged-in user or an API token.
#[derive(Clone, Debug)]
pub struct Principal {
    /// The user's name, or `token:NAME` for an API token.
    pub name: String,
    pub role: Role,
    /// The session's CSRF token; `None` for API tokens (no cookies, no CSRF).
    pub csrf: Option<String>,
    /// The session id from the cookie, for logout.
    session_id: Option<String>,
}

/// Why a request is not allowed.
#[derive(Debug)]
pub enum AuthError {
    /// No valid session or token. `login` is where an HTML request is sent to log in
    /// (`/login?next=...`); API requests get a JSON 401.
    Unauthenticated { login: Option<String> },
    /// Authenticated, but the role is too low.
    Forbidden { need: Role, have: Role },
    /// A state-changing request with a session cookie but without the session's CSRF token.
    Csrf,
    /// The store failed.
    Internal(ApiError),
}

/// Why a login failed.
#[derive(Debug)]
pub enum LoginError {
    /// Unknown user, wrong password or disabled user: deliberately not told apart.
    Invalid,
    /// Too many failures for this user or address; try again after `retry_after`.
    RateLimited {
        retry_after: Duration,
    },
    Internal(ApiError),
}

/// A `Set-Cookie` for the session: put it in a response (it is `IntoResponseParts`).
#[derive(Clone, Debug)]
pub struct SessionCookie {
    value: String,
    max_age_secs: u64,
    secure: bool,
    /// The new session's CSRF token (empty when the cookie clears the session).
    pub csrf: String,
    /// The user and role logged in (empty name when clearing).
    pub user: String,
    pub role: Role,
}

/// The client's address: the connection's peer, or with `--tls-terminated` the last
/// `X-Forwarded-For` entry (the one the proxy added). Unspecified when neither is known.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

/// Failure counts per key (`user:NAME`, `ip:ADDR`), bounded.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    failures: Mutex<HashMap<String, Window>>,
}

impl Principal {
    /// `Ok` if this principal has at least `role`; a 403 otherwise.
    pub fn require(&self, role: Role) -> Result<(), AuthError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(AuthError::Forbidden { need: role, have: self.role })
        }
    }

    /// True when authenticated by a session cookie (not a token).
    pub fn has_session(&self) -> bool {
        self.session_id.is_some()
    }
}

/// Checks a form's CSRF token against the session's, in constant time. Token principals have
/// no session and pass: their requests carry no cookie a third-party page could ride on.
pub fn check_csrf(principal: &Principal, form_token: &str) -> Result<(), AuthError> {
    let Some(expected) = &principal.csrf else { return Ok(()) };
    let equal: bool = expected.as_bytes().ct_eq(form_token.as_bytes()).into();
    if equal && !form_token.is_empty() { Ok(()) } else { Err(AuthError::Csrf) }
}

/// Logs `user` in with `password`: a new session and its cookie, or why not. Rate limited per
/// user name and per `client_ip` (see the module docs).
pub async fn login(
    state: &AppState,
    user: &str,
    password: &str,
    client_ip: IpAddr,
) -> Result<SessionCookie, LoginError> {
    // User names are at most 64 characters: a longer one cannot exist, and only its prefix is
    // kept as a key, so a flood of huge names cannot grow the limiter's memory.
    let user_key: String = user.chars().take(65).collect();
    let keys =
        [(format!("user:{user_key}"), USER_FAILURES), (format!("ip:{client_ip}"), IP_FAILURES)];
    if let Err(retry_after) = state.limiter.check(&keys, Instant::now()) {
        state.metrics.login("limited");
        tracing::warn!(user, client = %client_ip, "login refused: too many failures");
        return Err(LoginError::RateLimited { retry_after });
    }
    let db = state.db.clone();
    let (name, password) = (user.to_string(), password.to_string());
    let ttl = state.options.session_ttl;
    let created = blocking(move || {
        let Some(user) = db.verify_password(&name, &password)? else { return Ok(None) };
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        Ok(Some(db.create_session(&user, ttl_ms, now_ms())?))
    })
    .await
    .map_err(LoginError::Internal)?;
    let Some((id, session)) = created else {
        state.limiter.fail(&keys, Instant::now());
        state.metrics.login("failed");
        tracing::info!(user, client = %client_ip, "login failed");
        return Err(LoginError::Invalid);
    };
    state.limiter.clear(&keys[0].0);
    state.metrics.login("ok");
    tracing::info!(user, client = %client_ip, "logged in");
    Ok(SessionCookie {
        value: id,
        max_age_secs: ttl.as_secs(),
        secure: state.options.tls_terminated,
        csrf: session.csrf,
        user: session.user,
        role: session.role,
    })
}

/// Ends `principal`'s session; returns the cookie that clears it in the browser. A token
/// principal has no session: nothing to end.
pub async fn logout(state: &AppState, principal: &Principal) -> Result<SessionCookie, AuthError> {
    if let Some(id) = principal.session_id.clone() {
        let db = state.db.clone();
        blocking(move || Ok(db.delete_session(&id)?)).await.map_err(AuthError::Internal)?;
    }
    Ok(SessionCookie {
        value: String::new(),
        max_age_secs: 0,
        secure: state.options.tls_terminated,
        csrf: String::new(),
        user: String::new(),
        role: Role::Viewer,
    })
}

impl SessionCookie {
    /// The `Set-Cookie` header value.
    pub fn header_value(&self) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let cookie = format!(
            "{SESSION_COOKIE}={}; Max-Age={}; Path=/; HttpOnly; SameSite=Strict{secure}",
            self.value, self.max_age_secs
        );
        // The value is base64url, so the header is always valid; never panic regardless.
        HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

impl IntoResponseParts for SessionCookie {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        res.headers_mut().append(header::SET_COOKIE, self.header_value());
        Ok(res)
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AuthError> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(principal.clone());
        }
        let principal = authenticate(parts, state).await?;
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if principal.has_session() && unsafe_method && parts.uri.path().starts_with("/api/") {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            check_csrf(&principal, sent.unwrap_or_default())?;
        }
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, std::convert::Infallible> {
        if state.options.tls_terminated {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
                .next_back();
            if let Some(ip) = forwarded {
                return Ok(ClientIp(ip));
            }
        }
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        Ok(ClientIp(peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))))
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        match self {
            AuthError::Unauthenticated { login: Some(location) } => {
                Redirect::to(&location).into_response()
            }
            other => ApiError::from(other).into_response(),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> ApiError {
        match error {
            AuthError::Unauthenticated { .. } => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "authentication required",
                "send `Authorization: Bearer TOKEN` (create one with `otcwatch token create`) \
                 or log in with POST /api/v1/session",
            ),
            AuthError::Forbidden { need, have } => ApiError::new(
                StatusCode::FORBIDDEN,
                format!("this needs the {need} role; you are {have}"),
                "ask an admin for a token or user with that role",
            ),
            AuthError::Csrf => ApiError::new(
                StatusCode::FORBIDDEN,
                "missing or wrong CSRF token",
                "send the session's CSRF token (the `csrf` form field, or the X-CSRF-Token \
                 header for JSON); reload the page if the session is new",
            ),
            AuthError::Internal(error) => error,
        }
    }
}

impl IntoResponse for LoginError {
    fn into_response(self) -> Response {
        match self {
            LoginError::Invalid => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong user name or password",
                format!(
                    "check both; after {USER_FAILURES} failures in a minute, logins for the \
                     user are refused for a minute"
                ),
            )
            .into_response(),
            LoginError::RateLimited { retry_after } => {
                let secs = retry_after.as_secs().max(1);
                let error = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too many failed logins",
                    format!("wait {secs} s before trying again"),
                );
                ([(header::RETRY_AFTER, secs.to_string())], error).into_response()
            }
            LoginError::Internal(error) => error.into_response(),
        }
    }
}

/// A principal from the Bearer token or, failing that, the session cookie.
async fn authenticate(parts: &Parts, state: &AppState) -> Result<Principal, AuthError> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or_default())
        .map(|value| value.strip_prefix("Bearer ").unwrap_or_default().trim().to_string());
    let cookie = session_cookie(&parts.headers);
    let db = state.db.clone();
    let found = blocking(move || {
        if let Some(secret) = bearer {
            // A wrong token is an error even with a cookie present: no silent fallback.
            let token = db.authenticate_token(&secret, now_ms())?;
            return Ok(token.map(|token| Principal {
                name: format!(
                    "token:{}",
                    if token.name.is_empty() { &token.id } else { &token.name }
                ),
                role: token.role,
                csrf: None,
                session_id: None,
            }));
        }
        let Some(id) = cookie else { return Ok(None) };
        let session = db.session(&id, now_ms())?;
        Ok(session.map(|session| Principal {
            name: session.user,
            role: session.role,
            csrf: Some(session.csrf),
            session_id: Some(id),
        }))
    })
    .await
    .map_err(AuthError::Internal)?;
    found.ok_or_else(|| AuthError::Unauthenticated { login: login_redirect(parts) })
}

/// The session id in the `Cookie` headers, if any.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty())
}

/// `/login?next=PATH` for a browser asking for a page; `None` for API and metrics clients.
fn login_redirect(parts: &Parts) -> Option<String> {
    let path = parts.uri.path();
    let wants_html = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if !wants_html || path.starts_with("/api/") || path == "/metrics" {
        return None;
    }
    let target = parts.uri.path_and_query().map_or(path, |pq| pq.as_str());
    let next: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
    Some(format!("/login?next={next}"))
}

/// One key's failures: counted from the first one, for [`LOGIN_WINDOW`].
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

/// The most keys the limiter remembers; past it, expired windows are dropped and then the
/// oldest ones, so memory stays bounded under a flood of names or addresses.
const LIMITER_KEYS: usize = 10_000;

impl Limiter {
    /// `Err(wait)` if any key is at its limit within its window.
    fn check(&self, keys: &[(String, u32)], now: Instant) -> Result<(), Duration> {
        let map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut wait = Duration::ZERO;
        for (key, limit) in keys {
            if let Some(window) = map.get(key)
                && window.failures >= *limit
            {
                let ends = window.started + LOGIN_WINDOW;
                wait = wait.max(ends.saturating_duration_since(now));
            }
        }
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// Counts a failure against every key.
    fn fail(&self, keys: &[(String, u32)], now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() + keys.len() > LIMITER_KEYS {
            map.retain(|_, window| now.duration_since(window.started) < LOGIN_WINDOW);
        }
        while map.len() + keys.len() > LIMITER_KEYS {
            let oldest =
                map.iter().min_by_key(|(_, window)| window.started).map(|(k, _)| k.clone());
            let Some(oldest) = oldest else { break };
            map.remove(&oldest);
        }
        for (key, _) in keys {
            let window = map.entry(key.clone()).or_insert(Window { started: now, failures: 0 });
            if now.duration_since(window.started) >= LOGIN_WINDOW {
                *window = Window { started: now, failures: 0 };
            }
            window.failures += 1;
        }
    }

    /// Forgets a key's failures (after a successful login).
    fn clear(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_refuses_after_the_allowed_failures_until_the_window_ends() {
        let limiter = Limiter::default();
        let keys = [("user:a".to_string(), 3)];
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(&keys, start).is_ok());
            limiter.fail(&keys, start);
        }
        let wait = limiter.check(&keys, start).unwrap_err();
        assert_eq!(wait, LOGIN_WINDOW);
        assert!(limiter.check(&keys, start + LOGIN_WINDOW).is_ok());
        limiter.clear("user:a");
        assert!(limiter.check(&keys, start).is_ok());
    }

    #[test]
    fn the_limiter_stays_bounded() {
        let limiter = Limiter::default();
        let now = Instant::now();
        for n in 0..LIMITER_KEYS + 50 {
            limiter.fail(&[(format!("ip:{n}"), 5)], now);
        }
        assert!(limiter.failures.lock().unwrap().len() <= LIMITER_KEYS);
    }

    #[test]
    fn csrf_compares_the_whole_token() {
        let principal = Principal {
            name: "a".into(),
            role: Role::Viewer,
            csrf: Some("abc".into()),
            session_id: Some("s".into()),
        };
        assert!(check_csrf(&principal, "abc").is_ok());
        assert!(check_csrf(&principal, "ab").is_err());
        assert!(check_csrf(&principal, "").is_err());
        let token = Principal { csrf: None, session_id: None, ..principal };
        assert!(check_csrf(&token, "").is_ok());
    }
}
