package tensor

import (
	"fmt"
	"math"

	"github.com/neuron-go/neuron/internal/gemm"
	"github.com/neuron-go/neuron/internal/vec"
)

// RNNActivation is an activation of a recurrent layer's fused step: one
// whose derivative follows from its output, so that backpropagation
// through time needs only what the forward pass stored.
type RNNActivation int

// The activations the recurrent ops support, as Keras names them.
const (
	RNNTanh        RNNActivation = iota // tanh, Keras's activation
	RNNSigmoid                          // sigmoid, Keras's recurrent_activation
	RNNReLU                             // relu
	RNNLinear                           // linear
	RNNHardSigmoid                      // hard_sigmoid: relu6(x + 3) / 6, Keras 3's
)

// apply computes the activation of x.
func (a RNNActivation) apply(x float32) float32 {
	switch a {
	case RNNTanh:
		return float32(math.Tanh(float64(x)))
	case RNNSigmoid:
		return sigmoid(x)
	case RNNReLU:
		if x > 0 || x != x {
			return x
		}
		return 0
	case RNNHardSigmoid:
		return min(max((x+3)/6, 0), 1)
	}
	return x
}

// grad is the derivative at the input whose activation is y.
func (a RNNActivation) grad(y float32) float32 {
	switch a {
	case RNNTanh:
		return 1 - y*y
	case RNNSigmoid:
		return y * (1 - y)
	case RNNReLU:
		if y > 0 {
			return 1
		}
		return 0
	case RNNHardSigmoid:
		if y > 0 && y < 1 {
			return 1.0 / 6
		}
		return 0
	}
	return 1
}

// applyRow sets row to the activation of its values, with the vector
// kernels of internal/vec for tanh and sigmoid (the recurrent layers'
// defaults, whose exp would otherwise be most of an LSTM's time).
func (a RNNActivation) applyRow(row []float32) {
	switch a {
	case RNNTanh:
		vec.Tanh(row, row)
	case RNNSigmoid:
		vec.Sigmoid(row, row)
	default:
		for j, v := range row {
			row[j] = a.apply(v)
		}
	}
}

// RNNOptions are a recurrent op's settings besides its input and weights.
type RNNOptions struct {
	// Act is the activation (Keras's activation, tanh by default: the
	// zero value is RNNTanh) and RecAct the gates' (LSTM and GRU only;
	// set it, Keras's default is RNNSigmoid).
	Act, RecAct RNNActivation
	// Backwards reads the steps from the last time step to the first,
	// and the result is in that order, as Keras's go_backwards returns it.
	Backwards bool
	// Mask, if not nil, is [N, T]: where it is 0 the step keeps the states
	// as they were (and outputs h), as Keras's RNN does for a masked step.
	Mask *Tensor
	// H0 and C0 are the initial states [N, U] (Keras's initial_state; C0
	// for LSTM only), zeros where nil. Gradients flow to them.
	H0, C0 *Tensor
	// InMasks and RecMasks are dropout masks, one per gate (4 for LSTM, 3
	// for GRU, 1 for SimpleRNN) as Keras's cells use with
	// recurrent_dropout: gate g reads x_t ⊙ InMasks[g] and h ⊙
	// RecMasks[g]. InMasks is [gates, N, F] and RecMasks [gates, N, U],
	// holding 0 or 1/(1 − rate); the same masks serve every step; nil for
	// none. (A dropout on the input alone, one mask for all gates, is
	// x ⊙ mask before the op.)
	InMasks, RecMasks []float32
}

// rnnState is what a recurrent op's backward pass needs besides its
// inputs: the gates after their activations and the cell states of every
// step (for LSTM also act(c), so that backpropagation need not compute it
// again).
type rnnState struct {
	gates, cells, actCells []float32
	mask                   []float32 // [N, T] by input time, or nil
	dcLast                 []float32 // LSTM: the gradient of the last cell state, or nil
	inMasks, recMasks      []float32 // dropout masks per gate, or nil
	n, t, f, u, g          int       // g: gates
	act, recAct            RNNActivation
	backwards              bool
}

