package validate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// yamlFile is a compose file as text plus its YAML syntax tree, which keeps
// the line of every key and the raw (not yet interpolated) scalar values.
type yamlFile struct {
	path    string
	content []byte
	root    ast.Node // body of the first document; nil when parsing failed
	err     error
	errLine int
}

func parseYAMLFile(path string, content []byte) *yamlFile {
	y := &yamlFile{path: path, content: content}
	f, err := parser.ParseBytes(content, 0)
	if err != nil {
		y.err = err
		var se *yaml.SyntaxError
		if errors.As(err, &se) && se.Token != nil && se.Token.Position != nil {
			y.errLine = se.Token.Position.Line
		}
		return y
	}
	if len(f.Docs) > 0 && f.Docs[0] != nil {
		y.root = f.Docs[0].Body
	}
	return y
}

// unwrapNode looks through anchors and tags to the value they carry.
func unwrapNode(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
}

// mapEntries returns the key/value pairs of a mapping node (nil for
// anything else). A one-entry mapping can come back from the parser as a
// bare MappingValueNode, so both shapes are accepted.
func mapEntries(n ast.Node) []*ast.MappingValueNode {
	switch v := unwrapNode(n).(type) {
	case *ast.MappingNode:
		return v.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}
	}
	return nil
}

// seqItems returns a sequence node's items (nil for anything else).
func seqItems(n ast.Node) []ast.Node {
	if s, ok := unwrapNode(n).(*ast.SequenceNode); ok {
		return s.Values
	}
	return nil
}

// keyText is a mapping key as text.
func keyText(k ast.MapKeyNode) string {
	if k == nil {
		return ""
	}
	if s, ok := k.(ast.ScalarNode); ok {
		return fmt.Sprint(s.GetValue())
	}
	return strings.TrimSpace(k.String())
}

// scalarText is a scalar node's value as text, and false for mappings,
// sequences and nulls.
func scalarText(n ast.Node) (string, bool) {
	n = unwrapNode(n)
	switch v := n.(type) {
	case nil, *ast.NullNode, *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		return "", false
	case *ast.LiteralNode:
		return v.Value.Value, true
	case ast.ScalarNode:
		return fmt.Sprint(v.GetValue()), true
	}
	return "", false
}

// lineOf is a node's first line (0 when unknown).
func lineOf(n ast.Node) int {
	if n == nil {
		return 0
	}
	if t := n.GetToken(); t != nil && t.Position != nil {
		return t.Position.Line
	}
	return 0
}

// child returns the entry of mapping n under key, or nil.
func child(n ast.Node, key string) *ast.MappingValueNode {
	for _, e := range mapEntries(n) {
		if keyText(e.Key) == key {
			return e
		}
	}
	return nil
}

// lookup follows keys from the root and returns the deepest entry found and
// how many keys matched, so a finding can point at the exact key or, when
// the key is absent (for example a missing healthcheck), at its parent.
func (y *yamlFile) lookup(keys ...string) (entry *ast.MappingValueNode, depth int) {
	if y == nil || y.root == nil {
		return nil, 0
	}
	n := y.root
	for _, k := range keys {
		e := child(n, k)
		if e == nil {
			break
		}
		entry, depth = e, depth+1
		n = e.Value
	}
	return entry, depth
}

// line returns the line of the deepest key of keys found in the file.
func (y *yamlFile) line(keys ...string) int {
	e, _ := y.lookup(keys...)
	if e == nil {
		return 0
	}
	return lineOf(e.Key)
}

// value returns the node under keys, or nil when the full path is absent.
func (y *yamlFile) value(keys ...string) ast.Node {
	e, d := y.lookup(keys...)
	if e == nil || d != len(keys) {
		return nil
	}
	return e.Value
}

// services returns the raw service entries of a compose file.
func (y *yamlFile) services() []*ast.MappingValueNode {
	return mapEntries(y.value("services"))
}

// walkScalars calls fn for every scalar value (not key) under n, with its
// line, so interpolation can be checked on the raw text.
func walkScalars(n ast.Node, fn func(s string, line int)) {
	n = unwrapNode(n)
	switch v := n.(type) {
	case nil:
	case *ast.MappingNode:
		for _, e := range v.Values {
			walkScalars(e.Value, fn)
		}
	case *ast.MappingValueNode:
		walkScalars(v.Value, fn)
	case *ast.SequenceNode:
		for _, it := range v.Values {
			walkScalars(it, fn)
		}
	default:
		if s, ok := scalarText(v); ok {
			fn(s, lineOf(v))
		}
	}
}
