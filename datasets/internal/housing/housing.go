// Package housing is the loader shared by bostonhousing and
// californiahousing: Keras's npz of x (samples, features) and y
// (samples,), shuffled with NumPy's RandomState(seed) and split at
// int(n·(1 − test_split)), as Keras's load_data does.
package housing

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/fetch"
	"github.com/neuron-go/neuron/datasets/internal/nprand"
	"github.com/neuron-go/neuron/datasets/internal/npz"
	"github.com/neuron-go/neuron/tensor"
)

// Load reads spec's file and splits it. features is the width of x; keep,
// if > 0, keeps only the first keep samples (california's "small").
func Load(spec *fetch.FileSpec, features, keep int, testSplit *float64, seed *int64, opts datasets.Options) (xTrain, yTrain, xTest, yTest *tensor.Tensor, err error) {
	split, s := 0.2, int64(113)
	if testSplit != nil {
		split = *testSplit
	}
	if seed != nil {
		s = *seed
	}
	if !(split >= 0 && split < 1) {
		return nil, nil, nil, nil, fmt.Errorf("%s: invalid TestSplit %v: it must be between 0 and 1 (exclusive of 1)", spec.Name, split)
	}
	rng, err := nprand.New(s)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("%s: Seed: %w", spec.Name, err)
	}
	path, err := fetch.File(spec, opts)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	m, err := npz.ReadFileAny(path, map[string][]int{"x": {npz.Any, features}, "y": {npz.Any}}, 0)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("%s: %w", spec.Name, err)
	}
	x, err := floats(m["x"])
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("%s: %s: x: %w", spec.Name, path, err)
	}
	y, err := floats(m["y"])
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("%s: %s: y: %w", spec.Name, path, err)
	}
	n := m["x"].Shape[0]
	if len(y) != n {
		return nil, nil, nil, nil, fmt.Errorf("%s: %s: x has %d samples and y %d", spec.Name, path, n, len(y))
	}
	if keep > 0 && n > keep {
		n = keep
	}
	perm := rng.Permutation(n)
	cut := int(float64(n) * (1 - split))
	take := func(idx []int) (*tensor.Tensor, *tensor.Tensor) {
		xs := make([]float32, 0, len(idx)*features)
		ys := make([]float32, len(idx))
		for i, j := range idx {
			for _, v := range x[j*features : (j+1)*features] {
				xs = append(xs, float32(v))
			}
			ys[i] = float32(y[j])
		}
		return tensor.FromSlice(xs, len(idx), features), tensor.FromSlice(ys, len(idx))
	}
	xTrain, yTrain = take(perm[:cut])
	xTest, yTest = take(perm[cut:])
	return xTrain, yTrain, xTest, yTest, nil
}

// floats decodes a float64, float32 or int64 array, refusing NaN and
// infinities.
func floats(a npz.Array) ([]float64, error) {
	var out []float64
	switch a.Descr {
	case "<f8":
		for i := 0; i+8 <= len(a.Data); i += 8 {
			out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(a.Data[i:])))
		}
	case "<f4":
		for i := 0; i+4 <= len(a.Data); i += 4 {
			out = append(out, float64(math.Float32frombits(binary.LittleEndian.Uint32(a.Data[i:]))))
		}
	case "<i8":
		for i := 0; i+8 <= len(a.Data); i += 8 {
			out = append(out, float64(int64(binary.LittleEndian.Uint64(a.Data[i:]))))
		}
	default:
		return nil, fmt.Errorf("dtype %s: want float64, float32 or int64", a.Descr)
	}
	for i, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("value %v at flat index %d: want finite numbers", v, i)
		}
	}
	return out, nil
}
