package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/neuron-go/neuron/internal/gemm"
	"github.com/neuron-go/neuron/internal/vec"
)

// Project contracts the last inAxes axes of x with the first inAxes axes
// of w and adds b: out[i…, o…] = Σ_c x[i…, c…]·w[c…, o…] + b[o…]. It is
// an EinsumDense projection such as Keras's MultiHeadAttention makes
// ("abc,cde->abde" with w of shape (d, heads, key_dim) and b of shape
// (heads, key_dim)), run as one matrix product on the flattened axes. b
// may be nil; the result has x's leading axes followed by w's trailing
// ones (rank 8 at most). d/dx = g·wᵀ, d/dw = xᵀ·g, d/db = Σ g.
func Project(x, w, b *Tensor, inAxes int) *Tensor { return project(x, w, b, inAxes, false) }

// ProjectReLU returns Project(x, w, b, inAxes).ReLU(), bit for bit, as one
// operation: the bias and the ReLU are applied to each tile of the
// product right after it is complete, while it is in the cache, and
// backward masks the incoming gradient in place. Against the two
// operations it saves an output-sized buffer, its zeroing and two passes
// over it: Dense(512, relu) on 32 sequences of 128 steps makes 8 MB.
func ProjectReLU(x, w, b *Tensor, inAxes int) *Tensor { return project(x, w, b, inAxes, true) }

func project(x, w, b *Tensor, inAxes int, relu bool) *Tensor {
	if inAxes < 1 || inAxes >= len(w.shape) || inAxes > len(x.shape) {
		panic(shapeErr("Project", fmt.Sprintf("cannot contract %d axes", inAxes), x.shape, w.shape))
	}
	lead := len(x.shape) - inAxes
	k := 1
	for i := range inAxes {
		if x.shape[lead+i] != w.shape[i] {
			panic(shapeErr("Project", fmt.Sprintf("the last %d axes of x must be the first of w", inAxes), x.shape, w.shape))
		}
		k *= w.shape[i]
	}
	m := len(w.data) / max(k, 1)
	if b != nil && len(b.data) != m {
		panic(shapeErr("Project", fmt.Sprintf("bias must have %d values", m), b.shape, w.shape))
	}
	if lead+len(w.shape)-inAxes > 8 {
		panic(shapeErr("Project", "the result would have a rank above 8", x.shape, w.shape))
	}
	var buf [8]int
	shape := append(append(buf[:0], x.shape[:lead]...), w.shape[inAxes:]...)
	n := len(x.data) / max(k, 1)
	out := newOutRaw(shape, x, w, b)
	// The bias and the ReLU are applied to each tile of the product as
	// soon as it is complete (the bits of separate passes after it).
	ep := gemm.Epilogue{ReLU: relu}
	if b != nil {
		ep.Bias = b.data
	}
	gemm.SgemmEpilogue(false, false, n, m, k, x.data, k, w.data, m, 0, out.data, m, ep)
	op := "Project"
	if relu {
		op = "ProjectReLU"
	}
	if nd := track(out, op, projectBackward, x, w, b); nd != nil {
		nd.groups = [4]int{n, k, m}
		nd.relu = relu
	}
	return out
}

// rowsRun runs r over its rows [0, rows) on all cores, parts of at least
// rowsGrain values.
func rowsRun(r rowsTask, rows int) {
	task := rowsTasks.Get().(*rowsTask)
	*task = r
	gemm.ParallelTask(rows, max(1, rowsGrain/max(r.n, 1)), task)
	*task = rowsTask{}
	rowsTasks.Put(task)
}

