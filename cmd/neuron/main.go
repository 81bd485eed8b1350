// Command neuron runs the course's three programs and shows what they
// learn: training curves, images, predictions and confusion matrices, as
// the course's matplotlib figures show them, without Python or a notebook.
//
// Usage:
//
//	neuron train mnist|fashion|cnn [-save model.safetensors] [-backup DIR] [flags]
//	neuron evaluate MODEL -data mnist|fashion [-train|-test] [-scale] [-limit N]
//	neuron predict MODEL -data mnist|fashion INDEX... [-train|-test] [-scale]
//	neuron show mnist|fashion INDEX [-train|-test] [-o file.png] [-cmap viridis|gray] [-numbers]
//	neuron plot history.json|history.csv [-o curves.png] [-keys loss,val_loss]
//	neuron demo [-out DIR | -addr HOST:PORT] [-model FILE [-scale]]
//	neuron dashboard history.csv|history.json... [-addr 127.0.0.1:8050]
//	neuron serve [-addr HOST:PORT] [-name NAME] MODEL_OR_DIR... [flags]
//	neuron help [COMMAND]
//
// # train
//
// "neuron train mnist" is the course's first program: the raw pixels
// 0..255 (as the course feeds them; -scale divides by 255), a dense
// network of 256 ReLU units, 5 epochs. "neuron train fashion" is the
// second: Fashion-MNIST divided by 255, a dense network with Dropout, 10
// epochs validated on the test set. "neuron train cnn" is the third: the
// same data reshaped to (28, 28, 1) for three Conv2D + MaxPooling2D
// stages, 10 epochs validated on the test set.
//
// Like the course's notebooks, train prints the model's summary, the
// progress of each epoch and the test loss and accuracy; its last line is
//
//	test loss: 0.0712 - test accuracy: 0.9791
//
// It writes into the output directory (-out, out/PROGRAM by default):
//
//	history.json          Keras's history.history, the epoch list and history.params
//	history.csv           the history as Keras's CSVLogger writes it: epoch,<sorted keys>
//	accuracy.png          plt.plot(history.history['accuracy']) (and 'val_accuracy')
//	loss.png              plt.plot(history.history['loss']) (and 'val_loss')
//	loss_accuracy.png     both side by side: training in blue, validation in orange
//	metrics.json          the test loss and accuracy, the settings and the epoch times
//	confusion_matrix.png  true against predicted classes on the test set
//	predictions.png       the first 16 test images with true and predicted labels
//	mistakes.png          the first 16 test images the model gets wrong (if any)
//	model.safetensors     the trained model, or the file named by -save
//
// Every file is replaced atomically: a reader sees the old file or the new
// one, never half of it. The first Ctrl-C stops training after the current
// epoch and still writes the files (the exit status is then 130); a second
// one quits at once.
//
// With -backup DIR, training is backed up in DIR at the end of each epoch
// and every -backup-every steps; after a kill or a Ctrl-C, the same command
// run again resumes from the last backup and ends with the weights of an
// uninterrupted run, bit for bit.
//
// # evaluate and predict
//
// "neuron evaluate out/mnist/model.safetensors -data mnist" loads a saved
// model and prints Keras's evaluate line and "test loss: … - test
// accuracy: …". "neuron predict out/fashion/model.safetensors -data
// fashion 1" prints pred[1], its argmax with the class name and y_test[1].
// Both reshape the images to the model's input shape ((28, 28, 1) for the
// CNN) and scale them as train does unless -scale says otherwise. A
// missing or damaged model file is an error naming the file.
//
// # show
//
// "neuron show mnist 0" prints y_train[0] and draws X_train[0] in the
// terminal with Unicode half blocks in 24-bit colour, in grey levels, or
// in ASCII characters when the terminal announces no colours or NO_COLOR
// is set. -o writes the picture plt.imshow(X_train[0]) draws instead (PNG,
// SVG or PDF, viridis unless -cmap gray), and -numbers prints the pixel
// values as np.set_printoptions(linewidth=120); print(X_train[0]) does.
//
// # plot
//
// "neuron plot out/fashion/history.json" redraws the loss and accuracy
// curves from a history that train saved, or from Keras's own
// json.dump(history.history) or CSVLogger file.
//
// # demo
//
// "neuron demo" serves a page at http://127.0.0.1:8080/ on which you draw
// a digit and watch the course's MNIST model's probabilities change as you
// draw; the model runs in the page, compiled to WebAssembly. "neuron demo
// -out site" writes the page as plain files instead (see package
// serving/demo). It needs the go command to build the WebAssembly program.
//
// # serve
//
// "neuron serve out/mnist/model.safetensors" serves the model on
// 127.0.0.1:8501 with TensorFlow Serving's REST API
// (POST /v1/models/model:predict) and the KServe / Triton v2 protocol
// (POST /v2/models/model/infer), and Prometheus metrics on /metrics; see
// package serving. A directory in TF Serving's layout (NAME/1, NAME/2, …)
// serves every version, the latest by default. SIGHUP reloads the models;
// SIGINT or SIGTERM stops after the requests in flight.
//
// # Exit status
//
// 0 on success, 2 for a mistake in the command line, 1 for any other
// error, 130 when training was interrupted. Errors are one line on
// standard error, naming the argument at fault.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// main runs the command line and exits with run's status.
func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// streams are where a command writes. Stdout is os.Stdout when run from
// main, so that progress bars can tell whether it is a terminal.
type streams struct {
	stdout, stderr io.Writer
}

