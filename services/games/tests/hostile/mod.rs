//! A compromised game and a pushy member against the games service (issue 12), with real
//! files made as root, as CI runs: backups and restores that keep no setuid bit, device node,
//! FIFO or link out; hostile archives refused with the world kept; a console file and the
//! template's files never followed through a link; each server its own user in a closed
//! folder; starts at the same moment within the quota; long routes outside the request
//! timeout.

use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::Path;
use std::time::Duration;

use hearth_portal::testing::Person;
use hearth_shared::both_backends;
use hearth_shared::db::Backend;
use hearth_shared::testing::skip;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::launch;
use crate::support::{Games, json_of, wait_for_state};

fn is_root() -> bool {
    rustix::process::getuid().is_root()
}

/// Launches `game` as `person`, waits for it to run, stops it and waits for it to stop.
async fn stopped_server(person: &Person, game: &str, name: &str) -> i64 {
    let server = json_of(launch(person, json!({"game": game, "name": name})).await).await;
    let id = server["id"].as_i64().expect("id");
    wait_for_state(person, id, "running").await;
    let stopped = person.request(Method::POST, &format!("/games/api/servers/{id}/stop")).send().await.expect("POST");
    assert_eq!(stopped.status(), StatusCode::OK);
    wait_for_state(person, id, "stopped").await;
    id
}

fn run(program: &str, args: &[&str]) {
    let status = std::process::Command::new(program).args(args).status().expect(program);
    assert!(status.success(), "{program} {args:?}");
}

async fn console_lines(person: &Person, id: i64) -> String {
    json_of(person.get(&format!("/games/api/servers/{id}/console")).send().await.expect("GET")).await.to_string()
}

#[tokio::test]
async fn a_backup_and_its_restore_keep_no_setuid_bit_device_fifo_or_link_out() {
    if !is_root() {
        skip("the restore of a setuid file, a device node and a FIFO needs root (CI runs as root)");
        return;
    }
    let Some(games) = Games::start(Backend::Sqlite, 31330).await else { return };
    let kid = &games.family.member;
    let id = stopped_server(kid, "echo", "Planted").await;
    let dir = games.server_dir(id);
    let game_uid = std::fs::metadata(&dir).expect("folder").uid();
    assert_ne!(game_uid, 0, "the folder belongs to the game");
    let world = dir.join("world");
    std::fs::create_dir_all(&world).expect("world");
    std::fs::write(world.join("map.txt"), "the castle").expect("write");
    // What the game's user plants (a setuid copy of a shell, links), and what only root could
    // (a device node), made here for real.
    std::fs::copy("/bin/sh", world.join("shell")).expect("copy");
    std::os::unix::fs::chown(world.join("shell"), Some(game_uid), Some(game_uid)).expect("chown");
    std::fs::set_permissions(world.join("shell"), std::fs::Permissions::from_mode(0o6755)).expect("setuid");
    run("mkfifo", &[&world.join("fifo").to_string_lossy()]);
    run("mknod", &[&world.join("null").to_string_lossy(), "c", "1", "3"]);
    std::os::unix::fs::symlink("/etc", world.join("etc")).expect("symlink out");
    std::os::unix::fs::symlink("map.txt", world.join("inside")).expect("symlink in");

    let path = format!("/games/api/servers/{id}/backups");
    let made = kid.request(Method::POST, &path).send().await.expect("POST");
    assert_eq!(made.status(), StatusCode::CREATED);
    let name = json_of(made).await["name"].as_str().expect("name").to_owned();
    let lines = console_lines(kid, id).await;
    for left_out in ["world/fifo", "world/null", "world/etc (a link to /etc, outside the folder)"] {
        assert!(lines.contains(left_out), "{left_out} is named as left out: {lines}");
    }

    std::fs::remove_dir_all(&world).expect("clear the world");
    let restored = kid.request(Method::POST, &format!("{path}/{name}/restore")).send().await.expect("POST");
    assert_eq!(restored.status(), StatusCode::NO_CONTENT);
    assert_eq!(std::fs::read_to_string(world.join("map.txt")).expect("read"), "the castle");
    let shell = std::fs::metadata(world.join("shell")).expect("shell");
    assert_eq!(shell.mode() & 0o7777, 0o755, "no setuid or setgid bit comes back");
    assert_eq!((shell.uid(), shell.gid()), (game_uid, game_uid), "restored as the game's, not root's");
    assert_eq!(std::fs::read_link(world.join("inside")).expect("link"), Path::new("map.txt"));
    for gone in ["fifo", "null", "etc"] {
        assert!(world.join(gone).symlink_metadata().is_err(), "{gone} is not restored");
    }
    let folder = std::fs::metadata(&dir).expect("folder");
    assert_eq!((folder.uid(), folder.mode() & 0o777), (game_uid, 0o700), "the folder is the game's, closed");
}

