//! The games service through HTTP, in-process with the real portal: launching from the API and
//! the form, bad input (settings, names, games, a server that exits at once, a missing
//! program, a taken port, a folder that escapes), permissions, quotas (the API and the admins'
//! page), the console, restarts; the launch form and the list (`pages/`); backups made while
//! a game runs and restored after a confirmation (`backups/`); and a hostile game or member
//! (`hostile/`).
//! Stand-in games (`tests/templates/`) make these fast; `games.rs` runs the real ones.

mod backups;
mod hostile;
mod pages;
mod support;

use std::time::Duration;

use hearth_shared::both_backends;
use hearth_shared::db::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Games, json_of, wait_for_state};

async fn launch(person: &hearth_portal::testing::Person, body: Value) -> reqwest::Response {
    person.request(Method::POST, "/games/api/servers").json(&body).send().await.expect("POST")
}

async fn launches_and_lists(backend: Backend) {
    let Some(games) = Games::start(backend, 31000).await else { return };
    let kid = &games.family.member;
    let response =
        launch(kid, json!({"game": "echo", "name": "Friday night", "settings": {"motd": "hello there", "players": 3}}))
            .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let server = json_of(response).await;
    let id = server["id"].as_i64().expect("id");
    let port = server["ports"]["game"].as_u64().expect("port");
    assert!(games.port_range().contains(&port), "{port} is in the configured range");
    assert_eq!(server["address"], format!("127.0.0.1:{port}"));
    assert_eq!(server["settings"]["players"], "3");
    let running = wait_for_state(kid, id, "running").await;
    assert_eq!(running["desired"], "running");

    // A second server gets another port; the admin sees both, the member only theirs.
    let mum = &games.family.admin;
    let other = json_of(launch(mum, json!({"game": "echo", "name": "Mum's"})).await).await;
    assert_ne!(other["ports"]["game"], server["ports"]["game"]);
    let mine = json_of(kid.get("/games/api/servers").send().await.expect("GET")).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    let all = json_of(mum.get("/games/api/servers").send().await.expect("GET")).await;
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    let hidden = kid.get(&format!("/games/api/servers/{}", other["id"])).send().await.expect("GET");
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let stop =
        kid.request(Method::POST, &format!("/games/api/servers/{}/stop", other["id"])).send().await.expect("POST");
    assert_eq!(stop.status(), StatusCode::NOT_FOUND, "a member cannot stop another's server");

    // Stop keeps the world folder; delete without asking keeps it too.
    let stopped = kid.request(Method::POST, &format!("/games/api/servers/{id}/stop")).send().await.expect("POST");
    assert_eq!(stopped.status(), StatusCode::OK);
    let stopped = wait_for_state(kid, id, "stopped").await;
    assert_eq!(stopped["desired"], "stopped");
    let dir = games.server_dir(id);
    assert!(dir.exists());
    let deleted = kid.request(Method::DELETE, &format!("/games/api/servers/{id}")).send().await.expect("DELETE");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(dir.exists(), "the world is kept unless asked");
    let gone = kid.get(&format!("/games/api/servers/{id}")).send().await.expect("GET");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let other_id = other["id"].as_i64().expect("id");
    let deleted = mum
        .request(Method::DELETE, &format!("/games/api/servers/{other_id}?delete_world=true"))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(!games.server_dir(other_id).exists(), "asked: the world is deleted");
}

