// Package stack defines what a stack is: its questions with defaults and
// checks, the images it uses, the secrets it generates, its templates, and
// what the engine needs to deploy it. Definitions are data; rendering and
// writing live elsewhere.
package stack

import (
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/imagerole"
	"github.com/stackgen/stackgen/internal/msg"
)

// Kind is the type of an answer, which decides how it is asked and checked.
type Kind int

const (
	String Kind = iota
	Int
	Bool
	Choice
)

// Answers maps answer keys to their values, always as strings: that is how
// they arrive from flags, --set and answers files.
type Answers map[string]string

// Bool reads a boolean answer ("true"/"false").
func (a Answers) Bool(key string) bool { return a[key] == "true" }

// Question is one answer the user can give.
type Question struct {
	Key     string
	Prompt  string
	Help    string
	Kind    Kind
	Default string
	// DefaultFrom, when set, computes the default from earlier answers
	// (e.g. the database version depends on the database chosen).
	DefaultFrom func(Answers) string
	// FolderDefault, when set and the target folder is known, computes the
	// default from the folder's name, so two projects made in different
	// folders with every default still get different names.
	FolderDefault func(folder string) string
	// PerProject answers name this one project (its compose project name):
	// replaying another project's answers into a new folder derives them
	// again instead of copying them, so the two never share containers.
	PerProject bool
	Choices    []string
	// ChoicesFrom, when set, computes the valid choices from earlier answers.
	ChoicesFrom func(Answers) []string
	// Check returns an error saying what is wrong and how to fix it.
	Check func(string) error
	// When limits the question to some answers (nil: always asked).
	When func(Answers) bool
	// Advanced questions take their default silently in interactive mode;
	// they are set with flags or --set.
	Advanced bool
}

// Image is an image reference the stack uses; every one is an answer
// ("image.<Key>") so users behind blocked registries can replace it.
type Image struct {
	Key  string
	Help string
	// Default gives the reference for these answers.
	Default func(Answers) string
	// When limits the image to some answers (nil: always used).
	When func(Answers) bool
	// Built is true for images the stack builds itself (they are named, not pulled).
	Built bool
	// Role is what the services running this image do; "" for a base
	// image only Dockerfiles use. It is written into compose.yaml
	// (x-stackgen) so validate judges services by it, not by image names.
	Role imagerole.Role
	// Family is the image family the stack writes health checks, backups
	// and config for (nil: none in particular). An override whose name
	// names another family is refused.
	Family func(Answers) string
	// Base is the key of the image a built image is built FROM; the built
	// image has its family.
	Base string
}

// Secret is a value generated with a CSPRNG and written only to .env.
type Secret struct {
	Key   string // the .env key
	Bytes int    // random bytes before URL-safe encoding (at least 24)
	// Mixed asks for an upper- and a lower-case letter, a digit and a
	// symbol in the value (OpenSearch refuses an admin password without
	// them); values are drawn again until one has all four.
	Mixed bool
	// When limits the secret to some answers (nil: always in .env), e.g.
	// a database password to the database chosen. Every secret is still
	// generated, so adding one never changes the others' values.
	When func(Answers) bool
}

// Exec is a command run in a service's container.
type Exec struct {
	Service string
	Command []string
	// What is shown to the user ("Django migrations").
	What string
}

