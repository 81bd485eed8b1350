package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/dashboard"
	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
)

// program is one of the course's three programs.
type program struct {
	name  string
	data  *dataset
	model func() *models.Sequential
	// The course's settings: epochs, whether pixels are divided by 255,
	// whether the test set validates each epoch, and whether images get
	// a channel axis for Conv2D.
	epochs    int
	scale     bool
	valOnTest bool
	channels  bool
}

var programs = []program{
	{name: "mnist", data: mnistData, model: course.MNISTDNN, epochs: 5},
	{name: "fashion", data: fashionData, model: course.FashionDNN, epochs: 10, scale: true, valOnTest: true},
	{name: "cnn", data: fashionData, model: course.FashionCNN, epochs: 10, scale: true, valOnTest: true, channels: true},
}

// trainOptions are train's flags.
type trainOptions struct {
	epochs, batchSize, verbose, limit int
	validationSplit                   float64
	seed                              uint64
	scale                             bool
	out                               string
	// save is the model file (-save), backup the backup directory
	// (-backup) and backupEvery the steps between backups.
	save, backup string
	backupEvery  int
	// dashboard is the address of the live dashboard (-dashboard).
	dashboard string
	// tensorboard is the directory of TensorBoard logs (-tensorboard).
	tensorboard string
}

const trainUsage = `Usage: neuron train mnist|fashion|cnn [flags]

Trains one of the course's programs, prints the model's summary, the
progress of each epoch and the test loss and accuracy, and saves what it
learnt in the output directory.

Programs:

	mnist    MNIST digits, raw pixels 0..255 as in the course, Flatten →
	         Dense(256, relu) → Dense(10, softmax), 5 epochs
	fashion  Fashion-MNIST / 255, Flatten → Dense(128, relu) → Dropout(0.2)
	         → Dense(10, softmax), 10 epochs validated on the test set
	cnn      Fashion-MNIST / 255 reshaped to (28, 28, 1), three Conv2D +
	         MaxPooling2D stages → Dense(64, relu) → Dense(10, softmax),
	         10 epochs validated on the test set

Files written to the output directory (each replaced atomically):

	history.json          history.history, the epoch list and history.params
	history.csv           the history as Keras's CSVLogger writes it
	accuracy.png          accuracy per epoch (training blue, validation orange)
	loss.png              loss per epoch
	loss_accuracy.png     both side by side
	metrics.json          test loss and accuracy, settings, seconds per epoch
	confusion_matrix.png  true against predicted classes of the test set
	predictions.png       the first 16 test images, true and predicted labels
	mistakes.png          the first 16 test images predicted wrongly
	model.safetensors     the trained model (-save names another file),
	                      for "neuron evaluate" and "neuron predict"

Resuming: with -backup DIR, training is backed up in DIR at the end of
every epoch and every -backup-every steps. If the run is killed or
interrupted, run the same command again: it resumes from the last backup
and ends with the same weights, bit for bit, as a run never interrupted.
The backups are deleted when training completes. A backup made with other
settings (data, -limit, -seed, -batch-size, -validation-split, program) is
refused; delete DIR to start afresh.

Dashboard: with -dashboard ADDR, the training shows live in the browser at
http://ADDR/: the loss and metrics per batch and per epoch, the learning
rate, the ETA, the model's summary, then the confusion matrix and sample
predictions of the test set. The page stays up after training until
Ctrl-C.

The first Ctrl-C stops after the current epoch and still writes the files
(and, with -backup, keeps the backup to resume from); a second one quits
at once.
`

