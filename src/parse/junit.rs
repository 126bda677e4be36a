//! Parser for JUnit XML reports: pytest (xunit1 and xunit2), node:test, cargo-nextest, PHPUnit,
//! Maven Surefire and any other writer of `<testsuites>`/`<testsuite>`/`<testcase>`.
//!
//! Test ids, by writer (told apart by the suite names each writer puts at the top):
//! - pytest (`<testsuite name="pytest">`): the node id, `tests/test_x.py::TestClass::test_name[param]`,
//!   rebuilt from `file` (xunit1) or guessed from the dotted `classname` (xunit2, which has no
//!   `file`): the trailing segments that start with an upper-case letter are classes, the rest is
//!   the module path. A collection error (`classname=""`) becomes the module's path.
//! - jest-junit (`<testsuites name="jest tests">`): the test's full name, its describe blocks
//!   and title joined by spaces as `jest -t` matches it, after `file::` when the report has the
//!   file (`addFileAttribute`).
//! - node:test (`classname="test"`, a constant that carries nothing): the enclosing `describe`
//!   names and the test name joined by ` > `, e.g. `slug > lowercases` (a CI job's report, read by
//!   `--tests-from`; `flaky run` reads node:test through its own reporter, see [`super::node`]).
//! - everything else, nextest and PHPUnit included: `classname::name` (PHPUnit's `class`
//!   attribute, with its backslashes, wins over the dotted `classname`), or `name` alone when
//!   there is no class.
//!
//! Retries that Surefire and nextest record inside a test case (`flakyFailure`/`flakyError`: it
//! passed on a rerun; `rerunFailure`/`rerunError`: it kept failing) become results of their own,
//! with the same id, in the order they ran: a rerun is evidence of flakiness, and collapsing it
//! into the final outcome would hide exactly what flaky looks for. Ids repeated within a report
//! (pytest writes a second test case for a teardown error; node:test allows equal names) are
//! all kept; the caller decides.

use std::borrow::Cow;
use std::time::Duration;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{ParseError, Parsed};
use crate::model::{Outcome, TestResult};

/// The longest message kept per test: enough for an assertion and its operands.
pub(crate) const MESSAGE_LIMIT: usize = 500;

/// How deep elements may nest. Writers nest suites a few levels (node:test one per `describe`);
/// the bound keeps ids made of suite names, and the parse, linear in the report's size.
const MAX_NESTING: usize = 256;

/// Parses a JUnit XML report. Invalid UTF-8 is decoded lossily; an empty report is
/// [`ParseError::Empty`], anything that is not complete, well-formed JUnit XML is
/// [`ParseError::Malformed`].
pub fn parse(report: &[u8]) -> Parsed {
    let text = String::from_utf8_lossy(report);
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    let mut parser = Parser::default();
    let mut reader = Reader::from_str(&text);
    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| ParseError::Malformed(format!("invalid XML near byte {position}: {e}")))?;
        match event {
            Event::Start(e) => parser.open(&e, false)?,
            Event::Empty(e) => parser.open(&e, true)?,
            Event::End(_) => parser.close(),
            Event::Text(t) => parser.text(&t),
            Event::CData(t) => parser.text(&t),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    // An entity the report never declared is kept as written.
                    _ => predefined_entity(&r).map_or_else(|| format!("&{};", &*r), str::to_owned),
                };
                parser.text(&resolved);
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    parser.finish()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Pytest,
    Nextest,
    JestJunit,
    Generic,
}

/// What one open element is, so text and end tags go to the right place.
enum Frame {
    Suite,
    Case(Case),
    /// A `failure`, `error`, `skipped` or retry element directly inside a test case.
    Verdict(Verdict),
    /// Anything else (`properties`, `system-out`, unknown elements): its text is ignored.
    Other,
}

