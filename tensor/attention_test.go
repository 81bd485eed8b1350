package tensor_test

import (
	"math"
	"runtime"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// naiveAttention is the textbook formula, one example and head at a time,
// in float64: the reference for DotProductAttention.
func naiveAttention(q, k, v *tensor.Tensor, scale float64, mask *tensor.Tensor, causal, subtract bool) []float64 {
	B, T, H, dk := q.Shape()[0], q.Shape()[1], q.Shape()[2], q.Shape()[3]
	S, dv := k.Shape()[1], v.Shape()[3]
	out := make([]float64, B*T*H*dv)
	for b := range B {
		for h := range H {
			for t := range T {
				sc := make([]float64, S)
				keep := make([]bool, S)
				m := math.Inf(-1)
				for s := range S {
					var acc float64
					for j := range dk {
						acc += float64(q.At(b, t, h, j)) * float64(k.At(b, s, h, j))
					}
					sc[s] = acc * scale
					keep[s] = !(causal && s > t) && (mask == nil || mask.At(b, t, s) > 0.5)
					if !keep[s] {
						if subtract {
							// in float32, as the op (and Keras) computes it
							sc[s] = float64(float32(sc[s]) - 1e9)
						} else {
							sc[s] = -1e9
						}
					}
					m = math.Max(m, sc[s])
				}
				var sum float64
				for s := range S {
					sc[s] = math.Exp(sc[s] - m)
					sum += sc[s]
				}
				for s := range S {
					sc[s] /= sum
					if !keep[s] && !subtract {
						sc[s] = 0
					}
				}
				for j := range dv {
					var acc float64
					for s := range S {
						acc += sc[s] * float64(v.At(b, s, h, j))
					}
					out[((b*T+t)*H+h)*dv+j] = acc
				}
			}
		}
	}
	return out
}

func TestDotProductAttentionForward(t *testing.T) {
	q, k, v := tt.Rand(1, -1, 1, 2, 5, 3, 4), tt.Rand(2, -1, 1, 2, 6, 3, 4), tt.Rand(3, -1, 1, 2, 6, 3, 2)
	mask := tt.Rand(4, 0, 1, 2, 5, 6)
	for i := range 6 {
		mask.Data()[i] = 0 // a row with every key excluded
	}
	for _, c := range []struct {
		name     string
		mask     *tensor.Tensor
		causal   bool
		fill     tensor.MaskFill
		subtract bool
	}{
		{"plain", nil, false, tensor.FillSet, false},
		{"mask", mask, false, tensor.FillSet, false},
		{"mask subtract", mask, false, tensor.FillSubtract, true},
		{"causal", nil, true, tensor.FillSet, false},
		{"mask causal", mask, true, tensor.FillSet, false},
	} {
		out, probs := tensor.DotProductAttention(q, k, v, tensor.AttentionOptions{Scale: 0.5, Mask: c.mask, Causal: c.causal, Fill: c.fill})
		want := naiveAttention(q, k, v, 0.5, c.mask, c.causal, c.subtract)
		for i, w := range want {
			if math.Abs(float64(out.Data()[i])-w) > 1e-5 {
				t.Fatalf("%s: out[%d] = %v, want %v", c.name, i, out.Data()[i], w)
			}
		}
		if s := probs.Shape(); len(s) != 4 || s[0] != 2 || s[1] != 3 || s[2] != 5 || s[3] != 6 {
			t.Errorf("%s: probs shape %v", c.name, s)
		}
	}
}

func TestAttentionGradients(t *testing.T) {
	sym := func(seed uint64, shape ...int) *tensor.Tensor { return tt.Rand(seed, -1.5, 1.5, shape...) }
	mask := tt.Rand(9, 0, 1, 2, 3, 4)
	for i := 0; i < mask.Size(); i += 4 {
		mask.Data()[i] = 1 // every query attends to key 0: with every key
		// excluded, FillSubtract's scores−1e9 absorbs a finite difference
	}
	drop := make([]float32, 2*2*3*4)
	for i := range drop {
		if i%3 != 0 {
			drop[i] = 1.5
		}
	}
	dpa := func(o tensor.AttentionOptions) func(x ...*tensor.Tensor) *tensor.Tensor {
		return func(x ...*tensor.Tensor) *tensor.Tensor {
			if len(x) > 3 {
				o.ScaleWeight = x[3]
			}
			out, _ := tensor.DotProductAttention(x[0], x[1], x[2], o)
			return out
		}
	}
	qkv := func() []*tensor.Tensor {
		return []*tensor.Tensor{sym(1, 2, 3, 2, 3), sym(2, 2, 4, 2, 3), sym(3, 2, 4, 2, 2)}
	}
	cases := []struct {
		name string
		f    func(x ...*tensor.Tensor) *tensor.Tensor
		xs   []*tensor.Tensor
	}{
		{"DotProductAttention", dpa(tensor.AttentionOptions{Scale: 0.7}), qkv()},
		{"DotProductAttention/mask", dpa(tensor.AttentionOptions{Scale: 0.7, Mask: mask}), qkv()},
		{"DotProductAttention/mask subtract", dpa(tensor.AttentionOptions{Mask: mask, Fill: tensor.FillSubtract}), qkv()},
		{"DotProductAttention/causal", dpa(tensor.AttentionOptions{Causal: true}), qkv()},
		{"DotProductAttention/dropout", dpa(tensor.AttentionOptions{Dropout: drop}), qkv()},
		{"DotProductAttention/scale weight", dpa(tensor.AttentionOptions{Scale: 0.5, Mask: mask}), append(qkv(), tensor.FromSlice([]float32{1.3}))},
		{"DotProductAttention/self", func(x ...*tensor.Tensor) *tensor.Tensor {
			out, _ := tensor.DotProductAttention(x[0], x[0], x[0], tensor.AttentionOptions{ScaleWeight: x[1], Causal: true})
			return out
		}, []*tensor.Tensor{sym(4, 2, 3, 1, 4), tensor.FromSlice([]float32{0.8})}},
		{"AttendScores", func(x ...*tensor.Tensor) *tensor.Tensor {
			out, _ := tensor.AttendScores(x[0], x[1], tensor.AttentionOptions{Mask: mask, Causal: true, Fill: tensor.FillSubtract})
			return out
		}, []*tensor.Tensor{sym(5, 2, 3, 4), sym(6, 2, 4, 3)}},
		{"AdditiveScores/vector", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.AdditiveScores(x[0], x[1], nil, x[2]) },
			[]*tensor.Tensor{sym(7, 2, 3, 4), sym(8, 2, 5, 4), sym(9, 4)}},
		{"AdditiveScores/scalars", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.AdditiveScores(x[0], x[1], x[2], x[3]) },
			[]*tensor.Tensor{sym(7, 2, 3, 4), sym(8, 2, 5, 4), tensor.FromSlice([]float32{0.7}), tensor.FromSlice([]float32{1.2})}},
		{"Positions", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Positions(x[0], tt.Rand(1, 0, 1, 3, 2, 4)) },
			[]*tensor.Tensor{sym(1, 5, 4)}},
		{"Project", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Project(x[0], x[1], x[2], 1) },
			[]*tensor.Tensor{sym(1, 2, 3, 4), sym(2, 4, 2, 3), sym(3, 2, 3)}},
		{"Project/two axes", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Project(x[0], x[1], x[2], 2) },
			[]*tensor.Tensor{sym(1, 2, 3, 2, 3), sym(2, 2, 3, 5), sym(3, 5)}},
		{"ProjectReLU", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.ProjectReLU(x[0], x[1], x[2], 1) },
			[]*tensor.Tensor{sym(1, 2, 3, 4), sym(2, 4, 2, 3), sym(3, 2, 3)}},
		{"ProjectReLU/no bias", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.ProjectReLU(x[0], x[1], nil, 2) },
			[]*tensor.Tensor{sym(4, 2, 3, 2, 3), sym(5, 2, 3, 5)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { tt.GradCheck(t, c.f, c.xs, tt.GradCheckOptions{}) })
	}
}

