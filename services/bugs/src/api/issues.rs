//! Issues: find with the query language (cursor pagination), file, one issue with its
//! timeline, edit, comment, change status, triage, link and attach.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hearth_shared::display::human_size;
use hearth_shared::error::Problem;
use hearth_shared::{AppError, AppResult, CurrentUser};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::db::issues::IssueRow;
use crate::domain::workflow::{StatusChange, parse_issue_number};
use crate::domain::{IssueQuery, IssueTitle, LabelName, LinkKind, Priority, Resolution, Status};
use crate::tracker::{IssueDetail, IssueEdit, IssueInput, Upload};
use crate::web::{cursor_text, parse_cursor};

/// An issue as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueInfo {
    pub project: String,
    pub number: i64,
    /// `HOME-12`.
    pub reference: String,
    pub title: String,
    /// Markdown.
    pub description: String,
    pub status: Status,
    pub resolution: Option<Resolution>,
    /// The number of the issue this duplicates.
    pub duplicate_of: Option<i64>,
    pub priority: Priority,
    pub labels: Vec<String>,
    pub reporter_id: i64,
    pub reporter: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub url: String,
}

fn info(row: IssueRow, labels: Vec<String>) -> IssueInfo {
    IssueInfo {
        reference: format!("{}-{}", row.project_key, row.number),
        url: format!("/bugs/p/{}/{}", row.project_key, row.number),
        status: Status::parse(&row.status).unwrap_or(Status::Open),
        resolution: row.resolution.as_deref().and_then(|r| Resolution::parse(r).ok()),
        duplicate_of: row.duplicate_of_number,
        priority: Priority::from_rank(row.priority),
        project: row.project_key,
        number: row.number,
        title: row.title,
        description: row.description,
        labels,
        reporter_id: row.reporter_id,
        reporter: row.reporter_name,
        assignee_id: row.assignee_id,
        assignee: row.assignee_name,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuePage {
    pub issues: Vec<IssueInfo>,
    /// Parts of the query that name a label or person nobody has used, said in words.
    pub notices: Vec<String>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// The query language: `is:open label:printer -label:wontfix assignee:me priority:high
    /// project:HOME "paper jam" sort:updated|created|oldest|priority`.
    #[serde(default)]
    q: String,
    /// The `next_cursor` of the previous page.
    after: Option<String>,
    /// Issues per page (1–100, 50 by default).
    limit: Option<i64>,
}

/// Finds issues you see with the query language, a page at a time.
#[utoipa::path(get, path = "/bugs/api/issues", tag = "issues", params(SearchParams),
    responses((status = 200, body = IssuePage), (status = 400, body = Problem, description = "The query does not parse; the detail says what and where")))]
