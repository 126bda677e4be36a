//! `timing-threshold`: an assertion that code ran within a time limit.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::scan::facts::ElapsedBound;

/// An upper bound on a measured duration, asserted in test code outside a loop. A lower bound
/// holds on a loaded machine; a loop checks a deadline as it polls; code under test keeps its own.
pub fn check(bound: &ElapsedBound, lang: Lang) -> Option<Smell> {
    (bound.upper && !bound.in_loop && bound.test_code).then(|| {
        RULE.variant_in(lang).says(
            &bound.code,
            "asserts a bound on elapsed time: a slow or loaded machine fails it",
        )
    })
}

pub const RULE: Rule = Rule {
    id: "timing-threshold",
    category: Category::Sleep,
    severity: Severity::High,
    confidence: Confidence::High,
    summary: "an assertion that code ran within a time limit",
    former: &["py/timing-assert"],
    python: "assert on the outcome, not on how long it took; if speed is the point, measure it in a benchmark with a generous bound, outside the test suite",
    javascript: "assert what the code did, not how long it took; if time is the point, use fake timers and assert on what they ran",
    go: "elapsed time varies with the machine's load: assert on the result, inject a clock, or measure speed in a benchmark",
    rust: "elapsed time varies with the machine's load: assert on the result, inject a clock, or measure speed in a benchmark",
    doc: r#"# timing-threshold (sleep)

## What it finds
An assertion that bounds a measured duration. Python: in a function that reads a clock (`time.time`, `time.monotonic`, `time.perf_counter`, `datetime.now`, `timeit`...), an `assert` comparing a duration with `<`, `<=`, `>` or `>=`, or `assertLess`/`assertGreater` (and their `Equal` forms) on one. Also a wait of under five seconds whose expiry fails the test: `t.join(timeout=3)` followed by `assert not t.is_alive()`, or `assert done.wait(timeout=2)` (a longer bound is a safety net against a hang, and left alone). JavaScript: a bound matcher (`toBeLessThan`, `toBeGreaterThan`, chai's `below`/`above`/`most`/`least`...) on `expect(duration)`, or such a comparison inside `expect(...)`/`assert(...)`, where the duration is `Date.now() - start`, `performance.now() - t0`, `process.hrtime(start)` or a variable holding one. Go: a comparison with `time.Since(...)`, `a.Sub(b)` or their `.Seconds()`/`.Milliseconds()`, and testify's `Less`/`Greater` family; Rust: a comparison or an `assert!` with `.elapsed()`, `duration_since` or `Instant::now() - start`. In every language only an upper bound is reported (`elapsed < max` asserted, `expect(elapsed).not.toBeGreaterThan(max)`, or `if elapsed > max { fail }`), in test code, outside a loop: a lower bound (`elapsed >= delay`, checking that a retry waited) holds on a loaded machine, a loop checks a deadline while it polls, and the code under test comparing its own elapsed time is keeping a deadline, not asserting one.

## Why it makes tests flaky
How long code takes depends on the machine, its load, and the other tests running at the same time. A bound that holds on a developer's laptop fails on a busy CI runner, even though the code does the right thing.

## Example
```python
def test_lookup_is_fast(index):
    start = time.perf_counter()
    index.lookup("k")
    assert time.perf_counter() - start < 0.05
```
```javascript
test('renders quickly', () => {
  const start = Date.now();
  render(<Table rows={rows} />);
  expect(Date.now() - start).toBeLessThan(100);
});
```
```go
func TestLookupIsFast(t *testing.T) {
	start := time.Now()
	index.Lookup("k")
	if time.Since(start) > 50*time.Millisecond { t.Fatal("too slow") }
}
```
```rust
#[test]
fn lookup_is_fast() {
    let start = Instant::now();
    index().lookup("k");
    assert!(start.elapsed() < Duration::from_millis(50));
}
```

## Fix
```python
    assert index.lookup("k") == "v"
```
```javascript
  expect(screen.getAllByRole('row')).toHaveLength(rows.length);
```
```go
	if got := index.Lookup("k"); got != "v" { t.Fatalf("got %q", got) }
```
```rust
    assert_eq!(index().lookup("k"), Some("v"));
```
Assert on the result; if speed is the point, measure it in a benchmark with a generous bound, outside the test suite.
"#,
};
