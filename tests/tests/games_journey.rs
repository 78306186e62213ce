//! A member launches a Minetest server from the form on a phone, watches the live console
//! until it is ready, sends a command and sees its answer, stops it, and sees it stopped with
//! its world kept. Skipped loudly
//! without Chromium and chromedriver, or without minetest-server.

use std::time::Duration;

use anyhow::ensure;
use hearth_e2e::HearthProcess;
use hearth_e2e::browser::{Browser, a_family_joins};
use hearth_shared::testing::skip;

/// How long Minetest may take to say it listens, and to save and stop.
const GAME: Duration = Duration::from_secs(60);

fn state_is(state: &str) -> String {
    format!(
        "const s = document.getElementById('state'); return s && s.textContent === '{state}' ? true : (s && s.textContent)"
    )
}

#[tokio::test]
async fn a_member_launches_minetest_on_a_phone_watches_it_start_sends_a_command_and_stops_it() {
    if !std::path::Path::new("/usr/games/minetestserver").exists() {
        skip("minetest-server is not installed");
        return;
    }
    let data = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(data.path(), std::os::unix::fs::PermissionsExt::from_mode(0o711)).expect("chmod");
    // User ids of its own: a run's end ends every process of its server's user.
    let env = [("HEARTH_GAMES_PORTS", "31600-31609"), ("HEARTH_GAMES_UIDS", "80010-80019")];
    let hearth = HearthProcess::start_in(data.path(), None, &env).await;
    let Some(browser) = Browser::start(&hearth.base_url).await else {
        return;
    };
    browser
        .journey("minetest-evening", async {
            let (_admin, member) = a_family_joins(&browser).await?;
            member.goto("/games/").await?;
            member.click_text("Launch a server").await?;
            member.click("label[for=game-minetest]").await?;
            member.fill("input[name=name]", "Friday night").await?;
            member.fill("input[name='minetest.setting.max_players']", "6").await?;
            member.submit("Launch").await?;
            ensure!(member.path().await?.starts_with("/games/servers/"), "the server's page opens");
            let width = member.execute("return document.documentElement.scrollWidth").await?;
            ensure!(width.as_u64().is_some_and(|w| w <= 390), "the page is {width} px wide on a 390 px phone");

            member.wait_until("the server to be running", &state_is("running"), GAME).await?;
            member
                .wait_until(
                    "the ready line in the live console",
                    "return document.getElementById('console').textContent.includes('listening on')",
                    GAME,
                )
                .await?;
            let address = member.text_of("#address").await?;
            ensure!(address.ends_with(":31600"), "the address for friends: {address}");

            member.fill("input[name=command]", "/status").await?;
            member.submit("Send").await?;
            member
                .wait_until(
                    "the answer to /status in the console",
                    "return document.getElementById('console').textContent.includes('[console] # Server: version')",
                    GAME,
                )
                .await?;

            member.submit("Stop").await?;
            member.wait_until("the server to be stopped", &state_is("stopped"), GAME).await?;
            member.wait_for("#start").await?;
            let world = data.path().join("games/servers/1/world/world.mt");
            ensure!(world.exists(), "the world is kept at {}", world.display());
            Ok(())
        })
        .await;
}
