//! `/login` (the form, and its post through [`auth::login`], rate limit included) and
//! `/logout` (a post with the CSRF token). After login the browser goes back to the page it
//! asked for (`next`), which must be a path on this server: never another site.
//!
//! The login form has a CSRF token too, before there is a session: the form page sets it in a
//! `SameSite=Strict`, `HttpOnly` cookie scoped to `/login` and in a hidden field, and the post
//! must carry both, equal (a double-submit token). Another site can neither read the token nor
//! make the browser send the cookie, so it cannot log a victim in to an account of its own.

use super::{Layout, PageError, authorize_form, field, fields, render, see_other};
use crate::web::ApiError;
use crate::web::AppState;
use crate::web::auth::{self, ClientIp, LoginError, Principal, Role};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/login", get(form).post(submit)).route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    user: String,
    error: Option<String>,
    /// The login form's CSRF token (also in the [`LOGIN_CSRF_COOKIE`] cookie).
    csrf: String,
}

/// The cookie that carries the login form's CSRF token.
pub(crate) const LOGIN_CSRF_COOKIE: &str = "otcwatch_login_csrf";

async fn form(RawQuery(query): RawQuery) -> Response {
    let query = fields(query.unwrap_or_default().as_bytes());
    let next = safe_next(field(&query, "next"));
    login_form(StatusCode::OK, next, String::new(), None)
}

/// The form with a fresh token, set in its cookie too.
fn login_form(status: StatusCode, next: String, user: String, error: Option<String>) -> Response {
    let csrf = match crate::store::generate_password() {
        Ok(token) => token,
        Err(error) => return PageError::from(ApiError::internal(&error)).into_response(),
    };
    let cookie =
        format!("{LOGIN_CSRF_COOKIE}={csrf}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600");
    let page = LoginPage { layout: Layout::anonymous("Log in"), next, user, error, csrf };
    let mut response = (status, render(&page)).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Whether the post carries the form's token in both the cookie and the field, equal.
fn login_csrf_ok(headers: &HeaderMap, form: &[(String, String)]) -> bool {
    use subtle::ConstantTimeEq;
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LOGIN_CSRF_COOKIE)
        .map(|(_, token)| token);
    match (cookie, field(form, "csrf")) {
        (Some(cookie), Some(token)) if !token.is_empty() => {
            bool::from(cookie.as_bytes().ct_eq(token.as_bytes()))
        }
        _ => false,
    }
}

async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = fields(&body);
    let user = field(&form, "user").unwrap_or_default().to_owned();
    if !login_csrf_ok(&headers, &form) {
        let next = safe_next(field(&form, "next"));
        let error = "This login form expired or was sent from another page. Log in again with                      this form.";
        return login_form(StatusCode::FORBIDDEN, next, user, Some(error.to_owned()));
    }
    // The password is not trimmed: spaces may be part of it.
    let password = form.iter().find(|(key, _)| key == "password").map_or("", |(_, v)| v.as_str());
    let next = safe_next(field(&form, "next"));
    let (status, error) = match auth::login(&state, &user, password, ip).await {
        Ok(cookie) => return (cookie, see_other(&next)).into_response(),
        Err(LoginError::Invalid) => (
            StatusCode::UNAUTHORIZED,
            format!(
                "Wrong user name or password. After {} failures in a minute, logins for this \
                 user are refused for a minute.",
                auth::USER_FAILURES
            ),
        ),
        Err(LoginError::RateLimited { retry_after }) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many failed logins. Wait {} seconds before trying again.",
                retry_after.as_secs().max(1)
            ),
        ),
        Err(LoginError::Internal(error)) => return PageError::from(error).into_response(),
    };
    login_form(status, next, user, Some(error))
}

async fn logout(State(state): State<AppState>, principal: Principal, body: Bytes) -> Response {
    let form = fields(&body);
    if let Err(error) = authorize_form(&principal, Role::Viewer, &form) {
        return error.into_response();
    }
    match auth::logout(&state, &principal).await {
        Ok(cookie) => (cookie, see_other("/login")).into_response(),
        Err(error) => PageError::from(error).into_response(),
    }
}

/// `next` if it is a path on this server (`/…` but not `//…` or `/\…`, which browsers read as
/// another host); the dashboard otherwise.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_server() {
        assert_eq!(safe_next(Some("/accounts?kind=qq")), "/accounts?kind=qq");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/a\nb")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
