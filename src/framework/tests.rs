//! Recognition, detection on fixture trees, and the flags each driver adds.

use std::path::Path;

use super::*;

fn argv(s: &str) -> Vec<String> {
    shlex::split(s).unwrap()
}

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn detected(dir: &Path) -> Vec<(String, Framework)> {
    detect(dir)
        .into_iter()
        .map(|d| {
            (
                d.root.strip_prefix(dir).unwrap().display().to_string(),
                d.framework,
            )
        })
        .collect()
}

#[test]
fn commands_are_recognised_through_runners() {
    let empty = tempfile::tempdir().unwrap();
    let cases = [
        ("pytest -q tests/", Some(Framework::Pytest)),
        ("python -m pytest", Some(Framework::Pytest)),
        ("/usr/bin/python3.11 -m pytest -x", Some(Framework::Pytest)),
        ("uv run pytest", Some(Framework::Pytest)),
        ("poetry run python -m pytest", Some(Framework::Pytest)),
        ("python -m unittest", None),
        ("go test ./...", Some(Framework::Go)),
        ("go build ./...", None),
        ("npx jest --ci", Some(Framework::Jest)),
        ("npx --yes vitest run", Some(Framework::Vitest)),
        ("node_modules/.bin/mocha", Some(Framework::Mocha)),
        ("node --test test/", Some(Framework::Node)),
        ("c8 --100 -r lcov node --test", Some(Framework::Node)),
        ("npx nyc --reporter text mocha", Some(Framework::Mocha)),
        ("cross-env NODE_ENV=test jest", Some(Framework::Jest)),
        ("c8 --100", None),
        ("c8 -c .c8rc.json node --test", Some(Framework::Node)),
        ("node server.js", None),
        ("cargo test --workspace", Some(Framework::Cargo)),
        ("cargo nextest run", Some(Framework::Nextest)),
        ("bundle exec rspec spec/", Some(Framework::Rspec)),
        ("vendor/bin/phpunit", Some(Framework::Phpunit)),
        ("env FOO=1 pytest", Some(Framework::Pytest)),
        ("make test", None),
        ("./run-tests.sh", None),
    ];
    for (cmd, expected) in cases {
        assert_eq!(
            recognise(&argv(cmd), empty.path()).map(|r| r.framework),
            expected,
            "{cmd}"
        );
    }
}

#[test]
fn npm_scripts_are_resolved_and_run_directly_when_simple() {
    let dir = tree(&[(
        "package.json",
        r#"{"scripts": {"test": "jest --ci", "test:unit": "vitest run --reporter=dot", "e2e": "npm run build && mocha", "lint": "eslint ."}}"#,
    )]);
    let r = recognise(&argv("npm test"), dir.path()).unwrap();
    assert_eq!(
        (r.framework, r.argv, r.script.as_deref()),
        (Framework::Jest, argv("jest --ci"), Some("test"))
    );
    let r = recognise(&argv("npm run test:unit -- --bail 1"), dir.path()).unwrap();
    assert_eq!(
        (r.framework, r.argv),
        (
            Framework::Vitest,
            argv("vitest run --reporter=dot --bail 1")
        )
    );
    let r = recognise(&argv("yarn test:unit"), dir.path()).unwrap();
    assert_eq!(r.framework, Framework::Vitest);
    // Shell syntax stays with npm; flaky's flags go after `--`.
    let r = recognise(&argv("npm run e2e"), dir.path()).unwrap();
    assert_eq!(
        (r.framework, r.argv),
        (Framework::Mocha, argv("npm run e2e --"))
    );
    assert!(
        r.note.unwrap().contains("reach `mocha`, the last command"),
        "the note says why the script runs as written"
    );
    let dir = tree(&[(
        "package.json",
        r#"{"scripts": {"test": "jest && eslint ."}}"#,
    )]);
    let note = recognise(&argv("npm test"), dir.path())
        .unwrap()
        .note
        .unwrap();
    assert!(note.contains("cannot reach jest"), "{note}");
    assert_eq!(recognise(&argv("npm run lint"), dir.path()), None);
    assert_eq!(recognise(&argv("npm run missing"), dir.path()), None);
}

