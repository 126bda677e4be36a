//! `process-signal`: a signal raised in the process that runs every test.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "process-signal",
    category: Category::GlobalState,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    summary: "a signal raised in the process that runs every test",
    former: &[],
    python: "call the handler directly (server.handle_exit(signal.SIGINT, None)) instead of raising the signal, or install and restore a handler around the test (a fixture that saves signal.getsignal and puts it back)",
    javascript: "",
    go: "",
    rust: "",
    doc: r#"# process-signal (global-state)

## What it finds
A Python test, or code it reaches, that sends a signal to its own process: `signal.raise_signal(sig)`, `os.kill(os.getpid(), sig)` and `signal.pthread_kill(threading.get_ident(), sig)`, and `signal.alarm(n)` with `n > 0`.

## Why it makes tests flaky
The process is the test runner's, shared by every test it runs. What the signal does depends on the handler installed when it arrives: the runner's own (pytest stops the whole run on SIGINT), one an earlier test installed and never restored, or the default (which kills the process). So the test passes or fails by the tests that ran before it, and may take the rest of the run down with it.

## Example
```python
def test_stops_on_interrupt(server):
    server.start()
    os.kill(os.getpid(), signal.SIGINT)
    assert server.stopped
```

## Fix
```python
def test_stops_on_interrupt(server):
    server.start()
    server.handle_exit(signal.SIGINT, None)
    assert server.stopped
```
"#,
};
