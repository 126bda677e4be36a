//! Parses mocha's `--reporter json` output, which mocha writes to stdout after whatever the tests
//! printed there.
//!
//! Test ids are `<file>::<full title>` (`fullTitle` is the suite titles and the test title joined
//! by spaces, which `mocha <file> --grep '<full title>'` selects). File paths are made relative
//! the way the jest parser does it (see [`super::jest`]); [`parse_relative_to`] takes the project
//! directory instead.
//!
//! `passes` are [`Outcome::Pass`], `pending` [`Outcome::Skip`], `failures` [`Outcome::Fail`], or
//! [`Outcome::Timeout`] when mocha's own timeout fired, or [`Outcome::Error`] for a failing hook,
//! whose id is mocha's title for it (`file::suite "before all" hook for "test"`): the tests that
//! hook kept from running are not in the report at all. Results come in that order (passes,
//! failures, pending); duplicated ids are all kept.
//!
//! A syntax error or a missing module stops mocha before the reporter starts: stdout is then
//! empty ([`super::ParseError::Empty`]) and the reason is on stderr.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::Parsed;
use super::jest::{Relativizer, decode, first_lines, locate_json, millis};
use crate::model::{Outcome, TestResult};

/// Parses mocha's JSON output, with file paths relative to a root guessed from the report.
pub fn parse(report: &[u8]) -> Parsed {
    parse_with(report, None)
}

/// Parses mocha's JSON output, with file paths relative to `root` (the project directory the
/// command ran in). Paths outside `root` stay as the report wrote them.
pub fn parse_relative_to(report: &[u8], root: &Path) -> Parsed {
    parse_with(report, Some(&root.to_string_lossy()))
}

fn parse_with(report: &[u8], root: Option<&str>) -> Parsed {
    let text = decode(report)?;
    let parsed: Report = locate_json(
        &text,
        |r: &Report| r.stats.is_some() || r.tests.is_some(),
        "mocha",
    )?;
    let all = || {
        parsed
            .passes
            .iter()
            .chain(&parsed.failures)
            .chain(&parsed.pending)
    };
    let paths = Relativizer::new(root, all().filter_map(|t| t.file.as_deref()));
    let passes = parsed.passes.iter().map(|t| (t, Outcome::Pass));
    let failures = parsed.failures.iter().map(|t| (t, failure_outcome(t)));
    let pending = parsed.pending.iter().map(|t| (t, Outcome::Skip));
    Ok(passes
        .chain(failures)
        .chain(pending)
        .map(|(test, outcome)| TestResult {
            id: id(&paths, test),
            outcome,
            duration: millis(test.duration),
            message: outcome.is_failure().then(|| message(test)),
        })
        .collect())
}

