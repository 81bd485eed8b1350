package layers

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/tensor"
)

// Normalization shifts and scales its input to zero mean and unit variance
// with statistics fixed before training, as Keras's Normalization does:
//
//	y = (x − mean) / max(√variance, 1e-7)
//
// (or, with Invert, y = mean + x·max(√variance, 1e-7), which undoes it).
// There is one mean and variance per position of the axes Axis (by default
// per feature of the last axis), either given as Mean and Variance or
// computed from data by Adapt or AdaptDataset before Fit. It works the same
// in training and inference; the gradient flows through to x.
//
// Weights: without Mean and Variance, mean and variance (non-trainable, of
// the shape of the kept axes, set by Adapt; initially 0 and 1, which pass
// the input through) and count (non-trainable, a scalar that Keras keeps
// at 0 and that is there for the weights' names and the summary's count).
type Normalization struct {
	// Axis lists the axes that keep their own statistics, counting the
	// batch axis as Keras does; nil means {-1} (one mean and variance per
	// feature), and an empty non-nil slice means Keras's axis=None (one
	// mean and variance for all values).
	Axis []int
	// Mean and Variance, if set, fix the statistics (Keras's mean and
	// variance arguments): one value for all positions, or one per
	// position of the kept axes in row-major order. Both or neither must
	// be set.
	Mean, Variance []float32
	// Invert applies the inverse transformation (Keras invert=True).
	Invert bool

	in                    []int
	keep                  []bool // which axes of an example keep statistics
	kshape                []int  // the kept axes' sizes
	mean, variance, count *Weight
	meanV, varV           []float32 // the statistics in use, of the kept size
	idx                   []int     // the kept position of each value of an example
	meanE, denE           []float32 // mean and max(√variance, 1e-7) per value of an example
}

// normalizationEpsilon is backend.epsilon(), Keras's floor of the
// standard deviation.
const normalizationEpsilon = 1e-7

// ClassName implements Layer.
func (*Normalization) ClassName() string { return "Normalization" }

// keptAxes resolves Axis for a per-example shape: which example axes keep
// their statistics.
func (l *Normalization) keptAxes(in []int) ([]bool, error) {
	axis := l.Axis
	if axis == nil {
		axis = []int{-1}
	}
	rank := len(in) + 1
	keep := make([]bool, len(in))
	for _, a := range axis {
		c := a
		if c < 0 {
			c += rank
		}
		switch {
		case c < 0 || c >= rank:
			return nil, fmt.Errorf("layers: Normalization: Axis %d is out of range for inputs of rank %d (shape %v with the batch axis)", a, rank, in)
		case c == 0:
			return nil, fmt.Errorf("layers: Normalization: Axis %v includes the batch axis", axis)
		case keep[c-1]:
			return nil, fmt.Errorf("layers: Normalization: Axis %v repeats axis %d", axis, c)
		}
		keep[c-1] = true
	}
	return keep, nil
}

// Plan implements Planner.
func (l *Normalization) Plan(in []int) ([]int, []WeightShape, error) {
	if err := checkOutput("Normalization", "input", in); err != nil {
		return nil, nil, err
	}
	keep, err := l.keptAxes(in)
	if err != nil {
		return nil, nil, err
	}
	var ks []int
	for i, k := range keep {
		if k {
			ks = append(ks, in[i])
		}
	}
	n := prod(ks)
	if (l.Mean == nil) != (l.Variance == nil) {
		return nil, nil, errors.New("layers: Normalization: set both Mean and Variance, or neither (and call Adapt)")
	}
	if l.Mean != nil {
		if len(l.Mean) != len(l.Variance) {
			return nil, nil, fmt.Errorf("layers: Normalization: Mean has %d values and Variance %d; they must have as many", len(l.Mean), len(l.Variance))
		}
		if len(l.Mean) != 1 && len(l.Mean) != n {
			return nil, nil, fmt.Errorf("layers: Normalization: Mean and Variance have %d values; want 1 or %d (the kept axes' shape %v)", len(l.Mean), n, ks)
		}
		for _, v := range l.Variance {
			if !(v >= 0) || math.IsInf(float64(v), 1) {
				return nil, nil, fmt.Errorf("layers: Normalization: Variance must be >= 0 and finite, got %v", v)
			}
		}
		return append([]int(nil), in...), nil, nil
	}
	ws := []WeightShape{
		{Name: "mean", Shape: ks, NonTrainable: true},
		{Name: "variance", Shape: ks, NonTrainable: true},
		{Name: "count", Shape: []int{}, NonTrainable: true},
	}
	if err := checkWeights("Normalization", ws); err != nil {
		return nil, nil, err
	}
	return append([]int(nil), in...), ws, nil
}

