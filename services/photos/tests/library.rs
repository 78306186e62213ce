//! The photos service through HTTP, in-process with the real portal, on SQLite and
//! PostgreSQL: uploads (streamed, deduplicated, limited), the timeline, who sees what, the
//! trash, and how stored files are served.

use std::sync::{Arc, OnceLock};

use hearth_photos::config::PhotosConfig;
use hearth_portal::testing::{Family, Person};
use hearth_shared::both_backends;
use hearth_shared::db::Backend;
use hearth_shared::testing::TestDatabase;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A family with the photos service, and a handle on its state for what only time does.
struct Photos {
    family: Family,
    state: Arc<OnceLock<hearth_photos::AppState>>,
}

impl Photos {
    async fn start(backend: Backend, max_upload: u64) -> Option<Self> {
        let db = TestDatabase::create(backend).await?;
        let state = Arc::new(OnceLock::new());
        let keep = Arc::clone(&state);
        let family = Family::start(db, move |config, auth| async move {
            let mut photos = PhotosConfig::from_lookup(&config, |_| None).expect("photos config");
            photos.max_upload_bytes = max_upload;
            photos.decoder.program = env!("CARGO_BIN_EXE_hearth-photos").into();
            let app = hearth_photos::AppState::new(config, photos, auth).await.expect("photos state");
            let _ = keep.set(app.clone());
            hearth_photos::router(app)
        })
        .await;
        Some(Self { family, state })
    }

    fn storage(&self) -> std::path::PathBuf {
        self.family.config.data_dir.join("photos")
    }
}

/// Uploads `bytes` as `name` through the streaming API.
async fn upload(person: &Person, name: &str, visibility: &str, bytes: Vec<u8>) -> reqwest::Response {
    person
        .request(Method::POST, "/photos/api/items")
        .query(&[("file_name", name), ("visibility", visibility)])
        .body(bytes)
        .send()
        .await
        .expect("upload")
}

async fn json(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

/// A few bytes that sniff as a JPEG (enough for storage and serving; no preview).
fn jpeg_bytes(seed: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend(std::iter::repeat_n(seed, 64));
    bytes
}

/// An album of `person`'s made through the API from `fields` (name, visibility) with `items`.
async fn album_with(person: &Person, fields: Value, items: &[&Value]) -> Value {
    let album =
        json(person.request(Method::POST, "/photos/api/albums").json(&fields).send().await.expect("POST")).await;
    person
        .request(Method::POST, &format!("/photos/api/albums/{}/items", album["id"]))
        .json(&serde_json::json!({ "item_ids": items }))
        .send()
        .await
        .expect("POST");
    album
}

fn files_under(folder: &std::path::Path) -> usize {
    std::fs::read_dir(folder)
        .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}

async fn the_same_bytes_are_stored_once(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else {
        return;
    };
    let (mum, kid) = (&photos.family.admin, &photos.family.member);
    let first = upload(mum, "IMG_0001.JPG", "family", jpeg_bytes(1)).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first = json(first).await;
    assert_eq!(first["duplicate"], false);
    assert_eq!(first["item"]["kind"], "photo");
    assert_eq!(first["item"]["content_type"], "image/jpeg");
    let again = upload(mum, "copy of IMG_0001.JPG", "family", jpeg_bytes(1)).await;
    assert_eq!(again.status(), StatusCode::OK);
    let again = json(again).await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["item"]["id"], first["item"]["id"]);
    let kids = json(upload(kid, "same.jpg", "private", jpeg_bytes(1)).await).await;
    assert_ne!(kids["item"]["id"], first["item"]["id"], "each person has their own item");
    assert_eq!(files_under(&photos.storage().join("blobs")), 1, "one blob for the same bytes");
}

async fn uploads_over_the_limit_are_refused_and_leave_nothing(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1000).await else {
        return;
    };
    let mum = &photos.family.admin;
    let declared = upload(mum, "big.jpg", "family", vec![7; 5000]).await;
    assert_eq!(declared.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(json(declared).await["detail"].as_str().expect("detail").contains("limit"));
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..10).map(|_| Ok(vec![9; 500])).collect();
    let streamed = mum
        .request(Method::POST, "/photos/api/items")
        .query(&[("file_name", "big.jpg")])
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await
        .expect("upload");
    assert_eq!(streamed.status(), StatusCode::PAYLOAD_TOO_LARGE, "a body without a length is cut off at the limit");
    assert_eq!(files_under(&photos.storage().join("blobs")), 0);
    assert_eq!(files_under(&photos.storage().join("tmp")), 0);
    let list = json(mum.get("/photos/api/items").send().await.expect("list")).await;
    assert_eq!(list["items"].as_array().expect("items").len(), 0);
}

async fn the_timeline_shows_family_items_and_your_own(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else {
        return;
    };
    let (mum, kid) = (&photos.family.admin, &photos.family.member);
    for seed in 1..=3 {
        upload(mum, &format!("family-{seed}.jpg"), "family", jpeg_bytes(seed)).await;
    }
    upload(mum, "secret.jpg", "private", jpeg_bytes(9)).await;
    let mine = json(mum.get("/photos/api/items").send().await.expect("list")).await;
    assert_eq!(mine["items"].as_array().expect("items").len(), 4);
    let theirs = json(kid.get("/photos/api/items").send().await.expect("list")).await;
    let names: Vec<&str> =
        theirs["items"].as_array().expect("items").iter().filter_map(|i| i["file_name"].as_str()).collect();
    assert_eq!(names, ["family-3.jpg", "family-2.jpg", "family-1.jpg"], "newest first, no private item");

    let first = json(mum.get("/photos/api/items?limit=3").send().await.expect("page")).await;
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = json(mum.get(&format!("/photos/api/items?limit=3&cursor={cursor}")).send().await.expect("page")).await;
    assert_eq!(second["items"].as_array().expect("items").len(), 1);
    assert!(second["next_cursor"].is_null());
    let bad = mum.get("/photos/api/items?cursor=not-ours").send().await.expect("page");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let page = kid.browser.get("/photos/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("family-1.jpg") && !html.contains("secret.jpg"));
}

async fn someone_elses_private_item_is_not_found(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else {
        return;
    };
    let (mum, kid) = (&photos.family.admin, &photos.family.member);
    let secret = json(upload(mum, "secret.jpg", "private", jpeg_bytes(1)).await).await["item"]["id"].clone();
    for path in [
        format!("/photos/api/items/{secret}"),
        format!("/photos/items/{secret}/original"),
        format!("/photos/items/{secret}"),
    ] {
        assert_eq!(kid.get(&path).send().await.expect("GET").status(), StatusCode::NOT_FOUND, "{path}");
    }
    let page = kid.browser.get(&format!("/photos/items/{secret}")).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let page = page.text().await.expect("page");
    assert!(page.contains("Log out") && page.contains(&kid.identity.display_name), "the error page keeps the top bar");
    let shared = json(upload(mum, "shared.jpg", "family", jpeg_bytes(2)).await).await["item"]["id"].clone();
    let delete = kid.request(Method::DELETE, &format!("/photos/api/items/{shared}")).send().await.expect("DELETE");
    assert_eq!(delete.status(), StatusCode::FORBIDDEN);
    let private = kid
        .request(Method::PATCH, &format!("/photos/api/items/{shared}"))
        .json(&serde_json::json!({"visibility": "private"}))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(private.status(), StatusCode::FORBIDDEN);
    let kids = json(upload(kid, "kid.jpg", "family", jpeg_bytes(3)).await).await["item"]["id"].clone();
    let by_admin = mum.request(Method::DELETE, &format!("/photos/api/items/{kids}")).send().await.expect("DELETE");
    assert_eq!(by_admin.status(), StatusCode::NO_CONTENT, "an admin may delete a family item");
}

async fn the_trash_keeps_items_until_restored_or_purged(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else {
        return;
    };
    let mum = &photos.family.admin;
    let id = json(upload(mum, "oops.jpg", "family", jpeg_bytes(1)).await).await["item"]["id"].clone();
    let trashed = mum.request(Method::DELETE, &format!("/photos/api/items/{id}")).send().await.expect("DELETE");
    assert_eq!(trashed.status(), StatusCode::NO_CONTENT);
    let list = json(mum.get("/photos/api/items").send().await.expect("list")).await;
    assert!(list["items"].as_array().expect("items").is_empty());
    let trash = json(mum.get("/photos/api/trash").send().await.expect("trash")).await;
    assert_eq!(trash["items"][0]["file_name"], "oops.jpg");
    let restored = mum.request(Method::POST, &format!("/photos/api/items/{id}/restore")).send().await.expect("restore");
    assert_eq!(json(restored).await["deleted_at"], Value::Null);

    mum.request(Method::DELETE, &format!("/photos/api/items/{id}")).send().await.expect("DELETE");
    let purged = mum.request(Method::DELETE, &format!("/photos/api/trash/{id}")).send().await.expect("purge");
    assert_eq!(purged.status(), StatusCode::NO_CONTENT);
    assert_eq!(files_under(&photos.storage().join("blobs")), 0, "no item uses the blob any more");

    let old = json(upload(mum, "old.jpg", "family", jpeg_bytes(2)).await).await["item"]["id"].clone();
    mum.request(Method::DELETE, &format!("/photos/api/items/{old}")).send().await.expect("DELETE");
    let library = &photos.state.get().expect("state").library;
    assert_eq!(library.purge_expired().await.expect("sweep"), 0, "30 days have not passed");
    let mut config = PhotosConfig::from_lookup(&photos.family.config, |_| None).expect("config");
    config.trash_days = -1;
    let state = photos.state.get().expect("state");
    let impatient = hearth_photos::library::Library::new(
        state.service.db.clone(),
        Arc::new(hearth_photos::storage::FsBlobStore::open(&photos.storage()).expect("store")),
        state.library.preview_queue(),
        Arc::new(config),
    );
    assert_eq!(impatient.purge_expired().await.expect("sweep"), 1);
    assert_eq!(files_under(&photos.storage().join("blobs")), 0);
}

async fn stored_files_are_served_safely(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else {
        return;
    };
    let mum = &photos.family.admin;
    let page = json(upload(mum, "../../evil\u{0}.html", "family", b"<script>alert(1)</script>".to_vec()).await).await;
    assert_eq!(page["item"]["file_name"], "evil.html");
    assert_eq!(page["item"]["kind"], "other");
    let original = mum.get(page["item"]["original_url"].as_str().expect("url")).send().await.expect("GET");
    let headers = original.headers();
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert!(headers["content-disposition"].to_str().expect("ascii").starts_with("attachment"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"].to_str().expect("ascii").starts_with("sandbox"));

    let photo = json(upload(mum, "photo.jpg", "family", jpeg_bytes(5)).await).await;
    let url = photo["item"]["original_url"].as_str().expect("url");
    let whole = mum.get(url).send().await.expect("GET");
    assert_eq!(whole.headers()["content-type"], "image/jpeg");
    assert!(whole.headers()["content-disposition"].to_str().expect("ascii").starts_with("inline"));
    let part = mum.get(url).header("range", "bytes=0-3").send().await.expect("GET");
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes().await.expect("body").as_ref(), &[0xFF, 0xD8, 0xFF, 0xE0]);
}

async fn the_plain_upload_form_works_without_script(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else {
        return;
    };
    let kid = &photos.family.member;
    kid.browser.get("/photos/").await;
    let csrf = kid.browser.cookie("hearth_csrf").expect("csrf cookie");
    let form = reqwest::multipart::Form::new()
        .text("visibility", "private")
        .part("files", reqwest::multipart::Part::bytes(jpeg_bytes(1)).file_name("one.jpg"))
        .part("files", reqwest::multipart::Part::bytes(b"notes".to_vec()).file_name("notes.txt"));
    let response = kid
        .browser
        .http
        .post(kid.browser.url(&format!("/photos/upload?csrf_token={csrf}")))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.headers()["location"], "/photos/?uploaded=2&duplicates=0&kept_private=0");
    let list = json(kid.get("/photos/api/items").send().await.expect("list")).await;
    let kinds: Vec<&str> = list["items"].as_array().expect("items").iter().filter_map(|i| i["kind"].as_str()).collect();
    assert_eq!(kinds, ["document", "photo"]);
    let forged = kid
        .browser
        .http
        .post(kid.browser.url("/photos/upload"))
        .multipart(reqwest::multipart::Form::new())
        .send()
        .await
        .expect("POST");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "no CSRF token, no upload");
}

