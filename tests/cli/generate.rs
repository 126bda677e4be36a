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
    assert!(page.contains("EXIT STATUS") && page.contains("130") && page.contains("143"));
    // No page for `help`, nor a mention of one; the hidden commands have none either.
    assert!(!names.contains("flaky-help.1") && !page.contains("flaky\\-help"));
    assert!(
        !names
            .iter()
            .any(|n| n.contains("worker") || n.contains("generate"))
    );
    // Every subcommand's page says how it exits, what it reads from the environment, its files.
    let run = std::fs::read_to_string(dir.path().join("flaky-run.1")).unwrap();
    for section in [
        "EXIT STATUS",
        ".SH ENVIRONMENT",
        ".SH FILES",
        "FLAKY_DB",
        "history.db",
    ] {
        assert!(run.contains(section), "flaky-run.1 lacks {section}");
    }
}

/// `flaky completions SHELL` prints the script users install; it offers what `--help` lists and
/// nothing hidden.
#[test]
fn completions_offer_the_visible_commands_only() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = assert_cmd::Command::cargo_bin("flaky")
            .unwrap()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        for visible in ["run", "history", "fail-on", "completions"] {
            assert!(script.contains(visible), "{shell} lacks {visible}");
        }
        // Each hidden command by its name as each script spells a subcommand, and its help.
        for (hidden, about) in [
            ("worker", "Run one remote job"),
            ("likely-causes", "Scan DIR and join"),
            ("isolate", "pinned to one CPU"),
            ("generate", "Write the man pages"),
        ] {
            let as_word = hidden.replace('-', "__");
            assert!(
                !script.contains(about)
                    && !script.contains(&format!("subcmd__{as_word}"))
                    && !script.contains(&format!(",{hidden})")),
                "{shell} offers {hidden}"
            );
        }
    }
    let help = assert_cmd::Command::cargo_bin("flaky")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("completions") && !help.contains("worker") && !help.contains("generate"));
    assert!(help.contains("143"), "{help}");
    let bad = assert_cmd::Command::cargo_bin("flaky")
        .unwrap()
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// A subcommand's help lists the global options it uses and leaves out the ones that do nothing
/// for it; those still parse, anywhere on the line.
#[test]
fn help_leaves_out_the_global_options_a_command_does_not_use() {
    let help = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("flaky")
            .unwrap()
            .args(args)
            .arg("--help")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let run = help(&["run"]);
    assert!(
        run.contains("--db") && run.contains("--no-progress"),
        "{run}"
    );
    let scan = help(&["scan"]);
    assert!(
        !scan.contains("--db") && !scan.contains("--no-progress"),
        "{scan}"
    );
    assert!(
        scan.contains("--color") && scan.contains("--quiet"),
        "{scan}"
    );
    let list = help(&["quarantine", "list"]);
    assert!(
        list.contains("--db") && !list.contains("--no-progress"),
        "{list}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("test_a.py"), "def test_a():\n    pass\n").unwrap();
    assert_cmd::Command::cargo_bin("flaky")
        .unwrap()
        .args(["--db", "unused.db", "scan", "--no-progress"])
        .arg(dir.path())
        .assert()
        .success();
    let db = dir.path().join("h.db");
    assert_cmd::Command::cargo_bin("flaky")
        .unwrap()
        .args(["history", "--no-progress", "--db"])
        .arg(&db)
        .assert()
        .success();
}

/// `flaky run -h` and `flaky ci -h` group their many options under headings: none is left in
/// the ungrouped list but help and version.
#[test]
fn run_and_ci_group_every_option_under_a_heading() {
    let cmd = flaky::cli::command();
    for name in ["run", "ci"] {
        let sub = cmd.find_subcommand(name).unwrap();
        let ungrouped: Vec<String> = sub
            .get_arguments()
            .filter(|a| !a.is_positional() && !a.is_hide_set())
            .filter(|a| a.get_help_heading().is_none())
            .map(|a| a.get_id().to_string())
            .filter(|id| id != "help" && id != "version")
            .collect();
        assert!(
            ungrouped.is_empty(),
            "flaky {name}: {ungrouped:?} have no heading; add them to cli::HEADINGS"
        );
    }
}
