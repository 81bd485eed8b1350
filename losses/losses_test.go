package losses_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// refCase is one entry of testdata/losses_ref.json, written by
// testdata/gen/losses_ref.py from Keras 3's formulas (see that script).
type refCase struct {
	Name       string    `json:"name"`
	Loss       string    `json:"loss"`
	Input      string    `json:"input"` // probabilities, values, logits, softmax or sigmoid
	YTrue      []float64 `json:"y_true"`
	YTrueShape []int     `json:"y_true_shape"`
	YPred      []float64 `json:"y_pred"`
	YPredShape []int     `json:"y_pred_shape"`
	Want       float64   `json:"want"`
	Grad       []float64 `json:"grad"` // d(loss)/d(logits), for inputs computed from logits
}

func loadCases(t *testing.T) []refCase {
	t.Helper()
	b, err := os.ReadFile("testdata/losses_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []refCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) == 0 {
		t.Fatal("no cases in testdata/losses_ref.json")
	}
	return file.Cases
}

func f32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// newLoss returns the loss called name with FromLogits set.
func newLoss(t *testing.T, name string, fromLogits bool) losses.Loss {
	t.Helper()
	switch name {
	case "sparse_categorical_crossentropy":
		return losses.SparseCategoricalCrossentropy{FromLogits: fromLogits}
	case "categorical_crossentropy":
		return losses.CategoricalCrossentropy{FromLogits: fromLogits}
	case "binary_crossentropy":
		return losses.BinaryCrossentropy{FromLogits: fromLogits}
	case "mean_squared_error":
		if fromLogits {
			t.Fatalf("%s has no logits form", name)
		}
		return losses.MeanSquaredError{}
	}
	t.Fatalf("unknown loss %q", name)
	return nil
}

// TestAgainstKerasReference checks every loss, on every path (probabilities,
// clipped probabilities, FromLogits, and a softmax or sigmoid output scored
// from its logits), against values computed from Keras 3's formulas, and
// checks that the gradients are finite (and, from logits, equal to the
// reference gradient).
func TestAgainstKerasReference(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range loadCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			seen[c.Loss+"/"+c.Input] = true
			yTrue := tensor.FromSlice(f32(c.YTrue), c.YTrueShape...)
			z := tensor.FromSlice(f32(c.YPred), c.YPredShape...).RequireGrad()
			yPred := z
			switch c.Input {
			case "softmax":
				yPred = z.Softmax()
			case "sigmoid":
				yPred = z.Sigmoid()
			}
			loss := newLoss(t, c.Loss, c.Input == "logits").Call(yTrue, yPred)
			if loss.Size() != 1 {
				t.Fatalf("loss has shape %v, want a scalar", loss.Shape())
			}
			got := float64(loss.Item())
			if math.IsNaN(got) || math.IsInf(got, 0) {
				t.Fatalf("loss = %v, want finite", got)
			}
			if math.Abs(got-c.Want) > 1e-6+1e-5*math.Abs(c.Want) {
				t.Errorf("loss = %.7g, Keras 3 gives %.7g", got, c.Want)
			}
			tensor.Backward(loss)
			g := z.Grad()
			if g == nil {
				t.Fatal("no gradient reached the predictions")
			}
			if g.HasNaN() {
				t.Fatalf("gradient %v is not finite", g.Data())
			}
			if c.Grad != nil {
				if err := tt.AllClose(g.Data(), f32(c.Grad), 1e-6, 1e-5); err != nil {
					t.Errorf("d(loss)/d(logits): %v", err)
				}
			}
		})
	}
	for _, path := range []string{
		"sparse_categorical_crossentropy/probabilities", "sparse_categorical_crossentropy/logits", "sparse_categorical_crossentropy/softmax",
		"categorical_crossentropy/probabilities", "categorical_crossentropy/logits", "categorical_crossentropy/softmax",
		"binary_crossentropy/probabilities", "binary_crossentropy/logits", "binary_crossentropy/sigmoid",
		"mean_squared_error/values",
	} {
		if !seen[path] {
			t.Errorf("no reference case for %s", path)
		}
	}
}

