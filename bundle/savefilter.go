package bundle

// The engine's `docker save` stream, read entry by entry on its way to the
// compressor. Two engines write two layouts:
//
//   - the classic store (Engine 20.10, overlay2) writes `<id>/layer.tar`
//     per layer, `<config digest>.json` per image and manifest.json;
//   - the containerd image store (Docker 29, Docker Desktop; Engine 26 with
//     the containerd snapshotter) writes an OCI image layout: oci-layout,
//     index.json and content-addressed blobs/sha256/<digest>, plus the same
//     manifest.json for older loaders.
//
// Both carry manifest.json, so that is what identifies the images: each
// entry's Config names the image's config, whose SHA-256 is the one
// identity every store agrees on (image IDs are store-specific: the
// classic store's ID is the config digest, the containerd store's is the
// manifest's or the index's digest).
//
// The containerd store saves an image pulled as a multi-platform index
// whole, even though only the host's platform's blobs are present; such an
// archive does not load elsewhere (containerd/containerd#12903). The filter
// rewrites index.json to point straight at the one platform's manifest.

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path"
	"strings"

	"github.com/distribution/reference"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/msg"
)

// smallEntry bounds what is kept in memory while the stream passes:
// manifests, indexes and configs are kilobytes; layers are not kept.
const smallEntry = 4 << 20

// saveManifestEntry is one image of manifest.json.
type saveManifestEntry struct {
	Config   string   `json:"Config"`
	RepoTags []string `json:"RepoTags"`
	Layers   []string `json:"Layers"`
}

// SavedImage is what the save stream says of one image.
type SavedImage struct {
	RepoTags     []string
	ConfigDigest string
	// DiffIDs are the config's rootfs.diff_ids: the layers' uncompressed
	// digests, bottom first.
	DiffIDs []string
	// LayerPaths are the archive paths of the layers, in DiffIDs' order,
	// and ConfigPath the config's.
	LayerPaths []string
	ConfigPath string
}

// SaveInfo is what the filter learnt from a save stream.
type SaveInfo struct {
	Images []SavedImage
	// RewroteIndex is true when index.json was narrowed to one platform.
	RewroteIndex bool
	// Dropped lists the layer paths left out (an update bundle).
	Dropped []string
	// DroppedBytes is their size.
	DroppedBytes int64
}

// filterOptions say what the filter does besides passing entries through.
type filterOptions struct {
	// Platform ("linux/amd64") is the one platform index.json keeps.
	Platform string
	// HaveChains, for an update bundle, are the chain IDs the target
	// already has: a layer every use of which is in it is left out.
	HaveChains map[string]bool
	// Spool is the directory for the entries held back until the end of
	// the stream (an update bundle only).
	Spool string
}

type entry struct {
	hdr  *tar.Header
	data []byte // small entries
	file string // spooled entries
	sum  string
}

