package initializers_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/initializers"
)

func moments(v []float32) (mean, variance, maxAbs float64) {
	for _, x := range v {
		mean += float64(x)
		maxAbs = max(maxAbs, math.Abs(float64(x)))
	}
	mean /= float64(len(v))
	for _, x := range v {
		d := float64(x) - mean
		variance += d * d
	}
	return mean, variance / float64(len(v)), maxAbs
}

// TestVarianceScalingFamily checks each initializer's mean and variance
// against Keras's formulas, within 5 standard errors for a 3×3×64×128
// kernel (fan_in 576, fan_out 1152), and its bound: ±2 standard deviations
// before truncation for the truncated normals, the limit for the uniforms.
func TestVarianceScalingFamily(t *testing.T) {
	shape := []int{3, 3, 64, 128}
	const fanIn, fanOut, fanAvg = 576.0, 1152.0, 864.0
	const corr = 0.87962566103423978
	cases := []struct {
		ini      initializers.Initializer
		variance float64 // of the result
		bound    float64 // max |x|; 0 for none
		kurtosis float64 // μ4/σ⁴ upper bound, for the standard error of the variance
	}{
		{initializers.VarianceScaling{}, 1 / fanIn, 2 * math.Sqrt(1/fanIn) / corr, 3},
		{initializers.VarianceScaling{Scale: 2, Mode: "fan_out", Distribution: "untruncated_normal"}, 2 / fanOut, 0, 3},
		{initializers.VarianceScaling{Scale: 0.5, Mode: "fan_avg", Distribution: "uniform"}, 0.5 / fanAvg, math.Sqrt(3 * 0.5 / fanAvg), 1.8},
		{initializers.VarianceScaling{Mode: "fan_avg", Distribution: "normal"}, 1 / fanAvg, 2 * math.Sqrt(1/fanAvg) / corr, 3},
		{initializers.GlorotNormal{}, 2 / (fanIn + fanOut), 2 * math.Sqrt(2/(fanIn+fanOut)) / corr, 3},
		{initializers.GlorotUniform{}, 2 / (fanIn + fanOut), math.Sqrt(6 / (fanIn + fanOut)), 1.8},
		{initializers.LecunNormal{}, 1 / fanIn, 2 * math.Sqrt(1/fanIn) / corr, 3},
		{initializers.LecunUniform{}, 1 / fanIn, math.Sqrt(3 / fanIn), 1.8},
		{initializers.HeNormal{}, 2 / fanIn, 2 * math.Sqrt(2/fanIn) / corr, 3},
		{initializers.HeUniform{}, 2 / fanIn, math.Sqrt(6 / fanIn), 1.8},
		// TruncatedNormal's stddev is before truncation: variance 0.7737·σ².
		{initializers.TruncatedNormal{Stddev: 0.2}, 0.04 * corr * corr, 0.4, 3},
		{initializers.TruncatedNormal{}, 0.0025 * corr * corr, 0.1, 3},
		{initializers.RandomNormal{Stddev: 0.3}, 0.09, 0, 3},
		{initializers.RandomUniform{Min: -0.3, Max: 0.3}, 0.09 / 3, 0.3, 1.8},
	}
	for _, c := range cases {
		v := c.ini.Init(shape, rand.New(rand.NewPCG(7, 8)))
		n := float64(len(v))
		mean, variance, maxAbs := moments(v)
		if se := math.Sqrt(c.variance / n); math.Abs(mean) > 5*se {
			t.Errorf("%T%+v: mean %v, want 0 ± %v", c.ini, c.ini, mean, 5*se)
		}
		if se := c.variance * math.Sqrt((c.kurtosis-1)/n); math.Abs(variance-c.variance) > 5*se {
			t.Errorf("%T%+v: variance %v, want %v ± %v", c.ini, c.ini, variance, c.variance, 5*se)
		}
		if c.bound > 0 && maxAbs > c.bound*(1+1e-6) {
			t.Errorf("%T%+v: max |x| %v beyond %v", c.ini, c.ini, maxAbs, c.bound)
		}
		if c.bound > 0 && maxAbs < 0.95*c.bound {
			t.Errorf("%T%+v: max |x| %v, want close to the bound %v", c.ini, c.ini, maxAbs, c.bound)
		}
	}
	// The mean of TruncatedNormal shifts the whole distribution.
	v := initializers.TruncatedNormal{Mean: 3, Stddev: 0.1}.Init([]int{1 << 16}, rand.New(rand.NewPCG(1, 1)))
	if mean, _, _ := moments(v); math.Abs(mean-3) > 5*0.1*corr/256 {
		t.Errorf("TruncatedNormal{Mean: 3}: mean %v", mean)
	}
}