// TestHandValues pins a few values worked out by hand, independently of the
// reference file.
func TestHandValues(t *testing.T) {
	negLogEps := -math.Log(1e-7) // 16.118095650958319
	fs := func(shape []int, v ...float32) *tensor.Tensor { return tensor.FromSlice(v, shape...) }
	cases := []struct {
		name string
		got  *tensor.Tensor
		want float64
	}{
		// mean(−log 0.7, −log 0.6, −log 0.5)
		{"sparse", losses.SparseCategoricalCrossentropy{}.Call(fs([]int{3}, 0, 2, 1),
			fs([]int{3, 3}, 0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.25, 0.5, 0.25)), (-math.Log(0.7) - math.Log(0.6) - math.Log(0.5)) / 3},
		// Keras clips a zero probability to 1e-7.
		{"sparse/zero probability", losses.SparseCategoricalCrossentropy{}.Call(fs([]int{1}, 1), fs([]int{1, 3}, 1, 0, 0)), negLogEps},
		{"categorical/zero probability", losses.CategoricalCrossentropy{}.Call(fs([]int{1, 3}, 0, 1, 0), fs([]int{1, 3}, 1, 0, 0)), negLogEps},
		// Rows are normalised first: [1 1 2]/4, target class 1 → −log ¼.
		{"categorical/normalised", losses.CategoricalCrossentropy{}.Call(fs([]int{1, 3}, 0, 1, 0), fs([]int{1, 3}, 1, 1, 2)), math.Log(4)},
		// log(e⁰+e¹+e²) − 2 for label 2 of logits [0 1 2].
		{"sparse/logits", losses.SparseCategoricalCrossentropy{FromLogits: true}.Call(fs([]int{1}, 2), fs([]int{1, 3}, 0, 1, 2)),
			math.Log(1+math.E+math.E*math.E) - 2},
		// −(log 0.9 + log 0.8)/2
		{"binary", losses.BinaryCrossentropy{}.Call(fs([]int{2, 1}, 1, 0), fs([]int{2, 1}, 0.9, 0.2)), -(math.Log(0.9) + math.Log(0.8)) / 2},
		// log(1 + e⁻²) for logit 2, target 1
		{"binary/logits", losses.BinaryCrossentropy{FromLogits: true}.Call(fs([]int{1, 1}, 1), fs([]int{1, 1}, 2)), math.Log1p(math.Exp(-2))},
		// ((1)² + (−2)² + 0 + (0.5)²)/4
		{"mse", losses.MeanSquaredError{}.Call(fs([]int{2, 2}, 0, 2, 1, 1), fs([]int{2, 2}, 1, 0, 1, 1.5)), 5.25 / 4},
	}
	for _, c := range cases {
		if got := float64(c.got.Item()); math.Abs(got-c.want) > 1e-6+1e-6*math.Abs(c.want) {
			t.Errorf("%s: %.8g, want %.8g", c.name, got, c.want)
		}
	}
}

// TestDetachedActivationIsClipped checks that a softmax or sigmoid output
// that has lost its logits (Detach) is scored on the clipped-probability
// path: finite even where the probability of the target is 0.
func TestDetachedActivationIsClipped(t *testing.T) {
	z := tensor.FromSlice([]float32{1000, -1000, 0, -1000, 1000, 0, 0, -1000, 1000}, 3, 3)
	probs := z.Softmax().Detach() // rows [1 0 0], [0 1 0], [0 0 1]
	// Labels 1, 1, 0: probabilities 0, 1 and 0 → (2·(−log 1e-7) + −log(1 − 1e-7))/3.
	want := (2*-math.Log(1e-7) - math.Log(float64(float32(1-1e-7)))) / 3
	sparse := losses.SparseCategoricalCrossentropy{}.Call(tensor.FromSlice([]float32{1, 1, 0}, 3), probs)
	if got := float64(sparse.Item()); math.Abs(got-want) > 1e-5 {
		t.Errorf("sparse: %.7g, want %.7g", got, want)
	}
	oneHot := tensor.FromSlice([]float32{0, 1, 0, 0, 1, 0, 1, 0, 0}, 3, 3)
	if got := float64(losses.CategoricalCrossentropy{}.Call(oneHot, probs).Item()); math.Abs(got-want) > 1e-5 {
		t.Errorf("categorical: %.7g, want %.7g", got, want)
	}
	// Binary: every term is at most −log(1e-7)·(1 + a little).
	p := tensor.FromSlice([]float32{1000, 1000, -1000, -1000}, 4, 1).Sigmoid().Detach()
	got := float64(losses.BinaryCrossentropy{}.Call(tensor.FromSlice([]float32{1, 0, 0, 1}, 4, 1), p).Item())
	if math.IsNaN(got) || got <= 0 || got > -math.Log(1e-7) {
		t.Errorf("binary: %v, want finite in (0, 16.12]", got)
	}
}

