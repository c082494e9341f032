package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

// projectFixture writes a small generated project: compose file, scripts,
// a .env with secrets, a TLS key, and a backups folder that must not be
// archived into itself.
func projectFixture(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "我的网站")
	files := map[string]string{
		"compose.yaml":                 "services:\n  web:\n    image: web:1\n",
		".env":                         "DB_PASSWORD=s3cr3t-Zq9\nSECRET_KEY='k-Ω-42'\n# comment\n",
		".stackgen.yml":                "stack: django-uwsgi\n",
		"scripts/backup.sh":            "#!/bin/sh\necho hi\n",
		"compose/nginx/ssl/server.key": "-----BEGIN PRIVATE KEY-----\nMIIE-private\n-----END PRIVATE KEY-----\n",
		"compose/nginx/ssl/server.crt": "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n",
		"backups/20260101-000000/x":    "old backup",
	}
	for p, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(p, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(full, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func createWithProject(t *testing.T, proj string, to *Recipients) (string, *Manifest) {
	t.Helper()
	dir, m, err := Create(context.Background(), newFake(t), Options{
		OutDir: t.TempDir(), Stack: "django-uwsgi", Project: "mysite", StackgenVersion: "test",
		Now: now, Targets: djangoTargets(), ProjectDir: proj, Skip: []string{"backups"}, EncryptTo: to,
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

// everyByte is every file of a backup folder, gzip members decompressed
// too, so a search for a secret finds it wherever it hides.
func everyByte(t *testing.T, dir string) []byte {
	t.Helper()
	var all bytes.Buffer
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		b := mustRead(t, filepath.Join(dir, de.Name()))
		all.Write(b)
		if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			plain, _ := io.ReadAll(zr)
			all.Write(plain)
		}
	}
	return all.Bytes()
}

func TestBackupKeepsTheProjectAndEncryptsItsSecrets(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := ParseRecipients(id.Recipient().String())
	if err != nil {
		t.Fatal(err)
	}
	proj := projectFixture(t)
	dir, m := createWithProject(t, proj, &rc)
	if m.ProjectFiles == nil || m.Secrets == nil {
		t.Fatalf("manifest has no project files or secrets: %+v", m)
	}
	if got := strings.Join(m.Secrets.Files, ","); got != ".env,compose/nginx/ssl/server.key" {
		t.Errorf("secret files %s", got)
	}
	if got := strings.Join(m.Secrets.EnvKeys, ","); got != "DB_PASSWORD,SECRET_KEY" {
		t.Errorf("env keys %s", got)
	}
	for _, secret := range []string{"s3cr3t-Zq9", "k-Ω-42", "MIIE-private"} {
		if bytes.Contains(everyByte(t, dir), []byte(secret)) {
			t.Errorf("the secret %q is readable in the backup folder", secret)
		}
	}
	if _, err := Verify(dir); err != nil {
		t.Fatalf("verify: %v", err)
	}
	sums := string(mustRead(t, filepath.Join(dir, SumsName)))
	if !strings.Contains(sums, "  "+ProjectName+"\n") || !strings.Contains(sums, "  "+SecretsName+"\n") {
		t.Errorf("SHA256SUMS does not list the archives:\n%s", sums)
	}

	// A new folder gets the project back, secrets included, modes kept,
	// and no backups folder inside.
	secrets, err := OpenSecrets(mustOpen(t, filepath.Join(dir, SecretsName)), []age.Identity{id})
	if err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "restored")
	if err := UnpackProject(mustOpen(t, filepath.Join(dir, ProjectName)), secrets, target); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"compose.yaml", ".env", ".stackgen.yml", "scripts/backup.sh", "compose/nginx/ssl/server.key", "compose/nginx/ssl/server.crt"} {
		want := mustRead(t, filepath.Join(proj, p))
		if got := mustRead(t, filepath.Join(target, p)); !bytes.Equal(got, want) {
			t.Errorf("%s differs after the round trip", p)
		}
	}
	if st, _ := os.Stat(filepath.Join(target, ".env")); st.Mode().Perm() != 0o600 {
		t.Errorf(".env restored with mode %v, want 0600", st.Mode().Perm())
	}
	if st, _ := os.Stat(filepath.Join(target, "scripts/backup.sh")); st.Mode().Perm() != 0o755 {
		t.Errorf("backup.sh restored with mode %v, want 0755", st.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(target, "backups")); !os.IsNotExist(err) {
		t.Errorf("the backups folder was archived into the backup")
	}

	// Another key opens nothing, with one clear sentence.
	other, _ := age.GenerateX25519Identity()
	if _, err := OpenSecrets(mustOpen(t, filepath.Join(dir, SecretsName)), []age.Identity{other}); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Errorf("wrong key: %v", err)
	}

	// A changed project archive is refused by Verify.
	b := mustRead(t, filepath.Join(dir, ProjectName))
	b[len(b)/2] ^= 1
	os.WriteFile(filepath.Join(dir, ProjectName), b, 0o600)
	if _, err := Verify(dir); err == nil || !strings.Contains(err.Error(), ProjectName) {
		t.Errorf("a damaged %s verified: %v", ProjectName, err)
	}
}

func TestBackupWithoutAKeyLeavesTheSecretsOut(t *testing.T) {
	proj := projectFixture(t)
	dir, m := createWithProject(t, proj, nil)
	if m.Secrets != nil {
		t.Fatalf("secrets stored without a key: %+v", m.Secrets)
	}
	if _, err := os.Stat(filepath.Join(dir, SecretsName)); !os.IsNotExist(err) {
		t.Errorf("%s written without a key", SecretsName)
	}
	for _, secret := range []string{"s3cr3t-Zq9", "k-Ω-42", "MIIE-private"} {
		if bytes.Contains(everyByte(t, dir), []byte(secret)) {
			t.Errorf("the secret %q is in the backup in clear", secret)
		}
	}
	got, err := SecretFilesOf(proj, []string{"backups"})
	if err != nil || strings.Join(got, ",") != ".env,compose/nginx/ssl/server.key" {
		t.Errorf("SecretFilesOf = %v, %v", got, err)
	}
}

func TestPassphraseSecretsRoundTrip(t *testing.T) {
	if _, err := PassphraseRecipient("short"); err == nil {
		t.Error("a 5-character passphrase was accepted")
	}
	rc, err := PassphraseRecipient("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	dir, m := createWithProject(t, projectFixture(t), &rc)
	if m.Secrets == nil || m.Secrets.To != "passphrase" {
		t.Fatalf("secrets %+v", m.Secrets)
	}
	ids, _ := PassphraseIdentity("correct horse battery staple")
	s, err := OpenSecrets(mustOpen(t, filepath.Join(dir, SecretsName)), ids)
	if err != nil || !strings.Contains(string(s[".env"]), "s3cr3t-Zq9") {
		t.Fatalf("open with the passphrase: %v", err)
	}
}

func TestUnpackProjectRefusesWhatIsNotAPlainProject(t *testing.T) {
	mk := func(entries ...tarFile) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(makeTar(t, entries...))
		zw.Close()
		return b.Bytes()
	}
	cases := map[string][]byte{
		"an entry outside the project": mk(tarFile{name: "../escape", body: "x"}),
		"an absolute entry":            mk(tarFile{name: "/etc/cron.d/x", body: "x"}),
	}
	for name, archive := range cases {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			target := filepath.Join(parent, "p")
			if err := UnpackProject(bytes.NewReader(archive), nil, target); err == nil {
				t.Fatal("accepted")
			}
			if des, _ := os.ReadDir(parent); len(des) != 0 {
				t.Errorf("a refused unpack left %d entries behind", len(des))
			}
		})
	}
	t.Run("a link entry", func(t *testing.T) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		var tb bytes.Buffer
		tw := newTarWriter(&tb)
		tw.link("compose.yaml", "/etc/passwd")
		zw.Write(tb.Bytes())
		zw.Close()
		if err := UnpackProject(&b, nil, filepath.Join(t.TempDir(), "p")); err == nil || !strings.Contains(err.Error(), "links are never restored") {
			t.Errorf("a symlink entry: %v", err)
		}
	})
	t.Run("a folder that is not empty", func(t *testing.T) {
		target := t.TempDir()
		os.WriteFile(filepath.Join(target, "mine.txt"), []byte("keep"), 0o644)
		if err := UnpackProject(bytes.NewReader(mk(tarFile{name: "a", body: "x"})), nil, target); err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("non-empty target: %v", err)
		}
		if b, _ := os.ReadFile(filepath.Join(target, "mine.txt")); string(b) != "keep" {
			t.Error("the user's file was touched")
		}
	})
}

