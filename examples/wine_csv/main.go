// Command wine_csv trains a classifier on a CSV file through the data
// pipeline alone, as a Keras user does with tf.data:
//
//	ds = tf.data.experimental.make_csv_dataset(...)          # or pandas + from_tensor_slices
//	train, test = keras.utils.split_dataset(ds, left_size=0.8, shuffle=True, seed=0)
//	norm = keras.layers.Normalization(); norm.adapt(train.map(lambda x, y: x))
//	model = Sequential([Input((13,)), norm, Dense(16, activation="relu"), Dense(3, activation="softmax")])
//	model.compile(optimizer=Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
//	model.fit(train.shuffle(200, seed=0).batch(16), epochs=40, validation_data=test.batch(64))
//
// data.ReadCSVFS streams the rows of the embedded file (re-read at every
// pass, never held whole), data.SplitDataset splits them 80/20 in a seeded
// random order, data.FeatureMoments and data.Standardizer standardize the
// features with the training rows' statistics (what Normalization.adapt
// computes), and FitDataset trains on a reshuffled, batched pipeline.
//
// The data is the UCI wine recognition data set (178 wines from three
// cultivars, 13 chemical measurements each; M. Forina et al., from the UCI
// Machine Learning Repository, under CC BY 4.0), wine_data.csv as Debian's
// python3-sklearn 1.2.1+dfsg-1 ships it in sklearn/datasets/data/
// (scikit-learn's load_wine, BSD-3-Clause). Its first line holds the row
// and column counts and the class names, which SkipRows skips, as
// scikit-learn's loader does.
//
// Usage:
//
//	go run ./examples/wine_csv [-epochs 40] [-seed 0] [-verbose 0]
package main

import (
	"embed"
	"flag"
	"fmt"
	"os"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
)

//go:embed wine_data.csv
var files embed.FS

// columns are the file's columns, as scikit-learn's load_wine names them.
var columns = []string{"alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols",
	"flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
	"od280/od315_of_diluted_wines", "proline", "target"}

func main() {
	fs := flag.NewFlagSet("wine_csv", flag.ExitOnError)
	epochs := fs.Int("epochs", 40, "number of passes over the training rows")
	seed := fs.Uint64("seed", 0, "seed for the split, the initial weights and the shuffling")
	verbose := fs.Int("verbose", 0, "0 silent, 1 progress bar, 2 one line per epoch (Keras's verbose)")
	_ = fs.Parse(os.Args[1:])
	if err := run(*epochs, *seed, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "wine_csv:", err)
		os.Exit(1)
	}
}

// count returns the number of elements of d, or -1 if reading it fails.
func count(d *data.Dataset) int {
	n := 0
	for _, err := range d.All() {
		if err != nil {
			return -1
		}
		n++
	}
	return n
}

func run(epochs int, seed uint64, verbose int) error {
	v, err := models.VerbosityFromKeras(verbose)
	if err != nil {
		return err
	}
	rows, err := data.ReadCSVFS(files, "wine_data.csv", data.CSVOptions{
		SkipRows: 1, NoHeader: true, ColumnNames: columns, Label: "target"})
	if err != nil {
		return err
	}
	train, test, err := data.SplitDataset(rows.Dataset, 0.8, true, seed)
	if err != nil {
		return err
	}
	nTrain, nTest := count(train), count(test)
	if nTrain < 0 || nTest < 0 {
		return fmt.Errorf("reading %s failed", rows.Path)
	}
	fmt.Printf("%d rows of %d features: %d for training, %d for testing\n", nTrain+nTest, len(rows.Features), nTrain, nTest)
	mean, variance, err := data.FeatureMoments(train)
	if err != nil {
		return err
	}
	standardize, err := data.Standardizer(mean, variance)
	if err != nil {
		return err
	}
	batches := func(d *data.Dataset, size int, shuffle bool) (*data.Dataset, error) {
		d, err := d.Map(standardize, 1)
		if err != nil {
			return nil, err
		}
		if shuffle {
			if d, err = d.Shuffle(200, seed); err != nil {
				return nil, err
			}
		}
		return d.Batch(size, false)
	}
	trainDS, err := batches(train, 16, true)
	if err != nil {
		return err
	}
	testDS, err := batches(test, 64, false)
	if err != nil {
		return err
	}

	model := models.NewSequential(
		&layers.Dense{Units: 16, Activation: activations.ReLU, InputShape: []int{len(columns) - 1}},
		&layers.Dense{Units: 3, Activation: activations.Softmax},
	)
	model.SetSeed(seed)
	if err := model.Compile(models.CompileConfig{
		Optimizer: &optimizers.Adam{LearningRate: 0.01},
		Loss:      losses.SparseCategoricalCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewAccuracy()},
	}); err != nil {
		return err
	}
	if verbose > 0 {
		model.Summary()
	}
	h, err := model.FitDataset(trainDS, models.FitConfig{Epochs: epochs, Verbose: v, ValidationData: &models.Data{Dataset: testDS}})
	if err != nil {
		return err
	}
	last := len(h.History["loss"]) - 1
	fmt.Printf("train loss: %.4f - train accuracy: %.4f\n", h.History["loss"][last], h.History["accuracy"][last])
	logs, err := model.EvaluateDataset(testDS, models.EvaluateConfig{Verbose: models.Silent})
	if err != nil {
		return err
	}
	fmt.Printf("test loss: %.4f - test accuracy: %.4f\n", logs["loss"], logs["accuracy"])
	return nil
}
