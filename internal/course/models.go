// Package course holds what the course's programs share: the three
// models, built for the neuron command, the benchmarks and the end-to-end
// tests (the example programs spell the same models out in full, as the
// course does), and the example programs' flags and reports.
package course

import (
	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
)

// MNISTDNN is the first program's model: Flatten(28, 28) → Dense(256, relu)
// → Dense(10, softmax); 203,530 parameters.
func MNISTDNN() *models.Sequential {
	return models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 256, Activation: activations.ReLU},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
}

// FashionDNN is the second program's model: Flatten(28, 28) →
// Dense(128, relu) → Dropout(0.2) → Dense(10, softmax); 101,770 parameters.
func FashionDNN() *models.Sequential {
	return models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 128, Activation: activations.ReLU},
		&layers.Dropout{Rate: 0.2},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
}

// FashionCNN is the third program's model: three Conv2D(3×3, relu) +
// MaxPooling2D(2×2) stages with 32, 64 and 64 filters on (28, 28, 1)
// images, then Flatten → Dense(64, relu) → Dense(10, softmax); 60,554
// parameters.
func FashionCNN() *models.Sequential {
	relu := activations.ReLU
	k3, p2 := [2]int{3, 3}, [2]int{2, 2}
	return models.NewSequential(
		&layers.Conv2D{Filters: 32, KernelSize: k3, Activation: relu, InputShape: []int{28, 28, 1}},
		&layers.MaxPooling2D{PoolSize: p2},
		&layers.Conv2D{Filters: 64, KernelSize: k3, Activation: relu},
		&layers.MaxPooling2D{PoolSize: p2},
		&layers.Conv2D{Filters: 64, KernelSize: k3, Activation: relu},
		&layers.MaxPooling2D{PoolSize: p2},
		&layers.Flatten{},
		&layers.Dense{Units: 64, Activation: relu},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
}

// FashionCNNBN is FashionCNN with a BatchNormalization after each
// convolution, the first model past the course in most Keras tutorials.
func FashionCNNBN() *models.Sequential {
	relu := activations.ReLU
	k3, p2 := [2]int{3, 3}, [2]int{2, 2}
	return models.NewSequential(
		&layers.Conv2D{Filters: 32, KernelSize: k3, Activation: relu, InputShape: []int{28, 28, 1}},
		&layers.BatchNormalization{},
		&layers.MaxPooling2D{PoolSize: p2},
		&layers.Conv2D{Filters: 64, KernelSize: k3, Activation: relu},
		&layers.BatchNormalization{},
		&layers.MaxPooling2D{PoolSize: p2},
		&layers.Conv2D{Filters: 64, KernelSize: k3, Activation: relu},
		&layers.BatchNormalization{},
		&layers.MaxPooling2D{PoolSize: p2},
		&layers.Flatten{},
		&layers.Dense{Units: 64, Activation: relu},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
}

// Compile compiles m as all three programs do: Adam, sparse categorical
// cross-entropy, accuracy.
func Compile(m *models.Sequential) error {
	return m.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
}

// FashionResNet is the residual network of examples/fashion_resnet, a
// functional model: Conv2D(32, 3×3, relu) → MaxPooling2D(2×2) on
// (28, 28, 1) images, a residual block (two 3×3 "same" convolutions whose
// output is added to the block's input, then relu), MaxPooling2D(2×2),
// a second residual block, GlobalAveragePooling2D → Dense(10, softmax);
// 37,642 parameters. It is compiled as Compile compiles the course's.
func FashionResNet(seed uint64) (*models.Model, error) {
	relu, k3, p2 := activations.ReLU, [2]int{3, 3}, [2]int{2, 2}
	block := func(x *models.Node) *models.Node {
		y := models.Apply(&layers.Conv2D{Filters: 32, KernelSize: k3, Padding: "same", Activation: relu}, x)
		y = models.Apply(&layers.Conv2D{Filters: 32, KernelSize: k3, Padding: "same"}, y)
		return models.Apply(&layers.Activation{Activation: relu}, models.Apply(&layers.Add{}, x, y))
	}
	in := models.Input([]int{28, 28, 1}, "")
	x := models.Apply(&layers.Conv2D{Filters: 32, KernelSize: k3, Activation: relu}, in)
	x = block(models.Apply(&layers.MaxPooling2D{PoolSize: p2}, x))
	x = block(models.Apply(&layers.MaxPooling2D{PoolSize: p2}, x))
	out := models.Apply(&layers.Dense{Units: 10, Activation: activations.Softmax}, models.Apply(&layers.GlobalAveragePooling2D{}, x))
	m, err := models.NewModel([]*models.Node{in}, []*models.Node{out})
	if err != nil {
		return nil, err
	}
	m.Name = "resnet"
	m.SetSeed(seed)
	return m, m.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
}
