//! A member runs a real Minetest from a phone as a family would: launches it in one step from
//! the game cards, types `/time 6:00` (which needs the settime privilege) and reads the plain
//! answer, watches the figures update live, backs the running world up, and restores it after
//! the confirmation page, the server stopping and starting again by itself. The game's page is
//! photographed at 390 px (the phone) and 1366 px (the admin's laptop) into
//! `target/browser-screenshots/`. Skipped loudly without Chromium and chromedriver, or without
//! minetest-server.

use std::time::Duration;

use anyhow::ensure;
use hearth_e2e::HearthProcess;
use hearth_e2e::browser::{Browser, Session, a_family_joins};
use hearth_shared::testing::skip;

/// How long Minetest may take to start, save, stop and start again.
const GAME: Duration = Duration::from_secs(60);

fn state_is(state: &str) -> String {
    format!(
        "const s = document.getElementById('state'); return s && s.textContent === '{state}' ? true : (s && s.textContent)"
    )
}

fn console_has(text: &str) -> String {
    format!("return document.getElementById('console').textContent.includes({text:?})")
}

/// Photographs the server page's cards, top to bottom, as `games-<what>-<width>-<n>`.
async fn photograph(session: &Session, what: &str, width: u32) -> anyhow::Result<()> {
    for (n, card) in ["overview", "console-card", "backups"].iter().enumerate() {
        let scroll = if n == 0 {
            "window.scrollTo(0, 0)".to_owned()
        } else {
            format!("document.getElementById('{card}').scrollIntoView()")
        };
        session.execute(&scroll).await?;
        session.screenshot(&format!("games-{what}-{width}-{}", n + 1)).await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_member_runs_minetest_from_a_phone_with_its_console_and_backups() {
    if !std::path::Path::new("/usr/games/minetestserver").exists() {
        skip("minetest-server is not installed");
        return;
    }
    let data = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(data.path(), std::os::unix::fs::PermissionsExt::from_mode(0o711)).expect("chmod");
    // Ports and user ids of its own: a run's end ends every process of its server's user.
    let env = [("HEARTH_GAMES_PORTS", "31620-31629"), ("HEARTH_GAMES_UIDS", "80020-80029")];
    let hearth = HearthProcess::start_in(data.path(), None, &env).await;
    let Some(browser) = Browser::start(&hearth.base_url).await else {
        return;
    };
    browser
        .journey("minetest-console-and-backups", async {
            let (_admin, member) = a_family_joins(&browser).await?;
            member.goto("/games/new").await?;
            member.screenshot("games-launch-390").await?;
            member.click("label[for=game-minetest]").await?;
            member.fill("input[name=name]", "Saturday").await?;
            member.submit("Launch").await?;
            ensure!(member.path().await?.starts_with("/games/servers/"), "the server's page opens");
            let server_page = member.path().await?;
            let width = member.execute("return document.documentElement.scrollWidth").await?;
            ensure!(width.as_u64().is_some_and(|w| w <= 390), "the page is {width} px wide on a 390 px phone");
            member.wait_until("the server to be running", &state_is("running"), GAME).await?;

            member.fill("input[name=command]", "/time 6:00").await?;
            member.submit("Send").await?;
            member.wait_until("the answer to /time 6:00", &console_has("Time of day changed."), GAME).await?;
            let console = member.text_of("#console").await?;
            ensure!(!console.contains("missing privilege"), "the console has the server's rights: {console}");
            ensure!(!console.contains("(T@") && !console.contains("spawned as pid"), "plain lines only: {console}");
            ensure!(console.contains("Ready for players"), "Hearth's own events, in words: {console}");

            let uptime = member.text_of("[data-figure=uptime]").await?;
            member
                .wait_until(
                    "the figures to update by themselves",
                    &format!("return document.querySelector('[data-figure=uptime]').textContent !== {uptime:?}"),
                    Duration::from_secs(20),
                )
                .await?;
            let memory = member.text_of("[data-figure=memory]").await?;
            let mib: f64 = memory.split_whitespace().next().and_then(|m| m.parse().ok()).unwrap_or_default();
            ensure!(mib > 5.0, "Minetest's own memory, not its wrapper's: {memory}");

            // Minetest writes its map at its first save, a few seconds after it starts.
            let map = data.path().join("games/servers/1/world/map.sqlite");
            for _ in 0..100 {
                if map.exists() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            member.submit("Back up now").await?;
            let notice = member.text_of("#backups-notice").await?;
            ensure!(notice.starts_with("Backed up: "), "the answer is in the backups card: {notice}");
            ensure!(member.text_of("#state").await? == "running", "players keep playing while it is backed up");

            member.click_text("Restore…").await?;
            member.wait_for("#confirm-restore").await?;
            let asks = member.text_of("#confirm").await?;
            ensure!(asks.contains("The server stops first"), "the confirmation says what happens: {asks}");
            member.screenshot("games-restore-390").await?;
            member.submit("Restore this backup").await?;
            ensure!(member.path().await? == server_page, "back on the server's page");
            let notice = member.text_of("#backups-notice").await?;
            ensure!(notice.starts_with("Restored the backup of "), "{notice}");
            ensure!(notice.contains("The server is starting again."), "{notice}");
            member.wait_until("the server to run again", &state_is("running"), GAME).await?;
            let backups = member.texts_of(".backup-list li").await?;
            ensure!(backups.len() == 2, "the world as it was is kept as a backup: {backups:?}");
            photograph(&member, "server", 390).await?;

            let laptop = browser.laptop("admin-laptop").await?;
            laptop.sign_in("mum", "kettle-on-at-four").await?;
            laptop.goto(&server_page).await?;
            laptop.wait_until("the admin to see it running", &state_is("running"), GAME).await?;
            laptop.wait_for("[data-figure=memory]").await?;
            photograph(&laptop, "server", 1366).await?;
            laptop.goto("/games/").await?;
            laptop.screenshot("games-list-1366").await?;
            member.goto("/games/").await?;
            member.screenshot("games-list-390").await?;
            laptop.goto("/games/new").await?;
            laptop.screenshot("games-launch-1366").await?;

            member.goto(&server_page).await?;
            member.submit("Stop").await?;
            member.wait_until("the server to be stopped", &state_is("stopped"), GAME).await?;
            Ok(())
        })
        .await;
}
