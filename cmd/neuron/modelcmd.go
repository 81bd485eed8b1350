package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/models"
)

// This file holds the commands that use a saved model: evaluate and
// predict.

// dataFlags are the flags evaluate and predict share: the data set, its
// scaling, and which of its two sets to use.
type dataFlags struct {
	data        string
	scale       bool
	train, test bool
}

// add defines the shared flags on fs.
func (o *dataFlags) add(fs *flag.FlagSet, testDefault string) {
	fs.StringVar(&o.data, "data", "", "`NAME` of the data set the model was trained on: mnist or fashion (required)")
	fs.BoolVar(&o.scale, "scale", false, "divide the pixel values by 255, as the model was trained (default false for mnist\nand true for fashion, as neuron train does; -scale=false turns it off)")
	fs.BoolVar(&o.train, "train", false, "use the training set (X_train, y_train)")
	fs.BoolVar(&o.test, "test", false, "use the test set (X_test, y_test)"+testDefault)
}

// check validates the shared flags and returns the data set, whether to
// scale and whether to use the test set. example is the command line
// shown when -data is missing.
func (o *dataFlags) check(fs *flag.FlagSet, example string) (d *dataset, scale, test bool, err error) {
	if o.data == "" {
		return nil, false, false, usagef("missing -data mnist|fashion (e.g. %s)", example)
	}
	d, ok := datasetByName(o.data)
	if !ok {
		hint := ""
		if o.data == "cnn" {
			hint = "; the cnn program trains on fashion"
		}
		return nil, false, false, usagef("unknown data set %q for -data (want mnist or fashion%s)", o.data, hint)
	}
	if o.train && o.test {
		return nil, false, false, usagef("-train and -test cannot be used together")
	}
	scale = d.named // as neuron train: off for mnist, on for fashion and cnn
	if setFlags(fs)["scale"] {
		scale = o.scale
	}
	return d, scale, !o.train, nil
}

// loadReason is Load's message without its "saving: load PATH: " prefix,
// which loadModel's messages already say.
func loadReason(err error, path string) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "saving: load "+path+": ")
	msg = strings.TrimPrefix(msg, "kerasfile: load "+path+": ")
	msg = strings.TrimPrefix(msg, "invalid file: ")
	msg = strings.TrimPrefix(msg, "kerasfile: invalid file: ")
	return msg
}

// checkFits checks that the model m, loaded from path, takes the images
// of d (as many values as a 28×28 image, in any shape) and has one output
// per class.
func checkFits(m savedModel, path string, d *dataset) error {
	in := m.InputShape()
	size := 1
	for _, n := range in {
		size *= n
	}
	if len(in) == 0 || size != d.rows*d.cols {
		return fmt.Errorf("model %s takes inputs of shape %s, not %s's %d×%d images", path, shapeString(in), d.name, d.rows, d.cols)
	}
	if out := m.OutputShape(); len(out) != 1 || out[0] != len(d.classes) {
		return fmt.Errorf("model %s has outputs of shape %s, not one per class of %s's %d", path, shapeString(out), d.name, len(d.classes))
	}
	return nil
}

// modelInput returns the images of a (n×28×28) as the model m takes them:
// reshaped to (n, input shape...), as the course reshapes X_train to
// (60000, 28, 28, 1) for its CNN, and divided by 255 if scale is set.
func modelInput(m savedModel, a datasets.Uint8Array, scale bool) models.Array {
	a = a.Reshape(append([]int{a.Len()}, m.InputShape()...)...)
	if scale {
		return a.DivScalar(255)
	}
	return a
}

