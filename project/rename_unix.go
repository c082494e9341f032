//go:build unix && !linux

package project

func renameNoReplace(from, to string) error { return renameChecked(from, to) }
