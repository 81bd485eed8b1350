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
	switch v := o.(type) {
	case *Adam:
		err = adamErrors(v)
	case *AdamW:
		err = errors.Join(adamErrors(&v.Adam), nonNegative("weight_decay", orDefault(v.WeightDecay, 0.004)))
	case *SGD:
		if m := v.Momentum; !(m >= 0 && m <= 1) {
			err = fmt.Errorf("momentum must be in [0, 1], got %v", m)
		}
	case *RMSprop:
		err = errors.Join(open01("rho", orDefault(v.Rho, 0.9)), nonNegative("momentum", v.Momentum), positive("epsilon", orDefault(v.Epsilon, 1e-7)))
	case *Adagrad:
		err = errors.Join(positive("initial_accumulator_value", orDefault(v.InitialAccumulatorValue, 0.1)), positive("epsilon", orDefault(v.Epsilon, 1e-7)))
	case *Nadam:
		err = errors.Join(open01("beta_1", orDefault(v.Beta1, 0.9)), open01("beta_2", orDefault(v.Beta2, 0.999)), positive("epsilon", orDefault(v.Epsilon, 1e-7)))
	case *Adamax:
		err = errors.Join(open01("beta_1", orDefault(v.Beta1, 0.9)), open01("beta_2", orDefault(v.Beta2, 0.999)), positive("epsilon", orDefault(v.Epsilon, 1e-7)))
	case *Adadelta:
		err = errors.Join(open01("rho", orDefault(v.Rho, 0.95)), positive("epsilon", orDefault(v.Epsilon, 1e-7)))
	case *Lion:
		// Keras: beta_1 in (0, 1], or Lion degenerates to SignSGD.
		b1 := orDefault(v.Beta1, 0.9)
		if !(b1 > 0 && b1 <= 1) {
			err = fmt.Errorf("beta_1 must be in (0, 1], got %v", b1)
		}
		err = errors.Join(err, open01("beta_2", orDefault(v.Beta2, 0.99)))
	case *Ftrl:
		err = ftrlErrors(v)
	default:
		return nil
	}
	if err = errors.Join(lrErr, err); err != nil {
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
