//! The bug tracker's use cases: projects, filing, finding, triage, comments, links and
//! attachments. Pages and the JSON API both call these, and each checks who may do it:
//! admins create projects; everyone signed in sees the family's projects (admins also the
//! admins-only ones), files issues and comments; the reporter, the assignee or an admin
//! changes an issue. Every change writes a history event, and tells the issue's people
//! ([`notifications`]). What happens to a member's issues when their account is deleted is in
//! [`members`].

mod members;
mod notifications;

pub use notifications::{EmailSettings, Inbox};

use hearth_shared::auth::CopiedIdentities;
use hearth_shared::db::unix_now;
use hearth_shared::{AppError, AppResult, Database, Identity};

use crate::db::activity::{self, CommentRow, Event, EventRow, LinkRow, NewComment};
use crate::db::attachments::{self, AttachmentRow, NewAttachment};
use crate::db::drafts;
use crate::db::issues::{self, Cursor, Edit, IssueRow, NewIssue, NewStatus, Viewer};
use crate::db::labels::{self, IssueLabel, LabelRow};
use crate::db::people::{self, PersonRow};
use crate::db::projects::{self, CountedProject, NewProject, ProjectRow};
use crate::db::search_index::{self, CommonWords};
use crate::db::views::{self, ViewRow};
use crate::db::webhooks::{self as webhook_rows, WebhookRow};
use crate::domain::change::{describe, excerpt};
use crate::domain::query::{Filter, PersonRef};
use crate::domain::workflow::{StatusChange, parse_issue_number};
use crate::domain::{
    AttachmentName, Colour, IssueQuery, IssueTitle, LabelName, LinkKind, Priority, ProjectKey, ProjectName, Status,
    issue_search_key, search_key,
};
use crate::mail::Mailer;
use crate::storage::sha256_hex;
use crate::webhooks::{EventPayload, Webhooks};
use notifications::News;

pub use self::members::MemberRemoval;

/// Most issues on one page.
pub const MAX_PAGE: i64 = 100;
/// Longest description or comment, in characters.
const MAX_TEXT_CHARS: usize = 50_000;

/// A project to create, parsed.
pub struct ProjectInput {
    pub key: ProjectKey,
    pub name: ProjectName,
    pub description: String,
    pub admins_only: bool,
}

/// An issue to file, parsed. Only the title is required.
pub struct IssueInput {
    pub title: IssueTitle,
    pub description: String,
    pub priority: Priority,
    pub labels: Vec<LabelName>,
    /// A username from the people list.
    pub assignee: Option<String>,
}

/// A new title or description (or both), parsed; what is left out stays.
pub struct IssueEdit {
    pub title: Option<IssueTitle>,
    pub description: Option<String>,
}

/// A page of issues, their labels, and where the next page starts.
#[derive(Debug)]
pub struct Page {
    pub issues: Vec<IssueRow>,
    pub labels: Vec<IssueLabel>,
    pub next: Option<Cursor>,
}

/// Everything the issue page shows.
#[derive(Debug)]
pub struct IssueDetail {
    pub project: ProjectRow,
    pub issue: IssueRow,
    pub labels: Vec<IssueLabel>,
    pub comments: Vec<CommentRow>,
    pub events: Vec<EventRow>,
    pub links: Vec<LinkRow>,
    pub attachments: Vec<AttachmentRow>,
    /// The viewer may change status, priority, labels, assignee and links.
    pub can_change: bool,
}

/// An attachment the viewer may see, with its bytes.
pub struct AttachmentFile {
    pub row: AttachmentRow,
    pub bytes: Vec<u8>,
}

/// A file someone sent: the name their device gave it and its bytes.
pub struct Upload {
    pub name: String,
    pub bytes: bytes::Bytes,
}

/// A file checked and hashed, ready to be stored with its row.
struct CheckedFile {
    name: AttachmentName,
    sha256: String,
    size: i64,
    content_type: &'static str,
    bytes: bytes::Bytes,
}

impl CheckedFile {
    fn row(&self) -> NewAttachment<'_> {
        NewAttachment {
            sha256: &self.sha256,
            size: self.size,
            file_name: self.name.as_str(),
            content_type: self.content_type,
            bytes: &self.bytes,
        }
    }
}

fn viewer(user: &Identity) -> Viewer {
    Viewer { user_id: user.user_id, is_admin: user.is_admin() }
}

/// Whether `user` sees `project`: family projects everyone, the others only admins.
fn sees(user: &Identity, project: &ProjectRow) -> bool {
    project.visibility == "family" || user.is_admin()
}

