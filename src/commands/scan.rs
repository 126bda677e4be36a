//! `flaky scan`: static flakiness smells in test code.

use anyhow::{Context as _, bail};
use globset::{Glob, GlobSetBuilder};

use crate::cli::{ScanArgs, ScanFormat};
use crate::config::fail_on_arg;
use crate::exit::ExitStatus;
use crate::render;
use crate::reporter::Printer;
use crate::scan::{ScanOptions, rules, scan as scan_tree};

pub fn scan(args: &ScanArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    if let Some(name) = &args.explain {
        return explain(name);
    }
    if args.list_rules {
        return list_rules(args.format);
    }
    if !args.path.exists() {
        bail!(
            "{} does not exist; hint: pass the project directory (or one file) to scan",
            args.path.display()
        );
    }
    let mut globs = GlobSetBuilder::new();
    for g in &args.ignore {
        globs.add(Glob::new(g).with_context(|| {
            format!("--ignore `{g}` is not a valid glob; hint: quote it, e.g. --ignore 'tests/legacy/**'")
        })?);
    }
    let options = ScanOptions {
        ignore: (!args.ignore.is_empty())
            .then(|| globs.build())
            .transpose()
            .context("--ignore: cannot build the globs")?,
        threads: args.jobs.map_or(0, |j| j as usize),
        every: args.every,
        context: args.every,
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

/// `--explain RULE`: the rule's documentation, then where it applies.
fn explain(name: &str) -> anyhow::Result<ExitStatus> {
    let Some(rule) = rules::find(name) else {
        let ids = rules::ALL.iter().map(|r| r.id);
        let mut near: Vec<&str> = ids
            .clone()
            .filter(|id| id.contains(name) || name.contains(id))
            .collect();
        if near.is_empty() {
            near.extend(crate::suggest::closest(name, ids));
        }
        let hint = if near.is_empty() {
            "`flaky scan --list-rules` lists them".to_owned()
        } else {
            format!("did you mean {}?", near.join(", "))
        };
        bail!("no rule is called `{name}`; hint: {hint}");
    };
    let text = format!(
        "{}\n\n---\ncategory: {} · severity: {} · confidence: {} · languages: {} · also {}\nsilence one finding with a `flaky: ignore[{}]` comment on its line or the line above\n",
        rule.doc.trim_end(),
        rule.category.as_str(),
        rule.severity.as_str(),
        rule.confidence.as_str(),
        rule.languages().join(", "),
        rule.aliases().join(", "),
        rule.id
    );
    super::print(text.as_bytes())?;
    Ok(ExitStatus::Success)
}

/// `--list-rules`: every rule, as a table or JSON.
fn list_rules(format: ScanFormat) -> anyhow::Result<ExitStatus> {
    let mut buf = Vec::new();
    match format {
        ScanFormat::Json => {
            let list: Vec<serde_json::Value> = rules::ALL
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "category": r.category,
                        "severity": r.severity.as_str(),
                        "confidence": r.confidence,
                        "languages": r.languages(),
                        "summary": r.summary,
                        "aliases": r.aliases(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut buf, &list)?;
            buf.push(b'\n');
        }
        ScanFormat::Table => render::render_rules(rules::ALL, &mut buf)?,
        ScanFormat::Sarif => bail!(
            "--list-rules is a table or JSON; hint: drop --format sarif, or use --format json"
        ),
    }
    super::print(&buf)?;
    Ok(ExitStatus::Success)
}