async fn albums_are_ordered_and_only_their_maker_changes_them(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else {
        return;
    };
    let (mum, kid) = (&photos.family.admin, &photos.family.member);
    let mut ids = Vec::new();
    for seed in 1..=3 {
        ids.push(
            json(upload(mum, &format!("beach-{seed}.jpg"), "family", jpeg_bytes(seed)).await).await["item"]["id"]
                .clone(),
        );
    }
    let secret = json(upload(mum, "secret.jpg", "private", jpeg_bytes(9)).await).await["item"]["id"].clone();
    let created = mum
        .request(Method::POST, "/photos/api/albums")
        .json(&serde_json::json!({"name": "  Summer  ", "visibility": "family"}))
        .send()
        .await
        .expect("POST");
    assert_eq!(created.status(), StatusCode::CREATED);
    let album = json(created).await;
    assert_eq!(album["name"], "Summer");
    let path = format!("/photos/api/albums/{}", album["id"]);
    let added = mum
        .request(Method::POST, &format!("{path}/items"))
        .json(&serde_json::json!({"item_ids": [ids[0], ids[1], ids[2], secret]}))
        .send()
        .await
        .expect("POST");
    assert_eq!(json(added).await["item_count"], 4);
    let reorder = mum
        .request(Method::PUT, &format!("{path}/order"))
        .json(&serde_json::json!({"item_ids": [ids[2]]}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(reorder.status(), StatusCode::NO_CONTENT);
    let seen_by_kid = json(kid.get(&path).send().await.expect("GET")).await;
    let names: Vec<&str> =
        seen_by_kid["items"].as_array().expect("items").iter().filter_map(|i| i["file_name"].as_str()).collect();
    assert_eq!(names, ["beach-3.jpg", "beach-1.jpg", "beach-2.jpg"], "in order, without mum's private photo");
    let rename =
        kid.request(Method::PATCH, &path).json(&serde_json::json!({"name": "Mine"})).send().await.expect("PATCH");
    assert_eq!(rename.status(), StatusCode::FORBIDDEN);
    let empty_name =
        mum.request(Method::PATCH, &path).json(&serde_json::json!({"name": " "})).send().await.expect("PATCH");
    assert_eq!(empty_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let private = mum
        .request(Method::PATCH, &path)
        .json(&serde_json::json!({"visibility": "private"}))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(json(private).await["visibility"], "private");
    assert_eq!(kid.get(&path).send().await.expect("GET").status(), StatusCode::NOT_FOUND);
    let kids_item = json(upload(kid, "kid.jpg", "private", jpeg_bytes(7)).await).await["item"]["id"].clone();
    let not_visible = mum
        .request(Method::POST, &format!("{path}/items"))
        .json(&serde_json::json!({"item_ids": [kids_item]}))
        .send()
        .await
        .expect("POST");
    assert_eq!(not_visible.status(), StatusCode::NOT_FOUND, "an item you cannot see cannot go in your album");
    assert_eq!(mum.browser.get(&format!("/photos/albums/{}", album["id"])).await.status(), StatusCode::OK);
}

async fn a_share_link_shows_the_album_to_a_guest_until_it_is_withdrawn(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else {
        return;
    };
    let (mum, kid) = (&photos.family.admin, &photos.family.member);
    let item = json(upload(mum, "beach.jpg", "family", jpeg_bytes(1)).await).await["item"]["id"].clone();
    let album = album_with(mum, serde_json::json!({"name": "Beach"}), &[&item]).await;
    let not_owner = kid
        .request(Method::POST, "/photos/api/shares")
        .json(&serde_json::json!({"album_id": album["id"]}))
        .send()
        .await
        .expect("POST");
    assert_eq!(not_owner.status(), StatusCode::NOT_FOUND, "a private album is not even visible to others");
    let bad_days = mum
        .request(Method::POST, "/photos/api/shares")
        .json(&serde_json::json!({"album_id": album["id"], "expires_in_days": 9999}))
        .send()
        .await
        .expect("POST");
    assert_eq!(bad_days.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let share = json(
        mum.request(Method::POST, "/photos/api/shares")
            .json(&serde_json::json!({"album_id": album["id"], "expires_in_days": 7}))
            .send()
            .await
            .expect("POST"),
    )
    .await;
    let guest = photos.family.server.client();
    let link = share["path"].as_str().expect("path");
    assert!(share["token"].as_str().expect("token").len() >= 43, "at least 256 bits");
    let page = guest.get(link).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("Beach") && html.contains("beach.jpg"), "{html}");
    assert!(!html.contains("Log out"), "a guest is not logged in");
    let other = guest.get(&format!("{link}/items/999999/thumbnail")).await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND, "only the shared items");
    let own_items = guest.get(&format!("/photos/items/{item}/original")).await;
    assert_eq!(own_items.headers()["location"], format!("/login?next=%2Fphotos%2Fitems%2F{item}%2Foriginal"));

    let revoke = mum
        .request(Method::DELETE, &format!("/photos/api/shares/{}", share["info"]["id"].as_str().expect("id")))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    let withdrawn = guest.get(link).await;
    assert_eq!(withdrawn.status(), StatusCode::NOT_FOUND);
    assert!(withdrawn.text().await.expect("html").contains("withdrawn"));
    assert_eq!(guest.get("/photos/s/made-up-token").await.status(), StatusCode::NOT_FOUND);
}

async fn protected_and_expired_links_say_what_to_do(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else {
        return;
    };
    let mum = &photos.family.admin;
    let item =
        json(upload(mum, "letter.txt", "family", b"the insurance letter".to_vec()).await).await["item"]["id"].clone();
    let share = json(
        mum.request(Method::POST, "/photos/api/shares")
            .json(&serde_json::json!({"item_id": item, "password": "open sesame"}))
            .send()
            .await
            .expect("POST"),
    )
    .await;
    let link = share["path"].as_str().expect("path");
    let guest = photos.family.server.client();
    let locked = guest.get(link).await;
    assert!(locked.text().await.expect("html").contains("This link has a password"));
    let wrong = guest.post_form(link, &[("password", "guess")]).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.expect("html").contains("not right"));
    let right = guest.post_form(link, &[("password", "open sesame")]).await;
    assert_eq!(right.headers()["location"], link);
    assert!(guest.get(link).await.text().await.expect("html").contains("letter.txt"));
    assert!(
        !photos.family.server.client().get(link).await.text().await.expect("html").contains("letter.txt"),
        "another guest still needs the password"
    );

    let expiring = json(
        mum.request(Method::POST, "/photos/api/shares")
            .json(&serde_json::json!({"item_id": item, "expires_in_days": 1}))
            .send()
            .await
            .expect("POST"),
    )
    .await;
    let db = &photos.state.get().expect("state").service.db;
    sqlx::query("UPDATE shares SET expires_at = 1 WHERE id = $1")
        .bind(expiring["info"]["id"].as_str().expect("id"))
        .execute(db.pool())
        .await
        .expect("expire");
    let expired = guest.get(expiring["path"].as_str().expect("path")).await;
    assert_eq!(expired.status(), StatusCode::GONE);
    assert!(expired.text().await.expect("html").contains("expired"));
}

async fn search_finds_the_same_things_on_every_backend(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else {
        return;
    };
    let (mum, kid) = (&photos.family.admin, &photos.family.member);
    upload(mum, "Été à la PLAGE.jpg", "family", jpeg_bytes(1)).await;
    upload(mum, "scan.txt", "family", b"Your INSURANCE policy renewal, 50% off".to_vec()).await;
    upload(mum, "private note.txt", "private", b"insurance secrets".to_vec()).await;
    let beach = json(upload(mum, "dog.jpg", "family", jpeg_bytes(2)).await).await["item"]["id"].clone();
    album_with(mum, serde_json::json!({"name": "Summer Trip", "visibility": "family"}), &[&beach]).await;
    let names = |answer: Value| -> Vec<String> {
        answer["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["file_name"].as_str().map(str::to_owned))
            .collect()
    };
    let search = |person: &Person, query: &str| person.get(&format!("/photos/api/search?{query}")).send();
    assert_eq!(
        names(json(search(kid, "q=%C3%A9t%C3%A9").await.expect("GET")).await),
        ["Été à la PLAGE.jpg"],
        "non-ASCII lowercase matches"
    );
    assert_eq!(
        names(json(search(kid, "q=insurance").await.expect("GET")).await),
        ["scan.txt"],
        "document text, not others' private items"
    );
    assert_eq!(names(json(search(mum, "q=insurance").await.expect("GET")).await).len(), 2);
    let first = json(search(mum, "q=insurance&limit=1").await.expect("GET")).await;
    let cursor = first["next_cursor"].as_str().expect("a second page").to_owned();
    let second = json(search(mum, &format!("q=insurance&limit=1&cursor={cursor}")).await.expect("GET")).await;
    assert_eq!(names(second.clone()).len(), 1);
    assert_ne!(names(second), names(first), "the second page goes on where the first stopped");
    assert_eq!(
        names(json(search(kid, "q=50%25").await.expect("GET")).await),
        ["scan.txt"],
        "% is a character, not a wildcard"
    );
    assert!(names(json(search(kid, "q=5_%25").await.expect("GET")).await).is_empty());
    assert_eq!(names(json(search(kid, "album=summer").await.expect("GET")).await), ["dog.jpg"]);
    let today = time::OffsetDateTime::now_utc().date();
    let in_range = search(kid, &format!("q=dog&from={today}&to={today}")).await.expect("GET");
    assert_eq!(names(json(in_range).await), ["dog.jpg"]);
    let tomorrow = today.next_day().expect("tomorrow");
    assert!(names(json(search(kid, &format!("from={tomorrow}")).await.expect("GET")).await).is_empty());
    let bad = search(kid, "from=yesterday").await.expect("GET");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(bad).await["detail"].as_str().expect("detail").contains("2026-07-31"));
    let page = kid.browser.get("/photos/search?from=31%2F12%2F2026").await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().await.expect("html").contains("must be a date like"), "the form explains, no error page");
}

