//! The pages: the timeline with its upload form, the trash, the upload form without script.

use askama::Template;
use axum::Form;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::TryStreamExt as _;
use hearth_shared::cookies::secure_for;
use hearth_shared::csrf::CsrfToken;
use hearth_shared::flash::{self, Flash};
use hearth_shared::layout::{PageContext, Timestamp, render};
use hearth_shared::{AppError, AppResult, CurrentUser, Identity};
use serde::Deserialize;

use super::selection::Notice;
use super::tiles::{Day, Tile, by_day};
use crate::api::{cursor_of, parse_cursor};
use crate::domain::Visibility;
use crate::{AppState, SERVICE};
use hearth_shared::display::human_size;

/// Items on one page of the timeline (and of search results).
pub(super) const TIMELINE_PAGE: i64 = 120;

pub(super) fn page(title: &str, user: Identity, csrf: &CsrfToken) -> PageContext {
    PageContext::new(title, Some(user), &csrf.0, SERVICE.prefix)
}

/// What a page with a selectable grid needs for its selection bar (`selection.html`).
pub(super) struct SelectionBar {
    /// Where the actions return to.
    pub back: String,
    /// The user's albums, to add the selection to.
    pub albums: Vec<(i64, String)>,
    /// Without script: the page was asked for with `?select=1`, so its tiles are ticked, not
    /// opened, and the bar shows from the start.
    pub open: bool,
    /// What the last action did.
    pub notice: Option<Notice>,
}

impl SelectionBar {
    pub(super) async fn new(
        state: &AppState,
        user: &Identity,
        back: String,
        open: bool,
        flash: &Flash,
    ) -> AppResult<Self> {
        let albums = state.library.own_albums(user).await?.into_iter().map(|a| (a.id, a.name)).collect();
        Ok(Self { back, albums, open, notice: flash.take() })
    }
}

#[derive(Template)]
#[template(path = "timeline.html")]
struct TimelinePage {
    ctx: PageContext,
    days: Vec<Day>,
    next_cursor: Option<String>,
    /// Shown from a later page: the way back to the newest.
    newer_link: bool,
    max_upload: String,
    notice: Option<String>,
    selection: SelectionBar,
}

#[derive(Deserialize)]
pub struct TimelineQuery {
    cursor: Option<String>,
    uploaded: Option<u32>,
    duplicates: Option<u32>,
    /// Of the duplicates, those asked to be shared that stay private.
    kept_private: Option<u32>,
    /// `1`: pick items without script.
    select: Option<u8>,
}

pub async fn timeline(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    flash: Flash,
    Query(query): Query<TimelineQuery>,
) -> AppResult<Response> {
    let cursor = parse_cursor(query.cursor.as_deref())?;
    let page_of_items = state.library.timeline(&user, cursor, TIMELINE_PAGE).await?;
    let notice =
        query.uploaded.map(|n| upload_notice(n, query.duplicates.unwrap_or(0), query.kept_private.unwrap_or(0)));
    let back = match &query.cursor {
        Some(cursor) if !cursor.is_empty() => format!("/photos/?cursor={cursor}"),
        _ => "/photos/".to_owned(),
    };
    let selection = SelectionBar::new(&state, &user, back, query.select == Some(1), &flash).await?;
    let timeline = render(&TimelinePage {
        ctx: page("Photos", user, &csrf),
        days: by_day(page_of_items.items, ""),
        next_cursor: page_of_items.next.map(cursor_of),
        newer_link: cursor.is_some(),
        max_upload: human_size(state.library.max_upload_bytes()),
        notice,
        selection,
    })?;
    Ok((flash, timeline).into_response())
}

fn upload_notice(uploaded: u32, duplicates: u32, kept_private: u32) -> String {
    let files = if uploaded == 1 { "file" } else { "files" };
    let done = match duplicates {
        0 => format!("Uploaded {uploaded} {files}."),
        d => format!("Uploaded {uploaded} {files}; {d} you already had."),
    };
    match kept_private {
        0 => done,
        1 => format!("{done} One of them you had kept private, and it stays so: share it from its page."),
        k => format!("{done} {k} of them you had kept private, and they stay so: share them from their pages."),
    }
}

