package layers_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
	tt "github.com/neuron-go/neuron/tensor/tensortest"
)

// foldPair builds a layer and a BatchNormalization after it with moving
// statistics and gamma and beta away from their initial values, and turns
// the weights' gradients off, as Evaluate and Predict do.
func foldPair(t testing.TB, l layers.Layer, in []int, bn *layers.BatchNormalization) {
	t.Helper()
	out, err := l.Build(in, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bn.Build(out, rand.New(rand.NewPCG(5, 6))); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, w := range bn.Weights() {
		for i := range w.Value.Data() {
			switch w.Name {
			case "moving_variance", "gamma":
				w.Value.Data()[i] = 0.2 + 2*rng.Float32()
			default:
				w.Value.Data()[i] = rng.Float32()*2 - 1
			}
		}
	}
	for _, w := range append(l.Weights(), bn.Weights()...) {
		w.Value.SetRequiresGrad(false)
	}
}

// TestBatchNormFold checks Conv2D and Dense folding the BatchNormalization
// after them at inference against the two layers called one by one, to
// 1e-5, with and without bias, gamma and beta.
func TestBatchNormFold(t *testing.T) {
	cases := []struct {
		name  string
		layer layers.Layer
		bn    *layers.BatchNormalization
		in    []int
	}{
		{"conv", &layers.Conv2D{Filters: 6, KernelSize: [2]int{3, 3}}, &layers.BatchNormalization{}, []int{9, 8, 3}},
		{"conv same strided no bias", &layers.Conv2D{Filters: 5, KernelSize: [2]int{3, 2}, Strides: [2]int{2, 1}, Padding: "same", NoBias: true},
			&layers.BatchNormalization{Epsilon: 0.01}, []int{7, 7, 2}},
		{"conv grouped dilated", &layers.Conv2D{Filters: 6, KernelSize: [2]int{3, 3}, Groups: 2, DilationRate: [2]int{2, 1}},
			&layers.BatchNormalization{}, []int{9, 8, 4}},
		{"conv no gamma", &layers.Conv2D{Filters: 4, KernelSize: [2]int{1, 1}}, &layers.BatchNormalization{NoScale: true}, []int{5, 5, 3}},
		{"dense", &layers.Dense{Units: 7}, &layers.BatchNormalization{}, []int{11}},
		{"dense no beta no bias", &layers.Dense{Units: 3, NoBias: true}, &layers.BatchNormalization{NoCenter: true}, []int{4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			foldPair(t, c.layer, c.in, c.bn)
			x := tt.Rand(9, -2, 2, append([]int{4}, c.in...)...)
			want := c.bn.Call(c.layer.Call(x, false), false).Data()
			got, ok := c.layer.(layers.Fuser).CallFused(c.bn, x, false)
			if !ok {
				t.Fatal("CallFused declined")
			}
			for i, v := range got.Data() {
				if d := math.Abs(float64(v - want[i])); d > 1e-5 {
					t.Fatalf("value %d: %v fused, %v separately", i, v, want[i])
				}
			}
			if _, ok := c.layer.(layers.Fuser).CallFused(c.bn, x, true); ok {
				t.Error("fused in training")
			}
		})
	}
	relu := &layers.Dense{Units: 3, Activation: activations.ReLU}
	reluBN := &layers.BatchNormalization{}
	foldPair(t, relu, []int{4}, reluBN)
	if _, ok := relu.CallFused(reluBN, tensor.Zeros(2, 4), false); ok {
		t.Error("a ReLU Dense was fused with the BatchNormalization after it")
	}
}

// BenchmarkBatchNormFold compares a linear Conv2D or Dense and the
// BatchNormalization after it at inference, called one by one and folded
// into one layer. The two alternate within each iteration, so that a busy
// machine slows both alike; it reports the median time of each and their
// ratio.
func BenchmarkBatchNormFold(b *testing.B) {
	cases := []struct {
		name  string
		layer layers.Layer
		in    []int
		batch int
	}{
		// A first layer: a cheap product, a large output.
		{"conv3x3_28x28x1_to_32", &layers.Conv2D{Filters: 32, KernelSize: [2]int{3, 3}}, []int{28, 28, 1}, 32},
		{"conv1x1_13x13x32_to_64", &layers.Conv2D{Filters: 64, KernelSize: [2]int{1, 1}}, []int{13, 13, 32}, 32},
		// The product dominates: little to save.
		{"conv3x3_13x13x32_to_64", &layers.Conv2D{Filters: 64, KernelSize: [2]int{3, 3}}, []int{13, 13, 32}, 32},
		{"dense_64_to_64", &layers.Dense{Units: 64}, []int{64}, 1024},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			bn := &layers.BatchNormalization{}
			foldPair(b, c.layer, c.in, bn)
			arena := tensor.NewArena()
			x := tt.Rand(1, -1, 1, append([]int{c.batch}, c.in...)...).InArena(arena)
			fuser := c.layer.(layers.Fuser)
			var sep, fold []time.Duration
			for b.Loop() {
				t0 := time.Now()
				bn.Call(c.layer.Call(x, false), false)
				t1 := time.Now()
				fuser.CallFused(bn, x, false)
				t2 := time.Now()
				arena.Reset()
				sep, fold = append(sep, t1.Sub(t0)), append(fold, t2.Sub(t1))
			}
			ms, mf := median(sep), median(fold)
			b.ReportMetric(float64(ms.Nanoseconds()), "separate-ns")
			b.ReportMetric(float64(mf.Nanoseconds()), "folded-ns")
			b.ReportMetric(float64(mf)/float64(ms), "folded/separate")
		})
	}
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