/// A one-page PDF whose page says `text` (Helvetica), with a correct cross-reference table.
fn pdf_with_text(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 24 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (number, body) in (1..).zip(&objects) {
        offsets.push(pdf.len());
        pdf.extend(format!("{number} 0 obj\n{body}\nendobj\n").as_bytes());
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    pdf
}

async fn the_text_inside_a_pdf_is_found(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else { return };
    let mum = &photos.family.admin;
    let letter = json(upload(mum, "scan-0042.pdf", "family", pdf_with_text("Insurance renewal 2027")).await).await;
    assert_eq!(letter["item"]["content_type"], "application/pdf");
    let broken = json(upload(mum, "broken.pdf", "family", b"%PDF-1.4 this is not really a PDF".to_vec()).await).await;
    let found_letter = async {
        for _ in 0..100 {
            let found = json(mum.get("/photos/api/search?q=renewal").send().await.expect("GET")).await;
            if found["items"].as_array().is_some_and(|items| !items.is_empty()) {
                return found["items"][0]["file_name"].clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Value::Null
    };
    assert_eq!(found_letter.await, "scan-0042.pdf", "the worker extracted the PDF's words");
    let broken_item =
        json(mum.get(&format!("/photos/api/items/{}", broken["item"]["id"])).send().await.expect("GET")).await;
    assert_eq!(broken_item["file_name"], "broken.pdf", "a PDF with no readable text is kept all the same");
    let page = mum.browser.get(&format!("/photos/items/{}", letter["item"]["id"])).await.text().await.expect("html");
    assert!(page.contains("Insurance renewal 2027") && page.contains("open the whole document"), "{page}");
    let note = json(upload(mum, "note.txt", "family", b"<script>alert(1)</script> milk".to_vec()).await).await;
    let page = mum.browser.get(&format!("/photos/items/{}", note["item"]["id"])).await.text().await.expect("html");
    assert!(page.contains("&#60;script&#62;alert(1)&#60;/script&#62; milk"), "the text is shown, escaped");
    assert!(!page.contains("<script>alert"));
}

/// A real 64×48 JPEG (no EXIF), so the worker makes previews.
fn real_jpeg(shade: u8) -> Vec<u8> {
    let pixels: Vec<u8> = (0..64 * 48).flat_map(|i| [shade, (i % 256) as u8, 128]).collect();
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, 90).encode(&pixels, 64, 48, jpeg_encoder::ColorType::Rgb).expect("jpeg");
    bytes
}

/// A real JPEG whose EXIF block records where it was taken (and its orientation).
fn located_jpeg(shade: u8) -> Vec<u8> {
    use exif::{Field, In, Rational, Tag, Value as Exif};
    let ascii =
        |tag, text: &str| Field { tag, ifd_num: In::PRIMARY, value: Exif::Ascii(vec![text.as_bytes().to_vec()]) };
    let degrees = |d| Exif::Rational(vec![Rational::from((d, 1)), Rational::from((30, 1)), Rational::from((0, 1))]);
    let fields = [
        Field { tag: Tag::Orientation, ifd_num: In::PRIMARY, value: Exif::Short(vec![1]) },
        ascii(Tag::GPSLatitudeRef, "N"),
        Field { tag: Tag::GPSLatitude, ifd_num: In::PRIMARY, value: degrees(52) },
        ascii(Tag::GPSLongitudeRef, "E"),
        Field { tag: Tag::GPSLongitude, ifd_num: In::PRIMARY, value: degrees(4) },
    ];
    let mut writer = exif::experimental::Writer::new();
    fields.iter().for_each(|field| writer.push_field(field));
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).expect("EXIF");
    let app1 = [b"Exif\0\0".as_slice(), &tiff.into_inner()].concat();
    let jpeg = real_jpeg(shade);
    let mut located = vec![0xFF, 0xD8, 0xFF, 0xE1];
    located.extend(u16::try_from(app1.len() + 2).expect("short").to_be_bytes());
    located.extend(app1);
    located.extend(&jpeg[2..]);
    located
}

fn has_location(jpeg: &[u8]) -> bool {
    let exif = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(jpeg)).expect("EXIF");
    exif.fields().any(|f| f.tag == exif::Tag::GPSLatitude)
}