#[derive(Template)]
#[template(path = "trash.html")]
struct TrashPage {
    ctx: PageContext,
    items: Vec<(Tile, Timestamp)>,
    trash_days: i64,
    next_cursor: Option<String>,
}

/// `?cursor=` of a list page.
#[derive(Deserialize)]
pub struct PageQuery {
    pub cursor: Option<String>,
}

/// Rows on one page of the albums and trash lists.
pub(super) const LIST_PAGE: i64 = 100;

pub async fn trash(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let trashed = state.library.trashed(&user, parse_cursor(query.cursor.as_deref())?, LIST_PAGE).await?;
    let items = trashed
        .items
        .into_iter()
        .map(|row| {
            let deleted = Timestamp::at(row.deleted_at.unwrap_or_default());
            (Tile::member(row, ""), deleted)
        })
        .collect();
    render(&TrashPage {
        ctx: page("Trash", user, &csrf),
        items,
        trash_days: state.library.trash_days(),
        next_cursor: trashed.next.map(cursor_of),
    })
}

/// "Move to trash" on an item's page: back to the timeline, which offers "Undo".
pub async fn trash_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let item = state.library.item(&user, id).await?;
    state.library.trash(&user, id).await?;
    let notice = Notice { text: format!("Moved {} to the trash.", item.file_name), undo: vec![id], link: None };
    Ok(flash::redirect("/photos/", &notice, secure_for(&headers, state.service.config.secure_cookies)))
}

pub async fn restore_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    state.library.restore(&user, id).await?;
    Ok(Redirect::to("/photos/trash").into_response())
}

pub async fn purge_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    state.library.purge(&user, id).await?;
    Ok(Redirect::to("/photos/trash").into_response())
}

#[derive(Deserialize)]
pub struct VisibilityForm {
    visibility: String,
}

pub async fn set_visibility(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<VisibilityForm>,
) -> AppResult<Response> {
    state.library.set_visibility(&user, id, Visibility::parse(&form.visibility)?).await?;
    Ok(Redirect::to(&format!("/photos/items/{id}")).into_response())
}

/// Most bytes of the upload form's visibility field: `private` or `family`.
const VISIBILITY_BYTES: usize = 16;

/// The upload form's visibility choice, read with a bound: a field of gigabytes is refused
/// at once, neither held in memory nor shown back.
async fn visibility_field(mut field: Field<'_>) -> AppResult<Visibility> {
    let mut value = Vec::with_capacity(VISIBILITY_BYTES);
    while let Some(chunk) = field.chunk().await.map_err(broke_off)? {
        if value.len() + chunk.len() > VISIBILITY_BYTES {
            return Err(AppError::Invalid("Visibility is private or family.".to_owned()));
        }
        value.extend_from_slice(&chunk);
    }
    Visibility::parse(&String::from_utf8_lossy(&value))
}

/// A form that stopped arriving, or is not a form. (A file over the limit is answered 413 by
/// [`crate::library::Library::upload`], which counts its bytes as they arrive.)
fn broke_off(error: MultipartError) -> AppError {
    AppError::BadRequest(format!("The upload broke off ({}). Send it again.", error.body_text()))
}

/// The upload form without script (`multipart/form-data`): each file is streamed to storage
/// in turn. With script, the page uploads through the API instead, with progress bars.
pub async fn upload_form(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    mut form: Multipart,
) -> AppResult<Response> {
    let mut visibility = Visibility::Family;
    let (mut uploaded, mut duplicates, mut kept_private) = (0u32, 0u32, 0u32);
    while let Some(field) = form.next_field().await.map_err(broke_off)? {
        match field.name() {
            Some("visibility") => visibility = visibility_field(field).await?,
            Some("files") => {
                let name = field.file_name().unwrap_or("upload").to_owned();
                let mut stream = field.map_err(std::io::Error::other);
                let outcome = state.library.upload(&user, &name, visibility, &mut stream).await?;
                uploaded += 1;
                duplicates += u32::from(outcome.duplicate);
                kept_private += u32::from(outcome.kept_private);
            }
            _ => {}
        }
    }
    if uploaded == 0 {
        return Err(AppError::BadRequest("Choose at least one file to upload.".to_owned()));
    }
    let summary = format!("/photos/?uploaded={uploaded}&duplicates={duplicates}&kept_private={kept_private}");
    Ok(Redirect::to(&summary).into_response())
}