// masked reports whether example b's processing step s is masked: its
// input time step has mask value 0, so the step keeps the states as they
// were (Keras's RNN with a mask).
func (st *rnnState) masked(b, s int) bool {
	return st.mask != nil && st.mask[b*st.t+st.timeOf(s)] == 0
}

// check panics unless the mask is nil or [N, T] and the initial states
// nil or [N, U], for x [N, T, F] and u units.
func (o *RNNOptions) check(op string, x *Tensor, u int, cell bool) []float32 {
	for _, s := range []*Tensor{o.H0, o.C0} {
		if s != nil && (len(s.shape) != 2 || s.shape[0] != x.shape[0] || s.shape[1] != u) {
			panic(shapeErr(op, fmt.Sprintf("want initial states [N, %d] for x [N, T, F]", u), x.shape, s.shape))
		}
	}
	if o.C0 != nil && !cell {
		panic(shapeErr(op, "has no cell state", o.C0.shape))
	}
	if o.Mask == nil {
		return nil
	}
	if len(o.Mask.shape) != 2 || o.Mask.shape[0] != x.shape[0] || o.Mask.shape[1] != x.shape[1] {
		panic(shapeErr(op, "want a mask [N, T] for x [N, T, F]", x.shape, o.Mask.shape))
	}
	return o.Mask.data
}

// checkDropout panics unless the dropout masks fit.
func (o *RNNOptions) checkDropout(op string, n, f, u, gates int) {
	if o.InMasks != nil && len(o.InMasks) != gates*n*f {
		panic(shapeErr(op, fmt.Sprintf("want %d·N·F input dropout mask values, got %d", gates, len(o.InMasks))))
	}
	if o.RecMasks != nil && len(o.RecMasks) != gates*n*u {
		panic(shapeErr(op, fmt.Sprintf("want %d·N·U recurrent dropout mask values, got %d", gates, len(o.RecMasks))))
	}
}

// inputProject sets gates [N·T, G·U] = x·kernel, or with input dropout
// masks (x ⊙ m_g)·kernel_g gate by gate.
func (st *rnnState) inputProject(out *Tensor, x, kernel, gates []float32) {
	n, t, f, u, g := st.n, st.t, st.f, st.u, st.g
	if st.inMasks == nil {
		gemm.Sgemm(false, false, n*t, g*u, f, x, f, kernel, g*u, 0, gates, g*u)
		return
	}
	xm := out.scratchRaw(n * t * f)
	for k := range g {
		st.maskInput(xm, x, k)
		gemm.Sgemm(false, false, n*t, u, f, xm, f, kernel[k*u:], g*u, 0, gates[k*u:], g*u)
	}
}

// maskInput sets xm = x ⊙ the input mask of gate k, every step alike.
func (st *rnnState) maskInput(xm, x []float32, k int) {
	n, t, f := st.n, st.t, st.f
	for b := range n {
		m := st.inMasks[(k*n+b)*f : (k*n+b+1)*f]
		for s := range t {
			row, dst := x[(b*t+s)*f:(b*t+s+1)*f], xm[(b*t+s)*f:(b*t+s+1)*f]
			for j, v := range row {
				dst[j] = v * m[j]
			}
		}
	}
}

