//! Parses jest's `--json` report and vitest's `--reporter=json` report (jest's layout).
//!
//! Test ids are `<file>::<describe> > <inner> > <title>`: the file selects the test file and the
//! title path selects the test (`jest <file> -t '<names joined by spaces>'`). A test file that
//! failed outside its tests (a syntax error, a missing module, a failing `beforeAll`) becomes one
//! result `<file>::(file)` with outcome [`Outcome::Error`].
//!
//! File paths: jest and vitest write absolute paths and no project root. [`parse`] makes them
//! relative to a root guessed from the bytes alone: the deepest directory shared by every test
//! file, minus trailing conventional test/source directory names (`__tests__`, `test`, `tests`,
//! `spec`, `specs`, `src`, `lib`), so `/p/test/a.test.js` alone and together with
//! `/p/test/b.test.js` gives `test/a.test.js`. A run of a subset of deeply nested files can guess
//! a deeper root than the full run; a caller that knows the project directory should use
//! [`parse_relative_to`].
//!
//! Duplicated ids (the same title twice in one block) are all kept, in report order: the caller
//! decides what they mean.
//!
//! The helpers marked `pub(super)` below are shared with the mocha and rspec parsers.

use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{ParseError, Parsed};
use crate::model::{Outcome, TestResult};

/// Parses a jest or vitest JSON report, with file paths relative to a root guessed from the report.
pub fn parse(report: &[u8]) -> Parsed {
    parse_with(report, None)
}

/// Parses a jest or vitest JSON report, with file paths relative to `root` (the project directory
/// the command ran in). Paths outside `root` stay as the report wrote them.
pub fn parse_relative_to(report: &[u8], root: &Path) -> Parsed {
    parse_with(report, Some(&root.to_string_lossy()))
}

fn parse_with(report: &[u8], root: Option<&str>) -> Parsed {
    let text = decode(report)?;
    // `--outputFile` holds the report alone, but `--json` on stdout can follow other output.
    let parsed: Report = locate_json(
        &text,
        |r: &Report| r.test_results.is_some(),
        "jest or vitest",
    )?;
    let files = parsed.test_results.unwrap_or_default();
    let paths = Relativizer::new(root, files.iter().map(|f| f.name.as_deref().unwrap_or("")));
    let mut results = Vec::new();
    for file in &files {
        let path = paths.apply(file.name.as_deref().unwrap_or("(unnamed file)"));
        let tests = file.assertion_results.as_deref().unwrap_or_default();
        for test in tests {
            results.push(test_result(&path, test));
        }
        if file.status.as_deref() == Some("failed")
            && !tests.iter().any(|t| t.status.as_deref() == Some("failed"))
        {
            results.push(file_error(&path, file));
        }
    }
    Ok(results)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    test_results: Option<Vec<FileResult>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileResult {
    name: Option<String>,
    status: Option<String>,
    message: Option<String>,
    start_time: Option<f64>,
    end_time: Option<f64>,
    assertion_results: Option<Vec<Assertion>>,
    /// Older jest versions put the error of a file that failed to run here.
    test_exec_error: Option<ExecError>,
}

#[derive(Deserialize)]
struct ExecError {
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Assertion {
    #[serde(default, deserialize_with = "js_strings")]
    ancestor_titles: Option<Vec<String>>,
    #[serde(default, deserialize_with = "js_string")]
    title: Option<String>,
    #[serde(default, deserialize_with = "js_string")]
    full_name: Option<String>,
    status: Option<String>,
    duration: Option<f64>,
    failure_messages: Option<Vec<String>>,
}

/// A title as JavaScript turns it into a string: old jest versions (dayjs' jest 22) wrote the
/// title of `it([...], ...)` as the array itself, which one test must not fail the whole report
/// for. Arrays join with commas (`String(['a', 'b'])` is `a,b`), numbers and booleans are their
/// text, `null` is no title.
fn js_text(value: serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Array(items) => Some(
            items
                .into_iter()
                .map(|v| js_text(v).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(","),
        ),
        Value::Object(_) => Some("[object Object]".to_owned()),
        other => Some(other.to_string()),
    }
}

fn js_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(js_text(serde_json::Value::deserialize(d)?))
}

fn js_strings<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    Ok(Option::<Vec<serde_json::Value>>::deserialize(d)?
        .map(|items| items.into_iter().filter_map(js_text).collect()))
}

