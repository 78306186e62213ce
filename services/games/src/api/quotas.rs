//! API handlers for members' quotas: anyone reads their own, admins read and set anyone's.

use axum::Json;
use axum::extract::{Path, State};
use hearth_shared::error::Problem;
use hearth_shared::{AppError, AppResult, CurrentUser};

use crate::AppState;
use crate::config::Quota;

/// A member's quota (their own, or anyone's for an admin).
#[utoipa::path(get, path = "/games/api/quotas/{user_id}", tag = "quotas",
    responses((status = 200, body = Quota), (status = 403, body = Problem)))]
pub async fn get_quota(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(user_id): Path<i64>,
) -> AppResult<Json<Quota>> {
    if user_id != user.user_id {
        user.require_admin()?;
    }
    Ok(Json(state.manager.quota(user_id).await?))
}

/// Sets a member's quota: servers running at once, and their memory together (admins only).
#[utoipa::path(put, path = "/games/api/quotas/{user_id}", tag = "quotas", request_body = Quota,
    responses((status = 200, body = Quota), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_quota(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(user_id): Path<i64>,
    Json(quota): Json<Quota>,
) -> AppResult<Json<Quota>> {
    if quota.max_memory_mb > 1024 * 1024 || quota.max_running > 1000 {
        return Err(AppError::Invalid("A quota is at most 1000 servers and 1048576 MiB (1 TiB) of memory.".to_owned()));
    }
    Ok(Json(state.manager.set_quota(&user, user_id, quota).await?))
}
