//! Faults on real containers (`make e2e-docker`, which builds this file with the `e2e-docker`
//! feature): the photos container killed in the middle of an upload and started again keeps
//! the finished uploads whole and stores no half file; the portal cut off the network makes
//! the other services say that sign-in is unavailable (503, never a 500) until it is back.
//!
//! It runs against the deployment of `tests/e2e-docker/run.sh`, which exports
//! `HEARTH_E2E_URL` (the front door), `HEARTH_E2E_COMPOSE` (the compose command, split on
//! whitespace) and `HEARTH_E2E_NETWORK` (the compose network). The tests run one at a time
//! (`--test-threads=1`) on the same deployment, in any order: each signs in as the first admin,
//! setting Hearth up first when nobody has.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use hearth_e2e::TestClient;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// The first admin, as `hearth_e2e::first_admin_token` (and so the deployment test) makes her.
const ADMIN: (&str, &str) = ("mum", "admin password");

/// The deployment `tests/e2e-docker/run.sh` started, and the commands that reach its containers.
struct Deployment {
    base_url: String,
    compose: Vec<String>,
    network: String,
    http: reqwest::Client,
}

impl Deployment {
    /// # Panics
    /// When a variable of `make e2e-docker` is missing: these tests run only there.
    fn from_env() -> Self {
        let var = |name: &str| match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => value,
            _ => panic!(
                "{name} is not set: docker_faults runs under `make e2e-docker` (tests/e2e-docker/run.sh), which \
                 starts the containers and exports HEARTH_E2E_URL, HEARTH_E2E_COMPOSE and HEARTH_E2E_NETWORK"
            ),
        };
        Self {
            base_url: var("HEARTH_E2E_URL").trim_end_matches('/').to_owned(),
            compose: var("HEARTH_E2E_COMPOSE").split_whitespace().map(str::to_owned).collect(),
            network: var("HEARTH_E2E_NETWORK"),
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Runs `$HEARTH_E2E_COMPOSE <args>`, which must succeed.
    fn compose(&self, args: &[&str]) -> String {
        let (program, prefix) = self.compose.split_first().expect("HEARTH_E2E_COMPOSE names a command");
        run(Command::new(program).args(prefix).args(args))
    }

    /// The id of a service's container.
    fn container(&self, service: &str) -> String {
        let id = self.compose(&["ps", "-q", service]);
        let id = id.trim();
        assert!(!id.is_empty() && !id.contains('\n'), "one container for {service}, not {id:?}");
        id.to_owned()
    }

    /// A fresh session of the first admin: setting Hearth up when nobody has, else signing in.
    async fn admin_session(&self) -> String {
        let (username, password) = ADMIN;
        let setup = json!({"username": username, "display_name": "Mum", "password": password});
        let setup = self.post_to_the_portal("/api/setup", &setup).await;
        let answer = if setup.status() == StatusCode::CREATED {
            setup
        } else {
            assert_eq!(setup.status(), StatusCode::CONFLICT, "the setup is refused only as done already");
            let login =
                self.post_to_the_portal("/api/auth/login", &json!({"username": username, "password": password})).await;
            assert_eq!(login.status(), StatusCode::OK, "the first admin signs in as the deployment test made her");
            login
        };
        let answer: Value = answer.json().await.expect("a session in JSON");
        answer["token"].as_str().expect("a session token").to_owned()
    }

    /// Posts JSON to the portal through the front door, once: after the faults of earlier tests
    /// the front door dials the portal afresh (deploy/Caddyfile), so no 502 may come back.
    async fn post_to_the_portal(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http.post(self.url(path)).json(body).send().await.unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// Waits until `path` answers 200 through the front door.
    async fn wait_until_ok(&self, path: &str, within: Duration) {
        let started = Instant::now();
        loop {
            let status = self.http.get(self.url(path)).send().await.map(|r| r.status());
            if status.as_ref().is_ok_and(StatusCode::is_success) {
                return;
            }
            assert!(started.elapsed() < within, "{path} did not answer 200 within {within:?}: last {status:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// Runs a command that must succeed and returns its standard output; says all it did if not.
fn run(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(output.status.success(), "{}", described(command, &output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn described(command: &Command, output: &Output) -> String {
    format!(
        "{command:?} ended with {}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout).trim(),
        String::from_utf8_lossy(&output.stderr).trim()
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `len` bytes no earlier run uploaded (a hash chain seeded by the time and `label`).
fn unique_bytes(label: &str, len: usize) -> Vec<u8> {
    let seed = format!("{label} {:?}", SystemTime::now());
    let mut block = Sha256::digest(seed.as_bytes());
    let mut bytes = Vec::with_capacity(len + 32);
    while bytes.len() < len {
        bytes.extend_from_slice(&block);
        block = Sha256::digest(block);
    }
    bytes.truncate(len);
    bytes
}

/// The files under a folder, with their paths relative to it.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                folders.push(entry.path());
            } else {
                files.push(entry.path().strip_prefix(root).expect("under the root").to_path_buf());
            }
        }
    }
    files.sort();
    files
}

/// The photos store of a container (`/data/photos` on its volume), copied out with
/// `docker cp` (which works on a stopped container too).
struct PhotosStore {
    copy: tempfile::TempDir,
}

impl PhotosStore {
    fn of(container: &str) -> Self {
        let copy = tempfile::tempdir().expect("temp dir");
        let mut docker = Command::new("docker");
        docker.args(["cp", &format!("{container}:/data/photos"), "-"]).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut docker_cp = docker.spawn().expect("run docker cp");
        let archive = docker_cp.stdout.take().expect("docker cp's output");
        let mut tar = Command::new("tar");
        tar.args(["-x", "--no-same-owner", "-C"]).arg(copy.path()).stdin(archive);
        let untarred = tar.output().expect("run tar");
        let copied = docker_cp.wait_with_output().expect("docker cp ends");
        assert!(copied.status.success(), "{}", described(&docker, &copied));
        assert!(untarred.status.success(), "{}", described(&tar, &untarred));
        Self { copy }
    }

    fn folder(&self, name: &str) -> PathBuf {
        self.copy.path().join("photos").join(name)
    }

    /// The uploads in flight when the copy was made: `tmp/`, with their sizes.
    fn in_flight(&self) -> Vec<(PathBuf, u64)> {
        let tmp = self.folder("tmp");
        files_under(&tmp)
            .into_iter()
            .map(|f| (f.clone(), std::fs::metadata(tmp.join(&f)).map_or(0, |m| m.len())))
            .collect()
    }

    /// The SHA-256 of every stored original (`blobs/` and the `unused/` set aside at start-up).
    ///
    /// # Panics
    /// When a file there is not named by the hash of its bytes: a half file.
    fn stored_hashes(&self) -> Vec<String> {
        let mut hashes = Vec::new();
        for folder in ["blobs", "unused"] {
            let root = self.folder(folder);
            for file in files_under(&root) {
                let bytes = std::fs::read(root.join(&file)).expect("read a stored blob");
                let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
                let hash = sha256_hex(&bytes);
                assert_eq!(
                    name,
                    hash,
                    "{folder}/{} ({} bytes) is not whole: its name is not the hash of its bytes",
                    file.display(),
                    bytes.len()
                );
                hashes.push(hash);
            }
        }
        hashes
    }
}

/// An upload that has finished: what was sent, and the item it became.
struct Finished {
    id: i64,
    file_name: String,
    sha256: String,
}

async fn upload(deployment: &Deployment, token: &str, file_name: &str, bytes: Vec<u8>) -> Finished {
    let sha256 = sha256_hex(&bytes);
    let response = deployment
        .http
        .post(deployment.url("/photos/api/items"))
        .query(&[("file_name", file_name)])
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .expect("upload");
    let status = response.status();
    let answer: Value = response.json().await.expect("the upload's answer in JSON");
    assert_eq!(status, StatusCode::CREATED, "uploading {file_name}: {answer}");
    assert_eq!(answer["item"]["sha256"], sha256.as_str(), "{file_name} is stored as sent");
    Finished { id: answer["item"]["id"].as_i64().expect("an id"), file_name: file_name.to_owned(), sha256 }
}

/// A body that trickles in for 20 s (1,000 blocks of 256 KiB), counting what it has handed over.
fn trickle(sent: Arc<AtomicUsize>) -> reqwest::Body {
    const BLOCK: usize = 256 * 1024;
    let blocks = futures_util::stream::unfold(0u32, move |count| {
        let sent = Arc::clone(&sent);
        async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            (count < 1000).then(|| {
                sent.fetch_add(BLOCK, Ordering::SeqCst);
                (Ok::<_, std::io::Error>(Bytes::from(vec![7u8; BLOCK])), count + 1)
            })
        }
    });
    reqwest::Body::wrap_stream(blocks)
}

fn is_running(container: &str) -> bool {
    run(Command::new("docker").args(["inspect", "-f", "{{.State.Running}}", container])).trim() == "true"
}

#[tokio::test]
async fn a_photos_container_killed_during_an_upload_keeps_what_finished_and_no_half_file() {
    let deployment = Deployment::from_env();
    let token = deployment.admin_session().await;
    let mut finished = Vec::new();
    for n in 1..=3 {
        let name = format!("finished-{n}.bin");
        finished.push(upload(&deployment, &token, &name, unique_bytes(&name, n * 700 * 1024)).await);
    }

    let interrupted =
        format!("interrupted-{}.mp4", &unique_bytes("name", 8).iter().map(|b| format!("{b:02x}")).collect::<String>());
    let sent = Arc::new(AtomicUsize::new(0));
    let slow_upload = tokio::spawn(
        deployment
            .http
            .post(deployment.url("/photos/api/items"))
            .query(&[("file_name", interrupted.as_str())])
            .bearer_auth(&token)
            .body(trickle(Arc::clone(&sent)))
            .send(),
    );
    let started = Instant::now();
    while sent.load(Ordering::SeqCst) < 24 << 20 {
        assert!(started.elapsed() < Duration::from_secs(20), "the slow upload never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let photos = deployment.container("photos");
    deployment.compose(&["kill", "photos"]);
    let answer = tokio::time::timeout(Duration::from_secs(30), slow_upload)
        .await
        .expect("the cut upload ends within 30 s")
        .expect("the upload's task");
    if let Ok(response) = &answer {
        assert!(!response.status().is_success(), "the upload was cut off, not stored: {}", response.status());
    }
    let stopped = Instant::now();
    while is_running(&photos) {
        assert!(stopped.elapsed() < Duration::from_secs(10), "the killed photos container is still running");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let killed = PhotosStore::of(&photos);
    let leftovers = killed.in_flight();
    assert!(
        leftovers.iter().any(|(_, size)| *size > 1 << 20),
        "the kill came while the upload was being written: tmp/ holds {leftovers:?}"
    );
    let stored = killed.stored_hashes();
    for upload in &finished {
        assert!(stored.contains(&upload.sha256), "{} is stored whole after the kill", upload.file_name);
    }

    deployment.compose(&["start", "photos"]);
    deployment.wait_until_ok("/photos/readyz", Duration::from_secs(60)).await;
    for upload in &finished {
        let original = deployment
            .http
            .get(deployment.url(&format!("/photos/items/{}/original", upload.id)))
            .bearer_auth(&token)
            .send()
            .await
            .expect("download");
        assert_eq!(original.status(), StatusCode::OK, "{} can be downloaded after the restart", upload.file_name);
        let bytes = original.bytes().await.expect("the original's bytes");
        assert_eq!(sha256_hex(&bytes), upload.sha256, "{} is intact after the restart", upload.file_name);
    }
    let items: Value = deployment
        .http
        .get(deployment.url("/photos/api/items?limit=200"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("the items in JSON");
    let names: Vec<&str> =
        items["items"].as_array().expect("items").iter().filter_map(|i| i["file_name"].as_str()).collect();
    assert!(!names.contains(&interrupted.as_str()), "the cut upload is not an item: {names:?}");
    for upload in &finished {
        assert!(names.contains(&upload.file_name.as_str()), "{} is still an item: {names:?}", upload.file_name);
    }
    let restarted = PhotosStore::of(&photos);
    assert_eq!(restarted.in_flight(), [], "the start-up removed the cut upload's leftover");
    restarted.stored_hashes();
}

/// Keeps the portal off the compose network while it lives; puts it back with its alias when
/// dropped, so that a failed assertion never leaves the deployment without sign-in.
struct PortalCutOff<'a> {
    deployment: &'a Deployment,
    container: String,
    connected: bool,
}

impl<'a> PortalCutOff<'a> {
    fn new(deployment: &'a Deployment) -> Self {
        let container = deployment.container("portal");
        run(Command::new("docker").args(["network", "disconnect", &deployment.network, &container]));
        Self { deployment, container, connected: false }
    }

    fn reconnect(&mut self) {
        if !self.connected {
            self.connected = true;
            run(Command::new("docker").args([
                "network",
                "connect",
                "--alias",
                "portal",
                &self.deployment.network,
                &self.container,
            ]));
        }
    }
}

impl Drop for PortalCutOff<'_> {
    fn drop(&mut self) {
        if !self.connected {
            self.connected = true;
            let mut connect = Command::new("docker");
            connect.args(["network", "connect", "--alias", "portal", &self.deployment.network, &self.container]);
            match connect.output() {
                Ok(output) if output.status.success() => {}
                Ok(output) => eprintln!("could not put the portal back: {}", described(&connect, &output)),
                Err(e) => eprintln!("could not put the portal back: {connect:?}: {e}"),
            }
        }
    }
}

/// A page of the photos service for a browser with a session cookie.
async fn photos_page(deployment: &Deployment, session: &str) -> (StatusCode, String, String) {
    let browser = TestClient::new(&deployment.base_url);
    browser.sign_in(session);
    let page = browser.get("/photos/").await;
    let content_type = page.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (page.status(), content_type, page.text().await.unwrap_or_default())
}

/// The bugs service's `me` for a script with a bearer token.
async fn bugs_me(deployment: &Deployment, token: &str) -> (StatusCode, String, String) {
    let answer = deployment.http.get(deployment.url("/bugs/api/me")).bearer_auth(token).send().await.expect("GET");
    let content_type = answer.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (answer.status(), content_type, answer.text().await.unwrap_or_default())
}

#[tokio::test]
async fn a_portal_cut_off_the_network_makes_sign_in_unavailable_until_it_is_back() {
    let deployment = Deployment::from_env();
    // Signed in just now and used nowhere yet: no service has it cached.
    let session = deployment.admin_session().await;
    let token = deployment.admin_session().await;
    let mut cut = PortalCutOff::new(&deployment);

    let (status, content_type, page) = photos_page(&deployment, &session).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "/photos/ without the portal: {page}");
    assert!(content_type.starts_with("text/html"), "/photos/ answers a page, not {content_type}");
    assert!(page.contains("sign-in service is not answering"), "the page says sign-in is unavailable: {page}");

    let (status, content_type, problem) = bugs_me(&deployment, &token).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "/bugs/api/me without the portal: {problem}");
    assert_eq!(content_type, "application/problem+json", "/bugs/api/me answers a problem: {problem}");
    let problem: Value = serde_json::from_str(&problem).expect("a problem in JSON");
    assert!(
        problem["detail"].as_str().is_some_and(|d| d.contains("sign-in service is not answering")),
        "the problem says sign-in is unavailable: {problem}"
    );

    cut.reconnect();
    let reconnected = Instant::now();
    loop {
        let (page_status, _, _) = photos_page(&deployment, &session).await;
        let (api_status, _, answer) = bugs_me(&deployment, &token).await;
        for status in [page_status, api_status] {
            assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "never a 500 while the portal comes back");
        }
        if page_status == StatusCode::OK && api_status == StatusCode::OK {
            let me: Value = serde_json::from_str(&answer).expect("me in JSON");
            assert_eq!(me["username"], ADMIN.0, "the token is the admin's again");
            break;
        }
        assert!(
            reconnected.elapsed() < Duration::from_secs(30),
            "30 s after the portal is back: /photos/ answers {page_status}, /bugs/api/me {api_status}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
