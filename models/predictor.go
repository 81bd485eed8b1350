package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// ErrModelChanged is returned (wrapped) by a Predictor whose model has
// been trained since the Predictor was made: its weights may have moved,
// so the Predictor refuses to give answers from a half-updated model.
var ErrModelChanged = errors.New("the model was trained since the Predictor was made; make a new Predictor")

// Predictor runs a trained or loaded model's inference from many
// goroutines at once. Each call borrows a private copy of the network's
// value slots and its own scratch arena from a free list, so no lock is
// held while the model computes, and a call on a batch size it has seen
// before allocates nothing when given its output buffers (PredictInto).
// Its outputs are bit for bit those of the model's own Predict with the
// same batch size.
//
// A Predictor shares the model's layers and weights rather than copying
// them. Making one turns gradient tracking off on the weights and prepares
// the layers' inference caches (a BatchNormalization folded into the layer
// before it); from then on the model must not be changed (Fit, SetSeed,
// loading weights into it, a training Call) while a Predictor of it is in
// use. Training the model again is allowed once no Predictor call is
// running; the old Predictor then returns ErrModelChanged, and a new one
// sees the new weights. The model's own Evaluate and Predict, and
// NewPredictor (which refreshes the shared inference caches), may be
// called between Predictor calls, not during them.
type Predictor struct {
	e         *engine
	gen       uint64 // e.gen when the Predictor was made
	net       *network
	inNames   []string
	outNames  []string
	inShapes  [][]int // per example
	outShapes [][]int
	inSize    []int // values per example of each input
	outSize   []int
	batchSize int
	slabs     bool // batches of more than slabRows go through in slabs

	mu   sync.Mutex // guards free only; never held while computing
	free []*predictWorker
}

// predictWorker is what one Predictor call computes with.
type predictWorker struct {
	net   *network
	arena *tensor.Arena
	// in holds, per input, tensors bound to arena by batch size, their
	// storage the worker's own: a call copies its inputs in, so callers
	// may share input slices between goroutines.
	in    []map[int]*tensor.Tensor
	xs    []*tensor.Tensor
	ctx   context.Context
	slabs predictorSlabs // a call's large batches
}

// PredictorConfig holds a Predictor's options; zero values are defaults.
type PredictorConfig struct {
	// BatchSize splits larger calls into batches of at most this many
	// examples, as Predict's BatchSize does (its default, 32, is this
	// default too), so that the outputs match Predict's with the same
	// BatchSize bit for bit and a large request does not need memory in
	// proportion to its size. A negative BatchSize runs every call as one
	// batch.
	BatchSize int
}

// NewPredictor returns a Predictor for the model, which must be built (by
// Build, Fit, an input shape declared by its first layer, or loading).
// See Predictor for what the model may do while the Predictor is used.
func (m *Sequential) NewPredictor(cfg PredictorConfig) (*Predictor, error) {
	if !m.built {
		if err := m.ensureBuilt(); err != nil {
			return nil, fmt.Errorf("models: NewPredictor: the model is not built (call Build, or Fit it first): %w", err)
		}
	}
	m.bind()
	out := "output_0"
	if len(m.names) > 0 {
		out = m.names[len(m.names)-1]
	}
	return newPredictor(&m.engine, cfg, []string{"input_layer"}, []string{out})
}

// NewPredictor returns a Predictor for the functional model. Its inputs
// and outputs are in the order and have the names of InputNames and
// OutputNames. See Predictor for what the model may do while the
// Predictor is used.
func (m *Model) NewPredictor(cfg PredictorConfig) (*Predictor, error) {
	m.bind()
	return newPredictor(&m.engine, cfg, m.inNames, m.outNames)
}

