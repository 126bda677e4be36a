#!/usr/bin/env python3
"""End-to-end test of the RunPod worker side, without the flaky client: the loopback emulator
(tests/runpod/emulator.py), the real RunPod SDK worker (worker/handler.py) taking jobs from it and
running `flaky worker`, and jobs submitted and polled through the hosted API as a client would.

    <venv>/bin/python3 tests/runpod/e2e_worker.py [--flaky target/debug/flaky] [--python PY]

Run it with a Python that has `runpod` (worker/requirements.txt) installed, or name one with
--python (the worker runs under it; this script and the emulator need only the standard library).
Checks, in order:
  1. a shard of attempts [3, 11) of a flaky shell suite (a temporary git repository served as
     file://) completes, and its ShardResult is the one `flaky worker` gives locally for the
     same job (same attempt indexes, seeds, exits and per-test outcomes);
  2. a job whose commit does not exist is FAILED with flaky's own error message;
  3. cancelling a running job (`sh -c 'sleep ...'`) delivers it in jobsToStop and leaves no
     `flaky worker`, `sh` or `sleep` process of that job behind;
  4. a job over its policy.executionTimeout is TIMED_OUT, with the same clean-up;
  5. the worker still takes and completes a job afterwards, and no job directory is left.
Exit status: 0 all passed, 1 a check failed, 2 the setup is missing something (runpod, flaky).
Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
API_KEY = "e2e-api-key"
WORKER_KEY = "e2e-worker-key"
ENDPOINT = "e2e-endpoint"
POD_ID = "e2e-worker-1"


class Failed(Exception):
    pass


class Setup(Exception):
    pass


def say(msg):
    print(f"e2e: {msg}", flush=True)


def check(cond, msg):
    if not cond:
        raise Failed(msg)
    say(f"ok: {msg}")


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, admin=False, timeout=30):
        headers = {"Content-Type": "application/json"}
        if not admin:
            headers["Authorization"] = f"Bearer {API_KEY}"
        url = self.base + (path if admin else f"/v2/{ENDPOINT}{path}")
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read()
                return r.status, json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                return e.code, json.loads(text) if text else None
            except ValueError:
                return e.code, text.decode(errors="replace")

    def run(self, job, policy=None):
        body = {"input": job}
        if policy:
            body["policy"] = policy
        status, doc = self.call("POST", "/run", body)
        if status != 200 or doc.get("status") != "IN_QUEUE":
            raise Failed(f"/run answered {status} {doc}")
        return doc["id"]

    def status(self, job_id):
        status, doc = self.call("GET", f"/status/{job_id}")
        if status != 200:
            raise Failed(f"/status/{job_id} answered {status} {doc}")
        return doc

    def wait(self, job_id, until, limit):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            doc = self.status(job_id)
            if doc["status"] in until:
                return doc
            time.sleep(0.2)
        raise Failed(f"job {job_id} is still {doc['status']} after {limit:.0f} s (wanted {'/'.join(until)})")

    def state(self):
        return self.call("GET", "/_emulator/state", admin=True)[1]


# ------------------------------------------------------------------ processes (via /proc)
def proc_table():
    """{pid: (session id, command line)} of every process we can read."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            sid = int(stat[stat.rindex(b")") + 2 :].split()[3])
        except (OSError, ValueError, IndexError):
            continue
        if cmdline:
            table[int(entry)] = (sid, cmdline)
    return table


def find(pattern):
    return {pid: cmd for pid, (_, cmd) in proc_table().items() if pattern in cmd and "e2e_worker" not in cmd}


def session(sid):
    return {pid: cmd for pid, (s, cmd) in proc_table().items() if s == sid}


