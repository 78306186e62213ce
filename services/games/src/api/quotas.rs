//! API handlers for members' quotas: anyone reads their own, admins read and set anyone's.

use axum::Json;
use axum::extract::{Path, State};
use hearth_shared::error::Problem;
use hearth_shared::{AppError, AppResult, CurrentUser};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::domain::Quota;

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

/// A quota as sent: each from 0 to the most a quota allows (1000 servers, 1048576 MiB).
#[derive(Debug, Deserialize, ToSchema)]
pub struct QuotaBody {
    pub max_running: i64,
    pub max_memory_mb: i64,
}

/// Sets a member's quota: servers running at once, and their memory together (admins only).
#[utoipa::path(put, path = "/games/api/quotas/{user_id}", tag = "quotas", request_body = QuotaBody,
    responses((status = 200, body = Quota), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_quota(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(user_id): Path<i64>,
    Json(body): Json<QuotaBody>,
) -> AppResult<Json<Quota>> {
    let quota = Quota::from_numbers(body.max_running, body.max_memory_mb).map_err(AppError::Invalid)?;
    Ok(Json(state.manager.set_quota(&user, user_id, quota).await?))
}
