package newcmd_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/stackgen/stackgen/project"
)

// TestKillNineLeavesOldOrNewProject kills `stackgen new` and `stackgen new
// --force` with SIGKILL at random moments. Right after the kill a first
// write is either absent or complete; after the next run's recovery
// (project.Recover, which every command that opens the project runs) a
// --force target is exactly the old project or wholly the new one, with a
// manifest that matches its files, and no temporary file is left anywhere.
func TestKillNineLeavesOldOrNewProject(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it 40 times")
	}
	bin := filepath.Join(t.TempDir(), "stackgen")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/stackgen/stackgen/cmd/stackgen").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const runs = 20
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 10))

	// A baseline run tells how long a write takes here, so the kills land
	// across the whole of it rather than all before or all after.
	base := t.TempDir()
	timed(t, bin, "new", "django-uwsgi", filepath.Join(base, "warm"), "--yes") // warm the caches
	span := timed(t, bin, "new", "django-uwsgi", filepath.Join(base, "old"), "--yes")
	old := readTree(t, filepath.Join(base, "old"))
	forceSpan := timed(t, bin, "new", "django-uwsgi", filepath.Join(base, "warm"), "--yes", "--force", "--set", "domain=warm.example.org")

	t.Run("new", func(t *testing.T) {
		var absent, complete, midWrite int
		for i := 0; i < runs; i++ {
			parent := t.TempDir()
			dir := filepath.Join(parent, "site")
			killAfter(t, rng, span, bin, "new", "django-uwsgi", dir, "--yes")
			if stages, _ := filepath.Glob(filepath.Join(parent, ".site.stackgen-tmp-*")); len(stages) > 0 {
				midWrite++
			}
			_, err := os.Lstat(dir)
			existed := err == nil
			if existed {
				checkConsistent(t, dir, "")
				complete++
			} else {
				absent++
			}
			if err := project.Recover(dir); err != nil {
				t.Fatalf("run %d: recover: %v", i, err)
			}
			checkNoTemp(t, parent)
			if !existed && absent <= 2 {
				// The same command again works after a killed first write.
				if out, err := exec.Command(bin, "new", "django-uwsgi", dir, "--yes").CombinedOutput(); err != nil {
					t.Fatalf("run %d: re-run after kill: %v\n%s", i, err, out)
				}
				checkConsistent(t, dir, "")
			}
		}
		t.Logf("new: %d runs absent, %d complete, %d killed while staging (a run takes %v)", absent, complete, midWrite, span)
	})

	t.Run("new --force", func(t *testing.T) {
		var untouched, updated, midWrite int
		for i := 0; i < runs; i++ {
			dir := filepath.Join(t.TempDir(), "site")
			writeTree(t, dir, old)
			killAfter(t, rng, forceSpan, bin, "new", "django-uwsgi", dir, "--yes", "--force", "--set", "domain=killed.example.org")
			if _, err := os.Lstat(filepath.Join(dir, project.JournalDir)); err == nil {
				midWrite++
			}
			if err := project.Recover(dir); err != nil {
				t.Fatalf("run %d: recover: %v", i, err)
			}
			checkNoTemp(t, filepath.Dir(dir))
			now := readTree(t, dir)
			if sameTree(old, now) {
				untouched++
				continue
			}
			checkConsistent(t, dir, "killed.example.org")
			updated++
		}
		t.Logf("new --force: %d runs untouched, %d updated, %d killed while staging or moving (a run takes %v)", untouched, updated, midWrite, forceSpan)
	})
}

func timed(t *testing.T, bin string, args ...string) time.Duration {
	t.Helper()
	start := time.Now()
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return time.Since(start)
}

// killAfter starts bin and sends SIGKILL after a random delay between a
// third of span and 1.5 times span: the files are written at the end of a
// run, so that is where most kills land (some runs finish first, which must
// be fine too).
func killAfter(t *testing.T, rng *rand.Rand, span time.Duration, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(span/3 + time.Duration(rng.Int64N(int64(span)*7/6)))
	cmd.Process.Kill()
	cmd.Wait()
}

