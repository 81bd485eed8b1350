package tensor

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/neuron-go/neuron/internal/hugepage"
	"github.com/neuron-go/neuron/internal/npprint"
)

// Tensor is an n-dimensional row-major array of float32.
//
// A tensor computed by an operation from inputs that require gradients
// remembers that operation, so that Backward can differentiate through it.
// The zero value is not usable; make tensors with New, FromSlice, Zeros, Full
// or Scalar.
type Tensor struct {
	shape        []int
	dims         [4]int // storage for shape up to rank 4, saving an allocation
	data         []float32
	grad         []float32 // d(loss)/d(this), filled by Backward
	requiresGrad bool
	// gradStale marks grad as logically zero (ZeroGrad) while its storage
	// still holds the last gradient: the first use clears it, or, for an
	// operation that writes the whole gradient (Linear's weight and bias),
	// overwrites it instead of adding, which spares a pass over memory.
	gradStale bool
	node      *node // how this tensor was computed; nil for leaves

	// logits is set on a softmax (or sigmoid) output to the tensor it was
	// computed from, so that cross-entropy losses can work from the logits
	// stably, as Keras does for a model whose last activation is softmax.
	logits     *Tensor
	logitsKind string // "softmax" or "sigmoid"

	arena    *Arena  // where results computed from this tensor borrow storage
	mark     uint64  // the last Backward pass that reached this tensor
	gradView *Tensor // what Grad returned last, reused while grad is the same buffer
}

// node records the operation that produced a tensor.
//
// backward adds out.grad's contribution to each input's grad. The
// operations of a training step give a plain function that reads what it
// needs from the node (its inputs and the state fields below) rather than a
// closure, and take the node from the arena, so that recording allocates
// nothing in steady state.
type node struct {
	op       string
	in       [3]*Tensor // the inputs, in order (nil for an absent bias)
	nin      int        // how many of in are used
	more     []*Tensor  // all the inputs, when there are more than three
	backward func(out *Tensor)

	// State for the backward functions.
	fs     []float32 // Dropout's mask
	i32    []int32   // max-pooling winners
	conv   convPlan  // a convolution's plan
	pool   window2D  // a pooling's geometry
	norm   normState // a normalization's statistics
	groups [4]int    // GroupNorm's n, s, g, k; L2Normalize's row length
	ints   [2]int    // small integer parameters (Repeat's count and axis)
	relu   bool      // a convolution's or a projection's fused ReLU
	// overwrites marks a backward function that takes its inputs'
	// gradients through gradForOverwrite (Backward leaves them stale).
	overwrites bool
	act        actParams // a pointwise activation's kind and parameters
	rnn        rnnState  // a recurrent layer's gates and cell states
	attn       attnState // an attention's probabilities and geometry
	unary      unaryGrad // an elementwise operation's derivative and parameters
	idx        []int     // Pick's class indices
}

// inputs returns the node's inputs.
func (n *node) inputs() []*Tensor {
	if len(n.more) > 0 {
		return n.more
	}
	return n.in[:n.nin]
}

// setShape stores a copy of shape as t's shape, within t for ranks up to 4.
func (t *Tensor) setShape(shape []int) {
	t.shape = append(t.dims[:0], shape...)
}

// header returns a new tensor header, from arena a if not nil.
func header(a *Arena) *Tensor {
	if a != nil {
		return a.tensor()
	}
	return new(Tensor)
}

// size returns the number of elements of shape, panicking on negative sizes.
func size(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(shapeErr("New", "negative dimension", shape))
		}
		n *= d
	}
	return n
}

// New returns a tensor of the given shape holding a copy of data.
// It panics if len(data) does not equal the product of shape.
func New(shape []int, data []float32) *Tensor {
	if len(data) != size(shape) {
		panic(shapeErr("New", fmt.Sprintf("%d values do not fill the shape", len(data)), shape))
	}
	t := &Tensor{data: append([]float32(nil), data...)}
	t.setShape(shape)
	return t
}

