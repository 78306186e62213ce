//! The portal's JSON API under `/api`, documented with utoipa. Scripts authenticate with
//! `Authorization: Bearer` (a personal API token, or a session token from `/api/auth/login`).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use hearth_shared::auth::{IntrospectionRequest, IntrospectionResponse, request_token};
use hearth_shared::error::Problem;
use hearth_shared::{AppError, AppResult, CurrentUser, Identity, Role};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::accounts::family::{Deletion, ServiceAnswer};
use crate::accounts::{ClientInfo, NewSession, SESSION_LIFETIME_SECS, Signup};
use crate::db::api_tokens::ApiTokenRow;
use crate::db::invites::InviteRow;
use crate::db::password_resets::PasswordResetRow;
use crate::db::sessions::SessionRow;
use crate::db::users::UserRow;
use crate::members::{Caller, RemovalSummary};

#[derive(OpenApi)]
#[openapi(
    info(title = "Hearth portal API", description = "Accounts, sessions, invites and tokens: one login for every Hearth service."),
    paths(
        setup, login, logout, introspect, me, change_password, set_time_zone, list_sessions, revoke_session,
        end_other_sessions, list_tokens, create_token, revoke_token, list_users, disable_user, enable_user, set_role,
        create_password_reset, list_password_resets, revoke_password_reset, use_password_reset, deletion_plan,
        delete_user, list_invites, create_invite, revoke_invite, accept_invite
    ),
    components(schemas(Problem, Identity, Role, RemovalSummary)),
    security(("token" = []), ("session" = []))
)]
struct PortalApi;

/// The portal's OpenAPI document.
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    PortalApi::openapi()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/setup", post(setup))
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/introspect", post(introspect))
        .route("/api/me", get(me))
        .route("/api/me/password", post(change_password))
        .route("/api/me/time-zone", post(set_time_zone))
        .route("/api/me/sessions", get(list_sessions))
        .route("/api/me/sessions/{id}", delete(revoke_session))
        .route("/api/me/sessions/end-others", post(end_other_sessions))
        .route("/api/me/tokens", get(list_tokens).post(create_token))
        .route("/api/me/tokens/{id}", delete(revoke_token))
        .route("/api/users", get(list_users))
        .route("/api/users/{id}/disable", post(disable_user))
        .route("/api/users/{id}/enable", post(enable_user))
        .route("/api/users/{id}/role", post(set_role))
        .route("/api/users/{id}/password-reset", post(create_password_reset))
        .route("/api/users/{id}/deletion", get(deletion_plan))
        .route("/api/password-resets", get(list_password_resets))
        .route("/api/password-resets/use", post(use_password_reset))
        .route("/api/password-resets/{id}", delete(revoke_password_reset))
        .route("/api/invites", get(list_invites).post(create_invite))
        .route("/api/invites/accept", post(accept_invite))
        .route("/api/invites/{id}", delete(revoke_invite))
}

/// Deleting an account, which waits for every service: not bound by the request timeout.
pub fn long_routes() -> Router<AppState> {
    Router::new().route("/api/users/{id}", delete(delete_user))
}

#[derive(Deserialize, ToSchema)]
pub struct SignupRequest {
    username: String,
    display_name: String,
    password: String,
}

/// A new session: send `token` as `Authorization: Bearer`.
#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    token: String,
    identity: Identity,
    /// Seconds until the session ends.
    expires_in: i64,
}

impl From<NewSession> for LoginResponse {
    fn from(session: NewSession) -> Self {
        Self { token: session.token, identity: session.identity, expires_in: SESSION_LIFETIME_SECS }
    }
}

/// Create the first account (an admin). Only while Hearth has no account.
#[utoipa::path(post, path = "/api/setup", tag = "auth", request_body = SignupRequest, security(()),
    responses((status = 201, body = LoginResponse), (status = 409, description = "Already set up", body = Problem),
              (status = 422, description = "A field breaks a rule", body = Problem)))]
