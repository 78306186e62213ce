//! One issue: its Markdown description, the timeline of comments and history, links,
//! attachments (images inline), and the forms that change it.

use askama::Template;
use axum::Form;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::http::body::multipart_error;
use hearth_shared::layout::{PageContext, render_with_status};
use hearth_shared::{AppError, AppResult, CurrentUser, Identity};
use serde::Deserialize;

use super::{LabelChip, form_error, number, page, parse_labels, when};
use crate::AppState;
use crate::db::people::PersonRow;
use crate::domain::markdown::to_safe_html;
use crate::domain::workflow::{StatusChange, parse_issue_number};
use crate::domain::{IssueTitle, LinkKind, Priority, Resolution, Status};
use crate::tracker::{IssueDetail, IssueEdit};

/// One entry of the timeline: a comment (Markdown made safe) or a change.
struct Entry {
    who: String,
    when: hearth_shared::layout::Timestamp,
    at: i64,
    /// Within one second, changes (0) come before comments (1).
    order: (u8, i64),
    /// Sanitised HTML of a comment; `None` for a change.
    comment_html: Option<String>,
    /// What changed, as plain text (escaped by the template).
    change: String,
}

struct Attachment {
    url: String,
    name: String,
    image: bool,
}

/// What the user typed into a form that was refused, put back into it so nothing is lost.
#[derive(Default)]
struct Draft {
    /// Title and description of a refused edit.
    edit: Option<(String, String)>,
    /// A refused comment.
    comment: String,
}

struct Link {
    label: &'static str,
    reference: String,
    url: String,
    title: String,
    done: bool,
}

#[derive(Template)]
#[template(path = "issue.html")]
struct IssuePage {
    ctx: PageContext,
    detail: IssueDetail,
    /// What the edit form shows: the issue's, or a refused edit's (then it is open).
    edit_open: bool,
    edit_title: String,
    edit_description: String,
    comment_draft: String,
    reference: String,
    base: String,
    description_html: String,
    status_label: &'static str,
    status_class: &'static str,
    resolution: String,
    priority: &'static str,
    labels: Vec<LabelChip>,
    labels_text: String,
    timeline: Vec<Entry>,
    attachments: Vec<Attachment>,
    links: Vec<Link>,
    people: Vec<PersonRow>,
    statuses: Vec<(&'static str, &'static str)>,
    resolutions: Vec<(&'static str, &'static str)>,
    priorities: Vec<(&'static str, &'static str)>,
    link_kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

impl IssuePage {
    fn is_assignee(&self, user_id: &i64) -> bool {
        self.detail.issue.assignee_id == Some(*user_id)
    }
}

fn timeline(detail: &IssueDetail) -> Vec<Entry> {
    let someone = |name: &Option<String>| name.clone().unwrap_or_else(|| "Someone".to_owned());
    let mut entries: Vec<Entry> = detail
        .comments
        .iter()
        .map(|c| Entry {
            who: someone(&c.author_name),
            when: when(c.created_at),
            at: c.created_at,
            order: (1, c.id),
            comment_html: Some(to_safe_html(&c.body)),
            change: String::new(),
        })
        .collect();
    entries.extend(detail.events.iter().map(|e| {
        let change = match (e.field.as_str(), e.old_value.as_deref(), e.new_value.as_deref()) {
            ("created", _, _) => "filed this issue".to_owned(),
            ("description", _, _) => "edited the description".to_owned(),
            ("attachment", _, Some(name)) => format!("attached {name}"),
            ("link", _, Some(link)) => format!("linked: {link}"),
            (field, Some(old), Some(new)) if !old.is_empty() => format!("changed {field} from {old} to {new}"),
            (field, _, Some(new)) if !new.is_empty() => format!("set {field} to {new}"),
            (field, _, _) => format!("cleared {field}"),
        };
        Entry { who: someone(&e.actor_name), when: when(e.at), at: e.at, order: (0, e.id), comment_html: None, change }
    }));
    entries.sort_by_key(|e| (e.at, e.order));
    entries
}

fn options<T: Copy>(
    all: &[T],
    value: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|v| (value(*v), label(*v))).collect()
}

