//! `wall-clock`: a read of the current time that the test depends on.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::scan::facts::ClockRead;

/// Every read the languages found; one whose value is only input is context.
pub fn check(read: &ClockRead, lang: Lang) -> Option<Smell> {
    Some(
        RULE.variant_in(lang)
            .context_if(read.only_input)
            .says(&read.code, "reads the wall clock"),
    )
}

pub const RULE: Rule = Rule {
    id: "wall-clock",
    category: Category::Clock,
    severity: Severity::Medium,
    confidence: Confidence::High,
    summary: "a read of the current time that the test depends on",
    former: &[],
    python: "pass the time in, or freeze it in the test (freezegun's freeze_time, time-machine's travel, or patch the clock)",
    javascript: "pass the time in, or freeze it: jest.useFakeTimers().setSystemTime(...), vi.setSystemTime(...)",
    go: "pass the time in (a func() time.Time or a clock field) and give the test a fixed time.Date(...)",
    rust: "pass the time in (a `now` argument or a clock trait) and give the test a fixed time",
    doc: r#"# wall-clock (clock)

## What it finds
A read of the current date and time: Python `datetime.now()`, `utcnow()`, `today()`, `date.today()`, `time.time()`, `time.time_ns()`, `arrow.now()`, `pendulum.now()`, and `time.gmtime()`, `time.localtime()`, `time.ctime()`, `time.asctime()`, `time.strftime(fmt)` without a time argument; JavaScript `Date.now()`, `new Date()` and `Date()` without arguments, `moment()`, `dayjs()` and luxon's `DateTime.now()`/`local()`; Go `time.Now()`; Rust `SystemTime::now()`, chrono's `Utc::now()` and time's `OffsetDateTime::now_utc()` (calls inside macro arguments such as `assert_eq!(...)` are not seen). A read that only measures time is left alone in Python, JavaScript and Go (subtracted from, compared with another instant, or stored in a variable used only that way; Python and JavaScript also skip any read that is added to, even `date.today() + timedelta(days=30)` or `new Date(Date.now() + 99999)`), but Rust reports a measuring `SystemTime::now()`; its monotonic `Instant::now()` is never reported. Reads that only seed a generator are left to the seed rules. Context, shown by `flaky scan --every` and among the likely causes of a test measured flaky, not by a plain scan: reads in the code under test that tests reach, JavaScript reads that decide nothing whatever their value (checked for their type, `isDate(new Date())`; handed to code expected to throw; or stored in a variable only passed in (an argument, a value assigned) and expected back, `expect(buildURL({ date })).toEqual('?date=' + date.toISOString())`), and Go reads used only as input (formatted, passed to a call, stored in a struct, after any `Add`/`UTC`/`Truncate`), which decide nothing in the test itself. Python skips scopes under freezegun or time-machine, or where the clock is patched; JavaScript skips files that install fake timers (`useFakeTimers`, `setSystemTime`, sinon, mockdate, timekeeper). Outside test code (the code under test, a helper in a file of no tests) a read is one step less severe, in every language.

## Why it makes tests flaky
The value changes on every run. A test that compares it, formats it or computes with it fails around midnight, at month end, across a daylight-saving change, or when a slow run crosses a second boundary between two reads.

## Example
```python
def test_invoice_is_dated_today():
    invoice = Invoice.create(amount=100)
    assert invoice.issued == date.today()
```
```javascript
test('stamps the order', () => {
  const order = createOrder();
  expect(order.createdAt).toBe(new Date().toISOString());
});
```
```go
func TestInvoiceDue(t *testing.T) {
	inv := NewInvoice(100)
	if !inv.Due.Equal(time.Now().AddDate(0, 0, 30)) { t.Fatal(inv.Due) }
}
```
```rust
#[test]
fn invoice_due_in_30_days() {
    let expected = Utc::now().date_naive() + Days::new(30);
    assert_eq!(Invoice::new(100).due, expected);
}
```

## Fix
```python
@freeze_time("2024-01-15")
def test_invoice_is_dated_today():
    assert Invoice.create(amount=100).issued == date(2024, 1, 15)
```
```javascript
  jest.useFakeTimers().setSystemTime(new Date('2024-01-15T00:00:00Z'));
  expect(createOrder().createdAt).toBe('2024-01-15T00:00:00.000Z');
```
```go
	now := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	inv := NewInvoiceAt(100, now)
```
```rust
    let now = Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0).unwrap();
    let inv = Invoice::new_at(100, now);
```
Pass the time in, or freeze it, so every run sees the same instant.
"#,
};
