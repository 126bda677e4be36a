//! `flaky quarantine`: the entries of `.flaky.yml` listed, added and removed in place, and the
//! flaky tests of the history proposed.

use predicates::prelude::*;

use crate::Sandbox;

/// A config file with comments, odd spacing and an entry already there.
const CONFIG: &str = "# flaky settings for this project\nruns: 50   # enough to see 2%\n\nquarantine:\n  # the session cache races\n  - test: tests/test_api.py::test_login\n    reason: \"races the session cache, #123\"   # see the issue\n    until: 2099-12-31\n\n# the environment the tests need\nenv:\n  TZ: UTC\n";

fn list_json(s: &Sandbox) -> (serde_json::Value, i32) {
    s.json(&["quarantine", "list", "--format", "json"])
}

fn tests_listed(doc: &serde_json::Value) -> Vec<String> {
    doc["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["test"].as_str().expect("test").to_owned())
        .collect()
}

#[test]
fn add_list_remove_keeps_every_other_byte_of_the_file() {
    let s = Sandbox::new();
    let config = s.write(".flaky.yml", CONFIG);
    let awkward = "tests/test_a.py::test_x[param-1: '#' \"q\"]";
    s.flaky()
        .args(["quarantine", "add", awkward, "--reason", "*flaky*: #45"])
        .args(["--owner", "@ana", "--until", "2099-01-31"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(format!(
            "quarantined `{awkward}` until 2099-01-31 ("
        )));
    s.flaky()
        .args([
            "quarantine",
            "add",
            "pkg/sub::TestFoo/*",
            "--reason",
            "go subtests",
        ])
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.starts_with(&CONFIG[..CONFIG.find("\n\n# the environment").unwrap()]),
        "{text}"
    );
    assert!(text.ends_with("\n\n# the environment the tests need\nenv:\n  TZ: UTC\n"));

    let (doc, code) = list_json(&s);
    assert_eq!(code, 0);
    assert_eq!(
        tests_listed(&doc),
        [
            "tests/test_api.py::test_login",
            awkward,
            "pkg/sub::TestFoo/*"
        ]
    );
    let added = &doc["entries"][1];
    assert_eq!(
        (
            added["reason"].as_str(),
            added["owner"].as_str(),
            added["until"].as_str()
        ),
        (Some("*flaky*: #45"), Some("@ana"), Some("2099-01-31"))
    );
    // Without --until: 30 days from today.
    assert_eq!(doc["entries"][2]["days_left"], 30);
    s.flaky()
        .args(["quarantine", "list"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("go subtests").and(predicate::str::contains("3 entries")));

    for test in [awkward, "pkg/sub::TestFoo/*"] {
        s.flaky()
            .args(["quarantine", "remove", test])
            .assert()
            .code(0);
    }
    assert_eq!(std::fs::read_to_string(&config).unwrap(), CONFIG);
    // The last entry out: the file has no quarantine left.
    s.flaky()
        .args(["quarantine", "remove", "tests/test_api.py::test_login"])
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&config).unwrap();
    assert_eq!(
        text,
        "# flaky settings for this project\nruns: 50   # enough to see 2%\n\n\n# the environment the tests need\nenv:\n  TZ: UTC\n"
    );
}

#[test]
fn add_creates_the_config_file_and_refuses_a_test_twice() {
    let s = Sandbox::new();
    s.flaky()
        .args(["quarantine", "list"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("nothing is quarantined"));
    s.flaky()
        .args([
            "quarantine",
            "add",
            "tests/*",
            "--reason",
            "legacy",
            "--until",
            "2w",
        ])
        .assert()
        .code(0);
    let text = std::fs::read_to_string(s.path().join(".flaky.yml")).unwrap();
    assert!(
        text.starts_with("quarantine:\n  - test: \"tests/*\"\n    reason: \"legacy\"\n    until: "),
        "{text}"
    );
    s.flaky()
        .args(["quarantine", "add", "tests/*", "--reason", "again"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("`tests/*` is already quarantined")
                .and(predicate::str::contains("hint:"))
                .and(predicate::str::contains(
                    "flaky quarantine remove 'tests/*'",
                )),
        );
    assert_eq!(
        std::fs::read_to_string(s.path().join(".flaky.yml")).unwrap(),
        text
    );
    // Taking out the only entry of a file that held nothing else takes the file out too.
    s.flaky()
        .args(["quarantine", "remove", "tests/*"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("held nothing else and is removed"));
    assert!(!s.path().join(".flaky.yml").exists());
    s.flaky()
        .args(["quarantine", "add", "tests/*", "--reason", "legacy"])
        .assert()
        .code(0);
    // --config names another file, which is created too.
    s.flaky()
        .args([
            "quarantine",
            "add",
            "a::b",
            "--reason",
            "r",
            "--config",
            "ci.yml",
        ])
        .assert()
        .code(0);
    assert!(
        std::fs::read_to_string(s.path().join("ci.yml"))
            .unwrap()
            .contains("- test: \"a::b\"")
    );
}

#[test]
fn bad_input_leaves_the_file_as_it_was() {
    let s = Sandbox::new();
    let config = s.write(".flaky.yml", CONFIG);
    for (args, says) in [
        (&["--until", "2020-01-01"][..], "in the past"),
        (&["--until", "2099-02-30"], "February 2099 has 28 days"),
        (&["--until", "12h"], "whole number of days"),
        (&["--reason", " "], "--reason is empty"),
    ] {
        let mut cmd = s.flaky();
        cmd.args(["quarantine", "add", "tests/*::x[z-a]"]);
        if args[0] != "--reason" {
            cmd.args(["--reason", "r"]);
        }
        cmd.args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says).and(predicate::str::contains("hint:")));
    }
    s.flaky()
        .args(["quarantine", "add", "tests/*::x[z-a]", "--reason", "r"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("is not a valid glob")
                .and(predicate::str::contains("write `tests/[*]::x[[]z-a[]]`")),
        );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), CONFIG);

    // A config file that does not read is not edited.
    let broken = CONFIG.replace("2099-12-31", "2099-13-01");
    std::fs::write(&config, &broken).unwrap();
    s.flaky()
        .args(["quarantine", "add", "x", "--reason", "r"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(".flaky.yml:8:12: `quarantine`: `until`: `2099-13-01` is not a date: there is no month 13; hint:"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), broken);
}

#[test]
fn an_expired_entry_makes_list_exit_2() {
    let s = Sandbox::new();
    s.write(
        ".flaky.yml",
        "quarantine:\n  - test: tests/a.py::t\n    reason: old\n    until: 2020-01-31\n  - test: tests/b.py::t\n    reason: new\n    owner: \"@bo\"\n    until: 2099-01-31\n",
    );
    s.flaky()
        .args(["quarantine", "list"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("expired").and(predicate::str::contains("@bo")))
        .stderr(
            predicate::str::contains(
                ".flaky.yml:2: the quarantine of `tests/a.py::t` ended on 2020-01-31",
            )
            .and(predicate::str::contains("hint:"))
            .and(predicate::str::contains(
                "flaky quarantine remove tests/a.py::t",
            )),
        );
    let (doc, code) = list_json(&s);
    assert_eq!(code, 2);
    assert_eq!(doc["entries"][0]["expired"], true);
    assert_eq!(doc["entries"][1]["expired"], false);
}

#[test]
fn removing_a_test_that_is_not_an_entry_names_the_entries() {
    let s = Sandbox::new();
    s.write(".flaky.yml", CONFIG);
    s.flaky()
        .args(["quarantine", "remove", "tests/test_api.py::test_logout"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "hint: give the `test` of an entry exactly as written: `tests/test_api.py::test_login`",
        ));
    assert_eq!(
        std::fs::read_to_string(s.path().join(".flaky.yml")).unwrap(),
        CONFIG
    );
    let empty = Sandbox::new();
    empty
        .flaky()
        .args(["quarantine", "remove", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no config file applies"));
}

/// A JUnit report per attempt: `retries` fails one attempt in three, `connects` fails every
/// attempt, `parses` never fails; the command exits 1 like a test runner with failures.
const JUNIT_WRITER: &str = r#"retries=''
[ $((FLAKY_ATTEMPT % 3)) -eq 0 ] && retries='<failure message="gave up">retry.go:12</failure>'
printf '<testsuite name="client" tests="3"><testcase classname="client" name="parses"/><testcase classname="client" name="retries">%s</testcase><testcase classname="client" name="connects"><failure message="connection refused"/></testcase></testsuite>' "$retries" > "$TMPDIR/j.xml"
exit 1
"#;

fn suggest_json(s: &Sandbox) -> serde_json::Value {
    let out = s
        .flaky()
        .args(["quarantine", "suggest", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("json")
}

#[test]
fn suggest_proposes_the_flaky_test_and_never_the_broken_one() {
    let s = Sandbox::new();
    s.flaky()
        .args(["quarantine", "suggest"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "nothing to suggest: no history yet",
        ));

    s.write("junit.sh", JUNIT_WRITER);
    let (_, code) = s.run_json(&[
        "-n",
        "6",
        "--seed",
        "1",
        "--junit",
        "{tmpdir}/j.xml",
        "--",
        "sh",
        "junit.sh",
    ]);
    assert_eq!(code, 1);

    let doc = suggest_json(&s);
    let suggestions = doc["suggestions"].as_array().expect("suggestions");
    assert_eq!(suggestions.len(), 1, "{doc:#}");
    let flaky = &suggestions[0];
    assert_eq!(flaky["test"], "client::retries");
    assert_eq!(
        (flaky["failed"].as_u64(), flaky["attempts"].as_u64()),
        (Some(2), Some(6))
    );
    assert_eq!(flaky["kinds"][0], "flaky");
    assert_eq!(doc["failing"], serde_json::json!(["client::connects"]));
    let command = flaky["command"].as_str().unwrap();
    assert_eq!(
        command,
        "flaky quarantine add client::retries --reason 'flaky: failed 2 of 6 attempts (33.3%)'"
    );
    s.flaky()
        .args(["quarantine", "suggest"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains(command)
                .and(predicate::str::contains("33.3%"))
                .and(predicate::str::contains(
                    "broken, not flaky: fix them): `client::connects`",
                )),
        );

    // The line it proposes does what it says; then nothing is left to propose.
    let argv = shlex::split(command).unwrap();
    s.flaky().args(&argv[1..]).assert().code(0);
    let doc = suggest_json(&s);
    assert_eq!(doc["suggestions"], serde_json::json!([]));
    assert_eq!(doc["quarantined"], serde_json::json!(["client::retries"]));

    // Quarantining the broken test is the user's choice, with a warning.
    s.flaky()
        .args(["quarantine", "add", "client::connects", "--reason", "r"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "`client::connects` failed every attempt of the project's latest stored run",
        ));
    // Another project's quarantine is not warned by this project's runs.
    std::fs::create_dir(s.path().join("other")).unwrap();
    s.flaky()
        .args([
            "quarantine",
            "add",
            "client::connects",
            "--reason",
            "r",
            "-C",
            "other",
        ])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("failed every attempt").not());
}

#[test]
fn a_command_without_per_test_results_is_never_proposed() {
    let s = Sandbox::new();
    let (doc, code) = s.run_json(&[
        "-n",
        "4",
        "--",
        "sh",
        "-c",
        "[ $((FLAKY_ATTEMPT % 2)) -eq 0 ]",
    ]);
    assert_eq!((code, doc["tests"][0]["kind"].as_str()), (1, Some("flaky")));
    let doc = suggest_json(&s);
    assert_eq!(doc["suggestions"], serde_json::json!([]), "{doc:#}");
    assert_eq!(doc["failing"], serde_json::json!([]));
}
