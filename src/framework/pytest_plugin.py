"""flaky's pytest plugin, loaded into every pytest attempt flaky runs.

It shuffles the collected tests when FLAKY_ORDER_SEED is set. It also stands in for
pytest-randomly, which flaky turns off (-p no:randomly) so that it cannot reorder tests or
pick a seed of its own: when pytest-randomly is installed, `random` is reseeded before every
test with the attempt's seed, as pytest-randomly would do, but with a seed flaky records.
"""

import importlib.util
import os
import random

import pytest

_ORDER_SEED = os.environ.get("FLAKY_ORDER_SEED")
_SEED = os.environ.get("FLAKY_SEED")
_RESEED = _SEED is not None and importlib.util.find_spec("pytest_randomly") is not None


def pytest_report_header(config):
    lines = []
    if _ORDER_SEED is not None:
        lines.append(f"flaky: test order shuffled with seed {_ORDER_SEED}")
    if _RESEED:
        lines.append(f"flaky: pytest-randomly is off; random is reseeded with {_SEED} before each test")
    return lines


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    if _ORDER_SEED is not None:
        random.Random(int(_ORDER_SEED)).shuffle(items)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if _RESEED:
        random.seed(int(_SEED))
