//! Deleting a member in the all-in-one process (ADR 0053): the portal asks each service's own
//! use cases directly, as the services ask the portal's accounts who is logged in. A service
//! running alone answers the same questions over HTTP instead (`hearth_portal::members`).

use std::sync::Arc;

use async_trait::async_trait;
use hearth_portal::members::{Caller, MemberRemoval};

/// The photos service, asked in-process.
struct Photos(hearth_photos::AppState);

#[async_trait]
impl MemberRemoval for Photos {
    fn service(&self) -> &'static str {
        "Photos"
    }

    async fn plan(&self, caller: Caller<'_>, member_id: i64) -> anyhow::Result<Vec<String>> {
        Ok(self.0.library.member_removal_plan(caller.identity, member_id).await?.summary)
    }

    async fn remove(&self, caller: Caller<'_>, member_id: i64) -> anyhow::Result<Vec<String>> {
        Ok(self.0.library.remove_member(caller.identity, member_id).await?.summary)
    }
}

/// The bug tracker, asked in-process.
struct Bugs(hearth_bugs::AppState);

#[async_trait]
impl MemberRemoval for Bugs {
    fn service(&self) -> &'static str {
        "Bugs"
    }

    async fn plan(&self, caller: Caller<'_>, member_id: i64) -> anyhow::Result<Vec<String>> {
        Ok(self.0.tracker.member_removal_plan(caller.identity, member_id).await?.summary)
    }

    async fn remove(&self, caller: Caller<'_>, member_id: i64) -> anyhow::Result<Vec<String>> {
        Ok(self.0.tracker.remove_member(caller.identity, member_id).await?.summary)
    }
}

/// The games service, asked in-process.
struct Games(hearth_games::AppState);

#[async_trait]
impl MemberRemoval for Games {
    fn service(&self) -> &'static str {
        "Games"
    }

    async fn plan(&self, caller: Caller<'_>, member_id: i64) -> anyhow::Result<Vec<String>> {
        Ok(self.0.manager.member_removal_plan(caller.identity, member_id).await?.summary)
    }

    async fn remove(&self, caller: Caller<'_>, member_id: i64) -> anyhow::Result<Vec<String>> {
        Ok(self.0.manager.remove_member(caller.identity, member_id).await?.summary)
    }
}

/// The services of the all-in-one process, for the portal to delete members in.
#[must_use]
pub fn in_process(
    photos: &hearth_photos::AppState,
    bugs: &hearth_bugs::AppState,
    games: &hearth_games::AppState,
) -> Vec<Arc<dyn MemberRemoval>> {
    vec![Arc::new(Photos(photos.clone())), Arc::new(Bugs(bugs.clone())), Arc::new(Games(games.clone()))]
}
