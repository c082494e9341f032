package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sort"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// maxManifestSize bounds how much of a manifest is read.
const maxManifestSize = 16 << 20

// Verified is a bundle whose every file matched its manifest.
type Verified struct {
	Path     string
	Format   Format
	Manifest *Manifest
	ar       archiveReader
	// manifestRaw and checksumsRaw are the manifest and SHA256SUMS as
	// read, and sigs the signature files, for CheckSignature.
	manifestRaw  []byte
	checksumsRaw []byte
	sigs         map[string][]byte
}

// Close releases the archive.
func (v *Verified) Close() error { return v.ar.Close() }

// Open returns a file of the verified bundle.
func (v *Verified) Open(name string) (io.ReadCloser, error) { return v.ar.Open(name) }

type observed struct {
	size int64
	sum  string
}

// Verify reads every file of the bundle at path, checks each against the
// size and SHA-256 its manifest records, and refuses the bundle, naming
// the file, when one is missing, extra, truncated or different. Nothing is
// loaded or written. progress, when set, counts the bytes read.
//
// A path to the first part of a split bundle (NAME.part001) has every
// part checked against its parts list first, and the parts are then read
// as the one archive they make.
func Verify(path string, progress *Counter) (*Verified, error) {
	var ar archiveReader
	var format Format
	var err error
	if IsPart(path) {
		var src *partsSource
		if src, err = openParts(path, progress); err != nil {
			return nil, err
		}
		ar, format, err = openSource(src, src.size, path)
	} else {
		ar, format, err = openArchive(path)
	}
	if err != nil {
		var be *BundleError
		if errors.As(err, &be) {
			return nil, err
		}
		return nil, &BundleError{Bundle: path, Reason: err}
	}
	v, err := verify(ar, path, progress)
	if err != nil {
		ar.Close()
		return nil, err
	}
	v.Format = format
	return v, nil
}

func verify(ar archiveReader, path string, progress *Counter) (*Verified, error) {
	if z, ok := ar.(*zipReader); ok {
		if err := precheckZip(z); err != nil {
			err.Bundle = path
			return nil, err
		}
	}
	seen := map[string]observed{}
	sigs := map[string][]byte{}
	var manifestBytes, checksums []byte
	err := ar.Walk(func(name string, size int64, r io.Reader) error {
		if _, dup := seen[name]; dup {
			return &BundleError{Bundle: path, File: name, Reason: msg.Err("bundle.err.reason.twice")}
		}
		if isSigName(name) {
			// Signatures sign the manifest, so it cannot list them;
			// CheckSignature judges them.
			if _, dup := sigs[name]; dup {
				return &BundleError{Bundle: path, File: name, Reason: msg.Err("bundle.err.reason.twice")}
			}
			b, err := readAllLimit(r, maxSigSize)
			if err != nil {
				return &BundleError{Bundle: path, File: name, Reason: err}
			}
			sigs[name] = b
			return nil
		}
		if name == ManifestName {
			b, err := readAllLimit(r, maxManifestSize)
			if err != nil {
				return &BundleError{Bundle: path, File: name, Reason: err}
			}
			manifestBytes = b
			seen[name] = observed{size: int64(len(b))}
			return nil
		}
		h := sha256.New()
		var dst io.Writer = h
		if progress != nil {
			dst = io.MultiWriter(h, progress)
		}
		if name == ChecksumsName {
			b, err := readAllLimit(r, maxManifestSize)
			if err != nil {
				return &BundleError{Bundle: path, File: name, Reason: describeReadError(err)}
			}
			checksums = b
			r = bytes.NewReader(b)
		}
		n, err := io.Copy(dst, r)
		if err != nil {
			return &BundleError{Bundle: path, File: name, Reason: describeReadError(err)}
		}
		seen[name] = observed{size: n, sum: hex.EncodeToString(h.Sum(nil))}
		return nil
	})
	if err != nil {
		var be *BundleError
		if errors.As(err, &be) {
			return nil, err
		}
		var ee *entryError
		if errors.As(err, &ee) {
			reason := describeReadError(ee.err)
			if ee.after && (errors.Is(ee.err, io.ErrUnexpectedEOF) || errors.Is(ee.err, io.EOF)) {
				reason = msg.Err("bundle.err.reason.breaks-off")
			}
			return nil, &BundleError{Bundle: path, File: ee.name, Reason: reason}
		}
		return nil, &BundleError{Bundle: path, Reason: describeReadError(err)}
	}
	if manifestBytes == nil {
		return nil, &BundleError{Bundle: path, File: ManifestName, Reason: msg.Err("bundle.err.reason.no-manifest")}
	}
	m, err := ParseManifest(manifestBytes)
	if err != nil {
		return nil, &BundleError{Bundle: path, Reason: err}
	}
	if err := compare(m, seen); err != nil {
		err.Bundle = path
		return nil, err
	}
	return &Verified{Path: path, Manifest: m, ar: ar, manifestRaw: manifestBytes, checksumsRaw: checksums, sigs: sigs}, nil
}

// precheckZip reads a zip's manifest first and checks every entry's
// declared size against it, before anything is inflated.
func precheckZip(z *zipReader) *BundleError {
	b, found, err := z.manifest()
	if !found {
		return &BundleError{File: ManifestName, Reason: msg.Err("bundle.err.reason.no-manifest")}
	}
	if err != nil {
		return &BundleError{File: ManifestName, Reason: describeReadError(err)}
	}
	m, err := ParseManifest(b)
	if err != nil {
		return &BundleError{Reason: err}
	}
	var be *BundleError
	if err := z.checkDeclared(m); errors.As(err, &be) {
		return be
	}
	return nil
}

// compare checks what was read against the manifest: the pure heart of
// Verify.
func compare(m *Manifest, seen map[string]observed) *BundleError {
	listed := map[string]bool{ManifestName: true}
	for _, f := range m.Files {
		listed[f.Path] = true
		got, ok := seen[f.Path]
		switch {
		case !ok:
			return &BundleError{File: f.Path, Reason: msg.Err("bundle.err.reason.missing")}
		case got.size != f.Size:
			return &BundleError{File: f.Path, Reason: msg.Err("bundle.err.reason.size", msg.Args{"Size": got.size, "Listed": f.Size})}
		case got.sum != f.SHA256:
			return &BundleError{File: f.Path, Reason: msg.Err("bundle.err.reason.sha", msg.Args{"Listed": f.SHA256[:12], "Got": got.sum[:12]})}
		}
	}
	var extra []string
	for name := range seen {
		if !listed[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return &BundleError{File: extra[0], Reason: msg.Err("bundle.err.reason.unlisted")}
	}
	return nil
}

func describeReadError(err error) error {
	if err == nil {
		return msg.Err("bundle.err.reason.unreadable")
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return msg.Err("bundle.err.reason.truncated")
	case strings.Contains(err.Error(), "checksum"):
		return msg.Err("bundle.err.reason.checksum", msg.Args{"Err": err})
	}
	return err
}
