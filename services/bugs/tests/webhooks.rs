//! Webhooks against a real local HTTP receiver, on SQLite and PostgreSQL: events arrive
//! signed with HMAC-SHA256 over the exact body, and a receiver that fails at first gets the
//! event again, with growing waits, until it answers 2xx. Admins manage them from a page.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hearth_bugs::config::BugsConfig;
use hearth_portal::testing::Family;
use hearth_shared::both_backends;
use hearth_shared::db::Backend;
use hearth_shared::testing::{TestDatabase, TestServer};
use reqwest::Method;
use serde_json::{Value, json};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    at: Instant,
    event: String,
    signature: String,
    body: Vec<u8>,
}

/// A receiver that answers 500 to the first `failures` requests, then 204.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    failures: usize,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let mut got = receiver.got.lock().expect("lock");
    got.push(Received {
        at: Instant::now(),
        event: header("x-hearth-event"),
        signature: header("x-hearth-signature-256"),
        body: body.to_vec(),
    });
    if got.len() <= receiver.failures { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::NO_CONTENT }
}

async fn start(backend: Backend) -> Option<Family> {
    let db = TestDatabase::create(backend).await?;
    Some(
        Family::start(db, |config, auth| async move {
            let mut bugs = BugsConfig::from_lookup(&config, |_| None).expect("bugs config");
            bugs.webhook_backoff_ms = 100;
            hearth_bugs::router(hearth_bugs::AppState::new(config, bugs, auth).await.expect("bugs state"))
        })
        .await,
    )
}

/// Waits until the receiver has `count` requests (or fails after a while).
async fn wait_for(receiver: &Receiver, count: usize) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = receiver.got.lock().expect("lock").clone();
        if got.len() >= count {
            return got;
        }
        assert!(Instant::now() < deadline, "the receiver got {} of {count} requests", got.len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn events_are_signed_and_retried_with_backoff(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let receiver = Receiver { failures: 2, ..Receiver::default() };
    let server = TestServer::start(Router::new().route("/hook", post(receive)).with_state(receiver.clone())).await;
    let mum = &family.admin;
    let secret = "a secret of enough length";
    let hook = mum
        .request(Method::POST, "/bugs/api/webhooks")
        .json(&json!({ "url": server.url("/hook"), "project": "HOME", "secret": secret }))
        .send()
        .await
        .expect("POST");
    assert_eq!(hook.status(), StatusCode::CREATED);
    assert_eq!(hook.json::<Value>().await.expect("json")["secret"], secret);
    let refused = family
        .member
        .request(Method::POST, "/bugs/api/webhooks")
        .json(&json!({ "url": server.url("/x") }))
        .send()
        .await
        .expect("POST");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let https =
        mum.request(Method::POST, "/bugs/api/webhooks").json(&json!({ "url": "ftp://x" })).send().await.expect("POST");
    assert_eq!(https.status(), StatusCode::UNPROCESSABLE_ENTITY);

    mum.request(Method::POST, "/bugs/api/projects/HOME/issues")
        .json(&json!({ "title": "Heating is off" }))
        .send()
        .await
        .expect("POST");
    let got = wait_for(&receiver, 3).await;
    assert!(got.iter().all(|r| r.event == "issue.created" && r.body == got[0].body), "the same delivery, again");
    let gaps: Vec<Duration> = got.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(90), "first retry after the base wait: {gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(180), "then twice as long: {gaps:?}");

    let body: Value = serde_json::from_slice(&got[2].body).expect("json body");
    assert_eq!(body["event"], "issue.created");
    assert_eq!(body["reference"], "HOME-1");
    assert_eq!(body["actor"], "mum");
    assert_eq!(got[2].signature, hearth_bugs::webhooks::signature(secret, &got[2].body));
    let expected = hmac_sha256_hex(secret.as_bytes(), &got[2].body);
    assert_eq!(got[2].signature, format!("sha256={expected}"), "checked with an independent HMAC");

    mum.request(Method::POST, "/bugs/api/projects/HOME/issues/1/status")
        .json(&json!({ "status": "closed" }))
        .send()
        .await
        .expect("POST");
    let got = wait_for(&receiver, 4).await;
    assert_eq!(got[3].event, "issue.status_changed");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.got.lock().expect("lock").len(), 4, "a delivered event is not sent again");
}

/// An admin adds a webhook from the page, sees its secret once at the top, sees how its
/// deliveries go, and removes it; members may do none of it.
async fn admins_manage_webhooks_from_the_page(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let receiver = Receiver::default();
    let server = TestServer::start(Router::new().route("/hook", post(receive)).with_state(receiver.clone())).await;
    let (mum, kid) = (&family.admin, &family.member);
    let bad = mum.browser.post_form("/bugs/webhooks", &[("url", "https://tls.example/hook"), ("project", "")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.expect("page");
    assert!(page.contains("must start with http://") && page.contains("value=\"https://tls.example/hook\""), "{page}");

    let hook = server.url("/hook");
    let added = mum.browser.post_form("/bugs/webhooks", &[("url", hook.as_str()), ("project", "HOME")]).await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    assert_eq!(added.headers()["location"], "/bugs/webhooks");
    let page = mum.browser.get("/bugs/webhooks").await.text().await.expect("page");
    let secret_at = page.find("id=\"webhook-secret\" value=\"").expect("the secret, shown once") + 27;
    let secret: String = page[secret_at..].chars().take_while(|c| *c != '"').collect();
    assert!(secret.len() >= 32, "{secret}");
    assert!(page.find("id=\"new-secret\"") < page.find("id=\"webhooks\""), "the secret is at the top");
    let again = mum.browser.get("/bugs/webhooks").await.text().await.expect("page");
    assert!(!again.contains(&secret), "shown only once");
    assert!(again.contains(&format!("<code>{hook}</code>")) && again.contains("HOME · added"));

    mum.request(Method::POST, "/bugs/api/projects/HOME/issues")
        .json(&json!({ "title": "Gate" }))
        .send()
        .await
        .expect("POST");
    let got = wait_for(&receiver, 1).await;
    assert_eq!(got[0].signature, format!("sha256={}", hmac_sha256_hex(secret.as_bytes(), &got[0].body)));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !mum.browser.get("/bugs/webhooks").await.text().await.expect("page").contains("1 delivered") {
        assert!(Instant::now() < deadline, "the page never says the event was delivered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    assert_eq!(kid.browser.get("/bugs/webhooks").await.status(), StatusCode::FORBIDDEN);
    let webhooks: Value = mum.get("/bugs/api/webhooks").send().await.expect("GET").json().await.expect("json");
    let id = webhooks[0]["id"].as_i64().expect("id");
    assert_eq!(webhooks[0]["delivered"], 1);
    let path = format!("/bugs/webhooks/{id}/delete");
    assert_eq!(kid.browser.post_form(&path, &[]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(mum.browser.post_form(&path, &[]).await.status(), StatusCode::SEE_OTHER);
    let webhooks: Value = mum.get("/bugs/api/webhooks").send().await.expect("GET").json().await.expect("json");
    assert_eq!(webhooks, json!([]));
    assert_eq!(mum.browser.post_form(&path, &[]).await.status(), StatusCode::NOT_FOUND, "gone");
}

/// HMAC-SHA256 written out from its definition (RFC 2104) over sha2, to check the service's.
fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    use sha2::{Digest as _, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    let outer = Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

both_backends!(events_are_signed_and_retried_with_backoff, admins_manage_webhooks_from_the_page);
