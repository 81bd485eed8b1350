package models

import (
	"github.com/neuron-go/neuron/tensor"
)

// batchSource is where Fit's steps take their batches from: arrays, read
// in a shuffled order (arraySource), or a data.Dataset (datasetSource).
// The training loop is the same for both.
type batchSource interface {
	// steps returns the number of steps of an epoch, 0 while it is not
	// known (a dataset of unknown length before its first pass ends).
	steps() int
	// beginEpoch prepares the batches of epoch.
	beginEpoch(epoch int) error
	// next returns the batch of step, one tensor per input and per
	// output, valid until the next call, and its number of rows; ok is
	// false when the data ran out before it.
	// sw is the batch's sample weights, or nil.
	next(step int) (xs, ys []*tensor.Tensor, sw *tensor.Tensor, rows int, ok bool, err error)
}

// arraySource is the batches of in-memory arrays: each epoch a new
// random order (unless NoShuffle) drawn from the seed and the epoch
// number, so that a resumed run needs only the epoch and the step.
type arraySource struct {
	e       *engine
	x, y    []Array
	sw      []float32 // sample weights, or nil
	swb     *tensor.Tensor
	n, bs   int
	shuffle bool
	arena   *tensor.Arena
	idx     []int
	// Full batches reuse xb and yb; a short last batch gets its own.
	xb, xs, yb, ys []*tensor.Tensor
	xShape, yShape [][]int
}

func newArraySource(e *engine, x, y []Array, sw []float32, bs int, shuffle bool, arena *tensor.Arena) *arraySource {
	s := &arraySource{e: e, x: x, y: y, sw: sw, n: x[0].Dim(0), bs: bs, shuffle: shuffle, arena: arena}
	s.xb, s.xs = make([]*tensor.Tensor, len(x)), make([]*tensor.Tensor, len(x))
	s.yb, s.ys = make([]*tensor.Tensor, len(y)), make([]*tensor.Tensor, len(y))
	s.xShape, s.yShape = make([][]int, len(x)), make([][]int, len(y))
	for i, a := range x {
		s.xShape[i] = shapeOf(a)
		s.xb[i] = tensor.Zeros(batchShape(s.xShape[i], bs)...).InArena(arena)
	}
	for i, a := range y {
		s.yShape[i] = shapeOf(a)
		s.yb[i] = tensor.Zeros(batchShape(s.yShape[i], bs)...)
	}
	if sw != nil {
		s.swb = tensor.Zeros(bs)
	}
	s.idx = make([]int, s.n)
	return s
}

func (s *arraySource) steps() int { return (s.n + s.bs - 1) / s.bs }

func (s *arraySource) beginEpoch(epoch int) error {
	for i := range s.idx {
		s.idx[i] = i
	}
	if s.shuffle {
		rng := s.e.rng(streamShuffle, uint64(epoch))
		rng.Shuffle(s.n, func(i, j int) { s.idx[i], s.idx[j] = s.idx[j], s.idx[i] })
	}
	return nil
}

func (s *arraySource) next(step int) (xs, ys []*tensor.Tensor, sw *tensor.Tensor, rows int, ok bool, err error) {
	lo, hi := step*s.bs, min((step+1)*s.bs, s.n)
	if lo >= hi {
		return nil, nil, nil, 0, false, nil
	}
	copy(s.xs, s.xb)
	copy(s.ys, s.yb)
	sws := s.swb
	if hi-lo != s.bs {
		if s.sw != nil {
			sws = tensor.Zeros(hi - lo)
		}
		for i := range s.xs {
			s.xs[i] = tensor.Zeros(batchShape(s.xShape[i], hi-lo)...).InArena(s.arena)
		}
		for i := range s.ys {
			s.ys[i] = tensor.Zeros(batchShape(s.yShape[i], hi-lo)...)
		}
	}
	for i, a := range s.x {
		a.TakeRowsInto(s.xs[i], s.idx[lo:hi])
	}
	for i, a := range s.y {
		a.TakeRowsInto(s.ys[i], s.idx[lo:hi])
	}
	// The next batch's rows are scattered over the data set, mostly in
	// DRAM: start loading them now, to be in the cache when the next step
	// gathers them.
	for _, a := range s.x {
		if p, ok := a.(interface{ PrefetchRows(idx []int) }); ok {
			p.PrefetchRows(s.idx[hi:min(hi+s.bs, s.n)])
		}
	}
	return s.xs, s.ys, takeWeights(sws, s.sw, s.idx[lo:hi]), hi - lo, true, nil
}