/// Waits for the worker's previews of an item: up to 30 s, since CI runs tests side by side
/// on two cores.
async fn wait_for_preview(person: &Person, id: &Value) {
    let mut item = Value::Null;
    for _ in 0..300 {
        item = json(person.get(&format!("/photos/api/items/{id}")).send().await.expect("GET")).await;
        if item["preview"] == "ready" {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no preview for item {id}: {item}");
}

async fn guests_download_originals_only_when_no_location_leaks(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else { return };
    let mum = &photos.family.admin;
    let plain_bytes = real_jpeg(10);
    let plain = json(upload(mum, "plain.jpg", "family", plain_bytes.clone()).await).await["item"]["id"].clone();
    let located_bytes = located_jpeg(200);
    assert!(has_location(&located_bytes));
    let located = json(upload(mum, "at-home.jpg", "family", located_bytes.clone()).await).await["item"]["id"].clone();
    let video = json(
        upload(mum, "party.webm", "family", b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x84webm".to_vec()).await,
    )
    .await["item"]["id"]
        .clone();
    wait_for_preview(mum, &plain).await;
    wait_for_preview(mum, &located).await;
    let facts = json(mum.get(&format!("/photos/api/items/{located}")).send().await.expect("GET")).await;
    assert!(facts["gps"].is_array(), "the location is read: {facts}");
    let album = album_with(mum, serde_json::json!({"name": "Home"}), &[&plain, &located, &video]).await;
    let share = json(
        mum.request(Method::POST, "/photos/api/shares")
            .json(&serde_json::json!({"album_id": album["id"]}))
            .send()
            .await
            .expect("POST"),
    )
    .await;
    let link = share["path"].as_str().expect("path");
    let guest = photos.family.server.client();
    let original = guest.get(&format!("{link}/items/{plain}/download")).await;
    assert_eq!(original.status(), StatusCode::OK);
    assert_eq!(
        original.bytes().await.expect("body").as_ref(),
        plain_bytes.as_slice(),
        "no location recorded: the original"
    );
    let cleaned = guest.get(&format!("{link}/items/{located}/download")).await;
    assert_eq!(cleaned.status(), StatusCode::OK);
    assert!(cleaned.headers()["content-disposition"].to_str().expect("ascii").contains("at-home.jpg"));
    let cleaned = cleaned.bytes().await.expect("body");
    assert!(!has_location(&cleaned), "the original, without where it was taken");
    assert_eq!(cleaned.len(), located_bytes.len(), "the same file otherwise");
    let refused = guest.get(&format!("{link}/items/{video}/download")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.expect("html").contains("where they were filmed"));

    let zip = guest.get(&format!("{link}/album.zip")).await;
    assert_eq!(zip.headers()["content-type"], "application/zip");
    let bytes = zip.bytes().await.expect("zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a valid zip");
    let mut names: Vec<String> = archive.file_names().map(|name| name.expect("a name").into_owned()).collect();
    names.sort();
    assert_eq!(names, ["at-home.jpg", "plain.jpg"], "the same rules as one by one");
    let mut inside = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name("at-home.jpg").expect("entry"), &mut inside).expect("read");
    assert!(!has_location(&inside));
    let mut inside = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name("plain.jpg").expect("entry"), &mut inside).expect("read");
    assert_eq!(inside, plain_bytes);
}

async fn an_item_is_shared_from_its_page(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else { return };
    let (mum, kid) = (&photos.family.admin, &photos.family.member);
    let id = json(upload(mum, "receipt.txt", "family", b"paid".to_vec()).await).await["item"]["id"].clone();
    let bad = mum.browser.post_form(&format!("/photos/items/{id}/shares"), &[("expires_in_days", "soon")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY, "a wrong number of days is explained");
    let made = mum.browser.post_form(&format!("/photos/items/{id}/shares"), &[("expires_in_days", "3")]).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER, "back to the item, so a reload does not make another link");
    let item_page = format!("/photos/items/{id}");
    let html = mum.browser.get(&item_page).await.text().await.expect("html");
    let again = mum.browser.get(&item_page).await.text().await.expect("html");
    assert!(!again.contains("id=\"share-url\""), "the link is shown once");
    let url = html.split("id=\"share-url\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("link shown");
    let path = url.split_once("/photos/s/").map(|(_, token)| format!("/photos/s/{token}")).expect("path");
    assert!(photos.family.server.client().get(&path).await.text().await.expect("html").contains("receipt.txt"));
    let not_theirs = kid.browser.post_form(&format!("/photos/items/{id}/shares"), &[]).await;
    assert_eq!(not_theirs.status(), StatusCode::FORBIDDEN, "only the uploader shares an item");
}

async fn an_album_is_arranged_from_its_page(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else { return };
    let (mum, kid) = (&photos.family.admin, &photos.family.member);
    let mut ids = Vec::new();
    for seed in 1..=3 {
        ids.push(
            json(upload(mum, &format!("day-{seed}.jpg"), "family", jpeg_bytes(seed)).await).await["item"]["id"].clone(),
        );
    }
    let album =
        album_with(mum, serde_json::json!({"name": "Days", "visibility": "family"}), &[&ids[0], &ids[1], &ids[2]])
            .await;
    let (page, api) = (format!("/photos/albums/{}", album["id"]), format!("/photos/api/albums/{}", album["id"]));
    let arrange = format!("{page}/arrange");
    let names = || async {
        let album = json(mum.get(&api).send().await.expect("GET")).await;
        let names: Vec<String> = album["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["file_name"].as_str().unwrap_or("").to_owned())
            .collect();
        (names, album["album"]["cover_item_id"].clone())
    };
    for (item, action) in [(&ids[2], "earlier"), (&ids[0], "later"), (&ids[1], "earlier"), (&ids[1], "cover")] {
        let done = mum.browser.post_form(&arrange, &[("item_id", &item.to_string()), ("action", action)]).await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER, "{action}");
    }
    let (order, cover) = names().await;
    assert_eq!(order, ["day-3.jpg", "day-2.jpg", "day-1.jpg"]);
    assert_eq!(cover, ids[1]);
    let first_up = mum.browser.post_form(&arrange, &[("item_id", &ids[2].to_string()), ("action", "earlier")]).await;
    assert_eq!(first_up.status(), StatusCode::SEE_OTHER, "the first stays first");
    mum.browser.post_form(&arrange, &[("item_id", &ids[0].to_string()), ("action", "remove")]).await;
    assert_eq!(names().await.0, ["day-3.jpg", "day-2.jpg"]);
    let gone = mum.browser.post_form(&arrange, &[("item_id", &ids[0].to_string()), ("action", "later")]).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND, "no longer in the album");
    let not_theirs = kid.browser.post_form(&arrange, &[("item_id", &ids[1].to_string()), ("action", "remove")]).await;
    assert_eq!(not_theirs.status(), StatusCode::FORBIDDEN);
    let nonsense = mum.browser.post_form(&arrange, &[("item_id", &ids[1].to_string()), ("action", "explode")]).await;
    assert!(nonsense.status().is_client_error());
    assert!(mum.browser.get(&page).await.text().await.expect("html").contains("Arrange"));
    let zip = kid.browser.get(&format!("{page}/album.zip")).await;
    assert_eq!(zip.headers()["content-type"], "application/zip", "the family downloads a family album");
    let archive = zip::ZipArchive::new(std::io::Cursor::new(zip.bytes().await.expect("zip"))).expect("a valid zip");
    assert_eq!(archive.len(), 2);
    let as_browsers_ask = kid
        .browser
        .http
        .get(kid.browser.url(&format!("{page}/album.zip")))
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .expect("GET");
    assert_eq!(as_browsers_ask.status(), StatusCode::OK);
    assert!(!as_browsers_ask.bytes().await.expect("the whole body, compressed or not").is_empty());
}

/// Every page of a list, following `next_cursor`, with `limit` rows a page.
async fn all_pages(person: &Person, path: &str, rows: &str, limit: usize) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = json(
            person.get(path).query(&[("limit", limit.to_string()), ("cursor", cursor)]).send().await.expect("GET"),
        )
        .await;
        pages.push(page[rows].as_array().expect("rows").clone());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return pages,
        }
    }
}

async fn albums_links_and_the_trash_come_in_pages(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else { return };
    let mum = &photos.family.admin;
    for seed in 1..=5 {
        let item = json(upload(mum, &format!("p{seed}.jpg"), "private", jpeg_bytes(seed)).await).await["item"].clone();
        let album = album_with(mum, serde_json::json!({ "name": format!("Album {seed}") }), &[&item["id"]]).await;
        let link = serde_json::json!({ "album_id": album["id"] });
        mum.request(Method::POST, "/photos/api/shares").json(&link).send().await.expect("share");
        mum.request(Method::DELETE, &format!("/photos/api/items/{}", item["id"])).send().await.expect("trash");
    }
    for (path, rows) in
        [("/photos/api/albums", "albums"), ("/photos/api/shares", "shares"), ("/photos/api/trash", "items")]
    {
        let pages = all_pages(mum, path, rows, 2).await;
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1], "{path}");
        let mut ids: Vec<String> = pages.concat().iter().map(|row| row["id"].to_string()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 5, "{path}: every row once");
    }
    let made_up = mum.get("/photos/api/albums?cursor=yesterday").send().await.expect("GET");
    assert_eq!(made_up.status(), StatusCode::BAD_REQUEST);
}

/// A share link made through the API by `person` (`{"album_id": …}` or `{"item_id": …}`).
async fn make_link(person: &Person, fields: Value) -> reqwest::Response {
    person.request(Method::POST, "/photos/api/shares").json(&fields).send().await.expect("POST")
}

/// The `file_name`s of a list of items.
fn file_names(items: &Value) -> Vec<String> {
    items.as_array().expect("items").iter().filter_map(|i| i["file_name"].as_str().map(str::to_owned)).collect()
}

/// The sorted names of the entries of a zip answer.
async fn zip_names(response: reqwest::Response) -> Vec<String> {
    assert_eq!(response.headers()["content-type"], "application/zip");
    let bytes = response.bytes().await.expect("zip");
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a valid zip");
    let mut names: Vec<String> = archive.file_names().map(|name| name.expect("a name").into_owned()).collect();
    names.sort();
    names
}

/// An upload of a real JPEG whose previews the worker has made.
async fn photo_with_previews(person: &Person, name: &str, visibility: &str, shade: u8) -> Value {
    let id = json(upload(person, name, visibility, real_jpeg(shade)).await).await["item"]["id"].clone();
    wait_for_preview(person, &id).await;
    id
}