// inputBackward adds the input part's gradients, from dgates [N·T, G·U],
// to kernel and x.
func (st *rnnState) inputBackward(o, x, kernel *Tensor, dgates []float32) {
	n, t, f, u, g := st.n, st.t, st.f, st.u, st.g
	if st.inMasks == nil {
		if kernel.requiresGrad {
			gemm.Sgemm(true, false, f, g*u, n*t, x.data, f, dgates, g*u, 1, kernel.ensureGrad(), g*u)
		}
		if x.requiresGrad {
			gemm.Sgemm(false, true, n*t, f, g*u, dgates, g*u, kernel.data, g*u, 1, x.ensureGrad(), f)
		}
		return
	}
	xm := o.scratchRaw(n * t * f)
	for k := range g {
		if kernel.requiresGrad {
			st.maskInput(xm, x.data, k)
			gemm.Sgemm(true, false, f, u, n*t, xm, f, dgates[k*u:], g*u, 1, kernel.ensureGrad()[k*u:], g*u)
		}
		if x.requiresGrad {
			// d(x ⊙ m) = dgates_k·kernel_kᵀ, then ⊙ m into dx
			gemm.Sgemm(false, true, n*t, f, u, dgates[k*u:], g*u, kernel.data[k*u:], g*u, 0, xm, f)
			dx := x.ensureGrad()
			for b := range n {
				m := st.inMasks[(k*n+b)*f : (k*n+b+1)*f]
				for s := range t {
					src, dst := xm[(b*t+s)*f:(b*t+s+1)*f], dx[(b*t+s)*f:(b*t+s+1)*f]
					for j, v := range src {
						dst[j] += v * m[j]
					}
				}
			}
		}
	}
}

// recurrentProject adds the recurrent part of a step for the examples
// [b0, b1), hp·recurrent, to their rows of dst (row stride ldd; hp's is
// ldh): with recurrent dropout masks (hp ⊙ m_g)·recurrent_g gate by gate,
// hm being N·U of scratch.
func (st *rnnState) recurrentProject(b0, b1 int, hp []float32, ldh int, recurrent, dst []float32, ldd int, hm []float32) {
	st.recurrentProjectGates(0, st.g, b0, b1, hp, ldh, recurrent, dst, ldd, hm)
}

// recurrentProjectGates is recurrentProject for the gates [k0, k1) only:
// their columns of dst get hp·recurrent's.
func (st *rnnState) recurrentProjectGates(k0, k1, b0, b1 int, hp []float32, ldh int, recurrent, dst []float32, ldd int, hm []float32) {
	u, g, rows := st.u, st.g, b1-b0
	if st.recMasks == nil {
		gemm.Sgemm(false, false, rows, (k1-k0)*u, u, hp[b0*ldh:], ldh, recurrent[k0*u:], g*u, 1, dst[b0*ldd+k0*u:], ldd)
		return
	}
	for k := k0; k < k1; k++ {
		st.maskState(hm, hp, ldh, k, b0, b1)
		gemm.Sgemm(false, false, rows, u, u, hm[b0*u:], u, recurrent[k*u:], g*u, 1, dst[b0*ldd+k*u:], ldd)
	}
}

// maskState sets rows [b0, b1) of hm [N, U] to those of hp (row stride
// ldh) ⊙ the recurrent mask of gate k.
func (st *rnnState) maskState(hm, hp []float32, ldh, k, b0, b1 int) {
	n, u := st.n, st.u
	for b := b0; b < b1; b++ {
		m, row, dst := st.recMasks[(k*n+b)*u:(k*n+b+1)*u], hp[b*ldh:b*ldh+u], hm[b*u:(b+1)*u]
		for j, v := range row {
			dst[j] = v * m[j]
		}
	}
}

// recurrentBackward is recurrentProject's backward pass for one step and
// the examples [b0, b1): from d, the gradient of the recurrent part (row
// stride ldd), it adds d·recurrentᵀ (through the masks) to dhNext [N, U]
// and hpᵀ·d to dR (if not nil); hm and tmp are N·U of scratch.
func (st *rnnState) recurrentBackward(b0, b1 int, d []float32, ldd int, hp []float32, ldh int, recurrent, dR, dhNext, hm, tmp []float32) {
	st.recurrentBackwardGates(0, st.g, b0, b1, d, ldd, hp, ldh, recurrent, dR, dhNext, hm, tmp)
}

