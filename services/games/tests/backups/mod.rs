//! Backups while a game runs and restores from the page: a game whose save command writes a
//! copy of its world is backed up from that copy (what the copy lacks from the live folder),
//! a save that fails or a game that cannot save is said in the backups card, and a restore
//! asks first, stops a running server, keeps its world as it was, and starts it again.

use std::io::Read as _;

use hearth_portal::testing::Person;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Games, json_of, wait_for_state};

async fn launched(person: &Person, game: &str, name: &str) -> i64 {
    let response = person
        .request(Method::POST, "/games/api/servers")
        .json(&json!({"game": game, "name": name}))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = json_of(response).await["id"].as_i64().expect("id");
    wait_for_state(person, id, "running").await;
    id
}

/// The files of a backup: path to contents (folders as empty).
fn archive_files(path: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    let file = std::fs::File::open(path).expect("backup");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut files = std::collections::BTreeMap::new();
    for entry in archive.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        let name = entry.path().expect("path").to_string_lossy().into_owned();
        let mut text = String::new();
        let _ = entry.read_to_string(&mut text);
        files.insert(name, text);
    }
    files
}

#[tokio::test]
async fn a_running_game_is_backed_up_from_the_copy_its_save_wrote() {
    let Some(games) = Games::start(hearth_shared::db::Backend::Sqlite, 31460).await else { return };
    let kid = &games.family.member;
    let id = launched(kid, "snapshot", "Copied").await;
    let path = format!("/games/api/servers/{id}/backups");
    let made = kid.request(Method::POST, &path).send().await.expect("POST");
    assert_eq!(made.status(), StatusCode::CREATED, "a running game that writes a copy is backed up");
    let backup = json_of(made).await;
    assert!(backup["made_at"].as_i64().is_some_and(|at| at > 0), "{backup}");
    let name = backup["name"].as_str().expect("name");
    let files = archive_files(&games.backups_dir(id).join(name));
    assert_eq!(files.get("world/map.txt").map(String::as_str), Some("copied\n"), "from the copy: {files:?}");
    assert_eq!(files.get("world/mods/mod.lua").map(String::as_str), Some("kept\n"), "what the copy lacks: {files:?}");
    assert!(!files.keys().any(|f| f.starts_with("world/copy")), "the copy is not packed as itself: {files:?}");
    assert!(!games.server_dir(id).join("world/copy").exists(), "the copy is removed after the backup");
    let server = json_of(kid.get(&format!("/games/api/servers/{id}")).send().await.expect("GET")).await;
    assert_eq!(server["state"], "running", "players kept playing");

    std::fs::write(games.server_dir(id).join("world/fail"), "").expect("make the save fail");
    let refused = kid.request(Method::POST, &path).send().await.expect("POST");
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let detail = json_of(refused).await["detail"].as_str().unwrap_or_default().to_owned();
    assert!(detail.contains("could not save for the backup (the disk is full)"), "{detail}");
    std::fs::remove_file(games.server_dir(id).join("world/fail")).expect("remove");
    std::fs::write(games.server_dir(id).join("world/lie"), "").expect("make the game lie");
    let lied = kid.request(Method::POST, &path).send().await.expect("POST");
    assert_eq!(lied.status(), StatusCode::CONFLICT, "a game that says it saved but wrote no copy");
    let detail = json_of(lied).await["detail"].as_str().unwrap_or_default().to_owned();
    assert!(detail.contains("its copy of the world cannot be read"), "{detail}");
    std::fs::remove_file(games.server_dir(id).join("world/lie")).expect("remove");

    // A backup that cannot be restored leaves the world, and the server running, as they were.
    let damaged = "20000101-000000.tar.gz";
    std::fs::write(games.backups_dir(id).join(damaged), b"not a backup").expect("write");
    let pid = json_of(kid.get(&format!("/games/api/servers/{id}")).send().await.expect("GET")).await["pid"].clone();
    let refused = kid.request(Method::POST, &format!("{path}/{damaged}/restore")).send().await.expect("POST");
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let back = wait_for_state(kid, id, "running").await;
    assert_ne!(back["pid"], pid, "stopped for the restore, and started again after it was refused");
}

