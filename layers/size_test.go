package layers_test

import (
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
)

// TestHugeShapesRefused checks that Build and Plan refuse weights and
// per-example shapes too large to allocate, or whose element count
// overflows an int, with an error naming the layer, the weight and the
// shape, before allocating anything. The expected counts were computed
// with Python's exact integers.
func TestHugeShapesRefused(t *testing.T) {
	const big = 1 << 62
	for _, c := range []struct {
		name string
		l    layers.Layer
		in   []int
		want string
	}{
		{"dense 1e9 units", &layers.Dense{Units: 1e9}, []int{784},
			"layers: Dense: kernel of shape [784 1000000000] has 784000000000 elements, more than the 2147483648 a weight may hold"},
		{"dense 1<<62 units", &layers.Dense{Units: big}, []int{784},
			"layers: Dense: kernel of shape [784 4611686018427387904] has 3615561838447072116736 elements, more than the 2147483648 a weight may hold"},
		{"dense 1<<62 units, no bias", &layers.Dense{Units: big, NoBias: true}, []int{784},
			"has 3615561838447072116736 elements"},
		{"dense bias alone too big", &layers.Dense{Units: 1 << 32}, []int{1},
			"layers: Dense: kernel of shape [1 4294967296] has 4294967296 elements"},
		{"dense non-positive input", &layers.Dense{Units: 10}, []int{-5},
			"layers: Dense: kernel of shape [-5 10] has a non-positive dimension"},
		{"conv 1e9 filters", &layers.Conv2D{Filters: 1e9, KernelSize: [2]int{3, 3}}, []int{28, 28, 1},
			"layers: Conv2D: kernel of shape [3 3 1 1000000000] has 9000000000 elements, more than the 2147483648 a weight may hold"},
		{"conv 1<<62 filters", &layers.Conv2D{Filters: big, KernelSize: [2]int{1, 1}}, []int{2, 2, 4},
			"layers: Conv2D: kernel of shape [1 1 4 4611686018427387904] has 18446744073709551616 elements"},
		{"conv output too big", &layers.Conv2D{Filters: 1000, KernelSize: [2]int{1, 1}}, []int{40000, 40000, 1},
			"layers: Conv2D: output of shape [40000 40000 1000] has 1600000000000 elements per example, more than the 2147483648 an example may hold"},
		{"conv input overflows", &layers.Conv2D{Filters: 1, KernelSize: [2]int{1, 1}}, []int{big, big, 1},
			"layers: Conv2D: input of shape [4611686018427387904 4611686018427387904 1] has 21267647932558653966460912964485513216 elements per example"},
		{"conv negative channels", &layers.Conv2D{Filters: 1, KernelSize: [2]int{1, 1}}, []int{4, 4, -1},
			"layers: Conv2D: input of shape [4 4 -1] has a non-positive dimension"},
		{"pool input overflows", &layers.MaxPooling2D{}, []int{big, big, 1},
			"layers: MaxPooling2D: input of shape [4611686018427387904 4611686018427387904 1] has 21267647932558653966460912964485513216 elements per example"},
		{"flatten overflows", &layers.Flatten{}, []int{1 << 40, 1 << 40},
			"layers: Flatten: input of shape [1099511627776 1099511627776] has 1208925819614629174706176 elements per example, more than the 2147483648 an example may hold"},
		{"flatten 2^31+", &layers.Flatten{}, []int{1 << 16, 1<<15 + 1},
			"has 2147549184 elements per example"},
		{"reshape input overflows", &layers.Reshape{TargetShape: []int{-1}}, []int{1 << 40, 1 << 40},
			"layers: Reshape: input of shape [1099511627776 1099511627776] has 1208925819614629174706176 elements per example"},
		{"reshape target overflows", &layers.Reshape{TargetShape: []int{big, big, -1}}, []int{4},
			"layers: Reshape: TargetShape [4611686018427387904 4611686018427387904 -1] holds more than the 2147483648 values an example may hold"},
		{"input shape overflows", &layers.Input{Shape: []int{big, 4}}, []int{big, 4},
			"layers: Input: Shape of shape [4611686018427387904 4] has 18446744073709551616 elements per example"},
	} {
		_, err := c.l.Build(c.in, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Build: error %v, want one containing %q", c.name, err, c.want)
		}
		if w := c.l.Weights(); w != nil {
			t.Errorf("%s: Build created weights after refusing", c.name)
		}
		if p, ok := c.l.(layers.Planner); ok {
			_, _, err := p.Plan(c.in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: Plan: error %v, want one containing %q", c.name, err, c.want)
			}
		}
	}
}

// TestLargestWeightAccepted checks the limit's edge: a weight of exactly
// MaxElements values is planned (not built: that would allocate 8 GiB).
func TestLargestWeightAccepted(t *testing.T) {
	_, ws, err := (&layers.Dense{Units: layers.MaxElements / 2, NoBias: true}).Plan([]int{2})
	if err != nil || len(ws) != 1 {
		t.Fatalf("Plan of a [2 %d] kernel: %v, %v", layers.MaxElements/2, ws, err)
	}
	if _, _, err := (&layers.Dense{Units: layers.MaxElements/2 + 1, NoBias: true}).Plan([]int{2}); err == nil {
		t.Errorf("Plan of a [2 %d] kernel: no error", layers.MaxElements/2+1)
	}
}