async fn issue_page(
    state: &AppState,
    user: Identity,
    csrf: &CsrfToken,
    key: &str,
    number: i64,
    error: Option<String>,
    draft: Draft,
) -> AppResult<Response> {
    let detail = state.tracker.detail(&user, key, number).await?;
    let issue = &detail.issue;
    let status = Status::parse(&issue.status).unwrap_or(Status::Open);
    let resolution =
        match (issue.resolution.as_deref().and_then(|r| Resolution::parse(r).ok()), issue.duplicate_of_number) {
            (Some(Resolution::Duplicate), Some(n)) => format!("duplicate of #{n}"),
            (Some(r), _) => r.label().to_lowercase(),
            (None, _) => String::new(),
        };
    let edit_open = draft.edit.is_some();
    let (edit_title, edit_description) = draft.edit.unwrap_or_else(|| (issue.title.clone(), issue.description.clone()));
    let page_data = IssuePage {
        ctx: page(format!("{}-{} {}", issue.project_key, issue.number, issue.title), user, csrf),
        edit_open,
        edit_title,
        edit_description,
        comment_draft: draft.comment,
        reference: format!("{}-{}", issue.project_key, issue.number),
        base: format!("/bugs/p/{}/{}", issue.project_key, issue.number),
        description_html: to_safe_html(&issue.description),
        status_label: status.label(),
        status_class: status.as_str(),
        resolution,
        priority: Priority::from_rank(issue.priority).label(),
        labels: detail.labels.iter().map(|l| LabelChip::new(l.name.clone(), &l.colour)).collect(),
        labels_text: detail.labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(", "),
        timeline: timeline(&detail),
        attachments: detail
            .attachments
            .iter()
            .map(|a| Attachment {
                url: format!("/bugs/attachments/{}", a.id),
                name: a.file_name.clone(),
                image: a.content_type.starts_with("image/"),
            })
            .collect(),
        links: detail
            .links
            .iter()
            .map(|l| {
                let kind = LinkKind::parse(&l.kind).unwrap_or(LinkKind::RelatesTo);
                Link {
                    label: if l.outgoing == 1 { kind.label() } else { kind.reverse_label() },
                    reference: format!("{}-{}", l.other_key, l.other_number),
                    url: format!("/bugs/p/{}/{}", l.other_key, l.other_number),
                    title: l.other_title.clone(),
                    done: Status::parse(&l.other_status).is_ok_and(Status::is_done),
                }
            })
            .collect(),
        people: state.tracker.people().await?,
        statuses: options(Status::ALL, Status::as_str, Status::label),
        resolutions: options(Resolution::ALL, Resolution::as_str, Resolution::label),
        priorities: options(Priority::ALL, Priority::as_str, Priority::label),
        link_kinds: options(LinkKind::ALL, LinkKind::as_str, LinkKind::label),
        error,
        detail,
    };
    let code = if page_data.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render_with_status(code, &page_data)
}

pub async fn show(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path((key, raw_number)): Path<(String, String)>,
) -> AppResult<Response> {
    issue_page(&state, user, &csrf, &key, number(&raw_number)?, None, Draft::default()).await
}

/// Back to the issue after a change, or the page again with what to fix and what was typed.
async fn after(
    state: &AppState,
    user: Identity,
    csrf: &CsrfToken,
    (key, number): (&str, i64),
    result: AppResult<()>,
    draft: Draft,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/bugs/p/{}/{number}", key.to_ascii_uppercase())).into_response()),
        Err(e) => {
            let message = form_error(e)?;
            issue_page(state, user, csrf, key, number, Some(message), draft).await
        }
    }
}

#[derive(Deserialize)]
pub struct EditForm {
    title: String,
    #[serde(default)]
    description: String,
}

