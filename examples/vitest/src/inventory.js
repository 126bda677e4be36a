// A tiny stock keeper with a module-level map: the shared state behind the order-dependent pair.
const stock = new Map([['apple', 3]]);

export function restock(item, count) {
  stock.set(item, (stock.get(item) ?? 0) + count);
}

export function available(item) {
  return stock.get(item) ?? 0;
}

export function reserve(item, count) {
  const have = available(item);
  if (have < count) throw new Error(`only ${have} ${item} left`);
  stock.set(item, have - count);
}

// Deliberately wrong: an off-by-one in the page count (the always-failing test catches it).
export function pages(items, perPage) {
  return Math.floor(items / perPage) + 1;
}
