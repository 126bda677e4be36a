//! Renderers: one file per output format, each writing a [`Report`] to a `&mut dyn Write`.

pub mod charts;
mod ci;
pub mod dashboard;
mod diagnosis;
mod discord;
mod findings;
mod github;
mod html;
mod json;
mod junit;
mod markdown;
pub mod page;
mod sarif;
mod slack;
mod table;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

pub use ci::{
    CiSummary, CiVerdict, QuarantineNote, Verdict, render_ci_annotations, render_ci_summary,
};
pub use diagnosis::{
    render_diagnoses_html, render_diagnoses_json, render_diagnoses_markdown,
    render_diagnoses_table, text_lines as diagnosis_lines,
};
pub use discord::render_discord;
pub use findings::{render_findings, render_findings_json, render_rules};
pub use github::render_github;
pub use html::render_html;
pub use json::{SCHEMA_VERSION, read_json, render_json};
pub use junit::render_junit;
pub use markdown::{COMMENT_MARKER, render_markdown};
pub use sarif::render_sarif;
pub use slack::render_slack;
pub use table::render_table;

use crate::analysis::{Severity, TestStats, Thresholds, Totals};
use crate::exec::OrderMode;
use crate::model::{InfraRule, Outcome};
use crate::scan::LikelyCauses;
use crate::vcs::VcsFacts;

/// How many failing attempts (or tests, with a framework) the report shows in full.
pub const FAILURE_SAMPLES: usize = 5;
/// How many lines of a failing attempt's error output the report shows.
pub const EXCERPT_LINES: usize = 8;
/// How many of an infrastructure attempt's excerpt lines the terminal report shows: its last.
pub const INFRA_EXCERPT_LINES: usize = 3;
/// The characters kept of one excerpt line: a minified bundle or a data blob is one long line.
const EXCERPT_LINE_CHARS: usize = 300;

/// Whether the run went through all its attempts, and measured anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunState {
    Completed,
    Interrupted,
    Terminated,
    /// Every attempt was set aside: no test result can be trusted (see [`Report::no_results`]).
    NoResults,
}

impl RunState {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Interrupted => "interrupted",
            Self::Terminated => "terminated",
            Self::NoResults => "no-results",
        }
    }
}

/// Why a run measured nothing, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoResults {
    pub reason: String,
    pub hint: String,
}

/// One attempt as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The rule that left it out (`no-report`, `no-tests`, `crash`, `environment`).
    #[serde(default)]
    pub infrastructure_rule: Option<InfraRule>,
    /// Whether no other attempt ran at any moment of this one.
    #[serde(default)]
    pub alone: bool,
}

/// A failure shown in full: where it happened, what it said, and how to replay it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// When `reproduce` runs the test alone: the line that replays the whole attempt in its
    /// order, for a failure that needs the tests that ran before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproduce_attempt: Option<String>,
    /// The failure came in a shuffled attempt only: the line replays the whole attempt in its
    /// order, not the test alone.
    #[serde(default)]
    pub needs_order: bool,
    /// With `--batch`: the first attempt of the batch it ran in. The line replays the batch's
    /// attempts from that one to this one in one process, as they ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_from: Option<u32>,
}

/// What `--batch K` gives up, for report headers.
/// "shard 2/4: attempts 50 to 99 of 200".
pub fn shard_text(shard: crate::model::Shard) -> String {
    let a = shard.attempts();
    format!(
        "shard {}/{}: attempts {} to {} of {} (the other shards run the rest with the same seed)",
        shard.index,
        shard.total,
        a.start,
        a.end - 1,
        shard.runs
    )
}

pub fn batch_text(k: u32) -> String {
    format!(
        "--batch {k}: {k} attempts in each pytest process, each with its own seed and order and the project's module globals put back; shared between them: class attributes, caches of installed packages, PYTHONHASHSEED and values read at import"
    )
}

/// Why a `--until` run stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stopped {
    /// The `--until` it ran with: `settled` or `first-failure` (reports written before the
    /// latter existed have none).
    #[serde(default = "settled")]
    pub until: String,
    /// `settled` (every verdict settled), `first-failure` (an attempt failed), `max-runs` or
    /// `budget`.
    pub reason: String,
    pub max_runs: u32,
    /// Attempts not run, of `max_runs`.
    pub saved: u64,
}

fn settled() -> String {
    "settled".to_owned()
}

/// An attempt left out of the rates, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfraSample {
    pub index: u32,
    /// The rule that set it aside; `None` in reports stored before rules were named.
    #[serde(default)]
    pub rule: Option<InfraRule>,
    pub reason: String,
    pub excerpt: String,
}