/// A `tar.gz` of one entry written with a raw header, for the paths the `tar` crate refuses
/// to write (`..`, absolute).
fn raw_archive(path: &str, kind: tar::EntryType, link: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut header = tar::Header::new_old();
    header.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
    header.set_entry_type(kind);
    header.set_size(body.len() as u64);
    header.set_mode(0o644);
    if let Some(link) = link {
        header.set_link_name(link).expect("link name");
    }
    header.set_cksum();
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()));
    builder.append(&header, body).expect("append");
    builder.into_inner().expect("tar").finish().expect("gzip")
}

/// A `tar.gz` of real files made in a scratch folder by `make`, written by the system's tar
/// as the old backups were.
fn system_archive(make: impl FnOnce(&Path)) -> Vec<u8> {
    let scratch = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(scratch.path().join("world")).expect("world");
    make(scratch.path());
    let archive = scratch.path().join("archive.tar.gz");
    let scratch_dir = scratch.path().to_string_lossy().into_owned();
    run("tar", &["--create", "--gzip", "--file", &archive.to_string_lossy(), "--directory", &scratch_dir, "world"]);
    std::fs::read(&archive).expect("archive")
}

#[tokio::test]
async fn a_hostile_or_damaged_archive_is_refused_and_the_world_kept() {
    if !is_root() {
        skip("archives with device nodes are made with mknod, as root (CI runs as root)");
        return;
    }
    let Some(games) = Games::start(Backend::Sqlite, 31340).await else { return };
    let kid = &games.family.member;
    let id = stopped_server(kid, "echo", "Targeted").await;
    let world = games.server_dir(id).join("world");
    std::fs::create_dir_all(&world).expect("world");
    std::fs::write(world.join("map.txt"), "the castle").expect("write");
    let outside = tempfile::tempdir().expect("temp dir");
    let absolute = outside.path().join("absolute.txt").to_string_lossy().into_owned();
    let escaped = games.server_dir(id).with_file_name("escaped.txt");

    let link_out = outside.path().to_string_lossy().into_owned();
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "a FIFO",
            system_archive(|at| run("mkfifo", &[&at.join("world/fifo").to_string_lossy()])),
            "world/fifo is a FIFO".to_owned(),
        ),
        (
            "a device node",
            system_archive(|at| run("mknod", &[&at.join("world/null").to_string_lossy(), "c", "1", "3"])),
            "world/null is a device node".to_owned(),
        ),
        (
            "a link out",
            system_archive(|at| std::os::unix::fs::symlink(&link_out, at.join("world/out")).expect("symlink")),
            format!("world/out is a link to {link_out}, outside the folder"),
        ),
        (
            "a path with ..",
            raw_archive("../escaped.txt", tar::EntryType::Regular, None, b"owned"),
            "../escaped.txt climbs out of the folder".to_owned(),
        ),
        (
            "an absolute path",
            raw_archive(&absolute, tar::EntryType::Regular, None, b"owned"),
            format!("{absolute} is an absolute path"),
        ),
        (
            "a hard link",
            raw_archive("world/shadow", tar::EntryType::Link, Some("/etc/shadow"), b""),
            "world/shadow is a hard link".to_owned(),
        ),
        ("a damaged archive", b"\x1f\x8b\x08\x00 not a gzip stream".to_vec(), "the archive is damaged".to_owned()),
    ];
    for (n, (what, archive, expected)) in cases.into_iter().enumerate() {
        let name = format!("20260101-00000{n}.tar.gz");
        let folder = games.backups_dir(id);
        std::fs::create_dir_all(&folder).expect("backups");
        std::fs::write(folder.join(&name), archive).expect("archive");
        let path = format!("/games/api/servers/{id}/backups/{name}/restore");
        let refused = kid.request(Method::POST, &path).send().await.expect("POST");
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert_eq!(refused.headers()["content-type"], "application/problem+json");
        let detail = json_of(refused).await["detail"].as_str().unwrap_or_default().to_owned();
        assert!(detail.contains(&expected) && detail.contains("The world is as it was"), "{what}: {detail}");
        assert_eq!(std::fs::read_to_string(world.join("map.txt")).expect("read"), "the castle", "{what}");
        assert!(!Path::new(&absolute).exists() && !escaped.exists(), "{what}: nothing was written outside");
        let leftovers: Vec<_> = std::fs::read_dir(games.server_dir(id).parent().expect("servers"))
            .expect("servers")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{what}: no half-made folder stays beside the world: {leftovers:?}");
    }
    let page = kid.browser.post_form(&format!("/games/servers/{id}/backups/20260101-000000.tar.gz/restore"), &[]).await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER, "the page shows the refusal on the server's page");

    // A backup as the system's tar made them before (`./` paths) still restores.
    let scratch = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(scratch.path().join("world")).expect("world");
    std::fs::write(scratch.path().join("world/map.txt"), "the old castle").expect("write");
    let old = games.backups_dir(id).join("20250101-000000.tar.gz");
    let scratch_dir = scratch.path().to_string_lossy().into_owned();
    run("tar", &["--create", "--gzip", "--file", &old.to_string_lossy(), "--directory", &scratch_dir, "."]);
    let path = format!("/games/api/servers/{id}/backups/20250101-000000.tar.gz/restore");
    let restored = kid.request(Method::POST, &path).send().await.expect("POST");
    assert_eq!(restored.status(), StatusCode::NO_CONTENT);
    assert_eq!(std::fs::read_to_string(world.join("map.txt")).expect("read"), "the old castle");
}

