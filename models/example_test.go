package models_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// The course's first model: Flatten, Dense(256, relu), Dense(10, softmax).
func ExampleSequential_Summary() {
	model := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 256, Activation: activations.ReLU},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	model.Summary()
	// Output:
	// Model: "sequential"
	// ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
	// ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
	// ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
	// │ flatten (Flatten)               │ (None, 784)            │             0 │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┤
	// │ dense (Dense)                   │ (None, 256)            │       200,960 │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┤
	// │ dense_1 (Dense)                 │ (None, 10)             │         2,570 │
	// └─────────────────────────────────┴────────────────────────┴───────────────┘
	//  Total params: 203,530 (795.04 KB)
	//  Trainable params: 203,530 (795.04 KB)
	//  Non-trainable params: 0 (0.00 B)
}

// Compile, Fit, Evaluate and Predict, on a small made-up problem: is the sum
// of the inputs positive?
func ExampleSequential_Fit() {
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := tensor.Zeros(256, 4), tensor.Zeros(256)
	for i := 0; i < 256; i++ {
		var s float32
		for j := 0; j < 4; j++ {
			v := float32(rng.NormFloat64())
			x.Data()[i*4+j] = v
			s += v
		}
		if s > 0 {
			y.Data()[i] = 1
		}
	}
	model := models.NewSequential(
		&layers.Dense{Units: 8, Activation: activations.ReLU, InputShape: []int{4}},
		&layers.Dense{Units: 2, Activation: activations.Softmax},
	)
	err := model.Compile(models.CompileConfig{
		Optimizer: &optimizers.Adam{LearningRate: 0.01},
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
	if err != nil {
		panic(err)
	}
	history, err := model.Fit(x, y, models.FitConfig{Epochs: 20, Verbose: models.Silent})
	if err != nil {
		panic(err)
	}
	acc := history.History["accuracy"]
	fmt.Println("epochs:", len(acc), "- accuracy above 0.9:", acc[len(acc)-1] > 0.9)

	pred, err := model.Predict(x.Slice(0, 3), models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		panic(err)
	}
	fmt.Println("predicted:", pred.ArgMax(), "true:", y.Data()[:3])
	// Output:
	// epochs: 20 - accuracy above 0.9: true
	// predicted: [0 1 0] true: [0 1 0]
}

// scaleShift is a custom layer written only with tensor operations:
// y = x ⊙ gamma + beta. It needs no backward code: gradients come from the
// operations it is made of.
type scaleShift struct {
	gamma, beta *layers.Weight
}

func (*scaleShift) ClassName() string { return "ScaleShift" }

func (s *scaleShift) Build(in []int, _ *rand.Rand) ([]int, error) {
	s.gamma = &layers.Weight{Name: "gamma", Value: tensor.Full(1, in...).RequireGrad(), Trainable: true}
	s.beta = &layers.Weight{Name: "beta", Value: tensor.Zeros(in...).RequireGrad(), Trainable: true}
	return in, nil
}

func (s *scaleShift) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	return x.Mul(s.gamma.Value).Add(s.beta.Value) // broadcast over the batch
}

func (s *scaleShift) Weights() []*layers.Weight { return []*layers.Weight{s.gamma, s.beta} }

// meanAbsoluteError is a custom loss made of tensor operations.
type meanAbsoluteError struct{}

func (meanAbsoluteError) Name() string { return "mae" }

func (meanAbsoluteError) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return yPred.Sub(yTrue).Abs().Mean()
}

// A custom layer and a custom loss, trained like any other: the layer learns
// y = 3x − 2.
func Example_customLayer() {
	x, y := tensor.Zeros(64, 1), tensor.Zeros(64, 1)
	for i := range x.Data() {
		x.Data()[i] = float32(i)/32 - 1
		y.Data()[i] = 3*x.Data()[i] - 2
	}
	model := models.NewSequential(&layers.Input{Shape: []int{1}}, &scaleShift{})
	if err := model.Compile(models.CompileConfig{Optimizer: &optimizers.SGD{LearningRate: 0.05}, Loss: meanAbsoluteError{}}); err != nil {
		panic(err)
	}
	if _, err := model.Fit(x, y, models.FitConfig{Epochs: 200, Verbose: models.Silent}); err != nil {
		panic(err)
	}
	w := model.Weights()
	fmt.Printf("gamma %.1f, beta %.1f\n", w[0].Item(), w[1].Item())
	// Output: gamma 3.0, beta -2.0
}

// A Sequential's layers are named as Keras's name argument names them;
// the others keep their automatic names.
func ExampleSequential_SetLayerName() {
	m := models.NewSequential(
		&layers.Dense{Units: 64, InputShape: []int{784}},
		&layers.Dense{Units: 10},
	)
	if err := m.SetLayerName(1, "output"); err != nil {
		fmt.Println(err)
		return
	}
	if err := m.Build(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.LayerNames(), m.WeightNames()[2])
	// Output:
	// [dense output] output/kernel
}
