//! The server-rendered HTML pages. A placeholder with no routes until the `ui` branch replaces
//! this file with the real pages.

use crate::web::AppState;
use axum::Router;

/// The UI's routes, merged into [`crate::web::router`].
pub fn routes() -> Router<AppState> {
    Router::new()
}
