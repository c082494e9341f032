package modelscan

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stackgen/stackgen/internal/msg"
)

// The configs follow what Keras 3's model.save("x.keras") writes into
// config.json (Sequential with an Input, a Functional model, a Sequential
// built by a call) and tf.keras 2's tuple form.
const (
	sequential = `{"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": true,
  "layers": [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "dtype": "float32", "sparse": false, "name": "input_layer"}, "registered_name": null},
             {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 3, "activation": "softmax"}, "build_config": {"input_shape": [null, 4]}}],
  "build_input_shape": [null, 4]}, "registered_name": null, "build_config": {"input_shape": [null, 4]}, "compile_config": null}`
	functional = `{"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "cnn", "trainable": true,
  "layers": [{"class_name": "InputLayer", "config": {"batch_shape": [null, 28, 28, 1], "dtype": "float32", "name": "pixels"}, "inbound_nodes": []},
             {"class_name": "Conv2D", "config": {"filters": 16, "kernel_size": [5, 5]}}],
  "input_layers": [["pixels", 0, 0]], "output_layers": [["dense", 0, 0]]}}`
	twoInputs = `{"class_name": "Functional", "config": {"layers": [
  {"class_name": "InputLayer", "config": {"batch_shape": [null, 8]}}, {"class_name": "InputLayer", "config": {"batch_shape": [null, 2]}}]}}`
	tfKeras2 = `{"class_name": "Sequential", "config": {"name": "sequential", "layers": [
  {"class_name": "InputLayer", "config": {"batch_input_shape": {"class_name": "__tuple__", "items": [null, 1]}, "dtype": "float32", "sparse": false, "ragged": false, "name": "dense_input"}},
  {"class_name": "Dense", "config": {"units": 32}}]}}`
	unbuilt = `{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": 8}}]}}`
)

func TestShapeFromConfig(t *testing.T) {
	tests := []struct {
		name, config string
		want         []string
		why          string
	}{
		{"keras 3 sequential", sequential, []string{"None", "4"}, ""},
		{"functional image model", functional, []string{"None", "28", "28", "1"}, ""},
		{"tf.keras 2 tuples", tfKeras2, []string{"None", "1"}, ""},
		{"two inputs", twoInputs, nil, "2 inputs"},
		{"never built", unbuilt, nil, "no input shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, whySub, err := ShapeFromConfig([]byte(tt.config))
			why := msg.English().T(whySub.ID, whySub.Args)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || !strings.Contains(why, tt.why) || (tt.why == "") != (why == "") {
				t.Errorf("shape %v why %q, want %v with %q", got, why, tt.want, tt.why)
			}
		})
	}
}

func writeKeras(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	p := filepath.Join(dir, "model.keras")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	for name, content := range files {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestInspect(t *testing.T) {
	dir := t.TempDir()
	k := writeKeras(t, dir, map[string]string{"metadata.json": `{"keras_version": "3.8.0"}`, "config.json": sequential, "model.weights.h5": "\x89HDF\r\n\x1a\n"})
	m, err := Inspect(k)
	if err != nil || m.Format != Keras || !cmp.Equal(m.Shape, []string{"None", "4"}) {
		t.Fatalf("Inspect(.keras) = %+v, %v", m, err)
	}
	if got := Tuple(m.Shape); got != "(None, 4)" {
		t.Errorf("Tuple = %q", got)
	}

	h5 := filepath.Join(dir, "model.h5")
	if err := os.WriteFile(h5, []byte("\x89HDF\r\n\x1a\n\x00\x00rest of the superblock"), 0o644); err != nil {
		t.Fatal(err)
	}
	if m, err := Inspect(h5); err != nil || m.Format != HDF5 || m.Shape != nil || m.Why.ID == "" {
		t.Errorf("Inspect(.h5) = %+v, %v: want HDF5, no shape, a reason", m, err)
	}

	sm := filepath.Join(dir, "saved")
	if err := os.MkdirAll(filepath.Join(sm, "variables"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sm, "saved_model.pb"), []byte("\x08\x01"), 0o644); err != nil {
		t.Fatal(err)
	}
	if m, err := Inspect(sm); err != nil || m.Format != SavedModel {
		t.Errorf("Inspect(SavedModel) = %+v, %v", m, err)
	}

	bad := map[string]func() string{
		"no config.json": func() string {
			d := t.TempDir()
			return writeKeras(t, d, map[string]string{"x.txt": "x"})
		},
		"not a model": func() string {
			p := filepath.Join(t.TempDir(), "m.keras")
			_ = os.WriteFile(p, []byte("hello"), 0o644)
			return p
		},
		"folder without saved_model.pb": func() string { return t.TempDir() },
		"missing":                       func() string { return filepath.Join(dir, "nope.keras") },
	}
	for name, mk := range bad {
		if _, err := Inspect(mk()); err == nil || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "--model ") {
			t.Errorf("%s: %v, want a one-line --model error", name, err)
		}
	}
}
