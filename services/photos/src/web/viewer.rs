//! The viewer: one item large, with the items either side of it in the list it was opened from
//! (the timeline, an album, a search; ADR 0065), a download, and the way back to where the
//! person was. Previous and next are plain links, so it all works without script; with it, the
//! arrow keys, a swipe and Escape do the same (`static/photos.js`).
//!
//! The list travels in the address: `?in_album=3`, or the search's own fields (`?q=beach`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::display::human_size;
use hearth_shared::flash::Flash;
use hearth_shared::layout::{NewSecret, PageContext, Timestamp, render};
use hearth_shared::{AppError, AppResult, CurrentUser, Identity};
use serde::Deserialize;

use super::pages::{TIMELINE_PAGE, page};
use super::{ShareForm, files, show_new_link};
use crate::AppState;
use crate::api::cursor_of;
use crate::db::items::ItemRow;
use crate::domain::{ExposureFacts, SearchQuery, TakenAt};
use crate::sharing::ShareTarget;
use crate::viewer::{Browsing, Neighbours};

/// The list an item page was opened from, as its address carries it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ViewerQuery {
    in_album: Option<i64>,
    q: String,
    camera: String,
    album: String,
    from: String,
    to: String,
}

impl ViewerQuery {
    /// The list, or why the address does not name one.
    fn browsing(&self) -> AppResult<Browsing> {
        if let Some(album) = self.in_album {
            return Ok(Browsing::Album(album));
        }
        let query = SearchQuery::parse(&self.q, &self.camera, &self.album, &self.from, &self.to)?;
        Ok(if query.is_empty() { Browsing::Timeline } else { Browsing::Search(query) })
    }

    /// What an item page's address adds to stay in the same list: `?in_album=3`, `?q=…`, or "".
    #[must_use]
    pub fn suffix(&self) -> String {
        if let Some(album) = self.in_album {
            return format!("?in_album={album}");
        }
        let fields =
            [("q", &self.q), ("camera", &self.camera), ("album", &self.album), ("from", &self.from), ("to", &self.to)];
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields.iter().filter(|(_, value)| !value.trim().is_empty()) {
            query.append_pair(name, value);
        }
        let query = query.finish();
        if query.is_empty() { String::new() } else { format!("?{query}") }
    }

    /// The search these fields make, as a suffix for item pages opened from its results.
    #[must_use]
    pub fn of_search(q: &str, camera: &str, album: &str, from: &str, to: &str) -> Self {
        Self {
            in_album: None,
            q: q.to_owned(),
            camera: camera.to_owned(),
            album: album.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
        }
    }
}

/// What the viewer shows of one item, for members and guests alike (`stage.html`).
pub(super) struct Stage {
    pub id: i64,
    pub file_name: String,
    pub kind: String,
    /// The large picture: a photo's preview, a document's first page.
    pub picture: Option<String>,
    /// Whether the browser shows the file itself (a PDF, text).
    pub opens_inline: bool,
    /// The file itself, when this person may have it: to download, to play (a video), to open
    /// (a document).
    pub download: Option<String>,
    /// Where back goes: the list, at this item.
    pub back: String,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// The previews of the neighbours, for the script to load ahead.
    pub previous_picture: Option<String>,
    pub next_picture: Option<String>,
    /// Why there is no picture, when the family should know.
    pub hint: Option<String>,
    /// The beginning of a document's text.
    pub text_excerpt: Option<String>,
}

/// Where one item's files are, for members or for the guests of a link.
pub(super) struct Paths {
    /// `/photos/items/{id}` or `/photos/s/{token}/items/{id}`: the item's own page.
    pub item: Box<dyn Fn(i64) -> String + Send>,
    /// What a page address adds to stay in the list.
    pub suffix: String,
}

impl Paths {
    fn page(&self, id: i64) -> String {
        format!("{}{}", (self.item)(id), self.suffix)
    }

    fn preview(&self, id: i64) -> String {
        format!("{}/preview", (self.item)(id))
    }
}

