//! `flaky worker`: one job from stdin to stdout, on real git repositories; every bad input,
//! a fetch failure, an install failure, and the cleanup.

use flaky::exec::seed::attempt_seed;

use crate::Sandbox;

/// A git repository in the sandbox with a tiny test script; returns its file:// URL and HEAD.
fn repo(s: &Sandbox, files: &[(&str, &str)]) -> (String, String) {
    repo_with_links(s, files, &[])
}

/// [`repo`] with symbolic links too: (name, target).
fn repo_with_links(
    s: &Sandbox,
    files: &[(&str, &str)],
    links: &[(&str, &str)],
) -> (String, String) {
    let dir = s.path().join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    for (name, target) in links {
        std::os::unix::fs::symlink(target, dir.join(name)).unwrap();
    }
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(&dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "init"]);
    (
        format!("file://{}", dir.display()),
        git(&["rev-parse", "HEAD"]),
    )
}

fn job(url: &str, sha: &str) -> serde_json::Value {
    serde_json::json!({
        "schema_version": flaky::remote::WIRE_VERSION, "run_id": "r1", "repository": url, "commit": sha,
        "command": ["sh", "check.sh"], "attempts": [3, 7], "seed": 11, "jobs": 2, "timeout_ms": 60000
    })
}

/// Runs the worker on `job` with a private work directory; returns (exit code, JSON answer).
fn work(s: &Sandbox, job: &serde_json::Value, allow_files: bool) -> (i32, serde_json::Value) {
    work_with_env(s, job, allow_files, &[])
}

/// [`work`] with these variables in the worker's own environment.
fn work_with_env(
    s: &Sandbox,
    job: &serde_json::Value,
    allow_files: bool,
    env: &[(&str, &str)],
) -> (i32, serde_json::Value) {
    let work = s.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let mut cmd = s.flaky();
    cmd.arg("worker")
        .arg("--work-dir")
        .arg(&work)
        .envs(env.iter().copied());
    if allow_files {
        cmd.arg("--allow-file-urls");
    }
    let out = cmd.write_stdin(job.to_string()).output().unwrap();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let leftovers: Vec<_> = std::fs::read_dir(&work).unwrap().collect();
    assert!(leftovers.is_empty(), "the worker left {leftovers:?} behind");
    (out.status.code().unwrap_or(-1), doc)
}

