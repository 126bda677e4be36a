//! JUnit XML with Maven Surefire's flakiness markers, as nextest writes them too: a test that
//! failed and also passed is a passing `<testcase>` with one `<flakyFailure>` per way it failed;
//! a test that never passed has a `<failure>` (or `<error>`) and a `<rerunFailure>` (or
//! `<rerunError>`) for each other way. CI dashboards that read Surefire reports show both.

use std::io::{self, Write};

use super::markdown::{ci_text, one_line};
use super::{QuarantineNote, Report, Verdict, percent};
use crate::analysis::{Kind, TestStats};
use crate::diagnose::Diagnosis;

/// Retry elements per test case: the signatures a test keeps.
const MAX_ELEMENTS: usize = 10;

pub fn render_junit(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let quarantined = |t: &TestStats| quarantine_of(report, &t.id).is_some();
    let failures = report
        .tests
        .iter()
        .filter(|t| never_passed(t) && !all_errors(t) && !quarantined(t))
        .count();
    let errors = report
        .tests
        .iter()
        .filter(|t| never_passed(t) && all_errors(t) && !quarantined(t))
        .count();
    let skipped = report
        .tests
        .iter()
        .filter(|t| t.runs == 0 || quarantined(t))
        .count();
    // JUnit's schema wants a local time without a zone; flaky's times are UTC.
    let timestamp = humantime::format_rfc3339_seconds(report.started_at).to_string();
    let timestamp = timestamp.trim_end_matches('Z');
    let counts = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{:.3}\" timestamp=\"{timestamp}\"",
        report.tests.len(),
        report.duration.as_secs_f64()
    );
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<testsuites name="flaky" {counts}>"#)?;
    writeln!(out, r#"  <testsuite name="flaky" {counts}>"#)?;
    writeln!(out, "    <properties>")?;
    let framework = report.framework.as_deref().unwrap_or("none");
    let properties = [
        ("run_id", report.run_id.clone()),
        ("seed", report.seed.to_string()),
        ("command", report.test_label()),
        ("framework", framework.to_owned()),
        ("order", report.order.as_str().to_owned()),
        ("attempts", report.totals.attempts.to_string()),
        ("status", report.state.as_str().to_owned()),
    ];
    for (name, value) in properties {
        writeln!(
            out,
            r#"      <property name="{name}" value="{}"/>"#,
            escape(&value)
        )?;
    }
    writeln!(out, "    </properties>")?;
    for t in &report.tests {
        testcase(
            t,
            report.diagnosis(&t.id),
            quarantine_of(report, &t.id),
            out,
        )?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

fn never_passed(t: &TestStats) -> bool {
    t.failed > 0 && t.passed == 0
}

fn all_errors(t: &TestStats) -> bool {
    t.errors == t.failed
}

/// The quarantine entry `flaky ci` found covering test `id`, if any.
fn quarantine_of<'a>(report: &'a Report, id: &str) -> Option<&'a QuarantineNote> {
    report
        .ci
        .as_ref()?
        .verdicts
        .iter()
        .find(|v| v.test == id && v.verdict == Verdict::Quarantined)?
        .quarantine
        .as_ref()
}

fn testcase(
    t: &TestStats,
    diagnosis: Option<&Diagnosis>,
    quarantine: Option<&QuarantineNote>,
    out: &mut dyn Write,
) -> io::Result<()> {
    // `classname::name` is how JUnit readers (flaky's own among them) rebuild the id.
    let (classname, name) = t.id.rsplit_once("::").unwrap_or(("", &t.id));
    // flaky keeps no per-test durations across attempts, so the time is unknown: 0.
    let classname = if classname.is_empty() {
        String::new()
    } else {
        format!(r#" classname="{}""#, escape(classname))
    };
    let open = format!(
        r#"    <testcase{classname} name="{}" time="0""#,
        escape(name)
    );
    // A quarantined test's failures do not fail the build: skipped, saying why and what it did.
    if let Some(q) = quarantine {
        let message = format!(
            "{}; failed {} of {} runs",
            super::ci::quarantine_text(q),
            t.failed,
            t.runs
        );
        return writeln!(
            out,
            "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
            escape(&message)
        );
    }
    if t.failed == 0 {
        return if t.runs == 0 {
            writeln!(out, "{open}>\n      <skipped/>\n    </testcase>")
        } else {
            writeln!(out, "{open}/>")
        };
    }
    writeln!(out, "{open}>")?;
    let kind = if t.kind == Kind::Timeout {
        "timeout"
    } else {
        t.kind.as_str()
    };
    let mut summary = format!(
        "{}: failed {} of {} runs ({}, 95% CI {})",
        t.kind,
        t.failed,
        t.runs,
        percent(t.failure_rate),
        ci_text(t)
    );
    if let Some(d) = diagnosis {
        summary.push_str(&format!(
            "; why: {}{}",
            d.summary,
            if d.proven { "" } else { " (not proven)" }
        ));
        if let Some(r) = &d.repro {
            summary.push_str(&format!("; repro: {r}"));
        }
    }
    let (first, rest) = match (never_passed(t), all_errors(t)) {
        (false, false) => ("flakyFailure", "flakyFailure"),
        (false, true) => ("flakyError", "flakyError"),
        (true, false) => ("failure", "rerunFailure"),
        (true, true) => ("error", "rerunError"),
    };
    if t.signatures.is_empty() {
        writeln!(
            out,
            r#"      <{first} message="{}" type="{kind}">{}</{first}>"#,
            escape(&summary),
            escape(&summary)
        )?;
    }
    // A test that never passed failed first and then in every rerun: Surefire's `<failure>`
    // and `<rerunFailure>` elements, one of the latter for the reruns of each way it failed.
    // A flaky test's failures are all `<flakyFailure>`.
    let mut elements = Vec::new();
    for sig in &t.signatures {
        if first == rest || !elements.is_empty() {
            elements.push((rest, sig.count, sig));
        } else {
            elements.push((first, 1, sig));
            if sig.count > 1 {
                elements.push((rest, sig.count - 1, sig));
            }
        }
    }
    for (tag, count, sig) in elements.into_iter().take(MAX_ELEMENTS) {
        let message = format!(
            "{count}× {}",
            one_line(&sig.example, super::markdown::MESSAGE_CHARS)
        );
        let body = format!(
            "{summary}; {count} {} this way, first in attempt {}:\n{}",
            if count == 1 { "failure" } else { "failures" },
            sig.first_attempt,
            sig.example
        );
        writeln!(
            out,
            r#"      <{tag} message="{}" type="{kind}">{}</{tag}>"#,
            escape(&message),
            escape(&body)
        )?;
    }
    writeln!(out, "    </testcase>")
}

/// Text for an XML attribute or element: markup characters as entities, line breaks and tabs as
/// character references (so attributes keep them), and the control characters XML 1.0 forbids
/// (and U+FFFE, U+FFFF) removed.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {}
            c if super::is_bidi_control(c) => out.push_str(&super::bidi_shown(c)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_removes_what_xml_forbids() {
        assert_eq!(
            escape("x & y \"q\" 'z' <a>\u{1}\u{b}\u{fffe}é\n"),
            "x &amp; y &quot;q&quot; &apos;z&apos; &lt;a&gt;é&#10;"
        );
    }
}
