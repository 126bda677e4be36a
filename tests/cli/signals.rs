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
    let hung = |i: u32| {
        crate::pid_written(&pids.join(format!("gc-{i}")))
            && crate::pid_written(&pids.join(format!("sh-{i}")))
    };
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

#[test]
fn sighup_and_sigquit_do_the_same_as_sigterm() {
    interrupt_with(Signal::SIGHUP, 143, "terminated");
    interrupt_with(Signal::SIGQUIT, 143, "terminated");
}

/// Each attempt starts a process that leaves its process group the way test servers do, and
/// records its pid; the next attempt fails while that process still lives. flaky must not
/// create that failure: what an attempt leaves behind dies when the attempt ends.
#[test]
fn processes_that_leave_the_attempts_group_die_with_the_attempt() {
    let s = Sandbox::new();
    let pids = s.path().join("pids");
    std::fs::create_dir(&pids).unwrap();
    let python = "import subprocess, sys; p = subprocess.Popen(['sleep', '1000.5'], start_new_session=True); open(sys.argv[1], 'w').write(str(p.pid))";
    for (how, start) in [
        (
            "setsid",
            "setsid sleep 1000.5 & echo $! > \"$me\"".to_owned(),
        ),
        (
            "set -m",
            "set -m; sleep 1000.5 & echo $! > \"$me\"".to_owned(),
        ),
        (
            "start_new_session",
            format!("python3 -c \"{python}\" \"$me\""),
        ),
        (
            "double fork",
            "( setsid sh -c 'echo $$ > \"$0\"; exec sleep 1000.5' \"$me\" & )".to_owned(),
        ),
    ] {
        let dir = pids.join(how.replace(' ', "-"));
        std::fs::create_dir(&dir).unwrap();
        let script = format!(
            "prev={d}/$((FLAKY_ATTEMPT - 1)); me={d}/$FLAKY_ATTEMPT
if [ -e \"$prev\" ] && kill -0 \"$(cat \"$prev\")\" 2>/dev/null; then echo \"attempt $((FLAKY_ATTEMPT - 1)) left $(cat \"$prev\") running\" >&2; exit 1; fi
{start}
while [ ! -s \"$me\" ]; do sleep 0.01; done",
            d = dir.display()
        );
        let (doc, code) = s.run_json(&["-n", "4", "-j", "1", "--", "sh", "-c", &script]);
        assert_eq!(code, 0, "{how}: {doc:#}");
        assert_eq!(doc["totals"]["passed"], 4, "{how}");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let pid = crate::read_pid(&entry.unwrap().path());
            assert!(!alive(pid), "{how}: {pid} survived the run");
        }
    }
}

#[test]
fn a_run_whose_flaky_was_killed_is_marked_abandoned_and_its_leftovers_end() {
    let s = Sandbox::new();
    let tmp = s.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let pid_file = s.path().join("hung");
    let script = format!("echo $$ > {}; exec sleep 1000", pid_file.display());
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("flaky"))
        .args(["run", "-n", "1", "--", "sh", "-c", &script])
        .current_dir(s.path())
        .env("FLAKY_DB", s.db())
        .env("TMPDIR", &tmp)
        .env("FLAKY_NO_PROGRESS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("the attempt to start", || crate::pid_written(&pid_file));
    let hung = crate::read_pid(&pid_file);
    // SIGKILL: flaky can do nothing about it; the attempt lives on, the run stays "running".
    kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).unwrap();
    child.wait().unwrap();
    assert!(alive(hung));
    let status = |s: &Sandbox| -> String {
        s.sql()
            .query_row("SELECT status FROM runs", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(status(&s), "running");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 1);

    // The next flaky command that opens the history tidies up.
    let out = s
        .flaky()
        .env("TMPDIR", &tmp)
        .arg("history")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("is marked abandoned")
            && stderr.contains("1 of its processes was still running"),
        "{stderr}"
    );
    assert_eq!(status(&s), "abandoned");
    wait_until("the left attempt to be gone", || !alive(hung));
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("abandoned"), "{listed}");
}