// TestOrthogonal checks QᵀQ = gain²·I (columns orthonormal) or, for
// fewer rows than columns, QQᵀ = gain²·I, to 1e-5.
func TestOrthogonal(t *testing.T) {
	for _, c := range []struct {
		shape []int
		gain  float64
	}{{[]int{64, 16}, 0}, {[]int{16, 64}, 0}, {[]int{3, 3, 4, 8}, 2}, {[]int{50, 50}, 0.5}} {
		ini := initializers.Orthogonal{Gain: c.gain}
		if err := ini.Check(c.shape); err != nil {
			t.Fatal(err)
		}
		v := ini.Init(c.shape, rand.New(rand.NewPCG(3, 4)))
		cols := c.shape[len(c.shape)-1]
		rows := len(v) / cols
		g := c.gain
		if g == 0 {
			g = 1
		}
		at := func(r, k int) float64 { return float64(v[r*cols+k]) }
		worst := 0.0
		if rows >= cols {
			for i := range cols {
				for j := range cols {
					var d float64
					for r := range rows {
						d += at(r, i) * at(r, j)
					}
					if i == j {
						d -= g * g
					}
					worst = max(worst, math.Abs(d))
				}
			}
		} else {
			for i := range rows {
				for j := range rows {
					var d float64
					for k := range cols {
						d += at(i, k) * at(j, k)
					}
					if i == j {
						d -= g * g
					}
					worst = max(worst, math.Abs(d))
				}
			}
		}
		if worst > 1e-5*g*g {
			t.Errorf("Orthogonal %v gain %v: worst deviation from gain²·I %v", c.shape, c.gain, worst)
		}
	}
}

func TestIdentity(t *testing.T) {
	got := initializers.Identity{Gain: 2}.Init([]int{2, 3}, nil)
	want := []float32{2, 0, 0, 0, 2, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Identity{2} on (2, 3) = %v, want %v", got, want)
		}
	}
	got = initializers.Identity{}.Init([]int{3, 2}, nil)
	want = []float32{1, 0, 0, 1, 0, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Identity on (3, 2) = %v, want %v", got, want)
		}
	}
}

func TestCheckErrors(t *testing.T) {
	for _, c := range []struct {
		ini   initializers.Initializer
		shape []int
		want  string
	}{
		{initializers.VarianceScaling{Scale: -1}, []int{2, 2}, "scale must be a positive number, got -1"},
		{initializers.VarianceScaling{Mode: "fan_sum"}, []int{2, 2}, `mode must be fan_in, fan_out or fan_avg, got "fan_sum"`},
		{initializers.VarianceScaling{Distribution: "gamma"}, []int{2, 2}, `distribution must be truncated_normal, untruncated_normal or uniform, got "gamma"`},
		{initializers.TruncatedNormal{Stddev: -0.5}, []int{2}, "TruncatedNormal: stddev must be a positive number and mean finite, got stddev -0.5"},
		{initializers.RandomNormal{Stddev: -2}, []int{2}, "RandomNormal: stddev must be a positive number and mean finite, got stddev -2"},
		{initializers.RandomUniform{Min: 1, Max: -1}, []int{2}, "RandomUniform: minval 1 must be less than maxval -1"},
		{initializers.Orthogonal{}, []int{5}, "Orthogonal: the weight must have at least 2 dimensions, got shape [5]"},
		{initializers.Identity{}, []int{2, 2, 2}, "Identity: the weight must be a matrix (2 dimensions), got shape [2 2 2]"},
	} {
		if err := initializers.Check(c.ini, c.shape); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T%+v: error %v, want it to contain %q", c.ini, c.ini, err, c.want)
		}
	}
	if err := initializers.Check(initializers.GlorotUniform{}, []int{3}); err != nil {
		t.Errorf("GlorotUniform: %v", err)
	}
}

func TestGetNames(t *testing.T) {
	for name, want := range map[string]string{
		"glorot_normal": "glorot_normal", "lecun_normal": "lecun_normal", "lecun_uniform": "lecun_uniform",
		"orthogonal": "orthogonal", "truncated_normal": "truncated_normal", "variance_scaling": "variance_scaling",
		"constant": "constant", "identity": "identity", "normal": "random_normal", "uniform": "random_uniform",
	} {
		ini, err := initializers.Get(name)
		if err != nil || ini.Name() != want {
			t.Errorf("Get(%q) = %v, %v; want %s", name, ini, err, want)
		}
	}
}
