//! One login across services running as separate processes: the bugs service asks the portal
//! who a token belongs to, and a logout in the portal locks that token out of the bugs
//! service within the auth cache time (here 2 s; at most 60 s by configuration).

use std::time::{Duration, Instant};

use hearth_e2e::{HearthProcess, first_admin_token};
use reqwest::StatusCode;
use serde_json::Value;

const CACHE_SECS: u64 = 2;

async fn status_in_bugs(bugs: &HearthProcess, http: &reqwest::Client, token: &str) -> StatusCode {
    http.get(format!("{}/bugs/api/me", bugs.base_url)).bearer_auth(token).send().await.expect("GET").status()
}

#[tokio::test]
async fn logout_in_the_portal_locks_the_token_out_of_another_service() {
    let portal = HearthProcess::start(Some("portal"), &[]).await;
    let cache = CACHE_SECS.to_string();
    let bugs = HearthProcess::start(
        Some("bugs"),
        &[("HEARTH_PORTAL_URL", &portal.base_url), ("HEARTH_AUTH_CACHE_SECS", &cache)],
    )
    .await;
    let http = reqwest::Client::new();
    let token = first_admin_token(&http, &portal.base_url).await;

    let me = http.get(format!("{}/bugs/api/me", bugs.base_url)).bearer_auth(&token).send().await.expect("GET");
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.json::<Value>().await.expect("json")["username"], "mum");

    let logout =
        http.post(format!("{}/api/auth/logout", portal.base_url)).bearer_auth(&token).send().await.expect("logout");
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let logged_out_at = Instant::now();
    while status_in_bugs(&bugs, &http, &token).await == StatusCode::OK {
        assert!(logged_out_at.elapsed() < Duration::from_secs(60), "still accepted a minute after logout");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status_in_bugs(&bugs, &http, &token).await, StatusCode::UNAUTHORIZED);
    assert!(logged_out_at.elapsed() <= Duration::from_secs(CACHE_SECS + 1));
}

#[tokio::test]
async fn a_service_whose_portal_is_down_says_so() {
    let bugs = HearthProcess::start(Some("bugs"), &[("HEARTH_PORTAL_URL", "http://127.0.0.1:9")]).await;
    let http = reqwest::Client::new();
    let answer =
        http.get(format!("{}/bugs/api/me", bugs.base_url)).bearer_auth("some-token").send().await.expect("GET");
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    let problem: Value = answer.json().await.expect("problem");
    assert!(problem["detail"].as_str().expect("detail").contains("not answering"));
    let anonymous = http.get(format!("{}/bugs/api/me", bugs.base_url)).send().await.expect("GET");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
