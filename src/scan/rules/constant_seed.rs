//! `constant-seed`: a generator seeded once for all tests with a constant.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::scan::facts::{Place, Seed};

/// A constant seed where it seeds once for all tests (a module body, a hook that runs once): they
/// share one stream of values, so what each draws depends on the tests before it. In a test or
/// a per-test hook it makes that test repeatable: the fix for random flakiness, not a smell.
pub fn check(seed: &Seed, lang: Lang) -> Option<Smell> {
    (seed.place == Place::Shared).then(|| {
        RULE.variant_in(lang).says(
            &seed.call,
            "seeds once for all tests with a constant: what each test draws depends on the tests that drew before it",
        )
    })
}

pub const RULE: Rule = Rule {
    id: "constant-seed",
    category: Category::Random,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    summary: "a generator seeded once for all tests with a constant, so what each test draws depends on the tests before it",
    former: &[],
    python: "seed in each test or in a function-scoped fixture, from the run's seed (random.seed(int(os.environ.get(\"TEST_SEED\", \"0\")))), or give each test its own generator: rng = random.Random(seed)",
    javascript: "seed in beforeEach (or in the test) from the run's seed, process.env.TEST_SEED, so each test starts from the same point whatever ran before it",
    go: "give each test its own generator, rand.New(rand.NewSource(seed)) with the seed from GO_TEST_SEED, instead of seeding the global one in init or TestMain",
    rust: "",
    doc: r#"# constant-seed (random)

## What it finds
A generator seeded with a constant (a number, a string literal, a constant's name, arithmetic on them) where the seeding runs once for all tests: at module or class level, in a `describe` body, or in a hook that runs once (`setUpClass`, a module-, class- or session-scoped fixture, `beforeAll`, `TestMain`, `init`). Python: `random.seed`, `numpy.random.seed`, `random.Random`, `default_rng`, `RandomState`. JavaScript: `.seed(...)`, `.seedrandom(...)`, `.setSeed(...)`, `new Chance(...)`, `new seedrandom(...)`. Go: `rand.Seed`, `rand.NewSource`, `rand.NewPCG`, `rand.NewChaCha8`. A constant seed inside a test or in a hook that runs before each test is left alone: it makes that test repeatable, which is the fix for random flakiness.

## Why it makes tests flaky
Seeded once, the generator is one stream of values shared by every test that draws from it. What a test draws then depends on how many values the tests before it took: run one test alone, in another order, or after a new test is added, and it sees other values. The failure is order-dependent and looks random.

## Example
```python
random.seed(1234)  # module level: once for the whole file

def test_shuffle_keeps_items():
    assert pick_winner(["a", "b", "c"]) == "b"
```
```javascript
beforeAll(() => faker.seed(42));

test('makes a user', () => {
  expect(makeUser().name).toBe('Ada Lovelace');
});
```
```go
func TestMain(m *testing.M) {
	rand.Seed(1)
	os.Exit(m.Run())
}
```

## Fix
```python
@pytest.fixture(autouse=True)
def seeded():
    random.seed(int(os.environ.get("TEST_SEED", "0")))
```
```javascript
beforeEach(() => faker.seed(Number(process.env.TEST_SEED ?? 1)));
```
```go
rng := rand.New(rand.NewSource(seed)) // in each test, seed from GO_TEST_SEED
```
Seed where each test starts (or give each test its own generator), from the run's seed, so every test sees the same values whatever ran before it and a failing seed replays.
"#,
};
