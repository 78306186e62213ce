//! Deleting a member in the all-in-one process, on SQLite and PostgreSQL (ADR 0053): every
//! service is built as `hearth serve` builds it and asked in-process; the admin sees what each
//! would do, confirms, and each service has done it. A service that cannot be reached leaves
//! the account disabled and marked as being deleted, with its other parts done.

use std::path::PathBuf;
use std::sync::Arc;

use hearth_portal::accounts::{ClientInfo, NewSession, Signup};
use hearth_portal::members::{MemberRemoval, OverHttp};
use hearth_portal::testing::Person;
use hearth_shared::db::{Backend, Database};
use hearth_shared::testing::{TestDatabase, TestServer};
use hearth_shared::{Role, both_backends, http};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Every service of Hearth in one process with Mum (admin) and Kid (member) signed in.
struct Hearth {
    server: TestServer,
    data_dir: PathBuf,
    mum: Person,
    kid: Person,
    kid_id: i64,
    db: TestDatabase,
}

/// Which services the portal asks in-process; the others it asks at an address where nothing
/// answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Games {
    InProcess,
    Unreachable,
}

impl Hearth {
    async fn start(backend: Backend, games_wiring: Games) -> Option<Self> {
        let db = TestDatabase::create(backend).await?;
        // Games run as their own users when the tests run as root: they must pass through.
        std::fs::set_permissions(db.data_dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o711))
            .expect("chmod");
        let config = db.config();
        let portal = hearth_portal::AppState::new(config.clone()).await.expect("portal");
        let auth = portal.auth.clone();
        let photos_config = hearth_photos::config::PhotosConfig::from_lookup(&config, |_| None).expect("photos config");
        let photos = hearth_photos::AppState::new(config.clone(), photos_config, auth.clone()).await.expect("photos");
        let bugs_config = hearth_bugs::config::BugsConfig::from_lookup(&config, |_| None).expect("bugs config");
        let bugs = hearth_bugs::AppState::new(config.clone(), bugs_config, auth.clone()).await.expect("bugs");
        let first_port = if backend == Backend::Postgres { 32010 } else { 32000 };
        let mut games_config = hearth_games::config::GamesConfig::from_lookup(&config, |_| None).expect("games config");
        games_config.ports = first_port..=first_port + 9;
        games_config.uids = u32::from(first_port) * 10..=u32::from(first_port) * 10 + 9;
        games_config.templates_dir = Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../games/tests/templates"));
        let games = hearth_games::AppState::new(config.clone(), games_config, auth).await.expect("games");

        let mut services = hearth::members::in_process(&photos, &bugs, &games);
        if games_wiring == Games::Unreachable {
            services.retain(|s| s.service() != "Games");
            let nowhere: Arc<dyn MemberRemoval> =
                Arc::new(OverHttp::new("Games", "/games", "http://127.0.0.1:9").expect("client"));
            services.push(nowhere);
        }
        let accounts = portal.accounts.clone();
        let portal = portal.with_member_services(services);
        let router = hearth_portal::router(portal)
            .merge(hearth_photos::router(photos))
            .merge(hearth_bugs::router(bugs))
            .merge(hearth_games::router(games));
        let server = TestServer::start(http::app(router, &config)).await;

        let client = ClientInfo::default();
        let mum = Signup { username: "mum", display_name: "Mum", password: "admin password" };
        let mum = accounts.setup(&mum, &client).await.expect("admin");
        let (invite, _) = accounts.create_invite(&mum.identity, Role::Member).await.expect("invite");
        let kid = Signup { username: "kid", display_name: "Kid", password: "kid password" };
        let kid = accounts.accept_invite(&invite, &kid, &client).await.expect("member");
        let person = |session: NewSession| {
            let browser = server.client();
            browser.sign_in(&session.token);
            Person { identity: session.identity, token: session.token, browser }
        };
        let (mum, kid) = (person(mum), person(kid));
        let kid_id = kid.identity.user_id;
        Some(Self { data_dir: config.data_dir.clone(), server, mum, kid, kid_id, db })
    }
}

