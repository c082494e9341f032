package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/e2e/e2etest"
)

// TestBackupRestoreAnywhere is the user story of a host that dies: a
// django-uwsgi backup with its secrets encrypted to a key from
// `stackgen keygen`; the project folder and every volume deleted; the
// backup restored into a new folder without `stackgen new`, healthy, with
// its data and the very same .env. Then `restore --verify` proves the
// backup in throwaway containers and leaves nothing behind, and a restore
// without the key brings the data back and names the secrets to supply.
func TestBackupRestoreAnywhere(t *testing.T) {
	images := bkRequireEngine(t, e2etest.Python, e2etest.MariaDB, e2etest.Redis, e2etest.Nginx)
	t.Parallel()
	s := newBkSite(t, "bkany")
	port := bkFreePort(t)
	s.must("new", "django-uwsgi", s.dir, "--yes", "--set", "project="+s.project, "--set", "db=mariadb",
		"--set", "app_version=e2e", "--set", fmt.Sprintf("http_port=%d", port),
		"--image", "python="+images[0], "--image", "db="+images[1], "--image", "redis="+images[2], "--image", "nginx="+images[3])
	sites := []*bkSite{s}
	t.Cleanup(func() {
		for _, x := range sites {
			if _, err := os.Stat(x.dir); err == nil {
				x.stackgen("down", x.dir, "--volumes", "--yes-delete-data")
			}
		}
		exec.Command("docker", "image", "rm", s.project+"-web:e2e", s.project+"-nginx:e2e").Run()
	})
	s.must("up", s.dir, "--progress", "plain")
	s.compose(nil, "exec", "-T", "web", "python", "manage.py", "shell", "-v", "0", "-c", `
from django.contrib.auth import get_user_model
get_user_model().objects.create_user("grace", "grace@example.com", "pw-Hopper-1906")
`)
	s.mariadb("CREATE TABLE e2e_blobs (id INT PRIMARY KEY, body VARCHAR(100) CHARACTER SET utf8mb4, raw BLOB);" +
		"INSERT INTO e2e_blobs VALUES (1, '你好 🐳', UNHEX('00FF')), (2, 'two', NULL), (3, 'three', NULL)")
	want := s.djangoState()
	env, err := os.ReadFile(filepath.Join(s.dir, ".env"))
	if err != nil {
		t.Fatal(err)
	}

	// A key pair; the backup with its secrets encrypted to the public key.
	keys := t.TempDir()
	keyFile := filepath.Join(keys, "site.key")
	pub := strings.TrimSpace(s.must("keygen", "-o", keyFile).stdout)
	if !strings.HasPrefix(pub, "age1") {
		t.Fatalf("keygen printed %q, want an age public key", pub)
	}
	if st, _ := os.Stat(keyFile); st.Mode().Perm() != 0o600 {
		t.Errorf("the private key has mode %v, want 0600", st.Mode().Perm())
	}
	if r := s.stackgen("keygen", "-o", keyFile); r.code == 0 || !strings.Contains(r.stderr, "never overwritten") {
		t.Errorf("keygen over an existing key: exit %d %s", r.code, r.stderr)
	}
	bk := filepath.Join(t.TempDir(), "offsite")
	bdir := strings.TrimSpace(s.must("backup", s.dir, "-o", bk, "--encrypt-to", pub).stdout)
	for _, line := range strings.Split(string(env), "\n") {
		_, v, ok := strings.Cut(line, "=")
		if !ok || len(v) < 16 {
			continue
		}
		des, _ := os.ReadDir(bdir)
		for _, de := range des {
			b, _ := os.ReadFile(filepath.Join(bdir, de.Name()))
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("a secret of .env is readable in %s", de.Name())
			}
		}
	}

	// The host dies: no project folder, no volumes.
	s.must("down", s.dir, "--volumes", "--yes-delete-data")
	if err := os.RemoveAll(s.dir); err != nil {
		t.Fatal(err)
	}

	// A new folder, no `stackgen new`: the backup and the key are enough.
	n := &bkSite{t: t, bin: s.bin, project: s.project, dir: filepath.Join(t.TempDir(), "restored-site")}
	sites = append(sites, n)
	r := n.must("restore", bdir, n.dir, "--identity", keyFile, "--yes")
	t.Logf("restore into a new folder:\n%s", bkTail(r.stderr))
	got, err := os.ReadFile(filepath.Join(n.dir, ".env"))
	if err != nil || !bytes.Equal(got, env) {
		t.Errorf(".env after the restore differs from the original (err %v)", err)
	}
	if st, _ := os.Stat(filepath.Join(n.dir, ".env")); st.Mode().Perm() != 0o600 {
		t.Errorf(".env restored with mode %v", st.Mode().Perm())
	}
	if state := n.djangoState(); state != want {
		t.Errorf("restored data differs\n--- want\n%s\n--- got\n%s", want, state)
	}
	n.compose(nil, "exec", "-T", "web", "python", "manage.py", "shell", "-v", "0", "-c", `
from django.contrib.auth import authenticate
assert authenticate(username="grace", password="pw-Hopper-1906") is not None, "grace cannot log in"
`)

	// --verify: a throwaway copy with its own volumes, the counts, and
	// nothing left behind.
	r = n.must("restore", bdir, n.dir, "--verify")
	t.Logf("restore --verify:\n%s\n%s", r.stdout, bkTail(r.stderr))
	if !strings.Contains(r.stdout, ".e2e_blobs") || !strings.Contains(r.stdout, "files in /app/media") || !strings.Contains(r.stdout, "keys") {
		t.Errorf("--verify did not report row, key and file counts:\n%s", r.stdout)
	}
	counts := map[string]string{}
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[1] == "table" {
			counts[f[2][strings.Index(f[2], ".")+1:]] = f[3]
		}
	}
	if counts["e2e_blobs"] != "3" || counts["auth_user"] != "1" {
		t.Errorf("--verify counted e2e_blobs=%s auth_user=%s, want 3 and 1", counts["e2e_blobs"], counts["auth_user"])
	}
	// Nothing of the throwaway project is left (other tests may run
	// beside this one: only names of the verify project count).
	for _, args := range [][]string{{"volume", "ls", "-q"}, {"ps", "-aq", "--format", "{{.Names}}"}, {"network", "ls", "--format", "{{.Name}}"}} {
		if left := bkRun(t, n.dir, nil, "docker", args...); strings.Contains(left, "-verify-") {
			t.Errorf("--verify left something behind (docker %s):\n%s", strings.Join(args, " "), left)
		}
	}
	if state := n.djangoState(); state != want {
		t.Errorf("--verify touched the live stack\n--- want\n%s\n--- got\n%s", want, state)
	}

	// Without the key: the data comes back, and the secrets to supply are
	// named in one line.
	n.must("down", n.dir, "--volumes", "--yes-delete-data")
	k := &bkSite{t: t, bin: s.bin, project: s.project, dir: filepath.Join(t.TempDir(), "no-key-site")}
	sites = append(sites, k)
	r = k.must("restore", bdir, k.dir, "--yes")
	if !strings.Contains(r.stderr, "Secrets to supply: ") || !strings.Contains(r.stderr, "SECRET_KEY") {
		t.Errorf("a restore without the key does not name the secrets to supply:\n%s", bkTail(r.stderr))
	}
	if state := k.djangoState(); !strings.Contains(state, "1\t你好 🐳\t00FF") || !strings.Contains(state, "user ") {
		t.Errorf("without the key the data did not come back:\n%s", state)
	}
}