// shapeString formats a shape as Python does a tuple: (28, 28, 1), (784,).
func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, n := range s {
		parts[i] = strconv.Itoa(n)
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// evaluateOptions are evaluate's flags.
type evaluateOptions struct {
	dataFlags
	batchSize, verbose, limit int
	summary                   bool
}

const evaluateUsage = `Usage: neuron evaluate MODEL -data mnist|fashion [-train|-test] [-scale] [-limit N]

Loads a model saved by "neuron train" (out/PROGRAM/model.safetensors, or
the file of -save) and evaluates it on the test set of the data set it was
trained on, as Keras's model.evaluate(X_test, y_test) does: it prints the
progress of evaluation and, on its last line, the test loss and accuracy:

	test loss: 0.3162 - test accuracy: 0.8942

The images are reshaped to the model's input shape (to (28, 28, 1) for the
cnn program's model) and, by default, scaled as neuron train scales them:
divided by 255 for fashion, left as 0..255 for mnist. A model trained with
another -scale must be evaluated with the same one.

Examples:

	neuron evaluate out/mnist/model.safetensors -data mnist
	neuron evaluate out/cnn/model.safetensors -data fashion -limit 1000
`

// evaluateFlags returns evaluate's flag set and the options it fills.
func evaluateFlags() (*flag.FlagSet, *evaluateOptions) {
	o := &evaluateOptions{}
	fs := newFlagSet("evaluate", evaluateUsage)
	o.dataFlags.add(fs, " (the default)")
	fs.IntVar(&o.batchSize, "batch-size", 32, "examples per evaluation step")
	fs.IntVar(&o.verbose, "verbose", 1, "0 silent, 1 a progress bar, 2 one line (Keras's verbose)")
	fs.IntVar(&o.limit, "limit", 0, "use only the first `N` examples (0: all)")
	fs.BoolVar(&o.summary, "summary", false, "print the model's summary first")
	return fs, o
}

// runEvaluate is "neuron evaluate MODEL": it prints the loss and metrics
// of a saved model on a data set.
func runEvaluate(args []string, s streams) error {
	fs, o := evaluateFlags()
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return usagef("missing MODEL (e.g. neuron evaluate out/mnist/model.safetensors -data mnist)")
	case len(pos) > 1:
		return usagef("unexpected argument %q after MODEL %s", pos[1], pos[0])
	}
	path := pos[0]
	d, scale, test, err := o.check(fs, "neuron evaluate "+path+" -data mnist")
	if err != nil {
		return err
	}
	if o.batchSize <= 0 {
		return usagef("-batch-size must be positive, got %d", o.batchSize)
	}
	verbose, err := models.VerbosityFromKeras(o.verbose)
	if err != nil {
		return usagef("-verbose must be 0, 1 or 2, got %d", o.verbose)
	}
	if o.limit < 0 {
		return usagef("-limit must be 0 (all) or positive, got %d", o.limit)
	}

	m, err := loadModel(path)
	if err != nil {
		return err
	}
	if err := checkFits(m, path, d); err != nil {
		return err
	}
	m.setOut(s.stdout)
	if o.summary {
		m.Summary()
	}
	var progress io.Writer
	if verbose != models.Silent {
		progress = s.stderr
	}
	data, err := loadData(d, progress)
	if err != nil {
		return err
	}
	set, xAll, yAll := "test", data.xTest, data.yTest
	if !test {
		set, xAll, yAll = "train", data.xTrain, data.yTrain
	}
	xU8, yU8 := firstN(xAll, o.limit), firstN(yAll, o.limit)
	fmt.Fprintf(s.stdout, "X_%s: %s y_%s: %s\n", set, xU8.Describe(), set, yU8.Describe())
	if xU8.Len() < xAll.Len() {
		name := map[string]string{"train": "training", "test": "test"}[set]
		fmt.Fprintf(s.stdout, "using the first %d of %d %s examples (-limit %d)\n", xU8.Len(), xAll.Len(), name, o.limit)
	}
	x := modelInput(m, xU8, scale)
	if m.Optimizer() == nil {
		// Saved without its compile settings: compile it as neuron train
		// does, for the loss and accuracy.
		if err := m.compileCourse(); err != nil {
			return err
		}
	}
	scores, err := m.Evaluate(x, yU8, models.EvaluateConfig{BatchSize: o.batchSize, Verbose: verbose})
	if err != nil {
		return err
	}
	fmt.Fprintln(s.stdout, scoreLine(set, scores))
	return nil
}

