//! The report of a batch (`flaky run --batch K`): the JSON lines flaky's pytest plugin writes, one
//! per test of each attempt (`{"attempt": 3, "id": "tests/t.py::test_a", "outcome": "fail",
//! "duration": 0.01, "message": "..."}`) and one when an attempt has run all its tests
//! (`{"attempt": 3, "end": true}`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::ParseError;
use crate::model::{Outcome, TestResult};

/// What a batch's report says of one of its attempts.
#[derive(Debug, Default, PartialEq)]
pub struct Repeated {
    pub tests: Vec<TestResult>,
    /// Whether the attempt ran all its tests (the process did not die inside it).
    pub ended: bool,
}

#[derive(Deserialize)]
struct Line {
    attempt: u32,
    #[serde(default)]
    end: bool,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    duration: f64,
    #[serde(default)]
    message: Option<String>,
}

/// The attempts of a batch's report, by index. A line cut off at the end (the process died while
/// writing it) is left out; any other unreadable line makes the report malformed.
pub fn parse(report: &[u8]) -> Result<BTreeMap<u32, Repeated>, ParseError> {
    let text = String::from_utf8_lossy(report);
    let mut attempts: BTreeMap<u32, Repeated> = BTreeMap::new();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    for (n, raw) in lines.iter().enumerate() {
        let line: Line = match serde_json::from_str(raw) {
            Ok(line) => line,
            Err(_) if n + 1 == lines.len() && !text.ends_with('\n') => break,
            Err(e) => {
                return Err(ParseError::Malformed(format!(
                    "line {} of the batch report: {e}",
                    n + 1
                )));
            }
        };
        let entry = attempts.entry(line.attempt).or_default();
        if line.end {
            entry.ended = true;
            continue;
        }
        let outcome = match line.outcome.as_deref() {
            Some("pass") => Outcome::Pass,
            Some("fail") => Outcome::Fail,
            Some("error") => Outcome::Error,
            Some("skip") => Outcome::Skip,
            other => {
                return Err(ParseError::Malformed(format!(
                    "line {} of the batch report: the outcome is {other:?}, not pass, fail, error or skip",
                    n + 1
                )));
            }
        };
        let Some(id) = line.id else {
            return Err(ParseError::Malformed(format!(
                "line {} of the batch report has no test id",
                n + 1
            )));
        };
        entry.tests.push(TestResult {
            id,
            outcome,
            duration: Duration::try_from_secs_f64(line.duration).unwrap_or_default(),
            message: line.message.as_deref().and_then(super::junit::summarize),
        });
    }
    Ok(attempts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from the plugin on examples/python-pytest (three attempts, cut to a few tests).
    const CAPTURED: &str = r#"{"attempt": 0, "id": "tests/test_math.py::test_add", "outcome": "pass", "duration": 0.0011715869986801408, "message": null}
{"attempt": 0, "id": "tests/test_math.py::test_mean_always_fails", "outcome": "fail", "duration": 0.0014328669931273907, "message": "AssertionError: mean([1, 2, 3]) should be 2, the test expects 3 on purpose\nassert 2.0 == 3\n +  where 2.0 = mean([1, 2, 3])"}
{"attempt": 0, "end": true}
{"attempt": 1, "id": "tests/test_math.py::test_seeded_flaky", "outcome": "fail", "duration": 0.0010502900040592067, "message": "AssertionError: TEST_SEED=12 is a multiple of 4\nassert (12 % 4) != 0"}
{"attempt": 1, "id": "tests/test_registry.py::test_register_item", "outcome": "skip", "duration": 0.0007395650027319789, "message": null}
{"attempt": 1, "end": true}
{"attempt": 2, "id": "tests/test_math.py::test_add", "outcome": "error", "duration": 0.001, "message": "fixture 'db' not found"}
{"attempt": 2, "id": "tests/test_math.py::test_ad"#;

    #[test]
    fn attempts_tests_and_ends_are_read_and_a_cut_line_is_left_out() {
        let batch = parse(CAPTURED.as_bytes()).unwrap();
        assert_eq!(batch.keys().copied().collect::<Vec<_>>(), vec![0, 1, 2]);
        assert!(batch[&0].ended && batch[&1].ended && !batch[&2].ended);
        let outcomes = |i: u32| {
            batch[&i]
                .tests
                .iter()
                .map(|t| t.outcome)
                .collect::<Vec<_>>()
        };
        assert_eq!(outcomes(0), vec![Outcome::Pass, Outcome::Fail]);
        assert_eq!(outcomes(1), vec![Outcome::Fail, Outcome::Skip]);
        assert_eq!(outcomes(2), vec![Outcome::Error]);
        assert_eq!(
            batch[&1].tests[0].message.as_deref(),
            Some("AssertionError: TEST_SEED=12 is a multiple of 4\nassert (12 % 4) != 0")
        );
        assert_eq!(batch[&0].tests[0].id, "tests/test_math.py::test_add");
    }

    #[test]
    fn broken_lines_are_errors_naming_the_line() {
        for (bad, says) in [
            ("garbage\n{\"attempt\": 0, \"end\": true}\n", "line 1"),
            (
                "{\"attempt\": 0, \"id\": \"a\", \"outcome\": \"maybe\"}\n",
                "\"maybe\"",
            ),
            ("{\"attempt\": 0, \"outcome\": \"pass\"}\n", "no test id"),
            ("{\"attempt\": -1, \"end\": true}\n", "line 1"),
        ] {
            let err = parse(bad.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
        assert_eq!(parse(b"").unwrap(), BTreeMap::new());
    }
}
