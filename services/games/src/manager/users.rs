//! Each server's own user, when the manager runs as root: a user id from `HEARTH_GAMES_UIDS`
//! that no other server holds and no account or group of the machine uses, given at launch
//! (or at the first start of a server made before servers had their own), with a group of
//! the same number. One game can then neither read nor change another's world.

use hearth_shared::{AppError, AppResult};

use super::Manager;
use crate::db::servers::{self, ServerRow};
use crate::runtime::GameUser;

impl Manager {
    /// The user `row`'s game runs as: `None` when the manager is not root (games then run as
    /// the manager). Gives the server one first if it has none, or one outside the range.
    ///
    /// # Errors
    /// Every id of the range is taken ([`AppError::Conflict`], with what to change); the
    /// database failed.
    pub(super) async fn game_user(&self, row: &ServerRow) -> AppResult<Option<GameUser>> {
        if !rustix::process::getuid().is_root() {
            return Ok(None);
        }
        let range = &self.inner.config.uids;
        let held = row.uid.and_then(|uid| u32::try_from(uid).ok()).filter(|uid| range.contains(uid));
        let uid = match held {
            Some(uid) => uid,
            None => {
                let _one_at_a_time = self.inner.allocating.lock().await;
                let uid = self.free_uid().await?;
                servers::set_uid(self.pool(), row.id, i64::from(uid)).await?;
                uid
            }
        };
        Ok(Some(GameUser { uid, gid: uid }))
    }

    /// The user of the server `id`'s game (see [`Self::game_user`]).
    ///
    /// # Errors
    /// No such server; every id is taken; the database failed.
    pub(super) async fn user_of(&self, id: i64) -> AppResult<Option<GameUser>> {
        let row = servers::by_id(self.pool(), id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("There is no game server {id}.")))?;
        self.game_user(&row).await
    }

    /// The lowest id of the range no server holds and no account or group uses, for a new
    /// server (`None` when not root). The caller holds the allocation lock.
    ///
    /// # Errors
    /// Every id is taken; the database failed.
    pub(super) async fn free_uid_if_root(&self) -> AppResult<Option<i64>> {
        if rustix::process::getuid().is_root() { Ok(Some(i64::from(self.free_uid().await?))) } else { Ok(None) }
    }

    async fn free_uid(&self) -> AppResult<u32> {
        let held: Vec<i64> = servers::all_uids(self.pool()).await?;
        let accounts = ids_of_accounts();
        let range = self.inner.config.uids.clone();
        let (first, last) = (*range.start(), *range.end());
        range.into_iter().find(|uid| !held.contains(&i64::from(*uid)) && !accounts.contains(uid)).ok_or_else(|| {
            AppError::Conflict(format!(
                "Every user id for game servers ({first}-{last}) is taken; delete a server or ask the family admin to \
                 widen HEARTH_GAMES_UIDS."
            ))
        })
    }
}

/// The user ids of `/etc/passwd` and the group ids of `/etc/group` (the third field of each
/// line): ids a server must never be given.
fn ids_of_accounts() -> Vec<u32> {
    ["/etc/passwd", "/etc/group"]
        .iter()
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .flat_map(|text| text.lines().filter_map(|line| line.split(':').nth(2)?.parse().ok()).collect::<Vec<u32>>())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_machines_own_accounts_are_known() {
        let ids = super::ids_of_accounts();
        assert!(ids.contains(&0), "root is an account: {ids:?}");
    }
}
