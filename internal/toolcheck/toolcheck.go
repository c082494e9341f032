// Package toolcheck checks a rendered project (a fileset.Set) with the real
// tools its files are written for: compose files load with compose-go
// using the project's own .env, shell scripts pass `bash -n` and
// shellcheck, nginx configs pass `nginx -t`, Python files compile, PowerShell
// scripts parse, Dockerfiles parse with BuildKit's parser, .env and YAML
// files parse.
//
// Each kind of check runs as a subtest. A check whose tool is missing skips
// with a message naming the tool and how to install it, except when the
// environment has CI=true: CI installs the tools, so there a missing tool
// fails the test instead of passing silently.
//
// Typical use, in any stack's tests:
//
//	set, _, err := render.Project(def, answers, opts)
//	...
//	toolcheck.Check(t, set)
package toolcheck

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
)

// Problem is one finding of a tool: the file (slash path relative to the
// project root, "" when the tool does not say) and its message.
type Problem struct {
	File string
	Msg  string
}

func (p Problem) String() string {
	if p.File == "" {
		return p.Msg
	}
	return p.File + ": " + p.Msg
}

// MissingToolError says a tool is not installed, and how to install it.
type MissingToolError struct {
	Tool    string
	Install string
}

func (e *MissingToolError) Error() string {
	return fmt.Sprintf("%s is not installed (install it with: %s)", e.Tool, e.Install)
}

// Options tune the checks. The zero value is what stacks use.
type Options struct {
	// ShellcheckSeverity is the lowest severity shellcheck reports:
	// "warning" (the default), "info" or "style".
	ShellcheckSeverity string
	// EnvFile is the env file compose files are loaded with, relative to
	// the compose file's folder (default ".env").
	EnvFile string
}

// Option changes Options.
type Option func(*Options)

// WithShellcheckSeverity sets shellcheck's -S level.
func WithShellcheckSeverity(s string) Option { return func(o *Options) { o.ShellcheckSeverity = s } }

// WithEnvFile loads compose files with another env file (e.g. ".env.example").
func WithEnvFile(name string) Option { return func(o *Options) { o.EnvFile = name } }

// Written is a file set written to a temporary directory, which is what
// the tools read.
type Written struct {
	Set  fileset.Set
	Dir  string
	opts Options
}