async fn setup(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(body): Json<SignupRequest>,
) -> AppResult<(StatusCode, Json<LoginResponse>)> {
    let signup = Signup { username: &body.username, display_name: &body.display_name, password: &body.password };
    let session = state.accounts.setup(&signup, &client).await?;
    Ok((StatusCode::CREATED, Json(session.into())))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    username: String,
    password: String,
}

/// Log in with a username and password.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest, security(()),
    responses((status = 200, body = LoginResponse), (status = 401, description = "Wrong username or password", body = Problem),
              (status = 429, description = "Too many failed logins", body = Problem)))]
async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(body): Json<LoginRequest>,
) -> AppResult<Json<LoginResponse>> {
    Ok(Json(state.accounts.login(&body.username, &body.password, &client).await?.into()))
}

/// End the session whose token comes with the request.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", responses((status = 204, description = "Logged out")))]
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> AppResult<StatusCode> {
    let token = request_token(&headers).ok_or(AppError::Unauthenticated)?;
    state.accounts.logout(&token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Resolve a token to the identity behind it (used by the other services).
#[utoipa::path(post, path = "/api/auth/introspect", tag = "auth", request_body = IntrospectionRequest, security(()),
    responses((status = 200, body = IntrospectionResponse)))]
async fn introspect(
    State(state): State<AppState>,
    Json(body): Json<IntrospectionRequest>,
) -> AppResult<Json<IntrospectionResponse>> {
    let identity = state.accounts.identify(&body.token).await?;
    Ok(Json(IntrospectionResponse { active: identity.is_some(), identity }))
}

/// Who am I?
#[utoipa::path(get, path = "/api/me", tag = "account", responses((status = 200, body = Identity), (status = 401, body = Problem)))]
async fn me(CurrentUser(user): CurrentUser) -> Json<Identity> {
    Json(user)
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Change my password; every other session of mine ends.
#[utoipa::path(post, path = "/api/me/password", tag = "account", request_body = PasswordChange,
    responses((status = 204, description = "Changed"), (status = 422, body = Problem)))]
async fn change_password(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Json(body): Json<PasswordChange>,
) -> AppResult<StatusCode> {
    let token = request_token(&headers).unwrap_or_default();
    state.accounts.change_password(&user, &token, &body.current_password, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct TimeZoneRequest {
    /// An IANA zone such as `Europe/London`; null or empty for the browser's own.
    time_zone: Option<String>,
}

/// Choose the time zone times are shown in on every page.
#[utoipa::path(post, path = "/api/me/time-zone", tag = "account", request_body = TimeZoneRequest,
    responses((status = 204, description = "Saved"), (status = 422, description = "Not a zone name", body = Problem)))]
async fn set_time_zone(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<TimeZoneRequest>,
) -> AppResult<StatusCode> {
    state.accounts.set_time_zone(&user, body.time_zone.as_deref().unwrap_or_default()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    id: String,
    /// The browser and system, as the account page names them: "Firefox on Android".
    device: String,
    user_agent: String,
    client_ip: String,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
}

impl From<SessionRow> for SessionInfo {
    fn from(s: SessionRow) -> Self {
        Self {
            id: s.id,
            device: crate::domain::Device::from_user_agent(&s.user_agent).to_string(),
            user_agent: s.user_agent,
            client_ip: s.client_ip,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
        }
    }
}

/// My live sessions.
#[utoipa::path(get, path = "/api/me/sessions", tag = "account", responses((status = 200, body = [SessionInfo])))]
async fn list_sessions(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<Json<Vec<SessionInfo>>> {
    Ok(Json(state.accounts.sessions(&user).await?.into_iter().map(Into::into).collect()))
}

/// End one of my sessions.
#[utoipa::path(delete, path = "/api/me/sessions/{id}", tag = "account", params(("id" = String, Path)),
    responses((status = 204, description = "Ended"), (status = 404, body = Problem)))]
async fn revoke_session(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    state.accounts.revoke_session(&user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct EndedSessions {
    ended: u64,
}

/// End every session of mine but the one this request comes with.
#[utoipa::path(post, path = "/api/me/sessions/end-others", tag = "account",
    responses((status = 200, body = EndedSessions)))]
