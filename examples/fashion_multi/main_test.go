package main

import (
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/fashionmnist"
)

// The test binary doubles as the program: with mainArgsEnv set, it runs
// main with those arguments (separated by newlines) instead of the tests.
const mainArgsEnv = "NEURON_FASHION_MULTI_MAIN_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(mainArgsEnv); args != "" {
		os.Args = append([]string{"fashion_multi"}, strings.Split(args, "\n")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runProgram runs the program with args and returns its output.
func runProgram(t *testing.T, args ...string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+strings.Join(args, "\n"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return string(out)
}

var lastLineRE = regexp.MustCompile(`(?m)^test loss: \d+\.\d{4} - test class_accuracy: \d\.\d{4} - test box_mae: \d+\.\d{4} \(\d+\.\d{2} pixels\)\n$`)

// TestProgram trains the model briefly on the first 512 Fashion-MNIST
// images, saves it and evaluates the saved file with -load: the Keras 3 log
// keys of a two-output model, and the same test scores after loading.
func TestProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real Fashion-MNIST in a new process")
	}
	if _, _, _, _, err := fashionmnist.LoadDataWith(datasets.Options{NoDownload: true}); errors.Is(err, datasets.ErrNotFound) {
		t.Skipf("Fashion-MNIST is not available offline: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "multi.safetensors")
	out := runProgram(t, "-limit", "512", "-epochs", "2", "-verbose", "2", "-seed", "1", "-save", file)
	for _, want := range []string{`Model: "functional"`, "image (InputLayer)", "stats (InputLayer)", "│ concatenate ",
		"class (Dense)", "box (Dense)", "Epoch 2/2", "box_loss: ", "box_mae: ", "class_accuracy: ", "class_loss: ",
		"val_box_mae: ", "val_class_accuracy: ", "predicted: "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !lastLineRE.MatchString(out) {
		t.Fatalf("no test scores at the end:\n%s", out)
	}
	loaded := runProgram(t, "-limit", "512", "-verbose", "0", "-load", file)
	if a, b := lastLineRE.FindString(out), lastLineRE.FindString(loaded); a != b {
		t.Errorf("-load reports %q, the training run %q", b, a)
	}
}

// TestFeatures checks the stats and the box of an image holding one bright
// rectangle, rows 3 to 9 and columns 5 to 20, and a faint pixel (below the
// box's threshold) elsewhere, against their formulas worked by hand.
func TestFeatures(t *testing.T) {
	px := make([]uint8, 2*784)
	for r := 3; r < 10; r++ {
		for c := 5; c < 21; c++ {
			px[r*28+c] = 255
		}
	}
	px[27*28+27] = threshold // not above the threshold
	// The second image is black: zero stats and the empty box.
	stats, box := features(datasets.Uint8Array{Shape: []int{2, 28, 28}, Data: px})

	const area = 7 * 16
	faint := float64(threshold) / 255
	sum := area + faint
	mean := sum / 784
	sq := area + faint*faint
	want := []float64{
		mean,
		math.Sqrt(sq/784 - mean*mean),
		(area*6 + faint*27) / sum / 27, // rows 3..9 average 6
		(area*12.5 + faint*27) / sum / 27,
	}
	for i, w := range want {
		if got := float64(stats.Data()[i]); math.Abs(got-w) > 1e-6 {
			t.Errorf("stats[%d] = %v, want %v", i, got, w)
		}
	}
	for i, w := range []float64{3.0 / 28, 5.0 / 28, 10.0 / 28, 21.0 / 28} {
		if got := float64(box.Data()[i]); math.Abs(got-w) > 1e-7 {
			t.Errorf("box[%d] = %v, want %v", i, got, w)
		}
	}
	for i, v := range stats.Data()[4:] {
		if v != 0 || box.Data()[4+i] != 0 {
			t.Errorf("black image: stats %v, box %v", stats.Data()[4:], box.Data()[4:])
			break
		}
	}
}