impl InfraSample {
    /// "attempt 3 (no-report): no report at ...".
    pub fn describe(&self) -> String {
        match self.rule {
            Some(rule) => format!(
                "attempt {} ({}): {}",
                self.index,
                rule.as_str(),
                self.reason
            ),
            None => format!("attempt {}: {}", self.index, self.reason),
        }
    }
}

/// Everything a renderer shows about one run. Serialized, it is the JSON report (the README
/// documents it), which is also how a run is stored for `flaky report`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub run_id: String,
    #[serde(rename = "status")]
    pub state: RunState,
    pub command: Vec<String>,
    pub shell: bool,
    pub dir: PathBuf,
    /// The framework whose reports were read (`None`: the command is the test).
    pub framework: Option<String>,
    pub order: OrderMode,
    /// Tests selected with `--tests-from`.
    pub selected_tests: Option<usize>,
    /// With `--batch K`: the attempts each process ran.
    #[serde(default)]
    pub batch: Option<u32>,
    /// With `--shard K/N`: which share of the run's attempts this is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::model::Shard>,
    /// Attempts planned (a shard's: its share).
    pub runs: u32,
    pub jobs: u32,
    pub seed: u64,
    #[serde(rename = "timeout_ms", with = "millis")]
    pub timeout: Duration,
    /// In milliseconds: the timeout of the attempts that started after the first one ended, when
    /// flaky set it from that attempt's time (a detected suite, no timeout given); `timeout_ms`
    /// is then what the first attempts had.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_derived_ms: Option<u64>,
    #[serde(with = "rfc3339")]
    pub started_at: SystemTime,
    #[serde(rename = "duration_ms", with = "millis")]
    pub duration: Duration,
    #[serde(with = "fail_on")]
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
    /// Remote shards that brought no result back (their attempts are missing from the counts).
    #[serde(default)]
    pub shard_errors: Vec<String>,
    /// Remote shards whose job failed for a reason other than their tests and that were
    /// submitted again (their attempts count once).
    #[serde(default)]
    pub shard_retries: Vec<String>,
    /// With `--until settled`: why the run stopped and what that saved.
    #[serde(default)]
    pub stopped: Option<Stopped>,
    /// Smells `flaky scan` found in the measured tests (or what they call): unstable tests
    /// first, then stable ones (lower priority).
    #[serde(default)]
    pub likely_causes: Vec<LikelyCauses>,
    /// When every attempt was set aside (status `no-results`): why, and the fix.
    #[serde(default)]
    pub no_results: Option<NoResults>,
    /// Why its tests are flaky, proven by `flaky diagnose` (filled from the history when the run
    /// is shown; a run just measured has none yet).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnoses: Vec<crate::diagnose::Diagnosis>,
    /// `flaky ci`: the verdict on each test that failed its first run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<CiSummary>,
    pub exit_code: u8,
}

/// Durations as whole milliseconds.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// Times as RFC 3339 in UTC, to the millisecond.
mod rfc3339 {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer, de};

    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_rfc3339_millis(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_rfc3339(&text).map_err(de::Error::custom)
    }
}

/// `--fail-on`: a severity, or `"none"` for never.
mod fail_on {
    use serde::{Deserialize, Deserializer, Serializer, de};

    use crate::analysis::Severity;

    pub fn serialize<S: Serializer>(f: &Option<Severity>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(f.map_or("none", Severity::as_str))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Severity>, D::Error> {
        match String::deserialize(d)?.as_str() {
            "none" => Ok(None),
            other => Severity::parse(other)
                .map(Some)
                .ok_or_else(|| de::Error::custom(format!("unknown severity `{other}`"))),
        }
    }
}

impl Report {
    /// What `flaky diagnose` proved about test `id`, if it was diagnosed.
    pub fn diagnosis(&self, id: &str) -> Option<&crate::diagnose::Diagnosis> {
        self.diagnoses.iter().find(|d| d.test == id)
    }

    /// The command as one line, as the header names it.
    pub fn test_label(&self) -> String {
        crate::config::command_line(&self.command, self.shell)
    }

