// A fake payment gateway that "times out" on some attempts, chosen by the seed flaky sets.
// JEST_SEED is set by flaky on every attempt; without it (a plain `npm test`) the gateway works.
function gatewayAvailable() {
  return Number(process.env.JEST_SEED ?? 1) % 4 !== 0;
}

function charge(amount) {
  if (!gatewayAvailable()) {
    return { ok: false, error: 'gateway timeout' };
  }
  return { ok: true, charged: amount };
}

module.exports = { charge };
