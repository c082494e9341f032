package restorecmd

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/backup"
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/engine/enginetest"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/prompt"
	"github.com/stackgen/stackgen/prompt/prompttest"
	"github.com/stackgen/stackgen/stack"
)

// projectDir writes a django-uwsgi project manifest (MariaDB).
func projectDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mysite")
	os.MkdirAll(dir, 0o755)
	m := &project.Manifest{Stack: "django-uwsgi", Version: "test", Answers: map[string]string{"db": "mariadb", "project": "mysite"}}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, project.ManifestName), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// backupDir writes a sound backup folder of a django-uwsgi project by hand.
func backupDir(t *testing.T, stackName string) string {
	t.Helper()
	dir := t.TempDir()
	var sql bytes.Buffer
	zw := gzip.NewWriter(&sql)
	zw.Write([]byte("-- MariaDB dump 10.19\nCREATE TABLE t (x int);\n-- Dump completed on 2026-11-23\n"))
	zw.Close()
	rdb := append([]byte("REDIS0012payload"), 0xFF, 1, 2, 3, 4, 5, 6, 7, 8)
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "./a.jpg", Typeflag: tar.TypeReg, Mode: 0o644, Size: 3})
	tw.Write([]byte("jpg"))
	tw.Close()
	m := &backup.Manifest{Format: backup.Format, Stack: stackName, Project: "mysite", StackgenVersion: "test", Created: time.Now().UTC()}
	for _, f := range []struct {
		st stack.State
		b  []byte
	}{
		{stack.State{Service: "db", Kind: stack.StateMariaDB, Volume: "db_vol"}, sql.Bytes()},
		{stack.State{Service: "redis", Kind: stack.StateRedis, Volume: "redis_vol"}, rdb},
		{stack.State{Service: "web", Kind: stack.StateFiles, Path: "/app/media", Volume: "media_vol"}, tb.Bytes()},
	} {
		name := backup.FileName(f.st)
		os.WriteFile(filepath.Join(dir, name), f.b, 0o600)
		m.Files = append(m.Files, backup.File{Name: name, Service: f.st.Service, Kind: f.st.Kind, Volume: f.st.Volume, Size: int64(len(f.b)), SHA256: project.Hash(f.b)})
	}
	b, _ := m.Marshal()
	os.WriteFile(filepath.Join(dir, backup.ManifestName), b, 0o600)
	os.WriteFile(filepath.Join(dir, backup.SumsName), m.Sums(), 0o600)
	if _, err := backup.Verify(dir); err != nil {
		t.Fatalf("the hand-made backup does not verify: %v", err)
	}
	return dir
}

// options never reach Docker: a refusal must come before it.
func options(t *testing.T, bk string) (*Options, *bytes.Buffer) {
	ios, _, _, errOut := cmdutil.Test()
	return &Options{
		IO: ios, Backup: bk, Dir: projectDir(t),
		Engine: func() (*engine.Client, error) {
			t.Error("the restore reached Docker")
			return nil, errors.New("no engine in this test")
		},
	}, errOut
}

func TestRestoreRefusesADamagedBackupBeforeDocker(t *testing.T) {
	bk := backupDir(t, "django-uwsgi")
	p := filepath.Join(bk, "web.media_vol.tar")
	b, _ := os.ReadFile(p)
	b[len(b)-1025] ^= 1
	os.WriteFile(p, b, 0o600)
	opts, _ := options(t, bk)
	opts.Yes = true
	err := Run(context.Background(), opts)
	var ve *backup.VerifyError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "web.media_vol.tar: SHA-256") {
		t.Fatalf("Run = %v, want a VerifyError naming the file", err)
	}
}

func TestRestoreRefusesAnotherStacksBackup(t *testing.T) {
	opts, _ := options(t, backupDir(t, "onyx"))
	opts.Yes = true
	err := Run(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "backup of a onyx stack and this project is django-uwsgi") {
		t.Fatalf("Run = %v", err)
	}
}

func TestRestoreWithoutTerminalNeedsYes(t *testing.T) {
	opts, errOut := options(t, backupDir(t, "django-uwsgi"))
	err := Run(context.Background(), opts)
	var ee *cmdutil.ExitError
	if !errors.As(err, &ee) || ee.Code != 2 || !strings.Contains(err.Error(), "pass --yes") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Run = %v, want a one-line exit-2 error naming --yes", err)
	}
	if !strings.Contains(errOut.String(), "Backup OK") {
		t.Errorf("the backup was not checked first:\n%s", errOut)
	}
}

