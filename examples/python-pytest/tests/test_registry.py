"""An order-dependent pair sharing flakydemo.REGISTRY.

test_lookup_starts_empty comes first in the default (definition) order and passes;
it fails when test_register_item ran before it in the same process (shuffled order).
"""

from flakydemo import lookup, register


def test_lookup_starts_empty():
    assert lookup("answer") is None, "REGISTRY was not empty: another test registered 'answer'"


def test_register_item():
    register("answer", 42)
    assert lookup("answer") == 42
