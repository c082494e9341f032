package upgrade

import (
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// in builds a merge input from the old render, the disk and the new
// render (path → content; every base copy present).
func in(old, disk, next map[string]string) Input {
	i := Input{Old: map[string]string{}, Bases: map[string][]byte{}, Disk: map[string]Disk{}}
	for p, c := range old {
		i.Old[p] = project.Hash([]byte(c))
		i.Bases[i.Old[p]] = []byte(c)
	}
	for p, c := range disk {
		i.Disk[p] = Disk{Content: []byte(c), Mode: 0o644}
	}
	for p, c := range next {
		i.New = append(i.New, fileset.File{Path: p, Mode: 0o644, Content: []byte(c)})
	}
	i.New.Sort()
	return i
}

func byPath(p Plan) map[string]File {
	out := map[string]File{}
	for _, f := range p.Files {
		out[f.Path] = f
	}
	return out
}

func TestMergeOutcomes(t *testing.T) {
	cases := []struct {
		name            string
		old, disk, next string // "" in disk: the file is missing
		want            Outcome
		content         string
		noBase, binary  bool
	}{
		{name: "untouched, upstream changed", old: "a\n", disk: "a\n", next: "b\n", want: Replaced, content: "b\n"},
		{name: "edited, upstream same", old: "a\n", disk: "mine\n", next: "a\n", want: KeptYours, content: "mine\n"},
		{name: "both, apart", old: "1\n2\n3\n4\n", disk: "0\n1\n2\n3\n4\n", next: "1\n2\n3\n4\n5\n", want: Merged, content: "0\n1\n2\n3\n4\n5\n"},
		{name: "both, same lines", old: "x\n", disk: "y\n", next: "z\n", want: Conflict, content: "<<<<<<< yours\ny\n=======\nz\n>>>>>>> stackgen\n"},
		{name: "no base: every difference marked", old: "x\n", disk: "k\nx\n", next: "x\nz\n", noBase: true, want: Conflict},
		{name: "removed by the user, upstream same", old: "a\n", next: "a\n", want: Deleted},
		{name: "removed by the user, upstream changed", old: "a\n", next: "b\n", want: Added, content: "b\n"},
		{name: "binary, both changed", old: "\x00a", disk: "\x00b", next: "\x00c", want: Conflict, content: "\x00b", binary: true},
		{name: "binary, only upstream", old: "\x00a", disk: "\x00a", next: "\x00c", want: Replaced, content: "\x00c"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			disk := map[string]string{}
			if c.disk != "" {
				disk["f"] = c.disk
			}
			i := in(map[string]string{"f": c.old}, disk, map[string]string{"f": c.next})
			if c.noBase {
				i.Bases = map[string][]byte{}
			}
			f := byPath(Merge(i))["f"]
			if f.Outcome != c.want {
				t.Fatalf("outcome %s, want %s (%+v)", f.Outcome, c.want, f)
			}
			if c.content != "" && string(f.Content) != c.content {
				t.Errorf("content %q, want %q", f.Content, c.content)
			}
			if c.noBase && !strings.Contains(string(f.Content), "<<<<<<< yours\nk\n") {
				t.Errorf("2-way merge did not mark the user's line: %q", f.Content)
			}
			if c.want == Deleted && (f.Content != nil || f.Render == nil) {
				t.Errorf("a file the user removed is rewritten, or leaves the manifest: %+v", f)
			}
		})
	}
}

func TestMergeFollowsARename(t *testing.T) {
	i := in(map[string]string{"old.conf": "a\nb\nc\nd\n"}, map[string]string{"old.conf": "mine\na\nb\nc\nd\n"}, map[string]string{"new.conf": "a\nb\nc\nd\nnew\n"})
	i.Renames = map[string]string{"old.conf": "new.conf"}
	p := Merge(i)
	f := byPath(p)["new.conf"]
	if f.Outcome != Merged || string(f.Content) != "mine\na\nb\nc\nd\nnew\n" || f.From != "old.conf" {
		t.Errorf("renamed file: %+v", f)
	}
	if len(p.Remove) != 1 || p.Remove[0] != "old.conf" {
		t.Errorf("remove %v, want [old.conf]", p.Remove)
	}
	if _, listed := byPath(p)["old.conf"]; listed {
		t.Error("the old path is reported as no longer generated besides the rename")
	}
}

