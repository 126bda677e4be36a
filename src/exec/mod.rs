//! Running attempts: the [`Backend`] trait and the local backend (process groups, timeouts, stop).
//!
//! A backend never prints: it sends [`RunEvent`]s and returns when every attempt it started has
//! ended. The command layer owns the terminal and the database.

mod company;
mod excerpt;
mod isolate;
mod local;
mod orphans;
mod prebuilt;
pub mod seed;

use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc, watch};

pub use excerpt::ExcerptBuf;
pub use isolate::{Isolation, Load, load_cpu, network_namespace_works};
pub(crate) use local::kill_group;
pub use local::{LocalBackend, describe_exit};

/// Ends what a run whose flaky is gone left behind: its attempts' processes (still tagged with
/// its id) and its temporary directories. Returns how many processes were killed.
pub fn clean_up_abandoned(run: &crate::storage::Abandoned) -> std::io::Result<usize> {
    let ended = orphans::end_run(&run.run_id);
    local::remove_run_dirs(&run.run_id, run.pid)?;
    Ok(ended)
}

use crate::events::RunEvent;
use crate::framework::Framework;

/// Bytes kept of the head, and again of the tail, of each output stream of an attempt.
pub const EXCERPT_BYTES: usize = 4096;

/// What a backend needs to run attempts: plain data resolved from flags, config and environment.
#[derive(Debug, Clone)]
pub struct ExecPlan {
    /// Program and arguments (with `--shell`: `sh -c STRING`).
    pub argv: Vec<String>,
    pub dir: PathBuf,
    /// Extra variables for every attempt (`--env`, config `env`).
    pub env: Vec<(String, String)>,
    /// Variables of flaky's own environment the attempts do not get (a worker's credentials).
    pub env_remove: Vec<std::ffi::OsString>,
    /// The attempt indexes to run.
    pub attempts: Range<u32>,
    pub jobs: u32,
    /// How long an attempt may run before its process tree is killed (the first attempts', and
    /// the most any attempt gets, with [`Self::timeout_from_first`]).
    pub timeout: Duration,
    /// The attempts started after the first one that ran the tests ended get
    /// [`derived_timeout`] of its duration instead: nobody chose a timeout, nor the command.
    pub timeout_from_first: bool,
    pub base_seed: u64,
    pub run_id: String,
    /// The id of the single test each attempt reports when no framework report is read.
    pub test_id: String,
    /// How per-test results are read.
    pub reporting: Reporting,
    pub order: OrderMode,
    /// Files every attempt may use (the pytest plugin), written once per run; kept afterwards so
    /// reproduce lines keep working.
    pub support_dir: PathBuf,
    /// How many attempts run in one process (`--batch`; 1 without it). Attempts are batched in
    /// order from the first: attempt `i` runs in the batch that starts at [`ExecPlan::batch_start`].
    pub batch: u32,
    /// The CPU and network each attempt runs with (`flaky diagnose`'s experiments).
    pub isolation: Isolation,
}

impl ExecPlan {
    /// The first attempt of the batch attempt `index` runs in.
    pub fn batch_start(&self, index: u32) -> u32 {
        let start = self.attempts.start;
        start + (index - start) / self.batch * self.batch
    }

    /// The attempts of `indexes` as one process runs them in a batch: each with its seed and
    /// order seed.
    pub fn repeats(&self, indexes: impl Iterator<Item = u32>) -> Vec<crate::framework::Repeat> {
        indexes
            .map(|index| {
                let seed = seed::attempt_seed(self.base_seed, index);
                crate::framework::Repeat {
                    index,
                    seed,
                    order_seed: self.order.shuffles(index).then_some(seed),
                }
            })
            .collect()
    }
}

/// How many times the first attempt's duration the attempts after it may take, when flaky
/// derives their timeout ([`ExecPlan::timeout_from_first`]).
pub const DERIVED_TIMEOUT_FACTOR: u32 = 10;

/// The least timeout flaky derives: a quick suite's later attempts still get a minute.
pub const DERIVED_TIMEOUT_FLOOR: Duration = Duration::from_secs(60);

/// The timeout of the attempts started after one that took `first`: [`DERIVED_TIMEOUT_FACTOR`]
/// times as long, in whole seconds up from its whole milliseconds (what reports show of it), at
/// least [`DERIVED_TIMEOUT_FLOOR`], at most `cap` (the timeout the first attempts had).
pub fn derived_timeout(first: Duration, cap: Duration) -> Duration {
    let millis = first.as_millis() as u64 * u64::from(DERIVED_TIMEOUT_FACTOR);
    Duration::from_secs(millis.div_ceil(1000))
        .max(DERIVED_TIMEOUT_FLOOR)
        .min(cap)
}

/// `{attempt}` and `{tmpdir}` in `word` (an argument of the command, or `--junit PATH`) replaced
/// with attempt `index` and its private temporary directory: in the words themselves, never
/// through a shell, so each attempt gets its own values.
pub fn fill_placeholders(word: &str, index: u32, tmp: &std::path::Path) -> String {
    word.replace("{attempt}", &index.to_string())
        .replace("{tmpdir}", &tmp.to_string_lossy())
}

/// Whether `word` holds a placeholder [`fill_placeholders`] replaces.
pub fn has_placeholders(word: &str) -> bool {
    word.contains("{attempt}") || word.contains("{tmpdir}")
}

/// The command with [`fill_placeholders`] applied to each word.
pub fn fill_command(argv: &[String], index: u32, tmp: &std::path::Path) -> Vec<String> {
    argv.iter()
        .map(|w| fill_placeholders(w, index, tmp))
        .collect()
}

