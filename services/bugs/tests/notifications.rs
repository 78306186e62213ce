//! Notifications through HTTP, in-process with the real portal, on SQLite and PostgreSQL: who
//! hears about a comment, an assignment or a change (never its author), the unread count on
//! every page, reading by opening the issue, following and unfollowing, admins-only projects;
//! and the emails, received by a real SMTP server (Python's `smtpd`) started by the test.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hearth_bugs::config::BugsConfig;
use hearth_portal::testing::{Family, Person};
use hearth_shared::both_backends;
use hearth_shared::db::Backend;
use hearth_shared::testing::{TestDatabase, skip};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Starts the family with bugs set up from `settings` (as `HEARTH_*` variables would).
async fn start(backend: Backend, settings: Vec<(&'static str, String)>) -> Option<Family> {
    let db = TestDatabase::create(backend).await?;
    Some(
        Family::start(db, |mut config, auth| async move {
            config.public_url = Some("https://hearth.example.net".to_owned());
            let lookup = |name: &str| settings.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
            let bugs = BugsConfig::from_lookup(&config, lookup).expect("bugs settings");
            hearth_bugs::router(hearth_bugs::AppState::new(config, bugs, auth).await.expect("bugs state"))
        })
        .await,
    )
}

async fn call(person: &Person, method: Method, path: &str, body: Value) -> Value {
    let response = person.request(method, path).json(&body).send().await.expect("request");
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.expect("json")
}

async fn inbox(person: &Person) -> Value {
    person.get("/bugs/api/notifications").send().await.expect("GET").json().await.expect("json")
}

fn summaries(inbox: &Value) -> Vec<String> {
    inbox["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .map(|n| n["summary"].as_str().expect("summary").to_owned())
        .collect()
}

/// A third member of the family (Gran), invited by Mum through the portal's API.
async fn gran(family: &Family) -> Person {
    let invite = call(&family.admin, Method::POST, "/api/invites", json!({})).await;
    let accepted = reqwest::Client::new()
        .post(family.admin.browser.url("/api/invites/accept"))
        .json(&json!({ "token": invite["token"], "username": "gran", "display_name": "Gran", "password": "gran password" }))
        .send()
        .await
        .expect("accept");
    assert_eq!(accepted.status(), StatusCode::CREATED);
    let session: Value = accepted.json().await.expect("json");
    let browser = family.server.client();
    let token = session["token"].as_str().expect("token").to_owned();
    browser.sign_in(&token);
    let identity = serde_json::from_value(session["identity"].clone()).expect("identity");
    let gran = Person { identity, token, browser };
    gran.browser.get("/bugs/").await;
    gran
}

async fn members_hear_about_their_issues_and_read_them_by_opening_them(backend: Backend) {
    let Some(family) = start(backend, Vec::new()).await else { return };
    let (mum, kid) = (&family.admin, &family.member);
    let gran = gran(&family).await;
    call(kid, Method::POST, "/bugs/api/projects/HOME/issues", json!({ "title": "Printer jams" })).await;
    assert_eq!(inbox(mum).await["unread"], 0, "filing tells nobody who is not on the issue");

    call(mum, Method::POST, "/bugs/api/projects/HOME/issues/1/comments", json!({ "body": "New **toner**\nfitted" }))
        .await;
    let kids = inbox(kid).await;
    assert_eq!(kids["unread"], 1);
    assert_eq!(summaries(&kids), ["Mum commented: “New **toner** fitted”"]);
    assert_eq!(kids["notifications"][0]["reference"], "HOME-1");
    assert_eq!(kids["notifications"][0]["reason"], "commented");
    assert_eq!(inbox(mum).await["unread"], 0, "nobody hears of their own comment");
    assert_eq!(inbox(&gran).await["unread"], 0, "nor someone who is not on the issue");

    call(mum, Method::POST, "/bugs/api/projects/HOME/issues/1/triage", json!({ "assignee": "gran" })).await;
    assert_eq!(summaries(&inbox(&gran).await), ["Mum assigned HOME-1 to you"]);
    assert_eq!(summaries(&inbox(kid).await)[0], "Mum set assignee to Gran");
    call(mum, Method::POST, "/bugs/api/projects/HOME/issues/1/triage", json!({ "assignee": "" })).await;
    assert_eq!(summaries(&inbox(&gran).await)[0], "Mum cleared assignee", "the one unassigned hears of it");

    call(kid, Method::POST, "/bugs/api/projects/HOME/issues/1/status", json!({ "status": "closed" })).await;
    assert_eq!(summaries(&inbox(mum).await), ["Kid changed status from Open to Closed (fixed)"], "Mum commented");

    let page = kid.browser.get("/bugs/").await.text().await.expect("page");
    assert!(page.contains("<span class=\"count\" id=\"unread\" aria-label=\"3 unread\">3</span>"), "{page}");
    let opened = kid.browser.get("/bugs/p/HOME/1").await.text().await.expect("page");
    assert!(!opened.contains("id=\"unread\""), "opening the issue reads its notifications");
    assert_eq!(inbox(kid).await["unread"], 0);
    assert_eq!(inbox(kid).await["notifications"][0]["read"], true);

    let unfollowed = kid.browser.post_form("/bugs/p/HOME/1/follow", &[("following", "0")]).await;
    assert_eq!(unfollowed.status(), StatusCode::SEE_OTHER);
    call(mum, Method::POST, "/bugs/api/projects/HOME/issues/1/triage", json!({ "priority": "high" })).await;
    assert_eq!(inbox(kid).await["unread"], 0, "unfollowed: no news");
    call(&gran, Method::POST, "/bugs/api/projects/HOME/issues/1/follow", json!({ "following": true })).await;
    call(mum, Method::POST, "/bugs/api/projects/HOME/issues/1/triage", json!({ "labels": ["printer"] })).await;
    assert_eq!(summaries(&inbox(&gran).await)[0], "Mum set labels to printer", "followers hear");

    let page = gran.browser.get("/bugs/inbox").await.text().await.expect("page");
    assert!(page.contains("Mum set labels to printer") && page.contains("HOME-1 · Printer jams"), "{page}");
    assert!(page.contains("This Hearth does not send email"), "no SMTP: no email settings");
    let read = gran.browser.post_form("/bugs/inbox/read", &[]).await;
    assert_eq!(read.status(), StatusCode::SEE_OTHER);
    assert_eq!(inbox(&gran).await["unread"], 0, "mark all as read");
}

/// An admins-only project's news reaches admins only, even when a member is assigned.
async fn members_never_hear_of_issues_they_cannot_see(backend: Backend) {
    let Some(family) = start(backend, Vec::new()).await else { return };
    let (mum, kid) = (&family.admin, &family.member);
    kid.browser.get("/bugs/").await;
    call(mum, Method::POST, "/bugs/api/projects", json!({ "key": "GIFTS", "name": "Gifts", "admins_only": true }))
        .await;
    call(mum, Method::POST, "/bugs/api/projects/GIFTS/issues", json!({ "title": "Bike for Kid", "assignee": "kid" }))
        .await;
    call(mum, Method::POST, "/bugs/api/projects/GIFTS/issues/1/comments", json!({ "body": "Ordered" })).await;
    let kids = inbox(kid).await;
    assert_eq!(kids["unread"], 0, "{kids}");
    assert_eq!(kids["notifications"], json!([]));
}

/// Python's SMTP server (standard `smtpd`, Python ≤ 3.11) on a free port, saving each message
/// it receives as JSON (envelope, subject, decoded text) in a folder.
struct SmtpReceiver {
    child: Child,
    folder: tempfile::TempDir,
}

const RECEIVER: &str = r#"
import asyncore, email, email.policy, itertools, json, os, smtpd, sys
class Sink(smtpd.SMTPServer):
    count = itertools.count()
    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        message = email.message_from_bytes(data, policy=email.policy.default)
        saved = {"from": mailfrom, "to": rcpttos, "subject": str(message["subject"]),
                 "header_from": str(message["from"]), "header_to": str(message["to"]),
                 "content_type": message.get_content_type(), "body": message.get_content()}
        path = os.path.join(sys.argv[2], "%04d.json" % next(self.count))
        with open(path + ".part", "w") as out:
            json.dump(saved, out)
        os.rename(path + ".part", path)
Sink(("127.0.0.1", int(sys.argv[1])), None, decode_data=False)
asyncore.loop()
"#;

impl SmtpReceiver {
    /// A port with nothing listening on it yet, for the receiver to start on later.
    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port()
    }

    /// Starts it on `port`; `None` (after a loud skip) without Python's `smtpd`.
    fn start(port: u16) -> Option<Self> {
        let has_smtpd = Command::new("python3")
            .args(["-W", "ignore", "-c", "import smtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !has_smtpd {
            skip(
                "email tests need python3 with the smtpd module (Python 3.11 or older; Debian 12: apt install python3)",
            );
            return None;
        }
        let folder = tempfile::tempdir().expect("temp dir");
        let child = Command::new("python3")
            .args(["-W", "ignore", "-c", RECEIVER, &port.to_string()])
            .arg(folder.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the SMTP receiver");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the SMTP receiver did not start listening");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Self { child, folder })
    }

    fn received(&self) -> Vec<Value> {
        received_in(self.folder.path())
    }

    /// Waits (at most 15 s) until `count` messages have arrived.
    async fn wait_for(&self, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let received = self.received();
            if received.len() >= count || Instant::now() > deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn received_in(folder: &Path) -> Vec<Value> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
        .expect("read the receiver's folder")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| serde_json::from_str(&std::fs::read_to_string(path).expect("read a message")).expect("json"))
        .collect()
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp_settings(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("HEARTH_SMTP_HOST", "127.0.0.1".to_owned()),
        ("HEARTH_SMTP_PORT", port.to_string()),
        ("HEARTH_SMTP_SECURITY", "none".to_owned()),
        ("HEARTH_SMTP_FROM", "Hearth <hearth@example.net>".to_owned()),
        ("HEARTH_BUGS_WEBHOOK_BACKOFF_MS", "100".to_owned()),
    ]
}

/// With SMTP set up, someone who gave an address gets each notification by email too; the
/// email says what happened, quotes the comment and links the issue. A mail server that is
/// down at first still gets it (retried with backoff).
async fn notifications_are_emailed_to_those_who_gave_an_address(backend: Backend) {
    let port = SmtpReceiver::free_port();
    let Some(family) = start(backend, smtp_settings(port)).await else { return };
    let (mum, kid) = (&family.admin, &family.member);
    let page = kid.browser.get("/bugs/inbox").await.text().await.expect("page");
    assert!(page.contains("Get your notifications by email too."), "{page}");
    let refused = kid.browser.post_form("/bugs/inbox/email", &[("address", "kid at home")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.expect("page").contains("write it like joe@example.net"));
    let saved = kid.browser.post_form("/bugs/inbox/email", &[("address", "kid@example.net")]).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let page = kid.browser.get("/bugs/inbox").await.text().await.expect("page");
    assert!(page.contains("also emailed to <strong>kid@example.net</strong>"), "{page}");

    call(kid, Method::POST, "/bugs/api/projects/HOME/issues", json!({ "title": "Printer jams" })).await;
    call(mum, Method::POST, "/bugs/api/projects/HOME/issues/1/comments", json!({ "body": "Fitted new **toner**." }))
        .await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    let Some(receiver) = SmtpReceiver::start(port) else { return };
    let received = receiver.wait_for(1).await;
    assert_eq!(received.len(), 1, "{received:?}");
    let email = &received[0];
    assert_eq!(email["to"], json!(["kid@example.net"]));
    assert_eq!(email["from"], "hearth@example.net");
    assert_eq!(email["header_from"], "Hearth <hearth@example.net>");
    assert_eq!(email["subject"], "[HOME-1] Printer jams");
    assert_eq!(email["content_type"], "text/plain");
    let body = email["body"].as_str().expect("body");
    assert!(body.starts_with("Mum commented: “Fitted new **toner**.”"), "{body}");
    assert!(body.contains("\nFitted new **toner**.\n"), "the comment itself: {body}");
    assert!(body.contains("Open HOME-1: https://hearth.example.net/bugs/p/HOME/1"), "{body}");
    assert!(body.contains("https://hearth.example.net/bugs/inbox"), "how to stop: {body}");
    assert_eq!(inbox(kid).await["unread"], 1, "the inbox has it too");

    call(kid, Method::POST, "/bugs/api/projects/HOME/issues/1/comments", json!({ "body": "Thanks" })).await;
    call(mum, Method::POST, "/bugs/api/projects/HOME/issues/1/triage", json!({ "priority": "low" })).await;
    let received = receiver.wait_for(2).await;
    assert_eq!(received.len(), 2, "Mum gave no address, so only Kid's second email: {received:?}");
    assert!(received[1]["body"].as_str().expect("body").starts_with("Mum changed priority from Normal to Low"));
    assert_eq!(inbox(mum).await["unread"], 1, "Mum still sees Kid's comment in her inbox");

    kid.browser.post_form("/bugs/inbox/email", &[("address", "")]).await;
    call(mum, Method::POST, "/bugs/api/projects/HOME/issues/1/triage", json!({ "priority": "high" })).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 2, "no address, no email");
    assert_eq!(inbox(kid).await["unread"], 3, "only the inbox");
    drop(receiver);
}

both_backends!(
    members_hear_about_their_issues_and_read_them_by_opening_them,
    members_never_hear_of_issues_they_cannot_see,
    notifications_are_emailed_to_those_who_gave_an_address,
);
