package main

// These tests run the neuron command as a user does: TestMain builds the
// binary, and each test runs it with os/exec and checks its exit status,
// its output and the files it writes. Tests that need MNIST or
// Fashion-MNIST skip when the files cannot be found.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/fashionmnist"
	"github.com/neuron-go/neuron/datasets/mnist"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// binary is the neuron command built by TestMain.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "neuron-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "neuron")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	// go test puts its own go command first on PATH.
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building neuron:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what a run of neuron left.
type result struct {
	code           int
	stdout, stderr string
}

// neuron runs the binary with args in dir (the test's temporary directory
// when empty) and extra environment variables.
func neuron(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	// A run that blocks (on a FIFO, say) fails instead of hanging the tests.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("neuron %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return result{code, stdout.String(), stderr.String()}
}

// wantOK fails the test unless r is a success.
func wantOK(t *testing.T, r result, args string) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("neuron %s: exit status %d, want 0; stderr:\n%s", args, r.code, r.stderr)
	}
}

// dataOnce remembers, per data set, whether its files can be loaded.
var dataOnce sync.Map

// needData skips the test if the named data set is not on this machine
// (datasets.ErrNotFound); any other failure to load it fails the test, so
// that a broken loader cannot pass as a skip.
func needData(t *testing.T, name string) {
	t.Helper()
	v, _ := dataOnce.LoadOrStore(name, sync.OnceValue(func() error {
		load := mnist.LoadDataWith
		if name == "fashion" {
			load = fashionmnist.LoadDataWith
		}
		_, _, _, _, err := load(datasets.Options{NoDownload: true})
		return err
	}))
	switch err := v.(func() error)(); {
	case errors.Is(err, datasets.ErrNotFound):
		t.Skipf("%s not available: %v", name, err)
	case err != nil:
		t.Fatalf("loading %s: %v", name, err)
	}
}

func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args string
		want string
	}{
		{"-h", "Usage:\n\n\tneuron COMMAND"},
		{"--help", "Commands:"},
		{"help", "neuron train fashion -epochs 5"},
		{"help train", "Usage: neuron train mnist|fashion|cnn"},
		{"help show", "Usage: neuron show mnist|fashion INDEX"},
		{"help plot", "Usage: neuron plot FILE"},
		{"train -h", "-validation-split float"},
		{"train --help", "-limit N\n"},
		{"train mnist -h", "-epochs int"},
		{"show -h", "-numbers"},
		{"show --help", "-cmap string"},
		{"plot -h", "-keys string"},
		{"plot --help", "-o file"},
		{"help", "neuron evaluate out/mnist/model.safetensors -data mnist"},
		{"train -h", "-save FILE\n"},
		{"train -h", "-backup DIR\n"},
		{"train -h", "-backup-every N\n"},
		{"help train", "run the same command again"},
		{"help evaluate", "Usage: neuron evaluate MODEL -data mnist|fashion"},
		{"evaluate -h", "-data NAME\n"},
		{"evaluate --help", "-limit N\n"},
		{"help predict", "Usage: neuron predict MODEL -data mnist|fashion INDEX..."},
		{"predict -h", "argmax(pred[1]): 2 - Pullover"},
		{"predict --help", "-train\n"},
	} {
		r := neuron(t, "", nil, strings.Fields(tc.args)...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("neuron %s: exit status %d, stderr %q; want 0 and nothing", tc.args, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, tc.want) {
			t.Errorf("neuron %s: help does not contain %q:\n%s", tc.args, tc.want, r.stdout)
		}
	}
}

