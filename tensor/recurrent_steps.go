package tensor

import (
	"sync"

	"github.com/neuron-go/neuron/internal/gemm"
)

// The sequential passes of the recurrent ops, over a range of examples.
// Examples do not depend on each other through time, so each core takes
// a part of the batch and steps through the whole sequence on its own,
// with no synchronization per step; the products over all steps at once
// (the input part, the weights' gradients) stay outside, as large
// parallel products.

// rnnPass names a sequential pass.
type rnnPass int

const (
	lstmForward rnnPass = iota
	lstmBackwardPass
	gruForward
	gruBackwardPass
	simpleRNNForward
	simpleRNNBackwardPass
	gruBeforeForward
	gruBeforeBackwardPass
)

// rnnTask is a pass with what it reads and writes, for gemm.ParallelTask;
// tasks are pooled, so that a step allocates nothing.
type rnnTask struct {
	pass      rnnPass
	st        rnnState
	h0, c0    *Tensor   // initial states, or nil
	h, gy     []float32 // the hidden states [N, T, U] and their gradient
	recurrent []float32
	bias      []float32 // GRU's biases (the recurrent half is used here)
	d         []float32 // the gradient of the gates (GRU: of the recurrent part)
	dx3       []float32 // GRU: the gradient of the input part
	dhNext    []float32 // [N, U]: dh flowing to the previous step
	dcNext    []float32 // LSTM: dc flowing to the previous step
	dR        []float32 // the recurrent kernel's gradient, step by step (with recurrent dropout), or nil
	hm, tmp   []float32 // [N, U] scratch for recurrent dropout
	drh       []float32 // GRUResetBefore: [N, U], the gradient of r ⊙ h
	tile      int       // the GEMM kernels' row tile, the unit of Run's ranges
}

var rnnTasks = sync.Pool{New: func() any { return new(rnnTask) }}

// newRNNTask returns a pooled task for pass over st.
func newRNNTask(pass rnnPass, st *rnnState) *rnnTask {
	k := rnnTasks.Get().(*rnnTask)
	*k = rnnTask{pass: pass, st: *st}
	return k
}

// run runs the pass over the batch, cut between the cores when the work
// per part is worth it, and returns the task to the pool. The batch is
// cut only at multiples of the GEMM kernels' row tile, where the per-step
// products give each row the same bits however the batch is cut (and so
// on one core as on two). A dR accumulated step by step would be written
// by both parts, so that pass runs whole.
func (k *rnnTask) run() {
	n, t, u, g := k.st.n, k.st.t, k.st.u, k.st.g
	k.tile = gemm.RowTile()
	blocks := (n + k.tile - 1) / k.tile
	if k.dR != nil || blocks < 2 || n*t*g*u*u < 1<<18 {
		k.rows(0, n)
	} else {
		gemm.ParallelTask(blocks, blocks/2, k)
	}
	*k = rnnTask{}
	rnnTasks.Put(k)
}

// Run implements gemm.Task: the pass for the row tiles [lo, hi).
func (k *rnnTask) Run(lo, hi int) { k.rows(lo*k.tile, min(hi*k.tile, k.st.n)) }

// rows runs the pass for the examples [b0, b1).
func (k *rnnTask) rows(b0, b1 int) {
	switch k.pass {
	case lstmForward:
		k.lstmForward(b0, b1)
	case lstmBackwardPass:
		k.lstmBackward(b0, b1)
	case gruForward:
		k.gruForward(b0, b1)
	case gruBackwardPass:
		k.gruBackward(b0, b1)
	case simpleRNNForward:
		k.simpleRNNForward(b0, b1)
	case simpleRNNBackwardPass:
		k.simpleRNNBackward(b0, b1)
	case gruBeforeForward:
		k.gruBeforeForward(b0, b1)
	case gruBeforeBackwardPass:
		k.gruBeforeBackward(b0, b1)
	}
}

