//! Registration, login, token expiry and refresh, API keys (create, use, revoke).

use std::time::Duration;

use agenthq_server::auth::Tokens;
use agenthq_server::settings::Secret;
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

const SECRET: &str = "a test signing secret, long enough";

#[tokio::test]
async fn register_then_login_and_wrong_passwords_are_refused_alike() {
    let app = spawn_app().await;
    let session = app.register("Ada@Example.com").await;

    let login = |email: &'static str, password: &'static str| {
        let app = &app;
        async move {
            let body = json!({ "email": email, "password": password });
            app.call(Method::POST, "/api/v1/auth/login", None, Some(body))
                .await
        }
    };
    let (status, body) = login("ada@example.com", PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], session.user_id.to_string());
    assert_eq!(
        body["user"]["email"], "ada@example.com",
        "emails are lower-cased"
    );
    assert_eq!(body["token_type"], "Bearer");

    let (wrong_status, wrong) = login("ada@example.com", "not the password").await;
    let (unknown_status, unknown) = login("nobody@example.com", PASSWORD).await;
    assert_eq!((wrong_status, unknown_status), (401, 401));
    assert_eq!(
        wrong, unknown,
        "an unknown email is not told apart from a wrong password"
    );
    assert_eq!(wrong["error"]["code"], "unauthorized");

    let (me_status, me) = app
        .call(Method::GET, "/api/v1/me", Some(&session.access), None)
        .await;
    assert_eq!(me_status, 200);
    assert_eq!(me["user"]["email"], "ada@example.com");
}

#[tokio::test]
async fn registration_refuses_taken_emails_bad_emails_and_weak_passwords() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let register =
        |body: serde_json::Value| app.call(Method::POST, "/api/v1/auth/register", None, Some(body));

    let (status, body) =
        register(json!({ "email": "ADA@example.com", "password": PASSWORD })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("email_taken"))
    );
    let (status, body) = register(json!({ "email": "not-an-email", "password": PASSWORD })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid"))
    );
    let (status, body) = register(json!({ "email": "bob@example.com", "password": "short" })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid"))
    );
    let (status, body) = register(json!({ "email": "bob@example.com" })).await;
    assert_eq!(status, 422, "a missing field: {body}");
}

#[tokio::test]
async fn an_expired_access_token_is_refused_and_a_refresh_token_works_once() {
    let app = spawn_app_with(|s| s.jwt_secret = Some(Secret::new(SECRET))).await;
    let session = app.register("ada@example.com").await;

    // The same key, minting a token that expired an hour ago.
    let tokens = Tokens::new(SECRET.as_bytes(), Duration::from_secs(60), Duration::ZERO);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expired = tokens.access_token(session.user_id, now - 3600).unwrap();
    let (status, body) = app
        .call(Method::GET, "/api/v1/me", Some(&expired), None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("token_expired"))
    );
    let fresh = tokens.access_token(session.user_id, now).unwrap();
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", Some(&fresh), None)
            .await
            .0,
        200
    );

    let refresh = |token: &str| {
        let body = json!({ "refresh_token": token });
        app.call(Method::POST, "/api/v1/auth/refresh", None, Some(body))
    };
    let (status, renewed) = refresh(&session.refresh).await;
    assert_eq!(status, 200, "{renewed}");
    let renewed = Session::from(renewed);
    assert_ne!(renewed.refresh, session.refresh);
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", Some(&renewed.access), None)
            .await
            .0,
        200
    );
    let (status, body) = refresh(&session.refresh).await;
    assert_eq!(status, 401, "a used refresh token fails: {body}");
    assert_eq!(refresh(&renewed.refresh).await.0, 200, "the new one works");
}

