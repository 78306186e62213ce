//! Photos as a family uses them in the first week, in headless Chromium: picking three photos
//! on a phone (tap and hold, then taps) and adding them to an album; the viewer stepping
//! through the timeline with swipes on a phone and with the arrow keys on a computer, and
//! going back to where the person was. Screenshots of the viewer at 390 px and 1366 px are kept
//! in `target/browser-screenshots/`.
//!
//! Skipped loudly without `chromium` and `chromedriver` (a failure when `HEARTH_REQUIRE_ALL=1`).

use std::time::Duration;

use anyhow::ensure;
use hearth_e2e::HearthProcess;
use hearth_e2e::browser::{Browser, Session, a_family_joins};
use serde_json::{Value, json};

/// The photos uploaded: file name, colour, width and height (a landscape, a portrait, a
/// panorama, a square), so that the grid has shapes to justify.
const PHOTOS: [(&str, &str, u32, u32); 4] = [
    ("beach.jpg", "#e8590c", 1200, 800),
    ("cake.jpg", "#f59f00", 600, 900),
    ("harbour.jpg", "#1971c2", 1800, 600),
    ("garden.jpg", "#2f9e44", 800, 800),
];

/// How long the worker may take to make the thumbnails.
const THUMBNAILS_MADE: Duration = Duration::from_secs(30);

/// How long a page may take to show what it should.
const SHOWN: Duration = Duration::from_secs(10);

/// Uploads the [`PHOTOS`] through the API, as the page's own uploader does, one after the
/// other (so the timeline shows them newest first: the last uploaded first), and waits until
/// the timeline shows every thumbnail.
async fn upload_photos(session: &Session) -> anyhow::Result<()> {
    session.goto("/photos/").await?;
    let script = format!(
        "const photos = {photos};
        const csrf = document.getElementById('uploader').dataset.csrf;
        const jpeg = ([name, colour, width, height]) => new Promise((resolve, reject) => {{
          const canvas = document.createElement('canvas');
          canvas.width = width;
          canvas.height = height;
          const pen = canvas.getContext('2d');
          pen.fillStyle = colour;
          pen.fillRect(0, 0, width, height);
          pen.fillStyle = '#fff';
          pen.font = `${{Math.round(height / 6)}}px sans-serif`;
          pen.fillText(name, width / 10, height / 2);
          canvas.toBlob((blob) => blob ? resolve(blob) : reject(new Error('no JPEG')), 'image/jpeg', 0.9);
        }});
        return photos.reduce((done, photo) => done.then(async (count) => {{
          const answer = await fetch(`/photos/api/items?file_name=${{photo[0]}}&visibility=family`, {{
            method: 'POST', body: await jpeg(photo),
            headers: {{ 'X-CSRF-Token': csrf, 'Content-Type': 'application/octet-stream', Accept: 'application/json' }},
          }});
          return answer.status === 201 ? count + 1 : count;
        }}), Promise.resolve(0));",
        photos = json!(PHOTOS),
    );
    let uploaded = session.execute(&script).await?;
    ensure!(uploaded == json!(PHOTOS.len()), "uploaded {uploaded} of {} photos", PHOTOS.len());
    // The page fills in each thumbnail as the worker makes it.
    session.goto("/photos/").await?;
    let script = format!(
        "const images = [...document.querySelectorAll('.day .tile img')];
        if (images.length === {count} && images.every((image) => image.complete && image.naturalWidth > 0)) return true;
        return [...document.querySelectorAll('.day .tile')].map((tile) => tile.dataset.preview);",
        count = PHOTOS.len()
    );
    session.wait_until("every thumbnail in the timeline", &script, THUMBNAILS_MADE).await
}

/// The file names of the tiles of the timeline, in the order shown.
async fn tile_names(session: &Session) -> anyhow::Result<Vec<String>> {
    let names =
        session.execute("return [...document.querySelectorAll('.day .tile .open')].map((a) => a.title)").await?;
    Ok(serde_json::from_value(names)?)
}

