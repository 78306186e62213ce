//! A member's issues when their account is deleted (admins only; the portal asks, ADR 0053).

use axum::Json;
use axum::extract::{Path, State};
use hearth_shared::{AppResult, CurrentUser};

use crate::AppState;
use crate::tracker::MemberRemoval;

/// What deleting the member's account does with their issues: they stay, under their name as
/// a former member; open issues assigned to them become unassigned; their saved views go.
#[utoipa::path(get, path = "/bugs/api/members/{id}/removal", tag = "family", params(("id" = i64, Path, description = "The member's user id")),
    responses((status = 200, body = MemberRemoval), (status = 403, body = hearth_shared::error::Problem)))]
pub async fn removal_plan(
    State(state): State<AppState>,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<MemberRemoval>> {
    Ok(Json(state.tracker.member_removal_plan(&admin, id).await?))
}

/// Do it, as part of deleting the member's account (the portal calls this; calling it again
/// finds nothing left to do).
#[utoipa::path(post, path = "/bugs/api/members/{id}/removal", tag = "family", params(("id" = i64, Path, description = "The member's user id")),
    responses((status = 200, body = MemberRemoval), (status = 403, body = hearth_shared::error::Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<MemberRemoval>> {
    Ok(Json(state.tracker.remove_member(&admin, id).await?))
}
