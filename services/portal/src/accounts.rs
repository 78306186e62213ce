//! The portal's use cases: first-run setup, login and logout, invites, disabling accounts,
//! sessions, personal API tokens and password changes here; helping a member (reset links,
//! roles, deleting an account across the services) in [`family`] and [`resets`]; the sessions
//! list and preferences in [`devices`]. Web pages and the JSON API both call these; each
//! checks who may do it.

mod devices;
pub mod family;
mod resets;

use hearth_shared::db::begin_write;
use std::net::IpAddr;
use std::sync::Arc;

use async_trait::async_trait;
use hearth_shared::db::unix_now;
use hearth_shared::tokens::{API_TOKEN_PREFIX, hash_token, is_api_token, random_token};
use hearth_shared::{AppError, AppResult, Database, Identity, IdentityResolver, Role};

use crate::db::api_tokens::{self, ApiTokenRow};
use crate::db::invites::{self, InviteRow};
use crate::db::is_unique_violation;
use crate::db::sessions::{self, SessionRow};
use crate::db::users::{self, NewUser, UserRow};
use crate::domain::throttle::ThrottlePolicy;
use crate::domain::{DisplayName, LoginThrottle, TokenName, Username};
use crate::members::MemberRemoval;
use hearth_shared::passwords::{self as password, Password, PasswordHash};

/// How long a login lasts.
pub const SESSION_LIFETIME_SECS: i64 = 30 * 24 * 3600;
/// How long an invite link can be used.
pub const INVITE_LIFETIME_SECS: i64 = 7 * 24 * 3600;
/// Activity timestamps are written at most this often per session or token.
const TOUCH_EVERY_SECS: i64 = 300;

/// Where a login comes from, for throttling and for the "your sessions" list.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: String,
    /// The session the browser already holds, which a new login replaces (its cookie is
    /// overwritten), so logging in again does not leave a row behind.
    pub replaces: Option<String>,
}

/// A new account's fields as typed.
pub struct Signup<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
}

/// A session just opened: the token goes into the cookie (or to the script) once.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub identity: Identity,
}

/// Accounts and sessions, backed by the portal's database.
#[derive(Clone)]
pub struct Accounts {
    db: Database,
    throttle: Arc<LoginThrottle>,
    /// The other services, asked what deleting a member does there and to do it.
    services: Arc<[Arc<dyn MemberRemoval>]>,
}

