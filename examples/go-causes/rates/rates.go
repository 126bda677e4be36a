// Package rates converts amounts to euros with a cache of the day's exchange rates.
package rates

import "fmt"

// cache outlives a single test on purpose: it is what makes TestReadsFromTheWarmCache depend on
// TestWarmsTheCache running first.
var cache = map[string]float64{}

// Warm loads the day's exchange rates (to euros) into the cache.
func Warm(rates map[string]float64) {
	for currency, rate := range rates {
		cache[currency] = rate
	}
}

// ToEuros converts an amount in cents with the cached rate; the cache must be warm.
func ToEuros(cents int, currency string) (int, error) {
	rate, ok := cache[currency]
	if !ok {
		return 0, fmt.Errorf("no cached rate for %s: the rate cache is cold", currency)
	}
	return int(float64(cents)*rate + 0.5), nil
}
