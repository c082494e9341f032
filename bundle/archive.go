package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"strconv"
	"time"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zip"
	"github.com/stackgen/stackgen/internal/msg"
)

// Format is the outer archive's format.
type Format string

const (
	// Zip is the default: Windows opens it without extra tools.
	Zip Format = "zip"
	// TarGz is a gzip'd tar.
	TarGz Format = "tar.gz"
)

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case Zip, TarGz:
		return Format(s), nil
	case "tgz":
		return TarGz, nil
	}
	return "", msg.Err("bundle.err.format", msg.Args{"Format": strconv.Quote(s)})
}

// Ext is the archive's file name extension.
func (f Format) Ext() string { return "." + string(f) }

// archiveWriter writes a bundle's entries, each under the root folder.
type archiveWriter interface {
	// WriteFile adds a small file, compressed by the archive.
	WriteFile(name string, mode fs.FileMode, content []byte) error
	// StreamFile adds a file whose size is known only once write has
	// written it; it is stored as is (it is already compressed).
	StreamFile(name string, mode fs.FileMode, write func(io.Writer) error) error
	// Close finishes the archive (not the file under it).
	Close() error
}

// archiveFile is what the archive writers write to: the temporary file,
// through the hashing wrapper. The tar.gz writer seeks back to patch a
// header in place.
type archiveFile interface {
	io.Writer
	io.Seeker
	io.WriterAt
}

func newArchiveWriter(f Format, file archiveFile, root string, mtime time.Time) (archiveWriter, error) {
	switch f {
	case Zip:
		return &zipWriter{zw: zip.NewWriter(file), root: root, mtime: mtime}, nil
	case TarGz:
		return &tarGzWriter{f: file, root: root, mtime: mtime}, nil
	}
	return nil, msg.Err("bundle.err.format", msg.Args{"Format": strconv.Quote(string(f))})
}

type zipWriter struct {
	zw    *zip.Writer
	root  string
	mtime time.Time
}

func (z *zipWriter) header(name string, mode fs.FileMode, method uint16) *zip.FileHeader {
	h := &zip.FileHeader{Name: z.root + "/" + name, Method: method, Modified: z.mtime}
	h.SetMode(mode)
	return h
}

func (z *zipWriter) WriteFile(name string, mode fs.FileMode, content []byte) error {
	w, err := z.zw.CreateHeader(z.header(name, mode, zip.Deflate))
	if err != nil {
		return err
	}
	_, err = w.Write(content)
	return err
}

func (z *zipWriter) StreamFile(name string, mode fs.FileMode, write func(io.Writer) error) error {
	// Stored: the stream is already compressed, so deflate would only
	// spend CPU. Its size goes into the data descriptor and the central
	// directory (zip64 past 4 GiB).
	w, err := z.zw.CreateHeader(z.header(name, mode, zip.Store))
	if err != nil {
		return err
	}
	return write(w)
}

func (z *zipWriter) Close() error { return z.zw.Close() }

// tarGzWriter writes a tar stream as a series of gzip members (a valid
// .tar.gz: gzip readers concatenate members). A tar header must carry the
// entry's size, which a streamed entry only knows at its end, so a
// streamed entry gets its own members: its header alone, stored, then its
// data, stored; once the data is written the header member is written
// again in place with the real size (same length: stored gzip of 512
// bytes). Small files go into ordinary compressed members.
type tarGzWriter struct {
	f     archiveFile
	root  string
	mtime time.Time
	gz    *kgzip.Writer
	tw    *tar.Writer
	// pad is the tar padding owed by the last streamed entry, written at
	// the start of the next compressed member.
	pad int64
}

func (t *tarGzWriter) hdr(name string, mode fs.FileMode, size int64) *tar.Header {
	return &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     t.root + "/" + name,
		Mode:     int64(mode.Perm()),
		Size:     size,
		ModTime:  t.mtime,
		Format:   tar.FormatGNU,
	}
}

// open starts a compressed member if none is open.
func (t *tarGzWriter) open() error {
	if t.gz != nil {
		return nil
	}
	gz, err := kgzip.NewWriterLevel(t.f, kgzip.DefaultCompression)
	if err != nil {
		return err
	}
	if t.pad > 0 {
		if _, err := gz.Write(make([]byte, t.pad)); err != nil {
			return err
		}
		t.pad = 0
	}
	t.gz, t.tw = gz, tar.NewWriter(gz)
	return nil
}

// closeMember ends the open compressed member without the tar trailer.
func (t *tarGzWriter) closeMember() error {
	if t.gz == nil {
		return nil
	}
	if err := t.tw.Flush(); err != nil {
		return err
	}
	err := t.gz.Close()
	t.gz, t.tw = nil, nil
	return err
}

func (t *tarGzWriter) WriteFile(name string, mode fs.FileMode, content []byte) error {
	if err := t.open(); err != nil {
		return err
	}
	if err := t.tw.WriteHeader(t.hdr(name, mode, int64(len(content)))); err != nil {
		return err
	}
	_, err := t.tw.Write(content)
	return err
}

// storedMember writes b as one gzip member without compression.
func storedMember(w io.Writer, b []byte) error {
	gz, err := gzip.NewWriterLevel(w, gzip.NoCompression)
	if err != nil {
		return err
	}
	if _, err := gz.Write(b); err != nil {
		return err
	}
	return gz.Close()
}

// headerBlock renders one tar header block for h.
func headerBlock(h *tar.Header) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(h); err != nil {
		return nil, err
	}
	if buf.Len() != 512 {
		return nil, msg.Err("bundle.err.tar-name", msg.Args{"File": h.Name, "Size": buf.Len()})
	}
	return buf.Bytes(), nil
}

func (t *tarGzWriter) StreamFile(name string, mode fs.FileMode, write func(io.Writer) error) error {
	if err := t.closeMember(); err != nil {
		return err
	}
	if t.pad > 0 {
		// Two streamed entries in a row: pay the padding in its own member.
		if err := storedMember(t.f, make([]byte, t.pad)); err != nil {
			return err
		}
		t.pad = 0
	}
	start, err := t.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	placeholder, err := headerBlock(t.hdr(name, mode, 0))
	if err != nil {
		return err
	}
	if err := storedMember(t.f, placeholder); err != nil {
		return err
	}
	end, err := t.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	gz, err := gzip.NewWriterLevel(t.f, gzip.NoCompression)
	if err != nil {
		return err
	}
	cw := &countingWriter{w: gz}
	if err := write(cw); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	real, err := headerBlock(t.hdr(name, mode, cw.n))
	if err != nil {
		return err
	}
	var member bytes.Buffer
	if err := storedMember(&member, real); err != nil {
		return err
	}
	if int64(member.Len()) != end-start {
		return errors.New("internal error: the tar header member changed length")
	}
	if _, err := t.f.WriteAt(member.Bytes(), start); err != nil {
		return err
	}
	t.pad = (512 - cw.n%512) % 512
	return nil
}

func (t *tarGzWriter) Close() error {
	if err := t.open(); err != nil {
		return err
	}
	if err := t.tw.Close(); err != nil {
		return err
	}
	err := t.gz.Close()
	t.gz, t.tw = nil, nil
	return err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
