package tensor

import (
	"fmt"
	"math"
)

// Gather returns the rows of table [V, D] picked by the indices in idx,
// as keras.ops.take(table, idx, axis=0) does for an Embedding: the result
// has idx's shape followed by D. The indices are float32 values that must
// be whole numbers in [0, V); d/dtable adds each output row's gradient to
// the row it came from, and idx gets no gradient.
//
// It panics with a *ShapeError naming the example (the index along idx's
// first axis) and the value of the first index that is not a whole number
// in range.
func Gather(table, idx *Tensor) *Tensor {
	if len(table.shape) != 2 {
		panic(shapeErr("Gather", "table must be a matrix", table.shape))
	}
	v, d := table.shape[0], table.shape[1]
	per := 1
	if len(idx.shape) > 0 && idx.shape[0] > 0 {
		per = len(idx.data) / idx.shape[0]
	}
	for i, f := range idx.data {
		if !(f >= 0 && f < float32(v)) || f != float32(math.Trunc(float64(f))) {
			panic(&ShapeError{Op: "Embedding", Shapes: [][]int{idx.shape},
				Msg: fmt.Sprintf("example %d holds %v, not an index in [0, %d)", i/per, f, v)})
		}
	}
	shape := make([]int, 0, maxBlockRank)
	shape = append(append(shape, idx.shape...), d)
	out := newOutRaw(shape, table, idx)
	for i, f := range idx.data {
		r := int(f)
		copy(out.data[i*d:(i+1)*d], table.data[r*d:(r+1)*d])
	}
	track(out, "Gather", gatherBackward, table, idx)
	return out
}

func gatherBackward(o *Tensor) {
	table := o.node.in[0]
	d := table.shape[1]
	idx := o.node.in[1]
	for i, f := range idx.data {
		r := int(f)
		addTo(table.grad[r*d:(r+1)*d], o.grad[i*d:(i+1)*d])
	}
}
