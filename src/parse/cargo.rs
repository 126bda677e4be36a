//! Parser for the stable text output of `cargo test` (libtest's `test NAME ... ok` lines and the
//! `failures:` section with each failed test's panic).
//!
//! Feed it stdout and stderr merged in order (`2>&1`): cargo prints its `Running ...` lines on
//! stderr, and they say which test binary the following lines come from. Test ids are then
//! `<binary>::<test path>`, where `<binary>` is the source path cargo prints:
//! `src/lib.rs::tests::adds`, `tests/it.rs::smoke`, `src/main.rs::cli::parses` (that maps to
//! `--lib`, `--test it`, `--bin NAME`); doc tests are `doc:<crate>::src/lib.rs - add (line 5)`.
//! Without the `Running` lines (stdout alone) ids are the bare libtest names, and two binaries
//! may then report the same id: all are kept, the caller decides.
//!
//! A binary whose output stops before its `test result:` line crashed (abort, segfault, a
//! signal) or was cut off: its results so far are kept, a test whose line was started but never
//! finished (single-threaded runs print the name first) becomes an error, and one more error,
//! `<binary>::(crashed)`, stands for the crash itself. A compile error where no test ran is
//! [`ParseError::BuildFailed`] with the compiler's first lines; after tests of another binary ran,
//! it is one more error result, `(build)`.

use std::borrow::Cow;
use std::time::Duration;

use super::junit::summarize;
use super::{ParseError, Parsed};
use crate::model::{Outcome, TestResult};

/// Parses the text of `cargo test` (or of a libtest binary run directly).
pub fn parse(report: &[u8]) -> Parsed {
    let text = String::from_utf8_lossy(report);
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    let mut parser = Parser::default();
    let lines: Vec<Cow<'_, str>> = text
        .lines()
        .map(|l| strip_ansi(l.trim_end_matches('\r')))
        .collect();
    let mut lines = lines.iter().map(|l| l.as_ref()).peekable();
    while let Some(line) = lines.next() {
        if let Some(name) = section_header(line) {
            // The captured output of one failed test, up to the next header or list.
            let mut body = Vec::new();
            while let Some(next) = lines.peek() {
                if section_header(next).is_some()
                    || *next == "failures:"
                    || next.starts_with("test result: ")
                {
                    break;
                }
                body.push(*next);
                lines.next();
            }
            parser.failure_output(name, &body.join("\n"));
            continue;
        }
        parser.line(line);
    }
    parser.finish()
}

#[derive(Default)]
struct Binary {
    /// The short name of the test binary, when a `Running` line said which it is.
    prefix: Option<String>,
    /// Index in `results` of this binary's first result.
    first: usize,
    /// A test whose `test NAME ... ` line has no verdict yet (`--nocapture`, or a crash).
    pending: Option<Pending>,
    /// Why cargo says the binary ended, from its `process didn't exit successfully` line.
    exit: Option<String>,
}

struct Pending {
    name: String,
    output: Vec<String>,
}

#[derive(Default)]
struct Parser {
    results: Vec<TestResult>,
    /// The binary whose output is being read: opened by `Running`/`running N tests`, closed by
    /// its `test result:` line.
    current: Option<Binary>,
    /// The prefix of the next binary, from a `Running` line not yet followed by `running N tests`.
    next_prefix: Option<String>,
    /// Seen anything libtest prints (a binary started or a test line).
    saw_libtest: bool,
    build_error: Option<String>,
    /// A compiler error block being read: its first line and location are the message.
    build_lines: Vec<String>,
}