// trainFlags returns train's flag set and the options it fills.
func trainFlags() (*flag.FlagSet, *trainOptions) {
	o := &trainOptions{}
	fs := newFlagSet("train", trainUsage)
	fs.IntVar(&o.epochs, "epochs", 0, "number of passes over the training data (default 5 for mnist, 10 for fashion and cnn)")
	fs.IntVar(&o.batchSize, "batch-size", 32, "examples per training step")
	fs.Float64Var(&o.validationSplit, "validation-split", 0,
		"hold out this fraction of the training data (taken from its end) to validate each epoch;\n"+
			"0 validates fashion and cnn on the test set, as the course does, and mnist not at all")
	fs.Uint64Var(&o.seed, "seed", 0, "seed for the initial weights, the shuffling and Dropout")
	fs.BoolVar(&o.scale, "scale", false, "divide the pixel values by 255 (default false for mnist, as the course, and true\nfor fashion and cnn; -scale=false turns it off)")
	fs.IntVar(&o.verbose, "verbose", 1, "0 silent, 1 a progress bar, 2 one line per epoch (Keras's verbose)")
	fs.StringVar(&o.out, "out", "", "write the files to directory `DIR` (default out/PROGRAM)")
	fs.IntVar(&o.limit, "limit", 0, "for quick trials: use only the first `N` training and N test examples (0: all)")
	fs.StringVar(&o.save, "save", "", "write the trained model to `FILE` (default DIR/model.safetensors, DIR being -out)")
	fs.StringVar(&o.backup, "backup", "", "back training up in directory `DIR`; if the run is killed or interrupted,\nthe same command run again resumes it exactly")
	fs.IntVar(&o.backupEvery, "backup-every", 100, "with -backup, also back up every `N` training steps (0: at the end of each epoch only)")
	fs.StringVar(&o.tensorboard, "tensorboard", "", "write TensorBoard logs to `DIR` as Keras's TensorBoard(log_dir=DIR, histogram_freq=1)\ndoes (DIR/train, DIR/validation), with the test set's predictions as images")
	fs.StringVar(&o.dashboard, "dashboard", "", "show the training live in the browser at `ADDR` (host:port, e.g. :8050; an empty host\nmeans 127.0.0.1); the page stays up after training until Ctrl-C")
	return fs, o
}

// programNames lists the programs for error messages.
func programNames() string { return "mnist, fashion or cnn" }

