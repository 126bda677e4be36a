//! The catalogue of bad inputs: every flag, config key and input file with a wrong value gets
//! exit status 2, nothing on stdout, and a message on stderr naming what was wrong.

use crate::Sandbox;

#[test]
fn every_bad_flag_value_is_exit_2_naming_the_flag() {
    let cases: &[(&[&str], &str)] = &[
        (&["run", "-n", "0", "--", "true"], "--runs"),
        (&["run", "-n", "many", "--", "true"], "--runs"),
        (&["run", "-j", "0", "--", "true"], "--jobs"),
        (&["run", "-j", "2000", "--", "true"], "--jobs"),
        (&["run", "--timeout", "soon", "--", "true"], "--timeout"),
        (&["run", "--timeout", "0s", "--", "true"], "--timeout"),
        (&["run", "--seed", "x", "--", "true"], "--seed"),
        (&["run", "--env", "NOEQUALS", "--", "true"], "--env"),
        (&["run", "--fail-on", "severe", "--", "true"], "--fail-on"),
        (&["run", "--format", "xml", "--", "true"], "--format"),
        (
            &["run", "--framework", "junit5", "--", "true"],
            "--framework",
        ),
        (&["run", "--order", "random", "--", "true"], "--order"),
        (&["run", "--until", "done", "--", "true"], "--until"),
        (
            &["run", "--until", "settled", "--max-runs", "0", "--", "true"],
            "--max-runs",
        ),
        (
            &["run", "--until", "settled", "--budget", "x", "--", "true"],
            "--budget",
        ),
        (&["run", "--report", "pdf", "--", "true"], "--report"),
        (&["run", "--post", "teams", "--", "true"], "--post"),
        (&["run", "--pr", "0", "--", "true"], "--pr"),
        (&["run", "--remote", "aws", "--", "true"], "--remote"),
        (
            &["run", "--remote", "runpod", "--shards", "0", "--", "true"],
            "--shards",
        ),
        (
            &[
                "run",
                "--remote",
                "runpod",
                "--shard-size",
                "0",
                "--",
                "true",
            ],
            "--shard-size",
        ),
        (
            &[
                "run",
                "--remote",
                "runpod",
                "--queue-timeout",
                "soon",
                "--",
                "true",
            ],
            "--queue-timeout",
        ),
        (
            &[
                "run",
                "--remote",
                "runpod",
                "--queue-timeout",
                "0s",
                "--",
                "true",
            ],
            "--queue-timeout",
        ),
        (&["run", "--queue-timeout", "1h", "--", "true"], "--remote"),
        (&["run", "--color", "sometimes", "--", "true"], "--color"),
        (&["run", "-C", "no-such-dir", "--", "true"], "-C/--dir"),
        (
            &["run", "--config", "no-such.yml", "--", "true"],
            "no-such.yml",
        ),
        (
            &["run", "--tests-from", "no-such.xml", "--", "pytest"],
            "--tests-from",
        ),
        (
            &["run", "--junit", "fixed.xml", "-j", "2", "--", "true"],
            "--junit",
        ),
        (
            &["run", "--shell", "--framework", "pytest", "--", "pytest -q"],
            "--framework",
        ),
        (&["history", "--limit", "0"], "--limit"),
        (&["history", "--since", "yesterday"], "--since"),
        (&["history", "--per", "week", "--trend"], "--per"),
        (&["dashboard", "--since", "yesterday"], "--since"),
        (&["dashboard", "--output"], "--output"),
        (&["dashboard", "--per", "run"], "--per"),
        (&["report", "--format", "pdf"], "--format"),
        (&["report", "--post", "teams"], "--post"),
        (&["run", "--batch", "0", "--", "true"], "--batch"),
        (
            &["run", "--batch", "5", "--", "true"],
            "--batch 5: only pytest",
        ),
        (
            &[
                "run",
                "--batch",
                "5",
                "--framework",
                "jest",
                "--",
                "npx",
                "jest",
            ],
            "this run's tests are jest",
        ),
        (
            &[
                "run", "--batch", "5", "--until", "settled", "--", "python3", "-m", "pytest",
            ],
            "--batch 5: --until settled",
        ),
        (&["detect-framework", "no-such-dir"], "no-such-dir"),
        (&["detect-framework", "--format", "yaml"], "--format"),
        (&["worker", "--bogus"], "--bogus"),
        (&["scan", "no/such/dir"], "no/such/dir does not exist"),
        (&["scan", "--ignore", "tests/[", "."], "--ignore `tests/[`"),
        (&["scan", "--format", "xml"], "--format"),
        (&["scan", "--fail-on", "severe"], "--fail-on"),
        (&["scan", "-j", "0"], "--jobs"),
        (&["history", "--causes"], "--tests"),
    ];
    let s = Sandbox::new();
    for (args, named) in cases {
        let out = s.flaky().args(*args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed on stdout");
        assert!(
            stderr.contains(named),
            "{args:?}: expected {named:?} in {stderr}"
        );
    }
}

#[test]
fn first_mistakes_get_the_right_tip() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", "-n", "5", "./t.sh"],
            "tip: put the command after `--`: flaky run -n 5 -- ./t.sh",
        ),
        (
            &["ci", "--retries", "2", "pytest", "-x"],
            "tip: put the command after `--`: flaky ci --retries 2 -- pytest -x",
        ),
        (&["rn"], "tip: a similar subcommand exists: 'run'"),
        (&["histroy"], "tip: a similar subcommand exists: 'history'"),
        (
            &["run", "-n", "-3"],
            "invalid value '-3' for '--runs <RUNS>': the count must be a positive whole number",
        ),
        (
            &["run", "-n", "-3", "--", "true"],
            "the count must be a positive whole number",
        ),
    ];
    let s = Sandbox::new();
    for (args, tip) in cases {
        let out = s.flaky().args(*args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(tip),
            "{args:?}: expected {tip:?} in {stderr}"
        );
        assert!(!stderr.contains("'-- -3'"), "{args:?}: {stderr}");
        assert!(!stderr.contains("quarantine"), "{args:?}: {stderr}");
    }
}

