//! Killing Hearth (SIGKILL) while two game servers run, then starting it again, brings both
//! back to `running`: the desired state is in the database and the supervisor reconciles it
//! at start-up, ending the processes the killed manager left behind.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use hearth_e2e::{HearthProcess, first_admin_token};
use serde_json::{Value, json};

/// Stand-in games that start at once (the real ones have their own tests in the service).
fn templates_dir() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../services/games/tests/templates").display().to_string()
}

async fn server(http: &reqwest::Client, base: &str, token: &str, id: i64) -> Value {
    http.get(format!("{base}/games/api/servers/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json")
}

async fn wait_running(http: &reqwest::Client, base: &str, token: &str, id: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let server = server(http, base, token, id).await;
        if server["state"] == "running" {
            return server;
        }
        assert!(Instant::now() < deadline, "server {id} did not come back: {server:#}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn alive(pid: &Value) -> bool {
    let pid = pid.as_i64().unwrap_or_default();
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
}

#[tokio::test]
async fn servers_that_ran_come_back_after_the_manager_is_killed() {
    let data = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(data.path(), std::os::unix::fs::PermissionsExt::from_mode(0o711)).expect("chmod");
    let templates = templates_dir();
    // User ids of its own: a run's end ends every process of its server's user.
    let env = [
        ("HEARTH_GAMES_TEMPLATES_DIR", templates.as_str()),
        ("HEARTH_GAMES_PORTS", "31300-31309"),
        ("HEARTH_GAMES_UIDS", "80000-80009"),
    ];
    let mut hearth = HearthProcess::start_in(data.path(), None, &env).await;
    let http = reqwest::Client::new();
    let token = first_admin_token(&http, &hearth.base_url).await;
    let mut before = Vec::new();
    for name in ["First", "Second"] {
        let launched: Value = http
            .post(format!("{}/games/api/servers", hearth.base_url))
            .bearer_auth(&token)
            .json(&json!({"game": "echo", "name": name}))
            .send()
            .await
            .expect("launch")
            .json()
            .await
            .expect("json");
        let id = launched["id"].as_i64().expect("id");
        before.push(wait_running(&http, &hearth.base_url, &token, id).await);
    }

    hearth.kill();
    let hearth = HearthProcess::start_in(data.path(), None, &env).await;
    for old in &before {
        let id = old["id"].as_i64().expect("id");
        let back = wait_running(&http, &hearth.base_url, &token, id).await;
        assert_ne!(back["pid"], old["pid"], "a new process, with its console attached");
        assert!(!alive(&old["pid"]), "the process the killed manager left is ended");
        assert_eq!(back["ports"], old["ports"], "the same address for friends");
    }
    for old in &before {
        let id = old["id"].as_i64().expect("id");
        let response = http
            .delete(format!("{}/games/api/servers/{id}", hearth.base_url))
            .bearer_auth(&token)
            .send()
            .await
            .expect("DELETE");
        assert!(response.status().is_success());
    }
}
