package layers_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// dropoutOutput runs a built Dropout on ones while training and returns the output.
func dropoutOutput(l *layers.Dropout, n int) []float32 {
	return l.Call(tensor.Full(1, n), true).Data()
}

func TestDropoutInference(t *testing.T) {
	l := &layers.Dropout{Rate: 0.5}
	out, err := l.Build([]int{3, 4}, nil)
	if err != nil || fmt.Sprint(out) != "[3 4]" {
		t.Fatalf("Build: %v, %v; want [3 4]", out, err)
	}
	x := tt.Rand(1, -1, 1, 2, 3, 4)
	if y := l.Call(x, false); y != x {
		t.Errorf("Call outside training changed the input")
	}
	zero := &layers.Dropout{}
	if _, err := zero.Build([]int{5}, nil); err != nil {
		t.Fatal(err)
	}
	if y := zero.Call(x, true); y != x {
		t.Errorf("Rate 0 changed the input while training")
	}
	if l.Weights() != nil {
		t.Errorf("Dropout has weights")
	}
}

func TestDropoutTraining(t *testing.T) {
	const n = 100_000
	for _, rate := range []float32{0.2, 0.5} {
		l := &layers.Dropout{Rate: rate}
		if _, err := l.Build([]int{n}, nil); err != nil {
			t.Fatal(err)
		}
		l.SeedFrom(seededRNG(1))
		dropped, sum := 0, 0.0
		for _, v := range dropoutOutput(l, n) {
			if v == 0 {
				dropped++
			}
			sum += float64(v)
		}
		sd := math.Sqrt(float64(rate*(1-rate)) / n)
		if frac := float64(dropped) / n; math.Abs(frac-float64(rate)) > 5*sd {
			t.Errorf("rate %v: dropped %.4f", rate, frac)
		}
		if mean := sum / n; math.Abs(mean-1) > 5*sd/float64(1-rate) {
			t.Errorf("rate %v: mean %.4f, want 1", rate, mean)
		}
	}
}

// TestDropoutSeeding checks the sources of the masks: the stream a model
// hands over with SeedFrom, the layer's own Seed, and that Build restarts the stream.
func TestDropoutSeeding(t *testing.T) {
	const n = 64
	build := func(l *layers.Dropout) *layers.Dropout {
		if _, err := l.Build([]int{n}, nil); err != nil {
			t.Fatal(err)
		}
		return l
	}
	seeded := func(seed uint64) []float32 {
		l := build(&layers.Dropout{Rate: 0.5})
		l.SeedFrom(seededRNG(seed))
		return dropoutOutput(l, n)
	}
	same := func(a, b []float32) bool { return tt.AllClose(a, b, 0, 0) == nil }

	if !same(seeded(1), seeded(1)) {
		t.Errorf("same stream, different masks")
	}
	if same(seeded(1), seeded(2)) {
		t.Errorf("different streams, same mask")
	}

	l := build(&layers.Dropout{Rate: 0.5})
	l.SeedFrom(seededRNG(1))
	first, second := dropoutOutput(l, n), dropoutOutput(l, n)
	if same(first, second) {
		t.Errorf("consecutive calls drew the same mask")
	}
	build(l)
	l.SeedFrom(seededRNG(1))
	if !same(dropoutOutput(l, n), first) {
		t.Errorf("rebuilding and reseeding did not repeat the masks")
	}

	// Seed fixes the stream whatever the model's stream is, and is
	// used when no model seeds the layer.
	a := build(&layers.Dropout{Rate: 0.5, Seed: 42})
	a.SeedFrom(seededRNG(1))
	b := build(&layers.Dropout{Rate: 0.5, Seed: 42})
	b.SeedFrom(seededRNG(2))
	c := build(&layers.Dropout{Rate: 0.5, Seed: 42})
	ma, mb, mc := dropoutOutput(a, n), dropoutOutput(b, n), dropoutOutput(c, n)
	if !same(ma, mb) || !same(ma, mc) {
		t.Errorf("Seed 42 gave different masks")
	}
	if d := build(&layers.Dropout{Rate: 0.5, Seed: 43}); same(dropoutOutput(d, n), ma) {
		t.Errorf("Seed 42 and 43 gave the same mask")
	}
	// Unseeded and without Seed: still repeatable.
	if !same(dropoutOutput(build(&layers.Dropout{Rate: 0.5}), n), dropoutOutput(build(&layers.Dropout{Rate: 0.5}), n)) {
		t.Errorf("unseeded layers gave different masks")
	}
}

func TestDropoutBuildErrors(t *testing.T) {
	for _, rate := range []float32{-0.1, 1, 2, float32(math.NaN())} {
		_, err := (&layers.Dropout{Rate: rate}).Build([]int{4}, nil)
		if err == nil || !strings.Contains(err.Error(), "layers: Dropout: Rate must be in [0, 1), got") {
			t.Errorf("rate %v: error %v", rate, err)
		}
	}
}
