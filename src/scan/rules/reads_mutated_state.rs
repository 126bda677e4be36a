//! `reads-mutated-state`: a read of shared state that another test or function changes.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::render::quote_code;
use crate::scan::facts::SharedState;

/// Every read of state that `writer`, another function, changes. JavaScript's at low severity:
/// any mention of the variable is a read there, often one that reaches no assertion.
pub fn check(state: &SharedState, writer: &str, lang: Lang) -> Option<Smell> {
    let severity = match lang {
        Lang::JavaScript => Severity::Low,
        _ => RULE.severity,
    };
    Some(RULE.variant_in(lang).severity(severity).smell(format!(
        "{} reads {}, which {} changes: what it sees depends on the tests that ran before",
        quote_code(&state.owner),
        state.state,
        quote_code(writer)
    )))
}

pub const RULE: Rule = Rule {
    id: "reads-mutated-state",
    category: Category::GlobalState,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    summary: "a read of shared state that another test or function changes",
    former: &[
        "py/reads-mutated-global",
        "js/reads-shared-state",
        "go/package-state-read",
        "rs/static-read",
    ],
    python: "reset the state before each test (an autouse fixture that clears it), or pass it in instead of keeping it at module level",
    javascript: "reset that state in beforeEach/afterEach, so a test does not see what the tests before it left",
    go: "the result depends on which tests ran before: restore the variable with t.Cleanup where tests change it, or pass the state in",
    rust: "the result depends on which tests ran before, and with test threads on scheduling: pass the state in, or reset it first",
    doc: r#"# reads-mutated-state (global-state)

## What it finds
A function that reads shared state which another function of the same file changes: the reader is the victim of an order dependence, the writer (reported as `module-state-write`) its polluter. Python: a module-level name read where another function changes it, unless the reader binds, changes or only clears it, or a setup or teardown hook restores it. JavaScript: a module-level or `describe`-level variable read in a test or function that another test or function changes, unless a `beforeEach` resets it or the reading test assigns it itself first; reported at low severity. Go: a package-level variable another function writes. Rust: a static another function changes. The message names the writer.

## Why it makes tests flaky
What the reader sees depends on whether the writer ran before it. Alone or first, the test passes; after the writer, it fails (or the reverse). Shuffled order, sharding and, in Rust, tests running on parallel threads make it come and go.

## Example
```python
def test_starts_empty():
    assert len(REGISTRY) == 0
```
```javascript
test('starts empty', () => {
  expect(cart.items).toHaveLength(0);
});
```
```go
func TestStartsEmpty(t *testing.T) {
	if len(registry) != 0 { t.Fatalf("registry has %d items", len(registry)) }
}
```
```rust
#[test]
fn starts_empty() {
    assert_eq!(COUNTER.load(Ordering::SeqCst), 0);
}
```

## Fix
```python
@pytest.fixture(autouse=True)
def empty_registry():
    REGISTRY.clear()
```
```javascript
beforeEach(() => { cart = createCart(); });
```
```go
	registry = map[string]Item{}
	t.Cleanup(func() { registry = map[string]Item{} })
```
```rust
    let counter = AtomicUsize::new(0); // the test's own, passed to the code
```
Reset the state before each test, or pass it in instead of keeping it at module level.
"#,
};
