package report

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// sharedReport is a fixed file shared by every copy of the suite: .shared/report.txt in the
// module root (go test runs each package's tests in the package's directory).
var sharedReport = filepath.Join("..", ".shared", "report.txt")

// TestPublishedReportIsOurs shows contention: a fixed shared file and a 1 s window, so two
// copies at once overwrite each other's report.
func TestPublishedReportIsOurs(t *testing.T) {
	token := fmt.Sprintf("report of process %d", os.Getpid())
	if err := Publish(sharedReport, token); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the accounting job picks the report up a second later: the contention window
	got, err := Read(sharedReport)
	if err != nil {
		t.Fatal(err)
	}
	if got != token {
		t.Fatalf("%s was overwritten by another run: %q", sharedReport, got)
	}
}

// TestReportIsBuiltWithinItsTimeBudget shows timing: about 30 ms of CPU; it passes unless the
// CPU is shared with much busier work (wall-clock time above 5 times the CPU time).
func TestReportIsBuiltWithinItsTimeBudget(t *testing.T) {
	runtime.LockOSThread() // threadCPU measures this thread, so keep the test on it
	defer runtime.UnlockOSThread()
	wallStart, cpuStart := time.Now(), threadCPU()
	Build(150_000)
	wall, cpu := time.Since(wallStart), threadCPU()-cpuStart
	if wall >= 5*cpu {
		t.Fatalf("the report must be built within its time budget: %v of wall-clock time for %v of CPU (more than 5x)", wall, cpu)
	}
}
