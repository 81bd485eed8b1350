package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// LSTM is Keras's long short-term memory layer over sequences (batch,
// steps, features), with Keras's weights and gate order (i, f, c, o):
// kernel (features, 4·Units), recurrent_kernel (Units, 4·Units) and bias
// (4·Units), so that weights carry over from Keras files. It runs from
// zero initial states unless given others, and backpropagates through
// time.
//
// Shapes: (batch, steps, features) → (batch, Units), or (batch, steps,
// Units) with ReturnSequences.
//
// Masks (Embedding's MaskZero, Masking) make it skip padded steps;
// ReturnState and initial states are for functional models (see
// ReturnState); Dropout, RecurrentDropout and Stateful as Keras's.
type LSTM struct {
	// Units is the size of the hidden state; > 0.
	Units int
	// Activation defaults to Keras's tanh; RecurrentActivation to sigmoid.
	// The recurrent layers support tanh, sigmoid, relu, linear and
	// hard_sigmoid.
	Activation, RecurrentActivation activations.Activation
	// NoBias drops the bias (Keras use_bias=False).
	NoBias bool
	// KernelInitializer defaults to GlorotUniform, RecurrentInitializer
	// to Orthogonal, BiasInitializer to Zeros.
	KernelInitializer, RecurrentInitializer, BiasInitializer initializers.Initializer
	// NoUnitForgetBias leaves the forget gate's bias to BiasInitializer;
	// by default it starts at 1, as Keras's unit_forget_bias=True.
	NoUnitForgetBias bool
	// ReturnSequences returns the hidden state of every step, not only
	// the last.
	ReturnSequences bool
	// GoBackwards processes the sequence from its end and returns the
	// states in that order, as Keras's go_backwards.
	GoBackwards bool
	// ReturnState adds the last h and c to the outputs, as Keras's return_state:
	// the layer then has several outputs, for models.ApplyMulti in a
	// functional model. Called on more inputs there, the ones after the
	// sequence are the initial states (Keras's initial_state). With a
	// mask, the states are those of the last unmasked step (see
	// CallMultiMasked).
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
	// InputShape optionally declares the model's per-example input shape
	// (steps, features).
	InputShape []int

	kernel, recurrent, bias *Weight
	act, recAct             tensor.RNNActivation
	in                      []int
	rnnDropout
	states rnnStates
}

// ClassName implements Layer.
func (*LSTM) ClassName() string { return "LSTM" }

// ModelInputShape implements InputShaper.
func (l *LSTM) ModelInputShape() []int { return l.InputShape }

// rnnActivation maps an activation to the recurrent ops' own; the zero
// Activation means def.
func rnnActivation(layer, field string, a activations.Activation, def tensor.RNNActivation) (tensor.RNNActivation, error) {
	if a.IsZero() {
		return def, nil
	}
	switch a.Name() {
	case "tanh":
		return tensor.RNNTanh, nil
	case "sigmoid":
		return tensor.RNNSigmoid, nil
	case "relu":
		return tensor.RNNReLU, nil
	case "linear":
		return tensor.RNNLinear, nil
	case "hard_sigmoid":
		return tensor.RNNHardSigmoid, nil
	}
	return def, fmt.Errorf("layers: %s: %s %q is not supported by the recurrent layers (tanh, sigmoid, relu, linear, hard_sigmoid)", layer, field, a.Name())
}

// Plan implements Planner.
func (l *LSTM) Plan(in []int) ([]int, []WeightShape, error) {
	if err := oneOutput("LSTM", l.ReturnState, 3); err != nil {
		return nil, nil, err
	}
	return l.plan(in)
}

func (l *LSTM) plan(in []int) ([]int, []WeightShape, error) {
	if err := checkRates("LSTM", l.Dropout, l.RecurrentDropout); err != nil {
		return nil, nil, err
	}
	return planRecurrent("LSTM", l.Units, 4, in, l.NoBias, l.ReturnSequences, l.Activation, l.RecurrentActivation, false)
}

// planRecurrent checks a recurrent layer's settings against its input and
// returns its output shape and weights; gates is 4 for LSTM, 3 for GRU, 1
// for SimpleRNN.
func planRecurrent(name string, units, gates int, in []int, noBias, sequences bool, act, recAct activations.Activation, gruBias bool) ([]int, []WeightShape, error) {
	if units <= 0 {
		return nil, nil, fmt.Errorf("layers: %s: Units must be > 0, got %d", name, units)
	}
	if _, err := rnnActivation(name, "Activation", act, tensor.RNNTanh); err != nil {
		return nil, nil, err
	}
	if _, err := rnnActivation(name, "RecurrentActivation", recAct, tensor.RNNSigmoid); err != nil {
		return nil, nil, err
	}
	if len(in) != 2 {
		return nil, nil, fmt.Errorf("layers: %s: want examples of rank 2 (steps, features), got shape %v", name, in)
	}
	if err := checkOutput(name, "input", in); err != nil {
		return nil, nil, err
	}
	ws := []WeightShape{
		{Name: "kernel", Shape: []int{in[1], gates * units}},
		{Name: "recurrent_kernel", Shape: []int{units, gates * units}},
	}
	if !noBias {
		b := []int{gates * units}
		if gruBias {
			b = []int{2, gates * units}
		}
		ws = append(ws, WeightShape{Name: "bias", Shape: b})
	}
	if err := checkWeights(name, ws); err != nil {
		return nil, nil, err
	}
	out := []int{units}
	if sequences {
		out = []int{in[0], units}
	}
	return out, ws, nil
}

