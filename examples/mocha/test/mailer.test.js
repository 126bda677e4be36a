const assert = require('node:assert/strict');
const { send, welcomeSubject } = require('../src/mailer');

describe('mailer', function () {
  it('puts the name in the subject', function () {
    assert.match(welcomeSubject(''), /^Welcome, /);
  });

  // Flaky: fails when MOCHA_SEED % 4 == 0 (about one attempt in four under flaky).
  it('delivers the welcome mail', function () {
    assert.deepEqual(send('ada@example.com'), { to: 'ada@example.com', status: 'sent' });
  });

  // Always fails: welcomeSubject() has a real bug.
  it('greets the user by name', function () {
    assert.equal(welcomeSubject('Ada'), 'Welcome, Ada!');
  });
});
