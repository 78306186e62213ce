//! The guest side of share links, `/photos/s/{token}`: no account needed. A protected link
//! asks for its password first (guesses throttled: a page that says how long to wait) and
//! remembers it in a cookie scoped to the link. Guests see thumbnails and previews of what
//! the family sees, in the same viewer as the family (previous, next, download, back); the
//! page says who shared it. Nothing shows where a photo was taken unless the sharer chose so.

use std::net::{IpAddr, SocketAddr};

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use hearth_shared::cookies::{self, SameSite};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::http::client_ip;
use hearth_shared::layout::{PageContext, Timestamp, render, render_with_status};
use hearth_shared::{AppError, AppResult};
use serde::Deserialize;

use super::files;
use super::tiles::Tile;
use super::viewer::{Paths, Stage, exposure_of, kind_title};
use super::zip_stream::{ZipEntry, zip_response};
use crate::db::items::ItemRow;
use crate::db::shares::ShareRow;
use crate::domain::TakenAt;
use crate::sharing::{GuestDownload, OpenShare, guest_download, is_unlocked, unlock_proof};
use crate::storage::Derived;
use crate::viewer::Neighbours;
use crate::{AppState, SERVICE};

fn cookie_name(share: &ShareRow) -> String {
    format!("hearth_share_{}", share.id)
}

#[derive(Template)]
#[template(path = "guest_password.html")]
struct PasswordPage {
    ctx: PageContext,
    token: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "guest.html")]
struct GuestPage {
    ctx: PageContext,
    token: String,
    title: String,
    /// Who made the link, as the family knew them then.
    shared_by: Option<String>,
    tiles: Vec<Tile>,
    expires: Option<Timestamp>,
}

#[derive(Template)]
#[template(path = "guest_item.html")]
struct GuestItemPage {
    ctx: PageContext,
    stage: Stage,
    title: String,
    shared_by: Option<String>,
    taken: Option<String>,
    exposure: Vec<String>,
    /// Why this item cannot be downloaded, when it cannot.
    not_offered: Option<&'static str>,
}

/// The share behind the token, if the guest may open it now.
async fn unlocked(state: &AppState, token: &str, headers: &HeaderMap) -> AppResult<Result<ShareRow, ShareRow>> {
    let share = state.library.share_by_token(token).await?;
    let jar = CookieJar::from_headers(headers);
    let cookie = jar.get(&cookie_name(&share)).map(|c| c.value().to_owned());
    Ok(if is_unlocked(token, &share, cookie.as_deref()) { Ok(share) } else { Err(share) })
}

pub async fn show(
    State(state): State<AppState>,
    csrf: CsrfToken,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let share = match unlocked(&state, &token, &headers).await? {
        Ok(share) => share,
        Err(_) => {
            let page = PasswordPage { ctx: guest_context("Protected link", &csrf), token, error: None };
            return render(&page);
        }
    };
    let expires = share.expires_at.map(Timestamp::at);
    let shared_by = share.owner_name.clone();
    let OpenShare { title, items, .. } = state.library.open_share(share).await?;
    render(&GuestPage {
        ctx: guest_context(&title, &csrf),
        tiles: items.into_iter().map(|item| Tile::guest(item, &token)).collect(),
        token,
        title,
        shared_by,
        expires,
    })
}

