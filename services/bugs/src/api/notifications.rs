//! Notifications: the inbox with its unread count, marking it read, and following an issue.

use axum::Json;
use axum::extract::{Path, State};
use hearth_shared::error::Problem;
use hearth_shared::{AppError, AppResult, CurrentUser};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::domain::workflow::parse_issue_number;

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationInfo {
    pub id: i64,
    /// `HOME-12`.
    pub reference: String,
    pub title: String,
    /// commented, assigned or changed.
    pub reason: String,
    /// What happened, in words: "Mum commented: “…”".
    pub summary: String,
    pub url: String,
    pub created_at: i64,
    pub read: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InboxInfo {
    pub unread: i64,
    /// The newest 100, newest first.
    pub notifications: Vec<NotificationInfo>,
}

/// Your notifications: someone commented on, assigned or changed an issue you filed, are
/// assigned to, commented on or follow.
#[utoipa::path(get, path = "/bugs/api/notifications", tag = "notifications",
    responses((status = 200, body = InboxInfo), (status = 401, body = Problem)))]
pub async fn list(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> AppResult<Json<InboxInfo>> {
    let inbox = state.tracker.inbox(&user).await?;
    let notifications = inbox
        .notifications
        .into_iter()
        .map(|n| NotificationInfo {
            id: n.id,
            reference: format!("{}-{}", n.project_key, n.number),
            url: format!("/bugs/p/{}/{}", n.project_key, n.number),
            title: n.title,
            reason: n.reason,
            summary: n.summary,
            created_at: n.created_at,
            read: n.read_at.is_some(),
        })
        .collect();
    Ok(Json(InboxInfo { unread: inbox.unread, notifications }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    /// How many were unread.
    pub marked: u64,
}

/// Marks all your notifications read (opening an issue's page reads its own).
#[utoipa::path(post, path = "/bugs/api/notifications/read", tag = "notifications",
    responses((status = 200, body = MarkedRead), (status = 401, body = Problem)))]
pub async fn read_all(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> AppResult<Json<MarkedRead>> {
    Ok(Json(MarkedRead { marked: state.tracker.mark_all_read(&user).await? }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct FollowBody {
    /// true: hear about every change of the issue; false: hear nothing of it.
    pub following: bool,
}

/// Follows an issue or stops following it (over having filed, being assigned or commented).
#[utoipa::path(post, path = "/bugs/api/projects/{key}/issues/{number}/follow", tag = "notifications",
    params(("key" = String, Path), ("number" = i64, Path)), request_body = FollowBody,
    responses((status = 200, body = FollowBody), (status = 404, body = Problem)))]
pub async fn follow(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((key, raw)): Path<(String, String)>,
    Json(body): Json<FollowBody>,
) -> AppResult<Json<FollowBody>> {
    let number = parse_issue_number(&raw).map_err(|_| AppError::NotFound(format!("There is no issue {raw:?}.")))?;
    state.tracker.follow(&user, &key, number, body.following).await?;
    Ok(Json(body))
}
