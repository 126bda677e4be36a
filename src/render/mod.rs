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
use crate::exec::seed::{REPRODUCE_VARIABLES, attempt_env};
use crate::model::Outcome;
use crate::vcs::VcsFacts;

/// How many failing attempts the report shows with their reproduce line and error output.
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
    pub outcome: Outcome,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub duration_ms: u64,
}

/// A failing attempt shown in full: how to replay it and what it printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailureSample {
    pub index: u32,
    pub seed: u64,
    pub message: String,
    /// The first lines of its error output (stderr, or stdout when stderr was empty).
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
    /// Where flaky was started from: the reproduce line changes directory when `dir` differs.
    pub cwd: PathBuf,
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
    pub exit_code: u8,
}

impl Report {
    /// The shell line that replays attempt `index` exactly: its directory, seed variables and command.
    pub fn reproduce(&self, index: u32, seed: u64) -> String {
        let mut line = String::new();
        if self.cwd != self.dir {
            // Relative to where flaky was started when it is below it: shorter, and it still works.
            let dir = self.dir.strip_prefix(&self.cwd).unwrap_or(&self.dir);
            line.push_str(&format!(
                "cd {} && ",
                display_command(&[dir.to_string_lossy().into_owned()])
            ));
        }
        for (k, v) in attempt_env(index, seed)
            .into_iter()
            .take(REPRODUCE_VARIABLES)
        {
            line.push_str(&format!("{k}={v} "));
        }
        if self.shell {
            line.push_str(&display_command(&[
                "sh".into(),
                "-c".into(),
                self.command.join(" "),
            ]));
        } else {
            line.push_str(&display_command(&self.command));
        }
        line
    }

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