func projectBackward(o *Tensor) {
	x, w, b := o.node.in[0], o.node.in[1], o.node.in[2]
	n, k, m := o.node.groups[0], o.node.groups[1], o.node.groups[2]
	if o.node.relu {
		// o.grad is this node's alone and is dropped after this call, so
		// it can hold the gradient before the ReLU.
		rowsRun(rowsTask{c: o.grad, y: o.data, n: m, reluGrad: true}, n)
	}
	if x.requiresGrad {
		gemm.Sgemm(false, true, n, k, m, o.grad, m, w.data, m, 1, x.grad, k)
	}
	if w.requiresGrad {
		gemm.Sgemm(true, false, k, m, n, x.data, k, o.grad, m, 1, w.grad, m)
	}
	if b != nil && b.requiresGrad {
		// Column ranges in parallel, each summed over the rows in order:
		// the bits of one SumRows over all columns.
		db := o.scratch(m)
		task := rowsTasks.Get().(*rowsTask)
		*task = rowsTask{c: o.grad, dst: db, m: n, n: m, sum: true}
		gemm.ParallelTask(m, max(1, rowsGrain/max(n, 1)), task)
		*task = rowsTask{}
		rowsTasks.Put(task)
		for i, v := range db {
			b.grad[i] += v
		}
	}
}

// rowsGrain is how many values a part of Project's backward passes gets at
// least.
const rowsGrain = 1 << 14

// rowsTask turns rows [lo, hi) of c (n columns), the gradient of the ReLU
// output y, into the gradient of its input; with sum it sets dst[lo:hi] to
// the sums over the m rows of c's columns [lo, hi).
type rowsTask struct {
	c, dst, y []float32
	m, n      int
	sum       bool
	reluGrad  bool
}

var rowsTasks = sync.Pool{New: func() any { return new(rowsTask) }}

// Run implements gemm.Task.
func (r *rowsTask) Run(lo, hi int) {
	if r.sum {
		gemm.SumRows(r.dst[lo:hi], r.c[lo:], r.m, hi-lo, r.n)
		return
	}
	if r.reluGrad {
		vec.ReLUGrad(r.c[lo*r.n:hi*r.n], r.y[lo*r.n:hi*r.n])
	}
}

// MaskFill says how DotProductAttention and AttendScores leave out the
// scores that a mask (or the causal mask) excludes.
type MaskFill int

const (
	// FillSet sets excluded scores to −1e9 before the softmax and the
	// excluded probabilities to 0 after it, as Keras's Softmax layer does
	// with a mask (MultiHeadAttention's masked softmax): a row with every
	// score excluded gives zeros.
	FillSet MaskFill = iota
	// FillSubtract subtracts 1e9 from excluded scores, as Keras's
	// Attention and AdditiveAttention do: a row with every score excluded
	// gives the softmax of the lowered scores.
	FillSubtract
)

// AttentionOptions are DotProductAttention's and AttendScores's settings.
type AttentionOptions struct {
	// Scale multiplies the scores; 0 means 1. MultiHeadAttention's is
	// 1/√key_dim.
	Scale float32
	// ScaleWeight, if not nil, is a scalar (one value) that multiplies
	// the scores too and receives a gradient: Keras Attention's "scale"
	// weight (use_scale=True).
	ScaleWeight *Tensor
	// Mask, if not nil, is a [B, T, S] tensor: query step t of example b
	// attends to key step s where the value is above 0.5 (1 attends, 0
	// does not), as Keras's boolean attention masks. It is not
	// differentiated.
	Mask *Tensor
	// Causal also excludes keys after the query's step (s > t), Keras's
	// use_causal_mask.
	Causal bool
	// Fill says how excluded scores are left out.
	Fill MaskFill
	// Dropout, if not nil, holds a multiplier per probability, in the
	// order of the probabilities [B, H, T, S]: 0 for a dropped one,
	// 1/(1−rate) for a kept one, as DropoutMask takes. Keras applies
	// dropout to the attention probabilities.
	Dropout []float32
	// DropoutRate, if not 0, draws such multipliers from DropoutRNG
	// instead (Dropout must then be nil): Keras's dropout argument while
	// training.
	DropoutRate float32
	DropoutRNG  *rand.Rand
}

// attnState is what the attention ops keep for their backward pass.
type attnState struct {
	probs, dropped []float32 // softmax output [B, H, T, S]; after dropout (or probs)
	mask           *Tensor
	b, t, s, h     int
	dk, dv         int
	scale          float32 // the constant scale
	causal         bool
	fill           MaskFill
	drop           []float32
	scores         bool // AttendScores: the scores are input 0
}