// command is a subcommand of neuron.
type command struct {
	name    string
	summary string
	// flags returns the command's flag set, for its help.
	flags func() *flag.FlagSet
	run   func(args []string, s streams) error
}

// commands lists neuron's subcommands, in the order help shows them.
func commands() []command {
	return []command{
		{"train", "train one of the course's programs and save the model and its curves", func() *flag.FlagSet { fs, _ := trainFlags(); return fs }, runTrain},
		{"evaluate", "print the test loss and accuracy of a saved model", func() *flag.FlagSet { fs, _ := evaluateFlags(); return fs }, runEvaluate},
		{"predict", "print a saved model's prediction for an image and its true label", func() *flag.FlagSet { fs, _ := predictFlags(); return fs }, runPredict},
		{"summary", "print the summary of a model file of any format", summaryFlags, runSummary},
		{"convert", "convert a model file between .safetensors, .keras, .h5 and .onnx", convertFlags, runConvert},
		{"show", "print a label and draw an image of MNIST or Fashion-MNIST", func() *flag.FlagSet { fs, _ := showFlags(); return fs }, runShow},
		{"plot", "redraw the training curves of a saved history", func() *flag.FlagSet { fs, _ := plotFlags(); return fs }, runPlot},
		{"demo", "build the draw-a-digit page that runs the MNIST model in the browser", func() *flag.FlagSet { fs, _ := demoFlags(); return fs }, runDemo},
		{"dashboard", "serve the training dashboard for saved histories, to compare runs", func() *flag.FlagSet { fs, _ := dashboardFlags(); return fs }, runDashboard},
		{"serve", "serve saved models with TF Serving's REST API and the KServe v2 protocol", func() *flag.FlagSet { fs, _ := serveFlags(); return fs }, runServe},
	}
}

// findCommand returns the subcommand called name.
func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

const mainUsage = `neuron runs the Keras course's three programs and shows what they learn.

Usage:

	neuron COMMAND [ARGUMENTS] [FLAGS]

Commands:

%s
Run "neuron help COMMAND" or "neuron COMMAND -h" for a command's flags.

Examples:

	neuron train mnist                      # the first program: 5 epochs on raw pixels
	neuron train fashion -epochs 5          # Dense + Dropout on Fashion-MNIST
	neuron train cnn -out runs/cnn          # the convolutional network
	neuron train mnist -backup ckpt         # run it again after a kill to resume
	neuron evaluate out/mnist/model.safetensors -data mnist
	neuron predict out/fashion/model.safetensors -data fashion 1
	neuron summary mnist.keras              # any model file: .safetensors, .keras, .h5
	neuron convert mnist.h5 mnist.keras     # between formats, by extension
	neuron show mnist 0                     # y_train[0] and X_train[0] in the terminal
	neuron show fashion 1 -test -o shirt.png
	neuron plot out/fashion/history.json -o curves.png
	neuron serve out/mnist/model.safetensors -name mnist
`

// printMainUsage prints neuron's help: the commands and examples.
func printMainUsage(w io.Writer) {
	var b strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&b, "\t%-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(&b, "\t%-8s %s\n", "help", "show this help, or a command's")
	fmt.Fprintf(w, mainUsage, b.String())
}

