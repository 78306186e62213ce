//! Journeys through the real pages in headless Chromium, one person per browser session.
//!
//! Skipped loudly without `chromium` and `chromedriver` (a failure when `HEARTH_REQUIRE_ALL=1`).
//! A failed journey leaves screenshots in `target/browser-failures/`.

use std::io::Read as _;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, ensure};
use hearth_e2e::HearthProcess;
use hearth_e2e::browser::{Browser, Session, a_family_joins};
use serde_json::json;
use sha2::{Digest as _, Sha256};

/// The photos the member drops on the timeline: file names and the colour each is filled with
/// (different colours, so three different files rather than duplicates).
const PHOTOS: [(&str, &str); 3] = [("beach.jpg", "#e8590c"), ("garden.jpg", "#2f9e44"), ("sea.jpg", "#1971c2")];

/// How long the background worker may take to make the thumbnails of the dropped photos.
const THUMBNAILS_MADE: Duration = Duration::from_secs(20);

/// How long a page may take to show what is already there.
const SHOWN: Duration = Duration::from_secs(10);

/// How long the album's zip may take to arrive.
const DOWNLOADED: Duration = Duration::from_secs(20);

/// Fails when the current page is wider than the 390 px phone (it would scroll sideways).
async fn fits_the_phone(phone: &Session, page: &str) -> anyhow::Result<()> {
    let page_width = phone.execute("return document.documentElement.scrollWidth").await?;
    ensure!(
        page_width.as_u64().is_some_and(|width| width <= 390),
        "{page} is {page_width} px wide on a 390 px phone: it scrolls sideways"
    );
    Ok(())
}

/// Makes the [`PHOTOS`] as JPEG files in the page (canvas, `toBlob`) and drops them on
/// `#dropzone` as a person dragging files from their computer would, so the page's own drop
/// handler uploads them. Returns how many files were dropped.
async fn drop_photos(session: &Session) -> anyhow::Result<u64> {
    let script = format!(
        "const photos = {photos};
        const dropzone = document.getElementById('dropzone');
        const jpegs = photos.map(([name, colour]) => new Promise((resolve, reject) => {{
          const canvas = document.createElement('canvas');
          canvas.width = 800;
          canvas.height = 600;
          const pen = canvas.getContext('2d');
          pen.fillStyle = colour;
          pen.fillRect(0, 0, canvas.width, canvas.height);
          canvas.toBlob((blob) => blob ? resolve(new File([blob], name, {{ type: 'image/jpeg' }}))
            : reject(new Error('no JPEG from the canvas')), 'image/jpeg', 0.9);
        }}));
        return Promise.all(jpegs).then((files) => {{
          const dataTransfer = new DataTransfer();
          files.forEach((file) => dataTransfer.items.add(file));
          for (const type of ['dragenter', 'dragover', 'drop']) {{
            dropzone.dispatchEvent(new DragEvent(type, {{ bubbles: true, cancelable: true, dataTransfer }}));
          }}
          return dataTransfer.files.length;
        }});",
        photos = json!(PHOTOS),
    );
    let dropped = session.execute(&script).await?;
    dropped.as_u64().ok_or_else(|| anyhow::anyhow!("dropping the photos returned {dropped}"))
}

/// Waits until exactly three tiles match `tiles` and each shows a thumbnail that has loaded
/// (a picture at least one pixel wide, not a broken image).
async fn three_thumbnails(session: &Session, tiles: &str, within: Duration) -> anyhow::Result<()> {
    let script = format!(
        "const tiles = [...document.querySelectorAll({tiles})];
        const images = tiles.map((tile) => tile.querySelector('img'));
        if (tiles.length === 3 && images.every((image) => image && image.complete && image.naturalWidth > 0)) {{
          return true;
        }}
        return tiles.map((tile, i) => !images[i] ? `no image (preview: ${{tile.dataset.preview || 'not ready'}})`
          : !images[i].complete ? 'loading' : `image ${{images[i].naturalWidth}} px wide`);",
        tiles = json!(tiles),
    );
    session.wait_until(&format!("three thumbnails in {tiles}"), &script, within).await
}

/// The album's items as the API lists them to `session`: `(file name, SHA-256)`, sorted.
async fn album_originals(session: &Session, album_page: &str) -> anyhow::Result<Vec<(String, String)>> {
    let api = album_page.replacen("/photos/", "/photos/api/", 1);
    let script = format!(
        "return fetch({api}, {{ headers: {{ Accept: 'application/json' }} }})
          .then((answer) => answer.json())
          .then((album) => album.items.map((item) => [item.file_name, item.sha256]));",
        api = json!(api),
    );
    let mut items: Vec<(String, String)> = serde_json::from_value(session.execute(&script).await?)?;
    items.sort();
    Ok(items)
}

