//! What `flaky ci` adds to a report: the verdict on each test that failed its first run.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::markdown::{
    NAME_CHARS, attempts_text, ci_text, code_safe, code_span, md_with_code, one_line, plural,
};
use super::{Report, percent};

/// The verdicts of a `flaky ci` run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CiSummary {
    /// The reruns planned for each failed test (`--retries`, or `--max-runs` with `--until settled`).
    pub retries: u32,
    /// `--strict`: a flaky test fails the step too.
    pub strict: bool,
    /// One per test that failed its first run, failed ones first.
    pub verdicts: Vec<CiVerdict>,
    /// Why the first run fails the step whatever the verdicts say: it failed outside any test,
    /// or it was cut off before the suite ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_run: Option<String>,
}

/// What one failure of the first run turned out to be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CiVerdict {
    pub test: String,
    pub verdict: Verdict,
    /// Reruns it ran, and how many of them failed.
    pub reruns: u64,
    pub rerun_failures: u64,
    /// Flaky now, and never measured flaky in the history before.
    pub newly_flaky: bool,
    /// The quarantine entry that covers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantine: Option<QuarantineNote>,
}

/// Worst first: the order verdicts are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Failed the first run and every rerun: a real failure.
    Failed,
    /// Passed on a rerun.
    Flaky,
    /// Listed in the quarantine: its failure does not fail the step.
    Quarantined,
}

/// The quarantine entry a test matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineNote {
    /// The entry's test id or glob.
    pub pattern: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The last day it holds (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

impl Verdict {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::Flaky => "flaky",
            Self::Quarantined => "quarantined",
        }
    }
}

/// What the reruns showed of one verdict's test: "failed the first run and all 3 reruns".
pub(super) fn evidence(v: &CiVerdict, report: &Report) -> String {
    let t = report.tests.iter().find(|t| t.id == v.test);
    let passed = v.reruns - v.rerun_failures;
    let mut text = if v.reruns == 0 {
        "failed the first run, and no rerun brought a result for it".to_owned()
    } else if passed == 0 {
        format!(
            "failed the first run and {}",
            match v.reruns {
                1 => "its rerun".to_owned(),
                2 => "both reruns".to_owned(),
                n => format!("all {n} reruns"),
            }
        )
    } else {
        format!(
            "failed the first run, passed {passed} of {} {}",
            v.reruns,
            plural(v.reruns, "rerun", "reruns")
        )
    };
    if let Some(t) = t.filter(|_| passed > 0) {
        text.push_str(&format!(
            ": failed {} of {} runs ({}, 95% CI {})",
            t.failed,
            t.runs,
            percent(t.failure_rate),
            ci_text(t)
        ));
    }
    if v.newly_flaky {
        text.push_str("; never measured flaky before");
    }
    if let Some(q) = &v.quarantine {
        text.push_str(&format!("; {}", quarantine_text(q)));
    }
    text
}

/// "quarantined until 2027-01-31 (@ana): races the cache, #123".
pub(super) fn quarantine_text(q: &QuarantineNote) -> String {
    let until = q
        .until
        .as_ref()
        .map(|d| format!(" until {d}"))
        .unwrap_or_default();
    let owner = q
        .owner
        .as_ref()
        .map(|o| format!(" ({o})"))
        .unwrap_or_default();
    format!("quarantined{until}{owner}: {}", q.reason)
}

/// The label a verdict is shown under: FAILED, FLAKY, FLAKY (NEW), QUARANTINED.
pub(super) fn label(v: &CiVerdict) -> &'static str {
    match (v.verdict, v.newly_flaky) {
        (Verdict::Failed, _) => "FAILED",
        (Verdict::Flaky, false) => "FLAKY",
        (Verdict::Flaky, true) => "FLAKY (NEW)",
        (Verdict::Quarantined, _) => "QUARANTINED",
    }
}

/// The step's verdict in words, as the exit status follows it.
pub(super) fn verdict_text(report: &Report, ci: &CiSummary) -> String {
    let count = |k: Verdict| ci.verdicts.iter().filter(|v| v.verdict == k).count() as u64;
    let (failed, flaky, quarantined) = (
        count(Verdict::Failed),
        count(Verdict::Flaky),
        count(Verdict::Quarantined),
    );
    let tests = |n: u64| format!("{n} {}", plural(n, "test", "tests"));
    let mut parts = Vec::new();
    if failed > 0 {
        parts.push(format!("{} failed every rerun", tests(failed)));
    }
    if flaky > 0 {
        let strict = if ci.strict {
            ", and --strict fails the step on flaky tests"
        } else {
            ""
        };
        parts.push(format!(
            "{} flaky (passed on a rerun){strict}",
            tests(flaky)
        ));
    }
    if quarantined > 0 {
        parts.push(format!(
            "{} quarantined (failed, but not counted)",
            tests(quarantined)
        ));
    }
    if let Some(why) = &ci.first_run {
        parts.push(why.clone());
    }
    if parts.is_empty() {
        return "every test passed the first run".to_owned();
    }
    let mut text = parts.join("; ");
    if report.exit_code == 0 {
        text.insert_str(0, "no real failure: ");
    }
    text
}

