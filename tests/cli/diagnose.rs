//! `flaky diagnose` and `flaky run --diagnose` on the bundled examples: each flaky test's cause
//! proven by experiment, the polluter named, and a repro line that fails when run. The examples'
//! flaky tests are driven by the attempt's seed, so with `--seed 7` every count is fixed.

use std::path::Path;
use std::process::Command;

use predicates::prelude::*;
use serde_json::Value;

use crate::Sandbox;
use crate::frameworks::{
    example, git_status, require_npm_package, require_program, require_pytest,
};

/// The failing and passing attempt seeds of the examples' seed-determined test in a
/// `-n 20 --seed 7` run (it fails when the attempt's seed is a multiple of four).
const FAILING_SEEDS: [u64; 3] = [342_317_936, 817_351_448, 1_888_956_032];
const PASSING_SEEDS: [u64; 2] = [837_153_010, 1_983_630_875];

/// `flaky run -n 20 --seed 7 -C examples/NAME` then `flaky diagnose --format json`, checking
/// that neither leaves files in the repository.
fn diagnose_example(name: &str) -> (Sandbox, Value) {
    let before = git_status(name);
    let sb = Sandbox::new();
    let dir = example(name);
    sb.flaky()
        .args(["run", "-n", "20", "--seed", "7", "-C"])
        .arg(&dir)
        .assert()
        .code(1);
    let out = sb
        .flaky()
        .args(["diagnose", "--format", "json"])
        .output()
        .expect("diagnose");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(
        git_status(name),
        before,
        "`flaky diagnose` on examples/{name} left files in the repository"
    );
    (sb, doc)
}

fn diagnosis<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["test"] == id)
        .unwrap_or_else(|| panic!("no diagnosis of {id} in {doc:#}"))
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap()).collect())
        .unwrap_or_default()
}

/// Runs a repro line as the user would paste it (a shell line) in `dir`; it must fail and name
/// the test.
fn repro_fails(line: &str, dir: &Path, test_name: &str) {
    let out = Command::new("sh")
        .args(["-c", line])
        .current_dir(dir)
        .output()
        .expect("sh");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // 1, or 101 where cargo ran the tests.
    assert!(
        matches!(out.status.code(), Some(1 | 101)),
        "`{line}` did not fail:\n{all}"
    );
    assert!(
        all.contains(test_name),
        "`{line}` does not name {test_name}:\n{all}"
    );
}

/// The seed-determined test: `random` from five replays (under 10 attempts), naming the seeds.
fn check_random(doc: &Value, id: &str, dir: &Path, name: &str) {
    let d = diagnosis(doc, id);
    assert_eq!(d["cause"], "random", "{d:#}");
    assert_eq!(d["proven"], true);
    assert_eq!(d["failing_seeds"], serde_json::json!(FAILING_SEEDS));
    assert_eq!(d["passing_seeds"], serde_json::json!(PASSING_SEEDS));
    assert!(d["attempts"].as_u64().unwrap() < 10, "{d:#}");
    assert_eq!(d["experiments"][0]["step"], "seed");
    repro_fails(d["repro"].as_str().unwrap(), dir, name);
}

