// Package bundle creates, verifies and installs offline deployment bundles:
// one archive (zip or tar.gz) that carries every image a stack uses in a
// single layer-deduplicated `docker save`, compressed once in a single
// streaming pass, together with the project's compose files, configs and
// scripts, load-and-start scripts for bash and PowerShell, a README for the
// offline host and a manifest with the SHA-256 of every file.
//
// The archive layout, the manifest and the checksum verification are pure
// and tested without Docker; the engine is reached only through the small
// interfaces ImageSaver and ImageLoader.
package bundle

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/msg"
)

// Names of the files every bundle holds, relative to its root folder.
const (
	// ManifestName is the bundle manifest: what is inside and the SHA-256
	// of every other file.
	ManifestName = "stackgen-bundle.json"
	// ChecksumsName lists the same checksums in `sha256sum -c` format, for
	// the load scripts on a host without stackgen.
	ChecksumsName = "SHA256SUMS"
	// ReadmeName is the README written for the offline host.
	ReadmeName = "OFFLINE-README.md"
	// LoadScriptSh and LoadScriptPs1 load the images and start the stack
	// with nothing but Docker on the host.
	LoadScriptSh  = "load-and-start.sh"
	LoadScriptPs1 = "load-and-start.ps1"
	// ImagesDir holds the image archive and the unpacker image.
	ImagesDir = "images"
	// UnpackerArchive is the unpacker image, gzip'd so any engine loads it.
	UnpackerArchive = ImagesDir + "/unpacker.tar.gz"
)

// FormatVersion is the version of the bundle layout this stackgen writes
// and reads.
const FormatVersion = 1

// Manifest describes a bundle. It is written last, as ManifestName, and
// lists every other file of the bundle with its size and SHA-256.
type Manifest struct {
	FormatVersion   int       `json:"format_version"`
	Stack           string    `json:"stack"`
	Project         string    `json:"project"`
	StackgenVersion string    `json:"stackgen_version"`
	Created         time.Time `json:"created"`
	// Platform is the images' os/arch (linux/amd64): the offline host's
	// engine must run the same.
	Platform string  `json:"platform"`
	Images   []Image `json:"images"`
	// ImageArchive is the path of the one `docker save` archive of Images.
	ImageArchive string `json:"image_archive"`
	Codec        Codec  `json:"codec"`
	// ImageTarSize is the size of the plain `docker save` stream.
	ImageTarSize int64 `json:"image_tar_size"`
	// Unpacker is set when Codec needs one to be loaded by `docker load`
	// alone (zstd on an engine older than 23.0).
	Unpacker *Unpacker `json:"unpacker,omitempty"`
	// IncludesEnv is true when the project's real .env (its secrets) was
	// packed (--include-env).
	IncludesEnv bool `json:"includes_env"`
	// SBOM is the path of the images' CycloneDX SBOM ("" when none
	// could be made).
	SBOM string `json:"sbom,omitempty"`
	// Signed says the maker signed the bundle (the signatures themselves
	// are beside the manifest, which they sign).
	Signed bool `json:"signed,omitempty"`
	// SecretKeys are the .env keys the stack generates as secrets; an
	// installer makes fresh ones when the bundle carries no .env.
	SecretKeys []string `json:"secret_keys,omitempty"`
	// URL is where the started stack answers; Migrate is run once it is
	// healthy. The load scripts use both.
	URL     string   `json:"url,omitempty"`
	Migrate *Migrate `json:"migrate,omitempty"`
	// Lang is the project's lang answer: the language the OFFLINE-README
	// is written in ("" and "en": English).
	Lang  string `json:"lang,omitempty"`
	Files []File `json:"files"`
	// TotalImageSize adds up the images' sizes in the engine (shared
	// layers counted once per image, as `docker images` shows them).
	TotalImageSize int64 `json:"total_image_size"`
	// TotalFileSize adds up the sizes of Files.
	TotalFileSize int64 `json:"total_file_size"`
	// Update is set on an update bundle (deploy --package --since): its
	// image archive lacks the layers the older bundle carried.
	Update *Update `json:"update,omitempty"`
}

// Update says what an update bundle leaves out and the target must have.
type Update struct {
	// SinceProject and SinceCreated name the older bundle.
	SinceProject string    `json:"since_project"`
	SinceCreated time.Time `json:"since_created"`
	// Requires are the layers left out: the target's engine must already
	// have each (by chain ID) before the archive loads.
	Requires []RequiredLayer `json:"requires"`
	// LeftOutSize is the size of the layers left out, uncompressed.
	LeftOutSize int64 `json:"left_out_size"`
}

