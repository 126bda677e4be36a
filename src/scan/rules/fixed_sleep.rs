//! `fixed-sleep`: a sleep of a fixed time where the test waits for something to happen.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::scan::facts::{Amount, Place, Sleep};

/// A sleep of a constant, non-zero time outside a loop (a polling loop waits between checks),
/// where nothing fakes it. In a test or hook it waits for something to happen; in code the test
/// reaches or hands to others (a helper, a mock's body) it stands for slow work, which less
/// surely decides the test: medium severity and confidence there.
pub fn check(sleep: &Sleep, lang: Lang) -> Option<Smell> {
    if sleep.in_loop || sleep.faked {
        return None;
    }
    let rule = RULE.variant_in(lang);
    let medium = rule
        .severity(Severity::Medium)
        .confidence(Confidence::Medium);
    let in_test = matches!(sleep.place, Place::Test | Place::Hook | Place::Shared);
    match (sleep.duration, in_test) {
        (Amount::Constant, true) => Some(rule.says(&sleep.call, "waits a fixed time")),
        (Amount::Constant, false) => Some(medium.says(
            &sleep.call,
            "sleeps a fixed time: tests that reach it depend on timing",
        )),
        // A time from a setting or a field (`c.propagateTimeout`), in the test itself, is as
        // fixed a wait; a helper's or a callback's is most often the caller's to choose.
        (Amount::Variable, true) => Some(medium.says(&sleep.call, "waits a set time")),
        _ => None,
    }
}

pub const RULE: Rule = Rule {
    id: "fixed-sleep",
    category: Category::Sleep,
    severity: Severity::High,
    confidence: Confidence::High,
    summary: "a sleep of a fixed time where the test waits for something to happen",
    former: &[],
    python: "wait for the condition itself (poll it with a deadline, or wait on an Event or a future); if the code must wait, patch the sleep or use a fake clock (freezegun, time-machine)",
    javascript: "wait for the condition itself (await the promise, or poll with a timeout such as waitFor), or use fake timers (jest.useFakeTimers, vi.useFakeTimers) and advance them",
    go: "wait for the condition itself: poll it with a deadline, or block on a channel or a sync.WaitGroup",
    rust: "wait for the condition itself: join the thread, await the task, receive from a channel, or poll with a deadline",
    doc: r#"# fixed-sleep (sleep)

## What it finds
A sleep of a constant duration (a literal, an UPPER_CASE constant, arithmetic on them, or in Rust a local bound to one, even through an `if` whose branches all are): Python `time.sleep`, `asyncio.sleep`, `trio.sleep`, `anyio.sleep`, `gevent.sleep`; JavaScript `sleep`/`delay`/`wait` called directly or through an imported module, `cy.wait`, `page.waitForTimeout`, `setTimeout` from `timers/promises`, and `new Promise(r => setTimeout(r, ms))`; Go `time.Sleep`; Rust `thread::sleep`, `tokio::time::sleep`, `async_std::task::sleep`. The languages find the sleeps; one judgement applies to all of them. A duration computed at run time or read from a setting (`time.Sleep(c.propagateTimeout)`) is as fixed a wait when the test itself sleeps it, reported at medium severity and confidence; in a helper or a callback it is the caller's to choose and left alone. In Go, a function literal that runs as part of the test (a subtest's body, `check := func() {...}`) is the test. Left alone: a zero sleep (it yields, it does not wait), a sleep in a loop (a polling loop waits between its checks), and a sleep that is patched or runs under fake timers. A sleep in a test or hook is reported at high severity; one in code the test reaches (a helper, the code under test) or in a function value written inside a test (a mock's body, a handler, a thread's closure) stands for slow work and is reported at medium severity and confidence. In Go, a function literal counts as the test's own code when it is a `t.Run` body, is called in place, or is kept in a variable that the test calls directly; a loop around a function literal does not make the sleeps inside it a polling loop.

## Why it makes tests flaky
A fixed sleep is a guess at how long something else takes. On a loaded CI machine the thread, goroutine or request is sometimes still running when the sleep ends, and the test fails though nothing is broken. A longer sleep only makes every run slower.

## Example
```python
def test_worker_drains_queue(worker, queue):
    worker.start()
    time.sleep(0.5)
    assert queue.empty()
```
```javascript
test('saves the draft', async () => {
  editor.type('hello');
  await sleep(300);
  expect(store.drafts).toHaveLength(1);
});
```
```go
func TestWorkerDrainsQueue(t *testing.T) {
	w := startWorker()
	time.Sleep(500 * time.Millisecond)
	if w.Pending() != 0 { t.Fatal("queue not drained") }
}
```
```rust
#[test]
fn worker_drains_queue() {
    let worker = start_worker();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(worker.pending(), 0);
}
```

## Fix
```python
    worker.start()
    queue.join()  # returns once every job is marked done
```
```javascript
  await waitFor(() => expect(store.drafts).toHaveLength(1));
```
```go
	w.Wait() // a sync.WaitGroup inside the worker
```
```rust
    worker.join().unwrap();
```
Wait for the event itself; where only polling will do, poll the condition with a deadline.
"#,
};