// recurrentBackwardGates is recurrentBackward for the gates [k0, k1)
// only, d's and dR's columns of those gates.
func (st *rnnState) recurrentBackwardGates(k0, k1, b0, b1 int, d []float32, ldd int, hp []float32, ldh int, recurrent, dR, dhNext, hm, tmp []float32) {
	n, u, g, rows := st.n, st.u, st.g, b1-b0
	if st.recMasks == nil {
		gemm.Sgemm(false, true, rows, u, (k1-k0)*u, d[b0*ldd+k0*u:], ldd, recurrent[k0*u:], g*u, 1, dhNext[b0*u:], u)
		if dR != nil {
			gemm.Sgemm(true, false, u, (k1-k0)*u, rows, hp[b0*ldh:], ldh, d[b0*ldd+k0*u:], ldd, 1, dR[k0*u:], g*u)
		}
		return
	}
	for k := k0; k < k1; k++ {
		gemm.Sgemm(false, true, rows, u, u, d[b0*ldd+k*u:], ldd, recurrent[k*u:], g*u, 0, tmp[b0*u:], u)
		m := st.recMasks[(k*n+b0)*u : (k*n+b1)*u]
		dh := dhNext[b0*u : b1*u]
		for i, v := range tmp[b0*u : b1*u] {
			dh[i] += v * m[i]
		}
		if dR != nil {
			st.maskState(hm, hp, ldh, k, b0, b1)
			gemm.Sgemm(true, false, u, u, rows, hm[b0*u:], u, d[b0*ldd+k*u:], ldd, 1, dR[k*u:], g*u)
		}
	}
}

// recurrentWeightGrad adds the recurrent kernel's gradient of all steps
// at once, dR += Hᵀ·d, with H [N·T, U] holding in each input time's row
// the state its step started from (h[:, s−1], or the initial state) and
// d [N·T, G·U] the gradients of the recurrent parts by input time: one
// product with N·T terms instead of one per step with N.
func (st *rnnState) recurrentWeightGrad(o *Tensor, h []float32, h0 *Tensor, d, dR []float32) {
	st.recurrentWeightGradGates(0, st.g, o, h, h0, d, dR)
}

// recurrentWeightGradGates is recurrentWeightGrad for the gates [k0, k1)
// only, d's and dR's columns of those gates.
func (st *rnnState) recurrentWeightGradGates(k0, k1 int, o *Tensor, h []float32, h0 *Tensor, d, dR []float32) {
	n, t, u, g := st.n, st.t, st.u, st.g
	hs := o.scratchRaw(n * t * u)
	for b := range n {
		for s := range t {
			dst := hs[(b*t+st.timeOf(s))*u : (b*t+st.timeOf(s)+1)*u]
			if p := prevRow(h, h0, b, s, t, u); p != nil {
				copy(dst, p)
			} else {
				clear(dst)
			}
		}
	}
	gemm.Sgemm(true, false, u, (k1-k0)*u, n*t, hs, u, d[k0*u:], g*u, 1, dR[k0*u:], g*u)
}

// prevRow is example b's state before processing step s: step s−1's row
// of seq [N, T, U], or at s = 0 the initial state's row (nil for zeros).
func prevRow(seq []float32, init *Tensor, b, s, t, u int) []float32 {
	if s > 0 {
		return seq[(b*t+s-1)*u : (b*t+s)*u]
	}
	if init != nil {
		return init.data[b*u : (b+1)*u]
	}
	return nil
}

// prevBlock is the states before processing step s as a strided matrix
// for the recurrent product: step s−1 of seq (row stride t·u), or at s = 0
// the initial state (stride u), or nil.
func prevBlock(seq []float32, init *Tensor, s, t, u int) ([]float32, int) {
	if s > 0 {
		return seq[(s-1)*u:], t * u
	}
	if init != nil {
		return init.data, u
	}
	return nil, 0
}

// timeOf is the input time step that processing step s reads.
func (st *rnnState) timeOf(s int) int {
	if st.backwards {
		return st.t - 1 - s
	}
	return s
}

