//! `unseeded-random`: random values drawn from a generator no seed controls.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::scan::facts::{Random, Unseeded};

/// Every unseeded draw or generator the languages found (none a seed in scope or a patch controls).
pub fn check(random: &Random, lang: Lang) -> Option<Smell> {
    let what = match random.makes {
        Unseeded::Draw => "draws from an unseeded generator",
        Unseeded::Generator => "makes a generator seeded from the OS entropy",
        Unseeded::FakeData => "makes a fake-data generator seeded from the OS entropy",
    };
    Some(RULE.variant_in(lang).says(
        &random.call,
        format!("{what}: values differ every run and a failure cannot be replayed"),
    ))
}

pub const RULE: Rule = Rule {
    id: "unseeded-random",
    category: Category::Random,
    severity: Severity::High,
    confidence: Confidence::High,
    summary: "random values drawn from a generator no seed controls",
    former: &[],
    python: "draw from a generator seeded with the run's seed: rng = random.Random(int(os.environ.get(\"TEST_SEED\", \"0\"))), so a failure replays with the same seed",
    javascript: "draw from a generator seeded with the run's seed (seedrandom(process.env.TEST_SEED)), or use fixed values",
    go: "draw from rand.New(rand.NewSource(seed)) with the seed read from GO_TEST_SEED, and log the seed so a failure replays",
    rust: "draw from StdRng::seed_from_u64(seed) with the seed read from RUST_TEST_SEED, and print the seed so a failure replays",
    doc: r#"# unseeded-random (random)

## What it finds
A draw from a generator that nothing seeded. Python: the module-level functions of `random` (`random.random`, `randint`, `choice`, `shuffle`, `sample`...) and `numpy.random` (`rand`, `randint`, `choice`, `shuffle`...), unless the scope, a setup hook or an autouse fixture seeds that family, or the function is patched; and `random.Random()`, `numpy.random.default_rng()` or `RandomState()` made with no seed. Also Faker's `Faker()` in a file that never seeds one (`fake.seed_instance(x)`, `Faker.seed(x)`); pytest's `faker` fixture is seeded and left alone. JavaScript: `Math.random()` and `crypto.randomInt()`; inside a stand-in for the platform's entropy source (a fake `getRandomValues`, `randomBytes`) the draw is as random as what it replaces, and is context. Go: the global functions of `math/rand` and `math/rand/v2` (`rand.Intn`, `rand.Float64`, `rand.Shuffle`, `rand.Perm`, `rand.N`...). Rust: `rand::random()`, `rand::thread_rng()`, `rand::rng()` and any `fastrand::` function. A Rust draw whose only uses are in `format!` text (`let num: u64 = rand::random(); format!("pipe-{num}")`) names something and is reported as `random-value` instead. In the code under test that tests reach (not test code), a draw is shown only by `flaky scan --every` and among the likely causes of a test `flaky run` measured flaky: random values are what such code is for, and they make a test flaky only when it asserts on them; there it is also one step less severe.

## Why it makes tests flaky
Every run draws different values, so a test that fails only for some of them fails at random, and the failing values are gone when you rerun it. flaky gives each attempt its own seed (`TEST_SEED`, `GO_TEST_SEED`, `RUST_TEST_SEED`...); a generator seeded from it explores a new seed per attempt and replays a failure exactly.

## Example
```python
def test_shuffled_deck_has_all_cards():
    deck = list(range(52))
    random.shuffle(deck)
    assert deal(deck).hands == 4
```
```javascript
test('accepts any quantity', () => {
  const qty = Math.floor(Math.random() * 100);
  expect(addToCart(item, qty).total).toBe(item.price * qty);
});
```
```go
func TestAcceptsAnyQuantity(t *testing.T) {
	qty := rand.Intn(100)
	if AddToCart(item, qty).Total != item.Price*qty { t.Fatal(qty) }
}
```
```rust
#[test]
fn accepts_any_quantity() {
    let qty: u32 = rand::random::<u32>() % 100;
    assert_eq!(add_to_cart(&item(), qty).total, item().price * qty);
}
```

## Fix
```python
    rng = random.Random(int(os.environ.get("TEST_SEED", "0")))
    rng.shuffle(deck)
```
```javascript
  const rng = seedrandom(process.env.TEST_SEED);
  const qty = Math.floor(rng() * 100);
```
```go
	seed, _ := strconv.ParseInt(os.Getenv("GO_TEST_SEED"), 10, 64)
	t.Logf("seed %d", seed)
	qty := rand.New(rand.NewSource(seed)).Intn(100)
```
```rust
    let seed: u64 = std::env::var("RUST_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    println!("seed {seed}");
    let qty = StdRng::seed_from_u64(seed).gen_range(0..100);
```
"#,
};
