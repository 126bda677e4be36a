//! Parser for the text Go test binaries print with `-test.v` (before Go 1.20; from 1.20 on,
//! `-test.v=test2json`, whose framing lines start with `^V`: see [`Binary::framing`]), as flaky's
//! prebuilt steps write it when an attempt runs each package's test binary without test2json:
//! per package a [`banner`] line, the binary's stdout and stderr, then an [`exit_line`] once it
//! has exited.
//!
//! Each package's lines become the events `go test -json` makes of them (it feeds the binary's
//! output to test2json), read by [`super::gotest`]'s stream, so ids, outcomes, durations and
//! messages are those `go test -json` gives:
//! - `=== RUN   `, `=== PAUSE ` and `=== CONT  ` start, pause and resume a test, and the output
//!   that follows is that test's (parallel tests take turns behind `=== CONT` lines);
//! - `--- PASS: `, `--- FAIL: ` and `--- SKIP: ` give a test's result and duration (`(0.01s)`),
//!   indented four spaces per subtest level. A result takes effect at the next `===` line, the
//!   next result at its level or above, or the binary's final `PASS` or `FAIL`; until then the
//!   output is still the test's, and an indented line is that of the result pending at its depth;
//! - once the binary has exited, the package passed if it exited 0. Otherwise it failed, and as
//!   go test does, a `FAIL` line puts the pending results into effect (the test a panic came
//!   from fails with it), and a binary that printed nothing gets its exit status as its output.
//!   Output that stops before its exit line (the attempt was killed, or the report cut off)
//!   ends nothing: the tests it left running are errors.
//!
//! test2json also splits lines over 4 KiB, which can only change what of a test's output past
//! its first 4 KiB a message keeps; here lines are read whole.

use super::gotest::{GoEvent, Stream};
use super::{ParseError, Parsed};
use crate::model::Exit;

/// What starts flaky's own lines in the report: `^V`, which test output does not hold (Go 1.20's
/// `-test.v=test2json` frames its lines with it for the same reason).
const MARK: &str = "\u{16}flaky: ";

/// What starts a line Go 1.20's `-test.v=test2json` framed.
const FRAME: char = '\u{16}';

/// The line written to the report before a package's test binary runs.
pub fn banner(package: &str) -> String {
    format!("{MARK}package {package}\n")
}

/// The line written to the report after a package's test binary has exited.
pub fn exit_line(exit: Exit) -> String {
    match exit {
        Exit::Code(code) => format!("{MARK}exit status {code}\n"),
        Exit::Signal(signal) => format!("{MARK}killed by signal {signal}\n"),
        Exit::Timeout => format!("{MARK}timed out\n"),
    }
}

/// Whether `report` is the binaries' text (it starts with a banner) rather than `go test -json`.
pub fn is_text(report: &[u8]) -> bool {
    report.starts_with(MARK.as_bytes())
}

/// Parses the report; see the module docs.
pub fn parse(report: &[u8]) -> Parsed {
    let text = String::from_utf8_lossy(report);
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    let mut stream = Stream::default();
    let mut binary: Option<Binary> = None;
    for line in text.split_inclusive('\n') {
        // flaky's line follows output that did not end its last line (a binary that died).
        let (own, flaky) = match line.find(MARK) {
            Some(at) => (&line[..at], Some(line[at + MARK.len()..].trim_end())),
            None => (line, None),
        };
        match flaky.map(|l| (l, l.strip_prefix("package "))) {
            Some((ended, None)) => {
                if let Some(binary) = binary.take() {
                    binary.exited(own, ended, &mut stream);
                }
            }
            package => {
                if let Some(binary) = &mut binary
                    && !own.is_empty()
                {
                    binary.line(own, &mut stream);
                }
                if let Some((_, Some(package))) = package {
                    binary = Some(Binary::new(package));
                }
            }
        }
    }
    stream.results()
}

/// One package's binary, read line by line.
struct Binary {
    package: String,
    /// The test the output is attributed to: the last one named (empty: the package's own).
    current: String,
    /// Results read but not yet in effect, one per subtest level, outermost first.
    pending: Vec<GoEvent>,
    /// Whether the binary printed anything.
    said: bool,
    /// Whether it frames its lines (`-test.v=test2json`, Go 1.20 and later).
    framed: bool,
}

const STARTS: [(&str, &str); 3] = [
    ("=== RUN   ", "run"),
    ("=== PAUSE ", "pause"),
    ("=== CONT  ", "cont"),
];

const RESULTS: [(&str, &str); 4] = [
    ("--- PASS: ", "pass"),
    ("--- FAIL: ", "fail"),
    ("--- SKIP: ", "skip"),
    ("--- BENCH: ", "bench"),
];

