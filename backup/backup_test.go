package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/stack"
)

// fakeEngine scripts the engine: dumps by container, copies, helpers.
type fakeEngine struct {
	dumps     map[string][]byte // container -> stdout of the dump command
	dumpErr   map[string]string // container -> stderr, with exit code 2
	trees     map[string][]byte // container:path -> tar as the engine gives it
	restored  map[string][]byte // container -> stdin of the restore command
	copiedIn  map[string][]byte // helper:dir -> tar
	helpers   []engine.HelperOptions
	removed   []string
	helperOut string
	// events records pauses and copies in order ("pause web1", "copy
	// web1:/app/media", "unpause web1").
	events []string
}

func (f *fakeEngine) Pause(ctx context.Context, id string) error {
	f.events = append(f.events, "pause "+id)
	return nil
}

func (f *fakeEngine) Unpause(ctx context.Context, id string) error {
	f.events = append(f.events, "unpause "+id)
	return nil
}

func (f *fakeEngine) Exec(ctx context.Context, id string, cmd []string, stdout, stderr io.Writer) (int, error) {
	if msg, ok := f.dumpErr[id]; ok {
		io.WriteString(stderr, msg)
		return 2, nil
	}
	b, ok := f.dumps[id]
	if !ok {
		return -1, fmt.Errorf("no such container %s", id)
	}
	if strings.Contains(strings.Join(cmd, " "), "BGSAVE") {
		io.WriteString(stderr, "stackgen-rdb=/data/dump.rdb\n")
	}
	_, err := stdout.Write(b)
	return 0, err
}

func (f *fakeEngine) ExecStdin(ctx context.Context, id string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	b, err := io.ReadAll(stdin)
	if err != nil {
		return -1, err
	}
	if f.restored == nil {
		f.restored = map[string][]byte{}
	}
	f.restored[id] = b
	return 0, nil
}

func (f *fakeEngine) CopyOut(ctx context.Context, id, p string) (io.ReadCloser, error) {
	f.events = append(f.events, "copy "+id+":"+p)
	b, ok := f.trees[id+":"+p]
	if !ok {
		return nil, fmt.Errorf("no %s in %s", p, id)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (f *fakeEngine) CopyIn(ctx context.Context, id, dir string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if f.copiedIn == nil {
		f.copiedIn = map[string][]byte{}
	}
	f.copiedIn[id+":"+dir] = b
	return nil
}

func (f *fakeEngine) RunHelper(ctx context.Context, o engine.HelperOptions) (*engine.Helper, error) {
	f.helpers = append(f.helpers, o)
	out := f.helperOut
	if out == "" {
		out = "999:998\n"
	}
	return &engine.Helper{ID: fmt.Sprintf("helper%d", len(f.helpers)), Stdout: out}, nil
}

func (f *fakeEngine) RemoveHelper(ctx context.Context, id string) error {
	f.removed = append(f.removed, id)
	return nil
}

type tarFile struct {
	name, body string
	dir        bool
}

func makeTar(t *testing.T, files ...tarFile) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg, Uid: 1000, Gid: 1000}
		if f.dir {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, f.body)
	}
	tw.Close()
	return b.Bytes()
}

func tarNames(t *testing.T, b []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		out[h.Name] = string(body)
	}
}

const sqlDump = "-- MariaDB dump 10.19  Distrib 11.8.3-MariaDB\n--\nCREATE TABLE t (x int);\nINSERT INTO t VALUES (1);\n-- Dump completed on 2026-11-23  1:40:00\n"

func rdb(payload string) []byte {
	b := append([]byte("REDIS0012"), payload...)
	return append(append(b, 0xFF), 1, 2, 3, 4, 5, 6, 7, 8)
}

var djangoStates = []stack.State{
	{Service: "db", Kind: stack.StateMariaDB, Volume: "db_vol"},
	{Service: "redis", Kind: stack.StateRedis, Volume: "redis_vol"},
	{Service: "web", Kind: stack.StateFiles, Path: "/app/media", Volume: "media_vol"},
}

