//! One login for every service. The portal owns sessions; any service turns the token of a
//! request (the `hearth_session` cookie or `Authorization: Bearer`) into an [`Identity`]
//! through an [`IdentityResolver`]: in-process in the all-in-one binary, or over HTTP with the
//! portal's introspection endpoint ([`PortalClient`]), cached briefly so a logout or a
//! disabled account is locked out everywhere within `HEARTH_AUTH_CACHE_SECS` (at most 60 s).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::Config;
use crate::error::AppError;
use crate::tokens::hash_token;

/// Name of the session cookie, shared by every service on the same origin.
pub const SESSION_COOKIE: &str = "hearth_session";

/// What a family member may do everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Parents: manage accounts, invites and every service's settings.
    Admin,
    /// Everyone else in the family.
    Member,
}

impl Role {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// # Errors
    /// Anything but `admin` or `member`.
    pub fn parse(value: &str) -> Result<Self, AppError> {
        match value {
            "admin" => Ok(Self::Admin),
            "member" => Ok(Self::Member),
            other => Err(AppError::Invalid(format!("Role must be admin or member, not {other:?}."))),
        }
    }
}

/// Who is making a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Identity {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl Identity {
    #[must_use]
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// # Errors
    /// [`AppError::Forbidden`] for a member.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.is_admin() { Ok(()) } else { Err(AppError::Forbidden("Only a family admin can do this.".to_owned())) }
    }
}

/// The identities a service has copied into its own table of people (it cannot read the
/// portal's), as copied, so that a request copies again only when the portal's name or role
/// for someone changed rather than writing on every page view.
#[derive(Debug, Clone, Default)]
pub struct CopiedIdentities(Arc<Mutex<HashMap<i64, Identity>>>);

impl CopiedIdentities {
    /// Whether `user` was copied as they are now.
    #[must_use]
    pub fn is_current(&self, user: &Identity) -> bool {
        self.0.lock().is_ok_and(|copied| copied.get(&user.user_id) == Some(user))
    }

    /// Notes that `user` was copied as they are now.
    pub fn copied(&self, user: &Identity) {
        if let Ok(mut copied) = self.0.lock() {
            copied.insert(user.user_id, user.clone());
        }
    }
}

/// Turns a session or API token into the identity behind it, or `None` when the token is
/// unknown, expired, revoked or belongs to a disabled account.
#[async_trait]
pub trait IdentityResolver: Send + Sync {
    /// # Errors
    /// The authority could not be asked (for example the portal is unreachable).
    async fn resolve(&self, token: &str) -> anyhow::Result<Option<Identity>>;
}

/// Request body of the portal's `POST /api/auth/introspect`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IntrospectionRequest {
    pub token: String,
}

/// Answer of the portal's `POST /api/auth/introspect`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IntrospectionResponse {
    /// False for an unknown, expired or revoked token, or a disabled account.
    pub active: bool,
    pub identity: Option<Identity>,
}

/// Resolves tokens by asking the portal over HTTP, trusting each answer for at most `ttl`.
pub struct PortalClient {
    http: reqwest::Client,
    introspect_url: String,
    ttl: Duration,
    cache: Mutex<HashMap<String, (Option<Identity>, Instant)>>,
}

/// Cached answers kept before expired ones are swept.
const CACHE_SWEEP_AT: usize = 10_000;