pub async fn edit(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path((key, raw_number)): Path<(String, String)>,
    Form(form): Form<EditForm>,
) -> AppResult<Response> {
    let n = number(&raw_number)?;
    let result = match IssueTitle::parse(&form.title) {
        Ok(title) => {
            let edit = IssueEdit { title: Some(title), description: Some(form.description.clone()) };
            state.tracker.edit(&user, &key, n, &edit).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    let draft = Draft { edit: Some((form.title, form.description)), ..Draft::default() };
    after(&state, user, &csrf, (&key, n), result, draft).await
}

#[derive(Deserialize)]
pub struct CommentForm {
    body: String,
}

pub async fn comment(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path((key, raw_number)): Path<(String, String)>,
    Form(form): Form<CommentForm>,
) -> AppResult<Response> {
    let n = number(&raw_number)?;
    let result = state.tracker.comment(&user, &key, n, &form.body).await.map(|_| ());
    after(&state, user, &csrf, (&key, n), result, Draft { comment: form.body, ..Draft::default() }).await
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
    #[serde(default)]
    resolution: String,
    #[serde(default)]
    duplicate_of: String,
}

impl StatusForm {
    fn change(&self) -> AppResult<StatusChange> {
        let status = Status::parse(&self.status)?;
        let duplicate_of =
            Some(self.duplicate_of.trim()).filter(|d| !d.is_empty()).map(parse_issue_number).transpose()?;
        let resolution = match self.resolution.trim() {
            "" if duplicate_of.is_some() => Some(Resolution::Duplicate),
            "" => None,
            other => Some(Resolution::parse(other)?),
        };
        let resolution = if status.is_done() { resolution } else { resolution.filter(|_| false) };
        let duplicate_of = if resolution == Some(Resolution::Duplicate) { duplicate_of } else { None };
        StatusChange::parse(status, resolution, duplicate_of)
    }
}

pub async fn status(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path((key, raw_number)): Path<(String, String)>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    let n = number(&raw_number)?;
    let result = match form.change() {
        Ok(change) => state.tracker.change_status(&user, &key, n, change).await.map(|_| ()),
        Err(e) => Err(e),
    };
    after(&state, user, &csrf, (&key, n), result, Draft::default()).await
}

#[derive(Deserialize)]
pub struct TriageForm {
    priority: String,
    #[serde(default)]
    labels: String,
    #[serde(default)]
    assignee: String,
}

pub async fn triage(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path((key, raw_number)): Path<(String, String)>,
    Form(form): Form<TriageForm>,
) -> AppResult<Response> {
    let n = number(&raw_number)?;
    let result = async {
        let priority = Priority::parse(&form.priority)?;
        let labels = parse_labels(&form.labels)?;
        state.tracker.set_priority(&user, &key, n, priority).await?;
        state.tracker.set_labels(&user, &key, n, &labels).await?;
        let assignee = Some(form.assignee.as_str()).filter(|a| !a.trim().is_empty());
        state.tracker.assign(&user, &key, n, assignee).await?;
        Ok(())
    }
    .await;
    after(&state, user, &csrf, (&key, n), result, Draft::default()).await
}

#[derive(Deserialize)]
pub struct LinkForm {
    kind: String,
    target: String,
}

pub async fn link(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path((key, raw_number)): Path<(String, String)>,
    Form(form): Form<LinkForm>,
) -> AppResult<Response> {
    let n = number(&raw_number)?;
    let result = match LinkKind::parse(&form.kind) {
        Ok(kind) => state.tracker.link(&user, &key, n, kind, &form.target).await.map(|_| ()),
        Err(e) => Err(e),
    };
    after(&state, user, &csrf, (&key, n), result, Draft::default()).await
}

pub async fn attach(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path((key, raw_number)): Path<(String, String)>,
    mut form: Multipart,
) -> AppResult<Response> {
    let n = number(&raw_number)?;
    let limit = state.tracker.max_attachment_bytes();
    let broke = |e: MultipartError| multipart_error(&e, "The file", limit);
    let mut result = Err(AppError::Invalid("Choose a file to attach.".to_owned()));
    while let Some(field) = form.next_field().await.map_err(broke)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(broke)?;
            if !bytes.is_empty() {
                result = state.tracker.attach(&user, &key, n, &name, bytes).await.map(|_| ());
            }
        }
    }
    after(&state, user, &csrf, (&key, n), result, Draft::default()).await
}