func djangoTargets() []Target {
	var out []Target
	for _, st := range djangoStates {
		out = append(out, Target{State: st, ContainerID: "id-" + st.Service, Container: "p-" + st.Service + "-1", Image: "img/" + st.Service})
	}
	return out
}

func newFake(t *testing.T) *fakeEngine {
	return &fakeEngine{
		dumps: map[string][]byte{"id-db": []byte(sqlDump), "id-redis": rdb("keys")},
		trees: map[string][]byte{"id-web:/app/media": makeTar(t,
			tarFile{name: "media/", dir: true},
			tarFile{name: "media/uploads/", dir: true},
			tarFile{name: "media/uploads/cat.jpg", body: "\x00\xffJPEG bytes\r\n"},
		)},
	}
}

var now = time.Date(2026, 11, 23, 1, 40, 0, 0, time.UTC)

func createBackup(t *testing.T, fe *fakeEngine) (string, *Manifest) {
	t.Helper()
	out := t.TempDir()
	dir, m, err := Create(context.Background(), fe, Options{
		OutDir: out, Stack: "django-uwsgi", Project: "mysite", StackgenVersion: "test",
		Now: now, Targets: djangoTargets(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func TestCreateWritesEveryStateWithManifestAndSums(t *testing.T) {
	fe := newFake(t)
	dir, m := createBackup(t, fe)
	if filepath.Base(dir) != "20261123-014000" {
		t.Errorf("folder %s, want 20261123-014000", filepath.Base(dir))
	}
	want := []string{"db.sql.gz", "redis.rdb", "web.media_vol.tar"}
	if len(m.Files) != len(want) {
		t.Fatalf("manifest files %+v", m.Files)
	}
	for i, f := range m.Files {
		if f.Name != want[i] {
			t.Errorf("file %d is %s, want %s", i, f.Name, want[i])
		}
		st, err := os.Stat(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() != f.Size || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: size %d mode %v, manifest size %d", f.Name, st.Size(), st.Mode().Perm(), f.Size)
		}
	}
	if m.Files[1].Path != "/data/dump.rdb" {
		t.Errorf("redis path %q, want the one the dump reported", m.Files[1].Path)
	}
	// The SQL is stored gzip-compressed, byte for byte.
	zr, err := gzip.NewReader(mustOpen(t, filepath.Join(dir, "db.sql.gz")))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); string(b) != sqlDump {
		t.Errorf("db dump changed: %q", b)
	}
	// The archive is relative to the directory.
	names := tarNames(t, mustRead(t, filepath.Join(dir, "web.media_vol.tar")))
	if _, ok := names["./"]; !ok || names["./uploads/cat.jpg"] != "\x00\xffJPEG bytes\r\n" {
		t.Errorf("archive entries %q", names)
	}
	sums := string(mustRead(t, filepath.Join(dir, SumsName)))
	if !strings.Contains(sums, m.Files[0].SHA256+"  db.sql.gz\n") {
		t.Errorf("SHA256SUMS:\n%s", sums)
	}
	if _, err := Verify(dir); err != nil {
		t.Fatalf("a fresh backup does not verify: %v", err)
	}
	// Nothing else is left in the output folder (no partial folder, no temp file).
	des, _ := os.ReadDir(filepath.Dir(dir))
	if len(des) != 1 {
		t.Errorf("output folder holds %d entries", len(des))
	}
}

func TestCreateFailureLeavesNoFolder(t *testing.T) {
	fe := newFake(t)
	fe.dumpErr = map[string]string{"id-redis": "NOAUTH Authentication required.\n"}
	out := t.TempDir()
	_, _, err := Create(context.Background(), fe, Options{OutDir: out, Stack: "django-uwsgi", Now: now, Targets: djangoTargets()})
	if err == nil || !strings.Contains(err.Error(), "redis (redis)") || !strings.Contains(err.Error(), "NOAUTH") {
		t.Fatalf("error %v should name the service and the dump's message", err)
	}
	if des, _ := os.ReadDir(out); len(des) != 0 {
		t.Errorf("a failed backup left %d entries", len(des))
	}
}

func TestCreateRefusesACutShortDump(t *testing.T) {
	fe := newFake(t)
	fe.dumps["id-db"] = []byte(strings.Split(sqlDump, "-- Dump completed")[0])
	_, _, err := Create(context.Background(), fe, Options{OutDir: t.TempDir(), Stack: "django-uwsgi", Now: now, Targets: djangoTargets()})
	if err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Fatalf("error %v", err)
	}
}

func TestCreateSameSecondGetsANewFolder(t *testing.T) {
	fe := newFake(t)
	out := t.TempDir()
	opts := Options{OutDir: out, Stack: "django-uwsgi", Now: now, Targets: djangoTargets()}
	d1, _, err := Create(context.Background(), fe, opts)
	if err != nil {
		t.Fatal(err)
	}
	d2, _, err := Create(context.Background(), fe, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d1 == d2 || filepath.Base(d2) != "20261123-014000-2" {
		t.Errorf("folders %s and %s", d1, d2)
	}
}

func TestVerifyFindsEveryKindOfDamage(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, dir string)
		want   string
	}{
		{"one byte changed", func(t *testing.T, dir string) {
			flipByte(t, filepath.Join(dir, "redis.rdb"), 6)
		}, "redis.rdb: SHA-256"},
		{"file missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "web.media_vol.tar"))
		}, "web.media_vol.tar: missing"},
		{"file truncated", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "db.sql.gz")
			b := mustRead(t, p)
			os.WriteFile(p, b[:len(b)-4], 0o600)
		}, "db.sql.gz: size is"},
		{"no manifest", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, ManifestName))
		}, "has no manifest.json"},
		{"manifest not JSON", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, ManifestName), []byte("{"), 0o600)
		}, "not valid JSON"},
		{"sums disagree", func(t *testing.T, dir string) {
			p := filepath.Join(dir, SumsName)
			b := mustRead(t, p)
			b[0] ^= 1
			if b[0] < '0' {
				b[0] = 'a'
			}
			os.WriteFile(p, b, 0o600)
		}, "disagree"},
		{"path in manifest", func(t *testing.T, dir string) {
			rewriteManifest(t, dir, func(m *Manifest) { m.Files[0].Name = "../db.sql.gz" })
		}, "not a plain data file name"},
		{"other format", func(t *testing.T, dir string) {
			rewriteManifest(t, dir, func(m *Manifest) { m.Format = "stackgen-backup/9" })
		}, "format is"},
		{"consistent but foreign content", func(t *testing.T, dir string) {
			// A file replaced and its checksums recomputed still has to
			// look like a complete dump of its kind.
			replaceFile(t, dir, "redis.rdb", []byte("not an rdb at all"))
		}, "redis.rdb: is not a Redis RDB file"},
		{"tar cut short with sums recomputed", func(t *testing.T, dir string) {
			b := mustRead(t, filepath.Join(dir, "web.media_vol.tar"))
			replaceFile(t, dir, "web.media_vol.tar", b[:700])
		}, "not a complete tar archive"},
		{"tar escaping its directory", func(t *testing.T, dir string) {
			replaceFile(t, dir, "web.media_vol.tar", makeTar(t, tarFile{name: "../../etc/cron.d/x", body: "x"}))
		}, "points outside"},
		{"tar with a symbolic link", func(t *testing.T, dir string) {
			var b bytes.Buffer
			tw := tar.NewWriter(&b)
			tw.WriteHeader(&tar.Header{Name: "media/", Typeflag: tar.TypeDir, Mode: 0o755})
			tw.WriteHeader(&tar.Header{Name: "media/passwd", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd", Mode: 0o777})
			tw.Close()
			replaceFile(t, dir, "web.media_vol.tar", b.Bytes())
		}, `tar entry "media/passwd" is a symbolic link (to "/etc/passwd")`},
		{"tar with a hard link", func(t *testing.T, dir string) {
			var b bytes.Buffer
			tw := tar.NewWriter(&b)
			tw.WriteHeader(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755})
			tw.WriteHeader(&tar.Header{Name: "./a", Typeflag: tar.TypeReg, Mode: 0o644})
			tw.WriteHeader(&tar.Header{Name: "./b", Typeflag: tar.TypeLink, Linkname: "./a", Mode: 0o644}) // inside: fine
			tw.WriteHeader(&tar.Header{Name: "./x", Typeflag: tar.TypeLink, Linkname: "../../etc/shadow", Mode: 0o644})
			tw.Close()
			replaceFile(t, dir, "web.media_vol.tar", b.Bytes())
		}, `tar entry "./x" is a hard link to "../../etc/shadow", outside`},
		{"tar with a device node", func(t *testing.T, dir string) {
			var b bytes.Buffer
			tw := tar.NewWriter(&b)
			tw.WriteHeader(&tar.Header{Name: "./sda", Typeflag: tar.TypeBlock, Devmajor: 8, Mode: 0o600})
			tw.Close()
			replaceFile(t, dir, "web.media_vol.tar", b.Bytes())
		}, `tar entry "./sda" is of type "4"`},
		{"data file links outside the folder", func(t *testing.T, dir string) {
			// The link's target is a byte-identical copy, so only the link
			// itself can be what is refused.
			outside := filepath.Join(t.TempDir(), "redis.rdb")
			os.WriteFile(outside, mustRead(t, filepath.Join(dir, "redis.rdb")), 0o600)
			os.Remove(filepath.Join(dir, "redis.rdb"))
			os.Symlink(outside, filepath.Join(dir, "redis.rdb"))
		}, "redis.rdb: is a symbolic link"},
		{"manifest links outside the folder", func(t *testing.T, dir string) {
			outside := filepath.Join(t.TempDir(), ManifestName)
			os.WriteFile(outside, mustRead(t, filepath.Join(dir, ManifestName)), 0o600)
			os.Remove(filepath.Join(dir, ManifestName))
			os.Symlink(outside, filepath.Join(dir, ManifestName))
		}, ManifestName + ": is a symbolic link"},
		{"sums are a FIFO", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, SumsName))
			if err := syscall.Mkfifo(filepath.Join(dir, SumsName), 0o600); err != nil {
				t.Skip(err)
			}
		}, SumsName + ": not a regular file"},
		{"gzip damaged with sums recomputed", func(t *testing.T, dir string) {
			b := mustRead(t, filepath.Join(dir, "db.sql.gz"))
			b[len(b)-6] ^= 0xFF // the CRC
			replaceFile(t, dir, "db.sql.gz", b)
		}, "gzip stream is damaged"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, _ := createBackup(t, newFake(t))
			c.damage(t, dir)
			_, err := Verify(dir)
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("Verify = %v, want a VerifyError", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("Verify error\n%v\ndoes not mention %q", err, c.want)
			}
		})
	}
}

