// Package nprand reproduces NumPy's legacy numpy.random.RandomState(seed)
// shuffle, which Keras's imdb, reuters, boston_housing and
// california_housing loaders apply before splitting, so that a Go loader
// gives the same examples in the same order as Keras.
//
// RandomState is the Mersenne Twister MT19937 seeded with init_genrand
// (NumPy's legacy seeding of an integer), and shuffle is Fisher–Yates from
// the last index down, drawing j in [0, i] by masked rejection sampling of
// 32-bit outputs (NumPy's random_interval).
package nprand

import "fmt"

const (
	n         = 624
	m         = 397
	matrixA   = 0x9908b0df
	upperMask = 0x80000000
	lowerMask = 0x7fffffff
)

// RandomState is NumPy's legacy generator.
type RandomState struct {
	mt  [n]uint32
	pos int
}

// New returns the generator of numpy.random.RandomState(seed); seed must be
// in [0, 2³²), as NumPy requires.
func New(seed int64) (*RandomState, error) {
	if seed < 0 || seed > 0xffffffff {
		return nil, fmt.Errorf("seed must be between 0 and 2**32 - 1, got %d", seed)
	}
	r := &RandomState{}
	r.mt[0] = uint32(seed)
	for i := 1; i < n; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.pos = n
	return r, nil
}

// Uint32 returns the next 32-bit output (genrand_int32).
func (r *RandomState) Uint32() uint32 {
	if r.pos >= n {
		r.twist()
	}
	y := r.mt[r.pos]
	r.pos++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

func (r *RandomState) twist() {
	for i := range n {
		y := r.mt[i]&upperMask | r.mt[(i+1)%n]&lowerMask
		v := r.mt[(i+m)%n] ^ y>>1
		if y&1 != 0 {
			v ^= matrixA
		}
		r.mt[i] = v
	}
	r.pos = 0
}

// interval returns a value in [0, max], as NumPy's random_interval.
func (r *RandomState) interval(max uint32) uint32 {
	if max == 0 {
		return 0
	}
	mask := max
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	for {
		if v := r.Uint32() & mask; v <= max {
			return v
		}
	}
}

// Shuffle permutes n items in place through swap, as RandomState.shuffle
// permutes a one-dimensional array. n must be below 2³².
func (r *RandomState) Shuffle(count int, swap func(i, j int)) {
	for i := count - 1; i > 0; i-- {
		j := int(r.interval(uint32(i)))
		swap(i, j)
	}
}

// Permutation returns 0, …, count-1 shuffled: NumPy's
// indices = np.arange(count); rng.shuffle(indices).
func (r *RandomState) Permutation(count int) []int {
	p := make([]int, count)
	for i := range p {
		p[i] = i
	}
	r.Shuffle(count, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}
