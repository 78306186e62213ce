//! The bug page on a phone, in headless Chromium: on a fresh Hearth a member files a bug in
//! the Home project, then triages it from the side panel's chips and bottom sheets (priority,
//! labels, assignee, status, one tap each) and comments with a screenshot from the one comment
//! box; the admin, assigned, sees the unread count, reads the notification and opens the bug
//! at 1366 px, where `?` shows the keyboard shortcuts. The bug page is photographed at 390
//! and 1366 px under `target/browser-screenshots/`.
//!
//! Skipped loudly without `chromium` and `chromedriver` (a failure when `HEARTH_REQUIRE_ALL=1`).

use anyhow::ensure;
use hearth_e2e::HearthProcess;
use hearth_e2e::browser::{Browser, Session, a_family_joins};

/// Makes a PNG in the page (canvas) and drops it on the comment box's file zone, as a person
/// dragging a screenshot would; the page's script puts it in the file field.
async fn drop_screenshot(session: &Session) -> anyhow::Result<String> {
    let script = "const zone = document.getElementById('dropzone');
        const canvas = document.createElement('canvas');
        canvas.width = 240; canvas.height = 160;
        const pen = canvas.getContext('2d');
        pen.fillStyle = '#15803d'; pen.fillRect(0, 0, 240, 160);
        return new Promise((resolve) => canvas.toBlob((blob) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([blob], 'tray.png', { type: 'image/png' }));
          for (const type of ['dragenter', 'dragover', 'drop']) {
            zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
          }
          resolve(document.getElementById('screenshot').files[0].name);
        }, 'image/png'));";
    Ok(session.execute(script).await?.as_str().unwrap_or_default().to_owned())
}

/// Opens a property of the panel (its chip on a phone) and checks that its sheet is on screen.
async fn open_sheet(session: &Session, prop: &str) -> anyhow::Result<()> {
    session.click(&format!("#prop-{prop} > summary")).await?;
    let script = format!(
        "const body = document.querySelector('#prop-{prop}[open] .sheet-body');
         if (!body) return 'closed';
         const box = body.getBoundingClientRect();
         return box.top >= 0 && box.bottom <= window.innerHeight + 1 && box.width > 300 ? true : JSON.stringify(box);"
    );
    let on_screen = session.execute(&script).await?;
    ensure!(on_screen.as_bool() == Some(true), "the {prop} sheet is not on the screen: {on_screen}");
    Ok(())
}

#[tokio::test]
async fn a_member_files_and_triages_a_bug_from_the_side_panel_on_a_phone() {
    let hearth = HearthProcess::start(None, &[]).await;
    let Some(browser) = Browser::start(&hearth.base_url).await else {
        return;
    };
    browser
        .journey("bug-triaged-from-the-panel", async {
            let (admin, member) = a_family_joins(&browser).await?;
            admin.goto("/bugs/").await?;

            member.goto("/bugs/").await?;
            member.click("a[href='/bugs/p/HOME/new']").await?;
            member.fill("#title", "The printer says paper jam").await?;
            member.fill("#description", "It beeps twice.\n\n- [x] turned it off and on\n- [ ] opened the back").await?;
            member.submit("File the bug").await?;
            ensure!(member.path().await? == "/bugs/p/HOME/1", "filed into the Home a fresh Hearth has");
            let ticked = member.execute("return document.querySelectorAll('.description input[type=checkbox]:checked').length").await?;
            ensure!(ticked.as_u64() == Some(1), "the task list keeps its checkboxes: {ticked}");

            open_sheet(&member, "priority").await?;
            member.submit("High").await?;
            ensure!(member.text_of("#issue-priority").await? == "High", "one tap sets the priority");

            open_sheet(&member, "labels").await?;
            member.fill("#new-labels", "printer, study").await?;
            member.submit("Save labels").await?;
            ensure!(member.texts_of("#issue-labels .label").await? == ["printer", "study"], "labels from the sheet");

            open_sheet(&member, "assignee").await?;
            member.submit("Mum").await?;
            ensure!(member.text_of("#issue-assignee").await? == "Mum", "assigned from the sheet");

            open_sheet(&member, "status").await?;
            member.submit("In progress").await?;
            ensure!(member.text_of("#issue-status").await? == "In progress", "status from the sheet");

            open_sheet(&member, "priority").await?;
            member.execute("document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))").await?;
            let open = member.execute("return document.querySelector('details.prop[open]') !== null").await?;
            ensure!(open.as_bool() == Some(false), "Esc closes the sheet");

            member.submit("Comment").await?;
            let search = member.execute("return window.location.search").await?;
            ensure!(search.as_str() == Some(""), "a refused comment leaves no csrf_token in the address bar: {search}");
            ensure!(member.text_of("#comment-error").await? == "Write a comment or choose a file first.");

            member.fill("#comment-body", "The paper tray, as it looks now:").await?;
            ensure!(drop_screenshot(&member).await? == "tray.png", "the screenshot is in the comment box");
            member.submit("Comment").await?;
            member.wait_for(".timeline .comment img").await?;
            let shown = member
                .execute("const img = document.querySelector('.timeline .comment img'); return !!img && img.complete && img.naturalWidth === 240")
                .await?;
            ensure!(shown.as_bool() == Some(true), "the screenshot is shown under its comment");
            let size = member.execute("return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]").await?;
            ensure!(size[0].as_u64().is_some_and(|w| w <= 390), "the bug page is {} px wide on a phone", size[0]);
            ensure!(size[1].as_u64().is_some_and(|h| h < 2400), "the bug page is {} px tall on a phone", size[1]);
            member.execute("window.scrollTo(0, 0)").await?;
            member.screenshot("bug-page-390").await?;

            admin.goto("/bugs/").await?;
            let unread = admin.text_of("#unread").await?;
            ensure!(unread.parse::<u32>().is_ok_and(|n| n >= 2), "Mum sees her unread notifications: {unread}");
            admin.click("#inbox-link").await?;
            let news = admin.texts_of("#notifications .unread .what").await?;
            ensure!(news.iter().any(|n| n == "Grandpa Joe assigned HOME-1 to you"), "the inbox says so: {news:?}");
            ensure!(news.iter().any(|n| n.starts_with("Grandpa Joe commented")), "and the comment: {news:?}");
            admin.click("#notifications .unread a").await?;
            ensure!(admin.path().await? == "/bugs/p/HOME/1", "a notification opens its bug");
            let still = admin.execute("return document.getElementById('unread') === null").await?;
            ensure!(still.as_bool() == Some(true), "opening the bug reads its notifications");

            admin.resize(1366, 900).await?;
            admin.goto("/bugs/p/HOME/1").await?;
            let side = admin
                .execute("const panel = document.getElementById('panel').getBoundingClientRect(); const main = document.querySelector('.issue-main').getBoundingClientRect(); return panel.left >= main.right")
                .await?;
            ensure!(side.as_bool() == Some(true), "at 1366 px the panel is a column beside the bug");
            admin.execute("document.dispatchEvent(new KeyboardEvent('keydown', { key: '?', bubbles: true }))").await?;
            let help = admin.execute("return document.getElementById('shortcuts').open").await?;
            ensure!(help.as_bool() == Some(true), "? shows the keyboard shortcuts");
            admin.click("#shortcuts-close").await?;
            admin.screenshot("bug-page-1366").await?;
            Ok(())
        })
        .await;
}
