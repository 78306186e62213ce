//! A server's page (what it does, its console, its backups) and what its forms do: start,
//! stop, restart, delete, a console command, a backup now, the backup schedule, and a
//! restore, which asks for confirmation on a page of its own first. Each answer comes back in
//! the card that was used ([`Notice`]).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::display::human_size;
use hearth_shared::flash::Flash;
use hearth_shared::layout::{Timestamp, format_time, render};
use hearth_shared::{AppError, AppResult, CurrentUser};
use serde::Deserialize;

use super::console;
use super::figures::Figures;
use super::friends_address;
use super::notices::{self, Notice};
use super::pages::page;
use crate::AppState;
use crate::backups::Backup;
use crate::manager::{Restored, Server};
use crate::runtime::Console;

/// A backup as the page lists it.
pub struct BackupLine {
    pub name: String,
    pub when: String,
    pub size: String,
}

impl BackupLine {
    fn of(backup: &Backup) -> Self {
        Self { name: backup.name.clone(), when: to_the_second(backup.made_at), size: human_size(backup.bytes) }
    }
}

#[derive(Template)]
#[template(path = "server.html")]
struct ServerPage {
    ctx: hearth_shared::layout::PageContext,
    server: Server,
    figures: Figures,
    address: String,
    since: Timestamp,
    /// (number, safe HTML)
    lines: Vec<(u64, String)>,
    last_seq: u64,
    notice: Option<Notice>,
    backups: Vec<BackupLine>,
    backs_up_while_running: bool,
}

impl ServerPage {
    fn notice_for(&self, card: &str) -> Option<&Notice> {
        notices::for_card(self.notice.as_ref(), card)
    }
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    csrf: CsrfToken,
    flash: Flash,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let server = state.manager.get(&user, id).await?;
    let mut snapshot = state.manager.console(id).snapshot();
    let last_seq = snapshot.last().map_or(0, |line| line.seq);
    if snapshot.is_empty() {
        snapshot = Console::read_tail(&server.last_lines);
    }
    let lines = snapshot.iter().map(|line| (line.seq, console::line_html(line))).collect();
    let backups = state.manager.backups(&user, id).await?.iter().map(BackupLine::of).collect();
    let page = ServerPage {
        ctx: page(&server.name.clone(), user, &csrf),
        figures: Figures::of(&server),
        address: friends_address(&state, &headers, &server),
        since: Timestamp::at(server.state_since),
        backs_up_while_running: state.manager.backs_up_while_running(&server),
        server,
        lines,
        last_seq,
        notice: flash.take(),
        backups,
    };
    Ok((flash, render(&page)?).into_response())
}

/// A backup's time to the second: two backups are often made the same minute (the world
/// kept before a restore, and the one restored).
fn to_the_second(unix_seconds: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| format_time(unix_seconds))
}

fn page_of(id: i64) -> String {
    format!("/games/servers/{id}")
}

/// A refusal the family can act on, in `card`; anything else (our failure, a server that is
/// not theirs) is the error page.
fn refused_in(state: &AppState, headers: &HeaderMap, page: &str, card: &str, error: AppError) -> AppResult<Response> {
    match error {
        AppError::NotFound(_) | AppError::Internal(_) => Err(error),
        error => match error.form_message() {
            Some(message) => Ok(Notice::refused(card, message).redirect(state, headers, page)),
            None => Err(error),
        },
    }
}

/// Where start and stop lead back to: the server's page, or the list they were pressed in.
#[derive(Deserialize)]
pub struct FromForm {
    #[serde(default)]
    from: String,
}

impl FromForm {
    /// The page to go back to and the card of this server on it.
    fn back(&self, id: i64) -> (String, String) {
        if self.from == "list" {
            ("/games/".to_owned(), format!("server-{id}"))
        } else {
            (page_of(id), "overview".to_owned())
        }
    }
}

pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<FromForm>,
) -> AppResult<Response> {
    let (page, card) = form.back(id);
    match state.manager.start(&user, id).await {
        Ok(_) => Ok(Redirect::to(&format!("{page}#{card}")).into_response()),
        Err(error) => refused_in(&state, &headers, &page, &card, error),
    }
}