/// The page's forms: each answer is in the backups card, a restore asks first, and restoring
/// a running server stops it, keeps its world as a backup and starts it again.
#[tokio::test]
async fn backups_answer_in_their_card_and_a_restore_asks_first() {
    let Some(games) = Games::start(hearth_shared::db::Backend::Sqlite, 31420).await else { return };
    let kid = &games.family.member;
    let echo = launched(kid, "echo", "Cannot save").await;
    let refused = kid.browser.post_form(&format!("/games/servers/{echo}/backups"), &[]).await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    assert_eq!(refused.headers()["location"], format!("/games/servers/{echo}#backups"), "the card that was used");
    assert!(
        !refused.headers()["location"].to_str().unwrap_or_default().contains("error="),
        "no message in the address"
    );
    let page = kid.browser.get(&format!("/games/servers/{echo}")).await.text().await.expect("html");
    let card = &page[page.find("id=\"backups\"").expect("the backups card")..];
    assert!(
        card.contains("id=\"backups-notice\">Echo (test) cannot be told to save while it runs"),
        "the refusal is in the backups card: {page}"
    );
    assert!(!page[..page.find("id=\"backups\"").unwrap_or_default()].contains("cannot be told to save"));
    let again = kid.browser.get(&format!("/games/servers/{echo}")).await.text().await.expect("html");
    assert!(!again.contains("backups-notice"), "shown once");
    let bad = kid.browser.post_form(&format!("/games/servers/{echo}/backup-schedule"), &[("every_hours", "x")]).await;
    assert_eq!(bad.headers()["location"], format!("/games/servers/{echo}#backups"));
    let page = kid.browser.get(&format!("/games/servers/{echo}")).await.text().await.expect("html");
    assert!(page.contains("Hours between backups must be a whole number"), "{page}");

    let id = launched(kid, "snapshot", "Restored").await;
    let notes = games.server_dir(id).join("world/notes.txt");
    std::fs::write(&notes, "before\n").expect("write");
    let made = kid.browser.post_form(&format!("/games/servers/{id}/backups"), &[]).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let page = kid.browser.get(&format!("/games/servers/{id}")).await.text().await.expect("html");
    assert!(page.contains("id=\"backups-notice\">Backed up: "), "{page}");
    let listed: Value = json_of(kid.get(&format!("/games/api/servers/{id}/backups")).send().await.expect("GET")).await;
    let name = listed[0]["name"].as_str().expect("a backup").to_owned();
    assert!(page.contains(&format!("/games/servers/{id}/backups/{name}/restore\" class=\"restore-link\">Restore…")));

    let restore = format!("/games/servers/{id}/backups/{name}/restore");
    let unconfirmed = kid.browser.post_form(&restore, &[]).await;
    assert_eq!(unconfirmed.status(), StatusCode::SEE_OTHER);
    assert_eq!(unconfirmed.headers()["location"], restore.as_str(), "no restore without the confirmation");
    let confirm = kid.browser.get(&restore).await.text().await.expect("html");
    assert!(confirm.contains("The server stops first") && confirm.contains("kept as one more backup"), "{confirm}");
    let pid = json_of(kid.get(&format!("/games/api/servers/{id}")).send().await.expect("GET")).await["pid"].clone();
    std::fs::write(&notes, "after\n").expect("change the world");
    let done = kid.browser.post_form(&restore, &[("confirmed", "yes")]).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(done.headers()["location"], format!("/games/servers/{id}#backups"));
    let page = kid.browser.get(&format!("/games/servers/{id}")).await.text().await.expect("html");
    assert!(page.contains("Restored the backup of ") && page.contains("The server is starting again."), "{page}");
    let back = wait_for_state(kid, id, "running").await;
    assert_ne!(back["pid"], pid, "it was stopped and started again");
    assert_eq!(std::fs::read_to_string(&notes).expect("read"), "before\n", "the world of the backup");
    let listed: Value = json_of(kid.get(&format!("/games/api/servers/{id}/backups")).send().await.expect("GET")).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "the world as it was is kept: {listed}");
    let kept = listed[0]["name"].as_str().expect("kept");
    let files = archive_files(&games.backups_dir(id).join(kept));
    assert_eq!(files.get("world/notes.txt").map(String::as_str), Some("after\n"), "{files:?}");
}
