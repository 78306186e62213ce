//! Deleting a member when every service runs as a process of its own (ADR 0053): the portal
//! asks photos, bugs and games over HTTP (`HEARTH_<SERVICE>_URL`) with the admin's token, which
//! each service checks by asking the portal back. What the family saw stays, now the admin's;
//! the issues stay under a former member's name; the game server goes.

use hearth_e2e::{HearthProcess, first_admin_token, free_port};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let body = response.text().await.expect("body");
    serde_json::from_str(&body).unwrap_or_else(|_| panic!("{status}: not JSON: {body}"))
}

#[tokio::test]
async fn a_portal_alone_has_each_service_remove_its_part() {
    let portal_port = free_port();
    let portal_url = format!("http://127.0.0.1:{portal_port}");
    let asks_portal = [("HEARTH_PORTAL_URL", portal_url.as_str()), ("HEARTH_AUTH_CACHE_SECS", "1")];
    let photos = HearthProcess::start(Some("photos"), &asks_portal).await;
    let bugs = HearthProcess::start(Some("bugs"), &asks_portal).await;
    let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/../services/games/tests/templates");
    let mut games_env = asks_portal.to_vec();
    games_env.extend([
        ("HEARTH_GAMES_TEMPLATES_DIR", templates),
        ("HEARTH_GAMES_PORTS", "32100-32109"),
        ("HEARTH_GAMES_UIDS", "321000-321009"),
    ]);
    let games = HearthProcess::start(Some("games"), &games_env).await;
    let portal = HearthProcess::start_on(
        portal_port,
        Some("portal"),
        &[
            ("HEARTH_PHOTOS_URL", photos.base_url.as_str()),
            ("HEARTH_BUGS_URL", bugs.base_url.as_str()),
            ("HEARTH_GAMES_URL", games.base_url.as_str()),
        ],
    )
    .await;
    let http = reqwest::Client::new();
    let mum = first_admin_token(&http, &portal.base_url).await;
    let invite = json_of(
        http.post(format!("{portal_url}/api/invites")).bearer_auth(&mum).json(&json!({})).send().await.expect("invite"),
    )
    .await;
    let joined = http
        .post(format!("{portal_url}/api/invites/accept"))
        .json(&json!({"token": invite["token"], "username": "kid", "display_name": "Kid", "password": "kid password"}))
        .send()
        .await
        .expect("accept");
    assert_eq!(joined.status(), StatusCode::CREATED);
    let joined = json_of(joined).await;
    let kid = joined["token"].as_str().expect("token").to_owned();
    let kid_id = joined["identity"]["user_id"].as_i64().expect("id");

    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend([7; 64]);
    let uploaded = http
        .post(format!("{}/photos/api/items", photos.base_url))
        .query(&[("file_name", "beach.jpg"), ("visibility", "family")])
        .bearer_auth(&kid)
        .body(jpeg)
        .send()
        .await
        .expect("upload");
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    // The Home project comes with a fresh tracker (ADR 0057).
    let filed = http
        .post(format!("{}/bugs/api/projects/HOME/issues", bugs.base_url))
        .bearer_auth(&kid)
        .json(&json!({"title": "The printer is out of ink"}))
        .send()
        .await
        .expect("file");
    assert_eq!(filed.status(), StatusCode::CREATED);
    let launched = http
        .post(format!("{}/games/api/servers", games.base_url))
        .bearer_auth(&kid)
        .json(&json!({"game": "echo", "name": "Friday"}))
        .send()
        .await
        .expect("launch");
    assert_eq!(launched.status(), StatusCode::CREATED);
    let server = json_of(launched).await["id"].as_i64().expect("server id");

    let plan = json_of(
        http.get(format!("{portal_url}/api/users/{kid_id}/deletion")).bearer_auth(&mum).send().await.expect("plan"),
    )
    .await;
    for part in plan["services"].as_array().expect("services") {
        assert_eq!(part["status"], "ok", "every service answers over HTTP: {plan:#}");
    }
    assert!(plan.to_string().contains("1 photo or file the family sees stays, now Mum's."), "{plan:#}");
    assert!(plan.to_string().contains("shown as Kid (former member)"), "{plan:#}");
    assert!(plan.to_string().contains("\u{201c}Friday\u{201d}"), "{plan:#}");

    let deleted =
        http.delete(format!("{portal_url}/api/users/{kid_id}")).bearer_auth(&mum).send().await.expect("delete");
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(json_of(deleted).await["finished"], true);

    let timeline =
        json_of(http.get(format!("{}/photos/api/items", photos.base_url)).bearer_auth(&mum).send().await.expect("GET"))
            .await;
    let mum_id = timeline["items"][0]["owner_id"].clone();
    let me = json_of(http.get(format!("{portal_url}/api/me")).bearer_auth(&mum).send().await.expect("GET")).await;
    assert_eq!(mum_id, me["user_id"], "the family's photo is Mum's now: {timeline:#}");
    let issue = json_of(
        http.get(format!("{}/bugs/api/projects/HOME/issues/1", bugs.base_url))
            .bearer_auth(&mum)
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!(issue["issue"]["reporter"], "Kid (former member)");
    let gone =
        http.get(format!("{}/games/api/servers/{server}", games.base_url)).bearer_auth(&mum).send().await.expect("GET");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND, "the game server is deleted");
}
