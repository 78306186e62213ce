//! The `projects` table.

use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct ProjectRow {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub description: String,
    pub visibility: String,
    pub created_at: i64,
}

/// A project with the number of its issues still open or in progress, for the projects list
/// and the API. Counting reads every open issue's index entry, so a project's own pages,
/// which do not show the count, use [`by_key`] instead.
#[derive(Debug, Clone, FromRow)]
pub struct CountedProject {
    #[sqlx(flatten)]
    pub project: ProjectRow,
    pub open_issues: i64,
}

const SELECT: &str = "SELECT p.id, p.key, p.name, p.description, p.visibility, p.created_at FROM projects p";

const SELECT_COUNTED: &str = "SELECT p.id, p.key, p.name, p.description, p.visibility, p.created_at, \
    (SELECT COUNT(*) FROM issues i WHERE i.project_id = p.id AND i.status IN ('open', 'in_progress')) AS open_issues \
    FROM projects p";

/// A new project's fields.
pub struct NewProject<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub visibility: &'a str,
    pub created_by: i64,
    pub now: i64,
}

/// Inserts a project, or returns `None` when its key is taken.
pub async fn insert(pool: &AnyPool, project: &NewProject<'_>) -> sqlx::Result<Option<i64>> {
    let result = sqlx::query_scalar(
        "INSERT INTO projects (key, name, description, visibility, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(project.key)
    .bind(project.name)
    .bind(project.description)
    .bind(project.visibility)
    .bind(project.created_by)
    .bind(project.now)
    .fetch_one(pool)
    .await;
    match result {
        Ok(id) => Ok(Some(id)),
        Err(e) if e.as_database_error().is_some_and(|d| d.is_unique_violation()) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The projects someone sees (admins see every one), by key.
pub async fn visible(pool: &AnyPool, is_admin: bool) -> sqlx::Result<Vec<CountedProject>> {
    sqlx::query_as(&format!("{SELECT_COUNTED} WHERE p.visibility = 'family' OR $1 = 1 ORDER BY p.key"))
        .bind(i64::from(is_admin))
        .fetch_all(pool)
        .await
}

pub async fn by_key(pool: &AnyPool, key: &str) -> sqlx::Result<Option<ProjectRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE p.key = $1")).bind(key).fetch_optional(pool).await
}

pub async fn counted_by_key(pool: &AnyPool, key: &str) -> sqlx::Result<Option<CountedProject>> {
    sqlx::query_as(&format!("{SELECT_COUNTED} WHERE p.key = $1")).bind(key).fetch_optional(pool).await
}
