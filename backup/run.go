package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/tail"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/stack"
)

// Engine is what backup and restore need from Docker; *engine.Client has
// it, unit tests fake it.
type Engine interface {
	Exec(ctx context.Context, containerID string, cmd []string, stdout, stderr io.Writer) (int, error)
	ExecStdin(ctx context.Context, containerID string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) (int, error)
	CopyOut(ctx context.Context, containerID, path string) (io.ReadCloser, error)
	CopyIn(ctx context.Context, containerID, dir string, tarStream io.Reader) error
	RunHelper(ctx context.Context, opts engine.HelperOptions) (*engine.Helper, error)
	RemoveHelper(ctx context.Context, id string) error
	Pause(ctx context.Context, containerID string) error
	Unpause(ctx context.Context, containerID string) error
}

var _ Engine = (*engine.Client)(nil)

// Target is a declared state and the container of its service.
type Target struct {
	State stack.State
	// ContainerID and Container (its name) identify the service's
	// container; Image is the image it runs, used for helper containers.
	ContainerID string
	Container   string
	Image       string
}

// Event reports progress: a step starting, bytes moving, a step done.
type Event struct {
	// Step is the data file ("db.sql.gz").
	Step string
	// What says it in words ("db (mariadb)").
	What string
	// Say is What as a catalogue message when it holds words of its own
	// (not only names), for a reader of another language.
	Say     msg.Sub
	Bytes   int64
	Done    bool
	Elapsed time.Duration
}

// Progress receives events; nil ignores them.
type Progress func(Event)

func (p Progress) send(e Event) {
	if p != nil {
		p(e)
	}
}

// Options describe one backup.
type Options struct {
	// OutDir is the folder that receives the backup folder.
	OutDir          string
	Stack           string
	Project         string
	StackgenVersion string
	Now             time.Time
	Targets         []Target
	Progress        Progress
	// ProjectDir, when set, is archived too (project.tar.gz) without its
	// secrets, skipping the project paths in Skip (the backups folder).
	ProjectDir string
	Skip       []string
	// EncryptTo, when set, encrypts the secrets (.env, private keys) into
	// secrets.tar.age; without it they are left out, never stored in clear.
	EncryptTo *Recipients
	// Live copies file volumes while their writer runs; by default the
	// writer's container is paused for the copy, so the copy is one point
	// in time.
	Live bool
}

// Consistency says how a data file was made consistent, in the manifest.
const (
	ConsistentTransaction = "one transaction"
	ConsistentSnapshot    = "BGSAVE snapshot"
	ConsistentPaused      = "writer paused"
	ConsistentLive        = "live copy"
)

// FolderName is a backup folder's name for a time: UTC, sortable.
func FolderName(t time.Time) string { return t.UTC().Format("20060102-150405") }

// Create dumps every target into a new folder in OutDir while the stack
// keeps running, writes the manifest and SHA256SUMS, and returns the
// folder. The folder is built under a hidden name and renamed at the end,
// so a backup that fails or is interrupted never looks complete.
func Create(ctx context.Context, eng Engine, opts Options) (string, *Manifest, error) {
	var states []stack.State
	for _, t := range opts.Targets {
		states = append(states, t.State)
	}
	if err := CheckStates(states); err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(opts.OutDir, 0o700); err != nil {
		return "", nil, err
	}
	name := FolderName(opts.Now)
	final := filepath.Join(opts.OutDir, name)
	for i := 2; exists(final); i++ {
		final = filepath.Join(opts.OutDir, fmt.Sprintf("%s-%d", name, i))
	}
	work, err := os.MkdirTemp(opts.OutDir, "."+filepath.Base(final)+".partial-")
	if err != nil {
		return "", nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(work)
		}
	}()
	m := &Manifest{Format: Format, Stack: opts.Stack, Project: opts.Project, StackgenVersion: opts.StackgenVersion, Created: opts.Now.UTC().Truncate(time.Second)}
	for _, t := range opts.Targets {
		f, err := dumpOne(ctx, eng, work, t, opts)
		if err != nil {
			return "", nil, err
		}
		m.Files = append(m.Files, f)
	}
	if opts.ProjectDir != "" {
		if err := archiveProject(work, opts, m); err != nil {
			return "", nil, err
		}
	}
	b, err := m.Marshal()
	if err != nil {
		return "", nil, err
	}
	if err := writeFileAtomic(work, SumsName, m.Sums()); err != nil {
		return "", nil, err
	}
	if err := writeFileAtomic(work, ManifestName, b); err != nil {
		return "", nil, err
	}
	if err := os.Rename(work, final); err != nil {
		return "", nil, err
	}
	ok = true
	if err := syncDir(opts.OutDir); err != nil {
		return final, m, err
	}
	return final, m, nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func describe(st stack.State) string {
	if st.Kind == stack.StateFiles {
		return fmt.Sprintf("%s %s (files)", st.Service, st.Path)
	}
	return fmt.Sprintf("%s (%s)", st.Service, st.Kind)
}

