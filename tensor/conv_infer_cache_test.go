package tensor_test

import (
	"math"
	"testing"

	"github.com/neuron-go/neuron/tensor"
)

// TestConv2DWinogradFilterCache checks the Winograd filters that an
// inference convolution at a small batch keeps between calls: with them
// the outputs are bit for bit those of a kernel never seen before and of
// the training path (which transforms the filters every call); after the
// kernel's values change in place (a sign of zero included) the outputs
// follow them; and a call that finds them allocates nothing.
func TestConv2DWinogradFilterCache(t *testing.T) {
	c := convCase{1, 13, 13, 32, 3, 3, 64, [2]int{1, 1}, "valid", true}
	x, w, b := c.tensors(11)
	conv := func(x, w *tensor.Tensor) []float32 {
		return tensor.Conv2DReLUMaxPool2D(x, w, b, c.strides, c.padding, [2]int{2, 2}, [2]int{2, 2}, "valid").Data()
	}
	fresh := func() []float32 { return conv(x, w.Clone()) }
	training := func() []float32 {
		wg := w.Clone()
		wg.RequireGrad()
		return conv(x, wg)
	}
	same := func(what string, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: value %d is %v, want %v", what, i, got[i], want[i])
			}
		}
	}
	first := conv(x, w)
	same("second call", conv(x, w), first)
	same("a new kernel", fresh(), first)
	same("training path", training(), first)

	w.Data()[7] += 0.5
	changed := conv(x, w)
	same("after a change", changed, fresh())
	same("after a change, training path", training(), changed)
	differs := false
	for i := range changed {
		differs = differs || changed[i] != first[i]
	}
	if !differs {
		t.Fatal("changing the kernel changed no output")
	}
	w.Data()[3] = 0
	_ = conv(x, w)
	w.Data()[3] = float32(math.Copysign(0, -1))
	same("after a signed zero", conv(x, w), fresh())

	a := tensor.NewArena()
	xa := x.Clone().InArena(a)
	conv(xa, w)
	a.Reset()
	if n := testing.AllocsPerRun(20, func() { conv(xa, w); a.Reset() }); n != 0 {
		t.Errorf("a call with the kept filters allocates %v times, want 0", n)
	}
}
