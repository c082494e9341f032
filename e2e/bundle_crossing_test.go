package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/bundle"
	"github.com/stackgen/stackgen/e2e/e2etest"
)

// TestDeployBundleSplitSignedSBOM carries a bundle across machines the way
// the seeds' users do: an image built here (the Python stand-in with
// Django installed from its wheelhouse, and sqlparse installed then
// removed in a later layer), packed by `deploy --package --split 25M
// --sign KEY`; the SBOM inside lists Django and the Debian packages with
// the versions the image really has, and not the removed package; a
// corrupt part, a missing part and a wrong key are refused before anything
// is loaded; the first part with the right key installs the image again.
func TestDeployBundleSplitSignedSBOM(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test (-short)")
	}
	e2etest.RequireCompose(t)
	standins := e2etest.RequireImages(t, e2etest.Python)
	id := fmt.Sprintf("%d", time.Now().UnixNano()%1_000_000_000)
	proj := "bx" + id
	work := t.TempDir()
	bd := &bdEnv{t: t, work: work}
	bd.bin = filepath.Join(work, "stackgen")
	if out, err := exec.Command("go", "build", "-o", bd.bin, "../cmd/stackgen").CombinedOutput(); err != nil {
		t.Fatalf("go build stackgen: %v\n%s", err, out)
	}
	base := proj + "-standin/python:e2e"
	web := proj + "-web:e2e"
	bd.must(time.Minute, "", "docker", "tag", standins[0], base)
	t.Cleanup(func() { _, _ = bd.run(time.Minute, "", "docker", "image", "rm", web, base) })

	versions, err := os.ReadFile("standins/python/VERSIONS.txt")
	if err != nil {
		t.Fatal(err)
	}
	pin := func(name string) string {
		for _, l := range strings.Split(string(versions), "\n") {
			if v, ok := strings.CutPrefix(l, name+"=="); ok {
				return strings.TrimSpace(v)
			}
		}
		t.Fatalf("VERSIONS.txt pins no %s", name)
		return ""
	}
	site := filepath.Join(work, proj)
	os.MkdirAll(site, 0o755)
	// The image is built here, as a user's would be; the compose project
	// only names it (packing a project's build sources is not this test's).
	os.WriteFile(filepath.Join(work, "Dockerfile"), []byte("FROM "+base+"\nRUN pip install Django=="+pin("Django")+" sqlparse=="+pin("sqlparse")+"\nRUN pip uninstall -y sqlparse\n"), 0o644)
	bd.must(10*time.Minute, work, "docker", "build", "-q", "-t", web, work)
	files := map[string]string{
		"compose.yaml": "services:\n  web:\n    image: " + web + "\n    command: [\"python\", \"-c\", \"import time; time.sleep(1e9)\"]\n" +
			"    user: \"1000:1000\"\n    read_only: true\n",
		".env.example": "APP_MODE=offline\n",
		".gitignore":   ".env\n",
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(site, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Keys: ours, and another one.
	key := filepath.Join(work, "site.key")
	keyOut := bd.must(time.Minute, work, bd.bin, "keygen", "--sign", "-o", key)
	if lines := strings.Split(strings.TrimSpace(keyOut), "\n"); !strings.HasPrefix(lines[len(lines)-1], "RW") {
		t.Errorf("keygen --sign does not print the public key:\n%s", keyOut)
	}
	bd.must(time.Minute, work, bd.bin, "keygen", "--sign", "-o", filepath.Join(work, "other.key"))
	// The .pub files, as an operator passes them.
	pub, other := filepath.Join(work, "site.pub"), filepath.Join(work, "other.pub")
	if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("signing key: %v %v", err, st)
	}

	out := filepath.Join(work, "usb", proj+".zip")
	os.MkdirAll(filepath.Dir(out), 0o755)
	started := time.Now()
	res := bd.must(15*time.Minute, work, bd.bin, "deploy", "--package", site, "-o", out, "--split", "25M", "--sign", key, "--progress", "plain")
	t.Logf("TIMING deploy --package --split 25M --sign %.1fs:\n%s", time.Since(started).Seconds(), bdLastLines(res, 6))
	parts, _ := filepath.Glob(out + ".part*")
	if len(parts) < 2 {
		t.Fatalf("parts %v: want the bundle in several 25M parts\n%s", parts, res)
	}
	for _, p := range parts {
		if st, _ := os.Stat(p); st == nil || st.Size() > 25<<20 {
			t.Errorf("%s: %v, more than 25M", p, st)
		}
	}
	first := out + ".part001"

	// The SBOM: what the image holds, with the versions it has.
	v, err := bundle.Verify(first, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := v.Open(bundle.SBOMPath)
	if err != nil {
		v.Close()
		t.Fatalf("no SBOM in the bundle: %v\n%s", err, res)
	}
	var doc struct {
		SpecVersion string
		Components  []struct {
			Name       string
			Components []struct{ Name, Version, Purl string }
		}
	}
	err = json.NewDecoder(rc).Decode(&doc)
	rc.Close()
	v.Close()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, im := range doc.Components {
		if im.Name != web {
			continue
		}
		for _, c := range im.Components {
			got[c.Purl[:strings.Index(c.Purl, "/")]+" "+strings.ToLower(c.Name)] = c.Version
		}
	}
	libc := strings.TrimSpace(bd.must(time.Minute, "", "docker", "run", "--rm", "--entrypoint", "dpkg-query", web, "-W", "-f", "${Version}", "libc6"))
	for k, want := range map[string]string{"pkg:pypi django": pin("Django"), "pkg:pypi asgiref": pin("asgiref"), "pkg:deb libc6": libc} {
		if got[k] != want {
			t.Errorf("SBOM %s = %q, want %q (of %d packages)", k, got[k], want, len(got))
		}
	}
	if v, ok := got["pkg:pypi sqlparse"]; ok {
		t.Errorf("SBOM lists sqlparse %s, which a later layer removed", v)
	}
	t.Logf("SBOM of %s: %d packages", web, len(got))

	bd.must(time.Minute, "", "docker", "image", "rm", web)
	// Refusals, each before anything is loaded.
	damage := func(part string, fn func(p string)) func() {
		p := out + part
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fn(p)
		return func() { os.WriteFile(p, b, 0o644) }
	}
	for _, c := range []struct {
		name    string
		breakIt func() func()
		args    []string
		want    string
	}{
		{"corrupt part", func() func() {
			return damage(".part002", func(p string) {
				b, _ := os.ReadFile(p)
				b[len(b)/3] ^= 1
				os.WriteFile(p, b, 0o644)
			})
		}, []string{"--verify-key", pub}, proj + ".zip.part002: SHA-256 mismatch"},
		{"missing part", func() func() { return damage(".part002", func(p string) { os.Remove(p) }) }, []string{"--verify-key", pub}, proj + ".zip.part002: is missing"},
		{"wrong key", func() func() { return func() {} }, []string{"--verify-key", other}, "does not trust"},
	} {
		restore := c.breakIt()
		dir := filepath.Join(work, "refused", strings.ReplaceAll(c.name, " ", "-"))
		o, err := bd.run(10*time.Minute, work, bd.bin, append([]string{"deploy", "--bundle", first, "--dir", dir, "--no-up", "--progress", "plain"}, c.args...)...)
		restore()
		if err == nil || !strings.Contains(o, c.want) || !strings.Contains(o, "nothing was loaded") {
			t.Errorf("%s: %v, want a refusal with %q:\n%s", c.name, err, c.want, bdLastLines(o, 5))
		}
		if bdContains(bd.imageRefs(), web) {
			t.Fatalf("%s: %s was loaded", c.name, web)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%s: %s was written", c.name, dir)
		}
	}

	started = time.Now()
	o := bd.must(15*time.Minute, work, bd.bin, "deploy", "--bundle", first, "--verify-key", pub, "--dir", filepath.Join(work, "offline"), "--no-up", "--progress", "plain")
	t.Logf("TIMING deploy --bundle PART001 --verify-key %.1fs:\n%s", time.Since(started).Seconds(), bdLastLines(o, 5))
	if !strings.Contains(o, "Signature checked") {
		t.Errorf("no word of the signature:\n%s", o)
	}
	if !bdContains(bd.imageRefs(), web) {
		t.Errorf("%s was not loaded from the parts", web)
	}
}
