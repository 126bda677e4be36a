//! `flaky report`: a stored run rendered again.

use predicates::prelude::*;

use crate::Sandbox;

#[test]
fn the_last_run_or_a_run_by_id_prefix_renders_as_it_was_printed() {
    let s = Sandbox::new();
    let first = s
        .flaky()
        .args([
            "run",
            "-n",
            "8",
            "--seed",
            "3",
            "--format",
            "json",
            "--",
            "sh",
            "-c",
            "[ $((FLAKY_ATTEMPT % 4)) -ne 0 ]",
        ])
        .output()
        .unwrap();
    let second = s
        .flaky()
        .args(["run", "-n", "2", "--format", "json", "--", "true"])
        .output()
        .unwrap();
    let reported = s
        .flaky()
        .args(["report", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(reported.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&reported.stdout),
        String::from_utf8_lossy(&second.stdout),
        "the last run by default"
    );

    let doc: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let id = doc["run_id"].as_str().unwrap();
    let by_prefix = s
        .flaky()
        .args(["report", &id[..6], "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(by_prefix.stdout, first.stdout);

    let table = s.flaky().args(["report", id]).output().unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains("8 attempts of") && table.contains("◆ MEDIUM") && table.contains(id),
        "{table}"
    );

    s.flaky()
        .args(["report", id, "--format", "json", "-o", "out.json"])
        .assert()
        .code(0)
        .stdout("");
    assert_eq!(
        std::fs::read(s.path().join("out.json")).unwrap(),
        first.stdout
    );
}

#[test]
fn unknown_ambiguous_and_missing_runs_are_clear_errors() {
    let s = Sandbox::new();
    s.flaky()
        .arg("report")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no history yet"));
    s.flaky()
        .args(["run", "-n", "1", "-q", "--", "true"])
        .assert()
        .code(0);
    s.flaky()
        .args(["report", "zzzz"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no stored run has an id starting with `zzzz`",
        ));
    s.flaky()
        .args(["run", "-n", "1", "-q", "--", "true"])
        .assert()
        .code(0);
    // Every id is hex, so the empty prefix matches both runs.
    s.flaky()
        .args(["report", ""])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("several runs"));
}
