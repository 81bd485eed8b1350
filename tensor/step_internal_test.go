package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// linearSumGrads returns the gradients of Σ(x·w + b) written out by hand:
// d/dw[i][j] = Σ_r x[r][i], d/db[j] = rows, d/dx[r][i] = Σ_j w[i][j].
func linearSumGrads(x, w []float32, rows, in, out int) (dx, dw, db []float32) {
	dx, dw, db = make([]float32, rows*in), make([]float32, in*out), make([]float32, out)
	for r := 0; r < rows; r++ {
		for i := 0; i < in; i++ {
			for j := 0; j < out; j++ {
				dw[i*out+j] += x[r*in+i]
				dx[r*in+i] += w[i*out+j]
			}
		}
	}
	for j := range db {
		db[j] = float32(rows)
	}
	return dx, dw, db
}

func checkGrad(t *testing.T, what string, got, want []float32, scale float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - scale*want[i])); d > 1e-5*(1+math.Abs(float64(scale*want[i]))) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], scale*want[i])
		}
	}
}

// TestZeroGradIsLazy checks that ZeroGrad's deferred clearing gives the
// gradients a cleared buffer gives: Linear overwrites a stale gradient
// (even one holding NaN), other operations clear it first, Grad reads it as
// zero, and without ZeroGrad gradients still accumulate.
func TestZeroGradIsLazy(t *testing.T) {
	const rows, in, out = 5, 7, 33
	xs := make([]float32, rows*in)
	ws := make([]float32, in*out)
	for i := range xs {
		xs[i] = float32(i%11)/4 - 1
	}
	for i := range ws {
		ws[i] = float32(i%13)/5 - 1.2
	}
	wantDx, wantDw, wantDb := linearSumGrads(xs, ws, rows, in, out)
	x := FromSlice(xs, rows, in).RequireGrad()
	w := FromSlice(ws, in, out).RequireGrad()
	b := Zeros(out).RequireGrad()
	step := func() { Backward(Linear(x, w, b).Sum()) }

	step()
	checkGrad(t, "dw", w.Grad().Data(), wantDw, 1)
	step() // no ZeroGrad: gradients add up
	checkGrad(t, "dw accumulated", w.Grad().Data(), wantDw, 2)
	checkGrad(t, "db accumulated", b.Grad().Data(), wantDb, 2)
	checkGrad(t, "dx accumulated", x.Grad().Data(), wantDx, 2)

	for _, p := range []*Tensor{x, w, b} {
		p.ZeroGrad()
		for i := range p.grad {
			p.grad[i] = float32(math.NaN()) // what a stale buffer might hold
		}
	}
	step()
	checkGrad(t, "dw after ZeroGrad", w.Grad().Data(), wantDw, 1)
	checkGrad(t, "db after ZeroGrad", b.Grad().Data(), wantDb, 1)
	checkGrad(t, "dx after ZeroGrad", x.Grad().Data(), wantDx, 1)

	w.ZeroGrad()
	w.grad[0] = 42
	checkGrad(t, "Grad after ZeroGrad", w.Grad().Data(), make([]float32, in*out), 1)

	// The weight used twice, by Linear and by an operation that adds to
	// its gradient, in both orders: Σ(x·w + b) + Σw and Σw + Σ(x·w + b).
	ones := make([]float32, in*out)
	for i := range ones {
		ones[i] = 1
	}
	both := make([]float32, in*out)
	for i := range both {
		both[i] = wantDw[i] + 1
	}
	for _, linearFirst := range []bool{true, false} {
		w.ZeroGrad()
		w.grad[1] = float32(math.NaN())
		var loss *Tensor
		if linearFirst {
			loss = Linear(x, w, b).Sum().Add(w.Sum())
		} else {
			loss = w.Sum().Add(Linear(x, w, b).Sum())
		}
		Backward(loss)
		checkGrad(t, "dw of a shared weight", w.Grad().Data(), both, 1)
	}

	// Two Linear layers sharing the weight: Σ(x·w) + Σ(x·w).
	w.ZeroGrad()
	Backward(Linear(x, w, nil).Sum().Add(Linear(x, w, nil).Sum()))
	checkGrad(t, "dw of a weight used by two Linear layers", w.Grad().Data(), wantDw, 2)
}

// TestTakeRowsIntoSplit checks the gather that runs on several cores (a
// batch of more than 2·takeGrain elements) against the rows it names, a row
// taken twice included.
func TestTakeRowsIntoSplit(t *testing.T) {
	const rows, width = 100, 784
	src := make([]float32, rows*width)
	for i := range src {
		src[i] = float32(i)
	}
	idx := []int{7, 99, 0, 42, 42, 13, 64, 1, 98, 3, 55, 20, 31, 77, 8, 90}
	if len(idx)*width < 2*takeGrain {
		t.Fatalf("batch of %d elements stays on one core", len(idx)*width)
	}
	dst := Zeros(len(idx), width)
	FromSlice(src, rows, width).TakeRowsInto(dst, idx)
	for i, r := range idx {
		for j := 0; j < width; j++ {
			if got, want := dst.data[i*width+j], float32(r*width+j); got != want {
				t.Fatalf("row %d (source row %d) [%d] = %v, want %v", i, r, j, got, want)
			}
		}
	}
}

// BenchmarkTakeRowsInto gathers shuffled batches of 32 MNIST-sized rows
// from a 60,000-row data set (188 MB, far beyond the caches), as a
// training step's batch assembly does.
func BenchmarkTakeRowsInto(b *testing.B) {
	const rows, width, batch = 60000, 784, 32
	src := New([]int{rows, width}, make([]float32, rows*width))
	for i := range src.data {
		src.data[i] = float32(i % 251)
	}
	dst := Zeros(batch, width)
	perm := rand.New(rand.NewPCG(1, 2)).Perm(rows)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lo := i * batch % (rows - batch)
		src.TakeRowsInto(dst, perm[lo:lo+batch])
	}
}
