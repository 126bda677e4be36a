//! `flaky merge`: the shards of a run (`flaky run --shard K/N --seed S`) merged are the unsharded
//! run, stored and shown like any run; reports of different runs, shards given twice, files
//! that are not reports and missing shards are refused or flagged.
//!
//! Every fixture fails by its attempt's index or seed, and the real project runs one attempt at
//! a time with one test thread, so the same seed gives the same counts every time.

use std::path::PathBuf;

use predicates::prelude::*;
use serde_json::Value;

use crate::Sandbox;
use crate::frameworks::{example, git_status, require_program};

/// A command whose one "test" fails in attempts 0, 3, 6...
const EVERY_THIRD: [&str; 4] = ["--", "sh", "-c", "test $((FLAKY_ATTEMPT % 3)) -ne 0"];

impl Sandbox {
    /// `flaky run --shard K/N --format json -o FILE --no-history ARGS` (a CI job's shard, whose
    /// machine keeps no history); returns FILE.
    fn shard(&self, shard: &str, args: &[&str]) -> PathBuf {
        let file = self
            .path()
            .join(format!("shard-{}.json", shard.replace('/', "-of-")));
        let out = self
            .flaky()
            .args([
                "run",
                "--no-history",
                "--format",
                "json",
                "--shard",
                shard,
                "-o",
            ])
            .arg(&file)
            .args(args)
            .output()
            .expect("run");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "shard {shard}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        file
    }

    /// `flaky merge --format json FILES`.
    fn merge(&self, files: &[&PathBuf]) -> (Value, i32) {
        let mut args = vec!["merge", "--format", "json"];
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        self.json(&args)
    }
}

fn attempts(doc: &Value) -> Vec<Value> {
    doc["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            serde_json::json!([
                a["index"],
                a["seed"],
                a["order_seed"],
                a["outcome"],
                a["alone"]
            ])
        })
        .collect()
}

fn verdicts(doc: &Value) -> Vec<Value> {
    doc["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            serde_json::json!([
                t["id"],
                t["runs"],
                t["failed"],
                t["failure_rate"],
                t["ci_low"],
                t["ci_high"],
                t["severity"],
                t["kind"],
                t["shuffled"],
                t["signatures"]
            ])
        })
        .collect()
}

