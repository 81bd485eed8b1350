package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/tensor"
)

// Masked is implemented by layers that make, use or end a mask, Keras's
// compute_mask and mask argument: Embedding with MaskZero and Masking make
// one; the recurrent layers and Bidirectional skip masked steps;
// GlobalAveragePooling1D averages the unmasked steps only. A mask is a
// [N, steps] tensor, 1 for a step to use and 0 for padding.
//
// The model carries a mask from the layer that makes it to the layers
// after it: through a layer that implements Masked (which returns the
// mask of its output), through the layers PropagatesMask accepts (which
// work on each step alike), and no further than any other layer, as
// Keras drops the mask at a layer that does not support masking.
type Masked interface {
	// CallMasked is Call with the mask of x (nil for none); it returns
	// the output and the output's mask (nil for none).
	CallMasked(x, mask *tensor.Tensor, training bool) (y, outMask *tensor.Tensor)
}

// MaskedMulti is Masked for layers of several inputs or outputs: the merge
// layers combine their inputs' masks as Keras's do (the steps all of them
// keep).
type MaskedMulti interface {
	// CallMultiMasked is CallMulti with the inputs' masks (nil entries for
	// none); it stores the outputs' masks (or nil) in outMasks, which has
	// the length of outs.
	CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor)
}

// mergeMasks sets the output mask of a merge layer: the steps every
// input keeps (Keras's Merge.compute_mask).
func mergeMasks(masks, outMasks []*tensor.Tensor) {
	outMasks[0] = tensor.MaskAnd(masks...)
}

// mergeMasked is CallMultiMasked for the elementwise merge layers.
func mergeMasked(l MultiLayer, xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	l.CallMulti(xs, training, outs)
	mergeMasks(masks, outMasks)
}

// CallMultiMasked implements MaskedMulti.
func (l *Add) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	mergeMasked(l, xs, masks, training, outs, outMasks)
}

// CallMultiMasked implements MaskedMulti.
func (l *Subtract) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	mergeMasked(l, xs, masks, training, outs, outMasks)
}

// CallMultiMasked implements MaskedMulti.
func (l *Multiply) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	mergeMasked(l, xs, masks, training, outs, outMasks)
}

// CallMultiMasked implements MaskedMulti.
func (l *Average) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	mergeMasked(l, xs, masks, training, outs, outMasks)
}

// CallMultiMasked implements MaskedMulti.
func (l *Maximum) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	mergeMasked(l, xs, masks, training, outs, outMasks)
}

// CallMultiMasked implements MaskedMulti.
func (l *Minimum) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	mergeMasked(l, xs, masks, training, outs, outMasks)
}

// CallMultiMasked implements MaskedMulti, with Keras's
// Concatenate.compute_mask: joining sequences along their steps (axis 1)
// joins their masks (an unmasked input's steps all kept); along another
// axis, a step is kept where any input keeps it (so an unmasked input
// keeps them all).
func (l *Concatenate) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	l.CallMulti(xs, training, outs)
	outMasks[0] = nil
	ax := l.axis()
	if ax < 0 && len(xs) > 0 {
		ax += xs[0].Rank()
	}
	if ax == 1 && xs[0].Rank() >= 3 {
		outMasks[0] = tensor.MaskConcatSteps(masks, xs)
		return
	}
	outMasks[0] = tensor.MaskOr(masks...)
}

// MaskPropagator is implemented by custom layers that, like Dense or
// Dropout, work on each step alike and so keep the mask of their input
// (Keras's supports_masking = True without a compute_mask).
type MaskPropagator interface {
	PropagatesMask() bool
}

// PropagatesMask reports whether l passes the mask of its input on
// unchanged, as the Keras layers with supports_masking = True do: Dense,
// Dropout and the other regularization layers, the activation layers,
// Identity, the normalization layers, Rescaling and Normalization, and
// any layer implementing MaskPropagator.
func PropagatesMask(l Layer) bool {
	switch l.(type) {
	case *Dense, *Dropout, *GaussianDropout, *GaussianNoise, *ActivityRegularization,
		*Activation, *ReLU, *LeakyReLU, *PReLU, *ELU, *Softmax, *Identity,
		*BatchNormalization, *LayerNormalization, *GroupNormalization, *UnitNormalization,
		*Rescaling, *Normalization:
		return true
	}
	if p, ok := l.(MaskPropagator); ok {
		return p.PropagatesMask()
	}
	return false
}

// sequenceMask is a recurrent layer's output mask: its input's with
// return_sequences, none for the last state.
func sequenceMask(mask *tensor.Tensor, sequences bool) *tensor.Tensor {
	if sequences {
		return mask
	}
	return nil
}

// Masking marks the steps of a sequence whose features all equal
// MaskValue as padding for the layers after it (recurrent layers skip
// them), and sets them to 0, as Keras's Masking.
type Masking struct {
	// MaskValue is the padding value (Keras's mask_value, default 0).
	MaskValue float32
	// InputShape optionally declares the model's per-example input shape
	// (steps, features).
	InputShape []int

	in []int
}

// ClassName implements Layer.
func (*Masking) ClassName() string { return "Masking" }

// ModelInputShape implements InputShaper.
func (l *Masking) ModelInputShape() []int { return l.InputShape }

// Plan implements Planner.
func (l *Masking) Plan(in []int) ([]int, []WeightShape, error) {
	if len(in) != 2 {
		return nil, nil, fmt.Errorf("layers: Masking: want examples of rank 2 (steps, features), got shape %v", in)
	}
	if err := checkOutput("Masking", "input", in); err != nil {
		return nil, nil, err
	}
	return append([]int(nil), in...), nil, nil
}

// Build implements Layer.
func (l *Masking) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	if err == nil {
		l.in = append([]int(nil), in...)
	}
	return out, err
}

// Call implements Layer.
func (l *Masking) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	y, _ := l.CallMasked(x, nil, training)
	return y
}

// CallMasked implements Masked: the output's mask marks the steps with a
// feature other than MaskValue; a mask of the input is replaced, as in
// Keras.
func (l *Masking) CallMasked(x, _ *tensor.Tensor, _ bool) (*tensor.Tensor, *tensor.Tensor) {
	checkBatch("Masking", x, l.in)
	m := tensor.StepMask(x, l.MaskValue)
	return tensor.MaskSteps(x, m), m
}

// Weights implements Layer.
func (*Masking) Weights() []*Weight { return nil }

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("Masking", decodeMasking) }

type maskingConfig struct {
	BatchInputShape batchShape `json:"batch_input_shape,omitempty"`
	MaskValue       float32    `json:"mask_value"`
}

// Config implements Configurable.
func (l *Masking) Config() (any, error) {
	return maskingConfig{BatchInputShape: toBatchShape(l.InputShape), MaskValue: l.MaskValue}, nil
}

func decodeMasking(b []byte) (Layer, error) {
	var c maskingConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	in, err := c.BatchInputShape.perExample("batch_input_shape")
	if err != nil {
		return nil, err
	}
	return &Masking{MaskValue: c.MaskValue, InputShape: in}, nil
}
