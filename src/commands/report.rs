//! `flaky report`: a stored run rendered again, in any format.

use std::io::Write;

use anyhow::{Context, bail};

use crate::cli::{GlobalArgs, ReportArgs, ReportFormat};
use crate::exit::ExitStatus;
use crate::render;
use crate::reporter::Printer;
use crate::storage::History;

pub fn report(
    args: &ReportArgs,
    global: &GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let path = super::db_path(global)?;
    if !path.exists() {
        bail!(
            "no history yet: {} does not exist; hint: `flaky run` stores runs there (or pass --db)",
            path.display()
        );
    }
    let history = History::open(&path)?;
    let json = history.report_json(args.run.as_deref())?;
    let report = render::read_json(&json)
        .map_err(|e| anyhow::anyhow!("the stored report cannot be read: {e}"))?;
    let mut buf = Vec::new();
    match args.format {
        ReportFormat::Table => render::render_table(
            &report,
            args.output.is_none() && printer.color_stdout,
            &mut buf,
        ),
        ReportFormat::Json => render::render_json(&report, &mut buf),
    }
    .context("cannot render the report")?;
    match &args.output {
        Some(file) => std::fs::write(file, &buf)
            .with_context(|| format!("cannot write {}", file.display()))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&buf)
                .and_then(|()| stdout.flush())
                .context("cannot write to stdout")?;
        }
    }
    Ok(ExitStatus::Success)
}
