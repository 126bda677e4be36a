//! The renderers on hand-built reports: snapshots of every rich format for a typical, an empty,
//! an interrupted and a hostile-names report, plus bounds on a huge one, the JUnit output read
//! back by flaky's own parser, and the Discord message checked as Discord checks it.
//!
//! The reports are built here with fixed times and seeds, so the snapshots need no filters.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;
use crate::analysis::{Conditions, Counts, Kind, TestStats, sort_worst_first};
use crate::exec::OrderMode;
use crate::model::{InfraRule, Outcome};
use crate::scan::Cause;

/// 2023-11-14T22:13:20Z, plus `secs`.
fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
}

/// A test's verdict from its passes and failures. Attempts alternate the order (odd ones are
/// shuffled); an order-dependent test fails only in shuffled attempts.
fn stats(
    id: &str,
    passes: u64,
    failures: &[(Outcome, &str, u64)],
    order_dependent: bool,
) -> TestStats {
    let failed: u64 = failures.iter().map(|f| f.2).sum();
    let runs = passes + failed;
    let mut c = Counts::default();
    let mut attempt = 0u32;
    for (outcome, message, n) in failures {
        for _ in 0..*n {
            let on = Conditions {
                shuffled: order_dependent || attempt % 2 == 1,
                alone: false,
            };
            c.add(*outcome, on, Some(message), attempt * 2 + 1);
            attempt += 1;
        }
    }
    let shuffled_passes = (runs / 2).saturating_sub(failed);
    for k in 0..passes {
        let shuffled = if order_dependent {
            k < shuffled_passes
        } else {
            attempt % 2 == 1
        };
        let on = Conditions {
            shuffled,
            alone: false,
        };
        c.add(Outcome::Pass, on, None, attempt);
        attempt += 1;
    }
    TestStats::from_counts(id.to_owned(), &c, &Thresholds::default())
}

fn sample(test: Option<&str>, index: u32, message: &str, reproduce: &str) -> FailureSample {
    FailureSample {
        test: test.map(str::to_owned),
        index,
        seed: 342_317_936 + u64::from(index),
        order_seed: (index % 2 == 1).then_some(9_000 + u64::from(index)),
        message: message.to_owned(),
        excerpt: String::new(),
        reproduce: reproduce.to_owned(),
        reproduce_attempt: None,
        needs_order: index % 2 == 1,
        batch_from: None,
    }
}

fn cause(
    rule: &str,
    category: &str,
    severity: Severity,
    file: &str,
    line: u32,
    message: &str,
    via: &[&str],
) -> Cause {
    Cause {
        rule: rule.to_owned(),
        category: category.to_owned(),
        severity,
        confidence: "high".to_owned(),
        file: file.to_owned(),
        line,
        message: message.to_owned(),
        hint: "reset the state in a fixture, or give each test its own".to_owned(),
        via: via.iter().map(|v| (*v).to_owned()).collect(),
    }
}

fn commit(sha: &str, author: &str, slack: Option<&str>, summary: &str, files: &[&str]) -> Commit {
    Commit {
        sha: sha.to_owned(),
        author: author.to_owned(),
        email: format!("{}@example.com", author.to_lowercase().replace(' ', ".")),
        time: at(3_600),
        summary: summary.to_owned(),
        files: files.iter().map(|f| (*f).to_owned()).collect(),
        slack_id: slack.map(str::to_owned),
    }
}

/// A report with everything set to plain values; each case changes what it needs.
fn base(tests: Vec<TestStats>) -> Report {
    let mut tests = tests;
    sort_worst_first(&mut tests);
    Report {
        run_id: "41cedd9fa11d".to_owned(),
        state: RunState::Completed,
        command: vec!["python3".into(), "-m".into(), "pytest".into()],
        shell: false,
        dir: PathBuf::from("/repo/examples/python-pytest"),
        framework: Some("pytest".to_owned()),
        order: OrderMode::Alternate,
        selected_tests: None,
        batch: None,
        shard: None,
        runs: 42,
        jobs: 2,
        seed: 7,
        timeout: Duration::from_secs(600),
        timeout_derived_ms: None,
        started_at: at(0),
        duration: Duration::from_millis(12_345),
        fail_on: Some(Severity::Low),
        thresholds: Thresholds::default(),
        vcs: Some(crate::vcs::VcsFacts {
            remote_url: Some("https://github.com/o/r.git".to_owned()),
            branch: Some("main".to_owned()),
            commit: Some("3f2c1ab9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3".to_owned()),
            dirty: false,
        }),
        totals: Totals {
            attempts: 42,
            passed: 0,
            failed: 38,
            timed_out: 2,
            errors: 2,
            infrastructure: 2,
            failed_outside_tests: 0,
        },
        tests,
        ignored_tests: 0,
        attempts: Vec::new(),
        failures: Vec::new(),
        infrastructure: Vec::new(),
        shard_errors: Vec::new(),
        shard_retries: Vec::new(),
        stopped: None,
        likely_causes: Vec::new(),
        no_results: None,
        diagnoses: Vec::new(),
        ci: None,
        exit_code: 1,
    }
}

