//! What the browser tests need around a browser: chromedriver and the web
//! server as child processes that are killed when dropped, readiness checks
//! by bounded polling, a WebDriver session over plain HTTP, waits with
//! deadlines, and screenshots kept as test artifacts; and, on top of them,
//! the demo community served for one test ([`Site`]) with as many signed-in
//! browsers as the test needs ([`Session`]).

use super::helpers::run_at;
use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::fs::File;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long any one wait for the page may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);
/// Between two checks of a condition that is being waited for.
const POLL: Duration = Duration::from_millis(100);
/// Attempts at a freshly started process before it counts as not starting.
const STARTUP_ATTEMPTS: u32 = 200;

/// Whether the browser tests can run here. With `STARLEDGER_E2E=require` a
/// missing browser fails the test; otherwise the test says loudly that it
/// skipped and passes.
pub fn browser_available() -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER].into_iter().filter(|path| !Path::new(path).exists()).collect();
    if missing.is_empty() {
        return true;
    }
    let why =
        format!("{} not installed (Debian packages chromium, chromium-driver, fonts-noto-cjk)", missing.join(" and "));
    if std::env::var("STARLEDGER_E2E").as_deref() == Ok("require") {
        panic!("STARLEDGER_E2E=require but the browser tests cannot run: {why}");
    }
    eprintln!("\n==================================================================");
    eprintln!("SKIPPED: browser end-to-end test: {why}.");
    eprintln!("Set STARLEDGER_E2E=require to make this a failure.");
    eprintln!("==================================================================\n");
    false
}

/// A port on the loopback interface that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("the bound address").port()
}

/// Where the screenshots go: `<workspace>/target/e2e-artifacts/`.
pub fn artifacts_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("the workspace above crates/cli");
    let dir = workspace.join("target").join("e2e-artifacts");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

// ---- child processes ------------------------------------------------------------

