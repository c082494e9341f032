package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/internal/savetar"
)

type tarFile struct {
	name, body string
	link       string
}

func tarOf(t *testing.T, files []tarFile) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg}
		if f.link != "" {
			h = &tar.Header{Name: f.name, Typeflag: tar.TypeSymlink, Linkname: f.link}
		}
		must(t, tw.WriteHeader(h))
		tw.Write([]byte(f.body))
	}
	must(t, tw.Close())
	return b.Bytes()
}

const dpkgStatus = `Package: libc6
Status: install ok installed
Architecture: amd64
Version: 2.36-9+deb12u4
Description: GNU C Library
 continuation line: Package: not-a-package

Package: removed-pkg
Status: deinstall ok config-files
Version: 1.0

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1
`

func metadata(name, version string) string {
	return "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n\nName: ignored-in-the-description\n"
}

// Two layers: the base with the dpkg database and three Python
// distributions; the app layer removes one (a whiteout), replaces a
// directory (an opaque whiteout) and adds Django.
func layers(t *testing.T) (base, app []byte) {
	base = tarOf(t, []tarFile{
		{name: "etc/os-release", body: "PRETTY_NAME=\"Debian GNU/Linux 12\"\nID=debian\n"},
		{name: "var/lib/dpkg/status", body: dpkgStatus},
		{name: "usr/local/lib/python3.12/site-packages/pip-24.0.dist-info/METADATA", body: metadata("pip", "24.0")},
		{name: "usr/local/lib/python3.12/site-packages/requests-2.31.0.dist-info/METADATA", body: metadata("requests", "2.31.0")},
		{name: "opt/venv/lib/python3.12/site-packages/old-1.0.dist-info/METADATA", body: metadata("old", "1.0")},
		{name: "usr/lib/python3/dist-packages/six-1.16.0.egg-info", body: metadata("six", "1.16.0")},
		{name: "usr/bin/python3", body: "ELF"},
	})
	app = tarOf(t, []tarFile{
		{name: "usr/local/lib/python3.12/site-packages/.wh.requests-2.31.0.dist-info", body: ""},
		{name: "opt/venv/.wh..wh..opq", body: ""},
		{name: "opt/venv/lib/python3.12/site-packages/Django-5.0.4.dist-info/METADATA", body: metadata("Django", "5.0.4")},
		{name: "opt/venv/lib/python3.12/site-packages/Django-5.0.4.dist-info/RECORD", body: "x"},
	})
	return base, app
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func TestSBOMReadsPackagesThroughTheLayers(t *testing.T) {
	base, app := layers(t)
	legacy := tarOf(t, []tarFile{
		{name: "1111/layer.tar", body: string(base)},
		{name: "2222/layer.tar", body: string(app)},
		// A layer shared under another ID: a link, as Engine 20.10 writes it.
		{name: "3333/layer.tar", link: "../1111/layer.tar"},
		{name: "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.json", body: `{"architecture":"amd64"}`},
		{name: "manifest.json", body: `[{"Config":"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.json","RepoTags":["mysite-web:latest"],"Layers":["1111/layer.tar","2222/layer.tar"]},
			{"Config":"cfg2.json","RepoTags":["base:1"],"Layers":["3333/layer.tar"]}]`},
	})
	oci := tarOf(t, []tarFile{
		{name: "blobs/sha256/cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", body: `{"architecture":"amd64"}`},
		{name: "blobs/sha256/aaaa", body: string(gz(base))},
		{name: "blobs/sha256/bbbb", body: string(app)},
		{name: "blobs/sha256/index", body: `{"schemaVersion":2}`},
		{name: "index.json", body: `{"schemaVersion":2}`},
		{name: "manifest.json", body: `[{"Config":"blobs/sha256/cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc","RepoTags":["mysite-web:latest"],"Layers":["blobs/sha256/aaaa","blobs/sha256/bbbb"]},
			{"Config":"blobs/sha256/cfg","RepoTags":["base:1"],"Layers":["blobs/sha256/aaaa"]}]`},
	})
	want := map[string]string{
		"mysite-web:latest": "apk: | deb:libc6@2.36-9+deb12u4,tzdata@2024a-0+deb12u1 | pypi:Django@5.0.4,pip@24.0,six@1.16.0",
		"base:1":            "apk: | deb:libc6@2.36-9+deb12u4,tzdata@2024a-0+deb12u1 | pypi:old@1.0,pip@24.0,requests@2.31.0,six@1.16.0",
	}
	for name, stream := range map[string][]byte{"legacy": legacy, "oci": oci} {
		t.Run(name, func(t *testing.T) {
			s, err := scanSave(bytes.NewReader(stream))
			if err != nil {
				t.Fatal(err)
			}
			images, err := s.Images()
			if err != nil {
				t.Fatal(err)
			}
			if len(images) != 2 {
				t.Fatalf("%d images", len(images))
			}
			if want := "sha256:" + strings.Repeat("c", 64); images[0].ConfigDigest != want {
				t.Errorf("config digest %q, want %q", images[0].ConfigDigest, want)
			}
			for _, im := range images {
				by := map[string][]string{"apk": nil, "deb": nil, "pypi": nil}
				for _, p := range im.Packages {
					by[p.Type] = append(by[p.Type], p.Name+"@"+p.Version)
				}
				got := "apk:" + strings.Join(by["apk"], ",") + " | deb:" + strings.Join(by["deb"], ",") + " | pypi:" + strings.Join(by["pypi"], ",")
				if got != want[im.Name] {
					t.Errorf("%s:\n got %s\nwant %s", im.Name, got, want[im.Name])
				}
			}
		})
	}
}

func TestSBOMApk(t *testing.T) {
	db := "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\n\nC:Q1def=\nP:busybox\nV:1.36.1-r29\nA:x86_64\n"
	pk := packagesOf(map[string][]byte{"lib/apk/db/installed": []byte(db), "etc/os-release": []byte("ID=alpine\n")})
	if len(pk) != 2 || pk[0].PURL() != "pkg:apk/alpine/busybox@1.36.1-r29?arch=x86_64" || pk[1].Name != "musl" {
		t.Errorf("got %+v", pk)
	}
}

func TestBundleCarriesACycloneDXSBOM(t *testing.T) {
	base, app := layers(t)
	web := savetar.Image{Tags: []string{"mysite-web:latest"}, Layers: [][]byte{base, app}}
	raw := savetar.Classic(web, savetar.Image{Tags: []string{"nginx:1.26"}, Layers: [][]byte{base}, Env: "nginx"})
	o := testOptions(t.TempDir(), Zip, Zstd)
	res, err := Create(context.Background(), &fakeSaver{tar: raw}, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.SBOMError != "" || res.Manifest.SBOM != SBOMPath {
		t.Fatalf("no SBOM: %q", res.SBOMError)
	}
	v, err := Verify(o.Output, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	rc, err := v.Open(SBOMPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		BOMFormat, SpecVersion, SerialNumber string
		Components                           []struct {
			Type, Name, Version string
			Components          []struct{ Name, Version, Purl string }
		}
	}
	if err := json.NewDecoder(rc).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if doc.BOMFormat != "CycloneDX" || doc.SpecVersion != "1.5" || !strings.HasPrefix(doc.SerialNumber, "urn:uuid:") || len(doc.Components) != 2 {
		t.Fatalf("document %+v", doc)
	}
	img := doc.Components[0]
	if img.Name != "mysite-web:latest" {
		img = doc.Components[1]
	}
	// named by its config digest, which both image stores agree on
	if img.Type != "container" || img.Name != "mysite-web:latest" || img.Version != savetar.Digest(web.Config()) {
		t.Errorf("image component %+v", img)
	}
	var purls []string
	for _, c := range img.Components {
		purls = append(purls, c.Purl)
	}
	got := strings.Join(purls, " ")
	for _, w := range []string{"pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64", "pkg:pypi/django@5.0.4"} {
		if !strings.Contains(got, w) {
			t.Errorf("purls %s lack %s", got, w)
		}
	}
	readme, _ := v.Open(ReadmeName)
	var rb bytes.Buffer
	rb.ReadFrom(readme)
	readme.Close()
	if !strings.Contains(rb.String(), SBOMPath) {
		t.Errorf("OFFLINE-README does not list the SBOM")
	}
	if filepath.Base(SBOMPath) != "sbom.cdx.json" {
		t.Error(SBOMPath)
	}
}

// BenchmarkSBOMScan measures the scanner the save stream passes through
// beside the compressor: a 64 MiB layer of ordinary files.
func BenchmarkSBOMScan(b *testing.B) {
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	for i := 0; i < 1024; i++ {
		tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("usr/lib/f%d.so", i), Mode: 0o644, Size: int64(len(chunk))})
		tw.Write(chunk)
	}
	tw.Close()
	var save bytes.Buffer
	sw := tar.NewWriter(&save)
	sw.WriteHeader(&tar.Header{Name: "1111/layer.tar", Mode: 0o644, Size: int64(layer.Len())})
	sw.Write(layer.Bytes())
	m := []byte(`[{"Config":"c.json","RepoTags":["x:1"],"Layers":["1111/layer.tar"]}]`)
	sw.WriteHeader(&tar.Header{Name: "manifest.json", Mode: 0o644, Size: int64(len(m))})
	sw.Write(m)
	sw.Close()
	b.SetBytes(int64(save.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tap := startSBOMTap()
		r := bytes.NewReader(save.Bytes())
		buf := make([]byte, 1<<20)
		for {
			n, err := r.Read(buf)
			tap.Write(buf[:n])
			if err != nil {
				break
			}
		}
		if _, err := tap.finish(); err != nil {
			b.Fatal(err)
		}
	}
}
