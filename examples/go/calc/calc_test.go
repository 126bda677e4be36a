package calc

import (
	"os"
	"strconv"
	"testing"
)

func TestAdd(t *testing.T) {
	if got := Add(2, 3); got != 5 {
		t.Fatalf("Add(2, 3) = %d, want 5", got)
	}
}

func TestSlug(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"lowercases", "Hello World", "hello-world"},
		{"collapses_spaces", "a   b", "a-b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Slug(c.in); got != c.want {
				t.Fatalf("Slug(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// TestSeededFlaky fails for one seed in four. flaky sets GO_TEST_SEED per attempt,
// so any failing attempt replays exactly; without GO_TEST_SEED it passes.
func TestSeededFlaky(t *testing.T) {
	seed, err := strconv.Atoi(os.Getenv("GO_TEST_SEED"))
	if err != nil {
		seed = 1
	}
	if seed%4 == 0 {
		t.Fatalf("GO_TEST_SEED=%d is a multiple of 4", seed)
	}
}

func TestMeanAlwaysFails(t *testing.T) {
	if got := Mean([]float64{1, 2, 3}); got != 3 {
		t.Fatalf("Mean([1 2 3]) = %v, the test expects 3 on purpose", got)
	}
}