async fn bad_input_says_what_to_fix(backend: Backend) {
    let Some(games) = Games::start(backend, 31040).await else { return };
    let kid = &games.family.member;
    let cases = [
        (json!({"game": "echo", "name": "ok", "settings": {"players": 99}}), "Players must be from 1 to 8, not 99."),
        (json!({"game": "echo", "name": "ok", "settings": {"motd": "hi; quit"}}), "Welcome message"),
        (json!({"game": "echo", "name": "ok", "settings": {"colour": "red"}}), "no setting \"colour\""),
        (json!({"game": "echo", "name": "a/../../etc"}), "cannot contain '/'"),
        (json!({"game": "echo", "name": "  "}), "Give the server a name"),
        (json!({"game": "chess", "name": "ok"}), "There is no game \"chess\""),
        (json!({"game": "echo", "name": "ok", "memory_mb": 99999}), "from 16 to 256 MiB"),
        (
            json!({"game": "minetest", "name": "ok", "settings": {"motd": "\"\"\""}}),
            "Welcome message cannot be \"\"\" (minetest.conf reads it as the start of a longer value)",
        ),
    ];
    for (body, expected) in cases {
        let response = launch(kid, body.clone()).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let problem = json_of(response).await;
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(expected), "{detail:?} should say {expected:?}");
    }
    let first = launch(kid, json!({"game": "echo", "name": "Twice"})).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let second = json_of(launch(kid, json!({"game": "echo", "name": "Twice"})).await).await;
    assert!(second["detail"].as_str().is_some_and(|d| d.contains("already have a server called")));

    // The form shows the message beside the field, with what was typed.
    let page = kid
        .browser
        .post_form(
            "/games/new",
            &[("game", "echo"), ("name", "Form"), ("echo.setting.players", "0"), ("echo.memory_mb", "64")],
        )
        .await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.text().await.expect("html");
    assert!(html.contains("id=\"error-players\">Players must be from 1 to 8, not 0."), "{html}");
    assert!(html.contains("value=\"Form\""));
    assert!(html.contains("id=\"game-echo\" required checked"), "the chosen game stays chosen: {html}");
    let unauthenticated =
        reqwest::Client::new().get(games.family.server.url("/games/api/servers")).send().await.expect("GET");
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
}

both_backends!(launches_and_lists, bad_input_says_what_to_fix, a_port_the_template_gained_is_given_at_the_next_start);

#[tokio::test]
async fn a_server_that_exits_at_once_is_crashed_with_its_code_and_last_lines() {
    let Some(games) = Games::start(Backend::Sqlite, 31080).await else { return };
    let kid = &games.family.member;
    let server = json_of(launch(kid, json!({"game": "quitter", "name": "Quits"})).await).await;
    let crashed = wait_for_state(kid, server["id"].as_i64().expect("id"), "crashed").await;
    assert_eq!(crashed["exit_code"], 2, "{crashed}");
    assert!(crashed["message"].as_str().is_some_and(|m| m.contains("exited with code 2")), "{crashed}");
    assert!(crashed["last_lines"].as_str().is_some_and(|l| l.contains("no-such-world")), "{crashed}");
    let page = kid.browser.get(&format!("/games/servers/{}", server["id"])).await.text().await.expect("html");
    assert!(page.contains("exit code 2") && page.contains("no-such-world"), "{page}");
}

#[tokio::test]
async fn a_missing_program_is_crashed_with_the_reason() {
    let Some(games) = Games::start(Backend::Sqlite, 31090).await else { return };
    let kid = &games.family.member;
    let server = json_of(launch(kid, json!({"game": "missing", "name": "Nothing"})).await).await;
    assert_eq!(server["state"], "crashed", "{server}");
    assert!(server["message"].as_str().is_some_and(|m| m.contains("hearth-no-such-game is not installed")), "{server}");
}

#[tokio::test]
async fn a_port_taken_by_another_program_is_a_clear_error() {
    let Some(games) = Games::start_with_ports(Backend::Sqlite, 31100, 31100).await else { return };
    let kid = &games.family.member;
    let server = json_of(launch(kid, json!({"game": "echo", "name": "Port"})).await).await;
    let id = server["id"].as_i64().expect("id");
    wait_for_state(kid, id, "running").await;
    kid.request(Method::POST, &format!("/games/api/servers/{id}/stop")).send().await.expect("POST");
    wait_for_state(kid, id, "stopped").await;

    let squatter = std::net::TcpListener::bind(("0.0.0.0", 31100)).expect("take the port");
    let started =
        json_of(kid.request(Method::POST, &format!("/games/api/servers/{id}/start")).send().await.expect("POST")).await;
    assert_eq!(started["state"], "crashed");
    assert!(started["message"].as_str().is_some_and(|m| m.contains("Port 31100/tcp") && m.contains("another program")));
    let full = launch(kid, json!({"game": "echo", "name": "No room"})).await;
    assert_eq!(full.status(), StatusCode::CONFLICT);
    assert!(json_of(full).await["detail"].as_str().is_some_and(|d| d.contains("HEARTH_GAMES_PORTS")));
    drop(squatter);
}

