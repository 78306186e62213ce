//! One issue: its Markdown description, the timeline of comments (with the files sent with
//! them) and history, and the side panel — a row of chips on a phone — where status,
//! priority, assignee, labels and links change in one tap each (docs/adr/0059). One comment
//! box takes text, a file, or both.

use askama::Template;
use axum::Form;
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::csrf::{CSRF_FIELD, CsrfToken};
use hearth_shared::flash::Flash;
use hearth_shared::http::body::multipart_error;
use hearth_shared::layout::{PageContext, Timestamp, render_with_status};
use hearth_shared::{AppError, AppResult, CurrentUser, Identity};
use serde::{Deserialize, Serialize};

use super::{LabelChip, Nav, form_error, number, page, parse_labels, refusal, refuse, when};
use crate::AppState;
use crate::db::attachments::AttachmentRow;
use crate::domain::change::describe;
use crate::domain::markdown::to_safe_html;
use crate::domain::workflow::{StatusChange, parse_issue_number};
use crate::domain::{IssueTitle, LabelName, LinkKind, Priority, Resolution, Status};
use crate::tracker::{IssueDetail, IssueEdit, Upload};

/// One entry of the timeline: a comment (Markdown made safe, with its files) or a change.
struct Entry {
    /// `comment-12` for a comment, so a redirect can land on it.
    anchor: String,
    who: String,
    when: hearth_shared::layout::Timestamp,
    at: i64,
    /// Within one second, changes (0) come before comments (1).
    order: (u8, i64),
    /// Sanitised HTML of a comment; `None` for a change.
    comment_html: Option<String>,
    files: Vec<Attachment>,
    /// What changed, as plain text (escaped by the template).
    change: String,
}

struct Attachment {
    id: i64,
    url: String,
    name: String,
    image: bool,
}

impl Attachment {
    fn of(row: &AttachmentRow) -> Self {
        Self {
            id: row.id,
            url: format!("/bugs/attachments/{}", row.id),
            name: row.file_name.clone(),
            image: row.content_type.starts_with("image/"),
        }
    }
}

/// What the user typed into a form that was refused, put back into it so nothing is lost.
#[derive(Default)]
struct Draft {
    /// Title and description of a refused edit.
    edit: Option<(String, String)>,
    /// A refused comment.
    comment: String,
    /// Why the comment was refused (shown in the comment box, not at the top).
    comment_error: Option<String>,
}

/// A refused comment with a file, kept for the issue page across the redirect.
#[derive(Serialize, Deserialize)]
struct CommentDraft {
    body: String,
}

struct Link {
    label: &'static str,
    reference: String,
    url: String,
    title: String,
    done: bool,
}

/// One tap in a panel sheet: the value it sets, how it reads, and whether it is the current one.
struct Choice {
    value: String,
    label: String,
    current: bool,
}

/// One tap of the status sheet: a status, with its resolution for the done ones.
struct StatusChoice {
    status: &'static str,
    resolution: &'static str,
    label: String,
    current: bool,
}

/// A label of the labels sheet, ticked when the issue has it.
struct LabelOption {
    name: String,
    class: String,
    ticked: bool,
}

#[derive(Template)]
#[template(path = "issue.html")]
struct IssuePage {
    ctx: PageContext,
    nav: Nav,
    /// The viewer hears about changes to it.
    following: bool,
    detail: IssueDetail,
    /// What the edit form shows: the issue's, or a refused edit's (then it is open).
    edit_open: bool,
    edit_title: String,
    edit_description: String,
    comment_draft: String,
    comment_error: Option<String>,
    reference: String,
    base: String,
    /// When it was filed.
    filed: Timestamp,
    description_html: String,
    status_label: &'static str,
    status_class: &'static str,
    resolution: String,
    priority: &'static str,
    assignee: String,
    labels: Vec<LabelChip>,
    timeline: Vec<Entry>,
    attachments: Vec<Attachment>,
    links: Vec<Link>,
    status_choices: Vec<StatusChoice>,
    priority_choices: Vec<Choice>,
    assignee_choices: Vec<Choice>,
    label_options: Vec<LabelOption>,
    link_kinds: Vec<(&'static str, &'static str)>,
    max_attachment_mb: usize,
    error: Option<String>,
}

