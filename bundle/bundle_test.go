package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zip"

	"github.com/stackgen/stackgen/internal/savetar"
	"github.com/stackgen/stackgen/internal/toolcheck"
)

// fakeSaver plays the engine: its "docker save" is a small tar.
type fakeSaver struct {
	tar   []byte
	refs  []string
	err   error
	block chan struct{}
}

func (f *fakeSaver) SaveImages(ctx context.Context, refs []string) (io.ReadCloser, error) {
	f.refs = refs
	if f.err != nil {
		return nil, f.err
	}
	r := io.Reader(bytes.NewReader(f.tar))
	if f.block != nil {
		r = io.MultiReader(r, &blockingReader{ctx: ctx, ch: f.block})
	}
	return io.NopCloser(r), nil
}

type blockingReader struct {
	ctx context.Context
	ch  chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	close(b.ch)
	<-b.ctx.Done()
	return 0, b.ctx.Err()
}

// fakeLoader plays `docker load`: it keeps what it was sent.
type fakeLoader struct {
	got   []byte
	calls int
}

func (f *fakeLoader) LoadImages(ctx context.Context, r io.Reader) ([]string, error) {
	f.calls++
	b, err := io.ReadAll(r)
	f.got = b
	return []string{"Loaded image: example"}, err
}

// saveTar makes a tar like the classic store's `docker save` of the two
// images testOptions names, big enough to span several compressor blocks
// and compressible like real layers.
func saveTar(t *testing.T) []byte {
	t.Helper()
	layer := bytes.Repeat([]byte("usr/lib/x86_64-linux-gnu/libc.so.6 some layer content\n"), 40000)
	return savetar.Classic(
		savetar.Image{Tags: []string{"mysite-web:latest"}, Layers: [][]byte{layer, []byte("app code")}},
		savetar.Image{Tags: []string{"nginx:1.26"}, Layers: [][]byte{layer}, Env: "nginx"},
	)
}

func testOptions(dir string, format Format, codec Codec) CreateOptions {
	return CreateOptions{
		Output: filepath.Join(dir, "mysite"+format.Ext()),
		Format: format,
		Codec:  codec,
		Manifest: Manifest{
			Stack:           "django-uwsgi",
			Project:         "mysite",
			StackgenVersion: "test",
			Created:         time.Date(2025, 2, 19, 12, 0, 0, 0, time.UTC),
			Platform:        "linux/amd64",
			Images: []Image{
				{Name: "mysite-web:latest", ID: "sha256:" + strings.Repeat("a", 64), Size: 100},
				{Name: "nginx:1.26", ID: "sha256:" + strings.Repeat("b", 64), Size: 200},
			},
			SecretKeys: []string{"DJANGO_SECRET_KEY", "DB_PASSWORD"},
			URL:        "http://localhost:8080/",
			Migrate:    &Migrate{Service: "web", Command: []string{"python", "manage.py", "migrate", "--noinput"}, What: "Django migrations"},
		},
		Files: []SourceFile{
			{Path: "compose.yaml", Mode: 0o644, Content: []byte("services:\n  web:\n    image: mysite-web:latest\n")},
			{Path: ".env.example", Mode: 0o644, Content: []byte("# secrets\nDJANGO_SECRET_KEY=change-me\nDB_PASSWORD=change-me\nDB_NAME=mysite\n")},
			{Path: "scripts/deploy.sh", Mode: 0o755, Content: []byte("#!/usr/bin/env bash\necho deploy\n")},
			{Path: "compose/nginx/nginx.conf", Mode: 0o644, Content: []byte("events {}\n")},
		},
	}
}

func makeBundle(t *testing.T, format Format, codec Codec) (string, []byte, *Manifest) {
	t.Helper()
	dir := t.TempDir()
	raw := saveTar(t)
	saver := &fakeSaver{tar: raw}
	o := testOptions(dir, format, codec)
	var read, written Counter
	o.Progress = &Progress{Read: &read, Written: &written}
	res, err := Create(context.Background(), saver, o)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	m := res.Manifest
	if st, err := os.Stat(o.Output); err != nil || st.Size() != res.Size {
		t.Errorf("Result.Size %d, file %v", res.Size, st)
	}
	if sum, _ := fileSum(o.Output); sum != res.SHA256 {
		t.Errorf("Result.SHA256 %s, file %s", res.SHA256, sum)
	}
	if read.Load() != int64(len(raw)) || written.Load() == 0 {
		t.Errorf("progress counted %d read (want %d), %d written", read.Load(), len(raw), written.Load())
	}
	if strings.Join(saver.refs, " ") != "mysite-web:latest nginx:1.26" {
		t.Errorf("saved %v in one save, want both images by the names compose uses", saver.refs)
	}
	return o.Output, raw, m
}

