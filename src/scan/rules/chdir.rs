//! `chdir`: the process's working directory changed by a test (judged by `env_mutation::check`).

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "chdir",
    category: Category::GlobalState,
    severity: Severity::Medium,
    confidence: Confidence::High,
    summary: "the process's working directory changed by a test",
    former: &["rs/set-current-dir"],
    javascript: "pass the directory to the code under test, or restore process.cwd() in afterEach or a finally block",
    go: "use t.Chdir (Go 1.24), or pass paths instead of changing the working directory",
    rust: "tests share the process's working directory, in parallel threads: pass paths instead of changing it",
    python: "",
    doc: r#"# chdir (global-state)

## What it finds
A change of the process's working directory. JavaScript: `process.chdir(...)` in a test or function, unless some `process.chdir` in the file runs in a `beforeEach`/`afterEach`/`afterAll` hook or a `finally` block. Go: `os.Chdir`, unless it is in a `defer`/`t.Cleanup` or the function's cleanup calls `os.Chdir` back. Rust: every `std::env::set_current_dir`, as Rust has no cleanup the rule can see. Python has no such rule.

## Why it makes tests flaky
The working directory belongs to the whole process. Every relative path in the tests after the change resolves elsewhere, so they pass or fail by the order they run in. Rust runs tests on parallel threads, so another test can open a file while the directory is changed.

## Example
```javascript
test('loads the local config', () => {
  process.chdir(path.join(__dirname, 'fixtures/app'));
  expect(loadConfig().name).toBe('app');
});
```
```go
func TestLoadsLocalConfig(t *testing.T) {
	os.Chdir("testdata/app")
	if LoadConfig().Name != "app" { t.Fatal("wrong config") }
}
```
```rust
#[test]
fn loads_local_config() {
    std::env::set_current_dir("tests/fixtures/app").unwrap();
    assert_eq!(load_config().name, "app");
}
```

## Fix
```javascript
  expect(loadConfig(path.join(__dirname, 'fixtures/app')).name).toBe('app');
```
```go
	t.Chdir("testdata/app") // Go 1.24; restored when the test ends
```
```rust
    assert_eq!(load_config_from(Path::new("tests/fixtures/app")).name, "app");
```
Pass the directory to the code under test rather than moving the whole process.
"#,
};