/// Where per-test results come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reporting {
    /// No report: the command is the single test of each attempt.
    Command,
    /// A framework driver adds its reporter flags and parses the report.
    Framework {
        framework: Framework,
        /// Run only these tests (`--tests-from`).
        select: Option<Vec<String>>,
    },
    /// The command writes a JUnit file itself (`--junit`); `{attempt}` and `{tmpdir}` in the
    /// path are replaced per attempt.
    Junit { path: String },
}

/// Which attempts shuffle the test order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderMode {
    /// Every attempt keeps the framework's order.
    Same,
    /// Every attempt shuffles.
    Shuffle,
    /// Even attempts keep the order, odd attempts shuffle: order-dependent tests stand out.
    Alternate,
}

impl OrderMode {
    pub const fn shuffles(self, index: u32) -> bool {
        match self {
            Self::Same => false,
            Self::Shuffle => true,
            Self::Alternate => index % 2 == 1,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Same => "same",
            Self::Shuffle => "shuffle",
            Self::Alternate => "alternate",
        }
    }
}

/// Why a backend could not run the attempts at all.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("cannot start `{program}`: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Remote(String),
    #[error("cannot create the temporary directory {}: {source}", path.display())]
    TempDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The test binaries built once per run could not be built: no attempt ran.
    #[error(
        "the tests do not build, so no attempt ran: `{command}` {ended}{}{output}\nhint: fix what the build says, then run flaky again",
        if output.is_empty() { "" } else { ":\n" }
    )]
    Build {
        command: String,
        ended: String,
        output: String,
    },
    /// What runs the attempts (a pipe, a thread) could not be set up.
    #[error("cannot set up the attempts ({what}): {source}")]
    Setup {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// Tells a backend to drain (start no new attempt, let running ones finish) or to stop (kill
/// every running process tree).
#[derive(Debug, Clone)]
pub struct StopSignal {
    level: watch::Receiver<u8>,
    /// When set, an attempt starts only with a permit: the caller hands one out per attempt it
    /// has judged, so a decision to stop is taken before the next attempt starts.
    gate: Option<Arc<Semaphore>>,
}

/// The sending side of a [`StopSignal`].
#[derive(Debug)]
pub struct StopHandle {
    level: watch::Sender<u8>,
    gate: Option<Arc<Semaphore>>,
}

const RUN: u8 = 0;
const DRAIN: u8 = 1;
const STOP: u8 = 2;

impl StopHandle {
    /// No new attempt starts; running ones finish and are reported.
    pub fn drain(&self) {
        self.level.send_if_modified(|level| {
            let changed = *level < DRAIN;
            *level = (*level).max(DRAIN);
            changed
        });
    }

    /// Every running process tree is killed; nothing more is reported.
    pub fn stop(&self) {
        let _ = self.level.send(STOP);
    }

    /// Lets `n` more attempts start (gated signals only).
    pub fn release(&self, n: usize) {
        if let Some(g) = &self.gate {
            g.add_permits(n);
        }
    }
}

impl StopSignal {
    pub fn new() -> (StopHandle, Self) {
        Self::with_gate(None)
    }

    /// A signal whose attempts start only with permits from [`StopHandle::release`].
    pub fn gated() -> (StopHandle, Self) {
        Self::with_gate(Some(Arc::new(Semaphore::new(0))))
    }

    fn with_gate(gate: Option<Arc<Semaphore>>) -> (StopHandle, Self) {
        let (tx, rx) = watch::channel(RUN);
        (
            StopHandle {
                level: tx,
                gate: gate.clone(),
            },
            Self { level: rx, gate },
        )
    }

    pub fn is_stopped(&self) -> bool {
        *self.level.borrow() >= STOP
    }

    pub fn is_draining(&self) -> bool {
        *self.level.borrow() >= DRAIN
    }

    /// Resolves once stop was asked (or the sender is gone, which means the same).
    pub async fn stopped(&mut self) {
        let _ = self.level.wait_for(|s| *s >= STOP).await;
    }

    /// Takes a permit to start an attempt; always true when the signal is not gated.
    pub fn take_permit(&self) -> bool {
        match &self.gate {
            None => true,
            Some(g) => g
                .try_acquire()
                .map(tokio::sync::SemaphorePermit::forget)
                .is_ok(),
        }
    }

    /// Resolves when a permit could be taken (never, when the signal is not gated).
    pub async fn permit_available(&self) {
        match &self.gate {
            Some(g) => drop(g.acquire().await),
            None => std::future::pending().await,
        }
    }
}

/// Something that runs the attempts of a plan and reports them as events.
pub trait Backend {
    /// Runs `plan.attempts`; returns when every started attempt has ended. Attempts cut short by
    /// the stop signal are not reported.
    fn execute(
        &self,
        plan: &ExecPlan,
        events: mpsc::UnboundedSender<RunEvent>,
        stop: StopSignal,
    ) -> impl std::future::Future<Output = Result<(), ExecError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_timeout_is_ten_times_the_first_attempt_within_its_bounds() {
        let cap = Duration::from_secs(600);
        let derive = |ms| derived_timeout(Duration::from_millis(ms), cap);
        // A quick suite still gets a minute.
        assert_eq!(derive(0), Duration::from_secs(60));
        assert_eq!(derive(6_000), Duration::from_secs(60));
        // Whole seconds, up from whole milliseconds (what reports show).
        assert_eq!(derive(6_001), Duration::from_secs(61));
        assert_eq!(
            derived_timeout(Duration::from_micros(4_500_999), cap),
            Duration::from_secs(60)
        );
        assert_eq!(derive(45_000), Duration::from_secs(450));
        assert_eq!(derive(45_050), Duration::from_secs(451));
        // Never more than the first attempts had.
        assert_eq!(derive(60_001), cap);
        assert_eq!(derive(3_600_000), cap);
    }
}
