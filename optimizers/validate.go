package optimizers

import (
	"errors"
	"fmt"
	"math"
)

// Validate checks the hyperparameters of a built-in optimizer (and of its
// schedule) as they will be used, Keras's defaults filled in: a learning
// rate that is positive and finite, betas and rho in (0, 1), an epsilon
// that is positive and finite, an SGD momentum in [0, 1] (as Keras's SGD
// requires), a non-negative RMSprop momentum, weight decay and initial
// accumulator value. Errors name the optimizer, the Keras argument and the
// value. Compile, Save and Load all use it, so that whatever neuron can
// write it can read back, and what it refuses to read it refuses to make.
// Optimizers it does not know pass.
//
// Where Keras is silent (it accepts a NaN learning rate or a β₁ of 1 and
// trains on NaN), the bounds are those that keep the update formulas
// finite.
func Validate(o Optimizer) error {
	if o == nil {
		return errors.New("optimizers: the optimizer is nil")
	}
	var lrErr error
	if s, ok := o.(*scheduled); ok {
		if v, ok := s.schedule.(interface{ validate() error }); ok {
			if err := v.validate(); err != nil {
				lrErr = fmt.Errorf("learning_rate: %T: %w", s.schedule, err)
			}
		}
		o = s.Optimizer
	} else {
		lrErr = positive("learning_rate", o.LR())
	}
	var err error
	if w, ok := o.(*withOptions); ok {
		err, o = w.opts.validate(), w.Optimizer
		if _, adamW := o.(*AdamW); adamW && w.opts.WeightDecay != 0 {
			err = errors.Join(err, fmt.Errorf("weight_decay is AdamW's own (AdamW.WeightDecay), got Options.WeightDecay %v", w.opts.WeightDecay))
		}
	}
	var kindErr error
	switch v := o.(type) {
	case *Adam:
		kindErr = adamErrors(v)
	case *AdamW:
		kindErr = errors.Join(adamErrors(&v.Adam), nonNegative("weight_decay", orDefault(v.WeightDecay, 0.004)))
	case *SGD:
		if m := v.Momentum; !(m >= 0 && m <= 1) {
			kindErr = fmt.Errorf("momentum must be in [0, 1], got %v", m)
		}
	case *RMSprop:
		kindErr = errors.Join(open01("rho", orDefault(v.Rho, 0.9)), nonNegative("momentum", v.Momentum), positive("epsilon", orDefault(v.Epsilon, 1e-7)))
	case *Adagrad:
		kindErr = errors.Join(positive("initial_accumulator_value", orDefault(v.InitialAccumulatorValue, 0.1)), positive("epsilon", orDefault(v.Epsilon, 1e-7)))
	case *Nadam:
		kindErr = errors.Join(open01("beta_1", orDefault(v.Beta1, 0.9)), open01("beta_2", orDefault(v.Beta2, 0.999)), positive("epsilon", orDefault(v.Epsilon, 1e-7)))
	case *Adamax:
		kindErr = errors.Join(open01("beta_1", orDefault(v.Beta1, 0.9)), open01("beta_2", orDefault(v.Beta2, 0.999)), positive("epsilon", orDefault(v.Epsilon, 1e-7)))
	case *Adadelta:
		kindErr = errors.Join(open01("rho", orDefault(v.Rho, 0.95)), positive("epsilon", orDefault(v.Epsilon, 1e-7)))
	case *Lion:
		// Keras: beta_1 in (0, 1], or Lion degenerates to SignSGD.
		b1 := orDefault(v.Beta1, 0.9)
		if !(b1 > 0 && b1 <= 1) {
			kindErr = fmt.Errorf("beta_1 must be in (0, 1], got %v", b1)
		}
		kindErr = errors.Join(kindErr, open01("beta_2", orDefault(v.Beta2, 0.99)))
	case *Ftrl:
		kindErr = ftrlErrors(v)
	case *Adafactor:
		kindErr = adafactorErrors(orDefault(v.Beta2Decay, -0.8), orDefault(v.Epsilon1, 1e-30), orDefault(v.Epsilon2, 1e-3), orDefault(v.ClipThreshold, 1))
	default:
		// An optimizer of one's own: only the options are ours to check.
		lrErr = nil
	}
	if err = errors.Join(lrErr, err, kindErr); err != nil {
		return fmt.Errorf("optimizers: %s: %w", o.Name(), err)
	}
	return nil
}

func adamErrors(o *Adam) error {
	return errors.Join(open01("beta_1", orDefault(o.Beta1, 0.9)), open01("beta_2", orDefault(o.Beta2, 0.999)), positive("epsilon", orDefault(o.Epsilon, 1e-7)))
}

func nonNegative(key string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 1) {
		return fmt.Errorf("%s must be >= 0 and finite, got %v", key, v)
	}
	return nil
}

func ftrlErrors(v *Ftrl) error {
	var err error
	if p := orDefault(v.LearningRatePower, -0.5); !(p <= 0) || math.IsInf(p, -1) {
		err = fmt.Errorf("learning_rate_power must be <= 0 and finite, got %v", p)
	}
	return errors.Join(err,
		nonNegative("initial_accumulator_value", orDefault(v.InitialAccumulatorValue, 0.1)),
		nonNegative("l1_regularization_strength", v.L1RegularizationStrength),
		nonNegative("l2_regularization_strength", v.L2RegularizationStrength),
		nonNegative("l2_shrinkage_regularization_strength", v.L2ShrinkageRegularizationStrength),
		nonNegative("beta", v.Beta))
}

// adafactorErrors checks Adafactor's hyperparameters. Keras checks none;
// these keep β₂ₜ in [0, 1) and every division finite.
func adafactorErrors(beta2Decay, eps1, eps2, clip float64) error {
	var err error
	if !(beta2Decay < 0) || math.IsInf(beta2Decay, -1) {
		err = fmt.Errorf("beta_2_decay must be < 0 and finite, got %v", beta2Decay)
	}
	return errors.Join(err, positive("epsilon_1", eps1), positive("epsilon_2", eps2), positive("clip_threshold", clip))
}