// Build implements Layer.
func (l *LSTM) Build(in []int, rng *rand.Rand) ([]int, error) {
	if err := oneOutput("LSTM", l.ReturnState, 3); err != nil {
		return nil, err
	}
	return l.build(in, rng)
}

func (l *LSTM) build(in []int, rng *rand.Rand) ([]int, error) {
	out, ws, err := l.plan(in)
	if err != nil {
		return nil, err
	}
	l.reset()
	l.states.reset()
	l.act, _ = rnnActivation("LSTM", "Activation", l.Activation, tensor.RNNTanh)
	l.recAct, _ = rnnActivation("LSTM", "RecurrentActivation", l.RecurrentActivation, tensor.RNNSigmoid)
	l.kernel, l.recurrent, l.bias = buildRecurrentWeights(ws, rng, l.KernelInitializer, l.RecurrentInitializer, l.BiasInitializer)
	if l.bias != nil && !l.NoUnitForgetBias {
		// Keras's unit_forget_bias: the forget gate's bias starts at 1.
		for j := l.Units; j < 2*l.Units; j++ {
			l.bias.Value.Data()[j] = 1
		}
	}
	l.in = append([]int(nil), in...)
	return out, nil
}

// buildRecurrentWeights creates kernel, recurrent_kernel and bias.
func buildRecurrentWeights(ws []WeightShape, rng *rand.Rand, ki, ri, bi initializers.Initializer) (kernel, recurrent, bias *Weight) {
	if ki == nil {
		ki = initializers.GlorotUniform{}
	}
	if ri == nil {
		ri = initializers.Orthogonal{}
	}
	if bi == nil {
		bi = initializers.Zeros{}
	}
	kernel = newWeight("kernel", ws[0].Shape, ki.Init(ws[0].Shape, rng))
	recurrent = newWeight("recurrent_kernel", ws[1].Shape, ri.Init(ws[1].Shape, rng))
	if len(ws) > 2 {
		bias = newWeight("bias", ws[2].Shape, bi.Init(ws[2].Shape, rng))
	}
	return kernel, recurrent, bias
}

// Call implements Layer.
func (l *LSTM) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	y, _ := l.CallMasked(x, nil, training)
	return y
}

// CallMasked implements Masked: masked steps keep the states as they were,
// and the mask goes on with the sequences (ReturnSequences) or ends here.
func (l *LSTM) CallMasked(x, mask *tensor.Tensor, training bool) (*tensor.Tensor, *tensor.Tensor) {
	checkBatch("LSTM", x, l.in)
	o := l.options(mask)
	x = l.apply(x, &o, l.Dropout, l.RecurrentDropout, l.Seed, 4, l.Units, training)
	var b *tensor.Tensor
	if l.bias != nil {
		b = l.bias.Value
	}
	if !l.Stateful {
		seq := tensor.LSTM(x, l.kernel.Value, l.recurrent.Value, b, o)
		return lastStep(seq, l.ReturnSequences), sequenceMask(mask, l.ReturnSequences)
	}
	o.H0, o.C0 = l.states.initial("LSTM", x.Dim(0), l.Units)
	seq, c := tensor.LSTMWithCell(x, l.kernel.Value, l.recurrent.Value, b, o)
	l.states.store(seq, c)
	return lastStep(seq, l.ReturnSequences), sequenceMask(mask, l.ReturnSequences)
}

func (l *LSTM) options(mask *tensor.Tensor) tensor.RNNOptions {
	return tensor.RNNOptions{Act: l.act, RecAct: l.recAct, Backwards: l.GoBackwards, Mask: mask}
}

// SeedFrom implements Seeder: the dropout masks come from a stream
// derived from rng, unless Seed is set.
func (l *LSTM) SeedFrom(rng *rand.Rand) { l.seed(rng, l.Seed) }

// UsesMulti implements DualLayer: with ReturnState, or initial states,
// the layer has several outputs or inputs.
func (l *LSTM) UsesMulti(inputs int) bool { return l.ReturnState || inputs > 1 }

