//! The `members` table: who has used the games service, and each member's quota and usage
//! for the quotas page.

use hearth_shared::Identity;
use sqlx::AnyPool;

/// Remembers `user` as the portal names them now.
pub async fn seen(pool: &AnyPool, user: &Identity, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO members (user_id, username, display_name, role, seen_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id) DO UPDATE SET username = $2, display_name = $3, role = $4, seen_at = $5",
    )
    .bind(user.user_id)
    .bind(&user.username)
    .bind(&user.display_name)
    .bind(user.role.as_str())
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Each member's name as the portal last gave it (for the owners of servers).
pub async fn display_names(pool: &AnyPool) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT user_id, display_name FROM members").fetch_all(pool).await
}

/// One member's name as the portal last gave it.
pub async fn display_name(pool: &AnyPool, user_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT display_name FROM members WHERE user_id = $1").bind(user_id).fetch_optional(pool).await
}

/// A member (not an admin), the quota an admin set for them if any, and what their servers
/// hold against it.
#[derive(Debug, sqlx::FromRow)]
pub struct MemberQuotaRow {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub max_running: Option<i64>,
    pub max_memory_mb: Option<i64>,
    pub running: i64,
    pub memory_mb: i64,
}

/// Every member who is not an admin, by name, with their quota and usage (counted as
/// [`super::quotas::in_use`] does).
pub async fn with_quotas(pool: &AnyPool) -> sqlx::Result<Vec<MemberQuotaRow>> {
    sqlx::query_as(
        "SELECT m.user_id, m.username, m.display_name, q.max_running, q.max_memory_mb, \
         CAST(COUNT(s.id) AS BIGINT) AS running, CAST(COALESCE(SUM(s.memory_mb), 0) AS BIGINT) AS memory_mb \
         FROM members m \
         LEFT JOIN quotas q ON q.user_id = m.user_id \
         LEFT JOIN servers s ON s.owner_id = m.user_id AND s.desired = 'running' AND s.state <> 'crashed' \
         WHERE m.role = 'member' \
         GROUP BY m.user_id, m.username, m.display_name, q.max_running, q.max_memory_mb \
         ORDER BY m.display_name, m.user_id",
    )
    .fetch_all(pool)
    .await
}
