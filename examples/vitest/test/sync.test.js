import { describe, expect, test } from 'vitest';
import { pages } from '../src/inventory.js';
import { sync } from '../src/warehouse.js';

describe('sync', () => {
  test('one page holds ten items', () => {
    expect(pages(5, 10)).toBe(1);
  });

  // Flaky: fails when VITE_TEST_SEED % 4 == 0 (about one attempt in four under flaky).
  test('syncs with the warehouse', () => {
    expect(sync()).toBe('synced');
  });

  // Always fails: pages() has a real off-by-one bug.
  test('twenty items fill exactly two pages', () => {
    expect(pages(20, 10)).toBe(2);
  });
});
