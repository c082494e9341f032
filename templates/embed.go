// Package templates holds every stack's template tree (each folder mirrors
// the tree it renders) and, in bundle/, the scripts and README an offline
// bundle carries. Files ending in .tmpl are executed with text/template,
// others are copied; "all:" keeps dotfiles such as .env.example.
package templates

import (
	"embed"
	"io/fs"
)

//go:embed all:django-uwsgi
//go:embed all:keras-webpy
//go:embed all:onyx
//go:embed bundle
var files embed.FS

// Stack returns the template tree of one stack.
func Stack(name string) fs.FS {
	sub, err := fs.Sub(files, name)
	if err != nil {
		panic(err) // name is a constant of the stacks package; fs.Sub fails only on a malformed path
	}
	return sub
}

// Bundle returns the text of one of bundle/'s templates (the load scripts
// and the README of an offline bundle, with {% %} delimiters).
func Bundle(name string) string {
	b, err := fs.ReadFile(files, "bundle/"+name)
	if err != nil {
		panic(err) // name is a constant of the bundle package
	}
	return string(b)
}
