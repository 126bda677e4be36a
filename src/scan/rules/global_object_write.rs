//! `global-object-write`: a global object's property changed by a test (see `env_mutation`).

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "global-object-write",
    category: Category::GlobalState,
    severity: Severity::Medium,
    confidence: Confidence::High,
    summary: "a property of the global object changed by a test",
    former: &["js/global-mutation"],
    javascript: "restore it in afterEach or a finally block, or use vi.stubGlobal with vi.unstubAllGlobals() / jest.replaceProperty with jest.restoreAllMocks()",
    python: "",
    go: "",
    rust: "",
    doc: r#"# global-object-write (global-state)

## What it finds
A JavaScript test or function that changes a property of the global object: an assignment, update or `delete` on `global.x`, `globalThis.x` or `window.x`, `Object.assign`/`Object.defineProperty` on them, or a mutating method called on one of their properties. Left alone: assigning a mock made by `jest.fn()`, `vi.fn()` or sinon (the framework's restore undoes those), code at module level, and every global change in a file where some global change runs in a `beforeEach`/`afterEach`/`afterAll` hook or a `finally` block.

## Why it makes tests flaky
Test files in one worker share the same global object, and so do the tests of a file. Whatever a test puts there stays for the tests after it, which then pass or fail by the order they run in.

## Example
```javascript
test('reports offline', () => {
  globalThis.navigator = { onLine: false };
  expect(status()).toBe('offline');
});
```

## Fix
```javascript
afterEach(() => vi.unstubAllGlobals());

test('reports offline', () => {
  vi.stubGlobal('navigator', { onLine: false });
  expect(status()).toBe('offline');
});
```
With jest, use `jest.replaceProperty(globalThis, 'navigator', ...)` and `jest.restoreAllMocks()`, or put the old value back in a `finally` block.
"#,
};