func TestVerifyChecksFilesOnlySHA256SUMSLists(t *testing.T) {
	dir, m := createBackup(t, newFake(t))
	notes := []byte("made by scripts/backup.sh\n")
	os.WriteFile(filepath.Join(dir, "MANIFEST.txt"), notes, 0o600)
	sums := append(m.Sums(), []byte(fmt.Sprintf("%x  MANIFEST.txt\n", sha256.Sum256(notes)))...)
	os.WriteFile(filepath.Join(dir, SumsName), sums, 0o600)
	if _, err := Verify(dir); err != nil {
		t.Fatalf("an intact extra file: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "MANIFEST.txt"), []byte("edited"), 0o600)
	if _, err := Verify(dir); err == nil || !strings.Contains(err.Error(), "MANIFEST.txt: SHA-256") {
		t.Fatalf("a damaged extra file: %v", err)
	}
}

func TestVerifyAcceptsABackupWithoutSums(t *testing.T) {
	dir, _ := createBackup(t, newFake(t))
	os.Remove(filepath.Join(dir, SumsName))
	if _, err := Verify(dir); err != nil {
		t.Fatal(err)
	}
}

func TestMatch(t *testing.T) {
	_, m := createBackup(t, newFake(t))
	if w, err := Match(m, "django-uwsgi", djangoStates); err != nil || len(w) != 0 {
		t.Fatalf("Match = %v, %v", w, err)
	}
	if _, err := Match(m, "onyx", djangoStates); err == nil || !strings.Contains(err.Error(), "backup of a django-uwsgi stack and this project is onyx") {
		t.Errorf("other stack: %v", err)
	}
	mysql := append([]stack.State{{Service: "db", Kind: stack.StateMySQL, Volume: "db_vol"}}, djangoStates[1:]...)
	if _, err := Match(m, "django-uwsgi", mysql); err == nil || !strings.Contains(err.Error(), "holds mariadb data") {
		t.Errorf("other database kind: %v", err)
	}
	more := append(append([]stack.State(nil), djangoStates...), stack.State{Service: "web", Kind: stack.StateFiles, Path: "/app/private", Volume: "private_vol"})
	if _, err := Match(m, "django-uwsgi", more); err == nil || !strings.Contains(err.Error(), "no web.private_vol.tar") {
		t.Errorf("missing state: %v", err)
	}
	if w, err := Match(m, "django-uwsgi", djangoStates[:2]); err != nil || len(w) != 1 || !strings.Contains(w[0].Error(), "web.media_vol.tar") {
		t.Errorf("extra file: %v, %v", w, err)
	}
}

func TestPruneKeepsTheNewestOfOneProject(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	entries := []Entry{
		{Dir: "a", Stack: "django-uwsgi", Project: "p", Created: day(1)},
		{Dir: "b", Stack: "django-uwsgi", Project: "p", Created: day(3)},
		{Dir: "c", Stack: "django-uwsgi", Project: "p", Created: day(2)},
		{Dir: "d", Stack: "django-uwsgi", Project: "other", Created: day(1)},
		{Dir: "e", Stack: "onyx", Project: "p", Created: day(1)},
		{Dir: "f", Stack: "django-uwsgi", Project: "p", Created: day(4)},
	}
	got := Prune(entries, 2, "django-uwsgi", "p")
	var dirs []string
	for _, e := range got {
		dirs = append(dirs, e.Dir)
	}
	if strings.Join(dirs, ",") != "c,a" {
		t.Errorf("Prune removes %v, want c,a", dirs)
	}
	if Prune(entries, 0, "django-uwsgi", "p") != nil || Prune(entries, 4, "django-uwsgi", "p") != nil {
		t.Error("keep 0 or more than there are must delete nothing")
	}
}

func TestListSkipsPartialAndForeignFolders(t *testing.T) {
	fe := newFake(t)
	dir, _ := createBackup(t, fe)
	out := filepath.Dir(dir)
	os.Mkdir(filepath.Join(out, ".20261123-020000.partial-1"), 0o700)
	os.Mkdir(filepath.Join(out, "notes"), 0o700)
	got, err := List(out)
	if err != nil || len(got) != 1 || got[0].Dir != dir || got[0].Project != "mysite" {
		t.Fatalf("List = %+v, %v", got, err)
	}
}

func TestFileNamesAndStateChecks(t *testing.T) {
	cases := map[string]stack.State{
		"db.sql.gz":               {Service: "db", Kind: stack.StateMySQL},
		"relational_db.pgdump":    {Service: "relational_db", Kind: stack.StatePostgres},
		"cache.rdb":               {Service: "cache", Kind: stack.StateRedis},
		"minio.minio_data.tar":    {Service: "minio", Kind: stack.StateFiles, Path: "/data", Volume: "minio_data"},
		"web.srv_app_uploads.tar": {Service: "web", Kind: stack.StateFiles, Path: "/srv/app/uploads"},
		"web.app_media.tar":       {Service: "web", Kind: stack.StateFiles, Path: "/app/media/"},
	}
	for want, st := range cases {
		if got := FileName(st); got != want {
			t.Errorf("FileName(%+v) = %s, want %s", st, got, want)
		}
	}
	if err := CheckStates(djangoStates); err != nil {
		t.Error(err)
	}
	bad := [][]stack.State{
		nil,
		{{Service: "web", Kind: stack.StateFiles, Path: "media"}},
		{{Service: "x", Kind: "mongodb"}},
		{{Service: "db", Kind: stack.StateMySQL}, {Service: "db", Kind: stack.StateMariaDB}},
	}
	for _, states := range bad {
		if err := CheckStates(states); err == nil {
			t.Errorf("CheckStates(%+v) accepted", states)
		}
	}
}

func TestRestoreStreamsEachKindToItsPlace(t *testing.T) {
	fe := newFake(t)
	dir, m := createBackup(t, fe)
	err := Restore(context.Background(), fe, RestoreOptions{Dir: dir, Manifest: m, Targets: djangoTargets(),
		Redis: map[string]RedisConfig{"redis": {Dir: "/data", DBFilename: "dump.rdb", Major: 8}}})
	if err != nil {
		t.Fatal(err)
	}
	if string(fe.restored["id-db"]) != sqlDump {
		t.Errorf("the database got %q", fe.restored["id-db"])
	}
	if len(fe.helpers) != 2 || fe.helpers[0].Image != "img/redis" || fe.helpers[0].VolumesFrom != "id-redis" ||
		fe.helpers[1].Cmd[0] != "/app/media" {
		t.Errorf("helpers %+v", fe.helpers)
	}
	rdbTar := tarNames(t, fe.copiedIn["helper1:/data"])
	if rdbTar["dump.rdb"] != string(rdb("keys")) || len(rdbTar) != 1 {
		t.Errorf("redis got %q", rdbTar)
	}
	media := tarNames(t, fe.copiedIn["helper2:/app/media"])
	if media["./uploads/cat.jpg"] != "\x00\xffJPEG bytes\r\n" {
		t.Errorf("media got %q", media)
	}
	if len(fe.removed) != 2 {
		t.Errorf("helpers removed: %v", fe.removed)
	}
}

func TestRestoreRedisWithAppendOnlyWritesTheAOFBase(t *testing.T) {
	fe := newFake(t)
	dir, m := createBackup(t, fe)
	err := Restore(context.Background(), fe, RestoreOptions{Dir: dir, Manifest: m, Targets: djangoTargets()[1:2],
		Redis: map[string]RedisConfig{"redis": {Dir: "/data", DBFilename: "dump.rdb", AppendOnly: true, AppendDirname: "appendonlydir", AppendFilename: "appendonly.aof", Major: 7}}})
	if err != nil {
		t.Fatal(err)
	}
	got := tarNames(t, fe.copiedIn["helper1:/data"])
	if got["appendonlydir/appendonly.aof.1.base.rdb"] != string(rdb("keys")) ||
		got["appendonlydir/appendonly.aof.manifest"] != "file appendonly.aof.1.base.rdb seq 1 type b\n" {
		t.Errorf("AOF restore wrote %q", got)
	}
}

func TestParseRedisProbe(t *testing.T) {
	c := parseRedisProbe("dir=/data\r\ndbfilename=dump.rdb\nappendonly=no\nappenddirname=appendonlydir\nappendfilename=appendonly.aof\nversion=8.0.2\n")
	if c.Dir != "/data" || c.DBFilename != "dump.rdb" || c.AppendOnly || c.Major != 8 {
		t.Errorf("%+v", c)
	}
}

func TestRebaseTarRefusesAFile(t *testing.T) {
	err := rebaseTar(bytes.NewReader(makeTar(t, tarFile{name: "media", body: "x"})), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("rebaseTar = %v", err)
	}
}

func mustOpen(t *testing.T, p string) *os.File {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func flipByte(t *testing.T, p string, i int) {
	t.Helper()
	b := mustRead(t, p)
	b[i] ^= 0x01
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func rewriteManifest(t *testing.T, dir string, edit func(*Manifest)) {
	t.Helper()
	m, err := LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, _ := m.Marshal()
	os.WriteFile(filepath.Join(dir, ManifestName), b, 0o600)
	os.WriteFile(filepath.Join(dir, SumsName), m.Sums(), 0o600)
}

// replaceFile swaps a data file and recomputes its size and hashes, as a
// careless hand edit or a foreign tool would.
func replaceFile(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	os.WriteFile(filepath.Join(dir, name), b, 0o600)
	sum, err := inspectContent(bytes.NewReader(b), "", name)
	if err != nil {
		t.Fatal(err)
	}
	rewriteManifest(t, dir, func(m *Manifest) {
		for i := range m.Files {
			if m.Files[i].Name == name {
				m.Files[i].Size, m.Files[i].SHA256 = int64(len(b)), sum.sha256
			}
		}
	})
}

// A backup written by the generated scripts names its files its own way
// (dump.rdb, media.tar.gz): the manifest's service and kind say what each
// holds, and *.gz is decompressed.
func TestScriptNamedBackupVerifiesMatchesAndRestores(t *testing.T) {
	dir := t.TempDir()
	var sqlGz, mediaGz bytes.Buffer
	zw := gzip.NewWriter(&sqlGz)
	zw.Write([]byte(sqlDump))
	zw.Close()
	media := makeTar(t, tarFile{name: "./", dir: true}, tarFile{name: "./cat.jpg", body: "meow"})
	zw = gzip.NewWriter(&mediaGz)
	zw.Write(media)
	zw.Close()
	m := &Manifest{Format: Format, Stack: "django-uwsgi", Project: "mysite", StackgenVersion: "script", Created: now}
	for _, f := range []struct {
		name string
		st   stack.State
		b    []byte
	}{
		{"db.sql.gz", djangoStates[0], sqlGz.Bytes()},
		{"dump.rdb", djangoStates[1], rdb("k")},
		{"media.tar.gz", djangoStates[2], mediaGz.Bytes()},
	} {
		os.WriteFile(filepath.Join(dir, f.name), f.b, 0o600)
		sum, _ := inspectContent(bytes.NewReader(f.b), f.st.Kind, f.name)
		m.Files = append(m.Files, File{Name: f.name, Service: f.st.Service, Kind: f.st.Kind, Volume: f.st.Volume, Size: int64(len(f.b)), SHA256: sum.sha256})
	}
	b, _ := m.Marshal()
	os.WriteFile(filepath.Join(dir, ManifestName), b, 0o600)
	os.WriteFile(filepath.Join(dir, SumsName), m.Sums(), 0o600)
	if _, err := Verify(dir); err != nil {
		t.Fatal(err)
	}
	if w, err := Match(m, "django-uwsgi", djangoStates); err != nil || len(w) != 0 {
		t.Fatalf("Match = %v, %v", w, err)
	}
	fe := newFake(t)
	if err := Restore(context.Background(), fe, RestoreOptions{Dir: dir, Manifest: m, Targets: djangoTargets()}); err != nil {
		t.Fatal(err)
	}
	if string(fe.restored["id-db"]) != sqlDump {
		t.Errorf("the database got %q", fe.restored["id-db"])
	}
	if got := tarNames(t, fe.copiedIn["helper2:/app/media"]); got["./cat.jpg"] != "meow" {
		t.Errorf("media got %q", got)
	}
	// A damaged gzip is found even with sums recomputed.
	bad := mediaGz.Bytes()
	bad[len(bad)-7] ^= 0xFF
	replaceFile(t, dir, "media.tar.gz", bad)
	if _, err := Verify(dir); err == nil || !strings.Contains(err.Error(), "media.tar.gz") {
		t.Errorf("Verify of a damaged media.tar.gz = %v", err)
	}
}