#[test]
fn vitest_through_an_npm_script_gets_its_flags_after_the_scripts_dashes() {
    // `npm test` whose script has shell syntax (unjs/ufo: `pnpm lint && vitest run --typecheck`)
    // runs through npm: `run` went in front of `npm` and the run could not start.
    let dir = tree(&[]);
    let ids = vec!["test/a.test.ts::b > c".to_owned()];
    let c = ctx(dir.path(), Some(5), Some(&ids));
    let p = Framework::Vitest.driver().prepare(&argv("npm test --"), &c);
    assert_eq!(&p.argv[..3], &argv("npm test --")[..]);
    assert!(p.argv.iter().all(|w| w != "run"), "{:?}", p.argv);
    assert!(
        p.argv.contains(&"test/a.test.ts".to_owned()),
        "{:?}",
        p.argv
    );
}

#[test]
fn every_framework_is_detected_from_its_markers() {
    let dir = tree(&[
        (
            "py/pyproject.toml",
            "[tool.pytest.ini_options]\naddopts = '-q'\n",
        ),
        ("go/go.mod", "module example.com/x\n\ngo 1.19\n"),
        (
            "jest/package.json",
            r#"{"devDependencies": {"jest": "^29"}, "scripts": {"test": "jest"}}"#,
        ),
        (
            "vitest/package.json",
            r#"{"devDependencies": {"vitest": "^3"}}"#,
        ),
        ("vitest/vitest.config.ts", "export default {}"),
        ("mocha/package.json", r#"{"scripts": {"test": "mocha"}}"#),
        ("mocha/.mocharc.yml", "spec: test\n"),
        (
            "node/package.json",
            r#"{"scripts": {"test": "node --test"}}"#,
        ),
        ("rust/Cargo.toml", "[package]\nname = \"demo\"\n"),
        ("nextest/Cargo.toml", "[package]\nname = \"n\"\n"),
        ("nextest/.config/nextest.toml", "[profile.ci]\n"),
        ("ruby/.rspec", "--require spec_helper\n"),
        ("ruby/spec/spec_helper.rb", ""),
        ("php/phpunit.xml.dist", "<phpunit/>"),
        ("none/README.md", "nothing here"),
    ]);
    assert_eq!(
        detected(dir.path()),
        [
            ("go".to_owned(), Framework::Go),
            ("jest".to_owned(), Framework::Jest),
            ("mocha".to_owned(), Framework::Mocha),
            ("nextest".to_owned(), Framework::Cargo),
            ("nextest".to_owned(), Framework::Nextest),
            ("node".to_owned(), Framework::Node),
            ("php".to_owned(), Framework::Phpunit),
            ("py".to_owned(), Framework::Pytest),
            ("ruby".to_owned(), Framework::Rspec),
            ("rust".to_owned(), Framework::Cargo),
            ("vitest".to_owned(), Framework::Vitest),
        ]
    );
    // fastify's packages: the test script runs other scripts, one of which runs node:test
    // behind c8.
    let fastify = tree(&[(
        "package.json",
        r#"{"scripts": {"test": "npm run test:unit && npm run test:typescript", "test:unit": "c8 --100 node --test", "test:typescript": "tstyche"}}"#,
    )]);
    let found = detect(fastify.path());
    assert_eq!(found.len(), 1);
    assert_eq!(
        (&found[0].evidence, &found[0].command),
        (
            &vec!["package.json scripts.test:unit runs node --test".to_owned()],
            &argv("npm run test:unit")
        )
    );
    let r = recognise(&argv("npm run test:unit"), fastify.path()).unwrap();
    assert_eq!(
        (r.framework, r.argv),
        (Framework::Node, argv("c8 --100 node --test"))
    );
    // A script that runs `node x.js` is not node:test; `npm run -s` and `yarn X` are followed.
    let generated = tree(&[(
        "package.json",
        r#"{"scripts": {"test": "npm run -s gen && yarn unit", "gen": "node scripts/gen.js", "unit": "jest"}, "devDependencies": {"jest": "^29"}}"#,
    )]);
    let found = detect(generated.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].framework, &found[0].command),
        (Framework::Jest, &argv("npm run unit"))
    );
    // node names its test files in a script run through npm: flaky's flags cannot reach it.
    let files = tree(&[(
        "package.json",
        r#"{"scripts": {"test": "tsc && node --test test/"}}"#,
    )]);
    let r = recognise(&argv("npm test"), files.path()).unwrap();
    assert!(
        r.note
            .as_deref()
            .unwrap()
            .contains("node takes options only before them"),
        "{:?}",
        r.note
    );
    let go = detect(&dir.path().join("go"));
    assert_eq!(go[0].evidence, ["go.mod (module example.com/x)"]);
    assert_eq!(go[0].command, argv("go test ./..."));
    assert_eq!(go[0].install, Some(argv("go mod download")));
}