func fileSum(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), nil
}

func TestRoundTrip(t *testing.T) {
	for _, format := range []Format{Zip, TarGz} {
		for _, codec := range []Codec{Zstd, Gzip} {
			t.Run(string(format)+"/"+string(codec), func(t *testing.T) {
				path, raw, m := makeBundle(t, format, codec)
				if m.ImageTarSize != int64(len(raw)) {
					t.Errorf("ImageTarSize %d, want %d", m.ImageTarSize, len(raw))
				}
				st, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if st.Mode().Perm() != 0o644 {
					t.Errorf("bundle mode %v, want 0644", st.Mode().Perm())
				}
				if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*")); len(left) > 0 {
					t.Errorf("temporary files left: %v", left)
				}
				v, err := Verify(path, nil)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				defer v.Close()
				if v.Format != format || v.Manifest.Codec != codec || v.Manifest.Project != "mysite" {
					t.Errorf("verified %s/%s/%s", v.Format, v.Manifest.Codec, v.Manifest.Project)
				}
				loader := &fakeLoader{}
				if _, err := LoadImages(context.Background(), v, loader, nil); err != nil {
					t.Fatalf("LoadImages: %v", err)
				}
				if !bytes.Equal(loader.got, raw) {
					t.Errorf("the engine got %d bytes, not the %d-byte plain save stream", len(loader.got), len(raw))
				}
				set, err := ProjectSet(v)
				if err != nil {
					t.Fatal(err)
				}
				out := t.TempDir()
				var written []string
				for _, f := range set {
					p := filepath.Join(out, f.Path)
					os.MkdirAll(filepath.Dir(p), 0o755)
					must(t, os.WriteFile(p, f.Content, f.Mode))
					written = append(written, f.Path)
				}
				wantFiles := ".env.example " + ReadmeName + " compose.yaml compose/nginx/nginx.conf scripts/deploy.sh"
				if strings.Join(written, " ") != wantFiles {
					t.Errorf("wrote %v, want %s", written, wantFiles)
				}
				if st, _ := os.Stat(filepath.Join(out, "scripts/deploy.sh")); st == nil || st.Mode().Perm() != 0o755 {
					t.Errorf("scripts/deploy.sh lost its run bit")
				}
			})
		}
	}
}

func TestManifestRecordsEverything(t *testing.T) {
	path, _, m := makeBundle(t, Zip, Zstd)
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
		if len(f.SHA256) != 64 {
			t.Errorf("%s has no SHA-256", f.Path)
		}
	}
	want := []string{".env.example", ReadmeName, ChecksumsName, "compose.yaml", "compose/nginx/nginx.conf", "images/images.tar.zst", LoadScriptPs1, LoadScriptSh, "scripts/deploy.sh"}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("files %v\nwant %v", paths, want)
	}
	if m.TotalImageSize != 300 || m.TotalFileSize == 0 || m.Created.IsZero() || m.StackgenVersion != "test" {
		t.Errorf("totals/created/version missing: %+v", m)
	}
	if m.Images[0].ID == "" {
		t.Error("image IDs missing")
	}
	// The scripts and README were rendered with the totals already known.
	v, err := Verify(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	rc, err := v.Open(LoadScriptSh)
	if err != nil {
		t.Fatal(err)
	}
	sh, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Contains(sh, []byte("loading 2 images (300 B in the engine)")) {
		t.Error("the bash script misquotes the images' size")
	}
}

