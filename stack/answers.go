package stack

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// ImagePrefix starts the answer key of an image reference ("image.db").
const ImagePrefix = "image."

// Active reports whether q applies to answers a.
func (q Question) Active(a Answers) bool { return q.When == nil || q.When(a) }

// DefaultFor returns q's default given the earlier answers.
func (q Question) DefaultFor(a Answers) string { return q.DefaultIn("", a) }

// DefaultIn returns q's default for a project written into folder (the
// folder's base name; "" when not known yet) given the earlier answers.
func (q Question) DefaultIn(folder string, a Answers) string {
	if folder != "" && q.FolderDefault != nil {
		if v := q.FolderDefault(folder); v != "" {
			return v
		}
	}
	if q.DefaultFrom != nil {
		return q.DefaultFrom(a)
	}
	return q.Default
}

// ChoicesFor returns q's valid choices given the earlier answers.
func (q Question) ChoicesFor(a Answers) []string {
	if q.ChoicesFrom != nil {
		return q.ChoicesFrom(a)
	}
	return q.Choices
}

// Normalize checks v against q's kind and check, returning the canonical
// form ("true"/"false" for booleans). The error says how to fix the value.
func (q Question) Normalize(v string, a Answers) (string, error) {
	v = strings.TrimSpace(v)
	switch q.Kind {
	case Int:
		n, err := strconv.Atoi(v)
		if err != nil {
			return "", msg.Err("answer.not-int", msg.Args{"Key": q.Key, "Value": quote(v)})
		}
		// One spelling per number: +80 and 0080 are stored (and written
		// into every file) as 80.
		v = strconv.Itoa(n)
	case Bool:
		switch strings.ToLower(v) {
		case "true", "yes", "y", "1", "on":
			v = "true"
		case "false", "no", "n", "0", "off", "":
			v = "false"
		default:
			return "", msg.Err("answer.not-bool", msg.Args{"Key": q.Key, "Value": quote(v)})
		}
	case Choice:
		choices := q.ChoicesFor(a)
		found := false
		for _, c := range choices {
			if c == v {
				found = true
			}
		}
		if !found {
			return "", msg.Err("answer.not-choice", msg.Args{"Key": q.Key, "Value": quote(v), "Choices": strings.Join(choices, ", ")})
		}
	}
	if q.Check != nil {
		if err := q.Check(v); err != nil {
			return "", msg.Err("answer.keyed", msg.Args{"Key": q.Key, "Err": err})
		}
	}
	return v, nil
}

// IsImageKey reports whether key names an image of d ("image.db").
func (d *Definition) IsImageKey(key string) bool {
	if !strings.HasPrefix(key, ImagePrefix) {
		return false
	}
	name := strings.TrimPrefix(key, ImagePrefix)
	for _, im := range d.Images {
		if im.Key == name {
			return true
		}
	}
	return false
}

// KnownKeys lists every answer key d accepts, for error messages.
func (d *Definition) KnownKeys() []string {
	var keys []string
	for _, q := range d.Questions {
		keys = append(keys, q.Key)
	}
	for _, im := range d.Images {
		keys = append(keys, ImagePrefix+im.Key)
	}
	return keys
}

// Resolve is ResolveIn for a folder not known yet.
func (d *Definition) Resolve(given Answers) (Answers, error) { return d.ResolveIn("", given) }

// ResolveIn checks the given answers, fills every unanswered question with
// its default (for a project written into folder, the folder's base name),
// and drops answers to questions that do not apply. It is the single place
// answers are validated, whatever their source.
func (d *Definition) ResolveIn(folder string, given Answers) (Answers, error) {
	if err := d.CheckKeys(given); err != nil {
		return nil, err
	}
	// Every value, given or default, is normalized before the next
	// question's When and default see it.
	out, err := d.walk(folder, given,
		func(_ Question, def string, _ Answers) (string, error) { return def, nil },
		func(q Question, v string, cur Answers) (string, error) { return q.Normalize(v, cur) })
	if err != nil {
		return nil, err
	}
	for _, im := range d.Images {
		key := ImagePrefix + im.Key
		v, ok := given[key]
		if !ok {
			continue
		}
		if err := CheckImageRef(v); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		out[key] = v
	}
	if err := d.checkFamilies(given, out); err != nil {
		return nil, err
	}
	return out, nil
}

// CheckKeys checks what can be checked of given without the questions'
// order: every key is one d knows and no value holds text that would break
// the files it lands in. It is ResolveIn's first step, and `new` runs it
// alone before asking, when values may still depend on questions to come.
func (d *Definition) CheckKeys(given Answers) error {
	for _, k := range SortedKeys(given) {
		// No answer is free text: each names a thing (a path, a host, a
		// tag) and lands in quoted or commented form in many syntaxes, so
		// characters that end lines or reorder text are refused up front.
		if err := CheckText(k, given[k]); err != nil {
			return err
		}
		if _, ok := d.Question(k); !ok && !d.IsImageKey(k) && !d.IsImageFamilyKey(k) {
			return msg.Err("stack.err.unknown-answer", msg.Args{"Key": quote(k), "Stack": d.Name, "Known": strings.Join(d.KnownKeys(), ", "), "Suffix": FamilySuffix})
		}
		if name, ok := strings.CutSuffix(k, FamilySuffix); ok && d.IsImageFamilyKey(k) && d.isBuilt(strings.TrimPrefix(name, ImagePrefix)) {
			return msg.Err("stack.err.family-of-built", msg.Args{"Key": k, "Name": name})
		}
	}
	return nil
}

// isBuilt reports whether every image with key is one the stack builds.
func (d *Definition) isBuilt(key string) bool {
	built := false
	for _, im := range d.Images {
		if im.Key == key {
			if !im.Built {
				return false
			}
			built = true
		}
	}
	return built
}

// Unanswered lists the active questions given does not answer, in order,
// evaluating When against defaults for the rest.
func (d *Definition) Unanswered(given Answers) []Question { return d.UnansweredIn("", given) }

// UnansweredIn is Unanswered for a project written into folder.
func (d *Definition) UnansweredIn(folder string, given Answers) []Question {
	var missing []Question
	_, _ = d.Walk(folder, given, func(q Question, def string, _ Answers) (string, error) {
		missing = append(missing, q)
		return def, nil
	})
	return missing
}

// Walk is the one walk of d's questions in order: an inactive question
// (When false for the answers so far) is skipped, a given answer is taken
// as it is, and each other question's answer comes from answer (called
// with its default for a project in folder and the answers so far). It
// returns the answers so far at the end: given's, merged with answer's.
func (d *Definition) Walk(folder string, given Answers, answer func(q Question, def string, cur Answers) (string, error)) (Answers, error) {
	return d.walk(folder, given, answer, nil)
}

// walk is Walk with each value, given or answered, passed through take
// (nil: kept as it is) before it joins the answers so far.
func (d *Definition) walk(folder string, given Answers, answer, take func(q Question, v string, cur Answers) (string, error)) (Answers, error) {
	cur := Answers{}
	for _, q := range d.Questions {
		if !q.Active(cur) {
			continue
		}
		v, ok := given[q.Key]
		if !ok {
			var err error
			if v, err = answer(q, q.DefaultIn(folder, cur), cur); err != nil {
				return nil, err
			}
		}
		if take != nil {
			var err error
			if v, err = take(q, v, cur); err != nil {
				return nil, err
			}
		}
		cur[q.Key] = v
	}
	return cur, nil
}

// SortedKeys returns the answers' keys in order, so answers are checked
// (and their errors reported) the same way every run.
func SortedKeys(a Answers) []string {
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
