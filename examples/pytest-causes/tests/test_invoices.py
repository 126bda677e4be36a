"""Invoice totals (stable) and the invoice date (depends on the time zone)."""

from datetime import date, datetime, timezone

from invoicing import invoice_date, invoice_total

# 2024-01-01 11:00 UTC: still 1 January from UTC-11 to UTC+12, already 2 January at UTC+13 and +14.
ISSUED_AT = datetime(2024, 1, 1, 11, 0, tzinfo=timezone.utc).timestamp()


# Stable: plain arithmetic, passes every time.
def test_invoice_total():
    assert invoice_total([(1250, 2), (499, 3)]) == 3997


# Time zone: the date is taken in local time, so it fails with TZ=Pacific/Kiritimati (UTC+14).
def test_invoice_date_is_the_issue_day():
    assert invoice_date(ISSUED_AT) == date(2024, 1, 1), (
        f"invoice issued at 2024-01-01T11:00:00Z is dated {invoice_date(ISSUED_AT)} in local time"
    )