fn timeline(detail: &IssueDetail) -> Vec<Entry> {
    let someone = |name: &Option<String>| name.clone().unwrap_or_else(|| "Someone".to_owned());
    let mut entries: Vec<Entry> = detail
        .comments
        .iter()
        .map(|c| Entry {
            anchor: format!("comment-{}", c.id),
            who: someone(&c.author_name),
            when: when(c.created_at),
            at: c.created_at,
            order: (1, c.id),
            comment_html: Some(to_safe_html(&c.body)),
            files: detail.attachments.iter().filter(|a| a.comment_id == Some(c.id)).map(Attachment::of).collect(),
            change: String::new(),
        })
        .collect();
    entries.extend(detail.events.iter().map(|e| {
        let change = describe(&e.field, e.old_value.as_deref(), e.new_value.as_deref());
        Entry {
            anchor: format!("event-{}", e.id),
            who: someone(&e.actor_name),
            when: when(e.at),
            at: e.at,
            order: (0, e.id),
            comment_html: None,
            files: Vec::new(),
            change,
        }
    }));
    entries.sort_by_key(|e| (e.at, e.order));
    entries
}

/// Open, in progress, and the done states with their usual resolutions.
fn status_choices(status: Status, resolution: Option<Resolution>) -> Vec<StatusChoice> {
    let done = [
        (Status::Resolved, Resolution::Fixed, "Resolved · fixed"),
        (Status::Closed, Resolution::Fixed, "Closed · fixed"),
        (Status::Closed, Resolution::WontFix, "Closed · won't fix"),
    ];
    let open = [Status::Open, Status::InProgress].into_iter().map(|s| StatusChoice {
        status: s.as_str(),
        resolution: "",
        label: s.label().to_owned(),
        current: s == status,
    });
    let done = done.into_iter().map(|(s, r, label)| StatusChoice {
        status: s.as_str(),
        resolution: r.as_str(),
        label: label.to_owned(),
        current: s == status && resolution == Some(r),
    });
    open.chain(done).collect()
}

async fn issue_page(
    state: &AppState,
    user: Identity,
    csrf: &CsrfToken,
    (key, number): (&str, i64),
    (status_code, error): (StatusCode, Option<String>),
    draft: Draft,
) -> AppResult<Response> {
    let detail = state.tracker.detail(&user, key, number).await?;
    state.tracker.mark_read(&user, detail.issue.id).await?;
    let following = state.tracker.follows(&user, &detail.issue).await?;
    let nav = Nav::load(state, &user, "issues").await?;
    let issue = &detail.issue;
    let status = Status::parse(&issue.status).unwrap_or(Status::Open);
    let issue_resolution = issue.resolution.as_deref().and_then(|r| Resolution::parse(r).ok());
    let resolution = match (issue_resolution, issue.duplicate_of_number) {
        (Some(Resolution::Duplicate), Some(n)) => format!("duplicate of #{n}"),
        (Some(r), _) => r.label().to_lowercase(),
        (None, _) => String::new(),
    };
    let priority = Priority::from_rank(issue.priority);
    let people = state.tracker.people().await?;
    let mut assignee_choices =
        vec![Choice { value: String::new(), label: "Nobody".to_owned(), current: issue.assignee_id.is_none() }];
    assignee_choices.extend(people.iter().map(|p| Choice {
        value: p.username.clone(),
        label: if p.user_id == user.user_id { format!("{} (me)", p.display_name) } else { p.display_name.clone() },
        current: issue.assignee_id == Some(p.user_id),
    }));
    let label_options = state
        .tracker
        .labels()
        .await?
        .into_iter()
        .map(|l| LabelOption {
            ticked: detail.labels.iter().any(|own| own.name == l.name),
            class: super::colour_class(&l.colour),
            name: l.name,
        })
        .collect();
    let edit_open = draft.edit.is_some();
    let (edit_title, edit_description) = draft.edit.unwrap_or_else(|| (issue.title.clone(), issue.description.clone()));
    let page_data = IssuePage {
        ctx: page(format!("{}-{} {}", issue.project_key, issue.number, issue.title), user, csrf),
        nav,
        following,
        edit_open,
        edit_title,
        edit_description,
        comment_draft: draft.comment,
        comment_error: draft.comment_error,
        reference: format!("{}-{}", issue.project_key, issue.number),
        base: format!("/bugs/p/{}/{}", issue.project_key, issue.number),
        filed: when(issue.created_at),
        description_html: to_safe_html(&issue.description),
        status_label: status.label(),
        status_class: status.as_str(),
        resolution,
        priority: priority.label(),
        assignee: issue.assignee_name.clone().unwrap_or_default(),
        labels: detail.labels.iter().map(|l| LabelChip::new(l.name.clone(), &l.colour)).collect(),
        timeline: timeline(&detail),
        attachments: detail.attachments.iter().filter(|a| a.comment_id.is_none()).map(Attachment::of).collect(),
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
        status_choices: status_choices(status, issue_resolution),
        priority_choices: Priority::ALL
            .iter()
            .rev()
            .map(|p| Choice { value: p.as_str().to_owned(), label: p.label().to_owned(), current: *p == priority })
            .collect(),
        assignee_choices,
        label_options,
        link_kinds: LinkKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        max_attachment_mb: state.tracker.max_attachment_bytes() / (1024 * 1024),
        error,
        detail,
    };
    render_with_status(status_code, &page_data)
}