pub async fn search(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(params): Query<SearchParams>,
) -> AppResult<Json<IssuePage>> {
    let query = IssueQuery::parse(&params.q)
        .map_err(|e| AppError::BadRequest(format!("The query {:?} does not parse: {e}.", params.q)))?;
    let cursor = parse_cursor(params.after.as_deref())?;
    let notices = state.tracker.unknown_names(&query).await?;
    let page = state.tracker.search(&user, &query, cursor, params.limit.unwrap_or(50)).await?;
    let issues = page
        .issues
        .into_iter()
        .map(|row| {
            let labels = page.labels.iter().filter(|l| l.issue_id == row.id).map(|l| l.name.clone()).collect();
            info(row, labels)
        })
        .collect();
    Ok(Json(IssuePage { issues, notices, next_cursor: page.next.map(cursor_text) }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewIssueBody {
    pub title: String,
    /// What happened, in Markdown.
    #[serde(default)]
    pub description: String,
    pub priority: Option<Priority>,
    #[serde(default)]
    pub labels: Vec<String>,
    /// A username of someone who has used the tracker.
    pub assignee: Option<String>,
}

/// Files an issue.
#[utoipa::path(post, path = "/bugs/api/projects/{key}/issues", tag = "issues", params(("key" = String, Path)),
    request_body = NewIssueBody, responses((status = 201, body = IssueInfo), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn file_issue(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(key): Path<String>,
    Json(body): Json<NewIssueBody>,
) -> AppResult<(StatusCode, Json<IssueInfo>)> {
    let input = IssueInput {
        title: IssueTitle::parse(&body.title)?,
        description: body.description,
        priority: body.priority.unwrap_or(Priority::Normal),
        labels: body.labels.iter().map(|l| LabelName::parse(l)).collect::<AppResult<_>>()?,
        assignee: body.assignee,
    };
    let issue = state.tracker.file(&user, &key, &input).await?;
    let labels = input.labels.iter().map(|l| l.as_str().to_owned()).collect();
    Ok((StatusCode::CREATED, Json(info(issue, labels))))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentInfo {
    pub id: i64,
    pub author_id: i64,
    pub author: Option<String>,
    /// Markdown.
    pub body: String,
    pub created_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventInfo {
    pub actor_id: i64,
    pub actor: Option<String>,
    pub at: i64,
    /// created, status, priority, assignee, labels, link or attachment.
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkInfo {
    pub kind: LinkKind,
    /// True when this issue is the link's source (`this blocks HOME-3`).
    pub outgoing: bool,
    pub reference: String,
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentInfo {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssueDetailInfo {
    pub issue: IssueInfo,
    pub comments: Vec<CommentInfo>,
    pub history: Vec<EventInfo>,
    pub links: Vec<LinkInfo>,
    pub attachments: Vec<AttachmentInfo>,
}

fn detail_info(detail: IssueDetail) -> IssueDetailInfo {
    IssueDetailInfo {
        issue: info(detail.issue, detail.labels.into_iter().map(|l| l.name).collect()),
        comments: detail
            .comments
            .into_iter()
            .map(|c| CommentInfo {
                id: c.id,
                author_id: c.author_id,
                author: c.author_name,
                body: c.body,
                created_at: c.created_at,
            })
            .collect(),
        history: detail
            .events
            .into_iter()
            .map(|e| EventInfo {
                actor_id: e.actor_id,
                actor: e.actor_name,
                at: e.at,
                field: e.field,
                old_value: e.old_value,
                new_value: e.new_value,
            })
            .collect(),
        links: detail
            .links
            .into_iter()
            .map(|l| LinkInfo {
                kind: LinkKind::parse(&l.kind).unwrap_or(LinkKind::RelatesTo),
                outgoing: l.outgoing == 1,
                reference: format!("{}-{}", l.other_key, l.other_number),
                title: l.other_title,
            })
            .collect(),
        attachments: detail
            .attachments
            .into_iter()
            .map(|a| AttachmentInfo {
                url: format!("/bugs/attachments/{}", a.id),
                id: a.id,
                file_name: a.file_name,
                content_type: a.content_type,
                size: a.size,
            })
            .collect(),
    }
}

fn number(raw: &str) -> AppResult<i64> {
    parse_issue_number(raw).map_err(|_| AppError::NotFound(format!("There is no issue {raw:?}.")))
}

async fn detail(
    state: &AppState,
    user: &hearth_shared::Identity,
    key: &str,
    number: i64,
) -> AppResult<Json<IssueDetailInfo>> {
    Ok(Json(detail_info(state.tracker.detail(user, key, number).await?)))
}

/// One issue with its comments, history, links and attachments.
#[utoipa::path(get, path = "/bugs/api/projects/{key}/issues/{number}", tag = "issues",
    params(("key" = String, Path), ("number" = i64, Path)),
    responses((status = 200, body = IssueDetailInfo), (status = 404, body = Problem)))]
pub async fn get_issue(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((key, raw)): Path<(String, String)>,
) -> AppResult<Json<IssueDetailInfo>> {
    detail(&state, &user, &key, number(&raw)?).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditBody {
    /// The new title; left out, it stays.
    pub title: Option<String>,
    /// The new description in Markdown; left out, it stays.
    pub description: Option<String>,
}

/// Changes an issue's title or description (the reporter, the assignee or an admin); each
/// change goes into the history, and search finds the new words.
#[utoipa::path(patch, path = "/bugs/api/projects/{key}/issues/{number}", tag = "issues",
    params(("key" = String, Path), ("number" = i64, Path)), request_body = EditBody,
    responses((status = 200, body = IssueDetailInfo), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_issue(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((key, raw)): Path<(String, String)>,
    Json(body): Json<EditBody>,
) -> AppResult<Json<IssueDetailInfo>> {
    let n = number(&raw)?;
    let edit =
        IssueEdit { title: body.title.as_deref().map(IssueTitle::parse).transpose()?, description: body.description };
    state.tracker.edit(&user, &key, n, &edit).await?;
    detail(&state, &user, &key, n).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CommentBody {
    /// Markdown.
    pub body: String,
}

/// Comments on an issue.
#[utoipa::path(post, path = "/bugs/api/projects/{key}/issues/{number}/comments", tag = "issues",
    params(("key" = String, Path), ("number" = i64, Path)), request_body = CommentBody,
    responses((status = 201, body = CommentInfo), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_comment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((key, raw)): Path<(String, String)>,
    Json(body): Json<CommentBody>,
) -> AppResult<(StatusCode, Json<CommentInfo>)> {
    let c = state.tracker.comment(&user, &key, number(&raw)?, &body.body, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(CommentInfo {
            id: c.id,
            author_id: c.author_id,
            author: c.author_name,
            body: c.body,
            created_at: c.created_at,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusBody {
    pub status: Status,
    /// For resolved or closed; fixed when left out.
    pub resolution: Option<Resolution>,
    /// For the duplicate resolution: the number of the original issue (same project).
    pub duplicate_of: Option<i64>,
}

/// Changes an issue's status (the reporter, the assignee or an admin).
#[utoipa::path(post, path = "/bugs/api/projects/{key}/issues/{number}/status", tag = "issues",
    params(("key" = String, Path), ("number" = i64, Path)), request_body = StatusBody,
    responses((status = 200, body = IssueDetailInfo), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn change_status(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((key, raw)): Path<(String, String)>,
    Json(body): Json<StatusBody>,
) -> AppResult<Json<IssueDetailInfo>> {
    let n = number(&raw)?;
    let change = StatusChange::parse(body.status, body.resolution, body.duplicate_of)?;
    state.tracker.change_status(&user, &key, n, change).await?;
    detail(&state, &user, &key, n).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TriageBody {
    pub priority: Option<Priority>,
    /// Replaces the labels.
    pub labels: Option<Vec<String>>,
    /// A username, or an empty string for nobody.
    pub assignee: Option<String>,
}

/// Changes priority, labels or assignee (the reporter, the assignee or an admin).
#[utoipa::path(post, path = "/bugs/api/projects/{key}/issues/{number}/triage", tag = "issues",
    params(("key" = String, Path), ("number" = i64, Path)), request_body = TriageBody,
    responses((status = 200, body = IssueDetailInfo), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn triage(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((key, raw)): Path<(String, String)>,
    Json(body): Json<TriageBody>,
) -> AppResult<Json<IssueDetailInfo>> {
    let n = number(&raw)?;
    if let Some(priority) = body.priority {
        state.tracker.set_priority(&user, &key, n, priority).await?;
    }
    if let Some(labels) = body.labels {
        let labels: Vec<LabelName> = labels.iter().map(|l| LabelName::parse(l)).collect::<AppResult<_>>()?;
        state.tracker.set_labels(&user, &key, n, &labels).await?;
    }
    if let Some(assignee) = body.assignee {
        state.tracker.assign(&user, &key, n, Some(assignee.as_str()).filter(|a| !a.trim().is_empty())).await?;
    }
    detail(&state, &user, &key, n).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkBody {
    pub kind: LinkKind,
    /// `12`, `#12` or `HOME-12`.
    pub target: String,
}

/// Links an issue to another; duplicate_of also resolves it as a duplicate.
#[utoipa::path(post, path = "/bugs/api/projects/{key}/issues/{number}/links", tag = "issues",
    params(("key" = String, Path), ("number" = i64, Path)), request_body = LinkBody,
    responses((status = 200, body = IssueDetailInfo), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_link(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((key, raw)): Path<(String, String)>,
    Json(body): Json<LinkBody>,
) -> AppResult<Json<IssueDetailInfo>> {
    let n = number(&raw)?;
    state.tracker.link(&user, &key, n, body.kind, &body.target).await?;
    detail(&state, &user, &key, n).await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AttachParams {
    /// The file's name (made safe before it is stored).
    file_name: String,
}

/// Attaches a file: send its bytes as the request body.
#[utoipa::path(post, path = "/bugs/api/projects/{key}/issues/{number}/attachments", tag = "issues",
    params(("key" = String, Path), ("number" = i64, Path), AttachParams), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentInfo), (status = 404, body = Problem), (status = 413, body = Problem)))]
pub async fn attach(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((key, raw)): Path<(String, String)>,
    Query(params): Query<AttachParams>,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<(StatusCode, Json<AttachmentInfo>)> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            let limit = u64::try_from(state.tracker.max_attachment_bytes()).unwrap_or(u64::MAX);
            AppError::PayloadTooLarge(format!("The file is larger than the limit of {}.", human_size(limit)))
        } else {
            AppError::BadRequest(format!("The file broke off while it was sent ({rejection}). Send it again."))
        }
    })?;
    let a = state.tracker.attach(&user, &key, number(&raw)?, Upload { name: params.file_name, bytes: body }).await?;
    Ok((
        StatusCode::CREATED,
        Json(AttachmentInfo {
            url: format!("/bugs/attachments/{}", a.id),
            id: a.id,
            file_name: a.file_name,
            content_type: a.content_type,
            size: a.size,
        }),
    ))
}