/// A child process that is killed when dropped; its output goes to a log
/// file, which is printed if the test is failing.
pub struct Process {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `command` with stdout and stderr in `log`.
    pub fn start(name: &'static str, mut command: Command, log: PathBuf) -> Process {
        let out = File::create(&log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
        let err = out.try_clone().expect("clone the log file handle");
        command.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = command.spawn().unwrap_or_else(|e| panic!("start {name}: {e}"));
        Process { name, child, log }
    }

    /// The operating system's id of the process, to signal it.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Polls a bounded number of times for the process to exit, and
    /// returns its status; fails with its log if it is still running.
    pub async fn wait_for_exit(&mut self, what: &str) -> std::process::ExitStatus {
        for _ in 0..STARTUP_ATTEMPTS {
            if let Some(status) = self.child.try_wait().expect("poll the child process") {
                return status;
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("{} did not exit after {what}:\n{}", self.name, self.log_text());
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Polls `ready` a bounded number of times (a readiness check, not a
    /// sleep): fails at once if the process exits, and after the last attempt.
    pub async fn wait_until_ready<F, Fut>(&mut self, what: &str, mut ready: F)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = bool>,
    {
        for _ in 0..STARTUP_ATTEMPTS {
            if let Some(status) = self.child.try_wait().expect("poll the child process") {
                panic!("{} exited ({status}) before {what}:\n{}", self.name, self.log_text());
            }
            if ready().await {
                return;
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("{} did not get to {what} after {STARTUP_ATTEMPTS} attempts:\n{}", self.name, self.log_text());
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("---- {} output ----\n{}---- end of {} output ----", self.name, self.log_text(), self.name);
        }
    }
}

/// `GET path` on a loopback port: the status and the whole response, or
/// nothing if no answer came within two seconds.
pub async fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let attempt = async {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        // Not every server closes the connection when asked (chromedriver
        // keeps it open): read until the body announced by Content-Length.
        let mut response = Vec::new();
        let mut buffer = [0u8; 8192];
        loop {
            let read = stream.read(&mut buffer).await.ok()?;
            response.extend_from_slice(&buffer[..read]);
            if read == 0 || complete(&response) {
                break;
            }
        }
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text.split_whitespace().nth(1)?.parse().ok()?;
        Some((status, text))
    };
    tokio::time::timeout(Duration::from_secs(2), attempt).await.ok().flatten()
}

/// Whether `response` holds its headers and the whole body they announce.
fn complete(response: &[u8]) -> bool {
    let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let headers = String::from_utf8_lossy(&response[..end]).to_ascii_lowercase();
    let length = headers
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse::<usize>().ok());
    length.is_some_and(|length| response.len() >= end + 4 + length)
}

/// chromedriver on a free loopback port, answering `/status` as ready.
pub async fn start_chromedriver(log_dir: &Path) -> (Process, u16) {
    let port = free_port();
    let mut command = Command::new(CHROMEDRIVER);
    command.arg(format!("--port={port}"));
    let mut driver = Process::start("chromedriver", command, log_dir.join("chromedriver.log"));
    driver
        .wait_until_ready("answering /status as ready", || async move {
            matches!(http_get(port, "/status").await, Some((200, body)) if body.replace(' ', "").contains("\"ready\":true"))
        })
        .await;
    (driver, port)
}

/// A new headless Chromium session with its own fresh profile folder.
pub async fn open_session(driver_port: u16, profile: &Path) -> Client {
    let args = [
        "--headless=new".to_string(),
        "--no-sandbox".to_string(),
        "--disable-gpu".to_string(),
        "--disable-quic".to_string(),
        "--disable-background-networking".to_string(),
        "--disable-component-update".to_string(),
        "--disable-sync".to_string(),
        "--no-first-run".to_string(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut capabilities = Capabilities::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), json!({ "binary": CHROMIUM, "args": args }));
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .unwrap_or_else(|e| panic!("start a Chromium session through chromedriver: {e}"))
}

// ---- driving pages ------------------------------------------------------------------

/// The text of the page's body, for failure messages.
pub async fn page_text(client: &Client) -> String {
    let url = client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
    let text = match client.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(e) => format!("(no body: {e})"),
    };
    format!("at {url}:\n{text}")
}

/// Waits (bounded) for an element matching `css`.
pub async fn find(client: &Client, css: &str) -> Element {
    match client.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
        Ok(element) => element,
        Err(e) => panic!("no element {css} within {WAIT:?} ({e}); the page is {}", page_text(client).await),
    }
}

/// Waits (bounded) until `check` holds, polling the page.
pub async fn wait_until<F, Fut>(client: &Client, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, CmdError>>,
{
    let start = Instant::now();
    let mut last_error = None;
    loop {
        match check().await {
            Ok(true) => return,
            Ok(false) => {}
            // While a page is being replaced the driver can answer with any of
            // several errors (a stale element, a script run as the document
            // unloads ...): look again until the deadline, and report the
            // last one if it comes.
            Err(e) => last_error = Some(e.to_string()),
        }
        if start.elapsed() > WAIT {
            panic!(
                "{what} did not happen within {WAIT:?} (last driver error: {}); the page is {}",
                last_error.as_deref().unwrap_or("none"),
                page_text(client).await
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// How many elements match `css` right now.
pub async fn count(client: &Client, css: &str) -> Result<usize, CmdError> {
    Ok(client.find_all(Locator::Css(css)).await?.len())
}

/// Clicks `element` (a submit button or link) and waits until the browser
/// has left the current document and loaded the next one.
pub async fn click_and_wait_for_navigation(client: &Client, element: &Element) {
    let old = client.find(Locator::Css("html")).await.expect("the page has an html element");
    element.click().await.unwrap_or_else(|e| panic!("click: {e}"));
    wait_until(client, "the next page to load", || {
        let old = old.clone();
        async move {
            match old.tag_name().await {
                Ok(_) => Ok(false),
                Err(e) if e.is_stale_element_reference() || e.is_no_such_element() => {
                    let state = client.execute("return document.readyState", vec![]).await?;
                    Ok(state == json!("complete"))
                }
                Err(e) => Err(e),
            }
        }
    })
    .await;
}

/// Saves a screenshot of the whole page as `<artifacts>/<name>.png`: the
/// window is stretched to the page's height for the shot, then restored.
pub async fn screenshot(client: &Client, name: &str) -> PathBuf {
    let (width, height) = client.get_window_size().await.expect("the window size");
    // The page's height, and how much taller the window is than its viewport.
    let measured = client
        .execute(
            "return [Math.ceil(document.documentElement.scrollHeight), window.outerHeight - window.innerHeight]",
            vec![],
        )
        .await
        .expect("measure the page");
    let number = |i: usize| measured.get(i).and_then(|v| v.as_u64()).unwrap_or(0);
    let tall = (number(0) + number(1)).clamp(height, 8000);
    if tall > height {
        client.set_window_size(width as u32, tall as u32).await.expect("stretch the window");
    }
    let png = client.screenshot().await.expect("take a screenshot");
    if tall > height {
        client.set_window_size(width as u32, height as u32).await.expect("restore the window");
    }
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a screenshot is a PNG");
    let path = artifacts_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    eprintln!("e2e: screenshot {}", path.display());
    path
}

/// Opens the header's menu (a `<details>`), if it is closed.
pub async fn open_menu(client: &Client) {
    let menu = find(client, "header details[data-menu]").await;
    if menu.attr("open").await.expect("read the menu's open attribute").is_none() {
        find(client, "header details[data-menu] > summary").await.click().await.expect("open the menu");
    }
}

/// The signed-in account's name, as the header's menu says it (read even
/// while the menu is closed).
pub async fn account_name(client: &Client) -> String {
    let link = find(client, "header a[href='/password']").await;
    link.prop("textContent").await.expect("read the account's link").unwrap_or_default().trim().to_string()
}

/// Sets an input's value (a date and time picker is not typed into the
/// same way in every locale) and fires the events a page would listen for;
/// fails unless the browser holds the value afterwards.
pub async fn set_value(client: &Client, input: &Element, value: &str) {
    let held = client
        .execute(
            "arguments[0].value = arguments[1]; \
             arguments[0].dispatchEvent(new Event('input', {bubbles: true})); \
             arguments[0].dispatchEvent(new Event('change', {bubbles: true})); \
             return arguments[0].value;",
            vec![serde_json::to_value(input).expect("an element as JSON"), json!(value)],
        )
        .await
        .unwrap_or_else(|e| panic!("set an input to {value}: {e}"));
    assert_eq!(held, json!(value), "the browser took the value {value}");
}

// ---- China's clock and the pages' numbers -------------------------------------------

/// The community's clock: China Standard Time, UTC+8 all year.
pub fn china() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8))
}

pub use super::helpers::{now_in_china, today_in_china};

/// Points as the pages print them: tenths, without a trailing `.0`.
pub fn points_text(tenths: i64) -> String {
    let sign = if tenths < 0 { "-" } else { "" };
    let magnitude = tenths.unsigned_abs();
    match magnitude % 10 {
        0 => format!("{sign}{}", magnitude / 10),
        tenth => format!("{sign}{}.{tenth}", magnitude / 10),
    }
}

// ---- the demo community, served -----------------------------------------------------

/// Every demo account's password.
pub const PASSWORD: &str = "starledger-demo";

/// Puts a fresh copy of the demo community's database at `dest`. The real
/// binary builds the demo once per test process (about 25 s in a debug
/// build) in `target/tmp/e2e-demo-<pid>/`, and every browser test starts
/// from its own copy of it. Folders left by test processes that have ended
/// are removed when the next process builds its demo.
pub fn demo_database(dest: &Path) {
    static BUILT: Mutex<Option<PathBuf>> = Mutex::new(None);
    // A test that failed while building leaves the lock poisoned and nothing
    // built: the next test builds again.
    let mut built = BUILT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if built.is_none() {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        remove_ended_demos(tmp);
        let dir = tmp.join(format!("e2e-demo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        let db = dir.join("demo.db");
        let started = Instant::now();
        run_at(&db, &["demo", "--no-serve"]).succeeded();
        eprintln!("e2e: demo built in {:?} at {}", started.elapsed(), db.display());
        *built = Some(db);
    }
    let source = built.as_deref().expect("the demo was built above");
    std::fs::copy(source, dest).unwrap_or_else(|e| panic!("copy the demo to {}: {e}", dest.display()));
    // The demo closes its database cleanly; if a write-ahead log were left
    // beside it, it would be part of the database.
    let wal = |db: &Path| PathBuf::from(format!("{}-wal", db.display()));
    if wal(source).exists() {
        std::fs::copy(wal(source), wal(dest)).unwrap_or_else(|e| panic!("copy the demo's WAL: {e}"));
    }
}

/// Removes the `e2e-demo-<pid>` folders of processes that no longer run.
fn remove_ended_demos(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|name| name.strip_prefix("e2e-demo-")) else { continue };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The demo community served by the real binary on a loopback port, with
/// chromedriver beside it, for one test. Every browser opened through it is
/// closed by [`Site::run`], however the test's steps end.
pub struct Site {
    /// `http://127.0.0.1:<port>`, also the server's public URL.
    pub base: String,
    /// The served database.
    pub db: PathBuf,
    started: Instant,
    driver_port: u16,
    /// Each browser opened, with its profile folder (removed after it closes).
    sessions: Mutex<Vec<(Client, TempDir)>>,
    _server: Process,
    _driver: Process,
    /// Last, so that it outlives the processes whose logs it holds.
    dir: TempDir,
}

impl Site {
    /// A copy of the demo, served, and chromedriver ready for browsers.
    pub async fn demo() -> Site {
        let started = Instant::now();
        let dir = TempDir::new().expect("a temporary folder");
        let db = dir.path().join("demo.db");
        demo_database(&db);
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut serve = Command::new(assert_cmd::cargo::cargo_bin("starledger"));
        serve.env_remove("STARLEDGER_DB").env_remove("STARLEDGER_BUSY_TIMEOUT_MS");
        serve.env("STARLEDGER_NOW", super::helpers::stated_now());
        serve.arg("--db").arg(&db).args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--public-url", &base]);
        let mut server = Process::start("starledger serve", serve, dir.path().join("serve.log"));
        server
            .wait_until_ready("answering GET /login", || async move {
                matches!(http_get(port, "/login").await, Some((200, _)))
            })
            .await;
        let (driver, driver_port) = start_chromedriver(dir.path()).await;
        eprintln!("e2e: demo copied and served, chromedriver ready, in {:?}", started.elapsed());
        Site { base, db, started, driver_port, sessions: Mutex::new(Vec::new()), _server: server, _driver: driver, dir }
    }

    /// A connection to the served database, as another program would open it.
    pub async fn db(&self) -> SqliteConnection {
        let options = SqliteConnectOptions::new().filename(&self.db);
        SqliteConnection::connect_with(&options).await.expect("open the served database")
    }

    /// A new browser with its own profile (so its own cookies: one person),
    /// its window `width`×`height`.
    pub async fn session(&self, width: u32, height: u32) -> Session {
        let profile = TempDir::new_in(self.dir.path()).expect("a Chromium profile folder");
        let client = open_session(self.driver_port, profile.path()).await;
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push((client.clone(), profile));
        client.set_window_size(width, height).await.expect("size the window");
        Session { client, base: self.base.clone() }
    }

    /// Notes in the test's output how long the test has run when `what` is done.
    pub fn done(&self, what: &str) {
        eprintln!("e2e: {what} done at {:?}", self.started.elapsed());
    }

    /// Runs `steps` as their own task, so that every browser is shut down
    /// cleanly even when a step fails; then passes the failure on. The
    /// server and chromedriver are killed after that, and print their
    /// output if the test is failing.
    pub async fn run<F, Fut>(self, steps: F)
    where
        F: FnOnce(Arc<Site>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let site = Arc::new(self);
        let outcome = tokio::spawn(steps(Arc::clone(&site))).await;
        let sessions = std::mem::take(&mut *site.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        for (client, profile) in sessions {
            let _ = client.close().await;
            drop(profile);
        }
        match outcome {
            Ok(()) => site.done("the whole test"),
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("the browser steps did not finish: {error}"),
        }
    }
}

/// One person's browser on a [`Site`].
pub struct Session {
    pub client: Client,
    base: String,
}

impl Session {
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.client.goto(&url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The path of the page shown, with its query.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("the current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Signs in with the demo password; fails unless the sign-in succeeds.
    pub async fn sign_in(&self, login: &str) {
        self.goto("/login").await;
        find(&self.client, "input[name=login]").await.send_keys(login).await.expect("type the login");
        find(&self.client, "input[name=password]").await.send_keys(PASSWORD).await.expect("type the password");
        self.click("form[action='/login'] button[type=submit]").await;
        let url = self.client.current_url().await.expect("the current URL");
        assert_ne!(url.path(), "/login", "{login} could not sign in; the page is {}", page_text(&self.client).await);
        let name = account_name(&self.client).await;
        assert!(!name.is_empty(), "the header's menu names the signed-in account");
    }

    /// Signs out from the dashboard (an error page has no header to sign out from).
    pub async fn sign_out(&self) {
        self.goto("/").await;
        open_menu(&self.client).await;
        self.click("form[action='/logout'] button").await;
        assert_eq!(self.path().await, "/login", "signing out leads to the sign-in page");
    }

    /// The text of the first element matching `css`, waiting for it.
    pub async fn text(&self, css: &str) -> String {
        find(&self.client, css).await.text().await.unwrap_or_else(|e| panic!("read the text of {css}: {e}"))
    }

    /// Clicks the first element matching `css` and waits for the next page.
    pub async fn click(&self, css: &str) {
        let element = find(&self.client, css).await;
        click_and_wait_for_navigation(&self.client, &element).await;
    }

    /// On an irreversible action's confirmation page (which says what the
    /// action will do and has written nothing yet), confirms.
    pub async fn confirm(&self) {
        find(&self.client, "[data-testid=confirm-summary]").await;
        self.click("form[data-testid=confirm] button[name=confirm][value=yes]").await;
    }

    /// Types `text` into the first element matching `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        find(&self.client, css).await.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Chooses the option `value` of the select matching `css`.
    pub async fn choose(&self, css: &str, value: &str) {
        find(&self.client, css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choose {value} in {css}: {e}"));
    }

    /// How many elements match `css` now.
    pub async fn count(&self, css: &str) -> usize {
        count(&self.client, css).await.unwrap_or_else(|e| panic!("count {css}: {e}"))
    }

    pub async fn screenshot(&self, name: &str) -> PathBuf {
        screenshot(&self.client, name).await
    }
}

// ---- a small real PNG ---------------------------------------------------------------

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for byte in bytes {
        a = (a + u32::from(*byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&u32::try_from(data.len()).expect("a small chunk").to_be_bytes());
    let start = png.len();
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

/// A valid `size`×`size` RGB PNG in the red of the party flag with a gold
/// square in its corner, stored uncompressed (zlib "stored" blocks).
pub fn tiny_png(size: u32) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..size {
        raw.push(0); // filter: none
        for x in 0..size {
            let gold = x < size / 3 && y < size / 3;
            raw.extend_from_slice(if gold { &[0xFF, 0xD7, 0x00] } else { &[0xDE, 0x29, 0x10] });
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).expect("a stored block holds at most 65535 bytes");
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut header = Vec::new();
    header.extend_from_slice(&size.to_be_bytes());
    header.extend_from_slice(&size.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &header);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}
