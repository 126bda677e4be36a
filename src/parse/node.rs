//! Parses the JSON lines that flaky's node:test reporter (`src/framework/node_reporter.mjs`)
//! writes: one line per `test:start`, `test:pass` and `test:fail` event, and the first lines a
//! test file printed to stderr.
//!
//! Test ids are `<file>::<suite> > <inner> > <test>`, the file relative to the project as the
//! jest parser makes it (see [`super::jest`]): node's JUnit reporter has no file, so two files
//! with a test of the same name would read as one test. Events without a file (Node before 20)
//! give the name path alone.
//!
//! node reports suites (`describe`) and tests with subtests as tests too. A suite is left out
//! unless it failed for a reason of its own: a failing `before` hook (or the suite's timeout)
//! cancels the suite's tests, which are then [`Outcome::Error`] (or [`Outcome::Timeout`]) with
//! the suite's error as their message; a failing `after` hook makes the suite itself one
//! [`Outcome::Error`] result. A test with subtests is left out when it passed or failed only
//! because a subtest did, and is a result of its own when it failed itself.
//!
//! node names the file where `test()` was called, which may be a helper module the test file
//! imported: a nested test's id takes the file of its top-level test.
//!
//! A test file that failed outside its tests (a syntax error, a missing module, `process.exit`)
//! is reported by node as a test named after the file's absolute path: it becomes
//! `<file>::(file)`, [`Outcome::Error`], with the error line the file printed to stderr.
//!
//! `skip` and `todo` tests are [`Outcome::Skip`]; tests node skipped because they do not match
//! `--test-name-pattern` did not run and are left out (and so, by the caller, are the tests that
//! ran beside a selection: see [`crate::framework::drop_unselected`]). node's own timeout is
//! [`Outcome::Timeout`]; a test cancelled because its parent ended first is [`Outcome::Error`]. A
//! test that started and never ended (its process died, or the report was cut off) is
//! [`Outcome::Error`]. A line that is not JSON (a report cut mid-line) is skipped; a report where
//! no line is one of the reporter's is malformed.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::jest::{Relativizer, decode, first_lines, millis};
use super::{ParseError, Parsed};
use crate::model::{Outcome, TestResult};

/// The skip reason node gives a test that `--test-name-pattern` left out.
const NOT_SELECTED: &str = "test name does not match pattern";

/// Parses the reporter's lines, with file paths relative to a root guessed from the report.
pub fn parse(report: &[u8]) -> Parsed {
    parse_with(report, None)
}

/// Parses the reporter's lines, with file paths relative to `root` (the project directory the
/// command ran in). Paths outside `root` stay absolute.
pub fn parse_relative_to(report: &[u8], root: &Path) -> Parsed {
    parse_with(report, Some(&root.to_string_lossy()))
}

#[derive(Deserialize)]
struct Event {
    event: String,
    name: Option<String>,
    nesting: Option<usize>,
    file: Option<String>,
    #[serde(default)]
    suite: bool,
    skip: Option<String>,
    todo: Option<String>,
    duration_ms: Option<f64>,
    error: Option<Failure>,
    text: Option<String>,
}

#[derive(Deserialize)]
struct Failure {
    #[serde(rename = "type")]
    kind: Option<String>,
    message: Option<String>,
    cause: Option<String>,
}

impl Failure {
    fn kind(&self) -> &str {
        self.kind.as_deref().unwrap_or("")
    }

    /// node's own timeout is a timeout; a test cancelled or stopped by a hook did not fail on
    /// its own account.
    fn outcome(&self) -> Outcome {
        match self.kind() {
            "testTimeoutFailure" => Outcome::Timeout,
            "cancelledByParent" | "hookFailed" => Outcome::Error,
            _ => Outcome::Fail,
        }
    }

    /// The thrown error's first lines (node's `message` is its wrapper's, such as "failed
    /// running before hook", when the cause is the thrown error).
    fn text(&self) -> Option<String> {
        let cause = self.cause.as_deref().and_then(first_lines);
        let message = self.message.as_deref().and_then(first_lines);
        match (message, cause) {
            (Some(m), Some(c)) if m != c && self.kind() == "hookFailed" => {
                Some(format!("{m}: {c}"))
            }
            (m, c) => c.or(m),
        }
    }
}

/// A test (or suite) that started and has not ended yet.
struct Open<'a> {
    name: String,
    /// The file node names: where `test()` was called, which may be a helper the test file
    /// imported; the id's file is its top-level entry's.
    file: Option<&'a str>,
    has_children: bool,
    ended: bool,
}

/// One result, with what the suite pass needs to know of it.
struct Found {
    result: TestResult,
    file: Option<String>,
    path: Vec<String>,
    cancelled: bool,
}

