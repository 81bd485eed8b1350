package data_test

import (
	"fmt"
	"log"

	"github.com/neuron-go/neuron/data"
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
