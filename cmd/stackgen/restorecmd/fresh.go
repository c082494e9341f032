package restorecmd

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/stackgen/stackgen/internal/composefile"

	"filippo.io/age"

	"github.com/stackgen/stackgen/backup"
	"github.com/stackgen/stackgen/bundle"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/atomicfile"
	"github.com/stackgen/stackgen/internal/dotenv"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stacks"
)

// freshTarget says dir is a folder to recreate the project in: missing or
// empty.
func freshTarget(dir string) (bool, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return len(des) == 0, nil
}

// identities opens the backup's secrets with the key or passphrase given,
// or returns nil when none was.
func (o *Options) identities() ([]age.Identity, error) {
	switch {
	case o.Identity != "":
		return backup.LoadIdentities(o.Identity)
	case o.PassphraseFile != "":
		b, err := os.ReadFile(o.PassphraseFile)
		if err != nil {
			return nil, msg.Err("cmd.err.flag", msg.Args{"Flag": "passphrase-file", "Err": err})
		}
		return backup.PassphraseIdentity(strings.TrimRight(string(b), "\r\n"))
	case os.Getenv("STACKGEN_BACKUP_PASSPHRASE") != "":
		return backup.PassphraseIdentity(os.Getenv("STACKGEN_BACKUP_PASSPHRASE"))
	}
	return nil, nil
}

