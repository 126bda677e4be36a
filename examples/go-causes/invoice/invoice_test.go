package invoice

import (
	"testing"
	"time"
)

// issuedAt is 2024-01-01 11:00 UTC: still 1 January from UTC-11 to UTC+12, already 2 January
// at UTC+13 and UTC+14.
var issuedAt = time.Date(2024, 1, 1, 11, 0, 0, 0, time.UTC).Unix()

// TestTotal is stable: plain arithmetic, passes every time.
func TestTotal(t *testing.T) {
	if got := Total([]Line{{1250, 2}, {499, 3}}); got != 3997 {
		t.Fatalf("Total = %d, want 3997", got)
	}
}

// TestDateIsTheIssueDay depends on the time zone: it fails with TZ=Pacific/Kiritimati (UTC+14).
func TestDateIsTheIssueDay(t *testing.T) {
	if got := Date(issuedAt); got != "2024-01-01" {
		t.Fatalf("invoice issued at 2024-01-01T11:00:00Z is dated %s in local time, want 2024-01-01", got)
	}
}