impl PortalClient {
    /// # Errors
    /// The HTTP client cannot be built.
    pub fn new(portal_url: &str, ttl: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
        Ok(Self {
            http,
            introspect_url: format!("{}/api/auth/introspect", portal_url.trim_end_matches('/')),
            ttl,
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn cached(&self, key: &str) -> Option<Option<Identity>> {
        let cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.get(key).filter(|(_, at)| at.elapsed() < self.ttl).map(|(identity, _)| identity.clone())
    }

    fn remember(&self, key: String, identity: Option<Identity>) {
        let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= CACHE_SWEEP_AT {
            let ttl = self.ttl;
            cache.retain(|_, (_, at)| at.elapsed() < ttl);
            if cache.len() >= CACHE_SWEEP_AT {
                cache.clear();
            }
        }
        cache.insert(key, (identity, Instant::now()));
    }
}

#[async_trait]
impl IdentityResolver for PortalClient {
    async fn resolve(&self, token: &str) -> anyhow::Result<Option<Identity>> {
        let key = hash_token(token);
        if let Some(identity) = self.cached(&key) {
            return Ok(identity);
        }
        let answer: IntrospectionResponse = self
            .http
            .post(&self.introspect_url)
            .json(&IntrospectionRequest { token: token.to_owned() })
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let identity = answer.identity.filter(|_| answer.active);
        self.remember(key, identity.clone());
        Ok(identity)
    }
}

/// What a service holds to authenticate requests; put it in the service state and expose it
/// with `FromRef` so [`CurrentUser`] works in handlers.
#[derive(Clone)]
pub struct AuthClient {
    resolver: Arc<dyn IdentityResolver>,
}

impl AuthClient {
    pub fn new(resolver: Arc<dyn IdentityResolver>) -> Self {
        Self { resolver }
    }

    /// For a service running on its own: ask the portal at `HEARTH_PORTAL_URL`.
    ///
    /// # Errors
    /// `HEARTH_PORTAL_URL` is unset, or the HTTP client cannot be built.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let Some(portal_url) = &config.portal_url else {
            anyhow::bail!(
                "HEARTH_PORTAL_URL is not set: a service running on its own needs the portal's address, \
                 e.g. HEARTH_PORTAL_URL=http://portal:8080"
            );
        };
        let client = PortalClient::new(portal_url, config.auth_cache_ttl)?;
        if tokio::runtime::Handle::try_current().is_ok() {
            tokio::spawn(say_whether_the_portal_answers(client.http.clone(), portal_url.clone()));
        }
        Ok(Self::new(Arc::new(client)))
    }

    /// The identity behind a request's token, if any.
    ///
    /// # Errors
    /// [`AppError::Unavailable`] when the portal cannot be asked.
    pub async fn identify(&self, headers: &HeaderMap) -> Result<Option<Identity>, AppError> {
        let Some(token) = request_token(headers) else {
            return Ok(None);
        };
        self.resolver.resolve(&token).await.map_err(|e| {
            tracing::warn!(error = %e, "cannot resolve identity");
            AppError::Unavailable("The sign-in service is not answering. Try again in a minute.".to_owned())
        })
    }
}

/// Logs at start whether the portal answers, so that an operator reads "sign-in fails until
/// it does" with the address tried, not only each request's 503 later.
async fn say_whether_the_portal_answers(http: reqwest::Client, portal_url: String) {
    let readyz = format!("{}/readyz", portal_url.trim_end_matches('/'));
    match http.get(&readyz).send().await.and_then(reqwest::Response::error_for_status) {
        Ok(_) => tracing::info!(portal = %portal_url, "the portal answers"),
        Err(e) => tracing::warn!(
            portal = %portal_url,
            error = %e,
            "the portal (HEARTH_PORTAL_URL) does not answer: sign-in fails until it does"
        ),
    }
}

/// The token a request authenticates with: its `Authorization: Bearer` token when it sends an
/// `Authorization` header (any other scheme authenticates nobody), else its session cookie.
/// A request with a header is never authenticated by its cookie: the CSRF guard lets such
/// requests through because another site cannot add the header, which holds only if the
/// header is what decides who is asking.
#[must_use]
pub fn request_token(headers: &HeaderMap) -> Option<String> {
    if let Some(authorization) = headers.get(header::AUTHORIZATION) {
        return authorization
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
    }
    CookieJar::from_headers(headers).get(SESSION_COOKIE).map(|c| c.value().to_owned()).filter(|t| !t.is_empty())
}

/// Extractor: the signed-in user, or 401 (a redirect to the login page for browsers).
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Identity);

impl<S> FromRequestParts<S> for CurrentUser
where
    AuthClient: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let identity = AuthClient::from_ref(state).identify(&parts.headers).await?;
        SeenUser::record(parts, identity.as_ref());
        identity.map(Self).ok_or(AppError::Unauthenticated)
    }
}

/// Extractor: the signed-in user if there is one.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<Identity>);

impl<S> FromRequestParts<S> for MaybeUser
where
    AuthClient: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let identity = AuthClient::from_ref(state).identify(&parts.headers).await?;
        SeenUser::record(parts, identity.as_ref());
        Ok(Self(identity))
    }
}

/// Who a request turned out to be, for its error page: the error renderer puts an empty slot
/// into every request and the user extractors fill it, so an error page keeps the top bar of
/// a signed-in user without asking the portal again.
#[derive(Clone, Default)]
pub struct SeenUser(Arc<OnceLock<Identity>>);

impl SeenUser {
    fn record(parts: &Parts, identity: Option<&Identity>) {
        if let (Some(slot), Some(identity)) = (parts.extensions.get::<Self>(), identity) {
            let _ = slot.0.set(identity.clone());
        }
    }

    #[must_use]
    pub fn get(&self) -> Option<Identity> {
        self.0.get().cloned()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(name.clone(), HeaderValue::from_str(value).expect("header value"));
        }
        headers
    }

    #[test]
    fn an_authorization_header_alone_decides_who_is_asking() {
        let cookie = (header::COOKIE, "hearth_session=from-the-cookie");
        assert_eq!(request_token(&headers(std::slice::from_ref(&cookie))).as_deref(), Some("from-the-cookie"));
        let bearer = (header::AUTHORIZATION, "Bearer hth_token");
        assert_eq!(request_token(&headers(&[cookie.clone(), bearer])).as_deref(), Some("hth_token"));
        for other in ["Basic dXNlcjpwYXNz", "Bearer ", "anything"] {
            let sent = headers(&[cookie.clone(), (header::AUTHORIZATION, other)]);
            assert_eq!(request_token(&sent), None, "{other}");
        }
    }
}
