//! A person's own devices and preferences: signing out everywhere else, and the time zone
//! the times on pages are shown in (ADR 0055).

use hearth_shared::db::unix_now;
use hearth_shared::tokens::hash_token;
use hearth_shared::{AppError, AppResult, Identity};

use super::Accounts;
use crate::db::{sessions, users};
use crate::domain::TimeZoneName;

impl Accounts {
    /// Ends every session of the user but the one making the request; how many ended. (API
    /// tokens stay: they are revoked one by one.)
    ///
    /// # Errors
    /// Database failure.
    pub async fn sign_out_everywhere_else(&self, user: &Identity, current_token: &str) -> AppResult<u64> {
        let ended = sessions::delete_others(self.db.pool(), user.user_id, &hash_token(current_token)).await?;
        tracing::info!(user_id = user.user_id, ended, "signed out everywhere else");
        Ok(ended)
    }

    /// The zone the user chose for times on pages; `None`: their browser's.
    ///
    /// # Errors
    /// Database failure, or the account is gone.
    pub async fn time_zone(&self, user: &Identity) -> AppResult<Option<String>> {
        let row = users::by_id(self.db.pool(), user.user_id).await?.ok_or(AppError::Unauthenticated)?;
        Ok(row.time_zone)
    }

    /// Sets the zone for times on pages; an empty value goes back to the browser's.
    ///
    /// # Errors
    /// A value that is not a zone name, or database failure.
    pub async fn set_time_zone(&self, user: &Identity, raw: &str) -> AppResult<Option<TimeZoneName>> {
        let zone = TimeZoneName::parse(raw)?;
        users::set_time_zone(self.db.pool(), user.user_id, zone.as_ref().map(TimeZoneName::as_str)).await?;
        Ok(zone)
    }

    /// How many live sessions and API tokens the user has.
    pub(super) async fn sessions_and_tokens(&self, user_id: i64) -> AppResult<(i64, i64)> {
        let pool = self.db.pool();
        let sessions = sessions::count_for_user(pool, user_id, unix_now()).await?;
        let tokens = crate::db::api_tokens::count_for_user(pool, user_id).await?;
        Ok((sessions, tokens))
    }
}
