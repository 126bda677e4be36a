//! `fixed-sleep`: a sleep of a fixed time where the test waits for something to happen.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "fixed-sleep",
    category: Category::Sleep,
    severity: Severity::High,
    confidence: Confidence::High,
    summary: "a sleep of a fixed time where the test waits for something to happen",
    doc: DOC,
    aliases: &[
        "py/fixed-sleep",
        "js/fixed-sleep",
        "go/fixed-sleep",
        "rs/fixed-sleep",
    ],
    python: Some(
        "wait for the condition itself (poll it with a deadline, or wait on an Event or a future); if the code must wait, patch the sleep or use a fake clock (freezegun, time-machine)",
    ),
    javascript: Some(
        "wait for the condition itself (await the promise, or poll with a timeout such as waitFor), or use fake timers (jest.useFakeTimers, vi.useFakeTimers) and advance them",
    ),
    go: Some(
        "wait for the condition itself: poll it with a deadline, or block on a channel or a sync.WaitGroup",
    ),
    rust: Some(
        "wait for the condition itself: join the thread, await the task, receive from a channel, or poll with a deadline",
    ),
};

const DOC: &str = r#"# fixed-sleep (sleep)

## What it finds
A sleep of a constant duration (a literal, an UPPER_CASE constant, or arithmetic on them): Python `time.sleep`, `asyncio.sleep`, `trio.sleep`, `anyio.sleep`, `gevent.sleep`; JavaScript `sleep`/`delay`/`wait` called directly or through an imported module, `cy.wait`, `page.waitForTimeout`, `setTimeout` from `timers/promises`, and `new Promise(r => setTimeout(r, ms))`; Go `time.Sleep`; Rust `thread::sleep`, `tokio::time::sleep`, `async_std::task::sleep`. A duration held in a variable is left alone, and so is a sleep in a loop (a polling loop) in Python, Go and Rust, but not in JavaScript. Python and JavaScript skip a zero sleep; Go and Rust do not. Python also skips patched sleeps; JavaScript skips files that install fake timers and sleeps in callbacks handed to other code (a `jest.fn` body). A Python sleep in a helper, not a test or hook, is reported at medium severity, as it stands for slow work; one in a Go function literal or a Rust closure has medium confidence.

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
"#;