#[test]
fn a_job_runs_exactly_its_attempts_with_their_seeds() {
    let s = Sandbox::new();
    let (url, sha) = repo(&s, &[("check.sh", "[ $((FLAKY_ATTEMPT % 2)) -eq 0 ]\n")]);
    let (code, doc) = work(&s, &job(&url, &sha), true);
    assert_eq!(code, 0, "{doc}");
    let attempts = doc["attempts"].as_array().unwrap();
    let indexes: Vec<u64> = attempts
        .iter()
        .map(|a| a["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, [3, 4, 5, 6]);
    for a in attempts {
        let i = a["index"].as_u64().unwrap() as u32;
        assert_eq!(a["seed"], attempt_seed(11, i));
        assert_eq!(
            a["exit"],
            serde_json::json!({"code": i32::from(i % 2 == 1)})
        );
    }
    assert_eq!(doc["tests"], serde_json::json!(["sh check.sh"]));
    assert_eq!(doc["framework"], serde_json::Value::Null);
}

/// Credentials a RunPod worker holds in its environment: none may reach the code under test.
pub const WORKER_SECRETS: &[(&str, &str)] = &[
    ("FLAKY_GIT_TOKEN", "ghp_worker_git_token_1"),
    ("GIT_TOKEN", "worker_git_token_2"),
    ("RUNPOD_AI_API_KEY", "worker_runpod_key_3"),
    ("RUNPOD_POD_ID", "worker-pod-4"),
    ("DEPLOY_PASSWORD", "worker_password_5"),
];

/// Whether `text` holds a name or a value of [`WORKER_SECRETS`].
pub fn leaks_worker_secret(text: &str) -> Option<&'static str> {
    WORKER_SECRETS
        .iter()
        .flat_map(|(k, v)| [*k, *v])
        .find(|word| text.contains(word))
}

#[test]
fn the_worker_credentials_reach_neither_the_attempts_nor_the_install() {
    let s = Sandbox::new();
    let (url, sha) = repo(&s, &[("check.sh", "env\nexit 1\n")]);
    let mut j = job(&url, &sha);
    j["command"] = serde_json::json!(["sh", "check.sh", "--api-key=abcdef123"]);
    let (code, doc) = work_with_env(&s, &j, true, WORKER_SECRETS);
    assert_eq!(code, 0, "{doc}");
    let text = doc.to_string();
    assert!(
        text.contains("PATH="),
        "the test printed its environment: {doc}"
    );
    assert_eq!(leaks_worker_secret(&text), None, "{doc}");
    assert_eq!(
        doc["tests"],
        serde_json::json!(["sh check.sh '--api-key=***'"])
    );
    assert!(!text.contains("abcdef123"), "{doc}");

    // The install command (npm ci runs the project's preinstall script) does not get them either.
    // It prints PATH and whatever looks like them, not the whole environment: the error keeps a
    // bounded excerpt, and the order `env` prints in varies.
    let s = Sandbox::new();
    let (url, sha) = repo(
        &s,
        &[
            (
                "package.json",
                r#"{"name": "x", "version": "1.0.0", "scripts": {"test": "mocha", "preinstall": "env | grep -E '^PATH=|worker|TOKEN|RUNPOD|PASSWORD'; exit 3"}, "devDependencies": {}}"#,
            ),
            (
                "package-lock.json",
                r#"{"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "x", "version": "1.0.0"}}}"#,
            ),
        ],
    );
    let mut j = job(&url, &sha);
    j["command"] = serde_json::json!([]);
    let (code, doc) = work_with_env(&s, &j, true, WORKER_SECRETS);
    assert_eq!(code, 2, "{doc}");
    let error = doc["error"].as_str().unwrap();
    assert!(
        error.starts_with("the install command `npm ci` failed") && error.contains("PATH="),
        "{error}"
    );
    assert_eq!(leaks_worker_secret(error), None, "{error}");
}

#[test]
fn every_bad_input_is_refused_with_its_reason() {
    let s = Sandbox::new();
    let (url, sha) = repo(&s, &[("check.sh", "true\n")]);
    let base = job(&url, &sha);
    let with = |k: &str, v: serde_json::Value| {
        let mut j = base.clone();
        j[k] = v;
        j
    };
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (serde_json::json!("not an object"), "not a flaky job"),
        (
            with("surprise", serde_json::json!(1)),
            "unknown field `surprise`",
        ),
        (
            with("schema_version", serde_json::json!(9)),
            "schema_version 9",
        ),
        (
            with("repository", serde_json::json!("http://example.com/r.git")),
            "must be https://",
        ),
        (
            with(
                "repository",
                serde_json::json!("https://user:tok@example.com/r.git"),
            ),
            "carries credentials",
        ),
        (
            with("repository", serde_json::json!("--upload-pack=evil")),
            "must be https://",
        ),
        (
            with("commit", serde_json::json!("abc123")),
            "full 40-character sha",
        ),
        (
            with("commit", serde_json::json!("z".repeat(40))),
            "full 40-character sha",
        ),
        (
            with("attempts", serde_json::json!([5, 5])),
            "attempts [5, 5)",
        ),
        (
            with("attempts", serde_json::json!([0, 100_001])),
            "1 to 100000",
        ),
        (with("jobs", serde_json::json!(0)), "jobs is 0"),
        (with("jobs", serde_json::json!(65)), "jobs is 65"),
        (with("timeout_ms", serde_json::json!(0)), "timeout_ms is 0"),
        (
            with("dir", serde_json::json!("../outside")),
            "relative path inside",
        ),
        (
            with("dir", serde_json::json!("/etc")),
            "relative path inside",
        ),
        (with("dir", serde_json::json!("missing")), "not a directory"),
        (
            with("env", serde_json::json!({"A=B": "x"})),
            "invalid variable name",
        ),
        (with("run_id", serde_json::json!("a b")), "run_id"),
        (
            with("framework", serde_json::json!("junit5")),
            "unknown framework `junit5`",
        ),
        (
            with("tests", serde_json::json!(["a::b"])),
            "needs a framework",
        ),
        (
            {
                let mut j = with("shell", serde_json::json!(true));
                j["command"] = serde_json::json!([]);
                j
            },
            "no command",
        ),
    ];
    for (job, expected) in cases {
        let (code, doc) = work(&s, &job, true);
        let error = doc["error"].as_str().unwrap_or_default();
        assert_eq!(code, 2, "{job}: {doc}");
        assert!(
            error.contains(expected),
            "{job}: expected {expected:?} in {error:?}"
        );
    }
    let (code, doc) = work(&s, &base, false);
    assert_eq!(code, 2);
    assert!(
        doc["error"].as_str().unwrap().contains("--allow-file-urls"),
        "{doc}"
    );
}