/// The matrix of who sees what: another member sees an item only while it is shared with the
/// family and not in the trash, and a guest sees what the family sees of what the link
/// points at, whatever the path: pages, API, originals, thumbnails, previews, lists, search,
/// albums, guest pages, downloads and zips.
async fn visibility_and_the_trash_decide_what_every_path_serves(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else { return };
    let (mum, kid) = (&photos.family.admin, &photos.family.member);
    let shown = photo_with_previews(mum, "shown.jpg", "family", 10).await;
    let private = photo_with_previews(mum, "private.jpg", "private", 60).await;
    let unshared = photo_with_previews(mum, "unshared.jpg", "family", 110).await;
    let trashed = photo_with_previews(mum, "trashed.jpg", "family", 160).await;
    let album = album_with(
        mum,
        serde_json::json!({"name": "All", "visibility": "family"}),
        &[&shown, &private, &unshared, &trashed],
    )
    .await;
    let album_link = json(make_link(mum, serde_json::json!({"album_id": album["id"]})).await).await;
    let album_link = album_link["path"].as_str().expect("path").to_owned();
    let unshared_link = json(make_link(mum, serde_json::json!({"item_id": unshared})).await).await;
    let trashed_link = json(make_link(mum, serde_json::json!({"item_id": trashed})).await).await;
    let refused = make_link(mum, serde_json::json!({"item_id": private})).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "no link to a private item");
    assert!(json(refused).await["detail"].as_str().expect("detail").contains("Share it with the family first"));
    let made_private = mum
        .request(Method::PATCH, &format!("/photos/api/items/{unshared}"))
        .json(&serde_json::json!({"visibility": "private"}))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(made_private.status(), StatusCode::OK);
    let deleted = mum.request(Method::DELETE, &format!("/photos/api/items/{trashed}")).send().await.expect("DELETE");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let item_paths =
        |id: &Value| ["", "/original", "/thumbnail", "/preview"].map(|file| format!("/photos/items/{id}{file}"));
    for (id, expected) in [
        (&shown, StatusCode::OK),
        (&private, StatusCode::NOT_FOUND),
        (&unshared, StatusCode::NOT_FOUND),
        (&trashed, StatusCode::NOT_FOUND),
    ] {
        let api = kid.get(&format!("/photos/api/items/{id}")).send().await.expect("GET");
        assert_eq!(api.status(), expected, "the kid, API item {id}");
        for path in item_paths(id) {
            assert_eq!(kid.browser.get(&path).await.status(), expected, "the kid, {path}");
        }
    }
    let shown_only = ["shown.jpg"];
    let timeline = json(kid.get("/photos/api/items").send().await.expect("GET")).await;
    assert_eq!(file_names(&timeline["items"]), shown_only, "the kid's timeline");
    let found = json(kid.get("/photos/api/search?q=jpg").send().await.expect("GET")).await;
    assert_eq!(file_names(&found["items"]), shown_only, "the kid's search");
    let in_album = json(kid.get(&format!("/photos/api/albums/{}", album["id"])).send().await.expect("GET")).await;
    assert_eq!(file_names(&in_album["items"]), shown_only, "the album as the kid sees it");
    assert_eq!(in_album["album"]["item_count"], 1, "and counts it");
    let page = kid.browser.get(&format!("/photos/albums/{}", album["id"])).await.text().await.expect("html");
    assert!(page.contains("shown.jpg") && !page.contains("private.jpg") && !page.contains("trashed.jpg"), "{page}");
    let kids_zip = kid.browser.get(&format!("/photos/albums/{}/album.zip", album["id"])).await;
    assert_eq!(zip_names(kids_zip).await, shown_only, "the album zip as the kid downloads it");

    let guest = photos.family.server.client();
    let page = guest.get(&album_link).await.text().await.expect("html");
    assert!(page.contains("shown.jpg"), "{page}");
    for hidden in ["private.jpg", "unshared.jpg", "trashed.jpg"] {
        assert!(!page.contains(hidden), "the guest page lists {hidden}");
    }
    for (id, expected) in [
        (&shown, StatusCode::OK),
        (&private, StatusCode::NOT_FOUND),
        (&unshared, StatusCode::NOT_FOUND),
        (&trashed, StatusCode::NOT_FOUND),
    ] {
        for file in ["thumbnail", "preview", "download"] {
            let path = format!("{album_link}/items/{id}/{file}");
            assert_eq!(guest.get(&path).await.status(), expected, "the guest, item {id}: {file}");
        }
    }
    assert_eq!(zip_names(guest.get(&format!("{album_link}/album.zip")).await).await, shown_only, "the guest's zip");
    for link in [&unshared_link, &trashed_link] {
        let path = link["path"].as_str().expect("path");
        let opened = guest.get(path).await;
        assert_eq!(opened.status(), StatusCode::GONE, "a link to an item made private or trashed");
        assert!(opened.text().await.expect("html").contains("no longer shared"));
        let id = link["info"]["item_id"].clone();
        assert_eq!(guest.get(&format!("{path}/items/{id}/download")).await.status(), StatusCode::NOT_FOUND);
    }

    for id in [&private, &unshared, &trashed] {
        let own = mum.get(&format!("/photos/api/items/{id}")).send().await.expect("GET");
        assert_eq!(own.status(), StatusCode::OK, "mum still sees her own item {id}");
        assert_eq!(mum.browser.get(&format!("/photos/items/{id}/thumbnail")).await.status(), StatusCode::OK);
    }
    let restored =
        mum.request(Method::POST, &format!("/photos/api/items/{trashed}/restore")).send().await.expect("POST");
    assert_eq!(restored.status(), StatusCode::OK);
    let back = trashed_link["path"].as_str().expect("path");
    assert_eq!(guest.get(back).await.status(), StatusCode::OK, "out of the trash, its link works again");
}

/// An album's guests see where photos were taken, when its maker chose so, only for the
/// photos the maker uploaded: another member's places are theirs to give.
async fn a_link_shows_only_the_places_of_photos_its_maker_uploaded(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else { return };
    let (mum, kid) = (&photos.family.admin, &photos.family.member);
    let kids_bytes = located_jpeg(30);
    let kids = json(upload(kid, "kids-home.jpg", "family", kids_bytes.clone()).await).await["item"]["id"].clone();
    let mums_bytes = located_jpeg(90);
    let mums = json(upload(mum, "mums-home.jpg", "family", mums_bytes.clone()).await).await["item"]["id"].clone();
    wait_for_preview(kid, &kids).await;
    wait_for_preview(mum, &mums).await;
    let album = album_with(mum, serde_json::json!({"name": "Homes"}), &[&kids, &mums]).await;
    let link = json(make_link(mum, serde_json::json!({"album_id": album["id"], "show_location": true})).await).await;
    let link = link["path"].as_str().expect("path");
    let guest = photos.family.server.client();
    let own = guest.get(&format!("{link}/items/{mums}/download")).await;
    assert_eq!(own.status(), StatusCode::OK);
    assert_eq!(own.bytes().await.expect("body").as_ref(), mums_bytes.as_slice(), "mum chose to show her own places");
    let theirs = guest.get(&format!("{link}/items/{kids}/download")).await;
    assert_eq!(theirs.status(), StatusCode::OK);
    assert!(!has_location(&theirs.bytes().await.expect("body")), "the kid's place is not mum's to give");
    let zip = guest.get(&format!("{link}/album.zip")).await.bytes().await.expect("zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a valid zip");
    let mut inside = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name("kids-home.jpg").expect("entry"), &mut inside).expect("read");
    assert!(!has_location(&inside), "nor in the zip");
}

/// The same bytes uploaded again as private make the item one had private; asked to be
/// shared, an item one kept private stays so, and the answer says it.
async fn uploading_again_never_widens_who_sees_an_item(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else { return };
    let (mum, kid) = (&photos.family.admin, &photos.family.member);
    let first = json(upload(mum, "bath.jpg", "family", jpeg_bytes(1)).await).await["item"]["id"].clone();
    assert_eq!(kid.get(&format!("/photos/api/items/{first}")).send().await.expect("GET").status(), StatusCode::OK);
    let again = json(upload(mum, "bath.jpg", "private", jpeg_bytes(1)).await).await;
    assert_eq!((again["duplicate"].clone(), again["item"]["id"].clone()), (Value::Bool(true), first.clone()));
    assert_eq!(again["item"]["visibility"], "private", "asked for private, it is private");
    assert!(again["notice"].is_null());
    assert_eq!(
        kid.get(&format!("/photos/api/items/{first}")).send().await.expect("GET").status(),
        StatusCode::NOT_FOUND
    );

    let shared = json(upload(mum, "bath.jpg", "family", jpeg_bytes(1)).await).await;
    assert_eq!(shared["item"]["visibility"], "private", "uploading again does not share what was kept private");
    assert!(shared["notice"].as_str().expect("a notice").contains("kept it private"));
    mum.browser.get("/photos/").await;
    let csrf = mum.browser.cookie("hearth_csrf").expect("csrf cookie");
    let form = reqwest::multipart::Form::new()
        .text("visibility", "family")
        .part("files", reqwest::multipart::Part::bytes(jpeg_bytes(1)).file_name("bath.jpg"));
    let url = mum.browser.url(&format!("/photos/upload?csrf_token={csrf}"));
    let plain = mum.browser.http.post(url).multipart(form).send().await.expect("POST");
    let summary = plain.headers()["location"].to_str().expect("ascii").to_owned();
    assert_eq!(summary, "/photos/?uploaded=1&duplicates=1&kept_private=1");
    let page = mum.browser.get(&summary).await.text().await.expect("html");
    assert!(page.contains("you had kept private, and it stays so"), "{page}");

    mum.request(Method::DELETE, &format!("/photos/api/items/{first}")).send().await.expect("DELETE");
    let restored = json(upload(mum, "bath.jpg", "private", jpeg_bytes(1)).await).await;
    assert_eq!(restored["item"]["deleted_at"], Value::Null, "back from the trash");
    assert_eq!(restored["item"]["visibility"], "private");
}

