package bundle

import (
	"bufio"
	"bytes"
	"io"
	"runtime"
	"strconv"

	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
	"github.com/stackgen/stackgen/internal/msg"
)

// Codec is how the image archive is compressed.
type Codec string

const (
	// Zstd is the default: on the measured stand-in images it is both
	// smaller and faster than gzip (README, "Offline bundles"). A 20.10
	// engine's `docker load` does not read it, so a bundle made with it
	// carries the unpacker image for hosts without stackgen.
	Zstd Codec = "zstd"
	// Gzip is what every engine's `docker load` reads directly.
	Gzip Codec = "gzip"
)

// ParseCodec checks a codec name.
func ParseCodec(s string) (Codec, error) {
	switch Codec(s) {
	case Zstd, Gzip:
		return Codec(s), nil
	}
	return "", msg.Err("bundle.err.codec", msg.Args{"Codec": strconv.Quote(s)})
}

// Ext is the image archive's file name extension for c.
func (c Codec) Ext() string {
	if c == Gzip {
		return ".tar.gz"
	}
	return ".tar.zst"
}

// ImageArchiveName is the image archive's path in a bundle made with c.
func (c Codec) ImageArchiveName() string { return ImagesDir + "/images" + c.Ext() }

// CodecOptions tune the image archive's compression.
type CodecOptions struct {
	// Level: zstd 1 (fastest), 3 (default), 7 (better), 11 (best); gzip
	// 1-9. 0 chooses the codec's default for bundles.
	Level int
	// Concurrency is the number of compressing goroutines; 0 chooses:
	// one for zstd (its block encoder fed by Create's read-ahead was the
	// fastest measured on 2 cores, where the engine producing the save
	// needs the other core), every core for gzip.
	Concurrency int
	// WindowMB is zstd's window in MiB (a power of two); 0 chooses
	// DefaultZstdWindowMB.
	WindowMB int
}

// DefaultZstdLevel and DefaultGzipLevel are the measured choices (README).
const (
	DefaultZstdLevel = 3
	DefaultGzipLevel = 1
	// DefaultZstdWindowMB lets a match reach 64 MiB back (level 3's own
	// default is 8): the same package files installed in two images'
	// different layers are then found again, for 4% less output and no
	// more CPU. The zstd tool decodes it with its default memory limit.
	DefaultZstdWindowMB = 64
)

// NewEncoder compresses to w with c.
func NewEncoder(c Codec, w io.Writer, o CodecOptions) (io.WriteCloser, error) {
	conc := o.Concurrency
	switch c {
	case Zstd:
		if conc <= 0 {
			conc = 1
		}
		level := o.Level
		if level == 0 {
			level = DefaultZstdLevel
		}
		opts := []zstd.EOption{
			zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)),
			zstd.WithEncoderConcurrency(conc),
			// The decoders (stackgen's, the unpacker's, the zstd tool)
			// check the frame's checksum as well as the bundle's SHA-256.
			zstd.WithEncoderCRC(true),
		}
		window := o.WindowMB
		if window == 0 {
			window = DefaultZstdWindowMB
		}
		opts = append(opts, zstd.WithWindowSize(window<<20))
		return zstd.NewWriter(w, opts...)
	case Gzip:
		if conc <= 0 {
			conc = runtime.NumCPU()
		}
		level := o.Level
		if level == 0 {
			level = DefaultGzipLevel
		}
		g, err := pgzip.NewWriterLevel(w, level)
		if err != nil {
			return nil, err
		}
		if err := g.SetConcurrency(1<<20, 2*conc); err != nil {
			return nil, err
		}
		return g, nil
	}
	return nil, msg.Err("bundle.err.codec", msg.Args{"Codec": strconv.Quote(string(c))})
}

// NewDecoder decompresses r, which was compressed with c.
func NewDecoder(c Codec, r io.Reader) (io.ReadCloser, error) {
	switch c {
	case Zstd:
		d, err := zstd.NewReader(r, zstd.WithDecoderMaxWindow(1<<31), zstd.WithDecoderConcurrency(0))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	case Gzip:
		return pgzip.NewReader(r)
	}
	return nil, msg.Err("bundle.err.codec", msg.Args{"Codec": strconv.Quote(string(c))})
}

// Sniff tells the codec of a compressed stream from its first bytes, and
// returns a reader that still yields them.
func Sniff(r io.Reader) (Codec, io.Reader, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(4)
	if err != nil && len(head) < 2 {
		return "", br, msg.Err("bundle.err.read-stream", msg.Args{"Err": err})
	}
	switch {
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return Zstd, br, nil
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return Gzip, br, nil
	}
	return "", br, msg.Err("bundle.err.not-stream")
}

// Unpack decompresses a zstd or gzip stream (the codec is recognised from
// its first bytes) from r to w: the unpacker image's only job, and
// `stackgen deploy --unpack`.
func Unpack(w io.Writer, r io.Reader) (int64, error) {
	c, br, err := Sniff(r)
	if err != nil {
		return 0, err
	}
	d, err := NewDecoder(c, br)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	return io.Copy(w, d)
}
