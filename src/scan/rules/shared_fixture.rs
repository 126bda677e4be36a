//! `shared-fixture`: a fixture or setup shared by all tests that some of them change.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::render::quote_code;
use crate::scan::facts::SharedState;

/// State set up once for all tests (`TestMain`, a `sync.Once`, a lazy static) that `writer`,
/// another function, changes. What sets it up is named unless it is the state itself.
pub fn check(state: &SharedState, writer: &str, lang: Lang) -> Option<Smell> {
    let owner = quote_code(&state.owner);
    let by = if state.state.contains(&owner) {
        String::new()
    } else {
        format!(" by {owner}")
    };
    Some(RULE.variant_in(lang).smell(format!(
        "{} is set up once for every test of the process{by}, and {} changes it",
        state.state,
        quote_code(writer)
    )))
}

pub const RULE: Rule = Rule {
    id: "shared-fixture",
    category: Category::SharedFixture,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    summary: "a fixture or setup shared by all tests that some of them change",
    former: &["go/shared-setup-state", "rs/shared-static-fixture"],
    python: "build it per test (a function-scoped fixture, or setUp), or share an immutable value (tuple, frozenset, MappingProxyType)",
    javascript: "create it in beforeEach (or reset it in afterEach) so every test starts from the same state",
    go: "tests that change it see each other's changes: build it per test, or restore it with t.Cleanup",
    rust: "every test of the process shares it: build the value inside each test, or reset it at the start of each",
    doc: r#"# shared-fixture (shared-fixture)

## What it finds
Mutable state set up once and shared by many tests. Python: a fixture with `scope="class"`, `"module"`, `"package"` or `"session"`, or a `setUpClass`/`setup_class`/`setUpModule`/`setup_module` hook, that returns, yields or stores (on `cls.` or in a `global`) a mutable value; a dict, list, set or other container is reported at medium severity, an instance of a class at low severity and medium confidence. Where its tests are in the same file (a class setup, a fixture of a test module), only if code of the file changes the value in place (`self.seen.append(x)`, `items[k] = v`, `client.x = v`, `del ...`); a conftest.py's or a plugin's fixture serves other files and is reported regardless. JavaScript: a variable that a `beforeAll`/`before` hook sets up and a test or function then changes, unless a `beforeEach` resets it; reported at the hook. Go: a package-level variable that `TestMain` or a `sync.Once` sets once and another function of the file changes. Rust: a lazily built static in test code (`LazyLock`, `Lazy`, `OnceLock`, `OnceCell`, `lazy_static!`) holding a `Mutex`, `RwLock`, `RefCell`, `Cell` or atomic, which a function of the file changes.

## Why it makes tests flaky
Each test sees what the tests before it changed. Results depend on the order, on which tests are selected, and on how they are split across workers; a test that passes alone fails in the full run.

## Example
```python
@pytest.fixture(scope="module")
def cart():
    return {"items": []}
```
```javascript
let cart;
beforeAll(() => { cart = createCart(); });
test('adds an item', () => { cart.items.push(apple); expect(cart.items).toHaveLength(1); });
```
```go
func TestMain(m *testing.M) { cart = NewCart(); os.Exit(m.Run()) }
func TestAddsItem(t *testing.T) { cart.Items = append(cart.Items, apple) }
```
```rust
static CART: LazyLock<Mutex<Vec<Item>>> = LazyLock::new(|| Mutex::new(Vec::new()));
#[test]
fn adds_item() { CART.lock().unwrap().push(apple()); }
```

## Fix
```python
@pytest.fixture
def cart():
    return {"items": []}
```
```javascript
beforeEach(() => { cart = createCart(); });
```
```go
func TestAddsItem(t *testing.T) { cart := NewCart(); cart.Items = append(cart.Items, apple) }
```
```rust
#[test]
fn adds_item() { let mut cart = Vec::new(); cart.push(apple()); }
```
Build it per test, or share only immutable values (a tuple, a `frozenset`, a `MappingProxyType`, a `const`).
"#,
};
