//! Parses RSpec's `--format json` report.
//!
//! Test ids are `<file>::<full description>`, with the file as RSpec wrote it minus its leading
//! `./` (`spec/cart_spec.rb::Cart totals add up`). The caller reruns one with
//! `rspec <file> -E '\A<full description, regex-escaped>\z'` (`-e` matches a substring). Line
//! numbers and RSpec's positional ids (`[1:2:1]`) are left out on purpose: both change whenever a
//! test is added above, and the history must keep following the same test across commits.
//! Examples generated in a loop with the same description share an id; duplicates are all kept.
//!
//! `passed` is [`Outcome::Pass`], `failed` [`Outcome::Fail`], `pending` (including `skip` and
//! examples with no body) [`Outcome::Skip`]. Errors outside of examples (a spec file that does
//! not load, a failing `after(:context)` hook) become [`Outcome::Error`] results:
//! `<file>::(load error)` when RSpec names the file it could not load, `(outside examples)`
//! otherwise.

use serde::Deserialize;

use super::Parsed;
use super::jest::{decode, first_lines, locate_json, seconds};
use crate::model::{Outcome, TestResult};

/// Parses RSpec's JSON report (also when it sits in stdout after other output).
pub fn parse(report: &[u8]) -> Parsed {
    let text = decode(report)?;
    let parsed: Report = locate_json(&text, |r: &Report| r.examples.is_some(), "RSpec")?;
    let mut results: Vec<TestResult> = parsed
        .examples
        .iter()
        .flatten()
        .map(example_result)
        .collect();
    let outside = parsed
        .summary
        .and_then(|s| s.errors_outside_of_examples_count)
        .unwrap_or(0);
    if outside > 0 {
        let before = results.len();
        let errors = parsed
            .messages
            .iter()
            .flatten()
            .filter_map(|m| outside_error(m));
        results.extend(errors);
        if results.len() == before {
            results.push(error_result(
                "(outside examples)".to_owned(),
                format!("RSpec counted {outside} error(s) outside of examples"),
            ));
        }
    }
    Ok(results)
}

#[derive(Deserialize)]
struct Report {
    examples: Option<Vec<Example>>,
    messages: Option<Vec<String>>,
    summary: Option<Summary>,
}

#[derive(Deserialize)]
struct Summary {
    errors_outside_of_examples_count: Option<u64>,
}

#[derive(Deserialize)]
struct Example {
    id: Option<String>,
    description: Option<String>,
    full_description: Option<String>,
    status: Option<String>,
    file_path: Option<String>,
    run_time: Option<f64>,
    exception: Option<Exception>,
}

#[derive(Deserialize)]
struct Exception {
    class: Option<String>,
    message: Option<String>,
}

fn example_result(example: &Example) -> TestResult {
    // RSpec's own id is `./spec/x_spec.rb[1:2]`: the file is before the bracket.
    let from_id = example
        .id
        .as_deref()
        .map(|id| id.split('[').next().unwrap_or(id));
    let file = example
        .file_path
        .as_deref()
        .or(from_id)
        .unwrap_or("(unknown file)");
    let file = file.strip_prefix("./").unwrap_or(file);
    let description = example
        .full_description
        .as_deref()
        .or(example.description.as_deref())
        .unwrap_or("(no description)");
    let (outcome, message) = match example.status.as_deref().unwrap_or("") {
        "passed" => (Outcome::Pass, None),
        "failed" => (
            Outcome::Fail,
            Some(failure_message(example.exception.as_ref())),
        ),
        "pending" => (Outcome::Skip, None),
        other => (
            Outcome::Error,
            Some(format!("the report gave the unknown status \"{other}\"")),
        ),
    };
    TestResult {
        id: format!("{file}::{description}"),
        outcome,
        duration: seconds(example.run_time),
        message,
    }
}

/// `Class: message`, without the class for RSpec's own expectation failures (their message
/// already says "expected ... got ...").
fn failure_message(exception: Option<&Exception>) -> String {
    let class = exception.and_then(|e| e.class.as_deref());
    let text = exception
        .and_then(|e| e.message.as_deref())
        .and_then(first_lines);
    match (class, text) {
        (Some(class), Some(text)) if !class.starts_with("RSpec::Expectations::") => {
            format!("{class}: {text}")
        }
        (_, Some(text)) => text,
        (Some(class), None) => class.to_owned(),
        (None, None) => "the example failed without an error message".to_owned(),
    }
}

/// One error of `messages`, if the message is one: RSpec also puts notices there ("No examples
/// found.", "Run options: ...").
fn outside_error(message: &str) -> Option<TestResult> {
    let text = message.trim_start();
    if !text.starts_with("An error occurred") {
        return None;
    }
    let first = text.lines().next().unwrap_or("");
    let id = match first.strip_prefix("An error occurred while loading ") {
        Some(file) => {
            let file = file.strip_suffix('.').unwrap_or(file);
            format!("{}::(load error)", file.strip_prefix("./").unwrap_or(file))
        }
        None => "(outside examples)".to_owned(),
    };
    Some(error_result(
        id,
        first_lines(text).unwrap_or_else(|| first.to_owned()),
    ))
}

fn error_result(id: String, message: String) -> TestResult {
    TestResult {
        id,
        outcome: Outcome::Error,
        duration: std::time::Duration::ZERO,
        message: Some(message),
    }
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
                let report = include_bytes!(concat!("../../tests/fixtures/rspec/", $path));
                insta::assert_snapshot!(render(&parse(report)));
            }
        )*};
    }

    fixture_snapshots! {
        pass => "pass.json",
        fail => "fail.json",
        skipped => "skipped.json",
        load_error => "load-error.json",
        missing_require => "missing-require.json",
        hook => "hook.json",
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
            include_bytes!("../../tests/fixtures/rspec/hook.json"),
            parse,
        );
        never_panics(
            include_bytes!("../../tests/fixtures/rspec/load-error.json"),
            parse,
        );
    }

    #[test]
    fn empty_whitespace_and_other_json() {
        assert_eq!(parse(b""), Err(ParseError::Empty));
        assert_eq!(parse(b"\r\n "), Err(ParseError::Empty));
        assert_eq!(parse(br#"{"examples": []}"#), Ok(vec![]));
        assert_eq!(
            parse(br#"{"version": "3.12.0"}"#),
            Err(ParseError::Malformed("not a RSpec JSON report".into()))
        );
    }

    #[test]
    fn the_report_may_follow_other_output_and_lack_fields() {
        let report = b"Run options: include {:focus=>true}\n{\"examples\": [\
            {\"id\": \"./spec/a_spec.rb[1:1]\", \"status\": \"failed\"},\
            {\"description\": \"d\", \"status\": \"weird\", \"run_time\": -1}],\
            \"summary\": {\"errors_outside_of_examples_count\": 2}, \"messages\": [\"No examples found.\"]}\n";
        let results = parse(report).unwrap();
        assert_eq!(results[0].id, "spec/a_spec.rb::(no description)");
        assert_eq!(
            results[0].message.as_deref(),
            Some("the example failed without an error message")
        );
        assert_eq!(results[1].id, "(unknown file)::d");
        assert_eq!(results[1].outcome, Outcome::Error);
        assert_eq!(results[2].id, "(outside examples)");
        assert_eq!(
            results[2].message.as_deref(),
            Some("RSpec counted 2 error(s) outside of examples")
        );
    }
}
