package backup

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/tail"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/stack"
)

// RedisConfig is what a restore needs to know of the running Redis.
type RedisConfig struct {
	Dir, DBFilename string
	AppendOnly      bool
	AppendDirname   string
	AppendFilename  string
	// Major is the server's major version (0 when unknown).
	Major int
	// Server is the server's version as INFO reports it (zero: unknown).
	Server RedisServer
}

// RedisProbeScript prints the Redis settings a restore depends on, one
// key=value a line.
const RedisProbeScript = `set -eu
if [ -z "${REDISCLI_AUTH:-}" ] && [ -n "${REDIS_PASSWORD:-}" ]; then REDISCLI_AUTH=$REDIS_PASSWORD; export REDISCLI_AUTH; fi
for k in dir dbfilename appendonly appenddirname appendfilename; do
  v=$(redis-cli CONFIG GET "$k" 2>/dev/null | sed -n 2p) || v=
  printf '%s=%s\n' "$k" "$v"
done
info=$(redis-cli INFO server 2>/dev/null | tr -d '\r') || info=
printf 'version=%s\n' "$(printf '%s\n' "$info" | sed -n 's/^redis_version://p')"
printf 'valkey_version=%s\n' "$(printf '%s\n' "$info" | sed -n 's/^valkey_version://p')"
`

// ProbeRedis asks a running Redis for its persistence settings.
func ProbeRedis(ctx context.Context, eng Engine, containerID string) (RedisConfig, error) {
	out, errOut := tail.Bytes{Max: 8 << 10}, tail.Bytes{Max: 8 << 10}
	code, err := eng.Exec(ctx, containerID, []string{"sh", "-c", RedisProbeScript}, &out, &errOut)
	if err != nil {
		return RedisConfig{}, err
	}
	if code != 0 {
		return RedisConfig{}, msg.Err("backup.err.redis-config", msg.Args{"Code": code, "Stderr": lastLines(errOut.String(), 2)})
	}
	return parseRedisProbe(out.String()), nil
}

func parseRedisProbe(s string) RedisConfig {
	kv := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimRight(sc.Text(), "\r"), "=")
		if ok {
			kv[k] = strings.TrimSpace(v)
		}
	}
	c := RedisConfig{
		Dir: kv["dir"], DBFilename: kv["dbfilename"],
		AppendOnly:    kv["appendonly"] == "yes",
		AppendDirname: kv["appenddirname"], AppendFilename: kv["appendfilename"],
	}
	if major, _, _ := strings.Cut(kv["version"], "."); major != "" {
		c.Major, _ = strconv.Atoi(major)
	}
	c.Server = parseRedisServer(kv["version"], kv["valkey_version"])
	return c
}

// RestoreOptions describe one restore. The caller has verified the backup
// (Verify), matched it to the project (Match), and stopped the writers:
// database targets must be running, Redis and files targets stopped.
type RestoreOptions struct {
	Dir      string
	Manifest *Manifest
	Targets  []Target
	// Redis holds the settings of each Redis service, probed before it was
	// stopped (missing: the defaults, RDB only).
	Redis    map[string]RedisConfig
	Progress Progress
}

// restoreOrder: databases first (their servers run), then the services
// whose files are replaced while they are stopped.
var restoreOrder = []stack.StateKind{stack.StateMySQL, stack.StateMariaDB, stack.StatePostgres, stack.StateRedis, stack.StateFiles}

// Restore puts every target's data back from the backup folder.
func Restore(ctx context.Context, eng Engine, opts RestoreOptions) error {
	// a Redis that cannot read the RDB would exit on start: refuse before
	// the databases are overwritten, not halfway
	if err := checkRedisTargets(opts); err != nil {
		return err
	}
	for _, kind := range restoreOrder {
		for _, t := range opts.Targets {
			if t.State.Kind != kind {
				continue
			}
			f, ok := opts.Manifest.FileFor(t.State)
			if !ok {
				return msg.Err("backup.err.no-file", msg.Args{"File": FileName(t.State)})
			}
			if err := restoreOne(ctx, eng, opts, t, f); err != nil {
				return msg.Err("backup.err.restore-one", msg.Args{"What": describe(t.State), "Container": t.Container, "Err": err})
			}
		}
	}
	return nil
}

