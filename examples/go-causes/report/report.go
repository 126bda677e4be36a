// Package report builds the monthly report and publishes it to a file.
package report

import (
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
)

// Build signs every invoice of the month into one digest: a fixed, CPU-bound piece of work
// that allocates nothing while it runs.
func Build(invoices int) (digest [sha256.Size]byte, checksum int) {
	h := sha256.New()
	var number [8]byte
	for i := 0; i < invoices; i++ {
		binary.LittleEndian.PutUint64(number[:], uint64(i))
		h.Write(number[:])
		checksum += int(h.Sum(digest[:0])[0])
	}
	h.Sum(digest[:0])
	return digest, checksum
}

// Publish writes the report where the accounting team picks it up.
func Publish(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

// Read reads a published report back.
func Read(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
