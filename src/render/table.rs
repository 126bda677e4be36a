//! The terminal report: a header, the per-test table, notes on what the numbers mean, and the
//! failing attempts with the line that replays each.

use std::io::{self, Write};

use comfy_table::{
    Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, Width, presets,
};

use super::{INFRA_EXCERPT_LINES, Report, RunState, Stopped, first_lines, percent, tail_lines};
use crate::analysis::stopping::{Decision, Rule, sprt};
use crate::analysis::{Kind, Severity, TestStats, Thresholds, Z95, wilson};

/// The fewest columns a command cut to fit the header keeps; with less room the line wraps.
const MIN_COMMAND_COLUMNS: usize = 16;

/// `width`: the terminal's columns the header and the per-test table fit in; `None` leaves them
/// as wide as they are.
pub fn render_table(
    report: &Report,
    color: bool,
    width: Option<usize>,
    out: &mut dyn Write,
) -> io::Result<()> {
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
    let head = format!("{} {attempts_word} of ", t.attempts);
    let tail = format!(
        "{how} in {} ({} at a time), seed {}, run {}",
        super::duration_text(report.duration),
        report.jobs,
        report.seed,
        report.run_id,
    );
    // A long command is cut at its end to keep the line within the terminal, so the facts after
    // it (time, seed, run id) stay on the line; it is whole in every other format.
    let mut label = report.test_label();
    if let Some(width) = width {
        let room =
            width.saturating_sub(console::measure_text_width(&format!("flaky: {head}{tail}")));
        if room >= MIN_COMMAND_COLUMNS {
            label = console::truncate_str(&label, room, "…").into_owned();
        }
    }
    writeln!(
        out,
        "{} {head}{}{tail}",
        style("flaky:", bold.clone()),
        style(&label, bold.clone()),
    )?;
    if let Some(st) = &report.stopped {
        writeln!(out, "{}", stop_text(st, report))?;
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
    } else {
        let (shown, left_out) = table_rows(report);
        if !shown.is_empty() {
            writeln!(out)?;
            writeln!(out, "{}", test_table(&shown, color, width))?;
        }
        if let Some(text) = left_out {
            if shown.is_empty() {
                writeln!(out)?;
            }
            writeln!(out, "{}", style(&text, dim.clone()))?;
        }
    }

    // What a kind asks of the reader first, then what the numbers cannot tell yet.
    let settled = report
        .stopped
        .as_ref()
        .is_some_and(|st| st.reason == "settled");
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
                    "{}: the 95% interval {} spans {lo} to {hi}; {}",
                    s.id,
                    interval(s),
                    if settled {
                        format!(
                            "each band boundary was settled with a {:.0}% chance of error, the interval is narrower only with more attempts",
                            Rule::default().alpha * 100.0
                        )
                    } else {
                        "more attempts would pin its band".to_owned()
                    }
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

/// The most stable tests the table lists one by one; beyond it, one line counts them.
const STABLE_ROWS: usize = 10;

/// The tests the table lists, and a line for those it leaves out. A CI run's table is of the
/// tests that failed (the others ran once and passed); a run's, of every test unless more than
/// `STABLE_ROWS` never failed: a row each would bury the few that matter.
fn table_rows(report: &Report) -> (Vec<&TestStats>, Option<String>) {
    // Never failed: stable, or skipped in every attempt.
    let stable: Vec<&TestStats> = report.tests.iter().filter(|s| s.failed == 0).collect();
    if report.ci.is_none() && stable.len() <= STABLE_ROWS {
        return (report.tests.iter().collect(), None);
    }
    let shown = report.tests.iter().filter(|s| s.failed > 0).collect();
    if report.ci.is_some() {
        return (shown, None);
    }
    let ran: Vec<u64> = stable.iter().map(|s| s.runs).filter(|&r| r > 0).collect();
    let runs = match (ran.iter().min(), ran.iter().max()) {
        (Some(lo), Some(hi)) if lo == hi => format!(", no failure in {lo} runs each"),
        (Some(lo), Some(hi)) => format!(", no failure in {lo} to {hi} runs each"),
        _ => String::new(),
    };
    let skipped = stable.len() - ran.len();
    let skipped = if skipped > 0 {
        format!(" and {skipped} skipped in every attempt")
    } else {
        String::new()
    };
    let text = format!(
        "{}{skipped} not listed{runs} (`--format json` lists every test)",
        super::counted(ran.len() as u64, "stable test", "stable tests")
    );
    (shown, Some(text))
}

/// The per-test table, fitted to `width` columns when given. Each row stays one line: a long id
/// is cut from the left (`…py::test_name`), keeping the test's name; when even the names do not
/// fit, each id gets a line of its own above its numbers and the TEST column goes.
fn test_table(shown: &[&TestStats], color: bool, width: Option<usize>) -> String {
    let numbers = |s: &TestStats| {
        let sev = Cell::new(format!("{} {}", s.severity.symbol(), s.severity.label()));
        vec![
            Cell::new(s.runs).set_alignment(CellAlignment::Right),
            Cell::new(s.failed).set_alignment(CellAlignment::Right),
            Cell::new(super::markdown::rate_text(s)).set_alignment(CellAlignment::Right),
            Cell::new(super::markdown::ci_text(s)),
            if color {
                sev.fg(severity_color(s.severity))
            } else {
                sev
            },
            Cell::new(s.kind),
        ]
    };
    let header = ["RUNS", "FAILED", "RATE", "95% CI", "SEVERITY", "KIND"];
    let table = |test_column: bool, rows: Vec<Vec<Cell>>| {
        let mut table = Table::new();
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled);
        if test_column {
            table.set_header(std::iter::once("TEST").chain(header));
        } else {
            table.set_header(header);
        }
        if color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        table.add_rows(rows);
        table
    };
    let test_column = |ids: Vec<String>| {
        let rows = shown
            .iter()
            .zip(ids)
            .map(|(s, id)| std::iter::once(Cell::new(id)).chain(numbers(s)).collect())
            .collect();
        table(true, rows).to_string()
    };
    let Some(width) = width else {
        return test_column(shown.iter().map(|s| s.id.clone()).collect());
    };

    // What the other columns take: their widest cell, a space each side, and the borders.
    let lines: Vec<String> = table(false, shown.iter().map(|s| numbers(s)).collect())
        .lines()
        .collect();
    let others_width = lines.first().map_or(0, |l| console::measure_text_width(l));
    // The TEST column adds its text, two spaces and one border.
    let room = width.saturating_sub(others_width + 3);
    let fits = |s: &&TestStats| {
        console::measure_text_width(&s.id) <= room
            || console::measure_text_width(test_name(&s.id)) < room
    };
    if room >= "TEST".len() && shown.iter().all(fits) {
        return test_column(shown.iter().map(|s| cut_left(&s.id, room)).collect());
    }
    // The id lines may use the whole width: the KIND column takes up what they need.
    let widest = shown
        .iter()
        .map(|s| console::measure_text_width(&s.id) + 4)
        .max()
        .unwrap_or(0);
    let grow = widest.min(width).saturating_sub(others_width);
    let lines: Vec<String> = if grow > 0 {
        let mut wider = table(false, shown.iter().map(|s| numbers(s)).collect());
        let kind = shown
            .iter()
            .map(|s| s.kind.to_string().len())
            .chain(["KIND".len()])
            .max()
            .unwrap_or(0);
        if let Some(column) = wider.column_mut(header.len() - 1) {
            // The fixed width counts the padding, one space each side.
            let fixed = u16::try_from(kind + 2 + grow).unwrap_or(u16::MAX);
            column.set_constraint(ColumnConstraint::Absolute(Width::Fixed(fixed)));
        }
        wider.lines().collect()
    } else {
        lines
    };
    let others_width = lines.first().map_or(0, |l| console::measure_text_width(l));
    // Top border, header, header rule, a line per test, bottom border (no cell holds a line
    // break; were one to, the ids stay in their column rather than land on the wrong rows).
    if lines.len() != shown.len() + 4 {
        return test_column(shown.iter().map(|s| s.id.clone()).collect());
    }
    let inner = others_width.saturating_sub(4);
    let mut out = lines[..3].join("\n");
    for (s, numbers) in shown.iter().zip(&lines[3..]) {
        let id = cut_left(&s.id, inner);
        let pad = inner.saturating_sub(console::measure_text_width(&id));
        let id = if color {
            console::Style::new()
                .bold()
                .force_styling(true)
                .apply_to(&id)
                .to_string()
        } else {
            id
        };
        out.push_str(&format!("\n│ {id}{} │\n{numbers}", " ".repeat(pad)));
    }
    out.push('\n');
    out.push_str(&lines[lines.len() - 1]);
    out
}

