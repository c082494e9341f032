package validate

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/stackgen/stackgen/internal/composefile"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/schema"
	"github.com/compose-spec/compose-go/v2/types"
)

// Warm starts, on another goroutine, the one-time work every compose load
// of the process waits for: compose-go compiles the Compose JSON schema on
// first use, which takes about as long as loading a project does. A
// command that is going to validate calls it as soon as it knows, so the
// compile runs on the second core while the files are read or rendered.
// It never changes a result: the compile happens once, and a load that
// comes first simply waits for it.
func Warm() {
	go func() { _ = schema.Validate(map[string]any{}) }()
}

// virtualRoot is the working directory compose-go resolves relative paths
// against when the files are loaded from memory; paths under it are mapped
// back to set paths. It never touches the disk.
const virtualRoot = "/stackgen-validate"

// placeholderValue stands in, for loading only, for a variable guarded by
// ${VAR:?msg} that the .env does not define: the guard is the author's
// deliberate "fail with this message", not a mistake, and without a value
// the loader would stop before any other rule could look at the file.
const placeholderValue = "stackgen-validate-placeholder"

// requiredShown replaces placeholderValue in any message.
const requiredShown = "<a required variable>"

// composeModel is one way Compose would see the project: the base file
// alone, or the base with one overlay merged on top.
type composeModel struct {
	files []*yamlFile
	// proj is loaded without compose-go's consistency check, so a missing
	// volume or service is reported by its own rule instead of stopping
	// the load; nil when even that load failed (loadErr).
	proj    *types.Project
	loadErr error
	// strictErr is the consistency check's verdict, reported by
	// compose-load only when no specific rule explains it.
	strictErr error
	root      string
	// tempDir is where the set was written for a load that reads files
	// by name (needsDisk); the project removes it on close.
	tempDir string
}

func (p *parsedSet) loadCompose() {
	var base *yamlFile
	for _, n := range composefile.Names {
		if f, ok := p.files[n]; ok {
			base = parseYAMLFile(f.Path, f.Content)
			break
		}
	}
	var overlays []*yamlFile
	for _, f := range p.filesMatching(isComposeOverlay) {
		overlays = append(overlays, parseYAMLFile(f.Path, f.Content))
	}
	var sets [][]*yamlFile
	if base != nil {
		p.composeFiles = append(p.composeFiles, base)
		sets = append(sets, []*yamlFile{base})
	}
	for _, o := range overlays {
		p.composeFiles = append(p.composeFiles, o)
		if base != nil && !standalone(o, base) {
			sets = append(sets, []*yamlFile{base, o})
		} else {
			sets = append(sets, []*yamlFile{o})
		}
	}
	// Each model is its own compose-go load, most of validate's time; a
	// project with overlays loads them side by side, in the same order.
	p.models = make([]*composeModel, len(sets))
	var wg sync.WaitGroup
	for i, files := range sets {
		wg.Go(func() { p.models[i] = p.loadModel(files) })
	}
	wg.Wait()
	for _, m := range p.models {
		if m.tempDir != "" {
			p.tempDirs = append(p.tempDirs, m.tempDir)
		}
	}
}

// standalone decides whether a compose.*.yaml / docker-compose.*.yml
// file is a project of its own (docker compose -f FILE) rather than an
// overlay of the base: it names its own project (top-level name:) and
// every service it shares with the base is complete there (image or
// build), not a patch of a few keys. Projects such as a production file
// beside a development base are written that way.
func standalone(f, base *yamlFile) bool {
	if f.err != nil || child(f.root, "name") == nil {
		return false
	}
	if stem := strings.TrimSuffix(f.path, path.Ext(f.path)); strings.HasSuffix(stem, ".override") {
		return false // Compose always merges compose.override.yaml onto the base
	}
	inBase := map[string]bool{}
	for _, s := range base.services() {
		inBase[keyText(s.Key)] = true
	}
	for _, s := range f.services() {
		if inBase[keyText(s.Key)] && child(s.Value, "image") == nil && child(s.Value, "build") == nil && child(s.Value, "<<") == nil {
			return false
		}
	}
	return true
}

