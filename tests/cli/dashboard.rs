//! `flaky dashboard`: the page's numbers against `flaky history --format json`, hostile test
//! names, the output's place, and an empty selection.

use predicates::prelude::*;

use crate::Sandbox;
use crate::history::repo_with_commits;

/// A JUnit suite: `t_login` fails on odd attempts once `mode` says `flaky`, `t_db` fails every
/// fifth attempt, `t_ok` passes, and each of `names` (XML-escaped) fails on attempts 1 and 2;
/// an attempt with a failure exits 1, as a test runner does.
fn suite(s: &Sandbox, names: &[&str]) {
    let cases: String = names
        .iter()
        .map(|n| format!(r#"<testcase classname="c" name="{n}">%s</testcase>"#))
        .collect();
    s.write(
        "t.sh",
        &format!(
            r#"l=''; d=''; h=''
[ "$(cat mode)" = flaky ] && [ $((FLAKY_ATTEMPT % 2)) = 1 ] && l='<failure message="odd"/>'
[ $((FLAKY_ATTEMPT % 5)) = 0 ] && d='<failure message="db"/>'
[ $FLAKY_ATTEMPT = 1 ] || [ $FLAKY_ATTEMPT = 2 ] && h='<failure message="h"/>'
printf '<testsuite name="s"><testcase classname="c" name="t_login">%s</testcase><testcase classname="c" name="t_db">%s</testcase><testcase classname="c" name="t_ok"/>{cases}</testsuite>' "$l" "$d"{hs} > "$TMPDIR/r.xml"
[ -z "$l$d$h" ]
"#,
            hs = " \"$h\"".repeat(names.len())
        ),
    );
}

fn run(s: &Sandbox) {
    s.flaky()
        .args([
            "run",
            "-n",
            "10",
            "-q",
            "--seed",
            "1",
            "--fail-on",
            "none",
            "--junit",
            "{tmpdir}/r.xml",
            "--",
            "sh",
            "t.sh",
        ])
        .assert()
        .code(0);
}

/// Spreads the stored runs over as many days, oldest first, the newest today.
fn one_day_apart(s: &Sandbox) {
    let db = s.sql();
    let n: i64 = db
        .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    db.execute(
        "UPDATE runs SET started_at = started_at - (?1 - (SELECT count(*) FROM runs o WHERE o.id <= runs.id)) * 86400000",
        [n],
    )
    .unwrap();
}

fn head(s: &Sandbox) -> String {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(s.path())
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// `flaky dashboard -o -`: the page, which must have been made.
fn page_on_stdout(s: &Sandbox) -> String {
    let out = s.flaky().args(["dashboard", "-o", "-"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The value of attribute `attr` right after the first `anchor` in `html`.
fn attr_after<'a>(html: &'a str, anchor: &str, attr: &str) -> &'a str {
    let at = html
        .find(anchor)
        .unwrap_or_else(|| panic!("no {anchor} in the page"));
    let rest = &html[at..];
    let start = rest.find(&format!("{attr}=\"")).unwrap() + attr.len() + 2;
    let end = start + rest[start..].find('"').unwrap();
    &rest[start..end]
}

fn card(html: &str, id: &str) -> f64 {
    attr_after(html, &format!("id=\"{id}\""), "data-value")
        .parse()
        .unwrap()
}

/// The values of `attr` on every `<tr class="CLASS"`, in order.
fn row_attrs(html: &str, class: &str, attr: &str) -> Vec<String> {
    let anchor = format!("<tr class=\"{class}\"");
    html.match_indices(&anchor)
        .map(|(i, _)| attr_after(&html[i..], &anchor, attr).to_owned())
        .collect()
}

#[test]
fn the_pages_numbers_are_those_of_history() {
    let s = Sandbox::new();
    let commit = repo_with_commits(&s);
    suite(&s, &[]);
    commit("stable", "ada");
    run(&s);
    run(&s);
    commit("flaky", "grace");
    let flaky_commit = head(&s);
    for _ in 0..3 {
        run(&s);
    }
    one_day_apart(&s);

    s.flaky()
        .args(["dashboard", "-o", "page.html"])
        .assert()
        .code(0)
        .stdout("")
        .stderr(
            predicate::str::contains("wrote page.html (")
                .and(predicate::str::contains("5 runs, 2 tests with failures")),
        );
    let html = std::fs::read_to_string(s.path().join("page.html")).unwrap();

    let (runs, _) = s.json(&["history", "--format", "json", "--limit", "100"]);
    let runs = runs["runs"].as_array().unwrap();
    assert_eq!(card(&html, "ov-runs"), runs.len() as f64);
    let attempts: u64 = runs
        .iter()
        .map(|r| r["totals"]["attempts"].as_u64().unwrap())
        .sum();
    assert_eq!(card(&html, "ov-attempts"), attempts as f64);
    assert_eq!((runs.len(), attempts), (5, 50));

    let (trend, _) = s.json(&["history", "--trend", "--format", "json"]);
    let trend = &trend["trend"];
    assert_eq!(
        card(&html, "ov-tests"),
        trend["tests_seen"].as_f64().unwrap()
    );
    assert_eq!(
        card(&html, "ov-flaky-share"),
        trend["flaky_share"].as_f64().unwrap()
    );
    assert_eq!(
        card(&html, "ov-mean-rate"),
        trend["mean_rate"].as_f64().unwrap()
    );
    let points = trend["points"].as_array().unwrap();
    assert_eq!(points.len(), 5, "five runs on five days: per day");
    let shares = row_attrs(&html, "trend-point", "data-flaky-share");
    let expected: Vec<String> = points
        .iter()
        .map(|p| p["flaky_share"].as_f64().unwrap().to_string())
        .collect();
    assert_eq!(shares, expected);
    let (third, two_thirds) = ((1.0_f64 / 3.0).to_string(), (2.0_f64 / 3.0).to_string());
    assert_eq!(
        shares,
        [&*third, &third, &two_thirds, &two_thirds, &two_thirds],
        "t_db flaky from the start, t_login from the third run, t_ok never"
    );

    let (tests, _) = s.json(&["history", "--tests", "--format", "json"]);
    let tests = tests["tests"].as_array().unwrap();
    let names: Vec<&str> = tests.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(row_attrs(&html, "test", "data-name"), names);
    assert_eq!(names, ["c::t_login", "c::t_db"]);
    for t in tests {
        let anchor = format!("data-name=\"{}\"", t["id"].as_str().unwrap());
        assert_eq!(
            attr_after(&html, &anchor, "data-severity"),
            t["severity"].as_str().unwrap()
        );
        let row = &html[html.find(&anchor).unwrap()..];
        let failed = format!(
            ">{}/{}<",
            t["failed"].as_u64().unwrap(),
            t["attempts"].as_u64().unwrap()
        );
        assert!(
            row[..row.find("</tr>").unwrap()].contains(&failed),
            "{failed}"
        );
    }

    // t_login went from stable to flaky at the second commit; t_db failed from the start.
    let (login, _) = s.json(&["history", "--test", "c::t_login", "--format", "json"]);
    let became = &login["test"]["became_flaky"]["run"];
    assert_eq!(became["commit"], flaky_commit.as_str());
    let login_row = &html[html.find("data-name=\"c::t_login\"").unwrap()..];
    let login_row = &login_row[..login_row.find("</tr>").unwrap()];
    assert!(
        login_row.contains(&format!(
            "<code class=\"became-flaky\">{}</code>",
            &flaky_commit[..8]
        )) && login_row.contains(became["run_id"].as_str().unwrap()),
        "{login_row}"
    );
    let db_row = &html[html.find("data-name=\"c::t_db\"").unwrap()..];
    assert!(db_row[..db_row.find("</tr>").unwrap()].contains("failed from<br>its first run"));
    assert_eq!(card(&html, "ov-flaky-now"), 2.0);
    assert_eq!(card(&html, "ov-became-flaky"), 1.0);
    assert_eq!(card(&html, "ov-became-stable"), 0.0);

    let failing_ms: i64 = s
        .sql()
        .query_row(
            "SELECT sum(duration_ms) FROM attempts WHERE outcome != 'pass'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(card(&html, "ov-failing-time"), failing_ms as f64);

    // Every run is listed, newest first, and links to its section.
    let listed = row_attrs(&html, "run", "data-name");
    assert_eq!(listed.len(), 5);
    for (row, run) in listed.iter().zip(runs) {
        let id = run["run_id"].as_str().unwrap();
        assert!(row.starts_with(id), "{row} is not run {id}");
        assert!(html.contains(&format!("<a href=\"#run-{id}\">")));
        assert!(html.contains(&format!("id=\"run-{id}\"")));
    }

    // The same page on stdout with `-o -`; by default in ./flaky-dashboard.html.
    let stdout = page_on_stdout(&s);
    assert!(stdout.starts_with("<!DOCTYPE html>") && stdout.contains("c::t_login"));
    s.flaky().arg("dashboard").assert().code(0);
    assert!(s.path().join("flaky-dashboard.html").exists());
}

#[test]
fn hostile_test_names_are_inert() {
    let s = Sandbox::new();
    s.write("mode", "stable");
    let hostile = [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&lt;img src=x onerror=alert(2)&gt;",
        "evil&#x202E;gnp.exe",
        "quote&quot; onmouseover=&quot;alert(3)",
    ];
    suite(&s, &hostile);
    run(&s);
    let html = page_on_stdout(&s);
    assert_eq!(
        row_attrs(&html, "test", "data-name").len(),
        5,
        "the four hostile tests and t_db"
    );
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page's own script"
    );
    for raw in ["<img", "\" onmouseover", "\u{202e}"] {
        assert!(!html.contains(raw), "{raw:?} reached the page");
    }
    for shown in [
        "c::&lt;script&gt;alert(1)&lt;/script&gt;",
        "c::&lt;img src=x onerror=alert(2)&gt;",
        "c::evil\\u{202e}gnp.exe",
        "c::quote&quot; onmouseover=&quot;alert(3)",
    ] {
        assert!(html.contains(shown), "{shown} is not on the page");
    }
}

#[test]
fn an_empty_selection_is_an_error_with_a_hint() {
    let s = Sandbox::new();
    s.flaky()
        .arg("dashboard")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no history yet"));
    s.flaky()
        .args(["run", "-n", "2", "-q", "--", "true"])
        .assert()
        .code(0);
    s.flaky()
        .args(["dashboard", "--branch", "nope"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no stored run in")
                .and(predicate::str::contains("matches the selection; hint:")),
        );
    assert!(!s.path().join("flaky-dashboard.html").exists());
    s.flaky()
        .args(["dashboard", "-o", "no/such/dir/page.html"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot write the dashboard to no/such/dir/page.html",
        ));
}

#[test]
fn a_tests_stored_likely_cause_and_its_diagnosis_are_shown() {
    let s = Sandbox::new();
    s.write("mode", "flaky");
    suite(&s, &[]);
    run(&s);
    // What `flaky run`'s scan stores in the run's report, and what `flaky diagnose` stores:
    // written here as those commands store them (the scan needs a language flaky reads, the
    // diagnosis experiments), into the real database.
    let db = s.sql();
    db.execute(
        r#"UPDATE runs SET report = json_set(report, '$.likely_causes', json('[{"test": "c::t_login", "stable": false, "causes": [{"rule": "sleep", "category": "timing", "severity": "medium", "confidence": "high", "file": "tests/test_auth.py", "line": 12, "message": "time.sleep(<0.5>) waits for a fixed time", "hint": "wait for the condition"}]}]'))"#,
        [],
    )
    .unwrap();
    db.execute(
        r#"INSERT INTO diagnoses (run, test, diagnosed_at, cause, proven, diagnosis)
           SELECT id, 'c::t_login', 1, 'order', 1, json('{"test": "c::t_login", "cause": "order", "proven": true, "summary": "fails after <c::t_db> runs before it", "experiments": [], "fix": "reset the state", "attempts": 40, "duration_ms": 900}') FROM runs"#,
        [],
    )
    .unwrap();
    let html = page_on_stdout(&s);
    let row = &html[html.find("data-name=\"c::t_login\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains(
            "<span title=\"time.sleep(&lt;0.5&gt;) waits for a fixed time\">timing at tests/test_auth.py:12</span>"
        ),
        "{row}"
    );
    assert!(
        row.contains("<span title=\"fails after &lt;c::t_db&gt; runs before it\">order</span>"),
        "{row}"
    );
    let db_row = &html[html.find("data-name=\"c::t_db\"").unwrap()..];
    let db_row = &db_row[..db_row.find("</tr>").unwrap()];
    assert!(db_row.contains("not diagnosed"), "{db_row}");
}
