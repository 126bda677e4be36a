//! `unreproducible-seed`: a generator seeded from the clock or the OS, so no failure replays.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::scan::facts::Seed;

/// A seed that differs every run (`from` the clock, the OS entropy), unrecorded, wherever it is.
pub fn check(seed: &Seed, from: &str, lang: Lang) -> Option<Smell> {
    Some(RULE.variant_in(lang).says(
        &seed.call,
        format!("seeds from {from}: values differ every run and a failure cannot be replayed"),
    ))
}

pub const RULE: Rule = Rule {
    id: "unreproducible-seed",
    category: Category::Random,
    severity: Severity::High,
    confidence: Confidence::High,
    summary: "a generator seeded from the clock or the OS, so a failure cannot be replayed",
    former: &[
        "py/entropy-seed",
        "go/clock-seed",
        "rs/entropy-seed",
        "rs/clock-seed",
    ],
    python: "draw from a generator seeded with the run's seed: rng = random.Random(int(os.environ.get(\"TEST_SEED\", \"0\"))), so a failure replays with the same seed",
    javascript: "seed from the run's seed (process.env.TEST_SEED), which flaky sets per attempt and records for replays",
    go: "seed from GO_TEST_SEED (flaky sets it per attempt) and log it, so a failing seed can be replayed",
    rust: "seed with seed_from_u64 from RUST_TEST_SEED (flaky sets it per attempt) and print it, so a failing seed can be replayed",
    doc: r#"# unreproducible-seed (random)

## What it finds
A generator seeded from the clock or from OS entropy. Python: `random.seed()` or `numpy.random.seed()` with no argument or `None`, and `seed`, `random.Random`, `default_rng` or `RandomState` given a value computed from a clock (`time.time()`, `datetime.now()`...), `os.urandom`, `uuid4`, `secrets` or `os.getpid()` (`random.Random()` with no argument is `unseeded-random`). JavaScript: `.seed(...)`, `.seedrandom(...)`, `.setSeed(...)`, `new Chance(...)` or `new seedrandom(...)` whose first argument reads a clock (`Date.now()`, `new Date()`, `performance.now()`, `process.hrtime`) or entropy (`Math.random()`, `randomBytes`, `randomInt`, `getRandomValues`). Go: `rand.Seed`/`rand.NewSource` (`math/rand`) or `rand.NewPCG`/`rand.NewChaCha8` (`math/rand/v2`) given `time.Now()`, directly or through a variable. Rust: any `from_entropy()` or `from_os_rng()`, and `seed_from_u64`/`from_seed` given a clock read (`SystemTime::now()`, `Instant::now()`, chrono), directly or through a local variable. In the code under test that tests reach (a library seeding its own balancer or id generator), such a seed is context, as its draws are: shown by `flaky scan --every` and among the likely causes of a test measured flaky.

## Why it makes tests flaky
The seed differs on every run and is not recorded, so a failure caused by one seed cannot be replayed or debugged. flaky gives each attempt a seed in `TEST_SEED` (and `GO_TEST_SEED`, `RUST_TEST_SEED`, `JEST_SEED`...) and prints it with the failure; a test that seeds from it fails again, the same way, on replay.

## Example
```python
def test_sampler_covers_all_buckets():
    rng = random.Random(time.time())
    assert len({bucket(rng.random()) for _ in range(1000)}) == 10
```
```javascript
test('generates valid names', () => {
  const rng = seedrandom(Date.now());
  expect(isValidName(randomName(rng))).toBe(true);
});
```
```go
func TestGeneratesValidNames(t *testing.T) {
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	if !IsValidName(RandomName(rng)) { t.Fatal("invalid name") }
}
```
```rust
#[test]
fn generates_valid_names() {
    let mut rng = StdRng::from_entropy();
    assert!(is_valid_name(&random_name(&mut rng)));
}
```

## Fix
```python
    rng = random.Random(int(os.environ.get("TEST_SEED", "0")))
```
```javascript
  const rng = seedrandom(process.env.TEST_SEED);
```
```go
	seed, _ := strconv.ParseInt(os.Getenv("GO_TEST_SEED"), 10, 64)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
```
```rust
    let seed: u64 = std::env::var("RUST_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    println!("seed {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
```
"#,
};