// LSTM runs Keras's LSTM over x [N, T, F] and returns the hidden state of
// every processing step, [N, T, U]. kernel is
// [F, 4U], recurrent [U, 4U] and bias [4U] (or nil), with the gates in
// Keras's order i, f, c, o:
//
//	z = x_t·kernel + h·recurrent + bias
//	i = σ(z_i), f = σ(z_f), g = act(z_c), o = σ(z_o)    (σ = recAct)
//	c = f·c + i·g;  h = o·act(c)
//
// o gives the activations, the direction, a mask and initial states.
// Gradients flow to x, the weights and the initial states
// (backpropagation through time). It panics with a *ShapeError if the
// shapes do not fit.
func LSTM(x, kernel, recurrent, bias *Tensor, o RNNOptions) *Tensor {
	h, _ := lstm(x, kernel, recurrent, bias, o, false)
	return h
}

// LSTMWithCell is LSTM that also returns the last cell state [N, U]
// (Keras's return_state gives it with the last h); gradients flow back
// from both results.
func LSTMWithCell(x, kernel, recurrent, bias *Tensor, o RNNOptions) (h, c *Tensor) {
	return lstm(x, kernel, recurrent, bias, o, true)
}

func lstm(x, kernel, recurrent, bias *Tensor, o RNNOptions, wantCell bool) (*Tensor, *Tensor) {
	act, recAct, backwards := o.Act, o.RecAct, o.Backwards
	if len(x.shape) != 3 || len(kernel.shape) != 2 || len(recurrent.shape) != 2 {
		panic(shapeErr("LSTM", "want x [N, T, F], kernel [F, 4U] and recurrent_kernel [U, 4U]", x.shape, kernel.shape, recurrent.shape))
	}
	n, t, f := x.shape[0], x.shape[1], x.shape[2]
	u := recurrent.shape[0]
	g4 := 4 * u
	if kernel.shape[0] != f || kernel.shape[1] != g4 || recurrent.shape[1] != g4 || (bias != nil && (len(bias.shape) != 1 || bias.shape[0] != g4)) {
		panic(shapeErr("LSTM", fmt.Sprintf("shapes do not fit %d inputs and %d units", f, u), x.shape, kernel.shape, recurrent.shape))
	}
	mask := o.check("LSTM", x, u, true)
	o.checkDropout("LSTM", n, f, u, 4)
	out := newOutRaw([]int{n, t, u}, x, kernel, recurrent, bias)
	st := rnnState{n: n, t: t, f: f, u: u, g: 4, act: act, recAct: recAct, backwards: backwards, mask: mask, inMasks: o.InMasks, recMasks: o.RecMasks}
	st.gates = out.scratchRaw(n * t * g4)
	st.cells = out.scratchRaw(n * t * u)
	// The input part of every step at once: gates = x·kernel + bias.
	st.inputProject(out, x.data, kernel.data, st.gates)
	if bias != nil {
		gemm.AddBiasRows(st.gates, n*t, g4, g4, bias.data)
	}
	st.actCells = out.scratchRaw(n * t * u)
	h, c := out.data, st.cells
	var hm []float32
	if st.recMasks != nil {
		hm = out.scratchRaw(n * u)
	}
	k := newRNNTask(lstmForward, &st)
	k.h, k.recurrent, k.hm, k.h0, k.c0 = h, recurrent.data, hm, o.H0, o.C0
	k.run()
	nd := track(out, "LSTM", lstmBackward, x, kernel, recurrent, bias, o.H0, o.C0)
	if nd != nil {
		nd.rnn = st
	}
	if !wantCell {
		return out, nil
	}
	// The last cell state, as an op of its own whose gradient the LSTM's
	// backward pass picks up (it runs first, as the LSTM is its input).
	cl := newOutRaw([]int{n, u}, out)
	for b := range n {
		copy(cl.data[b*u:(b+1)*u], c[(b*t+t-1)*u:(b*t+t)*u])
	}
	if nd != nil {
		track(cl, "LSTMCell", lstmCellBackward, out)
	}
	return out, cl
}