impl Stage {
    /// The stage of `item` with its neighbours; `download` is offered when given.
    pub(super) fn of(
        item: &ItemRow,
        neighbours: &Neighbours,
        paths: &Paths,
        back: String,
        download: Option<String>,
    ) -> Self {
        let base = (paths.item)(item.id);
        let hint = match (&item.preview_error, item.preview.as_str()) {
            (None, "pending") => Some("The preview is being made.".to_owned()),
            (Some(reason), _) if item.kind == "photo" => Some(format!("No preview: {reason}")),
            (Some(reason), _) if reason.starts_with("could not be read") => Some(format!("This file {reason}.")),
            _ => None,
        };
        Self {
            id: item.id,
            file_name: item.file_name.clone(),
            kind: item.kind.clone(),
            picture: (item.preview == "ready").then(|| format!("{base}/preview")),
            opens_inline: item.kind == "document" && files::is_inline(&item.content_type),
            download,
            back,
            previous: neighbours.previous.map(|id| paths.page(id)),
            next: neighbours.next.map(|id| paths.page(id)),
            previous_picture: neighbours.previous.map(|id| paths.preview(id)),
            next_picture: neighbours.next.map(|id| paths.preview(id)),
            hint,
            text_excerpt: None,
        }
    }
}

/// What the page calls the item: the title says what it is.
pub(super) fn kind_title(kind: &str) -> &'static str {
    match kind {
        "photo" => "Photo",
        "video" => "Video",
        "document" => "Document",
        _ => "File",
    }
}

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage {
    ctx: PageContext,
    stage: Stage,
    item: ItemRow,
    /// As the camera recorded it.
    taken: Option<String>,
    uploaded: Timestamp,
    size: String,
    exposure: Vec<String>,
    is_owner: bool,
    can_delete: bool,
    /// The user's own albums, to add the item to.
    albums: Vec<(i64, String)>,
}

pub async fn item(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    flash: Flash,
    Path(id): Path<i64>,
    Query(query): Query<ViewerQuery>,
) -> AppResult<Response> {
    let page = render(&item_page(&state, user, &csrf, id, &query, flash.take()).await?)?;
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
    query: &ViewerQuery,
    new_link: Option<NewSecret>,
) -> AppResult<ItemPage> {
    let item = state.library.item(&user, id).await?;
    if item.deleted_at.is_some() {
        return Err(AppError::NotFound("This item is in the trash.".to_owned()));
    }
    let browsing = query.browsing()?;
    let neighbours = state.library.neighbours(&user, &item, &browsing, TIMELINE_PAGE).await?;
    let paths = Paths { item: Box::new(|id| format!("/photos/items/{id}")), suffix: query.suffix() };
    let back = back_to(&browsing, query, &neighbours, item.id);
    let mut stage = Stage::of(&item, &neighbours, &paths, back, Some(format!("/photos/items/{id}/original")));
    if item.kind == "document" {
        stage.text_excerpt = state.library.text_excerpt(&item).await?;
    }
    let is_owner = item.owner_id == user.user_id;
    let can_delete = is_owner || user.is_admin();
    let albums = state.library.own_albums(&user).await?.into_iter().map(|a| (a.id, a.name)).collect();
    Ok(ItemPage {
        ctx: page(kind_title(&item.kind), user, csrf).with_secret(new_link),
        stage,
        taken: item.taken_at.map(|at| TakenAt::new(at, item.taken_offset_minutes).as_recorded()),
        uploaded: Timestamp::at(item.uploaded_at),
        size: human_size(u64::try_from(item.size).unwrap_or_default()),
        exposure: exposure_of(&item).summary(),
        is_owner,
        can_delete,
        albums,
        item,
    })
}

/// The exposure fields of an item, for display.
pub(super) fn exposure_of(item: &ItemRow) -> ExposureFacts {
    ExposureFacts {
        exposure_time: item.exposure_time.clone(),
        f_number_hundredths: item.f_number_hundredths,
        iso: item.iso,
        focal_length_hundredths: item.focal_length_hundredths,
        focal_length_35mm: item.focal_length_35mm,
    }
}

/// Back to the list the item was opened from, at the item: its album, the search, or the
/// timeline page it is on.
fn back_to(browsing: &Browsing, query: &ViewerQuery, neighbours: &Neighbours, id: i64) -> String {
    match browsing {
        Browsing::Album(album) => format!("/photos/albums/{album}#item-{id}"),
        Browsing::Search(_) => format!("/photos/search{}#item-{id}", query.suffix()),
        Browsing::Timeline => match neighbours.page_cursor {
            Some(cursor) => format!("/photos/?cursor={}#item-{id}", cursor_of(cursor)),
            None => format!("/photos/#item-{id}"),
        },
    }
}
