//! `flaky run --until settled`: the run stops once every verdict is settled, at exactly the
//! attempt the sequential rule says (with -j 1 every attempt is judged before the next starts).

use flaky::analysis::Thresholds;
use flaky::analysis::stopping::{Rule, Settled, settled};
use flaky::exec::seed::attempt_seed;
use predicates::prelude::*;

use crate::Sandbox;

/// The attempt count at which the rule settles a test that fails when `fails(seed)`.
fn expected_stop(base: u64, fails: impl Fn(u64) -> bool) -> (u64, u64) {
    let mut failed = 0;
    for n in 1..=1000u32 {
        failed += u64::from(fails(attempt_seed(base, n - 1)));
        if settled(
            failed,
            u64::from(n),
            &Thresholds::default(),
            &Rule::default(),
        ) != Settled::No
        {
            return (u64::from(n), failed);
        }
    }
    panic!("never settles");
}

#[test]
fn a_fifty_percent_test_stops_within_a_few_attempts_and_a_stable_one_runs_to_its_bound() {
    let s = Sandbox::new();
    let (n, failed) = expected_stop(1, |seed| seed % 2 == 0);
    assert!(n < 20, "{n}");
    let fifty = [
        "--until",
        "settled",
        "-j",
        "1",
        "--seed",
        "1",
        "--",
        "sh",
        "-c",
        "[ $((TEST_SEED % 2)) -ne 0 ]",
    ];
    let (doc, code) = s.run_json(&fifty);
    assert_eq!(code, 1);
    assert_eq!(
        (
            doc["totals"]["attempts"].as_u64(),
            doc["tests"][0]["failed"].as_u64()
        ),
        (Some(n), Some(failed))
    );
    assert_eq!(doc["tests"][0]["kind"], "flaky");
    assert_eq!(
        doc["stopped"],
        serde_json::json!({"until": "settled", "reason": "settled", "max_runs": 1000, "saved": 1000 - n})
    );

    // The report says what settled: the side of each band boundary the rate lies on, the same
    // sides as the sequential rule's (it stopped at their first agreement, above).
    s.flaky()
        .arg("run")
        .args(fifty)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "stopped after {n} attempts ({} of the 1000 allowed saved): the failure rate settled above 10% and 50%, below 90%\n",
            1000 - n
        )))
        .stdout(predicate::str::contains(
            "spans MEDIUM to CRITICAL; each band boundary was settled with a 5% chance of error",
        ))
        .stdout(predicate::str::contains("more attempts would pin").not())
        .stdout(predicate::str::contains("every verdict settled").not());

    let (n, _) = expected_stop(1, |_| false);
    s.flaky()
        .args(["run", "--until", "settled", "-j", "1", "--seed", "1", "--", "true"])
        .assert()
        .stdout(predicate::str::contains(format!(
            "stopped after {n} attempts ({} of the 1000 allowed saved): the failure rate settled below the settle floor\n",
            1000 - n
        )));
    let (doc, code) = s.run_json(&["--until", "settled", "-j", "1", "--seed", "1", "--", "true"]);
    assert_eq!(code, 0);
    assert_eq!(doc["totals"]["attempts"].as_u64(), Some(n));
    assert_eq!(doc["tests"][0]["severity"], "none");

    let (n, _) = expected_stop(1, |_| true);
    let (doc, _) = s.run_json(&[
        "--until", "settled", "-j", "1", "--seed", "1", "--", "false",
    ]);
    assert_eq!(
        (
            doc["totals"]["attempts"].as_u64(),
            doc["tests"][0]["kind"].as_str()
        ),
        (Some(n), Some("failing"))
    );
    s.flaky()
        .args([
            "run", "--until", "settled", "-j", "1", "--seed", "1", "--", "false",
        ])
        .assert()
        .stdout(predicate::str::contains(format!(
            "stopped after {n} attempts ({} of the 1000 allowed saved): the failure rate settled above 90%\n",
            1000 - n
        )));
}

