"""The exchange-rate cache: a state-setter and a brittle test sharing invoicing.RATES."""

from invoicing import to_euros, warm_rates


# State-setter: fills the module-level rate cache (and passes); the next test relies on it.
def test_warms_the_cache():
    warm_rates({"USD": 0.92, "GBP": 1.17})
    assert to_euros(1000, "USD") == 920


# Brittle: passes only if test_warms_the_cache ran before it in the same process; alone it fails.
def test_reads_from_the_warm_cache():
    assert to_euros(2000, "GBP") == 2340
