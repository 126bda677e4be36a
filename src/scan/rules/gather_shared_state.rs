//! `gather-shared-state`: concurrent tasks that change the same state.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "gather-shared-state",
    category: Category::AsyncRace,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    summary: "concurrent tasks that change the same state",
    former: &[],
    python: "guard the shared value with an asyncio.Lock, or have each task return its result and combine them after gather",
    javascript: "",
    go: "",
    rust: "",
    doc: r#"# gather-shared-state (async-race)

## What it finds
A Python `asyncio.gather(...)` given a call of a coroutine function defined in the same file (looked up in the calling function first) that both awaits and assigns a name it declares `nonlocal` or `global`. One finding per `gather` call, naming the coroutine and the variable. Also a function handed to worker threads several at once (`threading.Thread(target=f)`, `to_thread.run_sync(f)`, `asyncio.to_thread(f)`, `executor.submit(f)`, `loop.run_in_executor(None, f)`, in a loop or from a function started in a loop) that updates a `nonlocal` or `global` name in place (`n += 1`) outside a `with` block (a lock).

## Why it makes tests flaky
Each coroutine reads the shared value, awaits, and writes it back. When the event loop switches between them at the `await`, one overwrites the other's update. How often that happens depends on scheduling, so a counter or total is right on some runs and wrong on others.

## Example
```python
async def test_counts_every_download():
    total = 0
    async def fetch(n):
        nonlocal total
        total += await download_size(n)
    await asyncio.gather(fetch(1), fetch(2), fetch(3))
    assert total == 600
```

## Fix
```python
async def test_counts_every_download():
    async def fetch(n):
        return await download_size(n)
    sizes = await asyncio.gather(fetch(1), fetch(2), fetch(3))
    assert sum(sizes) == 600
```
Have each task return its result and combine them after `gather`, or guard the shared value with an `asyncio.Lock`.
"#,
};
