//! The `issues` table: filing (with its per-project number), one issue, the query language
//! turned into SQL, and the changes triage makes.

use hearth_shared::db::begin_write;
use sqlx::any::AnyArguments;
use sqlx::query::QueryAs;
use sqlx::{Any, AnyPool, FromRow};

use super::activity::{self, Event};
use crate::domain::query::{Filter, IssueQuery, PersonRef, Sort, Term};
use crate::domain::{contains_pattern, issue_search_key, search_key};

#[derive(Debug, Clone, FromRow)]
pub struct IssueRow {
    pub id: i64,
    pub project_id: i64,
    pub project_key: String,
    pub number: i64,
    pub title: String,
    pub description: String,
    pub status: String,
    pub resolution: Option<String>,
    /// The number of the issue this one duplicates (same project).
    pub duplicate_of_number: Option<i64>,
    pub priority: i64,
    pub reporter_id: i64,
    pub reporter_name: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const SELECT: &str = "SELECT i.id, i.project_id, p.key AS project_key, i.number, i.title, i.description, i.status, \
    i.resolution, d.number AS duplicate_of_number, i.priority, i.reporter_id, r.display_name AS reporter_name, \
    i.assignee_id, a.display_name AS assignee_name, i.created_at, i.updated_at \
    FROM issues i JOIN projects p ON p.id = i.project_id \
    LEFT JOIN issues d ON d.id = i.duplicate_of \
    LEFT JOIN people r ON r.user_id = i.reporter_id \
    LEFT JOIN people a ON a.user_id = i.assignee_id";

/// A new issue's fields.
pub struct NewIssue<'a> {
    pub project_id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub priority: i64,
    pub reporter_id: i64,
    pub assignee_id: Option<i64>,
    pub label_ids: &'a [i64],
    pub search_text: &'a str,
    pub now: i64,
}

/// Files an issue under the project's next number, with its labels and its first history
/// event, in one transaction. Returns the number.
pub async fn insert(pool: &AnyPool, issue: &NewIssue<'_>) -> sqlx::Result<i64> {
    let mut tx = begin_write(pool).await?;
    let number: i64 =
        sqlx::query_scalar("UPDATE projects SET next_number = next_number + 1 WHERE id = $1 RETURNING next_number - 1")
            .bind(issue.project_id)
            .fetch_one(&mut *tx)
            .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO issues (project_id, number, title, description, status, priority, reporter_id, assignee_id, \
         created_at, updated_at, search_text) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $8, $9) RETURNING id",
    )
    .bind(issue.project_id)
    .bind(number)
    .bind(issue.title)
    .bind(issue.description)
    .bind(issue.priority)
    .bind(issue.reporter_id)
    .bind(issue.assignee_id)
    .bind(issue.now)
    .bind(issue.search_text)
    .fetch_one(&mut *tx)
    .await?;
    for label_id in issue.label_ids {
        sqlx::query("INSERT INTO issue_labels (issue_id, label_id) VALUES ($1, $2)")
            .bind(id)
            .bind(label_id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("INSERT INTO events (issue_id, actor_id, at, field, old_value, new_value) VALUES ($1, $2, $3, 'created', NULL, NULL)")
        .bind(id)
        .bind(issue.reporter_id)
        .bind(issue.now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(number)
}

pub async fn by_number(pool: &AnyPool, project_id: i64, number: i64) -> sqlx::Result<Option<IssueRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE i.project_id = $1 AND i.number = $2"))
        .bind(project_id)
        .bind(number)
        .fetch_optional(pool)
        .await
}

/// Who is asking, for `me` and for which projects they see.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub user_id: i64,
    pub is_admin: bool,
}

/// Where a page of results starts: the sort key and id of the last issue of the page before.
pub type Cursor = (i64, i64);

enum Value {
    Int(i64),
    Text(String),
}

/// SQL being built with its bound values, numbered `$1`, `$2`, … as they are added.
#[derive(Default)]
struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn int(&mut self, value: i64) -> String {
        self.values.push(Value::Int(value));
        format!("${}", self.values.len())
    }

    fn text(&mut self, value: &str) -> String {
        self.values.push(Value::Text(value.to_owned()));
        format!("${}", self.values.len())
    }

    fn and(&mut self, condition: &str) {
        self.text.push_str(" AND ");
        self.text.push_str(condition);
    }

    fn bind<'q, R>(self, mut query: QueryAs<'q, Any, R, AnyArguments<'q>>) -> QueryAs<'q, Any, R, AnyArguments<'q>> {
        for value in self.values {
            query = match value {
                Value::Int(v) => query.bind(v),
                Value::Text(v) => query.bind(v),
            };
        }
        query
    }
}

