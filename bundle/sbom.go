package bundle

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
	"github.com/stackgen/stackgen/internal/msg"
)

// The bundle's SBOM lists what is inside each image, read from the image
// contents as `docker save` streams them by (no container is run and the
// save is not read twice): the OS packages from the dpkg status
// (var/lib/dpkg/status, status.d/) and the apk database
// (lib/apk/db/installed), and the Python distributions from their
// *.dist-info/METADATA and *.egg-info. Each image's layers are applied in
// order, honouring whiteouts, so a package a later layer removed is not
// listed. The document is CycloneDX 1.5 JSON, one container component per
// image with its packages nested.

// SBOMPath is the SBOM's place in the bundle.
const SBOMPath = ImagesDir + "/sbom.cdx.json"

// Limits on what is kept of one file: a dpkg status of every Debian
// package is a few MiB; a METADATA's headers come before its long text.
const (
	maxPackageDB = 64 << 20
	maxMetadata  = 256 << 10
)

// Package is one package found in an image.
type Package struct {
	// Type is the purl type: deb, apk or pypi.
	Type    string
	Name    string
	Version string
	Arch    string
	// Distro is the os-release ID (debian, ubuntu, alpine), for the purl.
	Distro string
}

// PURL is the package URL of p.
func (p Package) PURL() string {
	name := p.Name
	ns := ""
	switch p.Type {
	case "pypi":
		name = normalizePyName(name)
	case "deb", "apk":
		ns = p.Distro
		if ns == "" {
			ns = map[string]string{"deb": "debian", "apk": "alpine"}[p.Type]
		}
		ns += "/"
	}
	s := "pkg:" + p.Type + "/" + ns + purlEscape(name) + "@" + purlEscape(p.Version)
	if p.Arch != "" {
		s += "?arch=" + purlEscape(p.Arch)
	}
	return s
}

// purlEscape percent-encodes what a purl segment may not hold as is.
func purlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte(".-_~", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// normalizePyName is PEP 503's name normalisation.
func normalizePyName(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r == '-' || r == '_' || r == '.' {
			if !dash {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		dash = false
		b.WriteRune(r)
	}
	return b.String()
}

// ImagePackages is what one image holds.
type ImagePackages struct {
	Name string
	// ConfigDigest is the image's config digest (sha256:...), read from
	// the save's layout: its ID on any image store.
	ConfigDigest string
	Packages     []Package
}

// layerFiles is what one layer holds of interest: the package databases
// and metadata files it adds, and the paths it deletes.
type layerFiles struct {
	files     map[string][]byte
	whiteouts []string
	opaque    []string
}

// interesting says whether a path in a layer is kept for the SBOM.
func interesting(p string) bool {
	switch {
	case p == "var/lib/dpkg/status", p == "lib/apk/db/installed",
		p == "etc/os-release", p == "usr/lib/os-release":
		return true
	case path.Dir(p) == "var/lib/dpkg/status.d":
		return !strings.HasSuffix(p, ".md5sums")
	case path.Base(p) == "METADATA":
		return strings.HasSuffix(path.Dir(p), ".dist-info")
	case path.Base(p) == "PKG-INFO":
		return strings.HasSuffix(path.Dir(p), ".egg-info")
	case strings.HasSuffix(p, ".egg-info"):
		// The single-file form setuptools writes.
		return strings.Contains(p, "-packages/")
	}
	return false
}

// sbomScanner reads a `docker save` stream (the legacy layout of Engine
// 20.10, or the OCI layout of newer engines) and keeps, per layer entry,
// the files of interest; manifest.json then gives each image's layers.
type sbomScanner struct {
	layers   map[string]*layerFiles
	links    map[string]string
	manifest []saveManifestEntry
}

// scanSave reads the save stream r to its end.
func scanSave(r io.Reader) (*sbomScanner, error) {
	s := &sbomScanner{layers: map[string]*layerFiles{}, links: map[string]string{}}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return nil, err
		}
		name := strings.TrimPrefix(h.Name, "./")
		switch {
		case name == "manifest.json":
			b, err := readAllLimit(tr, maxPackageDB)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(b, &s.manifest); err != nil {
				return nil, msg.Err("bundle.err.at", msg.Args{"File": "manifest.json", "Err": err})
			}
		case h.Typeflag == tar.TypeSymlink && strings.HasSuffix(name, "/layer.tar"):
			// Engine 20.10 writes a layer shared by two image IDs once.
			s.links[name] = path.Join(path.Dir(name), h.Linkname)
		case h.Typeflag == tar.TypeReg && (strings.HasSuffix(name, "/layer.tar") || strings.HasPrefix(name, "blobs/")):
			lf, err := scanLayer(tr)
			if err != nil {
				return nil, msg.Err("bundle.err.at", msg.Args{"File": name, "Err": err})
			}
			if lf != nil {
				s.layers[name] = lf
			}
		}
	}
}

