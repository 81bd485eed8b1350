package losses_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// TestMoreAgainstKerasReference checks the regression, probabilistic and
// hinge losses against testdata/losses_more_ref.json, written by
// testdata/gen/losses_more_ref.py from Keras 3's formulas in numpy.
func TestMoreAgainstKerasReference(t *testing.T) {
	b, err := os.ReadFile("testdata/losses_more_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []refCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			l, err := losses.Get(c.Loss)
			if err != nil {
				t.Fatal(err)
			}
			if l.Name() != c.Loss {
				t.Errorf("Get(%q).Name() = %q", c.Loss, l.Name())
			}
			seen[c.Loss] = true
			yTrue := tensor.FromSlice(f32(c.YTrue), c.YTrueShape...)
			yPred := tensor.FromSlice(f32(c.YPred), c.YPredShape...).RequireGrad()
			loss := l.Call(yTrue, yPred)
			if loss.Size() != 1 {
				t.Fatalf("loss has shape %v, want a scalar", loss.Shape())
			}
			got := float64(loss.Item())
			if math.Abs(got-c.Want) > 1e-6+2e-6*math.Abs(c.Want) {
				t.Errorf("loss = %.8g, Keras 3's formula gives %.8g", got, c.Want)
			}
			tensor.Backward(loss)
			if g := yPred.Grad(); g == nil || g.HasNaN() {
				t.Errorf("gradient %v, want finite", g)
			}
		})
	}
	for _, n := range []string{"mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
		"huber_loss", "log_cosh", "kl_divergence", "poisson", "hinge", "squared_hinge"} {
		if !seen[n] {
			t.Errorf("no reference case for %s", n)
		}
	}
}

// TestMoreHandValues pins values worked out by hand.
func TestMoreHandValues(t *testing.T) {
	yt := tensor.FromSlice([]float32{0, 2}, 2, 1)
	yp := tensor.FromSlice([]float32{0.5, 4}, 2, 1)
	cases := []struct {
		l    losses.Loss
		want float64
	}{
		{losses.MeanAbsoluteError{}, (0.5 + 2) / 2.0},
		// |e| = 0.5 → 0.125; |e| = 2 → 2 − 0.5 = 1.5.
		{losses.Huber{}, (0.125 + 1.5) / 2},
		// δ = 3: both quadratic, 0.125 and 2.
		{losses.Huber{Delta: 3}, (0.125 + 2) / 2},
		// Targets 0, 2 are not all binary: 1 − 0·0.5 = 1, max(1 − 8, 0) = 0.
		{losses.Hinge{}, 0.5},
		{losses.LogCosh{}, (math.Log(math.Cosh(0.5)) + math.Log(math.Cosh(2))) / 2},
		// |0−0.5|/ε is 5e6 %·… : 100·(0.5/1e-7 + 2/2)/2.
		{losses.MeanAbsolutePercentageError{}, 100 * (0.5/1e-7 + 1) / 2},
	}
	for _, c := range cases {
		got := float64(c.l.Call(yt, yp).Item())
		if math.Abs(got-c.want) > 1e-6*math.Max(1, math.Abs(c.want)) {
			t.Errorf("%s%+v = %.8g, want %.8g", c.l.Name(), c.l, got, c.want)
		}
	}
	// Targets (n) are matched to predictions (n, 1), not broadcast.
	got := losses.MeanAbsoluteError{}.Call(tensor.FromSlice([]float32{0, 2}, 2), yp).Item()
	if got != 1.25 {
		t.Errorf("MAE on targets of shape (2) = %v, want 1.25", got)
	}
}

// TestMoreGradCheck checks each new loss's gradient by finite differences,
// away from the kinks.
func TestMoreGradCheck(t *testing.T) {
	vals := tt.Rand(21, -2, 2, 4, 3)
	pos := tt.Rand(22, 0.5, 3, 4, 3)
	dist := tensor.FromSlice([]float32{0.2, 0.3, 0.5, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8, 0.3, 0.4, 0.3}, 4, 3)
	signs := tensor.FromSlice([]float32{1, -1, 1, -1, -1, 1, 1, 1, -1, -1, 1, -1}, 4, 3)
	cases := []struct {
		l     losses.Loss
		yTrue *tensor.Tensor
		x     *tensor.Tensor
	}{
		{losses.MeanAbsoluteError{}, vals, tt.Rand(1, -2, 2, 4, 3)},
		{losses.MeanAbsolutePercentageError{}, vals, tt.Rand(2, -2, 2, 4, 3)},
		{losses.MeanSquaredLogarithmicError{}, pos, tt.Rand(3, 0.2, 3, 4, 3)},
		{losses.Huber{}, vals, tt.Rand(4, -3, 3, 4, 3)},
		{losses.Huber{Delta: 0.5}, vals, tt.Rand(5, -3, 3, 4, 3)},
		{losses.LogCosh{}, vals, tt.Rand(6, -3, 3, 4, 3)},
		{losses.KLDivergence{}, dist, tt.Rand(7, 0.05, 0.95, 4, 3)},
		{losses.Poisson{}, pos, tt.Rand(8, 0.2, 3, 4, 3)},
		{losses.Hinge{}, signs, tt.Rand(9, -2, 2, 4, 3)},
		{losses.SquaredHinge{}, signs, tt.Rand(10, -2, 2, 4, 3)},
	}
	for _, c := range cases {
		t.Run(c.l.Name(), func(t *testing.T) {
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return c.l.Call(c.yTrue, xs[0]) },
				[]*tensor.Tensor{c.x}, tt.GradCheckOptions{})
		})
	}
}

// TestLabelSmoothing checks Keras's smoothing of the targets by hand:
// binary t·(1−s) + s/2, categorical t·(1−s) + s/classes.
func TestLabelSmoothing(t *testing.T) {
	got := float64(losses.BinaryCrossentropy{LabelSmoothing: 0.2}.Call(
		tensor.FromSlice([]float32{1}, 1, 1), tensor.FromSlice([]float32{0.8}, 1, 1)).Item())
	// t' = 0.9.
	if want := -(0.9*math.Log(0.8) + 0.1*math.Log(0.2)); !(math.Abs(got-want) < 1e-6) {
		t.Errorf("binary, s = 0.2: %v, want %v", got, want)
	}
	got = float64(losses.CategoricalCrossentropy{LabelSmoothing: 0.3}.Call(
		tensor.FromSlice([]float32{0, 1, 0}, 1, 3), tensor.FromSlice([]float32{0.2, 0.5, 0.3}, 1, 3)).Item())
	// t' = (0.1, 0.8, 0.1).
	if want := -(0.1*math.Log(0.2) + 0.8*math.Log(0.5) + 0.1*math.Log(0.3)); !(math.Abs(got-want) < 1e-6) {
		t.Errorf("categorical, s = 0.3: %v, want %v", got, want)
	}
	x := tt.Rand(30, -2, 2, 2, 3)
	tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor {
		return losses.CategoricalCrossentropy{FromLogits: true, LabelSmoothing: 0.1}.Call(
			tensor.FromSlice([]float32{0, 1, 0, 1, 0, 0}, 2, 3), xs[0])
	}, []*tensor.Tensor{x}, tt.GradCheckOptions{})
}
