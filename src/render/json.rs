//! The JSON report: a versioned document scripts can rely on (documented in the README).

use std::io::{self, Write};

use serde::Serialize;

use super::{AttemptRecord, FailureSample, InfraSample, Report, RunState};
use crate::analysis::{OrderCounts, Signature, TestStats, Totals};
use crate::vcs::VcsFacts;

/// Bumped on any change that could break a script reading the document.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    run_id: &'a str,
    status: RunState,
    command: &'a [String],
    shell: bool,
    dir: String,
    framework: Option<&'a str>,
    order: &'a str,
    selected_tests: Option<usize>,
    runs: u32,
    jobs: u32,
    seed: u64,
    timeout_ms: u64,
    fail_on: &'a str,
    started_at: String,
    duration_ms: u64,
    vcs: Option<&'a VcsFacts>,
    totals: Totals,
    tests: Vec<Test<'a>>,
    ignored_tests: usize,
    attempts: &'a [AttemptRecord],
    failures: &'a [FailureSample],
    infrastructure: &'a [InfraSample],
    exit_code: u8,
}

#[derive(Serialize)]
struct Test<'a> {
    id: &'a str,
    runs: u64,
    passed: u64,
    failed: u64,
    timed_out: u64,
    errors: u64,
    failure_rate: f64,
    ci_low: f64,
    ci_high: f64,
    severity: &'a str,
    kind: &'a str,
    same_order: OrderCounts,
    shuffled: OrderCounts,
    signatures: &'a [Signature],
}

impl<'a> From<&'a TestStats> for Test<'a> {
    fn from(t: &'a TestStats) -> Self {
        Self {
            id: &t.id,
            runs: t.runs,
            passed: t.passed,
            failed: t.failed,
            timed_out: t.timed_out,
            errors: t.errors,
            failure_rate: t.failure_rate,
            ci_low: t.ci_low,
            ci_high: t.ci_high,
            severity: t.severity.as_str(),
            kind: t.kind.as_str(),
            same_order: t.same_order,
            shuffled: t.shuffled,
            signatures: &t.signatures,
        }
    }
}

pub fn render_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = Document {
        schema_version: SCHEMA_VERSION,
        run_id: &report.run_id,
        status: report.state,
        command: &report.command,
        shell: report.shell,
        dir: report.dir.to_string_lossy().into_owned(),
        framework: report.framework.as_deref(),
        order: report.order,
        selected_tests: report.selected_tests,
        runs: report.runs,
        jobs: report.jobs,
        seed: report.seed,
        timeout_ms: report.timeout.as_millis() as u64,
        fail_on: report.fail_on.map_or("none", |s| s.as_str()),
        started_at: humantime::format_rfc3339_millis(report.started_at).to_string(),
        duration_ms: report.duration.as_millis() as u64,
        vcs: report.vcs.as_ref(),
        totals: report.totals,
        tests: report.tests.iter().map(Test::from).collect(),
        ignored_tests: report.ignored_tests,
        attempts: &report.attempts,
        failures: &report.failures,
        infrastructure: &report.infrastructure,
        exit_code: report.exit_code,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