// Build implements Layer. Building again for the same shape keeps what
// Adapt computed, so that a layer adapted before it is put in a model
// keeps its statistics (as in Keras, where the model does not build it
// again).
func (l *Normalization) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	keep, _ := l.keptAxes(in)
	if l.Mean == nil && l.mean != nil && slices.Equal(in, l.in) && slices.Equal(keep, l.keep) {
		return out, nil
	}
	l.keep = keep
	l.kshape = nil
	for i, k := range l.keep {
		if k {
			l.kshape = append(l.kshape, in[i])
		}
	}
	n := prod(l.kshape)
	l.in = append([]int(nil), in...)
	l.mean, l.variance, l.count = nil, nil, nil
	if l.Mean != nil {
		l.meanV, l.varV = make([]float32, n), make([]float32, n)
		for i := range n {
			j := min(i, len(l.Mean)-1) // one value broadcasts
			l.meanV[i], l.varV[i] = l.Mean[j], l.Variance[j]
		}
	} else {
		l.mean = &Weight{Name: "mean", Value: tensor.Zeros(l.kshape...)}
		l.variance = &Weight{Name: "variance", Value: tensor.Full(1, l.kshape...)}
		l.count = &Weight{Name: "count", Value: tensor.Zeros()}
		l.meanV, l.varV = l.mean.Value.Data(), l.variance.Value.Data()
	}
	l.idx = keptIndex(in, l.keep)
	l.meanE, l.denE = make([]float32, len(l.idx)), make([]float32, len(l.idx))
	return out, nil
}

// Call implements Layer.
func (l *Normalization) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("Normalization", x, l.in)
	// The variance may have changed (Adapt, loaded weights) since the last
	// call.
	for e, j := range l.idx {
		l.meanE[e] = l.meanV[j]
		l.denE[e] = max(float32(math.Sqrt(float64(l.varV[j]))), normalizationEpsilon)
	}
	return tensor.Standardize(x, l.meanE, l.denE, l.Invert)
}

// Weights implements Layer: mean, variance and count, unless Mean and
// Variance are set.
func (l *Normalization) Weights() []*Weight {
	if l.mean == nil {
		return nil
	}
	return []*Weight{l.mean, l.variance, l.count}
}

// Adapt sets the mean and variance weights to the mean and (biased)
// variance of the examples of x (a *tensor.Tensor, or any data.Array such
// as the datasets package's) over every axis but the kept ones, as Keras's
// adapt does with an array. It builds the layer for x's examples if it is
// not built yet; called after Build, x's examples must have the shape the
// layer was built for. Large arrays are read in chunks.
func (l *Normalization) Adapt(x data.Array) error {
	var a normAccumulator
	err := arrayChunks("Normalization", x, func(b *tensor.Tensor) error { return a.add(l, b) })
	if err != nil {
		return err
	}
	return a.finish(l)
}

