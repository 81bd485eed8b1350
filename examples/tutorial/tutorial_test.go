// Package tutorial_test keeps the tutorial in docs/tutorial from rotting:
// every Go block of its chapters, in both languages, must be a run of lines
// of the program it names, both languages must show the same blocks, and
// the chapters' programs are built and run with quick settings.
package tutorial_test

import (
	"bufio"
	"errors"
	"fmt"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/fashionmnist"
	"github.com/neuron-go/neuron/datasets/mnist"
)

// root is the repository's root, from this package's directory.
const root = "../.."

var languages = []string{"ko", "en"}

// block is a fenced block of a chapter with the marker before it.
type block struct {
	lang   string // the fence's info string: go, python, text, sh
	marker string // "code: PATH", "output: PATH", or ""
	text   string // the lines between the fences, each ending in "\n"
	line   int    // where the fence opens
}

var markerRE = regexp.MustCompile(`^<!-- (code|output): (\S+) -->$`)

// parse returns the fenced blocks of a markdown file.
func parse(t *testing.T, path string) []block {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		blocks []block
		cur    *block
		prev   string
		n      int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &block{lang: strings.TrimPrefix(line, "```"), line: n}
			if m := markerRE.FindStringSubmatch(prev); m != nil {
				cur.marker = m[1] + ": " + m[2]
			}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
		prev = line
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s:%d: the block is not closed", path, cur.line)
	}
	return blocks
}

// chapters returns the chapter files' names, which both languages share.
func chapters(t *testing.T) []string {
	t.Helper()
	var names [2][]string
	for i, lang := range languages {
		files, err := filepath.Glob(filepath.Join(root, "docs/tutorial", lang, "*.md"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			names[i] = append(names[i], filepath.Base(f))
		}
	}
	if !slices.Equal(names[0], names[1]) {
		t.Fatalf("the languages have different chapters:\nko: %v\nen: %v", names[0], names[1])
	}
	if len(names[0]) < 2 {
		t.Fatalf("no chapters: %v", names[0])
	}
	return names[0]
}

// containsLines reports whether text is a run of whole lines of file.
func containsLines(file, text string) bool {
	return strings.HasPrefix(file, text) || strings.Contains(file, "\n"+text)
}

// containsCode reports whether block is a run of whole lines of the Go
// file src, allowing the block to drop the tabs that indent all its lines
// in the file.
func containsCode(src, block string) bool {
	for indent := ""; len(indent) <= 4; indent += "\t" {
		var b strings.Builder
		for line := range strings.Lines(block) {
			if line != "\n" {
				b.WriteString(indent)
			}
			b.WriteString(line)
		}
		if containsLines(src, b.String()) {
			return true
		}
	}
	return false
}

// TestBlocks checks every chapter's fenced blocks: each Go block is marked
// with the program it comes from and is a run of that program's lines, and
// the Korean and the English chapter show the same blocks in the same order.
func TestBlocks(t *testing.T) {
	for _, name := range chapters(t) {
		t.Run(name, func(t *testing.T) {
			var got [2][]block
			for i, lang := range languages {
				path := filepath.Join(root, "docs/tutorial", lang, name)
				got[i] = parse(t, path)
				for _, b := range got[i] {
					if b.lang == "go" && !strings.HasPrefix(b.marker, "code: ") {
						t.Errorf("%s:%d: a Go block without <!-- code: PATH --> before it", path, b.line)
					}
					if p, ok := strings.CutPrefix(b.marker, "code: "); ok {
						src, err := os.ReadFile(filepath.Join(root, p))
						if err != nil {
							t.Errorf("%s:%d: %v", path, b.line, err)
						} else if !containsCode(string(src), b.text) {
							t.Errorf("%s:%d: the block is not a run of lines of %s:\n%s", path, b.line, p, b.text)
						}
					}
				}
			}
			if len(got[0]) != len(got[1]) {
				t.Fatalf("ko has %d blocks, en %d", len(got[0]), len(got[1]))
			}
			for j := range got[0] {
				k, e := got[0][j], got[1][j]
				if k.lang != e.lang || k.marker != e.marker || k.text != e.text {
					t.Errorf("block %d differs: ko line %d (%s %q), en line %d (%s %q)", j, k.line, k.lang, k.marker, e.line, e.lang, e.marker)
				}
			}
		})
	}
}

var (
	linkRE  = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	goRunRE = regexp.MustCompile(`go run (\./[A-Za-z0-9_/]+)`)
)

// TestCommands checks that every "go run ./PATH" of the chapters names a
// program of the repository.
func TestCommands(t *testing.T) {
	for _, name := range chapters(t) {
		for _, lang := range languages {
			path := filepath.Join(root, "docs/tutorial", lang, name)
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range goRunRE.FindAllStringSubmatch(string(src), -1) {
				if _, err := os.Stat(filepath.Join(root, m[1], "main.go")); err != nil {
					t.Errorf("%s: go run %s: no such program", path, m[1])
				}
			}
		}
	}
}

// TestLinks checks that every relative link and image of the tutorial, and
// the README's links to it, name a file that exists.
func TestLinks(t *testing.T) {
	files := []string{filepath.Join(root, "README.md")}
	for _, lang := range languages {
		md, err := filepath.Glob(filepath.Join(root, "docs/tutorial", lang, "*.md"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, md...)
	}
	readme, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"docs/tutorial/ko/README.md", "docs/tutorial/en/README.md"} {
		if !strings.Contains(string(readme), "("+want+")") {
			t.Errorf("README.md does not link %s", want)
		}
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range linkRE.FindAllStringSubmatch(string(src), -1) {
			link := m[1]
			if strings.Contains(link, "://") || strings.HasPrefix(link, "#") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			link, _, _ = strings.Cut(link, "#")
			if _, err := os.Stat(filepath.Join(filepath.Dir(f), link)); err != nil {
				t.Errorf("%s: broken link %s", f, m[1])
			}
		}
	}
}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// programs builds every program under examples/tutorial, once for all the
// tests, and returns the directory holding the executables.
func programs(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "tutorial-bin-"); buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir+string(os.PathSeparator), "./examples/tutorial/...")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// run runs a built program in dir with args and returns its output.
func run(t *testing.T, bin, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, name), args...)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// floats returns the numbers of the first line of out that starts with
// prefix, after the prefix.
func floats(t *testing.T, out, prefix string) []float64 {
	t.Helper()
	for line := range strings.Lines(out) {
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		var vs []float64
		for _, f := range strings.FieldsFunc(rest, func(r rune) bool { return strings.ContainsRune(" []()=,:;\n", r) }) {
			if v, err := strconv.ParseFloat(f, 64); err == nil {
				vs = append(vs, v)
			}
		}
		return vs
	}
	t.Fatalf("no line starts with %q in:\n%s", prefix, out)
	return nil
}

