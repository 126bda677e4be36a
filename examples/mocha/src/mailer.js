// A fake mail server that refuses connections on some attempts, chosen by the seed flaky sets.
// MOCHA_SEED is set by flaky on every attempt; without it (a plain `npm test`) it accepts mail.
function send(to) {
  if (Number(process.env.MOCHA_SEED ?? 1) % 4 === 0) {
    throw new Error(`connection refused while sending to ${to}`);
  }
  return { to, status: 'sent' };
}

// Deliberately wrong: it forgets the user's name (the always-failing test catches it).
function welcomeSubject(name) {
  return `Welcome, ${name.length > 0 ? 'friend' : name}!`;
}

module.exports = { send, welcomeSubject };
