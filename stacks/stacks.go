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

// family is an Image.Family that does not depend on the answers.
func family(name string) func(stack.Answers) string {
	return func(stack.Answers) string { return name }
}
