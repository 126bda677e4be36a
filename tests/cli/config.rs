//! `.flaky.yml`: discovery, precedence, and an error naming file, line and key for every bad value.

use predicates::prelude::*;

use crate::Sandbox;

#[test]
fn the_file_sets_the_plan_and_flags_and_environment_win() {
    let s = Sandbox::new();
    s.write(
        ".flaky.yml",
        "runs: 7\njobs: 2\ntimeout: 30s\nseed: 99\ncommand: sh -c 'exit 0'\nenv:\n  GREETING: hi\nfail_on: high\n",
    );
    let (doc, code) = s.run_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(
        (
            doc["runs"].as_u64(),
            doc["jobs"].as_u64(),
            doc["seed"].as_u64()
        ),
        (Some(7), Some(2), Some(99))
    );
    assert_eq!(doc["timeout_ms"], 30_000);
    assert_eq!(doc["fail_on"], "high");
    assert_eq!(doc["command"], serde_json::json!(["sh", "-c", "exit 0"]));

    let out = s
        .flaky()
        .args(["run", "--format", "json"])
        .env("FLAKY_RUNS", "5")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["runs"], 5, "environment wins over the file");

    let out = s
        .flaky()
        .args(["run", "--format", "json", "-n", "3"])
        .env("FLAKY_RUNS", "5")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["runs"], 3, "the flag wins over the environment");

    let (doc, _) = s.run_json(&["-n", "1", "--", "sh", "-c", "[ \"$GREETING\" = hi ]"]);
    assert_eq!(
        doc["totals"]["passed"], 1,
        "env from the file reaches the attempts"
    );
    let (doc, _) = s.run_json(&[
        "-n",
        "1",
        "--env",
        "GREETING=yo",
        "--",
        "sh",
        "-c",
        "[ \"$GREETING\" = yo ]",
    ]);
    assert_eq!(doc["totals"]["passed"], 1, "--env wins over the file's env");
}

#[test]
fn the_older_name_parallelism_shell_and_percent_thresholds_are_read() {
    let s = Sandbox::new();
    s.write(
        ".flaky-detector.yml",
        "runs: 20\nparallelism: 3\nshell: true\ncommand: '[ $((FLAKY_ATTEMPT % 4)) -ne 0 ]'\nseverity_thresholds:\n  medium: 30%\n  low: 0.01\n",
    );
    let (doc, code) = s.run_json(&[]);
    assert_eq!(doc["jobs"], 3);
    assert_eq!(doc["shell"], true);
    assert_eq!(
        doc["tests"][0]["severity"], "low",
        "25% is below a medium threshold of 30%"
    );
    assert_eq!(code, 1);
}

#[test]
fn a_partial_file_merges_over_defaults_and_parents_are_searched_up_to_the_repository() {
    let s = Sandbox::new();
    s.write(".flaky.yml", "runs: 4\n");
    s.write("a/b/keep", "");
    // Outside a repository and the home directory, parents are not searched.
    let (doc, _) = s.run_json(&["-C", "a/b", "--", "true"]);
    assert_eq!(
        doc["runs"], 100,
        "a shared parent directory configures nothing"
    );
    std::fs::create_dir(s.path().join(".git")).unwrap();
    let (doc, _) = s.run_json(&["-C", "a/b", "--", "true"]);
    assert_eq!(doc["runs"], 4);
    assert_eq!(doc["timeout_ms"], 600_000);
    assert_eq!(doc["fail_on"], "low");
    std::fs::create_dir(s.path().join("a/.git")).unwrap();
    let (doc, _) = s.run_json(&["-C", "a/b", "--", "true"]);
    assert_eq!(doc["runs"], 100, "the search stops at the repository root");
}

#[test]
fn ignore_patterns_hide_matching_tests_from_results_and_exit_status() {
    let s = Sandbox::new();
    s.write(".flaky.yml", "ignore_patterns: ['sh -c*']\n");
    let (doc, code) = s.run_json(&["-n", "4", "--", "sh", "-c", "exit 1"]);
    assert_eq!(code, 0);
    assert_eq!(doc["tests"], serde_json::json!([]));
    assert_eq!(doc["ignored_tests"], 1);
}