    /// Tests at or above `--fail-on`.
    pub fn failing_tests(&self) -> usize {
        crate::analysis::failing(&self.tests, self.fail_on)
    }
}

/// How many tests with likely causes a report shows (unstable ones; stable ones get half).
pub const CAUSE_TESTS: usize = 10;
/// How many causes a report shows per test.
pub const CAUSES_PER_TEST: usize = 3;

/// The tests with likely causes a report shows: (unstable, stable, left out).
pub fn shown_causes(report: &Report) -> (Vec<&LikelyCauses>, Vec<&LikelyCauses>, usize) {
    let unstable: Vec<_> = report.likely_causes.iter().filter(|c| !c.stable).collect();
    let stable: Vec<_> = report.likely_causes.iter().filter(|c| c.stable).collect();
    let (u, s) = (
        unstable.len().min(CAUSE_TESTS),
        stable.len().min(CAUSE_TESTS / 2),
    );
    let left = unstable.len() - u + stable.len() - s;
    (unstable[..u].to_vec(), stable[..s].to_vec(), left)
}

/// One cause on a line: severity, category, place and the calls that reach it.
pub fn cause_line(c: &crate::scan::Cause) -> String {
    let via = if c.via.is_empty() {
        String::new()
    } else {
        format!(" (via {})", c.via.join(" → "))
    };
    format!(
        "{} {} {} at {}:{}{via}: {}",
        c.severity.symbol(),
        c.severity.label(),
        c.category,
        c.file,
        c.line,
        c.message
    )
}

/// What a rich report shows besides the run itself: the history around it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// The suite's flakiness in the recent runs of the same command, oldest first, ending with
    /// this run (the HTML chart).
    pub trend: Vec<TrendPoint>,
    /// The commits since the last run in which the tests failing now were stable.
    pub changes: Option<Changes>,
}

/// One run in a trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub run_id: String,
    #[serde(with = "rfc3339")]
    pub started_at: SystemTime,
    pub tests: u64,
    /// Tests that failed at least once in that run.
    pub flaky_tests: u64,
    /// The mean failure rate over its tests.
    pub mean_rate: f64,
}

/// What changed since the failing tests were last stable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    /// The last run in which every test failing now passed every attempt.
    pub stable_run: String,
    /// Its commit.
    pub stable_commit: String,
    /// This run's commit.
    pub commit: String,
    /// Newest first.
    pub commits: Vec<Commit>,
}

/// One commit between the stable run and this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Commit {
    pub sha: String,
    pub author: String,
    pub email: String,
    #[serde(with = "rfc3339")]
    pub time: SystemTime,
    pub summary: String,
    /// Paths the commit changed.
    pub files: Vec<String>,
    /// The author's Slack id, from the mention map, when known (`U024BE7LH`).
    pub slack_id: Option<String>,
}

/// The first `EXCERPT_LINES` non-empty lines of a text.
pub fn first_lines(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .take(EXCERPT_LINES)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The last `EXCERPT_LINES` non-empty lines of a text: where a process that failed says why.
pub fn last_lines(text: &str) -> String {
    tail_lines(text, EXCERPT_LINES)
}

/// The first `rows` attempts left out as infrastructure, each with the end of what it printed
/// ([`INFRA_EXCERPT_LINES`] lines): the reason alone rarely says what went wrong ("no report at
/// ..."), its last lines usually do. An end already given with an earlier attempt is `None`, as
/// is an empty one, so a report of twenty attempts failing alike shows the output once.
pub(crate) fn infra_excerpts(report: &Report, rows: usize) -> Vec<(&InfraSample, Option<String>)> {
    let mut shown = std::collections::HashSet::new();
    report
        .infrastructure
        .iter()
        .take(rows)
        .map(|i| {
            let tail = tail_lines(&i.excerpt, INFRA_EXCERPT_LINES);
            let new = !tail.is_empty() && shown.insert(tail.clone());
            (i, new.then_some(tail))
        })
        .collect()
}

/// The last `n` non-empty lines of a text, each cut to `EXCERPT_LINE_CHARS` characters (with an
/// ellipsis): the end of an output, where "no tests ran" or the import error is, not the banner
/// at its head.
pub fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|line| match line.char_indices().nth(EXCERPT_LINE_CHARS) {
            Some((cut, _)) => format!("{}…", &line[..cut]),
            None => (*line).to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `c` changes the direction text is shown in (the "Trojan Source" characters): a test
/// name holding them can read as something else than it is.
pub const fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `\u{202e}`: how a bidirectional control is shown in every format.
pub fn bidi_shown(c: char) -> String {
    format!("\\u{{{:x}}}", c as u32)
}

/// Text from tests, servers and files, made safe for a terminal: control characters other
/// than newline and tab are shown as `\x1b`, `\r`, ... and bidirectional controls as
/// `\u{202e}`, so nothing a test prints can move the cursor, clear the screen, write the
/// clipboard (OSC 52), retitle the window or reorder what the reader sees.
pub fn terminal_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if is_bidi_control(c) => out.push_str(&bidi_shown(c)),
            c => out.push(c),
        }
    }
    out
}

/// A copy of `value` with every string in it made safe for a terminal ([`terminal_text`]):
/// whatever a renderer then writes of it, no text from a test reaches the terminal raw.
pub fn for_terminal<T: Serialize + serde::de::DeserializeOwned + Clone>(value: &T) -> T {
    fn clean(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s)
                if s.chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t' || is_bidi_control(c)) =>
            {
                *s = terminal_text(s);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(clean),
            serde_json::Value::Object(map) => map.values_mut().for_each(clean),
            _ => {}
        }
    }
    let Ok(mut json) = serde_json::to_value(value) else {
        return value.clone();
    };
    clean(&mut json);
    serde_json::from_value(json).unwrap_or_else(|_| value.clone())
}

