//! Which attempts say nothing about individual tests, and by which rule.
//!
//! An attempt is set aside (left out of every test's rate) only when its results cannot be
//! trusted as results: no usable report, no test ran, the test process crashed, or every
//! failing test failed the same way and that way is about the environment (a service refusing
//! connections, memory, disk, a missing module) or is a setup error hitting every test. Many
//! tests failing at once, each with its own assertion, is a result: dropping such attempts would
//! bias every rate down, and a suite where everything fails must read as failing.

use super::signature;
use crate::model::{Exit, InfraRule, Outcome, SetAside, TestResult};

/// Words in a failure message that say the environment failed, not the code under test
/// (matched case-insensitively).
const ENVIRONMENT_WORDS: &[&str] = &[
    // A service the tests need is not there.
    "connection refused",
    "econnrefused",
    "connectionrefusederror",
    "could not connect to server",
    "no route to host",
    "network is unreachable",
    "enetunreach",
    "name or service not known",
    "temporary failure in name resolution",
    "getaddrinfo enotfound",
    "getaddrinfo eai_again",
    "nodename nor servname provided",
    "address already in use",
    "eaddrinuse",
    // The machine ran out of something.
    "out of memory",
    "memoryerror",
    "cannot allocate memory",
    "enomem",
    "heap out of memory",
    "no space left on device",
    "enospc",
    "too many open files",
    "emfile",
    "disk quota exceeded",
    // The code could not be loaded.
    "modulenotfounderror",
    "importerror",
    "no module named",
    "cannot find module",
    "err_module_not_found",
    "error while loading shared libraries",
];

/// How many failing tests must share an environment failure before it sets the attempt aside:
/// one test failing on a refused connection is that test's result.
const ENVIRONMENT_MIN_TESTS: usize = 2;

/// What a shell, npm or env says by exiting 127: the command to run was not found.
pub const COMMAND_NOT_FOUND: &str = "command not found (exit status 127)";

/// An attempt whose command exited 127: a shell (or npm, or env) found no such command, so no
/// test ran, whatever the command's report says.
pub fn command_not_found(exit: Exit) -> Option<SetAside> {
    (exit == Exit::Code(127)).then(|| {
        SetAside::new(
            InfraRule::NoTests,
            format!("{COMMAND_NOT_FOUND} before any test ran"),
        )
    })
}

/// The tests of one finished attempt whose report was read (or why it could not be), and
/// whether the attempt says anything about them. `ended` describes how the command ended, in
/// words, for the reasons.
pub fn judge(
    exit: Exit,
    parsed: Result<Vec<TestResult>, String>,
    ended: &str,
) -> (Vec<TestResult>, Option<SetAside>) {
    let tests = match parsed {
        Err(e) if exit == Exit::Timeout => {
            return (
                Vec::new(),
                Some(SetAside::new(
                    InfraRule::NoReport,
                    format!("{ended} before its report was complete ({e})"),
                )),
            );
        }
        Err(e) => {
            let set = command_not_found(exit).unwrap_or(SetAside::new(InfraRule::NoReport, e));
            return (Vec::new(), Some(set));
        }
        Ok(mut tests) => {
            name_apart(&mut tests);
            tests
        }
    };
    let counted = tests.iter().filter(|t| t.outcome != Outcome::Skip).count();
    let set_aside = if counted == 0 {
        Some(match exit {
            Exit::Code(127) => command_not_found(exit).expect("exit 127"),
            Exit::Code(0) => SetAside::new(InfraRule::NoTests, "the report holds no test result"),
            _ => SetAside::new(
                InfraRule::NoTests,
                format!("the command {ended} before any test ran"),
            ),
        })
    } else if let Exit::Signal(_) = exit {
        Some(SetAside::new(
            InfraRule::Crash,
            format!("the test process was {ended}"),
        ))
    } else {
        environment_failure(&tests, counted)
    };
    (tests, set_aside)
}