#[test]
fn every_bad_value_is_an_error_with_file_line_and_key() {
    let cases: &[(&str, &str)] = &[
        ("runs: 5\nrnus: 3\n", ":2:1: unknown field `rnus`"),
        ("runs: many\n", ":1:7: `runs`: expected a whole number"),
        (
            "runs: 0\n",
            ":1:7: `runs` is 0, but it must be from 1 to 100000",
        ),
        ("runs: 100001\n", ":1:7: `runs` is 100001"),
        ("jobs: -1\n", ":1:7: `jobs` is -1"),
        (
            "batch: 0\n",
            ":1:8: `batch` is 0, but it must be from 1 to 1000",
        ),
        (
            "jobs: 2\nparallelism: 3\n",
            ":1:7: both `jobs` and `parallelism` are set",
        ),
        ("timeout: soon\n", ":1:10: `timeout` must be a duration"),
        ("timeout: 0\n", ":1:10: `timeout` must be a duration"),
        ("seed: -4\n", ":1:7: `seed`: expected a whole number"),
        ("shell: maybe\n", ":1:8: `shell`"),
        ("command: []\n", "`command` is empty"),
        (
            "command: \"pytest 'open\"\n",
            ":1:10: `command` has an unbalanced quote",
        ),
        ("env:\n  A: [1]\n", ":2:3: `A`"),
        ("env: 5\n", ":1:6: `env`"),
        ("fail_on: severe\n", ":1:10: `fail_on` is `severe`"),
        (
            "severity_thresholds:\n  severe: 1\n",
            ":2:3: unknown field `severe`",
        ),
        (
            "severity_thresholds:\n  high: 0.95\n",
            "`high` (0.95) must be below `critical` (0.9)",
        ),
        (
            "severity_thresholds:\n  low: 0.2\n",
            "`low` (0.2) must be below `medium` (0.1)",
        ),
        (
            "severity_thresholds:\n  critical: 150%\n",
            ":2:13: `severity_thresholds.critical` must be a fraction",
        ),
        (
            "severity_thresholds:\n  critical: 2\n",
            ":2:13: `severity_thresholds.critical` must be a fraction",
        ),
        (
            "ignore_patterns:\n  - 'a[b'\n",
            ":2:5: `ignore_patterns`: `a[b` is not a valid glob",
        ),
        ("ignore_patterns: x\n", ":1:18: `ignore_patterns`"),
        ("runs: 1\nruns: 2\n", ":2:1: duplicate mapping key: runs"),
        ("runs: [1\n", ".flaky.yml:1:"),
        ("- just\n- a list\n", ".flaky.yml:1:"),
    ];
    for (text, expected) in cases {
        let s = Sandbox::new();
        s.write(".flaky.yml", text);
        let cmd: &[&str] = if text.starts_with("command") {
            &["run"]
        } else {
            &["run", "--", "true"]
        };
        let out = s.flaky().args(cmd).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text:?}: {stderr}");
        assert!(
            stderr.contains(".flaky.yml") && stderr.contains(expected),
            "{text:?}: expected {expected:?} in {stderr}"
        );
        assert!(out.stdout.is_empty());
        assert!(
            !s.db().exists(),
            "{text:?}: nothing runs, nothing is stored"
        );
    }
}

#[test]
fn an_explicit_config_must_exist() {
    let s = Sandbox::new();
    s.flaky()
        .args(["run", "--config", "nope.yml", "--", "true"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("nope.yml")
                .and(predicate::str::contains("cannot read the config file")),
        );
    s.write("ci/flaky.yml", "runs: 2\n");
    let (doc, _) = s.run_json(&["--config", "ci/flaky.yml", "--", "true"]);
    assert_eq!(doc["runs"], 2);
}

#[test]
fn a_config_file_another_user_owns_or_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    let s = Sandbox::new();
    let file = s.write(".flaky.yml", "env:\n  BASH_ENV: /tmp/evil.sh\n");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = s
        .flaky()
        .args(["run", "-n", "1", "--", "true"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(".flaky.yml")
            && stderr.contains("writable by every user")
            && stderr.contains("hint:"),
        "{stderr}"
    );
    // Named with --config, it is the user's choice.
    let out = s
        .flaky()
        .args(["run", "-n", "1", "--config", ".flaky.yml", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    // Owned by nobody (only root can give a file away; others test the mode above).
    if rustix::process::geteuid().is_root() {
        std::os::unix::fs::chown(&file, Some(65534), None).unwrap();
        let out = s
            .flaky()
            .args(["run", "-n", "1", "--", "true"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("owned by another user (uid 65534)"),
            "{stderr}"
        );
    }
}

#[test]
fn bad_variable_names_in_env_are_errors_naming_the_variable() {
    for (yaml, says) in [
        (
            "env:\n  \"A\\0B\": x\n",
            r#"`env` variable "A\0B" holds a control character"#,
        ),
        ("env:\n  \"A=B\": x\n", r#"`env` variable "A=B" holds `=`"#),
        ("env:\n  \"\": x\n", r#"`env` variable "" is empty"#),
    ] {
        let s = Sandbox::new();
        s.write(".flaky.yml", yaml);
        let out = s
            .flaky()
            .args(["run", "-n", "1", "--", "true"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{yaml}: {stderr}");
        assert!(
            stderr.contains(says) && stderr.contains(".flaky.yml"),
            "{yaml}: {stderr}"
        );
    }
}

#[test]
fn a_bare_number_is_seconds_for_a_timeout_everywhere_and_days_for_since() {
    let s = Sandbox::new();
    let (doc, _) = s.run_json(&["-n", "1", "--timeout", "5", "--", "true"]);
    assert_eq!(doc["timeout_ms"], 5_000, "--timeout 5");
    let out = s
        .flaky()
        .args(["run", "-n", "1", "--format", "json", "--", "true"])
        .env("FLAKY_TIMEOUT", "7")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["timeout_ms"], 7_000, "FLAKY_TIMEOUT=7");
    for timeout in ["5", "'5'"] {
        s.write(".flaky.yml", &format!("timeout: {timeout}\n"));
        let (doc, _) = s.run_json(&["-n", "1", "--", "true"]);
        assert_eq!(doc["timeout_ms"], 5_000, "timeout: {timeout}");
    }
    // The run above is 0 days old: within the last 30 days, and a bare number is refused nowhere.
    let (doc, code) = s.json(&["history", "--since", "30", "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(doc["runs"].as_array().map(Vec::len), Some(4), "{doc}");
    s.flaky()
        .args(["history", "--since", "30x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a bare number is days"));
    s.flaky()
        .args(["run", "--timeout", "-5", "--", "true"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the duration must be longer than zero",
        ));
}