// filterSave copies the save tar from r to w. Without HaveChains entries
// stream through as they come and only index.json and manifest.json wait
// for the end (every loader reads the whole archive before it reads
// those); with HaveChains every entry waits, since which layers can go is
// known only from manifest.json, the stream's last entry.
func filterSave(r io.Reader, w io.Writer, o filterOptions) (*SaveInfo, error) {
	tr := tar.NewReader(r)
	tw := tar.NewWriter(w)
	small := map[string][]byte{}
	sums := map[string]string{}
	var held []entry
	var deferred []entry
	defer func() {
		for _, e := range held {
			if e.file != "" {
				os.Remove(e.file)
			}
		}
	}()
	update := o.HaveChains != nil
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, msg.Err("bundle.err.save-read", msg.Args{"Err": err})
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		e := entry{hdr: hdr}
		switch {
		case hdr.Typeflag != tar.TypeReg:
			// directories, links: pass as they are
		case hdr.Size <= smallEntry:
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, msg.Err("bundle.err.save-read-file", msg.Args{"File": name, "Err": err})
			}
			s := sha256.Sum256(b)
			e.data, e.sum = b, hex.EncodeToString(s[:])
			sums[name] = e.sum
			if len(b) <= 1<<20 && len(b) > 0 && (b[0] == '{' || b[0] == '[') {
				small[name] = b // JSON: manifests, indexes, configs
			}
		case update:
			f, err := os.CreateTemp(o.Spool, "layer-*")
			if err != nil {
				return nil, err
			}
			h := sha256.New()
			_, err = io.Copy(io.MultiWriter(f, h), tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			e.file = f.Name()
			held = append(held, e)
			if err != nil {
				return nil, msg.Err("bundle.err.save-read-file", msg.Args{"File": name, "Err": err})
			}
			e.sum = hex.EncodeToString(h.Sum(nil))
			held[len(held)-1] = e
			sums[name] = e.sum
			continue
		}
		if name == "index.json" || name == "manifest.json" || update {
			if update {
				held = append(held, e)
			} else {
				deferred = append(deferred, e)
			}
			continue
		}
		if err := writeEntry(tw, e, tr); err != nil {
			return nil, err
		}
	}
	info, err := readSaveManifest(small)
	if err != nil {
		return nil, err
	}
	drop := map[string]bool{}
	if update {
		drop = droppable(info, o.HaveChains)
	}
	rest := append(held, deferred...)
	if update {
		if _, oci := small["index.json"]; !oci {
			if rest, err = legacyToOCI(rest, info, drop); err != nil {
				return nil, err
			}
			drop = nil
		}
	}
	for _, e := range rest {
		name := path.Clean(strings.TrimPrefix(e.hdr.Name, "./"))
		if drop[name] {
			info.Dropped = append(info.Dropped, name)
			info.DroppedBytes += e.hdr.Size
			continue
		}
		if name == "index.json" && o.Platform != "" {
			b, changed, err := narrowIndex(e.data, small, sums, o.Platform)
			if err != nil {
				return nil, err
			}
			if changed {
				e.data = b
				e.hdr.Size = int64(len(b))
				info.RewroteIndex = true
			}
		}
		if err := writeEntry(tw, e, nil); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return info, nil
}

// writeEntry writes one entry from memory, from its spool file, or from
// the tar reader it is being read from.
func writeEntry(tw *tar.Writer, e entry, from io.Reader) error {
	hdr := *e.hdr
	if err := tw.WriteHeader(&hdr); err != nil {
		return msg.Err("bundle.err.write-images", msg.Args{"Err": err})
	}
	switch {
	case e.data != nil:
		_, err := tw.Write(e.data)
		return err
	case e.file != "":
		f, err := os.Open(e.file)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	case from != nil && hdr.Typeflag == tar.TypeReg:
		_, err := io.Copy(tw, from)
		return err
	}
	return nil
}

// readSaveManifest reads manifest.json and each image's config from the
// small entries.
func readSaveManifest(small map[string][]byte) (*SaveInfo, error) {
	b, ok := small["manifest.json"]
	if !ok {
		return nil, msg.Err("bundle.err.save-format")
	}
	var entries []saveManifestEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, msg.Err("bundle.err.save-bad", msg.Args{"File": "manifest.json", "Err": err})
	}
	info := &SaveInfo{}
	for _, me := range entries {
		cfgName := path.Clean(me.Config)
		cfg, ok := small[cfgName]
		if !ok {
			return nil, msg.Err("bundle.err.save-lacks-named", msg.Args{"File": "manifest.json", "Name": me.Config})
		}
		var c struct {
			RootFS struct {
				DiffIDs []string `json:"diff_ids"`
			} `json:"rootfs"`
		}
		if err := json.Unmarshal(cfg, &c); err != nil {
			return nil, msg.Err("bundle.err.save-config", msg.Args{"File": me.Config, "Err": err})
		}
		if len(c.RootFS.DiffIDs) != len(me.Layers) {
			return nil, msg.Err("bundle.err.save-layer-count", msg.Args{"Image": strings.Join(me.RepoTags, ", "), "Layers": len(me.Layers), "Config": len(c.RootFS.DiffIDs)})
		}
		s := sha256.Sum256(cfg)
		paths := make([]string, len(me.Layers))
		for i, l := range me.Layers {
			paths[i] = path.Clean(l)
		}
		info.Images = append(info.Images, SavedImage{
			RepoTags:     me.RepoTags,
			ConfigDigest: "sha256:" + hex.EncodeToString(s[:]),
			DiffIDs:      c.RootFS.DiffIDs,
			LayerPaths:   paths,
			ConfigPath:   cfgName,
		})
	}
	return info, nil
}

