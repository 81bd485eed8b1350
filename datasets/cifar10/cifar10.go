// Package cifar10 loads CIFAR-10, as Keras's keras.datasets.cifar10.load_data
// does: 50,000 training and 10,000 test color images of 32×32 pixels,
// uint8 (n, 32, 32, 3) in Keras's channels_last order, with labels 0 to 9
// shaped (n, 1) and named by ClassNames.
//
// It reads the python version of the archive, cifar-10-python.tar.gz, as
// Keras does (its batches are Python 2 pickles, read by a reader that
// allows only NumPy's array reconstruction), straight from the .tar.gz
// without extracting it, or from an extracted cifar-10-batches-py folder.
// It looks in Options.Dir or NEURON_CIFAR10_DIR (the folder, or the
// directory holding it or the archive); else in Keras's extraction
// directory ~/.keras/datasets/cifar-10-batches-py-target; else for the
// archive in neuron's cache and Keras's cache; and last downloads it from
// https://www.cs.toronto.edu/~kriz/ (Keras's address), checked against
// Keras's SHA-256.
package cifar10

import (
	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/cifar"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
)

// ClassNames names the labels: ClassNames[y] is the class of label y.
var ClassNames = [10]string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// BaseURL is where Keras downloads the archive from; Options.BaseURL
// replaces it.
const BaseURL = "https://www.cs.toronto.edu/~kriz/"

var set = cifar.Set{
	File: fetch.FileSpec{
		Name:    "cifar10",
		EnvVar:  "NEURON_CIFAR10_DIR",
		File:    "cifar-10-python.tar.gz",
		SHA256:  "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
		BaseURL: BaseURL,
	},
	Folder: "cifar-10-batches-py",
	Keras:  "cifar-10-batches-py-target",
	Train:  []string{"data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"},
	Test:   "test_batch",
}

// LoadData returns (x_train, y_train), (x_test, y_test): uint8
// (50000, 32, 32, 3), (50000, 1), (10000, 32, 32, 3) and (10000, 1).
func LoadData(opts datasets.Options) (xTrain, yTrain, xTest, yTest datasets.Uint8Array, err error) {
	return cifar.Load(&set, "labels", 10, opts)
}
