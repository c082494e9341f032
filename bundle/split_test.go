package bundle

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stackgen/stackgen/internal/savetar"
)

func TestParseSize(t *testing.T) {
	ok := []struct {
		in   string
		want int64
	}{
		{"4G", 4<<30 - 1}, // FAT32's limit: 4 GiB less a byte
		{"4GiB", 4<<30 - 1},
		{"2G", 2 << 30},
		{"700M", 700 << 20},
		{"700m", 700 << 20},
		{"700MB", 700 << 20},
		{"1024K", 1 << 20},
		{"1T", 1 << 40},
	}
	for _, c := range ok {
		got, err := ParseSize(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "4", "4.5G", "-1G", "0M", "10K", "4X", "G", "4 G", "99999999999999T", "4Gb!"} {
		if n, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, n)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseSize(%q): error on several lines: %q", in, err)
		}
	}
}

// randomSaveTar is a save stream that does not compress, so the bundle
// spans several 1 MiB parts.
func randomSaveTar(t *testing.T, n int) []byte {
	t.Helper()
	layer := make([]byte, n)
	rand.Read(layer)
	return savetar.Classic(
		savetar.Image{Tags: []string{"mysite-web:latest"}, Layers: [][]byte{layer}},
		savetar.Image{Tags: []string{"nginx:1.26"}, Layers: [][]byte{[]byte("nginx")}, Env: "nginx"},
	)
}

// makeSplitBundle writes a bundle of about 3.5 MiB in 1 MiB parts.
func makeSplitBundle(t *testing.T, format Format) (first string, raw []byte, res *Result) {
	t.Helper()
	dir := t.TempDir()
	raw = randomSaveTar(t, 3<<20+512<<10)
	o := testOptions(dir, format, Zstd)
	o.Split = 1 << 20
	res, err := Create(context.Background(), &fakeSaver{tar: raw}, o)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return filepath.Join(dir, PartName(filepath.Base(o.Output), 1)), raw, res
}

