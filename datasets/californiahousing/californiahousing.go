// Package californiahousing loads the California Housing prices, as
// Keras's keras.datasets.california_housing.load_data does: 20,640 census
// block groups of 1990 with 8 features (MedInc, HouseAge, AveRooms,
// AveBedrms, Population, AveOccup, Latitude, Longitude) and the median
// house value in dollars as the target, shuffled with NumPy's
// RandomState(seed) and split as Keras splits them, so that the rows come
// out in Keras's order.
//
// The file is Keras's california_housing.npz, looked up in
// Options.Dir or NEURON_CALIFORNIA_HOUSING_DIR; neuron's cache; Keras's
// ~/.keras/datasets (or $KERAS_HOME/datasets); then downloaded from
// Keras's address and checked against the SHA-256 Keras pins.
package californiahousing

import (
	"fmt"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
	"github.com/neuron-go/neuron/datasets/internal/housing"
	"github.com/neuron-go/neuron/tensor"
)

var spec = fetch.FileSpec{
	Name:   "california_housing",
	EnvVar: "NEURON_CALIFORNIA_HOUSING_DIR",
	File:   "california_housing.npz",
	SHA256: "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f",
}

// Options are load_data's arguments besides where to find the file.
type Options struct {
	datasets.Options
	// Version is "large" (all 20,640 samples; "" means it, Keras's
	// default) or "small" (the first 600, Keras's replacement for Boston
	// Housing).
	Version string
	// TestSplit is the fraction held out for the test set, in [0, 1);
	// nil means Keras's 0.2.
	TestSplit *float64
	// Seed seeds the shuffle before the split; nil means Keras's 113.
	Seed *int64
}

// LoadData returns (x_train, y_train), (x_test, y_test): x of shape
// (samples, 8) and y of shape (samples,), float32.
func LoadData(opts Options) (xTrain, yTrain, xTest, yTest *tensor.Tensor, err error) {
	keep := 0
	switch opts.Version {
	case "", "large":
	case "small":
		keep = 600
	default:
		return nil, nil, nil, nil, fmt.Errorf("california_housing: Version must be one of \"small\", \"large\", got %q", opts.Version)
	}
	return housing.Load(&spec, 8, keep, opts.TestSplit, opts.Seed, opts.Options)
}