// DotProductAttention computes multi-head scaled dot-product attention on
// tensors laid out as Keras's MultiHeadAttention projects them: query
// [B, T, H, dk], key [B, S, H, dk] and value [B, S, H, dv]. For each
// example and head,
//
//	scores = Scale·(ScaleWeight)·query·keyᵀ        [T, S]
//	probs  = softmax(scores with the masked ones left out)
//	out    = dropout(probs)·value                   [T, dv]
//
// It returns out [B, T, H, dv] and the probabilities [B, H, T, S] (Keras's
// attention scores, before dropout). out is differentiable with respect to
// query, key, value and ScaleWeight; probs is not, and shares storage with
// the op's state, so it must not be changed. Each (example, head) pair is
// two matrix products on strided views, so no transposed copy of the
// heads is made, and the pairs run in parallel.
func DotProductAttention(query, key, value *Tensor, o AttentionOptions) (out, probs *Tensor) {
	const op = "DotProductAttention"
	q, k, v := query.shape, key.shape, value.shape
	if len(q) != 4 || len(k) != 4 || len(v) != 4 {
		panic(shapeErr(op, "want query [B, T, H, dk], key [B, S, H, dk], value [B, S, H, dv]", q, k, v))
	}
	if k[0] != q[0] || v[0] != q[0] || k[1] != v[1] || k[2] != q[2] || v[2] != q[2] || k[3] != q[3] {
		panic(shapeErr(op, "query, key and value do not fit: want [B, T, H, dk], [B, S, H, dk], [B, S, H, dv]", q, k, v))
	}
	st := attnState{b: q[0], t: q[1], s: k[1], h: q[2], dk: q[3], dv: v[3]}
	return attend(op, st, query, key, value, o)
}

// AttendScores is the second half of attention for scores computed by the
// caller (Keras's concat and additive scores): scores [B, T, S] and value
// [B, S, dv] give softmax(masked scores)·value [B, T, dv], with the
// probabilities [B, 1, T, S] as DotProductAttention returns them. The
// scores and the value are differentiated; Scale and ScaleWeight must be
// unset.
func AttendScores(scores, value *Tensor, o AttentionOptions) (out, probs *Tensor) {
	const op = "AttendScores"
	sc, v := scores.shape, value.shape
	if len(sc) != 3 || len(v) != 3 || v[0] != sc[0] || v[1] != sc[2] {
		panic(shapeErr(op, "want scores [B, T, S] and value [B, S, dv]", sc, v))
	}
	if o.ScaleWeight != nil || (o.Scale != 0 && o.Scale != 1) {
		panic(shapeErr(op, "Scale and ScaleWeight are for DotProductAttention", sc))
	}
	st := attnState{b: sc[0], t: sc[1], s: sc[2], h: 1, dv: v[2], scores: true}
	return attend(op, st, scores, nil, value, o)
}

