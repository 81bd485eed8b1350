package serving_test

import (
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/neuron-go/neuron/onnx"
	"github.com/neuron-go/neuron/saving/kerasfile"
	"github.com/neuron-go/neuron/serving"
)

// TestOtherFormats serves the TF Serving guide's model from Keras's
// .keras and .h5 files and from ONNX, written by the packages that read
// them, and checks the documented answer.
func TestOtherFormats(t *testing.T) {
	dir := t.TempDir()
	m := halfPlusThree(t, 3)
	for _, name := range []string{"k.keras", "h.h5"} {
		if err := kerasfile.Save(m, filepath.Join(dir, name)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := onnx.Export(m, filepath.Join(dir, "o.onnx")); err != nil {
		t.Fatal(err)
	}
	s, err := serving.New(serving.Config{
		Models: []serving.ModelConfig{{Path: filepath.Join(dir, "k.keras")}, {Path: filepath.Join(dir, "h.h5")}, {Path: filepath.Join(dir, "o.onnx")}},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	for _, name := range []string{"k", "h", "o"} {
		code, body := do(t, "POST", ts.URL+"/v1/models/"+name+":predict", fixture(t, "tfserving_half_plus_three.json"))
		if code != 200 || body != `{"predictions":[[3.5],[4],[5.5]]}`+"\n" {
			t.Errorf("%s: %d %s", name, code, body)
		}
	}
}
