//! The likely causes of a run's failures, found by `flaky scan` in a child process.
//!
//! The scan is a secondary feature: it must never take the measured run down. So `run` does not
//! scan in its own process: it runs `flaky likely-causes DIR` (hidden), hands it the measured
//! tests on stdin and reads the joined causes from stdout, within a time limit and a memory
//! limit. A panic, an abort (a stack overflow), a hang or a flood there costs the causes only:
//! the run is printed, stored and exits by its own verdict, with one line saying why the
//! causes are missing.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::analysis::{Severity, TestStats};
use crate::config::BareNumber;
use crate::exit::ExitStatus;
use crate::scan::{self, LikelyCauses, ScanOptions};

/// How long the scan may take by default (5,000 files take about 5 s on 2 cores);
/// `FLAKY_SCAN_TIMEOUT` changes it.
const SCAN_TIME: Duration = Duration::from_secs(120);
/// The data the scan's process may allocate.
const SCAN_MEMORY: u64 = 4 << 30;
/// The most of the scan's answer that is read.
const SCAN_OUTPUT: u64 = 64 << 20;
/// What of the scan's stderr is kept to say why it failed.
const SCAN_ERRORS: u64 = 4096;

/// One measured test, as the child reads it.
#[derive(Debug, Serialize, Deserialize)]
struct Measured {
    id: String,
    /// Measured stable: its causes come after the others', as lower priority.
    stable: bool,
}

/// The child's side: scans `dir` and joins the findings to the tests read on stdin.
pub fn likely_causes(dir: &Path) -> anyhow::Result<ExitStatus> {
    let tests: Vec<Measured> = serde_json::from_reader(std::io::stdin().lock())
        .context("cannot read the measured tests (JSON) on stdin")?;
    let found = scan::scan(dir, &ScanOptions::for_causes())
        .with_context(|| format!("cannot scan {}", dir.display()))?;
    let causes = scan::likely_causes(&found, tests.iter().map(|t| (t.id.as_str(), t.stable)));
    let mut buf = serde_json::to_vec(&causes).context("cannot write the likely causes")?;
    buf.push(b'\n');
    super::print(&buf)?;
    Ok(ExitStatus::Success)
}

/// The scan of `--causes DIR` (`history --tests`, `dashboard`): each listed test's causes are
/// taken from it with [`scan::causes_of`].
pub fn scan_for_causes(dir: &Path) -> anyhow::Result<scan::ScanReport> {
    scan::scan(dir, &ScanOptions::for_causes())
        .with_context(|| format!("--causes: cannot scan {}", dir.display()))
}

/// How long the scan for likely causes may take: `FLAKY_SCAN_TIMEOUT`, else 2 minutes.
pub fn time_limit() -> anyhow::Result<Duration> {
    match std::env::var("FLAKY_SCAN_TIMEOUT") {
        Err(_) => Ok(SCAN_TIME),
        Ok(text) => crate::config::parse_duration(&text, BareNumber::Seconds).map_err(|e| {
            anyhow::anyhow!(
                "FLAKY_SCAN_TIMEOUT={text:?} is not a duration: {e}, or unset it (default 2m)"
            )
        }),
    }
}

/// The run's side: the likely causes of `tests`, or why they could not be found within `limit`.
pub async fn find(
    dir: &Path,
    tests: &[TestStats],
    limit: Duration,
) -> Result<Vec<LikelyCauses>, String> {
    let exe =
        std::env::current_exe().map_err(|e| format!("cannot find flaky's own binary: {e}"))?;
    let input: Vec<Measured> = tests
        .iter()
        .map(|t| Measured {
            id: t.id.clone(),
            stable: t.severity == Severity::None,
        })
        .collect();
    let input = serde_json::to_vec(&input).map_err(|e| e.to_string())?;
    let mut child = tokio::process::Command::new(exe)
        .arg("likely-causes")
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start the scan: {e}"))?;
    if let Some(pid) = child
        .id()
        .and_then(|p| rustix::process::Pid::from_raw(p as i32))
    {
        // Best effort: the process is already running, and a kernel may refuse.
        let limit = rustix::process::Rlimit {
            current: Some(SCAN_MEMORY),
            maximum: Some(SCAN_MEMORY),
        };
        let _ = rustix::process::prlimit(Some(pid), rustix::process::Resource::Data, limit);
    }
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err("cannot talk to the scan".into());
    };
    let talk = async {
        let write = async {
            // The child may die before reading it all: its exit says why, not this write.
            let _ = stdin.write_all(&input).await;
            drop(stdin);
        };
        let mut out = Vec::new();
        let mut err = Vec::new();
        let mut stdout = stdout.take(SCAN_OUTPUT + 1);
        let read_out = stdout.read_to_end(&mut out);
        let read_err = async {
            let mut stderr = stderr;
            let _ = (&mut stderr).take(SCAN_ERRORS).read_to_end(&mut err).await;
            // The rest is drained, so a flood of messages cannot block the child.
            let _ = tokio::io::copy(&mut stderr, &mut tokio::io::sink()).await;
        };
        let ((), read, ()) = tokio::join!(write, read_out, read_err);
        read.map_err(|e| format!("cannot read the scan's answer: {e}"))?;
        if out.len() as u64 > SCAN_OUTPUT {
            return Err(format!("its answer was over {} MiB", SCAN_OUTPUT >> 20));
        }
        let status = child
            .wait()
            .await
            .map_err(|e| format!("cannot wait for the scan: {e}"))?;
        Ok((status, out, err))
    };
    let (status, out, err) = match tokio::time::timeout(limit, talk).await {
        Ok(done) => done?,
        Err(_) => {
            let _ = child.kill().await;
            return Err(format!(
                "it took longer than {} (FLAKY_SCAN_TIMEOUT)",
                crate::render::duration_text(limit)
            ));
        }
    };
    if !status.success() {
        let err = String::from_utf8_lossy(&err);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        let how = match std::os::unix::process::ExitStatusExt::signal(&status) {
            Some(signal) => format!("it was killed by signal {signal}"),
            None => format!("it exited with status {}", status.code().unwrap_or(-1)),
        };
        return Err(if last.is_empty() {
            how
        } else {
            format!("{how}: {last}")
        });
    }
    serde_json::from_slice(&out).map_err(|e| format!("its answer could not be read: {e}"))
}
