package stacks

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"go.yaml.in/yaml/v4"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/toolcheck"
	"github.com/stackgen/stackgen/render"
	"github.com/stackgen/stackgen/stack"
)

// shape describes a YAML value without its scalars: the keys of every
// mapping, the length of every sequence, the kind of every scalar.
func shape(v any) string {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("{")
		for _, k := range keys {
			fmt.Fprintf(&b, "%q:%s,", k, shape(v[k]))
		}
		return b.String() + "}"
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = shape(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return fmt.Sprintf("%T", v)
}

// structure is what a value must never change in a rendered project: the
// files and their modes, every YAML file's shape, every Dockerfile's
// instructions, every .env file's keys, and the PowerShell scripts'
// structural findings.
func structure(set fileset.Set) map[string]string {
	out := map[string]string{}
	for _, f := range set {
		base := f.Path[strings.LastIndex(f.Path, "/")+1:]
		desc := f.Mode.String()
		switch {
		case strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml"):
			var v any
			if err := yaml.Unmarshal(f.Content, &v); err != nil {
				desc += " invalid YAML: " + err.Error()
			} else {
				desc += " " + shape(v)
			}
		case base == "Dockerfile":
			res, err := parser.Parse(strings.NewReader(string(f.Content)))
			if err != nil {
				desc += " invalid Dockerfile: " + err.Error()
				break
			}
			for _, n := range res.AST.Children {
				desc += " " + strings.ToUpper(n.Value)
			}
		case base == ".env" || base == ".env.example":
			env, err := dotenv.ParseWithLookup(strings.NewReader(string(f.Content)), func(string) (string, bool) { return "", false })
			if err != nil {
				desc += " invalid .env: " + err.Error()
			}
			desc += " " + strings.Join(stack.SortedKeys(stack.Answers(env)), ",")
		case strings.HasSuffix(base, ".ps1"):
			desc += " " + strings.Join(toolcheck.StructuralPowerShell(f.Content), "; ")
		}
		out[f.Path] = desc
	}
	return out
}

// slot is one answer a fuzzed value goes into.
type slot struct {
	def    func() *stack.Definition
	given  stack.Answers
	key    string
	prefix string // the value is prefix+input, so URL answers stay URLs
}

var slots = []slot{
	{Onyx, stack.Answers{"mode": "source"}, "source_dir", "../"},
	{Onyx, stack.Answers{"auth": "oidc", "oauth_client_id": "client-1"}, "openid_config_url", "https://login.example.com/"},
	{Keras, nil, "pip_index_url", "https://mirror.example.com/"},
	{Django, nil, "pip_index_url", "http://mirror.example.com/"},
}

func renderSlot(s slot, value string) (fileset.Set, error) {
	given := stack.Answers{s.key: s.prefix + value}
	for k, v := range s.given {
		given[k] = v
	}
	set, _, err := render.Project(s.def(), given, render.Options{Rand: rand.NewChaCha8([32]byte{7}), Version: "test"})
	return set, err
}

// FuzzRenderStructure renders whole projects with a fuzzed value in an
// answer that takes almost any text (a path, a URL): the answer is refused
// with one line, or the project has exactly the structure it has with a
// plain value.
func FuzzRenderStructure(f *testing.F) {
	for _, s := range []string{
		"onyx\u2028volumes:\u2028  db_volume: {}", "onyx’; Start-Process calc; #", `simple\`,
		"a\"b", "x'y", "$HOME", "${X:?}", "#x", "a b", "é", "\u202Ex", "a\x00b", "```", "*_x_*", "a;b{c}",
	} {
		f.Add(s)
	}
	want := make([]map[string]string, len(slots))
	for i, s := range slots {
		set, err := renderSlot(s, "plain")
		if err != nil {
			f.Fatal(err)
		}
		want[i] = structure(set)
	}
	f.Fuzz(func(t *testing.T, value string) {
		for i, s := range slots {
			set, err := renderSlot(s, value)
			if err != nil {
				if msg := err.Error(); strings.ContainsAny(msg, "\n\r\u2028\u2029\u0085") {
					t.Fatalf("%s=%q: the error is not one line: %q", s.key, value, msg)
				}
				continue
			}
			got := structure(set)
			for p, w := range want[i] {
				if got[p] != w {
					t.Fatalf("%s=%q changes the structure of %s:\n got %s\nwant %s", s.key, s.prefix+value, p, got[p], w)
				}
			}
			if len(got) != len(want[i]) {
				t.Fatalf("%s=%q changes the file list: %d files, want %d", s.key, value, len(got), len(want[i]))
			}
		}
	})
}
