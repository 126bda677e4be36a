// Package registry keeps one piece of package-level state, which the
// order-dependent pair in registry_test.go shares.
package registry

// items outlives a single test on purpose: it is what makes TestLookupStartsEmpty
// depend on whether TestRegisterItem ran first.
var items = map[string]int{}

// Register stores value under name.
func Register(name string, value int) { items[name] = value }

// Lookup returns the value stored under name, if any.
func Lookup(name string) (int, bool) {
	v, ok := items[name]
	return v, ok
}