// TestBadArguments checks that each mistake is rejected with status 2 and
// one line on stderr that names the argument at fault.
func TestBadArguments(t *testing.T) {
	for _, tc := range []struct {
		args, want string
	}{
		{"", `neuron: missing command (want train, evaluate, predict, show, plot or help; run "neuron -h" for help)`},
		{"frobnicate", `neuron: unknown command "frobnicate" (want train, evaluate, predict, show, plot or help)`},
		{"help frobnicate", `neuron help: unknown command "frobnicate" (want train, evaluate, predict, show or plot)`},

		{"train", `neuron train: missing PROGRAM (want mnist, fashion or cnn)`},
		{"train cifar", `neuron train: unknown program "cifar" (want mnist, fashion or cnn)`},
		{"train mnist fashion", `neuron train: unexpected argument "fashion" after PROGRAM mnist`},
		{"train mnist -epochs 0", `neuron train: -epochs must be positive, got 0`},
		{"train -epochs -3 fashion", `neuron train: -epochs must be positive, got -3`},
		{"train mnist -epochs x", `neuron train: invalid value "x" for flag -epochs: parse error`},
		{"train mnist -batch-size 0", `neuron train: -batch-size must be positive, got 0`},
		{"train fashion -validation-split 1", `neuron train: -validation-split must be in [0, 1), got 1`},
		{"train cnn -validation-split -0.5", `neuron train: -validation-split must be in [0, 1), got -0.5`},
		{"train mnist -verbose 3", `neuron train: -verbose must be 0, 1 or 2, got 3`},
		{"train mnist -limit -1", `neuron train: -limit must be 0 (all) or positive, got -1`},
		{"train mnist -out=", `neuron train: -out must not be empty`},
		{"train mnist -out", `neuron train: flag needs an argument: -out`},
		{"train mnist -learning-rate 0.1", `neuron train: flag provided but not defined: -learning-rate`},
		{"train mnist -save=", `neuron train: -save must not be empty`},
		{"train mnist -backup=", `neuron train: -backup must not be empty`},
		{"train mnist -backup ckpt -backup-every -1", `neuron train: -backup-every must be 0 (each epoch only) or positive, got -1`},
		{"train mnist -backup-every 10", `neuron train: -backup-every needs -backup DIR`},

		{"evaluate", `neuron evaluate: missing MODEL (e.g. neuron evaluate out/mnist/model.safetensors -data mnist)`},
		{"evaluate m.safetensors", `neuron evaluate: missing -data mnist|fashion (e.g. neuron evaluate m.safetensors -data mnist)`},
		{"evaluate m.safetensors -data cifar", `neuron evaluate: unknown data set "cifar" for -data (want mnist or fashion)`},
		{"evaluate m.safetensors -data cnn", `neuron evaluate: unknown data set "cnn" for -data (want mnist or fashion; the cnn program trains on fashion)`},
		{"evaluate m.safetensors mnist", `neuron evaluate: unexpected argument "mnist" after MODEL m.safetensors`},
		{"evaluate m.safetensors -data mnist -train -test", `neuron evaluate: -train and -test cannot be used together`},
		{"evaluate m.safetensors -data mnist -limit -5", `neuron evaluate: -limit must be 0 (all) or positive, got -5`},
		{"evaluate m.safetensors -data mnist -batch-size 0", `neuron evaluate: -batch-size must be positive, got 0`},
		{"evaluate m.safetensors -data mnist -verbose 4", `neuron evaluate: -verbose must be 0, 1 or 2, got 4`},
		{"evaluate m.safetensors -data", `neuron evaluate: flag needs an argument: -data`},

		{"predict", `neuron predict: missing MODEL and INDEX (e.g. neuron predict out/mnist/model.safetensors -data mnist 0)`},
		{"predict m.safetensors 1", `neuron predict: missing -data mnist|fashion (e.g. neuron predict m.safetensors -data mnist 0)`},
		{"predict m.safetensors -data fashion", `neuron predict: missing INDEX (e.g. neuron predict m.safetensors -data fashion 0)`},
		{"predict m.safetensors -data mnist 10000", `neuron predict: INDEX must be in [0, 10000), got 10000`},
		{"predict m.safetensors -data mnist -1", `neuron predict: INDEX must be in [0, 10000), got -1`},
		{"predict m.safetensors -data mnist one", `neuron predict: INDEX must be an integer, got "one"`},
		{"predict m.safetensors -data mnist 1 -train -test", `neuron predict: -train and -test cannot be used together`},
		{"predict m.safetensors -data svhn 1", `neuron predict: unknown data set "svhn" for -data (want mnist or fashion)`},

		{"show", `neuron show: missing DATASET and INDEX (e.g. neuron show mnist 0)`},
		{"show mnist", `neuron show: missing INDEX (e.g. neuron show mnist 0)`},
		{"show cifar 0", `neuron show: unknown data set "cifar" (want mnist or fashion)`},
		{"show mnist 70000", `neuron show: INDEX must be in [0, 60000), got 70000`},
		{"show fashion 10000 -test", `neuron show: INDEX must be in [0, 10000), got 10000`},
		{"show mnist -1", `neuron show: INDEX must be in [0, 60000), got -1`},
		{"show mnist five", `neuron show: INDEX must be an integer, got "five"`},
		{"show mnist 0 1", `neuron show: unexpected argument "1" after INDEX 0`},
		{"show mnist 0 -train -test", `neuron show: -train and -test cannot be used together`},
		{"show mnist 0 -cmap jet", `neuron show: -cmap must be viridis, gray or Blues, got "jet"`},
		{"show mnist 0 -o digit.jpg", `neuron show: -o must name a .png, .svg or .pdf file, got "digit.jpg"`},

		{"plot", `neuron plot: missing FILE (a history.json or history.csv)`},
		{"plot a.json b.json", `neuron plot: unexpected argument "b.json" after FILE a.json`},
		{"plot a.json -o curves.gif", `neuron plot: -o must name a .png, .svg or .pdf file, got "curves.gif"`},
		{"plot a.json -keys loss,,val_loss", `neuron plot: -keys has an empty key in "loss,,val_loss"`},
	} {
		r := neuron(t, "", nil, strings.Fields(tc.args)...)
		if r.code != 2 {
			t.Errorf("neuron %s: exit status %d, want 2 (stderr %q)", tc.args, r.code, r.stderr)
		}
		if got := strings.TrimSuffix(r.stderr, "\n"); got != tc.want {
			t.Errorf("neuron %s: stderr\n%q\nwant\n%q", tc.args, r.stderr, tc.want+"\n")
		}
		if r.stdout != "" {
			t.Errorf("neuron %s: stdout %q, want nothing", tc.args, r.stdout)
		}
	}
}

