package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// SplitDataset splits d into two Datasets, like keras.utils.split_dataset
// with a float left_size: left gets round(leftSize·n) of d's n elements
// (Python's round, half to even) and right the others. Without shuffle,
// left holds the first elements; with it, the elements of left are drawn
// at random with the seed. Either way each side keeps d's order and
// streams: SplitDataset reads d once to count it and keeps only which
// side each index goes to. d must give the same elements at each
// iteration.
func SplitDataset(d *Dataset, leftSize float64, shuffle bool, seed uint64) (left, right *Dataset, err error) {
	if !(leftSize > 0 && leftSize < 1) {
		return nil, nil, fmt.Errorf("data: SplitDataset: left_size must be a fraction in (0, 1), got %v", leftSize)
	}
	n := 0
	for _, err := range d.All() {
		if err != nil {
			return nil, nil, err
		}
		n++
	}
	nl := int(math.RoundToEven(leftSize * float64(n)))
	if nl == 0 || nl == n {
		return nil, nil, fmt.Errorf("data: SplitDataset: with %d elements and left_size=%v, one side would be empty", n, leftSize)
	}
	isLeft := make([]bool, n)
	if shuffle {
		perm := rand.New(rand.NewPCG(seed, 0)).Perm(n)
		for _, i := range perm[:nl] {
			isLeft[i] = true
		}
	} else {
		for i := range nl {
			isLeft[i] = true
		}
	}
	side := func(want bool) *Dataset {
		return New(func(yield func(Element) bool) error {
			i := 0
			var grew error
			err := d.run(func(e Element) bool {
				if i >= n {
					grew = fmt.Errorf("data: SplitDataset: the dataset had %d elements when split and now has more", n)
					return false
				}
				keep := isLeft[i] == want
				i++
				return !keep || yield(e)
			})
			if grew != nil {
				return grew
			}
			return err
		})
	}
	return side(true), side(false), nil
}

// FeatureMoments returns the mean and the (population) variance of each
// value of the elements' X over a whole pass of d, as
// keras.layers.Normalization's adapt computes them with axis=-1 on
// vectors: every element's X must have the same size. It reads d once,
// keeping only running sums (Welford's algorithm, in float64).
func FeatureMoments(d *Dataset) (mean, variance []float64, err error) {
	var m2 []float64
	n := 0
	for e, err := range d.All() {
		if err != nil {
			return nil, nil, err
		}
		x := e.X.Data()
		if mean == nil {
			mean, m2 = make([]float64, len(x)), make([]float64, len(x))
		} else if len(x) != len(mean) {
			return nil, nil, fmt.Errorf("data: FeatureMoments: element %d has %d values of x, element 0 has %d", n, len(x), len(mean))
		}
		n++
		for j, v := range x {
			delta := float64(v) - mean[j]
			mean[j] += delta / float64(n)
			m2[j] += delta * (float64(v) - mean[j])
		}
	}
	if n == 0 {
		return nil, nil, fmt.Errorf("data: FeatureMoments: the dataset is empty")
	}
	for j := range m2 {
		m2[j] /= float64(n)
	}
	return mean, m2, nil
}

// Standardizer returns a function for Map that standardises X as
// keras.layers.Normalization does: (x - mean) / max(sqrt(variance), 1e-7),
// value by value. mean and variance are what FeatureMoments returns.
func Standardizer(mean, variance []float64) (func(Element) (Element, error), error) {
	if len(mean) != len(variance) {
		return nil, fmt.Errorf("data: Standardizer: %d means and %d variances", len(mean), len(variance))
	}
	scale := make([]float64, len(variance))
	for j, v := range variance {
		if v < 0 || math.IsNaN(v) {
			return nil, fmt.Errorf("data: Standardizer: variance[%d] is %v", j, v)
		}
		scale[j] = 1 / math.Max(math.Sqrt(v), 1e-7)
	}
	return func(e Element) (Element, error) {
		if e.X.Size() != len(mean) {
			return Element{}, fmt.Errorf("x has %d values, the standardizer %d", e.X.Size(), len(mean))
		}
		x := e.X.Clone()
		d := x.Data()
		for j, v := range d {
			d[j] = float32((float64(v) - mean[j]) * scale[j])
		}
		return Element{X: x, Y: e.Y}, nil
	}, nil
}
