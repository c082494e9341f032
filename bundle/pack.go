package bundle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/composefile"

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/units"
	"github.com/stackgen/stackgen/progress"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/sign"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// maxProjectFile bounds one project file carried in a bundle: project
// files are configs and scripts; data belongs in volumes and backups.
const maxProjectFile = 64 << 20

// PackOptions are Pack's inputs: deploy --package's flags.
type PackOptions struct {
	// Sink receives the progress, the warnings and, on Out, the bundle's name.
	Sink progress.Sink
	// Progress is auto, tty, plain or quiet.
	Progress string
	Engine   func() (*engine.Client, error)
	Now      func() time.Time
	// Version is this stackgen's, recorded in the manifest.
	Version string

	Dir        string
	Output     string
	Format     string
	Codec      string
	Level      int
	IncludeEnv bool
	Unpacker   string
	NoBuild    bool

	// Platform (os/arch) is the target's, the one platform of
	// multi-platform images packed (default: the images' own here); Since
	// makes an update bundle with only the layers the older bundle (or
	// its stackgen-bundle.json) lacks.
	Platform string
	Since    string
	// Crossing machines: Split cuts the bundle into parts of at most this
	// many bytes (0: one file); SignKey signs it with that minisign key.
	Split   int64
	SignKey string
}