// unpackProject recreates the project in opts.Dir from the backup: its
// files, its secrets when the key opens them, and otherwise a .env with
// fresh secrets and the names of those the data may depend on.
func unpackProject(opts *Options) error {
	ew := opts.IO.ErrOut
	m, err := backup.Verify(opts.Backup)
	if err != nil {
		return err
	}
	if m.ProjectFiles == nil {
		return msg.Err("restore.err.no-project-files", msg.Args{"Dir": opts.Dir, "Stack": m.Stack})
	}
	ids, err := opts.identities()
	if err != nil {
		return err
	}
	var secrets map[string][]byte
	if m.Secrets != nil && ids != nil {
		f, err := os.Open(filepath.Join(opts.Backup, m.Secrets.Name))
		if err != nil {
			return err
		}
		secrets, err = backup.OpenSecrets(f, ids)
		f.Close()
		if err != nil {
			return err
		}
	} else if ids != nil {
		fmt.Fprintln(ew, opts.IO.L.T("restore.note.no-secrets"))
	}
	archive, err := os.Open(filepath.Join(opts.Backup, m.ProjectFiles.Name))
	if err != nil {
		return err
	}
	defer archive.Close()
	if err := backup.UnpackProject(archive, secrets, opts.Dir); err != nil {
		return err
	}
	fmt.Fprint(ew, opts.IO.L.T("restore.recreated", msg.Args{"Dir": opts.Dir}))
	if secrets != nil {
		names := make([]string, 0, len(secrets))
		for n := range secrets {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintln(ew, opts.IO.L.T("restore.recreated.secrets", msg.Args{"Names": strings.Join(names, ", ")}))
		opts.build = true
		return nil
	}
	fmt.Fprintln(ew)
	if err := freshSecrets(opts, m); err != nil {
		return err
	}
	opts.build = true
	return nil
}

// freshSecrets writes a .env with new secrets when the backup's could not
// be opened, and says which the user must supply to read encrypted data.
func freshSecrets(opts *Options, m *backup.Manifest) error {
	envPath := filepath.Join(opts.Dir, ".env")
	if _, err := os.Stat(envPath); err == nil {
		return nil
	}
	def, err := stacks.Registry().Lookup(m.Stack)
	if err != nil {
		return err
	}
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	generated, err := def.GenerateSecrets(rnd, nil)
	if err != nil {
		return err
	}
	example, err := os.ReadFile(filepath.Join(opts.Dir, ".env.example"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := atomicfile.Write(envPath, bundle.EnvFromExample(example, generated), 0o600); err != nil {
		return err
	}
	keys := make([]string, 0, len(generated))
	for k := range generated {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	why := msg.Sub{ID: "restore.supply.encrypted"}
	if m.Secrets == nil {
		why = msg.Sub{ID: "restore.supply.none"}
	}
	fmt.Fprintln(opts.IO.ErrOut, opts.IO.L.T("restore.supply", msg.Args{"Keys": strings.Join(keys, ", "), "Why": why}))
	return nil
}

// verifyRun restores the backup into a throwaway copy of the project (its
// own compose project name, volumes and network, no published ports),
// counts what came back, and removes the copy whatever happens.
func verifyRun(ctx context.Context, opts *Options) error {
	ew := opts.IO.ErrOut
	m, err := backup.Verify(opts.Backup)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "stackgen-verify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	if _, err := eng.Check(ctx); err != nil {
		return err
	}
	live := ""
	src := opts.Dir
	if fresh, _ := freshTarget(src); fresh {
		src = ""
	} else if lp, err := eng.LoadProject(ctx, src); err == nil {
		live = lp.Name
	}
	name := fmt.Sprintf("%s-verify-%x", sanitize(m.Project), randBytes(opts.Rand, 3))
	dir := filepath.Join(tmp, name)
	if src != "" {
		// The project as it is, with its secrets: the throwaway copy
		// initialises its databases with the same passwords.
		if err := backup.CloneProject(src, dir); err != nil {
			return err
		}
	} else {
		o := *opts
		o.Dir = dir
		if err := unpackProject(&o); err != nil {
			return err
		}
	}
	if err := isolate(ctx, eng, dir, name); err != nil {
		return err
	}
	p, err := eng.LoadProject(ctx, dir)
	if err != nil {
		return err
	}
	if p.Name == live || p.Name != name {
		return msg.Err("restore.err.verify-name", msg.Args{"Project": strconv.Quote(p.Name), "Live": strconv.Quote(live)})
	}
	fmt.Fprintln(ew, opts.IO.L.T("restore.verify.start", msg.Args{"Backup": opts.Backup, "Project": p.Name}))
	defer func() {
		// Everything the check created goes, whatever happened.
		dctx := context.WithoutCancel(ctx)
		if err := eng.Down(dctx, p, true, io.Discard, io.Discard); err != nil {
			fmt.Fprintln(ew, opts.IO.L.T("restore.verify.cleanup-failed", msg.Args{"Project": p.Name, "Err": err}))
		}
	}()
	o := *opts
	o.Dir, o.Yes, o.Verify, o.build = dir, true, false, false
	if err := Run(ctx, &o); err != nil {
		return msg.Err("restore.err.verify-failed", msg.Args{"Err": err})
	}
	proj, err := backup.LoadSource(dir)
	if err != nil {
		return err
	}
	targets, err := backup.Targets(ctx, eng, p.Name, proj.States)
	if err != nil {
		return err
	}
	counts, err := backup.Probe(ctx, eng, targets)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, opts.IO.L.T("restore.verify.header"))
	for _, c := range counts {
		fmt.Fprintf(tw, "%s\t%s\t%d\n", c.Service, c.What, c.N)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(ew, opts.IO.L.T("restore.verify.ok"))
	return nil
}

// isolate makes a project copy its own compose project with no published
// port, through its .env: COMPOSE_PROJECT_NAME wins over the compose
// file's name, and COMPOSE_FILE adds an overlay that resets the ports of
// every service that publishes one (compose's !reset).
func isolate(ctx context.Context, eng *engine.Client, dir, name string) error {
	p, err := eng.LoadProject(ctx, dir)
	if err != nil {
		return err
	}
	envPath := filepath.Join(dir, ".env")
	env, err := dotenv.ReadFile(envPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return msg.Err("cmd.err.file", msg.Args{"File": envPath, "Err": err})
	}
	files := env["COMPOSE_FILE"]
	if files == "" {
		main, ok := engine.FindComposeFile(dir)
		if !ok {
			return msg.Err("restore.err.no-compose", msg.Args{"Dir": dir})
		}
		files = filepath.Base(main)
		for _, o := range composefile.OverrideNames {
			if _, err := os.Stat(filepath.Join(dir, o)); err == nil {
				files += ":" + o
				break
			}
		}
	}
	const overlayName = "stackgen-verify.yaml"
	overlay := "# stackgen restore --verify: the throwaway copy publishes no port.\nservices:\n"
	for _, s := range p.Services {
		if len(s.Ports) > 0 {
			overlay += "  " + render.YAMLString(s.Name) + ":\n    ports: !reset []\n"
		}
	}
	if err := atomicfile.Write(filepath.Join(dir, overlayName), []byte(overlay), 0o644); err != nil {
		return err
	}
	old, err := os.ReadFile(envPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	sep := env["COMPOSE_PATH_SEPARATOR"]
	if sep == "" {
		sep = ":"
	}
	files = strings.ReplaceAll(files, ":", sep) + sep + overlayName
	return atomicfile.Write(envPath, bundle.EnvFromExample(old, map[string]string{
		"COMPOSE_PROJECT_NAME": render.EnvValue(name),
		"COMPOSE_FILE":         render.EnvValue(files),
	}), 0o600)
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "stack"
	}
	return b.String()
}

func randBytes(r io.Reader, n int) []byte {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	io.ReadFull(r, b)
	return b
}