#[derive(Default)]
struct Case {
    name: String,
    classname: String,
    class: Option<String>,
    file: Option<String>,
    time: Duration,
    verdicts: Vec<Verdict>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VerdictKind {
    Failure,
    Error,
    Skipped,
    FlakyFailure,
    FlakyError,
    RerunFailure,
    RerunError,
}

struct Verdict {
    kind: VerdictKind,
    message: Option<String>,
    kind_attr: Option<String>,
    time: Option<Duration>,
    text: String,
}

#[derive(Default)]
struct Parser {
    stack: Vec<Frame>,
    /// The names of the open `<testsuite>`s, outermost first (node:test ids are made of them).
    suites: Vec<String>,
    /// The name of the root element, once seen.
    root: Option<String>,
    dialect: Option<Dialect>,
    results: Vec<TestResult>,
}

impl Parser {
    fn open(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), ParseError> {
        let tag = e.local_name().as_ref().to_owned();
        if self.root.is_none() {
            if tag != "testsuites" && tag != "testsuite" {
                return Err(ParseError::Malformed(format!(
                    "the root element is <{tag}>, not <testsuites> or <testsuite>"
                )));
            }
            // Writers name their top element; that is how pytest and nextest reports are
            // told apart from generic ones before the first test case.
            self.dialect = Some(match attr(e, "name").as_deref() {
                Some("pytest" | "pytest tests") => Dialect::Pytest,
                Some("nextest-run") => Dialect::Nextest,
                Some("jest tests") => Dialect::JestJunit,
                _ => Dialect::Generic,
            });
            self.root = Some(tag.clone());
        }
        if self.stack.len() >= MAX_NESTING {
            return Err(ParseError::Malformed(format!(
                "elements nested more than {MAX_NESTING} deep: not a report a test framework wrote"
            )));
        }
        let frame = match (tag.as_str(), self.stack.last()) {
            ("testsuites", _) => Frame::Other,
            ("testsuite", _) => {
                let name = attr(e, "name").unwrap_or_default();
                // pytest < 5.1 wrote a bare <testsuite name="pytest"> root.
                if name == "pytest" {
                    self.dialect = Some(Dialect::Pytest);
                }
                self.suites.push(name);
                Frame::Suite
            }
            ("testcase", _) => Frame::Case(Case {
                name: attr(e, "name").unwrap_or_default(),
                classname: attr(e, "classname").unwrap_or_default(),
                class: attr(e, "class").filter(|c| !c.is_empty()),
                file: attr(e, "file").filter(|f| !f.is_empty()),
                time: attr(e, "time").map_or(Duration::ZERO, |t| seconds(&t)),
                verdicts: Vec::new(),
            }),
            (name, Some(Frame::Case(_))) => match verdict_kind(name) {
                Some(kind) => Frame::Verdict(Verdict {
                    kind,
                    message: attr(e, "message"),
                    kind_attr: attr(e, "type"),
                    time: attr(e, "time").map(|t| seconds(&t)),
                    text: String::new(),
                }),
                None => Frame::Other,
            },
            _ => Frame::Other,
        };
        self.stack.push(frame);
        if empty {
            self.close();
        }
        Ok(())
    }

    fn text(&mut self, text: &str) {
        if let Some(Frame::Verdict(v)) = self.stack.last_mut() {
            // Only the start of a long trace can end up in the message.
            if v.text.len() < 8 * MESSAGE_LIMIT {
                v.text.push_str(text);
            }
        }
    }

    fn close(&mut self) {
        match self.stack.pop() {
            Some(Frame::Verdict(v)) => {
                if let Some(Frame::Case(case)) = self.stack.last_mut() {
                    case.verdicts.push(v);
                }
            }
            Some(Frame::Case(case)) => {
                let dialect = self.dialect.unwrap_or(Dialect::Generic);
                let id = test_id(&case, dialect, &self.suites);
                emit(&case, id, dialect, &mut self.results);
            }
            Some(Frame::Suite) => {
                self.suites.pop();
            }
            Some(Frame::Other) | None => {}
        }
    }

