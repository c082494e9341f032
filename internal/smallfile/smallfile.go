// Package smallfile reads the small files stackgen takes as input
// (answers, manifests, settings, keys) without letting them exhaust or hang
// the process: only a regular file is read, and at most a given size.
package smallfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ReadFile returns the content of path if it is a regular file of at most
// max bytes. A FIFO is opened without blocking and refused, so a named pipe
// never hangs the process; devices (/dev/zero), directories and sockets
// are refused before a byte is read. Errors wrap fs.ErrNotExist when path
// does not exist.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, not a regular file", path, Kind(st.Mode()))
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s is %d bytes; the limit is %d", path, st.Size(), max)
	}
	// The file can grow after Stat: read one byte more than allowed to see it.
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than the limit of %d bytes", path, max)
	}
	return b, nil
}

// Kind names a file mode that is not a regular file for a message:
// "a named pipe (FIFO)", "a directory", ...
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}
