package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
)

// TestPlotModel draws a saved model's diagram, as keras.utils.plot_model.
func TestPlotModel(t *testing.T) {
	dir := t.TempDir()
	m := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 128, Activation: activations.ReLU},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	if err := saving.Save(m, filepath.Join(dir, "m.safetensors")); err != nil {
		t.Fatal(err)
	}
	r := neuron(t, dir, nil, "plot", "m.safetensors", "-o", "m.dot", "-show-shapes", "-show-layer-names", "-rankdir", "LR")
	wantOK(t, r, "plot m.safetensors")
	b, err := os.ReadFile(filepath.Join(dir, "m.dot"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"rankdir=LR;", "<b>dense_1</b> (Dense)", "Output shape: <b>(None, 10)</b>", "n1 -> n2 [penwidth=2];"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("m.dot lacks %q:\n%s", want, b)
		}
	}
	r = neuron(t, dir, nil, "plot", "m.safetensors")
	wantOK(t, r, "plot m.safetensors")
	if _, err := os.Stat(filepath.Join(dir, "model.png")); err != nil {
		t.Errorf("no model.png by default: %v", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plot", "m.safetensors", "-rankdir", "XX"}, `Rankdir: want "TB", "BT", "LR" or "RL", got "XX"`},
		{[]string{"plot", "m.safetensors", "-o", "m.jpg"}, `-o must name a .png, .svg, .pdf or .dot file, got "m.jpg"`},
		{[]string{"plot", "missing.keras"}, "missing.keras"},
	} {
		r := neuron(t, dir, nil, c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("neuron %s: status %d, stderr %q, want %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
	}
}
