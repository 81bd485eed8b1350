package layers

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/neuron-go/neuron/tensor"
)

// DualLayer is implemented by layers that are both a Layer and a
// MultiLayer, the recurrent layers and Bidirectional: one input and one
// output as a rule, several with initial states or return_state. A
// model's graph calls them as a MultiLayer where UsesMulti says so, and as
// a Layer otherwise; masks reach them either way (Masked, MaskedMulti).
type DualLayer interface {
	UsesMulti(inputs int) bool
}

// KeywordInputs is implemented by layers whose inputs after the first are
// a keyword argument of Keras's call, as the recurrent layers'
// initial_state: a functional model's config lists them under that name
// in the node's kwargs, as Keras writes it.
type KeywordInputs interface {
	KeywordInputs() string
}

// KeywordInputs implements KeywordInputs: initial_state.
func (*LSTM) KeywordInputs() string { return "initial_state" }

// KeywordInputs implements KeywordInputs: initial_state.
func (*GRU) KeywordInputs() string { return "initial_state" }

// KeywordInputs implements KeywordInputs: initial_state.
func (*SimpleRNN) KeywordInputs() string { return "initial_state" }

// oneOutput refuses return_state where the layer must have one output (a
// Sequential model, Layer's Build and Plan).
func oneOutput(name string, returnState bool, outputs int) error {
	if returnState {
		return fmt.Errorf("layers: %s: ReturnState gives %d outputs; apply the layer with models.ApplyMulti in a functional model", name, outputs)
	}
	return nil
}

// planStates plans a recurrent layer called on a sequence and optionally
// its initial states (states of them, each [units]), with the last states
// among the outputs if returnState.
func planStates(name string, units, states int, returnState bool, in [][]int, plan func([]int) ([]int, []WeightShape, error)) ([][]int, []WeightShape, error) {
	if len(in) != 1 && len(in) != 1+states {
		return nil, nil, fmt.Errorf("layers: %s: takes the sequence and optionally %d initial state(s), got %d inputs", name, states, len(in))
	}
	out, ws, err := plan(in[0])
	if err != nil {
		return nil, nil, err
	}
	for i, s := range in[1:] {
		if !slices.Equal(s, []int{units}) {
			return nil, nil, fmt.Errorf("layers: %s: initial state %d must be (None, %d), got %v", name, i, units, s)
		}
	}
	outs := [][]int{out}
	if returnState {
		for range states {
			outs = append(outs, []int{units})
		}
	}
	return outs, ws, nil
}

// buildStates is a recurrent layer's BuildMulti: planMulti checks the
// inputs and gives the outputs, build builds the layer for the sequence.
func buildStates(planMulti func([][]int) ([][]int, []WeightShape, error), build func([]int, *rand.Rand) ([]int, error), in [][]int, rng *rand.Rand) ([][]int, error) {
	out, _, err := planMulti(in)
	if err != nil {
		return nil, err
	}
	if _, err := build(in[0], rng); err != nil {
		return nil, err
	}
	return out, nil
}

// stateOutputs sets the outputs of a GRU or SimpleRNN called as a
// MultiLayer: the output, and with returnState the last h.
func stateOutputs(seq *tensor.Tensor, sequences, returnState bool, outs []*tensor.Tensor) {
	outs[0] = lastStep(seq, sequences)
	if returnState {
		outs[1] = outs[0]
		if sequences {
			outs[1] = lastStep(seq, false)
		}
	}
}

// CallMulti implements MultiLayer.
func (l *LSTM) CallMulti(xs []*tensor.Tensor, training bool, outs []*tensor.Tensor) {
	l.callMulti(xs, nil, training, outs)
}

// CallMultiMasked implements MaskedMulti: the mask of the sequence (the
// first input's; the initial states' masks are not read, as Keras reads
// the mask of the first argument) makes the layer skip the masked steps,
// which keep the states as they were, so that the last h and c are those
// of the last unmasked step. The output keeps the mask with
// ReturnSequences; the states carry none (Keras's RNN.compute_mask).
func (l *LSTM) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	l.callMulti(xs, masks[0], training, outs)
	stateMasks(masks[0], l.ReturnSequences, outMasks)
}

// CallMulti implements MultiLayer.
func (l *GRU) CallMulti(xs []*tensor.Tensor, training bool, outs []*tensor.Tensor) {
	l.callMulti(xs, nil, training, outs)
}

// CallMultiMasked implements MaskedMulti, as LSTM's.
func (l *GRU) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	l.callMulti(xs, masks[0], training, outs)
	stateMasks(masks[0], l.ReturnSequences, outMasks)
}

// CallMulti implements MultiLayer.
func (l *SimpleRNN) CallMulti(xs []*tensor.Tensor, training bool, outs []*tensor.Tensor) {
	l.callMulti(xs, nil, training, outs)
}

// CallMultiMasked implements MaskedMulti, as LSTM's.
func (l *SimpleRNN) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	l.callMulti(xs, masks[0], training, outs)
	stateMasks(masks[0], l.ReturnSequences, outMasks)
}

// stateMasks sets the output masks of a recurrent layer called as a
// MultiLayer: the sequence's mask on the output with sequences, none on
// the output otherwise nor on the states.
func stateMasks(mask *tensor.Tensor, sequences bool, outMasks []*tensor.Tensor) {
	clear(outMasks)
	outMasks[0] = sequenceMask(mask, sequences)
}

var (
	_ MaskedMulti = (*LSTM)(nil)
	_ MaskedMulti = (*GRU)(nil)
	_ MaskedMulti = (*SimpleRNN)(nil)
)