func lstmCellBackward(o *Tensor) {
	o.node.in[0].node.rnn.dcLast = o.grad
}

// carryRow sets example b's row of step s in the [N, T, U] sequence seq
// to prev (zeros if nil), for a masked step.
func carryRow(seq, prev []float32, b, s, t, u int) {
	dst := seq[(b*t+s)*u : (b*t+s+1)*u]
	if prev == nil {
		clear(dst)
		return
	}
	copy(dst, prev)
}

func lstmBackward(o *Tensor) {
	nd := o.node
	x, kernel, recurrent, bias, h0, c0 := nd.more[0], nd.more[1], nd.more[2], nd.more[3], nd.more[4], nd.more[5]
	st := &nd.rnn
	n, t, u := st.n, st.t, st.u
	g4 := 4 * u
	dgates := o.scratchRaw(n * t * g4)
	carry := o.scratch(2 * n * u) // dh and dc flowing to the previous step
	dhNext, dcNext := carry[:n*u], carry[n*u:]
	if st.dcLast != nil {
		copy(dcNext, st.dcLast) // from LSTMWithCell's cell state
	}
	h, gy := o.data, o.grad
	var dR, hm, tmp []float32
	if recurrent.requiresGrad {
		dR = recurrent.ensureGrad()
	}
	stepDR := dR // with recurrent dropout, step by step; else in one product after
	if st.recMasks != nil {
		hm, tmp = o.scratchRaw(n*u), o.scratchRaw(n*u)
	} else {
		stepDR = nil
	}
	k := newRNNTask(lstmBackwardPass, st)
	k.h, k.gy, k.recurrent, k.d, k.dhNext, k.dcNext, k.dR, k.hm, k.tmp, k.h0, k.c0 = h, gy, recurrent.data, dgates, dhNext, dcNext, stepDR, hm, tmp, h0, c0
	k.run()
	if dR != nil && stepDR == nil {
		st.recurrentWeightGrad(o, h, h0, dgates, dR)
	}
	initialStateGrads(h0, dhNext, c0, dcNext)
	if bias != nil && bias.requiresGrad {
		sums := o.scratchRaw(g4)
		gemm.SumRows(sums, dgates, n*t, g4, g4)
		addTo(bias.ensureGrad(), sums)
	}
	st.inputBackward(o, x, kernel, dgates)
}

// initialStateGrads adds what flows back past the first step to the
// initial states that take gradients.
func initialStateGrads(h0 *Tensor, dh []float32, c0 *Tensor, dc []float32) {
	if h0 != nil && h0.requiresGrad {
		addTo(h0.ensureGrad(), dh)
	}
	if c0 != nil && c0.requiresGrad {
		addTo(c0.ensureGrad(), dc)
	}
}

