//! The pages: the timeline with its upload form, one item, the trash.

use askama::Template;
use axum::Form;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::TryStreamExt as _;
use hearth_shared::csrf::CsrfToken;
use hearth_shared::flash::Flash;
use hearth_shared::layout::{NewSecret, PageContext, Timestamp, format_time, render, render_with_status};
use hearth_shared::{AppError, AppResult, CurrentUser, Identity};
use serde::Deserialize;

use super::{ShareForm, files, show_new_link};
use crate::api::{SearchParams, cursor_of, parse_cursor};
use crate::db::items::ItemRow;
use crate::domain::Visibility;
use crate::sharing::ShareTarget;
use crate::{AppState, SERVICE};
use hearth_shared::display::human_size;

/// Items on one page of the timeline.
const TIMELINE_PAGE: i64 = 120;

pub(super) fn page(title: &str, user: Identity, csrf: &CsrfToken) -> PageContext {
    PageContext::new(title, Some(user), &csrf.0, SERVICE.prefix)
}

/// One square of the grid.
pub(super) struct Tile {
    pub id: i64,
    pub file_name: String,
    pub kind: String,
    /// pending, ready or none.
    pub preview: String,
}

impl From<ItemRow> for Tile {
    fn from(row: ItemRow) -> Self {
        Self { id: row.id, file_name: row.file_name, kind: row.kind, preview: row.preview }
    }
}

/// The tiles of one day, under its date.
struct Day {
    label: String,
    tiles: Vec<Tile>,
}

#[derive(Template)]
#[template(path = "timeline.html")]
struct TimelinePage {
    ctx: PageContext,
    days: Vec<Day>,
    next_cursor: Option<String>,
    max_upload: String,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct TimelineQuery {
    cursor: Option<String>,
    uploaded: Option<u32>,
    duplicates: Option<u32>,
    /// Of the duplicates, those asked to be shared that stay private.
    kept_private: Option<u32>,
}

pub async fn timeline(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Query(query): Query<TimelineQuery>,
) -> AppResult<Response> {
    let cursor = parse_cursor(query.cursor.as_deref())?;
    let page_of_items = state.library.timeline(&user, cursor, TIMELINE_PAGE).await?;
    let mut days: Vec<Day> = Vec::new();
    for row in page_of_items.items {
        let label = day_label(row.sort_at);
        match days.last_mut() {
            Some(day) if day.label == label => day.tiles.push(row.into()),
            _ => days.push(Day { label, tiles: vec![row.into()] }),
        }
    }
    let notice =
        query.uploaded.map(|n| upload_notice(n, query.duplicates.unwrap_or(0), query.kept_private.unwrap_or(0)));
    render(&TimelinePage {
        ctx: page("Photos", user, &csrf),
        days,
        next_cursor: page_of_items.next.map(cursor_of),
        max_upload: human_size(state.library.max_upload_bytes()),
        notice,
    })
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

/// `Sunday 24 November 2026`, the day in UTC.
fn day_label(unix_seconds: i64) -> String {
    let format = time::macros::format_description!("[weekday] [day padding:none] [month repr:long] [year]");
    time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| "Unknown date".to_owned())
}

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage {
    ctx: PageContext,
    item: ItemRow,
    taken: Option<String>,
    uploaded: Timestamp,
    size: String,
    is_owner: bool,
    can_delete: bool,
    /// The user's own albums, to add the item to.
    albums: Vec<(i64, String)>,
    /// The beginning of a document's text.
    text_excerpt: Option<String>,
    /// Whether the browser can show the original itself (PDF, text).
    opens_inline: bool,
}

pub async fn item(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    flash: Flash,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let page = render(&item_page(&state, user, &csrf, id, flash.take()).await?)?;
    Ok((flash, page).into_response())
}

/// Makes a share link for one of the user's items and shows it once on the item's page.
pub async fn share_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ShareForm>,
) -> AppResult<Response> {
    let (token, share) = state.library.create_share(&user, ShareTarget::Item(id), form.options()?).await?;
    Ok(show_new_link(&state, &headers, &format!("/photos/items/{id}"), &token, &share))
}

async fn item_page(
    state: &AppState,
    user: Identity,
    csrf: &CsrfToken,
    id: i64,
    new_link: Option<NewSecret>,
) -> AppResult<ItemPage> {
    let item = state.library.item(&user, id).await?;
    if item.deleted_at.is_some() {
        return Err(AppError::NotFound("This item is in the trash.".to_owned()));
    }
    let is_owner = item.owner_id == user.user_id;
    let can_delete = is_owner || user.is_admin();
    let albums = state.library.own_albums(&user).await?.into_iter().map(|a| (a.id, a.name)).collect();
    let text_excerpt = if item.kind == "document" { state.library.text_excerpt(&item).await? } else { None };
    let opens_inline = item.kind == "document" && files::is_inline(&item.content_type);
    Ok(ItemPage {
        taken: item.taken_at.map(format_time),
        uploaded: Timestamp::at(item.uploaded_at),
        size: human_size(u64::try_from(item.size).unwrap_or_default()),
        is_owner,
        can_delete,
        albums,
        text_excerpt,
        opens_inline,
        item,
        ctx: page("Photo", user, csrf).with_secret(new_link),
    })
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
            (Tile::from(row), deleted)
        })
        .collect();
    render(&TrashPage {
        ctx: page("Trash", user, &csrf),
        items,
        trash_days: state.library.trash_days(),
        next_cursor: trashed.next.map(cursor_of),
    })
}

pub async fn trash_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    state.library.trash(&user, id).await?;
    Ok(Redirect::to("/photos/").into_response())
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

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    ctx: PageContext,
    params: SearchParams,
    error: Option<String>,
    tiles: Option<Vec<Tile>>,
    /// The link to the next page of results.
    next_cursor: Option<String>,
}

/// The search form and its results; a malformed date is explained beside the form.
pub async fn search(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Query(params): Query<SearchParams>,
) -> AppResult<Response> {
    let query = params.query().and_then(|query| Ok((query, parse_cursor(params.cursor.as_deref())?)));
    let (error, tiles, next_cursor, status) = match query {
        Ok((query, _)) if query.is_empty() => (None, None, None, StatusCode::OK),
        Ok((query, cursor)) => {
            let found = state.library.search(&user, &query, cursor, TIMELINE_PAGE).await?;
            let tiles = found.items.into_iter().map(Tile::from).collect();
            (None, Some(tiles), found.next.map(|next| more_link(&params, next)), StatusCode::OK)
        }
        Err(e) => (Some(e.to_string()), None, None, e.status()),
    };
    render_with_status(status, &SearchPage { ctx: page("Search", user, &csrf), params, error, tiles, next_cursor })
}

/// The same search, from the next page on.
fn more_link(params: &SearchParams, next: (i64, i64)) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", &params.q)
        .append_pair("camera", &params.camera)
        .append_pair("album", &params.album)
        .append_pair("from", &params.from)
        .append_pair("to", &params.to)
        .append_pair("cursor", &cursor_of(next))
        .finish();
    format!("/photos/search?{query}")
}
