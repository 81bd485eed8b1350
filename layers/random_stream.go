package layers

import (
	"fmt"
	"math/rand/v2"
)

// randomStream is the random generator of a layer that draws numbers while
// training (Dropout, the noise layers, the augmentation layers). Embedded
// in the layer, it provides RandomStater, so that checkpoints save and
// restore the generator and a resumed run draws what an uninterrupted one
// would. The layer implements Seeder with seedFrom.
type randomStream struct {
	rng *rand.Rand
	src *rand.PCG // rng's source, whose state checkpoints save
}

// seedFrom starts the stream from the layer's own seed if it is not zero
// (Keras's seed argument), otherwise from two draws of the model's rng.
// word, distinct per layer class, keeps streams of different classes with
// the same seed apart.
func (s *randomStream) seedFrom(rng *rand.Rand, seed, word uint64) {
	if seed != 0 {
		s.start(seed, word)
		return
	}
	s.start(rng.Uint64(), rng.Uint64())
}

// stream returns the generator, started from seed alone for a layer used
// without a model.
func (s *randomStream) stream(seed, word uint64) *rand.Rand {
	if s.rng == nil {
		s.start(seed, word)
	}
	return s.rng
}

func (s *randomStream) start(seed1, seed2 uint64) {
	s.src = rand.NewPCG(seed1, seed2)
	s.rng = rand.New(s.src)
}

// reset forgets the generator: the next stream or seedFrom starts it again.
func (s *randomStream) reset() { s.rng, s.src = nil, nil }

// RandomState implements RandomStater: the state of the PCG generator, or
// nil before the layer has one.
func (s *randomStream) RandomState() ([]byte, error) {
	if s.rng == nil || s.src == nil {
		return nil, nil
	}
	return s.src.MarshalBinary()
}

// SetRandomState implements RandomStater.
func (s *randomStream) SetRandomState(state []byte) error {
	if len(state) == 0 {
		s.reset()
		return nil
	}
	src := new(rand.PCG)
	if err := src.UnmarshalBinary(state); err != nil {
		return fmt.Errorf("layers: random state: %w", err)
	}
	s.src, s.rng = src, rand.New(src)
	return nil
}
