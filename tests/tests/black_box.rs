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

/// Game servers run as users of their own on the same box: nothing else Hearth keeps may be
/// readable by another user (the folders down to the worlds may only be passed through).
#[tokio::test]
async fn what_hearth_keeps_is_readable_by_no_other_user() {
    use std::os::unix::fs::PermissionsExt as _;
    let data = tempfile::tempdir().expect("temp dir");
    let hearth = HearthProcess::start_in(data.path(), None, &[]).await;
    let http = reqwest::Client::new();
    let token = hearth_e2e::first_admin_token(&http, &hearth.base_url).await;
    let uploaded = http
        .post(format!("{}/photos/api/items?file_name=note.txt", hearth.base_url))
        .bearer_auth(&token)
        .body("a family secret")
        .send()
        .await
        .expect("upload");
    assert!(uploaded.status().is_success());
    let passable = [data.path().to_path_buf(), data.path().join("games"), data.path().join("games/servers")];
    let mut folders = vec![data.path().to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("read folder") {
            let entry = entry.expect("entry");
            let path = entry.path();
            let mode = entry.metadata().expect("metadata").permissions().mode() & 0o777;
            if passable.contains(&path) {
                assert_eq!(mode, 0o711, "{} may only be passed through", path.display());
            } else {
                assert_eq!(mode & 0o077, 0, "{} is {mode:o}: readable by other users", path.display());
            }
            if entry.file_type().expect("type").is_dir() && path != data.path().join("games/servers") {
                folders.push(path);
            }
        }
    }
    assert_eq!(std::fs::metadata(data.path()).expect("metadata").permissions().mode() & 0o777, 0o711);
}