// TestRuntimeErrors checks errors that are not in the command line:
// status 1 and one line naming the file or directory at fault.
func TestRuntimeErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("notjson.json", "epoch,loss\n")
	write("strings.json", `{"loss": ["a", "b"]}`)
	write("empty.json", `{}`)
	write("bad.csv", "epoch,loss\n0,abc\n")
	write("history.csv", "epoch,loss\n0,0.5\n1,0.25\n")
	write("file", "")
	write("garbage.safetensors", "not a model at all")
	write("empty.safetensors", "")
	if err := os.Mkdir(filepath.Join(dir, "models"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Named pipes block open(2) until a writer comes: they must be
	// refused before that (see neuron's 2-minute limit on every run).
	for _, name := range []string{"fifo.json", "fifo.safetensors"} {
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		args string
		want *regexp.Regexp
	}{
		{"plot missing.json", regexp.MustCompile(`^neuron plot: open missing\.json: no such file or directory$`)},
		{"plot fifo.json", regexp.MustCompile(`^neuron plot: fifo\.json is a named pipe \(FIFO\), not a regular file$`)},
		{"evaluate fifo.safetensors -data mnist", regexp.MustCompile(`^neuron evaluate: model fifo\.safetensors is not a valid model file: a named pipe \(FIFO\), not a regular file$`)},
		{"predict fifo.safetensors -data mnist 0", regexp.MustCompile(`^neuron predict: model fifo\.safetensors is not a valid model file: a named pipe \(FIFO\), not a regular file$`)},
		{"plot notjson.json", regexp.MustCompile(`^neuron plot: notjson\.json: not a history \(want a JSON object of lists of numbers\): `)},
		{"plot strings.json", regexp.MustCompile(`^neuron plot: strings\.json: key "loss" is not a list of numbers$`)},
		{"plot empty.json", regexp.MustCompile(`^neuron plot: empty\.json: has no curves$`)},
		{"plot bad.csv", regexp.MustCompile(`^neuron plot: bad\.csv: line 2: loss: "abc" is not a number$`)},
		{"train mnist -out file/sub", regexp.MustCompile(`^neuron train: -out: mkdir file: not a directory$`)},
		{"plot history.csv -o nodir/curves.png", regexp.MustCompile(`^neuron plot: -o: cannot write nodir/curves\.png: no such file or directory$`)},
		{"train mnist -save nodir/model.safetensors", regexp.MustCompile(`^neuron train: -save: cannot write nodir/model\.safetensors: no such file or directory$`)},
		{"train mnist -save models", regexp.MustCompile(`^neuron train: -save: models is a directory$`)},
		{"train mnist -backup file/sub", regexp.MustCompile(`^neuron train: -backup: mkdir file: not a directory$`)},
		{"evaluate missing.safetensors -data mnist", regexp.MustCompile(`^neuron evaluate: model missing\.safetensors: no such file or directory$`)},
		{"evaluate garbage.safetensors -data fashion", regexp.MustCompile(`^neuron evaluate: model garbage\.safetensors is not a valid model file: .*header`)},
		{"evaluate empty.safetensors -data fashion", regexp.MustCompile(`^neuron evaluate: model empty\.safetensors is not a valid model file: `)},
		{"evaluate history.csv -data mnist", regexp.MustCompile(`^neuron evaluate: model history\.csv is not a valid model file: `)},
		{"evaluate models -data mnist", regexp.MustCompile(`^neuron evaluate: model models is a directory, not a model file$`)},
		{"predict missing.safetensors -data mnist 0", regexp.MustCompile(`^neuron predict: model missing\.safetensors: no such file or directory$`)},
		{"predict garbage.safetensors -data mnist 0", regexp.MustCompile(`^neuron predict: model garbage\.safetensors is not a valid model file: `)},
	} {
		if runtime.GOOS == "windows" && strings.Contains(tc.args, "file/sub") {
			continue
		}
		r := neuron(t, dir, nil, strings.Fields(tc.args)...)
		if r.code != 1 {
			t.Errorf("neuron %s: exit status %d, want 1 (stderr %q)", tc.args, r.code, r.stderr)
		}
		if got := strings.TrimSuffix(r.stderr, "\n"); strings.Contains(got, "\n") || !tc.want.MatchString(got) {
			t.Errorf("neuron %s: stderr %q, want one line matching %s", tc.args, r.stderr, tc.want)
		}
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestShowASCII draws images as a terminal without colours shows them.
func TestShowASCII(t *testing.T) {
	noColor := []string{"NO_COLOR=1", "TERM=xterm-256color", "COLORTERM=truecolor"}
	for _, tc := range []struct {
		data, args, golden string
	}{
		{"mnist", "show mnist 0", "show_mnist_0_ascii.golden"},
		{"fashion", "show fashion 0", "show_fashion_0_ascii.golden"},
		{"fashion", "show fashion -test 1", "show_fashion_test_1_ascii.golden"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			needData(t, tc.data)
			r := neuron(t, "", noColor, strings.Fields(tc.args)...)
			wantOK(t, r, tc.args)
			if strings.Contains(r.stdout, "\x1b") {
				t.Errorf("neuron %s with NO_COLOR: output has escape sequences", tc.args)
			}
			golden(t, tc.golden, r.stdout)
		})
	}
}

// TestShowColor checks that a true-colour terminal gets half blocks in
// viridis: X_train[0]'s background is viridis's first colour, #440154.
func TestShowColor(t *testing.T) {
	needData(t, "mnist")
	r := neuron(t, "", []string{"NO_COLOR=", "TERM=xterm-256color", "COLORTERM=truecolor"}, "show", "mnist", "0")
	wantOK(t, r, "show mnist 0")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 1+14 {
		t.Fatalf("got %d lines, want a label and 14 lines of half blocks:\n%s", len(lines), r.stdout)
	}
	if lines[0] != "y_train[0]: 5" {
		t.Errorf("label line %q, want %q", lines[0], "y_train[0]: 5")
	}
	if !strings.HasPrefix(lines[1], "\x1b[38;2;68;1;84;48;2;68;1;84m▀") {
		t.Errorf("first line %q does not start with viridis's first colour", lines[1])
	}
	if got := strings.Count(lines[1], "▀"); got != 28 {
		t.Errorf("first line has %d half blocks, want 28", got)
	}
}

// TestShowNumbers checks -numbers against what NumPy prints for
// np.set_printoptions(linewidth=120); print(X_train[0]), as recorded by
// the NumPy-generated golden file of package npprint.
func TestShowNumbers(t *testing.T) {
	needData(t, "mnist")
	r := neuron(t, "", nil, "show", "mnist", "0", "-numbers")
	wantOK(t, r, "show mnist 0 -numbers")
	g, err := os.ReadFile(filepath.Join("..", "..", "internal", "npprint", "testdata", "mnist0_uint8_lw120.golden"))
	if err != nil {
		t.Fatal(err)
	}
	_, numpy, ok := strings.Cut(string(g), "\n---\n")
	if !ok {
		t.Fatal("npprint golden has no --- line")
	}
	if want := "y_train[0]: 5\n" + numpy + "\n"; r.stdout != want {
		t.Errorf("neuron show mnist 0 -numbers:\n%s\nwant (NumPy):\n%s", r.stdout, want)
	}
}

// readPNG decodes a PNG file written by the command.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// countNear counts the pixels of img within tol of c in every channel.
func countNear(img image.Image, c color.RGBA, tol int) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			d := func(v uint32, w uint8) int { return max(int(v>>8)-int(w), int(w)-int(v>>8)) }
			if d(r, c.R) <= tol && d(g, c.G) <= tol && d(bl, c.B) <= tol {
				n++
			}
		}
	}
	return n
}