impl Parser {
    fn line(&mut self, line: &str) {
        let trimmed = line.trim();
        // cargo right-aligns its status words; a test printing "Running" starts at column 0.
        let cargo_status = line.starts_with(' ');
        if let Some(rest) = trimmed.strip_prefix("Running ").filter(|_| cargo_status) {
            self.close_binary();
            self.next_prefix = Some(binary_prefix(rest));
            return;
        }
        if let Some(krate) = trimmed.strip_prefix("Doc-tests ").filter(|_| cargo_status) {
            self.close_binary();
            self.next_prefix = Some(format!("doc:{krate}"));
            return;
        }
        if is_running_line(line) {
            self.close_binary();
            self.open_binary();
            return;
        }
        if line.starts_with("test result: ") {
            if let Some(mut binary) = self.current.take() {
                // A verdict never printed for a started test, yet the binary finished: only
                // possible with interleaved output; the summary line has the last word.
                if let Some(p) = binary.pending.take() {
                    self.settle(&binary, &p);
                }
            }
            return;
        }
        if let Some((name, verdict)) = test_line_in(line) {
            self.test_line(name, verdict);
            return;
        }
        if trimmed.contains("process didn't exit successfully")
            && let Some(binary) = self.current.as_mut()
        {
            binary.exit = Some(exit_reason(trimmed));
        }
        if let Some(mut binary) = self.current.take() {
            if let Some(mut p) = binary.pending.take() {
                if let Some(outcome) = bare_verdict(trimmed) {
                    let message = match outcome {
                        Outcome::Fail => panic_message(&p.output.join("\n")),
                        _ => None,
                    };
                    self.push(&binary, &p.name, outcome, message);
                } else {
                    // The test's own output, printed between its name and its verdict.
                    if p.output.len() < 200 {
                        p.output.push(line.to_owned());
                    }
                    binary.pending = Some(p);
                }
                self.current = Some(binary);
                return;
            }
            self.current = Some(binary);
        }
        self.compiler_line(line);
    }

    fn open_binary(&mut self) {
        self.saw_libtest = true;
        self.current = Some(Binary {
            prefix: self.next_prefix.take(),
            first: self.results.len(),
            ..Binary::default()
        });
    }

    fn test_line(&mut self, name: &str, rest: &str) {
        if self.current.is_none() {
            // Output that starts mid-binary (a cut excerpt): still worth reading.
            self.open_binary();
        }
        let name = name.strip_suffix(" - should panic").unwrap_or(name).trim();
        let mut binary = self.current.take().expect("opened above");
        if let Some(p) = binary.pending.take() {
            // Another test started before the last one had a verdict.
            self.settle(&binary, &p);
        }
        match verdict(rest.trim()) {
            Some((outcome, message)) => self.push(&binary, name, outcome, message),
            None => {
                let first = rest.trim();
                binary.pending = Some(Pending {
                    name: name.to_owned(),
                    output: if first.is_empty() {
                        Vec::new()
                    } else {
                        vec![first.to_owned()]
                    },
                });
            }
        }
        self.current = Some(binary);
    }

    /// Ends a test whose verdict never came on a line of its own: it is glued to the end of the
    /// test's output (a test that printed without a newline: `test a ... hellook`), or the test
    /// never ended.
    fn settle(&mut self, binary: &Binary, p: &Pending) {
        let glued = p.output.last().and_then(|last| {
            [
                ("ok", Outcome::Pass),
                ("FAILED", Outcome::Fail),
                ("ignored", Outcome::Skip),
            ]
            .into_iter()
            .find(|(word, _)| last.ends_with(word))
        });
        match glued {
            Some((_, outcome)) => self.push(binary, &p.name, outcome, None),
            None => self.push(binary, &p.name, Outcome::Error, Some(unfinished(p))),
        }
    }

    fn push(&mut self, binary: &Binary, name: &str, outcome: Outcome, message: Option<String>) {
        self.results.push(TestResult {
            id: qualified(binary.prefix.as_deref(), name),
            outcome,
            duration: Duration::ZERO,
            message,
        });
    }

    /// Gives the panic from a `---- NAME stdout ----` section to that test's failed result.
    fn failure_output(&mut self, name: &str, body: &str) {
        let (first, prefix) = match &self.current {
            Some(b) => (b.first, b.prefix.as_deref()),
            None => (0, None),
        };
        let id = qualified(prefix, name);
        if let Some(result) = self.results[first..]
            .iter_mut()
            .rev()
            .find(|r| r.id == id && r.outcome == Outcome::Fail)
        {
            result.message = panic_message(body).or_else(|| summarize(body));
        }
    }

