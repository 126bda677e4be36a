//! `subprocess`: a subprocess started with no mock in scope.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::scan::facts::Process;

/// Every process started (the languages leave out the faked ones and those whose program is
/// most often the project's own binary). One run to its end with no time limit is context.
pub fn check(process: &Process, lang: Lang) -> Option<Smell> {
    Some(RULE.variant_in(lang).context_if(process.to_end).says(
        &process.call,
        "starts a process: its speed and environment vary between runs",
    ))
}

pub const RULE: Rule = Rule {
    id: "subprocess",
    category: Category::Subprocess,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    summary: "a subprocess started with no mock in scope",
    former: &[],
    python: "fake it (pytest-subprocess's fake_process, unittest.mock.patch) or, when the process is the point, wait for what it says (a ready line, its exit) instead of a deadline a slow runner misses",
    javascript: "mock the module (jest.mock('child_process'), vi.mock('execa')) or inject the runner; where the process is the point, wait for its exit or its ready line, not a deadline",
    go: "inject the command runner, or re-run the test binary as a fake (exec.Command(os.Args[0], \"-test.run=TestHelperProcess\")); wait for the process's own signal, not a deadline",
    rust: "inject the command runner, or run the crate's own binary (env!(\"CARGO_BIN_EXE_<name>\"))",
    doc: r#"# subprocess (subprocess)

## What it finds
A child process that a test or the code it calls starts and races: left running while the test goes on, or given a deadline. Python: `subprocess.Popen`, `os.popen`, `asyncio.create_subprocess_exec`/`_shell`, `pexpect.spawn`, and `subprocess.run`/`call`/`check_call`/`check_output` given a `timeout`, unless patched or faked (pytest-subprocess's `fake_process`/`fp`). JavaScript: `child_process` `exec`/`execFile`/`spawn`/`fork`, execa and cross-spawn, unless the file mocks the module (`jest.mock('child_process')`, `vi.mock('execa')`) or stubs the function. Go: `exec.CommandContext` and `os.StartProcess`, and `exec.Command` in a function that calls `Start` or touches `Process`; only when the program is a string literal. Rust: `Command::new` with a literal program in a function that calls `spawn()`. A program taken from a variable (the test binary re-run as a fake, `os.Args[0]`, `env!("CARGO_BIN_EXE_...")`) is left alone in Go and Rust.

A process run to its end with no deadline (`subprocess.run` without `timeout`, `os.system`, `execSync`/`spawnSync`, `exec(cmd, done)` ended by the test's `done`, `exec.Command(...).Output()`, `Command::output()`) is context: shown by `flaky scan --every` and among the likely causes of a test measured flaky, not by a plain scan. Its result depends on the machine (is the tool installed, which version, `PATH`), which makes a test fail on one machine every time, not now and then.

## Why it makes tests flaky
A process takes as long as the machine lets it: on a loaded runner it starts late, so a deadline expires, a signal arrives before its handler is installed, or the test reads output that is not written yet. A process left running outlives the test and holds its ports and files.

## Example
```python
def current_branch():
    out = subprocess.run(["git", "rev-parse", "--abbrev-ref", "HEAD"],
                         capture_output=True, text=True, timeout=1)
    return out.stdout.strip()
```
```javascript
execFile('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { timeout: 1000 }, callback);
```
```go
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "symbolic-ref", "--short", "HEAD").Output()
```
```rust
#[test]
fn greets_the_name_given() {
    let child = Command::new("cargo").args(["run", "--", "Ada"]).stdout(Stdio::piped()).spawn().unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "Hello, Ada!\n");
}
```

## Fix
Fake the process where the test is about your code, and wait for what the process says (a "ready" line, its exit) where the process is the point.
```python
def test_current_branch_is_main(fake_process):
    fake_process.register(["git", "rev-parse", "--abbrev-ref", "HEAD"], stdout="main\n")
    assert current_branch() == "main"
```
```javascript
const run = jest.fn((file, args, options, callback) => callback(null, 'main\n'));
currentBranch(callback, run);
```
```go
	out, err := CurrentBranch(fakeGit, "/src/app")
```
```rust
    let output = Command::new(env!("CARGO_BIN_EXE_greet")).arg("Ada").output().unwrap();
```
"#,
};
