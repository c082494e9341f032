package backup

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// Format names the folder format this package writes and reads.
const Format = "stackgen-backup/1"

// The fixed file names of a backup folder.
const (
	ManifestName = "manifest.json"
	SumsName     = "SHA256SUMS"
)

// Manifest describes one backup folder.
type Manifest struct {
	Format string `json:"format"`
	// Stack is the stack's name (django-uwsgi, onyx, ...): a backup is
	// restored only into a project of the same stack.
	Stack string `json:"stack"`
	// Project is the compose project the backup was taken from.
	Project string `json:"project"`
	// StackgenVersion is the stackgen that wrote it, or "script" for the
	// generated scripts.
	StackgenVersion string    `json:"stackgen_version"`
	Created         time.Time `json:"created"`
	Files           []File    `json:"files"`
	// ProjectFiles is the project's own files without its secrets, so the
	// backup restores into a new folder without 'stackgen new' (absent in
	// backups of the scripts and of older stackgen).
	ProjectFiles *Archive `json:"project_files,omitempty"`
	// Secrets are .env and the private keys, encrypted (absent when the
	// backup was made without a key: secrets are never stored in clear).
	Secrets *Sealed `json:"secrets,omitempty"`
}

// Archive is one file of a backup that is not a state's data.
type Archive struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// archives lists the files of the backup besides the data files.
func (m *Manifest) archives() []Archive {
	var out []Archive
	if m.ProjectFiles != nil {
		out = append(out, *m.ProjectFiles)
	}
	if m.Secrets != nil {
		out = append(out, Archive{Name: m.Secrets.Name, Size: m.Secrets.Size, SHA256: m.Secrets.SHA256})
	}
	return out
}

// File is one data file of a backup.
type File struct {
	Name    string          `json:"name"`
	Service string          `json:"service"`
	Kind    stack.StateKind `json:"kind"`
	Volume  string          `json:"volume,omitempty"`
	// Path is the directory (files) or the RDB file (redis) in the
	// container, when the backup knew it.
	Path   string `json:"path,omitempty"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Consistency says how the copy was made one point in time (see the
	// Consistent* constants); empty in older backups.
	Consistency string `json:"consistency,omitempty"`
}

// Marshal renders the manifest as indented JSON with a final newline.
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Sums renders SHA256SUMS for the manifest's files, in sha256sum's format.
func (m *Manifest) Sums() []byte {
	var b bytes.Buffer
	for _, f := range m.Files {
		fmt.Fprintf(&b, "%s  %s\n", f.SHA256, f.Name)
	}
	for _, a := range m.archives() {
		fmt.Fprintf(&b, "%s  %s\n", a.SHA256, a.Name)
	}
	return b.Bytes()
}

// FileFor returns the entry holding a state: the one of the same service
// and kind (and, for files, of the same volume or directory), whatever its
// name, so a backup whose files have other names (the generated scripts')
// restores too; else the entry named FileName(st), whatever it holds.
func (m *Manifest) FileFor(st stack.State) (File, bool) {
	for _, f := range m.Files {
		if f.Service != st.Service || f.Kind != st.Kind {
			continue
		}
		if st.Kind != stack.StateFiles || (st.Volume != "" && f.Volume == st.Volume) ||
			(f.Path != "" && path.Clean(f.Path) == path.Clean(st.Path)) {
			return f, true
		}
	}
	name := FileName(st)
	for _, f := range m.Files {
		if f.Name == name {
			return f, true
		}
	}
	return File{}, false
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// safeName accepts a plain file name: no directories, no dot files, no
// separators of any platform, so a manifest cannot point outside its folder.
var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ParseManifest reads and checks a manifest's structure (not the files).
func ParseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, msg.Err("backup.err.manifest-json", msg.Args{"File": ManifestName, "Err": err})
	}
	var problems []error
	if m.Format != Format {
		problems = append(problems, msg.Err("backup.err.m-format", msg.Args{"Format": strconv.Quote(m.Format), "Want": strconv.Quote(Format)}))
	}
	if m.Stack == "" {
		problems = append(problems, msg.Err("backup.err.m-stack"))
	}
	if len(m.Files) == 0 {
		problems = append(problems, msg.Err("backup.err.m-no-files"))
	}
	seen := map[string]bool{}
	for i, f := range m.Files {
		switch {
		case !safeName.MatchString(f.Name) || f.Name == ManifestName || f.Name == SumsName:
			problems = append(problems, msg.Err("backup.err.m-name", msg.Args{"Index": i, "Name": strconv.Quote(f.Name)}))
		case seen[f.Name]:
			problems = append(problems, msg.Err("backup.err.m-twice", msg.Args{"Index": i, "Name": f.Name}))
		}
		seen[f.Name] = true
		if _, ok := strategies[f.Kind]; !ok {
			problems = append(problems, msg.Err("backup.err.m-kind", msg.Args{"File": f.Name, "Kind": strconv.Quote(string(f.Kind))}))
		}
		if f.Service == "" {
			problems = append(problems, msg.Err("backup.err.m-service", msg.Args{"File": f.Name}))
		}
		if !hexSHA256.MatchString(f.SHA256) {
			problems = append(problems, msg.Err("backup.err.m-sha", msg.Args{"File": f.Name, "SHA": strconv.Quote(f.SHA256)}))
		}
		if f.Size < 0 {
			problems = append(problems, msg.Err("backup.err.m-size", msg.Args{"File": f.Name}))
		}
	}
	if m.ProjectFiles != nil && m.ProjectFiles.Name != ProjectName {
		problems = append(problems, msg.Err("backup.err.m-project", msg.Args{"Name": strconv.Quote(m.ProjectFiles.Name), "Want": ProjectName}))
	}
	if m.Secrets != nil {
		if m.Secrets.Name != SecretsName {
			problems = append(problems, msg.Err("backup.err.m-secrets", msg.Args{"Name": strconv.Quote(m.Secrets.Name), "Want": SecretsName}))
		}
		if m.Secrets.To != "x25519" && m.Secrets.To != "passphrase" {
			problems = append(problems, msg.Err("backup.err.m-recipient", msg.Args{"Kind": strconv.Quote(m.Secrets.To)}))
		}
	}
	for _, a := range m.archives() {
		if !hexSHA256.MatchString(a.SHA256) || a.Size < 0 {
			problems = append(problems, msg.Err("backup.err.m-archive", msg.Args{"File": a.Name}))
		}
	}
	if len(problems) > 0 {
		return &m, msg.Err("backup.err.file", msg.Args{"File": ManifestName, "Err": joinProblems(problems)})
	}
	return &m, nil
}

// LoadManifest reads dir/manifest.json without checking the data files
// (Verify does that).
func LoadManifest(dir string) (*Manifest, error) {
	b, err := readSmall(dir, ManifestName)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, msg.Err("backup.err.no-manifest", msg.Args{"Dir": dir, "File": ManifestName})
		}
		return nil, msg.Err("backup.err.file", msg.Args{"File": ManifestName, "Err": err})
	}
	return ParseManifest(b)
}

// parseSums reads a SHA256SUMS file: name -> hash. Both sha256sum's text
// ("  ") and binary (" *") markers are accepted.
func parseSums(b []byte) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if len(line) < 67 || (line[64:66] != "  " && line[64:66] != " *") || !hexSHA256.MatchString(strings.ToLower(line[:64])) {
			return nil, msg.Err("backup.err.sums-line", msg.Args{"File": SumsName, "Line": n})
		}
		out[line[66:]] = strings.ToLower(line[:64])
	}
	return out, sc.Err()
}

// sortedNames returns the names of a map's keys in order.
func sortedNames(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
