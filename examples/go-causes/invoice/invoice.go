// Package invoice computes invoice totals and the date printed on an invoice.
package invoice

import "time"

// Line is one line of an invoice: a unit price in cents and a quantity.
type Line struct {
	PriceCents int
	Quantity   int
}

// Total is the sum of the lines, in cents.
func Total(lines []Line) int {
	total := 0
	for _, l := range lines {
		total += l.PriceCents * l.Quantity
	}
	return total
}

// Date is the date printed on an invoice issued at unix time ts: the date in the local time
// zone (go reads TZ at start-up).
func Date(ts int64) string {
	return time.Unix(ts, 0).Local().Format("2006-01-02")
}