#[test]
fn max_runs_and_the_budget_bound_the_run_and_say_so() {
    let s = Sandbox::new();
    let (doc, _) = s.run_json(&[
        "--until",
        "settled",
        "--max-runs",
        "5",
        "-j",
        "1",
        "--seed",
        "1",
        "--",
        "true",
    ]);
    assert_eq!(doc["totals"]["attempts"], 5);
    assert_eq!(doc["stopped"]["reason"], "max-runs");
    // Nothing was saved, so nothing is said about saving.
    s.flaky()
        .args(["run", "--until", "settled", "--max-runs", "5", "--", "true"])
        .assert()
        .stdout(predicate::str::contains(
            "stopped after 5 attempts: the limit of 5 reached before every failure rate settled\n",
        ))
        .stdout(predicate::str::contains("saved").not());

    // Each attempt takes 0.4 s and the budget is 1 s: a handful run, far fewer than allowed.
    let (doc, _) = s.run_json(&[
        "--until",
        "settled",
        "--budget",
        "1s",
        "-j",
        "1",
        "--",
        "sh",
        "-c",
        "sleep 0.4",
    ]);
    assert_eq!(doc["stopped"]["reason"], "budget");
    let attempts = doc["totals"]["attempts"].as_u64().unwrap();
    assert!((1..=5).contains(&attempts), "{attempts}");
    // The budget, not the rule, stopped it: the attempts it did not run were not saved.
    let out = s
        .flaky()
        .args([
            "run",
            "--until",
            "settled",
            "--budget",
            "1s",
            "-j",
            "1",
            "--",
            "sh",
            "-c",
            "sleep 0.4",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().find(|l| l.starts_with("stopped")).unwrap();
    assert!(
        line.starts_with("stopped after ")
            && line.ends_with(" attempts: the --budget ran out before every failure rate settled"),
        "{text}"
    );
    assert!(!text.contains("saved"), "{text}");
}

#[test]
fn until_comes_from_the_config_too_and_its_options_need_it() {
    let s = Sandbox::new();
    s.write(
        ".flaky.yml",
        "until: settled\nmax_runs: 30\nsettle_floor: 5%\n",
    );
    let (doc, _) = s.run_json(&["-j", "1", "--", "true"]);
    // A 5% floor settles a stable test sooner than the default 1%.
    assert_eq!(doc["stopped"]["max_runs"], 30);
    assert!(
        doc["totals"]["attempts"].as_u64().unwrap() < 30,
        "{}",
        doc["totals"]
    );
    s.write(".flaky.yml", "until: later\n");
    s.flaky()
        .args(["run", "--", "true"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`until` is `later`"));
    s.write(".flaky.yml", "max_runs: 30\n");
    s.flaky()
        .args(["run", "--", "true"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("go with --until settled"));
    s.write(".flaky.yml", "until: settled\nsettle_floor: 0\n");
    s.flaky()
        .args(["run", "--", "true"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`settle_floor` must be"));
}

#[test]
fn a_test_failing_every_other_attempt_settles_on_the_medium_high_boundary() {
    // The 50% boundary's sequential test never decides on an exact alternation: before the
    // boundary rule this ran to the 1000-attempt cap.
    let s = Sandbox::new();
    let fails = "[ $((FLAKY_ATTEMPT % 2)) -ne 0 ]";
    let (doc, code) = s.run_json(&["--until", "settled", "-j", "1", "--", "sh", "-c", fails]);
    assert_eq!(code, 1);
    assert_eq!(doc["totals"]["attempts"], 12);
    assert_eq!(doc["tests"][0]["failed"], 6);
    assert_eq!(
        doc["tests"][0]["on_boundary"],
        serde_json::json!(["medium", "high"])
    );
    assert_eq!(doc["stopped"]["reason"], "settled");
    s.flaky()
        .args([
            "run", "--until", "settled", "-j", "1", "--", "sh", "-c", fails,
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "stopped after 12 attempts (988 of the 1000 allowed saved): the failure rate settled above 10%, on 50%, below 90%\n",
        ))
        .stdout(predicate::str::contains(
            "rate is on the MEDIUM/HIGH boundary",
        ))
        .stdout(predicate::str::contains("more attempts would pin").not());
}

#[test]
fn until_first_failure_stops_at_the_failing_attempt_replays_it_and_stores_the_run() {
    let s = Sandbox::new();
    let (doc, code) = s.run_json(&[
        "--until",
        "first-failure",
        "-j",
        "1",
        "--seed",
        "3",
        "--",
        "sh",
        "-c",
        "[ $FLAKY_ATTEMPT -ne 6 ]",
    ]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["totals"]["attempts"], 7, "{doc}");
    assert_eq!(
        doc["stopped"],
        serde_json::json!({"until": "first-failure", "reason": "first-failure", "max_runs": 1000, "saved": 993})
    );
    assert_eq!(doc["failures"][0]["index"], 6);
    let replay = doc["failures"][0]["reproduce"].as_str().unwrap();
    assert!(replay.contains("FLAKY_ATTEMPT=6 "), "{replay}");
    let (history, _) = s.json(&["history", "--format", "json"]);
    assert_eq!(history["runs"][0]["run_id"], doc["run_id"]);
    assert_eq!(history["runs"][0]["status"], "completed");

    // Without a failure it runs to --max-runs; the table says which way it stopped.
    s.flaky()
        .args([
            "run",
            "--until",
            "first-failure",
            "--max-runs",
            "4",
            "--",
            "true",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "stopped after 4 attempts: the limit of 4 reached without a failure\n",
        ));
    // With --until, -n is the most attempts, as --max-runs; not both.
    s.flaky()
        .args(["run", "-n", "3", "--until", "first-failure", "--", "true"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "stopped after 3 attempts: the limit of 3 reached without a failure\n",
        ));
    s.flaky()
        .args([
            "run",
            "-n",
            "3",
            "--max-runs",
            "4",
            "--until",
            "first-failure",
            "--",
            "true",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "-n and --max-runs both set the most attempts with --until; keep one",
        ));
    // The config's `until:` says it too.
    s.write(".flaky.yml", "until: first-failure\nmax_runs: 20\n");
    let (doc, code) = s.run_json(&["-j", "1", "--", "sh", "-c", "[ $FLAKY_ATTEMPT -ne 2 ]"]);
    assert_eq!(
        (code, &doc["totals"]["attempts"]),
        (1, &serde_json::json!(3))
    );
}

#[test]
fn until_first_failure_stops_the_attempts_still_running_and_keeps_what_finished() {
    let s = Sandbox::new();
    // Attempt 0 would never end; attempt 1 fails at once and stops it.
    let (doc, code) = s.run_json(&[
        "--until",
        "first-failure",
        "-j",
        "2",
        "--timeout",
        "5m",
        "--",
        "sh",
        "-c",
        "[ $FLAKY_ATTEMPT -ne 0 ] || exec sleep 3600; exit 1",
    ]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["status"], "completed");
    let indexes: Vec<&serde_json::Value> = doc["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["index"])
        .collect();
    assert_eq!(indexes, [&serde_json::json!(1)], "{doc}");
    assert_eq!(doc["stopped"]["reason"], "first-failure");
}
