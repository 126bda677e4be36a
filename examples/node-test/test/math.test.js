'use strict';
// Stable tests, one seeded flaky test and one test that always fails.
const { test, describe } = require('node:test');
const assert = require('node:assert/strict');
const { add, mean, slug } = require('../lib/demo');

test('add', () => {
  assert.equal(add(2, 3), 5);
});

describe('slug', () => {
  test('lowercases', () => {
    assert.equal(slug('Hello World'), 'hello-world');
  });
  test('collapses spaces', () => {
    assert.equal(slug('a   b'), 'a-b');
  });
});

test('seeded flaky', () => {
  // Fails for one seed in four; flaky sets TEST_SEED per attempt, so any failing
  // attempt replays exactly. Without TEST_SEED it passes.
  const seed = Number.parseInt(process.env.TEST_SEED ?? '1', 10);
  assert.notEqual(seed % 4, 0, `TEST_SEED=${seed} is a multiple of 4`);
});

test('mean always fails', () => {
  assert.equal(mean([1, 2, 3]), 3, 'mean([1, 2, 3]) should be 2, the test expects 3 on purpose');
});
