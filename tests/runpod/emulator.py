#!/usr/bin/env python3
"""A loopback emulator of RunPod Serverless, for tests: the hosted queue API a client calls
(`/v2/{endpoint}/run`, `/status`, `/status-sync`, `/cancel`, `/health`, `/retry`, `/purge-queue`,
`/runsync`) and the worker-facing protocol the official Python SDK (runpod 1.12.0) speaks
(`job-take`, `job-stop`, `job-done`, `job-stream`, `ping`), plus an admin API under `/_emulator/`
for deterministic fault injection and assertions. Python 3.11 standard library only.

    python3 tests/runpod/emulator.py --port 0 --api-key KEY --endpoint ENDPOINT_ID [--worker-key WKEY]

prints `listening on http://127.0.0.1:PORT` (one line, flushed) and serves until SIGTERM/SIGINT,
`POST /_emulator/shutdown` or `--max-lifetime` seconds. It binds 127.0.0.1 only. See README.md
next to it for every route.
"""

from __future__ import annotations

import argparse
import collections
import json
import signal
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TERMINAL = ("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT")
STATUSES = ("IN_QUEUE", "IN_PROGRESS") + TERMINAL
RUN_LIMIT = 10 * 1024 * 1024  # /run input limit
RUNSYNC_LIMIT = 20 * 1024 * 1024  # /runsync input limit
READ_CAP = 64 * 1024 * 1024  # bodies above this are refused unread (connection closed)
MAX_JOBS = 100_000  # jobs held at once (queued, running or retained)
MAX_WAIT_MS = 300_000  # longest long-poll a client may ask for
DEFAULT_SYNC_WAIT_MS = 90_000
LOG_CAP = 5_000  # request log entries kept
LIST_CAP = 10_000  # cancel calls, late results, expired ids, webhooks kept
MAX_FAULTS = 10_000  # queued fault injections per route
MAX_SHARD_ATTEMPTS = 100_000
MAX_DELAY_MS = 60_000  # longest injected response delay
TICK = 0.05  # reaper period, seconds
HOSTED = ("run", "runsync", "status", "status-sync", "cancel", "retry", "health", "purge-queue")
WORKER = ("job-take", "job-take-batch", "job-stop", "job-done", "job-stream", "ping")
DEFAULT_LIMITS = {"run": (1000, 10.0), "status": (2000, 10.0), "cancel": (100, 10.0)}
AUTO_WORKER = "emulator-auto"
MISSING = object()


class Job:
    __slots__ = (
        "id", "seq", "input", "policy", "webhook", "status", "submitted", "started", "finished",
        "worker_id", "output", "error", "retries", "execution_timeout", "ttl_at", "expire_at",
        "auto", "auto_at", "script", "duplicate", "polls", "stream", "sync", "fault",
    )

    def __init__(self, seq, job_id, body, now, execution_timeout):
        self.seq = seq
        self.id = job_id
        self.input = body.get("input")
        self.policy = body.get("policy") or {}
        self.webhook = body.get("webhook")
        self.status = "IN_QUEUE"
        self.submitted = now
        self.started = None
        self.finished = None
        self.worker_id = None
        self.output = MISSING
        self.error = MISSING
        self.retries = 0
        self.execution_timeout = execution_timeout
        ttl = self.policy.get("ttl")
        self.ttl_at = now + ttl / 1000.0 if ttl else None
        self.expire_at = None
        self.auto = None  # the auto-completion spec this job follows, if any
        self.auto_at = None
        self.script = collections.deque()  # scripted /status answers
        self.duplicate = None  # {"after": n, "phase": ...}
        self.polls = 0  # /status calls that saw this job
        self.stream = []
        self.sync = False  # submitted by /runsync
        self.fault = None  # how this job ends instead (a /_emulator/fail-shard match)

    def public(self, now):
        d = {"id": self.id, "status": self.status}
        if self.started is not None:
            d["delayTime"] = int((self.started - self.submitted) * 1000)
            end = self.finished if self.finished is not None else (now if self.status == "IN_PROGRESS" else None)
            if end is not None:
                d["executionTime"] = int((end - self.started) * 1000)
        if self.worker_id:
            d["workerId"] = self.worker_id
        if self.output is not MISSING:
            d["output"] = self.output
        if self.error is not MISSING:
            d["error"] = self.error
        return d

    def dump(self, now):
        d = self.public(now)
        d.update(
            input=self.input,
            policy=self.policy,
            webhook=self.webhook,
            retries=self.retries,
            polls=self.polls,
            executionTimeoutMs=int(self.execution_timeout * 1000),
            hasOutput=self.output is not MISSING,
            stream=self.stream,
            scriptLeft=len(self.script),
        )
        return d


