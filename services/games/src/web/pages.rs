//! The pages: the list of servers and the launch form (shown again with a message beside
//! each field to fix).

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::layout::{PageContext, format_time, render, render_with_status};
use hearth_shared::{AppResult, CurrentUser, Identity};
use serde::Deserialize;

use super::friends_address;
use crate::domain::{FieldErrors, GameTemplate, SettingKind};
use crate::manager::{LaunchRefused, LaunchRequest, Server};
use crate::{AppState, SERVICE};

pub(super) fn page(title: &str, user: Identity, csrf: &CsrfToken) -> PageContext {
    PageContext::new(title, Some(user), &csrf.0, SERVICE.prefix)
}

/// A server in the list.
pub struct ServerLine {
    pub server: Server,
    pub address: String,
    pub since: String,
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
            since: format_time(server.state_since),
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
