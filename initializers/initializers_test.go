package initializers_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuron-go/neuron/initializers"
)

func TestFans(t *testing.T) {
	cases := []struct {
		shape   []int
		in, out int
	}{
		{[]int{784, 256}, 784, 256},
		{[]int{3, 3, 32, 64}, 288, 576},
		{[]int{10}, 10, 10},
	}
	for _, c := range cases {
		if in, out := initializers.Fans(c.shape); in != c.in || out != c.out {
			t.Errorf("Fans(%v) = %d, %d; want %d, %d", c.shape, in, out, c.in, c.out)
		}
	}
}

// TestGlorotUniform checks the bound and the moments of U(−l, l):
// mean 0 and variance l²/3 = 2/(fan_in+fan_out).
func TestGlorotUniform(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	v := initializers.GlorotUniform{}.Init([]int{784, 256}, rng)
	limit := math.Sqrt(6.0 / (784 + 256))
	var sum, sq float64
	for _, x := range v {
		if math.Abs(float64(x)) > limit {
			t.Fatalf("value %v outside ±%v", x, limit)
		}
		sum += float64(x)
		sq += float64(x) * float64(x)
	}
	n := float64(len(v))
	mean, variance := sum/n, sq/n-(sum/n)*(sum/n)
	if math.Abs(mean) > 1e-3 || math.Abs(variance-2.0/1040)/(2.0/1040) > 0.02 {
		t.Errorf("mean %g, variance %g; want 0, %g", mean, variance, 2.0/1040)
	}
	// Same seed, same values.
	w := initializers.GlorotUniform{}.Init([]int{784, 256}, rand.New(rand.NewPCG(1, 2)))
	for i := range v {
		if v[i] != w[i] {
			t.Fatal("same seed gave different values")
		}
	}
}

func TestGet(t *testing.T) {
	if _, err := initializers.Get("glorot_uniform"); err != nil {
		t.Error(err)
	}
	if _, err := initializers.Get("glorot"); err == nil {
		t.Error("unknown name accepted")
	}
}
