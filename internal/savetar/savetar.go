// Package savetar writes archives shaped like an engine's `docker save`,
// for tests: the classic store's layout (Engine 20.10: <id>/layer.tar,
// <config digest>.json, manifest.json) and the containerd image store's OCI
// layout (oci-layout, index.json, blobs/sha256/..., manifest.json), the
// latter optionally as a multi-platform index whose other platforms' blobs
// are missing, as Docker 26-29 save pulled images.
package savetar

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
)

// Image is one image to save: its tags and its layers' contents (each
// layer's bytes stand for its uncompressed layer tar).
type Image struct {
	Tags   []string
	Layers [][]byte
	// Env makes configs of images with the same layers differ.
	Env string
}

// Digest returns "sha256:<hex>" of b.
func Digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// Config returns the image's config JSON.
func (im Image) Config() []byte {
	ids := make([]string, len(im.Layers))
	for i, l := range im.Layers {
		ids[i] = Digest(l)
	}
	b, _ := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux",
		"config": map[string]any{"Env": []string{"X=" + im.Env}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": ids},
	})
	return b
}

// DiffIDs returns the layers' digests.
func (im Image) DiffIDs() []string {
	ids := make([]string, len(im.Layers))
	for i, l := range im.Layers {
		ids[i] = Digest(l)
	}
	return ids
}

type writer struct {
	tw    *tar.Writer
	files map[string][]byte
}

func (w *writer) add(name string, b []byte) { w.files[name] = b }

// flush writes the files in name order, as both engines do.
func (w *writer) flush() []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(w.files))
	for n := range w.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(w.files[n])), Typeflag: tar.TypeReg})
		tw.Write(w.files[n])
	}
	tw.Close()
	return buf.Bytes()
}

type manifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// Classic writes the classic store's save of images.
func Classic(images ...Image) []byte {
	w := &writer{files: map[string][]byte{}}
	var man []manifestEntry
	for _, im := range images {
		cfg := im.Config()
		cd := Digest(cfg)[7:]
		w.add(cd+".json", cfg)
		e := manifestEntry{Config: cd + ".json", RepoTags: im.Tags}
		chain := ""
		for _, l := range im.Layers {
			// The classic store names a layer's folder after its chain
			// (v1 ID); any stable name unique per chain does here.
			chain = Digest([]byte(chain + Digest(l)))[7:]
			w.add(chain+"/layer.tar", l)
			w.add(chain+"/VERSION", []byte("1.0"))
			e.Layers = append(e.Layers, chain+"/layer.tar")
		}
		man = append(man, e)
	}
	b, _ := json.Marshal(man)
	w.add("manifest.json", b)
	return w.flush()
}

// OCI writes the containerd store's save of images. With multiPlatform,
// each image is an index naming a linux/amd64 manifest (present) and a
// linux/arm64 one (absent, with its config and layers).
func OCI(multiPlatform bool, images ...Image) []byte {
	w := &writer{files: map[string][]byte{}}
	w.add("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	var man []manifestEntry
	var index []map[string]any
	for _, im := range images {
		cfg := im.Config()
		w.add("blobs/sha256/"+Digest(cfg)[7:], cfg)
		e := manifestEntry{Config: "blobs/sha256/" + Digest(cfg)[7:], RepoTags: im.Tags}
		var layers []map[string]any
		for _, l := range im.Layers {
			w.add("blobs/sha256/"+Digest(l)[7:], l)
			e.Layers = append(e.Layers, "blobs/sha256/"+Digest(l)[7:])
			layers = append(layers, desc("application/vnd.oci.image.layer.v1.tar", l))
		}
		m, _ := json.Marshal(map[string]any{
			"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
			"config": desc("application/vnd.oci.image.config.v1+json", cfg), "layers": layers,
		})
		w.add("blobs/sha256/"+Digest(m)[7:], m)
		top := desc("application/vnd.oci.image.manifest.v1+json", m)
		if multiPlatform {
			md := desc("application/vnd.oci.image.manifest.v1+json", m)
			md["platform"] = map[string]string{"os": "linux", "architecture": "amd64"}
			other := desc("application/vnd.oci.image.manifest.v1+json", []byte("arm64 manifest of "+fmt.Sprint(im.Tags)))
			other["platform"] = map[string]string{"os": "linux", "architecture": "arm64"}
			idx, _ := json.Marshal(map[string]any{
				"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
				"manifests": []any{md, other},
			})
			w.add("blobs/sha256/"+Digest(idx)[7:], idx)
			top = desc("application/vnd.oci.image.index.v1+json", idx)
		}
		if len(im.Tags) > 0 {
			top["annotations"] = map[string]string{"io.containerd.image.name": im.Tags[0], "org.opencontainers.image.ref.name": im.Tags[0]}
		}
		index = append(index, top)
		man = append(man, e)
	}
	b, _ := json.Marshal(man)
	w.add("manifest.json", b)
	ib, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": index})
	w.add("index.json", ib)
	return w.flush()
}

func desc(mediaType string, b []byte) map[string]any {
	return map[string]any{"mediaType": mediaType, "digest": Digest(b), "size": len(b)}
}
