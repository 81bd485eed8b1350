package dashboard

import (
	"math/rand/v2"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// toyData is n 8×8 pictures of three classes (a bright row, column or
// diagonal) with noise, and their labels.
func toyData(n int, seed uint64) (x, y *tensor.Tensor) {
	rng := rand.New(rand.NewPCG(seed, 7))
	x, y = tensor.Zeros(n, 8, 8), tensor.Zeros(n)
	for i := range n {
		c := i % 3
		px := x.Data()[i*64 : (i+1)*64]
		for j := range px {
			px[j] = float32(rng.Float64() * 0.3)
		}
		k := rng.IntN(8)
		for j := range 8 {
			switch c {
			case 0:
				px[k*8+j] += 1
			case 1:
				px[j*8+k] += 1
			case 2:
				px[j*8+j] += 1
			}
		}
		y.Data()[i] = float32(c)
	}
	return x, y
}

// toyModel is a small compiled classifier of toyData.
func toyModel(t testing.TB) *models.Sequential {
	m := models.NewSequential(
		&layers.Flatten{InputShape: []int{8, 8}},
		&layers.Dense{Units: 16, Activation: activations.ReLU},
		&layers.Dense{Units: 3, Activation: activations.Softmax},
	)
	m.SetSeed(3)
	if err := m.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	}); err != nil {
		t.Fatal(err)
	}
	return m
}
