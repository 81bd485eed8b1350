package tensor

import (
	"fmt"

	"github.com/neuron-go/neuron/internal/gemm"
)

// GRUResetBefore runs Keras's GRU with reset_after=False (the reset gate
// applied before the recurrent product, ONNX's linear_before_reset=0)
// over x [N, T, F] and returns the hidden state of every processing step,
// [N, T, U]. kernel is [F, 3U], recurrent [U, 3U] and bias [3U] (one
// bias, Keras's shape for reset_after=False) or nil, with the gates in
// Keras's order z, r, h:
//
//	x̂ = x_t·kernel + bias
//	z = σ(x̂_z + h·recurrent_z), r = σ(x̂_r + h·recurrent_r)    (σ = recAct)
//	h̃ = act(x̂_h + (r ⊙ h)·recurrent_h);  h = z·h + (1 − z)·h̃
//
// o is as for GRU; with recurrent dropout masks, gate g reads h ⊙
// RecMasks[g] (h̃ reads r ⊙ h ⊙ RecMasks[2]), as Keras's GRUCell.
// Gradients flow to x, every weight and the initial state.
func GRUResetBefore(x, kernel, recurrent, bias *Tensor, o RNNOptions) *Tensor {
	if len(x.shape) != 3 || len(kernel.shape) != 2 || len(recurrent.shape) != 2 {
		panic(shapeErr("GRUResetBefore", "want x [N, T, F], kernel [F, 3U] and recurrent_kernel [U, 3U]", x.shape, kernel.shape, recurrent.shape))
	}
	n, t, f := x.shape[0], x.shape[1], x.shape[2]
	u := recurrent.shape[0]
	g3 := 3 * u
	if kernel.shape[0] != f || kernel.shape[1] != g3 || recurrent.shape[1] != g3 || (bias != nil && (len(bias.shape) != 1 || bias.shape[0] != g3)) {
		panic(shapeErr("GRUResetBefore", fmt.Sprintf("shapes do not fit %d inputs and %d units (bias [3U])", f, u), x.shape, kernel.shape, recurrent.shape))
	}
	mask := o.check("GRUResetBefore", x, u, false)
	o.checkDropout("GRUResetBefore", n, f, u, 3)
	out := newOutRaw([]int{n, t, u}, x, kernel, recurrent, bias)
	st := rnnState{n: n, t: t, f: f, u: u, g: 3, act: o.Act, recAct: o.RecAct, backwards: o.Backwards, mask: mask, inMasks: o.InMasks, recMasks: o.RecMasks}
	// gates: the pre-activations, then z, r and h̃, by input time; cells:
	// r ⊙ h (h through its dropout mask), the candidate's recurrent input.
	st.gates = out.scratchRaw(n * t * g3)
	st.cells = out.scratchRaw(n * t * u)
	st.inputProject(out, x.data, kernel.data, st.gates)
	if bias != nil {
		gemm.AddBiasRows(st.gates, n*t, g3, g3, bias.data)
	}
	var hm []float32
	if st.recMasks != nil {
		hm = out.scratchRaw(n * u)
	}
	k := newRNNTask(gruBeforeForward, &st)
	k.h, k.recurrent, k.hm, k.h0 = out.data, recurrent.data, hm, o.H0
	k.run()
	if nd := track(out, "GRUResetBefore", gruBeforeBackward, x, kernel, recurrent, bias, o.H0); nd != nil {
		nd.rnn = st
	}
	return out
}

func gruBeforeBackward(o *Tensor) {
	nd := o.node
	x, kernel, recurrent, bias, h0 := nd.more[0], nd.more[1], nd.more[2], nd.more[3], nd.more[4]
	st := &nd.rnn
	n, t, u := st.n, st.t, st.u
	g3 := 3 * u
	dx3 := o.scratchRaw(n * t * g3) // the pre-activations' gradient: input and recurrent parts alike
	dhNext := o.scratch(n * u)
	drh := o.scratchRaw(n * u)
	h, gy := o.data, o.grad
	var dR, hm, tmp []float32
	if recurrent.requiresGrad {
		dR = recurrent.ensureGrad()
	}
	stepDR := dR // with recurrent dropout, step by step; else in two products after
	if st.recMasks != nil {
		hm, tmp = o.scratchRaw(n*u), o.scratchRaw(n*u)
	} else {
		stepDR = nil
	}
	k := newRNNTask(gruBeforeBackwardPass, st)
	k.h, k.gy, k.recurrent, k.d, k.dhNext, k.dR, k.hm, k.tmp, k.h0, k.drh = h, gy, recurrent.data, dx3, dhNext, stepDR, hm, tmp, h0, drh
	k.run()
	if dR != nil && stepDR == nil {
		// z and r read h, h̃ reads r ⊙ h (zeros where a step was masked).
		st.recurrentWeightGradGates(0, 2, o, h, h0, dx3, dR)
		gemm.Sgemm(true, false, u, u, n*t, st.cells, u, dx3[2*u:], g3, 1, dR[2*u:], g3)
	}
	initialStateGrads(h0, dhNext, nil, nil)
	if bias != nil && bias.requiresGrad {
		sums := o.scratchRaw(g3)
		gemm.SumRows(sums, dx3, n*t, g3, g3)
		addTo(bias.ensureGrad(), sums)
	}
	st.inputBackward(o, x, kernel, dx3)
}

