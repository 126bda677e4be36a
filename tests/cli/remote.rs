//! `flaky run --remote runpod` against the loopback emulator of RunPod's hosted API
//! (tests/runpod/emulator.py): client behaviour with emulated outcomes, and end to end with the
//! real RunPod SDK worker running the project's handler and `flaky worker`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use predicates::prelude::*;

use crate::{Sandbox, wait_until};

const KEY: &str = "rpa_test_key_0123456789";
const ENDPOINT: &str = "ep1";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The emulator, stopped when dropped.
struct Emulator {
    child: Child,
    addr: String,
}

/// The emulator's admin API (`/_emulator/...`), usable from any thread.
#[derive(Clone)]
struct Admin {
    addr: String,
}

impl Emulator {
    fn start() -> Self {
        let mut child = Command::new("python3")
            .arg(root().join("tests/runpod/emulator.py"))
            .args([
                "--port",
                "0",
                "--api-key",
                KEY,
                "--endpoint",
                ENDPOINT,
                "--max-lifetime",
                "300",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs the emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("emulator said {line:?}"))
            .to_owned();
        Self { child, addr: url }
    }

    fn base(&self) -> String {
        format!("http://{}/v2", self.addr)
    }

    fn admin(&self, route: &str, body: Option<serde_json::Value>) -> serde_json::Value {
        Admin {
            addr: self.addr.clone(),
        }
        .call(route, body)
    }

    fn state(&self) -> serde_json::Value {
        self.admin("state", None)
    }

    /// Once the first job exists, applies `route_suffix` (`expire`, `duplicate`...) to it.
    fn on_first_job(
        &self,
        route_suffix: &'static str,
        body: serde_json::Value,
    ) -> std::thread::JoinHandle<()> {
        let admin = Admin {
            addr: self.addr.clone(),
        };
        std::thread::spawn(move || {
            wait_until("the first job", || {
                !admin.call("state", None)["jobs"]
                    .as_array()
                    .unwrap()
                    .is_empty()
            });
            let id = admin.call("state", None)["jobs"][0]["id"]
                .as_str()
                .unwrap()
                .to_owned();
            admin.call(&format!("jobs/{id}/{route_suffix}"), Some(body));
        })
    }
}

impl Admin {
    /// An admin call: POST with a JSON body, or GET when `body` is None.
    fn call(&self, route: &str, body: Option<serde_json::Value>) -> serde_json::Value {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        let (method, payload) = match &body {
            Some(b) => ("POST", b.to_string()),
            None => ("GET", String::new()),
        };
        write!(
            s,
            "{method} /_emulator/{route} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
            payload.len()
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A project pushed to a bare "origin" in the sandbox, as a user's checkout would be.
fn pushed_project(s: &Sandbox, files: &[(&str, &str)]) -> PathBuf {
    let git = |dir: &Path, args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    let origin = s.path().join("origin.git");
    std::fs::create_dir_all(&origin).unwrap();
    git(&origin, &["init", "-q", "--bare", "-b", "main"]);
    let work = s.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q", "-b", "main"]);
    for (name, text) in files {
        std::fs::write(work.join(name), text).unwrap();
    }
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "init"]);
    git(
        &work,
        &[
            "remote",
            "add",
            "origin",
            &format!("file://{}", origin.display()),
        ],
    );
    git(&work, &["push", "-q", "-u", "origin", "main"]);
    work
}

const SCRIPT: &str = "#!/bin/sh\necho \"attempt $FLAKY_ATTEMPT\"\n[ $((TEST_SEED % 3)) -ne 0 ]\n";

fn remote_run(
    s: &Sandbox,
    emu: &Emulator,
    work: &Path,
    args: &[&str],
) -> (i32, serde_json::Value, String) {
    let out = s
        .flaky()
        .current_dir(work)
        .env("RUNPOD_API_KEY", KEY)
        .env("RUNPOD_ENDPOINT_BASE_URL", emu.base())
        .env("RUNPOD_ENDPOINT_ID", ENDPOINT)
        .args([
            "run", "--remote", "runpod", "--format", "json", "--seed", "5",
        ])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains(KEY) && !String::from_utf8_lossy(&out.stdout).contains(KEY),
        "the API key was printed"
    );
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), doc, stderr)
}

