//! The terminal report: a header, the per-test table, notes on what the numbers mean, and the
//! failing attempts with the line that replays each.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table, presets};

use super::{Report, RunState, first_lines, percent};
use crate::analysis::{Severity, TestStats, Z95, wilson};

pub fn render_table(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let style = |s: &str, c: console::Style| {
        if color {
            c.force_styling(true).apply_to(s).to_string()
        } else {
            s.to_owned()
        }
    };
    let bold = console::Style::new().bold();
    let dim = console::Style::new().dim();

    let t = &report.totals;
    let attempts_word = if t.attempts == 1 {
        "attempt"
    } else {
        "attempts"
    };
    writeln!(
        out,
        "{} {} {attempts_word} of {} in {} ({} at a time), seed {}, run {}",
        style("flaky:", bold.clone()),
        t.attempts,
        style(&report.test_label(), bold.clone()),
        humantime::format_duration(round_duration(report.duration)),
        report.jobs,
        report.seed,
        report.run_id,
    )?;
    match report.state {
        RunState::Completed => {}
        RunState::Interrupted | RunState::Terminated => writeln!(
            out,
            "{}",
            style(
                &format!(
                    "{} after {} of {} attempts: the results below are partial",
                    if report.state == RunState::Interrupted {
                        "interrupted"
                    } else {
                        "terminated"
                    },
                    t.attempts,
                    report.runs
                ),
                console::Style::new().yellow().bold()
            )
        )?,
    }
    writeln!(
        out,
        "{} passed, {} failed, {} timed out, {} crashed",
        t.passed, t.failed, t.timed_out, t.errors
    )?;

    if report.tests.is_empty() {
        writeln!(out, "\nno test result was recorded")?;
    } else {
        writeln!(out)?;
        writeln!(out, "{}", test_table(report, color))?;
    }

    let spans: Vec<String> = report
        .tests
        .iter()
        .filter_map(|s| {
            s.band_span(&report.thresholds).map(|(lo, hi)| {
                format!(
                    "{}: the 95% interval {} spans {lo} to {hi}; more attempts would pin its band",
                    s.id,
                    interval(s)
                )
            })
        })
        .collect();
    let stable: Vec<&TestStats> = report.tests.iter().filter(|s| s.failed == 0).collect();
    if !spans.is_empty() || !stable.is_empty() || report.ignored_tests > 0 {
        writeln!(out)?;
    }
    for line in spans.iter().take(5) {
        writeln!(out, "{} {line}", style("note:", dim.clone()))?;
    }
    if let Some(s) = stable.first() {
        let (_, upper) = wilson(0, s.runs, Z95);
        writeln!(
            out,
            "{} no failure in {} runs means a failure rate below {} at 95% confidence, not \"never flaky\"",
            style("note:", dim.clone()),
            s.runs,
            percent(upper)
        )?;
    }
    if report.ignored_tests > 0 {
        writeln!(
            out,
            "{} {} tests hidden by ignore_patterns",
            style("note:", dim.clone()),
            report.ignored_tests
        )?;
    }

    if !report.failures.is_empty() {
        writeln!(out)?;
        let shown = report.failures.len();
        let failed_attempts = t.attempts - t.passed;
        let heading = if failed_attempts as usize > shown {
            format!("Failing attempts (first {shown} of {failed_attempts}):")
        } else {
            "Failing attempts:".to_owned()
        };
        writeln!(out, "{}", style(&heading, bold.clone()))?;
        for f in &report.failures {
            writeln!(
                out,
                "  attempt {} (seed {}): {}",
                f.index, f.seed, f.message
            )?;
            writeln!(
                out,
                "    {}",
                style(
                    &report.reproduce(f.index, f.seed),
                    console::Style::new().cyan()
                )
            )?;
            let excerpt = first_lines(&f.excerpt);
            for line in excerpt.lines() {
                writeln!(out, "    {}", style(&format!("│ {line}"), dim.clone()))?;
            }
        }
    }

    writeln!(out)?;
    let verdict = match report.fail_on {
        None => "verdict: --fail-on none, so flakiness does not change the exit status".to_owned(),
        Some(f) => match report.failing_tests() {
            0 => format!("verdict: no test at or above {f}"),
            1 => format!("verdict: 1 test at or above {f}"),
            n => format!("verdict: {n} tests at or above {f}"),
        },
    };
    let verdict_style = if report.failing_tests() > 0 {
        console::Style::new().red().bold()
    } else {
        console::Style::new().green().bold()
    };
    writeln!(out, "{}", style(&verdict, verdict_style))
}

fn test_table(report: &Report, color: bool) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header([
            "TEST", "RUNS", "FAILED", "RATE", "95% CI", "SEVERITY", "KIND",
        ]);
    if !color {
        table.force_no_tty();
    } else {
        table.enforce_styling();
    }
    for s in &report.tests {
        let ci = if s.failed == 0 {
            format!("< {} at 95%", percent(s.ci_high))
        } else {
            interval(s)
        };
        let sev = Cell::new(format!("{} {}", s.severity.symbol(), s.severity.label()));
        let sev = if color {
            sev.fg(severity_color(s.severity))
        } else {
            sev
        };
        table.add_row(vec![
            Cell::new(&s.id),
            Cell::new(s.runs).set_alignment(CellAlignment::Right),
            Cell::new(s.failed).set_alignment(CellAlignment::Right),
            Cell::new(percent(s.failure_rate)).set_alignment(CellAlignment::Right),
            Cell::new(ci),
            sev,
            Cell::new(s.kind),
        ]);
    }
    table
}

fn interval(s: &TestStats) -> String {
    format!("{}–{}", percent(s.ci_low), percent(s.ci_high))
}

pub fn severity_color(s: Severity) -> Color {
    match s {
        Severity::Critical => Color::Magenta,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Blue,
        Severity::None => Color::Green,
    }
}

fn round_duration(d: std::time::Duration) -> std::time::Duration {
    if d.as_secs() >= 10 {
        std::time::Duration::from_secs(d.as_secs())
    } else {
        std::time::Duration::from_millis(d.as_millis() as u64)
    }
}
