//! The committed completions and man pages must match the clap definitions.

#[test]
fn completions_and_man_pages_are_current() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (path, expected) in flaky::commands::generate::expected_files(root).unwrap() {
        if std::fs::read(&path).ok().as_deref() != Some(&expected[..]) {
            stale.push(path.strip_prefix(root).unwrap().display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}\nhint: run `scripts/generate.sh` (or `cargo run -- generate ...`, see it) and commit the result"
    );
}

#[test]
fn the_generate_command_writes_what_the_test_expects() {
    let dir = tempfile::tempdir().unwrap();
    assert_cmd::Command::cargo_bin("flaky")
        .unwrap()
        .args(["generate", "man"])
        .arg(dir.path())
        .assert()
        .success();
    let names: std::collections::BTreeSet<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.contains("flaky.1")
            && names.contains("flaky-run.1")
            && names.contains("flaky-history.1"),
        "{names:?}"
    );
    let page = std::fs::read_to_string(dir.path().join("flaky.1")).unwrap();
    assert!(page.contains("EXIT STATUS") && page.contains("130"));
    let bash = assert_cmd::Command::cargo_bin("flaky")
        .unwrap()
        .args(["generate", "completions", "bash"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bash.stdout).contains("--fail-on"));
}