// loadModel runs compose-go's loader over the files, with the project's
// .env as the environment. Files are passed as bytes; only when a file
// pulls in other files by name (include, extends.file) is the set written
// to a temporary directory, because the loader then reads from disk.
func (p *parsedSet) loadModel(files []*yamlFile) *composeModel {
	m := &composeModel{files: files, root: virtualRoot}
	for _, f := range files {
		if f.err != nil {
			m.loadErr = f.err
			return m
		}
	}
	env := map[string]string{}
	for k, v := range p.env {
		env[k] = v
	}
	for _, f := range files {
		walkScalars(f.root, func(s string, _ int) {
			for _, r := range extractVarRefs(s) {
				if _, ok := env[r.name]; ok || r.defaulted || r.guarded {
					continue
				}
				// defined as empty, which is what Compose substitutes,
				// so the loader does not log its own warning;
				// compose-undefined-var reports it
				env[r.name] = ""
			}
		})
	}
	// A guard stands in for its value only where it is written: the
	// file's ${VAR:?msg} becomes ${VAR:-placeholder}, so another file's
	// ${VAR:-default} keeps its default, as Compose would give it.
	defined := func(name string) bool { _, ok := env[name]; return ok }
	content := map[string][]byte{}
	for _, f := range files {
		content[f.path] = []byte(replaceGuards(string(withoutVersionKey(f)), defined))
	}
	details := types.ConfigDetails{WorkingDir: virtualRoot, Environment: env}
	if needsDisk(files) {
		dir, err := os.MkdirTemp("", "stackgen-validate-")
		if err != nil {
			m.loadErr = err
			return m
		}
		m.tempDir = dir
		if err := writeSet(dir, p); err != nil {
			m.loadErr = err
			return m
		}
		for rel, b := range content {
			if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel)), b, 0o600); err != nil {
				m.loadErr = err
				return m
			}
		}
		m.root = filepath.ToSlash(dir)
		details.WorkingDir = dir
	}
	for _, f := range files {
		cf := types.ConfigFile{Filename: filepath.Join(details.WorkingDir, filepath.FromSlash(f.path))}
		if m.root == virtualRoot {
			cf.Content = content[f.path]
		}
		details.ConfigFiles = append(details.ConfigFiles, cf)
	}
	load := func(strict bool) (*types.Project, error) {
		return loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
			o.SetProjectName("stackgen-validate", true)
			o.Profiles = []string{"*"} // every service, whatever profile enables it
			o.SkipResolveEnvironment = true
			o.SkipResolveLabels = true
			o.SkipConsistencyCheck = !strict
		})
	}
	// The consistency check only reads the loaded project, so a project
	// that passes it is the same project the lenient load gives: one load
	// is enough in the common case, and the lenient one runs only to tell
	// a consistency error (the rules still see the project) from a file
	// the loader cannot read at all. Loading is most of validate's time.
	proj, err := load(true)
	if err == nil {
		m.proj = proj
		return m
	}
	m.proj, m.loadErr = load(false)
	if m.loadErr == nil {
		m.strictErr = err
	}
	return m
}

// withoutVersionKey blanks the obsolete top-level `version:` line (reported
// by its own rule) so the loader does not also print its warning to the
// process's stderr.
func withoutVersionKey(f *yamlFile) []byte {
	e := child(f.root, "version")
	if e == nil {
		return f.content
	}
	if _, ok := scalarText(e.Value); !ok {
		return f.content
	}
	n := lineOf(e.Key)
	lines := strings.Split(string(f.content), "\n")
	if n < 1 || n > len(lines) || lineOf(e.Value) != n {
		return f.content
	}
	lines[n-1] = ""
	return []byte(strings.Join(lines, "\n"))
}

// replaceGuards rewrites ${VAR:?msg} and ${VAR?msg} for variables not
// defined into ${VAR:-placeholderValue}, leaving $$ escapes alone.
func replaceGuards(s string, defined func(string) bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == '$' {
			b.WriteString("$$")
			i++
			continue
		}
		if s[i+1] != '{' {
			b.WriteByte('$')
			continue
		}
		end := closingBrace(s, i+2)
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		body := s[i+2 : end]
		n := nameLen(body)
		name, rest := body[:n], body[n:]
		if n > 0 && (strings.HasPrefix(rest, ":?") || strings.HasPrefix(rest, "?")) && !defined(name) {
			b.WriteString("${" + name + ":-" + placeholderValue + "}")
		} else {
			b.WriteString(s[i : end+1])
		}
		i = end
	}
	return b.String()
}

// needsDisk reports whether the loader must read other files by name.
func needsDisk(files []*yamlFile) bool {
	for _, f := range files {
		if child(f.root, "include") != nil {
			return true
		}
		for _, s := range f.services() {
			if ext := child(s.Value, "extends"); ext != nil && child(ext.Value, "file") != nil {
				return true
			}
		}
	}
	return false
}