#[derive(Deserialize)]
struct Report {
    stats: Option<Value>,
    tests: Option<Vec<Value>>,
    #[serde(default)]
    passes: Vec<Test>,
    #[serde(default)]
    failures: Vec<Test>,
    #[serde(default)]
    pending: Vec<Test>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Test {
    title: Option<String>,
    full_title: Option<String>,
    file: Option<String>,
    duration: Option<f64>,
    /// Whatever was thrown, serialised by mocha: usually `message`, `stack`, `name`, `code`,
    /// but a test may throw anything.
    err: Option<Value>,
}

fn id(paths: &Relativizer, test: &Test) -> String {
    let title = test
        .full_title
        .as_deref()
        .or(test.title.as_deref())
        .unwrap_or("(untitled)");
    match test.file.as_deref() {
        Some(file) => format!("{}::{title}", paths.apply(file)),
        None => title.to_owned(),
    }
}

fn failure_outcome(test: &Test) -> Outcome {
    let title = test.title.as_deref().unwrap_or("");
    // mocha titles a failing hook `"before all" hook for "test"`,
    // `"after each" hook: name in "suite"`, ...
    if (title.starts_with("\"before ") || title.starts_with("\"after "))
        && title.contains("\" hook")
    {
        return Outcome::Error;
    }
    let err = test.err.as_ref();
    let code = err.and_then(|e| e.get("code")).and_then(Value::as_str);
    let text = err.and_then(|e| e.get("message")).and_then(Value::as_str);
    if code == Some("ERR_MOCHA_TIMEOUT") || text.is_some_and(|m| m.starts_with("Timeout of ")) {
        Outcome::Timeout
    } else {
        Outcome::Fail
    }
}

/// `Name: message` from the thrown error, falling back to its stack, then to whatever was thrown.
fn message(test: &Test) -> String {
    let err = test.err.as_ref();
    let field = |key: &str| err.and_then(|e| e.get(key)).and_then(Value::as_str);
    let text = field("message")
        .and_then(first_lines)
        .or_else(|| field("stack").and_then(first_lines))
        .or_else(|| {
            err.filter(|e| !is_empty_object(e))
                .and_then(|e| first_lines(&e.to_string()))
        });
    match (field("name"), text) {
        (Some(name), Some(text)) if !text.starts_with(name) => format!("{name}: {text}"),
        (_, Some(text)) => text,
        (_, None) => "the test failed without an error message".to_owned(),
    }
}

fn is_empty_object(value: &Value) -> bool {
    value.as_object().is_some_and(serde_json::Map::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::ParseError;
    use crate::parse::jest::tests::render;
    use crate::parse::testing::never_panics;

    macro_rules! fixture_snapshots {
        ($($name:ident => $path:literal,)*) => {$(
            #[test]
            fn $name() {
                let report = include_bytes!(concat!("../../tests/fixtures/mocha/", $path));
                insta::assert_snapshot!(render(&parse(report)));
            }
        )*};
    }

    fixture_snapshots! {
        pass => "pass.json",
        fail => "fail.json",
        skipped => "skipped.json",
        console => "console.json",
        hook => "hook.json",
        timeout => "timeout.json",
        syntax_error => "syntax-error.json",
        missing_module => "missing-module.json",
        duplicates => "duplicates.json",
        example => "example.json",
        truncated => "truncated.json",
        empty => "empty.json",
        malformed => "malformed.json",
        non_utf8 => "non-utf8.json",
    }

    #[test]
    fn no_fixture_panics() {
        never_panics(
            include_bytes!("../../tests/fixtures/mocha/console.json"),
            parse,
        );
        never_panics(
            include_bytes!("../../tests/fixtures/mocha/hook.json"),
            parse,
        );
    }

    #[test]
    fn finds_the_report_among_console_output() {
        let report = b"{ \"looks\": \"like json\" }\nnoise {\n{\"stats\": {}, \"passes\": [\
            {\"title\": \"t\", \"fullTitle\": \"s t\", \"file\": \"/p/test/a.js\", \"err\": {}}]}\n\
            printed after the report\n{ \"tests\": 1 ";
        let results = parse(report).unwrap();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].id, "test/a.js::s t");
        assert_eq!(results[0].message, None);
    }

    #[test]
    fn output_without_a_report_is_malformed() {
        assert_eq!(parse(b"\n  \n"), Err(ParseError::Empty));
        let no_json = parse(b"Exception during run: boom\n");
        assert_eq!(
            no_json,
            Err(ParseError::Malformed(
                "no mocha JSON report found in the output".into()
            ))
        );
        let other = parse(b"{\"looks\": \"like json\"}");
        assert_eq!(
            other,
            Err(ParseError::Malformed("not a mocha JSON report".into()))
        );
        let broken = parse(b"noise\n{\"stats\": {\n");
        assert!(matches!(broken, Err(ParseError::Malformed(m)) if m.contains("EOF")));
    }

    #[test]
    fn odd_errors_still_give_a_message() {
        let report = br#"{"stats": {}, "failures": [
            {"title": "a", "fullTitle": "a", "err": {"name": "TypeError", "stack": "TypeError: x is not a function\n    at f (a.js:1:2)"}},
            {"title": "b", "fullTitle": "b", "err": {}},
            {"title": "c", "fullTitle": "c", "err": {"weird": 42}},
            {"title": "d", "fullTitle": "d", "err": {"message": "Timeout of 5ms exceeded."}}]}"#;
        let results = parse(report).unwrap();
        let messages: Vec<_> = results
            .iter()
            .map(|r| r.message.as_deref().unwrap())
            .collect();
        assert_eq!(
            messages,
            [
                "TypeError: x is not a function",
                "the test failed without an error message",
                r#"{"weird":42}"#,
                "Timeout of 5ms exceeded."
            ]
        );
        assert_eq!(results[0].id, "a");
        assert_eq!(results[3].outcome, Outcome::Timeout);
    }

    #[test]
    fn paths_can_be_relative_to_a_given_root() {
        let report = include_bytes!("../../tests/fixtures/mocha/pass.json");
        let results =
            parse_relative_to(report, Path::new("/tmp/flaky-fixtures/mocha/pass")).unwrap();
        assert!(
            results.iter().all(|r| r.id.starts_with("test/")),
            "{results:?}"
        );
    }
}
