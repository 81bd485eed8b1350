// Command sunspots_gru forecasts a real time series with a recurrent
// network: the yearly mean sunspot number from 1700 to 2008, predicting
// each year from the twelve before it with a GRU, as a Keras time-series
// tutorial would:
//
//	model = Sequential([Input((12, 1)), GRU(32), Dense(1)])
//	model.compile(optimizer='adam', loss='mse', metrics=['mae'])
//	model.fit(x_train, y_train, epochs=100, batch_size=16, validation_data=(x_test, y_test))
//
// The years up to 1950 are for training, the years 1951 to 2008 (58
// forecasts, each from the true previous twelve years) for testing. The
// series is standardized with the training years' mean and standard
// deviation. The program prints the test mean absolute error in sunspot
// numbers next to two baselines: this year's number is last year's
// ("persistence"), and the number of eleven years before (one solar
// cycle).
//
// Usage:
//
//	go run ./examples/sunspots_gru [-epochs 100] [-batch-size 16] [-units 32] [-window 12] [-seed 0] [-verbose 2]
//
// The data, sunspots.csv, is statsmodels's sunspots data set (public
// domain; the yearly Wolfer sunspot numbers from the Solar Influences Data
// Analysis Center), as Debian's python3-statsmodels 0.13.5+dfsg-7 ships it
// in statsmodels/datasets/sunspots/sunspots.csv.
package main

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

//go:embed sunspots.csv
var sunspotsCSV []byte

// lastTrainYear is the last year whose number is a training target.
const lastTrainYear = 1950

func main() {
	fs := flag.NewFlagSet("sunspots_gru", flag.ExitOnError)
	epochs := fs.Int("epochs", 100, "number of passes over the training windows")
	batch := fs.Int("batch-size", 16, "windows per training step")
	units := fs.Int("units", 32, "GRU units")
	window := fs.Int("window", 12, "years a forecast looks back")
	seed := fs.Uint64("seed", 0, "seed for the initial weights and shuffling")
	verbose := fs.Int("verbose", 2, "0 silent, 1 progress bar, 2 one line per epoch (Keras's verbose)")
	_ = fs.Parse(os.Args[1:])
	if err := run(*epochs, *batch, *units, *window, *seed, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "sunspots_gru:", err)
		os.Exit(1)
	}
}

// series reads the embedded CSV: years and sunspot numbers.
func series() (years []int, values []float64, err error) {
	rows, err := csv.NewReader(bytes.NewReader(sunspotsCSV)).ReadAll()
	if err != nil {
		return nil, nil, err
	}
	for i, r := range rows[1:] {
		y, err1 := strconv.ParseFloat(r[0], 64)
		v, err2 := strconv.ParseFloat(r[1], 64)
		if len(r) != 2 || err1 != nil || err2 != nil {
			return nil, nil, fmt.Errorf("sunspots.csv: row %d: %q", i+2, r)
		}
		years, values = append(years, int(y)), append(values, v)
	}
	return years, values, nil
}

// windows makes the examples whose targets are values[from:to]: each the
// window values before it, standardized.
func windows(values []float64, from, to, window int, mean, std float64) (x, y *tensor.Tensor) {
	n := to - from
	x, y = tensor.Zeros(n, window, 1), tensor.Zeros(n, 1)
	for i := range n {
		t := from + i
		for j := range window {
			x.Data()[i*window+j] = float32((values[t-window+j] - mean) / std)
		}
		y.Data()[i] = float32((values[t] - mean) / std)
	}
	return x, y
}

func run(epochs, batch, units, window int, seed uint64, verbose int) error {
	if epochs <= 0 || batch <= 0 || units <= 0 || window <= 0 {
		return fmt.Errorf("-epochs, -batch-size, -units and -window must be positive, got %d, %d, %d, %d", epochs, batch, units, window)
	}
	v, err := models.VerbosityFromKeras(verbose)
	if err != nil {
		return fmt.Errorf("-verbose: %w", err)
	}
	years, values, err := series()
	if err != nil {
		return err
	}
	split := 0 // index of the first test year
	for split < len(years) && years[split] <= lastTrainYear {
		split++
	}
	if window >= split {
		return fmt.Errorf("-window must be below %d, the number of training years, got %d", split, window)
	}
	// Standardize with the training years only.
	var mean, sq float64
	for _, v := range values[:split] {
		mean += v
	}
	mean /= float64(split)
	for _, v := range values[:split] {
		sq += (v - mean) * (v - mean)
	}
	std := math.Sqrt(sq / float64(split))
	fmt.Printf("sunspots %d-%d: %d years; training targets %d-%d, test %d-%d; mean %.1f, std %.1f\n",
		years[0], years[len(years)-1], len(years), years[window], lastTrainYear, years[split], years[len(years)-1], mean, std)
	xTrain, yTrain := windows(values, window, split, window, mean, std)
	xTest, yTest := windows(values, split, len(values), window, mean, std)

	model := models.NewSequential(
		&layers.Input{Shape: []int{window, 1}},
		&layers.GRU{Units: units},
		&layers.Dense{Units: 1},
	)
	model.SetSeed(seed)
	model.Summary()
	err = model.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.MeanSquaredError{},
		Metrics: []metrics.Metric{metrics.NewMeanAbsoluteError()}})
	if err != nil {
		return err
	}
	_, err = model.Fit(xTrain, yTrain, models.FitConfig{Epochs: epochs, BatchSize: batch, Verbose: v,
		ValidationData: &models.Data{X: xTest, Y: yTest}})
	if err != nil {
		return err
	}
	pred, err := model.Predict(xTest, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		return err
	}
	var mae, persist, cycle float64
	for i, p := range pred.Data() {
		t := split + i
		mae += math.Abs(float64(p)*std + mean - values[t])
		persist += math.Abs(values[t-1] - values[t])
		cycle += math.Abs(values[t-11] - values[t])
	}
	n := float64(len(values) - split)
	fmt.Printf("%d: predicted %.1f, true %.1f\n", years[split], float64(pred.Data()[0])*std+mean, values[split])
	fmt.Printf("test MAE (sunspot number): GRU %.2f - last year's %.2f - eleven years before %.2f\n", mae/n, persist/n, cycle/n)
	return nil
}
