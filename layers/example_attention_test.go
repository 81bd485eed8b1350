package layers_test

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

// encoderBlock is a transformer encoder block, as in Keras's "Text
// classification with Transformer" example:
//
//	attn = layers.MultiHeadAttention(num_heads, key_dim)(x, x)
//	x = layers.LayerNormalization(epsilon=1e-6)(x + attn)
//	ffn = layers.Dense(d)(layers.Dense(ff_dim, activation="relu")(x))
//	x = layers.LayerNormalization(epsilon=1e-6)(x + ffn)
func encoderBlock(x *models.Node, heads, keyDim, ffDim int) *models.Node {
	d := x.Shape()[1]
	attn := models.Apply(&layers.MultiHeadAttention{NumHeads: heads, KeyDim: keyDim}, x, x)
	x = models.Apply(&layers.LayerNormalization{Epsilon: 1e-6}, models.Apply(&layers.Add{}, x, attn))
	ffn := models.Apply(&layers.Dense{Units: d}, models.Apply(&layers.Dense{Units: ffDim, Activation: activations.ReLU}, x))
	return models.Apply(&layers.LayerNormalization{Epsilon: 1e-6}, models.Apply(&layers.Add{}, x, ffn))
}

// A tiny transformer classifier: token and position embeddings, one
// encoder block, average pooling and a softmax. The task needs the
// positions: is the first 3 of a sequence of 12 tokens before its first
// 7? Parameters: embeddings 10·16 and positions 12·16, attention 4·(16·16
// + 16), the two layer normalizations 2·32, the feed-forward block
// (16·32 + 32) + (32·16 + 16), the classifier 16·2 + 2: 2,610, as Keras
// counts them.
func ExampleMultiHeadAttention() {
	const steps, vocab, d = 12, 10, 16
	tokens := models.Input([]int{steps}, "tokens")
	x := models.Apply(&layers.Embedding{InputDim: vocab, OutputDim: d}, tokens)
	x = models.Apply(&layers.Add{}, x, models.Apply(&layers.PositionEmbedding{SequenceLength: steps}, x))
	x = encoderBlock(x, 2, 8, 32)
	out := models.Apply(&layers.Dense{Units: 2, Activation: activations.Softmax}, models.Apply(&layers.GlobalAveragePooling1D{}, x))
	model, err := models.NewModel([]*models.Node{tokens}, []*models.Node{out})
	if err != nil {
		panic(err)
	}
	err = model.Compile(models.CompileConfig{
		Optimizer: &optimizers.Adam{LearningRate: 3e-3},
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	})
	if err != nil {
		panic(err)
	}
	xs, ys := orderTask(2048, steps)
	history, err := model.Fit([]models.Array{xs}, []models.Array{ys}, models.FitConfig{Epochs: 8, ValidationSplit: 0.25, Verbose: models.Silent})
	if err != nil {
		panic(err)
	}
	acc := history.History["val_accuracy"]
	fmt.Println("parameters:", model.CountParams())
	fmt.Println("validation accuracy above 0.9, and higher than after the first epoch:", acc[len(acc)-1] > 0.9 && acc[len(acc)-1] > acc[0])
	// Output:
	// parameters: 2610
	// validation accuracy above 0.9, and higher than after the first epoch: true
}

// orderTask makes n sequences of random tokens in [0, 10), labelled 1
// when the first 3 comes before the first 7 (a missing token counts as
// coming last), with the labels balanced.
func orderTask(n, steps int) (x, y *tensor.Tensor) {
	r := rand.New(rand.NewPCG(1, 2))
	x, y = tensor.Zeros(n, steps), tensor.Zeros(n)
	for i := range n {
		first := map[int]int{3: steps, 7: steps}
		for j := range steps {
			v := r.IntN(10)
			x.Data()[i*steps+j] = float32(v)
			if (v == 3 || v == 7) && first[v] == steps {
				first[v] = j
			}
		}
		if first[3] < first[7] {
			y.Data()[i] = 1
		}
	}
	return x, y
}