impl Accounts {
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self::with_throttle(db, ThrottlePolicy::default())
    }

    #[must_use]
    pub fn with_throttle(db: Database, policy: ThrottlePolicy) -> Self {
        Self { db, throttle: Arc::new(LoginThrottle::new(policy)), services: Arc::from(Vec::new()) }
    }

    /// The same accounts, deleting members also in `services`.
    #[must_use]
    pub fn with_services(mut self, services: Vec<Arc<dyn MemberRemoval>>) -> Self {
        self.services = Arc::from(services);
        self
    }

    #[must_use]
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// True until the first admin exists.
    ///
    /// # Errors
    /// Database failure.
    pub async fn needs_setup(&self) -> AppResult<bool> {
        Ok(!users::any_exist(self.db.pool()).await?)
    }

    /// Creates the first account, an admin, and logs it in.
    ///
    /// # Errors
    /// Invalid fields, or [`AppError::Conflict`] when setup was already done.
    pub async fn setup(&self, signup: &Signup<'_>, client: &ClientInfo) -> AppResult<NewSession> {
        let (username, display_name, password) = parse_signup(signup)?;
        let hash = password.hash().await?;
        let user = NewUser {
            username: username.as_str(),
            display_name: display_name.as_str(),
            password_hash: &hash.0,
            role: Role::Admin,
            now: unix_now(),
        };
        let Some(user_id) = users::insert_first(self.db.pool(), &user).await? else {
            return Err(AppError::Conflict("Hearth is already set up. Log in instead.".to_owned()));
        };
        tracing::info!(user_id, username = username.as_str(), "first admin created");
        self.open_session(user_id, client).await
    }

    /// Checks a username and password and opens a session.
    ///
    /// # Errors
    /// [`AppError::TooManyRequests`] after repeated failures, [`AppError::Unauthorized`] for
    /// a wrong username or password or a disabled account.
    pub async fn login(&self, username: &str, password: &str, client: &ClientInfo) -> AppResult<NewSession> {
        let username = username.trim().to_lowercase();
        let attempt = self.throttle.begin(&username, client.ip).map_err(|refused| AppError::TooManyRequests {
            message: format!("Too many failed logins. Wait {} minutes and try again.", refused.retry_after_minutes()),
            retry_after_secs: refused.retry_after_secs(),
        })?;
        let user = users::by_username(self.db.pool(), &username).await?;
        let stored = user.as_ref().map(|u| PasswordHash(u.password_hash.clone()));
        let matches = password::verify(password, stored.as_ref()).await?;
        match user {
            Some(user) if matches && user.disabled_at.is_none() => {
                self.throttle.succeeded(attempt, &username);
                self.open_session(user.id, client).await
            }
            Some(user) if matches => {
                attempt.succeeded();
                tracing::info!(user_id = user.id, "login refused: account disabled");
                Err(AppError::Unauthorized("This account is disabled. Ask a family admin to enable it.".to_owned()))
            }
            // The attempt stays counted.
            _ => Err(AppError::Unauthorized("That username and password do not match. Try again.".to_owned())),
        }
    }

    async fn open_session(&self, user_id: i64, client: &ClientInfo) -> AppResult<NewSession> {
        if let Some(previous) = &client.replaces {
            sessions::delete_by_token(self.db.pool(), &hash_token(previous)).await?;
        }
        let token = random_token();
        let now = unix_now();
        let session = SessionRow {
            id: short_id(),
            token_hash: hash_token(&token),
            user_id,
            created_at: now,
            last_seen_at: now,
            expires_at: now + SESSION_LIFETIME_SECS,
            user_agent: client.user_agent.chars().take(200).collect(),
            client_ip: client.ip.map(|ip| ip.to_string()).unwrap_or_default(),
        };
        sessions::insert(self.db.pool(), &session).await?;
        let user = users::by_id(self.db.pool(), user_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("user {user_id} vanished while logging in"))?;
        Ok(NewSession { token, identity: user.identity()? })
    }

    /// Ends the session the token belongs to (everywhere, within the auth cache time).
    ///
    /// # Errors
    /// Database failure.
    pub async fn logout(&self, token: &str) -> AppResult<()> {
        sessions::delete_by_token(self.db.pool(), &hash_token(token)).await?;
        Ok(())
    }

    /// The identity behind a session or API token, if it is valid and the account enabled.
    ///
    /// # Errors
    /// Database failure.
    pub async fn identify(&self, token: &str) -> AppResult<Option<Identity>> {
        let token_hash = hash_token(token);
        let now = unix_now();
        let pool = self.db.pool();
        let api_token = is_api_token(token);
        let found = if api_token {
            api_tokens::user_for_token(pool, &token_hash).await?
        } else {
            sessions::user_for_token(pool, &token_hash, now).await?
        };
        let Some(found) = found else { return Ok(None) };
        // Use is recorded every few minutes, so most requests are reads only.
        if found.last_used_at.is_none_or(|last| last < now - TOUCH_EVERY_SECS) {
            if api_token {
                api_tokens::touch(pool, &token_hash, now).await?;
            } else {
                sessions::touch(pool, &token_hash, now).await?;
            }
        }
        found.user.identity().map(Some)
    }

    /// Makes a one-time invite link token for a new family member.
    ///
    /// # Errors
    /// Not an admin, or database failure.
    pub async fn create_invite(&self, admin: &Identity, role: Role) -> AppResult<(String, InviteRow)> {
        admin.require_admin()?;
        let token = random_token();
        let now = unix_now();
        let invite = InviteRow {
            id: short_id(),
            role: role.as_str().to_owned(),
            created_by: admin.user_id,
            created_at: now,
            expires_at: now + INVITE_LIFETIME_SECS,
            used_at: None,
            used_by: None,
        };
        invites::insert(self.db.pool(), &invite, &hash_token(&token)).await?;
        tracing::info!(invite = invite.id, by = admin.user_id, "invite created");
        Ok((token, invite))
    }

    /// The invite behind a link, if it can still be used.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown link, [`AppError::Gone`] for a used or expired one.
    pub async fn open_invite(&self, token: &str) -> AppResult<InviteRow> {
        let invite = invites::by_token(self.db.pool(), &hash_token(token)).await?.ok_or_else(|| {
            AppError::NotFound("This invite link is not valid. Check that you copied all of it.".to_owned())
        })?;
        if invite.used_at.is_some() {
            return Err(AppError::Gone(
                "This invite link has already been used. If that was you, log in; otherwise ask for a new link."
                    .to_owned(),
            ));
        }
        if invite.expires_at <= unix_now() {
            return Err(AppError::Gone("This invite link has expired. Ask for a new one.".to_owned()));
        }
        Ok(invite)
    }

    /// Creates the invited account and logs it in; the link cannot be used again.
    ///
    /// # Errors
    /// Invalid, used or expired link; invalid fields; a username already taken.
    pub async fn accept_invite(&self, token: &str, signup: &Signup<'_>, client: &ClientInfo) -> AppResult<NewSession> {
        let invite = self.open_invite(token).await?;
        let (username, display_name, password) = parse_signup(signup)?;
        let role = Role::parse(&invite.role)?;
        let hash = password.hash().await?;
        let mut tx = begin_write(self.db.pool()).await?;
        let user = NewUser {
            username: username.as_str(),
            display_name: display_name.as_str(),
            password_hash: &hash.0,
            role,
            now: unix_now(),
        };
        let user_id = match users::insert(&mut *tx, &user).await {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => {
                return Err(AppError::Conflict(format!(
                    "The username {} is taken. Choose another.",
                    username.as_str()
                )));
            }
            Err(e) => return Err(e.into()),
        };
        if !invites::mark_used(&mut *tx, &invite.id, user_id, unix_now()).await? {
            return Err(AppError::Gone("This invite link has just been used. Ask for a new one.".to_owned()));
        }
        tx.commit().await?;
        tracing::info!(user_id, invite = invite.id, "invite accepted");
        self.open_session(user_id, client).await
    }

    /// Open invites, for the admin page.
    ///
    /// # Errors
    /// Not an admin, or database failure.
    pub async fn open_invites(&self, admin: &Identity) -> AppResult<Vec<InviteRow>> {
        admin.require_admin()?;
        Ok(invites::list_open(self.db.pool(), unix_now()).await?)
    }

    /// Withdraws an unused invite.
    ///
    /// # Errors
    /// Not an admin, no such open invite, or database failure.
    pub async fn revoke_invite(&self, admin: &Identity, id: &str) -> AppResult<()> {
        admin.require_admin()?;
        if invites::delete_open(self.db.pool(), id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound("There is no open invite with that id.".to_owned()))
        }
    }

    /// Every account, for the admin page.
    ///
    /// # Errors
    /// Not an admin, or database failure.
    pub async fn users(&self, admin: &Identity) -> AppResult<Vec<UserRow>> {
        admin.require_admin()?;
        Ok(users::list(self.db.pool()).await?)
    }

    /// Disables (ending every session and revoking every API token at once) or enables an
    /// account. An account being deleted cannot be enabled.
    ///
    /// # Errors
    /// Not an admin, the admin's own account, no such user, or database failure.
    pub async fn set_disabled(&self, admin: &Identity, user_id: i64, disabled: bool) -> AppResult<()> {
        admin.require_admin()?;
        if user_id == admin.user_id {
            return Err(AppError::Invalid("You cannot disable your own account.".to_owned()));
        }
        let pool = self.db.pool();
        let being_deleted = users::by_id(pool, user_id).await?.is_some_and(|u| u.deleting_at.is_some());
        if being_deleted && !disabled {
            return Err(AppError::Conflict(
                "This account is being deleted, so it cannot be enabled. Finish deleting it on the Family page."
                    .to_owned(),
            ));
        }
        let found = if disabled {
            users::disable(pool, user_id, unix_now()).await?
        } else {
            users::enable(pool, user_id).await?
        };
        if !found {
            return Err(AppError::NotFound("There is no such account.".to_owned()));
        }
        tracing::info!(user_id, disabled, by = admin.user_id, "account status changed");
        Ok(())
    }

    /// The account `user_id`, for an admin's action on it.
    async fn existing(&self, user_id: i64) -> AppResult<UserRow> {
        users::by_id(self.db.pool(), user_id)
            .await?
            .ok_or_else(|| AppError::NotFound("There is no such account.".to_owned()))
    }

    /// The user's live sessions.
    ///
    /// # Errors
    /// Database failure.
    pub async fn sessions(&self, user: &Identity) -> AppResult<Vec<SessionRow>> {
        Ok(sessions::list_for_user(self.db.pool(), user.user_id, unix_now()).await?)
    }

    /// Ends one of the user's sessions.
    ///
    /// # Errors
    /// Not the user's session, or database failure.
    pub async fn revoke_session(&self, user: &Identity, id: &str) -> AppResult<()> {
        if sessions::delete_for_user(self.db.pool(), user.user_id, id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound("You have no session with that id.".to_owned()))
        }
    }

    /// The user's personal API tokens (never the secrets).
    ///
    /// # Errors
    /// Database failure.
    pub async fn api_tokens(&self, user: &Identity) -> AppResult<Vec<ApiTokenRow>> {
        Ok(api_tokens::list_for_user(self.db.pool(), user.user_id).await?)
    }

    /// Makes a personal API token; its secret is returned this once.
    ///
    /// # Errors
    /// Invalid name, or database failure.
    pub async fn create_api_token(&self, user: &Identity, name: &str) -> AppResult<(String, ApiTokenRow)> {
        let name = TokenName::parse(name)?;
        let token = format!("{API_TOKEN_PREFIX}{}", random_token());
        let row = ApiTokenRow {
            id: short_id(),
            user_id: user.user_id,
            name: name.as_str().to_owned(),
            created_at: unix_now(),
            last_used_at: None,
        };
        api_tokens::insert(self.db.pool(), &row, &hash_token(&token)).await?;
        Ok((token, row))
    }

    /// Revokes one of the user's API tokens.
    ///
    /// # Errors
    /// Not the user's token, or database failure.
    pub async fn revoke_api_token(&self, user: &Identity, id: &str) -> AppResult<()> {
        if api_tokens::delete_for_user(self.db.pool(), user.user_id, id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound("You have no API token with that id.".to_owned()))
        }
    }

    /// Changes the user's password after checking the current one, ends every other session
    /// of theirs (the one making the change stays logged in) and revokes their API tokens.
    ///
    /// # Errors
    /// Wrong current password, a new password that breaks the rule, or database failure.
    pub async fn change_password(
        &self,
        user: &Identity,
        current_token: &str,
        current: &str,
        new: &str,
    ) -> AppResult<()> {
        let new = Password::parse(new)?;
        let pool = self.db.pool();
        let row = users::by_id(pool, user.user_id).await?.ok_or(AppError::Unauthenticated)?;
        if !password::verify(current, Some(&PasswordHash(row.password_hash))).await? {
            return Err(AppError::Invalid("Your current password is not right.".to_owned()));
        }
        let hash = new.hash().await?;
        users::change_password(pool, user.user_id, &hash.0, &hash_token(current_token)).await?;
        tracing::info!(user_id = user.user_id, "password changed; other sessions ended, API tokens revoked");
        Ok(())
    }

    /// Deletes expired sessions (the portal runs this every hour).
    ///
    /// # Errors
    /// Database failure.
    pub async fn sweep_expired(&self) -> AppResult<u64> {
        Ok(sessions::delete_expired(self.db.pool(), unix_now()).await?)
    }
}

#[async_trait]
impl IdentityResolver for Accounts {
    async fn resolve(&self, token: &str) -> anyhow::Result<Option<Identity>> {
        self.identify(token).await.map_err(|e| anyhow::anyhow!("{e}"))
    }
}

fn parse_signup(signup: &Signup<'_>) -> AppResult<(Username, DisplayName, Password)> {
    Ok((Username::parse(signup.username)?, DisplayName::parse(signup.display_name)?, Password::parse(signup.password)?))
}

/// A public handle for rows listed to users (sessions, invites, tokens): 64 random bits.
fn short_id() -> String {
    random_token().chars().take(11).collect()
}
