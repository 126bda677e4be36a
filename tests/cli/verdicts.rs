//! Verdicts a CI script can rely on: a run that measured nothing is 2 and says why, a failing
//! suite is 1 with its tests `failing`, many tests failing at once are results, replay lines
//! replay, and contention is told apart from plain flakiness.

use std::process::Command;

use flaky::exec::seed::attempt_seed;
use serde_json::Value;

use crate::Sandbox;
use crate::frameworks::{counts, pytest_project, require_program, require_pytest, test};

/// Runs `flaky run --format json ARGS` and returns the document, the exit code and stderr.
fn run(s: &Sandbox, args: &[&str]) -> (Value, i32, String) {
    let out = s
        .flaky()
        .args(["run", "--format", "json"])
        .args(args)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (doc, out.status.code().unwrap_or(-1), stderr)
}

/// The status the history database stored for the sandbox's last run.
fn stored_status(s: &Sandbox) -> String {
    s.sql()
        .query_row(
            "SELECT status FROM runs ORDER BY started_at DESC, id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("a stored run")
}

#[test]
fn a_framework_that_is_not_installed_measures_nothing_exits_2_and_stops_early() {
    require_pytest();
    let s = pytest_project(&[("tests/test_a.py", "def test_a():\n    assert True\n")]);
    // The same interpreter, in a virtualenv without pip or any package: no pytest.
    let bare = s.path().join("bare");
    let made = Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(&bare)
        .status()
        .expect("python3 -m venv");
    assert!(made.success());
    let python = bare.join("bin/python3");
    let (doc, code, stderr) = run(
        &s,
        &[
            "-n",
            "100",
            "-j",
            "2",
            "--seed",
            "7",
            "--",
            python.to_str().unwrap(),
            "-m",
            "pytest",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(doc["status"], "no-results");
    assert_eq!(doc["exit_code"], 2);
    // The first round (2 attempts at -j 2) died alike before any test ran: nothing more ran.
    assert_eq!(doc["totals"]["attempts"], 2);
    assert_eq!(doc["totals"]["infrastructure"], 2);
    assert_eq!(doc["infrastructure"][0]["rule"], "no-report");
    assert!(
        doc["infrastructure"][0]["excerpt"]
            .as_str()
            .unwrap()
            .contains("No module named pytest"),
        "{doc:#}"
    );
    let reason = doc["no_results"]["reason"].as_str().unwrap();
    assert!(reason.contains("so the other 98 did not run"), "{reason}");
    let hint = doc["no_results"]["hint"].as_str().unwrap();
    assert!(
        hint.starts_with("pytest does not seem to be installed where the command runs"),
        "{hint}"
    );
    assert!(
        stderr.contains("error: nothing was measured: ") && stderr.contains(hint),
        "{stderr}"
    );
    assert_eq!(stored_status(&s), "no-results");
}

#[test]
fn a_junit_report_the_command_never_writes_measures_nothing() {
    let s = Sandbox::new();
    let (doc, code, stderr) = run(
        &s,
        &[
            "-n",
            "10",
            "--junit",
            "{tmpdir}/report.xml",
            "--",
            "sh",
            "-c",
            "exit 0",
        ],
    );
    assert_eq!(
        (code, &doc["status"]),
        (2, &Value::from("no-results")),
        "{stderr}"
    );
    let hint = doc["no_results"]["hint"].as_str().unwrap();
    assert!(
        hint.starts_with("the command never wrote {tmpdir}/report.xml"),
        "{hint}"
    );
    assert!(doc["totals"]["attempts"].as_u64().unwrap() < 10);
}

#[test]
fn pytest_collecting_no_test_measures_nothing() {
    require_pytest();
    let s = pytest_project(&[("tests/helpers.py", "VALUE = 1\n")]);
    let (doc, code, stderr) = run(&s, &["-n", "6", "--", "python3", "-m", "pytest"]);
    assert_eq!(
        (code, &doc["status"]),
        (2, &Value::from("no-results")),
        "{stderr}"
    );
    assert_eq!(doc["infrastructure"][0]["rule"], "no-tests");
    assert_eq!(
        doc["infrastructure"][0]["reason"],
        "the command exited with status 5 before any test ran"
    );
    assert!(
        doc["no_results"]["hint"]
            .as_str()
            .unwrap()
            .starts_with("the command ran no test"),
        "{doc:#}"
    );
}

#[test]
fn a_framework_named_for_a_command_that_is_not_it_measures_nothing() {
    let s = Sandbox::new();
    let (doc, code, _) = run(
        &s,
        &[
            "-n",
            "6",
            "--framework",
            "pytest",
            "--",
            "sh",
            "-c",
            "echo hello",
        ],
    );
    assert_eq!((code, &doc["status"]), (2, &Value::from("no-results")));
    let hint = doc["no_results"]["hint"].as_str().unwrap();
    assert!(
        hint.starts_with("the command wrote no pytest report: is it a pytest command?"),
        "{hint}"
    );
}

/// Six tests, each failing with its own assertion in every attempt: a regression, not the
/// environment. The suite fails (exit 1) and every test reads `failing`.
#[test]
fn a_suite_whose_every_test_fails_every_time_is_failing_and_exits_1() {
    require_pytest();
    let mut source = String::new();
    for i in 0..6 {
        source.push_str(&format!(
            "def test_total_{i}():\n    assert {i} + 1 == {i}, 'total {i} is off by one'\n\n\n"
        ));
    }
    let s = pytest_project(&[("tests/test_totals.py", &source)]);
    let (doc, code, stderr) = run(
        &s,
        &["-n", "4", "--seed", "7", "--", "python3", "-m", "pytest"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(doc["status"], "completed");
    assert_eq!(doc["totals"]["infrastructure"], 0);
    let tests = doc["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 6);
    for t in tests {
        assert_eq!(
            (counts(t)[0], &t["kind"]),
            ((4, 4), &Value::from("failing"))
        );
        assert_eq!(t["severity"], "critical");
    }
    assert_eq!(stored_status(&s), "completed");
}

/// The same with a real Go package: 6 of 6 tests failing in 4 of 4 attempts.
#[test]
fn a_go_package_whose_every_test_fails_is_failing_and_exits_1() {
    require_program("go");
    let s = Sandbox::new();
    s.write("go.mod", "module example.com/totals\n\ngo 1.19\n");
    s.write(
        "totals.go",
        "package totals\n\n// Add is broken on purpose: the regression under test.\nfunc Add(a, b int) int { return a - b }\n",
    );
    let mut source = String::from("package totals\n\nimport \"testing\"\n\n");
    for i in 0..6 {
        source.push_str(&format!(
            "func TestAdd{i}(t *testing.T) {{\n\tif got := Add({i}, 2); got != {} {{\n\t\tt.Fatalf(\"Add({i}, 2) = %d\", got)\n\t}}\n}}\n\n",
            i + 2
        ));
    }
    s.write("totals_test.go", &source);
    let (doc, code, stderr) = run(&s, &["-n", "4", "--seed", "7", "--", "go", "test", "./..."]);
    assert_eq!(code, 1, "{stderr}\n{doc:#}");
    assert_eq!(doc["totals"]["infrastructure"], 0);
    let tests = doc["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 6, "{doc:#}");
    for t in tests {
        assert_eq!(
            (counts(t)[0], &t["kind"]),
            ((4, 4), &Value::from("failing"))
        );
    }
}

/// Ten tests, each failing when its own bit of the attempt's seed is set: in many attempts
/// six or more fail together, by chance. Every attempt counts, and each rate is exactly what
/// the seeds make it.
#[test]
fn tests_failing_together_by_chance_keep_their_exact_rates() {
    require_pytest();
    let s = pytest_project(&[(
        "tests/test_bits.py",
        "import os\n\nimport pytest\n\nSEED = int(os.environ[\"TEST_SEED\"])\n\n\n@pytest.mark.parametrize(\"bit\", range(10))\ndef test_bit(bit):\n    assert not (SEED >> bit) & 1, f\"bit {bit} of the seed is set\"\n",
    )]);
    let runs = 30u32;
    let (doc, code, stderr) = run(
        &s,
        &[
            "-n",
            &runs.to_string(),
            "--seed",
            "11",
            "--",
            "python3",
            "-m",
            "pytest",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(doc["totals"]["infrastructure"], 0);
    let seeds: Vec<u64> = (0..runs).map(|i| attempt_seed(11, i)).collect();
    let together = seeds
        .iter()
        .filter(|seed| (0..10).filter(|b| (*seed >> b) & 1 == 1).count() >= 6)
        .count();
    assert!(together >= 5, "only {together} attempts with 6+ failures");
    for bit in 0..10 {
        let expected = seeds.iter().filter(|seed| (*seed >> bit) & 1 == 1).count() as u64;
        let t = test(&doc, &format!("tests/test_bits.py::test_bit[{bit}]"));
        assert_eq!(counts(t)[0], (u64::from(runs), expected), "bit {bit}");
    }
}

#[test]
fn replay_lines_carry_the_runs_own_variables_and_hide_secrets() {
    let s = Sandbox::new();
    s.write(
        ".flaky.yml",
        "env:\n  REGION: eu-west-1\n  DB_PASSWORD: hunter2\n",
    );
    let (doc, code, _) = run(
        &s,
        &[
            "-n",
            "4",
            "--env",
            "MODE=strict",
            "--env",
            "API_TOKEN=s3cret",
            "--",
            "sh",
            "-c",
            "[ \"$MODE\" = lenient ] && [ \"$FLAKY_ATTEMPT\" != 1 ]",
        ],
    );
    assert_eq!(code, 1);
    let line = doc["failures"][0]["reproduce"].as_str().unwrap();
    for part in [
        "MODE=strict ",
        "REGION=eu-west-1 ",
        "API_TOKEN=... ",
        "DB_PASSWORD=... ",
    ] {
        assert!(line.contains(part), "{part:?} not in {line}");
    }
    assert!(
        !line.contains("s3cret") && !line.contains("hunter2"),
        "{line}"
    );
    // The line replays the failure, as the attempt ran it (MODE=strict fails every time).
    let out = Command::new("sh")
        .args(["-c", line])
        .current_dir(s.path())
        .status()
        .unwrap();
    assert!(!out.success(), "`{line}` passed");
}

/// A test that fails whenever another copy of the suite runs at the same time: each attempt
/// marks itself running in a shared directory and fails when it sees another mark.
const SHARED_DIR_TEST: &str = r#"
marks="$1"
me="$marks/$FLAKY_ATTEMPT"
touch "$me"
trap 'rm -f "$me"' EXIT
i=0
while [ $i -lt 40 ]; do
    for other in "$marks"/*; do
        if [ "$other" != "$me" ] && [ -e "$other" ]; then
            echo "another copy is writing $marks" >&2
            exit 1
        fi
    done
    i=$((i + 1))
    sleep 0.01
done
"#;

#[test]
fn a_test_failing_only_alongside_another_attempt_is_contention() {
    let s = Sandbox::new();
    let script = s.write("shared.sh", SHARED_DIR_TEST);
    let marks = s.path().join("marks");
    std::fs::create_dir(&marks).unwrap();
    let args = |jobs: &'static str| {
        vec![
            "-n".to_owned(),
            "40".into(),
            "-j".into(),
            jobs.into(),
            "--seed".into(),
            "7".into(),
            "--".into(),
            "sh".into(),
            script.to_str().unwrap().into(),
            marks.to_str().unwrap().into(),
        ]
    };
    let together: Vec<String> = args("2");
    let together: Vec<&str> = together.iter().map(String::as_str).collect();
    let (doc, code, stderr) = run(&s, &together);
    assert_eq!(code, 1, "{stderr}");
    let t = &doc["tests"][0];
    assert_eq!(t["kind"], "contention", "{t:#}");
    let alone = t["alone"]["runs"].as_u64().unwrap();
    assert!(alone >= 3, "{t:#}");
    assert_eq!(t["alone"]["failed"], 0);
    let line = doc["failures"][0]["excerpt"].as_str().unwrap();
    assert!(line.contains("another copy is writing"), "{line}");

    // One at a time, it never fails.
    let alone: Vec<String> = args("1");
    let alone: Vec<&str> = alone.iter().map(String::as_str).collect();
    let (doc, code, _) = run(&s, &alone);
    assert_eq!(
        (code, &doc["tests"][0]["kind"]),
        (0, &Value::from("stable"))
    );
}

#[test]
fn the_table_says_what_contention_is_and_how_to_confirm_it() {
    let s = Sandbox::new();
    let script = s.write("shared.sh", SHARED_DIR_TEST);
    let marks = s.path().join("marks");
    std::fs::create_dir(&marks).unwrap();
    let out = s
        .flaky()
        .args(["run", "-n", "40", "-j", "2", "--seed", "7", "--", "sh"])
        .arg(&script)
        .arg(&marks)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("contention"), "{table}");
    assert!(
        table.contains(
            "its copies share a file, port, database or cache. Run with -j 1 to confirm."
        ),
        "{table}"
    );
}

#[test]
fn history_trends_leave_out_runs_that_measured_nothing() {
    let s = Sandbox::new();
    let junit = ["--junit", "{tmpdir}/report.xml", "--", "sh", "-c", "exit 0"];
    let mut nothing = vec!["-n", "4"];
    nothing.extend(junit);
    assert_eq!(run(&s, &nothing).1, 2);
    assert_eq!(run(&s, &["-n", "4", "--", "sh", "-c", "exit 0"]).1, 0);
    let out = s
        .flaky()
        .args(["history", "--trend", "--per", "run", "--format", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let points = doc["trend"]["points"]
        .as_array()
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(points.len(), 1, "{doc:#}");
    let out = s
        .flaky()
        .args(["history", "--format", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["completed", "no-results"]);
}

#[test]
fn a_scan_that_overruns_its_time_costs_the_causes_only() {
    require_pytest();
    let s = pytest_project(&[(
        "tests/test_a.py",
        "import os\n\n\ndef test_a():\n    assert os.environ[\"FLAKY_ATTEMPT\"] != \"1\"\n",
    )]);
    let out = s
        .flaky()
        .env("FLAKY_SCAN_TIMEOUT", "1ns")
        .args([
            "run", "-n", "3", "--format", "json", "--", "python3", "-m", "pytest",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(test(&doc, "tests/test_a.py::test_a")["kind"], "flaky");
    assert_eq!(doc["likely_causes"], serde_json::json!([]));
    assert!(
        stderr.contains("no likely causes: the scan of ")
            && stderr.contains("was skipped (it took longer than 1 ns (FLAKY_SCAN_TIMEOUT)); the run's results are complete"),
        "{stderr}"
    );
    assert_eq!(stored_status(&s), "completed");

    let bad = s
        .flaky()
        .env("FLAKY_SCAN_TIMEOUT", "soon")
        .args(["run", "-n", "1", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("FLAKY_SCAN_TIMEOUT=\"soon\" is not a duration")
    );
}

#[test]
fn a_report_larger_than_flaky_reads_is_set_aside_with_the_reason() {
    let s = Sandbox::new();
    let (doc, code, stderr) = run(
        &s,
        &[
            "-n",
            "1",
            "--junit",
            "{tmpdir}/report.xml",
            "--",
            "sh",
            "-c",
            // Sparse: no disk is filled, but the file is 129 MiB long.
            "truncate -s 129M \"$TMPDIR/report.xml\"",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(doc["infrastructure"][0]["rule"], "no-report");
    let reason = doc["infrastructure"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("larger than the 128 MiB flaky reads"),
        "{reason}"
    );
}

/// A command the shell cannot find exits 127 in every attempt: nothing was measured (not a
/// failing test), the first round stops the run, and the hint says what to fix.
#[test]
fn a_command_not_found_measures_nothing() {
    let s = Sandbox::new();
    let (doc, code, stderr) = run(
        &s,
        &[
            "-n",
            "20",
            "-j",
            "2",
            "--",
            "sh",
            "-c",
            "no-such-tool --run",
        ],
    );
    assert_eq!(
        (code, &doc["status"]),
        (2, &Value::from("no-results")),
        "{stderr}"
    );
    assert_eq!(doc["totals"]["attempts"], 2);
    assert_eq!(
        doc["infrastructure"][0]["reason"],
        "command not found (exit status 127) before any test ran"
    );
    let hint = doc["no_results"]["hint"].as_str().unwrap();
    assert!(
        hint.contains("was not found") && hint.contains("PATH"),
        "{hint}"
    );
    assert!(stderr.contains("command not found"), "{stderr}");
}
