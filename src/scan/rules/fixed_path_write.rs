//! `fixed-path-write`: a write to a fixed path outside the test's temporary directory.

use super::{Category, Confidence, Lang, Rule, Severity, Smell};
use crate::scan::facts::PathWrite;

/// Every such write the languages found (not to `/dev/`, in cleanup or in a temporary directory).
pub fn check(write: &PathWrite, lang: Lang) -> Option<Smell> {
    let path = write.path.as_deref().map_or_else(
        || "a fixed path".to_owned(),
        |p| format!("the fixed path {p}"),
    );
    let rule = RULE.variant_in(lang).less_sure_if(write.relative);
    Some(rule.says(&write.call, format!(
        "changes files at {path}, outside the test's temporary directory: repeated and parallel runs share it"
    )))
}

pub const RULE: Rule = Rule {
    id: "fixed-path-write",
    category: Category::Filesystem,
    severity: Severity::Medium,
    confidence: Confidence::High,
    summary: "a write to a fixed path outside the test's temporary directory",
    former: &[],
    python: "write under the test's temporary directory (tmp_path, tempfile.TemporaryDirectory()), so repeated and parallel runs do not share the file",
    javascript: "write under a fresh temporary directory (fs.mkdtempSync(path.join(os.tmpdir(), 'test-'))) and remove it afterwards",
    go: "write under t.TempDir(), which is the test's own and removed after it",
    rust: "write under a tempfile::tempdir() (or env!(\"CARGO_TARGET_TMPDIR\") in integration tests), not a path every run shares",
    doc: r#"# fixed-path-write (filesystem)

## What it finds
A write, creation or deletion at a fixed path. Python: `open(p, "w"/"a"/"x"/"+")`, `os.remove`/`mkdir`/`makedirs`/`rename`, `shutil.rmtree`/`copy`/`move`, and `Path.write_text`/`mkdir`/`unlink`/`touch`..., where the path is a literal, `__file__`, `os.getcwd()`, `Path.cwd()`/`Path.home()`, the system's temporary directory (`tempfile.gettempdir()`, `tempfile.tempdir`: one for every run) or a path joined from those; skipped when the test has `tmp_path`/`tmpdir` or makes its own temporary file or directory with `tempfile` (`mkdtemp`, `TemporaryDirectory`, `NamedTemporaryFile`...). JavaScript: `fs` and fs-extra writes (`writeFileSync`, `mkdir`, `rm`, `rename`, `createWriteStream`, `outputFile`...) on a literal or a `path.join`/`path.resolve` of literals, `__dirname` and `process.cwd()`; skipped for `/tmp/`, `/var/tmp/`, `/dev/`, a mocked `fs` (`jest.mock('fs')`, mock-fs, memfs), and relative paths in a file that makes a temporary directory; a relative path has medium confidence. Go: `os.WriteFile`, `Create`, `OpenFile` with write flags, `Mkdir(All)`, `Rename`, `Remove(All)`, `Symlink`, `Truncate` on a path starting with a literal, unless in a `defer` or `t.Cleanup`. Rust: `std::fs`/`tokio::fs` `write`, `File::create`, `create_dir(_all)`, `remove_*`, `rename`, and `OpenOptions` opened for writing, on a literal, `Path::new("...")` or a `format!` with a fixed directory.

## Why it makes tests flaky
Every run, every test process and every parallel worker writes the same file. Runs see each other's leftovers, and parallel tests overwrite or delete files under each other. Whether the test passes depends on what ran before and at the same time.

## Example
```python
def test_report_round_trip():
    Path("out/report.csv").write_text(render_report())
    assert load_report("out/report.csv").rows == 3
```
```javascript
test('report round trip', () => {
  fs.writeFileSync(path.join(__dirname, 'out/report.csv'), renderReport());
  expect(loadReport(path.join(__dirname, 'out/report.csv')).rows).toBe(3);
});
```
```go
func TestExportsReport(t *testing.T) {
	if err := os.WriteFile("out/report.csv", Report(), 0o644); err != nil { t.Fatal(err) }
}
```
```rust
#[test]
fn exports_report() {
    std::fs::write("out/report.csv", report()).unwrap();
    assert!(std::fs::read_to_string("out/report.csv").unwrap().starts_with("id,"));
}
```

## Fix
```python
def test_report_round_trip(tmp_path):
    (tmp_path / "report.csv").write_text(render_report())
```
```javascript
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-'));
  fs.writeFileSync(path.join(dir, 'report.csv'), renderReport());
```
```go
	out := filepath.Join(t.TempDir(), "report.csv")
	if err := os.WriteFile(out, Report(), 0o644); err != nil { t.Fatal(err) }
```
```rust
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.csv"), report()).unwrap();
```
"#,
};
