package serving_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/serving"
)

// The test models have weights set by hand, so that their answers are
// known without running them: the expected values in the tests are
// arithmetic on the request's numbers.

// setWeights sets every weight whose name ends in suffix to f(index).
func setWeights(t testing.TB, ws []*layers.Weight, suffix string, f func(i int) float32) {
	t.Helper()
	n := 0
	for _, w := range ws {
		if strings.HasSuffix(w.Name, suffix) {
			for i := range w.Value.Data() {
				w.Value.Data()[i] = f(i)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no weight named *%s", suffix)
	}
}

// halfPlusThree is TF Serving's example model: y = x/2 + 3, here on
// examples of shape (1).
func halfPlusThree(t testing.TB, bias float32) *models.Sequential {
	m := models.NewSequential(&layers.Input{Shape: []int{1}}, &layers.Dense{Units: 1})
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	setWeights(t, m.NamedWeights(), "kernel", func(int) float32 { return 0.5 })
	setWeights(t, m.NamedWeights(), "bias", func(int) float32 { return bias })
	return m
}

// sensors is a model with the inputs of TF Serving's guide, "signal" (5)
// and "sensor" (2, 2), and two outputs: "signal_sum", the sum of the
// signal, and "total", the sum of all nine values.
func sensors(t testing.TB) *models.Model {
	signal, sensor := models.Input([]int{5}, "signal"), models.Input([]int{2, 2}, "sensor")
	sum := models.ApplyNamed("signal_sum", &layers.Dense{Units: 1}, signal)
	all := models.Apply(&layers.Concatenate{}, signal, models.Apply(&layers.Flatten{}, sensor))
	total := models.ApplyNamed("total", &layers.Dense{Units: 1}, all)
	m, err := models.NewModel([]*models.Node{signal, sensor}, []*models.Node{sum, total})
	if err != nil {
		t.Fatal(err)
	}
	setWeights(t, m.NamedWeights(), "kernel", func(int) float32 { return 1 })
	return m
}

// identity2 is a model of one input "input0" of shape (2) whose output
// "output0" is the input (an identity kernel).
func identity2(t testing.TB) *models.Model {
	x := models.Input([]int{2}, "input0")
	y := models.ApplyNamed("output0", &layers.Dense{Units: 2}, x)
	m, err := models.NewModel([]*models.Node{x}, []*models.Node{y})
	if err != nil {
		t.Fatal(err)
	}
	setWeights(t, m.NamedWeights(), "kernel", func(i int) float32 {
		if i%3 == 0 { // (0, 0) and (1, 1) of the 2×2 kernel
			return 1
		}
		return 0
	})
	return m
}

// iris takes four features ("input-0") and gives their sum ("output-0").
func iris(t testing.TB) *models.Model {
	x := models.Input([]int{4}, "input-0")
	y := models.ApplyNamed("output-0", &layers.Dense{Units: 1}, x)
	m, err := models.NewModel([]*models.Node{x}, []*models.Node{y})
	if err != nil {
		t.Fatal(err)
	}
	setWeights(t, m.NamedWeights(), "kernel", func(int) float32 { return 1 })
	return m
}

// save saves m to path, making the directories.
func save(t testing.TB, m saving.Model, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := saving.Save(m, path); err != nil {
		t.Fatal(err)
	}
}

// logBuffer collects a server's logs for the tests to read.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testServer serves the four test models (with cfg's other settings) on
// an httptest server, and returns it with the server's log.
func testServer(t *testing.T, cfg serving.Config) (*serving.Server, *httptest.Server, *logBuffer) {
	t.Helper()
	dir := t.TempDir()
	save(t, halfPlusThree(t, 3), filepath.Join(dir, "half_plus_three", "1", "model.safetensors"))
	save(t, sensors(t), filepath.Join(dir, "sensors.safetensors"))
	save(t, identity2(t), filepath.Join(dir, "mymodel.safetensors"))
	save(t, iris(t), filepath.Join(dir, "iris", "1", "model.safetensors"))
	cfg.Models = append(cfg.Models,
		serving.ModelConfig{Path: filepath.Join(dir, "half_plus_three")},
		serving.ModelConfig{Path: filepath.Join(dir, "sensors.safetensors")},
		serving.ModelConfig{Path: filepath.Join(dir, "mymodel.safetensors")},
		serving.ModelConfig{Path: filepath.Join(dir, "iris")},
	)
	logs := &logBuffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	s, err := serving.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		ts.Close()
		_ = s.Shutdown(t.Context())
	})
	return s, ts, logs
}

// fixture reads testdata/name.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// do sends a request with Go's HTTP client and returns the status and
// body.
func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" && !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("%s %s: Content-Type %q, want application/json", method, url, ct)
	}
	return resp.StatusCode, string(b)
}

// decode decodes a JSON response (standard JSON only).
func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("response %q: %v", body, err)
	}
	return v
}

// near reports whether got is a number within 1e-5 of want.
func near(got any, want float64) bool {
	f, ok := got.(float64)
	return ok && math.Abs(f-want) <= 1e-5*math.Max(1, math.Abs(want))
}
