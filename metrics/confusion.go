package metrics

import (
	"fmt"

	"github.com/neuron-go/neuron/tensor"
)

// Precision is the fraction of positive predictions that are right,
// TP / (TP + FP), with true and false positives counted over every batch
// since the last Reset, as Keras's keras.metrics.Precision. It is 0 while
// nothing has been predicted positive.
//
// How predictions are counted depends on the shapes of the first batch:
//
//   - Binary predictions (last axis 1), or targets with the predictions'
//     shape (one-hot or multi-label): every element is one decision. It is
//     a positive prediction when yPred > threshold (0.5 by default) and a
//     positive target when yTrue ≠ 0, and the counts are summed over all
//     elements (a micro average). This is what Keras computes, also for
//     one-hot targets with a softmax output.
//   - Integer class labels with a multi-class output (yTrue has one fewer
//     axis than yPred, or a last axis of 1 while yPred's is larger): the
//     prediction is the argmax class and no threshold applies. For integer
//     labels, where Keras raises an error, neuron reports the macro average
//     over classes of the per-class precision of the argmax prediction. The
//     average runs over the classes that occur in the labels or in the
//     predictions so far, a class never predicted counting as precision 0
//     (scikit-learn's precision_score with average="macro" and
//     zero_division=0). A micro average would be useless here: with one
//     label and one prediction per example it always equals the accuracy.
//
// WithClassID restricts the metric to one class, as Keras's class_id: the
// column of that class, thresholded, for one-hot or multi-label targets; the
// one-vs-rest precision of the argmax prediction for integer labels.
type Precision struct{ confusion }

// Recall is the fraction of positive targets that are found,
// TP / (TP + FN), counted over every batch since the last Reset, as Keras's
// keras.metrics.Recall. It is 0 while no target has been positive.
//
// Predictions are counted as for Precision. For integer labels, where Keras
// raises an error, neuron reports the macro average over classes of the
// per-class recall of the argmax prediction, over the classes that occur in
// the labels or in the predictions so far.
type Recall struct{ confusion }

// NewPrecision returns the "precision" metric with Keras's defaults
// (threshold 0.5, every class), changed by the options.
func NewPrecision(opts ...ConfusionOption) *Precision {
	return &Precision{newConfusion("precision", opts)}
}

// NewRecall returns the "recall" metric with Keras's defaults
// (threshold 0.5, every class), changed by the options.
func NewRecall(opts ...ConfusionOption) *Recall {
	return &Recall{newConfusion("recall", opts)}
}

// Result implements Metric.
func (p *Precision) Result() float64 { return p.result(false) }

// Result implements Metric.
func (r *Recall) Result() float64 { return r.result(true) }

// ConfusionOption changes a Precision or Recall metric.
type ConfusionOption func(*confusion)

// WithThreshold sets the probability above which a prediction counts as
// positive (Keras's thresholds; default 0.5). It does not apply to the
// argmax prediction used with integer labels.
func WithThreshold(t float64) ConfusionOption {
	return func(c *confusion) { c.threshold = float32(t) }
}

// WithClassID restricts the metric to class k (Keras's class_id).
func WithClassID(k int) ConfusionOption {
	if k < 0 {
		panic(fmt.Sprintf("metrics: WithClassID(%d): class must be ≥ 0", k))
	}
	return func(c *confusion) { c.classID = k }
}

// WithName sets the metric's name (its key in logs and History), so that
// two such metrics can be compiled together.
func WithName(name string) ConfusionOption {
	return func(c *confusion) { c.name = name }
}

// confusion counts true positives, false positives and false negatives for
// Precision and Recall.
type confusion struct {
	name      string
	threshold float32
	classID   int // -1: every class
	kind      accuracyKind

	// Elementwise decisions (binary, one-hot and multi-label targets).
	tp, fp, fn float64
	// Per-class counts of the argmax prediction (integer labels).
	ctp, cfp, cfn []float64
	pred          []int // argmax buffer, reused across batches
}