    fn finish(self) -> Parsed {
        if self.root.is_none() {
            return Err(ParseError::Malformed(
                "no <testsuites> or <testsuite> element: not a JUnit report".to_owned(),
            ));
        }
        if let Some(open) = self.stack.last() {
            let tag = match open {
                Frame::Suite => "testsuite",
                Frame::Case(_) => "testcase",
                Frame::Verdict(_) => "failure",
                Frame::Other => "testsuites",
            };
            return Err(ParseError::Malformed(format!(
                "the report ends inside <{tag}>: it was cut off"
            )));
        }
        Ok(self.results)
    }
}

fn verdict_kind(tag: &str) -> Option<VerdictKind> {
    Some(match tag {
        "failure" => VerdictKind::Failure,
        "error" => VerdictKind::Error,
        "skipped" => VerdictKind::Skipped,
        "flakyFailure" => VerdictKind::FlakyFailure,
        "flakyError" => VerdictKind::FlakyError,
        "rerunFailure" => VerdictKind::RerunFailure,
        "rerunError" => VerdictKind::RerunError,
        _ => return None,
    })
}

/// The unescaped value of attribute `key`, if present. A value with a broken escape is kept raw:
/// a report is never rejected for one odd attribute.
fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .map(|a| match quick_xml::escape::unescape(&a.value) {
            Ok(v) => v.into_owned(),
            Err(_) => a.value.into_owned(),
        })
}

fn predefined_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => return None,
    })
}

/// A `time` attribute in seconds. Some writers use a locale's separators (`1,234.5`, `0,25`);
/// anything unreadable, negative or absurd is zero rather than an error.
fn seconds(raw: &str) -> Duration {
    let raw = raw.trim();
    let cleaned: Cow<'_, str> = if raw.contains(',') {
        if raw.contains('.') {
            raw.replace(',', "").into()
        } else {
            raw.replace(',', ".").into()
        }
    } else {
        raw.into()
    };
    cleaned
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .unwrap_or(Duration::ZERO)
}

fn test_id(case: &Case, dialect: Dialect, suites: &[String]) -> String {
    if dialect == Dialect::Pytest {
        return pytest_node_id(case);
    }
    if dialect == Dialect::JestJunit {
        return jest_junit_id(case);
    }
    let class = case.class.as_deref().unwrap_or(&case.classname);
    if class == "test" {
        // node:test writes classname="test" for every case and nests describe() blocks as
        // <testsuite>s below the root <testsuites>.
        let mut parts: Vec<&str> = suites
            .iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect();
        parts.push(&case.name);
        return parts.join(" > ");
    }
    if class.is_empty() {
        case.name.clone()
    } else {
        format!("{class}::{}", case.name)
    }
}

/// jest-junit writes the full name (describe blocks and title joined by spaces, what `jest -t`
/// matches) as both `classname` and `name` by default, or the blocks as `classname` and the
/// title as `name`; the file only with `addFileAttribute`.
fn jest_junit_id(case: &Case) -> String {
    let (class, name) = (case.classname.trim(), case.name.trim());
    let full = if class.is_empty() || name == class {
        name.to_owned()
    } else {
        format!("{class} {name}")
    };
    match &case.file {
        Some(file) => format!("{file}::{full}"),
        None => full,
    }
}

/// Rebuilds pytest's node id from what its JUnit writer kept of it (see the module docs).
fn pytest_node_id(case: &Case) -> String {
    let name = &case.name;
    let classname = &case.classname;
    if let Some(file) = case.file.as_deref().filter(|f| f.ends_with(".py")) {
        let module = file.trim_end_matches(".py").replace('/', ".");
        if classname.is_empty() {
            // A collection error: the "test" is the module itself.
            return if *name == module {
                file.to_owned()
            } else {
                format!("{file}::{name}")
            };
        }
        if *classname == module {
            return format!("{file}::{name}");
        }
        if let Some(classes) = classname
            .strip_prefix(module.as_str())
            .and_then(|rest| rest.strip_prefix('.'))
        {
            return format!("{file}::{}::{name}", classes.replace('.', "::"));
        }
    }
    if classname.is_empty() {
        return format!("{}.py", name.replace('.', "/"));
    }
    let segments: Vec<&str> = classname.split('.').collect();
    let first_class = segments
        .iter()
        .rposition(|s| !s.starts_with(|c: char| c.is_ascii_uppercase()))
        .map_or(1, |last_module| last_module + 1);
    let (module, classes) = segments.split_at(first_class.min(segments.len()));
    let mut id = format!("{}.py", module.join("/"));
    for class in classes {
        id.push_str("::");
        id.push_str(class);
    }
    id.push_str("::");
    id.push_str(name);
    id
}

