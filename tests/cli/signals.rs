//! Ctrl-C and SIGTERM mid-run: every tree dies, what finished is printed and stored.

use std::process::{Command, Stdio};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::{Sandbox, alive, wait_until};

/// Attempts 0-2 pass at once; later ones start a grandchild and hang until killed.
fn interrupt_with(signal: Signal, expected_code: i32, expected_status: &str) {
    let s = Sandbox::new();
    let pids = s.path().join("pids");
    std::fs::create_dir(&pids).unwrap();
    let script = format!(
        "[ $FLAKY_ATTEMPT -lt 3 ] && exit 0; sleep 1000 & echo $! > {p}/gc-$FLAKY_ATTEMPT; echo $$ > {p}/sh-$FLAKY_ATTEMPT; wait",
        p = pids.display()
    );
    let child = Command::new(assert_cmd::cargo::cargo_bin("flaky"))
        .args([
            "run", "-n", "100", "-j", "2", "--format", "json", "--", "sh", "-c", &script,
        ])
        .current_dir(s.path())
        .env("FLAKY_DB", s.db())
        .env("FLAKY_NO_PROGRESS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let hung =
        |i: u32| pids.join(format!("gc-{i}")).exists() && pids.join(format!("sh-{i}")).exists();
    wait_until("two hanging attempts", || hung(3) && hung(4));
    kill(Pid::from_raw(child.id() as i32), signal).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(expected_code),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the partial report is printed");
    assert_eq!(doc["status"], expected_status);
    assert_eq!(doc["totals"]["attempts"], 3);
    assert_eq!(doc["totals"]["passed"], 3);
    assert_eq!(doc["exit_code"], expected_code);

    for entry in std::fs::read_dir(&pids).unwrap() {
        let entry = entry.unwrap();
        let pid: i32 = crate::read_pid(&entry.path());
        assert!(
            !alive(pid),
            "{} ({pid}) survived",
            entry.file_name().to_string_lossy()
        );
    }

    let (status, attempts, stored): (String, i64, i64) = s
        .sql()
        .query_row(
            "SELECT status, attempts, (SELECT count(*) FROM attempts) FROM runs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((status.as_str(), attempts, stored), (expected_status, 3, 3));
}

#[test]
fn ctrl_c_kills_every_tree_keeps_what_finished_and_exits_130() {
    interrupt_with(Signal::SIGINT, 130, "interrupted");
}

#[test]
fn sigterm_does_the_same_and_exits_143() {
    interrupt_with(Signal::SIGTERM, 143, "terminated");
}
