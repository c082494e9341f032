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
	s.must(append([]string{"new", "django-uwsgi", s.dir, "--yes", "--set", "project=" + s.project, "--set", "db=mariadb",
		"--set", "app_version=e2e", "--set", fmt.Sprintf("http_port=%d", port),
		"--image", "python=" + images[0], "--image", "db=" + images[1], "--image", "redis=" + images[2], "--image", "nginx=" + images[3]},
		e2etest.DjangoPythonPins(t)...)...)
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

// TestBackupRestoreOnyxAnywhere: Onyx stores its connectors' credentials in
// Postgres encrypted with ENCRYPTION_KEY_SECRET from .env, so a backup that
// restores the data without that key restores credentials nobody can read.
// A credential is stored that way (pgcrypto with the key of .env, as a
// stand-in for Onyx's own encryption), the default-mode project is backed
// up with its secrets encrypted, the folder and every volume deleted, and
// the backup restored into a new folder with the key: the stack is healthy
// and the credential decrypts with the restored .env. Without the key the
// data comes back, ENCRYPTION_KEY_SECRET is named among the secrets to
// supply, and the credential no longer decrypts with the new one.
func TestBackupRestoreOnyxAnywhere(t *testing.T) {
	images := bkRequireEngine(t, e2etest.HTTPStub, e2etest.Postgres, e2etest.Redis, e2etest.Nginx, e2etest.OpenSearch)
	t.Parallel()
	app := onyxBuildApp(t)
	s := newBkSite(t, "bkonyxany")
	port := bkFreePort(t)
	s.must("new", "onyx", s.dir, "--yes", "--set", "bind_address=127.0.0.1", "--set", fmt.Sprintf("http_port=%d", port),
		"--set", "port_3000=false", "--set", "opensearch_ulimits=false",
		"--image", "backend="+app, "--image", "web_server="+app, "--image", "model_server="+app,
		"--image", "opensearch="+images[4],
		"--image", "relational_db="+images[1], "--image", "cache="+images[2], "--image", "nginx="+images[3])
	sites := []*bkSite{s}
	t.Cleanup(func() {
		for _, x := range sites {
			if _, err := os.Stat(x.dir); err == nil {
				x.stackgen("down", x.dir, "--volumes", "--yes-delete-data")
			}
		}
	})
	s.must("up", s.dir, "--progress", "plain", "--timeout", "10m")
	psql := func(x *bkSite, sql string) string {
		return strings.TrimSpace(x.compose(nil, "exec", "-T", "relational_db", "sh", "-c",
			`psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -At -c "$1"`, "sh", sql))
	}
	key := func(x *bkSite) string {
		b, err := os.ReadFile(filepath.Join(x.dir, ".env"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "ENCRYPTION_KEY_SECRET="); ok {
				return strings.Trim(v, `'"`)
			}
		}
		t.Fatalf("%s/.env has no ENCRYPTION_KEY_SECRET", x.dir)
		return ""
	}
	const token = "xoxb-connector-token-✓"
	k := key(s)
	psql(s, "CREATE EXTENSION IF NOT EXISTS pgcrypto; CREATE TABLE e2e_credential (id int PRIMARY KEY, secret bytea);"+
		"INSERT INTO e2e_credential VALUES (1, pgp_sym_encrypt('"+token+"', '"+k+"'))")
	decrypt := func(x *bkSite, key string) (string, error) {
		return bkTry(x.dir, nil, "docker", "compose", "exec", "-T", "relational_db", "sh", "-c",
			`psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -At -c "SELECT pgp_sym_decrypt(secret, '$1') FROM e2e_credential"`, "sh", key)
	}
	if got, err := decrypt(s, k); err != nil || strings.TrimSpace(got) != token {
		t.Fatalf("the credential does not decrypt before the backup: %q %v", got, err)
	}

	keyFile := filepath.Join(t.TempDir(), "onyx.key")
	pub := strings.TrimSpace(s.must("keygen", "-o", keyFile).stdout)
	bdir := strings.TrimSpace(s.must("backup", s.dir, "-o", filepath.Join(t.TempDir(), "offsite"), "--encrypt-to", pub).stdout)
	s.must("down", s.dir, "--volumes", "--yes-delete-data")
	if err := os.RemoveAll(s.dir); err != nil {
		t.Fatal(err)
	}

	n := &bkSite{t: t, bin: s.bin, project: s.project, dir: filepath.Join(t.TempDir(), "onyx-restored")}
	sites = append(sites, n)
	r := n.must("restore", bdir, n.dir, "--identity", keyFile, "--yes", "--timeout", "10m")
	t.Logf("restore into a new folder:\n%s", bkTail(r.stderr))
	if key(n) != k {
		t.Fatal("the restored .env has another ENCRYPTION_KEY_SECRET")
	}
	if got, err := decrypt(n, key(n)); err != nil || strings.TrimSpace(got) != token {
		t.Errorf("after the restore the credential does not decrypt with the restored key: %q %v", got, err)
	}
	if got := bkRun(t, n.dir, nil, "docker", "compose", "ps", "--status", "running", "-q"); len(strings.Fields(got)) < 5 {
		t.Errorf("after the restore only %d services run", len(strings.Fields(got)))
	}

	// Without the key: the data, a fresh key, and the key named.
	n.must("down", n.dir, "--volumes", "--yes-delete-data")
	w := &bkSite{t: t, bin: s.bin, project: s.project, dir: filepath.Join(t.TempDir(), "onyx-no-key")}
	sites = append(sites, w)
	r = w.must("restore", bdir, w.dir, "--yes", "--timeout", "10m")
	if !strings.Contains(r.stderr, "Secrets to supply: ") || !strings.Contains(r.stderr, "ENCRYPTION_KEY_SECRET") {
		t.Errorf("without the key the secrets to supply are not named:\n%s", bkTail(r.stderr))
	}
	if got := psql(w, "SELECT count(*) FROM e2e_credential"); got != "1" {
		t.Errorf("without the key the data did not come back (rows: %q)", got)
	}
	if got, err := decrypt(w, key(w)); err == nil && strings.TrimSpace(got) == token {
		t.Error("the credential decrypts with a freshly generated key: the test proves nothing")
	}
}
