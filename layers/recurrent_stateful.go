package layers

import (
	"fmt"

	"github.com/neuron-go/neuron/tensor"
)

// rnnStates holds a stateful recurrent layer's states between calls
// (Keras's stateful=True: example i of a batch starts from the states
// example i of the previous batch ended in). There are two buffers of
// each state, used in turn: a call reads one and writes its last states
// into the other, so that the states a training step started from stay
// as they were for its backward pass. They are not trained through: the
// gradient stops at the start of each batch, as in Keras.
type rnnStates struct {
	bufs [2][2]*tensor.Tensor // [buffer][h, c]
	cur  int
}

// initial returns the states a call on a batch of n starts from, zeros
// at the first call. A batch of another size is a *tensor.ShapeError, as
// Keras refuses it.
func (s *rnnStates) initial(layer string, n, units int) (h, c *tensor.Tensor) {
	b := &s.bufs[s.cur]
	if b[0] == nil {
		for i := range s.bufs {
			s.bufs[i] = [2]*tensor.Tensor{tensor.Zeros(n, units), tensor.Zeros(n, units)}
		}
	}
	if got := b[0].Dim(0); got != n {
		panic(&tensor.ShapeError{Op: layer, Msg: fmt.Sprintf("stateful: a batch of %d sequences, but the states are for batches of %d (the batch size must stay the same, and the number of examples be a multiple of it)", n, got)})
	}
	return b[0], b[1]
}

// store keeps a call's last states for the next call: the last step of
// its hidden states seq [N, T, U], and the last cell state c (LSTM; nil
// for the others).
func (s *rnnStates) store(seq, c *tensor.Tensor) {
	s.cur = 1 - s.cur
	b := s.bufs[s.cur]
	sh := seq.Shape()
	n, t, u := sh[0], sh[1], sh[2]
	h, d := b[0].Data(), seq.Data()
	for i := range n {
		copy(h[i*u:(i+1)*u], d[(i*t+t-1)*u:(i*t+t)*u])
	}
	if c != nil {
		copy(b[1].Data(), c.Data())
	}
}

// reset sets the states to zeros and forgets the batch size.
func (s *rnnStates) reset() { s.bufs, s.cur = [2][2]*tensor.Tensor{}, 0 }

// ResetStates sets a stateful layer's states to zeros (Keras's
// reset_states), e.g. between the epochs of training on one long
// sequence.
func (l *LSTM) ResetStates() { l.states.reset() }

// ResetStates is LSTM's.
func (l *GRU) ResetStates() { l.states.reset() }

// ResetStates is LSTM's.
func (l *SimpleRNN) ResetStates() { l.states.reset() }

// ResetStates resets both layers' states.
func (l *Bidirectional) ResetStates() {
	for _, s := range []Layer{l.fwd, l.bwd} {
		if r, ok := s.(interface{ ResetStates() }); ok {
			r.ResetStates()
		}
	}
}