// droppable lists the layer paths every use of which has its chain in
// have.
func droppable(info *SaveInfo, have map[string]bool) map[string]bool {
	keep := map[string]bool{}
	drop := map[string]bool{}
	for _, im := range info.Images {
		for i, c := range engine.ChainIDs(im.DiffIDs) {
			p := im.LayerPaths[i]
			if have[c] {
				drop[p] = true
			} else {
				keep[p] = true
			}
		}
	}
	for p := range keep {
		delete(drop, p)
	}
	return drop
}

// narrowIndex rewrites an OCI index.json whose entries are image indexes
// (multi-platform images) to name, for each, the manifest of platform,
// keeping the entry's annotations (the image names). Entries already
// naming one manifest stay. It reports whether anything changed.
func narrowIndex(b []byte, small map[string][]byte, present map[string]string, platform string) ([]byte, bool, error) {
	var idx ocispec.Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, false, msg.Err("bundle.err.save-bad", msg.Args{"File": "index.json", "Err": err})
	}
	changed := false
	for i, d := range idx.Manifests {
		if d.MediaType != ocispec.MediaTypeImageIndex && d.MediaType != "application/vnd.docker.distribution.manifest.list.v2+json" {
			continue
		}
		child, err := pickPlatform(d, small, present, platform)
		if err != nil {
			return nil, false, err
		}
		child.Annotations = d.Annotations
		idx.Manifests[i] = child
		changed = true
	}
	if !changed {
		return b, false, nil
	}
	out, err := json.Marshal(idx)
	return out, true, err
}

// pickPlatform finds, in the image index d, the manifest for platform whose
// blob the archive holds.
func pickPlatform(d ocispec.Descriptor, small map[string][]byte, present map[string]string, platform string) (ocispec.Descriptor, error) {
	blob := blobPath(d.Digest.String())
	b, ok := small[blob]
	if !ok {
		return d, msg.Err("bundle.err.save-lacks-named", msg.Args{"File": "index.json", "Name": d.Digest.String()})
	}
	var sub ocispec.Index
	if err := json.Unmarshal(b, &sub); err != nil {
		return d, msg.Err("bundle.err.save-bad", msg.Args{"File": blob, "Err": err})
	}
	var seen []string
	for _, m := range sub.Manifests {
		if m.Platform == nil {
			continue
		}
		p := m.Platform.OS + "/" + m.Platform.Architecture
		if p != platform || m.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			continue
		}
		if _, ok := present[blobPath(m.Digest.String())]; ok {
			return m, nil
		}
		seen = append(seen, m.Digest.String())
	}
	if len(seen) > 0 {
		return d, msg.Err("bundle.err.save-no-platform", msg.Args{"Platform": platform, "Image": imageName(d)})
	}
	return d, msg.Err("bundle.err.no-variant", msg.Args{"Platform": platform, "Image": imageName(d)})
}

func imageName(d ocispec.Descriptor) string {
	for _, k := range []string{"io.containerd.image.name", ocispec.AnnotationRefName} {
		if v := d.Annotations[k]; v != "" {
			return v
		}
	}
	return d.Digest.String()
}

func blobPath(digest string) string {
	alg, hex, _ := strings.Cut(digest, ":")
	return "blobs/" + alg + "/" + hex
}

// matchSaved finds the saved image a compose image name refers to: by its
// tag in manifest.json, compared in normalized form (nginx:1.27 is
// docker.io/library/nginx:1.27), else by its layers.
func matchSaved(info *SaveInfo, ref string, diffIDs []string) (SavedImage, bool) {
	want := normalize(ref)
	for _, im := range info.Images {
		for _, t := range im.RepoTags {
			if normalize(t) == want {
				return im, true
			}
		}
	}
	for _, im := range info.Images {
		if len(diffIDs) > 0 && strings.Join(im.DiffIDs, " ") == strings.Join(diffIDs, " ") {
			return im, true
		}
	}
	return SavedImage{}, false
}

