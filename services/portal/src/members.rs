//! Deleting a member across Hearth (ADR 0053). Services never read each other's tables, so the
//! portal asks each service what it holds of the member and what deleting them does there
//! ([`MemberRemoval::plan`], shown to the admin before they confirm), then has each service do
//! it ([`MemberRemoval::remove`]). In the all-in-one process that is a direct call into the
//! service (the binary wires it, as it wires identities the other way); a portal running alone
//! asks each service over HTTP ([`OverHttp`]): `GET` and `POST {prefix}/api/members/{id}/removal`
//! with the admin's own token, as introspection asks the portal (ADR 0002).

use std::time::Duration;

use async_trait::async_trait;
use hearth_shared::Identity;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How long a service may take to say what it holds.
const PLAN_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a service may take to remove it (games stop servers first).
const REMOVE_TIMEOUT: Duration = Duration::from_secs(120);

/// The admin asking: who they are (for a direct call) and the token they came with (passed on
/// over HTTP, so the service checks them as it checks anyone).
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub identity: &'a Identity,
    pub token: &'a str,
}

/// What a service answers, before (`GET`) and after (`POST`): sentences for the admin, in the
/// present tense so they read right on both pages ("12 photos the family sees go to Mum").
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RemovalSummary {
    pub summary: Vec<String>,
}

/// One service's part in deleting a member. Both calls are the service's own use cases, which
/// check that the caller is an admin; `remove` may be called again after a failure and then
/// does what is left.
#[async_trait]
pub trait MemberRemoval: Send + Sync {
    /// The service's name as the family knows it ("Photos").
    fn service(&self) -> &'static str;

    /// What the service holds of the member, and what deleting them would do with it.
    ///
    /// # Errors
    /// The service could not be asked, or refused.
    async fn plan(&self, caller: Caller<'_>, member_id: i64) -> anyhow::Result<Vec<String>>;

    /// Removes it, and says what was done.
    ///
    /// # Errors
    /// The service could not be asked, refused, or failed part way (then it can be asked again).
    async fn remove(&self, caller: Caller<'_>, member_id: i64) -> anyhow::Result<Vec<String>>;
}

/// A service running alone, asked over HTTP at `{base}{prefix}/api/members/{id}/removal`.
pub struct OverHttp {
    service: &'static str,
    members_url: String,
    http: reqwest::Client,
}

impl OverHttp {
    /// The service `service` (e.g. "Photos") whose routes start with `prefix` (`/photos`), at
    /// `base_url` (`http://photos:8080`).
    ///
    /// # Errors
    /// The HTTP client cannot be built.
    pub fn new(service: &'static str, prefix: &str, base_url: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).build()?;
        let members_url = format!("{}{prefix}/api/members", base_url.trim_end_matches('/'));
        Ok(Self { service, members_url, http })
    }

    async fn ask(&self, request: reqwest::RequestBuilder) -> anyhow::Result<Vec<String>> {
        let response = request
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{} is not answering ({}): {e}", self.service, without_query(e.url())))?;
        let status = response.status();
        if !status.is_success() {
            let detail = response
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|problem| problem.get("detail").and_then(serde_json::Value::as_str).map(str::to_owned));
            anyhow::bail!(
                "{} answered {status}: {}",
                self.service,
                detail.unwrap_or_else(|| "no reason given".to_owned())
            );
        }
        let answer: RemovalSummary = response
            .json()
            .await
            .map_err(|e| anyhow::anyhow!("{} sent an answer that is not a removal summary: {e}", self.service))?;
        Ok(answer.summary)
    }
}

fn without_query(url: Option<&reqwest::Url>) -> String {
    url.map_or_else(String::new, |u| format!("{}{}", u.origin().ascii_serialization(), u.path()))
}

#[async_trait]
impl MemberRemoval for OverHttp {
    fn service(&self) -> &'static str {
        self.service
    }

    async fn plan(&self, caller: Caller<'_>, member_id: i64) -> anyhow::Result<Vec<String>> {
        let url = format!("{}/{member_id}/removal", self.members_url);
        self.ask(self.http.get(url).bearer_auth(caller.token).timeout(PLAN_TIMEOUT)).await
    }

    async fn remove(&self, caller: Caller<'_>, member_id: i64) -> anyhow::Result<Vec<String>> {
        let url = format!("{}/{member_id}/removal", self.members_url);
        self.ask(self.http.post(url).bearer_auth(caller.token).timeout(REMOVE_TIMEOUT)).await
    }
}
