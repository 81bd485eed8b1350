package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// GRU is Keras's gated recurrent unit layer over sequences (batch, steps,
// features), with Keras's weights and gate order (z, r, h): kernel
// (features, 3·Units), recurrent_kernel (Units, 3·Units) and, with
// Keras's default reset_after=True, bias (2, 3·Units), the input and the
// recurrent biases (see tensor.GRU); with NoResetAfter (reset_after=False)
// bias (3·Units) and the reset gate applied before the recurrent product
// (see tensor.GRUResetBefore). It runs from a zero initial state.
//
// Shapes: (batch, steps, features) → (batch, Units), or (batch, steps,
// Units) with ReturnSequences. Masks, ReturnState, initial states,
// dropout and Stateful as for LSTM.
type GRU struct {
	// Units is the size of the hidden state; > 0.
	Units int
	// Activation defaults to tanh, RecurrentActivation to sigmoid (see
	// LSTM for the supported ones).
	Activation, RecurrentActivation activations.Activation
	// NoBias drops the bias (Keras use_bias=False).
	NoBias bool
	// NoResetAfter applies the reset gate to h before the recurrent
	// product, h̃ = act(x·W_h + (r ⊙ h)·U_h + b_h), with one bias
	// (3·Units) (Keras reset_after=False, the Keras 2 / TF1-era default,
	// ONNX's linear_before_reset=0); by default the gate multiplies the
	// product, h̃ = act(x·W_h + b_h + r ⊙ (h·U_h + b'_h)).
	NoResetAfter bool
	// KernelInitializer defaults to GlorotUniform, RecurrentInitializer
	// to Orthogonal, BiasInitializer to Zeros.
	KernelInitializer, RecurrentInitializer, BiasInitializer initializers.Initializer
	// ReturnSequences returns the hidden state of every step.
	ReturnSequences bool
	// GoBackwards processes the sequence from its end (Keras's
	// go_backwards).
	GoBackwards bool
	// ReturnState adds the last h to the outputs, as Keras's return_state:
	// the layer then has several outputs, for models.ApplyMulti in a
	// functional model. Called on more inputs there, the ones after the
	// sequence are the initial states (Keras's initial_state).
	ReturnState bool
	// Dropout and RecurrentDropout, in [0, 1), drop inputs and
	// recurrent states in training with one mask per example for all
	// steps, as Keras's dropout and recurrent_dropout; Seed, if not zero,
	// seeds the masks regardless of the model's seed.
	Dropout, RecurrentDropout float32
	Seed                      uint64
	// Stateful starts each batch from the states the previous batch
	// ended in, example by example (Keras's stateful): the batch size
	// must then stay the same; ResetStates sets the states to zeros.
	Stateful bool
	// InputShape optionally declares the model's per-example input shape.
	InputShape []int

	kernel, recurrent, bias *Weight
	act, recAct             tensor.RNNActivation
	in                      []int
	rnnDropout
	states rnnStates
}

// ClassName implements Layer.
func (*GRU) ClassName() string { return "GRU" }

// ModelInputShape implements InputShaper.
func (l *GRU) ModelInputShape() []int { return l.InputShape }

// Plan implements Planner.
func (l *GRU) Plan(in []int) ([]int, []WeightShape, error) {
	if err := oneOutput("GRU", l.ReturnState, 2); err != nil {
		return nil, nil, err
	}
	return l.plan(in)
}

func (l *GRU) plan(in []int) ([]int, []WeightShape, error) {
	if err := checkRates("GRU", l.Dropout, l.RecurrentDropout); err != nil {
		return nil, nil, err
	}
	return planRecurrent("GRU", l.Units, 3, in, l.NoBias, l.ReturnSequences, l.Activation, l.RecurrentActivation, !l.NoResetAfter)
}

// Build implements Layer.
func (l *GRU) Build(in []int, rng *rand.Rand) ([]int, error) {
	if err := oneOutput("GRU", l.ReturnState, 2); err != nil {
		return nil, err
	}
	return l.build(in, rng)
}

func (l *GRU) build(in []int, rng *rand.Rand) ([]int, error) {
	out, ws, err := l.plan(in)
	if err != nil {
		return nil, err
	}
	l.reset()
	l.states.reset()
	l.act, _ = rnnActivation("GRU", "Activation", l.Activation, tensor.RNNTanh)
	l.recAct, _ = rnnActivation("GRU", "RecurrentActivation", l.RecurrentActivation, tensor.RNNSigmoid)
	l.kernel, l.recurrent, l.bias = buildRecurrentWeights(ws, rng, l.KernelInitializer, l.RecurrentInitializer, l.BiasInitializer)
	l.in = append([]int(nil), in...)
	return out, nil
}

