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
    /// The zone the person chose for times on pages; `None`: their browser's.
    pub time_zone: Option<String>,
    /// Set while the account is being deleted (it is disabled meanwhile).
    pub deleting_at: Option<i64>,
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

const COLUMNS: &str =
    "id, username, display_name, password_hash, role, created_at, disabled_at, time_zone, deleting_at";

/// [`COLUMNS`] of `users u`, for queries that join it.
pub const JOINED_COLUMNS: &str = "u.id, u.username, u.display_name, u.password_hash, u.role, u.created_at, u.disabled_at, u.time_zone, u.deleting_at";

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

/// Clears `disabled_at`; false when there is no such user, or the account is being deleted.
pub async fn enable(pool: &AnyPool, id: i64) -> sqlx::Result<bool> {
    let result = sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1 AND deleting_at IS NULL")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Sets `disabled_at` and, in the same transaction, ends every session and revokes every API
/// token of the account, so that enabling it again brings none of them back; false when there
/// is no such user.
pub async fn disable(pool: &AnyPool, id: i64, now: i64) -> sqlx::Result<bool> {
    let mut tx = begin_write(pool).await?;
    let result =
        sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1").bind(id).bind(now).execute(&mut *tx).await?;
    end_sessions_and_tokens(&mut tx, id).await?;
    tx.commit().await?;
    Ok(result.rows_affected() == 1)
}

/// Ends every session, API token and open reset link of the account, in the caller's
/// transaction.
pub(super) async fn end_sessions_and_tokens(tx: &mut sqlx::Transaction<'_, Any>, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut **tx).await?;
    sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(id).execute(&mut **tx).await?;
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Makes the account an admin or a member; false when there is no such user.
pub async fn set_role(pool: &AnyPool, id: i64, role: Role) -> sqlx::Result<bool> {
    let result =
        sqlx::query("UPDATE users SET role = $2 WHERE id = $1").bind(id).bind(role.as_str()).execute(pool).await?;
    Ok(result.rows_affected() == 1)
}

/// Records the zone the person chose for times on pages (`None`: their browser's).
pub async fn set_time_zone(pool: &AnyPool, id: i64, time_zone: Option<&str>) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET time_zone = $2 WHERE id = $1").bind(id).bind(time_zone).execute(pool).await?;
    Ok(())
}

/// Starts deleting the account: marks it (once; a second call keeps the first time), disables
/// it, and ends its sessions, API tokens and reset links, in one transaction, so nothing new
/// can be made as the member while the services remove what was theirs. False when there is no
/// such user.
pub async fn begin_deletion(pool: &AnyPool, id: i64, now: i64) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let result = sqlx::query(
        "UPDATE users SET deleting_at = COALESCE(deleting_at, $2), disabled_at = COALESCE(disabled_at, $2) \
         WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    end_sessions_and_tokens(&mut tx, id).await?;
    tx.commit().await?;
    Ok(result.rows_affected() == 1)
}

/// Deletes the account for good, with the invites it made or used (their history goes with
/// it); its sessions, API tokens and reset links go by cascade. False when there is no such
/// user.
pub async fn delete(pool: &AnyPool, id: i64) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM invites WHERE created_by = $1 OR used_by = $1").bind(id).execute(&mut *tx).await?;
    let result = sqlx::query("DELETE FROM users WHERE id = $1").bind(id).execute(&mut *tx).await?;
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
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
