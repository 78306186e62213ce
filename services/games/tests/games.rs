//! Each shipped template that runs on Debian, for real: launched through the service, seen
//! `running` (its ready line), stopped gracefully with its world kept. Skipped loudly when
//! the game is not installed (a failure with `HEARTH_REQUIRE_ALL=1`, as in CI).

mod support;

use std::path::Path;

use hearth_shared::db::Backend;
use hearth_shared::testing::skip;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Games, json_of, wait_for_state, wait_until};

/// Launches `game` with `settings`, waits for `running`, stops it, waits for `stopped`, and
/// checks `kept` (a path in the server's folder) is there afterwards. With `asks_players`, the
/// game's query protocol must say nobody plays while it runs.
async fn launch_ready_stop(
    game: &str,
    program: &str,
    first_port: u16,
    settings: Value,
    kept: &str,
    asks_players: bool,
) {
    launch_ready_command_stop(game, program, first_port, settings, None, kept, asks_players).await;
}

/// Like [`launch_ready_stop`], sending `command` while it runs and waiting for `answer` in the console.
async fn launch_ready_command_stop(
    game: &str,
    program: &str,
    first_port: u16,
    settings: Value,
    command: Option<(&str, &str)>,
    kept: &str,
    asks_players: bool,
) {
    if !Path::new(program).exists() {
        skip(&format!("{program} is not installed (apt-get install the {game} server)"));
        return;
    }
    let Some(games) = Games::start(Backend::Sqlite, first_port).await else { return };
    let kid = &games.family.member;
    let response = kid
        .request(Method::POST, "/games/api/servers")
        .json(&json!({"game": game, "name": "Test night", "settings": settings}))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::CREATED);
    let server = json_of(response).await;
    let id = server["id"].as_i64().expect("id");
    assert!(server["ports"]["game"].as_u64().is_some_and(|p| games.port_range().contains(&p)));
    let running = wait_for_state(kid, id, "running").await;
    let pid = running["pid"].as_i64().expect("pid");
    assert!(running["stats"]["memory_mib"].as_f64().is_some_and(|m| m > 0.0), "memory of the process: {running}");
    assert!(running["stats"]["uptime_secs"].is_u64());
    assert!(running["stats"]["processes"].as_u64().is_some_and(|n| n >= 1), "{running}");
    if rustix_is_root() {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let uid = status.lines().find(|l| l.starts_with("Uid:")).unwrap_or_default();
        let uid: u32 = uid.split_whitespace().nth(1).and_then(|u| u.parse().ok()).unwrap_or_default();
        assert!(games.uid_range().contains(&uid), "the game runs as its own user, not root: {uid}");
    }
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap_or_default();
    let data_limit = running["memory_mb"].as_i64().expect("memory") * 1024 * 1024;
    assert!(
        limits.lines().any(|l| l.starts_with("Max data size") && l.contains(&data_limit.to_string())),
        "the memory limit applies: {limits}"
    );
    let console = json_of(kid.get(&format!("/games/api/servers/{id}/console")).send().await.expect("GET")).await;
    assert!(!console.to_string().contains("rcon password"), "no password reaches the console: {console:#}");
    if asks_players {
        let answered =
            wait_until(kid, id, "say through its query that nobody plays", |s| s["players_online"] == 0).await;
        assert_eq!(answered["players"], json!([]), "{answered}");
    }
    if let Some((command, answer)) = command {
        let console = format!("/games/api/servers/{id}/console");
        let sent = kid.request(Method::POST, &console).json(&json!({ "command": command })).send().await.expect("POST");
        assert_eq!(sent.status(), StatusCode::NO_CONTENT);
        let mut lines = Value::Null;
        for _ in 0..100 {
            lines = json_of(kid.get(&console).send().await.expect("GET")).await;
            if lines["lines"]
                .as_array()
                .is_some_and(|l| l.iter().any(|l| l.as_str().is_some_and(|l| l.contains(answer))))
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(lines.to_string().contains(answer), "{command:?} was answered with {answer:?}: {lines:#}");
    }
    let stopping = kid.request(Method::POST, &format!("/games/api/servers/{id}/stop")).send().await.expect("POST");
    assert_eq!(stopping.status(), StatusCode::OK);
    let stopped = wait_for_state(kid, id, "stopped").await;
    assert!(stopped["message"].as_str().is_some_and(str::is_empty), "{stopped}");
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists() || std::fs::read_to_string(format!("/proc/{pid}/stat")).is_err(),
        "the process is gone"
    );
    let world = games.server_dir(id).join(kept);
    assert!(world.exists(), "{} is kept after the stop; console:\n{}", world.display(), stopped["last_lines"]);
}