// corrupt returns a copy of the bundle at path with fn applied to its bytes.
func corrupt(t *testing.T, path string, fn func(b []byte) []byte) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(out, fn(append([]byte(nil), b...)), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// imageDataOffset finds the image archive's bytes inside a bundle file.
func imageDataOffset(t *testing.T, path string, format Format) (int64, int64) {
	t.Helper()
	if format == Zip {
		f, _ := os.Open(path)
		defer f.Close()
		st, _ := f.Stat()
		zr, err := zip.NewReader(f, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range zr.File {
			if strings.HasSuffix(e.Name, "/images/images.tar.zst") || strings.HasSuffix(e.Name, "/images/images.tar.gz") {
				off, err := e.DataOffset()
				if err != nil {
					t.Fatal(err)
				}
				return off, int64(e.CompressedSize64)
			}
		}
		t.Fatal("no image archive in the zip")
	}
	// tar.gz: the image archive is the first entry: its header alone in a
	// stored gzip member, then its data in stored deflate blocks (a
	// 10-byte gzip header and a 5-byte block header before the data).
	var hdr bytes.Buffer
	storedMember(&hdr, make([]byte, 512))
	return int64(hdr.Len()) + 15, 100
}

func TestVerifyRefusesDamage(t *testing.T) {
	for _, format := range []Format{Zip, TarGz} {
		t.Run(string(format), func(t *testing.T) {
			path, _, m := makeBundle(t, format, Zstd)
			st, _ := os.Stat(path)
			off, n := imageDataOffset(t, path, format)
			cases := []struct {
				name     string
				mutate   func([]byte) []byte
				wantFile string
			}{
				{"flipped byte in the image archive", func(b []byte) []byte { b[off+n/2] ^= 0x40; return b }, m.ImageArchive},
				{"truncated", func(b []byte) []byte { return b[:st.Size()*2/3] }, ""},
				{"truncated by one byte", func(b []byte) []byte { return b[:len(b)-1] }, ""},
				{"empty", func(b []byte) []byte { return nil }, ""},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					bad := corrupt(t, path, tc.mutate)
					_, err := Verify(bad, nil)
					if err == nil {
						t.Fatal("a damaged bundle was accepted")
					}
					t.Log(err)
					var be *BundleError
					if !errors.As(err, &be) {
						t.Fatalf("error %v is not a BundleError", err)
					}
					if !strings.Contains(err.Error(), bad) {
						t.Errorf("error does not name the bundle: %v", err)
					}
					if tc.wantFile != "" && be.File != tc.wantFile {
						t.Errorf("error names %q, want %q: %v", be.File, tc.wantFile, err)
					}
					if !strings.Contains(err.Error(), "nothing was loaded") {
						t.Errorf("error does not say nothing was loaded: %v", err)
					}
				})
			}
		})
	}
}

// rewriteZip copies a zip bundle, letting edit drop or change entries.
func rewriteZip(t *testing.T, path string, edit func(name string, b []byte) ([]byte, bool), extra map[string][]byte) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := filepath.Join(t.TempDir(), filepath.Base(path))
	f, _ := os.Create(out)
	zw := zip.NewWriter(f)
	for _, e := range zr.File {
		rc, _ := e.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		b, keep := edit(e.Name, b)
		if !keep {
			continue
		}
		w, _ := zw.Create(e.Name)
		w.Write(b)
	}
	for name, b := range extra {
		w, _ := zw.Create(name)
		w.Write(b)
	}
	zw.Close()
	f.Close()
	return out
}

func TestVerifyRefusesMissingExtraAndEditedFiles(t *testing.T) {
	path, _, _ := makeBundle(t, Zip, Gzip)
	cases := []struct {
		name     string
		edit     func(string, []byte) ([]byte, bool)
		extra    map[string][]byte
		wantFile string
		wantText string
	}{
		{"missing compose.yaml", func(n string, b []byte) ([]byte, bool) { return b, !strings.HasSuffix(n, "/compose.yaml") }, nil, "compose.yaml", "missing"},
		{"missing manifest", func(n string, b []byte) ([]byte, bool) { return b, !strings.HasSuffix(n, "/"+ManifestName) }, nil, ManifestName, "missing"},
		{"edited nginx.conf", func(n string, b []byte) ([]byte, bool) {
			if strings.HasSuffix(n, "nginx.conf") {
				return []byte("events { } # changed\n"), true
			}
			return b, true
		}, nil, "compose/nginx/nginx.conf", "declares 21 bytes, the manifest says 10"},
		{"same size, other content", func(n string, b []byte) ([]byte, bool) {
			if strings.HasSuffix(n, "nginx.conf") {
				return []byte("EVENTS {}\n"), true
			}
			return b, true
		}, nil, "compose/nginx/nginx.conf", "SHA-256 mismatch"},
		{"a file slipped in", func(n string, b []byte) ([]byte, bool) { return b, true }, map[string][]byte{"mysite/.env": []byte("X=1\n")}, ".env", "not listed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bad := rewriteZip(t, path, tc.edit, tc.extra)
			_, err := Verify(bad, nil)
			var be *BundleError
			if !errors.As(err, &be) {
				t.Fatalf("got %v, want a BundleError", err)
			}
			if be.File != tc.wantFile || !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("got %v; want file %q and %q", err, tc.wantFile, tc.wantText)
			}
		})
	}
}

