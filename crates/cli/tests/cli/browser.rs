//! What the browser tests need around a browser: chromedriver and the web
//! server as child processes that are killed when dropped, readiness checks
//! by bounded polling, a WebDriver session over plain HTTP, waits with
//! deadlines, and screenshots kept as test artifacts.

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::fs::File;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
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