#[test]
fn a_monorepo_yields_each_package_and_skips_dependencies() {
    let dir = tree(&[
        (
            "package.json",
            r#"{"workspaces": ["packages/*"], "devDependencies": {"jest": "^29"}}"#,
        ),
        (
            "packages/api/package.json",
            r#"{"devDependencies": {"vitest": "^3"}, "scripts": {"test": "vitest run"}}"#,
        ),
        (
            "packages/web/package.json",
            r#"{"devDependencies": {"jest": "^29"}}"#,
        ),
        (
            "node_modules/jest/package.json",
            r#"{"devDependencies": {"mocha": "^10"}}"#,
        ),
        ("services/worker/go.mod", "module w\n"),
        ("tools/lint/pyproject.toml", "[project]\nname = 'lint'\n"),
    ]);
    assert_eq!(
        detected(dir.path()),
        [
            (String::new(), Framework::Jest),
            ("packages/api".to_owned(), Framework::Vitest),
            ("packages/web".to_owned(), Framework::Jest),
            ("services/worker".to_owned(), Framework::Go),
        ]
    );
}

#[test]
fn ambiguous_projects() {
    // Both jest and vitest: both are reported; the test script says which one runs.
    let both = tree(&[(
        "package.json",
        r#"{"devDependencies": {"jest": "^29", "vitest": "^3"}, "scripts": {"test": "vitest run"}}"#,
    )]);
    let found = detect(both.path());
    let names: Vec<Framework> = found.iter().map(|d| d.framework).collect();
    assert_eq!(names, [Framework::Jest, Framework::Vitest]);
    assert_eq!(found[0].command, argv("npx jest"));
    assert_eq!(found[1].command, argv("npm test"));
    assert!(
        found[1]
            .evidence
            .contains(&"package.json scripts.test runs vitest".to_owned())
    );

    // A pyproject that never names pytest and has no tests is not a pytest project...
    let plain = tree(&[("pyproject.toml", "[project]\nname = 'x'\n")]);
    assert!(detect(plain.path()).is_empty());
    // ...but with test files pytest would collect, it is, and the evidence says why.
    let with_tests = tree(&[
        ("pyproject.toml", "[project]\nname = 'x'\n"),
        ("tests/test_x.py", "def test(): pass\n"),
    ]);
    let found = detect(with_tests.path());
    assert_eq!(found.len(), 1);
    assert!(
        found[0].evidence[0].contains("nothing declares pytest"),
        "{:?}",
        found[0].evidence
    );
    // pytest-randomly is called out.
    let randomly = tree(&[("requirements-dev.txt", "pytest\npytest-randomly\n")]);
    let found = detect(randomly.path());
    assert!(
        found[0]
            .evidence
            .iter()
            .any(|e| e.contains("pytest-randomly")),
        "{:?}",
        found[0].evidence
    );
    assert_eq!(
        found[0].install,
        Some(argv("pip install -r requirements-dev.txt"))
    );
}

fn ctx<'a>(dir: &'a Path, shuffle: Option<u64>, select: Option<&'a [String]>) -> AttemptCtx<'a> {
    AttemptCtx {
        dir,
        support: Path::new("/support"),
        project: Path::new("/p"),
        index: 1,
        shuffle,
        select,
        with_report: true,
        batch: None,
    }
}

fn prepared(
    fw: Framework,
    cmd: &str,
    shuffle: Option<u64>,
    select: Option<&[String]>,
) -> (String, ReportSource) {
    let p = fw
        .driver()
        .prepare(&argv(cmd), &ctx(Path::new("/a"), shuffle, select));
    (p.argv.join(" "), p.report)
}