func newPredictor(e *engine, cfg PredictorConfig, inNames, outNames []string) (p *Predictor, err error) {
	if e.net == nil || e.net.inShapes == nil {
		return nil, errors.New("models: NewPredictor: the model is not built (call Build, or Fit it first)")
	}
	if err := checkInference(e.net); err != nil {
		return nil, err
	}
	if err := e.checkWeights("NewPredictor"); err != nil {
		return nil, err
	}
	switch {
	case cfg.BatchSize == 0:
		cfg.BatchSize = 32
	case cfg.BatchSize < 0:
		cfg.BatchSize = 0
	}
	p = &Predictor{
		e:         e,
		gen:       e.gen.Load(),
		net:       e.net,
		inNames:   slices.Clone(inNames),
		outNames:  slices.Clone(outNames),
		inShapes:  cloneShapes(e.net.inShapes),
		outShapes: cloneShapes(e.net.outShapes),
		batchSize: cfg.BatchSize,
	}
	p.slabs, _ = slabSafe(e.net)
	for _, s := range p.inShapes {
		p.inSize = append(p.inSize, prod(s))
	}
	for _, s := range p.outShapes {
		p.outSize = append(p.outSize, prod(s))
	}
	e.freeze()
	e.net.resetInference()
	// One pass on a batch of one fills the layers' inference caches
	// while nothing else runs; later calls only read them.
	defer tensor.RecoverShapeError(&err)
	w := p.get()
	if err := w.trial(p); err != nil {
		return nil, fmt.Errorf("models: NewPredictor: a trial batch of zeros fails: %w", err)
	}
	p.put(w)
	return p, nil
}

