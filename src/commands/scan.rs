//! `flaky scan`: static flakiness smells in test code.

use anyhow::{Context as _, bail};
use globset::{Glob, GlobSetBuilder};

use crate::cli::{ScanArgs, ScanFormat};
use crate::config::fail_on_arg;
use crate::exit::ExitStatus;
use crate::render;
use crate::reporter::Printer;
use crate::scan::{ScanOptions, scan as scan_tree};

pub fn scan(args: &ScanArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    if !args.path.exists() {
        bail!(
            "{} does not exist; hint: pass the project directory (or one file) to scan",
            args.path.display()
        );
    }
    let mut globs = GlobSetBuilder::new();
    for g in &args.ignore {
        let glob = Glob::new(g).with_context(|| {
            format!("--ignore `{g}` is not a valid glob; hint: quote it, e.g. --ignore 'tests/legacy/**'")
        })?;
        globs.add(glob);
    }
    let options = ScanOptions {
        ignore: (!args.ignore.is_empty())
            .then(|| globs.build())
            .transpose()
            .context("--ignore: cannot build the globs")?,
        threads: args.jobs.map_or(0, |j| j as usize),
    };
    let report = scan_tree(&args.path, &options)
        .with_context(|| format!("cannot scan {}", args.path.display()))?;
    let mut buf = Vec::new();
    match args.format {
        ScanFormat::Table => {
            let color = args.output.is_none() && printer.color_stdout;
            render::render_findings(&report, color, &mut buf)
        }
        ScanFormat::Json => render::render_findings_json(&report, &mut buf),
        ScanFormat::Sarif => render::render_sarif(&report, &mut buf),
    }
    .context("cannot render the findings")?;
    match &args.output {
        Some(path) => std::fs::write(path, &buf)
            .with_context(|| format!("cannot write the findings to {}", path.display()))?,
        None => super::print(&buf)?,
    }
    if report.files_scanned == 0 && report.errors.is_empty() {
        printer.note(&format!(
            "no Python, JavaScript, TypeScript, Go or Rust files under {}",
            args.path.display()
        ));
    }
    let failing = report.failing(fail_on_arg(args.fail_on));
    Ok(if failing > 0 {
        ExitStatus::TestsFailed
    } else {
        ExitStatus::Success
    })
}