// arrayChunks calls f on the examples of x, in batches of up to 4096
// examples (x itself if it is a tensor).
func arrayChunks(layer string, x data.Array, f func(*tensor.Tensor) error) error {
	if x == nil || (reflect.ValueOf(x).Kind() == reflect.Pointer && reflect.ValueOf(x).IsNil()) {
		return fmt.Errorf("layers: %s: Adapt: the data is nil", layer)
	}
	if t, ok := x.(*tensor.Tensor); ok {
		return f(t)
	}
	if x.Rank() < 1 || x.Dim(0) == 0 {
		return fmt.Errorf("layers: %s: Adapt: want a non-empty array of examples", layer)
	}
	shape := make([]int, x.Rank())
	for i := range shape {
		shape[i] = x.Dim(i)
	}
	n := shape[0]
	shape[0] = min(n, 4096)
	if err := checkOutput(layer, "Adapt's examples", shape); err != nil {
		return err
	}
	buf := tensor.Zeros(shape...)
	idx := make([]int, 0, shape[0])
	for lo := 0; lo < n; lo += shape[0] {
		hi := min(n, lo+shape[0])
		idx = idx[:0]
		for i := lo; i < hi; i++ {
			idx = append(idx, i)
		}
		b := buf
		if hi-lo < shape[0] {
			s := append([]int{hi - lo}, shape[1:]...)
			b = tensor.FromSlice(buf.Data()[:prod(s)], s...)
		}
		x.TakeRowsInto(b, idx)
		if err := f(b); err != nil {
			return err
		}
	}
	return nil
}

// AdaptDataset is Adapt over the elements' X of a dataset of batches (use
// Batch on a dataset of single examples), combining the batches'
// statistics as Keras's adapt does with a dataset.
func (l *Normalization) AdaptDataset(ds *data.Dataset) error {
	if ds == nil {
		return errors.New("layers: Normalization: AdaptDataset: the dataset is nil")
	}
	var a normAccumulator
	for e, err := range ds.All() {
		if err != nil {
			return fmt.Errorf("layers: Normalization: AdaptDataset: %w", err)
		}
		if err := a.add(l, e.X); err != nil {
			return err
		}
	}
	if a.total == 0 {
		return errors.New("layers: Normalization: AdaptDataset: the dataset has no elements")
	}
	return a.finish(l)
}

// keptIndex maps each value of an example of shape ex to its position
// among the kept axes (row-major).
func keptIndex(ex []int, keep []bool) []int {
	idx := make([]int, prod(ex))
	pos := make([]int, len(ex))
	for e := range idx {
		j := 0
		for d, p := range pos {
			if keep[d] {
				j = j*ex[d] + p
			}
		}
		idx[e] = j
		for d := len(pos) - 1; d >= 0; d-- {
			if pos[d]++; pos[d] < ex[d] {
				break
			}
			pos[d] = 0
		}
	}
	return idx
}

// normAccumulator combines the statistics of batches with Keras's update
// (in float64).
type normAccumulator struct {
	mean, variance []float64
	total          int
}

func (a *normAccumulator) add(l *Normalization, x *tensor.Tensor) error {
	if x == nil || x.Rank() < 1 || x.Dim(0) == 0 {
		return errors.New("layers: Normalization: Adapt: want a non-empty batch of examples")
	}
	if l.Mean != nil {
		return errors.New("layers: Normalization: Adapt: the layer has fixed Mean and Variance")
	}
	ex := x.Shape()[1:]
	if l.in == nil {
		if _, err := l.Build(ex, nil); err != nil {
			return err
		}
	} else if !slices.Equal(ex, l.in) {
		return fmt.Errorf("layers: Normalization: Adapt: the layer was built for examples of shape %v, got a batch of shape %v", l.in, x.Shape())
	}
	k, idx := prod(l.kshape), l.idx
	xd := x.Data()
	n := x.Dim(0)
	cnt := n * len(idx) / k
	bm, bv := make([]float64, k), make([]float64, k)
	for i := range n {
		for e, j := range idx {
			bm[j] += float64(xd[i*len(idx)+e])
		}
	}
	for j := range bm {
		bm[j] /= float64(cnt)
	}
	for i := range n {
		for e, j := range idx {
			d := float64(xd[i*len(idx)+e]) - bm[j]
			bv[j] += d * d
		}
	}
	for j := range bv {
		bv[j] /= float64(cnt)
	}
	if a.total == 0 {
		a.mean, a.variance, a.total = bm, bv, cnt
		return nil
	}
	a.total += cnt
	w := float64(cnt) / float64(a.total)
	for j := range bm {
		m := a.mean[j]*(1-w) + bm[j]*w
		a.variance[j] = (a.variance[j]+(a.mean[j]-m)*(a.mean[j]-m))*(1-w) + (bv[j]+(bm[j]-m)*(bm[j]-m))*w
		a.mean[j] = m
	}
	return nil
}