// runTrain is "neuron train PROGRAM": it trains, evaluates and predicts
// as the course does and saves the results.
func runTrain(args []string, s streams) error {
	fs, o := trainFlags()
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return usagef("missing PROGRAM (want %s)", programNames())
	case len(pos) > 1:
		return usagef("unexpected argument %q after PROGRAM %s", pos[1], pos[0])
	}
	var p program
	for _, q := range programs {
		if q.name == pos[0] {
			p = q
		}
	}
	if p.name == "" {
		return usagef("unknown program %q (want %s)", pos[0], programNames())
	}
	set := setFlags(fs)
	epochs := p.epochs
	if set["epochs"] {
		if o.epochs <= 0 {
			return usagef("-epochs must be positive, got %d", o.epochs)
		}
		epochs = o.epochs
	}
	if o.batchSize <= 0 {
		return usagef("-batch-size must be positive, got %d", o.batchSize)
	}
	if math.IsNaN(o.validationSplit) || o.validationSplit < 0 || o.validationSplit >= 1 {
		return usagef("-validation-split must be in [0, 1), got %v", o.validationSplit)
	}
	verbose, err := models.VerbosityFromKeras(o.verbose)
	if err != nil {
		return usagef("-verbose must be 0, 1 or 2, got %d", o.verbose)
	}
	if o.limit < 0 {
		return usagef("-limit must be 0 (all) or positive, got %d", o.limit)
	}
	switch {
	case set["save"] && o.save == "":
		return usagef("-save must not be empty")
	case set["backup"] && o.backup == "":
		return usagef("-backup must not be empty")
	case o.backupEvery < 0:
		return usagef("-backup-every must be 0 (each epoch only) or positive, got %d", o.backupEvery)
	case set["backup-every"] && o.backup == "":
		return usagef("-backup-every needs -backup DIR")
	}
	scale := p.scale
	if set["scale"] {
		scale = o.scale
	}
	out := o.out
	if set["out"] && out == "" {
		return usagef("-out must not be empty")
	}
	if out == "" {
		out = filepath.Join("out", p.name)
	}
	if err := prepareDir("-out", out); err != nil {
		return err
	}
	save := o.save
	if save == "" {
		save = filepath.Join(out, "model.safetensors")
	}
	if err := checkWritable("-save", save); err != nil {
		return err
	}
	if o.backup != "" {
		if err := prepareDir("-backup", o.backup); err != nil {
			return err
		}
	}

	if set["tensorboard"] && o.tensorboard == "" {
		return usagef("-tensorboard must not be empty")
	}
	if o.tensorboard != "" {
		if err := prepareDir("-tensorboard", o.tensorboard); err != nil {
			return err
		}
	}
	if set["dashboard"] && o.dashboard == "" {
		return usagef("-dashboard must not be empty")
	}
	var dash *dashboard.Server
	if o.dashboard != "" {
		if dash, err = startDashboard("-dashboard", o.dashboard, s.stderr); err != nil {
			return err
		}
		defer dash.Close()
	}

	var progress io.Writer
	if verbose != models.Silent {
		progress = s.stderr
	}
	d, err := loadData(p.data, progress)
	if err != nil {
		return err
	}
	xTrainU8, yTrainU8 := firstN(d.xTrain, o.limit), firstN(d.yTrain, o.limit)
	xTestU8, yTestU8 := firstN(d.xTest, o.limit), firstN(d.yTest, o.limit)
	fmt.Fprintln(s.stdout, "X_train:", xTrainU8.Describe(), "y_train:", yTrainU8.Describe(),
		"X_test:", xTestU8.Describe(), "y_test:", yTestU8.Describe())
	if o.limit > 0 && o.limit < d.xTrain.Len() {
		fmt.Fprintf(s.stdout, "using the first %d of %d training and %d of %d test examples (-limit %d)\n",
			xTrainU8.Len(), d.xTrain.Len(), xTestU8.Len(), d.xTest.Len(), o.limit)
	}
	// The model takes the uint8 arrays and converts each batch to float32
	// as it assembles it, as Keras's fit does with NumPy's arrays.
	xTrainIn, xTestIn := xTrainU8, xTestU8
	if p.channels { // X_train.reshape((60000, 28, 28, 1))
		xTrainIn = xTrainIn.Reshape(append(xTrainIn.Shape, 1)...)
		xTestIn = xTestIn.Reshape(append(xTestIn.Shape, 1)...)
	}
	var x, xt models.Array = xTrainIn, xTestIn
	if scale { // X_train / 255.0, a batch at a time
		x, xt = xTrainIn.DivScalar(255), xTestIn.DivScalar(255)
	}
	y, yt := yTrainU8, yTestU8

	m := p.model()
	m.Out = s.stdout
	m.SetSeed(o.seed)
	if err := course.Compile(m); err != nil {
		return err
	}
	m.Summary()

	fit := models.FitConfig{Epochs: epochs, BatchSize: o.batchSize, Verbose: verbose}
	switch {
	case o.validationSplit > 0:
		fit.ValidationSplit = o.validationSplit
	case p.valOnTest:
		fit.ValidationData = &models.Data{X: xt, Y: yt}
	}
	timer := &epochTimer{}
	fit.Callbacks = []callbacks.Callback{timer}
	if o.backup != "" {
		fit.Callbacks = append(fit.Callbacks, &backupCallback{
			BackupAndRestore: &saving.BackupAndRestore{
				Dir: o.backup, SaveEvery: o.backupEvery,
				Log: &prefixWriter{w: s.stderr, trim: "BackupAndRestore: ", prefix: "neuron train: "},
			},
			timer: timer, epochs: epochs,
		})
	}
	if o.tensorboard != "" {
		fit.Callbacks = append(fit.Callbacks, &callbacks.TensorBoard{LogDir: o.tensorboard, HistogramFreq: 1})
	}
	var dashRun *dashboard.Run
	if dash != nil {
		dashRun = dash.NewRun(p.name)
		fit.Callbacks = append(fit.Callbacks, dashRun)
	}
	stopSignals := timer.stopOnInterrupt(s.stderr)
	h, err := m.Fit(x, y, fit)
	stopSignals()
	if err != nil {
		return backupError(err)
	}
	if err := saving.Save(m, save); err != nil {
		return writeError("-save", save, err)
	}
	fmt.Fprintln(s.stdout, "saved the model to", save)

	scores, err := m.Evaluate(xt, yt, models.EvaluateConfig{Verbose: verbose})
	if err != nil {
		return err
	}
	pred, err := m.Predict(xt, models.PredictConfig{Verbose: verbose})
	if err != nil {
		return err
	}
	predLabels := pred.ArgMax()
	if dashRun != nil {
		if err := dashboardResults(dashRun, xTestU8, yTestU8, pred, predLabels, p.data.classes); err != nil {
			return err
		}
	}
	if n := yTestU8.Len(); n > 0 {
		i := min(1, n-1) // the course looks at pred[1]
		fmt.Fprintf(s.stdout, "pred[%d]: %.4f\n", i, pred.Row(i).Data())
		if p.data.named {
			fmt.Fprintf(s.stdout, "predicted: %s - true: %s\n", p.data.classes[predLabels[i]], p.data.classes[yTestU8.Data[i]])
		} else {
			fmt.Fprintf(s.stdout, "argmax(pred[%d]): %d - y_test[%d]: %d\n", i, predLabels[i], i, yTestU8.Data[i])
		}
	}

	// Epochs restored from a backup were timed by an earlier process.
	seconds := timer.seconds
	if n := len(h.Epoch) - len(seconds); n > 0 {
		seconds = append(slices.Repeat([]float64{math.NaN()}, n), seconds...)
	}
	r := &trainRun{
		program: p, dir: out, history: h, scores: scores, epochs: epochs,
		opts: o, scale: scale, seconds: seconds,
		xTest: xTestU8, yTest: yTestU8, pred: predLabels,
		trainN: xTrainU8.Len(),
	}
	switch {
	case o.validationSplit > 0:
		r.validation = fmt.Sprintf("last %g of the training data", o.validationSplit)
	case p.valOnTest:
		r.validation = "test set"
	default:
		r.validation = "none"
	}
	written, err := r.write()
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "wrote %s: %s\n", out, strings.Join(written, ", "))
	if o.tensorboard != "" && len(h.Epoch) > 0 {
		if err := writeTensorBoardImages(o.tensorboard, out, int64(h.Epoch[len(h.Epoch)-1])); err != nil {
			return err
		}
		fmt.Fprintf(s.stdout, "wrote TensorBoard logs to %s (tensorboard --logdir %s)\n", o.tensorboard, o.tensorboard)
	}
	fmt.Fprintf(s.stdout, "test loss: %.4f - test accuracy: %.4f\n", scores["loss"], scores["accuracy"])
	if done := len(h.Epoch); timer.interrupted.Load() && done < epochs {
		msg := fmt.Sprintf("interrupted: stopped after epoch %d of %d; the files in %s cover those epochs", done, epochs, out)
		if o.backup != "" {
			msg += fmt.Sprintf("; run the same command again to resume from the backup in %s", o.backup)
		}
		return &exitError{code: 130, err: errors.New(msg)}
	}
	if dash != nil {
		waitInterrupt(s.stderr, fmt.Sprintf("neuron train: done; the dashboard stays at %s until Ctrl-C", dash.URL()))
	}
	return nil
}