    /// Keeps the first compiler error and its location, reported once cargo gives up.
    fn compiler_line(&mut self, line: &str) {
        if self.build_error.is_some() {
            return;
        }
        if line.starts_with("error: could not compile") {
            if self.build_lines.is_empty() {
                self.build_lines.push(line.to_owned());
            }
            self.build_error = summarize(&self.build_lines.join("\n"));
        } else if (self.build_lines.is_empty()
            && (line.starts_with("error[") || line.starts_with("error: "))
            && !line.starts_with("error: test failed")
            && !line.contains("target failed")
            && !line.contains("targets failed"))
            || (self.build_lines.len() == 1 && line.trim_start().starts_with("--> "))
        {
            self.build_lines.push(line.to_owned());
        }
    }

    /// Ends the current binary; without its `test result:` line it crashed.
    fn close_binary(&mut self) {
        let Some(mut binary) = self.current.take() else {
            return;
        };
        let reason = match &binary.exit {
            Some(exit) => format!("the test binary crashed ({exit})"),
            None => "the test binary stopped before its `test result:` line (crashed, killed or cut off)"
                .to_owned(),
        };
        if let Some(p) = binary.pending.take() {
            let mut message = reason.clone();
            if let Some(output) = panic_message(&p.output.join("\n")) {
                message = format!("{message}\n{output}");
            }
            self.push(&binary, &p.name, Outcome::Error, summarize(&message));
        }
        self.push(&binary, "(crashed)", Outcome::Error, Some(reason));
    }

    fn finish(mut self) -> Parsed {
        self.close_binary();
        if let Some(message) = self.build_error.take() {
            if self.results.is_empty() {
                // No test ran: the attempt measured nothing (as a go package that does not build).
                // One line: `error[E0308]: mismatched types --> src/lib.rs:98:38`.
                let line: Vec<&str> = message.lines().map(str::trim).collect();
                return Err(ParseError::BuildFailed(line.join(" ")));
            }
            self.results.push(TestResult {
                id: "(build)".to_owned(),
                outcome: Outcome::Error,
                duration: Duration::ZERO,
                message: Some(message),
            });
        } else if !self.saw_libtest {
            return Err(ParseError::Malformed(
                "no libtest output: expected `running N tests` and `test NAME ... ok` lines"
                    .to_owned(),
            ));
        }
        Ok(self.results)
    }
}

/// The line without terminal colour codes (`CARGO_TERM_COLOR=always`, `--color always`).
fn strip_ansi(line: &str) -> Cow<'_, str> {
    if !line.contains('\x1b') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ parameters, ended by a letter.
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `running 7 tests` / `running 1 test`.
fn is_running_line(line: &str) -> bool {
    line.strip_prefix("running ")
        .and_then(|rest| rest.split_once(' '))
        .is_some_and(|(n, word)| {
            !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && (word == "tests" || word == "test")
        })
}

/// The name in a `---- NAME stdout ----` header of the failures section.
fn section_header(line: &str) -> Option<&str> {
    let inner = line.strip_prefix("---- ")?.strip_suffix(" ----")?;
    inner
        .strip_suffix(" stdout")
        .or_else(|| inner.strip_suffix(" stderr"))
}

/// The name and the rest of a `test NAME ... ` line. Output a test printed without a newline can
/// come first (`hellotest b ... ok`, from another thread): then the line counts only when a
/// verdict follows, and the last `test ` starts it.
fn test_line_in(line: &str) -> Option<(&str, &str)> {
    if let Some(rest) = line.strip_prefix("test ") {
        return rest.split_once(" ... ");
    }
    line.match_indices("test ")
        .filter_map(|(i, _)| line[i + 5..].split_once(" ... "))
        .filter(|(name, rest)| !name.is_empty() && verdict(rest.trim()).is_some())
        .last()
}

/// A verdict alone on its line, after a test's own output (`--nocapture`).
fn bare_verdict(line: &str) -> Option<Outcome> {
    match line {
        "ok" => Some(Outcome::Pass),
        "FAILED" => Some(Outcome::Fail),
        _ if line == "ignored" || line.starts_with("ignored, ") => Some(Outcome::Skip),
        _ => None,
    }
}

