//! `flaky ci`: the suite once, the failures again, a verdict per failure and an exit status a CI
//! step can rely on, on the bundled examples' real frameworks.
//!
//! Every example has a test that fails when its attempt's seed is a multiple of 4. With
//! `--seed 6` the first run's seed is one (it fails), and of the three reruns' seeds one is too:
//! that test fails 2 of 4 runs, every time.

use serde_json::Value;

use crate::Sandbox;
use crate::frameworks::{example, require_npm_package, require_program, require_pytest};

const SEED: &str = "6";

/// `flaky ci --format json ARGS`: the document and the exit status.
fn ci_json(s: &Sandbox, args: &[&str]) -> (Value, i32) {
    let mut all = vec!["ci", "--format", "json", "--github", "never"];
    all.extend(args);
    s.json(&all)
}

/// The verdicts of a `flaky ci` report as (test, verdict, reruns, rerun failures).
fn verdicts(doc: &Value) -> Vec<(String, String, u64, u64)> {
    doc["ci"]["verdicts"]
        .as_array()
        .unwrap_or_else(|| panic!("no verdicts in {doc:#}"))
        .iter()
        .map(|v| {
            (
                v["test"].as_str().unwrap().to_owned(),
                v["verdict"].as_str().unwrap().to_owned(),
                v["reruns"].as_u64().unwrap(),
                v["rerun_failures"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn verdict(
    test: &str,
    verdict: &str,
    reruns: u64,
    rerun_failures: u64,
) -> (String, String, u64, u64) {
    (test.to_owned(), verdict.to_owned(), reruns, rerun_failures)
}

fn dir_arg(name: &str) -> String {
    example(name).to_string_lossy().into_owned()
}

const PY_SEEDED: &str = "tests/test_math.py::test_seeded_flaky";
const PY_FAILING: &str = "tests/test_math.py::test_mean_always_fails";

#[test]
fn pytest_a_flaky_failure_passes_the_step_a_real_one_fails_it() {
    require_pytest();
    let s = Sandbox::new();
    let dir = dir_arg("python-pytest");
    let only_flaky = [
        "python3",
        "-m",
        "pytest",
        "tests/test_math.py",
        "--deselect",
        PY_FAILING,
    ];
    let mut args = vec!["--seed", SEED, "-C", &dir, "--"];
    args.extend(only_flaky);
    let (doc, code) = ci_json(&s, &args);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(verdicts(&doc), [verdict(PY_SEEDED, "flaky", 3, 1)]);
    assert_eq!(doc["ci"]["verdicts"][0]["newly_flaky"], true);
    assert_eq!(doc["exit_code"], 0);
    // One stored run: the suite once (8 tests), then the failed test 3 more times.
    assert_eq!(doc["totals"]["attempts"], 4);
    let seeded = crate::frameworks::test(&doc, PY_SEEDED);
    assert_eq!(
        (seeded["runs"].as_u64(), seeded["failed"].as_u64()),
        (Some(4), Some(2))
    );
    let add = crate::frameworks::test(&doc, "tests/test_math.py::test_add");
    assert_eq!(add["runs"], 1, "only the failed test is rerun");
    let (runs, attempts): (i64, i64) = s
        .sql()
        .query_row(
            "SELECT count(*), (SELECT count(*) FROM attempts) FROM runs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((runs, attempts), (1, 4));

    // The same again: flaky before, so not newly flaky; --strict fails the step on it.
    let mut strict = vec!["--strict", "--seed", SEED, "-C", &dir, "--"];
    strict.extend(only_flaky);
    let (doc, code) = ci_json(&s, &strict);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["ci"]["verdicts"][0]["newly_flaky"], false);

    // The whole file: the always-failing test fails every rerun.
    let (doc, code) = ci_json(
        &s,
        &[
            "--seed",
            SEED,
            "-C",
            &dir,
            "--",
            "python3",
            "-m",
            "pytest",
            "tests/test_math.py",
        ],
    );
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        verdicts(&doc),
        [
            verdict(PY_FAILING, "failed", 3, 3),
            verdict(PY_SEEDED, "flaky", 3, 1)
        ]
    );
}

#[test]
fn a_quarantined_failure_does_not_fail_the_step_and_an_expired_entry_is_an_error() {
    require_pytest();
    let s = Sandbox::new();
    let dir = dir_arg("python-pytest");
    let config = s.write(
        "quarantine.yml",
        &format!(
            "# known flaky\nquarantine:\n  - test: \"{PY_FAILING}\"\n    reason: \"being rewritten, #12\"\n    owner: \"@ana\"\n    until: 2999-12-31\n"
        ),
    );
    let config = config.to_string_lossy().into_owned();
    let (doc, code) = ci_json(
        &s,
        &[
            "--config",
            &config,
            "--seed",
            SEED,
            "-C",
            &dir,
            "--",
            "python3",
            "-m",
            "pytest",
            "tests/test_math.py",
        ],
    );
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        verdicts(&doc),
        [
            verdict(PY_SEEDED, "flaky", 3, 1),
            verdict(PY_FAILING, "quarantined", 3, 3)
        ]
    );
    let q = &doc["ci"]["verdicts"][1]["quarantine"];
    assert_eq!(q["reason"], "being rewritten, #12");
    assert_eq!(q["owner"], "@ana");
    assert_eq!(q["until"], "2999-12-31");
    // Still run and recorded: its failures are in the history like any other test's.
    let failing = crate::frameworks::test(&doc, PY_FAILING);
    assert_eq!(failing["failed"], 4);
    // In JUnit, skipped with its entry: test views do not show it red.
    let junit = s.path().join("junit.xml");
    let out = s
        .flaky()
        .args([
            "ci", "--github", "never", "--config", &config, "--seed", SEED, "-C", &dir,
        ])
        .arg("--junit-output")
        .arg(&junit)
        .args(["--", "python3", "-m", "pytest", "tests/test_math.py"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"0\""), "{xml}");
    assert!(
        xml.contains("<skipped message=\"quarantined until 2999-12-31 (@ana): being rewritten, #12; failed 4 of 4 runs\"/>"),
        "{xml}"
    );

    s.write(
        "quarantine.yml",
        &format!(
            "quarantine:\n  - test: \"{PY_FAILING}\"\n    reason: old\n    until: 2001-01-31\n"
        ),
    );
    let out = s
        .flaky()
        .args(["ci", "--config", &config, "--seed", SEED, "-C", &dir, "--"])
        .args(["python3", "-m", "pytest", "tests/test_math.py"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("quarantine.yml:2")
            && stderr.contains(PY_FAILING)
            && stderr.contains("ended on 2001-01-31")
            && stderr.contains("hint: fix the test and take it out (flaky quarantine remove")
            && stderr.contains(&format!("--config {config}")),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing ran");
}

#[test]
fn the_junit_report_passes_flaky_tests_with_flaky_failures_and_github_gets_annotations() {
    require_pytest();
    let s = Sandbox::new();
    let dir = dir_arg("python-pytest");
    let junit = s.path().join("out/junit.xml");
    std::fs::create_dir_all(junit.parent().unwrap()).unwrap();
    let summary = s.path().join("summary.md");
    let out = s
        .flaky()
        .args(["ci", "--seed", SEED, "-C", &dir, "--junit-output"])
        .arg(&junit)
        .args(["--", "python3", "-m", "pytest", "tests/test_math.py"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env(
            "GITHUB_WORKSPACE",
            example("python-pytest").parent().unwrap().parent().unwrap(),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line_of = |name: &str| {
        std::fs::read_to_string(example("python-pytest").join("tests/test_math.py"))
            .unwrap()
            .lines()
            .position(|l| l.starts_with(&format!("def {name}(")))
            .unwrap()
            + 1
    };
    assert!(
        stdout.contains(&format!(
            "::error file=examples/python-pytest/tests/test_math.py,line={},title=flaky ci%3A failed {}::",
            line_of("test_mean_always_fails"),
            PY_FAILING.replace(':', "%3A")
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "::warning file=examples/python-pytest/tests/test_math.py,line={},title=flaky ci%3A flaky {}::",
            line_of("test_seeded_flaky"),
            PY_SEEDED.replace(':', "%3A")
        )),
        "{stdout}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("flaky ci:") && md.contains("| FAILED |") && md.contains("| FLAKY (NEW) |"),
        "{md}"
    );

    // Our own parser reads it back: the flaky test passed (with flaky attempts), the failing one failed.
    let xml = std::fs::read(&junit).unwrap();
    let tests = flaky::parse::junit::parse(&xml).expect("our parser reads it");
    // Its retries are results of their own, in order: the flaky test failed, then passed.
    let outcomes = |id: &str| -> Vec<flaky::model::Outcome> {
        tests
            .iter()
            .filter(|t| t.id == id)
            .map(|t| t.outcome)
            .collect()
    };
    use flaky::model::Outcome::{Fail, Pass};
    assert_eq!(outcomes(PY_SEEDED), [Fail, Pass]);
    assert_eq!(outcomes(PY_FAILING), [Fail, Fail]);
    assert_eq!(outcomes("tests/test_math.py::test_add"), [Pass]);
    // And so does junitparser, as CI test views read Surefire reports.
    let script = format!(
        r#"
import junitparser
from junitparser import JUnitXml
xml = JUnitXml.fromfile({path:?})
seen = {{}}
for suite in xml:
    for case in suite:
        seen[case.classname + "::" + case.name if case.classname else case.name] = case
flaky = [c for c in seen.values() if "{seeded}" in (c.classname or "") + "::" + c.name or c.name.endswith("test_seeded_flaky")]
failing = [c for c in seen.values() if c.name.endswith("test_mean_always_fails")]
assert len(flaky) == 1 and len(failing) == 1, seen.keys()
assert flaky[0].is_passed, flaky[0].result
assert not failing[0].is_passed
print("ok", len(seen))
"#,
        path = junit.to_string_lossy(),
        seeded = PY_SEEDED,
    );
    let py = std::process::Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "junitparser: {}{}",
        String::from_utf8_lossy(&py.stdout),
        String::from_utf8_lossy(&py.stderr)
    );
}

#[test]
fn a_green_suite_runs_once_and_exits_0() {
    require_pytest();
    let s = Sandbox::new();
    let dir = dir_arg("python-pytest");
    let (doc, code) = ci_json(
        &s,
        &[
            "--seed",
            "7",
            "-C",
            &dir,
            "--",
            "python3",
            "-m",
            "pytest",
            "tests/test_math.py::test_add",
        ],
    );
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["totals"]["attempts"], 1);
    assert_eq!(verdicts(&doc), []);
}

#[test]
fn a_command_without_tests_is_rerun_whole_and_the_ci_shard_variables_are_not_flakys() {
    let s = Sandbox::new();
    // Fails in the first run and the third rerun only.
    let script = "[ $FLAKY_ATTEMPT -ne 0 ] && [ $FLAKY_ATTEMPT -ne 3 ]";
    let out = s
        .flaky()
        .args([
            "ci", "--format", "json", "--github", "never", "--", "sh", "-c", script,
        ])
        .env("CI_NODE_INDEX", "2")
        .env("CI_NODE_TOTAL", "4")
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    let v = verdicts(&doc);
    assert_eq!(
        (v.len(), v[0].1.as_str(), v[0].2, v[0].3),
        (1, "flaky", 3, 1)
    );

    let out = s
        .flaky()
        .args([
            "ci",
            "--format",
            "json",
            "--github",
            "never",
            "--retries",
            "2",
            "--",
            "sh",
            "-c",
            "exit 3",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{doc:#}");
    let v = verdicts(&doc);
    assert_eq!(
        (v.len(), v[0].1.as_str(), v[0].2, v[0].3),
        (1, "failed", 2, 2)
    );
}

#[test]
fn a_suite_that_measures_nothing_exits_2() {
    let s = Sandbox::new();
    s.write("pytest.ini", "[pytest]\n");
    let (doc, code) = ci_json(&s, &["--framework", "pytest", "--", "sh", "-c", "exit 4"]);
    assert_eq!(code, 2, "{doc:#}");
    assert_eq!(doc["status"], "no-results");
}

/// go, jest and cargo: the same two verdicts from the same seeds.
fn flaky_then_failing(
    name: &str,
    only_flaky: &[&str],
    whole: &[&str],
    seeded: &str,
    failing: &str,
) {
    let s = Sandbox::new();
    let dir = dir_arg(name);
    let mut args = vec!["--seed", SEED, "-j", "1", "-C", &dir, "--"];
    args.extend(only_flaky);
    let (doc, code) = ci_json(&s, &args);
    assert_eq!(code, 0, "{name}: {doc:#}");
    assert_eq!(verdicts(&doc), [verdict(seeded, "flaky", 3, 1)], "{name}");
    let mut args = vec!["--seed", SEED, "-j", "1", "-C", &dir, "--"];
    args.extend(whole);
    let (doc, code) = ci_json(&s, &args);
    assert_eq!(code, 1, "{name}: {doc:#}");
    let v = verdicts(&doc);
    assert!(
        v.contains(&verdict(failing, "failed", 3, 3)),
        "{name}: {v:?}"
    );
    assert!(v.contains(&verdict(seeded, "flaky", 3, 1)), "{name}: {v:?}");
}

#[test]
fn go_test_gets_the_same_verdicts() {
    require_program("go");
    flaky_then_failing(
        "go",
        &["go", "test", "-run", "TestSeededFlaky", "./calc"],
        &["go", "test", "./calc"],
        "example.com/flakydemo/calc::TestSeededFlaky",
        "example.com/flakydemo/calc::TestMeanAlwaysFails",
    );
}

#[test]
fn jest_gets_the_same_verdicts() {
    require_npm_package("jest", "jest");
    flaky_then_failing(
        "jest",
        &["npx", "jest", "-t", "charges the card"],
        &["npx", "jest"],
        "__tests__/checkout.test.js::checkout > charges the card",
        "__tests__/checkout.test.js::checkout > applies a 10% discount",
    );
}

#[test]
fn cargo_test_gets_the_same_verdicts() {
    require_program("cargo");
    flaky_then_failing(
        "rust",
        &["cargo", "test", "seeded", "--", "--test-threads", "1"],
        &["cargo", "test", "--", "--test-threads", "1"],
        "src/lib.rs::tests::seeded_flaky",
        "src/lib.rs::tests::mean_always_fails",
    );
}

/// `--until settled`: the reruns stop once both failures' verdicts are settled, well before the
/// cap; one at a time (`-j 1`), the seed fixes where.
#[test]
fn until_settled_reruns_until_the_failures_verdicts_are_settled() {
    require_pytest();
    let s = Sandbox::new();
    let dir = dir_arg("python-pytest");
    let (doc, code) = ci_json(
        &s,
        &[
            "--until",
            "settled",
            "--max-runs",
            "30",
            "-j",
            "1",
            "--seed",
            SEED,
            "-C",
            &dir,
            "--",
            "python3",
            "-m",
            "pytest",
            "tests/test_math.py",
        ],
    );
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        verdicts(&doc),
        [
            verdict(PY_FAILING, "failed", 8, 8),
            verdict(PY_SEEDED, "flaky", 8, 2)
        ]
    );
    assert_eq!(doc["stopped"]["reason"], "settled");
    assert_eq!(doc["totals"]["attempts"], 9);
    assert_eq!(doc["ci"]["retries"], 30);
}

/// `--budget` bounds the reruns only: the first run is whole, and a spent budget starts no more
/// reruns than were already under way.
#[test]
fn the_budget_bounds_the_reruns_not_the_first_run() {
    require_pytest();
    let s = Sandbox::new();
    let dir = dir_arg("python-pytest");
    let (doc, code) = ci_json(
        &s,
        &[
            "--until",
            "settled",
            "--budget",
            "1ms",
            "-j",
            "1",
            "--seed",
            SEED,
            "-C",
            &dir,
            "--",
            "python3",
            "-m",
            "pytest",
            "tests/test_math.py",
        ],
    );
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["stopped"]["reason"], "budget", "{doc:#}");
    let v = verdicts(&doc);
    assert_eq!(v.len(), 2, "{doc:#}");
    assert!(
        v.iter().all(|v| v.2 <= 1),
        "at most the rerun under way: {v:?}"
    );
    // The first run is whole: every test of the file has a result.
    assert_eq!(doc["tests"].as_array().unwrap().len(), 8, "{doc:#}");
    let out = s
        .flaky()
        .args(["ci", "--budget", "1m", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--until"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A small pytest project whose session fails when it collected fewer than two tests (as a
/// coverage threshold fails a partial run), with a test that fails when its seed is a multiple
/// of 4.
fn threshold_project(s: &Sandbox) {
    s.write(
        "conftest.py",
        "def pytest_sessionfinish(session, exitstatus):\n    if session.testscollected < 2 or __import__('os').environ.get('FAIL_SESSION'):\n        session.exitstatus = 1\n",
    );
    s.write(
        "test_x.py",
        "import os\n\n\ndef test_ok():\n    pass\n\n\ndef test_seeded():\n    assert int(os.environ.get('TEST_SEED', '1')) % 4 != 0\n",
    );
}

#[test]
fn only_the_first_run_failing_outside_its_tests_fails_the_step() {
    require_pytest();
    let s = Sandbox::new();
    threshold_project(&s);
    // The reruns select one test, so each fails the threshold: not a failure of the step.
    let (doc, code) = ci_json(&s, &["--seed", SEED, "--", "python3", "-m", "pytest"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        verdicts(&doc),
        [verdict("test_x.py::test_seeded", "flaky", 3, 1)]
    );
    // Every test passes but the session fails: red, with nothing to rerun.
    let out = s
        .flaky()
        .args(["ci", "--format", "json", "--github", "never", "--seed", "7"])
        .args([
            "--env",
            "FAIL_SESSION=1",
            "--",
            "python3",
            "-m",
            "pytest",
            "test_x.py::test_ok",
            "test_x.py::test_seeded",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{doc:#}");
    let why = doc["ci"]["first_run"].as_str().unwrap();
    assert!(
        why.contains("outside any test") && why.contains("exit status 1"),
        "{why}"
    );
}

#[test]
fn flags_that_stop_at_the_first_failure_are_refused() {
    let s = Sandbox::new();
    for cmd in [
        &["pytest", "-x", "tests/"][..],
        &["python3", "-m", "pytest", "-vx"],
        &["pytest", "--maxfail=2"],
        &["go", "test", "-failfast", "./..."],
        &["npx", "jest", "--bail"],
        &["bundle", "exec", "rspec", "--fail-fast"],
    ] {
        let out = s.flaky().args(["ci", "--"]).args(cmd).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("stops the suite at its first failure") && stderr.contains("hint:"),
            "{cmd:?}: {stderr}"
        );
    }
}

#[test]
fn a_history_this_flaky_cannot_use_costs_the_history_not_the_step() {
    let s = Sandbox::new();
    std::fs::write(s.db(), "not a database, but a cache restored wrong").unwrap();
    let out = s
        .flaky()
        .args(["ci", "--github", "never", "--", "sh", "-c", "exit 0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not stored"), "{stderr}");
}
