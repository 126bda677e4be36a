//! `flaky run` on real frameworks: the projects in `examples/`, run in place with a fixed seed, give
//! exact per-test counts, severities and kinds; also `--tests-from`, `--junit`, infrastructure
//! attempts, `ignore_patterns` and replay lines with real test runners.
//!
//! Nothing here is left to chance: each example's flaky test fails exactly when its attempt's seed
//! is a multiple of 4, and odd attempts shuffle with that seed, so the same `--seed` gives the same
//! failures every time. The tools come from `scripts/test.sh`; a missing one fails the test with
//! that hint instead of skipping it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use flaky::exec::seed::attempt_seed;
use predicates::prelude::*;
use serde_json::{Value, json};

use crate::Sandbox;

const SEED: u64 = 7;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/tests-from").join(name)
}

/// Fails the test, never skips it, when a tool it needs is missing.
fn require(present: bool, what: &str) {
    assert!(
        present,
        "{what}: run scripts/test.sh, which installs everything these tests need (pytest in \
         target/test-env/venv, whose bin/ must come first on PATH; the examples' npm packages; \
         go, rspec and phpunit) and then runs them"
    );
}

fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(program))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub(crate) fn require_pytest() {
    require(
        succeeds("python3", &["-c", "import pytest"]),
        "pytest is not importable by the python3 on PATH (the examples run `python3 -m pytest`)",
    );
}

pub(crate) fn require_program(program: &str) {
    require(on_path(program), &format!("`{program}` is not on PATH"));
}

pub(crate) fn require_npm_package(name: &str, bin: &str) {
    require_program("npm");
    require(
        example(name).join("node_modules/.bin").join(bin).exists(),
        &format!("examples/{name}/node_modules/.bin/{bin} is missing"),
    );
}

/// `git status` of one example, ignored files left out: what a run must not change.
pub(crate) fn git_status(name: &str) -> String {
    let out = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=all", "--"])
        .arg(format!("examples/{name}"))
        .current_dir(repo())
        .output()
        .expect("git");
    assert!(out.status.success(), "git status failed: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// `flaky run --format json -n RUNS --seed 7 -C examples/NAME ARGS` from a sandbox, checking that
/// the run exits 1 (every example has an always-failing test) and leaves the example as it was.
fn run_example(name: &str, runs: u32, args: &[&str]) -> Value {
    let before = git_status(name);
    let dir = example(name);
    let n = runs.to_string();
    let seed = SEED.to_string();
    let mut all = vec!["-n", &n, "--seed", &seed, "-C", dir.to_str().unwrap()];
    all.extend(args);
    let (doc, code) = Sandbox::new().run_json(&all);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        git_status(name),
        before,
        "`flaky run -C examples/{name}` left files in the repository"
    );
    doc
}

/// The failure sample of test `id` in a run's JSON report.
pub(crate) fn failure<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["test"] == id)
        .unwrap_or_else(|| panic!("no failure of {id:?} in {:#}", doc["failures"]))
}

pub(crate) fn test<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no test {id:?} in {:#}", doc["tests"]))
}

fn ids(doc: &Value) -> Vec<String> {
    let mut ids: Vec<String> = doc["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// The ids of the tests that ran (jest reports the tests its `-t` left out as skipped).
fn ran(doc: &Value) -> Vec<String> {
    let skipped: Vec<&str> = doc["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "skipped")
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    ids(doc)
        .into_iter()
        .filter(|id| !skipped.contains(&id.as_str()))
        .collect()
}

/// (runs, failed), then (runs, failed) in attempts that kept the order and in shuffled ones.
pub(crate) fn counts(t: &Value) -> [(u64, u64); 3] {
    let pair = |v: &Value| (v["runs"].as_u64().unwrap(), v["failed"].as_u64().unwrap());
    [pair(t), pair(&t["same_order"]), pair(&t["shuffled"])]
}

/// The attempts among the first `runs` whose seed is a multiple of 4: the examples' flaky tests
/// fail in exactly those.
fn seeded_failures(runs: u32) -> Vec<u32> {
    (0..runs)
        .filter(|i| attempt_seed(SEED, *i).is_multiple_of(4))
        .collect()
}

/// What one example must show, test by test.
struct Expected<'a> {
    framework: &'a str,
    runs: u32,
    /// Whether flaky can shuffle this framework (then odd attempts are shuffled).
    shuffles: bool,
    /// Fails exactly when its attempt's seed is a multiple of 4.
    flaky: &'a str,
    /// Fails when its polluter ran first in the same process.
    victim: &'a str,
    /// How often the victim failed: the shuffles of this seed decide, so this is what was seen
    /// (deterministic for the framework versions scripts/test.sh installs).
    victim_failed: u64,
    /// Fails every time, with this in its message.
    failing: (&'a str, &'a str),
    /// Never fail.
    stable: &'a [&'a str],
    /// Whether `flaky scan` reads the language (then the flaky test's cause, its seed, and the
    /// victim's, the state its polluter mutates, are found).
    scanned: bool,
}

fn check(doc: &Value, e: &Expected<'_>) {
    let n = u64::from(e.runs);
    assert_eq!(doc["framework"], e.framework);
    assert_eq!(doc["order"], if e.shuffles { "alternate" } else { "same" });
    assert_eq!(doc["seed"], SEED);
    assert_eq!(
        doc["totals"],
        json!({"attempts": n, "passed": 0, "failed": n, "timed_out": 0, "errors": 0, "infrastructure": 0, "failed_outside_tests": 0}),
        "every attempt fails (the always-failing test) and none is infrastructure"
    );
    for (i, a) in doc["attempts"].as_array().unwrap().iter().enumerate() {
        let seed = attempt_seed(SEED, i as u32);
        assert_eq!(a["seed"], seed);
        let shuffled = e.shuffles && i % 2 == 1;
        assert_eq!(
            a["order_seed"],
            if shuffled { json!(seed) } else { Value::Null },
            "attempt {i}"
        );
        assert_eq!(a["infrastructure"], Value::Null, "attempt {i}");
    }

    let mut expected_ids: Vec<String> = [e.flaky, e.victim, e.failing.0]
        .iter()
        .chain(e.stable)
        .map(|s| (*s).to_owned())
        .collect();
    expected_ids.sort();
    assert_eq!(ids(doc), expected_ids);
    let (same_runs, shuffled_runs) = if e.shuffles {
        (n.div_ceil(2), n / 2)
    } else {
        (n, 0)
    };

    // The flaky test: failures exactly where the seed says, in both orders.
    let fails = seeded_failures(e.runs);
    let in_same_order = fails.iter().filter(|i| !e.shuffles || *i % 2 == 0).count() as u64;
    let failed = fails.len() as u64;
    assert!(
        failed * 10 > n && failed * 2 < n,
        "seed {SEED} gives {failed} of {n}"
    );
    let t = test(doc, e.flaky);
    assert_eq!(
        counts(t),
        [
            (n, failed),
            (same_runs, in_same_order),
            (shuffled_runs, failed - in_same_order)
        ],
        "{}",
        e.flaky
    );
    assert_eq!(
        (&t["severity"], &t["kind"]),
        (&json!("medium"), &json!("flaky"))
    );

    // The victim of the order-dependent pair: it never fails in the framework's own order.
    let t = test(doc, e.victim);
    if e.shuffles {
        assert_eq!(
            counts(t),
            [
                (n, e.victim_failed),
                (same_runs, 0),
                (shuffled_runs, e.victim_failed)
            ],
            "{}",
            e.victim
        );
        assert_eq!(
            (&t["severity"], &t["kind"]),
            (&json!("medium"), &json!("order-dependent")),
            "{}",
            e.victim
        );
    } else {
        assert_eq!(e.victim_failed, 0);
        assert_eq!(counts(t), [(n, 0), (n, 0), (0, 0)], "{}", e.victim);
        assert_eq!(
            (&t["severity"], &t["kind"]),
            (&json!("none"), &json!("stable"))
        );
    }

    let t = test(doc, e.failing.0);
    assert_eq!(
        counts(t),
        [
            (n, n),
            (same_runs, same_runs),
            (shuffled_runs, shuffled_runs)
        ],
        "{}",
        e.failing.0
    );
    assert_eq!(
        (&t["severity"], &t["kind"]),
        (&json!("critical"), &json!("failing"))
    );
    let example = t["signatures"][0]["example"].as_str().unwrap_or("");
    assert!(
        example.contains(e.failing.1),
        "{}: {example:?} should say {:?}",
        e.failing.0,
        e.failing.1
    );

    check_causes(doc, e);
    for id in e.stable {
        let t = test(doc, id);
        assert_eq!(
            counts(t),
            [(n, 0), (same_runs, 0), (shuffled_runs, 0)],
            "{id}"
        );
        assert_eq!(
            (&t["severity"], &t["kind"]),
            (&json!("none"), &json!("stable")),
            "{id}"
        );
    }
}

/// The likely causes `flaky scan` joined to the measured tests.
fn check_causes(doc: &Value, e: &Expected<'_>) {
    let causes = doc["likely_causes"].as_array().expect("likely_causes");
    if !e.scanned {
        assert!(causes.is_empty(), "{causes:?}");
        return;
    }
    let of = |id: &str| -> Vec<(String, String, bool)> {
        causes
            .iter()
            .filter(|c| c["test"] == id)
            .flat_map(|c| {
                c["causes"].as_array().unwrap().iter().map(|k| {
                    (
                        k["category"].as_str().unwrap().to_owned(),
                        k["severity"].as_str().unwrap().to_owned(),
                        c["stable"].as_bool().unwrap(),
                    )
                })
            })
            .collect()
    };
    let flaky = of(e.flaky);
    assert!(
        flaky.iter().any(|(c, _, stable)| c == "random" && !stable),
        "{}: {flaky:?}",
        e.flaky
    );
    let victim = of(e.victim);
    assert!(
        victim
            .iter()
            .any(|(c, _, stable)| c == "global-state" && *stable == (e.victim_failed == 0)),
        "{}: {victim:?}",
        e.victim
    );
    for id in e.stable {
        let found = of(id);
        assert!(
            found
                .iter()
                .all(|(_, sev, stable)| sev != "high" && *stable),
            "{id}: {found:?}"
        );
    }
}

/// What examples/python-pytest shows over 20 attempts of seed 7, batched or not.
const PYTEST_EXPECTED: Expected<'static> = Expected {
    framework: "pytest",
    runs: 20,
    shuffles: true,
    flaky: "tests/test_math.py::test_seeded_flaky",
    victim: "tests/test_registry.py::test_lookup_starts_empty",
    victim_failed: 6,
    failing: (
        "tests/test_math.py::test_mean_always_fails",
        "AssertionError: mean([1, 2, 3]) should be 2",
    ),
    stable: &[
        "tests/test_math.py::test_add",
        "tests/test_math.py::test_add_table[1-1-2]",
        "tests/test_math.py::test_add_table[-1-1-0]",
        "tests/test_math.py::test_add_table[0-0-0]",
        "tests/test_math.py::TestSlug::test_lowercases",
        "tests/test_math.py::TestSlug::test_collapses_spaces",
        "tests/test_registry.py::test_register_item",
    ],
    scanned: true,
};

