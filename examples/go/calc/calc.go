// Package calc holds small functions under test.
package calc

import "strings"

// Add returns a + b.
func Add(a, b int) int { return a + b }

// Mean returns the arithmetic mean of values.
func Mean(values []float64) float64 {
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	return sum / float64(len(values))
}

// Slug lowercases text and joins its words with dashes.
func Slug(text string) string {
	return strings.Join(strings.Fields(strings.ToLower(text)), "-")
}
