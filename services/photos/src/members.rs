//! A member's account being deleted (ADR 0053): what photos holds of them, and what happens to
//! it. What the family sees stays and becomes the deleting admin's (their albums too, in the
//! same order); what was private to the member, and their trash, is deleted with its bytes;
//! their share links stop. The portal asks through the API (`/photos/api/members/{id}/removal`)
//! or, in the all-in-one process, calls these directly.

use hearth_shared::db::unix_now;
use hearth_shared::{AppError, AppResult, Identity};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::members::{self, MemberHoldings};
use crate::library::Library;

/// What photos says about a member's part: sentences for the admin (the portal shows them),
/// and the counts they are made from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberRemoval {
    pub summary: Vec<String>,
    pub holdings: MemberHoldings,
}

impl Library {
    /// What the member holds here and what deleting their account does with it.
    ///
    /// # Errors
    /// Not an admin; the admin's own id.
    pub async fn member_removal_plan(&self, admin: &Identity, member_id: i64) -> AppResult<MemberRemoval> {
        removable(admin, member_id)?;
        let holdings = members::holdings(self.db.pool(), member_id, unix_now()).await?;
        Ok(MemberRemoval { summary: summary(&holdings, &admin.display_name), holdings })
    }

    /// Hands the member's photos over as [`Library::member_removal_plan`] says; calling it
    /// again finds nothing left.
    ///
    /// # Errors
    /// Not an admin; the admin's own id; the database or the blob store failed.
    pub async fn remove_member(&self, admin: &Identity, member_id: i64) -> AppResult<MemberRemoval> {
        let plan = self.member_removal_plan(admin, member_id).await?;
        let deleted = members::hand_over(self.db.pool(), member_id, admin.user_id).await?;
        for sha256 in &deleted {
            self.delete_unused_blob(sha256).await?;
        }
        tracing::info!(member_id, by = admin.user_id, holdings = ?plan.holdings, "member's photos handed over");
        Ok(plan)
    }
}

fn removable(admin: &Identity, member_id: i64) -> AppResult<()> {
    admin.require_admin()?;
    if member_id == admin.user_id {
        return Err(AppError::Invalid("An admin cannot hand their own photos over to themselves.".to_owned()));
    }
    Ok(())
}

/// The sentences the admin reads, before and after: in the present tense.
fn summary(holdings: &MemberHoldings, admin_name: &str) -> Vec<String> {
    let counted = |n: i64, one: &str, many: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {many}") };
    let mut lines = Vec::new();
    if holdings.family_items > 0 {
        let items = counted(
            holdings.family_items,
            "photo or file the family sees stays",
            "photos and files the family sees stay",
        );
        lines.push(format!("{items}, now {admin_name}'s."));
    }
    if holdings.private_items > 0 {
        let items = counted(
            holdings.private_items,
            "private or trashed photo or file is",
            "private or trashed photos and files are",
        );
        lines.push(format!("{items} deleted."));
    }
    if holdings.family_albums > 0 {
        let albums = counted(holdings.family_albums, "family album stays", "family albums stay");
        lines.push(format!("{albums}, now {admin_name}'s."));
    }
    if holdings.private_albums > 0 {
        lines.push(format!("{} deleted.", counted(holdings.private_albums, "private album is", "private albums are")));
    }
    if holdings.live_links > 0 {
        let links = counted(holdings.live_links, "share link stops", "share links stop");
        lines.push(format!("{links} working: guests can no longer open them."));
    }
    if lines.is_empty() {
        lines.push("Nothing here is theirs.".to_owned());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_what_stays_and_what_goes() {
        let holdings =
            MemberHoldings { family_items: 12, private_items: 1, family_albums: 1, private_albums: 0, live_links: 2 };
        assert_eq!(
            summary(&holdings, "Mum"),
            [
                "12 photos and files the family sees stay, now Mum's.",
                "1 private or trashed photo or file is deleted.",
                "1 family album stays, now Mum's.",
                "2 share links stop working: guests can no longer open them.",
            ]
        );
        assert_eq!(summary(&MemberHoldings::default(), "Mum"), ["Nothing here is theirs."]);
    }
}