#[tokio::test]
async fn tokens_signed_with_another_key_or_malformed_are_refused() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let forger = Tokens::new(
        b"someone else's key",
        Duration::from_secs(60),
        Duration::ZERO,
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let forged = forger.access_token(session.user_id, now).unwrap();
    for bad in [forged.as_str(), "garbage", "ahq_notakey", ""] {
        let (status, body) = app.call(Method::GET, "/api/v1/me", Some(bad), None).await;
        assert_eq!(status, 401, "{bad:?}: {body}");
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    let (status, _) = app.call(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn api_keys_are_shown_once_work_with_their_role_and_fail_at_once_when_revoked() {
    let app = spawn_app().await;
    let owner = app.register("ada@example.com").await;
    let ws = app.create_workspace(&owner.access, "Acme").await;
    let key = app.api_key(&owner.access, ws, "member").await;
    assert!(key.starts_with("ahq_"));

    let (status, me) = app.call(Method::GET, "/api/v1/me", Some(&key), None).await;
    assert_eq!(status, 200);
    assert_eq!(me["api_key"]["role"], "member");
    assert_eq!(me["workspaces"][0]["id"], ws.to_string());
    let key_id = me["api_key"]["id"].as_str().unwrap().to_owned();

    let tasks = format!("/api/v1/workspaces/{ws}/tasks");
    let submit = json!({ "title": "write the report" });
    assert_eq!(
        app.call(Method::POST, &tasks, Some(&key), Some(submit.clone()))
            .await
            .0,
        201
    );
    let keys = format!("/api/v1/workspaces/{ws}/api-keys");
    assert_eq!(
        app.call(Method::GET, &keys, Some(&key), None).await.0,
        403,
        "a member key cannot manage keys"
    );

    let (status, listed) = app
        .call(Method::GET, &keys, Some(&owner.access), None)
        .await;
    assert_eq!(status, 200);
    assert!(
        !listed.to_string().contains(&key[20..]),
        "the secret is never listed"
    );

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("{keys}/{key_id}"),
            Some(&owner.access),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, body) = app
        .call(Method::POST, &tasks, Some(&key), Some(submit))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("revoked"))
    );
    let (_, listed) = app
        .call(Method::GET, &keys, Some(&owner.access), None)
        .await;
    assert!(listed[0]["revoked_at"].is_i64());

    // A key that is right up to the secret is no key.
    let forged = format!("{}{}", &key[..key.len() - 4], "AAAA");
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", Some(&forged), None)
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn a_workspace_keeps_at_least_one_owner() {
    let app = spawn_app().await;
    let owner = app.register("ada@example.com").await;
    let ws = app.create_workspace(&owner.access, "Acme").await;
    let path = format!("/api/v1/workspaces/{ws}/members/{}", owner.user_id);
    let (status, body) = app
        .call(
            Method::PATCH,
            &path,
            Some(&owner.access),
            Some(json!({ "role": "member" })),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("last_owner"))
    );
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&owner.access), None)
            .await
            .0,
        409
    );

    app.register("bob@example.com").await;
    let members = format!("/api/v1/workspaces/{ws}/members");
    let add = json!({ "email": "bob@example.com", "role": "owner" });
    let (status, bob) = app
        .call(Method::POST, &members, Some(&owner.access), Some(add))
        .await;
    assert_eq!((status, bob["role"].as_str()), (201, Some("owner")));
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&owner.access), None)
            .await
            .0,
        204,
        "with a second owner the first may leave"
    );
    let add = json!({ "email": "nobody@example.com", "role": "viewer" });
    assert_eq!(
        app.call(Method::POST, &members, Some(&owner.access), Some(add))
            .await
            .0,
        404,
        "ada is no longer a member at all"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = spawn_app().await;
    let (status, doc) = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/workspaces/{workspace}/tasks"));
    assert!(
        paths["/api/v1/workspaces/{workspace}/tasks"]["post"]["responses"]
            .as_object()
            .unwrap()
            .contains_key("429")
    );
    assert!(doc["components"]["schemas"]["Task"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

/// Tokens made with the node's own secret but tampered with, or with another secret, or
/// another algorithm, or outside their time: every one is refused with 401, over HTTP and
/// at a WebSocket `hello` (4003).
#[tokio::test]
async fn tampered_tokens_are_refused_over_http_and_websocket() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};

    const SECRET: &str = "the node's secret for tampering tests, 32+ chars";
    let app = spawn_app_with(|s| s.jwt_secret = Some(Secret::new(SECRET))).await;
    let ada = app.register("ada@generic.example").await;
    let now = (agenthq_runtime::task::now_ms() / 1000) as u64;
    let claims = |sub: String, nbf: u64, exp: u64| json!({ "sub": sub, "typ": "access", "iat": now, "nbf": nbf, "exp": exp });
    let sign = |alg: Algorithm, key: &[u8], claims: &serde_json::Value| {
        encode(&Header::new(alg), claims, &EncodingKey::from_secret(key)).unwrap()
    };
    let me = ada.user_id.to_string();
    let good = sign(
        Algorithm::HS256,
        SECRET.as_bytes(),
        &claims(me.clone(), now, now + 60),
    );
    let (status, _) = app.call(Method::GET, "/api/v1/me", Some(&good), None).await;
    assert_eq!(status, 200, "the control: a token made right works");

    let b64 = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let parts: Vec<&str> = good.split('.').collect();
    let someone_else = claims(agenthq_protocol::UserId::new().to_string(), now, now + 60);
    let tampered = [
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({ "alg": "none", "typ": "JWT" })),
                parts[1]
            ),
        ),
        (
            "wrong key",
            sign(
                Algorithm::HS256,
                b"another secret entirely, also 32+ chars",
                &claims(me.clone(), now, now + 60),
            ),
        ),
        (
            "another algorithm",
            sign(
                Algorithm::HS512,
                SECRET.as_bytes(),
                &claims(me.clone(), now, now + 60),
            ),
        ),
        (
            "expired",
            sign(
                Algorithm::HS256,
                SECRET.as_bytes(),
                &claims(me.clone(), now - 120, now - 60),
            ),
        ),
        (
            "not yet valid",
            sign(
                Algorithm::HS256,
                SECRET.as_bytes(),
                &claims(me.clone(), now + 60, now + 120),
            ),
        ),
        (
            "claims changed after signing",
            format!("{}.{}.{}", parts[0], b64(&someone_else), parts[2]),
        ),
        (
            "a refresh-type token",
            sign(
                Algorithm::HS256,
                SECRET.as_bytes(),
                &json!({ "sub": me, "typ": "refresh", "iat": now, "nbf": now, "exp": now + 60 }),
            ),
        ),
        ("signature cut off", format!("{}.{}.", parts[0], parts[1])),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, token) in &tampered {
        let (status, body) = app.call(Method::GET, "/api/v1/me", Some(token), None).await;
        assert_eq!(status, 401, "{what}: {body}");
        let code = body["error"]["code"].as_str().unwrap();
        assert!(
            matches!(code, "unauthorized" | "token_expired"),
            "{what}: {code}"
        );

        let mut client = WsClient::connect(&app, None).await;
        client
            .send(&agenthq_protocol::ClientMessage::Hello {
                token: Some(token.clone()),
            })
            .await;
        let refused = client.recv().await;
        assert!(
            matches!(
                refused,
                agenthq_protocol::ServerMessage::Error {
                    code: agenthq_protocol::ErrorCode::Unauthorized,
                    ..
                }
            ),
            "{what}: {refused:?}"
        );
        assert!(
            matches!(client.next_frame().await, Frame::Closed(Some(4003))),
            "{what}"
        );
    }
}
