package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/msg"
)

// UnpackerRepo is the repository of the unpacker image; its tag is the
// first 12 hex digits of the image's own ID, so two bundles made by
// different stackgen builds never mix up their unpackers.
const UnpackerRepo = "stackgen-unpack"

// UnpackerEntrypoint runs the binary's hidden unpack mode: a zstd or gzip
// stream on stdin, the plain tar on stdout.
var UnpackerEntrypoint = []string{"/stackgen", "deploy", "--unpack"}

// UnpackerImage is a built unpacker image in `docker save` format,
// gzip'd: every engine's `docker load` reads that.
type UnpackerImage struct {
	Ref     string
	Archive []byte
}

// BuildUnpackerImage wraps binary (a static linux executable of stackgen
// for arch) in a one-layer image with no base: nothing else is in it, so
// it runs on any engine of that architecture and pulls nothing.
// The image is assembled here, without the engine, so the build host
// needs no Dockerfile, no base image and no builder.
func BuildUnpackerImage(binary []byte, arch string, created time.Time) (*UnpackerImage, error) {
	created = created.UTC().Truncate(time.Second)
	var layer bytes.Buffer
	lw := tar.NewWriter(&layer)
	if err := lw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "stackgen", Mode: 0o755, Size: int64(len(binary)), ModTime: created, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	if _, err := lw.Write(binary); err != nil {
		return nil, err
	}
	if err := lw.Close(); err != nil {
		return nil, err
	}
	layerSum := sha256.Sum256(layer.Bytes())
	layerHex := hex.EncodeToString(layerSum[:])

	config := map[string]any{
		"architecture": arch,
		"os":           "linux",
		"created":      created.Format(time.RFC3339),
		"config": map[string]any{
			"Entrypoint": UnpackerEntrypoint,
			"User":       "65534:65534",
			"Labels": map[string]string{
				"org.stackgen.role": "unpacker: decompresses a stackgen bundle's image archive for docker load",
			},
		},
		"rootfs": map[string]any{
			"type":     "layers",
			"diff_ids": []string{"sha256:" + layerHex},
		},
		"history": []map[string]string{{
			"created":    created.Format(time.RFC3339),
			"created_by": "stackgen deploy --package (unpacker)",
		}},
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	configSum := sha256.Sum256(configJSON)
	id := hex.EncodeToString(configSum[:])
	ref := UnpackerRepo + ":" + id[:12]
	manifest, err := json.Marshal([]map[string]any{{
		"Config":   id + ".json",
		"RepoTags": []string{ref},
		"Layers":   []string{layerHex + "/layer.tar"},
	}})
	if err != nil {
		return nil, err
	}
	repositories, err := json.Marshal(map[string]map[string]string{UnpackerRepo: {id[:12]: layerHex}})
	if err != nil {
		return nil, err
	}

	var out bytes.Buffer
	// The standard library's deflate at level 6 packs a Go binary 2%
	// smaller than klauspost's at the same level (measured), and the
	// image is made while compose works, so its slower pace is free.
	gz, err := gzip.NewWriterLevel(&out, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(gz)
	files := []struct {
		name string
		b    []byte
	}{
		{layerHex + "/VERSION", []byte("1.0")},
		{layerHex + "/json", []byte(`{"id":"` + layerHex + `","created":"` + created.Format(time.RFC3339) + `"}`)},
		{layerHex + "/layer.tar", layer.Bytes()},
		{id + ".json", configJSON},
		{"manifest.json", manifest},
		{"repositories", repositories},
	}
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: 0o644, Size: int64(len(f.b)), ModTime: created}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.b); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return &UnpackerImage{Ref: ref, Archive: out.Bytes()}, nil
}

// ErrNoUnpacker says no binary fit to run in the unpacker image was found.
var ErrNoUnpacker = msg.Err("bundle.err.no-unpacker")

// FindUnpackerBinary returns a stackgen executable that can run alone in
// an image for the images' platform: the one at path when given, else the
// running stackgen when it is a statically linked linux binary of arch.
// A stackgen built for Windows or macOS, or linked against the C library,
// cannot; then the caller falls back to gzip or asks for --unpacker.
func FindUnpackerBinary(path, arch string) ([]byte, string, error) {
	if path == "" {
		if runtime.GOOS != "linux" || runtime.GOARCH != arch {
			return nil, "", msg.Err("bundle.err.no-unpacker-platform", msg.Args{"Err": ErrNoUnpacker, "OS": runtime.GOOS, "Arch": runtime.GOARCH, "Target": arch})
		}
		exe, err := os.Executable()
		if err != nil {
			return nil, "", msg.Err("bundle.err.no-unpacker-why", msg.Args{"Err": ErrNoUnpacker, "Why": err})
		}
		path = exe
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", msg.Err("bundle.err.no-unpacker-why", msg.Args{"Err": ErrNoUnpacker, "Why": err})
	}
	if err := checkStaticELF(b, arch); err != nil {
		return nil, "", msg.Err("bundle.err.no-unpacker-file", msg.Args{"Err": ErrNoUnpacker, "File": path, "Why": err})
	}
	b, err = blankDebugSections(b)
	if err != nil {
		return nil, "", msg.Err("bundle.err.no-unpacker-why", msg.Args{"Err": ErrNoUnpacker, "Why": msg.Err("bundle.err.at", msg.Args{"File": path, "Err": err})})
	}
	return b, path, nil
}

// blankDebugSections returns a copy of the ELF executable b with the
// contents of its symbol table and DWARF sections zeroed. Those sections
// are not loaded when the program runs (no SHF_ALLOC: the Go runtime
// uses .gopclntab for stack traces), so the program behaves the same,
// and the zeros compress to nearly nothing: the unpacker image shrinks by
// about half, as if stackgen had been built with -ldflags "-s -w".
func blankDebugSections(b []byte) ([]byte, error) {
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := append([]byte(nil), b...)
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 || s.Type == elf.SHT_NOBITS {
			continue
		}
		debug := strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_")
		if !debug && s.Name != ".symtab" && s.Name != ".strtab" {
			continue
		}
		end := s.Offset + s.FileSize
		if end > uint64(len(out)) || end < s.Offset {
			return nil, msg.Err("bundle.err.elf-section", msg.Args{"Section": s.Name})
		}
		clear(out[s.Offset:end])
	}
	return out, nil
}

// checkStaticELF checks that b is a linux executable for arch that needs no
// dynamic loader (no PT_INTERP), so it runs in an image with nothing else.
func checkStaticELF(b []byte, arch string) error {
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		return msg.Err("bundle.err.elf-not", msg.Args{"Err": err})
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386, "arm": elf.EM_ARM, "ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390, "riscv64": elf.EM_RISCV}[arch]
	if want == 0 || f.Machine != want {
		return msg.Err("bundle.err.elf-arch", msg.Args{"Machine": f.Machine.String(), "Target": arch})
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return msg.Err("bundle.err.elf-dynamic")
		}
	}
	return nil
}

// readAllLimit reads r up to max bytes.
func readAllLimit(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, msg.Err("bundle.err.too-large", msg.Args{"Max": max})
	}
	return b, nil
}