#[test]
fn a_fetch_failure_and_an_install_failure_are_clear_errors() {
    let s = Sandbox::new();
    let (url, _) = repo(&s, &[("check.sh", "true\n")]);
    let (code, doc) = work(&s, &job(&url, &"ab".repeat(20)), true);
    assert_eq!(code, 2);
    let error = doc["error"].as_str().unwrap();
    assert!(
        error.starts_with("cannot fetch commit abababab") && error.contains("`git fetch` failed"),
        "{error}"
    );

    // package.json and its lock file disagree: `npm ci` refuses before touching the network.
    let s = Sandbox::new();
    let (url, sha) = repo(
        &s,
        &[
            (
                "package.json",
                r#"{"name": "x", "version": "1.0.0", "scripts": {"test": "mocha"}, "devDependencies": {"mocha": "^11"}}"#,
            ),
            (
                "package-lock.json",
                r#"{"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "x", "version": "1.0.0"}}}"#,
            ),
        ],
    );
    let mut j = job(&url, &sha);
    j["command"] = serde_json::json!([]);
    let (code, doc) = work(&s, &j, true);
    assert_eq!(code, 2);
    let error = doc["error"].as_str().unwrap();
    assert!(
        error.starts_with("the install command `npm ci` failed"),
        "{error}"
    );
}

/// A `flaky worker` child with a job on stdin, killed if the test ends before it does.
struct Spawned(std::process::Child);

impl Spawned {
    fn start(s: &Sandbox, job: &serde_json::Value, tmp: &std::path::Path) -> Self {
        use std::io::Write;
        let work = s.path().join("work");
        std::fs::create_dir_all(&work).unwrap();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("flaky"))
            .args(["worker", "--allow-file-urls", "--work-dir"])
            .arg(&work)
            .env("TMPDIR", tmp)
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(job.to_string().as_bytes()).unwrap();
        drop(stdin);
        Self(child)
    }

    /// Waits for the worker; its exit code and JSON answer.
    fn finish(mut self) -> (i32, serde_json::Value) {
        use std::io::Read;
        let mut out = Vec::new();
        self.0.stdout.take().unwrap().read_to_end(&mut out).unwrap();
        let code = self.0.wait().unwrap().code().unwrap_or(-1);
        let doc = serde_json::from_slice(&out)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)));
        (code, doc)
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn two_shards_of_one_run_on_one_host_keep_their_own_temporary_directories() {
    let s = Sandbox::new();
    // Attempt 1 says it runs, then holds on until the test creates `go` (for at most 30 s, a
    // bound for a broken build, so no attempt outlives a failed test for long).
    let (url, sha) = repo(
        &s,
        &[(
            "check.sh",
            "if [ \"$FLAKY_ATTEMPT\" = 1 ]; then\n  touch \"$MARKS/running\"\n  i=0\n  while [ ! -e \"$MARKS/go\" ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i + 1)); done\nfi\n",
        )],
    );
    let marks = s.path().join("marks");
    std::fs::create_dir_all(&marks).unwrap();
    // Both processes share TMPDIR, as two jobs on one worker host do.
    let tmp = s.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let shard = |attempts: [u32; 2]| {
        let mut j = job(&url, &sha);
        j["attempts"] = serde_json::json!(attempts);
        j["jobs"] = serde_json::json!(1);
        j["env"] = serde_json::json!({"MARKS": marks});
        j
    };

    let held = Spawned::start(&s, &shard([1, 4]), &tmp);
    crate::wait_until("attempt 1 to run", || marks.join("running").exists());
    // The other shard runs from start to end while the first is in the middle of its attempts.
    let (code, doc) = Spawned::start(&s, &shard([0, 1]), &tmp).finish();
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["attempts"].as_array().unwrap().len(), 1, "{doc}");
    std::fs::write(marks.join("go"), "").unwrap();
    let (code, doc) = held.finish();
    assert_eq!(code, 0, "the shard still running lost its directory: {doc}");
    let indexes: Vec<u64> = doc["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, [1, 2, 3]);
    let leftovers: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(leftovers.is_empty(), "left in TMPDIR: {leftovers:?}");
}