func newConfusion(name string, opts []ConfusionOption) confusion {
	c := confusion{name: name, threshold: 0.5, classID: -1}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Name implements Metric.
func (c *confusion) Name() string { return c.name }

// Reset implements Metric. The kind of targets is decided again by the next
// batch.
func (c *confusion) Reset() {
	c.kind = kindAuto
	c.tp, c.fp, c.fn = 0, 0, 0
	c.ctp, c.cfp, c.cfn = nil, nil, nil
}

// Update implements Metric.
func (c *confusion) Update(yTrue, yPred *tensor.Tensor) {
	if c.kind == kindAuto {
		c.kind = resolve(yTrue.Shape(), yPred.Shape())
	}
	if c.kind == kindSparse {
		c.updateSparse(yTrue, yPred)
	} else {
		c.updateElementwise(yTrue, yPred)
	}
}

// updateElementwise counts every element as one thresholded decision.
func (c *confusion) updateElementwise(yTrue, yPred *tensor.Tensor) {
	p, t := yPred.Data(), yTrue.Data()
	if len(p) != len(t) {
		panic(fmt.Sprintf("metrics: %s: targets %v and predictions %v differ in size", c.name, yTrue.Shape(), yPred.Shape()))
	}
	cols := 1
	if yPred.Rank() > 0 {
		cols = yPred.Dim(-1)
	}
	if c.classID >= cols {
		panic(fmt.Sprintf("metrics: %s: class %d out of range for predictions %v", c.name, c.classID, yPred.Shape()))
	}
	for i, v := range p {
		if c.classID >= 0 && i%cols != c.classID {
			continue
		}
		pos, truth := v > c.threshold, t[i] != 0
		switch {
		case pos && truth:
			c.tp++
		case pos:
			c.fp++
		case truth:
			c.fn++
		}
	}
}

// updateSparse counts the argmax prediction of each example against its
// integer label, per class. A label outside [0, classes) counts only as a
// false positive of the predicted class.
func (c *confusion) updateSparse(yTrue, yPred *tensor.Tensor) {
	classes := yPred.Dim(-1)
	c.pred = yPred.ArgMaxInto(c.pred)
	pred, t := c.pred, yTrue.Data()
	if len(pred) != len(t) {
		panic(fmt.Sprintf("metrics: %s: %d labels %v for %d predictions %v", c.name, len(t), yTrue.Shape(), len(pred), yPred.Shape()))
	}
	if c.ctp == nil {
		c.ctp, c.cfp, c.cfn = make([]float64, classes), make([]float64, classes), make([]float64, classes)
	} else if len(c.ctp) != classes {
		panic(fmt.Sprintf("metrics: %s: predictions %v have %d classes, earlier batches had %d", c.name, yPred.Shape(), classes, len(c.ctp)))
	}
	if c.classID >= classes {
		panic(fmt.Sprintf("metrics: %s: class %d out of range for predictions %v", c.name, c.classID, yPred.Shape()))
	}
	for i, k := range pred {
		v := t[i]
		label := -1
		if v >= 0 && v < float32(classes) && v == float32(int(v)) {
			label = int(v)
		}
		if label == k {
			c.ctp[k]++
			continue
		}
		c.cfp[k]++
		if label >= 0 {
			c.cfn[label]++
		}
	}
}

// result returns precision, or recall if recall is set.
func (c *confusion) result(recall bool) float64 {
	ratio := func(tp, fp, fn float64) float64 {
		d := tp + fp
		if recall {
			d = tp + fn
		}
		if d == 0 {
			return 0
		}
		return tp / d
	}
	if c.kind != kindSparse {
		return ratio(c.tp, c.fp, c.fn)
	}
	if c.classID >= 0 {
		if c.ctp == nil {
			return 0
		}
		return ratio(c.ctp[c.classID], c.cfp[c.classID], c.cfn[c.classID])
	}
	var sum float64
	n := 0
	for k, tp := range c.ctp {
		if tp+c.cfp[k]+c.cfn[k] == 0 {
			continue // neither a label nor a prediction so far
		}
		sum += ratio(tp, c.cfp[k], c.cfn[k])
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}