// Call implements Layer.
func (l *GRU) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	y, _ := l.CallMasked(x, nil, training)
	return y
}

// CallMasked implements Masked: masked steps keep the states as they were,
// and the mask goes on with the sequences (ReturnSequences) or ends here.
func (l *GRU) CallMasked(x, mask *tensor.Tensor, training bool) (*tensor.Tensor, *tensor.Tensor) {
	checkBatch("GRU", x, l.in)
	o := l.options(mask)
	x = l.apply(x, &o, l.Dropout, l.RecurrentDropout, l.Seed, 3, l.Units, training)
	var b *tensor.Tensor
	if l.bias != nil {
		b = l.bias.Value
	}
	if l.Stateful {
		o.H0, _ = l.states.initial("GRU", x.Dim(0), l.Units)
	}
	seq := l.run(x, b, o)
	if l.Stateful {
		l.states.store(seq, nil)
	}
	return lastStep(seq, l.ReturnSequences), sequenceMask(mask, l.ReturnSequences)
}

// run is the op of the layer's formulation.
func (l *GRU) run(x, b *tensor.Tensor, o tensor.RNNOptions) *tensor.Tensor {
	if l.NoResetAfter {
		return tensor.GRUResetBefore(x, l.kernel.Value, l.recurrent.Value, b, o)
	}
	return tensor.GRU(x, l.kernel.Value, l.recurrent.Value, b, o)
}

func (l *GRU) options(mask *tensor.Tensor) tensor.RNNOptions {
	return tensor.RNNOptions{Act: l.act, RecAct: l.recAct, Backwards: l.GoBackwards, Mask: mask}
}

// SeedFrom implements Seeder: the dropout masks come from a stream
// derived from rng, unless Seed is set.
func (l *GRU) SeedFrom(rng *rand.Rand) { l.seed(rng, l.Seed) }

// UsesMulti implements DualLayer: with ReturnState, or an initial state,
// the layer has several outputs or inputs.
func (l *GRU) UsesMulti(inputs int) bool { return l.ReturnState || inputs > 1 }

// PlanMulti implements MultiPlanner: inputs the sequence, then optionally
// the initial h; outputs the output, then with ReturnState the last h.
func (l *GRU) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	return planStates("GRU", l.Units, 1, l.ReturnState, in, l.plan)
}

// BuildMulti implements MultiLayer.
func (l *GRU) BuildMulti(in [][]int, rng *rand.Rand) ([][]int, error) {
	return buildStates(l.PlanMulti, l.build, in, rng)
}

// callMulti is CallMulti with the mask of the sequence (nil for none).
func (l *GRU) callMulti(xs []*tensor.Tensor, mask *tensor.Tensor, training bool, outs []*tensor.Tensor) {
	checkBatch("GRU", xs[0], l.in)
	o := l.options(mask)
	x := l.apply(xs[0], &o, l.Dropout, l.RecurrentDropout, l.Seed, 3, l.Units, training)
	if len(xs) == 2 {
		o.H0 = xs[1]
	}
	var b *tensor.Tensor
	if l.bias != nil {
		b = l.bias.Value
	}
	if len(xs) == 1 && l.Stateful {
		o.H0, _ = l.states.initial("GRU", x.Dim(0), l.Units)
	}
	seq := l.run(x, b, o)
	if l.Stateful {
		l.states.store(seq, nil)
	}
	stateOutputs(seq, l.ReturnSequences, l.ReturnState, outs)
}

// Weights implements Layer.
func (l *GRU) Weights() []*Weight { return recurrentWeights(l.kernel, l.recurrent, l.bias) }

// SimpleRNN is Keras's fully-connected recurrent layer, h = act(x·kernel +
// h·recurrent_kernel + bias), over sequences (batch, steps, features);
// kernel (features, Units), recurrent_kernel (Units, Units), bias
// (Units). It runs from a zero initial state.
//
// Shapes as LSTM; refused as for LSTM.
type SimpleRNN struct {
	// Units is the size of the hidden state; > 0.
	Units int
	// Activation defaults to tanh (see LSTM for the supported ones).
	Activation activations.Activation
	// NoBias drops the bias (Keras use_bias=False).
	NoBias bool
	// KernelInitializer defaults to GlorotUniform, RecurrentInitializer
	// to Orthogonal, BiasInitializer to Zeros.
	KernelInitializer, RecurrentInitializer, BiasInitializer initializers.Initializer
	// ReturnSequences returns the hidden state of every step.
	ReturnSequences bool
	// GoBackwards processes the sequence from its end.
	GoBackwards bool
	// ReturnState adds the last h to the outputs, as Keras's return_state:
	// the layer then has several outputs, for models.ApplyMulti in a
	// functional model. Called on more inputs there, the ones after the
	// sequence are the initial states (Keras's initial_state).
	ReturnState bool
	// Dropout and RecurrentDropout, in [0, 1), drop inputs and
	// recurrent states in training with one mask per example for all
	// steps, as Keras's dropout and recurrent_dropout; Seed, if not zero,
	// seeds the masks regardless of the model's seed.
	Dropout, RecurrentDropout float32
	Seed                      uint64
	// Stateful starts each batch from the states the previous batch
	// ended in, example by example (Keras's stateful): the batch size
	// must then stay the same; ResetStates sets the states to zeros.
	Stateful bool
	// InputShape optionally declares the model's per-example input shape.
	InputShape []int

	kernel, recurrent, bias *Weight
	act                     tensor.RNNActivation
	in                      []int
	rnnDropout
	states rnnStates
}