// attend checks the options, runs the forward pass and records the node.
// For AttendScores, q is the scores and k is nil.
func attend(op string, st attnState, q, k, v *Tensor, o AttentionOptions) (out, probs *Tensor) {
	if o.Mask != nil && (len(o.Mask.shape) != 3 || o.Mask.shape[0] != st.b || o.Mask.shape[1] != st.t || o.Mask.shape[2] != st.s) {
		panic(shapeErr(op, fmt.Sprintf("the attention mask must have shape [%d %d %d] (batch, query steps, key steps)", st.b, st.t, st.s), o.Mask.shape))
	}
	n := st.b * st.h * st.t * st.s
	if o.Dropout != nil && len(o.Dropout) != n {
		panic(shapeErr(op, fmt.Sprintf("the dropout mask must have %d values (batch·heads·query steps·key steps), got %d", n, len(o.Dropout))))
	}
	if o.DropoutRate != 0 && (o.Dropout != nil || o.DropoutRNG == nil || !(o.DropoutRate > 0 && o.DropoutRate < 1)) {
		panic(shapeErr(op, fmt.Sprintf("DropoutRate %v needs DropoutRNG, no Dropout and a rate in [0, 1)", o.DropoutRate)))
	}
	if o.ScaleWeight != nil && len(o.ScaleWeight.data) != 1 {
		panic(shapeErr(op, "ScaleWeight must hold one value", o.ScaleWeight.shape))
	}
	st.scale = o.Scale
	if st.scale == 0 {
		st.scale = 1
	}
	st.mask, st.causal, st.fill, st.drop = o.Mask, o.Causal, o.Fill, o.Dropout
	var buf [4]int
	shape := append(buf[:0], st.b, st.t, st.h, st.dv)
	if st.scores {
		shape = append(buf[:0], st.b, st.t, st.dv)
	}
	out = newOutRaw(shape, q, k, v, o.ScaleWeight)
	if o.DropoutRate != 0 {
		st.drop = out.scratchRaw(n)
		fillDropout(st.drop, o.DropoutRate, o.DropoutRNG)
	}
	st.probs = out.scratchRaw(n)
	st.dropped = st.probs
	if st.drop != nil {
		st.dropped = out.scratchRaw(n)
	}
	c := st.scale
	if o.ScaleWeight != nil {
		c *= o.ScaleWeight.data[0]
	}
	task := attnTasks.Get().(*attnTask)
	*task = attnTask{st: st, q: q, k: k, v: v, out: out, c: c}
	gemm.ParallelTask(st.b*st.h, 1, task)
	*task = attnTask{}
	attnTasks.Put(task)
	probs = header(out.arena)
	probs.setShape(buf[:0])
	probs.shape = append(probs.shape, st.b, st.h, st.t, st.s)
	probs.data = st.probs
	// Four inputs live in the node's more slice, which an arena node
	// keeps across steps.
	if nd := track(out, "Attention", attnBackward, q, k, v, o.ScaleWeight); nd != nil {
		nd.attn = st
	}
	return out, probs
}

// attnTask runs the forward or backward pass of the (example, head)
// pairs [lo, hi). Tasks are pooled so that a step allocates none.
type attnTask struct {
	st         attnState
	q, k, v    *Tensor
	out        *Tensor // forward: the result; backward: the node's output
	c          float32 // total scale
	backward   bool
	dsc        []float32 // backward: dS scratch [B·H, T, S] (a range of pairs uses the block of its first)
	tmp        []float32 // backward with ScaleWeight: dS·K per pair [B·H, T, dk]
	partial    []float32 // backward with ScaleWeight: ⟨Q, dS·K⟩ per pair
	needQ      bool
	needK      bool
	needV      bool
	needW      bool
	needScores bool
}

var attnTasks = sync.Pool{New: func() any { return new(attnTask) }}

// Run implements gemm.Task.
func (a *attnTask) Run(lo, hi int) {
	for i := lo; i < hi; i++ {
		if a.backward {
			a.backwardPair(i, lo)
		} else {
			a.forwardPair(i)
		}
	}
}

// offsets of pair i = (b, h): query/key rows start at qo/ko with stride
// H·dk, value/out rows at vo/oo with stride H·dv; probabilities at po.
func (st *attnState) offsets(i int) (qo, ko, vo, oo, po int) {
	b, h := i/st.h, i%st.h
	if st.scores {
		qo = b * st.t * st.s // the scores [T, S] of example b
	} else {
		qo = (b*st.t*st.h + h) * st.dk
		ko = (b*st.s*st.h + h) * st.dk
	}
	vo = (b*st.s*st.h + h) * st.dv
	oo = (b*st.t*st.h + h) * st.dv
	po = i * st.t * st.s
	return
}

