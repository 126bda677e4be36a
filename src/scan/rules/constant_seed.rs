//! `constant-seed`: a generator seeded with a constant, which hides the randomness the test was meant to cover.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "constant-seed",
    category: Category::Random,
    severity: Severity::Low,
    confidence: Confidence::High,
    summary: "a generator seeded with a constant, which hides the randomness the test was meant to cover",
    doc: DOC,
    aliases: &[
        "py/constant-seed",
        "js/constant-seed",
        "go/constant-seed",
        "rs/constant-seed",
    ],
    python: Some(
        "seed from the run instead, so each attempt explores another seed and a failure replays: int(os.environ.get(\"TEST_SEED\", \"0\"))",
    ),
    javascript: Some(
        "seed from the run's seed (process.env.TEST_SEED ?? '1'), which flaky varies per attempt and records for replays",
    ),
    go: Some(
        "read the seed from GO_TEST_SEED when it is set, so flaky can vary it and replay a failure",
    ),
    rust: Some(
        "read the seed from RUST_TEST_SEED when it is set, so flaky can vary it and replay a failure",
    ),
};

const DOC: &str = r#"# constant-seed (random)

## What it finds
A generator seeded with a constant, in a test or the code it calls. Python: `random.seed`, `numpy.random.seed`, `random.Random`, `default_rng` or `RandomState` given a number, an UPPER_CASE constant, arithmetic on them, or a string literal. JavaScript: `.seed(...)`, `.seedrandom(...)`, `.setSeed(...)`, `new Chance(...)` or `new seedrandom(...)` given a number or string literal. Go: `rand.Seed`/`rand.NewSource` or `rand.NewPCG`/`rand.NewChaCha8` whose arguments are all constants. Rust: `seed_from_u64`/`from_seed` whose arguments are all constants or an array of integer literals (`[0u8; 32]`). It is reported at low severity: a constant seed is reproducible, only blind.

## Why it makes tests flaky
Every run draws the same values, so the test only ever covers one case, and a value that breaks the code is never drawn until someone changes the seed. The run's seed would do better: flaky sets `TEST_SEED` (`GO_TEST_SEED`, `RUST_TEST_SEED`...) to a different value on each attempt and records it, so reruns explore new cases and any failure replays.

## Example
```python
def test_partition_is_balanced():
    rng = random.Random(42)
    assert is_balanced(partition([rng.random() for _ in range(100)]))
```
```javascript
test('partition is balanced', () => {
  const rng = seedrandom('42');
  expect(isBalanced(partition(values(rng)))).toBe(true);
});
```
```go
func TestPartitionIsBalanced(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	if !IsBalanced(Partition(Values(rng))) { t.Fatal("unbalanced") }
}
```
```rust
#[test]
fn partition_is_balanced() {
    let mut rng = StdRng::seed_from_u64(42);
    assert!(is_balanced(&partition(&values(&mut rng))));
}
```

## Fix
```python
    rng = random.Random(int(os.environ.get("TEST_SEED", "0")))
```
```javascript
  const rng = seedrandom(process.env.TEST_SEED ?? '1');
```
```go
	seed, _ := strconv.ParseInt(os.Getenv("GO_TEST_SEED"), 10, 64)
	rng := rand.New(rand.NewSource(seed))
```
```rust
    let seed: u64 = std::env::var("RUST_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(42);
    let mut rng = StdRng::seed_from_u64(seed);
```
The default keeps a run outside flaky reproducible.
"#;
