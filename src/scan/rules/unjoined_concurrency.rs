//! `unjoined-concurrency`: a thread, goroutine or task started and never joined.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::scan::facts::Unjoined;

/// Every such start the languages found.
pub fn check(unjoined: &Unjoined, lang: Lang) -> Option<Smell> {
    Some(RULE.variant_in(lang).says(
        &unjoined.call,
        "starts work the test never joins or waits for: the test can assert, or end, before it finishes",
    ))
}

pub const RULE: Rule = Rule {
    id: "unjoined-concurrency",
    category: Category::AsyncRace,
    severity: Severity::High,
    confidence: Confidence::Medium,
    summary: "a thread, goroutine or task started and never joined",
    former: &[
        "py/unjoined-thread",
        "go/unjoined-goroutine",
        "rs/unjoined-spawn",
    ],
    python: "join it (t.join(timeout=...)) before asserting, or submit the work to a concurrent.futures executor and wait for the futures",
    go: "wait for it before the test returns: a sync.WaitGroup, an errgroup.Group or a channel receive",
    rust: "keep the handle and join() it (or .await the task) before the test returns, or use std::thread::scope",
    javascript: "",
    doc: r#"# unjoined-concurrency (async-race)

## What it finds
Concurrent work a test starts and does not wait for. Python: `threading.Thread`, `threading.Timer` or `multiprocessing.Process` made in a function that calls `.start()` but never `.join()` (with no argument, a timeout, or a constant). Go: a `go` statement in a `Test`/`Benchmark`/`Fuzz`/`Example` function whose body never waits: no channel receive, `select`, `range` over a channel, `.Wait()` or testify's `Eventually`; left alone are a goroutine that runs a server (a call of `Serve*`, `ListenAndServe*` or `Start*`, or `Accept()` in a loop) and the goroutines it starts, one that only cancels a context, and one whose channel is handed to a function of the package called after it (`waitForStart(addrCh, errCh)`). Gomega's `Eventually` counts as a wait. Rust (tests only): `thread::spawn`, `tokio::spawn`, `tokio::task::spawn(_blocking)` or `async_std::task::spawn` whose handle is dropped: a bare statement, `let _ =`, `let _h =`, or a binding never used again; a thread or task that serves (it accepts connections, `incoming()` or `accept()`; calls a function or method named `serve`, `serve_*` or `run_server`, such as `axum::serve(listener, app)` or hyper's `serve_connection`; or is handed a `TcpListener`/`UnixListener` bound in the test) is left alone, as is a client connection's driver (`tokio::spawn(conn)`, or a task that awaits `conn`, where `let (sender, conn) = ...handshake(io)`): the test waits on them through the socket or the sender. The checks are coarse (medium confidence): any join or wait in the function counts, whatever it waits for.

## Why it makes tests flaky
Whether the work has finished when the test asserts depends on scheduling, which changes with the machine's load. A panic or failure in the background is lost or lands in a later test, and work left running can change state the next test reads.

## Example
```python
def test_consumer_handles_message(broker):
    threading.Thread(target=consume, args=(broker,)).start()
    broker.publish("hello")
    assert broker.acked == ["hello"]
```
```go
func TestConsumerHandlesMessage(t *testing.T) {
	go consume(broker)
	broker.Publish("hello")
	if got := broker.Acked(); len(got) != 1 { t.Fatal(got) }
}
```
```rust
#[test]
fn consumer_handles_message() {
    let broker = Broker::new();
    std::thread::spawn({ let b = broker.clone(); move || consume(b) });
    broker.publish("hello");
    assert_eq!(broker.acked(), ["hello"]);
}
```

## Fix
```python
    t = threading.Thread(target=consume, args=(broker,)); t.start()
    broker.publish("hello"); broker.close(); t.join(timeout=5)
```
```go
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); consume(broker) }()
	broker.Publish("hello"); broker.Close(); wg.Wait()
```
```rust
    let handle = std::thread::spawn({ let b = broker.clone(); move || consume(b) });
    broker.publish("hello"); broker.close(); handle.join().unwrap();
```
"#,
};