#[test]
fn drivers_add_reporter_order_and_selection_flags() {
    let file = |f: &str| ReportSource::File(Path::new("/a").join(f));
    let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    type Case<'a> = (
        Framework,
        &'a str,
        Option<u64>,
        Option<Vec<String>>,
        &'a str,
        ReportSource,
    );
    let cases: Vec<Case> = vec![
        (
            Framework::Pytest,
            "pytest -q --junitxml=old.xml",
            Some(9),
            Some(ids(&["tests/t.py::test_a"])),
            "pytest -q --junitxml=/a/report.xml -o junit_family=xunit1 -p no:cacheprovider -p no:randomly -p flaky_pytest tests/t.py::test_a",
            file("report.xml"),
        ),
        (
            // The ids replace the test paths; option values stay; an id is never an option.
            Framework::Pytest,
            "python3 -m pytest tests/ -k slow tests/t.py::test_b -p xdist",
            None,
            Some(ids(&["tests/t.py::test_a", "--basetemp=/home"])),
            "python3 -m pytest -k slow -p xdist --junitxml=/a/report.xml -o junit_family=xunit1 -p no:cacheprovider -p no:randomly -p flaky_pytest tests/t.py::test_a ./--basetemp=/home",
            file("report.xml"),
        ),
        (
            Framework::Go,
            "go test -run TestOld -tags integration ./... -args -v",
            None,
            Some(ids(&["m/p::TestA", "m/q::TestB"])),
            "go test -json -count=1 -shuffle=off -run ^(TestA|TestB)$ -tags integration m/p m/q -args -v",
            ReportSource::Stdout {
                merge_stderr: false,
            },
        ),
        (
            // `(package)` is the package itself: selected by the package, with no -run.
            Framework::Go,
            "go test ./...",
            None,
            Some(ids(&["m/p::(package)"])),
            "go test -json -count=1 -shuffle=off m/p",
            ReportSource::Stdout {
                merge_stderr: false,
            },
        ),
        (
            Framework::Jest,
            "npx jest __tests__ --maxWorkers 2",
            None,
            Some(ids(&["-a/[id].test.js::x > y"])),
            "npx jest --maxWorkers 2 --json --outputFile=/a/report.json --cacheDirectory=/support/jest-cache /\\-a/\\[id\\]\\.test\\.js$ -t ^(x y)$",
            file("report.json"),
        ),
        (
            // A jest-junit report without files: the name alone, the command's paths kept.
            Framework::Jest,
            "jest __tests__",
            None,
            Some(ids(&["checkout charges the card"])),
            "jest __tests__ --json --outputFile=/a/report.json --cacheDirectory=/support/jest-cache -t ^(checkout charges the card)$",
            file("report.json"),
        ),
        (
            Framework::Vitest,
            "vitest run test/ --root .",
            None,
            Some(ids(&["test/a.test.ts::outer > inner > it (1)"])),
            "vitest run --root . --reporter=json --outputFile=/a/report.json test/a.test.ts -t ^(outer inner it \\(1\\))$",
            file("report.json"),
        ),
        (
            Framework::Mocha,
            "mocha --spec test/ test/extra.js --timeout 500",
            None,
            Some(ids(&[
                "test/a.test.js::cart adds (2)",
                "test/b.test.js::x > y",
            ])),
            "mocha --timeout 500 --reporter json --reporter-option output=/a/report.json test/a.test.js test/b.test.js --grep ^(cart adds \\(2\\)|x y)$",
            file("report.json"),
        ),
        (
            Framework::Cargo,
            "cargo test -p core old_filter -- --test-threads 1 other",
            None,
            Some(ids(&["src/lib.rs::tests::adds"])),
            "cargo test -p core --no-fail-fast -- --test-threads 1 --exact -- tests::adds",
            ReportSource::Stdout { merge_stderr: true },
        ),
        (
            Framework::Go,
            "go test -count=3 ./... -v",
            Some(9),
            Some(ids(&["m/p::TestA", "m/q::TestB/sub", "m/p::TestA/x"])),
            "go test -json -count=1 -shuffle=9 -run ^(TestA|TestB)$ -v m/p m/q",
            ReportSource::Stdout {
                merge_stderr: false,
            },
        ),
        (
            Framework::Go,
            "go test ./...",
            None,
            None,
            "go test -json -count=1 -shuffle=off ./...",
            ReportSource::Stdout {
                merge_stderr: false,
            },
        ),
        (
            Framework::Jest,
            "jest --ci --json --outputFile x.json --watch",
            Some(9),
            Some(ids(&["__tests__/a.test.js::cart > adds (1+1)"])),
            "jest --ci --json --outputFile=/a/report.json --cacheDirectory=/support/jest-cache --randomize --seed=9 /__tests__/a\\.test\\.js$ -t ^(cart adds \\(1\\+1\\))$",
            file("report.json"),
        ),
        (
            Framework::Vitest,
            "vitest --reporter=dot",
            Some(9),
            None,
            "vitest run --reporter=json --outputFile=/a/report.json --sequence.shuffle --sequence.seed=9",
            file("report.json"),
        ),
        (
            Framework::Vitest,
            "npx vitest run",
            None,
            None,
            "npx vitest run --reporter=json --outputFile=/a/report.json",
            file("report.json"),
        ),
        (
            Framework::Mocha,
            "mocha --reporter spec",
            None,
            None,
            "mocha --reporter json --reporter-option output=/a/report.json",
            file("report.json"),
        ),
        (
            Framework::Node,
            "node --test test/",
            None,
            None,
            "node --test-reporter=spec --test-reporter-destination=stdout --test-reporter=/support/node/flaky-reporter.mjs --test-reporter-destination=/a/report.jsonl --test test/",
            file("report.jsonl"),
        ),
        (
            // The selected files replace the command's; every name on a test's path is in the
            // pattern (node runs a subtest only when its parent matches), and each run of
            // consecutive names (a name may hold ` > `).
            Framework::Node,
            "node --require ./setup.js --test --test-concurrency 1 test/ -x",
            None,
            Some(ids(&[
                "test/a.test.js::suite > inner > case (1)",
                "-odd.test.js::suite > other",
            ])),
            "node --test-reporter=spec --test-reporter-destination=stdout --test-reporter=/support/node/flaky-reporter.mjs --test-reporter-destination=/a/report.jsonl --test-name-pattern=^(suite|suite > inner|suite > inner > case \\(1\\)|inner|inner > case \\(1\\)|case \\(1\\)|suite > other|other)$ --require ./setup.js --test --test-concurrency 1 -x test/a.test.js ./-odd.test.js",
            file("report.jsonl"),
        ),
        (
            // Behind c8, node's options still go right after `node`.
            Framework::Node,
            "c8 --100 node --test test/a.test.js",
            None,
            None,
            "c8 --100 node --test-reporter=spec --test-reporter-destination=stdout --test-reporter=/support/node/flaky-reporter.mjs --test-reporter-destination=/a/report.jsonl --test test/a.test.js",
            file("report.jsonl"),
        ),
        (
            // Through npm (a script with shell syntax): everything goes at the end.
            Framework::Node,
            "npm test --",
            None,
            Some(ids(&["test/a.test.js::case"])),
            "npm test -- --test-reporter=spec --test-reporter-destination=stdout --test-reporter=/support/node/flaky-reporter.mjs --test-reporter-destination=/a/report.jsonl --test-name-pattern=^(case)$ test/a.test.js",
            file("report.jsonl"),
        ),
        (
            Framework::Cargo,
            "cargo test -q -- --nocapture",
            None,
            Some(ids(&["src/lib.rs::tests::adds", "tests/it.rs::works"])),
            "cargo test --no-fail-fast -- --nocapture --exact -- tests::adds works",
            ReportSource::Stdout { merge_stderr: true },
        ),
        (
            Framework::Cargo,
            "cargo test -- --shuffle-seed 3 -Z unstable-options --test-threads 1",
            Some(9),
            Some(ids(&["src/lib.rs::tests::adds"])),
            "cargo test --no-fail-fast --lib --bins --tests --config=target.'cfg(all())'.runner=[\"env\",\"RUSTC_BOOTSTRAP=1\"] -- --test-threads 1 -Z unstable-options --shuffle-seed 9 --exact -- tests::adds",
            ReportSource::Stdout { merge_stderr: true },
        ),
        (
            Framework::Nextest,
            "cargo nextest run --profile ci",
            None,
            None,
            "cargo nextest run --no-fail-fast --tool-config-file=flaky:/a/nextest.toml --profile flaky:flaky",
            file("junit.xml"),
        ),
        (
            Framework::Rspec,
            "rspec --format documentation",
            Some(9),
            None,
            "rspec --format progress --format json --out /a/report.json --order rand:9",
            file("report.json"),
        ),
        (
            Framework::Rspec,
            "rspec",
            None,
            None,
            "rspec --format progress --format json --out /a/report.json --order defined",
            file("report.json"),
        ),
        (
            Framework::Phpunit,
            "phpunit --order-by=defects",
            Some(9),
            Some(ids(&["A\\BTest::testX"])),
            "phpunit --log-junit /a/report.xml --order-by=random --random-order-seed=9 --filter /^(?:A\\\\BTest::testX)( with data set .*)?$/",
            file("report.xml"),
        ),
    ];
    for (fw, cmd, shuffle, select, expected, report) in cases {
        assert_eq!(
            prepared(fw, cmd, shuffle, select.as_deref()),
            (expected.to_owned(), report),
            "{fw}: {cmd}"
        );
    }
}