// PlanMulti implements MultiPlanner: inputs the sequence, then optionally
// the initial h and c; outputs the output, then with ReturnState the last
// h and c.
func (l *LSTM) PlanMulti(in [][]int) ([][]int, []WeightShape, error) {
	return planStates("LSTM", l.Units, 2, l.ReturnState, in, l.plan)
}

// BuildMulti implements MultiLayer.
func (l *LSTM) BuildMulti(in [][]int, rng *rand.Rand) ([][]int, error) {
	return buildStates(l.PlanMulti, l.build, in, rng)
}

// callMulti is CallMulti with the mask of the sequence (nil for none).
func (l *LSTM) callMulti(xs []*tensor.Tensor, mask *tensor.Tensor, training bool, outs []*tensor.Tensor) {
	checkBatch("LSTM", xs[0], l.in)
	o := l.options(mask)
	x := l.apply(xs[0], &o, l.Dropout, l.RecurrentDropout, l.Seed, 4, l.Units, training)
	if len(xs) == 3 {
		o.H0, o.C0 = xs[1], xs[2]
	} else if l.Stateful {
		o.H0, o.C0 = l.states.initial("LSTM", x.Dim(0), l.Units)
	}
	var b *tensor.Tensor
	if l.bias != nil {
		b = l.bias.Value
	}
	seq, c := tensor.LSTMWithCell(x, l.kernel.Value, l.recurrent.Value, b, o)
	if l.Stateful {
		l.states.store(seq, c)
	}
	outs[0] = lastStep(seq, l.ReturnSequences)
	if l.ReturnState {
		outs[1], outs[2] = outs[0], c
		if l.ReturnSequences {
			outs[1] = lastStep(seq, false)
		}
	}
}

// lastStep returns seq [N, T, U] itself, or its last step [N, U].
func lastStep(seq *tensor.Tensor, sequences bool) *tensor.Tensor {
	if sequences {
		return seq
	}
	s := seq.Shape()
	return tensor.Crop(seq, [][2]int{{0, 0}, {s[1] - 1, 0}, {0, 0}}).Reshape(s[0], s[2])
}

// Weights implements Layer.
func (l *LSTM) Weights() []*Weight { return recurrentWeights(l.kernel, l.recurrent, l.bias) }

func recurrentWeights(k, r, b *Weight) []*Weight {
	if k == nil {
		return nil
	}
	if b == nil {
		return []*Weight{k, r}
	}
	return []*Weight{k, r, b}
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("LSTM", decodeLSTM) }

// recurrentConfig holds the keys of Keras's recurrent layers' configs.
type recurrentConfig struct {
	BatchInputShape      batchShape `json:"batch_input_shape,omitempty"`
	Units                int        `json:"units"`
	Activation           string     `json:"activation"`
	RecurrentActivation  string     `json:"recurrent_activation,omitempty"`
	UseBias              bool       `json:"use_bias"`
	KernelInitializer    *object    `json:"kernel_initializer"`
	RecurrentInitializer *object    `json:"recurrent_initializer"`
	BiasInitializer      *object    `json:"bias_initializer"`
	UnitForgetBias       *bool      `json:"unit_forget_bias,omitempty"`
	KernelRegularizer    *object    `json:"kernel_regularizer"`
	RecurrentRegularizer *object    `json:"recurrent_regularizer"`
	BiasRegularizer      *object    `json:"bias_regularizer"`
	ActivityRegularizer  *object    `json:"activity_regularizer"`
	KernelConstraint     *object    `json:"kernel_constraint"`
	RecurrentConstraint  *object    `json:"recurrent_constraint"`
	BiasConstraint       *object    `json:"bias_constraint"`
	Dropout              float32    `json:"dropout"`
	RecurrentDropout     float32    `json:"recurrent_dropout"`
	Seed                 *uint64    `json:"seed"`
	ReturnSequences      bool       `json:"return_sequences"`
	ReturnState          bool       `json:"return_state"`
	GoBackwards          bool       `json:"go_backwards"`
	Stateful             bool       `json:"stateful"`
	Unroll               bool       `json:"unroll"`
	ZeroOutputForMask    bool       `json:"zero_output_for_mask"`
	ResetAfter           *bool      `json:"reset_after,omitempty"`
}

// Config implements Configurable.
func (l *LSTM) Config() (any, error) {
	c, err := encodeRecurrent(l.Units, l.Activation, l.RecurrentActivation, "sigmoid", l.NoBias, l.KernelInitializer, l.RecurrentInitializer, l.BiasInitializer, l.ReturnSequences, l.GoBackwards, l.InputShape)
	if err != nil {
		return nil, err
	}
	ufb := !l.NoUnitForgetBias
	c.UnitForgetBias = &ufb
	c.ReturnState, c.Stateful = l.ReturnState, l.Stateful
	c.setDropout(l.Dropout, l.RecurrentDropout, l.Seed)
	return c, nil
}

