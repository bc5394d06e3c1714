//! The web server: the JSON API under `/api/v1/`, `/healthz`, `/metrics`, and the HTML pages
//! of `ui/`, on axum. This is the only module that imports axum.
//!
//! [`router`] builds the whole application from an [`AppState`] (tests serve it on
//! 127.0.0.1:0); [`serve`] binds, says where, and runs it until `shutdown` resolves. Every
//! route except `/healthz` and the login endpoints needs a session cookie or a Bearer token
//! (see `auth.rs`). Every response carries the security headers of `security_headers`.
//! The store blocks, so handlers call it on the blocking pool (`blocking`).
//!
//! Files: `auth.rs` (principals, roles, login, sessions, CSRF, rate limit), `api/` (the
//! JSON routes and their table), `openapi.rs` (the OpenAPI document of that table),
//! `metrics.rs` (Prometheus text), `error.rs` (the JSON error body), `ui/` (HTML pages).

pub mod api;
pub mod auth;
mod error;
mod metrics;
mod openapi;
pub mod ui;

pub use auth::{Principal, Role};
pub use error::ApiError;

use crate::store::Db;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// How the server runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where to listen; loopback unless told otherwise.
    pub listen: SocketAddr,
    /// A TLS-terminating proxy is in front: session cookies get `Secure`, and the client
    /// address for the login rate limit is the last `X-Forwarded-For` entry. Only this flag
    /// decides; `X-Forwarded-Proto` is not trusted, since any client can send it.
    pub tls_terminated: bool,
    /// How long a login session lasts.
    pub session_ttl: Duration,
    /// The largest request body accepted, in bytes; larger ones get a 413.
    pub body_limit: usize,
}

/// What every handler can reach: the store and the server's shared state.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub(crate) options: Arc<Options>,
    pub(crate) limiter: Arc<auth::Limiter>,
    pub(crate) metrics: Arc<metrics::Counters>,
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot listen on {addr} (is another server using the port? pass --listen ADDR)")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("the server failed")]
    Serve(#[source] std::io::Error),
}

/// The default address: loopback only, port 8080.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);

/// The Content-Security-Policy of every response: no inline script, nothing from elsewhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

impl Default for Options {
    fn default() -> Options {
        Options {
            listen: DEFAULT_LISTEN,
            tls_terminated: false,
            session_ttl: Duration::from_secs(12 * 3600),
            body_limit: 1024 * 1024,
        }
    }
}

impl AppState {
    pub fn new(db: Db, options: &Options) -> AppState {
        AppState {
            db,
            options: Arc::new(options.clone()),
            limiter: Arc::new(auth::Limiter::default()),
            metrics: Arc::new(metrics::Counters::default()),
        }
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("db", &self.db).finish_non_exhaustive()
    }
}

/// The whole application: API, health, metrics and UI, with body limit and security headers.
pub fn router(state: AppState) -> Router {
    let body_limit = state.options.body_limit;
    Router::new()
        .merge(api::routes().router)
        .merge(ui::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Binds `options.listen`, prints where it listens (and warns when that is not loopback), and
/// serves until `shutdown` resolves; requests in flight are finished first. Webhook delivery
/// (`notify::run`) runs alongside and stops after the server.
pub async fn serve(
    db: Db,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let addr = options.listen;
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|source| Error::Bind { addr, source })?;
    let local = listener.local_addr().map_err(|source| Error::Bind { addr, source })?;
    println!("listening on http://{local}");
    tracing::info!(addr = %local, "listening");
    if !local.ip().is_loopback() {
        tracing::warn!(
            addr = %local,
            "listening on a non-loopback address: anyone who can reach it can try to log in; \
             put it behind a TLS proxy and pass --tls-terminated"
        );
        eprintln!(
            "warning: {local} is reachable from other machines; put it behind a TLS proxy \
             (and pass --tls-terminated)"
        );
    }
    // Webhook delivery runs beside the server and stops after it, so that a review made by
    // the last request in flight is still queued for delivery (the outbox is durable anyway).
    let (stop_notify, notify_stopped) = tokio::sync::oneshot::channel::<()>();
    let notifier = tokio::spawn(crate::notify::run(db.clone(), async {
        let _ = notify_stopped.await;
    }));
    let state = AppState::new(db, &options);
    let served = serve_listener(listener, state, shutdown).await;
    drop(stop_notify);
    if let Err(error) = notifier.await {
        tracing::error!(error = %error, "webhook delivery task failed");
    }
    served
}

/// Serves [`router`] on a bound listener until `shutdown` resolves, with the client's address
/// available to handlers (the login rate limit uses it).
pub async fn serve_listener(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await.map_err(Error::Serve)
}

/// The OpenAPI 3.1 document served at `/api/v1/openapi.json`.
pub fn openapi_document() -> serde_json::Value {
    openapi::document(&api::routes().routes)
}

/// Runs blocking store work on the blocking pool; a panic in it becomes a 500.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work).await.map_err(|error| ApiError::internal(&error))?
}

/// `GET /healthz`: no auth, no store access; says the process answers.
async fn healthz() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(
        format!("no route {} {}", request.method(), request.uri().path()),
        "the API is under /api/v1/; its routes are listed in /api/v1/openapi.json",
    )
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} is not allowed on {}", request.method(), request.uri().path()),
        "see /api/v1/openapi.json for the methods of each route",
    )
}

/// Adds the security headers to every response, errors included.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    // Pages and API answers show review data: no shared caches, no back-button copies.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}
