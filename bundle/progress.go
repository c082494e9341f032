package bundle

import (
	"io"
	"sync/atomic"
)

// Counter counts bytes as they pass, safely read from another goroutine
// (the progress display). As an io.Writer it only counts.
type Counter struct{ n atomic.Int64 }

// Add counts n bytes.
func (c *Counter) Add(n int64) { c.n.Add(n) }

// Load returns the count so far.
func (c *Counter) Load() int64 {
	if c == nil {
		return 0
	}
	return c.n.Load()
}

func (c *Counter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// Progress is what a long bundle operation reports while it runs. Every
// field may be nil.
type Progress struct {
	// Read counts the plain `docker save` stream read from the engine (or,
	// installing, the plain tar sent to it).
	Read *Counter
	// Written counts the compressed image archive written (or read back
	// when verifying).
	Written *Counter
	// Phase is called when a phase starts: "images", "files", "verify",
	// "load".
	Phase func(name string)
}

func (p *Progress) phase(name string) {
	if p != nil && p.Phase != nil {
		p.Phase(name)
	}
}

func (p *Progress) read() *Counter {
	if p == nil {
		return nil
	}
	return p.Read
}

func (p *Progress) written() *Counter {
	if p == nil {
		return nil
	}
	return p.Written
}

// countReader counts what is read through it.
type countReader struct {
	r io.Reader
	c *Counter
}

func (c countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.c != nil {
		c.c.Add(int64(n))
	}
	return n, err
}

// teeCounter returns w counting into c as well, when c is set.
func teeCounter(w io.Writer, c *Counter) io.Writer {
	if c == nil {
		return w
	}
	return io.MultiWriter(w, c)
}
