package data

import (
	"fmt"

	"github.com/neuron-go/neuron/tensor"
)

// Strings is an array of texts, one per example, shaped as Keras's string
// inputs, keras.Input(shape=(1,), dtype="string"): (len, 1). It is what
// Fit, Evaluate and Predict take for a model input that feeds a
// layers.TextVectorization (any layers.StringLayer), which turns each
// batch of texts into numbers inside the model, so that a trained model
// predicts from raw text:
//
//	pred, err := model.Predict(data.Strings{"a gripping, well acted film"}, models.PredictConfig{})
//
// Texts are not numbers: TakeRowsInto, which an Array must have, panics
// with a *tensor.ShapeError that says so (the models never call it; they
// read the texts with Text).
type Strings []string

// Rank implements Array: 2.
func (s Strings) Rank() int { return 2 }

// Dim implements Array: len(s) for axis 0, 1 for axis 1.
func (s Strings) Dim(i int) int {
	switch i {
	case 0, -2:
		return len(s)
	case 1, -1:
		return 1
	}
	panic(&tensor.ShapeError{Op: "Strings.Dim", Shapes: [][]int{{len(s), 1}}, Msg: fmt.Sprintf("axis %d out of range", i)})
}

// Text returns example i.
func (s Strings) Text(i int) string { return s[i] }

// TakeRowsInto implements Array by panicking with a *tensor.ShapeError:
// texts become numbers only through a TextVectorization.
func (s Strings) TakeRowsInto(dst *tensor.Tensor, idx []int) {
	panic(&tensor.ShapeError{Op: "Strings.TakeRowsInto", Shapes: [][]int{{len(s), 1}},
		Msg: "texts are not numbers: give them to a model whose input feeds a layers.TextVectorization, or vectorize them first with its Vectorize"})
}