async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let body = response.text().await.expect("body");
    serde_json::from_str(&body).unwrap_or_else(|_| panic!("{status}: not JSON: {body}"))
}

async fn send(person: &Person, method: Method, path: &str, body: Value) -> reqwest::Response {
    person.request(method, path).json(&body).send().await.expect("request")
}

/// Uploads a few bytes that sniff as a JPEG (`seed` makes them differ) as `person`.
async fn upload(person: &Person, name: &str, visibility: &str, seed: u8) -> Value {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend(std::iter::repeat_n(seed, 64));
    let response = person
        .request(Method::POST, "/photos/api/items")
        .query(&[("file_name", name), ("visibility", visibility)])
        .body(bytes)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), StatusCode::CREATED, "upload {name}");
    json_of(response).await["item"].clone()
}

/// What Kid has everywhere: three photos (two the family sees, one private, one of the
/// family's being the same bytes Mum has too), a family album with a share link; an issue
/// they filed and commented on, and one of Mum's assigned to them; a game server.
async fn kid_moves_in(hearth: &Hearth) -> (Value, i64) {
    let (mum, kid) = (&hearth.mum, &hearth.kid);
    let beach = upload(kid, "beach.jpg", "family", 1).await;
    upload(kid, "diary.jpg", "private", 2).await;
    let cake = upload(kid, "cake.jpg", "family", 3).await;
    upload(mum, "cake-mum.jpg", "private", 3).await;
    let album = json_of(
        send(kid, Method::POST, "/photos/api/albums", json!({"name": "Holiday", "visibility": "family"})).await,
    )
    .await;
    let added = send(
        kid,
        Method::POST,
        &format!("/photos/api/albums/{}/items", album["id"]),
        json!({"item_ids": [beach["id"], cake["id"]]}),
    )
    .await;
    assert!(added.status().is_success(), "{}", added.status());
    let share = send(kid, Method::POST, "/photos/api/shares", json!({"album_id": album["id"]})).await;
    assert_eq!(share.status(), StatusCode::CREATED);
    let share = json_of(share).await;

    // The Home project comes with a fresh tracker (ADR 0057).
    let filed = send(kid, Method::POST, "/bugs/api/projects/HOME/issues", json!({"title": "Wifi drops"})).await;
    assert_eq!(filed.status(), StatusCode::CREATED);
    let comment =
        send(kid, Method::POST, "/bugs/api/projects/HOME/issues/1/comments", json!({"body": "Again today"})).await;
    assert!(comment.status().is_success(), "{}", comment.status());
    send(mum, Method::POST, "/bugs/api/projects/HOME/issues", json!({"title": "Fix the gate"})).await;
    let assigned = send(mum, Method::POST, "/bugs/api/projects/HOME/issues/2/triage", json!({"assignee": "kid"})).await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let followed = send(kid, Method::POST, "/bugs/api/projects/HOME/issues/2/follow", json!({"following": true})).await;
    assert!(followed.status().is_success(), "{}", followed.status());
    let email = kid.browser.post_form("/bugs/inbox/email", &[("address", "kid@example.net")]).await;
    assert_eq!(email.status(), StatusCode::SEE_OTHER, "the email address is saved");
    let inbox = json_of(kid.get("/bugs/api/notifications").send().await.expect("GET")).await;
    assert!(inbox.to_string().contains("assigned"), "Kid heard of the assignment: {inbox:#}");

    let launched = send(kid, Method::POST, "/games/api/servers", json!({"game": "echo", "name": "Kid's world"})).await;
    assert_eq!(launched.status(), StatusCode::CREATED);
    let server = json_of(launched).await["id"].as_i64().expect("server id");
    (share, server)
}

fn files_under(folder: &std::path::Path) -> usize {
    std::fs::read_dir(folder)
        .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}

fn part<'a>(deletion: &'a Value, service: &str) -> &'a Value {
    deletion["services"].as_array().expect("services").iter().find(|p| p["service"] == service).expect("part")
}