// TestGradCheck compares each loss's gradient with respect to its
// predictions (or the logits under them) with finite differences. Inputs
// stay away from the clipping bounds, where the gradient is zero.
func TestGradCheck(t *testing.T) {
	labels := tensor.FromSlice([]float32{0, 2, 1, 2}, 4)
	labelsCol := tensor.FromSlice([]float32{1, 0, 2, 2}, 4, 1)
	soft := tensor.FromSlice([]float32{
		1, 0, 0,
		0.2, 0.3, 0.5,
		0, 0, 1,
		0.6, 0.4, 0,
	}, 4, 3)
	binary := tensor.FromSlice([]float32{1, 0, 0.3, 1, 0, 1}, 3, 2)
	probs := func(seed uint64) *tensor.Tensor { return tt.Rand(seed, 0.1, 1, 4, 3) } // rows not normalised
	logits := func(seed uint64) *tensor.Tensor { return tt.Rand(seed, -3, 3, 4, 3) }
	cases := []struct {
		name string
		f    func(x *tensor.Tensor) *tensor.Tensor
		x    *tensor.Tensor
	}{
		{"sparse/probabilities", func(x *tensor.Tensor) *tensor.Tensor { return losses.SparseCategoricalCrossentropy{}.Call(labels, x) }, probs(1)},
		{"sparse/probabilities, labels (n,1)", func(x *tensor.Tensor) *tensor.Tensor {
			return losses.SparseCategoricalCrossentropy{}.Call(labelsCol, x)
		}, probs(2)},
		{"sparse/logits", func(x *tensor.Tensor) *tensor.Tensor {
			return losses.SparseCategoricalCrossentropy{FromLogits: true}.Call(labels, x)
		}, logits(3)},
		{"sparse/softmax output", func(x *tensor.Tensor) *tensor.Tensor {
			return losses.SparseCategoricalCrossentropy{}.Call(labels, x.Softmax())
		}, logits(4)},
		{"categorical/probabilities", func(x *tensor.Tensor) *tensor.Tensor { return losses.CategoricalCrossentropy{}.Call(soft, x) }, probs(5)},
		{"categorical/logits", func(x *tensor.Tensor) *tensor.Tensor {
			return losses.CategoricalCrossentropy{FromLogits: true}.Call(soft, x)
		}, logits(6)},
		{"categorical/softmax output", func(x *tensor.Tensor) *tensor.Tensor {
			return losses.CategoricalCrossentropy{}.Call(soft, x.Softmax())
		}, logits(7)},
		{"binary/probabilities", func(x *tensor.Tensor) *tensor.Tensor { return losses.BinaryCrossentropy{}.Call(binary, x) }, tt.Rand(8, 0.05, 0.95, 3, 2)},
		{"binary/logits", func(x *tensor.Tensor) *tensor.Tensor {
			return losses.BinaryCrossentropy{FromLogits: true}.Call(binary, x)
		}, tt.Rand(9, -3, 3, 3, 2)},
		{"binary/sigmoid output", func(x *tensor.Tensor) *tensor.Tensor {
			return losses.BinaryCrossentropy{}.Call(binary, x.Sigmoid())
		}, tt.Rand(10, -3, 3, 3, 2)},
		{"mse", func(x *tensor.Tensor) *tensor.Tensor { return losses.MeanSquaredError{}.Call(soft, x) }, tt.Rand(11, -2, 2, 4, 3)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return c.f(xs[0]) }, []*tensor.Tensor{c.x}, tt.GradCheckOptions{})
		})
	}
}

func TestGet(t *testing.T) {
	for name, want := range map[string]string{
		"sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
		"categorical_crossentropy":        "categorical_crossentropy",
		"binary_crossentropy":             "binary_crossentropy",
		"mean_squared_error":              "mean_squared_error",
		"mse":                             "mean_squared_error",
		"MSE":                             "mean_squared_error",
	} {
		l, err := losses.Get(name)
		if err != nil {
			t.Errorf("Get(%q): %v", name, err)
			continue
		}
		if l.Name() != want {
			t.Errorf("Get(%q).Name() = %q, want %q", name, l.Name(), want)
		}
	}
	// Get gives Keras's defaults: probabilities, not logits.
	for _, name := range []string{"sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy"} {
		l, _ := losses.Get(name)
		if s := fmt.Sprintf("%+v", l); s != "{FromLogits:false Reduction:}" && s != "{FromLogits:false LabelSmoothing:0 Reduction:}" {
			t.Errorf("Get(%q) = %+v, want FromLogits false and no label smoothing", name, l)
		}
	}
	names := losses.Names()
	for _, want := range []string{"MSE", "binary_crossentropy", "categorical_crossentropy", "mean_squared_error", "mse", "sparse_categorical_crossentropy"} {
		if !slices.Contains(names, want) {
			t.Errorf("Names() = %v lacks %q", names, want)
		}
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("Names() not sorted: %v", names)
		}
	}
	_, err := losses.Get("no_such_loss")
	if !errors.Is(err, losses.ErrUnknownName) {
		t.Fatalf("Get(unknown) error = %v, want ErrUnknownName", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `"no_such_loss"`) || !strings.Contains(msg, "sparse_categorical_crossentropy") {
		t.Errorf("Get(unknown) error %q should name the loss and list the known ones", msg)
	}
}

