// Package yamlin reads the YAML files stackgen takes as input (--answers
// files and .stackgen.yml) without letting them exhaust or hang the
// process: only a regular file is read, at most MaxSize bytes of it, and a
// document must be one, with no anchors or aliases (a few hundred bytes of
// nested aliases expand to gigabytes, and stackgen never writes them).
package yamlin

import (
	"strconv"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/stackgen/stackgen/internal/msg"
)

// MaxSize is the largest input file read (with smallfile.ReadFile): answers and manifests are a few
// kilobytes; a mebibyte leaves room for any real one.
const MaxSize = 1 << 20

// ErrAlias says a document uses YAML anchors or aliases.
var ErrAlias = msg.Err("yamlin.err.alias")

// Parse parses b as exactly one YAML document without anchors or aliases
// and returns its body (nil for an empty document). Nothing is expanded:
// the check runs on the syntax tree.
func Parse(b []byte) (ast.Node, error) {
	file, err := parser.ParseBytes(b, 0)
	if err != nil {
		return nil, msg.Err("yamlin.err.invalid", msg.Args{"Detail": oneLine(err)})
	}
	var docs []*ast.DocumentNode
	for _, d := range file.Docs {
		if d.Body != nil {
			docs = append(docs, d)
		}
	}
	switch len(docs) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, msg.Err("yamlin.err.documents", msg.Args{"Count": len(docs)})
	}
	var found ast.Node
	ast.Walk(visitor(func(n ast.Node) bool {
		switch n.(type) {
		case *ast.AnchorNode, *ast.AliasNode:
			found = n
			return false
		}
		return found == nil
	}), docs[0].Body)
	if found != nil {
		return nil, msg.Err("yamlin.err.line", msg.Args{"Line": found.GetToken().Position.Line, "Err": ErrAlias})
	}
	return docs[0].Body, nil
}

type visitor func(ast.Node) bool

func (v visitor) Visit(n ast.Node) ast.Visitor {
	if v(n) {
		return v
	}
	return nil
}

// oneLine keeps the first line of a parser error (goccy adds a source
// excerpt on the following lines).
func oneLine(err error) string {
	s := err.Error()
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// Pair is one key and value of a mapping, in file order.
type Pair struct {
	Key   string
	Value ast.Node
	Line  int
}

// Mapping returns the pairs of a mapping node (a one-pair mapping is a
// MappingValueNode in goccy's tree); a duplicate key is an error, as YAML
// says it is.
func Mapping(n ast.Node) ([]Pair, error) {
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		return nil, msg.Err("yamlin.err.not-mapping", msg.Args{"Line": line(n)})
	}
	seen := map[string]bool{}
	var out []Pair
	for _, v := range values {
		k, ok := Scalar(v.Key)
		if !ok {
			return nil, msg.Err("yamlin.err.key", msg.Args{"Line": line(v)})
		}
		if seen[k] {
			return nil, msg.Err("yamlin.err.twice", msg.Args{"Line": line(v), "Key": strconv.Quote(k)})
		}
		seen[k] = true
		out = append(out, Pair{Key: k, Value: v.Value, Line: line(v)})
	}
	return out, nil
}

// Scalar returns a scalar's text as written, so 1.10 stays "1.10" and 0080
// stays "0080" (a decoder would make them the numbers 1.1 and 80); quoted
// and block scalars give their string value, null gives "".
func Scalar(n ast.Node) (string, bool) {
	switch s := n.(type) {
	case *ast.StringNode:
		return s.Value, true
	case *ast.LiteralNode:
		return s.Value.Value, true
	case *ast.NullNode:
		return "", true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, true
	}
	return "", false
}

func line(n ast.Node) int {
	if n == nil || n.GetToken() == nil {
		return 0
	}
	return n.GetToken().Position.Line
}

// Decode parses b as Parse does and returns its mapping with every scalar
// as the string written (null as nil), mappings as map[string]any and
// sequences as []any: the shape yaml.Unmarshal gives, without turning
// 1.10 into 1.1 or expanding anything.
func Decode(b []byte) (map[string]any, error) {
	body, err := Parse(b)
	if err != nil || body == nil {
		return map[string]any{}, err
	}
	v, err := value(body)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, msg.Err("yamlin.err.not-mapping", msg.Args{"Line": line(body)})
	}
	return m, nil
}

func value(n ast.Node) (any, error) {
	if _, null := n.(*ast.NullNode); null {
		return nil, nil
	}
	if s, ok := Scalar(n); ok {
		return s, nil
	}
	switch n := n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		pairs, err := Mapping(n)
		if err != nil {
			return nil, err
		}
		m := make(map[string]any, len(pairs))
		for _, p := range pairs {
			if m[p.Key], err = value(p.Value); err != nil {
				return nil, err
			}
		}
		return m, nil
	case *ast.SequenceNode:
		out := make([]any, len(n.Values))
		for i, e := range n.Values {
			var err error
			if out[i], err = value(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, msg.Err("yamlin.err.unsupported", msg.Args{"Line": line(n), "Type": n.Type().String()})

}