// run runs the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) (code int) {
	s := streams{stdout: stdout, stderr: stderr}
	name := "neuron"
	defer func() {
		// A bug must not greet the user with a stack trace.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "%s: internal error: %s\n", name, oneLine(fmt.Sprint(r)))
			code = 1
		}
	}()
	if len(args) == 0 {
		fmt.Fprintln(stderr, `neuron: missing command (want train, evaluate, predict, show, plot or help; run "neuron -h" for help)`)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if args[0] == "help" && len(args) > 1 {
			c, ok := findCommand(args[1])
			if !ok {
				fmt.Fprintf(stderr, "neuron help: unknown command %q (want train, evaluate, predict, show or plot)\n", args[1])
				return 2
			}
			printUsage(stdout, c.flags())
			return 0
		}
		printMainUsage(stdout)
		return 0
	}
	c, ok := findCommand(args[0])
	if !ok {
		fmt.Fprintf(stderr, "neuron: unknown command %q (want train, evaluate, predict, show, plot or help)\n", args[0])
		return 2
	}
	name = "neuron " + c.name
	err := c.run(args[1:], s)
	var ue *usageError
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		printUsage(stdout, c.flags())
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s: %s\n", name, oneLine(ue.msg))
		return 2
	case errors.As(err, &ee):
		fmt.Fprintf(stderr, "%s: %s\n", name, oneLine(ee.err.Error()))
		return ee.code
	default:
		fmt.Fprintf(stderr, "%s: %s\n", name, oneLine(err.Error()))
		return 1
	}
}

// usageError is a mistake in the command line; neuron exits with status 2.
type usageError struct{ msg string }

// Error implements error.
func (e *usageError) Error() string { return e.msg }

// usagef returns a *usageError with a formatted message.
func usagef(format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...)}
}

// exitError ends neuron with a given status.
type exitError struct {
	code int
	err  error
}

// Error implements error.
func (e *exitError) Error() string { return e.err.Error() }

var listItem = regexp.MustCompile(`^-\s+`)

// oneLine joins a multi-line message (such as a data set loader's list of
// the places it looked in) into one line: list items are separated by
// "; ".
func oneLine(msg string) string {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	var b strings.Builder
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		item := listItem.MatchString(l)
		l = listItem.ReplaceAllString(l, "")
		if i > 0 {
			switch prev := b.String(); {
			case strings.HasSuffix(prev, ":") && item:
				b.WriteString(" ")
			default:
				b.WriteString("; ")
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

// newFlagSet returns a flag set that reports errors to its caller rather
// than printing them, with the usage text shown by -h.
func newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	usageText[fs] = usage
	return fs
}

// usageText holds the text printed above each flag set's flags.
var usageText = map[*flag.FlagSet]string{}

// printUsage prints a command's help: its usage text, then its flags.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, usageText[fs])
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

var negativeNumber = regexp.MustCompile(`^-[0-9]+(\.[0-9]*)?$`)

// parseArgs parses flags anywhere on the command line, before, between or
// after the positional arguments, which it returns in order. A negative
// number is a positional argument (so that "show mnist -1" reports a bad
// INDEX), and everything after "--" is positional. Errors name the flag:
// flag.ErrHelp for -h, a *usageError otherwise.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' || negativeNumber.MatchString(a) {
			pos = append(pos, a)
			continue
		}
		// A flag: with its value after "=", alone if boolean, or with
		// the next argument as its value.
		n := 1
		name := strings.TrimLeft(a, "-")
		if !strings.Contains(name, "=") {
			if f := fs.Lookup(name); f != nil && !isBoolFlag(f) && i+1 < len(args) {
				n = 2
			}
		}
		if err := fs.Parse(args[i : i+n]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{msg: err.Error()}
		}
		i += n - 1
	}
	return pos, nil
}

// isBoolFlag reports whether f takes no value, as -train or -scale.
func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// figureExt reports whether path ends in an extension the plot package
// writes.
func figureExt(path string) bool {
	l := strings.ToLower(path)
	return strings.HasSuffix(l, ".png") || strings.HasSuffix(l, ".svg") || strings.HasSuffix(l, ".pdf")
}

// writeError explains a failure to write the file path given by flag:
// the atomic write's temporary file name is left out.
func writeError(flag, path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: cannot write %s: %v", flag, path, pe.Err)
	}
	return err
}
