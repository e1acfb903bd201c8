//! Who is calling: passwords, access and refresh tokens, API keys, and the [`Caller`] a
//! request or a WebSocket `hello` resolves to.
//!
//! - [`password`]: argon2id hashes, computed off the async threads and bounded in number
//!   (each takes 19 MiB).
//! - [`token`]: HS256 access tokens (JWT) and single-use refresh tokens.
//! - [`api_key`]: `ahq_<id>_<secret>` keys; only a SHA-256 digest of the secret is stored.
//!
//! A credential is checked against the store on every use, so a revoked API key fails at
//! once, on HTTP and on new WebSocket connections. An access token is checked by its
//! signature and expiry alone; what its user may do is looked up per request.

pub mod api_key;
pub mod password;
pub mod token;

use std::sync::Arc;
use std::time::Duration;

use agenthq_protocol::{ApiKeyId, UserId, WorkspaceId};
use agenthq_runtime::store::{Role, UserRecord};
use agenthq_runtime::task::now_ms;
use agenthq_runtime::{Store, StoreError};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::settings::Settings;
use crate::startup::AppState;

pub use api_key::NewApiKey;
pub use password::Passwords;
pub use token::{TokenPair, Tokens};

/// A credential was missing, malformed, wrong, expired or revoked.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("this endpoint needs credentials: send `Authorization: Bearer <token or API key>`")]
    Missing,
    #[error("the credential is not valid: {0}")]
    Invalid(&'static str),
    #[error("the token has expired; refresh it or log in again")]
    Expired,
    #[error("this API key has been revoked")]
    Revoked,
    #[error("wrong email or password")]
    WrongPassword,
    #[error("the password check is busy; retry shortly")]
    Busy,
    #[error("store error: {0}")]
    Store(#[from] StoreError),
}

/// Who made a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// A person, by access token; their role comes from their memberships.
    User(UserId),
    /// An API key: one workspace, one role.
    ApiKey {
        id: ApiKeyId,
        workspace: WorkspaceId,
        role: Role,
    },
}

impl Caller {
    /// The caller's role in a workspace; `None` when it has none there.
    pub async fn role_in(
        &self,
        store: &dyn Store,
        workspace: WorkspaceId,
    ) -> Result<Option<Role>, StoreError> {
        match *self {
            Caller::User(user) => Ok(store.membership(workspace, user).await?.map(|m| m.role)),
            Caller::ApiKey {
                workspace: own,
                role,
                ..
            } => Ok((own == workspace).then_some(role)),
        }
    }

    /// Who the caller is, for people to read (a message's author, an approval's decider):
    /// the user's email, or `key <name>` for an API key.
    pub async fn display_name(&self, store: &dyn Store) -> Result<String, StoreError> {
        Ok(match *self {
            Caller::User(user) => store
                .user(user)
                .await?
                .map_or_else(|| format!("user {user}"), |u| u.email),
            Caller::ApiKey { id, .. } => store
                .api_key(id)
                .await?
                .map_or_else(|| format!("key {id}"), |k| format!("key {}", k.name)),
        })
    }

    /// The credential's id, for per-credential limits.
    pub fn credential(&self) -> uuid::Uuid {
        match self {
            Caller::User(id) => *id.as_uuid(),
            Caller::ApiKey { id, .. } => *id.as_uuid(),
        }
    }
}

/// Checks credentials and issues tokens. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Auth {
    store: Arc<dyn Store>,
    pub tokens: Tokens,
    pub passwords: Passwords,
}