pub async fn show(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    flash: Flash,
    Path((key, raw_number)): Path<(String, String)>,
) -> AppResult<Response> {
    let n = number(&raw_number)?;
    let (status, draft) = match refusal(&flash) {
        Some(refusal) => {
            let place = comment_place(&key, n);
            let kept: Option<CommentDraft> = state.tracker.take_draft(&user, &place).await?;
            let draft = Draft {
                comment: kept.map(|d| d.body).unwrap_or_default(),
                comment_error: Some(refusal.message.clone()),
                ..Draft::default()
            };
            (refusal.status(), draft)
        }
        None => (StatusCode::OK, Draft::default()),
    };
    let page = issue_page(&state, user, &csrf, (&key, n), (status, None), draft).await?;
    Ok((flash, page).into_response())
}

/// Where a refused comment's draft is kept.
fn comment_place(key: &str, number: i64) -> String {
    format!("comment:{}-{number}", key.to_ascii_uppercase())
}

fn issue_path(key: &str, number: i64) -> String {
    format!("/bugs/p/{}/{number}", key.to_ascii_uppercase())
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
        Ok(()) => Ok(Redirect::to(&issue_path(key, number)).into_response()),
        Err(e) => {
            let status = e.status();
            let message = form_error(e)?;
            let (error, draft) = if draft.comment.is_empty() {
                (Some(message), draft)
            } else {
                (None, Draft { comment_error: Some(message), ..draft })
            };
            issue_page(state, user, csrf, (key, number), (status, error), draft).await
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

/// A comment as the page's box sends it (multipart, with an optional file), or as a script
/// sends it (url-encoded, text only).
pub async fn comment(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Path((key, raw_number)): Path<(String, String)>,
    request: Request,
) -> AppResult<Response> {
    let n = number(&raw_number)?;
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let form = Multipart::from_request(request, &state).await.map_err(|e| AppError::BadRequest(e.body_text()))?;
        return comment_with_file(&state, &user, &headers, (&key, n), form).await;
    }
    let Form(form) =
        Form::<CommentForm>::from_request(request, &state).await.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let result = state.tracker.comment(&user, &key, n, &form.body, None).await.map(|_| ());
    after(&state, user, &csrf, (&key, n), result, Draft { comment: form.body, ..Draft::default() }).await
}

/// The comment box's multipart form: text, a file, or both. A refusal redirects to the issue
/// with the text kept (docs/adr/0059).
async fn comment_with_file(
    state: &AppState,
    user: &Identity,
    headers: &HeaderMap,
    (key, n): (&str, i64),
    mut form: Multipart,
) -> AppResult<Response> {
    let limit = state.tracker.max_attachment_bytes();
    let broke = |e: MultipartError| multipart_error(&e, "The file", limit);
    let mut body = String::new();
    let mut file = None;
    let read = async {
        while let Some(field) = form.next_field().await.map_err(broke)? {
            match field.name() {
                Some("body") => body = field.text().await.map_err(broke)?,
                Some("file") => {
                    let name = field.file_name().unwrap_or_default().to_owned();
                    let bytes = field.bytes().await.map_err(broke)?;
                    file = Some(Upload { name, bytes }).filter(|f| !f.bytes.is_empty());
                }
                _ => {}
            }
        }
        Ok::<_, AppError>(())
    }
    .await;
    let posted = match read {
        Err(e) => Err(e),
        Ok(()) if body.trim().is_empty() => match file {
            Some(file) => state.tracker.attach(user, key, n, file).await.map(|a| format!("#attachment-{}", a.id)),
            None => Err(AppError::Invalid("Write a comment or choose a file first.".to_owned())),
        },
        Ok(()) => state.tracker.comment(user, key, n, &body, file).await.map(|c| format!("#comment-{}", c.id)),
    };
    match posted {
        Ok(anchor) => Ok(Redirect::to(&format!("{}{anchor}", issue_path(key, n))).into_response()),
        Err(error) => {
            state.tracker.keep_draft(user, &comment_place(key, n), &CommentDraft { body }).await?;
            refuse(state, headers, &issue_path(key, n), error)
        }
    }
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

/// What a triage form changes: each sheet of the panel sends only its own field.
#[derive(Default)]
struct Triage {
    priority: Option<Priority>,
    /// The ticked labels and any typed ones; `None` when the form had no labels field.
    labels: Option<Vec<LabelName>>,
    /// A username, or `Some(None)` for nobody.
    assignee: Option<Option<String>>,
}

impl Triage {
    /// Reads the fields sent: `priority`, `assignee`, ticked `label`s and typed `labels`.
    fn parse(fields: &[(String, String)]) -> AppResult<Self> {
        let mut triage = Self::default();
        for (name, value) in fields {
            match name.as_str() {
                "priority" => triage.priority = Some(Priority::parse(value)?),
                "assignee" => triage.assignee = Some(Some(value.trim().to_owned()).filter(|a| !a.is_empty())),
                "label" => triage.labels.get_or_insert_with(Vec::new).push(LabelName::parse(value)?),
                "labels" => triage.labels.get_or_insert_with(Vec::new).extend(parse_labels(value)?),
                name if name == CSRF_FIELD => {}
                other => {
                    return Err(AppError::BadRequest(format!("The form has a field {other:?} this page never sends.")));
                }
            }
        }
        Ok(triage)
    }
}

pub async fn triage(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path((key, raw_number)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let n = number(&raw_number)?;
    let result = async {
        let triage = Triage::parse(&fields)?;
        if let Some(priority) = triage.priority {
            state.tracker.set_priority(&user, &key, n, priority).await?;
        }
        if let Some(labels) = &triage.labels {
            state.tracker.set_labels(&user, &key, n, labels).await?;
        }
        if let Some(assignee) = &triage.assignee {
            state.tracker.assign(&user, &key, n, assignee.as_deref()).await?;
        }
        Ok(())
    }
    .await;
    after(&state, user, &csrf, (&key, n), result, Draft::default()).await
}

#[derive(Deserialize)]
pub struct FollowForm {
    following: String,
}

pub async fn follow(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path((key, raw_number)): Path<(String, String)>,
    Form(form): Form<FollowForm>,
) -> AppResult<Response> {
    let n = number(&raw_number)?;
    let result = match form.following.as_str() {
        "1" => state.tracker.follow(&user, &key, n, true).await,
        "0" => state.tracker.follow(&user, &key, n, false).await,
        other => Err(AppError::BadRequest(format!("following is 1 or 0, not {other:?}."))),
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn each_sheet_changes_only_its_own_field() {
        let priority = Triage::parse(&fields(&[("csrf_token", "t"), ("priority", "high")])).expect("valid");
        assert_eq!(priority.priority, Some(Priority::High));
        assert!(priority.labels.is_none() && priority.assignee.is_none());
        let nobody = Triage::parse(&fields(&[("assignee", "")])).expect("valid");
        assert_eq!(nobody.assignee, Some(None));
        let none_ticked = Triage::parse(&fields(&[("labels", "")])).expect("valid");
        assert_eq!(none_ticked.labels, Some(Vec::new()), "unticking every label clears them");
        let labels = Triage::parse(&fields(&[("label", "printer"), ("labels", "wifi, attic")])).expect("valid");
        let names: Vec<&str> = labels.labels.iter().flatten().map(LabelName::as_str).collect();
        assert_eq!(names, ["printer", "wifi", "attic"]);
    }

    #[test]
    fn unknown_fields_and_bad_values_are_refused() {
        assert!(Triage::parse(&fields(&[("priority", "asap")])).is_err());
        assert!(Triage::parse(&fields(&[("colour", "red")])).is_err());
    }

    #[test]
    fn the_status_sheet_marks_the_current_choice() {
        let choices = status_choices(Status::Closed, Some(Resolution::WontFix));
        let current: Vec<&str> = choices.iter().filter(|c| c.current).map(|c| c.label.as_str()).collect();
        assert_eq!(current, ["Closed · won't fix"]);
        assert_eq!(choices.len(), 5);
    }
}
