//! Renderers: one file per output format, each writing a [`Report`] to a `&mut dyn Write`.

mod json;
mod table;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::Serialize;

pub use json::{SCHEMA_VERSION, render_json};
pub use table::render_table;

use crate::analysis::{Severity, TestStats, Thresholds, Totals};
use crate::config::display_command;
use crate::model::Outcome;
use crate::vcs::VcsFacts;

/// How many failing attempts (or tests, with a framework) the report shows in full.
pub const FAILURE_SAMPLES: usize = 5;
/// How many lines of a failing attempt's error output the report shows.
pub const EXCERPT_LINES: usize = 8;

/// Whether the run went through all its attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    Completed,
    Interrupted,
    Terminated,
}

/// One attempt as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptRecord {
    pub index: u32,
    pub seed: u64,
    /// The seed the test order was shuffled with; `null` when the order was kept.
    pub order_seed: Option<u64>,
    pub outcome: Outcome,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub duration_ms: u64,
    /// Why the attempt was left out of the per-test rates, if it was.
    pub infrastructure: Option<String>,
}

/// A failure shown in full: where it happened, what it said, and how to replay it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailureSample {
    /// The failing test (`null` when the command is the test).
    pub test: Option<String>,
    /// The first attempt it failed in.
    pub index: u32,
    pub seed: u64,
    pub order_seed: Option<u64>,
    pub message: String,
    /// The first lines of the attempt's error output (command mode).
    pub excerpt: String,
    /// The shell line that replays it.
    pub reproduce: String,
}

/// An attempt left out of the rates, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InfraSample {
    pub index: u32,
    pub reason: String,
    pub excerpt: String,
}

/// Everything a renderer shows about one run.
#[derive(Debug, Clone)]
pub struct Report {
    pub run_id: String,
    pub state: RunState,
    pub command: Vec<String>,
    pub shell: bool,
    pub dir: PathBuf,
    /// The framework whose reports were read (`None`: the command is the test).
    pub framework: Option<String>,
    /// `same`, `shuffle` or `alternate`.
    pub order: &'static str,
    /// Tests selected with `--tests-from`.
    pub selected_tests: Option<usize>,
    /// Attempts planned.
    pub runs: u32,
    pub jobs: u32,
    pub seed: u64,
    pub timeout: Duration,
    pub started_at: SystemTime,
    pub duration: Duration,
    pub fail_on: Option<Severity>,
    pub thresholds: Thresholds,
    pub vcs: Option<VcsFacts>,
    pub totals: Totals,
    /// Worst first; ignored tests already left out.
    pub tests: Vec<TestStats>,
    pub ignored_tests: usize,
    /// Sorted by index.
    pub attempts: Vec<AttemptRecord>,
    pub failures: Vec<FailureSample>,
    pub infrastructure: Vec<InfraSample>,
    pub exit_code: u8,
}

impl Report {
    /// The command as one line, as the header names it.
    pub fn test_label(&self) -> String {
        if self.shell {
            self.command.join(" ")
        } else {
            display_command(&self.command)
        }
    }

    /// Tests at or above `--fail-on`.
    pub fn failing_tests(&self) -> usize {
        self.fail_on.map_or(0, |f| {
            self.tests
                .iter()
                .filter(|t| t.severity != Severity::None && t.severity >= f)
                .count()
        })
    }
}

/// The first `EXCERPT_LINES` non-empty lines of a text.
pub fn first_lines(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .take(EXCERPT_LINES)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `0.2531` as `25.3%`.
pub fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}
