//! Storage faults under a real file system: a history database on a small tmpfs that fills up
//! mid-run, or that is read-only. Each runs in a private user and mount namespace (`unshare`),
//! so no privilege is needed and nothing outside the test sees the mount.

use crate::Sandbox;

/// Runs SCRIPT under `sh` in a new user and mount namespace with a 1 MiB tmpfs at $MNT, a first
/// run already stored there, and `flaky` as $FLAKY. Returns (stdout, stderr, exit code).
fn in_small_tmpfs(sb: &Sandbox, script: &str) -> (String, String, i32) {
    let mnt = sb.path().join("mnt");
    std::fs::create_dir(&mnt).expect("mkdir");
    let setup = r#"
        mount -t tmpfs -o size=1m tmpfs "$MNT" || { echo "cannot mount a tmpfs in a user namespace" >&2; exit 97; }
        export FLAKY_DB="$MNT/history.db"
        "$FLAKY" run -n 1 -q -- true >/dev/null || { echo "the first run was not stored" >&2; exit 98; }
    "#;
    let out = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg(format!("{setup}\n{script}"))
        .current_dir(sb.path())
        .env("MNT", &mnt)
        .env("FLAKY", assert_cmd::cargo::cargo_bin("flaky"))
        .env("FLAKY_NO_PROGRESS", "1")
        .env("NO_COLOR", "1")
        .output()
        .expect("unshare (util-linux) runs");
    let code = out.status.code().expect("exit code");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(code < 96, "the namespace set-up failed ({code}): {stderr}");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
        code,
    )
}

#[test]
fn a_disk_that_fills_mid_run_loses_no_measurement() {
    let sb = Sandbox::new();
    // Attempt 0 fills the disk the database is on; odd attempts fail.
    let (stdout, stderr, code) = in_small_tmpfs(
        &sb,
        r#"exec "$FLAKY" run -n 8 -j 1 --format json -- sh -c '
            [ "$FLAKY_ATTEMPT" != 0 ] || head -c 2000000 /dev/zero > "$MNT/fill" 2>/dev/null
            [ $((FLAKY_ATTEMPT % 2)) = 0 ]'"#,
    );
    assert_eq!(code, 2, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("the report is on stdout");
    assert_eq!(doc["totals"]["attempts"], 8);
    assert_eq!(doc["totals"]["failed"], 4);
    assert!(
        stderr.contains("the run was measured but not stored")
            && stderr.contains("database or disk is full")
            && stderr.contains("hint: free space on that disk"),
        "{stderr}"
    );
}

#[test]
fn a_read_only_database_location_is_a_clear_error_before_anything_runs() {
    let sb = Sandbox::new();
    let marker = sb.path().join("ran");
    let (stdout, stderr, code) = in_small_tmpfs(
        &sb,
        &format!(
            r#"mount -o remount,ro "$MNT" || exit 96
            exec "$FLAKY" run -n 3 -- touch {}"#,
            marker.display()
        ),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        !marker.exists(),
        "nothing may run when the run cannot be stored"
    );
    assert!(
        stderr.contains("cannot open the history database")
            && stderr.contains("must be writable")
            && stderr.contains("--no-history"),
        "{stderr}"
    );
}

#[test]
fn an_unwritable_output_file_still_prints_the_report() {
    let sb = Sandbox::new();
    let out = sb
        .flaky()
        .args([
            "run",
            "-n",
            "4",
            "--format",
            "json",
            "--output",
            "/dev/full",
            "--",
        ])
        .args(["sh", "-c", "[ $((FLAKY_ATTEMPT % 2)) = 0 ]"])
        .output()
        .expect("flaky runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report on stdout");
    assert_eq!(doc["totals"]["failed"], 2);
    assert!(
        stderr.contains("cannot write the report to /dev/full")
            && stderr.contains("printed on stdout instead"),
        "{stderr}"
    );
    // And it is stored.
    let listed = sb
        .flaky()
        .args(["history", "--format", "json"])
        .output()
        .expect("history");
    let runs: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(runs["runs"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_read_only_history_can_still_be_read() {
    let sb = Sandbox::new();
    let (stdout, stderr, code) = in_small_tmpfs(
        &sb,
        r#"mount -o remount,ro "$MNT" || exit 96
        "$FLAKY" history --format json || exit 10
        echo ---
        "$FLAKY" report --format markdown || exit 11
        echo ---
        exec "$FLAKY" history --tests"#,
    );
    assert_eq!(code, 0, "{stderr}\n{stdout}");
    let parts: Vec<&str> = stdout.split("---\n").collect();
    let runs: serde_json::Value = serde_json::from_str(parts[0]).expect("history json");
    assert_eq!(runs["runs"].as_array().map(Vec::len), Some(1), "{stdout}");
    assert!(parts[1].contains("`true`"), "{stdout}");
    assert_eq!(
        parts[2], "no test failed in the selected runs (1 test seen)\n",
        "{stdout}"
    );
}

/// Runs `flaky ARGS` as a user without privileges (a user namespace with no mapping: root's
/// override of permissions is gone) with `TMPDIR` in the sandbox. Returns (stderr, exit code).
fn unprivileged(sb: &Sandbox, tmp: &std::path::Path, args: &[&str]) -> (String, i32) {
    let out = std::process::Command::new("unshare")
        .arg("--user")
        .arg(assert_cmd::cargo::cargo_bin("flaky"))
        .args(args)
        .current_dir(sb.path())
        .env("TMPDIR", tmp)
        .env("FLAKY_DB", sb.db())
        .env("FLAKY_NO_PROGRESS", "1")
        .env("NO_COLOR", "1")
        .output()
        .expect("unshare (util-linux) runs");
    (
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().expect("exit code"),
    )
}

#[test]
fn an_attempt_directory_made_unreadable_by_its_test_is_still_removed() {
    let sb = Sandbox::new();
    let tmp = sb.path().join("tmp");
    std::fs::create_dir(&tmp).expect("mkdir");
    let (stderr, code) = unprivileged(
        &sb,
        &tmp,
        &[
            "run",
            "-n",
            "3",
            "--",
            "sh",
            "-c",
            r#"mkdir -p "$TMPDIR/locked/inner" && touch "$TMPDIR/locked/inner/f" && chmod 000 "$TMPDIR/locked/inner" "$TMPDIR/locked""#,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left, Vec::<std::ffi::OsString>::new(), "{stderr}");
}
