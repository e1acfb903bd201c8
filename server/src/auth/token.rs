//! Access tokens (HS256 JWTs, short-lived) and refresh tokens (random, single use, stored
//! as digests).

use std::path::Path;
use std::time::Duration;

use agenthq_protocol::UserId;
use agenthq_runtime::store::RefreshTokenRecord;
use agenthq_runtime::task::now_ms;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AuthError;

/// The `typ` claim of access tokens, so no other token signed with the key passes.
const ACCESS: &str = "access";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    typ: String,
    iat: u64,
    nbf: u64,
    exp: u64,
}

/// What login, registration and refresh return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPair {
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub refresh_token: String,
}

/// Signs and checks tokens with one key.
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    access_ttl: Duration,
    refresh_ttl: Duration,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    pub fn new(secret: &[u8], access_ttl: Duration, refresh_ttl: Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            access_ttl,
            refresh_ttl,
        }
    }

    /// A signed access token for `user`, valid from now for the access lifetime.
    pub fn access_token(&self, user: UserId, now_secs: u64) -> Result<String, AuthError> {
        let claims = Claims {
            sub: user.to_string(),
            typ: ACCESS.into(),
            iat: now_secs,
            nbf: now_secs,
            exp: now_secs + self.access_ttl.as_secs(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| AuthError::Invalid("cannot sign the token"))
    }

    /// A new access token and refresh token; the refresh token's record is for the store.
    pub fn issue(&self, user: UserId) -> Result<(TokenPair, RefreshTokenRecord), AuthError> {
        let now = now_ms();
        let refresh_token = random_secret();
        let record = RefreshTokenRecord {
            digest: digest(&refresh_token),
            user,
            expires_at: now + self.refresh_ttl.as_millis() as i64,
        };
        let pair = TokenPair {
            access_token: self.access_token(user, (now / 1000) as u64)?,
            expires_in: self.access_ttl.as_secs(),
            refresh_token,
        };
        Ok((pair, record))
    }

    /// The user an access token speaks for. Only HS256 is accepted (so `alg: none` and
    /// key-confusion tokens fail), and `exp` and `nbf` are checked with no leeway.
    pub fn verify_access(&self, token: &str) -> Result<UserId, AuthError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "nbf", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(
            |e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                ErrorKind::ImmatureSignature => AuthError::Invalid("token not valid yet"),
                ErrorKind::InvalidSignature => AuthError::Invalid("bad signature"),
                _ => AuthError::Invalid("malformed token"),
            },
        )?;
        if data.claims.typ != ACCESS {
            return Err(AuthError::Invalid("not an access token"));
        }
        data.claims
            .sub
            .parse()
            .map_err(|_| AuthError::Invalid("malformed token"))
    }
}

/// SHA-256 of a token or key secret, as stored.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// 256 random bits, URL-safe base64 (43 characters).
pub fn random_secret() -> String {
    let bytes: [u8; 32] = rand::Rng::random(&mut rand::rng());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The signing secret kept in `path`, created (256 random bits, mode 0600) when missing.
pub fn load_or_create_secret(path: &Path) -> std::io::Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) if !bytes.is_empty() => return Ok(bytes),
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let secret = random_secret().into_bytes();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, &secret)?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens {
        Tokens::new(
            b"test secret",
            Duration::from_secs(60),
            Duration::from_secs(600),
        )
    }

    fn now_secs() -> u64 {
        (now_ms() / 1000) as u64
    }

    #[test]
    fn an_access_token_names_its_user() {
        let user = UserId::new();
        let token = tokens().access_token(user, now_secs()).unwrap();
        assert_eq!(tokens().verify_access(&token).unwrap(), user);
    }

    #[test]
    fn expired_future_forged_and_unsigned_tokens_fail() {
        let t = tokens();
        let user = UserId::new();
        let expired = t.access_token(user, now_secs() - 120).unwrap();
        assert!(matches!(t.verify_access(&expired), Err(AuthError::Expired)));
        let future = t.access_token(user, now_secs() + 120).unwrap();
        assert!(matches!(
            t.verify_access(&future),
            Err(AuthError::Invalid(_))
        ));
        let other_key = Tokens::new(b"another", Duration::from_secs(60), Duration::ZERO);
        let forged = other_key.access_token(user, now_secs()).unwrap();
        assert!(matches!(
            t.verify_access(&forged),
            Err(AuthError::Invalid(_))
        ));

        // `alg: none` with the same claims and no signature.
        let token = t.access_token(user, now_secs()).unwrap();
        let claims = token.split('.').nth(1).unwrap();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{claims}.");
        assert!(t.verify_access(&unsigned).is_err());

        // Claims changed after signing.
        let other = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&serde_json::json!({
                "sub": UserId::new().to_string(), "typ": "access",
                "iat": now_secs(), "nbf": now_secs(), "exp": now_secs() + 60
            }))
            .unwrap(),
        );
        let mut parts: Vec<&str> = token.split('.').collect();
        parts[1] = &other;
        assert!(t.verify_access(&parts.join(".")).is_err());
    }

    #[test]
    fn the_secret_file_is_made_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("jwt.secret");
        let first = load_or_create_secret(&path).unwrap();
        assert_eq!(first.len(), 43);
        assert_eq!(load_or_create_secret(&path).unwrap(), first);
    }
}
