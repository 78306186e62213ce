//! Atom feeds: a project's recently changed issues, and a saved view's. Feed readers send a
//! personal API token as `Authorization: Bearer …` or, when they cannot, as `?token=…`; a
//! session token is never taken from the URL (links get copied, logged and shared).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use hearth_shared::tokens::is_api_token;
use hearth_shared::{AppError, AppResult, Identity};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;

use crate::AppState;
use crate::domain::markdown::to_safe_html;
use crate::domain::{IssueQuery, ProjectKey, Status};
use crate::tracker::Page;

/// Entries in one feed.
const FEED_ENTRIES: i64 = 50;

#[derive(Deserialize)]
pub struct FeedParams {
    token: Option<String>,
}

struct FeedEntry {
    id: String,
    title: String,
    url: String,
    updated: String,
    author: String,
    content_html: String,
}

#[derive(Template)]
#[template(path = "feed.xml")]
struct Feed {
    id: String,
    title: String,
    url: String,
    updated: String,
    entries: Vec<FeedEntry>,
}

fn rfc3339(unix_seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// The reader: the request's token, or the personal API token in the query.
async fn reader(state: &AppState, headers: &HeaderMap, params: &FeedParams) -> AppResult<Identity> {
    let mut headers = headers.clone();
    if let Some(token) = params.token.as_deref().filter(|t| !t.is_empty()) {
        if !is_api_token(token) {
            return Err(AppError::Unauthorized(
                "A feed link takes a personal API token (hth_…), made on your account page, not a session.".to_owned(),
            ));
        }
        let value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| AppError::Unauthorized("That token is not valid.".to_owned()))?;
        headers.insert(header::AUTHORIZATION, value);
    }
    state.service.auth.identify(&headers).await?.ok_or(AppError::Unauthenticated)
}

fn render(id: String, title: String, url: String, page: Page) -> AppResult<Response> {
    let updated = page.issues.iter().map(|i| i.updated_at).max().unwrap_or(0);
    let entries = page
        .issues
        .into_iter()
        .map(|issue| {
            let status = Status::parse(&issue.status).map_or("", Status::label);
            FeedEntry {
                id: format!("tag:hearth,bugs:{}-{}:{}", issue.project_key, issue.number, issue.updated_at),
                title: format!("{}-{} {} [{status}]", issue.project_key, issue.number, issue.title),
                url: format!("/bugs/p/{}/{}", issue.project_key, issue.number),
                updated: rfc3339(issue.updated_at),
                author: issue.reporter_name.unwrap_or_else(|| "someone".to_owned()),
                content_html: to_safe_html(&issue.description),
            }
        })
        .collect();
    let feed = Feed { id, title, url, updated: rfc3339(updated), entries };
    let xml = feed.render().map_err(|e| AppError::Internal(e.into()))?;
    let mut response = xml.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/atom+xml; charset=utf-8"));
    Ok(response)
}

pub async fn project(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Query(params): Query<FeedParams>,
) -> AppResult<Response> {
    let user = reader(&state, &headers, &params).await?;
    let project = state.tracker.project(&user, &key).await?;
    let query = IssueQuery::default().in_project(&ProjectKey::parse(&project.key)?);
    let page = state.tracker.search(&user, &query, None, FEED_ENTRIES).await?;
    render(
        format!("tag:hearth,bugs:{}", project.key),
        format!("{} · {}", project.key, project.name),
        format!("/bugs/p/{}", project.key),
        page,
    )
}

pub async fn view(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(params): Query<FeedParams>,
) -> AppResult<Response> {
    let user = reader(&state, &headers, &params).await?;
    let view = state.tracker.view(&user, id).await?;
    let query = IssueQuery::parse(&view.query)
        .map_err(|e| AppError::Invalid(format!("The saved query no longer parses: {e}.")))?;
    let page = state.tracker.search(&user, &query, None, FEED_ENTRIES).await?;
    let url =
        format!("/bugs/issues?q={}", url::form_urlencoded::byte_serialize(view.query.as_bytes()).collect::<String>());
    render(format!("tag:hearth,bugs:view:{id}"), view.name, url, page)
}
