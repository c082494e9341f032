package newcmd_test

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeKerasModel writes a .keras zip with the config.json Keras 3 saves
// for a Sequential model on input (None, 4).
func writeKerasModel(t *testing.T, p string) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	for name, content := range map[string]string{
		"metadata.json": `{"keras_version": "3.8.0", "date_saved": "2025-01-01@00:00:00"}`,
		"config.json": `{"module": "keras", "class_name": "Sequential", "config": {"name": "iris", "layers": [` +
			`{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "dtype": "float32", "name": "input_layer"}}]},` +
			` "build_config": {"input_shape": [null, 4]}}`,
	} {
		w, _ := z.Create(name)
		_, _ = w.Write([]byte(content))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestNewModelCopiesAndDocumentsInput(t *testing.T) {
	src := filepath.Join(t.TempDir(), "iris.keras")
	writeKerasModel(t, src)
	dir := filepath.Join(t.TempDir(), "iris")
	r := run(t, false, nil, "keras", dir, "--model", src, "--yes")
	if r.err != nil {
		t.Fatalf("new: %v\n%s", r.err, r.errOut)
	}
	want, _ := os.ReadFile(src)
	got, err := os.ReadFile(filepath.Join(dir, "models", "iris.keras"))
	if err != nil || string(got) != string(want) {
		t.Fatalf("model not copied into models/: %v", err)
	}
	readme, _ := os.ReadFile(filepath.Join(dir, "README.md"))
	if !strings.Contains(string(readme), "input of shape `(None, 4)`") || !strings.Contains(string(readme), "shape `[4]`") {
		t.Errorf("README does not document /predict's input")
	}
	if strings.Contains(r.out, "Before the first start") {
		t.Errorf("the copied model is still named as missing:\n%s", r.out)
	}

	// A model the user replaced in models/ is theirs: kept, and said so.
	mine := filepath.Join(dir, "models", "iris.keras")
	if err := os.WriteFile(mine, []byte("the user's retrained model"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, false, nil, "keras", dir, "--model", src, "--yes", "--force")
	if r.err != nil {
		t.Fatalf("re-render: %v\n%s", r.err, r.errOut)
	}
	if b, _ := os.ReadFile(mine); string(b) != "the user's retrained model" || !strings.Contains(r.out, "Kept ") {
		t.Errorf("the user's model was replaced, or not reported kept:\n%s", r.out)
	}
}

func TestNewModelErrors(t *testing.T) {
	saved := t.TempDir()
	if err := os.WriteFile(filepath.Join(saved, "saved_model.pb"), []byte("\x08\x01"), 0o644); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(t.TempDir(), "m.keras")
	writeKerasModel(t, model)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"SavedModel", []string{"keras", filepath.Join(t.TempDir(), "p"), "--model", saved, "--yes"}, "SavedModel"},
		{"missing file", []string{"keras", filepath.Join(t.TempDir(), "p"), "--model", filepath.Join(saved, "nope.keras"), "--yes"}, "--model"},
		{"other stack", []string{"django", filepath.Join(t.TempDir(), "p"), "--model", model, "--yes"}, "applies to keras-webpy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, false, nil, tt.args...)
			if r.err == nil || !strings.Contains(r.err.Error(), tt.want) || strings.Contains(r.err.Error(), "\n") {
				t.Fatalf("new: %v, want one line containing %q", r.err, tt.want)
			}
			if _, err := os.Stat(tt.args[1]); err == nil {
				t.Errorf("%s was written", tt.args[1])
			}
		})
	}
}