#[test]
fn pytest_example_has_a_flaky_an_order_dependent_and_a_failing_test() {
    require_pytest();
    let doc = run_example("python-pytest", 20, &[]);
    assert_eq!(doc["command"], json!(["python3", "-m", "pytest"]));
    check(&doc, &PYTEST_EXPECTED);
}

#[test]
fn go_example_has_a_flaky_an_order_dependent_and_a_failing_test() {
    require_program("go");
    let doc = run_example("go", 20, &[]);
    assert_eq!(doc["command"], json!(["go", "test", "./..."]));
    check(
        &doc,
        &Expected {
            framework: "go",
            runs: 20,
            shuffles: true,
            flaky: "example.com/flakydemo/calc::TestSeededFlaky",
            victim: "example.com/flakydemo/registry::TestLookupStartsEmpty",
            victim_failed: 4,
            failing: (
                "example.com/flakydemo/calc::TestMeanAlwaysFails",
                "Mean([1 2 3]) = 2, the test expects 3 on purpose",
            ),
            stable: &[
                "example.com/flakydemo/calc::TestAdd",
                "example.com/flakydemo/calc::TestSlug",
                "example.com/flakydemo/calc::TestSlug/lowercases",
                "example.com/flakydemo/calc::TestSlug/collapses_spaces",
                "example.com/flakydemo/registry::TestRegisterItem",
            ],
            scanned: true,
        },
    );
}

#[test]
fn jest_example_has_a_flaky_an_order_dependent_and_a_failing_test() {
    require_npm_package("jest", "jest");
    let doc = run_example("jest", 20, &[]);
    assert_eq!(doc["command"], json!(["npm", "test"]));
    check(
        &doc,
        &Expected {
            framework: "jest",
            runs: 20,
            shuffles: true,
            flaky: "__tests__/checkout.test.js::checkout > charges the card",
            victim: "__tests__/prices.test.js::prices > formats prices in euros by default",
            victim_failed: 4,
            failing: (
                "__tests__/checkout.test.js::checkout > applies a 10% discount",
                "Received: 81",
            ),
            stable: &[
                "__tests__/checkout.test.js::checkout > rounds totals to cents",
                "__tests__/prices.test.js::prices > adds up line items",
                "__tests__/prices.test.js::prices > an empty cart costs nothing",
                "__tests__/prices.test.js::prices > switches the currency",
            ],
            scanned: true,
        },
    );
}

#[test]
fn vitest_example_has_a_flaky_an_order_dependent_and_a_failing_test() {
    require_npm_package("vitest", "vitest");
    let doc = run_example("vitest", 20, &[]);
    assert_eq!(doc["command"], json!(["npm", "test"]));
    check(
        &doc,
        &Expected {
            framework: "vitest",
            runs: 20,
            shuffles: true,
            flaky: "test/sync.test.js::sync > syncs with the warehouse",
            victim: "test/inventory.test.js::inventory > starts with three apples",
            victim_failed: 4,
            failing: (
                "test/sync.test.js::sync > twenty items fill exactly two pages",
                "expected 3 to be 2",
            ),
            stable: &[
                "test/inventory.test.js::inventory > knows unknown items are out of stock",
                "test/inventory.test.js::inventory > refuses to reserve more than it has",
                "test/inventory.test.js::inventory > restocks apples",
                "test/sync.test.js::sync > one page holds ten items",
            ],
            scanned: true,
        },
    );
}

/// Mocha cannot shuffle, so every attempt keeps the definition order, in which "starts empty"
/// runs before its polluter: the order-dependent pair shows as stable.
#[test]
fn mocha_example_has_a_flaky_and_a_failing_test_and_cannot_shuffle() {
    require_npm_package("mocha", "mocha");
    let doc = run_example("mocha", 20, &[]);
    assert_eq!(doc["command"], json!(["npm", "test"]));
    check(
        &doc,
        &Expected {
            framework: "mocha",
            runs: 20,
            shuffles: false,
            flaky: "test/mailer.test.js::mailer delivers the welcome mail",
            victim: "test/queue.test.js::queue starts empty",
            victim_failed: 0,
            failing: (
                "test/mailer.test.js::mailer greets the user by name",
                "'Welcome, Ada!'",
            ),
            stable: &[
                "test/mailer.test.js::mailer puts the name in the subject",
                "test/queue.test.js::queue counts from zero",
                "test/queue.test.js::queue accepts a job",
            ],
            scanned: true,
        },
    );
}

/// node:test on Node 20 cannot shuffle (`--test-randomize` came later): "lookup starts empty"
/// always runs before its polluter and shows as stable.
#[test]
fn node_test_example_has_a_flaky_and_a_failing_test_and_cannot_shuffle() {
    require_program("node");
    require_program("npm");
    let doc = run_example("node-test", 20, &[]);
    assert_eq!(doc["command"], json!(["npm", "test"]));
    check(
        &doc,
        &Expected {
            framework: "node",
            runs: 20,
            shuffles: false,
            flaky: "test/math.test.js::seeded flaky",
            victim: "test/registry.test.js::lookup starts empty",
            victim_failed: 0,
            failing: (
                "test/math.test.js::mean always fails",
                "mean([1, 2, 3]) should be 2, the test expects 3 on purpose",
            ),
            stable: &[
                "test/math.test.js::add",
                "test/math.test.js::slug > lowercases",
                "test/math.test.js::slug > collapses spaces",
                "test/registry.test.js::register item",
            ],
            scanned: true,
        },
    );
    // The failure's replay line runs that test alone, in its file, and fails again.
    let failure = failure(&doc, "test/math.test.js::seeded flaky");
    let line = failure["reproduce"].as_str().unwrap();
    assert!(
        line.contains("^(seeded flaky)$")
            && line.ends_with(" --test test/math.test.js")
            && !line.contains("npx"),
        "{line}"
    );
    let (passed, out) = replay("node-test", line);
    assert!(!passed, "`{line}` should fail again:\n{out}");
    assert!(
        out.contains("not ok 3 - seeded flaky")
            && out.contains("# pass 0")
            && out.contains("# fail 1"),
        "`{line}` should run the flaky test alone:\n{out}"
    );
}

