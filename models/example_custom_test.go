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

// residualMLP is a custom model, a Go type whose Call is the whole forward
// pass, as Keras's subclassing:
//
//	class ResidualMLP(keras.Model):
//	    def __init__(self):
//	        super().__init__()
//	        self.hidden = layers.Dense(16, activation="relu")
//	        self.dropout = layers.Dropout(0.1)
//	        self.back = layers.Dense(4)
//	        self.head = layers.Dense(2, activation="softmax")
//	    def build(self, input_shape):
//	        self.alpha = self.add_weight(shape=input_shape[1:], initializer="zeros", name="alpha")
//	    def call(self, x, training=False):
//	        r = self.back(self.dropout(self.hidden(x), training=training))
//	        return self.head(x + self.alpha * r)
//
// It owns a weight of its own (alpha, which scales the residual branch and
// starts at 0) and four layers, builds them in Build and hands them the
// model's random stream in SeedFrom.
type residualMLP struct {
	hidden, back, head *layers.Dense
	dropout            *layers.Dropout
	alpha              *layers.Weight
}

func (*residualMLP) ClassName() string { return "ResidualMLP" }

func (m *residualMLP) Build(in []int, rng *rand.Rand) ([]int, error) {
	m.hidden = &layers.Dense{Units: 16, Activation: activations.ReLU}
	m.dropout = &layers.Dropout{Rate: 0.1}
	m.back = &layers.Dense{Units: in[0]}
	m.head = &layers.Dense{Units: 2, Activation: activations.Softmax}
	h, err := m.hidden.Build(in, rng)
	if err != nil {
		return nil, err
	}
	if h, err = m.dropout.Build(h, rng); err != nil {
		return nil, err
	}
	if _, err = m.back.Build(h, rng); err != nil {
		return nil, err
	}
	m.alpha = &layers.Weight{Name: "alpha", Value: tensor.Zeros(in...).RequireGrad(), Trainable: true}
	return m.head.Build(in, rng)
}

func (m *residualMLP) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	r := m.back.Call(m.dropout.Call(m.hidden.Call(x, training), training), training)
	return m.head.Call(x.Add(r.Mul(m.alpha.Value)), training)
}

// Weights returns every weight, the sub-layers' under their own names.
func (m *residualMLP) Weights() []*layers.Weight {
	if m.alpha == nil {
		return nil // not built
	}
	ws := layers.PrefixWeights("hidden", m.hidden.Weights())
	ws = append(ws, layers.PrefixWeights("back", m.back.Weights())...)
	ws = append(ws, m.alpha)
	return append(ws, layers.PrefixWeights("head", m.head.Weights())...)
}

// SeedFrom passes the model's random stream on to the Dropout, so that the
// model's seed fixes its masks.
func (m *residualMLP) SeedFrom(rng *rand.Rand) { m.dropout.SeedFrom(rng) }

// A custom model (Keras's subclassing) trains, evaluates and predicts with
// the same Compile, Fit, Evaluate and Predict as a Sequential: FromLayer
// makes a Model of it.
func ExampleFromLayer() {
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := tensor.Zeros(256, 4), tensor.Zeros(256)
	for i := range 256 {
		var s float32
		for j := range 4 {
			v := float32(rng.NormFloat64())
			x.Data()[i*4+j] = v
			s += v
		}
		if s > 0 {
			y.Data()[i] = 1
		}
	}
	model, err := models.FromLayer(&residualMLP{}, []int{4})
	if err != nil {
		panic(err)
	}
	model.Summary()
	fmt.Println(model.WeightNames())
	err = model.Compile(models.CompileConfig{
		Optimizer: &optimizers.Adam{LearningRate: 0.01},
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
	if err != nil {
		panic(err)
	}
	xs, ys := []models.Array{x}, []models.Array{y}
	if _, err := model.Fit(xs, ys, models.FitConfig{Epochs: 20, Verbose: models.Silent}); err != nil {
		panic(err)
	}
	scores, err := model.Evaluate(xs, ys, models.EvaluateConfig{Verbose: models.Silent})
	if err != nil {
		panic(err)
	}
	fmt.Println("accuracy above 0.9:", scores["accuracy"] > 0.9)
	pred, err := model.Predict([]models.Array{x.Slice(0, 3)}, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		panic(err)
	}
	fmt.Println("prediction shape:", pred[0].Shape())
	// Output:
	// Model: "residual_mlp"
	// ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
	// ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
	// ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
	// │ input_layer (InputLayer)        │ (None, 4)              │             0 │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┤
	// │ residual_mlp (ResidualMLP)      │ (None, 2)              │           162 │
	// └─────────────────────────────────┴────────────────────────┴───────────────┘
	//  Total params: 162 (648.00 B)
	//  Trainable params: 162 (648.00 B)
	//  Non-trainable params: 0 (0.00 B)
	// [residual_mlp/hidden/kernel residual_mlp/hidden/bias residual_mlp/back/kernel residual_mlp/back/bias residual_mlp/alpha residual_mlp/head/kernel residual_mlp/head/bias]
	// accuracy above 0.9: true
	// prediction shape: [3 2]
}