// ClassName implements Layer.
func (*SimpleRNN) ClassName() string { return "SimpleRNN" }

// ModelInputShape implements InputShaper.
func (l *SimpleRNN) ModelInputShape() []int { return l.InputShape }

// Plan implements Planner.
func (l *SimpleRNN) Plan(in []int) ([]int, []WeightShape, error) {
	if err := oneOutput("SimpleRNN", l.ReturnState, 2); err != nil {
		return nil, nil, err
	}
	return l.plan(in)
}

func (l *SimpleRNN) plan(in []int) ([]int, []WeightShape, error) {
	if err := checkRates("SimpleRNN", l.Dropout, l.RecurrentDropout); err != nil {
		return nil, nil, err
	}
	return planRecurrent("SimpleRNN", l.Units, 1, in, l.NoBias, l.ReturnSequences, l.Activation, activations.Activation{}, false)
}

// Build implements Layer.
func (l *SimpleRNN) Build(in []int, rng *rand.Rand) ([]int, error) {
	if err := oneOutput("SimpleRNN", l.ReturnState, 2); err != nil {
		return nil, err
	}
	return l.build(in, rng)
}

func (l *SimpleRNN) build(in []int, rng *rand.Rand) ([]int, error) {
	out, ws, err := l.plan(in)
	if err != nil {
		return nil, err
	}
	l.reset()
	l.states.reset()
	l.act, _ = rnnActivation("SimpleRNN", "Activation", l.Activation, tensor.RNNTanh)
	l.kernel, l.recurrent, l.bias = buildRecurrentWeights(ws, rng, l.KernelInitializer, l.RecurrentInitializer, l.BiasInitializer)
	l.in = append([]int(nil), in...)
	return out, nil
}

// Call implements Layer.
func (l *SimpleRNN) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	y, _ := l.CallMasked(x, nil, training)
	return y
}

// CallMasked implements Masked: masked steps keep the states as they were,
// and the mask goes on with the sequences (ReturnSequences) or ends here.
func (l *SimpleRNN) CallMasked(x, mask *tensor.Tensor, training bool) (*tensor.Tensor, *tensor.Tensor) {
	checkBatch("SimpleRNN", x, l.in)
	o := l.options(mask)
	x = l.apply(x, &o, l.Dropout, l.RecurrentDropout, l.Seed, 1, l.Units, training)
	var b *tensor.Tensor
	if l.bias != nil {
		b = l.bias.Value
	}
	if l.Stateful {
		o.H0, _ = l.states.initial("SimpleRNN", x.Dim(0), l.Units)
	}
	seq := tensor.SimpleRNN(x, l.kernel.Value, l.recurrent.Value, b, o)
	if l.Stateful {
		l.states.store(seq, nil)
	}
	return lastStep(seq, l.ReturnSequences), sequenceMask(mask, l.ReturnSequences)
}

func (l *SimpleRNN) options(mask *tensor.Tensor) tensor.RNNOptions {
	return tensor.RNNOptions{Act: l.act, Backwards: l.GoBackwards, Mask: mask}
}

// SeedFrom implements Seeder: the dropout masks come from a stream
// derived from rng, unless Seed is set.
func (l *SimpleRNN) SeedFrom(rng *rand.Rand) { l.seed(rng, l.Seed) }

// UsesMulti implements DualLayer, as GRU's.
func (l *SimpleRNN) UsesMulti(inputs int) bool { return l.ReturnState || inputs > 1 }

// PlanMulti implements MultiPlanner, as GRU's.
func (l *SimpleRNN) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	return planStates("SimpleRNN", l.Units, 1, l.ReturnState, in, l.plan)
}

// BuildMulti implements MultiLayer.
func (l *SimpleRNN) BuildMulti(in [][]int, rng *rand.Rand) ([][]int, error) {
	return buildStates(l.PlanMulti, l.build, in, rng)
}