func TestCompareIsPure(t *testing.T) {
	m := &Manifest{Files: []File{{Path: "a", Size: 1, SHA256: strings.Repeat("0", 64)}}}
	if err := compare(m, map[string]observed{"a": {size: 1, sum: strings.Repeat("0", 64)}}); err != nil {
		t.Errorf("matching files refused: %v", err)
	}
	if err := compare(m, map[string]observed{}); err == nil || err.File != "a" {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseManifestRefusesUnsafePaths(t *testing.T) {
	for _, p := range []string{"../etc/passwd", "/etc/passwd", "a/../../b", `a\b`, "C:/x", "./a", ""} {
		m := Manifest{FormatVersion: FormatVersion, Project: "p", Files: []File{{Path: p, SHA256: strings.Repeat("0", 64)}}}
		b, _ := m.Marshal()
		if _, err := ParseManifest(b); err == nil {
			t.Errorf("path %q accepted", p)
		}
	}
	m := Manifest{FormatVersion: FormatVersion, Project: "p", Files: []File{{Path: ".env", SHA256: strings.Repeat("0", 64)}}}
	b, _ := m.Marshal()
	if _, err := ParseManifest(b); err == nil {
		t.Error(".env accepted from a manifest that does not declare it")
	}
}

func TestCreateRefusesEnvWithoutIncludeEnv(t *testing.T) {
	o := testOptions(t.TempDir(), Zip, Zstd)
	o.Files = append(o.Files, SourceFile{Path: ".env", Mode: 0o600, Content: []byte("DB_PASSWORD=x\n")})
	if _, err := Create(context.Background(), &fakeSaver{tar: saveTar(t)}, o); err == nil {
		t.Fatal(".env packed without IncludesEnv")
	}
	o.Manifest.IncludesEnv = true
	o.Private = true
	if _, err := Create(context.Background(), &fakeSaver{tar: saveTar(t)}, o); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(o.Output)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("a bundle with .env is %v, want 0600", st.Mode().Perm())
	}
}

func TestCreateLeavesNothingOnFailure(t *testing.T) {
	t.Run("engine error", func(t *testing.T) {
		o := testOptions(t.TempDir(), Zip, Zstd)
		_, err := Create(context.Background(), &fakeSaver{err: errors.New("no such image: nginx:1.26")}, o)
		if err == nil {
			t.Fatal("no error")
		}
		assertEmptyDir(t, filepath.Dir(o.Output))
	})
	for _, format := range []Format{Zip, TarGz} {
		t.Run("interrupted "+string(format), func(t *testing.T) {
			o := testOptions(t.TempDir(), format, Zstd)
			ctx, cancel := context.WithCancel(context.Background())
			saver := &fakeSaver{tar: saveTar(t), block: make(chan struct{})}
			go func() { <-saver.block; cancel() }()
			_, err := Create(ctx, saver, o)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
			assertEmptyDir(t, filepath.Dir(o.Output))
		})
	}
	t.Run("existing output", func(t *testing.T) {
		o := testOptions(t.TempDir(), Zip, Zstd)
		os.WriteFile(o.Output, []byte("keep me"), 0o644)
		if _, err := Create(context.Background(), &fakeSaver{tar: saveTar(t)}, o); err == nil {
			t.Fatal("overwrote an existing file")
		}
		if b, _ := os.ReadFile(o.Output); string(b) != "keep me" {
			t.Error("existing file changed")
		}
	})
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		t.Errorf("left behind: %s", e.Name())
	}
}

