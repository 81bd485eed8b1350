package serving_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/serving"
)

// A saved model served inside a program's own HTTP server, next to the
// program's other routes, and queried in TF Serving's format.
func ExampleServer() {
	dir, _ := os.MkdirTemp("", "serving")
	defer os.RemoveAll(dir)
	m := models.NewSequential(&layers.Input{Shape: []int{2}}, &layers.Dense{Units: 1})
	if err := m.Build(2); err != nil {
		panic(err)
	}
	for _, w := range m.NamedWeights() { // y = x0 + x1 + 1
		for i := range w.Value.Data() {
			w.Value.Data()[i] = 1
		}
	}
	path := filepath.Join(dir, "adder.safetensors")
	if err := saving.Save(m, path); err != nil {
		panic(err)
	}

	s, err := serving.New(serving.Config{
		Models: []serving.ModelConfig{{Path: path}}, // named "adder"
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", s)
	mux.Handle("/v2/", s)
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello") })
	ts := httptest.NewServer(mux)
	defer ts.Close()

	resp, err := http.Post(ts.URL+"/v1/models/adder:predict", "application/json",
		strings.NewReader(`{"instances": [[1, 2], [3, 4]]}`))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.StatusCode, " ", string(b))
	// Output:
	// 200 {"predictions":[[4],[8]]}
}
