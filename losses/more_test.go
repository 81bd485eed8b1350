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

type focalCase struct {
	Name   string `json:"name"`
	Loss   string `json:"loss"`
	Config struct {
		ApplyClassBalancing bool    `json:"apply_class_balancing"`
		Alpha               float32 `json:"alpha"`
		Gamma               float32 `json:"gamma"`
		FromLogits          bool    `json:"from_logits"`
		LabelSmoothing      float32 `json:"label_smoothing"`
	} `json:"config"`
	Reduction    losses.Reduction `json:"reduction"`
	YTrue        []float64        `json:"y_true"`
	YTrueShape   []int            `json:"y_true_shape"`
	YPred        []float64        `json:"y_pred"`
	YPredShape   []int            `json:"y_pred_shape"`
	SampleWeight []float64        `json:"sample_weight"`
	Want         []float64        `json:"want"`
	Grad         []float64        `json:"grad"`
}

// makeLoss builds the loss a case names with its settings.
func makeLoss(t *testing.T, c focalCase) losses.PerExampleLoss {
	cf := c.Config
	switch c.Loss {
	case "categorical_hinge":
		return losses.CategoricalHinge{Reduction: c.Reduction}
	case "cosine_similarity":
		return losses.CosineSimilarity{Reduction: c.Reduction}
	case "binary_focal_crossentropy":
		return losses.BinaryFocalCrossentropy{ApplyClassBalancing: cf.ApplyClassBalancing, Alpha: cf.Alpha, Gamma: cf.Gamma,
			FromLogits: cf.FromLogits, LabelSmoothing: cf.LabelSmoothing, Reduction: c.Reduction}
	case "categorical_focal_crossentropy":
		return losses.CategoricalFocalCrossentropy{Alpha: cf.Alpha, Gamma: cf.Gamma,
			FromLogits: cf.FromLogits, LabelSmoothing: cf.LabelSmoothing, Reduction: c.Reduction}
	case "mean_squared_error":
		return losses.MeanSquaredError{Reduction: c.Reduction}
	case "sparse_categorical_crossentropy":
		return losses.SparseCategoricalCrossentropy{Reduction: c.Reduction}
	}
	t.Fatalf("unknown loss %q", c.Loss)
	return nil
}

// TestFocalHingeCosineAgainstTorch checks the values and the gradients of
// the losses in testdata/losses_focal_ref.json, computed by
// testdata/gen/losses_focal_ref.py with PyTorch from Keras 3's formulas,
// with every reduction and with sample weights.
func TestFocalHingeCosineAgainstTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/losses_focal_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []focalCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			l := makeLoss(t, c)
			if err := l.LossReduction().Check(); err != nil {
				t.Fatal(err)
			}
			if g, err := losses.Get(c.Loss); err != nil || g.Name() != c.Loss {
				t.Errorf("Get(%q) = %v, %v", c.Loss, g, err)
			}
			yTrue := tensor.FromSlice(f32(c.YTrue), c.YTrueShape...)
			yPred := tensor.FromSlice(f32(c.YPred), c.YPredShape...).RequireGrad()
			var loss *tensor.Tensor
			if c.SampleWeight != nil {
				loss = losses.Weighted(l, yTrue, yPred, tensor.FromSlice(f32(c.SampleWeight), len(c.SampleWeight)))
			} else {
				loss = l.Call(yTrue, yPred)
			}
			if err := tt.AllClose(loss.Data(), f32(c.Want), 1e-6, 1e-5); err != nil {
				t.Errorf("loss %v: %v", loss.Data(), err)
			}
			if loss.Size() != 1 {
				loss = loss.Sum()
			}
			tensor.Backward(loss)
			if err := tt.AllClose(yPred.Grad().Data(), f32(c.Grad), 1e-6, 1e-4); err != nil {
				t.Errorf("gradient: %v", err)
			}
		})
	}
}