func TestEnvFromExample(t *testing.T) {
	example := "# comment\r\nDJANGO_SECRET_KEY=change-me\r\nDB_NAME=mysite\r\n# DB_PASSWORD=commented\r\nDB_PASSWORD=\r\n"
	got := string(EnvFromExample([]byte(example), map[string]string{"DJANGO_SECRET_KEY": "s1", "DB_PASSWORD": "s2", "REDIS_PASSWORD": "s3"}))
	want := "# comment\nDJANGO_SECRET_KEY=s1\nDB_NAME=mysite\n# DB_PASSWORD=commented\nDB_PASSWORD=s2\nREDIS_PASSWORD=s3\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestUnpack(t *testing.T) {
	raw := saveTar(t)
	for _, codec := range []Codec{Zstd, Gzip} {
		var comp bytes.Buffer
		enc, err := NewEncoder(codec, &comp, CodecOptions{})
		if err != nil {
			t.Fatal(err)
		}
		enc.Write(raw)
		enc.Close()
		var out bytes.Buffer
		if _, err := Unpack(&out, &comp); err != nil {
			t.Fatalf("%s: %v", codec, err)
		}
		if !bytes.Equal(out.Bytes(), raw) {
			t.Errorf("%s: round trip changed the data", codec)
		}
	}
	if _, err := Unpack(io.Discard, strings.NewReader("plain text")); err == nil {
		t.Error("Unpack accepted an uncompressed stream")
	}
}

func TestUnpackerImage(t *testing.T) {
	bin := []byte("\x7fELF not really a binary")
	img, err := BuildUnpackerImage(bin, "amd64", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(img.Ref, UnpackerRepo+":") {
		t.Errorf("ref %s", img.Ref)
	}
	var plain bytes.Buffer
	if _, err := Unpack(&plain, bytes.NewReader(img.Archive)); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&plain)
	names := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		names[h.Name] = b
	}
	if !strings.Contains(string(names["manifest.json"]), img.Ref) {
		t.Errorf("manifest.json does not tag %s: %s", img.Ref, names["manifest.json"])
	}
	found := false
	for n, b := range names {
		if strings.HasSuffix(n, "/layer.tar") {
			found = bytes.Contains(b, bin)
		}
	}
	if !found {
		t.Error("the layer does not hold the binary")
	}
	// The same inputs give the same image: bundles are reproducible.
	again, _ := BuildUnpackerImage(bin, "amd64", time.Unix(0, 0))
	if again.Ref != img.Ref {
		t.Error("the unpacker image is not reproducible")
	}
}

func TestFindUnpackerBinaryRefusesDynamicAndForeign(t *testing.T) {
	if _, _, err := FindUnpackerBinary("/bin/sh", "amd64"); err == nil || !errors.Is(err, ErrNoUnpacker) {
		t.Errorf("/bin/sh (dynamic) accepted: %v", err)
	}
	tmp := filepath.Join(t.TempDir(), "x")
	os.WriteFile(tmp, []byte("#!/bin/sh\n"), 0o755)
	if _, _, err := FindUnpackerBinary(tmp, "amd64"); err == nil {
		t.Error("a script accepted as the unpacker")
	}
}

// The bundle opens with the tools a person on the offline host has, and
// SHA256SUMS checks out with sha256sum.
func TestSystemToolsReadTheBundle(t *testing.T) {
	for _, format := range []Format{Zip, TarGz} {
		t.Run(string(format), func(t *testing.T) {
			path, _, m := makeBundle(t, format, Zstd)
			dir := t.TempDir()
			var cmd *exec.Cmd
			if format == Zip {
				if _, err := exec.LookPath("unzip"); err != nil {
					t.Skip("unzip is not installed")
				}
				cmd = exec.Command("unzip", "-q", path, "-d", dir)
			} else {
				cmd = exec.Command("tar", "-xzf", path, "-C", dir)
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
			}
			root := filepath.Join(dir, m.Project)
			if _, err := exec.LookPath("sha256sum"); err == nil {
				c := exec.Command("sha256sum", "--check", "--strict", "--quiet", ChecksumsName)
				c.Dir = root
				if out, err := c.CombinedOutput(); err != nil {
					t.Errorf("sha256sum -c: %v\n%s", err, out)
				}
			}
			if st, err := os.Stat(filepath.Join(root, LoadScriptSh)); err != nil || st.Mode().Perm()&0o100 == 0 {
				t.Errorf("%s is not executable after extraction", LoadScriptSh)
			}
			if _, err := exec.LookPath("zstd"); err == nil {
				c := exec.Command("zstd", "-t", "-q", filepath.Join(root, m.ImageArchive))
				if out, err := c.CombinedOutput(); err != nil {
					t.Errorf("zstd -t: %v\n%s", err, out)
				}
			}
		})
	}
}

