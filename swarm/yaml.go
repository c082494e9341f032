package swarm

import (
	"strings"

	"github.com/goccy/go-yaml"
)

// omap is an ordered YAML mapping, so the stack file reads in the order a
// person would write it (image first, deploy last) and goldens are stable.
type omap []item

type item struct {
	Key   string
	Value any
}

func (m *omap) add(key string, value any) { *m = append(*m, item{key, value}) }

// escape doubles every $: `docker stack deploy` (and the compose loader)
// interpolate ${VAR} in the stack file, and every value stackgen writes is
// already resolved, so a literal $ (a shell variable in a health check)
// must stay literal.
func escape(s string) string { return strings.ReplaceAll(s, "$", "$$") }

// escaped returns v with every string scalar escaped, keys excepted.
func escaped(v any) any {
	switch t := v.(type) {
	case string:
		return escape(t)
	case omap:
		out := make(yaml.MapSlice, len(t))
		for i, kv := range t {
			out[i] = yaml.MapItem{Key: kv.Key, Value: escaped(kv.Value)}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = escaped(e)
		}
		return out
	}
	return v
}

func marshal(doc omap) ([]byte, error) {
	return yaml.MarshalWithOptions(escaped(doc), yaml.IndentSequence(true))
}