// TestFocalHingeCosineGradCheck checks the new losses' gradients by finite
// differences, away from the kinks of max and the clipping bounds.
func TestFocalHingeCosineGradCheck(t *testing.T) {
	onehot := tensor.FromSlice([]float32{0, 1, 0, 1, 0, 0, 0, 0, 1}, 3, 3)
	bin := tensor.FromSlice([]float32{1, 0, 0, 1, 1, 0}, 3, 2)
	cases := []struct {
		name  string
		l     losses.Loss
		yTrue *tensor.Tensor
		x     *tensor.Tensor
	}{
		{"categorical_hinge", losses.CategoricalHinge{}, onehot, tensor.FromSlice([]float32{0.3, 0.1, -0.4, 0.2, 0.9, -0.5, 0.6, -0.2, 0.1}, 3, 3)},
		{"cosine_similarity", losses.CosineSimilarity{Reduction: losses.Sum}, tt.Rand(3, -1, 1, 3, 3), tt.Rand(4, -1, 1, 3, 3)},
		{"binary_focal", losses.BinaryFocalCrossentropy{ApplyClassBalancing: true}, bin, tt.Rand(5, 0.1, 0.9, 3, 2)},
		{"binary_focal logits", losses.BinaryFocalCrossentropy{FromLogits: true, LabelSmoothing: 0.1}, bin, tt.Rand(6, -2, 2, 3, 2)},
		{"categorical_focal", losses.CategoricalFocalCrossentropy{Gamma: 1.5}, onehot, tt.Rand(7, 0.1, 0.9, 3, 3)},
		{"categorical_focal logits", losses.CategoricalFocalCrossentropy{FromLogits: true}, onehot, tt.Rand(8, -2, 2, 3, 3)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tt.GradCheck(t, func(xs ...*tensor.Tensor) *tensor.Tensor { return c.l.Call(c.yTrue, xs[0]) },
				[]*tensor.Tensor{c.x}, tt.GradCheckOptions{})
		})
	}
}

// TestReductions checks "sum" and "none" against the default on every
// loss of the package: sum = n·mean, and none gives the n values whose
// mean is the default.
func TestReductions(t *testing.T) {
	yt := tensor.FromSlice([]float32{0, 1, 0, 1, 0, 0}, 2, 3)
	yp := tensor.FromSlice([]float32{0.2, 0.5, 0.3, 0.6, 0.3, 0.1}, 2, 3)
	for _, name := range losses.Names() {
		l, _ := losses.Get(name)
		per, ok := l.(losses.PerExampleLoss)
		if !ok {
			t.Errorf("%s is not a PerExampleLoss", name)
			continue
		}
		yTrue := yt
		if name == "sparse_categorical_crossentropy" {
			yTrue = tensor.FromSlice([]float32{1, 0}, 2)
		}
		mean := float64(l.Call(yTrue, yp).Item())
		v := per.PerExample(yTrue, yp).Data()
		if len(v) != 2 || math.Abs((float64(v[0])+float64(v[1]))/2-mean) > 1e-6*(1+math.Abs(mean)) {
			t.Errorf("%s: per-example %v, mean %v", name, v, mean)
		}
		sum := float64(losses.Reduce(per.PerExample(yTrue, yp), losses.Sum).Item())
		if math.Abs(sum-2*mean) > 1e-5*(1+math.Abs(mean)) {
			t.Errorf("%s: sum %v, want 2·%v", name, sum, mean)
		}
	}
	if err := losses.Reduction("avg").Check(); err == nil {
		t.Error(`Reduction("avg").Check() = nil, want an error`)
	}
	got := losses.MeanAbsoluteError{Reduction: losses.None}.Call(yt, yp)
	if got.Size() != 2 {
		t.Errorf(`MAE with Reduction "none" has shape %v, want [2]`, got.Shape())
	}
	// Keras's reduction "sum" on an MAE: (0.2+0.5+0.3)/3 + (0.4+0.3+0.1)/3.
	if s := (losses.MeanAbsoluteError{Reduction: losses.Sum}).Call(yt, yp).Item(); math.Abs(float64(s)-1.8/3) > 1e-6 {
		t.Errorf("MAE sum = %v, want 0.6", s)
	}
}
