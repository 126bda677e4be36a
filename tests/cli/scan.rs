//! `flaky scan` as a user runs it: formats, exit status, --ignore, comments that silence a
//! finding, SARIF checked against the SARIF 2.1.0 schema, broken files (bad flags are in the
//! catalogue).

use std::path::Path;

use crate::Sandbox;

const SLEEPY_TEST: &str =
    "import time\n\n\ndef test_waits():\n    time.sleep(0.5)\n    assert True\n";
const CLEAN_TEST: &str = "def test_adds():\n    assert 1 + 1 == 2\n";

fn scan_json(sb: &Sandbox, args: &[&str]) -> (serde_json::Value, i32) {
    let out = sb
        .flaky()
        .args(["scan", "--format", "json"])
        .args(args)
        .output()
        .expect("flaky scan runs");
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (doc, out.status.code().expect("exit code"))
}

fn categories(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["category"].as_str().expect("category").to_owned())
        .collect()
}

#[test]
fn a_fixed_sleep_is_found_with_its_place_test_and_fix() {
    let sb = Sandbox::new();
    sb.write("tests/test_wait.py", SLEEPY_TEST);
    sb.write("tests/test_clean.py", CLEAN_TEST);
    let (doc, code) = scan_json(&sb, &["--fail-on", "none"]);
    assert_eq!(code, 0);
    assert_eq!(doc["schema_version"], 2);
    assert_eq!(doc["files_scanned"], 2);
    assert_eq!(doc["test_files"], 2);
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{doc:#}");
    let f = &findings[0];
    assert_eq!(f["category"], "sleep");
    assert_eq!(f["file"], "tests/test_wait.py");
    assert_eq!(f["line"], 5);
    assert_eq!(f["column"], 5);
    assert_eq!(f["test"], "test_waits");
    assert_eq!(f["excerpt"], "time.sleep(0.5)");
    assert!(!f["hint"].as_str().expect("hint").is_empty());
}

#[test]
fn the_exit_status_follows_fail_on() {
    let sb = Sandbox::new();
    sb.write("tests/test_wait.py", SLEEPY_TEST);
    let (doc, _) = scan_json(&sb, &["--fail-on", "none"]);
    let severity = doc["findings"][0]["severity"]
        .as_str()
        .expect("severity")
        .to_owned();
    for (fail_on, expected) in [
        ("none", 0),
        ("low", 1),
        (severity.as_str(), 1),
        ("critical", 0),
    ] {
        let (_, code) = scan_json(&sb, &["--fail-on", fail_on]);
        assert_eq!(
            code, expected,
            "--fail-on {fail_on} with one {severity} finding"
        );
    }
    let clean = Sandbox::new();
    clean.write("tests/test_clean.py", CLEAN_TEST);
    let (_, code) = scan_json(&clean, &["--fail-on", "low"]);
    assert_eq!(code, 0);
}

#[test]
fn ignore_globs_and_comments_silence_findings() {
    let sb = Sandbox::new();
    sb.write("tests/legacy/test_old.py", SLEEPY_TEST);
    sb.write(
        "tests/test_silenced.py",
        "import time\n\n\ndef test_a():\n    time.sleep(0.5)  # flaky: ignore\n\n\ndef test_b():\n    # flaky: ignore[sleep]\n    time.sleep(0.5)\n\n\ndef test_c():\n    # flaky: ignore[clock]\n    time.sleep(0.5)\n\n\ndef test_d():\n    time.sleep(0.5)  # flaky: ignore[fixed-sleep]\n\n\ndef test_e():\n    time.sleep(0.5)  # flaky: ignore[py/fixed-sleep] (the id before rules were shared)\n\n\ndef test_f():\n    time.sleep(0.5)  # flaky: ignore[fixed-slep]\n",
    );
    let (doc, _) = scan_json(&sb, &["--fail-on", "none", "--ignore", "tests/legacy/**"]);
    let findings = doc["findings"].as_array().expect("findings");
    let tests: Vec<&str> = findings.iter().filter_map(|f| f["test"].as_str()).collect();
    assert_eq!(
        tests,
        ["test_c", "test_f"],
        "only comments for another category or no rule leave them: {doc:#}"
    );
    assert_eq!(doc["files_scanned"], 1);
    // The misspelt rule silences nothing, and the scan says so where the comment is.
    assert_eq!(
        doc["warnings"],
        serde_json::json!([{
            "file": "tests/test_silenced.py",
            "line": 27,
            "message": "`flaky: ignore[fixed-slep]` names no rule or category, so it silences nothing; did you mean `fixed-sleep`?",
        }])
    );
    let out = sb
        .flaky()
        .args(["scan", "--fail-on", "none", "--ignore", "tests/legacy/**"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("warning: tests/test_silenced.py:27: `flaky: ignore[fixed-slep]`"),
        "{text}"
    );
}

#[test]
fn the_table_names_file_line_category_and_fix() {
    let sb = Sandbox::new();
    sb.write("tests/test_wait.py", SLEEPY_TEST);
    let out = sb
        .flaky()
        .args(["scan", "--fail-on", "none"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("tests/test_wait.py\n"), "{text}");
    assert!(text.contains("   5:5   "), "{text}");
    assert!(text.contains("sleep"), "{text}");
    assert!(text.contains("in test test_waits"), "{text}");
    assert!(text.contains("│ time.sleep(0.5)"), "{text}");
    assert!(text.contains("fix: "), "{text}");
    assert!(text.contains("1 finding ("), "{text}");
}

/// Validates a SARIF file against the SARIF 2.1.0 schema with Python's jsonschema (which
/// scripts/test.sh installs into the test virtualenv).
fn assert_valid_sarif(path: &Path) {
    let schema =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan/sarif-schema-2.1.0.json");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             doc = json.load(open(sys.argv[1])); schema = json.load(open(sys.argv[2]))\n\
             jsonschema.Draft7Validator.check_schema(schema)\n\
             errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=str)\n\
             print('\\n'.join(f'{list(e.absolute_path)}: {e.message}' for e in errors[:20]))\n\
             sys.exit(1 if errors else 0)",
        ])
        .arg(path)
        .arg(&schema)
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named 'jsonschema'"),
        "jsonschema is missing: run the tests with scripts/test.sh, which installs it"
    );
    assert!(
        out.status.success(),
        "SARIF does not validate:\n{}{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan");
    let sb = Sandbox::new();
    let sarif = sb.path().join("out.sarif");
    let out = sb
        .flaky()
        .args(["scan", "--format", "sarif", "--fail-on", "none", "--output"])
        .arg(&sarif)
        .arg(&fixtures)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sarif).expect("written")).expect("JSON");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    assert!(
        results.len() >= 20,
        "the fixtures hold many smells: {}",
        results.len()
    );
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    for r in results {
        let i = r["ruleIndex"].as_u64().expect("index") as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        assert!(r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64() > Some(0));
    }
    assert_valid_sarif(&sarif);
    // An empty scan is valid SARIF too, and so is one whose comment silences nothing (the run's
    // notification, with its place).
    let sb = Sandbox::new();
    let path = sb.path().join("out.sarif");
    let scan_to_path = || {
        sb.flaky()
            .args(["scan", "--format", "sarif", "--output"])
            .arg(&path)
            .assert()
            .code(0);
        assert_valid_sarif(&path);
    };
    scan_to_path();
    sb.write(
        "tests/test_x.py",
        "def test_x():\n    pass  # flaky: ignore[nope]\n",
    );
    scan_to_path();
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("written")).expect("JSON");
    let notes = &doc["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes[0]["level"], "warning", "{doc:#}");
    assert_eq!(notes[0]["descriptor"]["id"], "unknown-suppression");
    let place = &notes[0]["locations"][0]["physicalLocation"];
    assert_eq!(place["artifactLocation"]["uri"], "tests/test_x.py");
    assert_eq!(place["region"]["startLine"], 2);
}

#[test]
fn a_broken_file_is_scanned_as_far_as_it_parses() {
    let sb = Sandbox::new();
    sb.write(
        "tests/test_broken.py",
        "import time\n\ndef test_half(:\n    time.sleep(1)\n\ndef test_ok():\n    time.sleep(2)\n",
    );
    sb.write("tests/test_binary.py", "\u{0}\u{1}\u{2}\u{fffd}");
    let (doc, code) = scan_json(&sb, &["--fail-on", "none"]);
    assert_eq!(code, 0);
    assert_eq!(doc["files_scanned"], 2);
    assert!(categories(&doc).contains(&"sleep".to_owned()), "{doc:#}");
}

/// The inputs that aborted `flaky scan` with a stack overflow (exit 134): a JavaScript test
/// file holding a 1,500-level object literal, and a Go package whose functions call each other
/// in a ring and whose test reads a variable defined by itself. Both are scanned, and the exit
/// status is the findings' (none here).
#[test]
fn deep_nesting_and_recursive_calls_are_scanned_not_a_crash() {
    let sb = Sandbox::new();
    let depth = 1500;
    let object = format!("{}0{}", "{ n: 1, next: ".repeat(depth), " }".repeat(depth));
    sb.write(
        "web/config.test.js",
        &format!(
            "const config = {object};\n\ntest('reads the config', () => {{\n  expect(config.n).toBe(1);\n}});\n"
        ),
    );
    sb.write("deep/go.mod", "module example.com/deep\n\ngo 1.21\n");
    sb.write(
        "deep/ring.go",
        "package deep\n\nfunc Even(n int) bool {\n\tif n == 0 {\n\t\treturn true\n\t}\n\treturn Odd(n - 1)\n}\n\nfunc Odd(n int) bool {\n\tif n == 0 {\n\t\treturn false\n\t}\n\treturn Even(n - 1)\n}\n\nfunc Down(n int) int {\n\tif n == 0 {\n\t\treturn 0\n\t}\n\treturn Down(n - 1)\n}\n",
    );
    sb.write(
        "deep/ring_test.go",
        "package deep\n\nimport (\n\t\"testing\"\n\t\"time\"\n)\n\nfunc TestRing(t *testing.T) {\n\td := time.Duration(Down(3))\n\tfor i := 0; i < 2; i++ {\n\t\td := d\n\t\tif d > time.Second {\n\t\t\tt.Fatal(d)\n\t\t}\n\t}\n\tif !Even(4) || Odd(4) {\n\t\tt.Fatal(\"parity\")\n\t}\n}\n",
    );
    let (doc, code) = scan_json(&sb, &[]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["files_scanned"], 3, "{doc:#}");
    assert_eq!(
        doc["findings"].as_array().expect("findings").len(),
        0,
        "{doc:#}"
    );
    assert!(doc.get("errors").is_none(), "{doc:#}");
    let tests: Vec<&str> = doc["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .map(|t| t["display"].as_str().expect("display"))
        .collect();
    assert_eq!(tests, ["TestRing", "reads the config"], "{doc:#}");
}

/// Context a plain scan hides (a process run to its end) is left out before repeats fold, so
/// it never stands for, and hides, a finding of the same rule that is shown.
#[test]
fn hidden_context_does_not_fold_away_a_shown_finding() {
    let sb = Sandbox::new();
    sb.write(
        "tests/test_srv.py",
        "import subprocess\n\n\ndef test_server():\n    subprocess.run([\"git\", \"init\"], check=True)\n    proc = subprocess.Popen([\"python\", \"-m\", \"http.server\"])\n    proc.terminate()\n",
    );
    let (doc, _) = scan_json(&sb, &["--fail-on", "none"]);
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{doc:#}");
    assert_eq!(findings[0]["rule"], "subprocess");
    assert_eq!(findings[0]["line"], 6);
    assert_eq!(findings[0]["context"], false);
}

/// Three draws in one test are one finding that counts the others; `--every` shows each.
#[test]
fn repeats_in_one_test_are_one_finding_unless_every_is_asked() {
    let sb = Sandbox::new();
    sb.write(
        "tests/test_draws.py",
        "import random\n\n\ndef test_draws():\n    a = random.random()\n    b = random.randint(1, 6)\n    c = random.choice('xyz')\n    assert a < 1 and b and c\n",
    );
    let (doc, _) = scan_json(&sb, &["--fail-on", "none"]);
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{doc:#}");
    assert_eq!(findings[0]["rule"], "unseeded-random");
    assert_eq!(findings[0]["line"], 5);
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("(and 2 more like it in this test)"),
        "{doc:#}"
    );
    let (doc, _) = scan_json(&sb, &["--fail-on", "none", "--every"]);
    let lines: Vec<u64> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [5, 6, 7], "{doc:#}");
    // A helper the test reaches folds its repeats the same way.
    sb.write(
        "tests/helpers.py",
        "import time\n\n\ndef settle():\n    time.sleep(0.1)\n    time.sleep(0.2)\n",
    );
    sb.write(
        "tests/test_draws.py",
        "from helpers import settle\n\n\ndef test_settles():\n    settle()\n",
    );
    let (doc, _) = scan_json(&sb, &["--fail-on", "none"]);
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{doc:#}");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("(and 1 more like it in this function)"),
        "{doc:#}"
    );
}

#[test]
fn rules_are_listed_and_explained_by_their_ids_old_and_new() {
    let sb = Sandbox::new();
    let out = sb.flaky().args(["scan", "--list-rules"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("fixed-sleep"), "{text}");
    assert!(text.contains("32 rules;"), "{text}");
    let out = sb
        .flaky()
        .args(["scan", "--list-rules", "--format", "json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 32);
    for name in ["unordered-iteration", "go/map-order", "map-order"] {
        let out = sb
            .flaky()
            .args(["scan", "--explain", name])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with("# unordered-iteration (unordered)"),
            "{text}"
        );
        assert!(text.contains("## Fix"), "{text}");
    }
    // A part of an id, or an id misspelt.
    for typed in ["sleep", "fixed-slep"] {
        let out = sb
            .flaky()
            .args(["scan", "--explain", typed])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("did you mean fixed-sleep?"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A random draw in the code under test is what that code is for: shown with `--every` (and as
/// a likely cause of a test measured flaky), not by default.
#[test]
fn random_values_of_the_code_under_test_are_context() {
    let sb = Sandbox::new();
    sb.write(
        "dice.py",
        "import random\n\n\ndef roll():\n    return random.randint(1, 6)\n",
    );
    sb.write(
        "tests/test_dice.py",
        "from dice import roll\n\n\ndef test_roll_is_a_face():\n    assert 1 <= roll() <= 6\n",
    );
    let (doc, _) = scan_json(&sb, &["--fail-on", "none"]);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0, "{doc:#}");
    let (doc, _) = scan_json(&sb, &["--fail-on", "none", "--every"]);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{doc:#}");
    assert_eq!(findings[0]["rule"], "unseeded-random");
    assert_eq!(findings[0]["file"], "dice.py");
}

/// A script in a test directory that holds no test and no hook (a benchmark, a demo) counts only
/// where a test reaches it.
#[test]
fn a_script_in_the_test_directory_without_tests_is_not_test_code() {
    let sb = Sandbox::new();
    sb.write(
        "test/benchmark.js",
        "const start = Date.now();\nfor (let i = 0; i < 1e6; i++) Math.random();\nconsole.log(Date.now() - start);\n",
    );
    sb.write(
        "test/ids.test.js",
        "test('ids differ', () => {\n  expect(Math.random()).not.toBe(Math.random());\n});\n",
    );
    let (doc, _) = scan_json(&sb, &["--fail-on", "none"]);
    let files: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["test/ids.test.js"], "{doc:#}");
}

/// The seed in a Go test's failure message decides nothing, and fastrand's draws after
/// `fastrand::seed` are seeded.
#[test]
fn seeds_in_messages_and_seeded_fastrand_are_not_smells() {
    let sb = Sandbox::new();
    sb.write(
        "seed_test.go",
        "package x\n\nimport (\n\t\"os\"\n\t\"strconv\"\n\t\"testing\"\n)\n\nfunc TestSeed(t *testing.T) {\n\ts := os.Getenv(\"GO_TEST_SEED\")\n\tn, err := strconv.ParseInt(s, 10, 64)\n\tif err != nil {\n\t\tt.Fatalf(\"GO_TEST_SEED=%q: %v\", s, err)\n\t}\n\t_ = n\n}\n",
    );
    sb.write(
        "tests/draws.rs",
        "#[test]\nfn draws() {\n    fastrand::seed(7);\n    assert!(fastrand::u32(..) < u32::MAX);\n}\n",
    );
    let (doc, _) = scan_json(&sb, &["--fail-on", "none"]);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0, "{doc:#}");
}

/// A "free port" picked by binding port 0 and closing the socket again is free only until then.
#[test]
fn a_free_port_picked_and_released_is_a_fixed_port() {
    let sb = Sandbox::new();
    sb.write(
        "tests/test_port.py",
        "import socket\n\n\ndef free_port():\n    with socket.socket() as s:\n        s.bind((\"127.0.0.1\", 0))\n        return s.getsockname()[1]\n\n\ndef test_kept():\n    s = socket.socket()\n    s.bind((\"127.0.0.1\", 0))\n    serve(s)\n",
    );
    let (doc, _) = scan_json(&sb, &["--fail-on", "none"]);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{doc:#}");
    assert_eq!(findings[0]["rule"], "fixed-port");
    assert_eq!(findings[0]["line"], 6);
}

/// `jest.mock('axios')` and `jest.mock('child_process')` in a test file fake those modules for
/// the code under test the tests call, too.
#[test]
fn a_module_mock_covers_the_code_under_test() {
    let sb = Sandbox::new();
    sb.write(
        "src/client.js",
        "const axios = require('axios');\nconst { spawn } = require('child_process');\nasync function user(id) { return (await axios.get(`https://api.example.com/users/${id}`)).data; }\nfunction branch() { return spawn('git', ['branch', '--show-current']); }\nmodule.exports = { user, branch };\n",
    );
    let test = "const { user, branch } = require('../src/client');\ntest('loads a user', async () => {\n  expect(await user(1)).toBeDefined();\n});\ntest('reads the branch', () => {\n  expect(branch()).toBeDefined();\n});\n";
    sb.write("__tests__/client.test.js", test);
    let (doc, _) = scan_json(&sb, &["--fail-on", "none"]);
    let mut rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    rules.sort_unstable();
    assert_eq!(rules, ["network-call", "subprocess"], "{doc:#}");
    sb.write(
        "__tests__/client.test.js",
        &format!("jest.mock('axios');\njest.mock('child_process');\n{test}"),
    );
    let (doc, _) = scan_json(&sb, &["--fail-on", "none"]);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0, "{doc:#}");
}
