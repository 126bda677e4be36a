//! `flaky scan` on a terminal and as JSON: the findings by file, each with its place, test,
//! category, severity, confidence, code and fix.

use std::io::{self, Write};

use crate::analysis::Severity;
use crate::scan::rules::Rule;
use crate::scan::{Finding, ScanReport};

/// The findings grouped by file, then a summary line.
pub fn render_findings(report: &ScanReport, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let style = |s: &str, c: console::Style| {
        if color {
            c.force_styling(true).apply_to(s).to_string()
        } else {
            s.to_owned()
        }
    };
    let dim = console::Style::new().dim();
    let bold = console::Style::new().bold();
    let mut file = None;
    for f in &report.findings {
        if file != Some(&f.file) {
            if file.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "{}", style(&f.file, bold.clone().underlined()))?;
            file = Some(&f.file);
        }
        let sev = format!("{} {:<6}", f.severity.symbol(), f.severity.label());
        writeln!(
            out,
            "  {:>4}:{:<3} {} {:<14} {}",
            f.line,
            f.column,
            style(&sev, severity_style(f.severity)),
            f.category.as_str(),
            f.message
        )?;
        let whose = whose(f);
        writeln!(
            out,
            "  {:8} {}",
            "",
            style(
                &format!(
                    "{} · {} confidence{}{whose}",
                    f.rule,
                    f.confidence.as_str(),
                    if f.context { " · context" } else { "" }
                ),
                dim.clone()
            )
        )?;
        for line in f.excerpt.lines() {
            writeln!(out, "  {:8} {} {line}", "", style("│", dim.clone()))?;
        }
        writeln!(out, "  {:8} {} {}", "", style("fix:", bold.clone()), f.hint)?;
    }
    if !report.findings.is_empty() {
        writeln!(out)?;
    }
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    let n = report.findings.len();
    writeln!(
        out,
        "{} finding{} ({} high, {} medium, {} low) in {} file{} scanned ({} test file{}) in {}",
        n,
        plural(n),
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low),
        report.files_scanned,
        plural(report.files_scanned),
        report.test_files,
        plural(report.test_files),
        super::duration_text(std::time::Duration::from_millis(report.duration_ms))
    )?;
    for e in &report.errors {
        writeln!(
            out,
            "{}",
            style(
                &format!("not scanned: {}: {}", e.file, e.message),
                dim.clone()
            )
        )?;
    }
    for w in &report.warnings {
        writeln!(out, "warning: {}:{}: {}", w.file, w.line, w.message)?;
    }
    Ok(())
}

/// " · in test X" or " · in fn f, reached from test Y via f".
fn whose(f: &Finding) -> String {
    if let Some(t) = &f.test {
        return format!(" · in test {t}");
    }
    let mut s = f
        .function
        .as_ref()
        .map(|n| format!(" · in {n}"))
        .unwrap_or_default();
    if let Some(r) = f.reached_from.first() {
        let more = f.reached_from.len() - 1;
        s.push_str(&format!(
            ", reached from {}::{} via {}",
            r.file,
            r.test,
            r.via.join(" → ")
        ));
        if more > 0 {
            s.push_str(&format!(
                " and {more} more test{}",
                if more == 1 { "" } else { "s" }
            ));
        }
    }
    s
}

const fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn severity_style(s: Severity) -> console::Style {
    let st = console::Style::new().bold();
    match s {
        Severity::Critical => st.magenta(),
        Severity::High => st.red(),
        Severity::Medium => st.yellow(),
        Severity::Low => st.blue(),
        Severity::None => st.green(),
    }
}

/// The scan as its JSON document (`schema_version`, `findings`, `tests`, ...).
pub fn render_findings_json(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// `flaky scan --list-rules`: one line per rule, then how to read one.
pub fn render_rules(rules: &[&Rule], out: &mut dyn Write) -> io::Result<()> {
    let id_width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in rules {
        writeln!(
            out,
            "{:<id_width$}  {:<14}  {:<8}  {:<25}  {}",
            r.id,
            r.category.as_str(),
            r.severity.label(),
            r.languages().join(","),
            r.summary
        )?;
    }
    writeln!(
        out,
        "\n{} rules; `flaky scan --explain RULE` shows what one finds, why it makes tests flaky, and the fix",
        rules.len()
    )
}