def wait_for(what, predicate, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise Failed(f"{what} (waited {limit:.0f} s)")


# ------------------------------------------------------------------ fixtures
def make_repo(tmp):
    repo = os.path.join(tmp, "repo")
    os.makedirs(repo)
    shutil.copy2(os.path.join(ROOT, "examples", "shell", "run-tests.sh"), repo)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "e2e",
        "GIT_AUTHOR_EMAIL": "e2e@example.invalid",
        "GIT_COMMITTER_NAME": "e2e",
        "GIT_COMMITTER_EMAIL": "e2e@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": tmp,
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "flaky shell suite"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout.strip()
    return repo, sha


def job(repo, sha, run_id, attempts, command, jobs=2, timeout_ms=60_000):
    return {
        "schema_version": 2,
        "run_id": run_id,
        "repository": "file://" + repo,
        "commit": sha,
        "command": command,
        "shell": False,
        "attempts": attempts,
        "seed": 7,
        "jobs": jobs,
        "timeout_ms": timeout_ms,
        "install": False,
    }


def comparable(result):
    """What must not depend on where the shard ran: indexes, seeds, exits, outcomes per test id."""
    tests = result["tests"]
    return [
        (a["index"], a["seed"], a["order_seed"], json.dumps(a["exit"], sort_keys=True), sorted((tests[t], o) for t, o, _, _ in a["results"]))
        for a in result["attempts"]
    ]


def start_emulator(python, tmp):
    log = open(os.path.join(tmp, "emulator.log"), "wb")
    proc = subprocess.Popen(
        [python, os.path.join(ROOT, "tests", "runpod", "emulator.py"), "--port", "0", "--api-key", API_KEY,
         "--endpoint", ENDPOINT, "--worker-key", WORKER_KEY, "--max-lifetime", "600", "--take-wait", "1", "--stop-wait", "1"],
        stdout=subprocess.PIPE, stderr=log, text=True,
    )
    line = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(15)
    if not line or not line[0].startswith("listening on http://127.0.0.1:"):
        proc.kill()
        raise Setup(f"the emulator did not start: {line!r}")
    return proc, line[0].split()[-1]


def start_worker(python, flaky, base, tmp, work):
    env = {
        **os.environ,
        "HOME": tmp,  # no ~/.runpod/config.toml credentials from the developer's machine
        "RUNPOD_WEBHOOK_GET_JOB": f"{base}/v2/{ENDPOINT}/job-take/$ID?gpu=cpu",
        "RUNPOD_WEBHOOK_POST_OUTPUT": f"{base}/v2/{ENDPOINT}/job-done/$RUNPOD_POD_ID/$ID?gpu=cpu",
        "RUNPOD_WEBHOOK_POST_STREAM": f"{base}/v2/{ENDPOINT}/job-stream/$RUNPOD_POD_ID/$ID?gpu=cpu",
        "RUNPOD_WEBHOOK_PING": f"{base}/v2/{ENDPOINT}/ping/$RUNPOD_POD_ID?gpu=cpu",
        "RUNPOD_PING_INTERVAL": "2000",
        "RUNPOD_AI_API_KEY": WORKER_KEY,
        "RUNPOD_POD_ID": POD_ID,
        "RUNPOD_SKIP_AUTO_SYSTEM_CHECKS": "true",
        "FLAKY_BIN": flaky,
        "FLAKY_WORKER_ALLOW_FILE_URLS": "1",
        "FLAKY_WORKER_DIR": work,
        "PYTHONUNBUFFERED": "1",
    }
    log = open(os.path.join(tmp, "worker.log"), "wb")
    return subprocess.Popen(
        [python, "-u", os.path.join(ROOT, "worker", "handler.py")],
        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )


def stop(proc, group, limit=10):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM) if group else proc.terminate()
        proc.wait(limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL) if group else proc.kill()
        proc.wait(limit)
    except ProcessLookupError:
        pass


