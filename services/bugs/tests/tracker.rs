//! The bugs service through HTTP, in-process with the real portal, on SQLite and PostgreSQL:
//! the workflow from filing to closing, links and history, the query language end to end,
//! pagination, who may see and change what, CSRF, XSS payloads through every field, and the
//! attachment files of older versions moving into the database.

use hearth_bugs::config::BugsConfig;
use hearth_portal::testing::{Family, Person};
use hearth_shared::db::{Backend, Database};
use hearth_shared::testing::TestDatabase;
use hearth_shared::{AuthClient, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn start(backend: Backend) -> Option<Family> {
    let db = TestDatabase::create(backend).await?;
    Some(
        Family::start(db, |config, auth| async move {
            hearth_bugs::router(hearth_bugs::connect(config, auth).await.expect("bugs state"))
        })
        .await,
    )
}

async fn json(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

async fn call(person: &Person, method: Method, path: &str, body: Value) -> reqwest::Response {
    person.request(method, path).json(&body).send().await.expect("request")
}

/// Creates a project as `admin` (the family sees it unless `admins_only`).
async fn project(admin: &Person, key: &str, admins_only: bool) -> Value {
    let response = call(
        admin,
        Method::POST,
        "/bugs/api/projects",
        json!({ "key": key, "name": format!("{key} things"), "admins_only": admins_only }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    json(response).await
}

/// Files an issue through the API and returns it.
async fn file(person: &Person, key: &str, body: Value) -> Value {
    let response = call(person, Method::POST, &format!("/bugs/api/projects/{key}/issues"), body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "filing an issue");
    json(response).await
}

async fn issue(person: &Person, key: &str, number: i64) -> Value {
    json(person.get(&format!("/bugs/api/projects/{key}/issues/{number}")).send().await.expect("GET")).await
}

/// The references (`HOME-1`) a query finds, as `person`.
async fn found(person: &Person, query: &str) -> Vec<String> {
    let response = person.get("/bugs/api/issues").query(&[("q", query), ("limit", "100")]).send().await.expect("GET");
    assert_eq!(response.status(), StatusCode::OK, "query {query:?}");
    let page = json(response).await;
    page["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["reference"].as_str().expect("ref").to_owned())
        .collect()
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend([7; 32]);
    bytes
}

/// A multipart form as the family form sends it, with the CSRF token in the query.
async fn post_issue_form(
    person: &Person,
    key: &str,
    title: &str,
    description: &str,
    screenshot: Option<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let browser = &person.browser;
    browser.get("/bugs/").await;
    let csrf = browser.cookie("hearth_csrf").expect("csrf cookie");
    let mut form =
        reqwest::multipart::Form::new().text("title", title.to_owned()).text("description", description.to_owned());
    if let Some((name, bytes)) = screenshot {
        form = form.part("screenshot", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
    }
    browser
        .http
        .post(browser.url(&format!("/bugs/p/{key}/issues?csrf_token={csrf}")))
        .header("accept", "text/html")
        .multipart(form)
        .send()
        .await
        .expect("POST form")
}

/// The issue page's comment box as a browser sends it: multipart, CSRF token in the query.
async fn post_comment_form(
    person: &Person,
    (key, number): (&str, i64),
    body: &str,
    file: Option<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let browser = &person.browser;
    browser.get("/bugs/").await;
    let csrf = browser.cookie("hearth_csrf").expect("csrf cookie");
    let mut form = reqwest::multipart::Form::new().text("body", body.to_owned());
    if let Some((name, bytes)) = file {
        form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
    }
    browser
        .http
        .post(browser.url(&format!("/bugs/p/{key}/{number}/comments?csrf_token={csrf}")))
        .header("accept", "text/html")
        .multipart(form)
        .send()
        .await
        .expect("POST comment")
}

async fn page_of(person: &Person, path: &str) -> String {
    person.browser.get(path).await.text().await.expect("page")
}

async fn family_files_then_admin_triages_duplicates_and_closes(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let (mum, kid) = (&family.admin, &family.member);

    let filed = post_issue_form(
        kid,
        "HOME",
        "The printer page is broken",
        "I pressed *print* and nothing.",
        Some(("shot.png", png())),
    )
    .await;
    assert_eq!(filed.status(), StatusCode::SEE_OTHER);
    assert_eq!(filed.headers()["location"], "/bugs/p/HOME/1");
    let page = kid.browser.get("/bugs/p/HOME/1").await.text().await.expect("page");
    assert!(page.contains("The printer page is broken"));
    assert!(page.contains("<em>print</em>"), "the description is Markdown");
    assert!(page.contains("<img src=\"/bugs/attachments/"), "the screenshot is shown inline");

    let second = post_issue_form(kid, "HOME", "Printer does nothing", "", None).await;
    assert_eq!(second.headers()["location"], "/bugs/p/HOME/2");

    let triaged = call(
        mum,
        Method::POST,
        "/bugs/api/projects/HOME/issues/1/triage",
        json!({ "priority": "high", "labels": ["printer"], "assignee": "mum" }),
    )
    .await;
    assert_eq!(triaged.status(), StatusCode::OK);
    let triaged = json(triaged).await;
    assert_eq!(triaged["issue"]["priority"], "high");
    assert_eq!(triaged["issue"]["labels"], json!(["printer"]));
    assert_eq!(triaged["issue"]["assignee"], "Mum");

    let marked = mum.browser.post_form("/bugs/p/HOME/2/links", &[("kind", "duplicate_of"), ("target", "HOME-1")]).await;
    assert_eq!(marked.status(), StatusCode::SEE_OTHER);
    let duplicate = issue(kid, "HOME", 2).await;
    assert_eq!(duplicate["issue"]["status"], "resolved");
    assert_eq!(duplicate["issue"]["resolution"], "duplicate");
    assert_eq!(duplicate["issue"]["duplicate_of"], 1);
    assert_eq!(duplicate["links"][0]["reference"], "HOME-1");
    assert_eq!(issue(kid, "HOME", 1).await["links"][0]["reference"], "HOME-2", "the original shows the duplicate");

    let comment = mum.browser.post_form("/bugs/p/HOME/1/comments", &[("body", "Fixed: new **toner**.")]).await;
    assert_eq!(comment.status(), StatusCode::SEE_OTHER);
    let closed = mum.browser.post_form("/bugs/p/HOME/1/status", &[("status", "closed"), ("resolution", "fixed")]).await;
    assert_eq!(closed.status(), StatusCode::SEE_OTHER);

    let seen = issue(kid, "HOME", 1).await;
    assert_eq!(seen["issue"]["status"], "closed");
    assert_eq!(seen["issue"]["resolution"], "fixed");
    let fields: Vec<&str> =
        seen["history"].as_array().expect("history").iter().map(|e| e["field"].as_str().expect("field")).collect();
    assert_eq!(fields, ["created", "attachment", "priority", "labels", "assignee", "status"]);
    assert_eq!(seen["history"][5]["new_value"], "Closed (fixed)");
    assert_eq!(seen["comments"][0]["body"], "Fixed: new **toner**.");
    let page = kid.browser.get("/bugs/p/HOME/1").await.text().await.expect("page");
    assert!(page.contains("<strong>toner</strong>"));
    assert!(page.contains("changed status from Open to Closed (fixed)"), "the timeline shows the change");
}

/// A fresh install has a Home project, so the first bug can be filed before an admin makes
/// any project (docs/adr/0057).
async fn a_fresh_tracker_has_a_home_project_the_family_files_into(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let kid = &family.member;
    let projects = json(kid.get("/bugs/api/projects").send().await.expect("GET")).await;
    assert_eq!(projects.as_array().map(Vec::len), Some(1), "{projects}");
    assert_eq!(projects[0]["key"], "HOME");
    assert_eq!(projects[0]["name"], "Home");
    assert_eq!(projects[0]["visibility"], "family", "the whole family sees it");
    let page = kid.browser.get("/bugs/").await.text().await.expect("page");
    assert!(page.contains("href=\"/bugs/p/HOME/new\""), "the projects page offers to file a bug: {page}");
    let filed = post_issue_form(kid, "HOME", "The hall light flickers", "", None).await;
    assert_eq!(filed.headers()["location"], "/bugs/p/HOME/1");
}

async fn only_the_reporter_assignee_or_an_admin_changes_an_issue(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let (mum, kid) = (&family.admin, &family.member);
    file(mum, "HOME", json!({ "title": "Wi-Fi drops" })).await;
    let status = json!({ "status": "resolved" });
    let refused = call(kid, Method::POST, "/bugs/api/projects/HOME/issues/1/status", status.clone()).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(json(refused).await["detail"].as_str().expect("detail").contains("filed this issue"));
    let commented =
        call(kid, Method::POST, "/bugs/api/projects/HOME/issues/1/comments", json!({ "body": "me too" })).await;
    assert_eq!(commented.status(), StatusCode::CREATED, "anyone may comment");
    call(mum, Method::POST, "/bugs/api/projects/HOME/issues/1/triage", json!({ "assignee": "kid" })).await;
    let allowed = call(kid, Method::POST, "/bugs/api/projects/HOME/issues/1/status", status).await;
    assert_eq!(allowed.status(), StatusCode::OK, "the assignee may");
    let member_project = call(kid, Method::POST, "/bugs/api/projects", json!({ "key": "KID", "name": "Mine" })).await;
    assert_eq!(member_project.status(), StatusCode::FORBIDDEN, "only admins create projects");
}

async fn links_and_bad_status_changes_say_what_to_fix(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let mum = &family.admin;
    project(mum, "NET", false).await;
    file(mum, "HOME", json!({ "title": "Router reboots" })).await;
    file(mum, "NET", json!({ "title": "Firmware update" })).await;
    let linked = call(
        mum,
        Method::POST,
        "/bugs/api/projects/HOME/issues/1/links",
        json!({ "kind": "blocks", "target": "NET-1" }),
    )
    .await;
    assert_eq!(linked.status(), StatusCode::OK);
    assert_eq!(json(linked).await["links"][0]["reference"], "NET-1");
    let other = issue(mum, "NET", 1).await;
    assert_eq!(other["links"][0]["outgoing"], false);
    assert_eq!(other["links"][0]["kind"], "blocks");
    let to_itself = call(
        mum,
        Method::POST,
        "/bugs/api/projects/HOME/issues/1/links",
        json!({ "kind": "relates_to", "target": "1" }),
    )
    .await;
    assert_eq!(to_itself.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let missing = call(
        mum,
        Method::POST,
        "/bugs/api/projects/HOME/issues/1/links",
        json!({ "kind": "relates_to", "target": "HOME-9" }),
    )
    .await;
    assert!(json(missing).await["detail"].as_str().expect("detail").contains("no issue HOME-9"));
    let no_original = call(
        mum,
        Method::POST,
        "/bugs/api/projects/HOME/issues/1/status",
        json!({ "status": "resolved", "resolution": "duplicate" }),
    )
    .await;
    assert_eq!(no_original.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = mum.browser.post_form("/bugs/p/HOME/1/status", &[("status", "open"), ("resolution", "nonsense")]).await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().await.expect("page").contains("The resolution must be one of fixed, wont_fix or duplicate"));
    let history = issue(mum, "HOME", 1).await["history"].as_array().expect("history").len();
    assert_eq!(history, 2, "created and the link; refused changes leave no trace");
}

/// A link from a family issue to one in an admins-only project shows the admins the title;
/// members see neither the link nor the title.
async fn links_to_hidden_projects_do_not_show_their_titles(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let (mum, kid) = (&family.admin, &family.member);
    project(mum, "SECRET", true).await;
    file(kid, "HOME", json!({ "title": "Wifi is slow" })).await;
    file(mum, "SECRET", json!({ "title": "Surprise party for Kid" })).await;
    let linked = call(
        mum,
        Method::POST,
        "/bugs/api/projects/HOME/issues/1/links",
        json!({ "kind": "relates_to", "target": "SECRET-1" }),
    )
    .await;
    assert_eq!(linked.status(), StatusCode::OK);
    assert_eq!(issue(mum, "HOME", 1).await["links"][0]["title"], "Surprise party for Kid");
    assert_eq!(issue(kid, "HOME", 1).await["links"], json!([]));
    let page = kid.browser.get("/bugs/p/HOME/1").await.text().await.expect("page");
    assert!(!page.contains("Surprise party"), "the page does not show it either");
}

async fn the_query_language_finds_the_same_on_both_backends(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let (mum, kid) = (&family.admin, &family.member);
    project(mum, "NET", false).await;
    file(kid, "HOME", json!({ "title": "Paper jam in the printer", "labels": ["printer"], "priority": "high" })).await;
    file(mum, "HOME", json!({ "title": "Printer is out of ink", "labels": ["printer", "wontfix"], "assignee": "kid" }))
        .await;
    file(mum, "NET", json!({ "title": "Wi-Fi is slow", "description": "Since the ÉTÉ update", "priority": "urgent" }))
        .await;
    call(kid, Method::POST, "/bugs/api/projects/NET/issues/1/comments", json!({ "body": "The PAPER tray is fine" }))
        .await;
    call(
        mum,
        Method::POST,
        "/bugs/api/projects/HOME/issues/2/status",
        json!({ "status": "closed", "resolution": "wont_fix" }),
    )
    .await;

    assert_eq!(found(kid, "is:open label:printer").await, ["HOME-1"]);
    assert_eq!(found(kid, "label:printer -label:wontfix").await, ["HOME-1"]);
    assert_eq!(found(kid, "is:closed").await, ["HOME-2"]);
    assert_eq!(found(kid, "assignee:me").await, ["HOME-2"]);
    assert_eq!(found(mum, "assignee:kid").await, ["HOME-2"]);
    assert_eq!(found(kid, "assignee:none sort:created").await, ["NET-1", "HOME-1"]);
    assert_eq!(found(kid, "reporter:me").await, ["HOME-1"]);
    assert_eq!(found(kid, "priority:high").await, ["HOME-1"]);
    assert_eq!(found(kid, "project:net").await, ["NET-1"]);
    assert_eq!(found(kid, "paper sort:oldest").await, ["HOME-1", "NET-1"], "comments are searched");
    assert_eq!(found(kid, "\"paper jam\"").await, ["HOME-1"]);
    assert_eq!(found(kid, "été").await, ["NET-1"], "non-ASCII is lowercased the same way on both");
    assert_eq!(found(kid, "-printer sort:priority").await, ["NET-1"]);
    assert_eq!(found(kid, "sort:priority").await, ["NET-1", "HOME-1", "HOME-2"]);
    assert_eq!(found(kid, "100%").await, Vec::<String>::new(), "LIKE wildcards are escaped");

    let bad = kid.get("/bugs/api/issues").query(&[("q", "is:open colour:red")]).send().await.expect("GET");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(json(bad).await["detail"].as_str().expect("detail").contains("column 9"));
    let page = kid.browser.get("/bugs/issues?q=is%3Aopen+colour%3Ared").await;
    assert_eq!(page.status(), StatusCode::OK, "a malformed query is explained on the page, not an error page");
    let html = page.text().await.expect("html");
    assert!(
        html.contains("There is no filter &quot;colour&quot;") || html.contains("There is no filter &#34;colour&#34;"),
        "{html}"
    );
    assert!(html.contains("        ^^^^^^^^^^"), "a pointer under the query");
    let listed = kid.browser.get("/bugs/p/HOME?q=label%3Aprinter").await.text().await.expect("html");
    assert!(listed.contains("Paper jam in the printer") && listed.contains("Printer is out of ink"));
    assert!(!listed.contains("Wi-Fi is slow"), "a project's list shows its own issues");
}

async fn search_follows_edits_and_comments(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let (mum, kid) = (&family.admin, &family.member);
    file(mum, "HOME", json!({ "title": "Printer smudges", "description": "The toner is low" })).await;
    file(mum, "HOME", json!({ "title": "Doorbell is quiet" })).await;
    assert_eq!(found(kid, "toner").await, ["HOME-1"]);

    let edit = |body: Value| call(mum, Method::PATCH, "/bugs/api/projects/HOME/issues/1", body);
    let edited = edit(json!({ "description": "The *drum* is worn" })).await;
    assert_eq!(edited.status(), StatusCode::OK);
    assert_eq!(json(edited).await["issue"]["description"], "The *drum* is worn");
    assert!(found(kid, "toner").await.is_empty(), "a removed word is no longer found");
    assert_eq!(found(kid, "drum").await, ["HOME-1"]);
    assert_eq!(found(kid, "smudges").await, ["HOME-1"], "the title left out stays");

    call(kid, Method::POST, "/bugs/api/projects/HOME/issues/1/comments", json!({ "body": "Cartridge REPLACED" })).await;
    assert_eq!(found(kid, "cartridge replaced").await, ["HOME-1"]);
    edit(json!({ "title": "Printer streaks" })).await;
    assert_eq!(found(kid, "streaks").await, ["HOME-1"]);
    assert!(found(kid, "smudges").await.is_empty());
    assert_eq!(found(kid, "\"cartridge replaced\"").await, ["HOME-1"], "comments stay searchable after an edit");
    assert_eq!(found(kid, "drum").await, ["HOME-1"]);

    let refused = call(kid, Method::PATCH, "/bugs/api/projects/HOME/issues/1", json!({ "title": "Mine" })).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "only the reporter, the assignee or an admin edits");
    let empty = edit(json!({ "title": "  " })).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(empty).await["detail"].as_str().expect("detail").contains("title"));

    let saved = mum
        .browser
        .post_form("/bugs/p/HOME/2/edit", &[("title", "Doorbell rings twice"), ("description", "At night")])
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER, "the form works without script");
    assert_eq!(found(kid, "twice night").await, ["HOME-2"]);
    let forged = mum.browser.post_form_without_csrf("/bugs/p/HOME/2/edit", &[("title", "Forged")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let page =
        mum.browser.post_form("/bugs/p/HOME/2/edit", &[("title", ""), ("description", "Typed <at> length")]).await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY, "a bad title is explained on the page");
    let html = page.text().await.expect("html");
    assert!(html.contains("Typed &#60;at&#62; length</textarea>"), "the refused description is kept, escaped");
    let comment = "x".repeat(50_001);
    let refused = mum.browser.post_form("/bugs/p/HOME/2/comments", &[("body", comment.as_str())]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "an overlong comment is explained");
    assert!(refused.text().await.expect("html").contains(&format!("{comment}</textarea>")), "and kept");

    let history: Vec<Value> = issue(mum, "HOME", 1).await["history"].as_array().expect("history").clone();
    let fields: Vec<&str> = history.iter().map(|e| e["field"].as_str().expect("field")).collect();
    assert_eq!(fields, ["created", "description", "title"]);
    assert_eq!(history[2]["old_value"], "Printer smudges");
    assert_eq!(history[2]["new_value"], "Printer streaks");
    let html = mum.browser.get("/bugs/p/HOME/1").await.text().await.expect("html");
    assert!(
        html.contains("edited the description")
            && html.contains("changed title from Printer smudges to Printer streaks")
    );
}

async fn lists_come_a_page_at_a_time(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let mum = &family.admin;
    for n in 1..=7 {
        file(
            mum,
            "HOME",
            json!({ "title": format!("Issue {n}"), "priority": if n % 2 == 0 { "high" } else { "low" } }),
        )
        .await;
    }
    for sort in ["created", "oldest", "priority", "updated"] {
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut request =
                mum.get("/bugs/api/issues").query(&[("q", format!("sort:{sort}")), ("limit", "3".to_owned())]);
            if let Some(cursor) = &after {
                request = request.query(&[("after", cursor)]);
            }
            let page = json(request.send().await.expect("GET")).await;
            let issues = page["issues"].as_array().expect("issues");
            assert!(issues.len() <= 3);
            seen.extend(issues.iter().map(|i| i["number"].as_i64().expect("number")));
            match page["next_cursor"].as_str() {
                Some(cursor) => after = Some(cursor.to_owned()),
                None => break,
            }
        }
        let mut sorted = seen.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (1..=7).collect::<Vec<_>>(), "every issue once with sort:{sort}");
        if sort == "priority" {
            assert_eq!(seen, [6, 4, 2, 7, 5, 3, 1]);
        }
    }
    let bad = mum.get("/bugs/api/issues").query(&[("after", "yesterday")]).send().await.expect("GET");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let html = mum.browser.get("/bugs/p/HOME?q=sort%3Acreated").await.text().await.expect("html");
    assert!(!html.contains("rel=\"next\""), "50 per page: 7 fit without a More link");
}

async fn attachments_of_hidden_projects_are_not_found(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let (mum, kid) = (&family.admin, &family.member);
    project(mum, "SECRET", true).await;
    file(mum, "SECRET", json!({ "title": "Birthday present for Kid" })).await;
    let attached = mum
        .request(Method::POST, "/bugs/api/projects/SECRET/issues/1/attachments")
        .query(&[("file_name", "present.png")])
        .body(png())
        .send()
        .await
        .expect("POST");
    assert_eq!(attached.status(), StatusCode::CREATED);
    let url = json(attached).await["url"].as_str().expect("url").to_owned();
    let own = mum.get(&url).send().await.expect("GET");
    assert_eq!(own.status(), StatusCode::OK);
    assert_eq!(own.headers()["content-type"], "image/png");
    assert_eq!(own.headers()["x-content-type-options"], "nosniff");
    assert_eq!(kid.get(&url).send().await.expect("GET").status(), StatusCode::NOT_FOUND, "a guessed id is not found");
    assert_eq!(
        kid.get("/bugs/api/projects/SECRET/issues/1").send().await.expect("GET").status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(kid.browser.get("/bugs/p/SECRET/1").await.status(), StatusCode::NOT_FOUND);
    assert!(found(kid, "birthday").await.is_empty(), "search does not leak it");
    assert_eq!(found(mum, "birthday").await, ["SECRET-1"]);

    file(kid, "HOME", json!({ "title": "Page" })).await;
    let html = kid
        .request(Method::POST, "/bugs/api/projects/HOME/issues/1/attachments")
        .query(&[("file_name", "evil.html")])
        .body("<html><script>alert(1)</script>")
        .send()
        .await
        .expect("POST");
    let url = json(html).await["url"].as_str().expect("url").to_owned();
    let served = kid.get(&url).send().await.expect("GET");
    assert_eq!(served.headers()["content-type"], "application/octet-stream", "never HTML inline");
    assert!(served.headers()["content-disposition"].to_str().expect("ascii").starts_with("attachment;"));
    assert_eq!(kid.get("/bugs/attachments/999").send().await.expect("GET").status(), StatusCode::NOT_FOUND);
}

/// Attachment bytes are in the database, once per digest. An older version kept them as files
/// under `<data dir>/bugs/blobs/ab/<sha256>`: at start they move into the database, and the
/// files and folders go; a file that does not match its name, or that no attachment uses, is
/// left where it is.
async fn attachment_files_of_an_older_version_move_into_the_database(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let mum = &family.admin;
    file(mum, "HOME", json!({ "title": "Printer jams" })).await;
    let mut urls = Vec::new();
    for name in ["jam.png", "same-jam.png"] {
        let attached = mum
            .request(Method::POST, "/bugs/api/projects/HOME/issues/1/attachments")
            .query(&[("file_name", name)])
            .body(png())
            .send()
            .await
            .expect("POST");
        assert_eq!(attached.status(), StatusCode::CREATED);
        urls.push(json(attached).await["url"].as_str().expect("url").to_owned());
    }
    let served = |url: String| async move { mum.get(&url).send().await.expect("GET") };
    let db = Database::connect(&family.db.url_for("bugs"), "bugs", &hearth_bugs::MIGRATIONS).await.expect("bugs db");
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM attachment_blobs").fetch_one(db.pool()).await.expect("count");
    assert_eq!(stored, 1, "the same bytes twice are stored once");
    let root = family.db.data_dir.path().join("bugs");
    assert!(!root.exists(), "no folder is made for attachments");

    // As an older version left it: the bytes in a file, not in the database.
    sqlx::query("DELETE FROM attachment_blobs").execute(db.pool()).await.expect("forget the bytes");
    assert!(served(urls[0].clone()).await.status().is_server_error(), "the bytes are gone");
    let old_file = |bytes: &[u8], name: Option<&str>| {
        let digest = hex(bytes);
        let name = name.unwrap_or(&digest).to_owned();
        let path = root.join("blobs").join(&name[..2]).join(&name);
        std::fs::create_dir_all(path.parent().expect("folder")).expect("folder");
        std::fs::write(&path, bytes).expect("old file");
        path
    };
    let moved = old_file(&png(), None);
    let unused = old_file(b"a screenshot whose issue is not in this database", None);
    let damaged = old_file(b"flipped bits", Some(&hex(b"the bytes it once had")));
    std::fs::create_dir_all(root.join("tmp")).expect("tmp");
    std::fs::write(root.join("tmp/crashed.part"), b"half").expect("half a file");

    let mut config = family.config.clone();
    config.portal_url = Some("http://127.0.0.1:9".to_owned());
    let restart = || async {
        let bugs = BugsConfig::from_lookup(&config, |_| None).expect("bugs config");
        let auth = AuthClient::from_config(&config).expect("auth");
        drop(hearth_bugs::AppState::new(config.clone(), bugs, auth).await.expect("started"));
    };
    restart().await;
    for url in &urls {
        let response = served(url.clone()).await;
        assert_eq!(response.status(), StatusCode::OK, "served from the database");
        assert_eq!(response.bytes().await.expect("bytes").as_ref(), png().as_slice());
    }
    assert!(!moved.exists() && !moved.parent().expect("folder").exists(), "the moved file and its folder are gone");
    assert!(!root.join("tmp").exists(), "and what an interrupted write left");
    assert!(unused.exists(), "a file no attachment uses is left for the operator");
    assert!(damaged.exists(), "a file that does not match its name is left, and the start goes on");

    std::fs::remove_file(&unused).expect("operator deletes it");
    std::fs::remove_file(&damaged).expect("operator deletes it");
    restart().await;
    assert!(!root.exists(), "the empty folders go at the next start");
}

/// The SHA-256 of some bytes in hex, as older versions named their files.
fn hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A screenshot over the limit is refused with 413 and the limit, from the form and the API,
/// not as a form that "broke off". The form answers with a redirect to itself, so its address
/// (which carries the CSRF token) does not stay in the address bar; what was typed is kept.
async fn oversized_screenshots_are_refused_with_the_limit(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let kid = &family.member;
    let big = vec![7_u8; 11 * 1024 * 1024];
    let form = post_issue_form(kid, "HOME", "Printer", "It <jams>", Some(("huge.png", big.clone()))).await;
    assert_eq!(form.status(), StatusCode::SEE_OTHER);
    assert_eq!(form.headers()["location"], "/bugs/p/HOME/new", "no csrf_token in the address bar");
    let shown = kid.browser.get("/bugs/p/HOME/new").await;
    assert_eq!(shown.status(), StatusCode::PAYLOAD_TOO_LARGE, "the form shown again says what went wrong");
    let page = shown.text().await.expect("page");
    assert!(page.contains("The screenshot is larger than the limit of 10 MB"), "{page}");
    assert!(page.contains("value=\"Printer\"") && page.contains("It &#60;jams&#62;</textarea>"), "kept: {page}");
    let again = kid.browser.get("/bugs/p/HOME/new").await;
    assert_eq!(again.status(), StatusCode::OK, "a reload shows a fresh form");
    assert!(!again.text().await.expect("page").contains("larger than the limit"));
    assert!(found(kid, "printer").await.is_empty(), "nothing was filed");
    file(kid, "HOME", json!({ "title": "Scanner" })).await;
    let api = kid
        .request(Method::POST, "/bugs/api/projects/HOME/issues/1/attachments")
        .query(&[("file_name", "huge.png")])
        .body(big)
        .send()
        .await
        .expect("POST");
    assert_eq!(api.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(json(api).await["detail"].as_str().expect("detail").contains("limit of 10 MB"));
}

async fn forms_without_the_csrf_token_are_refused(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let mum = &family.admin;
    file(mum, "HOME", json!({ "title": "Door squeaks" })).await;
    for (path, fields) in [
        ("/bugs/projects", vec![("key", "EVIL"), ("name", "Evil")]),
        ("/bugs/p/HOME/1/comments", vec![("body", "forged")]),
        ("/bugs/p/HOME/1/status", vec![("status", "closed")]),
    ] {
        let forged = mum.browser.post_form_without_csrf(path, &fields).await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let seen = issue(mum, "HOME", 1).await;
    assert_eq!(seen["issue"]["status"], "open");
    assert!(seen["comments"].as_array().expect("comments").is_empty());
}

/// Payloads that try to run script through any field that is shown on a page.
const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"><svg onload=alert(1)>",
    "[click](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "' onmouseover='alert(1)",
    "<body onload=alert(1)>",
];

/// A tag of a page: its name and attributes (values unescaped only as far as quotes go).
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// The tags of a page, read the way a browser tokenises them (enough for this check): text
/// between tags never contains a raw `<` followed by a letter when it is escaped.
fn tags(html: &str) -> Vec<Tag> {
    let chars: Vec<char> = html.chars().collect();
    let mut tags = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '<' || !chars.get(i + 1).is_some_and(char::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        i += 1;
        let mut name = String::new();
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '>' && chars[i] != '/' {
            name.push(chars[i].to_ascii_lowercase());
            i += 1;
        }
        let mut attributes = Vec::new();
        loop {
            while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
                i += 1;
            }
            if i >= chars.len() || chars[i] == '>' {
                i += 1;
                break;
            }
            let mut attribute = String::new();
            while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], '=' | '>') {
                attribute.push(chars[i].to_ascii_lowercase());
                i += 1;
            }
            let mut value = String::new();
            if chars.get(i) == Some(&'=') {
                i += 1;
                match chars.get(i) {
                    Some(&quote) if quote == '"' || quote == '\'' => {
                        i += 1;
                        while i < chars.len() && chars[i] != quote {
                            value.push(chars[i]);
                            i += 1;
                        }
                        i += 1;
                    }
                    _ => {
                        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '>' {
                            value.push(chars[i]);
                            i += 1;
                        }
                    }
                }
            }
            attributes.push((attribute, value));
        }
        tags.push(Tag { name, attributes });
    }
    tags
}

/// No foreign script, no event handlers, no `javascript:`/`data:` URLs, no embedded
/// documents anywhere in the page.
fn assert_inert(html: &str, payload: &str) {
    for tag in tags(html) {
        assert!(
            !["iframe", "svg", "object", "embed", "body", "math"].contains(&tag.name.as_str())
                || tag.name == "body" && tag.attributes.is_empty(),
            "<{}> survived {payload:?}",
            tag.name
        );
        if tag.name == "script" {
            let src = tag.attributes.iter().find(|(n, _)| n == "src").map(|(_, v)| v.as_str()).unwrap_or("");
            assert!(src.starts_with('/'), "a foreign <script> survived {payload:?}");
        }
        for (name, value) in &tag.attributes {
            assert!(!name.starts_with("on"), "<{} {name}=…> survived {payload:?}", tag.name);
            let value = value.trim().to_lowercase().replace("&#58;", ":").replace("&colon;", ":");
            if ["href", "src", "action", "formaction"].contains(&name.as_str()) {
                assert!(
                    !value.starts_with("javascript:") && !value.starts_with("data:"),
                    "{name}={value} survived {payload:?}"
                );
            }
        }
    }
}

async fn xss_payloads_in_every_field_stay_inert(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let (mum, kid) = (&family.admin, &family.member);
    let created = mum
        .browser
        .post_form("/bugs/projects", &[("key", "XSS"), ("name", PAYLOADS[0]), ("description", PAYLOADS[1])])
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    for (n, payload) in PAYLOADS.iter().enumerate() {
        let label = format!("l{n}{}", payload.replace([' ', '"'], ""));
        let filed = post_issue_form(kid, "XSS", payload, payload, Some((payload, png()))).await;
        assert_eq!(filed.status(), StatusCode::SEE_OTHER, "{payload:?}");
        let number = n + 1;
        kid.browser.post_form(&format!("/bugs/p/XSS/{number}/comments"), &[("body", payload)]).await;
        let labelled = mum
            .browser
            .post_form(&format!("/bugs/p/XSS/{number}/triage"), &[("priority", "normal"), ("labels", &label)])
            .await;
        assert!(labelled.status().is_redirection() || labelled.status() == StatusCode::UNPROCESSABLE_ENTITY);
        let view = mum
            .browser
            .post_form("/bugs/views", &[("name", payload), ("q", &format!("\"{}\"", payload.replace('"', "")))])
            .await;
        assert!(view.status().is_redirection() || view.status() == StatusCode::UNPROCESSABLE_ENTITY);
        for page in
            [format!("/bugs/p/XSS/{number}"), "/bugs/p/XSS".to_owned(), "/bugs/".to_owned(), "/bugs/issues".to_owned()]
                .into_iter()
                .chain(["/bugs/inbox".to_owned(), "/bugs/webhooks".to_owned()])
        {
            let html = mum.browser.get(&page).await.text().await.expect("html");
            assert_inert(&html, payload);
        }
        let searched =
            mum.browser.get(&format!("/bugs/issues?q={}", urlencode(payload))).await.text().await.expect("html");
        assert_inert(&searched, payload);
        let news = kid.browser.get("/bugs/inbox").await.text().await.expect("html");
        assert_inert(&news, payload);
    }
    let label_css = mum.browser.get("/bugs/static/labels.css").await.text().await.expect("css");
    assert!(!label_css.contains('<'));
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

async fn feeds_are_read_with_a_personal_token(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let (mum, kid) = (&family.admin, &family.member);
    project(mum, "SECRET", true).await;
    file(
        kid,
        "HOME",
        json!({ "title": "Oven <clock> is wrong", "description": "<script>alert(1)</script>\n\n**blinks**" }),
    )
    .await;
    file(mum, "HOME", json!({ "title": "Gate sticks", "labels": ["garden"] })).await;

    let by_bearer = kid.get("/bugs/p/HOME/feed.atom").send().await.expect("GET");
    assert_eq!(by_bearer.status(), StatusCode::OK);
    assert!(by_bearer.headers()["content-type"].to_str().expect("ascii").starts_with("application/atom+xml"));
    let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let session_in_url = anonymous
        .get(kid.browser.url(&format!("/bugs/p/HOME/feed.atom?token={}", kid.token)))
        .send()
        .await
        .expect("GET");
    assert_eq!(session_in_url.status(), StatusCode::UNAUTHORIZED, "a session token is never taken from a URL");
    let made = json(call(kid, Method::POST, "/api/me/tokens", json!({"name": "feed reader"})).await).await;
    let api_token = made["token"].as_str().expect("token");
    let by_query =
        anonymous.get(kid.browser.url(&format!("/bugs/p/HOME/feed.atom?token={api_token}"))).send().await.expect("GET");
    assert_eq!(by_query.status(), StatusCode::OK);
    let xml = by_query.text().await.expect("xml");
    assert!(xml.starts_with("<?xml") && xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
    assert_eq!(xml.matches("<entry>").count(), 2);
    assert!(
        xml.contains("HOME-1 Oven &lt;clock&gt; is wrong [Open]")
            || xml.contains("HOME-1 Oven &#60;clock&#62; is wrong [Open]"),
        "{xml}"
    );
    assert!(
        xml.contains("&lt;strong&gt;blinks&lt;/strong&gt;") || xml.contains("&#60;strong&#62;blinks&#60;/strong&#62;"),
        "{xml}"
    );
    assert!(!xml.contains("<script") && !xml.contains("alert(1)"), "sanitised, then escaped: {xml}");

    let nobody = anonymous.get(kid.browser.url("/bugs/p/HOME/feed.atom")).send().await.expect("GET");
    assert_eq!(nobody.status(), StatusCode::SEE_OTHER, "to the login page");
    let wrong = anonymous.get(kid.browser.url("/bugs/p/HOME/feed.atom?token=hth_nonsense")).send().await.expect("GET");
    assert_eq!(wrong.status(), StatusCode::SEE_OTHER);
    assert_eq!(kid.get("/bugs/p/SECRET/feed.atom").send().await.expect("GET").status(), StatusCode::NOT_FOUND);

    let saved = mum.browser.post_form("/bugs/views", &[("name", "Garden"), ("q", "label:garden")]).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let bad = mum.browser.post_form("/bugs/views", &[("name", "Broken"), ("q", "colour:red")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let home = mum.browser.get("/bugs/").await.text().await.expect("html");
    let start = home.find("/bugs/views/").expect("the view's feed link") + "/bugs/views/".len();
    let id: String = home[start..].chars().take_while(char::is_ascii_digit).collect();
    let feed = mum.get(&format!("/bugs/views/{id}/feed.atom")).send().await.expect("GET").text().await.expect("xml");
    assert_eq!(feed.matches("<entry>").count(), 1);
    assert!(feed.contains("Gate sticks"));
    assert_eq!(
        kid.get(&format!("/bugs/views/{id}/feed.atom")).send().await.expect("GET").status(),
        StatusCode::NOT_FOUND
    );
}

/// Each sheet of the side panel sends one field, so a tap changes only what it shows; the
/// current choice is marked; someone who may not change the issue sees the values only.
async fn the_panel_changes_one_field_at_a_time(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let (mum, kid) = (&family.admin, &family.member);
    mum.browser.get("/bugs/").await;
    file(kid, "HOME", json!({ "title": "Gutter drips", "labels": ["garden"], "assignee": "kid" })).await;
    let tap = |fields: &'static [(&'static str, &'static str)]| kid.browser.post_form("/bugs/p/HOME/1/triage", fields);
    assert_eq!(tap(&[("priority", "urgent")]).await.status(), StatusCode::SEE_OTHER);
    let seen = issue(kid, "HOME", 1).await;
    assert_eq!(seen["issue"]["priority"], "urgent");
    assert_eq!(seen["issue"]["labels"], json!(["garden"]), "the priority sheet leaves the labels");
    assert_eq!(seen["issue"]["assignee"], "Kid", "and the assignee");
    tap(&[("label", "garden"), ("labels", "roof, rain")]).await;
    assert_eq!(issue(kid, "HOME", 1).await["issue"]["labels"], json!(["garden", "rain", "roof"]));
    tap(&[("labels", "")]).await;
    assert_eq!(issue(kid, "HOME", 1).await["issue"]["labels"], json!([]), "nothing ticked: no labels");
    tap(&[("assignee", "mum")]).await;
    assert_eq!(issue(kid, "HOME", 1).await["issue"]["assignee"], "Mum");
    let status =
        kid.browser.post_form("/bugs/p/HOME/1/status", &[("status", "closed"), ("resolution", "wont_fix")]).await;
    assert_eq!(status.status(), StatusCode::SEE_OTHER);
    let page = page_of(kid, "/bugs/p/HOME/1").await;
    assert!(page.contains("value=\"urgent\" class=\"choice priority-urgent\" aria-current=\"true\""), "{page}");
    assert!(
        page.contains("Closed · won&#39;t fix</button>") || page.contains("Closed · won&#x27;t fix</button>"),
        "{page}"
    );
    assert!(page.contains("id=\"issue-status\">Closed · won"), "the chip shows the status: {page}");
    let refused = tap(&[("priority", "sometime")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.expect("page").contains("The priority must be one of low, normal, high or urgent"));

    file(mum, "HOME", json!({ "title": "Mum's own bug" })).await;
    let theirs = page_of(kid, "/bugs/p/HOME/2").await;
    assert!(!theirs.contains("/triage") && !theirs.contains("/status\""), "read-only for others: {theirs}");
    assert!(theirs.contains("id=\"issue-priority\">Normal"));
    let forbidden = kid.browser.post_form("/bugs/p/HOME/2/triage", &[("priority", "low")]).await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
}

/// One comment box: text, a file, or both. A refusal redirects to the issue (no CSRF token in
/// the address bar) and keeps the text.
async fn one_comment_box_takes_text_and_a_file(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let kid = &family.member;
    file(kid, "HOME", json!({ "title": "Bathroom tap leaks" })).await;
    let both = post_comment_form(kid, ("HOME", 1), "Here is **the drip**", Some(("drip.png", png()))).await;
    assert_eq!(both.status(), StatusCode::SEE_OTHER);
    let location = both.headers()["location"].to_str().expect("ascii").to_owned();
    assert!(location.starts_with("/bugs/p/HOME/1#comment-"), "lands on the new comment: {location}");
    let seen = issue(kid, "HOME", 1).await;
    assert_eq!(seen["comments"][0]["body"], "Here is **the drip**");
    assert_eq!(seen["attachments"][0]["file_name"], "drip.png");
    let page = page_of(kid, "/bugs/p/HOME/1").await;
    let comment = &page
        [page.find(&format!("id=\"{}\"", &location[location.find('#').expect("#") + 1..])).expect("the comment")..];
    let comment = &comment[..comment.find("</li>").expect("end of the comment")];
    assert!(
        comment.contains("<strong>the drip</strong>") && comment.contains("<img src=\"/bugs/attachments/"),
        "{comment}"
    );

    let alone = post_comment_form(kid, ("HOME", 1), "  ", Some(("tap.png", png()))).await;
    assert!(alone.headers()["location"].to_str().expect("ascii").starts_with("/bugs/p/HOME/1#attachment-"));
    let seen = issue(kid, "HOME", 1).await;
    assert_eq!(seen["comments"].as_array().map(Vec::len), Some(1), "a file alone makes no comment");
    assert_eq!(seen["attachments"].as_array().map(Vec::len), Some(2));

    let empty = post_comment_form(kid, ("HOME", 1), "", None).await;
    assert_eq!(empty.status(), StatusCode::SEE_OTHER);
    assert_eq!(empty.headers()["location"], "/bugs/p/HOME/1", "no csrf_token in the address bar");
    let shown = kid.browser.get("/bugs/p/HOME/1").await;
    assert_eq!(shown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(shown.text().await.expect("page").contains("Write a comment or choose a file first."));
    let long = "y".repeat(50_001);
    let refused = post_comment_form(kid, ("HOME", 1), &long, Some(("big.png", png()))).await;
    assert_eq!(refused.headers()["location"], "/bugs/p/HOME/1");
    let shown = kid.browser.get("/bugs/p/HOME/1").await.text().await.expect("page");
    assert!(shown.contains("50001 characters long") && shown.contains(&format!("{long}</textarea>")), "kept");
    assert!(!page_of(kid, "/bugs/p/HOME/1").await.contains(&long), "shown once");
    assert_eq!(issue(kid, "HOME", 1).await["attachments"].as_array().map(Vec::len), Some(2), "nothing stored");
}

/// A list opens on the open issues; a query naming a label or person nobody has used says so.
async fn lists_open_on_open_issues_and_say_what_a_query_names_wrongly(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let kid = &family.member;
    file(kid, "HOME", json!({ "title": "Fence leans", "labels": ["garden"] })).await;
    file(kid, "HOME", json!({ "title": "Bulb was out" })).await;
    call(kid, Method::POST, "/bugs/api/projects/HOME/issues/2/status", json!({ "status": "closed" })).await;
    for list in ["/bugs/p/HOME", "/bugs/issues"] {
        let page = page_of(kid, list).await;
        assert!(page.contains("Fence leans") && !page.contains("Bulb was out"), "{list} opens on open issues");
        assert!(page.contains("value=\"is:open\""), "and says so in its box");
    }
    let all = page_of(kid, "/bugs/p/HOME?q=").await;
    assert!(all.contains("Fence leans") && all.contains("Bulb was out"), "an empty query is everything");
    let page = page_of(kid, "/bugs/p/HOME?q=label%3Agardn").await;
    assert!(
        page.contains("There is no label &#34;gardn&#34;, so label:gardn matches nothing. Labels in use: garden."),
        "{page}"
    );
    let page = page_of(kid, "/bugs/issues?q=assignee%3Abob").await;
    assert!(page.contains("Nobody called &#34;bob&#34; has used Bugs yet"), "{page}");
    let api = json(kid.get("/bugs/api/issues").query(&[("q", "-label:nope")]).send().await.expect("GET")).await;
    assert_eq!(
        api["notices"][0],
        "There is no label \"nope\", so -label:nope leaves nothing out. Labels in use: garden."
    );
    assert_eq!(api["issues"].as_array().map(Vec::len), Some(2));
}

async fn the_api_is_documented(backend: Backend) {
    let Some(family) = start(backend).await else { return };
    let document = json(family.member.get("/bugs/api/openapi.json").send().await.expect("GET")).await;
    for path in [
        "/bugs/api/projects",
        "/bugs/api/issues",
        "/bugs/api/projects/{key}/issues/{number}/status",
        "/bugs/api/webhooks",
        "/bugs/api/webhooks/{id}",
        "/bugs/api/notifications",
        "/bugs/api/projects/{key}/issues/{number}/follow",
    ] {
        assert!(document["paths"][path].is_object(), "{path} is not documented");
    }
    assert!(document["paths"]["/bugs/api/projects/{key}/issues/{number}"]["patch"].is_object(), "editing");
}

both_backends!(
    the_api_is_documented,
    a_fresh_tracker_has_a_home_project_the_family_files_into,
    the_panel_changes_one_field_at_a_time,
    one_comment_box_takes_text_and_a_file,
    lists_open_on_open_issues_and_say_what_a_query_names_wrongly,
    feeds_are_read_with_a_personal_token,
    family_files_then_admin_triages_duplicates_and_closes,
    only_the_reporter_assignee_or_an_admin_changes_an_issue,
    links_and_bad_status_changes_say_what_to_fix,
    links_to_hidden_projects_do_not_show_their_titles,
    the_query_language_finds_the_same_on_both_backends,
    search_follows_edits_and_comments,
    lists_come_a_page_at_a_time,
    attachments_of_hidden_projects_are_not_found,
    attachment_files_of_an_older_version_move_into_the_database,
    oversized_screenshots_are_refused_with_the_limit,
    forms_without_the_csrf_token_are_refused,
    xss_payloads_in_every_field_stay_inert,
);
