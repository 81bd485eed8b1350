package tensor

// Arena lends storage to tensors and takes it all back at once with Reset.
//
// A tensor bound to an arena (with InArena) makes every tensor computed from
// it, and every gradient buffer of those, borrow from the same arena. A
// training step binds its batch to an arena and resets the arena when the
// step is done, so that steady-state steps reuse the same memory instead of
// allocating (and zeroing fresh pages) for each intermediate result.
//
// After Reset, tensors that borrowed from the arena must not be used: their
// storage is handed out again. An Arena is not safe for concurrent use.
type Arena struct {
	free map[int][][]float32 // returned buffers, by length
	used [][]float32         // buffers lent since the last Reset
}

// NewArena returns an empty arena.
func NewArena() *Arena { return &Arena{free: map[int][][]float32{}} }

// get lends a zeroed buffer of n floats.
func (a *Arena) get(n int) []float32 {
	if l := a.free[n]; len(l) > 0 {
		s := l[len(l)-1]
		a.free[n] = l[:len(l)-1]
		clear(s)
		a.used = append(a.used, s)
		return s
	}
	s := make([]float32, n)
	a.used = append(a.used, s)
	return s
}

// Reset takes back every buffer lent since the last Reset.
func (a *Arena) Reset() {
	for i, s := range a.used {
		a.free[len(s)] = append(a.free[len(s)], s)
		a.used[i] = nil
	}
	a.used = a.used[:0]
}

// InArena binds t to arena a (nil unbinds it) and returns t. Results of
// operations on t borrow their storage from a.
func (t *Tensor) InArena(a *Arena) *Tensor {
	t.arena = a
	return t
}

// arenaOf returns the arena of the first input bound to one, or nil.
func arenaOf(inputs ...*Tensor) *Arena {
	for _, in := range inputs {
		if in != nil && in.arena != nil {
			return in.arena
		}
	}
	return nil
}

// newOut returns a zeroed tensor of the given shape whose storage comes from
// the inputs' arena, if any, else from the heap.
func newOut(shape []int, inputs ...*Tensor) *Tensor {
	a := arenaOf(inputs...)
	n := size(shape)
	t := &Tensor{shape: append([]int(nil), shape...), arena: a}
	if a != nil {
		t.data = a.get(n)
	} else {
		t.data = make([]float32, n)
	}
	return t
}

// scratch returns a zeroed buffer of n floats for temporary use within an
// operation, from t's arena if it has one.
func (t *Tensor) scratch(n int) []float32 {
	if t.arena != nil {
		return t.arena.get(n)
	}
	return make([]float32, n)
}
