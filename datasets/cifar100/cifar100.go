// Package cifar100 loads CIFAR-100, as Keras's
// keras.datasets.cifar100.load_data does: 50,000 training and 10,000 test
// color images of 32×32 pixels, uint8 (n, 32, 32, 3) in channels_last
// order, labelled over 100 fine classes grouped into 20 coarse ones,
// labels shaped (n, 1).
//
// It reads the python archive cifar-100-python.tar.gz as Keras does, from
// the same places as package cifar10 (NEURON_CIFAR100_DIR, Keras's
// ~/.keras/datasets/cifar-100-python-target, the caches, then Keras's
// address, checked against Keras's SHA-256).
package cifar100

import (
	"fmt"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/cifar"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
)

var set = cifar.Set{
	File: fetch.FileSpec{
		Name:    "cifar100",
		EnvVar:  "NEURON_CIFAR100_DIR",
		File:    "cifar-100-python.tar.gz",
		SHA256:  "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
		BaseURL: "https://www.cs.toronto.edu/~kriz/",
	},
	Folder: "cifar-100-python",
	Keras:  "cifar-100-python-target",
	Train:  []string{"train"},
	Test:   "test",
}

// LoadData returns (x_train, y_train), (x_test, y_test) with labelMode
// "fine" (100 classes; "" means it, Keras's default) or "coarse" (20).
func LoadData(labelMode string, opts datasets.Options) (xTrain, yTrain, xTest, yTest datasets.Uint8Array, err error) {
	switch labelMode {
	case "", "fine":
		return cifar.Load(&set, "fine_labels", 100, opts)
	case "coarse":
		return cifar.Load(&set, "coarse_labels", 20, opts)
	}
	err = fmt.Errorf("cifar100: label_mode must be one of \"fine\", \"coarse\", got %q", labelMode)
	return
}
