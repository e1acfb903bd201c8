//! API keys: `ahq_<key id, 32 hex digits>_<secret, 43 base64url characters>`. The id finds
//! the key's row; the secret is checked against its SHA-256 digest in constant time.

use agenthq_protocol::{ApiKeyId, UserId, WorkspaceId};
use agenthq_runtime::store::{ApiKeyRecord, Role};
use agenthq_runtime::task::now_ms;
use subtle::ConstantTimeEq;

use super::AuthError;
use super::token::{digest, random_secret};

/// Every key starts with this, so a key is told from a token at a glance (and by secret
/// scanners).
pub const PREFIX: &str = "ahq_";

/// A key just made: its record for the store and the full key, shown once.
#[derive(Debug)]
pub struct NewApiKey {
    pub record: ApiKeyRecord,
    pub secret: String,
}

pub fn generate(
    workspace: WorkspaceId,
    name: &str,
    role: Role,
    created_by: Option<UserId>,
) -> NewApiKey {
    let id = ApiKeyId::new();
    let secret = random_secret();
    NewApiKey {
        record: ApiKeyRecord {
            id,
            workspace,
            name: name.to_owned(),
            role,
            digest: digest(&secret),
            created_by,
            created_at: now_ms(),
            revoked_at: None,
        },
        secret: format!("{PREFIX}{}_{secret}", id.as_uuid().simple()),
    }
}

/// `None` when `credential` is not an API key at all; an error when it looks like one but
/// is malformed.
pub fn parse(credential: &str) -> Option<Result<(ApiKeyId, &str), AuthError>> {
    let rest = credential.strip_prefix(PREFIX)?;
    let parsed = rest.split_once('_').and_then(|(id, secret)| {
        let id = uuid::Uuid::try_parse(id).ok()?;
        Some((ApiKeyId::from_uuid(id), secret))
    });
    Some(parsed.ok_or(AuthError::Invalid("malformed API key")))
}

/// Whether `secret` is the one whose digest is stored.
pub fn matches(stored_digest: &[u8], secret: &str) -> bool {
    stored_digest.ct_eq(&digest(secret)).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_parses_back_to_its_id_and_secret() {
        let new = generate(WorkspaceId::new(), "ci", Role::Member, None);
        assert!(new.secret.starts_with("ahq_"));
        let (id, secret) = parse(&new.secret).unwrap().unwrap();
        assert_eq!(id, new.record.id);
        assert!(matches(&new.record.digest, secret));
        assert!(!matches(&new.record.digest, "guess"));
        assert!(parse("eyJhbGciOi.x.y").is_none(), "a JWT is not a key");
        assert!(parse("ahq_nonsense").unwrap().is_err());
    }
}
