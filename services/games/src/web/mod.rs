//! The games pages (`pages`: the server list; `launch`: the launch form; `server`: a server's page
//! with its console and backups; `quotas`: the admins' page) and the live console as
//! server-sent events, with the server's figures in words (`figures`) and messages shown in
//! the card that was used (`notices`). Handlers parse, call the [`crate::manager`], render.

mod console;
mod figures;
mod launch;
mod notices;
mod pages;
mod quotas;
mod server;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::AppState;
use crate::manager::Server;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/games/", get(pages::list))
        .route("/games/new", get(launch::form).post(launch::launch))
        .route("/games/servers/{id}", get(server::show))
        .route("/games/servers/{id}/start", post(server::start))
        .route("/games/servers/{id}/stop", post(server::stop))
        .route("/games/servers/{id}/command", post(server::command))
        .route("/games/servers/{id}/backup-schedule", post(server::backup_schedule))
        .route("/games/quotas", get(quotas::show))
        .route("/games/quotas/{user_id}", post(quotas::set))
        .route("/games/static/games.js", get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }))
        .route("/games/static/games.css", get(|| async { asset("text/css; charset=utf-8", STYLESHEET) }))
}

/// The live console and what waits for a server to stop, beyond the request timeout.
pub fn long_routes() -> Router<AppState> {
    Router::new()
        .route("/games/servers/{id}/events", get(console::events))
        .route("/games/servers/{id}/restart", post(server::restart))
        .route("/games/servers/{id}/delete", post(server::delete))
        .route("/games/servers/{id}/backups", post(server::back_up))
        .route("/games/servers/{id}/backups/{name}/restore", get(server::confirm_restore).post(server::restore))
}

/// `host:port` for friends: the configured public host, or the host the page was asked on.
#[must_use]
pub fn friends_address(state: &AppState, headers: &HeaderMap, server: &Server) -> String {
    let host = state.manager.config().public_host.clone().unwrap_or_else(|| {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
        host_without_port(host).to_owned()
    });
    match server.main_port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

fn host_without_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

const SCRIPT: &str = include_str!("../../static/games.js");
const STYLESHEET: &str = include_str!("../../static/games.css");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

#[cfg(test)]
mod tests {
    use super::host_without_port;

    #[test]
    fn hosts_lose_their_port() {
        assert_eq!(host_without_port("hearth.lan:8080"), "hearth.lan");
        assert_eq!(host_without_port("hearth.lan"), "hearth.lan");
        assert_eq!(host_without_port("[::1]:8080"), "::1");
    }
}
