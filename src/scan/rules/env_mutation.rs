//! `env-mutation`: an environment variable set by a test and never restored. Its `check`
//! judges every change of process state, and names this rule, `chdir` or `global-object-write`.

use super::{Category, Confidence, Lang, Rule, Severity, Smell, chdir, global_object_write};
use crate::scan::facts::{ProcessChange, ProcessState, Restore};

/// Every change of process state the language did not see undone in time. The working
/// directory and the global object are the same idea, other state: their rules share these words.
pub fn check(change: &ProcessChange, lang: Lang) -> Option<Smell> {
    let (rule, what) = match change.state {
        ProcessState::Env => (&RULE, "the environment of the whole process"),
        ProcessState::Cwd => (&chdir::RULE, "the working directory of the whole process"),
        ProcessState::Global => (&global_object_write::RULE, "a global"),
    };
    let restore = match change.restore {
        Restore::Never => ", and nothing restores it",
        Restore::Late => {
            ", and puts it back only after: tests on the other threads read it meanwhile"
        }
        Restore::Unseen => "",
    };
    let what = format!("changes {what}{restore}");
    Some(rule.variant_in(lang).says(&change.code, what))
}

pub const RULE: Rule = Rule {
    id: "env-mutation",
    category: Category::GlobalState,
    severity: Severity::Medium,
    confidence: Confidence::High,
    summary: "an environment variable set by a test and never restored",
    former: &["go/setenv", "rs/set-var"],
    python: "use monkeypatch.setenv/delenv (pytest) or mock.patch.dict(os.environ, ...), which restore the environment after the test",
    javascript: "restore it in afterEach (keep a copy of process.env) or a finally block, or use vi.stubEnv / jest.replaceProperty(process, 'env', ...)",
    go: "use t.Setenv, which restores the variable when the test ends",
    rust: "tests share the process's environment, in parallel threads: hold one lock in every test that touches it (temp-env's with_var does, or serial_test's #[serial]), or pass the setting in",
    doc: r#"# env-mutation (global-state)

## What it finds
A change of the process environment that nothing restores. Python: `os.environ[k] = v`, `del os.environ[k]`, `os.environ.update`/`pop`/`setdefault`/`clear`, `os.putenv`, `os.unsetenv`, unless done in teardown code (`finally`, after a fixture's `yield`, `addCleanup`, a `tearDown` hook) or under `mock.patch.dict(os.environ)`. JavaScript: assignments to or `delete` of `process.env.X` (or `import.meta.env`), unless some change of the environment in the file is in a `beforeEach`/`afterEach`/`afterAll` hook or a `finally` block, or puts back a value the test kept (`const saved = process.env.X; ...; process.env.X = saved`). Go: `os.Setenv`, `os.Unsetenv`, `os.Clearenv`, unless in a `defer`/`t.Cleanup` or undone by one with the same key. Rust: `env::set_var`/`remove_var`, unless the function holds a lock (`ENV_LOCK.lock()`) or is marked `#[serial]`: cargo test runs tests on threads of one process, so setting the old value back after is not enough (another test reads the variable meanwhile). Each variable is reported once per function.

## Why it makes tests flaky
The environment belongs to the whole process. A variable a test sets stays set for every test after it, so those tests pass or fail by the order they run in. In Go with `t.Parallel()` and in Rust, whose tests run on parallel threads, another test can see the change while it is in force.

## Example
```python
def test_uses_eu_endpoint():
    os.environ["REGION"] = "eu"
    assert client().endpoint == "https://eu.api.example"
```
```javascript
test('uses the EU endpoint', () => {
  process.env.REGION = 'eu';
  expect(client().endpoint).toBe('https://eu.api.example');
});
```
```go
func TestUsesEUEndpoint(t *testing.T) {
	os.Setenv("REGION", "eu")
	if Client().Endpoint != "https://eu.api.example" { t.Fatal(Client().Endpoint) }
}
```
```rust
#[test]
fn uses_eu_endpoint() {
    std::env::set_var("REGION", "eu");
    assert_eq!(client().endpoint, "https://eu.api.example");
}
```

## Fix
```python
def test_uses_eu_endpoint(monkeypatch):
    monkeypatch.setenv("REGION", "eu")
```
```javascript
  vi.stubEnv('REGION', 'eu'); // with vi.unstubAllEnvs() in afterEach
```
```go
	t.Setenv("REGION", "eu")
```
```rust
    temp_env::with_var("REGION", Some("eu"), || {
        assert_eq!(client().endpoint, "https://eu.api.example");
    });
```
"#,
};
