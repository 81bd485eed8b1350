package models_test

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
)

// slabModels are models whose large prediction batches go through in
// slabs of 128 examples shared out over the cores (the course models, one
// with BatchNormalization folded at inference), and one with a layer
// outside those Predict runs in slabs, which takes the whole batch at once.
var slabModels = append(courseModels[:len(courseModels):len(courseModels)], struct {
	name  string
	build func() *models.Sequential
	in    []int
}{"with layer normalization", func() *models.Sequential {
	return models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 32, Activation: activations.ReLU},
		&layers.LayerNormalization{},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
}, []int{28, 28}})

// TestPredictorAndPredictSlabs checks Predict and a Predictor on batches
// of 300 examples (two full slabs and a short one): the outputs are bit
// for bit the same with GOMAXPROCS 1 and 2, the same as Predict's with
// BatchSize 128 (which computes the slabs one call each), the same from a
// Predictor used by several goroutines at once, within float32 rounding
// of one example at a time, and PredictInto allocates nothing.
func TestPredictorAndPredictSlabs(t *testing.T) {
	const n = 300
	for _, tc := range slabModels {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.build()
			m.SetSeed(5)
			if err := m.Build(tc.in...); err != nil {
				t.Fatal(err)
			}
			moveStatistics(m)
			x, _ := images(9, n, len(tc.in) == 3)
			predict := func(bs int) []float32 {
				t.Helper()
				y, err := m.Predict(x, models.PredictConfig{BatchSize: bs, Verbose: models.Silent})
				if err != nil {
					t.Fatal(err)
				}
				return y.Data()
			}
			var byCores [2][]float32
			for i, procs := range []int{1, 2} {
				old := runtime.GOMAXPROCS(procs)
				byCores[i] = predict(n)
				runtime.GOMAXPROCS(old)
			}
			want := byCores[0]
			sameBitsAll(t, "GOMAXPROCS 2 against 1", byCores[1], want)
			if tc.name != "with layer normalization" {
				sameBitsAll(t, "BatchSize 300 against 128", want, predict(128))
			}
			one := predict(1)
			for i := range want {
				if d := math.Abs(float64(want[i] - one[i])); !(d <= 1e-5) {
					t.Fatalf("value %d is %v at BatchSize 300, %v one example at a time", i, want[i], one[i])
				}
			}

			p, err := m.NewPredictor(models.PredictorConfig{BatchSize: -1})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Go(func() {
					got, err := p.Predict(context.Background(), x)
					if err == nil {
						for i, v := range got[0].Data() {
							if math.Float32bits(v) != math.Float32bits(want[i]) {
								err = fmt.Errorf("Predictor value %d is %v, Predict gives %v", i, v, want[i])
								break
							}
						}
					}
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if raceEnabled {
				return // the race detector makes sync.Pool drop items
			}
			in, out := [][]float32{x.Data()}, [][]float32{make([]float32, n*10)}
			call := func() {
				if err := p.PredictInto(context.Background(), n, in, out); err != nil {
					t.Fatal(err)
				}
			}
			call()
			if allocs := testing.AllocsPerRun(5, call); allocs != 0 {
				t.Errorf("PredictInto of %d examples allocates %v times per call, want 0", n, allocs)
			}
			sameBitsAll(t, "PredictInto", out[0], want)
		})
	}
}

// moveStatistics sets the moving statistics and scales of m's
// normalizations away from 0 and 1, so that a folded normalization is not
// the identity.
func moveStatistics(m *models.Sequential) {
	for _, l := range m.Layers() {
		bn, ok := l.(*layers.BatchNormalization)
		if !ok {
			continue
		}
		for _, w := range bn.Weights() {
			d := w.Value.Data()
			for i := range d {
				d[i] = 0.5 + float32(i%7)/7
			}
		}
	}
}

// TestPredictSlabsNonFinite checks that a NaN or an infinity in a batch
// that goes through in slabs (which check their own rows) is reported as
// for any other batch: the first one, by its flat index.
func TestPredictSlabsNonFinite(t *testing.T) {
	m := slabModels[0].build()
	if err := m.Build(28, 28); err != nil {
		t.Fatal(err)
	}
	x, _ := images(2, 300, false)
	d := x.Data()
	d[250*784+3] = float32(math.Inf(1))
	d[200*784+5] = float32(math.NaN())
	want := fmt.Sprintf("models: predict: x holds NaN at flat index %d; inputs must be finite", 200*784+5)
	for _, bs := range []int{32, 300} {
		_, err := m.Predict(x, models.PredictConfig{BatchSize: bs, Verbose: models.Silent})
		if err == nil || err.Error() != want {
			t.Errorf("BatchSize %d: error %v, want %q", bs, err, want)
		}
	}
}
