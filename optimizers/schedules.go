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

// CosineDecay is Keras's CosineDecay schedule: the rate falls along half a
// cosine from InitialLearningRate to Alpha·InitialLearningRate over
// DecaySteps updates and stays there:
//
//	rate(step) = InitialLearningRate · ((1 − Alpha)·½(1 + cos(π·min(step, DecaySteps)/DecaySteps)) + Alpha)
//
// With WarmupTarget set (Keras's warmup_target), the rate first rises
// linearly from InitialLearningRate to *WarmupTarget over WarmupSteps
// updates, then decays from *WarmupTarget as above. DecaySteps must be
// positive.
type CosineDecay struct {
	InitialLearningRate float64
	DecaySteps          int
	Alpha               float64
	// WarmupTarget, if not nil, is the rate the warm-up reaches.
	WarmupTarget *float64
	// WarmupSteps is the length of the warm-up (with WarmupTarget).
	WarmupSteps int
}

// Rate implements Schedule.
func (s CosineDecay) Rate(step int) float64 {
	mustValidate(s)
	decay := func(step int, from float64) float64 {
		cosine := 0.5 * (1 + math.Cos(math.Pi*float64(step)/float64(s.DecaySteps)))
		return from * ((1-s.Alpha)*cosine + s.Alpha)
	}
	if s.WarmupTarget == nil {
		return decay(min(step, s.DecaySteps), s.InitialLearningRate)
	}
	step = min(step, s.DecaySteps+s.WarmupSteps)
	if step < s.WarmupSteps {
		return (*s.WarmupTarget-s.InitialLearningRate)*(float64(step)/float64(s.WarmupSteps)) + s.InitialLearningRate
	}
	return decay(step-s.WarmupSteps, *s.WarmupTarget)
}

func (s CosineDecay) validate() error {
	if s.DecaySteps <= 0 {
		return fmt.Errorf("optimizers: CosineDecay: DecaySteps must be > 0, got %d", s.DecaySteps)
	}
	if s.WarmupSteps < 0 {
		return fmt.Errorf("optimizers: CosineDecay: WarmupSteps must be >= 0, got %d", s.WarmupSteps)
	}
	if t := s.WarmupTarget; t != nil && (!(*t >= 0) || math.IsInf(*t, 1)) {
		return fmt.Errorf("optimizers: CosineDecay: WarmupTarget must be >= 0 and finite, got %v", *t)
	}
	return nil
}

// CosineDecayRestarts is Keras's CosineDecayRestarts (SGDR, Loshchilov &
// Hutter): cosine decays from InitialLearningRate, the i-th (from 0) lasting
// FirstDecaySteps·TMulⁱ updates and starting from InitialLearningRate·MMulⁱ,
// each ending at Alpha times its start. TMul defaults to 2 and MMul to 1;
// FirstDecaySteps must be positive.
type CosineDecayRestarts struct {
	InitialLearningRate float64
	FirstDecaySteps     int
	TMul, MMul, Alpha   float64
}

// Rate implements Schedule.
func (s CosineDecayRestarts) Rate(step int) float64 {
	mustValidate(s)
	tMul, mMul := orDefault(s.TMul, 2), orDefault(s.MMul, 1)
	frac := float64(step) / float64(s.FirstDecaySteps)
	var restart float64
	if tMul == 1 {
		restart = math.Floor(frac)
		frac -= restart
	} else {
		restart = math.Floor(math.Log(1-frac*(1-tMul)) / math.Log(tMul))
		sum := (1 - math.Pow(tMul, restart)) / (1 - tMul)
		frac = (frac - sum) / math.Pow(tMul, restart)
	}
	cosine := 0.5 * math.Pow(mMul, restart) * (1 + math.Cos(math.Pi*frac))
	return s.InitialLearningRate * ((1-s.Alpha)*cosine + s.Alpha)
}

