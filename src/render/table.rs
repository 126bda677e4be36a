//! The terminal report: a header, the per-test table, notes on what the numbers mean, and the
//! failing attempts with the line that replays each.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table, presets};

use super::{INFRA_EXCERPT_LINES, Report, RunState, first_lines, percent, tail_lines};
use crate::analysis::{Kind, Severity, TestStats, Z95, wilson};

pub fn render_table(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let report = &super::for_terminal(report);
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
    let how = match &report.framework {
        Some(fw) => format!(" ({fw}, order {})", report.order.as_str()),
        None => String::new(),
    };
    writeln!(
        out,
        "{} {} {attempts_word} of {}{how} in {} ({} at a time), seed {}, run {}",
        style("flaky:", bold.clone()),
        t.attempts,
        style(&report.test_label(), bold.clone()),
        humantime::format_duration(round_duration(report.duration)),
        report.jobs,
        report.seed,
        report.run_id,
    )?;
    if let Some(st) = &report.stopped {
        let why = match (st.reason.as_str(), st.until.as_str()) {
            ("settled", _) => "every verdict settled".to_owned(),
            ("first-failure", _) => "an attempt failed (--until first-failure)".to_owned(),
            ("budget", _) => "the --budget ran out".to_owned(),
            (_, "first-failure") => format!("--max-runs {} reached without a failure", st.max_runs),
            _ => format!(
                "--max-runs {} reached before every verdict settled",
                st.max_runs
            ),
        };
        writeln!(
            out,
            "stopped: {why} after {} attempts ({} of {} saved)",
            t.attempts, st.saved, st.max_runs
        )?;
    }
    if let Some(n) = report.selected_tests {
        writeln!(out, "{} in --tests-from", super::selected_text(n))?;
    }
    if let Some(shard) = report.shard {
        writeln!(out, "{}", super::shard_text(shard))?;
    }
    if let Some(k) = report.batch {
        writeln!(out, "{}", super::batch_text(k))?;
    }
    match report.state {
        RunState::Completed | RunState::NoResults => {}
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
    let infra = if t.infrastructure > 0 {
        format!(", {} left out as infrastructure", t.infrastructure)
    } else {
        String::new()
    };
    let what = if report.framework.is_some() {
        "attempts: "
    } else {
        ""
    };
    writeln!(
        out,
        "{what}{} passed, {} failed, {} timed out, {} crashed{infra}",
        t.passed, t.failed, t.timed_out, t.errors
    )?;
    if report.framework.is_some() && !report.tests.is_empty() {
        let flaky = report.tests.iter().filter(|s| s.failed > 0).count();
        let skipped = report.tests.iter().filter(|s| s.runs == 0).count();
        let skipped_text = if skipped > 0 {
            format!(", {skipped} skipped in every attempt")
        } else {
            String::new()
        };
        writeln!(
            out,
            "tests: {} stable, {flaky} failing or flaky{skipped_text}",
            report.tests.len() - flaky - skipped
        )?;
    }

    if let Some(ci) = &report.ci {
        writeln!(out, "{}", super::ci::rerun_text(ci))?;
        if !ci.verdicts.is_empty() {
            writeln!(out)?;
            writeln!(out, "{}", style("Verdicts:", bold.clone()))?;
            let width = ci
                .verdicts
                .iter()
                .map(|v| super::ci::label(v).len())
                .max()
                .unwrap_or(0);
            for v in &ci.verdicts {
                let label = format!("{:width$}", super::ci::label(v));
                let label_style = match v.verdict {
                    super::Verdict::Failed => console::Style::new().red().bold(),
                    super::Verdict::Flaky => console::Style::new().yellow().bold(),
                    super::Verdict::Quarantined => dim.clone(),
                };
                writeln!(
                    out,
                    "  {}  {}",
                    style(&label, label_style),
                    style(&v.test, bold.clone())
                )?;
                writeln!(out, "  {:width$}  {}", "", super::ci::evidence(v, report))?;
            }
        }
    }
    if report.tests.is_empty() {
        writeln!(out, "\nno test result was recorded")?;
    } else if report.ci.is_none() || report.tests.iter().any(|t| t.failed > 0) {
        writeln!(out)?;
        writeln!(out, "{}", test_table(report, color))?;
    }

    // What a kind asks of the reader first, then what the numbers cannot tell yet.
    let kinds = report
        .tests
        .iter()
        .filter_map(|s| super::markdown::verdict_note(s).map(|note| format!("{}: {note}", s.id)));
    let bands = report
        .tests
        .iter()
        .filter(|s| s.kind != Kind::Failing && s.on_boundary.is_none())
        .filter_map(|s| {
            s.band_span(&report.thresholds).map(|(lo, hi)| {
                format!(
                    "{}: the 95% interval {} spans {lo} to {hi}; more attempts would pin its band",
                    s.id,
                    interval(s)
                )
            })
        });
    let shuffled = report.tests.iter().filter(|s| s.kind == Kind::Flaky && s.same_order.failed == 0 && s.same_order.runs > 0).map(|s| {
        format!(
            "{}: all {} failures came in shuffled attempts, too few to call it order-dependent; more attempts would tell",
            s.id, s.failed
        )
    });
    let suite = super::markdown::suite_order_note(report);
    let spans: Vec<String> = suite
        .into_iter()
        .chain(kinds)
        .chain(bands)
        .chain(shuffled)
        .collect();
    // A CI run's stable tests ran once: what one pass says is not worth a line there.
    let stable: Vec<&TestStats> = report
        .tests
        .iter()
        .filter(|s| s.failed == 0 && s.runs > 0 && report.ci.is_none())
        .collect();
    let skipped = super::markdown::skipped_note(report);
    let outside = super::markdown::outside_tests_note(report);
    if !spans.is_empty()
        || !stable.is_empty()
        || skipped.is_some()
        || outside.is_some()
        || report.ignored_tests > 0
    {
        writeln!(out)?;
    }
    for line in spans.iter().take(5) {
        writeln!(out, "{} {line}", style("note:", dim.clone()))?;
    }
    if let Some(s) = stable.first() {
        let (_, upper) = wilson(0, s.runs, Z95);
        writeln!(
            out,
            "{} no failure in {} means a failure rate below {} at 95% confidence, not \"never flaky\"",
            style("note:", dim.clone()),
            super::counted(s.runs, "run", "runs"),
            percent(upper)
        )?;
    }
    for note in skipped.iter().chain(&outside) {
        writeln!(out, "{} {note}", style("note:", dim.clone()))?;
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
        let failed_attempts = t.attempts - t.passed;
        let heading = match report.framework {
            Some(_) => {
                let failing = report.tests.iter().filter(|s| s.failed > 0).count();
                if failing > report.failures.len() {
                    format!(
                        "Failures (the {} worst of {failing} tests):",
                        report.failures.len()
                    )
                } else {
                    "Failures:".to_owned()
                }
            }
            None if failed_attempts as usize > report.failures.len() => {
                format!(
                    "Failing attempts (first {} of {failed_attempts}):",
                    report.failures.len()
                )
            }
            None => "Failing attempts:".to_owned(),
        };
        writeln!(out, "{}", style(&heading, bold.clone()))?;
        for f in &report.failures {
            match &f.test {
                Some(test) => {
                    let Some(s) = report.tests.iter().find(|s| &s.id == test) else {
                        continue;
                    };
                    writeln!(
                        out,
                        "  {} ({}, {} of {} runs)",
                        style(test, bold.clone()),
                        s.kind,
                        s.failed,
                        s.runs
                    )?;
                    for sig in s.signatures.iter().take(3) {
                        let example = sig.example.lines().next().unwrap_or("");
                        writeln!(out, "    {}× {}", sig.count, example)?;
                    }
                    if s.signatures.len() > 3 {
                        writeln!(out, "    … and {} other ways", s.signatures.len() - 3)?;
                    }
                    writeln!(out, "    replay {}:", super::markdown::replay_what(f))?;
                }
                None => writeln!(
                    out,
                    "  attempt {} (seed {}): {}",
                    f.index, f.seed, f.message
                )?,
            }
            writeln!(
                out,
                "    {}",
                style(&f.reproduce, console::Style::new().cyan())
            )?;
            if let Some(line) = &f.reproduce_attempt {
                writeln!(out, "    {}", super::markdown::WHOLE_ATTEMPT)?;
                writeln!(out, "    {}", style(line, console::Style::new().cyan()))?;
            }
            for line in first_lines(&f.excerpt).lines() {
                writeln!(out, "    {}", style(&format!("│ {line}"), dim.clone()))?;
            }
        }
    }

    if !report.diagnoses.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            style("Diagnoses (flaky diagnose):", bold.clone())
        )?;
        for d in &report.diagnoses {
            writeln!(out, "  {}", style(&d.test, bold.clone()))?;
            for line in super::diagnosis::text_lines(d) {
                writeln!(out, "    {line}")?;
            }
        }
    }

    let (unstable, stable, left) = super::shown_causes(report);
    if !unstable.is_empty() || !stable.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            style("Likely causes (flaky scan):", bold.clone())
        )?;
        for c in &unstable {
            writeln!(out, "  {}", style(&c.test, bold.clone()))?;
            for cause in c.causes.iter().take(super::CAUSES_PER_TEST) {
                writeln!(out, "    {}", super::cause_line(cause))?;
                writeln!(
                    out,
                    "      {}",
                    style(&format!("fix: {}", cause.hint), dim.clone())
                )?;
            }
        }
        if !stable.is_empty() {
            writeln!(
                out,
                "  {}",
                style("In tests measured stable (lower priority):", dim.clone())
            )?;
            for c in &stable {
                if let Some(cause) = c.causes.first() {
                    writeln!(out, "    {}: {}", c.test, super::cause_line(cause))?;
                }
            }
        }
        if left > 0 {
            writeln!(
                out,
                "  … and {left} more tests (flaky report --format json lists them all)"
            )?;
        }
    }

    if !report.shard_errors.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            style(
                &format!(
                    "Remote shards without results ({}):",
                    report.shard_errors.len()
                ),
                bold.clone()
            )
        )?;
        for e in &report.shard_errors {
            writeln!(out, "  {e}")?;
        }
    }
    if !report.shard_retries.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            style(
                &format!(
                    "Remote shards resubmitted ({}), their attempts counted once:",
                    report.shard_retries.len()
                ),
                bold.clone()
            )
        )?;
        for e in &report.shard_retries {
            writeln!(out, "  {e}")?;
        }
    }

    if !report.infrastructure.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            style(
                &format!(
                    "Left out as infrastructure ({} attempts):",
                    t.infrastructure
                ),
                bold.clone()
            )
        )?;
        for i in &report.infrastructure {
            writeln!(out, "  {}", i.describe())?;
            for line in tail_lines(&i.excerpt, INFRA_EXCERPT_LINES).lines() {
                writeln!(out, "    {}", style(&format!("│ {line}"), dim.clone()))?;
            }
        }
    }

    writeln!(out)?;
    if let Some(n) = &report.no_results {
        writeln!(
            out,
            "{}",
            style(
                &format!("verdict: nothing was measured: {}", n.reason),
                console::Style::new().red().bold()
            )
        )?;
        return writeln!(out, "hint: {}", n.hint);
    }
    let verdict = format!("verdict: {}", super::markdown::verdict(report));
    let red = match report.ci {
        Some(_) => report.exit_code != 0,
        None => report.failing_tests() > 0,
    };
    let verdict_style = if red {
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
    // A CI run's table is of the tests that failed: the others ran once and passed.
    let shown = report
        .tests
        .iter()
        .filter(|s| report.ci.is_none() || s.failed > 0);
    for s in shown {
        let ci = super::markdown::ci_text(s);
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
            Cell::new(super::markdown::rate_text(s)).set_alignment(CellAlignment::Right),
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
