//! `flaky history`: the stored runs, newest first.

use std::io::Write;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

use crate::cli::{FormatArg, GlobalArgs, HistoryArgs};
use crate::config::display_command;
use crate::exit::ExitStatus;
use crate::render::SCHEMA_VERSION;
use crate::reporter::Printer;
use crate::storage::{History, RunRow};

pub fn history(
    args: &HistoryArgs,
    global: &GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let path = super::db_path(global)?;
    if !path.exists() {
        printer.note(&format!(
            "no history yet: {} does not exist; `flaky run` creates it",
            path.display()
        ));
    }
    let history = History::open(&path)?;
    let runs = history.list_runs(args.limit)?;
    let mut buf = Vec::new();
    match args.format {
        FormatArg::Json => {
            serde_json::to_writer_pretty(
                &mut buf,
                &serde_json::json!({ "schema_version": SCHEMA_VERSION, "runs": runs }),
            )?;
            writeln!(buf)?;
        }
        FormatArg::Table if runs.is_empty() => {
            writeln!(buf, "no runs stored in {}", path.display())?
        }
        FormatArg::Table => writeln!(buf, "{}", runs_table(&runs, printer.color_stdout))?,
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&buf)
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")?;
    Ok(ExitStatus::Success)
}

fn runs_table(runs: &[RunRow], color: bool) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header([
            "RUN",
            "STARTED (UTC)",
            "STATUS",
            "COMMAND",
            "ATTEMPTS",
            "FAILED",
            "TESTS",
            "FLAKY",
            "WORST",
            "COMMIT",
        ]);
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    for r in runs {
        let started = SystemTime::UNIX_EPOCH + Duration::from_millis(r.started_at_ms.max(0) as u64);
        let commit = match (&r.branch, &r.commit) {
            (b, Some(c)) => format!(
                "{}{}{}",
                b.as_deref().map(|b| format!("{b}@")).unwrap_or_default(),
                &c[..c.len().min(8)],
                if r.dirty == Some(true) { "+dirty" } else { "" }
            ),
            _ => String::new(),
        };
        let failed = r.totals.attempts - r.totals.passed;
        table.add_row(vec![
            Cell::new(&r.run_id),
            Cell::new(
                humantime::format_rfc3339_seconds(started)
                    .to_string()
                    .replace('T', " ")
                    .trim_end_matches('Z'),
            ),
            Cell::new(&r.status),
            Cell::new(display_command(&r.command)),
            Cell::new(format!("{}/{}", r.totals.attempts, r.runs))
                .set_alignment(CellAlignment::Right),
            Cell::new(failed).set_alignment(CellAlignment::Right),
            Cell::new(r.tests).set_alignment(CellAlignment::Right),
            Cell::new(r.flaky_tests).set_alignment(CellAlignment::Right),
            Cell::new(r.worst.as_deref().unwrap_or("-").to_uppercase()),
            Cell::new(commit),
        ]);
    }
    table
}
