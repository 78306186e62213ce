//! The launch form and the list of servers as the family uses them: launching is one step
//! with the games first, each field named once; the list shows each server's owner (to an
//! admin), players, CPU and memory, with a start or stop button whose refusal comes back in
//! that server's card.

use hearth_shared::both_backends;
use hearth_shared::db::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Games, json_of, wait_for_state};

#[tokio::test]
async fn launching_is_one_step_with_the_games_first() {
    let Some(games) = Games::start(hearth_shared::db::Backend::Sqlite, 31430).await else { return };
    let kid = &games.family.member;
    let html = kid.browser.get("/games/new").await.text().await.expect("html");
    let first_field = html.find("name=\"game\"").expect("the game cards");
    assert!(first_field < html.find("name=\"name\"").expect("the name"), "the games come first: {html}");
    for game in ["minetest", "teeworlds", "openttd", "freeciv", "echo"] {
        assert!(html.contains(&format!("id=\"game-{game}\"")), "a card for {game}");
        assert!(html.contains(&format!("id=\"settings-{game}\"")), "the settings of {game}");
    }
    let minetest = &html[html.find("id=\"settings-minetest\"").expect("minetest")..];
    let minetest = &minetest[..minetest.find("</fieldset>").expect("its end")];
    assert!(minetest.contains("Game pack"), "Minetest's own game choice has its own name: {minetest}");
    assert!(!minetest.contains(">Game\n") && html.contains("<legend>Choose a game</legend>"));

    let launched = kid
        .browser
        .post_form(
            "/games/new",
            &[
                ("game", "echo"),
                ("name", "One step"),
                ("minetest.setting.max_players", "999"),
                ("echo.setting.players", "3"),
                ("echo.memory_mb", "32"),
            ],
        )
        .await;
    assert_eq!(launched.status(), StatusCode::SEE_OTHER, "another game's fields are not read");
    let servers = json_of(kid.get("/games/api/servers").send().await.expect("GET")).await;
    assert_eq!((&servers[0]["settings"]["players"], &servers[0]["memory_mb"]), (&json!("3"), &json!(32)));
    let preselected = kid.browser.get("/games/new?game=minetest").await.text().await.expect("html");
    assert!(preselected.contains("id=\"game-minetest\" required checked"));
}

async fn the_list_shows_owners_players_figures_and_start_and_stop(backend: Backend) {
    let Some(games) = Games::start(backend, 31440).await else { return };
    let (kid, mum) = (&games.family.member, &games.family.admin);
    let launch = |name: &'static str| {
        kid.request(Method::POST, "/games/api/servers").json(&json!({"game": "echo", "name": name})).send()
    };
    let id = json_of(launch("Kid's world").await.expect("POST")).await["id"].as_i64().expect("id");
    wait_for_state(kid, id, "running").await;
    let html = mum.browser.get("/games/").await.text().await.expect("html");
    let card = &html[html.find(&format!("id=\"server-{id}\"")).expect("the server's card")..];
    let card = &card[..card.find("</section>").expect("its end")];
    let kid_name = &kid.identity.display_name;
    assert!(card.contains(&format!("<span class=\"owner\">{kid_name}'s</span>")), "the owner: {card}");
    assert!(card.contains("Nobody playing"), "who plays: {card}");
    assert!(card.contains("CPU ") && card.contains("MiB of 64 MiB"), "CPU and memory: {card}");
    assert!(card.contains(&format!("action=\"/games/servers/{id}/stop\"")) && card.contains(">Stop</button>"));

    let stopped = kid.browser.post_form(&format!("/games/servers/{id}/stop"), &[("from", "list")]).await;
    assert_eq!(stopped.status(), StatusCode::SEE_OTHER);
    assert_eq!(stopped.headers()["location"], format!("/games/#server-{id}"), "back to the list");
    wait_for_state(kid, id, "stopped").await;
    let html = kid.browser.get("/games/").await.text().await.expect("html");
    assert!(html.contains(&format!("action=\"/games/servers/{id}/start\"")), "{html}");

    let quota = format!("/games/api/quotas/{}", kid.identity.user_id);
    mum.request(Method::PUT, &quota).json(&json!({"max_running": 0, "max_memory_mb": 100})).send().await.expect("PUT");
    let refused = kid.browser.post_form(&format!("/games/servers/{id}/start"), &[("from", "list")]).await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    assert_eq!(refused.headers()["location"], format!("/games/#server-{id}"));
    let html = kid.browser.get("/games/").await.text().await.expect("html");
    let card = &html[html.find(&format!("id=\"server-{id}\"")).expect("the card")..];
    assert!(card[..card.find("</section>").unwrap_or(card.len())].contains("You may run 0 servers at once"), "{html}");
}

both_backends!(the_list_shows_owners_players_figures_and_start_and_stop);