func TestMergeEnvByKey(t *testing.T) {
	old := "# header\nSECRET=s1\nPORT_ORIGIN=http://x\nLEVEL=INFO\nGONE=1\nMINE=a\n"
	example := "SECRET=\nPORT_ORIGIN=http://x\nLEVEL=INFO\nGONE=1\nMINE=a\n"
	disk := "# header\nSECRET=s1\nPORT_ORIGIN=http://x\nLEVEL=DEBUG\nGONE=1\nMINE=b\n"
	next := "# header v2\nSECRET=fresh-would-be-wrong\nPORT_ORIGIN=http://x:8080\nLEVEL=INFO\nMINE=c\n# The new token.\nTOKEN=t0k\n"
	i := in(map[string]string{".env.example": example}, map[string]string{".env": disk, ".env.example": example},
		map[string]string{".env": next, ".env.example": strings.ReplaceAll(example, "GONE=1\n", "")})
	i.Old[".env"] = project.Hash([]byte(old))
	i.Secrets = map[string]bool{"SECRET": true, "TOKEN": true}
	p := Merge(i)
	f := byPath(p)[".env"]
	got := project.ParseEnv(string(f.Content))
	want := map[string]string{"SECRET": "s1", "PORT_ORIGIN": "http://x:8080", "LEVEL": "DEBUG", "GONE": "1", "MINE": "b", "TOKEN": "t0k"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf(".env %s = %q, want %q\n%s", k, got[k], v, f.Content)
		}
	}
	if !strings.Contains(string(f.Content), "# The new token.\nTOKEN=t0k\n") || !strings.HasPrefix(string(f.Content), "# header\n") {
		t.Errorf("new key without its comment, or the user's lines changed:\n%s", f.Content)
	}
	r := p.Env
	if strings.Join(r.Added, ",") != "TOKEN" || strings.Join(r.Updated, ",") != "PORT_ORIGIN" || strings.Join(r.Unused, ",") != "GONE" || strings.Join(r.Conflicts, ",") != "MINE" {
		t.Errorf("report %+v", r)
	}
	if f.Outcome != Conflict || f.Conflicts != 1 {
		t.Errorf(".env outcome %s (%d), want a conflict for MINE", f.Outcome, f.Conflicts)
	}
}

// The comment above the keys an upgrade adds is in the project's lang,
// like the rest of .env's comments.
func TestMergeEnvCommentFollowsLang(t *testing.T) {
	disk := "A=1\n"
	next := "A=1\nB=2\n"
	for _, tc := range []struct{ lang, want string }{
		{"", "Added by stackgen upgrade"},
		{"en", "Added by stackgen upgrade"},
		{"zh", "以下由 stackgen upgrade 添加"},
	} {
		i := in(nil, map[string]string{".env": disk}, map[string]string{".env": next})
		i.Old[".env"] = project.Hash([]byte(disk))
		i.Lang = tc.lang
		f := byPath(Merge(i))[".env"]
		if !strings.Contains(string(f.Content), tc.want) || !strings.HasSuffix(string(f.Content), "\nB=2\n") {
			t.Errorf("lang %q: .env lacks %q above B:\n%s", tc.lang, tc.want, f.Content)
		}
	}
}

func TestDataRisks(t *testing.T) {

	d, err := stacks.Registry().Lookup("django-uwsgi")
	if err != nil {
		t.Fatal(err)
	}
	// MySQL 8.4 (not the default line) so a minor and a major move both exist
	base, err := d.Resolve(stack.Answers{"compose_project": "site", "db_version": "8.4"})
	if err != nil {
		t.Fatal(err)
	}
	with := func(kv ...string) stack.Answers {
		a := stack.Answers{}
		for k, v := range base {
			a[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			a[kv[i]] = kv[i+1]
		}
		return a
	}
	cases := []struct {
		name string
		next stack.Answers
		want string // "" none
	}{
		{"port only", with("http_port", "8080"), ""},
		{"minor version", with("image.db", "mysql:8.4.9"), ""},
		{"db family", with("db", "mariadb", "db_version", "11.8"), "switches from mysql to mariadb over volume db_vol"},
		{"major version", with("image.db", "mysql:9.1"), "new major version"},
		{"compose project", with("compose_project", "other"), "renames every volume"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := DataRisks(d, base, c.next)
			got := ""
			for _, r := range rs {
				got += r.What + "\n"
			}
			if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
				t.Errorf("risks %q, want %q", got, c.want)
			}
		})
	}
	// A stateful service dropped (a stack whose state shrinks).
	nd := *d
	nd.State = func(a stack.Answers) []stack.State {
		if a["drop"] == "yes" {
			return nil
		}
		return []stack.State{{Service: "redis", Kind: stack.StateRedis, Volume: "redis_vol"}}
	}
	if rs := DataRisks(&nd, base, with("drop", "yes")); len(rs) != 1 || !strings.Contains(rs[0].What, "redis_vol") {
		t.Errorf("dropped service: %+v", rs)
	}
}

