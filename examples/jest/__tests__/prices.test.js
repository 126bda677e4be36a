const { setCurrency, formatPrice, total } = require('../src/prices');

describe('prices', () => {
  test('adds up line items', () => {
    expect(total([{ price: 2.5, quantity: 2 }, { price: 1, quantity: 3 }])).toBe(8);
  });

  test('an empty cart costs nothing', () => {
    expect(total([])).toBe(0);
  });

  // Order-dependent pair: this test is defined (and by default runs) before the next one,
  // and fails whenever "switches the currency" ran first in the same file.
  test('formats prices in euros by default', () => {
    expect(formatPrice(5)).toBe('5.00 EUR');
  });

  test('switches the currency', () => {
    setCurrency('USD');
    expect(formatPrice(5)).toBe('5.00 USD');
  });
});