func (k *rnnTask) lstmForward(b0, b1 int) {
	st := &k.st
	t, u, g4 := st.t, st.u, 4*st.u
	h, c := k.h, st.cells
	for s := range t {
		tt := st.timeOf(s)
		if hp, ld := prevBlock(h, k.h0, s, t, u); hp != nil {
			// gates[:, tt] += h[:, s−1]·recurrent
			st.recurrentProject(b0, b1, hp, ld, k.recurrent, st.gates[tt*g4:], t*g4, k.hm)
		}
		for b := b0; b < b1; b++ {
			if st.masked(b, s) {
				carryRow(h, prevRow(h, k.h0, b, s, t, u), b, s, t, u)
				carryRow(c, prevRow(c, k.c0, b, s, t, u), b, s, t, u)
				continue
			}
			z := st.gates[(b*t+tt)*g4 : (b*t+tt+1)*g4]
			st.recAct.applyRow(z[:2*u]) // i, f
			st.act.applyRow(z[2*u : 3*u])
			st.recAct.applyRow(z[3*u:]) // o
			cs := c[(b*t+s)*u : (b*t+s+1)*u]
			ig, fg, g := z[:u], z[u:2*u], z[2*u:3*u]
			if cp := prevRow(c, k.c0, b, s, t, u); cp != nil {
				for j := range cs {
					cs[j] = ig[j]*g[j] + fg[j]*cp[j]
				}
			} else {
				for j := range cs {
					cs[j] = ig[j] * g[j]
				}
			}
			tc := st.actCells[(b*t+s)*u : (b*t+s+1)*u]
			copy(tc, cs)
			st.act.applyRow(tc)
			hs, og := h[(b*t+s)*u:(b*t+s+1)*u], z[3*u:]
			for j := range hs {
				hs[j] = og[j] * tc[j]
			}
		}
	}
}

func (k *rnnTask) lstmBackward(b0, b1 int) {
	st := &k.st
	t, u, g4 := st.t, st.u, 4*st.u
	h, c, gy, dgates, dhNext, dcNext := k.h, st.cells, k.gy, k.d, k.dhNext, k.dcNext
	for s := t - 1; s >= 0; s-- {
		tt := st.timeOf(s)
		for b := b0; b < b1; b++ {
			z := st.gates[(b*t+tt)*g4 : (b*t+tt+1)*g4]
			dz := dgates[(b*t+tt)*g4 : (b*t+tt+1)*g4]
			if st.masked(b, s) {
				// The states passed through: dh and dc go on to step s−1
				// as they are (dc unchanged), the gates get nothing.
				clear(dz)
				dhb := dhNext[b*u : (b+1)*u]
				for j := range dhb {
					dhb[j] += gy[(b*t+s)*u+j]
				}
				continue
			}
			for j := range u {
				dh := gy[(b*t+s)*u+j] + dhNext[b*u+j]
				dhNext[b*u+j] = 0 // the product below adds this step's part
				i, fg, g, og := z[j], z[u+j], z[2*u+j], z[3*u+j]
				tc := st.actCells[(b*t+s)*u+j]
				dc := dcNext[b*u+j] + dh*og*st.act.grad(tc)
				var cprev float32
				if s > 0 {
					cprev = c[(b*t+s-1)*u+j]
				} else if k.c0 != nil {
					cprev = k.c0.data[b*u+j]
				}
				dcNext[b*u+j] = dc * fg
				dz[j] = dc * g * st.recAct.grad(i)
				dz[u+j] = dc * cprev * st.recAct.grad(fg)
				dz[2*u+j] = dc * i * st.act.grad(g)
				dz[3*u+j] = dh * tc * st.recAct.grad(og)
			}
		}
		if hp, ld := prevBlock(h, k.h0, s, t, u); hp != nil {
			// dh of step s−1 += dgates[:, tt]·recurrentᵀ (dhNext holds what
			// masked steps pass through, zeros elsewhere)
			st.recurrentBackward(b0, b1, dgates[tt*g4:], t*g4, hp, ld, k.recurrent, k.dR, dhNext, k.hm, k.tmp)
		}
	}
}

func (k *rnnTask) gruForward(b0, b1 int) {
	st := &k.st
	t, u, g3 := st.t, st.u, 3*st.u
	h := k.h
	for s := range t {
		tt := st.timeOf(s)
		rec := st.cells[tt*g3:]
		for b := b0; b < b1; b++ {
			r := rec[b*t*g3 : b*t*g3+g3]
			if k.bias != nil {
				copy(r, k.bias[g3:])
			} else {
				clear(r)
			}
		}
		if hp, ld := prevBlock(h, k.h0, s, t, u); hp != nil {
			st.recurrentProject(b0, b1, hp, ld, k.recurrent, rec, t*g3, k.hm)
		}
		for b := b0; b < b1; b++ {
			if st.masked(b, s) {
				carryRow(h, prevRow(h, k.h0, b, s, t, u), b, s, t, u)
				continue
			}
			z := st.gates[(b*t+tt)*g3 : (b*t+tt+1)*g3]
			rh := st.cells[(b*t+tt)*g3 : (b*t+tt+1)*g3]
			hs := h[(b*t+s)*u : (b*t+s+1)*u]
			zr := z[:2*u]
			for j, v := range rh[:2*u] {
				zr[j] += v
			}
			st.recAct.applyRow(zr) // z, r
			rg, hh := z[u:2*u], z[2*u:]
			for j, v := range rh[2*u:] {
				hh[j] += rg[j] * v
			}
			st.act.applyRow(hh) // h̃
			zg := z[:u]
			if hp := prevRow(h, k.h0, b, s, t, u); hp != nil {
				for j := range hs {
					hs[j] = (1-zg[j])*hh[j] + zg[j]*hp[j]
				}
			} else {
				for j := range hs {
					hs[j] = (1 - zg[j]) * hh[j]
				}
			}
		}
	}
}

