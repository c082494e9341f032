// Package bundletest plays the attacker for tests: it rewrites a zip
// bundle with swapped files and regenerates the manifest and SHA256SUMS
// to match, so every checksum holds and only a signature can tell.
package bundletest

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/zip"

	"github.com/stackgen/stackgen/bundle"
)

// Tamper writes to out the zip bundle at path with the files in swap
// (paths relative to the bundle root) replaced, the manifest's sizes and
// SHA-256s and SHA256SUMS regenerated for them, and the signature files
// kept (keepSigs) or dropped.
func Tamper(path, out string, swap map[string][]byte, keepSigs bool) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return err
	}
	defer zr.Close()
	type entry struct {
		name string
		b    []byte
	}
	var entries []entry
	var man *bundle.Manifest
	root := ""
	for _, e := range zr.File {
		rc, err := e.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		r, rest, _ := strings.Cut(e.Name, "/")
		root = r
		if nb, ok := swap[rest]; ok {
			b = nb
		}
		if rest == bundle.ManifestName {
			if man, err = bundle.ParseManifest(b); err != nil {
				return err
			}
		}
		entries = append(entries, entry{rest, b})
	}
	for i, f := range man.Files {
		for _, e := range entries {
			if e.name == f.Path {
				s := sha256.Sum256(e.b)
				man.Files[i].Size, man.Files[i].SHA256 = int64(len(e.b)), hex.EncodeToString(s[:])
			}
		}
	}
	sums := man.Checksums()
	for i, f := range man.Files {
		if f.Path == bundle.ChecksumsName {
			s := sha256.Sum256(sums)
			man.Files[i].Size, man.Files[i].SHA256 = int64(len(sums)), hex.EncodeToString(s[:])
		}
	}
	mb, err := man.Marshal()
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, e := range entries {
		switch e.name {
		case bundle.ManifestName:
			e.b = mb
		case bundle.ChecksumsName:
			e.b = sums
		case bundle.ManifestSigName, bundle.ChecksumsSigName:
			if !keepSigs {
				continue
			}
		}
		w, err := zw.Create(root + "/" + e.name)
		if err != nil {
			return err
		}
		if _, err := w.Write(e.b); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