#[tokio::test]
async fn the_console_file_and_the_templates_files_are_never_followed() {
    let Some(games) = Games::start(Backend::Sqlite, 31350).await else { return };
    let kid = &games.family.member;
    let server = json_of(launch(kid, json!({"game": "filecon", "name": "Files"})).await).await;
    let id = server["id"].as_i64().expect("id");
    wait_for_state(kid, id, "running").await;
    let console = games.server_dir(id).join("world/console.txt");
    let command = format!("/games/api/servers/{id}/console");
    let sent = kid.request(Method::POST, &command).json(&json!({"command": "say hi"})).send().await.expect("POST");
    assert_eq!(sent.status(), StatusCode::NO_CONTENT);
    assert_eq!(std::fs::read_to_string(&console).expect("read"), "say hi\n");

    // The game's user swaps its console file for links to a file it must not write.
    let outside = tempfile::tempdir().expect("temp dir");
    let target = outside.path().join("crontab");
    std::fs::write(&target, "untouched\n").expect("write");
    for swap in ["symlink", "hard link"] {
        std::fs::remove_file(&console).expect("remove");
        if swap == "symlink" {
            std::os::unix::fs::symlink(&target, &console).expect("symlink");
        } else {
            std::fs::hard_link(&target, &console).expect("hard link");
        }
        let sent = kid
            .request(Method::POST, &command)
            .json(&json!({"command": "* * * * * root sh"}))
            .send()
            .await
            .expect("POST");
        assert_eq!(sent.status(), StatusCode::CONFLICT, "{swap}");
        let detail = json_of(sent).await["detail"].as_str().unwrap_or_default().to_owned();
        assert!(detail.contains("console file cannot be written"), "{swap}: {detail}");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "untouched\n", "{swap}: not followed");
    }

    // At the next start the template's files are written beside a link, never through it.
    std::fs::remove_file(&console).expect("remove");
    std::os::unix::fs::symlink(&target, &console).expect("symlink");
    kid.request(Method::POST, &format!("/games/api/servers/{id}/stop")).send().await.expect("POST");
    wait_for_state(kid, id, "stopped").await;
    kid.request(Method::POST, &format!("/games/api/servers/{id}/start")).send().await.expect("POST");
    wait_for_state(kid, id, "running").await;
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "untouched\n");
    assert!(console.symlink_metadata().is_ok_and(|m| m.is_file()), "a plain file replaced the link");
}