#[test]
fn replay_lines_leave_the_report_plumbing_out() {
    let c = AttemptCtx {
        with_report: false,
        batch: None,
        ..ctx(Path::new("/a"), Some(5), None)
    };
    assert_eq!(
        Framework::Go
            .driver()
            .prepare(&argv("go test ./..."), &c)
            .argv
            .join(" "),
        "go test -count=1 -shuffle=5 ./..."
    );
    let p = Framework::Pytest.driver().prepare(&argv("pytest"), &c);
    assert_eq!(
        p.argv.join(" "),
        "pytest -p no:cacheprovider -p no:randomly -p flaky_pytest"
    );
    assert!(
        p.env
            .contains(&("FLAKY_ORDER_SEED".to_owned(), "5".to_owned()))
    );
    let replay = Framework::Nextest
        .driver()
        .prepare(&argv("cargo nextest run"), &c);
    assert!(replay.files.is_empty());
    assert!(
        !replay.env.iter().any(|(k, _)| k == "NEXTEST_DOUBLE_SPAWN"),
        "a replay line runs nextest as the user does"
    );
}

#[test]
fn nextest_attempts_start_tests_without_the_double_spawn_unless_the_user_chose() {
    let p = Framework::Nextest.driver().prepare(
        &argv("cargo nextest run"),
        &ctx(Path::new("/a"), None, None),
    );
    let set = p.env.iter().find(|(k, _)| k == "NEXTEST_DOUBLE_SPAWN");
    match std::env::var_os("NEXTEST_DOUBLE_SPAWN") {
        None => assert_eq!(set.map(|(_, v)| v.as_str()), Some("0")),
        Some(_) => assert_eq!(set, None, "the user's own setting is left alone"),
    }
}