// Write writes set to a fresh temporary directory (removed when tb ends),
// keeping each file's mode.
func Write(tb testing.TB, set fileset.Set, opts ...Option) *Written {
	tb.Helper()
	p, err := WriteDir(tb.TempDir(), set, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// WriteDir writes set under dir, which must exist.
func WriteDir(dir string, set fileset.Set, opts ...Option) (*Written, error) {
	o := Options{ShellcheckSeverity: "warning", EnvFile: ".env"}
	for _, fn := range opts {
		fn(&o)
	}
	for _, f := range set {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		mode := f.Mode.Perm()
		if mode == 0 {
			mode = 0o644
		}
		if err := os.WriteFile(p, f.Content, mode); err != nil {
			return nil, err
		}
		if err := os.Chmod(p, mode); err != nil { // WriteFile's mode is filtered by the umask
			return nil, err
		}
	}
	return &Written{Set: set, Dir: dir, opts: o}, nil
}

// Abs is the path of a set file on disk.
func (p *Written) Abs(rel string) string { return filepath.Join(p.Dir, filepath.FromSlash(rel)) }

// files returns the set's paths that match keep, sorted.
func (p *Written) files(keep func(fileset.File) bool) []string {
	var out []string
	for _, f := range p.Set {
		if keep(f) {
			out = append(out, f.Path)
		}
	}
	sort.Strings(out)
	return out
}

// check is one kind of tool check.
type check struct {
	name string
	// applies reports whether the set has files for it.
	applies func(p *Written) bool
	run     func(p *Written) ([]Problem, error)
	// note, when set, is logged: what ran (e.g. pwsh or the structural check).
	note func(p *Written) string
}

var checks = []check{
	{name: "compose", applies: func(p *Written) bool { return len(p.composeFiles()) > 0 }, run: (*Written).CheckCompose},
	{name: "dockerfile", applies: func(p *Written) bool { return len(p.dockerfiles()) > 0 }, run: (*Written).CheckDockerfiles},
	{name: "env", applies: func(p *Written) bool { return len(p.envFiles()) > 0 }, run: (*Written).CheckEnvFiles},
	{name: "yaml", applies: func(p *Written) bool { return len(p.yamlFiles()) > 0 }, run: (*Written).CheckYAML},
	{name: "bash", applies: func(p *Written) bool { return len(p.shellScripts()) > 0 }, run: (*Written).CheckBashSyntax},
	{name: "shellcheck", applies: func(p *Written) bool { return len(p.shellScripts()) > 0 }, run: (*Written).CheckShellcheck},
	{name: "nginx", applies: func(p *Written) bool { return len(p.nginxConfigs()) > 0 }, run: (*Written).CheckNginx, note: nginxNote},
	{name: "python", applies: func(p *Written) bool { return len(p.pythonFiles()) > 0 }, run: (*Written).CheckPython},
	{name: "powershell", applies: func(p *Written) bool { return len(p.powershellScripts()) > 0 }, run: (*Written).CheckPowerShell, note: powershellNote},
}

// Check writes set to a temporary directory and runs every check that
// applies to it as a subtest of t.
func Check(t *testing.T, set fileset.Set, opts ...Option) {
	t.Helper()
	p := Write(t, set, opts...)
	p.Run(t)
}

// Run runs every check that applies to p as a subtest of t.
func (p *Written) Run(t *testing.T) {
	t.Helper()
	for _, c := range checks {
		if !c.applies(p) {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			problems, err := c.run(p)
			if err != nil {
				Unavailable(t, err)
				return
			}
			if c.note != nil {
				t.Log(c.note(p))
			}
			for _, pr := range problems {
				t.Error(pr.String())
			}
		})
	}
}

// InCI reports whether the tests run in CI (CI=true), where every tool
// must be installed.
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable ends a test that could not run because of err: a missing
// tool skips it (naming the tool and how to install it), except in CI,
// where it fails; any other error fails.
func Unavailable(tb testing.TB, err error) {
	tb.Helper()
	var missing *MissingToolError
	if errors.As(err, &missing) {
		if InCI() {
			tb.Fatalf("CI=true and %v", err)
		}
		tb.Skipf("skipped: %v", err)
	}
	tb.Fatal(err)
}

// Require returns the path of tool, or a *MissingToolError saying how to
// install it.
func Require(tool, install string) (string, error) {
	p, err := exec.LookPath(tool)
	if err != nil {
		return "", &MissingToolError{Tool: tool, Install: install}
	}
	return p, nil
}

// RequireTB is Require for a test: it skips or (in CI) fails when the tool
// is missing.
func RequireTB(tb testing.TB, tool, install string) string {
	tb.Helper()
	p, err := Require(tool, install)
	if err != nil {
		Unavailable(tb, err)
	}
	return p
}

// ext reports whether p ends with one of the suffixes.
func ext(p string, suffixes ...string) bool {
	for _, s := range suffixes {
		if strings.HasSuffix(p, s) {
			return true
		}
	}
	return false
}

// shebang returns the interpreter line of content, if any.
func shebang(content []byte) string {
	if !strings.HasPrefix(string(content), "#!") {
		return ""
	}
	line, _, _ := strings.Cut(string(content), "\n")
	return strings.TrimSpace(line)
}

func (p *Written) shellScripts() []string {
	return p.files(func(f fileset.File) bool {
		if ext(f.Path, ".sh", ".bash") {
			return true
		}
		if path.Ext(f.Path) != "" {
			return false
		}
		sb := shebang(f.Content)
		return strings.HasSuffix(sb, "/sh") || strings.HasSuffix(sb, "bash") || strings.HasSuffix(sb, "/env sh")
	})
}

func (p *Written) pythonFiles() []string {
	return p.files(func(f fileset.File) bool { return ext(f.Path, ".py") })
}

func (p *Written) powershellScripts() []string {
	return p.files(func(f fileset.File) bool { return ext(f.Path, ".ps1", ".psm1") })
}

func (p *Written) envFiles() []string {
	return p.files(func(f fileset.File) bool {
		b := path.Base(f.Path)
		return b == ".env" || strings.HasPrefix(b, ".env.")
	})
}

func (p *Written) yamlFiles() []string {
	return p.files(func(f fileset.File) bool { return ext(f.Path, ".yaml", ".yml") })
}

// runTool runs a command in dir and returns its combined output and
// whether it exited 0; a failure to start it at all is an error.
func runTool(dir string, name string, args ...string) (string, bool, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return string(out), false, nil
		}
		return string(out), false, msg.Err("toolcheck.err.run", msg.Args{"Tool": name, "Err": err})

	}
	return string(out), true, nil
}

// relTo turns absolute temp paths in tool output back into project paths.
func (p *Written) relTo(s string) string {
	return strings.ReplaceAll(s, p.Dir+string(filepath.Separator), "")
}
