//! [`ApiError`]: every failure of the HTTP API as `{"error": {"code", "message"}}` with
//! its status.

use agenthq_runtime::{RuntimeError, StoreError};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{AuthError, RegisterError};

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable: `bad_request`, `unauthorized`, `token_expired`,
    /// `forbidden`, `not_found`, `conflict`, `payload_too_large`, `invalid`,
    /// `queue_full`, `unavailable`, `internal`, ...
    pub code: String,
    /// For a person.
    pub message: String,
}

/// An HTTP API failure.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds, for 429 and 503.
    pub retry_after: Option<u32>,
    /// In a cluster: the node that owns the workspace (the forwarding layer sends the
    /// request there).
    pub forward_to: Option<agenthq_runtime::NodeId>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
            forward_to: None,
        }
    }

    /// A request the API cannot read (a bad query parameter or cursor).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    fn internal(cause: &dyn std::error::Error) -> Self {
        tracing::error!(error = %cause, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; it has been logged",
        )
    }

    /// A rejection of an axum extractor (bad JSON, a path that is not an id, a body too
    /// large), with the extractor's own explanation.
    pub fn rejected(status: StatusCode, message: String) -> Self {
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid",
            s if s.is_server_error() => "internal",
            _ => "bad_request",
        };
        Self::new(status, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.into(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(node) = self.forward_to {
            response
                .extensions_mut()
                .insert(crate::forward::ForwardTo(node));
        }
        response
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        let unauthorized = |code| ApiError::new(StatusCode::UNAUTHORIZED, code, err.to_string());
        match &err {
            AuthError::Missing | AuthError::Invalid(_) | AuthError::WrongPassword => {
                unauthorized("unauthorized")
            }
            AuthError::Expired => unauthorized("token_expired"),
            AuthError::Revoked => unauthorized("revoked"),
            AuthError::Busy => ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    err.to_string(),
                )
            },
            AuthError::Store(cause) => ApiError::internal(cause),
        }
    }
}

impl From<RegisterError> for ApiError {
    fn from(err: RegisterError) -> Self {
        match err {
            RegisterError::InvalidEmail(_) | RegisterError::WeakPassword(_) => {
                ApiError::invalid(err.to_string())
            }
            RegisterError::EmailTaken => ApiError::conflict("email_taken", err.to_string()),
            RegisterError::Auth(auth) => auth.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::not_found("object"),
            StoreError::Conflict(what) => ApiError::conflict("conflict", what),
            // A newer owner (another node) took the workspace over: the request may go
            // there now.
            StoreError::Fenced | StoreError::FencedOff(_) => ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the workspace moved to another node; retry",
                )
            },
            other => ApiError::internal(&other),
        }
    }
}

impl From<RuntimeError> for ApiError {
    fn from(err: RuntimeError) -> Self {
        let message = err.to_string();
        match err {
            RuntimeError::QueueFull { .. } => ApiError {
                retry_after: Some(1),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "queue_full", message)
            },
            RuntimeError::BudgetExceeded { .. } => {
                ApiError::new(StatusCode::PAYMENT_REQUIRED, "budget_exceeded", message)
            }
            RuntimeError::QuotaExceeded {
                retry_after_secs, ..
            } => ApiError {
                retry_after: Some(u32::try_from(retry_after_secs).unwrap_or(u32::MAX)),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded", message)
            },
            RuntimeError::TierLimit { .. } => {
                ApiError::new(StatusCode::FORBIDDEN, "tier_limit", message)
            }
            RuntimeError::UnknownWorkspace(_) => ApiError::not_found("workspace"),
            RuntimeError::UnknownAgent(_)
            | RuntimeError::UnknownTask(_)
            | RuntimeError::UnknownApproval(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
            }
            RuntimeError::InvalidState { .. } => ApiError::conflict("invalid_state", message),
            RuntimeError::ApprovalSettled { .. } => ApiError::conflict("already_settled", message),
            RuntimeError::Invalid(_) => ApiError::invalid(message),
            RuntimeError::Unavailable(_) => ApiError {
                retry_after: Some(1),
                ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
            },
            RuntimeError::Store(cause) => cause.into(),
            // Forwarding to the owner is the server's job; reaching here means it could not.
            RuntimeError::NotOwner { node, .. } => ApiError {
                retry_after: Some(1),
                forward_to: Some(node),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "another node owns this workspace and did not answer; retry",
                )
            },
        }
    }
}