func (s CosineDecayRestarts) validate() error {
	if s.FirstDecaySteps <= 0 {
		return fmt.Errorf("optimizers: CosineDecayRestarts: FirstDecaySteps must be > 0, got %d", s.FirstDecaySteps)
	}
	if t := orDefault(s.TMul, 2); !(t > 0) || math.IsInf(t, 1) {
		return fmt.Errorf("optimizers: CosineDecayRestarts: TMul must be > 0 and finite, got %v", s.TMul)
	}
	if m := orDefault(s.MMul, 1); !(m > 0) || math.IsInf(m, 1) {
		return fmt.Errorf("optimizers: CosineDecayRestarts: MMul must be > 0 and finite, got %v", s.MMul)
	}
	return nil
}

// PolynomialDecay is Keras's PolynomialDecay schedule:
//
//	rate(step) = (InitialLearningRate − EndLearningRate)·(1 − min(step, DecaySteps)/DecaySteps)^Power + EndLearningRate
//
// With Cycle, DecaySteps is multiplied by ⌈step/DecaySteps⌉ (1 at step 0)
// instead, so the decay starts again from higher. Power 0 means Keras's
// default 1; EndLearningRate is taken as it is (Keras's default is 1e-4,
// which NewPolynomialDecay fills in). DecaySteps must be positive.
type PolynomialDecay struct {
	InitialLearningRate float64
	DecaySteps          int
	EndLearningRate     float64
	Power               float64
	Cycle               bool
}

// NewPolynomialDecay returns PolynomialDecay with Keras's defaults:
// end_learning_rate 1e-4, power 1, no cycle.
func NewPolynomialDecay(initialLearningRate float64, decaySteps int) PolynomialDecay {
	return PolynomialDecay{InitialLearningRate: initialLearningRate, DecaySteps: decaySteps, EndLearningRate: 1e-4, Power: 1}
}

// Rate implements Schedule.
func (s PolynomialDecay) Rate(step int) float64 {
	mustValidate(s)
	st, ds := float64(step), float64(s.DecaySteps)
	if s.Cycle {
		if step != 0 {
			ds *= math.Ceil(st / float64(s.DecaySteps))
		}
	} else {
		st = min(st, ds)
	}
	return (s.InitialLearningRate-s.EndLearningRate)*math.Pow(1-st/ds, orDefault(s.Power, 1)) + s.EndLearningRate
}

func (s PolynomialDecay) validate() error {
	if s.DecaySteps <= 0 {
		return fmt.Errorf("optimizers: PolynomialDecay: DecaySteps must be > 0, got %d", s.DecaySteps)
	}
	if !(s.EndLearningRate >= 0) || math.IsInf(s.EndLearningRate, 1) {
		return fmt.Errorf("optimizers: PolynomialDecay: EndLearningRate must be >= 0 and finite, got %v", s.EndLearningRate)
	}
	if p := orDefault(s.Power, 1); !(p > 0) || math.IsInf(p, 1) {
		return fmt.Errorf("optimizers: PolynomialDecay: Power must be > 0 and finite, got %v", s.Power)
	}
	return nil
}

// InverseTimeDecay is Keras's InverseTimeDecay schedule:
//
//	rate(step) = InitialLearningRate / (1 + DecayRate·step/DecaySteps)
//
// With Staircase, step/DecaySteps is rounded down. DecaySteps must be
// positive.
type InverseTimeDecay struct {
	InitialLearningRate, DecaySteps, DecayRate float64
	Staircase                                  bool
}

// Rate implements Schedule.
func (s InverseTimeDecay) Rate(step int) float64 {
	mustValidate(s)
	p := float64(step) / s.DecaySteps
	if s.Staircase {
		p = math.Floor(p)
	}
	return s.InitialLearningRate / (1 + s.DecayRate*p)
}

func (s InverseTimeDecay) validate() error {
	if !(s.DecaySteps > 0) || math.IsInf(s.DecaySteps, 1) {
		return fmt.Errorf("optimizers: InverseTimeDecay: DecaySteps must be > 0, got %v", s.DecaySteps)
	}
	if !(s.DecayRate >= 0) || math.IsInf(s.DecayRate, 1) {
		return fmt.Errorf("optimizers: InverseTimeDecay: DecayRate must be >= 0 and finite, got %v", s.DecayRate)
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