#[tokio::test]
async fn a_world_folder_linked_outside_is_refused() {
    let Some(games) = Games::start(Backend::Sqlite, 31110).await else { return };
    let kid = &games.family.member;
    let server = json_of(launch(kid, json!({"game": "echo", "name": "Escape"})).await).await;
    let id = server["id"].as_i64().expect("id");
    wait_for_state(kid, id, "running").await;
    kid.request(Method::POST, &format!("/games/api/servers/{id}/stop")).send().await.expect("POST");
    wait_for_state(kid, id, "stopped").await;
    let outside = tempfile::tempdir().expect("temp dir");
    let world = games.server_dir(id).join("world");
    let _ = std::fs::remove_dir_all(&world);
    std::os::unix::fs::symlink(outside.path(), &world).expect("symlink");
    let started =
        json_of(kid.request(Method::POST, &format!("/games/api/servers/{id}/start")).send().await.expect("POST")).await;
    assert_eq!(started["state"], "crashed");
    assert!(started["message"].as_str().is_some_and(|m| m.contains("outside the server's folder")), "{started}");
}

#[tokio::test]
async fn the_console_takes_commands_from_the_owner_within_the_rate_limit() {
    let Some(games) = Games::start(Backend::Sqlite, 31120).await else { return };
    let kid = &games.family.member;
    let server = json_of(launch(kid, json!({"game": "echo", "name": "Talk"})).await).await;
    let id = server["id"].as_i64().expect("id");
    wait_for_state(kid, id, "running").await;
    let path = format!("/games/api/servers/{id}/console");
    let sent = kid.request(Method::POST, &path).json(&json!({"command": "say <b>hi</b>"})).send().await.expect("POST");
    assert_eq!(sent.status(), StatusCode::NO_CONTENT);
    let mut lines = Value::Null;
    for _ in 0..50 {
        lines = json_of(kid.get(&path).send().await.expect("GET")).await;
        if lines["lines"].as_array().is_some_and(|l| l.iter().any(|l| l == "echo: say <b>hi</b>")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(lines["lines"].as_array().is_some_and(|l| l.iter().any(|l| l == "echo: say <b>hi</b>")), "{lines}");
    let page = kid.browser.get(&format!("/games/servers/{id}")).await.text().await.expect("html");
    assert!(page.contains("echo: say &lt;b&gt;hi&lt;/b&gt;"), "console lines are escaped");
    assert!(page.contains("<span class=\"console-typed\">&gt; say &lt;b&gt;hi&lt;/b&gt;</span>"), "{page}");
    assert!(page.contains("<span class=\"console-event\">Ready for players (it took "), "{page}");
    for internal in ["spawned as pid", "µs after", "/usr/bin/awk"] {
        assert!(!page.contains(internal), "the family sees plain events, not {internal:?}: {page}");
    }
    let bad = kid.request(Method::POST, &path).json(&json!({"command": "a\nquit"})).send().await.expect("POST");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mum = &games.family.admin;
    let by_admin = mum.request(Method::POST, &path).json(&json!({"command": "from mum"})).send().await.expect("POST");
    assert_eq!(by_admin.status(), StatusCode::NO_CONTENT, "an admin may use any console");
    let mut statuses = Vec::new();
    for n in 0..3 {
        let response =
            kid.request(Method::POST, &path).json(&json!({"command": format!("n {n}")})).send().await.expect("POST");
        statuses.push(response.status());
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    let mut events =
        kid.browser.http.get(kid.browser.url(&format!("/games/servers/{id}/events"))).send().await.expect("SSE");
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let first = events.chunk().await.expect("SSE chunk").expect("an event");
    let first = String::from_utf8_lossy(&first);
    assert!(
        first.starts_with("event: state\ndata: running"),
        "the state now comes first, so a page never misses it: {first}"
    );
    let mut seen = String::new();
    let figures = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let chunk = events.chunk().await.expect("SSE chunk").expect("an event");
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(at) = seen.find("event: figures\ndata: ") {
                let data = &seen[at + "event: figures\ndata: ".len()..];
                if let Some(end) = data.find('\n') {
                    return serde_json::from_str::<Value>(&data[..end]).expect("figures are JSON");
                }
            }
        }
    })
    .await
    .expect("the figures come every few seconds");
    assert_eq!(figures["running"], true, "{figures}");
    assert!(figures["memory"].as_str().is_some_and(|m| m.ends_with("MiB of 64 MiB")), "{figures}");
    assert!(figures["uptime"].as_str().is_some_and(|u| u.starts_with("up ")), "{figures}");
}

