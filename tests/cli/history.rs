//! The SQLite history: what `flaky run` stores, `flaky history` lists, and bad databases.

use predicates::prelude::*;

use crate::Sandbox;

#[test]
fn a_run_stores_plan_seeds_attempts_and_results() {
    let s = Sandbox::new();
    let (doc, _) = s.run_json(&[
        "-n",
        "8",
        "--seed",
        "3",
        "--env",
        "API_TOKEN=s3cret",
        "--env",
        "MODE=fast",
        "--",
        "sh",
        "-c",
        "[ $((FLAKY_ATTEMPT % 4)) -ne 0 ]",
    ]);
    let run_id = doc["run_id"].as_str().unwrap().to_owned();
    let db = s.sql();
    let (status, runs, seed, attempts, failed, worst, plan, exit): (String, i64, i64, i64, i64, String, String, i64) = db
        .query_row(
            "SELECT status, runs, seed, attempts, failed, worst, plan, exit_code FROM runs WHERE run_id = ?1",
            [&run_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
        )
        .unwrap();
    assert_eq!(
        (
            status.as_str(),
            runs,
            seed,
            attempts,
            failed,
            worst.as_str(),
            exit
        ),
        ("completed", 8, 3, 8, 2, "medium", 1)
    );
    assert!(
        plan.contains("\"MODE\":\"fast\"") && plan.contains("\"API_TOKEN\":\"<redacted>\""),
        "{plan}"
    );
    let raw = std::fs::read(s.db()).unwrap();
    assert!(
        !raw.windows(6).any(|w| w == b"s3cret"),
        "a secret reached the database file"
    );

    let seeds: Vec<(i64, i64, String)> = db
        .prepare("SELECT idx, seed, outcome FROM attempts ORDER BY idx")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(seeds.len(), 8);
    for (i, seed, outcome) in &seeds {
        assert_eq!(*seed as u64, flaky::exec::seed::attempt_seed(3, *i as u32));
        assert_eq!(outcome, if i % 4 == 0 { "fail" } else { "pass" });
    }
    let results: i64 = db
        .query_row("SELECT count(*) FROM results", [], |r| r.get(0))
        .unwrap();
    assert_eq!(results, 8);
    let (test, sev, kind, rate): (String, String, String, f64) = db
        .query_row(
            "SELECT t.name, rt.severity, rt.kind, rt.failure_rate FROM run_tests rt JOIN tests t ON t.id = rt.test",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (test.as_str(), sev.as_str(), kind.as_str(), rate),
        (
            "sh -c '[ $((FLAKY_ATTEMPT % 4)) -ne 0 ]'",
            "medium",
            "flaky",
            0.25
        )
    );
}

#[test]
fn history_without_a_database_says_so_and_creates_none() {
    let s = Sandbox::new();
    let db = s.db().display().to_string();
    for view in [&[][..], &["--tests"], &["--trend"]] {
        s.flaky().arg("history").args(view).assert().code(0).stdout(
            predicate::str::contains(format!("no history yet: there is no database at {db}"))
                .and(predicate::str::contains("hint: `flaky run -- CMD` stores")),
        );
    }
    let out = s
        .flaky()
        .args(["history", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["runs"], serde_json::json!([]));
    s.flaky()
        .args(["history", "--test", "t"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no history yet"));
    assert!(!s.db().exists(), "a reading command created the database");
}

#[test]
fn history_lists_runs_newest_first() {
    let s = Sandbox::new();
    let mut ids = Vec::new();
    for cmd in ["true", "false", "true"] {
        let (doc, _) = s.run_json(&["-n", "2", "--", cmd]);
        ids.push(doc["run_id"].as_str().unwrap().to_owned());
    }
    let out = s
        .flaky()
        .args(["history", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<&str> = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [ids[2].as_str(), ids[1].as_str(), ids[0].as_str()]);
    assert_eq!(doc["runs"][1]["worst"], "critical");
    assert_eq!(doc["runs"][1]["totals"]["failed"], 2);
    let out = s
        .flaky()
        .args(["history", "--limit", "1", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["runs"].as_array().unwrap().len(), 1);
    let table = s.flaky().args(["history"]).output().unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains(&ids[0]) && table.contains("CRITICAL") && table.contains("completed"),
        "{table}"
    );
}

#[test]
fn git_facts_are_stored_without_credentials() {
    let s = Sandbox::new();
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(s.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "-b", "trunk"]);
    git(&[
        "remote",
        "add",
        "origin",
        "https://user:ghp_topsecret@example.com/o/r.git",
    ]);
    s.write(".gitignore", "history.db*\n");
    git(&["add", ".gitignore"]);
    git(&["commit", "-q", "-m", "init"]);
    let (doc, _) = s.run_json(&["-n", "1", "--", "true"]);
    assert_eq!(doc["vcs"]["branch"], "trunk");
    assert_eq!(doc["vcs"]["dirty"], false);
    assert_eq!(doc["vcs"]["remote_url"], "https://example.com/o/r.git");
    assert_eq!(doc["vcs"]["commit"].as_str().unwrap().len(), 40);
    s.write("new-file", "x");
    let (doc, _) = s.run_json(&["-n", "1", "--", "true"]);
    assert_eq!(doc["vcs"]["dirty"], true);
    let (repo, branch, dirty): (String, String, bool) = s
        .sql()
        .query_row(
            "SELECT repo, branch, dirty FROM runs ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (repo.as_str(), branch.as_str(), dirty),
        ("https://example.com/o/r.git", "trunk", true)
    );
}

#[test]
fn outside_a_repository_git_facts_are_absent_not_an_error() {
    let s = Sandbox::new();
    let (doc, code) = s.run_json(&["-n", "1", "--", "true"]);
    assert_eq!((code, &doc["vcs"]), (0, &serde_json::Value::Null));
}

#[test]
fn a_newer_or_corrupt_database_is_refused_and_left_untouched() {
    let s = Sandbox::new();
    s.run_json(&["-n", "1", "--", "true"]);
    s.sql().pragma_update(None, "user_version", 999).unwrap();
    s.flaky()
        .args(["run", "-n", "1", "--", "true"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("newer flaky (schema version 999")
                .and(predicate::str::contains("hint:")),
        );
    s.flaky()
        .args(["history"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("newer flaky"));

    let junk = b"this is not sqlite at all, and it must survive untouched".repeat(100);
    std::fs::remove_file(s.db()).unwrap();
    std::fs::write(s.db(), &junk).unwrap();
    s.flaky()
        .args(["run", "-n", "1", "--", "true"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("is not a flaky history database")
                .and(predicate::str::contains("left untouched")),
        );
    assert_eq!(std::fs::read(s.db()).unwrap(), junk);
}

#[test]
fn an_unwritable_database_location_is_a_clear_error_before_anything_runs() {
    let s = Sandbox::new();
    s.write("file", "x");
    s.flaky()
        .args(["run", "-n", "1", "--", "true"])
        .env("FLAKY_DB", s.path().join("file/sub/h.db"))
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("cannot create the directory of the history database")
                .and(predicate::str::contains("--db")),
        );
}

#[test]
fn concurrent_runs_on_one_database_lose_no_row() {
    let s = Sandbox::new();
    let children: Vec<_> = (0..8)
        .map(|_| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("flaky"))
                .args(["run", "-n", "40", "-j", "2", "-q", "--", "true"])
                .current_dir(s.path())
                .env("FLAKY_DB", s.db())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert_eq!(c.wait().unwrap().code(), Some(0));
    }
    let (runs, attempts): (i64, i64) = s
        .sql()
        .query_row(
            "SELECT count(*), (SELECT count(*) FROM attempts) FROM runs WHERE status = 'completed'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((runs, attempts), (8, 320));
}

/// A git repository whose `check.sh` fails when `mode` says so, committed by different authors.
pub fn repo_with_commits(s: &Sandbox) -> impl Fn(&str, &str) {
    let dir = s.path().to_path_buf();
    let git = move |args: &[&str], author: &str| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(&dir)
            .env("GIT_AUTHOR_NAME", author)
            .env("GIT_AUTHOR_EMAIL", format!("{author}@example.com"))
            .env("GIT_COMMITTER_NAME", author)
            .env("GIT_COMMITTER_EMAIL", format!("{author}@example.com"))
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"], "ada");
    s.write(".gitignore", "history.db*\n");
    s.write(
        "check.sh",
        "#!/bin/sh\n[ \"$(cat mode)\" = stable ] || [ $((FLAKY_ATTEMPT % 2)) -eq 0 ]\n",
    );
    let dir = s.path().to_path_buf();
    move |mode: &str, author: &str| {
        std::fs::write(dir.join("mode"), mode).unwrap();
        git(&["add", "-A"], author);
        git(
            &["commit", "-q", "-m", &format!("{mode} by {author}")],
            author,
        );
    }
}

#[test]
fn the_views_show_the_most_flaky_tests_a_timeline_and_the_commit_that_made_it_flaky() {
    let s = Sandbox::new();
    let commit = repo_with_commits(&s);
    let run = |s: &Sandbox| {
        s.flaky()
            .args([
                "run",
                "-n",
                "10",
                "-q",
                "--fail-on",
                "none",
                "--",
                "sh",
                "check.sh",
            ])
            .assert()
            .code(0);
    };
    commit("stable", "ada");
    run(&s);
    run(&s);
    commit("flaky", "grace");
    let flaky_commit = String::from_utf8(
        std::process::Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(s.path())
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_owned();
    run(&s);
    run(&s);

    let out = s
        .flaky()
        .args(["history", "--tests", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &doc["tests"][0];
    assert_eq!(t["id"], "sh check.sh");
    assert_eq!(
        (t["runs_seen"].as_u64(), t["runs_failed"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(
        (t["attempts"].as_u64(), t["failed"].as_u64()),
        (Some(40), Some(10))
    );
    assert_eq!(t["failure_rate"], 0.25);
    assert_eq!(t["severity"], "medium");

    let out = s
        .flaky()
        .args(["history", "--test", "sh check.sh", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &doc["test"];
    assert_eq!(t["sparkline"], "▁▁██");
    assert_eq!(t["direction"], "worse");
    assert_eq!(t["became_flaky"]["run"]["commit"], flaky_commit.as_str());
    assert_ne!(
        t["became_flaky"]["stable_run"]["commit"],
        flaky_commit.as_str()
    );
    assert_eq!(t["first_failed"]["run_id"], doc["runs"][2]["run_id"]);
    assert_eq!(doc["runs"].as_array().unwrap().len(), 4);

    let text = String::from_utf8(
        s.flaky()
            .args(["history", "--test", "sh check.sh"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(
        text.contains("became flaky: run")
            && text.contains(&flaky_commit[..8])
            && text.contains("(worse)"),
        "{text}"
    );

    let out = s
        .flaky()
        .args(["history", "--trend", "--per", "run", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let trend = &doc["trend"];
    assert_eq!(
        (
            trend["runs"].as_u64(),
            trend["attempts"].as_u64(),
            trend["tests_seen"].as_u64()
        ),
        (Some(4), Some(40), Some(1))
    );
    assert_eq!(trend["flaky_share_sparkline"], "▁▁██");
    assert_eq!(trend["mean_rate"], 0.25);
    let out = s
        .flaky()
        .args(["history", "--trend", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["trend"]["points"].as_array().unwrap().len(),
        1,
        "all four runs are on one day"
    );
    assert_eq!(doc["trend"]["points"][0]["runs"], 4);

    s.flaky()
        .args(["history", "--test", "check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `sh check.sh`?"));
}

#[test]
fn filters_select_runs_by_branch_command_repo_and_age() {
    let s = Sandbox::new();
    let commit = repo_with_commits(&s);
    commit("stable", "ada");
    s.flaky()
        .args(["run", "-n", "2", "-q", "--", "sh", "check.sh"])
        .assert()
        .code(0);
    s.flaky()
        .args(["run", "-n", "2", "-q", "--", "true"])
        .assert()
        .code(0);
    let count = |args: &[&str]| -> usize {
        let out = s
            .flaky()
            .args(["history", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["runs"].as_array().unwrap().len()
    };
    assert_eq!(count(&[]), 2);
    assert_eq!(count(&["--branch", "main"]), 2);
    assert_eq!(count(&["--branch", "other"]), 0);
    assert_eq!(count(&["--command", "check.sh"]), 1);
    assert_eq!(count(&["--since", "1h"]), 2);
    assert_eq!(
        count(&["--repo", "github.com"]),
        0,
        "the sandbox repository has no remote"
    );
    assert_eq!(count(&["--limit", "1"]), 1);
}

#[test]
fn the_most_flaky_tests_come_with_their_likely_cause() {
    let sb = Sandbox::new();
    sb.write(
        "tests/test_x.py",
        "import time\n\n\ndef test_waits():\n    time.sleep(0.5)\n    assert True\n\n\ndef test_adds():\n    assert 1 + 1 == 2\n",
    );
    // A JUnit report per attempt: test_waits fails on odd attempts, test_adds never.
    sb.write(
        "junit.sh",
        r#"fail=''
[ $((FLAKY_ATTEMPT % 2)) = 1 ] && fail='<failure message="late"/>'
printf '<testsuite name="s" tests="2"><testcase classname="tests/test_x.py" name="test_waits">%s</testcase><testcase classname="tests/test_x.py" name="test_adds"/></testsuite>' "$fail" > "$TMPDIR/r.xml"
"#,
    );
    let (doc, code) = sb.run_json(&[
        "-n",
        "4",
        "--junit",
        "{tmpdir}/r.xml",
        "--",
        "sh",
        "junit.sh",
    ]);
    assert_eq!(code, 1);
    let causes = doc["likely_causes"].as_array().expect("likely_causes");
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(causes[0]["test"], "tests/test_x.py::test_waits");
    assert_eq!(causes[0]["stable"], false);
    assert_eq!(causes[0]["causes"][0]["category"], "sleep");
    assert_eq!(causes[0]["causes"][0]["line"], 5);

    let out = sb
        .flaky()
        .args(["history", "--tests", "--causes", "--format", "json"])
        .output()
        .expect("history");
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let tests = listed["tests"].as_array().expect("tests");
    assert_eq!(tests.len(), 1, "{listed:#}");
    assert_eq!(tests[0]["id"], "tests/test_x.py::test_waits");
    assert_eq!(tests[0]["causes"][0]["category"], "sleep");
    sb.flaky()
        .args(["history", "--tests", "--causes"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("LIKELY CAUSE")
                .and(predicate::str::contains("sleep at tests/test_x.py:5")),
        );
    // Without --no-scan the run scanned; with it, nothing is joined.
    let (doc, _) = sb.run_json(&[
        "-n",
        "2",
        "--no-scan",
        "--junit",
        "{tmpdir}/r.xml",
        "--",
        "sh",
        "junit.sh",
    ]);
    assert_eq!(doc["likely_causes"], serde_json::json!([]));
}

/// `run-tests.sh` in `a` (fails every third attempt) and in `b` (always fails), run there.
fn two_directories_with_one_command(s: &Sandbox) {
    s.write("a/run-tests.sh", "[ $((FLAKY_ATTEMPT % 3)) -ne 0 ]\n");
    s.write("b/run-tests.sh", "exit 1\n");
    for dir in ["a", "a", "b"] {
        s.flaky()
            .current_dir(s.path().join(dir))
            .args(["run", "-n", "6", "-q", "--", "sh", "run-tests.sh"])
            .assert()
            .code(1);
    }
}

fn run_ids(s: &Sandbox, dir: &str, args: &[&str]) -> usize {
    let out = s
        .flaky()
        .current_dir(s.path().join(dir))
        .args(["history", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["runs"].as_array().unwrap().len()
}

#[test]
fn history_shows_the_current_projects_runs_and_all_shows_every_directory() {
    let s = Sandbox::new();
    two_directories_with_one_command(&s);
    assert_eq!(run_ids(&s, "a", &[]), 2, "outside a repository: a's runs");
    assert_eq!(run_ids(&s, "b", &[]), 1);
    assert_eq!(run_ids(&s, "a", &["--all"]), 3);
    assert_eq!(run_ids(&s, ".", &[]), 3, "the directories below");
    s.write("c/.keep", "");
    s.flaky()
        .current_dir(s.path().join("c"))
        .arg("history")
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("no runs stored").and(predicate::str::contains(
                "`--all` adds the 3 runs of other directories",
            )),
        );

    // In a git repository: its runs, wherever in it they ran, and not those around it.
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(s.path().join("a"))
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    s.write("a/sub/x.sh", "true\n");
    s.flaky()
        .current_dir(s.path().join("a/sub"))
        .args(["run", "-n", "1", "-q", "--", "sh", "x.sh"])
        .assert()
        .code(0);
    assert_eq!(run_ids(&s, "a/sub", &[]), 3, "the repository's runs");
    assert_eq!(run_ids(&s, "a/sub", &["--repo", "example.com"]), 0);
}

#[test]
fn one_command_in_two_directories_is_two_tests() {
    let s = Sandbox::new();
    two_directories_with_one_command(&s);
    let out = s
        .flaky()
        .args(["history", "--tests", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tests: Vec<(String, u64, u64)> = doc["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let dir = t["dir"].as_str().unwrap();
            let dir = std::path::Path::new(dir).file_name().unwrap();
            (
                dir.to_string_lossy().into_owned(),
                t["failed"].as_u64().unwrap(),
                t["attempts"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(tests, [("b".into(), 6, 6), ("a".into(), 4, 12)]);
    s.flaky()
        .args(["history", "--tests"])
        .assert()
        .stdout(predicate::str::contains("DIRECTORY"));
    s.flaky()
        .args(["history", "--test", "sh run-tests.sh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "test `sh run-tests.sh` ran in 2 directories: a, b; hint:",
        ));
    s.flaky()
        .current_dir(s.path().join("b"))
        .args(["history", "--test", "sh run-tests.sh"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "6 failed of 6 attempts in 1 run: 100.0%",
        ));
}

#[test]
fn the_trend_counts_each_test_once_and_a_broken_test_as_failing_not_flaky() {
    let s = Sandbox::new();
    // t_flaky fails on odd attempts, t_broken on every one.
    s.write(
        "junit.sh",
        r#"fail=''
[ $((FLAKY_ATTEMPT % 2)) = 1 ] && fail='<failure message="odd"/>'
printf '<testsuite name="s" tests="2"><testcase classname="c" name="t_flaky">%s</testcase><testcase classname="c" name="t_broken"><failure message="no"/></testcase></testsuite>' "$fail" > "$TMPDIR/r.xml"
"#,
    );
    for _ in 0..2 {
        s.flaky()
            .args([
                "run",
                "-n",
                "4",
                "-q",
                "--junit",
                "{tmpdir}/r.xml",
                "--",
                "sh",
                "junit.sh",
            ])
            .assert()
            .code(1);
    }
    let out = s
        .flaky()
        .args(["history", "--trend", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &doc["trend"];
    assert_eq!(
        (
            &t["tests_seen"],
            &t["flaky_tests_seen"],
            &t["failing_tests_seen"]
        ),
        (&2.into(), &1.into(), &1.into())
    );
    let day = &t["points"][0];
    assert_eq!(
        (
            &day["runs"],
            &day["tests"],
            &day["flaky_tests"],
            &day["failing_tests"]
        ),
        (&2.into(), &2.into(), &1.into(), &1.into()),
        "two runs of two tests are two tests"
    );
    assert_eq!(day["flaky_share"], 0.5);
    s.flaky()
        .args(["history", "--trend"])
        .assert()
        .stdout(predicate::str::contains(
            "2 runs, 8 attempts, 2 tests seen: 1 flaky (50.0%), 1 failing; mean failure rate 75.0%",
        ));
    let per_run = s
        .flaky()
        .args(["history", "--trend", "--per", "run"])
        .output()
        .unwrap();
    let per_run = String::from_utf8(per_run.stdout).unwrap();
    let header = per_run.lines().find(|l| l.contains("ATTEMPTS")).unwrap();
    assert!(!header.contains("RUNS"), "{per_run}");
}