func (a *normAccumulator) finish(l *Normalization) error {
	for j := range a.mean {
		l.meanV[j], l.varV[j] = float32(a.mean[j]), float32(a.variance[j])
	}
	return nil
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("Normalization", decodeNormalization) }

type normalizationLayerConfig struct {
	Axis     []int           `json:"axis"`
	Invert   bool            `json:"invert"`
	Mean     json.RawMessage `json:"mean"`
	Variance json.RawMessage `json:"variance"`
}

// statsJSON writes Keras's mean or variance: null, a number or a list.
func statsJSON(v []float32) json.RawMessage {
	var b []byte
	switch len(v) {
	case 0:
		if v == nil {
			return json.RawMessage("null")
		}
		b, _ = json.Marshal([]float32{})
	case 1:
		b, _ = json.Marshal(v[0])
	default:
		b, _ = json.Marshal(v)
	}
	return b
}

// parseStats reads null, a number or a (nested) list of numbers, in
// row-major order.
func parseStats(key string, b json.RawMessage) ([]float32, error) {
	if b == nil || string(b) == "null" {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	var out []float32
	var walk func(v any) error
	walk = func(v any) error {
		switch t := v.(type) {
		case float64:
			if math.Abs(t) > math.MaxFloat32 {
				return fmt.Errorf("%s: %v is out of the range of float32", key, t)
			}
			out = append(out, float32(t))
		case []any:
			for _, e := range t {
				if err := walk(e); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("%s: want a number or a list of numbers, got %s", key, b)
		}
		return nil
	}
	if err := walk(v); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("%s: the list is empty", key)
	}
	return out, nil
}

// Config implements Configurable.
func (l *Normalization) Config() (any, error) {
	axis := l.Axis
	if axis == nil {
		axis = []int{-1}
	}
	if slices.Contains(axis, 0) {
		return nil, fmt.Errorf("axis: %v includes the batch axis 0", axis)
	}
	return normalizationLayerConfig{Axis: slices.Clone(axis), Invert: l.Invert, Mean: statsJSON(l.Mean), Variance: statsJSON(l.Variance)}, nil
}

func decodeNormalization(b []byte) (Layer, error) {
	c := normalizationLayerConfig{Axis: []int{-1}}
	var raw struct {
		Axis     json.RawMessage `json:"axis"`
		Invert   bool            `json:"invert"`
		Mean     json.RawMessage `json:"mean"`
		Variance json.RawMessage `json:"variance"`
	}
	if err := DecodeConfig(b, &raw); err != nil {
		return nil, err
	}
	if raw.Axis != nil {
		// Keras writes the axes as a list; an int or null (axis=None) are
		// what a user may write.
		var one int
		switch s := string(raw.Axis); {
		case s == "null":
			c.Axis = []int{}
		case json.Unmarshal(raw.Axis, &one) == nil:
			c.Axis = []int{one}
		default:
			if err := json.Unmarshal(raw.Axis, &c.Axis); err != nil {
				return nil, fmt.Errorf("axis: want an integer, a list of integers or null, got %s", s)
			}
			if c.Axis == nil {
				c.Axis = []int{}
			}
		}
	}
	if slices.Contains(c.Axis, 0) {
		return nil, fmt.Errorf("axis: %v includes the batch axis 0", c.Axis)
	}
	mean, err := parseStats("mean", raw.Mean)
	if err != nil {
		return nil, err
	}
	variance, err := parseStats("variance", raw.Variance)
	if err != nil {
		return nil, err
	}
	switch {
	case (mean == nil) != (variance == nil):
		return nil, errors.New("mean, variance: both must be set, or neither")
	case len(mean) != len(variance):
		return nil, fmt.Errorf("mean, variance: %d and %d values; they must have as many", len(mean), len(variance))
	}
	for _, v := range variance {
		if !(v >= 0) || math.IsInf(float64(v), 1) {
			return nil, fmt.Errorf("variance must be >= 0 and finite, got %v", v)
		}
	}
	var axis []int
	if !slices.Equal(c.Axis, []int{-1}) {
		axis = c.Axis
	}
	return &Normalization{Axis: axis, Mean: mean, Variance: variance, Invert: raw.Invert}, nil
}
