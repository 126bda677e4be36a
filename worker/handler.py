"""The RunPod Serverless worker of `flaky run --remote runpod`.

The official RunPod SDK takes jobs from the endpoint's queue and calls `handler` for each; the
handler runs `flaky worker` with the job's input (a flaky Job, src/remote/mod.rs) as JSON on
stdin and returns the ShardResult it prints on stdout. A returned `{"error": "..."}` makes the job
FAILED. When the job is cancelled or times out, the SDK cancels the handler's task: the handler
then stops `flaky worker` (started in a session of its own) and everything it started, and
re-raises: SIGTERM first, so flaky kills each attempt's process group and removes its checkout,
then, after at most STOP_GRACE seconds, SIGKILL for flaky's process group
(`os.killpg(proc.pid, SIGKILL)`) and for every process still in the session (the attempts run in
process groups of their own, which killing flaky's group alone would leave running).

Environment:
  FLAKY_BIN                     the flaky binary [default: flaky, from PATH]
  FLAKY_WORKER_ALLOW_FILE_URLS  1: pass --allow-file-urls (tests and local setups only)
  FLAKY_WORKER_DIR              where each job's directory (checkout, TMPDIR) goes [default: /tmp]
  FLAKY_GIT_TOKEN               a token for private https repositories (read by flaky worker,
                                which gives it to git's credential helper only)
  FLAKY_WORKER_PASS_ENV         more variable names (comma-separated) flaky worker and the tests get

flaky worker gets an allow-list of this process's environment (PASS_ENV, PASS_PREFIXES and
FLAKY_WORKER_PASS_ENV): never RunPod's key and settings (RUNPOD_*), which the SDK holds. flaky
worker itself then removes the git token and every secret-looking name from what the install
command and the tests get.
"""

import asyncio
import ctypes
import json
import os
import shutil
import signal
import tempfile

import runpod

# How much of flaky's stderr an error quotes.
STDERR_TAIL = 2000
# How long flaky worker may take to stop its attempts after SIGTERM before it is killed.
STOP_GRACE = 5.0
# The variables flaky worker (and so the tests) may get from this process's environment.
PASS_ENV = (
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TERM", "HOSTNAME",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy",
    "https_proxy", "no_proxy", "FLAKY_BIN", "FLAKY_GIT_TOKEN", "GIT_TOKEN", "FLAKY_NO_PROGRESS",
    "CI", "JAVA_HOME", "CARGO_HOME", "RUSTUP_HOME", "VIRTUAL_ENV", "NODE_PATH", "GOPATH", "GOROOT",
    "GOCACHE", "GOMODCACHE", "GOFLAGS", "GOPROXY", "GOTOOLCHAIN",
)
PASS_PREFIXES = ("LC_", "NPM_CONFIG_", "npm_config_", "PIP_", "PYTHON")


def _command(work_dir):
    argv = [os.environ.get("FLAKY_BIN") or "flaky", "worker", "--work-dir", work_dir]
    if os.environ.get("FLAKY_WORKER_ALLOW_FILE_URLS") == "1":
        argv.append("--allow-file-urls")
    return argv


def _child_env(work_dir):
    """The allow-listed part of this process's environment, with TMPDIR the job's directory."""
    extra = {n.strip() for n in os.environ.get("FLAKY_WORKER_PASS_ENV", "").split(",") if n.strip()}
    env = {
        k: v
        for k, v in os.environ.items()
        if (k in PASS_ENV or k.startswith(PASS_PREFIXES) or k in extra) and not k.startswith("RUNPOD_")
    }
    env["TMPDIR"] = work_dir
    return env


def _not_dumpable():
    """The tests run as this process's user: make its /proc/PID/environ (RunPod's key, the git
    token) unreadable to them (prctl PR_SET_DUMPABLE 0; Linux only, best effort)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _tail(data):
    text = data.decode("utf-8", "replace").strip()
    return text[-STDERR_TAIL:]


def _session_members(sid):
    """Pids of the processes whose session is `sid` (Linux /proc; empty elsewhere)."""
    pids = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return pids
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            # pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses.
            if int(stat[stat.rindex(b")") + 2 :].split()[3]) == sid:
                pids.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def _kill_all(proc):
    """SIGKILL for flaky's process group, then for every process left in its session: flaky
    runs each attempt in a process group of its own, so killing flaky's group alone would leave
    the test commands running when flaky itself could not stop them."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for _ in range(10):  # a few rounds, for processes forked while we were killing
        pids = _session_members(proc.pid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


async def _stop(proc):
    """Stops flaky worker and everything it started: SIGTERM first (flaky then kills each
    attempt's process group itself), SIGKILL for all that is left after a short grace."""
    try:
        if proc.returncode is None:
            try:
                proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                await asyncio.wait_for(asyncio.shield(proc.wait()), STOP_GRACE)
            except asyncio.TimeoutError:
                pass
    finally:
        _kill_all(proc)
        await proc.wait()


async def handler(job):
    # One directory per job for the checkout and every temporary file (TMPDIR), removed at the
    # end whatever happened, so a long-lived worker does not fill its disk.
    work_dir = tempfile.mkdtemp(prefix="flaky-job-", dir=os.environ.get("FLAKY_WORKER_DIR") or None)
    try:
        return await _run(job, work_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


async def _run(job, work_dir):
    payload = json.dumps(job.get("input")).encode()
    argv = _command(work_dir)
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            env=_child_env(work_dir),
        )
    except OSError as e:
        return {"error": f"cannot start flaky worker ({argv[0]}): {e}"}
    try:
        stdout, stderr = await proc.communicate(payload)
    except BaseException:
        # Cancelled (the job was cancelled or timed out) or anything else: flaky, the test
        # commands and their children all go, then the cancellation goes on.
        await _stop(proc)
        raise
    # flaky is gone; make sure nothing it started is left behind either.
    _kill_all(proc)
    try:
        result = json.loads(stdout)
    except ValueError:
        result = None
    if isinstance(result, dict):
        # A ShardResult (exit 0) or {"error": "..."} (exit 2): both go back as they are.
        if proc.returncode != 0 and "error" not in result:
            return {"error": f"flaky worker exited with status {proc.returncode}: {_tail(stderr)}"}
        return result
    if proc.returncode >= 0:
        how = f"exited with status {proc.returncode}"
    else:
        how = f"was killed by signal {-proc.returncode}"
    return {"error": f"flaky worker {how} without a result: {_tail(stderr) or _tail(stdout) or 'no output'}"}


if __name__ == "__main__":
    _not_dumpable()
    runpod.serverless.start({"handler": handler})
