//! `flaky scan --format sarif`: SARIF 2.1.0, the format code-scanning tools (GitHub's among them)
//! read. One run; a rule per rule id seen; one result per finding, located relative to the scan
//! root (`%SRCROOT%`), with a fingerprint that survives edits elsewhere in the file.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};

use crate::analysis::Severity;
use crate::scan::{Finding, ScanReport, rules};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

pub fn render_sarif(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in &report.findings {
        rules.entry(f.rule).or_insert(f);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, r)| (*r, i)).collect();
    let rules: Vec<Value> = rules
        .values()
        .map(|f| {
            // Every finding's rule is in the registry; the category stands in should one not be.
            let rule = rules::find(f.rule);
            let summary = rule.map_or_else(|| f.category.description().to_owned(), |r| r.summary.to_owned());
            let help = rule
                .map(|r| r.doc)
                .filter(|d| !d.is_empty())
                .map_or_else(|| json!({ "text": f.hint }), |doc| json!({ "text": doc, "markdown": doc }));
            json!({
                "id": f.rule,
                "name": rule_name(f.rule),
                "shortDescription": { "text": format!("Flakiness smell: {summary}") },
                "fullDescription": { "text": format!("{}: {summary} ({}).", f.rule, f.category.description()) },
                "help": help,
                "defaultConfiguration": { "level": level(f.severity) },
                "properties": {
                    "tags": ["flakiness", f.category.as_str()],
                    "precision": f.confidence.as_str(),
                    "problem.severity": problem_severity(f.severity),
                },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut message = f.message.clone();
            if let Some(t) = &f.test {
                message.push_str(&format!(" (in test {t})"));
            } else if let Some(r) = f.reached_from.first() {
                message.push_str(&format!(
                    " (reached from test {}::{} via {})",
                    r.file,
                    r.test,
                    r.via.join(" -> ")
                ));
            }
            message.push_str(&format!(". Fix: {}", f.hint));
            json!({
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": level(f.severity),
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&f.file), "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": f.end_line,
                            "endColumn": f.end_column,
                            "snippet": { "text": f.excerpt },
                        },
                    },
                }],
                "partialFingerprints": { "flakySmell/v1": fingerprint(f) },
                "properties": {
                    "category": f.category.as_str(),
                    "severity": f.severity.as_str(),
                    "confidence": f.confidence.as_str(),
                    "test": f.test,
                    "function": f.function,
                },
            })
        })
        .collect();
    let root =
        std::fs::canonicalize(&report.root).unwrap_or_else(|_| Path::new(&report.root).into());
    let mut root_uri = format!("file://{}", uri(&root.to_string_lossy()));
    if !root_uri.ends_with('/') {
        root_uri.push('/');
    }
    // Files not scanned and comments that silence nothing: the run's notifications.
    let notice = |(id, level): (&str, &str), file: &str, line: Option<u32>, text: &str| {
        let mut physical =
            json!({ "artifactLocation": { "uri": uri(file), "uriBaseId": "%SRCROOT%" } });
        if let Some(line) = line {
            physical["region"] = json!({ "startLine": line });
        }
        json!({
            "descriptor": { "id": id },
            "level": level,
            "message": { "text": text },
            "locations": [{ "physicalLocation": physical }],
        })
    };
    let not_scanned = report.errors.iter().map(|e| {
        let text = format!("not scanned: {}", e.message);
        notice(("not-scanned", "error"), &e.file, None, &text)
    });
    let unknown = report.warnings.iter().map(|w| {
        let id = ("unknown-suppression", "warning");
        notice(id, &w.file, Some(w.line), &w.message)
    });
    let notifications: Vec<Value> = not_scanned.chain(unknown).collect();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "flaky",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                },
            },
            "originalUriBaseIds": { "%SRCROOT%": { "uri": root_uri } },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// `py/time-sleep` -> `TimeSleep` (SARIF's rule name is an identifier-like label).
fn rule_name(rule: &str) -> String {
    rule.split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|first| first.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

const fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::None => "note",
    }
}

/// GitHub's `problem.severity` property.
const fn problem_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::None => "recommendation",
    }
}

/// Percent-encodes what a URI path may not hold as is.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// FNV-1a over what identifies the smell, not its line: rule, file, unit and code.
fn fingerprint(f: &Finding) -> String {
    let unit = f.test.as_deref().or(f.function.as_deref()).unwrap_or("");
    let code: String = f.excerpt.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [f.rule, f.file.as_str(), unit, code.as_str()] {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}
