// Command breast_cancer trains a classifier on imbalanced real data with
// class weights, watches the area under the ROC and precision-recall
// curves, and lowers the learning rate when the validation loss stops
// improving, as Keras's "classification on imbalanced data" tutorial does:
//
//	model = Sequential([Input((30,)), Dense(16, activation="relu"), Dense(1, activation="sigmoid")])
//	model.compile(optimizer="adam", loss="binary_crossentropy",
//	              metrics=[AUC(name="auc"), AUC(name="prc", curve="PR"), Precision(), Recall()])
//	model.fit(x_train, y_train, epochs=150, validation_split=0.2,
//	          class_weight={0: total / (2 * neg), 1: total / (2 * pos)},
//	          callbacks=[ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3)])
//
// It trains the same network twice from the same initial weights, without
// and with the class weights, and prints the test AUC, PR AUC, precision
// and recall of each.
//
// The data is the Wisconsin Diagnostic Breast Cancer data set (569
// tumours, 30 features computed from a cell image, 212 malignant and 357
// benign), breast_cancer.csv as Debian's python3-sklearn 1.2.1+dfsg-1
// ships it in sklearn/datasets/data/ (scikit-learn's load_breast_cancer;
// the data set is W. Wolberg, O. Mangasarian, N. Street and W. Street's,
// from the UCI Machine Learning Repository, under CC BY 4.0). It is made
// imbalanced, openly: every benign tumour is kept but only every fifth
// malignant one in the file's order, 43 of 212, so that 43 of the 400 rows
// (10.75%) are positive (malignant, label 1). A stratified 70/30 split in a
// seeded random order gives the training and test rows; the features are
// standardized with the training rows' mean and standard deviation.
//
// Usage:
//
//	go run ./examples/breast_cancer [-epochs 150] [-batch-size 32] [-seed 0] [-verbose 0]
package main

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

//go:embed breast_cancer.csv
var breastCancerCSV []byte

const features = 30

func main() {
	fs := flag.NewFlagSet("breast_cancer", flag.ExitOnError)
	epochs := fs.Int("epochs", 150, "number of passes over the training rows")
	batch := fs.Int("batch-size", 32, "rows per training step")
	seed := fs.Uint64("seed", 0, "seed for the split, the initial weights and shuffling")
	verbose := fs.Int("verbose", 0, "0 silent, 1 progress bar, 2 one line per epoch (Keras's verbose)")
	_ = fs.Parse(os.Args[1:])
	if err := run(*epochs, *batch, *seed, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "breast_cancer:", err)
		os.Exit(1)
	}
}

// load returns the imbalanced rows: features and labels (1 = malignant).
func load() (x [][]float64, y []float64, err error) {
	r := csv.NewReader(bytes.NewReader(breastCancerCSV))
	r.FieldsPerRecord = -1 // the first row has 4 fields, the others 31
	rows, err := r.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	malignant := 0
	for i, r := range rows[1:] { // the first row is "569,30,malignant,benign"
		if len(r) != features+1 {
			return nil, nil, fmt.Errorf("breast_cancer.csv: row %d has %d fields, want %d", i+2, len(r), features+1)
		}
		f := make([]float64, features)
		for j := range f {
			if f[j], err = strconv.ParseFloat(r[j], 64); err != nil {
				return nil, nil, fmt.Errorf("breast_cancer.csv: row %d: %w", i+2, err)
			}
		}
		if r[features] == "0" { // target 0 is malignant in scikit-learn's file
			malignant++
			if (malignant-1)%5 != 0 {
				continue // keep every fifth malignant tumour
			}
			y = append(y, 1)
		} else {
			y = append(y, 0)
		}
		x = append(x, f)
	}
	return x, y, nil
}

// split returns a stratified 70/30 split of the row indices in a seeded
// random order.
func split(y []float64, seed uint64) (train, test []int) {
	rng := rand.New(rand.NewPCG(seed, 18))
	for _, class := range []float64{0, 1} {
		var idx []int
		for i, v := range y {
			if v == class {
				idx = append(idx, i)
			}
		}
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		cut := int(math.Round(0.7 * float64(len(idx))))
		train, test = append(train, idx[:cut]...), append(test, idx[cut:]...)
	}
	rng.Shuffle(len(train), func(i, j int) { train[i], train[j] = train[j], train[i] })
	return train, test
}

