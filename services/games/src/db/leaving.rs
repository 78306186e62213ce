//! Forgetting a member whose account was deleted (ADR 0053), once their servers are gone.

use sqlx::AnyPool;

/// Deletes the member's quota and their row in `members`, in one transaction.
pub async fn forget(pool: &AnyPool, user_id: i64) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM quotas WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM members WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    tx.commit().await
}