/// Stable, flaky, order-dependent, failing and timeout tests, with signatures, replay lines,
/// infrastructure attempts, a trend and the changes since the last stable run.
fn typical() -> (Report, Context) {
    let mut tests = vec![
        stats(
            "tests/test_math.py::test_mean_always_fails",
            0,
            &[
                (Outcome::Fail, "AssertionError: assert 2.5 == 3", 36),
                (
                    Outcome::Fail,
                    "TypeError: unsupported operand type(s) for +: 'int' and 'str'",
                    4,
                ),
            ],
            false,
        ),
        stats(
            "tests/test_db.py::test_connect",
            0,
            &[(
                Outcome::Error,
                "ConnectionRefusedError: [Errno 111] Connection refused",
                40,
            )],
            false,
        ),
        stats(
            "tests/test_net.py::test_fetch_is_quick",
            16,
            &[
                (Outcome::Timeout, "timed out after 10 s", 20),
                (Outcome::Fail, "ConnectionResetError: [Errno 104]", 4),
            ],
            false,
        ),
        stats(
            "tests/test_math.py::test_seeded_flaky",
            28,
            &[
                (
                    Outcome::Fail,
                    "AssertionError: TEST_SEED=342317936 is a multiple of 4\nassert 0 == 1",
                    9,
                ),
                (Outcome::Fail, "ZeroDivisionError: division by zero", 3),
            ],
            false,
        ),
        stats(
            "tests/test_registry.py::test_lookup_starts_empty",
            30,
            &[(
                Outcome::Fail,
                "AssertionError: REGISTRY was not empty: another test registered 'answer'",
                10,
            )],
            true,
        ),
        stats(
            "tests/test_cache.py::TestCache::test_warm",
            38,
            &[(Outcome::Fail, "KeyError: 'warm'", 2)],
            false,
        ),
    ];
    tests.push(stats(
        "tests/test_win.py::test_only_on_windows",
        0,
        &[],
        false,
    ));
    for name in [
        "tests/test_math.py::test_add",
        "tests/test_math.py::TestSlug::test_collapses_spaces",
        "tests/test_math.py::TestSlug::test_lowercases",
        "tests/test_registry.py::test_register",
        "tests/test_cache.py::TestCache::test_cold",
    ] {
        tests.push(stats(name, 40, &[], false));
    }
    let mut report = base(tests);
    let replay = |index: u32, test: &str| {
        format!(
            "FLAKY_SEED={0} TEST_SEED={0} ATTEMPT={index} FLAKY_ATTEMPT={index} PYTHONHASHSEED={0} python3 -m pytest -p no:randomly {test}",
            342_317_936 + u64::from(index)
        )
    };
    report.failures = [
        (
            "tests/test_math.py::test_mean_always_fails",
            0,
            "AssertionError: assert 2.5 == 3",
        ),
        (
            "tests/test_net.py::test_fetch_is_quick",
            1,
            "timed out after 10 s",
        ),
        (
            "tests/test_math.py::test_seeded_flaky",
            3,
            "AssertionError: TEST_SEED=342317936 is a multiple of 4",
        ),
        (
            "tests/test_registry.py::test_lookup_starts_empty",
            5,
            "AssertionError: REGISTRY was not empty: another test registered 'answer'",
        ),
        (
            "tests/test_cache.py::TestCache::test_warm",
            7,
            "KeyError: 'warm'",
        ),
    ]
    .into_iter()
    .map(|(test, index, message)| sample(Some(test), index, message, &replay(index, test)))
    .collect();
    report.infrastructure = vec![
        InfraSample {
            index: 12,
            rule: Some(InfraRule::Crash),
            reason: "the test process was killed by signal 9 (SIGKILL)".to_owned(),
            excerpt: "Killed".to_owned(),
        },
        InfraSample {
            index: 31,
            rule: Some(InfraRule::Environment),
            reason: "9 of 10 tests failed the same way, on their environment: ConnectionRefusedError: [Errno 111] Connection refused".to_owned(),
            excerpt: String::new(),
        },
    ];
    report.likely_causes = vec![
        LikelyCauses {
            test: "tests/test_registry.py::test_lookup_starts_empty".to_owned(),
            stable: false,
            causes: vec![cause(
                "py/global-mutation",
                "global-state",
                Severity::Medium,
                "src/registry.py",
                12,
                "`REGISTRY[name] = value` mutates the module-level `REGISTRY`",
                &["register"],
            )],
        },
        LikelyCauses {
            test: "tests/test_math.py::test_add".to_owned(),
            stable: true,
            causes: vec![cause(
                "wall-clock",
                "clock",
                Severity::Medium,
                "tests/test_math.py",
                7,
                "datetime.now() reads the wall clock",
                &[],
            )],
        },
    ];
    let trend = [(12, 1, 0.01), (12, 1, 0.012), (12, 2, 0.03), (12, 2, 0.05)]
        .into_iter()
        .chain([(12, 3, 0.09), (12, 4, 0.12), (12, 5, 0.14), (12, 6, 0.267)])
        .enumerate()
        .map(|(i, (tests, flaky_tests, mean_rate))| TrendPoint {
            run_id: format!("run{i:02}"),
            started_at: at(0) - Duration::from_secs(86_400 * (7 - i as u64)),
            tests,
            flaky_tests,
            mean_rate,
        })
        .collect();
    let ctx = Context {
        trend,
        changes: Some(Changes {
            stable_run: "0a1b2c3d4e5f".to_owned(),
            stable_commit: "9e8d7c6b5a49382716059e8d7c6b5a4938271605".to_owned(),
            commit: "3f2c1ab9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3".to_owned(),
            commits: vec![
                commit(
                    "3f2c1ab9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3",
                    "Ada Lovelace",
                    Some("U024BE7LH"),
                    "Make the cache warm up in a background thread",
                    &["src/cache.py", "tests/test_cache.py"],
                ),
                commit(
                    "b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6",
                    "Grace Hopper",
                    Some("U0G9QF9C6"),
                    "Register the answer plugin at import time",
                    &[
                        "src/registry.py",
                        "src/plugins/answer.py",
                        "src/plugins/__init__.py",
                        "docs/plugins.md",
                        "tests/test_registry.py",
                        "tests/conftest.py",
                        "setup.cfg",
                    ],
                ),
                commit(
                    "c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0",
                    "Ada Lovelace",
                    Some("U024BE7LH"),
                    "Fetch with a 10s timeout",
                    &["src/net.py"],
                ),
                commit(
                    "d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3",
                    "Alan Turing",
                    None,
                    "Bump pytest",
                    &["requirements.txt"],
                ),
            ],
        }),
    };
    (report, ctx)
}

/// A run in which no attempt left a readable report.
fn empty() -> (Report, Context) {
    let mut report = base(Vec::new());
    report.runs = 3;
    report.totals = Totals {
        attempts: 3,
        passed: 0,
        failed: 0,
        timed_out: 0,
        errors: 3,
        infrastructure: 3,
        failed_outside_tests: 0,
    };
    report.infrastructure = (0..3)
        .map(|index| InfraSample {
            index,
            rule: Some(InfraRule::NoReport),
            reason: "no report at /tmp/flaky-1/attempt-0/report.xml: No such file or directory (os error 2)".to_owned(),
            excerpt: "/usr/bin/python3: No module named pytest".to_owned(),
        })
        .collect();
    report.state = RunState::NoResults;
    report.no_results = Some(NoResults {
        reason: "all 3 attempts were set aside, the same way (attempt 0: no report at /tmp/flaky-1/attempt-0/report.xml: No such file or directory (os error 2)); the first 3 failed alike before any test result was read, so the other 0 did not run".to_owned(),
        hint: "pytest does not seem to be installed where the command runs: install it (`pip install -r requirements-dev.txt` installs the project's dependencies), or run flaky where it is (a virtualenv's python, node_modules/.bin); `flaky detect-framework` shows how flaky runs it".to_owned(),
    });
    report.exit_code = 2;
    (report, Context::default())
}

/// Ctrl-C after 12 of 50 attempts of a command without a framework: the command is the test.
fn interrupted() -> (Report, Context) {
    let label = "./run-tests.sh";
    let mut report = base(vec![stats(
        label,
        9,
        &[(
            Outcome::Fail,
            "AssertionError: cache was cold after warm-up",
            3,
        )],
        false,
    )]);
    report.state = RunState::Interrupted;
    report.command = vec![label.to_owned()];
    report.dir = PathBuf::from("/repo/examples/shell");
    report.framework = None;
    report.order = OrderMode::Same;
    report.runs = 50;
    report.vcs = None;
    report.duration = Duration::from_millis(1_830);
    report.totals = Totals {
        attempts: 12,
        passed: 9,
        failed: 3,
        timed_out: 0,
        errors: 0,
        infrastructure: 0,
        failed_outside_tests: 0,
    };
    report.failures = [3, 7, 11]
        .into_iter()
        .map(|index| FailureSample {
            excerpt: format!(
                "Traceback (most recent call last):\n  File \"check.py\", line 3\nAssertionError: cache was cold after warm-up (seed {})",
                342_317_936 + index
            ),
            order_seed: None,
            ..sample(
                None,
                index,
                "exited with status 1",
                &format!(
                    "cd examples/shell && FLAKY_SEED={0} TEST_SEED={0} ATTEMPT={index} FLAKY_ATTEMPT={index} ./run-tests.sh",
                    342_317_936 + index
                ),
            )
        })
        .collect();
    report.shard_errors = vec!["shard 3 (attempts 36 to 49): the job was cancelled".to_owned()];
    report.exit_code = 130;
    (report, Context::default())
}

/// Names and messages that must come out as text in every format.
const HOSTILE: [&str; 7] = [
    "tests/a|b.py::test_pipe|x",
    "<script>alert(1)</script>",
    "x & y \"q\" 'z'::t",
    "tests/`tick`.py::test_``double``",
    "ctrl\u{1}char::test\u{7}bell\u{1b}[31m",
    "tests/ünïcödé.py::test_日本語_✓",
    "*bold* _under_ [link](javascript:alert(1)) ~strike~ #1 ![img](x)::t",
];

fn escaping() -> (Report, Context) {
    let mut tests: Vec<TestStats> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let failures = 2 + 3 * i as u64;
            let passes = if i == 1 { 0 } else { 40 - failures };
            stats(
                id,
                passes,
                &[(
                    Outcome::Fail,
                    "<img src=x onerror=alert(1)> & `code` | ```fence``` \u{1}",
                    failures,
                )],
                false,
            )
        })
        .collect();
    tests.push(stats("stable <b>bold</b>", 40, &[], false));
    let mut report = base(tests);
    report.command = vec![
        "sh".into(),
        "-c".into(),
        "pytest | tee `out` && echo '<done>'".into(),
    ];
    report.run_id = "<run&id>".to_owned();
    report.failures = HOSTILE
        .iter()
        .enumerate()
        .take(5)
        .map(|(i, id)| {
            sample(
                Some(id),
                i as u32,
                "<img src=x onerror=alert(1)>",
                &format!("pytest '{id}' # ```` </pre><script>alert(2)</script>"),
            )
        })
        .collect();
    report.infrastructure = vec![InfraSample {
        index: 9,
        rule: Some(InfraRule::Crash),
        reason: "<b>crashed</b> & | `x`".to_owned(),
        excerpt: "</pre><script>alert(3)</script>\n````\n\u{202e}evil\u{1b}[31m".to_owned(),
    }];
    let ctx = Context {
        trend: vec![TrendPoint {
            run_id: "<run&id>".to_owned(),
            started_at: at(0),
            tests: 8,
            flaky_tests: 7,
            mean_rate: 0.3,
        }],
        changes: Some(Changes {
            stable_run: "<old>".to_owned(),
            stable_commit: "abc</code>".to_owned(),
            commit: "def".to_owned(),
            commits: vec![commit(
                "e1e2e3e4e5e6",
                "Mallory <@U0> & \"Eve\"",
                Some("!channel"),
                "<script>alert(3)</script> | *not bold* `tick`",
                &["src/<x>.rs", "a|b"],
            )],
        }),
    };
    (report, ctx)
}

