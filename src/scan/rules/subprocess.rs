//! `subprocess`: a subprocess started with no mock in scope.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "subprocess",
    category: Category::Subprocess,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    summary: "a subprocess started with no mock in scope",
    doc: DOC,
    aliases: &[
        "py/subprocess",
        "js/subprocess",
        "go/subprocess",
        "rs/subprocess",
    ],
    python: Some(
        "mock it (unittest.mock.patch, pytest-subprocess's fake_process) or, when the process is the point, give it a timeout and a fixed environment",
    ),
    javascript: Some(
        "mock the module (jest.mock('child_process'), vi.mock('execa')) or inject the runner: a real process depends on the machine and its load",
    ),
    go: Some(
        "inject the command runner, or re-run the test binary as a fake (exec.Command(os.Args[0], \"-test.run=TestHelperProcess\"))",
    ),
    rust: Some(
        "inject the command runner, or run the crate's own binary (env!(\"CARGO_BIN_EXE_<name>\"))",
    ),
};

const DOC: &str = r#"# subprocess (subprocess)

## What it finds
A child process started by a test or the code it calls. Python: `subprocess.run`/`call`/`check_call`/`check_output`/`Popen`/`getoutput`, `os.system`, `os.popen`, `asyncio.create_subprocess_exec`/`_shell` and `pexpect`, unless patched or faked (pytest-subprocess's `fake_process`/`fp`). JavaScript: `child_process` `exec`/`execSync`/`execFile`/`spawn`/`spawnSync`/`fork`, execa, cross-spawn and `shelljs.exec`, unless the file mocks the module (`jest.mock('child_process')`, `vi.mock('execa')`) or stubs the function. Go: `exec.Command`/`CommandContext` and `os.StartProcess`, only when the program is a string literal. Rust: `Command::new`, only when the program is a string literal. A program taken from a variable (the test binary re-run as a fake, `os.Args[0]`, `env!("CARGO_BIN_EXE_...")`) is left alone in Go and Rust.

## Why it makes tests flaky
The process depends on the machine: whether the tool is installed and which version, `PATH`, the locale, the environment, and how long it takes to start on a loaded runner. Without a timeout, a hung process hangs the test.

## Example
```python
def test_lists_branches(repo):
    out = subprocess.check_output(["git", "branch"], cwd=repo)
    assert b"main" in out
```
```javascript
test('lists branches', () => {
  const out = execSync('git branch', { cwd: repo }).toString();
  expect(out).toContain('main');
});
```
```go
func TestListsBranches(t *testing.T) {
	out, err := exec.Command("git", "branch").Output()
	if err != nil || !bytes.Contains(out, []byte("main")) { t.Fatal(err) }
}
```
```rust
#[test]
fn lists_branches() {
    let out = Command::new("git").arg("branch").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("main"));
}
```

## Fix
```python
def test_lists_branches(fake_process):
    fake_process.register(["git", "branch"], stdout="* main\n")
```
```javascript
jest.mock('child_process');
execSync.mockReturnValue(Buffer.from('* main\n'));
```
```go
	out, err := ListBranches(fakeRunner{stdout: "* main\n"})
```
```rust
    let out = list_branches(&FakeRunner::new("* main\n")).unwrap();
```
Mock or inject the runner; when the process is the point, give it a timeout and a fixed environment.
"#;
