//! A family's first day on a fresh Hearth, through its HTTP API only: the first admin sets it
//! up and invites a member, who signs in with a password, uploads a JPEG and an iPhone's HEIC
//! and gets their thumbnails, shares the photo with a guest who has no account, files a bug
//! with a screenshot, and finds the games service answering.
//!
//! It runs against `HEARTH_E2E_URL` when set (`make e2e-docker`: every service in its own
//! container behind a front door; the deployment must be fresh) or else a fresh all-in-one
//! `hearth serve`. Locally a `hearth` built without libheif skips the HEIC step loudly (as
//! `make test` does for the other HEIC tests); a deployment must decode HEIC.

use std::io::Cursor;
use std::time::{Duration, Instant};

use hearth_e2e::{Target, first_admin_token, skip};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// A 64 × 48 red picture as an iPhone stores it, written by Debian's `heif-enc`.
const RED_HEIC: &[u8] = include_bytes!("../fixtures/red.heic");

/// What the photos service says of a HEIC when it was built without libheif.
const NO_HEIC_SUPPORT: &str = "built without HEIC support";

/// Someone of the family, signed in: every request carries their token.
struct Person {
    name: &'static str,
    base_url: String,
    token: String,
    http: reqwest::Client,
}

impl Person {
    fn get(&self, path: &str) -> RequestBuilder {
        self.http.get(format!("{}{path}", self.base_url)).bearer_auth(&self.token)
    }

    fn post(&self, path: &str) -> RequestBuilder {
        self.http.post(format!("{}{path}", self.base_url)).bearer_auth(&self.token)
    }

    /// Sends `request` and reads its JSON answer, which must come with `expected`.
    async fn json(&self, what: &str, request: RequestBuilder, expected: StatusCode) -> Value {
        let response = request.send().await.unwrap_or_else(|e| panic!("{}: {what}: {e}", self.name));
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(status, expected, "{}: {what} answered {status}: {body}", self.name);
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{}: {what} is not JSON ({e}): {body}", self.name))
    }

    /// The bytes behind `path`, which must answer 200 with a content type starting `content_type`.
    async fn download(&self, what: &str, request: RequestBuilder, content_type: &str) -> Vec<u8> {
        let response = request.send().await.unwrap_or_else(|e| panic!("{}: {what}: {e}", self.name));
        let status = response.status();
        let given = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let body = response.bytes().await.unwrap_or_else(|e| panic!("{}: {what}: body: {e}", self.name));
        assert_eq!(status, StatusCode::OK, "{}: {what}: {}", self.name, String::from_utf8_lossy(&body));
        assert!(given.starts_with(content_type), "{}: {what} came as {given:?}, not {content_type}", self.name);
        body.to_vec()
    }
}

/// Mum sets up the fresh Hearth: she is its first admin.
async fn first_admin(base_url: &str) -> Person {
    let http = reqwest::Client::new();
    let token = first_admin_token(&http, base_url).await;
    Person { name: "Mum", base_url: base_url.to_owned(), token, http }
}