// checkInference refuses networks whose inference changes state between
// calls: stateful recurrent layers carry their states from one batch to
// the next, which concurrent calls cannot share.
func checkInference(n *network) error {
	for _, l := range n.layers {
		if _, ok := l.layer.(interface{ ResetStates() }); !ok {
			continue
		}
		c, ok := l.layer.(interface{ Config() (any, error) })
		if !ok {
			continue
		}
		cfg, err := c.Config()
		if err != nil {
			continue
		}
		b, _ := json.Marshal(cfg)
		if strings.Contains(string(b), `"stateful":true`) {
			return fmt.Errorf("models: NewPredictor: layer %s is stateful (its states carry from one batch to the next), which concurrent calls cannot share", l.name)
		}
	}
	for i := range n.steps {
		if nm, ok := n.steps[i].multi.(*nestedModel); ok {
			if err := checkInference(nm.m.net); err != nil {
				return err
			}
		}
	}
	return nil
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// InputNames returns the names of the model's inputs, in the order
// Predict takes them: a functional model's InputNames, "input_layer" for
// a Sequential (Keras 3's name of its input).
func (p *Predictor) InputNames() []string { return slices.Clone(p.inNames) }

// OutputNames returns the names of the outputs, in the order Predict
// gives them: a functional model's OutputNames, the last layer's name for
// a Sequential (Keras's model.output_names).
func (p *Predictor) OutputNames() []string { return slices.Clone(p.outNames) }

// InputShapes returns each input's per-example shape (without the batch
// axis).
func (p *Predictor) InputShapes() [][]int { return cloneShapes(p.inShapes) }

// OutputShapes returns each output's per-example shape.
func (p *Predictor) OutputShapes() [][]int { return cloneShapes(p.outShapes) }

// Predict runs the model on x, one tensor per input, each of shape
// (batch, input shape...), and returns one new tensor per output. It is
// safe to call from many goroutines at once. ctx is checked between
// layers: a cancelled call returns ctx's error.
func (p *Predictor) Predict(ctx context.Context, x ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	if len(x) != len(p.inShapes) {
		return nil, fmt.Errorf("models: Predictor.Predict: got %d input tensors, the model has %d inputs (%s)", len(x), len(p.inShapes), strings.Join(p.inNames, ", "))
	}
	batch := 0
	ins := make([][]float32, len(x))
	for i, t := range x {
		if t == nil {
			return nil, fmt.Errorf("models: Predictor.Predict: input %d (%s) is nil", i, p.inNames[i])
		}
		s := t.Shape()
		if len(s) != len(p.inShapes[i])+1 || !slices.Equal(s[1:], p.inShapes[i]) {
			return nil, fmt.Errorf("models: Predictor.Predict: input %d (%s) has shape %s, the model takes %s", i, p.inNames[i], shapeString(s), batchShapeString(p.inShapes[i]))
		}
		if i == 0 {
			batch = s[0]
		} else if s[0] != batch {
			return nil, fmt.Errorf("models: Predictor.Predict: input %d (%s) has %d examples, input 0 (%s) has %d", i, p.inNames[i], s[0], p.inNames[0], batch)
		}
		ins[i] = t.Data()
	}
	outs := make([]*tensor.Tensor, len(p.outShapes))
	od := make([][]float32, len(outs))
	for i, s := range p.outShapes {
		outs[i] = tensor.Zeros(append([]int{batch}, s...)...)
		od[i] = outs[i].Data()
	}
	if err := p.PredictInto(ctx, batch, ins, od); err != nil {
		return nil, err
	}
	return outs, nil
}

// PredictInto runs the model on a batch of examples and writes its outputs
// into outputs: inputs[i] holds input i's values for the batch, row-major
// (batch × the input's per-example size), and outputs[i] must have room
// for output i's (batch × its per-example size). It is safe to call from
// many goroutines at once, and in steady state (a batch size seen before)
// it allocates nothing. ctx is checked between layers and batches: a
// cancelled call returns ctx's error, with outputs partly written.
func (p *Predictor) PredictInto(ctx context.Context, batch int, inputs, outputs [][]float32) (err error) {
	if err := p.check(batch, inputs, outputs); err != nil {
		return err
	}
	if p.e.gen.Load() != p.gen {
		return fmt.Errorf("models: Predictor: %w", ErrModelChanged)
	}
	w := p.get()
	defer p.put(w)
	defer tensor.RecoverShapeError(&err)
	w.ctx = ctx
	defer func() { w.ctx = nil }()
	step := batch
	if p.batchSize > 0 {
		step = min(batch, p.batchSize)
	}
	for lo := 0; lo < batch; lo += step {
		hi := min(lo+step, batch)
		if p.slabs && hi-lo > slabRows {
			// The layers' inference caches were filled by the trial batch.
			s := &w.slabs
			s.p, s.ctx, s.inputs, s.output, s.base, s.rows = p, ctx, inputs, outputs, lo, hi-lo
			if err := s.run(false); err != nil {
				return err
			}
			continue
		}
		for i, in := range inputs {
			w.xs[i] = w.input(i, hi-lo, p)
			copy(w.xs[i].Data(), in[lo*p.inSize[i]:hi*p.inSize[i]])
		}
		preds, err := w.forward()
		if err != nil {
			w.arena.Reset()
			return err
		}
		for i, y := range preds {
			copy(outputs[i][lo*p.outSize[i]:hi*p.outSize[i]], y.Data())
		}
		w.arena.Reset()
	}
	return nil
}

// check checks PredictInto's arguments.
func (p *Predictor) check(batch int, inputs, outputs [][]float32) error {
	if batch <= 0 {
		return fmt.Errorf("models: Predictor.PredictInto: batch must be positive, got %d", batch)
	}
	if len(inputs) != len(p.inSize) {
		return fmt.Errorf("models: Predictor.PredictInto: got %d inputs, the model has %d (%s)", len(inputs), len(p.inSize), strings.Join(p.inNames, ", "))
	}
	if len(outputs) != len(p.outSize) {
		return fmt.Errorf("models: Predictor.PredictInto: got %d outputs, the model has %d (%s)", len(outputs), len(p.outSize), strings.Join(p.outNames, ", "))
	}
	for i, in := range inputs {
		if want := batch * p.inSize[i]; len(in) != want {
			return fmt.Errorf("models: Predictor.PredictInto: inputs[%d] (%s) has %d values, want %d (batch %d × shape %s)", i, p.inNames[i], len(in), want, batch, shapeString(p.inShapes[i]))
		}
	}
	for i, out := range outputs {
		if want := batch * p.outSize[i]; len(out) < want {
			return fmt.Errorf("models: Predictor.PredictInto: outputs[%d] (%s) has room for %d values, want %d (batch %d × shape %s)", i, p.outNames[i], len(out), want, batch, shapeString(p.outShapes[i]))
		}
	}
	return nil
}

// shapeString formats a shape as a Python tuple: (2, 3).
func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// get takes a worker from the free list, or makes one.
func (p *Predictor) get() *predictWorker {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		w := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return w
	}
	p.mu.Unlock()
	w := &predictWorker{
		net:   p.net.inferenceCopy(),
		arena: tensor.NewArena(),
		in:    make([]map[int]*tensor.Tensor, len(p.inShapes)),
		xs:    make([]*tensor.Tensor, len(p.inShapes)),
	}
	for i := range w.in {
		w.in[i] = map[int]*tensor.Tensor{}
	}
	return w
}

