//! API handlers for templates, servers and consoles: parse, call the [`Manager`], answer.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Json, response::IntoResponse};
use hearth_shared::error::Problem;
use hearth_shared::{AppResult, CurrentUser};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::domain::{GameTemplate, PortSpec, SettingRule};
use crate::manager::{LaunchRequest, Server};
use crate::runtime::console::Line;
use crate::web::friends_address;

/// A game that can be launched, and its form.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateInfo {
    pub game: String,
    pub title: String,
    pub description: String,
    pub ports: Vec<PortSpec>,
    pub settings: Vec<SettingRule>,
    pub memory_mb: MemoryRange,
    /// Whether the console takes commands.
    pub console_input: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemoryRange {
    pub default: u32,
    pub min: u32,
    pub max: u32,
}

impl From<&GameTemplate> for TemplateInfo {
    fn from(t: &GameTemplate) -> Self {
        Self {
            game: t.game.to_string(),
            title: t.title.clone(),
            description: t.description.clone(),
            ports: t.ports.clone(),
            settings: t.settings.clone(),
            memory_mb: MemoryRange { default: t.memory_default, min: t.memory_min, max: t.memory_max },
            console_input: t.console_input,
        }
    }
}

/// A server and the address friends type into their game.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServerView {
    #[serde(flatten)]
    pub server: Server,
    /// `host:port`.
    pub address: String,
}

fn view(state: &AppState, headers: &HeaderMap, server: Server) -> ServerView {
    ServerView { address: friends_address(state, headers, &server), server }
}

/// A server to launch.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LaunchBody {
    /// A template's `game`.
    pub game: String,
    pub name: String,
    /// MiB; the template's default when left out.
    pub memory_mb: Option<u32>,
    /// Stop after this many minutes with no players (0 or left out: never).
    pub idle_stop_minutes: Option<u32>,
    /// Setting name to value (strings, numbers or booleans); defaults for those left out.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub settings: BTreeMap<String, serde_json::Value>,
}

/// The games offered here.
#[utoipa::path(get, path = "/games/api/templates", tag = "games", responses((status = 200, body = [TemplateInfo])))]
pub async fn templates(State(state): State<AppState>, CurrentUser(_user): CurrentUser) -> Json<Vec<TemplateInfo>> {
    Json(state.manager.catalog().all().map(TemplateInfo::from).collect())
}

/// Your servers (every server for an admin), newest first.
#[utoipa::path(get, path = "/games/api/servers", tag = "servers", responses((status = 200, body = [ServerView]), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
) -> AppResult<Json<Vec<ServerView>>> {
    let servers = state.manager.list(&user).await?;
    Ok(Json(servers.into_iter().map(|s| view(&state, &headers, s)).collect()))
}

/// Launches a server: checks the settings, allocates ports, starts it. It answers once the
/// game is spawned (`starting`), or `crashed` with the reason when it could not start.
#[utoipa::path(post, path = "/games/api/servers", tag = "servers", request_body = LaunchBody,
    responses((status = 201, body = ServerView), (status = 422, description = "What to fix", body = Problem),
        (status = 409, description = "No free port", body = Problem)))]
pub async fn launch(
    State(state): State<AppState>,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    Json(body): Json<LaunchBody>,
) -> AppResult<impl IntoResponse> {
    let settings = body
        .settings
        .into_iter()
        .map(|(name, value)| {
            let text = match value {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            };
            (name, text)
        })
        .collect();
    let request = LaunchRequest {
        game: body.game,
        name: body.name,
        memory_mb: body.memory_mb.map(|m| m.to_string()).unwrap_or_default(),
        idle_stop_minutes: body.idle_stop_minutes.map(|m| m.to_string()).unwrap_or_default(),
        settings,
    };
    let server = state.manager.launch(&user, &request).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &headers, server))))
}

/// One server.
#[utoipa::path(get, path = "/games/api/servers/{id}", tag = "servers",
    responses((status = 200, body = ServerView), (status = 404, body = Problem)))]
pub async fn get_server(
    State(state): State<AppState>,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ServerView>> {
    Ok(Json(view(&state, &headers, state.manager.get(&user, id).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeleteParams {
    /// Also delete the server's folder (its world and saves). Kept unless true.
    #[serde(default)]
    pub delete_world: bool,
}

/// Stops and deletes a server; its world is kept unless `delete_world=true`.
#[utoipa::path(delete, path = "/games/api/servers/{id}", tag = "servers", params(DeleteParams),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_server(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Query(params): Query<DeleteParams>,
) -> AppResult<StatusCode> {
    state.manager.delete(&user, id, params.delete_world).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts a stopped or crashed server.
#[utoipa::path(post, path = "/games/api/servers/{id}/start", tag = "servers",
    responses((status = 200, body = ServerView), (status = 404, body = Problem)))]
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ServerView>> {
    Ok(Json(view(&state, &headers, state.manager.start(&user, id).await?)))
}

/// Stops a server gracefully (its world is saved); answers at once with `stopping`.
#[utoipa::path(post, path = "/games/api/servers/{id}/stop", tag = "servers",
    responses((status = 200, body = ServerView), (status = 404, body = Problem)))]
pub async fn stop(
    State(state): State<AppState>,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ServerView>> {
    Ok(Json(view(&state, &headers, state.manager.stop(&user, id).await?)))
}

/// Stops a server, waits for it, and starts it again.
#[utoipa::path(post, path = "/games/api/servers/{id}/restart", tag = "servers",
    responses((status = 200, body = ServerView), (status = 404, body = Problem)))]
pub async fn restart(
    State(state): State<AppState>,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ServerView>> {
    Ok(Json(view(&state, &headers, state.manager.restart(&user, id).await?)))
}

/// The console's last lines (the live view is `/games/servers/{id}/events`, server-sent events).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsoleLines {
    pub lines: Vec<String>,
}

/// The console's last lines, as text (ANSI codes included; Hearth's events start with
/// `[hearth] `, typed commands with `> `).
#[utoipa::path(get, path = "/games/api/servers/{id}/console", tag = "console",
    responses((status = 200, body = ConsoleLines), (status = 404, body = Problem)))]
pub async fn console(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ConsoleLines>> {
    let server = state.manager.get(&user, id).await?;
    let mut lines: Vec<String> = state.manager.console(id).snapshot().iter().map(Line::marked).collect();
    if lines.is_empty() && !server.last_lines.is_empty() {
        lines = server.last_lines.lines().map(str::to_owned).collect();
    }
    Ok(Json(ConsoleLines { lines }))
}

/// A console command.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CommandBody {
    pub command: String,
}

/// Sends a command to the server's console (owner or admin; rate limited).
#[utoipa::path(post, path = "/games/api/servers/{id}/console", tag = "console", request_body = CommandBody,
    responses((status = 204), (status = 400, body = Problem), (status = 409, body = Problem), (status = 429, body = Problem)))]
pub async fn send_command(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(body): Json<CommandBody>,
) -> AppResult<StatusCode> {
    state.manager.send_command(&user, id, &body.command).await?;
    Ok(StatusCode::NO_CONTENT)
}
