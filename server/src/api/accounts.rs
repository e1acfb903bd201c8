//! Registration, login, token refresh, and who the caller is.

use axum::extract::State;
use axum::http::StatusCode;

use super::ApiError;
use super::extract::Json;
use super::schema::{ApiKey, Credentials, Me, RefreshRequest, Session, User};
use crate::auth::Caller;
use crate::startup::AppState;

/// Creates an account and signs it in.
#[utoipa::path(post, path = "/auth/register", tag = "accounts",
    request_body = Credentials,
    responses(
        (status = 201, description = "Registered and signed in", body = Session),
        (status = 409, description = "The email is taken", body = super::ErrorBody),
        (status = 422, description = "Malformed email or password too short or long", body = super::ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
pub async fn register(
    State(state): State<AppState>,
    Json(body): Json<Credentials>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    let user = state.auth.register(&body.email, &body.password).await?;
    let tokens = state.auth.issue(user.id).await?;
    tracing::info!(user_id = %user.id, "user registered");
    Ok((StatusCode::CREATED, Json(Session::new(&user, tokens))))
}

/// Signs in with email and password.
#[utoipa::path(post, path = "/auth/login", tag = "accounts",
    request_body = Credentials,
    responses(
        (status = 200, description = "Signed in", body = Session),
        (status = 401, description = "Wrong email or password", body = super::ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
pub async fn login(
    State(state): State<AppState>,
    Json(body): Json<Credentials>,
) -> Result<Json<Session>, ApiError> {
    crate::ratelimit::login_attempt(&state, &body.email).await?;
    let user = state.auth.login(&body.email, &body.password).await?;
    let tokens = state.auth.issue(user.id).await?;
    Ok(Json(Session::new(&user, tokens)))
}

/// Exchanges a refresh token, which then stops working, for a new pair of tokens.
#[utoipa::path(post, path = "/auth/refresh", tag = "accounts",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = Session),
        (status = 401, description = "Unknown, used or expired refresh token", body = super::ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
pub async fn refresh(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<Json<Session>, ApiError> {
    let (user, tokens) = state.auth.refresh(&body.refresh_token).await?;
    let user = state
        .runtime
        .store()
        .user(user)
        .await?
        .ok_or(crate::auth::AuthError::Invalid("the user no longer exists"))?;
    Ok(Json(Session::new(&user, tokens)))
}

/// The caller: a user and their workspaces, or an API key and its workspace.
#[utoipa::path(get, path = "/me", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "No or bad credentials", body = super::ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>, ApiError> {
    let store = state.runtime.store();
    let workspaces = super::workspaces::caller_workspaces(&state, &caller).await?;
    let me = match caller {
        Caller::User(id) => {
            let user = store
                .user(id)
                .await?
                .ok_or(crate::auth::AuthError::Invalid("the user no longer exists"))?;
            Me {
                user: Some(User::from(&user)),
                api_key: None,
                workspaces,
            }
        }
        Caller::ApiKey { id, .. } => {
            let key = store
                .api_key(id)
                .await?
                .ok_or_else(|| ApiError::not_found("API key"))?;
            Me {
                user: None,
                api_key: Some(ApiKey::from(&key)),
                workspaces,
            }
        }
    };
    Ok(Json(me))
}