func TestEveryStackHasAChangelog(t *testing.T) {
	for _, d := range stacks.Registry().All() {
		c, err := LoadChangelog(d.Name)
		if err != nil || c.Latest() == 0 {
			t.Errorf("%s: changelog %v, %v", d.Name, c, err)
			continue
		}
		for _, e := range c {
			if e.Summary == "" || len(e.Files) == 0 {
				t.Errorf("%s: changelog v%d lacks a summary or files", d.Name, e.Version)
			}
		}
	}
	fv := Changelog{{Version: 1, Files: []string{"**"}}, {Version: 2, Files: []string{".gitignore", "*/settings.py"}}}
	for p, want := range map[string]int{".gitignore": 2, "mysite/settings.py": 2, "compose.yaml": 1, "a/b/settings.py": 1} {
		if got := fv.FileVersion(p); got != want {
			t.Errorf("FileVersion(%s) = %d, want %d", p, got, want)
		}
	}
	c := Changelog{{Version: 1}, {Version: 2, Renamed: map[string]string{"a": "b"}}, {Version: 3, Renamed: map[string]string{"b": "c"}}}
	if r := c.Renames(1); r["a"] != "c" || r["b"] != "c" {
		t.Errorf("renames across versions = %v, want a→c and b→c", r)
	}
	if r := c.Renames(3); len(r) != 0 {
		t.Errorf("renames from the latest = %v", r)
	}
}

// FuzzMergeEnvKeepsSecretsAndLines: whatever the render says, every
// secret keeps the value on disk, every line on disk survives in order,
// and every key of the render ends up in .env.
func FuzzMergeEnvKeepsSecretsAndLines(f *testing.F) {
	f.Add("SECRET=a\nX=1\n", "SECRET=b\nX=2\nY=3\n", "SECRET=\nX=1\n")
	f.Add("# c\nSECRET='q'\n", "NEW=1", "")
	f.Fuzz(func(t *testing.T, disk, next, example string) {
		i := in(map[string]string{".env.example": example}, map[string]string{".env": disk}, map[string]string{".env": next})
		i.Secrets = map[string]bool{"SECRET": true}
		p := Merge(i)
		got := string(byPath(p)[".env"].Content)
		if strings.Contains(disk, "SECRET") {
			if a, b := project.ParseEnv(disk)["SECRET"], project.ParseEnv(got)["SECRET"]; a != b {
				t.Fatalf("secret changed %q → %q\ndisk %q next %q got %q", a, b, disk, next, got)
			}
		}
		theirs, merged := project.ParseEnv(next), project.ParseEnv(got)
		for k := range theirs {
			if _, ok := merged[k]; !ok {
				t.Fatalf("key %q of the render missing from %q", k, got)
			}
		}
		// Lines keep their order: each disk line (or its replacement for a
		// key stackgen updated) appears after the previous one.
		pos := 0
		for _, l := range splitLines([]byte(disk)) {
			k := ""
			for kk := range project.ParseEnv(l) {
				k = kk
			}
			if k != "" && !i.Secrets[k] {
				continue // a setting may take the new value
			}
			j := strings.Index(got[pos:], strings.TrimSuffix(l, "\n"))
			if j < 0 {
				t.Fatalf("line %q of .env lost or out of order in %q", l, got)
			}
			pos += j + len(strings.TrimSuffix(l, "\n"))
		}
	})
}

// The summary table's notes read in the reader's language, joined with
// its punctuation.
func TestTableSaysNotesInTheReadersLanguage(t *testing.T) {
	p := Plan{Files: []File{{Path: "app/settings.py", Outcome: Conflict, Conflicts: 2, Notes: []msg.Sub{{ID: "upgrade.note.no-base"}}}}}
	for _, tc := range []struct {
		l    *msg.Localizer
		want string
	}{
		{msg.English(), "no base copy: every difference is marked; 2 conflict(s): edit the"},
		{msg.New(msg.Zh), "没有基准副本：每处差异都已标出；2 处冲突"},
	} {
		if got := p.Table(tc.l); !strings.Contains(got, tc.want) {
			t.Errorf("%s: table %q lacks %q", tc.l.Lang(), got, tc.want)
		}
	}
}
