package layers

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/tensor"
)

// Discretization buckets continuous features by ranges, as Keras's
// Discretization does: a value v goes to bucket i when
// BinBoundaries[i−1] <= v < BinBoundaries[i] (numpy.digitize), from 0 to
// len(BinBoundaries). The boundaries are given, or computed by Adapt (or
// AdaptDataset) as NumBins approximate quantiles of data with Keras's
// algorithm and tolerance Epsilon.
//
// With OutputMode "int" (the default) the result holds the bucket indices
// (as float32) in the input's shape; "one_hot", "multi_hot" and "count"
// encode them as CategoryEncoding does with len(BinBoundaries)+1 tokens.
// It works the same in training and inference, has no weights (the
// boundaries are part of the config, as in Keras), and no gradient flows
// through it.
type Discretization struct {
	// BinBoundaries are the sorted bucket boundaries; Adapt sets them.
	BinBoundaries []float32
	// NumBins is the number of buckets Adapt computes boundaries for.
	// Keras requires exactly one of BinBoundaries and NumBins, except for
	// an adapted layer, which has both.
	NumBins int
	// Epsilon is Adapt's error tolerance; the zero value means Keras's
	// 0.01.
	Epsilon float64
	// OutputMode is "int" (the zero value), "one_hot", "multi_hot" or
	// "count".
	OutputMode string

	in      []int
	summary [2][]float32 // Adapt's running summary: values and weights
}

// ClassName implements Layer.
func (*Discretization) ClassName() string { return "Discretization" }

func (l *Discretization) epsilon() (float64, error) {
	e := l.Epsilon
	if e == 0 {
		e = 0.01
	}
	if !(e > 0 && e <= 1) {
		return 0, fmt.Errorf("layers: Discretization: Epsilon must be in (0, 1], got %v", l.Epsilon)
	}
	return e, nil
}

// Plan implements Planner.
func (l *Discretization) Plan(in []int) ([]int, []WeightShape, error) {
	m, err := encodingMode("Discretization", l.OutputMode, true)
	if err != nil {
		return nil, nil, err
	}
	if _, err := l.epsilon(); err != nil {
		return nil, nil, err
	}
	if l.NumBins < 0 {
		return nil, nil, fmt.Errorf("layers: Discretization: NumBins must be >= 0, got %d", l.NumBins)
	}
	if l.BinBoundaries == nil {
		if l.NumBins == 0 {
			return nil, nil, errors.New("layers: Discretization: set BinBoundaries, or NumBins and call Adapt")
		}
		return nil, nil, errors.New("layers: Discretization: BinBoundaries are not set: call Adapt before using the layer")
	}
	if err := checkBoundaries(l.BinBoundaries); err != nil {
		return nil, nil, fmt.Errorf("layers: Discretization: BinBoundaries %w", err)
	}
	out, err := encodedShape("Discretization", in, m, len(l.BinBoundaries)+1)
	return out, nil, err
}

func checkBoundaries(b []float32) error {
	for i, v := range b {
		if math.IsNaN(float64(v)) {
			return fmt.Errorf("must not hold NaN, got %v", b)
		}
		if i > 0 && v < b[i-1] {
			return fmt.Errorf("must be sorted in increasing order, got %v", b)
		}
	}
	return nil
}

// Build implements Layer.
func (l *Discretization) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	l.in = append([]int(nil), in...)
	return out, nil
}

// Call implements Layer.
func (l *Discretization) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("Discretization", x, l.in)
	m, _ := encodingMode("Discretization", l.OutputMode, true)
	idx := tensor.Digitize(x, l.BinBoundaries)
	if m == "int" {
		return idx
	}
	return tensor.CategoryEncode(idx, len(l.BinBoundaries)+1, m)
}

// Weights implements Layer.
func (*Discretization) Weights() []*Weight { return nil }

// Adapt sets BinBoundaries to NumBins approximate quantiles of the values
// of x (a *tensor.Tensor, or any data.Array), with Keras's algorithm. Build
// the layer (or the model) afterwards. Large arrays are read in chunks,
// each summarized and merged as Keras does with the batches of a dataset.
func (l *Discretization) Adapt(x data.Array) error {
	if err := l.startAdapt(); err != nil {
		return err
	}
	err := arrayChunks("Discretization", x, func(b *tensor.Tensor) error {
		if b.Size() == 0 {
			return errors.New("layers: Discretization: Adapt: the data is empty")
		}
		l.update(b.Data())
		return nil
	})
	if err != nil {
		return err
	}
	return l.finishAdapt()
}

// AdaptDataset is Adapt over the elements' X of a dataset, each summarized
// and merged into the running summary as Keras does with the batches of a
// dataset.
func (l *Discretization) AdaptDataset(ds *data.Dataset) error {
	if err := l.startAdapt(); err != nil {
		return err
	}
	if ds == nil {
		return errors.New("layers: Discretization: AdaptDataset: the dataset is nil")
	}
	n := 0
	for e, err := range ds.All() {
		if err != nil {
			return fmt.Errorf("layers: Discretization: AdaptDataset: %w", err)
		}
		if e.X != nil && e.X.Size() > 0 {
			l.update(e.X.Data())
			n++
		}
	}
	if n == 0 {
		return errors.New("layers: Discretization: AdaptDataset: the dataset has no values")
	}
	return l.finishAdapt()
}

func (l *Discretization) startAdapt() error {
	if l.NumBins <= 0 {
		return fmt.Errorf("layers: Discretization: Adapt needs NumBins > 0, got %d", l.NumBins)
	}
	if _, err := l.epsilon(); err != nil {
		return err
	}
	l.summary = [2][]float32{nil, nil}
	return nil
}

