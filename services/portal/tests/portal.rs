//! The portal through HTTP, in-process, on SQLite and PostgreSQL: setup, login, invites,
//! sessions, tokens, disabling, helping a member (reset links, roles, deleting an account),
//! time zones, the icons, and the bad inputs each of them must refuse clearly.

use hearth_shared::db::Backend;
use hearth_shared::testing::{TestClient, TestDatabase, TestServer};
use hearth_shared::{both_backends, http};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection as _;

/// A portal on a fresh database, with the admin created through the setup form.
struct Portal {
    server: TestServer,
    db: TestDatabase,
    admin: TestClient,
    accounts: hearth_portal::Accounts,
}

const ADMIN_PASSWORD: &str = "admin password";

impl Portal {
    async fn start(backend: Backend) -> Option<Self> {
        let db = TestDatabase::create(backend).await?;
        let config = db.config();
        let state = hearth_portal::AppState::new(config.clone()).await.expect("portal state");
        let accounts = state.accounts.clone();
        let server = TestServer::start(http::app(hearth_portal::router(state), &config)).await;
        let admin = server.client();
        let response = admin
            .post_form("/setup", &[("display_name", "Mum"), ("username", "mum"), ("password", ADMIN_PASSWORD)])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "setup redirects home");
        Some(Self { server, db, admin, accounts })
    }

    /// A bearer token for `username` from the login API.
    async fn token(&self, username: &str, password: &str) -> String {
        let response =
            self.api_post("/api/auth/login", None, json!({"username": username, "password": password})).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.expect("json")["token"].as_str().expect("token").to_owned()
    }

    async fn api_post(&self, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
        let mut request = reqwest::Client::new().post(self.server.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("POST")
    }

    async fn api_get(&self, path: &str, token: &str) -> reqwest::Response {
        reqwest::Client::new().get(self.server.url(path)).bearer_auth(token).send().await.expect("GET")
    }

    /// Invites and signs up a member through the API; returns the member's session token.
    async fn member(&self, username: &str) -> String {
        let admin = self.token("mum", ADMIN_PASSWORD).await;
        let invite: Value = self.api_post("/api/invites", Some(&admin), json!({})).await.json().await.expect("json");
        let accepted = self
            .api_post(
                "/api/invites/accept",
                None,
                json!({"token": invite["token"], "username": username, "display_name": "Kid", "password": "kid password"}),
            )
            .await;
        assert_eq!(accepted.status(), StatusCode::CREATED);
        accepted.json::<Value>().await.expect("json")["token"].as_str().expect("token").to_owned()
    }

    async fn sql(&self, statement: &str) {
        let mut conn = sqlx::AnyConnection::connect(&self.db.url).await.expect("connect");
        let statement = if self.db.url.starts_with("postgres") {
            format!("SET search_path TO portal; {statement}")
        } else {
            statement.to_owned()
        };
        sqlx::raw_sql(&statement).execute(&mut conn).await.expect("sql");
    }

    /// The member `username`'s user id.
    async fn user_id(&self, username: &str) -> i64 {
        let admin = self.token("mum", ADMIN_PASSWORD).await;
        let users: Value = self.api_get("/api/users", &admin).await.json().await.expect("json");
        users.as_array().expect("list").iter().find(|u| u["username"] == username).expect("user")["id"]
            .as_i64()
            .expect("id")
    }
}

/// The value of the field `id` on a page (a secret shown once), if it is there.
fn field_value(html: &str, id: &str) -> Option<String> {
    html.split(&format!("id=\"{id}\" value=\"")).nth(1).and_then(|s| s.split('"').next()).map(str::to_owned)
}

fn location(response: &reqwest::Response) -> &str {
    response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
}

async fn problem(response: reqwest::Response) -> Value {
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert_eq!(content_type, "application/problem+json");
    response.json().await.expect("problem json")
}

