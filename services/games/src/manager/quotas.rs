//! Per-member quotas: servers running at once and their memory together. Admins set them and
//! have none themselves.

use hearth_shared::db::unix_now;
use hearth_shared::{AppError, AppResult, Identity};

use super::Manager;
use crate::config::Quota;
use crate::db::quotas;

impl Manager {
    /// A member's quota: the one an admin set, or the default.
    ///
    /// # Errors
    /// The database failed.
    pub async fn quota(&self, user_id: i64) -> AppResult<Quota> {
        Ok(match quotas::of(self.pool(), user_id).await? {
            Some((max_running, max_memory_mb)) => Quota {
                max_running: u32::try_from(max_running).unwrap_or(0),
                max_memory_mb: u32::try_from(max_memory_mb).unwrap_or(0),
            },
            None => self.inner.config.default_quota,
        })
    }

    /// Sets a member's quota (admins only).
    ///
    /// # Errors
    /// Not an admin; the database failed.
    pub async fn set_quota(&self, admin: &Identity, user_id: i64, quota: Quota) -> AppResult<Quota> {
        admin.require_admin()?;
        quotas::set(self.pool(), user_id, i64::from(quota.max_running), i64::from(quota.max_memory_mb), unix_now())
            .await?;
        Ok(quota)
    }

    /// Refuses to run one more server (`except` aside) of `owner` with `memory_mb` beyond the
    /// owner's quota. Admins have none.
    pub(super) async fn check_quota(&self, user: &Identity, owner: i64, except: i64, memory_mb: i64) -> AppResult<()> {
        if user.is_admin() {
            return Ok(());
        }
        let quota = self.quota(owner).await?;
        let (running, memory) = quotas::in_use(self.pool(), owner, except).await?;
        if running >= i64::from(quota.max_running) {
            return Err(AppError::Forbidden(format!(
                "You may run {} servers at once and {running} are running; stop one first, or ask a family \
                 admin for a bigger quota.",
                quota.max_running
            )));
        }
        if memory + memory_mb > i64::from(quota.max_memory_mb) {
            return Err(AppError::Forbidden(format!(
                "Your servers may use {} MiB together; {memory} MiB are in use and this one needs {memory_mb}. \
                 Lower its memory limit, stop another server, or ask a family admin.",
                quota.max_memory_mb
            )));
        }
        Ok(())
    }
}
