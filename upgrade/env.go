package upgrade

import (
	"bytes"
	"sort"
	"strings"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/project"
)

// EnvReport is what the key-by-key merge of .env did.
type EnvReport struct {
	// Added keys are new in this render (new secrets are freshly made).
	Added []string
	// Updated settings took stackgen's new value: you had not changed them.
	Updated []string
	// Unused keys are no longer written by stackgen; they stay in .env.
	Unused []string
	// Conflicts are settings both you and stackgen changed: yours is kept.
	Conflicts []string
}

// Notes are what the summary table shows for .env.
func (r EnvReport) Notes() []msg.Sub {
	var out []msg.Sub
	add := func(id string, keys []string) {
		if len(keys) > 0 {
			out = append(out, msg.Sub{ID: id, Args: msg.Args{"Keys": strings.Join(keys, ", ")}})
		}
	}
	add("upgrade.note.env-added", r.Added)
	add("upgrade.note.env-updated", r.Updated)
	add("upgrade.note.env-unused", r.Unused)
	add("upgrade.note.env-conflicts", r.Conflicts)
	return out
}

// envLine is one line of a .env file and the key it sets ("" for comments
// and blank lines).
type envLine struct {
	text, key, value string
}

func parseEnvLines(b []byte) []envLine {
	var out []envLine
	for _, l := range splitLines(b) {
		e := envLine{text: l}
		for k, v := range project.ParseEnv(l) {
			e.key, e.value = k, v
		}
		out = append(out, e)
	}
	return out
}

// mergeEnv merges .env by key, never as text: your lines stay as they are
// (secrets never change); a plain setting you left at stackgen's old value
// takes the new one; keys new in the render are appended with the comment
// above them; keys the render no longer has are reported, not deleted.
// The old values come from .env.example's base, which holds the same
// settings without the secrets.
func mergeEnv(in Input, t fileset.File) ([]byte, EnvReport) {
	var r EnvReport
	d, exists := in.Disk[envPath]
	if !exists {
		return t.Content, r
	}
	base := map[string]string{}
	hasBase := false
	if b, ok := in.Bases[in.Old[envExample]]; ok {
		base, hasBase = project.ParseEnv(string(b)), true
	}
	theirs := parseEnvLines(t.Content)
	byKey := map[string]int{}
	for i, l := range theirs {
		if l.key != "" {
			byKey[l.key] = i
		}
	}
	var out bytes.Buffer
	ours := map[string]bool{}
	for _, l := range parseEnvLines(d.Content) {
		if l.key == "" {
			out.WriteString(l.text)
			continue
		}
		ours[l.key] = true
		i, ok := byKey[l.key]
		switch {
		case !ok:
			r.Unused = append(r.Unused, l.key)
			out.WriteString(l.text)
		case in.Secrets[l.key] || theirs[i].value == l.value:
			out.WriteString(l.text)
		case hasBase && base[l.key] == l.value:
			r.Updated = append(r.Updated, l.key)
			out.WriteString(withNewline(theirs[i].text, l.text))
		case hasBase && base[l.key] == theirs[i].value:
			out.WriteString(l.text) // your change; stackgen's value is the old one
		default:
			r.Conflicts = append(r.Conflicts, l.key)
			out.WriteString(l.text)
		}
	}
	var added bytes.Buffer
	for i, l := range theirs {
		if l.key == "" || ours[l.key] {
			continue
		}
		r.Added = append(r.Added, l.key)
		// The comment block right above a new key explains it.
		j := i
		for j > 0 && strings.HasPrefix(strings.TrimSpace(theirs[j-1].text), "#") {
			j--
		}
		for _, c := range theirs[j:i] {
			added.WriteString(c.text)
		}
		added.WriteString(withNewline(l.text, "\n"))
	}
	if added.Len() > 0 {
		if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			out.WriteByte('\n')
		}
		lang, _ := msg.Parse(in.Lang)
		out.WriteString("\n" + msg.New(lang).T("upgrade.env.added") + "\n")

		out.Write(added.Bytes())
	}
	sort.Strings(r.Unused)
	return out.Bytes(), r
}

// withNewline gives line the line ending of like, so a replaced last line
// without a newline stays without one.
func withNewline(line, like string) string {
	line = strings.TrimSuffix(line, "\n")
	if strings.HasSuffix(like, "\n") {
		return line + "\n"
	}
	return line
}
