package optimizers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/neuron-go/neuron/internal/strictjson"
)

// Slot is one kind of per-weight state of an optimizer, such as Adam's
// "momentum" (its first moment estimate), with Keras's names.
type Slot struct {
	// Name is the slot's Keras name: "momentum", "velocity",
	// "average_gradient", "accumulator".
	Name string
	// Values holds one slice per weight given to Build, in order, each as
	// long as its weight.
	Values [][]float32
}

// State is what an optimizer has accumulated while training: the number
// of updates made and its slots. Saving it with the weights lets training
// continue exactly where it stopped.
type State struct {
	// Iterations is the number of updates applied (Optimizer.Iterations).
	Iterations int
	// Slots are the per-weight state variables, in a fixed order.
	Slots []Slot
}

// Stateful is implemented by optimizers whose state can be saved and
// restored. The built-in optimizers implement it, and so does an
// optimizer returned by WithSchedule when the optimizer it wraps does.
type Stateful interface {
	Optimizer
	// State returns the optimizer's state. The slices are the
	// optimizer's own; copy them to keep them past the next Apply.
	State() (State, error)
	// SetState copies a state into the optimizer, which must have been
	// built (Build) for weights of the state's sizes. The slot names must
	// be those State returns.
	SetState(s State) error
}

// setSlots checks s against the optimizer's current slots, want, and
// copies its values into them.
func setSlots(opt string, s State, want []Slot) error {
	if s.Iterations < 0 {
		return fmt.Errorf("optimizers: %s: iterations must be >= 0, got %d", opt, s.Iterations)
	}
	if len(s.Slots) != len(want) {
		return fmt.Errorf("optimizers: %s: want slots %s, got %s", opt, slotList(want), slotList(s.Slots))
	}
	for i, w := range want {
		got := s.Slots[i]
		if got.Name != w.Name {
			return fmt.Errorf("optimizers: %s: want slots %s, got %s", opt, slotList(want), slotList(s.Slots))
		}
		if len(got.Values) != len(w.Values) {
			return fmt.Errorf("optimizers: %s: slot %q has values for %d weights, the optimizer was built for %d", opt, w.Name, len(got.Values), len(w.Values))
		}
		for j := range w.Values {
			if len(got.Values[j]) != len(w.Values[j]) {
				return fmt.Errorf("optimizers: %s: slot %q, weight %d: %d values, want %d", opt, w.Name, j, len(got.Values[j]), len(w.Values[j]))
			}
		}
	}
	for i, w := range want {
		for j := range w.Values {
			copy(w.Values[j], s.Slots[i].Values[j])
		}
	}
	return nil
}