/// Tells apart the tests of one attempt that share an id (mocha and vitest allow two tests with
/// the same file and full title): the second and later get ` #2`, ` #3`, in report order. Else
/// they would count as one test with more runs than attempts, and a test that fails every time
/// beside a twin that passes would read as flaky.
fn name_apart(tests: &mut [TestResult]) {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for t in tests.iter_mut() {
        let n = seen.entry(t.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            t.id = format!("{} #{n}", t.id);
        }
    }
}

/// The shared failure that makes an attempt's failures about the environment, if there is one.
fn environment_failure(tests: &[TestResult], counted: usize) -> Option<SetAside> {
    let failing: Vec<&TestResult> = tests.iter().filter(|t| t.outcome.is_failure()).collect();
    if failing.len() < ENVIRONMENT_MIN_TESTS {
        return None;
    }
    let message = |t: &TestResult| t.message.clone().unwrap_or_default();
    let first = message(failing[0]);
    let shared = signature(&first);
    if failing.iter().any(|t| signature(&message(t)) != shared) {
        return None;
    }
    let lower = first.to_lowercase();
    let environment = ENVIRONMENT_WORDS.iter().find(|w| lower.contains(*w));
    // A setup error (not an assertion) that every test of the attempt hit.
    let setup_everywhere =
        failing.len() == counted && failing.iter().all(|t| t.outcome == Outcome::Error);
    if environment.is_none() && !setup_everywhere {
        return None;
    }
    let example: String = first
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    let what = if environment.is_some() {
        "failed the same way, on their environment"
    } else {
        "errored the same way in their setup"
    };
    Some(SetAside::new(
        InfraRule::Environment,
        format!("{} of {counted} tests {what}: {example}", failing.len()),
    ))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn result(id: &str, outcome: Outcome, message: Option<&str>) -> TestResult {
        TestResult {
            id: id.into(),
            outcome,
            duration: Duration::ZERO,
            message: message.map(Into::into),
        }
    }

    fn rule(exit: Exit, tests: Vec<TestResult>) -> Option<InfraRule> {
        judge(exit, Ok(tests), "exited with status 1")
            .1
            .map(|s| s.rule)
    }

    #[test]
    fn many_tests_failing_each_their_own_way_are_results() {
        // 8 of 10 failed in one attempt, each with its own assertion: a result, not the
        // environment (the old "most failed together" rule dropped such attempts).
        let mut tests: Vec<TestResult> = (0..8)
            .map(|i| {
                result(
                    &format!("t{i}"),
                    Outcome::Fail,
                    Some(&format!("AssertionError: check {i} failed: expected {i}")),
                )
            })
            .collect();
        tests.push(result("ok1", Outcome::Pass, None));
        tests.push(result("ok2", Outcome::Pass, None));
        assert_eq!(rule(Exit::Code(1), tests), None);
    }

    #[test]
    fn every_test_failing_with_its_own_assertion_is_a_failing_suite() {
        let tests = (0..6)
            .map(|i| {
                result(
                    &format!("TestX{i}"),
                    Outcome::Fail,
                    Some(&format!("x_test.go:{i}: got {i}, want {}", i + 1)),
                )
            })
            .collect();
        // The same signature ("x_test.go:N: got N, want N") but nothing about the environment.
        assert_eq!(rule(Exit::Code(1), tests), None);
    }

    #[test]
    fn one_environment_failure_shared_by_the_failing_tests_sets_the_attempt_aside() {
        let tests = vec![
            result(
                "a",
                Outcome::Fail,
                Some("ConnectionRefusedError: [Errno 111] Connection refused"),
            ),
            result(
                "b",
                Outcome::Fail,
                Some("ConnectionRefusedError: [Errno 111] Connection refused"),
            ),
            result("c", Outcome::Pass, None),
        ];
        let (_, set) = judge(Exit::Code(1), Ok(tests), "exited with status 1");
        let set = set.expect("set aside");
        assert_eq!(set.rule, InfraRule::Environment);
        assert_eq!(
            set.reason,
            "2 of 3 tests failed the same way, on their environment: ConnectionRefusedError: [Errno 111] Connection refused"
        );
    }

    #[test]
    fn one_test_on_a_refused_connection_is_its_own_result() {
        let tests = vec![
            result("a", Outcome::Fail, Some("ECONNREFUSED 127.0.0.1:5432")),
            result("b", Outcome::Pass, None),
        ];
        assert_eq!(rule(Exit::Code(1), tests), None);
    }

    #[test]
    fn environment_failures_that_differ_are_results() {
        let tests = vec![
            result("a", Outcome::Fail, Some("ECONNREFUSED 127.0.0.1:5432")),
            result("b", Outcome::Fail, Some("AssertionError: 1 != 2")),
        ];
        assert_eq!(rule(Exit::Code(1), tests), None);
    }

    #[test]
    fn a_setup_error_hitting_every_test_sets_the_attempt_aside() {
        let all = (0..4)
            .map(|i| {
                result(
                    &format!("t{i}"),
                    Outcome::Error,
                    Some("failed on setup with \"fixture database: timeout\""),
                )
            })
            .collect();
        assert_eq!(rule(Exit::Code(1), all), Some(InfraRule::Environment));
        // Setup errors in some tests only are those tests' results.
        let some = vec![
            result("a", Outcome::Error, Some("failed on setup with \"boom\"")),
            result("b", Outcome::Error, Some("failed on setup with \"boom\"")),
            result("c", Outcome::Pass, None),
        ];
        assert_eq!(rule(Exit::Code(1), some), None);
    }

    #[test]
    fn tests_of_one_attempt_that_share_an_id_are_told_apart() {
        let tests = vec![
            result("f.js::dup x same", Outcome::Pass, None),
            result("f.js::dup x same", Outcome::Fail, Some("boom")),
            result("f.js::other", Outcome::Pass, None),
            result("f.js::dup x same", Outcome::Pass, None),
        ];
        let (tests, _) = judge(Exit::Code(1), Ok(tests), "exited with status 1");
        let ids: Vec<&str> = tests.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "f.js::dup x same",
                "f.js::dup x same #2",
                "f.js::other",
                "f.js::dup x same #3"
            ]
        );
    }

    #[test]
    fn no_report_no_tests_and_crashes() {
        let (_, set) = judge(
            Exit::Code(4),
            Err("no report at /tmp/x/report.xml".into()),
            "exited with status 4",
        );
        assert_eq!(set.map(|s| s.rule), Some(InfraRule::NoReport));
        let (_, set) = judge(Exit::Timeout, Err("truncated".into()), "timed out after 1s");
        assert_eq!(
            set.map(|s| s.reason),
            Some("timed out after 1s before its report was complete (truncated)".into())
        );
        let skipped = vec![result("a", Outcome::Skip, None)];
        let (_, set) = judge(Exit::Code(0), Ok(skipped), "exited with status 0");
        assert_eq!(
            set.map(|s| (s.rule, s.reason)),
            Some((InfraRule::NoTests, "the report holds no test result".into()))
        );
        let (_, set) = judge(Exit::Code(5), Ok(Vec::new()), "exited with status 5");
        assert_eq!(
            set.map(|s| s.reason),
            Some("the command exited with status 5 before any test ran".into())
        );
        let ran = vec![result("a", Outcome::Pass, None)];
        let (tests, set) = judge(Exit::Signal(11), Ok(ran), "killed by signal 11 (SIGSEGV)");
        assert_eq!(tests.len(), 1);
        assert_eq!(
            set.map(|s| (s.rule, s.reason)),
            Some((
                InfraRule::Crash,
                "the test process was killed by signal 11 (SIGSEGV)".into()
            ))
        );
    }
}