/// The admin invites someone, who accepts the invite, then signs in with their password.
async fn invite(admin: &Person, username: &'static str, name: &'static str) -> Person {
    let invite = admin.json("an invite", admin.post("/api/invites").json(&json!({})), StatusCode::CREATED).await;
    assert!(invite["path"].as_str().is_some_and(|p| p.starts_with("/invite/")), "the invite has a link: {invite}");
    let password = format!("{username}'s own password");
    let accepted = admin
        .json(
            "accepting the invite",
            admin.http.post(format!("{}/api/invites/accept", admin.base_url)).json(&json!({
                "token": invite["token"], "username": username, "display_name": name, "password": password,
            })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(accepted["identity"]["role"], "member", "an invite makes a member: {accepted}");
    let login = admin
        .json(
            "signing in with a password",
            admin
                .http
                .post(format!("{}/api/auth/login", admin.base_url))
                .json(&json!({"username": username, "password": password})),
            StatusCode::OK,
        )
        .await;
    let token = login["token"].as_str().expect("the login gives a token").to_owned();
    assert_ne!(Some(token.as_str()), accepted["token"].as_str(), "the login is a session of its own");
    let member = Person { name, base_url: admin.base_url.clone(), token, http: admin.http.clone() };
    let me = member.json("who am I", member.get("/api/me"), StatusCode::OK).await;
    assert_eq!((me["username"].as_str(), me["role"].as_str()), (Some(username), Some("member")), "{me}");
    member
}

/// A 640 × 480 JPEG with something in it: a sky fading into a sea.
fn beach_jpeg() -> Vec<u8> {
    let (width, height) = (640u16, 480u16);
    let mut pixels = Vec::with_capacity(usize::from(width) * usize::from(height) * 3);
    for y in 0..height {
        for x in 0..width {
            let shade = u8::try_from(u32::from(y) * 255 / u32::from(height)).unwrap_or(u8::MAX);
            let wave = u8::try_from(u32::from(x) * 64 / u32::from(width)).unwrap_or(u8::MAX);
            pixels.extend([shade / 2, 120u8.saturating_add(wave), 255 - shade / 3]);
        }
    }
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 85)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .expect("the test's JPEG is encoded");
    jpeg
}

/// A PNG such as a phone's screenshot of an error: a grey page with a red banner.
fn screenshot_png() -> Vec<u8> {
    let picture =
        image::RgbImage::from_fn(
            390,
            240,
            |_, y| if y < 40 { image::Rgb([200, 30, 30]) } else { image::Rgb([240; 3]) },
        );
    let mut png = Cursor::new(Vec::new());
    picture.write_to(&mut png, image::ImageFormat::Png).expect("the test's PNG is encoded");
    png.into_inner()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Uploads a file to the family's photos (a share link shows only what the family sees) and
/// returns the new item.
async fn upload_photo(person: &Person, file_name: &str, bytes: Vec<u8>) -> Value {
    let sha256 = sha256_hex(&bytes);
    let query = [("file_name", file_name), ("visibility", "family")];
    let request = person.post("/photos/api/items").query(&query).body(bytes);
    let answer = person.json(&format!("uploading {file_name}"), request, StatusCode::CREATED).await;
    let item = answer["item"].clone();
    assert_eq!(item["sha256"], sha256.as_str(), "{file_name} is stored as sent: {item}");
    item
}

/// The item once its previews are made or given up on (polled for up to a minute).
async fn settled(person: &Person, item: &Value) -> Value {
    let path = format!("/photos/api/items/{}", item["id"]);
    let started = Instant::now();
    loop {
        let now = person.json("the item", person.get(&path), StatusCode::OK).await;
        if now["preview"] != "pending" {
            return now;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no preview a minute after the upload: {now}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A thumbnail as Hearth serves it: a JPEG that decodes, as `(width, height, RGB pixels)`.
fn decoded_thumbnail(what: &str, jpeg: &[u8]) -> (u16, u16, Vec<u8>) {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(jpeg));
    let pixels = decoder.decode().unwrap_or_else(|e| panic!("the thumbnail of {what} is not a JPEG that decodes: {e}"));
    let info = decoder.info().expect("a decoded JPEG has its size");
    assert!(info.width > 0 && info.height > 0, "the thumbnail of {what} is empty");
    assert!(info.width <= 640 && info.height <= 640, "the thumbnail of {what} is {}×{}", info.width, info.height);
    (info.width, info.height, pixels)
}

/// The mean red, green and blue of RGB pixels.
fn mean_colour(pixels: &[u8]) -> [u64; 3] {
    let count = (pixels.len() / 3).max(1) as u64;
    let mut sums = [0u64; 3];
    for pixel in pixels.chunks_exact(3) {
        for (sum, channel) in sums.iter_mut().zip(pixel) {
            *sum += u64::from(*channel);
        }
    }
    sums.map(|sum| sum / count)
}

/// The member's photo gets a thumbnail once the worker has made it.
async fn thumbnail_of_the_photo(member: &Person, photo: &Value) {
    let photo = settled(member, photo).await;
    assert_eq!(photo["preview"], "ready", "the JPEG has its previews: {photo}");
    assert_eq!((photo["width"].as_i64(), photo["height"].as_i64()), (Some(640), Some(480)), "{photo}");
    let url = photo["thumbnail_url"].as_str().expect("a thumbnail URL");
    let jpeg = member.download("the photo's thumbnail", member.get(url), "image/jpeg").await;
    let (width, height, _) = decoded_thumbnail("the photo", &jpeg);
    assert!(width > height, "the thumbnail keeps the photo's landscape shape: {width}×{height}");
}

/// The member's HEIC gets a thumbnail too: the photos service decodes HEIC (libheif).
async fn thumbnail_of_the_heic(target: &Target, member: &Person) {
    let heic = upload_photo(member, "IMG_0001.HEIC", RED_HEIC.to_vec()).await;
    let heic = settled(member, &heic).await;
    let why = heic["preview_error"].as_str().unwrap_or_default();
    if heic["preview"] == "none" && why.contains(NO_HEIC_SUPPORT) && matches!(target, Target::Local(_)) {
        skip("the HEIC thumbnail: this hearth was built without libheif (install pkg-config and libheif-dev)");
        return;
    }
    assert_eq!(heic["preview"], "ready", "the HEIC has its previews: {heic}");
    assert_eq!((heic["width"].as_i64(), heic["height"].as_i64()), (Some(64), Some(48)), "{heic}");
    let url = heic["thumbnail_url"].as_str().expect("a thumbnail URL");
    let jpeg = member.download("the HEIC's thumbnail", member.get(url), "image/jpeg").await;
    let (_, _, pixels) = decoded_thumbnail("the HEIC", &jpeg);
    let [red, green, blue] = mean_colour(&pixels);
    assert!(
        red > 180 && green < 80 && blue < 80,
        "the red HEIC's thumbnail is not red: mean RGB {red}, {green}, {blue}"
    );
}

/// The member shares the photo; a guest with no account opens the link and gets the picture.
async fn guest_opens_a_share_link(member: &Person, photo: &Value, original: &[u8]) {
    let share = member
        .json(
            "a share link",
            member.post("/photos/api/shares").json(&json!({"item_id": photo["id"]})),
            StatusCode::CREATED,
        )
        .await;
    let link = share["path"].as_str().expect("the link's path");
    let guest = Person {
        name: "a guest without an account",
        base_url: member.base_url.clone(),
        token: String::new(),
        http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
    };
    let url = |path: &str| format!("{}{path}", guest.base_url);
    let page = guest.download("the share link's page", guest.http.get(url(link)), "text/html").await;
    let item_path = format!("{link}/items/{}", photo["id"]);
    assert!(String::from_utf8_lossy(&page).contains(&item_path), "the guest page shows the shared photo ({item_path})");
    let picture =
        guest.download("the shared photo", guest.http.get(url(&format!("{item_path}/download"))), "image/jpeg").await;
    assert_eq!(sha256_hex(&picture), sha256_hex(original), "the guest gets the photo as it was uploaded");
    let thumbnail = guest
        .download("the shared thumbnail", guest.http.get(url(&format!("{item_path}/thumbnail"))), "image/jpeg")
        .await;
    decoded_thumbnail("the shared photo", &thumbnail);
    let private = guest.http.get(url(photo["original_url"].as_str().expect("original URL"))).send().await.expect("GET");
    assert_ne!(private.status(), StatusCode::OK, "outside the link the photo stays the family's");
}

/// The member files a bug in the Home project with a screenshot, and reads both back.
async fn bug_with_a_screenshot(member: &Person) {
    let issue = member
        .json(
            "filing a bug",
            member.post("/bugs/api/projects/HOME/issues").json(&json!({
                "title": "The printer says paper jam", "description": "There is no paper in it. See the screenshot.",
            })),
            StatusCode::CREATED,
        )
        .await;
    let issue_path = format!("/bugs/api/projects/HOME/issues/{}", issue["number"]);
    let screenshot = screenshot_png();
    let attached = member
        .json(
            "attaching the screenshot",
            member
                .post(&format!("{issue_path}/attachments"))
                .query(&[("file_name", "printer.png")])
                .body(screenshot.clone()),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(attached["content_type"], "image/png", "{attached}");
    let detail = member.json("the bug", member.get(&issue_path), StatusCode::OK).await;
    assert_eq!(detail["issue"]["title"], "The printer says paper jam", "{detail}");
    assert_eq!(detail["issue"]["reporter"], member.name, "{detail}");
    let attachments = detail["attachments"].as_array().expect("attachments");
    assert_eq!(attachments.len(), 1, "the bug has its screenshot: {detail}");
    assert_eq!(attachments[0]["file_name"], "printer.png");
    let url = attachments[0]["url"].as_str().expect("the attachment's URL");
    let stored = member.download("the screenshot", member.get(url), "image/png").await;
    assert_eq!(stored, screenshot, "the screenshot comes back as attached");
}

/// The games service answers: its templates, and no server yet.
async fn games_answer(member: &Person) {
    let templates = member.json("the game templates", member.get("/games/api/templates"), StatusCode::OK).await;
    let games: Vec<&str> = templates.as_array().expect("a list").iter().filter_map(|t| t["game"].as_str()).collect();
    assert!(games.contains(&"minetest"), "the templates offer Minetest: {games:?}");
    let servers = member.json("my game servers", member.get("/games/api/servers"), StatusCode::OK).await;
    assert_eq!(servers, json!([]), "a new member has no game server");
}

#[tokio::test]
async fn a_family_moves_into_a_fresh_hearth() {
    let target = Target::from_env(&[]).await;
    let mum = first_admin(target.base_url()).await;
    let joe = invite(&mum, "joe", "Joe").await;

    let beach = beach_jpeg();
    let photo = upload_photo(&joe, "beach.jpg", beach.clone()).await;
    thumbnail_of_the_photo(&joe, &photo).await;
    thumbnail_of_the_heic(&target, &joe).await;
    guest_opens_a_share_link(&joe, &photo, &beach).await;

    bug_with_a_screenshot(&joe).await;
    games_answer(&joe).await;
}
