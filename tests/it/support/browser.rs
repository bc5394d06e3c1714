//! Headless Chromium driven over WebDriver (fantoccini), for the browser tests and the
//! screenshot script (`examples/screenshots.rs` includes this file).
//!
//! Only Debian's `chromium` and `chromium-driver` are used, never a downloaded browser; when
//! they are missing, [`Browser::start`] panics with a message saying to run `scripts/test`,
//! which installs them. chromedriver listens on a free 127.0.0.1 port and Chromium runs with a
//! throw-away profile and without any background networking, so a test talks to nothing but
//! the servers it started. Every WebDriver command is bounded by [`COMMAND_TIMEOUT`] so that a
//! hung browser fails the test instead of hanging it.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};

/// Where Debian installs the browser and its driver.
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";
pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long chromedriver may take to accept connections, and one WebDriver command to
/// answer: generous, because they only catch hangs.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
pub(crate) const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// A running chromedriver with one Chromium session. Dropping it kills the driver (and with
/// it the browser); [`Browser::close`] ends the session first.
pub(crate) struct Browser {
    pub(crate) client: Client,
    driver: Driver,
    profile: tempfile::TempDir,
}

/// The chromedriver process, killed when dropped (also when a test fails while starting).
struct Driver(Child);

impl Browser {
    /// Starts chromedriver and a headless Chromium session with a `width`×`height` window.
    pub(crate) async fn start(width: u32, height: u32) -> Browser {
        for path in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: the browser tests need Debian's chromium and chromium-driver. \
                 Run the README's test command, `scripts/test`, which installs them \
                 (apt-get install -y chromium chromium-driver) and then runs cargo test"
            );
        }
        let port = free_port();
        let mut driver = Driver(
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // Its own process group, which Chromium joins: see `Drop for Driver`.
                .process_group(0)
                .spawn()
                .unwrap_or_else(|error| panic!("starting {CHROMEDRIVER}: {error}")),
        );
        let profile = tempfile::tempdir().expect("a temp dir for the Chromium profile");
        wait_for_port(port, &mut driver.0).await;
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-crash-reporter".to_owned(),
            "--disable-breakpad".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": CHROMIUM, "args": args }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(caps);
        let webdriver = format!("http://127.0.0.1:{port}");
        let client = tokio::time::timeout(STARTUP_TIMEOUT, builder.connect(&webdriver))
            .await
            .expect("chromedriver did not open a session in time")
            .unwrap_or_else(|error| panic!("opening a Chromium session: {error}"));
        Browser { client, driver, profile }
    }

    /// Ends the session (closing Chromium), then the driver, then removes the profile.
    pub(crate) async fn close(self) {
        let Browser { client, driver, profile } = self;
        let _ = tokio::time::timeout(COMMAND_TIMEOUT, client.close()).await;
        drop(driver);
        drop(profile);
    }
}

impl Drop for Driver {
    /// Ends chromedriver's whole process group: Chromium is in it, so a test that fails before
    /// closing its session leaves no browser running.
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs one WebDriver command with [`COMMAND_TIMEOUT`], failing the test on error or hang.
#[track_caller]
pub(crate) fn within<T, E: std::fmt::Debug>(
    what: &str,
    command: impl std::future::Future<Output = Result<T, E>>,
) -> impl std::future::Future<Output = T> {
    let what = what.to_owned();
    async move {
        match tokio::time::timeout(COMMAND_TIMEOUT, command).await {
            Ok(Ok(value)) => value,
            Ok(Err(error)) => panic!("{what}: {error:?}"),
            Err(_) => panic!("{what}: no answer within {COMMAND_TIMEOUT:?}"),
        }
    }
}

/// A free port on 127.0.0.1 (bound, then released for chromedriver to take).
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binding 127.0.0.1:0");
    listener.local_addr().expect("a bound address").port()
}

/// Waits until chromedriver accepts connections on `port`, or fails (early if it exited).
async fn wait_for_port(port: u16, driver: &mut Child) {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let started = Instant::now();
    loop {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return;
        }
        if let Ok(Some(status)) = driver.try_wait() {
            panic!("{CHROMEDRIVER} exited with {status} before accepting connections");
        }
        assert!(started.elapsed() < STARTUP_TIMEOUT, "{CHROMEDRIVER} did not listen on {addr}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