#[test]
fn helpers() {
    assert_eq!(regex_escape("a.b(c)*"), "a\\.b\\(c\\)\\*");
    assert_eq!(
        exact_alternation(&["x".into(), "y.z".into()]),
        "^(x|y\\.z)$"
    );
    assert_eq!(
        strip_flags(
            &argv("a --json -o x --out=y b"),
            &["--json"],
            &["-o", "--out"]
        ),
        argv("a b")
    );
    assert_eq!(
        split_ids(&["f.js::a".into(), "f.js::b".into(), "g::c".into()]),
        (Some(argv("f.js g")), argv("a b c"))
    );
    assert_eq!(
        split_ids(&["f.js::a".into(), "b".into()]),
        (None, argv("a b")),
        "without every file, selecting by files would leave tests out"
    );
    assert_eq!(
        without_positionals(&argv("jest a -c cfg.js b --ci -- c"), 1, &["-c"], |_| true),
        argv("jest -c cfg.js --ci")
    );
    assert_eq!(path_arg("-x/t.js"), "./-x/t.js");
    assert_eq!(Framework::parse("node:test"), Some(Framework::Node));
    assert_eq!(Framework::parse("JEST"), Some(Framework::Jest));
    assert_eq!(Framework::parse("junit5"), None);
}

#[test]
fn pytest_ids_from_an_xunit2_report_find_their_file() {
    let dir = tree(&[("tests/test_x.py", ""), ("tests/Unit/test_y.py", "")]);
    let id = |guess: &str| Framework::Pytest.driver().selection_id(guess, dir.path());
    // A class whose name starts in lower case was taken for a module.
    assert_eq!(
        id("tests/test_x/describe_cart.py::test_a"),
        "tests/test_x.py::describe_cart::test_a"
    );
    assert_eq!(
        id("tests/test_x.py::C::test_a"),
        "tests/test_x.py::C::test_a"
    );
    assert_eq!(
        id("tests/Unit/test_y.py::test_b"),
        "tests/Unit/test_y.py::test_b"
    );
    // Nothing found: the guess stays.
    assert_eq!(id("other/test_z.py::test_c"), "other/test_z.py::test_c");
}

