package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/atomicfile"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/sign"
)

// ImageSaver streams one `docker save` archive of several images.
type ImageSaver interface {
	SaveImages(ctx context.Context, refs []string) (io.ReadCloser, error)
}

// PlatformSaver is an ImageSaver that can save one platform of
// multi-platform images (Engine API 1.48+); Create uses it when the saver
// has it, and narrows the archive's index itself either way.
type PlatformSaver interface {
	SaveImagesPlatform(ctx context.Context, refs []string, platform string) (io.ReadCloser, error)
}

// SourceFile is a project file to carry, its path relative to the project
// (and to the bundle root) in forward-slash form.
type SourceFile struct {
	Path    string
	Mode    fs.FileMode
	Content []byte
}

// CreateOptions say what goes into a bundle and where it is written.
type CreateOptions struct {
	// Output is the archive's final path; it must not exist.
	Output string
	Format Format
	Codec  Codec
	CodecOptions
	// Manifest is filled in advance with the stack, project, version,
	// creation time, platform, images, secret keys, URL and migration;
	// Create adds the files, the codec and the sizes.
	Manifest Manifest
	// Files are the project files (compose files, configs, .env.example,
	// scripts...).
	Files []SourceFile
	// Unpacker, for zstd, gives the image the scripts run to decompress
	// the image archive on a host without stackgen; nil (or a nil image)
	// leaves it out, and the scripts then need the zstd tool on the host.
	// It is called once the images are written, so the caller can build
	// it meanwhile: the engine spends the first seconds of a save
	// assembling it before the first byte comes, time the CPU has free.
	Unpacker func() (*UnpackerImage, error)
	// Private makes the archive 0600 (it holds .env's secrets); else 0644.
	Private  bool
	Progress *Progress
	// Since, for an update bundle, is the older bundle's manifest: the
	// layers it carried are left out and listed as required.
	Since *Manifest
	// Spool is where an update bundle holds the save while it is sorted
	// (default: the output's directory).
	Spool string
	// Signer, when set, signs the manifest and SHA256SUMS (sign.go).
	Signer *sign.PrivateKey
	// Split, when set, cuts the archive into parts of at most this many
	// bytes (split.go) instead of writing Output itself.
	Split int64
}

// Result is a written bundle: its manifest, and the archive's own size and
// SHA-256 (to compare after carrying it).
type Result struct {
	Manifest *Manifest
	Size     int64
	SHA256   string
	// Parts lists the parts written for Split (nil without it).
	Parts *Parts
	// SBOMError says why the bundle has no SBOM ("" when it has one).
	SBOMError string
}

// hashFile hashes what is written to the file in order; a write back into
// the middle (the tar.gz header patch) makes the hash be computed again
// from the file at the end.
type hashFile struct {
	f     *os.File
	h     hash.Hash
	n     int64
	dirty bool
	// parts, for a split bundle, hashes each part as it is written.
	parts *partHasher
}

func (h *hashFile) Write(p []byte) (int, error) {
	n, err := h.f.Write(p)
	h.h.Write(p[:n])
	if h.parts != nil {
		h.parts.Write(p[:n])
	}
	h.n += int64(n)
	return n, err
}

func (h *hashFile) Seek(offset int64, whence int) (int64, error) { return h.f.Seek(offset, whence) }

func (h *hashFile) WriteAt(p []byte, off int64) (int, error) {
	h.dirty = true
	return h.f.WriteAt(p, off)
}