// RequiredLayer is one layer an update bundle expects on the target.
type RequiredLayer struct {
	// Image is the first image (by name) that uses it.
	Image   string `json:"image"`
	DiffID  string `json:"diff_id"`
	ChainID string `json:"chain_id"`
}

// Image is one image the stack's compose files use, by the name compose
// uses, with the ID the engine gave it.
type Image struct {
	Name string `json:"name"`
	// ID is the image ID on the engine that made the bundle: store
	// specific (the classic store's is the config digest, the containerd
	// store's the manifest's or the index's digest).
	ID   string `json:"id"`
	Size int64  `json:"size"`
	// ConfigDigest is the SHA-256 of the image's config, and Layers its
	// layers' uncompressed digests (rootfs.diff_ids): the identity every
	// engine agrees on, whatever its image store.
	ConfigDigest string   `json:"config_digest,omitempty"`
	Layers       []string `json:"layers,omitempty"`
}

// Chains returns the chain IDs of the image's layers: a layer's identity
// in an engine's store.
func (im Image) Chains() []string { return engine.ChainIDs(im.Layers) }

// Matches reports whether an image in an engine, by its ID and its layers
// (docker image inspect's Id and RootFS.Layers), is this one. On the
// classic store the ID is the config digest; on the containerd store it is
// not, and the layers decide. Bundles from before config digests compare
// IDs.
func (im Image) Matches(id string, layers []string) bool {
	if im.ConfigDigest == "" {
		return id == im.ID
	}
	if id == im.ConfigDigest || id == im.ID {
		return true
	}
	return len(layers) > 0 && strings.Join(layers, " ") == strings.Join(im.Layers, " ")
}

// Migrate is a command run in a service's container once the stack is
// healthy.
type Migrate struct {
	Service string   `json:"service"`
	Command []string `json:"command"`
	What    string   `json:"what,omitempty"`
}

// Unpacker is the small image that decompresses the image archive for
// `docker load` on a host without stackgen.
type Unpacker struct {
	Path  string `json:"path"`
	Image string `json:"image"`
}

// File is one file of the bundle, its path relative to the bundle root in
// forward-slash form.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Mode is the octal permission, "0644" or "0755".
	Mode string `json:"mode"`
}

// FileMode returns f's permission bits.
func (f File) FileMode() fs.FileMode {
	m, err := strconv.ParseUint(f.Mode, 8, 32)
	if err != nil || m == 0 {
		return 0o644
	}
	return fs.FileMode(m) & fs.ModePerm
}

func modeString(m fs.FileMode) string {
	return fmt.Sprintf("%04o", uint32(m.Perm()))
}

// File returns the manifest's entry for p.
func (m *Manifest) File(p string) (File, bool) {
	for _, f := range m.Files {
		if f.Path == p {
			return f, true
		}
	}
	return File{}, false
}