func TestAttentionShapeErrors(t *testing.T) {
	q, k, v := tensor.Zeros(2, 3, 2, 4), tensor.Zeros(2, 5, 2, 4), tensor.Zeros(2, 5, 2, 1)
	for name, f := range map[string]func(){
		"rank":    func() { tensor.DotProductAttention(tensor.Zeros(2, 3, 8), k, v, tensor.AttentionOptions{}) },
		"key dim": func() { tensor.DotProductAttention(q, tensor.Zeros(2, 5, 2, 3), v, tensor.AttentionOptions{}) },
		"steps":   func() { tensor.DotProductAttention(q, k, tensor.Zeros(2, 4, 2, 1), tensor.AttentionOptions{}) },
		"mask":    func() { tensor.DotProductAttention(q, k, v, tensor.AttentionOptions{Mask: tensor.Zeros(2, 5, 3)}) },
		"dropout": func() { tensor.DotProductAttention(q, k, v, tensor.AttentionOptions{Dropout: make([]float32, 3)}) },
	} {
		var err error
		func() {
			defer tensor.RecoverShapeError(&err)
			f()
		}()
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestAttentionStepDoesNotAllocate runs the attention ops forward and
// backward in an arena, as a training step does.
func TestAttentionStepDoesNotAllocate(t *testing.T) {
	arena := tensor.NewArena()
	x := tt.Rand(1, -1, 1, 4, 16, 8).InArena(arena)
	wq, wk, wv := tt.Rand(2, -1, 1, 8, 2, 4).RequireGrad(), tt.Rand(3, -1, 1, 8, 2, 4).RequireGrad(), tt.Rand(4, -1, 1, 8, 2, 4).RequireGrad()
	bq := tt.Rand(5, -1, 1, 2, 4).RequireGrad()
	wo := tt.Rand(6, -1, 1, 2, 4, 8).RequireGrad()
	sw, outer := tensor.FromSlice([]float32{1.1}).RequireGrad(), tt.Rand(7, -1, 1, 8).RequireGrad()
	mask := tensor.Full(1, 4, 16, 16)
	drop := make([]float32, 4*2*16*16)
	for i := range drop {
		drop[i] = float32(i % 2 * 2)
	}
	ws := []*tensor.Tensor{wq, wk, wv, bq, wo, sw, outer}
	step := func() {
		q, k, v := tensor.Project(x, wq, bq, 1), tensor.Project(x, wk, nil, 1), tensor.Project(x, wv, nil, 1)
		o, _ := tensor.DotProductAttention(q, k, v, tensor.AttentionOptions{Scale: 0.5, ScaleWeight: sw, Mask: mask, Causal: true, Dropout: drop})
		y := tensor.Project(o, wo, nil, 2)
		sc := tensor.AdditiveScores(x, x, nil, outer)
		a, _ := tensor.AttendScores(sc, x, tensor.AttentionOptions{Causal: true, Fill: tensor.FillSubtract})
		tensor.Backward(y.Sum().Add(a.Sum()))
		for _, w := range ws {
			w.ZeroGrad()
		}
		arena.Reset()
	}
	step()
	if n := testing.AllocsPerRun(20, step); n != 0 {
		t.Errorf("a step allocates %v times, want 0", n)
	}
}

// TestAttentionLayerNormThreads checks that the transformer block's
// parallel ops (DotProductAttention with and without a mask, Project's bias
// and its gradient, and GroupNorm as LayerNormalization uses it) give the same bits on one goroutine as on
// two, forward and backward.
func TestAttentionLayerNormThreads(t *testing.T) {
	const B, T, H, dk = 8, 64, 2, 32 // GroupNorm: 512 rows of 64, two parts
	mask := tt.Rand(9, 0, 1, B, T, T)
	for i, v := range mask.Data() {
		mask.Data()[i] = float32(int(v + 0.7)) // mostly kept
	}
	do := func(procs int, m *tensor.Tensor) [][]float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		q := tt.Rand(1, -1, 1, B, T, H, dk).RequireGrad()
		k := tt.Rand(2, -1, 1, B, T, H, dk).RequireGrad()
		v := tt.Rand(3, -1, 1, B, T, H, dk).RequireGrad()
		g := tt.Rand(4, 0.5, 1.5, H*dk).RequireGrad()
		b := tt.Rand(5, -0.5, 0.5, H*dk).RequireGrad()
		wo := tt.Rand(6, -0.3, 0.3, H, dk, H*dk).RequireGrad()
		bo := tt.Rand(7, -0.3, 0.3, H*dk).RequireGrad()
		att, _ := tensor.DotProductAttention(q, k, v, tensor.AttentionOptions{Scale: 0.25, Mask: m})
		proj := tensor.Project(att, wo, bo, 2)
		y := tensor.GroupNorm(proj.Reshape(B*T, H*dk), g, b, B*T, 1, 1, H*dk, 1e-6)
		tensor.Backward(y.Square().Sum())
		return [][]float32{y.Data(), q.Grad().Data(), k.Grad().Data(), v.Grad().Data(), g.Grad().Data(), b.Grad().Data(), wo.Grad().Data(), bo.Grad().Data()}
	}
	for _, m := range []*tensor.Tensor{nil, mask} {
		one, two := do(1, m), do(2, m)
		for i := range one {
			for j := range one[i] {
				if math.Float32bits(one[i][j]) != math.Float32bits(two[i][j]) {
					t.Fatalf("mask %v: result %d element %d: %v on one goroutine, %v on two", m != nil, i, j, one[i][j], two[i][j])
				}
			}
		}
	}
}

// TestProjectReLUIsProjectThenReLU checks that the fused op gives the bits
// of Project followed by ReLU, forward and backward (zeros and negative
// zeros among the inputs), with and without a bias, on one
// goroutine and on two, on a size that the parallel passes split.
func TestProjectReLUIsProjectThenReLU(t *testing.T) {
	const rows, in, out = 300, 16, 96 // 28800 outputs: two parts
	run := func(procs int, fused, bias bool) [][]float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		x := tt.Rand(1, -1, 1, 3, rows/3, in).RequireGrad()
		x.Data()[40] = float32(math.Copysign(0, -1))
		w := tt.Rand(2, -1, 1, in, out).RequireGrad()
		var b *tensor.Tensor
		if bias {
			b = tt.Rand(3, -0.5, 0.5, out).RequireGrad()
			b.Data()[7] = 0
		}
		var y *tensor.Tensor
		if fused {
			y = tensor.ProjectReLU(x, w, b, 1)
		} else {
			y = tensor.Project(x, w, b, 1).ReLU()
		}
		g := tt.Rand(4, -1, 1, y.Shape()...)
		g.Data()[3] = float32(math.Copysign(0, -1))
		tensor.Backward(y.Mul(g).Sum())
		r := [][]float32{y.Data(), x.Grad().Data(), w.Grad().Data()}
		if bias {
			r = append(r, b.Grad().Data())
		}
		return r
	}
	for _, bias := range []bool{true, false} {
		want := run(1, false, bias)
		for _, procs := range []int{1, 2} {
			got := run(procs, true, bias)
			for i := range want {
				for j := range want[i] {
					if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
						t.Fatalf("bias %v, %d goroutines: result %d element %d: fused %v, separate %v", bias, procs, i, j, got[i][j], want[i][j])
					}
				}
			}
		}
	}
}

// TestLargeAddThreads checks the residual sum of a transformer block,
// large enough to run on both cores forward and backward, against the
// elementwise sums and gradients, on one goroutine and on two.
func TestLargeAddThreads(t *testing.T) {
	for _, procs := range []int{1, 2} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			a := tt.Rand(1, -1, 1, 3, 200, 128).RequireGrad()
			b := tt.Rand(2, -1, 1, 3, 200, 128).RequireGrad()
			g := tt.Rand(3, -1, 1, 3, 200, 128)
			y := a.Add(b)
			tensor.Backward(y.Mul(g).Sum())
			for i, v := range y.Data() {
				if want := a.Data()[i] + b.Data()[i]; v != want {
					t.Fatalf("%d goroutines: sum %d = %v, want %v", procs, i, v, want)
				}
				if ga, gb, want := a.Grad().Data()[i], b.Grad().Data()[i], g.Data()[i]; ga != want || gb != want {
					t.Fatalf("%d goroutines: gradients %d = %v and %v, want %v", procs, i, ga, gb, want)
				}
			}
		}()
	}
}