func dumpOne(ctx context.Context, eng Engine, dir string, t Target, opts Options) (File, error) {
	progress := opts.Progress
	st := t.State
	s, err := StrategyFor(st.Kind)
	if err != nil {
		return File{}, err
	}
	name := FileName(st)
	what := describe(st)
	start := time.Now()
	progress.send(Event{Step: name, What: what})
	var last time.Time
	df, err := createDataFile(dir, name, func(n int64) {
		if now := time.Now(); now.Sub(last) >= 200*time.Millisecond {
			last = now
			progress.send(Event{Step: name, What: what, Bytes: n, Elapsed: now.Sub(start)})
		}
	})
	if err != nil {
		return File{}, err
	}
	f := File{Name: name, Service: st.Service, Kind: st.Kind, Volume: st.Volume, Path: st.Path}
	if err := dumpInto(ctx, eng, df, t, s, &f, opts.Live); err != nil {
		df.abort()
		return File{}, msg.Err("backup.err.dump", msg.Args{"What": what, "Container": t.Container, "Err": err})
	}
	sum, err := df.commit()
	if err != nil {
		return File{}, err
	}
	// Read the file back: the bytes on disk are what a restore gets.
	fh, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return File{}, err
	}
	check, err := inspectContent(fh, st.Kind, name)
	fh.Close()
	if err != nil {
		return File{}, err
	}
	if check.sha256 != sum.sha256 || check.size != sum.size {
		return File{}, msg.Err("backup.err.dump-changed", msg.Args{"What": what, "File": name})
	}
	if check.contentErr != nil {
		return File{}, msg.Err("backup.err.dump-content", msg.Args{"What": what, "Err": check.contentErr})
	}
	f.Size, f.SHA256 = sum.size, sum.sha256
	progress.send(Event{Step: name, What: what, Bytes: sum.size, Done: true, Elapsed: time.Since(start)})
	return f, nil
}

func dumpInto(ctx context.Context, eng Engine, w io.Writer, t Target, s *Strategy, f *File, live bool) error {
	if s.Kind == stack.StateFiles {
		f.Consistency = ConsistentLive
		if !live {
			// Paused, the writer cannot change a file halfway through the
			// copy; its connections stay open, and it goes on afterwards
			// even when the backup is interrupted.
			if err := eng.Pause(ctx, t.ContainerID); err != nil {
				return err
			}
			defer eng.Unpause(context.WithoutCancel(ctx), t.ContainerID)
			f.Consistency = ConsistentPaused
		}
		rc, err := eng.CopyOut(ctx, t.ContainerID, t.State.Path)
		if err != nil {
			return err
		}
		defer rc.Close()
		return rebaseTar(rc, w)
	}
	f.Consistency = ConsistentTransaction
	if s.Kind == stack.StateRedis {
		f.Consistency = ConsistentSnapshot
	}
	out := w
	var zw *gzip.Writer
	if s.Gzip {
		zw = gzip.NewWriter(w)
		out = zw
	}
	stderr := &tail.Bytes{Max: 8 << 10}
	code, err := eng.Exec(ctx, t.ContainerID, s.Dump, out, stderr)
	if err != nil {
		return err
	}
	if code != 0 {
		return msg.Err("backup.err.dump-exit", msg.Args{"Code": code, "Stderr": lastLines(stderr.String(), 3)})
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return err
		}
	}
	if s.Kind == stack.StateRedis {
		for _, line := range strings.Split(stderr.String(), "\n") {
			if p, ok := strings.CutPrefix(strings.TrimSpace(line), "stackgen-rdb="); ok {
				f.Path = p
			}
		}
	}
	return nil
}