// setDropout writes the dropout keys.
func (c *recurrentConfig) setDropout(rate, recurrent float32, seed uint64) {
	c.Dropout, c.RecurrentDropout = rate, recurrent
	if seed != 0 {
		c.Seed = &seed
	}
}

// seed is the layer's Seed from the config's seed (null: 0, the model's).
func (c *recurrentConfig) seed() uint64 {
	if c.Seed == nil {
		return 0
	}
	return *c.Seed
}

// encodeRecurrent writes the keys the recurrent layers share.
func encodeRecurrent(units int, act, recAct activations.Activation, recDef string, noBias bool, ki, ri, bi initializers.Initializer, sequences, backwards bool, inputShape []int) (recurrentConfig, error) {
	c := recurrentConfig{BatchInputShape: toBatchShape(inputShape), Units: units, Activation: "tanh", UseBias: !noBias, ReturnSequences: sequences, GoBackwards: backwards}
	if !act.IsZero() {
		c.Activation = act.Name()
	}
	if recDef != "" {
		c.RecurrentActivation = recDef
		if !recAct.IsZero() {
			c.RecurrentActivation = recAct.Name()
		}
	}
	var err error
	if c.KernelInitializer, err = encodeInitializer("kernel_initializer", ki, initializers.GlorotUniform{}); err != nil {
		return c, err
	}
	if c.RecurrentInitializer, err = encodeInitializer("recurrent_initializer", ri, initializers.Orthogonal{}); err != nil {
		return c, err
	}
	if c.BiasInitializer, err = encodeInitializer("bias_initializer", bi, initializers.Zeros{}); err != nil {
		return c, err
	}
	return c, nil
}

// decodeRecurrent reads the keys the recurrent layers share and refuses
// the options neuron does not have yet.
func decodeRecurrent(b []byte, c *recurrentConfig) (act, recAct activations.Activation, ki, ri, bi initializers.Initializer, in []int, err error) {
	c.Activation, c.UseBias = "tanh", true
	if err = DecodeConfig(b, c); err != nil {
		return
	}
	switch {
	case c.Units <= 0:
		err = fmt.Errorf("units must be > 0, got %d", c.Units)
	case !(c.Dropout >= 0 && c.Dropout < 1) || !(c.RecurrentDropout >= 0 && c.RecurrentDropout < 1):
		err = fmt.Errorf("dropout, recurrent_dropout: must be in [0, 1), got %v and %v", c.Dropout, c.RecurrentDropout)
	case c.KernelRegularizer != nil || c.RecurrentRegularizer != nil || c.BiasRegularizer != nil || c.ActivityRegularizer != nil:
		err = fmt.Errorf("regularizers on recurrent layers are not supported yet")
	case c.KernelConstraint != nil || c.RecurrentConstraint != nil || c.BiasConstraint != nil:
		err = fmt.Errorf("constraints on recurrent layers are not supported yet")
	}
	if err != nil {
		return
	}
	if act, err = decodeActivation(c.Activation); err != nil {
		return
	}
	if c.RecurrentActivation != "" {
		if recAct, err = decodeActivation(c.RecurrentActivation); err != nil {
			err = fmt.Errorf("recurrent_%w", err)
			return
		}
	}
	if ki, err = decodeInitializer("kernel_initializer", c.KernelInitializer); err != nil {
		return
	}
	if ri, err = decodeInitializer("recurrent_initializer", c.RecurrentInitializer); err != nil {
		return
	}
	if bi, err = decodeInitializer("bias_initializer", c.BiasInitializer); err != nil {
		return
	}
	in, err = c.BatchInputShape.perExample("batch_input_shape")
	return
}

func decodeLSTM(b []byte) (Layer, error) {
	var c recurrentConfig
	act, recAct, ki, ri, bi, in, err := decodeRecurrent(b, &c)
	if err != nil {
		return nil, err
	}
	l := &LSTM{Units: c.Units, Activation: act, RecurrentActivation: recAct, NoBias: !c.UseBias, KernelInitializer: ki, RecurrentInitializer: ri,
		BiasInitializer: bi, ReturnSequences: c.ReturnSequences, GoBackwards: c.GoBackwards, ReturnState: c.ReturnState, Stateful: c.Stateful, Dropout: c.Dropout, RecurrentDropout: c.RecurrentDropout, Seed: c.seed(), InputShape: in}
	if c.UnitForgetBias != nil {
		l.NoUnitForgetBias = !*c.UnitForgetBias
	}
	if _, err := rnnActivation("LSTM", "activation", act, tensor.RNNTanh); err != nil {
		return nil, err
	}
	if _, err := rnnActivation("LSTM", "recurrent_activation", recAct, tensor.RNNSigmoid); err != nil {
		return nil, err
	}
	return l, nil
}
