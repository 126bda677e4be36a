//! `unsorted-listing`: a directory listing used without sorting.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "unsorted-listing",
    category: Category::Unordered,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    summary: "a directory listing used without sorting",
    former: &[],
    python: "sort the entries (sorted(os.listdir(d))) before using their order",
    javascript: "sort the listing (.sort()) before comparing or picking from it: directory order differs between file systems",
    go: "",
    rust: "",
    doc: r#"# unsorted-listing (unordered)

## What it finds
A directory listing or glob whose order is used without a sort. Python: `os.listdir`, `os.scandir`, `glob.glob`, `glob.iglob`, and `.iterdir()`, `.glob()`, `.rglob()` whose result is indexed, compared with `==`, passed to `assertEqual`, joined, read with `next(...)`, or iterated by a loop that builds a list, writes, yields or stops at the first match. Also `os.walk(p)` and `Path.walk()` whose `dirs` or `files` a test binds (`for root, dirs, files in ...`, `root, dirs, files = next(it)`) and compares with a list of two or more names. JavaScript: `fs.readdirSync`/`fs.readdir`, glob, fast-glob and globby whose result is indexed, joined, returned, passed to an assertion or `JSON.stringify`, directly or through the variable it is stored in, and never sorted (`.sort()`, `.toSorted()`, lodash `sortBy`...). A listing passed to `sorted(...)` or only counted is left alone.

## Why it makes tests flaky
The order of entries depends on the file system (ext4, APFS, tmpfs and NTFS differ) and on the order the files were created. A test that expects the order it saw on one machine fails on a CI runner or after a fresh checkout.

## Example
```python
def test_migrations_run_in_order(tmp_path):
    make_migrations(tmp_path, ["001_init.sql", "002_users.sql"])
    assert os.listdir(tmp_path) == ["001_init.sql", "002_users.sql"]
```
```javascript
test('finds the migrations', () => {
  const files = fs.readdirSync(dir);
  expect(files).toEqual(['001_init.sql', '002_users.sql']);
});
```

## Fix
```python
    assert sorted(os.listdir(tmp_path)) == ["001_init.sql", "002_users.sql"]
```
```javascript
  const files = fs.readdirSync(dir).sort();
```
Sort the entries before comparing or picking from them.
"#,
};