// rebaseTar rewrites the engine's archive of a directory ("media",
// "media/a.jpg") to names relative to it ("./", "./a.jpg"), the layout of
// `tar -C DIR -cf - .`, so the folder format does not depend on the
// directory's name and the scripts can write the same archive.
func rebaseTar(r io.Reader, w io.Writer) error {
	tr := tar.NewReader(r)
	tw := tar.NewWriter(w)
	root := ""
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return msg.Err("backup.err.archive-read", msg.Args{"Err": err})
		}
		if root == "" {
			root = strings.TrimSuffix(hdr.Name, "/")
			if hdr.Typeflag != tar.TypeDir {
				return msg.Err("backup.err.archive-not-dir", msg.Args{"Dir": root})
			}
		}
		name, err := rebaseName(root, hdr.Name)
		if err != nil {
			return err
		}
		hdr.Name = name
		if hdr.Typeflag == tar.TypeLink {
			if hdr.Linkname, err = rebaseName(root, hdr.Linkname); err != nil {
				return err
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
	if root == "" {
		return msg.Err("backup.err.archive-empty")
	}
	return tw.Close()
}

func rebaseName(root, name string) (string, error) {
	clean := strings.TrimSuffix(name, "/")
	if clean == root {
		return "./", nil
	}
	rel, ok := strings.CutPrefix(clean, root+"/")
	if !ok || rel == "" || path.IsAbs(rel) || strings.HasPrefix(path.Clean(rel), "..") {
		return "", msg.Err("backup.err.archive-entry", msg.Args{"Entry": strconv.Quote(name), "Dir": root})
	}
	if strings.HasSuffix(name, "/") {
		rel += "/"
	}
	return "./" + rel, nil
}

func lastLines(s string, n int) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "stackgen-rdb=") {
			keep = append(keep, l)
		}
	}
	if len(keep) > n {
		keep = keep[len(keep)-n:]
	}
	if len(keep) == 0 {
		return "(no error output)"
	}
	return strings.Join(keep, " | ")
}

// archiveProject adds the project's files (project.tar.gz) and, with a
// key, its secrets (secrets.tar.age) to the backup in work.
func archiveProject(work string, opts Options, m *Manifest) error {
	df, err := createDataFile(work, ProjectName, nil)
	if err != nil {
		return err
	}
	pp, err := packProject(opts.ProjectDir, opts.Skip, df)
	if err != nil {
		df.abort()
		return err
	}
	sum, err := df.commit()
	if err != nil {
		return err
	}
	m.ProjectFiles = &Archive{Name: ProjectName, Size: sum.size, SHA256: sum.sha256}
	opts.Progress.send(Event{Step: ProjectName, What: msg.English().T("backup.progress.project-files", msg.Args{"N": pp.files}), Say: msg.Sub{ID: "backup.progress.project-files", Args: msg.Args{"N": pp.files}}, Bytes: sum.size, Done: true})
	if len(pp.secrets) == 0 || opts.EncryptTo == nil {
		return nil
	}
	sf, err := createDataFile(work, SecretsName, nil)
	if err != nil {
		return err
	}
	if err := sealSecrets(sf, pp.secrets, *opts.EncryptTo); err != nil {
		sf.abort()
		return msg.Err("backup.err.encrypt", msg.Args{"Err": err})
	}
	ssum, err := sf.commit()
	if err != nil {
		return err
	}
	sealed := &Sealed{Name: SecretsName, Size: ssum.size, SHA256: ssum.sha256, To: opts.EncryptTo.Kind}
	for p := range pp.secrets {
		sealed.Files = append(sealed.Files, p)
	}
	sort.Strings(sealed.Files)
	if env, ok := pp.secrets[".env"]; ok {
		sealed.EnvKeys = envKeys(env)
	}
	m.Secrets = sealed
	opts.Progress.send(Event{Step: SecretsName, What: msg.English().T("backup.progress.secrets", msg.Args{"N": len(sealed.Files)}), Say: msg.Sub{ID: "backup.progress.secrets", Args: msg.Args{"N": len(sealed.Files)}}, Bytes: ssum.size, Done: true})
	return nil
}

// SecretFilesOf lists the project files a backup of dir leaves out of the
// plain archive as secrets (to tell a user what --encrypt-to would keep).
func SecretFilesOf(dir string, skip []string) ([]string, error) {
	pp, err := packProject(dir, skip, io.Discard)
	if err != nil {
		return nil, err
	}
	var out []string
	for p := range pp.secrets {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}
