// Package modelscan reads what a saved Keras model expects as input from
// the file alone, without TensorFlow or Keras: a .keras file is a zip
// whose config.json describes the model; HDF5 (.h5) and SavedModel folders
// are recognised but their input is not read (see Shape).
package modelscan

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// Format is how a model is saved.
type Format string

const (
	Keras      Format = "keras"      // Keras 3 .keras zip (config.json, model.weights.h5)
	HDF5       Format = "h5"         // legacy .h5
	SavedModel Format = "savedmodel" // a TensorFlow SavedModel folder
)

// Model is what was read from a model file.
type Model struct {
	Format Format
	// Shape is the input shape with the batch dimension first, "None" for
	// a free dimension; nil when the format does not say or it was not read.
	Shape []string
	// Why says why Shape is nil (no ID when it is known): a catalogue
	// message, said in the reader's language.
	Why msg.Sub
}

// maxConfig bounds config.json: a model's description is kilobytes, and a
// crafted zip must not make stackgen inflate gigabytes.
const maxConfig = 16 << 20

var hdf5Magic = []byte("\x89HDF\r\n\x1a\n")

// Inspect reads the model at path.
func Inspect(path string) (*Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, msg.Err("modelscan.err.model", msg.Args{"File": path, "Err": err})
	}
	if st.IsDir() {
		if _, err := os.Stat(filepath.Join(path, "saved_model.pb")); err != nil {
			return nil, msg.Err("modelscan.err.no-saved-model", msg.Args{"File": path})
		}
		return &Model{Format: SavedModel, Why: msg.Sub{ID: "modelscan.why.saved-model"}}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, msg.Err("modelscan.err.model", msg.Args{"File": path, "Err": err})
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.Equal(head, hdf5Magic):
		return &Model{Format: HDF5, Why: msg.Sub{ID: "modelscan.why.hdf5"}}, nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return inspectKeras(f, st.Size(), path)
	}
	return nil, msg.Err("modelscan.err.format", msg.Args{"File": path})
}

func inspectKeras(r io.ReaderAt, size int64, path string) (*Model, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, msg.Err("modelscan.err.zip", msg.Args{"File": path, "Err": err})
	}
	for _, f := range z.File {
		if f.Name != "config.json" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, msg.Err("modelscan.err.config", msg.Args{"File": path, "Err": err})
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxConfig+1))
		if err != nil {
			return nil, msg.Err("modelscan.err.config", msg.Args{"File": path, "Err": err})
		}
		if len(b) > maxConfig {
			return nil, msg.Err("modelscan.err.config-large", msg.Args{"File": path, "MiB": maxConfig >> 20})
		}
		m := &Model{Format: Keras}
		shape, why, err := ShapeFromConfig(b)
		if err != nil {
			return nil, msg.Err("modelscan.err.config", msg.Args{"File": path, "Err": err})
		}
		m.Shape, m.Why = shape, why
		return m, nil
	}
	return nil, msg.Err("modelscan.err.no-config", msg.Args{"File": path})
}

type layer struct {
	ClassName string `json:"class_name"`
	Config    struct {
		BatchShape      json.RawMessage `json:"batch_shape"`       // Keras 3
		BatchInputShape json.RawMessage `json:"batch_input_shape"` // Keras 2
	} `json:"config"`
}

type modelConfig struct {
	ClassName   string `json:"class_name"`
	BuildConfig struct {
		InputShape json.RawMessage `json:"input_shape"`
	} `json:"build_config"`
	Config struct {
		Layers          []layer         `json:"layers"`
		BuildInputShape json.RawMessage `json:"build_input_shape"`
	} `json:"config"`
}

// ShapeFromConfig reads the input shape from a model's config.json (Keras
// 3, or tf.keras 2.13+): the build input shape, else the one InputLayer's
// batch shape, else the first layer's batch_input_shape. why says why no
// shape was found (several inputs, an unbuilt subclassed model).
func ShapeFromConfig(b []byte) (shape []string, why msg.Sub, err error) {
	var c modelConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, msg.Sub{}, msg.Err("modelscan.err.not-json", msg.Args{"Err": err})
	}
	var inputs [][]string
	for _, l := range c.Config.Layers {
		if l.ClassName != "InputLayer" {
			continue
		}
		if s, ok := dims(l.Config.BatchShape); ok {
			inputs = append(inputs, s)
		} else if s, ok := dims(l.Config.BatchInputShape); ok {
			inputs = append(inputs, s)
		}
	}
	if len(inputs) > 1 {
		return nil, msg.Sub{ID: "modelscan.why.inputs", Args: msg.Args{"Count": len(inputs)}}, nil
	}
	for _, raw := range []json.RawMessage{c.BuildConfig.InputShape, c.Config.BuildInputShape} {
		if s, ok := dims(raw); ok {
			return s, msg.Sub{}, nil
		}
	}
	if len(inputs) == 1 {
		return inputs[0], msg.Sub{}, nil
	}
	if len(c.Config.Layers) > 0 {
		if s, ok := dims(c.Config.Layers[0].Config.BatchInputShape); ok {
			return s, msg.Sub{}, nil
		}
	}
	return nil, msg.Sub{ID: "modelscan.why.no-shape"}, nil
}

// dims reads a shape such as [null, 28, 28, 1]; ok is false for anything
// else (a dict of shapes, nested lists of several inputs).
func dims(raw json.RawMessage) ([]string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false
	}
	// tf.keras writes tuples as {"class_name": "__tuple__" or
	// "TensorShape", "items": [...]}.
	var wrapped struct {
		Items json.RawMessage `json:"items"`
	}
	if raw[0] == '{' {
		if json.Unmarshal(raw, &wrapped) != nil || len(wrapped.Items) == 0 {
			return nil, false
		}
		raw = wrapped.Items
	}
	var vals []*json.Number
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&vals); err != nil || len(vals) == 0 {
		return nil, false
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		if v == nil {
			out[i] = "None"
			continue
		}
		n, err := strconv.Atoi(v.String())
		if err != nil || n < 0 {
			return nil, false
		}
		out[i] = strconv.Itoa(n)
	}
	return out, true
}

// Tuple writes a shape as Python prints it: (None, 4).
func Tuple(shape []string) string {
	if len(shape) == 1 {
		return "(" + shape[0] + ",)"
	}
	return "(" + strings.Join(shape, ", ") + ")"
}