fn said(deletion: &Value, service: &str) -> String {
    part(deletion, service)["summary"]
        .as_array()
        .expect("summary")
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(" | ")
}

async fn deleting_a_member_hands_over_what_the_family_sees_everywhere(backend: Backend) {
    let Some(hearth) = Hearth::start(backend, Games::InProcess).await else {
        return;
    };
    let (share, server) = kid_moves_in(&hearth).await;
    let (mum, kid) = (&hearth.mum, &hearth.kid);
    let kid_id = hearth.kid_id;

    let plan = json_of(mum.get(&format!("/api/users/{kid_id}/deletion")).send().await.expect("GET")).await;
    assert_eq!(
        said(&plan, "Photos"),
        "2 photos and files the family sees stay, now Mum's. | 1 private or trashed photo or file is deleted. \
         | 1 family album stays, now Mum's. | 1 share link stops working: guests can no longer open them."
    );
    assert_eq!(
        said(&plan, "Bugs"),
        "1 issue they reported and 1 comment stay, shown as Kid (former member). \
         | 1 open issue assigned to them becomes unassigned."
    );
    assert!(said(&plan, "Games").contains("The Echo (test) server \u{201c}Kid's world\u{201d}"), "{plan:#}");
    assert!(plan["portal"].to_string().contains("1 session and no API tokens end now."), "{plan:#}");
    let page = mum.browser.get(&format!("/admin/users/{kid_id}/delete")).await.text().await.expect("page");
    assert!(page.contains("now Mum&#39;s") || page.contains("now Mum's"), "the plan page shows each part");

    let member_cannot = kid
        .request(Method::POST, &format!("/photos/api/members/{}/removal", mum.identity.user_id))
        .send()
        .await
        .expect("POST");
    assert_eq!(member_cannot.status(), StatusCode::FORBIDDEN, "only an admin removes someone's photos");

    let deleted = mum.request(Method::DELETE, &format!("/api/users/{kid_id}")).send().await.expect("DELETE");
    assert_eq!(deleted.status(), StatusCode::OK);
    let deleted = json_of(deleted).await;
    assert_eq!(deleted["finished"], true, "{deleted:#}");
    assert_eq!(kid.get("/api/me").send().await.expect("GET").status(), StatusCode::UNAUTHORIZED);

    // Photos: the family's photos and album are Mum's, in the album as before; the private one
    // is gone with its bytes; the share link stops.
    let timeline = json_of(mum.get("/photos/api/items").send().await.expect("GET")).await;
    let items = timeline["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "Kid's beach, and Mum's own copy of the cake: {timeline:#}");
    assert!(items.iter().all(|i| i["owner_id"] == mum.identity.user_id && i["visibility"] == "family"), "{timeline:#}");
    let albums = json_of(mum.get("/photos/api/albums").send().await.expect("GET")).await;
    let album = &albums["albums"][0];
    assert_eq!(album["name"], "Holiday");
    let album = json_of(mum.get(&format!("/photos/api/albums/{}", album["id"])).send().await.expect("GET")).await;
    assert_eq!(album["items"].as_array().map(Vec::len), Some(2), "both photos stay in the album: {album:#}");
    let guest = hearth.server.client().get(share["path"].as_str().expect("path")).await;
    assert!(guest.status().is_client_error(), "the share link stops: {}", guest.status());
    let blobs = files_under(&hearth.data_dir.join("photos/blobs"));
    assert_eq!(blobs, 2, "the private photo's bytes are deleted; the beach and the cake are kept");

    // Bugs: the issues and comments stay under a former member's name; nothing is assigned to them.
    let first = json_of(mum.get("/bugs/api/projects/HOME/issues/1").send().await.expect("GET")).await;
    assert_eq!(first["issue"]["reporter"], "Kid (former member)");
    assert_eq!(first["comments"][0]["author"], "Kid (former member)");
    let second = json_of(mum.get("/bugs/api/projects/HOME/issues/2").send().await.expect("GET")).await;
    assert_eq!(second["issue"]["assignee"], Value::Null, "{second:#}");
    let assign_again =
        send(mum, Method::POST, "/bugs/api/projects/HOME/issues/2/triage", json!({"assignee": "kid"})).await;
    assert_eq!(assign_again.status(), StatusCode::UNPROCESSABLE_ENTITY, "a former member is not offered");
    let bugs_db =
        Database::connect(&hearth.db.url_for("bugs"), "bugs", &hearth_bugs::MIGRATIONS).await.expect("bugs db");
    for kept_of_kid in [
        "SELECT COUNT(*) FROM notifications WHERE recipient_id = $1",
        "SELECT COUNT(*) FROM subscriptions WHERE user_id = $1",
        "SELECT COUNT(*) FROM people WHERE user_id = $1 AND email IS NOT NULL",
    ] {
        let count: i64 =
            sqlx::query_scalar(kept_of_kid).bind(kid_id).fetch_one(bugs_db.pool()).await.expect(kept_of_kid);
        assert_eq!(count, 0, "nothing addressed to a former member is kept: {kept_of_kid}");
    }

    // Games: the server is stopped and deleted with its world.
    let gone = mum.get(&format!("/games/api/servers/{server}")).send().await.expect("GET");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert!(!hearth.data_dir.join(format!("games/servers/{server}")).exists(), "the world is deleted");

    // Asked again, each service finds nothing left.
    for (prefix, nothing) in [("/photos", "Nothing here is theirs."), ("/games", "They have no game servers.")] {
        let again =
            mum.request(Method::POST, &format!("{prefix}/api/members/{kid_id}/removal")).send().await.expect("POST");
        assert_eq!(json_of(again).await["summary"], json!([nothing]), "{prefix}");
    }
}

async fn an_unreachable_service_leaves_the_account_disabled_until_it_answers(backend: Backend) {
    let Some(hearth) = Hearth::start(backend, Games::Unreachable).await else {
        return;
    };
    let (mum, kid) = (&hearth.mum, &hearth.kid);
    let kid_id = hearth.kid_id;
    upload(kid, "beach.jpg", "family", 1).await;

    let plan = json_of(mum.get(&format!("/api/users/{kid_id}/deletion")).send().await.expect("GET")).await;
    assert_eq!(part(&plan, "Games")["status"], "failed");
    assert!(part(&plan, "Games")["error"].as_str().expect("error").contains("Games is not answering"), "{plan:#}");
    let page = mum.browser.get(&format!("/admin/users/{kid_id}/delete")).await.text().await.expect("page");
    assert!(
        page.contains("does not delete yet") && !page.contains("class=\"danger\">Delete"),
        "no button while a service cannot say"
    );

    let deleted = mum.request(Method::DELETE, &format!("/api/users/{kid_id}")).send().await.expect("DELETE");
    assert_eq!(deleted.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(json_of(deleted).await["detail"].as_str().expect("detail").contains("Games"));
    assert_eq!(kid.get("/api/me").send().await.expect("GET").status(), StatusCode::UNAUTHORIZED, "disabled meanwhile");
    let users = json_of(mum.get("/api/users").send().await.expect("GET")).await;
    assert_eq!(users.as_array().map(Vec::len), Some(2), "the account is kept to finish later");
    let timeline = json_of(mum.get("/photos/api/items").send().await.expect("GET")).await;
    assert_eq!(timeline["items"][0]["owner_id"], mum.identity.user_id, "what could be done is done");
    let admin = mum.browser.get("/admin").await.text().await.expect("page");
    assert!(admin.contains("being deleted") && admin.contains("Finish deleting"), "the family page says so");
    let enable = mum.request(Method::POST, &format!("/api/users/{kid_id}/enable")).send().await.expect("POST");
    assert_eq!(enable.status(), StatusCode::CONFLICT, "a half-deleted account is not enabled again");
}

both_backends!(
    deleting_a_member_hands_over_what_the_family_sees_everywhere,
    an_unreachable_service_leaves_the_account_disabled_until_it_answers,
);
