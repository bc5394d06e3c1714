//! The server-rendered HTML pages reviewers use: login, dashboard, accounts list, account,
//! sites. Pages are askama templates (`templates/`, checked at compile time, HTML-escaped
//! by default); the page models are built here from the store on the blocking pool. Crawled
//! text reaches a page only as a template value, so it is always escaped; links to crawled
//! URLs are written only for http(s) URLs (`text.rs`).
//!
//! Every page needs a session (the [`Principal`] extractor redirects a browser to `/login`);
//! every form that changes something carries the session's CSRF token in the `csrf` field and
//! is checked with [`auth::check_csrf`] before anything else. Forms are read with
//! `form_urlencoded` directly (repeated fields such as the bulk form's `id` are kept), so a
//! malformed or incomplete form gets this UI's own error page, never a framework rejection.
//!
//! Files: `login.rs`, `dashboard.rs`, `accounts.rs` (list and bulk review), `account.rs` (one
//! account and its review form), `sites.rs`, `chart.rs` (SVG bar charts), `text.rs` (hostile
//! text → template parts), `assets.rs` (the embedded CSS and JS).

mod account;
mod accounts;
mod assets;
mod chart;
mod dashboard;
mod login;
mod sites;
mod text;

use crate::web::auth::{self, AuthError, Principal, Role};
use crate::web::{ApiError, AppState};
use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// The UI's routes, merged into [`crate::web::router`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(assets::routes())
        .merge(login::routes())
        .merge(dashboard::routes())
        .merge(accounts::routes())
        .merge(account::routes())
        .merge(sites::routes())
}

/// What every page's frame shows: the title, who is logged in, the CSRF token for the
/// logout form, which menu entry is current, and the asset URLs.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) title: String,
    /// `None` on the login page: no menu.
    pub(crate) user: Option<String>,
    pub(crate) role: String,
    pub(crate) csrf: String,
    /// The current menu entry: `dashboard`, `accounts`, `sites` or empty.
    pub(crate) nav: &'static str,
    pub(crate) css: String,
    pub(crate) js: String,
    /// A one-line confirmation of what the last form did, built from typed values only.
    pub(crate) notice: Option<String>,
}

/// An error shown as an HTML page: what is wrong and how to fix it, with its status code.
#[derive(Debug)]
pub(crate) struct PageError {
    error: ApiError,
    /// The frame to show it in, when the user is known (boxed: errors travel in `Result`s).
    layout: Option<Box<Layout>>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    status: u16,
    reason: &'a str,
    error: &'a str,
    hint: &'a str,
}

impl Layout {
    /// The frame for `principal`, on menu entry `nav`.
    pub(crate) fn new(
        title: impl Into<String>,
        principal: &Principal,
        nav: &'static str,
    ) -> Layout {
        Layout {
            title: title.into(),
            user: Some(principal.name.clone()),
            role: principal.role.to_string(),
            csrf: principal.csrf.clone().unwrap_or_default(),
            nav,
            css: assets::css_url(),
            js: assets::js_url(),
            notice: None,
        }
    }

    /// The frame of a page shown before login.
    pub(crate) fn anonymous(title: impl Into<String>) -> Layout {
        Layout {
            title: title.into(),
            user: None,
            role: String::new(),
            csrf: String::new(),
            nav: "",
            css: assets::css_url(),
            js: assets::js_url(),
            notice: None,
        }
    }
}

impl PageError {
    /// An error with its status, message and hint.
    pub(crate) fn new(
        status: StatusCode,
        error: impl Into<String>,
        hint: impl Into<String>,
    ) -> PageError {
        PageError { error: ApiError::new(status, error, hint), layout: None }
    }

    /// Shows the error inside `principal`'s frame (with the menu).
    pub(crate) fn framed(mut self, principal: &Principal) -> PageError {
        self.layout = Some(Box::new(Layout::new("Error", principal, "")));
        self
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> PageError {
        PageError { error, layout: None }
    }
}

impl From<crate::store::Error> for PageError {
    fn from(error: crate::store::Error) -> PageError {
        PageError::from(ApiError::from(error))
    }
}

impl From<AuthError> for PageError {
    fn from(error: AuthError) -> PageError {
        PageError::from(ApiError::from(error))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.error.status;
        let page = ErrorPage {
            layout: self.layout.map_or_else(|| Layout::anonymous("Error"), |layout| *layout),
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("Error"),
            error: &self.error.error,
            hint: &self.error.hint,
        };
        (status, render(&page)).into_response()
    }
}

/// Renders a page; a template that fails to render (it cannot, for these types) is a 500.
pub(crate) fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(error = %error, "rendering a page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain")],
                "internal error",
            )
                .into_response()
        }
    }
}

/// A 303 to `location`: the answer to a form post, so reloading does not post again. Bytes
/// that may not appear in a header (non-ASCII, spaces, controls) are percent-encoded, so a
/// `next` of `/accounts?q=微信` is a valid `Location` rather than a panic.
pub(crate) fn see_other(location: &str) -> Response {
    let mut encoded = String::with_capacity(location.len());
    for byte in location.bytes() {
        if byte.is_ascii_graphic() {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    (StatusCode::SEE_OTHER, [(header::LOCATION, encoded)]).into_response()
}

/// The fields of an `application/x-www-form-urlencoded` body or query string, in order,
/// repeated names kept.
pub(crate) fn fields(encoded: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(encoded).into_owned().collect()
}

/// The first value of field `name`, trimmed; `None` when absent or blank.
/// The review status a form chose, or a 400 page saying what to pick.
pub(crate) fn form_status(
    form: &[(String, String)],
    principal: &Principal,
) -> Result<crate::store::Status, PageError> {
    let bad = |error: String, hint: &str| {
        PageError::new(StatusCode::BAD_REQUEST, error, hint).framed(principal)
    };
    match field(form, "status").map(str::parse::<crate::store::Status>) {
        Some(Ok(status)) => Ok(status),
        Some(Err(error)) => Err(bad(error.to_string(), "choose a status in the list")),
        None => Err(bad("no status chosen".into(), "choose the status to set")),
    }
}

pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// Checks the role and then the form's CSRF token: the gate of every form that changes
/// something. Errors are pages in the user's frame.
pub(crate) fn authorize_form(
    principal: &Principal,
    role: Role,
    form: &[(String, String)],
) -> Result<(), PageError> {
    let framed = |error: AuthError| PageError::from(error).framed(principal);
    principal.require(role).map_err(framed)?;
    auth::check_csrf(principal, field(form, auth::CSRF_FIELD).unwrap_or_default()).map_err(framed)
}

/// Runs store work on the blocking pool; its errors become pages.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T, PageError>
where
    F: FnOnce() -> Result<T, crate::store::Error> + Send + 'static,
    T: Send + 'static,
{
    crate::web::blocking(move || work().map_err(ApiError::from)).await.map_err(PageError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_encode_what_a_header_cannot_carry() {
        let response = see_other("/accounts?q=微信 x\n");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/accounts?q=%E5%BE%AE%E4%BF%A1%20x%0A");
    }
}