func (o *PackOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Pack builds the project's images (unless NoBuild) and writes one bundle
// of every image it uses, its files and its load scripts, as `stackgen
// deploy --package` does.
func Pack(ctx context.Context, o PackOptions) error {
	ios := o.Sink
	start := o.now()
	mode, err := progress.Resolve(o.Progress, ios.TTY)
	if err != nil {
		return err
	}
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	format, err := ParseFormat(o.Format)
	if err != nil {
		return err
	}

	pm, err := project.LoadManifest(abs)
	if err != nil && !errors.Is(err, project.ErrNoManifest) {
		return err
	}
	var def *stack.Definition
	var answers stack.Answers
	if pm != nil {
		answers = pm.AnswersOf()
		if def, err = stacks.Registry().Lookup(pm.Stack); err != nil {
			fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.package.unknown-stack", msg.Args{"Manifest": project.ManifestName, "Stack": fmt.Sprintf("%q", pm.Stack)}))
			def = nil
		}
	}

	// Bad --since input is refused before anything is built or written.
	var since *Manifest
	if o.Since != "" {
		if since, err = ReadManifest(o.Since); err != nil {
			return err
		}
	}
	signer, err := packageSigner(o, pm, abs)
	if err != nil {
		return err
	}

	eng, err := o.Engine()
	if err != nil {
		return err
	}
	if _, err := eng.Check(ctx); err != nil {
		return err
	}

	// Compose resolves the project (name, services, mounted files) and
	// the image names in two runs side by side.
	var p *engine.ComposeProject
	var hostFiles []engine.HostFile
	var refs []string
	var refsErr error
	imagesDone := make(chan struct{})
	go func() {
		defer close(imagesDone)
		refs, refsErr = eng.ComposeImagesIn(ctx, abs)
	}()
	p, hostFiles, err = eng.LoadProjectFiles(ctx, abs)
	<-imagesDone
	if err != nil {
		return err
	}
	if refsErr != nil {
		return refsErr
	}
	if !o.NoBuild && p.NeedsBuild() {
		fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.package.building"))
		out := ios.ErrOut
		if mode == progress.ModeQuiet {
			out = io.Discard
		}
		if err := eng.Build(ctx, p, progress.ComposeMode(mode), out, out); err != nil {
			return msg.Err("lifecycle.err.build", msg.Args{"Err": err})
		}
	}

	var images []Image
	platform := ""
	arch := ""
	for _, ref := range refs {
		info, err := eng.ImageInfoFor(ctx, ref, o.Platform)
		if errors.Is(err, engine.ErrImageMissing) {
			return msg.Err("bundle.err.image-missing", msg.Args{"Image": ref, "Dir": dir})
		}
		if err != nil {
			return err
		}
		if platform == "" {
			platform, arch = info.Platform(), info.Arch
		} else if info.Platform() != platform {
			return msg.Err("bundle.err.mixed-platforms", msg.Args{"Image": ref, "Platform": info.Platform(), "Others": platform})
		}
		if o.Platform != "" && info.Platform() != o.Platform {
			return msg.Err("bundle.err.wrong-platform", msg.Args{"Image": ref, "Platform": info.Platform(), "Want": o.Platform})
		}
		images = append(images, Image{Name: ref, ID: info.ID, Size: info.Size, Layers: info.Layers})
	}
	if since != nil && since.Platform != "" && since.Platform != platform {
		return msg.Err("bundle.err.since-platform", msg.Args{"Since": o.Since, "Was": since.Platform, "Now": platform})
	}
	output := o.Output
	if output == "" {
		output = p.Name + format.Ext()
	}
	outAbs, err := filepath.Abs(output)
	if err != nil {
		return err
	}
	files, warnings, err := collectFiles(abs, pm, hostFiles, o.IncludeEnv, outAbs)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(ios.ErrOut, ios.L.T("status.warning", msg.Args{"Text": w}))
	}
	if o.IncludeEnv {
		fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.package.include-env", msg.Args{"Output": output}))
	}

	created := o.now().UTC()
	cc := chooseCodec(&o, arch)
	if cc.err != nil {
		return cc.err
	}
	if cc.note != nil {
		fmt.Fprintln(ios.ErrOut, ios.L.T(cc.note.ID, cc.note.Args))
	}
	codec := cc.codec
	// The unpacker image is CPU work that needs no engine: it is made
	// while the engine assembles its save, before the first byte comes.
	var unpacker func() (*UnpackerImage, error)
	if cc.binary != nil {
		type built struct {
			img *UnpackerImage
			err error
		}
		done := make(chan built, 1)
		go func() {
			// A fixed date keeps the image, and so its tag, the same for
			// every bundle this binary makes.
			img, err := BuildUnpackerImage(cc.binary, arch, time.Unix(0, 0))
			done <- built{img, err}
		}()
		unpacker = func() (*UnpackerImage, error) { b := <-done; return b.img, b.err }
	}

	man := Manifest{
		Project:         p.Name,
		StackgenVersion: o.Version,
		Created:         created,
		Platform:        platform,
		Images:          images,
		IncludesEnv:     o.IncludeEnv,
	}
	if pm != nil {
		man.Stack = pm.Stack
	}
	if def != nil {
		for _, s := range def.SecretsFor(answers) { // only the .env keys of these answers
			man.SecretKeys = append(man.SecretKeys, s.Key)
		}
		if def.URL != nil {
			man.URL = def.URL(answers)
		}
		man.Lang = answers[stack.LangAnswer]
		if def.Migrate != nil {
			man.Migrate = &Migrate{Service: def.Migrate.Service, Command: def.Migrate.Command, What: def.Migrate.What}
		}
	}

	var read, written Counter
	fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.package.packing", msg.Args{"Images": len(images), "Size": units.Bytes(totalSize(images)), "Files": len(files), "Project": p.Name, "Output": output, "Format": fmt.Sprint(format), "Codec": fmt.Sprint(codec)}))
	m := progress.StartMeter(mode, ios.ErrOut, 0, progress.MeterSpec{Label: ios.L.T("progress.label.saving"), Main: &read, MainName: ios.L.T("progress.name.read-engine"), Side: &written, SideName: ios.L.T("progress.name.written"), L: ios.L})
	saveStart := o.now()
	res, err := Create(ctx, eng, CreateOptions{
		Output:       output,
		Format:       format,
		Codec:        codec,
		CodecOptions: CodecOptions{Level: o.Level},
		Manifest:     man,
		Files:        files,
		Unpacker:     unpacker,
		Private:      o.IncludeEnv,
		Progress:     &Progress{Read: &read, Written: &written},
		Since:        since,
		Split:        o.Split,
		Signer:       signer,
	})
	m.Stop(err == nil)
	if err != nil {
		return err
	}
	took := o.now().Sub(saveStart)
	bm := res.Manifest
	fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.package.wrote", msg.Args{"Output": output, "Size": units.Bytes(res.Size), "Saved": units.Bytes(bm.ImageTarSize), "Compressed": units.Bytes(imageArchiveSize(bm)),
		"Percent": fmt.Sprintf("%.0f", 100*float64(imageArchiveSize(bm))/float64(max(bm.ImageTarSize, 1))), "Took": fmt.Sprintf("%.1f", took.Seconds()), "All": fmt.Sprintf("%.1f", o.now().Sub(start).Seconds())}))
	if up := bm.Update; up != nil {
		fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.package.update", msg.Args{"Layers": len(up.Requires), "Size": units.Bytes(up.LeftOutSize), "Since": o.Since}))
	}
	fmt.Fprintf(ios.ErrOut, "SHA-256 %s\n", res.SHA256)
	if res.SBOMError != "" {
		fmt.Fprintln(ios.ErrOut, ios.L.T("bundle.pack.no-sbom", msg.Args{"Err": res.SBOMError}))
	}
	if signer != nil {
		fmt.Fprintln(ios.ErrOut, ios.L.T("bundle.pack.signed", msg.Args{"Key": sign.IDString(signer.ID), "Public": fmt.Sprint(signer.Public())}))
	}
	if res.Parts != nil {
		return reportParts(o, output, res.Parts)
	}
	fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.package.next", msg.Args{"Bundle": filepath.Base(output), "Project": p.Name, "Sh": LoadScriptSh, "Ps1": LoadScriptPs1}))
	fmt.Fprintln(ios.Out, output)
	return nil
}