def tail(path, n=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


# ------------------------------------------------------------------ the checks
def stop_case(api, worker, repo, sha, name, policy, cancel, limit):
    """A job that sleeps; it is stopped by /cancel or by its execution timeout. Checks the stop
    reached the worker and that flaky worker and everything it started are gone."""
    marker = "1000.%d" % (os.getpid() % 1000 + (1 if cancel else 2) * 1000)  # unique `sleep` argument
    job_id = api.run(job(repo, sha, f"e2e-{name}", [0, 2], ["sh", "-c", f"sleep {marker}"], jobs=2, timeout_ms=600_000), policy)
    api.wait(job_id, ("IN_PROGRESS",), 30)
    sleeps = wait_for("the job's two `sleep` processes never started", lambda: len(find(f"sleep {marker}")) >= 2 and find(f"sleep {marker}"), 30)
    flaky = {pid: cmd for pid, cmd in find("worker --work-dir").items() if proc_table().get(pid, (0,))[0] == pid}
    check(len(flaky) == 1, f"{name}: `flaky worker` runs as the leader of its own session (pid {sorted(flaky)}), "
          f"with {len(sleeps)} `sh`/`sleep` processes of the job ({sorted(sleeps)})")
    sid = next(iter(flaky))
    check(all(proc_table().get(p, (None,))[0] == sid for p in sleeps), f"{name}: the sleeps are in flaky's session {sid}")
    if cancel:
        status, doc = api.call("POST", f"/cancel/{job_id}")
        check(status == 200 and doc == {"id": job_id, "status": "CANCELLED"}, f"{name}: /cancel answered {status} {doc}")
    doc = api.wait(job_id, ("CANCELLED", "TIMED_OUT", "COMPLETED", "FAILED"), limit)
    want = "CANCELLED" if cancel else "TIMED_OUT"
    check(doc["status"] == want, f"{name}: the job is {doc['status']} (want {want})")
    t0 = time.monotonic()
    wait_for(f"{name}: job {job_id} was never delivered in jobsToStop",
             lambda: any(job_id in d["jobsToStop"] for d in api.state()["stops_delivered"]), 15)
    say(f"ok: {name}: job-stop delivered {job_id} to {POD_ID}")
    wait_for(f"{name}: processes of the job are still alive: {session(sid)} {find(f'sleep {marker}')}",
             lambda: not session(sid) and not find(f"sleep {marker}"), 20)
    check(True, f"{name}: flaky worker (pid {sid}), the sh and sleep processes are gone "
          f"{time.monotonic() - t0:.1f} s after the job was {want} (no process left in session {sid}, none matches `sleep {marker}`)")
    check(worker.poll() is None, f"{name}: the SDK worker itself is still running")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--flaky", default=os.environ.get("FLAKY_BIN") or os.path.join(ROOT, "target", "debug", "flaky"))
    p.add_argument("--python", default=sys.executable, help="the Python with `runpod` installed that runs the worker")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, repository)")
    args = p.parse_args()
    flaky = os.path.abspath(args.flaky)
    if not os.access(flaky, os.X_OK):
        say(f"setup: no flaky binary at {flaky} (cargo build, or --flaky PATH)")
        return 2
    probe = subprocess.run([args.python, "-c", "import runpod; print(runpod.__version__)"], capture_output=True, text=True)
    if probe.returncode != 0:
        say(f"setup: {args.python} cannot import runpod (pip install -r worker/requirements.txt): {probe.stderr.strip()[-300:]}")
        return 2
    say(f"runpod {probe.stdout.strip()} under {args.python}; flaky at {flaky}")

    tmp = tempfile.mkdtemp(prefix="flaky-e2e-runpod-")
    work = os.path.join(tmp, "work")
    os.makedirs(work)
    emulator = worker = None
    code = 1
    try:
        repo, sha = make_repo(tmp)
        emulator, base = start_emulator(sys.executable, tmp)
        say(f"emulator at {base}")
        api = Api(base)
        worker = start_worker(args.python, flaky, base, tmp, work)

        def polling():
            health = api.call("GET", "/health")[1]
            return health["workers"]["idle"] >= 1 and health
        health = wait_for("the SDK worker never polled the emulator", lambda: worker.poll() is None and polling(), 60)
        check(worker.poll() is None, f"the SDK worker polls the emulator (/health workers: {health['workers']})")

        # 1. a real shard.
        shard = job(repo, sha, "e2e-shard", [3, 11], ["./run-tests.sh"])
        job_id = api.run(shard, {"executionTimeout": 120_000})
        doc = api.wait(job_id, ("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"), 120)
        check(doc["status"] == "COMPLETED", f"shard: job {job_id} is {doc['status']} {doc.get('error', '')}")
        check(doc.get("workerId") == POD_ID and isinstance(doc.get("delayTime"), int) and isinstance(doc.get("executionTime"), int),
              f"shard: status carries workerId {doc.get('workerId')}, delayTime {doc.get('delayTime')} ms, executionTime {doc.get('executionTime')} ms")
        result = doc.get("output")
        check(isinstance(result, dict) and result.get("schema_version") == 2, "shard: the output is a ShardResult (schema_version 2)")
        indexes = [a["index"] for a in result["attempts"]]
        check(indexes == list(range(3, 11)), f"shard: {len(indexes)} attempts, indexes {indexes}")
        for a in result["attempts"]:
            for t, _, _, m in a["results"]:
                if not (0 <= t < len(result["tests"]) and -1 <= m < len(result["messages"])):
                    raise Failed(f"shard: attempt {a['index']} has an index out of range: {a['results']}")
        failed = [a["index"] for a in result["attempts"] if a["exit"] != {"code": 0}]
        check(True, f"shard: test and message indexes resolve; tests {result['tests']}; failed attempts {failed}")
        local = subprocess.run([flaky, "worker", "--allow-file-urls", "--work-dir", work], input=json.dumps(shard),
                               capture_output=True, text=True, timeout=120)
        check(local.returncode == 0, f"shard: `flaky worker` run locally on the same job exits 0 {local.stderr[-300:]}")
        check(comparable(json.loads(local.stdout)) == comparable(result),
              "shard: the remote result equals the local one (indexes, seeds, exits, outcomes per test)")

        # 2. flaky's own error: FAILED with its message as the error string.
        bad = job(repo, "0" * 40, "e2e-bad", [0, 1], ["./run-tests.sh"])
        doc = api.wait(api.run(bad), ("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"), 60)
        check(doc["status"] == "FAILED" and isinstance(doc.get("error"), str) and "cannot fetch commit" in doc["error"],
              f"bad commit: FAILED with error {doc.get('error', '')[:120]!r}")

        # 3. and 4. stops.
        stop_case(api, worker, repo, sha, "cancel", None, True, 30)
        stop_case(api, worker, repo, sha, "timeout", {"executionTimeout": 3000}, False, 30)

        # 5. still working, and clean.
        again = job(repo, sha, "e2e-again", [0, 2], ["./run-tests.sh"])
        doc = api.wait(api.run(again), ("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"), 60)
        check(doc["status"] == "COMPLETED" and [a["index"] for a in doc["output"]["attempts"]] == [0, 1],
              "after the stops the worker completes another job (attempts [0, 2))")
        wait_for(f"job directories are left in FLAKY_WORKER_DIR: {os.listdir(work)}", lambda: not os.listdir(work), 10)
        check(True, "no job directory is left behind in FLAKY_WORKER_DIR")
        state = api.state()
        check(not state["late_results"], f"no result arrived for a stopped job ({len(state['late_results'])} late)")
        say("all checks passed")
        code = 0
    except Failed as e:
        say(f"FAILED: {e}")
    except Setup as e:
        say(f"setup: {e}")
        code = 2
    finally:
        stop(worker, group=True)
        stop(emulator, group=False)
        if code != 0:
            for name in ("worker.log", "emulator.log"):
                sys.stdout.write(f"--- tail of {name}\n{tail(os.path.join(tmp, name))}")
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
