//! A member's account being deleted (ADR 0053): what the tracker holds of them, and what
//! happens to it. Issues, comments, attachments and history stay, shown under their name as a
//! former member ("Kid (former member)"); issues still being worked on that are assigned to
//! them become unassigned; their saved views, notifications, follows and email address go.
//! The portal asks through the API
//! (`/bugs/api/members/{id}/removal`) or, in the all-in-one process, calls these directly.

use hearth_shared::db::unix_now;
use hearth_shared::{AppError, AppResult, Identity};
use serde::Serialize;
use utoipa::ToSchema;

use super::Tracker;
use crate::db::members::{self, MemberHoldings};

/// What the tracker says about a member's part: sentences for the admin (the portal shows
/// them), and the counts they are made from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberRemoval {
    pub summary: Vec<String>,
    pub holdings: MemberHoldings,
}

impl Tracker {
    /// What the member holds here and what deleting their account does with it.
    ///
    /// # Errors
    /// Not an admin; the admin's own id.
    pub async fn member_removal_plan(&self, admin: &Identity, member_id: i64) -> AppResult<MemberRemoval> {
        admin.require_admin()?;
        if member_id == admin.user_id {
            return Err(AppError::Invalid("An admin cannot remove themselves from the tracker.".to_owned()));
        }
        let holdings = members::holdings(self.db.pool(), member_id).await?;
        Ok(MemberRemoval { summary: summary(&holdings), holdings })
    }

    /// Leaves the member's issues in place as [`Tracker::member_removal_plan`] says; calling
    /// it again finds nothing left to do.
    ///
    /// # Errors
    /// Not an admin; the admin's own id; the database failed.
    pub async fn remove_member(&self, admin: &Identity, member_id: i64) -> AppResult<MemberRemoval> {
        let plan = self.member_removal_plan(admin, member_id).await?;
        self.remember(admin).await?;
        if let Some(name) = &plan.holdings.display_name {
            members::leave(self.db.pool(), member_id, admin.user_id, &former(name), unix_now()).await?;
        }
        tracing::info!(member_id, by = admin.user_id, holdings = ?plan.holdings, "member left the tracker");
        Ok(plan)
    }
}

/// How a former member is named: "Kid (former member)", once.
fn former(name: &str) -> String {
    if name.ends_with(FORMER) { name.to_owned() } else { format!("{name}{FORMER}") }
}

const FORMER: &str = " (former member)";

/// The sentences the admin reads, before and after: in the present tense.
fn summary(holdings: &MemberHoldings) -> Vec<String> {
    let Some(name) = &holdings.display_name else {
        return vec!["They never used the tracker: nothing here is theirs.".to_owned()];
    };
    let counted = |n: i64, one: &str, many: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {many}") };
    let mut lines = vec![format!(
        "{} and {} stay, shown as {}.",
        counted(holdings.reported, "issue they reported", "issues they reported"),
        counted(holdings.comments, "comment", "comments"),
        former(name)
    )];
    if holdings.assigned > 0 {
        let issues =
            counted(holdings.assigned, "open issue assigned to them becomes", "open issues assigned to them become");
        lines.push(format!("{issues} unassigned."));
    }
    if holdings.views > 0 {
        lines.push(format!("{} deleted.", counted(holdings.views, "saved view is", "saved views are")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_what_stays_and_what_goes() {
        let holdings =
            MemberHoldings { display_name: Some("Kid".to_owned()), reported: 3, comments: 1, assigned: 1, views: 0 };
        assert_eq!(
            summary(&holdings),
            [
                "3 issues they reported and 1 comment stay, shown as Kid (former member).",
                "1 open issue assigned to them becomes unassigned."
            ]
        );
        assert_eq!(former("Kid (former member)"), "Kid (former member)");
        assert_eq!(summary(&MemberHoldings::default()), ["They never used the tracker: nothing here is theirs."]);
    }
}
