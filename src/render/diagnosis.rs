//! Diagnoses (`flaky diagnose`): the command's own output in every format, and the section the
//! run reports (`flaky report`) show for a run's diagnosed tests.

use std::fmt::Write as _;
use std::io::{self, Write};

use askama::Template;

use super::markdown::{code_block, code_safe, md_with_code};
use super::page::filters;
use crate::diagnose::{DiagnoseReport, Diagnosis};

/// The summary without the cause it starts with (shown apart).
fn finding(d: &Diagnosis) -> &str {
    d.summary
        .strip_prefix(d.cause.as_str())
        .and_then(|s| s.strip_prefix(": "))
        .unwrap_or(&d.summary)
}

/// The p-value as people read it.
fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_owned()
    } else {
        format!("p = {p:.3}")
    }
}

/// One experiment as a line: what ran, the counts, what it showed.
fn experiment_line(e: &crate::diagnose::Experiment) -> String {
    let p = e
        .p_value
        .map_or(String::new(), |p| format!(", {}", p_text(p)));
    format!(
        "{}: {}: {}/{} failed{p}: {}",
        e.step.as_str(),
        e.setup,
        e.failed,
        e.runs,
        e.finding
    )
}

/// One line under a diagnosis: an experiment, the cleaners, a scan finding, an experiment that
/// could not run, the fix.
pub(super) struct Detail {
    pub(super) label: Option<&'static str>,
    /// `file:line`, shown as code.
    pub(super) place: Option<String>,
    pub(super) text: String,
}

fn details(d: &Diagnosis) -> Vec<Detail> {
    let mut out: Vec<Detail> = d
        .experiments
        .iter()
        .map(|e| Detail {
            label: None,
            place: None,
            text: experiment_line(e),
        })
        .collect();
    if !d.cleaners.is_empty() {
        out.push(Detail {
            label: Some("cleaners"),
            place: None,
            text: crate::diagnose::ticked(&d.cleaners),
        });
    }
    out.extend(d.evidence.iter().map(|e| Detail {
        label: Some(if e.agrees {
            "evidence"
        } else {
            "also seen (lower confidence)"
        }),
        place: Some(format!("{}:{}", e.file, e.line)),
        text: format!("{}: {}", e.category, e.message),
    }));
    out.extend(d.not_run.iter().map(|n| Detail {
        label: Some("not run"),
        place: None,
        text: n.clone(),
    }));
    out.push(Detail {
        label: Some("fix"),
        place: None,
        text: d.fix.clone(),
    });
    out
}

/// A detail's label and place, each followed by a space when there: "evidence `a.py:3`".
fn head(x: &Detail, code: impl Fn(&str) -> String) -> String {
    let mut h = String::new();
    if let Some(l) = x.label {
        h.push_str(l);
    }
    if let Some(p) = &x.place {
        if !h.is_empty() {
            h.push(' ');
        }
        h.push_str(&code(p));
    }
    if !h.is_empty() {
        h.push_str(": ");
    }
    h
}

/// A diagnosis as plain lines (the terminal, `flaky history --test`).
pub fn text_lines(d: &Diagnosis) -> Vec<String> {
    let mut lines = vec![format!(
        "{}{}",
        d.summary,
        if d.proven { "" } else { " (not proven)" }
    )];
    lines.extend(
        details(d)
            .iter()
            .map(|x| format!("  {}{}", head(x, str::to_owned), x.text)),
    );
    if let Some(r) = &d.repro {
        lines.push("  repro:".to_owned());
        lines.extend(r.lines().map(|l| format!("    {l}")));
    }
    lines
}

