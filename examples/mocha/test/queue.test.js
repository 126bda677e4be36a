const assert = require('node:assert/strict');
const { enqueue, size, drain } = require('../src/queue');

describe('queue', function () {
  it('counts from zero', function () {
    assert.equal(typeof size(), 'number');
  });

  // Order-dependent pair: this test is defined (and by default runs) before the next one,
  // and fails whenever "accepts a job" ran first in the same process.
  it('starts empty', function () {
    assert.equal(size(), 0);
  });

  it('accepts a job', function () {
    assert.equal(enqueue('resize-image'), 1);
  });
});