/// Where a test is defined: a file (relative to the repository) and a line when known.
pub type Locate<'a> = dyn Fn(&str) -> Option<(String, Option<u32>)> + 'a;

/// GitHub Actions workflow commands: `::error` for a failed test, `::warning` for a flaky one,
/// `::notice` for a quarantined one, on the test's file and line when `locate` knows them.
pub fn render_ci_annotations(
    report: &Report,
    locate: &Locate<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let Some(ci) = &report.ci else {
        return Ok(());
    };
    for v in &ci.verdicts {
        let level = match v.verdict {
            Verdict::Failed => "error",
            Verdict::Flaky => "warning",
            Verdict::Quarantined => "notice",
        };
        let mut props = Vec::new();
        if let Some((file, line)) = locate(&v.test) {
            props.push(format!("file={}", property(&file)));
            if let Some(line) = line {
                props.push(format!("line={line}"));
            }
        }
        props.push(format!(
            "title={}",
            property(&format!("flaky ci: {} {}", v.verdict.as_str(), v.test))
        ));
        let mut message = format!("{} {}", v.test, evidence(v, report));
        if let Some(sig) = report
            .tests
            .iter()
            .find(|t| t.id == v.test)
            .and_then(|t| t.signatures.first())
        {
            message.push_str(&format!("\n{}", sig.example));
        }
        if let Some(f) = report
            .failures
            .iter()
            .find(|f| f.test.as_deref() == Some(&v.test))
        {
            message.push_str(&format!("\nreplay: {}", f.reproduce));
        }
        writeln!(out, "::{level} {}::{}", props.join(","), data(&message))?;
    }
    Ok(())
}

/// A workflow command's message: `%`, CR and LF escaped.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: as [`data`], and `:` and `,` too.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The verdicts as Markdown for the GitHub Actions step summary.
pub fn render_ci_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let Some(ci) = &report.ci else {
        return Ok(());
    };
    let icon = if report.exit_code == 0 { "✅" } else { "❌" };
    writeln!(
        out,
        "### {icon} flaky ci: {}\n",
        md_with_code(&verdict_text(report, ci))
    )?;
    if !ci.verdicts.is_empty() {
        writeln!(out, "{}", markdown_table(report, ci, usize::MAX))?;
    }
    writeln!(
        out,
        "{}: {}; attempts: {}; seed {}, run `{}`.\n",
        code_span(&report.test_label()),
        rerun_text(ci),
        attempts_text(report),
        report.seed,
        code_safe(&report.run_id),
    )
}

/// The verdicts as a Markdown table, one row each, in at most `limit` bytes: rows that do not fit
/// are counted in a last line instead.
pub(super) fn markdown_table(report: &Report, ci: &CiSummary, limit: usize) -> String {
    let mut table = "| verdict | test | evidence |\n| --- | --- | --- |\n".to_owned();
    for (i, v) in ci.verdicts.iter().enumerate() {
        let row = format!(
            "| {} | {} | {} |\n",
            label(v),
            cell(&code_span(&one_line(&v.test, NAME_CHARS))),
            cell(&md_with_code(&evidence(v, report)))
        );
        // Room kept for the closing line.
        if table.len() + row.len() + 80 > limit {
            let left = (ci.verdicts.len() - i) as u64;
            table.push_str(&format!(
                "\n… and {left} more {}, in `flaky report {} --format json`.\n",
                plural(left, "verdict", "verdicts"),
                code_safe(&report.run_id)
            ));
            break;
        }
        table.push_str(&row);
    }
    table
}

/// Markdown for a table cell: a `|` ends the cell even inside a code span, unless escaped.
fn cell(markdown: &str) -> String {
    markdown.replace('|', "\\|")
}

/// "the suite ran once, then each of the 2 tests that failed up to 3 more times".
pub(super) fn rerun_text(ci: &CiSummary) -> String {
    match ci.verdicts.len() {
        0 => "the suite ran once".to_owned(),
        n => format!(
            "the suite ran once, then {} up to {} more {}",
            if n == 1 {
                "the test that failed".to_owned()
            } else {
                format!("each of the {n} tests that failed")
            },
            ci.retries,
            plural(u64::from(ci.retries), "time", "times")
        ),
    }
}