// tensors standardizes the rows with the training rows' statistics.
func tensors(x [][]float64, y []float64, rows []int, mean, std []float64) (*tensor.Tensor, *tensor.Tensor) {
	xt, yt := tensor.Zeros(len(rows), features), tensor.Zeros(len(rows), 1)
	for i, r := range rows {
		for j := range features {
			xt.Data()[i*features+j] = float32((x[r][j] - mean[j]) / std[j])
		}
		yt.Data()[i] = float32(y[r])
	}
	return xt, yt
}

func run(epochs, batch int, seed uint64, verbose int) error {
	v, err := models.VerbosityFromKeras(verbose)
	if err != nil {
		return err
	}
	x, y, err := load()
	if err != nil {
		return err
	}
	train, test := split(y, seed)
	mean, std := make([]float64, features), make([]float64, features)
	for _, r := range train {
		for j := range features {
			mean[j] += x[r][j] / float64(len(train))
		}
	}
	for _, r := range train {
		for j := range features {
			d := x[r][j] - mean[j]
			std[j] += d * d / float64(len(train))
		}
	}
	for j := range std {
		std[j] = math.Sqrt(std[j])
	}
	xTrain, yTrain := tensors(x, y, train, mean, std)
	xTest, yTest := tensors(x, y, test, mean, std)
	pos := 0.0
	for _, r := range train {
		pos += y[r]
	}
	neg, total := float64(len(train))-pos, float64(len(train))
	// The tutorial's weights: each class weighs as much in total.
	classWeight := map[int]float64{0: total / (2 * neg), 1: total / (2 * pos)}
	fmt.Printf("%d rows, %d malignant (%.2f%%); training %d (%d malignant), test %d\n",
		len(y), int(sum(y)), 100*sum(y)/float64(len(y)), len(train), int(pos), len(test))
	fmt.Printf("class weights: benign %.4f, malignant %.4f\n", classWeight[0], classWeight[1])

	for _, weighted := range []bool{false, true} {
		model := models.NewSequential(
			&layers.Dense{Units: 16, Activation: activations.ReLU, InputShape: []int{features}},
			&layers.Dense{Units: 1, Activation: activations.Sigmoid},
		)
		model.SetSeed(seed)
		auc, err := metrics.NewAUC(metrics.AUCConfig{})
		if err != nil {
			return err
		}
		prc, err := metrics.NewAUC(metrics.AUCConfig{Name: "prc", Curve: "PR"})
		if err != nil {
			return err
		}
		if err := model.Compile(models.CompileConfig{
			Optimizer: optimizers.NewAdam(),
			Loss:      losses.BinaryCrossentropy{},
			Metrics:   []metrics.Metric{auc, prc, metrics.NewPrecision(), metrics.NewRecall()},
		}); err != nil {
			return err
		}
		plateau := &callbacks.ReduceLROnPlateau{Monitor: "val_loss", Factor: 0.5, Patience: 3, Verbose: min(verbose, 1)}
		cfg := models.FitConfig{Epochs: epochs, BatchSize: batch, ValidationSplit: 0.2, Verbose: v,
			Callbacks: []callbacks.Callback{plateau}}
		name := "without class weights"
		if weighted {
			cfg.ClassWeight = classWeight
			name = "with class weights"
		}
		if _, err := model.Fit(xTrain, yTrain, cfg); err != nil {
			return err
		}
		logs, err := model.Evaluate(xTest, yTest, models.EvaluateConfig{Verbose: models.Silent})
		if err != nil {
			return err
		}
		fmt.Printf("%-22s test loss %.4f - auc %.4f - prc %.4f - precision %.4f - recall %.4f - final learning rate %.6g\n",
			name+":", logs["loss"], logs["auc"], logs["prc"], logs["precision"], logs["recall"], model.LearningRate())
	}
	return nil
}

func sum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}
