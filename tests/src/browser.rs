//! Browser journeys: Debian's headless Chromium driven over WebDriver (chromium-driver) with
//! `fantoccini`, against a Hearth at `base_url`.
//!
//! [`Browser::start`] runs `chromedriver` on a free port, or skips loudly when `chromium` or
//! `chromedriver` is not installed. Every [`Session`] is a browser of its own with a fresh
//! profile (its own cookies) and its own downloads folder, so one journey can play several
//! people: [`Browser::desktop`] opens a 1280×900 window, [`Browser::phone`] emulates a
//! 390×844 phone. [`Session::download`] clicks a link and waits for the file it downloads.
//!
//! [`Browser::journey`] runs a journey; when it fails (returns `Err` or panics) every open
//! session is photographed to `target/browser-failures/<journey>-<session>.png` first.
//! [`Session::screenshot`] keeps a picture a journey takes on purpose in
//! `target/browser-screenshots/`.

use std::future::Future;
use std::os::unix::process::CommandExt as _;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt as _;
use hyper_util::client::legacy::connect::HttpConnector;
use rustix::process::{Pid, Signal, kill_process_group};
use serde_json::{Value, json};

use crate::skip;

/// How long helpers wait for an element or a page before giving up.
const WAIT: Duration = Duration::from_secs(10);

/// The size of a session's screen.
enum Screen {
    Desktop,
    Phone,
}

/// A running `chromedriver` and the sessions opened through it.
///
/// Dropping it ends chromedriver and every browser it started (they share its process group,
/// because chromedriver leaves its browsers running when it is killed), and removes the
/// folder their profiles were made in.
pub struct Browser {
    driver: Child,
    /// chromedriver's `TMPDIR`, where it and the browsers make their profiles, and where the
    /// sessions' downloads go; kept so it lives as long as they do.
    temp_dir: tempfile::TempDir,
    driver_url: String,
    chromium: PathBuf,
    base_url: String,
    sessions: Mutex<Vec<(String, Client)>>,
}

impl Browser {
    /// Starts chromedriver for a Hearth at `base_url`, or returns `None` after a loud skip when
    /// `chromium` or `chromedriver` is not installed.
    ///
    /// # Panics
    /// When chromedriver cannot start or does not answer within 30 seconds, or when the browser
    /// is missing and `HEARTH_REQUIRE_ALL=1`.
    pub async fn start(base_url: &str) -> Option<Self> {
        let (Some(chromedriver), Some(chromium)) = (find_program("chromedriver"), find_program("chromium")) else {
            skip("browser journeys need chromium and chromedriver (Debian: apt install chromium chromium-driver)");
            return None;
        };
        let port = crate::free_port();
        let temp_dir = tempfile::tempdir().expect("temp dir");
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .env("TMPDIR", temp_dir.path())
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", chromedriver.display()));
        let browser = Self {
            driver,
            temp_dir,
            driver_url: format!("http://127.0.0.1:{port}"),
            chromium,
            base_url: base_url.trim_end_matches('/').to_owned(),
            sessions: Mutex::new(Vec::new()),
        };
        browser.wait_ready().await;
        Some(browser)
    }

    async fn wait_ready(&self) {
        crate::wait_until_ok(&format!("{}/status", self.driver_url)).await;
    }

    /// A desktop browser (a 1280×900 window) with a profile of its own.
    ///
    /// # Errors
    /// When chromedriver cannot start the browser, or its window is not 1280 px wide.
    pub async fn desktop(&self, name: &str) -> anyhow::Result<Session> {
        self.open(name, Screen::Desktop).await
    }

    /// A phone (a 390×844 touch screen, three pixels per CSS pixel) with a profile of its own.
    ///
    /// # Errors
    /// When chromedriver cannot start the browser, or its screen is not 390 px wide.
    pub async fn phone(&self, name: &str) -> anyhow::Result<Session> {
        self.open(name, Screen::Phone).await
    }

