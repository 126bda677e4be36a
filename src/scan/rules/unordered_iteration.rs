//! `unordered-iteration`: iteration over a set, map or hash whose order the test depends on.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "unordered-iteration",
    category: Category::Unordered,
    severity: Severity::Medium,
    confidence: Confidence::High,
    summary: "iteration over a set, map or hash whose order the test depends on",
    former: &["py/set-order", "go/map-order", "rs/hash-order"],
    python: "sort it (sorted(s)) or compare it as a set; string hashes change with PYTHONHASHSEED",
    go: "Go randomises map order: range over sorted keys (slices.Sorted(maps.Keys(m))) or sort the result",
    rust: "HashMap and HashSet iterate in a different order each run: sort the result, or use a BTreeMap/BTreeSet",
    javascript: "",
    doc: r#"# unordered-iteration (unordered)

## What it finds
Iteration over a hashed collection where the order then counts. Python: a set (a `{...}` literal, a set comprehension, `set(...)`, `frozenset(...)`, or a module-level set) that is iterated by a `for` whose body appends, writes, prints, yields, returns or breaks, turned into a list, tuple or string that is compared with `==`, indexed or passed to `assertEqual`, joined, or read with `next(iter(...))` or `.pop()`; sets of integer literals and `set(range(...))` are left alone, and confidence is medium. Go: a `range` over a map variable, or a struct field the file declares as a map (`range s.members`), whose body appends to a slice declared outside the loop (unless it is sorted afterwards with `sort` or `slices.Sort*`), builds a string with `+=`, or writes output (`w.Write...`, `fmt.Fprint...`, or `fmt.Print...` in an `Example` with an ordered `// Output:`). Rust: a local `HashMap` or `HashSet` iterated and collected into a `Vec`, `String` or `VecDeque`, or joined, with no sort afterwards; the same inside an `assert*!`; or a `for` loop over it that pushes into a collection declared outside, not sorted after.

## Why it makes tests flaky
Python salts string hashes per process (`PYTHONHASHSEED`, which flaky varies per attempt), Go randomises map iteration on purpose, and Rust's `HashMap` uses a random seed per process. The same data comes out in a different order on different runs, so an assertion on that order passes only sometimes.

## Example
```python
def test_tags_are_rendered():
    tags = {"red", "green", "blue"}
    assert ",".join(tags) == "red,green,blue"
```
```go
func TestKeys(t *testing.T) {
	var keys []string
	for k := range counts { keys = append(keys, k) }
	if strings.Join(keys, ",") != "a,b" { t.Fatal(keys) }
}
```
```rust
#[test]
fn keys_listed() {
    let counts: HashMap<&str, u32> = HashMap::from([("a", 1), ("b", 2)]);
    let keys: Vec<_> = counts.keys().collect();
    assert_eq!(keys, [&"a", &"b"]);
}
```

## Fix
```python
    assert ",".join(sorted(tags)) == "blue,green,red"
```
```go
	keys := slices.Sorted(maps.Keys(counts))
```
```rust
    let mut keys: Vec<_> = counts.keys().collect();
    keys.sort();
```
Sort before using the order, compare as sets, or use an ordered collection (`BTreeMap`, `BTreeSet`).
"#,
};
