package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/savetar"
)

func tarFiles(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name], _ = io.ReadAll(tr)
	}
}

var (
	// Layers of real images compress to about a third; random bytes do
	// not compress at all, so the ratio below is not the codec's doing.
	testBase  = func() []byte { b := make([]byte, 256<<10); rand.New(rand.NewSource(1)).Read(b); return b }()
	testWeb   = savetar.Image{Tags: []string{"mysite-web:latest"}, Layers: [][]byte{testBase, []byte("app code v1")}}
	testNginx = savetar.Image{Tags: []string{"nginx:1.26"}, Layers: [][]byte{testBase, []byte("nginx binary")}, Env: "nginx"}
)

// The containerd store saves a pulled image as its whole multi-platform
// index though only the host's platform's blobs are there; the filter
// points index.json at that platform's manifest, keeping the image name,
// so every blob the index reaches is in the archive.
func TestFilterNarrowsAMultiPlatformIndex(t *testing.T) {
	raw := savetar.OCI(true, testWeb, testNginx)
	var out bytes.Buffer
	info, err := filterSave(bytes.NewReader(raw), &out, filterOptions{Platform: "linux/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if !info.RewroteIndex {
		t.Error("the index was not narrowed")
	}
	files := tarFiles(t, out.Bytes())
	var idx ocispec.Index
	if err := json.Unmarshal(files["index.json"], &idx); err != nil {
		t.Fatal(err)
	}
	if len(idx.Manifests) != 2 {
		t.Fatalf("index.json has %d entries, want 2", len(idx.Manifests))
	}
	for i, d := range idx.Manifests {
		if d.MediaType != ocispec.MediaTypeImageManifest {
			t.Errorf("entry %d is a %s, want one platform's manifest", i, d.MediaType)
		}
		if d.Annotations["io.containerd.image.name"] == "" {
			t.Errorf("entry %d lost its image name", i)
		}
		var m ocispec.Manifest
		b, ok := files[blobPath(d.Digest.String())]
		if !ok || json.Unmarshal(b, &m) != nil {
			t.Fatalf("entry %d names blob %s, which the archive lacks", i, d.Digest)
		}
		for _, l := range append([]ocispec.Descriptor{m.Config}, m.Layers...) {
			if _, ok := files[blobPath(l.Digest.String())]; !ok {
				t.Errorf("entry %d's manifest needs %s, which the archive lacks", i, l.Digest)
			}
		}
	}
	// Identity is the config digest, the same on both stores' saves.
	classic, err := filterSave(bytes.NewReader(savetar.Classic(testWeb, testNginx)), io.Discard, filterOptions{Platform: "linux/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range info.Images {
		if info.Images[i].ConfigDigest != classic.Images[i].ConfigDigest || strings.Join(info.Images[i].DiffIDs, " ") != strings.Join(classic.Images[i].DiffIDs, " ") {
			t.Errorf("image %d: the two stores' saves identify it differently: %+v vs %+v", i, info.Images[i], classic.Images[i])
		}
		if info.Images[i].ConfigDigest != savetar.Digest([]savetar.Image{testWeb, testNginx}[i].Config()) {
			t.Errorf("image %d: config digest %s is not the config's SHA-256", i, info.Images[i].ConfigDigest)
		}
	}
}

func TestFilterRefusesAPlatformTheSaveLacks(t *testing.T) {
	_, err := filterSave(bytes.NewReader(savetar.OCI(true, testWeb)), io.Discard, filterOptions{Platform: "linux/arm64"})
	if err == nil || !strings.Contains(err.Error(), "mysite-web:latest") || !strings.Contains(err.Error(), "docker pull --platform linux/arm64") {
		t.Errorf("got %v", err)
	}
	_, err = filterSave(bytes.NewReader(savetar.OCI(true, testWeb)), io.Discard, filterOptions{Platform: "linux/s390x"})
	if err == nil || !strings.Contains(err.Error(), "--platform") {
		t.Errorf("got %v", err)
	}
}

func TestImageMatchesAcrossStores(t *testing.T) {
	im := Image{Name: "web:1", ID: "sha256:manifest", ConfigDigest: "sha256:config", Layers: []string{"sha256:l1", "sha256:l2"}}
	for _, c := range []struct {
		name   string
		id     string
		layers []string
		want   bool
	}{
		{"classic store: the ID is the config digest", "sha256:config", nil, true},
		{"containerd store: another ID, the same layers", "sha256:other", []string{"sha256:l1", "sha256:l2"}, true},
		{"another image", "sha256:other", []string{"sha256:l1", "sha256:l3"}, false},
		{"no layers known", "sha256:other", nil, false},
	} {
		if got := im.Matches(c.id, c.layers); got != c.want {
			t.Errorf("%s: Matches = %v", c.name, got)
		}
	}
	old := Image{Name: "web:1", ID: "sha256:x"}
	if !old.Matches("sha256:x", nil) || old.Matches("sha256:y", []string{"a"}) {
		t.Error("a bundle without config digests must compare IDs")
	}
}

// An update bundle after a code-only change carries the new code layer
// and names the base layer it left out; the full bundle's images are
// more than 20 times its size.
func TestUpdateBundleCarriesOnlyNewLayers(t *testing.T) {
	for _, name := range []string{"classic", "containerd"} {
		t.Run(name, func(t *testing.T) {
			save := func(imgs ...savetar.Image) []byte {
				if name == "classic" {
					return savetar.Classic(imgs...)
				}
				return savetar.OCI(true, imgs...)
			}
			dir := t.TempDir()
			o := testOptions(dir, Zip, Gzip)
			full, err := Create(context.Background(), &fakeSaver{tar: save(testWeb, testNginx)}, o)
			if err != nil {
				t.Fatal(err)
			}
			if full.Manifest.Images[0].ConfigDigest == "" || len(full.Manifest.Images[0].Layers) != 2 {
				t.Fatalf("the full bundle does not identify its images: %+v", full.Manifest.Images[0])
			}
			old, err := ReadManifest(o.Output)
			if err != nil {
				t.Fatal(err)
			}
			web2 := testWeb
			web2.Layers = [][]byte{testBase, []byte("app code v2")}
			o2 := testOptions(dir, Zip, Gzip)
			o2.Output = filepath.Join(dir, "update.zip")
			o2.Since = old
			up, err := Create(context.Background(), &fakeSaver{tar: save(web2, testNginx)}, o2)
			if err != nil {
				t.Fatal(err)
			}
			u := up.Manifest.Update
			if u == nil || len(u.Requires) != 2 {
				t.Fatalf("update: %+v", u)
			}
			fullSize, upSize := imageSize(full.Manifest), imageSize(up.Manifest)
			if ratio := float64(upSize) / float64(fullSize); ratio > 0.05 {
				t.Errorf("update images %d bytes, full %d: %.1f%%, want <= 5%%", upSize, fullSize, 100*ratio)
			}
			t.Logf("update bundle's images: %d bytes, full: %d (%.2f%%)", upSize, fullSize, 100*float64(upSize)/float64(fullSize))

			// The host that installed the full bundle has every layer; a
			// fresh one lacks the ones left out, each named.
			have := map[string]bool{}
			for _, im := range old.Images {
				for _, c := range im.Chains() {
					have[c] = true
				}
			}
			if lines := MissingLayers(up.Manifest, have); lines != nil {
				t.Errorf("missing on the old host: %v", lines)
			}
			lines := MissingLayers(up.Manifest, map[string]bool{})
			if len(lines) != 2 || !strings.Contains(lines[0], "mysite-web:latest") {
				t.Errorf("missing on a fresh host: %v", lines)
			}
		})
	}
}

func imageSize(m *Manifest) int64 {
	f, _ := m.File(m.ImageArchive)
	return f.Size
}

func TestReadManifestFromEitherForm(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(dir, TarGz, Gzip)
	res, err := Create(context.Background(), &fakeSaver{tar: saveTar(t)}, o)
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := res.Manifest.Marshal()
	js := filepath.Join(dir, ManifestName)
	must(t, os.WriteFile(js, mb, 0o644))
	for _, p := range []string{o.Output, js} {
		m, err := ReadManifest(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if m.Project != "mysite" || len(m.Images[0].Layers) == 0 {
			t.Errorf("%s: %+v", p, m)
		}
	}
	// A manifest from before layer lists cannot anchor an update.
	res.Manifest.Images[0].Layers = nil
	mb, _ = res.Manifest.Marshal()
	must(t, os.WriteFile(js, mb, 0o644))
	if _, err := ReadManifest(js); err == nil || !strings.Contains(err.Error(), "make a full bundle") {
		t.Errorf("got %v", err)
	}
}

// An update made from the classic store's save is written as Docker 25's
// layout (content-addressed blobs, index.json, manifest.json naming the
// same blobs): the containerd store refuses a classic-format archive as
// soon as a layer file is missing, and loads this one from the blobs it
// has.
func TestUpdateFromTheClassicStoreIsAnOCILayout(t *testing.T) {
	web2 := testWeb
	web2.Layers = [][]byte{testBase, []byte("app code v2")}
	have := map[string]bool{}
	for _, c := range engine.ChainIDs(testWeb.DiffIDs()) {
		have[c] = true
	}
	var out bytes.Buffer
	info, err := filterSave(bytes.NewReader(savetar.Classic(web2)), &out, filterOptions{HaveChains: have, Spool: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	files := tarFiles(t, out.Bytes())
	if _, ok := files["oci-layout"]; !ok {
		t.Fatal("no oci-layout")
	}
	var idx ocispec.Index
	csJSON(t, files["index.json"], &idx)
	if len(idx.Manifests) != 1 || idx.Manifests[0].Annotations["io.containerd.image.name"] != "docker.io/library/mysite-web:latest" || idx.Manifests[0].Annotations[ocispec.AnnotationRefName] != "latest" {
		t.Fatalf("index.json: %+v", idx.Manifests)
	}
	var m ocispec.Manifest
	csJSON(t, files[blobPath(idx.Manifests[0].Digest.String())], &m)
	if _, ok := files[blobPath(m.Config.Digest.String())]; !ok || m.Config.Digest.String() != savetar.Digest(web2.Config()) {
		t.Errorf("config %s is not carried under its digest", m.Config.Digest)
	}
	if len(m.Layers) != 2 || m.Layers[0].Size != int64(len(testBase)) {
		t.Fatalf("layers: %+v", m.Layers)
	}
	if _, ok := files[blobPath(m.Layers[0].Digest.String())]; ok {
		t.Error("the base layer the host has is carried")
	}
	if b, ok := files[blobPath(m.Layers[1].Digest.String())]; !ok || string(b) != "app code v2" {
		t.Error("the new layer is not carried under its digest")
	}
	var dm []saveManifestEntry
	csJSON(t, files["manifest.json"], &dm)
	if len(dm) != 1 || dm[0].Config != blobPath(m.Config.Digest.String()) || dm[0].Layers[1] != blobPath(m.Layers[1].Digest.String()) {
		t.Errorf("manifest.json: %+v", dm)
	}
	for name := range files {
		if strings.HasSuffix(name, "/json") || strings.HasSuffix(name, "/VERSION") || strings.HasSuffix(name, "layer.tar") {
			t.Errorf("%s of the classic layout is still there", name)
		}
	}
	if len(info.Dropped) != 1 || info.DroppedBytes != int64(len(testBase)) {
		t.Errorf("dropped %v (%d bytes)", info.Dropped, info.DroppedBytes)
	}
}

func csJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

// fakeDocker answers the calls load-and-start.sh makes before and while
// loading: a 20.10 engine whose images have the layers in dir/layers-ID;
// `docker load` only says it was called.
const fakeDocker = `#!/usr/bin/env bash
# The 20.10 CLI decodes inspect's JSON untyped: join on .RootFS.Layers fails.
if [[ $* == *"join .RootFS"* ]]; then echo "template parsing error: wrong type for value; expected []string; got []interface {}" >&2; exit 1; fi
case "$1 $2" in
"version --format") if [[ $3 == *Server.Version* ]]; then echo "${FAKE_VERSION:-20.10.24}"; else echo linux/amd64; fi ;;
"image ls") cat "$FAKE_DIR/ids" ;;
"image inspect") [[ $4 == "{{range .RootFS.Layers}}{{.}} {{end}}" ]] || exit 3; cat "$FAKE_DIR/layers-${!#}" 2>/dev/null || exit 1 ;;
"load --input") echo "LOAD CALLED $3" >&2; exit 42 ;;
*) exit 0 ;;
esac
`

// load-and-start.sh of an update bundle works out the engine's chain IDs
// as stackgen does, names a missing layer and stops before docker load,
// and goes on to load when the layers are there.
func TestLoadScriptChecksAnUpdatesLayers(t *testing.T) {
	if _, err := exec.LookPath("unzip"); err != nil {
		t.Skip("unzip is not installed")
	}
	dir := t.TempDir()
	o := testOptions(dir, Zip, Gzip)
	if _, err := Create(context.Background(), &fakeSaver{tar: savetar.Classic(testWeb, testNginx)}, o); err != nil {
		t.Fatal(err)
	}
	old, err := ReadManifest(o.Output)
	if err != nil {
		t.Fatal(err)
	}
	web2 := testWeb
	web2.Layers = [][]byte{testBase, []byte("app code v2")}
	o2 := testOptions(dir, Zip, Gzip)
	o2.Output, o2.Since = filepath.Join(dir, "update.zip"), old
	if _, err := Create(context.Background(), &fakeSaver{tar: savetar.Classic(web2, testNginx)}, o2); err != nil {
		t.Fatal(err)
	}
	unpacked := t.TempDir()
	if out, err := exec.Command("unzip", "-q", o2.Output, "-d", unpacked).CombinedOutput(); err != nil {
		t.Fatalf("unzip: %v\n%s", err, out)
	}
	bin := t.TempDir()
	must(t, os.WriteFile(filepath.Join(bin, "docker"), []byte(fakeDocker), 0o755))
	for _, c := range []struct {
		name   string
		images map[string][]string
		want   string
		loads  bool
	}{
		{"a fresh engine", map[string][]string{}, "missing: image mysite-web:latest: layer chain " + testBase2Chain(), false},
		{"only the web image", map[string][]string{"w": testWeb.DiffIDs()}, "missing: image nginx:1.26", false},
		{"the first delivery installed", map[string][]string{"w": testWeb.DiffIDs(), "n": testNginx.DiffIDs()}, "LOAD CALLED", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake := t.TempDir()
			var ids []string
			for id, layers := range c.images {
				ids = append(ids, id)
				must(t, os.WriteFile(filepath.Join(fake, "layers-"+id), []byte(strings.Join(layers, " ")+"\n"), 0o644))
			}
			must(t, os.WriteFile(filepath.Join(fake, "ids"), []byte(strings.Join(ids, "\n")+"\n"), 0o644))
			cmd := exec.Command("bash", LoadScriptSh)
			cmd.Dir = filepath.Join(unpacked, "mysite")
			cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "FAKE_DIR="+fake)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), c.want) {
				t.Fatalf("want %q in the failing script's output: %v\n%s", c.want, err, out)
			}
			if strings.Contains(string(out), "LOAD CALLED") != c.loads {
				t.Errorf("docker load called: %v, want %v\n%s", !c.loads, c.loads, out)
			}
		})
	}
}

// testBase2Chain is the chain ID of the shared base layer alone.
func testBase2Chain() string { return engine.ChainIDs(testWeb.DiffIDs())[0] }

// Engines from 23.0 load the zstd archive themselves; older ones get the
// unpacker image.
func TestLoadScriptLetsNewEnginesLoadZstd(t *testing.T) {
	if _, err := exec.LookPath("unzip"); err != nil {
		t.Skip("unzip is not installed")
	}
	dir := t.TempDir()
	o := testOptions(dir, Zip, Zstd)
	o.Unpacker = func() (*UnpackerImage, error) {
		return &UnpackerImage{Ref: "stackgen-unpack:test", Archive: []byte("unpacker image")}, nil
	}
	if _, err := Create(context.Background(), &fakeSaver{tar: saveTar(t)}, o); err != nil {
		t.Fatal(err)
	}
	unpacked := t.TempDir()
	if out, err := exec.Command("unzip", "-q", o.Output, "-d", unpacked).CombinedOutput(); err != nil {
		t.Fatalf("unzip: %v\n%s", err, out)
	}
	bin := t.TempDir()
	must(t, os.WriteFile(filepath.Join(bin, "docker"), []byte(fakeDocker), 0o755))
	for _, c := range []struct{ version, unpack, want string }{
		{"26.1.5+dfsg1", "", "LOAD CALLED images/images.tar.zst"},
		{"29.0.1", "", "LOAD CALLED images/images.tar.zst"},
		{"20.10.24+dfsg1", "container", "LOAD CALLED images/unpacker.tar.gz"},
	} {
		cmd := exec.Command("bash", LoadScriptSh)
		cmd.Dir = filepath.Join(unpacked, "mysite")
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "FAKE_DIR="+t.TempDir(), "FAKE_VERSION="+c.version, "STACKGEN_UNPACK="+c.unpack)
		if c.unpack == "" {
			cmd.Env = append(cmd.Env, "STACKGEN_UNPACK=auto")
		}
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), c.want) {
			t.Errorf("engine %s: want %q:\n%s", c.version, c.want, out)
		}
	}
}

// BenchmarkFilterSave is the cost of reading the save entry by entry on
// its way to the compressor (go test ./bundle -run '^$' -bench FilterSave).
func BenchmarkFilterSave(b *testing.B) {
	layer := make([]byte, 64<<20)
	rand.New(rand.NewSource(1)).Read(layer)
	raw := savetar.Classic(savetar.Image{Tags: []string{"web:1"}, Layers: [][]byte{layer, layer[:1<<20]}})
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := filterSave(bytes.NewReader(raw), io.Discard, filterOptions{Platform: "linux/amd64"}); err != nil {
			b.Fatal(err)
		}
	}
}
