const { warmRates, toEuros } = require('../src/rates');

describe('rate cache', () => {
  // State-setter: fills the module-level rate cache (and passes); the next test relies on it.
  test('warms the cache', () => {
    warmRates({ USD: 0.92, GBP: 1.17 });
    expect(toEuros(1000, 'USD')).toBe(920);
  });

  // Brittle: passes only if "warms the cache" ran before it in the same file; alone it fails.
  test('reads from the warm cache', () => {
    expect(toEuros(2000, 'GBP')).toBe(2340);
  });
});