/// A test's own name: what follows the last `::`, `/` or ` > ` of its id (before any
/// parameters in brackets, which may hold those too).
fn test_name(id: &str) -> &str {
    let path = &id[..id.find('[').unwrap_or(id.len())];
    let start = ["::", "/", " > "]
        .iter()
        .filter_map(|sep| path.rfind(sep).map(|i| i + sep.len()))
        .max()
        .unwrap_or(0);
    &id[start..]
}

/// `text` in at most `max` columns: whole, or its end after `…`.
fn cut_left(text: &str, max: usize) -> String {
    if console::measure_text_width(text) <= max {
        return text.to_owned();
    }
    let mut room = max.saturating_sub(1);
    let mut start = text.len();
    for (i, c) in text.char_indices().rev() {
        let w = console::measure_text_width(c.encode_utf8(&mut [0; 4]));
        if w > room {
            break;
        }
        room -= w;
        start = i;
    }
    format!("…{}", &text[start..])
}

/// Why a `--until` run stopped. What "settled" means is said for the tests at hand (see
/// [`crate::analysis::stopping`]); attempts saved are said only when the rule saved some.
fn stop_text(st: &Stopped, report: &Report) -> String {
    let t = &report.thresholds;
    let attempts = super::counted(report.totals.attempts, "attempt", "attempts");
    let saved = match st.reason.as_str() {
        "settled" | "first-failure" if st.saved > 0 => {
            format!(" ({} of the {} allowed saved)", st.saved, st.max_runs)
        }
        _ => String::new(),
    };
    let why = match (st.reason.as_str(), st.until.as_str()) {
        ("settled", _) => {
            let measured: Vec<&TestStats> = report.tests.iter().filter(|s| s.runs > 0).collect();
            match measured.as_slice() {
                [s] => format!("the failure rate settled {}", settled_sides(s, t)),
                _ => {
                    let count =
                        |f: fn(&TestStats) -> bool| measured.iter().filter(|s| f(s)).count();
                    let sides = [
                        (
                            count(|s| s.failed == 0),
                            "below the settle floor".to_owned(),
                        ),
                        (
                            count(|s| s.failed == s.runs),
                            format!("above {}", boundary(t.critical)),
                        ),
                        (
                            count(|s| s.failed > 0 && s.failed < s.runs),
                            format!(
                                "on one side of each band boundary ({}, {}, {}){}",
                                boundary(t.medium),
                                boundary(t.high),
                                boundary(t.critical),
                                if measured.iter().any(|s| s.on_boundary.is_some()) {
                                    " or within one's margin"
                                } else {
                                    ""
                                }
                            ),
                        ),
                    ];
                    let sides: Vec<String> = sides
                        .into_iter()
                        .filter(|(n, _)| *n > 0)
                        .map(|(n, side)| format!("{n} {side}"))
                        .collect();
                    format!("every test's failure rate settled: {}", sides.join(", "))
                }
            }
        }
        ("first-failure", _) => "an attempt failed (--until first-failure)".to_owned(),
        ("budget", "first-failure") => "the --budget ran out without a failure".to_owned(),
        ("budget", _) => "the --budget ran out before every failure rate settled".to_owned(),
        (_, "first-failure") => format!("the limit of {} reached without a failure", st.max_runs),
        _ => format!(
            "the limit of {} reached before every failure rate settled",
            st.max_runs
        ),
    };
    format!("stopped after {attempts}{saved}: {why}")
}

