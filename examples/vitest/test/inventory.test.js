import { describe, expect, test } from 'vitest';
import { available, reserve, restock } from '../src/inventory.js';

describe('inventory', () => {
  test('knows unknown items are out of stock', () => {
    expect(available('pear')).toBe(0);
  });

  test('refuses to reserve more than it has', () => {
    expect(() => reserve('plum', 1)).toThrow('only 0 plum left');
  });

  // Order-dependent pair: this test is defined (and by default runs) before the next one,
  // and fails whenever "restocks apples" ran first in the same file.
  test('starts with three apples', () => {
    expect(available('apple')).toBe(3);
  });

  test('restocks apples', () => {
    restock('apple', 2);
    expect(available('apple')).toBe(5);
  });
});
