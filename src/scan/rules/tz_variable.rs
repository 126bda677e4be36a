//! `tz-variable`: a test that reads the TZ variable.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "tz-variable",
    category: Category::Clock,
    severity: Severity::Low,
    confidence: Confidence::Medium,
    summary: "a test that reads the TZ variable",
    former: &[],
    javascript: "give the time zone explicitly ({ timeZone: 'UTC' }) where the code formats dates, and set TZ for the whole run",
    python: "",
    go: "",
    rust: "",
    doc: r#"# tz-variable (clock)

## What it finds
A JavaScript read of `process.env.TZ` (or `process.env['TZ']`, or `import.meta.env.TZ`), in a test or in the code it calls. Writes to `TZ` are not reported here (they are `env-mutation`). It is reported at low severity: reading `TZ` is as often a guard (`if (process.env.TZ !== 'UTC') throw ...`) as a dependency on the zone.

## Why it makes tests flaky
`TZ` is set differently on developers' machines, CI runners and containers, and is often unset. Code that branches on it, or passes it on to date formatting, gives different dates and times on each, so a test can pass locally and fail in CI.

## Example
```javascript
test('formats the due date', () => {
  const zone = process.env.TZ || 'Europe/Paris';
  expect(formatDue(due, zone)).toBe('1 Mar 2024, 10:00');
});
```

## Fix
```javascript
test('formats the due date', () => {
  expect(formatDue(due, 'UTC')).toBe('1 Mar 2024, 09:00');
});
```
Give the time zone explicitly (`{ timeZone: 'UTC' }`) where the code formats dates, and set `TZ` for the whole run (`TZ=UTC jest`) instead of reading it.
"#,
};
