// Package losses provides the functions that measure how far a model's
// predictions are from the targets, with Keras's names and semantics.
//
// Each loss returns the mean over the batch of the per-example losses
// (Keras's default reduction "sum_over_batch_size") as a scalar tensor that
// is differentiable with respect to the predictions.
//
// Probability-based losses clip predictions to [1e-7, 1 − 1e-7] before taking
// logarithms, as Keras does. When the predictions come straight from a
// softmax or sigmoid (the model's last activation), they are instead computed
// from that activation's input, the logits, which is exact and never
// overflows; Keras's TensorFlow backend does the same inside fit().
package losses

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/neuron-go/neuron/tensor"
)

// Epsilon is Keras's fuzz factor (keras.config.epsilon()): probabilities are
// clipped to [Epsilon, 1 − Epsilon] before a logarithm.
const Epsilon = 1e-7

// Loss computes a scalar loss for a batch.
//
// A loss of one's own needs only Name and Call. Fit and Evaluate hand Call
// the targets as they were given, as Keras hands y_true to a custom loss:
// integer class labels of shape (batch) stay so. They check only that the
// targets have a row per example and are finite, unless the loss declares
// what it takes: LabelChecker for integer class labels (the labels are then
// checked to be class indices of the output), TargetChecker for anything
// else. To be trained with sample or class weights a loss also implements
// PerExampleLoss.
type Loss interface {
	// Name returns the Keras name, e.g. "sparse_categorical_crossentropy".
	Name() string
	// Call returns the loss of the batch, a scalar (the mean over the
	// batch, unless the loss has another Reduction). yTrue holds the
	// targets as Fit was given them (class indices for sparse losses),
	// yPred the model's outputs.
	Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor
}

// LabelChecker is implemented by losses that take integer class labels; the
// model calls it on the data before training so that a bad label is an error
// naming its position, not a panic. The model also checks that the labels
// have the output's shape without its class axis (SparseLabelShape). A loss of one's own on integer labels
// declares them by implementing it, usually with CheckSparseLabels (see the
// models package's example of a custom loss on integer labels).
type LabelChecker interface {
	// CheckLabels returns an error if yTrue does not suit predictions whose
	// last axis has classes entries.
	CheckLabels(yTrue *tensor.Tensor, classes int) error
}