// prepareDir creates dir, given by flag, if needed and checks that files
// can be written in it, so that a mistyped -out or -backup fails before
// training rather than after.
func prepareDir(flag, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%s: %w", flag, err)
	}
	f, err := os.CreateTemp(dir, ".neuron-probe-*")
	if err != nil {
		return fmt.Errorf("%s: cannot write in %s: %w", flag, dir, unwrapPath(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// checkWritable checks, before training, that the file path given by
// flag can be written: that it is not a directory and that its directory
// exists and takes new files.
func checkWritable(flag, path string) error {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return fmt.Errorf("%s: %s is a directory", flag, path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".neuron-probe-*")
	if err != nil {
		return fmt.Errorf("%s: cannot write %s: %w", flag, path, unwrapPath(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// unwrapPath drops the temporary file name from a *os.PathError.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// epochTimer records how long each epoch takes (validation included) and
// stops training after the current epoch once interrupted is set.
type epochTimer struct {
	callbacks.Base
	start       time.Time
	seconds     []float64
	interrupted atomic.Bool
	// done is the number of epochs done when training last stopped at
	// the end of an epoch (those restored from a backup included).
	done int
}

// OnEpochBegin implements callbacks.Callback.
func (t *epochTimer) OnEpochBegin(int) error {
	t.start = time.Now()
	return nil
}

// OnEpochEnd implements callbacks.Callback.
func (t *epochTimer) OnEpochEnd(epoch int, _ callbacks.Logs) error {
	t.seconds = append(t.seconds, time.Since(t.start).Seconds())
	t.done = epoch + 1
	if t.interrupted.Load() {
		return callbacks.ErrStopTraining
	}
	return nil
}

// stopOnInterrupt makes the first Ctrl-C set t.interrupted, so that
// training ends after the current epoch, and restores Go's default
// handling, so that a second Ctrl-C ends the process. It returns the
// function that stops listening.
func (t *epochTimer) stopOnInterrupt(stderr io.Writer) (stop func()) {
	sig := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(sig, os.Interrupt)
	go func() {
		select {
		case <-sig:
			signal.Reset(os.Interrupt)
			t.interrupted.Store(true)
			fmt.Fprintln(stderr, "\nneuron train: interrupted; stopping after this epoch (Ctrl-C again to quit now)")
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
	}
}

// trainRun is a finished training run, to be saved.
type trainRun struct {
	program    program
	dir        string
	history    *models.History
	scores     map[string]float64
	epochs     int
	opts       *trainOptions
	scale      bool
	validation string
	seconds    []float64
	trainN     int
	xTest      datasets.Uint8Array
	yTest      datasets.Uint8Array
	pred       []int
}

// backupCallback is a saving.BackupAndRestore that keeps its backups when
// Ctrl-C stops training before the last epoch, so that running the same
// command again resumes the run rather than starting afresh.
type backupCallback struct {
	*saving.BackupAndRestore
	timer  *epochTimer
	epochs int
}

// OnTrainEnd implements callbacks.Callback.
func (b *backupCallback) OnTrainEnd(logs callbacks.Logs) error {
	if b.timer.interrupted.Load() && b.timer.done < b.epochs {
		b.Keep = true
	}
	return b.BackupAndRestore.OnTrainEnd(logs)
}

// backupError names -backup in the errors of BackupAndRestore, such as
// a backup made by a different run.
func backupError(err error) error {
	const prefix = "saving: BackupAndRestore: "
	if msg := err.Error(); strings.HasPrefix(msg, prefix) {
		return errors.New("-backup: " + strings.TrimPrefix(msg, prefix))
	}
	return err
}

// prefixWriter writes each line it is given with trim removed from its
// start and prefix put in its place: BackupAndRestore's messages then
// read as neuron's.
type prefixWriter struct {
	w            io.Writer
	trim, prefix string
}

// Write implements io.Writer. Each call must hold whole lines, as the
// Fprintf calls of BackupAndRestore do.
func (p *prefixWriter) Write(b []byte) (int, error) {
	var out strings.Builder
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line == "" {
			continue
		}
		out.WriteString(p.prefix)
		out.WriteString(strings.TrimPrefix(line, p.trim))
	}
	if _, err := io.WriteString(p.w, out.String()); err != nil {
		return 0, err
	}
	return len(b), nil
}