async fn first_visit_sets_up_the_admin_then_login_and_logout_work(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let config = db.config();
    let state = hearth_portal::AppState::new(config.clone()).await.expect("state");
    let server = TestServer::start(http::app(hearth_portal::router(state), &config)).await;
    let browser = server.client();
    let home = browser.get("/").await;
    assert_eq!(location(&home), "/setup");
    let short =
        browser.post_form("/setup", &[("display_name", "Mum"), ("username", "mum"), ("password", "short")]).await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.text().await.expect("body").contains("at least 8 characters"));
    let created = browser
        .post_form("/setup", &[("display_name", "Mum"), ("username", "Mum"), ("password", ADMIN_PASSWORD)])
        .await;
    assert_eq!(location(&created), "/");
    let home = browser.get("/").await;
    assert_eq!(home.status(), StatusCode::OK);
    assert!(home.text().await.expect("body").contains("Hello, Mum"));

    let again = server
        .client()
        .post_form("/setup", &[("display_name", "X"), ("username", "x1"), ("password", "whatever1")])
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "setup runs once");

    let out = browser.post_form("/logout", &[]).await;
    assert_eq!(location(&out), "/login");
    assert_eq!(location(&browser.get("/").await), "/login?next=%2F");
    let login =
        browser.post_form("/login", &[("username", "mum"), ("password", ADMIN_PASSWORD), ("next", "/account")]).await;
    assert_eq!(location(&login), "/account");
    assert_eq!(browser.get("/account").await.status(), StatusCode::OK);
}

async fn wrong_passwords_are_refused_clearly_and_throttled(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let browser = portal.server.client();
    let wrong = browser.post_form("/login", &[("username", "mum"), ("password", "not it at all")]).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.expect("body").contains("do not match"));
    let api = portal.api_post("/api/auth/login", None, json!({"username": "mum", "password": "nope nope"})).await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    assert!(problem(api).await["detail"].as_str().expect("detail").contains("do not match"));
    for _ in 0..3 {
        browser.post_form("/login", &[("username", "mum"), ("password", "still wrong")]).await;
    }
    let blocked = browser.post_form("/login", &[("username", "mum"), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS, "five failures lock the account for a while");
    assert!(blocked.headers().contains_key("retry-after"));
    assert!(blocked.text().await.expect("body").contains("Too many failed logins"));
}

/// 150 wrong passwords sent as fast as 100 connections allow (one address may hold 128), as
/// a flood would: the address's 20 attempts are counted as they start, so the rest are
/// refused at once with 429 instead of each costing an argon2 hash; the same for one
/// account's 5.
async fn a_flood_of_simultaneous_logins_is_refused_before_it_is_hashed(backend: Backend) {
    use futures_util::StreamExt as _;
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let http = reqwest::Client::new();
    let url = portal.server.url("/api/auth/login");
    let statuses = |usernames: Vec<String>| {
        let (http, url) = (&http, &url);
        futures_util::stream::iter(usernames)
            .map(move |username| async move {
                let body = json!({"username": username, "password": "guessing"});
                http.post(url).json(&body).send().await.expect("POST").status()
            })
            .buffer_unordered(100)
            .collect::<Vec<_>>()
    };
    // On a loaded machine a few may also be told to come back by the hashing bound (429):
    // what matters is how many passwords were checked at all.
    let checked = |statuses: &[StatusCode]| {
        assert!(statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::TOO_MANY_REQUESTS));
        statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count()
    };
    let one_account = statuses(vec!["mum".to_owned(); 50]).await;
    assert!((1..=5).contains(&checked(&one_account)), "{one_account:?}");
    let many_accounts = statuses((0..150).map(|n| format!("guess{n}")).collect()).await;
    assert!((1..=15).contains(&checked(&many_accounts)), "the address had 20 attempts, mum's used up to 5");
}

