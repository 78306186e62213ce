//! The home page: the family's services, each with a live health dot.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::AppResult;
use hearth_shared::auth::MaybeUser;
use hearth_shared::csrf::CsrfToken;
use hearth_shared::error::login_redirect;
use hearth_shared::layout::{PageContext, render};

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
    services: &'static [ServiceTile],
}

pub async fn show(State(state): State<AppState>, csrf: CsrfToken, MaybeUser(user): MaybeUser) -> AppResult<Response> {
    let Some(user) = user else {
        if state.accounts.needs_setup().await? {
            return Ok(Redirect::to("/setup").into_response());
        }
        return Ok(Redirect::to(&login_redirect("/")).into_response());
    };
    render(&HomePage { ctx: page("Home", Some(user), &csrf), services: SERVICES })
}