func near(got, want []float64, tol float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			return false
		}
	}
	return true
}

// needData skips the test in -short mode, which trains nothing, and when a
// data set cannot be found offline.
func needData(t *testing.T, load func(datasets.Options) (datasets.Uint8Array, datasets.Uint8Array, datasets.Uint8Array, datasets.Uint8Array, error)) {
	t.Helper()
	if testing.Short() {
		t.Skip("trains on a real data set")
	}
	if _, _, _, _, err := load(datasets.Options{NoDownload: true}); errors.Is(err, datasets.ErrNotFound) {
		t.Skipf("the data set is not available offline: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
}

// TestOutputs checks the output blocks marked <!-- output: PATH --> against
// what the program prints now: the deterministic chapters' programs are
// quick, and their output is shown whole or in part.
func TestOutputs(t *testing.T) {
	bin := programs(t)
	outputs := map[string]string{}
	for _, name := range chapters(t) {
		for _, lang := range languages {
			for _, b := range parse(t, filepath.Join(root, "docs/tutorial", lang, name)) {
				p, ok := strings.CutPrefix(b.marker, "output: ")
				if !ok {
					continue
				}
				if _, done := outputs[p]; !done {
					outputs[p] = run(t, bin, filepath.Base(p))
				}
				if !containsLines(outputs[p], b.text) {
					t.Errorf("%s/%s:%d: the block is not what %s prints:\n%s\nit prints:\n%s", lang, name, b.line, p, b.text, outputs[p])
				}
			}
		}
	}
}

// TestPrograms runs each chapter's program with quick settings and checks
// what it prints against values found independently: Keras's parameter
// counts, NumPy's softmax, the derivatives and update rules worked by hand.
func TestPrograms(t *testing.T) {
	bin := programs(t)

	t.Run("01_dnn", func(t *testing.T) {
		out := run(t, bin, "01_dnn")
		// Keras 3's summary of this model: 200,960 + 2,570 parameters.
		for _, want := range []string{"dense_1 (Dense)", "Total params: 203,530 (795.04 KB)", "total:   203530 parameters"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if got := floats(t, out, "relu(x):"); !near(got, []float64{0, 0, 0, 1.5, 3}, 0) {
			t.Errorf("relu: %v", got)
		}
		// numpy: e = np.exp(x); e / e.sum()
		if got := floats(t, out, "softmax(x):"); !near(got, []float64{0.00514405, 0.02305403, 0.03800967, 0.17034754, 0.7634447}, 1e-6) {
			t.Errorf("softmax: %v", got)
		}
	})

	t.Run("02_forward", func(t *testing.T) {
		out := run(t, bin, "02_forward")
		// By hand: x·W1 + b1 = [1·0.5+2·0.5, 1·(-1)+2·0.5+0.5, 0.25-1.5, 2-1].
		if got := floats(t, out, "hidden z = x·W1 + b1:"); !near(got, []float64{1.5, 0.5, -1.25, 1}, 1e-6) {
			t.Errorf("hidden z: %v", got)
		}
		if got := floats(t, out, "output z = h·W2 + b2:"); !near(got, []float64{1.75, 0.5, 1.6}, 1e-6) {
			t.Errorf("output z: %v", got)
		}
		// numpy: softmax([1.75, 0.5, 1.6])
		want := []float64{0.46572003, 0.13343102, 0.40084895}
		for _, prefix := range []string{"output softmax(z):", "model.predict(x):"} {
			if got := floats(t, out, prefix); !near(got, want, 1e-6) {
				t.Errorf("%s %v, want %v", prefix, got, want)
			}
		}
	})

	t.Run("03_loss", func(t *testing.T) {
		out := run(t, bin, "03_loss")
		ce := (-math.Log(0.7) - math.Log(0.3)) / 2
		for prefix, want := range map[string]float64{
			"sparse_categorical_crossentropy:": ce,
			"categorical_crossentropy:":        ce,
			"a better prediction:":             (-math.Log(0.9) - math.Log(0.8)) / 2,
			"mean_squared_error:":              (0.25 + 0.25 + 0 + 1) / 4.0,
		} {
			if got := floats(t, out, prefix); !near(got, []float64{want}, 1e-6) {
				t.Errorf("%s %v, want %.6f", prefix, got, want)
			}
		}
	})

	t.Run("04_optimizer", func(t *testing.T) {
		out := run(t, bin, "04_optimizer")
		// w ← w - 0.1·2(w - 3) = 0.8w + 0.6 from w = 0: w_t = 3(1 - 0.8^t),
		// and the loss before step t is (w_{t-1} - 3)² = 9·0.64^(t-1).
		for step := 1; step <= 10; step++ {
			got := floats(t, out, fmt.Sprintf("step %2d:", step))
			want := []float64{9 * math.Pow(0.64, float64(step-1)), 3 * (1 - math.Pow(0.8, float64(step)))}
			if !near(got, want, 1e-4) {
				t.Errorf("step %d: %v, want loss, w = %v", step, got, want)
			}
		}
		for _, prefix := range []string{"sgd ", "adam"} {
			got := floats(t, out, prefix)
			if len(got) != 4 || math.Abs(got[1]-2) > 0.01 || math.Abs(got[2]-1) > 0.01 {
				t.Errorf("%s: want a = 2, b = 1 (the line y = 2x + 1), got %v", prefix, got)
			}
		}
	})

	t.Run("05_autodiff", func(t *testing.T) {
		out := run(t, bin, "05_autodiff")
		// d(x² + 5x + 4)/dx = 2x + 5 = 11 at x = 3.
		if got := floats(t, out, "df/dx at 3"); !near(got, []float64{11}, 0) {
			t.Errorf("df/dx: %v", got)
		}
		// z = 0.5·1 - 0.25·2 + 0.1, y = 1/(1+e^-z), loss = (y-1)²:
		// dloss/dz = 2(y-1)·y(1-y), dloss/dw = dloss/dz·x, dloss/db = dloss/dz.
		y := 1 / (1 + math.Exp(-0.1))
		dz := 2 * (y - 1) * y * (1 - y)
		if got := floats(t, out, "dloss/dw ="); !near(got, []float64{dz, 2 * dz}, 1e-6) {
			t.Errorf("dloss/dw: %v, want %v", got, []float64{dz, 2 * dz})
		}
		if got := floats(t, out, "dloss/db ="); !near(got, []float64{dz}, 1e-6) {
			t.Errorf("dloss/db: %v, want %v", got, dz)
		}
		// One SGD step with learning rate 0.1 lowers the loss.
		w1, w2, b := 0.5-0.1*dz, -0.25-0.1*2*dz, 0.1-0.1*dz
		y2 := 1 / (1 + math.Exp(-(w1 + 2*w2 + b)))
		if got := floats(t, out, "after one step:"); !near(got, []float64{y2, (y2 - 1) * (y2 - 1)}, 1e-6) {
			t.Errorf("after one step: %v, want y %v", got, y2)
		}
	})

	t.Run("06_compile", func(t *testing.T) {
		needData(t, mnist.LoadDataWith)
		out := run(t, bin, "06_compile", "-epochs", "1", "-limit", "1000")
		if !strings.Contains(out, "1000 training images in batches of 32: 32 steps per epoch") {
			t.Errorf("no step count (ceil(1000/32) = 32):\n%s", out)
		}
		for _, prefix := range []string{"adam, sparse_categorical_crossentropy (by name)", "adam, sparse_categorical_crossentropy (typed)", "sgd(momentum=0.9)"} {
			got := floats(t, out, prefix)
			// loss, accuracy[, precision, recall]; chance is 0.1
			if len(got) < 2 || got[1] < 0.5 || got[1] > 1 {
				t.Errorf("%s: %v", prefix, got)
			}
		}
	})

	t.Run("07_overfitting", func(t *testing.T) {
		needData(t, fashionmnist.LoadDataWith)
		dir := t.TempDir()
		out := run(t, bin, "07_overfitting", "-epochs", "3", "-limit", "300", "-folds", "2", "-out", dir)
		for _, name := range []string{"underfitting", "overfitting", "regularized"} {
			if !strings.Contains(out, name+" ") {
				t.Errorf("no line for the %s model:\n%s", name, out)
			}
			checkPNG(t, filepath.Join(dir, "07_"+name+"_loss.png"))
		}
		got := floats(t, out, "2-fold cross-validation:")
		if len(got) != 2 || got[0] <= 0.1 || got[0] > 1 || got[1] < 0 {
			t.Errorf("cross-validation: %v", got)
		}
	})

	// saved is the model file 14_saving writes, which 15_serving serves.
	var saved string
	savedDir := t.TempDir() // outlives the subtests
	save := func(t *testing.T) string {
		t.Helper()
		dir, err := os.MkdirTemp(savedDir, "14_saving-")
		if err != nil {
			t.Fatal(err)
		}
		out := run(t, bin, "14_saving", "-epochs", "2", "-limit", "500", "-dir", dir)
		saved = filepath.Join(dir, "mnist.safetensors")
		return out
	}
	t.Run("14_saving", func(t *testing.T) {
		needData(t, mnist.LoadDataWith)
		out := save(t)
		dir := filepath.Dir(saved)
		for _, want := range []string{
			"Epoch 1: val_loss improved from inf to ",
			"the loaded model predicts the same, bit for bit: true",
			"first run: killed after epoch 2",
			"resuming from " + filepath.Join(dir, "backup", "backup.safetensors") + " at epoch 3, step 0",
			"resumed run ends with the weights of an uninterrupted one: true",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		for _, f := range []string{"best.safetensors", "mnist.safetensors"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("15_serving", func(t *testing.T) {
		needData(t, mnist.LoadDataWith)
		if saved == "" {
			save(t)
		}
		out := run(t, bin, "15_serving", "-model", saved, "-addr", "127.0.0.1:0")
		p := floats(t, out, "predictions[0]:")
		sum := 0.0
		for _, v := range p {
			sum += v
		}
		if len(p) != 10 || math.Abs(sum-1) > 0.01 {
			t.Errorf("predictions[0]: want 10 probabilities summing to 1, got %v", p)
		}
		// y_test[0] of MNIST is a 7.
		for _, want := range []string{"true 7", "the server's answer is the model's own Predict, bit for bit: true"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	course := []struct {
		name, flags string
		load        func(datasets.Options) (datasets.Uint8Array, datasets.Uint8Array, datasets.Uint8Array, datasets.Uint8Array, error)
		params      string
		figures     []string
	}{
		{"08_mnist", "-epochs 1 -limit 500", mnist.LoadDataWith, "203,530", []string{"x_train_0", "accuracy", "loss", "predictions", "confusion_matrix"}},
		{"09_fashion_dnn", "-epochs 2 -limit 500", fashionmnist.LoadDataWith, "101,770", []string{"x_train_0", "x_train_1", "x_test_1", "accuracy", "loss", "predictions", "confusion_matrix"}},
		{"10_fashion_cnn", "-epochs 1 -limit 300", fashionmnist.LoadDataWith, "60,554", []string{"accuracy", "loss", "predictions", "confusion_matrix"}},
	}
	for _, c := range course {
		t.Run(c.name, func(t *testing.T) {
			needData(t, c.load)
			dir := t.TempDir()
			out := run(t, bin, c.name, append(strings.Fields(c.flags), "-out", dir)...)
			if !strings.Contains(out, "Total params: "+c.params+" ") {
				t.Errorf("summary without Total params: %s:\n%s", c.params, out)
			}
			got := floats(t, out, "test loss:")
			if len(got) != 2 || got[0] <= 0 || got[1] <= 0.1 || got[1] > 1 {
				t.Errorf("test loss, accuracy: %v", got)
			}
			prefix := strings.Replace(c.name, "_dnn", "", 1)
			for _, f := range c.figures {
				checkPNG(t, filepath.Join(dir, prefix+"_"+f+".png"))
			}
		})
	}
}

// checkPNG checks that path holds a whole PNG image.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("%s: %v", path, err)
	}
}
