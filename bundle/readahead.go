package bundle

import (
	"io"
	"sync"
)

// readAhead drains r in a goroutine into up to depth chunks of size bytes
// held in memory, and returns a reader of them. The engine writes `docker
// save` into a small socket buffer and stops while it is full; without
// this, every moment the compressor spends on a block stalls the engine
// too, and the two take turns instead of working at the same time
// (measured: the save+compress pass took 2.2x the raw save with turns).
// The caller must Close the returned reader to stop the goroutine.
func readAhead(r io.Reader, size, depth int) io.ReadCloser {
	ra := &readAheadReader{
		chunks: make(chan []byte, depth),
		free:   make(chan []byte, depth+2),
		done:   make(chan struct{}),
	}
	for i := 0; i < depth+2; i++ {
		ra.free <- make([]byte, size)
	}
	go ra.fill(r)
	return ra
}

type readAheadReader struct {
	chunks chan []byte
	free   chan []byte
	done   chan struct{}
	once   sync.Once
	err    error // set before chunks is closed
	cur    []byte
	buf    []byte
}

func (ra *readAheadReader) fill(r io.Reader) {
	defer close(ra.chunks)
	for {
		var buf []byte
		select {
		case buf = <-ra.free:
		case <-ra.done:
			return
		}
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			select {
			case ra.chunks <- buf[:n]:
			case <-ra.done:
				return
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return
		}
		if err != nil {
			ra.err = err
			return
		}
	}
}

func (ra *readAheadReader) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.buf != nil {
			ra.free <- ra.buf[:cap(ra.buf)]
			ra.buf = nil
		}
		c, ok := <-ra.chunks
		if !ok {
			if ra.err != nil {
				return 0, ra.err
			}
			return 0, io.EOF
		}
		ra.cur, ra.buf = c, c
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// WriteTo hands whole chunks to w, saving a copy.
func (ra *readAheadReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(ra.cur) > 0 {
			n, err := w.Write(ra.cur)
			total += int64(n)
			ra.cur = ra.cur[n:]
			if err != nil {
				return total, err
			}
		}
		if ra.buf != nil {
			ra.free <- ra.buf[:cap(ra.buf)]
			ra.buf = nil
		}
		c, ok := <-ra.chunks
		if !ok {
			return total, ra.err
		}
		ra.cur, ra.buf = c, c
	}
}

func (ra *readAheadReader) Close() error {
	ra.once.Do(func() { close(ra.done) })
	return nil
}
