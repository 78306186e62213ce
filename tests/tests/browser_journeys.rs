//! Journeys through the real pages in headless Chromium, one person per browser session.
//!
//! Skipped loudly without `chromium` and `chromedriver` (a failure when `HEARTH_REQUIRE_ALL=1`).
//! A failed journey leaves screenshots in `target/browser-failures/`.

use anyhow::ensure;
use hearth_e2e::HearthProcess;
use hearth_e2e::browser::Browser;

/// The admin sets up a fresh Hearth on a computer and invites a member, who joins on a phone.
#[tokio::test]
async fn the_admin_sets_up_hearth_and_a_member_joins_on_a_phone() {
    let hearth = HearthProcess::start(None, &[]).await;
    let Some(browser) = Browser::start(&hearth.base_url).await else {
        return;
    };
    browser
        .journey("first-family", async {
            let admin = browser.desktop("admin").await?;
            admin.goto("/").await?;
            assert_eq!(admin.path().await?, "/setup");
            admin.fill("input[name=display_name]", "Mum").await?;
            admin.fill("input[name=username]", "mum").await?;
            admin.fill("input[name=password]", "kettle-on-at-four").await?;
            admin.submit("Create the admin account").await?;
            assert_eq!(admin.path().await?, "/");
            assert_eq!(admin.text_of("h1").await?, "Hello, Mum");

            admin.goto("/admin").await?;
            admin.submit("Make an invite link").await?;
            let invite_url = admin.value_of("#invite-url").await?;
            ensure!(invite_url.contains("/invite/"), "not an invite link: {invite_url}");

            let member = browser.phone("member").await?;
            member.goto(&invite_url).await?;
            member.fill("input[name=display_name]", "Grandpa Joe").await?;
            member.fill("input[name=username]", "joe").await?;
            member.fill("input[name=password]", "allotment-1952").await?;
            member.submit("Join").await?;
            assert_eq!(member.path().await?, "/");
            assert_eq!(member.text_of("h1").await?, "Hello, Grandpa Joe");
            assert_eq!(member.texts_of(".services .service h2").await?, ["Photos", "Bugs", "Games"]);

            let page_width = member.execute("return document.documentElement.scrollWidth").await?;
            ensure!(
                page_width.as_u64().is_some_and(|width| width <= 390),
                "the home page is {page_width} px wide on a 390 px phone: it scrolls sideways"
            );
            Ok(())
        })
        .await;
}
