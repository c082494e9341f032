// Package msg is stackgen's one message catalogue: every sentence a person
// reads (command help, prompts, errors and their fixes, validate findings,
// progress and reports) is looked up here by a stable ID, in English or
// Chinese. The catalogue files are embedded (locales/<lang>/<area>.yaml, one
// file per ID prefix so that work on one area touches one file) and read
// with go-i18n; the chosen language travels in a *Localizer that the
// command factory hands to whoever prints, never in a global.
package msg

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v4"
	"golang.org/x/text/language"
)

// Lang is a language stackgen speaks.
type Lang string

const (
	// En is English, the source language and the fallback.
	En Lang = "en"
	// Zh is Simplified Chinese.
	Zh Lang = "zh"
)

// Langs lists the languages in catalogue order (source first).
func Langs() []Lang { return []Lang{En, Zh} }

// Args are the named values a message's {{.Name}} placeholders take.
type Args map[string]any

//go:embed locales/*/*.yaml
var locales embed.FS

// The catalogue is parsed area by area, the first time a message of the
// area is said: a run says messages of a few areas only, and parsing all
// of them was most of a short run's start-up (BenchmarkLoad). It is
// immutable embedded data, not state, so sharing it does not make the
// chosen language global.
var catalogues = map[Lang]func() *catalogue{
	En: sync.OnceValue(func() *catalogue { return newCatalogue(En) }),
	Zh: sync.OnceValue(func() *catalogue { return newCatalogue(Zh, En) }),
}

// catalogue is one language with its fallbacks, filled area by area.
type catalogue struct {
	langs  []Lang
	mu     sync.Mutex // go-i18n's bundle is not safe to add to while read
	b      *i18n.Bundle
	loc    *i18n.Localizer
	loaded map[string]bool
}

func newCatalogue(langs ...Lang) *catalogue {
	b := i18n.NewBundle(language.English)
	tags := make([]string, len(langs))
	for i, l := range langs {
		tags[i] = string(l)
	}
	return &catalogue{langs: langs, b: b, loc: i18n.NewLocalizer(b, tags...), loaded: map[string]bool{}}
}

// localize says cfg's message, reading its area's files first if need be.
func (c *catalogue) localize(cfg *i18n.LocalizeConfig) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a := area(cfg.MessageID); !c.loaded[a] {
		c.loaded[a] = true
		for _, l := range c.langs {
			name := "locales/" + string(l) + "/" + a + ".yaml"
			data, err := locales.ReadFile(name)
			if err != nil {
				continue // no such area: its IDs are unknown and say themselves
			}
			mf, err := i18n.ParseMessageFileBytes(data, string(l)+".yaml", map[string]i18n.UnmarshalFunc{"yaml": yaml.Unmarshal})
			if err == nil {
				err = c.b.AddMessages(mf.Tag, mf.Messages...)
			}
			if err != nil {
				// the embedded files are checked by the package's tests; a
				// broken catalogue is a build defect, not a user error
				panic(fmt.Errorf("message catalogue %s: %w", name, err))
			}
		}
	}
	return c.loc.Localize(cfg)
}

// area is the file an ID lives in: its first segment (TestEachFileHoldsItsArea).
func area(id string) string {
	a, _, _ := strings.Cut(strings.NewReplacer("-", ".", "_", ".").Replace(id), ".")
	return a
}

func parse(l Lang) ([]*i18n.MessageFile, error) { return parseFS(locales, l) }

// parseFS reads every file of fsys's locales/<l>/; an ID in two of them is
// a mistake that would otherwise let the later file win silently.
func parseFS(fsys fs.FS, l Lang) ([]*i18n.MessageFile, error) {
	dir := "locales/" + string(l)
	names, err := fs.Glob(fsys, dir+"/*.yaml")
	if err != nil {
		return nil, err
	}
	seen := map[string]string{}
	var files []*i18n.MessageFile
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		// go-i18n takes the language from the file name; every file of
		// dir is in l whatever its area is called
		mf, err := i18n.ParseMessageFileBytes(data, string(l)+".yaml", map[string]i18n.UnmarshalFunc{"yaml": yaml.Unmarshal})
		if err != nil {
			return nil, fmt.Errorf("message catalogue %s: %w", name, err)
		}
		mf.Path = name
		for _, m := range mf.Messages {
			if prev, ok := seen[m.ID]; ok {
				return nil, fmt.Errorf("message catalogue %s: %q is already in %s; keep one", name, m.ID, prev)
			}
			seen[m.ID] = name
		}
		files = append(files, mf)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("message catalogue %s: no files", dir)
	}
	return files, nil
}

func add(b *i18n.Bundle, files []*i18n.MessageFile) error {
	for _, mf := range files {
		if err := b.AddMessages(mf.Tag, mf.Messages...); err != nil {
			return fmt.Errorf("message catalogue %s: %w", mf.Path, err)
		}
	}
	return nil
}