// scoreLine formats Evaluate's scores as train's last line: "test loss:
// 0.3162 - test accuracy: 0.8942", the loss first and the other metrics
// in the order of their names.
func scoreLine(set string, scores map[string]float64) string {
	keys := make([]string, 0, len(scores))
	for k := range scores {
		if k != "loss" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if _, ok := scores["loss"]; ok {
		keys = append([]string{"loss"}, keys...)
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %s: %.4f", set, k, scores[k])
	}
	return strings.Join(parts, " - ")
}

// predictOptions are predict's flags.
type predictOptions struct {
	dataFlags
}

const predictUsage = `Usage: neuron predict MODEL -data mnist|fashion INDEX... [-test|-train] [-scale]

Loads a model saved by "neuron train" and predicts image INDEX of the test
set (X_test[INDEX]; -train takes X_train[INDEX]), as the course's
pred = model.predict(X_test) and np.argmax(pred[1]) check. For each INDEX it
prints the predicted probabilities, the most probable class (with its name
for Fashion-MNIST) and the true label:

	pred[1]: [0.0000 0.0000 0.9999 0.0000 0.0000 0.0000 0.0001 0.0000 0.0000 0.0000]
	argmax(pred[1]): 2 - Pullover
	y_test[1]: 2 - Pullover

The images are reshaped and scaled as for "neuron evaluate". INDEX is in
[0, 10000) for the test set and [0, 60000) for the training set; "neuron
show fashion INDEX -test" draws the image.

Examples:

	neuron predict out/fashion/model.safetensors -data fashion 1
	neuron predict out/mnist/model.safetensors -data mnist 0 1 2 -train
`

// predictFlags returns predict's flag set and the options it fills.
func predictFlags() (*flag.FlagSet, *predictOptions) {
	o := &predictOptions{}
	fs := newFlagSet("predict", predictUsage)
	o.dataFlags.add(fs, " (the default)")
	return fs, o
}

// runPredict is "neuron predict MODEL INDEX...": it prints a saved
// model's prediction for images of a data set and their true labels.
func runPredict(args []string, s streams) error {
	fs, o := predictFlags()
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("missing MODEL and INDEX (e.g. neuron predict out/mnist/model.safetensors -data mnist 0)")
	}
	path := pos[0]
	d, scale, test, err := o.check(fs, "neuron predict "+path+" -data mnist 0")
	if err != nil {
		return err
	}
	if len(pos) == 1 {
		return usagef("missing INDEX (e.g. neuron predict %s -data %s 0)", path, o.data)
	}
	n, set := d.testN, "test"
	if !test {
		n, set = d.trainN, "train"
	}
	var indexes []int
	for _, a := range pos[1:] {
		i, err := strconv.Atoi(a)
		if err != nil {
			return usagef("INDEX must be an integer, got %q", a)
		}
		if i < 0 || i >= n {
			return usagef("INDEX must be in [0, %d), got %d", n, i)
		}
		indexes = append(indexes, i)
	}

	m, err := loadModel(path)
	if err != nil {
		return err
	}
	if err := checkFits(m, path, d); err != nil {
		return err
	}
	data, err := loadData(d, nil)
	if err != nil {
		return err
	}
	xAll, yAll := data.xTest, data.yTest
	if !test {
		xAll, yAll = data.xTrain, data.yTrain
	}
	for _, i := range indexes {
		if i >= xAll.Len() { // only if the files disagree with the known sizes
			return usagef("INDEX must be in [0, %d), got %d", xAll.Len(), i)
		}
	}
	// The chosen images, in one batch.
	per := d.rows * d.cols
	rows := datasets.Uint8Array{Shape: []int{len(indexes), d.rows, d.cols}, Data: make([]uint8, 0, len(indexes)*per)}
	for _, i := range indexes {
		rows.Data = append(rows.Data, xAll.Row(i).Data...)
	}
	x := modelInput(m, rows, scale)
	pred, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		return err
	}
	labels := pred.ArgMax()
	for k, i := range indexes {
		if k > 0 {
			fmt.Fprintln(s.stdout)
		}
		fmt.Fprintf(s.stdout, "pred[%d]: %.4f\n", i, pred.Row(k).Data())
		fmt.Fprintf(s.stdout, "argmax(pred[%d]): %s\n", i, d.label(uint8(labels[k])))
		fmt.Fprintf(s.stdout, "y_%s[%d]: %s\n", set, i, d.label(yAll.Data[i]))
	}
	return nil
}