/// The condition of one query term, true or false (never NULL, so `NOT` is its opposite).
fn condition(sql: &mut Sql, term: &Term, viewer: Viewer) -> String {
    let person = |sql: &mut Sql, column: &str, person: &PersonRef| match person {
        PersonRef::Me => format!("COALESCE({column}, 0) = {}", sql.int(viewer.user_id)),
        PersonRef::Nobody => format!("{column} IS NULL"),
        PersonRef::Username(name) => {
            format!("COALESCE({column}, 0) IN (SELECT user_id FROM people WHERE username = {})", sql.text(name))
        }
    };
    match &term.filter {
        Filter::Statuses(statuses) => {
            let list: Vec<String> = statuses.iter().map(|s| sql.text(s.as_str())).collect();
            format!("i.status IN ({})", list.join(", "))
        }
        Filter::Label(label) => format!(
            "EXISTS (SELECT 1 FROM issue_labels il JOIN labels l ON l.id = il.label_id \
             WHERE il.issue_id = i.id AND l.name = {})",
            sql.text(label.as_str())
        ),
        Filter::Assignee(who) => person(sql, "i.assignee_id", who),
        Filter::Reporter(who) => person(sql, "i.reporter_id", who),
        Filter::Priority(priority) => format!("i.priority = {}", sql.int(priority.rank())),
        Filter::Project(key) => format!("p.key = {}", sql.text(key.as_str())),
        Filter::Text(text) => format!("i.search_text LIKE {} ESCAPE '\\'", sql.text(&contains_pattern(text))),
    }
}

/// The sort key of a row for the cursor of `sort`.
#[must_use]
pub fn cursor_of(issue: &IssueRow, sort: Sort) -> Cursor {
    match sort {
        Sort::Updated => (issue.updated_at, issue.id),
        Sort::Created | Sort::Oldest => (issue.id, issue.id),
        Sort::Priority => (issue.priority, issue.id),
    }
}

/// Issues the viewer sees that match every term, in the query's order, after the cursor; read
/// only among the candidates of each `narrowing` trigram query (`search_index::narrowing`).
pub async fn search(
    pool: &AnyPool,
    viewer: Viewer,
    query: &IssueQuery,
    narrowing: &[String],
    after: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<IssueRow>> {
    let mut sql = Sql { text: format!("{SELECT} WHERE 1 = 1"), values: Vec::new() };
    if !viewer.is_admin {
        sql.and("p.visibility = 'family'");
    }
    for term in &query.terms {
        let condition = condition(&mut sql, term, viewer);
        sql.and(&if term.negated { format!("NOT ({condition})") } else { condition });
    }
    for trigrams in narrowing {
        let trigrams = sql.text(trigrams);
        sql.and(&format!("i.id IN (SELECT rowid FROM issue_search WHERE issue_search MATCH {trigrams})"));
    }
    let (key, order) = match query.sort {
        Sort::Updated => ("i.updated_at", "i.updated_at DESC, i.id DESC"),
        Sort::Created => ("i.id", "i.id DESC"),
        Sort::Oldest => ("i.id", "i.id ASC"),
        Sort::Priority => ("i.priority", "i.priority DESC, i.id DESC"),
    };
    if let Some((sort_key, id)) = after {
        let (a, b) = (sql.int(sort_key), sql.int(id));
        let before = if query.sort == Sort::Oldest { ">" } else { "<" };
        sql.and(&format!("({key} {before} {a} OR ({key} = {a} AND i.id {before} {b}))"));
    }
    let limit = sql.int(limit);
    let text = format!("{} ORDER BY {order} LIMIT {limit}", sql.text);
    sql.bind(sqlx::query_as(&text)).fetch_all(pool).await
}

/// A new title and description, with their history events.
pub struct Edit<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// One event per field that changed.
    pub events: &'a [Event],
    pub now: i64,
}