// checkConsistent asserts dir holds a complete project: a manifest whose
// every file is on disk with the recorded hash, nothing kept beside, and
// (when domain is set) the answers of the run that wrote it.
func checkConsistent(t *testing.T, dir, domain string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, project.ManifestName))
	if err != nil {
		t.Fatalf("%s exists without a manifest: %v (files: %v)", dir, err, keys(readTree(t, dir)))
	}
	var m project.Manifest
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if domain != "" && m.Answers["domain"] != domain {
		t.Fatalf("the project changed but its manifest is the old one (domain %q)", m.Answers["domain"])
	}
	if len(m.Files) < 10 {
		t.Fatalf("manifest lists only %d files", len(m.Files))
	}
	for p, want := range m.Files {
		got, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatalf("manifest lists %s, which is missing: %v", p, err)
		}
		if s := sha256.Sum256(got); hex.EncodeToString(s[:]) != want {
			t.Fatalf("%s does not match the manifest (a file of another version)", p)
		}
	}
	for p := range readTree(t, dir) {
		if strings.HasSuffix(p, project.NewSuffix) {
			t.Fatalf("%s: a generated file was taken for a user edit", p)
		}
	}
}

// checkNoTemp fails on anything a write uses only while it runs.
func checkNoTemp(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		n := d.Name()
		if strings.Contains(n, ".stackgen-tmp-") || n == project.JournalDir || n == project.LockName || strings.Contains(n, ".tmp-") || strings.HasPrefix(n, ".stackgen-probe") {
			t.Fatalf("left behind: %s", p)
		}
		return nil
	})
}

type tree map[string]struct {
	mode fs.FileMode
	data string
}

func readTree(t *testing.T, dir string) tree {
	t.Helper()
	out := tree{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, _ := d.Info()
		b, _ := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = struct {
			mode fs.FileMode
			data string
		}{info.Mode(), string(b)}
		return nil
	})
	return out
}

func writeTree(t *testing.T, dir string, tr tree) {
	t.Helper()
	for p, f := range tr {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(f.data), f.mode.Perm()); err != nil {
			t.Fatal(err)
		}
		os.Chmod(full, f.mode.Perm())
	}
}

func sameTree(a, b tree) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func keys(tr tree) []string {
	var out []string
	for k := range tr {
		out = append(out, k)
	}
	return out
}

// TestConcurrentNewRunsOneWins starts two `stackgen new` into the same new
// directory at once, and two `new --force` into one project: never do both
// succeed, a refusal is one line naming the lock (or, for two first
// writes that raced to the very end, saying nothing was written), and the
// project is one run's whole version.
func TestConcurrentNewRunsOneWins(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "stackgen")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/stackgen/stackgen/cmd/stackgen").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for i := 0; i < 3; i++ {
		for _, force := range []bool{false, true} {
			dir := filepath.Join(t.TempDir(), "site")
			args := func(domain string) []string {
				a := []string{"new", "django-uwsgi", dir, "--yes", "--set", "domain=" + domain}
				if force {
					a = append(a, "--force")
				}
				return a
			}
			if force {
				if out, err := exec.Command(bin, args("first.example.org")...).CombinedOutput(); err != nil {
					t.Fatalf("%v\n%s", err, out)
				}
			}
			a := exec.Command(bin, args("a.example.org")...)
			b := exec.Command(bin, args("b.example.org")...)
			var outA, outB strings.Builder
			a.Stderr, b.Stderr = &outA, &outB
			a.Start()
			b.Start()
			errA, errB := a.Wait(), b.Wait()
			if !force && errA == nil && errB == nil {
				t.Fatalf("run %d: two first writes into one directory both succeeded", i)
			}
			for _, r := range []struct {
				err error
				out string
			}{{errA, outA.String()}, {errB, outB.String()}} {
				if r.err == nil {
					continue
				}
				msg := strings.TrimSpace(r.out)
				if strings.Contains(msg, "\n") || !(strings.Contains(msg, project.LockName) || strings.Contains(msg, "nothing was written") || strings.Contains(msg, "not empty")) {
					t.Fatalf("run %d force=%v: refusal %q is not one line naming the lock", i, force, msg)
				}
			}
			if err := project.Recover(dir); err != nil {
				t.Fatal(err)
			}
			b2, err := os.ReadFile(filepath.Join(dir, project.ManifestName))
			if err != nil {
				t.Fatal(err)
			}
			var m project.Manifest
			yaml.Unmarshal(b2, &m)
			checkConsistent(t, dir, m.Answers["domain"])
			checkNoTemp(t, filepath.Dir(dir))
		}
	}
}