#[test]
fn a_plain_pytest_project_is_found_by_its_virtualenv() {
    let dir = tree(&[
        ("tests/test_app.py", "def test_a():\n    pass\n"),
        (".venv/bin/python", ""),
        (".venv/lib/python3.11/site-packages/pytest/__init__.py", ""),
    ]);
    let found = detect(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].framework, Framework::Pytest);
    assert_eq!(
        found[0].evidence,
        [
            ".venv/lib/python3.11/site-packages/pytest (the project's virtualenv has pytest)",
            "tests/test_*.py (pytest collects them, though nothing declares pytest)"
        ]
    );
    assert_eq!(found[0].command, argv(".venv/bin/python -m pytest"));
    // A virtualenv without pytest: test files alone say nothing, and its python is not used.
    let dir = tree(&[
        ("tests/test_app.py", ""),
        ("pyproject.toml", "[project]\nname = \"x\"\n"),
        (".venv/bin/python", ""),
        (
            ".venv/lib/python3.11/site-packages/requests/__init__.py",
            "",
        ),
    ]);
    let found = detect(dir.path());
    assert_eq!(found[0].command, argv("python3 -m pytest"));
}

#[test]
fn node_tools_in_node_modules_run_without_npx_and_jest_keeps_its_cache_across_runs() {
    let project = tree(&[
        ("node_modules/.bin/jest", ""),
        ("node_modules/.bin/vitest", ""),
    ]);
    let c = AttemptCtx {
        project: project.path(),
        ..ctx(Path::new("/run/attempt-3"), None, None)
    };
    let run = |fw: Framework, cmd: &str| fw.driver().prepare(&argv(cmd), &c).argv.join(" ");
    assert_eq!(
        run(Framework::Jest, "npx --yes jest --ci"),
        "jest --ci --json --outputFile=/run/attempt-3/report.json --cacheDirectory=/support/jest-cache"
    );
    assert_eq!(
        run(Framework::Vitest, "pnpm exec vitest"),
        "vitest run --reporter=json --outputFile=/run/attempt-3/report.json"
    );
    // Not installed: npx finds it.
    assert!(run(Framework::Mocha, "npx mocha").starts_with("npx mocha "));
    // The user's own cache, by flag or by config, is left alone.
    assert!(!run(Framework::Jest, "jest --no-cache").contains("--cacheDirectory"));
    assert!(!run(Framework::Jest, "jest --cacheDirectory /c").contains("jest-cache"));
    std::fs::write(
        project.path().join("jest.config.js"),
        "module.exports = { cacheDirectory: '/c' };",
    )
    .unwrap();
    assert!(!run(Framework::Jest, "jest").contains("--cacheDirectory"));
}

