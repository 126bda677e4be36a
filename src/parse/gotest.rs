//! Parser for `go test -json` output: the test2json event stream, one JSON object per line.
//!
//! Test ids are `<import path>::<test name>`, subtests included as go names them:
//! `example.com/m/calc::TestSlug/lowercases`, repeated subtest names as `TestTable/case#01`.
//!
//! What is not a test result becomes one:
//! - a package that failed with no failing test in it (a build failure, `TestMain` exiting,
//!   an `init` panic) is an error with id `<import path>::(package)`; the build errors are its
//!   message when the stream has them (Go 1.24+ `build-output` events, or the compiler's
//!   `# pkg` text block when stderr was merged in). When no test ran at all because the tests
//!   did not build, the report is [`ParseError::BuildFailed`] with that message: the attempt
//!   measured nothing;
//! - a test that started (`run`) but never ended, because the test binary crashed or the
//!   stream was cut off, is an error; a timeout if the binary's output says `test timed out`;
//! - a package whose stream stops before its final pass/fail, with no unfinished test to
//!   blame, is an error `<import path>::(package)`.
//!
//! Lines that are not JSON (stderr merged in, go's own `FAIL pkg [build failed]` lines before
//! Go 1.21; from 1.21 to 1.23 that line is an output event of the package, and Go 1.24 reports
//! builds as events of their own) are read for those facts and otherwise skipped; a report with
//! no event at all is malformed. A test that runs more than once (`-count=2`) gives one result
//! per run.

use std::collections::HashMap;
use std::time::Duration;

use serde::Deserialize;

use super::junit::summarize;
use super::{ParseError, Parsed};
use crate::model::{Outcome, TestResult};

/// Output kept per test or package: the message needs only its first lines.
const OUTPUT_LIMIT: usize = 4096;

/// One test2json event. Every field but `Action` is optional: build events have `ImportPath`
/// and no `Package`, package events have no `Test`.
/// [`super::gotext`] makes the same events from a test binary's `-test.v` text.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct GoEvent {
    pub(super) action: String,
    pub(super) package: Option<String>,
    pub(super) test: Option<String>,
    pub(super) elapsed: Option<f64>,
    pub(super) output: Option<String>,
    pub(super) import_path: Option<String>,
    pub(super) failed_build: Option<String>,
}

/// Parses `go test -json` output; see the module docs for what becomes an error result.
pub fn parse(report: &[u8]) -> Parsed {
    let text = String::from_utf8_lossy(report);
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    let mut stream = Stream::default();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('{') {
            // A line that does not parse is skipped: it is the last, cut-off line of a
            // truncated stream, or stray output; the packages left open say the rest.
            if let Ok(event) = serde_json::from_str::<GoEvent>(line) {
                stream.event(event);
                continue;
            }
        }
        stream.text_line(line);
    }
    stream.results()
}

struct Entry {
    package: String,
    test: String,
    outcome: Option<Outcome>,
    duration: Duration,
    output: String,
}

#[derive(Default)]
struct Package {
    /// The package's own end: `pass`, `fail` or `skip`.
    end: Option<String>,
    output: String,
    pub(super) failed_build: Option<String>,
    timed_out: bool,
}

/// The events of one report, read into per-test entries.
#[derive(Default)]
pub(super) struct Stream {
    entries: Vec<Entry>,
    /// The running (not yet ended) entry of each (package, test).
    open: HashMap<(String, String), usize>,
    packages: Vec<(String, Package)>,
    package_index: HashMap<String, usize>,
    /// Compiler output per import path (`pkg` or `pkg [pkg.test]`).
    build_output: HashMap<String, String>,
    /// The import path of the `# pkg` text block being read, when stderr was merged in.
    build_block: Option<String>,
    saw_go: bool,
}

