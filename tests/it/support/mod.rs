//! Helpers shared by the integration tests: the real `otcwatch` binary as a `Command`, a runner
//! that feeds stdin and fails fast instead of hanging, and JSONL parsing of its output.

// Headless Chromium over WebDriver, for the browser tests.
pub(crate) mod browser;
// Accounts committed into a temp store through `commit_page`, for the review tests.
pub(crate) mod seed;
// In-test web sites on 127.0.0.0/8 for the fetch tests.
pub(crate) mod site;
// The web application over a temp store with users and crawled pages, for the browser tests.
pub(crate) mod ui_app;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long one run of the binary may take before the test fails: extraction of a test
/// document takes milliseconds, so this only catches hangs.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The `otcwatch` binary that Cargo built for this test run, with the environment variables
/// that change its behaviour removed, so the caller's shell cannot leak into a test.
pub(crate) fn otcwatch() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_otcwatch"));
    cmd.env_remove("OTCWATCH_WARNINGLIST").env_remove("OTCWATCH_LOG");
    cmd
}

/// What one run of the binary produced.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) status: ExitStatus,
    /// Standard output, which must be UTF-8 (it is JSONL or a table).
    pub(crate) stdout: String,
    /// Standard error, lossily decoded: it is for people.
    pub(crate) stderr: String,
}

impl Run {
    /// The exit code; a run killed by a signal fails the test.
    #[track_caller]
    pub(crate) fn code(&self) -> i32 {
        self.status.code().unwrap_or_else(|| panic!("killed by a signal: {self:#?}"))
    }

    /// Asserts exit code 0 and returns the findings on stdout.
    #[track_caller]
    pub(crate) fn findings(&self) -> Vec<serde_json::Value> {
        assert_eq!(self.code(), 0, "expected success: {self:#?}");
        jsonl(&self.stdout)
    }

    /// Asserts exit code 2 with nothing on stdout and returns stderr.
    #[track_caller]
    pub(crate) fn usage_error(&self) -> &str {
        assert_eq!(self.code(), 2, "expected a usage error: {self:#?}");
        assert_eq!(self.stdout, "", "a failed run must print nothing on stdout");
        &self.stderr
    }
}

/// Runs `otcwatch args…` with `stdin` as standard input (empty when `None`).
#[track_caller]
pub(crate) fn run(args: &[&str], stdin: Option<&[u8]>) -> Run {
    run_cmd(otcwatch().args(args), stdin)
}

/// Runs `otcwatch extract args… FILE` on a file.
#[track_caller]
pub(crate) fn extract_file(path: &Path, args: &[&str]) -> Run {
    run_cmd(otcwatch().arg("extract").args(args).arg(path), None)
}

/// Runs `otcwatch extract args…` with `input` on stdin.
#[track_caller]
pub(crate) fn extract_stdin(input: &[u8], args: &[&str]) -> Run {
    run_cmd(otcwatch().arg("extract").args(args), Some(input))
}

/// Runs `cmd`, writes `stdin` to it from a thread (so a full pipe cannot deadlock), collects
/// both outputs, and kills it if it outlives [`RUN_TIMEOUT`].
#[track_caller]
pub(crate) fn run_cmd(cmd: &mut Command, stdin: Option<&[u8]>) -> Run {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn otcwatch");
    let input = stdin.unwrap_or_default().to_vec();
    let mut pipe_in = child.stdin.take().expect("stdin is piped");
    // The binary may exit before reading all of its input (a usage error): a broken pipe
    // here is not the test's concern.
    let writer = std::thread::spawn(move || drop(pipe_in.write_all(&input)));
    let mut pipe_out = child.stdout.take().expect("stdout is piped");
    let mut pipe_err = child.stderr.take().expect("stderr is piped");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        pipe_out.read_to_end(&mut buf).map(|_| buf)
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        pipe_err.read_to_end(&mut buf).map(|_| buf)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for otcwatch") {
            break status;
        }
        if started.elapsed() > RUN_TIMEOUT {
            drop(child.kill());
            panic!("otcwatch did not finish within {RUN_TIMEOUT:?}: {cmd:?}");
        }
        std::thread::park_timeout(Duration::from_millis(5));
    };
    writer.join().expect("stdin writer thread");
    let stdout = out_reader.join().expect("stdout reader thread").expect("read stdout");
    let stderr = err_reader.join().expect("stderr reader thread").expect("read stderr");
    Run {
        status,
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Parses JSONL: every line must be one JSON object, and nothing else may be on stdout.
#[track_caller]
pub(crate) fn jsonl(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line:?}"));
            assert!(value.is_object(), "stdout line is not a JSON object: {line:?}");
            value
        })
        .collect()
}

/// The `(kind, value)` pairs of parsed findings, in output order.
pub(crate) fn kinds_values(findings: &[serde_json::Value]) -> Vec<(String, String)> {
    findings
        .iter()
        .map(|f| (str_field(f, "kind").to_owned(), str_field(f, "value").to_owned()))
        .collect()
}

/// A string field of a finding; a missing or non-string field fails the test.
#[track_caller]
pub(crate) fn str_field<'a>(finding: &'a serde_json::Value, name: &str) -> &'a str {
    finding[name].as_str().unwrap_or_else(|| panic!("`{name}` is not a string in {finding}"))
}