func (a *attnTask) forwardPair(i int) {
	st := &a.st
	T, S, H := st.t, st.s, st.h
	qo, ko, vo, oo, po := st.offsets(i)
	p := st.probs[po : po+T*S]
	if st.scores {
		copy(p, a.q.data[qo:qo+T*S])
	} else {
		gemm.Sgemm(false, true, T, S, st.dk, a.q.data[qo:], H*st.dk, a.k.data[ko:], H*st.dk, 0, p, S)
	}
	var mask []float32
	if st.mask != nil {
		b := i / H
		mask = st.mask.data[b*T*S : (b+1)*T*S]
	}
	for t := range T {
		row := p[t*S : (t+1)*S]
		var mrow []float32
		if mask != nil {
			mrow = mask[t*S : (t+1)*S]
		}
		maskedSoftmaxRow(row, a.c, mrow, st.causal, t, st.fill)
	}
	d := p
	if st.drop != nil {
		d = st.dropped[po : po+T*S]
		m := st.drop[po : po+T*S]
		for j, v := range p {
			d[j] = v * m[j]
		}
	}
	gemm.Sgemm(false, false, T, st.dv, S, d, S, a.v.data[vo:], H*st.dv, 0, a.out.data[oo:], H*st.dv)
}

// excluded reports whether key s is left out for query t.
func excluded(mrow []float32, causal bool, t, s int) bool {
	return (causal && s > t) || (mrow != nil && !(mrow[s] > 0.5))
}

// maskedSoftmaxRow replaces row (raw scores) by softmax(c·row) with the
// excluded keys filled as fill says.
func maskedSoftmaxRow(row []float32, c float32, mrow []float32, causal bool, t int, fill MaskFill) {
	if mrow == nil && !causal {
		vec.Softmax(row, c) // scale, max, exp, sum and divide in one kernel
		return
	}
	for s, v := range row {
		v *= c
		if excluded(mrow, causal, t, s) {
			if fill == FillSet {
				v = -1e9
			} else {
				v -= 1e9
			}
		}
		row[s] = v
	}
	vec.Softmax(row, 1)
	if fill == FillSet {
		for s := range row {
			if excluded(mrow, causal, t, s) {
				row[s] = 0
			}
		}
	}
}

func attnBackward(o *Tensor) {
	st := &o.node.attn
	in := o.node.inputs()
	q, k, v := in[0], in[1], in[2]
	var w *Tensor
	if len(in) > 3 {
		w = in[3]
	}
	n := st.b * st.h * st.t * st.s
	task := attnTasks.Get().(*attnTask)
	*task = attnTask{st: *st, q: q, k: k, v: v, out: o, backward: true, c: st.scale}
	if w != nil {
		task.c *= w.data[0]
	}
	task.needQ = q.requiresGrad && !st.scores
	task.needScores = q.requiresGrad && st.scores
	task.needK = k != nil && k.requiresGrad
	task.needV = v.requiresGrad
	task.needW = w != nil && w.requiresGrad
	if task.needQ || task.needK || task.needScores || task.needW {
		task.dsc = o.scratchRaw(n)
	}
	if task.needW {
		task.tmp = o.scratchRaw(st.b * st.h * st.t * st.dk)
		task.partial = o.scratchRaw(st.b * st.h)
	}
	partial := task.partial
	gemm.ParallelTask(st.b*st.h, 1, task)
	if task.needW {
		// Summed in pair order, so the result does not depend on threads.
		var s float64
		for _, p := range partial {
			s += float64(p)
		}
		w.grad[0] += float32(s) * st.scale
	}
	*task = attnTask{}
	attnTasks.Put(task)
}

// gradV adds pair i's dV = dropout(P)ᵀ·dO (P at po, dO at oo, dV at vo).
func (a *attnTask) gradV(po, oo, vo int) {
	if !a.needV {
		return
	}
	st := &a.st
	T, S, H, dv := st.t, st.s, st.h, st.dv
	gemm.Sgemm(true, false, S, dv, T, st.dropped[po:po+T*S], S, a.out.grad[oo:], H*dv, 1, a.v.grad[vo:], H*dv)
}

