//! The home page: the family's services, each with a live health dot.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::AppResult;
use hearth_shared::auth::MaybeUser;
use hearth_shared::csrf::CsrfToken;
use hearth_shared::error::login_redirect;
use hearth_shared::layout::{PageContext, render};
use serde::Deserialize;

use super::page;
use crate::AppState;

/// A service tile on the home page.
struct ServiceTile {
    name: &'static str,
    href: &'static str,
    health: &'static str,
    blurb: &'static str,
}

const SERVICES: &[ServiceTile] = &[
    ServiceTile {
        name: "Photos",
        href: "/photos/",
        health: "/photos/healthz",
        blurb: "The family's pictures, videos and papers.",
    },
    ServiceTile { name: "Bugs", href: "/bugs/", health: "/bugs/healthz", blurb: "Tell us what is broken." },
    ServiceTile { name: "Games", href: "/games/", health: "/games/healthz", blurb: "Start a game server for friends." },
];

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageContext,
    notice: Option<&'static str>,
    services: &'static [ServiceTile],
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The page where people land, so it also says which time zone they chose (ADR 0055).
pub async fn show(
    State(state): State<AppState>,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Query(query): Query<DoneQuery>,
) -> AppResult<Response> {
    let Some(user) = user else {
        if state.accounts.needs_setup().await? {
            return Ok(Redirect::to("/setup").into_response());
        }
        return Ok(Redirect::to(&login_redirect("/")).into_response());
    };
    let notice = (query.done.as_deref() == Some("password"))
        .then_some("Your new password is saved. You are logged out on every other device.");
    let time_zone = state.accounts.time_zone(&user).await?;
    let ctx = page("Home", Some(user), &csrf).with_time_zone(time_zone.as_deref());
    render(&HomePage { ctx, notice, services: SERVICES })
}
