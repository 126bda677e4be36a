// Converts amounts to euros with a cache of the day's exchange rates.

// Module-level on purpose: it outlives a single test, which is what makes "reads from the warm
// cache" depend on "warms the cache" running first.
const cache = new Map();

// Loads the day's exchange rates (to euros) into the cache.
function warmRates(rates) {
  for (const [currency, rate] of Object.entries(rates)) {
    cache.set(currency, rate);
  }
}

// Converts an amount in cents with the cached rate; the cache must be warm.
function toEuros(cents, currency) {
  if (!cache.has(currency)) {
    throw new Error(`no cached rate for ${currency}: the rate cache is cold`);
  }
  return Math.round(cents * cache.get(currency));
}

module.exports = { warmRates, toEuros };