var (
	tabBlue      = color.RGBA{0x1f, 0x77, 0xb4, 0xff}
	tabOrange    = color.RGBA{0xff, 0x7f, 0x0e, 0xff}
	viridisFirst = color.RGBA{0x44, 0x01, 0x54, 0xff}
	viridisLast  = color.RGBA{0xfd, 0xe7, 0x24, 0xff}
)

// wantSize checks a PNG's size.
func wantSize(t *testing.T, path string, w, h int) image.Image {
	t.Helper()
	img := readPNG(t, path)
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s is %d×%d, want %d×%d", filepath.Base(path), b.Dx(), b.Dy(), w, h)
	}
	return img
}

// TestShowPNG writes plt.imshow(X_train[0]) to a file.
func TestShowPNG(t *testing.T) {
	needData(t, "fashion")
	dir := t.TempDir()
	r := neuron(t, dir, nil, "show", "fashion", "0", "-o", "boot.png")
	wantOK(t, r, "show fashion 0 -o boot.png")
	if want := "y_train[0]: 9 - Ankle boot\nwrote boot.png\n"; r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
	img := wantSize(t, filepath.Join(dir, "boot.png"), 640, 480)
	// The image is 369×369 pixels (28 blocks of about 13), its background
	// viridis's first colour and its brightest pixels its last.
	if n := countNear(img, viridisFirst, 2); n < 369*369/4 {
		t.Errorf("%d pixels of viridis's first colour, want most of the image", n)
	}
	if n := countNear(img, viridisLast, 2); n == 0 {
		t.Error("no pixel of viridis's last colour")
	}

	r = neuron(t, dir, nil, "show", "fashion", "0", "-o", "boot_gray.png", "-cmap", "gray")
	wantOK(t, r, "show fashion 0 -o boot_gray.png -cmap gray")
	img = wantSize(t, filepath.Join(dir, "boot_gray.png"), 640, 480)
	if n := countNear(img, viridisFirst, 2); n != 0 {
		t.Errorf("-cmap gray: %d pixels of viridis's first colour, want none", n)
	}
}

