//! Password reset links (ADR 0054): an admin makes a one-time link for a member who forgot
//! their password; the member opens it, picks a new password and is signed in, and every
//! other session and API token of theirs ends.

use hearth_shared::db::unix_now;
use hearth_shared::passwords::Password;
use hearth_shared::tokens::{hash_token, random_token};
use hearth_shared::{AppError, AppResult, Identity};

use super::{Accounts, ClientInfo, NewSession, short_id};
use crate::db::password_resets::{self, PasswordResetRow};
use crate::db::users::{self, UserRow};

/// How long a reset link can be used: long enough to reach a child by message, short enough
/// that a forgotten one is not a way in for weeks.
pub const RESET_LIFETIME_SECS: i64 = 24 * 3600;

/// A reset link that can be used, and whose password it sets.
#[derive(Debug)]
pub struct OpenReset {
    pub reset: PasswordResetRow,
    pub user: UserRow,
}

impl Accounts {
    /// Makes a one-time link that lets the member choose a new password; an older unused link
    /// of theirs stops working. Their sessions go on until the link is used.
    ///
    /// # Errors
    /// Not an admin; the admin's own account (changed on the account page); no such account;
    /// a disabled account or one being deleted.
    pub async fn create_password_reset(&self, admin: &Identity, user_id: i64) -> AppResult<(String, OpenReset)> {
        admin.require_admin()?;
        if user_id == admin.user_id {
            return Err(AppError::Invalid(
                "Change your own password on your account page; it asks for the current one.".to_owned(),
            ));
        }
        let user = self.existing(user_id).await?;
        if user.disabled_at.is_some() {
            return Err(AppError::Conflict(format!(
                "{} is disabled. Enable the account first, then make a reset link.",
                user.display_name
            )));
        }
        let token = random_token();
        let now = unix_now();
        let reset = PasswordResetRow {
            id: short_id(),
            user_id,
            created_by: admin.user_id,
            created_at: now,
            expires_at: now + RESET_LIFETIME_SECS,
            used_at: None,
        };
        password_resets::replace(self.db.pool(), &reset, &hash_token(&token)).await?;
        tracing::info!(user_id, reset = reset.id, by = admin.user_id, "password reset link made");
        Ok((token, OpenReset { reset, user }))
    }

    /// The reset link behind a token, if it can still be used.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown link, [`AppError::Gone`] for a used, expired or
    /// replaced one, or one whose account has since been disabled.
    pub async fn open_password_reset(&self, token: &str) -> AppResult<OpenReset> {
        let reset = password_resets::by_token(self.db.pool(), &hash_token(token)).await?.ok_or_else(|| {
            AppError::NotFound(
                "This password reset link is not valid: it may have been replaced by a newer one. Check that you \
                 copied all of it, or ask a family admin for a new one."
                    .to_owned(),
            )
        })?;
        if reset.used_at.is_some() {
            return Err(AppError::Gone(
                "This password reset link has already been used. Log in with the new password, or ask a family admin \
                 for a new link."
                    .to_owned(),
            ));
        }
        if reset.expires_at <= unix_now() {
            return Err(AppError::Gone(
                "This password reset link has expired. Ask a family admin for a new one.".to_owned(),
            ));
        }
        let user = users::by_id(self.db.pool(), reset.user_id)
            .await?
            .filter(|u| u.disabled_at.is_none())
            .ok_or_else(|| AppError::Gone("This account is disabled. Ask a family admin to enable it.".to_owned()))?;
        Ok(OpenReset { reset, user })
    }

    /// Sets the new password the link allows, ends every session and API token of the account
    /// (whoever knew the old password is out), uses the link up and signs the member in.
    ///
    /// # Errors
    /// The link cannot be used (see [`Accounts::open_password_reset`]), or the new password
    /// breaks the rule.
    pub async fn use_password_reset(&self, token: &str, new: &str, client: &ClientInfo) -> AppResult<NewSession> {
        let OpenReset { reset, user } = self.open_password_reset(token).await?;
        let hash = Password::parse(new)?.hash().await?;
        if !password_resets::redeem(self.db.pool(), &reset, &hash.0, unix_now()).await? {
            return Err(AppError::Gone("This password reset link has just been used. Ask for a new one.".to_owned()));
        }
        tracing::info!(user_id = user.id, reset = reset.id, "password reset; sessions ended, API tokens revoked");
        self.open_session(user.id, client).await
    }

    /// Unused reset links, for the admin page.
    ///
    /// # Errors
    /// Not an admin, or database failure.
    pub async fn open_password_resets(&self, admin: &Identity) -> AppResult<Vec<PasswordResetRow>> {
        admin.require_admin()?;
        Ok(password_resets::list_open(self.db.pool(), unix_now()).await?)
    }

    /// Withdraws an unused reset link.
    ///
    /// # Errors
    /// Not an admin, no such open link, or database failure.
    pub async fn revoke_password_reset(&self, admin: &Identity, id: &str) -> AppResult<()> {
        admin.require_admin()?;
        if password_resets::delete_open(self.db.pool(), id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound("There is no open password reset link with that id.".to_owned()))
        }
    }
}