/// A server made before its template gained a port (Teeworlds' console) gets one at its next
/// start, from the range, and keeps it.
async fn a_port_the_template_gained_is_given_at_the_next_start(backend: Backend) {
    let Some(games) = Games::start(backend, 31400).await else { return };
    let kid = &games.family.member;
    let server = json_of(launch(kid, json!({"game": "echo", "name": "Old"})).await).await;
    let id = server["id"].as_i64().expect("id");
    wait_for_state(kid, id, "running").await;
    kid.request(Method::POST, &format!("/games/api/servers/{id}/stop")).send().await.expect("POST");
    wait_for_state(kid, id, "stopped").await;
    let db =
        hearth_shared::db::Database::connect(&games.family.db.url_for("games"), "games", &hearth_games::MIGRATIONS)
            .await
            .expect("the games database");
    sqlx::query("UPDATE servers SET ports = '{}' WHERE id = $1").bind(id).execute(db.pool()).await.expect("forget");
    let started = kid.request(Method::POST, &format!("/games/api/servers/{id}/start")).send().await.expect("POST");
    assert_eq!(started.status(), StatusCode::OK);
    let running = wait_for_state(kid, id, "running").await;
    assert!(running["ports"]["game"].as_u64().is_some_and(|p| games.port_range().contains(&p)), "{running}");
    assert!(running["address"].as_str().is_some_and(|a| a.ends_with(&format!(":{}", running["ports"]["game"]))));
}

#[tokio::test]
async fn a_crash_after_ready_restarts_the_server() {
    let Some(games) = Games::start(Backend::Sqlite, 31130).await else { return };
    let kid = &games.family.member;
    let server = json_of(launch(kid, json!({"game": "echo", "name": "Crashy"})).await).await;
    let id = server["id"].as_i64().expect("id");
    let running = wait_for_state(kid, id, "running").await;
    let pid = running["pid"].as_i64().expect("pid");
    let status = std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().expect("kill");
    assert!(status.success());
    wait_for_state(kid, id, "crashed").await;
    let back = wait_for_state(kid, id, "running").await;
    assert_ne!(back["pid"], running["pid"], "a new process");

    let restarted = kid.request(Method::POST, &format!("/games/api/servers/{id}/restart")).send().await.expect("POST");
    assert_eq!(restarted.status(), StatusCode::OK);
    let again = wait_for_state(kid, id, "running").await;
    assert_ne!(again["pid"], back["pid"], "restart makes a new process");
    assert!(again["last_lines"].as_str().is_some_and(|l| l.contains("[hearth] Stopping…")), "{again}");
}

async fn quotas_limit_members(backend: Backend) {
    let Some(games) = Games::start(backend, 31140).await else { return };
    let (kid, mum) = (&games.family.member, &games.family.admin);
    let kid_id = kid.identity.user_id;
    let path = format!("/games/api/quotas/{kid_id}");
    let quota = json_of(kid.get(&path).send().await.expect("GET")).await;
    assert_eq!(quota, json!({"max_running": 2, "max_memory_mb": 4096}), "the default");
    let refused = kid.request(Method::PUT, &path).json(&json!({"max_running": 9, "max_memory_mb": 9})).send().await;
    assert_eq!(refused.expect("PUT").status(), StatusCode::FORBIDDEN, "a member cannot raise their quota");
    let set = mum.request(Method::PUT, &path).json(&json!({"max_running": 1, "max_memory_mb": 100})).send().await;
    assert_eq!(set.expect("PUT").status(), StatusCode::OK);

    let too_big = launch(kid, json!({"game": "echo", "name": "Big", "memory_mb": 128})).await;
    assert_eq!(too_big.status(), StatusCode::FORBIDDEN);
    assert!(json_of(too_big).await["detail"].as_str().is_some_and(|d| d.contains("100 MiB together")));
    let first = json_of(launch(kid, json!({"game": "echo", "name": "One", "memory_mb": 64})).await).await;
    let second = launch(kid, json!({"game": "echo", "name": "Two", "memory_mb": 16})).await;
    assert_eq!(second.status(), StatusCode::FORBIDDEN);
    assert!(json_of(second).await["detail"].as_str().is_some_and(|d| d.contains("You may run 1 servers at once")));
    let id = first["id"].as_i64().expect("id");
    kid.request(Method::POST, &format!("/games/api/servers/{id}/stop")).send().await.expect("POST");
    wait_for_state(kid, id, "stopped").await;
    let second = launch(kid, json!({"game": "echo", "name": "Two", "memory_mb": 16})).await;
    assert_eq!(second.status(), StatusCode::CREATED, "room again once the first is stopped");
    let again = kid.request(Method::POST, &format!("/games/api/servers/{id}/start")).send().await.expect("POST");
    assert_eq!(again.status(), StatusCode::FORBIDDEN, "starting counts against the quota too");
    let by_mum = launch(mum, json!({"game": "echo", "name": "Admin's"})).await;
    assert_eq!(by_mum.status(), StatusCode::CREATED, "admins have no quota");
}