fn rustix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

#[tokio::test]
async fn minetest_launches_becomes_ready_and_stops_with_its_world() {
    // /time needs the settime privilege: the console has every privilege.
    let status = Some(("/time 6:00", "[console] Time of day changed."));
    launch_ready_command_stop(
        "minetest",
        "/usr/games/minetestserver",
        31280,
        json!({"max_players": 4}),
        status,
        "world/world.mt",
        false,
    )
    .await;
}

#[tokio::test]
async fn teeworlds_launches_becomes_ready_takes_a_command_and_stops() {
    // Through its external console (econ), which Hearth signs in to with this start's password.
    launch_ready_command_stop(
        "teeworlds",
        "/usr/games/teeworlds-server",
        31220,
        json!({"gametype": "ctf", "map": "ctf2"}),
        Some(("say hello from Hearth", "*** hello from Hearth")),
        ".",
        true,
    )
    .await;
}

#[tokio::test]
async fn openttd_launches_becomes_ready_and_stops_with_its_save() {
    launch_ready_stop("openttd", "/usr/games/openttd", 31240, json!({"map_size": "6"}), "save/hearth.sav", true).await;
}

#[tokio::test]
async fn freeciv_launches_becomes_ready_and_stops_with_its_save() {
    launch_ready_stop(
        "freeciv",
        "/usr/games/freeciv-server",
        31260,
        json!({"ai_players": 2}),
        "saves/hearth.sav.xz",
        false,
    )
    .await;
}

/// A running Minetest is backed up (its console mod copies the world between two saves of
/// the map), keeps running, and is restored: stopped, its world kept, started again.
#[tokio::test]
async fn minetest_is_backed_up_while_it_runs_and_restored() {
    if !Path::new("/usr/games/minetestserver").exists() {
        skip("/usr/games/minetestserver is not installed (apt-get install the minetest server)");
        return;
    }
    let Some(games) = Games::start(Backend::Sqlite, 31290).await else { return };
    let kid = &games.family.member;
    let response = kid
        .request(Method::POST, "/games/api/servers")
        .json(&json!({"game": "minetest", "name": "Backed up"}))
        .send()
        .await
        .expect("POST");
    let id = json_of(response).await["id"].as_i64().expect("id");
    let running = wait_for_state(kid, id, "running").await;
    // Minetest writes its map at its first save, a few seconds after it starts.
    let map = games.server_dir(id).join("world/map.sqlite");
    for _ in 0..200 {
        if map.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let path = format!("/games/api/servers/{id}/backups");
    let made = kid.request(Method::POST, &path).send().await.expect("POST");
    assert_eq!(made.status(), StatusCode::CREATED, "{}", made.text().await.unwrap_or_default());
    let name = json_of(made).await["name"].as_str().expect("name").to_owned();
    let archive = std::fs::File::open(games.backups_dir(id).join(&name)).expect("the backup");
    let mut entries: Vec<String> = tar::Archive::new(flate2::read::GzDecoder::new(archive))
        .entries()
        .expect("entries")
        .map(|e| e.expect("entry").path().expect("path").to_string_lossy().into_owned())
        .collect();
    entries.sort();
    for expected in ["world/map.sqlite", "world/world.mt", "world/worldmods/hearth_console/init.lua", "minetest.conf"] {
        assert!(entries.iter().any(|e| e == expected), "{expected} is in the backup: {entries:?}");
    }
    assert!(!entries.iter().any(|e| e.contains("hearth_snapshot")), "{entries:?}");
    assert!(!games.server_dir(id).join("world/hearth_snapshot").exists(), "the copy is removed");
    let after = json_of(kid.get(&format!("/games/api/servers/{id}")).send().await.expect("GET")).await;
    assert_eq!((&after["state"], &after["pid"]), (&running["state"], &running["pid"]), "it kept running");

    let restored = kid.request(Method::POST, &format!("{path}/{name}/restore")).send().await.expect("POST");
    assert_eq!(restored.status(), StatusCode::NO_CONTENT);
    let back = wait_for_state(kid, id, "running").await;
    assert_ne!(back["pid"], running["pid"], "stopped and started again");
    let listed = json_of(kid.get(&path).send().await.expect("GET")).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "the world as it was is kept: {listed}");
    kid.request(Method::POST, &format!("/games/api/servers/{id}/stop")).send().await.expect("POST");
    wait_for_state(kid, id, "stopped").await;
}
