//! The pages: the list of servers, the launch form (shown again with a message beside each
//! field to fix), and a server's page with its actions and console.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::layout::{PageContext, Timestamp, render, render_with_status};
use hearth_shared::{AppError, AppResult, CurrentUser, Identity};
use serde::Deserialize;

use super::friends_address;
use crate::domain::{FieldErrors, GameTemplate, SettingKind, ansi};
use crate::manager::{LaunchRefused, LaunchRequest, Server};
use crate::{AppState, SERVICE};

pub(super) fn page(title: &str, user: Identity, csrf: &CsrfToken) -> PageContext {
    PageContext::new(title, Some(user), &csrf.0, SERVICE.prefix)
}

/// A server in the list.
pub struct ServerLine {
    pub server: Server,
    pub address: String,
    pub since: Timestamp,
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
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    let servers = state
        .manager
        .list(&user)
        .await?
        .into_iter()
        .map(|server| ServerLine {
            address: friends_address(&state, &headers, &server),
            since: Timestamp::at(server.state_since),
            server,
        })
        .collect();
    render(&ListPage { ctx: page("Game servers", user, &csrf), servers })
}

/// One field of the launch form.
pub struct Field {
    pub name: String,
    pub label: String,
    pub help: String,
    /// `int`, `choice`, `bool` or `text`.
    pub kind: &'static str,
    pub value: String,
    pub min: i64,
    pub max: i64,
    pub max_length: usize,
    /// (value, label, selected)
    pub choices: Vec<(String, String, bool)>,
    pub error: Option<String>,
}

impl Field {
    fn of(rule: &crate::domain::SettingRule, value: &str, error: Option<&str>) -> Self {
        let mut field = Self {
            name: rule.name.clone(),
            label: rule.label.clone(),
            help: rule.help.clone(),
            kind: "text",
            value: value.to_owned(),
            min: 0,
            max: 0,
            max_length: 0,
            choices: Vec::new(),
            error: error.map(str::to_owned),
        };
        match &rule.kind {
            SettingKind::Int { min, max } => {
                field.kind = "int";
                field.min = *min;
                field.max = *max;
            }
            SettingKind::Choice { choices } => {
                field.kind = "choice";
                field.choices = choices.iter().map(|c| (c.value.clone(), c.label.clone(), c.value == value)).collect();
            }
            SettingKind::Bool => field.kind = "bool",
            SettingKind::Text { max_length, .. } => field.max_length = *max_length,
        }
        field
    }
}

#[derive(Template)]
#[template(path = "launch.html")]
struct LaunchPage {
    ctx: PageContext,
    /// (game, title, selected)
    games: Vec<(String, String, bool)>,
    game: Option<GameChoice>,
    name: String,
    memory_mb: String,
    idle_stop_minutes: String,
    errors: FieldErrors,
}

/// The chosen game's part of the form.
struct GameChoice {
    game: String,
    title: String,
    description: String,
    memory_min: u32,
    memory_max: u32,
    counts_players: bool,
    fields: Vec<Field>,
}

impl LaunchPage {
    fn error(&self, field: &str) -> String {
        self.errors.get(field).unwrap_or_default().to_owned()
    }
}

#[derive(Deserialize)]
pub struct GameQuery {
    #[serde(default)]
    game: String,
}

fn launch_page(state: &AppState, ctx: PageContext, request: &LaunchRequest, errors: FieldErrors) -> LaunchPage {
    let catalog = state.manager.catalog();
    let template: Option<&GameTemplate> = catalog.by_name(&request.game);
    let games = catalog
        .all()
        .map(|t| (t.game.to_string(), t.title.clone(), Some(&t.game) == template.map(|s| &s.game)))
        .collect();
    let game = template.map(|t| GameChoice {
        game: t.game.to_string(),
        title: t.title.clone(),
        description: t.description.clone(),
        memory_min: t.memory_min,
        memory_max: t.memory_max,
        counts_players: t.knows_players(),
        fields: t
            .settings
            .iter()
            .map(|rule| {
                let value = request.settings.get(&rule.name).map_or(rule.default.as_str(), String::as_str);
                Field::of(rule, value, errors.get(&rule.name))
            })
            .collect(),
    });
    let memory_mb = if request.memory_mb.is_empty() {
        template.map(|t| t.memory_default.to_string()).unwrap_or_default()
    } else {
        request.memory_mb.clone()
    };
    let idle_stop_minutes =
        if request.idle_stop_minutes.is_empty() { "0".to_owned() } else { request.idle_stop_minutes.clone() };
    LaunchPage { ctx, games, game, name: request.name.clone(), memory_mb, idle_stop_minutes, errors }
}

pub async fn launch_form(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Query(query): Query<GameQuery>,
) -> AppResult<Response> {
    let request = LaunchRequest { game: query.game, ..LaunchRequest::default() };
    render(&launch_page(&state, page("Launch a server", user, &csrf), &request, FieldErrors::default()))
}

/// The form as sent: `game`, `name`, `memory_mb` and `setting.NAME` fields (a checkbox
/// follows a hidden `false`, so the last value of a name wins).
fn launch_request(fields: Vec<(String, String)>) -> LaunchRequest {
    let mut request = LaunchRequest::default();
    let mut settings = BTreeMap::new();
    for (name, value) in fields {
        match name.as_str() {
            "game" => request.game = value,
            "name" => request.name = value,
            "memory_mb" => request.memory_mb = value,
            "idle_stop_minutes" => request.idle_stop_minutes = value,
            other => {
                if let Some(setting) = other.strip_prefix("setting.") {
                    settings.insert(setting.to_owned(), value);
                }
            }
        }
    }
    request.settings = settings;
    request
}