fn test_result(path: &str, test: &Assertion) -> TestResult {
    let title = test
        .title
        .as_deref()
        .or(test.full_name.as_deref())
        .unwrap_or("(untitled)");
    let mut name: Vec<&str> = test
        .ancestor_titles
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    name.push(title);
    let id = format!("{path}::{}", name.join(" > "));
    let status = test.status.as_deref().unwrap_or("");
    let failure = test
        .failure_messages
        .iter()
        .flatten()
        .find_map(|m| first_lines(m));
    let (outcome, message) = match status {
        "passed" => (Outcome::Pass, None),
        "failed" if failure.as_deref().is_some_and(is_timeout_message) => {
            (Outcome::Timeout, failure)
        }
        "failed" => (Outcome::Fail, failure),
        "pending" | "skipped" | "todo" | "disabled" | "focused" => (Outcome::Skip, None),
        other => (
            Outcome::Error,
            Some(format!("the report gave the unknown status \"{other}\"")),
        ),
    };
    TestResult {
        id,
        outcome,
        duration: millis(test.duration),
        message,
    }
}

/// jest: "Exceeded timeout of 5000 ms for a test"; vitest: "Test timed out in 5000ms".
fn is_timeout_message(message: &str) -> bool {
    message.contains("Exceeded timeout of") || message.contains("Test timed out in")
}

fn file_error(path: &str, file: &FileResult) -> TestResult {
    let message = file
        .message
        .as_deref()
        .and_then(first_lines)
        .or_else(|| {
            file.test_exec_error
                .as_ref()?
                .message
                .as_deref()
                .and_then(first_lines)
        })
        // vitest drops the error of a failing beforeAll/afterAll from its JSON report.
        .unwrap_or_else(|| {
            "the test file failed outside its tests, and the report gives no reason \
             (a failing beforeAll/afterAll hook?)"
                .to_owned()
        });
    let elapsed = match (file.start_time, file.end_time) {
        (Some(start), Some(end)) => Some(end - start),
        _ => None,
    };
    TestResult {
        id: format!("{path}::(file)"),
        outcome: Outcome::Error,
        duration: millis(elapsed),
        message: Some(message),
    }
}

/// The longest failure message kept, in characters.
pub(super) const MAX_MESSAGE_CHARS: usize = 500;
/// The most message lines kept: enough for an assertion and its expected/received pair.
const MAX_MESSAGE_LINES: usize = 6;

/// The report as text: invalid UTF-8 never fails a report (it becomes U+FFFD), emptiness does.
pub(super) fn decode(report: &[u8]) -> Result<Cow<'_, str>, ParseError> {
    let text = String::from_utf8_lossy(report);
    let body = text.trim_start_matches('\u{feff}').trim();
    if body.is_empty() {
        return Err(ParseError::Empty);
    }
    Ok(match text {
        Cow::Borrowed(t) => Cow::Borrowed(t.trim_start_matches('\u{feff}').trim()),
        Cow::Owned(_) => Cow::Owned(body.to_owned()),
    })
}

pub(super) fn json_error(e: serde_json::Error) -> ParseError {
    ParseError::Malformed(format!("invalid JSON: {e}"))
}

