//! The `labels` and `issue_labels` tables. Labels are shared by every project, so
//! `label:printer` means the same everywhere.

use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct LabelRow {
    pub id: i64,
    pub name: String,
    pub colour: String,
}

pub async fn all(pool: &AnyPool) -> sqlx::Result<Vec<LabelRow>> {
    sqlx::query_as("SELECT id, name, colour FROM labels ORDER BY name").fetch_all(pool).await
}

/// The label's id, creating it with `colour` when it is new (an existing colour is kept).
pub async fn ensure(pool: &AnyPool, name: &str, colour: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO labels (name, colour) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET name = labels.name RETURNING id",
    )
    .bind(name)
    .bind(colour)
    .fetch_one(pool)
    .await
}

/// Creates a label or changes its colour.
pub async fn upsert(pool: &AnyPool, name: &str, colour: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO labels (name, colour) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET colour = $2")
        .bind(name)
        .bind(colour)
        .execute(pool)
        .await?;
    Ok(())
}

/// One label of one issue, for lists.
#[derive(Debug, Clone, FromRow)]
pub struct IssueLabel {
    pub issue_id: i64,
    pub name: String,
    pub colour: String,
}

/// The labels of some issues, by name.
pub async fn of_issues(pool: &AnyPool, issue_ids: &[i64]) -> sqlx::Result<Vec<IssueLabel>> {
    if issue_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=issue_ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT il.issue_id, l.name, l.colour FROM issue_labels il JOIN labels l ON l.id = il.label_id \
         WHERE il.issue_id IN ({}) ORDER BY l.name",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as(&sql);
    for id in issue_ids {
        query = query.bind(*id);
    }
    query.fetch_all(pool).await
}