/// A touch on `css` at `(x, y)` in the element, as a finger would: `touchstart`, then after
/// `hold_ms` `touchmove` to `(x + dx, y)` and `touchend` there.
async fn touch(session: &Session, css: &str, dx: i64, hold_ms: u64) -> anyhow::Result<()> {
    let script = format!(
        "const target = document.querySelector({css});
        if (!target) return 'no ' + {css};
        const box = target.getBoundingClientRect();
        const at = (x) => new Touch({{ identifier: 1, target, clientX: x, clientY: box.y + box.height / 2 }});
        const send = (type, point, touches) => target.dispatchEvent(new TouchEvent(type,
          {{ touches, targetTouches: touches, changedTouches: [point], bubbles: true, cancelable: true }}));
        const start = at(box.x + box.width / 2);
        send('touchstart', start, [start]);
        return new Promise((resolve) => setTimeout(() => {{
          const end = at(box.x + box.width / 2 + {dx});
          if ({dx} !== 0) send('touchmove', end, [end]);
          send('touchend', end, []);
          resolve(true);
        }}, {hold_ms}));",
        css = json!(css),
    );
    let touched = session.execute(&script).await?;
    ensure!(touched == Value::Bool(true), "touching {css}: {touched}");
    Ok(())
}

/// Taps `css` as a finger would, once it is scrolled to the middle of the screen (where no
/// bar covers it).
async fn tap(session: &Session, css: &str) -> anyhow::Result<()> {
    let script =
        format!("document.querySelector({css}).scrollIntoView({{ block: 'center' }}); return true;", css = json!(css));
    session.execute(&script).await?;
    session.click(css).await
}

/// Waits until the viewer shows `name`, after the page it was on has gone.
async fn viewer_shows(session: &Session, name: &str) -> anyhow::Result<()> {
    let script = format!(
        "const shown = document.querySelector('.stage-name');
        const image = document.querySelector('[data-picture]');
        if (shown && shown.textContent === {name} && image && image.complete && image.naturalWidth > 0) return true;
        return shown ? shown.textContent : location.href;",
        name = json!(name)
    );
    session.wait_until(&format!("the viewer showing {name}"), &script, SHOWN).await
}

/// Presses `key` on the page.
async fn press(session: &Session, key: &str) -> anyhow::Result<()> {
    let script = format!(
        "document.dispatchEvent(new KeyboardEvent('keydown', {{ key: {key}, bubbles: true, cancelable: true }})); return true;",
        key = json!(key)
    );
    session.execute(&script).await.map(drop)
}

/// Fails when the current page is wider than the 390 px phone (it would scroll sideways).
async fn fits_the_phone(phone: &Session, page: &str) -> anyhow::Result<()> {
    let width = phone.execute("return document.documentElement.scrollWidth").await?;
    ensure!(width.as_u64().is_some_and(|width| width <= 390), "{page} is {width} px wide on a 390 px phone");
    Ok(())
}

/// A member uploads four photos, makes an album, and on her phone picks three photos of the
/// timeline (a tap and hold on the first, then a tap on each of two more) and adds them to the
/// album from the selection bar; the page says so, and the album holds the three. On a
/// computer, a shift-click picks the tiles between two, and Escape stops picking.
#[tokio::test]
async fn a_member_picks_three_photos_on_a_phone_and_adds_them_to_an_album() {
    let hearth = HearthProcess::start(None, &[]).await;
    let Some(browser) = Browser::start(&hearth.base_url).await else {
        return;
    };
    browser
        .journey("photos-pick-three", async {
            let (admin, member) = a_family_joins(&browser).await?;
            upload_photos(&member).await?;
            let album = "Grandma's birthday";
            member.goto("/photos/albums").await?;
            member.fill("input[name=name]", album).await?;
            member.submit("Make the album").await?;

            member.goto("/photos/").await?;
            ensure!(member.execute("return document.getElementById('selection').hidden").await? == json!(true));
            let names = tile_names(&member).await?;
            touch(&member, ".day .tile:nth-child(1) .open", 0, 700).await?;
            member
                .wait_until(
                    "one picked after the tap and hold",
                    "return document.querySelector('[data-selection-count]').textContent === '1 picked' \
                     && !document.getElementById('selection').hidden || document.querySelector('[data-selection-count]').textContent",
                    SHOWN,
                )
                .await?;
            ensure!(member.path().await? == "/photos/", "the tap and hold opened the photo instead of picking it");
            tap(&member, ".day .tile:nth-child(2)").await?;
            tap(&member, ".day .tile:nth-child(3)").await?;
            assert_eq!(member.text_of("[data-selection-count]").await?, "3 picked");
            fits_the_phone(&member, "the timeline while picking").await?;
            member.screenshot("photos-picking-390").await?;
            member.submit("Add to album").await?;
            let notice = member.text_of(".toast").await?;
            ensure!(notice.starts_with(&format!("Added 3 items to {album}.")), "the page said: {notice}");
            member.click_text("Open the album").await?;
            member
                .wait_until("the album page", "return location.pathname.startsWith('/photos/albums/')", SHOWN)
                .await?;
            let summary = member.text_of("h1 + p").await?;
            ensure!(summary.ends_with("· 3 items"), "the album does not hold the three photos: {summary}");

            // On a computer: "Select", a click on the first, a shift-click on the third.
            admin.goto("/photos/").await?;
            admin.click("[data-select-start]").await?;
            admin.click(".day .tile:nth-child(1)").await?;
            let shift_click = "const label = document.querySelector('.day .tile:nth-child(3) .pick');
                label.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, shiftKey: true }));
                return document.querySelector('[data-selection-count]').textContent;";
            assert_eq!(admin.execute(shift_click).await?, json!("3 picked"), "a shift-click picks the tiles between");
            press(&admin, "Escape").await?;
            assert_eq!(admin.execute("return document.getElementById('selection').hidden").await?, json!(true));

            let in_album = member.execute("return [...document.querySelectorAll('.justified .tile .open')].map((a) => a.title)").await?;
            assert_eq!(in_album, json!(names[..3]), "the three picked, in the order of the timeline");
            Ok(())
        })
        .await;
}

