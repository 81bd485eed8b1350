package data_test

import (
	"fmt"
	"log"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/tensor"
)

// A pipeline over the iris CSV: read the rows as they are needed, split
// off a test set, standardise the features with the training set's
// moments in two parallel workers, shuffle with a seed and batch.
func Example() {
	iris, err := data.ReadCSV("testdata/iris.csv", data.CSVOptions{
		// The file's first line holds counts, not names: name the columns.
		ColumnNames: []string{"sepal_length", "sepal_width", "petal_length", "petal_width", "species"},
		Label:       "species",
	})
	if err != nil {
		log.Fatal(err)
	}
	train, test, err := data.SplitDataset(iris.Dataset, 0.8, true, 1)
	if err != nil {
		log.Fatal(err)
	}
	mean, variance, err := data.FeatureMoments(train)
	if err != nil {
		log.Fatal(err)
	}
	standardize, err := data.Standardizer(mean, variance)
	if err != nil {
		log.Fatal(err)
	}
	train, err = train.Map(standardize, 2)
	if err != nil {
		log.Fatal(err)
	}
	train, err = train.Cache().Shuffle(120, 7)
	if err != nil {
		log.Fatal(err)
	}
	batches, err := train.Batch(50, false)
	if err != nil {
		log.Fatal(err)
	}
	for epoch := range 2 {
		for b, err := range batches.All() {
			if err != nil {
				log.Fatal(err)
			}
			fmt.Println("epoch", epoch, "batch x", b.X.Shape(), "y", b.Y.Shape())
		}
	}
	rest, err := test.Collect()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(rest), "test examples")
	// Output:
	// epoch 0 batch x [50 4] y [50]
	// epoch 0 batch x [50 4] y [50]
	// epoch 0 batch x [20 4] y [20]
	// epoch 1 batch x [50 4] y [50]
	// epoch 1 batch x [50 4] y [50]
	// epoch 1 batch x [20 4] y [20]
	// 30 test examples
}

// keras.utils.pad_sequences: pad (or cut) token sequences to one length.
func ExamplePadSequences() {
	sequences := [][]int{{1}, {2, 3}, {4, 5, 6}}
	x, err := data.PadSequences(sequences, data.PadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(x)
	x, _ = data.PadSequences(sequences, data.PadOptions{MaxLen: 2, Padding: "post", Truncating: "post"})
	fmt.Println(x)
	// Output:
	// [[0. 0. 1.]
	//  [0. 2. 3.]
	//  [4. 5. 6.]]
	// [[1. 0.]
	//  [2. 3.]
	//  [4. 5.]]
}

// tf.data.Dataset.from_tensor_slices(((image, numbers), label, sample_weight)):
// the batches of a model with two inputs, weighted.
func ExampleFromArraysMulti() {
	image, numbers := tensor.Zeros(10, 28, 28), tensor.Zeros(10, 3)
	label, weight := tensor.Zeros(10), tensor.Full(1, 10)
	ds, err := data.FromArraysMulti([]*tensor.Tensor{image, numbers}, []*tensor.Tensor{label}, weight)
	if err != nil {
		log.Fatal(err)
	}
	ds, _ = ds.Batch(4, false)
	for e, err := range ds.All() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Xs[0].Shape(), e.Xs[1].Shape(), e.Ys[0].Shape(), e.W.Shape())
	}
	// Output:
	// [4 28 28] [4 3] [4] [4]
	// [4 28 28] [4 3] [4] [4]
	// [2 28 28] [2 3] [2] [2]
}