impl Stream {
    fn package(&mut self, name: &str) -> &mut Package {
        let index = match self.package_index.get(name) {
            Some(&i) => i,
            None => {
                self.packages.push((name.to_owned(), Package::default()));
                self.package_index
                    .insert(name.to_owned(), self.packages.len() - 1);
                self.packages.len() - 1
            }
        };
        &mut self.packages[index].1
    }

    pub(super) fn event(&mut self, e: GoEvent) {
        self.saw_go = true;
        self.build_block = None;
        if e.action == "build-output" {
            if let (Some(path), Some(output)) = (e.import_path, e.output) {
                append(self.build_output.entry(path).or_default(), &output);
            }
            return;
        }
        let Some(package) = e.package else {
            return;
        };
        let output = e.output.unwrap_or_default();
        if output.contains("panic: test timed out after") {
            self.package(&package).timed_out = true;
        }
        match (e.action.as_str(), e.test) {
            ("run", Some(test)) => {
                self.package(&package);
                self.entries.push(Entry {
                    package: package.clone(),
                    test: test.clone(),
                    outcome: None,
                    duration: Duration::ZERO,
                    output: String::new(),
                });
                self.open.insert((package, test), self.entries.len() - 1);
            }
            ("output", Some(test)) => {
                if let Some(&i) = self.open.get(&(package, test))
                    && !is_framing(&output)
                {
                    append(&mut self.entries[i].output, &output);
                }
            }
            (action @ ("pass" | "fail" | "skip"), Some(test)) => {
                let outcome = match action {
                    "pass" => Outcome::Pass,
                    "fail" => Outcome::Fail,
                    _ => Outcome::Skip,
                };
                let key = (package, test);
                let index = match self.open.remove(&key) {
                    Some(i) => i,
                    None => {
                        // An end without its start (a stream that begins mid-way).
                        self.package(&key.0);
                        self.entries.push(Entry {
                            package: key.0,
                            test: key.1,
                            outcome: None,
                            duration: Duration::ZERO,
                            output: String::new(),
                        });
                        self.entries.len() - 1
                    }
                };
                let entry = &mut self.entries[index];
                entry.outcome = Some(outcome);
                entry.duration = e
                    .elapsed
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .unwrap_or(Duration::ZERO);
            }
            ("output", None) => {
                // Go 1.21 to 1.23 put the `FAIL pkg [build failed]` line in an output event.
                if let Some(failed) = build_failed(output.trim_end()) {
                    self.build_failed(failed);
                    return;
                }
                let p = self.package(&package);
                if !is_framing(&output) {
                    append(&mut p.output, &output);
                }
            }
            (action @ ("pass" | "fail" | "skip"), None) => {
                let p = self.package(&package);
                p.end = Some(action.to_owned());
                if e.failed_build.is_some() {
                    p.failed_build = e.failed_build;
                }
            }
            // start, pause, cont, bench, and actions added after this was written.
            _ => {
                self.package(&package);
            }
        }
    }

    fn build_failed(&mut self, package: &str) {
        let p = self.package(package);
        p.end = Some("fail".to_owned());
        p.failed_build.get_or_insert_with(|| package.to_owned());
    }

    /// A line that is not an event: go's plain `FAIL pkg [build failed]` (before Go 1.21) and,
    /// with stderr merged in, the compiler's `# pkg` blocks.
    fn text_line(&mut self, line: &str) {
        if let Some(package) = build_failed(line) {
            self.saw_go = true;
            self.build_failed(package);
            return;
        }
        if let Some(path) = line.strip_prefix("# ") {
            self.build_block = Some(path.trim().to_owned());
            return;
        }
        if let Some(path) = &self.build_block
            && !line.is_empty()
        {
            let path = path.clone();
            append(
                self.build_output.entry(path).or_default(),
                &format!("{line}\n"),
            );
        }
    }