// trainFiles are the files train writes (mistakes.png only if the model
// makes mistakes).
var trainFiles = []string{
	"history.json", "history.csv", "accuracy.png", "loss.png", "loss_accuracy.png",
	"metrics.json", "confusion_matrix.png", "predictions.png",
}

var lastLine = regexp.MustCompile(`^test loss: (\d+\.\d{4}) - test accuracy: (\d\.\d{4})$`)

// checkTrain checks a successful train run and the files it wrote into
// dir, and returns the saved history.
func checkTrain(t *testing.T, r result, dir string, epochs int, keys []string) historyFile {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	m := lastLine.FindStringSubmatch(lines[len(lines)-1])
	if m == nil {
		t.Fatalf("last line %q does not match %s", lines[len(lines)-1], lastLine)
	}
	for _, f := range trainFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing output: %v", err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left in the output directory", e.Name())
		}
	}

	// history.json: Keras's history.history, the epoch list and params.
	data, err := os.ReadFile(filepath.Join(dir, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	var h historyFile
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatalf("history.json: %v", err)
	}
	if len(h.Epoch) != epochs {
		t.Errorf("history.json: epoch %v, want %d epochs", h.Epoch, epochs)
	}
	if h.Params["epochs"] != epochs {
		t.Errorf("history.json: params %v, want epochs %d", h.Params, epochs)
	}
	var got []string
	for k, v := range h.History {
		got = append(got, k)
		if len(v) != epochs {
			t.Errorf("history.json: %q has %d values, want %d", k, len(v), epochs)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, keys) {
		t.Errorf("history.json keys %v, want %v", got, keys)
	}

	// history.csv: Keras's CSVLogger layout.
	f, err := os.Open(filepath.Join(dir, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("history.csv: %v", err)
	}
	if want := "epoch," + strings.Join(keys, ","); strings.Join(rows[0], ",") != want {
		t.Errorf("history.csv header %q, want %q", strings.Join(rows[0], ","), want)
	}
	if len(rows) != 1+epochs {
		t.Errorf("history.csv has %d rows, want %d", len(rows), 1+epochs)
	}
	for i, row := range rows[1:] {
		if row[0] != fmt.Sprint(i) {
			t.Errorf("history.csv row %d starts with %q, want epoch %d", i+1, row[0], i)
		}
		for j, k := range keys {
			if want := pyFloat(h.History[k][i]); row[j+1] != want {
				t.Errorf("history.csv epoch %d %s = %q, want %q as in history.json", i, k, row[j+1], want)
			}
		}
	}

	// metrics.json agrees with the last line.
	data, err = os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var mf struct {
		TestLoss     float64   `json:"test_loss"`
		TestAccuracy float64   `json:"test_accuracy"`
		EpochsRun    int       `json:"epochs_run"`
		EpochSeconds []float64 `json:"epoch_seconds"`
	}
	if err := json.Unmarshal(data, &mf); err != nil {
		t.Fatalf("metrics.json: %v", err)
	}
	if s := fmt.Sprintf("%.4f", mf.TestLoss); s != m[1] {
		t.Errorf("metrics.json test_loss %v, but the last line says %s", mf.TestLoss, m[1])
	}
	if s := fmt.Sprintf("%.4f", mf.TestAccuracy); s != m[2] {
		t.Errorf("metrics.json test_accuracy %v, but the last line says %s", mf.TestAccuracy, m[2])
	}
	if mf.EpochsRun != epochs || len(mf.EpochSeconds) != epochs {
		t.Errorf("metrics.json: epochs_run %d, %d epoch times; want %d", mf.EpochsRun, len(mf.EpochSeconds), epochs)
	}

	// The figures: matplotlib's sizes; the curves blue (training) and,
	// with validation, orange.
	_, hasVal := h.History["val_loss"]
	for _, name := range []string{"accuracy.png", "loss.png"} {
		img := wantSize(t, filepath.Join(dir, name), 640, 480)
		if countNear(img, tabBlue, 10) < 50 {
			t.Errorf("%s: no blue training curve", name)
		}
		if n := countNear(img, tabOrange, 10); hasVal && n < 50 || !hasVal && n > 0 {
			t.Errorf("%s: %d orange pixels; validation curve expected: %v", name, n, hasVal)
		}
	}
	wantSize(t, filepath.Join(dir, "loss_accuracy.png"), 1280, 480)
	wantSize(t, filepath.Join(dir, "confusion_matrix.png"), 800, 700)
	readPNG(t, filepath.Join(dir, "predictions.png"))
	return h
}

// TestTrainMNIST runs the first program on a slice of MNIST: no
// validation, raw pixels.
func TestTrainMNIST(t *testing.T) {
	needData(t, "mnist")
	dir := t.TempDir()
	args := []string{"train", "mnist", "-epochs", "2", "-limit", "600", "-verbose", "2"}
	r := neuron(t, dir, nil, args...)
	wantOK(t, r, strings.Join(args, " "))
	for _, want := range []string{
		"X_train: uint8 (600, 28, 28) y_train: uint8 (600,) X_test: uint8 (600, 28, 28) y_test: uint8 (600,)\n",
		"using the first 600 of 60000 training and 600 of 10000 test examples (-limit 600)\n",
		"Total params: 203,530",
		"Epoch 1/2\n19/19 - ", "Epoch 2/2\n",
		"argmax(pred[1]): ",
		"wrote out/mnist: history.json, history.csv, accuracy.png, loss.png, loss_accuracy.png, metrics.json, confusion_matrix.png, predictions.png",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	checkTrain(t, r, filepath.Join(dir, "out", "mnist"), 2, []string{"accuracy", "loss"})
}

// TestTrainFashion runs the second program validated on the test set,
// then again with -validation-split, both silently.
func TestTrainFashion(t *testing.T) {
	needData(t, "fashion")
	dir := t.TempDir()
	args := []string{"train", "fashion", "-epochs", "2", "-limit", "500", "-verbose", "0", "-out", "run"}
	r := neuron(t, dir, nil, args...)
	wantOK(t, r, strings.Join(args, " "))
	if strings.Contains(r.stdout, "Epoch 1/") || r.stderr != "" {
		t.Errorf("-verbose 0 printed progress:\n%s\nstderr: %s", r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "predicted: ") {
		t.Errorf("stdout lacks the class names of pred[1]:\n%s", r.stdout)
	}
	checkTrain(t, r, filepath.Join(dir, "run"), 2, []string{"accuracy", "loss", "val_accuracy", "val_loss"})

	args = []string{"train", "fashion", "-epochs", "1", "-limit", "500", "-verbose", "0", "-validation-split", "0.2", "-seed", "7", "-out", "split"}
	r = neuron(t, dir, nil, args...)
	wantOK(t, r, strings.Join(args, " "))
	checkTrain(t, r, filepath.Join(dir, "split"), 1, []string{"accuracy", "loss", "val_accuracy", "val_loss"})
	data, err := os.ReadFile(filepath.Join(dir, "split", "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"seed": 7`, `"validation": "last 0.2 of the training data"`, `"train_examples": 500`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("metrics.json lacks %s:\n%s", want, data)
		}
	}
}

// TestTrainCNN runs the third program for one epoch on a few images.
func TestTrainCNN(t *testing.T) {
	needData(t, "fashion")
	dir := t.TempDir()
	args := []string{"train", "cnn", "-epochs", "1", "-limit", "128", "-verbose", "1", "-out", "cnn"}
	r := neuron(t, dir, nil, args...)
	wantOK(t, r, strings.Join(args, " "))
	if !strings.Contains(r.stdout, "Total params: 60,554") {
		t.Errorf("stdout lacks the CNN's summary:\n%s", r.stdout)
	}
	checkTrain(t, r, filepath.Join(dir, "cnn"), 1, []string{"accuracy", "loss", "val_accuracy", "val_loss"})
}

// TestTrainInterrupt checks that Ctrl-C stops training after the current
// epoch, still writes the files, and exits with status 130.
func TestTrainInterrupt(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT on Windows")
	}
	needData(t, "mnist")
	dir := t.TempDir()
	cmd := exec.Command(binary, "train", "mnist", "-epochs", "1000", "-limit", "3000", "-verbose", "2", "-out", "run")
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if sc.Text() == "Epoch 2/1000" {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	io.Copy(&out, stdout)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("neuron train did not stop within 60 s of Ctrl-C")
	}
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v, want status 130; stderr:\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "neuron train: interrupted: stopped after epoch ") {
		t.Errorf("last line of stderr %q, want the interruption", last)
	}
	h := checkTrainPartial(t, filepath.Join(dir, "run"))
	// Ctrl-C came during epoch 2 or soon after (later on a busy machine).
	if n := len(h.Epoch); n < 2 || n >= 1000 {
		t.Errorf("history has %d epochs, want those run before Ctrl-C", n)
	}
	if !lastLine.MatchString(lastLineOf(out.String())) {
		t.Errorf("stdout does not end with the test metrics:\n%s", out.String())
	}
}

func lastLineOf(s string) string {
	l := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return l[len(l)-1]
}

// checkTrainPartial reads the history of an interrupted run.
func checkTrainPartial(t *testing.T, dir string) historyFile {
	t.Helper()
	for _, f := range trainFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing output: %v", err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	var h historyFile
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestPlot redraws curves from saved histories in each format it reads.
func TestPlot(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// As train writes it.
	write("history.json", `{
  "epoch": [0, 1, 2, 3, 4],
  "history": {
    "accuracy": [0.82, 0.86, 0.87, 0.88, 0.89],
    "loss": [0.50, 0.38, 0.34, 0.32, 0.30],
    "val_accuracy": [0.84, 0.85, 0.86, 0.87, 0.87],
    "val_loss": [0.43, 0.40, 0.37, 0.36, 0.36]
  },
  "params": {"epochs": 5, "steps": 1875, "verbose": 1}
}`)
	// As Keras's json.dump(history.history) writes it, with a NaN.
	write("keras.json", `{"loss": [2.5, 0.34, NaN, 0.25], "accuracy": [0.89, 0.93, 0.94, 0.94]}`)
	// As Keras's CSVLogger writes it.
	write("log.csv", "epoch,accuracy,loss,val_accuracy,val_loss\r\n0,0.82,0.5,0.84,0.43\r\n1,0.86,0.38,0.85,0.4\r\n")

	for _, tc := range []struct {
		args   string
		out    string
		w, h   int
		orange bool
	}{
		{"plot history.json", "curves.png", 1280, 480, true},
		{"plot history.json -o sub/curves.svg", "sub/curves.svg", 0, 0, true},
		{"plot keras.json -o keras.png", "keras.png", 1280, 480, false},
		{"plot log.csv -o log.png", "log.png", 1280, 480, true},
		{"plot -keys accuracy,val_accuracy history.json -o acc.png", "acc.png", 640, 480, true},
		{"plot history.json -keys loss -o loss.png", "loss.png", 640, 480, false},
	} {
		if strings.Contains(tc.out, "/") {
			if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(tc.out)), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		r := neuron(t, dir, nil, strings.Fields(tc.args)...)
		wantOK(t, r, tc.args)
		if want := "wrote " + tc.out + "\n"; r.stdout != want {
			t.Errorf("neuron %s: stdout %q, want %q", tc.args, r.stdout, want)
		}
		path := filepath.Join(dir, tc.out)
		if tc.w == 0 {
			data, err := os.ReadFile(path)
			if err != nil || !bytes.Contains(data, []byte("<svg")) {
				t.Errorf("neuron %s: %s is not SVG (%v)", tc.args, tc.out, err)
			}
			continue
		}
		img := wantSize(t, path, tc.w, tc.h)
		if countNear(img, tabBlue, 10) < 50 {
			t.Errorf("neuron %s: no blue curve", tc.args)
		}
		if n := countNear(img, tabOrange, 10); tc.orange != (n >= 50) {
			t.Errorf("neuron %s: %d orange pixels; orange curve expected: %v", tc.args, n, tc.orange)
		}
	}

	r := neuron(t, dir, nil, "plot", "history.json", "-keys", "loss,val_acc")
	if r.code != 2 || r.stderr != "neuron plot: -keys: history.json has no key \"val_acc\" (it has accuracy, loss, val_accuracy, val_loss)\n" {
		t.Errorf("plot -keys with a missing key: status %d, stderr %q", r.code, r.stderr)
	}
}

// TestPyFloat checks history.csv's numbers against Python's repr.
func TestPyFloat(t *testing.T) {
	for v, want := range map[float64]string{
		0.9791333317756653: "0.9791333317756653",
		1:                  "1.0",
		0:                  "0.0",
		2.5:                "2.5",
		1e-05:              "1e-05",
		0.0001:             "0.0001",
		1.5e-07:            "1.5e-07",
		1e16:               "1e+16",
		123456789012345.6:  "123456789012345.6",
	} {
		if got := pyFloat(v); got != want {
			t.Errorf("pyFloat(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestOneLine checks how multi-line errors are joined.
func TestOneLine(t *testing.T) {
	in := "mnist: cannot find the MNIST files; looked in:\n  - cache: not found\n  - /usr/share: not found\nTo get them:\n  - run: go mod download x\n  - or set Y"
	want := "mnist: cannot find the MNIST files; looked in: cache: not found; /usr/share: not found; To get them: run: go mod download x; or set Y"
	if got := oneLine(in); got != want {
		t.Errorf("oneLine:\n%q\nwant\n%q", got, want)
	}
}
