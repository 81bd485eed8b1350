// Package fashionmnist loads Fashion-MNIST, Zalando's article images, as
// Keras's keras.datasets.fashion_mnist.load_data does: 60,000 training and
// 10,000 test images of 28×28 gray pixels, with labels 0 to 9 naming the
// classes in ClassNames. It is a drop-in replacement for MNIST that is
// harder to classify.
//
// The files are looked up as package datasets describes; the environment
// variable NEURON_FASHION_MNIST_DIR names a directory to use, and Debian's
// dataset-fashion-mnist package provides a system-wide copy. As a last
// resort the four files are downloaded from Keras's address. Keras checks
// no hash for them; this loader checks the SHA-256 of each, computed from
// the files whose MD5 sums the Fashion-MNIST authors publish.
package fashionmnist

import (
	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
)

// ClassNames names the labels: ClassNames[y] is the class of label y.
var ClassNames = [10]string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// spec describes Fashion-MNIST to the shared loader. Tests replace its
// Downloads, BaseURL and SystemRoot.
var spec = fetch.Spec{
	Name:   "fashion-mnist",
	Title:  "Fashion-MNIST",
	EnvVar: "NEURON_FASHION_MNIST_DIR",
	Files: [4]string{
		"train-images-idx3-ubyte.gz",
		"train-labels-idx1-ubyte.gz",
		"t10k-images-idx3-ubyte.gz",
		"t10k-labels-idx1-ubyte.gz",
	},
	Train:      60000,
	Test:       10000,
	Rows:       28,
	Cols:       28,
	Classes:    10,
	SystemRoot: "/usr/share/datasets",
	BaseURL:    fetch.KerasBaseURL,
	// The MD5s of these files are the official ones
	// (8d4fb7e6..., 25c81989..., bef4ecab..., bb300cfd...).
	Downloads: []fetch.Download{
		{Name: "train-images-idx3-ubyte.gz", Size: 26421880, SHA256: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"},
		{Name: "train-labels-idx1-ubyte.gz", Size: 29515, SHA256: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"},
		{Name: "t10k-images-idx3-ubyte.gz", Size: 4422102, SHA256: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"},
		{Name: "t10k-labels-idx1-ubyte.gz", Size: 5148, SHA256: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"},
	},
	Hint: "install Debian's package: apt-get install dataset-fashion-mnist",
}

// LoadData returns the Fashion-MNIST training and test sets with the
// default Options: xTrain is uint8 (60000, 28, 28), yTrain uint8
// (60000,), xTest uint8 (10000, 28, 28) and yTest uint8 (10000,).
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
