// Package stacks holds the definitions of the stacks stackgen ships: their
// questions, images, secrets, and how their templates map to output files.
package stacks

import "github.com/stackgen/stackgen/stack"

// Registry returns every stack stackgen knows.
func Registry() *stack.Registry {
	return stack.NewRegistry(
		Django(),
		Keras(),
		Onyx(),
	)
}
