//! `seed-dependent`: an outcome that varies with the seed flaky gives each attempt.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::render::quote_code;
use crate::scan::facts::SeedUse;

/// Every such use the languages found; one that only feeds a computation is less sure.
pub fn check(used: &SeedUse, lang: Lang) -> Option<Smell> {
    Some(RULE.variant_in(lang).less_sure_if(!used.decides).smell(format!(
        "{} is used beyond seeding a generator, in {}: the test passes or fails by the seed flaky sets on each attempt",
        used.variable,
        quote_code(&used.code)
    )))
}

pub const RULE: Rule = Rule {
    id: "seed-dependent",
    category: Category::Random,
    severity: Severity::Medium,
    confidence: Confidence::High,
    summary: "an outcome that varies with the seed flaky gives each attempt",
    former: &[],
    python: "use the seed only to seed a generator; when a value fails for some seeds, pin it with pytest.mark.parametrize and fix the code or the test",
    javascript: "use the seed only to seed a generator, and assert what holds for every seed",
    go: "use the seed only to seed a generator; replay the failing attempt with its GO_TEST_SEED and fix the case it exposes",
    rust: "use the seed only to seed a generator; replay the failing attempt with its RUST_TEST_SEED and fix the case it exposes",
    doc: r#"# seed-dependent (random)

## What it finds
A read of the run's seed (`TEST_SEED`, `FLAKY_SEED`, `GO_TEST_SEED`, `RUST_TEST_SEED`, `JEST_SEED`, `PYTHONHASHSEED`..., or the attempt number `ATTEMPT`/`FLAKY_ATTEMPT`) used for more than seeding a generator. Python: `os.environ.get`/`os.getenv`/`os.environ[...]`, or a name holding it, used in a comparison, an `assert`, an `if`/`while` condition or an index (high confidence), or in arithmetic whose result is returned or used alone (medium confidence). JavaScript: `process.env.X` unless it only reaches a seeding call (a function named like `seed`, `rng`, `random`, `chance`, `prng`...) or a `seed` key. Go: `os.Getenv`/`os.LookupEnv`, followed through up to three variables, unless only seeded, logged, returned or compared with `""`. Rust: `env::var`/`var_os`, followed through up to three bindings, when it reaches a comparison, arithmetic, an index, an `assert!` or a condition; printing it, seeding with it and `is_ok()`/`is_some()` checks are fine.

## Why it makes tests flaky
flaky sets a new seed for each attempt. A test whose branches, sizes or expected values depend on the seed itself passes for some seeds and fails for others, so it looks flaky even when the code is deterministic.

## Example
```python
def test_page_count():
    per_page = int(os.environ.get("TEST_SEED", "10")) % 20
    assert paginate(ITEMS, per_page).pages == 100 // per_page
```
```javascript
test('splits into batches', () => {
  const size = Number(process.env.TEST_SEED) % 7;
  expect(split(range(100), size).length).toBeGreaterThan(0);
});
```
```go
func TestBatchSizes(t *testing.T) {
	seed, _ := strconv.Atoi(os.Getenv("GO_TEST_SEED"))
	if len(Split(items, seed%7)) == 0 { t.Fatal("no batches") }
}
```
```rust
#[test]
fn batch_sizes() {
    let seed: usize = std::env::var("RUST_TEST_SEED").unwrap().parse().unwrap();
    assert!(!split(&items(), seed % 7).is_empty());
}
```

## Fix
```python
@pytest.mark.parametrize("per_page", [1, 7, 10, 19])
def test_page_count(per_page):
    assert paginate(ITEMS, per_page).pages == -(-100 // per_page)
```
```javascript
test.each([1, 2, 3, 4, 5, 6])('splits into batches of %i', (size) => {
  expect(split(range(100), size).length).toBeGreaterThan(0);
});
```
```go
	for size := 1; size < 7; size++ {
		if len(Split(items, size)) == 0 { t.Fatalf("no batches of %d", size) }
	}
```
```rust
    for size in 1..7 { assert!(!split(&items(), size).is_empty()); }
```
Use the seed only to seed a generator; when a failing attempt shows a case that breaks the code, replay it with its seed and pin that case.
"#,
};