/// Share-link passwords: at least 8 characters, and guesses counted per link and per address
/// when they start, so that a burst is refused at once with a page that says how long to wait.
async fn share_link_passwords_are_long_and_guesses_are_throttled(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else { return };
    let mum = &photos.family.admin;
    let item = json(upload(mum, "will.txt", "family", b"the will".to_vec()).await).await["item"]["id"].clone();
    let short = make_link(mum, serde_json::json!({"item_id": item, "password": "1234"})).await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(short).await["detail"].as_str().expect("detail").contains("8 to 256 characters"));
    let page = mum.browser.post_form(&format!("/photos/items/{item}/shares"), &[("password", "1234567")]).await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY, "the form says so too");
    let made = json(make_link(mum, serde_json::json!({"item_id": item, "password": "correct horse"})).await).await;
    let link = made["path"].as_str().expect("path").to_owned();
    let other = json(make_link(mum, serde_json::json!({"item_id": item, "password": "battery staple"})).await).await;
    let other = other["path"].as_str().expect("path").to_owned();

    let guest = photos.family.server.client();
    guest.get(&link).await;
    let guesses = (0..15).map(|n| {
        let (guest, link) = (guest.clone(), link.clone());
        async move { guest.post_form(&link, &[("password", &format!("guess number {n}"))]).await }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let count = |status| answers.iter().filter(|a| a.status() == status).count();
    assert_eq!(
        (count(StatusCode::UNAUTHORIZED), count(StatusCode::TOO_MANY_REQUESTS)),
        (10, 5),
        "ten guesses at once are checked, the others refused before they are"
    );
    let throttled = guest.post_form(&link, &[("password", "correct horse")]).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS, "while the link is throttled, every guess waits");
    let wait: u64 = throttled.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=15 * 60).contains(&wait), "Retry-After: {wait}");
    let html = throttled.text().await.expect("html");
    assert!(html.contains("Too many wrong passwords") && html.contains(" minutes and try again"), "{html}");
    assert!(html.contains("name=\"password\""), "the guest sees the form again, not an error page");
    let elsewhere = photos.family.server.client();
    elsewhere.get(&other).await;
    let opened = elsewhere.post_form(&other, &[("password", "battery staple")]).await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER, "another link is not held up by this one's guesses");
}

/// The item ids of a page's `name="item"` checkboxes and hidden fields, in page order.
fn item_fields(html: &str) -> Vec<i64> {
    html.split("name=\"item\" value=\"").skip(1).filter_map(|rest| rest.split('"').next()?.parse().ok()).collect()
}

/// The `href` of the element of a page marked `marker` (`rel="next"`).
fn href_of<'a>(html: &'a str, marker: &str) -> Option<&'a str> {
    let tag_start = html[..html.find(marker)?].rfind('<')?;
    html[tag_start..].split("href=\"").nth(1)?.split('"').next()
}