// Marshal renders the manifest as indented JSON.
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ParseManifest reads and checks a manifest: every path must be a safe
// relative path, listed once, and the image archive must be one of them.
func ParseManifest(b []byte) (*Manifest, error) {
	// every refusal names the manifest, the reason said in the reader's
	// language
	bad := func(reason error) error {
		return msg.Err("bundle.err.manifest", msg.Args{"Manifest": ManifestName, "Err": reason})
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, bad(err)
	}
	if m.FormatVersion != FormatVersion {
		return nil, bad(msg.Err("bundle.err.manifest.format", msg.Args{"Format": m.FormatVersion, "Reads": FormatVersion, "Version": m.StackgenVersion}))
	}
	if m.Project == "" || !validProjectName(m.Project) {
		return nil, bad(msg.Err("bundle.err.project-name", msg.Args{"Project": strconv.Quote(m.Project)}))
	}
	seen := map[string]bool{}
	for _, f := range m.Files {
		if err := checkPath(f.Path); err != nil {
			return nil, bad(err)
		}
		if f.Path == ManifestName {
			return nil, bad(msg.Err("bundle.err.manifest.self"))
		}
		if seen[f.Path] {
			return nil, bad(msg.Err("bundle.err.manifest.twice", msg.Args{"File": f.Path}))
		}
		seen[f.Path] = true
		if len(f.SHA256) != 64 || strings.Trim(f.SHA256, "0123456789abcdef") != "" {
			return nil, bad(msg.Err("bundle.err.manifest.sha", msg.Args{"File": f.Path}))
		}
		if f.Size < 0 {
			return nil, bad(msg.Err("bundle.err.manifest.size", msg.Args{"File": f.Path}))
		}
		if f.Path == ".env" && !m.IncludesEnv {
			return nil, bad(msg.Err("bundle.err.manifest.env"))
		}
	}
	if err := checkConflicts(m.Files); err != nil {
		return nil, bad(err)
	}
	if len(m.Images) > 0 && !seen[m.ImageArchive] {
		return nil, bad(msg.Err("bundle.err.manifest.unlisted", msg.Args{"What": msg.Sub{ID: "bundle.manifest.image-archive"}, "File": strconv.Quote(m.ImageArchive)}))
	}
	if _, err := ParseCodec(string(m.Codec)); err != nil && len(m.Images) > 0 {
		return nil, bad(err)
	}
	if m.SBOM != "" && !seen[m.SBOM] {
		return nil, bad(msg.Err("bundle.err.manifest.unlisted", msg.Args{"What": msg.Sub{ID: "bundle.manifest.sbom"}, "File": strconv.Quote(m.SBOM)}))
	}
	if m.Unpacker != nil && !seen[m.Unpacker.Path] {
		return nil, bad(msg.Err("bundle.err.manifest.unlisted", msg.Args{"What": msg.Sub{ID: "bundle.manifest.unpacker"}, "File": strconv.Quote(m.Unpacker.Path)}))
	}
	return &m, nil
}

// checkPath refuses paths that could escape the directory a bundle is
// installed into, or that mean different files on different systems.
func checkPath(p string) error {
	switch {
	case p == "":
		return msg.Err("bundle.err.path.empty")
	case strings.ContainsAny(p, "\\:\x00"):
		return msg.Err("bundle.err.path.chars", msg.Args{"File": strconv.Quote(p)})
	case strings.HasPrefix(p, "/"):
		return msg.Err("bundle.err.path.absolute", msg.Args{"File": strconv.Quote(p)})
	case path.Clean(p) != p:
		return msg.Err("bundle.err.path.unclean", msg.Args{"File": strconv.Quote(p)})
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." || part == "." {
			return msg.Err("bundle.err.path.leaves", msg.Args{"File": strconv.Quote(p)})
		}
	}
	return nil
}

// checkConflicts refuses a file list that cannot be laid out on disk as a
// whole: a file that is also a folder of another (compose.yaml and
// compose.yaml/x), or two names that are one file on a case-insensitive
// file system (macOS, Windows). Checked before anything is written, so an
// install never stops half-way on them.
func checkConflicts(files []File) error {
	isFile := map[string]bool{}
	folded := map[string]string{}
	for _, f := range files {
		isFile[f.Path] = true
		k := strings.ToLower(f.Path)
		if other, ok := folded[k]; ok {
			return msg.Err("bundle.err.path.case", msg.Args{"File": other, "Other": f.Path})
		}
		folded[k] = f.Path
	}
	for _, f := range files {
		for d := path.Dir(f.Path); d != "."; d = path.Dir(d) {
			if isFile[d] {
				return msg.Err("bundle.err.path.folder", msg.Args{"Dir": d, "File": f.Path})
			}
		}
	}
	return nil
}

// validProjectName follows compose's rule for project names: lowercase
// letters, digits, '-' and '_', starting with a letter or digit. The name
// is also the bundle's root folder.
func validProjectName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

// Checksums renders the manifest's files in `sha256sum -c` format, sorted
// by path, with the image archive last (the scripts check small files
// first).
func (m *Manifest) Checksums() []byte {
	files := append([]File(nil), m.Files...)
	sort.Slice(files, func(i, j int) bool {
		ai, aj := files[i].Path == m.ImageArchive, files[j].Path == m.ImageArchive
		if ai != aj {
			return aj
		}
		return files[i].Path < files[j].Path
	})
	var b strings.Builder
	for _, f := range files {
		if f.Path == ChecksumsName {
			continue
		}
		fmt.Fprintf(&b, "%s  %s\n", f.SHA256, f.Path)
	}
	return []byte(b.String())
}
