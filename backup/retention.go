package backup

import (
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Entry is a backup folder found in an output directory.
type Entry struct {
	Dir     string
	Stack   string
	Project string
	Created time.Time
}

// List returns the backup folders directly inside outDir (those with a
// readable manifest). Partial folders of an unfinished backup have no
// manifest yet and are not listed.
func List(outDir string) ([]Entry, error) {
	des, err := os.ReadDir(outDir)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, de := range des {
		if !de.IsDir() {
			continue
		}
		dir := filepath.Join(outDir, de.Name())
		m, err := LoadManifest(dir)
		if err != nil || m == nil {
			continue
		}
		out = append(out, Entry{Dir: dir, Stack: m.Stack, Project: m.Project, Created: m.Created})
	}
	return out, nil
}

// Prune decides which backups to delete to keep the newest keep backups of
// one stack and compose project; backups of other projects in the same
// folder are never touched. keep < 1 deletes nothing.
func Prune(entries []Entry, keep int, stackName, project string) []Entry {
	if keep < 1 {
		return nil
	}
	var mine []Entry
	for _, e := range entries {
		if e.Stack == stackName && e.Project == project {
			mine = append(mine, e)
		}
	}
	sort.SliceStable(mine, func(i, j int) bool {
		if !mine[i].Created.Equal(mine[j].Created) {
			return mine[i].Created.After(mine[j].Created)
		}
		return mine[i].Dir > mine[j].Dir
	})
	if len(mine) <= keep {
		return nil
	}
	return mine[keep:]
}
