//! The `users` table.

use hearth_shared::db::begin_write;
use hearth_shared::{AppError, Identity, Role};
use sqlx::{Any, AnyPool, Executor, FromRow};

/// The user behind a session or API token, with when the token was last used (to record use
/// only when that is stale, so that most requests only read).
#[derive(Debug, Clone, FromRow)]
pub struct TokenUser {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
}

impl UserRow {
    /// # Errors
    /// A role in the database that is neither admin nor member.
    pub fn identity(&self) -> Result<Identity, AppError> {
        Ok(Identity {
            user_id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: Role::parse(&self.role)?,
        })
    }
}

const COLUMNS: &str = "id, username, display_name, password_hash, role, created_at, disabled_at";

/// A new account's fields.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub now: i64,
}

pub async fn any_exist(pool: &AnyPool) -> sqlx::Result<bool> {
    Ok(sqlx::query("SELECT id FROM users LIMIT 1").fetch_optional(pool).await?.is_some())
}

/// Inserts the first admin, only while there is no account at all; `None` if one exists.
pub async fn insert_first(pool: &AnyPool, user: &NewUser<'_>) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, role, created_at) \
         SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM users) RETURNING id",
    )
    .bind(user.username)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(user.role.as_str())
    .bind(user.now)
    .fetch_optional(pool)
    .await
}

pub async fn insert<'e>(executor: impl Executor<'e, Database = Any>, user: &NewUser<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, role, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user.username)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(user.role.as_str())
    .bind(user.now)
    .fetch_one(executor)
    .await
}

pub async fn by_username(pool: &AnyPool, username: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE username = $1"))
        .bind(username)
        .fetch_optional(pool)
        .await
}

pub async fn by_id(pool: &AnyPool, id: i64) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1")).bind(id).fetch_optional(pool).await
}

pub async fn list(pool: &AnyPool) -> sqlx::Result<Vec<UserRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users ORDER BY display_name, id")).fetch_all(pool).await
}

/// Clears `disabled_at`; false when there is no such user.
pub async fn enable(pool: &AnyPool, id: i64) -> sqlx::Result<bool> {
    let result = sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1").bind(id).execute(pool).await?;
    Ok(result.rows_affected() == 1)
}

/// Sets `disabled_at` and, in the same transaction, ends every session and revokes every API
/// token of the account, so that enabling it again brings none of them back; false when there
/// is no such user.
pub async fn disable(pool: &AnyPool, id: i64, now: i64) -> sqlx::Result<bool> {
    let mut tx = begin_write(pool).await?;
    let result =
        sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1").bind(id).bind(now).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(result.rows_affected() == 1)
}

/// Sets a new password and, in the same transaction, ends every other session of the account
/// (all but the one whose token hashes to `keep_session_hash`) and revokes its API tokens: a
/// password changed because it leaked leaves nothing made with it working.
pub async fn change_password(
    pool: &AnyPool,
    id: i64,
    password_hash: &str,
    keep_session_hash: &str,
) -> sqlx::Result<()> {
    let mut tx = begin_write(pool).await?;
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(password_hash)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(id)
        .bind(keep_session_hash)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}