// scanLayer reads one layer (plain, gzip or zstd tar); a blob that is
// not a tar (a config, a manifest) gives nil.
func scanLayer(r io.Reader) (*layerFiles, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4)
	var lr io.Reader = br
	switch {
	case len(head) == 0 || head[0] == '{':
		_, err := io.Copy(io.Discard, br)
		return nil, err
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		gz, err := pgzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		defer gz.Close()
		lr = gz
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		lr = zr
	}
	lf := &layerFiles{files: map[string][]byte{}}
	tr := tar.NewReader(lr)
	first := true
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if first {
				// Not a tar: some other blob.
				_, err := io.Copy(io.Discard, br)
				return nil, err
			}
			return nil, err
		}
		first = false
		p := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		dir, base := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		switch {
		case base == ".wh..wh..opq":
			lf.opaque = append(lf.opaque, dir)
		case strings.HasPrefix(base, ".wh."):
			lf.whiteouts = append(lf.whiteouts, path.Join(dir, strings.TrimPrefix(base, ".wh.")))
		case h.Typeflag == tar.TypeReg && interesting(p):
			limit := int64(maxPackageDB)
			if strings.HasSuffix(p, "METADATA") || strings.HasSuffix(p, "PKG-INFO") || strings.HasSuffix(p, ".egg-info") {
				limit = maxMetadata
			}
			b, err := io.ReadAll(io.LimitReader(tr, limit))
			if err != nil {
				return nil, err
			}
			lf.files[p] = b
		}
	}
	// Read the layer to its end (the tar's padding), so the outer stream
	// is where its next header is.
	_, err := io.Copy(io.Discard, br)
	return lf, err
}

// apply lays the layers of an image one over the other.
func (s *sbomScanner) apply(layers []string) (map[string][]byte, error) {
	fs := map[string][]byte{}
	remove := func(p string, under bool) {
		for k := range fs {
			if (!under && k == p) || strings.HasPrefix(k, p+"/") || (under && p == "") {
				delete(fs, k)
			}
		}
	}
	for _, l := range layers {
		name := l
		if t, ok := s.links[name]; ok {
			name = t
		}
		lf, ok := s.layers[name]
		if !ok {
			return nil, msg.Err("bundle.err.stream-no-layer", msg.Args{"Layer": l})
		}
		for _, d := range lf.opaque {
			remove(d, true)
		}
		for _, w := range lf.whiteouts {
			remove(w, false)
		}
		for p, b := range lf.files {
			fs[p] = b
		}
	}
	return fs, nil
}

// Images lists each image's packages, by its first tag.
func (s *sbomScanner) Images() ([]ImagePackages, error) {
	if s.manifest == nil {
		return nil, msg.Err("bundle.err.stream-no-manifest")
	}
	var out []ImagePackages
	for _, e := range s.manifest {
		files, err := s.apply(e.Layers)
		if err != nil {
			return nil, err
		}
		name := e.Config
		if len(e.RepoTags) > 0 {
			name = e.RepoTags[0]
		}
		out = append(out, ImagePackages{Name: name, ConfigDigest: configDigest(e.Config), Packages: packagesOf(files)})
	}
	return out, nil
}

