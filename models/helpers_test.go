package models_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// Helpers shared with the saving package's tests, which hold their twins.

// interrupt fails Fit after a number of steps, as a crash would.
type interrupt struct {
	callbacks.Base
	after, steps int
}

var errInterrupted = errors.New("interrupted")

func (c *interrupt) OnBatchEnd(int, callbacks.Logs) error {
	c.steps++
	if c.steps == c.after {
		return errInterrupted
	}
	return nil
}

// twoTower is a two-input, two-output model with a layer shared by both
// branches and a Dropout, compiled with Adam, per-output losses, a loss
// weight and metrics.
func twoTower(t testing.TB) *models.Model {
	t.Helper()
	a, b := models.Input([]int{6}, "a"), models.Input([]int{5}, "b")
	shared := &layers.Dense{Units: 4, Activation: activations.ReLU}
	ha := models.Apply(shared, models.Apply(&layers.Dense{Units: 4, Activation: activations.ReLU}, a))
	hb := models.Apply(shared, models.Apply(&layers.Dense{Units: 4}, b))
	out1 := models.Apply(&layers.Dense{Units: 3, Activation: activations.Softmax}, models.Apply(&layers.Dropout{Rate: 0.3}, ha))
	out2 := models.Apply(&layers.Dense{Units: 1}, hb)
	m, err := models.NewModel([]*models.Node{a, b}, []*models.Node{out1, out2})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSeed(7)
	if err := m.Compile(models.CompileConfig{
		Optimizer:     optimizers.NewAdam(),
		OutputLosses:  map[string]losses.Loss{"dense_3": losses.SparseCategoricalCrossentropy{}, "dense_4": losses.MeanSquaredError{}},
		LossWeights:   map[string]float64{"dense_4": 0.25},
		OutputMetrics: map[string][]metrics.Metric{"dense_3": {metrics.NewAccuracy()}, "dense_4": {metrics.NewMeanAbsoluteError()}},
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

func twoTowerData(seed uint64, n int) (x, y []models.Array) {
	r := rand.New(rand.NewPCG(seed, 1))
	a, b, y1, y2 := tensor.Zeros(n, 6), tensor.Zeros(n, 5), tensor.Zeros(n), tensor.Zeros(n, 1)
	for _, tt := range []*tensor.Tensor{a, b, y2} {
		for i := range tt.Data() {
			tt.Data()[i] = float32(r.NormFloat64())
		}
	}
	for i := range y1.Data() {
		y1.Data()[i] = float32(r.IntN(3))
	}
	return []models.Array{a, b}, []models.Array{y1, y2}
}

// images returns n random 28×28 "images" with pixel values in [0, 1) and
// labels 0..9, shaped for the dense models or, with channel, the CNN.
func images(seed uint64, n int, channel bool) (x, y *tensor.Tensor) {
	rng := rand.New(rand.NewPCG(seed, 7))
	shape := []int{n, 28, 28}
	if channel {
		shape = append(shape, 1)
	}
	x, y = tensor.Zeros(shape...), tensor.Zeros(n)
	for i := range x.Data() {
		x.Data()[i] = rng.Float32()
	}
	for i := range y.Data() {
		y.Data()[i] = float32(rng.IntN(10))
	}
	return x, y
}

// weightsSHA256 hashes a model's weights bit for bit.
func weightsSHA256(m *models.Sequential) string {
	h := sha256.New()
	var b [4]byte
	for _, w := range m.Weights() {
		for _, v := range w.Data() {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sameBits(a, b []float32) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

func compileAdam(t *testing.T, m *models.Sequential, opt optimizers.Optimizer) {
	t.Helper()
	err := m.Compile(models.CompileConfig{
		Optimizer: opt,
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func lossSCC() losses.Loss { return losses.SparseCategoricalCrossentropy{} }
