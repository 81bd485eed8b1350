package main

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/serving"
)

// TestClient serves an untrained course MNIST network and asks it about
// X_test[0] and X_test[1] (a 7 and a 2) in both protocols, and checks the
// request bodies -print writes.
func TestClient(t *testing.T) {
	m := course.MNISTDNN()
	if err := m.Build(28, 28); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mnist.safetensors")
	if err := saving.Save(m, path); err != nil {
		t.Fatal(err)
	}
	s, err := serving.New(serving.Config{Models: []serving.ModelConfig{{Path: path}}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	addr := strings.TrimPrefix(ts.URL, "http://")
	var answers [2]string
	for i, protocol := range []string{"v1", "v2"} {
		var b strings.Builder
		if err := run(&b, addr, "mnist", protocol, false, false, false, []string{"0", "1"}); err != nil {
			t.Fatalf("%s: %v", protocol, err)
		}
		lines := strings.Split(strings.TrimSpace(b.String()), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "X_test[0]: predicted ") || !strings.HasSuffix(lines[0], "label 7") || !strings.HasSuffix(lines[1], "label 2") {
			t.Errorf("%s: %q", protocol, b.String())
		}
		answers[i] = b.String()
	}
	if answers[0] != answers[1] {
		t.Errorf("the protocols disagree:\n%s\n%s", answers[0], answers[1])
	}
	var b strings.Builder
	if err := run(&b, addr, "mnist", "v1", true, true, true, []string{"0"}); err != nil {
		t.Fatal(err)
	}
	var req struct{ Instances [][][][]float64 }
	if err := json.Unmarshal([]byte(b.String()), &req); err != nil {
		t.Fatal(err)
	}
	// X_test[0]'s pixel (7, 6) is 84 (the first non-zero of row 7).
	if len(req.Instances) != 1 || len(req.Instances[0]) != 28 || len(req.Instances[0][7][6]) != 1 || req.Instances[0][7][6][0] != 84.0/255 {
		t.Errorf("-print -scale -cnn: %.200s", b.String())
	}
	if err := run(&b, addr, "mnist", "v3", false, false, false, []string{"0"}); err == nil || !strings.Contains(err.Error(), `-protocol must be v1 or v2, got "v3"`) {
		t.Errorf("-protocol v3: %v", err)
	}
}
