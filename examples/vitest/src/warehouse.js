// A fake remote warehouse that is "down" on some attempts, chosen by the seed flaky sets.
// VITE_TEST_SEED is set by flaky on every attempt; without it (a plain `npm test`) it is up.
export function warehouseUp() {
  return Number(process.env.VITE_TEST_SEED ?? 1) % 4 !== 0;
}

export function sync() {
  if (!warehouseUp()) throw new Error('warehouse unreachable');
  return 'synced';
}