func TestFileVolumesAreCopiedFromAPausedWriter(t *testing.T) {
	fe := newFake(t)
	dir, m, err := Create(context.Background(), fe, Options{OutDir: t.TempDir(), Stack: "django-uwsgi", Project: "p", Now: now, Targets: djangoTargets()})
	if err != nil {
		t.Fatal(err)
	}
	_ = dir
	if got := strings.Join(fe.events, "; "); got != "pause id-web; copy id-web:/app/media; unpause id-web" {
		t.Errorf("engine calls %q, want the copy between pause and unpause", got)
	}
	want := map[string]string{"db.sql.gz": ConsistentTransaction, "redis.rdb": ConsistentSnapshot, "web.media_vol.tar": ConsistentPaused}
	for _, f := range m.Files {
		if f.Consistency != want[f.Name] {
			t.Errorf("%s: consistency %q, want %q", f.Name, f.Consistency, want[f.Name])
		}
	}
	live := newFake(t)
	if _, m, err = Create(context.Background(), live, Options{OutDir: t.TempDir(), Stack: "django-uwsgi", Project: "p", Now: now, Targets: djangoTargets(), Live: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(live.events, ";"), "pause") || m.Files[2].Consistency != ConsistentLive {
		t.Errorf("--live paused (%v) or was not recorded (%q)", live.events, m.Files[2].Consistency)
	}
}

// tarWriter writes entries makeTar cannot (links).
type tarWriter struct{ tw *tar.Writer }

func newTarWriter(w io.Writer) *tarWriter { return &tarWriter{tw: tar.NewWriter(w)} }

func (w *tarWriter) link(name, target string) {
	w.tw.WriteHeader(&tar.Header{Name: name, Linkname: target, Typeflag: tar.TypeSymlink, Mode: 0o777})
	w.tw.Close()
}
