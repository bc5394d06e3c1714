//! The API's error response: every 4xx and 5xx is `{"error": "...", "hint": "..."}`, saying
//! what is wrong and how to fix it. Store failures become a 500 whose detail goes to the log,
//! not to the client.

use crate::store;
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    /// What is wrong.
    pub error: String,
    /// How to fix it.
    pub hint: String,
}

impl ApiError {
    pub fn new(status: StatusCode, error: impl Into<String>, hint: impl Into<String>) -> ApiError {
        ApiError { status, error: error.into(), hint: hint.into() }
    }

    /// 400: the request is malformed.
    pub fn bad_request(error: impl Into<String>, hint: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, error, hint)
    }

    /// 404: the thing asked for does not exist.
    pub fn not_found(error: impl Into<String>, hint: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, error, hint)
    }

    /// 500: our fault; the detail is logged, the client gets an apology.
    pub fn internal(error: &dyn std::error::Error) -> ApiError {
        tracing::error!(error = %DisplayChain(error), "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            "the server logged the cause; try again, and report it if it persists",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.error, "hint": self.hint });
        (self.status, Json(body)).into_response()
    }
}

impl From<store::Error> for ApiError {
    fn from(error: store::Error) -> ApiError {
        match &error {
            store::Error::InvalidKey { .. } => ApiError::bad_request(
                error.to_string(),
                "identifier values, site names and URLs cannot contain NUL bytes",
            ),
            store::Error::UnknownAccount { .. } => ApiError::not_found(
                error.to_string(),
                "values are stored normalised; search with GET /api/v1/accounts?q=TEXT",
            ),
            store::Error::InvalidReview { .. } | store::Error::InvalidWebhook { .. } => {
                ApiError::bad_request(error.to_string(), "fix the value and retry")
            }
            store::Error::UnknownWebhook { .. } => {
                ApiError::not_found(error.to_string(), "list the receivers first")
            }
            store::Error::NotFound { .. } => {
                ApiError::not_found(error.to_string(), "list what exists first")
            }
            store::Error::Exists { .. } => {
                ApiError::new(StatusCode::CONFLICT, error.to_string(), "choose another name")
            }
            store::Error::Invalid { .. } => {
                ApiError::bad_request(error.to_string(), "fix the value and retry")
            }
            _ => ApiError::internal(&error),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        let hint = match &rejection {
            JsonRejection::MissingJsonContentType(_) => {
                "send the body with `Content-Type: application/json`"
            }
            JsonRejection::JsonSyntaxError(_) => "the body must be one well-formed JSON value",
            JsonRejection::JsonDataError(_) => {
                "see /api/v1/openapi.json for the fields this endpoint takes"
            }
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                "the body is larger than the server's limit; split the request"
            }
            _ => "check the request body",
        };
        ApiError::new(rejection.status(), rejection.body_text(), hint)
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> ApiError {
        ApiError::bad_request(rejection.body_text(), "percent-encode the path segments as UTF-8")
    }
}

/// An error with its sources, `a: b: c`, for logs.
struct DisplayChain<'a>(&'a dyn std::error::Error);

impl std::fmt::Display for DisplayChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(error) = source {
            write!(f, ": {error}")?;
            source = error.source();
        }
        Ok(())
    }
}