/// A verdict after `test NAME ... `, with the message it carries (an ignore reason).
fn verdict(rest: &str) -> Option<(Outcome, Option<String>)> {
    let word = |w: &str| {
        rest.strip_prefix(w)
            .filter(|after| after.is_empty() || after.starts_with([' ', ',', '<']))
    };
    if word("ok").is_some() || rest.starts_with("bench:") {
        return Some((Outcome::Pass, None));
    }
    if word("FAILED").is_some() {
        return Some((Outcome::Fail, None));
    }
    if let Some(after) = word("ignored") {
        let reason = after.trim_start_matches(',').trim();
        return Some((
            Outcome::Skip,
            (!reason.is_empty()).then(|| reason.to_owned()),
        ));
    }
    None
}

/// The short binary name from what follows `Running `: the source path cargo prints
/// (`unittests src/lib.rs (target/debug/deps/flakydemo-1a2b)` gives `src/lib.rs`), or, from
/// cargo versions that printed only the executable, its name without the hash.
fn binary_prefix(rest: &str) -> String {
    let rest = rest.strip_prefix("unittests ").unwrap_or(rest).trim();
    if let Some((source, _)) = rest.split_once(" (") {
        return source.trim().to_owned();
    }
    let file = rest.rsplit(['/', '\\']).next().unwrap_or(rest);
    let file = file.strip_suffix(".exe").unwrap_or(file);
    match file.rsplit_once('-') {
        Some((name, hash)) if !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            name.to_owned()
        }
        _ => file.to_owned(),
    }
}

fn qualified(prefix: Option<&str>, name: &str) -> String {
    match prefix {
        Some(p) => format!("{p}::{name}"),
        None => name.to_owned(),
    }
}

/// `(signal: 6, SIGABRT: process abort signal)` at the end of cargo's line, without parentheses.
fn exit_reason(line: &str) -> String {
    line.rsplit_once(" (")
        .and_then(|(_, r)| r.strip_suffix(')'))
        .unwrap_or(line)
        .to_owned()
}

fn unfinished(p: &Pending) -> String {
    let base = "the test started but printed no verdict";
    match panic_message(&p.output.join("\n")) {
        Some(output) => format!("{base}\n{output}"),
        None => base.to_owned(),
    }
}

