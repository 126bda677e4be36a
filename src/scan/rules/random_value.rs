//! `random-value`: a random identifier (uuid, random id) that the test compares or depends on.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "random-value",
    category: Category::Random,
    severity: Severity::Low,
    confidence: Confidence::Medium,
    summary: "a random identifier (uuid, random id) that the test compares or depends on",
    former: &["js/random-id", "rs/random-uuid"],
    python: "fine for unique names; if the value reaches an assertion, derive it from a generator seeded with TEST_SEED",
    javascript: "use a fixed id where a test compares it, or derive it from the run's seed (process.env.TEST_SEED)",
    rust: "harmless unless the test orders or compares ids; then derive them from a seeded generator",
    go: "",
    doc: r#"# random-value (random)

## What it finds
A value made to differ on every run. Python: `uuid.uuid1()`, `uuid.uuid4()`, `os.urandom()` and the `secrets` functions (`token_hex`, `token_bytes`, `token_urlsafe`, `randbelow`, `choice`), unless patched or used only to seed a generator. JavaScript: `crypto.randomUUID()`, `crypto.randomBytes()`, `uuid`'s `v1`/`v4`, `nanoid()`, and a `Math.random()` draw written as text (`Math.random().toString(36)`, a file or token name). Rust: `Uuid::new_v4()`, and a `rand`/`fastrand` draw used only in `format!` text (a socket, pipe or file name: `format!("mio-uds-{num}")`). Go has no such rule. It is reported at low severity (low confidence in Rust): a random id that only keeps names apart is harmless. In the code under test that tests reach (not test code), such a value is shown only by `flaky scan --every` and among the likely causes of a test `flaky run` measured flaky.

## Why it makes tests flaky
If the value reaches an assertion, or decides an order (ids sorted, used as keys, compared with a snapshot), the outcome changes from run to run, and the failing value is gone on the next run.

## Example
```python
def test_users_listed_by_id(db):
    ids = [db.add_user(id=str(uuid.uuid4())) for _ in range(3)]
    assert db.list_users() == ids
```
```javascript
test('lists users by id', () => {
  const ids = [1, 2, 3].map(() => db.addUser({ id: crypto.randomUUID() }));
  expect(db.listUsers()).toEqual(ids);
});
```
```rust
#[test]
fn lists_users_by_id() {
    let ids: Vec<Uuid> = (0..3).map(|_| db().add_user(Uuid::new_v4())).collect();
    assert_eq!(db().list_users(), ids);
}
```

## Fix
```python
    ids = [db.add_user(id=f"user-{i}") for i in range(3)]
```
```javascript
  const ids = ['user-1', 'user-2', 'user-3'].map((id) => db.addUser({ id }));
```
```rust
    let ids: Vec<Uuid> = (0..3u128).map(|i| db().add_user(Uuid::from_u128(i))).collect();
```
Use fixed ids where the test compares or orders them, or derive them from a generator seeded with the run's seed.
"#,
};