/// libtest does not shuffle unless asked (see the next test). With one test thread it runs
/// tests in name order, in which `order::lookup_starts_empty` comes before its polluter and is stable; with several
/// threads (plain `cargo test`) the pair races and the outcome is the scheduler's, which no test
/// here may depend on.
#[test]
fn cargo_example_has_a_flaky_and_a_failing_test_in_name_order() {
    require_program("cargo");
    let doc = run_example("rust", 20, &["--env", "RUST_TEST_THREADS=1"]);
    assert_eq!(doc["command"], json!(["cargo", "test", "--no-fail-fast"]));
    check(
        &doc,
        &Expected {
            framework: "cargo",
            runs: 20,
            shuffles: false,
            flaky: "src/lib.rs::tests::seeded_flaky",
            victim: "src/lib.rs::order::lookup_starts_empty",
            victim_failed: 0,
            failing: (
                "src/lib.rs::tests::mean_always_fails",
                "panicked at src/lib.rs",
            ),
            stable: &[
                "src/lib.rs::tests::adds",
                "src/lib.rs::tests::slug_lowercases",
                "src/lib.rs::tests::slug_collapses_spaces",
                "src/lib.rs::order::register_item",
                "tests/it.rs::add_is_commutative",
                "tests/it.rs::slug_of_empty_is_empty",
            ],
            scanned: true,
        },
    );
}

/// Asked to (`--order alternate`), cargo test shuffles through libtest's unstable shuffle with
/// RUSTC_BOOTSTRAP=1: with one test thread, the victim fails only in shuffled attempts (where
/// its polluter came first) and is order-dependent, and its replay line fails.
#[test]
fn cargo_example_shuffles_when_asked_and_finds_the_order_dependent_test() {
    require_program("cargo");
    let doc = run_example(
        "rust",
        20,
        &[
            "--order",
            "alternate",
            "--",
            "cargo",
            "test",
            "--",
            "--test-threads",
            "1",
        ],
    );
    assert_eq!(doc["order"], "alternate");
    let victim = test(&doc, "src/lib.rs::order::lookup_starts_empty");
    assert_eq!(victim["kind"], "order-dependent", "{victim:#}");
    assert_eq!(victim["same_order"]["failed"], 0, "{victim:#}");
    assert!(
        victim["shuffled"]["failed"].as_u64().unwrap() > 0,
        "{victim:#}"
    );
    let f = failure(&doc, "src/lib.rs::order::lookup_starts_empty");
    assert_eq!(f["needs_order"], true);
    let line = f["reproduce"].as_str().unwrap();
    // The variable reaches the test executables through cargo's runner, never cargo itself
    // (where proc-macro2 and others would rebuild for it).
    assert!(
        line.contains("runner=") && line.contains("--shuffle-seed"),
        "{line}"
    );
    assert!(!line.contains(" RUSTC_BOOTSTRAP=1 cargo"), "{line}");
    let out = Command::new("sh")
        .args(["-c", line])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("test order::lookup_starts_empty ... FAILED"),
        "`{line}` did not fail the victim:\n{text}"
    );
    let build = String::from_utf8_lossy(&out.stderr);
    assert!(
        !build.contains("Compiling"),
        "`{line}` rebuilt what the run built:\n{build}"
    );
}

/// nextest runs every test in a process of its own, so the order-dependent pair never shares
/// state: the victim is stable, whatever the order.
#[test]
fn nextest_example_has_a_flaky_and_a_failing_test_and_no_shared_state() {
    require(
        succeeds("cargo", &["nextest", "--version"]),
        "cargo-nextest is not installed",
    );
    let doc = run_example("rust", 20, &["--", "cargo", "nextest", "run"]);
    assert_eq!(doc["command"], json!(["cargo", "nextest", "run"]));
    check(
        &doc,
        &Expected {
            framework: "nextest",
            runs: 20,
            shuffles: false,
            flaky: "flakydemo::tests::seeded_flaky",
            victim: "flakydemo::order::lookup_starts_empty",
            victim_failed: 0,
            failing: (
                "flakydemo::tests::mean_always_fails",
                "panicked at src/lib.rs",
            ),
            stable: &[
                "flakydemo::tests::adds",
                "flakydemo::tests::slug_lowercases",
                "flakydemo::tests::slug_collapses_spaces",
                "flakydemo::order::register_item",
                "flakydemo::it::add_is_commutative",
                "flakydemo::it::slug_of_empty_is_empty",
            ],
            scanned: true,
        },
    );
}

/// 40 runs: in the first 20, this seed's shuffles put the polluter first only twice, too few to
/// blame the order (flaky then says `flaky`).
#[test]
fn rspec_example_has_a_flaky_an_order_dependent_and_a_failing_test() {
    require_program("rspec");
    let doc = run_example("rspec", 40, &[]);
    assert_eq!(doc["command"], json!(["rspec"]));
    check(
        &doc,
        &Expected {
            framework: "rspec",
            runs: 40,
            shuffles: true,
            flaky: "spec/library_spec.rb::Library finds books by title",
            victim: "spec/library_spec.rb::Library lending has Dune on the shelf",
            victim_failed: 6,
            failing: (
                "spec/fees_spec.rb::late fees charges 50 cents a day",
                "two days late should cost 1.00",
            ),
            stable: &[
                "spec/library_spec.rb::Library knows unknown titles",
                "spec/library_spec.rb::Library charges nothing when a book is on time",
                "spec/library_spec.rb::Library lending lends a book",
            ],
            scanned: false,
        },
    );
}

#[test]
fn phpunit_example_has_a_flaky_an_order_dependent_and_a_failing_test() {
    require_program("phpunit");
    let doc = run_example("phpunit", 40, &[]);
    assert_eq!(doc["command"], json!(["phpunit"]));
    check(
        &doc,
        &Expected {
            framework: "phpunit",
            runs: 40,
            shuffles: true,
            flaky: r"Example\Tests\ThermostatTest::testReadsTheSensor",
            victim: r"Example\Tests\ThermostatTest::testStartsAtTwentyDegrees",
            victim_failed: 10,
            failing: (
                r"Example\Tests\ThermostatTest::testConvertsFreezingToKelvin",
                "zero Celsius is 273.15 kelvin",
            ),
            stable: &[
                r"Example\Tests\ThermostatTest::testConvertsFreezingToFahrenheit",
                r"Example\Tests\ThermostatTest::testConvertsBoilingToFahrenheit",
                r"Example\Tests\ThermostatTest::testChangesTheTarget",
            ],
            scanned: false,
        },
    );
}

#[test]
fn tests_from_a_pytest_report_reruns_exactly_its_failed_tests() {
    require_pytest();
    let report = fixture("pytest-ci.xml");
    let doc = run_example(
        "python-pytest",
        10,
        &["--tests-from", report.to_str().unwrap()],
    );
    assert_eq!(doc["selected_tests"], 2);
    assert_eq!(
        ids(&doc),
        [
            "tests/test_math.py::test_mean_always_fails",
            "tests/test_math.py::test_seeded_flaky"
        ]
    );
    let flaky = test(&doc, "tests/test_math.py::test_seeded_flaky");
    let failed = seeded_failures(10).len() as u64;
    assert!(failed > 0);
    assert_eq!(counts(flaky)[0], (10, failed));
    assert_eq!(flaky["kind"], "flaky");
    let failing = test(&doc, "tests/test_math.py::test_mean_always_fails");
    assert_eq!(counts(failing)[0], (10, 10));
    assert_eq!(failing["kind"], "failing");
    assert_eq!(doc["totals"]["infrastructure"], 0);
}

/// The canonical CI form: the command names its test paths, and the report is pytest's default
/// family (xunit2, no `file`). The node ids replace `tests/`, so only the failed tests run.
#[test]
fn tests_from_replaces_the_test_paths_of_the_command() {
    require_pytest();
    let report = fixture("pytest-ci.xml");
    let doc = run_example(
        "python-pytest",
        4,
        &[
            "--tests-from",
            report.to_str().unwrap(),
            "--",
            "python3",
            "-m",
            "pytest",
            "tests/",
        ],
    );
    assert_eq!(doc["selected_tests"], 2);
    assert_eq!(
        ids(&doc),
        [
            "tests/test_math.py::test_mean_always_fails",
            "tests/test_math.py::test_seeded_flaky"
        ]
    );
    assert_eq!(
        counts(test(&doc, "tests/test_math.py::test_mean_always_fails"))[0],
        (4, 4)
    );
}