/// 10,000 tests, 3,000 of them failing or flaky, a long trend and many commits.
fn huge() -> (Report, Context) {
    let tests: Vec<TestStats> = (0..10_000u64)
        .map(|i| {
            let id = format!(
                "tests/test_module_{:04}.py::TestClass{}::test_case_{i}",
                i / 20,
                i % 7
            );
            let failures = if i % 10 < 3 { 1 + i % 97 } else { 0 };
            let msg = format!("AssertionError: value {i} differs");
            stats(
                &id,
                100 - failures,
                &[(Outcome::Fail, &msg, failures)],
                false,
            )
        })
        .collect();
    let mut report = base(tests);
    report.runs = 100;
    report.failures = report
        .tests
        .iter()
        .take(FAILURE_SAMPLES)
        .map(|t| {
            sample(
                Some(&t.id),
                1,
                "AssertionError",
                &format!("pytest {}", t.id),
            )
        })
        .collect();
    report.infrastructure = (0..40)
        .map(|index| InfraSample {
            index,
            rule: Some(InfraRule::NoReport),
            reason: "no report was written".to_owned(),
            excerpt: String::new(),
        })
        .collect();
    let trend = (0..500u64)
        .map(|i| TrendPoint {
            run_id: format!("run{i}"),
            started_at: at(i * 3_600),
            tests: 10_000,
            flaky_tests: 2_000 + (i * 7) % 1_000,
            mean_rate: 0.01 + (i % 13) as f64 / 1_000.0,
        })
        .collect();
    let commits = (0..300)
        .map(|i| {
            commit(
                &format!("{i:040x}"),
                &format!("Author {}", i % 17),
                (i % 3 == 0).then_some("U123"),
                &format!("Change number {i}"),
                &[
                    "src/a.rs", "src/b.rs", "src/c.rs", "src/d.rs", "src/e.rs", "src/f.rs",
                ],
            )
        })
        .collect();
    let ctx = Context {
        trend,
        changes: Some(Changes {
            stable_run: "old".to_owned(),
            stable_commit: "0".repeat(40),
            commit: "f".repeat(40),
            commits,
        }),
    };
    (report, ctx)
}

/// The typical run with the diagnoses `flaky diagnose` made of the pytest example (captured),
/// and one of a test whose id and texts are hostile to every format.
fn diagnosed() -> (Report, Context) {
    let (mut report, ctx) = typical();
    let captured: crate::diagnose::DiagnoseReport = serde_json::from_str(include_str!(
        "../../tests/fixtures/diagnose/pytest-example.json"
    ))
    .unwrap();
    report.diagnoses = captured.tests;
    let mut hostile = report.diagnoses[0].clone();
    hostile.test = HOSTILE[1].to_owned();
    hostile.polluters = vec![HOSTILE[3].to_owned()];
    hostile.summary = format!(
        "order: fails after {} and never alone (0/9)",
        crate::diagnose::ticked(&hostile.polluters)
    );
    hostile.fix = format!("make `{}` leave no state behind <script>", HOSTILE[6]);
    hostile.repro = Some(format!("pytest '{}' ```\n</code></pre>", HOSTILE[4]));
    report.diagnoses.push(hostile);
    (report, ctx)
}

type Render = fn(&Report, &Context, &mut dyn std::io::Write) -> std::io::Result<()>;