// configDigest reads the digest from a save's config path: <hex>.json in
// the legacy layout, blobs/sha256/<hex> in the OCI one.
func configDigest(p string) string {
	hexPart := strings.TrimSuffix(path.Base(p), ".json")
	if !isSHA256(hexPart) {
		return ""
	}
	return "sha256:" + hexPart
}

// packagesOf reads the packages from an image's files.
func packagesOf(files map[string][]byte) []Package {
	distro := osReleaseID(files["etc/os-release"])
	if distro == "" {
		distro = osReleaseID(files["usr/lib/os-release"])
	}
	var pkgs []Package
	if b, ok := files["var/lib/dpkg/status"]; ok {
		pkgs = append(pkgs, dpkgPackages(b, distro, true)...)
	}
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	seenPy := map[string]bool{}
	for _, p := range paths {
		b := files[p]
		switch {
		case path.Dir(p) == "var/lib/dpkg/status.d":
			pkgs = append(pkgs, dpkgPackages(b, distro, false)...)
		case p == "lib/apk/db/installed":
			pkgs = append(pkgs, apkPackages(b, distro)...)
		case strings.HasSuffix(p, "METADATA"), strings.HasSuffix(p, "PKG-INFO"), strings.HasSuffix(p, ".egg-info"):
			if pk, ok := pythonPackage(b); ok && !seenPy[pk.Name+"@"+pk.Version] {
				seenPy[pk.Name+"@"+pk.Version] = true
				pkgs = append(pkgs, pk)
			}
		}
	}
	sort.SliceStable(pkgs, func(i, j int) bool {
		if pkgs[i].Type != pkgs[j].Type {
			return pkgs[i].Type < pkgs[j].Type
		}
		return pkgs[i].Name < pkgs[j].Name
	})
	return pkgs
}

func osReleaseID(b []byte) string {
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "ID="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// stanzas splits RFC 822-style paragraphs (dpkg status, apk installed)
// into their fields; continuation lines are dropped.
func stanzas(b []byte, sep string) []map[string]string {
	var out []map[string]string
	cur := map[string]string{}
	for _, line := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = map[string]string{}
			}
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		k, v, ok := strings.Cut(line, sep)
		if ok {
			cur[k] = strings.TrimSpace(v)
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// dpkgPackages reads a dpkg status file; in the main status only the
// installed packages count (status.d/, as distroless writes it, has no
// Status field).
func dpkgPackages(b []byte, distro string, needStatus bool) []Package {
	var out []Package
	for _, st := range stanzas(b, ":") {
		if st["Package"] == "" || st["Version"] == "" {
			continue
		}
		if needStatus && !strings.HasSuffix(st["Status"], " installed") {
			continue
		}
		out = append(out, Package{Type: "deb", Name: st["Package"], Version: st["Version"], Arch: st["Architecture"], Distro: distro})
	}
	return out
}

func apkPackages(b []byte, distro string) []Package {
	var out []Package
	for _, st := range stanzas(b, ":") {
		if st["P"] == "" || st["V"] == "" {
			continue
		}
		out = append(out, Package{Type: "apk", Name: st["P"], Version: st["V"], Arch: st["A"], Distro: distro})
	}
	return out
}

// pythonPackage reads the Name and Version headers of a METADATA or
// PKG-INFO (the headers end at the first blank line).
func pythonPackage(b []byte) (Package, bool) {
	p := Package{Type: "pypi"}
	for _, line := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Name:"); ok && p.Name == "" {
			p.Name = strings.TrimSpace(v)
		} else if v, ok := strings.CutPrefix(line, "Version:"); ok && p.Version == "" {
			p.Version = strings.TrimSpace(v)
		}
	}
	return p, p.Name != "" && p.Version != ""
}

// CycloneDX 1.5, the parts this SBOM uses.
type cdxBOM struct {
	BOMFormat    string         `json:"bomFormat"`
	SpecVersion  string         `json:"specVersion"`
	SerialNumber string         `json:"serialNumber"`
	Version      int            `json:"version"`
	Metadata     cdxMetadata    `json:"metadata"`
	Components   []cdxComponent `json:"components"`
}

