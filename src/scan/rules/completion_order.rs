//! `completion-order`: results collected in the order concurrent work finished.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "completion-order",
    category: Category::Unordered,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    summary: "results collected in the order concurrent work finished",
    former: &[],
    javascript: "use the array Promise.all returns (it keeps the input order), or sort before asserting",
    python: "",
    go: "",
    rust: "",
    doc: r#"# completion-order (unordered)

## What it finds
A `push(...)` onto an array declared outside the callback, made inside an `async` callback that `.map(...)` runs for `Promise.all(...)` or `Promise.allSettled(...)`. The array then holds the results in the order the callbacks finished, not the order of the input. JavaScript and TypeScript, in tests and in the code they call.

## Why it makes tests flaky
The callbacks run concurrently, and which one finishes first depends on I/O, timers and the machine's load. A test that compares the array with an expected list in input order passes only when they happen to finish in that order.

## Example
```javascript
test('fetches every user', async () => {
  const names = [];
  await Promise.all(ids.map(async (id) => {
    names.push((await getUser(id)).name);
  }));
  expect(names).toEqual(['Ada', 'Grace', 'Linus']);
});
```

## Fix
```javascript
test('fetches every user', async () => {
  const users = await Promise.all(ids.map((id) => getUser(id)));
  expect(users.map((u) => u.name)).toEqual(['Ada', 'Grace', 'Linus']);
});
```
Use the array `Promise.all` returns, which keeps the input order, or sort before asserting.
"#,
};