// put returns a worker to the free list.
func (p *Predictor) put(w *predictWorker) {
	p.mu.Lock()
	p.free = append(p.free, w)
	p.mu.Unlock()
}

// input returns the worker's tensor for input i at batch size n.
func (w *predictWorker) input(i, n int, p *Predictor) *tensor.Tensor {
	t, ok := w.in[i][n]
	if !ok {
		t = tensor.Zeros(append([]int{n}, p.inShapes[i]...)...)
		w.in[i][n] = t
	}
	return t.InArena(w.arena)
}

// forward runs the worker's network on w.xs, checking w.ctx between layers.
func (w *predictWorker) forward() ([]*tensor.Tensor, error) {
	return w.net.forwardCtx(w.ctx, w.xs)
}

// trial runs one batch of zeros, for NewPredictor.
func (w *predictWorker) trial(p *Predictor) error {
	for i := range w.xs {
		w.xs[i] = w.input(i, 1, p)
		clear(w.xs[i].Data())
	}
	w.ctx = context.Background()
	_, err := w.forward()
	w.arena.Reset()
	return err
}

// inferenceCopy returns a network that runs the same layers with its own
// value slots and call arguments, so that it may run while n or another
// copy runs. A nested model's network is copied too.
func (n *network) inferenceCopy() *network {
	c := *n
	c.vals = make([]*tensor.Tensor, len(n.vals))
	c.outs = make([]*tensor.Tensor, len(n.outs))
	if n.masks != nil {
		c.masks = make([]*tensor.Tensor, len(n.masks))
	}
	if n.outMasks != nil {
		c.outMasks = make([]*tensor.Tensor, len(n.outMasks))
	}
	c.steps = slices.Clone(n.steps)
	for i := range c.steps {
		st := &c.steps[i]
		if st.xs != nil {
			st.xs = make([]*tensor.Tensor, len(st.xs))
			st.ys = make([]*tensor.Tensor, len(st.ys))
		}
		if st.ms != nil {
			st.ms = make([]*tensor.Tensor, len(st.ms))
			st.oms = make([]*tensor.Tensor, len(st.oms))
		}
		if nm, ok := st.multi.(*nestedModel); ok {
			cp := &nestedCopy{nestedModel: nm, net: nm.m.net.inferenceCopy()}
			st.multi = cp
			if st.maskedMulti != nil {
				st.maskedMulti = cp
			}
		}
	}
	return &c
}

// nestedCopy is a nested model run through a network of its own.
type nestedCopy struct {
	*nestedModel
	net *network
}

// CallMulti implements layers.MultiLayer.
func (n *nestedCopy) CallMulti(xs []*tensor.Tensor, training bool, outs []*tensor.Tensor) {
	copy(outs, n.net.forward(xs, training))
}

// CallMultiMasked implements layers.MaskedMulti.
func (n *nestedCopy) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	o, m := n.net.forwardWithMasks(xs, masks, training)
	copy(outs, o)
	copy(outMasks, m)
}

var (
	_ layers.MultiLayer  = (*nestedCopy)(nil)
	_ layers.MaskedMulti = (*nestedCopy)(nil)
)

// forwardCtx is forward at inference, checking ctx between layers. Only a
// context that can be cancelled is checked: the others cost nothing.
func (n *network) forwardCtx(ctx context.Context, xs []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if ctx == nil || ctx.Done() == nil {
		return n.forward(xs, false), nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n.ctx = ctx
	defer func() { n.ctx = nil }() // also after a panic: the copy is reused
	outs := n.forward(xs, false)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return outs, nil
}
