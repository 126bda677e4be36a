"""flaky's pytest plugin, loaded into every pytest attempt flaky runs.

It shuffles the collected tests when FLAKY_ORDER_SEED is set. It also stands in for
pytest-randomly, which flaky turns off (-p no:randomly) so that it cannot reorder tests or
pick a seed of its own: when pytest-randomly is installed, `random` is reseeded before every
test with the attempt's seed, as pytest-randomly would do, but with a seed flaky records.

With `flaky run --batch K`, FLAKY_BATCH lists the attempts this one process runs, as
`index:seed:order seed` entries (`-`: the order is kept). The session then runs every collected
test once per attempt, each time with that attempt's seed in `random` (and numpy, when the tests
imported it) and in the seed and attempt variables, in that attempt's order, with every fixture
torn down between attempts. The globals of the project's own modules (not installed packages)
are put back before each attempt as they were after collection: each name bound to the same
object again, and the contents of plain dicts, lists and sets restored in place (objects keep
their identity, so sentinels and references held elsewhere stay right), so state a test leaves
there does not reach the next attempt. Each test's result goes
to FLAKY_BATCH_REPORT as a JSON line.
"""

import importlib.util
import json
import os
import random
import sys

import pytest

_ORDER_SEED = os.environ.get("FLAKY_ORDER_SEED")
_SEED = os.environ.get("FLAKY_SEED")
_RESEED = _SEED is not None and importlib.util.find_spec("pytest_randomly") is not None
_BATCH = os.environ.get("FLAKY_BATCH")
_BATCH_REPORT = os.environ.get("FLAKY_BATCH_REPORT")
# The variables that carry an attempt's seed and index (PYTHONHASHSEED is read once, at start).
_SEED_VARIABLES = [v for v in os.environ.get("FLAKY_SEED_VARIABLES", "").split(",") if v]
_ATTEMPT_VARIABLES = [v for v in os.environ.get("FLAKY_ATTEMPT_VARIABLES", "").split(",") if v]


def _repeats():
    for entry in _BATCH.split(","):
        index, seed, order = entry.split(":")
        yield int(index), int(seed), None if order == "-" else int(order)


def _contents(value):
    """A copy of what a plain dict, list or set holds (the same objects), to put back in place."""
    kind = type(value)
    if kind is dict:
        return dict(value)
    if kind is list:
        return list(value)
    if kind is set:
        return set(value)
    return None


def _put_back(value, contents):
    if type(value) is list:
        value[:] = contents
    else:
        value.clear()
        value.update(contents)


def _project_modules(rootdir):
    """The modules loaded from the project's directory, outside installed packages."""
    root = os.path.realpath(str(rootdir)) + os.sep
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path:
            continue
        path = os.path.realpath(path)
        if path.startswith(root) and "site-packages" not in path and module.__name__ != __name__:
            yield module


class _Batch:
    """The attempt running now, the results of its tests so far, and the project's globals as
    they were after collection."""

    def __init__(self, out, rootdir):
        self.out = out
        self.index = None
        self.results = {}
        self.globals = [
            (m, {k: (v, _contents(v)) for k, v in vars(m).items() if not k.startswith("__")})
            for m in _project_modules(rootdir)
        ]

    def begin(self, index, seed):
        global _SEED
        if self.index is not None:
            for module, saved in self.globals:
                for name in [k for k in vars(module) if not k.startswith("__") and k not in saved]:
                    delattr(module, name)
                for name, (value, contents) in saved.items():
                    setattr(module, name, value)
                    if contents is not None:
                        _put_back(value, contents)
        self.index = index
        _SEED = str(seed)
        for name in _SEED_VARIABLES:
            os.environ[name] = _SEED
        for name in _ATTEMPT_VARIABLES:
            os.environ[name] = str(index)
        random.seed(seed)
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            numpy.random.seed(seed)

    def record(self, report):
        r = self.results.setdefault(
            report.nodeid, {"outcome": "pass", "duration": 0.0, "message": None}
        )
        r["duration"] += report.duration
        if report.failed and r["outcome"] in ("pass", "skip"):
            r["outcome"] = "fail" if report.when == "call" else "error"
            r["message"] = _message(report)
        elif report.skipped and r["outcome"] == "pass" and not hasattr(report, "wasxfail"):
            r["outcome"] = "skip"
        if report.when == "teardown":
            r = self.results.pop(report.nodeid)
            self.write({"attempt": self.index, "id": report.nodeid, **r})

    def end(self):
        self.write({"attempt": self.index, "end": True})

    def write(self, line):
        if self.out is not None:
            self.out.write(json.dumps(line) + "\n")
            self.out.flush()


_batch = None


def _message(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message
    lines = str(report.longrepr).strip().splitlines()
    return lines[-1] if lines else None


def pytest_report_header(config):
    lines = []
    if _BATCH is not None:
        lines.append(
            f"flaky: {len(_BATCH.split(','))} attempts in this process, each with its own seed and order; "
            "state that outlives a test (module globals, caches, PYTHONHASHSEED) is shared between them"
        )
    if _ORDER_SEED is not None:
        lines.append(f"flaky: test order shuffled with seed {_ORDER_SEED}")
    if _RESEED:
        lines.append("flaky: pytest-randomly is off; random is reseeded with the attempt's seed before each test")
    return lines


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    if _ORDER_SEED is not None and _BATCH is None:
        random.Random(int(_ORDER_SEED)).shuffle(items)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    global _batch
    if _BATCH is None:
        return None
    if session.testsfailed and not session.config.option.continue_on_collection_errors:
        raise session.Interrupted(f"{session.testsfailed} errors during collection")
    if session.config.option.collectonly:
        return True
    items = list(session.items)
    out = open(_BATCH_REPORT, "w", encoding="utf-8") if _BATCH_REPORT else None
    try:
        _batch = _Batch(out, session.config.rootpath)
        for index, seed, order in _repeats():
            _batch.begin(index, seed)
            run = list(items)
            if order is not None:
                random.Random(order).shuffle(run)
            for i, item in enumerate(run):
                nextitem = run[i + 1] if i + 1 < len(run) else None
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
                if session.shouldfail:
                    raise session.Failed(session.shouldfail)
                if session.shouldstop:
                    raise session.Interrupted(session.shouldstop)
            _batch.end()
    finally:
        if out is not None:
            out.close()
    return True


def pytest_runtest_logreport(report):
    if _batch is not None:
        _batch.record(report)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if _RESEED:
        random.seed(int(_SEED))