/// Turns one finished test case into its results: earlier tries first, then the final one.
fn emit(case: &Case, id: String, dialect: Dialect, out: &mut Vec<TestResult>) {
    let result = |v: &Verdict, outcome: Outcome| TestResult {
        id: id.clone(),
        outcome,
        duration: v.time.unwrap_or(case.time),
        message: verdict_message(v, dialect, &id),
    };
    for v in &case.verdicts {
        match v.kind {
            VerdictKind::FlakyFailure => out.push(result(v, failure_outcome(case, v))),
            VerdictKind::FlakyError => out.push(result(v, Outcome::Error)),
            _ => {}
        }
    }
    let main = [
        VerdictKind::Failure,
        VerdictKind::Error,
        VerdictKind::Skipped,
    ]
    .iter()
    .find_map(|kind| case.verdicts.iter().find(|v| v.kind == *kind));
    out.push(match main {
        Some(v) => {
            let outcome = match v.kind {
                VerdictKind::Error => Outcome::Error,
                VerdictKind::Skipped => Outcome::Skip,
                _ => failure_outcome(case, v),
            };
            TestResult {
                duration: case.time,
                ..result(v, outcome)
            }
        }
        None => TestResult {
            id: id.clone(),
            outcome: Outcome::Pass,
            duration: case.time,
            message: None,
        },
    });
    for v in &case.verdicts {
        match v.kind {
            VerdictKind::RerunFailure => out.push(result(v, failure_outcome(case, v))),
            VerdictKind::RerunError => out.push(result(v, Outcome::Error)),
            _ => {}
        }
    }
}

/// What a `<failure>` means. Writers say more in its `type` than JUnit has elements for:
/// nextest's `test timeout` and `test abort` (a crash), node:test's `testTimeoutFailure`,
/// `hookFailed` and `cancelledByParent` (the test never ran its own code).
fn failure_outcome(case: &Case, v: &Verdict) -> Outcome {
    let kind = v
        .kind_attr
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if kind.contains("timeout") || kind.contains("timedout") {
        return Outcome::Timeout;
    }
    if matches!(
        kind.as_str(),
        "test abort" | "hookfailed" | "cancelledbyparent"
    ) {
        return Outcome::Error;
    }
    // node:test reports a test file whose process failed outside any test (an import error,
    // process.exit) as a case named after the file's path.
    if case.classname == "test" && looks_like_script(&case.name) {
        return Outcome::Error;
    }
    Outcome::Fail
}

