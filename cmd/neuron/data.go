package main

import (
	"io"
	"strconv"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/fashionmnist"
	"github.com/neuron-go/neuron/datasets/mnist"
)

// dataset is one of the data sets neuron knows.
type dataset struct {
	name string
	// load is the package's LoadDataWith.
	load func(datasets.Options) (xTrain, yTrain, xTest, yTest datasets.Uint8Array, err error)
	// classes names the labels; named says whether the names are worth
	// printing (Fashion-MNIST's are, MNIST's digits are not).
	classes []string
	named   bool
	// trainN and testN are the sizes of the two sets, known before
	// loading so that a bad index is rejected at once.
	trainN, testN int
	rows, cols    int
}

var digits = func() []string {
	d := make([]string, 10)
	for i := range d {
		d[i] = strconv.Itoa(i)
	}
	return d
}()

var (
	mnistData = &dataset{
		name: "mnist", load: mnist.LoadDataWith, classes: digits,
		trainN: 60000, testN: 10000, rows: 28, cols: 28,
	}
	fashionData = &dataset{
		name: "fashion", load: fashionmnist.LoadDataWith, classes: fashionmnist.ClassNames[:], named: true,
		trainN: 60000, testN: 10000, rows: 28, cols: 28,
	}
)

// datasetByName returns the data set called name ("fashion-mnist" is
// accepted for "fashion").
func datasetByName(name string) (*dataset, bool) {
	switch name {
	case "mnist":
		return mnistData, true
	case "fashion", "fashion-mnist", "fashion_mnist":
		return fashionData, true
	}
	return nil, false
}

// loaded is a data set in memory.
type loaded struct {
	xTrain, yTrain, xTest, yTest datasets.Uint8Array
}

// loadData loads d; progress, if not nil, receives a line for each
// download and for where the files were found.
func loadData(d *dataset, progress io.Writer) (*loaded, error) {
	xTrain, yTrain, xTest, yTest, err := d.load(datasets.Options{Progress: progress})
	if err != nil {
		return nil, err
	}
	return &loaded{xTrain, yTrain, xTest, yTest}, nil
}

// firstN returns the first n samples of a (its first rows), or a itself
// when n is 0 or not smaller than len(a).
func firstN(a datasets.Uint8Array, n int) datasets.Uint8Array {
	if n <= 0 || n >= a.Len() {
		return a
	}
	per := len(a.Data) / a.Len()
	shape := append([]int{n}, a.Shape[1:]...)
	return datasets.Uint8Array{Shape: shape, Data: a.Data[:n*per]}
}

// label returns how a label is printed: "5", or "9 - Ankle boot" for a
// data set with class names.
func (d *dataset) label(y uint8) string {
	s := strconv.Itoa(int(y))
	if d.named && int(y) < len(d.classes) {
		s += " - " + d.classes[y]
	}
	return s
}
