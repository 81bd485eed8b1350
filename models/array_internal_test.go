package models

import (
	"math"
	"testing"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/tensor"
)

// bigArray returns an array of n rows of 36 bytes: more than one block of
// chunkElems values once n exceeds 29127.
func bigArray(n int) datasets.Uint8Array {
	a := datasets.Uint8Array{Shape: []int{n, 6, 6}, Data: make([]uint8, n*36)}
	for i := range a.Data {
		a.Data[i] = uint8(i * 31)
	}
	return a
}

// TestHashArrays checks that a backup's fingerprint sees an array as the
// tensor it converts to, whichever form and view holds the rows.
func TestHashArrays(t *testing.T) {
	a := bigArray(70000) // three blocks
	at := a.Tensor()
	idx := []int{69999, 3, 3, 40000, 0}
	for _, c := range []struct {
		name string
		got  []Array
		want []*tensor.Tensor
	}{
		{"uint8", []Array{a}, []*tensor.Tensor{at}},
		{"scaled", []Array{a.DivScalar(255)}, []*tensor.Tensor{at.DivScalar(255)}},
		{"two arrays", []Array{a, a.Slice(0, 10)}, []*tensor.Tensor{at, at.Slice(0, 10)}},
		{"range of uint8", []Array{rowsRange(a, 100, 69000)}, []*tensor.Tensor{at.Slice(100, 69000)}},
		{"rows of uint8", []Array{rowsAt(a, idx)}, []*tensor.Tensor{at.TakeRows(idx)}},
		{"rows of a tensor", []Array{rowsAt(at, idx)}, []*tensor.Tensor{at.TakeRows(idx)}},
		{"rows of rows", []Array{rowsAt(rowsRange(a, 10, 20), []int{9, 0})}, []*tensor.Tensor{at.TakeRows([]int{19, 10})}},
	} {
		want := make([]Array, len(c.want))
		for i, w := range c.want {
			want[i] = w
		}
		if g, w := hashArrays(c.got...), hashArrays(want...); g != w {
			t.Errorf("%s: hash %s, the tensors' %s", c.name, g, w)
		}
	}
	if hashArrays(a) == hashArrays(a.DivScalar(255)) {
		t.Error("scaled and raw data hash the same")
	}
	if hashArrays(at.Reshape(70000, 36)) == hashArrays(at) {
		t.Error("the shape is not hashed")
	}
}

// TestCheckFiniteBlocks checks that a NaN found in a later block of a view
// is reported at its flat index in the view, as in a copy of its rows.
func TestCheckFiniteBlocks(t *testing.T) {
	x := bigArray(70000).Tensor()
	x.Data()[50000*36+7] = float32(math.NaN())
	order := make([]int, 70000)
	for i := range order {
		order[i] = 69999 - i
	}
	for _, c := range []struct {
		name string
		a    Array
		want string
	}{
		{"tensor", x, "models: fit: x holds NaN at flat index 1800007; inputs must be finite"},
		{"view", rowsAt(x, order), "models: fit: x holds NaN at flat index 719971; inputs must be finite"},
		{"copy", x.TakeRows(order), "models: fit: x holds NaN at flat index 719971; inputs must be finite"},
		{"view without it", rowsRange(x, 0, 50000), ""},
		{"uint8", bigArray(70000), ""},
	} {
		err := checkFinite("fit", "x", "inputs", c.a)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || err.Error() != c.want):
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// TestBatchReader checks batches of consecutive rows, the last one
// partial, against the tensor's slices.
func TestBatchReader(t *testing.T) {
	a := bigArray(23).DivScalar(255)
	at := a.Tensor()
	r := newBatchReader(a, 10)
	for _, lohi := range [][2]int{{0, 10}, {10, 20}, {20, 23}, {0, 10}} {
		got, want := r.rows(lohi[0], lohi[1]), at.Slice(lohi[0], lohi[1])
		if !equalShape(got.Shape(), want.Shape()) {
			t.Fatalf("rows %v: shape %v, want %v", lohi, got.Shape(), want.Shape())
		}
		for i, v := range want.Data() {
			if math.Float32bits(got.Data()[i]) != math.Float32bits(v) {
				t.Fatalf("rows %v: value %d is %v, want %v", lohi, i, got.Data()[i], v)
			}
		}
	}
	if tr := newBatchReader(at, 10); tr.rows(20, 23).Data()[0] != at.Data()[20*36] {
		t.Error("a tensor's batch is not its slice")
	}
}