func restoreOne(ctx context.Context, eng Engine, opts RestoreOptions, t Target, f File) error {
	s, err := StrategyFor(t.State.Kind)
	if err != nil {
		return err
	}
	fh, _, err := OpenData(opts.Dir, f.Name)
	if err != nil {
		return msg.Err("backup.err.file", msg.Args{"File": f.Name, "Err": err})
	}
	defer fh.Close()
	what := describe(t.State)
	start := time.Now()
	opts.Progress.send(Event{Step: f.Name, What: what})
	src := &progressReader{r: fh, step: f.Name, what: what, start: start, progress: opts.Progress}
	switch t.State.Kind {
	case stack.StateRedis:
		err = restoreRedis(ctx, eng, t, f, opts.Redis[t.State.Service], src)
	case stack.StateFiles:
		var in io.Reader = src
		if Compressed(f.Name) {
			zr, zerr := gzip.NewReader(src)
			if zerr != nil {
				return zerr
			}
			defer zr.Close()
			in = zr
		}
		err = restoreFiles(ctx, eng, t, in)
	default:
		var in io.Reader = src
		if Compressed(f.Name) {
			zr, zerr := gzip.NewReader(src)
			if zerr != nil {
				return zerr
			}
			defer zr.Close()
			in = zr
		}
		stderr := &tail.Bytes{Max: 8 << 10}
		code, xerr := eng.ExecStdin(ctx, t.ContainerID, s.Restore, in, stderr, stderr)
		if xerr != nil {
			return xerr
		}
		if code != 0 {
			return msg.Err("backup.err.restore-exit", msg.Args{"Code": code, "Stderr": lastLines(stderr.String(), 3)})
		}
	}
	if err != nil {
		return err
	}
	opts.Progress.send(Event{Step: f.Name, What: what, Bytes: src.n, Done: true, Elapsed: time.Since(start)})
	return nil
}

// runHelper runs a script as root in a helper container from the target's
// image that shares the (stopped) service container's volumes, and returns
// the helper (to copy into) with what it printed.
func runHelper(ctx context.Context, eng Engine, t Target, purpose, script string, args ...string) (*engine.Helper, error) {
	h, err := eng.RunHelper(ctx, engine.HelperOptions{
		Image: t.Image, VolumesFrom: t.ContainerID,
		Entrypoint: []string{"sh", "-c", script, "sh"}, Cmd: args,
		Purpose: purpose,
	})
	if err != nil {
		return nil, err
	}
	if h.ExitCode != 0 {
		eng.RemoveHelper(context.WithoutCancel(ctx), h.ID)
		return nil, msg.Err("backup.err.helper-exit", msg.Args{"Purpose": purpose, "Code": h.ExitCode, "Stderr": lastLines(h.Stderr, 3)})
	}
	return h, nil
}

func parseOwner(s string) (uid, gid int, err error) {
	line := strings.TrimSpace(s)
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	u, g, ok := strings.Cut(line, ":")
	if ok {
		if uid, err = strconv.Atoi(u); err == nil {
			gid, err = strconv.Atoi(g)
		}
	}
	if !ok || err != nil {
		return 0, 0, msg.Err("backup.err.helper-owner", msg.Args{"Line": strconv.Quote(line)})
	}
	return uid, gid, nil
}