/// Opens the zip a browser saved and reads every entry whole (its CRC is checked as it is
/// read): the entries' names and SHA-256s must be `expected`'s, no more, no fewer.
fn the_zip_holds(zip: &Path, expected: &[(String, String)]) -> anyhow::Result<()> {
    let file = std::fs::File::open(zip).with_context(|| format!("open {}", zip.display()))?;
    let mut archive = zip::ZipArchive::new(file).with_context(|| format!("{} is not a whole zip", zip.display()))?;
    let mut found = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index)?;
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).with_context(|| format!("entry {index} of {} is damaged", zip.display()))?;
        found.push((entry.name()?.into_owned(), format!("{:x}", Sha256::digest(&bytes))));
    }
    found.sort();
    ensure!(found == expected, "{} holds {found:?}, not the album's {expected:?}", zip.display());
    Ok(())
}

/// The admin sets up a fresh Hearth on a computer and invites a member, who joins on a phone.
#[tokio::test]
async fn the_admin_sets_up_hearth_and_a_member_joins_on_a_phone() {
    let hearth = HearthProcess::start(None, &[]).await;
    let Some(browser) = Browser::start(&hearth.base_url).await else {
        return;
    };
    browser
        .journey("first-family", async {
            let (_admin, member) = a_family_joins(&browser).await?;
            assert_eq!(member.texts_of(".services .service h2").await?, ["Photos", "Bugs", "Games"]);
            fits_the_phone(&member, "the home page").await
        })
        .await;
}

/// A member uploads three photos by drag-and-drop on a phone, sees their thumbnails in the
/// timeline, makes an album of them, downloads it as a zip and shares it with a link, which
/// a logged-out browser opens to see the photos and download them too. Each zip must arrive
/// whole: every entry read back and the same bytes as the originals.
#[tokio::test]
async fn a_member_drops_photos_on_a_phone_and_shares_an_album_with_a_link() {
    let hearth = HearthProcess::start(None, &[]).await;
    let Some(browser) = Browser::start(&hearth.base_url).await else {
        return;
    };
    browser
        .journey("shared-album", async {
            let (_admin, member) = a_family_joins(&browser).await?;

            member.goto("/photos/").await?;
            member.wait_for("#dropzone").await?;
            ensure!(drop_photos(&member).await? == 3, "three photos were not dropped");
            member
                .wait_until(
                    "the timeline after the upload",
                    "const uploaded = new URLSearchParams(location.search).get('uploaded');
                    if (location.pathname === '/photos/' && uploaded === '3' && document.readyState === 'complete') {
                      return true;
                    }
                    const rows = [...document.querySelectorAll('#upload-list li')];
                    return { address: location.href, uploads: rows.map((row) => row.innerText) };",
                    SHOWN,
                )
                .await?;
            assert_eq!(member.text_of(".notice").await?, "Uploaded 3 files.");
            fits_the_phone(&member, "the timeline").await?;
            three_thumbnails(&member, ".day .tile", THUMBNAILS_MADE).await?;

            let album = "Summer at the sea";
            member.goto("/photos/albums").await?;
            member.fill("input[name=name]", album).await?;
            member.submit("Make the album").await?;
            ensure!(member.path().await?.starts_with("/photos/albums/"), "the new album did not open");
            assert_eq!(member.text_of("h1").await?, album);
            for (name, _) in PHOTOS {
                member.click(&format!("label.pickable[title='{name}'] input[type=checkbox]")).await?;
            }
            member.submit("Add the ticked ones").await?;
            let summary = member.text_of("h1 + p").await?;
            ensure!(summary.ends_with("· 3 items"), "the album does not hold the three photos: {summary}");
            three_thumbnails(&member, ".justified .tile", SHOWN).await?;
            fits_the_phone(&member, "the album page").await?;
            let originals = album_originals(&member, &member.path().await?).await?;
            ensure!(originals.len() == 3, "the album API lists {originals:?}");
            let zip = member.download("Download all (zip)", DOWNLOADED).await?;
            ensure!(zip.ends_with(format!("{album}.zip")), "the album downloaded as {}", zip.display());
            the_zip_holds(&zip, &originals)?;

            member.submit("Make a link").await?;
            let share_url = member.value_of("#share-url").await?;
            let expected = format!("{}/photos/s/", hearth.base_url);
            ensure!(share_url.starts_with(&expected), "not a share link of this Hearth: {share_url}");

            let guest = browser.desktop("guest").await?;
            guest.goto(&share_url).await?;
            ensure!(guest.path().await?.starts_with("/photos/s/"), "the link did not open the shared album");
            assert_eq!(guest.text_of("h1").await?, album);
            three_thumbnails(&guest, ".tile", SHOWN).await?;
            let zip = guest.download("Download everything (zip)", DOWNLOADED).await?;
            the_zip_holds(&zip, &originals)
        })
        .await;
}