// FromSlice returns a tensor of the given shape that uses data as its storage
// (no copy). With no shape it is a vector of len(data) elements.
func FromSlice(data []float32, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	if len(data) != size(shape) {
		panic(shapeErr("FromSlice", fmt.Sprintf("%d values do not fill the shape", len(data)), shape))
	}
	t := &Tensor{data: data}
	t.setShape(shape)
	return t
}

// Zeros returns a tensor of the given shape filled with zeros.
func Zeros(shape ...int) *Tensor {
	t := &Tensor{data: hugepage.Floats(size(shape))}
	t.setShape(shape)
	return t
}

// Full returns a tensor of the given shape with every element set to v.
func Full(v float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = v
	}
	return t
}

// Scalar returns a 0-dimensional tensor holding v.
func Scalar(v float32) *Tensor { return &Tensor{shape: []int{}, data: []float32{v}} }

// Shape returns the tensor's shape. The caller must not modify it.
func (t *Tensor) Shape() []int { return t.shape }

// Rank returns the number of dimensions.
func (t *Tensor) Rank() int { return len(t.shape) }

// Dim returns the size of axis i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	if i < 0 || i >= len(t.shape) {
		panic(shapeErr("Dim", fmt.Sprintf("axis %d out of range", i), t.shape))
	}
	return t.shape[i]
}

// Size returns the number of elements.
func (t *Tensor) Size() int { return len(t.data) }

// Data returns the tensor's storage in row-major order. Writing to it changes
// the tensor (optimizers update weights this way).
func (t *Tensor) Data() []float32 { return t.data }

// Item returns the single value of a tensor with one element.
func (t *Tensor) Item() float32 {
	if len(t.data) != 1 {
		panic(shapeErr("Item", "tensor has more than one element", t.shape))
	}
	return t.data[0]
}

// At returns the element at the given indices, one per axis.
func (t *Tensor) At(idx ...int) float32 {
	if len(idx) != len(t.shape) {
		panic(shapeErr("At", fmt.Sprintf("%d indices for a rank-%d tensor", len(idx), len(t.shape)), t.shape))
	}
	off := 0
	for i, x := range idx {
		if x < 0 || x >= t.shape[i] {
			panic(shapeErr("At", fmt.Sprintf("index %d out of range on axis %d", x, i), t.shape))
		}
		off = off*t.shape[i] + x
	}
	return t.data[off]
}

// Row returns the i-th entry along the first axis as a tensor that shares
// storage with t (no copy, no gradient).
func (t *Tensor) Row(i int) *Tensor {
	if len(t.shape) == 0 || i < 0 || i >= t.shape[0] {
		panic(shapeErr("Row", fmt.Sprintf("row %d out of range", i), t.shape))
	}
	n := len(t.data) / t.shape[0]
	r := &Tensor{data: t.data[i*n : (i+1)*n]}
	r.setShape(t.shape[1:])
	return r
}

// Clone returns a deep copy of t's values, detached from any graph.
func (t *Tensor) Clone() *Tensor { return New(t.shape, t.data) }

// Detach returns a tensor sharing t's storage but with no gradient history:
// gradients do not flow through it.
//
// The detached view of a step's intermediate result lives, like the result,
// until its arena's Reset.
func (t *Tensor) Detach() *Tensor {
	d := header(t.arena)
	d.setShape(t.shape)
	d.data, d.arena = t.data, t.arena
	return d
}

// RequireGrad marks t as a leaf that needs a gradient (a trainable weight) and
// returns t.
func (t *Tensor) RequireGrad() *Tensor {
	t.requiresGrad = true
	return t
}

// SetRequiresGrad turns gradient tracking for the leaf t on or off. A model
// turns it off on its weights while predicting so that no graph is recorded.
func (t *Tensor) SetRequiresGrad(on bool) { t.requiresGrad = on }