async fn admins_set_quotas_on_their_page(backend: Backend) {
    let Some(games) = Games::start(backend, 31200).await else { return };
    let (kid, mum) = (&games.family.member, &games.family.admin);
    let path = format!("/games/quotas/{}", kid.identity.user_id);
    let kids_list = kid.browser.get("/games/").await.text().await.expect("html");
    assert!(!kids_list.contains("/games/quotas"), "members get no link to the quotas page");
    let mums_list = mum.browser.get("/games/").await.text().await.expect("html");
    assert!(mums_list.contains("href=\"/games/quotas\""), "admins do");
    let page = mum.browser.get("/games/quotas").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains(&format!("id=\"member-{}\"", kid.identity.user_id)), "{html}");
    assert!(html.contains("0 of 2") && html.contains("0 of 4096 MiB"), "the default, nothing in use: {html}");

    // A member is refused the page and the form, with a page that says why.
    for refused in [
        kid.browser.get("/games/quotas").await,
        kid.browser.post_form(&path, &[("max_running", "9"), ("max_memory_mb", "9999")]).await,
    ] {
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert!(refused.text().await.expect("html").contains("Only a family admin"));
    }
    let forged = mum.browser.post_form_without_csrf(&path, &[("max_running", "9"), ("max_memory_mb", "9999")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "a form without the CSRF token");

    // Bad input comes back on the page, beside the member's form, with what was typed.
    let cases = [
        ("-1", "100", "Servers running at once must be from 0 to 1000, not -1."),
        ("two", "100", "Servers running at once must be a whole number"),
        ("1", "", "Total memory (MiB) must be a whole number"),
        ("1", "99999999", "Total memory (MiB) must be from 0 to 1048576, not 99999999."),
    ];
    for (running, memory, expected) in cases {
        let page = mum.browser.post_form(&path, &[("max_running", running), ("max_memory_mb", memory)]).await;
        assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY, "{running} {memory}");
        let html = page.text().await.expect("html");
        assert!(html.contains(expected), "{html} should say {expected:?}");
        assert!(html.contains(&format!("name=\"max_running\" value=\"{running}\"")), "{html}");
    }
    let api = format!("/games/api/quotas/{}", kid.identity.user_id);
    let by_api = mum.request(Method::PUT, &api).json(&json!({"max_running": -1, "max_memory_mb": 100})).send().await;
    let by_api = by_api.expect("PUT");
    assert_eq!(by_api.status(), StatusCode::UNPROCESSABLE_ENTITY, "the API checks the same way");
    assert!(json_of(by_api).await["detail"].as_str().is_some_and(|d| d.contains("must be from 0 to 1000, not -1")));

    // The admin sets it; the member's next launch over it is refused with a clear message.
    let set = mum.browser.post_form(&path, &[("max_running", "1"), ("max_memory_mb", "100")]).await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    let html = mum.browser.get("/games/quotas").await.text().await.expect("html");
    assert!(html.contains("0 of 1") && html.contains("0 of 100 MiB"), "{html}");
    let too_big =
        kid.browser.post_form("/games/new", &[("game", "echo"), ("name", "Big"), ("echo.memory_mb", "128")]).await;
    assert_eq!(too_big.status(), StatusCode::FORBIDDEN);
    let html = too_big.text().await.expect("html");
    assert!(html.contains("Your servers may use 100 MiB together"), "{html}");
    let first = launch(kid, json!({"game": "echo", "name": "One", "memory_mb": 64})).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let second =
        kid.browser.post_form("/games/new", &[("game", "echo"), ("name", "Two"), ("echo.memory_mb", "16")]).await;
    assert_eq!(second.status(), StatusCode::FORBIDDEN);
    assert!(second.text().await.expect("html").contains("You may run 1 servers at once"));
    let html = mum.browser.get("/games/quotas").await.text().await.expect("html");
    assert!(html.contains("1 of 1") && html.contains("64 of 100 MiB"), "usage shows: {html}");
}

both_backends!(quotas_limit_members, admins_set_quotas_on_their_page);