fn render(f: Render, (report, ctx): &(Report, Context)) -> String {
    let mut out = Vec::new();
    f(report, ctx, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn junit(report: &Report) -> String {
    let mut out = Vec::new();
    render_junit(report, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn slack_json(case: &(Report, Context)) -> serde_json::Value {
    serde_json::from_str(&render(render_slack, case)).unwrap()
}

macro_rules! snapshots {
    ($($case:ident),*) => {
        mod snapshot {
            use super::*;
            $(
                mod $case {
                    use super::*;

                    #[test]
                    fn markdown() {
                        insta::assert_snapshot!(render(render_markdown, &super::super::$case()));
                    }

                    #[test]
                    fn github() {
                        insta::assert_snapshot!(render(render_github, &super::super::$case()));
                    }

                    #[test]
                    fn slack() {
                        insta::assert_snapshot!(render(render_slack, &super::super::$case()));
                    }

                    #[test]
                    fn discord() {
                        insta::assert_snapshot!(render(render_discord, &super::super::$case()));
                    }

                    #[test]
                    fn html() {
                        insta::assert_snapshot!(render(render_html, &super::super::$case()));
                    }

                    #[test]
                    fn junit() {
                        insta::assert_snapshot!(super::super::junit(&super::super::$case().0));
                    }
                }
            )*
        }
    };
}

snapshots!(typical, empty, interrupted, escaping, diagnosed);

#[test]
fn markdown_starts_with_the_marker_and_github_drops_it() {
    let case = typical();
    let md = render(render_markdown, &case);
    let gh = render(render_github, &case);
    assert!(md.starts_with(&format!(
        "{COMMENT_MARKER}\n## ✖ flaky: 6 failing or flaky tests (worst CRITICAL)\n"
    )));
    assert_eq!(md.strip_prefix(COMMENT_MARKER).unwrap().trim_start(), gh);
    assert!(md.contains(
        "5 stable tests: no failure in 40 runs means a failure rate below 8.8% at 95% confidence"
    ));
    assert!(!md.contains("<@U024BE7LH>"), "no Slack mentions on GitHub");
    let ok = typical_without_failures();
    let md = render(render_markdown, &ok);
    assert!(
        md.contains("## ✔ flaky: no flaky test in 42 attempts\n"),
        "{md}"
    );
}

fn typical_without_failures() -> (Report, Context) {
    let (mut report, _) = typical();
    report.tests.retain(|t| t.kind == Kind::Stable);
    report.failures.clear();
    (report, Context::default())
}

/// Markdown with its code blocks and code spans left out (a backslash-escaped backtick opens
/// nothing), to look at what renders as Markdown and HTML.
fn strip_code(md: &str) -> String {
    let mut out = String::new();
    let mut fence: Option<String> = None;
    for line in md.lines() {
        let ticks: String = line.chars().take_while(|c| *c == '`').collect();
        match &fence {
            Some(open) if line.trim_end() == open => fence = None,
            Some(_) => {}
            None if ticks.len() >= 3 => fence = Some(ticks),
            None => {
                let chars: Vec<char> = line.chars().collect();
                let run_at = |i: usize| chars[i..].iter().take_while(|c| **c == '`').count();
                let mut i = 0;
                while i < chars.len() {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        out.push(chars[i]);
                        out.push(chars[i + 1]);
                        i += 2;
                    } else if chars[i] == '`' {
                        let n = run_at(i);
                        // The closing run has exactly n backticks.
                        let mut j = i + n;
                        let mut closed = None;
                        while j < chars.len() {
                            let m = if chars[j] == '`' { run_at(j) } else { 0 };
                            if m == n {
                                closed = Some(j + m);
                                break;
                            }
                            j += m.max(1);
                        }
                        match closed {
                            Some(end) => i = end,
                            None => {
                                out.extend(&chars[i..i + n]);
                                i += n;
                            }
                        }
                    } else {
                        out.push(chars[i]);
                        i += 1;
                    }
                }
                out.push('\n');
            }
        }
    }
    out
}

/// Every table row keeps its header's cells, whatever the names hold.
fn assert_tables_whole(md: &str) {
    let cells = |line: &str| {
        let mut cells = 0;
        let mut escaped = false;
        for c in line.chars() {
            match c {
                '\\' if !escaped => escaped = true,
                '|' if !escaped => cells += 1,
                _ => escaped = false,
            }
        }
        cells
    };
    let mut header: Option<usize> = None;
    for line in md.lines() {
        if !line.starts_with("| ") {
            header = None;
            continue;
        }
        let n = cells(line);
        let want = *header.get_or_insert(n);
        assert!(n >= 4, "a table of fewer than 3 cells: {line}");
        assert_eq!(n, want, "a row with the wrong number of cells: {line}");
    }
}

/// Fences and `<details>` blocks all close.
fn assert_balanced(md: &str) {
    let mut fence: Option<String> = None;
    for line in md.lines() {
        let ticks: String = line.chars().take_while(|c| *c == '`').collect();
        match &fence {
            Some(open) if line.trim_end() == open => fence = None,
            None if ticks.len() >= 3 => fence = Some(ticks),
            _ => {}
        }
    }
    assert_eq!(fence, None, "a code block is left open");
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
}

#[test]
fn hostile_names_stay_text_in_markdown() {
    let md = render(render_markdown, &escaping());
    assert_tables_whole(&md);
    assert_balanced(&md);
    // No HTML of the test's own outside code: the only tags are ours.
    let outside_code = strip_code(&md);
    for tag in ["<script", "<img", "<b>", "<@U0"] {
        assert!(!outside_code.contains(tag), "{tag} leaked into:\n{md}");
    }
    assert!(!md.contains('\u{1}') && !md.contains('\u{1b}'));
    assert!(md.contains("tests/a\\|b.py::test\\_pipe\\|x"));
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(md.contains("tests/ünïcödé.py::test\\_日本語\\_✓"));
    // The replay line holds four backticks in a row: its fence has five.
    assert!(
        md.contains("`````sh\npytest '<script>alert(1)</script>'"),
        "{md}"
    );
}

#[test]
fn hostile_names_stay_text_in_html() {
    let html = render(render_html, &escaping());
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"));
    assert!(!html.contains("<b>"));
    assert!(!html.contains('\u{1}') && !html.contains('\u{1b}'));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("x &amp; y &quot;q&quot; &#39;z&#39;::t"));
    assert!(html.contains("tests/ünïcödé.py::test_日本語_✓"));
    // No external resource of any kind.
    for needle in [
        "<img", "<link", "<iframe", "<object", "<a ", "url(", "@import",
    ] {
        assert!(!html.contains(needle), "{needle} in the HTML");
    }
}

#[test]
fn hostile_names_stay_text_in_slack() {
    let doc = slack_json(&escaping());
    let mut texts = Vec::new();
    collect_texts(&doc, &mut texts);
    assert!(!texts.is_empty());
    for text in &texts {
        // Mentions are the only `<…>` Slack may see, and only of real member ids.
        // (A `>` that starts a line is a quote, Slack's own markup.)
        let without_mentions: String = text
            .replace("<@U024BE7LH>", "")
            .lines()
            .map(|l| l.strip_prefix('>').unwrap_or(l))
            .collect();
        assert!(
            !without_mentions.contains('<') && !without_mentions.contains('>'),
            "unescaped markup in {text:?}"
        );
        assert!(!text.contains('\u{1}'), "a control character in {text:?}");
    }
    let all = texts.join("\n");
    assert!(all.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(all.contains("Mallory &lt;@U0&gt; &amp; \"Eve\""), "{all}");
    assert!(!all.contains("<!channel>") && !all.contains("<@!channel>"));
}

fn collect_texts(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match v {
                    serde_json::Value::String(s) if k == "text" => out.push(s.clone()),
                    _ => collect_texts(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_texts(v, out)),
        _ => {}
    }
}

#[test]
fn slack_mentions_the_authors_with_slack_ids() {
    let doc = slack_json(&typical());
    let mut texts = Vec::new();
    collect_texts(&doc, &mut texts);
    let all = texts.join("\n");
    assert!(
        all.contains("*Possibly related changes* by <@U024BE7LH>, <@U0G9QF9C6>, Alan Turing"),
        "{all}"
    );
    assert!(
        doc["text"]
            .as_str()
            .unwrap()
            .starts_with("flaky: 6 failing or flaky tests")
    );
}

fn discord_json(case: &(Report, Context)) -> serde_json::Value {
    serde_json::from_str(&render(render_discord, case)).unwrap()
}

/// The message passes Discord's own checks (the emulator's), and flaky's stricter count: every
/// limit in UTF-16 units. Nobody is mentioned.
fn assert_discord_valid(doc: &serde_json::Value) {
    crate::notify::testserver::check_discord_message(doc)
        .unwrap_or_else(|error| panic!("Discord would refuse it: {error}"));
    let units = |v: &serde_json::Value| v.as_str().map_or(0, |s| s.encode_utf16().count());
    assert!(units(&doc["content"]) <= 2000);
    assert_eq!(doc["allowed_mentions"], serde_json::json!({"parse": []}));
    assert_eq!(doc["username"], "flaky");
    let embeds = doc["embeds"].as_array().unwrap();
    assert!(embeds.len() <= 10);
    let mut total = 0;
    for embed in embeds {
        assert!(units(&embed["title"]) <= 256);
        assert!(units(&embed["description"]) <= 4096);
        assert!(units(&embed["footer"]["text"]) <= 2048);
        total += units(&embed["title"]) + units(&embed["description"]);
        total += units(&embed["footer"]["text"]);
        let fields = embed["fields"].as_array().map_or(&[][..], Vec::as_slice);
        assert!(fields.len() <= 25);
        for field in fields {
            assert!((1..=256).contains(&units(&field["name"])), "{field}");
            assert!((1..=1024).contains(&units(&field["value"])), "{field}");
            total += units(&field["name"]) + units(&field["value"]);
        }
    }
    assert!(total <= 6000, "{total} units of embed text");
}

/// Every text of a Discord message: content, titles, descriptions, field names and values,
/// footers.
fn discord_texts(doc: &serde_json::Value) -> Vec<String> {
    let mut texts = vec![doc["content"].as_str().unwrap().to_owned()];
    for embed in doc["embeds"].as_array().unwrap() {
        for text in [
            &embed["title"],
            &embed["description"],
            &embed["footer"]["text"],
        ] {
            texts.extend(text.as_str().map(str::to_owned));
        }
        for field in embed["fields"].as_array().into_iter().flatten() {
            texts.push(field["name"].as_str().unwrap().to_owned());
            texts.push(field["value"].as_str().unwrap().to_owned());
        }
    }
    texts
}

/// Discord markup outside code spans that no backslash escapes: what a test's text could turn
/// into a link, mention, spoiler, strike or code. (flaky's own `**bold**` is left aside.)
fn unescaped_markup(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut escaped = false;
        let mut in_code = false;
        for c in line.chars() {
            match c {
                '`' if !escaped => in_code = !in_code,
                '<' | '[' | ']' | '|' | '~' | '_' if !escaped && !in_code => {
                    found.push(format!("{c} in {line:?}"));
                }
                _ => {}
            }
            escaped = c == '\\' && !escaped && !in_code;
        }
        assert!(!in_code, "a code span left open in {line:?}");
    }
    found
}

/// Names and messages made of Discord's markup, mentions included.
const DISCORD_HOSTILE: [&str; 6] = [
    "@everyone @here <@123456789012345678> <@&987654321098765432> <#111>",
    "||spoiler|| ~~strike~~ __under__ *it* **bold**",
    "[click](https://evil.example) <https://evil.example> <t:1700000000:R> <:emoji:123>",
    "# heading",
    "- list",
    "> quote `code` ```fence```",
];

fn discord_hostile() -> (Report, Context) {
    let tests = DISCORD_HOSTILE
        .iter()
        .enumerate()
        .map(|(i, id)| {
            stats(
                id,
                10,
                &[(Outcome::Fail, DISCORD_HOSTILE[(i + 1) % 6], 1 + i as u64)],
                false,
            )
        })
        .collect();
    let mut report = base(tests);
    report.command = vec!["sh".into(), "-c".into(), DISCORD_HOSTILE[0].into()];
    let mut ctx = escaping().1;
    if let Some(changes) = &mut ctx.changes {
        changes.commits[0].summary = DISCORD_HOSTILE[2].to_owned();
    }
    (report, ctx)
}

#[test]
fn discord_messages_pass_discords_checks() {
    for case in [
        typical(),
        empty(),
        interrupted(),
        escaping(),
        diagnosed(),
        huge(),
        discord_ci(),
        discord_hostile(),
    ] {
        assert_discord_valid(&discord_json(&case));
    }
}

#[test]
fn hostile_names_stay_text_in_discord() {
    for case in [escaping(), discord_hostile()] {
        let doc = discord_json(&case);
        let texts = discord_texts(&doc);
        for text in &texts {
            assert_eq!(unescaped_markup(text), Vec::<String>::new(), "{text}");
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n'),
                "{text:?}"
            );
        }
        let all = texts.join("\n");
        assert!(!all.contains("\u{202e}") && !all.contains('\u{1b}'));
        // The heading, list and quote markers of names that would start a line are escaped.
        for marker in ["\n# heading", "\n- list", "\n> quote"] {
            assert!(!all.contains(marker), "{marker:?} in {all}");
        }
    }
    let doc = discord_json(&discord_hostile());
    let all = discord_texts(&doc).join("\n");
    assert!(
        all.contains("`@everyone @here <@123456789012345678>"),
        "{all}"
    );
    assert!(
        all.contains(r"\[click\](https://evil.example) \<https://evil.example>"),
        "{all}"
    );
}

/// 500 flaky tests, each failing with a 10 kB message full of markup, with long names.
#[test]
fn discord_oversized_reports_stay_within_every_limit() {
    let message = format!("{}\nsecond line", "*_~|<@1>[x](y) é😀".repeat(600));
    assert!(message.len() > 10_000);
    let tests = (0..500u64)
        .map(|i| {
            let id = format!("tests/test_{i}.py::{}", "test_very_long_name_".repeat(30));
            stats(
                &id,
                100 - (1 + i % 50),
                &[(Outcome::Fail, &message, 1 + i % 50)],
                false,
            )
        })
        .collect();
    let mut report = base(tests);
    report.runs = 100;
    report.command = vec!["pytest".into(), "x".repeat(10_000)];
    report.shard_errors = vec![message.clone(); 3];
    report.shard_retries = vec![message.clone(); 3];
    let (mut ci_report, _) = discord_ci();
    let verdicts = ci_report.ci.take().unwrap().verdicts;
    report.ci = Some(CiSummary {
        retries: 2,
        strict: true,
        verdicts: (0..500)
            .map(|i| CiVerdict {
                test: report.tests[i].id.clone(),
                ..verdicts[i % verdicts.len()].clone()
            })
            .collect(),
        first_run: None,
    });
    let ctx = huge().1;
    let doc = discord_json(&(report, ctx));
    assert_discord_valid(&doc);
    let all = discord_texts(&doc).join("\n");
    for text in discord_texts(&doc) {
        assert_eq!(unescaped_markup(&text), Vec::<String>::new(), "{text}");
    }
    assert!(all.contains("failing or flaky tests"), "{all}");
    let tests = doc["embeds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["title"] == "Worst tests")
        .expect("the tests' embed");
    let shown = tests["fields"].as_array().unwrap().len();
    assert!((1..=10).contains(&shown), "{shown} tests shown");
    assert_eq!(
        tests["footer"]["text"],
        format!("… and {} more failing or flaky tests", 500 - shown)
    );
    assert!(
        all.contains("… and "),
        "the ci verdicts left out are counted: {all}"
    );
}

/// The typical run as `flaky ci` reports it: a real failure, two flaky tests (one new), and a
/// quarantined one whose reason would ping.
fn discord_ci() -> (Report, Context) {
    let (mut report, ctx) = typical();
    let verdict = |test: &str, verdict, rerun_failures, newly_flaky| CiVerdict {
        test: test.to_owned(),
        verdict,
        reruns: 3,
        rerun_failures,
        newly_flaky,
        quarantine: None,
    };
    report.ci = Some(CiSummary {
        retries: 3,
        strict: false,
        verdicts: vec![
            verdict(
                "tests/test_math.py::test_mean_always_fails",
                Verdict::Failed,
                3,
                false,
            ),
            verdict(
                "tests/test_math.py::test_seeded_flaky",
                Verdict::Flaky,
                1,
                true,
            ),
            verdict(
                "tests/test_cache.py::TestCache::test_warm",
                Verdict::Flaky,
                2,
                false,
            ),
            CiVerdict {
                quarantine: Some(QuarantineNote {
                    pattern: "tests/test_db.py::*".to_owned(),
                    reason: "needs the staging database, ask <@&123> or @everyone".to_owned(),
                    owner: Some("@ana".to_owned()),
                    until: Some("2027-01-31".to_owned()),
                }),
                ..verdict(
                    "tests/test_db.py::test_connect",
                    Verdict::Quarantined,
                    3,
                    false,
                )
            },
        ],
        first_run: None,
    });
    report.exit_code = 1;
    (report, ctx)
}

#[test]
fn discord_shows_the_ci_verdicts() {
    let case = discord_ci();
    let doc = discord_json(&case);
    let content = doc["content"].as_str().unwrap();
    assert!(
        content.contains("**verdict:** 1 test failed every rerun"),
        "{content}"
    );
    let ci = &doc["embeds"][1];
    assert_eq!(ci["title"], "flaky ci verdicts");
    let lines: Vec<&str> = ci["description"].as_str().unwrap().lines().collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].starts_with("**FAILED** `tests/test_math.py::test_mean_always_fails`: failed the first run and all 3 reruns"), "{}", lines[0]);
    assert!(lines[3].contains(r"\<@&123> or @everyone"), "{}", lines[3]);
    insta::assert_snapshot!(render(render_discord, &case));
}

