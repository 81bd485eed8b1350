package optimizers

import (
	"fmt"
	"math"

	"github.com/neuron-go/neuron/tensor"
)

// Schedule gives the learning rate of each update, like Keras's
// keras.optimizers.schedules.LearningRateSchedule. Attach one to an
// optimizer with WithSchedule.
type Schedule interface {
	// Rate returns the learning rate of the update made after step updates
	// (the optimizer's Iterations; the first update is step 0).
	Rate(step int) float64
}

// ExponentialDecay is Keras's ExponentialDecay schedule:
//
//	rate(step) = InitialLearningRate · DecayRate^(step / DecaySteps)
//
// With Staircase the exponent is rounded down to an integer, so the rate
// drops by DecayRate every DecaySteps updates. DecaySteps must be positive.
type ExponentialDecay struct {
	InitialLearningRate, DecaySteps, DecayRate float64
	Staircase                                  bool
}

// Rate implements Schedule.
func (s ExponentialDecay) Rate(step int) float64 {
	mustValidate(s)
	p := float64(step) / s.DecaySteps
	if s.Staircase {
		p = math.Floor(p)
	}
	return s.InitialLearningRate * math.Pow(s.DecayRate, p)
}

func (s ExponentialDecay) validate() error {
	if !(s.DecaySteps > 0) {
		return fmt.Errorf("optimizers: ExponentialDecay: DecaySteps must be > 0, got %v", s.DecaySteps)
	}
	return nil
}

// PiecewiseConstantDecay is Keras's PiecewiseConstantDecay schedule: the rate
// is Values[0] while step ≤ Boundaries[0], Values[i] while
// Boundaries[i−1] < step ≤ Boundaries[i], and the last value after the last
// boundary. Boundaries must increase strictly and Values must have one more
// entry than Boundaries.
type PiecewiseConstantDecay struct {
	Boundaries []int
	Values     []float64
}

// Rate implements Schedule.
func (s PiecewiseConstantDecay) Rate(step int) float64 {
	mustValidate(s)
	for i, b := range s.Boundaries {
		if step <= b {
			return s.Values[i]
		}
	}
	return s.Values[len(s.Values)-1]
}

func (s PiecewiseConstantDecay) validate() error {
	if len(s.Values) != len(s.Boundaries)+1 {
		return fmt.Errorf("optimizers: PiecewiseConstantDecay: %d values for %d boundaries, want one more value than boundaries", len(s.Values), len(s.Boundaries))
	}
	for i := 1; i < len(s.Boundaries); i++ {
		if s.Boundaries[i] <= s.Boundaries[i-1] {
			return fmt.Errorf("optimizers: PiecewiseConstantDecay: boundaries must increase strictly, got %v", s.Boundaries)
		}
	}
	return nil
}

// CosineDecay is Keras's CosineDecay schedule without warm-up: the rate
// falls along half a cosine from InitialLearningRate to
// Alpha·InitialLearningRate over DecaySteps updates and stays there:
//
//	rate(step) = InitialLearningRate · ((1 − Alpha)·½(1 + cos(π·min(step, DecaySteps)/DecaySteps)) + Alpha)
//
// DecaySteps must be positive.
type CosineDecay struct {
	InitialLearningRate float64
	DecaySteps          int
	Alpha               float64
}

// Rate implements Schedule.
func (s CosineDecay) Rate(step int) float64 {
	mustValidate(s)
	frac := float64(min(step, s.DecaySteps)) / float64(s.DecaySteps)
	cosine := 0.5 * (1 + math.Cos(math.Pi*frac))
	return s.InitialLearningRate * ((1-s.Alpha)*cosine + s.Alpha)
}

func (s CosineDecay) validate() error {
	if s.DecaySteps <= 0 {
		return fmt.Errorf("optimizers: CosineDecay: DecaySteps must be > 0, got %d", s.DecaySteps)
	}
	return nil
}

// mustValidate panics if a built-in schedule is misconfigured, as Keras
// raises ValueError when it is constructed.
func mustValidate(s Schedule) {
	if v, ok := s.(interface{ validate() error }); ok {
		if err := v.validate(); err != nil {
			panic(err)
		}
	}
}

// WithSchedule returns o with its learning rate driven by s, as passing a
// schedule as Keras's learning_rate does. Before each Apply it sets o's rate
// to s.Rate(o.Iterations()), the number of updates made so far (Keras's
// optimizer.iterations); everything else, Name included, is o's. LR reports
// the rate of the next update. SetLR has no lasting effect, since the
// schedule sets the rate again before every update (Keras refuses to set
// the learning rate of an optimizer that has a schedule).
//
// It panics if s is a misconfigured built-in schedule.
func WithSchedule(o Optimizer, s Schedule) Optimizer {
	mustValidate(s)
	return &scheduled{Optimizer: o, schedule: s}
}

// scheduled wraps an optimizer whose learning rate follows a schedule.
type scheduled struct {
	Optimizer
	schedule Schedule
}

// Apply implements Optimizer.
func (o *scheduled) Apply(weights []*tensor.Tensor) {
	lr := o.LR()
	if lr == 0 {
		// A zero LearningRate field means "Keras's default" to the built-in
		// optimizers. The smallest positive float64 becomes a float32 zero
		// inside them, so the update is a true no-op, as in Keras.
		lr = math.SmallestNonzeroFloat64
	}
	o.Optimizer.SetLR(lr)
	o.Optimizer.Apply(weights)
}

// LR implements Optimizer: the scheduled rate of the next update.
func (o *scheduled) LR() float64 { return o.schedule.Rate(o.Optimizer.Iterations()) }