impl Binary {
    fn new(package: &str) -> Self {
        Self {
            package: package.to_owned(),
            current: String::new(),
            pending: Vec::new(),
            said: false,
            framed: false,
        }
    }

    fn line(&mut self, line: &str, stream: &mut Stream) {
        self.said = true;
        // A line cut off (the binary died mid-write) is output, whatever it looks like.
        if !line.ends_with('\n') {
            return self.output(line.trim_start_matches(FRAME), stream);
        }
        if let Some(framing) = line.strip_prefix(FRAME) {
            self.framed = true;
            // A result takes effect at the next framing line: the output until then (a
            // panic's) is still its test's.
            self.settle(0, stream);
            return self.framing(framing, stream);
        }
        if self.framed {
            return self.output(line, stream);
        }
        if matches!(line, "PASS\n" | "FAIL\n") || line.starts_with("FAIL\t") {
            self.settle(0, stream);
            return self.output(line, stream);
        }
        if let Some((name, action)) = STARTS
            .iter()
            .find_map(|(prefix, action)| Some((line.strip_prefix(prefix)?, *action)))
        {
            self.settle(0, stream);
            self.current = name.trim().to_owned();
            stream.event(self.event(action));
            return self.output(line, stream);
        }
        let unindented = line.trim_start_matches("    ");
        let depth = (line.len() - unindented.len()) / 4;
        if let Some((name, action)) = RESULTS
            .iter()
            .find_map(|(prefix, action)| Some((unindented.strip_prefix(prefix)?, *action)))
        {
            // Deeper than any test it could belong to: output.
            if depth > self.pending.len() {
                return self.output(line, stream);
            }
            let (name, elapsed) = name_and_elapsed(name.trim());
            self.settle(depth, stream);
            self.current = name.to_owned();
            self.pending.push(GoEvent {
                action: action.to_owned(),
                package: Some(self.package.clone()),
                test: Some(name.to_owned()),
                elapsed,
                ..GoEvent::default()
            });
            return self.output(line, stream);
        }
        if let Some(result) = depth.checked_sub(1).and_then(|d| self.pending.get(d)) {
            self.current = result.test.clone().unwrap_or_default();
        }
        self.output(line, stream);
    }

    /// A line `-test.v=test2json` framed: results are not indented and name the test in full,
    /// `=== NAME` says whose the output that follows is, and a result takes effect at the next
    /// framing line.
    fn framing(&mut self, line: &str, stream: &mut Stream) {
        if let Some(name) = line.strip_prefix("=== NAME") {
            self.current = name.trim().to_owned();
            return;
        }
        if matches!(line, "PASS\n" | "FAIL\n") {
            self.current.clear();
            return self.output(line, stream);
        }
        if let Some((name, action)) = STARTS
            .iter()
            .find_map(|(prefix, action)| Some((line.strip_prefix(prefix)?, *action)))
        {
            self.current = name.trim().to_owned();
            stream.event(self.event(action));
            return self.output(line, stream);
        }
        if let Some((name, action)) = RESULTS
            .iter()
            .find_map(|(prefix, action)| Some((line.strip_prefix(prefix)?, *action)))
        {
            let (name, elapsed) = name_and_elapsed(name.trim());
            self.current = name.to_owned();
            self.output(line, stream);
            self.pending.push(GoEvent {
                elapsed,
                ..self.event(action)
            });
            return;
        }
        self.output(line, stream);
    }

    /// Puts the pending results deeper than `depth` into effect, innermost first.
    fn settle(&mut self, depth: usize, stream: &mut Stream) {
        self.current.clear();
        while self.pending.len() > depth {
            let result = self.pending.pop().expect("longer than depth");
            stream.event(result);
        }
    }

    /// The binary exited (`ended`: `exit status 1`) after `unended`, the line it left
    /// unfinished: the lines go test then writes, and the package's end.
    fn exited(mut self, unended: &str, ended: &str, stream: &mut Stream) {
        if !unended.is_empty() {
            self.line(&format!("{unended}\n"), stream);
        }
        let passed = ended == "exit status 0";
        if self.framed {
            // What go test adds after the binary is the package's.
            self.settle(0, stream);
        }
        if !passed {
            if !self.said {
                self.line(&format!("{ended}\n"), stream);
            }
            self.line(&format!("FAIL\t{}\n", self.package), stream);
        }
        stream.event(self.event(if passed { "pass" } else { "fail" }));
    }

    fn output(&self, line: &str, stream: &mut Stream) {
        stream.event(GoEvent {
            output: Some(line.to_owned()),
            ..self.event("output")
        });
    }

    /// An event of the current test (or of the package, when none is).
    fn event(&self, action: &str) -> GoEvent {
        GoEvent {
            action: action.to_owned(),
            package: Some(self.package.clone()),
            test: (!self.current.is_empty()).then(|| self.current.clone()),
            ..GoEvent::default()
        }
    }
}