#[tokio::test]
async fn backups_are_made_listed_downloaded_and_restored() {
    let Some(games) = Games::start(Backend::Sqlite, 31160).await else { return };
    let kid = &games.family.member;
    let server = json_of(launch(kid, json!({"game": "echo", "name": "Saved"})).await).await;
    let id = server["id"].as_i64().expect("id");
    wait_for_state(kid, id, "running").await;
    let path = format!("/games/api/servers/{id}/backups");
    let refused = kid.request(Method::POST, &path).send().await.expect("POST");
    assert_eq!(refused.status(), StatusCode::CONFLICT, "echo cannot save on command while running");
    assert!(json_of(refused).await["detail"].as_str().is_some_and(|d| d.contains("stop the server")));
    kid.request(Method::POST, &format!("/games/api/servers/{id}/stop")).send().await.expect("POST");
    wait_for_state(kid, id, "stopped").await;

    let world = games.server_dir(id).join("world");
    std::fs::create_dir_all(&world).expect("world");
    std::fs::write(world.join("map.txt"), "the castle").expect("write");
    let made = kid.request(Method::POST, &path).send().await.expect("POST");
    assert_eq!(made.status(), StatusCode::CREATED);
    let backup = json_of(made).await;
    let name = backup["name"].as_str().expect("name").to_owned();
    let listed = json_of(kid.get(&path).send().await.expect("GET")).await;
    assert_eq!(listed[0]["name"], name.as_str());
    let download = kid.get(&format!("{path}/{name}")).send().await.expect("GET");
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.bytes().await.expect("bytes")[..2], [0x1f, 0x8b], "a gzip file");
    let escape = kid.get(&format!("{path}/..%2F..%2Fgames.db")).send().await.expect("GET");
    assert_eq!(escape.status(), StatusCode::NOT_FOUND);

    std::fs::write(world.join("map.txt"), "the castle burnt down").expect("write");
    let restored = kid.request(Method::POST, &format!("{path}/{name}/restore")).send().await.expect("POST");
    assert_eq!(restored.status(), StatusCode::NO_CONTENT);
    assert_eq!(std::fs::read_to_string(world.join("map.txt")).expect("read"), "the castle");
    let listed = json_of(kid.get(&path).send().await.expect("GET")).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "the world as it was is kept as a backup: {listed}");
    assert_ne!(listed[0]["name"], name.as_str(), "the kept one is the newest");
    let mum_sees = games.family.admin.get(&path).send().await.expect("GET");
    assert_eq!(mum_sees.status(), StatusCode::OK);

    let schedule = format!("/games/api/servers/{id}/backup-schedule");
    let set = kid.request(Method::PUT, &schedule).json(&json!({"every_hours": 24})).send().await.expect("PUT");
    assert_eq!(json_of(set).await["backup_every_hours"], 24);
    let too_rare = kid.request(Method::PUT, &schedule).json(&json!({"every_hours": 500})).send().await.expect("PUT");
    assert_eq!(too_rare.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json_of(too_rare).await["detail"].as_str().is_some_and(|d| d.contains("at least once a week")));
}

#[tokio::test]
async fn players_are_followed_and_an_idle_server_stops() {
    let Some(games) = Games::start(Backend::Sqlite, 31180).await else { return };
    let kid = &games.family.member;
    let refused = launch(kid, json!({"game": "quitter", "name": "No count", "idle_stop_minutes": 5})).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "a game that cannot count players");
    let server = json_of(launch(kid, json!({"game": "echo", "name": "Idle", "idle_stop_minutes": 30})).await).await;
    let id = server["id"].as_i64().expect("id");
    let running = wait_for_state(kid, id, "running").await;
    assert_eq!(running["players"], json!([]));
    let console = format!("/games/api/servers/{id}/console");
    kid.request(Method::POST, &console).json(&json!({"command": "join bob"})).send().await.expect("POST");
    let mut seen = Value::Null;
    for _ in 0..50 {
        seen = json_of(kid.get(&format!("/games/api/servers/{id}")).send().await.expect("GET")).await;
        if seen["players"] == json!(["bob"]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen["players"], json!(["bob"]));
    // Bob plays on past the idle time (30 "minutes" of 20 ms here): the server keeps running.
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(
        json_of(kid.get(&format!("/games/api/servers/{id}")).send().await.expect("GET")).await["state"],
        "running"
    );
    kid.request(Method::POST, &console).json(&json!({"command": "leave bob"})).send().await.expect("POST");
    let stopped = wait_for_state(kid, id, "stopped").await;
    assert_eq!(stopped["desired"], "stopped");
    assert!(
        stopped["last_lines"].as_str().is_some_and(|l| l.contains("[hearth] Nobody has played for 30 minutes")),
        "{stopped}"
    );
}
