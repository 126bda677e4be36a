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

fn git(s: &Sandbox, args: &[&str], author: &str) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(s.path())
        .env("GIT_AUTHOR_NAME", author)
        .env(
            "GIT_AUTHOR_EMAIL",
            format!("{}@example.com", author.to_lowercase()),
        )
        .env("GIT_COMMITTER_NAME", author)
        .env("GIT_COMMITTER_EMAIL", "ci@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn every_format_renders_and_changes_since_the_last_stable_run_name_the_commits() {
    let s = Sandbox::new();
    git(&s, &["init", "-q", "-b", "main"], "Ada");
    s.write(
        ".gitignore",
        "history.db*\nsummary.md\n*.html\n*.xml\nmap.yml\n",
    );
    s.write(
        "check.sh",
        "#!/bin/sh\n[ \"$(cat mode)\" = stable ] || [ $((FLAKY_ATTEMPT % 2)) -eq 0 ]\n",
    );
    s.write("mode", "stable");
    git(&s, &["add", "-A"], "Ada");
    git(&s, &["commit", "-q", "-m", "stable start"], "Ada");
    let run = || {
        s.flaky()
            .args([
                "run",
                "-n",
                "6",
                "-q",
                "--fail-on",
                "none",
                "--",
                "sh",
                "check.sh",
            ])
            .assert()
            .code(0)
    };
    run();
    s.write("mode", "flaky");
    git(&s, &["commit", "-q", "-am", "make the check racy"], "Grace");
    s.write("other.txt", "x");
    git(&s, &["add", "other.txt"], "Linus");
    git(&s, &["commit", "-q", "-m", "unrelated docs"], "Linus");
    let head = git(&s, &["rev-parse", "HEAD"], "Ada");
    run();

    let render = |format: &str| {
        let out = s
            .flaky()
            .args(["report", "--format", format, "--mention-map", "map.yml"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    s.write("map.yml", "grace@example.com: U0GRACE\n");
    let md = render("markdown");
    assert!(md.starts_with("<!-- flaky-report -->"), "{md}");
    for expected in [
        "make the check racy",
        "Grace",
        "unrelated docs",
        &head[..7],
        "sh check.sh",
    ] {
        assert!(md.contains(expected), "markdown lacks {expected:?}:\n{md}");
    }
    let slack: serde_json::Value = serde_json::from_str(&render("slack")).unwrap();
    let text = slack.to_string();
    assert!(
        text.contains("<@U0GRACE>"),
        "the mention map turns Grace into a mention: {text}"
    );
    assert!(!text.contains("<@Linus"), "{text}");
    let junit = render("junit");
    let parsed = flaky::parse::junit::parse(junit.as_bytes()).unwrap();
    assert!(parsed.iter().any(|t| t.id.contains("check.sh")), "{junit}");
    assert!(junit.contains("flakyFailure"), "{junit}");
    let html = render("html");
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<svg") && !html.contains("<script"),
        "{}",
        &html[..200]
    );

    let summary = s.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    s.flaky()
        .args(["report", "--format", "github"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .assert()
        .code(0)
        .stdout("");
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("earlier step\n")
            && text.contains("make the check racy")
            && !text.contains("<!-- flaky-report -->"),
        "{text}"
    );

    s.flaky()
        .args(["report", "--format", "html", "-o", "r.html"])
        .assert()
        .code(0)
        .stdout("");
    assert!(
        std::fs::read_to_string(s.path().join("r.html"))
            .unwrap()
            .contains("<svg")
    );
    s.write("map.yml", "- not a map\n");
    s.flaky()
        .args(["report", "--mention-map", "map.yml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("map.yml"));
}

#[test]
fn a_second_report_on_stdout_is_refused_before_anything_runs() {
    let s = Sandbox::new();
    for command in [
        &["run", "--format", "json", "--report", "markdown"][..],
        &["run", "--report", "junit"][..],
    ] {
        s.flaky()
            .args(command)
            .args(["-n", "2", "--", "touch", "ran"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(
                "hint: write it to a file with --report-output FILE",
            ));
        assert!(
            !s.path().join("ran").exists(),
            "{command:?} ran the command"
        );
    }
    s.flaky()
        .args(["merge", "--report", "json", "shard.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--report-output"));
}

#[test]
fn a_second_report_goes_to_stdout_when_the_first_goes_elsewhere() {
    let s = Sandbox::new();
    let summary = s.path().join("summary.md");
    let out = s
        .flaky()
        .args(["run", "-n", "2", "--format", "json", "--report", "github"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["status"], "completed");
    assert!(std::fs::read_to_string(&summary).unwrap().contains("flaky"));
    let out = s
        .flaky()
        .args(["run", "-n", "2", "-o", "run.json", "--report", "json"])
        .args(["--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["status"], "completed");
}

/// With no run named, `flaky report` reads the current project's newest run, not a newer one
/// of another directory; where no run is stored under the directory, the newest anywhere, said.
#[test]
fn the_last_run_is_the_current_projects() {
    let s = Sandbox::new();
    let (one, two, other) = (
        s.path().join("one"),
        s.path().join("two"),
        s.path().join("other"),
    );
    for dir in [&one, &two, &other] {
        std::fs::create_dir(dir).unwrap();
    }
    let run_in = |dir: &std::path::Path, status: &str| {
        let out = s
            .flaky()
            .current_dir(dir)
            .args(["run", "-n", "2", "--format", "json", "--", "sh", "-c"])
            .arg(format!("exit {status}"))
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["run_id"].as_str().unwrap().to_owned()
    };
    let first = run_in(&one, "0");
    let second = run_in(&two, "1");
    let reported = |dir: &std::path::Path| {
        let out = s
            .flaky()
            .current_dir(dir)
            .args(["report", "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            doc["run_id"].as_str().unwrap().to_owned(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    assert_eq!(reported(&one), (first, String::new()));
    assert_eq!(reported(&two), (second.clone(), String::new()));
    let (id, stderr) = reported(&other);
    assert_eq!(id, second);
    assert!(
        stderr.contains(&format!(
            "no run under {} is stored: this is the newest run of another directory",
            other.canonicalize().unwrap().display()
        )),
        "{stderr}"
    );
}

/// A likely cause whose code holds backticks (a JavaScript template literal) is one code span
/// in Markdown, fenced with two backticks, as `flaky scan` found it; the markup in it stays
/// inert, and so does the markup of the test's name around it.
#[test]
fn a_cause_quoting_a_template_literal_is_one_code_span_in_markdown() {
    let s = Sandbox::new();
    s.write(
        "__tests__/api.test.js",
        "test('loads <b>the</b> user', async () => {\n  const id = 7;\n  const res = await fetch(`https://api.example.com/users/${id}?q=<script>|`);\n  expect(res.status).toBe(200);\n});\n",
    );
    // A JUnit report per attempt: the test fails on odd attempts.
    s.write(
        "junit.sh",
        r#"fail=''
[ $((FLAKY_ATTEMPT % 2)) = 1 ] && fail='<failure message="late"/>'
printf '<testsuite name="s" tests="1"><testcase classname="__tests__/api.test.js" name="loads &lt;b&gt;the&lt;/b&gt; user">%s</testcase></testsuite>' "$fail" > "$TMPDIR/r.xml"
"#,
    );
    s.flaky()
        .args(["run", "-n", "4", "--seed", "1", "--junit", "{tmpdir}/r.xml"])
        .args(["--", "sh", "junit.sh"])
        .assert()
        .code(1);
    let out = s
        .flaky()
        .args(["report", "--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8(out.stdout).unwrap();
    let causes: Vec<&str> = md
        .lines()
        .skip_while(|l| *l != "### Likely causes")
        .skip(4)
        .take(2)
        .collect();
    assert_eq!(
        causes,
        [
            "- `__tests__/api.test.js::loads <b>the</b> user`",
            "  - ▲ HIGH network at \\_\\_tests\\_\\_/api.test.js:3: \
             ``fetch(`https://api.example.com/users/${id}?q=<script>|`)`` calls \
             api.example.com over the network without a mock",
        ],
        "{md}"
    );
}