fn not_found_project(key: &str) -> AppError {
    AppError::NotFound(format!("There is no project {key}, or it is not shared with you."))
}

/// Checks a Markdown text's length.
///
/// # Errors
/// Longer than 50 000 characters.
pub fn markdown_text(raw: &str, what: &str) -> AppResult<String> {
    let length = raw.chars().count();
    if length > MAX_TEXT_CHARS {
        return Err(AppError::Invalid(format!("{what} is {length} characters long; keep it to {MAX_TEXT_CHARS}.")));
    }
    Ok(raw.trim().to_owned())
}

/// The content type of an attachment, from its first bytes (never from what the client says).
#[must_use]
pub fn sniff(bytes: &[u8]) -> &'static str {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        [b'%', b'P', b'D', b'F', ..] => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// The family's tracker: its database (attachments' bytes included) and where news goes.
#[derive(Clone)]
pub struct Tracker {
    db: Database,
    /// Who has been recorded in `people` as they are now, so requests do not write again.
    known: CopiedIdentities,
    common_words: CommonWords,
    max_attachment_bytes: usize,
    webhooks: Webhooks,
    mailer: Mailer,
    /// `HEARTH_PUBLIC_URL`, for links in emails.
    public_url: Option<String>,
}

/// Where the tracker's news goes besides its pages: webhooks, and email with its links.
pub struct Outbound {
    pub webhooks: Webhooks,
    pub mailer: Mailer,
    pub public_url: Option<String>,
}

impl Tracker {
    #[must_use]
    pub fn new(db: Database, max_attachment_bytes: usize, outbound: Outbound) -> Self {
        Self {
            db,
            max_attachment_bytes,
            webhooks: outbound.webhooks,
            mailer: outbound.mailer,
            public_url: outbound.public_url,
            known: CopiedIdentities::default(),
            common_words: CommonWords::default(),
        }
    }

    #[must_use]
    pub fn max_attachment_bytes(&self) -> usize {
        self.max_attachment_bytes
    }

    fn event(
        issue: &IssueRow,
        user: &Identity,
        field: &'static str,
        old: Option<String>,
        new: Option<String>,
    ) -> Event {
        Event { issue_id: issue.id, actor_id: user.user_id, at: unix_now(), field, old_value: old, new_value: new }
    }

    /// Tells the issue's people that `event` happened to it (after the event is recorded).
    async fn tell_change(&self, project: &ProjectRow, issue: &IssueRow, user: &Identity, events: &[Event]) {
        let what: Vec<String> =
            events.iter().map(|e| describe(e.field, e.old_value.as_deref(), e.new_value.as_deref())).collect();
        let news = News { reason: "changed", what: what.join(" and "), details: None, also: None };
        self.tell(project, issue, user, news).await;
    }

    /// Tells the project's webhooks; a failure to queue is logged, not the user's problem.
    async fn publish(&self, event: &str, issue: &IssueRow, user: &Identity) {
        let payload = EventPayload {
            event,
            project: &issue.project_key,
            number: issue.number,
            reference: format!("{}-{}", issue.project_key, issue.number),
            title: &issue.title,
            status: &issue.status,
            actor: &user.username,
            at: unix_now(),
            url: format!("/bugs/p/{}/{}", issue.project_key, issue.number),
        };
        if let Err(e) = self.webhooks.publish(issue.project_id, &payload).await {
            tracing::error!(error = %e, event, "cannot queue webhook deliveries");
        }
    }

    /// Records who someone is, so lists show their name and `assignee:name` finds them; every
    /// use case that reads a project does this first.
    ///
    /// # Errors
    /// Database failure.
    pub async fn remember(&self, user: &Identity) -> AppResult<()> {
        if self.known.is_current(user) {
            return Ok(());
        }
        people::remember(self.db.pool(), user, unix_now()).await?;
        self.known.copied(user);
        Ok(())
    }

    /// Everyone an issue can be assigned to.
    ///
    /// # Errors
    /// Database failure.
    pub async fn people(&self) -> AppResult<Vec<PersonRow>> {
        Ok(people::all(self.db.pool()).await?)
    }

    /// The projects the user sees.
    ///
    /// # Errors
    /// Database failure.
    pub async fn projects(&self, user: &Identity) -> AppResult<Vec<CountedProject>> {
        self.remember(user).await?;
        Ok(projects::visible(self.db.pool(), user.is_admin()).await?)
    }

    /// Creates a project (admins only).
    ///
    /// # Errors
    /// Not an admin (403), or the key is taken (409).
    pub async fn create_project(&self, user: &Identity, input: &ProjectInput) -> AppResult<CountedProject> {
        user.require_admin()?;
        self.remember(user).await?;
        let description = markdown_text(&input.description, "The description")?;
        let new = NewProject {
            key: input.key.as_str(),
            name: input.name.as_str(),
            description: &description,
            visibility: if input.admins_only { "admins" } else { "family" },
            created_by: user.user_id,
            now: unix_now(),
        };
        if projects::insert(self.db.pool(), &new).await?.is_none() {
            return Err(AppError::Conflict(format!(
                "There is already a project with the key {}; choose another key.",
                input.key
            )));
        }
        self.counted_project(user, input.key.as_str()).await
    }

    /// A project the user sees; one they may not see is "not found", as if it did not exist.
    ///
    /// # Errors
    /// [`AppError::NotFound`].
    pub async fn project(&self, user: &Identity, key: &str) -> AppResult<ProjectRow> {
        self.remember(user).await?;
        let key = key.to_ascii_uppercase();
        projects::by_key(self.db.pool(), &key).await?.filter(|p| sees(user, p)).ok_or_else(|| not_found_project(&key))
    }

    /// [`Self::project`] with the number of its open issues.
    ///
    /// # Errors
    /// [`AppError::NotFound`].
    pub async fn counted_project(&self, user: &Identity, key: &str) -> AppResult<CountedProject> {
        self.remember(user).await?;
        let key = key.to_ascii_uppercase();
        projects::counted_by_key(self.db.pool(), &key)
            .await?
            .filter(|p| sees(user, &p.project))
            .ok_or_else(|| not_found_project(&key))
    }

    /// Files an issue; anyone who sees the project may.
    ///
    /// # Errors
    /// The project is not visible, or the assignee is unknown.
    pub async fn file(&self, user: &Identity, key: &str, input: &IssueInput) -> AppResult<IssueRow> {
        let project = self.project(user, key).await?;
        let description = markdown_text(&input.description, "What happened")?;
        let assignee_id = self.assignee_id(input.assignee.as_deref()).await?;
        let label_ids = self.label_ids(&input.labels).await?;
        let search_text = issue_search_key(input.title.as_str(), &description);
        let new = NewIssue {
            project_id: project.id,
            title: input.title.as_str(),
            description: &description,
            priority: input.priority.rank(),
            reporter_id: user.user_id,
            assignee_id,
            label_ids: &label_ids,
            search_text: &search_text,
            now: unix_now(),
        };
        let number = issues::insert(self.db.pool(), &new).await?;
        tracing::info!(project = %project.key, number, "issue filed");
        let issue = self.load(&project, number).await?;
        self.publish("issue.created", &issue, user).await;
        if issue.assignee_id.is_some_and(|a| a != user.user_id) {
            let news = News { reason: "assigned", what: "filed this issue".to_owned(), details: None, also: None };
            self.tell(&project, &issue, user, news).await;
        }
        Ok(issue)
    }

    async fn assignee_id(&self, username: Option<&str>) -> AppResult<Option<i64>> {
        let Some(username) = username.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let person = people::by_username(self.db.pool(), &username.to_lowercase()).await?.ok_or_else(|| {
            AppError::Invalid(format!(
                "Nobody called {username:?} has used the bug tracker yet; choose someone from the list."
            ))
        })?;
        Ok(Some(person.user_id))
    }

    async fn label_ids(&self, labels: &[LabelName]) -> AppResult<Vec<i64>> {
        let mut ids = Vec::with_capacity(labels.len());
        for label in labels {
            let id = labels::ensure(self.db.pool(), label.as_str(), Colour::default().as_str()).await?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    async fn load(&self, project: &ProjectRow, number: i64) -> AppResult<IssueRow> {
        issues::by_number(self.db.pool(), project.id, number)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("There is no issue {}-{number}.", project.key)))
    }

    /// An issue the user sees.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for a project or issue the user does not see.
    pub async fn issue(&self, user: &Identity, key: &str, number: i64) -> AppResult<(ProjectRow, IssueRow)> {
        let project = self.project(user, key).await?;
        let issue = self.load(&project, number).await?;
        Ok((project, issue))
    }

    /// The issue with its timeline, links and attachments.
    ///
    /// # Errors
    /// Not visible, or database failure.
    pub async fn detail(&self, user: &Identity, key: &str, number: i64) -> AppResult<IssueDetail> {
        let (project, issue) = self.issue(user, key, number).await?;
        let pool = self.db.pool();
        Ok(IssueDetail {
            labels: labels::of_issues(pool, &[issue.id]).await?,
            comments: activity::comments(pool, issue.id).await?,
            events: activity::events(pool, issue.id).await?,
            links: activity::links(pool, issue.id, user.is_admin()).await?,
            attachments: attachments::of_issue(pool, issue.id).await?,
            can_change: may_change(user, &issue),
            project,
            issue,
        })
    }

    /// Issues the user sees matching the query, a page after `cursor`.
    ///
    /// # Errors
    /// Database failure.
    pub async fn search(
        &self,
        user: &Identity,
        query: &IssueQuery,
        cursor: Option<Cursor>,
        limit: i64,
    ) -> AppResult<Page> {
        self.remember(user).await?;
        let limit = limit.clamp(1, MAX_PAGE);
        let narrowing = search_index::narrowing(&self.db, query, &self.common_words).await?;
        let mut rows = issues::search(self.db.pool(), viewer(user), query, &narrowing, cursor, limit + 1).await?;
        let next = if rows.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            rows.last().map(|last| issues::cursor_of(last, query.sort))
        } else {
            None
        };
        let ids: Vec<i64> = rows.iter().map(|i| i.id).collect();
        let labels = labels::of_issues(self.db.pool(), &ids).await?;
        Ok(Page { issues: rows, labels, next })
    }

    /// What `query` names that does not exist, said for the person who typed it: a label no
    /// issue has had, or someone who has never used the tracker. Such a part matches nothing
    /// (or, negated, leaves nothing out), which an empty list alone would not explain.
    ///
    /// # Errors
    /// Database failure.
    pub async fn unknown_names(&self, query: &IssueQuery) -> AppResult<Vec<String>> {
        let mut notices = Vec::new();
        let mut known_labels: Option<Vec<String>> = None;
        for term in &query.terms {
            let (part, effect) = if term.negated { ("-", "leaves nothing out") } else { ("", "matches nothing") };
            match &term.filter {
                Filter::Label(label) => {
                    if known_labels.is_none() {
                        known_labels = Some(labels::all(self.db.pool()).await?.into_iter().map(|l| l.name).collect());
                    }
                    let known = known_labels.as_deref().unwrap_or_default();
                    if !known.iter().any(|k| k == label.as_str()) {
                        let choices = match known {
                            [] => "No issue has a label yet.".to_owned(),
                            some => format!("Labels in use: {}.", some.join(", ")),
                        };
                        notices
                            .push(format!("There is no label \"{label}\", so {part}label:{label} {effect}. {choices}"));
                    }
                }
                Filter::Assignee(PersonRef::Username(name)) | Filter::Reporter(PersonRef::Username(name)) => {
                    let unknown = people::by_username(self.db.pool(), name).await?.is_none();
                    notices.extend(unknown.then(|| {
                        format!(
                            "Nobody called \"{name}\" has used Bugs yet, so that part {effect}; use their user \
                             name, or me."
                        )
                    }));
                }
                _ => {}
            }
        }
        Ok(notices)
    }

    /// Adds a comment, with a file sent along; anyone who sees the issue may.
    ///
    /// # Errors
    /// Not visible, an empty or too long comment, or a file that is empty or too large.
    pub async fn comment(
        &self,
        user: &Identity,
        key: &str,
        number: i64,
        body: &str,
        file: Option<Upload>,
    ) -> AppResult<CommentRow> {
        let (project, issue) = self.issue(user, key, number).await?;
        let body = markdown_text(body, "The comment")?;
        if body.is_empty() {
            return Err(AppError::Invalid("The comment is empty. Write something first.".to_owned()));
        }
        let checked = match file {
            Some(file) => Some(self.checked(file).await?),
            None => None,
        };
        let now = unix_now();
        let comment = NewComment {
            issue_id: issue.id,
            author_id: user.user_id,
            body: &body,
            search_key: &search_key(&body),
            attachment: checked.as_ref().map(CheckedFile::row),
            now,
        };
        let id = activity::add_comment(self.db.pool(), &comment).await?;
        self.publish("issue.commented", &issue, user).await;
        let what = format!("commented: “{}”", excerpt(&body, 120));
        self.tell(&project, &issue, user, News { reason: "commented", what, details: Some(&body), also: None }).await;
        let comments = activity::comments(self.db.pool(), issue.id).await?;
        comments.into_iter().find(|c| c.id == id).ok_or_else(|| anyhow::anyhow!("comment {id} vanished").into())
    }

    async fn changeable(&self, user: &Identity, key: &str, number: i64) -> AppResult<(ProjectRow, IssueRow)> {
        let (project, issue) = self.issue(user, key, number).await?;
        if !may_change(user, &issue) {
            return Err(AppError::Forbidden(
                "Only the person who filed this issue, the person it is assigned to, or a family admin can change it."
                    .to_owned(),
            ));
        }
        Ok((project, issue))
    }

    /// Changes the title and description, records each change and re-indexes the issue for
    /// search.
    ///
    /// # Errors
    /// Not allowed, or a description that is too long.
    pub async fn edit(&self, user: &Identity, key: &str, number: i64, edit: &IssueEdit) -> AppResult<IssueRow> {
        let (project, issue) = self.changeable(user, key, number).await?;
        let title = edit.title.as_ref().map_or(issue.title.as_str(), IssueTitle::as_str);
        let description = match &edit.description {
            Some(raw) => markdown_text(raw, "The description")?,
            None => issue.description.clone(),
        };
        let mut events = Vec::new();
        if title != issue.title {
            events.push(Self::event(&issue, user, "title", Some(issue.title.clone()), Some(title.to_owned())));
        }
        if description != issue.description {
            let (old, new) = (Some(issue.description.clone()), Some(description.clone()));
            events.push(Self::event(&issue, user, "description", old, new));
        }
        if events.is_empty() {
            return Ok(issue);
        }
        let changes = Edit { title, description: &description, events: &events, now: unix_now() };
        issues::edit(self.db.pool(), issue.id, &changes).await?;
        let issue = self.load(&project, number).await?;
        self.publish("issue.edited", &issue, user).await;
        self.tell_change(&project, &issue, user, &events).await;
        Ok(issue)
    }

    /// Changes the status (and resolution); a duplicate is linked to its original.
    ///
    /// # Errors
    /// Not allowed, or the original is not an issue of the same project.
    pub async fn change_status(
        &self,
        user: &Identity,
        key: &str,
        number: i64,
        change: StatusChange,
    ) -> AppResult<IssueRow> {
        let (project, issue) = self.changeable(user, key, number).await?;
        let duplicate_of = match change.duplicate_of {
            None => None,
            Some(original) if original == number => {
                return Err(AppError::Invalid("An issue cannot be a duplicate of itself.".to_owned()));
            }
            Some(original) => Some(
                issues::by_number(self.db.pool(), project.id, original)
                    .await?
                    .ok_or_else(|| {
                        AppError::Invalid(format!("There is no issue {}-{original} to be a duplicate of.", project.key))
                    })?
                    .id,
            ),
        };
        let describe = |status: &str, resolution: Option<&str>, duplicate: Option<i64>| {
            let status = Status::parse(status).map_or(status.to_owned(), |s| s.label().to_owned());
            match (resolution.and_then(|r| crate::domain::Resolution::parse(r).ok()), duplicate) {
                (Some(crate::domain::Resolution::Duplicate), Some(n)) => format!("{status} (duplicate of #{n})"),
                (Some(resolution), _) => format!("{status} ({})", resolution.label().to_lowercase()),
                (None, _) => status,
            }
        };
        let old = describe(&issue.status, issue.resolution.as_deref(), issue.duplicate_of_number);
        let new = describe(change.status.as_str(), change.resolution.map(|r| r.as_str()), change.duplicate_of);
        let event = Self::event(&issue, user, "status", Some(old), Some(new));
        let status = NewStatus {
            status: change.status.as_str(),
            resolution: change.resolution.map(|r| r.as_str()),
            duplicate_of,
        };
        issues::set_status(self.db.pool(), &event, &status).await?;
        let issue = self.load(&project, number).await?;
        self.publish("issue.status_changed", &issue, user).await;
        self.tell_change(&project, &issue, user, &[event]).await;
        Ok(issue)
    }

    /// Changes the priority.
    ///
    /// # Errors
    /// Not allowed.
    pub async fn set_priority(
        &self,
        user: &Identity,
        key: &str,
        number: i64,
        priority: Priority,
    ) -> AppResult<IssueRow> {
        let (project, issue) = self.changeable(user, key, number).await?;
        let old = Priority::from_rank(issue.priority);
        if old != priority {
            let event =
                Self::event(&issue, user, "priority", Some(old.label().to_owned()), Some(priority.label().to_owned()));
            issues::set_priority(self.db.pool(), &event, priority.rank()).await?;
            let issue = self.load(&project, number).await?;
            self.tell_change(&project, &issue, user, &[event]).await;
            return Ok(issue);
        }
        Ok(issue)
    }

    /// Assigns the issue to someone (by username), or to nobody.
    ///
    /// # Errors
    /// Not allowed, or an unknown username.
    pub async fn assign(&self, user: &Identity, key: &str, number: i64, username: Option<&str>) -> AppResult<IssueRow> {
        let (project, issue) = self.changeable(user, key, number).await?;
        let assignee_id = self.assignee_id(username).await?;
        if assignee_id != issue.assignee_id {
            let name = match assignee_id {
                Some(id) => {
                    people::all(self.db.pool()).await?.into_iter().find(|p| p.user_id == id).map(|p| p.display_name)
                }
                None => None,
            };
            let event = Self::event(&issue, user, "assignee", issue.assignee_name.clone(), name);
            issues::set_assignee(self.db.pool(), &event, assignee_id).await?;
            let changed = self.load(&project, number).await?;
            let what = describe(event.field, event.old_value.as_deref(), event.new_value.as_deref());
            let news = News { reason: "assigned", what, details: None, also: issue.assignee_id };
            self.tell(&project, &changed, user, news).await;
            return Ok(changed);
        }
        Ok(issue)
    }

    /// Replaces the labels.
    ///
    /// # Errors
    /// Not allowed.
    pub async fn set_labels(
        &self,
        user: &Identity,
        key: &str,
        number: i64,
        labels: &[LabelName],
    ) -> AppResult<IssueRow> {
        let (project, issue) = self.changeable(user, key, number).await?;
        let before: Vec<String> =
            labels::of_issues(self.db.pool(), &[issue.id]).await?.into_iter().map(|l| l.name).collect();
        let ids = self.label_ids(labels).await?;
        let mut after: Vec<String> = labels.iter().map(|l| l.as_str().to_owned()).collect();
        after.sort();
        after.dedup();
        if before != after {
            let event = Self::event(&issue, user, "labels", Some(before.join(", ")), Some(after.join(", ")));
            issues::set_labels(self.db.pool(), &event, &ids).await?;
            let issue = self.load(&project, number).await?;
            self.tell_change(&project, &issue, user, &[event]).await;
            return Ok(issue);
        }
        Ok(issue)
    }

    /// Links the issue to another (`HOME-3`, `#3` or `3` for the same project). "Duplicate of"
    /// also resolves this issue as a duplicate.
    ///
    /// # Errors
    /// Not allowed, an unknown or invisible target, or a link to itself.
    pub async fn link(
        &self,
        user: &Identity,
        key: &str,
        number: i64,
        kind: LinkKind,
        target: &str,
    ) -> AppResult<IssueRow> {
        let (project, issue) = self.changeable(user, key, number).await?;
        let target_key = match target.trim().rsplit_once('-') {
            Some((key, _)) => ProjectKey::parse(key)?.as_str().to_owned(),
            None => project.key.clone(),
        };
        let target_number = parse_issue_number(target)?;
        if target_key == project.key && target_number == number {
            return Err(AppError::Invalid("An issue cannot be linked to itself.".to_owned()));
        }
        if kind == LinkKind::DuplicateOf {
            if target_key != project.key {
                return Err(AppError::Invalid(format!(
                    "A duplicate must be in the same project; use an issue of {}.",
                    project.key
                )));
            }
            let change =
                StatusChange::parse(Status::Resolved, Some(crate::domain::Resolution::Duplicate), Some(target_number))?;
            return self.change_status(user, key, number, change).await;
        }
        let (_, other) = self
            .issue(user, &target_key, target_number)
            .await
            .map_err(|_| AppError::Invalid(format!("There is no issue {target_key}-{target_number} to link to.")))?;
        let label = format!("{} {}-{}", kind.label().to_lowercase(), other.project_key, other.number);
        let event = Self::event(&issue, user, "link", None, Some(label));
        if activity::add_link(self.db.pool(), &event, other.id, kind.as_str()).await? {
            self.publish("issue.linked", &issue, user).await;
            self.tell_change(&project, &issue, user, &[event]).await;
        }
        self.load(&project, number).await
    }

    /// Attaches a file to the issue itself; anyone who sees the issue may.
    ///
    /// # Errors
    /// Not visible, empty, too large, or database failure.
    pub async fn attach(&self, user: &Identity, key: &str, number: i64, file: Upload) -> AppResult<AttachmentRow> {
        let (project, issue) = self.issue(user, key, number).await?;
        let checked = self.checked(file).await?;
        let event = Self::event(&issue, user, "attachment", None, Some(checked.name.as_str().to_owned()));
        let id = attachments::insert(self.db.pool(), &event, &checked.row()).await?;
        self.tell_change(&project, &issue, user, &[event]).await;
        attachments::by_id(self.db.pool(), id).await?.ok_or_else(|| anyhow::anyhow!("attachment {id} vanished").into())
    }

    /// Checks that a file may be attached: not empty, not over the limit.
    ///
    /// # Errors
    /// An empty file (422) or one over the limit (413).
    pub fn check(&self, file: &Upload) -> AppResult<()> {
        let name = AttachmentName::sanitize(&file.name);
        if file.bytes.is_empty() {
            return Err(AppError::Invalid(format!("{name} is empty; choose another file.")));
        }
        if file.bytes.len() > self.max_attachment_bytes {
            return Err(AppError::PayloadTooLarge(format!(
                "{name} is larger than the limit of {} MB; send a smaller screenshot.",
                self.max_attachment_bytes / (1024 * 1024)
            )));
        }
        Ok(())
    }

    /// Checks a file and names its bytes by their SHA-256; they are stored with its row.
    async fn checked(&self, file: Upload) -> AppResult<CheckedFile> {
        self.check(&file)?;
        let name = AttachmentName::sanitize(&file.name);
        let content_type = sniff(&file.bytes);
        let size = i64::try_from(file.bytes.len()).unwrap_or(i64::MAX);
        let sha256 = sha256_hex(file.bytes.clone()).await?;
        Ok(CheckedFile { name, sha256, size, content_type, bytes: file.bytes })
    }

    /// An attachment and its bytes, if the user sees its issue; otherwise "not found", so a
    /// guessed id tells nothing.
    ///
    /// # Errors
    /// [`AppError::NotFound`], or bytes missing from the database (our failure).
    pub async fn attachment(&self, user: &Identity, id: i64) -> AppResult<AttachmentFile> {
        let not_found = || AppError::NotFound("There is no such attachment, or it is not shared with you.".to_owned());
        let row = attachments::by_id(self.db.pool(), id).await?.ok_or_else(not_found)?;
        let (_, visibility, _) =
            attachments::project_of_issue(self.db.pool(), row.issue_id).await?.ok_or_else(not_found)?;
        if visibility != "family" && !user.is_admin() {
            return Err(not_found());
        }
        let bytes = attachments::bytes(self.db.pool(), &row.sha256)
            .await?
            .ok_or_else(|| anyhow::anyhow!("attachment {id}: no bytes are stored under {}", row.sha256))?;
        Ok(AttachmentFile { row, bytes })
    }

    /// All labels with their colours.
    ///
    /// # Errors
    /// Database failure.
    pub async fn labels(&self) -> AppResult<Vec<LabelRow>> {
        Ok(labels::all(self.db.pool()).await?)
    }

    /// Creates a label or changes its colour (admins only).
    ///
    /// # Errors
    /// Not an admin.
    pub async fn save_label(&self, user: &Identity, name: &LabelName, colour: &Colour) -> AppResult<()> {
        user.require_admin()?;
        Ok(labels::upsert(self.db.pool(), name.as_str(), colour.as_str()).await?)
    }

    /// Adds a webhook for one project or all (admins only); returns it and its secret (made
    /// here when none is given), which is shown once.
    ///
    /// # Errors
    /// Not an admin, a URL that is not `http://…`, or an unknown project.
    pub async fn create_webhook(
        &self,
        user: &Identity,
        url: &str,
        project: Option<&str>,
        secret: Option<&str>,
    ) -> AppResult<(WebhookRow, String)> {
        user.require_admin()?;
        let parsed = url::Url::parse(url.trim())
            .map_err(|_| AppError::Invalid(format!("{url:?} is not a URL; write it like http://receiver.lan/hook.")))?;
        if parsed.scheme() != "http" {
            return Err(AppError::Invalid(
                "Webhook URLs must start with http:// (this build has no TLS client); point it at a receiver on \
                 the LAN or a proxy."
                    .to_owned(),
            ));
        }
        let project_id = match project.map(str::trim).filter(|p| !p.is_empty()) {
            Some(key) => Some(self.project(user, key).await?.id),
            None => None,
        };
        let secret = match secret.map(str::trim).filter(|s| !s.is_empty()) {
            Some(secret) if secret.len() < 16 => {
                return Err(AppError::Invalid("A webhook secret needs at least 16 characters.".to_owned()));
            }
            Some(secret) => secret.to_owned(),
            None => hearth_shared::tokens::random_token(),
        };
        let id = webhook_rows::insert(self.db.pool(), parsed.as_str(), &secret, project_id, user.user_id, unix_now())
            .await?;
        let row = webhook_rows::all(self.db.pool())
            .await?
            .into_iter()
            .find(|w| w.id == id)
            .ok_or_else(|| anyhow::anyhow!("webhook {id} vanished"))?;
        Ok((row, secret))
    }

    /// Removes a webhook and what it had still to deliver (admins only).
    ///
    /// # Errors
    /// Not an admin, or no such webhook.
    pub async fn delete_webhook(&self, user: &Identity, id: i64) -> AppResult<()> {
        user.require_admin()?;
        if !webhook_rows::delete(self.db.pool(), id).await? {
            return Err(AppError::NotFound(format!("There is no webhook {id}; it may have been removed already.")));
        }
        tracing::info!(webhook = id, "webhook removed");
        Ok(())
    }

    /// Every webhook (admins only).
    ///
    /// # Errors
    /// Not an admin.
    pub async fn webhooks(&self, user: &Identity) -> AppResult<Vec<WebhookRow>> {
        user.require_admin()?;
        Ok(webhook_rows::all(self.db.pool()).await?)
    }

    /// Keeps what `user` typed into the form `place` (`new:HOME`, `comment:HOME-12`), which
    /// was refused, for the page the refusal redirects to.
    ///
    /// # Errors
    /// Database failure.
    pub async fn keep_draft(&self, user: &Identity, place: &str, fields: &impl serde::Serialize) -> AppResult<()> {
        let json = serde_json::to_string(fields).map_err(|e| anyhow::anyhow!("draft of {place}: {e}"))?;
        Ok(drafts::keep(self.db.pool(), user.user_id, place, &json, unix_now()).await?)
    }

    /// Takes back what [`Self::keep_draft`] kept; `None` when nothing was (or it was shown).
    ///
    /// # Errors
    /// Database failure.
    pub async fn take_draft<T: serde::de::DeserializeOwned>(
        &self,
        user: &Identity,
        place: &str,
    ) -> AppResult<Option<T>> {
        let json = drafts::take(self.db.pool(), user.user_id, place, unix_now()).await?;
        Ok(json.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// The user's saved views.
    ///
    /// # Errors
    /// Database failure.
    pub async fn views(&self, user: &Identity) -> AppResult<Vec<ViewRow>> {
        Ok(views::of_owner(self.db.pool(), user.user_id).await?)
    }

    /// One of the user's saved views; anyone else's is "not found".
    ///
    /// # Errors
    /// [`AppError::NotFound`].
    pub async fn view(&self, user: &Identity, id: i64) -> AppResult<ViewRow> {
        views::by_id(self.db.pool(), id)
            .await?
            .filter(|v| v.owner_id == user.user_id)
            .ok_or_else(|| AppError::NotFound("There is no such saved view of yours.".to_owned()))
    }

    /// Saves a query under a name for the user (the query must parse).
    ///
    /// # Errors
    /// A bad name or query.
    pub async fn save_view(&self, user: &Identity, name: &str, query: &str) -> AppResult<()> {
        let name = ProjectName::parse(name)
            .map_err(|_| AppError::Invalid("Give the view a name of 1 to 80 characters on one line.".to_owned()))?;
        IssueQuery::parse(query).map_err(|e| AppError::Invalid(format!("The query cannot be saved: {e}.")))?;
        Ok(views::save(self.db.pool(), user.user_id, name.as_str(), query.trim(), unix_now()).await?)
    }
}

/// The reporter, the assignee or an admin may change an issue.
fn may_change(user: &Identity, issue: &IssueRow) -> bool {
    user.is_admin() || issue.reporter_id == user.user_id || issue.assignee_id == Some(user.user_id)
}

#[cfg(test)]
mod tests {
    use super::{markdown_text, sniff};

    #[test]
    fn content_types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), "image/jpeg");
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(sniff(b"<svg onload=alert(1)>"), "application/octet-stream");
        assert_eq!(sniff(b"<html>"), "application/octet-stream");
    }

    #[test]
    fn long_texts_are_refused_with_their_length() {
        let message = markdown_text(&"a".repeat(50_001), "The comment").expect_err("too long").to_string();
        assert!(message.contains("50001"), "{message}");
    }
}