func (k *rnnTask) gruBeforeForward(b0, b1 int) {
	st := &k.st
	n, t, u, g3 := st.n, st.t, st.u, 3*st.u
	h := k.h
	for s := range t {
		tt := st.timeOf(s)
		hp, ld := prevBlock(h, k.h0, s, t, u)
		if hp != nil {
			// z, r: gates[:, tt, :2U] += h[:, s−1]·recurrent[:, :2U]
			st.recurrentProjectGates(0, 2, b0, b1, hp, ld, k.recurrent, st.gates[tt*g3:], t*g3, k.hm)
		}
		for b := b0; b < b1; b++ {
			rh := st.cells[(b*t+tt)*u : (b*t+tt+1)*u]
			p := prevRow(h, k.h0, b, s, t, u)
			masked := st.masked(b, s)
			if masked || p == nil {
				clear(rh)
			}
			if masked {
				continue
			}
			z := st.gates[(b*t+tt)*g3 : (b*t+tt+1)*g3]
			st.recAct.applyRow(z[:2*u]) // z, r
			if p == nil {
				continue
			}
			rg := z[u : 2*u]
			if st.recMasks != nil {
				m := st.recMasks[(2*n+b)*u : (2*n+b+1)*u]
				for j := range rh {
					rh[j] = rg[j] * (p[j] * m[j])
				}
			} else {
				for j := range rh {
					rh[j] = rg[j] * p[j]
				}
			}
		}
		if hp != nil {
			// h̃: gates[:, tt, 2U:] += (r ⊙ h)·recurrent[:, 2U:]
			gemm.Sgemm(false, false, b1-b0, u, u, st.cells[(b0*t+tt)*u:], t*u, k.recurrent[2*u:], g3, 1, st.gates[(b0*t+tt)*g3+2*u:], t*g3)
		}
		for b := b0; b < b1; b++ {
			p := prevRow(h, k.h0, b, s, t, u)
			if st.masked(b, s) {
				carryRow(h, p, b, s, t, u)
				continue
			}
			z := st.gates[(b*t+tt)*g3 : (b*t+tt+1)*g3]
			hh, zg := z[2*u:], z[:u]
			st.act.applyRow(hh)
			hs := h[(b*t+s)*u : (b*t+s+1)*u]
			if p != nil {
				for j := range hs {
					hs[j] = (1-zg[j])*hh[j] + zg[j]*p[j]
				}
			} else {
				for j := range hs {
					hs[j] = (1 - zg[j]) * hh[j]
				}
			}
		}
	}
}

func (k *rnnTask) gruBeforeBackward(b0, b1 int) {
	st := &k.st
	n, t, u, g3 := st.n, st.t, st.u, 3*st.u
	h, gy, dx3, dhNext, drh := k.h, k.gy, k.d, k.dhNext, k.drh
	for s := t - 1; s >= 0; s-- {
		tt := st.timeOf(s)
		for b := b0; b < b1; b++ {
			dz := dx3[(b*t+tt)*g3 : (b*t+tt+1)*g3]
			if st.masked(b, s) {
				// h passed through: dh goes on to step s−1 as it is.
				clear(dz)
				dhb := dhNext[b*u : (b+1)*u]
				for j := range dhb {
					dhb[j] += gy[(b*t+s)*u+j]
				}
				continue
			}
			z := st.gates[(b*t+tt)*g3 : (b*t+tt+1)*g3]
			p := prevRow(h, k.h0, b, s, t, u)
			for j := range u {
				dh := gy[(b*t+s)*u+j] + dhNext[b*u+j]
				zg, hh := z[j], z[2*u+j]
				var hprev float32
				if p != nil {
					hprev = p[j]
				}
				dz[j] = dh * (hprev - hh) * st.recAct.grad(zg)
				dz[u+j] = 0 // r's, below, from d(r ⊙ h)
				dz[2*u+j] = dh * (1 - zg) * st.act.grad(hh)
				dhNext[b*u+j] = dh * zg
			}
		}
		hp, ld := prevBlock(h, k.h0, s, t, u)
		if hp == nil {
			continue // from zeros: r ⊙ h = 0, so r has no gradient and nothing flows back
		}
		// d(r ⊙ h) = dh̃·recurrent[:, 2U:]ᵀ (zeros where masked)
		rows := b1 - b0
		gemm.Sgemm(false, true, rows, u, u, dx3[(b0*t+tt)*g3+2*u:], t*g3, k.recurrent[2*u:], g3, 0, drh[b0*u:], u)
		for b := b0; b < b1; b++ {
			if st.masked(b, s) {
				continue
			}
			z := st.gates[(b*t+tt)*g3 : (b*t+tt+1)*g3]
			dz := dx3[(b*t+tt)*g3 : (b*t+tt+1)*g3]
			p := prevRow(h, k.h0, b, s, t, u)
			d := drh[b*u : (b+1)*u]
			if st.recMasks != nil {
				m := st.recMasks[(2*n+b)*u : (2*n+b+1)*u]
				for j, v := range d {
					rg := z[u+j]
					dz[u+j] = v * (p[j] * m[j]) * st.recAct.grad(rg)
					dhNext[b*u+j] += v * rg * m[j]
				}
			} else {
				for j, v := range d {
					rg := z[u+j]
					dz[u+j] = v * p[j] * st.recAct.grad(rg)
					dhNext[b*u+j] += v * rg
				}
			}
		}
		// dh of step s−1 += d(z, r)·recurrent[:, :2U]ᵀ
		st.recurrentBackwardGates(0, 2, b0, b1, dx3[tt*g3:], t*g3, hp, ld, k.recurrent, k.dR, dhNext, k.hm, k.tmp)
		if k.dR != nil {
			// dR[:, 2U:] += (r ⊙ h)ᵀ·dh̃
			gemm.Sgemm(true, false, u, u, rows, st.cells[(b0*t+tt)*u:], t*u, dx3[(b0*t+tt)*g3+2*u:], t*g3, 1, k.dR[2*u:], g3)
		}
	}
}