/// One item of a link in the viewer, with the link's others either side; a locked link asks
/// for its password first.
pub async fn item(
    State(state): State<AppState>,
    csrf: CsrfToken,
    headers: HeaderMap,
    Path((token, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let Ok(share) = unlocked(&state, &token, &headers).await? else {
        return Ok(Redirect::to(&format!("/photos/s/{token}")).into_response());
    };
    let shared_by = share.owner_name.clone();
    let OpenShare { share, title, items } = state.library.open_share(share).await?;
    let item = items
        .iter()
        .find(|item| item.id == id)
        .cloned()
        .ok_or_else(|| AppError::NotFound("That is not part of this link.".to_owned()))?;
    let neighbours = Neighbours::in_list(&items, id);
    let base = format!("/photos/s/{token}/items");
    let paths = Paths { item: Box::new(move |id| format!("{base}/{id}")), suffix: String::new() };
    let offered = guest_download(&share, &item);
    let not_offered = match offered {
        GuestDownload::NotOffered(reason) => Some(reason),
        _ => None,
    };
    let download = not_offered.is_none().then(|| format!("/photos/s/{token}/items/{id}/download"));
    let stage = Stage::of(&item, &neighbours, &paths, format!("/photos/s/{token}#item-{id}"), download);
    let page = GuestItemPage {
        ctx: guest_context(&format!("{} · {title}", kind_title(&item.kind)), &csrf),
        stage,
        title,
        shared_by,
        taken: item.taken_at.map(|at| TakenAt::new(at, item.taken_offset_minutes).as_recorded()),
        exposure: exposure_of(&item).summary(),
        not_offered,
    };
    render(&page)
}

fn guest_context(title: &str, csrf: &CsrfToken) -> PageContext {
    PageContext::new(title, None, &csrf.0, SERVICE.prefix)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

/// The guest's address as far as it can be trusted, which password guesses count against.
pub struct GuestAddress(Option<IpAddr>);

impl FromRequestParts<AppState> for GuestAddress {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(Self(client_ip(&parts.headers, peer, state.service.config.trust_forwarded_for)))
    }
}

/// The password form: a wrong password, or too many of them (429 with `Retry-After`), shows
/// the form again saying so.
pub async fn unlock(
    State(state): State<AppState>,
    csrf: CsrfToken,
    headers: HeaderMap,
    GuestAddress(address): GuestAddress,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let share = match state.library.unlock_share(&token, &form.password, address).await {
        Ok(share) => share,
        Err(refused @ (AppError::Unauthorized(_) | AppError::TooManyRequests { .. })) => {
            let page =
                PasswordPage { ctx: guest_context("Protected link", &csrf), token, error: Some(refused.to_string()) };
            let mut response = render_with_status(refused.status(), &page)?;
            if let AppError::TooManyRequests { retry_after_secs, .. } = refused {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            return Ok(response);
        }
        Err(other) => return Err(other),
    };
    let mut response = Redirect::to(&format!("/photos/s/{token}")).into_response();
    if let Some(proof) = unlock_proof(&token, &share) {
        let secure = cookies::secure_for(&headers, state.service.config.secure_cookies);
        let cookie = cookies::set_cookie(&cookie_name(&share), &proof, SameSite::Lax, secure, None);
        cookies::append(response.headers_mut(), cookie);
    }
    Ok(response)
}

/// The shared item with this id, if the guest may see it.
async fn shared_item(state: &AppState, token: &str, headers: &HeaderMap, id: i64) -> AppResult<(ShareRow, ItemRow)> {
    let share = opened(state, token, headers).await?;
    let item = state.library.shared_item(&share, id).await?;
    Ok((share, item))
}

/// The share behind the token, or 403 while its password has not been typed.
async fn opened(state: &AppState, token: &str, headers: &HeaderMap) -> AppResult<ShareRow> {
    unlocked(state, token, headers)
        .await?
        .map_err(|_| AppError::Forbidden("Type the link's password first.".to_owned()))
}

pub async fn thumbnail(
    state: State<AppState>,
    headers: HeaderMap,
    path: Path<(String, i64)>,
    request: Request,
) -> AppResult<Response> {
    derived(state, headers, path, Derived::Thumbnail, request).await
}

pub async fn preview(
    state: State<AppState>,
    headers: HeaderMap,
    path: Path<(String, i64)>,
    request: Request,
) -> AppResult<Response> {
    derived(state, headers, path, Derived::Preview, request).await
}

async fn derived(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((token, id)): Path<(String, i64)>,
    kind: Derived,
    request: Request,
) -> AppResult<Response> {
    let (_, item) = shared_item(&state, &token, &headers, id).await?;
    let path = state.library.derived_of(&item, kind).await?;
    files::serve_derived(path, request).await
}

/// A download of a shared item: the original, without its location or as the preview when it
/// would reveal a place the sharer keeps private (see [`guest_download`]).
pub async fn download(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((token, id)): Path<(String, i64)>,
    request: Request,
) -> AppResult<Response> {
    let (share, item) = shared_item(&state, &token, &headers, id).await?;
    match guest_download(&share, &item) {
        GuestDownload::Original => {
            let path = state.library.blob_path(&item).await?;
            files::serve_original(&item, path, request).await
        }
        GuestDownload::OriginalWithoutLocation => {
            let path = state.library.original_without_location(&item).await?;
            files::serve_original(&item, path, request).await
        }
        GuestDownload::PreviewWithoutLocation => {
            let path = state.library.derived_of(&item, Derived::Preview).await?;
            files::serve_preview_download(&item, path, request).await
        }
        GuestDownload::NotOffered(reason) => Err(AppError::Forbidden(reason.to_owned())),
    }
}

/// Everything a guest may download from the link, as one streamed zip.
pub async fn download_all(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let OpenShare { share, title, items } = state.library.open_share(opened(&state, &token, &headers).await?).await?;
    let mut entries = Vec::new();
    for item in items {
        let entry = match guest_download(&share, &item) {
            GuestDownload::Original => {
                ZipEntry::of(&item, item.file_name.clone(), state.library.blob_path(&item).await?)
            }
            GuestDownload::OriginalWithoutLocation => {
                ZipEntry::of(&item, item.file_name.clone(), state.library.original_without_location(&item).await?)
            }
            GuestDownload::PreviewWithoutLocation => {
                let path = state.library.derived_of(&item, Derived::Preview).await?;
                ZipEntry::of(&item, files::without_location_name(&item), path)
            }
            GuestDownload::NotOffered(_) => continue,
        };
        entries.push(entry);
    }
    Ok(zip_response(&title, entries))
}