func writeSet(dir string, p *parsedSet) error {
	for _, f := range p.set {
		dst := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(dst, f.Content, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// rel maps a path the loader resolved back to a set path; false when it
// points outside the project (an absolute host path, a --source checkout).
func (m *composeModel) rel(abs string) (string, bool) {
	abs = filepath.ToSlash(abs)
	if abs == m.root {
		return "", true
	}
	if r, ok := strings.CutPrefix(abs, m.root+"/"); ok {
		return path.Clean(r), true
	}
	return "", false
}

// locate finds where keys are written among the model's files: the file
// where the longest prefix of keys is found (the earliest such file on a
// tie, so a service is placed where it is defined), and that key's line.
func (m *composeModel) locate(keys ...string) (string, int) {
	file, line, best := m.files[0].path, 0, -1
	for _, f := range m.files {
		e, d := f.lookup(keys...)
		// on a tie for the whole path the later file wins: its value is
		// the one Compose keeps
		if e != nil && (d > best || d == best && d == len(keys) && len(keys) > 2) {
			file, line, best = f.path, lineOf(e.Key), d
		}
	}
	return file, line
}

// itemNames reports whether a list item (a path, a volume spec
// src:dst[:mode] or a name) names want.
func itemNames(text, want string) bool {
	t := strings.TrimPrefix(text, "./")
	return t != "" && (t == want || strings.HasPrefix(t, want+":") || strings.HasSuffix(t, "/"+want) || strings.Contains(t, "/"+want+":"))
}

// locateItem finds the sequence item under keys whose text contains
// want, in whichever file holds it (an env_file entry an overlay adds is
// reported at the overlay's line); it falls back to locate.
func (m *composeModel) locateItem(want string, keys ...string) (string, int) {
	for i := len(m.files) - 1; i >= 0; i-- {
		f := m.files[i]
		n := f.value(keys...)
		items := seqItems(n)
		if s, ok := scalarText(n); ok {
			if strings.Contains(s, want) {
				return f.path, lineOf(n)
			}
		}
		for _, it := range items {
			text, ok := scalarText(it)
			for _, k := range []string{"path", "source"} {
				if c := child(it, k); !ok && c != nil {
					text, ok = scalarText(c.Value)
				}
			}
			if itemNames(text, want) {
				return f.path, lineOf(it)
			}
		}
		for _, e := range mapEntries(n) { // networks: {name: {...}}
			if keyText(e.Key) == want {
				return f.path, lineOf(e.Key)
			}
		}
	}
	return m.locate(keys...)
}

// services returns the loaded services in name order.
func (m *composeModel) services() []types.ServiceConfig {
	if m.proj == nil {
		return nil
	}
	names := sortedKeys(m.proj.Services)
	out := make([]types.ServiceConfig, 0, len(names))
	for _, n := range names {
		out = append(out, m.proj.Services[n])
	}
	return out
}

// loadedModels returns the models that loaded.
func (p *parsedSet) loadedModels() []*composeModel {
	var out []*composeModel
	for _, m := range p.models {
		if m.proj != nil {
			out = append(out, m)
		}
	}
	return out
}

// serviceFor finds the service that bind-mounts a set path (the file itself
// or a folder holding it), so a config file can be judged against the image
// that reads it. Every loaded model is searched; the first match wins.
func (p *parsedSet) servicesMounting(rel string) []types.ServiceConfig {
	seen := map[string]bool{}
	var out []types.ServiceConfig
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			for _, v := range s.Volumes {
				if v.Type != types.VolumeTypeBind {
					continue
				}
				src, ok := m.rel(v.Source)
				if !ok {
					continue
				}
				if (src == rel || src == "" || strings.HasPrefix(rel, src+"/")) && !seen[s.Name] {
					seen[s.Name] = true
					out = append(out, s)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// buildContext returns a service's build context and Dockerfile as set
// paths; ok is false without a build or when the context is outside the
// project.
func (m *composeModel) buildContext(s types.ServiceConfig) (ctx, dockerfilePath string, ok bool) {
	if s.Build == nil || s.Build.DockerfileInline != "" {
		return "", "", false
	}
	ctx, ok = m.rel(s.Build.Context)
	if !ok {
		return "", "", false
	}
	df := s.Build.Dockerfile
	if df == "" {
		df = "Dockerfile"
	}
	if filepath.IsAbs(df) {
		r, ok := m.rel(df)
		return ctx, r, ok
	}
	return ctx, path.Clean(path.Join(ctx, filepath.ToSlash(df))), true
}

// dockerfileFor returns the parsed Dockerfile a service builds from, if it
// is in the set.
func (p *parsedSet) dockerfileFor(m *composeModel, s types.ServiceConfig) *dockerfile {
	_, df, ok := m.buildContext(s)
	if !ok {
		return nil
	}
	return p.dockerfileAt(df)
}
