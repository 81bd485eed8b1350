// Package course holds what the course's example programs share: their
// command-line flags and the way they report results.
package course

import (
	"flag"
	"fmt"
	"os"

	"github.com/neuron-go/neuron/models"
)

// Options are the flags every course program takes.
type Options struct {
	Epochs          int
	BatchSize       int
	Seed            uint64
	Scale           bool
	Verbose         models.Verbosity
	ValidationSplit float64
}

// ParseFlags parses the command line with the program's defaults and exits
// with a one-line message on a bad value.
func ParseFlags(name string, epochs int, scale, validation bool) Options {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	var o Options
	fs.IntVar(&o.Epochs, "epochs", epochs, "number of passes over the training data")
	fs.IntVar(&o.BatchSize, "batch-size", 32, "examples per training step")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed for the initial weights, shuffling and dropout")
	fs.BoolVar(&o.Scale, "scale", scale, "divide pixel values by 255")
	verbose := fs.Int("verbose", 1, "0 silent, 1 progress bar, 2 one line per epoch (Keras's verbose)")
	if validation {
		fs.Float64Var(&o.ValidationSplit, "validation-split", 0,
			"hold out this fraction of the training data for validation (0: validate on the test set)")
	}
	_ = fs.Parse(os.Args[1:])
	v, err := models.VerbosityFromKeras(*verbose)
	if err != nil {
		Fail(name, fmt.Errorf("-verbose: %w", err))
	}
	o.Verbose = v
	switch {
	case o.Epochs <= 0:
		Fail(name, fmt.Errorf("-epochs must be positive, got %d", o.Epochs))
	case o.BatchSize <= 0:
		Fail(name, fmt.Errorf("-batch-size must be positive, got %d", o.BatchSize))
	case o.ValidationSplit < 0 || o.ValidationSplit >= 1:
		Fail(name, fmt.Errorf("-validation-split must be in [0, 1), got %v", o.ValidationSplit))
	}
	return o
}

// Fail prints err on one line and exits with status 1.
func Fail(name string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	os.Exit(1)
}

// ReportTest prints the program's last line, the test loss and accuracy.
func ReportTest(scores map[string]float64) {
	fmt.Printf("test loss: %.4f - test accuracy: %.4f\n", scores["loss"], scores["accuracy"])
}