func slotList(s []Slot) string {
	names := make([]string, len(s))
	for i, x := range s {
		names[i] = fmt.Sprintf("%q", x.Name)
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// State implements Stateful: slots "momentum" and "velocity" (Keras's m
// and v), then "velocity_hat" with AMSGrad. AdamW's state is Adam's.
func (o *Adam) State() (State, error) {
	s := State{Iterations: o.iters, Slots: []Slot{{"momentum", o.m}, {"velocity", o.v}}}
	if o.AMSGrad {
		s.Slots = append(s.Slots, Slot{"velocity_hat", o.vHat})
	}
	return s, nil
}

// SetState implements Stateful.
func (o *Adam) SetState(s State) error {
	cur, _ := o.State()
	if err := setSlots(o.Name(), s, cur.Slots); err != nil {
		return err
	}
	o.iters = s.Iterations
	return nil
}

// State implements Stateful: slot "momentum" when Momentum is not zero,
// none otherwise.
func (o *SGD) State() (State, error) {
	s := State{Iterations: o.iters}
	if o.Momentum != 0 {
		s.Slots = []Slot{{"momentum", o.m}}
	}
	return s, nil
}

// SetState implements Stateful.
func (o *SGD) SetState(s State) error {
	cur, _ := o.State()
	if err := setSlots(o.Name(), s, cur.Slots); err != nil {
		return err
	}
	o.iters = s.Iterations
	return nil
}

// State implements Stateful: slot "velocity", then "momentum" when
// Momentum > 0 and "average_gradient" when Centered, as in Keras.
func (o *RMSprop) State() (State, error) {
	s := State{Iterations: o.iters, Slots: []Slot{{"velocity", o.v}}}
	if o.Momentum > 0 {
		s.Slots = append(s.Slots, Slot{"momentum", o.s})
	}
	if o.Centered {
		s.Slots = append(s.Slots, Slot{"average_gradient", o.a})
	}
	return s, nil
}

// SetState implements Stateful.
func (o *RMSprop) SetState(s State) error {
	cur, _ := o.State()
	if err := setSlots(o.Name(), s, cur.Slots); err != nil {
		return err
	}
	o.iters = s.Iterations
	return nil
}

// State implements Stateful: slot "accumulator".
func (o *Adagrad) State() (State, error) {
	return State{Iterations: o.iters, Slots: []Slot{{"accumulator", o.acc}}}, nil
}

// SetState implements Stateful.
func (o *Adagrad) SetState(s State) error {
	cur, _ := o.State()
	if err := setSlots(o.Name(), s, cur.Slots); err != nil {
		return err
	}
	o.iters = s.Iterations
	return nil
}

// State implements Stateful for a scheduled optimizer: the wrapped
// optimizer's state (the schedule itself keeps none: it reads the
// iterations).
func (o *scheduled) State() (State, error) {
	s, ok := o.Optimizer.(Stateful)
	if !ok {
		return State{}, fmt.Errorf("optimizers: %T does not implement optimizers.Stateful", o.Optimizer)
	}
	return s.State()
}

// SetState implements Stateful.
func (o *scheduled) SetState(st State) error {
	s, ok := o.Optimizer.(Stateful)
	if !ok {
		return fmt.Errorf("optimizers: %T does not implement optimizers.Stateful", o.Optimizer)
	}
	return s.SetState(st)
}

// The built-in optimizers are Stateful.
var (
	_ Stateful = (*Adam)(nil)
	_ Stateful = (*AdamW)(nil)
	_ Stateful = (*SGD)(nil)
	_ Stateful = (*RMSprop)(nil)
	_ Stateful = (*Adagrad)(nil)
	_ Stateful = (*scheduled)(nil)
)

// Saved configurations, with Keras's class names and keys.

type savedOptimizer struct {
	ClassName string          `json:"class_name"`
	Config    json.RawMessage `json:"config"`
}

// baseConfig holds the keys that every Keras optimizer's get_config writes
// for its base class; unset options are null, as Keras writes them.
type baseConfig struct {
	WeightDecay               *float64 `json:"weight_decay"`
	ClipNorm                  *float64 `json:"clipnorm"`
	GlobalClipNorm            *float64 `json:"global_clipnorm"`
	ClipValue                 *float64 `json:"clipvalue"`
	UseEMA                    bool     `json:"use_ema"`
	EMAMomentum               float64  `json:"ema_momentum"`
	EMAOverwriteFrequency     *int     `json:"ema_overwrite_frequency"`
	LossScaleFactor           *float64 `json:"loss_scale_factor"`
	GradientAccumulationSteps *int     `json:"gradient_accumulation_steps"`
}

// config returns the options in Keras's config form.
func (p Options) config() baseConfig {
	f := func(v float64) *float64 {
		if v == 0 {
			return nil
		}
		return &v
	}
	n := func(v int) *int {
		if v == 0 {
			return nil
		}
		return &v
	}
	return baseConfig{
		WeightDecay: f(p.WeightDecay), ClipNorm: f(p.ClipNorm), GlobalClipNorm: f(p.GlobalClipNorm), ClipValue: f(p.ClipValue),
		UseEMA: p.UseEMA, EMAMomentum: orDefault(p.EMAMomentum, 0.99), EMAOverwriteFrequency: n(p.EMAOverwriteFrequency),
		GradientAccumulationSteps: n(p.GradientAccumulationSteps),
	}
}

// options reads a config's base keys back. A file written before these
// keys existed has none of them, which leaves every option off.
func (c baseConfig) options() (Options, error) {
	var p Options
	v := func(key string, x *float64) (float64, error) {
		if x == nil {
			return 0, nil
		}
		if *x == 0 {
			// Zero would mean "off" here; Keras's null says that.
			return 0, fmt.Errorf("%s must be null or > 0, got 0", key)
		}
		return *x, nil
	}
	var errs []error
	var err error
	p.WeightDecay, err = v("weight_decay", c.WeightDecay)
	errs = append(errs, err)
	p.ClipNorm, err = v("clipnorm", c.ClipNorm)
	errs = append(errs, err)
	p.GlobalClipNorm, err = v("global_clipnorm", c.GlobalClipNorm)
	errs = append(errs, err)
	p.ClipValue, err = v("clipvalue", c.ClipValue)
	errs = append(errs, err)
	if c.LossScaleFactor != nil {
		errs = append(errs, fmt.Errorf("loss_scale_factor %v is not supported (float32 training needs none)", *c.LossScaleFactor))
	}
	if c.GradientAccumulationSteps != nil {
		if *c.GradientAccumulationSteps == 0 {
			errs = append(errs, errors.New("gradient_accumulation_steps must be null or >= 2, got 0"))
		}
		p.GradientAccumulationSteps = *c.GradientAccumulationSteps
	}
	if c.UseEMA {
		p.UseEMA = true
		if c.EMAMomentum == 0 {
			errs = append(errs, errors.New("ema_momentum 0 is not supported here (it would mean the default, 0.99)"))
		}
		p.EMAMomentum = c.EMAMomentum
		if c.EMAOverwriteFrequency != nil {
			if *c.EMAOverwriteFrequency == 0 {
				errs = append(errs, errors.New("ema_overwrite_frequency must be null or >= 1, got 0"))
			}
			p.EMAOverwriteFrequency = *c.EMAOverwriteFrequency
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Options{}, err
	}
	return p, p.validate()
}

type adamConfig struct {
	Name         string          `json:"name"`
	LearningRate json.RawMessage `json:"learning_rate"`
	Beta1        float64         `json:"beta_1"`
	Beta2        float64         `json:"beta_2"`
	Epsilon      float64         `json:"epsilon"`
	AMSGrad      bool            `json:"amsgrad"`
	baseConfig
}

type adamWConfig struct {
	Name         string          `json:"name"`
	LearningRate json.RawMessage `json:"learning_rate"`
	WeightDecay  float64         `json:"weight_decay"`
	Beta1        float64         `json:"beta_1"`
	Beta2        float64         `json:"beta_2"`
	Epsilon      float64         `json:"epsilon"`
	AMSGrad      bool            `json:"amsgrad"`
	baseConfig
}

type sgdConfig struct {
	Name         string          `json:"name"`
	LearningRate json.RawMessage `json:"learning_rate"`
	Momentum     float64         `json:"momentum"`
	Nesterov     bool            `json:"nesterov"`
	baseConfig
}

type rmspropConfig struct {
	Name         string          `json:"name"`
	LearningRate json.RawMessage `json:"learning_rate"`
	Rho          float64         `json:"rho"`
	Momentum     float64         `json:"momentum"`
	Epsilon      float64         `json:"epsilon"`
	Centered     bool            `json:"centered"`
	baseConfig
}

type adagradConfig struct {
	Name                    string          `json:"name"`
	LearningRate            json.RawMessage `json:"learning_rate"`
	InitialAccumulatorValue float64         `json:"initial_accumulator_value"`
	Epsilon                 float64         `json:"epsilon"`
	baseConfig
}

type betasConfig struct {
	Name         string          `json:"name"`
	LearningRate json.RawMessage `json:"learning_rate"`
	Beta1        float64         `json:"beta_1"`
	Beta2        float64         `json:"beta_2"`
	Epsilon      float64         `json:"epsilon"`
	baseConfig
}

type adadeltaConfig struct {
	Name         string          `json:"name"`
	LearningRate json.RawMessage `json:"learning_rate"`
	Rho          float64         `json:"rho"`
	Epsilon      float64         `json:"epsilon"`
	baseConfig
}

type lionConfig struct {
	Name         string          `json:"name"`
	LearningRate json.RawMessage `json:"learning_rate"`
	Beta1        float64         `json:"beta_1"`
	Beta2        float64         `json:"beta_2"`
	baseConfig
}

type ftrlConfig struct {
	Name                              string          `json:"name"`
	LearningRate                      json.RawMessage `json:"learning_rate"`
	LearningRatePower                 float64         `json:"learning_rate_power"`
	InitialAccumulatorValue           float64         `json:"initial_accumulator_value"`
	L1RegularizationStrength          float64         `json:"l1_regularization_strength"`
	L2RegularizationStrength          float64         `json:"l2_regularization_strength"`
	L2ShrinkageRegularizationStrength float64         `json:"l2_shrinkage_regularization_strength"`
	Beta                              float64         `json:"beta"`
	baseConfig
}

type adafactorConfig struct {
	Name          string          `json:"name"`
	LearningRate  json.RawMessage `json:"learning_rate"`
	Beta2Decay    float64         `json:"beta_2_decay"`
	Epsilon1      float64         `json:"epsilon_1"`
	Epsilon2      float64         `json:"epsilon_2"`
	ClipThreshold float64         `json:"clip_threshold"`
	RelativeStep  bool            `json:"relative_step"`
	baseConfig
}

type exponentialDecayConfig struct {
	InitialLearningRate float64 `json:"initial_learning_rate"`
	DecaySteps          float64 `json:"decay_steps"`
	DecayRate           float64 `json:"decay_rate"`
	Staircase           bool    `json:"staircase"`
}

type piecewiseConstantDecayConfig struct {
	Boundaries []int     `json:"boundaries"`
	Values     []float64 `json:"values"`
}

type cosineDecayConfig struct {
	InitialLearningRate float64  `json:"initial_learning_rate"`
	DecaySteps          int      `json:"decay_steps"`
	Alpha               float64  `json:"alpha"`
	WarmupTarget        *float64 `json:"warmup_target"`
	WarmupSteps         int      `json:"warmup_steps"`
}

type cosineDecayRestartsConfig struct {
	InitialLearningRate float64 `json:"initial_learning_rate"`
	FirstDecaySteps     int     `json:"first_decay_steps"`
	TMul                float64 `json:"t_mul"`
	MMul                float64 `json:"m_mul"`
	Alpha               float64 `json:"alpha"`
}

type polynomialDecayConfig struct {
	InitialLearningRate float64 `json:"initial_learning_rate"`
	DecaySteps          int     `json:"decay_steps"`
	EndLearningRate     float64 `json:"end_learning_rate"`
	Power               float64 `json:"power"`
	Cycle               bool    `json:"cycle"`
}

type inverseTimeDecayConfig struct {
	InitialLearningRate float64 `json:"initial_learning_rate"`
	DecaySteps          float64 `json:"decay_steps"`
	DecayRate           float64 `json:"decay_rate"`
	Staircase           bool    `json:"staircase"`
}

// MarshalConfig returns the saved form of a built-in optimizer, possibly
// with a built-in schedule (WithSchedule), in Keras's shape:
//
//	{"class_name": "Adam", "config": {"name": "adam", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07}}
//
// Defaults are written out. A schedule takes the learning rate's place:
// "learning_rate": {"class_name": "ExponentialDecay", "config": {…}}. The
// optimizer's state is not part of it (see Stateful).
func MarshalConfig(o Optimizer) ([]byte, error) {
	if err := Validate(o); err != nil {
		return nil, err
	}
	var sched Schedule
	if s, ok := o.(*scheduled); ok {
		o, sched = s.Optimizer, s.schedule
	}
	var opts Options
	if w, ok := o.(*withOptions); ok {
		o, opts = w.Optimizer, w.opts
	}
	base := opts.config()
	var lr json.RawMessage
	if sched != nil {
		b, err := marshalSchedule(sched)
		if err != nil {
			return nil, err
		}
		lr = b
	} else {
		v := o.LR()
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("optimizers: %s: learning rate %v cannot be saved", o.Name(), v)
		}
		lr, _ = json.Marshal(v)
	}
	var class string
	var cfg any
	switch v := o.(type) {
	case *Adam:
		class = "Adam"
		cfg = adamConfig{v.Name(), lr, orDefault(v.Beta1, 0.9), orDefault(v.Beta2, 0.999), orDefault(v.Epsilon, 1e-7), v.AMSGrad, base}
	case *AdamW:
		class = "AdamW"
		cfg = adamWConfig{v.Name(), lr, orDefault(v.WeightDecay, 0.004), orDefault(v.Beta1, 0.9), orDefault(v.Beta2, 0.999), orDefault(v.Epsilon, 1e-7), v.AMSGrad, base}
	case *SGD:
		class = "SGD"
		cfg = sgdConfig{v.Name(), lr, v.Momentum, v.Nesterov, base}
	case *RMSprop:
		class = "RMSprop"
		cfg = rmspropConfig{v.Name(), lr, orDefault(v.Rho, 0.9), v.Momentum, orDefault(v.Epsilon, 1e-7), v.Centered, base}
	case *Adagrad:
		class = "Adagrad"
		cfg = adagradConfig{v.Name(), lr, orDefault(v.InitialAccumulatorValue, 0.1), orDefault(v.Epsilon, 1e-7), base}
	case *Nadam:
		class = "Nadam"
		cfg = betasConfig{v.Name(), lr, orDefault(v.Beta1, 0.9), orDefault(v.Beta2, 0.999), orDefault(v.Epsilon, 1e-7), base}
	case *Adamax:
		class = "Adamax"
		cfg = betasConfig{v.Name(), lr, orDefault(v.Beta1, 0.9), orDefault(v.Beta2, 0.999), orDefault(v.Epsilon, 1e-7), base}
	case *Adadelta:
		class = "Adadelta"
		cfg = adadeltaConfig{v.Name(), lr, orDefault(v.Rho, 0.95), orDefault(v.Epsilon, 1e-7), base}
	case *Lion:
		class = "Lion"
		cfg = lionConfig{v.Name(), lr, orDefault(v.Beta1, 0.9), orDefault(v.Beta2, 0.99), base}
	case *Ftrl:
		class = "Ftrl"
		cfg = ftrlConfig{v.Name(), lr, orDefault(v.LearningRatePower, -0.5), orDefault(v.InitialAccumulatorValue, 0.1),
			v.L1RegularizationStrength, v.L2RegularizationStrength, v.L2ShrinkageRegularizationStrength, v.Beta, base}
	case *Adafactor:
		class = "Adafactor"
		cfg = adafactorConfig{v.Name(), lr, orDefault(v.Beta2Decay, -0.8), orDefault(v.Epsilon1, 1e-30), orDefault(v.Epsilon2, 1e-3),
			orDefault(v.ClipThreshold, 1), !v.NoRelativeStep, base}
	default:
		return nil, fmt.Errorf("optimizers: %T cannot be saved (only the built-in optimizers can)", o)
	}
	body, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("optimizers: %s: %w", class, err)
	}
	return json.Marshal(savedOptimizer{class, body})
}

func marshalSchedule(s Schedule) ([]byte, error) {
	var class string
	var cfg any
	switch v := s.(type) {
	case ExponentialDecay:
		class, cfg = "ExponentialDecay", exponentialDecayConfig(v)
	case PiecewiseConstantDecay:
		class, cfg = "PiecewiseConstantDecay", piecewiseConstantDecayConfig(v)
	case CosineDecay:
		class, cfg = "CosineDecay", cosineDecayConfig(v)
	case CosineDecayRestarts:
		class, cfg = "CosineDecayRestarts", cosineDecayRestartsConfig{v.InitialLearningRate, v.FirstDecaySteps, orDefault(v.TMul, 2), orDefault(v.MMul, 1), v.Alpha}
	case PolynomialDecay:
		class, cfg = "PolynomialDecay", polynomialDecayConfig{v.InitialLearningRate, v.DecaySteps, v.EndLearningRate, orDefault(v.Power, 1), v.Cycle}
	case InverseTimeDecay:
		class, cfg = "InverseTimeDecay", inverseTimeDecayConfig(v)
	default:
		return nil, fmt.Errorf("optimizers: schedule %T cannot be saved (only the built-in schedules can)", s)
	}
	body, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("optimizers: %s: %w", class, err)
	}
	return json.Marshal(savedOptimizer{class, body})
}

