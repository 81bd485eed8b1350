package models

import (
	"math"
	"testing"
)

func TestFirstNonFinite(t *testing.T) {
	for _, c := range []struct {
		d    []float32
		want int
	}{
		{[]float32{1, 2, 3}, -1}, {nil, -1}, {[]float32{1, float32(math.NaN())}, 1},
		{[]float32{1, 2, 3, 4, 5, float32(math.Inf(-1))}, 5}, {[]float32{float32(math.Inf(1)), 0, 0, 0}, 0},
		{[]float32{3e38, 3e38, 3e38, 3e38, 3e38}, -1},
	} {
		if got := firstNonFinite(c.d); got != c.want {
			t.Errorf("%v: got %d want %d", c.d, got, c.want)
		}
	}
}