pub async fn launch(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let request = launch_request(fields);
    match state.manager.launch(&user, &request).await {
        Ok(server) => Ok(Redirect::to(&format!("/games/servers/{}", server.id)).into_response()),
        Err(LaunchRefused::Fields(errors)) => render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &launch_page(&state, page("Launch a server", user, &csrf), &request, errors),
        ),
        Err(LaunchRefused::Other(error)) => match error.form_message() {
            Some(message) => {
                let mut errors = FieldErrors::default();
                errors.add("", message);
                render_with_status(
                    error.status(),
                    &launch_page(&state, page("Launch a server", user, &csrf), &request, errors),
                )
            }
            None => Err(error),
        },
    }
}

#[derive(Template)]
#[template(path = "server.html")]
struct ServerPage {
    ctx: PageContext,
    server: Server,
    address: String,
    since: Timestamp,
    /// (number, safe HTML)
    lines: Vec<(u64, String)>,
    last_seq: u64,
    error: String,
    backups: Vec<crate::backups::Backup>,
}

#[derive(Deserialize)]
pub struct ServerQuery {
    #[serde(default)]
    error: String,
}

pub async fn server(
    State(state): State<AppState>,
    headers: HeaderMap,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Query(query): Query<ServerQuery>,
) -> AppResult<Response> {
    let server = state.manager.get(&user, id).await?;
    let snapshot = state.manager.console(id).snapshot();
    let last_seq = snapshot.last().map_or(0, |(seq, _)| *seq);
    let mut lines: Vec<(u64, String)> = snapshot.into_iter().map(|(seq, line)| (seq, ansi::to_html(&line))).collect();
    if lines.is_empty() {
        lines = server.last_lines.lines().map(|line| (0, ansi::to_html(line))).collect();
    }
    let address = friends_address(&state, &headers, &server);
    let since = Timestamp::at(server.state_since);
    let title = server.name.clone();
    let backups = state.manager.backups(&user, id).await?;
    let ctx = page(&title, user, &csrf);
    render(&ServerPage { ctx, server, address, since, lines, last_seq, error: query.error, backups })
}

fn back_to(id: i64) -> Response {
    Redirect::to(&format!("/games/servers/{id}")).into_response()
}

pub async fn start(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    state.manager.start(&user, id).await?;
    Ok(back_to(id))
}

pub async fn stop(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    state.manager.stop(&user, id).await?;
    Ok(back_to(id))
}

pub async fn restart(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    state.manager.restart(&user, id).await?;
    Ok(back_to(id))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    delete_world: Option<String>,
}

pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<DeleteForm>,
) -> AppResult<Response> {
    state.manager.delete(&user, id, form.delete_world.is_some()).await?;
    Ok(Redirect::to("/games/").into_response())
}

#[derive(Deserialize)]
pub struct CommandForm {
    #[serde(default)]
    command: String,
}

/// Sends a console command; a refusal the user can fix comes back on the page.
pub async fn command(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<CommandForm>,
) -> AppResult<Response> {
    match state.manager.send_command(&user, id, &form.command).await {
        Ok(()) => Ok(Redirect::to(&format!("/games/servers/{id}#console")).into_response()),
        Err(error @ (AppError::NotFound(_) | AppError::Internal(_))) => Err(error),
        Err(error) => {
            let message: String = url_encode(&error.to_string());
            Ok(Redirect::to(&format!("/games/servers/{id}?error={message}#console")).into_response())
        }
    }
}

/// Backs up now; a refusal the user can act on (a running game that cannot save) comes back
/// on the page.
pub async fn back_up(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    match state.manager.back_up(&user, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/games/servers/{id}#backups")).into_response()),
        Err(AppError::Conflict(message)) => {
            Ok(Redirect::to(&format!("/games/servers/{id}?error={}#backups", url_encode(&message))).into_response())
        }
        Err(error) => Err(error),
    }
}

#[derive(Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    every_hours: String,
}

/// Sets the backup schedule; a bad number comes back on the page.
pub async fn backup_schedule(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ScheduleForm>,
) -> AppResult<Response> {
    let result = match form.every_hours.trim().parse::<u32>() {
        Ok(hours) => state.manager.set_backup_schedule(&user, id, hours).await.map(|_| ()),
        Err(_) => {
            Err(AppError::Invalid(format!("Hours between backups must be a whole number, not {:?}.", form.every_hours)))
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/games/servers/{id}#backups")).into_response()),
        Err(AppError::Invalid(message)) => {
            Ok(Redirect::to(&format!("/games/servers/{id}?error={}#backups", url_encode(&message))).into_response())
        }
        Err(error) => Err(error),
    }
}

/// Restores a backup; a refusal the user can act on (a running server, a backup that cannot
/// be restored) comes back on the page.
pub async fn restore(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, name)): Path<(i64, String)>,
) -> AppResult<Response> {
    match state.manager.restore(&user, id, &name).await {
        Ok(()) => Ok(back_to(id)),
        Err(AppError::Conflict(message) | AppError::Invalid(message)) => {
            Ok(Redirect::to(&format!("/games/servers/{id}?error={}#backups", url_encode(&message))).into_response())
        }
        Err(error) => Err(error),
    }
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
