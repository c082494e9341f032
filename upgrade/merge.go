package upgrade

import (
	"bytes"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/project"
)

// Outcome is what an upgrade does to one file.
type Outcome string

const (
	Same      Outcome = "unchanged" // already what the new render gives
	Replaced  Outcome = "updated"   // the user had not changed it: the new render
	Added     Outcome = "added"     // new in this render
	KeptYours Outcome = "kept"      // the user changed it, stackgen did not
	Merged    Outcome = "merged"    // both changed it, apart: both changes
	Conflict  Outcome = "conflict"  // both changed the same lines: markers
	Removed   Outcome = "removed"   // no longer generated, never changed by the user
	Orphaned  Outcome = "kept-unused"
	Deleted   Outcome = "left-deleted" // the user removed it; stackgen has nothing new for it
)

// Disk is a file as it is in the project.
type Disk struct {
	Content []byte
	Mode    fs.FileMode
}

// Input is everything the merge decides from, read by Run.
type Input struct {
	// Old is the manifest's files: path → hash of what stackgen rendered.
	Old map[string]string
	// Bases holds the base contents found, by hash.
	Bases map[string][]byte
	// Disk holds the project's files by path (absent: no such file).
	Disk map[string]Disk
	// New is the new render.
	New fileset.Set
	// Renames maps old paths to new ones (the changelog's, crossed).
	Renames map[string]string
	// Secrets are the .env keys that hold secrets: never changed.
	Secrets map[string]bool
	// Lang is the project's lang answer: the comment the merge writes into
	// .env is read by the same people as the rest of its comments.
	Lang string
}

// File is the outcome for one path.
type File struct {
	Path    string
	Outcome Outcome
	// Content and Mode are what the project holds afterwards (nil
	// Content: nothing is written).
	Content []byte
	Mode    fs.FileMode
	// Render is what stackgen rendered (nil: the file leaves the
	// manifest).
	Render    []byte
	Conflicts int
	// From is the old path of a file whose template moved.
	From string
	// Notes say why, for the summary table: catalogue messages, said in
	// the reader's language.
	Notes []msg.Sub
}

// Plan is the whole upgrade, decided in memory.
type Plan struct {
	Files []File
	Env   EnvReport
	// Remove lists the files to delete.
	Remove []string
}

// Changed reports whether applying the plan changes anything on disk.
func (p *Plan) Changed(disk map[string]Disk) bool {
	if len(p.Remove) > 0 {
		return true
	}
	for _, f := range p.Files {
		if f.Content == nil {
			continue
		}
		d, ok := disk[f.Path]
		if !ok || !bytes.Equal(d.Content, f.Content) || d.Mode != f.Mode {
			return true
		}
	}
	return false
}

// Conflicts counts the conflicts left for the user.
func (p *Plan) Conflicts() int {
	n := 0
	for _, f := range p.Files {
		n += f.Conflicts
	}
	return n
}

// Merge decides every file of an upgrade: pure, no I/O.
func Merge(in Input) Plan {
	var p Plan
	from := map[string]string{} // new path → old path
	for o, n := range in.Renames {
		if _, had := in.Old[o]; had {
			if _, already := in.Old[n]; !already {
				from[n] = o
			}
		}
	}
	handled := map[string]bool{}
	for _, t := range in.New {
		src := t.Path
		if o, ok := from[t.Path]; ok {
			src = o
			handled[o] = true
		}
		handled[t.Path] = true
		if t.Path == envPath {
			var content []byte
			content, p.Env = mergeEnv(in, t)
			p.Files = append(p.Files, File{Path: t.Path, Content: content, Mode: t.Mode, Render: t.Content, Outcome: envOutcome(in, content, p.Env), Conflicts: len(p.Env.Conflicts), Notes: p.Env.Notes()})
			continue
		}
		f := mergeFile(in, src, t)
		if src != t.Path {
			f.From = src
			if _, onDisk := in.Disk[src]; onDisk {
				p.Remove = append(p.Remove, src)
			}
			f.Notes = append([]msg.Sub{{ID: "upgrade.note.moved", Args: msg.Args{"From": src}}}, f.Notes...)
		}
		p.Files = append(p.Files, f)
	}
	var gone []string
	for o := range in.Old {
		if !handled[o] {
			gone = append(gone, o)
		}
	}
	sort.Strings(gone)
	for _, o := range gone {
		d, ok := in.Disk[o]
		switch {
		case !ok:
			continue
		case project.Hash(d.Content) == in.Old[o]:
			p.Files = append(p.Files, File{Path: o, Outcome: Removed, Notes: []msg.Sub{{ID: "upgrade.note.removed"}}})
			p.Remove = append(p.Remove, o)
		default:
			p.Files = append(p.Files, File{Path: o, Outcome: Orphaned, Notes: []msg.Sub{{ID: "upgrade.note.orphaned"}}})
		}
	}
	sort.Strings(p.Remove)
	sort.SliceStable(p.Files, func(i, j int) bool { return p.Files[i].Path < p.Files[j].Path })
	return p
}

