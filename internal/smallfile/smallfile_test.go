package smallfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.yml")
	if err := os.WriteFile(p, []byte("a: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(p, 5); err != nil || string(b) != "a: 1\n" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	if _, err := ReadFile(p, 4); err == nil || !strings.Contains(err.Error(), "limit is 4") {
		t.Errorf("ReadFile over the limit: %v", err)
	}
	if _, err := ReadFile("/dev/null", 5); err == nil || !strings.Contains(err.Error(), "character device") {
		t.Errorf("ReadFile(/dev/null): %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "nope"), 5); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file must wrap ErrNotExist: %v", err)
	}
}

func TestReadFileRefusesAFIFOWithoutBlocking(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	if _, err := ReadFile(p, 5); err == nil || !strings.Contains(err.Error(), "a named pipe (FIFO), not a regular file") {
		t.Errorf("ReadFile(FIFO): %v", err)
	}
}