// backwardPair computes pair i's gradients. Its dS goes to the scratch
// block of pair slot, the first pair of the range this goroutine runs:
// the pairs of a range reuse one T·S block, which stays in the caches,
// instead of each writing its own block of a buffer too large for them.
func (a *attnTask) backwardPair(i, slot int) {
	st := &a.st
	T, S, H, dk, dv := st.t, st.s, st.h, st.dk, st.dv
	qo, ko, vo, oo, po := st.offsets(i)
	g := a.out.grad
	p := st.probs[po : po+T*S]
	if a.dsc == nil {
		a.gradV(po, oo, vo)
		return
	}
	so := slot * T * S
	ds := a.dsc[so : so+T*S]
	// d(dropped P) = dO·Vᵀ
	gemm.Sgemm(false, true, T, S, dv, g[oo:], H*dv, a.v.data[vo:], H*dv, 0, ds, S)
	if st.drop != nil {
		m := st.drop[po : po+T*S]
		for j := range ds {
			ds[j] *= m[j]
		}
	}
	// dS = P ⊙ (dP − Σ dP⊙P), row by row; excluded probabilities are 0
	// (or constant), so their scores get no gradient through FillSet.
	// The products with K and Q below want c·dS (the scores were
	// c·Q·Kᵀ), except with ScaleWeight, whose gradient needs dS itself.
	scale := a.c
	if a.needScores || a.needW {
		scale = 1
	}
	for t := range T {
		vec.SoftmaxGrad(p[t*S:(t+1)*S], ds[t*S:(t+1)*S], scale)
	}
	// After the pass above has read P in order (which the prefetchers
	// follow), so that the product's strided reads of it hit the cache.
	a.gradV(po, oo, vo)
	if a.needScores {
		// scores were used as c·scores with c = 1.
		sg := a.q.grad[qo : qo+T*S]
		for j, v := range ds {
			sg[j] += v
		}
		return
	}
	if a.needW {
		c := a.c
		// dS·K once, for both dQ and the scale weight's ⟨Q, dS·K⟩.
		tmp := a.tmp[i*T*dk : (i+1)*T*dk]
		gemm.Sgemm(false, false, T, dk, S, ds, S, a.k.data[ko:], H*dk, 0, tmp, dk)
		var dot float64
		for t := range T {
			qr := a.q.data[qo+t*H*dk : qo+t*H*dk+dk]
			tr := tmp[t*dk : (t+1)*dk]
			var s float32
			for j, v := range qr {
				s += v * tr[j]
			}
			dot += float64(s)
		}
		a.partial[i] = float32(dot)
		if a.needQ {
			for t := range T {
				qg := a.q.grad[qo+t*H*dk : qo+t*H*dk+dk]
				tr := tmp[t*dk : (t+1)*dk]
				for j, v := range tr {
					qg[j] += c * v
				}
			}
		}
		// Fold c into dS for dK below.
		for j := range ds {
			ds[j] *= c
		}
	} else if a.needQ {
		gemm.Sgemm(false, false, T, dk, S, ds, S, a.k.data[ko:], H*dk, 1, a.q.grad[qo:], H*dk)
	}
	if a.needK {
		gemm.Sgemm(true, false, S, dk, T, ds, S, a.q.data[qo:], H*dk, 1, a.k.grad[ko:], H*dk)
	}
}

// AdditiveScores returns the additive (Bahdanau) attention scores of
// query [B, T, d] and key [B, S, d], [B, T, S]:
//
//	scores[b, t, s] = Σ_d outer_d · tanh(inner · (query[b, t, d] + key[b, s, d]))
//
// outer holds d values (Keras AdditiveAttention's scale) or one (Keras
// Attention's concat_score_weight); inner holds one value (Attention's
// scale with score_mode="concat"). Either may be nil, meaning 1. All four
// are differentiated.
func AdditiveScores(query, key, inner, outer *Tensor) *Tensor {
	const op = "AdditiveScores"
	q, k := query.shape, key.shape
	if len(q) != 3 || len(k) != 3 || q[0] != k[0] || q[2] != k[2] {
		panic(shapeErr(op, "want query [B, T, d] and key [B, S, d]", q, k))
	}
	d := q[2]
	if inner != nil && len(inner.data) != 1 {
		panic(shapeErr(op, "inner must hold one value", inner.shape))
	}
	if outer != nil && len(outer.data) != 1 && len(outer.data) != d {
		panic(shapeErr(op, fmt.Sprintf("outer must hold 1 or %d values", d), outer.shape))
	}
	out := newOutRaw([]int{q[0], q[1], k[1]}, query, key, inner, outer)
	additive(query, key, inner, outer, out, false)
	track(out, op, additiveBackward, query, key, inner, outer)
	return out
}