async fn an_invite_link_makes_one_member_once(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let made = portal.admin.post_form("/admin/invites", &[("role", "member")]).await;
    assert_eq!(location(&made), "/admin", "the form redirects, so a reload does not post again");
    let html = portal.admin.get("/admin").await.text().await.expect("body");
    let again = portal.admin.get("/admin").await.text().await.expect("body");
    assert!(!again.contains("id=\"invite-url\""), "the link is shown once");
    let url =
        html.split("id=\"invite-url\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("invite url shown");
    let path = url.split_once("/invite/").map(|(_, token)| format!("/invite/{token}")).expect("invite path");

    let phone = portal.server.client();
    assert_eq!(phone.get(&path).await.status(), StatusCode::OK);
    let taken =
        phone.post_form(&path, &[("display_name", "Kid"), ("username", "mum"), ("password", "kid password")]).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert!(taken.text().await.expect("body").contains("is taken"));
    let joined =
        phone.post_form(&path, &[("display_name", "Kid"), ("username", "kid"), ("password", "kid password")]).await;
    assert_eq!(location(&joined), "/");
    assert!(phone.get("/").await.text().await.expect("body").contains("Hello, Kid"));

    let reused = portal.server.client().get(&path).await;
    assert_eq!(reused.status(), StatusCode::GONE);
    assert!(reused.text().await.expect("body").contains("already been used"));
    let unknown = portal.server.client().get("/invite/not-a-real-token").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let kid = portal.token("kid", "kid password").await;
    let forbidden = portal.api_post("/api/invites", Some(&kid), json!({})).await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    assert!(problem(forbidden).await["detail"].as_str().expect("detail").contains("admin"));
}

async fn an_expired_invite_says_so(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let admin = portal.token("mum", ADMIN_PASSWORD).await;
    let invite: Value =
        portal.api_post("/api/invites", Some(&admin), json!({"role": "member"})).await.json().await.expect("json");
    portal.sql("UPDATE invites SET expires_at = 0").await;
    let expired = portal.server.client().get(invite["path"].as_str().expect("path")).await;
    assert_eq!(expired.status(), StatusCode::GONE);
    assert!(expired.text().await.expect("body").contains("expired"));
}

async fn disabling_a_member_locks_them_out(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let kid = portal.member("kid").await;
    let me: Value = portal.api_get("/api/me", &kid).await.json().await.expect("json");
    assert_eq!(me["role"], "member");
    let admin = portal.token("mum", ADMIN_PASSWORD).await;
    let disabled = portal.api_post(&format!("/api/users/{}/disable", me["user_id"]), Some(&admin), json!({})).await;
    assert_eq!(disabled.status(), StatusCode::NO_CONTENT);
    assert_eq!(portal.api_get("/api/me", &kid).await.status(), StatusCode::UNAUTHORIZED);
    let login = portal.api_post("/api/auth/login", None, json!({"username": "kid", "password": "kid password"})).await;
    assert!(problem(login).await["detail"].as_str().expect("detail").contains("disabled"));
    let introspection: Value =
        portal.api_post("/api/auth/introspect", None, json!({"token": kid})).await.json().await.expect("json");
    assert_eq!(introspection["active"], false);
}

/// A token made before the account was disabled does not come back when it is enabled.
async fn enabling_a_member_again_brings_back_no_old_token(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let kid = portal.member("kid").await;
    let script: Value =
        portal.api_post("/api/me/tokens", Some(&kid), json!({"name": "game bot"})).await.json().await.expect("json");
    let script = script["token"].as_str().expect("token").to_owned();
    let me: Value = portal.api_get("/api/me", &script).await.json().await.expect("json");
    let admin = portal.token("mum", ADMIN_PASSWORD).await;
    for action in ["disable", "enable"] {
        let changed = portal.api_post(&format!("/api/users/{}/{action}", me["user_id"]), Some(&admin), json!({})).await;
        assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(portal.api_get("/api/me", &script).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(portal.api_get("/api/me", &kid).await.status(), StatusCode::UNAUTHORIZED);
    portal.token("kid", "kid password").await;
}

async fn sessions_and_api_tokens_can_be_listed_and_revoked(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let laptop = portal.token("mum", ADMIN_PASSWORD).await;
    let phone = portal.token("mum", ADMIN_PASSWORD).await;
    let sessions: Value = portal.api_get("/api/me/sessions", &laptop).await.json().await.expect("json");
    assert_eq!(sessions.as_array().expect("list").len(), 3, "setup form, laptop and phone");
    let introspection: Value =
        portal.api_post("/api/auth/introspect", None, json!({"token": phone})).await.json().await.expect("json");
    assert_eq!(introspection["identity"]["username"], "mum");

    let created = portal.api_post("/api/me/tokens", Some(&laptop), json!({"name": "backup script"})).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.expect("json");
    let script = created["token"].as_str().expect("token").to_owned();
    assert!(script.starts_with("hth_"));
    assert_eq!(portal.api_get("/api/me", &script).await.status(), StatusCode::OK);
    let revoke = reqwest::Client::new()
        .delete(portal.server.url(&format!("/api/me/tokens/{}", created["info"]["id"].as_str().expect("id"))))
        .bearer_auth(&laptop)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    assert_eq!(portal.api_get("/api/me", &script).await.status(), StatusCode::UNAUTHORIZED);

    let logout = portal.api_post("/api/auth/logout", Some(&phone), json!({})).await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(portal.api_get("/api/me", &phone).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(portal.api_get("/api/me", &laptop).await.status(), StatusCode::OK);
}

async fn changing_the_password_ends_other_sessions(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let other = portal.token("mum", ADMIN_PASSWORD).await;
    let script: Value =
        portal.api_post("/api/me/tokens", Some(&other), json!({"name": "backup"})).await.json().await.expect("json");
    let script = script["token"].as_str().expect("token").to_owned();
    let wrong = portal
        .admin
        .post_form("/account/password", &[("current_password", "nope"), ("new_password", "new password")])
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().await.expect("body").contains("current password is not right"));
    let changed = portal
        .admin
        .post_form("/account/password", &[("current_password", ADMIN_PASSWORD), ("new_password", "new password")])
        .await;
    assert_eq!(location(&changed), "/account?done=password");
    assert_eq!(portal.admin.get("/account").await.status(), StatusCode::OK, "this session stays");
    assert_eq!(portal.api_get("/api/me", &other).await.status(), StatusCode::UNAUTHORIZED, "others end");
    assert_eq!(portal.api_get("/api/me", &script).await.status(), StatusCode::UNAUTHORIZED, "tokens end");
    portal.token("mum", "new password").await;
}

/// A request that sends an `Authorization` header is not forgeable, so it skips the CSRF check:
/// its cookie must then not sign it in either.
async fn a_cookie_beside_an_authorization_header_signs_nobody_in(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    assert_eq!(portal.admin.get("/api/me").await.status(), StatusCode::OK);
    let forged = portal
        .admin
        .http
        .post(portal.server.url("/api/me/tokens"))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .json(&json!({"name": "stolen"}))
        .send()
        .await
        .expect("POST");
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
}

async fn after_login_only_this_sites_paths_are_followed(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    for (next, expected) in [
        ("/photos/%3Falbum%3D3", "/photos/?album=3"),
        ("/%09/evil.example/x", "/"),
        ("//evil.example", "/"),
        ("/%0A/evil.example", "/"),
        ("/%0D%0ASet-Cookie:%20x=1", "/"),
        ("https://evil.example/", "/"),
    ] {
        let response = portal.admin.get(&format!("/login?next={next}")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(location(&response), expected, "{next}");
    }
}

/// The page that shows a new API token's secret once is never kept by a browser's or a
/// proxy's cache.
async fn pages_with_secrets_are_not_cached(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let created = portal.admin.post_form("/account/tokens", &[("name", "phone")]).await;
    let shown = portal.admin.get(location(&created)).await;
    assert_eq!(shown.status(), StatusCode::OK);
    assert_eq!(shown.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    assert!(shown.text().await.expect("page").contains("hth_"), "the secret is on the page");
}

async fn bad_requests_get_clear_4xx_answers(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let forged = portal.admin.post_form_without_csrf("/admin/invites", &[("role", "member")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(forged.text().await.expect("body").contains("Reload the page"));

    let http = reqwest::Client::new();
    let malformed = http
        .post(portal.server.url("/api/auth/login"))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .expect("POST");
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert!(!problem(malformed).await["detail"].as_str().expect("detail").is_empty());

    let missing_field = portal.api_post("/api/auth/login", None, json!({"username": "mum"})).await;
    assert_eq!(missing_field.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem(missing_field).await["detail"].as_str().expect("detail").contains("password"));

    let oversize = portal
        .api_post("/api/auth/login", None, json!({"username": "x".repeat(3 * 1024 * 1024), "password": "y"}))
        .await;
    assert_eq!(oversize.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(problem(oversize).await["detail"].as_str().expect("detail").contains("smaller"));

    let unknown = http.get(portal.server.url("/api/nothing-here")).send().await.expect("GET");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(problem(unknown).await["instance"], "/api/nothing-here");
    let page = portal.admin.get("/no/such/page").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.text().await.expect("body").contains("There is nothing at /no/such/page"));

    let not_json = http.post(portal.server.url("/api/auth/login")).body("username=mum").send().await.expect("POST");
    assert_eq!(not_json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let bad_name = portal.admin.post_form("/account/tokens", &[("name", "")]).await;
    assert_eq!(bad_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let not_admin_page = portal.server.client().get("/admin").await;
    assert_eq!(location(&not_admin_page), "/login?next=%2Fadmin");
}

async fn health_metrics_and_api_docs_answer(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    for path in ["/healthz", "/readyz", "/metrics", "/api/openapi.json", "/api/docs", "/static/hearth.css"] {
        assert_eq!(portal.admin.get(path).await.status(), StatusCode::OK, "{path}");
    }
    let metrics = portal.admin.get("/metrics").await.text().await.expect("body");
    assert!(metrics.contains("http_requests_total"));
    assert!(metrics.contains("http_request_duration_seconds_bucket"));
    let doc: Value = portal.admin.get("/api/openapi.json").await.json().await.expect("json");
    assert!(doc["paths"]["/api/auth/introspect"]["post"].is_object());
    let docs = portal.admin.get("/api/docs").await.text().await.expect("body");
    assert!(docs.contains("/api/auth/login") && !docs.contains("https://"), "docs load nothing from the internet");
}

/// A member who forgot their password: the admin makes a one-time link (shown at the top of
/// the family page), the member chooses a new password with it and is signed in; whatever
/// knew the old password (their other sessions, their API tokens) stops working.
async fn a_reset_link_lets_a_member_choose_a_new_password_once(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let kid_tablet = portal.member("kid").await;
    let script: Value =
        portal.api_post("/api/me/tokens", Some(&kid_tablet), json!({"name": "bot"})).await.json().await.expect("json");
    let script = script["token"].as_str().expect("token").to_owned();
    let kid = portal.user_id("kid").await;

    let made = portal.admin.post_form(&format!("/admin/users/{kid}/reset"), &[]).await;
    assert_eq!(location(&made), "/admin", "the form redirects, so a reload makes no second link");
    let page = portal.admin.get("/admin").await.text().await.expect("page");
    let url = field_value(&page, "reset-url").expect("the link is shown");
    assert!(
        page.find("id=\"reset-url\"") < page.find("<h1>"),
        "the new link is at the top of the page, where the eye is"
    );
    assert!(page.contains("reset link open until"), "the person's row says a link is open");
    assert!(field_value(&portal.admin.get("/admin").await.text().await.expect("page"), "reset-url").is_none());
    let path = url.split_once("/reset/").map(|(_, token)| format!("/reset/{token}")).expect("reset path");
    assert_eq!(portal.api_get("/api/me", &kid_tablet).await.status(), StatusCode::OK, "nothing ends before it is used");

    let phone = portal.server.client();
    let form = phone.get(&path).await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.text().await.expect("page").contains("Hello, Kid"));
    let short = phone.post_form(&path, &[("new_password", "short")]).await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.text().await.expect("page").contains("at least 8 characters"));
    let saved = phone.post_form(&path, &[("new_password", "new kid password")]).await;
    assert_eq!(location(&saved), "/?done=password");
    let home = phone.get("/").await.text().await.expect("page");
    assert!(home.contains("Hello, Kid"), "the member is signed in by the link");

    assert_eq!(portal.api_get("/api/me", &kid_tablet).await.status(), StatusCode::UNAUTHORIZED, "old sessions end");
    assert_eq!(portal.api_get("/api/me", &script).await.status(), StatusCode::UNAUTHORIZED, "API tokens end");
    let old = portal.api_post("/api/auth/login", None, json!({"username": "kid", "password": "kid password"})).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    portal.token("kid", "new kid password").await;
    let reused = portal.server.client().get(&path).await;
    assert_eq!(reused.status(), StatusCode::GONE);
    assert!(reused.text().await.expect("page").contains("already been used"));
}

async fn a_reset_link_is_replaced_expires_and_is_only_for_others(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let kid_token = portal.member("kid").await;
    let kid = portal.user_id("kid").await;
    let admin = portal.token("mum", ADMIN_PASSWORD).await;
    let reset = |admin: String| {
        let url = format!("/api/users/{kid}/password-reset");
        let portal = &portal;
        async move { portal.api_post(&url, Some(&admin), json!({})).await }
    };
    let first: Value = reset(admin.clone()).await.json().await.expect("json");
    let second = reset(admin.clone()).await;
    assert_eq!(second.status(), StatusCode::CREATED);
    let second: Value = second.json().await.expect("json");
    let replaced = portal.server.client().get(first["path"].as_str().expect("path")).await;
    assert_eq!(replaced.status(), StatusCode::NOT_FOUND, "only the newest link works");
    assert!(replaced.text().await.expect("page").contains("replaced by a newer one"));
    let open: Value = portal.api_get("/api/password-resets", &admin).await.json().await.expect("json");
    assert_eq!(open.as_array().expect("list").len(), 1);

    portal.sql("UPDATE password_resets SET expires_at = 0").await;
    let expired = portal.server.client().get(second["path"].as_str().expect("path")).await;
    assert_eq!(expired.status(), StatusCode::GONE);
    assert!(expired.text().await.expect("page").contains("expired"));
    let by_api = portal
        .api_post("/api/password-resets/use", None, json!({"token": second["token"], "new_password": "whatever123"}))
        .await;
    assert_eq!(by_api.status(), StatusCode::GONE);

    let own = portal
        .api_post(&format!("/api/users/{}/password-reset", portal.user_id("mum").await), Some(&admin), json!({}))
        .await;
    assert_eq!(own.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem(own).await["detail"].as_str().expect("detail").contains("account page"));
    let not_admin = portal.api_post(&format!("/api/users/{kid}/password-reset"), Some(&kid_token), json!({})).await;
    assert_eq!(not_admin.status(), StatusCode::FORBIDDEN);
    portal.api_post(&format!("/api/users/{kid}/disable"), Some(&admin), json!({})).await;
    let disabled = reset(admin.clone()).await;
    assert_eq!(disabled.status(), StatusCode::CONFLICT);
    assert!(problem(disabled).await["detail"].as_str().expect("detail").contains("Enable the account first"));
    let nobody = portal.api_post("/api/users/999999/password-reset", Some(&admin), json!({})).await;
    assert_eq!(nobody.status(), StatusCode::NOT_FOUND);
}

async fn an_admin_changes_a_role_but_never_their_own(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let kid_token = portal.member("kid").await;
    let kid = portal.user_id("kid").await;
    let made = portal.admin.post_form(&format!("/admin/users/{kid}/role"), &[("role", "admin")]).await;
    assert_eq!(location(&made), "/admin?done=role");
    let me: Value = portal.api_get("/api/me", &kid_token).await.json().await.expect("json");
    assert_eq!(me["role"], "admin", "the member's own session sees the new role");

    let mum = portal.user_id("mum").await;
    let own = portal.api_post(&format!("/api/users/{mum}/role"), Some(&kid_token), json!({"role": "member"})).await;
    assert_eq!(own.status(), StatusCode::OK, "another admin can make mum a member");
    let admin = portal.token("mum", ADMIN_PASSWORD).await;
    let refused = portal.api_post(&format!("/api/users/{kid}/role"), Some(&admin), json!({"role": "member"})).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "mum is a member now");
    let self_change =
        portal.api_post(&format!("/api/users/{kid}/role"), Some(&kid_token), json!({"role": "member"})).await;
    assert_eq!(self_change.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem(self_change).await["detail"].as_str().expect("detail").contains("another admin"));
    let nonsense = portal.api_post(&format!("/api/users/{mum}/role"), Some(&kid_token), json!({"role": "owner"})).await;
    assert_eq!(nonsense.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem(nonsense).await["detail"].as_str().expect("detail").contains("admin or member"));
}

/// The sessions list names devices ("Firefox on Android · last seen …"), logging in again in
/// the same browser replaces its session instead of adding a row, "log out everywhere else"
/// keeps only this one, and expired sessions are swept.
async fn sessions_are_named_by_device_and_the_list_stays_short(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let android = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0";
    let response = reqwest::Client::new()
        .post(portal.server.url("/api/auth/login"))
        .header("user-agent", android)
        .json(&json!({"username": "mum", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("login");
    let phone: Value = response.json().await.expect("json");
    let phone = phone["token"].as_str().expect("token").to_owned();
    let page = portal.admin.get("/account").await.text().await.expect("page");
    assert!(page.contains("Firefox on Android"), "the device is named");
    assert!(!page.contains("Gecko/128.0"), "not the raw user agent");
    assert!(page.contains("last seen <time datetime="), "with when it was last seen");

    for _ in 0..3 {
        let again =
            portal.admin.post_form("/login", &[("username", "mum"), ("password", ADMIN_PASSWORD), ("next", "/")]).await;
        assert_eq!(location(&again), "/");
    }
    let sessions: Value = portal.api_get("/api/me/sessions", &phone).await.json().await.expect("json");
    assert_eq!(sessions.as_array().expect("list").len(), 2, "logging in again replaces the browser's session");

    let ended = portal.admin.post_form("/account/sessions/others/revoke", &[]).await;
    assert_eq!(location(&ended), "/account?done=others");
    assert_eq!(portal.api_get("/api/me", &phone).await.status(), StatusCode::UNAUTHORIZED);
    let page = portal.admin.get("/account").await.text().await.expect("page");
    assert!(page.contains("this device") && !page.contains("Log out everywhere else"), "only this one is left");

    let script = portal.token("mum", ADMIN_PASSWORD).await;
    portal.sql("UPDATE sessions SET expires_at = 1").await;
    assert_eq!(portal.accounts.sweep_expired().await.expect("sweep"), 2);
    assert_eq!(portal.api_get("/api/me", &script).await.status(), StatusCode::UNAUTHORIZED);
}

/// Times are `<time>` elements the script shows in the viewer's zone; a zone chosen on the
/// account page is said on the pages people land on.
async fn a_chosen_time_zone_is_kept_and_said(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let home = portal.admin.get("/").await.text().await.expect("page");
    assert!(home.contains("<html lang=\"en\" data-time-zone=\"\">"), "automatic until one is chosen");
    let saved = portal.admin.post_form("/account/time-zone", &[("time_zone", "Europe/London")]).await;
    assert_eq!(location(&saved), "/account?done=zone");
    let home = portal.admin.get("/").await.text().await.expect("page");
    assert!(home.contains("data-time-zone=\"Europe/London\""));
    let account = portal.admin.get("/account").await.text().await.expect("page");
    assert!(account.contains("<option value=\"Europe/London\" selected>"));
    let bad = portal.admin.post_form("/account/time-zone", &[("time_zone", "<script>")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = bad.text().await.expect("page");
    assert!(bad.contains("is not a time zone") && !bad.contains("<script>"), "refused, and escaped");
    let back = portal.admin.post_form("/account/time-zone", &[("time_zone", "")]).await;
    assert_eq!(location(&back), "/account?done=zone");
    assert!(portal.admin.get("/").await.text().await.expect("page").contains("data-time-zone=\"\""));
}

/// "Add to home screen" finds a manifest and icons; `/favicon.ico` exists.
async fn the_icons_and_the_manifest_are_served(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let favicon = portal.admin.get("/favicon.ico").await;
    assert_eq!(favicon.status(), StatusCode::OK);
    assert_eq!(favicon.headers()["content-type"], "image/x-icon");
    assert_eq!(&favicon.bytes().await.expect("icon")[..4], &[0, 0, 1, 0], "an ICO file");
    let page = portal.admin.get("/").await.text().await.expect("page");
    for link in ["rel=\"manifest\" href=\"/static/manifest.webmanifest\"", "rel=\"apple-touch-icon\"", "rel=\"icon\""] {
        assert!(page.contains(link), "{link}");
    }
    let manifest = portal.admin.get("/static/manifest.webmanifest").await;
    assert_eq!(manifest.headers()["content-type"], "application/manifest+json");
    let manifest: Value = manifest.json().await.expect("json");
    assert_eq!(manifest["start_url"], "/");
    for icon in manifest["icons"].as_array().expect("icons") {
        let path = format!("/static/{}", icon["src"].as_str().expect("src"));
        let answer = portal.admin.get(&path).await;
        assert_eq!(answer.status(), StatusCode::OK, "{path}");
        assert_eq!(answer.headers()["content-type"], icon["type"].as_str().expect("type"), "{path}");
    }
}

/// A portal running alone without the other services' addresses deletes the account, and
/// says before that nothing is removed in the services it cannot reach.
async fn a_portal_alone_deletes_an_account_and_says_what_it_cannot_reach(backend: Backend) {
    let Some(portal) = Portal::start(backend).await else {
        return;
    };
    let kid_token = portal.member("kid").await;
    let kid = portal.user_id("kid").await;
    let invite = portal.api_post("/api/invites", Some(&kid_token), json!({})).await;
    assert_eq!(invite.status(), StatusCode::FORBIDDEN);
    let plan = portal.admin.get(&format!("/admin/users/{kid}/delete")).await;
    assert_eq!(plan.status(), StatusCode::OK);
    let plan = plan.text().await.expect("page");
    assert!(plan.contains("Delete Kid&#39;s account?") || plan.contains("Delete Kid's account?"), "{plan}");
    assert!(plan.contains("HEARTH_PHOTOS_URL is not set"), "says what it cannot reach");
    assert!(plan.contains("1 session and no API tokens end now."), "{plan}");
    let deleted = portal.admin.post_form(&format!("/admin/users/{kid}/delete"), &[]).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert!(deleted.text().await.expect("page").contains("is deleted"));
    assert_eq!(portal.api_get("/api/me", &kid_token).await.status(), StatusCode::UNAUTHORIZED);
    let admin = portal.token("mum", ADMIN_PASSWORD).await;
    let users: Value = portal.api_get("/api/users", &admin).await.json().await.expect("json");
    assert_eq!(users.as_array().expect("list").len(), 1, "only mum is left");
    portal.member("kid").await;
    let mum = portal.user_id("mum").await;
    let own = reqwest::Client::new()
        .delete(portal.server.url(&format!("/api/users/{mum}")))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(own.status(), StatusCode::UNPROCESSABLE_ENTITY, "nobody deletes their own account");
}

both_backends!(
    first_visit_sets_up_the_admin_then_login_and_logout_work,
    wrong_passwords_are_refused_clearly_and_throttled,
    a_flood_of_simultaneous_logins_is_refused_before_it_is_hashed,
    an_invite_link_makes_one_member_once,
    an_expired_invite_says_so,
    disabling_a_member_locks_them_out,
    enabling_a_member_again_brings_back_no_old_token,
    a_cookie_beside_an_authorization_header_signs_nobody_in,
    after_login_only_this_sites_paths_are_followed,
    pages_with_secrets_are_not_cached,
    sessions_and_api_tokens_can_be_listed_and_revoked,
    changing_the_password_ends_other_sessions,
    bad_requests_get_clear_4xx_answers,
    health_metrics_and_api_docs_answer,
    a_reset_link_lets_a_member_choose_a_new_password_once,
    a_reset_link_is_replaced_expires_and_is_only_for_others,
    an_admin_changes_a_role_but_never_their_own,
    sessions_are_named_by_device_and_the_list_stays_short,
    a_chosen_time_zone_is_kept_and_said,
    the_icons_and_the_manifest_are_served,
    a_portal_alone_deletes_an_account_and_says_what_it_cannot_reach,
);
