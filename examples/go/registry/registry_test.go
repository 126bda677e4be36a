package registry

import "testing"

// TestLookupStartsEmpty comes first in source order, go test's default, and passes.
// It fails when TestRegisterItem ran before it in the same process (go test -shuffle).
func TestLookupStartsEmpty(t *testing.T) {
	if v, ok := Lookup("answer"); ok {
		t.Fatalf("registry was not empty: another test registered answer=%d", v)
	}
}

func TestRegisterItem(t *testing.T) {
	Register("answer", 42)
	if v, ok := Lookup("answer"); !ok || v != 42 {
		t.Fatalf("Lookup(answer) = %d, %v; want 42, true", v, ok)
	}
}
