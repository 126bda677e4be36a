//! `timer-callback`: an assertion inside a timer callback the test does not wait for.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "timer-callback",
    category: Category::AsyncRace,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    summary: "an assertion inside a timer callback the test does not wait for",
    former: &[],
    javascript: "await a promise that settles when the work is done, or use fake timers and advance them",
    python: "",
    go: "",
    rust: "",
    doc: r#"# timer-callback (async-race)

## What it finds
A `setTimeout(...)` or `setInterval(...)` call made in a test or hook of a JavaScript or TypeScript test file, whose callback runs later on the real clock. A function the test names and hands to the code under test (`verifyClient: (info, cb) => setTimeout(cb, 100)`) is the test's own code. Left alone: a callback that neither asserts nor ends the test (`() => conn.close()`: it only acts, and the test waits for what follows); a timer of no delay (`setTimeout(fn)`, `setTimeout(fn, 0)`), which only defers to the event loop's next turn; files that install fake timers (`jest.useFakeTimers`, `vi.useFakeTimers`, sinon, `mock.timers.enable`), timers in helpers and other code the test calls, and a `setTimeout` inside a `new Promise(...)` executor (one that only calls `resolve` after a constant delay is `fixed-sleep`).

## Why it makes tests flaky
The callback runs after the test's own code, at a time set by the event loop and the machine's load. Assertions in it may run after the test has ended, where their failures are lost or blamed on another test. Assertions after it may run before it.

## Example
```javascript
test('expires the session', (done) => {
  const session = login();
  setTimeout(() => {
    expect(session.expired).toBe(true);
    done();
  }, 1100);
});
```

## Fix
```javascript
test('expires the session', () => {
  jest.useFakeTimers();
  const session = login();
  jest.advanceTimersByTime(1100);
  expect(session.expired).toBe(true);
});
```
Await a promise that settles when the work is done, or use fake timers and advance them.
"#,
};