/// `TestName (0.01s)` taken apart; the duration is `None` when it does not read as one.
fn name_and_elapsed(text: &str) -> (&str, Option<f64>) {
    let Some((name, time)) = text.split_once(" (") else {
        return (text, None);
    };
    let seconds = time.strip_suffix("s)").and_then(|s| s.parse().ok());
    (name, seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Outcome, TestResult};
    use crate::parse::junit::render_for_snapshot;

    /// The captures in `tests/fixtures/go/verbose/`, each with what `go test -json` made of it.
    const CAPTURES: [&str; 8] = [
        "pass",
        "fail",
        "shuffle-fail",
        "skip",
        "panic",
        "timeout",
        "duplicates",
        "parallel",
    ];

    /// Go 1.19's `-test.v` text, and Go 1.23's `-test.v=test2json` framed text (the same cases,
    /// captured with `GO_V=test2json VERBOSE_DIR=verbose-go1.23`), with their snapshots' prefix.
    const DIRS: [(&str, &str); 2] = [("verbose", ""), ("verbose-go1.23", "go1_23_")];

    fn capture_in(dir: &str, file: &str) -> Vec<u8> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/go");
        std::fs::read(format!("{root}/{dir}/{file}")).unwrap()
    }

    fn capture(file: &str) -> Vec<u8> {
        capture_in("verbose", file)
    }

    #[test]
    fn snapshots() {
        for (dir, prefix) in DIRS {
            for name in CAPTURES.iter().chain(&["truncated", "non-utf8"]) {
                let parsed = parse(&capture_in(dir, &format!("{name}.txt")));
                insta::assert_snapshot!(
                    format!("{prefix}{}", name.replace('-', "_")),
                    render_for_snapshot(&parsed)
                );
            }
        }
    }

    /// What `go test -json` made of the same bytes and exit status, read by the JSON parser:
    /// the same results.
    #[test]
    fn the_text_and_go_test_json_give_the_same_results() {
        for (dir, _) in DIRS {
            for name in CAPTURES {
                let text = parse(&capture_in(dir, &format!("{name}.txt")));
                let json = super::super::gotest::parse(&capture_in(dir, &format!("{name}.jsonl")));
                assert_eq!(text, json, "{dir}/{name}");
            }
        }
    }

    fn seen(results: &[TestResult]) -> Vec<(&str, Outcome, Option<&str>)> {
        results
            .iter()
            .map(|t| (t.id.as_str(), t.outcome, t.message.as_deref()))
            .collect()
    }

    #[test]
    fn a_binary_that_fails_after_its_pass_line_fails_its_package() {
        let mut report = banner("p");
        report.push_str("=== RUN   T\n--- PASS: T (0.50s)\nPASS\nleak: 3 goroutines\n");
        report.push_str(&exit_line(Exit::Code(1)));
        let r = parse(report.as_bytes()).unwrap();
        assert_eq!(
            seen(&r),
            [
                ("p::T", Outcome::Pass, None),
                ("p::(package)", Outcome::Error, Some("leak: 3 goroutines")),
            ]
        );
        assert_eq!(r[0].duration, std::time::Duration::from_millis(500));
    }

    #[test]
    fn a_binary_cut_off_mid_line_leaves_its_test_running() {
        let mut report = banner("p");
        report.push_str("=== RUN   T\n    x_test.go:3: half a li");
        report.push_str(&banner("q"));
        report.push_str("=== RUN   U\n--- PASS: U (0.00s)\nPASS\n");
        report.push_str(&exit_line(Exit::Code(0)));
        let cut = "the test never ended: its test binary crashed or the report was cut off";
        assert_eq!(
            seen(&parse(report.as_bytes()).unwrap()),
            [
                (
                    "p::T",
                    Outcome::Error,
                    Some(format!("{cut}\nx_test.go:3: half a li").as_str())
                ),
                ("q::U", Outcome::Pass, None),
            ]
        );
    }

    #[test]
    fn cut_and_odd_inputs_are_errors_not_panics() {
        for name in ["parallel.txt", "panic.txt", "non-utf8.txt"] {
            crate::parse::testing::never_panics(&capture(name), parse);
        }
        for input in [
            &b"\x16flaky: "[..],
            b"\x16flaky: package p\n        --- PASS: T (xs)\n--- FAIL: (",
            b"\x16flaky: exit status 0\n",
            b"\x16flaky: package p\n=== RUN   \n\x16flaky: killed by signal 9\n",
            b"\x16flaky: package p\xff\xfe\n",
        ] {
            let _ = parse(input);
        }
        assert_eq!(parse(b"\n \n").unwrap_err(), ParseError::Empty);
    }
}