    async fn open(&self, name: &str, screen: Screen) -> anyhow::Result<Session> {
        let downloads = self.temp_dir.path().join("downloads").join(name);
        std::fs::create_dir_all(&downloads).with_context(|| format!("make {}", downloads.display()))?;
        let mut options = json!({
            "binary": self.chromium,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--window-size=1280,900",
            ],
            "prefs": {
                "download.default_directory": downloads,
                "download.prompt_for_download": false,
                "download.directory_upgrade": true,
            },
        });
        let width = match screen {
            Screen::Desktop => 1280,
            // Headless Chromium will not make a window narrower than 500 px: emulate the phone.
            Screen::Phone => {
                options["mobileEmulation"] = json!({
                    "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 3.0, "mobile": true, "touch": true },
                });
                390
            }
        };
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".to_owned(), json!("chrome"));
        capabilities.insert("goog:chromeOptions".to_owned(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.driver_url)
            .await
            .with_context(|| format!("open a browser for {name}"))?;
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner).push((name.to_owned(), client.clone()));
        let session = Session { name: name.to_owned(), base_url: self.base_url.clone(), client, downloads };
        let outer_width = session.execute("return window.outerWidth").await?;
        if outer_width != json!(width) {
            bail!("{name}: asked for a browser {width} px wide, got {outer_width}");
        }
        Ok(session)
    }

    /// Runs one journey. When it fails, every open session is photographed first; the sessions
    /// are closed either way.
    ///
    /// # Panics
    /// When the journey returns `Err` or panics.
    pub async fn journey(&self, name: &str, body: impl Future<Output = anyhow::Result<()>>) {
        let started = Instant::now();
        let outcome = AssertUnwindSafe(body).catch_unwind().await;
        if !matches!(outcome, Ok(Ok(()))) {
            self.save_screenshots(name).await;
        }
        self.close_sessions().await;
        match outcome {
            Ok(Ok(())) => eprintln!("journey {name} passed in {:.1} s", started.elapsed().as_secs_f64()),
            Ok(Err(error)) => panic!("journey {name} failed: {error:?}"),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    fn open_sessions(&self) -> Vec<(String, Client)> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    async fn save_screenshots(&self, journey: &str) {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser-failures");
        for (session, client) in self.open_sessions() {
            let path = folder.join(format!("{journey}-{session}.png"));
            let saved = async {
                let png = client.screenshot().await?;
                std::fs::create_dir_all(&folder)?;
                std::fs::write(&path, png)?;
                anyhow::Ok(())
            };
            match saved.await {
                Ok(()) => eprintln!("screenshot of {session}: {}", path.display()),
                Err(error) => eprintln!("no screenshot of {session}: {error:#}"),
            }
        }
    }

    async fn close_sessions(&self) {
        let sessions = std::mem::take(&mut *self.sessions.lock().unwrap_or_else(PoisonError::into_inner));
        for (_, client) in sessions {
            let _ = tokio::time::timeout(WAIT, client.close()).await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let group = Pid::from_child(&self.driver);
        let _ = kill_process_group(group, Signal::TERM);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // Give the browsers a moment to exit before their profile folder is removed.
        let deadline = Instant::now() + Duration::from_secs(5);
        while group_running(self.driver.id()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = kill_process_group(group, Signal::KILL);
    }
}

/// Whether a process of the process group `group` still runs. Zombies do not count: where
/// PID 1 does not reap orphans promptly (containers) they linger after the browsers exit.
fn group_running(group: u32) -> bool {
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return false;
    };
    let group = group.to_string();
    processes.filter_map(Result::ok).any(|process| {
        let stat = std::fs::read_to_string(process.path().join("stat")).unwrap_or_default();
        // "pid (command) state parent group …", where the command may hold spaces and ")".
        let mut fields = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace();
        let (state, _parent, process_group) = (fields.next(), fields.next(), fields.next());
        state.is_some_and(|state| state != "Z") && process_group == Some(group.as_str())
    })
}

/// The files in a folder.
fn files_in(folder: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(folder).with_context(|| format!("read {}", folder.display()))?;
    Ok(entries.filter_map(Result::ok).map(|entry| entry.path()).collect())
}

/// `name` in `PATH`, else in `/usr/bin`.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// One person's browser. Every helper waits up to 10 seconds for what it needs and names the
/// session and the selector in its error.
pub struct Session {
    name: String,
    base_url: String,
    client: Client,
    /// Where this browser saves what it downloads.
    downloads: PathBuf,
}

impl Session {
    /// Opens a path of the Hearth under test (`/admin`), or a full URL.
    ///
    /// # Errors
    /// When the page cannot be loaded.
    pub async fn goto(&self, path_or_url: &str) -> anyhow::Result<()> {
        let url = if path_or_url.starts_with('/') {
            format!("{}{path_or_url}", self.base_url)
        } else {
            path_or_url.to_owned()
        };
        self.client.goto(&url).await.with_context(|| format!("{}: open {url}", self.name))
    }

    /// The path of the current page.
    ///
    /// # Errors
    /// When the browser does not answer.
    pub async fn path(&self) -> anyhow::Result<String> {
        let url = self.client.current_url().await.with_context(|| format!("{}: current URL", self.name))?;
        Ok(url.path().to_owned())
    }

    /// Waits until an element matches `css`.
    ///
    /// # Errors
    /// When none does after 10 seconds.
    pub async fn wait_for(&self, css: &str) -> anyhow::Result<Element> {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("{}: wait for {css}", self.name))
    }

    /// Types `text` into the field matching `css`, replacing what was there.
    ///
    /// # Errors
    /// When the field is missing or cannot be typed into.
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let field = self.wait_for(css).await?;
        field.clear().await.with_context(|| format!("{}: clear {css}", self.name))?;
        field.send_keys(text).await.with_context(|| format!("{}: type into {css}", self.name))
    }

    /// Clicks the element matching `css`.
    ///
    /// # Errors
    /// When it is missing or cannot be clicked.
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        let element = self.wait_for(css).await?;
        element.click().await.with_context(|| format!("{}: click {css}", self.name))
    }

    /// Clicks the button or link whose visible text is `label`.
    ///
    /// # Errors
    /// When there is none, or it cannot be clicked.
    pub async fn click_text(&self, label: &str) -> anyhow::Result<()> {
        if label.contains('\'') {
            bail!("click_text cannot look for a label with an apostrophe: {label}");
        }
        let xpath = format!("//*[self::button or self::a][normalize-space()='{label}']");
        let element = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(&xpath))
            .await
            .with_context(|| format!("{}: find a button or link \"{label}\"", self.name))?;
        element.click().await.with_context(|| format!("{}: click \"{label}\"", self.name))
    }

    /// Clicks the button or link `label` and waits until the page it leads to has loaded (the
    /// same address, too, as when a form comes back with an error).
    ///
    /// # Errors
    /// When there is no such button or link, or no new page has loaded after 10 seconds.
    pub async fn submit(&self, label: &str) -> anyhow::Result<()> {
        self.execute("window.hearthPageBefore = true").await?;
        self.click_text(label).await?;
        let deadline = Instant::now() + WAIT;
        loop {
            let loaded = self.execute("return !window.hearthPageBefore && document.readyState === 'complete'").await;
            if matches!(loaded, Ok(Value::Bool(true))) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                loaded?;
                bail!("{}: \"{label}\" did not lead to a new page", self.name);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks the link `label` and waits until the file it downloads has arrived whole in the
    /// session's downloads folder (until then Chromium writes a hidden file, then
    /// `*.crdownload`); its path.
    ///
    /// # Errors
    /// When there is no such link, or no new file has arrived whole within `within`.
    pub async fn download(&self, label: &str, within: Duration) -> anyhow::Result<PathBuf> {
        let before = files_in(&self.downloads)?;
        self.click_text(label).await?;
        let deadline = Instant::now() + within;
        loop {
            let now = files_in(&self.downloads)?;
            let (arriving, whole): (Vec<&PathBuf>, Vec<&PathBuf>) = now.iter().partition(|file| {
                file.extension().is_some_and(|e| e == "crdownload")
                    || file.file_name().is_some_and(|name| name.to_string_lossy().starts_with('.'))
            });
            let arriving = !arriving.is_empty();
            let new: Vec<&PathBuf> = whole.into_iter().filter(|file| !before.contains(file)).collect();
            if let [file] = new.as_slice()
                && !arriving
            {
                return Ok((*file).clone());
            }
            if Instant::now() >= deadline {
                bail!(
                    "{}: \"{label}\" downloaded nothing whole in {} s; the folder holds {now:?}",
                    self.name,
                    within.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The visible text of the element matching `css`.
    ///
    /// # Errors
    /// When it is missing.
    pub async fn text_of(&self, css: &str) -> anyhow::Result<String> {
        let element = self.wait_for(css).await?;
        element.text().await.with_context(|| format!("{}: text of {css}", self.name))
    }

    /// The visible texts of every element matching `css`, in page order (at least one).
    ///
    /// # Errors
    /// When none matches.
    pub async fn texts_of(&self, css: &str) -> anyhow::Result<Vec<String>> {
        self.wait_for(css).await?;
        let elements =
            self.client.find_all(Locator::Css(css)).await.with_context(|| format!("{}: find {css}", self.name))?;
        let mut texts = Vec::with_capacity(elements.len());
        for element in elements {
            texts.push(element.text().await.with_context(|| format!("{}: text of {css}", self.name))?);
        }
        Ok(texts)
    }

    /// The current value of the form field matching `css`.
    ///
    /// # Errors
    /// When it is missing or has no value.
    pub async fn value_of(&self, css: &str) -> anyhow::Result<String> {
        let field = self.wait_for(css).await?;
        field
            .prop("value")
            .await
            .with_context(|| format!("{}: value of {css}", self.name))?
            .with_context(|| format!("{}: {css} has no value", self.name))
    }

    /// Runs `script` in the page and returns what it returns (`return document.title`).
    ///
    /// # Errors
    /// When the script throws.
    pub async fn execute(&self, script: &str) -> anyhow::Result<Value> {
        self.client.execute(script, Vec::new()).await.with_context(|| format!("{}: run {script}", self.name))
    }

    /// Waits until `script` returns `true`, running it every 100 ms (also across page loads)
    /// for up to `within`. Until then it may return anything else, to explain what it sees:
    /// the error shows the last value, under `what` (what was awaited, in words).
    ///
    /// # Errors
    /// When the script has not returned `true` after `within`.
    pub async fn wait_until(&self, what: &str, script: &str, within: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        loop {
            let outcome = self.execute(script).await;
            if matches!(outcome, Ok(Value::Bool(true))) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let seen = outcome?;
                bail!("{}: waited {} s for {what}; last saw {seen}", self.name, within.as_secs());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Session {
    /// Saves a picture of what the page shows as `target/browser-screenshots/<name>.png`, kept
    /// by CI as an artifact (not committed); its path.
    ///
    /// # Errors
    /// When the browser gives no picture or the file cannot be written.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser-screenshots");
        let png = self.client.screenshot().await.with_context(|| format!("{}: screenshot", self.name))?;
        std::fs::create_dir_all(&folder).with_context(|| format!("make {}", folder.display()))?;
        let path = folder.join(format!("{name}.png"));
        std::fs::write(&path, png).with_context(|| format!("write {}", path.display()))?;
        Ok(path)
    }

    /// Makes a desktop session's window `width` × `height` pixels (a phone's screen stays the
    /// phone's).
    ///
    /// # Errors
    /// When the browser does not resize.
    pub async fn resize(&self, width: u32, height: u32) -> anyhow::Result<()> {
        self.client.set_window_size(width, height).await.with_context(|| format!("{}: resize", self.name))
    }
}

/// The admin (Mum) sets up a fresh Hearth on a computer and makes an invite link; the member
/// (Grandpa Joe, user name `joe`) opens it on a phone and joins, landing on the home page.
/// Returns both sessions, signed in (each is photographed if the journey fails).
///
/// # Errors
/// A step of the set-up or of joining did not go as a family would see it go.
pub async fn a_family_joins(browser: &Browser) -> anyhow::Result<(Session, Session)> {
    let admin = browser.desktop("admin").await?;
    admin.goto("/").await?;
    ensure!(admin.path().await? == "/setup", "a fresh Hearth asks for its admin first");
    admin.fill("input[name=display_name]", "Mum").await?;
    admin.fill("input[name=username]", "mum").await?;
    admin.fill("input[name=password]", "kettle-on-at-four").await?;
    admin.submit("Create the admin account").await?;
    ensure!(admin.text_of("h1").await? == "Hello, Mum", "the admin lands on the home page");

    admin.goto("/admin").await?;
    admin.submit("Make an invite link").await?;
    let invite_url = admin.value_of("#invite-url").await?;
    ensure!(invite_url.contains("/invite/"), "not an invite link: {invite_url}");

    let member = browser.phone("member").await?;
    member.goto(&invite_url).await?;
    member.fill("input[name=display_name]", "Grandpa Joe").await?;
    member.fill("input[name=username]", "joe").await?;
    member.fill("input[name=password]", "allotment-1952").await?;
    member.submit("Join").await?;
    ensure!(member.path().await? == "/", "the member lands on the home page");
    ensure!(member.text_of("h1").await? == "Hello, Grandpa Joe", "the member is greeted");
    Ok((admin, member))
}