// load parses every language afresh (tests and BenchmarkLoad).
func load() (*i18n.Bundle, error) {
	b := i18n.NewBundle(language.English)
	for _, l := range Langs() {
		files, err := parse(l)
		if err != nil {
			return nil, err
		}
		if err := add(b, files); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Localizer renders catalogue messages in one language.
type Localizer struct {
	lang Lang
	cat  *catalogue
}

// New returns a localizer for lang; English fills any gap (the catalogue
// test makes sure there is none).
func New(lang Lang) *Localizer {
	get, ok := catalogues[lang]
	if !ok {
		get = catalogues[En]
	}
	return &Localizer{lang: lang, cat: get()}
}

// English is the localizer of the source language: machine output (JSON,
// logs) and code that has no person to address use it.
func English() *Localizer { return New(En) }

// Lang is the localizer's language.
func (l *Localizer) Lang() Lang {
	if l == nil {
		return En
	}
	return l.lang
}

// T renders message id with the given placeholder values. An unknown id
// renders as the id itself, so a missing entry shows up in tests and output
// instead of an empty line.
func (l *Localizer) T(id string, args ...Args) string {
	if l == nil {
		l = English()
	}
	var data Args
	if len(args) > 0 {
		data = args[0]
		copied := false
		for k, v := range args[0] {
			var said string
			switch v := v.(type) {
			case Sub:
				said = l.T(v.ID, v.Args)
			case error:
				// an error from the catalogue, said again in l's language;
				// a wrapper that adds no words of its own (a usage-error
				// kind) is looked through
				var e *Error
				if !errors.As(v, &e) || e.Error() != v.Error() {
					continue
				}
				said = l.T(e.ID, e.Args)
			default:
				continue
			}
			if !copied { // the caller's map stays as it was
				data, copied = copyArgs(args[0]), true
			}
			data[k] = said
		}
	}
	s, err := l.cat.localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil || s == "" {
		return id
	}
	return s
}

// Sub is a placeholder value that is itself a catalogue message, said in
// the same language as the message around it (a reason from a table, a
// clause that depends on the case).
type Sub struct {
	ID   string
	Args Args
}

func copyArgs(a Args) Args {
	out := make(Args, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}

// Errorf is an error whose text is the localised message id.
func (l *Localizer) Errorf(id string, args ...Args) error {
	e := &Error{ID: id, Text: l.T(id, args...)}
	if len(args) > 0 {
		e.Args = args[0]
	}
	return e
}

// Err is an error from the catalogue made where no reader is known (an
// answer's check, a library): its text is English, and a command that
// prints it through T (as {{.Err}}) says it in the reader's language.
// An Args value that is itself such an error is said the same way, so
// "KEY: <check's error>" reads in one language.
//
// Its English text is made when it is first read, not when the error is:
// a package-level sentinel (sign.ErrBadSignature) would otherwise parse
// the whole catalogue during package initialisation, before main runs.
func Err(id string, args ...Args) error {
	e := &Error{ID: id}
	if len(args) > 0 {
		e.Args = args[0]
	}
	return e
}

// Error is a user-facing error from the catalogue: ID and Args are stable
// (for --json and tests, and to say it again in another language), Text is
// what it reads as where it was made.
type Error struct {
	ID   string
	Args Args
	// Text is "" for an error made by Err until Error says it in English.
	Text string
}

func (e *Error) Error() string {
	if e.Text == "" {
		return English().T(e.ID, e.Args)
	}
	return e.Text
}

// Unwrap returns the errors among Args (in key order), so that a catalogue
// message wrapping a cause ({{.Err}}) keeps errors.Is and errors.As working
// the way fmt.Errorf's %w does.
func (e *Error) Unwrap() []error {
	var keys []string
	for k, v := range e.Args {
		if _, ok := v.(error); ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []error
	for _, k := range keys {
		out = append(out, e.Args[k].(error))
	}
	return out
}

// Parse reads a --lang value or an answer: "zh", "zh-CN", "zh_TW.UTF-8",
// "en", "en_US" ... Every Chinese variant maps to Zh, since the catalogue
// has one Chinese (Simplified): a Taiwan or Hong Kong reader still reads it
// better than English.
func Parse(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, ".@"); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(s, "_", "-")
	switch {
	case s == "":
		return "", false
	case s == "zh" || strings.HasPrefix(s, "zh-"):
		return Zh, true
	case s == "en" || strings.HasPrefix(s, "en-"):
		return En, true
	case s == "c" || s == "posix":
		return En, true
	}
	return "", false
}

// Names lists the values --lang accepts, for help and errors.
func Names() string {
	var out []string
	for _, l := range Langs() {
		out = append(out, string(l))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// Detect chooses the language: the --lang flag when given, else the first
// set of LC_ALL, LC_MESSAGES and LANG (POSIX order of precedence), else the
// user's UI language on Windows, else English. A locale stackgen does not
// speak (de_DE, ja_JP) means English, like any program without that
// translation; an unknown --lang is an error the caller reports.
func Detect(flag string, getenv func(string) string) (Lang, error) {
	if flag != "" {
		l, ok := Parse(flag)
		if !ok {
			return "", English().Errorf("lang.invalid", Args{"Value": fmt.Sprintf("%q", flag), "Names": Names()})
		}
		return l, nil
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			if l, ok := Parse(v); ok {
				return l, nil
			}
			return En, nil
		}
	}
	if l, ok := Parse(uiLanguage()); ok {
		return l, nil
	}
	return En, nil
}
