//! The `people` table: the portal's users as this service last saw them, so lists can show
//! names and queries can say `assignee:mum`; and where each wants notification emails.

use hearth_shared::Identity;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct PersonRow {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
}

/// Records (or refreshes) who someone is; a former member stays as they were left.
pub async fn remember(pool: &AnyPool, user: &Identity, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO people (user_id, username, display_name, seen_at, is_admin) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id) DO UPDATE SET username = $2, display_name = $3, seen_at = $4, is_admin = $5 \
         WHERE people.left_at IS NULL",
    )
    .bind(user.user_id)
    .bind(&user.username)
    .bind(&user.display_name)
    .bind(now)
    .bind(i64::from(user.is_admin()))
    .execute(pool)
    .await?;
    Ok(())
}

/// Where someone wants notification emails, if anywhere.
pub async fn email(pool: &AnyPool, user_id: i64) -> sqlx::Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>("SELECT email FROM people WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await?
        .flatten())
}

/// Sets (or, with `None`, clears) where someone wants notification emails.
pub async fn set_email(pool: &AnyPool, user_id: i64, email: Option<&str>) -> sqlx::Result<()> {
    sqlx::query("UPDATE people SET email = $2 WHERE user_id = $1").bind(user_id).bind(email).execute(pool).await?;
    Ok(())
}

/// Everyone who has used the tracker and is still in the family, by name: who an issue can be
/// assigned to.
pub async fn all(pool: &AnyPool) -> sqlx::Result<Vec<PersonRow>> {
    sqlx::query_as(
        "SELECT user_id, username, display_name FROM people WHERE left_at IS NULL ORDER BY display_name, user_id",
    )
    .fetch_all(pool)
    .await
}

pub async fn by_username(pool: &AnyPool, username: &str) -> sqlx::Result<Option<PersonRow>> {
    sqlx::query_as("SELECT user_id, username, display_name FROM people WHERE username = $1 AND left_at IS NULL")
        .bind(username)
        .fetch_optional(pool)
        .await
}