/// Picking items of the timeline: adding them to an album, downloading them as one dated zip,
/// sharing or unsharing them, the trash and its "Undo". What the person may not change of a
/// selection stays as it was, and the page says how many.
async fn a_selection_is_acted_on_at_once(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else { return };
    let (mum, kid) = (&photos.family.admin, &photos.family.member);
    let mine: Vec<Value> = futures_util::future::join_all((1..=2).map(|seed| async move {
        json(upload(kid, &format!("kid-{seed}.jpg"), "family", jpeg_bytes(seed)).await).await["item"]["id"].clone()
    }))
    .await;
    let mums = json(upload(mum, "mum.jpg", "family", jpeg_bytes(9)).await).await["item"]["id"].clone();
    let selected: Vec<String> = mine.iter().chain([&mums]).map(Value::to_string).collect();
    let form = |extra: &[(&'static str, &'static str)]| {
        let mut fields: Vec<(&str, &str)> = selected.iter().map(|id| ("item", id.as_str())).collect();
        fields.extend_from_slice(extra);
        fields
    };

    let album = json(
        kid.request(Method::POST, "/photos/api/albums")
            .json(&serde_json::json!({"name": "Picnic"}))
            .send()
            .await
            .expect("POST"),
    )
    .await;
    let album_id = album["id"].to_string();
    let added = kid
        .browser
        .post_form(
            "/photos/selection/album",
            &[form(&[("back", "/photos/")]), vec![("album_id", album_id.as_str())]].concat(),
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    assert_eq!(added.headers()["location"], "/photos/");
    let timeline = kid.browser.get("/photos/").await.text().await.expect("html");
    assert!(timeline.contains("Added 3 items to Picnic.") && timeline.contains("Open the album"), "{timeline}");
    let shown = json(kid.get(&format!("/photos/api/albums/{album_id}")).send().await.expect("GET")).await;
    assert_eq!(file_names(&shown["items"]), ["kid-1.jpg", "kid-2.jpg", "mum.jpg"]);

    let zip = kid.browser.post_form("/photos/selection/zip", &form(&[])).await;
    assert_eq!(zip.status(), StatusCode::OK);
    assert!(zip.headers()["content-disposition"].to_str().expect("ascii").contains("Hearth photos.zip"));
    let bytes = zip.bytes().await.expect("zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a valid zip");
    let this_year = time::OffsetDateTime::now_utc().year();
    for index in 0..archive.len() {
        let entry = archive.by_index(index).expect("entry");
        let date = entry.last_modified().expect("dated");
        assert_eq!(
            i32::from(date.year()),
            this_year,
            "{} is dated when it was uploaded, not 1980",
            entry.name().expect("name")
        );
    }
    assert_eq!(archive.len(), 3);

    let private = kid
        .browser
        .post_form(
            "/photos/selection/visibility",
            &form(&[("visibility", "private"), ("back", "/photos/search?q=kid")]),
        )
        .await;
    assert_eq!(private.headers()["location"], "/photos/search?q=kid", "back to the search, with its words");
    let search = kid.browser.get("/photos/search?q=kid").await.text().await.expect("html");
    assert!(
        search.contains("Only you see 2 items now. 1 item was uploaded by someone else, and stays as it was."),
        "{search}"
    );
    let mums_now = json(mum.get(&format!("/photos/api/items/{mums}")).send().await.expect("GET")).await;
    assert_eq!(mums_now["visibility"], "family", "someone else's item is left as it was");
    assert_eq!(
        json(kid.get(&format!("/photos/api/items/{}", mine[0])).send().await.expect("GET")).await["visibility"],
        "private"
    );

    let trashed = kid.browser.post_form("/photos/selection/trash", &form(&[("back", "https://example.com/")])).await;
    assert_eq!(trashed.headers()["location"], "/photos/", "back never leaves the service");
    let timeline = kid.browser.get("/photos/").await.text().await.expect("html");
    assert!(timeline.contains("Moved 2 items to the trash. 1 item is not yours to delete"), "{timeline}");
    let undo = timeline
        .split("action=\"/photos/selection/restore\"")
        .nth(1)
        .and_then(|rest| rest.split("</form>").next())
        .expect("an Undo");
    assert!(undo.contains(">Undo<"));
    assert_eq!(item_fields(undo), mine.iter().filter_map(Value::as_i64).collect::<Vec<_>>());
    let trash = kid.browser.get("/photos/trash").await.text().await.expect("html");
    assert!(trash.contains("class=\"trashed\"") && trash.contains("kid-1.jpg"), "the trash shows its items");
    let restored = kid
        .browser
        .post_form(
            "/photos/selection/restore",
            &[("item", mine[0].to_string().as_str()), ("item", mine[1].to_string().as_str())],
        )
        .await;
    assert_eq!(restored.status(), StatusCode::SEE_OTHER);
    assert!(kid.browser.get("/photos/").await.text().await.expect("html").contains("Brought back 2 items."));
    assert!(
        json(kid.get(&format!("/photos/api/items/{}", mine[1])).send().await.expect("GET")).await["deleted_at"]
            .is_null()
    );

    let none = kid.browser.post_form("/photos/selection/trash", &[("back", "/photos/")]).await;
    assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.text().await.expect("html").contains("Pick at least one"));
    let word = kid.browser.post_form("/photos/selection/trash", &[("item", "three")]).await;
    assert_eq!(word.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let no_album = kid.browser.post_form("/photos/selection/album", &form(&[])).await;
    assert!(no_album.text().await.expect("html").contains("Choose the album"));
    let unnamed =
        kid.browser.post_form("/photos/selection/album", &form(&[("album_id", "new"), ("new_album", " ")])).await;
    assert_eq!(unnamed.status(), StatusCode::UNPROCESSABLE_ENTITY, "a new album needs a name");
    let new = kid
        .browser
        .post_form("/photos/selection/album", &form(&[("album_id", "new"), ("new_album", "Beach day")]))
        .await;
    assert_eq!(new.status(), StatusCode::SEE_OTHER);
    assert!(kid.browser.get("/photos/").await.text().await.expect("html").contains("Added 3 items to Beach day."));
    let forged = kid.browser.post_form_without_csrf("/photos/selection/trash", &[("item", "1")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

/// The viewer's previous and next follow the list it was opened from (the timeline, an album,
/// a search), and back returns to that list at the item; the page's title says what it shows.
async fn the_viewer_steps_through_the_list_it_was_opened_from(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else { return };
    let mum = &photos.family.admin;
    let mut ids = Vec::new();
    for (seed, name) in [(1, "first.jpg"), (2, "second.jpg"), (3, "third.jpg")] {
        ids.push(json(upload(mum, name, "family", jpeg_bytes(seed)).await).await["item"]["id"].as_i64().expect("id"));
    }
    let page = mum.browser.get(&format!("/photos/items/{}", ids[1])).await.text().await.expect("html");
    assert!(page.contains("<title>Photo · Hearth</title>"), "{page}");
    assert_eq!(
        href_of(&page, "rel=\"prev\""),
        Some(format!("/photos/items/{}", ids[2]).as_str()),
        "the newer one first"
    );
    assert_eq!(href_of(&page, "rel=\"next\""), Some(format!("/photos/items/{}", ids[0]).as_str()));
    assert_eq!(href_of(&page, "data-back"), Some(format!("/photos/#item-{}", ids[1]).as_str()));
    let newest = mum.browser.get(&format!("/photos/items/{}", ids[2])).await.text().await.expect("html");
    assert!(href_of(&newest, "rel=\"prev\"").is_none(), "nothing before the newest");

    let album =
        album_with(mum, serde_json::json!({"name": "Two"}), &[&Value::from(ids[0]), &Value::from(ids[2])]).await;
    let in_album = mum
        .browser
        .get(&format!("/photos/items/{}?in_album={}", ids[0], album["id"]))
        .await
        .text()
        .await
        .expect("html");
    assert_eq!(
        href_of(&in_album, "rel=\"next\""),
        Some(format!("/photos/items/{}?in_album={}", ids[2], album["id"]).as_str())
    );
    assert!(href_of(&in_album, "rel=\"prev\"").is_none());
    assert_eq!(
        href_of(&in_album, "data-back"),
        Some(format!("/photos/albums/{}#item-{}", album["id"], ids[0]).as_str())
    );
    let album_page = mum.browser.get(&format!("/photos/albums/{}", album["id"])).await.text().await.expect("html");
    assert!(
        album_page.contains(&format!("href=\"/photos/items/{}?in_album={}\"", ids[2], album["id"])),
        "{album_page}"
    );

    let found = mum.browser.get(&format!("/photos/items/{}?q=jpg", ids[2])).await.text().await.expect("html");
    assert_eq!(href_of(&found, "rel=\"next\""), Some(format!("/photos/items/{}?q=jpg", ids[1]).as_str()));
    assert_eq!(href_of(&found, "data-back"), Some(format!("/photos/search?q=jpg#item-{}", ids[2]).as_str()));
    let bad = mum.browser.get(&format!("/photos/items/{}?from=yesterday", ids[0])).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY, "a list that is not one is explained");

    let letter = json(upload(mum, "letter.txt", "family", b"Dear Anna".to_vec()).await).await["item"]["id"].clone();
    let document = mum.browser.get(&format!("/photos/items/{letter}")).await.text().await.expect("html");
    assert!(document.contains("<title>Document · Hearth</title>"));
    assert!(document.contains("<time datetime=\"") && document.contains("UTC</time>"), "the upload time is a <time>");
}

/// A guest of a link opens its photos in the same viewer, steps through the link's items only,
/// downloads, and goes back to the link's page, which says who shared it.
async fn a_guest_steps_through_what_the_link_shows(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else { return };
    let mum = &photos.family.admin;
    let first = json(upload(mum, "one.jpg", "family", jpeg_bytes(1)).await).await["item"]["id"].clone();
    let hidden = json(upload(mum, "hidden.jpg", "private", jpeg_bytes(2)).await).await["item"]["id"].clone();
    let last = json(upload(mum, "two.jpg", "family", jpeg_bytes(3)).await).await["item"]["id"].clone();
    let album = album_with(mum, serde_json::json!({"name": "Holiday"}), &[&first, &hidden, &last]).await;
    let share = json(
        mum.request(Method::POST, "/photos/api/shares")
            .json(&serde_json::json!({"album_id": album["id"]}))
            .send()
            .await
            .expect("POST"),
    )
    .await;
    let link = share["path"].as_str().expect("path");
    let guest = photos.family.server.client();
    let page = guest.get(link).await.text().await.expect("html");
    assert!(page.contains("Shared with you by Mum"), "{page}");
    assert!(page.contains(&format!("href=\"{link}/items/{first}\"")), "a tap opens the viewer, not the bare image");
    let viewer = guest.get(&format!("{link}/items/{first}")).await;
    assert_eq!(viewer.status(), StatusCode::OK);
    let viewer = viewer.text().await.expect("html");
    assert_eq!(
        href_of(&viewer, "rel=\"next\""),
        Some(format!("{link}/items/{last}").as_str()),
        "the private one is skipped"
    );
    assert_eq!(href_of(&viewer, "data-back"), Some(format!("{link}#item-{first}").as_str()));
    // Its EXIF is not read yet: a place it may record could leak, so no download for now.
    assert!(viewer.contains("shared by Mum") && viewer.contains("not ready to download yet"), "{viewer}");
    assert!(!viewer.contains("Log out"));
    assert_eq!(guest.get(&format!("{link}/items/{hidden}")).await.status(), StatusCode::NOT_FOUND);
}

/// A JPEG whose EXIF says how it was exposed, and when at which offset from UTC.
fn exposed_jpeg() -> Vec<u8> {
    use exif::{Field, In, Rational, Tag, Value as Exif};
    let ascii =
        |tag, text: &str| Field { tag, ifd_num: In::PRIMARY, value: Exif::Ascii(vec![text.as_bytes().to_vec()]) };
    let rational = |tag, num, denom| Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Exif::Rational(vec![Rational::from((num, denom))]),
    };
    let short = |tag, value| Field { tag, ifd_num: In::PRIMARY, value: Exif::Short(vec![value]) };
    let fields = [
        ascii(Tag::DateTimeOriginal, "2024:07:14 23:30:00"),
        ascii(Tag::OffsetTimeOriginal, "+02:00"),
        rational(Tag::ExposureTime, 1, 250),
        rational(Tag::FNumber, 18, 10),
        short(Tag::PhotographicSensitivity, 50),
        rational(Tag::FocalLength, 686, 100),
        short(Tag::FocalLengthIn35mmFilm, 26),
    ];
    let mut writer = exif::experimental::Writer::new();
    fields.iter().for_each(|field| writer.push_field(field));
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).expect("EXIF");
    let app1 = [b"Exif\0\0".as_slice(), &tiff.into_inner()].concat();
    let jpeg = real_jpeg(90);
    let mut exposed = vec![0xFF, 0xD8, 0xFF, 0xE1];
    exposed.extend(u16::try_from(app1.len() + 2).expect("short").to_be_bytes());
    exposed.extend(app1);
    exposed.extend(&jpeg[2..]);
    exposed
}

/// The photo page shows the exposure and the time taken as the camera recorded it (its day on
/// the timeline is the camera's, though 23:30 at UTC+02:00 is the next day nowhere it matters).
async fn the_photo_page_shows_the_exposure_and_the_camera_time(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else { return };
    let mum = &photos.family.admin;
    let id = json(upload(mum, "evening.jpg", "family", exposed_jpeg()).await).await["item"]["id"].clone();
    wait_for_preview(mum, &id).await;
    let page = mum.browser.get(&format!("/photos/items/{id}")).await.text().await.expect("html");
    for shown in
        ["1/250 s", "ƒ/1.8", "ISO 50", "6.86 mm (26 mm in 35 mm terms)", "Sunday 14 July 2024, 23:30 (UTC+02:00)"]
    {
        assert!(page.contains(shown), "the page should show {shown:?}: {page}");
    }
    let facts = json(mum.get(&format!("/photos/api/items/{id}")).send().await.expect("GET")).await;
    assert_eq!((facts["taken_offset_minutes"].as_i64(), facts["exposure_time"].as_str()), (Some(120), Some("1/250")));
    assert_eq!((facts["f_number"].as_f64(), facts["iso"].as_i64()), (Some(1.8), Some(50)));
    let timeline = mum.browser.get("/photos/").await.text().await.expect("html");
    assert!(timeline.contains("Sunday 14 July 2024"), "the camera's day heads it");
    assert!(timeline.contains("class=\"tile r27\""), "a 64 × 48 photo is a 4:3 tile: {timeline}");
}

/// A PDF gets a picture of its first page, cleaner text, its words in search results around
/// the match, and a page called "Document".
async fn a_pdf_has_a_first_page_and_its_words_are_shown_where_found(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1 << 20).await else { return };
    let mum = &photos.family.admin;
    let letter = json(upload(mum, "scan-0043.pdf", "family", pdf_with_text("Your boiler service is due")).await).await
        ["item"]["id"]
        .clone();
    wait_for_preview(mum, &letter).await;
    let thumbnail = mum.get(&format!("/photos/items/{letter}/thumbnail")).send().await.expect("GET");
    assert_eq!(thumbnail.headers()["content-type"], "image/jpeg");
    let item = json(mum.get(&format!("/photos/api/items/{letter}")).send().await.expect("GET")).await;
    assert_eq!(
        (item["width"].as_i64(), item["height"].as_i64()),
        (Some(1113), Some(1440)),
        "shaped as its page: {item}"
    );
    let page = mum.browser.get(&format!("/photos/items/{letter}")).await.text().await.expect("html");
    assert!(page.contains("<title>Document · Hearth</title>") && page.contains("The first page of scan-0043.pdf"));
    assert!(page.contains("open the whole document"));
    let found = mum.browser.get("/photos/search?q=boiler").await.text().await.expect("html");
    assert!(found.contains("Your <mark>boiler</mark> service is due"), "{found}");
}