// packageSigner loads --sign's key, and refuses an unsigned bundle of a
// project whose .stackgen.yml requires signatures, before anything is
// built.
func packageSigner(o PackOptions, pm *project.Manifest, dir string) (*sign.PrivateKey, error) {
	if o.SignKey == "" {
		if pm != nil && pm.Bundle != nil && pm.Bundle.RequireSignature {
			return nil, msg.Err("bundle.err.sign-required", msg.Args{"File": filepath.Join(dir, project.ManifestName)})
		}
		return nil, nil
	}
	k, err := LoadPrivateKey(o.SignKey)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(o.SignKey); err == nil && st.Mode().Perm()&0o077 != 0 {
		// Whoever reads the key signs bundles every server trusts.
		fmt.Fprintln(o.Sink.ErrOut, o.Sink.L.T("bundle.pack.key-readable", msg.Args{"Key": o.SignKey, "Mode": fmt.Sprintf("%04o", st.Mode().Perm())}))
	}
	return k, nil
}

// reportParts says what a split wrote and how each kind of host takes it.
func reportParts(o PackOptions, output string, ps *Parts) error {
	ios := o.Sink
	dir := filepath.Dir(output)
	fmt.Fprintln(ios.ErrOut, ios.L.T("bundle.pack.split", msg.Args{"Count": len(ps.Parts), "Size": units.Bytes(ps.PartSize), "First": ps.Parts[0].Name, "Last": ps.Parts[len(ps.Parts)-1].Name, "List": PartsListName(ps.Archive), "Sums": PartsChecksumsName(ps.Archive)}))
	fmt.Fprintln(ios.ErrOut, ios.L.T("bundle.pack.split-how", msg.Args{"First": ps.Parts[0].Name, "Sums": PartsChecksumsName(ps.Archive), "Archive": ps.Archive}))
	for _, pt := range ps.Parts {
		fmt.Fprintln(ios.Out, filepath.Join(dir, pt.Name))
	}
	return nil
}

func totalSize(images []Image) int64 {
	var n int64
	for _, im := range images {
		n += im.Size
	}
	return n
}

func imageArchiveSize(m *Manifest) int64 {
	f, _ := m.File(m.ImageArchive)
	return f.Size
}

// codecChoice is chooseCodec's answer: the codec, the binary for the
// unpacker image with zstd (nil without one), a note for the user, or an
// error.
type codecChoice struct {
	codec  Codec
	binary []byte
	note   *msg.Sub
	err    error
}

// chooseCodec picks the images' compression. zstd is smaller and faster
// (README, "Offline bundles"), but a Docker-only host can load it only
// through the unpacker image, which needs a static linux stackgen for the
// images' architecture. Without one, the default falls back to gzip,
// which every engine loads directly.
func chooseCodec(o *PackOptions, arch string) codecChoice {
	want := Codec(o.Codec)
	if want == Gzip {
		return codecChoice{codec: Gzip}
	}
	// An update carries a few layers: gzip, which every engine loads
	// itself, costs little there, and spares the 7 MB unpacker image that
	// would otherwise be most of the bundle.
	if want == "" && o.Since != "" {
		return codecChoice{codec: Gzip}
	}
	bin, _, err := FindUnpackerBinary(o.Unpacker, arch)
	switch {
	case err == nil:
		return codecChoice{codec: Zstd, binary: bin}
	case o.Unpacker != "":
		return codecChoice{err: msg.Err("bundle.err.unpacker-flag", msg.Args{"Err": err})}
	case want == Zstd:
		return codecChoice{codec: Zstd, note: &msg.Sub{ID: "bundle.pack.zstd-tool", Args: msg.Args{"Err": err}}}
	}
	return codecChoice{codec: Gzip, note: &msg.Sub{ID: "bundle.pack.gzip", Args: msg.Args{"Err": err}}}
}

