//! `flaky detect-framework` on the bundled examples and on a directory with no framework.

use predicates::prelude::*;

use crate::Sandbox;

fn examples() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

#[test]
fn every_bundled_example_is_detected_with_its_command() {
    let s = Sandbox::new();
    let out = s
        .flaky()
        .args(["detect-framework", "--format", "json"])
        .arg(examples())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, String, String)> = doc["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let root = f["root"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned();
            let cmd = f["command"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(" ");
            (root, f["framework"].as_str().unwrap().to_owned(), cmd)
        })
        .collect();
    let expected = [
        ("go", "go", "go test ./..."),
        ("go-causes", "go", "go test ./..."),
        ("jest", "jest", "npm test"),
        ("jest-causes", "jest", "npm test"),
        ("mocha", "mocha", "npm test"),
        ("node-test", "node", "npm test"),
        ("phpunit", "phpunit", "phpunit"),
        ("pytest-causes", "pytest", "python3 -m pytest"),
        ("python-pytest", "pytest", "python3 -m pytest"),
        ("rspec", "rspec", "rspec"),
        ("rust", "cargo", "cargo test --no-fail-fast"),
        ("vitest", "vitest", "npm test"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| ((*a).into(), (*b).into(), (*c).into()))
        .collect();
    assert_eq!(found, expected);
    assert!(
        doc["frameworks"][0]["knobs"]["order"]
            .as_str()
            .unwrap()
            .contains("-shuffle")
    );
}

#[test]
fn the_table_names_evidence_install_and_knobs() {
    let s = Sandbox::new();
    let out = s
        .flaky()
        .arg("detect-framework")
        .arg(examples().join("python-pytest"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "pytest in .",
        "evidence:  pyproject.toml [tool.pytest.ini_options]",
        "install:   pip install -r requirements-dev.txt",
        "reports:   --junitxml=",
        "order:     flaky's bundled plugin",
        "one test:  node id: python3 -m pytest",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn no_framework_is_exit_2_with_a_hint() {
    let s = Sandbox::new();
    s.write("README.md", "just words");
    s.flaky()
        .arg("detect-framework")
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("no test framework found")
                .and(predicate::str::contains("hint:")),
        );
    s.flaky()
        .args(["detect-framework", "missing-dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a directory"));
}

#[test]
fn no_framework_in_json_is_an_empty_list_and_exit_2() {
    let s = Sandbox::new();
    s.write("README.md", "just words");
    let (doc, code) = s.json(&["detect-framework", "--format", "json"]);
    assert_eq!(code, 2);
    assert_eq!(doc["frameworks"], serde_json::json!([]));
    assert_eq!(doc["schema_version"], 1);
}
