package datasets

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/tensor"
)

// bytesArray returns an array of the given shape holding 0, 1, 2, … (mod 256).
func bytesArray(shape ...int) Uint8Array {
	n := 1
	for _, d := range shape {
		n *= d
	}
	d := make([]uint8, n)
	for i := range d {
		d[i] = uint8(i * 7)
	}
	return Uint8Array{Shape: shape, Data: d}
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestTakeRowsIntoMatchesTensor checks that converting a batch of rows,
// scaled or not, gives bit for bit the rows of the converted tensor.
func TestTakeRowsIntoMatchesTensor(t *testing.T) {
	all := make([]uint8, 256) // every byte value
	for i := range all {
		all[i] = uint8(i)
	}
	every := Uint8Array{Shape: []int{64, 2, 2}, Data: all}
	for _, c := range []struct {
		name string
		a    Uint8Array
		div  float32 // 0: no scaling
		idx  []int
	}{
		{"every byte", every, 0, []int{63, 0, 5, 5, 17}},
		{"every byte / 255", every, 255, []int{0, 1, 2, 63, 40}},
		{"every byte / 3", every, 3, []int{9, 8, 7}},
		{"every byte / 0.1", every, 0.1, []int{33}},
		{"every byte / -7", every, -7, []int{62, 61}},
		{"labels", bytesArray(10), 0, []int{9, 3, 3, 0}},
		{"images", bytesArray(5, 3, 4), 255, []int{4, 0, 2}},
		{"no rows", bytesArray(5, 3), 255, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want *tensor.Tensor
			var got *tensor.Tensor
			shape := append([]int{len(c.idx)}, c.a.Shape[1:]...)
			got = tensor.Full(-1, shape...)
			if c.div == 0 {
				want = c.a.Tensor().TakeRows(c.idx)
				c.a.TakeRowsInto(got, c.idx)
			} else {
				// The eager path the lazy one replaces: X_train / 255.0.
				want = c.a.Tensor().DivScalar(c.div).TakeRows(c.idx)
				s := c.a.DivScalar(c.div)
				s.TakeRowsInto(got, c.idx)
				if whole := s.Tensor(); !sameBits(whole.Data(), c.a.Tensor().DivScalar(c.div).Data()) || !slices.Equal(whole.Shape(), c.a.Shape) {
					t.Errorf("ScaledArray.Tensor differs from Tensor().DivScalar(%v)", c.div)
				}
				if s.Len() != c.a.Len() || s.Rank() != c.a.Rank() || s.Dim(-1) != c.a.Dim(-1) {
					t.Errorf("ScaledArray dims %d %d %d, array %d %d %d", s.Len(), s.Rank(), s.Dim(-1), c.a.Len(), c.a.Rank(), c.a.Dim(-1))
				}
			}
			if !slices.Equal(got.Shape(), want.Shape()) || !sameBits(got.Data(), want.Data()) {
				t.Errorf("rows %v: got %v, want %v", c.idx, got.Data(), want.Data())
			}
		})
	}
}

func TestRankDim(t *testing.T) {
	a := bytesArray(6, 2, 3)
	if a.Rank() != 3 || a.Dim(0) != 6 || a.Dim(2) != 3 || a.Dim(-1) != 3 || a.Dim(-3) != 6 {
		t.Errorf("Rank %d, Dims %d %d %d %d", a.Rank(), a.Dim(0), a.Dim(2), a.Dim(-1), a.Dim(-3))
	}
	if (Uint8Array{}).Rank() != 0 {
		t.Error("the zero array has a rank")
	}
}

func TestSliceReshape(t *testing.T) {
	a := bytesArray(6, 2, 3)
	s := a.Slice(2, 5)
	if s.Describe() != "uint8 (3, 2, 3)" || s.Data[0] != a.Data[12] || len(s.Data) != 18 {
		t.Errorf("Slice(2, 5) = %s starting at %d", s.Describe(), s.Data[0])
	}
	if e := a.Slice(4, 4); e.Len() != 0 || len(e.Data) != 0 {
		t.Errorf("Slice(4, 4) = %s", e.Describe())
	}
	for _, c := range []struct {
		shape []int
		want  string
	}{
		{[]int{6, 2, 3, 1}, "uint8 (6, 2, 3, 1)"},
		{[]int{-1, 6}, "uint8 (6, 6)"},
		{[]int{36}, "uint8 (36,)"},
		{[]int{6, -1, 1}, "uint8 (6, 6, 1)"},
	} {
		r := a.Reshape(c.shape...)
		if r.Describe() != c.want || &r.Data[0] != &a.Data[0] {
			t.Errorf("Reshape(%v) = %s", c.shape, r.Describe())
		}
	}
}

// mustPanic runs f and returns what it panicked with, failing the test
// if it did not panic.
func mustPanic(t *testing.T, name string, f func()) (r any) {
	t.Helper()
	defer func() {
		r = recover()
		if r == nil {
			t.Errorf("%s did not panic", name)
		}
	}()
	f()
	return nil
}