/// "1 run", "40 runs": a count and its noun.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", markdown::plural(n, one, many))
}

/// "only the 1 test that failed", "only the 3 tests that failed": what `--tests-from` selected.
pub fn selected_text(n: usize) -> String {
    if n == 1 {
        "only the 1 test that failed".to_owned()
    } else {
        format!("only the {n} tests that failed")
    }
}

/// The parts of `text` outside and inside code spans, in order: `(true, code)` for a span's
/// content. Spans are read as CommonMark reads them: a run of backticks opens one that the next
/// run of the same length closes (so ``` ``fetch(`/a`)`` ``` is one span), one space is
/// stripped from each end when both ends have one, and a run that nothing closes is text.
pub fn split_code(text: &str) -> impl Iterator<Item = (bool, &str)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, _) in text.match_indices('`') {
        match runs.last_mut() {
            Some((start, len)) if *start + *len == i => *len += 1,
            _ => runs.push((i, 1)),
        }
    }
    let mut parts = Vec::new();
    let mut plain = 0;
    // Lengths no later run closes: once the search for one fails, every later one fails too,
    // which keeps this linear in practice on hostile text (many runs of many lengths).
    let mut unclosed = std::collections::HashSet::new();
    let mut k = 0;
    while k < runs.len() {
        let (open, len) = runs[k];
        let close = if unclosed.contains(&len) {
            None
        } else {
            runs[k + 1..].iter().position(|r| r.1 == len)
        };
        let Some(m) = close else {
            unclosed.insert(len);
            k += 1;
            continue;
        };
        let (close, _) = runs[k + 1 + m];
        parts.push((false, &text[plain..open]));
        let code = &text[open + len..close];
        let stripped = code
            .strip_prefix(' ')
            .and_then(|c| c.strip_suffix(' '))
            .filter(|_| !code.bytes().all(|b| b == b' '));
        parts.push((true, stripped.unwrap_or(code)));
        plain = close + len;
        k += m + 2;
    }
    parts.push((false, &text[plain..]));
    parts.into_iter().filter(|(_, part)| !part.is_empty())
}

/// `text` as a code span that [`split_code`] and CommonMark read back as it is, whatever
/// backticks it holds: its fence one backtick longer than the longest run inside, and a space
/// inside each end when it starts or ends with a backtick or a space. Messages quote code with
/// it (a JavaScript template literal, a Go raw string).
pub fn quote_code(text: &str) -> String {
    let fence = "`".repeat(longest_run(text, '`') + 1);
    let spaces = !text.is_empty() && text.bytes().all(|b| b == b' ');
    let pad = text.starts_with('`')
        || text.ends_with('`')
        || (!spaces && (text.starts_with(' ') || text.ends_with(' ')));
    let pad = if pad { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// The longest run of `c` in `text`.
fn longest_run(text: &str, c: char) -> usize {
    let mut best = 0;
    let mut run = 0;
    for ch in text.chars() {
        if ch == c {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// `0.2531` as `25.3%`.
pub fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A duration as a person reads it, about three significant digits: `45 ms`, `1.2 s`, `8.99 s`,
/// `12.5 s`, `2 min 05 s`, `5 min`, `1 h 03 min`. Machine formats keep milliseconds.
pub fn duration_text(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    // Each unit is rounded first, so 9.996 s reads 10 s and 59.96 s reads 1 min, not 60.0 s.
    let trimmed = |x: f64, decimals: usize| {
        let text = format!("{x:.decimals$}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        format!("{text} s")
    };
    // Only a limit set that small (FLAKY_SCAN_TIMEOUT=1ns in a test) is shown below 1 ms.
    if d < Duration::from_micros(1) {
        return format!("{} ns", d.as_nanos());
    }
    if d < Duration::from_millis(1) {
        return format!("{} µs", d.as_micros());
    }
    if ms.round() < 1000.0 {
        return format!("{} ms", ms.round());
    }
    if (ms / 10.0).round() < 1000.0 {
        return trimmed(ms / 1000.0, 2);
    }
    if (ms / 100.0).round() < 600.0 {
        return trimmed(ms / 1000.0, 1);
    }
    let secs = (ms / 1000.0).round() as u64;
    if secs < 3600 {
        return match secs % 60 {
            0 => format!("{} min", secs / 60),
            s => format!("{} min {s:02} s", secs / 60),
        };
    }
    let minutes = (ms / 60_000.0).round() as u64;
    match minutes % 60 {
        0 => format!("{} h", minutes / 60),
        m => format!("{} h {m:02} min", minutes / 60),
    }
}