func additiveBackward(o *Tensor) {
	in := o.node.inputs()
	additive(in[0], in[1], in[2], in[3], o, true)
}

// additive computes the scores into out.data, or, with back, adds the
// gradients from out.grad to the inputs'.
func additive(query, key, inner, outer, out *Tensor, back bool) {
	B, T, S, d := query.shape[0], query.shape[1], key.shape[1], query.shape[2]
	c := float32(1)
	if inner != nil {
		c = inner.data[0]
	}
	ov := func(j int) float32 {
		switch {
		case outer == nil:
			return 1
		case len(outer.data) == 1:
			return outer.data[0]
		}
		return outer.data[j]
	}
	var dInner float64
	for b := range B {
		for t := range T {
			qr := query.data[(b*T+t)*d : (b*T+t+1)*d]
			for s := range S {
				kr := key.data[(b*S+s)*d : (b*S+s+1)*d]
				i := (b*T+t)*S + s
				if !back {
					var acc float32
					for j, qv := range qr {
						acc += ov(j) * tanh32(c*(qv+kr[j]))
					}
					out.data[i] = acc
					continue
				}
				g := out.grad[i]
				for j, qv := range qr {
					u := qv + kr[j]
					th := tanh32(c * u)
					if outer != nil && outer.requiresGrad {
						if len(outer.data) == 1 {
							outer.grad[0] += g * th
						} else {
							outer.grad[j] += g * th
						}
					}
					dth := g * ov(j) * (1 - th*th)
					if query.requiresGrad {
						query.grad[(b*T+t)*d+j] += dth * c
					}
					if key.requiresGrad {
						key.grad[(b*S+s)*d+j] += dth * c
					}
					dInner += float64(dth * u)
				}
			}
		}
	}
	if back && inner != nil && inner.requiresGrad {
		inner.grad[0] += float32(dInner)
	}
}

func tanh32(x float32) float32 { return float32(math.Tanh(float64(x))) }

// Positions returns the first T rows of table [L, d…] repeated over the
// batch of x [B, T, d…], as [B, T, d…]: the position embeddings of a
// sequence of T steps (Keras-Hub's PositionEmbedding). x gives only the
// shape (and the arena); the gradient goes to table, summed over the
// batch.
func Positions(table, x *Tensor) *Tensor {
	if len(x.shape) < 2 || len(table.shape) != len(x.shape)-1 || x.shape[1] > table.shape[0] {
		panic(shapeErr("Positions", "want table [L, d…] and x [B, T, d…] with T <= L", table.shape, x.shape))
	}
	for i := 1; i < len(table.shape); i++ {
		if table.shape[i] != x.shape[i+1] {
			panic(shapeErr("Positions", "the table's rows must have the shape of x's steps", table.shape, x.shape))
		}
	}
	n := len(x.data) / max(x.shape[0], 1) // T·d values per example
	out := newOutRaw(x.shape, x, table)
	for b := range x.shape[0] {
		copy(out.data[b*n:(b+1)*n], table.data[:n])
	}
	if nd := track(out, "Positions", positionsBackward, table); nd != nil {
		nd.ints = [2]int{x.shape[0], n}
	}
	return out
}

func positionsBackward(o *Tensor) {
	t := o.node.in[0]
	bs, n := o.node.ints[0], o.node.ints[1]
	g := t.grad[:n]
	for b := range bs {
		gemm.Axpy(1, o.grad[b*n:(b+1)*n], g)
	}
}
