//! The family helps one of its own, in headless Chromium: Grandpa Joe forgot his password on
//! his phone, Mum makes him a reset link on the family page (it appears at the top, where she
//! looks), he opens it, picks a new password and is in; his tablet, still logged in with the
//! old one, is logged out. Then the account pages as a family sees them: devices by name,
//! times in the viewer's zone; and at last Joe's account is deleted, after the page said what
//! that does in each service. Screenshots of the family, account and deletion pages (1280 px
//! and 390 px wide) go to `target/browser-screenshots/` (not committed).
//!
//! Skipped loudly without `chromium` and `chromedriver` (a failure when `HEARTH_REQUIRE_ALL=1`).

use anyhow::ensure;
use hearth_e2e::HearthProcess;
use hearth_e2e::browser::{Browser, Session, a_family_joins};
use serde_json::Value;

/// Whether the element matching `css` starts within the first screen of the page.
async fn in_first_screen(session: &Session, css: &str) -> anyhow::Result<bool> {
    let script = format!(
        "const element = document.querySelector({css:?});
        return !!element && element.getBoundingClientRect().top + window.scrollY < window.innerHeight;"
    );
    Ok(session.execute(&script).await? == Value::Bool(true))
}

/// Logs `session` in as `username` from the login page.
async fn log_in(session: &Session, username: &str, password: &str) -> anyhow::Result<()> {
    session.goto("/login").await?;
    session.fill("input[name=username]", username).await?;
    session.fill("input[name=password]", password).await?;
    session.submit("Log in").await
}

#[tokio::test]
async fn an_admin_resets_a_members_password_and_the_member_signs_in_with_the_link() {
    let hearth = HearthProcess::start(None, &[]).await;
    let Some(browser) = Browser::start(&hearth.base_url).await else {
        return;
    };
    browser
        .journey("portal_reset", async {
            let (admin, phone) = a_family_joins(&browser).await?;
            let tablet = browser.phone("tablet").await?;
            log_in(&tablet, "joe", "allotment-1952").await?;
            ensure!(tablet.text_of("h1").await? == "Hello, Grandpa Joe", "the tablet is logged in");

            admin.goto("/admin").await?;
            admin.submit("Reset password").await?;
            let link = admin.value_of("#reset-url").await?;
            ensure!(link.contains("/reset/"), "not a reset link: {link}");
            ensure!(in_first_screen(&admin, "#reset-url").await?, "the new link is in the first screen");
            let note = admin.text_of(".new-secret").await?;
            ensure!(
                note.contains("Grandpa Joe") && note.contains("works once"),
                "the link says whom it is for: {note}"
            );
            ensure!(
                admin.text_of("li[data-user=joe]").await?.contains("reset link open until"),
                "Joe's row says a link is open"
            );
            admin.screenshot("portal-family-1280").await?;
            let mum_phone = browser.phone("admin-phone").await?;
            log_in(&mum_phone, "mum", "kettle-on-at-four").await?;
            mum_phone.goto("/admin").await?;
            mum_phone.click("li[data-user=joe] details.more summary").await?;
            let fits = mum_phone.execute("return document.documentElement.scrollWidth <= 390").await?;
            ensure!(fits == Value::Bool(true), "the family page fits the phone");
            mum_phone.screenshot("portal-family-390").await?;

            phone.goto(&link).await?;
            ensure!(phone.text_of("h1").await? == "Choose a new password", "the link opens the reset page");
            ensure!(phone.text_of("main").await?.contains("Hello, Grandpa Joe"), "the page says whose it is");
            phone.fill("input[name=new_password]", "potatoes-in-may").await?;
            phone.submit("Save and log in").await?;
            ensure!(phone.path().await? == "/", "the member lands on the home page");
            ensure!(phone.text_of("h1").await? == "Hello, Grandpa Joe", "and is signed in");
            ensure!(phone.text_of(".notice").await?.contains("new password is saved"), "and is told so");

            tablet.goto("/").await?;
            ensure!(tablet.path().await? == "/login", "the tablet, logged in with the old password, is logged out");
            log_in(&tablet, "joe", "allotment-1952").await?;
            ensure!(tablet.text_of(".error").await?.contains("do not match"), "the old password no longer works");
            log_in(&tablet, "joe", "potatoes-in-may").await?;
            ensure!(tablet.text_of("h1").await? == "Hello, Grandpa Joe", "the new one does");

            phone.goto(&link).await?;
            ensure!(phone.text_of("main").await?.contains("already been used"), "the link works once");

            phone.goto("/account").await?;
            let devices = phone.texts_of("#sessions li strong").await?;
            ensure!(devices.iter().all(|d| d.contains(" on ")), "devices are named, not user agents: {devices:?}");
            ensure!(devices.first().is_some_and(|d| d.contains("this device")), "this device comes first: {devices:?}");
            let seen = phone.text_of("#sessions li:nth-child(2) time").await?;
            ensure!(seen.ends_with("ago") || seen == "just now", "last seen says how long ago: {seen}");
            phone.screenshot("portal-account-390").await?;
            // The form asks first; the member says yes.
            phone.execute("window.confirm = () => true").await?;
            phone.submit("Log out everywhere else").await?;
            ensure!(phone.texts_of("#sessions li").await?.len() == 1, "only this device is left");
            tablet.goto("/").await?;
            ensure!(tablet.path().await? == "/login", "the tablet is logged out again");

            admin.goto("/admin").await?;
            let expiry = admin.text_of("li[data-user=joe] time, .list time").await.unwrap_or_default();
            ensure!(!expiry.contains("UTC"), "times are shown in the viewer's zone, not UTC: {expiry}");

            // Later, Joe's account is deleted: the admin reads what happens first, then confirms.
            admin.click("li[data-user=joe] details.more summary").await?;
            admin.click_text("Delete account…").await?;
            let plan = admin.text_of("main").await?;
            for part in ["Hearth", "Photos", "Bugs", "Games", "They have no game servers."] {
                ensure!(plan.contains(part), "the plan names {part}: {plan}");
            }
            admin.screenshot("portal-delete-1280").await?;
            admin.execute("window.confirm = () => true").await?;
            admin.click("form[data-confirm] button.danger").await?;
            ensure!(admin.text_of(".notice").await?.starts_with("Done."), "the admin is told it is done");
            ensure!(admin.text_of("h1").await? == "Grandpa Joe's account is deleted", "and whose");
            phone.goto("/").await?;
            ensure!(phone.path().await? == "/login", "Joe is logged out everywhere");
            Ok(())
        })
        .await;
}
