//! `flaky detect-framework`: every framework under a directory, with its evidence and the
//! commands and flags `flaky run` will use.

use std::io::Write;

use anyhow::bail;

use crate::cli::{DetectArgs, FormatArg};
use crate::config::display_command;
use crate::exit::ExitStatus;
use crate::framework::{self, Detection};
use crate::render::SCHEMA_VERSION;
use crate::reporter::Printer;

pub fn detect(args: &DetectArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    if !args.path.is_dir() {
        bail!(
            "{}: not a directory; hint: give the project's directory",
            args.path.display()
        );
    }
    let found = framework::detect(&args.path);
    let mut buf = Vec::new();
    match args.format {
        FormatArg::Json => {
            // Scripts read stdout: an empty list, not nothing, when no framework is found.
            let doc = serde_json::json!({ "schema_version": SCHEMA_VERSION, "frameworks": found });
            serde_json::to_writer_pretty(&mut buf, &doc)?;
            writeln!(buf)?;
        }
        FormatArg::Table => render(&found, &args.path, printer.color_stdout, &mut buf)?,
    }
    super::print(&buf)?;
    if found.is_empty() {
        bail!(
            "no test framework found in {} (looked for pytest, go, jest, vitest, mocha, node:test, cargo, nextest, rspec and phpunit markers); hint: pass the command to `flaky run` yourself, with --junit PATH if it writes a JUnit report",
            args.path.display()
        );
    }
    Ok(ExitStatus::Success)
}

fn render(
    found: &[Detection],
    base: &std::path::Path,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let bold = |s: &str| {
        if color {
            console::style(s).bold().force_styling(true).to_string()
        } else {
            s.to_owned()
        }
    };
    for (i, d) in found.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let root = d.root.strip_prefix(base).unwrap_or(&d.root);
        let root = if root.as_os_str().is_empty() {
            ".".to_owned()
        } else {
            root.display().to_string()
        };
        writeln!(out, "{} in {root}", bold(d.framework.name()))?;
        writeln!(out, "  evidence:  {}", d.evidence.join("; "))?;
        writeln!(out, "  command:   {}", display_command(&d.command))?;
        let install = d
            .install
            .as_deref()
            .map_or_else(|| "nothing to install".to_owned(), display_command);
        writeln!(out, "  install:   {install}")?;
        writeln!(out, "  reports:   {}", d.knobs.report_flags)?;
        writeln!(out, "  order:     {}", d.knobs.order)?;
        writeln!(out, "  one test:  {}", d.knobs.select_one)?;
        writeln!(out, "  seed from: {}", d.knobs.seed_variable)?;
    }
    Ok(())
}
