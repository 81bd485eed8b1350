package models_test

import (
	"fmt"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// smoothedSparseCE is a loss of one's own on integer class labels: the
// cross-entropy against label-smoothed one-hot targets, written from tensor
// operations, as one writes in Keras
//
//	def smoothed_sparse_ce(y_true, y_pred, s=0.1):
//	    t = ops.one_hot(ops.cast(y_true, "int32"), 3) * (1 - s) + s / 3
//	    return -ops.sum(t * ops.log(ops.clip(y_pred, 1e-7, 1)), axis=-1)
//
// Fit hands it the labels as they are. CheckLabels declares that it takes
// integer labels, so that Fit checks them (a label 3 of 3 classes is an
// error naming its row) instead of leaving the loss to fail.
type smoothedSparseCE struct{ smoothing float32 }

func (smoothedSparseCE) Name() string { return "smoothed_sparse_ce" }

func (l smoothedSparseCE) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	n, classes := yPred.Dim(0), yPred.Dim(1)
	t := tensor.Zeros(n, classes)
	for i, v := range yTrue.Data() {
		t.Data()[i*classes+int(v)] = 1
	}
	t = t.MulScalar(1 - l.smoothing).AddScalar(l.smoothing / float32(classes))
	return t.Mul(yPred.Clip(1e-7, 1).Log()).SumAxis(-1, false).Neg().Mean()
}

// CheckLabels implements losses.LabelChecker.
func (smoothedSparseCE) CheckLabels(yTrue *tensor.Tensor, classes int) error {
	return losses.CheckSparseLabels(yTrue, classes)
}

// A custom loss on integer labels: Fit passes the labels through, and the
// loss's CheckLabels makes a bad label an error before training.
func Example_customLossOnIntegerLabels() {
	x := tensor.FromSlice([]float32{0, 0, 1, 0, 0, 1, 1, 1, 0.9, 0.1, 0.1, 0.9}, 6, 2)
	y := tensor.FromSlice([]float32{0, 1, 2, 0, 1, 2}, 6) // class indices, shape (6)
	model := models.NewSequential(
		&layers.Dense{Units: 3, Activation: activations.Softmax, InputShape: []int{2}},
	)
	model.SetSeed(1)
	if err := model.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: smoothedSparseCE{0.1}}); err != nil {
		fmt.Println(err)
		return
	}
	h, err := model.Fit(x, y, models.FitConfig{Epochs: 3, Verbose: models.Silent})
	fmt.Println(len(h.History["loss"]), err)

	bad := tensor.FromSlice([]float32{0, 1, 3, 0, 1, 2}, 6)
	_, err = model.Fit(x, bad, models.FitConfig{Verbose: models.Silent})
	fmt.Println(err)
	// Output:
	// 3 <nil>
	// models: fit: y: label 2 is 3: want an integer class index in [0, 3)
}