func (l *Discretization) finishAdapt() error {
	s := compressSummary(l.summary, 1/float64(l.NumBins))
	l.BinBoundaries = slices.Clone(s[0][:max(len(s[0])-1, 0)])
	return nil
}

// update is Keras's update_state: summarize the values and merge the
// summary into the running one.
func (l *Discretization) update(values []float32) {
	eps, _ := l.epsilon()
	v := slices.Clone(values)
	slices.SortFunc(v, func(a, b float32) int {
		// NaN last, as numpy.sort.
		an, bn := a != a, b != b
		switch {
		case an || bn:
			if an == bn {
				return 0
			}
			if an {
				return 1
			}
			return -1
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	})
	step := max(float64(len(v))/(1/eps), 1)
	var s [2][]float32
	for i := int(step - 1); i < len(v); i += int(step) {
		s[0] = append(s[0], v[i])
		s[1] = append(s[1], float32(step))
	}
	// merge_summaries(new, running): concatenate and sort by value with a
	// stable sort (numpy's argsort is not stable, but equal values give
	// equal boundaries either way).
	vals := append(slices.Clone(s[0]), l.summary[0]...)
	wts := append(slices.Clone(s[1]), l.summary[1]...)
	order := make([]int, len(vals))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case vals[a] < vals[b]:
			return -1
		case vals[a] > vals[b]:
			return 1
		}
		return 0
	})
	var m [2][]float32
	for _, i := range order {
		m[0] = append(m[0], vals[i])
		m[1] = append(m[1], wts[i])
	}
	l.summary = compressSummary(m, eps)
}

// compressSummary is Keras's compress_summary: it interpolates the
// values and cumulative weights at the quantiles eps, 2·eps, … .
func compressSummary(s [2][]float32, eps float64) [2][]float32 {
	n := len(s[0])
	if float64(n)*eps < 1 {
		return s
	}
	// np.arange(0, 1, eps) has ceil(1/eps) values.
	np := int(math.Ceil(1 / eps))
	cum := make([]float32, n) // float32 cumsum, as numpy's of float32
	var acc float32
	for i, w := range s[1] {
		acc += w
		cum[i] = acc
	}
	pct := make([]float32, n)
	for i, c := range cum {
		pct[i] = c / cum[n-1]
	}
	var out [2][]float32
	prev := 0.0
	for i := range np {
		p := eps + float64(i)*eps
		out[0] = append(out[0], float32(interp(p, pct, s[0])))
		cw := interp(p, pct, cum)
		out[1] = append(out[1], float32(cw-prev))
		prev = cw
	}
	return out
}

// interp is numpy.interp for one point, in float64.
func interp(x float64, xp, fp []float32) float64 {
	n := len(xp)
	if x <= float64(xp[0]) {
		return float64(fp[0])
	}
	if x >= float64(xp[n-1]) {
		return float64(fp[n-1])
	}
	// The last j with xp[j] <= x.
	lo, hi := 0, n-1
	for hi-lo > 1 {
		m := (lo + hi) / 2
		if float64(xp[m]) <= x {
			lo = m
		} else {
			hi = m
		}
	}
	x0, x1 := float64(xp[lo]), float64(xp[lo+1])
	slope := (float64(fp[lo+1]) - float64(fp[lo])) / (x1 - x0)
	return slope*(x-x0) + float64(fp[lo])
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("Discretization", decodeDiscretization) }

type discretizationConfig struct {
	BinBoundaries *[]float32 `json:"bin_boundaries"`
	NumBins       *int       `json:"num_bins"`
	Epsilon       float64    `json:"epsilon"`
	OutputMode    string     `json:"output_mode"`
	Sparse        bool       `json:"sparse"`
}

// Config implements Configurable.
func (l *Discretization) Config() (any, error) {
	eps, err := l.epsilon()
	if err != nil {
		return nil, err
	}
	m, err := encodingMode("Discretization", l.OutputMode, true)
	if err != nil {
		return nil, err
	}
	c := discretizationConfig{Epsilon: eps, OutputMode: m}
	if l.BinBoundaries != nil {
		bb := slices.Clone(l.BinBoundaries)
		c.BinBoundaries = &bb
	}
	if l.NumBins != 0 {
		n := l.NumBins
		c.NumBins = &n
	}
	return c, nil
}

func decodeDiscretization(b []byte) (Layer, error) {
	c := discretizationConfig{Epsilon: 0.01, OutputMode: "int"}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	switch {
	case c.NumBins != nil && *c.NumBins < 0:
		return nil, fmt.Errorf("num_bins must be >= 0, got %d", *c.NumBins)
	case c.NumBins == nil && c.BinBoundaries == nil:
		return nil, errors.New("bin_boundaries, num_bins: one of them must be set")
	case !(c.Epsilon > 0 && c.Epsilon <= 1):
		return nil, fmt.Errorf("epsilon must be in (0, 1], got %v", c.Epsilon)
	case c.Sparse:
		return nil, errors.New("sparse: sparse outputs are not supported")
	}
	var bb []float32
	if c.BinBoundaries != nil {
		bb = *c.BinBoundaries
		if bb == nil {
			bb = []float32{}
		}
	}
	if err := checkBoundaries(bb); err != nil {
		return nil, fmt.Errorf("bin_boundaries %w", err)
	}
	if _, err := encodingMode("Discretization", c.OutputMode, true); err != nil || c.OutputMode == "binary" {
		return nil, fmt.Errorf(`output_mode: unknown %q (want "int", "one_hot", "multi_hot" or "count")`, c.OutputMode)
	}
	l := &Discretization{BinBoundaries: bb, Epsilon: c.Epsilon, OutputMode: c.OutputMode}
	if c.NumBins != nil {
		l.NumBins = *c.NumBins
	}
	return l, nil
}