func TestScriptsPassShellChecks(t *testing.T) {
	for _, c := range []struct {
		withUnpacker, update bool
		lang                 string
	}{{true, false, ""}, {false, false, ""}, {true, true, ""}, {true, true, "zh"}, {false, false, "zh"}} {
		m := testOptions("", Zip, Zstd).Manifest
		m.Lang = c.lang
		m.ImageArchive = Zstd.ImageArchiveName()
		m.Codec = Zstd
		if c.withUnpacker {
			m.Unpacker = &Unpacker{Path: UnpackerArchive, Image: "stackgen-unpack:0123456789ab"}
		}
		if c.update {
			m.Images[1].ConfigDigest = "sha256:" + strings.Repeat("c", 64)
			m.Images[1].Layers = []string{"sha256:" + strings.Repeat("d", 64)}
			m.Update = &Update{SinceProject: "mysite", SinceCreated: m.Created, Requires: []RequiredLayer{{Image: "nginx:1.26", DiffID: m.Images[1].Layers[0], ChainID: m.Images[1].Layers[0]}}}
		}
		sh, err := LoadScriptBash(&m)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := LoadScriptPowerShell(&m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(ps, []byte("cmd /c")) || bytes.Contains(ps, []byte("| docker load\n")) {
			t.Error("the PowerShell script must pipe binary data through cmd.exe only")
		}
		if !bytes.Contains(ps, []byte("$secretKeys = @('DJANGO_SECRET_KEY', 'DB_PASSWORD')")) {
			t.Error("the PowerShell script's array of secret keys lacks its commas")
		}
		wantCheck := "check_image nginx:1.26 sha256:bbbb"
		if c.update {
			wantCheck = "check_image nginx:1.26 sha256:cccc"
			if !bytes.Contains(sh, []byte("nginx:1.26 sha256:dddd")) || !bytes.Contains(ps, []byte("Layers = 'sha256:dddd")) || !bytes.Contains(ps, []byte("@{ Image = 'nginx:1.26'; Chain = 'sha256:dddd")) {
				t.Error("the scripts do not check the update bundle's required layers and the images' layers")
			}
		}
		// zh: the messages are Chinese; bash stays plain UTF-8 and the
		// .ps1 gets the BOM Windows PowerShell 5.1 needs to read them
		if zh := bytes.Contains(sh, []byte("正在校验离线部署包")) && bytes.Contains(ps, []byte("正在校验离线部署包")); zh != (c.lang == "zh") {
			t.Errorf("lang %q: Chinese messages = %v", c.lang, zh)
		}
		if bom := bytes.HasPrefix(ps, []byte("\xEF\xBB\xBF")); bom != (c.lang == "zh") || bytes.HasPrefix(sh, []byte("\xEF\xBB\xBF")) {
			t.Errorf("lang %q: .ps1 BOM = %v (bash must have none)", c.lang, bom)
		}
		if !bytes.Contains(sh, []byte(wantCheck)) {
			t.Errorf("the bash script does not check the loaded images (%s)", wantCheck)
		}
		if !bytes.Contains(sh, []byte("((engine_major >= 23))")) || !bytes.Contains(ps, []byte("$engineMajor -ge 23")) {
			t.Error("the scripts do not let engines from 23.0 load zstd themselves")
		}
		f := filepath.Join(t.TempDir(), "load.sh")
		os.WriteFile(f, sh, 0o755)
		if out, err := exec.Command("bash", "-n", f).CombinedOutput(); err != nil {
			t.Errorf("bash -n: %v\n%s", err, out)
		}
		if _, err := exec.LookPath("shellcheck"); err != nil {
			t.Log("shellcheck is not installed: skipped")
		} else if out, err := exec.Command("shellcheck", f).CombinedOutput(); err != nil {
			t.Errorf("shellcheck: %v\n%s", err, out)
		}
		for _, msg := range toolcheck.StructuralPowerShell(ps) {
			t.Errorf("%s: %s", LoadScriptPs1, msg)
		}
		if pwsh, err := exec.LookPath("pwsh"); err == nil {
			p := filepath.Join(t.TempDir(), "load.ps1")
			os.WriteFile(p, ps, 0o644)
			parse := `$e=$null; [System.Management.Automation.Language.Parser]::ParseFile('` + p + `',[ref]$null,[ref]$e) | Out-Null; if ($e) { $e; exit 1 }`
			if out, err := exec.Command(pwsh, "-NoProfile", "-Command", parse).CombinedOutput(); err != nil {
				t.Errorf("PowerShell parser: %v\n%s", err, out)
			}
		}
	}
}

// A static Go program still runs, the same, once its debug sections are
// blanked for the unpacker image, and compresses far smaller.
func TestBlankDebugSectionsKeepsTheProgramWorking(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	dir := t.TempDir()
	src := "package main\n\nimport (\n\t\"fmt\"\n\t\"runtime\"\n)\n\nfunc main() {\n\tpc, _, _, _ := runtime.Caller(0)\n\tfmt.Println(\"hello\", runtime.FuncForPC(pc).Name())\n}\n"
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.21\n"), 0o644)
	bin := filepath.Join(dir, "hello")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	blanked, err := blankDebugSections(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(blanked) != len(b) || bytes.Equal(blanked, b) {
		t.Fatal("nothing was blanked, or the size changed")
	}
	bin2 := filepath.Join(dir, "hello2")
	os.WriteFile(bin2, blanked, 0o755)
	want, _ := exec.Command(bin).Output()
	got, err := exec.Command(bin2).Output()
	if err != nil || string(got) != string(want) || !strings.HasPrefix(string(got), "hello main.main") {
		t.Errorf("blanked program said %q (%v), the original %q", got, err, want)
	}
	gz := func(b []byte) int {
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		w.Write(b)
		w.Close()
		return buf.Len()
	}
	if a, z := gz(b), gz(blanked); z > a*8/10 {
		t.Errorf("blanking saved little: %d -> %d bytes gzip'd", a, z)
	}
}

type failAfter struct {
	r   io.Reader
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestReadAhead(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 100_003)
	for _, viaWriteTo := range []bool{true, false} {
		ra := readAhead(bytes.NewReader(data), 4096, 3)
		var got bytes.Buffer
		var err error
		if viaWriteTo {
			_, err = io.Copy(&got, ra)
		} else {
			_, err = io.Copy(&got, struct{ io.Reader }{ra})
		}
		ra.Close()
		if err != nil || !bytes.Equal(got.Bytes(), data) {
			t.Errorf("writeTo=%v: %v, %d of %d bytes", viaWriteTo, err, got.Len(), len(data))
		}
	}
	boom := errors.New("engine went away")
	ra := readAhead(&failAfter{r: bytes.NewReader(data[:10000]), err: boom}, 4096, 3)
	if _, err := io.Copy(io.Discard, ra); !errors.Is(err, boom) {
		t.Errorf("error %v, want the source's", err)
	}
	ra.Close()
	// Closing early stops the goroutine even with chunks unread.
	ra = readAhead(bytes.NewReader(data), 1024, 2)
	ra.Read(make([]byte, 10))
	ra.Close()
}

func TestCreateWithUnpacker(t *testing.T) {
	o := testOptions(t.TempDir(), Zip, Zstd)
	img, err := BuildUnpackerImage([]byte("\x7fELF pretend"), "amd64", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	o.Unpacker = func() (*UnpackerImage, error) { return img, nil }
	res, err := Create(context.Background(), &fakeSaver{tar: saveTar(t)}, o)
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	if m.Unpacker == nil || m.Unpacker.Image != img.Ref || m.Unpacker.Path != UnpackerArchive {
		t.Fatalf("manifest unpacker %+v", m.Unpacker)
	}
	if f, ok := m.File(UnpackerArchive); !ok || f.Size != int64(len(img.Archive)) {
		t.Errorf("unpacker file %+v", f)
	}
	sh, _ := LoadScriptBash(m)
	if !bytes.Contains(sh, []byte("docker run --rm --interactive --log-driver none --network none "+img.Ref)) {
		t.Error("the bash script does not run the unpacker image")
	}

	o = testOptions(t.TempDir(), Zip, Zstd)
	o.Unpacker = func() (*UnpackerImage, error) { return nil, errors.New("no memory") }
	if _, err := Create(context.Background(), &fakeSaver{tar: saveTar(t)}, o); err == nil {
		t.Fatal("an unpacker failure was ignored")
	}
	assertEmptyDir(t, filepath.Dir(o.Output))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A zip whose image archive inflates far past what the manifest records is
// refused from its central directory, before a byte is inflated.
func TestVerifyRefusesAZipBombBeforeInflating(t *testing.T) {
	path, _, m := makeBundle(t, Zip, Gzip)
	bomb := make([]byte, 64<<20) // 64 MiB of zeros: about 64 KiB deflated
	bad := rewriteZip(t, path, func(n string, b []byte) ([]byte, bool) {
		if strings.HasSuffix(n, "/"+m.ImageArchive) {
			return bomb, true
		}
		return b, true
	}, nil)
	var read Counter
	_, err := Verify(bad, &read)
	var be *BundleError
	if !errors.As(err, &be) || be.File != m.ImageArchive || !strings.Contains(err.Error(), "refused before unpacking") {
		t.Fatalf("Verify = %v, want the image archive refused before unpacking", err)
	}
	if read.Load() != 0 {
		t.Errorf("%d bytes were inflated and hashed before the refusal", read.Load())
	}
}

func TestParseManifestRefusesPathConflicts(t *testing.T) {
	for _, paths := range [][]string{
		{"compose.yaml", "compose.yaml/x"},
		{"conf/nginx", "conf/nginx/sub/site.conf"},
		{"compose.yaml", "Compose.yaml"},
	} {
		m := Manifest{FormatVersion: FormatVersion, Project: "p"}
		for _, p := range paths {
			m.Files = append(m.Files, File{Path: p, SHA256: strings.Repeat("0", 64)})
		}
		b, _ := m.Marshal()
		if _, err := ParseManifest(b); err == nil || !strings.Contains(err.Error(), paths[0]) {
			t.Errorf("%v: err = %v, want a refusal naming %s", paths, err, paths[0])
		}
	}
}

// After Verify, the path may name another file (a copy finished late, or
// an attacker's swap): what is loaded and written is the file verified.
func TestLoadReadsTheVerifiedFileNotThePath(t *testing.T) {
	for _, format := range []Format{Zip, TarGz} {
		t.Run(string(format), func(t *testing.T) {
			path, raw, _ := makeBundle(t, format, Gzip)
			v, err := Verify(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			// Another valid bundle, with other images and files, is moved
			// over the verified one's path.
			o := testOptions(t.TempDir(), format, Gzip)
			o.Files[0].Content = []byte("services:\n  evil:\n    image: evil:1\n    privileged: true\n")
			evil := bytes.Repeat([]byte("EVIL"), 1<<16)
			other := savetar.Classic(
				savetar.Image{Tags: []string{"mysite-web:latest"}, Layers: [][]byte{evil}},
				savetar.Image{Tags: []string{"nginx:1.26"}, Layers: [][]byte{evil}, Env: "x"},
			)
			if _, err := Create(context.Background(), &fakeSaver{tar: other}, o); err != nil {
				t.Fatal(err)
			}
			must(t, os.Rename(o.Output, path))
			loader := &fakeLoader{}
			if _, err := LoadImages(context.Background(), v, loader, nil); err != nil {
				t.Fatalf("LoadImages: %v", err)
			}
			if !bytes.Equal(loader.got, raw) {
				t.Errorf("the engine got %d bytes of the file now at the path, not the verified bundle", len(loader.got))
			}
			set, err := ProjectSet(v)
			if err != nil {
				t.Fatal(err)
			}
			if f, _ := set.Get("compose.yaml"); strings.Contains(string(f.Content), "evil") {
				t.Error("the project files came from the file now at the path")
			}
		})
	}
}
