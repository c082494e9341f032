// Package tail keeps the end of a command's output for a report: the last
// bytes, a buffer safe for the goroutines that copy output into it, and
// the last lines.
package tail

import (
	"bufio"
	"strings"
	"sync"
)

// Bytes keeps the last Max bytes written.
type Bytes struct {
	Max int
	b   []byte
}

func (t *Bytes) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > t.Max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.Max:]...)
	}
	return len(p), nil
}

func (t *Bytes) String() string { return string(t.b) }

// Buffer is a buffer several goroutines write while another reads it (a
// command's stdout and stderr copiers, a wait that reports it).
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Lines is the last n lines of s that are not blank.
func Lines(s string, n int) []string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			lines = append(lines, sc.Text())
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