// collectFiles gathers the project files a bundle carries: the compose
// files, the configs and scripts stackgen generated (as they are on disk
// now), .env.example, the manifest, scripts/, and every file the services
// bind-mount read-only or read as env_file, when it is inside the project.
// .env (secrets) only with includeEnv. Writable bind mounts (data, logs)
// carry only the files stackgen generated in them.
func collectFiles(dir string, pm *project.Manifest, hostFiles []engine.HostFile, includeEnv bool, output string) ([]SourceFile, []error, error) {
	want := map[string]bool{}
	var warnings []error
	addRel := func(rel string) { want[filepath.ToSlash(rel)] = true }
	exists := func(rel string) bool {
		st, err := os.Stat(filepath.Join(dir, rel))
		return err == nil && st.Mode().IsRegular()
	}
	for _, n := range append(append([]string{}, composefile.Names...), composefile.OverrideNames...) {
		if exists(n) {
			addRel(n)
		}
	}
	// swarm/stack.yaml, when 'stackgen export swarm' wrote one: it holds no
	// secret ('stackgen up --swarm' rewrites it from the files on arrival).
	// .gitignore too: the install validates the project, and a project
	// whose .env is not ignored fails (stackgen's own list it in Files).
	for _, n := range []string{".env.example", ".gitignore", project.ManifestName, filepath.Join("swarm", "stack.yaml")} {
		if exists(n) {
			addRel(n)
		}
	}
	if pm != nil {
		for f := range pm.Files {
			if exists(filepath.FromSlash(f)) {
				addRel(f)
			}
		}
	}
	walk := func(root string) error {
		return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == ".git" {
					return filepath.SkipDir
				}
				return nil
			}
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() {
				warnings = append(warnings, msg.Err("bundle.pack.warn.not-regular", msg.Args{"File": filepath.ToSlash(rel)}))
				return nil
			}
			addRel(rel)
			return nil
		})
	}
	if st, err := os.Stat(filepath.Join(dir, "scripts")); err == nil && st.IsDir() {
		if err := walk(filepath.Join(dir, "scripts")); err != nil {
			return nil, nil, err
		}
	}
	for _, h := range hostFiles {
		rel, err := filepath.Rel(dir, h.Source)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
			if h.Source != "/var/run/docker.sock" {
				warnings = append(warnings, msg.Err("bundle.pack.warn.outside", msg.Args{"Who": serviceName(h), "File": h.Source}))
			}
			continue
		}
		if rel == "." {
			warnings = append(warnings, msg.Err("bundle.pack.warn.whole-dir", msg.Args{"Who": serviceName(h)}))
			continue
		}
		if h.Kind == "secret" && !includeEnv {
			warnings = append(warnings, msg.Err("bundle.pack.warn.secret", msg.Args{"File": filepath.ToSlash(rel)}))
			continue
		}
		st, err := os.Stat(h.Source)
		if err != nil {
			continue // compose creates a missing bind source directory
		}
		switch {
		case st.Mode().IsRegular():
			addRel(rel)
		case st.IsDir() && h.ReadOnly:
			if err := walk(h.Source); err != nil {
				return nil, nil, err
			}
		}
	}
	if includeEnv && exists(".env") {
		addRel(".env")
	}

	var rels []string
	for rel := range want {
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	var files []SourceFile
	for _, rel := range rels {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		base := filepath.Base(rel)
		if p == output || strings.HasPrefix(base, "."+filepath.Base(output)+".tmp-") || strings.HasSuffix(rel, project.NewSuffix) {
			continue
		}
		if (rel == ".env" || strings.HasSuffix(rel, "/.env")) && !includeEnv {
			continue // secrets stay on the build host
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, err
		}
		if st.Size() > maxProjectFile {
			warnings = append(warnings, msg.Err("bundle.pack.warn.large", msg.Args{"File": rel, "Size": units.Bytes(st.Size())}))
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, err
		}
		mode := fs.FileMode(0o644)
		if st.Mode().Perm()&0o111 != 0 {
			mode = 0o755
		}
		if rel == ".env" {
			mode = 0o600
		}
		files = append(files, SourceFile{Path: rel, Mode: mode, Content: b})
	}
	return files, warnings, nil
}

func serviceName(h engine.HostFile) msg.Sub {
	if h.Service != "" {
		return msg.Sub{ID: "bundle.pack.service", Args: msg.Args{"Service": h.Service}}
	}
	return msg.Sub{ID: "bundle.pack.the-project"}
}