/// The real user id of a process.
fn uid_of(pid: i64) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().next())
        .and_then(|id| id.parse().ok())
        .expect("uid")
}

#[tokio::test]
async fn each_server_runs_as_its_own_user_and_cannot_open_anothers_world() {
    if !is_root() {
        skip("games run as their own users only when the manager is root (CI runs as root)");
        return;
    }
    let Some(games) = Games::start(Backend::Sqlite, 31360).await else { return };
    let (kid, mum) = (&games.family.member, &games.family.admin);
    let mut seen = Vec::new();
    for (person, name) in [(kid, "Kid's"), (mum, "Mum's")] {
        let server = json_of(launch(person, json!({"game": "echo", "name": name})).await).await;
        let id = server["id"].as_i64().expect("id");
        let running = wait_for_state(person, id, "running").await;
        let uid = uid_of(running["pid"].as_i64().expect("pid"));
        assert!(games.uid_range().contains(&uid), "{name} runs as a user of HEARTH_GAMES_UIDS, not {uid}");
        let folder = std::fs::metadata(games.server_dir(id)).expect("folder");
        assert_eq!((folder.uid(), folder.gid(), folder.mode() & 0o777), (uid, uid, 0o700), "{name}'s folder");
        seen.push((id, uid));
    }
    let [(kid_id, kid_uid), (mum_id, mum_uid)] = seen[..] else { panic!("two servers") };
    assert_ne!(kid_uid, mum_uid, "one user per server");
    let mums_world = games.server_dir(mum_id).join("world");
    std::fs::create_dir_all(&mums_world).expect("world");
    std::fs::write(mums_world.join("map.txt"), "Mum's castle").expect("write");
    let as_kids_game = std::process::Command::new("setpriv")
        .args([&format!("--reuid={kid_uid}"), &format!("--regid={kid_uid}"), "--clear-groups", "cat"])
        .arg(mums_world.join("map.txt"))
        .output()
        .expect("setpriv");
    assert!(!as_kids_game.status.success(), "the kid's game cannot read Mum's world");
    assert!(String::from_utf8_lossy(&as_kids_game.stderr).contains("Permission denied"));

    // Deleted with its world kept, a server's folder goes back to root: the next server given
    // its user id cannot open it.
    let deleted = kid.request(Method::DELETE, &format!("/games/api/servers/{kid_id}")).send().await.expect("DELETE");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let kept = std::fs::metadata(games.server_dir(kid_id)).expect("kept");
    assert_eq!((kept.uid(), kept.mode() & 0o777), (0, 0o700));
}

