'use strict';
// An order-dependent pair sharing the registry in lib/demo.js. node --test runs each
// file in its own process, so the pair lives in one file: 'lookup starts empty' comes
// first in definition order and passes; it fails when 'register item' ran before it.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { register, lookup } = require('../lib/demo');

test('lookup starts empty', () => {
  assert.equal(lookup('answer'), undefined, "the registry was not empty: another test registered 'answer'");
});

test('register item', () => {
  register('answer', 42);
  assert.equal(lookup('answer'), 42);
});