async fn end_other_sessions(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
) -> AppResult<Json<EndedSessions>> {
    let token = request_token(&headers).unwrap_or_default();
    Ok(Json(EndedSessions { ended: state.accounts.sign_out_everywhere_else(&user, &token).await? }))
}

#[derive(Serialize, ToSchema)]
pub struct ApiTokenInfo {
    id: String,
    name: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl From<ApiTokenRow> for ApiTokenInfo {
    fn from(t: ApiTokenRow) -> Self {
        Self { id: t.id, name: t.name, created_at: t.created_at, last_used_at: t.last_used_at }
    }
}

/// My personal API tokens (without their secrets).
#[utoipa::path(get, path = "/api/me/tokens", tag = "account", responses((status = 200, body = [ApiTokenInfo])))]
async fn list_tokens(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<Json<Vec<ApiTokenInfo>>> {
    Ok(Json(state.accounts.api_tokens(&user).await?.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewTokenRequest {
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct NewApiToken {
    /// The secret, shown only in this answer.
    token: String,
    info: ApiTokenInfo,
}

/// Make a personal API token.
#[utoipa::path(post, path = "/api/me/tokens", tag = "account", request_body = NewTokenRequest,
    responses((status = 201, body = NewApiToken), (status = 422, body = Problem)))]
async fn create_token(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<NewTokenRequest>,
) -> AppResult<(StatusCode, Json<NewApiToken>)> {
    let (token, row) = state.accounts.create_api_token(&user, &body.name).await?;
    Ok((StatusCode::CREATED, Json(NewApiToken { token, info: row.into() })))
}

/// Revoke one of my API tokens.
#[utoipa::path(delete, path = "/api/me/tokens/{id}", tag = "account", params(("id" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 404, body = Problem)))]
async fn revoke_token(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    state.accounts.revoke_api_token(&user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct UserInfo {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    created_at: i64,
    disabled_at: Option<i64>,
}

impl From<UserRow> for UserInfo {
    fn from(u: UserRow) -> Self {
        Self {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            created_at: u.created_at,
            disabled_at: u.disabled_at,
        }
    }
}

/// Every account (admins only).
#[utoipa::path(get, path = "/api/users", tag = "family", responses((status = 200, body = [UserInfo]), (status = 403, body = Problem)))]
async fn list_users(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> AppResult<Json<Vec<UserInfo>>> {
    Ok(Json(state.accounts.users(&user).await?.into_iter().map(Into::into).collect()))
}

/// Disable an account: it is logged out everywhere within the auth cache time (admins only).
#[utoipa::path(post, path = "/api/users/{id}/disable", tag = "family", params(("id" = i64, Path)),
    responses((status = 204, description = "Disabled"), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn disable_user(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    state.accounts.set_disabled(&user, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enable a disabled account (admins only).
#[utoipa::path(post, path = "/api/users/{id}/enable", tag = "family", params(("id" = i64, Path)),
    responses((status = 204, description = "Enabled"), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn enable_user(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    state.accounts.set_disabled(&user, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct RoleRequest {
    /// `admin` or `member`.
    role: String,
}

/// Make someone an admin or a member (admins only; not one's own account).
#[utoipa::path(post, path = "/api/users/{id}/role", tag = "family", params(("id" = i64, Path)), request_body = RoleRequest,
    responses((status = 200, body = UserInfo), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn set_role(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(body): Json<RoleRequest>,
) -> AppResult<Json<UserInfo>> {
    let role = Role::parse(&body.role)?;
    Ok(Json(state.accounts.set_role(&user, id, role).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct PasswordResetInfo {
    id: String,
    user_id: i64,
    created_at: i64,
    expires_at: i64,
}

impl From<PasswordResetRow> for PasswordResetInfo {
    fn from(r: PasswordResetRow) -> Self {
        Self { id: r.id, user_id: r.user_id, created_at: r.created_at, expires_at: r.expires_at }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NewPasswordReset {
    /// The secret part of the link, shown only in this answer.
    token: String,
    /// Path of the page that uses it: `/reset/{token}`.
    path: String,
    info: PasswordResetInfo,
}

/// Make a one-time link with which the member chooses a new password (admins only). It
/// replaces their older unused link; using it ends their sessions and API tokens.
#[utoipa::path(post, path = "/api/users/{id}/password-reset", tag = "family", params(("id" = i64, Path)),
    responses((status = 201, body = NewPasswordReset), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "The account is disabled", body = Problem)))]
async fn create_password_reset(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<(StatusCode, Json<NewPasswordReset>)> {
    let (token, open) = state.accounts.create_password_reset(&user, id).await?;
    let path = format!("/reset/{token}");
    Ok((StatusCode::CREATED, Json(NewPasswordReset { token, path, info: open.reset.into() })))
}

/// Unused password reset links (admins only).
#[utoipa::path(get, path = "/api/password-resets", tag = "family",
    responses((status = 200, body = [PasswordResetInfo]), (status = 403, body = Problem)))]
async fn list_password_resets(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<Json<Vec<PasswordResetInfo>>> {
    Ok(Json(state.accounts.open_password_resets(&user).await?.into_iter().map(Into::into).collect()))
}

/// Withdraw an unused password reset link (admins only).
#[utoipa::path(delete, path = "/api/password-resets/{id}", tag = "family", params(("id" = String, Path)),
    responses((status = 204, description = "Withdrawn"), (status = 404, body = Problem)))]
async fn revoke_password_reset(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    state.accounts.revoke_password_reset(&user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct UsePasswordReset {
    token: String,
    new_password: String,
}

/// Use a reset link: set the new password, end every other session and API token, log in.
#[utoipa::path(post, path = "/api/password-resets/use", tag = "family", request_body = UsePasswordReset, security(()),
    responses((status = 200, body = LoginResponse), (status = 404, body = Problem),
              (status = 410, description = "Used, expired or replaced", body = Problem), (status = 422, body = Problem)))]
async fn use_password_reset(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(body): Json<UsePasswordReset>,
) -> AppResult<Json<LoginResponse>> {
    Ok(Json(state.accounts.use_password_reset(&body.token, &body.new_password, &client).await?.into()))
}

/// One service's part in deleting an account.
#[derive(Serialize, ToSchema)]
pub struct ServicePartInfo {
    service: &'static str,
    /// `ok`, `failed` (see `error`), or `not_connected` (a portal alone without the service's URL).
    status: &'static str,
    summary: Vec<String>,
    error: Option<String>,
}

/// What deleting an account does (or did), part by part.
#[derive(Serialize, ToSchema)]
pub struct DeletionInfo {
    user_id: i64,
    username: String,
    /// The portal's own part.
    portal: Vec<String>,
    services: Vec<ServicePartInfo>,
    /// After `DELETE`: whether the account is gone.
    finished: bool,
}

impl From<Deletion> for DeletionInfo {
    fn from(d: Deletion) -> Self {
        let services = d
            .services
            .into_iter()
            .map(|part| {
                let (status, summary, error) = match part.answer {
                    ServiceAnswer::Said(lines) => ("ok", lines, None),
                    ServiceAnswer::Failed(reason) => ("failed", Vec::new(), Some(reason)),
                    ServiceAnswer::NotConnected { setting } => {
                        ("not_connected", Vec::new(), Some(format!("{setting} is not set")))
                    }
                };
                ServicePartInfo { service: part.service, status, summary, error }
            })
            .collect();
        Self { user_id: d.member.id, username: d.member.username, portal: d.portal, services, finished: d.finished }
    }
}

/// What deleting the account would do in the portal and in each service (admins only).
#[utoipa::path(get, path = "/api/users/{id}/deletion", tag = "family", params(("id" = i64, Path)),
    responses((status = 200, body = DeletionInfo), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn deletion_plan(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Json<DeletionInfo>> {
    let token = request_token(&headers).unwrap_or_default();
    Ok(Json(state.accounts.deletion_plan(Caller { identity: &user, token: &token }, id).await?.into()))
}

/// Delete the account and what was the member's in every service (admins only; see
/// `GET /api/users/{id}/deletion` first). When a service fails the account stays disabled and
/// this answers 503: call it again to finish.
#[utoipa::path(delete, path = "/api/users/{id}", tag = "family", params(("id" = i64, Path)),
    responses((status = 200, body = DeletionInfo), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 503, description = "A service did not finish; the account is disabled", body = Problem)))]
async fn delete_user(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Json<DeletionInfo>> {
    let token = request_token(&headers).unwrap_or_default();
    let deletion = state.accounts.delete_account(Caller { identity: &user, token: &token }, id).await?;
    if !deletion.finished {
        let reasons: Vec<String> = deletion
            .services
            .iter()
            .filter_map(|part| match &part.answer {
                ServiceAnswer::Failed(reason) => Some(format!("{}: {reason}", part.service)),
                _ => None,
            })
            .collect();
        return Err(AppError::Unavailable(format!(
            "The account is disabled but not deleted yet: {}. Call again to finish.",
            reasons.join("; ")
        )));
    }
    Ok(Json(deletion.into()))
}

#[derive(Serialize, ToSchema)]
pub struct InviteInfo {
    id: String,
    role: String,
    created_at: i64,
    expires_at: i64,
}

impl From<InviteRow> for InviteInfo {
    fn from(i: InviteRow) -> Self {
        Self { id: i.id, role: i.role, created_at: i.created_at, expires_at: i.expires_at }
    }
}

/// Open invites (admins only).
#[utoipa::path(get, path = "/api/invites", tag = "family", responses((status = 200, body = [InviteInfo]), (status = 403, body = Problem)))]
async fn list_invites(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<Json<Vec<InviteInfo>>> {
    Ok(Json(state.accounts.open_invites(&user).await?.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct InviteRequest {
    /// `member` (default) or `admin`.
    role: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NewInvite {
    /// The secret part of the link, shown only in this answer.
    token: String,
    /// Path of the page that accepts it: `/invite/{token}`.
    path: String,
    info: InviteInfo,
}

/// Make a one-time invite link (admins only).
#[utoipa::path(post, path = "/api/invites", tag = "family", request_body = InviteRequest,
    responses((status = 201, body = NewInvite), (status = 403, body = Problem)))]
async fn create_invite(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<InviteRequest>,
) -> AppResult<(StatusCode, Json<NewInvite>)> {
    let role = Role::parse(body.role.as_deref().unwrap_or("member"))?;
    let (token, invite) = state.accounts.create_invite(&user, role).await?;
    let path = format!("/invite/{token}");
    Ok((StatusCode::CREATED, Json(NewInvite { token, path, info: invite.into() })))
}

/// Withdraw an unused invite (admins only).
#[utoipa::path(delete, path = "/api/invites/{id}", tag = "family", params(("id" = String, Path)),
    responses((status = 204, description = "Withdrawn"), (status = 404, body = Problem)))]
async fn revoke_invite(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    state.accounts.revoke_invite(&user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct AcceptInvite {
    token: String,
    username: String,
    display_name: String,
    password: String,
}

/// Accept an invite: create the account and log in.
#[utoipa::path(post, path = "/api/invites/accept", tag = "family", request_body = AcceptInvite, security(()),
    responses((status = 201, body = LoginResponse), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 410, description = "Used or expired", body = Problem), (status = 422, body = Problem)))]
async fn accept_invite(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(body): Json<AcceptInvite>,
) -> AppResult<(StatusCode, Json<LoginResponse>)> {
    let signup = Signup { username: &body.username, display_name: &body.display_name, password: &body.password };
    let session = state.accounts.accept_invite(&body.token, &signup, &client).await?;
    Ok((StatusCode::CREATED, Json(session.into())))
}