func TestNewCmdRestoreArgs(t *testing.T) {
	f := &cmdutil.Factory{IO: func() *cmdutil.IOStreams { ios, _, _, _ := cmdutil.Test(); return ios }()}
	var got *Options
	cmd := NewCmdRestore(f, func(ctx context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"backups/x", "site", "--yes"})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	// 0: the stack's own start timeout, the same default up uses.
	if got.Backup != "backups/x" || got.Dir != "site" || !got.Yes || got.Timeout != 0 || got.StartStack == nil {
		t.Errorf("options %+v", got)
	}
	cmd.SetArgs([]string{"backups/x", "site", "--yes", "--timeout", "900"})
	if err := cmd.Execute(); err != nil || got.Timeout != 900*time.Second {
		t.Errorf("--timeout 900: %v, %v; want 15m", got.Timeout, err)
	}
	cmd = NewCmdRestore(f, func(ctx context.Context, o *Options) error { return nil })
	cmd.SetArgs(nil)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.Execute(); err == nil {
		t.Error("restore without a backup folder was accepted")
	}
}

func TestWritersAreEveryServiceButTheDatabases(t *testing.T) {
	p := &engine.ComposeProject{Services: []engine.Service{{Name: "db"}, {Name: "nginx"}, {Name: "redis"}, {Name: "web"}}}
	states := []stack.State{
		{Service: "db", Kind: stack.StateMariaDB},
		{Service: "redis", Kind: stack.StateRedis},
		{Service: "web", Kind: stack.StateFiles, Path: "/app/media"},
	}
	if got := strings.Join(writers(p, states), ","); got != "nginx,redis,web" {
		t.Errorf("writers = %s", got)
	}
}

const stoppedConfigJSON = `{"name":"mysite","services":{
 "db":{"image":"mariadb:11.8"},"redis":{"image":"redis:8.0"},"web":{"image":"mysite-web:1"}}}`

// stoppedStack is an engine whose project has no containers at all.
func stoppedStack(t *testing.T) func() (*engine.Client, error) {
	api := &enginetest.API{}
	api.Up()
	api.SetContainers()
	runner := &enginetest.Runner{Answer: enginetest.Compose(stoppedConfigJSON, nil)}
	return func() (*engine.Client, error) { return &engine.Client{API: api, Compose: runner}, nil }
}

func TestRestoreAsksBeforeStartingAStoppedStack(t *testing.T) {
	errStarted := errors.New("started (test stops here)")
	cases := []struct {
		name      string
		tty, yes  bool
		steps     []prompttest.Step
		wantErr   error
		wantStart bool
		wantText  string
	}{
		{"terminal, declined", true, false, []prompttest.Step{{Match: "Replace all data", Answer: "y"}, {Match: "Start the stack mysite now", Answer: "n"}}, cmdutil.ErrCancel, false, "may pull images"},
		{"terminal, accepted", true, false, []prompttest.Step{{Match: "Replace all data", Answer: "y"}, {Match: "Start the stack mysite now", Answer: "y"}}, errStarted, true, "may pull images"},
		{"--yes", false, true, nil, errStarted, true, "has to start it first"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ios, _, _, errOut := cmdutil.Test()
			ios.SetTTY(c.tty, c.tty, c.tty)
			p := prompttest.NewScripted(t, c.steps...)
			started := false
			dir := projectDir(t)
			must(t, os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services: {}\n"), 0o644))
			opts := &Options{
				IO: ios, Backup: backupDir(t, "django-uwsgi"), Dir: dir, Yes: c.yes,
				Engine:   stoppedStack(t),
				Prompter: func() prompt.Prompter { return p },
				StartStack: func(context.Context, *engine.Client, *engine.ComposeProject) error {
					started = true
					return errStarted
				},
			}
			err := Run(context.Background(), opts)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("Run = %v, want %v", err, c.wantErr)
			}
			if started != c.wantStart {
				t.Errorf("started = %v, want %v", started, c.wantStart)
			}
			if !strings.Contains(errOut.String(), c.wantText) {
				t.Errorf("stderr does not say %q:\n%s", c.wantText, errOut)
			}
		})
	}
}

func TestConfirmStartWithoutTerminalNeedsYes(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	err := confirmStart(&Options{IO: ios}, "mysite", errors.New("no container"))
	var ee *cmdutil.ExitError
	if !errors.As(err, &ee) || ee.Code != 2 || !strings.Contains(err.Error(), "pass --yes") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("confirmStart = %v, want a one-line exit-2 error naming --yes", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
