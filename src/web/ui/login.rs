//! `/login` (the form, and its post through [`auth::login`], rate limit included) and
//! `/logout` (a post with the CSRF token). After login the browser goes back to the page it
//! asked for (`next`), which must be a path on this server: never another site.

use super::{Layout, PageError, authorize_form, field, fields, render, see_other};
use crate::web::AppState;
use crate::web::auth::{self, ClientIp, LoginError, Principal, Role};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
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
}

async fn form(RawQuery(query): RawQuery) -> Response {
    let query = fields(query.unwrap_or_default().as_bytes());
    let next = safe_next(field(&query, "next"));
    render(&LoginPage {
        layout: Layout::anonymous("Log in"),
        next,
        user: String::new(),
        error: None,
    })
}

async fn submit(State(state): State<AppState>, ClientIp(ip): ClientIp, body: Bytes) -> Response {
    let form = fields(&body);
    let user = field(&form, "user").unwrap_or_default().to_owned();
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
    let page = LoginPage { layout: Layout::anonymous("Log in"), next, user, error: Some(error) };
    (status, render(&page)).into_response()
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