// RequiresGrad reports whether gradients are tracked through t.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// Grad returns d(loss)/d(t) from the last Backward call as a tensor sharing
// the gradient storage, or nil if t received no gradient. Calls return the
// same tensor while the storage stays the same (a weight's gradient does),
// so that an optimizer step does not allocate.
func (t *Tensor) Grad() *Tensor {
	if t.grad == nil {
		return nil
	}
	t.freshGrad()
	if v := t.gradView; v == nil || len(v.data) != len(t.grad) || unsafe.SliceData(v.data) != unsafe.SliceData(t.grad) {
		v = &Tensor{data: t.grad}
		v.setShape(t.shape)
		t.gradView = v
	}
	return t.gradView
}

// ZeroGrad forgets t's gradient so that the next Backward starts from zero.
// The storage is cleared when it is next used (by Grad or by Backward), not
// now, so a gradient tensor that Grad returned before ZeroGrad reads as
// zero only after the next Grad call; operations that write a whole
// gradient overwrite it then rather than clearing it and adding.
func (t *Tensor) ZeroGrad() {
	if t.grad != nil {
		t.gradStale = true
	}
}

// freshGrad clears t's gradient storage if ZeroGrad left it stale.
func (t *Tensor) freshGrad() {
	if t.gradStale {
		clear(t.grad)
		t.gradStale = false
	}
}

// gradForOverwrite returns t's gradient buffer (allocated if needed) and
// whether its contents count: false after ZeroGrad (or when just
// allocated), when the caller must write every element instead of adding
// to it. Either way the buffer is live afterwards.
func (t *Tensor) gradForOverwrite() (g []float32, accumulate bool) {
	if t.grad == nil {
		t.grad = t.scratchRaw(len(t.data))
		return t.grad, false
	}
	accumulate = !t.gradStale
	t.gradStale = false
	return t.grad, accumulate
}

// String formats the tensor as NumPy's print does: nested brackets,
// aligned columns, wrapped at the line width and summarised with "..." when
// large (see SetPrintOptions).
func (t *Tensor) String() string {
	return npprint.Float32(t.shape, t.data, npprint.CurrentOptions())
}

// PrintOptions control String, like NumPy's print options; zero fields
// mean NumPy's defaults (line width 75, precision 8, threshold 1000).
type PrintOptions = npprint.Options

// SetPrintOptions sets how tensors and data arrays print, like
// np.set_printoptions, and returns the previous options. The course uses
// SetPrintOptions(PrintOptions{Linewidth: 120}) to show a 28×28 image.
func SetPrintOptions(o PrintOptions) (previous PrintOptions) { return npprint.SetOptions(o) }

// HasNaN reports whether any element is NaN or infinite.
func (t *Tensor) HasNaN() bool {
	for _, v := range t.data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return true
		}
	}
	return false
}

// sameShape reports whether a and b are equal.
func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ensureGrad returns t's gradient buffer, allocating it (zeroed) if needed.
func (t *Tensor) ensureGrad() []float32 {
	if t.grad == nil {
		t.grad = t.scratch(len(t.data))
		t.gradStale = false
	}
	t.freshGrad()
	return t.grad
}

// record attaches the operation that produced out if any input requires
// gradients, and returns out.
func record(out *Tensor, op string, inputs []*Tensor, backward func(out *Tensor)) *Tensor {
	track(out, op, backward, inputs...)
	return out
}

// track attaches a node for operation op to out if any input (nil ones
// aside) requires gradients, and returns it, or nil if no gradient flows.
// The node comes from out's arena, if any; the caller may store what its
// backward function needs in the node's state fields.
func track(out *Tensor, op string, backward func(out *Tensor), inputs ...*Tensor) *node {
	grad := false
	for _, in := range inputs {
		if in != nil && in.requiresGrad {
			grad = true
			break
		}
	}
	if !grad {
		return nil
	}
	var n *node
	if out.arena != nil {
		n = out.arena.node()
	} else {
		n = new(node)
	}
	n.op, n.backward = op, backward
	if len(inputs) <= len(n.in) {
		n.nin = copy(n.in[:], inputs)
	} else {
		// A node from an arena keeps its more buffer across Reset, so
		// that an operation of many inputs (Concat) allocates nothing in
		// steady state.
		n.more = append(n.more[:0], inputs...)
	}
	out.requiresGrad = true
	out.node = n
	return n
}