#[test]
fn shards_merged_are_the_unsharded_run_and_are_stored_like_it() {
    require_program("cargo");
    let before = git_status("rust");
    let dir = example("rust");
    let sandbox = Sandbox::new();
    // One attempt and one test thread at a time: only the seeds decide; odd attempts shuffle.
    let mut args = vec![
        "-n",
        "12",
        "-j",
        "1",
        "--seed",
        "7",
        "--order",
        "alternate",
        "-C",
    ];
    args.push(dir.to_str().unwrap());
    args.extend(["--", "cargo", "test", "--", "--test-threads", "1"]);
    let mut whole = vec!["--no-history"];
    whole.extend(&args);
    let (whole, code) = sandbox.run_json(&whole);
    assert_eq!(code, 1, "{whole:#}");
    let shards: Vec<PathBuf> = (1..=4)
        .map(|k| sandbox.shard(&format!("{k}/4"), &args))
        .collect();
    assert_eq!(
        git_status("rust"),
        before,
        "the shards changed examples/rust"
    );

    let (merged, code) = sandbox.merge(&shards.iter().collect::<Vec<_>>());
    assert_eq!(code, 1, "{merged:#}");
    assert_eq!(merged["totals"], whole["totals"]);
    assert_eq!(merged["runs"], 12);
    assert_eq!(merged["shard"], Value::Null);
    assert_eq!(attempts(&merged), attempts(&whole));
    assert_eq!(verdicts(&merged), verdicts(&whole));
    assert_eq!(merged["failures"], whole["failures"]);
    assert_eq!(merged["likely_causes"], whole["likely_causes"]);
    assert_ne!(merged["run_id"], whole["run_id"]);
    let run_id = merged["run_id"].as_str().unwrap();

    // Stored like a run: `flaky report` renders it again, the history lists it and its tests
    // (with --all: the run's directory is examples/rust, not the sandbox).
    let (report, code) = sandbox.json(&["report", "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(report["run_id"], run_id);
    assert_eq!(verdicts(&report), verdicts(&whole));
    let (runs, _) = sandbox.json(&["history", "--all", "--format", "json"]);
    let runs = runs["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (
            &runs[0]["run_id"],
            &runs[0]["totals"],
            &runs[0]["exit_code"]
        ),
        (&merged["run_id"], &whole["totals"], &Value::from(1))
    );
    assert_eq!(
        (&runs[0]["tests"], &runs[0]["flaky_tests"]),
        (&Value::from(9), &Value::from(3))
    );
    let (tests, _) = sandbox.json(&["history", "--all", "--tests", "--format", "json"]);
    let failing: Vec<_> = whole["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["failed"] != 0)
        .map(|t| (t["id"].clone(), t["runs"].clone(), t["failed"].clone()))
        .collect();
    let mut listed: Vec<_> = tests["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].clone(), t["attempts"].clone(), t["failed"].clone()))
        .collect();
    listed.sort_by_key(|t| failing.iter().position(|f| f.0 == t.0));
    assert_eq!(listed, failing);
    assert_eq!(tests["stable_tests"], 6);
    let (timeline, _) = sandbox.json(&[
        "history",
        "--all",
        "--test",
        "src/lib.rs::tests::seeded_flaky",
        "--format",
        "json",
    ]);
    let flaky = whole["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "src/lib.rs::tests::seeded_flaky")
        .unwrap();
    assert_eq!(
        (&timeline["runs"][0]["runs"], &timeline["runs"][0]["failed"]),
        (&flaky["runs"], &flaky["failed"])
    );
    sandbox
        .flaky()
        .args(["history", "--all", "--tests"])
        .assert()
        .success()
        .stdout(predicate::str::contains("src/lib.rs::tests::seeded_flaky"));
    sandbox
        .flaky()
        .arg("report")
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("run {run_id}")));

    // Its attempts are stored as the reports list them; no per-test result is made up.
    let db = sandbox.sql();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM attempts"), 12);
    assert_eq!(
        count("SELECT count(*) FROM attempts WHERE order_seed IS NOT NULL"),
        6
    );
    assert_eq!(count("SELECT count(*) FROM results"), 0);
    assert_eq!(count("SELECT count(*) FROM signatures"), 3);
}

#[test]
fn command_shards_merged_keep_the_first_failing_attempts() {
    let sandbox = Sandbox::new();
    let mut args = vec!["-n", "9", "-j", "1", "--seed", "3"];
    args.extend(EVERY_THIRD);
    let (whole, code) = sandbox.run_json(&[&["--no-history"][..], &args].concat());
    assert_eq!(code, 1);
    let shards: Vec<PathBuf> = (1..=3)
        .map(|k| sandbox.shard(&format!("{k}/3"), &args))
        .collect();
    // The order the files are given in does not matter.
    let (merged, code) = sandbox.merge(&[&shards[2], &shards[0], &shards[1]]);
    assert_eq!(code, 1, "{merged:#}");
    assert_eq!(merged["totals"], whole["totals"]);
    assert_eq!(attempts(&merged), attempts(&whole));
    assert_eq!(verdicts(&merged), verdicts(&whole));
    let indices = |d: &Value| -> Vec<Value> {
        d["failures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["index"].clone())
            .collect()
    };
    assert_eq!(indices(&merged), [0, 3, 6]);
    assert_eq!(merged["failures"], whole["failures"]);
    // --fail-on none: the same run judged by another policy; --report renders it once more.
    let comment = sandbox.path().join("comment.md");
    sandbox
        .flaky()
        .args([
            "merge",
            "--no-history",
            "--fail-on",
            "none",
            "--report",
            "markdown",
        ])
        .arg("--report-output")
        .arg(&comment)
        .args(&shards)
        .assert()
        .code(0);
    let comment = std::fs::read_to_string(&comment).unwrap();
    assert!(comment.contains("<!-- flaky-report -->"), "{comment}");
}

#[test]
fn a_missing_shard_is_merged_flagged_stored_and_exits_2() {
    let sandbox = Sandbox::new();
    let mut args = vec!["-n", "9", "--seed", "3"];
    args.extend(EVERY_THIRD);
    let first = sandbox.shard("1/3", &args);
    let last = sandbox.shard("3/3", &args);
    let out = sandbox
        .flaky()
        .args(["merge", "--format", "json"])
        .args([&first, &last])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("attempts 3..6: shard 2/3: no report of it was given")
            && stderr.contains("partial"),
        "{stderr}"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["exit_code"], 2);
    assert_eq!(
        (&doc["runs"], &doc["totals"]["attempts"]),
        (&Value::from(6), &Value::from(6))
    );
    assert_eq!(
        doc["shard_errors"],
        serde_json::json!(["attempts 3..6: shard 2/3: no report of it was given"])
    );
    let indices: Vec<_> = doc["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indices, [0, 1, 2, 6, 7, 8]);
    // The partial counts are stored, with their exit status.
    let (runs, _) = sandbox.json(&["history", "--format", "json"]);
    let run = &runs["runs"][0];
    assert_eq!(
        (
            &run["run_id"],
            &run["totals"]["attempts"],
            &run["exit_code"]
        ),
        (&doc["run_id"], &Value::from(6), &Value::from(2))
    );
    // A shard stopped before its attempts ended leaves the rest of them missing.
    let mut cut: Value = serde_json::from_slice(&std::fs::read(&last).unwrap()).unwrap();
    cut["status"] = "interrupted".into();
    cut["attempts"].as_array_mut().unwrap().pop();
    let cut = sandbox.write("cut.json", &cut.to_string());
    let mut args = vec!["merge", "--no-history", "--format", "json"];
    args.extend([first.to_str().unwrap(), cut.to_str().unwrap()]);
    let (doc, code) = sandbox.json(&args);
    assert_eq!(code, 2);
    assert_eq!(
        doc["shard_errors"][1],
        format!(
            "attempts 6..9: shard 3/3: {} was interrupted after 2 of its 3 attempts",
            cut.display()
        )
    );
    // The table says which attempts are missing.
    sandbox
        .flaky()
        .args(["merge", "--no-history"])
        .args([&first, &last])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "attempts 3..6: shard 2/3: no report of it was given",
        ));
}

#[test]
fn reports_that_are_not_shards_of_one_run_are_refused() {
    let sandbox = Sandbox::new();
    let mut args = vec!["-n", "4", "--seed", "1"];
    args.extend(EVERY_THIRD);
    let one = sandbox.shard("1/2", &args);
    let mut other_seed = vec!["-n", "4", "--seed", "2"];
    other_seed.extend(EVERY_THIRD);
    let two = sandbox.shard("2/2", &other_seed);
    let not_json = sandbox.write("notes.txt", "hello\n");
    let text = std::fs::read_to_string(&one).unwrap();
    let truncated = sandbox.path().join("truncated.json");
    std::fs::write(&truncated, &text.as_bytes()[..text.len() / 2]).unwrap();
    let (whole, _) = sandbox.run_json(&[&["--no-history"][..], &args].concat());
    let whole = sandbox.write("whole.json", &whole.to_string());
    let copy = sandbox.write("copy.json", &text);
    let edited = |name: &str, edit: &dyn Fn(&mut Value)| {
        let mut doc: Value = serde_json::from_str(&text).unwrap();
        edit(&mut doc);
        sandbox.write(name, &doc.to_string())
    };
    let uneven = edited("uneven.json", &|d| d["tests"][0]["runs"] = 3.into());
    let moved = edited("moved.json", &|d| d["attempts"][1]["index"] = 3.into());
    let cases: [(&[&PathBuf], &[&str]); 8] = [
        (
            &[&one, &two],
            &[
                "cannot merge",
                "shard-1-of-2.json and",
                "shard-2-of-2.json",
                "base seeds (--seed) differ (1 and 2)",
                "hint:",
            ],
        ),
        (
            &[&one, &one],
            &["shard-1-of-2.json is given twice", "hint:"],
        ),
        (
            &[&one, &copy],
            &["copy.json are both shard 1/2: their attempts overlap"],
        ),
        (
            &[&one, &not_json],
            &[
                "notes.txt is not a flaky JSON report: expected value",
                "hint:",
            ],
        ),
        (
            &[&truncated, &one],
            &["truncated.json is not a flaky JSON report: EOF while parsing"],
        ),
        (
            &[&uneven],
            &[
                "uneven.json: the counts of test",
                "do not add up (3 runs, 1 passed, 1 failed)",
            ],
        ),
        (
            &[&moved],
            &["moved.json lists attempt 3 of another shard, though shard 1/2 is attempts 0 to 1"],
        ),
        (
            &[&whole],
            &["whole.json is the report of a whole run", "not of a shard"],
        ),
    ];
    for (files, messages) in cases {
        let mut assert = sandbox.flaky().arg("merge").args(files).assert().code(2);
        for m in messages {
            assert = assert.stderr(predicate::str::contains(*m));
        }
        assert.stdout("");
    }
    sandbox
        .flaky()
        .args(["merge", "missing.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read missing.json"));
    assert!(!sandbox.db().exists(), "a refused merge stored something");
}