/// On a phone, a member opens the newest photo, swipes to the next and back, and returns to
/// the timeline; on a 1366 px computer the admin steps with the arrow keys and Escape takes
/// her back to the timeline at the photo she was on. Both viewers are photographed.
#[tokio::test]
async fn the_viewer_steps_with_swipes_on_a_phone_and_keys_on_a_computer() {
    let hearth = HearthProcess::start(None, &[]).await;
    let Some(browser) = Browser::start(&hearth.base_url).await else {
        return;
    };
    browser
        .journey("photos-viewer", async {
            let (admin, member) = a_family_joins(&browser).await?;
            upload_photos(&member).await?;
            let names = tile_names(&member).await?;
            ensure!(names.len() == PHOTOS.len(), "the timeline shows {names:?}");

            member.click(".day .tile:nth-child(1) .open").await?;
            viewer_shows(&member, &names[0]).await?;
            ensure!(member.execute("return document.title").await? == json!("Photo · Hearth"));
            fits_the_phone(&member, "the viewer").await?;
            member.screenshot("photos-viewer-390").await?;
            touch(&member, "[data-frame]", -200, 150).await?;
            viewer_shows(&member, &names[1]).await?;
            touch(&member, "[data-frame]", 200, 150).await?;
            viewer_shows(&member, &names[0]).await?;
            touch(&member, "[data-frame]", 20, 150).await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            viewer_shows(&member, &names[0]).await?;
            let id = member.execute("return Number(document.querySelector('[data-viewer]').dataset.item)").await?;
            member.click("[data-back]").await?;
            let script = format!("return location.pathname === '/photos/' && location.hash === '#item-' + {id}");
            member.wait_until("the timeline at the photo", &script, SHOWN).await?;

            admin.resize(1366, 900).await?;
            admin.goto("/photos/").await?;
            admin.click(".day .tile:nth-child(2) .open").await?;
            viewer_shows(&admin, &names[1]).await?;
            let pages_before = admin.execute("return history.length").await?;
            press(&admin, "ArrowRight").await?;
            viewer_shows(&admin, &names[2]).await?;
            admin.screenshot("photos-viewer-1366").await?;
            press(&admin, "ArrowLeft").await?;
            viewer_shows(&admin, &names[1]).await?;
            press(&admin, "ArrowLeft").await?;
            viewer_shows(&admin, &names[0]).await?;
            let pages_after = admin.execute("return history.length").await?;
            ensure!(
                pages_before == pages_after,
                "each step left a page in the history: {pages_before} then {pages_after}"
            );
            press(&admin, "Escape").await?;
            admin
                .wait_until(
                    "back on the timeline",
                    "return location.pathname === '/photos/' && location.hash.startsWith('#item-')",
                    SHOWN,
                )
                .await?;
            Ok(())
        })
        .await;
}