/// Changes the title and description and rebuilds the issue's search key from them and its
/// comments (in the order comments append theirs), in one transaction. The first update
/// locks the issue, so a comment added meanwhile appends its key after the rebuilt one.
pub async fn edit(pool: &AnyPool, issue_id: i64, edit: &Edit<'_>) -> sqlx::Result<()> {
    let mut tx = begin_write(pool).await?;
    sqlx::query("UPDATE issues SET title = $2, description = $3, updated_at = $4 WHERE id = $1")
        .bind(issue_id)
        .bind(edit.title)
        .bind(edit.description)
        .bind(edit.now)
        .execute(&mut *tx)
        .await?;
    let comments: Vec<String> = sqlx::query_scalar("SELECT body FROM comments WHERE issue_id = $1 ORDER BY id")
        .bind(issue_id)
        .fetch_all(&mut *tx)
        .await?;
    let mut search_text = issue_search_key(edit.title, edit.description);
    for body in &comments {
        search_text.push(' ');
        search_text.push_str(&search_key(body));
    }
    sqlx::query("UPDATE issues SET search_text = $2 WHERE id = $1")
        .bind(issue_id)
        .bind(&search_text)
        .execute(&mut *tx)
        .await?;
    for event in edit.events {
        activity::insert_event(&mut tx, event).await?;
    }
    tx.commit().await
}

/// A new status, and for a duplicate the issue it duplicates (linked in the same transaction).
pub struct NewStatus<'a> {
    pub status: &'a str,
    pub resolution: Option<&'a str>,
    pub duplicate_of: Option<i64>,
}

pub async fn set_status(pool: &AnyPool, event: &Event, status: &NewStatus<'_>) -> sqlx::Result<()> {
    let mut tx = begin_write(pool).await?;
    sqlx::query("UPDATE issues SET status = $2, resolution = $3, duplicate_of = $4, updated_at = $5 WHERE id = $1")
        .bind(event.issue_id)
        .bind(status.status)
        .bind(status.resolution)
        .bind(status.duplicate_of)
        .bind(event.at)
        .execute(&mut *tx)
        .await?;
    if let Some(original) = status.duplicate_of {
        sqlx::query(
            "INSERT INTO links (from_issue_id, to_issue_id, kind, created_by, created_at) \
             VALUES ($1, $2, 'duplicate_of', $3, $4) ON CONFLICT (from_issue_id, to_issue_id, kind) DO NOTHING",
        )
        .bind(event.issue_id)
        .bind(original)
        .bind(event.actor_id)
        .bind(event.at)
        .execute(&mut *tx)
        .await?;
    }
    activity::insert_event(&mut tx, event).await?;
    tx.commit().await
}

pub async fn set_priority(pool: &AnyPool, event: &Event, rank: i64) -> sqlx::Result<()> {
    let mut tx = begin_write(pool).await?;
    sqlx::query("UPDATE issues SET priority = $2, updated_at = $3 WHERE id = $1")
        .bind(event.issue_id)
        .bind(rank)
        .bind(event.at)
        .execute(&mut *tx)
        .await?;
    activity::insert_event(&mut tx, event).await?;
    tx.commit().await
}

pub async fn set_assignee(pool: &AnyPool, event: &Event, assignee_id: Option<i64>) -> sqlx::Result<()> {
    let mut tx = begin_write(pool).await?;
    sqlx::query("UPDATE issues SET assignee_id = $2, updated_at = $3 WHERE id = $1")
        .bind(event.issue_id)
        .bind(assignee_id)
        .bind(event.at)
        .execute(&mut *tx)
        .await?;
    activity::insert_event(&mut tx, event).await?;
    tx.commit().await
}

/// Replaces an issue's labels.
pub async fn set_labels(pool: &AnyPool, event: &Event, label_ids: &[i64]) -> sqlx::Result<()> {
    let mut tx = begin_write(pool).await?;
    sqlx::query("DELETE FROM issue_labels WHERE issue_id = $1").bind(event.issue_id).execute(&mut *tx).await?;
    for label_id in label_ids {
        sqlx::query("INSERT INTO issue_labels (issue_id, label_id) VALUES ($1, $2)")
            .bind(event.issue_id)
            .bind(label_id)
            .execute(&mut *tx)
            .await?;
    }
    activity::touch_and_record(&mut tx, event).await?;
    tx.commit().await
}
