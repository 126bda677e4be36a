//! Integration tests: one binary, a module per subcommand or concern, real processes and real
//! SQLite files. Flaky fixtures are driven by the attempt index or seed, never by chance.

mod batch;
mod catalogue;
mod ci;
mod config;
mod dashboard;
mod detect;
mod diagnose;
mod disk;
mod frameworks;
mod generate;
mod history;
mod hostile;
mod merge;
mod post;
mod quarantine;
mod remote;
mod report;
mod run;
mod scan;
mod settle;
mod signals;
mod verdicts;
mod worker;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// A scratch project directory with its own history database.
#[derive(Debug)]
pub struct Sandbox {
    pub dir: TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.path().join("history.db")
    }

    /// `flaky` in this directory, with a private database, no colour, no progress, and none of
    /// the caller's FLAKY_* settings.
    pub fn flaky(&self) -> Command {
        Command::from_std(self.flaky_process())
    }

    /// The same as [`Self::flaky`], as a process to start and signal while it runs.
    pub fn flaky_process(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("flaky"));
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("FLAKY_") {
                cmd.env_remove(k);
            }
        }
        // A parallel CI job's variables would make every run a shard.
        for k in [
            "CI_NODE_INDEX",
            "CI_NODE_TOTAL",
            "BUILDKITE_PARALLEL_JOB",
            "BUILDKITE_PARALLEL_JOB_COUNT",
            "JOB_COMPLETION_INDEX",
            // A GitHub runner's: `flaky ci` would annotate and write a step summary.
            "GITHUB_ACTIONS",
            "GITHUB_STEP_SUMMARY",
            // The caller's terminal width would fit the tables to it.
            "COLUMNS",
        ] {
            cmd.env_remove(k);
        }
        cmd.current_dir(self.path())
            .env("FLAKY_DB", self.db())
            .env("NO_COLOR", "1")
            .env("FLAKY_NO_PROGRESS", "1");
        cmd
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write");
        p
    }

    /// Runs `flaky run --format json ARGS` and returns the parsed document and the exit code.
    pub fn run_json(&self, args: &[&str]) -> (serde_json::Value, i32) {
        let mut all = vec!["run", "--format", "json"];
        all.extend(args);
        self.json(&all)
    }

    /// `flaky ARGS` whose stdout is JSON: the document and the exit code.
    pub fn json(&self, args: &[&str]) -> (serde_json::Value, i32) {
        let out = self.flaky().args(args).output().expect("flaky");
        let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (doc, out.status.code().unwrap_or(-1))
    }

    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db()).expect("open db")
    }
}

/// Whether a fixture has written a whole pid into `path`: a shell's `echo $$ > file` creates the
/// file before it writes, so the file existing is not yet the pid being there.
pub fn pid_written(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.trim().parse::<i32>().is_ok())
}

/// The pid a fixture wrote into `path`.
pub fn read_pid(path: &Path) -> i32 {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.trim()
        .parse()
        .unwrap_or_else(|e| panic!("{}: {text:?}: {e}", path.display()))
}

/// Whether a process is still alive (zombies count as gone).
pub fn alive(pid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"));
    match stat {
        Ok(s) => !s
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    }
}

/// The pids of live processes whose command line contains `needle`.
pub fn processes_with(needle: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(needle))
        })
        .filter(|pid| alive(*pid))
        .collect()
}

/// Polls until `cond` holds, for at most 20 s (a bound for a broken build, not a timing assumption).
pub fn wait_until(what: &str, cond: impl FnMut() -> bool) {
    wait_until_within(what, 20, cond);
}

/// [`wait_until`] with its bound in seconds, for a wait made of known timeouts.
pub fn wait_until_within(what: &str, seconds: u64, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