both_backends!(
    an_album_is_arranged_from_its_page,
    albums_links_and_the_trash_come_in_pages,
    the_same_bytes_are_stored_once,
    uploads_over_the_limit_are_refused_and_leave_nothing,
    the_timeline_shows_family_items_and_your_own,
    someone_elses_private_item_is_not_found,
    the_trash_keeps_items_until_restored_or_purged,
    stored_files_are_served_safely,
    the_plain_upload_form_works_without_script,
    albums_are_ordered_and_only_their_maker_changes_them,
    a_share_link_shows_the_album_to_a_guest_until_it_is_withdrawn,
    protected_and_expired_links_say_what_to_do,
    search_finds_the_same_things_on_every_backend,
    the_text_inside_a_pdf_is_found,
    guests_download_originals_only_when_no_location_leaks,
    an_item_is_shared_from_its_page,
    visibility_and_the_trash_decide_what_every_path_serves,
    a_link_shows_only_the_places_of_photos_its_maker_uploaded,
    uploading_again_never_widens_who_sees_an_item,
    share_link_passwords_are_long_and_guesses_are_throttled,
    the_plain_upload_form_says_what_is_wrong,
    a_selection_is_acted_on_at_once,
    the_viewer_steps_through_the_list_it_was_opened_from,
    a_guest_steps_through_what_the_link_shows,
    the_photo_page_shows_the_exposure_and_the_camera_time,
    a_pdf_has_a_first_page_and_its_words_are_shown_where_found,
);

/// Most blocking threads of that runtime: fewer than the slow uploads, as a small server's
/// pool (512 by default) is fewer than the slow uploads that exhausted it.
const SMALL_SERVER_BLOCKING: usize = 24;
/// Uploads that stall after their first block.
const SLOW_UPLOADS: usize = 32;
/// The part of each slow upload sent before it stalls: one whole 1 MiB block and a bit.
const SENT_BEFORE_STALLING: usize = (1 << 20) + 1000;

/// The name of the threads of the runtime the slow-upload test runs on for `backend` (its
/// workers and its blocking pool), which the test on the other backend does not share.
fn small_server_threads(backend: Backend) -> String {
    format!("small-{backend:?}")
}

/// A runtime like a small server's: two workers, a small blocking pool whose idle threads
/// go after 200 ms, all named, so that the threads uploads hold can be counted.
fn small_server_runtime(backend: Backend) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(SMALL_SERVER_BLOCKING)
        .thread_keep_alive(std::time::Duration::from_millis(200))
        .thread_name(small_server_threads(backend))
        .enable_all()
        .build()
        .expect("runtime")
}

/// Threads of this process named `name`.
fn threads_named(name: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .flatten()
        .filter(|task| std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim_end() == name))
        .count()
}

/// An upload over a real socket that sends its headers and [`SENT_BEFORE_STALLING`] bytes of
/// a body two thousand bytes longer, then stalls; [`finish_slow_upload`] sends the rest.
async fn start_slow_upload(addr: std::net::SocketAddr, token: &str, n: usize) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt as _;
    let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /photos/api/items?file_name=slow-{n}.bin&visibility=private HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nAccept: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        SENT_BEFORE_STALLING + 2000
    );
    socket.write_all(head.as_bytes()).await.expect("headers");
    let mut body = vec![u8::try_from(n % 251).expect("small"); SENT_BEFORE_STALLING];
    body[..8].copy_from_slice(&n.to_le_bytes());
    socket.write_all(&body).await.expect("the first part of the body");
    socket
}

/// Sends the rest of a slow upload; the answer's status line.
async fn finish_slow_upload(mut socket: tokio::net::TcpStream) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    socket.write_all(&[7; 2000]).await.expect("the rest of the body");
    let mut answer = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(30), socket.read_to_end(&mut answer))
        .await
        .expect("answered within 30 s")
        .expect("read");
    String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned()
}

/// Many slow uploads by one member (phones on a poor uplink, or a member's script) hold no
/// thread each while they wait for the network: the blocking pool stays free, a login (its
/// password hash runs there) is answered promptly, and the uploads all finish once their
/// bytes come.
async fn slow_uploads_hold_no_thread_each(backend: Backend) {
    use std::time::{Duration, Instant};
    let Some(photos) = Photos::start(backend, 1 << 30).await else { return };
    let kid = &photos.family.member;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let threads = small_server_threads(backend);
    let before = threads_named(&threads);
    let mut slow = Vec::new();
    for n in 0..SLOW_UPLOADS {
        slow.push(start_slow_upload(photos.family.server.addr, &kid.token, n).await);
    }
    let tmp = photos.storage().join("tmp");
    let deadline = Instant::now() + Duration::from_secs(20);
    while files_under(&tmp) < SLOW_UPLOADS && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let held = || threads_named(&threads).saturating_sub(before);
    let deadline = Instant::now() + Duration::from_secs(10);
    while held() > 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let held = held();
    assert!(held <= 2, "{SLOW_UPLOADS} stalled uploads hold {held} threads ({} of them had a file)", files_under(&tmp));

    let started = Instant::now();
    let login = photos
        .family
        .server
        .client()
        .http
        .post(photos.family.server.url("/api/auth/login"))
        .json(&serde_json::json!({"username": "mum", "password": "admin password"}))
        .send();
    let login = tokio::time::timeout(Duration::from_secs(10), login).await.expect("a login within 10 s").expect("POST");
    assert_eq!(login.status(), StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(5), "a login took {:?}", started.elapsed());
    let timeline = tokio::time::timeout(Duration::from_secs(5), kid.get("/photos/api/items").send()).await;
    assert_eq!(timeline.expect("the timeline within 5 s").expect("GET").status(), StatusCode::OK);

    for socket in slow {
        assert_eq!(finish_slow_upload(socket).await, "HTTP/1.1 201 Created");
    }
    let list = json(kid.get("/photos/api/items?limit=200").send().await.expect("GET")).await;
    assert_eq!(list["items"].as_array().expect("items").len(), SLOW_UPLOADS, "every slow upload was stored");
    assert_eq!(files_under(&tmp), 0);
}

/// [`slow_uploads_hold_no_thread_each`] on both backends, each on a [`small_server_runtime`].
mod slow_uploads_hold_no_thread_each {
    use hearth_shared::db::Backend;

    #[test]
    fn sqlite() {
        let backend = Backend::Sqlite;
        super::small_server_runtime(backend).block_on(super::slow_uploads_hold_no_thread_each(backend));
    }

    #[test]
    fn postgres() {
        let backend = Backend::Postgres;
        super::small_server_runtime(backend).block_on(super::slow_uploads_hold_no_thread_each(backend));
    }
}

/// The plain form (`multipart/form-data`) as the browser without script sends it, with the
/// CSRF token the page gives.
async fn post_upload_form(person: &Person, form: reqwest::multipart::Form) -> reqwest::Response {
    person.browser.get("/photos/").await;
    let csrf = person.browser.cookie("hearth_csrf").expect("csrf cookie");
    let url = person.browser.url(&format!("/photos/upload?csrf_token={csrf}"));
    person.browser.http.post(url).header("accept", "text/html").multipart(form).send().await.expect("POST")
}

/// The plain upload form says what is wrong: a file over the limit is 413 with the limit, a
/// visibility field of megabytes is refused without being held or shown back.
async fn the_plain_upload_form_says_what_is_wrong(backend: Backend) {
    let Some(photos) = Photos::start(backend, 1000).await else { return };
    let kid = &photos.family.member;
    let big = reqwest::multipart::Form::new()
        .text("visibility", "private")
        .part("files", reqwest::multipart::Part::bytes(vec![1; 5000]).file_name("big.jpg"));
    let refused = post_upload_form(kid, big).await;
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(refused.text().await.expect("html").contains("big.jpg is larger than the limit of 1000 bytes"));
    let odd = reqwest::multipart::Form::new()
        .text("visibility", "x".repeat(4 << 20))
        .part("files", reqwest::multipart::Part::bytes(jpeg_bytes(1)).file_name("one.jpg"));
    let refused = post_upload_form(kid, odd).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.expect("html");
    assert!(page.contains("Visibility is private or family.") && page.len() < 20_000, "{} bytes", page.len());
    let list = json(kid.get("/photos/api/items").send().await.expect("list")).await;
    assert_eq!(list["items"].as_array().expect("items").len(), 0, "nothing was stored");
}