/// Where a settled rate lies: "below the settle floor", "above 90%", or for a test that passed
/// and failed the side of each band boundary its sequential test decided ("above 10% and 50% and
/// below 90%"; "on 50%" for a rate settled within that boundary's margin).
fn settled_sides(s: &TestStats, t: &Thresholds) -> String {
    if s.failed == 0 {
        return "below the settle floor".to_owned();
    }
    if s.failed == s.runs {
        return format!("above {}", boundary(t.critical));
    }
    let rule = Rule::default();
    let mut sides: Vec<(&str, Vec<String>)> = Vec::new();
    for b in [t.medium, t.high, t.critical] {
        let side = match sprt(b, s.failed, s.runs, &rule) {
            Decision::Above => "above",
            Decision::Below => "below",
            Decision::Undecided => "on",
        };
        match sides.last_mut() {
            Some((last, bs)) if *last == side => bs.push(boundary(b)),
            _ => sides.push((side, vec![boundary(b)])),
        }
    }
    sides
        .into_iter()
        .map(|(side, bs)| format!("{side} {}", bs.join(" and ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A band boundary, `0.1` as `10%`.
fn boundary(x: f64) -> String {
    let text = format!("{:.1}", x * 100.0);
    format!("{}%", text.trim_end_matches(".0"))
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