#[test]
fn old_jest_keeps_its_order_and_old_mocha_reports_on_stdout() {
    let pkg = |name: &str, version: &str| {
        (
            format!("node_modules/{name}/package.json"),
            format!("{{\"name\": \"{name}\", \"version\": \"{version}\"}}"),
        )
    };
    let files = [pkg("jest", "29.1.2"), pkg("mocha", "5.2.0")];
    let old = tree(
        &files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect::<Vec<_>>(),
    );
    assert_eq!(installed_version(old.path(), "jest"), Some((29, 1)));
    assert_eq!(
        Framework::Jest
            .driver()
            .cannot_shuffle_in(old.path())
            .as_deref(),
        Some("jest 29.1 has no --randomize and --seed (jest 29.2 and later)")
    );
    let driven = crate::config::drive(
        &argv("jest"),
        &argv("jest"),
        old.path(),
        None,
        false,
        None,
        Some(crate::exec::OrderMode::Alternate),
    )
    .unwrap();
    assert_eq!(driven.order, crate::exec::OrderMode::Same);
    assert!(
        driven.notes[0].contains("jest 29.1 has no --randomize"),
        "{:?}",
        driven.notes
    );

    let c = AttemptCtx {
        project: old.path(),
        ..ctx(Path::new("/a"), None, None)
    };
    let p = Framework::Mocha.driver().prepare(&argv("mocha"), &c);
    assert_eq!(p.argv.join(" "), "mocha --reporter json");
    assert_eq!(
        p.report,
        ReportSource::Stdout {
            merge_stderr: false
        }
    );

    let new = tree(&[(
        "node_modules/jest/package.json",
        "{\"version\": \"29.7.0\"}",
    )]);
    assert_eq!(Framework::Jest.driver().cannot_shuffle_in(new.path()), None);
}

#[test]
fn skips_outside_a_selection_are_left_out() {
    use crate::model::{Outcome, TestResult};
    let r = |id: &str, outcome| TestResult {
        id: id.to_owned(),
        outcome,
        duration: Default::default(),
        message: None,
    };
    let mut results = vec![
        r("a.test.js::suite > picked", Outcome::Pass),
        r("a.test.js::suite > other", Outcome::Skip),
        r("a.test.js::suite > picked > inner", Outcome::Skip),
        r("b.test.js::lacks the file", Outcome::Skip),
        r("tests/t.py::test_x[1]", Outcome::Skip),
        r("tests/t.py::test_xy", Outcome::Skip),
        r("a.test.js::failed anyway", Outcome::Fail),
    ];
    let select = [
        "a.test.js::suite > picked".to_owned(),
        "lacks the file".to_owned(),
        "tests/t.py::test_x".to_owned(),
    ];
    let mut every = results.clone();
    every.extend([
        r("a.test.js::suite", Outcome::Error),
        r("c.test.js::(file)", Outcome::Error),
    ]);
    drop_unselected(&mut results, &select, false);
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "a.test.js::suite > picked",
            "a.test.js::suite > picked > inner",
            "b.test.js::lacks the file",
            "tests/t.py::test_x[1]",
            "a.test.js::failed anyway",
        ]
    );
    // node: tests that ran beside the selection go too, but not a file's failure nor a failing
    // suite around a selected test.
    drop_unselected(&mut every, &select, true);
    let ids: Vec<&str> = every.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "a.test.js::suite > picked",
            "a.test.js::suite > picked > inner",
            "b.test.js::lacks the file",
            "tests/t.py::test_x[1]",
            "a.test.js::suite",
            "c.test.js::(file)",
        ]
    );
}

/// A command's own name filter (`jest -t`, `vitest -t`, `mocha --grep`, `node
/// --test-name-pattern`) is the user's choice of tests: kept, unless flaky selects tests itself.
#[test]
fn the_commands_own_name_filter_is_kept_unless_flaky_selects() {
    let selected = vec!["t/a.test.js::suite > b".to_owned()];
    for (fw, cmd, filter) in [
        (
            Framework::Jest,
            "jest -t 'charges the card'",
            "-t charges the card",
        ),
        (Framework::Vitest, "vitest run -t card", "-t card"),
        (Framework::Mocha, "mocha --grep card", "--grep card"),
        (
            Framework::Node,
            "node --test --test-name-pattern=card",
            "--test-name-pattern=card",
        ),
    ] {
        let (kept, _) = prepared(fw, cmd, None, None);
        assert!(kept.contains(filter), "{fw:?}: {kept}");
        let (replaced, _) = prepared(fw, cmd, None, Some(&selected));
        assert!(!replaced.contains(filter), "{fw:?}: {replaced}");
    }
}
