//! `flaky run`: counts, rates, severities, exit codes, JSON, seeds, environment and output.

use flaky::exec::seed::attempt_seed;
use predicates::prelude::*;

use crate::Sandbox;

const EVERY_FOURTH_FAILS: &str = "[ $((FLAKY_ATTEMPT % 4)) -ne 0 ]";

#[test]
fn a_command_failing_every_fourth_attempt_is_medium_and_flaky() {
    let s = Sandbox::new();
    let (doc, code) = s.run_json(&[
        "-n",
        "100",
        "-j",
        "4",
        "--seed",
        "42",
        "--",
        "sh",
        "-c",
        EVERY_FOURTH_FAILS,
    ]);
    assert_eq!(code, 1);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["runs"], 100);
    assert_eq!(doc["jobs"], 4);
    assert_eq!(doc["seed"], 42);
    assert_eq!(doc["status"], "completed");
    assert_eq!(
        doc["command"],
        serde_json::json!(["sh", "-c", EVERY_FOURTH_FAILS])
    );
    assert_eq!(
        doc["totals"],
        serde_json::json!({"attempts": 100, "passed": 75, "failed": 25, "timed_out": 0, "errors": 0, "infrastructure": 0, "failed_outside_tests": 0})
    );
    let t = &doc["tests"][0];
    assert_eq!(doc["tests"].as_array().unwrap().len(), 1);
    assert_eq!(t["id"], format!("sh -c '{EVERY_FOURTH_FAILS}'"));
    assert_eq!(
        (
            t["runs"].as_u64(),
            t["failed"].as_u64(),
            t["passed"].as_u64()
        ),
        (Some(100), Some(25), Some(75))
    );
    assert_eq!(t["failure_rate"], 0.25);
    assert_eq!(t["severity"], "medium");
    assert_eq!(t["kind"], "flaky");
    let (lo, hi) = (
        t["ci_low"].as_f64().unwrap(),
        t["ci_high"].as_f64().unwrap(),
    );
    assert!(
        (lo - 0.1754).abs() < 0.001 && (hi - 0.3436).abs() < 0.001,
        "{lo} {hi}"
    );
    let attempts = doc["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 100);
    for (i, a) in attempts.iter().enumerate() {
        assert_eq!(a["index"], i);
        assert_eq!(a["seed"], attempt_seed(42, i as u32));
        let fails = i % 4 == 0;
        assert_eq!(a["outcome"], if fails { "fail" } else { "pass" });
        assert_eq!(a["exit_code"], if fails { 1 } else { 0 });
        assert!(a["duration_ms"].is_u64());
    }
    let failures = doc["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 5);
    assert_eq!(failures[1]["index"], 4);
    let reproduce = failures[1]["reproduce"].as_str().unwrap();
    let seed = attempt_seed(42, 4);
    assert!(
        reproduce.starts_with(&format!("FLAKY_SEED={seed} TEST_SEED={seed} ATTEMPT=4 FLAKY_ATTEMPT=4 PYTHONHASHSEED={seed} sh -c")),
        "{reproduce}"
    );
    assert_eq!(doc["exit_code"], 1);
}

#[test]
fn the_reproduce_line_replays_the_failure() {
    let s = Sandbox::new();
    let (doc, _) = s.run_json(&[
        "-n",
        "8",
        "--seed",
        "5",
        "--",
        "sh",
        "-c",
        "[ $((TEST_SEED % 2)) -eq 0 ]",
    ]);
    let failures = doc["failures"].as_array().unwrap();
    assert!(!failures.is_empty());
    for f in failures {
        let line = f["reproduce"].as_str().unwrap();
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(line)
            .current_dir(s.path())
            .status()
            .unwrap();
        assert!(!status.success(), "replaying `{line}` should fail again");
    }
}

#[test]
fn the_same_seed_gives_the_same_attempts_and_counts() {
    let s = Sandbox::new();
    let cmd = [
        "sh",
        "-c",
        "[ $((TEST_SEED % 3)) -ne 0 ] && [ \"$FLAKY_SEED\" = \"$PYTHONHASHSEED\" ]",
    ];
    let run = |seed: &str| {
        let mut args = vec!["-n", "60", "--seed", seed, "--"];
        args.extend(cmd);
        s.run_json(&args).0
    };
    let a = run("1234");
    let b = run("1234");
    let expected_failures = (0..60)
        .filter(|i| attempt_seed(1234, *i).is_multiple_of(3))
        .count();
    assert!(expected_failures > 0 && expected_failures < 60);
    assert_eq!(a["totals"]["failed"], expected_failures);
    // Durations and which attempts ran alone are measured, not derived from the seed.
    let without_timing = |doc: &serde_json::Value| {
        let mut attempts = doc["attempts"].clone();
        for a in attempts.as_array_mut().unwrap() {
            let a = a.as_object_mut().unwrap();
            a.remove("duration_ms");
            a.remove("alone");
        }
        attempts
    };
    assert_eq!(without_timing(&a), without_timing(&b));
    let c = run("1235");
    assert_ne!(a["attempts"][0]["seed"], c["attempts"][0]["seed"]);
}

#[test]
fn a_random_seed_is_recorded_and_used() {
    let s = Sandbox::new();
    let (doc, _) = s.run_json(&["-n", "3", "--", "true"]);
    let seed = doc["seed"].as_u64().unwrap();
    assert_eq!(doc["attempts"][2]["seed"], attempt_seed(seed, 2));
}

#[test]
fn stable_always_failing_and_fail_on_thresholds() {
    let s = Sandbox::new();
    let (doc, code) = s.run_json(&["-n", "100", "--", "true"]);
    assert_eq!(code, 0);
    assert_eq!(doc["tests"][0]["severity"], "none");
    assert_eq!(doc["tests"][0]["kind"], "stable");
    assert_eq!(doc["tests"][0]["ci_low"], 0.0);
    assert!((doc["tests"][0]["ci_high"].as_f64().unwrap() - 0.037).abs() < 0.0005);

    let (doc, code) = s.run_json(&["-n", "10", "--", "false"]);
    assert_eq!(code, 1);
    assert_eq!(doc["tests"][0]["severity"], "critical");
    assert_eq!(doc["tests"][0]["kind"], "failing");

    for (fail_on, expected) in [
        ("low", 1),
        ("medium", 1),
        ("high", 0),
        ("critical", 0),
        ("none", 0),
    ] {
        let (_, code) = s.run_json(&[
            "-n",
            "20",
            "--fail-on",
            fail_on,
            "--",
            "sh",
            "-c",
            EVERY_FOURTH_FAILS,
        ]);
        assert_eq!(code, expected, "--fail-on {fail_on}");
    }
    // 1 failure in 20 (5%) is LOW: --fail-on low fails, medium does not.
    let one_in_20 = "[ $FLAKY_ATTEMPT -ne 7 ]";
    let (doc, code) = s.run_json(&["-n", "20", "--fail-on", "low", "--", "sh", "-c", one_in_20]);
    assert_eq!(
        (doc["tests"][0]["severity"].as_str(), code),
        (Some("low"), 1)
    );
    let (_, code) = s.run_json(&[
        "-n",
        "20",
        "--fail-on",
        "medium",
        "--",
        "sh",
        "-c",
        one_in_20,
    ]);
    assert_eq!(code, 0);
}

/// `COLUMNS` fits the table: at 80 the long command (the test's id here) has its own line, cut
/// from the left; at 160 it sits in the TEST column whole.
#[test]
fn columns_fits_the_table_to_the_width() {
    let s = Sandbox::new();
    let script = "[ $((FLAKY_ATTEMPT % 4)) -ne 0 ] # a comment long enough to pass eighty columns";
    let table = |columns: &str| {
        let out = s
            .flaky()
            .env("COLUMNS", columns)
            .args(["run", "-n", "8", "--seed", "9", "--", "sh", "-c", script])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with(['┌', '│', '╞', '└']))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let narrow = table("80");
    assert!(
        narrow.iter().all(|l| l.chars().count() == 80),
        "{narrow:#?}"
    );
    assert!(narrow[1].starts_with("│ RUNS ┆"), "{narrow:#?}");
    assert!(
        narrow[3].starts_with("│ …")
            && narrow[3].ends_with(" long enough to pass eighty columns' │"),
        "{narrow:#?}"
    );
    let wide = table("160");
    assert!(wide[1].starts_with("│ TEST "), "{wide:#?}");
    assert!(
        wide[3].contains(&format!("│ sh -c '{script}' ┆")),
        "{wide:#?}"
    );
    assert!(wide.iter().all(|l| l.chars().count() <= 160), "{wide:#?}");
}

#[test]
fn the_table_shows_rates_intervals_bands_and_reproduce_lines() {
    let s = Sandbox::new();
    let out = s
        .flaky()
        .args([
            "run",
            "-n",
            "12",
            "--seed",
            "9",
            "--",
            "sh",
            "-c",
            "echo \"oops in $FLAKY_ATTEMPT\" >&2; [ $((FLAKY_ATTEMPT % 4)) -ne 0 ]",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    for expected in [
        "12 attempts of",
        "seed 9",
        "9 passed, 3 failed, 0 timed out, 0 crashed",
        "25.0%",
        "8.9%–53.2%",
        "◆ MEDIUM",
        "flaky",
        "the 95% interval 8.9%–53.2% spans LOW to HIGH",
        "attempt 0 (seed ",
        "exited with status 1",
        "│ oops in 4",
        "verdict: 1 test at or above LOW",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    assert!(
        !out.contains("\u{1b}["),
        "NO_COLOR must keep escape codes out:\n{out}"
    );

    let stable = s
        .flaky()
        .args(["run", "-n", "100", "--", "true"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let stable = String::from_utf8(stable).unwrap();
    assert!(
        stable.contains("< 3.7% at 95%") && stable.contains("✔ NONE"),
        "{stable}"
    );
}

#[test]
fn every_attempt_gets_its_env_and_a_private_tmpdir_that_is_removed() {
    let s = Sandbox::new();
    let out = s.path().join("seen");
    std::fs::create_dir(&out).unwrap();
    let script = format!(
        "echo \"$FLAKY_ATTEMPT $FLAKY_SEED $TEST_SEED $ATTEMPT $PYTHONHASHSEED $JEST_SEED $FLAKY_RUN_ID $MY_VAR $TMPDIR\" > {}/$FLAKY_ATTEMPT; touch \"$TMPDIR/junk\"; [ \"$COVERAGE_FILE\" = \"$TMPDIR/.coverage\" ]",
        out.display()
    );
    let (doc, code) = s.run_json(&[
        "-n",
        "6",
        "-j",
        "3",
        "--seed",
        "77",
        "--env",
        "MY_VAR=hello world",
        "--",
        "sh",
        "-c",
        &script,
    ]);
    assert_eq!(code, 0);
    let run_id = doc["run_id"].as_str().unwrap();
    let mut tmpdirs = Vec::new();
    for i in 0..6u32 {
        let line = std::fs::read_to_string(out.join(i.to_string())).unwrap();
        let f: Vec<&str> = line.trim().splitn(9, ' ').collect();
        let seed = attempt_seed(77, i).to_string();
        assert_eq!(
            &f[..7],
            &[
                &i.to_string(),
                &seed,
                &seed,
                &i.to_string(),
                &seed,
                &seed,
                run_id
            ][..]
        );
        assert_eq!(f[7..].join(" ").rsplit_once(' ').unwrap().0, "hello world");
        tmpdirs.push(f[8].rsplit(' ').next().unwrap().to_owned());
    }
    tmpdirs.sort();
    tmpdirs.dedup();
    assert_eq!(tmpdirs.len(), 6, "each attempt has its own TMPDIR");
    for t in tmpdirs {
        assert!(!std::path::Path::new(&t).exists(), "{t} should be removed");
    }
}

/// A coverage data file the user chose is left as it is (flaky gives each attempt its own,
/// in its TMPDIR, only when none is set).
#[test]
fn a_chosen_coverage_file_is_kept() {
    let s = Sandbox::new();
    let (_, code) = s.run_json(&[
        "-n",
        "2",
        "--env",
        "COVERAGE_FILE=/data/.coverage",
        "--",
        "sh",
        "-c",
        "[ \"$COVERAGE_FILE\" = /data/.coverage ]",
    ]);
    assert_eq!(code, 0);
}

/// Each attempt records what its `TMPDIR` holds and is, then leaves something behind by its
/// index: nothing, files and a tree, a locked directory, a changed mode, or a symbolic link in
/// the directory's place.
const LEAVES_TMPDIR: &str = r#"d="$TMPDIR"
echo "$(ls -A "$d" | wc -l) $(stat -c %a "$d") $d" > "$SEEN/$FLAKY_ATTEMPT"
case $((FLAKY_ATTEMPT % 5)) in
1) touch "$d/left" && mkdir -p "$d/sub/deeper" && touch "$d/sub/deeper/f" ;;
2) mkdir "$d/locked" && touch "$d/locked/f" && chmod 000 "$d/locked" ;;
3) touch "$d/left" && chmod 711 "$d" ;;
4) rm -rf "$d" && ln -s "$CANARY" "$d" ;;
esac"#;

#[test]
fn a_reused_attempt_directory_is_empty_and_as_new_at_the_start_of_every_attempt() {
    for jobs in ["1", "2"] {
        let s = Sandbox::new();
        let (seen, tmp, canary) = (
            s.path().join("seen"),
            s.path().join("tmp"),
            s.path().join("canary"),
        );
        for dir in [&seen, &tmp, &canary] {
            std::fs::create_dir(dir).unwrap();
        }
        std::fs::write(canary.join("keep"), "").unwrap();
        let out = s
            .flaky()
            .env("TMPDIR", &tmp)
            .env("SEEN", &seen)
            .env("CANARY", &canary)
            .args([
                "run", "-n", "10", "-j", jobs, "--format", "json", "--", "sh", "-c",
            ])
            .arg(LEAVES_TMPDIR)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "-j {jobs}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let seen: Vec<Vec<String>> = (0..10)
            .map(|i| {
                let line = std::fs::read_to_string(seen.join(i.to_string())).unwrap();
                line.split_whitespace().map(str::to_owned).collect()
            })
            .collect();
        for (i, f) in seen.iter().enumerate() {
            assert_eq!(
                f[0], "0",
                "-j {jobs}: attempt {i} found its TMPDIR not empty"
            );
            assert_eq!(
                f[1], seen[0][1],
                "-j {jobs}: attempt {i}'s TMPDIR has another mode"
            );
            assert!(
                f[2].ends_with(&format!("/attempt-{i}")),
                "-j {jobs}: {}",
                f[2]
            );
        }
        assert!(
            canary.join("keep").exists(),
            "-j {jobs}: the link's target was emptied"
        );
        assert_eq!(
            std::fs::read_dir(&tmp).unwrap().count(),
            0,
            "-j {jobs}: left in TMPDIR"
        );
    }
}

#[test]
fn a_command_that_cannot_start_is_one_error() {
    let s = Sandbox::new();
    s.flaky()
        .args(["run", "-n", "50", "--", "no-such-command-xyz"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("cannot start `no-such-command-xyz`")
                .and(predicate::str::contains("hint:")),
        );
    s.write("script.sh", "#!/bin/sh\nexit 0\n");
    s.flaky()
        .args(["run", "-n", "5", "--", "./script.sh"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("cannot start `./script.sh`")
                .and(predicate::str::contains("chmod +x")),
        );
}

#[test]
fn the_one_test_note_is_for_commands_that_may_run_the_projects_tests_and_have_started() {
    let s = Sandbox::new();
    s.write("Cargo.toml", "[package]\nname = \"demo\"\n");
    let note = "this looks like a cargo project";
    let stderr = |args: &[&str]| {
        let out = s
            .flaky()
            .args(["run", "-n", "1"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stderr).unwrap()
    };
    let e = stderr(&["--", "true"]);
    assert!(!e.contains(note), "`true` runs no tests: {e}");
    let e = stderr(&["--", "./run-tests.sh"]);
    assert!(
        e.contains("cannot start `./run-tests.sh`") && !e.contains(note),
        "a command that cannot start gets its error alone: {e}"
    );
    make_executable(&s.write("run-tests.sh", "#!/bin/sh\nexit 0\n"));
    let e = stderr(&["--", "./run-tests.sh"]);
    assert!(e.contains(note), "a test script may run cargo test: {e}");
}

#[test]
fn attempt_and_tmpdir_placeholders_are_filled_in_the_commands_arguments() {
    let s = Sandbox::new();
    // Each attempt sees its own index and directory, as its environment says them.
    let check =
        r#"[ "$0" = "$TMPDIR" ] && [ "$1" = "$FLAKY_ATTEMPT" ] && [ "$2" = "x-$FLAKY_ATTEMPT" ]"#;
    let (doc, code) = s.run_json(&[
        "-n",
        "4",
        "-j",
        "2",
        "--",
        "sh",
        "-c",
        check,
        "{tmpdir}",
        "{attempt}",
        "x-{attempt}",
    ]);
    assert_eq!(
        (code, doc["totals"]["passed"].as_u64()),
        (0, Some(4)),
        "{doc}"
    );
    let (doc, code) = s.run_json(&["-n", "2", "--shell", "--", "[ {attempt} = $FLAKY_ATTEMPT ]"]);
    assert_eq!(code, 0, "{doc}");
    // The replay line of a failing attempt has its values: attempt 1 fails here.
    let (doc, code) = s.run_json(&[
        "-n",
        "2",
        "--",
        "sh",
        "-c",
        r#"[ -d "$0" ] && [ "$1" != 1 ]"#,
        "{tmpdir}",
        "{attempt}",
    ]);
    assert_eq!(code, 1, "{doc}");
    let replay = doc["failures"][0]["reproduce"].as_str().unwrap();
    assert!(replay.starts_with("mkdir -p "), "{replay}");
    assert!(replay.ends_with(" 1"), "{replay}");
    assert!(!replay.contains("{tmpdir}"), "{replay}");
    let out = std::process::Command::new("sh")
        .args(["-c", replay])
        .current_dir(s.path())
        .status()
        .unwrap();
    assert_eq!(
        out.code(),
        Some(1),
        "the replay fails as attempt 1 did: {replay}"
    );
}

#[test]
fn a_timeout_kills_the_whole_tree() {
    let s = Sandbox::new();
    let pids = s.path().join("pids");
    std::fs::create_dir(&pids).unwrap();
    let script = format!(
        "sleep 1000 & echo $! > {}/$FLAKY_ATTEMPT; wait",
        pids.display()
    );
    let (doc, code) = s.run_json(&[
        "-n",
        "2",
        "-j",
        "2",
        "--timeout",
        "1s",
        "--",
        "sh",
        "-c",
        &script,
    ]);
    assert_eq!(code, 1);
    assert_eq!(doc["totals"]["timed_out"], 2);
    assert_eq!(doc["tests"][0]["kind"], "timeout");
    assert_eq!(doc["attempts"][0]["outcome"], "timeout");
    for i in 0..2 {
        let pid: i32 = crate::read_pid(&pids.join(i.to_string()));
        assert!(
            !crate::alive(pid),
            "grandchild {pid} of attempt {i} survived the timeout"
        );
    }
}

#[test]
fn processes_left_behind_by_a_finished_attempt_are_killed() {
    let s = Sandbox::new();
    let pids = s.path().join("pids");
    std::fs::create_dir(&pids).unwrap();
    let script = format!(
        "sleep 1000 > /dev/null 2>&1 & echo $! > {}/$FLAKY_ATTEMPT",
        pids.display()
    );
    let (_, code) = s.run_json(&["-n", "2", "--", "sh", "-c", &script]);
    assert_eq!(code, 0);
    for i in 0..2 {
        let pid: i32 = crate::read_pid(&pids.join(i.to_string()));
        assert!(
            !crate::alive(pid),
            "background process {pid} of attempt {i} survived"
        );
    }
}

#[test]
fn signals_and_crashes_are_errors() {
    let s = Sandbox::new();
    let (doc, code) = s.run_json(&[
        "-n",
        "4",
        "--",
        "sh",
        "-c",
        "[ $FLAKY_ATTEMPT -eq 0 ] && kill -SEGV $$; true",
    ]);
    assert_eq!(code, 1);
    assert_eq!(doc["totals"]["errors"], 1);
    assert_eq!(doc["attempts"][0]["outcome"], "error");
    assert_eq!(doc["attempts"][0]["signal"], 11);
    assert_eq!(doc["attempts"][0]["exit_code"], serde_json::Value::Null);
    assert!(
        doc["failures"][0]["message"]
            .as_str()
            .unwrap()
            .contains("signal 11 (SIGSEGV)")
    );
}

#[test]
fn output_is_kept_as_a_bounded_excerpt() {
    let s = Sandbox::new();
    let script = "echo FIRST-LINE >&2; head -c 3000000 /dev/zero | tr '\\0' x >&2; echo; echo LAST-LINE >&2; exit 1";
    let (_, code) = s.run_json(&["-n", "2", "--", "sh", "-c", script]);
    assert_eq!(code, 1);
    let (len, text): (i64, String) = s
        .sql()
        .query_row(
            "SELECT length(stderr), stderr FROM attempts ORDER BY idx LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(len < 10_000, "excerpt of {len} bytes");
    assert!(
        text.starts_with("FIRST-LINE") && text.trim_end().ends_with("LAST-LINE"),
        "{}",
        &text[..100]
    );
    assert!(text.contains("bytes left out"));
}

#[test]
fn shell_mode_runs_one_string_and_dir_sets_the_working_directory() {
    let s = Sandbox::new();
    s.write("sub/marker", "x");
    let (doc, code) = s.run_json(&[
        "-n",
        "2",
        "--shell",
        "--",
        "test -f marker && echo ok | grep -q ok",
    ]);
    assert_eq!(code, 1, "marker is not in the sandbox root: {doc}");
    let (doc, code) = s.run_json(&[
        "-n",
        "2",
        "-C",
        "sub",
        "--shell",
        "--",
        "test -f marker && echo ok | grep -q ok",
    ]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        doc["command"],
        serde_json::json!(["test -f marker && echo ok | grep -q ok"])
    );
    assert_eq!(doc["shell"], true);
    // Without --shell the same string is one program name, which does not exist.
    s.flaky()
        .args(["run", "-n", "1", "--", "echo ok | cat"])
        .assert()
        .code(2);
    // A relative program is found from -C/--dir.
    let script = s.write("sub/t.sh", "#!/bin/sh\ntest -f marker\n");
    make_executable(&script);
    let (_, code) = s.run_json(&["-n", "1", "-C", "sub", "--", "./t.sh"]);
    assert_eq!(code, 0);
    s.flaky()
        .args(["run", "-C", "missing", "--", "true"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("-C/--dir").and(predicate::str::contains("not a directory")),
        );
}

#[test]
fn output_file_takes_the_report_and_no_history_writes_no_database() {
    let s = Sandbox::new();
    s.flaky()
        .args([
            "run",
            "-n",
            "3",
            "--no-history",
            "--format",
            "json",
            "-o",
            "report.json",
            "--",
            "true",
        ])
        .assert()
        .code(0)
        .stdout("");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(doc["totals"]["passed"], 3);
    assert!(!s.db().exists());
}

#[test]
fn quiet_prints_nothing_on_stderr_and_the_usage_errors_exit_2() {
    let s = Sandbox::new();
    s.flaky()
        .args(["run", "-q", "-n", "2", "--", "true"])
        .assert()
        .code(0)
        .stderr("");
    for args in [
        &["run", "-n", "0", "--", "true"][..],
        &["run", "-n", "100001", "--", "true"],
        &["run", "--timeout", "x", "--", "true"],
        &["run"],
    ] {
        s.flaky()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::is_empty().not());
    }
    s.flaky()
        .args(["run", "--", "true"])
        .env("FLAKY_RUNS", "0")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--runs"));
}

fn make_executable(p: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_gigabyte_of_binary_output_without_newlines_is_kept_as_an_excerpt() {
    let s = Sandbox::new();
    let (doc, code) = s.run_json(&[
        "-n",
        "1",
        "--",
        "sh",
        "-c",
        "head -c 1000000000 /dev/zero; exit 3",
    ]);
    assert_eq!(code, 1);
    assert_eq!(doc["attempts"][0]["exit_code"], 3);
    let (len, text): (i64, String) = s
        .sql()
        .query_row("SELECT length(stdout), stdout FROM attempts", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert!(len < 10_000, "{len}");
    assert!(
        text.contains("[... 999991808 bytes left out ...]"),
        "{}",
        &text[4090..4140]
    );
}

#[test]
fn ten_thousand_tests_per_attempt_are_read_counted_and_stored() {
    let s = Sandbox::new();
    // A JUnit report of 10,000 tests; test 7 fails in attempt 1.
    let script = "i=0; { echo '<testsuite name=\"big\">'; while [ $i -lt 10000 ]; do \
        if [ $i -eq 7 ] && [ $FLAKY_ATTEMPT -eq 1 ]; then echo \"<testcase classname=\\\"big\\\" name=\\\"t$i\\\"><failure message=\\\"boom\\\"/></testcase>\"; \
        else echo \"<testcase classname=\\\"big\\\" name=\\\"t$i\\\"/>\"; fi; i=$((i+1)); done; echo '</testsuite>'; } > $TMPDIR/j.xml";
    let (doc, code) = s.run_json(&[
        "-n",
        "3",
        "--junit",
        "{tmpdir}/j.xml",
        "--",
        "sh",
        "-c",
        script,
    ]);
    assert_eq!(code, 1, "{}", doc["infrastructure"]);
    assert_eq!(doc["tests"].as_array().unwrap().len(), 10_000);
    assert_eq!(doc["tests"][0]["id"], "big::t7");
    assert_eq!(
        (
            doc["tests"][0]["runs"].as_u64(),
            doc["tests"][0]["failed"].as_u64()
        ),
        (Some(3), Some(1))
    );
    let results: i64 = s
        .sql()
        .query_row("SELECT count(*) FROM results", [], |r| r.get(0))
        .unwrap();
    assert_eq!(results, 30_000);
}

/// A pytest suite whose only test hangs in attempt 1, far longer than any timeout below.
const HANGS_IN_ATTEMPT_1: &str = "import os\nimport time\n\n\ndef test_waits():\n    if os.environ[\"FLAKY_ATTEMPT\"] == \"1\":\n        time.sleep(3600)\n";

/// `flaky run` with no command in a pytest project whose attempt 1 hangs, one attempt at a
/// time: the JSON report and stderr.
fn run_hanging_suite(extra: &[&str]) -> (serde_json::Value, String, Sandbox) {
    crate::frameworks::require_pytest();
    let s = crate::frameworks::pytest_project(&[("tests/test_app.py", HANGS_IN_ATTEMPT_1)]);
    let out = s
        .flaky()
        .args([
            "run", "--format", "json", "-n", "2", "-j", "1", "--seed", "7",
        ])
        .args(["--no-scan"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr:\n{stderr}"));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(doc["attempts"][0]["outcome"], "pass", "{doc:#}");
    assert_eq!(doc["attempts"][1]["outcome"], "timeout", "{doc:#}");
    (doc, stderr, s)
}

/// With no command and no timeout, flaky says what it runs before it starts; the attempts that
/// start after the first one ended get 10 times its time (at least a minute) instead of 10
/// minutes, so the hanging attempt is killed then and reported as timed out.
#[test]
fn a_detected_suite_gets_a_timeout_from_its_first_attempt() {
    let (doc, stderr, s) = run_hanging_suite(&[]);
    let dir = s.path().canonicalize().unwrap();
    assert!(
        stderr.starts_with(&format!(
            "flaky: running `python3 -m pytest` in {} (detected: pytest), 2 attempts, 1 at a time, timeout 10 min, then 10× the first attempt's time (at least 1 min)\n",
            dir.display()
        )),
        "{stderr}"
    );
    let first_ms = doc["attempts"][0]["duration_ms"].as_u64().unwrap();
    let timeout = std::time::Duration::from_secs((first_ms * 10).div_ceil(1000).max(60));
    // The report keeps both: what the first attempts had, and what the later ones got.
    assert_eq!(doc["timeout_ms"], 600_000);
    assert_eq!(doc["timeout_derived_ms"], timeout.as_millis() as u64);
    let timeout = flaky::render::duration_text(timeout);
    assert!(
        stderr.contains(&format!(
            "\nflaky: timeout {timeout} for the attempts that start from now on (10× the first attempt's "
        )),
        "{stderr}"
    );
    let reason = doc["attempts"][1]["infrastructure"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!("timed out after {timeout} ")),
        "{reason}"
    );
    assert!(doc["attempts"][1]["duration_ms"].as_u64().unwrap() >= 60_000);
}

/// A timeout the user gave holds for every attempt: none is derived from the first one.
#[test]
fn a_given_timeout_holds_for_a_detected_suite() {
    let (doc, stderr, s) = run_hanging_suite(&["--timeout", "30s"]);
    let dir = s.path().canonicalize().unwrap();
    assert_eq!(
        stderr,
        format!(
            "flaky: running `python3 -m pytest` in {} (detected: pytest), 2 attempts, 1 at a time, timeout 30 s\n",
            dir.display()
        )
    );
    let reason = doc["attempts"][1]["infrastructure"].as_str().unwrap();
    assert!(reason.starts_with("timed out after 30 s "), "{reason}");
    assert_eq!(doc["timeout_ms"], 30_000);
    assert!(doc.get("timeout_derived_ms").is_none(), "{doc}");
}

/// The line that says what flaky runs comes only when flaky chose the command, names why (the
/// detection or the framework named), and is left out with -q; a single attempt has no later
/// attempts for a derived timeout.
#[test]
fn only_a_command_flaky_chose_is_announced() {
    crate::frameworks::require_pytest();
    let s =
        crate::frameworks::pytest_project(&[("tests/test_app.py", "def test_ok():\n    pass\n")]);
    let dir = s.path().canonicalize().unwrap();
    let stderr = |args: &[&str]| {
        let out = s
            .flaky()
            .args(["run", "-n", "1", "--no-scan", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    let line = |why: &str| {
        format!(
            "flaky: running `python3 -m pytest` in {} ({why}), 1 attempt, 1 at a time, timeout 10 min\n",
            dir.display()
        )
    };
    assert_eq!(stderr(&[]), line("detected: pytest"));
    assert_eq!(
        stderr(&["--framework", "pytest"]),
        line("framework: pytest")
    );
    assert_eq!(stderr(&["-q"]), "");
    assert_eq!(stderr(&["--", "python3", "-m", "pytest"]), "");
    s.write(".flaky.yml", "command: python3 -m pytest\n");
    assert_eq!(stderr(&[]), "");
}