#[test]
fn bad_input_files_are_exit_2_naming_the_file() {
    let s = Sandbox::new();
    s.write("garbage.xml", "<html>502 Bad Gateway</html>");
    s.write("empty.xml", "");
    s.write("map.yml", "[1, 2");
    // Suites nested 20,000 deep: refused at once (the parse was quadratic in the nesting).
    s.write(
        "deep.xml",
        &format!(
            "<testsuites>{}{}</testsuites>",
            "<testsuite name='s'><testcase classname='c' name='t'/>".repeat(20_000),
            "</testsuite>".repeat(20_000)
        ),
    );
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "run",
                "--tests-from",
                "garbage.xml",
                "--",
                "python3",
                "-m",
                "pytest",
            ],
            "garbage.xml",
        ),
        (
            &[
                "run",
                "--tests-from",
                "empty.xml",
                "--",
                "python3",
                "-m",
                "pytest",
            ],
            "empty.xml",
        ),
        (
            &[
                "run",
                "--mention-map",
                "map.yml",
                "--post",
                "slack",
                "--",
                "true",
            ],
            "map.yml",
        ),
        (&["report", "--mention-map", "map.yml"], "map.yml"),
        (
            &[
                "run",
                "--tests-from",
                "deep.xml",
                "--",
                "python3",
                "-m",
                "pytest",
            ],
            "deep.xml",
        ),
    ];
    s.flaky()
        .args(["run", "-n", "1", "-q", "--", "true"])
        .assert()
        .code(0);
    for (args, named) in cases {
        let out = s.flaky().args(*args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(named),
            "{args:?}: expected {named:?} in {stderr}"
        );
    }
    // Nothing was run for them: the history holds the one good run.
    let runs: i64 = s
        .sql()
        .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 1);
}

#[test]
fn bad_environment_values_are_exit_2_naming_the_variable() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "RUNPOD_ENDPOINT_BASE_URL",
            "http://api.example.com/v2",
            "uses plain http, which would send RUNPOD_API_KEY unencrypted",
        ),
        (
            "RUNPOD_ENDPOINT_BASE_URL",
            "ftp://api.example.com/v2",
            "has the scheme \"ftp\", not https",
        ),
        (
            "RUNPOD_ENDPOINT_BASE_URL",
            "api.example.com",
            "is not a URL",
        ),
    ];
    let s = Sandbox::new();
    for (var, value, reason) in cases {
        let out = s
            .flaky()
            .env("RUNPOD_API_KEY", "rpa_catalogue_key")
            .env(var, value)
            .args([
                "run",
                "--remote",
                "runpod",
                "--endpoint",
                "ep",
                "--",
                "true",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}={value}: {stderr}");
        assert!(out.stdout.is_empty(), "{var}={value} printed on stdout");
        assert!(
            stderr.contains(&format!("{var} is invalid")) && stderr.contains(reason),
            "{var}={value}: expected {reason:?} in {stderr}"
        );
        assert!(!stderr.contains("rpa_catalogue_key"), "{stderr}");
    }
}