impl Auth {
    /// Builds the authenticator; the signing secret comes from the settings, or from
    /// `data_dir/jwt.secret` (generated on first start).
    pub fn new(store: Arc<dyn Store>, settings: &Settings) -> std::io::Result<Self> {
        let secret = match &settings.jwt_secret {
            Some(secret) => secret.expose().as_bytes().to_vec(),
            None => token::load_or_create_secret(&settings.data_dir.join("jwt.secret"))?,
        };
        Ok(Self {
            store,
            tokens: Tokens::new(
                &secret,
                Duration::from_secs(settings.access_token_ttl_secs.max(1)),
                Duration::from_secs(settings.refresh_token_ttl_secs.max(1)),
            ),
            passwords: Passwords::default(),
        })
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Resolves a bearer credential: an API key (`ahq_...`) or an access token.
    pub async fn authenticate(&self, bearer: &str) -> Result<Caller, AuthError> {
        if let Some(parsed) = api_key::parse(bearer) {
            let (id, secret) = parsed?;
            let key = self
                .store
                .api_key(id)
                .await?
                .filter(|key| api_key::matches(&key.digest, secret))
                .ok_or(AuthError::Invalid("unknown API key"))?;
            if key.revoked_at.is_some() {
                return Err(AuthError::Revoked);
            }
            return Ok(Caller::ApiKey {
                id: key.id,
                workspace: key.workspace,
                role: key.role,
            });
        }
        self.tokens.verify_access(bearer).map(Caller::User)
    }

    /// Creates a user (email lower-cased) with a hashed password.
    pub async fn register(&self, email: &str, password: &str) -> Result<UserRecord, RegisterError> {
        let email = normalize_email(email)?;
        password::validate(password)?;
        let user = UserRecord {
            id: UserId::new(),
            email,
            password_hash: self.passwords.hash(password).await?,
            created_at: now_ms(),
            operator: false,
        };
        self.store.create_user(&user).await.map_err(|e| match e {
            StoreError::Conflict(_) => RegisterError::EmailTaken,
            other => RegisterError::Auth(other.into()),
        })?;
        Ok(user)
    }

    /// Checks an email and password. Unknown emails cost the same time as wrong passwords.
    pub async fn login(&self, email: &str, password: &str) -> Result<UserRecord, AuthError> {
        let email = email.trim().to_lowercase();
        let user = self.store.user_by_email(&email).await?;
        let hash = user.as_ref().map(|u| u.password_hash.as_str());
        if self.passwords.verify(password, hash).await? {
            user.ok_or(AuthError::WrongPassword)
        } else {
            Err(AuthError::WrongPassword)
        }
    }

    /// A new access token and a new refresh token for a user.
    pub async fn issue(&self, user: UserId) -> Result<TokenPair, AuthError> {
        let (pair, record) = self.tokens.issue(user)?;
        self.store.put_refresh_token(&record).await?;
        Ok(pair)
    }

    /// Exchanges a refresh token (which then stops working) for a new pair.
    pub async fn refresh(&self, refresh_token: &str) -> Result<(UserId, TokenPair), AuthError> {
        let record = self
            .store
            .take_refresh_token(&token::digest(refresh_token))
            .await?
            .ok_or(AuthError::Invalid("unknown or already used refresh token"))?;
        if record.expires_at <= now_ms() {
            return Err(AuthError::Expired);
        }
        Ok((record.user, self.issue(record.user).await?))
    }

    /// Creates an API key; the secret is in the returned value only.
    pub async fn create_api_key(
        &self,
        workspace: WorkspaceId,
        name: &str,
        role: Role,
        created_by: Option<UserId>,
    ) -> Result<NewApiKey, StoreError> {
        let new = api_key::generate(workspace, name, role, created_by);
        self.store.create_api_key(&new.record).await?;
        Ok(new)
    }
}

/// Registration was refused.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("{0}")]
    InvalidEmail(&'static str),
    #[error("{0}")]
    WeakPassword(#[from] password::PasswordError),
    #[error("this email is already registered")]
    EmailTaken,
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// Longest email accepted (RFC 5321's path limit).
pub const MAX_EMAIL_BYTES: usize = 254;

fn normalize_email(email: &str) -> Result<String, RegisterError> {
    let email = email.trim().to_lowercase();
    let well_formed = email.len() <= MAX_EMAIL_BYTES
        && !email.chars().any(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if well_formed {
        Ok(email)
    } else {
        Err(RegisterError::InvalidEmail(
            "email must look like name@example.com (at most 254 bytes)",
        ))
    }
}

/// The `Authorization: Bearer ...` credential of a request, checked.
impl FromRequestParts<AppState> for Caller {
    type Rejection = crate::api::ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(Authenticated(caller)) = parts.extensions.get::<Authenticated>() {
            return Ok(*caller);
        }
        if !parts
            .headers
            .contains_key(axum::http::header::AUTHORIZATION)
        {
            return Err(AuthError::Missing.into());
        }
        let bearer = bearer(&parts.headers).ok_or(AuthError::Invalid(
            "expected `Authorization: Bearer <credential>`",
        ))?;
        Ok(state.auth.authenticate(bearer).await?)
    }
}

/// A request's caller, authenticated already (by the rate-limit layer).
#[derive(Debug, Clone, Copy)]
pub struct Authenticated(pub Caller);

/// The credential of `Authorization: Bearer <credential>`.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .or_else(|| {
            headers
                .get(axum::http::header::AUTHORIZATION)?
                .to_str()
                .ok()?
                .strip_prefix("bearer ")
        })
        .map(str::trim)
}
