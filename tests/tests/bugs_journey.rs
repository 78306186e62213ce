//! The bug tracker's journey in headless Chromium: a member files a bug with a screenshot on
//! a phone-width window; the admin finds it with a query, marks another bug as its duplicate
//! and closes it; the member sees the status change.
//!
//! Skipped loudly without `chromium` and `chromedriver` (a failure when `HEARTH_REQUIRE_ALL=1`).

use anyhow::ensure;
use hearth_e2e::HearthProcess;
use hearth_e2e::browser::{Browser, Session, a_family_joins};

/// Makes a PNG in the page (canvas) and drops it on the form's screenshot zone, as a person
/// dragging a screenshot would; the page's script puts it in the file field.
async fn drop_screenshot(session: &Session) -> anyhow::Result<String> {
    let script = "const zone = document.getElementById('dropzone');
        const canvas = document.createElement('canvas');
        canvas.width = 320; canvas.height = 200;
        const pen = canvas.getContext('2d');
        pen.fillStyle = '#c2410c'; pen.fillRect(0, 0, 320, 200);
        return new Promise((resolve) => canvas.toBlob((blob) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([blob], 'printer.png', { type: 'image/png' }));
          for (const type of ['dragenter', 'dragover', 'drop']) {
            zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
          }
          resolve(document.getElementById('screenshot').files[0].name);
        }, 'image/png'));";
    let name = session.execute(script).await?;
    Ok(name.as_str().unwrap_or_default().to_owned())
}

async fn choose(session: &Session, select_id: &str, value: &str) -> anyhow::Result<()> {
    session.execute(&format!("document.getElementById('{select_id}').value = '{value}'")).await?;
    Ok(())
}

#[tokio::test]
async fn a_member_files_a_bug_on_a_phone_and_the_admin_closes_it() {
    let hearth = HearthProcess::start(None, &[]).await;
    let Some(browser) = Browser::start(&hearth.base_url).await else {
        return;
    };
    browser
        .journey("bug-filed-and-closed", async {
            let (admin, member) = a_family_joins(&browser).await?;

            admin.goto("/bugs/").await?;
            admin.click("a[href='/bugs/p/HOME']").await?;
            assert_eq!(admin.path().await?, "/bugs/p/HOME", "a fresh Hearth has its Home project");
            admin.goto("/bugs/p/HOME/new").await?;
            admin.fill("#title", "Printer says paper jam").await?;
            admin.submit("File the bug").await?;
            assert_eq!(admin.path().await?, "/bugs/p/HOME/1");

            member.goto("/bugs/p/HOME").await?;
            member.click("#new-issue").await?;
            member.wait_for("#dropzone").await?;
            member.fill("#title", "The printer page is broken").await?;
            member.fill("#description", "I pressed **print** and nothing came out.").await?;
            assert_eq!(drop_screenshot(&member).await?, "printer.png");
            member.submit("File the bug").await?;
            assert_eq!(member.path().await?, "/bugs/p/HOME/2");
            assert_eq!(member.text_of("#issue-status").await?, "Open");
            let shown = member
                .execute("const img = document.querySelector('.attachments img'); return !!img && img.complete && img.naturalWidth === 320")
                .await?;
            ensure!(shown.as_bool() == Some(true), "the screenshot is not shown on the issue page");
            let width = member.execute("return document.documentElement.scrollWidth").await?;
            ensure!(width.as_u64().is_some_and(|w| w <= 390), "the issue page is {width} px wide on a phone");

            admin.goto("/bugs/issues").await?;
            admin.fill("#q", "is:open reporter:joe \"printer page\"").await?;
            admin.submit("Search").await?;
            assert_eq!(admin.texts_of("#issue-list .title").await?, ["The printer page is broken"]);
            admin.click("#issue-list .issue-link").await?;
            assert_eq!(admin.path().await?, "/bugs/p/HOME/2");

            admin.goto("/bugs/p/HOME/1").await?;
            admin.click("#prop-links > summary").await?;
            choose(&admin, "link-kind", "duplicate_of").await?;
            admin.fill("#link-target", "2").await?;
            admin.submit("Link").await?;
            assert_eq!(admin.text_of("#issue-status").await?, "Resolved · duplicate of #2");

            admin.goto("/bugs/p/HOME/2").await?;
            admin.click("#prop-status > summary").await?;
            admin.submit("Closed · fixed").await?;
            assert_eq!(admin.text_of("#issue-status").await?, "Closed · fixed");

            member.goto("/bugs/p/HOME/2").await?;
            assert_eq!(member.text_of("#issue-status").await?, "Closed · fixed");
            let timeline = member.texts_of(".timeline .event").await?;
            ensure!(
                timeline.iter().any(|entry| entry.contains("Mum changed status from Open to Closed (fixed)")),
                "the member does not see the change: {timeline:?}"
            );
            Ok(())
        })
        .await;
}