func TestSplitRoundTrip(t *testing.T) {
	for _, format := range []Format{Zip, TarGz} {
		t.Run(string(format), func(t *testing.T) {
			first, raw, res := makeSplitBundle(t, format)
			dir := filepath.Dir(first)
			if got := VerifySize(first); got != 2*res.Size {
				t.Errorf("VerifySize %d, want %d (the parts, then the archive)", got, 2*res.Size)
			}
			archive := "mysite" + format.Ext()
			if _, err := os.Stat(filepath.Join(dir, archive)); err == nil {
				t.Errorf("%s was written whole besides its parts", archive)
			}
			if res.Parts == nil || len(res.Parts.Parts) != 4 {
				t.Fatalf("parts %+v, want 4 parts of 1 MiB", res.Parts)
			}
			var joined []byte
			for i, p := range res.Parts.Parts {
				b, err := os.ReadFile(filepath.Join(dir, p.Name))
				if err != nil {
					t.Fatal(err)
				}
				if st, _ := os.Stat(filepath.Join(dir, p.Name)); st == nil || st.Mode().Perm() != 0o644 {
					t.Errorf("part %d: mode %v, want 0644 like a whole bundle", i+1, st.Mode().Perm())
				}
				if p.Name != PartName(archive, i+1) || int64(len(b)) != p.Size || len(b) > 1<<20 {
					t.Errorf("part %d: %s, %d bytes (list says %d)", i+1, p.Name, len(b), p.Size)
				}
				joined = append(joined, b...)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
			// The joined parts are the archive Create reports, and the
			// tools of a host without stackgen check and join them.
			whole := filepath.Join(t.TempDir(), archive)
			must(t, os.WriteFile(whole, joined, 0o644))
			if sum, _ := fileSum(whole); sum != res.SHA256 || int64(len(joined)) != res.Size {
				t.Errorf("joined parts: %d bytes, SHA-256 %s; Create said %d, %s", len(joined), sum, res.Size, res.SHA256)
			}
			if sha, err := exec.LookPath("sha256sum"); err == nil {
				cmd := exec.Command(sha, "-c", PartsChecksumsName(archive))
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("sha256sum -c %s: %v\n%s", PartsChecksumsName(archive), err, out)
				}
			}
			if v, err := Verify(whole, nil); err != nil {
				t.Errorf("the joined archive: %v", err)
			} else {
				v.Close()
			}

			v, err := Verify(first, nil)
			if err != nil {
				t.Fatalf("Verify(first part): %v", err)
			}
			defer v.Close()
			loader := &fakeLoader{}
			if _, err := LoadImages(context.Background(), v, loader, nil); err != nil {
				t.Fatalf("LoadImages: %v", err)
			}
			if !bytes.Equal(loader.got, raw) {
				t.Errorf("the engine got %d bytes, not the %d-byte save stream", len(loader.got), len(raw))
			}
			if _, err := ProjectSet(v); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSplitRefusesMissingCorruptAndStrayParts(t *testing.T) {
	cases := []struct {
		name    string
		breakIt func(t *testing.T, dir string) string // returns the path given to Verify
		want    []string
	}{
		{"missing part", func(t *testing.T, dir string) string {
			must(t, os.Remove(filepath.Join(dir, "mysite.zip.part003")))
			return filepath.Join(dir, "mysite.zip.part001")
		}, []string{"mysite.zip.part003: is missing (part 3 of 4)", "nothing was loaded"}},
		{"corrupt part", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "mysite.zip.part002")
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 0xff
			must(t, os.WriteFile(p, b, 0o644))
			return filepath.Join(dir, "mysite.zip.part001")
		}, []string{"mysite.zip.part002: SHA-256 mismatch", "part 2 of 4", "copy it again"}},
		{"truncated part", func(t *testing.T, dir string) string {
			must(t, os.Truncate(filepath.Join(dir, "mysite.zip.part004"), 100))
			return filepath.Join(dir, "mysite.zip.part001")
		}, []string{"mysite.zip.part004: has 100 bytes", "truncated"}},
		{"not the first part", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "mysite.zip.part002")
		}, []string{"pass the first part, mysite.zip.part001"}},
		{"no parts list", func(t *testing.T, dir string) string {
			must(t, os.Remove(filepath.Join(dir, "mysite.zip.parts.json")))
			return filepath.Join(dir, "mysite.zip.part001")
		}, []string{"mysite.zip.parts.json: is missing"}},
		{"parts list is a FIFO", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "mysite.zip.parts.json")
			must(t, os.Remove(p))
			must(t, syscall.Mkfifo(p, 0o644)) // a read would hang without a writer
			return filepath.Join(dir, "mysite.zip.part001")
		}, []string{"mysite.zip.parts.json", "not a regular file"}},
		{"parts list edited", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "mysite.zip.parts.json")
			b, _ := os.ReadFile(p)
			must(t, os.WriteFile(p, bytes.Replace(b, []byte(`"mysite.zip.part002"`), []byte(`"../x.part002"`), 1), 0o644))
			return filepath.Join(dir, "mysite.zip.part001")
		}, []string{"mysite.zip.parts.json: part 2 is named"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			first, _, _ := makeSplitBundle(t, Zip)
			path := c.breakIt(t, filepath.Dir(first))
			v, err := Verify(path, nil)
			if err == nil {
				v.Close()
				t.Fatal("Verify accepted it")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error on several lines: %q", err)
			}
		})
	}
}

func TestSplitNeverOverwritesParts(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(dir, Zip, Zstd)
	o.Split = 1 << 20
	old := filepath.Join(dir, "mysite.zip.part001")
	must(t, os.WriteFile(old, []byte("an older bundle's part"), 0o644))
	_, err := Create(context.Background(), &fakeSaver{tar: saveTar(t)}, o)
	if err == nil || !strings.Contains(err.Error(), "mysite.zip.part001 already exists") {
		t.Fatalf("got %v, want a refusal naming the existing part", err)
	}
	if b, _ := os.ReadFile(old); string(b) != "an older bundle's part" {
		t.Error("the existing part was changed")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
}