class Emulator:
    def __init__(self, args):
        self.args = args
        self.cond = threading.Condition()
        self.stopping = threading.Event()
        self.t0 = time.monotonic()
        self.reset_locked()

    # Everything below that ends in _locked expects self.cond to be held.
    def reset_locked(self):
        self.jobs: dict[str, Job] = {}
        self.queue: collections.deque[str] = collections.deque()
        self.seq = 0
        self.stop_signals: dict[str, list[str]] = collections.defaultdict(list)
        self.workers: dict[str, dict] = {}
        self.faults: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self.auto = None
        self.paused = False
        self.health_override = None
        self.shard_faults: list[dict] = []  # /_emulator/fail-shard, pending
        self.limits = dict(DEFAULT_LIMITS)
        self.windows: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self.counts = collections.Counter()
        self.log = collections.deque(maxlen=LOG_CAP)
        self.cancel_calls = collections.deque(maxlen=LIST_CAP)
        self.retry_calls = collections.deque(maxlen=LIST_CAP)
        self.late_results = collections.deque(maxlen=LIST_CAP)
        self.expired = collections.deque(maxlen=LIST_CAP)
        self.webhooks = collections.deque(maxlen=LIST_CAP)
        self.stops_delivered = collections.deque(maxlen=LIST_CAP)
        self.completed = 0
        self.failed = 0
        self.retried = 0

    def now(self):
        return time.monotonic()

    # ----------------------------------------------------------------- job life
    def new_id_locked(self):
        self.seq += 1
        return "%08x-0000-4000-8000-%012x-e1" % (self.seq, self.seq)

    def submit_locked(self, body, sync=False):
        now = self.now()
        job = Job(self.seq + 1, self.new_id_locked(), body, now, self.exec_timeout_of(body))
        job.sync = sync
        self.jobs[job.id] = job
        job.fault = self.take_shard_fault_locked(job.input)
        if self.auto is not None or job.fault is not None:
            # A faulted job never reaches a worker: it ends as its fault says, with the auto
            # mode's timing when there is one, else at once.
            job.auto = self.auto or {"mode": "off"}
            job.auto_at = now + job.auto.get("delay_ms", 0) / 1000.0
            self.advance_auto_locked(job, now)
        else:
            self.queue.append(job.id)
        self.cond.notify_all()
        return job

    def take_shard_fault_locked(self, inp):
        """The pending /_emulator/fail-shard spec for a job with this input's attempts, if any
        (one submission used up)."""
        attempts = inp.get("attempts") if isinstance(inp, dict) else None
        for spec in self.shard_faults:
            if spec["attempts"] == attempts and spec["left"] > 0:
                spec["left"] -= 1
                return dict(spec)
        return None

    def finish_faulted_locked(self, job, now):
        spec = job.fault
        how = spec["as"]
        if how == "error":
            self.finish_locked(job, "FAILED", now, error=spec.get("error", "emulated failure"))
        elif how == "timeout":
            self.finish_locked(job, "TIMED_OUT", now)
        elif how == "cancel":
            self.finish_locked(job, "CANCELLED", now)
        elif how == "no-output":
            self.finish_locked(job, "COMPLETED", now)
        elif how == "garbage":
            self.finish_locked(job, "COMPLETED", now, output={"not": "a shard result"})
        elif how in ("wrong-seed", "foreign-attempt"):
            # A well-formed result that does not match the job: one attempt with another seed,
            # or an attempt index outside the job's range.
            out = shard_output(job.input, {})
            if how == "wrong-seed":
                out["attempts"][0]["seed"] += 1
            else:
                out["attempts"][0]["index"] = int(job.input["attempts"][1]) + 1000
            self.finish_locked(job, "COMPLETED", now, output=out)
        elif how == "expire":
            self.expire_locked(job.id)

    def exec_timeout_of(self, body):
        policy = body.get("policy") or {}
        ms = policy.get("executionTimeout")
        return ms / 1000.0 if ms else float(self.args.execution_timeout)

    def start_locked(self, job, worker_id, now):
        job.status = "IN_PROGRESS"
        job.started = now
        job.worker_id = worker_id
        try:
            self.queue.remove(job.id)
        except ValueError:
            pass

    def finish_locked(self, job, status, now, output=MISSING, error=MISSING):
        """Moves a job to a terminal status (counting it, arming retention and webhooks)."""
        was_running = job.status == "IN_PROGRESS"
        if job.status == "IN_QUEUE":
            try:
                self.queue.remove(job.id)
            except ValueError:
                pass
        job.status = status
        if job.started is None and status in ("COMPLETED", "FAILED"):
            job.started = now
        job.finished = now
        if output is not MISSING:
            job.output = output
        if error is not MISSING:
            job.error = error
        if status == "COMPLETED":
            self.completed += 1
        elif status in ("FAILED", "TIMED_OUT"):
            self.failed += 1
        if was_running and status in ("CANCELLED", "TIMED_OUT") and job.worker_id and job.worker_id != AUTO_WORKER:
            self.stop_signals[job.worker_id].append(job.id)
        retention = 60.0 if job.sync else float(self.args.retention)
        job.expire_at = now + retention
        if job.webhook:
            self.fire_webhook_locked(job, now)
        self.cond.notify_all()

    def advance_auto_locked(self, job, now):
        spec = job.auto
        if spec is None or job.auto_at is None or job.status in TERMINAL or now < job.auto_at:
            return
        if job.status == "IN_QUEUE":
            self.start_locked(job, AUTO_WORKER, now)
            job.auto_at = now + spec.get("run_ms", 0) / 1000.0
            if now < job.auto_at:
                return
        mode = spec["mode"]
        job.auto_at = None
        if job.fault is not None:
            self.finish_faulted_locked(job, now)
        elif mode == "output":
            self.finish_locked(job, "COMPLETED", now, output=spec.get("output"))
        elif mode == "no-output":
            self.finish_locked(job, "COMPLETED", now)
        elif mode == "error":
            self.finish_locked(job, "FAILED", now, error=spec.get("error", "emulated failure"))
        elif mode == "timeout":
            self.finish_locked(job, "TIMED_OUT", now)
        elif mode == "shard":
            try:
                out = shard_output(job.input, spec)
            except (TypeError, ValueError, KeyError, AttributeError) as e:
                self.finish_locked(job, "FAILED", now, error=f"emulator: cannot build a shard result: {e}")
                return
            self.finish_locked(job, "COMPLETED", now, output=out)
        elif mode == "run":
            pass  # stays IN_PROGRESS until an admin call ends it

    def expire_locked(self, job_id):
        job = self.jobs.pop(job_id, None)
        if job is None:
            return False
        try:
            self.queue.remove(job_id)
        except ValueError:
            pass
        if job.status == "IN_PROGRESS" and job.worker_id and job.worker_id != AUTO_WORKER:
            self.stop_signals[job.worker_id].append(job.id)
        self.expired.append(job_id)
        self.cond.notify_all()
        return True

    def tick(self):
        """Timeouts, TTLs, retention and auto-completion; runs every TICK seconds."""
        with self.cond:
            now = self.now()
            for job in list(self.jobs.values()):
                if job.auto_at is not None:
                    self.advance_auto_locked(job, now)
                if job.status == "IN_PROGRESS" and job.started is not None and now - job.started > job.execution_timeout:
                    self.finish_locked(job, "TIMED_OUT", now)
                if job.expire_at is not None and now >= job.expire_at:
                    self.expire_locked(job.id)
                elif job.ttl_at is not None and now >= job.ttl_at:
                    self.expire_locked(job.id)
            # forget workers not seen for a long time (bounded map)
            for wid in [w for w, info in self.workers.items() if now - info["lastSeen"] > 3600]:
                del self.workers[wid]

    def observe_locked(self, job, now):
        """What one /status call answers for a job: a scripted answer first, then the truth
        (with the `duplicate` replay of a completed job)."""
        job.polls += 1
        if job.script:
            return job.script.popleft()
        fault = job.fault
        if fault is not None and fault.get("late_result") and job.status in TERMINAL:
            if fault.get("shown"):
                # The failure was seen once; now the platform's own retry of the job delivers.
                fault["late_result"] = False
                self.retried += 1
                job.retries += 1
                job.status = "IN_PROGRESS"
                job.error = MISSING
                self.finish_locked(job, "COMPLETED", now, output=shard_output(job.input, job.auto or {}))
            else:
                fault["shown"] = True
        dup = job.duplicate
        if dup is not None and job.status in TERMINAL:
            if dup["phase"] == "wait":
                dup["seen"] += 1
                if dup["seen"] >= dup["after"]:
                    dup["phase"] = "replay"
                return job.public(now)
            if dup["phase"] == "replay":
                dup["phase"] = "done"
                self.retried += 1
                job.retries += 1
                d = job.public(now)
                d["status"] = "IN_PROGRESS"
                d.pop("output", None)
                d.pop("error", None)
                d.pop("executionTime", None)
                return d
        return job.public(now)

    # ----------------------------------------------------------------- webhooks
    def fire_webhook_locked(self, job, now):
        url = job.webhook
        record = {"id": job.id, "url": url, "status": None, "error": None}
        self.webhooks.append(record)
        host = urllib.parse.urlsplit(url).hostname if isinstance(url, str) else None
        if host not in ("127.0.0.1", "localhost", "::1"):
            record["error"] = "not delivered: the emulator only calls loopback webhooks"
            return
        body = json.dumps(job.public(now)).encode()

        def deliver():
            try:
                req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=5) as r:
                    record["status"] = r.status
            except Exception as e:  # noqa: BLE001 - recorded for the test to see
                record["error"] = str(e)[:300]

        threading.Thread(target=deliver, daemon=True).start()

    # ----------------------------------------------------------------- limits
    def rate_limited_locked(self, route):
        key = {"status-sync": "status", "runsync": "run"}.get(route, route)
        limit = self.limits.get(key)
        if not limit:
            return False
        count, window = limit
        q = self.windows[key]
        now = self.now()
        while q and now - q[0] >= window:
            q.popleft()
        if len(q) >= count:
            return True
        q.append(now)
        return False

    def health_locked(self, now):
        jobs = {
            "completed": self.completed,
            "failed": self.failed,
            "inProgress": sum(1 for j in self.jobs.values() if j.status == "IN_PROGRESS"),
            "inQueue": sum(1 for j in self.jobs.values() if j.status == "IN_QUEUE"),
            "retried": self.retried,
        }
        if self.health_override is not None:
            workers = dict(self.health_override)
        else:
            running_workers = {j.worker_id for j in self.jobs.values() if j.status == "IN_PROGRESS"}
            seen = [w for w, info in self.workers.items() if now - info["lastSeen"] <= self.args.worker_seen]
            running = sum(1 for w in seen if w in running_workers)
            idle = len(seen) - running
            if self.auto is not None:
                idle += 1
            workers = {"idle": idle, "initializing": 0, "ready": idle, "running": running, "throttled": 0, "unhealthy": 0}
        return {"jobs": jobs, "workers": workers}

    def state_locked(self):
        now = self.now()
        return {
            "uptime_s": round(now - self.t0, 3),
            "endpoint": self.args.endpoint,
            "jobs": [j.dump(now) for j in sorted(self.jobs.values(), key=lambda j: j.seq)],
            "queue": list(self.queue),
            "requests": dict(self.counts),
            "log": list(self.log),
            "cancel_calls": list(self.cancel_calls),
            "retry_calls": list(self.retry_calls),
            "late_results": list(self.late_results),
            "expired": list(self.expired),
            "webhooks": list(self.webhooks),
            "stops_delivered": list(self.stops_delivered),
            "workers": {
                w: {"lastSeenAgoS": round(now - i["lastSeen"], 3), "takes": i["takes"], "pings": i["pings"], "results": i["results"]}
                for w, i in self.workers.items()
            },
            "stop_signals": {w: list(v) for w, v in self.stop_signals.items() if v},
            "faults": {r: list(q) for r, q in self.faults.items() if q},
            "auto": self.auto,
            "shard_faults": [dict(f) for f in self.shard_faults if f["left"] > 0],
            "paused": self.paused,
            "health": self.health_locked(now),
            "limits": {k: v and {"limit": v[0], "window": v[1]} for k, v in self.limits.items()},
        }

    def saw_worker_locked(self, worker_id, what):
        info = self.workers.get(worker_id)
        if info is None:
            info = self.workers[worker_id] = {"lastSeen": 0.0, "takes": 0, "pings": 0, "results": 0}
        info["lastSeen"] = self.now()
        if what:
            info[what] += 1