func TestArrayPanics(t *testing.T) {
	a := bytesArray(4, 3)
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"Slice out of range", func() { a.Slice(2, 5) }, "datasets: Slice(2, 5) out of range for uint8 (4, 3)"},
		{"Slice backwards", func() { a.Slice(3, 2) }, "datasets: Slice(3, 2) out of range"},
		{"Slice of a scalar", func() { (Uint8Array{}).Slice(0, 0) }, "datasets: Slice of an array without dimensions"},
		{"Reshape size", func() { a.Reshape(5, 3) }, "datasets: cannot reshape uint8 (4, 3) to [5 3]: 12 values do not fit the new shape"},
		{"Reshape two -1", func() { a.Reshape(-1, -1) }, "bad dimension -1"},
		{"Reshape infer", func() { a.Reshape(-1, 5) }, "cannot infer the -1 dimension"},
		{"Dim", func() { a.Dim(2) }, "tensor: Dim: axis 2 out of range: [4 3]"},
		{"TakeRowsInto row", func() { a.TakeRowsInto(tensor.Zeros(1, 3), []int{4}) }, "tensor: TakeRows: row 4 out of range: [4 3]"},
		{"TakeRowsInto negative row", func() { a.DivScalar(2).TakeRowsInto(tensor.Zeros(1, 3), []int{-1}) }, "row -1 out of range"},
		{"TakeRowsInto dst", func() { a.TakeRowsInto(tensor.Zeros(2, 4), []int{0, 1}) }, "tensor: TakeRowsInto: destination does not fit: [2 4], [4 3]"},
		{"TakeRowsInto short data", func() {
			(Uint8Array{Shape: []int{4, 3}, Data: a.Data[:11]}).TakeRowsInto(tensor.Zeros(1, 3), []int{3})
		}, "11 values do not fill the shape"},
		{"TakeRowsInto scalar", func() { (Uint8Array{}).TakeRowsInto(tensor.Zeros(1), []int{0}) }, "needs at least one axis"},
	} {
		r := mustPanic(t, c.name, c.f)
		var msg string
		switch r := r.(type) {
		case string:
			msg = r
		case error:
			msg = r.Error()
			// The row methods panic with tensor errors, which Fit recovers.
			var se *tensor.ShapeError
			if !errors.As(r, &se) {
				t.Errorf("%s: panic %T, want a *tensor.ShapeError", c.name, r)
			}
		}
		if !strings.HasPrefix(msg, c.want) && !strings.Contains(msg, c.want) {
			t.Errorf("%s: panic %q, want %q", c.name, msg, c.want)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := bytesArray(4, 3)
	zeroes := Uint8Array{Shape: []int{2, 2}, Data: []uint8{0, 0, 0, 0}}
	for _, c := range []struct {
		name string
		v    interface{ Validate() error }
		want string // "" for no error
	}{
		{"good", ok, ""},
		{"good scaled", ok.DivScalar(255), ""},
		{"negative scale", ok.DivScalar(-1), ""},
		{"zero value", Uint8Array{}, "datasets: uint8 () holds 0 values, want 1"},
		{"empty", Uint8Array{Shape: []int{0, 28}}, ""},
		{"short", Uint8Array{Shape: []int{4, 3}, Data: ok.Data[:11]}, "datasets: uint8 (4, 3) holds 11 values, want 12"},
		{"long", Uint8Array{Shape: []int{3}, Data: ok.Data[:4]}, "datasets: uint8 (3,) holds 4 values, want 3"},
		{"negative", Uint8Array{Shape: []int{-2, -3}, Data: ok.Data[:6]}, "datasets: shape [-2 -3] has a negative dimension"},
		{"overflow", Uint8Array{Shape: []int{1 << 40, 1 << 40}}, "datasets: shape [1099511627776 1099511627776] is too large"},
		{"scaled short", ScaledArray{Array: Uint8Array{Shape: []int{5}}, Divisor: 255}, "datasets: uint8 (5,) holds 0 values, want 5"},
		{"divide by zero", ok.DivScalar(0), "datasets: value 0 at flat index 0 divided by 0 is NaN; values must stay finite"},
		{"divide by zero, Inf", Uint8Array{Shape: []int{3}, Data: []uint8{5, 9, 0}}.DivScalar(0), "datasets: value 5 at flat index 0 divided by 0 is +Inf; values must stay finite"},
		{"divide zeroes by NaN", zeroes.DivScalar(float32(math.NaN())), "datasets: value 0 at flat index 0 divided by NaN is NaN; values must stay finite"},
		{"overflow to Inf", Uint8Array{Shape: []int{3}, Data: []uint8{0, 0, 200}}.DivScalar(1e-38), "datasets: value 200 at flat index 2 divided by 1e-38 is +Inf; values must stay finite"},
		{"divide by -Inf is finite", ok.DivScalar(float32(math.Inf(-1))), ""},
	} {
		err := c.v.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || err.Error() != c.want):
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}
