//! A member's account being deleted (ADR 0053): their game servers are stopped and deleted
//! with their worlds and backups (nobody else can manage them, and a world left without its
//! server could not be found again), and games forgets them and their quota. The plan names
//! each server, so the admin can download a backup first. The portal asks through the API
//! (`/games/api/members/{id}/removal`) or, in the all-in-one process, calls these directly.

use hearth_shared::{AppError, AppResult, Identity};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Manager, Server};
use crate::db::{leaving, servers};

/// One of the member's servers, as the plan names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberServer {
    pub id: i64,
    pub name: String,
    pub game_title: String,
    pub running: bool,
    pub backups: usize,
}

/// What games says about a member's part: sentences for the admin (the portal shows them),
/// and the servers they are about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberRemoval {
    pub summary: Vec<String>,
    pub servers: Vec<MemberServer>,
}

impl Manager {
    /// The member's servers and what deleting their account does with them.
    ///
    /// # Errors
    /// Not an admin; the admin's own id; the database failed.
    pub async fn member_removal_plan(&self, admin: &Identity, member_id: i64) -> AppResult<MemberRemoval> {
        admin.require_admin()?;
        if member_id == admin.user_id {
            return Err(AppError::Invalid("An admin cannot remove their own game servers this way.".to_owned()));
        }
        let mut owned = Vec::new();
        for row in servers::list(self.pool(), Some(member_id)).await? {
            let server = Server::from_row(row, &self.inner.catalog);
            let backups = self.backups(admin, server.id).await?.len();
            owned.push(MemberServer {
                id: server.id,
                running: server.state.is_active(),
                name: server.name,
                game_title: server.game_title,
                backups,
            });
        }
        Ok(MemberRemoval { summary: summary(&owned), servers: owned })
    }

    /// Stops and deletes the member's servers with their worlds and backups, then forgets the
    /// member; calling it again finds nothing left.
    ///
    /// # Errors
    /// Not an admin; the admin's own id; a server that does not stop; the database or a
    /// folder failed (what was deleted stays deleted).
    pub async fn remove_member(&self, admin: &Identity, member_id: i64) -> AppResult<MemberRemoval> {
        let plan = self.member_removal_plan(admin, member_id).await?;
        for server in &plan.servers {
            self.delete(admin, server.id, true).await?;
        }
        leaving::forget(self.pool(), member_id).await?;
        tracing::info!(member_id, by = admin.user_id, servers = plan.servers.len(), "member's game servers deleted");
        Ok(plan)
    }
}

/// The sentences the admin reads, before and after: in the present tense.
fn summary(servers: &[MemberServer]) -> Vec<String> {
    if servers.is_empty() {
        return vec!["They have no game servers.".to_owned()];
    }
    let mut lines: Vec<String> = servers
        .iter()
        .map(|s| {
            let backups = match s.backups {
                0 => "its world".to_owned(),
                1 => "its world and its backup".to_owned(),
                n => format!("its world and {n} backups"),
            };
            let stopped = if s.running { "stopped and deleted" } else { "deleted" };
            format!("The {} server \u{201c}{}\u{201d} is {stopped}, with {backups}.", s.game_title, s.name)
        })
        .collect();
    lines.push("To keep a world, download a backup of it from its page first.".to_owned());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_each_server_and_how_to_keep_a_world() {
        let servers = [MemberServer {
            id: 1,
            name: "Kid's world".to_owned(),
            game_title: "Minetest".to_owned(),
            running: true,
            backups: 2,
        }];
        assert_eq!(
            summary(&servers),
            [
                "The Minetest server \u{201c}Kid's world\u{201d} is stopped and deleted, with its world and 2 backups.",
                "To keep a world, download a backup of it from its page first.",
            ]
        );
        assert_eq!(summary(&[]), ["They have no game servers."]);
    }
}
