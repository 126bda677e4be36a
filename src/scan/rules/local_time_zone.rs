//! `local-time-zone`: dates formatted or computed in the machine's local time zone.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::scan::facts::ClockRead;

/// Every read the languages found. Python's zone reads include conversions whose zone the
/// test may not depend on; Go's and Rust's are direct reads of it: more sure.
pub fn check(read: &ClockRead, lang: Lang) -> Option<Smell> {
    let rule = match lang {
        Lang::Go | Lang::Rust => RULE.variant_in(lang).confidence(Confidence::High),
        _ => RULE.variant_in(lang),
    };
    Some(rule.says(&read.code, "depends on the machine's time zone"))
}

pub const RULE: Rule = Rule {
    id: "local-time-zone",
    category: Category::Clock,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    summary: "dates formatted or computed in the machine's local time zone",
    former: &["py/local-timezone", "js/time-zone"],
    python: "use aware datetimes in UTC (datetime.now(timezone.utc), fromtimestamp(ts, tz=timezone.utc)), or set TZ for the test with monkeypatch.setenv and time.tzset",
    javascript: "give the time zone explicitly ({ timeZone: 'UTC' }), or set it for the whole run (TZ=UTC in the test script)",
    go: "use time.UTC or a named zone (time.LoadLocation(\"Europe/Paris\")), the same on every machine",
    rust: "use Utc or a named zone (chrono-tz), the same on every machine",
    doc: r#"# local-time-zone (clock)

## What it finds
Code whose result depends on the machine's time zone. Python: `time.localtime(ts)`, `time.ctime(ts)`, `time.mktime`, `datetime.fromtimestamp(ts)` without `tz`, `tzlocal.get_localzone()`, `dateutil.tz.tzlocal()`, `time.tzname`/`timezone`/`altzone`/`daylight`, and reads of `os.environ["TZ"]`/`os.getenv("TZ")`; skipped under freezegun or time-machine. JavaScript: `.getTimezoneOffset()`, `.resolvedOptions()`, and `.toLocaleDateString()`/`.toLocaleTimeString()` without a `timeZone` option. Go: `time.Local` and `os.Getenv("TZ")`/`os.LookupEnv("TZ")`. Rust: chrono's `Local::now()`, time's `OffsetDateTime::now_local()`, and `env::var("TZ")`/`var_os("TZ")`. Go and Rust report with high confidence, Python and JavaScript with medium; outside test code (the code under test, a helper in a file of no tests) every language reports one step less severe.

## Why it makes tests flaky
Developers' machines, CI runners and containers are set to different zones (containers usually UTC). A test that passes in Paris fails in UTC, and a test run near midnight or across a daylight-saving change can land on another date.

## Example
```python
def test_log_line_has_date():
    line = format_log(datetime.fromtimestamp(1700000000))
    assert line.startswith("2023-11-14")
```
```javascript
test('shows the meeting time', () => {
  const label = new Date('2024-03-01T09:00:00Z').toLocaleTimeString('en-GB');
  expect(label).toBe('09:00:00');
});
```
```go
func TestLogDate(t *testing.T) {
	line := FormatLog(time.Unix(1700000000, 0).In(time.Local))
	if !strings.HasPrefix(line, "2023-11-14") { t.Fatal(line) }
}
```
```rust
#[test]
fn log_line_has_date() {
    let line = format_log(Local::now());
    assert!(line.starts_with(&Local::now().format("%Y-%m-%d").to_string()));
}
```

## Fix
```python
    line = format_log(datetime.fromtimestamp(1700000000, tz=timezone.utc))
```
```javascript
  const label = new Date('2024-03-01T09:00:00Z').toLocaleTimeString('en-GB', { timeZone: 'UTC' });
```
```go
	line := FormatLog(time.Unix(1700000000, 0).In(time.UTC))
```
```rust
    let line = format_log(Utc.timestamp_opt(1_700_000_000, 0).unwrap());
    assert!(line.starts_with("2023-11-14"));
```
Use UTC or a named zone; or set `TZ` for the whole run (`TZ=UTC` in the test script).
"#,
};
