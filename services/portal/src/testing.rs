//! A signed-in family for other services' tests (feature `testing`): the real portal and the
//! service under test in one in-process server, an admin (Mum) and a member (Kid) with API
//! tokens and browser-like clients that are logged in.

use std::future::Future;

use axum::Router;
use hearth_shared::testing::{TestClient, TestDatabase, TestServer};
use hearth_shared::{AuthClient, Config, Identity, Role, http};

use crate::AppState;
use crate::accounts::{ClientInfo, Signup};

/// A family member signed in to the test server.
pub struct Person {
    pub identity: Identity,
    /// A session token, for `Authorization: Bearer`.
    pub token: String,
    /// A client holding the session cookie, as a logged-in browser.
    pub browser: TestClient,
}

impl Person {
    /// An API client request builder with this person's token.
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.browser.http.get(self.browser.url(path)).bearer_auth(&self.token).header("accept", "application/json")
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.browser
            .http
            .request(method, self.browser.url(path))
            .bearer_auth(&self.token)
            .header("accept", "application/json")
    }
}

pub struct Family {
    pub server: TestServer,
    pub db: TestDatabase,
    pub config: Config,
    pub admin: Person,
    pub member: Person,
}

impl Family {
    /// Starts the portal and the router `service` builds (from the test settings and the
    /// portal's in-process auth), creates the admin and a member, and signs both in.
    ///
    /// # Panics
    /// When the portal or the accounts cannot be set up.
    pub async fn start<F, Fut>(db: TestDatabase, service: F) -> Self
    where
        F: FnOnce(Config, AuthClient) -> Fut,
        Fut: Future<Output = Router>,
    {
        let config = db.config();
        let portal = AppState::new(config.clone()).await.expect("portal");
        let accounts = portal.accounts.clone();
        let service_router = service(config.clone(), portal.auth.clone()).await;
        let app = http::app(crate::router(portal).merge(service_router), &config);
        let server = TestServer::start(app).await;
        let client = ClientInfo::default();
        let mum = Signup { username: "mum", display_name: "Mum", password: "admin password" };
        let admin = accounts.setup(&mum, &client).await.expect("admin");
        let (invite, _) = accounts.create_invite(&admin.identity, Role::Member).await.expect("invite");
        let kid = Signup { username: "kid", display_name: "Kid", password: "kid password" };
        let member = accounts.accept_invite(&invite, &kid, &client).await.expect("member");
        let person = |session: crate::accounts::NewSession| {
            let browser = server.client();
            browser.sign_in(&session.token);
            Person { identity: session.identity, token: session.token, browser }
        };
        let (admin, member) = (person(admin), person(member));
        Self { server, db, config, admin, member }
    }
}
