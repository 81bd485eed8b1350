package course

// What the example programs share: their command-line flags and the way
// they report results.

import (
	"flag"
	"fmt"
	"os"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
)

// Options are the flags every course program takes.
type Options struct {
	Epochs          int
	BatchSize       int
	Seed            uint64
	Scale           bool
	Verbose         models.Verbosity
	ValidationSplit float64

	// Save is the file the trained model is saved to (-save).
	Save string
	// Load is a saved model to evaluate instead of training one (-load).
	Load string
	// Backup is the directory of the training backups (-backup): an
	// interrupted run started again with the same flags resumes where it
	// stopped and ends with the same weights.
	Backup string
	// BackupEvery is the number of steps between backups (-backup-every),
	// besides the one at the end of each epoch.
	BackupEvery int
	// Limit, if positive, keeps the first Limit training and test
	// examples (-limit), for quick trials.
	Limit int
}

// ParseFlags parses the command line with the program's defaults and exits
// with a one-line message on a bad value. Each extra function adds a
// program's own flags to the set before it is parsed.
func ParseFlags(name string, epochs int, scale, validation bool, extra ...func(*flag.FlagSet)) Options {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	var o Options
	for _, f := range extra {
		f(fs)
	}
	fs.IntVar(&o.Epochs, "epochs", epochs, "number of passes over the training data")
	fs.IntVar(&o.BatchSize, "batch-size", 32, "examples per training step")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed for the initial weights, shuffling and dropout")
	fs.BoolVar(&o.Scale, "scale", scale, "divide pixel values by 255")
	verbose := fs.Int("verbose", 1, "0 silent, 1 progress bar, 2 one line per epoch (Keras's verbose)")
	if validation {
		fs.Float64Var(&o.ValidationSplit, "validation-split", 0,
			"hold out this fraction of the training data for validation (0: validate on the test set)")
	}
	fs.StringVar(&o.Save, "save", "", "save the trained model to this file")
	fs.StringVar(&o.Load, "load", "", "evaluate the model saved in this file instead of training one")
	fs.StringVar(&o.Backup, "backup", "", "back training up in this directory; run again to resume after an interruption")
	fs.IntVar(&o.BackupEvery, "backup-every", 100, "with -backup, steps between backups (besides one per epoch; 0: per epoch only)")
	fs.IntVar(&o.Limit, "limit", 0, "use only the first N training and test examples (0: all)")
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
	case o.BackupEvery < 0:
		Fail(name, fmt.Errorf("-backup-every must be >= 0, got %d", o.BackupEvery))
	case o.Limit < 0:
		Fail(name, fmt.Errorf("-limit must be >= 0, got %d", o.Limit))
	case o.Load != "" && (o.Save != "" || o.Backup != ""):
		Fail(name, fmt.Errorf("-load evaluates a saved model; it does not go with -save or -backup"))
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

// Rows returns a, or its first Limit rows with -limit.
func (o Options) Rows(a datasets.Uint8Array) datasets.Uint8Array {
	if o.Limit > 0 && o.Limit < a.Len() {
		return a.Slice(0, o.Limit)
	}
	return a
}

// Callbacks returns the callbacks the flags ask for: a BackupAndRestore
// with -backup.
func (o Options) Callbacks() []callbacks.Callback {
	if o.Backup == "" {
		return nil
	}
	return []callbacks.Callback{&saving.BackupAndRestore{Dir: o.Backup, SaveEvery: o.BackupEvery, Log: os.Stderr}}
}

// SaveModel saves the trained model (a *models.Sequential or a
// *models.Model) with -save.
func (o Options) SaveModel(m saving.Model) error {
	if o.Save == "" {
		return nil
	}
	if err := saving.Save(m, o.Save); err != nil {
		return err
	}
	fmt.Println("saved the model to", o.Save)
	return nil
}

// LoadModel loads the model of -load. A model saved without its compile
// settings is compiled as the course programs compile theirs, so that it
// can be evaluated.
func (o Options) LoadModel() (*models.Sequential, error) {
	m, err := saving.Load(o.Load)
	if err != nil {
		return nil, err
	}
	if m.Optimizer() == nil {
		err := m.Compile(models.CompileConfig{
			Optimizer: optimizers.NewAdam(),
			Loss:      losses.SparseCategoricalCrossentropy{},
			Metrics:   []metrics.Metric{metrics.NewAccuracy()},
		})
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

// LoadFunctional loads the functional model of -load. A model saved
// without its compile settings is compiled with compile, so that it can be
// evaluated.
func (o Options) LoadFunctional(compile func(*models.Model) error) (*models.Model, error) {
	m, err := saving.LoadModel(o.Load)
	if err != nil {
		return nil, err
	}
	if m.Optimizer() == nil {
		if err := compile(m); err != nil {
			return nil, err
		}
	}
	return m, nil
}
