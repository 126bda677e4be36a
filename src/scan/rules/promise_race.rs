//! `promise-race`: Promise.race whose winner depends on timing.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "promise-race",
    category: Category::AsyncRace,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    summary: "Promise.race whose winner depends on timing",
    former: &[],
    javascript: "await the operation itself; leave timeouts to the test runner's timeout option, or use fake timers",
    python: "",
    go: "",
    rust: "",
    doc: r#"# promise-race (async-race)

## What it finds
A call of `Promise.race(...)` or `Promise.any(...)` anywhere in a JavaScript or TypeScript test file: in tests, hooks and helpers alike. Calls in code outside test files are left alone.

## Why it makes tests flaky
The result is whichever promise settles first, so it depends on timing. The common case in tests is a race between the operation and a timeout: on a slow CI machine the timeout wins, the test fails, and the operation is left running into the next test.

## Example
```javascript
test('loads the dashboard', async () => {
  const result = await Promise.race([loadDashboard(), timeout(2000)]);
  expect(result.widgets).toHaveLength(3);
});
```

## Fix
```javascript
test('loads the dashboard', async () => {
  const result = await loadDashboard();
  expect(result.widgets).toHaveLength(3);
}, 10_000);
```
Await the operation itself; leave timeouts to the test runner's timeout option, or use fake timers.
"#,
};
