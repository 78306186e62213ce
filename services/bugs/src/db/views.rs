//! The `saved_views` table: a person's named queries.

use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct ViewRow {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    pub query: String,
}

pub async fn of_owner(pool: &AnyPool, owner_id: i64) -> sqlx::Result<Vec<ViewRow>> {
    sqlx::query_as("SELECT id, owner_id, name, query FROM saved_views WHERE owner_id = $1 ORDER BY name")
        .bind(owner_id)
        .fetch_all(pool)
        .await
}

pub async fn by_id(pool: &AnyPool, id: i64) -> sqlx::Result<Option<ViewRow>> {
    sqlx::query_as("SELECT id, owner_id, name, query FROM saved_views WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Saves a view, replacing the owner's view of the same name.
pub async fn save(pool: &AnyPool, owner_id: i64, name: &str, query: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO saved_views (owner_id, name, query, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (owner_id, name) DO UPDATE SET query = $3",
    )
    .bind(owner_id)
    .bind(name)
    .bind(query)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}
