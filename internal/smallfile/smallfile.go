// Package smallfile reads the small files stackgen takes as input
// (answers, manifests, settings, keys) without letting them exhaust or hang
// the process: only a regular file is read, and at most a given size.
package smallfile

import (
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/stackgen/stackgen/internal/msg"
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
		return nil, msg.Err("smallfile.err.not-regular", msg.Args{"File": path, "Kind": msg.Sub{ID: KindID(st.Mode())}})
	}
	if st.Size() > max {
		return nil, msg.Err("smallfile.err.too-large", msg.Args{"File": path, "Size": st.Size(), "Max": max})
	}
	// The file can grow after Stat: read one byte more than allowed to see it.
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, msg.Err("smallfile.err.grew", msg.Args{"File": path, "Max": max})
	}
	return b, nil
}

// Kind names a file mode that is not a regular file for a message:
// "a named pipe (FIFO)", "a directory", ...
func Kind(m fs.FileMode) string { return msg.English().T(KindID(m)) }

// KindID is the catalogue ID of Kind's words, for an error that says them
// in the reader's language (as msg.Sub{ID: KindID(m)}).
func KindID(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "smallfile.kind.dir"
	case m&fs.ModeNamedPipe != 0:
		return "smallfile.kind.fifo"
	case m&fs.ModeCharDevice != 0:
		return "smallfile.kind.char-device"
	case m&fs.ModeDevice != 0:
		return "smallfile.kind.block-device"
	case m&fs.ModeSocket != 0:
		return "smallfile.kind.socket"
	}
	return "smallfile.kind.other"
}
