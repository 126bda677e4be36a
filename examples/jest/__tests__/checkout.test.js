const { charge } = require('../src/gateway');
const { applyDiscount } = require('../src/prices');

describe('checkout', () => {
  test('rounds totals to cents', () => {
    expect(Math.round(19.999 * 100) / 100).toBe(20);
  });

  // Flaky: fails when JEST_SEED % 4 == 0 (about one attempt in four under flaky).
  test('charges the card', () => {
    expect(charge(42)).toEqual({ ok: true, charged: 42 });
  });

  // Always fails: applyDiscount has a real bug.
  test('applies a 10% discount', () => {
    expect(applyDiscount(100, 10)).toBe(90);
  });
});