    /// The results of the events read; see the module docs for what becomes an error result.
    pub(super) fn results(self) -> Parsed {
        if !self.saw_go {
            return Err(ParseError::Malformed(
                "no `go test -json` events (was -json left out?)".to_owned(),
            ));
        }
        if let Some(failed) = self.build_failure() {
            return Err(ParseError::BuildFailed(failed));
        }
        Ok(self.finish())
    }

    fn finish(mut self) -> Vec<TestResult> {
        let mut results = Vec::with_capacity(self.entries.len() + 1);
        for entry in &self.entries {
            let timed_out = self
                .package_index
                .get(&entry.package)
                .is_some_and(|&i| self.packages[i].1.timed_out);
            let (outcome, message) = match entry.outcome {
                Some(Outcome::Pass) => (Outcome::Pass, None),
                Some(outcome) => {
                    let message = go_message(&entry.output).or_else(|| {
                        // A parent whose only failure is a subtest's says which one.
                        let prefix = format!("{}/", entry.test);
                        self.entries
                            .iter()
                            .find(|e| {
                                e.package == entry.package
                                    && e.test.starts_with(&prefix)
                                    && e.outcome.is_some_and(Outcome::is_failure)
                            })
                            .map(|e| format!("subtest {} failed", e.test))
                    });
                    (outcome, message)
                }
                None if timed_out => (
                    Outcome::Timeout,
                    go_message(&entry.output)
                        .or_else(|| Some("the package's test binary timed out".to_owned())),
                ),
                None => {
                    let reason =
                        "the test never ended: its test binary crashed or the report was cut off";
                    let message = match go_message(&entry.output) {
                        Some(output) => format!("{reason}\n{output}"),
                        None => reason.to_owned(),
                    };
                    (Outcome::Error, summarize(&message))
                }
            };
            results.push(TestResult {
                id: format!("{}::{}", entry.package, entry.test),
                outcome,
                duration: entry.duration,
                message,
            });
        }
        for (name, package) in std::mem::take(&mut self.packages) {
            let prefix = format!("{name}::");
            let blamed = results
                .iter()
                .any(|r| r.id.starts_with(&prefix) && r.outcome.is_failure());
            let message = match package.end.as_deref() {
                Some("fail") if !blamed => Some(self.package_message(&name, &package)),
                None if !blamed => Some(
                    "the report ended before the package's result: its test binary crashed or the report was cut off"
                        .to_owned(),
                ),
                _ => None,
            };
            if let Some(message) = message {
                results.push(TestResult {
                    id: format!("{name}::(package)"),
                    outcome: Outcome::Error,
                    duration: Duration::ZERO,
                    message: summarize(&message),
                });
            }
        }
        results
    }

    /// When no test ran because the tests did not build: the packages, with the compiler's lines
    /// where the stream has them. (Beside packages whose tests ran, a package that did not build
    /// is a failing result of its own.)
    fn build_failure(&self) -> Option<String> {
        if !self.entries.is_empty() {
            return None;
        }
        let failed: Vec<String> = self
            .packages
            .iter()
            .filter(|(_, p)| p.failed_build.is_some())
            .map(|(name, p)| format!("{name}: {}", self.package_message(name, p)))
            .collect();
        (!failed.is_empty()).then(|| failed.join("\n"))
    }

    fn package_message(&self, name: &str, package: &Package) -> String {
        if let Some(build) = &package.failed_build {
            // Go 1.24+ names the failed build (`pkg [pkg.test]`); older go only says that one
            // failed, and the compiler's block, if merged in, is keyed by either form.
            let output = self.build_output.get(build).or_else(|| {
                self.build_output
                    .iter()
                    .find(|(path, _)| path.split(' ').next() == Some(name))
                    .map(|(_, output)| output)
            });
            return match output.and_then(|o| summarize(o)) {
                Some(output) => format!("build failed:\n{output}"),
                None => "build failed".to_owned(),
            };
        }
        let own: Vec<&str> = package
            .output
            .lines()
            .filter(|l| !l.starts_with("FAIL\t") && !l.starts_with("ok  \t"))
            .collect();
        summarize(&own.join("\n"))
            .unwrap_or_else(|| "the package failed with no failing test".to_owned())
    }
}

