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
		return nil, cmdutil.FlagErrorf("--model: the %s stack serves no model file; it applies to keras-webpy", d.Name)
	}
	m, err := modelscan.Inspect(opts.Model)
	if err != nil {
		return nil, err
	}
	if m.Format == modelscan.SavedModel {
		return nil, cmdutil.FlagErrorf("--model %s: a TensorFlow SavedModel folder, which Keras 3's load_model (this stack's loader) cannot read; save the model as .keras (model.save(\"model.keras\")) and pass that file", opts.Model)
	}
	return &userModel{path: opts.Model, name: filepath.Base(opts.Model), model: m}, nil
}

func (u *userModel) apply(given stack.Answers) {
	given[modelFileAnswer] = u.name
	given[stacks.KerasInputShapeAnswer] = strings.Join(u.model.Shape, ",")
}

func (u *userModel) report(w io.Writer) {
	if u.model.Shape != nil {
		fmt.Fprintf(w, "Your model: %s (%s), input shape %s (the README documents /predict for it)\n", u.path, u.model.Format, modelscan.Tuple(u.model.Shape))
		return
	}
	fmt.Fprintf(w, "Your model: %s (%s); input shape not read: %s\n", u.path, u.model.Format, u.model.Why)
}

// install copies the model into dir/models/ with the one atomic write
// (a temporary file renamed into place), so an interrupted copy never
// leaves half a model. A different file already there is the user's and
// is kept.
func (u *userModel) install(w io.Writer, dir string) error {
	dest := filepath.Join(dir, "models", u.name)
	srcSum, err := fileSum(u.path)
	if err != nil {
		return fmt.Errorf("--model %s: %w", u.path, err)
	}
	if sum, err := fileSum(dest); err == nil {
		if !bytes.Equal(sum, srcSum) {
			fmt.Fprintf(w, "Kept %s: it differs from %s; copy the new model over it yourself to deploy it.\n", dest, u.path)
		}
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--model: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return fmt.Errorf("--model: %w", err)
	}
	src, err := os.Open(u.path)
	if err != nil {
		return fmt.Errorf("--model %s: %w", u.path, err)
	}
	defer src.Close()
	out, err := atomicfile.Create(dest, 0o644)
	if err != nil {
		return fmt.Errorf("--model: %w", err)
	}
	if _, err := io.Copy(out, src); err != nil {
		out.Abort()
		return fmt.Errorf("--model: copying %s: %w", u.path, err)
	}
	// CommitNew: a model that appeared there meanwhile is the user's.
	if err := out.CommitNew(); err != nil {
		return fmt.Errorf("--model: %s: %w", dest, err)
	}
	fmt.Fprintf(w, "Copied your model to %s.\n", dest)
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