async fn simultaneous_starts_stay_within_the_quota(backend: Backend) {
    let Some(games) = Games::start(backend, 31300).await else { return };
    let (kid, mum) = (&games.family.member, &games.family.admin);
    let quota = format!("/games/api/quotas/{}", kid.identity.user_id);
    let roomy = mum.request(Method::PUT, &quota).json(&json!({"max_running": 8, "max_memory_mb": 4096})).send().await;
    assert_eq!(roomy.expect("PUT").status(), StatusCode::OK);
    let mut ids = Vec::new();
    for n in 0..8 {
        ids.push(stopped_server(kid, "echo", &format!("Server {n}")).await);
    }
    let tight = mum.request(Method::PUT, &quota).json(&json!({"max_running": 2, "max_memory_mb": 4096})).send().await;
    assert_eq!(tight.expect("PUT").status(), StatusCode::OK);

    let starts = ids.iter().map(|id| kid.request(Method::POST, &format!("/games/api/servers/{id}/start")).send());
    let statuses: Vec<StatusCode> =
        futures_util::future::join_all(starts).await.into_iter().map(|r| r.expect("POST").status()).collect();
    let started = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::FORBIDDEN).count();
    assert_eq!((started, refused), (2, 6), "eight starts at once, a quota of two: {statuses:?}");
    let servers = json_of(kid.get("/games/api/servers").send().await.expect("GET")).await;
    let wanted = servers.as_array().map_or(0, |s| s.iter().filter(|s| s["desired"] == "running").count());
    assert_eq!(wanted, 2, "{servers:#}");
}

both_backends!(simultaneous_starts_stay_within_the_quota);

#[tokio::test]
async fn restart_and_backup_outlast_the_request_timeout() {
    let Some(games) = Games::start_with_timeout(Backend::Sqlite, 31380, Duration::from_secs(1)).await else { return };
    let kid = &games.family.member;
    let server = json_of(launch(kid, json!({"game": "slowstop", "name": "Slow"})).await).await;
    let id = server["id"].as_i64().expect("id");
    let running = wait_for_state(kid, id, "running").await;
    let started = std::time::Instant::now();
    let restarted = kid.request(Method::POST, &format!("/games/api/servers/{id}/restart")).send().await.expect("POST");
    assert_eq!(restarted.status(), StatusCode::OK, "a restart that takes two seconds is not cut off");
    let again = wait_for_state(kid, id, "running").await;
    assert!(started.elapsed() >= Duration::from_secs(2), "{again:#}");
    assert_ne!(again["pid"], running["pid"]);
    let backup = kid.request(Method::POST, &format!("/games/api/servers/{id}/backups")).send().await.expect("POST");
    assert_eq!(backup.status(), StatusCode::CREATED, "a backup that waits for the save is not cut off");
    let timed = kid.get("/games/api/servers").send().await.expect("GET");
    assert_eq!(timed.status(), StatusCode::OK);
}

/// The whole of a download arrives, and its stream ends cleanly.
#[tokio::test]
async fn a_backup_downloads_whole() {
    let Some(games) = Games::start(Backend::Sqlite, 31370).await else { return };
    let kid = &games.family.member;
    let id = stopped_server(kid, "echo", "Big").await;
    let world = games.server_dir(id).join("world");
    std::fs::create_dir_all(&world).expect("world");
    let mut file = std::fs::File::create(world.join("noise.bin")).expect("create");
    let noise: Vec<u8> = (0..3 * 64 * 1024 + 17).map(|n: u32| (n.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    file.write_all(&noise).expect("write");
    let path = format!("/games/api/servers/{id}/backups");
    let made: Value = json_of(kid.request(Method::POST, &path).send().await.expect("POST")).await;
    let name = made["name"].as_str().expect("name");
    let download = kid.get(&format!("{path}/{name}")).send().await.expect("GET");
    assert_eq!(download.status(), StatusCode::OK);
    let bytes = download.bytes().await.expect("the whole body");
    assert_eq!(bytes.len() as u64, made["bytes"].as_u64().expect("bytes"));
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
    let mut found = false;
    for entry in archive.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        if entry.path().expect("path").ends_with("noise.bin") {
            let mut read = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut read).expect("read");
            found = read == noise;
        }
    }
    assert!(found, "the file comes back whole");
}
