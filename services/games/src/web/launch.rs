//! The launch form, in one step: the games as cards are its first field, and each game's
//! settings follow in a fieldset of their own (games.js shows the chosen game's; without
//! script every game's are shown, and only the chosen game's are read). Shown again with a
//! message beside each field to fix.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::layout::{PageContext, render, render_with_status};
use hearth_shared::{AppResult, CurrentUser};
use serde::Deserialize;

use super::pages::page;
use crate::AppState;
use crate::domain::{FieldErrors, GameTemplate, SettingKind};
use crate::manager::{LaunchRefused, LaunchRequest};

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

/// A game's card and its part of the form.
struct GameChoice {
    game: String,
    title: String,
    description: String,
    selected: bool,
    /// False when the game's program is missing on this machine (its card cannot be chosen).
    installed: bool,
    memory_mb: String,
    memory_min: u32,
    memory_max: u32,
    counts_players: bool,
    idle_stop_minutes: String,
    fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "launch.html")]
struct LaunchPage {
    ctx: PageContext,
    games: Vec<GameChoice>,
    name: String,
    errors: FieldErrors,
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

/// One game's card and fields: what was sent for the chosen one, the defaults for the others.
fn game_choice(template: &GameTemplate, request: &LaunchRequest, errors: &FieldErrors) -> GameChoice {
    let selected = template.game.as_str() == request.game;
    let sent = |value: &str, default: String| if selected && !value.is_empty() { value.to_owned() } else { default };
    GameChoice {
        game: template.game.to_string(),
        title: template.title.clone(),
        description: template.description.clone(),
        selected,
        installed: crate::runtime::process::is_installed(&template.program),
        memory_mb: sent(&request.memory_mb, template.memory_default.to_string()),
        memory_min: template.memory_min,
        memory_max: template.memory_max,
        counts_players: template.knows_players(),
        idle_stop_minutes: sent(&request.idle_stop_minutes, "0".to_owned()),
        fields: template
            .settings
            .iter()
            .map(|rule| {
                let value =
                    request.settings.get(&rule.name).filter(|_| selected).map_or(rule.default.as_str(), String::as_str);
                Field::of(rule, value, errors.get(&rule.name).filter(|_| selected))
            })
            .collect(),
    }
}

fn launch_page(state: &AppState, ctx: PageContext, request: &LaunchRequest, errors: FieldErrors) -> LaunchPage {
    let games = state.manager.catalog().all().map(|t| game_choice(t, request, &errors)).collect();
    LaunchPage { ctx, games, name: request.name.clone(), errors }
}

pub async fn form(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Query(query): Query<GameQuery>,
) -> AppResult<Response> {
    let request = LaunchRequest { game: query.game, ..LaunchRequest::default() };
    render(&launch_page(&state, page("Launch a server", user, &csrf), &request, FieldErrors::default()))
}

/// The form as sent: `game` and `name`, then the chosen game's own fields, `GAME.memory_mb`,
/// `GAME.idle_stop_minutes` and `GAME.setting.NAME` (a checkbox follows a hidden `false`, so
/// the last value of a name wins); other games' fields are let go.
fn launch_request(fields: Vec<(String, String)>) -> LaunchRequest {
    let game = fields.iter().find(|(name, _)| name == "game").map(|(_, value)| value.clone()).unwrap_or_default();
    let own = format!("{game}.");
    let mut request = LaunchRequest { game: game.clone(), ..LaunchRequest::default() };
    let mut settings = BTreeMap::new();
    for (name, value) in fields {
        if name == "name" {
            request.name = value;
            continue;
        }
        let Some(field) = name.strip_prefix(&own).filter(|_| !game.is_empty()) else { continue };
        match field {
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

#[cfg(test)]
mod tests {
    use super::launch_request;

    #[test]
    fn only_the_chosen_games_fields_are_read() {
        let fields = [
            ("game", "minetest"),
            ("name", "Friday"),
            ("teeworlds.setting.max_players", "16"),
            ("teeworlds.memory_mb", "128"),
            ("minetest.setting.max_players", "6"),
            ("minetest.setting.creative", "false"),
            ("minetest.setting.creative", "true"),
            ("minetest.memory_mb", "512"),
            ("minetest.idle_stop_minutes", "30"),
        ];
        let request = launch_request(fields.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect());
        assert_eq!((request.game.as_str(), request.name.as_str()), ("minetest", "Friday"));
        assert_eq!((request.memory_mb.as_str(), request.idle_stop_minutes.as_str()), ("512", "30"));
        assert_eq!(request.settings.get("max_players").map(String::as_str), Some("6"));
        assert_eq!(request.settings.get("creative").map(String::as_str), Some("true"), "the checkbox wins");
        assert_eq!(request.settings.len(), 2);
    }
}
