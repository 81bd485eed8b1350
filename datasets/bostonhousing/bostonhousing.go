// Package bostonhousing loads the Boston Housing prices, as Keras's
// keras.datasets.boston_housing.load_data does: 506 samples of 13
// attributes of houses around Boston in the late 1970s, with the median
// value in k$ as the target, shuffled with NumPy's RandomState(seed) and
// split as Keras splits them (404 training and 102 test samples by
// default), so that the rows come out in Keras's order.
//
// Keras warns that the data set has an ethical problem (its attribute "B"
// assumes that racial self-segregation influences prices) and discourages
// its use except to illustrate that; californiahousing with Version
// "small" is its suggested replacement.
//
// The file is Keras's boston_housing.npz, looked up in Options.Dir or
// NEURON_BOSTON_HOUSING_DIR; neuron's cache; Keras's ~/.keras/datasets
// (or $KERAS_HOME/datasets); then downloaded from Keras's address and
// checked against the SHA-256 Keras pins.
package bostonhousing

import (
	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
	"github.com/neuron-go/neuron/datasets/internal/housing"
	"github.com/neuron-go/neuron/tensor"
)

// spec is the file; tests point it at local files.
var spec = fetch.FileSpec{
	Name:   "boston_housing",
	EnvVar: "NEURON_BOSTON_HOUSING_DIR",
	File:   "boston_housing.npz",
	SHA256: "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
}

// Options are load_data's arguments besides where to find the file.
type Options struct {
	datasets.Options
	// TestSplit is the fraction held out for the test set, in [0, 1);
	// nil means Keras's 0.2 (new(0.1) gives another).
	TestSplit *float64
	// Seed seeds the shuffle before the split; nil means Keras's 113.
	Seed *int64
}

// LoadData returns (x_train, y_train), (x_test, y_test): x of shape
// (samples, 13) and y of shape (samples,), float32 (Keras returns
// float64).
func LoadData(opts Options) (xTrain, yTrain, xTest, yTest *tensor.Tensor, err error) {
	return housing.Load(&spec, 13, 0, opts.TestSplit, opts.Seed, opts.Options)
}