func (k *rnnTask) gruBackward(b0, b1 int) {
	st := &k.st
	t, u, g3 := st.t, st.u, 3*st.u
	h, gy, drec, dx3, dhNext := k.h, k.gy, k.d, k.dx3, k.dhNext
	for s := t - 1; s >= 0; s-- {
		tt := st.timeOf(s)
		for b := b0; b < b1; b++ {
			z := st.gates[(b*t+tt)*g3 : (b*t+tt+1)*g3]
			rh := st.cells[(b*t+tt)*g3 : (b*t+tt+1)*g3]
			dxz := dx3[(b*t+tt)*g3 : (b*t+tt+1)*g3]
			drz := drec[(b*t+tt)*g3 : (b*t+tt+1)*g3]
			if st.masked(b, s) {
				// h passed through: dh goes on to step s−1 as it is.
				clear(dxz)
				clear(drz)
				dhb := dhNext[b*u : (b+1)*u]
				for j := range dhb {
					dhb[j] += gy[(b*t+s)*u+j]
				}
				continue
			}
			for j := range u {
				dh := gy[(b*t+s)*u+j] + dhNext[b*u+j]
				zg, rg, hh := z[j], z[u+j], z[2*u+j]
				var hprev float32
				if s > 0 {
					hprev = h[(b*t+s-1)*u+j]
				} else if k.h0 != nil {
					hprev = k.h0.data[b*u+j]
				}
				daz := dh * (hprev - hh) * st.recAct.grad(zg)
				dah := dh * (1 - zg) * st.act.grad(hh)
				dar := dah * rh[2*u+j] * st.recAct.grad(rg)
				dxz[j], dxz[u+j], dxz[2*u+j] = daz, dar, dah
				drz[j], drz[u+j], drz[2*u+j] = daz, dar, dah*rg
				dhNext[b*u+j] = dh * zg
			}
		}
		if hp, ld := prevBlock(h, k.h0, s, t, u); hp != nil {
			// dh of step s−1 += drec[:, tt]·recurrentᵀ
			st.recurrentBackward(b0, b1, drec[tt*g3:], t*g3, hp, ld, k.recurrent, k.dR, dhNext, k.hm, k.tmp)
		}
	}
}

func (k *rnnTask) simpleRNNForward(b0, b1 int) {
	st := &k.st
	t, u := st.t, st.u
	h := k.h
	for s := range t {
		tt := st.timeOf(s)
		if hp, ld := prevBlock(h, k.h0, s, t, u); hp != nil {
			st.recurrentProject(b0, b1, hp, ld, k.recurrent, st.gates[tt*u:], t*u, k.hm)
		}
		for b := b0; b < b1; b++ {
			if st.masked(b, s) {
				carryRow(h, prevRow(h, k.h0, b, s, t, u), b, s, t, u)
				continue
			}
			z := st.gates[(b*t+tt)*u : (b*t+tt+1)*u]
			hs := h[(b*t+s)*u : (b*t+s+1)*u]
			copy(hs, z)
			st.act.applyRow(hs)
		}
	}
}

func (k *rnnTask) simpleRNNBackward(b0, b1 int) {
	st := &k.st
	t, u := st.t, st.u
	h, gy, dz, dhNext := k.h, k.gy, k.d, k.dhNext
	for s := t - 1; s >= 0; s-- {
		tt := st.timeOf(s)
		for b := b0; b < b1; b++ {
			masked := st.masked(b, s)
			for j := range u {
				dh := gy[(b*t+s)*u+j] + dhNext[b*u+j]
				if masked { // h passed through
					dz[(b*t+tt)*u+j], dhNext[b*u+j] = 0, dh
					continue
				}
				dz[(b*t+tt)*u+j], dhNext[b*u+j] = dh*st.act.grad(h[(b*t+s)*u+j]), 0
			}
		}
		if hp, ld := prevBlock(h, k.h0, s, t, u); hp != nil {
			// dh of step s−1 += dz[:, tt]·recurrentᵀ
			st.recurrentBackward(b0, b1, dz[tt*u:], t*u, hp, ld, k.recurrent, k.dR, dhNext, k.hm, k.tmp)
		}
	}
}
