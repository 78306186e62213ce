//! Webhooks: list, add and remove (family admins only).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hearth_shared::error::Problem;
use hearth_shared::{AppResult, CurrentUser};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::db::webhooks::WebhookRow;

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookInfo {
    pub id: i64,
    pub url: String,
    /// The project whose events it gets; absent for all projects.
    pub project: Option<String>,
    pub created_at: i64,
    pub delivered: i64,
    /// Deliveries waiting for their first or next attempt.
    pub pending: i64,
    /// Deliveries given up after every attempt failed.
    pub failed: i64,
    /// Why the latest failed attempt failed.
    pub last_error: Option<String>,
    /// Only in the answer to creating it: the HMAC-SHA256 key of `X-Hearth-Signature-256`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn info(row: WebhookRow, secret: Option<String>) -> WebhookInfo {
    WebhookInfo {
        id: row.id,
        url: row.url,
        project: row.project_key,
        created_at: row.created_at,
        delivered: row.delivered,
        pending: row.pending,
        failed: row.failed,
        last_error: row.last_error,
        secret,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewWebhookBody {
    /// `http://…`, where events are POSTed as JSON.
    pub url: String,
    /// A project key; all projects when left out.
    pub project: Option<String>,
    /// At least 16 characters; made for you when left out.
    pub secret: Option<String>,
}

/// The webhooks (family admins only).
#[utoipa::path(get, path = "/bugs/api/webhooks", tag = "webhooks",
    responses((status = 200, body = Vec<WebhookInfo>), (status = 403, body = Problem)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<Json<Vec<WebhookInfo>>> {
    Ok(Json(state.tracker.webhooks(&user).await?.into_iter().map(|w| info(w, None)).collect()))
}

/// Adds a webhook: issue.created, issue.edited, issue.status_changed, issue.commented and
/// issue.linked are POSTed to it, signed with
/// `X-Hearth-Signature-256: sha256=<hex HMAC-SHA256 of the body>`, and retried with
/// exponential backoff until it answers 2xx.
#[utoipa::path(post, path = "/bugs/api/webhooks", tag = "webhooks", request_body = NewWebhookBody,
    responses((status = 201, body = WebhookInfo), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_webhook(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<NewWebhookBody>,
) -> AppResult<(StatusCode, Json<WebhookInfo>)> {
    let (row, secret) =
        state.tracker.create_webhook(&user, &body.url, body.project.as_deref(), body.secret.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(info(row, Some(secret)))))
}

/// Removes a webhook and the deliveries it had still to make (family admins only).
#[utoipa::path(delete, path = "/bugs/api/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    state.tracker.delete_webhook(&user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