// callMulti is CallMulti with the mask of the sequence (nil for none).
func (l *SimpleRNN) callMulti(xs []*tensor.Tensor, mask *tensor.Tensor, training bool, outs []*tensor.Tensor) {
	checkBatch("SimpleRNN", xs[0], l.in)
	o := l.options(mask)
	x := l.apply(xs[0], &o, l.Dropout, l.RecurrentDropout, l.Seed, 1, l.Units, training)
	if len(xs) == 2 {
		o.H0 = xs[1]
	}
	var b *tensor.Tensor
	if l.bias != nil {
		b = l.bias.Value
	}
	if len(xs) == 1 && l.Stateful {
		o.H0, _ = l.states.initial("SimpleRNN", x.Dim(0), l.Units)
	}
	seq := tensor.SimpleRNN(x, l.kernel.Value, l.recurrent.Value, b, o)
	if l.Stateful {
		l.states.store(seq, nil)
	}
	stateOutputs(seq, l.ReturnSequences, l.ReturnState, outs)
}

// Weights implements Layer.
func (l *SimpleRNN) Weights() []*Weight { return recurrentWeights(l.kernel, l.recurrent, l.bias) }

// The layers' Keras configs (get_config and from_config), registered as a
// custom layer would be.
func init() {
	Register("GRU", decodeGRU)
	Register("SimpleRNN", decodeSimpleRNN)
}

// Config implements Configurable.
func (l *GRU) Config() (any, error) {
	c, err := encodeRecurrent(l.Units, l.Activation, l.RecurrentActivation, "sigmoid", l.NoBias, l.KernelInitializer, l.RecurrentInitializer, l.BiasInitializer, l.ReturnSequences, l.GoBackwards, l.InputShape)
	ra := !l.NoResetAfter
	c.ResetAfter = &ra
	c.ReturnState, c.Stateful = l.ReturnState, l.Stateful
	c.setDropout(l.Dropout, l.RecurrentDropout, l.Seed)
	return c, err
}

// Config implements Configurable.
func (l *SimpleRNN) Config() (any, error) {
	c, err := encodeRecurrent(l.Units, l.Activation, activations.Activation{}, "", l.NoBias, l.KernelInitializer, l.RecurrentInitializer, l.BiasInitializer, l.ReturnSequences, l.GoBackwards, l.InputShape)
	c.ReturnState, c.Stateful = l.ReturnState, l.Stateful
	c.setDropout(l.Dropout, l.RecurrentDropout, l.Seed)
	return c, err
}

func decodeGRU(b []byte) (Layer, error) {
	var c recurrentConfig
	act, recAct, ki, ri, bi, in, err := decodeRecurrent(b, &c)
	if err != nil {
		return nil, err
	}
	if c.UnitForgetBias != nil {
		return nil, fmt.Errorf("unit_forget_bias: not a key of GRU")
	}
	for _, a := range []struct {
		field string
		a     activations.Activation
		def   tensor.RNNActivation
	}{{"activation", act, tensor.RNNTanh}, {"recurrent_activation", recAct, tensor.RNNSigmoid}} {
		if _, err := rnnActivation("GRU", a.field, a.a, a.def); err != nil {
			return nil, err
		}
	}
	return &GRU{Units: c.Units, Activation: act, RecurrentActivation: recAct, NoBias: !c.UseBias, NoResetAfter: c.ResetAfter != nil && !*c.ResetAfter, KernelInitializer: ki, RecurrentInitializer: ri,
		BiasInitializer: bi, ReturnSequences: c.ReturnSequences, GoBackwards: c.GoBackwards, ReturnState: c.ReturnState, Stateful: c.Stateful, Dropout: c.Dropout, RecurrentDropout: c.RecurrentDropout, Seed: c.seed(), InputShape: in}, nil
}

func decodeSimpleRNN(b []byte) (Layer, error) {
	var c recurrentConfig
	act, _, ki, ri, bi, in, err := decodeRecurrent(b, &c)
	if err != nil {
		return nil, err
	}
	switch {
	case c.RecurrentActivation != "":
		return nil, fmt.Errorf("recurrent_activation: not a key of SimpleRNN")
	case c.UnitForgetBias != nil || c.ResetAfter != nil:
		return nil, fmt.Errorf("unit_forget_bias, reset_after: not keys of SimpleRNN")
	}
	if _, err := rnnActivation("SimpleRNN", "activation", act, tensor.RNNTanh); err != nil {
		return nil, err
	}
	return &SimpleRNN{Units: c.Units, Activation: act, NoBias: !c.UseBias, KernelInitializer: ki, RecurrentInitializer: ri,
		BiasInitializer: bi, ReturnSequences: c.ReturnSequences, GoBackwards: c.GoBackwards, ReturnState: c.ReturnState, Stateful: c.Stateful, Dropout: c.Dropout, RecurrentDropout: c.RecurrentDropout, Seed: c.seed(), InputShape: in}, nil
}
