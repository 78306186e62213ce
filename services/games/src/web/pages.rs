//! The list of servers: each with its owner, state, players, CPU and memory, and a start or
//! stop button whose refusal comes back in that server's card.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::flash::Flash;
use hearth_shared::layout::{PageContext, Timestamp, render};
use hearth_shared::{AppResult, CurrentUser, Identity};

use super::figures::Figures;
use super::friends_address;
use super::notices::Notice;
use crate::manager::Server;
use crate::{AppState, SERVICE};

pub(super) fn page(title: &str, user: Identity, csrf: &CsrfToken) -> PageContext {
    PageContext::new(title, Some(user), &csrf.0, SERVICE.prefix)
}

/// A server in the list.
pub struct ServerLine {
    pub server: Server,
    pub figures: Figures,
    pub address: String,
    pub since: Timestamp,
    /// The answer to this card's start or stop, when it was refused.
    pub notice: Option<Notice>,
    /// Whether the viewer sees others' servers (an admin): owners are named then.
    pub shows_owner: bool,
}

#[derive(Template)]
#[template(path = "servers.html")]
struct ListPage {
    ctx: PageContext,
    servers: Vec<ServerLine>,
}

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    csrf: CsrfToken,
    flash: Flash,
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    let notice: Option<Notice> = flash.take();
    let shows_owner = user.is_admin();
    let servers = state
        .manager
        .list(&user)
        .await?
        .into_iter()
        .map(|server| ServerLine {
            figures: Figures::of(&server),
            address: friends_address(&state, &headers, &server),
            since: Timestamp::at(server.state_since),
            notice: notice.clone().filter(|n| n.card == format!("server-{}", server.id)),
            shows_owner,
            server,
        })
        .collect();
    Ok((flash, render(&ListPage { ctx: page("Game servers", user, &csrf), servers })?).into_response())
}
