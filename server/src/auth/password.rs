//! Password hashing: argon2id with the crate's default cost (19 MiB, 2 passes).

use std::sync::Arc;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::Semaphore;

use super::AuthError;

/// Shortest password accepted, in bytes.
pub const MIN_PASSWORD_BYTES: usize = 8;
/// Longest password accepted, in bytes (hashing cost does not depend on it, but request
/// bodies stay small).
pub const MAX_PASSWORD_BYTES: usize = 256;
/// Hashes computed at once. Each holds 19 MiB for tens of milliseconds; more callers wait.
pub const CONCURRENT_HASHES: usize = 4;
/// How long a caller waits for a hashing slot before getting "busy" (HTTP 503).
pub const HASH_QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

/// The password is too short or too long.
#[derive(Debug, thiserror::Error)]
#[error("password must be {MIN_PASSWORD_BYTES} to {MAX_PASSWORD_BYTES} bytes long")]
pub struct PasswordError;

pub fn validate(password: &str) -> Result<(), PasswordError> {
    if (MIN_PASSWORD_BYTES..=MAX_PASSWORD_BYTES).contains(&password.len()) {
        Ok(())
    } else {
        Err(PasswordError)
    }
}

/// Verified against when the email is unknown, so that costs what a wrong password costs.
/// A fixed hash (of a password nobody has) with the default cost, so no start-up pays for
/// making one; a test checks its cost matches what [`Passwords::hash`] uses.
const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$N5VlOJKizUzeCC4h6+Mr1A$Sf+vlC0V2qQUi1CmSk5N1BK6Fe8lleY5MFJ9vAjXV9U";

/// Hashes and verifies passwords on the blocking pool, [`CONCURRENT_HASHES`] at a time.
#[derive(Debug, Clone)]
pub struct Passwords {
    slots: Arc<Semaphore>,
}

impl Default for Passwords {
    fn default() -> Self {
        Self {
            slots: Arc::new(Semaphore::new(CONCURRENT_HASHES)),
        }
    }
}

impl Passwords {
    pub async fn hash(&self, password: &str) -> Result<String, AuthError> {
        let password = password.to_owned();
        self.blocking(move || hash_now(&password)).await
    }

    /// Whether `password` matches `hash`; with no hash, checks a decoy and says no.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, AuthError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or(DECOY).to_owned();
        let password = password.to_owned();
        let matched = self
            .blocking(move || {
                PasswordHash::new(&hash).is_ok_and(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
            })
            .await?;
        Ok(known && matched)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AuthError> {
        let _slot = tokio::time::timeout(HASH_QUEUE_TIMEOUT, self.slots.acquire())
            .await
            .map_err(|_| AuthError::Busy)?
            .map_err(|_| AuthError::Busy)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| AuthError::Busy)
    }
}

fn hash_now(password: &str) -> String {
    let bytes: [u8; 16] = rand::Rng::random(&mut rand::rng());
    // Only an invalid parameter set or salt can fail; 16 random bytes and the default
    // parameters are valid.
    let Ok(salt) = SaltString::encode_b64(&bytes) else {
        return String::new();
    };
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let passwords = Passwords::default();
        let hash = passwords.hash("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(
            passwords
                .verify("correct horse", Some(&hash))
                .await
                .unwrap()
        );
        assert!(!passwords.verify("wrong horse", Some(&hash)).await.unwrap());
        assert!(!passwords.verify("correct horse", None).await.unwrap());
        assert!(!passwords.verify("x", Some("not a hash")).await.unwrap());
    }

    #[test]
    fn the_decoy_costs_what_a_real_hash_costs() {
        let decoy = PasswordHash::new(DECOY).unwrap();
        let real_hash = hash_now("anything");
        let real = PasswordHash::new(&real_hash).unwrap();
        assert_eq!(decoy.algorithm, real.algorithm);
        assert_eq!(decoy.params, real.params);
    }

    #[test]
    fn lengths_are_checked() {
        assert!(validate("short").is_err());
        assert!(validate(&"x".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
        assert!(validate("long enough").is_ok());
    }
}
