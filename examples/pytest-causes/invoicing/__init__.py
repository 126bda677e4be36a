"""A tiny invoicing module: totals, invoice dates, a signed monthly report and a rate cache.

Each piece is what one test in tests/ needs to show one cause of flakiness; see README.md.
"""

import hashlib
from datetime import datetime
from pathlib import Path

# Module-level on purpose: it outlives a single test, which is what makes
# test_reads_from_the_warm_cache depend on test_warms_the_cache running first.
RATES = {}


def invoice_total(lines):
    """The total of (unit price in cents, quantity) lines, in cents."""
    return sum(price * quantity for price, quantity in lines)


def invoice_date(timestamp):
    """The date printed on an invoice issued at `timestamp`: the date in the local time zone."""
    return datetime.fromtimestamp(timestamp).date()


def build_report(invoices):
    """Signs every invoice of the month into one digest: a fixed, CPU-bound piece of work."""
    digest = hashlib.sha256()
    checksum = 0
    for number in range(invoices):
        digest.update(number.to_bytes(8, "little"))
        checksum += digest.digest()[0]
    return digest.hexdigest(), checksum


def publish_report(path, content):
    """Writes the report where the accounting team picks it up."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)


def read_report(path):
    return Path(path).read_text()


def warm_rates(rates):
    """Loads the day's exchange rates (to euros) into the cache."""
    RATES.update(rates)


def to_euros(cents, currency):
    """Converts an amount with the cached rate; the cache must be warm."""
    if currency not in RATES:
        raise LookupError(f"no cached rate for {currency}: the rate cache is cold")
    return round(cents * RATES[currency])