// SparseCategoricalCrossentropy is the cross-entropy between integer class
// labels and predicted class probabilities (or logits if FromLogits):
// loss = −log p[label].
//
// Shapes: yTrue (batch) or (batch, 1) of class indices stored as float32;
// yPred (batch, classes). For a sequence output (batch, steps, classes) the
// labels are (batch, steps) or (batch, steps, 1) and the loss is the mean
// over all (example, step) entries, as Keras's sum_over_batch_size.
type SparseCategoricalCrossentropy struct {
	// FromLogits says yPred holds logits rather than probabilities.
	FromLogits bool
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (SparseCategoricalCrossentropy) Name() string { return "sparse_categorical_crossentropy" }

// Call implements Loss.
func (l SparseCategoricalCrossentropy) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduce(l.PerExample(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l SparseCategoricalCrossentropy) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	if l.FromLogits {
		return tensor.SparseSoftmaxCrossEntropy(yPred, yTrue)
	}
	if z, kind := yPred.Logits(); kind == "softmax" {
		return tensor.SparseSoftmaxCrossEntropy(z, yTrue)
	}
	return clippedLog(normalize(yPred)).Pick(Labels(yTrue)).Neg()
}

// LossReduction implements PerExampleLoss.
func (l SparseCategoricalCrossentropy) LossReduction() Reduction { return l.Reduction }

// CheckLabels implements LabelChecker: every label must be an integer in
// [0, classes).
func (SparseCategoricalCrossentropy) CheckLabels(yTrue *tensor.Tensor, classes int) error {
	return CheckSparseLabels(yTrue, classes)
}

// CheckSparseLabels returns an error naming the first entry of yTrue that is
// not an integer class index in [0, classes), or a scalar yTrue. Labels hold
// one index per row of the predictions' last axis: (n) or (n, 1) for
// predictions (n, classes), (n, steps) or (n, steps, 1) for a sequence's
// (n, steps, classes); SparseLabelShape checks that they match.
func CheckSparseLabels(yTrue *tensor.Tensor, classes int) error {
	s := yTrue.Shape()
	if len(s) == 0 {
		return fmt.Errorf("labels must have shape (n) or (n, 1), got %v", s)
	}
	for i, v := range yTrue.Data() {
		if !(v >= 0 && v < float32(classes)) || v != float32(math.Trunc(float64(v))) {
			return fmt.Errorf("label %d is %v: want an integer class index in [0, %d)", i, v, classes)
		}
	}
	return nil
}

// SparseLabelShape returns an error unless integer labels of per-example
// shape label suit predictions of per-example shape pred (…, classes): label
// must be pred without its last axis, or that with a trailing 1, as Keras's
// sparse losses ask.
func SparseLabelShape(label, pred []int) error {
	if len(pred) == 0 {
		return nil
	}
	want := pred[:len(pred)-1]
	ok := len(label) == len(want) || (len(label) == len(want)+1 && label[len(label)-1] == 1)
	for i := 0; ok && i < len(want); i++ {
		ok = label[i] == want[i]
	}
	if !ok {
		return fmt.Errorf("labels of per-example shape %v for predictions %v: want %v or %v", label, pred, want, append(append([]int{}, want...), 1))
	}
	return nil
}

// Labels converts class indices stored in a float32 tensor to ints.
func Labels(yTrue *tensor.Tensor) []int {
	d := yTrue.Data()
	out := make([]int, len(d))
	for i, v := range d {
		out[i] = int(v)
	}
	return out
}

// CategoricalCrossentropy is the cross-entropy between one-hot (or soft)
// targets and predicted class probabilities (or logits if FromLogits):
// loss = −Σ yTrue·log yPred.
//
// Shapes: yTrue and yPred (batch, classes).
type CategoricalCrossentropy struct {
	// FromLogits says yPred holds logits rather than probabilities.
	FromLogits bool
	// LabelSmoothing s in [0, 1] replaces the targets t by t·(1 − s) + s/classes, as
	// Keras's label_smoothing; 0 leaves them as they are.
	LabelSmoothing float32
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (CategoricalCrossentropy) Name() string { return "categorical_crossentropy" }

// Call implements Loss.
func (l CategoricalCrossentropy) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduce(l.PerExample(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l CategoricalCrossentropy) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	if s := l.LabelSmoothing; s > 0 {
		yTrue = yTrue.MulScalar(1 - s).AddScalar(s / float32(yPred.Dim(-1)))
	}
	if l.FromLogits {
		return tensor.SoftmaxCrossEntropy(yPred, yTrue)
	}
	if z, kind := yPred.Logits(); kind == "softmax" {
		return tensor.SoftmaxCrossEntropy(z, yTrue)
	}
	return yTrue.Mul(clippedLog(normalize(yPred))).SumAxis(-1, false).Neg()
}

// LossReduction implements PerExampleLoss.
func (l CategoricalCrossentropy) LossReduction() Reduction { return l.Reduction }

// BinaryCrossentropy is the cross-entropy of independent binary targets:
// loss = mean over the last axis of −(t·log p + (1−t)·log(1−p)).
//
// Shapes: yTrue and yPred the same, e.g. (batch, 1).
type BinaryCrossentropy struct {
	// FromLogits says yPred holds logits rather than probabilities.
	FromLogits bool
	// LabelSmoothing s in [0, 1] replaces the targets t by t·(1 − s) + 0.5·s, as
	// Keras's label_smoothing; 0 leaves them as they are.
	LabelSmoothing float32
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (BinaryCrossentropy) Name() string { return "binary_crossentropy" }

// Call implements Loss.
func (l BinaryCrossentropy) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduceElems(l.elems(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l BinaryCrossentropy) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return meanLast(l.elems(yTrue, yPred))
}

// LossReduction implements PerExampleLoss.
func (l BinaryCrossentropy) LossReduction() Reduction { return l.Reduction }

// elems returns the elementwise cross-entropies.
func (l BinaryCrossentropy) elems(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	if s := l.LabelSmoothing; s > 0 {
		yTrue = yTrue.MulScalar(1 - s).AddScalar(0.5 * s)
	}
	if l.FromLogits {
		return tensor.SigmoidCrossEntropy(yPred, yTrue)
	}
	if z, kind := yPred.Logits(); kind == "sigmoid" {
		return tensor.SigmoidCrossEntropy(z, yTrue)
	}
	return clippedBCE(yTrue, yPred)
}

// clippedBCE is Keras 3's −(t·log p + (1−t)·log(1 − p)) on p clipped to
// [ε, 1−ε], elementwise.
func clippedBCE(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	p := yPred.Clip(Epsilon, 1-Epsilon)
	pos := yTrue.Mul(p.Log())
	neg := yTrue.Neg().AddScalar(1).Mul(p.Neg().AddScalar(1).Log())
	return pos.Add(neg).Neg()
}

// MeanSquaredError is mean((yTrue − yPred)²) over the last axis, averaged over
// the batch.
type MeanSquaredError struct {
	// Reduction is Keras's reduction (default SumOverBatchSize).
	Reduction Reduction
}

// Name implements Loss.
func (MeanSquaredError) Name() string { return "mean_squared_error" }

// Call implements Loss.
func (l MeanSquaredError) Call(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return reduceElems(l.elems(yTrue, yPred), l.Reduction)
}

// PerExample implements PerExampleLoss.
func (l MeanSquaredError) PerExample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	return meanLast(l.elems(yTrue, yPred))
}

// LossReduction implements PerExampleLoss.
func (l MeanSquaredError) LossReduction() Reduction { return l.Reduction }

func (MeanSquaredError) elems(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	yTrue = matchTargets(yTrue, yPred)
	return yPred.Sub(yTrue).Square()
}

// reduceElems reduces elementwise losses whose per-example value is their
// mean over the last axis. The default reduction is the mean of them all,
// which equals the mean of the per-example means and skips a step.
func reduceElems(elems *tensor.Tensor, r Reduction) *tensor.Tensor {
	if r.isDefault() {
		return elems.Mean()
	}
	return reduce(meanLast(elems), r)
}

// matchTargets reshapes targets of shape (n) to predictions of shape (n, 1)
// (or any reshape with the same number of values), as Keras does, instead of
// letting them broadcast to (n, n).
func matchTargets(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	if yTrue.Size() == yPred.Size() && yTrue.Rank() != yPred.Rank() {
		return yTrue.Reshape(yPred.Shape()...)
	}
	return yTrue
}

// normalize divides each row of probabilities by its sum, as Keras does
// before the log in categorical cross-entropies.
func normalize(p *tensor.Tensor) *tensor.Tensor {
	return p.Div(p.SumAxis(-1, true))
}

// clippedLog is log(clip(p, ε, 1−ε)).
func clippedLog(p *tensor.Tensor) *tensor.Tensor {
	return p.Clip(Epsilon, 1-Epsilon).Log()
}

// ErrUnknownName is wrapped by the error Get returns for an unknown name.
var ErrUnknownName = errors.New("unknown loss")

var registry = map[string]func() Loss{
	"sparse_categorical_crossentropy": func() Loss { return SparseCategoricalCrossentropy{} },
	"categorical_crossentropy":        func() Loss { return CategoricalCrossentropy{} },
	"binary_crossentropy":             func() Loss { return BinaryCrossentropy{} },
	"mean_squared_error":              func() Loss { return MeanSquaredError{} },
	"mse":                             func() Loss { return MeanSquaredError{} },
	"MSE":                             func() Loss { return MeanSquaredError{} },
	"mean_absolute_error":             func() Loss { return MeanAbsoluteError{} },
	"mae":                             func() Loss { return MeanAbsoluteError{} },
	"MAE":                             func() Loss { return MeanAbsoluteError{} },
	"mean_absolute_percentage_error":  func() Loss { return MeanAbsolutePercentageError{} },
	"mape":                            func() Loss { return MeanAbsolutePercentageError{} },
	"MAPE":                            func() Loss { return MeanAbsolutePercentageError{} },
	"mean_squared_logarithmic_error":  func() Loss { return MeanSquaredLogarithmicError{} },
	"msle":                            func() Loss { return MeanSquaredLogarithmicError{} },
	"MSLE":                            func() Loss { return MeanSquaredLogarithmicError{} },
	"huber":                           func() Loss { return Huber{} },
	"huber_loss":                      func() Loss { return Huber{} },
	"log_cosh":                        func() Loss { return LogCosh{} },
	"logcosh":                         func() Loss { return LogCosh{} },
	"kl_divergence":                   func() Loss { return KLDivergence{} },
	"kld":                             func() Loss { return KLDivergence{} },
	"KLD":                             func() Loss { return KLDivergence{} },
	"kullback_leibler_divergence":     func() Loss { return KLDivergence{} },
	"poisson":                         func() Loss { return Poisson{} },
	"hinge":                           func() Loss { return Hinge{} },
	"squared_hinge":                   func() Loss { return SquaredHinge{} },
	"categorical_hinge":               func() Loss { return CategoricalHinge{} },
	"cosine_similarity":               func() Loss { return CosineSimilarity{} },
	"binary_focal_crossentropy":       func() Loss { return BinaryFocalCrossentropy{} },
	"categorical_focal_crossentropy":  func() Loss { return CategoricalFocalCrossentropy{} },
}

// Get returns the loss with the given Keras name or alias, with defaults.
func Get(name string) (Loss, error) {
	if f, ok := registry[name]; ok {
		return f(), nil
	}
	return nil, fmt.Errorf("losses: %w %q (known: %s)", ErrUnknownName, name, strings.Join(Names(), ", "))
}

// Names returns the known names and aliases, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// KerasClass returns the Keras class name of a loss of this package that has
// no settings (or only default ones), e.g. "MeanAbsoluteError", so that it can
// be saved and loaded by name; ok is false for any other loss.
func KerasClass(l Loss) (class string, ok bool) {
	if r, isPer := l.(PerExampleLoss); isPer && !r.LossReduction().isDefault() {
		defer func() { ok = false }()
	}
	switch v := l.(type) {
	case MeanAbsoluteError, *MeanAbsoluteError:
		return "MeanAbsoluteError", true
	case MeanAbsolutePercentageError, *MeanAbsolutePercentageError:
		return "MeanAbsolutePercentageError", true
	case MeanSquaredLogarithmicError, *MeanSquaredLogarithmicError:
		return "MeanSquaredLogarithmicError", true
	case Huber:
		return "Huber", v.Delta == 0 || v.Delta == 1
	case *Huber:
		return "Huber", v.Delta == 0 || v.Delta == 1
	case LogCosh, *LogCosh:
		return "LogCosh", true
	case KLDivergence, *KLDivergence:
		return "KLDivergence", true
	case Poisson, *Poisson:
		return "Poisson", true
	case Hinge, *Hinge:
		return "Hinge", true
	case SquaredHinge, *SquaredHinge:
		return "SquaredHinge", true
	case CategoricalHinge, *CategoricalHinge:
		return "CategoricalHinge", true
	case CosineSimilarity, *CosineSimilarity:
		return "CosineSimilarity", true
	case BinaryFocalCrossentropy:
		return "BinaryFocalCrossentropy", v == BinaryFocalCrossentropy{}
	case *BinaryFocalCrossentropy:
		return "BinaryFocalCrossentropy", *v == BinaryFocalCrossentropy{}
	case CategoricalFocalCrossentropy:
		return "CategoricalFocalCrossentropy", v == CategoricalFocalCrossentropy{}
	case *CategoricalFocalCrossentropy:
		return "CategoricalFocalCrossentropy", *v == CategoricalFocalCrossentropy{}
	}
	return "", false
}

// FromKerasClass returns the default loss of a Keras class name that
// KerasClass produces.
func FromKerasClass(class string) (Loss, bool) {
	for _, f := range registry {
		l := f()
		if c, ok := KerasClass(l); ok && c == class {
			return l, true
		}
	}
	return nil, false
}