fn looks_like_script(name: &str) -> bool {
    (name.contains('/') || name.contains('\\'))
        && [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

fn verdict_message(v: &Verdict, dialect: Dialect, id: &str) -> Option<String> {
    if dialect == Dialect::Nextest {
        // nextest's message attribute stops at the panic location; the text has the payload.
        if let Some(m) = super::cargo::panic_message(&v.text) {
            return Some(m);
        }
    }
    // PHPUnit starts the text with the test's own `Class::method`, which the id already says.
    let text = match v.text.trim_start().split_once('\n') {
        Some((first, rest)) if first.trim_end() == id => rest,
        _ => v.text.as_str(),
    };
    let attribute = v
        .message
        .as_deref()
        // node:test writes message="true" for a skip without a reason.
        .filter(|m| !(v.kind == VerdictKind::Skipped && *m == "true"));
    if dialect == Dialect::Pytest && attribute == Some("collection failure") {
        // The attribute is the same for every collection error; the error is the text's last
        // `E   ` line (an import error names the missing module).
        if let Some(error) = text.lines().rev().find_map(|l| l.strip_prefix("E   ")) {
            return summarize(&format!("collection failure: {}", error.trim()));
        }
    }
    attribute
        .and_then(summarize)
        .or_else(|| summarize(text))
        .or_else(|| v.kind_attr.as_deref().and_then(summarize))
}

/// The first lines of `text`, trimmed, at most [`MESSAGE_LIMIT`] bytes (cut at a character
/// boundary, marked with `…`); `None` when nothing is left.
pub(crate) fn summarize(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let start = lines.iter().position(|l| !l.trim().is_empty())?;
    let end = lines.iter().rposition(|l| !l.trim().is_empty())? + 1;
    // Common indentation goes (go indents test output by four spaces), the rest stays.
    let indent = lines[start..end]
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let joined = lines[start..end]
        .iter()
        .map(|l| l.get(indent..).unwrap_or_else(|| l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
        .trim_start()
        .to_owned();
    if joined.len() <= MESSAGE_LIMIT {
        return Some(joined);
    }
    let mut cut = MESSAGE_LIMIT;
    while !joined.is_char_boundary(cut) {
        cut -= 1;
    }
    Some(format!("{}…", joined[..cut].trim_end()))
}

/// One line per result (and its message, indented), for the parsers' snapshot tests.
#[cfg(test)]
pub(crate) fn render_for_snapshot(parsed: &Parsed) -> String {
    use std::fmt::Write as _;
    let results = match parsed {
        Ok(results) => results,
        Err(e) => return format!("error: {e:?}\n"),
    };
    if results.is_empty() {
        return "(no results)\n".to_owned();
    }
    let mut out = String::new();
    for r in results {
        let _ = writeln!(
            out,
            "{:<7} {:>9.3}s  {}",
            r.outcome.as_str(),
            r.duration.as_secs_f64(),
            r.id
        );
        if let Some(m) = &r.message {
            for line in m.lines() {
                let _ = writeln!(out, "{:20}| {line}", "");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! snapshot {
        ($name:ident, $path:literal) => {
            #[test]
            fn $name() {
                let parsed = parse(include_bytes!(concat!("../../tests/fixtures/", $path)));
                insta::assert_snapshot!(render_for_snapshot(&parsed));
            }
        };
    }

    snapshot!(pytest_pass, "pytest/pass.xml");
    snapshot!(pytest_fail_xunit1, "pytest/fail-xunit1.xml");
    snapshot!(pytest_fail_xunit2, "pytest/fail-xunit2.xml");
    snapshot!(pytest_order_fail, "pytest/order-fail.xml");
    snapshot!(pytest_skip, "pytest/skip.xml");
    snapshot!(pytest_error, "pytest/error.xml");
    snapshot!(pytest_collection_error, "pytest/collection-error.xml");
    snapshot!(pytest_duplicates_xunit1, "pytest/duplicates-xunit1.xml");
    snapshot!(pytest_duplicates_xunit2, "pytest/duplicates-xunit2.xml");
    snapshot!(pytest_truncated, "pytest/truncated.xml");
    snapshot!(pytest_empty, "pytest/empty.xml");
    snapshot!(pytest_whitespace, "pytest/whitespace.xml");
    snapshot!(pytest_malformed, "pytest/malformed.xml");
    snapshot!(pytest_non_utf8, "pytest/non-utf8.xml");

    snapshot!(node_pass, "node/pass.xml");
    snapshot!(node_fail, "node/fail.xml");
    snapshot!(node_skip, "node/skip.xml");
    snapshot!(node_error, "node/error.xml");
    snapshot!(node_duplicates, "node/duplicates.xml");
    snapshot!(node_truncated, "node/truncated.xml");
    snapshot!(node_empty, "node/empty.xml");
    snapshot!(node_malformed, "node/malformed.xml");
    snapshot!(node_non_utf8, "node/non-utf8.xml");

    snapshot!(nextest_pass, "nextest/pass.xml");
    snapshot!(nextest_fail, "nextest/fail.xml");
    snapshot!(
        nextest_retries_crash_timeout,
        "nextest/retries-crash-timeout.xml"
    );
    snapshot!(nextest_skip, "nextest/skip.xml");
    snapshot!(nextest_ignored, "nextest/ignored.xml");
    snapshot!(nextest_truncated, "nextest/truncated.xml");
    snapshot!(nextest_empty, "nextest/empty.xml");
    snapshot!(nextest_malformed, "nextest/malformed.xml");
    snapshot!(nextest_non_utf8, "nextest/non-utf8.xml");

    // jest-junit 16 on examples/jest: the default layout, and `addFileAttribute` with the
    // describe blocks and the title apart.
    snapshot!(jest_junit_default, "tests-from/jest-junit-ci.xml");
    snapshot!(jest_junit_file, "tests-from/jest-junit-file.xml");

    snapshot!(junit_xmlrunner, "junit/xmlrunner.xml");
    snapshot!(junit_xmlrunner_single, "junit/xmlrunner-single.xml");
    snapshot!(junit_truncated, "junit/truncated.xml");
    snapshot!(junit_empty, "junit/empty.xml");
    snapshot!(junit_malformed, "junit/malformed.xml");
    snapshot!(junit_non_utf8, "junit/non-utf8.xml");

    // PHPUnit's reports, captured by the PHP side of the project.
    snapshot!(phpunit_example, "phpunit/example.xml");
    snapshot!(phpunit_pass, "phpunit/pass.xml");
    snapshot!(phpunit_fail, "phpunit/fail.xml");
    snapshot!(phpunit_skipped, "phpunit/skipped.xml");
    snapshot!(phpunit_error, "phpunit/error.xml");
    snapshot!(phpunit_duplicates, "phpunit/duplicates.xml");
    snapshot!(phpunit_truncated, "phpunit/truncated.xml");
    snapshot!(phpunit_empty, "phpunit/empty.xml");
    snapshot!(phpunit_malformed, "phpunit/malformed.xml");
    snapshot!(phpunit_non_utf8, "phpunit/non-utf8.xml");

    fn one(xml: &str) -> TestResult {
        let mut results = parse(xml.as_bytes()).expect("parses");
        assert_eq!(results.len(), 1, "{results:?}");
        results.remove(0)
    }

    #[test]
    fn bare_testsuite_root_and_generic_ids() {
        let r = parse(
            br#"<testsuite name="x"><testcase classname="com.acme.FooTest" name="bar" time="1,5"/>
            <testcase classname="" name="lonely"/></testsuite>"#,
        )
        .unwrap();
        assert_eq!(r[0].id, "com.acme.FooTest::bar");
        assert_eq!(r[0].duration, Duration::from_millis(1500));
        assert_eq!(r[1].id, "lonely");
    }

    #[test]
    fn phpunit_class_attribute_wins() {
        let r = one(
            r#"<testsuites><testsuite name="Tests\CalcTest"><testcase name="testAdd with data set #0"
            class="Tests\CalcTest" classname="Tests.CalcTest" time="0.001"/></testsuite></testsuites>"#,
        );
        assert_eq!(r.id, r"Tests\CalcTest::testAdd with data set #0");
    }

    #[test]
    fn failure_message_falls_back_to_text_then_type() {
        let r = one(
            r#"<testsuite><testcase name="a"><failure>  first line &amp; more &odd;
second line<![CDATA[ <raw> ]]></failure></testcase></testsuite>"#,
        );
        assert_eq!(r.outcome, Outcome::Fail);
        assert_eq!(
            r.message.as_deref(),
            Some("first line & more &odd;\nsecond line <raw>")
        );
        let r = one(r#"<testsuite><testcase name="a"><error type="Boom"/></testcase></testsuite>"#);
        assert_eq!(r.outcome, Outcome::Error);
        assert_eq!(r.message.as_deref(), Some("Boom"));
    }

    #[test]
    fn surefire_reruns_become_results_in_order() {
        let r = parse(
            br#"<testsuite name="s">
            <testcase classname="C" name="flaky" time="2"><flakyFailure message="first" time="1"/></testcase>
            <testcase classname="C" name="broken" time="3"><failure message="once"/>
              <rerunFailure message="twice" time="4"><system-out>noise</system-out></rerunFailure>
              <rerunError message="thrice"/></testcase></testsuite>"#,
        )
        .unwrap();
        let seen: Vec<_> = r
            .iter()
            .map(|t| {
                (
                    t.id.as_str(),
                    t.outcome,
                    t.message.as_deref(),
                    t.duration.as_secs(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("C::flaky", Outcome::Fail, Some("first"), 1),
                ("C::flaky", Outcome::Pass, None, 2),
                ("C::broken", Outcome::Fail, Some("once"), 3),
                ("C::broken", Outcome::Fail, Some("twice"), 4),
                ("C::broken", Outcome::Error, Some("thrice"), 3),
            ]
        );
    }

    #[test]
    fn long_messages_are_cut_at_a_char_boundary() {
        let long = "é".repeat(400);
        let r = one(&format!(
            r#"<testsuite><testcase name="a"><failure message="{long}"/></testcase></testsuite>"#
        ));
        let m = r.message.unwrap();
        assert!(m.len() <= MESSAGE_LIMIT + '…'.len_utf8(), "{}", m.len());
        assert!(m.ends_with('…'));
    }

    #[test]
    fn every_cut_of_a_report_parses_without_panicking() {
        for report in [
            &include_bytes!("../../tests/fixtures/pytest/error.xml")[..],
            include_bytes!("../../tests/fixtures/nextest/retries-crash-timeout.xml"),
            include_bytes!("../../tests/fixtures/node/non-utf8.xml"),
        ] {
            crate::parse::testing::never_panics(report, parse);
        }
    }

    /// A report of suites nested `depth` deep with a test case at every level.
    fn nested(depth: usize) -> String {
        let mut xml = String::from("<testsuites>");
        for i in 0..depth {
            xml.push_str(&format!(
                "<testsuite name='s{i}'><testcase classname='c' name='t{i}'/>"
            ));
        }
        xml.push_str(&"</testsuite>".repeat(depth));
        xml + "</testsuites>"
    }

    #[test]
    fn nesting_is_bounded() {
        // Each test case used to walk every open element for its suites' names: 20,000 nested
        // suites took 30 s. Past the bound the report is refused; within it every case is read.
        // (The root and the deepest case take two of the levels.)
        assert_eq!(
            parse(nested(MAX_NESTING - 2).as_bytes()).unwrap().len(),
            MAX_NESTING - 2
        );
        assert!(parse(nested(MAX_NESTING - 1).as_bytes()).is_err());
        let err = parse(nested(20_000).as_bytes()).unwrap_err().to_string();
        assert!(err.contains("nested more than 256 deep"), "{err}");
        // node:test ids are still made of the enclosing suites' names.
        let xml = "<testsuites><testsuite name='a'><testsuite name='b'>\
                   <testcase classname='test' name='t'/></testsuite></testsuite></testsuites>";
        assert_eq!(parse(xml.as_bytes()).unwrap()[0].id, "a > b > t");
    }

    #[test]
    fn odd_inputs_are_errors_not_panics() {
        for input in [
            &b""[..],
            b"   \n\t",
            b"<",
            b"<html><body>502 Bad Gateway</body></html>",
            b"<testsuites><testsuite><testcase name='a'>",
            b"<testsuites></testsuite>",
            b"\xff\xfe<\x00t\x00",
            b"plain text",
            b"<testsuites/>trailing",
            b"<?xml version='1.0'?><!DOCTYPE x><testsuites/>",
        ] {
            let _ = parse(input);
        }
        assert_eq!(parse(b"  \n").unwrap_err(), ParseError::Empty);
        assert!(matches!(
            parse(b"<html/>").unwrap_err(),
            ParseError::Malformed(m) if m.contains("<html>")
        ));
        assert_eq!(parse(b"<testsuites/>").unwrap(), vec![]);
    }

    #[test]
    fn unknown_entities_and_bad_times_are_tolerated() {
        let r = one(
            r#"<testsuite><testcase name="a &amp; b" time="-3"><skipped message="x &bogus; y"/></testcase></testsuite>"#,
        );
        assert_eq!(r.id, "a & b");
        assert_eq!(r.duration, Duration::ZERO);
        assert_eq!(r.outcome, Outcome::Skip);
        assert_eq!(r.message.as_deref(), Some("x &bogus; y"));
    }

    #[test]
    fn pytest_ids_without_file_guess_classes_by_case() {
        let case = |classname: &str, name: &str| Case {
            classname: classname.into(),
            name: name.into(),
            ..Case::default()
        };
        assert_eq!(
            pytest_node_id(&case(
                "tests.unit.test_a.TestOuter.TestInner",
                "test_x[1.5]"
            )),
            "tests/unit/test_a.py::TestOuter::TestInner::test_x[1.5]"
        );
        assert_eq!(
            pytest_node_id(&case("test_a", "test_x")),
            "test_a.py::test_x"
        );
        assert_eq!(pytest_node_id(&case("", "tests.test_b")), "tests/test_b.py");
        assert_eq!(pytest_node_id(&case("Weird", "t")), "Weird.py::t");
    }
}