/// A test's output as a message: what it logged and the panic line(s), without the goroutine
/// dumps that follow a panic (their addresses change every run, and equal failures should
/// read the same).
fn go_message(output: &str) -> Option<String> {
    let kept: Vec<&str> = output
        .lines()
        .take_while(|l| !(l.starts_with("goroutine ") && l.ends_with("]:")))
        .collect();
    summarize(&kept.join("\n"))
}

/// Lines go test prints around every test, which say nothing a result does not.
fn is_framing(output: &str) -> bool {
    let t = output.trim();
    t.is_empty()
        || t == "PASS"
        || t == "FAIL"
        || [
            "=== RUN",
            "=== PAUSE",
            "=== CONT",
            "=== NAME",
            "--- PASS",
            "--- FAIL",
            "--- SKIP",
        ]
        .iter()
        .any(|p| t.starts_with(p))
}

fn append(buffer: &mut String, output: &str) {
    if buffer.len() < OUTPUT_LIMIT {
        buffer.push_str(output);
    }
}

/// The package of go's `FAIL pkg [build failed]` (or `[setup failed]`) line.
fn build_failed(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("FAIL")?.trim();
    ["[build failed]", "[setup failed]"]
        .iter()
        .find_map(|marker| {
            let package = rest.strip_suffix(marker)?.trim();
            (!package.is_empty() && !package.contains(' ')).then_some(package)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::junit::render_for_snapshot;

    macro_rules! snapshot {
        ($name:ident, $path:literal) => {
            #[test]
            fn $name() {
                let parsed = parse(include_bytes!(concat!("../../tests/fixtures/go/", $path)));
                insta::assert_snapshot!(render_for_snapshot(&parsed));
            }
        };
    }

    snapshot!(pass, "pass.jsonl");
    snapshot!(fail, "fail.jsonl");
    snapshot!(shuffle_fail, "shuffle-fail.jsonl");
    snapshot!(skip, "skip.jsonl");
    snapshot!(build_error, "build-error.jsonl");
    snapshot!(panic, "panic.jsonl");
    snapshot!(timeout, "timeout.jsonl");
    snapshot!(duplicates, "duplicates.jsonl");
    snapshot!(truncated, "truncated.jsonl");
    snapshot!(empty, "empty.jsonl");
    snapshot!(malformed, "malformed.jsonl");
    snapshot!(non_utf8, "non-utf8.jsonl");

    #[test]
    fn build_error_with_stderr_merged() {
        let mut report = include_bytes!("../../tests/fixtures/go/build-error.stderr").to_vec();
        report.extend_from_slice(include_bytes!("../../tests/fixtures/go/build-error.jsonl"));
        insta::assert_snapshot!(render_for_snapshot(&parse(&report)));
    }

    /// Go 1.21 to 1.23 write `FAIL pkg [build failed]` as an output event of the package.
    #[test]
    fn go_1_23_build_error_with_stderr_merged() {
        let mut report =
            include_bytes!("../../tests/fixtures/go/build-error-go1.23.stderr").to_vec();
        report.extend_from_slice(include_bytes!(
            "../../tests/fixtures/go/build-error-go1.23.jsonl"
        ));
        assert_eq!(
            parse(&report).unwrap_err(),
            ParseError::BuildFailed(
                "example.com/broken: build failed:\n./calc_test.go:6:18: invalid operation: Add(1, 2) != \"3\" (mismatched types int and untyped string)".into()
            )
        );
    }

    /// Go 1.24 reports build failures as events (not capturable with the Go installed here,
    /// so written from the test2json documentation).
    #[test]
    fn go_1_24_build_events() {
        let r = parse(
            br##"{"ImportPath":"m/broken [m/broken.test]","Action":"build-output","Output":"# m/broken [m/broken.test]\n"}
{"ImportPath":"m/broken [m/broken.test]","Action":"build-output","Output":"broken/x_test.go:6:17: undefined: Foo\n"}
{"ImportPath":"m/broken [m/broken.test]","Action":"build-fail"}
{"Time":"2025-01-01T00:00:00Z","Action":"start","Package":"m/broken"}
{"Time":"2025-01-01T00:00:00Z","Action":"output","Package":"m/broken","Output":"FAIL\tm/broken [build failed]\n"}
{"Time":"2025-01-01T00:00:00Z","Action":"fail","Package":"m/broken","Elapsed":0,"FailedBuild":"m/broken [m/broken.test]"}
"##,
        )
        .unwrap_err();
        assert_eq!(
            r,
            ParseError::BuildFailed(
                "m/broken: build failed:\n# m/broken [m/broken.test]\nbroken/x_test.go:6:17: undefined: Foo"
                    .into()
            )
        );
    }

    #[test]
    fn reruns_with_count_give_one_result_each() {
        let r = parse(
            br#"{"Action":"run","Package":"p","Test":"T"}
{"Action":"pass","Package":"p","Test":"T","Elapsed":0.5}
{"Action":"run","Package":"p","Test":"T"}
{"Action":"output","Package":"p","Test":"T","Output":"    x_test.go:3: boom\n"}
{"Action":"fail","Package":"p","Test":"T","Elapsed":1e300}
{"Action":"fail","Package":"p","Elapsed":1}
"#,
        )
        .unwrap();
        let seen: Vec<_> = r
            .iter()
            .map(|t| (t.id.as_str(), t.outcome, t.message.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                ("p::T", Outcome::Pass, None),
                ("p::T", Outcome::Fail, Some("x_test.go:3: boom")),
            ]
        );
        assert_eq!(r[0].duration, Duration::from_millis(500));
    }

    #[test]
    fn testmain_failure_blames_the_package() {
        let r = parse(
            br#"{"Action":"run","Package":"p","Test":"T"}
{"Action":"pass","Package":"p","Test":"T"}
{"Action":"output","Package":"p","Output":"leak detected: 3 goroutines\n"}
{"Action":"output","Package":"p","Output":"FAIL\tp\t0.1s\n"}
{"Action":"fail","Package":"p","Elapsed":0.1}
"#,
        )
        .unwrap();
        assert_eq!(r[1].id, "p::(package)");
        assert_eq!(r[1].message.as_deref(), Some("leak detected: 3 goroutines"));
    }

    #[test]
    fn every_cut_of_a_report_parses_without_panicking() {
        for report in [
            &include_bytes!("../../tests/fixtures/go/fail.jsonl")[..],
            include_bytes!("../../tests/fixtures/go/panic.jsonl"),
            include_bytes!("../../tests/fixtures/go/non-utf8.jsonl"),
        ] {
            crate::parse::testing::never_panics(report, parse);
        }
    }

    #[test]
    fn odd_inputs_are_errors_not_panics() {
        for input in [
            &b"{"[..],
            b"{}",
            b"{\"Action\":1}",
            b"{\"Action\":\"fail\",\"Test\":\"T\"}",
            b"{\"Action\":\"pass\",\"Package\":\"p\",\"Elapsed\":-1}",
            b"{\"Action\":\"output\",\"Package\":\"p\",\"Test\":\"T\",\"Output\":null}",
            b"FAIL\t [build failed]",
            b"# \n",
            b"\xff\xfe",
        ] {
            let _ = parse(input);
        }
        assert_eq!(parse(b"\n \n").unwrap_err(), ParseError::Empty);
        assert!(matches!(
            parse(b"ok  \tp\t0.1s\n").unwrap_err(),
            ParseError::Malformed(_)
        ));
    }
}