fn parse_with(report: &[u8], root: Option<&str>) -> Parsed {
    let text = decode(report)?;
    let events: Vec<Event> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<Event>(line.trim()).ok())
        .filter(|e| matches!(e.event.as_str(), "start" | "pass" | "fail" | "stderr"))
        .collect();
    if events.is_empty() {
        return Err(ParseError::Malformed(
            "no line is an event of flaky's node:test reporter".to_owned(),
        ));
    }
    let paths = Relativizer::new(root, events.iter().filter_map(|e| e.file.as_deref()));
    // node reports each file's tests in order, one file after another: one chain of open tests
    // (entry i at nesting i) says where each event stands.
    let mut open: Vec<Open<'_>> = Vec::new();
    let mut stderr: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut found: Vec<Found> = Vec::new();
    for e in &events {
        let name = e.name.as_deref().unwrap_or("(unnamed)");
        let nesting = e.nesting.unwrap_or(0);
        match e.event.as_str() {
            "stderr" => {
                if let (Some(file), Some(text)) = (e.file.as_deref(), e.text.as_deref()) {
                    stderr.entry(file).or_default().push(text);
                }
            }
            "start" => {
                open.truncate(nesting);
                if let Some(parent) = open.last_mut() {
                    parent.has_children = true;
                }
                open.push(Open {
                    name: name.to_owned(),
                    file: e.file.as_deref(),
                    has_children: false,
                    ended: false,
                });
            }
            _ => {
                let mut path: Vec<String> =
                    open.iter().take(nesting).map(|o| o.name.clone()).collect();
                path.push(name.to_owned());
                let file = open
                    .first()
                    .filter(|_| nesting > 0)
                    .map_or(e.file.as_deref(), |top| top.file);
                let has_children = match open.get_mut(nesting) {
                    Some(o) if o.name == name => {
                        o.ended = true;
                        o.has_children
                    }
                    _ => false,
                };
                let ended = Ended {
                    event: e,
                    file,
                    path,
                    has_children,
                };
                ended.judge(&paths, &stderr, &mut found);
            }
        }
    }
    let top_file = open.first().and_then(|o| o.file);
    for (at, o) in open.iter().enumerate() {
        if o.ended || o.has_children {
            continue;
        }
        let path: Vec<String> = open[..=at].iter().map(|p| p.name.clone()).collect();
        found.push(Found {
            result: TestResult {
                id: id(&paths, top_file, &path),
                outcome: Outcome::Error,
                duration: Default::default(),
                message: Some(
                    "the test never ended: its test process died or the report was cut off"
                        .to_owned(),
                ),
            },
            file: top_file.map(str::to_owned),
            path,
            cancelled: false,
        });
    }
    Ok(found.into_iter().map(|f| f.result).collect())
}

/// A `pass` or `fail` event with where it stands.
struct Ended<'a> {
    event: &'a Event,
    file: Option<&'a str>,
    path: Vec<String>,
    has_children: bool,
}

impl Ended<'_> {
    /// Adds the event's result to `found`, or, for a suite whose hook failed, gives its error to
    /// the tests it cancelled.
    fn judge(self, paths: &Relativizer, stderr: &HashMap<&str, Vec<&str>>, found: &mut Vec<Found>) {
        let e = self.event;
        let failure = e.error.as_ref().filter(|_| e.event == "fail");
        let own_failure = failure.filter(|f| f.kind() != "subtestsFailed");
        if e.skip.as_deref() == Some(NOT_SELECTED) {
            return;
        }
        if e.suite || self.has_children {
            let Some(f) = own_failure else { return };
            let message = f.text();
            // A failing `before` hook or the suite's own timeout cancels its tests: they take
            // its error (and a timeout stays a timeout).
            let mut gave = false;
            for t in found.iter_mut().filter(|t| {
                t.cancelled
                    && t.file.as_deref() == self.file
                    && t.path.len() > self.path.len()
                    && t.path.starts_with(&self.path)
            }) {
                t.result.message.clone_from(&message);
                if f.kind() == "testTimeoutFailure" {
                    t.result.outcome = Outcome::Timeout;
                }
                t.cancelled = false;
                gave = true;
            }
            if !gave {
                // A suite's `after` hook, or a test that failed itself after its subtests.
                let outcome = if e.suite { Outcome::Error } else { f.outcome() };
                self.push(paths, outcome, message, found);
            }
            return;
        }
        let file_level = self.path.len() == 1 && self.file == Some(self.path[0].as_str());
        if file_level {
            if let Some(f) = failure {
                let printed = self.file.and_then(|file| stderr.get(file));
                let message = printed
                    .and_then(|lines| error_line(lines))
                    .or_else(|| {
                        Some(format!(
                            "the test file failed outside its tests: its process ended before it reported them (node says: {})",
                            f.text().unwrap_or_else(|| "test failed".to_owned())
                        ))
                    });
                let result = TestResult {
                    id: format!(
                        "{}::(file)",
                        self.file.map_or_else(String::new, |f| paths.apply(f))
                    ),
                    outcome: Outcome::Error,
                    duration: millis(e.duration_ms),
                    message,
                };
                found.push(Found {
                    result,
                    file: self.file.map(str::to_owned),
                    path: self.path,
                    cancelled: false,
                });
            }
            return;
        }
        let (outcome, message) = if e.skip.is_some() || e.todo.is_some() {
            (Outcome::Skip, None)
        } else if let Some(f) = failure {
            (f.outcome(), f.text().or_else(|| Some("failed".to_owned())))
        } else {
            (Outcome::Pass, None)
        };
        let cancelled = failure.is_some_and(|f| f.kind() == "cancelledByParent");
        self.push(paths, outcome, message, found);
        if let Some(last) = found.last_mut() {
            last.cancelled = cancelled;
        }
    }

    fn push(
        self,
        paths: &Relativizer,
        outcome: Outcome,
        message: Option<String>,
        found: &mut Vec<Found>,
    ) {
        found.push(Found {
            result: TestResult {
                id: id(paths, self.file, &self.path),
                outcome,
                duration: millis(self.event.duration_ms),
                message,
            },
            file: self.file.map(str::to_owned),
            path: self.path,
            cancelled: false,
        });
    }
}

