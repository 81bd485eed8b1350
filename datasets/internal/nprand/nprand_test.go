package nprand

import (
	"slices"
	"testing"
)

// The expected orders were printed by NumPy:
// r = np.random.RandomState(seed); i = np.arange(n); r.shuffle(i).
func TestShuffleMatchesNumPy(t *testing.T) {
	cases := []struct {
		seed int64
		n    int
		want []int
	}{
		{113, 10, []int{9, 3, 6, 1, 0, 7, 4, 8, 2, 5}},
		{0, 7, []int{6, 2, 1, 3, 0, 5, 4}},
		{4294967295, 5, []int{4, 1, 0, 2, 3}},
	}
	for _, c := range cases {
		r, err := New(c.seed)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Permutation(c.n); !slices.Equal(got, c.want) {
			t.Errorf("seed %d, n %d: %v, want %v", c.seed, c.n, got, c.want)
		}
	}
	// 404 rows, Boston housing's training size: first and last indices.
	r, _ := New(113)
	p := r.Permutation(404)
	if !slices.Equal(p[:8], []int{0, 401, 320, 34, 340, 129, 313, 403}) || !slices.Equal(p[400:], []int{74, 162, 220, 165}) {
		t.Errorf("seed 113, n 404: %v ... %v", p[:8], p[400:])
	}
	// Two shuffles from one generator, as imdb shuffles train then test.
	r, _ = New(113)
	a, b := r.Permutation(6), r.Permutation(4)
	if !slices.Equal(a, []int{1, 0, 3, 2, 4, 5}) || !slices.Equal(b, []int{0, 1, 3, 2}) {
		t.Errorf("consecutive shuffles: %v %v", a, b)
	}
	for _, s := range []int64{-1, 1 << 32} {
		if _, err := New(s); err == nil {
			t.Errorf("New(%d): no error", s)
		}
	}
}