// Definition is a stack.
type Definition struct {
	Name        string
	Aliases     []string
	Description string
	Questions   []Question
	Images      []Image
	Secrets     []Secret
	// Templates is the stack's template tree (templates/<name>).
	Templates fs.FS
	// Data builds the template data for one render.
	Data func(in Input) (any, error)
	// OutputPath maps a template path (without .tmpl) to its output path,
	// or "" to leave the file out for these answers.
	OutputPath func(path string, a Answers) string
	// Migrate is run by `stackgen up` once the stack is healthy.
	Migrate *Exec
	// URL is where the deployed stack answers.
	URL func(a Answers) string
	// DefaultDir is the target directory when none is given.
	DefaultDir func(a Answers) string
	// State lists the data the stack keeps, for backup and restore.
	State func(a Answers) []State
	// StartTimeout is how long `stackgen up` waits for health by default
	// (0: the engine's default). Onyx's first start loads models and runs
	// migrations and needs far longer than a Django site. It is the one
	// default for every command that waits for the stack (up, restore,
	// deploy --bundle).
	StartTimeout time.Duration
	// Rerender, when set, checks a re-render of an existing project: prev
	// are the answers in its manifest, next the resolved new ones. An error
	// stops `stackgen new` before anything is written (e.g. Onyx refuses to
	// swap a Vespa index for an empty OpenSearch one unasked).
	Rerender func(prev, next Answers) error
	// Notes, when set, are lines printed after the project is written (e.g.
	// the memory the chosen mode needs): catalogue messages, said in the
	// reader's language.
	Notes func(a Answers) []msg.Sub
	// Warnings, when set, are printed on stderr at render time (e.g. an
	// image reference with a known vulnerability); they do not stop it.
	// Catalogue messages, like Notes.
	Warnings func(a Answers, images map[string]string) []msg.Sub

	// UserFiles are files only the user can supply (a trained model, a TLS
	// certificate): `new` names the missing ones in its next steps, and
	// validate and doctor report them.
	UserFiles func(a Answers) []UserFile
	// Needs is what the engine must offer for the stack to start.
	Needs Needs
}

// UserFile is a file the stack needs that stackgen cannot write.
type UserFile struct {
	// Path is relative to the project, with forward slashes.
	Path string
	// What it is and how to make it, for the message.
	What string
}

// Needs is the memory and disk a stack needs on its engine (0: the
// doctor's general minimum).
type Needs struct {
	MemoryBytes int64
	DiskBytes   int64
}

// StateKind says how a piece of state is dumped and restored.
type StateKind string

const (
	StateMySQL    StateKind = "mysql"    // logical dump, single transaction
	StateMariaDB  StateKind = "mariadb"  // logical dump, single transaction
	StatePostgres StateKind = "postgres" // pg_dump custom format
	StateRedis    StateKind = "redis"    // RDB snapshot after BGSAVE completes
	StateFiles    StateKind = "files"    // tar of a directory (a volume mount)
)

// State is one piece of data a stack keeps. Credentials are not recorded
// here: backups run inside the service's container, which already has them
// in its environment (from .env).
type State struct {
	Service string
	Kind    StateKind
	// Path is the directory inside the container, for StateFiles.
	Path string
	// Volume is the compose volume holding the data.
	Volume string
}

// Input is everything one render depends on.
type Input struct {
	Answers Answers
	Secrets map[string]string
	// Images holds the resolved reference of every image in use, by key.
	Images map[string]string
	// Roles holds the role of every image services run, by key, for the
	// x-stackgen extension of each service in compose.yaml.
	Roles   map[string]ServiceRole
	Version string
}

// Question returns the question with key, if the stack has it.
func (d *Definition) Question(key string) (Question, bool) {
	for _, q := range d.Questions {
		if q.Key == key {
			return q, true
		}
	}
	return Question{}, false
}

// Registry is the set of known stacks.
type Registry struct {
	stacks []*Definition
}

// NewRegistry returns a registry of the given stacks.
func NewRegistry(defs ...*Definition) *Registry { return &Registry{stacks: defs} }

// All returns the stacks sorted by name.
func (r *Registry) All() []*Definition {
	out := append([]*Definition(nil), r.stacks...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the stack names, sorted.
func (r *Registry) Names() []string {
	var names []string
	for _, d := range r.All() {
		names = append(names, d.Name)
	}
	return names
}

// Lookup finds a stack by name or alias, case-insensitively. An unknown
// name is an error that lists the real ones.
func (r *Registry) Lookup(name string) (*Definition, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, d := range r.stacks {
		if d.Name == n {
			return d, nil
		}
		for _, a := range d.Aliases {
			if a == n {
				return d, nil
			}
		}
	}
	return nil, msg.Err("stack.err.unknown", msg.Args{"Value": quote(name), "Stacks": strings.Join(r.Names(), ", ")})

}