func (h *hashFile) sum() (string, int64, error) {
	if !h.dirty {
		return hex.EncodeToString(h.h.Sum(nil)), h.n, nil
	}
	if _, err := h.f.Seek(0, io.SeekStart); err != nil {
		return "", 0, err
	}
	d := sha256.New()
	var w io.Writer = d
	if h.parts != nil {
		h.parts = newPartHasher(h.parts.size)
		w = io.MultiWriter(d, h.parts)
	}
	n, err := io.Copy(w, h.f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(d.Sum(nil)), n, nil
}

// Create writes a bundle: the images are streamed from the engine through
// the compressor into the archive in one pass (no copy of them on disk),
// then the small files, the scripts, the README, the checksums and the
// manifest. The archive is written to a temporary file beside Output,
// synced, and renamed into place only when complete: a failed or
// interrupted run (ctx cancelled) removes the temporary file and leaves
// nothing under Output.
func Create(ctx context.Context, saver ImageSaver, o CreateOptions) (res *Result, err error) {
	if _, err := os.Lstat(o.Output); err == nil {
		return nil, msg.Err("bundle.err.exists", msg.Args{"File": o.Output})
	}
	if o.Split > 0 {
		if o.Split < MinPartSize {
			return nil, msg.Err("bundle.err.parts-small", msg.Args{"Size": o.Split})
		}
		if err := checkSplitOutputs(o.Output); err != nil {
			return nil, err
		}
	}
	if o.Codec == "" {
		o.Codec = Zstd
	}
	if o.Format == "" {
		o.Format = Zip
	}
	man := o.Manifest
	man.FormatVersion = FormatVersion
	man.Codec = o.Codec
	man.Files = nil
	man.Signed = o.Signer != nil
	man.SBOM = ""
	// The scripts and the README quote the images' total size.
	man.TotalImageSize = 0
	for _, im := range man.Images {
		man.TotalImageSize += im.Size
	}
	if !validProjectName(man.Project) {
		return nil, msg.Err("bundle.err.project-name", msg.Args{"Project": strconv.Quote(man.Project)})
	}
	for _, f := range o.Files {
		if err := checkPath(f.Path); err != nil {
			return nil, err
		}
		if f.Path == ".env" && !man.IncludesEnv {
			return nil, msg.Err("bundle.err.env-refused")
		}
	}

	dir := filepath.Dir(o.Output)
	mode := fs.FileMode(0o644)
	if o.Private {
		mode = 0o600
	}
	tmp, err := atomicfile.Create(o.Output, mode)
	if err != nil {
		return nil, msg.Err("bundle.err.write-dir", msg.Args{"Dir": dir, "Err": err})
	}
	defer tmp.Abort() // after Commit (or a split's rename), nothing
	sbomErr := ""
	hf := &hashFile{f: tmp.Temp(), h: sha256.New()}
	if o.Split > 0 {
		hf.parts = newPartHasher(o.Split)
	}
	aw, err := newArchiveWriter(o.Format, hf, man.Project, man.Created)
	if err != nil {
		return nil, err
	}
	add := func(path string, fm fs.FileMode, size int64, sum string) {
		man.Files = append(man.Files, File{Path: path, Size: size, SHA256: sum, Mode: modeString(fm)})
	}
	writeSmall := func(path string, fm fs.FileMode, b []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := aw.WriteFile(path, fm, b); err != nil {
			return msg.Err("bundle.err.write-into", msg.Args{"File": path, "Err": err})
		}
		sum := sha256.Sum256(b)
		add(path, fm, int64(len(b)), hex.EncodeToString(sum[:]))
		return nil
	}

	if len(man.Images) > 0 {
		o.Progress.phase("images")
		man.ImageArchive = o.Codec.ImageArchiveName()
		tap := startSBOMTap()
		size, sum, raw, info, err := streamImages(ctx, saver, aw, man.ImageArchive, o, tap)
		if err != nil {
			tap.abort()
			return nil, err
		}
		if err := identify(&man, info, o.Since); err != nil {
			tap.abort()
			return nil, err
		}
		man.ImageTarSize = raw
		add(man.ImageArchive, 0o644, size, sum)
		if sbom, err := buildSBOM(tap, &man); err != nil {
			sbomErr = err.Error()
		} else {
			if err := writeSmall(SBOMPath, 0o644, sbom); err != nil {
				return nil, err
			}
			man.SBOM = SBOMPath
		}
		var unpacker *UnpackerImage
		if o.Codec == Zstd && o.Unpacker != nil {
			if unpacker, err = o.Unpacker(); err != nil {
				return nil, msg.Err("bundle.err.unpacker-build", msg.Args{"Err": err})
			}
		}
		if unpacker != nil {
			if err := aw.StreamFile(UnpackerArchive, 0o644, func(w io.Writer) error {
				_, err := w.Write(unpacker.Archive)
				return err
			}); err != nil {
				return nil, msg.Err("bundle.err.unpacker-write", msg.Args{"Err": err})
			}
			s := sha256.Sum256(unpacker.Archive)
			add(UnpackerArchive, 0o644, int64(len(unpacker.Archive)), hex.EncodeToString(s[:]))
			man.Unpacker = &Unpacker{Path: UnpackerArchive, Image: unpacker.Ref}
		}
	}

	o.Progress.phase("files")
	files := append([]SourceFile(nil), o.Files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	reserved := map[string]bool{SBOMPath: true, ManifestName: true, ChecksumsName: true, ReadmeName: true, LoadScriptSh: true, LoadScriptPs1: true, ManifestSigName: true, ChecksumsSigName: true}
	for _, f := range files {
		if reserved[f.Path] || strings.HasPrefix(f.Path, ImagesDir+"/") {
			return nil, msg.Err("bundle.err.reserved", msg.Args{"File": f.Path})
		}
		if err := writeSmall(f.Path, f.Mode, f.Content); err != nil {
			return nil, err
		}
	}
	for _, t := range []struct {
		name string
		mode fs.FileMode
		gen  func(*Manifest) ([]byte, error)
	}{
		{LoadScriptSh, 0o755, LoadScriptBash},
		{LoadScriptPs1, 0o644, LoadScriptPowerShell},
		{ReadmeName, 0o644, Readme},
	} {
		b, err := t.gen(&man)
		if err != nil {
			return nil, msg.Err("bundle.err.generate", msg.Args{"Name": t.name, "Err": err})
		}
		if err := writeSmall(t.name, t.mode, b); err != nil {
			return nil, err
		}
	}
	checksums := man.Checksums()
	if err := writeSmall(ChecksumsName, 0o644, checksums); err != nil {
		return nil, err
	}
	sort.Slice(man.Files, func(i, j int) bool { return man.Files[i].Path < man.Files[j].Path })
	man.TotalFileSize = 0
	for _, f := range man.Files {
		man.TotalFileSize += f.Size
	}
	mb, err := man.Marshal()
	if err != nil {
		return nil, err
	}
	if err := aw.WriteFile(ManifestName, 0o644, mb); err != nil {
		return nil, err
	}
	if o.Signer != nil {
		manSig, sumSig, err := signBundle(o.Signer, &man, mb, checksums)
		if err != nil {
			return nil, msg.Err("bundle.err.sign", msg.Args{"Err": err})
		}
		for _, s := range []struct {
			name string
			b    []byte
		}{{ManifestSigName, manSig}, {ChecksumsSigName, sumSig}} {
			if err := aw.WriteFile(s.name, 0o644, s.b); err != nil {
				return nil, err
			}
		}
	}
	if err := aw.Close(); err != nil {
		return nil, msg.Err("bundle.err.write", msg.Args{"File": o.Output, "Err": err})
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sum, size, err := hf.sum()
	if err != nil {
		return nil, msg.Err("bundle.err.write", msg.Args{"File": o.Output, "Err": err})
	}
	if o.Split > 0 {
		// The temporary file becomes the first part (split.go); the
		// deferred Abort then only closes it.
		ps, err := splitInto(tmp.Temp(), o.Output, size, sum, hf.parts, mode)
		if err != nil {
			return nil, err
		}
		if err := atomicfile.SyncDir(dir); err != nil {
			return nil, msg.Err("bundle.err.write", msg.Args{"File": o.Output, "Err": err})
		}
		return &Result{Manifest: &man, Size: size, SHA256: sum, Parts: ps, SBOMError: sbomErr}, nil
	}
	if err := tmp.CommitNew(); errors.Is(err, fs.ErrExist) {
		return nil, msg.Err("bundle.err.appeared", msg.Args{"File": o.Output})
	} else if err != nil {
		return nil, msg.Err("bundle.err.write", msg.Args{"File": o.Output, "Err": err})
	}
	return &Result{Manifest: &man, Size: size, SHA256: sum, SBOMError: sbomErr}, nil
}

// streamImages saves the images in one `docker save`, compresses the
// stream and writes it as the image archive entry, hashing the compressed
// bytes on the way. It returns the entry's size and SHA-256 and the size
// of the plain save stream.
func streamImages(ctx context.Context, saver ImageSaver, aw archiveWriter, name string, o CreateOptions, tap io.Writer) (size int64, sum string, raw int64, info *SaveInfo, err error) {
	refs := make([]string, len(o.Manifest.Images))
	for i, im := range o.Manifest.Images {
		refs[i] = im.Name
	}
	var rc io.ReadCloser
	if ps, ok := saver.(PlatformSaver); ok && o.Manifest.Platform != "" {
		rc, err = ps.SaveImagesPlatform(ctx, refs, o.Manifest.Platform)
	} else {
		rc, err = saver.SaveImages(ctx, refs)
	}
	if err != nil {
		return 0, "", 0, nil, err
	}
	defer rc.Close()
	fo := filterOptions{Platform: o.Manifest.Platform}
	if o.Since != nil {
		fo.HaveChains = map[string]bool{}
		for _, im := range o.Since.Images {
			for _, c := range im.Chains() {
				fo.HaveChains[c] = true
			}
		}
		fo.Spool = o.Spool
		if fo.Spool == "" {
			fo.Spool = filepath.Dir(o.Output)
		}
	}
	h := sha256.New()
	err = aw.StreamFile(name, 0o644, func(w io.Writer) error {
		cw := &countingWriter{w: io.MultiWriter(w, h)}
		enc, err := NewEncoder(o.Codec, teeCounter(cw, o.Progress.written()), o.CodecOptions)
		if err != nil {
			return err
		}
		src := readAhead(countReader{r: rc, c: o.Progress.read()}, readAheadChunk, readAheadDepth)
		defer src.Close()
		// The SBOM reads the engine's own save, every layer of it: an
		// update bundle leaves layers out, but its images still hold them.
		ew := &countingWriter{w: enc}
		info, err = filterSave(io.TeeReader(src, tap), ew, fo)
		raw = ew.n
		if err != nil {
			enc.Close()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return msg.Err("bundle.err.save", msg.Args{"Err": err})
		}
		if err := enc.Close(); err != nil {
			return msg.Err("bundle.err.compress", msg.Args{"Err": err})
		}
		size = cw.n
		return nil
	})
	if err != nil {
		return 0, "", 0, nil, err
	}
	if raw == 0 {
		return 0, "", 0, nil, msg.Err("bundle.err.save-empty")
	}
	return size, hex.EncodeToString(h.Sum(nil)), raw, info, nil
}

// identify records each image's config digest and layers from the save,
// and, for an update bundle, the layers left out that the target must
// have.
func identify(man *Manifest, info *SaveInfo, since *Manifest) error {
	for i, im := range man.Images {
		s, ok := matchSaved(info, im.Name, im.Layers)
		if !ok {
			return msg.Err("bundle.err.save-lacks-image", msg.Args{"Image": im.Name})
		}
		man.Images[i].ConfigDigest = s.ConfigDigest
		man.Images[i].Layers = s.DiffIDs
	}
	if since == nil {
		return nil
	}
	dropped := map[string]bool{}
	for _, p := range info.Dropped {
		dropped[p] = true
	}
	up := &Update{SinceProject: since.Project, SinceCreated: since.Created, LeftOutSize: info.DroppedBytes}
	seen := map[string]bool{}
	for _, im := range man.Images {
		s, _ := matchSaved(info, im.Name, im.Layers)
		chains := engine.ChainIDs(s.DiffIDs)
		for j, p := range s.LayerPaths {
			if dropped[p] && !seen[chains[j]] {
				seen[chains[j]] = true
				up.Requires = append(up.Requires, RequiredLayer{Image: im.Name, DiffID: s.DiffIDs[j], ChainID: chains[j]})
			}
		}
	}
	man.Update = up
	return nil
}

// buildSBOM ends the tap and renders the images' SBOM.
func buildSBOM(tap *sbomTap, man *Manifest) ([]byte, error) {
	images, err := tap.finish()
	if err != nil {
		return nil, msg.Err("bundle.err.sbom-read", msg.Args{"Err": err})
	}
	return SBOM(man, images)
}

// The read-ahead between the engine and the compressor: 64 MiB in 1 MiB
// chunks, enough to carry the engine across the compressor's slower
// moments (readahead.go).
const (
	readAheadChunk = 1 << 20
	readAheadDepth = 64
)
