package newcmd

import (
	"fmt"
	"path/filepath"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/smallfile"
	"github.com/stackgen/stackgen/internal/yamlin"
	"github.com/stackgen/stackgen/prompt"
	"github.com/stackgen/stackgen/stack"
)

// readAnswersFile reads a YAML mapping of answer keys to scalar values,
// each kept as written (app_version: 1.10 stays "1.10"), or the
// .stackgen.yml of another project (a replay: its answers, for a stack of
// the same kind). The file must be a regular file of at most
// yamlin.MaxSize bytes holding one document without anchors or aliases;
// anything else is one line naming the file.
func readAnswersFile(path string, d *stack.Definition, dir string, into stack.Answers) error {
	b, err := smallfile.ReadFile(path, yamlin.MaxSize)
	if err != nil {
		return msg.Err("cmd.err.flag", msg.Args{"Flag": "answers", "Err": err})
	}
	raw, err := yamlin.Decode(b)
	if err != nil {
		return msg.Err("new.err.answers-yaml", msg.Args{"File": path, "Err": err})
	}
	if isManifest(raw) {
		return replayManifest(path, raw, d, dir, into)
	}
	given, err := stack.AnswersFromYAML(path, raw)
	if err != nil {
		return err
	}
	for k, v := range given {
		into[k] = v
	}
	return nil
}

// isManifest tells a project's .stackgen.yml (stack, answers and file
// hashes) from a plain answers file.
func isManifest(raw map[string]any) bool {
	_, hasStack := raw["stack"].(string)
	_, hasAnswers := raw["answers"].(map[string]any)
	return hasStack && hasAnswers
}

// replayManifest takes the answers of another project's manifest. Answers
// that name that one project (its compose project) are left out unless the
// manifest is the target's own, so the new project gets its own containers
// and images instead of taking over the old one's.
func replayManifest(path string, raw map[string]any, d *stack.Definition, dir string, into stack.Answers) error {
	name := raw["stack"].(string)
	if name != d.Name {
		return msg.Err("new.err.answers-stack", msg.Args{"File": path, "Have": name, "Want": d.Name})
	}
	own := false
	if dir != "" {
		a, err1 := filepath.Abs(filepath.Dir(path))
		b, err2 := filepath.Abs(dir)
		own = err1 == nil && err2 == nil && a == b
	}
	for k, v := range raw["answers"].(map[string]any) {
		if q, ok := d.Question(k); ok && q.PerProject && !own {
			continue
		}
		switch v.(type) {
		case map[string]any, []any:
			return msg.Err("new.err.answers-scalar", msg.Args{"File": path, "Key": k})
		case nil:
			into[k] = ""
		default:
			into[k] = fmt.Sprint(v)
		}
	}
	return nil
}

// ask walks d's questions in order (Definition.Walk) and asks, on a
// terminal, each active one the user has not answered; advanced questions
// keep their default.
func ask(p prompt.Prompter, l *msg.Localizer, d *stack.Definition, folder string, given stack.Answers) (stack.Answers, error) {
	out := stack.Answers{}
	for k, v := range given {
		out[k] = v
	}
	_, err := d.Walk(folder, given, func(q stack.Question, def string, cur stack.Answers) (string, error) {
		if q.Advanced {
			return def, nil
		}
		var v string
		var err error
		text, help := cmdutil.QuestionText(l, d.Name, q)
		switch q.Kind {
		case stack.Bool:
			var b bool
			b, err = p.Confirm(text, help, def == "true")
			v = fmt.Sprint(b)
		case stack.Choice:
			v, err = p.Select(text, help, q.ChoicesFor(cur), def)
		default:
			snapshot := cur
			v, err = p.Input(text, help, def, func(s string) error {
				_, err := q.Normalize(s, snapshot)
				return err
			})
		}
		if err == nil {
			out[q.Key] = v
		}
		return v, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// unansweredKeys names the questions a user must still answer (advanced
// ones have silent defaults).
func unansweredKeys(d *stack.Definition, folder string, given stack.Answers) []string {
	var keys []string
	for _, q := range d.UnansweredIn(folder, given) {
		if !q.Advanced {
			keys = append(keys, q.Key)
		}
	}
	return keys
}