#[test]
fn shards_are_submitted_with_disjoint_attempts_and_results_come_back_as_one_report() {
    let s = Sandbox::new();
    let emu = Emulator::start();
    let work = pushed_project(&s, &[("check.sh", SCRIPT)]);
    emu.admin(
        "auto",
        Some(serde_json::json!({"mode": "shard", "test": "sh check.sh", "fail_attempts": [2, 13]})),
    );
    let (code, doc, stderr) = remote_run(
        &s,
        &emu,
        &work,
        &["-n", "20", "--shards", "4", "--", "sh", "check.sh"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(doc["totals"]["attempts"], 20);
    assert_eq!(doc["totals"]["failed"], 2);
    let indexes: Vec<u64> = doc["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, (0..20).collect::<Vec<u64>>());
    let state = emu.state();
    let jobs = state["jobs"].as_array().unwrap();
    let mut ranges: Vec<(u64, u64)> = jobs
        .iter()
        .map(|j| {
            (
                j["input"]["attempts"][0].as_u64().unwrap(),
                j["input"]["attempts"][1].as_u64().unwrap(),
            )
        })
        .collect();
    ranges.sort_unstable();
    assert_eq!(ranges, [(0, 5), (5, 10), (10, 15), (15, 20)]);
    let input = &jobs[0]["input"];
    assert_eq!(input["command"], serde_json::json!(["sh", "check.sh"]));
    assert_eq!(input["seed"], 5);
    assert!(
        input["repository"]
            .as_str()
            .unwrap()
            .ends_with("origin.git")
    );
    assert_eq!(input["commit"].as_str().unwrap().len(), 40);
    assert!(
        !input.to_string().contains(KEY),
        "the key never goes into a job"
    );
}

#[test]
fn bad_key_unknown_endpoint_and_rate_limit_storms_are_clear_errors() {
    let s = Sandbox::new();
    let emu = Emulator::start();
    let work = pushed_project(&s, &[("check.sh", SCRIPT)]);
    emu.admin("auto", Some(serde_json::json!({"mode": "shard"})));
    let out = s
        .flaky()
        .current_dir(&work)
        .env("RUNPOD_API_KEY", "wrong-key-value")
        .env("RUNPOD_ENDPOINT_BASE_URL", emu.base())
        .args([
            "run",
            "--remote",
            "runpod",
            "--endpoint",
            ENDPOINT,
            "-n",
            "4",
            "--",
            "sh",
            "check.sh",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("401")
            && stderr.contains("RUNPOD_API_KEY")
            && !stderr.contains("wrong-key-value"),
        "{stderr}"
    );

    let (code, _, stderr) = remote_run(
        &s,
        &emu,
        &work,
        &["-n", "4", "--endpoint", "nope", "--", "sh", "check.sh"],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("404") && stderr.contains("--endpoint"),
        "{stderr}"
    );

    // A short burst of 429s is retried; a storm that outlasts the retries is an error.
    emu.admin(
        "fail",
        Some(serde_json::json!({"route": "run", "status": 429, "count": 2, "retry_after": 1})),
    );
    let (code, doc, stderr) = remote_run(
        &s,
        &emu,
        &work,
        &["-n", "4", "--shards", "1", "--", "sh", "check.sh"],
    );
    assert_eq!(
        (code, doc["totals"]["attempts"].as_u64()),
        (0, Some(4)),
        "{stderr}"
    );
    emu.admin(
        "fail",
        Some(serde_json::json!({"route": "run", "status": 429, "count": 50, "retry_after": 1})),
    );
    let (code, _, stderr) = remote_run(
        &s,
        &emu,
        &work,
        &["-n", "4", "--shards", "1", "--", "sh", "check.sh"],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("429") && stderr.contains("rate-limit"),
        "{stderr}"
    );
    emu.admin("reset", Some(serde_json::json!({})));

    // 500s on /status are retried.
    emu.admin("auto", Some(serde_json::json!({"mode": "shard"})));
    emu.admin(
        "fail",
        Some(serde_json::json!({"route": "status", "status": 500, "count": 2})),
    );
    let (code, doc, stderr) = remote_run(
        &s,
        &emu,
        &work,
        &["-n", "6", "--shards", "2", "--", "sh", "check.sh"],
    );
    assert_eq!(
        (code, doc["totals"]["attempts"].as_u64()),
        (0, Some(6)),
        "{stderr}"
    );
}

#[test]
fn shards_that_fail_twice_are_shard_errors_and_the_rest_is_kept() {
    let s = Sandbox::new();
    let emu = Emulator::start();
    let work = pushed_project(&s, &[("check.sh", SCRIPT)]);
    for (mode, expected) in [
        (
            serde_json::json!({"mode": "timeout"}),
            "timed out on RunPod",
        ),
        (
            serde_json::json!({"mode": "no-output"}),
            "completed without a result",
        ),
        (
            serde_json::json!({"mode": "error", "error": "{\"error_type\": \"RuntimeError\", \"error_message\": \"disk full\", \"error_traceback\": \"Traceback (most recent call last): ...\"}"}),
            "failed: disk full",
        ),
    ] {
        emu.admin("auto", Some(mode));
        let (code, doc, stderr) = remote_run(
            &s,
            &emu,
            &work,
            &["-n", "4", "--shards", "2", "--", "sh", "check.sh"],
        );
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(expected) && !stderr.contains("Traceback"),
            "{expected}: {stderr}"
        );
        let errors = doc["shard_errors"].as_array().unwrap();
        assert_eq!(errors.len(), 2, "{doc}");
        assert!(
            errors.iter().all(|e| e
                .as_str()
                .unwrap()
                .contains("resubmitted once; the first try: job ")),
            "each shard was tried twice: {doc}"
        );
        assert_eq!(doc["totals"]["attempts"], 0);
    }

    // A shard that fails twice is lost; the other's attempts are kept.
    emu.admin("reset", Some(serde_json::json!({})));
    emu.admin("auto", Some(serde_json::json!({"mode": "shard"})));
    emu.admin(
        "fail-shard",
        Some(serde_json::json!({"attempts": [0, 3], "as": "expire", "count": 2})),
    );
    let (code, doc, stderr) = remote_run(
        &s,
        &emu,
        &work,
        &["-n", "6", "--shards", "2", "--", "sh", "check.sh"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("expired"), "{stderr}");
    assert_eq!(
        doc["totals"]["attempts"], 3,
        "the other shard's attempts are kept: {doc}"
    );
    let errors = doc["shard_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{doc}");
    assert!(
        errors[0].as_str().unwrap().starts_with("attempts 0..3: ")
            && errors[0].as_str().unwrap().contains("resubmitted once"),
        "{doc}"
    );
    // Both jobs of [0, 3) expired (the emulator forgot them); [3, 6) ran once.
    let state = emu.state();
    assert_eq!(state["expired"].as_array().unwrap().len(), 2, "{state}");
    assert_eq!(state["requests"]["run"], 3);
    assert_eq!(jobs_of(&emu), [(3, 6)]);
}

/// The attempt ranges of the jobs the emulator was given, sorted.
fn jobs_of(emu: &Emulator) -> Vec<(u64, u64)> {
    let mut ranges: Vec<(u64, u64)> = emu.state()["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["input"]["attempts"][0].as_u64().unwrap(),
                j["input"]["attempts"][1].as_u64().unwrap(),
            )
        })
        .collect();
    ranges.sort_unstable();
    ranges
}

#[test]
fn a_shard_that_fails_on_the_worker_is_resubmitted_once_and_its_attempts_count_once() {
    let s = Sandbox::new();
    let emu = Emulator::start();
    let work = pushed_project(&s, &[("check.sh", SCRIPT)]);
    emu.admin(
        "auto",
        Some(serde_json::json!({"mode": "shard", "test": "sh check.sh", "fail_attempts": [2, 13]})),
    );
    // The first job of four of the five shards gives no result, each for another reason that
    // is not its tests; the first job of [5, 10) would also show its result at a later /status, as
    // after a platform retry.
    for (attempts, fault) in [
        (
            [5, 10],
            serde_json::json!({"as": "error", "error": "cannot fetch commit 0123: `git fetch` failed: early EOF", "late_result": true}),
        ),
        ([10, 15], serde_json::json!({"as": "timeout"})),
        ([15, 20], serde_json::json!({"as": "expire"})),
        ([20, 25], serde_json::json!({"as": "garbage"})),
    ] {
        let mut fault = fault;
        fault["attempts"] = serde_json::json!(attempts);
        emu.admin("fail-shard", Some(fault));
    }
    let (code, doc, stderr) = remote_run(
        &s,
        &emu,
        &work,
        &["-n", "25", "--shards", "5", "--", "sh", "check.sh"],
    );
    assert_eq!(code, 1, "exit by the verdict: {stderr}");
    assert_eq!(doc["totals"]["attempts"], 25, "{doc}");
    assert_eq!(doc["totals"]["failed"], 2, "{doc}");
    assert_eq!(doc["shard_errors"], serde_json::json!([]), "{doc}");
    let indexes: Vec<u64> = doc["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, (0..25).collect::<Vec<u64>>(), "each attempt once");
    for why in [
        "attempts 5..10: ",
        "cannot fetch commit 0123",
        "attempts 10..15: ",
        "timed out on RunPod",
        "attempts 15..20: ",
        "expired",
        "attempts 20..25: ",
        "a result flaky cannot read",
    ] {
        assert!(stderr.contains(why), "{why:?} in {stderr}");
    }
    assert_eq!(stderr.matches("resubmitted once").count(), 4, "{stderr}");
    // The report keeps them too.
    let retries = doc["shard_retries"].as_array().unwrap();
    assert_eq!(retries.len(), 4, "{retries:?}");
    assert!(
        retries
            .iter()
            .all(|r| r.as_str().unwrap().contains("resubmitted once as job ")),
        "{retries:?}"
    );
    // A shard whose tests failed ([0, 5) has attempt 2) is a result: one job. The others ran
    // twice, with the same attempts and seeds.
    assert_eq!(
        jobs_of(&emu),
        [
            (0, 5),
            (5, 10),
            (5, 10),
            (10, 15),
            (10, 15),
            (15, 20),
            (20, 25),
            (20, 25)
        ],
        "the expired job is gone from the emulator; the rest are there"
    );
    let state = emu.state();
    // Each first job is given up (cancelled, its late result never read).
    assert_eq!(
        state["cancel_calls"].as_array().unwrap().len(),
        4,
        "{}",
        state["cancel_calls"]
    );
    let mut inputs = std::collections::BTreeMap::<String, Vec<&serde_json::Value>>::new();
    for j in state["jobs"].as_array().unwrap() {
        inputs
            .entry(j["input"]["attempts"].to_string())
            .or_default()
            .push(&j["input"]);
    }
    for same in inputs.values() {
        assert!(
            same.iter().all(|i| i == &same[0]),
            "the same job again: {same:?}"
        );
    }
}

#[test]
fn a_duplicated_result_counts_once_and_an_empty_endpoint_is_explained() {
    let s = Sandbox::new();
    let emu = Emulator::start();
    let work = pushed_project(&s, &[("check.sh", SCRIPT)]);
    emu.admin("workers", Some(serde_json::json!({"idle": 0})));
    emu.admin(
        "auto",
        Some(serde_json::json!({"mode": "shard", "delay_ms": 4000})),
    );
    let dup = emu.on_first_job("duplicate", serde_json::json!({"after": 0}));
    let (code, doc, stderr) = remote_run(
        &s,
        &emu,
        &work,
        &["-n", "5", "--shards", "1", "--", "sh", "check.sh"],
    );
    dup.join().unwrap();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["totals"]["attempts"], 5);
    assert!(stderr.contains("has no worker running"), "{stderr}");
}

#[test]
fn an_unpushed_commit_and_a_missing_key_are_refused_before_anything_is_sent() {
    let s = Sandbox::new();
    let emu = Emulator::start();
    let work = pushed_project(&s, &[("check.sh", SCRIPT)]);
    std::fs::write(work.join("new.txt"), "x").unwrap();
    let ok = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "-am",
            "x",
            "--allow-empty",
        ])
        .current_dir(&work)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let (code, _, stderr) = remote_run(&s, &emu, &work, &["-n", "4", "--", "sh", "check.sh"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("not on any remote branch") && stderr.contains("git push"),
        "{stderr}"
    );
    s.flaky()
        .current_dir(&work)
        .env_remove("RUNPOD_API_KEY")
        .args([
            "run",
            "--remote",
            "runpod",
            "--endpoint",
            ENDPOINT,
            "--",
            "sh",
            "check.sh",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RUNPOD_API_KEY"));
    assert_eq!(emu.state()["requests"]["run"].as_u64().unwrap_or(0), 0);
}

/// The Python with the RunPod SDK that scripts/test.sh installs.
fn sdk_python() -> PathBuf {
    let py = root().join("target/test-env/venv/bin/python3");
    let ok = py.exists()
        && Command::new(&py)
            .args(["-c", "import runpod"])
            .output()
            .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the RunPod SDK is missing from target/test-env/venv; run scripts/test.sh, which installs worker/requirements.txt"
    );
    py
}

/// The real SDK worker running worker/handler.py against the emulator.
fn start_worker(emu: &Emulator, work_dir: &Path) -> Child {
    start_worker_with(emu, work_dir, &[])
}

/// [`start_worker`] with more variables in the worker's environment.
fn start_worker_with(emu: &Emulator, work_dir: &Path, env: &[(&str, &str)]) -> Child {
    let base = format!("http://{}/v2/{ENDPOINT}", emu.addr);
    Command::new(sdk_python())
        .arg("-u")
        .arg(root().join("worker/handler.py"))
        .env(
            "RUNPOD_WEBHOOK_GET_JOB",
            format!("{base}/job-take/$ID?gpu=cpu"),
        )
        .env(
            "RUNPOD_WEBHOOK_POST_OUTPUT",
            format!("{base}/job-done/$RUNPOD_POD_ID/$ID?gpu=cpu"),
        )
        .env(
            "RUNPOD_WEBHOOK_PING",
            format!("{base}/ping/$RUNPOD_POD_ID?gpu=cpu"),
        )
        .env("RUNPOD_AI_API_KEY", KEY)
        .env("RUNPOD_POD_ID", "test-worker-1")
        .env("RUNPOD_SKIP_AUTO_SYSTEM_CHECKS", "true")
        .env("FLAKY_BIN", assert_cmd::cargo::cargo_bin("flaky"))
        .env("FLAKY_WORKER_ALLOW_FILE_URLS", "1")
        .env("FLAKY_WORKER_DIR", work_dir)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn end_to_end_the_sdk_worker_gives_the_same_report_as_a_local_run_and_ctrl_c_cancels() {
    let s = Sandbox::new();
    let emu = Emulator::start();
    let work = pushed_project(
        &s,
        &[
            ("check.sh", SCRIPT),
            ("slow.sh", "#!/bin/sh\nsleep 1000.4242 &\nwait\n"),
        ],
    );
    let jobs_dir = s.path().join("jobs");
    std::fs::create_dir_all(&jobs_dir).unwrap();
    let _worker = Killed(start_worker(&emu, &jobs_dir));

    let (code, remote, stderr) = remote_run(
        &s,
        &emu,
        &work,
        &[
            "-n", "12", "-j", "2", "--shards", "3", "--", "sh", "check.sh",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let local = s
        .flaky()
        .current_dir(&work)
        .args([
            "run", "--format", "json", "--seed", "5", "-n", "12", "-j", "2", "--", "sh", "check.sh",
        ])
        .output()
        .unwrap();
    let local: serde_json::Value = serde_json::from_slice(&local.stdout).unwrap();
    let strip = |doc: &serde_json::Value| -> Vec<serde_json::Value> {
        doc["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let mut a = a.clone();
                // Measured, not derived from the seed: how long, and whether it ran alone.
                let a_mut = a.as_object_mut().unwrap();
                a_mut.remove("duration_ms");
                a_mut.remove("alone");
                a
            })
            .collect()
    };
    assert_eq!(
        strip(&remote),
        strip(&local),
        "remote and local attempts differ"
    );
    assert_eq!(remote["tests"][0]["failed"], local["tests"][0]["failed"]);
    assert_eq!(
        remote["tests"][0]["severity"],
        local["tests"][0]["severity"]
    );
    assert!(
        std::fs::read_dir(&jobs_dir).unwrap().next().is_none(),
        "the worker left a job directory"
    );

    // Ctrl-C mid-run: every job is cancelled and the worker's attempts die.
    let mut flaky = Command::new(assert_cmd::cargo::cargo_bin("flaky"))
        .current_dir(&work)
        .env("FLAKY_DB", s.db())
        .env("FLAKY_NO_PROGRESS", "1")
        .env("RUNPOD_API_KEY", KEY)
        .env("RUNPOD_ENDPOINT_BASE_URL", emu.base())
        .args([
            "run",
            "--remote",
            "runpod",
            "--endpoint",
            ENDPOINT,
            "-n",
            "2",
            "--shards",
            "1",
            "--",
            "sh",
            "slow.sh",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let sleeping = || crate::processes_with("1000.4242");
    wait_until("the remote attempts to start", || sleeping().len() == 2);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(flaky.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = flaky.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let state = emu.state();
    assert_eq!(
        state["cancel_calls"].as_array().unwrap().len(),
        1,
        "{}",
        state["cancel_calls"]
    );
    wait_until("the worker's attempts to die", || sleeping().is_empty());
}

#[test]
fn the_worker_credentials_reach_neither_the_results_nor_the_history_nor_the_pr_comment() {
    let s = Sandbox::new();
    let emu = Emulator::start();
    let work = pushed_project(&s, &[("env.sh", "#!/bin/sh\nenv\nexit 1\n")]);
    let jobs_dir = s.path().join("jobs");
    std::fs::create_dir_all(&jobs_dir).unwrap();
    // The worker's own key must stay the emulator's; every other credential is made up.
    let secrets: Vec<(&str, &str)> = crate::worker::WORKER_SECRETS
        .iter()
        .copied()
        .filter(|(k, _)| *k != "RUNPOD_AI_API_KEY")
        .collect();
    let _worker = Killed(start_worker_with(&emu, &jobs_dir, &secrets));
    let (code, doc, stderr) = remote_run(
        &s,
        &emu,
        &work,
        &["-n", "2", "--shards", "1", "--", "sh", "env.sh"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(doc["totals"]["attempts"], 2, "{doc}");
    let state = emu.state();
    let output = state["jobs"][0]["output"].to_string();
    assert!(
        output.contains("PATH="),
        "the test printed its environment: {output}"
    );
    let markdown = s
        .flaky()
        .args(["report", "--format", "markdown"])
        .output()
        .unwrap();
    assert!(markdown.status.success());
    let mut history = Vec::new();
    for entry in std::fs::read_dir(s.path()).unwrap().flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with("history.db")
        {
            history.extend(std::fs::read(entry.path()).unwrap());
        }
    }
    for (what, text) in [
        ("the job's result", output),
        ("the JSON report", doc.to_string()),
        (
            "the Markdown report",
            String::from_utf8_lossy(&markdown.stdout).into_owned(),
        ),
        (
            "the history",
            String::from_utf8_lossy(&history).into_owned(),
        ),
    ] {
        if what == "the job's result" || what == "the history" {
            assert!(text.contains("PATH="), "{what} has the output: {text}");
        }
        assert_eq!(
            crate::worker::leaks_worker_secret(&text),
            None,
            "{what}: {text}"
        );
        for name in ["RUNPOD_AI_API_KEY", "RUNPOD_WEBHOOK_GET_JOB", KEY] {
            assert!(!text.contains(name), "{what} has {name}: {text}");
        }
    }
}

#[test]
fn an_endless_status_answer_is_an_error_naming_the_server_and_the_cap_and_what_finished_is_stored()
{
    let s = Sandbox::new();
    let emu = Emulator::start();
    let work = pushed_project(&s, &[("check.sh", SCRIPT)]);
    emu.admin("auto", Some(serde_json::json!({"mode": "shard"})));
    // The first /status answers as usual (a pure delay), the second never ends.
    emu.admin(
        "fail",
        Some(serde_json::json!({"route": "status", "delay_ms": 1})),
    );
    emu.admin(
        "fail",
        Some(serde_json::json!({"route": "status", "flood": true})),
    );
    let (code, _, stderr) = remote_run(
        &s,
        &emu,
        &work,
        &["-n", "6", "--shards", "3", "--", "sh", "check.sh"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("RunPod's answer to GET http://")
            && stderr.contains("with a body larger than 32 MiB, the most flaky reads"),
        "{stderr}"
    );
    // The two shards still pending were cancelled; the first one's attempts are stored.
    let state = emu.state();
    assert_eq!(
        state["cancel_calls"].as_array().unwrap().len(),
        2,
        "{}",
        state["cancel_calls"]
    );
    let (status, attempts): (String, i64) = s
        .sql()
        .query_row(
            "SELECT status, (SELECT count(*) FROM attempts) FROM runs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((status.as_str(), attempts), ("failed", 2));
}

#[test]
fn a_status_that_never_helps_ends_at_the_shard_deadline_naming_the_real_condition() {
    let s = Sandbox::new();
    let emu = Emulator::start();
    let work = pushed_project(&s, &[("check.sh", SCRIPT)]);
    let args = [
        "-n",
        "2",
        "--shards",
        "1",
        "--queue-timeout",
        "1s",
        "--",
        "sh",
        "check.sh",
    ];
    let cases = [
        // No worker ever takes the job.
        (
            None,
            "was still IN_QUEUE after 1 s (--queue-timeout); hint: check the endpoint's workers",
        ),
        (
            Some(serde_json::json!({"route": "status", "status": 500, "count": 100})),
            "server errors: HTTP 500 from GET http://",
        ),
        (
            Some(
                serde_json::json!({"route": "status", "status": 200, "body": "<html>gateway</html>", "count": 100}),
            ),
            "unreadable status: RunPod answered GET http://",
        ),
        (
            Some(
                serde_json::json!({"route": "status", "status": 200, "body": {"id": "x"}, "count": 100}),
            ),
            "unreadable status: missing field `status`",
        ),
    ];
    for (fault, expected) in cases {
        emu.admin("reset", Some(serde_json::json!({})));
        if let Some(fault) = fault {
            emu.admin("fail", Some(fault));
        }
        let (code, doc, stderr) = remote_run(&s, &emu, &work, &args);
        assert_eq!(code, 2, "{expected}: {stderr}");
        let errors = doc["shard_errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{doc}");
        let error = errors[0].as_str().unwrap();
        assert!(
            error.contains(expected) && error.contains("resubmitted once"),
            "{expected:?} in {error}"
        );
        assert!(!stderr.contains("still queued"), "{stderr}");
        if expected.starts_with("unreadable") {
            // The trouble is said when it starts, not only at the deadline.
            assert!(stderr.contains("flaky keeps asking for up to"), "{stderr}");
        }
        // Both jobs were given up, so neither runs on.
        assert_eq!(
            emu.state()["cancel_calls"].as_array().unwrap().len(),
            2,
            "{expected}"
        );
    }
}

/// `flaky run --remote runpod` in the background, its stderr readable line by line.
fn spawn_remote(
    s: &Sandbox,
    emu: &Emulator,
    work: &Path,
    args: &[&str],
) -> (Child, BufReader<std::process::ChildStderr>) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("flaky"))
        .current_dir(work)
        .env("FLAKY_DB", s.db())
        .env("FLAKY_NO_PROGRESS", "1")
        .env("RUNPOD_API_KEY", KEY)
        .env("RUNPOD_ENDPOINT_BASE_URL", emu.base())
        .args(["run", "--remote", "runpod", "--endpoint", ENDPOINT])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    (child, stderr)
}

fn sigint(child: &Child) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
}

/// Reads stderr lines until one contains `needle`; all lines read.
fn read_until(stderr: &mut BufReader<std::process::ChildStderr>, needle: &str) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "no {needle:?} in {all}"
        );
        all.push_str(&line);
        if line.contains(needle) {
            return all;
        }
    }
}

#[test]
fn ctrl_c_ends_the_run_while_the_api_hangs_and_a_second_one_exits_at_once() {
    let s = Sandbox::new();
    let emu = Emulator::start();
    let work = pushed_project(&s, &[("check.sh", SCRIPT)]);
    let args = ["-n", "2", "--shards", "1", "--", "sh", "check.sh"];
    for second in [false, true] {
        emu.admin("reset", Some(serde_json::json!({})));
        // The job runs for good; once flaky polls it, every status and cancel call hangs.
        emu.admin("auto", Some(serde_json::json!({"mode": "run"})));
        let (mut flaky, mut stderr) = spawn_remote(&s, &emu, &work, &args);
        wait_until("a status poll", || {
            emu.state()["requests"]["status"].as_u64().unwrap_or(0) > 0
        });
        for route in ["status", "cancel"] {
            emu.admin(
                "fail",
                Some(serde_json::json!({"route": route, "delay_ms": 60000, "count": 100})),
            );
        }
        sigint(&flaky);
        let mut said = read_until(&mut stderr, "interrupted: stopping");
        if second {
            sigint(&flaky);
        }
        // The first Ctrl-C waits out the hung status call (10 s) and one try to cancel (3 s):
        // bounded, but a loaded machine may stretch it.
        crate::wait_until_within("flaky to end", 90, || flaky.try_wait().unwrap().is_some());
        stderr.read_to_string(&mut said).unwrap();
        assert_eq!(flaky.wait().unwrap().code(), Some(130), "{said}");
        if second {
            assert!(said.contains("stopped again: exiting at once"), "{said}");
        } else {
            assert!(
                said.contains("1 of 1 RunPod jobs could not be cancelled"),
                "{said}"
            );
        }
    }
}

#[test]
fn results_that_do_not_match_the_plan_are_refused_like_a_failed_shard() {
    let s = Sandbox::new();
    let emu = Emulator::start();
    let work = pushed_project(&s, &[("check.sh", SCRIPT)]);
    emu.admin("auto", Some(serde_json::json!({"mode": "shard"})));
    emu.admin(
        "fail-shard",
        Some(serde_json::json!({"attempts": [0, 3], "as": "wrong-seed"})),
    );
    emu.admin(
        "fail-shard",
        Some(serde_json::json!({"attempts": [3, 6], "as": "foreign-attempt", "count": 2})),
    );
    let (code, doc, stderr) = remote_run(
        &s,
        &emu,
        &work,
        &["-n", "6", "--shards", "2", "--", "sh", "check.sh"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("sent results that do not match its shard: attempt 0 ran with seed"),
        "{stderr}"
    );
    // [0, 3) came right the second time, with the planned seeds; [3, 6) is lost.
    let seeds: Vec<(u64, u64)> = doc["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["index"].as_u64().unwrap(), a["seed"].as_u64().unwrap()))
        .collect();
    let planned: Vec<(u64, u64)> = (0..3)
        .map(|i| (u64::from(i), flaky::exec::seed::attempt_seed(5, i)))
        .collect();
    assert_eq!(seeds, planned, "{doc}");
    let errors = doc["shard_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{doc}");
    assert!(
        errors[0].as_str().unwrap().starts_with("attempts 3..6: ")
            && errors[0]
                .as_str()
                .unwrap()
                .contains("attempt 1006 is not one of 3..6"),
        "{doc}"
    );
}

#[test]
fn every_class_of_hostile_answer_to_run_is_a_clear_error_and_nothing_keeps_running() {
    let s = Sandbox::new();
    let emu = Emulator::start();
    let work = pushed_project(&s, &[("check.sh", SCRIPT)]);
    let cases = [
        (
            serde_json::json!({"route": "run", "flood": true}),
            "with a body larger than 32 MiB, the most flaky reads",
        ),
        (
            serde_json::json!({"route": "run", "status": 200, "body": "<html>proxy</html>"}),
            "something that is not JSON",
        ),
        (
            serde_json::json!({"route": "run", "status": 200, "body": {"status": "IN_QUEUE"}}),
            "RunPod's answer to /run has no job id",
        ),
        (
            serde_json::json!({"route": "run", "status": 500, "count": 10}),
            "HTTP 500 from POST http://",
        ),
        (
            serde_json::json!({"route": "run", "drop": true, "count": 10}),
            "POST http://",
        ),
    ];
    for (fault, expected) in cases {
        emu.admin("reset", Some(serde_json::json!({})));
        emu.admin("auto", Some(serde_json::json!({"mode": "run"})));
        // The first shard is submitted as usual; the second meets the fault.
        emu.admin(
            "fail",
            Some(serde_json::json!({"route": "run", "delay_ms": 1})),
        );
        emu.admin("fail", Some(fault.clone()));
        let (code, _, stderr) = remote_run(
            &s,
            &emu,
            &work,
            &["-n", "4", "--shards", "2", "--", "sh", "check.sh"],
        );
        assert_eq!(code, 2, "{fault}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{fault}: {expected:?} in {stderr}"
        );
        // The job already submitted was taken back.
        let state = emu.state();
        assert_eq!(
            state["cancel_calls"].as_array().unwrap().len(),
            1,
            "{fault}: {}",
            state["cancel_calls"]
        );
    }
}

#[test]
fn an_origin_the_workers_cannot_fetch_is_refused_before_anything_is_sent() {
    let s = Sandbox::new();
    let emu = Emulator::start();
    let work = pushed_project(&s, &[("check.sh", SCRIPT)]);
    // A path on this machine: no worker fetches it, not even one on this machine.
    let origin = s.path().join("origin.git");
    let ok = Command::new("git")
        .args(["remote", "set-url", "origin"])
        .arg(&origin)
        .current_dir(&work)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let (code, _, stderr) = remote_run(&s, &emu, &work, &["-n", "4", "--", "sh", "check.sh"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "repository `{}` must be https://",
            origin.display()
        )) && stderr.contains("hint: push the commit to a remote the workers can reach"),
        "{stderr}"
    );
    assert_eq!(
        emu.state()["requests"],
        serde_json::json!({}),
        "nothing was sent"
    );
    // file:// only reaches a worker on this machine: not RunPod's.
    let file_url = format!("file://{}", origin.display());
    let ok = Command::new("git")
        .args(["remote", "set-url", "origin", &file_url])
        .current_dir(&work)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    s.flaky()
        .current_dir(&work)
        .env("RUNPOD_API_KEY", KEY)
        .env("RUNPOD_ENDPOINT_BASE_URL", "https://runpod.invalid/v2")
        .args([
            "run",
            "--remote",
            "runpod",
            "--endpoint",
            ENDPOINT,
            "--",
            "sh",
            "check.sh",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "file:// only for a worker started with --allow-file-urls",
        ));
}