func normalize(ref string) string {
	n, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ref
	}
	return reference.TagNameOnly(n).String()
}

// legacyToOCI turns the classic store's save of an update bundle into the
// layout Docker 25 and later write: content-addressed blobs, index.json
// and oci-layout for the containerd store, and manifest.json naming the
// same blobs for the classic store. Both then load the archive without the
// layers left out: the containerd store finds their blobs (by the same
// uncompressed digest) in its content store, the classic store reads a
// layer's file only when the layer is missing. (A classic-format archive
// is refused by the containerd store as soon as a layer file is missing:
// "failed to resolve layers".) Leftovers of the old format (the v1 json
// and VERSION files, repositories) are not carried.
func legacyToOCI(entries []entry, info *SaveInfo, drop map[string]bool) ([]entry, error) {
	byName := map[string]entry{}
	for _, e := range entries {
		byName[path.Clean(strings.TrimPrefix(e.hdr.Name, "./"))] = e
	}
	var out []entry
	written := map[string]bool{}
	blob := func(e entry, digest string) {
		name := blobPath(digest)
		if written[name] {
			return
		}
		written[name] = true
		h := *e.hdr
		h.Name = name
		e.hdr = &h
		out = append(out, e)
	}
	gen := func(name string, b []byte) {
		if written[name] {
			return
		}
		written[name] = true
		out = append(out, entry{hdr: &tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}, data: b})
	}
	var newMan []saveManifestEntry
	var index ocispec.Index
	index.SchemaVersion = 2
	index.MediaType = ocispec.MediaTypeImageIndex
	dropped := map[string]bool{}
	for _, im := range info.Images {
		cfgEntry, ok := byName[im.ConfigPath]
		if !ok {
			return nil, msg.Err("bundle.err.save-lacks-config", msg.Args{"Image": strings.Join(im.RepoTags, ", ")})
		}
		blob(cfgEntry, im.ConfigDigest)
		me := saveManifestEntry{Config: blobPath(im.ConfigDigest), RepoTags: im.RepoTags}
		m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digestOf(im.ConfigDigest), Size: cfgEntry.hdr.Size}}
		m.SchemaVersion = 2
		for i, p := range im.LayerPaths {
			le, ok := byName[p]
			if !ok {
				return nil, msg.Err("bundle.err.save-lacks-layer", msg.Args{"Layer": p, "Image": strings.Join(im.RepoTags, ", ")})
			}
			d := im.DiffIDs[i]
			if drop[p] {
				if !dropped[p] {
					dropped[p] = true
					info.Dropped = append(info.Dropped, p)
					info.DroppedBytes += le.hdr.Size
				}
			} else {
				blob(le, d)
			}
			me.Layers = append(me.Layers, blobPath(d))
			m.Layers = append(m.Layers, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: digestOf(d), Size: le.hdr.Size})
		}
		mb, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		s := sha256.Sum256(mb)
		md := "sha256:" + hex.EncodeToString(s[:])
		gen(blobPath(md), mb)
		for _, t := range im.RepoTags {
			ann := map[string]string{"io.containerd.image.name": normalize(t)}
			if n, err := reference.ParseNormalizedNamed(t); err == nil {
				if tagged, ok := n.(reference.Tagged); ok {
					ann[ocispec.AnnotationRefName] = tagged.Tag()
				}
			}
			index.Manifests = append(index.Manifests, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digestOf(md), Size: int64(len(mb)), Annotations: ann})
		}
		newMan = append(newMan, me)
	}
	ib, err := json.Marshal(index)
	if err != nil {
		return nil, err
	}
	mb, err := json.Marshal(newMan)
	if err != nil {
		return nil, err
	}
	gen("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	gen("index.json", ib)
	gen("manifest.json", mb)
	return out, nil
}

func digestOf(s string) digest.Digest { return digest.Digest(s) }