#[test]
fn a_dir_that_leaves_the_checkout_through_a_symlink_is_refused() {
    let s = Sandbox::new();
    let (url, sha) = repo_with_links(
        &s,
        &[("sub/check.sh", "pwd\n")],
        &[("root", "/"), ("sub/up", "../.."), ("inside", "sub")],
    );
    for dir in ["root", "sub/up", "inside/up"] {
        let mut j = job(&url, &sha);
        j["dir"] = serde_json::json!(dir);
        let (code, doc) = work(&s, &j, true);
        assert_eq!(code, 2, "{dir}: {doc}");
        let error = doc["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(&format!(
                "`dir` {dir} leads out of the repository through a symbolic link"
            )),
            "{dir}: {error}"
        );
    }
    // A link that stays inside is fine.
    let mut j = job(&url, &sha);
    j["dir"] = serde_json::json!("inside");
    let (code, doc) = work(&s, &j, true);
    assert_eq!(code, 0, "{doc}");
}

/// SIGTERM to the worker; it must end by itself, with an error and without leftovers.
fn terminate(s: &Sandbox, mut worker: Spawned, needle: &str) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(worker.0.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    crate::wait_until("the worker to end after SIGTERM", || {
        worker.0.try_wait().unwrap().is_some()
    });
    let (code, doc) = worker.finish();
    assert_eq!(code, 2, "{doc}");
    assert!(
        doc["error"]
            .as_str()
            .unwrap_or_default()
            .contains("stopped by a signal"),
        "{doc}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(s.path().join("work")).unwrap().collect();
    assert!(leftovers.is_empty(), "the checkout is left: {leftovers:?}");
    assert_eq!(
        crate::processes_with(needle),
        Vec::<i32>::new(),
        "left running"
    );
}

#[test]
fn sigterm_during_the_fetch_and_the_install_ends_the_worker_and_what_it_started() {
    // The fetch: a server that accepts the connection and never answers.
    let s = Sandbox::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!("https://127.0.0.1:{port}/hangs.git");
    let tmp = s.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let worker = Spawned::start(&s, &job(&url, &"ab".repeat(20)), &tmp);
    let (_held, _) = listener.accept().unwrap();
    terminate(&s, worker, &format!("127.0.0.1:{port}"));

    // The install: npm ci runs a preinstall script that says it runs, then waits.
    let s = Sandbox::new();
    let marks = s.path().join("marks");
    std::fs::create_dir_all(&marks).unwrap();
    let script = format!("touch {}/installing && sleep 1000.7373", marks.display());
    let package = serde_json::json!({
        "name": "x", "version": "1.0.0",
        "scripts": {"test": "mocha", "preinstall": script},
        "devDependencies": {}
    });
    let (url, sha) = repo(
        &s,
        &[
            ("package.json", &package.to_string()),
            (
                "package-lock.json",
                r#"{"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "x", "version": "1.0.0"}}}"#,
            ),
        ],
    );
    let mut j = job(&url, &sha);
    j["command"] = serde_json::json!([]);
    let tmp = s.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let worker = Spawned::start(&s, &j, &tmp);
    crate::wait_until("the install to run", || marks.join("installing").exists());
    terminate(&s, worker, "1000.7373");
}
