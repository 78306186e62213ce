//! Album pages: the list, one album (with the owner's controls: rename, share with the
//! family, add items, make a share link), and adding an item from its page.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::flash::Flash;
use hearth_shared::layout::{PageContext, Timestamp, render};
use hearth_shared::{AppError, AppResult, CurrentUser, Identity};
use serde::Deserialize;

use super::pages::{LIST_PAGE, PageQuery, SelectionBar, page};
use super::tiles::Tile;
use super::zip_stream::{ZipEntry, zip_response};
use super::{ShareForm, show_new_link};
use crate::AppState;
use crate::albums::{AlbumChanges, Step};
use crate::api::{cursor_of, parse_cursor};
use crate::db::albums::AlbumRow;
use crate::domain::Visibility;
use crate::sharing::ShareTarget;

/// Recent items offered for adding to an album.
const ADDABLE: i64 = 60;

#[derive(Template)]
#[template(path = "albums.html")]
struct AlbumsPage {
    ctx: PageContext,
    albums: Vec<AlbumRow>,
    next_cursor: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let albums = state.library.albums(&user, parse_cursor(query.cursor.as_deref())?, LIST_PAGE).await?;
    render(&AlbumsPage {
        ctx: page("Albums", user, &csrf),
        albums: albums.items,
        next_cursor: albums.next.map(cursor_of),
    })
}

#[derive(Deserialize)]
pub struct NewAlbumForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    visibility: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(form): Form<NewAlbumForm>,
) -> AppResult<Response> {
    let visibility = Visibility::parse(form.visibility.as_deref().unwrap_or("family"))?;
    let album = state.library.create_album(&user, &form.name, visibility).await?;
    Ok(Redirect::to(&format!("/photos/albums/{}", album.id)).into_response())
}

/// A live link of this album, for revoking.
struct LinkRow {
    id: String,
    created: Timestamp,
    expires: Option<Timestamp>,
    has_password: bool,
}

#[derive(Template)]
#[template(path = "album.html")]
struct AlbumPage {
    ctx: PageContext,
    album: AlbumRow,
    tiles: Vec<Tile>,
    is_owner: bool,
    addable: Vec<Tile>,
    links: Vec<LinkRow>,
    selection: SelectionBar,
}

#[derive(Deserialize)]
pub struct AlbumQuery {
    /// `1`: pick items without script.
    select: Option<u8>,
}

impl AlbumPage {
    fn is_cover(&self, tile: &Tile) -> bool {
        self.album.cover_item_id == Some(tile.id)
    }
}

async fn album_page(
    state: &AppState,
    user: Identity,
    csrf: &CsrfToken,
    id: i64,
    flash: &Flash,
    select: bool,
) -> AppResult<AlbumPage> {
    let (album, items) = state.library.album(&user, id).await?;
    let is_owner = album.owner_id == user.user_id;
    let (addable, links) = if is_owner {
        let in_album: Vec<i64> = items.iter().map(|i| i.id).collect();
        let recent = state.library.timeline(&user, None, ADDABLE).await?.items;
        let addable = recent.into_iter().filter(|i| !in_album.contains(&i.id)).map(|i| Tile::member(i, "")).collect();
        let links = state
            .library
            .album_shares(&user, id)
            .await?
            .into_iter()
            .map(|s| LinkRow {
                id: s.id,
                created: Timestamp::at(s.created_at),
                expires: s.expires_at.map(Timestamp::at),
                has_password: s.password_hash.is_some(),
            })
            .collect();
        (addable, links)
    } else {
        (Vec::new(), Vec::new())
    };
    let selection = SelectionBar::new(state, &user, format!("/photos/albums/{id}"), select, flash).await?;
    let suffix = format!("?in_album={id}");
    Ok(AlbumPage {
        ctx: page(&album.name, user, csrf).with_secret(flash.take()),
        tiles: items.into_iter().map(|item| Tile::member(item, &suffix)).collect(),
        album,
        is_owner,
        addable,
        links,
        selection,
    })
}

