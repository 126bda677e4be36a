//! `unawaited-async`: a task or promise started and never awaited.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "unawaited-async",
    category: Category::AsyncRace,
    severity: Severity::High,
    confidence: Confidence::High,
    summary: "a task or promise started and never awaited",
    former: &["py/unawaited-task", "js/floating-promise"],
    python: "await the task (or asyncio.gather the tasks) before asserting, or use an asyncio.TaskGroup",
    javascript: "await it (or return it) so the test waits for it and sees its failures",
    go: "",
    rust: "",
    doc: r#"# unawaited-async (async-race)

## What it finds
Async work a test starts and does not wait for. Python: `asyncio.create_task(...)` or `asyncio.ensure_future(...)` whose task is never stored (high confidence), or stored in a name that is never awaited, passed to `gather`/`wait`/`wait_for`/`shield`/`as_completed`, iterated by a loop that awaits, cancelled or read with `.result()` (medium confidence); in any function. JavaScript (tests and hooks of test files): a statement that is a `.then()`/`.catch()`/`.finally()` chain neither awaited nor returned (except in a test that takes a `done` callback), an `expect(...).resolves`/`.rejects` assertion not awaited, or a call of an `async` function declared in the file without `await`; reported at medium severity, high in Python.

## Why it makes tests flaky
The test can end before the work runs or finishes. Whether its assertions run, and whether its errors are seen, depends on the event loop's scheduling. A rejection may surface in a later test, or as an unhandled-rejection warning, and the result changes from run to run.

## Example
```python
async def test_notifies_subscribers(bus):
    asyncio.create_task(bus.publish("deploy"))
    assert bus.delivered == ["deploy"]
```
```javascript
test('saves the user', async () => {
  expect(saveUser({ name: 'Ada' })).resolves.toEqual({ id: 1, name: 'Ada' });
});
```

## Fix
```python
async def test_notifies_subscribers(bus):
    await asyncio.create_task(bus.publish("deploy"))
    assert bus.delivered == ["deploy"]
```
```javascript
test('saves the user', async () => {
  await expect(saveUser({ name: 'Ada' })).resolves.toEqual({ id: 1, name: 'Ada' });
});
```
Await the task or promise (or return it) before asserting; in Python, `asyncio.gather` or an `asyncio.TaskGroup` waits for several at once.
"#,
};
