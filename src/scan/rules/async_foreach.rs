//! `async-foreach`: an async callback given to forEach, which does not wait for it.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "async-foreach",
    category: Category::AsyncRace,
    severity: Severity::Medium,
    confidence: Confidence::High,
    summary: "an async callback given to forEach, which does not wait for it",
    former: &[],
    javascript: "use for...of with await, or await Promise.all(items.map(async ...))",
    python: "",
    go: "",
    rust: "",
    doc: r#"# async-foreach (async-race)

## What it finds
An `async` function passed as the first argument of a `.forEach(...)` call, in a JavaScript or TypeScript test or in the code it calls. `forEach` ignores the promises its callback returns, so nothing waits for them.

## Why it makes tests flaky
The code after the `forEach` (the test's assertions, or the function's return) runs while the callbacks are still in flight. Whether they have finished by then depends on timing, and their failures become unhandled rejections that the test never sees, or that fail a later test.

## Example
```javascript
test('imports every file', async () => {
  files.forEach(async (f) => {
    await importer.load(f);
  });
  expect(importer.count).toBe(files.length);
});
```

## Fix
```javascript
test('imports every file', async () => {
  for (const f of files) {
    await importer.load(f);
  }
  expect(importer.count).toBe(files.length);
});
```
Use `for...of` with `await` to run them one by one, or `await Promise.all(files.map(async (f) => ...))` to run them together.
"#,
};