// mergeFile decides one rendered file t whose previous version was at src.
func mergeFile(in Input, src string, t fileset.File) File {
	f := File{Path: t.Path, Mode: t.Mode, Render: t.Content}
	oldHash, had := in.Old[src]
	d, exists := in.Disk[src]
	if exists && d.Mode != t.Mode {
		f.Notes = append(f.Notes, msg.Sub{ID: "upgrade.note.mode", Args: msg.Args{"Old": fmt.Sprintf("%04o", d.Mode), "New": fmt.Sprintf("%04o", t.Mode)}})
	}
	switch {
	case !exists && !had:
		f.Outcome, f.Content = Added, t.Content
	case !exists:
		if project.Hash(t.Content) == oldHash {
			// Removed by the user and unchanged upstream: stays removed,
			// and the manifest still knows it, so the next upgrade does too.
			f.Outcome = Deleted
			f.Notes = append(f.Notes, msg.Sub{ID: "upgrade.note.left-deleted"})
			return f
		}
		f.Outcome, f.Content = Added, t.Content
		f.Notes = append(f.Notes, msg.Sub{ID: "upgrade.note.back"})
	case bytes.Equal(d.Content, t.Content):
		f.Outcome, f.Content = Same, t.Content
	case had && project.Hash(d.Content) == oldHash:
		f.Outcome, f.Content = Replaced, t.Content
	default:
		base, hasBase := in.Bases[oldHash]
		if !had {
			hasBase = false
		}
		switch {
		case hasBase && bytes.Equal(base, t.Content):
			f.Outcome, f.Content = KeptYours, d.Content
			if n := countMarkers(d.Content); n > 0 {
				f.Outcome, f.Conflicts = Conflict, n
				f.Notes = append(f.Notes, msg.Sub{ID: "upgrade.note.old-markers"})
			}
		case isBinary(d.Content) || isBinary(t.Content) || (hasBase && isBinary(base)):
			f.Outcome, f.Content, f.Conflicts = Conflict, d.Content, 1
			f.Notes = append(f.Notes, msg.Sub{ID: "upgrade.note.binary"})
		default:
			var merged []byte
			var n int
			if hasBase {
				merged, n = Merge3(base, d.Content, t.Content)
			} else {
				merged, n = Merge2(d.Content, t.Content)
				f.Notes = append(f.Notes, msg.Sub{ID: "upgrade.note.no-base"})
			}
			f.Content, f.Conflicts = merged, n
			f.Outcome = Merged
			if n > 0 {
				f.Outcome = Conflict
			}
		}
	}
	return f
}

// envPath is the one file merged by key.
const envPath = ".env"

// envExample is where the base of .env's plain settings comes from: the
// same keys with the secrets left empty.
const envExample = ".env.example"

func envOutcome(in Input, content []byte, r EnvReport) Outcome {
	d, exists := in.Disk[envPath]
	switch {
	case !exists:
		return Added
	case len(r.Conflicts) > 0:
		return Conflict
	case bytes.Equal(d.Content, content):
		return Same
	}
	return Merged
}

// Table is the summary printed at the end: every file that is not
// unchanged, with what happened and what to do, in l's language.
func (p *Plan) Table(l *msg.Localizer) string {
	var b bytes.Buffer
	w := 0
	for _, f := range p.Files {
		if f.Outcome != Same || len(f.Notes) > 0 {
			w = max(w, len(f.Path))
		}
	}
	for _, f := range p.Files {
		if f.Outcome == Same && len(f.Notes) == 0 {
			continue
		}
		notes := f.Notes
		if f.Outcome == Conflict && f.Conflicts > 0 && f.Path != envPath && !hasNote(notes, "upgrade.note.binary") {
			notes = append(append([]msg.Sub(nil), notes...), msg.Sub{ID: "upgrade.note.conflicts", Args: msg.Args{"Count": f.Conflicts}})
		}
		var said []string
		for _, n := range notes {
			said = append(said, l.T(n.ID, n.Args))
		}
		fmt.Fprintf(&b, "  %-*s  %-12s %s\n", w, f.Path, f.Outcome, strings.Join(said, l.T("upgrade.note.sep")))
	}
	return b.String()
}

func hasNote(notes []msg.Sub, id string) bool {
	for _, n := range notes {
		if n.ID == id {
			return true
		}
	}
	return false
}

// countMarkers counts the conflict blocks an earlier upgrade left.
func countMarkers(b []byte) int {
	n := 0
	for _, l := range splitLines(b) {
		if l == markerOurs {
			n++
		}
	}
	return n
}