type cdxMetadata struct {
	Timestamp string        `json:"timestamp"`
	Tools     cdxTools      `json:"tools"`
	Component *cdxComponent `json:"component,omitempty"`
}

type cdxTools struct {
	Components []cdxComponent `json:"components"`
}

type cdxComponent struct {
	Type       string         `json:"type"`
	BOMRef     string         `json:"bom-ref,omitempty"`
	Name       string         `json:"name"`
	Version    string         `json:"version,omitempty"`
	PURL       string         `json:"purl,omitempty"`
	Properties []cdxProperty  `json:"properties,omitempty"`
	Components []cdxComponent `json:"components,omitempty"`
}

type cdxProperty struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SBOM renders the CycloneDX document of the bundle's images. The serial
// number is derived from the bundle's identity, so the same images and
// time give the same document.
func SBOM(m *Manifest, images []ImagePackages) ([]byte, error) {
	// The config digest names an image the same way in both image stores;
	// the engine's ID only in the classic one.
	ids := map[string]string{}
	for _, im := range m.Images {
		ids[im.Name] = im.ConfigDigest
		if ids[im.Name] == "" {
			ids[im.Name] = im.ID
		}
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", m.Project, m.Created.UTC().Format(time.RFC3339Nano))
	bom := cdxBOM{
		BOMFormat: "CycloneDX", SpecVersion: "1.5", Version: 1,
		Metadata: cdxMetadata{
			Timestamp: m.Created.UTC().Format(time.RFC3339),
			Tools:     cdxTools{Components: []cdxComponent{{Type: "application", Name: "stackgen", Version: m.StackgenVersion}}},
			Component: &cdxComponent{Type: "application", BOMRef: "project:" + m.Project, Name: m.Project},
		},
		Components: []cdxComponent{},
	}
	for _, im := range images {
		first := im.Name
		id := ids[first]
		if id == "" {
			id = im.ConfigDigest
		}
		c := cdxComponent{Type: "container", BOMRef: "image:" + first, Name: first, Version: id}
		fmt.Fprintf(h, "%s %s\n", first, id)
		for _, p := range im.Packages {
			c.Components = append(c.Components, cdxComponent{
				Type: "library", BOMRef: "image:" + first + "|" + p.PURL(), Name: p.Name, Version: p.Version, PURL: p.PURL(),
				Properties: []cdxProperty{{Name: "stackgen:package-database", Value: map[string]string{"deb": "dpkg", "apk": "apk", "pypi": "python"}[p.Type]}},
			})
		}
		bom.Components = append(bom.Components, c)
	}
	sum := h.Sum(nil)
	sum[6] = sum[6]&0x0f | 0x50 // a name-based UUID's version and variant bits
	sum[8] = sum[8]&0x3f | 0x80
	u := hex.EncodeToString(sum[:16])
	bom.SerialNumber = "urn:uuid:" + u[0:8] + "-" + u[8:12] + "-" + u[12:16] + "-" + u[16:20] + "-" + u[20:32]
	b, err := json.MarshalIndent(bom, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// sbomTap reads a copy of the save stream beside the compressor. It never
// holds the save up for long: a stream it cannot read is drained, and the
// SBOM left out with a reason.
type sbomTap struct {
	pw   *io.PipeWriter
	done chan struct{}
	res  *sbomScanner
	err  error
}

func startSBOMTap() *sbomTap {
	pr, pw := io.Pipe()
	t := &sbomTap{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(t.done)
		t.res, t.err = scanSave(pr)
		// Whatever happened, read the rest so the save goes on.
		io.Copy(io.Discard, pr)
	}()
	return t
}

func (t *sbomTap) Write(p []byte) (int, error) {
	// A closed reader is not the save's failure.
	t.pw.Write(p)
	return len(p), nil
}

// finish ends the stream and returns the images' packages.
func (t *sbomTap) finish() ([]ImagePackages, error) {
	t.pw.Close()
	<-t.done
	if t.err != nil {
		return nil, t.err
	}
	return t.res.Images()
}

// abort ends the tap after a failed save.
func (t *sbomTap) abort() {
	t.pw.CloseWithError(msg.Err("bundle.err.save-failed"))
	<-t.done
}