// UnmarshalConfig builds an optimizer from the output of MarshalConfig.
// Unknown classes and keys, repeated keys, values of the wrong type and
// values out of range are errors that name the key. Values whose zero
// would mean "Keras's default" in the optimizer's struct (a β, ε, the
// learning rate) must be positive.
func UnmarshalConfig(data []byte) (Optimizer, error) {
	var s savedOptimizer
	if err := strictjson.Decode(data, &s); err != nil {
		return nil, fmt.Errorf("optimizers: %w", err)
	}
	if s.Config == nil {
		return nil, fmt.Errorf("optimizers: %q: config is missing", s.ClassName)
	}
	var (
		o   Optimizer
		lr  json.RawMessage
		err error
	)
	switch s.ClassName {
	case "Adam":
		c := adamConfig{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}
		if err = strictjson.Decode(s.Config, &c); err == nil {
			err = errors.Join(open01("beta_1", c.Beta1), open01("beta_2", c.Beta2), positive("epsilon", c.Epsilon))
		}
		o, lr = &Adam{Beta1: c.Beta1, Beta2: c.Beta2, Epsilon: c.Epsilon, AMSGrad: c.AMSGrad}, c.LearningRate
	case "AdamW":
		c := adamWConfig{WeightDecay: 0.004, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}
		if err = strictjson.Decode(s.Config, &c); err == nil {
			err = errors.Join(positive("weight_decay", c.WeightDecay), open01("beta_1", c.Beta1), open01("beta_2", c.Beta2), positive("epsilon", c.Epsilon))
		}
		o = &AdamW{Adam: Adam{Beta1: c.Beta1, Beta2: c.Beta2, Epsilon: c.Epsilon, AMSGrad: c.AMSGrad}, WeightDecay: c.WeightDecay}
		lr = c.LearningRate
	case "SGD":
		var c sgdConfig
		if err = strictjson.Decode(s.Config, &c); err == nil && (c.Momentum < 0 || c.Momentum > 1) {
			err = fmt.Errorf("momentum must be in [0, 1], got %v", c.Momentum)
		}
		o, lr = &SGD{Momentum: c.Momentum, Nesterov: c.Nesterov}, c.LearningRate
	case "RMSprop":
		c := rmspropConfig{Rho: 0.9, Epsilon: 1e-7}
		if err = strictjson.Decode(s.Config, &c); err == nil {
			err = errors.Join(open01("rho", c.Rho), positive("epsilon", c.Epsilon))
			if c.Momentum < 0 {
				err = errors.Join(err, fmt.Errorf("momentum must be >= 0, got %v", c.Momentum))
			}
		}
		o, lr = &RMSprop{Rho: c.Rho, Momentum: c.Momentum, Epsilon: c.Epsilon, Centered: c.Centered}, c.LearningRate
	case "Adagrad":
		c := adagradConfig{InitialAccumulatorValue: 0.1, Epsilon: 1e-7}
		if err = strictjson.Decode(s.Config, &c); err == nil {
			err = errors.Join(positive("initial_accumulator_value", c.InitialAccumulatorValue), positive("epsilon", c.Epsilon))
		}
		o, lr = &Adagrad{InitialAccumulatorValue: c.InitialAccumulatorValue, Epsilon: c.Epsilon}, c.LearningRate
	case "Nadam", "Adamax":
		c := betasConfig{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}
		if err = strictjson.Decode(s.Config, &c); err == nil {
			err = errors.Join(open01("beta_1", c.Beta1), open01("beta_2", c.Beta2), positive("epsilon", c.Epsilon))
		}
		if s.ClassName == "Nadam" {
			o = &Nadam{Beta1: c.Beta1, Beta2: c.Beta2, Epsilon: c.Epsilon}
		} else {
			o = &Adamax{Beta1: c.Beta1, Beta2: c.Beta2, Epsilon: c.Epsilon}
		}
		lr = c.LearningRate
	case "Adadelta":
		c := adadeltaConfig{Rho: 0.95, Epsilon: 1e-7}
		if err = strictjson.Decode(s.Config, &c); err == nil {
			err = errors.Join(open01("rho", c.Rho), positive("epsilon", c.Epsilon))
		}
		o, lr = &Adadelta{Rho: c.Rho, Epsilon: c.Epsilon}, c.LearningRate
	case "Lion":
		c := lionConfig{Beta1: 0.9, Beta2: 0.99}
		if err = strictjson.Decode(s.Config, &c); err == nil {
			err = errors.Join(positive("beta_1", c.Beta1), open01("beta_2", c.Beta2))
		}
		o, lr = &Lion{Beta1: c.Beta1, Beta2: c.Beta2}, c.LearningRate
	case "Ftrl":
		c := ftrlConfig{LearningRatePower: -0.5, InitialAccumulatorValue: 0.1}
		err = strictjson.Decode(s.Config, &c)
		f := &Ftrl{LearningRatePower: c.LearningRatePower, InitialAccumulatorValue: c.InitialAccumulatorValue,
			L1RegularizationStrength: c.L1RegularizationStrength, L2RegularizationStrength: c.L2RegularizationStrength,
			L2ShrinkageRegularizationStrength: c.L2ShrinkageRegularizationStrength, Beta: c.Beta}
		if err == nil {
			// A zero here would mean "the default" in the struct.
			if c.LearningRatePower == 0 || c.InitialAccumulatorValue == 0 {
				err = fmt.Errorf("learning_rate_power and initial_accumulator_value must not be 0 here, got %v and %v", c.LearningRatePower, c.InitialAccumulatorValue)
			}
			err = errors.Join(err, ftrlErrors(f))
		}
		o, lr = f, c.LearningRate
	case "Adafactor":
		c := adafactorConfig{Beta2Decay: -0.8, Epsilon1: 1e-30, Epsilon2: 1e-3, ClipThreshold: 1, RelativeStep: true}
		if err = strictjson.Decode(s.Config, &c); err == nil {
			err = adafactorErrors(c.Beta2Decay, c.Epsilon1, c.Epsilon2, c.ClipThreshold)
		}
		o = &Adafactor{Beta2Decay: c.Beta2Decay, Epsilon1: c.Epsilon1, Epsilon2: c.Epsilon2, ClipThreshold: c.ClipThreshold, NoRelativeStep: !c.RelativeStep}
		lr = c.LearningRate
	default:
		return nil, fmt.Errorf("optimizers: %w class %q (known: Adadelta, Adafactor, Adagrad, Adam, Adamax, AdamW, Ftrl, Lion, Nadam, RMSprop, SGD)", ErrUnknownName, s.ClassName)
	}
	if err != nil {
		return nil, fmt.Errorf("optimizers: %s: %w", s.ClassName, err)
	}
	// The base class's keys, checked by the strict decode above.
	var bc baseConfig
	if err := json.Unmarshal(s.Config, &bc); err != nil {
		return nil, fmt.Errorf("optimizers: %s: %w", s.ClassName, err)
	}
	if s.ClassName == "AdamW" {
		bc.WeightDecay = nil // AdamW's own
	}
	opts, err := bc.options()
	if err != nil {
		return nil, fmt.Errorf("optimizers: %s: %w", s.ClassName, err)
	}
	if !opts.IsZero() {
		if o, err = WithOptions(o, opts); err != nil {
			return nil, err
		}
	}
	lr = bytes.TrimSpace(lr)
	switch {
	case len(lr) == 0:
		return nil, fmt.Errorf("optimizers: %s: learning_rate is missing", s.ClassName)
	case lr[0] == '{':
		sched, err := unmarshalSchedule(lr)
		if err != nil {
			return nil, fmt.Errorf("optimizers: %s: learning_rate: %w", s.ClassName, err)
		}
		o = WithSchedule(o, sched)
		if err := Validate(o); err != nil {
			return nil, err
		}
		return o, nil
	}
	var rate float64
	if err := strictjson.Decode(lr, &rate); err != nil {
		return nil, fmt.Errorf("optimizers: %s: learning_rate: %w", s.ClassName, err)
	}
	if err := positive("learning_rate", rate); err != nil {
		return nil, fmt.Errorf("optimizers: %s: %w", s.ClassName, err)
	}
	o.SetLR(rate)
	if err := Validate(o); err != nil {
		return nil, err
	}
	return o, nil
}