#[test]
fn pr_comment_slack_and_html_show_the_ci_verdicts() {
    let case = discord_ci();
    let md = render(render_markdown, &case);
    let table = md
        .split("### flaky ci verdicts")
        .nth(1)
        .expect("a verdicts section");
    let rows: Vec<&str> = table
        .lines()
        .take_while(|l| !l.starts_with("_the suite"))
        .filter(|l| l.starts_with("| "))
        .collect();
    assert_eq!(rows.len(), 6, "a header and 4 verdicts: {table}");
    assert!(
        rows[2].starts_with("| FAILED | `tests/test_math.py::test_mean_always_fails` | failed the first run and all 3 reruns"),
        "{}",
        rows[2]
    );
    assert!(rows[3].starts_with("| FLAKY (NEW) |"), "{}", rows[3]);
    assert!(
        table.contains(
            "_the suite ran once, then each of the 4 tests that failed up to 3 more times._"
        ),
        "{table}"
    );
    assert!(md.find("### flaky ci verdicts") < md.find("**verdict:**"));
    assert_tables_whole(&md);
    assert_balanced(&md);
    insta::assert_snapshot!(md);

    let doc = slack_json(&case);
    let mut texts = Vec::new();
    collect_texts(&doc, &mut texts);
    let verdicts = texts
        .iter()
        .find(|t| t.starts_with("*flaky ci verdicts*"))
        .expect("a verdicts section");
    let lines: Vec<&str> = verdicts.lines().skip(1).collect();
    assert_eq!(lines.len(), 4, "{verdicts}");
    assert!(
        lines[0].starts_with(
            "*FAILED* `tests/test_math.py::test_mean_always_fails` failed the first run"
        ),
        "{}",
        lines[0]
    );
    // The quarantine reason is text: no ping.
    assert!(lines[3].contains("&lt;@&amp;123&gt;"), "{}", lines[3]);

    let html = render(render_html, &case);
    let section = html
        .split("<section id=\"ci\">")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("a verdicts section");
    assert_eq!(section.matches("<tr><td class=\"nowrap\">").count(), 4);
    assert!(
        section.contains("<td class=\"nowrap\">QUARANTINED</td>"),
        "{section}"
    );
    assert!(section.contains("&lt;@&amp;123&gt;"), "{section}");
}