/// The panic in a Rust test's output, from `panicked at` to the end of its payload, without the
/// thread name and id (the id changes every run, and equal messages should compare equal) and
/// without the backtrace hint. `None` when the text has no panic.
pub(crate) fn panic_message(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| l.contains("panicked at"))?;
    let first = &lines[start][lines[start].find("panicked at")?..];
    let mut kept = vec![first];
    for line in &lines[start + 1..] {
        let t = line.trim_start();
        if t.starts_with("note: run with `RUST_BACKTRACE")
            || t.starts_with("stack backtrace:")
            || t.starts_with("note: Some details are omitted")
        {
            break;
        }
        kept.push(line);
    }
    summarize(&kept.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::junit::render_for_snapshot;

    macro_rules! snapshot {
        ($name:ident, $path:literal) => {
            #[test]
            fn $name() {
                let parsed = parse(include_bytes!(concat!(
                    "../../tests/fixtures/cargo/",
                    $path
                )));
                insta::assert_snapshot!(render_for_snapshot(&parsed));
            }
        };
    }

    snapshot!(pass, "pass.txt");
    snapshot!(fail_seed8, "fail-seed8.txt");
    snapshot!(fail_seed7, "fail-seed7.txt");
    snapshot!(stdout_only_seed8, "stdout-only-seed8.txt");
    snapshot!(threads_seed8, "threads-seed8.txt");
    snapshot!(nocapture, "nocapture.txt");
    snapshot!(skip, "skip.txt");
    snapshot!(crash, "crash.txt");
    snapshot!(duplicates, "duplicates.txt");
    snapshot!(build_error, "build-error.txt");
    snapshot!(truncated, "truncated.txt");
    snapshot!(empty, "empty.txt");
    snapshot!(malformed, "malformed.txt");
    snapshot!(non_utf8, "non-utf8.txt");
    snapshot!(glued_threads, "glued-threads.txt");
    snapshot!(glued_serial, "glued-serial.txt");

    #[test]
    fn panics_in_one_file_keep_signatures_of_their_own() {
        let r = parse(include_bytes!(
            "../../tests/fixtures/cargo/glued-threads.txt"
        ))
        .unwrap();
        let signatures: std::collections::BTreeSet<String> = r
            .iter()
            .filter_map(|t| t.message.as_deref())
            .map(crate::analysis::signature)
            .collect();
        assert_eq!(
            signatures.into_iter().collect::<Vec<_>>(),
            [
                "assertion `left == right` failed left: N right: N",
                "boom N",
                "called `Option::unwrap()` on a `None` value"
            ]
        );
    }

    #[test]
    fn old_cargo_running_lines_and_report_time() {
        let r = parse(
            b"     Running target/debug/deps/it-0123abcd\n\nrunning 2 tests\n\
              test a ... ok <0.002s>\ntest b ... bench:   1,234 ns/iter (+/- 5)\n\n\
              test result: ok. 2 passed; 0 failed\n",
        )
        .unwrap();
        let ids: Vec<_> = r.iter().map(|t| (t.id.as_str(), t.outcome)).collect();
        assert_eq!(ids, [("it::a", Outcome::Pass), ("it::b", Outcome::Pass)]);
    }

    #[test]
    fn colours_are_ignored() {
        let r = parse(
            b"\x1b[1m\x1b[92m     Running\x1b[0m tests/it.rs (target/debug/deps/it-0a1b)\n\
              running 1 test\ntest a ... \x1b[32mok\x1b[0m\n\ntest result: \x1b[32mok\x1b[0m. 1 passed\n",
        )
        .unwrap();
        assert_eq!(r[0].id, "tests/it.rs::a");
        assert_eq!(r[0].outcome, Outcome::Pass);
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn stdout_only_crash_then_next_binary() {
        // Without `Running` lines a new `running N tests` line after an unfinished binary is
        // the only sign that the first one died.
        let r = parse(
            b"running 2 tests\ntest a ... ok\ntest b ... \nrunning 1 test\ntest c ... ok\n\n\
              test result: ok. 1 passed\n",
        )
        .unwrap();
        let ids: Vec<_> = r.iter().map(|t| (t.id.as_str(), t.outcome)).collect();
        assert_eq!(
            ids,
            [
                ("a", Outcome::Pass),
                ("b", Outcome::Error),
                ("(crashed)", Outcome::Error),
                ("c", Outcome::Pass),
            ]
        );
    }

    #[test]
    fn old_panic_format_and_long_payloads() {
        let long = "x".repeat(2000);
        let text = format!(
            "running 1 test\ntest t ... FAILED\n\nfailures:\n\n---- t stdout ----\nprinted first\n\
             thread 't' panicked at '{long}', src/lib.rs:1:1\n\nfailures:\n    t\n\n\
             test result: FAILED. 0 passed; 1 failed\n"
        );
        let r = parse(text.as_bytes()).unwrap();
        let m = r[0].message.as_deref().unwrap();
        assert!(m.starts_with("panicked at 'xxx"), "{m}");
        assert!(m.len() < 600);
    }

    #[test]
    fn every_cut_of_a_report_parses_without_panicking() {
        for report in [
            &include_bytes!("../../tests/fixtures/cargo/fail-seed8.txt")[..],
            include_bytes!("../../tests/fixtures/cargo/crash.txt"),
            include_bytes!("../../tests/fixtures/cargo/nocapture.txt"),
            include_bytes!("../../tests/fixtures/cargo/non-utf8.txt"),
        ] {
            crate::parse::testing::never_panics(report, parse);
        }
    }

    #[test]
    fn odd_inputs_are_errors_not_panics() {
        for input in [
            &b"test "[..],
            b"test  ... ",
            b"running x tests",
            b"running 1 test\n---- ----\n",
            b"---- a stdout ----\n",
            b"test result: ok",
            b"\xff\xfe\n\r\n",
            b"error: could not compile",
            b"     Running \n",
            b"     Doc-tests \nrunning 0 tests\n",
        ] {
            let _ = parse(input);
        }
        assert_eq!(parse(b" \r\n ").unwrap_err(), ParseError::Empty);
        assert!(matches!(
            parse(b"hello").unwrap_err(),
            ParseError::Malformed(_)
        ));
    }
}