/// The order-dependent victim: `order`, never failing alone, its polluter named, and the pair
/// in the pinned order fails.
fn check_order(doc: &Value, id: &str, polluter: &str, dir: &Path, name: &str) {
    let d = diagnosis(doc, id);
    assert_eq!(d["cause"], "order", "{d:#}");
    assert_eq!(d["proven"], true);
    assert_eq!(strings(&d["polluters"]), [polluter]);
    let alone = &d["experiments"][1];
    assert_eq!(alone["step"], "alone");
    assert_eq!(alone["failed"], 0);
    let search = d["experiments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["step"] == "polluter")
        .unwrap();
    assert!(search["runs"].as_u64().unwrap() < 20, "{search:#}");
    repro_fails(d["repro"].as_str().unwrap(), dir, name);
}

#[test]
fn pytest_example_diagnoses_the_seed_and_the_polluter() {
    require_pytest();
    let (_sb, doc) = diagnose_example("python-pytest");
    let dir = example("python-pytest");
    assert_eq!(doc["tests"].as_array().unwrap().len(), 2, "{doc:#}");
    check_random(
        &doc,
        "tests/test_math.py::test_seeded_flaky",
        &dir,
        "test_seeded_flaky",
    );
    check_order(
        &doc,
        "tests/test_registry.py::test_lookup_starts_empty",
        "tests/test_registry.py::test_register_item",
        &dir,
        "test_lookup_starts_empty",
    );
    // pytest runs the named tests in the order given: the cleaner search ran, and no other
    // test of the example undoes what the polluter leaves.
    let d = diagnosis(&doc, "tests/test_registry.py::test_lookup_starts_empty");
    assert!(
        d["experiments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["step"] == "cleaner"),
        "{d:#}"
    );
    assert!(d.get("cleaners").is_none(), "{d:#}");
    // The scan's finding on the shared registry is joined as agreeing evidence.
    assert_eq!(d["evidence"][0]["category"], "global-state", "{d:#}");
    assert_eq!(d["evidence"][0]["agrees"], true);
}

#[test]
fn go_example_diagnoses_the_seed_and_the_polluter() {
    require_program("go");
    let (_sb, doc) = diagnose_example("go");
    let dir = example("go");
    check_random(
        &doc,
        "example.com/flakydemo/calc::TestSeededFlaky",
        &dir,
        "TestSeededFlaky",
    );
    check_order(
        &doc,
        "example.com/flakydemo/registry::TestLookupStartsEmpty",
        "example.com/flakydemo/registry::TestRegisterItem",
        &dir,
        "TestLookupStartsEmpty",
    );
}

#[test]
fn jest_example_diagnoses_the_seed_and_the_polluter() {
    require_npm_package("jest", "jest");
    let (_sb, doc) = diagnose_example("jest");
    let dir = example("jest");
    check_random(
        &doc,
        "__tests__/checkout.test.js::checkout > charges the card",
        &dir,
        "charges the card",
    );
    check_order(
        &doc,
        "__tests__/prices.test.js::prices > formats prices in euros by default",
        "__tests__/prices.test.js::prices > switches the currency",
        &dir,
        "formats prices in euros by default",
    );
}

#[test]
fn vitest_example_diagnoses_the_seed_and_the_polluter() {
    require_npm_package("vitest", "vitest");
    let (_sb, doc) = diagnose_example("vitest");
    let dir = example("vitest");
    check_random(
        &doc,
        "test/sync.test.js::sync > syncs with the warehouse",
        &dir,
        "syncs with the warehouse",
    );
    check_order(
        &doc,
        "test/inventory.test.js::inventory > starts with three apples",
        "test/inventory.test.js::inventory > restocks apples",
        &dir,
        "starts with three apples",
    );
}

#[test]
fn rspec_example_diagnoses_the_seed_and_the_polluter() {
    require_program("rspec");
    let (_sb, doc) = diagnose_example("rspec");
    let dir = example("rspec");
    check_random(
        &doc,
        "spec/library_spec.rb::Library finds books by title",
        &dir,
        "finds books by title",
    );
    check_order(
        &doc,
        "spec/library_spec.rb::Library lending has Dune on the shelf",
        "spec/library_spec.rb::Library lending lends a book",
        &dir,
        "has Dune on the shelf",
    );
}

#[test]
fn phpunit_example_diagnoses_the_seed_and_the_polluter() {
    require_program("phpunit");
    let (_sb, doc) = diagnose_example("phpunit");
    let dir = example("phpunit");
    check_random(
        &doc,
        "Example\\Tests\\ThermostatTest::testReadsTheSensor",
        &dir,
        "testReadsTheSensor",
    );
    check_order(
        &doc,
        "Example\\Tests\\ThermostatTest::testStartsAtTwentyDegrees",
        "Example\\Tests\\ThermostatTest::testChangesTheTarget",
        &dir,
        "testStartsAtTwentyDegrees",
    );
}

/// mocha and node:test run in definition order (flaky cannot shuffle them), so their examples
/// have a seed-determined test and no order victim.
#[test]
fn mocha_and_node_test_examples_diagnose_the_seed() {
    require_npm_package("mocha", "mocha");
    require_program("node");
    for (name, id, test_name) in [
        (
            "mocha",
            "test/mailer.test.js::mailer delivers the welcome mail",
            "delivers the welcome mail",
        ),
        (
            "node-test",
            "test/math.test.js::seeded flaky",
            "seeded flaky",
        ),
    ] {
        let (_sb, doc) = diagnose_example(name);
        check_random(&doc, id, &example(name), test_name);
        assert_eq!(doc["tests"].as_array().unwrap().len(), 1, "{doc:#}");
    }
}

/// cargo test runs tests in name order (or on parallel threads), so the polluter of a victim
/// that sorts first is run before it by a libtest shuffle seed found by trial; the repro names
/// that seed. The run itself is pinned to a shuffle seed under which the victim always fails (found
/// here, so a toolchain with another shuffle still has one).
#[test]
fn rust_example_diagnoses_the_polluter_that_sorts_after_its_victim() {
    let dir = example("rust");
    let victim = "order::lookup_starts_empty";
    let order_args = |seed: u32| {
        let mut a: Vec<String> = [
            "cargo",
            "test",
            "--",
            "--test-threads",
            "1",
            "-Z",
            "unstable-options",
            "--shuffle-seed",
        ]
        .map(String::from)
        .to_vec();
        a.push(seed.to_string());
        a
    };
    let seed = (1..40)
        .find(|&s| {
            let a = order_args(s);
            let out = Command::new(&a[0])
                .args(&a[1..])
                .env("RUSTC_BOOTSTRAP", "1")
                .current_dir(&dir)
                .output()
                .expect("cargo test");
            String::from_utf8_lossy(&out.stdout).contains(&format!("test {victim} ... FAILED"))
        })
        .expect("a shuffle seed under which the victim fails");
    let sb = Sandbox::new();
    sb.flaky()
        .args([
            "run",
            "-n",
            "3",
            "--seed",
            "7",
            "--env",
            "RUSTC_BOOTSTRAP=1",
            "-C",
        ])
        .arg(&dir)
        .arg("--")
        .args(order_args(seed))
        .assert()
        .code(1);
    let id = format!("src/lib.rs::{victim}");
    let out = sb
        .flaky()
        .args(["diagnose", "--format", "json", "--test", &id])
        .output()
        .expect("diagnose");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    check_order(&doc, &id, "src/lib.rs::order::register_item", &dir, victim);
    let repro = diagnosis(&doc, &id)["repro"].as_str().unwrap().to_owned();
    assert_eq!(repro.matches("RUSTC_BOOTSTRAP=1 ").count(), 1, "{repro}");
    assert!(repro.contains("--shuffle-seed"), "{repro}");
}

/// `flaky run --diagnose`: the JSON report on stdout stays whole and carries the diagnoses, the
/// diagnosis table goes to stderr, the run exits by its own verdict, and the history keeps the
/// diagnoses for `flaky report` and `flaky history --test`.
#[test]
fn run_diagnose_reports_and_stores_the_diagnoses() {
    require_pytest();
    let sb = Sandbox::new();
    let out = sb
        .flaky()
        .args([
            "run",
            "-n",
            "20",
            "--seed",
            "7",
            "--format",
            "json",
            "--diagnose",
            "-C",
        ])
        .arg(example("python-pytest"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("stdout is the JSON report");
    let causes: Vec<(&str, &str)> = doc["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["test"].as_str().unwrap(), d["cause"].as_str().unwrap()))
        .collect();
    assert_eq!(
        causes,
        [
            ("tests/test_registry.py::test_lookup_starts_empty", "order"),
            ("tests/test_math.py::test_seeded_flaky", "random"),
        ]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("flaky diagnose: 2 tests of run"),
        "{stderr}"
    );

    let report = sb
        .flaky()
        .args(["report", "--format", "json"])
        .output()
        .expect("report");
    let stored: Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(stored["diagnoses"], doc["diagnoses"]);
    sb.flaky()
        .args(["report", "--format", "markdown"])
        .assert()
        .success()
        .stdout(predicate::str::contains("### Diagnoses"))
        .stdout(predicate::str::contains(
            "**order**: fails after `tests/test_registry.py::test_register_item` and never alone",
        ));
    sb.flaky()
        // The run was in examples/python-pytest, not under the sandbox: `--all` includes it.
        .args([
            "history",
            "--all",
            "--test",
            "tests/test_math.py::test_seeded_flaky",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("last diagnosed in run"))
        .stdout(predicate::str::contains(
            "random: fails on every replay of seeds",
        ));
}

#[test]
fn diagnose_refuses_what_it_cannot_do() {
    let sb = Sandbox::new();
    sb.flaky()
        .arg("diagnose")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no history yet"));
    // A stored run, and a test it does not have.
    sb.write("ok.sh", "exit 0\n");
    sb.flaky()
        .args(["run", "-n", "2", "--", "sh", "ok.sh"])
        .assert()
        .success();
    sb.flaky()
        .arg("diagnose")
        .assert()
        .success()
        .stderr(predicate::str::contains("nothing to diagnose"));
    sb.flaky()
        .args(["diagnose", "--test", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope"));
    sb.flaky()
        .args(["diagnose", "--budget", "soon"])
        .assert()
        .code(2);
    sb.flaky()
        .args(["run", "--diagnose", "--no-history", "--", "true"])
        .assert()
        .code(2);
}

/// A polluter among 200 tests: the victim (defined first) fails whenever `test_146` ran before
/// it. Delta debugging names it in under 20 runs of subsets, and the diagnosis stays within
/// its attempts (the seed fixes the shuffled orders, so the counts are exact).
#[test]
fn a_polluter_among_hundreds_of_tests_is_found_in_under_20_runs() {
    require_pytest();
    let mut text = String::from(
        "STATE = {}\n\n\ndef test_000_victim():\n    assert \"dirty\" not in STATE, \"STATE was changed by another test\"\n",
    );
    for i in 1..200 {
        if i == 146 {
            text.push_str(&format!(
                "\n\ndef test_{i:03}():\n    STATE[\"dirty\"] = True\n"
            ));
        } else {
            text.push_str(&format!("\n\ndef test_{i:03}():\n    assert {i} > 0\n"));
        }
    }
    let sb = crate::frameworks::pytest_project(&[("tests/test_many.py", &text)]);
    sb.flaky()
        .args([
            "run", "-n", "8", "--seed", "7", "--", "python3", "-m", "pytest",
        ])
        .assert()
        .code(1);
    let out = sb
        .flaky()
        .args(["diagnose", "--format", "json", "--test"])
        .arg("tests/test_many.py::test_000_victim")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = diagnosis(&doc, "tests/test_many.py::test_000_victim");
    assert_eq!(d["cause"], "order", "{d:#}");
    assert_eq!(strings(&d["polluters"]), ["tests/test_many.py::test_146"]);
    let search = d["experiments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["step"] == "polluter")
        .unwrap();
    let runs = search["runs"].as_u64().unwrap();
    assert!(runs < 20, "{search:#}");
    let before: u64 = search["setup"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{search:#}"));
    assert!(
        before >= 50,
        "only {before} tests ran before it: {search:#}"
    );
    repro_fails(d["repro"].as_str().unwrap(), sb.path(), "test_000_victim");
}

/// A copy of `examples/NAME` in a sandbox (its `node_modules` linked, not copied), so the
/// contention test's shared file is this test's own.
fn copy_example(name: &str) -> Sandbox {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let (src, dst) = (entry.path(), to.join(entry.file_name()));
            if entry.file_name() == "node_modules" {
                std::os::unix::fs::symlink(&src, &dst).unwrap();
            } else if entry.file_type().unwrap().is_dir() {
                if entry.file_name() != ".shared" {
                    copy(&src, &dst);
                }
            } else {
                std::fs::copy(&src, &dst).unwrap();
            }
        }
    }
    let sb = Sandbox::new();
    copy(&example(name), &sb.path().join(name));
    sb
}

/// The causes of a `flaky diagnose --format json` in `dir`, by test.
fn causes(sb: &Sandbox, dir: &Path, tests: &[&str]) -> Value {
    let mut cmd = sb.flaky();
    cmd.current_dir(dir).args(["diagnose", "--format", "json"]);
    for t in tests {
        cmd.args(["--test", t]);
    }
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Checks one of the causes examples: the shared-file test is `contention` and the test that
/// needs another before it `brittle` with its state-setter (from the run's flaky tests); the
/// timing and time-zone tests, named, are `timing` and `time-zone`. Each repro fails.
struct CausesExample<'a> {
    name: &'a str,
    contention: &'a str,
    brittle: &'a str,
    state_setter: &'a str,
    timing: Option<&'a str>,
    time_zone: &'a str,
    /// What the framework prints of the brittle test when it fails.
    brittle_name: &'a str,
}

fn check_causes_example(e: &CausesExample<'_>) {
    let sb = copy_example(e.name);
    let dir = sb.path().join(e.name);
    sb.flaky()
        .current_dir(&dir)
        .args(["run", "-n", "20", "--seed", "7"])
        .assert()
        .code(1);
    let doc = causes(&sb, &dir, &[]);
    let d = diagnosis(&doc, e.contention);
    assert_eq!(d["cause"], "contention", "{d:#}");
    assert_eq!(d["proven"], true);
    let d = diagnosis(&doc, e.brittle);
    assert_eq!(d["cause"], "brittle", "{d:#}");
    assert_eq!(strings(&d["state_setters"]), [e.state_setter]);
    // The first line of the repro runs the test alone, where it fails.
    let alone = d["repro"].as_str().unwrap().lines().next().unwrap();
    repro_fails(alone, &dir, e.brittle_name);

    let mut named = vec![e.time_zone];
    named.extend(e.timing);
    let doc = causes(&sb, &dir, &named);
    let d = diagnosis(&doc, e.time_zone);
    assert_eq!(d["cause"], "time-zone", "{d:#}");
    assert!(
        d["repro"]
            .as_str()
            .unwrap()
            .starts_with("TZ=Pacific/Kiritimati "),
        "{d:#}"
    );
    if let Some(timing) = e.timing {
        let d = diagnosis(&doc, timing);
        assert_eq!(d["cause"], "timing", "{d:#}");
    }
}

#[test]
fn pytest_causes_example_is_diagnosed_cause_by_cause() {
    require_pytest();
    check_causes_example(&CausesExample {
        name: "pytest-causes",
        contention: "tests/test_report.py::test_published_report_is_ours",
        brittle: "tests/test_rates.py::test_reads_from_the_warm_cache",
        state_setter: "tests/test_rates.py::test_warms_the_cache",
        timing: Some("tests/test_report.py::test_report_is_built_within_its_time_budget"),
        time_zone: "tests/test_invoices.py::test_invoice_date_is_the_issue_day",
        brittle_name: "test_reads_from_the_warm_cache",
    });
}

#[test]
fn go_causes_example_is_diagnosed_cause_by_cause() {
    require_program("go");
    check_causes_example(&CausesExample {
        name: "go-causes",
        contention: "example.com/invoicing/report::TestPublishedReportIsOurs",
        brittle: "example.com/invoicing/rates::TestReadsFromTheWarmCache",
        state_setter: "example.com/invoicing/rates::TestWarmsTheCache",
        timing: Some("example.com/invoicing/report::TestReportIsBuiltWithinItsTimeBudget"),
        time_zone: "example.com/invoicing/invoice::TestDateIsTheIssueDay",
        brittle_name: "TestReadsFromTheWarmCache",
    });
}

/// jest's timing test is left to the README: under load every jest start-up takes many
/// seconds, too long for this suite.
#[test]
fn jest_causes_example_is_diagnosed_cause_by_cause() {
    require_npm_package("jest-causes", "jest");
    check_causes_example(&CausesExample {
        name: "jest-causes",
        contention: "__tests__/report.test.js::report > the published report is ours",
        brittle: "__tests__/rates.test.js::rate cache > reads from the warm cache",
        state_setter: "__tests__/rates.test.js::rate cache > warms the cache",
        timing: None,
        time_zone: "__tests__/invoice.test.js::invoice > is dated on the issue day",
        brittle_name: "reads from the warm cache",
    });
}

/// A budget spent before the first experiment (1 ms: checking the network namespace alone
/// takes longer) starts none: no test is diagnosed or stored, and the document says the
/// budget ended it.
#[test]
fn a_spent_budget_starts_nothing() {
    require_pytest();
    let sb = Sandbox::new();
    sb.flaky()
        .args(["run", "-n", "20", "--seed", "7", "-C"])
        .arg(example("python-pytest"))
        .assert()
        .code(1);
    let out = sb
        .flaky()
        .args(["diagnose", "--budget", "1ms", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["budget_spent"], true, "{doc:#}");
    assert_eq!(doc["tests"], serde_json::json!([]), "{doc:#}");
    let stored: i64 = sb
        .sql()
        .query_row("SELECT count(*) FROM diagnoses", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 0);
}

/// A pytest project whose `tests/test_app.py` is `text`, after `flaky run -n 20 --seed 7`
/// (which finds its seed-determined test flaky: exit 1).
fn seeded_pytest_run(text: &str) -> Sandbox {
    let sb = crate::frameworks::pytest_project(&[("tests/test_app.py", text)]);
    sb.flaky()
        .args([
            "run", "-n", "20", "--seed", "7", "--", "python3", "-m", "pytest",
        ])
        .assert()
        .code(1);
    sb
}

/// Experiments whose attempts never run the test (here: its file is gone) prove nothing: each
/// diagnosis says why, with the end of the output, and the command exits 2, as a run that
/// measured nothing does.
#[test]
fn experiments_that_cannot_run_the_test_exit_2_and_say_why() {
    require_pytest();
    let sb = seeded_pytest_run(
        "import os\n\n\ndef test_seeded():\n    assert int(os.environ[\"TEST_SEED\"]) % 4 != 0\n",
    );
    std::fs::remove_file(sb.path().join("tests/test_app.py")).unwrap();
    sb.flaky()
        .arg("diagnose")
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "undetermined: no experiment could run the test",
        ))
        .stdout(predicate::str::contains(
            "not run: the attempts gave no result for the test:",
        ))
        .stdout(predicate::str::contains("tests/test_app.py"))
        .stderr(predicate::str::contains(
            "no experiment could run the tests",
        ));
}

/// Ctrl-C during an experiment kills the test's process tree at once, stores nothing for the
/// test cut short (an earlier diagnosis stays the last one) and exits 130.
#[test]
fn ctrl_c_stops_the_experiments_and_stores_no_half_diagnosis() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    require_pytest();
    let sb = seeded_pytest_run(
        "import os\nimport signal\nfrom pathlib import Path\n\nHERE = Path(__file__).parent\n\n\ndef test_seeded():\n    # Waits for a signal while tests/block exists.\n    if (HERE / \"block\").exists():\n        (HERE / \"pid\").write_text(str(os.getpid()))\n        while True:\n            signal.pause()\n    assert int(os.environ[\"TEST_SEED\"]) % 4 != 0\n",
    );
    sb.write("tests/block", "");
    let child = sb
        .flaky_process()
        .arg("diagnose")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid_file = sb.path().join("tests/pid");
    crate::wait_until("the test blocking", || crate::pid_written(&pid_file));
    let pid = crate::read_pid(&pid_file);
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!crate::alive(pid), "the test ({pid}) survived");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("interrupted before a test was settled"),
        "{stdout}"
    );
    let stored: i64 = sb
        .sql()
        .query_row("SELECT count(*) FROM diagnoses", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 0);
}

/// A victim that never failed in the run (its polluter always ran after it), named with
/// `--test`: each other test runs alone before it, its own file's first, and the polluter in
/// another file is named, with a repro that fails. A second such victim tries that polluter first.
#[test]
fn a_named_victim_that_never_failed_gets_its_polluter_by_pairs() {
    require_pytest();
    let sb = crate::frameworks::pytest_project(&[
        ("registry.py", "ITEMS = []\n"),
        (
            "tests/test_a.py",
            "import registry\n\n\ndef test_starts_empty():\n    assert registry.ITEMS == []\n\n\ndef test_neighbour():\n    assert True\n",
        ),
        (
            "tests/test_b.py",
            "import registry\n\n\ndef test_one():\n    assert 1\n\n\ndef test_also_empty():\n    assert not registry.ITEMS\n",
        ),
        (
            "tests/test_z.py",
            "import registry\n\n\ndef test_adds():\n    registry.ITEMS.append(1)\n",
        ),
    ]);
    sb.flaky()
        .args([
            "run", "-n", "4", "--seed", "7", "--order", "same", "--", "python3", "-m", "pytest",
        ])
        .assert()
        .code(0);
    // test_neighbour first (its own file), then test_one, test_also_empty, then test_adds
    // twice; the second victim tries that polluter first.
    for (victim, name, runs, known) in [
        (
            "tests/test_a.py::test_starts_empty",
            "test_starts_empty",
            5,
            false,
        ),
        (
            "tests/test_b.py::test_also_empty",
            "test_also_empty",
            2,
            true,
        ),
    ] {
        let out = sb
            .flaky()
            .args(["diagnose", "--format", "json", "--test", victim])
            .output()
            .expect("diagnose");
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let d = diagnosis(&doc, victim);
        assert_eq!(d["cause"], "order", "{d:#}");
        assert_eq!(strings(&d["polluters"]), ["tests/test_z.py::test_adds"]);
        let scan = d["experiments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["step"] == "polluter")
            .unwrap();
        assert_eq!(
            (scan["runs"].as_u64(), scan["failed"].as_u64()),
            (Some(runs), Some(2)),
            "{scan:#}"
        );
        assert_eq!(
            scan["setup"]
                .as_str()
                .unwrap()
                .starts_with("the polluter found for another test"),
            known,
            "{scan:#}"
        );
        repro_fails(d["repro"].as_str().unwrap(), sb.path(), name);
    }
}
