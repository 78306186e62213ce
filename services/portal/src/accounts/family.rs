//! An admin helping the family: changing someone's role, and deleting an account with what
//! was theirs in every service (ADR 0053). The plan is shown before the admin confirms; the
//! deletion disables the account first, has each service remove its part, and deletes the
//! account only when every service has, so a service that did not answer can be asked again.

use hearth_shared::db::unix_now;
use hearth_shared::{AppError, AppResult, Identity, Role};

use super::Accounts;
use crate::config::SERVICES;
use crate::db::users::{self, UserRow};
use crate::members::Caller;

/// What one service said, or why it said nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceAnswer {
    /// Its sentences for the admin.
    Said(Vec<String>),
    /// It could not be asked, refused, or failed part way; the reason.
    Failed(String),
    /// This portal does not know where the service is (a portal running alone without its
    /// `HEARTH_<SERVICE>_URL`): nothing is removed there.
    NotConnected { setting: &'static str },
}

/// One service's part in deleting a member.
#[derive(Debug, Clone)]
pub struct ServicePart {
    pub service: &'static str,
    pub answer: ServiceAnswer,
}

/// What deleting an account does (before), or did (after).
#[derive(Debug, Clone)]
pub struct Deletion {
    pub member: UserRow,
    /// The portal's own part: the account, its sessions and tokens.
    pub portal: Vec<String>,
    pub services: Vec<ServicePart>,
    /// After a deletion: whether the account is gone (every service did its part).
    pub finished: bool,
}

impl Deletion {
    /// The services that failed, by name.
    #[must_use]
    pub fn failed(&self) -> Vec<&'static str> {
        self.services.iter().filter(|p| matches!(p.answer, ServiceAnswer::Failed(_))).map(|p| p.service).collect()
    }
}

/// Which of the two calls to make.
#[derive(Clone, Copy)]
enum Step {
    Plan,
    Remove,
}

impl Accounts {
    /// Makes the account an admin or a member. Admins cannot change their own role, so there
    /// is always an admin left.
    ///
    /// # Errors
    /// Not an admin; the admin's own account; no such account; one being deleted.
    pub async fn set_role(&self, admin: &Identity, user_id: i64, role: Role) -> AppResult<UserRow> {
        admin.require_admin()?;
        if user_id == admin.user_id {
            return Err(AppError::Invalid("You cannot change your own role: ask another admin.".to_owned()));
        }
        let user = self.existing(user_id).await?;
        if user.deleting_at.is_some() {
            return Err(AppError::Conflict("This account is being deleted.".to_owned()));
        }
        users::set_role(self.db.pool(), user_id, role).await?;
        tracing::info!(user_id, role = role.as_str(), by = admin.user_id, "role changed");
        self.existing(user_id).await
    }

    /// What deleting the account would do: the portal's part, and each service's answer.
    ///
    /// # Errors
    /// Not an admin; the admin's own account; no such account.
    pub async fn deletion_plan(&self, admin: Caller<'_>, user_id: i64) -> AppResult<Deletion> {
        let member = self.deletable(admin.identity, user_id).await?;
        let (sessions, tokens) = self.sessions_and_tokens(user_id).await?;
        let portal = vec![
            format!(
                "The account {} ({}) is deleted: nobody can log in with it again, and the username becomes free.",
                member.display_name, member.username
            ),
            capitalised(&format!(
                "{} and {} end now.",
                count(sessions, "session", "sessions"),
                count(tokens, "API token", "API tokens")
            )),
        ];
        let services = self.ask_services(admin, user_id, Step::Plan).await;
        Ok(Deletion { member, portal, services, finished: false })
    }

    /// Deletes the account: disables it (ending its sessions and tokens), has every service
    /// remove what was the member's, then deletes the account. When a service fails the
    /// account stays disabled and marked as being deleted; calling this again finishes it.
    ///
    /// # Errors
    /// Not an admin; the admin's own account; no such account; database failure.
    pub async fn delete_account(&self, admin: Caller<'_>, user_id: i64) -> AppResult<Deletion> {
        let member = self.deletable(admin.identity, user_id).await?;
        users::begin_deletion(self.db.pool(), user_id, unix_now()).await?;
        let services = self.ask_services(admin, user_id, Step::Remove).await;
        let mut deletion = Deletion {
            portal: vec![format!("The account {} ({}) is deleted.", member.display_name, member.username)],
            member,
            services,
            finished: false,
        };
        let failed = deletion.failed();
        if failed.is_empty() {
            users::delete(self.db.pool(), user_id).await?;
            deletion.finished = true;
            tracing::info!(user_id, by = admin.identity.user_id, "account deleted");
        } else {
            deletion.portal = vec![format!(
                "The account {} is disabled, and is deleted once {} finished.",
                deletion.member.display_name,
                failed.join(" and ")
            )];
            tracing::warn!(user_id, ?failed, "account deletion waits for services");
        }
        Ok(deletion)
    }

    async fn deletable(&self, admin: &Identity, user_id: i64) -> AppResult<UserRow> {
        admin.require_admin()?;
        if user_id == admin.user_id {
            return Err(AppError::Invalid(
                "You cannot delete your own account. Another admin can, once you have made one.".to_owned(),
            ));
        }
        self.existing(user_id).await
    }

    /// Asks every service Hearth has, all at once; one that fails does not stop the others.
    async fn ask_services(&self, admin: Caller<'_>, user_id: i64, step: Step) -> Vec<ServicePart> {
        let asked = SERVICES.map(|(service, _, setting)| async move {
            let Some(connected) = self.services.iter().find(|s| s.service() == service) else {
                return ServicePart { service, answer: ServiceAnswer::NotConnected { setting } };
            };
            let answer = match step {
                Step::Plan => connected.plan(admin, user_id).await,
                Step::Remove => connected.remove(admin, user_id).await,
            };
            let answer = answer.map_or_else(
                |e| {
                    tracing::warn!(service, user_id, error = %format!("{e:#}"), "a service could not say or remove a member's part");
                    ServiceAnswer::Failed(format!("{e:#}"))
                },
                ServiceAnswer::Said,
            );
            ServicePart { service, answer }
        });
        futures_util::future::join_all(asked).await
    }
}

/// `1 session`, `3 sessions`, `no sessions`.
fn count(n: i64, one: &str, many: &str) -> String {
    match n {
        0 => format!("no {many}"),
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

fn capitalised(sentence: &str) -> String {
    let mut chars = sentence.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
