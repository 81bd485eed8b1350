package tensor_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

func TestDropoutMaskGradient(t *testing.T) {
	const rate = 0.4
	keep := float32(1 / (1 - rate))
	mask := []float32{keep, 0, keep, keep, 0, 0, keep, 0, keep, keep, 0, keep}
	x := tt.Rand(1, -2, 2, 3, 4)
	y := tensor.DropoutMask(x, mask)
	for i, v := range y.Data() {
		if v != x.Data()[i]*mask[i] {
			t.Fatalf("element %d: %v, want %v", i, v, x.Data()[i]*mask[i])
		}
	}
	f := func(v ...*tensor.Tensor) *tensor.Tensor { return tensor.DropoutMask(v[0], mask).Square() }
	tt.GradCheck(t, f, []*tensor.Tensor{x}, tt.GradCheckOptions{})
}

func TestDropoutMaskShapeError(t *testing.T) {
	mustShapeError(t, "short mask", func() { tensor.DropoutMask(tensor.Zeros(2, 3), make([]float32, 5)) })
}

// TestDropoutStatistics checks on 200,000 ones that about rate of them are
// dropped, the others are scaled by 1/(1−rate), the mean stays 1, and the
// gradient uses the same mask as the forward pass.
func TestDropoutStatistics(t *testing.T) {
	const n = 200_000
	for _, rate := range []float32{0.1, 0.2, 0.5, 0.9} {
		x := tensor.Full(1, n).RequireGrad()
		y := tensor.Dropout(x, rate, rand.New(rand.NewPCG(1, 2)))
		keep := 1 / (1 - rate)
		dropped, sum := 0, 0.0
		for i, v := range y.Data() {
			switch v {
			case 0:
				dropped++
			case keep:
			default:
				t.Fatalf("rate %v: element %d = %v, want 0 or %v", rate, i, v, keep)
			}
			sum += float64(v)
		}
		// Five standard deviations of the binomial fraction and of the mean.
		sd := math.Sqrt(float64(rate*(1-rate)) / n)
		if frac := float64(dropped) / n; math.Abs(frac-float64(rate)) > 5*sd {
			t.Errorf("rate %v: dropped fraction %.4f", rate, frac)
		}
		if mean := sum / n; math.Abs(mean-1) > 5*sd*float64(keep) {
			t.Errorf("rate %v: mean %.4f, want 1", rate, mean)
		}
		tensor.Backward(y.Sum())
		for i, g := range x.Grad().Data() {
			if g != y.Data()[i] { // d(Σy)/dx = mask = y for x = 1
				t.Fatalf("rate %v: gradient %d = %v, want %v", rate, i, g, y.Data()[i])
			}
		}
	}
}

func TestDropoutRepeatable(t *testing.T) {
	x := tensor.Full(1, 1001) // odd, so the last element takes its own draw
	draw := func(seed uint64) []float32 { return tensor.Dropout(x, 0.3, rand.New(rand.NewPCG(seed, 9))).Data() }
	a, b, c := draw(5), draw(5), draw(6)
	if err := tt.AllClose(a, b, 0, 0); err != nil {
		t.Errorf("same seed, different masks: %v", err)
	}
	if tt.AllClose(a, c, 0, 0) == nil {
		t.Errorf("different seeds gave the same mask")
	}
}

func TestDropoutRateZeroIsIdentity(t *testing.T) {
	x := tt.Rand(1, -1, 1, 4, 5)
	if y := tensor.Dropout(x, 0, rand.New(rand.NewPCG(1, 1))); y != x {
		t.Errorf("Dropout with rate 0 returned a new tensor")
	}
}

func TestDropoutBadRate(t *testing.T) {
	for _, rate := range []float32{-0.1, 1, 1.5, float32(math.NaN())} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "rate") {
					t.Errorf("rate %v: panic %v, want one about the rate", rate, r)
				}
			}()
			tensor.Dropout(tensor.Zeros(3), rate, rand.New(rand.NewPCG(1, 1)))
		}()
	}
}