func TestCheckSparseLabels(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	cases := []struct {
		name    string
		labels  *tensor.Tensor
		wantErr string // "" for valid labels
	}{
		{"valid (n)", tensor.FromSlice([]float32{0, 9, 3}, 3), ""},
		{"valid (n,1)", tensor.FromSlice([]float32{0, 9, 3}, 3, 1), ""},
		{"−0 is class 0", tensor.FromSlice([]float32{float32(math.Copysign(0, -1))}, 1), ""},
		{"negative", tensor.FromSlice([]float32{0, -1, 3}, 3), "label 1 is -1"},
		{"equal to the number of classes", tensor.FromSlice([]float32{0, 1, 10}, 3), "label 2 is 10"},
		{"not an integer", tensor.FromSlice([]float32{2.5, 1}, 2), "label 0 is 2.5"},
		{"NaN", tensor.FromSlice([]float32{1, 2, 3, nan}, 4), "label 3 is NaN"},
		{"+Inf", tensor.FromSlice([]float32{1, inf}, 2), "label 1 is +Inf"},
		{"1e20", tensor.FromSlice([]float32{1e20}, 1), "label 0 is 1e+20"},
		{"per-step (n,steps)", tensor.FromSlice([]float32{0, 1, 2, 3}, 2, 2), ""},
		{"per-step (n,steps,1)", tensor.FromSlice([]float32{0, 1}, 2, 1, 1), ""},
		{"per-step bad", tensor.FromSlice([]float32{0, 1, 2, 10}, 2, 2), "label 3 is 10"},
		{"scalar", tensor.Scalar(1), "got []"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := losses.CheckSparseLabels(c.labels, 10)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("valid labels rejected: %v", err)
			case c.wantErr != "" && err == nil:
				t.Errorf("accepted, want an error containing %q", c.wantErr)
			case c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr):
				t.Errorf("error %q does not contain %q", err, c.wantErr)
			}
		})
	}
	// The loss checks labels through LabelChecker.
	var lc losses.LabelChecker = losses.SparseCategoricalCrossentropy{}
	if err := lc.CheckLabels(tensor.FromSlice([]float32{3}, 1), 3); err == nil || !strings.Contains(err.Error(), "[0, 3)") {
		t.Errorf("CheckLabels(3 of 3 classes) = %v, want an error naming [0, 3)", err)
	}
}

func ExampleGet() {
	l, err := losses.Get("mse")
	if err != nil {
		panic(err)
	}
	yTrue := tensor.FromSlice([]float32{0, 1, 2, 3}, 2, 2)
	yPred := tensor.FromSlice([]float32{1, 1, 2, 5}, 2, 2)
	fmt.Println(l.Name(), l.Call(yTrue, yPred).Item()) // (1 + 0 + 0 + 4) / 4
	// Output: mean_squared_error 1.25
}

// TestSparseLabelShape checks Keras's rule that sparse labels are the
// predictions' shape without the class axis, or that with a trailing 1.
func TestSparseLabelShape(t *testing.T) {
	cases := []struct {
		label, pred []int
		ok          bool
	}{
		{[]int{}, []int{4}, true},
		{[]int{1}, []int{4}, true},
		{[]int{2}, []int{4}, false},
		{[]int{6, 6}, []int{4}, false},
		{[]int{5}, []int{5, 3}, true},
		{[]int{5, 1}, []int{5, 3}, true},
		{[]int{4}, []int{5, 3}, false},
		{[]int{5, 3}, []int{5, 3}, false},
		{[]int{}, []int{5, 3}, false},
	}
	for _, c := range cases {
		err := losses.SparseLabelShape(c.label, c.pred)
		if (err == nil) != c.ok {
			t.Errorf("SparseLabelShape(%v, %v) = %v, want ok %v", c.label, c.pred, err, c.ok)
		}
	}
	err := losses.SparseLabelShape([]int{4}, []int{5, 3})
	if err == nil || !strings.Contains(err.Error(), "labels of per-example shape [4] for predictions [5 3]: want [5] or [5 1]") {
		t.Errorf("error %v does not name the shapes", err)
	}
}