pub async fn show(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    flash: Flash,
    Path(id): Path<i64>,
    Query(query): Query<AlbumQuery>,
) -> AppResult<Response> {
    let page = render(&album_page(&state, user, &csrf, id, &flash, query.select == Some(1)).await?)?;
    Ok((flash, page).into_response())
}

/// The originals of an album's items that the user may see, as one streamed zip.
pub async fn download(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (album, items) = state.library.album(&user, id).await?;
    let mut entries = Vec::with_capacity(items.len());
    for item in items {
        let path = state.library.blob_path(&item).await?;
        entries.push(ZipEntry::of(&item, item.file_name.clone(), path));
    }
    Ok(zip_response(&album.name, entries))
}

/// The album's cover thumbnail (its cover, or its first item).
pub async fn cover(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let item = state
        .library
        .album_cover(&user, id)
        .await?
        .ok_or_else(|| AppError::NotFound("This album is empty.".to_owned()))?;
    Ok(Redirect::to(&format!("/photos/items/{}/thumbnail", item.id)).into_response())
}

#[derive(Deserialize)]
pub struct AlbumForm {
    name: Option<String>,
    visibility: Option<String>,
}

pub async fn change(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<AlbumForm>,
) -> AppResult<Response> {
    let visibility = form.visibility.as_deref().map(Visibility::parse).transpose()?;
    let changes = AlbumChanges { name: form.name.as_deref(), visibility, cover_item_id: None };
    state.library.change_album(&user, id, changes).await?;
    Ok(Redirect::to(&format!("/photos/albums/{id}")).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    state.library.delete_album(&user, id).await?;
    Ok(Redirect::to("/photos/albums").into_response())
}

/// The checked items of the "add" form (`item=1&item=2`).
pub async fn add_items(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    body: String,
) -> AppResult<Response> {
    let item_ids: Vec<i64> = url::form_urlencoded::parse(body.as_bytes())
        .filter(|(key, _)| key == "item")
        .filter_map(|(_, value)| value.parse().ok())
        .collect();
    if item_ids.is_empty() {
        return Err(AppError::Invalid("Tick at least one photo to add.".to_owned()));
    }
    state.library.add_to_album(&user, id, &item_ids).await?;
    Ok(Redirect::to(&format!("/photos/albums/{id}")).into_response())
}

/// One button of the album's "Arrange" list.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arrangement {
    Cover,
    Earlier,
    Later,
    Remove,
}

#[derive(Deserialize)]
pub struct ArrangeForm {
    item_id: i64,
    action: Arrangement,
}

/// The cover, order and removal buttons beside each item of an album.
pub async fn arrange(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ArrangeForm>,
) -> AppResult<Response> {
    let item = form.item_id;
    match form.action {
        Arrangement::Cover => {
            let changes = AlbumChanges { name: None, visibility: None, cover_item_id: Some(item) };
            state.library.change_album(&user, id, changes).await.map(drop)?;
        }
        Arrangement::Earlier => state.library.move_in_album(&user, id, item, Step::Earlier).await?,
        Arrangement::Later => state.library.move_in_album(&user, id, item, Step::Later).await?,
        Arrangement::Remove => state.library.remove_from_album(&user, id, item).await?,
    }
    Ok(Redirect::to(&format!("/photos/albums/{id}#arrange")).into_response())
}

pub async fn share(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ShareForm>,
) -> AppResult<Response> {
    let (token, share) = state.library.create_share(&user, ShareTarget::Album(id), form.options()?).await?;
    Ok(show_new_link(&state, &headers, &format!("/photos/albums/{id}"), &token, &share))
}

#[derive(Deserialize)]
pub struct RevokeForm {
    share_id: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<RevokeForm>,
) -> AppResult<Response> {
    state.library.revoke_share(&user, &form.share_id).await?;
    Ok(Redirect::to(&format!("/photos/albums/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct AddToAlbumForm {
    album_id: i64,
}

/// From an item's page: add it to one of the user's albums.
pub async fn add_from_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(item_id): Path<i64>,
    Form(form): Form<AddToAlbumForm>,
) -> AppResult<Response> {
    state.library.add_to_album(&user, form.album_id, &[item_id]).await?;
    Ok(Redirect::to(&format!("/photos/albums/{}", form.album_id)).into_response())
}