fn id(paths: &Relativizer, file: Option<&str>, path: &[String]) -> String {
    let names = path.join(" > ");
    match file {
        Some(file) => format!("{}::{names}", paths.apply(file)),
        None => names,
    }
}

/// The line of a file's stderr that names its error (`SyntaxError: Unexpected token ';'`,
/// `Error: Cannot find module './x'`), with the next line when it lists what required it.
fn error_line(lines: &[&str]) -> Option<String> {
    let text: String = lines.concat();
    let line = text.lines().map(str::trim).find(|l| {
        let head = l.split(':').next().unwrap_or("");
        l.contains(": ")
            && !head.contains(' ')
            && (head.ends_with("Error") || head.ends_with("Exception"))
    })?;
    first_lines(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::jest::tests::render;
    use crate::parse::testing::never_panics;

    macro_rules! fixture_snapshots {
        ($($name:ident => $path:literal,)*) => {$(
            #[test]
            fn $name() {
                let report = include_bytes!(concat!("../../tests/fixtures/node/", $path));
                insta::assert_snapshot!(render(&parse(report)));
            }
        )*};
    }

    fixture_snapshots! {
        pass => "pass.jsonl",
        fail => "fail.jsonl",
        skip => "skip.jsonl",
        error => "error.jsonl",
        more_errors => "more-errors.jsonl",
        helper => "helper.jsonl",
        selected => "selected.jsonl",
        duplicates => "duplicates.jsonl",
        truncated => "truncated.jsonl",
        non_utf8 => "non-utf8.jsonl",
    }

    #[test]
    fn no_fixture_panics() {
        for report in [
            &include_bytes!("../../tests/fixtures/node/error.jsonl")[..],
            include_bytes!("../../tests/fixtures/node/more-errors.jsonl"),
        ] {
            never_panics(report, parse);
        }
    }

    #[test]
    fn empty_and_foreign_reports_are_errors() {
        assert_eq!(parse(b""), Err(ParseError::Empty));
        assert_eq!(parse(b"\n \n"), Err(ParseError::Empty));
        for foreign in [
            &include_bytes!("../../tests/fixtures/node/fail.xml")[..],
            include_bytes!("../../tests/fixtures/node/malformed.xml"),
            b"{\"event\": \"diagnostic\"}\n[1, 2]\n",
        ] {
            assert!(
                matches!(parse(foreign), Err(ParseError::Malformed(_))),
                "{:?}",
                parse(foreign)
            );
        }
    }

    #[test]
    fn ids_are_relative_to_the_project() {
        let report = include_bytes!("../../tests/fixtures/node/fail.jsonl");
        let ids: Vec<String> = parse_relative_to(report, Path::new("/tmp/flaky-capture/node"))
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert!(
            ids.contains(&"test/math.test.js::slug > lowercases".to_owned()),
            "{ids:?}"
        );
        assert!(
            ids.contains(&"test/registry.test.js::register item".to_owned()),
            "{ids:?}"
        );
    }

    #[test]
    fn events_without_a_file_give_the_name_path() {
        let report = b"{\"event\":\"start\",\"name\":\"s\",\"nesting\":0}\n\
            {\"event\":\"start\",\"name\":\"t\",\"nesting\":1}\n\
            {\"event\":\"fail\",\"name\":\"t\",\"nesting\":1,\"error\":{\"type\":\"testCodeFailure\",\"message\":\"boom\",\"cause\":\"boom\"}}\n\
            {\"event\":\"fail\",\"name\":\"s\",\"nesting\":0,\"suite\":true,\"error\":{\"type\":\"subtestsFailed\"}}\n";
        let r = parse(report).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].id.as_str(), r[0].outcome), ("s > t", Outcome::Fail));
        assert_eq!(r[0].message.as_deref(), Some("boom"));
    }
}
