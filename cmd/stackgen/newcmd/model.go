package newcmd

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/internal/atomicfile"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/modelscan"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

// modelFileAnswer is keras-webpy's model file inside models/.
const modelFileAnswer = "model_file"

// userModel is the trained model --model FILE deploys.
type userModel struct {
	path  string
	name  string // the file name in models/
	model *modelscan.Model
}

// resolveModel reads --model FILE for a stack that serves a model file.
func resolveModel(opts *Options, d *stack.Definition) (*userModel, error) {
	if opts.Model == "" {
		return nil, nil
	}
	if _, ok := d.Question(modelFileAnswer); !ok {
		return nil, &cmdutil.FlagError{Err: msg.Err("new.model.err.stack", msg.Args{"Stack": d.Name})}
	}
	m, err := modelscan.Inspect(opts.Model)
	if err != nil {
		return nil, err
	}
	if m.Format == modelscan.SavedModel {
		return nil, &cmdutil.FlagError{Err: msg.Err("new.model.err.savedmodel", msg.Args{"Path": opts.Model})}
	}
	return &userModel{path: opts.Model, name: filepath.Base(opts.Model), model: m}, nil
}

func (u *userModel) apply(given stack.Answers) {
	given[modelFileAnswer] = u.name
	given[stacks.KerasInputShapeAnswer] = strings.Join(u.model.Shape, ",")
}

func (u *userModel) report(w io.Writer, l *msg.Localizer) {
	if u.model.Shape != nil {
		fmt.Fprintln(w, l.T("new.model.report.shape", msg.Args{"Path": u.path, "Format": fmt.Sprint(u.model.Format), "Shape": modelscan.Tuple(u.model.Shape)}))
		return
	}
	fmt.Fprintln(w, l.T("new.model.report.no-shape", msg.Args{"Path": u.path, "Format": fmt.Sprint(u.model.Format), "Why": u.model.Why}))
}

// install copies the model into dir/models/ with the one atomic write
// (a temporary file renamed into place), so an interrupted copy never
// leaves half a model. A different file already there is the user's and
// is kept.
func (u *userModel) install(w io.Writer, l *msg.Localizer, dir string) error {
	dest := filepath.Join(dir, "models", u.name)
	srcSum, err := fileSum(u.path)
	if err != nil {
		return msg.Err("cmd.err.flag-value", msg.Args{"Flag": "model", "Value": u.path, "Err": err})
	}
	if sum, err := fileSum(dest); err == nil {
		if !bytes.Equal(sum, srcSum) {
			fmt.Fprintln(w, l.T("new.model.kept", msg.Args{"Dest": dest, "Path": u.path}))
		}
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return msg.Err("cmd.err.flag", msg.Args{"Flag": "model", "Err": err})
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return msg.Err("cmd.err.flag", msg.Args{"Flag": "model", "Err": err})
	}
	src, err := os.Open(u.path)
	if err != nil {
		return msg.Err("cmd.err.flag-value", msg.Args{"Flag": "model", "Value": u.path, "Err": err})
	}
	defer src.Close()
	out, err := atomicfile.Create(dest, 0o644)
	if err != nil {
		return msg.Err("cmd.err.flag", msg.Args{"Flag": "model", "Err": err})
	}
	if _, err := io.Copy(out, src); err != nil {
		out.Abort()
		return msg.Err("new.model.err.copy", msg.Args{"File": u.path, "Err": err})
	}
	// CommitNew: a model that appeared there meanwhile is the user's.
	if err := out.CommitNew(); err != nil {
		return msg.Err("cmd.err.flag-value", msg.Args{"Flag": "model", "Value": dest, "Err": err})
	}
	fmt.Fprintln(w, l.T("new.model.copied", msg.Args{"Dest": dest}))
	return nil
}

func fileSum(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