pub fn render_diagnoses_table(
    report: &DiagnoseReport,
    out: &mut dyn Write,
    color: bool,
) -> io::Result<()> {
    let bold = |s: &str| {
        if color {
            console::Style::new()
                .bold()
                .force_styling(true)
                .apply_to(s)
                .to_string()
        } else {
            s.to_owned()
        }
    };
    writeln!(
        out,
        "{} {} test{} of run {} in {}{}",
        bold("flaky diagnose:"),
        report.tests.len(),
        if report.tests.len() == 1 { "" } else { "s" },
        report.run_id,
        super::duration_text(std::time::Duration::from_millis(report.duration_ms)),
        header_note(report)
    )?;
    for d in &report.tests {
        writeln!(out)?;
        writeln!(
            out,
            "{} ({} attempts, {})",
            bold(&d.test),
            d.attempts,
            super::duration_text(std::time::Duration::from_millis(d.duration_ms))
        )?;
        for line in text_lines(d) {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

fn header_note(report: &DiagnoseReport) -> String {
    if report.interrupted && report.tests.is_empty() {
        "; interrupted before a test was settled".to_owned()
    } else if report.interrupted {
        "; interrupted, the tests above were finished".to_owned()
    } else if report.budget_spent {
        format!(
            "; the budget ({}) ended it before every test was settled",
            super::duration_text(std::time::Duration::from_millis(report.budget_ms))
        )
    } else {
        String::new()
    }
}

pub fn render_diagnoses_json(report: &DiagnoseReport, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// A diagnosis as a Markdown list item (its repro as a code block).
pub(super) fn markdown_item(d: &Diagnosis) -> String {
    let mut s = format!(
        "- `{}`: **{}**{}: {}\n",
        code_safe(&d.test),
        d.cause.as_str(),
        if d.proven { "" } else { " (not proven)" },
        md_with_code(finding(d))
    );
    for x in details(d) {
        let _ = writeln!(
            s,
            "  - {}{}",
            head(&x, |p| format!("`{}`", code_safe(p))),
            md_with_code(&x.text)
        );
    }
    if let Some(r) = &d.repro {
        s.push_str("\n  repro:\n\n");
        for line in code_block("sh", r).lines() {
            let _ = writeln!(s, "  {line}");
        }
    }
    s
}

pub fn render_diagnoses_markdown(report: &DiagnoseReport, out: &mut dyn Write) -> io::Result<()> {
    let mut s = format!(
        "### flaky diagnose: run `{}`\n\n{} test{} in {}{}\n\n",
        code_safe(&report.run_id),
        report.tests.len(),
        if report.tests.len() == 1 { "" } else { "s" },
        super::duration_text(std::time::Duration::from_millis(report.duration_ms)),
        header_note(report)
    );
    for d in &report.tests {
        s.push_str(&markdown_item(d));
    }
    out.write_all(s.as_bytes())
}

/// A diagnosis as `templates/diagnosis.html` shows it (the run report's section, and the page
/// of `flaky diagnose`).
pub(super) struct DiagnosisItem<'a> {
    pub(super) test: &'a str,
    pub(super) cause: &'static str,
    pub(super) proven: bool,
    pub(super) finding: &'a str,
    pub(super) details: Vec<Detail>,
    pub(super) repro: Option<&'a str>,
}

pub(super) fn html_items(tests: &[Diagnosis]) -> Vec<DiagnosisItem<'_>> {
    tests
        .iter()
        .map(|d| DiagnosisItem {
            test: &d.test,
            cause: d.cause.as_str(),
            proven: d.proven,
            finding: finding(d),
            details: details(d),
            repro: d.repro.as_deref(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "diagnose.html")]
struct DiagnosePage<'a> {
    title: String,
    summary: String,
    items: Vec<DiagnosisItem<'a>>,
}

pub fn render_diagnoses_html(report: &DiagnoseReport, out: &mut dyn Write) -> io::Result<()> {
    DiagnosePage {
        title: format!("flaky diagnose: run {}", report.run_id),
        summary: format!(
            "{} test{} in {}{}",
            report.tests.len(),
            if report.tests.len() == 1 { "" } else { "s" },
            super::duration_text(std::time::Duration::from_millis(report.duration_ms)),
            header_note(report)
        ),
        items: html_items(&report.tests),
    }
    .write_into(out)
}
