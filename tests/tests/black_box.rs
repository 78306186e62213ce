//! Hearth from the outside, as `hearth serve` (or the deployment at `HEARTH_E2E_URL`) answers
//! it: every service's health, readiness, metrics and API documents, the first-run setup, and
//! one login reaching every service. Locally it runs on SQLite and on PostgreSQL.

use hearth_e2e::{Backend, HearthProcess, Target, TestDatabase};
use hearth_shared::both_backends;
use reqwest::StatusCode;
use serde_json::Value;

const PREFIXES: [&str; 4] = ["", "/photos", "/bugs", "/games"];

async fn check_endpoints(base_url: &str) {
    let http = reqwest::Client::new();
    for prefix in PREFIXES {
        for path in ["healthz", "readyz", "metrics", "api/openapi.json", "api/docs"] {
            let url = format!("{base_url}{prefix}/{path}");
            let status = http.get(&url).send().await.expect("GET").status();
            assert_eq!(status, StatusCode::OK, "{url}");
        }
    }
}

async fn first_run_and_one_login(target: &Target) {
    let browser = target.client();
    let first = browser.get("/").await;
    assert_eq!(first.headers()["location"], "/setup", "a fresh Hearth starts with setup");
    let created = browser
        .post_form("/setup", &[("display_name", "Mum"), ("username", "mum"), ("password", "admin password")])
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    for prefix in PREFIXES {
        let page = browser.get(&format!("{prefix}/")).await;
        assert_eq!(page.status(), StatusCode::OK, "{prefix}/ with the portal's session");
        assert!(page.text().await.expect("body").contains("Mum"), "{prefix}/ greets the user");
    }
    let api: Value =
        browser.http.get(browser.url("/games/api/me")).send().await.expect("GET").json().await.expect("json");
    assert_eq!(api["role"], "admin");
    let anonymous = target.client().get("/photos/").await;
    assert_eq!(anonymous.headers()["location"], "/login?next=%2Fphotos%2F");
}

async fn the_whole_of_hearth_answers(backend: Backend) {
    if let Ok(url) = std::env::var("HEARTH_E2E_URL") {
        if backend == Backend::Sqlite {
            check_endpoints(&url).await;
        }
        return;
    }
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let env: Vec<(&str, &str)> = match backend {
        Backend::Sqlite => vec![],
        Backend::Postgres => vec![("DATABASE_URL", db.url.as_str())],
    };
    let target = Target::Local(HearthProcess::start(None, &env).await);
    check_endpoints(target.base_url()).await;
    first_run_and_one_login(&target).await;
}

both_backends!(the_whole_of_hearth_answers);

#[tokio::test]
async fn unknown_service_names_are_refused_with_the_list() {
    let output =
        std::process::Command::new(hearth_e2e::hearth_binary()).args(["serve", "chess"]).output().expect("run");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("choose portal, photos, bugs or games"));
}