pub async fn stop(
    State(state): State<AppState>,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<FromForm>,
) -> AppResult<Response> {
    let (page, card) = form.back(id);
    match state.manager.stop(&user, id).await {
        Ok(_) => Ok(Redirect::to(&format!("{page}#{card}")).into_response()),
        Err(error) => refused_in(&state, &headers, &page, &card, error),
    }
}

pub async fn restart(
    State(state): State<AppState>,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    match state.manager.restart(&user, id).await {
        Ok(_) => Ok(Redirect::to(&format!("{}#overview", page_of(id))).into_response()),
        Err(error) => refused_in(&state, &headers, &page_of(id), "overview", error),
    }
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

/// Sends a console command; a refusal comes back under the console.
pub async fn command(
    State(state): State<AppState>,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<CommandForm>,
) -> AppResult<Response> {
    match state.manager.send_command(&user, id, &form.command).await {
        Ok(()) => Ok(Redirect::to(&format!("{}#console-card", page_of(id))).into_response()),
        Err(error) => refused_in(&state, &headers, &page_of(id), "console-card", error),
    }
}

/// Backs up now; what happened comes back in the backups card.
pub async fn back_up(
    State(state): State<AppState>,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    match state.manager.back_up(&user, id).await {
        Ok(backup) => {
            let text = format!("Backed up: {} ({}).", to_the_second(backup.made_at), human_size(backup.bytes));
            Ok(Notice::done("backups", text).redirect(&state, &headers, &page_of(id)))
        }
        Err(error) => refused_in(&state, &headers, &page_of(id), "backups", error),
    }
}

#[derive(Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    every_hours: String,
}

/// Sets the backup schedule; a bad number comes back in the backups card.
pub async fn backup_schedule(
    State(state): State<AppState>,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ScheduleForm>,
) -> AppResult<Response> {
    let set = match form.every_hours.trim().parse::<u32>() {
        Ok(hours) => state.manager.set_backup_schedule(&user, id, hours).await.map(|_| hours),
        Err(_) => {
            Err(AppError::Invalid(format!("Hours between backups must be a whole number, not {:?}.", form.every_hours)))
        }
    };
    match set {
        Ok(0) => {
            Ok(Notice::done("backups", "Backups are made by hand only now.").redirect(&state, &headers, &page_of(id)))
        }
        Ok(hours) => {
            let text = format!("A backup is made by itself every {hours} h now.");
            Ok(Notice::done("backups", text).redirect(&state, &headers, &page_of(id)))
        }
        Err(error) => refused_in(&state, &headers, &page_of(id), "backups", error),
    }
}

#[derive(Template)]
#[template(path = "restore.html")]
struct RestorePage {
    ctx: hearth_shared::layout::PageContext,
    server: Server,
    backup: BackupLine,
}

/// What restoring the backup would do, and the button that does it.
pub async fn confirm_restore(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path((id, name)): Path<(i64, String)>,
) -> AppResult<Response> {
    let server = state.manager.get(&user, id).await?;
    let backup = BackupLine::of(&state.manager.backup(&user, id, &name).await?);
    render(&RestorePage { ctx: page("Restore a backup?", user, &csrf), server, backup })
}

#[derive(Deserialize)]
pub struct RestoreForm {
    #[serde(default)]
    confirmed: String,
}

/// Restores a backup once confirmed (a form without the confirmation shows what it would do
/// first); what happened comes back in the backups card.
pub async fn restore(
    State(state): State<AppState>,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    Path((id, name)): Path<(i64, String)>,
    Form(form): Form<RestoreForm>,
) -> AppResult<Response> {
    if form.confirmed != "yes" {
        return Ok(Redirect::to(&format!("/games/servers/{id}/backups/{name}/restore")).into_response());
    }
    let restored_from = state.manager.backup(&user, id, &name).await?;
    match state.manager.restore(&user, id, &name).await {
        Ok(restored) => Ok(Notice::done("backups", restored_text(&restored_from, &restored)).redirect(
            &state,
            &headers,
            &page_of(id),
        )),
        Err(error) => refused_in(&state, &headers, &page_of(id), "backups", error),
    }
}

fn restored_text(from: &Backup, restored: &Restored) -> String {
    let mut text = format!("Restored the backup of {}.", to_the_second(from.made_at));
    if let Some(kept) = &restored.kept {
        text.push_str(&format!(" The world as it was is kept as the backup of {}.", to_the_second(kept.made_at)));
    }
    if restored.restarted {
        text.push_str(" The server is starting again.");
    }
    text
}