// GRU runs Keras's GRU (reset_after=True, its default) over x [N, T, F]
// from a zero initial state and returns the hidden state of every
// processing step, [N, T, U]. kernel is [F, 3U], recurrent [U, 3U] and
// bias [2, 3U] (input and recurrent biases) or nil, with the gates in
// Keras's order z, r, h:
//
//	x̂ = x_t·kernel + bias[0];  ĥ = h·recurrent + bias[1]
//	z = σ(x̂_z + ĥ_z), r = σ(x̂_r + ĥ_r)    (σ = recAct)
//	h̃ = act(x̂_h + r·ĥ_h);  h = z·h + (1 − z)·h̃
//
// o is as for LSTM (without C0). Gradients flow to x, every weight and
// the initial state.
func GRU(x, kernel, recurrent, bias *Tensor, o RNNOptions) *Tensor {
	act, recAct, backwards := o.Act, o.RecAct, o.Backwards
	if len(x.shape) != 3 || len(kernel.shape) != 2 || len(recurrent.shape) != 2 {
		panic(shapeErr("GRU", "want x [N, T, F], kernel [F, 3U] and recurrent_kernel [U, 3U]", x.shape, kernel.shape, recurrent.shape))
	}
	n, t, f := x.shape[0], x.shape[1], x.shape[2]
	u := recurrent.shape[0]
	g3 := 3 * u
	if kernel.shape[0] != f || kernel.shape[1] != g3 || recurrent.shape[1] != g3 || (bias != nil && (len(bias.shape) != 2 || bias.shape[0] != 2 || bias.shape[1] != g3)) {
		panic(shapeErr("GRU", fmt.Sprintf("shapes do not fit %d inputs and %d units", f, u), x.shape, kernel.shape, recurrent.shape))
	}
	mask := o.check("GRU", x, u, false)
	o.checkDropout("GRU", n, f, u, 3)
	out := newOutRaw([]int{n, t, u}, x, kernel, recurrent, bias)
	st := rnnState{n: n, t: t, f: f, u: u, g: 3, act: act, recAct: recAct, backwards: backwards, mask: mask, inMasks: o.InMasks, recMasks: o.RecMasks}
	// gates: the input part, then z, r and h̃; cells: the recurrent part ĥ.
	st.gates = out.scratchRaw(n * t * g3)
	st.cells = out.scratchRaw(n * t * g3)
	st.inputProject(out, x.data, kernel.data, st.gates)
	if bias != nil {
		gemm.AddBiasRows(st.gates, n*t, g3, g3, bias.data[:g3])
	}
	h := out.data
	var hm []float32
	if st.recMasks != nil {
		hm = out.scratchRaw(n * u)
	}
	k := newRNNTask(gruForward, &st)
	k.h, k.recurrent, k.hm, k.h0 = h, recurrent.data, hm, o.H0
	if bias != nil {
		k.bias = bias.data
	}
	k.run()
	if nd := track(out, "GRU", gruBackward, x, kernel, recurrent, bias, o.H0); nd != nil {
		nd.rnn = st
	}
	return out
}

func gruBackward(o *Tensor) {
	nd := o.node
	x, kernel, recurrent, bias, h0 := nd.more[0], nd.more[1], nd.more[2], nd.more[3], nd.more[4]
	st := &nd.rnn
	n, t, u := st.n, st.t, st.u
	g3 := 3 * u
	dx3 := o.scratchRaw(n * t * g3)  // d(input part), for kernel, bias[0] and x
	drec := o.scratchRaw(n * t * g3) // d(recurrent part), for recurrent and bias[1]
	dhNext := o.scratch(n * u)
	h, gy := o.data, o.grad
	var dR, hm, tmp []float32
	if recurrent.requiresGrad {
		dR = recurrent.ensureGrad()
	}
	stepDR := dR // with recurrent dropout, step by step; else in one product after
	if st.recMasks != nil {
		hm, tmp = o.scratchRaw(n*u), o.scratchRaw(n*u)
	} else {
		stepDR = nil
	}
	k := newRNNTask(gruBackwardPass, st)
	k.h, k.gy, k.recurrent, k.d, k.dx3, k.dhNext, k.dR, k.hm, k.tmp, k.h0 = h, gy, recurrent.data, drec, dx3, dhNext, stepDR, hm, tmp, h0
	k.run()
	if dR != nil && stepDR == nil {
		st.recurrentWeightGrad(o, h, h0, drec, dR)
	}
	initialStateGrads(h0, dhNext, nil, nil)
	if bias != nil && bias.requiresGrad {
		sums := o.scratchRaw(g3)
		db := bias.ensureGrad()
		gemm.SumRows(sums, dx3, n*t, g3, g3)
		addTo(db[:g3], sums)
		gemm.SumRows(sums, drec, n*t, g3, g3)
		addTo(db[g3:], sums)
	}
	st.inputBackward(o, x, kernel, dx3)
}