/// A report naming a "test" `--basetemp=DIR`: it reaches pytest as a path, never as the option
/// (pytest empties its basetemp, and reads options even after `--`).
#[test]
fn tests_from_never_passes_an_id_as_an_option() {
    require_pytest();
    let s = pytest_project(&[(
        "tests/test_app.py",
        "def test_loads(tmp_path):\n    assert False, \"cache miss\"\n",
    )]);
    let victim = s.path().join("victim");
    s.write("victim/keep.txt", "precious");
    s.write(
        "ci.xml",
        &format!(
            r#"<testsuites><testsuite name="ci"><testcase classname="" name="--basetemp={}"><failure message="x"/></testcase></testsuite></testsuites>"#,
            victim.display()
        ),
    );
    let out = s
        .flaky()
        .args(["run", "-n", "2", "-j", "1", "--tests-from", "ci.xml", "--"])
        .args(["python3", "-m", "pytest"])
        .output()
        .unwrap();
    assert!(
        victim.join("keep.txt").exists(),
        "pytest took the id for its --basetemp option and emptied the directory: {out:?}"
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

/// jest-junit's default layout (no file; `classname` and `name` both the full name) selects the
/// failed tests by name, within the command's own paths.
#[test]
fn tests_from_a_jest_junit_report_reruns_exactly_its_failed_tests() {
    require_npm_package("jest", "jest");
    let report = fixture("jest-junit-ci.xml");
    let doc = run_example("jest", 4, &["--tests-from", report.to_str().unwrap()]);
    assert_eq!(doc["selected_tests"], 2);
    // jest reports the tests its name filter left out as skipped: they are not rows.
    assert_eq!(
        ids(&doc),
        [
            "__tests__/checkout.test.js::checkout > applies a 10% discount",
            "__tests__/checkout.test.js::checkout > charges the card",
        ]
    );
    // With the file attribute, the report's files replace the command's test paths.
    let report = fixture("jest-junit-file.xml");
    let doc = run_example(
        "jest",
        4,
        &[
            "--tests-from",
            report.to_str().unwrap(),
            "--",
            "npx",
            "jest",
            "__tests__/prices.test.js",
        ],
    );
    assert_eq!(
        ran(&doc),
        [
            "__tests__/checkout.test.js::checkout > applies a 10% discount",
            "__tests__/checkout.test.js::checkout > charges the card",
        ]
    );
}

/// node's own JUnit report (no file, `describe > title`): the failed tests are selected by name,
/// and the tests node then reports skipped for not matching are not rows.
#[test]
fn tests_from_a_node_junit_report_reruns_exactly_its_failed_tests() {
    require_program("node");
    let report = fixture("node-ci.xml");
    let doc = run_example("node-test", 4, &["--tests-from", report.to_str().unwrap()]);
    assert_eq!(doc["selected_tests"], 2);
    assert_eq!(
        ids(&doc),
        [
            "test/math.test.js::mean always fails",
            "test/math.test.js::seeded flaky",
        ]
    );
    let t = test(&doc, "test/math.test.js::mean always fails");
    assert_eq!((counts(t)[0], &t["kind"]), ((4, 4), &json!("failing")));
}

/// Only `tests/test_*.py` and a `.venv` with pytest (the test environment's, linked): detected
/// as pytest with that evidence, and run with the virtualenv's python, though none is on PATH.
#[test]
fn a_plain_pytest_project_runs_with_its_virtualenv() {
    let venv = repo().join("target/test-env/venv");
    require(
        venv.join("bin/python").exists(),
        "target/test-env/venv is missing",
    );
    let s = Sandbox::new();
    s.write(
        "tests/test_app.py",
        "import os\n\n\ndef test_saves():\n    assert True\n\n\ndef test_loads():\n    assert os.environ[\"FLAKY_ATTEMPT\"] != \"1\", \"cache miss\"\n",
    );
    std::os::unix::fs::symlink(&venv, s.path().join(".venv")).unwrap();
    let out = s
        .flaky()
        .args(["detect-framework", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = &doc["frameworks"][0];
    assert_eq!(found["framework"], "pytest");
    assert_eq!(
        found["command"],
        json!([".venv/bin/python", "-m", "pytest"])
    );
    assert!(
        found["evidence"][0]
            .as_str()
            .unwrap()
            .contains("virtualenv has pytest"),
        "{found}"
    );
    let (doc, code) = s.run_json(&["-n", "3", "-j", "1"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["command"], json!([".venv/bin/python", "-m", "pytest"]));
    let t = test(&doc, "tests/test_app.py::test_loads");
    assert_eq!((counts(t)[0], &t["kind"]), ((3, 1), &json!("flaky")));
}

/// `npx jest` with jest in node_modules/.bin: the attempts run jest directly (an `npx` first on
/// PATH that notes each call is never called), and the replay lines say `npx jest` once.
#[test]
fn jest_in_node_modules_runs_without_npx() {
    require_npm_package("jest", "jest");
    let s = Sandbox::new();
    let calls = s.path().join("npx-calls");
    let shim = s.write(
        "bin/npx",
        &format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec /usr/bin/env -i PATH=/usr/bin:/bin npx \"$@\"\n",
            calls.display()
        ),
    );
    std::fs::set_permissions(&shim, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        s.path().join("bin").display(),
        std::env::var("PATH").unwrap()
    );
    let before = git_status("jest");
    let out = s
        .flaky()
        .env("PATH", path)
        .args([
            "run", "--format", "json", "-n", "4", "-j", "1", "--seed", "7", "-C",
        ])
        .arg(example("jest"))
        .args(["--", "npx", "jest"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{doc:#}");
    assert!(!calls.exists(), "an attempt went through npx");
    assert_eq!(
        git_status("jest"),
        before,
        "the run left files in examples/jest"
    );
    for f in doc["failures"].as_array().unwrap() {
        let line = f["reproduce"].as_str().unwrap();
        assert!(
            line.contains(" npx jest ") && !line.contains("npx npx"),
            "{line}"
        );
    }
}

/// A go package whose tests do not compile, run by `go test` in every attempt (behind `env`,
/// flaky does not build the tests once first; that path stops before any attempt: see
/// `a_go_build_failure_is_an_error_before_any_attempt`): no test ran, so the attempts are set aside with the compiler's lines
/// (not the head of go's JSON), the run measured nothing (exit 2), and no replay line selects a
/// test named `(package)`.
#[test]
fn a_go_package_that_does_not_build_measures_nothing() {
    require_program("go");
    let s = Sandbox::new();
    s.write("go.mod", "module example.com/broken\n\ngo 1.18\n");
    s.write(
        "calc.go",
        "package calc\n\nfunc Add(a, b int) int { return a + b }\n",
    );
    s.write(
        "calc_test.go",
        "package calc\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != \"3\" {\n\t\tt.Fatal(\"bad\")\n\t}\n}\n",
    );
    let (doc, code) = s.run_json(&["-n", "6", "-j", "2", "--", "env", "go", "test", "./..."]);
    assert_eq!((code, &doc["status"]), (2, &json!("no-results")), "{doc:#}");
    let first = &doc["infrastructure"][0];
    assert!(
        first["reason"]
            .as_str()
            .unwrap()
            .starts_with("the tests did not build: example.com/broken"),
        "{first}"
    );
    let excerpt = first["excerpt"].as_str().unwrap();
    assert!(
        excerpt.contains("calc_test.go:6") && !excerpt.contains("\"Action\""),
        "{excerpt}"
    );
    assert!(
        !doc.to_string().contains("(package)"),
        "a replay line selects the package as a test: {doc:#}"
    );
    assert!(
        doc["no_results"]["hint"]
            .as_str()
            .unwrap()
            .contains("do not compile")
    );
}

/// `npm test` whose script is `true && node --test`: run through npm as written (with a note
/// saying so), node:test's reporter flags still reach it (at the end, where npm puts them), and
/// every test is read.
#[test]
fn a_node_test_script_with_shell_syntax_runs_through_npm_with_its_report() {
    require_program("npm");
    let s = Sandbox::new();
    s.write(
        "package.json",
        r#"{"name": "x", "version": "1.0.0", "scripts": {"test": "true && node --test"}}"#,
    );
    s.write(
        "test/a.test.js",
        "const test = require('node:test');\nconst assert = require('node:assert');\ntest('saves', () => {});\ntest('loads', () => { assert.notStrictEqual(process.env.FLAKY_ATTEMPT, '1', 'cache miss'); });\n",
    );
    let out = s
        .flaky()
        .args([
            "run", "--format", "json", "-n", "3", "-j", "1", "--", "npm", "test",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{doc:#}\n{stderr}");
    assert_eq!(doc["totals"]["infrastructure"], 0, "{doc:#}");
    let t = test(&doc, "test/a.test.js::loads");
    assert_eq!((counts(t)[0], &t["kind"]), ((3, 1), &json!("flaky")));
    assert!(
        stderr.contains("runs it through npm as written"),
        "{stderr}"
    );
}

/// `npm test` whose script is `false && node --test`: the first command fails, so node:test never
/// runs and nothing is measured (exit 2), and the hint says why and how to measure the tests.
#[test]
fn a_script_that_fails_before_its_framework_runs_says_so() {
    require_program("npm");
    let s = Sandbox::new();
    s.write(
        "package.json",
        r#"{"name": "x", "version": "1.0.0", "scripts": {"test": "false && node --test"}}"#,
    );
    s.write(
        "test/a.test.js",
        "const test = require('node:test');\ntest('saves', () => {});\n",
    );
    let out = s
        .flaky()
        .args([
            "run", "--format", "json", "-n", "2", "-j", "1", "--", "npm", "test",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(2), "{doc:#}");
    let hint = doc["no_results"]["hint"].as_str().unwrap();
    assert!(
        hint.contains("runs other commands before node")
            && hint.contains("(flaky run -- node --test)"),
        "{hint}"
    );
}

/// A go-junit-report file (written by hand, see tests/fixtures/tests-from/README.md): three tests
/// of two packages failed there. Rerun alone, the order-dependent one has no polluter and passes.
#[test]
fn tests_from_a_go_junit_report_reruns_exactly_its_failed_tests() {
    require_program("go");
    let report = fixture("go-ci.xml");
    let doc = run_example("go", 10, &["--tests-from", report.to_str().unwrap()]);
    assert_eq!(doc["selected_tests"], 3);
    assert_eq!(
        ids(&doc),
        [
            "example.com/flakydemo/calc::TestMeanAlwaysFails",
            "example.com/flakydemo/calc::TestSeededFlaky",
            "example.com/flakydemo/registry::TestLookupStartsEmpty",
        ]
    );
    let failed = seeded_failures(10).len() as u64;
    let t = test(&doc, "example.com/flakydemo/calc::TestSeededFlaky");
    assert_eq!((counts(t)[0], &t["kind"]), ((10, failed), &json!("flaky")));
    let t = test(&doc, "example.com/flakydemo/calc::TestMeanAlwaysFails");
    assert_eq!((counts(t)[0], &t["kind"]), ((10, 10), &json!("failing")));
    let t = test(
        &doc,
        "example.com/flakydemo/registry::TestLookupStartsEmpty",
    );
    assert_eq!(
        counts(t),
        [(10, 0), (5, 0), (5, 0)],
        "without TestRegisterItem nothing pollutes it, shuffled or not"
    );
}

#[test]
fn tests_from_a_report_without_failures_is_a_usage_error() {
    let report = fixture("pytest-green.xml");
    Sandbox::new()
        .flaky()
        .args(["run", "-n", "10", "--tests-from"])
        .arg(&report)
        .arg("-C")
        .arg(example("python-pytest"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("pytest-green.xml")
                .and(predicate::str::contains("no failed or errored test")),
        );
}

/// Writes a JUnit report to `$TMPDIR/j.xml`: `parses` passes, `retries` fails on every third
/// attempt, `connects` always fails; the command exits 1 like a test runner with failures.
const JUNIT_WRITER: &str = r#"
if [ $((FLAKY_ATTEMPT % 3)) -eq 0 ]; then
  retries='<failure message="gave up after 3 retries">retry.go:12</failure>'
else
  retries=''
fi
cat > "$TMPDIR/j.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="client" tests="3">
    <testcase classname="client" name="parses" time="0.001"/>
    <testcase classname="client" name="retries" time="0.002">$retries</testcase>
    <testcase classname="client" name="connects" time="0.001"><failure message="connection refused"/></testcase>
  </testsuite>
</testsuites>
EOF
exit 1
"#;

#[test]
fn junit_reads_the_report_the_command_writes_in_its_tmpdir() {
    let s = Sandbox::new();
    let (doc, code) = s.run_json(&[
        "-n",
        "9",
        "--seed",
        "7",
        "--junit",
        "{tmpdir}/j.xml",
        "--",
        "sh",
        "-c",
        JUNIT_WRITER,
    ]);
    assert_eq!(code, 1);
    assert_eq!(doc["totals"]["attempts"], 9);
    assert_eq!(doc["totals"]["infrastructure"], 0);
    assert_eq!(
        ids(&doc),
        ["client::connects", "client::parses", "client::retries"]
    );
    let expect = |id: &str, failed: u64, severity: &str, kind: &str| {
        let t = test(&doc, id);
        assert_eq!(
            (counts(t)[0], t["severity"].as_str(), t["kind"].as_str()),
            ((9, failed), Some(severity), Some(kind)),
            "{id}"
        );
    };
    expect("client::parses", 0, "none", "stable");
    expect("client::retries", 3, "medium", "flaky");
    expect("client::connects", 9, "critical", "failing");
    assert!(
        test(&doc, "client::retries")["signatures"][0]["example"]
            .as_str()
            .unwrap()
            .contains("gave up after 3 retries")
    );
}

#[test]
fn junit_with_one_fixed_path_and_parallel_attempts_is_refused() {
    Sandbox::new()
        .flaky()
        .args([
            "run",
            "-n",
            "4",
            "-j",
            "2",
            "--junit",
            "fixed.xml",
            "--",
            "true",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("--junit")
                .and(predicate::str::contains("hint:"))
                .and(predicate::str::contains("{tmpdir}")),
        );
}

/// A small pytest project in the sandbox: `tests/test_app.py` plus the files given.
pub(crate) fn pytest_project(files: &[(&str, &str)]) -> Sandbox {
    let s = Sandbox::new();
    s.write(
        "pyproject.toml",
        "[tool.pytest.ini_options]\ntestpaths = [\"tests\"]\n",
    );
    for (name, text) in files {
        s.write(name, text);
    }
    s
}

#[test]
fn an_attempt_whose_conftest_cannot_be_imported_is_infrastructure() {
    require_pytest();
    let s = pytest_project(&[
        (
            "conftest.py",
            "import os\n\nif os.environ[\"FLAKY_ATTEMPT\"] == \"2\":\n    raise RuntimeError(\"the test database is unreachable\")\n",
        ),
        (
            "tests/test_app.py",
            "import os\n\nATTEMPT = int(os.environ[\"FLAKY_ATTEMPT\"])\n\n\ndef test_saves():\n    assert True\n\n\ndef test_loads():\n    assert ATTEMPT % 4 != 1, \"cache miss\"\n",
        ),
    ]);
    let (doc, code) = s.run_json(&["-n", "6", "--seed", "7", "--", "python3", "-m", "pytest"]);
    assert_eq!(code, 1);
    assert_eq!(doc["totals"]["attempts"], 6);
    assert_eq!(doc["totals"]["infrastructure"], 1);
    for a in doc["attempts"].as_array().unwrap() {
        assert_eq!(a["infrastructure"].is_string(), a["index"] == 2, "{a}");
    }
    assert_eq!(doc["infrastructure"][0]["index"], 2);
    assert!(
        doc["infrastructure"][0]["excerpt"]
            .as_str()
            .unwrap()
            .contains("RuntimeError: the test database is unreachable"),
        "{:#}",
        doc["infrastructure"]
    );
    // Attempt 2 counts for no test: 5 runs each; test_loads failed in attempts 1 and 5.
    let t = test(&doc, "tests/test_app.py::test_loads");
    assert_eq!((counts(t)[0], &t["kind"]), ((5, 2), &json!("flaky")));
    let t = test(&doc, "tests/test_app.py::test_saves");
    assert_eq!((counts(t)[0], &t["kind"]), ((5, 0), &json!("stable")));
}

/// A conftest that imports a module that is not installed measures nothing (exit 2), and the
/// hint names the module the tests cannot import, not pytest as missing.
#[test]
fn a_dependency_the_tests_cannot_import_is_named_in_the_hint() {
    require_pytest();
    let s = pytest_project(&[
        ("conftest.py", "import a_module_that_is_not_installed\n"),
        ("tests/test_app.py", "def test_saves():\n    assert True\n"),
    ]);
    let out = s
        .flaky()
        .args(["run", "-n", "2", "--", "python3", "-m", "pytest"])
        .output()
        .expect("flaky");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "hint: the tests cannot import `a_module_that_is_not_installed`: install the project's dependencies"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("pytest does not seem to be installed"),
        "{stderr}"
    );
}

/// The terminal report shows the end of an infrastructure attempt's output, where pytest says
/// why: the import error, "no tests ran"; not the banner at its head.
#[test]
fn infrastructure_attempts_show_the_end_of_their_output() {
    require_pytest();
    let s = pytest_project(&[
        (
            "conftest.py",
            "import os\n\nATTEMPT = os.environ[\"FLAKY_ATTEMPT\"]\nif ATTEMPT == \"1\":\n    import a_module_that_is_not_installed\n# Attempt 2 collects nothing: pytest runs no test.\ncollect_ignore_glob = [\"tests/*\"] if ATTEMPT == \"2\" else []\n",
        ),
        ("tests/test_app.py", "def test_saves():\n    assert True\n"),
    ]);
    let out = s
        .flaky()
        .args(["run", "-n", "4", "-j", "1", "--seed", "7", "--"])
        .args(["python3", "-m", "pytest"])
        .output()
        .expect("flaky");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let section: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("Left out as infrastructure (2 attempts):"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(section.len(), 8, "{stdout}");
    assert!(section[0].starts_with("  attempt 1 ("), "{stdout}");
    assert_eq!(
        section[1..4],
        [
            "    │ conftest.py:5: in <module>",
            "    │     import a_module_that_is_not_installed",
            "    │ E   ModuleNotFoundError: No module named 'a_module_that_is_not_installed'",
        ],
        "{stdout}"
    );
    assert_eq!(
        section[4],
        "  attempt 2 (no-tests): the command exited with status 5 before any test ran"
    );
    assert_eq!(section[5], "    │ collected 0 items", "{stdout}");
    assert!(
        section[6].starts_with("    │ -- generated xml file: "),
        "{stdout}"
    );
    assert!(
        section[7].starts_with("    │ ====") && section[7].contains(" no tests ran in "),
        "{stdout}"
    );
    assert!(!stdout.contains("platform linux"), "{stdout}");
}

/// Six tests failing together in attempt 3, each on its own assertion, are six results: the
/// attempt is not set aside, and their rates are not biased down.
#[test]
fn tests_failing_together_with_their_own_assertions_are_results() {
    require_pytest();
    let s = pytest_project(&[(
        "tests/test_app.py",
        "import os\n\nimport pytest\n\nATTEMPT = int(os.environ[\"FLAKY_ATTEMPT\"])\n\n\n@pytest.mark.parametrize(\"table\", [\"users\", \"orders\", \"items\", \"carts\", \"prices\", \"stock\"])\ndef test_query(table):\n    assert ATTEMPT != 3, f\"{table}: row count drifted\"\n\n\ndef test_format():\n    assert True\n",
    )]);
    let (doc, code) = s.run_json(&["-n", "6", "--seed", "7", "--", "python3", "-m", "pytest"]);
    assert_eq!(doc["totals"]["infrastructure"], 0);
    assert_eq!(doc["tests"].as_array().unwrap().len(), 7);
    for t in doc["tests"].as_array().unwrap() {
        if t["id"].as_str().unwrap().contains("test_query") {
            assert_eq!(
                (counts(t)[0], &t["kind"]),
                ((6, 1), &json!("flaky")),
                "{}",
                t["id"]
            );
        } else {
            assert_eq!((counts(t)[0], &t["kind"]), ((6, 0), &json!("stable")));
        }
    }
    assert_eq!(code, 1);
}

/// The same six tests failing the same way on a refused connection: the environment failed, not
/// the tests, and the attempt is set aside by the rule that says so.
#[test]
fn tests_failing_together_on_one_environment_error_are_infrastructure() {
    require_pytest();
    let s = pytest_project(&[(
        "tests/test_app.py",
        "import os\n\nimport pytest\n\nATTEMPT = int(os.environ[\"FLAKY_ATTEMPT\"])\n\n\n@pytest.mark.parametrize(\"table\", [\"users\", \"orders\", \"items\", \"carts\", \"prices\", \"stock\"])\ndef test_query(table):\n    if ATTEMPT == 3:\n        raise ConnectionRefusedError(111, \"Connection refused\")\n\n\ndef test_format():\n    assert True\n",
    )]);
    let (doc, code) = s.run_json(&["-n", "6", "--seed", "7", "--", "python3", "-m", "pytest"]);
    assert_eq!(doc["totals"]["infrastructure"], 1);
    for a in doc["attempts"].as_array().unwrap() {
        assert_eq!(a["infrastructure"].is_string(), a["index"] == 3, "{a}");
    }
    assert_eq!(doc["attempts"][3]["infrastructure_rule"], "environment");
    assert_eq!(doc["infrastructure"][0]["rule"], "environment");
    let reason = doc["attempts"][3]["infrastructure"].as_str().unwrap();
    assert!(
        reason.starts_with("6 of 7 tests failed the same way, on their environment: ")
            && reason.contains("Connection refused"),
        "{reason}"
    );
    for t in doc["tests"].as_array().unwrap() {
        assert_eq!(
            (counts(t)[0], &t["kind"]),
            ((5, 0), &json!("stable")),
            "{}",
            t["id"]
        );
    }
    assert_eq!(code, 0, "no test failed outside the infrastructure attempt");
}

#[test]
fn ignore_patterns_hide_a_test_of_the_pytest_example() {
    require_pytest();
    let s = Sandbox::new();
    let config = s.write(
        "flaky.yml",
        "ignore_patterns:\n  - \"*::test_mean_always_fails\"\n",
    );
    // In the first three attempts no seed is a multiple of 4, and `--order same` keeps the
    // order-dependent pair apart: with the failing test hidden, nothing fails.
    assert!(seeded_failures(3).is_empty());
    let before = git_status("python-pytest");
    let (doc, code) = s.run_json(&[
        "-n",
        "3",
        "--seed",
        "7",
        "--order",
        "same",
        "--config",
        config.to_str().unwrap(),
        "-C",
        example("python-pytest").to_str().unwrap(),
    ]);
    assert_eq!(git_status("python-pytest"), before);
    assert_eq!(doc["ignored_tests"], 1);
    let ids = ids(&doc);
    assert_eq!(ids.len(), 9, "{ids:?}");
    assert!(!ids.iter().any(|id| id.contains("test_mean_always_fails")));
    for t in doc["tests"].as_array().unwrap() {
        assert_eq!((counts(t)[0], &t["kind"]), ((3, 0), &json!("stable")));
    }
    assert_eq!(code, 0, "the only failing test is hidden");
}

/// Runs a `reproduce` line in an example as a user would paste it, and returns whether it passed,
/// and its output.
fn replay(name: &str, line: &str) -> (bool, String) {
    let out = Command::new("sh")
        .args(["-c", line])
        .current_dir(example(name))
        // As in flaky's own attempts, no .pytest_cache in the repository.
        .env("PYTEST_ADDOPTS", "-p no:cacheprovider")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// A failure's `reproduce` line replays the attempt it names (the lowest failing index): with
/// that attempt's seed, and, for a shuffled attempt, its neighbours in that attempt's order.
#[test]
fn the_reproduce_lines_of_pytest_failures_fail_again() {
    require_pytest();
    // 20 runs, so that the victim is told order-dependent (as in the pytest test above).
    let doc = run_example("python-pytest", 20, &[]);
    let failure = |id: &str| {
        let f = doc["failures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["test"] == id)
            .unwrap_or_else(|| panic!("no failure of {id} in {:#}", doc["failures"]))
            .clone();
        let index = f["index"].as_u64().unwrap() as u32;
        (f, index, attempt_seed(SEED, index))
    };
    let before = git_status("python-pytest");

    let (flaky, index, seed) = failure("tests/test_math.py::test_seeded_flaky");
    assert!(seed.is_multiple_of(4), "attempt {index} passed that test");
    let line = flaky["reproduce"].as_str().unwrap();
    assert!(line.contains(&format!("TEST_SEED={seed} ")), "{line}");
    let (passed, out) = replay("python-pytest", line);
    assert!(!passed, "`{line}` should fail again:\n{out}");
    // Its first failure is attempt 3, a shuffled one; it failed in attempt 16 too, which kept
    // the order: the line replays that one, with the test alone.
    assert_eq!(index, 16);
    assert_eq!(flaky["needs_order"], false);
    assert!(
        !line.contains("FLAKY_ORDER_SEED=")
            && line.ends_with("tests/test_math.py::test_seeded_flaky"),
        "{line}"
    );
    assert!(
        out.contains("FAILED tests/test_math.py::test_seeded_flaky"),
        "`{line}` should fail the flaky test again:\n{out}"
    );

    let (victim, index, seed) = failure("tests/test_registry.py::test_lookup_starts_empty");
    assert_eq!(
        test(&doc, "tests/test_registry.py::test_lookup_starts_empty")["kind"],
        "order-dependent"
    );
    assert_eq!(index % 2, 1, "it fails only in shuffled attempts");
    assert_eq!(victim["order_seed"], seed);
    // The failure needs its neighbours in that order: the line replays the whole attempt.
    assert_eq!(victim["needs_order"], true);
    let line = victim["reproduce"].as_str().unwrap();
    assert!(
        line.contains(&format!("FLAKY_ORDER_SEED={seed} ")),
        "{line}"
    );
    let (passed, out) = replay("python-pytest", line);
    assert!(!passed, "`{line}` should fail again:\n{out}");
    assert!(
        out.contains("FAILED tests/test_registry.py::test_lookup_starts_empty"),
        "`{line}` should fail the order-dependent test again:\n{out}"
    );
    assert_eq!(git_status("python-pytest"), before);
}

#[test]
fn pytest_example_in_batches_finds_the_same_tests_with_the_same_counts() {
    // Five attempts in each pytest process, each with its own seed and order, and the project's
    // globals put back between them: the seed-dependent and the order-dependent test are found
    // exactly as with a process per attempt (the test above).
    require_pytest();
    let doc = run_example("python-pytest", 20, &["--batch", "5"]);
    assert_eq!(doc["batch"], 5);
    check(&doc, &PYTEST_EXPECTED);
}

/// A directory holding a `NAME` wrapper that logs each call (its arguments, one line) to `log`,
/// then runs the real program: how the tests count builds and attempts.
fn logging_wrapper(sandbox: &Sandbox, name: &str) -> (String, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let real = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("`{name}` is not on PATH"));
    let log = sandbox.path().join(format!("{name}.log"));
    let script = sandbox.write(
        &format!("bin/{name}"),
        &format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real.display()
        ),
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        script.parent().unwrap().display(),
        std::env::var("PATH").unwrap()
    );
    (path, log)
}

/// `flaky run --format json -n RUNS --seed 7 -C examples/NAME ARGS` with `program` logged (see
/// [`logging_wrapper`]); checks that it exits 1 and returns the document, the log, and the
/// sandbox that holds the log.
fn run_logged(program: &str, name: &str, runs: u32, args: &[&str]) -> (Value, PathBuf, Sandbox) {
    let sandbox = Sandbox::new();
    let (path, log) = logging_wrapper(&sandbox, program);
    let out = sandbox
        .flaky()
        .env("PATH", path)
        .args(["run", "--format", "json", "-n", &runs.to_string(), "--seed"])
        .arg(SEED.to_string())
        .arg("-C")
        .arg(example(name))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let doc = serde_json::from_slice(&out.stdout).unwrap();
    (doc, log, sandbox)
}

/// The logged calls whose arguments start with `prefix`.
fn calls(log: &Path, prefix: &str) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with(prefix))
        .count()
}

/// Each package's test binary is built once per run (`go test -c`), and every attempt runs the
/// binaries: no attempt runs `go test`, and the verdicts are today's.
#[test]
fn go_builds_each_test_binary_once_per_run() {
    require_program("go");
    let runs = 6;
    let (doc, log, _sandbox) = run_logged("go", "go", runs, &[]);
    assert_eq!(calls(&log, "test -c"), 2, "one build per package");
    assert_eq!(calls(&log, "test -json"), 0, "no attempt runs `go test`");
    assert_eq!(
        calls(&log, ""),
        4,
        "go env, go list and the two builds (which vet, as go test does), whatever N"
    );
    let t = test(&doc, "example.com/flakydemo/calc::TestSeededFlaky");
    assert_eq!(counts(t)[0], (6, seeded_failures(runs).len() as u64));
    let t = test(
        &doc,
        "example.com/flakydemo/calc::TestSlug/collapses_spaces",
    );
    assert_eq!(counts(t)[0], (6, 0));
    assert_eq!(doc["totals"]["infrastructure"], 0);
    // The replay line is still the `go test` command that reproduces the attempt.
    let failure = doc["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["test"] == "example.com/flakydemo/calc::TestMeanAlwaysFails")
        .unwrap();
    let line = failure["reproduce"].as_str().unwrap();
    assert!(line.contains("go test '-count=1' '-shuffle=off'"), "{line}");
}

/// An attempt runs each package's test binary alone and reads its `-test.v` text (framed with
/// `-test.v=test2json` from Go 1.20 on): one process per package, no test2json, with the
/// verdicts test2json gave. The go on PATH names a tool directory whose test2json logs its calls.
#[test]
fn go_attempts_run_each_test_binary_alone() {
    use std::os::unix::fs::PermissionsExt;
    require_program("go");
    let sandbox = Sandbox::new();
    let go_env = |name: &str| {
        let out = Command::new("go").args(["env", name]).output().unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let log = sandbox.path().join("test2json.log");
    let tools = sandbox.write(
        "tools/test2json",
        &format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}/test2json' \"$@\"\n",
            log.display(),
            go_env("GOTOOLDIR")
        ),
    );
    let real = Command::new("sh")
        .args(["-c", "command -v go"])
        .output()
        .unwrap();
    let real = String::from_utf8(real.stdout).unwrap().trim().to_owned();
    let go = sandbox.write(
        "bin/go",
        &format!(
            "#!/bin/sh\nif [ \"$1\" = env ]; then '{real}' env GOVERSION; echo '{}'; exit; fi\nexec '{real}' \"$@\"\n",
            tools.parent().unwrap().display()
        ),
    );
    for script in [&tools, &go] {
        std::fs::set_permissions(script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let runs = 4;
    let out = sandbox
        .flaky()
        .env(
            "PATH",
            format!(
                "{}:{}",
                go.parent().unwrap().display(),
                std::env::var("PATH").unwrap()
            ),
        )
        .args(["run", "--format", "json", "-n", &runs.to_string(), "--seed"])
        .arg(SEED.to_string())
        .arg("-C")
        .arg(example("go"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let minor: u32 = go_env("GOVERSION")
        .trim_start_matches("go1.")
        .split(['.', 'r', 'b'])
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let through_test2json = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .count();
    assert_eq!(through_test2json, 0, "go1.{minor}");
    let t = test(&doc, "example.com/flakydemo/calc::TestSeededFlaky");
    assert_eq!(
        counts(t)[0],
        (runs as u64, seeded_failures(runs).len() as u64)
    );
    let t = test(&doc, "example.com/flakydemo/calc::TestMeanAlwaysFails");
    assert_eq!(counts(t)[0], (runs as u64, runs as u64));
    let t = test(
        &doc,
        "example.com/flakydemo/calc::TestSlug/collapses_spaces",
    );
    assert_eq!(counts(t)[0], (runs as u64, 0));
    assert_eq!(doc["totals"]["infrastructure"], 0);
}

/// The Go test binaries of one run seed the next run's build through flaky's cache: unchanged
/// sources are not linked again (the cached file stays the same file), and a changed source is
/// (the next run reads the new code, never the cached binary).
#[test]
fn go_binaries_of_the_last_run_are_reused_only_while_current() {
    use std::os::unix::fs::MetadataExt;
    require_program("go");
    let sandbox = Sandbox::new();
    sandbox.write("mod/go.mod", "module example.com/cached\n\ngo 1.19\n");
    let source = |verdict: &str| {
        sandbox.write(
            "mod/cached_test.go",
            &format!("package cached\n\nimport \"testing\"\n\nfunc TestVerdict(t *testing.T) {{\n\t{verdict}\n}}\n"),
        );
    };
    let cache = sandbox.path().join("cache");
    let run = || {
        let out = sandbox
            .flaky()
            .env("XDG_CACHE_HOME", &cache)
            .args([
                "run", "--format", "json", "-n", "3", "-C", "mod", "--", "go", "test", "./...",
            ])
            .output()
            .unwrap();
        let doc: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
        let failed = doc["tests"][0]["failed"].as_u64().unwrap();
        (out.status.code(), failed)
    };
    let cached = || {
        let files: Vec<_> = std::fs::read_dir(cache.join("flaky/go-test"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        std::fs::metadata(&files[0]).unwrap().ino()
    };
    source("");
    assert_eq!(run(), (Some(0), 0));
    let first = cached();
    assert_eq!(run(), (Some(0), 0));
    assert_eq!(cached(), first, "an unchanged package was linked again");
    source("t.Fatal(\"changed\")");
    assert_eq!(
        run(),
        (Some(1), 3),
        "the cached binary of the old source ran"
    );
    assert_ne!(cached(), first, "the new binary was not kept");
}

/// A package that does not compile stops the run before any attempt: exit 2, the compiler's
/// error, nothing measured or stored as attempts.
#[test]
fn a_go_build_failure_is_an_error_before_any_attempt() {
    require_program("go");
    assert_build_failure(
        "go",
        &[
            "go.mod",
            "calc/calc.go",
            "calc/calc_test.go",
            "registry/registry.go",
            "registry/registry_test.go",
        ],
        (
            "calc/calc.go",
            "\nfunc Broken() int { return notDefined }\n",
        ),
        "undefined: notDefined",
    );
}

/// Copies `files` of an example into a sandbox, appends code that does not compile to one of
/// them, and checks that `flaky run` stops before any attempt: exit 2, the compiler's `error`,
/// no attempt stored.
fn assert_build_failure(name: &str, files: &[&str], (broken, code): (&str, &str), error: &str) {
    let sandbox = Sandbox::new();
    for file in files {
        let mut text = std::fs::read_to_string(example(name).join(file)).unwrap();
        if *file == broken {
            text.push_str(code);
        }
        sandbox.write(&format!("project/{file}"), &text);
    }
    let out = sandbox
        .flaky()
        .args(["run", "-n", "5", "-C"])
        .arg(sandbox.path().join("project"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the tests do not build, so no attempt ran"),
        "{stderr}"
    );
    assert!(stderr.contains(error), "{stderr}");
    let attempts: i64 = sandbox
        .sql()
        .query_row("SELECT count(*) FROM attempts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(attempts, 0);
}

/// A flag a prebuilt binary cannot take (`-cover` changes the build and the output): every
/// attempt runs `go test` as before, and a notice says why.
#[test]
fn a_go_command_that_cannot_be_prebuilt_runs_go_test_each_attempt() {
    require_program("go");
    let sandbox = Sandbox::new();
    let (path, log) = logging_wrapper(&sandbox, "go");
    let out = sandbox
        .flaky()
        .env("PATH", path)
        .args(["run", "-n", "3", "--no-scan", "-C"])
        .arg(example("go"))
        .args(["--", "go", "test", "-cover", "./..."])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("each attempt runs `go test` itself") && stderr.contains("the flag -cover"),
        "{stderr}"
    );
    assert_eq!(calls(&log, "test -json"), 3);
    assert_eq!(calls(&log, "test -c"), 0);
}

/// `cargo test` builds once per run (`cargo test --no-run`), then every attempt runs the test
/// executables directly: no per-attempt cargo, the same ids and verdicts as through cargo. The
/// example has no doc-tests, so no attempt runs `cargo test --doc` either.
#[test]
fn cargo_builds_the_test_executables_once_per_run() {
    require_program("cargo");
    let runs = 6;
    let (doc, log, _sandbox) = run_logged("cargo", "rust", runs, &["--env", "RUST_TEST_THREADS=1"]);
    assert_eq!(calls(&log, "test --no-run"), 1, "one build");
    assert_eq!(
        calls(&log, ""),
        2,
        "the build and the doc-test list, whatever N"
    );
    let t = test(&doc, "src/lib.rs::tests::seeded_flaky");
    assert_eq!(counts(t)[0], (6, seeded_failures(runs).len() as u64));
    let t = test(&doc, "tests/it.rs::slug_of_empty_is_empty");
    assert_eq!(counts(t)[0], (6, 0));
    let t = test(&doc, "src/lib.rs::tests::mean_always_fails");
    assert_eq!(counts(t)[0], (6, 6));
    assert_eq!(doc["totals"]["infrastructure"], 0);
    assert_eq!(doc["tests"].as_array().unwrap().len(), 9);
}

/// A crate that does not compile stops the run before any attempt: exit 2 with rustc's error.
#[test]
fn a_cargo_build_failure_is_an_error_before_any_attempt() {
    require_program("cargo");
    assert_build_failure(
        "rust",
        &["Cargo.toml", "Cargo.lock", "src/lib.rs", "tests/it.rs"],
        ("src/lib.rs", "\npub fn broken() -> u32 { not_defined }\n"),
        "cannot find value `not_defined`",
    );
}

/// `cargo nextest run` lists the test binaries once per run (with cargo's metadata), and every
/// attempt runs `cargo-nextest` on that list: no per-attempt cargo, the same verdicts.
#[test]
fn nextest_lists_the_test_binaries_once_per_run() {
    require(
        succeeds("cargo", &["nextest", "--version"]),
        "cargo-nextest is not installed",
    );
    let runs = 4;
    let (doc, log, _sandbox) =
        run_logged("cargo", "rust", runs, &["--", "cargo", "nextest", "run"]);
    assert_eq!(calls(&log, "nextest list"), 1);
    assert_eq!(
        calls(&log, ""),
        2,
        "the list and cargo metadata, whatever N"
    );
    let t = test(&doc, "flakydemo::tests::seeded_flaky");
    assert_eq!(counts(t)[0], (4, seeded_failures(runs).len() as u64));
    let t = test(&doc, "flakydemo::it::add_is_commutative");
    assert_eq!(counts(t)[0], (4, 0));
    assert_eq!(doc["totals"]["infrastructure"], 0);
}

/// A test that fails in the suite's own order because of a test before it passes when replayed
/// alone: its failure also carries the line that replays the whole attempt, which fails.
#[test]
fn a_failure_that_needs_the_tests_before_it_has_a_whole_attempt_replay() {
    require_pytest();
    let sb = pytest_project(&[
        ("registry.py", "ITEMS = []\n"),
        (
            "tests/test_a.py",
            "import registry\n\n\ndef test_adds():\n    registry.ITEMS.append(1)\n",
        ),
        (
            "tests/test_b.py",
            "import registry\n\n\ndef test_starts_empty():\n    assert registry.ITEMS == []\n",
        ),
    ]);
    let (doc, code) = sb.run_json(&[
        "-n", "2", "--seed", "7", "--order", "same", "--", "python3", "-m", "pytest",
    ]);
    assert_eq!(code, 1, "{doc:#}");
    let f = &doc["failures"][0];
    assert_eq!(f["test"], "tests/test_b.py::test_starts_empty", "{doc:#}");
    let status = |line: &str| {
        Command::new("sh")
            .args(["-c", line])
            .current_dir(sb.path())
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(status(f["reproduce"].as_str().unwrap()), Some(0), "{f:#}");
    assert_eq!(
        status(f["reproduce_attempt"].as_str().unwrap()),
        Some(1),
        "{f:#}"
    );
    // The terminal report shows both lines.
    sb.flaky()
        .args(["report"])
        .assert()
        .stdout(predicate::str::contains("If it passes alone"));
}

/// `--shard K/N` runs the K-th share of the attempts with the run's seeds: the shards together
/// are the unsharded run, attempt by attempt and test by test. A GitLab parallel job is a shard
/// by its own variables; a shard without a fixed seed, or with no attempts, is refused.
#[test]
fn shards_with_one_seed_are_together_the_unsharded_run() {
    require_program("cargo");
    // One thread: libtest's name order, so only the seeds decide (threads would race).
    let cargo = ["--", "cargo", "test", "--", "--test-threads", "1"];
    let whole = run_example("rust", 10, &cargo);
    let mut shards: Vec<Value> = (1..=3)
        .map(|k| {
            let shard = format!("{k}/3");
            let mut args = vec!["--shard", &shard];
            args.extend(cargo);
            run_example("rust", 10, &args)
        })
        .collect();
    let attempt = |a: &Value| {
        (
            a["index"].clone(),
            a["seed"].clone(),
            a["exit_code"].clone(),
        )
    };
    let joined: Vec<_> = shards
        .iter()
        .flat_map(|d| d["attempts"].as_array().unwrap().iter().map(attempt))
        .collect();
    let expected: Vec<_> = whole["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(attempt)
        .collect();
    assert_eq!(joined, expected);
    assert_eq!(
        shards
            .iter()
            .map(|d| d["runs"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [4, 3, 3]
    );
    assert_eq!(
        shards[1]["shard"],
        json!({"index": 2, "total": 3, "runs": 10})
    );
    for t in whole["tests"].as_array().unwrap() {
        let (mut runs, mut failed) = (0, 0);
        for d in &mut shards {
            let s = test(d, t["id"].as_str().unwrap());
            runs += s["runs"].as_u64().unwrap();
            failed += s["failed"].as_u64().unwrap();
        }
        assert_eq!(
            (runs, failed),
            (t["runs"].as_u64().unwrap(), t["failed"].as_u64().unwrap()),
            "{}",
            t["id"]
        );
    }
    let dir = example("rust");
    let dir = dir.to_str().unwrap();
    let sandbox = Sandbox::new();
    let out = sandbox
        .flaky()
        .env("CI_NODE_INDEX", "2")
        .env("CI_NODE_TOTAL", "2")
        .args([
            "run", "-n", "4", "--seed", "5", "--format", "json", "-C", dir, "--", "cargo", "test",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["shard"], json!({"index": 2, "total": 2, "runs": 4}));
    assert_eq!(doc["attempts"][0]["index"], 2);
    for (args, message) in [
        (&["--shard", "1/2"][..], "needs --seed"),
        (&["--shard", "3/2", "--seed", "1"], "1 <= K <= N"),
        (
            &["--shard", "4/4", "-n", "3", "--seed", "1"],
            "has no attempts of the 3",
        ),
    ] {
        sandbox
            .flaky()
            .arg("run")
            .args(args)
            .args(["-C", dir, "--", "cargo", "test"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    sandbox
        .flaky()
        .env("BUILDKITE_PARALLEL_JOB", "2")
        .env("BUILDKITE_PARALLEL_JOB_COUNT", "2")
        .args(["run", "--seed", "1", "-C", dir, "--", "cargo", "test"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("BUILDKITE_PARALLEL_JOB=2"));
}
