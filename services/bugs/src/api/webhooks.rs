//! Webhooks: list and add (family admins only).

use axum::Json;
use axum::extract::State;
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
    /// Only in the answer to creating it: the HMAC-SHA256 key of `X-Hearth-Signature-256`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn info(row: WebhookRow, secret: Option<String>) -> WebhookInfo {
    WebhookInfo { id: row.id, url: row.url, project: row.project_key, created_at: row.created_at, secret }
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