// restoreRedis replaces the RDB (and drops any append-only file) in the
// stopped Redis service's volume. When that Redis runs with appendonly
// yes, it would load an (empty) AOF instead of the RDB, so the RDB is
// written as the AOF's base instead (Redis 7+: appendonlydir with a
// manifest; older: an RDB-preamble appendonly.aof).
func restoreRedis(ctx context.Context, eng Engine, t Target, f File, cfg RedisConfig, src io.Reader) error {
	dir, file := path.Split(f.Path)
	if cfg.Dir != "" {
		dir = cfg.Dir
	}
	if cfg.DBFilename != "" {
		file = cfg.DBFilename
	}
	if dir == "" {
		dir = t.State.Path
	}
	if dir == "" {
		dir = "/data"
	}
	if file == "" {
		file = "dump.rdb"
	}
	dir = path.Clean(dir)
	h, err := runHelper(ctx, eng, t, "restore redis", RedisPrepareScript, dir, file)
	if err != nil {
		return err
	}
	defer eng.RemoveHelper(context.WithoutCancel(ctx), h.ID)
	uid, gid, err := parseOwner(h.Stdout)
	if err != nil {
		return err
	}
	var entries []tarEntry
	switch {
	case !cfg.AppendOnly:
		entries = []tarEntry{{name: file, size: f.Size, body: src}}
	case cfg.Major >= 7 || cfg.Major == 0 && cfg.AppendDirname != "":
		adir := cfg.AppendDirname
		if adir == "" {
			adir = "appendonlydir"
		}
		afile := cfg.AppendFilename
		if afile == "" {
			afile = "appendonly.aof"
		}
		base := afile + ".1.base.rdb"
		manifest := []byte(fmt.Sprintf("file %s seq 1 type b\n", base))
		entries = []tarEntry{
			{name: adir + "/", dir: true},
			{name: adir + "/" + base, size: f.Size, body: src},
			{name: adir + "/" + afile + ".manifest", size: int64(len(manifest)), body: strings.NewReader(string(manifest))},
		}
	default:
		afile := cfg.AppendFilename
		if afile == "" {
			afile = "appendonly.aof"
		}
		entries = []tarEntry{{name: afile, size: f.Size, body: src}}
	}
	return eng.CopyIn(ctx, h.ID, dir, tarOf(entries, uid, gid))
}

// restoreFiles empties the directory in the stopped service's volume and
// extracts the backup's tar into it (owners and modes from the archive).
func restoreFiles(ctx context.Context, eng Engine, t Target, src io.Reader) error {
	dir := path.Clean(t.State.Path)
	h, err := runHelper(ctx, eng, t, "restore files", ClearDirScript, dir)
	if err != nil {
		return err
	}
	defer eng.RemoveHelper(context.WithoutCancel(ctx), h.ID)
	return eng.CopyIn(ctx, h.ID, dir, src)
}

type tarEntry struct {
	name string
	dir  bool
	size int64
	body io.Reader
}

// tarOf streams a small tar archive of entries owned by uid:gid.
func tarOf(entries []tarEntry, uid, gid int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		now := time.Now()
		for _, e := range entries {
			hdr := &tar.Header{Name: e.name, Uid: uid, Gid: gid, ModTime: now, Format: tar.FormatPAX}
			if e.dir {
				hdr.Typeflag, hdr.Mode = tar.TypeDir, 0o755
			} else {
				hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, 0o600, e.size
			}
			if err := tw.WriteHeader(hdr); err != nil {
				pw.CloseWithError(err)
				return
			}
			if e.body != nil {
				if n, err := io.Copy(tw, e.body); err != nil || n != e.size {
					if err == nil {
						err = msg.Err("backup.err.short-read", msg.Args{"File": e.name, "N": n, "Size": e.size})
					}
					pw.CloseWithError(err)
					return
				}
			}
		}
		pw.CloseWithError(tw.Close())
	}()
	return pr
}

// progressReader counts bytes read and reports them.
type progressReader struct {
	r        io.Reader
	n        int64
	step     string
	what     string
	start    time.Time
	last     time.Time
	progress Progress
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if now := time.Now(); p.progress != nil && now.Sub(p.last) >= 200*time.Millisecond {
		p.last = now
		p.progress.send(Event{Step: p.step, What: p.what, Bytes: p.n, Elapsed: now.Sub(p.start)})
	}
	return n, err
}