#[test]
fn thousands_of_ci_verdicts_stay_within_every_limit() {
    let (mut report, ctx) = huge();
    let (mut ci_report, _) = discord_ci();
    let verdicts = ci_report.ci.take().unwrap().verdicts;
    report.ci = Some(CiSummary {
        retries: 3,
        strict: false,
        verdicts: (0..3000)
            .map(|i| CiVerdict {
                test: report.tests[i].id.clone(),
                ..verdicts[i % verdicts.len()].clone()
            })
            .collect(),
        first_run: None,
    });
    let case = (report, ctx);
    let md = render(render_markdown, &case);
    assert!(
        md.chars().count() < 65_536,
        "{} characters",
        md.chars().count()
    );
    assert!(
        md.contains("more verdicts, in `flaky report"),
        "the rest are counted"
    );
    assert!(md.contains("**verdict:**"));
    assert_tables_whole(&md);
    assert_balanced(&md);

    let doc = slack_json(&case);
    assert!(doc["blocks"].as_array().unwrap().len() <= 50);
    let mut texts = Vec::new();
    collect_texts(&doc, &mut texts);
    assert!(texts.iter().all(|t| t.chars().count() <= 3000));
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("*flaky ci verdicts*") && t.contains("… and "))
    );
}

/// The ids JUnit readers rebuild from `classname::name`: every test's, control characters aside.
fn ids_back(xml: &str) -> BTreeSet<String> {
    crate::parse::junit::parse(xml.as_bytes())
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

fn xml_safe(id: &str) -> String {
    id.chars().filter(|c| !c.is_control()).collect()
}

#[test]
fn junit_round_trips_through_our_parser() {
    for (report, _) in [typical(), escaping(), interrupted(), empty()] {
        let xml = junit(&report);
        let want: BTreeSet<String> = report.tests.iter().map(|t| xml_safe(&t.id)).collect();
        assert_eq!(ids_back(&xml), want);
    }
    let (report, _) = typical();
    let results = crate::parse::junit::parse(junit(&report).as_bytes()).unwrap();
    let outcomes = |id: &str| -> Vec<Outcome> {
        results
            .iter()
            .filter(|r| r.id == id)
            .map(|r| r.outcome)
            .collect()
    };
    // Always failing: the failure, then its reruns (the rest of its first way, and its second
    // way), no pass. Flaky: its failures, then the pass that ended it.
    assert_eq!(
        outcomes("tests/test_math.py::test_mean_always_fails"),
        [Outcome::Fail, Outcome::Fail, Outcome::Fail]
    );
    assert_eq!(
        outcomes("tests/test_db.py::test_connect"),
        [Outcome::Error, Outcome::Error]
    );
    assert_eq!(
        outcomes("tests/test_win.py::test_only_on_windows"),
        [Outcome::Skip]
    );
    assert_eq!(
        outcomes("tests/test_math.py::test_seeded_flaky"),
        [Outcome::Fail, Outcome::Fail, Outcome::Pass]
    );
    assert_eq!(
        outcomes("tests/test_net.py::test_fetch_is_quick"),
        [Outcome::Timeout, Outcome::Timeout, Outcome::Pass]
    );
    assert_eq!(outcomes("tests/test_math.py::test_add"), [Outcome::Pass]);
}

#[test]
fn junit_counts_and_properties() {
    let (report, _) = typical();
    let xml = junit(&report);
    assert!(xml.contains(r#"<testsuite name="flaky" tests="12" failures="1" errors="1" skipped="1" time="12.345" timestamp="2023-11-14T22:13:20">"#), "{xml}");
    assert!(xml.contains(r#"<property name="run_id" value="41cedd9fa11d"/>"#));
    assert!(xml.contains(r#"<property name="command" value="python3 -m pytest"/>"#));
    assert_eq!(xml.matches("<testcase ").count(), 12);
    assert_eq!(xml.matches("<flakyFailure ").count(), 6);
    assert_eq!(xml.matches("<failure ").count(), 1);
    assert_eq!(xml.matches("<rerunFailure ").count(), 2);
    assert_eq!(xml.matches("<error ").count(), 1);
    assert_eq!(xml.matches("<rerunError ").count(), 1);
    assert_eq!(xml.matches("<skipped/>").count(), 1);
}

#[test]
fn huge_reports_stay_bounded() {
    let case = huge();
    let md = render(render_markdown, &case);
    assert!(
        md.chars().count() < 65_536,
        "{} characters",
        md.chars().count()
    );
    assert!(md.contains("… and 2950 more failing or flaky tests"));
    assert_eq!(md.lines().filter(|l| l.starts_with("| tests/")).count(), 50);
    assert_tables_whole(&md);
    assert_balanced(&md);
    let gh = render(render_github, &case);
    assert!(gh.len() < 65_536);

    let html = render(render_html, &case);
    assert!(html.len() < 2_000_000, "{} bytes", html.len());
    assert_eq!(html.matches("<rect ").count(), 50);
    assert_eq!(html.matches("<tr><td class=\"name\">").count(), 500);
    assert!(html.contains("… and 9500 more tests, not shown"));

    let doc = slack_json(&case);
    let blocks = doc["blocks"].as_array().unwrap();
    assert!(blocks.len() <= 50);
    assert!(blocks[0]["text"]["text"].as_str().unwrap().chars().count() <= 150);
    let mut texts = Vec::new();
    collect_texts(&doc, &mut texts);
    assert!(texts.iter().all(|t| t.chars().count() <= 3000));

    let xml = junit(&case.0);
    assert_eq!(xml.matches("<testcase ").count(), 10_000);
    assert_eq!(ids_back(&xml).len(), 10_000);
}

#[test]
fn markdown_cuts_whole_sections_under_the_comment_limit() {
    // Names and replay lines so long that even 50 rows and five replays cannot all fit.
    let long = "x".repeat(3_000);
    let tests = (0..200)
        .map(|i| {
            stats(
                &format!("{long}{i}"),
                30,
                &[(Outcome::Fail, &long, 10)],
                false,
            )
        })
        .collect();
    let mut report = base(tests);
    report.failures = report
        .tests
        .iter()
        .take(5)
        .map(|t| sample(Some(&t.id), 1, &long, &"y".repeat(20_000)))
        .collect();
    let md = render(render_markdown, &(report, Context::default()));
    assert!(
        md.chars().count() < 65_536,
        "{} characters",
        md.chars().count()
    );
    assert!(md.contains("was left out to stay under GitHub's 65536-character limit"));
    assert!(md.contains("**verdict:** 200 tests at or above LOW"));
    assert_tables_whole(&md);
    assert_balanced(&md);
}

#[test]
fn html_trend_with_one_point_says_so() {
    let html = render(render_html, &interrupted());
    assert!(html.contains("one run: no trend yet"));
    assert_eq!(html.matches("<circle ").count(), 1);
    let html = render(render_html, &typical());
    assert_eq!(html.matches("<circle ").count(), 8);
    assert_eq!(html.matches("<polyline ").count(), 2);
}

/// Writes the typical report's HTML and JUnit XML for `scripts/check-html.sh` and
/// `scripts/check-junit.sh`, into `$FLAKY_RENDER_CHECK_DIR` (default `target/report-check`).
#[test]
#[ignore = "writes files for scripts/check-html.sh and scripts/check-junit.sh"]
fn write_reports_for_checks() {
    let dir = std::env::var_os("FLAKY_RENDER_CHECK_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/report-check"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).unwrap();
    let case = typical();
    std::fs::write(dir.join("report.html"), render(render_html, &case)).unwrap();
    std::fs::write(dir.join("report.md"), render(render_markdown, &case)).unwrap();
    std::fs::write(dir.join("report.xml"), junit(&case.0)).unwrap();
    std::fs::write(dir.join("escaping.xml"), junit(&escaping().0)).unwrap();
    std::fs::write(dir.join("slack.json"), render(render_slack, &case)).unwrap();
    // Not checked by the scripts; there to look at.
    for (name, case) in [
        ("escaping", escaping()),
        ("interrupted", interrupted()),
        ("empty", empty()),
        ("huge", huge()),
    ] {
        std::fs::write(dir.join(format!("{name}.html")), render(render_html, &case)).unwrap();
        std::fs::write(
            dir.join(format!("{name}.md")),
            render(render_markdown, &case),
        )
        .unwrap();
    }
}

#[test]
fn quoted_code_is_split_from_text() {
    let parts: Vec<(bool, &str)> = split_code("reads `shared`, which `set()` changes").collect();
    assert_eq!(
        parts,
        [
            (false, "reads "),
            (true, "shared"),
            (false, ", which "),
            (true, "set()"),
            (false, " changes")
        ]
    );
    // A backtick without a partner is text.
    let parts: Vec<(bool, &str)> = split_code("a `b` c ` d").collect();
    assert_eq!(parts, [(false, "a "), (true, "b"), (false, " c ` d")]);
    assert_eq!(split_code("").count(), 0);
    // As CommonMark reads them: a run closes only on a run of its own length, and one space
    // each side is padding.
    let parts: Vec<(bool, &str)> =
        split_code("``fetch(`/u/${id}`)`` calls, then `` `x` `` and ``` a``b ```").collect();
    assert_eq!(
        parts,
        [
            (true, "fetch(`/u/${id}`)"),
            (false, " calls, then "),
            (true, "`x`"),
            (false, " and "),
            (true, "a``b"),
        ]
    );
    // Unclosed runs of every length are text, whatever their number.
    let runs: String = (1..=40).map(|n| format!("{} x ", "`".repeat(n))).collect();
    assert_eq!(
        split_code(&runs).collect::<Vec<_>>(),
        [(false, runs.as_str())]
    );
    assert_eq!(split_code("`  `").collect::<Vec<_>>(), [(true, "  ")]);
}

#[test]
fn quoted_code_reads_back_as_written() {
    assert_eq!(quote_code("now()"), "`now()`");
    assert_eq!(quote_code("fetch(`/u`)"), "``fetch(`/u`)``");
    assert_eq!(quote_code("`x`"), "`` `x` ``");
    assert_eq!(quote_code(" a"), "`  a `");
    for code in [
        "now()",
        "fetch(`/u/${id}`)",
        "`tpl`",
        "a``b```c",
        " lead",
        "trail ",
        "  ",
        "<script>|x</script>",
    ] {
        let quoted = format!("{} then", quote_code(code));
        let parts: Vec<(bool, &str)> = split_code(&quoted).collect();
        assert_eq!(parts, [(true, code), (false, " then")], "{quoted}");
    }
}

#[test]
fn excerpt_tails_keep_the_last_lines_each_bounded() {
    let pytest = "=== test session starts ===\nplatform linux -- Python 3.11\n\ncollected 0 items\n\n=== no tests ran in 0.01s ===\n";
    assert_eq!(
        tail_lines(pytest, 2),
        "collected 0 items\n=== no tests ran in 0.01s ==="
    );
    assert_eq!(tail_lines("one\n", 3), "one");
    assert_eq!(tail_lines("\n \n", 3), "");
    // A long line is cut on a character, never inside one.
    let long = format!("é{}", "ü".repeat(400));
    let cut = tail_lines(&format!("first\n{long}"), 1);
    assert_eq!(cut, format!("é{}…", "ü".repeat(299)));
    assert_eq!(tail_lines(&"x".repeat(300), 1), "x".repeat(300));
}

fn attempt_record(index: u32, shuffled: bool, failed: bool) -> AttemptRecord {
    AttemptRecord {
        index,
        seed: u64::from(index),
        order_seed: shuffled.then_some(u64::from(index)),
        outcome: if failed { Outcome::Fail } else { Outcome::Pass },
        exit_code: Some(i32::from(failed)),
        signal: None,
        duration_ms: 5,
        infrastructure: None,
        infrastructure_rule: None,
        alone: false,
    }
}

/// google/uuid: a test leaves an exhausted reader behind, and whichever test reads it next
/// panics. 7 of 10 shuffled attempts fail, none of the 10 that kept the order, each time in
/// another test: no test alone is order-dependent, the suite is.
#[test]
fn the_suite_is_order_dependent_when_only_shuffled_attempts_fail() {
    let mut report = base(vec![stats(
        "uuid::TestNew",
        14,
        &[(Outcome::Fail, "panic: EOF", 3)],
        false,
    )]);
    report.attempts = (0..20)
        .map(|i| attempt_record(i, i % 2 == 1, i % 2 == 1 && i < 15))
        .collect();
    let note = markdown::suite_order_note(&report).expect("a note");
    assert!(
        note.starts_with("All 7 failing attempts were shuffled ones (7 of 10; none of the 10 that kept the order)"),
        "{note}"
    );
    // One failure with the order kept: nothing says the order matters.
    report.attempts[0] = attempt_record(0, false, true);
    assert_eq!(markdown::suite_order_note(&report), None);
}

/// Attempts that exited non-zero with every test passing are said to fail outside the tests, in
/// every format.
#[test]
fn attempts_failing_outside_their_tests_are_noted() {
    let (mut report, ctx) = typical_without_failures();
    report.totals.failed_outside_tests = 3;
    let case = (report, ctx);
    let mut table = Vec::new();
    render_table(&case.0, false, None, &mut table).unwrap();
    let renderers: [Render; 3] = [render_markdown, render_html, render_slack];
    let texts = renderers.map(|f| render(f, &case));
    for text in texts.iter().chain([&String::from_utf8(table).unwrap()]) {
        assert!(
            text.contains("3 of 42 attempts exited non-zero though none of their tests failed"),
            "{text}"
        );
    }
    let (report, ctx) = typical_without_failures();
    assert!(!render(render_markdown, &(report, ctx)).contains("exited non-zero"));
}

/// The terminal report shows each diagnosis with its experiments and repro; a report without
/// diagnoses has no such section, and its JSON no `diagnoses` key (older readers see no change).
#[test]
fn diagnoses_show_in_the_terminal_and_the_json() {
    let (report, _) = diagnosed();
    let mut table = Vec::new();
    render_table(&report, false, None, &mut table).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("Diagnoses (flaky diagnose):"), "{table}");
    assert!(
        table.contains(
            "    order: fails after `tests/test_registry.py::test_register_item` and never alone (0/9)\n"
        ),
        "{table}"
    );
    assert!(
        table.contains(
            "      alone: the test alone, -j 1, new seeds: 0/9 failed: never failed alone"
        )
    );
    assert!(
        table.contains("      repro:\n        FLAKY_SEED=1983630875 "),
        "{table}"
    );
    let mut json = Vec::new();
    render_json(&report, &mut json).unwrap();
    let back = read_json(std::str::from_utf8(&json).unwrap()).unwrap();
    assert_eq!(back.diagnoses, report.diagnoses);

    let (plain, _) = typical();
    let mut table = Vec::new();
    render_table(&plain, false, None, &mut table).unwrap();
    assert!(!String::from_utf8(table).unwrap().contains("Diagnoses"));
    let mut json = Vec::new();
    render_json(&plain, &mut json).unwrap();
    assert!(!String::from_utf8(json).unwrap().contains("\"diagnoses\""));
}

/// The x-axis labels of the HTML trend (the texts under its ticks).
fn trend_ticks(html: &str) -> Vec<String> {
    let trend = &html[html.find("<section id=\"trend\">").unwrap()..];
    let trend = &trend[..trend.find("</section>").unwrap()];
    trend
        .lines()
        .filter(|l| l.contains("stroke=\"#868e96\"/><text") && l.contains("y2=\"215\""))
        .map(|l| {
            let text = &l[l.rfind("\">").unwrap() + 2..];
            text[..text.find("</text>").unwrap()].to_owned()
        })
        .collect()
}

#[test]
fn html_trend_labels_runs_by_time_within_a_day_and_by_date_across_days() {
    let mut case = typical();
    assert_eq!(
        trend_ticks(&render(render_html, &case)),
        ["2023-11-07", "2023-11-09", "2023-11-11", "2023-11-14"],
        "eight days"
    );
    let spaced = |case: &mut (Report, Context), secs: u64| {
        for (i, p) in case.1.trend.iter_mut().enumerate() {
            p.started_at = at(secs * i as u64);
        }
    };
    spaced(&mut case, 600);
    assert_eq!(
        trend_ticks(&render(render_html, &case)),
        ["22:13", "22:33", "22:53", "23:23"],
        "ten minutes apart"
    );
    assert!(render(render_html, &case).contains("run (oldest to newest), from 2023-11-14 UTC"));
    spaced(&mut case, 5);
    assert_eq!(
        trend_ticks(&render(render_html, &case)),
        ["22:13:20", "22:13:30", "22:13:40", "22:13:55"]
    );
    spaced(&mut case, 0);
    assert_eq!(
        trend_ticks(&render(render_html, &case)),
        ["run 1", "run 3", "run 5", "run 8"],
        "started in one second"
    );
}

#[test]
fn durations_read_as_people_write_them() {
    let cases = [
        (45, "45 ms"),
        (999, "999 ms"),
        (1_000, "1 s"),
        (1_200, "1.2 s"),
        (8_990, "8.99 s"),
        (9_996, "10 s"),
        (12_540, "12.5 s"),
        (59_960, "1 min"),
        (125_000, "2 min 05 s"),
        (300_000, "5 min"),
        (3_599_600, "1 h"),
        (3_780_000, "1 h 03 min"),
        (7_200_000, "2 h"),
    ];
    for (ms, text) in cases {
        assert_eq!(duration_text(Duration::from_millis(ms)), text, "{ms} ms");
    }
    assert_eq!(duration_text(Duration::from_nanos(1)), "1 ns");
    assert_eq!(duration_text(Duration::from_micros(250)), "250 µs");
}

/// With many tests, the stop line counts where their rates settled instead of naming each.
#[test]
fn a_settled_stop_counts_where_the_rates_settled() {
    let (mut report, _) = typical();
    report.stopped = Some(Stopped {
        until: "settled".into(),
        reason: "settled".into(),
        max_runs: 1000,
        saved: 958,
    });
    let mut out = Vec::new();
    render_table(&report, false, None, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("\nstopped after 42 attempts (958 of the 1000 allowed saved): every test's failure rate settled: 5 below the settle floor, 2 above 90%, 4 on one side of each band boundary (10%, 50%, 90%)\n"), "{text}");
}

/// The per-test table fits the terminal: at 160 columns a long id is cut from the left and keeps
/// its test's name; at 80, where the names do not fit beside the numbers, each id has a line of
/// its own. Every row stays one line.
#[test]
fn the_table_fits_the_terminal_and_keeps_each_test_name() {
    let long = "tests/integration/checkout/payments/test_payment_providers.py::TestStripeWebhooks::test_a_retried_refund_webhook_is_recorded_once";
    let report = base(vec![
        stats(long, 30, &[(Outcome::Fail, "AssertionError", 10)], false),
        stats("tests/test_math.py::test_add", 40, &[], false),
        stats(
            "src/cart.test.ts::cart > totals > rounds half cents up",
            38,
            &[(Outcome::Fail, "expected 3", 2)],
            true,
        ),
    ]);
    let names = [
        "test_a_retried_refund_webhook_is_recorded_once",
        "test_math.py::test_add",
        "rounds half cents up",
    ];
    let table_at = |width: usize| {
        let mut out = Vec::new();
        render_table(&report, false, Some(width), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let rows: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with(['┌', '│', '╞', '└']))
            .map(str::to_owned)
            .collect();
        for row in &rows {
            assert!(
                console::measure_text_width(row) <= width,
                "wider than {width}: {row}\n{text}"
            );
        }
        for name in names {
            assert!(rows.iter().any(|r| r.contains(name)), "{name}\n{text}");
        }
        rows
    };

    // The header keeps its facts on one line: a long command is cut at its end.
    let mut long_command = report.clone();
    long_command.command = vec![
        "python3".into(),
        "-m".into(),
        "pytest".into(),
        "tests/integration/checkout/payments/test_payment_providers.py".into(),
    ];
    let mut out = Vec::new();
    render_table(&long_command, false, Some(120), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let header = text.lines().next().unwrap();
    assert_eq!(console::measure_text_width(header), 120, "{header}");
    assert!(
        header.starts_with("flaky: 42 attempts of python3 -m pytest tes…"),
        "{header}"
    );
    assert!(header.contains("…"), "{header}");
    assert!(
        header.ends_with(&format!("run {}", report.run_id)),
        "{header}"
    );
    let mut out = Vec::new();
    render_table(&long_command, false, None, &mut out).unwrap();
    let whole = String::from_utf8(out).unwrap();
    assert!(
        whole.contains("test_payment_providers.py (pytest"),
        "{whole}"
    );

    let wide = table_at(160);
    // Header, a row per test, borders: one line each.
    assert_eq!(wide.len(), 3 + 4, "{wide:#?}");
    assert!(wide[1].starts_with("│ TEST "), "{wide:#?}");
    assert!(
        wide.iter().any(|r| r.starts_with("│ …")
            && r.contains(
                "::TestStripeWebhooks::test_a_retried_refund_webhook_is_recorded_once ┆"
            )),
        "{wide:#?}"
    );
    assert!(
        wide.iter()
            .any(|r| r.starts_with("│ tests/test_math.py::test_add ")),
        "{wide:#?}"
    );

    let narrow = table_at(80);
    // The TEST column goes; each id stands on its own line above its numbers.
    assert!(narrow[1].starts_with("│ RUNS ┆ FAILED"), "{narrow:#?}");
    assert_eq!(narrow.len(), 3 + 2 * 3 + 1, "{narrow:#?}");
    assert!(narrow[3].starts_with("│ …"), "{narrow:#?}");
    assert!(narrow[3].ends_with("_is_recorded_once │"), "{narrow:#?}");
    assert!(narrow[4].starts_with("│   40 ┆     10 ┆"), "{narrow:#?}");

    // Without a width (not a terminal) the table is as wide as its rows.
    let mut out = Vec::new();
    render_table(&report, false, None, &mut out).unwrap();
    assert!(
        String::from_utf8(out)
            .unwrap()
            .contains(&format!("│ {long} ┆"))
    );
}

#[test]
fn many_stable_tests_are_counted_not_listed() {
    let rows_of = |stable: usize, skipped: bool| {
        let mut tests = vec![stats(
            "tests/test_api.py::test_login",
            20,
            &[(Outcome::Fail, "AssertionError", 3)],
            false,
        )];
        tests.extend(
            (0..stable).map(|i| stats(&format!("tests/test_api.py::test_{i}"), 20, &[], false)),
        );
        if skipped {
            tests.push(stats("tests/test_api.py::test_skipped", 0, &[], false));
        }
        let mut out = Vec::new();
        render_table(&base(tests), false, None, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    // Ten stable tests: a row each.
    let text = rows_of(10, false);
    assert_eq!(text.matches("│ tests/test_api.py::").count(), 11, "{text}");
    assert!(!text.contains("not listed"), "{text}");
    // Eleven, and one skipped in every attempt: only the test that failed has a row.
    let text = rows_of(11, true);
    assert_eq!(text.matches("│ tests/test_api.py::").count(), 1, "{text}");
    assert!(text.contains("│ tests/test_api.py::test_login "), "{text}");
    assert!(
        text.contains(
            "11 stable tests and 1 skipped in every attempt not listed, no failure in 20 runs each (`--format json` lists every test)"
        ),
        "{text}"
    );
}

/// The page of `flaky diagnose --format html`: the captured diagnoses and a hostile one.
#[test]
fn diagnose_page_html() {
    let mut captured: crate::diagnose::DiagnoseReport = serde_json::from_str(include_str!(
        "../../tests/fixtures/diagnose/pytest-example.json"
    ))
    .unwrap();
    captured.run_id = HOSTILE[1].to_owned();
    captured.tests = diagnosed().0.diagnoses;
    let mut out = Vec::new();
    render_diagnoses_html(&captured, &mut out).unwrap();
    let html = String::from_utf8(out).unwrap();
    assert!(!html.contains("<script"), "{html}");
    insta::assert_snapshot!(html);
}