func unmarshalSchedule(data []byte) (Schedule, error) {
	var s savedOptimizer
	if err := strictjson.Decode(data, &s); err != nil {
		return nil, err
	}
	if s.Config == nil {
		return nil, fmt.Errorf("%q: config is missing", s.ClassName)
	}
	var sched interface {
		Schedule
		validate() error
	}
	var err error
	switch s.ClassName {
	case "ExponentialDecay":
		var c exponentialDecayConfig
		err = strictjson.Decode(s.Config, &c)
		sched = ExponentialDecay(c)
	case "PiecewiseConstantDecay":
		var c piecewiseConstantDecayConfig
		err = strictjson.Decode(s.Config, &c)
		sched = PiecewiseConstantDecay(c)
	case "CosineDecay":
		var c cosineDecayConfig
		err = strictjson.Decode(s.Config, &c)
		sched = CosineDecay(c)
	case "CosineDecayRestarts":
		c := cosineDecayRestartsConfig{TMul: 2, MMul: 1}
		err = strictjson.Decode(s.Config, &c)
		if err == nil && (c.TMul == 0 || c.MMul == 0) {
			err = fmt.Errorf("t_mul and m_mul must be > 0, got %v and %v", c.TMul, c.MMul)
		}
		sched = CosineDecayRestarts(c)
	case "PolynomialDecay":
		c := polynomialDecayConfig{EndLearningRate: 1e-4, Power: 1}
		err = strictjson.Decode(s.Config, &c)
		if err == nil && c.Power == 0 {
			err = fmt.Errorf("power must be > 0, got 0")
		}
		sched = PolynomialDecay(c)
	case "InverseTimeDecay":
		var c inverseTimeDecayConfig
		err = strictjson.Decode(s.Config, &c)
		sched = InverseTimeDecay(c)
	default:
		return nil, fmt.Errorf("unknown schedule class %q (known: CosineDecay, CosineDecayRestarts, ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay)", s.ClassName)
	}
	if err == nil {
		err = sched.validate()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.ClassName, err)
	}
	return sched, nil
}

func positive(key string, v float64) error {
	if !(v > 0) || math.IsInf(v, 1) {
		return fmt.Errorf("%s must be > 0 and finite, got %v", key, v)
	}
	return nil
}

func open01(key string, v float64) error {
	if !(v > 0 && v < 1) {
		return fmt.Errorf("%s must be in (0, 1), got %v", key, v)
	}
	return nil
}
