//! `module-state-write`: module, package or static state changed by a test or the code it calls.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::scan::facts::SharedState;

/// Every such change the languages found (they leave out cleanup, resets and memo caches).
pub fn check(state: &SharedState, lang: Lang) -> Option<Smell> {
    Some(RULE.variant_in(lang).says(
        &state.owner,
        format!(
            "changes {}: the change outlives the test and the next test sees it",
            state.state
        ),
    ))
}

pub const RULE: Rule = Rule {
    id: "module-state-write",
    category: Category::GlobalState,
    severity: Severity::Medium,
    confidence: Confidence::High,
    summary: "module-level, package-level or static state changed by a test or the code it calls",
    former: &[
        "py/global-assignment",
        "py/module-state-mutation",
        "js/module-state",
        "go/package-state-write",
        "rs/static-write",
    ],
    python: "reset it after each test (a fixture that yields then restores it), or patch it with monkeypatch.setattr / mock.patch.object, which restore it",
    javascript: "reset the state between tests (export a reset function and call it in beforeEach), or keep it in an object each test creates",
    go: "give each test its own state (a value built per test, not a package-level var), or restore it with t.Cleanup",
    rust: "the change outlives the test: give each test its own state (pass it in), or reset it where tests read it",
    doc: r#"# module-state-write (global-state)

## What it finds
A change, by a test or the code it calls, of state that outlives the test. Python: a function that assigns a name declared `global`, or changes a module-level container of the file (`REGISTRY.append(...)`, `CACHE_TTL[k] = v`, `del X[k]`), that another function of the file uses; left alone are setup hooks, teardown code (`finally`, after a fixture's `yield`), resets (`X.clear()`, `X = {}`), names a teardown or autouse fixture restores, and names containing "cache". JavaScript: a test or function that reassigns a module-level or `describe`-level `let`/`var`, or changes what such a variable holds (`items.push`, `cfg.debug = true`, `n++`, `Object.assign`), that another test or function of the file uses, unless a `beforeEach`/`afterEach` resets it; hooks, lazy initialisation under `if (!x)`, and a test that assigns the variable whole before using it are left alone. Go: a function (not `init`) that changes a package-level variable of the file (assignment, `++`, `delete`, `sync/atomic`, `.Store`/`.Set`/`.Add`... unless the call's first argument is a `context.Context`, as a client's commands take; not a lazy initialisation under `if x == nil`) that another function of the file uses, unless restored in a `defer` or `t.Cleanup`. Rust: a function that changes a static of the file that another function of the file uses: assigning a `static mut`, an atomic's `store`/`fetch_add`, or a collection through `lock()`, `write()` or `borrow_mut()`.

## Why it makes tests flaky
The change stays in the process after the test ends. Tests that run later start from a different state, so they pass or fail depending on which tests ran first. Running one test alone, shuffling the order, or sharding the suite changes the result.

## Example
```python
def test_register_plugin():
    PLUGINS.append(CsvPlugin())
    assert find_plugin("csv") is not None
```
```javascript
let plugins = [];
test('registers a plugin', () => {
  plugins.push(csvPlugin);
  expect(find(plugins, 'csv')).toBeDefined();
});
```
```go
func TestRegisterPlugin(t *testing.T) {
	plugins = append(plugins, CSV{})
	if Find("csv") == nil { t.Fatal("not found") }
}
```
```rust
#[test]
fn register_plugin() {
    PLUGINS.lock().unwrap().push(Box::new(Csv));
    assert!(find_plugin("csv").is_some());
}
```

## Fix
```python
@pytest.fixture(autouse=True)
def clean_plugins():
    yield
    PLUGINS.clear()
```
```javascript
beforeEach(() => { plugins = []; });
```
```go
	saved := plugins
	t.Cleanup(func() { plugins = saved })
```
```rust
    let registry = Registry::default(); // each test builds its own
    registry.add(Box::new(Csv));
```
"#,
};