/// Finds the report in output that may carry other text before or after it (mocha writes its JSON
/// to stdout, after whatever the tests printed): the whole text if it parses, else the last
/// `{` at the start of a line from which a report that `looks_right` parses.
pub(super) fn locate_json<T: DeserializeOwned>(
    text: &str,
    looks_right: impl Fn(&T) -> bool,
    what: &str,
) -> Result<T, ParseError> {
    let whole_error = match serde_json::from_str::<T>(text) {
        Ok(report) if looks_right(&report) => return Ok(report),
        Ok(_) => None,
        Err(e) => Some(e),
    };
    let mut starts: Vec<usize> = text
        .match_indices('{')
        .map(|(i, _)| i)
        .filter(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')
        .collect();
    starts.reverse();
    let mut candidate_error = None;
    for start in starts {
        // One value from here on; text after it (late console output) is ignored.
        let mut de = serde_json::Deserializer::from_str(&text[start..]);
        match T::deserialize(&mut de) {
            Ok(report) if looks_right(&report) => return Ok(report),
            Ok(_) => {}
            Err(e) => {
                candidate_error.get_or_insert(e);
            }
        }
    }
    Err(match (whole_error, candidate_error) {
        (None, _) => ParseError::Malformed(format!("not a {what} JSON report")),
        // The report itself is broken (truncated, say): say where.
        (Some(e), _) if text.starts_with('{') => json_error(e),
        (Some(_), Some(e)) => json_error(e),
        (Some(_), None) => {
            ParseError::Malformed(format!("no {what} JSON report found in the output"))
        }
    })
}

/// The first line(s) of a failure message: ANSI colours stripped; blank lines, stack frames, code
/// frames, jest's `●` headers and `^` markers left out; at most [`MAX_MESSAGE_CHARS`] characters.
pub(super) fn first_lines(text: &str) -> Option<String> {
    let clean = strip_ansi(text);
    let mut kept: Vec<&str> = Vec::new();
    for line in clean.lines().map(str::trim) {
        // Blank lines, jest's `●` headers and node's `^` markers under a diff say nothing alone.
        if line.is_empty() || line.starts_with('●') || line.bytes().all(|b| b == b'^') {
            continue;
        }
        if is_trace_line(line) || kept.len() == MAX_MESSAGE_LINES {
            break;
        }
        kept.push(line);
    }
    let joined = kept.join("\n");
    if joined.is_empty() {
        return None;
    }
    Some(match joined.char_indices().nth(MAX_MESSAGE_CHARS - 1) {
        Some((cut, _)) if joined.chars().count() > MAX_MESSAGE_CHARS => {
            format!("{}…", &joined[..cut])
        }
        _ => joined,
    })
}

/// A line where the message proper has ended: a JavaScript stack frame (`at f (file:1:2)`), an
/// RSpec backtrace line (`# ./spec/x_spec.rb:3`), or a code frame (`> 12 | code`, `|   ^`).
fn is_trace_line(line: &str) -> bool {
    if let Some(frame) = line.strip_prefix("at ") {
        let tail = frame.trim_end_matches(')');
        let mut parts = tail.rsplitn(3, ':');
        let numeric = |s: Option<&str>| {
            s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        };
        return numeric(parts.next()) && numeric(parts.next()) || frame == "<anonymous>";
    }
    if line == "#" || line.starts_with("# ") {
        return true;
    }
    let code = line.strip_prefix('>').unwrap_or(line).trim_start();
    let digits = code.bytes().take_while(u8::is_ascii_digit).count();
    code[digits..].trim_start().starts_with('|') && (digits > 0 || code.starts_with('|'))
}

/// Removes ANSI escape sequences (CSI such as colours, OSC such as hyperlinks, two-byte escapes).
pub(super) fn strip_ansi(text: &str) -> Cow<'_, str> {
    if !text.contains('\x1b') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for n in chars.by_ref() {
                    if ('\x40'..='\x7e').contains(&n) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(n) = chars.next() {
                    if n == '\x07' {
                        break;
                    }
                    if n == '\x1b' {
                        chars.next_if_eq(&'\\');
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// Milliseconds as a duration; missing, negative or absurd values become zero.
pub(super) fn millis(ms: Option<f64>) -> Duration {
    seconds(ms.map(|ms| ms / 1000.0))
}

/// Seconds as a duration; missing, negative or absurd values become zero.
pub(super) fn seconds(s: Option<f64>) -> Duration {
    s.filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .unwrap_or_default()
}

/// Directory names that sit inside a project, never above it: a guessed root stops above them.
const INNER_DIRS: [&str; 7] = ["__tests__", "test", "tests", "spec", "specs", "src", "lib"];

/// Turns the absolute test file paths of one report into project-relative ones.
pub(super) struct Relativizer {
    /// The prefix to remove, ending with a separator; empty when nothing is removed.
    prefix: String,
}

impl Relativizer {
    /// With `root`, paths under it lose it; without, the root is guessed from `paths` (see the
    /// module documentation of the jest parser).
    pub(super) fn new<'a>(root: Option<&str>, paths: impl IntoIterator<Item = &'a str>) -> Self {
        let prefix = match root {
            Some(root) if !root.is_empty() => {
                let mut root = root.to_owned();
                if !root.ends_with(is_separator) {
                    root.push('/');
                }
                root
            }
            _ => guess_prefix(paths),
        };
        Self { prefix }
    }

    pub(super) fn apply(&self, path: &str) -> String {
        let rest = match path.strip_prefix(self.prefix.as_str()) {
            Some(rest) if !self.prefix.is_empty() => rest,
            _ => path,
        };
        rest.strip_prefix("./").unwrap_or(rest).to_owned()
    }
}

fn is_separator(c: char) -> bool {
    c == '/' || c == '\\'
}

fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with(is_separator)
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && is_separator(b[2] as char))
}

/// The deepest directory (with its trailing separator) that holds every absolute path, less the
/// trailing [`INNER_DIRS`]; empty when there is no absolute path or they share nothing.
fn guess_prefix<'a>(paths: impl IntoIterator<Item = &'a str>) -> String {
    let mut first: Option<&str> = None;
    // How many bytes of `first`'s directory part every path shares, cut at a separator.
    let mut shared = 0;
    for path in paths.into_iter().filter(|p| is_absolute(p)) {
        let dir_end = path.rfind(is_separator).map_or(0, |i| i + 1);
        match first {
            None => {
                first = Some(path);
                shared = dir_end;
            }
            Some(f) => {
                let common = f
                    .bytes()
                    .zip(path[..dir_end].bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                shared = shared.min(f[..common].rfind(is_separator).map_or(0, |i| i + 1));
            }
        }
    }
    let Some(first) = first else {
        return String::new();
    };
    let mut prefix = &first[..shared];
    loop {
        let dir = prefix.trim_end_matches(is_separator);
        let Some(sep) = dir.rfind(is_separator) else {
            break;
        };
        if !INNER_DIRS.contains(&&dir[sep + 1..]) {
            break;
        }
        prefix = &prefix[..=sep];
    }
    prefix.to_owned()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::parse::testing::never_panics;
    use std::fmt::Write as _;

    /// One line per result (outcome, milliseconds, id) and the message indented below it.
    pub(in crate::parse) fn render(parsed: &Parsed) -> String {
        let results = match parsed {
            Ok(results) => results,
            Err(e) => return format!("error: {e:?}\n"),
        };
        let mut out = String::new();
        for r in results {
            let ms = r.duration.as_secs_f64() * 1000.0;
            let _ = writeln!(out, "{:<7} {ms:>9.3}ms  {}", r.outcome.as_str(), r.id);
            for line in r.message.iter().flat_map(|m| m.lines()) {
                let _ = writeln!(out, "{:19}| {line}", "");
            }
        }
        if results.is_empty() {
            out.push_str("(no tests)\n");
        }
        out
    }

    /// Every prefix of a report parses to a result or an error, never a panic.
    macro_rules! fixture_snapshots {
        ($($name:ident => $path:literal,)*) => {$(
            #[test]
            fn $name() {
                let report = include_bytes!(concat!("../../tests/fixtures/", $path));
                insta::assert_snapshot!(render(&parse(report)));
            }
        )*};
    }

    fixture_snapshots! {
        jest_pass => "jest/pass.json",
        jest_fail => "jest/fail.json",
        jest_skipped => "jest/skipped.json",
        jest_error => "jest/error.json",
        jest_timeout => "jest/timeout.json",
        jest_duplicates => "jest/duplicates.json",
        jest_example => "jest/example.json",
        jest_truncated => "jest/truncated.json",
        jest_empty => "jest/empty.json",
        jest_malformed => "jest/malformed.json",
        jest_non_utf8 => "jest/non-utf8.json",
        vitest_pass => "vitest/pass.json",
        vitest_fail => "vitest/fail.json",
        vitest_skipped => "vitest/skipped.json",
        vitest_error => "vitest/error.json",
        vitest_timeout => "vitest/timeout.json",
        vitest_duplicates => "vitest/duplicates.json",
        vitest_example => "vitest/example.json",
        vitest_truncated => "vitest/truncated.json",
        vitest_empty => "vitest/empty.json",
        vitest_malformed => "vitest/malformed.json",
        vitest_non_utf8 => "vitest/non-utf8.json",
    }

    #[test]
    fn no_fixture_panics() {
        never_panics(
            include_bytes!("../../tests/fixtures/jest/error.json"),
            parse,
        );
        never_panics(
            include_bytes!("../../tests/fixtures/vitest/fail.json"),
            parse,
        );
    }

    #[test]
    fn whitespace_is_empty_and_other_json_is_malformed() {
        assert_eq!(parse(b" \n\t "), Err(ParseError::Empty));
        assert_eq!(parse(b"\xef\xbb\xbf\n"), Err(ParseError::Empty));
        assert_eq!(
            parse(b"{}"),
            Err(ParseError::Malformed(
                "not a jest or vitest JSON report".into()
            ))
        );
        assert_eq!(
            parse(b"[1, 2]"),
            Err(ParseError::Malformed(
                "no jest or vitest JSON report found in the output".into()
            ))
        );
        let wrong_type = parse(br#"{"testResults": {"a": 1}}"#);
        assert!(matches!(wrong_type, Err(ParseError::Malformed(m)) if m.contains("line 1 column")));
        assert!(matches!(
            parse(b"PASS a.test.js"),
            Err(ParseError::Malformed(_))
        ));
        assert_eq!(parse(br#"{"testResults": []}"#), Ok(vec![]));
    }

    #[test]
    fn nulls_and_missing_fields_are_tolerated() {
        let report = br#"{"testResults": [{"name": null, "assertionResults": [
            {"title": "t", "status": "passed", "duration": null, "ancestorTitles": null,
             "failureMessages": null, "location": {"line": 1}}]}]}"#;
        let results = parse(report).unwrap();
        assert_eq!(results[0].id, "(unnamed file)::t");
        assert_eq!(results[0].duration, Duration::ZERO);
    }

    /// dayjs' jest 22 wrote the title of `it(['a', 'b'], ...)` as the array.
    #[test]
    fn titles_that_are_not_strings_are_read_as_javascript_would() {
        let report = br#"{"testResults": [{"name": "/p/test/a.test.js", "assertionResults": [
            {"title": ["en", "fr"], "ancestorTitles": ["locale", 2], "status": "failed",
             "failureMessages": ["Error: boom"]},
            {"title": 7, "ancestorTitles": [], "status": "passed"},
            {"title": "plain", "status": "passed"}]}]}"#;
        let ids: Vec<String> = parse(report).unwrap().into_iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [
                "test/a.test.js::locale > 2 > en,fr",
                "test/a.test.js::7",
                "test/a.test.js::plain"
            ]
        );
    }

    #[test]
    fn a_failed_file_without_failed_tests_is_an_error() {
        let report = br#"{"testResults": [{"name": "/p/a.test.js", "status": "failed",
            "message": "", "testExecError": {"message": "boom\n    at x (/p/a.js:1:2)"},
            "assertionResults": []}]}"#;
        let results = parse(report).unwrap();
        assert_eq!(results[0].id, "a.test.js::(file)");
        assert_eq!(results[0].outcome, Outcome::Error);
        assert_eq!(results[0].message.as_deref(), Some("boom"));
    }

    #[test]
    fn paths_are_relative_to_the_given_or_guessed_root() {
        let guess = |paths: &[&str]| {
            let r = Relativizer::new(None, paths.iter().copied());
            paths.iter().map(|p| r.apply(p)).collect::<Vec<_>>()
        };
        assert_eq!(guess(&["/p/test/a.test.js"]), ["test/a.test.js"]);
        assert_eq!(
            guess(&["/p/test/a.test.js", "/p/test/sub/b.test.js"]),
            ["test/a.test.js", "test/sub/b.test.js"]
        );
        assert_eq!(
            guess(&[
                "/home/u/src/p/src/a.test.js",
                "/home/u/src/p/__tests__/b.test.js"
            ]),
            ["src/a.test.js", "__tests__/b.test.js"]
        );
        assert_eq!(
            guess(&["/p/ab.test.js", "/p/a/c.test.js"]),
            ["ab.test.js", "a/c.test.js"]
        );
        assert_eq!(guess(&["/a.test.js"]), ["a.test.js"]);
        assert_eq!(
            guess(&["./a.test.js", "b/c.test.js"]),
            ["a.test.js", "b/c.test.js"]
        );
        assert_eq!(
            guess(&[r"C:\w\p\tests\a.test.js", r"C:\w\p\tests\b.test.js"]),
            [r"tests\a.test.js", r"tests\b.test.js"]
        );
        let report = br#"{"testResults": [{"name": "/w/p/src/deep/a.test.js",
            "assertionResults": [{"title": "t", "status": "passed"}]}]}"#;
        // One nested file alone: the guess stops at `deep`, the given root does not.
        assert_eq!(parse(report).unwrap()[0].id, "a.test.js::t");
        let given = parse_relative_to(report, Path::new("/w/p")).unwrap();
        assert_eq!(given[0].id, "src/deep/a.test.js::t");
        let outside = parse_relative_to(report, Path::new("/elsewhere/")).unwrap();
        assert_eq!(outside[0].id, "/w/p/src/deep/a.test.js::t");
    }

    #[test]
    fn messages_lose_colours_traces_and_excess() {
        assert_eq!(strip_ansi("\x1b[1m\x1b[31mred\x1b[39m\x1b[22m"), "red");
        assert_eq!(
            strip_ansi("\x1b]8;;http://x\x07link\x1b]8;;\x1b\\ end\x1b"),
            "link end"
        );
        assert_eq!(
            first_lines("Error: boom\n\n  at least twice\n    at f (/a.js:1:2)\n    at g")
                .as_deref(),
            Some("Error: boom\nat least twice")
        );
        assert_eq!(
            first_lines("  ● Suite › t\n\n    oops\n    > 12 | code()").as_deref(),
            Some("oops")
        );
        assert_eq!(first_lines("\n \n"), None);
        let long = first_lines(&"é".repeat(800)).unwrap();
        assert_eq!(long.chars().count(), MAX_MESSAGE_CHARS);
        assert!(long.ends_with('…'));
        let many = first_lines("1\n2\n3\n4\n5\n6\n7\n8").unwrap();
        assert_eq!(many.lines().count(), MAX_MESSAGE_LINES);
    }

    #[test]
    fn durations_never_panic() {
        assert_eq!(millis(Some(f64::NAN)), Duration::ZERO);
        assert_eq!(millis(Some(-5.0)), Duration::ZERO);
        assert_eq!(millis(Some(1e300)), Duration::ZERO);
        assert_eq!(millis(Some(1.5)), Duration::from_micros(1500));
    }
}
