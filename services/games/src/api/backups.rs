//! API handlers for backups: list, make, download (streamed), restore.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_shared::error::Problem;
use hearth_shared::{AppError, AppResult, CurrentUser};
use tokio::io::AsyncReadExt;

use crate::AppState;
use crate::backups::Backup;

/// The server's backups, newest first.
#[utoipa::path(get, path = "/games/api/servers/{id}/backups", tag = "backups",
    responses((status = 200, body = [Backup]), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<Backup>>> {
    Ok(Json(state.manager.backups(&user, id).await?))
}

/// Backs the server up now: while stopped, or after the game's save command (from the copy
/// of its world the save wrote, for Minetest).
#[utoipa::path(post, path = "/games/api/servers/{id}/backups", tag = "backups",
    responses((status = 201, body = Backup), (status = 409, description = "Running, and the game cannot save on command, or its save failed", body = Problem)))]
pub async fn make(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(state.manager.back_up(&user, id).await?)))
}

/// Downloads a backup (`.tar.gz`), streamed; the stream is fused, so it is never polled
/// after its end.
#[utoipa::path(get, path = "/games/api/servers/{id}/backups/{name}", tag = "backups",
    responses((status = 200, content_type = "application/gzip"), (status = 404, body = Problem)))]
pub async fn download(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, name)): Path<(i64, String)>,
) -> AppResult<Response> {
    let path = state.manager.backup_file(&user, id, &name).await?;
    let file = tokio::fs::File::open(&path).await.map_err(|e| AppError::Internal(e.into()))?;
    let chunks = futures_util::stream::unfold(file, |mut file| async move {
        let mut buffer = vec![0u8; 64 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok::<_, std::io::Error>(buffer), file))
            }
            Err(error) => Some((Err(error), file)),
        }
    });
    let chunks = futures_util::StreamExt::fuse(chunks);
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/gzip"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"server-{id}-{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Restores a backup into the server's folder; the folder changes only once the whole backup
/// is unpacked. A running server is stopped first and started again after; the world as it
/// was is kept as one more backup.
#[utoipa::path(post, path = "/games/api/servers/{id}/backups/{name}/restore", tag = "backups",
    responses((status = 204), (status = 404, body = Problem), (status = 409, description = "The server was started again meanwhile", body = Problem),
        (status = 422, description = "A damaged backup, or one holding what a server's folder must not (special files, links out, paths out); the world is unchanged", body = Problem)))]
pub async fn restore(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, name)): Path<(i64, String)>,
) -> AppResult<StatusCode> {
    state.manager.restore(&user, id, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How often the server backs itself up.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct BackupSchedule {
    /// Hours between backups, 0 (only by hand) to 168.
    pub every_hours: u32,
}

/// Sets the server's backup schedule.
#[utoipa::path(put, path = "/games/api/servers/{id}/backup-schedule", tag = "backups", request_body = BackupSchedule,
    responses((status = 200, body = crate::manager::Server), (status = 422, body = Problem)))]
pub async fn set_schedule(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(schedule): Json<BackupSchedule>,
) -> AppResult<Json<crate::manager::Server>> {
    Ok(Json(state.manager.set_backup_schedule(&user, id, schedule.every_hours).await?))
}
