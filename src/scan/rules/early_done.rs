//! `early-done`: a test ended by one of several callbacks that run concurrently.

use super::{Category, Confidence, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "early-done",
    category: Category::AsyncRace,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    summary: "a test ended by one of several callbacks that run concurrently",
    former: &[],
    javascript: "end the test when every callback has run: nest the second operation in the first one's callback, count the callbacks and call done() at the last, or await each as a promise",
    python: "",
    go: "",
    rust: "",
    doc: r#"# early-done (async-race)

## What it finds
A `done()` call in the callback of one operation, in a JavaScript or TypeScript test, when a sibling statement of the same block starts another operation whose callback holds assertions and does not call `done()` itself (`request(a, cb1); request(b, (...) => { ...; done() })`). The operations run at once; callbacks of array methods (`forEach`, `map`, ...) run at once, event listeners (`on`, `once`, ...) in the emitter's order, and handlers registered with `use` or `param` only when the router runs them in turn: these are left alone.

## Why it makes tests flaky
The test ends when `done()` is called. When that operation finishes first, the test is over before the other callback runs: its assertions then run after the test ended (reported against another test, or not at all), or the test passes without them. Which one finishes first depends on the machine's load.

## Example
```javascript
test('serves both versions', (t, done) => {
  get('/v1', (err, res) => {
    assert.strictEqual(res.statusCode, 200);
  });
  get('/v2', (err, res) => {
    assert.strictEqual(res.statusCode, 404);
    done();
  });
});
```

## Fix
```javascript
test('serves both versions', (t, done) => {
  get('/v1', (err, res) => {
    assert.strictEqual(res.statusCode, 200);
    get('/v2', (err, res) => {
      assert.strictEqual(res.statusCode, 404);
      done();
    });
  });
});
```
"#,
};