MASK64 = (1 << 64) - 1


def attempt_seed(base, index):
    """The seed of attempt `index` of a run with `base` seed, as flaky computes it
    (src/exec/seed.rs: a splitmix64 step cut to 31 bits)."""
    z = (base ^ (index * 0x9E3779B97F4A7C15)) & MASK64
    z = (z + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    z ^= z >> 31
    return z >> 33


def shard_output(inp, spec):
    """A well-formed ShardResult for a job's attempts (see src/remote/mod.rs), without running
    anything: one test, failing at the attempt indexes in spec["fail_attempts"] or every
    spec["fail_every"]-th index."""
    start, end = inp["attempts"]
    start, end = int(start), int(end)
    if not 0 <= start < end or end - start > MAX_SHARD_ATTEMPTS:
        raise ValueError(f"attempts [{start}, {end}) out of range")
    fail = set(spec.get("fail_attempts") or [])
    every = spec.get("fail_every") or 0
    seed = int(inp.get("seed", 0))
    attempts = []
    for i in range(start, end):
        failed = i in fail or (every > 0 and i % every == 0)
        attempts.append(
            {
                "index": i,
                "seed": attempt_seed(seed, i),
                "order_seed": None,
                "exit": {"code": 1 if failed else 0},
                "duration_ms": 1,
                "infrastructure": None,
                "results": [[0, "fail" if failed else "pass", 1, 0 if failed else -1]],
                "stdout": "emulated output\n" if failed else None,
                "stderr": "" if failed else None,
            }
        )
    return {
        "schema_version": inp.get("schema_version", 1),
        "framework": spec.get("framework"),
        "order": "same",
        "command": inp.get("command") or ["emulated"],
        "notes": [],
        "tests": [spec.get("test", "emulated::test")],
        "messages": [spec.get("message", "emulated failure")],
        "attempts": attempts,
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "runpod-emulator/1"
    emu: Emulator = None  # set on the class before serving

    def log_message(self, fmt, *args):
        if self.emu.args.verbose:
            sys.stderr.write("emulator: " + (fmt % args) + "\n")

    # ----------------------------------------------------------------- plumbing
    def read_body(self):
        """The request body (bytes), or None when it is too large to read (connection closed)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            for _ in range(1_000_000):
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                if len(out) + size > READ_CAP:
                    self.close_connection = True
                    return None
                out += self.rfile.read(size)
                self.rfile.readline(16)
            self.close_connection = True
            return None
        length = int(self.headers.get("Content-Length") or 0)
        if length > READ_CAP:
            self.close_connection = True
            return None
        return self.rfile.read(length) if length > 0 else b""

    def send(self, status, obj=None, headers=None, raw=None):
        body = raw if raw is not None else (b"" if obj is None or status == 204 else json.dumps(obj).encode())
        self.send_response(status)
        if body or status != 204:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        self._status = status

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        self._status = None
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/") if p]
        query = urllib.parse.parse_qs(url.query)
        body = self.read_body()
        route = "?"
        try:
            if parts[:1] == ["_emulator"]:
                route = "admin"
                self.admin(method, parts[1:], body)
            elif len(parts) >= 3 and parts[0] == "v2":
                route = parts[2]
                self.api(method, parts[1], route, parts[3:], query, body)
            else:
                self.send(404, {"error": "not found"})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # noqa: BLE001 - a bug in the emulator must not hang the test
            if self._status is None:
                self.send(500, {"error": f"emulator bug: {type(e).__name__}: {e}"})
            raise
        finally:
            with self.emu.cond:
                self.emu.counts[route] += 1
                self.emu.log.append(
                    {
                        "t": round(self.emu.now() - self.emu.t0, 3),
                        "method": method,
                        "path": url.path,
                        "route": route,
                        "status": self._status,
                    }
                )

    def take_fault(self, route):
        with self.emu.cond:
            for key in (route, "*" if route in HOSTED else "worker:*"):
                q = self.emu.faults.get(key)
                if q:
                    spec = q[0]
                    spec["left"] -= 1
                    if spec["left"] <= 0:
                        q.popleft()
                    return dict(spec)
        return None

    def apply_fault(self, spec):
        delay = min(int(spec.get("delay_ms") or 0), MAX_DELAY_MS)
        if delay:
            self.emu.stopping.wait(delay / 1000.0)
        if spec.get("flood"):
            # 200 and a body without a length that does not end: spaces until the client hangs
            # up (or the emulator stops).
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            self._status = 200
            chunk = b" " * 65536
            while not self.emu.stopping.is_set():
                self.wfile.write(chunk)
            return True
        if spec.get("drop"):
            self.close_connection = True
            self._status = 0
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return True
        status = spec.get("status")
        if not status:
            return False  # a pure delay
        headers = {}
        if spec.get("retry_after") is not None:
            headers["Retry-After"] = spec["retry_after"]
        body = spec.get("body")
        if body is None:
            body = {"error": f"emulated {status}"}
        if isinstance(body, str):
            self.send(status, headers=headers, raw=body.encode())
        else:
            self.send(status, body, headers=headers)
        return True

    # ----------------------------------------------------------------- hosted + worker API
    def api(self, method, endpoint, route, rest, query, body):
        emu = self.emu
        known = route in HOSTED or route in WORKER
        if not known:
            return self.send(404, {"error": f"no route {route}"})
        spec = self.take_fault(route)
        if spec is not None and self.apply_fault(spec):
            return
        if route in HOSTED:
            if self.headers.get("Authorization", "") != f"Bearer {emu.args.api_key}":
                return self.send(401, {"error": "Unauthorized: missing or invalid API key"})
        else:
            if self.headers.get("Authorization", "") != emu.args.worker_key:
                return self.send(401, {"error": "Unauthorized: bad worker key"})
        if endpoint != emu.args.endpoint:
            return self.send(404, {"error": f"endpoint {endpoint} not found"})
        if route in HOSTED:
            with emu.cond:
                limited = emu.rate_limited_locked(route)
            if limited:
                return self.send(429, {"error": "rate limit exceeded"})
        getattr(self, "r_" + route.replace("-", "_"))(method, rest, query, body)

    def need(self, method, want):
        if method != want:
            self.send(405, {"error": f"use {want}"})
            return False
        return True

    def json_body(self, body):
        try:
            return json.loads(body or b"{}")
        except ValueError:
            return MISSING

    def submit(self, method, body, limit, sync):
        if not self.need(method, "POST"):
            return None
        if body is None or len(body) > limit:
            self.send(400, {"error": f"input larger than {limit // (1024 * 1024)} MB"})
            return None
        doc = self.json_body(body)
        if not isinstance(doc, dict) or "input" not in doc:
            self.send(400, {"error": "body must be a JSON object with `input`"})
            return None
        policy = doc.get("policy")
        if policy is not None and (
            not isinstance(policy, dict)
            or any(
                k in policy and (not isinstance(policy[k], int) or isinstance(policy[k], bool) or policy[k] <= 0)
                for k in ("executionTimeout", "ttl")
            )
        ):
            self.send(400, {"error": "policy.executionTimeout and policy.ttl must be positive integers (ms)"})
            return None
        with self.emu.cond:
            if len(self.emu.jobs) >= MAX_JOBS:
                self.send(429, {"error": f"the emulator holds {MAX_JOBS} jobs"})
                return None
            return self.emu.submit_locked(doc, sync=sync)

    def r_run(self, method, rest, query, body):
        job = self.submit(method, body, RUN_LIMIT, False)
        if job is not None:
            self.send(200, {"id": job.id, "status": "IN_QUEUE"})

    def r_runsync(self, method, rest, query, body):
        job = self.submit(method, body, RUNSYNC_LIMIT, True)
        if job is not None:
            self.wait_terminal(job.id, self.wait_ms(query))

    def wait_ms(self, query):
        try:
            wait = int(query.get("wait", [DEFAULT_SYNC_WAIT_MS])[0])
        except ValueError:
            wait = DEFAULT_SYNC_WAIT_MS
        return max(0, min(wait, MAX_WAIT_MS))

    def wait_terminal(self, job_id, wait_ms):
        emu = self.emu
        deadline = emu.now() + wait_ms / 1000.0
        with emu.cond:
            while not emu.stopping.is_set():
                job = emu.jobs.get(job_id)
                if job is None or job.status in TERMINAL or job.script:
                    break
                left = deadline - emu.now()
                if left <= 0:
                    break
                emu.cond.wait(min(left, 0.5))
            job = emu.jobs.get(job_id)
            if job is None:
                return self.send(404, {"error": "request does not exist"})
            return self.send(200, emu.observe_locked(job, emu.now()))

    def r_status(self, method, rest, query, body):
        if not self.need(method, "GET") or not self.job_id(rest):
            return
        with self.emu.cond:
            job = self.emu.jobs.get(rest[0])
            if job is None:
                return self.send(404, {"error": "request does not exist"})
            self.send(200, self.emu.observe_locked(job, self.emu.now()))

    def r_status_sync(self, method, rest, query, body):
        if not self.need(method, "GET") or not self.job_id(rest):
            return
        self.wait_terminal(rest[0], self.wait_ms(query))

    def job_id(self, rest):
        if len(rest) != 1 or not rest[0]:
            self.send(404, {"error": "no job id"})
            return False
        return True

    def r_cancel(self, method, rest, query, body):
        if not self.need(method, "POST") or not self.job_id(rest):
            return
        emu = self.emu
        with emu.cond:
            emu.cancel_calls.append(rest[0])
            job = emu.jobs.get(rest[0])
            if job is None:
                return self.send(404, {"error": "request does not exist"})
            if job.status not in TERMINAL:
                emu.finish_locked(job, "CANCELLED", emu.now())
            self.send(200, {"id": job.id, "status": job.status})

    def r_retry(self, method, rest, query, body):
        if not self.need(method, "POST") or not self.job_id(rest):
            return
        emu = self.emu
        with emu.cond:
            emu.retry_calls.append(rest[0])
            job = emu.jobs.get(rest[0])
            if job is None:
                return self.send(404, {"error": "request does not exist"})
            if job.status not in ("FAILED", "TIMED_OUT"):
                return self.send(400, {"error": f"only FAILED or TIMED_OUT jobs can be retried, this one is {job.status}"})
            job.status = "IN_QUEUE"
            job.started = job.finished = job.worker_id = job.expire_at = None
            job.output = job.error = MISSING
            job.retries += 1
            emu.retried += 1
            if emu.auto is not None:
                job.auto = emu.auto
                job.auto_at = emu.now() + emu.auto.get("delay_ms", 0) / 1000.0
            else:
                job.auto = job.auto_at = None
                emu.queue.append(job.id)
            emu.cond.notify_all()
            self.send(200, {"id": job.id, "status": "IN_QUEUE"})

    def r_health(self, method, rest, query, body):
        if self.need(method, "GET"):
            with self.emu.cond:
                self.send(200, self.emu.health_locked(self.emu.now()))

    def r_purge_queue(self, method, rest, query, body):
        if not self.need(method, "POST"):
            return
        emu = self.emu
        with emu.cond:
            ids = [i for i, j in emu.jobs.items() if j.status == "IN_QUEUE"]
            now = emu.now()
            for i in ids:
                emu.finish_locked(emu.jobs[i], "CANCELLED", now)
            self.send(200, {"removed": len(ids), "status": "completed"})

    # worker side: /v2/{endpoint}/job-take/{worker}?...&job_in_progress=0|1
    def r_job_take(self, method, rest, query, body, batch=1):
        if not self.need(method, "GET"):
            return
        worker = rest[0] if rest else "unknown-worker"
        emu = self.emu
        deadline = emu.now() + emu.args.take_wait
        with emu.cond:
            emu.saw_worker_locked(worker, None)
            while not emu.stopping.is_set():
                if emu.queue and not emu.paused:
                    break
                left = deadline - emu.now()
                if left <= 0:
                    break
                emu.cond.wait(min(left, 0.5))
            emu.saw_worker_locked(worker, None)
            if not emu.queue or emu.paused or emu.stopping.is_set():
                return self.send(204)
            taken = []
            now = emu.now()
            while emu.queue and len(taken) < batch:
                job = emu.jobs[emu.queue[0]]
                emu.start_locked(job, worker, now)
                emu.workers[worker]["takes"] += 1
                taken.append({"id": job.id, "input": job.input} | ({"webhook": job.webhook} if job.webhook else {}))
            emu.cond.notify_all()
        self.send(200, taken[0] if batch == 1 and "batch_size" not in query else taken)

    def r_job_take_batch(self, method, rest, query, body):
        try:
            n = max(1, min(int(query.get("batch_size", ["1"])[-1]), 100))
        except ValueError:
            n = 1
        self.r_job_take(method, rest, query, body, batch=n)

    def r_job_stop(self, method, rest, query, body):
        if not self.need(method, "GET"):
            return
        worker = rest[0] if rest else "unknown-worker"
        emu = self.emu
        deadline = emu.now() + emu.args.stop_wait
        with emu.cond:
            emu.saw_worker_locked(worker, None)
            while not emu.stopping.is_set() and not emu.stop_signals.get(worker):
                left = deadline - emu.now()
                if left <= 0:
                    break
                emu.cond.wait(min(left, 0.5))
            ids = emu.stop_signals.pop(worker, [])
            if ids:
                emu.stops_delivered.append({"worker": worker, "jobsToStop": ids})
        self.send(200, {"jobsToStop": ids})

    # POST /v2/{endpoint}/job-done/{worker}/{job}?...&isStream=false, body {"output"}|{"error"}
    def r_job_done(self, method, rest, query, body, stream=False):
        if not self.need(method, "POST"):
            return
        if len(rest) != 2:
            return self.send(404, {"error": "expected job-done/{worker}/{job}"})
        worker, job_id = rest
        doc = self.json_body(body)
        if not isinstance(doc, dict):
            return self.send(400, {"error": "body must be a JSON object"})
        emu = self.emu
        with emu.cond:
            emu.saw_worker_locked(worker, "results")
            job = emu.jobs.get(job_id)
            now = emu.now()
            progress = stream or doc.get("status") == "IN_PROGRESS"
            if job is None or job.status != "IN_PROGRESS" or job.worker_id != worker:
                emu.late_results.append(
                    {"id": job_id, "worker": worker, "status": job.status if job else None, "body": doc, "stream": progress}
                )
            elif progress:
                if stream:
                    job.stream.append(doc.get("output"))
                if "output" in doc:
                    job.output = doc["output"]
                emu.cond.notify_all()
            else:
                # The final result replaces any progress output: `{}` is COMPLETED without output.
                job.output = MISSING
                if "error" in doc:
                    emu.finish_locked(job, "FAILED", now, output=doc.get("output", MISSING), error=doc["error"])
                else:
                    emu.finish_locked(job, "COMPLETED", now, output=doc.get("output", MISSING))
        self.send(200, {})

    def r_job_stream(self, method, rest, query, body):
        self.r_job_done(method, rest, query, body, stream=True)

    def r_ping(self, method, rest, query, body):
        if not self.need(method, "GET"):
            return
        with self.emu.cond:
            self.emu.saw_worker_locked(rest[0] if rest else "unknown-worker", "pings")
        self.send(200, {})

    # ----------------------------------------------------------------- admin API
    def admin(self, method, parts, body):
        emu = self.emu
        doc = self.json_body(body) if body else {}
        if doc is MISSING or not isinstance(doc, dict):
            return self.send(400, {"error": "admin bodies are JSON objects"})
        path = "/".join(parts)
        with emu.cond:
            now = emu.now()
            if path == "state" and method == "GET":
                return self.send(200, emu.state_locked())
            if method != "POST":
                return self.send(405, {"error": "admin routes other than GET /_emulator/state are POST"})
            if path == "reset":
                emu.reset_locked()
                emu.cond.notify_all()
                return self.send(200, {"ok": True})
            if path == "shutdown":
                emu.stopping.set()
                emu.cond.notify_all()
                return self.send(200, {"ok": True})
            if path == "fail":
                route = doc.get("route")
                if route not in HOSTED + WORKER + ("*", "worker:*"):
                    return self.send(400, {"error": f"route must be one of {HOSTED + WORKER + ('*', 'worker:*')}"})
                count = int(doc.get("count", 1))
                if not 1 <= count <= 1_000_000 or len(emu.faults[route]) >= MAX_FAULTS:
                    return self.send(400, {"error": "count must be 1..1000000 (and at most 10000 queued faults)"})
                if not any(doc.get(k) for k in ("status", "drop", "delay_ms", "flood")):
                    return self.send(400, {"error": "give status, drop, flood or delay_ms"})
                spec = {k: doc.get(k) for k in ("status", "retry_after", "body", "delay_ms", "drop", "flood")}
                spec["left"] = count
                spec["route"] = route
                emu.faults[route].append(spec)
                return self.send(200, {"ok": True, "queued": len(emu.faults[route])})
            if path == "auto":
                mode = doc.get("mode", "off")
                if mode == "off":
                    emu.auto = None
                elif mode in ("output", "no-output", "error", "timeout", "shard", "run"):
                    emu.auto = doc
                    for job_id in list(emu.queue):  # jobs already waiting follow it too
                        job = emu.jobs[job_id]
                        job.auto = doc
                        job.auto_at = now + doc.get("delay_ms", 0) / 1000.0
                        emu.queue.remove(job_id)
                        emu.advance_auto_locked(job, now)
                else:
                    return self.send(400, {"error": "mode: off, output, no-output, error, timeout, shard or run"})
                emu.cond.notify_all()
                return self.send(200, {"ok": True})
            if path == "fail-shard":
                attempts = doc.get("attempts")
                how = doc.get("as", "error")
                if (
                    not isinstance(attempts, list)
                    or len(attempts) != 2
                    or not all(isinstance(a, int) and not isinstance(a, bool) for a in attempts)
                ):
                    return self.send(400, {"error": "attempts: [start, end], the job input's attempts"})
                if how not in ("error", "timeout", "cancel", "no-output", "garbage", "expire", "wrong-seed", "foreign-attempt"):
                    return self.send(400, {"error": "as: error, timeout, cancel, no-output, garbage, expire, wrong-seed or foreign-attempt"})
                count = int(doc.get("count", 1))
                if not 1 <= count <= 1_000_000 or len(emu.shard_faults) >= MAX_FAULTS:
                    return self.send(400, {"error": "count must be 1..1000000 (and at most 10000 shard faults)"})
                spec = {"attempts": attempts, "as": how, "left": count, "late_result": bool(doc.get("late_result"))}
                if "error" in doc:
                    spec["error"] = doc["error"]
                emu.shard_faults.append(spec)
                return self.send(200, {"ok": True})
            if path == "workers":
                emu.health_override = None if not doc else {
                    k: int(doc.get(k, 0)) for k in ("idle", "initializing", "ready", "running", "throttled", "unhealthy")
                }
                return self.send(200, {"ok": True})
            if path == "pause":
                emu.paused = bool(doc.get("paused", True))
                emu.cond.notify_all()
                return self.send(200, {"ok": True})
            if path == "limits":
                for k, v in doc.items():
                    if k not in DEFAULT_LIMITS:
                        return self.send(400, {"error": f"limits: {k} is not one of run, status, cancel"})
                    emu.limits[k] = None if v is None else (int(v["limit"]), float(v["window"]))
                    emu.windows[k].clear()
                return self.send(200, {"ok": True})
            if len(parts) >= 2 and parts[0] == "jobs":
                return self.admin_job(parts[1], parts[2:], doc, now)
            return self.send(404, {"error": f"no admin route {method} /_emulator/{path}"})

    def admin_job(self, job_id, action, doc, now):
        emu = self.emu
        job = emu.jobs.get(job_id)
        if job is None:
            return self.send(404, {"error": f"no job {job_id}"})
        act = action[0] if action else "set"
        if act == "expire":
            emu.expire_locked(job_id)
            return self.send(200, {"ok": True})
        if act == "duplicate":
            job.duplicate = {"after": max(1, int(doc.get("after", 1))), "seen": 0, "phase": "wait"}
            return self.send(200, {"ok": True})
        if act == "script":
            responses = doc.get("responses")
            if not isinstance(responses, list) or len(responses) > 10_000:
                return self.send(400, {"error": "responses: a list of /status bodies (at most 10000)"})
            job.script.extend({"id": job.id} | r for r in responses)
            emu.cond.notify_all()
            return self.send(200, {"ok": True})
        if act != "set":
            return self.send(404, {"error": f"no job action {act}"})
        status = doc.get("status")
        if status not in STATUSES:
            return self.send(400, {"error": f"status must be one of {STATUSES}"})
        job.auto = job.auto_at = None
        if status in TERMINAL:
            if job.status in TERMINAL:
                job.status = "IN_PROGRESS"  # overwrite a finished job: count it again
            # Only what the call gives: COMPLETED without `output` is a job without output.
            job.output = job.error = MISSING
            output = doc["output"] if "output" in doc else MISSING
            error = doc["error"] if "error" in doc else MISSING
            emu.finish_locked(job, status, now, output=output, error=error)
        elif status == "IN_PROGRESS":
            if job.status == "IN_QUEUE":
                emu.start_locked(job, doc.get("workerId", AUTO_WORKER), now)
            job.status = "IN_PROGRESS"
            if "output" in doc:
                job.output = doc["output"]
        else:  # IN_QUEUE
            job.status = "IN_QUEUE"
            job.started = job.finished = job.worker_id = job.expire_at = None
            if job.id not in emu.queue:
                emu.queue.append(job.id)
        emu.cond.notify_all()
        return self.send(200, job.public(now))


def main(argv=None):
    p = argparse.ArgumentParser(description="Loopback emulator of RunPod Serverless (hosted queue API + worker protocol).")
    p.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    p.add_argument("--api-key", required=True, help="clients send `Authorization: Bearer KEY`")
    p.add_argument("--endpoint", required=True, help="the one endpoint id served under /v2/{endpoint}")
    p.add_argument("--worker-key", default=None, help="workers send `Authorization: WKEY` (raw) [default: the api key]")
    p.add_argument("--max-lifetime", type=float, default=600.0, help="exit after this many seconds [600]")
    p.add_argument("--retention", type=float, default=1800.0, help="seconds results are kept after completion [1800]")
    p.add_argument("--execution-timeout", type=float, default=600.0, help="seconds, when a job's policy has none [600]")
    p.add_argument("--take-wait", type=float, default=2.0, help="seconds job-take long-polls before 204 [2]")
    p.add_argument("--stop-wait", type=float, default=2.0, help="seconds job-stop long-polls [2]")
    p.add_argument("--worker-seen", type=float, default=15.0, help="/health counts workers seen this recently [15]")
    p.add_argument("--verbose", action="store_true", help="log requests on stderr")
    args = p.parse_args(argv)
    if args.worker_key is None:
        args.worker_key = args.api_key
    args.take_wait = max(0.0, min(args.take_wait, 60.0))
    args.stop_wait = max(0.0, min(args.stop_wait, 60.0))

    emu = Emulator(args)
    Handler.emu = emu
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    stop = emu.stopping

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    serving.start()

    def reaper():
        while not stop.is_set():
            emu.tick()
            stop.wait(TICK)

    threading.Thread(target=reaper, daemon=True).start()
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)

    stop.wait(args.max_lifetime)
    stop.set()
    with emu.cond:
        emu.cond.notify_all()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