// SimpleRNN runs Keras's SimpleRNN over x [N, T, F], h = act(x_t·kernel +
// h·recurrent + bias), and returns the hidden state of every processing
// step, [N, T, U]; kernel is [F, U], recurrent [U, U], bias [U] or nil. o
// is as for LSTM (Act only, without C0).
func SimpleRNN(x, kernel, recurrent, bias *Tensor, o RNNOptions) *Tensor {
	act, backwards := o.Act, o.Backwards
	if len(x.shape) != 3 || len(kernel.shape) != 2 || len(recurrent.shape) != 2 {
		panic(shapeErr("SimpleRNN", "want x [N, T, F], kernel [F, U] and recurrent_kernel [U, U]", x.shape, kernel.shape, recurrent.shape))
	}
	n, t, f := x.shape[0], x.shape[1], x.shape[2]
	u := recurrent.shape[0]
	if kernel.shape[0] != f || kernel.shape[1] != u || recurrent.shape[1] != u || (bias != nil && (len(bias.shape) != 1 || bias.shape[0] != u)) {
		panic(shapeErr("SimpleRNN", fmt.Sprintf("shapes do not fit %d inputs and %d units", f, u), x.shape, kernel.shape, recurrent.shape))
	}
	mask := o.check("SimpleRNN", x, u, false)
	out := newOutRaw([]int{n, t, u}, x, kernel, recurrent, bias)
	o.checkDropout("SimpleRNN", n, f, u, 1)
	st := rnnState{n: n, t: t, f: f, u: u, g: 1, act: act, backwards: backwards, mask: mask, inMasks: o.InMasks, recMasks: o.RecMasks}
	// gates: the pre-activations, by input time; the outputs are by step.
	st.gates = out.scratchRaw(n * t * u)
	st.inputProject(out, x.data, kernel.data, st.gates)
	if bias != nil {
		gemm.AddBiasRows(st.gates, n*t, u, u, bias.data)
	}
	h := out.data
	var hm []float32
	if st.recMasks != nil {
		hm = out.scratchRaw(n * u)
	}
	k := newRNNTask(simpleRNNForward, &st)
	k.h, k.recurrent, k.hm, k.h0 = h, recurrent.data, hm, o.H0
	k.run()
	if nd := track(out, "SimpleRNN", simpleRNNBackward, x, kernel, recurrent, bias, o.H0); nd != nil {
		nd.rnn = st
	}
	return out
}

func simpleRNNBackward(o *Tensor) {
	nd := o.node
	x, kernel, recurrent, bias, h0 := nd.more[0], nd.more[1], nd.more[2], nd.more[3], nd.more[4]
	st := &nd.rnn
	n, t, u := st.n, st.t, st.u
	dz := o.scratchRaw(n * t * u) // by input time, as the pre-activations
	dhNext := o.scratch(n * u)
	h, gy := o.data, o.grad
	var dR, hm, tmp []float32
	if recurrent.requiresGrad {
		dR = recurrent.ensureGrad()
	}
	stepDR := dR // with recurrent dropout, step by step; else in one product after
	if st.recMasks != nil {
		hm, tmp = o.scratchRaw(n*u), o.scratchRaw(n*u)
	} else {
		stepDR = nil
	}
	k := newRNNTask(simpleRNNBackwardPass, st)
	k.h, k.gy, k.recurrent, k.d, k.dhNext, k.dR, k.hm, k.tmp, k.h0 = h, gy, recurrent.data, dz, dhNext, stepDR, hm, tmp, h0
	k.run()
	if dR != nil && stepDR == nil {
		st.recurrentWeightGrad(o, h, h0, dz, dR)
	}
	initialStateGrads(h0, dhNext, nil, nil)
	if bias != nil && bias.requiresGrad {
		sums := o.scratchRaw(u)
		gemm.SumRows(sums, dz, n*t, u, u)
		addTo(bias.ensureGrad(), sums)
	}
	st.inputBackward(o, x, kernel, dz)
}
