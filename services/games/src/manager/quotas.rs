//! Per-member quotas: servers running at once and their memory together. Admins set them and
//! have none themselves; the members the service has seen are listed with theirs.

use hearth_shared::db::unix_now;
use hearth_shared::{AppError, AppResult, Identity};

use super::Manager;
use crate::db::{members, quotas};
use crate::domain::Quota;

/// A member, their quota, and what their servers hold against it now.
#[derive(Debug, Clone)]
pub struct MemberQuota {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub quota: Quota,
    /// True when no admin has set one and the configured default applies.
    pub is_default: bool,
    pub running: i64,
    pub memory_mb: i64,
}

impl Manager {
    /// A member's quota: the one an admin set, or the default.
    ///
    /// # Errors
    /// The database failed.
    pub async fn quota(&self, user_id: i64) -> AppResult<Quota> {
        Ok(quotas::of(self.pool(), user_id).await?.map_or(self.inner.config.default_quota, stored))
    }

    /// Remembers `user` as a member of the family who uses the games service, for the
    /// quotas page. Writes only the first time in this process and when the portal's name or
    /// role for them changed, not on every page view.
    ///
    /// # Errors
    /// The database failed.
    pub async fn remember_member(&self, user: &Identity) -> AppResult<()> {
        if self.inner.remembered.is_current(user) {
            return Ok(());
        }
        members::seen(self.pool(), user, unix_now()).await?;
        self.inner.remembered.copied(user);
        Ok(())
    }

    /// Every member the service has seen (admins aside, who have no quota), with their quota
    /// and usage (admins only).
    ///
    /// # Errors
    /// Not an admin; the database failed.
    pub async fn member_quotas(&self, admin: &Identity) -> AppResult<Vec<MemberQuota>> {
        if !admin.is_admin() {
            return Err(AppError::Forbidden(
                "Only a family admin can see and set members' quotas. Ask one if you need more room.".to_owned(),
            ));
        }
        let default = self.inner.config.default_quota;
        let rows = members::with_quotas(self.pool()).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let set = row.max_running.zip(row.max_memory_mb).map(stored);
                MemberQuota {
                    user_id: row.user_id,
                    username: row.username,
                    display_name: row.display_name,
                    quota: set.unwrap_or(default),
                    is_default: set.is_none(),
                    running: row.running,
                    memory_mb: row.memory_mb,
                }
            })
            .collect())
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

/// A quota read back from the database (checked when it was set).
fn stored((max_running, max_memory_mb): (i64, i64)) -> Quota {
    Quota {
        max_running: u32::try_from(max_running).unwrap_or(0),
        max_memory_mb: u32::try_from(max_memory_mb).unwrap_or(0),
    }
}
