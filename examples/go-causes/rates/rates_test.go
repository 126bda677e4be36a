package rates

import "testing"

// TestWarmsTheCache is the state-setter: it fills the package-level rate cache (and passes);
// the next test relies on it.
func TestWarmsTheCache(t *testing.T) {
	Warm(map[string]float64{"USD": 0.92, "GBP": 1.17})
	if got, err := ToEuros(1000, "USD"); err != nil || got != 920 {
		t.Fatalf("ToEuros(1000, USD) = %d, %v; want 920", got, err)
	}
}

// TestReadsFromTheWarmCache is brittle: it passes only if TestWarmsTheCache ran before it in the
// same test binary; alone it fails.
func TestReadsFromTheWarmCache(t *testing.T) {
	if got, err := ToEuros(2000, "GBP"); err != nil || got != 2340 {
		t.Fatalf("ToEuros(2000, GBP) = %d, %v; want 2340", got, err)
	}
}
